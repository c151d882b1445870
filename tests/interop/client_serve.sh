#!/bin/bash
# tests/interop/client_serve.sh - our client against our server (both signing),
# with several READs/WRITEs in flight (pipelined frames).
. "$(dirname "$0")/../lib.sh"
T=$(mk_tmpdir)
mkdir -p "$T/share"
printf 'pw\n' | "$SMBSIGN_REL" passwd -f "$T/users" u --password-stdin >/dev/null 2>&1 || not_ok "passwd"
port=$(free_port)
"$SMBSIGN_REL" serve --listen 127.0.0.1:$port --share share="$T/share" --users "$T/users" --signing required \
    >"$T/srv.log" 2>&1 &
track_pid $!
wait_port 127.0.0.1 $port 20 || not_ok "server did not start"
head -c 24000000 /dev/urandom >"$T/f"
for d in 2.1 3.0 3.1.1; do
    rm -f "$T/y"
    v=
    [ "$d" = 3.1.1 ] && v=-v # transfer summary (bench/client_bench.sh reads it)
    out=$(cd "$T" && timeout 120 "$SMBSIGN_REL" client //127.0.0.1:$port/share -U u%pw -m "$d" $v \
        -c "put f x$d; get x$d y; session" 2>&1)
    rc=$?
    check_eq "dialect $d: put+get of 24 MB with requests in flight exits 0" "$rc" 0
    check "dialect $d: identical bytes" cmp "$T/f" "$T/y"
    check_match "dialect $d: session signs" "$out" '^signing on'
    check_match "dialect $d: negotiated $d" "$out" "^dialect $d\$"
    if [ -n "$v" ]; then
        check_match "dialect $d -v: put summary" "$out" "^put f -> x$d: 24000000 bytes in [0-9.]+ s \([0-9.]+ MiB/s\)\$"
        check_match "dialect $d -v: get summary" "$out" "^get x$d -> y: 24000000 bytes in [0-9.]+ s \([0-9.]+ MiB/s\)\$"
    else
        check_nomatch "dialect $d without -v: no transfer summary" "$out" "bytes in [0-9.]+ s"
    fi
done
out=$(timeout 60 "$SMBSIGN_REL" client //127.0.0.1:$port/share -U u%wrong -c 'ls' 2>&1); rc=$?
check_eq "wrong password exits 1" "$rc" 1
check_match "wrong password reports STATUS_LOGON_FAILURE" "$out" 'STATUS_LOGON_FAILURE'
out=$(timeout 60 "$SMBSIGN_REL" client //127.0.0.1:$port/share -U u%pw --signing disabled -c 'session' 2>&1); rc=$?
check_eq "client signing disabled against a requiring server still connects" "$rc" 0
check_match "... and the session signs (server requires)" "$out" '^signing on'
check "server still alive" kill -0 "${TEST_PIDS[0]}"
