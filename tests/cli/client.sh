#!/bin/bash
# tests/cli/client.sh - `smbsign client` command-line contracts (no server
# needed): help, usage errors exit 2, connection failures exit 1 with the
# NTSTATUS name.
. "$(dirname "$0")/../lib.sh"

out=$("$SMBSIGN" client --help 2>&1); rc=$?
check_eq "client --help exits 0" "$rc" 0
check_match "client --help shows the synopsis" "$out" "smbsign client //HOST\[:PORT\]/SHARE"
check_match "client --help has examples" "$out" "Examples:"
check_match "client --help lists the session command" "$out" "session"
check_exit 2 "missing target is a usage error" "$SMBSIGN" client
check_exit 2 "malformed target is a usage error" "$SMBSIGN" client 127.0.0.1/share -N
check_exit 2 "target without share is a usage error" "$SMBSIGN" client //127.0.0.1 -N
check_exit 2 "bad port is a usage error" "$SMBSIGN" client //127.0.0.1:99999/share -N
check_exit 2 "bad --signing is a usage error" "$SMBSIGN" client //127.0.0.1/share -N --signing sometimes
check_exit 2 "unknown dialect is a usage error" "$SMBSIGN" client //127.0.0.1/share -N -m 4.0
check_exit 2 "--min-dialect above -m is a usage error" "$SMBSIGN" client //127.0.0.1/share -N -m 2.1 --min-dialect 3.0
check_exit 2 "unknown profile is a usage error" "$SMBSIGN" client //127.0.0.1/share -N --profile no-such-os
check_exit 2 "--signing with --profile is a usage error" "$SMBSIGN" client //127.0.0.1/share -N --signing required --profile no-such-os
check_exit 2 "unreadable auth file is a usage error" "$SMBSIGN" client //127.0.0.1/share -A /nonexistent/auth
# nothing listens on this port: connection refused, exit 1, NTSTATUS name printed
p=$(free_port)
out=$("$SMBSIGN" client "//127.0.0.1:$p/share" -N -c session 2>&1); rc=$?
check_eq "connection refused exits 1" "$rc" 1
check_match "connection refused prints the NTSTATUS name" "$out" "STATUS_CONNECTION_REFUSED"
# a password from the environment is used without a prompt (stdin closed)
out=$(SMBSIGN_PASSWORD=x "$SMBSIGN" client "//127.0.0.1:$p/share" -U someone -c session </dev/null 2>&1); rc=$?
check_match "SMBSIGN_PASSWORD is taken without prompting" "rc=$rc $out" "rc=1 .*STATUS_CONNECTION_REFUSED"
exit 0
