#!/bin/bash
# tests/interop/smb1_smbclient.sh - smbsign serve with `smb1 = yes` against real
# SMB1 clients: smbclient -m NT1 (every server level x client signing
# required/if_required/disabled: list, put, get with identical bytes, rename, mkdir, cd,
# rmdir, del), non-extended security (NTLMv2 without SPNEGO), a legacy-era
# server (smbclient with signing disabled refuses it on its own; signing clients
# work), impacket's SMB1 client (SMB_DIALECT), a tshark wire check
# (signatures present, non-zero and all different when signing is on), and a
# man in the middle that flips a byte of a signed WRITE_ANDX / READ_ANDX or
# replays a signed request (refused: the connection is dropped).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"

command -v smbclient >/dev/null || { not_ok "smbclient is installed"; exit 1; }
srv_setup
head -c 65537 /dev/urandom >"$SRV_DIR/f64k"
head -c 300001 /dev/urandom >"$SRV_DIR/f300k"
printf '[global]\nsmb1 = yes\n' >"$SRV_DIR/smb1.conf"
printf '[global]\nsmb1 = yes\nera = legacy\n' >"$SRV_DIR/smb1-legacy.conf"

# smbc1 CLIENT_SIGNING COMMANDS [port]
smbc1() {
    (cd "$SRV_DIR" && timeout 60 smbclient "//127.0.0.1/share" -p "${3:-$SRV_PORT}" -U alice%secret1 -m NT1 \
        --option="client min protocol=NT1" --option="client max protocol=NT1" \
        --option="client signing=$1" -c "$2" 2>&1)
}
# srv_start with up to 3 tries (another test may take the free port first)
srv1_start() {
    local i
    for i in 1 2 3; do
        srv_start "$@" && return 0
        kill "$SRV_PID" 2>/dev/null
        wait "$SRV_PID" 2>/dev/null
    done
    return 1
}
# Stop the server and require a clean exit (ASan/UBSan reports fail the check).
srv1_stop() {
    kill "$SRV_PID" 2>/dev/null
    wait "$SRV_PID" 2>/dev/null
    local rc=$?
    if [ "$rc" = 0 ]; then ok "server ($1) exits cleanly"; else
        not_ok "server ($1) exits cleanly (status $rc)"; grep -A25 -E 'Sanitizer|runtime error' "$SRV_LOG" | sed 's/^/#   /' | head -40; fi
}
last_smb1_signing() { grep "SMB1 session for" "$SRV_LOG" | tail -1 | sed -E 's/.*signing (on|off).*/\1/'; }

for level in required enabled disabled; do
    srv1_start "$level" 127.0.0.1 "" -c "$SRV_DIR/smb1.conf" || { not_ok "server starts (smb1, $level)"; continue; }
    for cs in required if_required disabled; do
        name="smb1 server-$level/client-$cs"
        f=f64k
        [ "$cs" = if_required ] && f=f300k
        if [ "$level" = required ] && [ "$cs" = disabled ]; then
            # Samba's own rule: "client signing = disabled" refuses a server whose
            # SecurityMode requires signing, right after NEGOTIATE.
            out=$(smbc1 "$cs" "ls")
            check_match "$name: smbclient refuses on its own after NEGOTIATE (Samba rule)" "$out" \
                "signing is required, but client\[disabled\] and server\[required\] mismatch"
            continue
        fi
        out=$(smbc1 "$cs" "put $f up_$cs; ls; rename up_$cs r_$cs; get r_$cs down_$cs; mkdir d_$cs; cd d_$cs; ls; cd ..; rmdir d_$cs; del r_$cs")
        rc=$?
        if [ $rc -eq 0 ] && ! grep -q NT_STATUS <<<"$out" && cmp -s "$SRV_DIR/$f" "$SRV_DIR/down_$cs" &&
            [ ! -e "$SRV_DIR/share/up_$cs" ] && [ ! -e "$SRV_DIR/share/r_$cs" ] && [ ! -e "$SRV_DIR/share/d_$cs" ]; then
            ok "$name: put/get ($f, identical bytes), rename, mkdir/cd/rmdir, ls, del"
        else
            not_ok "$name: file operations (rc $rc)"
            echo "$out" | sed 's/^/#   /' | head -20
        fi
        check_match "$name: ls shows the upload" "$out" "up_$cs +A? *N? +[0-9]+"
        rm -f "$SRV_DIR/down_$cs"
        # Current-era SMB1 table (seed 004): signed when either side requires it.
        if [ "$level" = required ] || [ "$cs" = required ]; then
            check_eq "$name: the session signs" "$(last_smb1_signing)" on
        elif [ "$level" = disabled ] || [ "$cs" = disabled ]; then
            check_eq "$name: the session does not sign" "$(last_smb1_signing)" off
        fi
    done
    grep -q "SMB1 NT LM 0.12 negotiated, SecurityMode $(case $level in required) echo 15;; enabled) echo 7;; *) echo 3;; esac) " "$SRV_LOG" &&
        ok "smb1 server-$level: SecurityMode $(case $level in required) echo 15;; enabled) echo 7;; *) echo 3;; esac) (KB887429)" ||
        not_ok "smb1 server-$level: SecurityMode as KB887429 says"
    srv1_stop "smb1 $level"
done

# Non-extended security (no SPNEGO): 8-byte challenge in NEGOTIATE, NTLMv2 response in
# SESSION_SETUP_ANDX (WordCount 13); MAC key = session key || NTLMv2 response.
for level in required disabled; do
    srv1_start "$level" 127.0.0.1 "" -c "$SRV_DIR/smb1.conf" || { not_ok "server starts (non-ext, $level)"; continue; }
    for cs in required disabled; do
        [ "$level" = required ] && [ "$cs" = disabled ] && continue
        out=$(cd "$SRV_DIR" && timeout 60 smbclient //127.0.0.1/share -p "$SRV_PORT" -U alice%secret1 -m NT1 \
            --option='client min protocol=NT1' --option='client use spnego=no' --option='client ntlmv2 auth=yes' \
            --option="client signing=$cs" -c "put f64k nx_$cs; get nx_$cs nx_$cs.down; del nx_$cs" 2>&1)
        if cmp -s "$SRV_DIR/f64k" "$SRV_DIR/nx_$cs.down" && ! grep -q NT_STATUS <<<"$out"; then
            ok "non-extended NTLMv2, server $level / client $cs: put/get identical"
        else
            not_ok "non-extended NTLMv2, server $level / client $cs: put/get identical"; echo "$out" | sed 's/^/#   /' | head
        fi
        want=off
        { [ "$level" = required ] || [ "$cs" = required ]; } && want=on
        check_match "non-extended NTLMv2, server $level / client $cs: session signing $want" "$(cat "$SRV_LOG")" \
            "non-extended NTLMv2\): signing $want"
    done
    out=$(cd "$SRV_DIR" && timeout 60 smbclient //127.0.0.1/share -p "$SRV_PORT" -U alice%wrong -m NT1 \
        --option='client min protocol=NT1' --option='client use spnego=no' --option='client ntlmv2 auth=yes' -c ls 2>&1)
    check_match "non-extended NTLMv2, server $level: wrong password refused" "$out" "NT_STATUS_LOGON_FAILURE"
    srv1_stop "non-extended $level"
done

# Off by default: without smb1 = yes an NT1-only client is refused.
srv1_start enabled || not_ok "server starts (no smb1)"
out=$(smbc1 if_required "ls")
check_match "smb1 off by default: an NT1-only client is refused" "$out" "NT_STATUS_|failed|Error"
srv1_stop "no smb1"

# Legacy era, server requires signing: smbclient with signing disabled refuses on its own
# after NEGOTIATE (SecurityMode 15); if_required and required sign and work. (The
# KB887429 TREE_CONNECT denial of a client that does not sign is exercised with our
# own legacy client in tests/cli/matrix_live.sh.)
srv1_start required 127.0.0.1 "" -c "$SRV_DIR/smb1-legacy.conf" || not_ok "server starts (smb1 legacy)"
out=$(smbc1 disabled "ls")
check_match "legacy required server: smbclient with signing disabled does not connect" "$out" \
    "NT_STATUS_ACCESS_DENIED"
for cs in if_required required; do
    out=$(smbc1 $cs "ls")
    check_match "legacy required server: smbclient $cs signs and lists" "$out" "blocks available"
    check_eq "legacy required server: smbclient $cs session signs" "$(last_smb1_signing)" on
done
srv1_stop legacy

# ---- impacket SMB1 client (SMB_DIALECT)
srv1_start required 127.0.0.1 "" -c "$SRV_DIR/smb1.conf"
cat >"$SRV_DIR/imp1.py" <<'PY'
import io, sys
from impacket.smbconnection import SMBConnection
from impacket.smb import SMB_DIALECT
port = int(sys.argv[1])
c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=SMB_DIALECT)
c.login('bob', 'hunter22')
assert c.getDialect() == SMB_DIALECT, c.getDialect()
data = bytes(range(256)) * 301
c.putFile('share', 'imp1.bin', io.BytesIO(data).read)
buf = io.BytesIO()
c.getFile('share', 'imp1.bin', buf.write)
assert buf.getvalue() == data, 'downloaded bytes differ'
names = [f.get_longname() for f in c.listPath('share', '*')]
assert 'imp1.bin' in names, names
c.deleteFile('share', 'imp1.bin')
c.logoff()
print('impacket smb1 ok')
PY
out=$(timeout 60 "$SRV_PY" "$SRV_DIR/imp1.py" "$SRV_PORT" 2>&1)
check_match "impacket SMB1 (SMB_DIALECT): login, put, get (identical), list, delete" "$out" "impacket smb1 ok"
[ -n "$(grep -v 'impacket smb1 ok' <<<"$out")" ] && echo "$out" | sed 's/^/#   /' | head -10
check_eq "impacket SMB1 session signs against a required server" "$(last_smb1_signing)" on
# AndX chains from impacket over the signed session (our server executes every element)
head -c 5000 /dev/urandom >"$SRV_DIR/share/chain.bin"
out=$(timeout 60 "$SRV_PY" "$ROOT/tests/interop/smb1_chain.py" "$SRV_PORT" bob hunter22 chain.bin \
    "$SRV_DIR/share/chain.bin" 2>&1)
check_match "impacket chained NT_CREATE_ANDX + READ_ANDX (FID 0xFFFF): one signed reply, both blocks, right bytes" \
    "$out" "chain open\+read ok"
check_match "impacket chain twin: unknown FID in the chained READ_ANDX -> STATUS_INVALID_HANDLE after the create" \
    "$out" "chain bad fid ok"
check_match "impacket: signed session still in step after the chains (LOGOFF)" "$out" "impacket chain ok"
[ -n "$(grep -v ' ok$' <<<"$out")" ] && echo "$out" | sed 's/^/#   /' | head -10
check "our server did not drop the chained requests (no signature failure)" \
    bash -c "! grep -q 'dropping the connection' '$SRV_LOG'"
srv1_stop impacket

# ---- tshark: every SMB1 message after SESSION_SETUP carries a non-zero signature, all different
if command -v tshark >/dev/null; then
    srv1_start required 127.0.0.1 "" -c "$SRV_DIR/smb1.conf"
    pcap=$SRV_DIR/smb1.pcap
    tshark_start "$pcap" "tcp port $SRV_PORT"
    smbc1 required "put f64k w.bin; get w.bin w.down; ls" >/dev/null
    tshark_stop
    rows=$(tshark -r "$pcap" -d "tcp.port==$SRV_PORT,nbss" -Y 'smb && smb.cmd != 0x72 && smb.cmd != 0x73' \
        -T fields -e smb.cmd -e smb.flags.response -e smb.signature 2>/dev/null)
    n=$(grep -c . <<<"$rows")
    if [ "$n" -ge 8 ]; then ok "tshark: $n SMB1 messages after SESSION_SETUP captured"; else
        not_ok "tshark: SMB1 messages captured ($n)"; fi
    zero=$(awk -F'\t' '$3 == "" || $3 ~ /^(00:?)+$/ || $3 ~ /^0+$/' <<<"$rows" | wc -l)
    check_eq "tshark: no SMB1 message after SESSION_SETUP has an empty or zero signature" "$zero" 0
    dup=$(cut -f3 <<<"$rows" | sort | uniq -d | wc -l)
    check_eq "tshark: signatures all differ (sequence numbers advance)" "$dup" 0
    srv1_stop tshark
else
    not_ok "tshark is installed"
fi

# ---- man in the middle: flip a signed WRITE / READ byte, replay a signed request
MITM="$ROOT/tests/interop/smb1_mitm.py"
for mode in flip-write flip-read replay clear-flags2-sig none; do
    srv1_start required 127.0.0.1 "" -c "$SRV_DIR/smb1.conf"
    for try in 1 2 3; do
        mp=$(free_port)
        "$SRV_PY" "$MITM" "$mp" "$SRV_PORT" "$mode" 2>"$SRV_DIR/mitm-$mode.log" &
        mpid=$!
        track_pid $mpid
        wait_port 127.0.0.1 "$mp" 10 && kill -0 $mpid 2>/dev/null && break
    done
    rm -f "$SRV_DIR/share/m.bin" "$SRV_DIR/m.down"
    case $mode in
    flip-write) out=$(smbc1 required "put f64k m.bin" "$mp") ;;
    flip-read) cp "$SRV_DIR/f64k" "$SRV_DIR/share/m.bin"; out=$(smbc1 required "get m.bin m.down" "$mp") ;;
    replay | clear-flags2-sig | none) out=$(smbc1 required "put f64k m.bin" "$mp") ;;
    esac
    if [ $mode = none ]; then
        # twin: the same upload through the same relay, untouched, arrives intact
        check_nomatch "mitm none: the relay changed nothing" "$(cat "$SRV_DIR/mitm-$mode.log")" "tampered"
        check "mitm none: the upload through the relay arrived intact" cmp -s "$SRV_DIR/f64k" "$SRV_DIR/share/m.bin"
        srv1_stop "mitm $mode"
        continue
    fi
    check_match "mitm $mode: the relay tampered" "$(cat "$SRV_DIR/mitm-$mode.log")" "tampered $mode"
    case $mode in
    flip-write | replay | clear-flags2-sig)
        check_match "mitm $mode: our server drops the connection (signature check)" "$(cat "$SRV_LOG")" \
            "dropping the connection"
        if cmp -s "$SRV_DIR/f64k" "$SRV_DIR/share/m.bin"; then not_ok "mitm $mode: the upload did not complete"; else
            ok "mitm $mode: the upload did not complete"; fi ;;
    flip-read)
        if cmp -s "$SRV_DIR/f64k" "$SRV_DIR/m.down"; then not_ok "mitm flip-read: smbclient refused the forged read"; else
            ok "mitm flip-read: smbclient refused the forged read"; fi ;;
    esac
    srv1_stop "mitm $mode"
done
