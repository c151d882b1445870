"""tests/interop/locks.py - byte-range locks of smbsign serve between two
connections (impacket, SMB 3.0, signing required, AES-CMAC), by raw packets
so interim and final responses are visible (MS-SMB2 3.3.5.14, 3.3.4.2). Every
final response's signature is checked here.

usage: locks.py MODE PORT [DIR]
  conflict   A holds an exclusive lock on 0..9; B (another connection, as the
             server runs with workers = 2, on the other event loop) sees
             READ/WRITE there fail with STATUS_FILE_LOCK_CONFLICT and a lock
             there with STATUS_LOCK_NOT_GRANTED, while a disjoint range works;
             after A unlocks, B reads and locks 0..9
  blocking   B's LOCK without FAIL_IMMEDIATELY on A's range goes async
             (interim STATUS_PENDING), is still pending 1 s later, and is
             granted (signed final STATUS_SUCCESS) once A unlocks on the other
             connection; the same after A closes its handle instead; a
             waiting LOCK that B cancels ends with STATUS_CANCELLED; one whose
             own handle B closes ends with STATUS_RANGE_NOT_LOCKED
  hold       A takes an exclusive lock on 0..9 of locked.txt (a shared one
             with DIR/shared present; at 1 MiB, past the end of the file,
             with DIR/far present), prints "locked", waits for DIR/go,
             unlocks, prints "unlocked", waits for DIR/go2 and exits: the
             shell script runs smbclient against it in between
"""
import os
import select
import struct
import sys
import time

from impacket import crypto
from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection

MODE, PORT = sys.argv[1], int(sys.argv[2])
DIR = sys.argv[3] if len(sys.argv) > 3 else None

SHARED, EXCL, UNLOCK, FAIL_IMM = 1, 2, 4, 0x10


def login(user='bob', pw='hunter22'):
    c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=PORT, preferredDialect=s3.SMB2_DIALECT_30)
    c.login(user, pw)
    s = c._SMBConnection
    return c, s, c.connectTree('share'), s._Session['SigningKey']


def open_rw(s, tid, name):
    return s.create(tid, name, s3.FILE_READ_DATA | s3.FILE_WRITE_DATA | s3.FILE_READ_ATTRIBUTES | s3.SYNCHRONIZE,
                    s3.FILE_SHARE_READ | s3.FILE_SHARE_WRITE, s3.FILE_NON_DIRECTORY_FILE, s3.FILE_OPEN_IF, 0)


def send(s, tid, cmd, req):
    p = s.SMB_PACKET()
    p['Command'] = cmd
    p['TreeID'] = tid
    p['Data'] = req
    return s.sendSMB(p)


def sig_ok(key, m):
    return crypto.AES_CMAC(key, m[:48] + b'\0' * 16 + m[64:], len(m)) == m[48:64]


def recv(s, key, t=30):
    m = s._NetBIOSSession.recv_packet(t).get_trailer()
    status, = struct.unpack_from('<I', m, 8)
    flags, = struct.unpack_from('<I', m, 16)
    mid, aid = struct.unpack_from('<QQ', m, 24)
    return dict(status=status, is_async=int(flags & 2 != 0), signed=int(flags & 8 != 0),
                sig_valid=int(sig_ok(key, m)), mid=mid, aid=aid, raw=m)


def waiting(s, t=0.0):
    """True when a response arrives on the socket within t seconds."""
    return bool(select.select([s._NetBIOSSession.get_socket()], [], [], t)[0])


def lock_req(fid, elems, seq=0):
    q = s3.SMB2Lock()
    q['FileID'] = fid
    q['LockCount'] = len(elems)
    q['LockSequence'] = seq
    q['Locks'] = b''.join(struct.pack('<QQII', off, n, fl, 0) for off, n, fl in elems)
    return q


def lock(s, key, tid, fid, off, n, fl):
    mid = send(s, tid, s3.SMB2_LOCK, lock_req(fid, [(off, n, fl)]))
    r = recv(s, key)
    assert r['mid'] == mid
    return r


def read(s, key, tid, fid, off, n):
    q = s3.SMB2Read()
    q['Padding'] = 0x50
    q['FileID'] = fid
    q['Length'] = n
    q['Offset'] = off
    send(s, tid, s3.SMB2_READ, q)
    return recv(s, key)


def write(s, key, tid, fid, off, data):
    q = s3.SMB2Write()
    q['FileID'] = fid
    q['Length'] = len(data)
    q['Offset'] = off
    q['WriteChannelInfoOffset'] = 0
    q['Buffer'] = data
    send(s, tid, s3.SMB2_WRITE, q)
    return recv(s, key)


def show(tag, r):
    print('%s status=0x%x signed=%d sig_valid=%d' % (tag, r['status'], r['signed'], r['sig_valid']))


def wait_file(p, t=60):
    end = time.time() + t
    while time.time() < end and not os.path.exists(p):
        time.sleep(0.02)


if MODE == 'conflict':
    ca, a, ta, ka = login()
    cb, b, tb, kb = login('alice', 'secret1')
    fa = open_rw(a, ta, 'conflict.bin')
    write(a, ka, ta, fa, 0, bytes(range(64)))
    fb = open_rw(b, tb, 'conflict.bin')
    show('A lock excl 0/10', lock(a, ka, ta, fa, 0, 10, EXCL | FAIL_IMM))
    show('B read 0/10', read(b, kb, tb, fb, 0, 10))
    show('B write 5/2', write(b, kb, tb, fb, 5, b'xx'))
    show('B lock 9/1', lock(b, kb, tb, fb, 9, 1, SHARED | FAIL_IMM))
    show('B read 10/10', read(b, kb, tb, fb, 10, 10))
    show('B write 10/2', write(b, kb, tb, fb, 10, b'yy'))
    show('B lock 10/5', lock(b, kb, tb, fb, 10, 5, EXCL | FAIL_IMM))
    show('A read 0/10', read(a, ka, ta, fa, 0, 10))
    show('A unlock 0/10', lock(a, ka, ta, fa, 0, 10, UNLOCK))
    show('B read 0/10 after unlock', read(b, kb, tb, fb, 0, 10))
    show('B lock 0/10 after unlock', lock(b, kb, tb, fb, 0, 10, EXCL | FAIL_IMM))
    b.close(tb, fb)
    a.close(ta, fa)

elif MODE == 'blocking':
    ca, a, ta, ka = login()
    cb, b, tb, kb = login('alice', 'secret1')
    fa = open_rw(a, ta, 'blocking.bin')
    fb = open_rw(b, tb, 'blocking.bin')
    for how in ('unlock', 'close'):
        show('A lock (%s)' % how, lock(a, ka, ta, fa, 100, 50, EXCL | FAIL_IMM))
        mid = send(b, tb, s3.SMB2_LOCK, lock_req(fb, [(120, 10, EXCL)]))
        i = recv(b, kb)
        print('B interim (%s) status=0x%x async=%d mid_match=%d' % (how, i['status'], i['is_async'], i['mid'] == mid))
        print('B still waiting after 1 s (%s): %d' % (how, not waiting(b, 1.0)))
        if how == 'unlock':
            show('A unlock', lock(a, ka, ta, fa, 100, 50, UNLOCK))
        else:
            a.close(ta, fa)
        f = recv(b, kb, 10)
        print('B final (%s) status=0x%x async=%d aid_match=%d signed=%d sig_valid=%d' %
              (how, f['status'], f['is_async'], f['aid'] == i['aid'], f['signed'], f['sig_valid']))
        show('B unlock (%s)' % how, lock(b, kb, tb, fb, 120, 10, UNLOCK))
        if how == 'unlock':
            continue
        fa = open_rw(a, ta, 'blocking.bin')
    # CANCEL of a waiting LOCK, then a waiting LOCK whose handle closes
    show('A lock again', lock(a, ka, ta, fa, 0, 10, EXCL | FAIL_IMM))
    mid = send(b, tb, s3.SMB2_LOCK, lock_req(fb, [(0, 10, SHARED)]))
    i = recv(b, kb)
    b.cancel(mid)  # sync form (by MessageId), signed like any request
    f = recv(b, kb)
    show('B final after CANCEL', f)
    mid = send(b, tb, s3.SMB2_LOCK, lock_req(fb, [(0, 10, SHARED)]))
    i = recv(b, kb)
    q = s3.SMB2Close()
    q['FileID'] = fb
    cmid = send(b, tb, s3.SMB2_CLOSE, q)
    got = {}
    for _ in range(2):
        r = recv(b, kb)
        got['close' if r['mid'] == cmid else 'lock'] = r
    show('B CLOSE of the waiting handle', got['close'])
    show('B final after its handle closed', got['lock'])
    print('echo B:', b.echo())
    a.close(ta, fa)

elif MODE == 'hold':
    ca, a, ta, ka = login()
    fa = open_rw(a, ta, 'locked.txt')
    shared = os.path.exists(os.path.join(DIR, 'shared'))
    off = 1 << 20 if os.path.exists(os.path.join(DIR, 'far')) else 0
    show('locked', lock(a, ka, ta, fa, off, 10, (SHARED if shared else EXCL) | FAIL_IMM))
    sys.stdout.flush()
    wait_file(os.path.join(DIR, 'go'))
    show('unlocked', lock(a, ka, ta, fa, off, 10, UNLOCK))
    sys.stdout.flush()
    wait_file(os.path.join(DIR, 'go2'))
    a.close(ta, fa)
