#!/bin/bash
# tests/interop/server_sigterm.sh - SIGTERM with many connections and writes
# in flight (issue 18; docs/server.md "Shutdown"):
#  - 500 idle connections (tests/interop/flood.py from 127.0.0.2..6, 100
#    each) plus 4 smbclient loops each uploading a 2 MiB file again and again
#    under new names (SMB 3.1.1 signed); SIGTERM after 4 s;
#  - the server exits 0 within 5 s of the signal (twin: it was up and
#    serving all of them just before: the uploads had succeeded and the
#    flood held 500 sockets);
#  - every upload smbclient reported as done (exit 0) is in the share whole,
#    byte for byte; an upload cut by the shutdown was never reported done.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"
FLOOD="$SRV_PY $(dirname "$0")/flood.py"
srv_setup
head -c $((2 * 1024 * 1024)) /dev/urandom >"$SRV_DIR/src.bin"
printf '[global]\nmax connections per address = 0\nhandshake timeout = 60\n' >"$SRV_DIR/t.conf"
srv_start required 127.0.0.1 "" -c "$SRV_DIR/t.conf" --log-level info || not_ok "server starts"
fps=()
for a in 2 3 4 5 6; do
    $FLOOD --src 127.0.0.$a --host 127.0.0.1 --port "$SRV_PORT" --idle 100 --seconds 25 \
        >"$SRV_DIR/flood$a.out" 2>&1 &
    fps+=($!)
    track_pid $!
done
uploader() { # N: upload until the server goes away; log what smbclient reported done
    local i=0
    while kill -0 "$SRV_PID" 2>/dev/null; do
        i=$((i + 1))
        if smbc SMB3_11 required "put src.bin up$1_$i.bin" >/dev/null 2>&1; then
            echo "up$1_$i.bin" >>"$SRV_DIR/done$1"
        fi
    done
}
ups=()
for u in 1 2 3 4; do
    uploader $u &
    ups+=($!)
    track_pid $!
done
sleep 4
held=$(ss -tn state established "( sport = :$SRV_PORT )" 2>/dev/null | tail -n +2 | wc -l)
done_before=$(cat "$SRV_DIR"/done* 2>/dev/null | wc -l)
t0=$(date +%s%N)
kill -TERM "$SRV_PID"
for i in $(seq 1 100); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.1; done
t1=$(date +%s%N)
alive=0
kill -0 "$SRV_PID" 2>/dev/null && alive=1
wait "$SRV_PID"
rc=$?
ms=$(((t1 - t0) / 1000000))
echo "# before SIGTERM: $held established server-side sockets, $done_before uploads done; exit after ${ms} ms"
for p in "${ups[@]}"; do wait "$p" 2>/dev/null; done
for p in "${fps[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
check "twin: before SIGTERM the server held the flood (>= 500 connections, saw $held)" test "$held" -ge 500
check "twin: before SIGTERM uploads had completed ($done_before)" test "$done_before" -ge 1
check_eq "SIGTERM: the server exited within 10 s" "$alive" 0
check "SIGTERM: ... within 5 s (${ms} ms)" test "$ms" -le 5000
check_eq "SIGTERM: exit status 0" "$rc" 0
bad=0 n=0
for f in $(cat "$SRV_DIR"/done* 2>/dev/null); do
    n=$((n + 1))
    cmp -s "$SRV_DIR/src.bin" "$SRV_DIR/share/$f" || { bad=$((bad + 1)); echo "# $f: reported done, not whole"; }
done
check_eq "every upload reported done ($n) is whole in the share" "$bad" 0
check_match "the log says it flushed the connections" "$(cat "$SRV_LOG")" "shutting down: flushing open files of [0-9]+ connection"
! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$SRV_LOG" && ok "server log sanitizer-clean" ||
    not_ok "server log sanitizer-clean"
exit 0
