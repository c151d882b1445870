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
. "$(dirname "$0")/../lib.sh"

AD_DC_TEST=kerberos_dc_more
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
srv_ns_stop
echo "# DC provisioning and the whole test: $(($(date +%s) - t0)) s"
