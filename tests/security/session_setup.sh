#!/bin/bash
# tests/security/session_setup.sh - bug classes of other SMB servers, against
# `smbsign serve` (tests/security/session_setup.py, impacket SMB 3.0):
#  - ksmbd CVE-2023-52440: an NTLM AUTHENTICATE with KEY_EXCH and a 1000-byte
#    EncryptedRandomSessionKey is refused (STATUS_INVALID_PARAMETER), no
#    sanitizer report; twin: the same hand-built exchange with the 16-byte
#    key logs on;
#  - ksmbd CVE-2025-38562: a second SESSION_SETUP on an established session
#    starts a re-authentication (MS-SMB2 3.3.5.5: STATUS_MORE_PROCESSING_REQUIRED
#    to the fresh NTLM NEGOTIATE) in a scratch session and leaves the session
#    intact while it is pending and abandoned: a signed listing with the
#    original key works; a new connection logs on afterwards;
#  - Samba CVE-2016-2114/2115, CVE-2023-3347 (signing not enforced by default
#    / despite "required"): with no --signing the server requires signing
#    (--check-config names the default as the source), and impacket's
#    requests after its logon, sent unsigned, are refused (smbclient signs
#    whenever the server requires it, whatever "client signing" says); twin:
#    --signing auto serves the same unsigned requests.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../interop/server_lib.inc"
srv_setup
echo hello >"$SRV_DIR/share/hello.txt"

srv_start required || not_ok "server starts"
out=$(timeout 120 $SRV_PY "$(dirname "$0")/session_setup.py" "$SRV_PORT" alice secret1 2>&1)
echo "$out" | sed 's/^/# /'
line() { printf '%s\n' "$out" | sed -n "s/^$1 //p"; }
check_eq "CVE-2023-52440: 1000-byte KEY_EXCH session key refused (INVALID_PARAMETER)" "$(line keyexch_big)" 0xc000000d
check_eq "twin: the same hand-built logon with a 16-byte key succeeds" "$(line keyexch_twin)" 0x00000000
check_eq "CVE-2025-38562: SESSION_SETUP on an established session starts a re-authentication (MORE_PROCESSING_REQUIRED)" \
    "$(line again)" 0xc0000016
check_eq "... and the session still works with its key" "$(line again_after)" ok
check_eq "... and the server still serves a new connection" "$(line alive)" ok
srv_stop
check "server log has no sanitizer report" srv_san_clean

out=$("$SMBSIGN" serve --users "$SRV_DIR/users" --share "share=$SRV_DIR/share" --check-config 2>&1)
check_match "CVE-2016-2114: with no signing option the server requires signing, by default" "$out" \
    "server require signing 1 \(on\) +source: default"
srv_start required || not_ok "server starts (default level)"
out=$(timeout 120 $SRV_PY "$(dirname "$0")/session_setup.py" "$SRV_PORT" alice secret1 2>&1)
check_match "CVE-2016-2115/CVE-2023-3347: unsigned requests after the logon are refused" "$(line unsigned)" \
    "^refused 0xc0000022"
srv_stop
check "default level: server log has no sanitizer report" srv_san_clean
srv_start auto || not_ok "server starts (auto)"
out=$(timeout 120 $SRV_PY "$(dirname "$0")/session_setup.py" "$SRV_PORT" alice secret1 2>&1)
check_eq "twin: --signing auto serves the same unsigned requests" "$(line unsigned)" listed
srv_stop
exit 0
