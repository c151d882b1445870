#!/usr/bin/python3
"""tests/interop/lease_clients.py - the two sides of an oplock/lease break
with impacket, for tests/interop/server_leases.sh. Loopback only.

  hold PORT FILE KIND ACK   open FILE with KIND (batch: a batch oplock;
                            lease: an RWH lease v1 on 2.1) and print "held";
                            then wait for the break notification, print its
                            header ("break mid=.. sid=.. signed=.. cmd=..")
                            and acknowledge it as ACK says:
                              ack    signed (as the session requires)
                              strip  with SMB2_FLAGS_SIGNED cleared and the
                                     signature zeroed (what a man in the
                                     middle that strips the signature sends)
                              none   no acknowledgement
                            print "ack status 0x..." (the server's answer),
                            keep the file open HOLD_S seconds, close, exit.
  open PORT FILE            open FILE for write (share read/write) and print
                            "opened in S.SS s" or "open failed 0x...".
"""
import os
import struct
import sys
import time

from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection

HOLD_S = 6


def connect(port, dialect):
    c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=dialect)
    c.login('alice', 'secret1')
    return c, c.connectTree(os.environ.get('SHARE', 'share'))


def out(msg):
    sys.stdout.write(msg + '\n')
    sys.stdout.flush()


def lease_ctx(key):
    req = s3.SMB2_CREATE_REQUEST_LEASE()
    req['LeaseKey'] = key
    req['LeaseState'] = s3.SMB2_LEASE_READ_CACHING | s3.SMB2_LEASE_HANDLE_CACHING | s3.SMB2_LEASE_WRITE_CACHING
    ctx = s3.SMB2CreateContext()
    data = req.getData()
    ctx['NameOffset'] = 16
    ctx['NameLength'] = 4
    ctx['DataOffset'] = 24
    ctx['DataLength'] = len(data)
    ctx['Buffer'] = b'RqLs' + b'\x00' * 4 + data
    return ctx


def hold(port, name, kind, ack):
    dialect = s3.SMB2_DIALECT_21 if kind == 'lease' else s3.SMB2_DIALECT_30
    c, tid = connect(port, dialect)
    srv = c.getSMBServer()
    key = b'smbsign-lease-k1'
    access = s3.FILE_READ_DATA | s3.FILE_WRITE_DATA
    share = s3.FILE_SHARE_READ | s3.FILE_SHARE_WRITE
    if kind == 'lease':
        fid = srv.create(tid, name, access, share, 0, s3.FILE_OPEN, 0,
                         oplockLevel=s3.SMB2_OPLOCK_LEVEL_LEASE, createContexts=[lease_ctx(key)])
    else:
        fid = srv.create(tid, name, access, share, 0, s3.FILE_OPEN, 0, oplockLevel=s3.SMB2_OPLOCK_LEVEL_BATCH)
    out('held')
    p = srv.recvSMB()  # the next PDU from the server: the break notification
    # impacket adds CreditCharge-1 to its window for every PDU it receives;
    # a notification answers no request (CreditCharge 0): undo that
    srv._Connection['SequenceWindow'] += 1 - p['CreditCharge']
    out('break mid=0x%x sid=0x%x signed=%d cmd=%d size=%d' % (
        p['MessageID'], p['SessionID'], 1 if p['Flags'] & s3.SMB2_FLAGS_SIGNED else 0, p['Command'],
        struct.unpack('<H', p['Data'][:2])[0]))
    if ack != 'none':
        pkt = srv.SMB_PACKET()
        pkt['Command'] = s3.SMB2_OPLOCK_BREAK
        pkt['TreeID'] = tid
        if kind == 'lease':
            a = s3.SMB2LeaseBreakAcknowledgement()
            a['LeaseKey'] = key
            a['LeaseState'] = struct.unpack('<L', p['Data'][28:32])[0]  # NewLeaseState
        else:
            a = s3.SMB2OplockBreakAcknowledgment()
            a['OplockLevel'] = p['Data'][2]
            a['FileID'] = fid
        pkt['Data'] = a
        if ack == 'strip':
            was = srv._Session['SigningActivated']
            srv._Session['SigningActivated'] = False  # sent with no SIGNED flag and a zero signature
            mid = srv.sendSMB(pkt)
            srv._Session['SigningActivated'] = was
        else:
            mid = srv.sendSMB(pkt)
        r = srv.recvSMB(mid)
        out('ack status 0x%08x' % r['Status'])
    time.sleep(HOLD_S)
    try:
        srv.close(tid, fid)
    except Exception as e:  # a refused ack may have cost the connection
        out('close: %s' % e)
    out('closed')


def opener(port, name):
    c, tid = connect(port, s3.SMB2_DIALECT_30)
    t0 = time.time()
    try:
        fid = c.openFile(tid, name, desiredAccess=s3.FILE_WRITE_DATA | s3.FILE_READ_DATA,
                         shareMode=s3.FILE_SHARE_READ | s3.FILE_SHARE_WRITE)
        out('opened in %.2f s' % (time.time() - t0))
        c.closeFile(tid, fid)
    except Exception as e:
        out('open failed %s after %.2f s' % (e, time.time() - t0))


if __name__ == '__main__':
    if sys.argv[1] == 'hold':
        hold(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        opener(int(sys.argv[2]), sys.argv[3])
