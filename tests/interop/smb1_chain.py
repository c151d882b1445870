#!/usr/bin/python3
"""tests/interop/smb1_chain.py - impacket (SMB_DIALECT) sends AndX chains to our SMB1
server over a signed session: NT_CREATE_ANDX + READ_ANDX (FID 0xFFFF = the file just
opened) must come back as one reply with both response blocks chained and the file's
bytes; twin: an unknown FID in the chained READ_ANDX gives STATUS_INVALID_HANDLE after
the NT_CREATE_ANDX response. Then a signed LOGOFF (signatures still in step).
Usage: smb1_chain.py PORT USER PASSWORD REMOTE_NAME LOCAL_COPY. Loopback only."""
import os
import sys
from struct import unpack
from impacket.smbconnection import SMBConnection
from impacket.smb import SMB_DIALECT, NewSMBPacket
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smb1_cmds import nt_create_cmd, read_cmd, status_of  # noqa: E402
port, user, pw, name, local = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=SMB_DIALECT)
c.login(user, pw)
s = c.getSMBServer()
tid = c.connectTree('share')
want = open(local, 'rb').read()[:1000]
def chained(fname, fid):
    # NT_CREATE_ANDX + READ_ANDX (FID 0xFFFF: the file just opened) + CLOSE, one signed request
    pkt = NewSMBPacket()
    pkt['Tid'] = tid
    pkt.addCommand(nt_create_cmd(fname.encode('utf-16le')))
    pkt.addCommand(read_cmd(fid, 1000))
    s.sendSMB(pkt)
    ans = s.recvSMB()
    raw = ans.getData()
    status = status_of(ans)
    blocks = []
    off = 32
    cmd = raw[4]
    while True:
        wc = raw[off]
        blocks.append((cmd, wc, off))
        if wc < 2 or raw[off + 1] == 0xFF:
            break
        cmd, off = raw[off + 1], unpack('<H', raw[off + 3:off + 5])[0]
    return status, blocks, raw
st, blocks, raw = chained(name, 0xFFFF)
assert st == 0, hex(st)
assert [(b[0], b[1]) for b in blocks] == [(0xA2, 34), (0x2E, 12)], blocks
w = blocks[1][2] + 1
dlen, doff = unpack('<HH', raw[w + 10:w + 14])
assert raw[doff:doff + dlen] == want, 'chained READ_ANDX data differs'
assert raw[14:22] != b'\0' * 8, 'reply not signed'
print('chain open+read ok')
# twin: an unknown FID in the chained READ: the NT_CREATE response stays, the READ fails
st, blocks, raw = chained(name, 0x4321)
assert st == 0xC0000008, hex(st)
assert [(b[0], b[1]) for b in blocks] == [(0xA2, 34), (0x2E, 0)], blocks
print('chain bad fid ok')
# the session still works (signatures in step): a plain read through impacket
c.logoff()
print('impacket chain ok')
