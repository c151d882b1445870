#!/bin/bash
# tests/interop/smb1_trees.sh - SMB1 trees, FIDs, names and anonymous logons
# against `smbsign serve` with smb1 = yes (issue 18, fixes 2-4).
#  - fix 2 (tests/interop/smb1_trees.py, impacket SMB_DIALECT, signed): three
#    TREE_CONNECTs get three TIDs (before: TID = share index + 1, so two
#    connects to one share shared a TID and a second connect replaced the
#    first tree); a FID is read under its own TID (twin) and refused with
#    STATUS_INVALID_HANDLE under another tree of the same share and under
#    the ro tree, CLOSE under another tree too; TREE_DISCONNECT of the
#    duplicate leaves the first tree and its FID working, the disconnected
#    TID is STATUS_NETWORK_NAME_DELETED;
#  - fix 3: NT_CREATE, TRANS2 QUERY_PATH_INFORMATION and DELETE with a name
#    that goes on after an embedded NUL are STATUS_OBJECT_NAME_INVALID and
#    touch nothing (twins: the same requests with the plain name succeed);
#  - fix 4: smbclient -N (guest logon, then an anonymous retry on the same
#    connection) against a guest-ok server that requires signing gets
#    NT_STATUS_LOGON_FAILURE, not NT_STATUS_INVALID_PARAMETER; twin: with
#    signing auto the same smbclient lists the share.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"

srv_setup
echo hello >"$SRV_DIR/share/hello.txt"
echo victim >"$SRV_DIR/share/victim.txt"
echo gone >"$SRV_DIR/share/gone.txt"
printf '[global]\nsmb1 = yes\n' >"$SRV_DIR/smb1.conf"
san_clean() { ! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$SRV_LOG"; }

srv_start required 127.0.0.1 "" -c "$SRV_DIR/smb1.conf" || not_ok "server starts (smb1 required)"
out=$(timeout 120 $SRV_PY "$(dirname "$0")/smb1_trees.py" "$SRV_PORT" alice secret1 2>&1)
echo "$out" | sed 's/^/# /'
line() { printf '%s\n' "$out" | sed -n "s/^$1 //p"; }
INVALID_HANDLE=status=0xc0000008
check_eq "three TREE_CONNECTs (share, ro, share again): three distinct TIDs" "$(line tids)" distinct
check_eq "twin: a FID read under its own TID" "$(line read_own)" data=hello
check_eq "a FID under another tree of the same share: STATUS_INVALID_HANDLE" "$(line read_dup)" $INVALID_HANDLE
check_eq "a FID under the ro tree: STATUS_INVALID_HANDLE" "$(line read_ro)" $INVALID_HANDLE
check_eq "CLOSE of a FID under another tree: STATUS_INVALID_HANDLE" "$(line close_other)" $INVALID_HANDLE
check_eq "TREE_DISCONNECT of the duplicate tree: success" "$(line tdis_dup)" status=0x00000000
check_eq "the first tree and its FID survive the duplicate's disconnect" "$(line after_tdis)" data=hello
check_eq "the disconnected TID: STATUS_NETWORK_NAME_DELETED" "$(line dup_gone)" status=0xc00000c9
check_eq "the ro tree still lists its share after two later connects" "$(line ro_tree)" r.txt
check_eq "NT_CREATE 'hello.txt\\0\\..\\outside\\secret.txt': STATUS_OBJECT_NAME_INVALID" "$(line nul_create)" \
    status=0xc0000033
check_eq "twin: NT_CREATE 'hello.txt' opens" "$(line nul_twin)" ok
check_eq "TRANS2 QUERY_PATH_INFORMATION with an embedded NUL: STATUS_OBJECT_NAME_INVALID" "$(line nul_qpath)" \
    status=0xc0000033
check_eq "twin: QUERY_PATH_INFORMATION 'hello.txt' succeeds" "$(line nul_qpath_twin)" status=0x00000000
check_eq "DELETE 'victim.txt\\0\\..\\outside\\x': STATUS_OBJECT_NAME_INVALID" "$(line nul_delete)" status=0xc0000033
check_eq "... and victim.txt is still there" "$(line victim)" yes
check_eq "twin: DELETE 'gone.txt' succeeds" "$(line del_twin)" status=0x00000000
check_eq "... and gone.txt is gone" "$(line gone)" no
check "outside/secret.txt untouched" grep -q "top secret outside the share" "$SRV_DIR/outside/secret.txt"
srv_stop
check "trees: server log has no sanitizer report" san_clean

# ---- fix 4: anonymous / guest logons on a guest-ok server
anon_ls() {
    (cd "$SRV_DIR" && timeout 60 smbclient "//127.0.0.1/share" -p "$SRV_PORT" -N -m NT1 \
        --option='client min protocol=NT1' -c ls 2>&1)
}
srv_start required 127.0.0.1 "" -c "$SRV_DIR/smb1.conf" --guest-ok || not_ok "server starts (guest ok, required)"
out=$(anon_ls)
check_match "guest ok + signing required: smbclient -N gets NT_STATUS_LOGON_FAILURE" "$out" \
    "session setup failed: NT_STATUS_LOGON_FAILURE"
check_nomatch "... never NT_STATUS_INVALID_PARAMETER" "$out" "INVALID_PARAMETER"
check "... both attempts audited as refused" test "$(grep -c 'SMB1 guest/anonymous session refused' "$SRV_LOG")" -ge 2
srv_stop
check "anonymous: server log has no sanitizer report" san_clean
srv_start auto 127.0.0.1 "" -c "$SRV_DIR/smb1.conf" --guest-ok || not_ok "server starts (guest ok, auto)"
out=$(anon_ls)
check_match "twin: guest ok + signing auto: smbclient -N lists the share" "$out" "hello.txt"
srv_stop
exit 0
