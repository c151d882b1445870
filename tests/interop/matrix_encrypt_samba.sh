#!/bin/bash
# tests/interop/matrix_encrypt_samba.sh - the encryption table of
# `matrix --live --encryption` (docs/matrix-live.md) against real Samba smbd:
# our client --encrypt=off|desired|required against smbd with `server smb
# encrypt = off|desired|required`, at 3.1.1 and 3.0. Each cell must give the
# documented outcome: "encrypted" (exit 0, session says encryption on, every
# request went in a transform: requests-encrypted > 0, requests-signed 0),
# "clear" (exit 0, encryption off, requests-encrypted 0) or "fails" (exit 1,
# STATUS_ACCESS_DENIED at SESSION_SETUP). The same table against our server
# is tests/cli/matrix_live_encrypt.sh.
. "$(dirname "$0")/../lib.sh"
for tool in smbd smbpasswd useradd; do
    command -v "$tool" >/dev/null 2>&1 || { not_ok "matrix_encrypt_samba: $tool is not installed"; exit 1; }
done
[ "$(id -u)" = 0 ] || { not_ok "matrix_encrypt_samba: needs root (smbd)"; exit 1; }
[ -x "$SMBSIGN" ] || { not_ok "matrix_encrypt_samba: $SMBSIGN not built"; exit 1; }
T=$(mk_tmpdir)
chmod 755 "$T"
PASS="pw-$RANDOM$RANDOM"
test_unix_user mes || { not_ok "matrix_encrypt_samba: cannot create a unix user"; exit 1; }
U=$TEST_USER
cd "$T" || exit 1
printf 'small file\n' >small
declare -A PORT
for s in off desired required; do
    d=$T/$s
    p=$(free_port) || { not_ok "free port"; exit 1; }
    samba_conf "$d" "$p" "  server min protocol = SMB2_02
  server max protocol = SMB3_11
  server smb encrypt = $s"
    samba_user "$d" "$U" "$PASS"
    samba_start "$d"
    track_pid "$SAMBA_PID"
    PORT[$s]=$p
    wait_port 127.0.0.1 "$p" 20 || { not_ok "smbd ($s) did not start"; cat "$d/smbd.out"; exit 1; }
done
doc() { # CLIENT SERVER -> documented outcome (MS-SMB2 3.3.5.5.3, 3.2.5.3.1)
    case "$1/$2" in
    off/required | required/off) echo fails ;;
    off/*) echo clear ;;
    */off) echo clear ;;
    *) echo encrypted ;;
    esac
}
for dia in 3.1.1 3.0; do
    for cl in off desired required; do
        for sv in off desired required; do
            want=$(doc $cl $sv)
            out=$("$SMBSIGN" client "//127.0.0.1:${PORT[$sv]}/share" -U "$U%$PASS" -m $dia --encrypt=$cl \
                -c "put small x-$cl; session; rm x-$cl" 2>&1); rc=$?
            flat=$(printf '%s' "$out" | tr '\n' ' ')
            name="samba $dia client=$cl server=$sv: $want"
            case $want in
            encrypted) check_match "$name" "rc=$rc $flat" '^rc=0 .*encryption on .*requests-signed 0 .*requests-encrypted [1-9]' ;;
            clear) check_match "$name" "rc=$rc $flat" '^rc=0 .*encryption off .*requests-encrypted 0' ;;
            fails) check_match "$name" "rc=$rc $flat" '^rc=1 .*SESSION_SETUP|^rc=1 .*STATUS_ACCESS_DENIED' ;;
            esac
        done
    done
done
exit 0
