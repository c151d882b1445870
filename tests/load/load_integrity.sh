#!/bin/bash
# tests/load/load_integrity.sh - load with integrity (issue 18): LOAD_CLIENTS
# concurrent clients (default 12; a third each: our library's client
# (`smbsign client`, 3.1.1 and 3.0), impacket at 3.0, smbclient at 3.1.1 and
# 3.0) for LOAD_SECONDS (default 30; about 60 s in all) doing signed create /
# write / read / rename / read / delete with checksums, all through
# tests/load/chaos_relay.py, which drops about 10% of the connections, flips
# a data byte of about 5% of the signed WRITE requests and reorders about 5%
# of the messages (a held message overtaken by the next one; `max io size =
# 65536` makes the clients pipeline READs and WRITEs, so messages can swap).
#  - zero corrupted bytes: every read that succeeded returned the sha256 that
#    was written (impacket) / cmp-equal bytes (smbclient); a flipped WRITE
#    that the server accepted would show here;
#  - the flips happened and the server refused them (bad signature lines);
#    twin: the load did real work (operations completed by both kinds);
#  - a newcomer is served throughout: at every sample our client lists the
#    share straight from the server (not through the relay) within 60 s;
#  - the server never restarted (same PID, alive at the end), and its RSS and
#    open fds, sampled every 10 s and printed with a small plot, come back
#    down once the clients are gone (fds at the end <= fds at the start + 8;
#    RSS at the end <= twice the RSS of the first sample under load + 64 MiB).
# By hand, the long run: LOAD_CLIENTS=500 LOAD_SECONDS=600 SMBSIGN=build/smbsign \
#   bash tests/load/load_integrity.sh
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../interop/server_lib.inc"
HERE=$(cd "$(dirname "$0")" && pwd)
N=${LOAD_CLIENTS:-12}
SECS=${LOAD_SECONDS:-30}
srv_setup
printf '[global]\nmax connections per address = 0\nlog level = 1\nmax io size = 65536\n' >"$SRV_DIR/load.conf"
srv_start required 127.0.0.1 "" -c "$SRV_DIR/load.conf" || not_ok "server starts"
SPID=$SRV_PID
RPORT=$(free_port)
$SRV_PY "$HERE/chaos_relay.py" "$RPORT" "$SRV_PORT" "$SRV_DIR/relay.stats" 0.1 0.05 7 0.05 >"$SRV_DIR/relay.log" 2>&1 &
RP=$!
track_pid $RP
wait_port 127.0.0.1 "$RPORT" 20 || not_ok "relay listens"
# a sample: t rss_kb fds probe_ms relay_conns. The probe is one signed `ls`
# by our client straight to the server, not through the relay: how long the
# server takes to serve a newcomer under the load ("fail" if it did not
# within 60 s); relay_conns is the relay's count of connections so far.
sample() {
    local t0=$(date +%s%N) p
    if timeout 60 "$SMBSIGN" client "//127.0.0.1:$SRV_PORT/share" -U alice%secret1 --signing required -t 55 -c ls \
        >/dev/null 2>&1; then p=$((($(date +%s%N) - t0) / 1000000)); else p=fail; fi
    echo "$1 $(awk '/VmRSS/ {print $2}' /proc/"$SPID"/status 2>/dev/null) $(ls /proc/"$SPID"/fd 2>/dev/null | wc -l)" \
        "$p $(sed -nE 's/.*conns=([0-9]+).*/\1/p' "$SRV_DIR/relay.stats" 2>/dev/null)"
}
fd0=$(ls /proc/"$SPID"/fd | wc -l)
( t=0; while kill -0 "$SPID" 2>/dev/null; do sample $t; sleep 10; t=$((t + 10)); done ) >"$SRV_DIR/samples" &
SMP=$!
track_pid $SMP
# one client round: KIND DIALECT FILE (in the client's directory): put, get,
# rename, get, delete through the relay
round() {
    case $1 in
    smbclient)
        timeout 60 smbclient //127.0.0.1/share -p "$RPORT" -U alice%secret1 -m "$2" \
            --option="client min protocol=$2" --option="client max protocol=$2" --option='client signing=required' \
            -c "put $3; get $3 back_$3; rename $3 $3.r; get $3.r back2_$3; del $3.r" >/dev/null 2>&1 ;;
    ours)
        timeout 60 "$SMBSIGN" client "//127.0.0.1:$RPORT/share" -U alice%secret1 -m "$2" --signing required -t 20 \
            -c "put $3; get $3 back_$3; rename $3 $3.r; get $3.r back2_$3; rm $3.r" >/dev/null 2>&1 ;;
    esac
}
smb_loop() { # ID KIND DIALECT: until SECS passed; prints ok/errors/corrupt
    local id=$1 kind=$2 m=$3 i=0 okn=0 err=0 bad=0 end=$((SECONDS + SECS)) f
    mkdir -p "$SRV_DIR/c$id"
    while [ $SECONDS -lt $end ]; do
        i=$((i + 1))
        f=s${id}_$i.bin
        head -c $((4096 + (i * 7919) % 200000)) /dev/urandom >"$SRV_DIR/c$id/$f"
        if (cd "$SRV_DIR/c$id" && round "$kind" "$m" "$f"); then
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
kind_of() { case $(($1 % 3)) in 0) echo ours ;; 1) echo impacket ;; 2) echo smbclient ;; esac; }
for k in $(seq 1 "$N"); do
    case $(kind_of "$k") in
    impacket) $SRV_PY "$HERE/imp_client.py" "$RPORT" 3.0 "$SECS" "$k" alice secret1 >"$SRV_DIR/out$k" 2>&1 & ;;
    smbclient)
        m=SMB3_11
        [ $((k % 2)) = 0 ] && m=SMB3
        smb_loop "$k" smbclient "$m" >"$SRV_DIR/out$k" 2>&1 & ;;
    ours)
        m=3.1.1
        [ $((k % 2)) = 0 ] && m=3.0
        smb_loop "$k" ours "$m" >"$SRV_DIR/out$k" 2>&1 & ;;
    esac
    pids+=($!)
    track_pid $!
done
for p in "${pids[@]}"; do wait "$p"; done
sleep 12 # the connections close; one more sample
kill -0 "$SPID" 2>/dev/null && alive=1 || alive=0
fd1=$(ls /proc/"$SPID"/fd 2>/dev/null | wc -l)
sample end >>"$SRV_DIR/samples"
kill "$SMP" 2>/dev/null
echo "# server $SPID, sampled every 10 s: RSS (KiB) and open fds, each bar scaled to its largest sample"
awk 'NR == FNR { if ($2 > mr) mr = $2; if ($3 > mf) mf = $3; next }
    { r = mr ? int(30 * $2 / mr) : 0; f = mf ? int(20 * $3 / mf) : 0
      printf "#   t=%-5s rss %8s |%-30s| fds %5s |%-20s| probe %6s ms  relay conns %s\n", $1, $2,
          substr("##############################", 1, r), $3, substr("####################", 1, f), $4, $5 }' \
    "$SRV_DIR/samples" "$SRV_DIR/samples"
echo "# relay: $(cat "$SRV_DIR/relay.stats" 2>/dev/null)"
tot() { cat "$SRV_DIR"/out[0-9]* | sed -nE "s/.*$1=([0-9]+).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'; }
okn=$(tot ok) errn=$(tot errors) corrupt=$(tot corrupt)
echo "# clients: $N, ok=$okn errors=$errn corrupt=$corrupt"
for k in $(seq 1 "$N"); do echo "#   client $k: $(tail -1 "$SRV_DIR/out$k")"; done
flipped=$(sed -nE 's/.*flipped=([0-9]+).*/\1/p' "$SRV_DIR/relay.stats")
refused=$(grep -c 'bad signature' "$SRV_LOG")
check_eq "zero corrupted bytes (reads that returned other bytes than written)" "$corrupt" 0
check "twin: the load did work ($okn operations completed)" test "${okn:-0}" -ge "$N"
for kind in ours impacket smbclient; do
    n=0
    for k in $(seq 1 "$N"); do
        [ "$(kind_of "$k")" = $kind ] && n=$((n + $(sed -nE 's/^ok=([0-9]+).*/\1/p' "$SRV_DIR/out$k" | tail -1)))
    done
    check "twin: the $kind clients completed operations too ($n)" test "$n" -ge 1
done
reordered=$(sed -nE 's/.*reordered=([0-9]+).*/\1/p' "$SRV_DIR/relay.stats")
check "twin: the relay reordered messages (${reordered:-0}) and the load still completed" test "${reordered:-0}" -ge 1
check "the relay flipped signed WRITEs (${flipped:-0}) and the server refused them (${refused} bad signature lines)" \
    test "${flipped:-0}" -ge 1 -a "$refused" -ge 1
check_eq "the server never restarted (same PID alive at the end)" "$alive" 1
probes=$(grep -c . "$SRV_DIR/samples")
pfail=$(awk '$4 == "fail"' "$SRV_DIR/samples" | wc -l)
pmax=$(awk '$4 != "fail" && $4 > m { m = $4 } END { print m + 0 }' "$SRV_DIR/samples")
check_eq "a newcomer straight to the server was served at every sample ($probes probes, slowest ${pmax} ms)" "$pfail" 0
check "open fds come back down ($fd0 at start, $fd1 at the end)" test "$fd1" -le $((fd0 + 8))
rss1=$(awk 'NR == 2 { print $2 }' "$SRV_DIR/samples")
rssend=$(awk '$1 == "end" { print $2 }' "$SRV_DIR/samples")
check "RSS does not keep growing (${rss1:-?} KiB at 10 s, ${rssend:-?} KiB at the end)" \
    test "${rssend:-999999999}" -le $((2 * ${rss1:-0} + 65536))
srv_stop
! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$SRV_LOG" && ok "server log sanitizer-clean" ||
    not_ok "server log sanitizer-clean"
exit 0
