"""tests/interop/smb1_cmds.py - SMB1 request blocks built with impacket, shared by
the raw-request tests (smb1_chain.py, smb1_trees.py).

  status_of(ans)          the NTSTATUS of an impacket SMB1 response
  nt_create_cmd(name_u16) NT_CREATE_ANDX opening an existing file for reading
                          (FILE_OPEN, share all, non-directory)
  read_cmd(fid, count)    READ_ANDX of count bytes at offset 0"""
from impacket import smb
from impacket.smb import SMB, SMBCommand


def status_of(ans):
    return ans['ErrorCode'] << 16 | ans['_reserved'] << 8 | ans['ErrorClass']


def nt_create_cmd(name_u16):
    nc = SMBCommand(SMB.SMB_COM_NT_CREATE_ANDX)
    nc['Parameters'] = smb.SMBNtCreateAndX_Parameters()
    nc['Data'] = smb.SMBNtCreateAndX_Data(flags=SMB.FLAGS2_UNICODE)
    nc['Parameters']['FileNameLength'] = len(name_u16)
    nc['Parameters']['AccessMask'] = 0x120089
    nc['Parameters']['CreateFlags'] = 0
    nc['Parameters']['CreateOptions'] = 0x40
    nc['Parameters']['ShareAccess'] = 7
    nc['Parameters']['Disposition'] = 1
    nc['Data']['FileName'] = name_u16
    nc['Data']['Pad'] = 0
    return nc


def read_cmd(fid, count):
    rd = SMBCommand(SMB.SMB_COM_READ_ANDX)
    rd['Parameters'] = smb.SMBReadAndX_Parameters()
    rd['Parameters']['Fid'] = fid
    rd['Parameters']['Offset'] = 0
    rd['Parameters']['MaxCount'] = count
    return rd
