#!/bin/bash
# scripts/fuzz_long.sh - the long fuzzing campaign (`make fuzz-long
# FUZZ_SECONDS=N`): every libFuzzer target in build/fuzz/ runs N seconds of
# CPU, one target at a time at nice 19, from its kept corpus
# (fuzz/corpus/<target>/) with the dictionary of its protocol; afterwards
# what it found that adds coverage is merged back into the kept corpus
# (-merge=1), and crashes are kept in build/fuzz-long/crashes/.
# Prints one line per target and writes the table to build/fuzz-long/summary.txt:
#   target  execs  exec/s  cov  ft  corpus-before  corpus-after  crashes
# usage: scripts/fuzz_long.sh SECONDS [TARGET...]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-60}
shift
OUT=$ROOT/build/fuzz-long
mkdir -p "$OUT/crashes" "$OUT/logs"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || for t in "$ROOT"/build/fuzz/fuzz_*; do [ -x "$t" ] && targets+=("$(basename "$t")"); done
dict_for() {
    case $1 in
    *smb1*) echo "$ROOT/fuzz/smb1.dict" ;;
    *ntlm* | *spnego* | *auth* | *der_*) echo "$ROOT/fuzz/ntlmssp.dict" ;;
    *smb2* | *srv_conn* | *sign_verify* | *cli_poll* | *nb_framer* | *trace* | *scan_probe*) echo "$ROOT/fuzz/smb2.dict" ;;
    esac
}
printf '%-40s %12s %8s %6s %7s %6s %6s %7s\n' target execs exec/s cov ft before after crashes | tee "$OUT/summary.txt"
for n in "${targets[@]}"; do
    bin=$ROOT/build/fuzz/$n
    [ -x "$bin" ] || { echo "$n: not built (make fuzz)"; continue; }
    corpus=$ROOT/fuzz/corpus/$n
    mkdir -p "$corpus"
    work=$(mktemp -d "${TMPDIR:-/tmp}/smbsign-fuzzlong.XXXXXX")
    before=$(ls "$corpus" | wc -l)
    d=$(dict_for "$n")
    log=$OUT/logs/$n.log
    # the corpus dir is read, new inputs go to work/ (the kept corpus only
    # grows through the merge below)
    (cd "$work" && exec nice -n 19 "$bin" -max_total_time="$SECS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        ${d:+-dict="$d"} -artifact_prefix="$OUT/crashes/$n-" -print_final_stats=1 "$work" "$corpus") >"$log" 2>&1
    rc=$?
    nice -n 19 "$bin" -merge=1 -max_len=65536 "$corpus" "$work" >>"$log" 2>&1
    after=$(ls "$corpus" | wc -l)
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -1)
    eps=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    crashes=$(ls "$OUT/crashes" | grep -c "^$n-" || true)
    [ $rc -eq 0 ] || echo "# $n: exit $rc, see $log" >&2
    printf '%-40s %12s %8s %6s %7s %6s %6s %7s\n' "$n" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$before" "$after" \
        "$crashes" | tee -a "$OUT/summary.txt"
    rm -rf "$work"
done
