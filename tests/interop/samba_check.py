#!/usr/bin/python3
"""tests/interop/samba_check.py - checks one recorded Samba session (see
samba_signatures.sh) against smbsign; prints TAP lines.

usage: samba_check.py SMBSIGN FRAMES DEBUG_OUT DIALECT ALG NAME TMPDIR USER PASSWORD [CIPHER]

The session key is computed independently from the recorded NTLMSSP
AUTHENTICATE message and the password (MS-NLMP 3.3.2 NTLMv2: NTOWFv2,
SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr), RC4 key exchange) and,
for SMB 3.x, compared with the keys smbclient printed ("debug encryption")."""
import hmac, re, subprocess, sys
from Cryptodome.Cipher import ARC4
from Cryptodome.Hash import MD4

S, frames_path, dbg_path, dialect, alg, name, tmp, user, password = sys.argv[1:10]
cipher = sys.argv[10] if len(sys.argv) > 10 else ""
NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000


def tap(ok, msg, detail=None):
    print(("ok - " if ok else "not ok - ") + name + ": " + msg)
    if not ok and detail:
        for l in str(detail).splitlines()[:8]:
            print("#   " + l)
    sys.stdout.flush()


def run(args, data):
    p = subprocess.run([S] + args, input=data, capture_output=True)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def ntlm_session_key(blob):
    """ExportedSessionKey from an AUTHENTICATE message found in blob, or None."""
    i = blob.find(b"NTLMSSP\x00\x03\x00\x00\x00")
    if i < 0:
        return None
    m = blob[i:]

    def field(off):
        ln = int.from_bytes(m[off:off + 2], "little")
        o = int.from_bytes(m[off + 4:off + 8], "little")
        return m[o:o + ln]
    nt, dom, usr, ekey = field(20), field(28), field(36), field(52)
    flags = int.from_bytes(m[60:64], "little")
    if len(nt) <= 24:
        return None  # NTLMv1: not what Samba negotiates by default
    nthash = MD4.new(password.encode("utf-16le")).digest()
    rk = hmac.new(nthash, usr.decode("utf-16le").upper().encode("utf-16le") + dom, "md5").digest()
    base = hmac.new(rk, nt[:16], "md5").digest()
    if flags & NTLMSSP_NEGOTIATE_KEY_EXCH and len(ekey) == 16:
        return ARC4.new(base).decrypt(ekey)
    return base


# smbclient's dump: "ServerIn Key  [0000] A3 E5 ..." then "[0010] 45 D4 ..." for 32-byte keys
keys = {}
cur = None
hexrun = r"((?:[0-9A-F]{2}\s+){8}\s*(?:[0-9A-F]{2}\s+){0,8})"
for l in open(dbg_path, errors="replace"):
    m = re.match(r"^(Session Key|Signing Key|App Key|ServerIn Key|ServerOut Key)\s+\[0000\]\s+" + hexrun, l)
    if m:
        cur = m.group(1) if m.group(1) not in keys else None
        if cur:
            keys[cur] = bytes.fromhex(m.group(2).replace(" ", ""))
        continue
    m = re.match(r"^\[00[1-9]0\]\s+" + hexrun, l)
    if m and cur:
        keys[cur] += bytes.fromhex(m.group(1).replace(" ", ""))
    else:
        cur = None

frames = []
for l in open(frames_path):
    tag, h = l.split()
    frames.append((tag, bytes.fromhex(h)))

# ---------------------------------------------------------------- SMB1
if dialect == "1":
    smb1 = [(t, f) for t, f in frames if f[:4] == b"\xffSMB"]
    tap(len(smb1) >= 10, "recorded %d SMB1 frames" % len(smb1))
    cmdof = lambda f: f[4]
    midof = lambda f: int.from_bytes(f[30:32], "little")
    pidof = lambda f: int.from_bytes(f[26:28], "little")
    sk = None
    for t, f in smb1:
        if t == "C" and cmdof(f) == 0x73:
            sk = ntlm_session_key(f) or sk
    tap(sk is not None, "session key computed from the recorded NTLMv2 AUTHENTICATE")
    if sk is None:
        sys.exit(0)
    # Sequence numbers (MS-CIFS 3.2.4.1.1 / 3.3.5.2): the SESSION_SETUP request
    # that authenticates is 0, its response 1; each later request n, response n+1.
    auth_i = max(i for i, (t, f) in enumerate(smb1) if t == "C" and cmdof(f) == 0x73 and b"NTLMSSP\x00\x03" in f)
    seq = 0
    want = {}  # (mid, pid) -> response sequence number
    checked = failed = tampered_ok = 0
    fails = []
    for i, (t, f) in enumerate(smb1):
        if i < auth_i:
            continue
        if t == "C":
            n = seq
            seq += 1 if cmdof(f) == 0xA4 else 2  # NT_CANCEL: no response
            want[(midof(f), pidof(f))] = n + 1
        else:
            if cmdof(f) == 0x24 and midof(f) == 0xFFFF and not (f[9] & 0x80):
                continue  # server oplock break: not signed
            n = want.get((midof(f), pidof(f)))
            if n is None:
                fails.append("frame %d: response without request (cmd 0x%02x mid %d pid %d flags 0x%02x flags2 0x%04x)"
                             % (i, cmdof(f), midof(f), pidof(f), f[9], int.from_bytes(f[10:12], "little")))
                continue
        if i == auth_i:
            # sent before the key existed: the placeholder, not a MAC (MS-CIFS 3.2.4.2.4)
            tap(f[14:22] == b"BSRSPYL ", "the authenticating SESSION_SETUP request carries the BSRSPYL placeholder")
            rc, out, err = run(["explain", "--raw"], f)
            tap(rc == 0 and "BSRSPYL" in out, "explain recognises the placeholder", out + err)
            continue
        rc, out, err = run(["verify", "--dialect", "1", "--mac-key", sk.hex(), "--seq", str(n)], f)
        checked += 1
        if rc != 0:
            failed += 1
            fails.append("frame %d (%s cmd 0x%02x mid %d seq %d): rc %d %s %s" % (i, t, cmdof(f), midof(f), n, rc, out, err))
        g = bytearray(f); g[-1] ^= 0x01
        rc2, _, _ = run(["verify", "--dialect", "1", "--mac-key", sk.hex(), "--seq", str(n)], bytes(g))
        rc3, _, _ = run(["verify", "--dialect", "1", "--mac-key", sk.hex(), "--seq", str(n + 2)], f)
        tampered_ok += (rc2 == 1 and rc3 == 1)
    tap(checked >= 8 and failed == 0, "all %d signed SMB1 messages verify with request n / response n+1" % checked, "\n".join(fails))
    tap(tampered_ok == checked, "a flipped byte or a wrong sequence number fails every one (%d/%d)" % (tampered_ok, checked))
    sys.exit(0)

# ---------------------------------------------------------------- SMB2/3
smb2 = [(t, f) for t, f in frames if f[:4] == b"\xfeSMB"]
tap(len(smb2) >= 10, "recorded %d SMB2 frames" % len(smb2))
cmd = lambda f: int.from_bytes(f[12:14], "little")
mid = lambda f: int.from_bytes(f[24:32], "little")
status = lambda f: int.from_bytes(f[8:12], "little")

sk = None
for t, f in smb2:
    if t == "C" and cmd(f) == 1:
        sk = ntlm_session_key(f) or sk
tap(sk is not None, "session key computed from the recorded NTLMv2 AUTHENTICATE")
if sk is None:
    sys.exit(0)
if "Session Key" in keys:
    tap(keys["Session Key"][:16] == sk, "Samba's session key equals the NTLMv2 computation",
        "%s vs %s" % (keys["Session Key"].hex(), sk.hex()))

if dialect in ("3.0", "3.0.2", "3.1.1"):
    args = ["kdf", "--dialect", dialect, "--session-key", sk.hex()]
    if dialect == "3.1.1":
        neg_req = next(f for t, f in smb2 if t == "C" and cmd(f) == 0)
        neg_rsp = next(f for t, f in smb2 if t == "S" and cmd(f) == 0)
        reqs = {mid(f): f for t, f in smb2 if t == "C" and cmd(f) == 1}
        rsps = {mid(f): f for t, f in smb2 if t == "S" and cmd(f) == 1}
        chain = [neg_req, neg_rsp]
        for m in sorted(reqs):
            chain.append(reqs[m])
            if m in rsps and status(rsps[m]) != 0:  # all but the final successful response
                chain.append(rsps[m])
        files = []
        for i, m in enumerate(chain):
            fn = "%s/%s.pa%d.bin" % (tmp, name, i)
            open(fn, "wb").write(m)
            files.append(fn)
        rc, out, err = run(["preauth"] + files, None)
        tap(rc == 0 and len(out.splitlines()) == len(files), "smbsign preauth over %d messages" % len(files), err)
        args += ["--preauth-hash", out.splitlines()[-1].split()[1] if rc == 0 else "00" * 64]
    klen = 32 if cipher.startswith("aes-256") else 16
    rc, out, err = run(args + (["--cipher", cipher] if cipher else []), None)
    got = dict(l.split() for l in out.splitlines()) if rc == 0 else {}
    want = {"signing-key": keys.get("Signing Key", b"")[:16].hex(), "application-key": keys.get("App Key", b"")[:16].hex(),
            "encryption-key": keys.get("ServerIn Key", b"")[:klen].hex(),
            "decryption-key": keys.get("ServerOut Key", b"")[:klen].hex()}
    tap(got == want and len(keys.get("ServerIn Key", b"")) == klen,
        "smbsign kdf%s gives Samba's four keys (%d-byte cipher keys)" % (" --cipher " + cipher if cipher else "", klen),
        "got %r\nwant %r\nrc %d %s" % (got, want, rc, err))
    kopt = ["--dialect", dialect, "--session-key", sk.hex()] + (args[-2:] if dialect == "3.1.1" else [])
else:
    kopt = ["--dialect", dialect, "--session-key", sk.hex()]
if dialect == "3.1.1":
    kopt += ["--algorithm", alg]

n_interim = 0
interim_bad = []
n_signed = n_big = n_large = n_chain = 0
bad, tamper_bad, explain_bad = [], [], []
final_ss = [f for t, f in smb2 if t == "S" and cmd(f) == 1 and status(f) == 0]
for i, (t, f) in enumerate(smb2):
    flags = int.from_bytes(f[16:20], "little")
    sid = int.from_bytes(f[40:48], "little")
    # Before the session exists SESSION_SETUP carries no signature (no key yet):
    # the caller's session state says "not required" then.
    in_auth = cmd(f) == 1 and not (t == "S" and status(f) == 0)
    rc, out, err = run(["explain", "--raw"] + kopt + (["--signing-optional"] if in_auth else []), f)
    if rc != 0:
        explain_bad.append("frame %d (%s cmd %d mid %d status %08x): rc %d %s" % (i, t, cmd(f), mid(f), status(f), rc,
                           [l for l in out.splitlines() if l.startswith("verification")] + [err]))
    if t == "S" and flags & 2 and status(f) == 0x103:  # interim response (async, STATUS_PENDING)
        n_interim += 1
        if flags & 8 or "interim STATUS_PENDING" not in out or rc != 0:
            interim_bad.append("frame %d: flags %#x rc %d %s" % (i, flags, rc, out))
    if not (flags & 8) or sid == 0:
        continue
    n_signed += 1
    n_big += len(f) > 1024 * 1024
    n_large += len(f) > 60 * 1024
    n_chain += int.from_bytes(f[20:24], "little") != 0
    rc, out, err = run(["verify"] + kopt, f)
    if rc != 0:
        bad.append("frame %d (%s cmd %d mid %d len %d): rc %d %s %s" % (i, t, cmd(f), mid(f), len(f), rc, out, err))
    pos = len(f) - 1 if len(f) > 64 else 60
    g = bytearray(f)
    g[pos] ^= 0x40
    rc, out, err = run(["verify"] + kopt, bytes(g))
    if rc != 1:
        tamper_bad.append("frame %d: flipped byte %d: rc %d" % (i, pos, rc))
tap(n_signed >= 8 and not bad, "all %d signed messages verify (%d over 1 MiB, %d compound)" % (n_signed, n_big, n_chain),
    "\n".join(bad))
if not name.endswith("notify"):  # the notify session moves no file data
    tap(n_large >= 1 and (n_big >= 1 or dialect == "2.0.2"),
        "large READ/WRITE messages were signed and checked (%d over 60 KiB; 2.0.2 caps I/O at 64 KiB)" % n_large)
tap(not tamper_bad, "a flipped byte makes every signed message fail (exit 1)", "\n".join(tamper_bad))
tap(not explain_bad, "explain accepts every message (signing required once the session exists)", "\n".join(explain_bad))
if name.endswith("notify"):
    tap(n_interim >= 1 and not interim_bad,
        "%d interim STATUS_PENDING responses: unsigned by Samba, 'not subject' for explain" % n_interim,
        "\n".join(interim_bad))
if dialect.startswith("3"):
    tap(len(final_ss) == 1 and int.from_bytes(final_ss[0][16:20], "little") & 8,
        "the final SESSION_SETUP response is signed (MS-SMB2 3.3.5.5.3)")
