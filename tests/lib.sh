# tests/lib.sh - helpers for the shell test tiers (sourced). Every check prints
# one TAP line: "ok - NAME" or "not ok - NAME" followed by diagnostics.
# Servers started by a test are registered with track_pid and stopped by PID on exit.
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${SMBSIGN:=$ROOT/build/asan/smbsign}"
: "${SMBSIGN_REL:=$ROOT/build/smbsign}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
TEST_PIDS=()
TEST_TMPDIRS=()
TEST_USERS=()
T_FAILS=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; T_FAILS=$((T_FAILS + 1)); }

# check NAME CMD...        passes when CMD exits 0
check() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name"; echo "$out" | sed 's/^/#   /' | head -30; fi
}

# check_exit CODE NAME CMD...   passes when CMD exits with CODE
check_exit() {
    local want=$1 name=$2; shift 2
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ "$rc" = "$want" ]; then ok "$name"; else not_ok "$name (exit $rc, want $want)"; echo "$out" | sed 's/^/#   /' | head -30; fi
}

# check_eq NAME GOT WANT
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   got:  $2"; echo "#   want: $3"; fi
}

# check_match NAME TEXT REGEX     (grep -E on TEXT)
check_match() {
    if printf '%s\n' "$2" | grep -qE -- "$3"; then ok "$1"; else not_ok "$1"; echo "#   no match for /$3/ in:"; printf '%s\n' "$2" | sed 's/^/#   /' | head -30; fi
}

# check_nomatch NAME TEXT REGEX
check_nomatch() {
    if printf '%s\n' "$2" | grep -qE -- "$3"; then not_ok "$1"; echo "#   unexpected match for /$3/ in:"; printf '%s\n' "$2" | sed 's/^/#   /' | head -30; else ok "$1"; fi
}

track_pid() { TEST_PIDS+=("$1"); }
# mk_tmpdir: a private temporary directory. It is made below this script's own
# root (TEST_TMPROOT, created here in the script's shell), so "T=$(mk_tmpdir)"
# - which runs in a subshell and cannot register anything - is still removed
# with the root on exit. Under tests/run.sh the root sits inside the run's root,
# which the harness removes (and checks) even if the script was killed.
if [ -n "${SMBSIGN_TEST_TMPROOT:-}" ] && [ -d "$SMBSIGN_TEST_TMPROOT" ]; then
    TEST_TMPROOT=$(mktemp -d "$SMBSIGN_TEST_TMPROOT/s.XXXXXX")
else
    TEST_TMPROOT=$(mktemp -d "${TMPDIR:-/tmp}/smbsign-test.XXXXXX")
fi
chmod 755 "$TEST_TMPROOT" # servers that drop to a test user must traverse it
TEST_TMPDIRS+=("$TEST_TMPROOT")
mk_tmpdir() { mktemp -d "$TEST_TMPROOT/t.XXXXXX"; }

# free_port: a TCP port on 127.0.0.1 that nobody listens on now (high range).
free_port() {
    local p lo=20000 hi=32000 eph
    eph=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
    if [ -n "$eph" ] && [ "$eph" -gt 12000 ] 2>/dev/null; then hi=$((eph - 1)); lo=$((hi - 12000)); fi
    for _ in $(seq 1 200); do
        # below the kernel's ephemeral range (ip_local_port_range), so an
        # outgoing connection cannot take the port before our server binds it
        p=$((lo + RANDOM % (hi - lo)))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo $p; return 0; fi
    done
    return 1
}

# wait_port HOST PORT [SECONDS]: wait until something listens
wait_port() {
    local h=$1 p=$2 t=${3:-20} i
    for i in $(seq 1 $((t * 10))); do
        (exec 3<>/dev/tcp/$h/$p) 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

test_cleanup() {
    local p
    for p in "${TEST_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    sleep 0.2
    for p in "${TEST_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    for d in "${TEST_TMPDIRS[@]}"; do rm -rf "$d"; done
    for u in "${TEST_USERS[@]}"; do userdel "$u" 2>/dev/null; done
}

# test_unix_user PREFIX: create a unix account of this run only (PREFIX plus a
# unique suffix, no home, no shell) in TEST_USER, removed at exit. A fixed
# name shared between scripts (and between runs on one machine) let one run's
# cleanup delete the account under another's smbd: NT_STATUS_LOGON_FAILURE.
# Call it in the script's own shell, not in $(...).
test_unix_user() {
    local u i
    for i in 1 2 3 4 5; do
        u="$1$(printf '%05d%03d' $$ $((RANDOM % 1000)))"
        u=${u:0:31}
        if useradd -M -s /usr/sbin/nologin "$u" 2>/dev/null; then
            TEST_USERS+=("$u")
            TEST_USER=$u
            return 0
        fi
    done
    return 1
}
trap test_cleanup EXIT

# tshark_start PCAP FILTER: capture loopback traffic matching FILTER into PCAP
# and return once tshark says it is capturing (a fixed sleep lost the first
# packets on a loaded machine), plus a moment for the capture filter.
# Sets TSHARK_PID (tracked). tshark_stop: let the last packets land, stop it.
tshark_start() {
    tshark -i lo -f "$2" -w "$1" -q >"$1.log" 2>&1 &
    TSHARK_PID=$!
    track_pid "$TSHARK_PID"
    for _ in $(seq 1 150); do grep -q 'Capturing on' "$1.log" 2>/dev/null && break; sleep 0.2; done
    sleep 0.5
}
tshark_stop() {
    sleep 1
    kill "$TSHARK_PID" 2>/dev/null
    wait "$TSHARK_PID" 2>/dev/null
}

# samba_conf / samba_user / samba_start: a private smbd (tests/samba.inc)
# shellcheck source=samba.inc
. "$(dirname "${BASH_SOURCE[0]}")/samba.inc"
