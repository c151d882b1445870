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
for tool in kinit klist; do
    command -v "$tool" >/dev/null 2>&1 || { not_ok "kerberos_dc: $tool is not installed (krb5-user, scripts/deps.sh)"; exit 1; }
done

val() { printf '%s\n' "$1" | awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }'; }
CL() { nsx "$SMBSIGN" client "$@"; }
dump() { printf '%s\n' "$1" | tail -${2:-5} | sed 's/^/#   /'; }

# ---------------------------------------------------------------- Kerberos setup
mkdir -p "$B/rcache"
cat >"$B/krb5.conf" <<EOK
[libdefaults]
    default_realm = LAB.TEST
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    dns_canonicalize_hostname = false
[realms]
    LAB.TEST = {
        kdc = 127.0.0.1
    }
[domain_realm]
    .lab.test = LAB.TEST
    lab.test = LAB.TEST
EOK
export KRB5_CONFIG=$B/krb5.conf
export KRB5RCACHEDIR=$B/rcache
export KRB5CCNAME=FILE:$B/cc.alice
kin() { # CCACHE PRINCIPAL PASSWORD [kinit args]
    local cc=$1 p=$2 pw=$3; shift 3
    printf '%s\n' "$pw" | KRB5CCNAME=FILE:$cc nsx kinit "$@" "$p" >"$B/log/kinit.out" 2>&1
}
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
check_match "server given by address: names the server principal fix" "$out" 'server principal.*DNS name' || dump "$out"
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
