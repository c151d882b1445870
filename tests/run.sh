#!/bin/bash
# tests/run.sh - run every test tier and finish with "N passed, N failed".
#   unit     cmocka binaries built with ASan/UBSan (build/asan/tests/test_*), TAP output
#   fuzz     each libFuzzer target over its seed corpus plus a short random run
#   cli      tests/cli/*.sh   - the smbsign command's contracts (ASan build)
#   interop  tests/interop/*.sh - real peers (Samba, smbclient, impacket, nmap) on loopback
#   security tests/security/*.sh - one test per bug class that hurt other SMB implementations
#            (CVE regressions, NTLM relay), real peers as in interop
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
[ ${#TIERS[@]} -eq 0 ] && TIERS=(unit fuzz cli interop security)

# shellcheck source=harness.inc
. "$ROOT/tests/harness.inc"

# Temporary directories of the tests live below one root, removed at the end;
# anything a test leaves in /tmp outside it is reported as a failure.
export SMBSIGN_TEST_TMPROOT
SMBSIGN_TEST_TMPROOT=$(mktemp -d "${TMPDIR:-/tmp}/smbsign-run.XXXXXX")
chmod 755 "$SMBSIGN_TEST_TMPROOT" # servers that drop to a test user must traverse it
tmp_before=$(ls -d /tmp/smbsign-* 2>/dev/null | sort)

for tier in "${TIERS[@]}"; do
    case $tier in
    unit)
        echo "== unit (ASan/UBSan)"
        for t in "$ROOT"/build/asan/tests/test_*; do
            [ -x "$t" ] || continue
            run_unit "$t"
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
            (cd "$work" && exec timeout -k 5 180 "$t" -runs=20000 -max_total_time=60 -max_len=4096 -seed=1 "$work" \
                >"$log.raw" 2>&1)
            rc=$?
            runs=$(grep -oE '^#[0-9]+' "$log.raw" | tail -1 | tr -d '#')
            if [ $rc -eq 0 ]; then echo "ok - $n: seed corpus + ${runs:-20000} runs clean" >"$log"
            else { echo "not ok - $n: fuzzer found a problem (rc $rc)"; tail -40 "$log.raw"; } >"$log"; fi
            rm -rf "$work"
            account "fuzz/$n" "$log" "$rc"
        done
        ;;
    cli | interop | security)
        echo "== $tier"
        tmo=600
        [ "$tier" = cli ] || tmo=1500
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

# leftovers: every test directory lives below the run's own root, which is
# removed here whatever the tests left in it (what they left is listed as a
# note). Under CI (a machine of its own) no new /tmp/smbsign-* entry may remain
# outside it: that is a test that made its own directory in /tmp and leaked it.
# (/tmp/smbsign-run.* are the roots of other tests/run.sh instances.)
left=$(find "$SMBSIGN_TEST_TMPROOT" -mindepth 1 -maxdepth 1 2>/dev/null | head -5)
new_tmp=
if [ -n "${CI:-}" ]; then
    tmp_after=$(ls -d /tmp/smbsign-* 2>/dev/null | grep -v '^/tmp/smbsign-run\.' | sort)
    new_tmp=$(comm -13 <(echo "$tmp_before" | grep -v '^/tmp/smbsign-run\.') <(echo "$tmp_after") | grep . | head -5)
fi
echo "== harness"
{
    if [ -z "$new_tmp" ]; then echo "ok - harness: no test left a directory in /tmp"
    else echo "not ok - harness: left in /tmp by a test:"; echo "$new_tmp" | sed 's/^/#   /'; fi
    [ -n "$left" ] && { echo "# note: left in the run's root (removed now):"; echo "$left" | sed 's/^/#   /'; }
} >"$LOGDIR/harness_tmp.log"
account "harness/tmp" "$LOGDIR/harness_tmp.log" 0
[ -n "$left" ] && sed -n 's/^# note/  note/p; s/^#   /    /p' "$LOGDIR/harness_tmp.log"
rm -rf "$SMBSIGN_TEST_TMPROOT"
[ "$SKIP" -gt 0 ] && echo "($SKIP checks SKIPPED, not counted as passed: see the logs named above)"

if [ ${#FAILED_NAMES[@]} -gt 0 ]; then
    echo "== failures"
    printf '  %s\n' "${FAILED_NAMES[@]}"
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
