#!/usr/bin/python3
"""fuzz/gen_bind_enc_seeds.py - seeds for fuzz_srv_core_mem flags bits 5+6
(srv_fuzz_drive.h): session 1 is bindable and encrypts (SMB 3.0.2,
AES-128-CCM, all-zero session key). A second connection negotiates 3.0.2 with
CAP_ENCRYPTION (the target offers a cipher), starts a binding signed with
Session.SigningKey (KDF(0^16, "SMB2AESCMAC", "SmbSign")); the first
connection sends an ECHO of session 1 in a transform (decrypted with the
session's keys, answered encrypted); last (the drive stops at the first
connection error) the second connection sends a transform for session 1
before its channel is bound (refused: the connection is dropped). Also the
same with a tampered transform on the first connection. Random bytes: the NEGOTIATE
ClientGuid and the CCM nonces (fixed here so the seeds are stable).
usage: gen_bind_enc_seeds.py CORPUS_DIR"""
import hashlib, hmac, os, struct, sys
from Cryptodome.Cipher import AES
from Cryptodome.Hash import CMAC
from impacket import ntlm
from impacket.spnego import SPNEGO_NegTokenInit, TypesMech


def kdf(k, label, ctx):
    return hmac.new(k, struct.pack('>I', 1) + label + b'\0' + ctx + struct.pack('>I', 128), hashlib.sha256).digest()[:16]


zero = b'\0' * 16
sign_key = kdf(zero, b'SMB2AESCMAC\0', b'SmbSign\0')
enc_key = kdf(zero, b'SMB2AESCCM\0', b'ServerIn \0')  # client to server


def hdr(cmd, mid, sid=0, tid=0, flags=0):
    return b'\xfeSMB' + struct.pack('<HHIHHIIQIIQ', 64, 1, 0, cmd, 1, flags, 0, mid, 0, tid, sid) + b'\0' * 16


def negotiate():
    body = struct.pack('<HHHHI16sQ', 36, 1, 1, 0, 0x7F, b'G' * 16, 0) + struct.pack('<H', 0x302)
    return hdr(0, 0) + body


def sign(m):
    m = bytearray(m)
    struct.pack_into('<I', m, 16, struct.unpack_from('<I', m, 16)[0] | 8)
    m[48:64] = b'\0' * 16
    c = CMAC.new(sign_key, ciphermod=AES)
    c.update(bytes(m))
    m[48:64] = c.digest()
    return bytes(m)


def bind_setup(mid):
    init = SPNEGO_NegTokenInit()
    init['MechTypes'] = [TypesMech['NTLMSSP - Microsoft NTLM Security Support Provider']]
    init['MechToken'] = ntlm.getNTLMSSPType1('', '', True).getData()
    tok = init.getData()
    body = struct.pack('<HBBIIHHQ', 25, 1, 1, 0, 0, 88, len(tok), 0) + tok  # Flags: SMB2_SESSION_FLAG_BINDING
    return sign(hdr(1, mid, sid=1) + body)


def seal(msg, nonce, tamper=False):
    aad = struct.pack('<16sIHHQ', nonce.ljust(16, b'\0'), len(msg), 0, 1, 1)
    c = AES.new(enc_key, AES.MODE_CCM, nonce=nonce, mac_len=16)
    c.update(aad)
    ct, tag = c.encrypt_and_digest(msg)
    if tamper:
        ct = bytes([ct[0] ^ 1]) + ct[1:]
    return b'\xfdSMB' + tag + aad + ct


def echo(mid):
    return hdr(13, mid, sid=1) + struct.pack('<HH', 4, 0)


def pdus(flags, frames):
    """frames: (second connection?, bytes)"""
    return bytes([flags]) + b''.join(struct.pack('<H', len(f) | (0x8000 if two else 0)) + f for two, f in frames)


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
seeds = {
    'bind_enc.bin': pdus(0x60, [(False, negotiate()), (True, negotiate()), (True, bind_setup(1)),
                                (False, seal(echo(1), b'M' * 11)), (True, seal(echo(2), b'N' * 11))]),
    'bind_enc_tampered.bin': pdus(0x60, [(False, negotiate()), (True, negotiate()), (True, bind_setup(1)),
                                         (False, seal(echo(1), b'M' * 11, tamper=True))]),
}
for n, d in seeds.items():
    with open(os.path.join(out, n), 'wb') as f:
        f.write(d)
