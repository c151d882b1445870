#!/usr/bin/python3
"""fuzz/gen_vbatch_seeds.py - seeds for fuzz_srv_conn_input flags bit 3 (the
verify batch): SMB2 WRITEs signed with the fuzz session's fixed test key
(srv_conn_fuzz_session_key, AES-CMAC at 3.0), one tampered, one unsigned, one
compound. usage: gen_vbatch_seeds.py CORPUS_DIR"""
import hmac, hashlib, struct, sys, os
from Cryptodome.Hash import CMAC
from Cryptodome.Cipher import AES
key = bytes([0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x6e, 0x6f, 0x74, 0x2d, 0x61, 0x2d, 0x6b])
def kdf(k, label, ctx):
    return hmac.new(k, struct.pack('>I', 1) + label + b'\0' + ctx + struct.pack('>I', 128), hashlib.sha256).digest()[:16]
sk = kdf(key, b'SMB2AESCMAC\0', b'SmbSign\0')
def hdr(cmd, mid, sid=1, tid=1, flags=0):
    return (b'\xfeSMB' + struct.pack('<HHIHHIIQIIQ', 64, 1, 0, cmd, 1, flags, 0, mid, 0, tid, sid) + b'\0' * 16)
def write_req(mid, data, fid=b'\x01' * 16, off=0):
    body = struct.pack('<HHIQ', 49, 64 + 48, len(data), off) + fid + struct.pack('<IIHHI', 0, 0, 0, 0, 0) + data
    return hdr(9, mid) + body
def sign(m):
    m = bytearray(m)
    struct.pack_into('<I', m, 16, struct.unpack_from('<I', m, 16)[0] | 8)
    m[48:64] = b'\0' * 16
    c = CMAC.new(sk, ciphermod=AES); c.update(bytes(m)); m[48:64] = c.digest()
    return bytes(m)
def pdus(flags, frames):
    return bytes([flags]) + b''.join(struct.pack('<H', len(f)) + f for f in frames)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
good = [sign(write_req(i, b'abc%d' % i, off=4 * i)) for i in range(3)]
bad = bytearray(good[1]); bad[-1] ^= 1
unsigned = write_req(3, b'zz')
seeds = {
    'vbatch-signed-writes': pdus(0x09, good),
    'vbatch-required-tampered': pdus(0x19, [good[0], bytes(bad), good[2], unsigned]),
    'vbatch-allowed-unsigned': pdus(0x09, [unsigned, good[0]]),
    'vbatch-compound-write': pdus(0x19, [good[0][:20] + struct.pack('<I', 72) + good[0][24:] + good[2]]),
}
for n, d in seeds.items():
    open(os.path.join(out, n), 'wb').write(d)
print(sk.hex())
