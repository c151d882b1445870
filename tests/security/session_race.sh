#!/bin/bash
# tests/security/session_race.sh - ksmbd CVE-2024-50283 class: racing
# SESSION_SETUPs on one session (tests/security/session_race.py, impacket
# framing, at 3.1.1 where every SESSION_SETUP feeds the preauth hash, and at
# 3.0). Each round, one connection sends a burst of pipelined SESSION_SETUPs
# on its in-progress session (valid AUTHENTICATE, NEGOTIATE restart, the
# AUTHENTICATE again, a wrong password, garbage) while 6 other connections
# send the same AUTHENTICATE on that SessionId at the same moment (half with
# the BINDING flag). Checks:
#  - only the first AUTHENTICATE on the owning connection succeeds, once per
#    round (twin: it does succeed every round, so the tokens are valid and
#    "at most once" could fail); no other connection's SESSION_SETUP on that
#    SessionId succeeds; no connection is dropped, no round errors;
#  - 40 first legs pipelined on one connection: every one answered (the
#    session cap refuses the excess), the connection stays up;
#  - afterwards the server serves smbclient, its open fds are back to the
#    count before the races, SIGTERM exits 0, and (ASan build under
#    tests/run.sh) the log has no sanitizer or leak report. The RSS before
#    and after is printed as a note.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../interop/server_lib.inc"
srv_setup
echo hello >"$SRV_DIR/share/hello.txt"
srv_start required || { not_ok "server starts"; test_cleanup; exit 1; }
nfds() { ls /proc/"$SRV_PID"/fd 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS/ { print $2 " kB" }' /proc/"$SRV_PID"/status 2>/dev/null; }
# warm up (first logon allocates what the server keeps for its lifetime)
smbc SMB3_11 required "ls" >/dev/null
fd0=$(nfds) rss0=$(rss)
NCONN=6 FLOOD=40
for d in 3.1.1 3.0; do
    rounds=$([ $d = 3.1.1 ] && echo 20 || echo 10)
    out=$(timeout 300 $SRV_PY "$(dirname "$0")/session_race.py" "$SRV_PORT" alice secret1 $d $NCONN $rounds $FLOOD 2>&1)
    echo "$out" | grep -v '^round' | sed 's/^/# /'
    sum=$(grep '^summary' <<<"$out")
    val() { sed -nE "s/.* $1=([0-9]+).*/\\1/p" <<<"$2"; }
    check_eq "$d: no round failed" "$(val errors "$sum")" 0
    check_eq "$d twin: the first AUTHENTICATE on the owning connection succeeds every round" "$(val a_first_ok "$sum")" $rounds
    check_eq "$d: no further SESSION_SETUP in the burst succeeds (one success per round)" "$(val a_success "$sum")" $rounds
    check_eq "$d: no other connection's SESSION_SETUP on that SessionId succeeds" "$(val others_success "$sum")" 0
    check_eq "$d: no connection dropped during the races" "$(val closed "$sum")" 0
    fl=$(grep '^flood' <<<"$out")
    check_eq "$d: $FLOOD pipelined first legs on one connection all answered, connection kept" \
        "$(($(val more "$fl") + $(val other "$fl")))/$(val closed "$fl")" "$FLOOD/0"
    if kill -0 "$SRV_PID" 2>/dev/null; then ok "$d: server alive after the races"; else not_ok "$d: server alive after the races"; fi
done
out=$(smbc SMB3_11 required "ls")
check_match "the server still serves smbclient (3.1.1, signed) afterwards" "$out" 'hello.txt'
fd1=
for i in $(seq 1 50); do
    fd1=$(nfds)
    [ "$fd1" -le "$fd0" ] && break
    sleep 0.1
done
check_eq "open fds back to the count before the races" "$fd1" "$fd0"
echo "# server RSS before the races $rss0, after $(rss)"
kill "$SRV_PID"
wait "$SRV_PID"
check_eq "SIGTERM: the server exits 0" "$?" 0
check "no sanitizer or leak report in the server log" bash -c "! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' '$SRV_LOG'"
test_cleanup
