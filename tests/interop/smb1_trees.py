#!/usr/bin/python3
"""tests/interop/smb1_trees.py - SMB1 trees, FIDs and names against our server
(issue 18 fixes 2 and 3), from impacket's SMB1 client (SMB_DIALECT) with raw
requests on its signed session. Prints one "CASE RESULT" line per case; the
shell script (smb1_trees.sh) checks them. A case that raises prints
"CASE error ...".

  tids        three TREE_CONNECTs (share, ro, share again): distinct TIDs
  read_own    READ of a FID under the TID it was opened with: the data
  read_dup    the same FID under the second tree of the same share: status
  read_ro     the same FID under the ro tree: status
  close_other CLOSE of that FID under another tree: status (the FID stays open)
  tdis_dup    TREE_DISCONNECT of the duplicate tree: status
  after_tdis  READ of the FID under its own tree after that: the data
  dup_gone    a request under the disconnected TID: status
  ro_tree     listing through the ro tree (not replaced by later connects)
  nul_create  NT_CREATE "hello.txt\\0\\..\\..\\outside\\secret.txt": status
  nul_twin    NT_CREATE "hello.txt": ok
  nul_qpath   TRANS2 QUERY_PATH_INFORMATION with that name: status
  nul_qpath_twin  the same with "hello.txt": status
  nul_delete  DELETE "\\x04victim.txt\\0\\0..." with bytes after the name: status
  victim      victim.txt still exists after nul_delete (yes/no)
  del_twin    DELETE "gone.txt" with nothing after the name: status
  gone        gone.txt still exists after del_twin (yes/no)

usage: smb1_trees.py PORT USER PASSWORD"""
import os
import struct
import sys

from impacket import smb
from impacket.smb import SMB, SMB_DIALECT, NewSMBPacket, SMBCommand
from impacket.smbconnection import SMBConnection

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smb1_cmds import nt_create_cmd, read_cmd, status_of  # noqa: E402

port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=SMB_DIALECT)
c.login(user, pw)
s = c.getSMBServer()


def raw(tid, cmd):
    p = NewSMBPacket()
    p['Tid'] = tid
    p.addCommand(cmd)
    s.sendSMB(p)
    return s.recvSMB()


def read(tid, fid):
    ans = raw(tid, read_cmd(fid, 100))
    st = status_of(ans)
    if st:
        return 'status=0x%08x' % st
    r = SMBCommand(ans['Data'][0])
    p = smb.SMBReadAndXResponse_Parameters(r['Parameters'])
    return 'data=' + ans.getData()[p['DataOffset']:p['DataOffset'] + p['DataCount']].decode(errors='replace').strip()


def nt_create(tid, name_u16):
    ans = raw(tid, nt_create_cmd(name_u16))
    st = status_of(ans)
    if st:
        return 'status=0x%08x' % st, None
    r = SMBCommand(ans['Data'][0])
    return 'ok', smb.SMBNtCreateAndXResponse_Parameters(r['Parameters'])['Fid']


def case(name, fn):
    try:
        print(name, fn(), flush=True)
    except Exception as e:  # noqa: BLE001 - reported, the shell counts it as a failure
        print(name, 'error', repr(e), flush=True)


t1 = c.connectTree('share')
t2 = c.connectTree('ro')
t3 = c.connectTree('share')
case('tids', lambda: 'distinct' if len({t1, t2, t3}) == 3 else 'same %r' % ((t1, t2, t3),))
_, fid = nt_create(t1, 'hello.txt'.encode('utf-16le'))
case('read_own', lambda: read(t1, fid))
case('read_dup', lambda: read(t3, fid))
case('read_ro', lambda: read(t2, fid))


def close_other():
    cl = SMBCommand(SMB.SMB_COM_CLOSE)
    cl['Parameters'] = smb.SMBClose_Parameters()
    cl['Parameters']['FID'] = fid
    cl['Parameters']['Time'] = 0
    return 'status=0x%08x' % status_of(raw(t3, cl))


case('close_other', close_other)
case('tdis_dup', lambda: 'status=0x%08x' % status_of(raw(t3, SMBCommand(SMB.SMB_COM_TREE_DISCONNECT))))
case('after_tdis', lambda: read(t1, fid))
case('dup_gone', lambda: read(t3, fid))
case('ro_tree', lambda: ','.join(sorted(f.get_longname() for f in c.listPath('ro', '*')
                                        if f.get_longname() not in ('.', '..'))))

evil = 'hello.txt\0\\..\\outside\\secret.txt'.encode('utf-16le')
case('nul_create', lambda: nt_create(t1, evil)[0])
case('nul_twin', lambda: nt_create(t1, 'hello.txt'.encode('utf-16le'))[0])


def qpath(name_u16):
    params = struct.pack('<HI', 0x0101, 0) + name_u16 + b'\0\0'  # SMB_QUERY_FILE_BASIC_INFO
    s.send_trans2(t1, SMB.TRANS2_QUERY_PATH_INFORMATION, '\x00', params, '')
    return 'status=0x%08x' % status_of(s.recvSMB())


case('nul_qpath', lambda: qpath(evil))
case('nul_qpath_twin', lambda: qpath('hello.txt'.encode('utf-16le')))


def delete(name, tail):
    d = SMBCommand(SMB.SMB_COM_DELETE)
    d['Parameters'] = smb.SMBDelete_Parameters()
    d['Parameters']['SearchAttributes'] = 0x06
    d['Data'] = smb.SMBDelete_Data(flags=SMB.FLAGS2_UNICODE)
    d['Data']['FileName'] = (name + '\0').encode('utf-16le') + tail
    return 'status=0x%08x' % status_of(raw(t1, d))


case('nul_delete', lambda: delete('victim.txt', '\\..\\outside\\x\0'.encode('utf-16le')))
case('victim', lambda: 'yes' if any(f.get_longname() == 'victim.txt' for f in c.listPath('share', '*')) else 'no')
case('del_twin', lambda: delete('gone.txt', b''))
case('gone', lambda: 'yes' if any(f.get_longname() == 'gone.txt' for f in c.listPath('share', '*')) else 'no')
c.logoff()
