#!/usr/bin/python3
"""tests/security/session_setup.py - SESSION_SETUP abuse against our server,
the bug classes of ksmbd CVE-2023-52440 and CVE-2025-38562, from impacket's
SMB3 class with hand-built NTLMSSP/SPNEGO tokens at SMB 3.0 (loopback only).
Prints one "CASE RESULT" line per case:

  keyexch_big    AUTHENTICATE with KEY_EXCH and a 1000-byte
                 EncryptedRandomSessionKey (CVE-2023-52440): status
  keyexch_twin   the same exchange with impacket's 16-byte key: status
  again          a second SESSION_SETUP (a fresh NTLM NEGOTIATE) on the
                 established session (CVE-2025-38562): status
  again_after    a signed TREE_CONNECT with the original key after that
                 (ok/fail/closed)
  alive          a new connection logs on and lists the share afterwards
                 (ok/fail; 3.0: Debian's impacket 0.10 breaks the 3.1.1 preauth
                 chain, docs/server.md)
  unsigned       after a logon, requests sent unsigned: the listing is
                 "refused ..." or "listed"

usage: session_setup.py PORT USER PASSWORD"""
import sys

from impacket import ntlm, spnego
from impacket import smb3structs as s3
from impacket.smb3 import SMB3
from impacket.smbconnection import SMBConnection

port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
NTLM_OID = spnego.TypesMech['NTLMSSP - Microsoft NTLM Security Support Provider']


def setup(conn, blob, session_id=None):
    q = s3.SMB2SessionSetup()
    q['Flags'] = 0
    q['SecurityMode'] = s3.SMB2_NEGOTIATE_SIGNING_ENABLED
    q['SecurityBufferLength'] = len(blob)
    q['Buffer'] = blob
    p = conn.SMB_PACKET()
    p['Command'] = s3.SMB2_SESSION_SETUP
    p['Data'] = q
    if session_id is not None:
        p['SessionID'] = session_id
    mid = conn.sendSMB(p)
    return conn.recvSMB(mid)


def type1_blob():
    t = spnego.SPNEGO_NegTokenInit()
    t['MechTypes'] = [NTLM_OID]
    auth = ntlm.getNTLMSSPType1('', '', True)
    t['MechToken'] = auth.getData()
    return auth, t.getData()


def logon(key_len):
    """NTLM logon by hand; key_len None keeps impacket's 16-byte key."""
    conn = SMB3('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=s3.SMB2_DIALECT_30)
    auth, blob = type1_blob()
    ans = setup(conn, blob)
    conn._Session['SessionID'] = ans['SessionID']
    rsp = s3.SMB2SessionSetup_Response(ans['Data'])
    tok = spnego.SPNEGO_NegTokenResp(rsp['Buffer'])
    t3, exported = ntlm.getNTLMSSPType3(auth, tok['ResponseToken'], user, pw, '', '', '')
    if key_len is not None:
        t3['flags'] |= ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH
        t3['session_key'] = b'\x41' * key_len
    r2 = spnego.SPNEGO_NegTokenResp()
    r2['ResponseToken'] = t3.getData()
    ans = setup(conn, r2.getData())
    return conn, ans['Status'], exported


def case(name, fn):
    try:
        print(name, fn(), flush=True)
    except Exception as e:  # noqa: BLE001 - the shell counts it as a failure
        print(name, 'error', repr(e).replace('\n', ' '), flush=True)


case('keyexch_big', lambda: '0x%08x' % logon(1000)[1])


def twin():
    return '0x%08x' % logon(None)[1]


case('keyexch_twin', twin)

c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=s3.SMB2_DIALECT_30)
c.login(user, pw)
s = c._SMBConnection
sid = s._Session['SessionID']


def again():
    # on the established session, signed with its key by impacket, as a
    # re-authentication must be (MS-SMB2 3.3.5.5)
    return '0x%08x' % setup(s, type1_blob()[1], sid)['Status']


case('again', again)


def again_after():
    try:
        names = [f.get_longname() for f in c.listPath('share', '*')]
    except Exception as e:  # noqa: BLE001
        return 'fail ' + repr(e).replace('\n', ' ')
    return 'ok' if 'hello.txt' in names else 'fail %r' % names


case('again_after', again_after)


def alive():
    n = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=s3.SMB2_DIALECT_30)
    n.login(user, pw)
    ok = any(f.get_longname() == 'hello.txt' for f in n.listPath('share', '*'))
    n.logoff()
    return 'ok' if ok else 'fail'


case('alive', alive)


def unsigned():
    """log on, then send every later request unsigned (as a relay that has no
    key would): the listing must fail where signing is required"""
    n = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=s3.SMB2_DIALECT_30)
    n.login(user, pw)
    n._SMBConnection._Session['SigningActivated'] = False
    try:
        names = [f.get_longname() for f in n.listPath('share', '*')]
    except Exception as e:  # noqa: BLE001
        code = e.getErrorCode() if hasattr(e, 'getErrorCode') else 0
        return 'refused 0x%08x %s' % (code, repr(e).replace('\n', ' ')[:60])
    return 'listed' if 'hello.txt' in names else 'fail %r' % names


case('unsigned', unsigned)
