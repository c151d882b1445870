#!/bin/bash
# tests/interop/kerberos_dc.sh - Kerberos (issue 17) against a real Samba AD DC
# provisioned by this test in its own network namespace (tests/interop/ad_dc.inc).
#   1. our client -k (kinit into a private credential cache) reads SYSVOL and
#      NETLOGON at every SMB2/3 dialect, signing required by the DC (NEGOTIATE
#      SecurityMode 0x03, every request signed, every response verified);
#      twins: no credential cache, an address instead of a name (no service
#      principal), a wrong password, an expired ticket - each refused with a
#      one-line fix; -k desired falls back to NTLM, -k required does not.
#   2. our server with the keytab the DC exported for cifs/srv1.lab.test accepts
#      smbclient --use-kerberos=required and our client -k, signing with the
#      Kerberos key (each peer verifies the other's signatures); tshark decrypts
#      the AP-REQ with the keytab and `smbsign trace` verifies the capture with
#      the session key tshark learnt (where tshark exposes it).
#      Twins: a ticket for another service principal, a principal missing from
#      the users file, a replayed AP-REQ (replay cache; with the replay cache
#      off the same replay is accepted), NTLM with `ntlm auth = no`, a keytab
#      of another account (clear log line, the server keeps serving), a missing
#      keytab (serve exits 2 naming the file).
. "$(dirname "$0")/../lib.sh"

AD_DC_TEST=kerberos_dc
. "$(dirname "$0")/ad_dc.inc"
. "$(dirname "$0")/krb_lab.inc"
check "kinit alice@LAB.TEST into a private credential cache" kin "$B/cc.alice" alice@LAB.TEST "$UPASS"

# ---------------------------------------------------------------- 1. our client -> the DC
GPTINI=$SYSVOL/Policies/$DDP/GPT.INI
for sh in sysvol netlogon; do
    for d in 2.0.2 2.1 3.0 3.0.2 3.1.1; do
        rm -f "$B/got.ini"
        if [ $sh = sysvol ]; then
            out=$(CL "//dc1.lab.test/$sh" -I 127.0.0.1 -k -m $d -c "session; get lab.test/Policies/$DDP/GPT.INI $B/got.ini" 2>&1)
        else
            out=$(CL "//dc1.lab.test/$sh" -I 127.0.0.1 -k -m $d -c "session; ls" 2>&1)
        fi
        rc=$?
        check_eq "client -k $sh at $d: exit 0" "$rc" 0 || dump "$out"
        check_eq "client -k $sh at $d: auth kerberos" "$(val "$out" auth)" kerberos
        check_eq "client -k $sh at $d: dialect" "$(val "$out" dialect)" "$d"
        check_eq "client -k $sh at $d: NEGOTIATE SecurityMode 0x03 (signing required by the DC)" \
            "$(val "$out" server-security-mode)" 0x03
        check_eq "client -k $sh at $d: signed" "$(val "$out" signing)" on
        check_eq "client -k $sh at $d: mutual authentication by Kerberos" "$(val "$out" mutual-authentication)" kerberos
        rs=$(val "$out" requests-signed); rv=$(val "$out" responses-verified)
        # responses verified = requests signed + the final SESSION_SETUP response
        check "client -k $sh at $d: every request signed, every response verified ($rs/$rv)" \
            test -n "$rs" -a "${rs:-0}" -gt 0 -a "$((${rs:-0} + 1))" = "${rv:-x}"
        [ $sh = sysvol ] && check "client -k sysvol at $d: GPT.INI byte for byte" cmp "$GPTINI" "$B/got.ini"
    done
done
# the same with NTLM (twin of "auth kerberos")
out=$(CL //dc1.lab.test/netlogon -I 127.0.0.1 -U "LAB\\alice%$UPASS" -c session 2>&1)
check_eq "client NTLM netlogon: auth ntlm" "$(val "$out" auth)" ntlm
check_eq "client NTLM netlogon: signed" "$(val "$out" signing)" on

# -U user%pass with --kerberos: the client gets its own ticket (no ccache)
out=$(KRB5CCNAME=FILE:$B/cc.none CL //dc1.lab.test/netlogon -I 127.0.0.1 --kerberos -U "alice%$UPASS" -c session 2>&1)
check_eq "client --kerberos -U alice%pass (no ccache): auth kerberos" "$(val "$out" auth)" kerberos || dump "$out"
out=$(KRB5CCNAME=FILE:$B/cc.none CL //dc1.lab.test/netlogon -I 127.0.0.1 --kerberos -U "alice%x$UPASS" -c session 2>&1); rc=$?
check_eq "client --kerberos wrong password: exit 1" "$rc" 1
check_match "client --kerberos wrong password: names the fix" "$out" 'refused the password.*check -U' || dump "$out"

# errors with meaning, each one line naming the fix
out=$(KRB5CCNAME=FILE:$B/cc.none CL //dc1.lab.test/netlogon -I 127.0.0.1 -k -c session 2>&1); rc=$?
check_eq "no credential cache: exit 1" "$rc" 1
check_match "no credential cache: says run kinit" "$out" 'run kinit' || dump "$out"
out=$(CL //127.0.0.1/netlogon -k -c session 2>&1); rc=$?
check_eq "server given by address (no cifs/127.0.0.1): exit 1" "$rc" 1
check_match "server given by address: says give the DNS name with -I" "$out" 'no server principal.*DNS name.*-I 127.0.0.1' || dump "$out"
out=$(CL //nosuch.lab.test/netlogon -I 127.0.0.1 -k -c session 2>&1); rc=$?
check_eq "unknown server principal (cifs/nosuch.lab.test): exit 1" "$rc" 1
check_match "unknown server principal: names the SPN fix" "$out" 'does not know the server principal cifs/nosuch.lab.test: .*DNS name.*samba-tool spn add' || dump "$out"
out=$(KRB5CCNAME=FILE:$B/cc.none CL //dc1.lab.test/netlogon -I 127.0.0.1 --kerberos=desired -U "LAB\\alice%$UPASS" -c session 2>&1); rc=$?
check_eq "--kerberos=desired -U with a password, no ccache: exit 0" "$rc" 0 || dump "$out"
check_eq "--kerberos=desired -U with a password, no ccache: Kerberos with the password" "$(val "$out" auth)" kerberos
out=$(CL //127.0.0.1/netlogon --kerberos=desired -U "LAB\\alice%$UPASS" -c session 2>&1)
check_eq "--kerberos=desired, no service principal: NTLM fallback" "$(val "$out" auth)" ntlm || dump "$out"
out=$(CL //127.0.0.1/netlogon --kerberos=required -U "LAB\\alice%$UPASS" -c session 2>&1); rc=$?
check_eq "--kerberos=required, no service principal: no fallback, exit 1" "$rc" 1
if kin "$B/cc.short" alice@LAB.TEST "$UPASS" -l 4s; then
    sleep 6
    out=$(KRB5CCNAME=FILE:$B/cc.short CL //dc1.lab.test/netlogon -I 127.0.0.1 -k -c session 2>&1); rc=$?
    check_eq "expired ticket: exit 1" "$rc" 1
    check_match "expired ticket: says run kinit again" "$out" 'expired.*kinit' || dump "$out"
else
    echo "# SKIP expired ticket: kinit -l 4s refused ($(tail -1 "$B/log/kinit.out"))"
fi

# ---------------------------------------------------------------- 2. our server with the DC's keytab
krb_lab_server
srv_ns main "$KT"; check_eq "our server starts with the DC's keytab" "$?" 0

for d in 2.0.2 2.1 3.0 3.0.2 3.1.1; do
    rm -f "$B/got.bin"
    out=$(CL //srv1.lab.test:4455/share -I 127.0.0.1 -k -m $d -c "session; get blob.bin $B/got.bin" 2>&1); rc=$?
    check_eq "our server, client -k at $d: exit 0" "$rc" 0 || dump "$out"
    check_eq "our server, client -k at $d: auth kerberos" "$(val "$out" auth)" kerberos
    check_eq "our server, client -k at $d: signed with the Kerberos key" "$(val "$out" signing)" on
    check "our server, client -k at $d: file byte for byte" cmp "$B/srvshare/blob.bin" "$B/got.bin"
done
check_match "our server logged alice@LAB.TEST authenticated, signing required" "$(cat "$SRV_LOG")" \
    "user 'alice@LAB.TEST' authenticated \\(Kerberos\\), signing required"
for m in SMB2_02 SMB3_11; do
    rm -f "$B/sc.bin"
    out=$(cd "$B" && SMBC //srv1.lab.test/share -I 127.0.0.1 -p 4455 --use-kerberos=required -m $m \
        --option="client min protocol=$m" --option='client signing=required' -c "get blob.bin $B/sc.bin" 2>&1); rc=$?
    check_eq "our server, smbclient --use-kerberos=required -m $m: exit 0" "$rc" 0 || dump "$out"
    check "our server, smbclient --use-kerberos=required -m $m: file byte for byte (both sides verified signatures)" \
        cmp "$B/srvshare/blob.bin" "$B/sc.bin"
done
# Cross-check of the Kerberos-derived signing key by tools that do not share our
# GSSAPI code: tshark decrypts the AP-REQ and AP-REP with the keytab and shows
# the keys it learnt; `smbsign trace --session-key` with the acceptor subkey
# (16 bytes) must verify every signed message, and a flipped key none.
if command -v tshark >/dev/null 2>&1; then
    nsx tshark -i lo -f "tcp port 4455" -w "$B/krb.cap" -q >"$B/log/tshark.log" 2>&1 &
    TP=$!
    track_pid $TP
    for _ in $(seq 1 150); do grep -q 'Capturing on' "$B/log/tshark.log" 2>/dev/null && break; sleep 0.2; done
    sleep 0.5
    out=$(CL //srv1.lab.test:4455/share -I 127.0.0.1 -k -m 3.1.1 -c "session; get blob.bin $B/got.bin" 2>&1)
    sleep 1
    kill $TP 2>/dev/null
    wait $TP 2>/dev/null
    [ -n "${KRB_KEEP:-}" ] && cp "$B/krb.cap" "$KT" "$KRB_KEEP/"
    sid=$(val "$out" session-id)
    tk=$(tshark -r "$B/krb.cap" -d tcp.port==4455,nbss -o kerberos.decrypt:TRUE -o "kerberos.file:$KT" -Y 'smb2.cmd == 1 && smb2.flags.response == 1 && smb2.nt_status == 0' \
        -T fields -e kerberos.keyvalue 2>/dev/null | tr ',' '\n' | awk 'NF' | tail -1)
    if [ -n "$tk" ]; then
        key=${tk:0:32}
        trace_out=$("$SMBSIGN" trace --session-key "$sid:$key" -p 4455 "$B/krb.cap" 2>&1); rc=$?
        check_eq "trace with the acceptor subkey tshark decrypted from the AP-REP (keytab): exit 0" "$rc" 0 || dump "$trace_out"
        check_match "trace with tshark's Kerberos key: signed messages good, none bad" "$trace_out" 'total: [1-9][0-9]* good, 0 bad' || dump "$trace_out"
        bad=$(printf '%s' "$key" | tr '0-9a-f' '1-9a-f0')
        "$SMBSIGN" trace --session-key "$sid:$bad" -p 4455 "$B/krb.cap" >/dev/null 2>&1; rc=$?
        check_eq "twin: trace with a flipped key: exit 1 (bad signatures)" "$rc" 1
    else
        echo "# SKIP trace cross-check: tshark did not show the Kerberos keys from the keytab"
    fi
fi

# NTLM still on (twin of ntlm auth = no below)
out=$(CL //127.0.0.1:4455/share -U "carol%$CPASS" -c session 2>&1); rc=$?
check_eq "our server, NTLM carol (ntlm auth default yes): exit 0" "$rc" 0 || dump "$out"
check_eq "our server, NTLM carol: auth ntlm" "$(val "$out" auth)" ntlm

# twins
out=$(CL //dc1.lab.test:4455/share -I 127.0.0.1 -k -c session 2>&1); rc=$?
check_eq "ticket for another service principal (cifs/dc1.lab.test): refused, exit 1" "$rc" 1
check_match "ticket for another service principal: LOGON_FAILURE" "$out" LOGON_FAILURE
check_match "ticket for another service principal: the server log names the keytab" "$(cat "$SRV_LOG")" \
    'AP-REQ refused: .*keytab' || dump "$(cat "$SRV_LOG")" 3
if kin "$B/cc.bob" bob@LAB.TEST "$BPASS"; then
    out=$(KRB5CCNAME=FILE:$B/cc.bob CL //srv1.lab.test:4455/share -I 127.0.0.1 -k -c session 2>&1); rc=$?
    check_eq "bob@LAB.TEST (valid ticket, not in the users file): refused, exit 1" "$rc" 1
    check_match "bob@LAB.TEST: server log says not in the users file" "$(cat "$SRV_LOG")" \
        "principal 'bob@LAB.TEST' is not in the users file"
else
    not_ok "kinit bob@LAB.TEST"
fi

# replayed AP-REQ: the replay cache refuses it; with the replay cache off it would pass
replay() { # TAG -> prints the replay status line
    local out
    nsx /usr/bin/python3 "$ROOT/tests/interop/krb_replay.py" 4456 4455 >"$B/log/replay.$1.out" 2>&1 &
    local rp=$!
    track_pid $rp
    for i in $(seq 1 50); do grep -q listening "$B/log/replay.$1.out" 2>/dev/null && break; sleep 0.1; done
    CL //srv1.lab.test:4456/share -I 127.0.0.1 -k -c session >"$B/log/replay.$1.client" 2>&1
    wait $rp
    grep -o 'replay status 0x[0-9a-f]*' "$B/log/replay.$1.out"
}
st=$(replay rcache)
check_eq "through the recording relay the client logs on with Kerberos" "$(val "$(cat "$B/log/replay.rcache.client")" auth)" kerberos
check_eq "replayed AP-REQ refused by the replay cache (STATUS_LOGON_FAILURE)" "$st" "replay status 0xc000006d"
check_match "replayed AP-REQ: the server log names the replay" "$(cat "$SRV_LOG")" 'replay'
SRV_ENV=KRB5RCACHETYPE=none
srv_ns norcache "$KT"; check_eq "our server restarted with the replay cache off (KRB5RCACHETYPE=none)" "$?" 0
SRV_ENV=
st=$(replay norcache)
check_match "twin: with the replay cache off the same replay is accepted" "$st" 'replay status 0x(00000000|c0000016)'

# SMB1 (NT LM 0.12, extended security) with the Kerberos session key: MD5 MACs
# keyed with the first 16 bytes (the server side; our SMB1 client has no -k)
srv_ns smb1 "$KT" "smb1 = yes"; check_eq "our server restarted with smb1 = yes" "$?" 0
rm -f "$B/sc1.bin"
out=$(cd "$B" && SMBC //srv1.lab.test/share -I 127.0.0.1 -p 4455 --use-kerberos=required -m NT1 \
    --option="client min protocol=NT1" --option='client signing=required' -c "get blob.bin $B/sc1.bin" 2>&1); rc=$?
check_eq "our SMB1 server, smbclient -m NT1 --use-kerberos=required, signing required: exit 0" "$rc" 0 || dump "$out"
check "our SMB1 server, smbclient Kerberos: file byte for byte" cmp "$B/srvshare/blob.bin" "$B/sc1.bin"

# ntlm auth = no
srv_ns nontlm "$KT" "ntlm auth = no"; check_eq "our server restarted with ntlm auth = no" "$?" 0
out=$(CL //127.0.0.1:4455/share -U "carol%$CPASS" -c session 2>&1); rc=$?
check_eq "ntlm auth = no: NTLM carol refused, exit 1" "$rc" 1
out=$(CL //srv1.lab.test:4455/share -I 127.0.0.1 -k -c session 2>&1)
check_eq "ntlm auth = no: Kerberos still accepted" "$(val "$out" auth)" kerberos

# wrong keytab: a clear log line, no crash, the server keeps serving
srv_ns wrongkt "$B/wrong.keytab"; check_eq "our server starts with bob's keytab (wrong keytab)" "$?" 0
out=$(CL //srv1.lab.test:4455/share -I 127.0.0.1 -k -c session 2>&1); rc=$?
check_eq "wrong keytab: Kerberos logon refused, exit 1" "$rc" 1
check_match "wrong keytab: the server log names the fix (export the keytab)" "$(cat "$SRV_LOG")" 'exportkeytab'
out=$(CL //127.0.0.1:4455/share -U "carol%$CPASS" -c session 2>&1); rc=$?
check_eq "wrong keytab: the server keeps serving (NTLM carol, exit 0)" "$rc" 0
check "wrong keytab: server process alive" kill -0 "$SRV_PID"
srv_ns_stop
printf '[global]\n    kerberos keytab = %s/missing.keytab\n' "$B" >"$B/srv.missing.conf"
err=$(nsx "$SMBSIGN" serve -c "$B/srv.missing.conf" --listen 127.0.0.1:4455 --share "share=$B/srvshare" \
    --users "$B/users" 2>&1 >/dev/null); rc=$?
check_eq "missing keytab: serve exits 2" "$rc" 2
check_match "missing keytab: names the file" "$err" "kerberos keytab $B/missing.keytab: No such file"
echo "# DC provisioning and the whole test: $(($(date +%s) - t0)) s"
