#!/bin/bash
# tests/security/ntlm_reflection.sh - the reflection class of CVE-2025-33073:
# a client coerced to authenticate to an attacker, who relays that NTLM
# authentication back to a server on the client's own host. Here the victim
# is our client (`smbsign client //127.0.0.2/share`, alice), the attacker is
# impacket ntlmrelayx on 127.0.0.2:445, and the relay target is our server
# on the same host (127.0.0.1:4445), all in a private network namespace
# (tests/security/ntlm_relay_ns.bash).
#  - server signing required: the relay authenticates with our client's
#    credentials (NTLM cannot stop that) but gets no tree: the unsigned
#    TREE_CONNECT is refused, nothing listed, nothing written;
#  - twin, server signing auto: the same relay lists the share and writes
#    owned.txt with our client's identity (the threat is real);
#  - in both, our client itself refuses the session the relay offers it (it
#    cannot be signed by a relay without the key);
#  - signing auto but "server spn validation = yes": our client's NTLM
#    AUTHENTICATE names the server it meant to reach (MsvAvTargetName
#    cifs/127.0.0.2, covered by the NTProofStr), which is not our server:
#    the relay's logon fails, nothing listed or written; twins: the same
#    server accepts our client and smbclient connecting to it directly.
# What each side can do (tests/security/README.md): the server requires
# signing (the default) and can check the SPN; our client signs and
# verifies (the default), sends its SPN, and can use Kerberos (-k required),
# which has no NTLM to relay.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/relay.inc"
relay_setup || exit 0

relay_run smbsign required
relay_run smbsign auto
relay_checks reflected
D0=$D
D=$(mk_tmpdir)
cp -a "$D0/." "$D/"
printf '[global]\nserver spn validation = yes\n' >"$D/spn.conf"
relay_run smbsign auto spn "$D/spn.conf"
check_match "spn validation (signing auto): the relay's logon with our client's credentials fails" \
    "$(cat "$D/relay-spn.out")" "Authenticating against smb://127.0.0.1:4445 as [^ ]*ALICE FAILED"
check_nomatch "spn validation: nothing listed" "$(cat "$D/shell-spn.out")" "hello\.txt"
check_eq "spn validation: nothing written" "$OWNED_spn" no
check_match "spn validation: the server names the foreign target" "$(cat "$D/srv-spn.log")" \
    "target name 'cifs/127.0.0.2' is not this server"
D2=$D D=$D0
for level in required auto; do
    v=$(cat "$D/victim-$level.out")
    check_nomatch "$level: our client did not accept the relay's session (no listing, no session output)" "$v" \
        "^signing-algorithm|hello\.txt"
done
# twins of spn validation, on loopback outside the namespace: the same
# configuration accepts our client and smbclient that connect to it directly
source "$(dirname "$0")/../interop/server_lib.inc"
srv_setup
echo hello >"$SRV_DIR/share/hello.txt"
if srv_start auto 127.0.0.1 "" -c "$D2/spn.conf"; then
    out=$(timeout 60 "$SMBSIGN" client "//127.0.0.1:$SRV_PORT/share" -U alice%secret1 -c ls 2>&1)
    check_match "twin: spn validation accepts our client connecting directly (cifs/127.0.0.1)" "$out" "hello\.txt"
    out=$(smbc SMB3_11 auto ls)
    check_match "twin: spn validation accepts smbclient connecting directly" "$out" "hello\.txt"
    srv_stop
    cp "$SRV_LOG" "$D/srv-direct.log"
else
    not_ok "server with spn validation starts"
fi
! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$D"/srv-*.log "$D2"/srv-*.log && ok "server logs sanitizer-clean" ||
    not_ok "server logs sanitizer-clean"
exit 0
