#!/usr/bin/python3
"""scripts/fuzz_seeds_split.py - split recorded SMB traffic into seed inputs of
the fuzz targets that decode what a server sends (issue 18).

Input: recordings of tests/interop/frame_recorder.py (lines "C HEX" client to
server and "S HEX" server to client, one SMB PDU each, NetBIOS header
stripped), named ORIGIN.frames (ORIGIN such as samba-smbclient-311), and
optionally ORIGIN.pcap captures (small ones only) for fuzz_trace_packet.

Input formats written (see each fuzz/fuzz_*.c):
  fuzz_smb2_<cmd>_resp_decode      one SMB2 response message (64-byte header +
                                   body), compound chains split per element
  fuzz_smb2_query_directory_resp_decode  one byte FileInformationClass (taken
                                   from the matching request) + the message
  fuzz_smb2_error_resp_decode      a response with an error status
  fuzz_smb2_negotiate_rsp_decode   the SMB2 NEGOTIATE response message
  fuzz_smb1_negotiate_answer_parse the answer to an SMB1 NEGOTIATE (SMB1 or SMB2)
  fuzz_smb1_sess_setup_rsp_decode  SMB1 SESSION_SETUP_ANDX response message
  fuzz_smb1_read_rsp_decode        SMB1 READ_ANDX response message
  fuzz_spnego_decode               security buffers of NEGOTIATE / SESSION_SETUP
                                   responses (SPNEGO negTokenInit / negTokenResp)
  fuzz_smb_ntlm_challenge_decode   the NTLMSSP CHALLENGE inside them
  fuzz_smb_crypt_transform_decode  a server TRANSFORM message (0xFD 'SMB')
  fuzz_smb_crypt_decrypt           cipher byte (1: AES-128-GCM slot) + that message
  fuzz_smb_nb_framer_feed          chunk-size byte + the first server frames as a
                                   NetBIOS stream
  fuzz_smb_cli_poll                the server's NetBIOS stream after NEGOTIATE
                                   (our client's sessions)
  fuzz_trace_packet                ORIGIN.pcap as is (pcap magic)

usage: fuzz_seeds_split.py CORPUS_ROOT RECORDING... ; writes
CORPUS_ROOT/<target>/rt-ORIGIN-<what>-N, deduplicated by content (also against
the seeds already there), at most MAX_PER_TARGET new ones per target, taken
round-robin over the origins so every peer and dialect is represented, and
none over MAX_SEED bytes (MAX_PCAP for captures)."""
import hashlib
import os
import struct
import sys

MAX_PER_TARGET = 40
MAX_SEED = 8192
MAX_PCAP = 65536
MAX_STREAM_FRAMES = 4

SMB2_CMD = {0: 'negotiate', 1: 'session_setup', 3: 'tree_connect', 5: 'create', 6: 'close',
            8: 'read', 9: 'write', 0xB: 'ioctl', 0xE: 'query_directory', 0x10: 'query_info'}
# statuses that are not errors for the response decoders
OK_STATUS = (0, 0xC0000016, 0x80000005, 0x00000103)  # MORE_PROCESSING, BUFFER_OVERFLOW, PENDING


def frames(path):
    for n, line in enumerate(open(path), 1):
        d, _, h = line.strip().partition(' ')
        if d in ('C', 'S') and h:
            try:
                yield d, bytes.fromhex(h)
            except ValueError:
                sys.exit('fuzz_seeds_split: %s:%d: not a hex frame' % (path, n))


def smb2_elements(pdu):
    """Compound chain -> its messages (NextCommand at offset 20)."""
    off = 0
    while off + 64 <= len(pdu):
        nxt = struct.unpack_from('<I', pdu, off + 20)[0]
        end = off + nxt if nxt and off + nxt <= len(pdu) else len(pdu)
        yield pdu[off:end]
        if not nxt or end == len(pdu):
            break
        off = end


def sec_buffer(msg, rel):
    """SecurityBufferOffset/Length at body offset rel (offsets from the header)."""
    if len(msg) < 64 + rel + 4:
        return b''
    o, n = struct.unpack_from('<HH', msg, 64 + rel)
    return msg[o:o + n] if o + n <= len(msg) else b''


def ntlm_challenge(blob):
    i = blob.find(b'NTLMSSP\x00\x02\x00\x00\x00')
    return blob[i:] if i >= 0 else b''


def smb1_blob(msg):
    """SESSION_SETUP_ANDX (extended security) response: SecurityBlobLength at word 3."""
    if len(msg) < 33:
        return b''
    wc = msg[32]
    if wc != 4 or len(msg) < 33 + 8 + 2:
        return b''
    blen = struct.unpack_from('<H', msg, 33 + 6)[0]
    start = 33 + 8 + 2
    return msg[start:start + blen]


def nb(pdu):
    return struct.pack('>I', len(pdu)) + pdu


def split(path, origin, add):
    cls_by_mid = {}
    first_c = None
    s_frames = []
    n = 0
    for d, pdu in frames(path):
        if d == 'C':
            if first_c is None:
                first_c = pdu
            if pdu[:4] == b'\xfeSMB':
                for m in smb2_elements(pdu):
                    if len(m) >= 67 and struct.unpack_from('<H', m, 12)[0] == 0xE:
                        cls_by_mid[struct.unpack_from('<Q', m, 24)[0]] = m[66]
            continue
        s_frames.append(pdu)
        n += 1
        if n == 1 and first_c is not None and first_c[:5] == b'\xffSMB\x72':
            add('fuzz_smb1_negotiate_answer_parse', origin, 'negotiate', pdu)
        if pdu[:4] == b'\xfdSMB':
            add('fuzz_smb_crypt_transform_decode', origin, 'transform', pdu)
            add('fuzz_smb_crypt_decrypt', origin, 'transform', b'\x01' + pdu)
        elif pdu[:4] == b'\xffSMB' and len(pdu) >= 33:
            cmd = pdu[4]
            if cmd == 0x73:
                add('fuzz_smb1_sess_setup_rsp_decode', origin, 'sess-setup', pdu)
                blob = smb1_blob(pdu)
                add('fuzz_spnego_decode', origin, 'smb1-sess-setup', blob)
                add('fuzz_smb_ntlm_challenge_decode', origin, 'smb1', ntlm_challenge(blob))
            elif cmd == 0x2e:
                add('fuzz_smb1_read_rsp_decode', origin, 'read', pdu)
        elif pdu[:4] == b'\xfeSMB':
            for m in smb2_elements(pdu):
                cmd = struct.unpack_from('<H', m, 12)[0]
                status = struct.unpack_from('<I', m, 8)[0]
                name = SMB2_CMD.get(cmd)
                if status not in OK_STATUS:
                    add('fuzz_smb2_error_resp_decode', origin, 'error-%x' % cmd, m)
                    continue
                if name is None:
                    continue
                if cmd == 0:
                    add('fuzz_smb2_negotiate_rsp_decode', origin, 'negotiate', m)
                    add('fuzz_spnego_decode', origin, 'negotiate', sec_buffer(m, 56))
                    continue
                if cmd == 0xE:
                    mid = struct.unpack_from('<Q', m, 24)[0]
                    add('fuzz_smb2_query_directory_resp_decode', origin, name,
                        bytes([cls_by_mid.get(mid, 0x25)]) + m)
                    continue
                add('fuzz_smb2_%s_resp_decode' % name, origin, name.replace('_', '-'), m)
                if cmd == 1:
                    blob = sec_buffer(m, 4)
                    add('fuzz_spnego_decode', origin, 'session-setup', blob)
                    add('fuzz_smb_ntlm_challenge_decode', origin, 'smb2', ntlm_challenge(blob))
    if s_frames:
        stream = b''.join(nb(p) for p in s_frames[:MAX_STREAM_FRAMES])
        add('fuzz_smb_nb_framer_feed', origin, 'stream', bytes([len(origin) % 17]) + stream)
        if origin.startswith('smbsign-') and s_frames[0][:4] == b'\xfeSMB':
            add('fuzz_smb_cli_poll', origin, 'stream', stream)


def main():
    root, recs = sys.argv[1], sys.argv[2:]
    cand = {}  # target -> origin -> [(what, bytes)]

    def add(target, origin, what, data):
        cap = MAX_PCAP if target == 'fuzz_trace_packet' else MAX_SEED
        if data and len(data) <= cap:
            cand.setdefault(target, {}).setdefault(origin, []).append((what, data))

    for rec in recs:
        origin = os.path.basename(rec).rsplit('.', 1)[0]
        if rec.endswith('.pcap'):
            add('fuzz_trace_packet', origin, 'capture', open(rec, 'rb').read())
        else:
            split(rec, origin, add)
    for target in sorted(cand):
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)
        seen = set()
        for f in os.listdir(d):
            seen.add(hashlib.sha1(open(os.path.join(d, f), 'rb').read()).digest())
        queues = [list(v) for _, v in sorted(cand[target].items())]
        origins = sorted(cand[target])
        written, counters = 0, {}
        while written < MAX_PER_TARGET and any(queues):
            for origin, q in zip(origins, queues):
                while q:
                    what, data = q.pop(0)
                    h = hashlib.sha1(data).digest()
                    if h in seen:
                        continue
                    seen.add(h)
                    key = (origin, what)
                    counters[key] = counters.get(key, 0) + 1
                    with open(os.path.join(d, 'rt-%s-%s-%d' % (origin, what, counters[key])), 'wb') as f:
                        f.write(data)
                    written += 1
                    break
                if written >= MAX_PER_TARGET:
                    break
        print('%s: %d new seeds' % (target, written))


if __name__ == '__main__':
    main()
