#!/usr/bin/python3
"""tests/load/imp_client.py - one impacket load client: until SECONDS have
passed, create a file with random bytes, read it back, rename it, read it
again and delete it, over a signed session at DIALECT (3.0 or 2.1; Debian's
impacket 0.10 breaks the 3.1.1 preauth chain). A dropped connection (the
chaos relay) logs on again. Prints "ok=N errors=N corrupt=N" at the end:
corrupt counts reads that succeeded with bytes other than those written
(must stay 0). usage: imp_client.py PORT DIALECT SECONDS ID USER PASSWORD"""
import hashlib
import os
import sys
import time

from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection

port, dialect, secs, cid, user, pw = (int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4],
                                      sys.argv[5], sys.argv[6])
D = {'3.0': s3.SMB2_DIALECT_30, '2.1': s3.SMB2_DIALECT_21}[dialect]
end = time.monotonic() + secs
ok = errors = corrupt = 0
c = None
i = 0


def read_all(tid, name):
    fid = c.openFile(tid, name)
    try:
        # several READs when the server's MaxReadSize is below the file size
        return c.readFile(tid, fid, 0, 1 << 20, singleCall=False)
    finally:
        c.closeFile(tid, fid)


while time.monotonic() < end:
    i += 1
    try:
        if c is None:
            c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=D, timeout=20)
            c.login(user, pw)
            tid = c.connectTree('share')
        data = os.urandom(4096 + (i * 7919) % 200000)
        want = hashlib.sha256(data).digest()
        name = 'imp%s_%d.bin' % (cid, i)
        fid = c.createFile(tid, name)
        c.writeFile(tid, fid, data, 0)
        c.closeFile(tid, fid)
        if hashlib.sha256(read_all(tid, name)).digest() != want:
            corrupt += 1
        c.rename('share', name, name + '.r')
        if hashlib.sha256(read_all(tid, name + '.r')).digest() != want:
            corrupt += 1
        c.deleteFile('share', name + '.r')
        ok += 1
    except Exception:  # noqa: BLE001 - a dropped or refused request: log on again
        errors += 1
        try:
            c.close()
        except Exception:  # noqa: BLE001
            pass
        c = None
        time.sleep(0.2)
print('ok=%d errors=%d corrupt=%d' % (ok, errors, corrupt), flush=True)
