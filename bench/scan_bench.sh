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
#   5. shards: one process over a /16 vs four shards (--seed, --shard I/4) run at
#      once over the same /16, 3 rounds; the merged shard outputs must cover the
#      /16 exactly once; summed shard rate vs the single-process rate; peak RSS
#      of every shard process
#   6. a /8 target set: time to list shard 1/65536 (parse, index space,
#      permutation: no per-address allocation) and a 4096-host shard of it
# Prints hosts/s, the ratios to nmap, and peak memory. Targets: >= 20x nmap,
# >= 5,000 hosts/s, < 64 MiB at 10,000 in flight; shards: exactly once, summed
# rate >= single rate, <= 64 MiB per process, a /8 ready within 1 s.
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
for round in 1 2 3; do
    best "$W/times" single16 "$SMBSIGN" scan --no-progress --json -o "$W/single16.jsonl" -c $CONC 127.20.0.0/16
    t0=\$(date +%s%N)
    for i in 1 2 3 4; do
        "$SMBSIGN" scan --no-progress --stats --json -o "$W/sh\$i.jsonl" -c $CONC --seed 77 --shard \$i/4 127.20.0.0/16 2>"$W/sh\$i.err" &
        eval "P\$i=\\\$!"
    done
    wait \$P1 \$P2 \$P3 \$P4
    t1=\$(date +%s%N)
    awk -v a="\$t0" -v b="\$t1" 'BEGIN { printf "shards4 %.6f\\n", (b - a) / 1e9 }' >>"$W/times"
    cat "$W"/sh[1-4].jsonl | sed 's/.*"host":"\\([^"]*\\)".*/\\1/' | sort | uniq -c | awk '{ print \$1 }' | sort | uniq -c >"$W/cover.\$round"
    sed -n 's/.*peak RSS \\([0-9]*\\) KiB.*/\\1/p' "$W"/sh[1-4].err >>"$W/shard_rss"
    "$SMBSIGN" scan --merge "$W"/sh[1-4].jsonl >"$W/merge.\$round" 2>&1
done
/usr/bin/time -f '%e %M' -o "$W/t8" "$SMBSIGN" scan --list-targets --seed 1 --shard 1/65536 127.0.0.0/8 >"$W/l8"
maxrss "$W/rss8" "$SMBSIGN" scan --no-progress --stats --json -o "$W/s8.jsonl" -c $CONC --seed 1 --shard 1/4096 127.0.0.0/8
maxrss "$W/rss10k" "$SMBSIGN" scan --no-progress --stats --json -o "$W/mem.jsonl" \
    -p 446 -c 10000 --timeout 8000 127.18.0.0/18
EOI
timeout -k 5 600 unshare -n bash "$W/inner.sh"

bestof() { awk -v k="$1" '$1 == k { if (m == "" || $2 < m) m = $2 } END { print m }' "$W/times"; }
medof() { awk -v k="$1" '$1 == k { print $2 }' "$W/times" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
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
echo "shards: 127.20.0.0/16 (65536 hosts), SMB2+SMB1, -c $CONC, --seed 77; 3 rounds"
s1b=$(bestof single16); s1m=$(medof single16); s4b=$(bestof shards4); s4m=$(medof shards4)
awk -v b="$s1b" -v m="$s1m" 'BEGIN { printf "  one process:              best %6.3f s %7.0f hosts/s, median %6.3f s %7.0f hosts/s\n", b, 65536 / b, m, 65536 / m }'
awk -v b="$s4b" -v m="$s4m" 'BEGIN { printf "  4 shards at once (summed): best %6.3f s %7.0f hosts/s, median %6.3f s %7.0f hosts/s\n", b, 65536 / b, m, 65536 / m }'
awk -v a="$s1b" -v b="$s4b" -v c="$s1m" -v d="$s4m" 'BEGIN { printf "  summed / single rate:     best %.2fx, median %.2fx  %s (>= 1x)\n", a / b, c / d, (c / d >= 1 ? "met" : "MISSED") }'
for r in 1 2 3; do
    cov=$(tr -s ' ' <"$W/cover.$r" | sed 's/^ //')
    printf '  round %s coverage (count x times-seen): %s  %s\n' "$r" "$(echo $cov)" "$([ "$cov" = "65536 1" ] && echo "exactly once: met" || echo MISSED)"
done
grep -h "distinct" "$W/merge.1" | sed 's/^/  merge: /'
awk '{ if ($1 > m) m = $1 } END { printf "  peak RSS per shard process (max of 12): %.1f MiB  %s (<= 64 MiB)\n", m / 1024, (m > 0 && m <= 65536 ? "met" : "MISSED") }' "$W/shard_rss"
awk -v l="$(wc -l <"$W/l8")" '{ printf "  /8 target set, list shard 1/65536 (%d targets): %.2f s, %.1f MiB  %s (< 1 s)\n", l, $1, $2 / 1024, ($1 < 1 ? "met" : "MISSED") }' "$W/t8"
awk -v k="$(tail -1 "$W/rss8")" 'BEGIN { printf "  /8 target set, scan of shard 1/4096 (4096 hosts): peak RSS %.1f MiB  %s (<= 64 MiB)\n", k / 1024, (k > 0 && k <= 65536 ? "met" : "MISSED") }'
if [ -n "$nm" ]; then
    awk -v a="$s1m" -v b="$s4m" -v n="$(medof nmap)" 'BEGIN { printf "  vs nmap (median, same run): one process %.1fx, 4 shards %.1fx\n", (65536 / a) / (256 / n), (65536 / b) / (256 / n) }'
fi
echo "  (loopback has no latency, so a small -c is fastest there; on real networks raise -c)"
