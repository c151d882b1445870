#!/bin/bash
# harness_selftest.sh - the test harness (tests/harness.inc, as used by
# tests/run.sh) must never count a crash as a pass. Planted failures, each
# with its positive twin:
#   a unit-style binary (ASan) that prints its plan, one "ok", then overflows;
#   a binary killed by SIGSEGV after one "ok"; one that calls abort();
#   a script that exits 0 with fewer results than its plan;
#   a script that starts an ASan child which crashes while the script reports ok;
#   a "T=$(mk_tmpdir)" directory is gone when the script ends.
. "$(dirname "$0")/../lib.sh"
T=$(mk_tmpdir)

# harness_run KIND FILE: run FILE through the harness in a sandbox; prints
# "PASS FAIL" as the harness counted them
harness_run() {
    (
        ROOT=$T/root LOGDIR=$T/logs PASS=0 FAIL=0 SKIP=0 FAILED_NAMES=()
        mkdir -p "$LOGDIR"
        . "$(dirname "$0")/../harness.inc"
        case $1 in
        unit) run_unit "$2" >/dev/null ;;
        script) run_script "$2" 60 >/dev/null ;;
        esac
        echo "$PASS $FAIL"
    )
}

cc_asan() { cc -O0 -g -fsanitize=address,undefined -fno-omit-frame-pointer -o "$1" -x c - 2>&1; }

# 1. ASan stack-buffer-overflow after one ok (the bug this self-test exists for)
cc_asan "$T/crash_asan" <<'C'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    char b[8]; volatile int n = 16 + argc;
    printf("1..3\nok 1 - first\n"); fflush(stdout);
    memset(b, 'x', (size_t)n);
    printf("ok 2 - second %c\nok 3 - third\n", b[0]);
    return 0;
}
C
r=$(harness_run unit "$T/crash_asan")
check_match "a unit binary with an ASan overflow after one ok counts as failed" "$r" '^1 [1-9][0-9]*$'

# 2. SIGSEGV after one ok
cc -O0 -o "$T/crash_segv" -x c - <<'C'
#include <stdio.h>
#include <signal.h>
int main(void) { printf("1..2\nok 1 - first\n"); fflush(stdout); raise(SIGSEGV); printf("ok 2\n"); return 0; }
C
r=$(harness_run unit "$T/crash_segv")
check_match "a unit binary killed by SIGSEGV after one ok counts as failed" "$r" '^1 [1-9][0-9]*$'

# 3. abort() after one ok, no plan printed at all
cc -O0 -o "$T/crash_abort" -x c - <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(void) { printf("ok 1 - first\n"); fflush(stdout); abort(); }
C
r=$(harness_run unit "$T/crash_abort")
check_match "a binary that aborts without a plan counts as failed" "$r" '^1 [1-9][0-9]*$'

# positive twin: the same kind of binary, complete and clean
cc_asan "$T/clean" <<'C'
#include <stdio.h>
int main(void) { printf("1..2\nok 1 - first\nok 2 - second\n"); return 0; }
C
r=$(harness_run unit "$T/clean")
check_eq "twin: a complete clean binary counts 2 passed, 0 failed" "$r" "2 0"

# 4. a script that exits 0 with fewer results than planned
printf '%s\n' 'echo 1..3' 'echo "ok - a"' 'exit 0' >"$T/short.sh"
r=$(harness_run script "$T/short.sh")
check_match "a script with 1 of 3 planned results counts as failed" "$r" '^1 [1-9][0-9]*$'
printf '%s\n' 'echo 1..2' 'echo "ok - a"' 'echo "ok - b"' >"$T/full.sh"
r=$(harness_run script "$T/full.sh")
check_eq "twin: a script with all planned results passes" "$r" "2 0"

# 5. a script whose ASan child crashes while the script itself says ok
cat >"$T/child.sh" <<EOF2
"$T/crash_asan" >/dev/null 2>&1
echo "ok - the child's exit status was not looked at"
exit 0
EOF2
r=$(harness_run script "$T/child.sh")
check_match "a sanitizer report from a child process fails the script" "$r" '^1 [1-9][0-9]*$'
printf '%s\n' "\"$T/clean\" >/dev/null" 'echo "ok - clean child"' >"$T/child_ok.sh"
r=$(harness_run script "$T/child_ok.sh")
check_eq "twin: a clean ASan child leaves the script passing" "$r" "1 0"

# 6. a non-zero exit with only passing lines is a failure
printf '%s\n' 'echo "ok - a"' 'exit 3' >"$T/rc.sh"
r=$(harness_run script "$T/rc.sh")
check_eq "a script exiting 3 after one ok counts 1 passed, 1 failed" "$r" "1 1"

# 7. temporary directories made with T=\$(mk_tmpdir) are removed
cat >"$T/tmpuser.sh" <<EOF2
. "$ROOT/tests/lib.sh"
D=\$(mk_tmpdir)
echo "\$D" >"$T/tmpuser.path"
touch "\$D/file"
echo "ok - made \$D"
EOF2
SMBSIGN_TEST_TMPROOT= bash "$T/tmpuser.sh" >/dev/null 2>&1
d=$(cat "$T/tmpuser.path")
check "the script's temp directory existed under its own root" test -n "$d"
if [ -n "$d" ] && [ ! -e "$d" ] && [ ! -e "$(dirname "$d")" ]; then ok "T=\$(mk_tmpdir) is removed when the script exits"
else not_ok "T=\$(mk_tmpdir) is removed when the script exits"; echo "#   still there: $d"; fi
exit 0
