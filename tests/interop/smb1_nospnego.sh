#!/bin/bash
# tests/interop/smb1_nospnego.sh - our SMB1 client in the non-extended form
# (`smbsign client -m NT1 --no-spnego`: NEGOTIATE without FLAGS2_EXTENDED_SECURITY,
# 8-byte challenge, SESSION_SETUP_ANDX WordCount 13 with the NTLMv2 response in
# UnicodePassword and LMv2 in OEMPassword) against our SMB1 server with signing
# required: the session signs with MAC key = SessionBaseKey || NTLMv2 response
# (MS-CIFS 3.2.5.3), every request after SESSION_SETUP is signed and every response
# verified, put/get keep the bytes, a wrong password is refused, and a man in the
# middle flipping one byte of a signed WRITE_ANDX request (our server drops the
# connection) or READ_ANDX response (our client refuses it) is caught.
# (Samba smbd does not sign raw NTLMv2 sessions: see tests/interop/smb1_samba.sh.)
. "$(dirname "$0")/../lib.sh"
T=$(mk_tmpdir)
mkdir -p "$T/share"
printf 'pw1\n' | "$SMBSIGN" passwd -f "$T/users" --password-stdin alice >/dev/null
printf '[global]\nsmb1 = yes\n' >"$T/smb1.conf"
head -c 100003 /dev/urandom >"$T/payload"
MITM="$ROOT/tests/interop/smb1_mitm.py"

start() { # SIGNING
    local i
    for i in 1 2 3; do
        PORT=$(free_port)
        "$SMBSIGN" serve -c "$T/smb1.conf" --listen "127.0.0.1:$PORT" --share "s=$T/share" --users "$T/users" \
            --signing "$1" --log-level info >"$T/srv.log" 2>&1 &
        PID=$!
        track_pid $PID
        wait_port 127.0.0.1 "$PORT" 10 && kill -0 $PID 2>/dev/null && return 0
        kill $PID 2>/dev/null
    done
    return 1
}
stop() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }
cl() { # PORT LEVEL CMDS [OPTS]
    (cd "$T" && timeout 60 "$SMBSIGN" client "//127.0.0.1:$1/s" -U alice%pw1 -m NT1 -t 10 --signing "$2" -c "$3" \
        "${@:4}" 2>&1)
}

start required || not_ok "server starts (signing required)"
out=$(cl "$PORT" required "put payload up.bin; get up.bin back.bin; ls; echo; session" --no-spnego)
rc=$?
if [ $rc -eq 0 ] && cmp -s "$T/payload" "$T/back.bin" && cmp -s "$T/payload" "$T/share/up.bin"; then
    ok "--no-spnego vs our server (required): put/get round trip, identical bytes"
else
    not_ok "--no-spnego vs our server (required): put/get round trip (rc $rc)"
    echo "$out" | sed 's/^/#   /' | head -10
fi
check_match "--no-spnego: non-extended NTLMv2 form used" "$out" "^auth ntlmv2-non-extended\$"
check_match "--no-spnego: session signs (md5)" "$out" "^algorithm md5\$"
check_match "--no-spnego: server logged the non-extended session with signing on" "$(cat "$T/srv.log")" \
    "non-extended NTLMv2\): signing on"
rs=$(echo "$out" | sed -n 's/^requests_signed //p')
rv=$(echo "$out" | sed -n 's/^responses_verified //p')
if [ -n "$rs" ] && [ "$rs" -gt 5 ] && [ "$rv" = $((rs + 1)) ]; then
    ok "--no-spnego: all $rs requests signed, all $rv responses verified (SESSION_SETUP's included)"
else
    not_ok "--no-spnego: every message signed (requests_signed '$rs', responses_verified '$rv')"
fi
out=$(cl "$PORT" required "session")
check_match "default (extended security) still used without --no-spnego" "$out" "^auth spnego-ntlmssp\$"
out=$(cl "$PORT" required "ls" --no-spnego -U alice%wrong)
check_match "--no-spnego: wrong password refused" "$out" "STATUS_LOGON_FAILURE"
check_match "--no-spnego: server audit line for the wrong proof" "$(cat "$T/srv.log")" "wrong NTLMv2 proof"

for mode in flip-write flip-read; do
    for try in 1 2 3; do
        mp=$(free_port)
        /usr/bin/python3 "$MITM" "$mp" "$PORT" "$mode" 2>"$T/mitm-$mode.log" &
        mpid=$!
        track_pid $mpid
        wait_port 127.0.0.1 "$mp" 10 && kill -0 $mpid 2>/dev/null && break
    done
    rm -f "$T/share/m.bin" "$T/m.down"
    case $mode in
    flip-write)
        out=$(cl "$mp" required "put payload m.bin" --no-spnego)
        rc=$?
        check_match "--no-spnego mitm $mode: the relay tampered" "$(cat "$T/mitm-$mode.log")" "tampered $mode"
        check_match "--no-spnego mitm $mode: our server drops the connection (bad signature)" "$(cat "$T/srv.log")" \
            "SMB1 request 0x2f .*: dropping the connection"
        if [ $rc -ne 0 ] && ! cmp -s "$T/payload" "$T/share/m.bin"; then
            ok "--no-spnego mitm $mode: the upload did not complete (rc $rc)"
        else
            not_ok "--no-spnego mitm $mode: the upload did not complete (rc $rc)"
        fi
        ;;
    flip-read)
        cp "$T/payload" "$T/share/m.bin"
        out=$(cl "$mp" required "get m.bin m.down" --no-spnego)
        rc=$?
        check_match "--no-spnego mitm $mode: the relay tampered" "$(cat "$T/mitm-$mode.log")" "tampered $mode"
        check_match "--no-spnego mitm $mode: our client refuses the forged response" "$out" "STATUS_INVALID_SIGNATURE"
        if [ $rc -ne 0 ] && ! cmp -s "$T/payload" "$T/m.down" 2>/dev/null; then
            ok "--no-spnego mitm $mode: no forged bytes delivered (rc $rc)"
        else
            not_ok "--no-spnego mitm $mode: no forged bytes delivered (rc $rc)"
        fi
        ;;
    esac
    kill $mpid 2>/dev/null
    wait $mpid 2>/dev/null
done

# automatic fallback: the client asks for extended security (no --no-spnego) but the
# server answers without CAP_EXTENDED_SECURITY (a relay clears the client's Flags2 bit
# in NEGOTIATE, which is never signed): the client uses the non-extended form and signs
for try in 1 2 3; do
    mp=$(free_port)
    /usr/bin/python3 "$MITM" "$mp" "$PORT" strip-extsec 2>"$T/mitm-strip.log" &
    mpid=$!
    track_pid $mpid
    wait_port 127.0.0.1 "$mp" 10 && kill -0 $mpid 2>/dev/null && break
done
rm -f "$T/fb.bin"
out=$(cl "$mp" required "get up.bin fb.bin; session")
check_match "fallback: the relay cleared FLAGS2_EXTENDED_SECURITY" "$(cat "$T/mitm-strip.log")" "tampered strip-extsec"
check_match "fallback: server without CAP_EXTENDED_SECURITY -> non-extended form" "$out" "^auth ntlmv2-non-extended\$"
check_match "fallback: the session signs" "$out" "^signing yes\$"
check "fallback: identical bytes" cmp -s "$T/payload" "$T/fb.bin"
kill $mpid 2>/dev/null
wait $mpid 2>/dev/null
stop

# an unsigned non-extended session when nobody requires signing
start disabled || not_ok "server starts (signing disabled)"
out=$(cl "$PORT" disabled "put payload u.bin; session" --no-spnego)
check_match "--no-spnego vs our server (disabled): works unsigned" "$out" "^signing no\$"
check "--no-spnego (disabled): identical bytes" cmp -s "$T/payload" "$T/share/u.bin"
stop
