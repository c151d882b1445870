"""tests/interop/async_io.py - deferred READ/WRITE/FLUSH of smbsign serve seen
from impacket at SMB 3.0 (signing required, AES-CMAC), by raw packets so the
interim and final responses are visible (MS-SMB2 3.3.4.2, 3.3.4.1.1, 3.3.5.16).
The script checks every signature itself.

usage: async_io.py MODE PORT [SERVER_LOG]
  basic      WRITE, READ, FLUSH: interim (async, STATUS_PENDING, unsigned), then a
             signed final async response; the data read back is the data written;
             a tampered final response fails the same verification
  nointerim  a small READ completes before the threshold: one sync response
  slow FILE  FLUSH of FILE (500 MiB dirty): a second connection's ECHO and
             directory listing complete while the FLUSH is pending; a READ queued
             behind the FLUSH on the same handle is cancelled (STATUS_CANCELLED); a
             CANCEL of the running FLUSH does not stop it (STATUS_SUCCESS)
  slowsync FILE  the same FLUSH with the I/O on the worker (io threads = 0): the
             other connection's ECHO completes only after the FLUSH response
  deadline FILE  FLUSH of FILE with a threshold it outlasts: the worker sends
             the interim when the threshold passes, then the signed final
  abort FILE jobs in flight, then CLOSE, TREE_DISCONNECT, LOGOFF and a dropped socket
"""
import re
import select
import struct
import sys
import time

from impacket import crypto
from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection

MODE, PORT = sys.argv[1], int(sys.argv[2])
ARG = sys.argv[3] if len(sys.argv) > 3 else None
LOG = sys.argv[4] if len(sys.argv) > 4 else None


def login():
    c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=PORT, preferredDialect=s3.SMB2_DIALECT_30)
    c.login('bob', 'hunter22')
    s = c._SMBConnection
    return c, s, c.connectTree('share'), s._Session['SigningKey']


def open_rw(s, tid, name):
    return s.create(tid, name, s3.FILE_READ_DATA | s3.FILE_WRITE_DATA | s3.FILE_READ_ATTRIBUTES | s3.SYNCHRONIZE,
                    s3.FILE_SHARE_READ | s3.FILE_SHARE_WRITE, s3.FILE_NON_DIRECTORY_FILE, s3.FILE_OPEN_IF, 0)


def send(s, tid, cmd, req, charge=1):
    p = s.SMB_PACKET()
    p['Command'] = cmd
    p['TreeID'] = tid
    p['CreditCharge'] = charge
    p['Data'] = req
    return s.sendSMB(p)


def send_write(s, tid, fid, off, data):
    w = s3.SMB2Write()
    w['FileID'] = fid
    w['Length'] = len(data)
    w['Offset'] = off
    w['WriteChannelInfoOffset'] = 0
    w['Buffer'] = data
    return send(s, tid, s3.SMB2_WRITE, w, 1 + (len(data) - 1) // 65536)


def send_read(s, tid, fid, off, n):
    r = s3.SMB2Read()
    r['Padding'] = 0x50
    r['FileID'] = fid
    r['Length'] = n
    r['Offset'] = off
    return send(s, tid, s3.SMB2_READ, r, 1 + (n - 1) // 65536)


def send_flush(s, tid, fid):
    f = s3.SMB2Flush()
    f['FileID'] = fid
    return send(s, tid, s3.SMB2_FLUSH, f)


def sig_ok(key, m):
    return crypto.AES_CMAC(key, m[:48] + b'\0' * 16 + m[64:], len(m)) == m[48:64]


def recv(s, key, t=60):
    m = s._NetBIOSSession.recv_packet(t).get_trailer()
    status, cmd, credits = struct.unpack_from('<IHH', m, 8)
    flags, = struct.unpack_from('<I', m, 16)
    mid, aid = struct.unpack_from('<QQ', m, 24)
    return dict(status=status, cmd=cmd, credits=credits, is_async=int(flags & 2 != 0), signed=int(flags & 8 != 0),
                sig_valid=int(sig_ok(key, m)), mid=mid, aid=aid, raw=m)


def pending(s):
    """True when a response is already waiting on the socket (no wait)."""
    return bool(select.select([s._NetBIOSSession.get_socket()], [], [], 0)[0])


def show(tag, r, mid):
    print('%s status=0x%x cmd=%d async=%d signed=%d sig_valid=%d mid_match=%d aid=%d credits=%d' %
          (tag, r['status'], r['cmd'], r['is_async'], r['signed'], r['sig_valid'], r['mid'] == mid,
           r['aid'] if r['is_async'] else 0, r['credits']))


def wait_log(pattern, t=60):
    end = time.time() + t
    while time.time() < end:
        with open(LOG, errors='replace') as f:
            if re.search(pattern, f.read()):
                return True
        time.sleep(0.02)
    return False


if MODE == 'basic':
    c, s, tid, key = login()
    fid = open_rw(s, tid, 'async_basic.bin')
    data = bytes((i * 7 + 3) & 0xff for i in range(65536))
    for name, mid in (('write', lambda: send_write(s, tid, fid, 0, data)),
                      ('read', lambda: send_read(s, tid, fid, 0, len(data))),
                      ('flush', lambda: send_flush(s, tid, fid))):
        m = mid()
        i = recv(s, key)
        show(name + ' interim', i, m)
        f = recv(s, key)
        show(name + ' final', f, m)
        print('%s aid_match=%d' % (name, f['aid'] == i['aid']))
        if name == 'read':
            print('read data_match=%d' % (f['raw'][80:80 + len(data)] == data))
            t = bytearray(f['raw'])
            t[100] ^= 1
            print('read tampered sig_valid=%d' % sig_ok(key, bytes(t)))
    print('echo after:', s.echo())
    s.close(tid, fid)
    c.logoff()

elif MODE == 'nointerim':
    c, s, tid, key = login()
    fid = open_rw(s, tid, 'async_small.bin')
    s.write(tid, fid, b'x' * 100, 0, 100)
    m = send_read(s, tid, fid, 0, 100)
    show('small read first', recv(s, key), m)
    s.close(tid, fid)
    c.logoff()

elif MODE in ('slow', 'slowsync'):
    a, sa, ta, ka = login()
    b, sb, tb, kb = login()
    fid = open_rw(sa, ta, ARG)
    fm = send_flush(sa, ta, fid)
    if MODE == 'slow':
        show('flush interim', recv(sa, ka), fm)
        # order of events: the FLUSH is running on an I/O thread (server log) ...
        print('flush started:', wait_log(r'io thread \d+: FLUSH MessageId %d ' % fm))
        rm = send_read(sa, ta, fid, 0, 4096)  # queued behind the FLUSH (same handle)
        show('read interim', recv(sa, ka), rm)
        sa.cancel(rm)                         # not started: cancelled at once
        show('read final', recv(sa, ka), rm)
        sa.cancel(fm)                         # running: completes normally
        # ... another connection is served meanwhile ...
        print('other echo:', sb.echo())
        print('other ls:', len(b.listPath('share', '*')) > 0)
        print('flush still pending after other connection:', not pending(sa))
        show('flush final', recv(sa, ka), fm)
    else:
        time.sleep(0.3)  # let the worker enter fsync (a start delay, not an assertion)
        print('other echo:', sb.echo())
        print('flush answered before other echo:', pending(sa))
        show('flush response', recv(sa, ka), fm)
    print('echo after:', sa.echo())
    sa.close(ta, fid)
    a.logoff()
    b.logoff()

elif MODE == 'deadline':
    c, s, tid, key = login()
    fid = open_rw(s, tid, ARG)
    m = send_flush(s, tid, fid)
    show('flush first', recv(s, key), m)
    show('flush second', recv(s, key), m)
    s.close(tid, fid)
    c.logoff()

elif MODE == 'abort':
    # CLOSE with jobs in flight: the jobs keep their own descriptor
    c, s, tid, key = login()
    fid = open_rw(s, tid, ARG)
    send_flush(s, tid, fid)
    for k in range(4):
        send_read(s, tid, fid, k * 65536, 65536)
        send_write(s, tid, fid, (1 << 30) + k * 65536, b'w' * 65536)
    s.close(tid, fid)
    print('echo after close:', s.echo())
    # TREE_DISCONNECT and LOGOFF with jobs in flight
    fid = open_rw(s, tid, ARG)
    send_flush(s, tid, fid)
    send_read(s, tid, fid, 0, 65536)
    s.disconnectTree(tid)
    c.logoff()
    # a dropped connection with jobs in flight
    c, s, tid, key = login()
    fid = open_rw(s, tid, ARG)
    send_flush(s, tid, fid)
    for k in range(4):
        send_read(s, tid, fid, k * 65536, 65536)
    s._NetBIOSSession.get_socket().close()
    c, s, tid, key = login()
    print('new connection echo:', s.echo())
    c.logoff()
