#!/bin/bash
# tests/interop/server_multichannel.sh - SMB 3.x multichannel session binding
# (MS-SMB2 3.3.5.5.2, issue 13) in `smbsign serve`:
#   - tests/interop/mchan.py (a raw SMB2 client that binds a second
#     connection) first against Samba's smbd, the reference, so the tool
#     itself is known good;
#   - then against our server: binding per dialect, per-channel signing keys,
#     the session's state shared by the channels, LOGOFF on one channel ending
#     it on all, a lost channel keeping it alive, both channels at once; and
#     each refusal (wrong key, unsigned, another user, another dialect,
#     SMB 2.1, a second binding) with the original session still working;
#     a binding from another ClientGuid accepted (as Samba 4.17);
#   - a session that encrypts (3.1.1 AES-128-GCM, 3.0.2 AES-128-CCM) bound
#     and used encrypted on both channels at once: one nonce counter for the
#     session's key, a tampered transform and another session's transform on
#     the channel refused, the unbound session still working;
#   - re-authentication on a channel: kept when it succeeds, the session
#     ended on every channel when it fails (the failure signed);
#   - server multi channel support = no: no capability, binding refused;
#   - smbtorture smb2.session.bind1, bind2, bind_invalid_auth, every
#     bind_negative_* (those whose client requires encryption included: the
#     server offers a cipher), smb2.multichannel.generic.* and
#     smb2.ioctl.network_interface_info must pass.
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
# a cipher is offered (server smb encrypt set, not required): the sessions of
# smbtorture's clients that require encryption, and mchan.py's enc case, encrypt
printf '[global]\nserver multi channel support = yes\nserver smb encrypt = if_required\n' >"$SRV_DIR/mc.conf"
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
    [dialect_mismatch]=INVALID_PARAMETER [smb21]=REQUEST_NOT_ACCEPTED)
declare -A WHY=([wrong_key]="signed with a wrong key" [unsigned]="unsigned" [other_user]="by another user (bob)"
    [dialect_mismatch]="on a 3.0.2 connection to a 3.1.1 session" [smb21]="on an SMB 2.1 connection")
for c in wrong_key unsigned other_user dialect_mismatch smb21; do
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

# another ClientGuid (3.1.1) binds: no ClientGuid rule (Samba 4.17 has none;
# smbtorture bind_negative_smb3signCtoHd expects the binding to succeed); its
# twins are the wrong_key and other_user refusals above
out=$(mc "$SRV_PORT" guid_mismatch 311)
check_eq "binding from another ClientGuid (3.1.1) succeeds, the channel reads with its own key" \
    "$(fact "$out" bind)/$(fact "$out" read_b)/$(fact "$out" read_b_rsp_channel_signed)" OK/OK/1

# a session that encrypts, bound: the session's cipher keys on both channels
for d in 311 302; do
    out=$(mc "$SRV_PORT" enc $d)
    check_match "$d enc: a cipher was negotiated" "$(fact "$out" cipher)" '^[12]$'
    check_eq "$d enc: a session with encryption keys binds a second connection" "$(fact "$out" bind)" OK
    check_eq "$d enc: an encrypted READ on the channel, answered encrypted with the session's key (same bytes, transform SessionId)" \
        "$(fact "$out" enc_read_b)/$(fact "$out" enc_read_b_same_bytes)/$(fact "$out" enc_read_b_transform_sid)" OK/1/1
    check_eq "$d enc: 2 x 200 encrypted READs on both channels at once (two event loops) all answered" \
        "$(fact "$out" enc_concurrent_all_ok)" 1
    check_eq "$d enc: no nonce repeats under the session's key across the channels" "$(fact "$out" enc_nonces_unique)" 1
    # twin pair: another session's transform where it lives / on the channel
    check_eq "$d enc: a second session's transform is accepted on its own connection" "$(fact "$out" enc_session2_on_a)" OK
    check_eq "$d enc: ... and refused on the channel, which is not bound to it (connection dropped)" \
        "$(fact "$out" enc_session2_on_channel)" DROPPED
    check_eq "$d enc: a tampered transform on the channel: connection dropped" "$(fact "$out" enc_tampered_on_b)" DROPPED
    check_eq "$d enc: afterwards the session still works encrypted on the first connection (same bytes)" \
        "$(fact "$out" enc_read_a_after)/$(fact "$out" enc_read_a_after_same_bytes)" OK/1
    check_eq "$d enc: ... and so does the unbound second session" "$(fact "$out" enc_session2_after)" OK/1
done

# re-authentication on a channel (MS-SMB2 3.3.5.5; Samba: a failed one ends the session)
out=$(mc "$SRV_PORT" reauth 311)
check_eq "re-authentication on the channel by the session's user: OK, signed with the channel's key" \
    "$(fact "$out" reauth_ok)/$(fact "$out" reauth_ok_signed_channel_key)" OK/1
check_eq "... and the session still works on the first connection" "$(fact "$out" read_a_after_reauth_ok)" OK
check_eq "a failed re-authentication on the channel: LOGON_FAILURE signed with the channel's key" \
    "$(fact "$out" reauth_bad)/$(fact "$out" reauth_bad_signed_channel_key)" LOGON_FAILURE/1
check_eq "... and the session ends on both connections" \
    "$(fact "$out" read_a_after_reauth_bad)/$(fact "$out" read_b_after_reauth_bad)" USER_SESSION_DELETED/USER_SESSION_DELETED

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

# ---- smbtorture: every test must pass (a skip or a failure line is not a pass)
TPASS=0
NEG=""
for t in smb202 smb210s smb210d smb2to3s smb2to3d smb3to2s smb3to2d smb3to3s smb3to3d smb3encGtoCs smb3encGtoCd \
    smb3signCtoHs smb3signCtoHd smb3signHtoCs smb3signHtoCd smb3signHtoGs smb3signHtoGd smb3signCtoGs smb3signCtoGd \
    smb3signGtoCs smb3signGtoCd smb3signGtoHs smb3signGtoHd smb3sneGtoCs smb3sneGtoCd smb3sneGtoHs smb3sneGtoHd \
    smb3sneCtoGs smb3sneCtoGd smb3sneHtoGs smb3sneHtoGd smb3signC30toGs smb3signC30toGd smb3signH2XtoGs \
    smb3signH2XtoGd smb3signGtoC30s smb3signGtoC30d smb3signGtoH2Xs smb3signGtoH2Xd; do
    NEG="$NEG smb2.session.bind_negative_$t"
done
for t in smb2.session.bind2 smb2.ioctl.network_interface_info smb2.multichannel.generic.interface_info \
    smb2.multichannel.generic.num_channels smb2.session.bind1 smb2.session.bind_invalid_auth $NEG \
    smb2.session.reauth1 smb2.session.reauth6; do
    out=$(timeout 120 smbtorture "//127.0.0.1/share" -p "$SRV_PORT" -U alice%secret1 \
        --option="client signing=required" "$t" 2>&1)
    if grep -q "^success: " <<<"$out" && ! grep -qE "^(failure|error|skip): " <<<"$out"; then
        ok "smbtorture $t"
        TPASS=$((TPASS + 1))
    else
        not_ok "smbtorture $t"
        grep -E -A2 "^(failure|error|skip): " <<<"$out" | head -4 | sed 's/^/#   /'
    fi
done
echo "# smbtorture: $TPASS passed"
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
