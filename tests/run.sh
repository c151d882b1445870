#!/bin/bash
# tests/run.sh - run every test tier and finish with "N passed, N failed".
#   unit     cmocka binaries built with ASan/UBSan (build/asan/tests/test_*), TAP output
#   fuzz     each libFuzzer target over its seed corpus plus a short random run
#   cli      tests/cli/*.sh   - the smbsign command's contracts (ASan build)
#   interop  tests/interop/*.sh - real peers (Samba, smbclient, impacket, nmap) on loopback
# Every check prints a TAP line ("ok - NAME" / "not ok - NAME"); a script or binary
# that exits non-zero without reporting a failure counts as one failure.
# Options: --unit-only, --tier NAME (repeatable), or script paths to run only those.
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
export ROOT
export SMBSIGN=${SMBSIGN:-$ROOT/build/asan/smbsign}
export SMBSIGN_REL=${SMBSIGN_REL:-$ROOT/build/smbsign}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LOGDIR=$ROOT/build/test-logs
mkdir -p "$LOGDIR"
PASS=0
FAIL=0
FAILED_NAMES=()
TIERS=()
ONLY=()
while [ $# -gt 0 ]; do
    case "$1" in
    --unit-only) TIERS=(unit) ;;
    --tier) shift; TIERS+=("$1") ;;
    *) ONLY+=("$1") ;;
    esac
    shift
done
[ ${#TIERS[@]} -eq 0 ] && TIERS=(unit fuzz cli interop)

# account NAME LOGFILE EXITCODE
account() {
    local name=$1 log=$2 rc=$3 p f
    p=$(grep -cE '^ok( |$)' "$log")
    f=$(grep -cE '^not ok( |$)' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $name exited with status $rc without reporting a failure" >>"$log"
    fi
    PASS=$((PASS + p))
    FAIL=$((FAIL + f))
    if [ "$f" -gt 0 ]; then
        while IFS= read -r l; do FAILED_NAMES+=("$name: $l"); done < <(grep -E '^not ok' "$log")
        echo "  $name: $p passed, $f failed (log: ${log#$ROOT/})"
        grep -E '^not ok' "$log" | sed 's/^/    /' | head -20
    else
        echo "  $name: $p passed"
    fi
}

run_script() {
    local s=$1 tmo=$2 name log rc
    name=${s#$ROOT/}
    log=$LOGDIR/$(echo "$name" | tr '/' '_').log
    timeout -k 10 "$tmo" bash "$s" >"$log" 2>&1
    rc=$?
    [ $rc -eq 124 ] && echo "not ok - $name timed out after ${tmo}s" >>"$log"
    account "$name" "$log" $rc
}

for tier in "${TIERS[@]}"; do
    case $tier in
    unit)
        echo "== unit (ASan/UBSan)"
        for t in "$ROOT"/build/asan/tests/test_*; do
            [ -x "$t" ] || continue
            log=$LOGDIR/unit_$(basename "$t").log
            CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 600 "$t" >"$log" 2>&1
            account "unit/$(basename "$t")" "$log" $?
        done
        ;;
    fuzz)
        echo "== fuzz (seed corpora + short random runs)"
        for t in "$ROOT"/build/fuzz/fuzz_*; do
            [ -x "$t" ] || continue
            n=$(basename "$t")
            log=$LOGDIR/fuzz_$n.log
            corpus=$ROOT/fuzz/corpus/$n
            work=$(mktemp -d)
            [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
            # 20000 random runs, or 60 s of them for a slow target on a loaded
            # machine (libFuzzer stops cleanly at -max_total_time); the outer
            # timeout only catches a hang.
            (cd "$work" && timeout -k 5 180 "$t" -runs=20000 -max_total_time=60 -max_len=4096 -seed=1 "$work" \
                >"$log.raw" 2>&1)
            rc=$?
            runs=$(grep -oE '^#[0-9]+' "$log.raw" | tail -1 | tr -d '#')
            if [ $rc -eq 0 ]; then echo "ok - $n: seed corpus + ${runs:-20000} runs clean" >"$log"
            else { echo "not ok - $n: fuzzer found a problem (rc $rc)"; tail -40 "$log.raw"; } >"$log"; fi
            rm -rf "$work"
            account "fuzz/$n" "$log" 0
        done
        ;;
    cli | interop)
        echo "== $tier"
        tmo=600
        [ "$tier" = interop ] && tmo=1500
        for s in "$ROOT"/tests/$tier/*.sh; do
            [ -f "$s" ] || continue
            if [ ${#ONLY[@]} -gt 0 ]; then
                keep=0
                for o in "${ONLY[@]}"; do [ "$(realpath "$o")" = "$s" ] && keep=1; done
                [ $keep = 1 ] || continue
            fi
            run_script "$s" $tmo
        done
        ;;
    esac
done

if [ ${#FAILED_NAMES[@]} -gt 0 ]; then
    echo "== failures"
    printf '  %s\n' "${FAILED_NAMES[@]}"
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
