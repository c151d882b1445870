#!/bin/bash
# tests/security/ntlm_relay.sh - the NTLM relay of issue 18 with impacket's
# ntlmrelayx, in a private network namespace (tests/security/ntlm_relay_ns.bash):
# smbclient logs on as alice to the relay (127.0.0.2:445), which relays the
# NTLM exchange to `smbsign serve` (127.0.0.1:4445) and then uses the session
# through its interactive shell (list the share, upload a file).
#  - signing required ("mandatory"): the relay authenticates (NTLM cannot stop
#    that) but gets no tree: the server refuses the unsigned TREE_CONNECT, the
#    share is neither listed nor written;
#  - twin, signing auto: the same relay lists the share and writes owned.txt,
#    which shows the threat is real and the first case fails on a server that
#    does not enforce signing.
# Debian's impacket 0.10 imports dsinternals (not packaged) from ntlmrelayx's
# LDAP attack module: a stub package on PYTHONPATH satisfies the import.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/relay.inc"
relay_setup || exit 0

for level in required auto; do
    timeout 120 unshare -n bash "$NS" "$SMBSIGN" "$D" "$level" "$D/stub" smbclient >"$D/ns-$level.out" 2>&1
    sed 's/^/# relay: /' "$D/relay-$level.out" | grep -v 'loaded\.\.' | tail -8
    sed 's/^/# shell: /' "$D/shell-$level.out" | tail -8
    sed 's/^/# server: /' "$D/srv-$level.log" | grep -v 'event loop' | tail -6
    [ -e "$D/share/owned.txt" ] && eval "owned_$level=yes" || eval "owned_$level=no"
done
relay_req=$(cat "$D/relay-required.out") shell_req=$(cat "$D/shell-required.out")
relay_auto=$(cat "$D/relay-auto.out") shell_auto=$(cat "$D/shell-auto.out")
check_match "relay reached the server and authenticated as alice (required)" "$relay_req" \
    "Authenticating against smb://127.0.0.1:4445 as [^ ]*ALICE SUCCEED"
check_nomatch "signing required: the relayed session lists nothing" "$shell_req" "hello\.txt"
check_eq "signing required: the relayed session wrote nothing" "$owned_required" no
check_match "signing required: the server refused the unsigned TREE_CONNECT" "$(cat "$D/srv-required.log")" \
    "TREE_CONNECT refused: unsigned request on a session that requires signing"
check_match "twin, signing auto: the relay authenticated" "$relay_auto" "ALICE SUCCEED"
check_match "twin, signing auto: the relayed session lists the share" "$shell_auto" "hello\.txt"
check_eq "twin, signing auto: the relayed session wrote owned.txt" "$owned_auto" yes
! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$D"/srv-*.log && ok "server logs sanitizer-clean" ||
    not_ok "server logs sanitizer-clean"
exit 0
