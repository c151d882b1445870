#!/bin/bash
# tests/cli/smb1_eras.sh - the two SMB1 eras driven by OS profiles on real loopback
# connections (our server and our client): a legacy server profile that requires
# signing (win2003-dc) refuses TREE_CONNECT from a legacy client that does not sign
# (STATUS_ACCESS_DENIED, KB887429) and serves a signing winxp-profile client; a legacy
# client that requires signing hangs up after NEGOTIATE on a server profile with
# signing disabled (winxp: 1240) but signs with the current twin (winxp-kb950876);
# and the mixed-era pairs of docs/policy.md (current required client vs legacy
# disabled server: 1240 at session setup; legacy disabled client vs current required
# server: ACCESS_DENIED at tree connect).
# Also: SMB1 is off without `smb1 = yes`, and a bad `smb1`/`era` value is a
# configuration error.
. "$(dirname "$0")/../lib.sh"
T=$(mk_tmpdir)
mkdir -p "$T/share"
printf 'pw1\n' | "$SMBSIGN" passwd -f "$T/users" --password-stdin alice >/dev/null
printf '[global]\nsmb1 = yes\n' >"$T/smb1.conf"
echo "era data" >"$T/share/e.txt"

start() { # PROFILE [CONF]
    local i
    for i in 1 2 3; do
        PORT=$(free_port)
        "$SMBSIGN" serve -c "${2:-$T/smb1.conf}" --listen "127.0.0.1:$PORT" --share "s=$T/share" --users "$T/users" \
            --profile "$1" --log-level info >"$T/srv.log" 2>&1 &
        PID=$!
        track_pid $PID
        wait_port 127.0.0.1 "$PORT" 10 && kill -0 $PID 2>/dev/null && return 0
        kill $PID 2>/dev/null
    done
    return 1
}
stop() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }
cl() { "$SMBSIGN" client "//127.0.0.1:$PORT/s" -U alice%pw1 -m NT1 -t 10 "$@" 2>&1; }

start win2003-dc || not_ok "server starts (win2003-dc)"
check_match "win2003-dc: SecurityMode 15, legacy era" "$(sleep 0.2; cl --signing disabled --era legacy -c session; cat "$T/srv.log")" \
    "SecurityMode 15 \(legacy era\)"
out=$(cl --signing disabled --era legacy -c 'get e.txt '"$T/e1")
check_match "win2003-dc vs legacy non-signing client: TREE_CONNECT gets ACCESS_DENIED" "$out" \
    "tree connect to s: STATUS_ACCESS_DENIED"
out=$(cl --profile winxp -c 'get e.txt '"$T/e2"'; session')
check_match "win2003-dc vs winxp profile client (enabled): signed, file read" "$out" "signing yes"
check "win2003-dc vs winxp: identical bytes" cmp -s "$T/share/e.txt" "$T/e2"
stop

start winxp || not_ok "server starts (winxp)"
out=$(cl --signing required --era legacy -c session)
check_match "winxp server (disabled) vs legacy required client: hang-up after NEGOTIATE, 1240" "$out" \
    "ERROR_LOGIN_WKSTA_RESTRICTION.*after NEGOTIATE"
stop
# mixed era (docs/policy.md): a current client that requires signing against a legacy
# server with signing disabled goes past NEGOTIATE, gets an unsigned final SESSION_SETUP
# response and drops the session (1240 at session setup)
start winxp || not_ok "server starts (winxp, mixed)"
out=$(cl --signing required --era current -c session)
check_match "winxp server vs current required client: 1240 at session setup (unsigned final response)" "$out" \
    "ERROR_LOGIN_WKSTA_RESTRICTION.*final SESSION_SETUP response is unsigned"
stop
# mixed era: legacy non-signing client against a current server that requires signing
start win2003-dc-kb950876 || not_ok "server starts (win2003-dc-kb950876)"
out=$(cl --signing disabled --era legacy -c session)
check_match "win2003-dc-kb950876 vs legacy non-signing client: ACCESS_DENIED at tree connect" "$out" \
    "tree connect to s: STATUS_ACCESS_DENIED"
out=$(cl --signing disabled --era current -c session)
check_match "win2003-dc-kb950876 vs current disabled client: signs (Declined signs when required)" "$out" "signing yes"
stop
start winxp-kb950876 || not_ok "server starts (winxp-kb950876)"
out=$(cl --signing required --era current -c session)
check_match "winxp-kb950876 server (disabled, current) vs current required client: signed" "$out" "signing yes"
stop

# off by default, and strict config values
printf '[global]\n' >"$T/none.conf"
start server2022 "$T/none.conf" || not_ok "server starts (no smb1)"
out=$(cl --signing enabled -c session)
check_match "without smb1 = yes an NT1-only client is refused" "$out" "connect to 127.0.0.1:$PORT \(NT LM 0.12\)"
stop
printf '[global]\nsmb1 = maybe\n' >"$T/bad1.conf"
check_exit 2 "smb1 = maybe is a configuration error" "$SMBSIGN" serve -c "$T/bad1.conf" --check-config
printf '[global]\nera = ancient\n' >"$T/bad2.conf"
check_exit 2 "era = ancient is a configuration error" "$SMBSIGN" serve -c "$T/bad2.conf" --check-config
