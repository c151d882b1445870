#!/bin/bash
# tests/interop/server_workers.sh - "workers = N": one event loop per core,
# each owning its connections (docs/server.md "Threads and locking").
#  - serve --check-config refuses "workers = 0" and garbage with FILE:LINE
#    (twins: "workers = 3" and "auto" are accepted and printed);
#  - the server really runs N loops: its threads smbsign-loop1..N-1 and
#    smbsign-core0..N-1 exist (twin: --workers 1 has no smbsign-loop1);
#  - two concurrent signed smbclient downloads are served by two different
#    loops: the log names loop 0 and loop 1, and both loops' core threads
#    spent CPU (from /proc/PID/task/TID/stat); twin: with --workers 1 both
#    land on loop 0 and there is no second core thread;
#  - SIGTERM with held connections on two loops: every loop flushes and
#    closes, the server exits 0 and the log counts the connections on both
#    loops (twin: before SIGTERM the server is up and serving them);
#  - a SIGHUP reload keeps one share-mode table: an open made before the
#    reload still conflicts with one made after it on another loop.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"

srv_setup
head -c $((48 * 1024 * 1024)) /dev/urandom >"$SRV_DIR/share/big"
head -c $((4 * 1024 * 1024 + 5)) /dev/urandom >"$SRV_DIR/mid"
san_clean() { ! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer|ThreadSanitizer' "$SRV_LOG"; }
# comm names of the server's threads, one line
threads() { cat /proc/"$SRV_PID"/task/*/comm 2>/dev/null | sort | tr '\n' ' '; }
# CPU ticks (user + system) of the server thread named $1 (empty when absent)
thread_ticks() {
    local t
    for t in /proc/"$SRV_PID"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = "$1" ] && awk '{ print $14 + $15 }' "$t/stat" && return
    done
}
two_gets() {
    local i
    for i in 1 2; do
        smbc SMB3_11 required "get big got$i" >"$SRV_DIR/get$i.out" 2>&1 &
    done
    wait
    cmp -s "$SRV_DIR/share/big" "$SRV_DIR/got1" && cmp -s "$SRV_DIR/share/big" "$SRV_DIR/got2"
}

# ---- configuration
printf '[global]\nlisten = 127.0.0.1:4445\nworkers = 0\n' >"$SRV_DIR/w0.conf"
out=$("$SMBSIGN" serve -c "$SRV_DIR/w0.conf" --users "$SRV_DIR/users" --check-config 2>&1)
check_exit 2 "workers = 0: --check-config exits 2" "$SMBSIGN" serve -c "$SRV_DIR/w0.conf" --users "$SRV_DIR/users" --check-config
check_match "workers = 0: FILE:LINE in the message" "$out" "w0.conf:3: workers: '0' is not 1\.\.256"
printf '[global]\nworkers = many\n' >"$SRV_DIR/wg.conf"
out=$("$SMBSIGN" serve -c "$SRV_DIR/wg.conf" --users "$SRV_DIR/users" --check-config 2>&1)
check_exit 2 "workers = many: --check-config exits 2" "$SMBSIGN" serve -c "$SRV_DIR/wg.conf" --users "$SRV_DIR/users" --check-config
check_match "workers = many: FILE:LINE in the message" "$out" "wg.conf:2: workers: 'many'"
printf '[global]\nworkers = 257\n' >"$SRV_DIR/wbig.conf"
check_exit 2 "workers = 257 (over the cap): refused" "$SMBSIGN" serve -c "$SRV_DIR/wbig.conf" --users "$SRV_DIR/users" --check-config
check_exit 2 "--workers -1: refused" "$SMBSIGN" serve --users "$SRV_DIR/users" --workers -1 --check-config
printf '[global]\nworkers = 3\n' >"$SRV_DIR/w3.conf"
out=$("$SMBSIGN" serve -c "$SRV_DIR/w3.conf" --users "$SRV_DIR/users" --check-config 2>&1)
check_match "twin: workers = 3 accepted and printed" "$out" "^workers: 3 event loops \(configured\)"
out=$("$SMBSIGN" serve --users "$SRV_DIR/users" --check-config 2>&1)
check_match "twin: default is one loop per online CPU ($(nproc))" "$out" "^workers: $(nproc) event loops? \(auto"

# ---- N loops: threads
if srv_start required 127.0.0.1 "" --workers 3; then
    th=$(threads)
    check_match "--workers 3: threads smbsign-loop1 and smbsign-loop2" "$th" "smbsign-loop1 smbsign-loop2 "
    check_match "--workers 3: a core thread per loop" "$th" "smbsign-core0 smbsign-core1 smbsign-core2 "
    check_nomatch "--workers 3: no fourth loop" "$th" "smbsign-loop3|smbsign-core3"
    check_match "--workers 3: startup line" "$(cat "$SRV_LOG")" "INFO: 3 event loop\(s\)"
    srv_stop
fi
if srv_start required 127.0.0.1 "" --workers 1; then
    th=$(threads)
    check_nomatch "twin: --workers 1 has no second loop thread" "$th" "smbsign-loop1|smbsign-core1"
    check_match "twin: --workers 1 still has its core thread" "$th" "smbsign-core0"
    # two concurrent downloads, both on loop 0
    check "--workers 1: two concurrent signed downloads, identical bytes" two_gets
    check_nomatch "twin: --workers 1 serves both on loop 0" "$(cat "$SRV_LOG")" "connected \(event loop 1"
    # every connection (the port probe of srv_start, the two smbclients) on loop 0
    n_all=$(grep -c 'connected (event loop' "$SRV_LOG"); n0=$(grep -c 'connected (event loop 0 of 1)' "$SRV_LOG")
    check "twin: --workers 1: all $n_all connections (>= 3) on loop 0" test "$n_all" -ge 3 -a "$n0" = "$n_all"
    srv_stop
    check "--workers 1: sanitizer-clean log" san_clean
fi

# ---- two downloads on two loops
rm -f "$SRV_DIR"/got?
if srv_start required 127.0.0.1 "" --workers 2; then
    c0=$(thread_ticks smbsign-core0); c1=$(thread_ticks smbsign-core1)
    check "--workers 2: two concurrent signed downloads, identical bytes" two_gets
    log=$(cat "$SRV_LOG")
    check_match "--workers 2: one connection on loop 0" "$log" "connected \(event loop 0 of 2\)"
    check_match "--workers 2: the other on loop 1" "$log" "connected \(event loop 1 of 2\)"
    d0=$(($(thread_ticks smbsign-core0) - c0)); d1=$(($(thread_ticks smbsign-core1) - c1))
    echo "# core thread CPU during the downloads: core0 $d0 ticks, core1 $d1 ticks"
    check "--workers 2: both loops' core threads did the MACs (CPU ticks > 0 each)" test "$d0" -gt 0 -a "$d1" -gt 0
    srv_stop
    check "--workers 2: sanitizer-clean log" san_clean
fi

# ---- SIGTERM with connections held on two loops
hold() { # hold N: smbclient N reads commands from a FIFO kept open by fd 7+N
    mkfifo "$SRV_DIR/fifo$1"
    (cd "$SRV_DIR" && exec timeout 60 smbclient "//$SRV_ADDR/share" -p "$SRV_PORT" -U alice%secret1 -m SMB3_11 \
        --option='client signing=required' <"$SRV_DIR/fifo$1" >"$SRV_DIR/hold$1.out" 2>&1) &
    track_pid $!
    eval "exec $((7 + $1))>\"$SRV_DIR/fifo$1\""
    echo "put mid held$1" >&$((7 + $1))
}
if srv_start required 127.0.0.1 "" --workers 2; then
    hold 1
    hold 2
    for _ in $(seq 1 300); do
        cmp -s "$SRV_DIR/mid" "$SRV_DIR/share/held1" && cmp -s "$SRV_DIR/mid" "$SRV_DIR/share/held2" && break
        sleep 0.1
    done
    sleep 0.5 # the CLOSE after the last WRITE
    log=$(cat "$SRV_LOG")
    check_match "twin: before SIGTERM a held connection is on loop 0" "$log" "connected \(event loop 0 of 2\)"
    check_match "twin: and the other on loop 1" "$log" "connected \(event loop 1 of 2\)"
    check "twin: before SIGTERM the server runs" kill -0 "$SRV_PID"
    kill -TERM "$SRV_PID"
    rc=timeout
    for _ in $(seq 1 300); do
        kill -0 "$SRV_PID" 2>/dev/null || { wait "$SRV_PID"; rc=$?; break; }
        sleep 0.1
    done
    check_eq "SIGTERM with connections on 2 loops: exit status 0 within 30 s" "$rc" "0"
    [ "$rc" = 0 ] || tail -20 "$SRV_LOG" | sed 's/^/#   /'
    check_match "SIGTERM: both connections flushed and closed" "$(cat "$SRV_LOG")" \
        "shutting down: flushing open files of 2 connection\(s\) on 2 event loop\(s\)"
    check "SIGTERM: sanitizer-clean log" san_clean
    check "SIGTERM: the uploads made on the held connections are complete" \
        cmp -s "$SRV_DIR/mid" "$SRV_DIR/share/held1"
    exec 8>&- 9>&-
fi

# ---- one share-mode table across loops and across a SIGHUP reload
cat >"$SRV_DIR/reload.conf" <<EOC
[global]
workers = 2
[share]
path = $SRV_DIR/share
EOC
echo data >"$SRV_DIR/share/locked.txt"
if srv_start required 127.0.0.1 "" -c "$SRV_DIR/reload.conf"; then
    out=$(SRV_PID=$SRV_PID timeout 60 $SRV_PY - "$SRV_PORT" <<'EOF' 2>&1
import os, signal, sys, time
from impacket.smbconnection import SMBConnection
from impacket.smb3structs import FILE_READ_DATA, FILE_SHARE_READ
port = int(sys.argv[1])
def conn():
    c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port)
    c.login('alice', 'secret1')
    return c, c.connectTree('share')
a, ta = conn()
# exclusive open (share none) on the first connection (loop 0)
fa = a.openFile(ta, 'locked.txt', desiredAccess=FILE_READ_DATA, shareMode=0)
os.kill(int(os.environ['SRV_PID']), signal.SIGHUP)
time.sleep(1.5)
b, tb = conn()  # after the reload, on loop 1, with the new configuration
try:
    b.openFile(tb, 'locked.txt', desiredAccess=FILE_READ_DATA, shareMode=FILE_SHARE_READ)
    print('second open: granted')
except Exception as e:
    print('second open: %s' % e)
a.closeFile(ta, fa)
fb = b.openFile(tb, 'locked.txt', desiredAccess=FILE_READ_DATA, shareMode=FILE_SHARE_READ)
print('after close: granted')
b.closeFile(tb, fb)
EOF
)
    check_match "reload: configuration reloaded" "$(cat "$SRV_LOG")" "SIGHUP: configuration reloaded"
    check_match "share modes across loops and a reload: second open refused" "$out" \
        "second open: .*STATUS_SHARING_VIOLATION"
    check_match "twin: once the first open is closed the second is granted" "$out" "after close: granted"
    check_match "the two opens came on loops 0 and 1" "$(grep 'connected (event loop' "$SRV_LOG" | tr '\n' ' ')" \
        "event loop 0 of 2.*event loop 1 of 2"
    srv_stop
    check "reload: sanitizer-clean log" san_clean
fi
exit 0
