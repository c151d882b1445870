#!/bin/bash
# tests/cli/crypt_impacket.sh - `smbsign explain` and `smbsign kdf` on SMB 3.x
# TRANSFORM messages, cross-checked with an independent implementation:
# pycryptodome's AES-CCM/GCM with impacket's SMB2_TRANSFORM_HEADER (the AAD)
# and impacket's KDF_CounterMode. For each cipher a random key, nonce and
# SessionId encrypt a real SMB2 ECHO request; our explain must decrypt it
# ("decrypts yes", the inner ECHO explained, exit 0), refuse it with one
# flipped byte ("decrypts no", exit 1), refuse it with a wrong key, and say
# what it is without a key (exit 0, "decrypts unknown"). Keys derived from a
# session key (3.0 "SMB2AESCCM"/"ServerIn ", 3.1.1 "SMBC2SCipherKey" with a
# preauth hash, AES-256 with L=256) by impacket must equal `smbsign kdf`, and
# explain --session-key must decrypt what impacket encrypted with them.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import impacket, Cryptodome' 2>/dev/null || { not_ok "crypt_impacket: impacket/pycryptodome missing (scripts/deps.sh)"; exit 1; }
T=$(mk_tmpdir)
gen() { # CIPHER [SESSIONKEY DIALECT PREAUTH] -> lines: key msg
    "$PY" - "$@" <<'PYEOF'
import os, struct, sys
from Cryptodome.Cipher import AES
from impacket.smb3structs import SMB2_TRANSFORM_HEADER
from impacket import crypto
cipher = sys.argv[1]
gcm, klen = cipher.endswith('gcm'), (32 if '256' in cipher else 16)
if len(sys.argv) > 2:
    sk, dialect, pa = bytes.fromhex(sys.argv[2]), sys.argv[3], bytes.fromhex(sys.argv[4])
    if dialect == '3.0':
        key = crypto.KDF_CounterMode(sk, b"SMB2AESCCM\x00", b"ServerIn \x00", 128)
    else:
        key = crypto.KDF_CounterMode(sk, b"SMBC2SCipherKey\x00", pa, klen * 8)
else:
    key = os.urandom(klen)
hdr = bytearray(64)
hdr[0:4] = b'\xfeSMB'
struct.pack_into('<HHIHHIIQIIQ', hdr, 4, 64, 1, 0, 13, 1, 0, 0, 7, 0xFEFF, 0, 0x1234)
msg = bytes(hdr) + struct.pack('<HH', 4, 0)   # ECHO request body
th = SMB2_TRANSFORM_HEADER()
nonce = os.urandom(12 if gcm else 11)
th['Nonce'] = nonce + bytes(16 - len(nonce))
th['OriginalMessageSize'] = len(msg)
th['EncryptionAlgorithm'] = 1
th['SessionID'] = 0x1234
c = AES.new(key, AES.MODE_GCM if gcm else AES.MODE_CCM, nonce=nonce, mac_len=16)
c.update(th.getData()[20:])
ct, tag = c.encrypt_and_digest(msg)
th['Signature'] = tag
print(key.hex())
print((th.getData() + ct).hex())
PYEOF
}
for c in aes-128-ccm aes-128-gcm aes-256-ccm aes-256-gcm; do
    { read -r key; read -r msg; } < <(gen "$c")
    out=$(echo "$msg" | "$SMBSIGN" explain --cipher "$c" --cipher-key "$key" 2>&1); rc=$?
    check_eq "$c: impacket-encrypted ECHO decrypts (exit 0)" "$rc" 0
    check_match "$c: decrypts yes" "$out" "^decrypts yes"
    check_match "$c: the inner message is the ECHO request" "$out" "ECHO"
    check_match "$c: SessionId read from the transform" "$out" "^session-id 0x0000000000001234$"
    bad=$(printf '%s' "$msg" | "$PY" -c 'import sys; h=sys.stdin.read().strip(); b=bytearray.fromhex(h); b[-1]^=1; print(b.hex())')
    out=$(echo "$bad" | "$SMBSIGN" explain --cipher "$c" --cipher-key "$key" 2>&1); rc=$?
    check_eq "$c: one flipped byte: exit 1" "$rc" 1
    check_match "$c: one flipped byte: decrypts no" "$out" "^decrypts no"
    check_nomatch "$c: one flipped byte: nothing of the plaintext shown" "$out" "ECHO"
    wrong=$(printf '%s' "$key" | tr '0-9a-f' '1-9a-f0')
    out=$(echo "$msg" | "$SMBSIGN" explain --cipher "$c" --cipher-key "$wrong" 2>&1); rc=$?
    check_eq "$c: wrong key: exit 1" "$rc" 1
    out=$(echo "$msg" | "$SMBSIGN" explain 2>&1); rc=$?
    check_eq "$c: without a key: exit 0" "$rc" 0
    check_match "$c: without a key: says what it is" "$out" "TRANSFORM_HEADER.*encrypted"
done
# keys from a session key: impacket's KDF == smbsign kdf, and explain derives the same
SK=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
PA=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
{ read -r key; read -r msg; } < <(gen aes-128-ccm "$SK" 3.0 "$PA")
check_match "3.0: smbsign kdf encryption key == impacket KDF" "$("$SMBSIGN" kdf --dialect 3.0 --session-key "$SK")" "^encryption-key $key$"
out=$(echo "$msg" | "$SMBSIGN" explain --cipher aes-128-ccm --session-key "$SK" --dialect 3.0 --sender client 2>&1); rc=$?
check_match "3.0: explain --session-key decrypts the client's message" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "^rc=0 .*decrypts yes"
out=$(echo "$msg" | "$SMBSIGN" explain --cipher aes-128-ccm --session-key "$SK" --dialect 3.0 --sender server 2>&1); rc=$?
check_eq "3.0: the other direction's key does not decrypt it (exit 1)" "$rc" 1
for c in aes-128-gcm aes-256-gcm aes-256-ccm; do
    { read -r key; read -r msg; } < <(gen "$c" "$SK" 3.1.1 "$PA")
    check_match "3.1.1 $c: smbsign kdf encryption key == impacket KDF" \
        "$("$SMBSIGN" kdf --dialect 3.1.1 --session-key "$SK" --preauth-hash "$PA" --cipher "$c")" "^encryption-key $key$"
    out=$(echo "$msg" | "$SMBSIGN" explain --cipher "$c" --session-key "$SK" --dialect 3.1.1 --preauth-hash "$PA" 2>&1); rc=$?
    check_match "3.1.1 $c: explain --session-key decrypts" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "^rc=0 .*decrypts yes"
done
exit 0
