#!/bin/bash
# tests/cli/matrix_live.sh - `smbsign matrix --live`: every cell of the smb2, smb1 and
# smb1-legacy families on real loopback connections (our server as a subprocess, our
# client, a recording tap), documented vs observed; and the negative twin: the tap's
# --tamper write self-test must turn every signed cell into a detected mismatch.
. "$(dirname "$0")/../lib.sh"
export NO_COLOR=1
T=$(mk_tmpdir)
export TMPDIR=$T

check_match "matrix --help mentions --live" "$("$SMBSIGN" matrix --help)" '--live'
check_exit 2 "matrix --live --family bogus is a usage error" "$SMBSIGN" matrix --live --family bogus
check_exit 2 "matrix --live --tamper bogus is a usage error" "$SMBSIGN" matrix --live --tamper bogus
check_match "matrix --live --help documents the tamper modes" "$("$SMBSIGN" matrix --live --help)" '--tamper read'

"$SMBSIGN" matrix --live --json >"$T/live.json" 2>"$T/live.err"
rc=$?
check_eq "matrix --live --json exits 0 (every cell matches)" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/live.err" | head
check_eq "one JSON line per family" "$(wc -l <"$T/live.json" | tr -d ' ')" 3

# One TAP line per cell, from the JSON (the observer's own counts, not engine flags).
/usr/bin/python3 - "$T/live.json" <<'PY'
import json, sys
want = {"smb2": 4, "smb1": 9, "smb1-legacy": 9}
seen = {}
for line in open(sys.argv[1]):
    fam = json.loads(line)
    seen[fam["family"]] = len(fam["cells"])
    for c in fam["cells"]:
        name = "live %s client=%s server=%s: %s" % (fam["family"], c["client"], c["server"], c["documented"])
        why = []
        if not c["match"]:
            why.append("match false (observed %s, %s at %s)" % (c["observed"], c["error"], c["fails_at"]))
        if c["observed"] != c["documented"]:
            why.append("observed %s" % c["observed"])
        if c["server_security_mode"] != c["documented_security_mode"]:
            why.append("SecurityMode on the wire %s, documented %s" % (c["server_security_mode"],
                       c["documented_security_mode"]))
        cs, sc = c["client_to_server"], c["server_to_client"]
        if c["documented"] == "signed":
            if not (c["key_derived"] and cs["messages"] > 0 and cs["verified"] == cs["messages"]
                    and sc["messages"] > 0 and sc["verified"] == sc["messages"]):
                why.append("not every message verified by the observer: %s %s" % (cs, sc))
        if c["documented"] == "not-signed":
            if cs["signed"] or sc["signed"] or cs["bad"] or sc["bad"] or cs["messages"] == 0:
                why.append("signatures on a not-signed session: %s %s" % (cs, sc))
        if c["documented"] == "fails":
            if c["fails_at"] != c["documented_fails_at"] or c["error"] != c["documented_error"]:
                why.append("failed at %s with %s, documented %s %s" % (c["fails_at"], c["error"],
                           c["documented_fails_at"], c["documented_error"]))
        print(("not ok - " if why else "ok - ") + name)
        for w in why:
            print("#   " + w)
for f, n in want.items():
    print(("ok - " if seen.get(f) == n else "not ok - ") + "family %s has %d cells (got %s)" % (f, n, seen.get(f)))
PY

# The documented failures of the legacy table, by name.
leg=$(grep '"smb1-legacy"' "$T/live.json")
check_match "legacy required client vs disabled server: 1240 at negotiate" "$leg" \
    '"client":"required","server":"disabled","documented":"fails"[^}]*"observed":"fails","error":"ERROR_LOGIN_WKSTA_RESTRICTION","fails_at":"negotiate"'
check_match "legacy disabled client vs required server: ACCESS_DENIED at tree-connect" "$leg" \
    '"client":"disabled","server":"required","documented":"fails"[^}]*"observed":"fails","error":"STATUS_ACCESS_DENIED","fails_at":"tree-connect"'

# The smb2 family on every other dialect: the observer verifies HMAC-SHA256 (2.x) and
# AES-CMAC (3.0, 3.0.2) signatures with keys it derives itself.
check_exit 2 "matrix --live --dialect bogus is a usage error" "$SMBSIGN" matrix --live --dialect 9.9
for d in 2.0.2 2.1 3.0 3.0.2; do
    out=$("$SMBSIGN" matrix --live --family smb2 --dialect $d --json)
    check_eq "smb2 family at $d: exit 0" "$?" 0
    check_match "smb2 family at $d: every cell matches, signed cells verified by the observer" "$out" \
        '"dialect":"'"$d"'","live":true,"match":true'
done

# Text form: side by side, a mark per cell, exit 0.
out=$("$SMBSIGN_REL" matrix --live --family smb1)
check_eq "matrix --live --family smb1 exits 0" "$?" 0
check_eq "text: 9 cells marked ok" "$(printf '%s\n' "$out" | grep -c ' ok$')" 9
check_match "text: summary line" "$out" 'every cell matches the documented outcome'

# Negative twin: the tap flips a bit of every signed WRITE's signature. The receiver must
# refuse it, so every signed cell now fails at write and is marked as a mismatch; the
# not-signed cells (nothing to tamper with) still match; the exit status is 1.
"$SMBSIGN" matrix --live --tamper write --json >"$T/tamper.json" 2>/dev/null
check_eq "tampered run exits 1 (mismatch detected)" "$?" 1
/usr/bin/python3 - "$T/tamper.json" <<'PY'
import json, sys
bad = []
n = 0
for line in open(sys.argv[1]):
    fam = json.loads(line)
    for c in fam["cells"]:
        n += 1
        if c["documented"] == "signed":
            if c["match"] or c["fails_at"] != "write":
                bad.append("%s %s/%s: match=%s fails_at=%s" % (fam["family"], c["client"], c["server"], c["match"], c["fails_at"]))
        elif c["documented"] == "not-signed" and not c["match"]:
            bad.append("%s %s/%s: not-signed cell mismatched" % (fam["family"], c["client"], c["server"]))
print(("not ok - " if bad or n != 22 else "ok - ") + "tamper: every signed cell fails at write and mismatches, others match (%d cells)" % n)
for b in bad:
    print("#   " + b)
PY

# Second negative twin, the other direction: every signed READ response's signature is
# flipped; the client must refuse it (STATUS_INVALID_SIGNATURE at read).
"$SMBSIGN" matrix --live --tamper read --json >"$T/tamper-read.json" 2>/dev/null
check_eq "tampered READ run exits 1 (mismatch detected)" "$?" 1
/usr/bin/python3 - "$T/tamper-read.json" <<'PY'
import json, sys
bad = []
n = 0
for line in open(sys.argv[1]):
    fam = json.loads(line)
    for c in fam["cells"]:
        n += 1
        if c["documented"] == "signed":
            if c["match"] or c["fails_at"] != "read" or c["error"] != "STATUS_INVALID_SIGNATURE":
                bad.append("%s %s/%s: match=%s fails_at=%s error=%s" % (fam["family"], c["client"], c["server"],
                           c["match"], c["fails_at"], c["error"]))
        elif c["documented"] == "not-signed" and not c["match"]:
            bad.append("%s %s/%s: not-signed cell mismatched" % (fam["family"], c["client"], c["server"]))
print(("not ok - " if bad or n != 22 else "ok - ") + "tamper read: every signed cell fails at read with STATUS_INVALID_SIGNATURE (%d cells)" % n)
for b in bad:
    print("#   " + b)
PY

# Third twin: 3.1.1 signs TREE_CONNECT on every authenticated session (MS-SMB2 3.2.4.1.1),
# whatever the policy. The tap strips SIGNED and zeroes the signature of that request:
# the server must refuse and disconnect (3.3.5.7) in every cell - the not-signed cell
# too - and the observer must count the stripped request as bad, not as unsigned.
"$SMBSIGN" matrix --live --family smb2 --dialect 3.1.1 --tamper strip-tcon --json >"$T/strip-tcon.json" 2>/dev/null
check_eq "strip-tcon run exits 1 (mismatch detected)" "$?" 1
/usr/bin/python3 - "$T/strip-tcon.json" <<'PY'
import json, sys
bad = []
n = 0
for line in open(sys.argv[1]):
    fam = json.loads(line)
    for c in fam["cells"]:
        n += 1
        if c["match"] or c["fails_at"] != "tree-connect" or c["client_to_server"]["bad"] < 1:
            bad.append("%s/%s: match=%s fails_at=%s c2s bad=%s" % (c["client"], c["server"], c["match"],
                       c["fails_at"], c["client_to_server"]["bad"]))
print(("not ok - " if bad or n != 4 else "ok - ") + "strip-tcon: every 3.1.1 cell fails at tree connect, stripped request counted bad (%d cells)" % n)
for b in bad:
    print("#   " + b)
PY
# its positive twin: the same run untampered matches and counts no bad signature
"$SMBSIGN" matrix --live --family smb2 --dialect 3.1.1 --json >"$T/plain311.json" 2>/dev/null
check_eq "3.1.1 untampered run exits 0" "$?" 0
check_eq "3.1.1 untampered: no bad signature counted" \
    "$(/usr/bin/python3 -c 'import json,sys; print(sum(c["client_to_server"]["bad"] + c["server_to_client"]["bad"] for c in json.load(open(sys.argv[1]))["cells"]))' "$T/plain311.json")" 0
