#!/bin/bash
# tests/interop/scan_shards.sh - `smbsign scan` for large scans: shards, resume,
# merge, HOST:PORT targets, relay lists, nxc/xml output and --rate, against real
# Samba smbd servers on several loopback addresses.
#
# Runs in a private network namespace (unshare -n): its lo gets 127.0.0.10 as a
# second address so one smbd listens on 127.0.0.1 and 127.0.0.10; every other
# 127.x address refuses at once. Nothing can leave the namespace.
. "$(dirname "$0")/../lib.sh"
SMBD=$(command -v smbd || echo /usr/sbin/smbd)
if [ ! -x "$SMBD" ] || [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
    echo "# SKIP needs smbd, root and unshare -n: no shard/resume checks run"
    exit 0
fi
if [ -z "${SCAN_SHARDS_NETNS:-}" ]; then
    SCAN_SHARDS_NETNS=1 exec unshare -n bash "$0" "$@"
fi
ip link set lo up && ip addr add 127.0.0.10/8 dev lo || { not_ok "netns loopback setup"; exit 1; }
T=$(mk_tmpdir)

declare -A PORT
# start_smbd NAME SIGNING MINPROTO MAXPROTO INTERFACES
start_smbd() {
    local name=$1 p
    p=$(free_port) || { not_ok "no free port for $name"; return; }
    PORT[$name]=$p
    SAMBA_INTERFACES=$5 samba_conf "$T/$name" "$p" "  server signing = $2
  server min protocol = $3
  server max protocol = $4"
    setsid "$SMBD" --foreground --no-process-group --debug-stdout -s "$T/$name/smb.conf" >"$T/$name/smbd.log" 2>&1 &
    track_pid $!
}
start_smbd both_auto auto NT1 SMB3_11 "127.0.0.1 127.0.0.10"
start_smbd both_mandatory mandatory NT1 SMB3_11 127.0.0.1
start_smbd smb1_auto auto NT1 NT1 127.0.0.1
start_smbd smb1_mandatory mandatory NT1 NT1 127.0.0.1
start_smbd smb311_auto auto SMB3_11 SMB3_11 127.0.0.1
for n in "${!PORT[@]}"; do
    wait_port 127.0.0.1 "${PORT[$n]}" 20 || { not_ok "smbd $n did not start"; tail -5 "$T/$n/smbd.log" | sed 's/^/#   /'; }
done
wait_port 127.0.0.10 "${PORT[both_auto]}" 20 || not_ok "smbd both_auto is not on 127.0.0.10"
PA=${PORT[both_auto]}
field() { # FILE PORT KEY : a field of the JSON record for 127.0.0.1:PORT
    python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["host"] == "127.0.0.1" and r["port"] == int(sys.argv[2]):
        v = r
        for k in sys.argv[3].split("."):
            v = v[k] if v is not None else None
        print(json.dumps(v, separators=(",", ":")))' "$@"
}

# --- postures: which dialect makes a host relayable -------------------------
"$SMBSIGN" scan --json -o "$T/post.jsonl" 127.0.0.1:"${PORT[both_auto]}" 127.0.0.1:"${PORT[both_mandatory]}" \
    127.0.0.1:"${PORT[smb1_auto]}" 127.0.0.1:"${PORT[smb1_mandatory]}" 127.0.0.1:"${PORT[smb311_auto]}"
check_eq "HOST:PORT targets: one result per host:port" "$(wc -l <"$T/post.jsonl")" 5
check_eq "3.1.1-only, signing enabled not required: relay target" "$(field "$T/post.jsonl" "${PORT[smb311_auto]}" verdict)" '"not-required"'
check_eq "3.1.1-only: dialect 3.1.1" "$(field "$T/post.jsonl" "${PORT[smb311_auto]}" smb2.dialect)" '"3.1.1"'
check_eq "3.1.1-only: relayable through SMB2" "$(field "$T/post.jsonl" "${PORT[smb311_auto]}" relay_via)" '["smb2"]'
check_eq "SMB1-only host judged from its SMB1 SecurityMode (enabled)" "$(field "$T/post.jsonl" "${PORT[smb1_auto]}" smb1.signing)" '"enabled"'
check_eq "SMB1-only, enabled: relay target through SMB1" "$(field "$T/post.jsonl" "${PORT[smb1_auto]}" relay_via)" '["smb1"]'
check_eq "SMB1-only, no SMB2 answer" "$(field "$T/post.jsonl" "${PORT[smb1_auto]}" smb2)" 'null'
check_eq "SMB1-only, mandatory: required (negative twin)" "$(field "$T/post.jsonl" "${PORT[smb1_mandatory]}" verdict)" '"required"'
check_eq "SMB1-only, mandatory: no relay dialect" "$(field "$T/post.jsonl" "${PORT[smb1_mandatory]}" relay_via)" '[]'
check_eq "both dialects, auto: relayable through both, and says so" "$(field "$T/post.jsonl" "$PA" relay_via)" '["smb2","smb1"]'
check_eq "both dialects, mandatory: required" "$(field "$T/post.jsonl" "${PORT[both_mandatory]}" verdict)" '"required"'

# --- relay list: exact addresses, Samba included ------------------------------
"$SMBSIGN" scan -p "$PA,${PORT[both_mandatory]}" --relay-list "$T/relay.txt" 127.0.0.1 127.0.0.10 127.0.0.100 >/dev/null
check_eq "relay list: 127.0.0.1 and 127.0.0.10 both listed (no substring dedupe), once each" \
    "$(sort "$T/relay.txt" | tr '\n' ' ')" "127.0.0.1 127.0.0.10 "
"$SMBSIGN" scan --relay-list "$T/relay0.txt" 127.0.0.1:"${PORT[both_mandatory]}" 127.0.0.1:"${PORT[smb1_mandatory]}" >/dev/null
check_eq "relay list: hosts that require signing are not listed" "$(wc -c <"$T/relay0.txt")" 0

# --- nxc and nmap XML ---------------------------------------------------------
out=$("$SMBSIGN" scan --format nxc 127.0.0.1:"$PA" 127.0.0.1:"${PORT[both_mandatory]}" 127.0.0.100:"$PA")
check_match "nxc: relay target line" "$out" "^SMB +127\.0\.0\.1 +$PA +127\.0\.0\.1 +\[\*\] SMB 3\.1\.1 \(signing:False\) \(SMBv1:True\) \(relay:smb2,smb1\)$"
check_match "nxc: signing host line" "$out" "^SMB +127\.0\.0\.1 +${PORT[both_mandatory]} +127\.0\.0\.1 +\[\*\] SMB 3\.1\.1 \(signing:True\) \(SMBv1:True\)$"
check_nomatch "nxc: a host that did not answer has no line" "$out" "127\.0\.0\.100"
"$SMBSIGN" scan --format xml -o "$T/scan.xml" 127.0.0.1:"$PA" 127.0.0.1:"${PORT[both_mandatory]}" 127.0.0.100:"$PA"
xml=$(python3 - "$T/scan.xml" <<'EOP'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "nmaprun"
for h in root.findall("host"):
    a = h.find("address").get("addr")
    p = h.find("ports/port").get("portid")
    st = h.find("ports/port/state").get("state")
    s = h.find("hostscript/script[@id='smb2-security-mode']")
    e = s.find("table/elem").text if s is not None else "-"
    print(a, p, st, e)
EOP
)
check_match "xml: well-formed nmap document, relay host" "$xml" "^127\.0\.0\.1 $PA open Message signing enabled but not required$"
check_match "xml: signing host" "$xml" "^127\.0\.0\.1 ${PORT[both_mandatory]} open Message signing enabled and required$"
check_match "xml: closed port" "$xml" "^127\.0\.0\.100 $PA closed -$"

# nmap itself only probes 445: in this namespace an smbd can have it. A reader of
# nmap XML must find the same script, table and text in ours.
if command -v nmap >/dev/null; then
    SAMBA_INTERFACES=127.0.0.1 samba_conf "$T/p445" 445 "  server signing = auto
  server min protocol = SMB2_02"
    setsid "$SMBD" --foreground --no-process-group --debug-stdout -s "$T/p445/smb.conf" >"$T/p445/smbd.log" 2>&1 &
    track_pid $!
    if wait_port 127.0.0.1 445 20; then
        nmap -Pn -n -p445 --script smb2-security-mode -oX "$T/nmap.xml" 127.0.0.1 >/dev/null 2>&1
        "$SMBSIGN" scan --format xml -o "$T/ours445.xml" 127.0.0.1
        xq() { python3 -c 'import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot().find(".//host/hostscript/script[@id=\"smb2-security-mode\"]")
print(s.find("table/elem").text if s is not None else "none")' "$1"; }
        nm=$(xq "$T/nmap.xml")
        check_eq "xml: nmap's own smb2-security-mode text for this smbd" "$nm" "Message signing enabled but not required"
        check_eq "xml: ours has the same script, table and text" "$(xq "$T/ours445.xml")" "$nm"
    else
        not_ok "smbd on 445 in the namespace did not start"
    fi
else
    echo "# SKIP nmap not installed: XML cross-check not run"
fi

# --- shards: four at once over a /22 cover it exactly once --------------------
NET=127.0.0.0/22
"$SMBSIGN" scan --json --no-progress -p "$PA" -o "$T/single.jsonl" --relay-list "$T/single.relay" $NET
for i in 1 2 3 4; do
    "$SMBSIGN" scan --json --no-progress -p "$PA" --seed 4242 --shard $i/4 -o "$T/sh$i.jsonl" $NET &
    spids[$i]=$!
done
for i in 1 2 3 4; do wait "${spids[$i]}"; done
hosts() { python3 -c 'import json,sys
for f in sys.argv[1:]:
    for l in open(f):
        r = json.loads(l); print(r["host"], r["port"], r["status"], r["verdict"])' "$@" | sort; }
check_eq "4 shards: 1024 results in all" "$(cat "$T"/sh[1-4].jsonl | wc -l)" 1024
check_eq "4 shards: no address twice" "$(hosts "$T"/sh[1-4].jsonl | cut -d' ' -f1,2 | uniq -d | wc -l)" 0
check_eq "4 shards: merged results equal one full run" "$(hosts "$T"/sh[1-4].jsonl | cmp - <(hosts "$T/single.jsonl") && echo same)" same
check_eq "4 shards: both Samba addresses found" "$(hosts "$T"/sh[1-4].jsonl | grep -c ' ok not-required')" 2
out=$("$SMBSIGN" scan --merge --relay-list "$T/merged.relay" "$T"/sh[1-4].jsonl)
check_eq "--merge exits 1 when the merged set has relay targets" "$?" 1
check_match "--merge: summary of the merged set" "$out" "Summary: 1024 scanned, 2 up, 2 speak SMB1"
check_match "--merge: no duplicates across disjoint shards" "$out" "1024 distinct host:port, 0 duplicates"
check_eq "--merge: relay list equals the single run's" "$(sort "$T/merged.relay" | tr '\n' ' ')" "$(sort "$T/single.relay" | tr '\n' ' ')"
out=$("$SMBSIGN" scan --merge "$T/sh1.jsonl" "$T/sh1.jsonl" "$T/sh2.jsonl")
check_match "--merge negative twin: an overlapping shard shows up as duplicates" "$out" "512 distinct host:port, 256 duplicates"
"$SMBSIGN" scan --json --no-progress -p "$PA" --seed 99 --shard 2/4 -o "$T/other.jsonl" $NET
check "negative twin: a shard of another seed overlaps shard 1 of seed 4242" \
    test "$(hosts "$T/sh1.jsonl" "$T/other.jsonl" | cut -d' ' -f1 | uniq -d | wc -l)" -gt 0

# --- resume: killed at random points, the union equals one full run -----------
R=(--json --no-progress -p "$PA" --seed 7 --shard 1/1 --rate 400 --resume "$T/ck" -o "$T/res.jsonl" --relay-list "$T/res.relay" $NET)
kills=0
for _ in 1 2 3 4 5; do
    "$SMBSIGN" scan "${R[@]}" 2>>"$T/res.err" &
    rp=$!
    sleep "0.$((RANDOM % 6 + 2))"
    kill -TERM "$rp" 2>/dev/null && kills=$((kills + 1))
    wait "$rp"
done
"$SMBSIGN" scan "${R[@]}" 2>>"$T/res.err"
check "resume: the scan was interrupted at least 3 times" test "$kills" -ge 3
check_match "resume: each restart says where it continues" "$(cat "$T/res.err")" "resuming from '.*ck': step [0-9]+ of 1024"
check_eq "resume: 1024 results after the interruptions" "$(wc -l <"$T/res.jsonl")" 1024
check_eq "resume: no address scanned twice" "$(hosts "$T/res.jsonl" | cut -d' ' -f1,2 | uniq -d | wc -l)" 0
check_eq "resume: the union equals one full run" "$(hosts "$T/res.jsonl" | cmp - <(hosts "$T/single.jsonl") && echo same)" same
check_eq "resume: the relay list is whole and listed once" "$(sort "$T/res.relay" | tr '\n' ' ')" "$(sort "$T/single.relay" | tr '\n' ' ')"
out=$("$SMBSIGN" scan "${R[@]}" 2>&1)
check_match "resume: a finished checkpoint scans nothing more" "$out" "says this scan is complete"
# SIGKILL leaves no chance to checkpoint: the resumed run cuts the output back to
# the size recorded at the last periodic checkpoint (dropping a half-written line
# and the results it will redo), so the output still has every host exactly once
K=(--json --no-progress -p "$PA" --seed 11 --rate 400 --resume "$T/ck9" -o "$T/k9.jsonl" $NET)
"$SMBSIGN" scan "${K[@]}" &
rp=$!
sleep 2
kill -KILL "$rp"
wait "$rp" 2>/dev/null
check "SIGKILL: a periodic checkpoint was written" test -s "$T/ck9"
"$SMBSIGN" scan "${K[@]}" 2>/dev/null
check_eq "SIGKILL + resume: the union equals one full run" "$(hosts "$T/k9.jsonl" | cmp - <(hosts "$T/single.jsonl") && echo same)" same
check_match "SIGKILL + resume: every line whole, no duplicates" "$("$SMBSIGN" scan --merge "$T/k9.jsonl")" "1024 distinct host:port, 0 duplicates"
# negative twin: an output file shorter than the checkpoint recorded is refused
"$SMBSIGN" scan "${K[@]}" --seed 12 --resume "$T/ck12" -o "$T/k12.jsonl" &
rp=$!
sleep 2
kill -KILL "$rp"
wait "$rp" 2>/dev/null
: >"$T/k12.jsonl"
out=$("$SMBSIGN" scan "${K[@]}" --seed 12 --resume "$T/ck12" -o "$T/k12.jsonl" 2>&1)
check_eq "resume refuses an output file cut shorter than its checkpoint: exit 2" "$?" 2
check_match "resume: says which file and how many bytes" "$out" "-o '.*k12\.jsonl' has 0 bytes, fewer than the [0-9]+ the checkpoint"
# negative twin: the same interruption without --resume starts over and scans addresses twice
N=(--json --no-progress -p "$PA" --seed 7 --rate 400 -o "$T/nores.jsonl" $NET)
"$SMBSIGN" scan "${N[@]}" &
rp=$!
sleep 0.5
kill -TERM "$rp"
wait "$rp"
n1=$(wc -l <"$T/nores.jsonl")
"$SMBSIGN" scan "${N[@]/-o/-o}" -o "$T/nores2.jsonl" >/dev/null
check "negative twin: without --resume a rerun scans the first part again" \
    test "$(hosts "$T/nores.jsonl" "$T/nores2.jsonl" | cut -d' ' -f1 | uniq -d | wc -l)" -ge "$n1"
check "negative twin: the interrupted run alone is incomplete" test "$n1" -lt 1024

# --- rate: held within 10 % over a 30-second run ------------------------------
RATE=1000
"$SMBSIGN" scan --json --no-progress --retries 0 -p 9 --rate $RATE -o "$T/rate.jsonl" 127.4.0.0-127.4.117.47 &
rp=$!
t0=$(date +%s%N)
sleep 1 # start-up
prev=$(wc -l <"$T/rate.jsonl")
tp=$(date +%s%N)
for w in 1 2 3 4 5; do
    sleep 5
    now=$(wc -l <"$T/rate.jsonl")
    tn=$(date +%s%N)
    r=$(( (now - prev) * 1000000000 / (tn - tp) ))
    echo "# rate window $w: $((now - prev)) results in $(( (tn - tp) / 1000000 )) ms = $r/s"
    check "rate window $w (5 s) within 10 % of $RATE/s" test "$r" -ge $((RATE * 9 / 10)) -a "$r" -le $((RATE * 11 / 10))
    prev=$now
    tp=$tn
done
wait "$rp"
t1=$(date +%s%N)
el=$(( (t1 - t0) / 1000000 ))
echo "# 30000 connections at --rate $RATE took $el ms"
check "rate: 30000 connections in 30 s +- 10 %" test "$el" -ge 27000 -a "$el" -le 33000
check_eq "rate: every connection has a result" "$(wc -l <"$T/rate.jsonl")" 30000
t0=$(date +%s%N)
"$SMBSIGN" scan --json --no-progress --retries 0 -p 9 -o /dev/null 127.4.0.0-127.4.117.47
t1=$(date +%s%N)
echo "# the same 30000 connections without --rate: $(( (t1 - t0) / 1000000 )) ms"
check "negative twin: without --rate the same scan is over twice as fast" test $(( (t1 - t0) / 1000000 )) -lt 15000
exit 0
