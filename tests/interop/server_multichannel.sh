#!/bin/bash
# tests/interop/server_multichannel.sh - SMB 3.x multichannel session binding
# (MS-SMB2 3.3.5.5.2, issue 13) in `smbsign serve`:
#   - tests/interop/mchan.py (a raw SMB2 client that binds a second
#     connection) first against Samba's smbd, the reference, so the tool
#     itself is known good;
#   - then against our server: binding per dialect, per-channel signing keys,
#     the session's state shared by the channels, LOGOFF on one channel ending
#     it on all, a lost channel keeping it alive, both channels at once; and
#     each refusal (wrong key, unsigned, another user, another ClientGuid,
#     another dialect, SMB 2.1, a second binding) with the original session
#     still working;
#   - server multi channel support = no: no capability, binding refused;
#   - smbtorture smb2.session.bind1, bind2, the bind_negative_* tests
#     without encryption, smb2.multichannel.generic.* and
#     smb2.ioctl.network_interface_info must pass; bind_invalid_auth and the
#     bind_negative_* tests whose client requires encryption are known
#     failures (KNOWN_FAIL, with the reason recognised in their output,
#     docs/server.md), never counted as passes.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"
MC="$SRV_PY $(dirname "$0")/mchan.py"

# mc PORT CASE [DIALECT]: the facts mchan.py printed (name=value lines)
mc() { timeout 120 $MC "$@" 2>&1; }
fact() { sed -n "s/^$2=//p" <<<"$1" | head -1; }

# ---- reference: Samba's smbd with multichannel
if [ "$(id -u)" = 0 ] && command -v smbd >/dev/null; then
    source "$(dirname "$0")/../samba.inc"
    test_unix_user smc || { not_ok "server_multichannel: cannot create a unix user"; exit 1; }
    SD=$(mk_tmpdir)
    chmod 755 "$SD"
    SP=$(free_port)
    samba_conf "$SD" "$SP" "  server signing = mandatory
  server multi channel support = yes
  server min protocol = SMB2_10
  smb encrypt = off"
    samba_user "$SD" "$TEST_USER" secret1
    samba_start "$SD"
    track_pid "$SAMBA_PID"
    if wait_port 127.0.0.1 "$SP" 20; then
        out=$(MCHAN_USER=$TEST_USER mc "$SP" ok 311)
        check_eq "samba reference: binds a second channel (3.1.1)" "$(fact "$out" bind)" OK
        check_eq "samba reference: the channel reads the session's file, signed with the channel key" \
            "$(fact "$out" read_b_same_bytes)/$(fact "$out" read_b_rsp_channel_signed)" 1/1
        check_eq "samba reference: the session's key is refused on the channel" "$(fact "$out" read_b_with_session_key)" ACCESS_DENIED
        out=$(MCHAN_USER=$TEST_USER mc "$SP" wrong_key 311)
        # (smbd 4.17 answers USER_SESSION_DELETED: it looks the session up
        # in another process; MS-SMB2 3.3.5.2.4 says ACCESS_DENIED, as we do)
        check_match "samba reference: a binding signed with a wrong key is refused" "$(fact "$out" bind)" '^(ACCESS_DENIED|USER_SESSION_DELETED)$'
        check_eq "samba reference: the session still works after it" "$(fact "$out" read_a_after)" OK
        out=$(MCHAN_USER=$TEST_USER mc "$SP" guid_mismatch 311)
        check_match "samba reference: another ClientGuid is refused" "$(fact "$out" bind)" '^(INVALID_PARAMETER|USER_SESSION_DELETED|REQUEST_NOT_ACCEPTED)$'
    else
        not_ok "samba reference: smbd listens"
    fi
    kill -TERM -- -"$SAMBA_PID" 2>/dev/null
else
    echo "ok - samba reference # SKIP needs root and smbd"
fi

srv_setup
printf '[global]\nserver multi channel support = yes\n' >"$SRV_DIR/mc.conf"
printf '[global]\nserver multi channel support = no\n' >"$SRV_DIR/nomc.conf"

# ---- our server, multichannel on (two event loops: channels of one session
# may run on two threads)
srv_start required 127.0.0.1 "" -c "$SRV_DIR/mc.conf" --workers 2 || { not_ok "server starts"; exit 1; }
for d in 311 302 300; do
    out=$(mc "$SRV_PORT" ok $d)
    check_eq "$d: NEGOTIATE offers SMB2_GLOBAL_CAP_MULTI_CHANNEL" "$(fact "$out" caps_multichannel)" 1
    check_eq "$d: a second connection binds to the session" "$(fact "$out" bind)" OK
    check_eq "$d: the binding's final response is signed with the new channel's key" "$(fact "$out" bind_rsp_signed_channel_key)" 1
    check_eq "$d: the channel's key differs from the session's" "$(fact "$out" channel_key_differs)" 1
    check_eq "$d: the channel reads the file the session opened on the first connection (same bytes)" \
        "$(fact "$out" read_b)/$(fact "$out" read_b_same_bytes)" OK/1
    check_eq "$d: the channel's responses are signed with the channel's key" "$(fact "$out" read_b_rsp_channel_signed)" 1
    # negative twin of the per-channel key: the session's key on the channel
    check_eq "$d: a request on the channel signed with the session's key is refused" \
        "$(fact "$out" read_b_with_session_key)" ACCESS_DENIED
    check_eq "$d: a write on the channel is seen on the first connection" "$(fact "$out" read_a_sees_b)" 1
    check_eq "$d: the first connection still works, signed with its key" \
        "$(fact "$out" read_a_after)/$(fact "$out" read_a_after_signed)" OK/1
done

# refusals, each with the original session still working
declare -A WANT=([wrong_key]=ACCESS_DENIED [unsigned]=INVALID_PARAMETER [other_user]=ACCESS_DENIED
    [guid_mismatch]=INVALID_PARAMETER [dialect_mismatch]=INVALID_PARAMETER [smb21]=REQUEST_NOT_ACCEPTED)
declare -A WHY=([wrong_key]="signed with a wrong key" [unsigned]="unsigned" [other_user]="by another user (bob)"
    [guid_mismatch]="from another ClientGuid (3.1.1)" [dialect_mismatch]="on a 3.0.2 connection to a 3.1.1 session"
    [smb21]="on an SMB 2.1 connection")
for c in wrong_key unsigned other_user guid_mismatch dialect_mismatch smb21; do
    out=$(mc "$SRV_PORT" $c 311)
    check_eq "binding ${WHY[$c]} is refused: ${WANT[$c]}" "$(fact "$out" bind)" "${WANT[$c]}"
    check_eq "after the refused binding ${WHY[$c]} the session still works" \
        "$(fact "$out" read_a_after)/$(fact "$out" read_a_after_signed)" OK/1
done
# a refusal after a verified request is signed with Session.SigningKey; one
# the server could not verify is not (no signing oracle)
out=$(mc "$SRV_PORT" other_user 311)
check_eq "refusal of a verified binding (other user) signed with Session.SigningKey" "$(fact "$out" bind_rsp_signed_session_key)" 1
out=$(mc "$SRV_PORT" wrong_key 311)
check_eq "refusal of a binding that does not verify is not signed" "$(fact "$out" bind_rsp_signed_session_key)" 0

out=$(mc "$SRV_PORT" foreign 311)
check_eq "a connection that is not a channel naming the session: USER_SESSION_DELETED (8 READs pipelined)" \
    "$(fact "$out" foreign_all_deleted)" 1
check_eq "... each signed with Session.SigningKey (smbXcli wants SIGNED)" "$(fact "$out" foreign_all_signed_session_key)" 1
check_eq "... and the session still works" "$(fact "$out" read_a_after)" OK
out=$(mc "$SRV_PORT" rebind 311)
check_eq "a second binding on a connection that is already a channel: REQUEST_NOT_ACCEPTED" "$(fact "$out" rebind)" REQUEST_NOT_ACCEPTED
out=$(mc "$SRV_PORT" logoff_b 311)
check_eq "LOGOFF on the channel succeeds" "$(fact "$out" logoff_b)" OK
check_eq "LOGOFF on the channel ends the session on the first connection too" "$(fact "$out" read_a_after_logoff_b)" USER_SESSION_DELETED
out=$(mc "$SRV_PORT" logoff_a 311)
check_eq "LOGOFF on the first connection ends the session on the channel too" \
    "$(fact "$out" logoff_a)/$(fact "$out" read_b_after_logoff_a)" OK/USER_SESSION_DELETED
check_eq "... that answer is signed with the channel's key" "$(fact "$out" read_b_after_logoff_a_signed_channel_key)" 1
check_eq "... and the logged-off session cannot be bound again" "$(fact "$out" bind_after_logoff)" USER_SESSION_DELETED
out=$(mc "$SRV_PORT" drop_a 311)
check_eq "first connection gone: the session lives on the channel (read, same bytes)" \
    "$(fact "$out" read_b_after_drop_a)/$(fact "$out" read_b_after_drop_a_bytes)" OK/1
check_eq "first connection gone: the channel closes the session's file" "$(fact "$out" close_b)" OK
for i in 1 2 3; do
    out=$(mc "$SRV_PORT" race 311)
    check_eq "race $i: writes on the channel while the first connection reads: all succeed" "$(fact "$out" race_b_all_ok)" 1
    check_eq "race $i: the first connection sees only success, then USER_SESSION_DELETED" \
        "$(fact "$out" race_a_only_ok_or_deleted)/$(fact "$out" race_a_after_logoff)" 1/USER_SESSION_DELETED
done
check "server still serves after the binding cases" kill -0 "$SRV_PID"
out=$("$SMBSIGN" client "//127.0.0.1:$SRV_PORT/share" -U alice%secret1 -c session 2>&1)
check_match "smbsign client session: channels 1, server-multichannel yes" "$out" $'^channels 1$'
check_match "smbsign client session: the server offers multichannel" "$out" '^server-multichannel yes$'
out=$(mc "$SRV_PORT" ok 311)
check_eq "a new session binds after all that" "$(fact "$out" bind)" OK
check_nomatch "server log: no BUG line" "$(cat "$SRV_LOG")" ': BUG:'

# ---- smbtorture. KNOWN_FAIL: test -> reason (docs/server.md); a known
# failure that passes is reported as a pass, never the other way round.
declare -A KNOWN_FAIL
# the client requires SMB3 encryption (no cipher is offered here, and a
# session with encryption keys is not bound: docs/server.md)
for t in bind_negative_smb3encGtoCs bind_negative_smb3encGtoCd bind_negative_smb3signCtoHs bind_negative_smb3signCtoHd \
    bind_negative_smb3signCtoGs bind_negative_smb3signCtoGd bind_negative_smb3signHtoCs bind_negative_smb3signHtoCd \
    bind_negative_smb3signHtoGs bind_negative_smb3signHtoGd bind_negative_smb3signGtoCs bind_negative_smb3signGtoCd \
    bind_negative_smb3signGtoHs bind_negative_smb3signGtoHd bind_negative_smb3sneGtoCs bind_negative_smb3sneGtoCd \
    bind_negative_smb3sneGtoHs bind_negative_smb3sneGtoHd bind_negative_smb3sneCtoGs bind_negative_smb3sneCtoGd \
    bind_negative_smb3sneHtoGs bind_negative_smb3sneHtoGd bind_negative_smb3signC30toGs bind_negative_smb3signC30toGd \
    bind_negative_smb3signGtoC30s bind_negative_smb3signGtoC30d bind_negative_smb3signGtoH2Xs \
    bind_negative_smb3signGtoH2Xd; do
    KNOWN_FAIL[smb2.session.$t]=encryption
done
KNOWN_FAIL[smb2.session.bind_invalid_auth]="a binding whose authentication fails is answered LOGON_FAILURE unsigned; smbXcli then reports ACCESS_DENIED"
TPASS=0 TKNOWN=0
# must pass (bind1 and the negatives without encryption need the oplocks of
# issue 13: their first CREATE asks for a batch oplock)
for t in smb2.session.bind2 smb2.ioctl.network_interface_info smb2.multichannel.generic.interface_info \
    smb2.multichannel.generic.num_channels smb2.session.bind1 smb2.session.bind_negative_smb202 \
    smb2.session.bind_negative_smb210s smb2.session.bind_negative_smb210d smb2.session.bind_negative_smb2to3s \
    smb2.session.bind_negative_smb2to3d smb2.session.bind_negative_smb3to2s smb2.session.bind_negative_smb3to2d \
    smb2.session.bind_negative_smb3to3s smb2.session.bind_negative_smb3to3d \
    smb2.session.bind_negative_smb3signH2XtoGs smb2.session.bind_negative_smb3signH2XtoGd "${!KNOWN_FAIL[@]}"; do
    out=$(timeout 120 smbtorture "//127.0.0.1/share" -p "$SRV_PORT" -U alice%secret1 \
        --option="client signing=required" "$t" 2>&1)
    if grep -q "^success: " <<<"$out" && ! grep -qE "^(failure|error|skip): " <<<"$out"; then
        ok "smbtorture $t"
        TPASS=$((TPASS + 1))
    elif [ "$t" = smb2.session.bind_invalid_auth ] && grep -q "expected NT_STATUS_LOGON_FAILURE" <<<"$out"; then
        echo "# smbtorture $t: known failure, not counted: ${KNOWN_FAIL[$t]}"
        TKNOWN=$((TKNOWN + 1))
    elif [ "${KNOWN_FAIL[$t]:-}" = encryption ] && grep -q "NT_STATUS_NOT_SUPPORTED.*smb2_connect options1 failed" <<<"$out"; then
        echo "# smbtorture $t: known failure, not counted: its client requires SMB3 encryption, which this" \
            "configuration does not offer (and a session with encryption keys is not bound: docs/server.md)"
        TKNOWN=$((TKNOWN + 1))
    else
        not_ok "smbtorture $t"
        grep -E -A2 "^(failure|error|skip): " <<<"$out" | head -4 | sed 's/^/#   /'
    fi
done
echo "# smbtorture: $TPASS passed, $TKNOWN known failures (not counted)"
srv_stop

# ---- multichannel off
srv_start required 127.0.0.1 "" -c "$SRV_DIR/nomc.conf" || { not_ok "server starts (multichannel off)"; exit 1; }
out=$(mc "$SRV_PORT" ok 311)
check_eq "off: NEGOTIATE does not offer SMB2_GLOBAL_CAP_MULTI_CHANNEL" "$(fact "$out" caps_multichannel)" 0
check_eq "off: binding refused with REQUEST_NOT_ACCEPTED" "$(fact "$out" bind)" REQUEST_NOT_ACCEPTED
check_eq "off: the session still works" "$(fact "$out" read_a_after)" OK
out=$("$SMBSIGN" client "//127.0.0.1:$SRV_PORT/share" -U alice%secret1 -c session 2>&1)
check_match "off: smbsign client session: server-multichannel no" "$out" '^server-multichannel no$'
out=$(timeout 120 smbtorture "//127.0.0.1/share" -p "$SRV_PORT" -U alice%secret1 smb2.ioctl.network_interface_info 2>&1)
check_match "off: FSCTL_QUERY_NETWORK_INTERFACE_INFO is neither offered nor answered (smbtorture network_interface_info does not pass)" \
    "$out" "^(failure|skip): network_interface_info"
srv_stop
exit 0
