#!/usr/bin/python3
"""scripts/fuzz_seeds_impacket.py - one impacket session against 127.0.0.1 for
the real-traffic seeds (scripts/fuzz_seeds_traffic.sh): negotiate DIALECT
(NT1 2.0.2 2.1 3.0 3.0.2 3.1.1) with signing required, then put, ls, get,
mkdir, rename, rmdir, delete of a small file on SHARE.

usage: fuzz_seeds_impacket.py PORT SHARE USER PASS DIALECT LOCAL_FILE BACK_FILE
(BACK_FILE: what get returned; a failed step is reported and the session goes on,
as its error response is a seed too)"""
import io
import sys

from impacket import smb, smb3structs
from impacket.smbconnection import SMBConnection

DIALECTS = {'NT1': smb.SMB_DIALECT, '2.0.2': smb3structs.SMB2_DIALECT_002,
            '2.1': smb3structs.SMB2_DIALECT_21, '3.0': smb3structs.SMB2_DIALECT_30,
            '3.0.2': smb3structs.SMB2_DIALECT_302, '3.1.1': smb3structs.SMB2_DIALECT_311}


def main():
    port, share, user, pw, dialect, local, backf = sys.argv[1:8]
    c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=int(port), preferredDialect=DIALECTS[dialect])
    c.login(user, pw)
    data = open(local, 'rb').read()
    back = io.BytesIO()
    steps = (lambda: c.putFile(share, 'imp.txt', io.BytesIO(data).read),
             lambda: c.listPath(share, '*'),
             lambda: c.getFile(share, 'imp.txt', back.write),
             lambda: c.createDirectory(share, 'impdir'),
             lambda: c.rename(share, 'imp.txt', 'imp2.txt'),
             lambda: c.deleteDirectory(share, 'impdir'),
             lambda: c.deleteFile(share, 'imp2.txt'),
             lambda: c.getFile(share, 'missing.txt', io.BytesIO().write),  # an error response
             lambda: c.logoff())
    for i, step in enumerate(steps):
        try:
            step()
        except Exception as e:  # noqa: BLE001 - report and go on
            print('step %d: %s' % (i, e))
    open(backf, 'wb').write(back.getvalue())
    return 0


if __name__ == '__main__':
    sys.exit(main())
