#!/bin/bash
# tests/cli/scan_cli.sh - `smbsign scan` input contract: bad targets, ports and
# option values give a clear message and exit 2 before anything is sent.
. "$(dirname "$0")/../lib.sh"
T=$(mk_tmpdir)

# A listener that counts connections: nothing may reach it on bad input.
port=$(free_port)
/usr/bin/python3 "$ROOT/tests/interop/fake_smb.py" count "$port" "$T/count" &
track_pid $!
wait_port 127.0.0.1 "$port" 10 || not_ok "counting listener did not start"
# wait_port's own probe connection is counted too: wait until the listener has
# recorded it, then reset the count (otherwise the write can land after the rm).
for _ in $(seq 1 50); do [ -s "$T/count" ] && break; sleep 0.1; done
sleep 0.2
rm -f "$T/count"

bad() { # NAME EXPECTED-MESSAGE-REGEX ARGS...
    local name=$1 re=$2 out rc
    shift 2
    out=$("$SMBSIGN" scan -p "$port" "$@" 2>&1 </dev/null)
    rc=$?
    if [ "$rc" = 2 ]; then ok "exit 2: $name"; else not_ok "exit 2: $name (got $rc)"; echo "$out" | sed 's/^/#   /'; fi
    check_match "message: $name" "$out" "$re"
}
bad "no targets" "no targets given"
bad "IPv4 octet over 255 (next to a good target)" "'10\.0\.0\.300': not a valid IPv4 address" 127.0.0.1 10.0.0.300
bad "prefix over 32" "prefix length must be 0\.\.32" 10.0.0.0/33
bad "block over 2^24 addresses" "block too large" 10.0.0.0/7
bad "IPv6 block too large" "block too large" fd00::/64
bad "range end before start" "range end is before its start" 10.0.0.9-3
bad "range end over 255" "range end must be" 10.0.0.1-256
bad "bad IPv6" "not a valid IPv6 address" 2001:db8::zz
bad "not a name" "not an address, CIDR block, range or host name" 'bad*name'
bad "missing @FILE" "cannot open target file" @/nonexistent/targets.txt
bad "exclusion with a name" "exclusions take addresses" 127.0.0.1 -x localhost
bad "bad exclusion" "--exclude: '1\.2\.3\.4/99'" 127.0.0.1 -x 1.2.3.4/99
bad "port 0" "--ports: '0' is not a port number" 127.0.0.1 -p 0
bad "port 70000" "--ports: '70000' is not a port number" 127.0.0.1 -p 70000
bad "port not a number" "--ports: 'smb' is not a port number" 127.0.0.1 -p smb
bad "duplicate port" "port 445 given twice" 127.0.0.1 -p 445,445
bad "empty port list" "--ports" 127.0.0.1 -p ,
bad "negative rate" "--rate: expected a non-negative integer" 127.0.0.1 --rate -5
bad "concurrency 0" "--concurrency: must be at least 1" 127.0.0.1 --concurrency 0
bad "timeout not a number" "--timeout: invalid value 'soon'" 127.0.0.1 --timeout soon
bad "retries over the cap" "--retries: invalid value '11'" 127.0.0.1 --retries 11
bad "both probe restrictions" "exclude each other" 127.0.0.1 --smb2-only --smb1-only
bad "unknown option" "unknown option '--frobnicate'" 127.0.0.1 --frobnicate
bad "option without value" "needs a value" 127.0.0.1 --rate
bad "unwritable output" "cannot write" 127.0.0.1 -o /nonexistent/dir/out.json
printf '127.0.0.1\n# fine\n10.0.0.256\n' >"$T/t.txt"
bad "bad line in @FILE names file and line" "t\.txt:3: '10\.0\.0\.256'" "@$T/t.txt"
check_eq "no connection was made for any bad input" "$(cat "$T/count" 2>/dev/null || echo 0)" 0

# the listener is reachable: a good run does connect (so the zero above means something)
"$SMBSIGN" scan --retries 0 --timeout 500 -p "$port" 127.0.0.1 >/dev/null 2>&1
check "a valid scan reaches the listener" test "$(cat "$T/count" 2>/dev/null || echo 0)" -ge 1

out=$("$SMBSIGN" scan --help)
check_match "--help shows examples" "$out" "Examples:"
check_match "--help explains exit status" "$out" "Exit status"
check_exit 0 "--help exits 0" "$SMBSIGN" scan --help
exit 0
