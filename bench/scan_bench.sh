#!/bin/bash
# bench/scan_bench.sh - `smbsign scan` throughput and memory against nmap.
#
# Everything runs inside a network namespace this script creates (unshare -n):
# its loopback owns 127.0.0.0/8, so every 127.x.y.z reaches bench/scan_responder
# listening on 0.0.0.0:445 (nmap only probes 445/139), and nothing leaves the box.
#   1. smbsign scan of a /20 (4096 hosts), SMB2 + SMB1 probes (the default), best of 5
#   2. the same with --smb2-only (the work nmap's smb2-security-mode does), best of 5
#   3. nmap -p445 --script smb2-security-mode on a 256-host sample, best of 3
#   4. peak RSS with 10,000 hosts in flight (responder holds answers 2 s, /18 scanned)
# Prints hosts/s, the ratios to nmap, and peak memory. Targets: >= 20x nmap,
# >= 5,000 hosts/s, < 64 MiB at 10,000 in flight.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SMBSIGN=${SMBSIGN_REL:-$ROOT/build/smbsign}
RESP=$ROOT/build/bench/scan_responder
CONC=${SCAN_BENCH_CONCURRENCY:-256}
if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
    echo "scan bench: needs root and unshare -n (a private network namespace); skipped"
    exit 0
fi
for b in "$SMBSIGN" "$RESP"; do
    [ -x "$b" ] || { echo "scan bench: $b not built (make all bench)"; exit 1; }
done
HAVE_NMAP=1
command -v nmap >/dev/null || HAVE_NMAP=0
W=$(mktemp -d /tmp/smbsign-scanbench.XXXXXX)
trap 'rm -rf "$W"' EXIT

cat >"$W/inner.sh" <<EOI
set -u
ip link set lo up || exit 3
ulimit -n 20000 2>/dev/null || ulimit -n \$(ulimit -Hn)
"$RESP" -p 445 & R1=\$!
"$RESP" -p 446 -d 2000 & R2=\$!
trap 'kill \$R1 \$R2 2>/dev/null' EXIT
sleep 0.3
best() { # FILE LABEL CMD... : append "LABEL seconds" (wall time of one run) to FILE
    local t0 t1
    t0=\$(date +%s%N); "\${@:3}" >/dev/null 2>&1; t1=\$(date +%s%N)
    awk -v a="\$t0" -v b="\$t1" -v l="\$2" 'BEGIN { printf "%s %.6f\\n", l, (b - a) / 1e9 }' >>"\$1"
}
maxrss() { # OUTFILE CMD... : run CMD (an smbsign scan with --stats); its own VmHWM in KiB
    "\${@:2}" >/dev/null 2>"\$1.err"
    sed -n 's/.*peak RSS \\([0-9]*\\) KiB.*/\\1/p' "\$1.err" >"\$1"
}
for i in 1 2 3 4 5; do
    best "$W/times" full "$SMBSIGN" scan --no-progress --json -o "$W/full.jsonl" -c $CONC 127.16.0.0/20
    best "$W/times" smb2 "$SMBSIGN" scan --no-progress --smb2-only --json -o "$W/smb2.jsonl" -c $CONC 127.16.0.0/20
    best "$W/times" smb2_256 "$SMBSIGN" scan --no-progress --smb2-only --json -o "$W/s256.jsonl" -c $CONC 127.17.0.0/24
done
best "$W/times" full_default "$SMBSIGN" scan --no-progress --json -o "$W/fulld.jsonl" 127.16.0.0/20
maxrss "$W/rss20" "$SMBSIGN" scan --no-progress --stats --json -o /dev/null -c $CONC 127.16.0.0/20
if [ $HAVE_NMAP = 1 ]; then
    for i in 1 2 3; do
        best "$W/times" nmap nmap -Pn -n -p445 --script smb2-security-mode -oN "$W/nmap.txt" 127.17.0.0/24
    done
fi
maxrss "$W/rss10k" "$SMBSIGN" scan --no-progress --stats --json -o "$W/mem.jsonl" \
    -p 446 -c 10000 --timeout 8000 127.18.0.0/18
EOI
timeout -k 5 600 unshare -n bash "$W/inner.sh"

bestof() { awk -v k="$1" '$1 == k { if (m == "" || $2 < m) m = $2 } END { print m }' "$W/times"; }
ok_lines() { grep -c '"status":"ok"' "$1" 2>/dev/null || echo 0; }
full=$(bestof full); smb2=$(bestof smb2); fulld=$(bestof full_default); s256=$(bestof smb2_256); nm=$(bestof nmap)
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print 0 }'; }
r_full=$(rate 4096 "$full"); r_smb2=$(rate 4096 "$smb2"); r_fulld=$(rate 4096 "$fulld"); r_s256=$(rate 256 "$s256")
echo "targets: /20 of loopback (4096 hosts) via a private netns, responder: bench/scan_responder (0.0.0.0:445)"
printf '  smbsign scan (SMB2+SMB1), -c %s:     %6.3f s  %7s hosts/s  (%s/4096 ok)  %s (>= 5000 hosts/s)\n' "$CONC" "$full" "$r_full" \
    "$(ok_lines "$W/full.jsonl")" "$([ "$r_full" -ge 5000 ] && echo met || echo MISSED)"
printf '  smbsign scan (SMB2+SMB1), -c 1024:    %6.3f s  %7s hosts/s  (%s/4096 ok)\n' "$fulld" "$r_fulld" "$(ok_lines "$W/fulld.jsonl")"
printf '  smbsign scan --smb2-only, -c %s:     %6.3f s  %7s hosts/s  (%s/4096 ok)\n' "$CONC" "$smb2" "$r_smb2" "$(ok_lines "$W/smb2.jsonl")"
printf '  smbsign scan --smb2-only, 256 hosts:  %6.3f s  %7s hosts/s\n' "$s256" "$r_s256"
if [ -n "$nm" ]; then
    r_nm=$(rate 256 "$nm")
    printf '  nmap --script smb2-security-mode, 256 hosts: %6.3f s  %7s hosts/s  (%s answered)\n' "$nm" "$r_nm" "$(grep -c 'Message signing' "$W/nmap.txt")"
    awk -v a="$r_full" -v b="$r_smb2" -v c="$r_s256" -v n="$r_nm" 'BEGIN {
        printf "  ratio smbsign (SMB2+SMB1, /20) / nmap:       %5.1fx  %s (>= 20x)\n", a / n, (a / n >= 20 ? "met" : "MISSED")
        printf "  ratio smbsign --smb2-only (/20) / nmap:      %5.1fx  (same probe as nmap)\n", b / n
        printf "  ratio smbsign --smb2-only / nmap, same 256:  %5.1fx\n", c / n }'
else
    echo "  nmap not installed: no ratio"
fi
awk -v k="$(tail -1 "$W/rss20")" 'BEGIN { printf "  peak RSS, /20 scan:                  %6.1f MiB\n", k / 1024 }'
awk -v k="$(tail -1 "$W/rss10k")" 'BEGIN { printf "  peak RSS, 10,000 hosts in flight:    %6.1f MiB  %s (< 64 MiB)\n", k / 1024, (k > 0 && k < 65536 ? "met" : "MISSED") }'
sed 's/^/  10k run: /' "$W/rss10k.err"
echo "  (loopback has no latency, so a small -c is fastest there; on real networks raise -c)"
