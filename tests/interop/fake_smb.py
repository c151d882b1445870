#!/usr/bin/python3
"""tests/interop/fake_smb.py - misbehaving listeners for the scanner's negative cases.

usage: fake_smb.py MODE PORT [COUNTFILE]
  hang       accept and never answer
  http       answer any request with an HTTP error line (a non-SMB service)
  garbage    answer with a NetBIOS frame around random bytes
  truncated  announce a whole SMB2 NEGOTIATE response, send part of it, close
  badoffset  a complete SMB2 NEGOTIATE response whose SecurityBufferOffset points past the end
  count      accept, count connections into COUNTFILE, close
Listens on 127.0.0.1 only. Runs until killed.
"""
import os
import socket
import struct
import sys
import threading

mode, port = sys.argv[1], int(sys.argv[2])
countfile = sys.argv[3] if len(sys.argv) > 3 else None
held = []
count = 0
lock = threading.Lock()


def smb2_negotiate_response(sb_off=None):
    hdr = b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ16s", 64, 0, 0, 0, 1, 1, 0, 0, 0xFEFF, 0, 0, b"\0" * 16)
    blob = b"\x60\x06\x06\x04\x2b\x06\x01\x05"
    body = struct.pack("<HHHH16sIIIIQQHHI", 65, 1, 0x0210, 0, b"G" * 16, 0, 65536, 65536, 65536, 0, 0,
                       128 if sb_off is None else sb_off, len(blob), 0) + blob
    return hdr + body


def serve(c):
    global count
    try:
        if mode == "count":
            with lock:
                count += 1
                with open(countfile, "w") as f:
                    f.write(str(count))
            c.close()
            return
        if mode == "hang":
            held.append(c)
            return
        data = c.recv(4096)
        if not data:
            c.close()
            return
        if mode == "http":
            c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        elif mode == "garbage":
            junk = os.urandom(48)
            c.sendall(struct.pack(">I", len(junk)) + junk)
        elif mode == "truncated":
            rsp = smb2_negotiate_response()
            c.sendall(struct.pack(">I", len(rsp)) + rsp[: len(rsp) // 2])
        elif mode == "badoffset":
            rsp = smb2_negotiate_response(sb_off=0x4000)
            c.sendall(struct.pack(">I", len(rsp)) + rsp)
        c.close()
    except OSError:
        pass


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(128)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
