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
    relay_run smbclient $level
done
relay_checks relayed
! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$D"/srv-*.log && ok "server logs sanitizer-clean" ||
    not_ok "server logs sanitizer-clean"
exit 0
