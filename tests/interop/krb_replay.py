#!/usr/bin/python3
"""tests/interop/krb_replay.py - replay a captured Kerberos AP-REQ to a server.

usage: krb_replay.py LISTEN_PORT TARGET_PORT

Listens on 127.0.0.1:LISTEN_PORT (prints "listening" once bound), relays one
client connection to 127.0.0.1:TARGET_PORT untouched and records the client's
frames. When that connection ends it opens a new connection to the target,
sends the recorded NEGOTIATE request and then the recorded first
SESSION_SETUP request (the SPNEGO NegTokenInit with the AP-REQ, unsigned,
SessionId 0) and prints the NTSTATUS of the answer as "replay status 0x%08x"
(STATUS_SUCCESS or STATUS_MORE_PROCESSING_REQUIRED means the replay was
accepted). Loopback only.
"""
import os
import select
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spnego_edit import recv_nbss  # noqa: E402

SMB2_MAGIC = b"\xfeSMB"


def read_frame(s):
    m = recv_nbss(s)
    if m is None:
        raise EOFError
    return m[0] + m[1]


def command(frame):
    if len(frame) < 4 + 64 or frame[4:8] != SMB2_MAGIC:
        return None
    return struct.unpack("<H", frame[4 + 12:4 + 14])[0]


def relay(cs, ts, recorded):
    """Pass bytes both ways; split the client's stream into NetBIOS frames."""
    buf = b""
    while True:
        r, _, _ = select.select([cs, ts], [], [], 60)
        if not r:
            return
        for s in r:
            d = s.recv(65536)
            if not d:
                return
            (ts if s is cs else cs).sendall(d)
            if s is cs:
                buf += d
                while len(buf) >= 4:
                    n = struct.unpack(">I", buf[:4])[0] & 0xFFFFFF
                    if len(buf) < 4 + n:
                        break
                    recorded.append(buf[:4 + n])
                    buf = buf[4 + n:]


def main():
    lport, tport = int(sys.argv[1]), int(sys.argv[2])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(1)
    print("listening", flush=True)
    cs, _ = ls.accept()
    ts = socket.create_connection(("127.0.0.1", tport))
    recorded = []
    try:
        relay(cs, ts, recorded)
    finally:
        cs.close()
        ts.close()
    neg = next((f for f in recorded if command(f) == 0), None)
    ss = next((f for f in recorded if command(f) == 1), None)
    if neg is None or ss is None:
        print("replay: no NEGOTIATE/SESSION_SETUP recorded", flush=True)
        return 1
    s = socket.create_connection(("127.0.0.1", tport))
    s.settimeout(30)
    s.sendall(neg)
    read_frame(s)
    s.sendall(ss)
    rsp = read_frame(s)
    status = struct.unpack("<I", rsp[4 + 8:4 + 12])[0]
    print("replay status 0x%08x" % status, flush=True)
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
