#!/bin/bash
# tests/cli/serve_check.sh - `smbsign serve --check` as the testparm of the
# server: exit 0 clean / 1 warnings / 2 errors, findings as FILE:LINE, the
# shipped dist/smbsign.conf accepted, --fail-on error for ExecStartPre, and
# the journald log format / sd_notify messages of a running server.
source "$(dirname "$0")/../lib.sh"

D=$(mk_tmpdir)
[ -n "$D" ] && [ -d "$D" ] || { not_ok "mk_tmpdir"; exit 1; }
mkdir -p "$D/share" "$D/ro"
install -m 0600 /dev/null "$D/users"
"$SMBSIGN" passwd -f "$D/users" --password-stdin alice <<<"Password" >/dev/null
port=$(free_port)
printf '[global]\nlisten = 127.0.0.1:%s\nusers = %s\nserver signing = mandatory\n[data]\npath = %s\n' \
    "$port" "$D/users" "$D/share" >"$D/ok.conf"
out=$("$SMBSIGN" serve -c "$D/ok.conf" --check 2>&1)
check_exit 0 "clean config: exit 0" "$SMBSIGN" serve -c "$D/ok.conf" --check
check_match "clean config: summary says 0 errors, 0 warnings" "$out" "check: 0 errors, 0 warnings"
check_match "clean config: effective settings printed" "$out" "effective server signing: required"
check_eq "--check --quiet on a clean config prints nothing" "$("$SMBSIGN" serve -c "$D/ok.conf" --check --quiet 2>&1)" ""
check_exit 0 "--check-config is the same check" "$SMBSIGN" serve -c "$D/ok.conf" --check-config --quiet

# users file wider than 0600
chmod 0700 "$D/users"
out=$("$SMBSIGN" serve -c "$D/ok.conf" --check --quiet 2>&1)
check_exit 1 "users file mode 0700: warning, exit 1" "$SMBSIGN" serve -c "$D/ok.conf" --check --quiet
check_match "users file mode 0700: FILE:LINE of the users key" "$out" "ok.conf:3: warning: users file .* mode 0700, wider than 0600"
check_exit 0 "--fail-on error: a warning exits 0 (ExecStartPre)" "$SMBSIGN" serve -c "$D/ok.conf" --check --quiet --fail-on error
chmod 0644 "$D/users"
out=$("$SMBSIGN" serve -c "$D/ok.conf" --check --quiet 2>&1)
check_exit 2 "world-readable users file: exit 2 (the server refuses it)" "$SMBSIGN" serve -c "$D/ok.conf" --check --quiet
check_match "world-readable users file: FILE:LINE and the fix" "$out" "ok.conf:3: error: users file .* mode 0644, readable by others .*chmod 600"
check_exit 2 "--fail-on error still fails on errors" "$SMBSIGN" serve -c "$D/ok.conf" --check --quiet --fail-on error
chmod 0600 "$D/users"
printf 'alice:nothex\n' >"$D/badusers"
chmod 600 "$D/badusers"
out=$("$SMBSIGN" serve -c "$D/ok.conf" --users "$D/badusers" --check --quiet 2>&1)
check_match "broken users file: its own FILE:LINE" "$out" "badusers:1: NTHASH must be 32 hex digits"

# share paths
printf '[global]\nlisten = 127.0.0.1:%s\nusers = %s\n\n[gone]\ncomment = missing directory\npath = %s\n[ro]\npath = %s\nread only = yes\n' \
    "$port" "$D/users" "$D/missing" "$D/ro" >"$D/shares.conf"
out=$("$SMBSIGN" serve -c "$D/shares.conf" --check --quiet 2>&1)
check_exit 2 "missing share path: exit 2" "$SMBSIGN" serve -c "$D/shares.conf" --check --quiet
check_match "missing share path: FILE:LINE of path" "$out" "shares.conf:7: error: share \[gone\]: path .*missing: No such file or directory"
check_nomatch "read-only share that exists: no finding" "$out" "\[ro\]"
printf '[global]\nlisten = 127.0.0.1:%s\nusers = %s\n[rw]\npath = %s\n' "$port" "$D/users" "$D/ro" >"$D/rw.conf"
out=$("$SMBSIGN" serve -c "$D/rw.conf" --check --quiet 2>&1)
check_nomatch "a writable share on a writable directory: no finding" "$out" "rw\]"
if [ "$(id -u)" != 0 ]; then
    chmod 000 "$D/ro"
    out=$("$SMBSIGN" serve -c "$D/shares.conf" --check --quiet 2>&1)
    check_match "unreadable share path: warning with FILE:LINE" "$out" "shares.conf:9: warning: share \[ro\]: path .* is not readable"
    chmod 755 "$D/ro"
elif unshare -m true 2>/dev/null; then
    # root reads everything; a read-only bind mount in a private mount
    # namespace (what ProtectSystem=strict does) makes the share unwritable
    out=$(unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && "$2" serve -c "$3" --check --quiet' \
        sh "$D/ro" "$SMBSIGN" "$D/rw.conf" 2>&1)
    check_match "share on a read-only mount: warning names ReadWritePaths" "$out" \
        "rw.conf:5: warning: share \[rw\]: path .* not writable .*Read-only file system.*ReadWritePaths="
else
    echo "# SKIP read-only share check: neither non-root nor allowed to unshare -m"
fi

# listen address in use: a listener of our own on a free loopback port
busy=$(free_port)
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(120)' "$busy" &
track_pid $!
wait_port 127.0.0.1 "$busy" 10
sed "s/^listen = .*/listen = 127.0.0.1:$busy/" "$D/ok.conf" >"$D/busy.conf"
out=$("$SMBSIGN" serve -c "$D/busy.conf" --check --quiet 2>&1)
check_exit 1 "listen address in use: exit 1" "$SMBSIGN" serve -c "$D/busy.conf" --check --quiet
check_match "listen address in use: FILE:LINE" "$out" "busy.conf:2: warning: listen 127.0.0.1:$busy: address already in use"
# 192.0.2.1 (TEST-NET-1) is never bound here; only bind() is tried, nothing is sent
check_exit 2 "listen address not on this host: exit 2" "$SMBSIGN" serve -c "$D/ok.conf" --listen "192.0.2.1:$port" --check --quiet

# settings that contradict each other
printf '[global]\nlisten = 127.0.0.1:%s\nusers = %s\nserver signing = mandatory\nguest ok = yes\nworker thread = no\nio threads = 2\nmax protocol = SMB3_02\nsigning algorithms = aes-cmac\nera = legacy\n' \
    "$port" "$D/users" >"$D/contra.conf"
out=$("$SMBSIGN" serve -c "$D/contra.conf" --check --quiet 2>&1)
check_exit 1 "contradictions: warnings, exit 1" "$SMBSIGN" serve -c "$D/contra.conf" --check --quiet
check_match "guest ok with signing required" "$out" "contra.conf:5: warning: guest access is enabled but signing is required"
check_match "io threads without the worker" "$out" "contra.conf:7: warning: io threads = 2 has no effect with worker thread = no"
check_match "3.1.1 algorithms with max protocol 3.0.2" "$out" "contra.conf:9: warning: signing algorithms apply to SMB 3.1.1 only"
check_match "era without smb1" "$out" "contra.conf:10: warning: era only changes SMB1"
check_match "summary counts 4 warnings" "$out" "check: 0 errors, 4 warnings"

# syntax errors keep their FILE:LINE
printf '[global]\nlisten = 127.0.0.1:%s\nusers = %s\nserver signing = sometimes\n' "$port" "$D/users" >"$D/bad.conf"
out=$("$SMBSIGN" serve -c "$D/bad.conf" --check 2>&1)
check_exit 2 "syntax error: exit 2" "$SMBSIGN" serve -c "$D/bad.conf" --check
check_match "syntax error: FILE:LINE" "$out" "bad.conf:4: server signing: 'sometimes'"
check_exit 2 "--fail-on with an unknown level is a usage error" "$SMBSIGN" serve --check --fail-on sometimes
check_exit 2 "--quiet without --check is a usage error" "$SMBSIGN" serve -c "$D/ok.conf" --quiet

# the shipped configuration (its users path pointed at a private directory)
mkdir -p "$D/etc/smbsign"
install -m 0600 /dev/null "$D/etc/smbsign/users"
sed -e "s|@SYSCONFDIR@|$D/etc|g" "$ROOT/dist/smbsign.conf" >"$D/shipped.conf"
check_match "shipped config: signing mandatory" "$(grep -E '^server signing' "$D/shipped.conf")" "= mandatory$"
# a private network namespace when allowed, so what listens on this host's
# port 445 does not change the result
NS=()
if unshare -rn true 2>/dev/null; then NS=(unshare -rn); elif unshare -n true 2>/dev/null; then NS=(unshare -n); fi
out=$("${NS[@]}" "$SMBSIGN" serve -c "$D/shipped.conf" --check 2>&1)
rc=$?
check_eq "shipped config: --check exits 0 (${NS[*]:-host network namespace})" "$rc" "0"
[ "$rc" != 0 ] && echo "$out" | sed 's/^/#   /'
check_match "shipped config: no user yet is a note, not a warning" "$out" "note: users file .* has no users yet"

# journald: "<N>" priorities and no timestamp when JOURNAL_STREAM names fd 2;
# READY=1 on $NOTIFY_SOCKET once listening, RELOADING=1/READY=1 on SIGHUP,
# STOPPING=1 on SIGTERM
python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(60)
try:
    while True:
        m=s.recv(4096).decode(); print(m.replace("\n","|"), flush=True)
        if "STOPPING=1" in m: break
except socket.timeout: pass' "$D/notify.sock" >"$D/notify.out" &
track_pid $!
for _ in $(seq 50); do [ -S "$D/notify.sock" ] && break; sleep 0.1; done
lport=$(free_port)
: >"$D/serve.err"
js=$(stat -c '%d:%i' "$D/serve.err")
JOURNAL_STREAM=$js NOTIFY_SOCKET=$D/notify.sock "$SMBSIGN" serve -c "$D/ok.conf" --listen "127.0.0.1:$lport" \
    >"$D/serve.out" 2>>"$D/serve.err" &
spid=$!
track_pid $spid
wait_port 127.0.0.1 "$lport" 20
for _ in $(seq 50); do grep -q READY=1 "$D/notify.out" && break; sleep 0.1; done
check_match "sd_notify: READY=1 with a STATUS once listening" "$(cat "$D/notify.out")" \
    "^READY=1\|STATUS=listening on 127.0.0.1:$lport, signing required"
kill -HUP $spid
for _ in $(seq 50); do [ "$(grep -c READY=1 "$D/notify.out")" -ge 2 ] && break; sleep 0.1; done
check_match "sd_notify: SIGHUP sends RELOADING=1 then READY=1" "$(tr '\n' ' ' <"$D/notify.out")" \
    "RELOADING=1\|MONOTONIC_USEC=[0-9]+ READY=1"
kill -TERM $spid
wait $spid
for _ in $(seq 50); do grep -q STOPPING=1 "$D/notify.out" && break; sleep 0.1; done
check_match "sd_notify: STOPPING=1 on SIGTERM" "$(cat "$D/notify.out")" "STOPPING=1"
check_match "journal: the reload line has a <4> (warning) priority and no timestamp" "$(cat "$D/serve.err")" \
    "^<4>SIGHUP: configuration reloaded"
check_nomatch "journal: no timestamps" "$(cat "$D/serve.err")" "^[0-9]{4}-[0-9]{2}-"
# negative twin: a JOURNAL_STREAM that does not name our stderr keeps timestamps
lport=$(free_port)
JOURNAL_STREAM=1:1 "$SMBSIGN" serve -c "$D/ok.conf" --listen "127.0.0.1:$lport" >/dev/null 2>"$D/serve2.err" &
spid=$!
track_pid $spid
wait_port 127.0.0.1 "$lport" 20
kill -HUP $spid
for _ in $(seq 50); do grep -q SIGHUP "$D/serve2.err" && break; sleep 0.1; done
kill -TERM $spid
wait $spid
check_match "not the journal: timestamped lines with level words" "$(cat "$D/serve2.err")" \
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z smbsign-serve AUDIT: SIGHUP"
exit 0
