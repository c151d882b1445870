#!/bin/bash
# scripts/fuzz_long.sh - the long fuzzing campaign (`make fuzz-long
# FUZZ_SECONDS=N [FUZZ_JOBS=J]`): every libFuzzer target in build/fuzz/ runs N
# seconds (wall clock, libFuzzer's -max_total_time) at nice 19, J targets at a
# time (default 1), from its kept corpus (fuzz/corpus/<target>/) with the
# dictionary of its protocol; afterwards what it found that adds coverage is
# merged back into the kept corpus (-merge=1), and crashes are kept in
# build/fuzz-long/crashes/ (an input running over FUZZ_TIMEOUT s, default 30,
# is a timeout: generous, since on a shared machine a starved nice-19 process
# can take 20 s over an input that runs in 50 ms). The CPU each target really got (user + system
# of the fuzzer process, from bash's `times`) is measured, not assumed: on a
# shared machine it is less than the wall time.
# Prints one line per target and writes the table to build/fuzz-long/summary.txt
# (appending when FUZZ_APPEND=1), then the total CPU of this run:
#   target  execs  exec/s  cov  ft  corpus-before  corpus-after  crashes  cpu-s
# usage: scripts/fuzz_long.sh SECONDS [TARGET...]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-60}
shift
JOBS=${FUZZ_JOBS:-1}
OUT=$ROOT/build/fuzz-long
mkdir -p "$OUT/crashes" "$OUT/logs" "$OUT/rows"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || for t in "$ROOT"/build/fuzz/fuzz_*; do [ -x "$t" ] && targets+=("$(basename "$t")"); done
dict_for() {
    case $1 in
    *smb1*) echo "$ROOT/fuzz/smb1.dict" ;;
    *ntlm* | *spnego* | *auth* | *der_*) echo "$ROOT/fuzz/ntlmssp.dict" ;;
    *smb2* | *srv_conn* | *srv_core* | *sign_verify* | *cli_poll* | *nb_framer* | *trace* | *scan_probe* | *crypt*)
        echo "$ROOT/fuzz/smb2.dict" ;;
    esac
}
# cpu_secs TIMES-OUTPUT: the children line of bash's `times` ("XmY.YYYs XmY.YYYs") in seconds
cpu_secs() {
    awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] } printf "%.0f", s }' <<<"$1"
}
one() { # TARGET: fuzz it, merge, write its row to $OUT/rows/TARGET
    local n=$1 bin=$ROOT/build/fuzz/$1 corpus work before d log rc after execs eps cov ft crashes t cpu
    [ -x "$bin" ] || { echo "$n: not built (make fuzz)" >&2; return; }
    corpus=$ROOT/fuzz/corpus/$n
    mkdir -p "$corpus"
    work=$(mktemp -d "${TMPDIR:-/tmp}/smbsign-fuzzlong.XXXXXX")
    before=$(ls "$corpus" | wc -l)
    d=$(dict_for "$n")
    log=$OUT/logs/$n.log
    # the corpus dir is read, new inputs go to work/ (the kept corpus only
    # grows through the merge below)
    t=$(
        cd "$work" && nice -n 19 "$bin" -max_total_time="$SECS" -max_len=65536 -timeout="${FUZZ_TIMEOUT:-30}" -rss_limit_mb=2048 \
            ${d:+-dict="$d"} -artifact_prefix="$OUT/crashes/$n-" -print_final_stats=1 "$work" "$corpus" >"$log" 2>&1
        echo "rc=$?"
        times
    )
    rc=$(sed -n 's/^rc=//p' <<<"$t")
    cpu=$(cpu_secs "$(grep -v '^rc=' <<<"$t")")
    nice -n 19 "$bin" -merge=1 -max_len=65536 "$corpus" "$work" >>"$log" 2>&1
    after=$(ls "$corpus" | wc -l)
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -1)
    eps=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    crashes=$(ls "$OUT/crashes" | grep -c "^$n-" || true)
    [ "$rc" = 0 ] || echo "# $n: exit $rc, see $log" >&2
    printf '%-40s %12s %8s %6s %7s %6s %6s %7s %6s\n' "$n" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$before" "$after" \
        "$crashes" "${cpu:-0}" | tee "$OUT/rows/$n"
    rm -rf "$work"
}
hdr=$(printf '%-40s %12s %8s %6s %7s %6s %6s %7s %6s' target execs exec/s cov ft before after crashes cpu-s)
echo "$hdr"
[ "${FUZZ_APPEND:-0}" = 1 ] && [ -s "$OUT/summary.txt" ] || echo "$hdr" >"$OUT/summary.txt"
running=0
for n in "${targets[@]}"; do
    rm -f "$OUT/rows/$n"
    one "$n" &
    running=$((running + 1))
    if [ $running -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
total=0
for n in "${targets[@]}"; do
    [ -s "$OUT/rows/$n" ] || continue
    cat "$OUT/rows/$n" >>"$OUT/summary.txt"
    total=$((total + $(awk '{ print $NF }' "$OUT/rows/$n")))
done
echo "# this run: ${#targets[@]} targets, $total s of fuzzer CPU (user + system)" | tee -a "$OUT/summary.txt"
grep -q . <(ls "$OUT/crashes") && { echo "# crashes kept in $OUT/crashes:" >&2; ls "$OUT/crashes" >&2; exit 1; }
exit 0
