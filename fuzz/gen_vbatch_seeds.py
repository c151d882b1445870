#!/usr/bin/python3
"""fuzz/gen_vbatch_seeds.py - seeds for fuzz_srv_conn_input flags bit 3 (the
verify batch): SMB2 WRITEs signed with the fuzz session's fixed test key
(srv_conn_fuzz_session_key, AES-CMAC at 3.0), one tampered, one unsigned, one
compound; with a second directory also READ responses for
fuzz_smb_cli_read_batch. usage: gen_vbatch_seeds.py CORPUS_DIR [CLI_CORPUS_DIR]"""
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

# fuzz_smb_cli_read_batch: first byte = READs pending - 1, then NetBIOS-framed
# READ responses (MessageId 0.., SessionId 1) signed with the same key, one
# tampered; a second corpus directory as argv[2]
if len(sys.argv) > 2:
    def read_rsp(mid, data):
        h = bytearray(hdr(8, mid, flags=1))
        body = struct.pack('<HBBIII', 17, 80, 0, len(data), 0, 0) + data
        return bytes(h) + body
    def nb(m):
        return struct.pack('>I', len(m)) + m
    rs = [sign(read_rsp(i, bytes([65 + i]) * (100 + 37 * i))) for i in range(4)]
    t = bytearray(rs[2]); t[-1] ^= 1
    cdir = sys.argv[2]
    os.makedirs(cdir, exist_ok=True)
    open(os.path.join(cdir, 'reads-4-valid'), 'wb').write(bytes([3]) + b''.join(nb(r) for r in rs))
    open(os.path.join(cdir, 'reads-4-third-tampered'), 'wb').write(bytes([3]) + b''.join(nb(r) for r in rs[:2] + [bytes(t)] + rs[3:]))
    open(os.path.join(cdir, 'reads-2-unsigned'), 'wb').write(bytes([1]) + nb(read_rsp(0, b'x' * 10)) + nb(rs[1]))
