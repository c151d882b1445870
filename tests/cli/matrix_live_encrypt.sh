#!/bin/bash
# tests/cli/matrix_live_encrypt.sh - `smbsign matrix --live --encryption`: the
# SMB 3.x encryption table (our client --encrypt=off|desired|required against
# our server with `server smb encrypt = off|desired|required`) on real
# loopback connections, at 3.1.1 and 3.0. Each cell is checked three ways:
# the tool's documented outcome equals the table below (derived from MS-SMB2
# 3.3.5.5.3 and 3.2.5.3.1, docs/matrix-live.md), the observed outcome equals
# it, and the capture counts agree with it (an encrypted cell has transform
# headers both ways and no clear SMB2 message after SESSION_SETUP; a clear
# cell has no transform at all; a failing cell fails at session setup with
# STATUS_ACCESS_DENIED). A client or server that stopped encrypting would
# turn the encrypted cells into clear ones and fail here.
. "$(dirname "$0")/../lib.sh"
export NO_COLOR=1
T=$(mk_tmpdir)
export TMPDIR=$T

check_exit 2 "matrix --live --encryption --dialect 2.1 is a usage error (no encryption before 3.0)" \
    "$SMBSIGN" matrix --live --encryption --dialect 2.1
check_match "matrix --live --help documents --encryption" "$("$SMBSIGN" matrix --live --help)" '--encryption'
for d in 3.1.1 3.0; do
    "$SMBSIGN" matrix --live --encryption --dialect $d --json >"$T/enc.$d.json" 2>"$T/enc.$d.err"
    rc=$?
    check_eq "matrix --live --encryption --dialect $d: exit 0 (every cell matches)" "$rc" 0
    [ "$rc" = 0 ] || sed 's/^/#   /' "$T/enc.$d.json" "$T/enc.$d.err" | head
    /usr/bin/python3 - "$T/enc.$d.json" "$d" <<'PY'
import json, sys
table = {  # (client, server) -> outcome, MS-SMB2 3.3.5.5.3 / 3.2.5.3.1
    ("off", "off"): "clear", ("off", "desired"): "clear", ("off", "required"): "fails",
    ("desired", "off"): "clear", ("desired", "desired"): "encrypted", ("desired", "required"): "encrypted",
    ("required", "off"): "fails", ("required", "desired"): "encrypted", ("required", "required"): "encrypted",
}
obj = json.loads(open(sys.argv[1]).read())
seen = set()
for c in obj["cells"]:
    k = (c["client"], c["server"])
    seen.add(k)
    want = table[k]
    why = []
    if c["documented"] != want:
        why.append("documented %s" % c["documented"])
    if c["observed"] != want or not c["match"]:
        why.append("observed %s match %s" % (c["observed"], c["match"]))
    t = (c["transforms_c2s"], c["transforms_s2c"], c["clear_c2s"], c["clear_s2c"])
    if want == "encrypted" and not (t[0] > 0 and t[1] > 0 and t[2] == 0 and t[3] == 0):
        why.append("capture %s" % (t,))
    if want == "clear" and not (t[0] == 0 and t[1] == 0 and t[2] > 0 and t[3] > 0):
        why.append("capture %s" % (t,))
    if want == "fails" and (c.get("fails_at") != "session-setup" or c.get("error") != "STATUS_ACCESS_DENIED"):
        why.append("fails at %s with %s" % (c.get("fails_at"), c.get("error")))
    name = "encryption %s client=%s server=%s: %s (transforms c>s %d s>c %d, clear %d/%d)" % ((sys.argv[2],) + k + (want,) + t)
    print(("not ok - " if why else "ok - ") + name)
    for w in why:
        print("#   " + w)
print(("ok - " if len(seen) == 9 else "not ok - ") + "encryption %s: nine cells" % sys.argv[2])
PY
done
