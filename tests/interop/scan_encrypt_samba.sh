#!/bin/bash
# tests/interop/scan_encrypt_samba.sh - the scanner's `encryption_ciphers`
# against Samba with encryption off and on: for each cipher Samba is limited
# to (`server smb3 encryption algorithms`), the scanner reports that cipher at
# 3.1.1 and it is the cipher our client's encrypted session actually uses
# (`session` encryption-cipher); with `server smb encrypt = off`, 3.1.1
# reports [] and our client -e is refused; at 3.0 `["aes-128-ccm"]` follows
# CAP_ENCRYPTION. NEGOTIATE shows capability only: a server whose shares all
# require encryption looks the same to the scanner as one that never asks.
. "$(dirname "$0")/../lib.sh"
for tool in smbd smbpasswd useradd; do
    command -v "$tool" >/dev/null 2>&1 || { not_ok "scan_encrypt_samba: $tool is not installed"; exit 1; }
done
[ "$(id -u)" = 0 ] || { not_ok "scan_encrypt_samba: needs root (smbd)"; exit 1; }
T=$(mk_tmpdir)
chmod 755 "$T"
PASS="pw-$RANDOM$RANDOM"
test_unix_user ses || { not_ok "scan_encrypt_samba: cannot create a unix user"; exit 1; }
U=$TEST_USER
declare -A PORT
start() { # NAME GLOBAL-LINES
    local d=$T/$1 p
    p=$(free_port) || return 1
    samba_conf "$d" "$p" "  server min protocol = SMB2_02
$2"
    samba_user "$d" "$U" "$PASS"
    samba_start "$d"
    track_pid "$SAMBA_PID"
    PORT[$1]=$p
    wait_port 127.0.0.1 "$p" 20 || { not_ok "smbd $1 did not start"; return 1; }
}
start off "  server smb encrypt = off" || exit 1
start off30 "  server smb encrypt = off
  server max protocol = SMB3_00" || exit 1
start on30 "  server smb encrypt = desired
  server max protocol = SMB3_00" || exit 1
for c in aes-128-gcm aes-128-ccm aes-256-gcm aes-256-ccm; do
    start "$c" "  server smb encrypt = desired
  server smb3 encryption algorithms = $c" || exit 1
done
scan() { "$SMBSIGN" scan --json --no-progress --smb2-only -p "$1" 127.0.0.1 2>/dev/null; }
for c in aes-128-gcm aes-128-ccm aes-256-gcm aes-256-ccm; do
    out=$(scan "${PORT[$c]}")
    check_match "scan: Samba limited to $c reports it" "$out" "\"encryption_ciphers\":\[\"$c\"\]"
    s=$("$SMBSIGN" client "//127.0.0.1:${PORT[$c]}/share" -U "$U%$PASS" -e -c session 2>&1)
    check_match "client -e against the same server uses $c" "$s" "^encryption-cipher $c$"
done
out=$(scan "${PORT[off]}")
check_match "scan: encryption off, 3.1.1: no cipher" "$out" '"dialect":"3.1.1".*"encryption_ciphers":\[\]'
s=$("$SMBSIGN" client "//127.0.0.1:${PORT[off]}/share" -U "$U%$PASS" -e -c session 2>&1); rc=$?
check_match "client -e against encryption off: refused" "rc=$rc $(printf '%s' "$s" | tr '\n' ' ')" "rc=1 .*STATUS_ACCESS_DENIED"
out=$(scan "${PORT[on30]}")
check_match "scan: 3.0 with encryption: aes-128-ccm (CAP_ENCRYPTION)" "$out" '"dialect":"3.0".*"encryption_ciphers":\["aes-128-ccm"\]'
out=$(scan "${PORT[off30]}")
check_match "scan: 3.0 with encryption off: none" "$out" '"dialect":"3.0".*"encryption_ciphers":\[\]'
exit 0
