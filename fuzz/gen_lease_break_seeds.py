#!/usr/bin/python3
"""fuzz/gen_lease_break_seeds.py - seeds with lease break notifications
(MS-SMB2 2.2.23.2, MessageId 0xFFFFFFFFFFFFFFFF) for the client core's
targets: fuzz_smb_cli_read_batch (the fuzzing hook's READY 3.0 session, fixed
test key, an RWH lease with key 16 x 'L' on tree 1: unsigned SessionId 0 with
ACK_REQUIRED, one signed with the session's AES-CMAC key, one badly signed, a
break for an unknown key, a truncated one, then the acknowledgement's
response) and fuzz_smb_cli_poll (a break before any session).
usage: gen_lease_break_seeds.py FUZZ_CORPUS_DIR"""
import hashlib
import hmac
import os
import struct
import sys

from Cryptodome.Cipher import AES
from Cryptodome.Hash import CMAC

key = bytes([0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x6e, 0x6f, 0x74, 0x2d, 0x61, 0x2d, 0x6b])
sk = hmac.new(key, struct.pack('>I', 1) + b'SMB2AESCMAC\0\0SmbSign\0' + struct.pack('>I', 128),
              hashlib.sha256).digest()[:16]
ALL = 0xFFFFFFFFFFFFFFFF


def hdr(cmd, mid, sid, status=0, flags=1, tid=0):
    return b'\xfeSMB' + struct.pack('<HHIHHIIQIIQ', 64, 0, status, cmd, 0, flags, 0, mid, 0, tid, sid) + b'\0' * 16


def lease_break(lkey=b'L' * 16, flags=1, cur=7, new=3, sid=0):
    return hdr(0x12, ALL, sid) + struct.pack('<HHI', 44, 2, flags) + lkey + struct.pack('<IIIII', cur, new, 0, 0, 0)


def sign(m):
    m = bytearray(m)
    struct.pack_into('<I', m, 16, struct.unpack_from('<I', m, 16)[0] | 8)
    m[48:64] = b'\0' * 16
    c = CMAC.new(sk, ciphermod=AES)
    c.update(bytes(m))
    m[48:64] = c.digest()
    return bytes(m)


def nb(m):
    return struct.pack('>I', len(m)) + m


# the ack goes out with MessageId 1 (the READ of the first input byte takes 0)
ack_rsp = sign(hdr(0x12, 1, 1) + struct.pack('<HHI', 36, 0, 0) + b'L' * 16 + struct.pack('<IQ', 3, 0))
bad = bytearray(sign(lease_break(sid=1)))
bad[-1] ^= 1
rb = os.path.join(sys.argv[1], 'fuzz_smb_cli_read_batch')
cp = os.path.join(sys.argv[1], 'fuzz_smb_cli_poll')
seeds = {
    (rb, 'lease-break-ack'): b'\0' + nb(lease_break()) + nb(ack_rsp),
    (rb, 'lease-break-signed'): b'\0' + nb(sign(lease_break(sid=1))) + nb(ack_rsp),
    (rb, 'lease-break-bad-signature'): b'\0' + nb(bytes(bad)),
    (rb, 'lease-break-unknown-key'): b'\0' + nb(lease_break(lkey=b'K' * 16)),
    (rb, 'lease-break-no-ack'): b'\0' + nb(lease_break(flags=0)),
    (rb, 'lease-break-truncated'): b'\0' + nb(lease_break()[:90]),
    (cp, 'lease-break-before-session'): nb(lease_break()),
}
for (d, n), data in seeds.items():
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, n), 'wb').write(data)
