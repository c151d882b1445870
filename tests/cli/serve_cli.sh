#!/bin/bash
# tests/cli/serve_cli.sh - contracts of `smbsign serve` and `smbsign passwd`
# that need no peer: help, usage errors, the user database file, configuration
# errors with FILE:LINE, --check-config, and demo mode's printed instructions.
source "$(dirname "$0")/../lib.sh"

D=$(mk_tmpdir)
check_exit 0 "serve --help exits 0" "$SMBSIGN" serve --help
check_match "serve --help has examples" "$("$SMBSIGN" serve --help)" "smbclient //127.0.0.1/data"
check_exit 0 "passwd --help exits 0" "$SMBSIGN" passwd --help
check_exit 2 "serve: unknown option exits 2" "$SMBSIGN" serve --no-such-option
check_exit 2 "serve: bad --signing exits 2" "$SMBSIGN" serve --signing sometimes --check-config
check_exit 2 "serve: bad --share exits 2" "$SMBSIGN" serve --share nopath --users /dev/null --check-config
check_exit 2 "serve: share path that does not exist exits 2" "$SMBSIGN" serve --share "x=$D/missing" --check-config
check_exit 2 "passwd: no user exits 2" "$SMBSIGN" passwd -f "$D/users" --password-stdin </dev/null
check_exit 2 "passwd: invalid user name exits 2" "$SMBSIGN" passwd -f "$D/users" --password-stdin 'a:b' <<<"pw"
check_exit 2 "passwd: empty password exits 2" "$SMBSIGN" passwd -f "$D/users" --password-stdin alice <<<""

check_exit 0 "passwd: adds a user" "$SMBSIGN" passwd -f "$D/users" --password-stdin alice <<<"Password"
check_eq "passwd: file mode 0600" "$(stat -c %a "$D/users")" "600"
# MS-NLMP 4.2.2.1.2: NTOWFv1("Password") = a4f49c406510bdcab6824ee7c30fd852
check_match "passwd: stores NAME:NTHASH" "$(cat "$D/users")" "^alice:a4f49c406510bdcab6824ee7c30fd852$"
"$SMBSIGN" passwd -f "$D/users" --password-stdin ALICE <<<"other" >/dev/null
check_eq "passwd: changing a user keeps one line" "$(grep -ci '^alice:' "$D/users")" "1"
check_nomatch "passwd: the password is not in the file" "$(cat "$D/users")" "other|Password"

mkdir -p "$D/share"
cat >"$D/ok.conf" <<EOF
[global]
listen = 127.0.0.1:4999
users = $D/users
server signing = auto
signing algorithms = aes-cmac, hmac-sha256
[data]
path = $D/share
read only = yes
EOF
out=$("$SMBSIGN" serve -c "$D/ok.conf" --check-config 2>&1)
check_match "check-config: effective level" "$out" "effective server signing: enabled"
check_match "check-config: SecurityMode" "$out" "SecurityMode: 0x0001"
check_match "check-config: algorithm order" "$out" "preferred first: aes-cmac hmac-sha256"
check_match "check-config: share listed read only" "$out" "share: data -> .* \(read only\)"
printf '[global]\nlisten = 127.0.0.1:4999\n\n[data]\npath = %s\nbogus key = 1\n' "$D/share" >"$D/bad.conf"
out=$("$SMBSIGN" serve -c "$D/bad.conf" --check-config 2>&1)
check_match "config error names FILE:LINE" "$out" "bad.conf:6: unknown key 'bogus key' in share \[data\]"
chmod 644 "$D/users"
out=$("$SMBSIGN" serve -c "$D/ok.conf" --listen 127.0.0.1:1 2>&1)
check_match "a world-readable user db is refused" "$out" "readable by others; chmod 600"
chmod 600 "$D/users"

# demo mode: prints where, who and how, then serves until SIGTERM
port=$(free_port)
TMPDIR=$D "$SMBSIGN" serve --listen "127.0.0.1:$port" >"$D/demo.out" 2>"$D/demo.err" &
pid=$!
track_pid $pid
wait_port 127.0.0.1 "$port" 20
sleep 0.3
out=$(cat "$D/demo.out")
check_match "demo: listening line with signing required" "$out" "listening on 127.0.0.1:$port, signing required"
check_match "demo: prints the demo user and password" "$out" "demo user 'demo', password '[A-Za-z0-9]+'"
check_match "demo: prints the smbclient command line" "$out" "smbclient //127.0.0.1/share -p $port -U 'demo%[A-Za-z0-9]+'"
check "demo: the shared directory exists" test -f "$(ls -d "$D"/smbsign-demo.*)/share/README.txt"
kill -TERM $pid
wait $pid
check_eq "demo: SIGTERM exits 0" "$?" "0"
exit 0
