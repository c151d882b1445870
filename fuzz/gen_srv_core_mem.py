#!/usr/bin/python3
"""fuzz/gen_srv_core_mem.py - seed corpus for fuzz/fuzz_srv_core_mem.c.

Each seed is a real request sequence as a client sends it (SMB 2.1
NEGOTIATE, then the file commands on the fuzzing hook's session 1 / tree 1),
in the target's input format: one flags byte, then PDUs each prefixed by a
2-byte LE length. Field layouts follow MS-SMB2 2.2 (requests) and MS-FSCC
2.4 (information classes). Usage: gen_srv_core_mem.py OUTDIR
"""
import os
import struct
import sys

NEGOTIATE, CLOSE, CREATE, FLUSH, READ, WRITE = 0, 6, 5, 7, 8, 9
CANCEL, QUERY_DIRECTORY, QUERY_INFO, SET_INFO = 12, 14, 16, 17
LOCK = 10
LK_SHARED, LK_EXCL, LK_UNLOCK, LK_FAIL = 1, 2, 4, 0x10
CANCEL, QUERY_DIRECTORY, QUERY_INFO, SET_INFO, OPLOCK_BREAK = 12, 14, 16, 17, 18
RELATED = 0x4
ALL = b"\xff" * 16  # FileId of the previous CREATE in a related compound


class Seq:
    def __init__(self):
        self.mid = 0

    def hdr(self, cmd, body, flags=0, next_cmd=0, sid=1, tid=1):
        h = struct.pack("<4sHHIHHIIQIIQ16s", b"\xfeSMB", 64, 1, 0, cmd, 32, flags, next_cmd, self.mid, 0, tid, sid,
                        b"\0" * 16)
        self.mid += 1
        return h + body


def _cancel_last(self):
    """CANCEL (2.2.30) in sync form names the previous request's MessageId and uses no id of its own."""
    self.mid -= 1
    return self.hdr(CANCEL, struct.pack("<HH", 4, 0))


Seq.cancel_last = _cancel_last


def u16(s):
    return s.encode("utf-16-le")


def fid(n):
    return struct.pack("<QQ", n, n)


def negotiate():
    # 2.2.3: StructureSize 36, DialectCount, SecurityMode (signing enabled), Reserved, Capabilities,
    # ClientGuid, ClientStartTime, Dialects 2.0.2 and 2.1
    return struct.pack("<HHHHI16sQHH", 36, 2, 1, 0, 0, b"fuzz-client-guid", 0, 0x0202, 0x0210)


def create(name, disp, access=0x0012019F, opts=0x40, attrs=0x80, share=7):
    n = u16(name)
    # 2.2.13: NameOffset = 64 + 56; an empty name still carries one byte of buffer
    return struct.pack("<HBBIQQIIIIIHHII", 57, 0, 0, 2, 0, 0, access, attrs, share, disp, opts, 120, len(n), 0,
                       0) + (n or b"\0")


def create_lease(name, disp, key, state, level=0xFF, v2=False, access=0x0012019F):
    """2.2.13 with RequestedOplockLevel and an RqLs context (2.2.13.2.8 v1, 2.2.13.2.10 v2)."""
    n = u16(name) or b"\0"
    data = key + struct.pack("<IIQ", state, 0, 0)
    if v2:
        data += b"P" * 16 + struct.pack("<HH", 1, 0)
    ctx = struct.pack("<IHHHHI", 0, 16, 4, 0, 24, len(data)) + b"RqLs" + b"\0" * 4 + data
    pad = (-(120 + len(n))) % 8
    return struct.pack("<HBBIQQIIIIIHHII", 57, 0, level, 2, 0, 0, access, 0x80, 7, disp, 0x40, 120, len(u16(name)),
                       120 + len(n) + pad, len(ctx)) + n + b"\0" * pad + ctx


def create_oplock(name, disp, level):
    b = bytearray(create(name, disp))
    b[3] = level
    return bytes(b)


def lease_ack(key, state):
    """2.2.24.2: StructureSize 36."""
    return struct.pack("<HHI16sIQ", 36, 0, 0, key, state, 0)


def oplock_ack(f, level):
    """2.2.24.1: StructureSize 24."""
    return struct.pack("<HBBI", 24, level, 0, 0) + f


def close(f, flags=1):
    return struct.pack("<HHI", 24, flags, 0) + f


def write(f, data, offset=0):
    return struct.pack("<HHIQ16sIIHHI", 49, 112, len(data), offset, f, 0, 0, 0, 0, 0) + data


def read(f, length=64, offset=0):
    return struct.pack("<HBBIQ16sIIIHH", 49, 0x50, 0, length, offset, f, 0, 0, 0, 0, 0) + b"\0"


def flush(f):
    return struct.pack("<HHI", 24, 0, 0) + f


def set_info(f, cls, buf, info_type=1):
    return struct.pack("<HBBIHHI16s", 33, info_type, cls, len(buf), 96, 0, 0, f) + buf


def rename_info(to, replace=0):
    n = u16(to)
    return struct.pack("<B7sQI", replace, b"\0" * 7, 0, len(n)) + n


def query_dir(f, pattern="*", cls=37, flags=1):
    p = u16(pattern)
    return struct.pack("<HBBI16sHHI", 33, cls, flags, 0, f, 96, len(p), 4096) + p


def query_info(f, cls, info_type=1, out=4096):
    return struct.pack("<HBBIHHIII16s", 41, info_type, cls, out, 0, 0, 0, 0, 0, f) + b"\0"


def lock(f, elems, seq=0):
    # 2.2.26: StructureSize 48, LockCount, LockSequence, FileId, then 2.2.26.1 elements
    return struct.pack("<HHI", 48, len(elems), seq) + f + b"".join(
        struct.pack("<QQII", off, n, fl, 0) for off, n, fl in elems)


def compound(seq, elems):
    """elems: (cmd, body, related); each element padded to 8 bytes, NextCommand linked."""
    parts = []
    for i, (cmd, body, rel) in enumerate(elems):
        last = i == len(elems) - 1
        blen = 64 + len(body)
        pad = 0 if last else (-blen) % 8
        parts.append(seq.hdr(cmd, body, RELATED if rel else 0, 0 if last else blen + pad) + b"\0" * pad)
    return b"".join(parts)


def pack(flags, pdus):
    out = bytes([flags])
    for p in pdus:
        out += struct.pack("<H", len(p)) + p
    return out


def seeds():
    s = {}
    # WRITE then READ back, FLUSH, CLOSE with attributes
    q = Seq()
    s["write_read"] = pack(1, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                               q.hdr(CREATE, create("w.txt", 5)),
                               q.hdr(WRITE, write(fid(1), b"hello world")),
                               q.hdr(READ, read(fid(1))),
                               q.hdr(FLUSH, flush(fid(1))),
                               q.hdr(CLOSE, close(fid(1)))])
    # the same as I/O jobs (interim after 1 s: the sync form), completed
    q = Seq()
    s["write_jobs"] = pack(3, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                               q.hdr(CREATE, create("w.txt", 5)),
                               q.hdr(WRITE, write(fid(1), b"job data")),
                               q.hdr(READ, read(fid(1))),
                               q.hdr(FLUSH, flush(fid(1))),
                               q.hdr(CLOSE, close(fid(1)))])
    # I/O jobs with the interim at once, and a CANCEL after the WRITE
    q = Seq()
    s["write_jobs_cancel"] = pack(7, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                                      q.hdr(CREATE, create("w.txt", 5)),
                                      q.hdr(WRITE, write(fid(1), b"x" * 100)),
                                      q.cancel_last(),
                                      q.hdr(READ, read(fid(1), 100)),
                                      q.hdr(CLOSE, close(fid(1)))])
    # append (Offset all ones), END_OF_FILE, allocation, basic information
    q = Seq()
    s["eof_alloc_basic"] = pack(1, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                                    q.hdr(CREATE, create("f.txt", 1)),
                                    q.hdr(WRITE, write(fid(1), b"more", 0xFFFFFFFFFFFFFFFF)),
                                    q.hdr(SET_INFO, set_info(fid(1), 20, struct.pack("<Q", 3))),
                                    q.hdr(SET_INFO, set_info(fid(1), 19, struct.pack("<Q", 65536))),
                                    q.hdr(SET_INFO, set_info(fid(1), 4, struct.pack("<QQQQII", 0, 0,
                                                                                    132223104000000000, 0, 1, 0))),
                                    q.hdr(QUERY_INFO, query_info(fid(1), 18)),
                                    q.hdr(CLOSE, close(fid(1)))])
    # rename, hard link, then delete on close through the disposition
    q = Seq()
    s["rename_link_delete"] = pack(1, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                                       q.hdr(CREATE, create("f.txt", 1, access=0x001F01FF)),
                                       q.hdr(SET_INFO, set_info(fid(1), 10, rename_info("sub\\moved.txt"))),
                                       q.hdr(SET_INFO, set_info(fid(1), 11, rename_info("linked.txt", 1))),
                                       q.hdr(SET_INFO, set_info(fid(1), 13, b"\x01")),
                                       q.hdr(CLOSE, close(fid(1))),
                                       q.hdr(CREATE, create("sub\\moved.txt", 1))])
    # CREATE with supersede, overwrite, create-new, a directory and DELETE_ON_CLOSE
    q = Seq()
    s["create_dispositions"] = pack(1, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                                        q.hdr(CREATE, create("f.txt", 0)),
                                        q.hdr(CREATE, create("sub\\g.txt", 4)),
                                        q.hdr(CREATE, create("new.txt", 2, opts=0x1040, access=0x001F01FF)),
                                        q.hdr(CREATE, create("newdir", 2, opts=0x1, attrs=0x10)),
                                        q.hdr(CREATE, create("newdir\\inner.txt", 3)),
                                        q.hdr(CLOSE, close(fid(3))),
                                        q.hdr(CREATE, create("new.txt", 1))])
    # a related compound: CREATE + WRITE + SET_INFO(EOF) + READ + CLOSE on the new FileId
    q = Seq()
    s["compound_related"] = pack(1, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                                     compound(q, [(CREATE, create("c.txt", 5), False),
                                                  (WRITE, write(ALL, b"compound data"), True),
                                                  (SET_INFO, set_info(ALL, 20, struct.pack("<Q", 8)), True),
                                                  (READ, read(ALL), True),
                                                  (CLOSE, close(ALL), True)])])
    # a compound that renames and deletes, and an unrelated one
    q = Seq()
    s["compound_rename_delete"] = pack(1, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                                           compound(q, [(CREATE, create("sub\\g.txt", 1, access=0x001F01FF), False),
                                                        (SET_INFO, set_info(ALL, 10, rename_info("r.txt")), True),
                                                        (SET_INFO, set_info(ALL, 13, b"\x01"), True),
                                                        (CLOSE, close(ALL), True)]),
                                           compound(q, [(CREATE, create("", 1, opts=0x1, access=0x00100081), False),
                                                        (QUERY_DIRECTORY, query_dir(ALL), True),
                                                        (CLOSE, close(ALL), True)])])
    # listings with patterns and classes, file system information
    q = Seq()
    s["listing"] = pack(1, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                            q.hdr(CREATE, create("sub", 1, opts=0x1, access=0x00100081)),
                            q.hdr(QUERY_DIRECTORY, query_dir(fid(1), "*.txt", 3)),
                            q.hdr(QUERY_DIRECTORY, query_dir(fid(1), "*", 12, 0)),
                            q.hdr(QUERY_DIRECTORY, query_dir(fid(1), "zz*", 1)),
                            q.hdr(QUERY_INFO, query_info(fid(1), 3, info_type=2)),
                            q.hdr(QUERY_INFO, query_info(fid(1), 7, info_type=2)),
                            q.hdr(SET_INFO, set_info(fid(1), 13, b"\x01")),
                            q.hdr(CLOSE, close(fid(1)))])
    # byte-range locks: conflicts with READ/WRITE of another open, a multi-element
    # request undone, zero-length and last-byte ranges, bad flags and ranges, a
    # blocking LOCK granted by the holder's unlock, release on CLOSE
    q = Seq()
    s["locks"] = pack(1, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                          q.hdr(CREATE, create("f.txt", 1, access=0x001F01FF)),
                          q.hdr(CREATE, create("f.txt", 1, access=0x001F01FF)),
                          q.hdr(WRITE, write(fid(1), b"0123456789")),
                          q.hdr(LOCK, lock(fid(1), [(0, 5, LK_EXCL | LK_FAIL)])),
                          q.hdr(READ, read(fid(2), 4)),
                          q.hdr(WRITE, write(fid(2), b"x", 2)),
                          q.hdr(LOCK, lock(fid(2), [(8, 1, LK_EXCL | LK_FAIL), (3, 1, LK_SHARED | LK_FAIL)])),
                          q.hdr(LOCK, lock(fid(2), [(5, 0, LK_EXCL | LK_FAIL), (2, 0, LK_SHARED | LK_FAIL)])),
                          q.hdr(LOCK, lock(fid(1), [(0xFFFFFFFFFFFFFFFF, 2, LK_EXCL | LK_FAIL)])),
                          q.hdr(LOCK, lock(fid(1), [(0xFFFFFFFFFFFFFFFF, 1, LK_EXCL | LK_FAIL)])),
                          q.hdr(LOCK, lock(fid(1), [(20, 1, 0)])),
                          q.hdr(LOCK, lock(fid(1), [(20, 1, LK_EXCL | LK_FAIL), (20, 1, LK_UNLOCK)])),
                          q.hdr(LOCK, lock(fid(2), [(1, 1, LK_SHARED)], seq=0x15)),
                          q.hdr(LOCK, lock(fid(1), [(0, 5, LK_UNLOCK)])),
                          q.hdr(LOCK, lock(fid(2), [(1, 1, LK_UNLOCK), (5, 0, LK_UNLOCK), (9, 9, LK_UNLOCK)])),
                          q.hdr(CLOSE, close(fid(1))),
                          q.hdr(READ, read(fid(2), 4)),
                          q.hdr(CLOSE, close(fid(2)))])
    # blocking LOCKs ended by CANCEL and by the close of their own handle
    q = Seq()
    s["lock_blocking"] = pack(1, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                                  q.hdr(CREATE, create("f.txt", 1, access=0x001F01FF)),
                                  q.hdr(CREATE, create("f.txt", 1, access=0x001F01FF)),
                                  q.hdr(LOCK, lock(fid(1), [(0, 100, LK_EXCL)])),
                                  q.hdr(LOCK, lock(fid(2), [(50, 10, LK_EXCL)])),
                                  q.cancel_last(),
                                  q.hdr(LOCK, lock(fid(2), [(60, 10, LK_SHARED)])),
                                  q.hdr(CLOSE, close(fid(2))),
                                  q.hdr(CLOSE, close(fid(1)))])
    # leases: RWH for key A, a second open with key B breaks it (waits), the
    # ack (RH), a v2 lease and an ack that asks too much
    q = Seq()
    ka, kb = b"A" * 16, b"B" * 16
    s["lease_break_ack"] = pack(1, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                                    q.hdr(CREATE, create_lease("l.txt", 5, ka, 7)),
                                    q.hdr(CREATE, create_lease("l.txt", 1, kb, 7)),
                                    q.hdr(OPLOCK_BREAK, lease_ack(ka, 7)),
                                    q.hdr(OPLOCK_BREAK, lease_ack(ka, 3)),
                                    q.hdr(CREATE, create_lease("v2.txt", 5, kb, 5, v2=True)),
                                    q.hdr(WRITE, write(fid(2), b"breaks R of others")),
                                    q.hdr(CLOSE, close(fid(1))),
                                    q.hdr(CLOSE, close(fid(2)))])
    # a batch oplock, a conflicting open that waits, a wrong-level ack, the
    # right one, and a CANCEL of another waiting open
    q = Seq()
    s["oplock_break_ack"] = pack(1, [q.hdr(NEGOTIATE, negotiate(), sid=0, tid=0),
                                     q.hdr(CREATE, create_oplock("o.txt", 5, 9)),
                                     q.hdr(CREATE, create("o.txt", 1)),
                                     q.hdr(OPLOCK_BREAK, oplock_ack(fid(1), 8)),
                                     q.hdr(OPLOCK_BREAK, oplock_ack(fid(1), 1)),
                                     q.hdr(CREATE, create_oplock("p.txt", 5, 8)),
                                     q.hdr(CREATE, create("p.txt", 4)),
                                     q.cancel_last(),
                                     q.hdr(CLOSE, close(fid(3)))])
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "fuzz_srv_core_mem")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(data)
        print(f"{name}.bin {len(data)} bytes")


if __name__ == "__main__":
    main()
