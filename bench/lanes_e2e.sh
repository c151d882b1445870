#!/bin/bash
# bench/lanes_e2e.sh - our client against our server (loopback), put and get
# of one file, signed / unsigned, per dialect: 2.1 (HMAC-SHA256), 3.0
# (AES-CMAC), 3.1.1 (the algorithm 3.1.1 negotiates: AES-GMAC). Issue 16.
# Prints the signed/unsigned throughput ratio and, beside it, the ceiling on
# this machine: the unsigned transfer is CPU bound here, so the best possible
# ratio is t_unsigned / (t_unsigned + MAC time at batch lane speed), the lane
# speed measured in the same run by bench/batch_bench (min of sign, verify).
# Best of LANES_E2E_REPS (default 2) per case; LANES_E2E_MIB (default 1024).
# A loaded shared machine gives noisy figures: read them as such.
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
SMBSIGN_REL=${SMBSIGN_REL:-$ROOT/build/smbsign}
MIB=${LANES_E2E_MIB:-1024}
REPS=${LANES_E2E_REPS:-2}
[ -x "$SMBSIGN_REL" ] || { echo "  $SMBSIGN_REL missing (make all)"; exit 1; }
[ -x build/bench/batch_bench ] || { echo "  build/bench/batch_bench missing (make bench)"; exit 1; }
# shellcheck source=bench.inc
. "$ROOT/bench/bench.inc"
bench_tmpdir smbsign-lanes "$MIB"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/share"
printf 'pw\n' | "$SMBSIGN_REL" passwd -f "$T/users" u --password-stdin >/dev/null 2>&1 || exit 1
head -c $((MIB * 1048576)) /dev/urandom >"$T/f"

# lane speed per algorithm, bytes/s: min(batch sign, batch verify) of 8 x 1 MiB
lanes=$(build/bench/batch_bench 0.3) || { echo "  batch_bench failed"; exit 1; }
rate() { awk -v a="$1" '$1 == a { s = $3 < $4 ? $3 : $4; print s * 1e6 }' <<<"$lanes"; }
declare -A R=([2.1]=$(rate hmac-sha256) [3.0]=$(rate aes-cmac) [3.1.1]=$(rate aes-gmac))

start_server() { # $1 = signing level; prints the port
    local port=$((20000 + RANDOM % 20000))
    "$SMBSIGN_REL" serve --listen 127.0.0.1:$port --share share="$T/share" --users "$T/users" --signing "$1" \
        >"$T/srv.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do
        (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && { echo $port; return 0; }
        sleep 0.1
    done
    return 1
}

# best MiB/s of REPS runs: $1 port, $2 dialect, $3 client signing, $4 put|get
xfer() {
    local best=0 out v
    for _ in $(seq "$REPS"); do
        rm -f "$T/share/x" "$T/y"
        sync
        if [ "$4" = put ]; then
            out=$(cd "$T" && "$SMBSIGN_REL" client //127.0.0.1:$1/share -U u%pw -m "$2" --signing "$3" -v -c "put f x" 2>&1)
        else
            cp "$T/f" "$T/share/x"
            out=$(cd "$T" && "$SMBSIGN_REL" client //127.0.0.1:$1/share -U u%pw -m "$2" --signing "$3" -v -c "get x y" 2>&1)
        fi
        v=$(sed -nE 's/.* bytes in [0-9.]+ s \(([0-9.]+) MiB\/s\)$/\1/p' <<<"$out" | tail -1)
        [ -n "$v" ] || { echo "  transfer failed: $out" >&2; echo 0; return; }
        best=$(awk -v a="$best" -v b="$v" 'BEGIN { print (b > a ? b : a) }')
    done
    echo "$best"
}

ps=$(start_server required) || { echo "  server did not start"; exit 1; }
pu=$(start_server disabled) || { echo "  server did not start"; exit 1; }
echo "== our client vs our server, loopback, $MIB MiB, best of $REPS (a loaded shared machine)"
printf '  %-6s %-4s %12s %12s %7s %8s\n' dialect dir "signed MiB/s" "unsigned" ratio ceiling
for d in 2.1 3.0 3.1.1; do
    for dir in put get; do
        s=$(xfer "$ps" "$d" required "$dir")
        u=$(xfer "$pu" "$d" disabled "$dir")
        awk -v d="$d" -v dir="$dir" -v s="$s" -v u="$u" -v r="${R[$d]}" -v mib="$MIB" 'BEGIN {
            bytes = mib * 1048576; tu = (u > 0 ? bytes / (u * 1048576) : 0); tm = (r > 0 ? bytes / r : 0);
            printf "  %-6s %-4s %12.0f %12.0f %7.2f %8.2f\n", d, dir, s, u, (u > 0 ? s / u : 0),
                   (tu + tm > 0 ? tu / (tu + tm) : 0) }'
    done
done
echo "  ratio = signed / unsigned throughput; ceiling = t_unsigned / (t_unsigned + MAC time at the"
echo "  batch lane speed of bench/batch_bench, same run); 3.1.1 negotiates AES-GMAC."
