#!/bin/bash
# serve_samba_conf.sh - `smbsign serve` reads a config written the way Samba
# administrators write smb.conf (issue 15): indented parameters, backslash
# continuations, Samba's `server signing` words and `server smb3 signing
# algorithms` list; testparm accepts the same file (so the words are Samba's),
# and `smbsign audit --smb-conf` reads it too. Twins: a word or an algorithm
# Samba does not know is refused with FILE:LINE.
. "$(dirname "$0")/../lib.sh"
T=$(mk_tmpdir)
mkdir -p "$T/share"
printf 'pw-12345\n' | "$SMBSIGN" passwd -f "$T/users" --password-stdin alice >/dev/null
cat >"$T/s.conf" <<EOC
[global]
	server signing = mandatory
  server smb3 signing algorithms = AES-128-CMAC, \\
      HMAC-SHA256
  server min protocol = SMB2_10
[share]
  path = $T/share
EOC
out=$("$SMBSIGN" serve -c "$T/s.conf" --users "$T/users" --check 2>&1); rc=$?
check_eq "serve --check accepts an indented smb.conf-style file with a continuation (exit 0)" "$rc" 0
check_match "the continued algorithm list is read whole" "$out" "aes-cmac.*hmac-sha256|AES-128-CMAC.*HMAC-SHA256"
check_match "server signing = mandatory is required signing" "$out" "required"
if command -v testparm >/dev/null; then
    check "testparm -s accepts the same file" testparm -s "$T/s.conf"
else
    not_ok "testparm is installed (samba-common-bin, scripts/deps.sh)"
fi
out=$("$SMBSIGN" audit --smb-conf "$T/s.conf" 2>&1)
check_match "audit --smb-conf reads server.require = 1 from it" "$out" "server.require +1 +smb.conf"
for w in if_required desired default; do
    sed "s/= mandatory/= $w/" "$T/s.conf" >"$T/w.conf"
    check_exit 0 "server signing = $w is accepted" "$SMBSIGN" serve -c "$T/w.conf" --users "$T/users" --check --quiet
done
# twins
sed 's/= mandatory/= sometimes/' "$T/s.conf" >"$T/bad1.conf"
out=$("$SMBSIGN" serve -c "$T/bad1.conf" --users "$T/users" --check 2>&1); rc=$?
check_eq "server signing = sometimes: exit 2" "$rc" 2
check_match "... with FILE:LINE" "$out" "bad1.conf:2"
sed 's/AES-128-CMAC/AES-256-GMAC/' "$T/s.conf" >"$T/bad2.conf"
out=$("$SMBSIGN" serve -c "$T/bad2.conf" --users "$T/users" --check 2>&1); rc=$?
check_eq "an algorithm Samba does not have: exit 2" "$rc" 2
check_match "... with FILE:LINE of the logical line" "$out" "bad2.conf:3"
exit 0
