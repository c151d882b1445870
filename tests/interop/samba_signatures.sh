#!/bin/bash
# tests/interop/samba_signatures.sh - the signing core against a real peer:
# Samba smbd (server signing = mandatory) and smbclient talk through a
# recording relay on 127.0.0.1 (frame_recorder.py) for SMB 2.0.2, 2.1, 3.0,
# 3.0.2 and 3.1.1 with each signing algorithm (HMAC-SHA256, AES-CMAC,
# AES-GMAC), and SMB1 (NT1, MD5 with sequence numbers). smbclient's "debug encryption" prints the session key and the
# keys Samba derived. For each session we check:
#   - the 3.1.1 preauth hash computed by `smbsign preauth` over the recorded
#     NEGOTIATE/SESSION_SETUP messages, fed to `smbsign kdf`, gives exactly
#     Samba's signing, application, ServerIn and ServerOut keys (3.0/3.0.2
#     without preauth; 32-byte cipher keys when AES-256-GCM is negotiated);
#   - every recorded SMB2 message Samba or smbclient signed verifies with
#     `smbsign verify` (compound chains element by element, 2.5 MiB WRITE/READ
#     payloads included), and a copy with one flipped byte fails;
#   - `smbsign explain` with the keys accepts every message of the session
#     on a session that requires signing (nothing unsigned slips through, and
#     NEGOTIATE / interim responses are classified as not subject).
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
REC="$ROOT/tests/interop/frame_recorder.py"
for tool in smbd smbclient smbpasswd useradd; do
    command -v "$tool" >/dev/null 2>&1 || { not_ok "samba_signatures: $tool is not installed (scripts/deps.sh)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { not_ok "samba_signatures: needs root to add the test user and start smbd"; exit 1; }
[ -x "$SMBSIGN" ] || { not_ok "samba_signatures: $SMBSIGN not built"; exit 1; }

T=$(mk_tmpdir)
chmod 755 "$T"
PASS="pw-$RANDOM$RANDOM"
test_unix_user sss || { not_ok "samba_signatures: cannot create a unix user for the test"; exit 1; }
U=$TEST_USER

d=$T/smbd
P=$(free_port) || { not_ok "free port"; exit 1; }
samba_conf "$d" "$P" "  server signing = mandatory
  server min protocol = NT1
  server max protocol = SMB3_11"
samba_user "$d" "$U" "$PASS"
samba_start "$d"
track_pid "$SAMBA_PID"
wait_port 127.0.0.1 "$P" 20 || { not_ok "smbd started on port $P"; tail -20 "$d/smbd.out"; exit 1; }
head -c 2621440 /dev/urandom >"$T/big.bin"
echo "small file" >"$T/small.txt"

# session NAME PROTOCOL [SAMBA_SIGNING_ALGORITHM] [SAMBA_CIPHER]
session() {
    local name=$1 proto=$2 alg=$3 cipher=$4 lp opts=()
    $PY "$REC" 0 "$P" "$T/$name.frames" &
    local rpid=$!
    track_pid $rpid
    for _ in $(seq 1 100); do [ -e "$T/$name.frames.ready" ] && break; sleep 0.1; done
    [ -e "$T/$name.frames.ready" ] || { echo "# $name: the recorder did not start" >"$T/$name.out"; return 1; }
    lp=$(cat "$T/$name.frames.ready")
    [ -n "$alg" ] && opts=(--option="client smb3 signing algorithms=$alg")
    [ -n "$cipher" ] && opts+=(--option="client smb3 encryption algorithms=$cipher")
    [ "$proto" = NT1 ] && opts=(--option="client min protocol=NT1")
    if [ "${name%notify}" != "$name" ]; then
        # CHANGE_NOTIFY stays pending (interim STATUS_PENDING response) until smbclient is stopped
        timeout 5 smbclient -p "$lp" //127.0.0.1/share -U "$U%$PASS" -m "$proto" --option='client signing=required' \
            --option='debug encryption=yes' "${opts[@]}" -c 'notify \' >"$T/$name.out" 2>&1
        wait $rpid
        return 0
    fi
    timeout 120 smbclient -p "$lp" //127.0.0.1/share -U "$U%$PASS" -m "$proto" --option='client signing=required' \
        --option='debug encryption=yes' "${opts[@]}" \
        -c "put $T/small.txt small.txt; put $T/big.bin big.bin; get big.bin $T/$name.back; allinfo small.txt; ls; rm small.txt" \
        >"$T/$name.out" 2>&1
    local rc=$?
    wait $rpid
    cmp -s "$T/big.bin" "$T/$name.back" || { echo "# $name: big file did not round-trip"; rc=1; }
    return $rc
}

run_case() { # NAME PROTOCOL DIALECT CLI_ALG [SAMBA_ALG] [CIPHER]
    local name=$1 proto=$2 dialect=$3 alg=$4 salg=$5 cipher=$6
    if session "$name" "$proto" "$salg" "$cipher"; then ok "$name: smbclient session through the recorder"; else
        not_ok "$name: smbclient session through the recorder"; sed 's/^/#   /' "$T/$name.out" | tail -15; return; fi
    $PY "$ROOT/tests/interop/samba_check.py" "$SMBSIGN" "$T/$name.frames" "$T/$name.out" "$dialect" "$alg" "$name" "$T" "$U" "$PASS" "$cipher"
}

run_case smb1 NT1 1 md5
run_case smb2_02 SMB2_02 2.0.2 hmac-sha256
run_case smb2_10 SMB2_10 2.1 hmac-sha256
run_case smb3_00 SMB3_00 3.0 aes-cmac
run_case smb3_02 SMB3_02 3.0.2 aes-cmac
run_case smb3_11_gmac SMB3_11 3.1.1 aes-gmac aes-128-gmac
run_case smb3_11_cmac SMB3_11 3.1.1 aes-cmac aes-128-cmac
run_case smb3_11_hmac SMB3_11 3.1.1 hmac-sha256 hmac-sha-256
# AES-256 negotiated as the cipher: 32-byte encryption/decryption keys (L = 256)
run_case smb3_11_aes256 SMB3_11 3.1.1 aes-gmac aes-128-gmac aes-256-gcm
# an asynchronous CHANGE_NOTIFY: the interim response is unsigned and not subject
run_case smb3_11_notify SMB3_11 3.1.1 aes-cmac aes-128-cmac
exit 0
