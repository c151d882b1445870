#!/usr/bin/python3
"""tests/load/chaos_relay.py - a man-in-the-middle for the load test: relays
127.0.0.1:LISTEN to 127.0.0.1:TARGET, NetBIOS frame by frame, and
  - drops some connections (closes both sides after a random number of
    frames: probability DROP per connection),
  - flips one data byte of some signed SMB2 WRITE requests (probability FLIP
    per WRITE), which the server must refuse,
  - reorders messages: with probability REORDER a message (either way) is
    held back, and when the next one of that connection and direction
    arrives within 20 ms it goes first (a pipelining client's requests reach
    the server out of MessageId order; responses reach the client out of
    order). Counted only when two messages really swapped.
Writes its counters to STATS (one line "conns=.. dropped=.. flipped=..
reordered=..") every second. Loopback only; runs until killed.
usage: chaos_relay.py LISTEN TARGET STATS [DROP] [FLIP] [SEED] [REORDER]"""
import os
import random
import select
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
from spnego_edit import recv_nbss  # noqa: E402

LPORT, TPORT, STATS = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
DROP = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
FLIP = float(sys.argv[5]) if len(sys.argv) > 5 else 0.05
rnd = random.Random(int(sys.argv[6]) if len(sys.argv) > 6 else 1)
REORDER = float(sys.argv[7]) if len(sys.argv) > 7 else 0.05
st = {'conns': 0, 'dropped': 0, 'flipped': 0, 'reordered': 0}
lock = threading.Lock()


def pump(src, dst, to_server, budget):
    held = None
    try:
        while True:
            if held is not None and not select.select([src], [], [], 0.02)[0]:
                dst.sendall(held)  # nothing followed in time: send it in order
                held = None
            m = recv_nbss(src)
            if m is None:
                break
            h, body = m
            if to_server and len(body) > 0x70 and body[:4] == b'\xfeSMB':
                cmd = struct.unpack_from('<H', body, 12)[0]
                flags = struct.unpack_from('<I', body, 16)[0]
                with lock:
                    hit = cmd == 9 and (flags & 8) and rnd.random() < FLIP
                    if hit:
                        st['flipped'] += 1
                if hit:
                    b = bytearray(body)
                    b[0x70] ^= 0x01  # WRITE data starts at 0x70 (header 64 + fixed 48)
                    body = bytes(b)
            if budget[0] is not None:
                budget[0] -= 1
                if budget[0] <= 0:
                    with lock:
                        st['dropped'] += 1
                    break
            if held is not None:  # this one overtakes the held one
                dst.sendall(h + body + held)
                held = None
                with lock:
                    st['reordered'] += 1
                continue
            with lock:
                hold = body[:4] == b'\xfeSMB' and rnd.random() < REORDER
            if hold:
                held = h + body
                continue
            dst.sendall(h + body)
        if held is not None:
            dst.sendall(held)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def handle(c):
    try:
        s = socket.create_connection(('127.0.0.1', TPORT))
    except OSError:
        c.close()
        return
    with lock:
        st['conns'] += 1
        budget = [rnd.randint(4, 60) if rnd.random() < DROP else None]
    t = threading.Thread(target=pump, args=(s, c, False, [None]), daemon=True)
    t.start()
    pump(c, s, True, budget)
    t.join()
    c.close()
    s.close()


def stats():
    while True:
        with lock:
            line = 'conns=%(conns)d dropped=%(dropped)d flipped=%(flipped)d reordered=%(reordered)d\n' % st
        with open(STATS + '.tmp', 'w') as f:
            f.write(line)
        import os
        os.replace(STATS + '.tmp', STATS)
        time.sleep(1)


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(('127.0.0.1', LPORT))
ls.listen(512)
threading.Thread(target=stats, daemon=True).start()
while True:
    c, _ = ls.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
