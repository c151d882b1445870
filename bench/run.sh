#!/bin/bash
# bench/run.sh - run the benchmarks (make bench), one section per area.
# Usage: bench/run.sh [SECTION...]   (default: every section)
# Every section prints its figures next to a reference measured in the same
# run (openssl speed, a peer, or a physical limit) as a ratio. Timings are
# never asserted in tests; targets are printed as "met" / "MISSED".
#
# To add a section: define section_NAME() and append NAME to SECTIONS.
cd "$(dirname "$0")/.." || exit 2
B=${B:-build/bench}
SECTIONS=()

# ospeed BYTES ARGS... -> bytes/second reported by `openssl speed -mr`, best of
# OSPEED_RUNS (default 2) runs: the same best-of rule as the benchmarks use.
ospeed() {
    local bytes=$1 i; shift
    for i in $(seq 1 "${OSPEED_RUNS:-2}"); do
        openssl speed -mr -seconds "${OSPEED_SECONDS:-1}" -bytes "$bytes" "$@" 2>/dev/null
    done | awk -F: '/^\+F:/ {if ($NF + 0 > v) v = $NF + 0} END {printf "%.0f\n", v}'
}

# ---------------------------------------------------------------------------
# sign: libsmbsign sign/verify throughput vs the raw primitive (issue 2)
section_sign() {
    echo "== sign: libsmbsign sign / verify vs the raw primitive in 'openssl speed' (same run, one thread, CPU time)"
    if [ ! -x "$B/sign_bench" ]; then echo "  $B/sign_bench missing (make bench builds it)"; return 1; fi
    local out
    out=$("$B/sign_bench" "${SIGN_BENCH_SECONDS:-0.6}") || { echo "  sign_bench failed"; return 1; }
    declare -A raw
    local size
    for size in 64 1024 65536 1048576; do
        raw[md5:$size]=$(ospeed "$size" -evp md5)
        raw[hmac-sha256:$size]=$(ospeed "$size" -hmac sha256)
        raw[aes-cmac:$size]=$(ospeed "$size" -evp aes-128-cbc)
        raw[aes-gmac:$size]=$(ospeed "$size" -evp aes-128-gcm)
    done
    printf '  %-12s %8s %10s %10s  %-22s %10s %6s %12s  %s\n' algorithm size "sign MB/s" "verify MB/s" \
        "raw primitive" "raw MB/s" ratio "signs/s" target
    local alg n s v sps r ref ratio tgt want
    while read -r alg n s v sps; do
        case $alg in
        md5) ref="openssl md5"; want=0.90 ;;
        hmac-sha256) ref="openssl hmac(sha256)"; want=0.90 ;;
        aes-cmac) ref="openssl aes-128-cbc"; want=0.85 ;;
        aes-gmac) ref="openssl aes-128-gcm"; want=0.80 ;;
        esac
        r=${raw[$alg:$n]}
        ratio=$(awk -v s="$s" -v v="$v" -v r="$r" 'BEGIN { m = (s < v ? s : v); if (r > 0) printf "%.2f", m / r; else print "n/a" }')
        tgt=""
        if [ "$n" = 65536 ]; then
            tgt=$(awk -v x="$ratio" -v w="$want" 'BEGIN { printf "%s (>= %s at 64 KiB)", (x + 0 >= w ? "met" : "MISSED"), w }')
        elif [ "$n" = 64 ]; then
            tgt=$(awk -v x="$sps" 'BEGIN { printf "%s (>= 1M signs/s)", (x >= 1000000 ? "met" : "MISSED") }')
        fi
        printf '  %-12s %8s %10.0f %10.0f  %-22s %10.0f %6s %12.0f  %s\n' "$alg" "$n" \
            "$(awk -v x="$s" 'BEGIN{print x/1e6}')" "$(awk -v x="$v" 'BEGIN{print x/1e6}')" "$ref" \
            "$(awk -v x="$r" 'BEGIN{print x/1e6}')" "$ratio" "$sps" "$tgt"
    done <<<"$out"
    local ocmac
    ocmac=$(ospeed 65536 -cmac aes-128-cbc)
    echo "  for reference: OpenSSL's own CMAC (EVP_MAC) at 64 KiB: $(awk -v x="$ocmac" -v r="${raw[aes-cmac:65536]}" 'BEGIN { printf "%.0f MB/s = %.2f of aes-128-cbc", x / 1e6, (r > 0 ? x / r : 0) }')"
    echo "  ratio = min(sign, verify) / raw primitive; one sign or verify is one MAC pass over the message;"
    echo "  both sides are the best of several runs (sign_bench: 3, openssl speed: ${OSPEED_RUNS:-2})."
    echo "  Other processes share this machine's cores: figures vary between runs by several percent."
}
SECTIONS+=(sign)

# ---------------------------------------------------------------------------
# batch: multi-lane MACs, batch vs one message, aes-128-ctr ceiling (issue 16)
section_batch() {
    if [ ! -x "$B/batch_bench" ]; then echo "  $B/batch_bench missing (make bench builds it)"; return 1; fi
    "$B/batch_bench" "${SIGN_BENCH_SECONDS:-0.6}" || { echo "  batch_bench failed"; return 1; }
}
SECTIONS+=(batch)

# ---------------------------------------------------------------------------
# scan: hosts/s and peak memory vs nmap smb2-security-mode (issue 4)
section_scan() {
    echo "== scan: hosts/s and peak memory vs nmap smb2-security-mode (bench/scan_bench.sh)"
    bench/scan_bench.sh
}
SECTIONS+=(scan)

# ---------------------------------------------------------------------------
# client: smbsign client vs smbclient, 1 GiB up/down with signing mandatory (issue 5)
section_client() {
    echo "== client: 1 GiB upload/download, Samba server signing = mandatory, smbsign client vs smbclient (bench/client_bench.sh)"
    bench/client_bench.sh
}
SECTIONS+=(client)

# ---------------------------------------------------------------------------
# server: smbsign serve vs Samba smbd (issue 6)
section_server() {
    echo "== server: smbsign serve vs Samba smbd, signing mandatory, same client (bench/server_bench.sh)"
    bench/server_bench.sh
}
SECTIONS+=(server)

# ---------------------------------------------------------------------------
# smb1: SMB1 MD5 signing end to end vs smbd, and the live matrix (issue 7)
section_smb1() {
    bench/smb1_bench.sh
}
SECTIONS+=(smb1)

# trace: capture verification throughput vs tshark on the same capture (issue 14)
section_trace() {
    echo "== trace: smbsign trace vs tshark -o smb2.verify_signatures:TRUE on one 3.1.1 GMAC capture (bench/trace_bench.sh)"
    bench/trace_bench.sh
}
SECTIONS+=(trace)

# ---------------------------------------------------------------------------
want=("$@")
[ ${#want[@]} -eq 0 ] && want=("${SECTIONS[@]}")
rc=0
for s in "${want[@]}"; do
    if declare -F "section_$s" >/dev/null; then "section_$s" || rc=1; else echo "bench/run.sh: unknown section '$s'" >&2; rc=2; fi
    echo
done
exit $rc
