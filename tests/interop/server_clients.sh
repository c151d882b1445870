#!/bin/bash
# tests/interop/server_clients.sh - smbsign serve against real clients:
# smbclient (every server signing level x every dialect x every client signing
# setting: list, upload, download with identical bytes, mkdir/rmdir, rename,
# delete), impacket, nmap smb2-security-mode on 127.0.0.x:445, smbtorture,
# and a tshark wire check that every response after SESSION_SETUP is signed.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"

srv_setup
head -c 1 /dev/urandom >"$SRV_DIR/f1"
: >"$SRV_DIR/f0"
head -c 65537 /dev/urandom >"$SRV_DIR/f64k"
head -c $((5 * 1024 * 1024 + 3)) /dev/urandom >"$SRV_DIR/f5m"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$SRV_DIR/f64m"

DIALECTS="SMB2_02 SMB2_10 SMB3_00 SMB3_02 SMB3_11"
for level in required enabled disabled; do
    srv_start "$level" || { not_ok "server starts with --signing $level"; continue; }
    for m in $DIALECTS; do
        for cs in required if_required disabled; do
            name="$level/$m/client-$cs"
            f=f64k
            case $m in SMB2_02) f=f1 ;; SMB3_02) f=f0 ;; SMB3_11) f=f5m ;; esac
            out=$(smbc "$m" "$cs" "put $f up_$m; get up_$m down_$m; mkdir d_$m; ls d_$m; rmdir d_$m; rename up_$m r_$m; del r_$m; ls")
            rc=$?
            if [ $rc -eq 0 ] && ! grep -q NT_STATUS <<<"$out" && cmp -s "$SRV_DIR/$f" "$SRV_DIR/down_$m" &&
                [ ! -e "$SRV_DIR/share/r_$m" ] && [ ! -e "$SRV_DIR/share/d_$m" ]; then
                ok "$name: put/get ($f, identical bytes), mkdir/rmdir, rename, del, ls"
            else
                not_ok "$name: file operations (rc $rc)"
                echo "$out" | sed 's/^/#   /' | head -20
            fi
            rm -f "$SRV_DIR/down_$m"
            # Signing per the SMB2 table (seed: The Basics of SMB Signing): signed
            # when either side requires it. smbclient's "disabled" still signs
            # when the server requires (SMB2 cannot refuse).
            want="not required"
            { [ "$level" = required ] || [ "$cs" = required ]; } && want=required
            check_eq "$name: session signing $want" "$(srv_last_session_signing)" "$want"
        done
    done
    # 64 MiB once per level, newest dialect
    out=$(smbc SMB3_11 if_required "put f64m big; get big big.down")
    if cmp -s "$SRV_DIR/f64m" "$SRV_DIR/big.down"; then ok "$level: 64 MiB upload+download identical"; else
        not_ok "$level: 64 MiB upload+download identical"; echo "$out" | sed 's/^/#   /' | head; fi
    rm -f "$SRV_DIR/big.down" "$SRV_DIR/share/big"
    # compound create/query/close (allinfo), hard links, volume info
    out=$(smbc SMB3_11 if_required "put f64k h.bin; allinfo h.bin; hardlink h.bin h2.bin; volume; del h.bin")
    check_match "$level: allinfo (compound CREATE+QUERY_INFO+CLOSE)" "$out" 'stream: \[::\$DATA\], 65537 bytes'
    check "$level: hardlink created" cmp -s "$SRV_DIR/f64k" "$SRV_DIR/share/h2.bin"
    check_match "$level: volume info" "$out" "Volume: \|share\|"
    rm -f "$SRV_DIR/share/h2.bin"
    # read-only share refuses writes
    out=$(smbc SMB3_11 required "put f1 nope" ro)
    check_match "$level: read-only share refuses an upload" "$out" "NT_STATUS_ACCESS_DENIED|NT_STATUS_MEDIA_WRITE_PROTECTED"
    check "$level: nothing was written to the read-only share" test ! -e "$SRV_DIR/ro/nope"
    out=$(smbc SMB3_11 required "get r.txt ro.down" ro)
    check "$level: read-only share still serves reads" cmp -s "$SRV_DIR/ro/r.txt" "$SRV_DIR/ro.down"
    srv_stop
done

# ---- impacket (python3-impacket 0.10: 2.0.2, 2.1, 3.0; its 3.1.1 preauth chain is broken, see docs/server.md)
srv_start required
cat >"$SRV_DIR/imp.py" <<'EOF'
import io, sys
from impacket.smbconnection import SMBConnection
from impacket import smb3structs as s3
port, dialect = int(sys.argv[1]), sys.argv[2]
d = {'any': None, '202': s3.SMB2_DIALECT_002, '210': s3.SMB2_DIALECT_21, '300': s3.SMB2_DIALECT_30}[dialect]
c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=d)
c.login('bob', 'hunter22')
data = bytes(range(256)) * 4099
c.putFile('share', 'imp_%s.bin' % dialect, io.BytesIO(data).read)
buf = io.BytesIO()
c.getFile('share', 'imp_%s.bin' % dialect, buf.write)
assert buf.getvalue() == data, 'downloaded bytes differ'
c.createDirectory('share', 'impdir_' + dialect)
names = [f.get_longname() for f in c.listPath('share', '*')]
assert 'impdir_' + dialect in names, names
c.deleteDirectory('share', 'impdir_' + dialect)
c.rename('share', 'imp_%s.bin' % dialect, 'imp2_%s.bin' % dialect)
c.deleteFile('share', 'imp2_%s.bin' % dialect)
print('dialect 0x%x OK' % c.getDialect())
c.logoff()
EOF
for d in any 202 210 300; do
    out=$(timeout 60 $SRV_PY "$SRV_DIR/imp.py" "$SRV_PORT" "$d" 2>&1)
    check_match "impacket ($d): login, put/get identical, mkdir/ls/rmdir, rename, delete" "$out" "OK$"
    check_eq "impacket ($d): session signed" "$(srv_last_session_signing)" "required"
done
out=$(timeout 60 $SRV_PY - "$SRV_PORT" <<'EOF' 2>&1
import sys
from impacket.smbconnection import SMBConnection
c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=int(sys.argv[1]))
try:
    c.login('bob', 'wrong')
    print('LOGGED IN')
except Exception as e:
    print('refused', e)
EOF
)
check_match "impacket: wrong password refused with STATUS_LOGON_FAILURE" "$out" "refused.*LOGON_FAILURE"

# ---- CHANGE_NOTIFY goes async; CANCEL (signed, verified) completes it (MS-SMB2 3.3.4.2, 3.3.5.16)
cat >"$SRV_DIR/notify.py" <<'EOF'
import struct, sys
from impacket.smbconnection import SMBConnection
from impacket import smb3structs as s3, crypto
port = int(sys.argv[1])
c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=port, preferredDialect=s3.SMB2_DIALECT_30)
c.login('bob', 'hunter22')
s = c._SMBConnection
tid = c.connectTree('share')
fid = s.create(tid, '', s3.FILE_LIST_DIRECTORY | s3.SYNCHRONIZE, s3.FILE_SHARE_READ | s3.FILE_SHARE_WRITE,
               s3.FILE_DIRECTORY_FILE, s3.FILE_OPEN, 0)
key = s._Session['SigningKey']

def notify():
    p = s.SMB_PACKET()
    p['Command'] = s3.SMB2_CHANGE_NOTIFY
    p['TreeID'] = tid
    n = s3.SMB2ChangeNotify()
    n['OutputBufferLength'] = 4096
    n['FileID'] = s3.SMB2_FILEID(fid.getData() if hasattr(fid, 'getData') else fid)
    n['CompletionFilter'] = 0x17
    p['Data'] = n
    return s.sendSMB(p)

def recv():
    m = s._NetBIOSSession.recv_packet(10).get_trailer()
    status, cmd = struct.unpack_from('<IH', m, 8)
    flags, = struct.unpack_from('<I', m, 16)
    mid, aid = struct.unpack_from('<QQ', m, 24)
    sig = m[48:64]
    ok = len(key) > 0 and crypto.AES_CMAC(key, m[:48] + b'\0' * 16 + m[64:], len(m)) == sig
    return status, cmd, flags, mid, aid, ok

mid = notify()
st, cmd, fl, rmid, aid, ok = recv()
print('interim status=0x%x cmd=%d async=%d signed=%d mid_match=%d aid=%d' % (st, cmd, fl & 2 != 0, fl & 8 != 0, rmid == mid, aid))
s._Session['SigningActivated'] = False
s.cancel(mid)  # unsigned CANCEL on a signing session: must be ignored
s._Session['SigningActivated'] = True
try:
    s._NetBIOSSession.recv_packet(1)
    print('unsigned cancel: ANSWERED')
except Exception as e:
    print('unsigned cancel: ignored (%s)' % type(e).__name__)
s.cancel(mid)
st, cmd, fl, rmid, aid2, ok = recv()
print('final status=0x%x cmd=%d async=%d signed=%d sig_valid=%d mid_match=%d aid_match=%d' % (st, cmd, fl & 2 != 0, fl & 8 != 0, ok, rmid == mid, aid2 == aid))
print('echo after cancel:', s.echo())
s.close(tid, fid)
c.logoff()
EOF
out=$(timeout 60 $SRV_PY "$SRV_DIR/notify.py" "$SRV_PORT" 2>&1)
check_match "impacket: CHANGE_NOTIFY interim STATUS_PENDING, async, unsigned" "$out" "interim status=0x103 cmd=15 async=1 signed=0 mid_match=1 aid=[1-9]"
check_match "impacket: unsigned CANCEL on a signing session is ignored" "$out" "unsigned cancel: ignored"
check_match "impacket: signed CANCEL -> final async STATUS_CANCELLED, validly signed" "$out" "final status=0xc0000120 cmd=15 async=1 signed=1 sig_valid=1 mid_match=1 aid_match=1"
check_match "impacket: connection usable after CANCEL" "$out" "echo after cancel: True"
check_match "server log: unsigned CANCEL audited" "$(cat "$SRV_LOG")" "CANCEL refused: unsigned request"

# ---- after LOGOFF / TREE_DISCONNECT: the error is signed with the gone session's key
# (MS-SMB2 3.3.4.1.1; smbXcli clients require SIGNED), only when the request verified
out=$(timeout 60 $SRV_PY "$(dirname "$0")/gone_session.py" "$SRV_PORT" 2>&1)
check_match "impacket: request on a disconnected tree -> NETWORK_NAME_DELETED, validly signed" "$out" "^tdis status=0xc00000c9 signed=1 sig_valid=1"
check_match "impacket: request on a logged-off session -> USER_SESSION_DELETED signed with its key" "$out" "^logoff status=0xc0000203 signed=1 sig_valid=1"
check_match "impacket: the same with a wrong signature -> USER_SESSION_DELETED unsigned" "$out" "^badsig status=0xc0000203 signed=0"
check_match "impacket: a SessionId that never existed -> USER_SESSION_DELETED unsigned" "$out" "^unknown status=0xc0000203 signed=0"
check_match "impacket: the newest of 8 logged-off sessions still answered signed" "$out" "^recent status=0xc0000203 signed=1 sig_valid=1"
check_match "impacket: a logged-off session pushed out of the 8 kept -> unsigned" "$out" "^evicted status=0xc0000203 signed=0"

# ---- smbtorture: the smb2 tests that pass (docs/server.md lists the ones that
# do not, each with its reason). An array: some names contain spaces.
TORTURE=(
    smb2.dir.find smb2.dir.many smb2.dir.sorted smb2.dir.large-files
    smb2.rw.rw1 smb2.rw.rw2 smb2.read.eof smb2.read.position smb2.read.dir smb2.read.access
    smb2.scan.find smb2.maxfid smb2.secleak smb2.check-sharemode
    smb2.compound.unrelated1 smb2.compound.invalid1 smb2.compound.invalid3 smb2.compound.invalid4
    smb2.compound.related3 smb2.compound.related5 smb2.compound.related6 smb2.compound.related8
    smb2.compound.related9
    smb2.compound.interim1 smb2.compound.create-write-close smb2.compound.compound-break
    smb2.compound_find.compound_find_related smb2.compound_find.compound_find_unrelated
    smb2.compound_find.compound_find_close
    smb2.create.brlocked smb2.create.multi smb2.create.delete smb2.create.dir-alloc-size
    smb2.create.mkdir-dup smb2.create.leading-slash smb2.create.impersonation smb2.create.blob
    smb2.fileid.unique smb2.fileid.unique-dir
    smb2.getinfo.fsinfo smb2.getinfo.granted smb2.getinfo.qfs_buffercheck
    smb2.getinfo.qfile_buffercheck smb2.getinfo.qsec_buffercheck
    smb2.rename.simple smb2.rename.no_sharing smb2.rename.simple_nodelete smb2.rename.msword
    smb2.rename.close-full-information smb2.rename.share_delete_no_delete_access
    smb2.rename.share_delete_and_delete_access smb2.rename.no_share_delete_but_delete_access
    smb2.rename.no_share_delete_no_delete_access smb2.rename.rename_dir_openfile
    smb2.deny.deny1 smb2.deny.deny2 smb2.sharemode.access-sharemode smb2.sharemode.sharemode-access
    smb2.sharemode.bug14375
    smb2.delete-on-close-perms.OVERWRITE_IF smb2.delete-on-close-perms.CREATE
    "smb2.delete-on-close-perms.CREATE Existing" smb2.delete-on-close-perms.CREATE_IF
    smb2.delete-on-close-perms.BUG14427 smb2.delete-on-close-perms.FIND_and_set_DOC
    smb2.delete-on-close-perms.READONLY
    smb2.lock.zerobyteread smb2.ioctl.compress_notsup_get smb2.ioctl.compress_notsup_set
    smb2.credits.session_setup_credits_granted smb2.credits.single_req_credits_granted
    smb2.credits.skipped_mid smb2.session.two_logoff smb2.session-require-signing.bug15397 smb2.connect
    smb2.notify.close smb2.notify.tdis smb2.notify.tdis1 smb2.notify.logoff smb2.notify.file smb2.notify.tcp
)
srv_torture "${TORTURE[@]}"

# ---- tshark: every response after the final SESSION_SETUP carries SIGNED and a non-zero signature
if command -v tshark >/dev/null; then
    pcap=$SRV_DIR/wire.pcap
    tshark_start "$pcap" "tcp port $SRV_PORT"
    smbc SMB3_11 if_required "put f64k w1; get w1 w1.down; del w1; ls" >/dev/null
    smbc SMB3_02 disabled "ls" >/dev/null
    tshark_stop
    # interim STATUS_PENDING responses of READ/WRITE/FLUSH that took longer than
    # "async io after" are never signed (MS-SMB2 3.3.4.1.1): not counted here
    rows=$(tshark -r "$pcap" -d "tcp.port==$SRV_PORT,nbss" \
        -Y 'smb2.flags.response==1 && smb2.cmd > 1 && !(smb2.flags.async==1 && smb2.nt_status==0x00000103)' \
        -T fields -e smb2.flags.signature -e smb2.signature 2>/dev/null)
    n=$(grep -c . <<<"$rows")
    unsigned=$(grep -cvE '^(1|True)[[:space:]]+[0-9a-f:]*[1-9a-f]' <<<"$rows")
    check "tshark: captured responses after SESSION_SETUP ($n)" test "$n" -gt 10
    check_eq "tshark: responses without SIGNED or with a zero signature" "$unsigned" "0"
    fin=$(tshark -r "$pcap" -d "tcp.port==$SRV_PORT,nbss" -Y 'smb2.flags.response==1 && smb2.cmd==1 && smb2.nt_status==0' \
        -T fields -e smb2.flags.signature 2>/dev/null | sort -u | tr '\n' ' ')
    check_match "tshark: final SESSION_SETUP responses are signed" "$fin" "^(1|True) $"
else
    not_ok "tshark is installed"
fi
srv_stop

# ---- nmap smb2-security-mode (port 445 on a private 127.0.0.x address)
x=$((100 + RANDOM % 150))
for level in required enabled; do
    if srv_start "$level" "127.0.0.$x" 445; then
        out=$(timeout 120 nmap -Pn -p445 --script smb2-security-mode "127.0.0.$x" 2>&1)
        if [ $level = required ]; then
            check_match "nmap smb2-security-mode: $level" "$out" "Message signing enabled and required"
        else
            check_match "nmap smb2-security-mode: $level" "$out" "Message signing enabled but not required"
        fi
        srv_stop
    else
        not_ok "server binds 127.0.0.$x:445 (needs CAP_NET_BIND_SERVICE)"
    fi
done
exit 0
