#!/bin/bash
# tests/load/load_integrity.sh - load with integrity (issue 18): LOAD_CLIENTS
# concurrent clients (default 12; half impacket at 3.0, half smbclient at
# 3.1.1 and 3.0) for LOAD_SECONDS (default 30; about 60 s in all) doing signed create / write /
# read / rename / read / delete with checksums, all through
# tests/load/chaos_relay.py, which drops about 10% of the connections and
# flips a data byte of about 5% of the signed WRITE requests.
#  - zero corrupted bytes: every read that succeeded returned the sha256 that
#    was written (impacket) / cmp-equal bytes (smbclient); a flipped WRITE
#    that the server accepted would show here;
#  - the flips happened and the server refused them (bad signature lines);
#    twin: the load did real work (operations completed by both kinds);
#  - the server never restarted (same PID, alive at the end), and its RSS and
#    open fds, sampled every 10 s and printed, come back down once the
#    clients are gone (fds at the end <= fds at the start + 8).
# By hand, the long run: LOAD_CLIENTS=500 LOAD_SECONDS=600 SMBSIGN=build/smbsign \
#   bash tests/load/load_integrity.sh
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../interop/server_lib.inc"
HERE=$(cd "$(dirname "$0")" && pwd)
N=${LOAD_CLIENTS:-12}
SECS=${LOAD_SECONDS:-30}
srv_setup
printf '[global]\nmax connections per address = 0\nlog level = 1\n' >"$SRV_DIR/load.conf"
srv_start required 127.0.0.1 "" -c "$SRV_DIR/load.conf" || not_ok "server starts"
SPID=$SRV_PID
RPORT=$(free_port)
$SRV_PY "$HERE/chaos_relay.py" "$RPORT" "$SRV_PORT" "$SRV_DIR/relay.stats" 0.1 0.05 7 >"$SRV_DIR/relay.log" 2>&1 &
RP=$!
track_pid $RP
wait_port 127.0.0.1 "$RPORT" 20 || not_ok "relay listens"
sample() { # t rss_kb fds
    echo "$1 $(awk '/VmRSS/ {print $2}' /proc/"$SPID"/status 2>/dev/null) $(ls /proc/"$SPID"/fd 2>/dev/null | wc -l)"
}
fd0=$(ls /proc/"$SPID"/fd | wc -l)
( t=0; while kill -0 "$SPID" 2>/dev/null; do sample $t; sleep 10; t=$((t + 10)); done ) >"$SRV_DIR/samples" &
SMP=$!
track_pid $SMP
smb_loop() { # ID DIALECT: until SECS passed; prints ok/errors/corrupt
    local id=$1 m=$2 i=0 okn=0 err=0 bad=0 end=$((SECONDS + SECS)) f
    mkdir -p "$SRV_DIR/c$id"
    while [ $SECONDS -lt $end ]; do
        i=$((i + 1))
        f=s${id}_$i.bin
        head -c $((4096 + (i * 7919) % 200000)) /dev/urandom >"$SRV_DIR/c$id/$f"
        if (cd "$SRV_DIR/c$id" && timeout 60 smbclient //127.0.0.1/share -p "$RPORT" -U alice%secret1 -m "$m" \
            --option="client min protocol=$m" --option="client max protocol=$m" --option='client signing=required' \
            -c "put $f; get $f back_$f; rename $f $f.r; get $f.r back2_$f; del $f.r" >/dev/null 2>&1); then
            cmp -s "$SRV_DIR/c$id/$f" "$SRV_DIR/c$id/back_$f" && cmp -s "$SRV_DIR/c$id/$f" "$SRV_DIR/c$id/back2_$f" &&
                okn=$((okn + 1)) || bad=$((bad + 1))
        else
            # a dropped connection or a refused WRITE: what was read back must still be right
            for b in back_$f back2_$f; do
                [ -s "$SRV_DIR/c$id/$b" ] && ! cmp -s "$SRV_DIR/c$id/$f" "$SRV_DIR/c$id/$b" && bad=$((bad + 1))
            done
            err=$((err + 1))
        fi
        rm -f "$SRV_DIR/c$id/"*"$f"*
    done
    echo "ok=$okn errors=$err corrupt=$bad"
}
pids=()
for k in $(seq 1 "$N"); do
    if [ $((k % 2)) = 0 ]; then
        $SRV_PY "$HERE/imp_client.py" "$RPORT" 3.0 "$SECS" "$k" alice secret1 >"$SRV_DIR/out$k" 2>&1 &
    else
        m=SMB3_11
        [ $((k % 4)) = 3 ] && m=SMB3
        smb_loop "$k" "$m" >"$SRV_DIR/out$k" 2>&1 &
    fi
    pids+=($!)
    track_pid $!
done
for p in "${pids[@]}"; do wait "$p"; done
sleep 12 # the connections close; one more sample
kill -0 "$SPID" 2>/dev/null && alive=1 || alive=0
fd1=$(ls /proc/"$SPID"/fd 2>/dev/null | wc -l)
sample end >>"$SRV_DIR/samples"
kill "$SMP" 2>/dev/null
echo "# time(s) rss_kb fds  (server $SPID)"
sed 's/^/#   /' "$SRV_DIR/samples"
echo "# relay: $(cat "$SRV_DIR/relay.stats" 2>/dev/null)"
tot() { cat "$SRV_DIR"/out[0-9]* | sed -nE "s/.*$1=([0-9]+).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'; }
okn=$(tot ok) errn=$(tot errors) corrupt=$(tot corrupt)
echo "# clients: $N, ok=$okn errors=$errn corrupt=$corrupt"
for k in $(seq 1 "$N"); do echo "#   client $k: $(tail -1 "$SRV_DIR/out$k")"; done
flipped=$(sed -nE 's/.*flipped=([0-9]+).*/\1/p' "$SRV_DIR/relay.stats")
refused=$(grep -c 'bad signature' "$SRV_LOG")
check_eq "zero corrupted bytes (reads that returned other bytes than written)" "$corrupt" 0
check "twin: the load did work ($okn operations completed)" test "${okn:-0}" -ge "$N"
imp=0
for k in $(seq 2 2 "$N"); do imp=$((imp + $(sed -nE 's/^ok=([0-9]+).*/\1/p' "$SRV_DIR/out$k" | tail -1))); done
check "twin: the impacket clients completed operations too ($imp)" test "$imp" -ge 1
check "the relay flipped signed WRITEs (${flipped:-0}) and the server refused them (${refused} bad signature lines)" \
    test "${flipped:-0}" -ge 1 -a "$refused" -ge 1
check_eq "the server never restarted (same PID alive at the end)" "$alive" 1
check "open fds come back down ($fd0 at start, $fd1 at the end)" test "$fd1" -le $((fd0 + 8))
srv_stop
! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$SRV_LOG" && ok "server log sanitizer-clean" ||
    not_ok "server log sanitizer-clean"
exit 0
