#!/bin/bash
# tests/interop/scan_samba.sh - `smbsign scan` against real Samba smbd servers on
# 127.0.0.1 high ports (one private smb.conf and private dirs per server), and
# against misbehaving fake listeners. Each posture must be reported exactly.
# The nmap cross-check (nmap only probes 445/139) is in scan_nmap.sh.
. "$(dirname "$0")/../lib.sh"
SMBD=$(command -v smbd || echo /usr/sbin/smbd)
if [ ! -x "$SMBD" ] || [ "$(id -u)" != 0 ]; then
    echo "# SKIP smbd not installed or not root: no Samba checks run"
    exit 0
fi
T=$(mk_tmpdir)
FAKE="$ROOT/tests/interop/fake_smb.py"

# smb_conf DIR PORTS SIGNING MINPROTO MAXPROTO INTERFACES
smb_conf() {
    SAMBA_INTERFACES=$6 samba_conf "$1" "$2" "  server signing = $3
  server min protocol = $4
  server max protocol = $5"
}

declare -A PORT
declare -A ARGS
# start_smbd NAME SIGNING MINPROTO [MAXPROTO] [INTERFACES]
start_smbd() {
    local name=$1 p
    ARGS[$name]=$(printf "%q " "$@")
    p=$(free_port) || { not_ok "no free port for $name"; return; }
    PORT[$name]=$p
    smb_conf "$T/$name" "$p" "$2" "$3" "${4:-SMB3_11}" "${5:-127.0.0.1}"
    # own session: smbd signals its process group when it stops
    setsid "$SMBD" --foreground --no-process-group --debug-stdout -s "$T/$name/smb.conf" >"$T/$name/smbd.log" 2>&1 &
    track_pid $!
}

start_smbd nt1_disabled disabled NT1
start_smbd nt1_auto auto NT1
start_smbd nt1_mandatory mandatory NT1 SMB3_11 "127.0.0.1 ::1"
start_smbd smb2_disabled disabled SMB2_02
start_smbd smb2_mandatory mandatory SMB2_02
start_smbd smb3_auto auto SMB3
start_smbd smb3_mandatory mandatory SMB3
start_smbd max302 auto SMB2_02 SMB3_02
start_smbd max210 auto SMB2_02 SMB2_10
start_smbd max202 mandatory SMB2_02 SMB2_02
for n in "${!PORT[@]}"; do
    # a port taken between free_port and smbd's bind makes smbd abort: retry on a new port
    for try in 1 2 3; do
        wait_port 127.0.0.1 "${PORT[$n]}" 20 && break
        [ $try = 3 ] && { not_ok "smbd $n did not start"; sed 's/^/#   /' "$T/$n/smbd.log" | tail -5; break; }
        echo "# smbd $n not listening on ${PORT[$n]} (try $try), restarting on another port"
        # shellcheck disable=SC2086
        eval "start_smbd ${ARGS[$n]}"
    done
done

# summary of a JSON Lines file: "port dialect secmode signing alg smb1mode smb1signing relay verdict status smb2st smb1st"
summ() {
    python3 - "$1" <<'EOP'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    s2 = r["smb2"] or {}
    s1 = r["smb1"] or {}
    v = lambda d, k: "-" if d.get(k) is None else str(d.get(k))
    print(r["port"], v(s2, "dialect"), v(s2, "security_mode"), v(s2, "signing"), v(s2, "signing_algorithm"),
          v(s1, "security_mode"), v(s1, "signing"), str(r["relay_target"]).lower(), r["verdict"], r["status"],
          r["smb2_status"], r["smb1_status"])
EOP
}

ports=$(IFS=,; echo "${PORT[*]}")
"$SMBSIGN" scan --json --no-progress -p "$ports" 127.0.0.1 >"$T/all.jsonl" 2>"$T/all.err"
rc=$?
check_eq "scan of 10 Samba servers exits 1 (relay targets found)" "$rc" 1
S=$(summ "$T/all.jsonl")
check_eq "one JSON line per server" "$(wc -l <"$T/all.jsonl")" 10
expect() { # NAME WANT
    local got
    got=$(grep "^${PORT[$1]} " <<<"$S" | cut -d' ' -f2-)
    check_eq "samba $1: $2" "$got" "$2"
}
expect nt1_disabled "3.1.1 1 not-required aes-gmac 3 disabled true not-required ok ok ok"
expect nt1_auto "3.1.1 1 not-required aes-gmac 7 enabled true not-required ok ok ok"
expect nt1_mandatory "3.1.1 3 required aes-gmac 15 required false required ok ok ok"
expect smb2_disabled "3.1.1 1 not-required aes-gmac - - true not-required ok ok not-supported"
expect smb2_mandatory "3.1.1 3 required aes-gmac - - false required ok ok not-supported"
expect smb3_auto "3.1.1 1 not-required aes-gmac - - true not-required ok ok not-supported"
expect smb3_mandatory "3.1.1 3 required aes-gmac - - false required ok ok not-supported"
expect max302 "3.0.2 1 not-required aes-cmac - - true not-required ok ok not-supported"
expect max210 "2.1 1 not-required hmac-sha256 - - true not-required ok ok not-supported"
expect max202 "2.0.2 3 required hmac-sha256 - - false required ok ok not-supported"
check_match "3.1.1 reports the negotiated cipher and a server GUID" \
    "$(grep "\"port\":${PORT[nt1_auto]}," "$T/all.jsonl")" \
    '"encryption_ciphers":\["aes-(128|256)-(gcm|ccm)"\],"server_guid":"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"'
check_match "2.1 has no encryption ciphers" "$(grep "\"port\":${PORT[max210]}," "$T/all.jsonl")" '"encryption_ciphers":\[\]'

# probe restrictions
out=$("$SMBSIGN" scan --json --smb1-only -p "${PORT[nt1_mandatory]}" 127.0.0.1)
check_match "--smb1-only: no SMB2 object, SMB1 required" "$out" '"smb2":null,"smb1":\{"security_mode":15,"signing":"required".*"verdict":"required","smb2_status":"skipped"'
out=$("$SMBSIGN" scan --json --smb2-only -p "${PORT[nt1_disabled]}" 127.0.0.1)
check_match "--smb2-only: SMB1 not probed" "$out" '"smb1":null,"relay_target":true.*"smb1_status":"skipped"'

# IPv6 and hostnames
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
    out=$("$SMBSIGN" scan --json -p "${PORT[nt1_mandatory]}" ::1)
    check_match "IPv6 target ::1" "$out" '"host":"::1".*"status":"ok".*"verdict":"required"'
    out=$("$SMBSIGN" scan -p "${PORT[nt1_mandatory]}" ::1)
    check_match "IPv6 text line uses [addr]:port" "$out" "^\\[::1\\]:${PORT[nt1_mandatory]} +ok +required"
else
    echo "# SKIP no ::1 on lo: IPv6 check not run"
fi
out=$("$SMBSIGN" scan --json -4 -p "${PORT[nt1_mandatory]}" localhost)
check_match "hostname target (localhost, -4)" "$out" '"host":"127.0.0.1","name":"localhost",.*"verdict":"required"'
out=$("$SMBSIGN" scan --json -p "${PORT[nt1_mandatory]}" no-such-host.invalid)
check_match "unresolvable name: status error with the reason" "$out" '"name":"no-such-host.invalid",.*"status":"error".*"verdict":"unknown".*"error":"cannot resolve'

# text, CSV, relay list, -o, targets from a file and stdin
"$SMBSIGN" scan -p "${PORT[nt1_disabled]},${PORT[nt1_mandatory]}" --relay-list "$T/relay.txt" -o "$T/out.txt" 127.0.0.1
check_eq "--relay-list lists the relay target once" "$(cat "$T/relay.txt")" "127.0.0.1"
check_match "text line for a relay target" "$(cat "$T/out.txt")" "^127\.0\.0\.1:${PORT[nt1_disabled]} +ok +not-required +smb2=3\.1\.1/not-required/aes-gmac +smb1=disabled\(3\) +relay-target"
check_match "text line for a signing host" "$(cat "$T/out.txt")" "^127\.0\.0\.1:${PORT[nt1_mandatory]} +ok +required +smb2=3\.1\.1/required/aes-gmac +smb1=required\(15\) *$"
check_match "text summary" "$(cat "$T/out.txt")" "Summary: 2 scanned, 2 up, 2 speak SMB1"
check_nomatch "no colour codes when not a TTY" "$(cat "$T/out.txt")" $'\033'
"$SMBSIGN" scan -p "${PORT[nt1_mandatory]},${PORT[smb3_mandatory]}" --relay-list "$T/relay2.txt" 127.0.0.1 >/dev/null
check_exit 0 "exit 0 when every host requires signing" "$SMBSIGN" scan -p "${PORT[nt1_mandatory]}" 127.0.0.1
check_eq "--relay-list is empty when nothing is relayable" "$(wc -c <"$T/relay2.txt")" 0
out=$("$SMBSIGN" scan --csv -p "${PORT[nt1_auto]}" 127.0.0.1)
check_eq "CSV has a header and one row" "$(printf '%s\n' "$out" | wc -l)" 2
check_match "CSV row" "$(printf '%s\n' "$out" | tail -1)" "^127\.0\.0\.1,${PORT[nt1_auto]},ok,not-required,true,3\.1\.1,1,not-required,aes-gmac,aes-[0-9]+-[gc]cm,[0-9a-f-]{36},7,enabled,ok,ok,$"
printf '# lab\n127.0.0.1   # loopback\n\n' >"$T/targets.txt"
out=$("$SMBSIGN" scan --json -p "${PORT[nt1_auto]}" "@$T/targets.txt")
check_match "@FILE targets" "$out" '"host":"127.0.0.1".*"verdict":"not-required"'
out=$(echo 127.0.0.1 | "$SMBSIGN" scan --json -p "${PORT[nt1_auto]}" -)
check_match "targets from stdin" "$out" '"host":"127.0.0.1".*"verdict":"not-required"'
out=$("$SMBSIGN" scan --json -p "${PORT[nt1_auto]}" 127.0.0.1-3 -x 127.0.0.2-3)
check_eq "--exclude removes addresses" "$(printf '%s\n' "$out" | wc -l)" 1

# misbehaving peers
declare -A FP
for m in hang http garbage truncated badoffset; do
    FP[$m]=$(free_port)
    /usr/bin/python3 "$FAKE" "$m" "${FP[$m]}" &
    track_pid $!
done
for m in "${!FP[@]}"; do wait_port 127.0.0.1 "${FP[$m]}" 10 || not_ok "fake $m did not start"; done
closed=$(free_port)
fp="${FP[hang]},${FP[http]},${FP[garbage]},${FP[truncated]},${FP[badoffset]},$closed"
"$SMBSIGN" scan --json --timeout 600 --connect-timeout 600 --retries 0 -p "$fp" 127.0.0.1 >"$T/neg.jsonl"
check_eq "every negative case ends with a result" "$(wc -l <"$T/neg.jsonl")" 6
S=$(summ "$T/neg.jsonl")
neg() { # PORT NAME STATUS
    local got
    got=$(grep "^$1 " <<<"$S" | cut -d' ' -f8-10)
    check_eq "$2: status $3, verdict unknown, not a relay target" "$got" "false unknown $3"
}
neg "$closed" "closed port" refused
neg "${FP[hang]}" "listener that never answers" timeout
neg "${FP[http]}" "HTTP listener" not-smb
neg "${FP[garbage]}" "garbage answer" malformed
neg "${FP[truncated]}" "truncated NEGOTIATE response" malformed
neg "${FP[badoffset]}" "NEGOTIATE response with an offset out of range" malformed
check_match "timeout reason is given" "$(grep "\"port\":${FP[hang]}," "$T/neg.jsonl")" '"error":"smb2: no answer in 600 ms"'
check_match "truncation reason is given" "$(grep "\"port\":${FP[truncated]}," "$T/neg.jsonl")" '"error":"smb2: truncated answer'
check_match "not-smb shows what was received" "$(grep "\"port\":${FP[http]}," "$T/neg.jsonl")" '"error":"smb2: not NetBIOS/SMB: answer starts with \\"HTTP'
# many addresses with a small concurrency and a rate cap: every one ends with a result
out=$("$SMBSIGN" scan --json -c 4 --rate 400 --retries 0 -p "$closed" 127.0.0.1-60)
check_eq "60 addresses, -c 4 --rate 400: 60 results" "$(printf '%s\n' "$out" | grep -c '"status":"refused"')" 60
check_eq "each address reported once" "$(printf '%s\n' "$out" | sed 's/.*"host":"\([^"]*\)".*/\1/' | sort -u | wc -l)" 60
# a terminal gets colour and a progress line on stderr; NO_COLOR turns colour off
if command -v script >/dev/null; then
    tty_out=$(script -qec "$SMBSIGN scan -p ${PORT[nt1_disabled]},${PORT[nt1_mandatory]} 127.0.0.1" /dev/null)
    check_match "colour on a terminal" "$tty_out" $'\033\\[31mnot-required'
    check_match "progress line on a terminal" "$tty_out" '[0-9]+/2 done'
    tty_out=$(NO_COLOR=1 script -qec "$SMBSIGN scan -p ${PORT[nt1_disabled]} 127.0.0.1" /dev/null)
    check_nomatch "NO_COLOR: no colour" "$tty_out" $'\033\\[3[12]m'
fi
# SIGINT stops the scan, keeps the results already written, exits 130
"$SMBSIGN" scan --json -o "$T/int.jsonl" --timeout 60000 --retries 0 -p "$closed,${FP[hang]}" 127.0.0.1 &
spid=$!
for _ in $(seq 1 100); do grep -q refused "$T/int.jsonl" 2>/dev/null && break; sleep 0.1; done
kill -INT "$spid"
wait "$spid"
check_eq "SIGINT: exit status 130" "$?" 130
check_match "SIGINT: results written before the interrupt are kept" "$(cat "$T/int.jsonl")" '"status":"refused"'
check_eq "SIGINT: the unfinished host has no result" "$(wc -l <"$T/int.jsonl")" 1
# a hostile peer must not stall a scan of good hosts
out=$("$SMBSIGN" scan --json --timeout 600 --retries 0 -p "${FP[hang]},${PORT[nt1_mandatory]}" 127.0.0.1)
check_match "a good host next to a silent one is still judged" "$out" '"verdict":"required"'
exit 0
