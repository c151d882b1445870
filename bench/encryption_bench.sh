#!/bin/bash
# bench/encryption_bench.sh - the seed's claim ("encryption performance in SMB
# 3.1.1 is actually much better than signing performance"), measured: one
# file (ENC_BENCH_MIB, default 1024 MiB) put and get over loopback, SMB 3.1.1,
# for
#   unsigned | signed HMAC-SHA256, AES-CMAC, AES-GMAC | encrypted AES-128-CCM,
#   AES-128-GCM, AES-256-GCM
# and three pairs: our client -> our server (smbsign serve), smbclient -> our
# server, smbclient -> smbd. Each cell prints throughput (MiB/s, whole
# command wall time, so connection setup is included) and the server's CPU
# seconds per GiB moved (utime+stime of the server from /proc, for smbd every
# process of its session plus what they reaped). The server is forced to one
# algorithm or cipher by its own configuration (server smb3 signing
# algorithms / server smb3 encryption algorithms), so the client's offer does
# not matter. Ratios printed at the end: GCM / unsigned and GCM / CMAC for our
# pair, smbclient GCM against our server / against smbd, server CPU ratio.
# The figures belong to the machine they ran on; on a loaded shared VM they
# move by tens of percent between runs. Env: ENC_BENCH_MIB, ENC_BENCH_PAIRS
# (default "ours smbc-ours smbc-smbd"), ENC_BENCH_MODES.
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
SMBSIGN_REL=${SMBSIGN_REL:-$ROOT/build/smbsign}
MIB=${ENC_BENCH_MIB:-1024}
PAIRS=${ENC_BENCH_PAIRS:-"ours smbc-ours smbc-smbd"}
MODES=${ENC_BENCH_MODES:-"unsigned hmac cmac gmac ccm gcm gcm256"}
# shellcheck source=../tests/samba.inc
. "$ROOT/tests/samba.inc"
# shellcheck source=bench.inc
. "$ROOT/bench/bench.inc"
bench_require smbd smbclient smbpasswd useradd
[ -x "$SMBSIGN_REL" ] || { echo "  $SMBSIGN_REL missing (make all)"; exit 1; }
HZ=$(getconf CLK_TCK)
bench_tmpdir smbsign-ebench "$MIB"
U=smbsigneb$$
PASS=pw-$RANDOM$RANDOM
SPID=
cleanup() {
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null
    sleep 0.3
    userdel "$U" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
useradd -M -s /usr/sbin/nologin "$U" || exit 1
mkdir -p "$T/share" "$T/local"
chmod 777 "$T/share"
head -c $((MIB << 20)) /dev/urandom >"$T/local/src"
printf '%s\n' "$PASS" | "$SMBSIGN_REL" passwd -f "$T/users" --password-stdin "$U" >/dev/null

# mode -> our server config lines / Samba lines / our client args / smbclient args
ours_conf() {
    case $1 in
    unsigned) printf 'server signing = disabled\n' ;;
    hmac) printf 'server signing = mandatory\nserver smb3 signing algorithms = hmac-sha256\n' ;;
    cmac) printf 'server signing = mandatory\nserver smb3 signing algorithms = aes-cmac\n' ;;
    gmac) printf 'server signing = mandatory\nserver smb3 signing algorithms = aes-gmac\n' ;;
    ccm) printf 'server signing = disabled\nserver smb encrypt = required\nserver smb3 encryption algorithms = aes-128-ccm\n' ;;
    gcm) printf 'server signing = disabled\nserver smb encrypt = required\nserver smb3 encryption algorithms = aes-128-gcm\n' ;;
    gcm256) printf 'server signing = disabled\nserver smb encrypt = required\nserver smb3 encryption algorithms = aes-256-gcm\n' ;;
    esac
}
samba_conf_for() {
    case $1 in
    unsigned) printf '  server signing = disabled\n' ;;
    hmac) printf '  server signing = mandatory\n  server smb3 signing algorithms = HMAC-SHA256\n' ;;
    cmac) printf '  server signing = mandatory\n  server smb3 signing algorithms = AES-128-CMAC\n' ;;
    gmac) printf '  server signing = mandatory\n  server smb3 signing algorithms = AES-128-GMAC\n' ;;
    ccm) printf '  server smb encrypt = required\n  server smb3 encryption algorithms = AES-128-CCM\n' ;;
    gcm) printf '  server smb encrypt = required\n  server smb3 encryption algorithms = AES-128-GCM\n' ;;
    gcm256) printf '  server smb encrypt = required\n  server smb3 encryption algorithms = AES-256-GCM\n' ;;
    esac
}
ours_client_args() {
    case $1 in
    unsigned) echo "--signing enabled" ;;
    hmac | cmac | gmac) echo "--signing required" ;;
    ccm) echo "-e --cipher aes-128-ccm" ;;
    gcm) echo "-e --cipher aes-128-gcm" ;;
    gcm256) echo "-e --cipher aes-256-gcm" ;;
    esac
}
smbc_args() {
    case $1 in
    unsigned) echo "--option=clientsigning=auto" ;;
    hmac | cmac | gmac) echo "--option=clientsigning=required" ;;
    *) echo "--client-protection=encrypt" ;;
    esac
}

start_ours() {
    local port
    port=$(( (RANDOM % 20000) + 30000 ))
    { printf '[global]\nlisten = 127.0.0.1:%s\nusers = %s\n' "$port" "$T/users"; ours_conf "$1";
      printf '[share]\npath = %s\nread only = no\n' "$T/share"; } >"$T/ours.conf"
    "$SMBSIGN_REL" serve --config "$T/ours.conf" >"$T/ours.out" 2>"$T/ours.log" &
    SPID=$!
    for _ in $(seq 1 100); do grep -q 'listening on' "$T/ours.out" 2>/dev/null && break; sleep 0.1; done
    PORT=$port
}
start_smbd() {
    local d=$T/samba port
    port=$(bench_free_port) || exit 1
    rm -rf "$d"
    SAMBA_SHARE=$T/share samba_conf "$d" "$port" "  server min protocol = SMB3_11
$(samba_conf_for "$1")"
    samba_user "$d" "$U" "$PASS"
    samba_start "$d"
    SPID=$SAMBA_PID
    bench_wait_port "$port"
    PORT=$port
}
server_ticks() { bench_session_ticks "$SPID"; } # smbd forks per client; children reaped included
run_client() { # PAIR MODE DIR
    local pair=$1 mode=$2 dir=$3 cmd
    if [ "$pair" = ours ]; then
        [ "$dir" = put ] && cmd="put $T/local/src dst" || cmd="get dst $T/local/got"
        # shellcheck disable=SC2046
        "$SMBSIGN_REL" client "//127.0.0.1:$PORT/share" -U "$U%$PASS" -m 3.1.1 $(ours_client_args "$mode") -c "$cmd" >/dev/null 2>"$T/err"
    else
        [ "$dir" = put ] && cmd="put src dst" || cmd="get dst got"
        # shellcheck disable=SC2046
        (cd "$T/local" && smbclient //127.0.0.1/share -p "$PORT" -U "$U%$PASS" -m SMB3_11 $(smbc_args "$mode") -c "$cmd" >/dev/null 2>"$T/err")
    fi
}
declare -A TP CPU
printf '%-10s %-8s %-4s %10s %14s\n' pair mode dir "MiB/s" "srv-cpu-s/GiB"
for pair in $PAIRS; do
    for mode in $MODES; do
        [ "$pair" = smbc-smbd ] && start_smbd "$mode" || start_ours "$mode"
        for dir in put get; do
            rm -f "$T/local/got"
            [ "$dir" = put ] && rm -f "$T/share/dst"
            sync
            t0=$(server_ticks)
            s=$(date +%s.%N)
            if run_client "$pair" "$mode" "$dir"; then
                e=$(date +%s.%N)
                sleep 0.5
                t1=$(server_ticks)
                if [ "$dir" = get ] && ! cmp -s "$T/local/src" "$T/local/got"; then
                    printf '%-10s %-8s %-4s %10s\n' "$pair" "$mode" "$dir" "CORRUPT"; continue
                fi
                tp=$(echo "$MIB / ($e - $s)" | bc -l)
                cpu=$(echo "($t1 - $t0) / $HZ * 1024 / $MIB" | bc -l)
                TP[$pair.$mode.$dir]=$tp
                CPU[$pair.$mode.$dir]=$cpu
                printf '%-10s %-8s %-4s %10.1f %14.2f\n' "$pair" "$mode" "$dir" "$tp" "$cpu"
            else
                printf '%-10s %-8s %-4s %10s  (%s)\n' "$pair" "$mode" "$dir" FAIL "$(head -c 120 "$T/err")"
            fi
        done
        kill "$SPID" 2>/dev/null
        wait "$SPID" 2>/dev/null
        SPID=
    done
done
ratio() { [ -n "${TP[$1]}" ] && [ -n "${TP[$2]}" ] && printf '%.2f' "$(echo "${TP[$1]} / ${TP[$2]}" | bc -l)" || printf 'n/a'; }
cratio() { [ -n "${CPU[$1]}" ] && [ -n "${CPU[$2]}" ] && printf '%.2f' "$(echo "${CPU[$1]} / ${CPU[$2]}" | bc -l)" || printf 'n/a'; }
echo
for dir in put get; do
    echo "$dir: ours GCM/unsigned $(ratio ours.gcm.$dir ours.unsigned.$dir) (target >= 0.85)," \
        "ours GCM/CMAC $(ratio ours.gcm.$dir ours.cmac.$dir) (target >= 1)," \
        "smbclient GCM ours/smbd $(ratio smbc-ours.gcm.$dir smbc-smbd.gcm.$dir) (target >= 1.5)," \
        "server CPU/GiB GCM ours/smbd $(cratio smbc-ours.gcm.$dir smbc-smbd.gcm.$dir) (target <= 0.5)"
    for p in ours smbc-ours smbc-smbd; do
        echo "  $p $dir: GCM/HMAC $(ratio $p.gcm.$dir $p.hmac.$dir), GCM/CMAC $(ratio $p.gcm.$dir $p.cmac.$dir)," \
            "GCM/GMAC $(ratio $p.gcm.$dir $p.gmac.$dir), CCM/CMAC $(ratio $p.ccm.$dir $p.cmac.$dir) (> 1: encryption faster)"
    done
done
