#!/usr/bin/python3
"""tests/interop/lease_relay.py - a man in the middle for the client lease
tests (client_leases.sh, issue 13): relays one SMB2 connection between our
client and a server on 127.0.0.1 and touches only lease break
acknowledgements (OPLOCK_BREAK requests with StructureSize 36, MS-SMB2
2.2.24.2).

usage: lease_relay.py LISTEN_PORT SERVER_PORT MODE
  MODE strip-ack  zero the Signature and clear SMB2_FLAGS_SIGNED of every
                  LEASE_BREAK_ACK (what a relay that cannot sign would send),
                  and keep the server's answer to it from the client: the
                  refusal comes unsigned, and a client that saw it would drop
                  the connection, which ends the break too (the test wants
                  the break to end only by the server's timeout)
       none       relay unchanged (the twin)
Prints "ready" once listening, "ack signed=0|1 mid=N" for each
acknowledgement seen from the client, "tampered: ..." when it changes one and
"held back: ..." for each answer it keeps. Only 127.0.0.1 is used.
"""
import os
import struct
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spnego_edit import relay_serve  # noqa: E402

LPORT, SPORT, MODE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if MODE not in ('strip-ack', 'none'):
    sys.exit('lease_relay.py: MODE is strip-ack or none')
stripped = set()  # MessageIds of the acknowledgements stripped
lock = threading.Lock()


def is_lease_ack(f):
    """An SMB2 lease break acknowledgement request (not a transform)."""
    return (len(f) >= 64 + 36 and f[:4] == b'\xfeSMB' and struct.unpack_from('<H', f, 12)[0] == 0x12
            and not struct.unpack_from('<I', f, 16)[0] & 1 and struct.unpack_from('<H', f, 64)[0] == 36)


def tamper(frame, to_server):
    """The frame to forward, or None to keep it."""
    f = bytearray(frame)
    if to_server and is_lease_ack(f):
        flags = struct.unpack_from('<I', f, 16)[0]
        mid = struct.unpack_from('<Q', f, 24)[0]
        print('ack signed=%d mid=%d' % (1 if flags & 8 else 0, mid), flush=True)
        if MODE == 'strip-ack':
            struct.pack_into('<I', f, 16, flags & ~0x8)
            f[48:64] = b'\0' * 16
            with lock:
                stripped.add(mid)
            print('tampered: stripped the signature of LEASE_BREAK_ACK mid=%d' % mid, flush=True)
        return bytes(f)
    if (not to_server and len(f) >= 64 and f[:4] == b'\xfeSMB' and struct.unpack_from('<H', f, 12)[0] == 0x12
            and struct.unpack_from('<I', f, 16)[0] & 1):
        mid = struct.unpack_from('<Q', f, 24)[0]
        with lock:
            if mid in stripped:
                print('held back: answer to mid=%d status 0x%08x' % (mid, struct.unpack_from('<I', f, 8)[0]),
                      flush=True)
                return None
    return frame


relay_serve(LPORT, SPORT, tamper)
