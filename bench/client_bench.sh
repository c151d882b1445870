#!/bin/bash
# bench/client_bench.sh - `smbsign client` vs `smbclient` moving a 1 GiB file
# to and from the same Samba smbd (loopback, private config, server signing =
# mandatory) per dialect: 2.1 (HMAC-SHA256), 3.0 (AES-CMAC), 3.1.1 (AES-GMAC).
#
# Made for a small noisy VM (2 shared cores, slow first touch of fresh pages):
#   - both clients run in the same invocation, interleaved: repetition 1 runs
#     ours then smbclient, repetition 2 smbclient then ours, and so on;
#   - before every upload the destination is deleted and `sync` runs; before
#     every download the local copy is deleted and `sync` runs; both clients
#     download the same remote file;
#   - best of N repetitions per client (CLIENT_BENCH_REPS, default 3);
#   - every run prints wall time, transfer-only time, client CPU (user+sys of
#     the client process) and smbd CPU (utime+stime of every process in
#     smbd's session plus what they reaped, read from /proc before and after
#     the run, after the connection's smbd child has exited), so a reader can
#     see who was the bottleneck.
# Verdict: transfer-only throughput (smbclient's own "average" rate; ours from
# `smbsign client -v`, both timed from the remote open to the close), because
# it is what both clients report for the same span; whole-command wall time
# (process start, connect, authentication, transfer, exit) is printed too.
# Env: CLIENT_BENCH_MIB (default 1024), CLIENT_BENCH_REPS (default 3),
#      CLIENT_BENCH_DIALECTS (default "2.1 3.0 3.1.1"), CLIENT_BENCH_DIRS
#      (default "upload download").
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
SMBSIGN_REL=${SMBSIGN_REL:-$ROOT/build/smbsign}
MIB=${CLIENT_BENCH_MIB:-1024}
REPS=${CLIENT_BENCH_REPS:-3}
DIALECTS=${CLIENT_BENCH_DIALECTS:-"2.1 3.0 3.1.1"}
DIRS=${CLIENT_BENCH_DIRS:-"upload download"}
# shellcheck source=../tests/samba.inc
. "$ROOT/tests/samba.inc"
# shellcheck source=bench.inc
. "$ROOT/bench/bench.inc"
bench_require smbd smbclient smbpasswd useradd
[ -x "$SMBSIGN_REL" ] || { echo "  $SMBSIGN_REL missing (make all)"; exit 1; }
HZ=$(getconf CLK_TCK)
bench_tmpdir smbsign-cbench "$MIB"
SMBD_PID=
USERNAME=smbsigncb$$  # of this run only: a shared name let one run delete it under another's smbd
CREATED_USER=
cleanup() {
    [ -n "$SMBD_PID" ] && kill "$SMBD_PID" 2>/dev/null
    sleep 0.3
    rm -rf "$T"
    [ -n "$CREATED_USER" ] && userdel "$USERNAME" 2>/dev/null
}
trap cleanup EXIT
PASS="pw-$RANDOM$RANDOM"
if ! id "$USERNAME" >/dev/null 2>&1; then useradd -M -s /usr/sbin/nologin "$USERNAME" && CREATED_USER=1; fi
PORT=$(bench_free_port) || exit 1
mkdir -p "$T/local"
chmod 777 "$T/local"
samba_conf "$T" "$PORT" "  log level = 0
  server signing = mandatory
  server min protocol = SMB2_02
  server max protocol = SMB3_11
  smb encrypt = off"
samba_user "$T" "$USERNAME" "$PASS"
# smbd leads its own session (setsid in samba_start), so `ps -s` finds every smbd process
samba_start "$T"
SMBD_PID=$SAMBA_PID
bench_wait_port "$PORT"

head -c $((MIB << 20)) /dev/urandom >"$T/local/src.bin"
cp "$T/local/src.bin" "$T/share/dl.bin"
sync
cd "$T/local" || exit 1

# CPU ticks of smbd: utime+stime+cutime+cstime of every process in its session
# (a connection's child, once reaped by the parent, shows in the parent's cutime)
smbd_procs() { ps -s "$SMBD_PID" -o pid= 2>/dev/null | wc -l; }
smbd_ticks() { bench_session_ticks "$SMBD_PID"; }
# wait until the connection's smbd child is gone (reaped), at most 5 s
smbd_settle() {
    local i
    for i in $(seq 1 50); do [ "$(smbd_procs)" -le "$1" ] && return; sleep 0.1; done
}

# one_run WHO DIALECT DIR -> "wall xfer client_cpu smbd_cpu" (seconds) or FAIL
one_run() {
    local who=$1 d=$2 sd=$3 dir=$4 cmd np t0 t1 wall cpu xfer kib
    if [ "$dir" = upload ]; then
        rm -f "$T/share/up.bin"
        cmd="put src.bin up.bin"
    else
        rm -f "$T/local/back.bin"
        cmd="get dl.bin back.bin"
    fi
    sync
    np=$(smbd_procs)
    t0=$(smbd_ticks)
    if [ "$who" = ours ]; then
        /usr/bin/time -f "%e %U %S" -o "$T/time" "$SMBSIGN_REL" client "//127.0.0.1:$PORT/share" \
            -U "$USERNAME%$PASS" -m "$d" --signing required -v -c "$cmd" >"$T/cmd.out" 2>&1
    else
        /usr/bin/time -f "%e %U %S" -o "$T/time" smbclient "//127.0.0.1/share" -p "$PORT" -U "$USERNAME%$PASS" \
            -m "$sd" --client-protection=sign -c "$cmd" >"$T/cmd.out" 2>&1
    fi
    local rc=$?
    smbd_settle "$np"
    t1=$(smbd_ticks)
    if [ $rc -ne 0 ]; then
        sed 's/^/#   /' "$T/cmd.out" | head -5 >&2
        echo FAIL
        return 1
    fi
    if [ "$dir" = upload ]; then
        cmp -s "$T/local/src.bin" "$T/share/up.bin" || { echo "#   $who $d upload: file differs" >&2; echo FAIL; return 1; }
    else
        cmp -s "$T/local/src.bin" "$T/local/back.bin" || { echo "#   $who $d download: file differs" >&2; echo FAIL; return 1; }
    fi
    set -- $(cat "$T/time")
    wall=$1
    cpu=$(awk -v u="$2" -v s="$3" 'BEGIN{printf "%.2f", u+s}')
    if [ "$who" = ours ]; then
        xfer=$(sed -n 's/.*bytes in \([0-9.]*\) s .*/\1/p' "$T/cmd.out" | head -1)
    else
        # smbclient: "(average N kb/s)" (put) / "(average N KiloBytes/sec)" (get): KiB/s
        kib=$(sed -n 's/.*(average \([0-9.]*\) [kK].*/\1/p' "$T/cmd.out" | head -1)
        xfer=$(awk -v k="$kib" -v m="$MIB" 'BEGIN{ if (k > 0) printf "%.3f", m * 1024 / k }')
    fi
    [ -n "$xfer" ] || { echo "#   $who: no transfer rate in the output" >&2; echo FAIL; return 1; }
    echo "$wall $xfer $cpu $(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN{printf "%.2f", (b - a) / hz}')"
}

declare -A SUMMARY
echo "  runs (${MIB} MiB each; wall = whole command, xfer = open..close, cpu in seconds):"
printf '  %-6s %-8s %-10s %3s %8s %8s %9s %11s %10s\n' dialect dir client rep "wall s" "xfer s" "xfer MiB/s" \
    "client cpu" "smbd cpu"
for d in $DIALECTS; do
    case $d in
    2.1) sd=SMB2_10 alg=hmac-sha256 ;;
    3.0) sd=SMB3_00 alg=aes-cmac ;;
    3.1.1) sd=SMB3_11 alg=aes-gmac ;;
    *) echo "  unknown dialect $d"; continue ;;
    esac
    got=$("$SMBSIGN_REL" client "//127.0.0.1:$PORT/share" -U "$USERNAME%$PASS" -m "$d" --signing required -c session 2>&1 |
        awk '$1=="signing-algorithm"{print $2}')
    [ "$got" = "$alg" ] || echo "  note: dialect $d negotiated signing-algorithm '$got', expected $alg"
    for dir in $DIRS; do
        declare -A best=()
        for rep in $(seq 1 "$REPS"); do
            order="ours smbclient"
            [ $((rep % 2)) -eq 0 ] && order="smbclient ours"
            for who in $order; do
                r=$(one_run "$who" "$d" "$sd" "$dir")
                if [ "$r" = FAIL ]; then
                    printf '  %-6s %-8s %-10s %3s  FAILED\n' "$d" "$dir" "$who" "$rep"
                    continue
                fi
                set -- $r
                printf '  %-6s %-8s %-10s %3s %8.2f %8.2f %9.0f %11.2f %10.2f\n' "$d" "$dir" "$who" "$rep" "$1" "$2" \
                    "$(awk -v m="$MIB" -v x="$2" 'BEGIN{print m / x}')" "$3" "$4"
                # best = shortest transfer time; keep that run's wall and CPU figures
                if [ -z "${best[$who]}" ] || awk -v a="$2" -v b="$(echo "${best[$who]}" | cut -d' ' -f2)" 'BEGIN{exit !(a<b)}'; then
                    best[$who]="$r"
                fi
                best[$who-all]="${best[$who-all]} $2"
                # best wall separately
                if [ -z "${best[$who-wall]}" ] || awk -v a="$1" -v b="${best[$who-wall]}" 'BEGIN{exit !(a<b)}'; then
                    best[$who-wall]=$1
                fi
            done
        done
        if [ -z "${best[ours]}" ] || [ -z "${best[smbclient]}" ]; then
            SUMMARY["$d $dir"]="  $(printf '%-6s %-12s %-8s' "$d" "$alg" "$dir") a transfer failed"
            continue
        fi
        SUMMARY["$d $dir"]=$(awk -v d="$d" -v alg="$alg" -v dir="$dir" -v mib="$MIB" -v o="${best[ours]}" \
            -v t="${best[smbclient]}" -v ow="${best[ours-wall]}" -v tw="${best[smbclient-wall]}" \
            -v oa="${best[ours-all]}" -v ta="${best[smbclient-all]}" '
            function median(list,   a, n, i, j, x) {
                n = split(list, a, " ");
                for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
                return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
            }
            BEGIN {
            split(o, O, " "); split(t, S, " "); g = mib / 1024;
            mo = mib / O[2]; mt = mib / S[2]; r = mo / mt; rw = tw / ow; rm = median(ta) / median(oa);
            printf "  %-6s %-12s %-8s %6.0f %6.0f %6.2fx %6.2fx %6.2fx %5.2f %5.2f %5.2f %5.2f  %s", d, alg, dir, mo, mt, r,
                rm, rw, O[3] / g, S[3] / g, O[4] / g, S[4] / g, (r >= 1.3 ? "met (>= 1.3x)" : "MISSED (>= 1.3x)") }')
    done
done
echo
echo "  summary: best of $REPS per client, ${MIB} MiB per transfer, files on ${T%/*}, $(date -u '+%Y-%m-%d %H:%M UTC')"
printf '  %-6s %-12s %-8s %6s %6s %7s %7s %7s %5s %5s %5s %5s  %s\n' dialect signing dir ours smbcl ratio median \
    "wall" "cpu/GiB" "" "smbd/GiB" "" "target (on the best xfer ratio)"
printf '  %-6s %-12s %-8s %6s %6s %7s %7s %7s %5s %5s %5s %5s\n' "" "" "" MiB/s MiB/s xfer ratio ratio ours smbcl ours \
    smbcl
for d in $DIALECTS; do
    for dir in $DIRS; do
        [ -n "${SUMMARY["$d $dir"]}" ] && echo "${SUMMARY["$d $dir"]}"
    done
done
echo "  xfer ratio = ours/smbclient best transfer-only throughput (the verdict: both clients time the same"
echo "  open..write/read..close span, so connect/auth/process start-up are out of it); median ratio = the"
echo "  same from the median transfer times (how much the verdict owes to luck on a noisy machine); wall"
echo "  ratio = smbclient/ours best whole-command wall time; cpu/GiB = client user+sys seconds per GiB;"
echo "  smbd/GiB = smbd CPU seconds per GiB, from the best run of each client."
echo "  The 2 cores are shared by the client and smbd (and whatever else runs on the machine)."
