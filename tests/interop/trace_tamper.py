#!/usr/bin/python3
"""tests/interop/trace_tamper.py - play a relay on a recorded capture: edit one
frame of a classic pcap file (Ethernet, Linux cooked or raw IPv4/IPv6 + TCP),
as a man in the middle would have changed it on the wire. TCP checksums are
left as they are (neither smbsign trace nor Wireshark checks them by default).

usage: trace_tamper.py OP IN OUT FRAME [ARG]
  flip FRAME OFFSET        xor 0x01 into the TCP payload byte at OFFSET (negative:
                           from the end of the payload, -1 = the last byte)
  strip-signed FRAME       clear SMB2_FLAGS_SIGNED (or SMB1 Flags2 SECURITY_SIGNATURE)
                           and zero the signature of the first SMB header in the frame
  clear-signing-required FRAME   clear SIGNING_REQUIRED in the SMB2 NEGOTIATE in the frame
  swap FRAME               exchange the records FRAME and FRAME+1 (reordering)
  dup FRAME                write FRAME twice (a retransmission)
Frames are numbered from 1 as in Wireshark.
"""
import struct
import sys


def read_pcap(path):
    data = open(path, "rb").read()
    if len(data) < 24:
        sys.exit("trace_tamper: %s: not a pcap file" % path)
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        sys.exit("trace_tamper: %s: not a classic pcap file (pcapng is not edited here)" % path)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    recs = []
    off = 24
    while off + 16 <= len(data):
        ts1, ts2, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        recs.append([data[off:off + 16], bytearray(data[off + 16:off + 16 + incl])])
        off += 16 + incl
    return data[:24], linktype, recs, endian


def tcp_payload_offset(linktype, pkt):
    if linktype == 1:
        off, et = 14, struct.unpack(">H", pkt[12:14])[0]
        while et in (0x8100, 0x88A8):
            et = struct.unpack(">H", pkt[off + 2:off + 4])[0]
            off += 4
    elif linktype == 113:
        off = 16
    elif linktype == 276:
        off = 20
    elif linktype in (101, 12, 14, 228, 229):
        off = 0
    else:
        sys.exit("trace_tamper: link type %d not handled" % linktype)
    if pkt[off] >> 4 == 4:
        off += (pkt[off] & 0x0F) * 4
    else:
        off += 40
    return off + (pkt[off + 12] >> 4) * 4


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    op, src, dst, frame = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    head, lt, recs, endian = read_pcap(src)
    if not 1 <= frame <= len(recs):
        sys.exit("trace_tamper: frame %d not in %s (%d frames)" % (frame, src, len(recs)))
    pkt = recs[frame - 1][1]
    if op == "flip":
        base, k = tcp_payload_offset(lt, pkt), int(sys.argv[5])
        p = base + k if k >= 0 else len(pkt) + k
        if not base <= p < len(pkt):
            sys.exit("trace_tamper: frame %d has no payload byte %s" % (frame, sys.argv[5]))
        pkt[p] ^= 0x01
    elif op in ("strip-signed", "clear-signing-required"):
        base = tcp_payload_offset(lt, pkt)
        i2, i1 = pkt.find(b"\xfeSMB", base), pkt.find(b"\xffSMB", base)
        if op == "strip-signed" and i1 >= 0 and (i2 < 0 or i1 < i2):
            pkt[i1 + 10] &= ~0x04 & 0xFF
            pkt[i1 + 14:i1 + 22] = bytes(8)
        elif i2 >= 0 and op == "strip-signed":
            pkt[i2 + 16] &= ~0x08 & 0xFF
            pkt[i2 + 48:i2 + 64] = bytes(16)
        elif i2 >= 0:
            if struct.unpack("<H", pkt[i2 + 12:i2 + 14])[0] != 0:
                sys.exit("trace_tamper: frame %d is not an SMB2 NEGOTIATE" % frame)
            pkt[i2 + 66] &= ~0x02 & 0xFF
        else:
            sys.exit("trace_tamper: no SMB header in frame %d" % frame)
    elif op == "swap":
        if frame >= len(recs):
            sys.exit("trace_tamper: no frame after %d" % frame)
        recs[frame - 1], recs[frame] = recs[frame], recs[frame - 1]
    elif op == "dup":
        recs.insert(frame, [recs[frame - 1][0], bytearray(recs[frame - 1][1])])
    else:
        sys.exit("trace_tamper: unknown operation %s" % op)
    with open(dst, "wb") as f:
        f.write(head)
        for h, p in recs:
            orig = struct.unpack(endian + "I", h[12:16])[0]
            f.write(h[:8] + struct.pack(endian + "II", len(p), max(len(p), orig)))
            f.write(p)


if __name__ == "__main__":
    main()
