#!/usr/bin/python3
"""tests/interop/smb1_mitm.py - a man-in-the-middle relay for the SMB1 interop
tests. Listens on 127.0.0.1:LISTEN, forwards one connection at a time to
127.0.0.1:TARGET and tampers with SMB1 traffic:

  flip-write   flip one data byte of the first WRITE_ANDX request (client->server)
  flip-read    flip one data byte of the first successful READ_ANDX response
  replay       send the first NT_CREATE_ANDX request twice (the copy carries a
               sequence number the server has already used)
  strip-extsec clear FLAGS2_EXTENDED_SECURITY in the client's NEGOTIATE request, so
               the server answers with the 8-byte challenge form (no
               CAP_EXTENDED_SECURITY) although the client asked for extended security
  flip-mechmic flip one byte of the server's SPNEGO mechListMIC (DER a3 12 04 10 + 16
               bytes) in the final (STATUS_SUCCESS) SESSION_SETUP_ANDX response
  clear-flags2-sig  clear Flags2 SECURITY_SIGNATURE (0x0004) of the first signed
               WRITE_ANDX request, MAC left as it is (the MAC covers Flags2, so it
               no longer verifies): on an active signing session the MAC must
               decide, whatever the flag says
  none         relay unchanged

Prints "tampered MODE" on stderr when it modified something. Loopback only.
"""
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spnego_edit import recv_nbss  # noqa: E402

WRITE_ANDX, READ_ANDX, NT_CREATE_ANDX, NEGOTIATE, SESSION_SETUP_ANDX = 0x2F, 0x2E, 0xA2, 0x72, 0x73
MECH_LIST_MIC = b"\xa3\x12\x04\x10"  # [3] { OCTET STRING (16) } in NegTokenResp



class State:
    def __init__(self, mode):
        self.mode = mode
        self.done = False
        self.lock = threading.Lock()


def pump(src, dst, c2s, st):
    try:
        while True:
            m = recv_nbss(src)
            if m is None:
                break
            hdr, body = m
            out = [hdr + body]
            if len(body) > 40 and body[:4] == b"\xffSMB":
                cmd = body[4]
                status = int.from_bytes(body[5:9], "little")
                with st.lock:
                    if not st.done:
                        b = bytearray(body)
                        if st.mode == "flip-write" and c2s and cmd == WRITE_ANDX:
                            b[-1] ^= 0x01
                            st.done = True
                        elif st.mode == "flip-read" and not c2s and cmd == READ_ANDX and status == 0 and len(b) > 64:
                            b[-1] ^= 0x01
                            st.done = True
                        elif st.mode == "strip-extsec" and c2s and cmd == NEGOTIATE and b[11] & 0x08:
                            b[11] &= 0xF7  # Flags2 0x0800 (little-endian high byte)
                            st.done = True
                        elif (st.mode == "flip-mechmic" and not c2s and cmd == SESSION_SETUP_ANDX and status == 0
                              and b.find(MECH_LIST_MIC) > 0):
                            b[b.find(MECH_LIST_MIC) + 4 + 7] ^= 0x01
                            st.done = True
                        elif st.mode == "clear-flags2-sig" and c2s and cmd == WRITE_ANDX and b[10] & 0x04:
                            b[10] &= 0xFB
                            st.done = True
                        elif st.mode == "replay" and c2s and cmd == NT_CREATE_ANDX:
                            out.append(hdr + body)
                            st.done = True
                        if st.done:
                            sys.stderr.write("tampered %s\n" % st.mode)
                            sys.stderr.flush()
                            out[0] = hdr + bytes(b)
            for o in out:
                dst.sendall(o)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    listen, target, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen))
    ls.listen(4)
    st = State(mode)
    while True:
        c, _ = ls.accept()
        s = socket.create_connection(("127.0.0.1", target))
        threading.Thread(target=pump, args=(c, s, True, st), daemon=True).start()
        threading.Thread(target=pump, args=(s, c, False, st), daemon=True).start()


if __name__ == "__main__":
    main()
