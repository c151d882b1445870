#!/usr/bin/python3
"""tests/interop/smb_mitm.py - a small man-in-the-middle relay for the client
interop tests. Listens on 127.0.0.1:LISTEN, forwards every connection to
127.0.0.1:TARGET, and tampers with server->client SMB2 traffic:

  flip            flip one payload byte of the first successful READ response
                  (with SMB_MITM_SKIP=N: of the (N+1)th one)
  strip           clear the SIGNED flag (and zero the signature) of the first
                  successful READ response
  clear-required  clear SIGNING_REQUIRED in the NEGOTIATE response SecurityMode
  clear-caps      clear the Capabilities of the NEGOTIATE response (a downgrade
                  that only FSCTL_VALIDATE_NEGOTIATE_INFO can see on 3.0/3.0.2)
  strip-mechmic   remove the server's SPNEGO mechListMIC from the successful
                  final SESSION_SETUP response (spnego_edit.py), and strip that
                  response's signature (SIGNED flag and field): Samba signs it
                  on every dialect, and on 2.x a client that does not require
                  signing accepts it unsigned, so the mechListMIC check alone
                  must catch the relay
  flip-mechmic    the same with one bit of the mechListMIC flipped
  flip-enc        flip the last byte (ciphertext of the READ data) of the first
                  server TRANSFORM_HEADER frame larger than 64 KiB (an
                  encrypted READ response; MS-SMB2 2.2.41)
  none            relay unchanged

Prints "tampered MODE" on stderr when it modified something. Loopback only.
With SMB_MITM_DUMP=DIR every server frame is also written to DIR (fuzz seeds).
"""
import os
import socket
import struct
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spnego_edit import edit_session_setup, recv_nbss  # noqa: E402

SIGNED = 0x00000008




class State:
    def __init__(self, mode):
        self.mode = mode
        self.done = False
        self.lock = threading.Lock()


def tamper(frame, st):
    """frame: NetBIOS body (SMB2 PDU, maybe a compound chain)."""
    if st.mode == "flip-enc" and not st.done and frame[:4] == b"\xfdSMB" and len(frame) > 65536:
        b = bytearray(frame)
        b[-1] ^= 0x01
        st.done = True
        sys.stderr.write("tampered %s\n" % st.mode)
        sys.stderr.flush()
        return bytes(b)
    if st.done or st.mode == "none" or len(frame) < 64 or frame[:4] != b"\xfeSMB":
        return frame
    if st.mode in ("strip-mechmic", "flip-mechmic"):
        new, what = edit_session_setup(frame, False, st.mode)
        if what:
            flags = struct.unpack_from("<I", new, 16)[0]
            if flags & SIGNED:
                b = bytearray(new)
                struct.pack_into("<I", b, 16, flags & ~SIGNED)
                b[48:64] = bytes(16)
                new = bytes(b)
                what += ", signature stripped"
            st.done = True
            sys.stderr.write("tampered %s: %s\n" % (st.mode, what))
            sys.stderr.flush()
        return new
    b = bytearray(frame)
    off = 0
    while True:
        if len(b) - off < 64:
            break
        status, cmd = struct.unpack_from("<IH", b, off + 8)
        flags, nxt = struct.unpack_from("<II", b, off + 16)
        end = off + nxt if nxt else len(b)
        if st.mode == "clear-required" and cmd == 0 and status == 0:
            sm = struct.unpack_from("<H", b, off + 64 + 2)[0]
            if sm & 0x2:
                struct.pack_into("<H", b, off + 64 + 2, sm & ~0x2)
                st.done = True
        elif st.mode == "clear-caps" and cmd == 0 and status == 0:
            caps = struct.unpack_from("<I", b, off + 64 + 24)[0]
            if caps:
                struct.pack_into("<I", b, off + 64 + 24, 0)
                st.done = True
        elif cmd == 8 and status == 0 and (flags & SIGNED) and end - off > 64 + 16:
            st.reads = getattr(st, "reads", 0) + 1
            if st.mode == "flip" and st.reads > int(os.environ.get("SMB_MITM_SKIP", "0")):
                b[end - 1] ^= 0x01  # last data byte of the READ payload
                st.done = True
            elif st.mode == "strip":
                struct.pack_into("<I", b, off + 16, flags & ~SIGNED)
                b[off + 48:off + 64] = bytes(16)
                st.done = True
        if st.done:
            sys.stderr.write("tampered %s\n" % st.mode)
            sys.stderr.flush()
            break
        if not nxt:
            break
        off += nxt
    return bytes(b)


def pump(src, dst, st, from_server):
    try:
        while True:
            m = recv_nbss(src)
            if m is None:
                break
            hdr, body = m
            if from_server and hdr[0] == 0:
                dump = os.environ.get("SMB_MITM_DUMP")
                if dump and len(body) >= 64:
                    cmd = struct.unpack_from("<H", body, 12)[0]
                    with st.lock:
                        st.n = getattr(st, "n", 0) + 1
                        with open(os.path.join(dump, "%02d-%04d" % (cmd, st.n)), "wb") as f:
                            f.write(body)
                with st.lock:
                    body = tamper(body, st)
            dst.sendall(bytes([hdr[0]]) + len(body).to_bytes(3, "big") + body)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: smb_mitm.py LISTEN_PORT TARGET_PORT MODE\n")
        return 2
    lport, tport, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if mode not in ("flip", "strip", "clear-required", "clear-caps", "strip-mechmic", "flip-mechmic", "flip-enc", "none"):
        sys.stderr.write("unknown mode\n")
        return 2
    st = State(mode)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(8)
    sys.stderr.write("listening %d\n" % lport)
    sys.stderr.flush()
    while True:
        c, _ = ls.accept()
        s = socket.create_connection(("127.0.0.1", tport))
        threading.Thread(target=pump, args=(c, s, st, False), daemon=True).start()
        threading.Thread(target=pump, args=(s, c, st, True), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
