#!/bin/bash
# tests/interop/server_reload.sh - `systemctl reload smbsign-serve` = SIGHUP:
# users and shares are re-read without dropping sessions. An impacket client
# keeps one signed session open across the reload; a user and a share added
# before the SIGHUP work for new connections only after it (negative twins
# before), a user removed is refused on new connections while the open
# session of that user keeps working. Also with only --users/--share (no -c).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"

srv_setup
mkdir -p "$SRV_DIR/new"
echo "new share content" >"$SRV_DIR/new/n.txt"
echo "hello" >"$SRV_DIR/share/a.txt"
port=$(free_port)
conf=$SRV_DIR/reload.conf
printf '[global]\nlisten = 127.0.0.1:%s\nusers = %s\nserver signing = mandatory\n[share]\npath = %s\n' \
    "$port" "$SRV_DIR/users" "$SRV_DIR/share" >"$conf"
"$SMBSIGN" serve -c "$conf" --log-level info >"$SRV_DIR/out" 2>"$SRV_DIR/log" &
pid=$!
track_pid $pid
wait_port 127.0.0.1 "$port" 20 || { not_ok "server listens"; cat "$SRV_DIR/log"; exit 1; }

# A long-lived session: logs in as alice, lists the share, then waits for a
# line on stdin before listing again on the same connection.
cat >"$SRV_DIR/hold.py" <<'PY'
import sys
from impacket.smbconnection import SMBConnection
port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port)
c.login(user, pw)
print("signing", c.isSigningRequired(), flush=True)
print("before", sorted(f.get_longname() for f in c.listPath("share", "*")), flush=True)
sys.stdin.readline()
print("after", sorted(f.get_longname() for f in c.listPath("share", "*")), flush=True)
c.logoff()
PY
cat >"$SRV_DIR/try.py" <<'PY'
import sys
from impacket.smbconnection import SMBConnection
port, user, pw, share = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
try:
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port)
    c.login(user, pw)
    print("ok", sorted(f.get_longname() for f in c.listPath(share, "*")))
except Exception as e:
    print("refused", e)
PY
try_as() { timeout 60 "$SRV_PY" "$SRV_DIR/try.py" "$port" "$@" 2>&1; }

mkfifo "$SRV_DIR/fifo"
timeout 120 "$SRV_PY" "$SRV_DIR/hold.py" "$port" bob hunter22 <"$SRV_DIR/fifo" >"$SRV_DIR/hold.out" 2>&1 &
hold=$!
track_pid $hold
exec 7>"$SRV_DIR/fifo"
for _ in $(seq 100); do grep -q '^before' "$SRV_DIR/hold.out" && break; sleep 0.2; done
check_match "held session: bob logged in with signing and listed the share" "$(cat "$SRV_DIR/hold.out")" "^before .*a\.txt"
check_match "held session: signing is required on it" "$(cat "$SRV_DIR/hold.out")" "^signing True$"

# negative twins before the reload
printf 'pw-carol\n' | "$SMBSIGN" passwd -f "$SRV_DIR/users" --password-stdin carol >/dev/null
printf '[new]\npath = %s\nread only = yes\n' "$SRV_DIR/new" >>"$conf"
check_match "before SIGHUP: a user added to the file is not known yet" "$(try_as carol pw-carol share)" "^refused"
check_match "before SIGHUP: a share added to the config is not there yet" "$(try_as alice secret1 new)" "^refused"
# remove bob from the users file (the held session is bob's)
grep -v '^bob:' "$SRV_DIR/users" >"$SRV_DIR/users.new" && cat "$SRV_DIR/users.new" >"$SRV_DIR/users"

kill -HUP $pid
for _ in $(seq 50); do grep -q 'configuration reloaded' "$SRV_DIR/log" && break; sleep 0.1; done
check_match "SIGHUP: reload logged" "$(cat "$SRV_DIR/log")" "configuration reloaded"
check_match "after SIGHUP: the new user logs in" "$(try_as carol pw-carol share)" "^ok .*a\.txt"
check_match "after SIGHUP: the new share is served" "$(try_as alice secret1 new)" "^ok .*n\.txt"
check_match "after SIGHUP: the removed user is refused on a new connection" "$(try_as bob hunter22 share)" "^refused"
echo >&7
exec 7>&-
wait $hold
check_match "the session opened before the reload still works (same connection, signed)" \
    "$(cat "$SRV_DIR/hold.out")" "^after .*a\.txt"
check "the server is still running" kill -0 $pid

# a reload that fails keeps the running configuration
echo "bogus key = 1" >>"$conf"
kill -HUP $pid
for _ in $(seq 50); do grep -q 'reload failed' "$SRV_DIR/log" && break; sleep 0.1; done
check_match "a broken config on SIGHUP: reload failed, logged with FILE:LINE" "$(cat "$SRV_DIR/log")" "reload: .*reload\.conf:[0-9]+: unknown key 'bogus key'"
check_match "... and the running configuration stays" "$(try_as carol pw-carol new)" "^ok .*n\.txt"
kill -TERM $pid
wait $pid
check_eq "SIGTERM exits 0" "$?" "0"

# without -c: SIGHUP still re-reads the users file
port=$(free_port)
"$SMBSIGN" serve --listen "127.0.0.1:$port" --share "share=$SRV_DIR/share" --users "$SRV_DIR/users" \
    >/dev/null 2>"$SRV_DIR/log2" &
pid=$!
track_pid $pid
wait_port 127.0.0.1 "$port" 20
printf 'pw-dave\n' | "$SMBSIGN" passwd -f "$SRV_DIR/users" --password-stdin dave >/dev/null
check_match "no -c, before SIGHUP: dave unknown" "$(try_as dave pw-dave share)" "^refused"
kill -HUP $pid
for _ in $(seq 50); do grep -q 'configuration reloaded' "$SRV_DIR/log2" && break; sleep 0.1; done
check_match "no -c, after SIGHUP: dave logs in" "$(try_as dave pw-dave share)" "^ok .*a\.txt"
kill -TERM $pid
wait $pid
exit 0
