#!/usr/bin/python3
"""tests/interop/flood.py - a connection flood from one source address, for
tests/interop/server_flood.sh (loopback only).

  flood.py --src 127.0.0.2 --host 127.0.0.1 --port P --idle N --reconnect M --seconds S

--idle N: N sockets connect once and stay silent (never send a byte);
--reconnect M: M sockets reconnect as soon as the server closes them.
Every socket binds --src (any 127.0.0.0/8 address works on Linux loopback).
Prints one line of figures at the end:
  connects=.. refused=.. closed_by_server=.. open_at_end=.. max_open=..
where open_at_end counts the sockets the server still holds after the last
2 s, in which nothing reconnects (an accepted socket the server closes reads
EOF and is not counted), and max_open the most held at a 1 s sample.
"""
import argparse
import errno
import resource
import selectors
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--idle", type=int, default=0)
    ap.add_argument("--reconnect", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=10)
    a = ap.parse_args()
    for h in (a.src, a.host):
        if not h.startswith("127."):
            sys.exit("flood.py: loopback addresses only")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.idle + a.reconnect + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

    sel = selectors.DefaultSelector()
    st = {"connects": 0, "refused": 0, "closed": 0}
    live = {}  # socket -> (reconnect?, connected?)

    def open_one(re):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setblocking(False)
        try:
            s.bind((a.src, 0))
        except OSError:
            s.close()
            return False
        rc = s.connect_ex((a.host, a.port))
        if rc not in (0, errno.EINPROGRESS):
            st["refused"] += 1
            s.close()
            return False
        st["connects"] += 1
        live[s] = [re, False]
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
        return True

    def drop(s):
        re = live.pop(s)[0]
        sel.unregister(s)
        s.close()
        return re

    for _ in range(a.idle):
        open_one(False)
    for _ in range(a.reconnect):
        open_one(True)
    end = time.monotonic() + a.seconds
    max_open = 0
    last_count = 0.0
    while time.monotonic() < end:
        again = 0
        for key, ev in sel.select(timeout=0.2):
            s = key.fileobj
            if ev & selectors.EVENT_WRITE and not live[s][1]:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    st["refused"] += 1
                    again += drop(s)
                    continue
                live[s][1] = True
                sel.modify(s, selectors.EVENT_READ)
                continue
            if ev & selectors.EVENT_READ:
                try:
                    d = s.recv(4096)
                except OSError:
                    d = b""
                if not d:
                    st["closed"] += 1
                    again += drop(s)
        if time.monotonic() < end - 2:  # the last 2 s settle: no reconnects
            for _ in range(again):
                open_one(True)
        t = time.monotonic()
        if t - last_count > 1.0:
            # a socket the server has not closed for a second is held by it
            max_open = max(max_open, sum(1 for v in live.values() if v[1]))
            last_count = t
    open_at_end = sum(1 for v in live.values() if v[1])
    print("connects=%d refused=%d closed_by_server=%d open_at_end=%d max_open=%d"
          % (st["connects"], st["refused"], st["closed"], open_at_end, max_open), flush=True)
    for s in list(live):
        drop(s)


if __name__ == "__main__":
    main()
