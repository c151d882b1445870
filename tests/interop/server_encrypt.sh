#!/bin/bash
# tests/interop/server_encrypt.sh - SMB 3.x encryption in `smbsign serve`:
#  - smbclient --client-protection=encrypt at SMB3_00, SMB3_02 and SMB3_11
#    against `server smb encrypt = required`: 5 MB put/get byte-identical, and
#    tshark sees every message after the SESSION_SETUP in a transform header
#    (smb2.header.transform.nonce), no clear SMB2 header after it;
#  - our client -e against our server with each cipher of
#    `server smb3 encryption algorithms`;
#  - a share with only `smb encrypt = required`: smbclient without
#    encryption is answered with SMB2_SHAREFLAG_ENCRYPT_DATA and encrypts;
#    our client without -e is refused with a clear message;
#  - 2.1 against an encrypt-required server: STATUS_ACCESS_DENIED;
#  - impacket (its own AES-CCM code, 3.0): the session works encrypted
#    (independent cross-check of our transform), and the same session with
#    the transform stripped (impacket told to send in clear) is refused with
#    STATUS_ACCESS_DENIED and an audit line;
#  - MITM (server_relay.py): one flipped byte of an encrypted WRITE request
#    or READ response: refused, the connection dropped, the file never
#    receives the byte; the server keeps serving;
#  - smbtorture smb2.session.encryption-aes-128-ccm, -aes-128-gcm,
#    -aes-256-ccm, -aes-256-gcm pass (they need the leases of issue 13).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/server_lib.inc"
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
for tool in smbclient tshark; do
    command -v "$tool" >/dev/null 2>&1 || { not_ok "server_encrypt: $tool is not installed"; exit 1; }
done
[ -x "$SMBSIGN" ] || { not_ok "server_encrypt: $SMBSIGN not built"; exit 1; }

srv_setup
mkdir -p "$SRV_DIR/encshare"
head -c 5000000 /dev/urandom >"$SRV_DIR/big"
conf() { # FILE GLOBAL-LINES
    printf '[global]\n%s\n[encshare]\n  path = %s\n  read only = no\n  smb encrypt = required\n' "$2" \
        "$SRV_DIR/encshare" >"$1"
}
still_serving() {
    local out
    out=$(smbc SMB3_11 auto "ls" share)
    check_match "$1: server still serves others" "$out" "blocks of size|blocks available"
}

# ---- smbclient at each 3.x dialect against a server requiring encryption
conf "$SRV_DIR/req.conf" "  server smb encrypt = required"
srv_start auto 127.0.0.1 "" --config "$SRV_DIR/req.conf" || { not_ok "server did not start"; exit 1; }
for m in SMB3_00 SMB3_02 SMB3_11; do
    pcap=$SRV_DIR/$m.pcap
    tshark_start "$pcap" "tcp port $SRV_PORT"
    out=$(cd "$SRV_DIR" && timeout 120 smbclient //127.0.0.1/share -p "$SRV_PORT" -U alice%secret1 -m "$m" \
        --option="client min protocol=$m" --client-protection=encrypt -c "put big e-$m; get e-$m got-$m" 2>&1)
    rc=$?
    tshark_stop
    check_eq "smbclient encrypt $m: exit status" 0 "$rc" || printf '%s\n' "$out" | tail -3
    if cmp -s "$SRV_DIR/big" "$SRV_DIR/got-$m"; then ok "smbclient encrypt $m: 5 MB round trip byte-identical"
    else not_ok "smbclient encrypt $m: 5 MB round trip differs"; fi
    n_tr=$(tshark -r "$pcap" -d "tcp.port==$SRV_PORT,nbss" -Y 'smb2.header.transform.nonce' -T fields -e frame.number 2>/dev/null | wc -l)
    last_ss=$(tshark -r "$pcap" -d "tcp.port==$SRV_PORT,nbss" -Y 'smb2.cmd == 1 && !smb2.header.transform.nonce' -T fields -e frame.number 2>/dev/null | tail -1)
    n_clear=$(tshark -r "$pcap" -d "tcp.port==$SRV_PORT,nbss" -Y "frame.number > ${last_ss:-0} && smb2 && !smb2.header.transform.nonce" -T fields -e frame.number 2>/dev/null | wc -l)
    if [ "$n_tr" -ge 10 ]; then ok "smbclient encrypt $m: tshark sees $n_tr transform headers"
    else not_ok "smbclient encrypt $m: tshark sees $n_tr transform headers"; fi
    check_eq "smbclient encrypt $m: no clear SMB2 message after SESSION_SETUP" 0 "$n_clear"
done
out=$(smbc SMB2_10 auto "ls" share)
check_match "2.1 against a server requiring encryption: refused" "$out" "NT_STATUS_ACCESS_DENIED"
check_match "2.1 refusal is logged" "$(cat "$SRV_LOG")" "AUDIT: .*SESSION_SETUP refused: encryption is required.*dialect before 3.0"

# ---- impacket: independent AES-CCM (3.0), and the transform stripped
imp() { # MODE: enc | strip
    "$PY" - "$SRV_PORT" "$1" <<'PYEOF' 2>&1
import sys
from impacket.smbconnection import SMBConnection
from impacket.smb3structs import SMB2_DIALECT_30, SMB2_SESSION_FLAG_ENCRYPT_DATA
port, mode = int(sys.argv[1]), sys.argv[2]
c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=SMB2_DIALECT_30)
c.login('alice', 'secret1')
s = c._SMBConnection
print('session-flags 0x%x' % s._Session['SessionFlags'])
if mode == 'strip':
    s._Session['SessionFlags'] &= ~SMB2_SESSION_FLAG_ENCRYPT_DATA  # send in clear from now on
try:
    files = [f.get_longname() for f in c.listPath('share', '*')]
    print('listed %d entries' % len(files))
except Exception as e:
    print('error %s' % e)
PYEOF
}
out=$(imp enc)
check_match "impacket 3.0: server sets SMB2_SESSION_FLAG_ENCRYPT_DATA" "$out" "^session-flags 0x4$"
check_match "impacket 3.0: encrypted session works (impacket's own AES-CCM)" "$out" "^listed [0-9]+ entries"
out=$(imp strip)
check_match "impacket 3.0, transform stripped: refused with STATUS_ACCESS_DENIED" "$out" "STATUS_ACCESS_DENIED"
check_nomatch "impacket 3.0, transform stripped: nothing listed" "$out" "^listed"
check_match "stripped transform is logged" "$(cat "$SRV_LOG")" "AUDIT: .*encryption: unencrypted TREE_CONNECT refused"

# ---- MITM: flip a byte of an encrypted WRITE request / READ response
relay() {
    RPORT=$(free_port)
    $PY "$HERE/server_relay.py" "$RPORT" "$SRV_PORT" "$1" >"$SRV_DIR/relay-$1.log" 2>&1 &
    RPID=$!
    track_pid $RPID
    wait_port 127.0.0.1 "$RPORT" 10
}
relay flip-enc-write
out=$(cd "$SRV_DIR" && timeout 60 smbclient //127.0.0.1/share -p "$RPORT" -U alice%secret1 -m SMB3_11 \
    --client-protection=encrypt -c "put big mitm_w" 2>&1)
check_match "MITM flips a byte of an encrypted WRITE: relay tampered" "$(cat "$SRV_DIR/relay-flip-enc-write.log")" "tampered: flip-enc-write"
check_nomatch "MITM encrypted WRITE: the upload does not succeed" "$out" "^putting file .*average"
if [ ! -e "$SRV_DIR/share/mitm_w" ] || ! cmp -s "$SRV_DIR/big" "$SRV_DIR/share/mitm_w"; then
    ok "MITM encrypted WRITE: the file never holds the whole upload"
else not_ok "MITM encrypted WRITE: file complete despite the flip"; fi
check_match "MITM encrypted WRITE: audit line, disconnected" "$(cat "$SRV_LOG")" "AUDIT: .*does not decrypt.*disconnecting"
kill $RPID 2>/dev/null
still_serving "MITM encrypted WRITE"
cp "$SRV_DIR/big" "$SRV_DIR/share/mitm_r"
relay flip-enc-read
out=$(cd "$SRV_DIR" && rm -f got-mitm && timeout 60 smbclient //127.0.0.1/share -p "$RPORT" -U alice%secret1 -m SMB3_11 \
    --client-protection=encrypt -c "get mitm_r got-mitm" 2>&1)
check_match "MITM flips a byte of an encrypted READ response: relay tampered" "$(cat "$SRV_DIR/relay-flip-enc-read.log")" "tampered: flip-enc-read"
if cmp -s "$SRV_DIR/big" "$SRV_DIR/got-mitm"; then not_ok "MITM encrypted READ: smbclient accepted the flipped data"
else ok "MITM encrypted READ: smbclient did not accept the flipped data"; fi
kill $RPID 2>/dev/null
relay none
out=$(cd "$SRV_DIR" && timeout 60 smbclient //127.0.0.1/share -p "$RPORT" -U alice%secret1 -m SMB3_11 \
    --client-protection=encrypt -c "get mitm_r got-none" 2>&1)
cmp -s "$SRV_DIR/big" "$SRV_DIR/got-none" && ok "MITM none: encrypted READ through the relay intact" || not_ok "MITM none: READ differs"
kill $RPID 2>/dev/null

# ---- a share that alone requires encryption
srv_stop
conf "$SRV_DIR/share.conf" "  server smb encrypt = if_required"
srv_start auto 127.0.0.1 "" --config "$SRV_DIR/share.conf" || { not_ok "server did not start"; exit 1; }
out=$(cd "$SRV_DIR" && timeout 60 smbclient //127.0.0.1/encshare -p "$SRV_PORT" -U alice%secret1 -m SMB3_11 \
    -c "put big s1; get s1 got-s1" 2>&1)
cmp -s "$SRV_DIR/big" "$SRV_DIR/got-s1" && ok "share-only required: smbclient (default) follows the share flag, round trip" \
    || { not_ok "share-only required: smbclient round trip"; printf '%s\n' "$out" | tail -3; }
out=$("$SMBSIGN" client "//127.0.0.1:$SRV_PORT/encshare" -U alice%secret1 --encrypt=off -c "put $SRV_DIR/big s2" 2>&1); rc=$?
check_match "share-only required: our client with --encrypt=off refused, names encryption" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" \
    "rc=1 .*STATUS_ACCESS_DENIED.*encrypt"
check "share-only required: nothing written without encryption" test ! -e "$SRV_DIR/encshare/s2"
# without -e our client follows the share flag too: that tree's requests go in transforms
out=$("$SMBSIGN" client "//127.0.0.1:$SRV_PORT/encshare" -U alice%secret1 -c "put $SRV_DIR/big s3; get s3 $SRV_DIR/got-s3; session" 2>&1); rc=$?
check_match "share-only required: our client without -e encrypts the share's tree" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" \
    "^rc=0 .*encryption off .*requests-encrypted [1-9]"
check "share-only required: our client without -e, round trip" cmp "$SRV_DIR/big" "$SRV_DIR/got-s3"
out=$("$SMBSIGN" client "//127.0.0.1:$SRV_PORT/share" -U alice%secret1 -c "put $SRV_DIR/big s4; session" 2>&1)
check_match "share-only required: the plain share stays in clear" "$out" "^encryption off$"
check_match "share-only required: the plain share: nothing encrypted (twin)" "$out" "^requests-encrypted 0$"
out=$(smbc SMB2_10 auto "ls" encshare)
check_match "share-only required: 2.1 client refused on the share" "$out" "NT_STATUS_ACCESS_DENIED"

# ---- our client, each cipher
srv_stop
for c in aes-128-gcm aes-128-ccm aes-256-gcm aes-256-ccm; do
    conf "$SRV_DIR/$c.conf" "  server smb encrypt = required
  server smb3 encryption algorithms = $c"
    srv_start auto 127.0.0.1 "" --config "$SRV_DIR/$c.conf" || { not_ok "server did not start"; continue; }
    out=$(cd "$SRV_DIR" && "$SMBSIGN" client "//127.0.0.1:$SRV_PORT/share" -U alice%secret1 -e \
        -c "put big c-$c; get c-$c got-$c; session" 2>&1)
    check_match "our client vs our server $c: cipher" "$out" "^encryption-cipher $c$"
    cmp -s "$SRV_DIR/big" "$SRV_DIR/got-$c" && ok "our client vs our server $c: 5 MB round trip" || not_ok "our client vs our server $c: round trip"
    if command -v smbtorture >/dev/null; then
        t=smb2.session.encryption-$c
        # the result line and, for a failure, smbtorture's reason (the line after it)
        srv_torture "$t"
    else
        not_ok "smbtorture is installed (scripts/deps.sh)"
    fi
    srv_stop
done
exit 0
