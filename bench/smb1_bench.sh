#!/bin/bash
# bench/smb1_bench.sh - SMB1 (NT LM 0.12) with MD5 signing: smbsign serve (smb1 = yes)
# vs Samba smbd (server min protocol = NT1), same machine, same run, same client
# (smbclient -m NT1, client signing = required): download and upload of one file,
# MB/s and the ratio to smbd, best of BENCH_RUNS (2). Also `matrix --live`: cells per
# second (22 cells, each a fresh server process and connection).
# Needs root (smbd). Environment: BENCH_SIZE_MB (default 256), BENCH_RUNS (2).
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
. "$ROOT/tests/samba.inc"
# shellcheck source=bench.inc
. "$ROOT/bench/bench.inc"
SMBSIGN=${SMBSIGN_REL:-$ROOT/build/smbsign}
SIZE_MB=${BENCH_SIZE_MB:-256}
RUNS=${BENCH_RUNS:-2}
PIDS=()
T=$(mktemp -d /tmp/smbsign-bench1.XXXXXX)
chmod 755 "$T"
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    sleep 0.3
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$T"
    [ -n "${USERNAME:-}" ] && userdel "$USERNAME" 2>/dev/null
}
trap cleanup EXIT
bench_require smbd smbclient smbpasswd
[ -x "$SMBSIGN" ] || { echo "  build first: make all"; exit 1; }
now() { date +%s.%N; }

USERNAME=smbsign1b$$  # of this run only (removed at exit)
PASS="pw-$RANDOM$RANDOM"
id "$USERNAME" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$USERNAME" 2>/dev/null
mkdir -p "$T/share"
chmod 777 "$T/share"
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$T/share/big.bin"
chmod 666 "$T/share/big.bin"
cp "$T/share/big.bin" "$T/up.bin"
printf '%s\n' "$PASS" | "$SMBSIGN" passwd -f "$T/users" --password-stdin "$USERNAME" >/dev/null

OPORT=$(bench_free_port)
printf '[global]\nsmb1 = yes\nlisten = 127.0.0.1:%s\nusers = %s\nserver signing = required\nlog level = 0\n[share]\npath = %s\n' \
    "$OPORT" "$T/users" "$T/share" >"$T/ours.conf"
"$SMBSIGN" serve -c "$T/ours.conf" >/dev/null 2>&1 &
PIDS+=($!)
d=$T/smbd
SPORT=$(bench_free_port)
SAMBA_SHARE=$T/share samba_conf "$d" "$SPORT" "  log level = 0
  server signing = mandatory
  server min protocol = NT1"
samba_user "$d" "$USERNAME" "$PASS"
samba_start "$d"
PIDS+=($SAMBA_PID)
bench_wait_port "$OPORT" && bench_wait_port "$SPORT" || { echo "  servers did not start"; exit 1; }

# xfer PORT get|put -> best MB/s
xfer() {
    local port=$1 op=$2 best=0 i t0 t1 mbs cmd
    for i in $(seq 1 "$RUNS"); do
        if [ "$op" = get ]; then cmd="get big.bin $T/down.bin"; else cmd="put $T/up.bin up_$i.bin"; fi
        t0=$(now)
        smbclient //127.0.0.1/share -p "$port" -U "$USERNAME%$PASS" -m NT1 --option='client min protocol=NT1' \
            --option='client signing=required' -c "$cmd" >/dev/null 2>&1 || { echo 0; return; }
        t1=$(now)
        mbs=$(awk -v s="$SIZE_MB" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", s * 1.048576 / (b - a)}')
        best=$(awk -v a="$best" -v b="$mbs" 'BEGIN {print (b > a) ? b : a}')
        rm -f "$T/down.bin" "$T/share/up_$i.bin"
    done
    echo "$best"
}
echo "== smb1: smbclient -m NT1 (signing required) against smbsign serve vs smbd, ${SIZE_MB} MiB, best of $RUNS"
printf '  %-9s %12s %12s %7s\n' op "smbsign MB/s" "smbd MB/s" ratio
for op in get put; do
    o=$(xfer "$OPORT" $op)
    s=$(xfer "$SPORT" $op)
    r=$(awk -v a="$o" -v b="$s" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}')
    printf '  %-9s %12s %12s %7s\n' "$op" "$o" "$s" "$r"
done
t0=$(now)
"$SMBSIGN" matrix --live >/dev/null 2>&1
rc=$?
t1=$(now)
awk -v a="$t0" -v b="$t1" -v rc="$rc" 'BEGIN {printf "  matrix --live: 22 cells in %.2f s (%.1f cells/s), exit %d\n", b - a, 22 / (b - a), rc}'
