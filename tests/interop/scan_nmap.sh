#!/bin/bash
# tests/interop/scan_nmap.sh - cross-check `smbsign scan` with nmap's
# smb2-security-mode and smb-security-mode scripts against the same Samba
# server. nmap only probes 445/139, so each server runs on 127.0.0.1:445 and
# :139 inside a network namespace this test creates (unshare -n: its own
# loopback, nothing reachable outside). Port 139 also exercises the NetBIOS
# session request to *SMBSERVER.
. "$(dirname "$0")/../lib.sh"
SMBD=$(command -v smbd || echo /usr/sbin/smbd)
if [ ! -x "$SMBD" ] || [ "$(id -u)" != 0 ] || ! command -v nmap >/dev/null || ! command -v unshare >/dev/null; then
    echo "# SKIP needs root, smbd, nmap and unshare: no nmap cross-check run"
    exit 0
fi
if ! unshare -n true 2>/dev/null; then
    echo "# SKIP cannot create a network namespace here"
    exit 0
fi
T=$(mk_tmpdir)

# run_case NAME SIGNING MINPROTO: writes $T/NAME/{nmap.txt,scan.jsonl}
run_case() {
    local d=$T/$1
    samba_conf "$d" "445 139" "  server signing = $2
  server min protocol = $3"
    cat >"$d/inner.sh" <<EOI
ip link set lo up || exit 3
setsid "$SMBD" --foreground --no-process-group --debug-stdout -s "$d/smb.conf" >"$d/smbd.log" 2>&1 &
pid=\$!
trap 'kill \$pid 2>/dev/null; sleep 0.3; kill -9 \$pid 2>/dev/null' EXIT
for i in \$(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/445) 2>/dev/null && break; sleep 0.1; done
nmap -Pn -n -p445,139 --script smb2-security-mode,smb-security-mode 127.0.0.1 >"$d/nmap.txt" 2>&1
"$SMBSIGN" scan --json -p 445,139 127.0.0.1 >"$d/scan.jsonl" 2>"$d/scan.err"
echo \$? >"$d/scan.rc"
EOI
    timeout -k 5 120 unshare -n bash "$d/inner.sh"
}

# field PORT EXPR: a value from the scan's JSON line for PORT
field() {
    python3 - "$T/$1/scan.jsonl" "$2" "$3" <<'EOP'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["port"] == int(sys.argv[2]):
        print(eval(sys.argv[3], {}, {"r": r}))
EOP
}

nmap_smb2() { # NAME -> required | not-required | none
    if grep -q "Message signing enabled and required" "$T/$1/nmap.txt"; then echo required
    elif grep -q "Message signing enabled but not required" "$T/$1/nmap.txt"; then echo not-required
    else echo none; fi
}
nmap_smb1() { # NAME -> required | enabled | disabled | none
    local l
    l=$(grep -E "message_signing:" "$T/$1/nmap.txt")
    case "$l" in
    *required*) echo required ;;
    *supported*) echo enabled ;;
    *disabled*) echo disabled ;;
    *) echo none ;;
    esac
}

for c in "nt1_disabled disabled NT1" "nt1_auto auto NT1" "nt1_mandatory mandatory NT1" "smb3_mandatory mandatory SMB3" "smb3_auto auto SMB3"; do
    set -- $c
    name=$1
    run_case "$@"
    if [ ! -s "$T/$name/scan.jsonl" ]; then
        not_ok "$name: scan produced no output"
        sed 's/^/#   /' "$T/$name/scan.err" "$T/$name/smbd.log" 2>/dev/null | tail -10
        continue
    fi
    s2=$(field "$name" 445 '(r["smb2"] or {}).get("signing", "none")')
    s1=$(field "$name" 445 '(r["smb1"] or {}).get("signing", "none")')
    n2=$(nmap_smb2 "$name")
    n1=$(nmap_smb1 "$name")
    check_eq "$name: SMB2 signing agrees with nmap smb2-security-mode ($n2)" "$s2" "$n2"
    check_eq "$name: SMB1 signing agrees with nmap smb-security-mode ($n1)" "$s1" "$n1"
    [ "$n2" = none ] && { not_ok "$name: nmap reported no SMB2 result"; sed 's/^/#   /' "$T/$name/nmap.txt"; }
    # port 139 (NetBIOS session request to *SMBSERVER) reports the same posture
    v445=$(field "$name" 445 '" ".join([r["status"], r["verdict"], str((r["smb2"] or {}).get("security_mode")), str((r["smb1"] or {}).get("security_mode"))])')
    v139=$(field "$name" 139 '" ".join([r["status"], r["verdict"], str((r["smb2"] or {}).get("security_mode")), str((r["smb1"] or {}).get("security_mode"))])')
    check_eq "$name: port 139 via NetBIOS session reports what 445 reports" "$v139" "$v445"
done
# fixed expectations, so agreement cannot come from both being wrong in the same way
check_eq "nt1_disabled: SMB1 disabled per nmap" "$(nmap_smb1 nt1_disabled)" disabled
check_eq "nt1_auto: SMB1 enabled per nmap" "$(nmap_smb1 nt1_auto)" enabled
check_eq "nt1_mandatory: SMB2 required per nmap" "$(nmap_smb2 nt1_mandatory)" required
check_eq "smb3_auto: SMB2 not required per nmap" "$(nmap_smb2 smb3_auto)" not-required
check_eq "smb3_mandatory: no SMB1 per nmap" "$(nmap_smb1 smb3_mandatory)" none
exit 0
