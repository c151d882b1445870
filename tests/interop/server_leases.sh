#!/bin/bash
# tests/interop/server_leases.sh - oplocks and leases of smbsign serve
# (MS-SMB2 3.3.5.9.8, 3.3.5.9.11, 3.3.4.6, 3.3.4.7, 3.3.5.22; docs/server.md
# "Oplocks and leases"): smbtorture's signing, lease and oplock tests with
# signing mandatory; two impacket clients on one file across two event
# loops (the break is sent, acknowledged, and the waiting open proceeds; a
# frozen holder costs the break timeout; a holder whose acknowledgement has
# its signature stripped is refused and the open waits the timeout); the
# break notification header on the wire (tshark); and the twins with
# oplocks and leases off (no break at all).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"
HERE=$(cd "$(dirname "$0")" && pwd)
TIMEOUT_MS=2000

srv_setup
cat >"$SRV_DIR/on.conf" <<EOC
[global]
workers = 2
oplock break timeout = $TIMEOUT_MS
EOC
cat >"$SRV_DIR/off.conf" <<EOC
[global]
workers = 2
server leases = no
oplock break timeout = $TIMEOUT_MS
[nocache]
path = $SRV_DIR/share
oplocks = no
EOC

# ---- smbtorture with signing mandatory: the tests that pass (docs/server.md
# "smbtorture" lists every smb2.lease / smb2.oplock test that does not, with
# its reason)
TORTURE=(
    smb2.session.signing-hmac-sha-256 smb2.session.signing-aes-128-cmac smb2.session.signing-aes-128-gmac
    smb2.lease.break smb2.lease.breaking1 smb2.lease.breaking2 smb2.lease.breaking5
    smb2.lease.breaking6 smb2.lease.duplicate_create smb2.lease.duplicate_open smb2.lease.multibreak
    smb2.lease.oplock smb2.lease.statopen smb2.lease.statopen2 smb2.lease.upgrade smb2.lease.upgrade2
    smb2.lease.v1_bug15148 smb2.lease.v2_bug15148 smb2.lease.v2_complex2 smb2.lease.v2_epoch1
    smb2.lease.v2_epoch2 smb2.lease.v2_epoch3 smb2.oplock.batch10 smb2.oplock.batch11
    smb2.oplock.batch12 smb2.oplock.batch13 smb2.oplock.batch14 smb2.oplock.batch15 smb2.oplock.batch16
    smb2.oplock.batch19 smb2.oplock.batch2 smb2.oplock.batch20 smb2.oplock.batch21 smb2.oplock.batch23
    smb2.oplock.batch24 smb2.oplock.batch25 smb2.oplock.batch3 smb2.oplock.batch4 smb2.oplock.batch5
    smb2.oplock.batch7 smb2.oplock.batch8 smb2.oplock.exclusive1 smb2.oplock.exclusive2
    smb2.oplock.exclusive3 smb2.oplock.exclusive4 smb2.oplock.exclusive5 smb2.oplock.exclusive6
    smb2.oplock.exclusive9 smb2.oplock.levelii500 smb2.oplock.levelii501 smb2.oplock.levelii502 smb2.oplock.brl2
)
if srv_start required 127.0.0.1 "" -c "$SRV_DIR/on.conf"; then
    srv_torture "${TORTURE[@]}"
    check "server still running after smbtorture" kill -0 "$SRV_PID"
    srv_stop
    check "smbtorture: sanitizer-clean server log" srv_san_clean
else
    not_ok "server starts for smbtorture"
fi

# hold FILE KIND ACK: the holder in the background (output in $SRV_DIR/hold.out),
# back once it holds the file; HOLD_PID
hold() {
    : >"$SRV_DIR/hold.out"
    # not under timeout(1): SIGSTOP must reach the client itself (it gives up after 60 s)
    $SRV_PY "$HERE/lease_clients.py" hold "$SRV_PORT" "$1" "$2" "$3" >"$SRV_DIR/hold.out" 2>&1 &
    HOLD_PID=$!
    track_pid "$HOLD_PID"
    for _ in $(seq 1 100); do grep -q '^held' "$SRV_DIR/hold.out" && return 0; sleep 0.1; done
    return 1
}
# opener FILE: prints the opener's seconds (or "failed")
opener() {
    local o
    o=$(timeout 40 $SRV_PY "$HERE/lease_clients.py" open "$SRV_PORT" "$1" 2>&1)
    sed -nE 's/^opened in ([0-9.]+) s$/\1/p' <<<"$o" | grep . || { echo "failed: $o" | head -3; }
}
fast=$(awk -v t=$TIMEOUT_MS 'BEGIN { print t / 2000 }')    # an acknowledged break: well under the timeout
slow=$(awk -v t=$TIMEOUT_MS 'BEGIN { print t / 1000 - 0.1 }') # the timeout passed

echo data >"$SRV_DIR/share/held.txt"
if srv_start required 127.0.0.1 "" -c "$SRV_DIR/on.conf"; then
    pcap=$SRV_DIR/breaks.pcap
    have_tshark=
    command -v tshark >/dev/null && { tshark_start "$pcap" "tcp port $SRV_PORT"; have_tshark=1; }

    # 1. batch oplock, acknowledged: the opener waits only for the ack
    if hold held.txt batch ack; then
        t=$(opener held.txt)
        wait "$HOLD_PID"
        out=$(cat "$SRV_DIR/hold.out")
        check_match "batch oplock: the holder got an oplock break notification (24 bytes, MessageId all ones)" \
            "$out" '^break mid=0xffffffffffffffff sid=0x[0-9a-f]*[1-9a-f][0-9a-f]* signed=0 cmd=18 size=24$'
        check_match "batch oplock: its acknowledgement (signed) is accepted" "$out" '^ack status 0x00000000$'
        check "batch oplock: the second open proceeds at the ack ($t s < $fast s)" secs_lt "$t" "$fast"
        check_match "batch oplock: granted batch (0x09) to the holder" "$(cat "$SRV_LOG")" 'granted 0x09'
    else
        not_ok "batch oplock: the holder opens the file"
    fi

    # 2. lease v1 (2.1), acknowledged
    if hold held.txt lease ack; then
        t=$(opener held.txt)
        wait "$HOLD_PID"
        out=$(cat "$SRV_DIR/hold.out")
        check_match "lease: the holder got a lease break notification (44 bytes, SessionId 0, unsigned)" \
            "$out" '^break mid=0xffffffffffffffff sid=0x0 signed=0 cmd=18 size=44$'
        check_match "lease: its acknowledgement (signed) is accepted" "$out" '^ack status 0x00000000$'
        check "lease: the second open proceeds at the ack ($t s < $fast s)" secs_lt "$t" "$fast"
        check_match "lease: RWH granted to the holder" "$(cat "$SRV_LOG")" 'granted 0xff lease \(lease state 0x7'
    else
        not_ok "lease: the holder opens the file"
    fi

    # 3. the holder frozen (SIGSTOP): the open proceeds after the break timeout
    if hold held.txt batch ack; then
        kill -STOP "$HOLD_PID"
        t=$(opener held.txt)
        kill -CONT "$HOLD_PID"
        kill "$HOLD_PID" 2>/dev/null
        wait "$HOLD_PID" 2>/dev/null
        check "frozen holder: the open proceeds after the break timeout ($t s >= $slow s)" secs_lt "$slow" "$t"
        check "frozen holder: ... and not much later ($t s < $slow + 3 s)" secs_lt "$t" "$(awk -v s="$slow" 'BEGIN { print s + 3 }')"
    else
        not_ok "frozen holder: the holder opens the file"
    fi

    # 4. the acknowledgement with its signature stripped (SIGNED clear, zero
    # signature, as a man in the middle would send it) is refused, and the
    # open waits the whole timeout; its twin is case 2 (the same ack, signed)
    if hold held.txt lease strip; then
        t=$(opener held.txt)
        wait "$HOLD_PID"
        out=$(cat "$SRV_DIR/hold.out")
        check_match "stripped ack: refused with STATUS_ACCESS_DENIED" "$out" '^ack status 0xc0000022$'
        check "stripped ack: the open waited for the timeout ($t s >= $slow s)" secs_lt "$slow" "$t"
        check_match "stripped ack: the server logged the refusal" "$(cat "$SRV_LOG")" \
            'signing: OPLOCK_BREAK refused: unsigned request on a session that requires signing'
    else
        not_ok "stripped ack: the holder opens the file"
    fi

    if [ -n "$have_tshark" ]; then
        tshark_stop
        rows=$(tshark -r "$pcap" -d "tcp.port==$SRV_PORT,nbss" \
            -Y 'smb2.cmd == 18 && smb2.flags.response == 1 && smb2.msg_id == 0xffffffffffffffff' \
            -T fields -e smb2.sesid -e smb2.flags.signature -e smb2.tid 2>/dev/null)
        n=$(grep -c . <<<"$rows")
        check "tshark: 4 break notifications with MessageId 0xFFFFFFFFFFFFFFFF (got $n)" test "$n" -eq 4
        check "tshark: none of them is signed" test "$(grep -cvE '[[:space:]](0|False)[[:space:]]' <<<"$rows")" -eq 0
        check "tshark: the two lease breaks carry SessionId 0" \
            test "$(grep -cE '^0x0+[[:space:]]' <<<"$rows")" -eq 2
        check "tshark: the two oplock breaks carry the holder's SessionId" \
            test "$(grep -cE '^0x0*[1-9a-f][0-9a-f]*[[:space:]]' <<<"$rows")" -eq 2
    else
        echo "# SKIP tshark break notification checks: tshark not installed"
    fi
    out=$("$SMBSIGN" client "//127.0.0.1:$SRV_PORT/share" -U alice%secret1 -c session 2>&1)
    check_match "smbsign client session: the server offers leasing (3.1.1)" "$out" '^server-leasing on$'
    out=$("$SMBSIGN" client "//127.0.0.1:$SRV_PORT/share" -U alice%secret1 -m 2.0.2 -c session 2>&1)
    check_match "smbsign client session: no leasing at 2.0.2" "$out" '^server-leasing off$'
    check "server still running after the two-client cases" kill -0 "$SRV_PID"
    srv_stop
    check "two-client cases: sanitizer-clean server log" srv_san_clean
else
    not_ok "server starts (oplocks and leases on)"
fi

# ---- twin: server leases = no, oplocks = no on the share: nothing is
# granted, no break is sent, the open proceeds at once
if srv_start required 127.0.0.1 "" -c "$SRV_DIR/off.conf"; then
    export SHARE=nocache # the same directory, "oplocks = no"
    pcap=$SRV_DIR/nobreaks.pcap
    have_tshark=
    command -v tshark >/dev/null && { tshark_start "$pcap" "tcp port $SRV_PORT"; have_tshark=1; }
    if hold held.txt batch none; then
        t=$(opener held.txt)
        sleep 1
        kill "$HOLD_PID" 2>/dev/null
        wait "$HOLD_PID" 2>/dev/null
        check_nomatch "off: the holder got no break notification" "$(cat "$SRV_DIR/hold.out")" '^break'
        check "off: the open proceeds at once ($t s < $fast s)" secs_lt "$t" "$fast"
        check_match "off: no oplock granted" "$(cat "$SRV_LOG")" 'oplock requested 0x09, granted 0x00'
    else
        not_ok "off: the holder opens the file"
    fi
    if [ -n "$have_tshark" ]; then
        tshark_stop
        n=$(tshark -r "$pcap" -d "tcp.port==$SRV_PORT,nbss" -Y 'smb2.cmd == 18' -T fields -e frame.number 2>/dev/null |
            grep -c .)
        check "off: tshark sees no OPLOCK_BREAK at all (got $n)" test "$n" -eq 0
    else
        echo "# SKIP off: tshark check: tshark not installed"
    fi
    unset SHARE
    out=$("$SMBSIGN" client "//127.0.0.1:$SRV_PORT/share" -U alice%secret1 -c session 2>&1)
    check_match "off: smbsign client session: the server offers no leasing" "$out" '^server-leasing off$'
    out=$(smbc SMB3_11 required "ls" nocache)
    check_nomatch "off: smbclient still works" "$out" NT_STATUS
    srv_stop
else
    not_ok "server starts (oplocks and leases off)"
fi

exit 0
