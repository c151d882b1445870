#!/bin/bash
# tests/cli/fuzz_seeds_split.sh - scripts/fuzz_seeds_split.py (issue 18) cuts a
# recording into the response decoders' seed inputs: built from committed
# real-traffic seeds, a recording gives back the same messages in the right
# targets (QUERY_DIRECTORY with the request's class byte, an error status to
# the error decoder only), a second run adds nothing (dedupe), and a broken
# recording fails with a clear message and writes nothing.
source "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
SPLIT="$ROOT/scripts/fuzz_seeds_split.py"
C="$ROOT/fuzz/corpus"
T=$(mk_tmpdir)
hex() { od -An -tx1 -v "$1" | tr -d ' \n'; }
READ=$C/fuzz_smb2_read_resp_decode/rt-samba-smbclient-311-read-1
QD=$C/fuzz_smb2_query_directory_resp_decode/rt-samba-smbclient-311-query_directory-1
for f in "$READ" "$QD"; do [ -s "$f" ] || { not_ok "fuzz_seeds_split: seed $f is missing"; exit 1; }; done
tail -c +2 "$QD" >"$T/qd.msg"
# the QUERY_DIRECTORY request: a response header turned into a request (flags 0) with
# the same MessageId, and FileInformationClass 0x03 at body offset 2
$PY - "$T/qd.msg" "$T/qd.req" <<'PYEOF'
import sys
m = bytearray(open(sys.argv[1], 'rb').read()[:64])
m[16:20] = b'\0\0\0\0'
open(sys.argv[2], 'wb').write(bytes(m) + bytes([33, 0, 3, 0]) + bytes(29))
PYEOF
# the READ response with an error status (STATUS_ACCESS_DENIED) and an error body
$PY - "$READ" "$T/err.msg" <<'PYEOF'
import sys
m = bytearray(open(sys.argv[1], 'rb').read()[:64])
m[8:12] = (0xC0000022).to_bytes(4, 'little')
open(sys.argv[2], 'wb').write(bytes(m) + bytes([9, 0]) + bytes(7))
PYEOF
{ echo "C $(hex "$T/qd.req")"; echo "S $(hex "$T/qd.msg")"; echo "S $(hex "$READ")"; echo "S $(hex "$T/err.msg")"; } >"$T/x-311.frames"
check_exit 0 "split a recording" $PY "$SPLIT" "$T/c" "$T/x-311.frames"
check "READ response: same bytes in fuzz_smb2_read_resp_decode" cmp -s "$READ" "$T/c/fuzz_smb2_read_resp_decode/rt-x-311-read-1"
printf '\003' | cat - "$T/qd.msg" >"$T/qd.want"
check "QUERY_DIRECTORY: the request's class byte, then the response" cmp -s "$T/qd.want" "$T/c/fuzz_smb2_query_directory_resp_decode/rt-x-311-query_directory-1"
check "error status: to fuzz_smb2_error_resp_decode" cmp -s "$T/err.msg" "$T/c/fuzz_smb2_error_resp_decode/rt-x-311-error-8-1"
check_eq "error status: not to the READ decoder" "$(ls "$T/c/fuzz_smb2_read_resp_decode" | wc -l)" 1
check_match "stream seed for the NetBIOS framer" "$(ls "$T/c/fuzz_smb_nb_framer_feed")" "^rt-x-311-stream-1$"
check_nomatch "cli_poll seeds come from our client's sessions only" "$(ls "$T/c" | tr '\n' ' ')" "fuzz_smb_cli_poll"
out=$($PY "$SPLIT" "$T/c" "$T/x-311.frames" 2>&1)
check_match "a second run adds nothing" "$out" "fuzz_smb2_read_resp_decode: 0 new seeds"
echo "S 0badhex" >"$T/bad.frames"
check_exit 1 "a broken recording fails" $PY "$SPLIT" "$T/b" "$T/bad.frames"
out=$($PY "$SPLIT" "$T/b" "$T/bad.frames" 2>&1)
check_match "broken recording: a clear message" "$out" "bad.frames:1: not a hex frame"
check_nomatch "broken recording: no traceback" "$out" "Traceback"
check "broken recording: nothing written" test ! -e "$T/b"
exit 0
