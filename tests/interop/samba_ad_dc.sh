#!/bin/bash
# tests/interop/samba_ad_dc.sh - smbsign against a real Samba Active Directory
# domain controller, provisioned once by this test in its own network namespace
# (loopback only) and private folders (recipe: ../shared/lab/samba-ad-dc.md),
# plus a plain Samba smbd with `server signing = auto` on a high loopback port.
# The faults of issue 20, each with its negative twin:
#   1. GptTmpl.inf files written by `samba-tool gpo manage security set` itself
#      (ASCII, LF, no [Version]) are audited, with a note; Windows' UTF-16LE/CRLF
#      form of the same template still works (no note); a malformed template and
#      the DC's real smb.conf still exit 2 with FILE:LINE.
#   2. A DC profile's Default Domain Controllers Policy value is reported as
#      assumed-gpo, a value read from the GPO file as domain-gpo FILE:LINE.
#   3. The real SYSVOL path (longer than the old 127-character limit) is printed
#      whole, in text and JSON.
#   4. With `server signing = auto` on the DC and on plain Samba, a Windows 10+
#      profile signs \\*\SYSVOL and \\*\NETLOGON (hardened UNC paths) and nothing
#      else; a Windows 7 profile, --hardened-paths none or RequireIntegrity=0 do not.
#   5. `ls` prints the attributes the server returned, letter for letter what
#      smbclient prints (GPT.INI is N on the DC; N A R H S HR on plain Samba).
# Also the DC tier basics: scan (signing required by default), client with NTLM
# at every dialect to SYSVOL and NETLOGON (GPT.INI read back byte for byte), a
# wrong password refused.
# Skips (visibly, counting nothing) only when a DC cannot be provisioned here.
. "$(dirname "$0")/../lib.sh"

AD_DC_TEST=samba_ad_dc
. "$(dirname "$0")/ad_dc.inc"

CL() { nsx "$SMBSIGN" client "$@"; }
sess() { # SHARE ARGS... -> the session lines
    local sh=$1; shift
    CL "//127.0.0.1/$sh" -U "LAB\\alice%$UPASS" "$@" -c session 2>&1
}
val() { printf '%s\n' "$1" | awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }'; }

# ---------------------------------------------------------------- DC tier basics
out=$(nsx "$SMBSIGN" scan --json 127.0.0.1 2>&1)
check_match "scan: the DC requires signing (server signing = default)" "$out" '"security_mode":3,"signing":"required"'
check_match "scan: the DC is not a relay target" "$out" '"relay_target":false'
GPTINI=$SYSVOL/Policies/$DDP/GPT.INI
for sh in sysvol netlogon; do
    path=
    [ $sh = sysvol ] && path="lab.test/Policies/$DDP/GPT.INI"
    for d in 2.0.2 2.1 3.0 3.0.2 3.1.1; do
        rm -f "$B/got.ini"
        if [ $sh = sysvol ]; then
            out=$(CL "//127.0.0.1/$sh" -U "LAB\\alice%$UPASS" -m $d -c "session; get $path $B/got.ini" 2>&1)
        else
            out=$(CL "//127.0.0.1/$sh" -U "LAB\\alice%$UPASS" -m $d -c "session; ls" 2>&1)
        fi
        rc=$?
        check_eq "client NTLM $sh at $d: exit 0" "$rc" 0
        check_eq "client NTLM $sh at $d: dialect" "$(val "$out" dialect)" "$d"
        check_eq "client NTLM $sh at $d: signed (the DC requires it)" "$(val "$out" signing)" on
        check_eq "client NTLM $sh at $d: signing-reason" "$(val "$out" signing-reason)" server-required
        [ $sh = sysvol ] && check "client NTLM sysvol at $d: GPT.INI byte for byte" cmp "$GPTINI" "$B/got.ini"
    done
done
out=$(CL //127.0.0.1/sysvol -U "LAB\\alice%wrong-$UPASS" -c session 2>&1); rc=$?
check_eq "client wrong password: exit 1" "$rc" 1
check_match "client wrong password: LOGON_FAILURE" "$out" 'LOGON_FAILURE'

# ---------------------------------------------------------------- fault 5 on the DC
out=$(CL //127.0.0.1/sysvol -U "LAB\\alice%$UPASS" -c "ls lab.test/Policies/$DDP" 2>&1)
ref=$(SMBC //127.0.0.1/sysvol -U "LAB\\alice%$UPASS" -c "ls lab.test/Policies/$DDP/*" 2>&1)
check_match "smbclient shows GPT.INI as N (precondition)" "$ref" '^  GPT.INI +N +[0-9]'
check_match "ls: GPT.INI is N, as the DC returned it" "$out" '^  GPT.INI +N +[0-9]'
check_match "ls: MACHINE is D" "$out" '^  MACHINE +D +[0-9]'

# ---------------------------------------------------------------- fault 1: samba-tool's own templates
ST() { nsx samba-tool gpo manage security set "$@" -s "$CONF" -H ldap://127.0.0.1 -U "Administrator%$APASS"; }
TMPL=$SYSVOL/Policies/$DDP/MACHINE/Microsoft/Windows\ NT/SecEdit/GptTmpl.inf
DCTMPL=$SYSVOL/Policies/$DDCP/MACHINE/Microsoft/Windows\ NT/SecEdit/GptTmpl.inf
check "samba-tool gpo manage security set $DDP MaxTicketAge 10" ST "$DDP" MaxTicketAge 10
check "samba-tool gpo manage security set $DDCP MinimumPasswordLength 12" ST "$DDCP" MinimumPasswordLength 12
# preconditions: the file is what the issue describes, or this test tests nothing
check "samba-tool wrote $TMPL" test -s "$TMPL"
check_match "samba-tool's template: [Kerberos Policy] MaxTicketAge = 10" "$(cat "$TMPL")" '^MaxTicketAge = 10$'
check_nomatch "samba-tool's template: no [Version], no [Unicode]" "$(cat "$TMPL")" '^\[(Version|Unicode)\]'
check_eq "samba-tool's template: printable ASCII and LF only (no CR, no BOM)" \
    "$(LC_ALL=C tr -d '\n[:print:]' <"$TMPL" | wc -c | tr -d ' ')" 0

out=$("$SMBSIGN" audit --os server2022-dc --domain-gpo "$TMPL" 2>&1); rc=$?
check_eq "audit samba-tool template: exit 0" "$rc" 0
check_match "audit samba-tool template: note about [Version]" "$out" 'note: no \[Version\] section'
out=$("$SMBSIGN" audit --json --os server2022-dc --domain-gpo "$TMPL" 2>&1)
check_match "audit --json samba-tool template: notes" "$out" '"notes":\["no-version-section"\]'

# fault 2 on that file: it sets no signing value, the DC value is the profile's assumption
check_match "audit --json: server.require is assumed-gpo, not the file" "$out" \
    '"server":\{"require":\{"value":1,"source":"assumed-gpo","origin":"profile server2022-dc: Default Domain Controllers Policy","line":null\}'
out=$("$SMBSIGN" audit --os server2022-dc --domain-gpo "$TMPL")
check_match "audit text: server.require assumed-gpo (assumed by the profile)" "$out" \
    'server.require +1  assumed-gpo +profile server2022-dc: Default Domain Controllers Policy \(assumed'
check_nomatch "audit text: the file is not named as the source of server.require" "$out" 'server.require +1  domain-gpo'

# A [Registry Values] section, then samba-tool rewrites the file itself ("PATH = 4,1").
printf '[Registry Values]\nMACHINE\\System\\CurrentControlSet\\Services\\LanManServer\\Parameters\\RequireSecuritySignature=4,1\n' >>"$TMPL"
check "samba-tool rewrites the template (MaxRenewAge 7)" ST "$DDP" MaxRenewAge 7
check_match "samba-tool kept [Registry Values] in its own form (precondition)" "$(cat "$TMPL")" \
    '^MACHINE\\System\\CurrentControlSet\\Services\\LanManServer\\Parameters\\RequireSecuritySignature = 4,1$'
LINE=$(grep -n 'RequireSecuritySignature' "$TMPL" | cut -d: -f1)
LEN=${#TMPL}
check "SYSVOL template path is longer than 127 characters ($LEN) (precondition)" test "$LEN" -gt 127
out=$("$SMBSIGN" audit --os server2022 --domain-gpo "$TMPL" 2>&1); rc=$?
check_eq "audit samba-tool template with [Registry Values]: exit 0" "$rc" 0
# fault 3: the whole path and the line, in text and JSON
ends_with() { printf '%s\n' "$1" | awk -v w="$2" -v p="$3" 'index($0, p) == 1 && substr($0, length($0) - length(w) + 1) == w' | wc -l | tr -d ' '; }
check_eq "audit text: server.require 1 domain-gpo from the whole SYSVOL path:$LINE" \
    "$(ends_with "$out" "$TMPL:$LINE" "  server.require     1  domain-gpo    ")" 1
out=$("$SMBSIGN" audit --json --os server2022-dc --domain-gpo "$TMPL")
check "audit --json: origin is the whole path, line $LINE, source domain-gpo" /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])["server"]["require"]
assert d == {"value": 1, "source": "domain-gpo", "origin": sys.argv[2], "line": int(sys.argv[3])}, d' "$out" "$TMPL" "$LINE"
out=$("$SMBSIGN" audit --os server2022-dc --domain-gpo "$TMPL" --fail-on high 2>&1)
check_nomatch "audit DC with the GPO's value: findings name no truncated origin" "$out" 'SecEdit/GptTmpl:[0-9]'

# The Default Domain Controllers Policy switching signing off, written by samba-tool too.
printf '[Registry Values]\nMACHINE\\System\\CurrentControlSet\\Services\\LanManServer\\Parameters\\RequireSecuritySignature=4,0\n' >>"$DCTMPL"
check "samba-tool rewrites the DC template (MinimumPasswordLength 14)" ST "$DDCP" MinimumPasswordLength 14
out=$("$SMBSIGN" audit --os server2022-dc --domain-gpo "$DCTMPL" --fail-on high 2>&1); rc=$?
check_eq "audit DC policy with RequireSecuritySignature = 4,0: exit 1 (--fail-on high)" "$rc" 1
check_match "audit DC policy: server.require 0 domain-gpo" "$out" 'server.require +0  domain-gpo +.*GptTmpl.inf:[0-9]+$'
check_match "audit DC policy: dc-signing-not-required finding" "$out" 'dc-signing-not-required'

# Windows' form of the same template: UTF-16LE with BOM, CRLF, [Unicode] and [Version]
{ printf '\xff\xfe'; { printf '[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature="$CHICAGO$"\r\nRevision=1\r\n'
    sed 's/$/\r/' "$TMPL"; } | iconv -f ASCII -t UTF-16LE; } >"$B/GptTmpl.utf16.inf"
out=$("$SMBSIGN" audit --os server2022 --domain-gpo "$B/GptTmpl.utf16.inf" 2>&1); rc=$?
check_eq "audit Windows UTF-16LE/CRLF form: exit 0" "$rc" 0
check_match "audit Windows form: same value, line shifted by the 5 header lines" "$out" \
    "server.require +1  domain-gpo +$B/GptTmpl.utf16.inf:$((LINE + 5))\$"
check_nomatch "audit Windows form: no [Version] note" "$out" 'no \[Version\]'

# negative twins: a truly malformed template, the DC's own smb.conf
sed 's/RequireSecuritySignature = 4,1/RequireSecuritySignature = 4,one/' "$TMPL" >"$B/broken.inf"
err=$("$SMBSIGN" audit --domain-gpo "$B/broken.inf" 2>&1 >/dev/null); rc=$?
check_eq "audit malformed template: exit 2" "$rc" 2
check_match "audit malformed template: FILE:LINE and the cause" "$err" "broken.inf:$LINE: bad DWORD data 'one'"
printf 'MaxTicketAge = 10\n[Kerberos Policy]\n' >"$B/nosection.inf"
err=$("$SMBSIGN" audit --domain-gpo "$B/nosection.inf" 2>&1 >/dev/null); rc=$?
check_eq "audit text before any section: exit 2" "$rc" 2
check_match "audit text before any section: FILE:1" "$err" 'nosection.inf:1: (unrecognised format|text before)'
err=$("$SMBSIGN" audit "$CONF" 2>&1 >/dev/null); rc=$?
check_eq "audit the DC's smb.conf as a template: exit 2" "$rc" 2
check_match "audit the DC's smb.conf: FILE:LINE, not a security template" "$err" 'smb.conf:[0-9]+: '
sed '/^#/d' "$CONF" >"$B/smb.conf.nocomment"
err=$("$SMBSIGN" audit --domain-gpo "$B/smb.conf.nocomment" 2>&1 >/dev/null); rc=$?
check_eq "audit the DC's smb.conf from [global] on: exit 2" "$rc" 2
check_match "audit the DC's smb.conf from [global] on: not a security template" "$err" \
    'smb.conf.nocomment:1: no \[Version\] and no security template section \(\[global\]'

# ---------------------------------------------------------------- fault 4: hardened paths, DC with signing auto
ns_stop_all
sed -i 's/^\[global\]$/[global]\n\tserver signing = auto/' "$CONF"
printf '\n[data]\n\tpath = %s\n\tread only = yes\n' "$B/data" >>"$CONF"
echo hello >"$B/data/readme.txt"
if ! dc_start auto; then
    not_ok "DC restarted with server signing = auto (log: samba.auto.out)"
    sed 's/^/#   /' "$B/log/samba.auto.out" | tail -15
    exit 1
fi
out=$(sess netlogon --signing enabled)
check_eq "DC with server signing = auto advertises 0x01 (precondition)" "$(val "$out" server-security-mode)" 0x01
check_eq "DC auto, --signing enabled, no profile: NETLOGON unsigned (precondition)" "$(val "$out" signing)" off
for sh in sysvol netlogon; do
    SH=$(echo $sh | tr a-z A-Z)
    for d in 2.0.2 3.1.1; do
        out=$(sess $sh --profile win10 -m $d)
        check_eq "DC auto, win10, $SH at $d: signed" "$(val "$out" signing)" on
        check_eq "DC auto, win10, $SH at $d: signing-reason" "$(val "$out" signing-reason)" "hardened-path \\\\*\\$SH"
        check_eq "DC auto, win10, $SH at $d: mutual authentication reported" "$(val "$out" mutual-authentication)" \
            required-not-enforced
        n=$(val "$out" responses-verified)
        check "DC auto, win10, $SH at $d: responses verified ($n)" test "${n:-0}" -gt 0
    done
    out=$(sess $sh --profile win11-24h2)
    check_eq "DC auto, win11-24h2, $SH: signed" "$(val "$out" signing)" on
    out=$(sess $sh --profile win7)
    check_eq "DC auto, win7 (before Windows 10), $SH: not signed" "$(val "$out" signing)" off
    check_eq "DC auto, win7, $SH: hardened-path none" "$(val "$out" hardened-path)" none
    # (at 3.1.1 TREE_CONNECT is signed whatever the level, MS-SMB2 3.2.4.1.1; 2.1 signs nothing)
    out=$(sess $sh --profile win7 -m 2.1)
    check_eq "DC auto, win7 at 2.1, $SH: no request signed" "$(val "$out" requests-signed)" 0
    out=$(sess $sh --profile win10 -m 2.1)
    n=$(val "$out" requests-signed)
    check "DC auto, win10 at 2.1, $SH: requests signed ($n)" test "${n:-0}" -gt 0
    out=$(sess $sh --profile win10 --hardened-paths none)
    check_eq "DC auto, win10 --hardened-paths none, $SH: not signed" "$(val "$out" signing)" off
done
out=$(sess data --profile win10)
check_eq "DC auto, win10, a share that is not hardened: not signed" "$(val "$out" signing)" off
check_eq "DC auto, win10, data: signing-reason not-required" "$(val "$out" signing-reason)" not-required
out=$(sess sysvol --profile win10 --hardened-paths '\\*\NETLOGON')
check_eq "DC auto, --hardened-paths \\\\*\\NETLOGON: SYSVOL not signed" "$(val "$out" signing)" off
out=$(sess netlogon --profile win10 --hardened-paths '\\*\NETLOGON')
check_eq "DC auto, --hardened-paths \\\\*\\NETLOGON: NETLOGON signed" "$(val "$out" signing)" on
out=$(sess data --signing disabled --hardened-paths '\\127.0.0.1\*=RequireIntegrity=1')
check_eq "DC auto, --signing disabled + \\\\127.0.0.1\\* RequireIntegrity=1: data signed" "$(val "$out" signing)" on
check_eq "DC auto, server-wide pattern: client level raised by the hardened path" \
    "$(val "$out" client-level-source)" hardened-path
out=$(sess sysvol --profile win10 --hardened-paths '\\*\SYSVOL=RequireMutualAuthentication=1,RequireIntegrity=0')
check_eq "DC auto, \\\\*\\SYSVOL RequireIntegrity=0: not signed" "$(val "$out" signing)" off
check_eq "DC auto, RequireIntegrity=0: the path still matched" "$(val "$out" hardened-path)" '\\*\SYSVOL'
out=$(CL //127.0.0.1/sysvol -U "LAB\\alice%$UPASS" --hardened-paths '\\*\SYSVOL=RequireIntegrity=2' -c session 2>&1)
rc=$?
check_eq "--hardened-paths with a bad value: exit 2" "$rc" 2
check_match "--hardened-paths with a bad value: names the entry" "$out" 'entry 1: RequireIntegrity wants 0 or 1'
# the SMB1-free DC: the same rule holds for a file transfer, verified end to end
rm -f "$B/got.ini"
out=$(CL //127.0.0.1/sysvol -U "LAB\\alice%$UPASS" --profile win10 -c "get lab.test/Policies/$DDP/GPT.INI $B/got.ini; session" 2>&1)
check "DC auto, win10: GPT.INI read over a hardened, signed session" cmp "$GPTINI" "$B/got.ini"
ns_stop_all

# ---------------------------------------------------------------- plain Samba, server signing = auto
test_unix_user smbsigndc || { not_ok "a unix user of this run for plain Samba"; exit 1; }
USERNAME=$TEST_USER
P=$(free_port) || { not_ok "free port for plain Samba"; exit 1; }
S=$B/plain
mkdir -p "$S/sysvol" "$S/netlogon" "$S/share"
chmod 777 "$S/sysvol" "$S/netlogon" "$S/share"
SAMBA_SHARE=$S/share samba_conf "$S" "$P" "  server signing = auto
  server min protocol = SMB2_02
  store dos attributes = yes
[SYSVOL]
  path = $S/sysvol
  read only = no
[NETLOGON]
  path = $S/netlogon
  read only = no"
samba_user "$S" "$USERNAME" "$UPASS"
samba_start "$S"
track_pid "$SAMBA_PID"
wait_port 127.0.0.1 "$P" 20 || { not_ok "plain smbd started"; exit 1; }
PL() { "$SMBSIGN" client "//127.0.0.1:$P/$1" -U "$USERNAME%$UPASS" "${@:2}" 2>&1; }
for sh in SYSVOL NETLOGON; do
    out=$(PL $sh --profile win10 -c session)
    check_eq "plain Samba auto, win10, $sh: signed" "$(val "$out" signing)" on
    check_eq "plain Samba auto, win10, $sh: signing-reason" "$(val "$out" signing-reason)" "hardened-path \\\\*\\$sh"
    out=$(PL $sh --profile win7 -c session)
    check_eq "plain Samba auto, win7, $sh: not signed" "$(val "$out" signing)" off
done
out=$(PL share --profile win10 -c session)
check_eq "plain Samba auto, win10, share: not signed" "$(val "$out" signing)" off

# fault 5: attributes set through smbclient, listed by both clients
SC() { smbclient -s "$S/smb.conf" "//127.0.0.1/share" -p "$P" -U "$USERNAME%$UPASS" -c "$1" 2>&1; }
echo x >"$B/f"
for f in f_n f_a f_r f_h f_s f_hr; do SC "put $B/f $f" >/dev/null; done
SC 'setmode f_n -a' >/dev/null
SC 'setmode f_a +a' >/dev/null
SC 'setmode f_r -a; setmode f_r +r' >/dev/null
SC 'setmode f_h -a; setmode f_h +h' >/dev/null
SC 'setmode f_s -a; setmode f_s +s' >/dev/null
SC 'setmode f_hr -a; setmode f_hr +hr' >/dev/null
ref=$(SC 'ls')
ours=$(PL share -c ls)
declare -A want=([f_n]=N [f_a]=A [f_r]=R [f_h]=H [f_s]=S [f_hr]=HR)
for f in f_n f_a f_r f_h f_s f_hr; do
    r=$(printf '%s\n' "$ref" | awk -v f=$f '$1 == f { print $2 }')
    o=$(printf '%s\n' "$ours" | awk -v f=$f '$1 == f { print $2 }')
    check_eq "smbclient shows $f as ${want[$f]} (precondition)" "$r" "${want[$f]}"
    check_eq "ls: $f shows smbclient's letters" "$o" "$r"
done
n=$(printf '%s\n' "$ours" | awk '$1 ~ /^f_/ { print $2 }' | sort -u | wc -l)
check "ls: attributes differ per file ($n distinct, not one letter for all)" test "$n" -ge 5
