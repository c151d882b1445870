#!/bin/bash
# tests/cli/trace_cli.sh - `smbsign trace` as a command: help, usage errors,
# unreadable captures, and the three small captures kept as fuzz seeds
# (fuzz/corpus/fuzz_trace_packet: smbclient -m SMB3_11 / SMB2_10 / NT1 `ls`
# against Samba with signing required, user smbtrace, password pw123, port
# 24455) verified in text and JSON, each with its negative twin (wrong
# password, flipped byte, missing port, cut file).
. "$(dirname "$0")/../lib.sh"
S=$ROOT/fuzz/corpus/fuzz_trace_packet
T=$(mk_tmpdir)
PY=/usr/bin/python3

check_exit 0 "--help exits 0" "$SMBSIGN" trace --help
check_match "--help teaches credentials" "$("$SMBSIGN" trace --help)" "--session-key ID:HEX"
check_match "--help teaches verdicts" "$("$SMBSIGN" trace --help)" "no-key \(signed, but no key"
check_match "--help teaches the exit status" "$("$SMBSIGN" trace --help)" "Exit status: 0 no message bad, unsigned or decrypt-failed"
check_exit 2 "no capture -> usage error" "$SMBSIGN" trace
check_exit 2 "two captures -> usage error" "$SMBSIGN" trace "$S/smb21.pcap" "$S/nt1.pcap"
check_exit 2 "-U without % -> usage error" "$SMBSIGN" trace -U alice "$S/smb21.pcap"
check_match "-U without %: says what is expected" "$("$SMBSIGN" trace -U alice "$S/smb21.pcap" 2>&1)" "USER%PASSWORD"
check_exit 2 "--nt-hash with 3 hex digits -> usage error" "$SMBSIGN" trace --nt-hash bob:123 "$S/smb21.pcap"
check_exit 2 "--session-key with a bad id -> usage error" "$SMBSIGN" trace --session-key xyz:00 "$S/smb21.pcap"
check_exit 2 "--port 0 -> usage error" "$SMBSIGN" trace -p 0 "$S/smb21.pcap"
check_exit 2 "--explain 0 -> usage error" "$SMBSIGN" trace --explain 0 "$S/smb21.pcap"
check_exit 2 "--keys on a missing file -> usage error" "$SMBSIGN" trace --keys "$T/none" "$S/smb21.pcap"
printf 'ok%%1\n--nt-hash bob:zz\n' >"$T/badkeys"
check_match "--keys: a bad line is named with file and line number" \
    "$("$SMBSIGN" trace --keys "$T/badkeys" "$S/smb21.pcap" 2>&1)" "badkeys:2: "
check_exit 2 "missing capture file -> exit 2" "$SMBSIGN" trace "$T/none.pcap"
head -c 3000 /dev/urandom >"$T/garbage"
check_match "garbage capture -> clear error at byte offset 0" "$("$SMBSIGN" trace "$T/garbage" 2>&1)" \
    "not a readable pcap/pcapng capture \(at byte offset 0\)"
# a pcap header with link type 147 (user 0) and no packets
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x93\x00\x00\x00' >"$T/lt147.pcap"
check_exit 2 "unsupported link type -> exit 2" "$SMBSIGN" trace "$T/lt147.pcap"
check_match "unsupported link type: names it and the supported ones" "$("$SMBSIGN" trace "$T/lt147.pcap" 2>&1)" \
    "link type 147 .*not supported"
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' >"$T/empty.pcap"
check_match "empty Ethernet capture -> exit 0, nothing found" "$("$SMBSIGN" trace "$T/empty.pcap"; echo "rc=$?")" \
    "0 packets, 0 on SMB ports"
check_exit 0 "empty Ethernet capture -> exit 0" "$SMBSIGN" trace "$T/empty.pcap"

for c in smb311:3.1.1:aes-gmac smb21:2.1:hmac-sha256 nt1:1:md5; do
    IFS=: read -r f d a <<<"$c"
    out=$("$SMBSIGN" trace --json -p 24455 -U smbtrace%pw123 "$S/$f.pcap")
    rc=$?
    sum=$(printf '%s\n' "$out" | tail -1)
    check_eq "$f: exit 0" "$rc" 0
    check_match "$f: dialect $d, $a, signatures good, none bad/unsigned/no-key" "$sum" \
        "\"dialect\":\"$d\",\"algorithm\":\"$a\".*\"verdicts\":\\{\"good\":[1-9][0-9]*,\"bad\":0,\"unsigned\":0,\"not-subject\":[0-9]+,\"no-key\":0"
    check_eq "$f: one JSON object per line, each with the contract's fields" \
        "$(printf '%s\n' "$out" | "$PY" -c '
import json, sys
keys = {"frame", "time", "src", "dst", "session_id", "message_id", "command", "response", "dialect", "algorithm", "verdict"}
lines = [json.loads(l) for l in sys.stdin]
print(all(keys <= set(o) for o in lines[:-1]) and "summary" in lines[-1])')" "True"
    txt=$("$SMBSIGN" trace -p 24455 -U smbtrace%wrong "$S/$f.pcap")
    check_match "$f: wrong password -> the hint" "$txt" "wrong password for 'smbtrace'"
    check_match "$f: wrong password -> nothing good, signed messages no-key" "$txt" "total: 0 good, 0 bad, 0 unsigned, [0-9]+ not-subject, [1-9][0-9]* no-key"
    check_match "$f: without -p 24455 nothing is SMB" "$("$SMBSIGN" trace "$S/$f.pcap")" "0 on SMB ports"
    sz=$(stat -c %s "$S/$f.pcap")
    head -c $((sz - 100)) "$S/$f.pcap" >"$T/$f-cut.pcap"
    check_exit 2 "$f: cut capture -> exit 2" "$SMBSIGN" trace -p 24455 -U smbtrace%pw123 "$T/$f-cut.pcap"
    check_match "$f: cut capture -> the byte offset, and the report of what came before" \
        "$("$SMBSIGN" trace -p 24455 -U smbtrace%pw123 "$T/$f-cut.pcap" 2>&1)" "total: [1-9][0-9]* good"
done
# negative twin on the wire: a flipped byte in the last frame that completes a signed response
last=$("$SMBSIGN" trace --json -p 24455 -U smbtrace%pw123 "$S/smb21.pcap" |
    "$PY" -c 'import json,sys; print(max(o["frame"] for o in map(json.loads, sys.stdin) if o.get("verdict") == "good" and o["response"]))')
"$PY" "$ROOT/tests/interop/trace_tamper.py" flip "$S/smb21.pcap" "$T/flip.pcap" "$last" -1
check_exit 1 "smb21: flipped byte in frame $last -> exit 1" "$SMBSIGN" trace -p 24455 -U smbtrace%pw123 "$T/flip.pcap"
check_match "smb21: ... reported bad at frame $last with expected and found" \
    "$("$SMBSIGN" trace -p 24455 -U smbtrace%pw123 "$T/flip.pcap")" "frame $last .*: bad: signature does not match \(expected [0-9a-f]{32}, found [0-9a-f]{32}\)"
ex=$("$SMBSIGN" trace -p 24455 -U smbtrace%pw123 --explain "$last" "$S/smb21.pcap")
check_match "--explain: session key, signing key rule, covered bytes, verdict" "$ex" \
    "session key \(exported\) +[0-9a-f]{32}"
check_match "--explain: expected signature" "$ex" "expected signature +[0-9a-f]{32}"
check_exit 2 "--explain of a frame with no SMB message -> exit 2" "$SMBSIGN" trace -p 24455 -U smbtrace%pw123 --explain 1 "$S/smb21.pcap"
check_match "capture on standard input" "$(cat "$S/nt1.pcap" | "$SMBSIGN" trace -p 24455 -U smbtrace%pw123 -)" "total: [1-9][0-9]* good, 0 bad"
[ "$T_FAILS" = 0 ]
