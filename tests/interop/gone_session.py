"""tests/interop/gone_session.py - requests that name a session after LOGOFF
or a tree after TREE_DISCONNECT, seen from impacket at SMB 3.0 (AES-CMAC) by
raw packets; the script checks every signature itself (MS-SMB2 3.3.4.1.1,
3.3.5.2.9). Prints one line per case:

  tdis     FLUSH on the disconnected tree: NETWORK_NAME_DELETED, signed, valid
  logoff   FLUSH on the logged-off session (signed with its key):
           USER_SESSION_DELETED, signed with that key, valid
  badsig   the same with a wrong key: USER_SESSION_DELETED, unsigned
  unknown  a SessionId that never existed: USER_SESSION_DELETED, unsigned
  recent   the last of 8 more sessions logged off on the connection: signed, valid
  evicted  the first session after those 8 (its key no longer kept):
           USER_SESSION_DELETED, unsigned

usage: gone_session.py PORT
"""
import struct
import sys

from impacket import crypto
from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection

port = int(sys.argv[1])
c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=s3.SMB2_DIALECT_30)
s = c._SMBConnection


def login():
    c.login('bob', 'hunter22')
    return s._Session['SessionID'], s._Session['SigningKey']


def flush(tid):
    """a FLUSH on tid, signed by impacket with the session's key"""
    p = s.SMB_PACKET()
    p['Command'] = s3.SMB2_FLUSH
    p['TreeID'] = tid
    f = s3.SMB2Flush()
    f['FileID'] = b'\xff' * 16
    p['Data'] = f
    return s.sendSMB(p)


def recv(key):
    m = s._NetBIOSSession.recv_packet(10).get_trailer()
    status, = struct.unpack_from('<I', m, 8)
    flags, = struct.unpack_from('<I', m, 16)
    sig = m[48:64]
    valid = len(key) == 16 and crypto.AES_CMAC(key, m[:48] + b'\0' * 16 + m[64:], len(m)) == sig
    return 'status=0x%08x signed=%d sig_valid=%d' % (status, flags & 8 != 0, valid)


def as_session(sid, key):
    """send as sid with key, whatever impacket thinks of the session"""
    s._Session['SessionID'] = sid
    s._Session['SigningKey'] = key
    s._Session['SessionKey'] = b'x' * 16  # impacket signs only when it has one
    s._Session['SigningActivated'] = True


sid, key = login()
tid = c.connectTree('share')
tree = dict(s._Session['TreeConnectTable'][tid])
c.disconnectTree(tid)
s._Session['TreeConnectTable'][tid] = tree  # impacket forgets it; the server must too
flush(tid)
print('tdis', recv(key))

first = sid
c.logoff()
as_session(sid, key)
flush(tid)
print('logoff', recv(key))

as_session(sid, b'\x11' * 16)
flush(tid)
print('badsig', recv(key))

as_session(sid ^ 0x5A5A0000, key)
flush(tid)
print('unknown', recv(key))

# eight more sessions logged off on this connection push the first one's key out
s._Session['SigningActivated'] = False
s._Session['SessionID'] = 0
for _ in range(8):
    last, last_key = login()
    c.logoff()
as_session(last, last_key)
flush(tid)
print('recent', recv(last_key))
as_session(first, key)
flush(tid)
print('evicted', recv(key))
