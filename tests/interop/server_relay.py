#!/usr/bin/python3
"""tests/interop/server_relay.py - a man-in-the-middle relay for the server tests.

usage: server_relay.py LISTEN_PORT SERVER_PORT MODE
  MODE flip           flip one byte of the data of the first signed WRITE request
       flip-all       flip one byte of every WRITE request
       strip-signed   clear SMB2_FLAGS_SIGNED on the first WRITE request
       strip-required clear SIGNING_REQUIRED in the server's NEGOTIATE response
       strip-async-read-sig  clear SIGNED and the signature of every final async
                      READ response (server_async_io.sh)
       strip-mechmic  remove the SPNEGO mechListMIC from the client's final
                      SESSION_SETUP request (spnego_edit.py)
       flip-mechmic   flip a bit of that mechListMIC
       zero-ntlm-mic  zero the NTLM MIC of the NTLMSSP AUTHENTICATE ("drop the MIC")
       strip-server-mechmic  remove the server's mechListMIC from the SESSION_SETUP
                      response that carries one (a client-side twin)
Every SESSION_SETUP response status is printed ("session_setup status 0x...").
       flip-enc-write flip the last byte (ciphertext of the data) of the first
                      client TRANSFORM_HEADER frame larger than 64 KiB (an
                      encrypted WRITE request)
       flip-enc-read  the same for the first server transform frame larger than
                      64 KiB (an encrypted READ response)
       none           relay unchanged
Frames are NetBIOS-delimited and modified in place; only 127.0.0.1 is used.
Prints "tampered: ..." lines on stdout when it changes something.
"""
import os
import struct
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spnego_edit import edit_session_setup, relay_serve, smb2_status  # noqa: E402

LPORT, SPORT, MODE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
state = {'done': False}
lock = threading.Lock()




def tamper(frame, to_server):
    if MODE in ('flip-enc-write', 'flip-enc-read') and frame[:4] == b'\xfdSMB' and len(frame) > 65536 and \
            to_server == (MODE == 'flip-enc-write'):
        with lock:
            if state['done']:
                return frame
            state['done'] = True
        f = bytearray(frame)
        f[-1] ^= 0x01
        print('tampered: %s (%d-byte transform frame)' % (MODE, len(frame)), flush=True)
        return bytes(f)
    if len(frame) < 64 or frame[:4] != b'\xfeSMB':
        return frame
    if not to_server and smb2_status(frame)[0] == 1:
        print('session_setup status 0x%08x' % smb2_status(frame)[1], flush=True)
    if MODE in ('strip-mechmic', 'flip-mechmic', 'zero-ntlm-mic') and to_server:
        new, what = edit_session_setup(frame, True, MODE)
        if what:
            print('tampered: %s' % what, flush=True)
        return new
    if MODE == 'strip-server-mechmic' and not to_server:
        new, what = edit_session_setup(frame, False, 'strip-mechmic')
        if what:
            print('tampered: server %s' % what, flush=True)
        return new
    f = bytearray(frame)
    cmd = struct.unpack_from('<H', f, 12)[0]
    flags = struct.unpack_from('<I', f, 16)[0]
    with lock:
        if state['done'] and MODE not in ('flip-all', 'strip-async-read-sig'):
            return frame
        if (not to_server and cmd == 8 and (flags & 2) and MODE == 'strip-async-read-sig' and
                struct.unpack_from('<I', f, 8)[0] != 0x103):
            struct.pack_into('<I', f, 16, flags & ~0x8)
            f[48:64] = b'\0' * 16
            print('tampered: stripped signature of async READ response', flush=True)
            return bytes(f)
        if to_server and cmd == 9 and MODE in ('flip', 'flip-all', 'strip-signed'):
            if MODE in ('flip', 'flip-all'):
                f[-1] ^= 0x01  # last byte of the WRITE data
            else:
                struct.pack_into('<I', f, 16, flags & ~0x8)
            state['done'] = True
            print('tampered: %s WRITE request' % MODE, flush=True)
        elif not to_server and cmd == 0 and (flags & 1) and MODE == 'strip-required':
            sm = struct.unpack_from('<H', f, 66)[0]
            struct.pack_into('<H', f, 66, sm & ~0x2)
            state['done'] = True
            print('tampered: NEGOTIATE SecurityMode 0x%x -> 0x%x' % (sm, sm & ~0x2), flush=True)
    return bytes(f)


relay_serve(LPORT, SPORT, tamper)
