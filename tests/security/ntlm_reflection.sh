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
#    cannot be signed by a relay without the key), exit status non-zero.
# What each side can do (docs/security.md is tests/security/README.md):
# the server's defence is requiring signing (the default); the client's is
# to sign and verify (the default) and to use Kerberos (-k required), which
# has no NTLM to relay.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/relay.inc"
relay_setup || exit 0

for level in required auto; do
    timeout 120 unshare -n bash "$NS" "$SMBSIGN" "$D" "$level" "$D/stub" smbsign >"$D/ns-$level.out" 2>&1
    sed 's/^/# relay: /' "$D/relay-$level.out" | grep -v 'loaded\.\.' | tail -6
    sed 's/^/# victim: /' "$D/victim-$level.out" | tail -4
    sed 's/^/# server: /' "$D/srv-$level.log" | grep -v 'event loop' | tail -4
    [ -e "$D/share/owned.txt" ] && eval "owned_$level=yes" || eval "owned_$level=no"
    rm -f "$D/share/owned.txt"
done
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
for level in required auto; do
    v=$(cat "$D/victim-$level.out")
    check_nomatch "$level: our client did not accept the relay's session (no listing, no session output)" "$v" \
        "^signing-algorithm|hello\.txt"
done
! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$D"/srv-*.log && ok "server logs sanitizer-clean" ||
    not_ok "server logs sanitizer-clean"
exit 0
