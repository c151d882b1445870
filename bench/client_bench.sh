#!/bin/bash
# bench/client_bench.sh - `smbsign client` vs `smbclient` moving a 1 GiB file
# to and from the same Samba smbd (loopback, private config, server signing =
# mandatory) per dialect: 2.1 (HMAC-SHA256), 3.0 (AES-CMAC), 3.1.1 (AES-GMAC).
# Prints MiB/s, the ratio smbsign/smbclient (target >= 1.3) and client CPU
# seconds per GiB. Both clients run in the same invocation, alternating.
# Env: CLIENT_BENCH_MIB (default 1024), CLIENT_BENCH_REPS (default 2).
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
SMBSIGN_REL=${SMBSIGN_REL:-$ROOT/build/smbsign}
MIB=${CLIENT_BENCH_MIB:-1024}
REPS=${CLIENT_BENCH_REPS:-2}
for t in smbd smbclient smbpasswd useradd; do
    command -v "$t" >/dev/null || { echo "  $t missing (scripts/deps.sh installs it)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "  needs root (starts smbd with a private config)"; exit 1; }
[ -x "$SMBSIGN_REL" ] || { echo "  $SMBSIGN_REL missing (make all)"; exit 1; }

# tmpfs when it has room (2 x 1 GiB + margin): page-cache writeback of a
# shared disk otherwise dominates and randomises both clients' figures
base=/tmp
if [ -d /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt $(((MIB * 3 + 512) * 1024)) ]; then base=/dev/shm; fi
T=$(mktemp -d "$base/smbsign-cbench.XXXXXX")
chmod 755 "$T"
SMBD_PID=
USERNAME=smbsigntest
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
PORT=$((20000 + RANDOM % 40000))
mkdir -p "$T"/{private,lock,state,cache,pid,ncalrpc,share,log,local}
chmod 777 "$T/share" "$T/local"
cat >"$T/smb.conf" <<EOC
[global]
  server role = standalone server
  smb ports = $PORT
  bind interfaces only = yes
  interfaces = 127.0.0.1
  private dir = $T/private
  lock directory = $T/lock
  state directory = $T/state
  cache directory = $T/cache
  pid directory = $T/pid
  ncalrpc dir = $T/ncalrpc
  passdb backend = tdbsam:$T/passdb.tdb
  log file = $T/log/log.%m
  log level = 0
  server signing = mandatory
  server min protocol = SMB2_02
  server max protocol = SMB3_11
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  smb encrypt = off
[share]
  path = $T/share
  read only = no
EOC
printf '%s\n%s\n' "$PASS" "$PASS" | smbpasswd -c "$T/smb.conf" -a -s "$USERNAME" >/dev/null
setsid smbd --foreground --no-process-group --debug-stdout -s "$T/smb.conf" >"$T/smbd.out" 2>&1 &
SMBD_PID=$!
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done

head -c $((MIB << 20)) /dev/urandom >"$T/local/src.bin"
cd "$T/local" || exit 1

# run: prints "wall user sys" of the command
timed() {
    /usr/bin/time -f "%e %U %S" -o "$T/time" "$@" >"$T/cmd.out" 2>&1 || { echo "FAIL"; sed 's/^/#   /' "$T/cmd.out" | head -5 >&2; return 1; }
    cat "$T/time"
}
ours() { timed "$SMBSIGN_REL" client "//127.0.0.1:$PORT/share" -U "$USERNAME%$PASS" -m "$1" --signing required -c "$2"; }
theirs() { timed smbclient "//127.0.0.1/share" -p "$PORT" -U "$USERNAME%$PASS" -m "$1" --client-protection=sign -c "$2"; }

printf '  %-6s %-12s %-8s %10s %10s %7s %12s %12s  %s\n' dialect signing dir "smbsign" "smbclient" ratio \
    "cpu s/GiB" "(smbclient)" target
for spec in "2.1 SMB2_10 hmac-sha256" "3.0 SMB3_00 aes-cmac" "3.1.1 SMB3_11 aes-gmac"; do
    set -- $spec
    d=$1 sd=$2 alg=$3
    got=$("$SMBSIGN_REL" client "//127.0.0.1:$PORT/share" -U "$USERNAME%$PASS" -m "$d" --signing required -c session 2>&1 |
        awk '$1=="signing-algorithm"{print $2}')
    [ "$got" = "$alg" ] || echo "  note: dialect $d negotiated signing-algorithm '$got', expected $alg"
    for dir in upload download; do
        best_o=; best_t=; cpu_o=; cpu_t=
        for _ in $(seq 1 "$REPS"); do
            if [ $dir = upload ]; then
                o=$(ours "$d" "put src.bin o.bin") || continue
                t=$(theirs "$sd" "put src.bin t.bin") || continue
            else
                o=$(ours "$d" "get o.bin o-back.bin") || continue
                t=$(theirs "$sd" "get t.bin t-back.bin") || continue
                cmp -s src.bin o-back.bin || echo "  WARNING: smbsign download differs from the source"
                rm -f o-back.bin t-back.bin
            fi
            set -- $o; ow=$1; oc=$(awk -v u="$2" -v s="$3" 'BEGIN{print u+s}')
            set -- $t; tw=$1; tc=$(awk -v u="$2" -v s="$3" 'BEGIN{print u+s}')
            if [ -z "$best_o" ] || awk -v a="$ow" -v b="$best_o" 'BEGIN{exit !(a<b)}'; then best_o=$ow; cpu_o=$oc; fi
            if [ -z "$best_t" ] || awk -v a="$tw" -v b="$best_t" 'BEGIN{exit !(a<b)}'; then best_t=$tw; cpu_t=$tc; fi
        done
        if [ -z "$best_o" ] || [ -z "$best_t" ]; then echo "  $d $dir: a transfer failed"; continue; fi
        awk -v d="$d" -v alg="$alg" -v dir="$dir" -v mib="$MIB" -v o="$best_o" -v t="$best_t" -v co="$cpu_o" -v ct="$cpu_t" 'BEGIN {
            mo = mib / (o > 0 ? o : 1e-9); mt = mib / (t > 0 ? t : 1e-9); r = mo / mt; g = mib / 1024;
            printf "  %-6s %-12s %-8s %7.0f MiB/s %7.0f MiB/s %6.2fx %12.2f %12.2f  %s\n", d, alg, dir, mo, mt, r,
                co / g, ct / g, (r >= 1.3 ? "met (>= 1.3x)" : "MISSED (>= 1.3x)") }'
    done
    rm -f "$T/share/o.bin" "$T/share/t.bin"
done
echo "  ${MIB} MiB per transfer, best of $REPS; wall time of the whole client process (connect, auth, transfer)."
echo "  cpu s/GiB = client user+sys seconds per GiB moved; smbd runs on the same shared cores; files on ${base}."
