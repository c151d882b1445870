#!/usr/bin/python3
"""tests/interop/frame_recorder.py - a one-connection TCP relay on 127.0.0.1
that records every NetBIOS session frame (RFC 1002 4-byte header, then one SMB
PDU) in both directions, in order, as lines "C HEX" (client to server) and
"S HEX" (server to client) in OUT when the connection closes.

usage: frame_recorder.py LISTEN_PORT TARGET_PORT OUT   (LISTEN_PORT 0: any free
port; the port is written to OUT.ready once listening)
Only loopback addresses are used. Exits after the one connection (or after
60 s without one)."""
import os, socket, sys, threading

MAX_FRAME = 16 * 1024 * 1024 + 4096  # cap on a recorded NetBIOS length


def main():
    lport, tport, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(1)
    ls.settimeout(60)
    with open(out + ".ready.tmp", "w") as f:  # listening: the test may connect now
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(out + ".ready.tmp", out + ".ready")
    c, _ = ls.accept()
    s = socket.create_connection(("127.0.0.1", tport))
    frames, lock = [], threading.Lock()

    def pump(src, dst, tag):
        buf = b""
        try:
            while True:
                d = src.recv(65536)
                if not d:
                    break
                buf += d
                # record complete frames before forwarding the bytes that
                # complete them, so a response is never logged before its request
                while len(buf) >= 4:
                    n = int.from_bytes(buf[1:4], "big")
                    if n > MAX_FRAME:
                        raise ValueError("frame too large")
                    if len(buf) < 4 + n:
                        break
                    with lock:
                        frames.append((tag, buf[4:4 + n]))
                    buf = buf[4 + n:]
                dst.sendall(d)
        except (OSError, ValueError):
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    t1 = threading.Thread(target=pump, args=(c, s, "C"))
    t2 = threading.Thread(target=pump, args=(s, c, "S"))
    t1.start(); t2.start(); t1.join(); t2.join()
    with open(out, "w") as f:
        for tag, p in frames:
            if p:
                f.write("%s %s\n" % (tag, p.hex()))


if __name__ == "__main__":
    main()
