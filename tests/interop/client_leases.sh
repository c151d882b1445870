#!/bin/bash
# tests/interop/client_leases.sh - client-side leases of `smbsign client`
# (issue 13; MS-SMB2 3.2.4.3.8, 3.2.5.19.2, 3.2.4.24; docs/client.md
# "Leases"): two of our clients on one file, against our server (`smbsign
# serve`, oplock break timeout 2000 ms) and Samba smbd on loopback.
#   A holds held.txt (`hold`, an RWH lease); B overwrites it (`put`): the
#   server breaks A's lease, A acknowledges, B proceeds at once.
#   Twins: A frozen (SIGSTOP) -> B waits the break timeout (smbd: B's own
#   4 s timeout runs out first, smbd waits 35 s); A with --leases=off -> no
#   lease, no break; `session` says leasing on|off (also at 2.1: a v1 RqLs
#   context, 3.1.1: v2, 2.0.2: none).
#   A man in the middle (lease_relay.py) strips the signature of A's
#   acknowledgement: our server refuses it (log line), B waits the timeout;
#   twin: the same relay passing it untouched -> B proceeds at once.
#   tshark: break notifications with MessageId 0xFFFFFFFFFFFFFFFF, SessionId 0
#   and unsigned (docs/server.md), A's acknowledgements signed.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"
HERE=$(cd "$(dirname "$0")" && pwd)
TIMEOUT_MS=2000
HOLD_SECS=8
fast=$(awk -v t=$TIMEOUT_MS 'BEGIN { print t / 2000 }')    # an acknowledged break: well under the timeout
slow=$(awk -v t=$TIMEOUT_MS 'BEGIN { print t / 1000 - 0.1 }') # the timeout passed

srv_setup
cat >"$SRV_DIR/on.conf" <<EOC
[global]
workers = 2
oplock break timeout = $TIMEOUT_MS
server smb encrypt = if_required
EOC
echo data >"$SRV_DIR/share/held.txt"
echo "new data" >"$SRV_DIR/new.txt"
CRED=alice%secret1

# holder PORT [ARGS...]: client A holds held.txt HOLD_SECS in the background
# (output $SRV_DIR/a.out, A_PID); back once it holds the file
holder() {
    local port=$1
    shift
    : >"$SRV_DIR/a.out"
    "$SMBSIGN" client "//127.0.0.1:$port/share" -U "$CRED" -t 30 "$@" \
        -c "hold held.txt $HOLD_SECS; session" >"$SRV_DIR/a.out" 2>&1 &
    A_PID=$!
    track_pid "$A_PID"
    for _ in $(seq 1 150); do grep -q '^held' "$SRV_DIR/a.out" && return 0; sleep 0.1; done
    return 1
}
# writer PORT [ARGS...]: client B overwrites held.txt; prints its seconds or "failed"
writer() {
    local port=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    if "$SMBSIGN" client "//127.0.0.1:$port/share" -U "$CRED" "$@" -c "put $SRV_DIR/new.txt held.txt" \
        >"$SRV_DIR/b.out" 2>&1; then
        t1=$(date +%s.%N)
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
    else
        echo failed
    fi
}
stop_a() {
    kill -CONT "$A_PID" 2>/dev/null
    kill "$A_PID" 2>/dev/null
    wait "$A_PID" 2>/dev/null
}
# pair wait|frozen|kill A_PORT B_PORT [A's ARGS...]: A holds, B overwrites
# (B_ARGS: more for B); wait: A ends by itself, frozen: A is stopped before B
# starts, kill: A is killed after B. Sets t (B's seconds) and a (A's output).
pair() {
    local how=$1 ap=$2 bp=$3
    shift 3
    holder "$ap" "$@" || return 1
    [ "$how" = frozen ] && kill -STOP "$A_PID"
    # shellcheck disable=SC2086
    t=$(writer "$bp" $B_ARGS)
    if [ "$how" = wait ]; then wait "$A_PID"; else stop_a; fi
    a=$(cat "$SRV_DIR/a.out")
}
# relay_start PORT MODE: lease_relay.py in front of our server on PORT
# (RELAY_PID, output $SRV_DIR/relay-MODE.out); back once it listens
relay_start() {
    $SRV_PY "$HERE/lease_relay.py" "$1" "$SRV_PORT" "$2" >"$SRV_DIR/relay-$2.out" 2>&1 &
    RELAY_PID=$!
    track_pid "$RELAY_PID"
    wait_port 127.0.0.1 "$1" 20
}
relay_stop() {
    kill "$RELAY_PID" 2>/dev/null
    wait "$RELAY_PID" 2>/dev/null
}

if srv_start required 127.0.0.1 "" -c "$SRV_DIR/on.conf"; then
    pcap=$SRV_DIR/leases.pcap
    have_tshark=
    RP_STRIP=$(free_port)
    RP_NONE=$(free_port)
    if command -v tshark >/dev/null; then
        tshark_start "$pcap" "tcp port $SRV_PORT or tcp port $RP_STRIP or tcp port $RP_NONE"
        have_tshark=1
    fi

    # 1. A holds with RWH, B overwrites: break, acknowledgement, B at once
    if pair wait "$SRV_PORT" "$SRV_PORT"; then
        check_match "ack: A holds held.txt with a lease" "$a" '^held held.txt leasing on$'
        check_match "ack: our server granted A RWH" "$(cat "$SRV_LOG")" 'granted 0xff lease \(lease state 0x7'
        check "ack: B's overwrite proceeds at A's acknowledgement ($t s < $fast s)" secs_lt "$t" "$fast"
        check_match "ack: A got one break and acknowledged it" "$a" '^released held.txt lease-breaks 1 lease-acks 1$'
        check_match "ack: the server accepted A's acknowledgement" "$(cat "$SRV_LOG")" \
            'lease break acknowledgement state 0x[0-7] -> STATUS_SUCCESS'
        check_match "ack: A's session says leasing on" "$a" '^leasing on$'
    else
        not_ok "ack: A holds held.txt"
    fi

    # 2. twin: A frozen, it cannot acknowledge: B waits the break timeout
    if pair frozen "$SRV_PORT" "$SRV_PORT"; then
        check "frozen A: B waits the break timeout ($t s >= $slow s)" secs_lt "$slow" "$t"
        check "frozen A: ... and not much longer ($t s < $slow + 3 s)" secs_lt "$t" "$(awk -v s="$slow" 'BEGIN { print s + 3 }')"
    else
        not_ok "frozen A: A holds held.txt"
    fi

    # 3. twin: A with --leases=off asks no lease, gets no break, B at once
    if pair wait "$SRV_PORT" "$SRV_PORT" --leases=off; then
        n0=$(grep -c 'oplock requested 0x00,' "$SRV_LOG")
        check_match "--leases=off: A holds held.txt without a lease" "$a" '^held held.txt leasing off$'
        check_match "--leases=off: no break reached A" "$a" '^released held.txt lease-breaks 0 lease-acks 0$'
        check "--leases=off: B proceeds at once ($t s < $fast s)" secs_lt "$t" "$fast"
        check "--leases=off: the server saw a CREATE without a lease (A's)" test "$n0" -ge 1
    else
        not_ok "--leases=off: A holds held.txt"
    fi

    # 3b. A's session encrypted (-e): the lease break comes in clear with
    # SessionId 0 (docs/server.md), the acknowledgement goes in a transform;
    # twin: the same, A frozen
    if pair wait "$SRV_PORT" "$SRV_PORT" -e; then
        check_match "encrypted A: holds with a lease" "$a" '^held held.txt leasing on$'
        check_match "encrypted A: encryption on" "$a" '^encryption on$'
        check_match "encrypted A: one break, acknowledged" "$a" '^released held.txt lease-breaks 1 lease-acks 1$'
        check "encrypted A: B proceeds at the acknowledgement ($t s < $fast s)" secs_lt "$t" "$fast"
    else
        not_ok "encrypted A: A holds held.txt"
    fi
    if pair frozen "$SRV_PORT" "$SRV_PORT" -e; then
        check "encrypted A frozen: B waits the break timeout ($t s >= $slow s)" secs_lt "$slow" "$t"
    else
        not_ok "encrypted A frozen: A holds held.txt"
    fi

    # 4. session: leasing on once a file was opened with a lease; off with
    # --no-leases, before any open, and at 2.0.2 (no leasing in 2.0.2)
    cl() { "$SMBSIGN" client "//127.0.0.1:$SRV_PORT/share" -U "$CRED" "$@" 2>&1; }
    check_match "session after a get: leasing on (3.1.1)" "$(cl -c "get held.txt $SRV_DIR/got; session")" '^leasing on$'
    check_match "session after a get at 2.1: leasing on" "$(cl -m 2.1 -c "get held.txt $SRV_DIR/got; session")" '^leasing on$'
    check_match "session after a get with --no-leases: leasing off" \
        "$(cl --no-leases -c "get held.txt $SRV_DIR/got; session")" '^leasing off$'
    check_match "session before any open: leasing off" "$(cl -c session)" '^leasing off$'
    out=$(cl -m 2.0.2 -c "get held.txt $SRV_DIR/got; session")
    check_match "session at 2.0.2: leasing off" "$out" '^leasing off$'
    check_match "session at 2.0.2: server-leasing off" "$out" '^server-leasing off$'
    check_match "session keeps the channels line" "$out" '^channels 1$'
    out=$(cl -c "hold held.txt soon")
    check_match "hold with a bad SECONDS: a clear error" "$out" "hold: SECONDS must be 0 to 86400, got 'soon'"
    out=$(cl -c "hold no-such-file.txt 1")
    check_match "hold of a missing file: STATUS_OBJECT_NAME_NOT_FOUND" "$out" 'OBJECT_NAME_NOT_FOUND'
    check_nomatch "... and nothing was held" "$out" '^held '
    cl --leases=maybe -c session >/dev/null
    rc=$?
    check "--leases=maybe is a usage error (exit $rc)" test "$rc" -eq 2

    # 5. the man in the middle strips the signature of A's acknowledgement:
    # refused by our server, B waits the timeout
    if relay_start "$RP_STRIP" strip-ack && pair kill "$RP_STRIP" "$SRV_PORT"; then
        r=$(cat "$SRV_DIR/relay-strip-ack.out")
        check_match "stripped ack: A signed its acknowledgement" "$r" '^ack signed=1 mid='
        check_match "stripped ack: the relay stripped it" "$r" '^tampered: stripped the signature of LEASE_BREAK_ACK'
        check "stripped ack: B waits the break timeout ($t s >= $slow s)" secs_lt "$slow" "$t"
        check_match "stripped ack: the server logged the refusal" "$(cat "$SRV_LOG")" \
            'signing: OPLOCK_BREAK refused: unsigned request on a session that requires signing'
        check_match "stripped ack: answered STATUS_ACCESS_DENIED" "$r" '^held back: answer to mid=[0-9]+ status 0xc0000022$'
    else
        not_ok "stripped ack: relay and holder start"
    fi
    relay_stop

    # twin: the relay passes the acknowledgement untouched: B at once
    if relay_start "$RP_NONE" none && pair wait "$RP_NONE" "$SRV_PORT"; then
        r=$(cat "$SRV_DIR/relay-none.out")
        check_match "relayed ack: A's signed acknowledgement went through" "$r" '^ack signed=1 mid='
        check_nomatch "relayed ack: the relay changed nothing" "$r" '^(tampered|held back)'
        check "relayed ack: B proceeds at once ($t s < $fast s)" secs_lt "$t" "$fast"
        check_match "relayed ack: A acknowledged" "$a" '^released held.txt lease-breaks 1 lease-acks 1$'
    else
        not_ok "relayed ack: relay and holder start"
    fi
    relay_stop

    if [ -n "$have_tshark" ]; then
        tshark_stop
        dec=(-d "tcp.port==$SRV_PORT,nbss" -d "tcp.port==$RP_STRIP,nbss" -d "tcp.port==$RP_NONE,nbss")
        rows=$(tshark -r "$pcap" "${dec[@]}" \
            -Y 'smb2.cmd == 18 && smb2.flags.response == 1 && smb2.msg_id == 0xffffffffffffffff' \
            -T fields -e smb2.sesid -e smb2.flags.signature 2>/dev/null)
        n=$(grep -c . <<<"$rows")
        # cases 1, 2, the stripped and the relayed one (each seen on both legs of the relay)
        check "tshark: lease break notifications with MessageId 0xFFFFFFFFFFFFFFFF (got $n >= 4)" test "$n" -ge 4
        check "tshark: every break notification has SessionId 0" test "$(grep -cvE '^0x0+[[:space:]]' <<<"$rows")" -eq 0
        check "tshark: no break notification is signed" test "$(grep -cvE '[[:space:]](0|False)$' <<<"$rows")" -eq 0
        acks() { # FILTER: "signature-flag" of the lease break acknowledgements matching FILTER
            tshark -r "$pcap" "${dec[@]}" -Y "smb2.cmd == 18 && smb2.flags.response == 0 && $1" \
                -T fields -e smb2.flags.signature 2>/dev/null
        }
        # the RqLs context: v1 (32 bytes, no ParentLeaseKey) only from the -m 2.1
        # session, v2 from the 3.1.1 ones (MS-SMB2 3.2.4.3.8)
        ctxs=$(tshark -r "$pcap" "${dec[@]}" -Y 'smb2.cmd == 5 && smb2.flags.response == 0 && smb2.lease.lease_key' \
            -T fields -e smb2.lease.parent_lease_key 2>/dev/null)
        check "tshark: one CREATE asked a v1 lease (the 2.1 session)" test "$(grep -c '^$' <<<"$ctxs")" -eq 1
        check "tshark: the 3.1.1 CREATEs asked v2 leases" test "$(grep -c . <<<"$ctxs")" -ge 5
        a_direct=$(acks "tcp.dstport == $SRV_PORT")
        a_to_relay=$(acks "tcp.dstport == $RP_STRIP")
        check "tshark: A's acknowledgements to the stripping relay are signed" \
            test -n "$a_to_relay" -a "$(grep -cvE '^(1|True)$' <<<"$a_to_relay")" -eq 0
        check "tshark: ... and at least one reached the server unsigned (the relay's)" \
            test "$(grep -cE '^(0|False)$' <<<"$a_direct")" -ge 1
        check "tshark: the other acknowledgements reached the server signed" \
            test "$(grep -cE '^(1|True)$' <<<"$a_direct")" -ge 2
    else
        echo "# SKIP tshark checks: tshark not installed"
    fi
    check "server still running" kill -0 "$SRV_PID"
    srv_stop
    check "our server: sanitizer-clean log" srv_san_clean "$SRV_LOG"
else
    not_ok "our server starts"
fi

# ---- Samba smbd (grants leases: smb2 leases = yes by default)
if command -v smbd >/dev/null && [ "$(id -u)" = 0 ]; then
    T=$(mk_tmpdir)
    chmod 755 "$T"
    PASS="pw-$RANDOM$RANDOM"
    if test_unix_user scl; then
        p=$(free_port)
        samba_conf "$T/smbd" "$p" "  server min protocol = SMB2_02
  server max protocol = SMB3_11
  server signing = mandatory"
        samba_user "$T/smbd" "$TEST_USER" "$PASS"
        samba_start "$T/smbd"
        track_pid "$SAMBA_PID"
        if wait_port 127.0.0.1 "$p" 20; then
            CRED=$TEST_USER%$PASS
            echo data >"$T/smbd/share/held.txt"
            chmod 666 "$T/smbd/share/held.txt"
            if pair wait "$p" "$p"; then
                check_match "smbd: A holds held.txt with a lease" "$a" '^held held.txt leasing on$'
                check "smbd: B's overwrite proceeds at A's acknowledgement ($t s < 5 s, smbd's timeout is 35 s)" \
                    secs_lt "$t" 5
                check_match "smbd: A got one break and acknowledged it" "$a" \
                    '^released held.txt lease-breaks 1 lease-acks 1$'
            else
                not_ok "smbd: A holds held.txt"
            fi
            # twin: A frozen; smbd waits 35 s for the acknowledgement, B gives up after 4 s
            if B_ARGS="-t 4" pair frozen "$p" "$p"; then
                check "smbd, frozen A: B cannot finish within its 4 s timeout (got $t)" test "$t" = failed
                check_match "smbd, frozen A: ... B timed out waiting" "$(cat "$SRV_DIR/b.out")" "timed out|TIMEOUT"
            else
                not_ok "smbd, frozen A: A holds held.txt"
            fi
            # A encrypted (smbd: the break and the acknowledgement as smbd wants them)
            if pair wait "$p" "$p" -e; then
                check_match "smbd, encrypted A: encryption on" "$a" '^encryption on$'
                check_match "smbd, encrypted A: one break, acknowledged" "$a" \
                    '^released held.txt lease-breaks 1 lease-acks 1$'
                check "smbd, encrypted A: B proceeds ($t s < 5 s)" secs_lt "$t" 5
            else
                not_ok "smbd, encrypted A: A holds held.txt"
            fi
            # twin: --leases=off: no lease, no break
            if pair wait "$p" "$p" --leases=off; then
                check_match "smbd --leases=off: A holds without a lease" "$a" '^held held.txt leasing off$'
                check_match "smbd --leases=off: no break reached A" "$a" \
                    '^released held.txt lease-breaks 0 lease-acks 0$'
                check "smbd --leases=off: B proceeds ($t s < 5 s)" secs_lt "$t" 5
            else
                not_ok "smbd --leases=off: A holds held.txt"
            fi
        else
            not_ok "smbd starts"
            cat "$T/smbd/smbd.out" | head -5
        fi
    else
        not_ok "a unix user for smbd"
    fi
else
    echo "# SKIP smbd cases: needs smbd and root"
fi

exit 0
