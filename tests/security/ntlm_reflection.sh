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

D0=$D
D2=$(mk_tmpdir)
cp -a "$D/." "$D2/"
printf '[global]\nserver spn validation = yes\n' >"$D2/spn.conf"
for level in required auto spn; do
    if [ $level = spn ]; then
        D=$D2
        RELAY_SRV_CONF="$D2/spn.conf" timeout 120 unshare -n bash "$NS" "$SMBSIGN" "$D" auto "$D/stub" smbsign \
            >"$D/ns-auto.out" 2>&1
        for f in relay shell victim; do mv "$D/$f-auto.out" "$D/$f-spn.out"; done
        mv "$D/srv-auto.log" "$D/srv-spn.log"
    else
        timeout 120 unshare -n bash "$NS" "$SMBSIGN" "$D" "$level" "$D/stub" smbsign >"$D/ns-$level.out" 2>&1
    fi
    sed 's/^/# relay: /' "$D/relay-$level.out" | grep -v 'loaded\.\.' | tail -6
    sed 's/^/# victim: /' "$D/victim-$level.out" | tail -4
    sed 's/^/# server: /' "$D/srv-$level.log" | grep -v 'event loop' | tail -4
    [ -e "$D/share/owned.txt" ] && eval "owned_$level=yes" || eval "owned_$level=no"
    rm -f "$D/share/owned.txt"
done
D=$D0
relay_req=$(cat "$D/relay-required.out") shell_req=$(cat "$D/shell-required.out")
relay_auto=$(cat "$D/relay-auto.out") shell_auto=$(cat "$D/shell-auto.out")
check_match "our client's credentials reached our server through the relay (required)" "$relay_req" \
    "Authenticating against smb://127.0.0.1:4445 as [^ ]*ALICE SUCCEED"
check_nomatch "signing required: the reflected session lists nothing" "$shell_req" "hello\.txt"
check_eq "signing required: the reflected session wrote nothing" "$owned_required" no
check_match "signing required: the server refused the unsigned TREE_CONNECT" "$(cat "$D/srv-required.log")" \
    "TREE_CONNECT refused: unsigned request on a session that requires signing"
check_match "twin, signing auto: the relay authenticated as our client's user" "$relay_auto" "ALICE SUCCEED"
check_match "twin, signing auto: the reflected session lists the share" "$shell_auto" "hello\.txt"
check_eq "twin, signing auto: the reflected session wrote owned.txt" "$owned_auto" yes
relay_spn=$(cat "$D2/relay-spn.out") shell_spn=$(cat "$D2/shell-spn.out")
check_match "spn validation (signing auto): the relay's logon with our client's credentials fails" "$relay_spn" \
    "Authenticating against smb://127.0.0.1:4445 as [^ ]*ALICE FAILED"
check_nomatch "spn validation: nothing listed" "$shell_spn" "hello\.txt"
check_eq "spn validation: nothing written" "$owned_spn" no
check_match "spn validation: the server names the foreign target" "$(cat "$D2/srv-spn.log")" \
    "target name 'cifs/127.0.0.2' is not this server"
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
