#!/usr/bin/python3
"""scripts/fuzz_seeds.py - turn recorded SMB traffic (tests/interop/frame_recorder.py
output: lines "C HEX" client->server and "S HEX" server->client, each one
NetBIOS frame) into seed inputs of the server-core fuzz targets:

  fuzz_srv_conn_input   SMB2 client frames, each PDU prefixed by its 2-byte LE
                        length, behind a flag byte (0: real exchange; 1: the
                        target's ready-made session so file commands are reached)
  fuzz_srv_smb1_input   the same for SMB1 client frames (flag byte 0)

usage: fuzz_seeds.py CORPUS_ROOT NAME RECORDING...
Writes CORPUS_ROOT/<target>/rec-NAME[-N][-s] only when the recording has frames
of that kind; PDUs over 65535 bytes are cut (the 2-byte length)."""
import os
import sys


def frames(path):
    for line in open(path):
        d, _, h = line.strip().partition(' ')
        if d in ('C', 'S') and h:
            b = bytes.fromhex(h)
            yield d, b  # the recorder stores the PDU without its NetBIOS header


def pack(flag, pdus):
    out = bytes([flag])
    for p in pdus:
        p = p[:65535]
        out += len(p).to_bytes(2, 'little') + p
    return out


def main():
    root, name, recs = sys.argv[1], sys.argv[2], sys.argv[3:]
    for i, rec in enumerate(recs):
        cli = [p for d, p in frames(rec) if d == 'C']
        smb2 = [p for p in cli if p[:4] == b'\xfeSMB']
        smb1 = [p for p in cli if p[:4] == b'\xffSMB']
        tag = name + ('-%d' % i if len(recs) > 1 else '')
        for target, flag, pdus, suffix in (('fuzz_srv_conn_input', 0, smb2, ''),
                                           ('fuzz_srv_conn_input', 1, smb2, '-s'),
                                           ('fuzz_srv_smb1_input', 0, smb1, '')):
            if not pdus:
                continue
            d = os.path.join(root, target)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, 'rec-' + tag + suffix), 'wb') as f:
                f.write(pack(flag, pdus))


if __name__ == '__main__':
    main()
