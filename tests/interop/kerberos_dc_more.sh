#!/bin/bash
# tests/interop/kerberos_dc_more.sh - the rest of issue 17 (Kerberos) and the
# Kerberos parts of issue 12 (encryption) against a real Samba AD DC that this
# test provisions in its own network namespace (ad_dc.inc, krb_lab.inc):
#   1. AES-256 ciphers with a Kerberos session key longer than 16 bytes (MS-SMB2
#      3.2.5.3.1 / 3.3.5.5.3: the cipher keys come from the whole key): our
#      client -k -e against the DC's smbd and against our server at
#      AES-256-GCM/CCM, smbclient against our server; `smbsign trace`
#      decrypts the captures with the key tshark learnt from the keytab.
#      Twins: AES-128-GCM (first 16 bytes) works the same; trace given only
#      the first 16 bytes of the key cannot decrypt the AES-256 capture.
#   2. Kerberos when it is not the client's first SPNEGO choice (our client
#      --spnego-mechs ntlmssp,krb5: NTLMSSP first with its optimistic token)
#      against our server with `ntlm auth = no`, which takes Kerberos: the
#      mechListMIC is then required both ways (RFC 4178 5, MS-SPNG 3.1.5.1),
#      so the exchange has a third leg (AP-REP + server MIC, then the
#      client's MIC). Through server_relay.py: unchanged it succeeds (twin);
#      the client's mechListMIC stripped or flipped -> the server refuses the
#      session (LOGON_FAILURE, log line); the server's stripped -> our client
#      refuses.
#   3. Clock skew (faketime moves only our client's clock): +10 min against
#      the DC and against our server -> exit 1 with a one-line message naming
#      clock skew and NTP (the KDC's KRB_AP_ERR_SKEW for a new service ticket;
#      our server's acceptor for a cached one, which logs it); twin: +2 min
#      (inside the 5-minute tolerance) works.
#   4. Kerberos in our SMB1 client (-m NT1 -k: SESSION_SETUP_ANDX with
#      extended security, SPNEGO/krb5, MD5 MACs keyed with the whole Kerberos
#      key) against the DC's smbd (server min protocol = NT1) and against our
#      server (smb1 = yes), signing required, file byte for byte; twins: the
#      server given by address (no cifs/127.0.0.1), no credential cache.
. "$(dirname "$0")/../lib.sh"

AD_DC_TEST=kerberos_dc_more
AD_DC_OPTIONS=("--option=server min protocol=NT1") # section 4: our SMB1 client
. "$(dirname "$0")/ad_dc.inc"
. "$(dirname "$0")/krb_lab.inc"
check "kinit alice@LAB.TEST into a private credential cache" kin "$B/cc.alice" alice@LAB.TEST "$UPASS"
krb_lab_server
srv_ns main "$KT" "server smb encrypt = desired"; check_eq "our server starts with the DC's keytab, encryption desired" "$?" 0

# ---------------------------------------------------------------- 1. AES-256 with the whole Kerberos key
GPTINI=$SYSVOL/Policies/$DDP/GPT.INI
# the DC's own keys (account DC1$, which holds cifs/dc1.lab.test) for tshark
nsx samba-tool domain exportkeytab "$B/dc.keytab" --principal='DC1$' -s "$CONF" >>"$B/log/samba-tool.out" 2>&1
check "samba-tool domain exportkeytab: the DC's keytab (DC1\$) for tshark" test -s "$B/dc.keytab"
# cap_start FILE PORT / cap_stop: tshark inside the namespace
cap_start() {
    nsx tshark -i lo -f "tcp port $2" -w "$1" -q >"$B/log/tshark.$2.log" 2>&1 &
    CAP_PID=$!
    track_pid $CAP_PID
    for _ in $(seq 1 150); do grep -q 'Capturing on' "$B/log/tshark.$2.log" 2>/dev/null && break; sleep 0.2; done
    sleep 0.5
}
cap_stop() { sleep 1; kill "$CAP_PID" 2>/dev/null; wait "$CAP_PID" 2>/dev/null; }
# krb_key CAPTURE KEYTAB PORT: the last session key tshark decrypted from an AP-REP
krb_key() {
    tshark -r "$1" -d "tcp.port==$3,nbss" -o kerberos.decrypt:TRUE -o "kerberos.file:$2" \
        -Y 'smb2.cmd == 1 && smb2.flags.response == 1 && smb2.nt_status == 0' \
        -T fields -e kerberos.keyvalue 2>/dev/null | tr ',' '\n' | awk 'NF' | tail -1
}
# enc_run TAG TARGET PORT CIPHER KEYTAB: our client -k -e at 3.1.1 with CIPHER, captured, then traced
enc_run() {
    local tag=$1 target=$2 port=$3 ci=$4 kt=$5 out rc path
    rm -f "$B/enc.got"
    if [ "$port" = 445 ]; then path=$target/sysvol; else path=$target:$port/share; fi
    cap_start "$B/$tag.cap" "$port"
    if [ "$port" = 445 ]; then
        out=$(CL "//$path" -I 127.0.0.1 -k -e --cipher "$ci" -m 3.1.1 -c "session; get lab.test/Policies/$DDP/GPT.INI $B/enc.got" 2>&1); rc=$?
    else
        out=$(CL "//$path" -I 127.0.0.1 -k -e --cipher "$ci" -m 3.1.1 -c "session; get blob.bin $B/enc.got" 2>&1); rc=$?
    fi
    cap_stop
    check_eq "$tag: client -k -e --cipher $ci: exit 0" "$rc" 0 || dump "$out"
    check_eq "$tag: auth kerberos" "$(val "$out" auth)" kerberos
    check_eq "$tag: encryption-cipher $ci" "$(val "$out" encryption-cipher)" "$ci"
    if [ "$port" = 445 ]; then
        check "$tag: GPT.INI byte for byte" cmp "$GPTINI" "$B/enc.got"
    else
        check "$tag: blob.bin byte for byte" cmp "$B/srvshare/blob.bin" "$B/enc.got"
    fi
    SID=$(val "$out" session-id)
    KEY=$(krb_key "$B/$tag.cap" "$kt" "$port")
    echo "# $tag: Kerberos session key from the AP-REP: $(( ${#KEY} / 2 )) bytes"
}
# trace_dec TAG PORT KEYHEX: smbsign trace output over the capture with that key
trace_dec() { "$SMBSIGN" trace --session-key "$SID:$3" -p "$2" "$B/$1.cap" 2>&1; }

if ! command -v tshark >/dev/null 2>&1; then
    not_ok "tshark is not installed (scripts/deps.sh)"
fi
for ci in aes-256-gcm aes-256-ccm aes-128-gcm; do
    enc_run "dc-$ci" dc1.lab.test 445 "$ci" "$B/dc.keytab"
    if [ -z "$KEY" ]; then
        echo "# SKIP dc-$ci trace: tshark did not show the Kerberos key from the DC's keytab"
        continue
    fi
    check "dc-$ci: the Kerberos session key is 32 bytes (AES-256 enctype)" test "${#KEY}" = 64
    t=$(trace_dec "dc-$ci" 445 "$KEY"); rc=$?
    check_eq "dc-$ci: trace with the whole key: exit 0" "$rc" 0 || dump "$t"
    check_match "dc-$ci: trace decrypts every transform, none fails" "$t" 'encrypted: [1-9][0-9]* decrypted-good, 0 decrypt-failed'
    t=$(trace_dec "dc-$ci" 445 "${KEY:0:32}"); rc=$?
    case $ci in
    aes-256-*)
        check_eq "twin dc-$ci: trace with only the first 16 bytes of the key: exit 1" "$rc" 1
        check_match "twin dc-$ci: trace with 16 bytes: every transform fails" "$t" 'encrypted: 0 decrypted-good, [1-9][0-9]* decrypt-failed' ;;
    *)
        check_eq "dc-$ci: AES-128 uses the first 16 bytes: trace with them, exit 0" "$rc" 0
        check_match "dc-$ci: trace with 16 bytes: every transform decrypts" "$t" 'encrypted: [1-9][0-9]* decrypted-good, 0 decrypt-failed' ;;
    esac
done
for ci in aes-256-gcm aes-128-gcm; do
    enc_run "srv-$ci" srv1.lab.test 4455 "$ci" "$KT"
    if [ -n "$KEY" ]; then
        t=$(trace_dec "srv-$ci" 4455 "$KEY"); rc=$?
        check_eq "srv-$ci: trace with the whole key: exit 0" "$rc" 0 || dump "$t"
        check_match "srv-$ci: trace decrypts every transform of our server's session" "$t" 'encrypted: [1-9][0-9]* decrypted-good, 0 decrypt-failed'
        t=$(trace_dec "srv-$ci" 4455 "${KEY:0:32}"); rc=$?
        case $ci in
        aes-256-*) check_match "twin srv-$ci: trace with 16 bytes of the key: every transform fails" "$t" 'encrypted: 0 decrypted-good, [1-9][0-9]* decrypt-failed' ;;
        *) check_match "srv-$ci: AES-128: trace with 16 bytes decrypts" "$t" 'encrypted: [1-9][0-9]* decrypted-good, 0 decrypt-failed' ;;
        esac
    else
        echo "# SKIP srv-$ci trace: tshark did not show the Kerberos key from the keytab"
    fi
done
for ci in AES-256-GCM AES-128-GCM; do
    rm -f "$B/sc.bin"
    out=$(cd "$B" && SMBC //srv1.lab.test/share -I 127.0.0.1 -p 4455 --use-kerberos=required -m SMB3_11 \
        --option="client smb3 encryption algorithms=$ci" --client-protection=encrypt -c "get blob.bin $B/sc.bin" 2>&1); rc=$?
    check_eq "our server, smbclient Kerberos encrypted $ci: exit 0" "$rc" 0 || dump "$out"
    check "our server, smbclient Kerberos encrypted $ci: file byte for byte" cmp "$B/srvshare/blob.bin" "$B/sc.bin"
done

# ---------------------------------------------------------------- 2. Kerberos as the second SPNEGO choice
srv_ns nontlm "$KT" "ntlm auth = no"; check_eq "our server restarted with ntlm auth = no" "$?" 0
out=$(CL //srv1.lab.test:4455/share -I 127.0.0.1 -k --spnego-mechs ntlmssp,krb5 -c "session; get blob.bin $B/k2.bin" 2>&1); rc=$?
check_eq "krb5 second choice, our server: exit 0" "$rc" 0 || dump "$out"
check_eq "krb5 second choice, our server: auth kerberos" "$(val "$out" auth)" kerberos
check_eq "krb5 second choice, our server: signed" "$(val "$out" signing)" on
check "krb5 second choice, our server: file byte for byte" cmp "$B/srvshare/blob.bin" "$B/k2.bin"
# relay MODE: our client through server_relay.py; prints the relay's log
relay() {
    local mode=$1 rp
    shift
    # ip netns exec execs python itself: $! is the relay's PID (nsx, a function, would fork a subshell)
    ip netns exec "$NS" /usr/bin/python3 "$ROOT/tests/interop/server_relay.py" 4457 4455 "$mode" >"$B/log/relay.$mode.out" 2>&1 &
    rp=$!
    track_pid $rp
    for _ in $(seq 1 50); do grep -q ready "$B/log/relay.$mode.out" 2>/dev/null && break; sleep 0.1; done
    RELAY_OUT=$(CL //srv1.lab.test:4457/share -I 127.0.0.1 -k "$@" -c session 2>&1)
    RELAY_RC=$?
    kill $rp 2>/dev/null
    wait $rp 2>/dev/null
    RELAY_LOG=$(cat "$B/log/relay.$mode.out")
}
relay none --spnego-mechs ntlmssp,krb5
check_eq "relay none, krb5 second choice: exit 0 (twin)" "$RELAY_RC" 0 || dump "$RELAY_OUT"
check_eq "relay none, krb5 second choice: auth kerberos" "$(val "$RELAY_OUT" auth)" kerberos
check_eq "relay none: three SESSION_SETUP legs (two MORE_PROCESSING, then success)" \
    "$(printf '%s\n' "$RELAY_LOG" | grep -o 'session_setup status 0x[0-9a-f]*' | awk '{print $3}' | tr '\n' ' ')" \
    "0xc0000016 0xc0000016 0x00000000 " || dump "$RELAY_LOG"
n0=$(grep -c "no SPNEGO mechListMIC" "$SRV_LOG")
relay strip-mechmic --spnego-mechs ntlmssp,krb5
check_match "relay strip-mechmic: the client's mechListMIC was stripped" "$RELAY_LOG" 'tampered: stripped the mechListMIC'
check_eq "relay strip-mechmic: our client fails, exit 1" "$RELAY_RC" 1
check_match "relay strip-mechmic: the server refused the session (STATUS_LOGON_FAILURE)" "$RELAY_LOG" 'status 0xc000006d'
check "relay strip-mechmic: the server log names the missing mechListMIC" \
    test "$(grep -c "no SPNEGO mechListMIC" "$SRV_LOG")" -gt "$n0"
relay flip-mechmic --spnego-mechs ntlmssp,krb5
check_match "relay flip-mechmic: a bit of the client's mechListMIC flipped" "$RELAY_LOG" 'tampered: flipped'
check_eq "relay flip-mechmic: our client fails, exit 1" "$RELAY_RC" 1
check_match "relay flip-mechmic: the server refused the session (STATUS_LOGON_FAILURE)" "$RELAY_LOG" 'status 0xc000006d'
check_match "relay flip-mechmic: the server log says bad mechListMIC" "$(cat "$SRV_LOG")" 'bad SPNEGO mechListMIC'
relay strip-server-mechmic --spnego-mechs ntlmssp,krb5
check_match "relay strip-server-mechmic: the server's mechListMIC was stripped" "$RELAY_LOG" 'tampered: server stripped'
check_eq "relay strip-server-mechmic: our client refuses, exit 1" "$RELAY_RC" 1
check_match "relay strip-server-mechmic: our client names the missing mechListMIC" "$RELAY_OUT" 'mechListMIC'
# Kerberos first (no MIC rule): stripping has nothing to strip, the logon works
relay strip-mechmic
check_eq "relay strip-mechmic, Kerberos first choice (no mechListMIC needed): exit 0" "$RELAY_RC" 0 || dump "$RELAY_OUT"
check_nomatch "relay strip-mechmic, Kerberos first choice: nothing to strip" "$RELAY_LOG" 'tampered'

# ---------------------------------------------------------------- 3. clock skew
if command -v faketime >/dev/null 2>&1; then
    # FT OFFSET CCACHE ARGS...: our client with its clock moved by OFFSET
    # the release build: libfaketime is an LD_PRELOAD, which the ASan runtime
    # refuses to follow ("ASan runtime does not come first"); the skew tests
    # check behaviour, the ASan build runs every other check of this script
    FT() { local off=$1 cc=$2; shift 2; nsx env KRB5CCNAME=FILE:$cc ${FT_TRACE:+KRB5_TRACE=$FT_TRACE} faketime -f "$off" "$SMBSIGN_REL" client "$@"; }
    kin "$B/cc.skew" alice@LAB.TEST "$UPASS"
    check "kinit into a fresh cache (a TGT, no service ticket) for the skew tests" test -s "$B/cc.skew"
    cp "$B/cc.skew" "$B/cc.skew2"
    out=$(FT_TRACE=$B/log/krb5.skew.trace FT +10m "$B/cc.skew" //dc1.lab.test/netlogon -I 127.0.0.1 -k -c session 2>&1); rc=$?
    check_eq "client clock +10 min, the DC (new service ticket): exit 1" "$rc" 1
    # MIT retries the TGS request without referrals and, when both answers are
    # KRB_AP_ERR_SKEW (its trace says "Clock skew too great" twice), reports
    # no minor code, as for an unknown principal: the message names both
    check_match "client clock +10 min, the DC: one line naming the clock skew and NTP" "$out" 'clock skew: check NTP'
    check_match "client clock +10 min, the DC: the KDC answered KRB_AP_ERR_SKEW (MIT trace)" \
        "$(cat "$B/log/krb5.skew.trace" 2>&1)" 'TGS request result: .*Clock skew too great'
    out=$(FT +2m "$B/cc.skew2" //dc1.lab.test/netlogon -I 127.0.0.1 -k -c session 2>&1); rc=$?
    check_eq "twin: client clock +2 min (inside the tolerance), the DC: exit 0" "$rc" 0 || dump "$out"
    check_eq "twin: client clock +2 min, the DC: auth kerberos" "$(val "$out" auth)" kerberos
    # our server: the service ticket is fetched at the right time, then used with a skewed clock
    srv_ns skew "$KT"; check_eq "our server restarted (skew)" "$?" 0
    kin "$B/cc.skew3" alice@LAB.TEST "$UPASS"
    out=$(KRB5CCNAME=FILE:$B/cc.skew3 CL //srv1.lab.test:4455/share -I 127.0.0.1 -k -c session 2>&1); rc=$?
    check_eq "our server, real clock (the service ticket is now cached): exit 0" "$rc" 0 || dump "$out"
    out=$(FT +10m "$B/cc.skew3" //srv1.lab.test:4455/share -I 127.0.0.1 -k -c session 2>&1); rc=$?
    check_eq "our server, client clock +10 min with a cached ticket: exit 1" "$rc" 1
    check_match "our server, client clock +10 min: the client says LOGON_FAILURE" "$out" 'LOGON_FAILURE' || dump "$out"
    check_match "our server, client clock +10 min: the server log names clock skew and NTP" "$(cat "$SRV_LOG")" 'clock skew.*NTP'
    out=$(FT +2m "$B/cc.skew3" //srv1.lab.test:4455/share -I 127.0.0.1 -k -c session 2>&1); rc=$?
    check_eq "twin: our server, client clock +2 min with the cached ticket: exit 0" "$rc" 0 || dump "$out"
    check "our server alive after the skewed logons" kill -0 "$SRV_PID"
else
    not_ok "faketime is not installed (scripts/deps.sh)"
fi

# ---------------------------------------------------------------- 4. Kerberos in our SMB1 client
rm -f "$B/nt1.ini"
out=$(CL //dc1.lab.test/sysvol -I 127.0.0.1 -k -m NT1 --signing required \
    -c "session; get lab.test/Policies/$DDP/GPT.INI $B/nt1.ini" 2>&1); rc=$?
check_eq "SMB1 client -k, the DC's smbd: exit 0" "$rc" 0 || dump "$out"
check_eq "SMB1 client -k, the DC's smbd: dialect NT LM 0.12" "$(val "$out" dialect)" "NT LM 0.12"
check_eq "SMB1 client -k, the DC's smbd: auth spnego-krb5" "$(val "$out" auth)" spnego-krb5
check_eq "SMB1 client -k, the DC's smbd: signed (MD5 with the Kerberos key)" "$(val "$out" signing)" yes
rs=$(val "$out" requests_signed); rv=$(val "$out" responses_verified)
check "SMB1 client -k, the DC's smbd: requests signed and responses verified ($rs/$rv)" \
    test "${rs:-0}" -gt 0 -a "${rv:-0}" -gt 0
check "SMB1 client -k, the DC's smbd: GPT.INI byte for byte" cmp "$GPTINI" "$B/nt1.ini"
out=$(CL //dc1.lab.test/netlogon -I 127.0.0.1 -U "LAB\\alice%$UPASS" -m NT1 --signing required -c session 2>&1)
check_eq "twin: SMB1 client NTLM, the DC's smbd: auth spnego-ntlmssp" "$(val "$out" auth)" spnego-ntlmssp || dump "$out"
out=$(CL //127.0.0.1/netlogon -k -m NT1 -c session 2>&1); rc=$?
check_eq "twin: SMB1 client -k, server given by address (no cifs/127.0.0.1): exit 1" "$rc" 1
check_match "twin: SMB1 client -k by address: names the fix" "$out" 'server principal.*DNS name' || dump "$out"
out=$(KRB5CCNAME=FILE:$B/cc.none CL //dc1.lab.test/netlogon -I 127.0.0.1 -k -m NT1 -c session 2>&1); rc=$?
check_eq "twin: SMB1 client -k, no credential cache: exit 1" "$rc" 1
check_match "twin: SMB1 client -k, no credential cache: says run kinit" "$out" 'run kinit' || dump "$out"
srv_ns smb1 "$KT" "smb1 = yes"; check_eq "our server restarted with smb1 = yes" "$?" 0
rm -f "$B/nt1.bin"
out=$(CL //srv1.lab.test:4455/share -I 127.0.0.1 -k -m NT1 --signing required -c "session; get blob.bin $B/nt1.bin" 2>&1); rc=$?
check_eq "SMB1 client -k, our server: exit 0" "$rc" 0 || dump "$out"
check_eq "SMB1 client -k, our server: auth spnego-krb5" "$(val "$out" auth)" spnego-krb5
check_eq "SMB1 client -k, our server: signed" "$(val "$out" signing)" yes
check "SMB1 client -k, our server: file byte for byte" cmp "$B/srvshare/blob.bin" "$B/nt1.bin"
check_match "our server logged the SMB1 Kerberos session with signing on" "$(cat "$SRV_LOG")" "SMB1 session for 'alice@LAB.TEST': signing on"
srv_ns_stop
echo "# DC provisioning and the whole test: $(($(date +%s) - t0)) s"
