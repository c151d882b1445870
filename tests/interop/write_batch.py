#!/usr/bin/python3
"""tests/interop/write_batch.py - pipelined signed WRITEs on several
connections at once against our server (issue 16: the server verifies the
WRITEs of one worker pass in one batch). Each connection opens its own file
and sends K WRITEs back to back before any response is read; then every
response is read. With MODE flip, the data of WRITE number FLIP_AT on
connection 0 is changed on the wire after impacket signed it.

usage: write_batch.py PORT USER PASSWORD DIALECT(2.1|3.0) MODE(none|flip) CONNS K
Prints "write CONN IDX 0xSTATUS" per WRITE, then "summary ok=N refused=N
other=N". File CONN is wb-DIALECT-CONN.bin; WRITE IDX puts CHUNK (64 KiB) bytes
of value (CONN*16+IDX)&0xff at IDX*CHUNK. The signed frames are captured
first and sent round robin across the connections in one burst (loopback
only)."""
import sys

from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection

port, user, pw, dialect, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
nconn, k = int(sys.argv[6]), int(sys.argv[7])
CHUNK, FLIP_CONN, FLIP_AT = 65536, 0, 3
D = {'2.1': s3.SMB2_DIALECT_21, '3.0': s3.SMB2_DIALECT_30}[dialect]

conns = []
for c in range(nconn):
    sc = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=D)
    sc.login(user, pw)
    tid = sc.connectTree('share')
    fid = sc.createFile(tid, 'wb-%s-%d.bin' % (dialect, c))
    conns.append((sc, sc.getSMBServer(), tid, fid))

flip = {'armed': False}
wire = [[] for _ in range(nconn)]  # each connection's signed frames, in order


def patch(c, smb3):
    """Capture the frames impacket signs instead of sending them, so they
    can go out interleaved across the connections in one burst."""
    nb = smb3._NetBIOSSession

    def send_packet(data):
        if flip['armed']:
            flip['armed'] = False
            data = bytearray(data)
            data[-1] ^= 0x01  # last data byte, after the signature was computed
            data = bytes(data)
        wire[c].append(data)
    return nb, nb.send_packet, send_packet


mids = []
for c, (sc, smb3, tid, fid) in enumerate(conns):
    nb, orig, capture = patch(c, smb3)
    nb.send_packet = capture
    for i in range(k):
        w = s3.SMB2Write()
        w['FileID'] = fid
        w['Length'] = CHUNK
        w['Offset'] = i * CHUNK
        w['WriteChannelInfoOffset'] = 0
        w['Buffer'] = bytes([(c * 16 + i) & 0xff]) * CHUNK
        p = smb3.SMB_PACKET()
        p['Command'] = s3.SMB2_WRITE
        p['TreeID'] = tid
        p['Data'] = w
        flip['armed'] = mode == 'flip' and c == FLIP_CONN and i == FLIP_AT
        mids.append((c, i, smb3.sendSMB(p)))
    nb.send_packet = orig
# round robin: WRITE 0 of every connection, then WRITE 1, ...
for i in range(k):
    for c in range(nconn):
        conns[c][1]._NetBIOSSession.send_packet(wire[c][i])
counts = {'ok': 0, 'refused': 0, 'other': 0}
for c, i, mid in mids:
    try:
        st = conns[c][1].recvSMB(mid)['Status']
    except Exception as e:  # connection dropped: counted, never a pass
        print('write %d %d error %s' % (c, i, e))
        counts['other'] += 1
        continue
    print('write %d %d 0x%08x' % (c, i, st))
    counts['ok' if st == 0 else 'refused' if st == 0xC0000022 else 'other'] += 1
for sc, smb3, tid, fid in conns:
    try:
        sc.closeFile(tid, fid)
        sc.logoff()
    except Exception as e:
        print('close: %s' % e)
print('summary ok=%d refused=%d other=%d' % (counts['ok'], counts['refused'], counts['other']), flush=True)
