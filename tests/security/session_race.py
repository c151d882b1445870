#!/usr/bin/python3
"""tests/security/session_race.py - racing SESSION_SETUPs on one session
(the bug class of ksmbd CVE-2024-50283: concurrent SESSION_SETUP requests on
one session while its 3.1.1 preauth hash is being updated), against our
server, loopback only.

Each round: connection A does the first NTLM leg (SessionId X, CHALLENGE),
then, at the same moment,
  - A sends one burst of pipelined SESSION_SETUPs on X: the valid
    AUTHENTICATE, a fresh NTLM NEGOTIATE, the valid AUTHENTICATE again, one
    with a wrong password, and a garbage token;
  - NCONN other connections (negotiated beforehand) each send the same valid
    AUTHENTICATE on SessionId X (every other one with the BINDING flag) and
    a NEGOTIATE on X.
Then every response is read (a connection the server closes counts as
"closed").

Prints per round "round R a=STATUSES others=STATUSES" and at the end
  summary rounds=R a_success=N a_first_ok=N others_success=N closed=N errors=N
a_success: A's successful SESSION_SETUPs (at most one per round may
succeed: the first AUTHENTICATE); a_first_ok: rounds where that first
AUTHENTICATE succeeded (shows the tokens were valid); others_success:
SESSION_SETUPs on X from other connections that succeeded (must be 0: the
session is not theirs).
Then a "flood" burst: FLOOD first legs with SessionId 0 pipelined on one
connection; prints "flood more=N other=N closed=0|1".

usage: session_race.py PORT USER PASSWORD DIALECT(3.0|3.1.1) NCONN ROUNDS FLOOD"""
import struct
import sys
import threading

from impacket import ntlm, spnego
from impacket import smb3structs as s3
from impacket.smb3 import SMB3

port, user, pw, dialect = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
nconn, rounds, flood = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
D = {'3.0': s3.SMB2_DIALECT_30, '3.1.1': s3.SMB2_DIALECT_311}[dialect]
NTLM_OID = spnego.TypesMech['NTLMSSP - Microsoft NTLM Security Support Provider']
MORE = 0xC0000016


class Conn:
    def __init__(self):
        self.smb = SMB3('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=D, timeout=10)
        self.nb = self.smb._NetBIOSSession
        self.mid = self.smb._Connection['SequenceWindow']

    def packet(self, sid, blob, binding=False):
        q = s3.SMB2SessionSetup()
        q['Flags'] = 0x01 if binding else 0
        q['SecurityMode'] = s3.SMB2_NEGOTIATE_SIGNING_ENABLED
        q['SecurityBufferLength'] = len(blob)
        q['Buffer'] = blob
        p = self.smb.SMB_PACKET()
        p['Command'] = s3.SMB2_SESSION_SETUP
        p['Data'] = q
        p['MessageID'] = self.mid
        p['SessionID'] = sid
        p['CreditCharge'] = 1
        p['CreditRequestResponse'] = 64
        self.mid += 1
        data = p.getData()
        return struct.pack('>I', len(data)) + data

    def burst(self, frames):
        self.nb.get_socket().sendall(b''.join(frames))

    def recv(self, n):
        """n responses: list of (status, SessionId, body) or 'closed'"""
        out = []
        try:
            while len(out) < n:
                r = self.nb.recv_packet(10).get_trailer()
                st, = struct.unpack_from('<I', r, 8)
                if st == 0x103:  # STATUS_PENDING interim: the final one follows
                    continue
                out.append((st, struct.unpack_from('<Q', r, 40)[0], r))
        except Exception:  # noqa: BLE001 - closed or timed out: counted
            out += ['closed'] * (n - len(out))
        return out

    def close(self):
        try:
            self.nb.get_socket().close()
        except OSError:
            pass


def type1():
    auth = ntlm.getNTLMSSPType1('', '', True)
    t = spnego.SPNEGO_NegTokenInit()
    t['MechTypes'] = [NTLM_OID]
    t['MechToken'] = auth.getData()
    return auth, t.getData()


def type3(auth, challenge_rsp, password):
    body = s3.SMB2SessionSetup_Response(challenge_rsp[64:])
    tok = spnego.SPNEGO_NegTokenResp(body['Buffer'])
    t3, _ = ntlm.getNTLMSSPType3(auth, tok['ResponseToken'], user, password, '', '', '')
    r = spnego.SPNEGO_NegTokenResp()
    r['ResponseToken'] = t3.getData()
    return r.getData()


def fmt(rs):
    return ','.join('closed' if r == 'closed' else '%08x' % r[0] for r in rs)


tot = {'a_success': 0, 'a_first_ok': 0, 'others_success': 0, 'closed': 0, 'errors': 0}
for rnd in range(rounds):
    try:
        a = Conn()
        others = [Conn() for _ in range(nconn)]
        auth, blob1 = type1()
        a.burst([a.packet(0, blob1)])
        (st, sid, rsp), = a.recv(1)
        if st != MORE:
            raise RuntimeError('first leg: status 0x%08x' % st)
        good = type3(auth, rsp, pw)
        bad = type3(auth, rsp, pw + 'x')
        a_frames = [a.packet(sid, good), a.packet(sid, type1()[1]), a.packet(sid, good), a.packet(sid, bad),
                    a.packet(sid, b'\x00' * 24)]
        o_frames = [[o.packet(sid, good, binding=(i % 2 == 1)), o.packet(sid, type1()[1])]
                    for i, o in enumerate(others)]
        go = threading.Barrier(nconn + 1)
        res = [None] * (nconn + 1)

        def run(i, c, frames):
            go.wait()
            c.burst(frames)
            res[i] = c.recv(len(frames))
        ts = [threading.Thread(target=run, args=(0, a, a_frames))]
        ts += [threading.Thread(target=run, args=(i + 1, o, o_frames[i])) for i, o in enumerate(others)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        ra = res[0]
        ro = [r for rs in res[1:] for r in rs]
        tot['a_success'] += sum(1 for r in ra if r != 'closed' and r[0] == 0)
        tot['a_first_ok'] += ra[0] != 'closed' and ra[0][0] == 0
        tot['others_success'] += sum(1 for r in ro if r != 'closed' and r[0] == 0)
        tot['closed'] += sum(1 for r in ra + ro if r == 'closed')
        print('round %d a=%s others=%s' % (rnd, fmt(ra), fmt(ro)), flush=True)
        for c in [a] + others:
            c.close()
    except Exception as e:  # noqa: BLE001 - counted, the shell fails on it
        tot['errors'] += 1
        print('round %d error %r' % (rnd, e), flush=True)
print('summary rounds=%d a_success=%d a_first_ok=%d others_success=%d closed=%d errors=%d' %
      (rounds, tot['a_success'], tot['a_first_ok'], tot['others_success'], tot['closed'], tot['errors']), flush=True)

try:
    f = Conn()
    frames = [f.packet(0, type1()[1]) for _ in range(flood)]
    f.burst(frames)
    rs = f.recv(flood)
    more = sum(1 for r in rs if r != 'closed' and r[0] == MORE)
    print('flood more=%d other=%d closed=%d' % (more, sum(1 for r in rs if r != 'closed' and r[0] != MORE),
                                               int('closed' in rs)), flush=True)
    f.close()
except Exception as e:  # noqa: BLE001
    print('flood error %r' % e, flush=True)
