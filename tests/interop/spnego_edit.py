"""tests/interop/spnego_edit.py - edits of the SPNEGO/NTLMSSP exchange inside
SMB2 SESSION_SETUP messages, for the relays of the interop tests (a relay that
strips or flips a mechListMIC, or zeroes the NTLM MIC, as an attacker in the
middle would: MS-SPNG 3.1.5.1, CVE-2019-1040 "drop the MIC").

edit_session_setup(pdu, to_server, action) returns (new_pdu, what) or
(pdu, None) when the message is not the one the action applies to:
  strip-mechmic   remove the mechListMIC [3] from the negTokenResp
                  (to_server: the request that carries one - NTLMSSP
                   AUTHENTICATE, or the third leg after Kerberos; else: the
                   response that carries one, final or MORE_PROCESSING)
  flip-mechmic    flip one bit of that mechListMIC
  zero-ntlm-mic   zero the 16-byte MIC of the NTLMSSP AUTHENTICATE (request)
Only 64-byte SMB2 headers of single (non-compound) messages are handled.

recv_exact(s, n): n bytes from socket s, None at end of stream (the relays').
recv_nbss(s): (4-byte NetBIOS session header, body) of the next message on s,
    None at end of stream (every relay's frame reader).
relay_serve(lport, sport, tamper): accept on 127.0.0.1:lport, print "ready",
    and relay each connection to 127.0.0.1:sport frame by frame through
    tamper(body, to_server), which returns the body to forward or None to
    keep it (lease_relay.py, server_relay.py).
"""
import socket
import struct
import threading


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def recv_nbss(s):
    hdr = recv_exact(s, 4)
    if hdr is None:
        return None
    n = int.from_bytes(hdr[1:4], "big")
    body = recv_exact(s, n) if n else b""
    return None if body is None else (hdr, body)

def _pump(src, dst, to_server, tamper):
    try:
        while True:
            m = recv_nbss(src)
            if m is None:
                break
            out = tamper(m[1], to_server)
            if out is not None:
                dst.sendall(struct.pack(">I", len(out)) + out)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def relay_serve(lport, sport, tamper):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(8)
    print("ready", flush=True)
    while True:
        c, _ = ls.accept()
        s = socket.create_connection(("127.0.0.1", sport))
        threading.Thread(target=_pump, args=(c, s, True, tamper), daemon=True).start()
        threading.Thread(target=_pump, args=(s, c, False, tamper), daemon=True).start()


NTLMSSP_AUTH = b"NTLMSSP\x00\x03\x00\x00\x00"


def der_len(b, i):
    """DER length at b[i]: (length, index after it)."""
    n = b[i]
    if n < 0x80:
        return n, i + 1
    k = n & 0x7F
    return int.from_bytes(b[i + 1:i + 1 + k], "big"), i + 1 + k


def enc_len(n):
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag, content):
    return bytes([tag]) + enc_len(len(content)) + content


def neg_token_resp_items(tok):
    """[(tag, whole_tlv_bytes, content_start, content_end)] of a negTokenResp, or None."""
    if len(tok) < 4 or tok[0] != 0xA1:
        return None
    _, i = der_len(tok, 1)
    if tok[i] != 0x30:
        return None
    seqlen, j = der_len(tok, i + 1)
    end = j + seqlen
    items = []
    while j < end:
        tag = tok[j]
        ln, k = der_len(tok, j + 1)
        items.append((tag, j, k, k + ln))
        j = k + ln
    return items


def sec_buffer(pdu, to_server):
    """(offset, length) of the security buffer of a SESSION_SETUP request/response."""
    if to_server:
        off, ln = struct.unpack_from("<HH", pdu, 64 + 12)
    else:
        off, ln = struct.unpack_from("<HH", pdu, 64 + 4)
    return off, ln


def edit_session_setup(pdu, to_server, action):
    if len(pdu) < 72 or pdu[:4] != b"\xfeSMB" or struct.unpack_from("<H", pdu, 4)[0] != 64:
        return pdu, None
    cmd, = struct.unpack_from("<H", pdu, 12)
    status, = struct.unpack_from("<I", pdu, 8)
    nxt, = struct.unpack_from("<I", pdu, 20)
    if cmd != 1 or nxt != 0:
        return pdu, None
    if not to_server and status not in (0, 0xC0000016):
        return pdu, None
    off, ln = sec_buffer(pdu, to_server)
    tok = bytes(pdu[off:off + ln])
    if action == "zero-ntlm-mic" and NTLMSSP_AUTH not in tok:
        return pdu, None
    if action == "zero-ntlm-mic":
        if not to_server:
            return pdu, None
        a = tok.index(NTLMSSP_AUTH)
        flags, = struct.unpack_from("<I", tok, a + 60)
        if not flags & 0x02000000 or len(tok) < a + 88 or tok[a + 72:a + 88] == b"\0" * 16:
            return pdu, None
        b = bytearray(pdu)
        b[off + a + 72:off + a + 88] = b"\0" * 16
        return bytes(b), "zeroed the NTLM MIC of AUTHENTICATE"
    items = neg_token_resp_items(tok)
    if not items:
        return pdu, None
    mic = [it for it in items if it[0] == 0xA3]
    if not mic:
        return pdu, None
    _, start, cs, ce = mic[0]
    if action == "flip-mechmic":
        b = bytearray(pdu)
        b[off + ce - 1] ^= 0x01
        return bytes(b), "flipped a bit of the mechListMIC"
    if action != "strip-mechmic":
        return pdu, None
    seq = b"".join(tok[it[1]:it[3]] for it in items if it[0] != 0xA3)
    newtok = tlv(0xA1, tlv(0x30, seq))
    b = bytearray(pdu[:off]) + newtok + pdu[off + ln:]
    if to_server:
        struct.pack_into("<H", b, 64 + 14, len(newtok))
    else:
        struct.pack_into("<H", b, 64 + 6, len(newtok))
    return bytes(b), "stripped the mechListMIC (%d bytes shorter)" % (len(tok) - len(newtok))


def smb2_status(pdu):
    """(command, status) of an SMB2 message, or None."""
    if len(pdu) < 64 or pdu[:4] != b"\xfeSMB":
        return None
    status, cmd = struct.unpack_from("<IH", pdu, 8)
    return cmd, status
