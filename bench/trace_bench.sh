#!/bin/bash
# bench/trace_bench.sh - `smbsign trace` throughput, against tshark verifying
# the same capture in the same run (issue 14).
#
# Records (tshark on lo, 256 MiB buffer, classic pcap) smbsign client <->
# smbsign serve at 3.1.1 (AES-GMAC) moving TRACE_BENCH_MB MiB (default 512)
# each way in 1 MiB READ/WRITE messages, then times:
#   smbsign trace -U ... CAP          (CPU seconds, peak RSS)
#   tshark -o smb2.verify_signatures:TRUE -o ntlmssp.nt_password:... -r CAP
# and prints capture GB per CPU second, the ratio to tshark and peak RSS,
# with the targets (>= 1 GB/s per core, >= 10x tshark, <= 64 MiB) as met /
# MISSED. tshark calls GMAC signatures bad (it computes none): its time is
# still the time it takes to process the capture with verification on.
# Needs root (capture on lo). Prints figures; asserts nothing.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
. tests/interop/server_lib.inc
MB=${TRACE_BENCH_MB:-512}
BIN=$PWD/build/smbsign
[ -x "$BIN" ] || { echo "  $BIN missing (make)"; exit 1; }
SMBSIGN=$BIN
srv_setup
srv_start required 127.0.0.1 "" || { echo "  server did not start"; exit 1; }
T=$(mk_tmpdir)
head -c $((MB * 1024 * 1024)) /dev/urandom >"$T/big"
tshark -i lo -B 256 -F pcap -f "tcp port $SRV_PORT" -w "$T/cap.pcap" -q >"$T/cap.log" 2>&1 &
CAP=$!
track_pid $CAP
for _ in $(seq 1 150); do grep -q 'Capturing on' "$T/cap.log" && break; sleep 0.2; done
sleep 0.5
(cd "$T" && "$BIN" client "//127.0.0.1:$SRV_PORT/share" -U alice%secret1 -m 3.1.1 --signing required \
    -c "put big b; get b back") >/dev/null 2>&1
sleep 1
kill $CAP
wait $CAP 2>/dev/null
srv_stop
size=$(stat -c %s "$T/cap.pcap")
# cpu_rss CMD... -> "user+sys seconds" "max RSS KiB" (GNU time)
run() { /usr/bin/time -f '%U %S %M' -o "$T/time" "$@" >"$T/out" 2>/dev/null; awk '{printf "%.3f %d\n", $1 + $2, $3}' "$T/time"; }
read -r ours_s ours_kb < <(run "$BIN" trace -p "$SRV_PORT" -U alice%secret1 --json "$T/cap.pcap")
summary=$(tail -1 "$T/out")
read -r ts_s ts_kb < <(run tshark -r "$T/cap.pcap" -d "tcp.port==$SRV_PORT,nbss" -o smb2.verify_signatures:TRUE \
    -o ntlmssp.nt_password:secret1 -Y smb2.bad_signature)
awk -v size="$size" -v o="$ours_s" -v okb="$ours_kb" -v t="$ts_s" -v tkb="$ts_kb" 'BEGIN {
    gbs = size / 1e9 / (o > 0 ? o : 1e-9); ratio = t / (o > 0 ? o : 1e-9)
    printf "  capture %.0f MB (3.1.1 AES-GMAC, 1 MiB READ/WRITE)\n", size / 1e6
    printf "  smbsign trace: %.2f s CPU = %.2f GB/s per core (target >= 1: %s), peak RSS %.1f MiB (target <= 64: %s)\n",
        o, gbs, (gbs >= 1 ? "met" : "MISSED"), okb / 1024, ((okb / 1024) <= 64 ? "met" : "MISSED")
    printf "  tshark -o smb2.verify_signatures:TRUE: %.2f s CPU, peak RSS %.1f MiB\n", t, tkb / 1024
    printf "  ratio: %.1fx tshark (target >= 10: %s)\n", ratio, (ratio >= 10 ? "met" : "MISSED")
}'
echo "  trace summary: $(echo "$summary" | cut -c1-160)"
