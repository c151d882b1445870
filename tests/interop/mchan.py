#!/usr/bin/python3
"""tests/interop/mchan.py - SMB 3.x multichannel session binding, raw.

A small SMB2 client of its own (struct packing; impacket only for NTLMSSP,
SPNEGO and the SP800-108 KDF / AES-CMAC) that opens a session on one
connection and binds a second connection to it (MS-SMB2 3.2.4.1.7,
3.3.5.5.2), then checks what the server does with the binding and with the
channels. Used by tests/interop/server_multichannel.sh against
`smbsign serve` and, as the reference, Samba's smbd.

usage: mchan.py PORT CASE [DIALECT]
Prints one line per fact: `name=value`, which the shell script checks.
"""
import hashlib
import os
import socket
import struct
import sys

from Cryptodome.Cipher import AES
from impacket import ntlm, crypto
from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech

HOST = '127.0.0.1'
NEGOTIATE, SESSION_SETUP, LOGOFF, TREE_CONNECT, CREATE, CLOSE, READ, WRITE = 0, 1, 2, 3, 5, 6, 8, 9
FLAG_SIGNED = 0x8
STATUS = {0: 'OK', 0xC0000016: 'MORE_PROCESSING_REQUIRED', 0xC0000022: 'ACCESS_DENIED',
          0xC000000D: 'INVALID_PARAMETER', 0xC00000D0: 'REQUEST_NOT_ACCEPTED',
          0xC0000203: 'USER_SESSION_DELETED', 0xC00000BB: 'NOT_SUPPORTED', 0xC000006D: 'LOGON_FAILURE',
          0xC000042A: 'REQUEST_OUT_OF_SEQUENCE', 0xC0000128: 'FILE_CLOSED', 0xC00000C9: 'NETWORK_NAME_DELETED'}
D = {'300': 0x300, '302': 0x302, '311': 0x311, '210': 0x210}


def st_name(s):
    return STATUS.get(s, '0x%08x' % s)


def kdf(key, label, ctx):
    return crypto.KDF_CounterMode(key, label, ctx, 128)


def cmac(key, msg):
    return crypto.AES_CMAC(key, msg, len(msg))


CCM, GCM = 1, 2


def seal(key, cipher, sid, msg, tamper=False):
    """an SMB2 TRANSFORM message (MS-SMB2 2.2.41) around msg, a random nonce"""
    nonce = os.urandom(11 if cipher == CCM else 12)
    aad = struct.pack('<16sIHHQ', nonce.ljust(16, b'\0'), len(msg), 0, 1, sid)
    c = AES.new(key, AES.MODE_CCM if cipher == CCM else AES.MODE_GCM, nonce=nonce, mac_len=16)
    c.update(aad)
    ct, tag = c.encrypt_and_digest(msg)
    if tamper:
        ct = bytes([ct[0] ^ 1]) + ct[1:]
    return b'\xfdSMB' + tag + aad + ct


def unseal(key, cipher, m):
    """(plain message, nonce, SessionId) of a TRANSFORM message; ValueError if it does not verify"""
    tag, aad, ct = m[4:20], m[20:52], m[52:]
    nonce = aad[:11 if cipher == CCM else 12]
    c = AES.new(key, AES.MODE_CCM if cipher == CCM else AES.MODE_GCM, nonce=nonce, mac_len=16)
    c.update(aad)
    return c.decrypt_and_verify(ct, tag), bytes(aad[:16]), struct.unpack_from('<Q', aad, 24)[0]


class Conn:
    def __init__(self, port, dialect, guid=None, encrypt=False):
        self.s = socket.create_connection((HOST, port), timeout=20)
        self.mid = 0
        self.dialect = dialect
        self.guid = guid or os.urandom(16)
        self.preauth = b'\0' * 64
        self.caps = 0
        self.encrypt = encrypt  # 3.1.1: offer AES-128-GCM (3.0.x: CAP_ENCRYPTION is always offered)
        self.cipher = 0
        self.negotiate()

    def close(self):
        self.s.close()

    def _recv_exact(self, n):
        b = b''
        while len(b) < n:
            x = self.s.recv(n - len(b))
            if not x:
                raise EOFError('connection closed')
            b += x
        return b

    def send(self, cmd, body, sid=0, tid=0, key=None, charge=1):
        hdr = struct.pack('<4sHHIHHIIQIIQ16s', b'\xfeSMB', 64, charge, 0, cmd, 64,
                          FLAG_SIGNED if key else 0, 0, self.mid, 0, tid, sid, b'\0' * 16)
        self.mid += charge
        msg = bytearray(hdr + body)
        if key:
            msg[48:64] = cmac(key, bytes(msg))
        msg = bytes(msg)
        self.s.sendall(struct.pack('>I', len(msg)) + msg)
        return msg

    def send_enc(self, cmd, body, sid, tid, ekey, tamper=False, tsid=None):
        """one request in a transform of session tsid (default sid), encrypted with ekey, unsigned"""
        hdr = struct.pack('<4sHHIHHIIQIIQ16s', b'\xfeSMB', 64, 1, 0, cmd, 64, 0, 0, self.mid, 0, tid, sid, b'\0' * 16)
        self.mid += 1
        m = seal(ekey, self.cipher, sid if tsid is None else tsid, hdr + body, tamper)
        self.s.sendall(struct.pack('>I', len(m)) + m)

    def recv_raw(self):
        n = struct.unpack('>I', self._recv_exact(4))[0] & 0xFFFFFF
        return self._recv_exact(n)

    def read_enc(self, sid, tid, ekey, dkey, fid, n, tamper=False, tsid=None):
        """an encrypted READ: (status name or DROPPED/NOT_ENCRYPTED/BAD_TRANSFORM, data, nonce, transform SessionId)"""
        body = struct.pack('<HBBIQ16sIIIHH', 49, 0x50, 0, n, 0, fid, 0, 0, 0, 0, 0) + b'\0'
        try:
            self.send_enc(READ, body, sid, tid, ekey, tamper, tsid)
            m = self.recv_raw()
        except (EOFError, OSError):
            return 'DROPPED', b'', None, None
        if m[:4] != b'\xfdSMB':
            return 'NOT_ENCRYPTED', b'', None, None
        try:
            p, nonce, tsid = unseal(dkey, self.cipher, m)
        except ValueError:
            return 'BAD_TRANSFORM', b'', None, None
        st = struct.unpack_from('<I', p, 8)[0]
        data = p[p[66]:p[66] + struct.unpack_from('<I', p, 68)[0]] if st == 0 else b''
        return st_name(st), data, nonce, tsid

    def cipher_keys(self, skey, preauth):
        """(client-to-server, server-to-client) keys, MS-SMB2 3.2.5.3.1 / 3.3.5.5.3"""
        if self.dialect == 0x311:
            return kdf(skey, b'SMBC2SCipherKey\0', preauth), kdf(skey, b'SMBS2CCipherKey\0', preauth)
        return kdf(skey, b'SMB2AESCCM\0', b'ServerIn \0'), kdf(skey, b'SMB2AESCCM\0', b'ServerOut\0')

    def recv(self):
        while True:
            n = struct.unpack('>I', self._recv_exact(4))[0] & 0xFFFFFF
            m = self._recv_exact(n)
            status = struct.unpack_from('<I', m, 8)[0]
            flags = struct.unpack_from('<I', m, 16)[0]
            if status == 0x103 and flags & 2:  # interim STATUS_PENDING
                continue
            return m

    def call(self, cmd, body, sid=0, tid=0, key=None, charge=1):
        req = self.send(cmd, body, sid, tid, key, charge)
        rsp = self.recv()
        return req, rsp

    def negotiate(self):
        dialects = [self.dialect]
        if self.dialect == 0x311:
            salt = os.urandom(32)
            pctx = struct.pack('<HHI', 1, 38, 0) + struct.pack('<HHH', 1, 32, 1) + salt
            if self.encrypt:  # ENCRYPTION_CAPABILITIES: AES-128-GCM
                pctx += b'\0\0' + struct.pack('<HHIHH', 2, 4, 0, 1, GCM)
            fixed = 36 + 2 * len(dialects)
            pad = (8 - (64 + fixed) % 8) % 8
            off = 64 + fixed + pad
            body = struct.pack('<HHHHI16sIHH', 36, len(dialects), 1, 0, 0x7F, self.guid, off,
                               2 if self.encrypt else 1, 0)
            body += b''.join(struct.pack('<H', d) for d in dialects) + b'\0' * pad + pctx
        else:
            body = struct.pack('<HHHHI16sQ', 36, len(dialects), 1, 0, 0x7F, self.guid, 0)
            body += b''.join(struct.pack('<H', d) for d in dialects)
        req, rsp = self.call(NEGOTIATE, body)
        self.status = struct.unpack_from('<I', rsp, 8)[0]
        if self.status:
            raise RuntimeError('NEGOTIATE failed: ' + st_name(self.status))
        self.dialect = struct.unpack_from('<H', rsp, 68)[0]
        self.caps = struct.unpack_from('<I', rsp, 64 + 24)[0]
        if self.dialect == 0x311:
            self.preauth = hashlib.sha512(self.preauth + req).digest()
            self.preauth = hashlib.sha512(self.preauth + rsp).digest()
            coff, cnt = struct.unpack_from('<I', rsp, 64 + 60)[0], struct.unpack_from('<H', rsp, 64 + 6)[0]
            for _ in range(cnt):
                ctype, clen = struct.unpack_from('<HH', rsp, coff)
                if ctype == 2 and clen >= 4:
                    self.cipher = struct.unpack_from('<H', rsp, coff + 10)[0]
                coff += (8 + clen + 7) & ~7
        elif self.caps & 0x40:
            self.cipher = CCM

    def signing_key(self, skey, preauth):
        if self.dialect == 0x311:
            return kdf(skey, b'SMBSigningKey\0', preauth)
        return kdf(skey, b'SMB2AESCMAC\0', b'SmbSign\0')

    def setup(self, user, password, sid=0, bind_key=None, binding=False, sign_bind=True):
        """NTLMSSP in SPNEGO. Returns (status, sid, session key, this channel's signing key)."""
        type1 = ntlm.getNTLMSSPType1('', '', True)
        init = SPNEGO_NegTokenInit()
        init['MechTypes'] = [TypesMech['NTLMSSP - Microsoft NTLM Security Support Provider']]
        init['MechToken'] = type1.getData()
        h = self.preauth
        flags = 1 if binding else 0
        tok = init.getData()

        def leg(tok, sid):
            body = struct.pack('<HBBIIHHQ', 25, flags, 1, 0, 0, 88, len(tok), 0) + tok
            req = self.send(SESSION_SETUP, body, sid=sid, key=bind_key if sign_bind else None)
            return req, self.recv()

        req, rsp = leg(tok, sid)
        st = struct.unpack_from('<I', rsp, 8)[0]
        if self.dialect == 0x311:
            h = hashlib.sha512(h + req).digest()
        if st != 0xC0000016:
            return st, sid, None, None, rsp
        sid = struct.unpack_from('<Q', rsp, 40)[0]
        if self.dialect == 0x311:
            h = hashlib.sha512(h + rsp).digest()
        off, ln = struct.unpack_from('<HH', rsp, 64 + 4)
        chal = SPNEGO_NegTokenResp(rsp[off:off + ln])['ResponseToken']
        type3, skey = ntlm.getNTLMSSPType3(type1, chal, user, password, '', '', '')
        resp = SPNEGO_NegTokenResp()
        resp['ResponseToken'] = type3.getData()
        req, rsp = leg(resp.getData(), sid)
        st = struct.unpack_from('<I', rsp, 8)[0]
        if self.dialect == 0x311:
            h = hashlib.sha512(h + req).digest()
        key = self.signing_key(skey, h) if st == 0 else None
        self.last_preauth = h  # the session's (3.1.1): its cipher keys are derived over it
        return st, sid, skey, key, rsp

    # ---- file commands ----
    def tree(self, sid, key, share):
        path = ('\\\\%s\\%s' % (HOST, share)).encode('utf-16le')
        _, rsp = self.call(TREE_CONNECT, struct.pack('<HHHH', 9, 0, 72, len(path)) + path, sid=sid, key=key)
        return struct.unpack_from('<I', rsp, 8)[0], struct.unpack_from('<I', rsp, 36)[0], rsp

    def create(self, sid, tid, key, name):
        n = name.encode('utf-16le')
        body = struct.pack('<HBBIQQIIIIIHHII', 57, 0, 0, 2, 0, 0, 0x12019F, 0x80, 7, 5, 0x40, 120, len(n), 0, 0) + n
        _, rsp = self.call(CREATE, body, sid=sid, tid=tid, key=key)
        st = struct.unpack_from('<I', rsp, 8)[0]
        return st, (rsp[64 + 64:64 + 80] if st == 0 else None), rsp

    def write(self, sid, tid, key, fid, data, off=0):
        body = struct.pack('<HHIQ16sIIHHI', 49, 112, len(data), off, fid, 0, 0, 0, 0, 0) + data
        _, rsp = self.call(WRITE, body, sid=sid, tid=tid, key=key, charge=1 + (len(data) - 1) // 65536)
        return struct.unpack_from('<I', rsp, 8)[0], rsp

    def read(self, sid, tid, key, fid, n, off=0):
        body = struct.pack('<HBBIQ16sIIIHH', 49, 0x50, 0, n, off, fid, 0, 0, 0, 0, 0) + b'\0'
        _, rsp = self.call(READ, body, sid=sid, tid=tid, key=key, charge=1 + (max(n, 1) - 1) // 65536)
        st = struct.unpack_from('<I', rsp, 8)[0]
        data = b''
        if st == 0:
            doff = rsp[66]
            dlen = struct.unpack_from('<I', rsp, 68)[0]
            data = rsp[doff:doff + dlen]
        return st, data, rsp

    def close_file(self, sid, tid, key, fid):
        _, rsp = self.call(CLOSE, struct.pack('<HHI16s', 24, 0, 0, fid), sid=sid, tid=tid, key=key)
        return struct.unpack_from('<I', rsp, 8)[0], rsp

    def logoff(self, sid, key):
        _, rsp = self.call(LOGOFF, struct.pack('<HH', 4, 0), sid=sid, key=key)
        return struct.unpack_from('<I', rsp, 8)[0], rsp


def sig_ok(rsp, key):
    """a response signed with key: SIGNED flag and a verifying signature"""
    if not key or not struct.unpack_from('<I', rsp, 16)[0] & FLAG_SIGNED:
        return False
    m = bytearray(rsp)
    sig = bytes(m[48:64])
    m[48:64] = b'\0' * 16
    return cmac(key, bytes(m)) == sig


def out(k, v):
    print('%s=%s' % (k, v), flush=True)


def main():
    port, case = int(sys.argv[1]), sys.argv[2]
    dialect = D[sys.argv[3] if len(sys.argv) > 3 else '311']
    user, pw = os.environ.get('MCHAN_USER', 'alice'), 'secret1'
    a = Conn(port, dialect, encrypt=case == 'enc')
    out('caps_multichannel', int(bool(a.caps & 0x8)))
    st, sid, skey, ka, _ = a.setup(user, pw)
    out('setup', st_name(st))
    st, tid, _ = a.tree(sid, ka, 'share')
    out('tree', st_name(st))
    st, fid, _ = a.create(sid, tid, ka, 'mc_%s.bin' % case)
    out('create', st_name(st))
    data = os.urandom(70000)
    st, _ = a.write(sid, tid, ka, fid, data)
    out('write_a', st_name(st))

    if case == 'foreign':
        # a connection that is not a channel of the session names it: each
        # request answered USER_SESSION_DELETED, signed with Session.SigningKey
        # (several READs pipelined: the server may batch-sign lone READs)
        b = Conn(port, dialect, guid=a.guid)
        for i in range(8):
            body = struct.pack('<HBBIQ16sIIIHH', 49, 0x50, 0, 16, 0, fid, 0, 0, 0, 0, 0) + b'\0'
            b.send(READ, body, sid=sid, tid=tid, key=ka)
        rs = [b.recv() for _ in range(8)]
        out('foreign_all_deleted', int(all(struct.unpack_from('<I', r, 8)[0] == 0xC0000203 for r in rs)))
        out('foreign_all_signed_session_key', int(all(sig_ok(r, ka) for r in rs)))
        st, got, rsp = a.read(sid, tid, ka, fid, 10)
        out('read_a_after', st_name(st))
        return

    if case == 'enc':
        return enc_case(port, a, sid, skey, ka, tid, fid, data, user, pw)

    # the second connection: same ClientGuid unless the case says otherwise
    bdial = {'dialect_mismatch': 0x302 if dialect == 0x311 else 0x311, 'smb21': 0x210}.get(case, dialect)
    b = Conn(port, bdial, guid=os.urandom(16) if case == 'guid_mismatch' else a.guid)
    bind_key = os.urandom(16) if case == 'wrong_key' else ka
    buser, bpw = ('bob', 'hunter22') if case == 'other_user' else (user, pw)
    st, _, _, kb, rsp = b.setup(buser, bpw, sid=sid, bind_key=bind_key, binding=True,
                                sign_bind=case != 'unsigned')
    out('bind', st_name(st))
    out('bind_rsp_signed_session_key', int(sig_ok(rsp, ka)))
    out('bind_rsp_signed_channel_key', int(sig_ok(rsp, kb)))
    if st == 0:
        out('channel_key_differs', int(kb != ka))
        st, got, rsp = b.read(sid, tid, kb, fid, len(data))
        out('read_b', st_name(st))
        out('read_b_same_bytes', int(got == data))
        out('read_b_rsp_channel_signed', int(sig_ok(rsp, kb)))
        # the session's key is not the channel's key: refused
        st, _, _ = b.read(sid, tid, ka, fid, 16)
        out('read_b_with_session_key', st_name(st))
        # write on B, read back on A
        st, _ = b.write(sid, tid, kb, fid, b'B' * 1000, off=5)
        out('write_b', st_name(st))
        st, got, _ = a.read(sid, tid, ka, fid, 1005)
        out('read_a_sees_b', int(st == 0 and got == data[:5] + b'B' * 1000))
    # the original session keeps working whatever happened to the binding
    st, got, rsp = a.read(sid, tid, ka, fid, 10)
    out('read_a_after', st_name(st))
    out('read_a_after_signed', int(sig_ok(rsp, ka)))

    if case == 'logoff_b' and kb:
        st, _ = b.logoff(sid, kb)
        out('logoff_b', st_name(st))
        st, _, _ = a.read(sid, tid, ka, fid, 10)
        out('read_a_after_logoff_b', st_name(st))
    elif case == 'logoff_a' and kb:
        st, _ = a.logoff(sid, ka)
        out('logoff_a', st_name(st))
        st, _, rsp = b.read(sid, tid, kb, fid, 10)
        out('read_b_after_logoff_a', st_name(st))
        out('read_b_after_logoff_a_signed_channel_key', int(sig_ok(rsp, kb)))
        # and a new binding to the logged-off session is refused
        c3 = Conn(port, dialect, guid=a.guid)
        st, _, _, _, _ = c3.setup(user, pw, sid=sid, bind_key=ka, binding=True)
        out('bind_after_logoff', st_name(st))
    elif case == 'drop_a' and kb:
        a.close()
        st, got, _ = b.read(sid, tid, kb, fid, 5)
        out('read_b_after_drop_a', st_name(st))
        out('read_b_after_drop_a_bytes', int(got == data[:5]))
        st, _ = b.close_file(sid, tid, kb, fid)
        out('close_b', st_name(st))
        b.close()
    elif case == 'race' and kb:
        # both channels at once (the server may run them on two threads),
        # then LOGOFF on B while A is still busy: A's requests end with
        # USER_SESSION_DELETED, never anything else, and nothing crashes
        import threading
        res = {'a': [], 'b': []}

        def loop_a():
            for _ in range(300):
                st, _, _ = a.read(sid, tid, ka, fid, 4096)
                res['a'].append(st)
                if st:
                    break

        def loop_b():
            for i in range(150):
                st, _ = b.write(sid, tid, kb, fid, os.urandom(4096), off=4096 * (i % 8))
                res['b'].append(st)
            res['b'].append(b.logoff(sid, kb)[0])

        ts = [threading.Thread(target=loop_a), threading.Thread(target=loop_b)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        out('race_b_all_ok', int(all(x == 0 for x in res['b'])))
        out('race_a_only_ok_or_deleted', int(all(x in (0, 0xC0000203) for x in res['a'])))
        st, _, _ = a.read(sid, tid, ka, fid, 10)
        out('race_a_after_logoff', st_name(st))
    elif case == 'reauth' and kb:
        # re-authentication on the channel (no BINDING flag, signed with its
        # key): by the right user it keeps the session; a failed one ends the
        # session on every channel, the failure signed with the channel's key
        st, _, _, _, rsp = b.setup(user, pw, sid=sid, bind_key=kb)
        out('reauth_ok', st_name(st))
        out('reauth_ok_signed_channel_key', int(sig_ok(rsp, kb)))
        st, _, _ = a.read(sid, tid, ka, fid, 10)
        out('read_a_after_reauth_ok', st_name(st))
        st, _, _, _, rsp = b.setup(user, 'wrong password', sid=sid, bind_key=kb)
        out('reauth_bad', st_name(st))
        out('reauth_bad_signed_channel_key', int(sig_ok(rsp, kb)))
        st, _, _ = a.read(sid, tid, ka, fid, 10)
        out('read_a_after_reauth_bad', st_name(st))
        st, _, _ = b.read(sid, tid, kb, fid, 10)
        out('read_b_after_reauth_bad', st_name(st))
    elif case == 'rebind' and kb:
        # a second binding on a connection that is a channel already
        st, _, _, _, _ = b.setup(user, pw, sid=sid, bind_key=kb, binding=True)
        out('rebind', st_name(st))
    else:
        st, _ = a.close_file(sid, tid, ka, fid)
        out('close_a', st_name(st))


def enc_case(port, a, sid, skey, ka, tid, fid, data, user, pw):
    """A session that encrypts, bound on a second connection (MS-SMB2
    3.3.5.5.2: one pair of cipher keys per session, shared by its channels;
    only the signing keys are per channel)."""
    import threading
    out('cipher', a.cipher)
    enc, dec = a.cipher_keys(skey, a.last_preauth)
    b = Conn(port, a.dialect, guid=a.guid, encrypt=True)
    st, _, _, kb, _ = b.setup(user, pw, sid=sid, bind_key=ka, binding=True)
    out('bind', st_name(st))
    if st:
        return
    st, got, nb, tsid = b.read_enc(sid, tid, enc, dec, fid, 100)
    out('enc_read_b', st)
    out('enc_read_b_same_bytes', int(got == data[:100]))
    out('enc_read_b_transform_sid', int(tsid == sid))
    st, got, na, _ = a.read_enc(sid, tid, enc, dec, fid, 100)
    out('enc_read_a', st)
    # both channels at once (two event loops): every nonce of the session's
    # key handed out once, whichever thread encrypted
    nonces = {'a': [], 'b': []}

    def loop(conn, name):
        for _ in range(200):
            st, _, n, _ = conn.read_enc(sid, tid, enc, dec, fid, 512)
            if st != 'OK':
                nonces[name].append(st)
                return
            nonces[name].append(n)

    ts = [threading.Thread(target=loop, args=(a, 'a')), threading.Thread(target=loop, args=(b, 'b'))]
    [t.start() for t in ts]
    [t.join() for t in ts]
    alln = [na, nb] + nonces['a'] + nonces['b']
    out('enc_concurrent_all_ok', int(all(isinstance(n, bytes) for n in alln) and len(alln) == 402))
    out('enc_nonces_unique', int(len(set(alln)) == len(alln)))
    # a second session on the first connection, not bound anywhere else
    st, sid2, skey2, k2, _ = a.setup(user, pw)
    out('setup2', st_name(st))
    enc2, dec2 = a.cipher_keys(skey2, a.last_preauth)
    st, tid2, _ = a.tree(sid2, k2, 'share')
    st, fid2, _ = a.create(sid2, tid2, k2, 'mc_enc2.bin')
    st, _ = a.write(sid2, tid2, k2, fid2, b'two' * 10)
    # twin pair: that session's transform works where the session lives ...
    st, got, _, _ = a.read_enc(sid2, tid2, enc2, dec2, fid2, 30)
    out('enc_session2_on_a', st)
    # ... and is refused on the channel, which is not bound to it (the
    # connection is dropped, MS-SMB2 3.3.5.2.1.1)
    c3 = Conn(port, a.dialect, guid=a.guid, encrypt=True)
    st, _, _, k3, _ = c3.setup(user, pw, sid=sid, bind_key=ka, binding=True)
    st, _, _, _ = c3.read_enc(sid2, tid2, enc2, dec2, fid2, 30)
    out('enc_session2_on_channel', st)
    # a tampered transform on the channel: dropped, nothing answered
    st, _, _, _ = b.read_enc(sid, tid, enc, dec, fid, 16, tamper=True)
    out('enc_tampered_on_b', st)
    # the session and the unbound one still work on the first connection
    st, got, _, _ = a.read_enc(sid, tid, enc, dec, fid, 100)
    out('enc_read_a_after', st)
    out('enc_read_a_after_same_bytes', int(got == data[:100]))
    st, got, _, _ = a.read_enc(sid2, tid2, enc2, dec2, fid2, 30)
    out('enc_session2_after', '%s/%d' % (st, got == b'two' * 10))


if __name__ == '__main__':
    main()
