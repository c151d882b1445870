#!/bin/bash
# tests/interop/server_locks.sh - byte-range locks of smbsign serve (MS-SMB2
# 3.3.5.14, MS-FSA 2.1.5.7 / 2.1.4.10) with signing required:
#  - smbtorture smb2.lock.*: the tests that pass (docs/server.md lists the
#    others with their reasons); a pass is a "success:" line and no
#    failure/error/skip line;
#  - two impacket connections on two event loops (workers = 2): READ, WRITE
#    and LOCK conflicts and their disjoint-range twins, a blocking LOCK granted
#    when the other connection unlocks or closes, CANCEL, close of the waiting
#    handle (tests/interop/locks.py; every response's signature is checked);
#  - smbclient against a lock held by impacket: smbclient 4.17's "lock"
#    command sets POSIX locks through the SMB1 UNIX extensions only ("posix"
#    must come first), so over SMB2 the lock holder is impacket and smbclient
#    is the reader/writer that meets it.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"
HERE=$(dirname "$0")

srv_setup
srv_start required 127.0.0.1 "" --workers 2 || { not_ok "server starts (signing required, workers 2)"; exit 0; }

# ---- smbtorture
TORTURE=(
    smb2.lock.valid-request smb2.lock.rw-shared smb2.lock.rw-exclusive smb2.lock.auto-unlock
    smb2.lock.lock smb2.lock.async smb2.lock.cancel smb2.lock.cancel-tdis smb2.lock.cancel-logoff
    smb2.lock.errorcode smb2.lock.zerobytelength smb2.lock.zerobyteread smb2.lock.unlock
    smb2.lock.multiple-unlock smb2.lock.stacking smb2.lock.contend smb2.lock.context
    smb2.lock.range smb2.lock.overlap smb2.lock.truncate smb2.create.brlocked
)
srv_torture "${TORTURE[@]}"
# rw-none tests a Windows Server 2008 bug and skips itself elsewhere: a skip,
# never counted as a pass
out=$(timeout 60 smbtorture "//127.0.0.1/share" -p "$SRV_PORT" -U alice%secret1 smb2.lock.rw-none 2>&1)
if grep -q "^skip: " <<<"$out"; then echo "ok - smbtorture smb2.lock.rw-none # SKIP W2K8-only test"; else
    not_ok "smbtorture smb2.lock.rw-none skips itself (W2K8-only)"; fi

# ---- impacket, two connections on two event loops
out=$(timeout 120 $SRV_PY "$HERE/locks.py" conflict "$SRV_PORT" 2>&1)
check_match "two loops: A's exclusive lock granted" "$out" "^A lock excl 0/10 status=0x0 signed=1 sig_valid=1"
check_match "two loops: B's READ over it -> FILE_LOCK_CONFLICT (signed)" "$out" "^B read 0/10 status=0xc0000054 signed=1 sig_valid=1"
check_match "two loops: B's WRITE over it -> FILE_LOCK_CONFLICT" "$out" "^B write 5/2 status=0xc0000054 "
check_match "two loops: B's LOCK over it -> LOCK_NOT_GRANTED" "$out" "^B lock 9/1 status=0xc0000055 "
check_match "twin: B's READ of a disjoint range works" "$out" "^B read 10/10 status=0x0 "
check_match "twin: B's WRITE of a disjoint range works" "$out" "^B write 10/2 status=0x0 "
check_match "twin: B's LOCK of a disjoint range is granted" "$out" "^B lock 10/5 status=0x0 "
check_match "the lock holder's own READ passes (MS-FSA)" "$out" "^A read 0/10 status=0x0 "
check_match "twin: after A's unlock B reads the range" "$out" "^B read 0/10 after unlock status=0x0 "
check_match "twin: after A's unlock B locks the range" "$out" "^B lock 0/10 after unlock status=0x0 "

out=$(timeout 120 $SRV_PY "$HERE/locks.py" blocking "$SRV_PORT" 2>&1)
for how in unlock close; do
    check_match "blocking LOCK ($how): interim STATUS_PENDING, async" "$out" "^B interim \($how\) status=0x103 async=1 mid_match=1"
    check_match "blocking LOCK ($how): still waiting 1 s later (not granted early)" "$out" "^B still waiting after 1 s \($how\): 1"
    check_match "blocking LOCK ($how): granted when the other loop's connection ${how}s, signed final" "$out" \
        "^B final \($how\) status=0x0 async=1 aid_match=1 signed=1 sig_valid=1"
    check_match "blocking LOCK ($how): the range is B's (unlock succeeds)" "$out" "^B unlock \($how\) status=0x0 "
done
check_match "blocking LOCK cancelled -> STATUS_CANCELLED (signed)" "$out" "^B final after CANCEL status=0xc0000120 signed=1 sig_valid=1"
check_match "blocking LOCK whose handle closes -> STATUS_RANGE_NOT_LOCKED" "$out" \
    "^B final after its handle closed status=0xc000007e signed=1 sig_valid=1"
check_match "connection usable afterwards" "$out" "^echo B: True"
check_match "server log: the two connections were on loops 0 and 1" "$(grep -o 'event loop [01] of 2' "$SRV_LOG" | sort -u | tr '\n' ' ')" \
    "event loop 0 of 2 event loop 1 of 2"

# ---- smbclient meets a lock held by impacket
printf '0123456789abcdefghij' >"$SRV_DIR/share/locked.txt"
# hold_lock NAME [shared|far]: impacket holds the lock until the caller touches go
hold_lock() {
    HD=$(mk_tmpdir)
    [ -n "${1:-}" ] && touch "$HD/$1"
    $SRV_PY "$HERE/locks.py" hold "$SRV_PORT" "$HD" >"$HD/out" 2>&1 &
    HOLD_PID=$!
    track_pid $HOLD_PID
    local i
    for i in $(seq 1 300); do grep -q '^locked' "$HD/out" && break; sleep 0.1; done
    grep -q '^locked status=0x0 ' "$HD/out" && return 0
    not_ok "impacket holds the lock (${1:-exclusive})"
    touch "$HD/go" "$HD/go2"
    return 1
}
hold_release() {
    touch "$HD/go"
    local i
    for i in $(seq 1 300); do grep -q '^unlocked' "$HD/out" && break; sleep 0.1; done
    touch "$HD/go2"
    wait "$HOLD_PID" 2>/dev/null
}
if hold_lock; then
    out=$(smbc SMB3_11 required "get locked.txt got1")
    check_match "smbclient get of a range impacket locked exclusively -> FILE_LOCK_CONFLICT" "$out" "NT_STATUS_FILE_LOCK_CONFLICT"
    hold_release
    check_match "impacket unlocked" "$(cat "$HD/out")" "^unlocked status=0x0 "
    rm -f "$SRV_DIR/got2"
    out=$(smbc SMB3_11 required "get locked.txt got2")
    check "twin: after the unlock smbclient gets the file" cmp -s "$SRV_DIR/share/locked.txt" "$SRV_DIR/got2"
fi
if hold_lock far; then
    rm -f "$SRV_DIR/got3"
    out=$(smbc SMB3_11 required "get locked.txt got3")
    check "twin: a lock past the end of the file does not stop smbclient's get" cmp -s "$SRV_DIR/share/locked.txt" "$SRV_DIR/got3"
    hold_release
fi
if hold_lock shared; then
    rm -f "$SRV_DIR/got4"
    out=$(smbc SMB3_11 required "get locked.txt got4")
    check "a shared lock lets smbclient read" cmp -s "$SRV_DIR/share/locked.txt" "$SRV_DIR/got4"
    printf 'XXXXXXXXXXXXXXXXXXXX' >"$SRV_DIR/over.txt"
    out=$(smbc SMB3_11 required "put over.txt locked.txt")
    check_match "a shared lock stops smbclient's write -> FILE_LOCK_CONFLICT" "$out" "NT_STATUS_FILE_LOCK_CONFLICT"
    hold_release
    out=$(smbc SMB3_11 required "put over.txt locked.txt")
    check "twin: after the unlock smbclient's write lands" cmp -s "$SRV_DIR/over.txt" "$SRV_DIR/share/locked.txt"
fi

check_nomatch "server log: no ERROR lines" "$(cat "$SRV_LOG")" "ERROR"
srv_stop
check_nomatch "server exited without a sanitizer report" "$(cat "$SRV_LOG")" "ERROR: (Address|Leak|Thread)Sanitizer|runtime error"

# ---- SMB1 (smb1 = yes): an SMB1 client's READ/WRITE meet the SMB2 locks too
printf '[global]\nsmb1 = yes\n' >"$SRV_DIR/smb1.conf"
if srv_start required 127.0.0.1 "" -c "$SRV_DIR/smb1.conf"; then
    printf '0123456789abcdefghij' >"$SRV_DIR/share/locked.txt"
    if hold_lock; then
        rm -f "$SRV_DIR/got5"
        out=$(smbc NT1 required "get locked.txt got5")
        check_match "SMB1 (smbclient -m NT1) get over an SMB2 exclusive lock -> FILE_LOCK_CONFLICT" "$out" "NT_STATUS_FILE_LOCK_CONFLICT"
        hold_release
        out=$(smbc NT1 required "get locked.txt got5")
        check "twin: after the unlock the SMB1 get works" cmp -s "$SRV_DIR/share/locked.txt" "$SRV_DIR/got5"
    fi
    check_match "server log: the client spoke SMB1" "$(cat "$SRV_LOG")" "SMB1 NT LM 0.12 negotiated"
    srv_stop
else
    not_ok "server starts with smb1 = yes"
fi

# ---- "worker thread = no": the loop thread itself retries a waiting LOCK
printf '[global]\nworker thread = no\n' >"$SRV_DIR/nowork.conf"
if srv_start required 127.0.0.1 "" --workers 2 -c "$SRV_DIR/nowork.conf"; then
    out=$(timeout 120 $SRV_PY "$HERE/locks.py" blocking "$SRV_PORT" 2>&1)
    check_match "worker thread = no: blocking LOCK still waiting 1 s later" "$out" "^B still waiting after 1 s \(unlock\): 1"
    check_match "worker thread = no: granted when the other loop's connection unlocks" "$out" \
        "^B final \(unlock\) status=0x0 async=1 aid_match=1 signed=1 sig_valid=1"
    check_match "worker thread = no: granted when the other loop's connection closes" "$out" \
        "^B final \(close\) status=0x0 async=1 aid_match=1 signed=1 sig_valid=1"
    check_match "worker thread = no: the server said so" "$(cat "$SRV_LOG")" "no worker thread"
    srv_stop
else
    not_ok "server starts with worker thread = no"
fi
exit 0
