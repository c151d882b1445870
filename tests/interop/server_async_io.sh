#!/bin/bash
# tests/interop/server_async_io.sh - READ/WRITE/FLUSH file I/O on the I/O
# threads, interim STATUS_PENDING responses and CANCEL (MS-SMB2 3.3.4.2,
# 3.3.4.1.1, 3.3.5.16) against real clients: smbclient at every dialect with
# signing required and "async io after = 0" (every READ/WRITE/FLUSH goes
# async) moving files of several sizes with identical bytes; impacket
# (tests/interop/async_io.py) checking the interim and the signed final
# responses itself; a FLUSH made slow by hundreds of MiB of dirty data that
# does not stop another connection; CANCEL of a queued and of a running job;
# CLOSE/TREE_DISCONNECT/LOGOFF/disconnect with jobs in flight. Negative twins:
# a small READ under a threshold gets no interim; a tampered final response
# fails the script's verification; a relay that strips the signature from the
# final async READ responses makes smbclient fail; with "io threads = 0" the
# slow FLUSH does hold the other connection up.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"

srv_setup
PY="$(dirname "$0")/async_io.py"
for sz in 0 1 65537 1048576 $((5 * 1024 * 1024 + 3)); do head -c $sz /dev/urandom >"$SRV_DIR/f$sz"; done
conf() { printf '[global]\n%s\n' "$@" >"$SRV_DIR/async.conf"; }

# ---- every READ/WRITE/FLUSH async: smbclient, all dialects, signing required
conf "async io after = 0"
if srv_start required 127.0.0.1 "" -c "$SRV_DIR/async.conf"; then
    for m in SMB2_02 SMB2_10 SMB3_00 SMB3_02 SMB3_11; do
        bad=""
        for sz in 0 1 65537 1048576 $((5 * 1024 * 1024 + 3)); do
            out=$(smbc "$m" required "put f$sz up_${m}_$sz; get up_${m}_$sz down_${m}_$sz")
            cmp -s "$SRV_DIR/f$sz" "$SRV_DIR/down_${m}_$sz" && ! grep -q NT_STATUS <<<"$out" || bad="$bad $sz"
            rm -f "$SRV_DIR/down_${m}_$sz"
        done
        check_eq "async io after = 0, $m, signing required: put/get 0 B..5 MiB+3 identical bytes" "$bad" ""
    done
    check_match "server log: READs went async (interim sent)" "$(cat "$SRV_LOG")" "READ MessageId [0-9]+ pending as AsyncId"
    check_match "server log: WRITEs went async (interim sent)" "$(cat "$SRV_LOG")" "WRITE MessageId [0-9]+ pending as AsyncId"

    out=$(timeout 120 $SRV_PY "$PY" basic "$SRV_PORT" 2>&1)
    for op in write read flush; do
        cmd=$(case $op in write) echo 9 ;; read) echo 8 ;; flush) echo 7 ;; esac)
        check_match "impacket: $op interim: STATUS_PENDING, async, unsigned, credits granted" "$out" \
            "$op interim status=0x103 cmd=$cmd async=1 signed=0 sig_valid=0 mid_match=1 aid=[1-9][0-9]* credits=[1-9]"
        check_match "impacket: $op final: STATUS_SUCCESS, async, signed (AES-CMAC verified), no credits" "$out" \
            "$op final status=0x0 cmd=$cmd async=1 signed=1 sig_valid=1 mid_match=1 aid=[1-9][0-9]* credits=0"
        check_match "impacket: $op final carries the interim's AsyncId" "$out" "$op aid_match=1"
    done
    check_match "impacket: READ returns the bytes the async WRITE wrote" "$out" "read data_match=1"
    check_match "impacket: a tampered final READ fails the same verification" "$out" "read tampered sig_valid=0"
    check_match "impacket: connection usable after async I/O" "$out" "echo after: True"

    # negative twin of "final response is signed": strip the signature from the
    # final async READ responses in a relay, and smbclient refuses them
    RPORT=$(free_port)
    $SRV_PY "$(dirname "$0")/server_relay.py" "$RPORT" "$SRV_PORT" strip-async-read-sig \
        >"$SRV_DIR/relay.log" 2>&1 &
    RPID=$!
    track_pid $RPID
    if wait_port 127.0.0.1 "$RPORT" 20; then
        out=$(cd "$SRV_DIR" && timeout 60 smbclient //127.0.0.1/share -p "$RPORT" -U alice%secret1 -m SMB3_11 \
            --option="client signing=required" -c "get up_SMB3_11_65537 relayed" 2>&1)
        check "smbclient refuses final async READ responses whose signature was stripped" \
            bash -c "! cmp -s '$SRV_DIR/relayed' '$SRV_DIR/f65537'"
        check_match "relay: it did strip signatures of final async READ responses" "$(cat "$SRV_DIR/relay.log")" \
            "tampered: stripped signature of async READ"
        out=$(cd "$SRV_DIR" && timeout 60 smbclient //127.0.0.1/share -p "$RPORT" -U alice%secret1 -m SMB3_11 \
            --option="client signing=required" -c "ls" 2>&1)
        check_match "same relay, no READ: smbclient works (the relay itself is transparent)" "$out" "up_SMB3_11_65537"
    else
        not_ok "relay starts"
    fi
    kill $RPID 2>/dev/null
    rm -f "$SRV_DIR/relayed"

    # smbtorture's read/write tests with every READ/WRITE/FLUSH async
    for t in smb2.rw.rw1 smb2.rw.rw2 smb2.read.eof smb2.read.position smb2.read.dir smb2.read.access; do
        out=$(timeout 180 smbtorture "//127.0.0.1/share" -p "$SRV_PORT" -U alice%secret1 "$t" 2>&1)
        check_match "async io after = 0: smbtorture $t" "$out" "^success: "
    done

    # jobs in flight when their handle, tree, session or connection goes away
    head -c $((8 * 1024 * 1024)) /dev/urandom >"$SRV_DIR/share/abort.bin"
    out=$(timeout 120 $SRV_PY "$PY" abort "$SRV_PORT" abort.bin 2>&1)
    check_match "CLOSE with jobs in flight: session still works" "$out" "echo after close: True"
    check_match "jobs in flight at TREE_DISCONNECT/LOGOFF/disconnect: a new connection is served" "$out" \
        "new connection echo: True"
    check "server still running after jobs were orphaned" kill -0 "$SRV_PID"
    check "no ASan/UBSan report in the server log (async I/O)" srv_san_clean
    srv_stop
else
    not_ok "server starts with async io after = 0"
fi

# ---- threshold: a small READ that completes in time has no interim (twin of the above)
conf "async io after = 2000"
if srv_start required 127.0.0.1 "" -c "$SRV_DIR/async.conf"; then
    out=$(timeout 60 $SRV_PY "$PY" nointerim "$SRV_PORT" 2>&1)
    check_match "async io after = 2000: small READ answered in sync form, signed, no interim" "$out" \
        "small read first status=0x0 cmd=8 async=0 signed=1 sig_valid=1 mid_match=1 aid=0 credits=[1-9]"
    srv_stop
else
    not_ok "server starts with async io after = 2000"
fi

# ---- a slow FLUSH (fsync of 500 MiB dirty data) does not stop another connection
slow_file() {
    # 500 MiB written into the share's file just before: dirty in the page
    # cache (dirty_expire 30 s), so the server's fsync of it takes a while
    rm -f "$SRV_DIR/share/slow.bin"
    sync
    head -c $((500 * 1024 * 1024)) /dev/zero >"$SRV_DIR/share/slow.bin"
}
conf "async io after = 0" "log level = 3"
if srv_start required 127.0.0.1 "" -c "$SRV_DIR/async.conf"; then
    slow_file
    out=$(timeout 300 $SRV_PY "$PY" slow "$SRV_PORT" slow.bin "$SRV_LOG" 2>&1)
    check_match "slow FLUSH: interim STATUS_PENDING" "$out" "flush interim status=0x103 cmd=7 async=1 signed=0"
    check_match "slow FLUSH: running on an I/O thread (server log)" "$out" "flush started: True"
    check_match "READ queued behind the FLUSH on the same handle: interim" "$out" "read interim status=0x103 cmd=8 async=1"
    check_match "CANCEL of the queued READ: final async STATUS_CANCELLED, signed" "$out" \
        "read final status=0xc0000120 cmd=8 async=1 signed=1 sig_valid=1 mid_match=1"
    check_match "another connection's ECHO completes while the FLUSH is pending" "$out" "other echo: True"
    check_match "another connection's directory listing completes while the FLUSH is pending" "$out" "other ls: True"
    check_match "... and the FLUSH final had not arrived by then" "$out" \
        "flush still pending after other connection: True"
    check_match "CANCEL of the running FLUSH: it completes normally, signed" "$out" \
        "flush final status=0x0 cmd=7 async=1 signed=1 sig_valid=1 mid_match=1"
    check_match "connection usable after the slow FLUSH" "$out" "echo after: True"
    check "no ASan/UBSan report in the server log (slow FLUSH)" srv_san_clean
    srv_stop
else
    not_ok "server starts for the slow FLUSH"
fi
# a threshold the slow FLUSH outlasts: the interim comes from the worker's timer
conf "async io after = 50"
if srv_start required 127.0.0.1 "" -c "$SRV_DIR/async.conf"; then
    slow_file
    out=$(timeout 300 $SRV_PY "$PY" deadline "$SRV_PORT" slow.bin 2>&1)
    check_match "async io after = 50, slow FLUSH: interim STATUS_PENDING once the threshold passed, unsigned" "$out" \
        "flush first status=0x103 cmd=7 async=1 signed=0 sig_valid=0 mid_match=1 aid=[1-9][0-9]* credits=[1-9]"
    check_match "async io after = 50, slow FLUSH: then the signed final async response" "$out" \
        "flush second status=0x0 cmd=7 async=1 signed=1 sig_valid=1 mid_match=1 aid=[1-9][0-9]* credits=0"
    check "no ASan/UBSan report in the server log (threshold timer)" srv_san_clean
    srv_stop
else
    not_ok "server starts with async io after = 50"
fi
# negative twin: file I/O on the worker (io threads = 0) holds the other
# connection up when both share one event loop (workers = 1: one worker)
conf "io threads = 0" "workers = 1"
if srv_start required 127.0.0.1 "" -c "$SRV_DIR/async.conf"; then
    slow_file
    out=$(timeout 300 $SRV_PY "$PY" slowsync "$SRV_PORT" slow.bin 2>&1)
    check_match "io threads = 0: the other connection's ECHO completes only after the FLUSH response" "$out" \
        "flush answered before other echo: True"
    check_match "io threads = 0: the FLUSH is answered in sync form, signed" "$out" \
        "flush response status=0x0 cmd=7 async=0 signed=1 sig_valid=1"
    srv_stop
else
    not_ok "server starts with io threads = 0"
fi
# with two event loops the two connections have a worker each: the slow
# FLUSH on one does not hold up the other even without I/O threads
conf "io threads = 0" "workers = 2"
if srv_start required 127.0.0.1 "" -c "$SRV_DIR/async.conf"; then
    slow_file
    out=$(timeout 300 $SRV_PY "$PY" slowsync "$SRV_PORT" slow.bin 2>&1)
    check_match "io threads = 0, workers = 2: the other connection's ECHO completes before the FLUSH response" \
        "$out" "flush answered before other echo: False"
    check_match "io threads = 0, workers = 2: the connections were on loops 0 and 1" \
        "$(grep 'connected (event loop' "$SRV_LOG" | tr '\n' ' ')" "event loop [01] of 2.*event loop [01] of 2"
    srv_stop
else
    not_ok "server starts with io threads = 0, workers = 2"
fi
rm -f "$SRV_DIR/share/slow.bin"

exit 0
