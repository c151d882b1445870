#!/bin/bash
# tests/cli/policy_smbconf.sh - smbsign audit --smb-conf: Samba smb.conf as an audit input.
# Every accepted sample is first proven valid by Samba's own `testparm -s`; every value we read is
# compared with `testparm -s --parameter-name` (global and per share); the rejected samples are
# rejected by testparm too (negative twins). Findings each have a positive and a negative sample.
. "$(dirname "$0")/../lib.sh"
export NO_COLOR=1
C=$ROOT/tests/data/policy/smbconf
T=$(mk_tmpdir)
cp -r "$C"/. "$T/"
TESTPARM=$(command -v testparm)
if [ -z "$TESTPARM" ]; then not_ok "testparm (samba-common-bin) is installed"; exit 1; fi

tp() { (cd "$T" && "$TESTPARM" -s "$@" 2>/dev/null); }
aj() { (cd "$T" && "$SMBSIGN" audit --json --smb-conf "$@"); }

# 1. Samba's defaults as testparm -s -v prints them = ours (an empty [global])
printf '[global]\n' >"$T/empty.conf"
json=$(aj empty.conf)
for p in "server signing" "client signing" "client ipc signing" "server smb encrypt" "client smb encrypt" \
    "server smb3 signing algorithms" "client smb3 signing algorithms" "server smb3 encryption algorithms" \
    "client smb3 encryption algorithms" "server min protocol" "server role" "map to guest" "guest ok" "ntlm auth"; do
    want=$(tp -v --parameter-name="$p" empty.conf)
    got=$(/usr/bin/python3 -c 'import json,sys; v=json.load(sys.stdin)["smb_conf"]["global"][sys.argv[1]]; assert v["default"]; print(v["value"])' "$p" <<<"$json")
    check_eq "default of '$p' matches testparm -v" "$got" "$want"
done

# 2. accepted samples: testparm accepts them, and every parameter we report equals testparm's reading
for f in member.conf hardened.conf dc.conf dc_default.conf legacy.conf; do
    check "testparm accepts $f" bash -c "cd '$T' && '$TESTPARM' -s '$f' >/dev/null 2>&1"
    json=$(aj "$f"); rc=$?
    check_eq "audit --smb-conf $f exits 0" "$rc" 0
    bad=""
    while IFS=$'\t' read -r sec name ours; do
        if [ "$sec" = global ]; then theirs=$(tp --parameter-name="$name" "$f")
        else theirs=$(tp --section-name="$sec" --parameter-name="$name" "$f"); fi
        [ "$ours" = "$theirs" ] || bad="$bad [$sec] $name: ours '$ours' testparm '$theirs';"
    done < <(/usr/bin/python3 -c 'import json,sys
d=json.load(sys.stdin)["smb_conf"]
for k,v in d["global"].items(): print("global\t%s\t%s" % (k, v["value"]))
for s in d["shares"]:
    for k in ("guest ok","server smb encrypt"): print("%s\t%s\t%s" % (s["name"], k, s[k]["value"]))' <<<"$json")
    check_eq "$f: every value matches testparm --parameter-name" "$bad" ""
done

# 3. negative twins: values testparm refuses ("Error loading services") are errors with file:line
for f in bad_value.conf bad_role.conf bad_encrypt.conf; do
    check_exit 1 "testparm rejects $f" bash -c "cd '$T' && '$TESTPARM' -s '$f'"
    err=$(cd "$T" && "$SMBSIGN" audit --smb-conf "$f" 2>&1 >/dev/null); rc=$?
    check_eq "audit --smb-conf $f exits 2" "$rc" 2
    check_match "audit --smb-conf $f names file:line" "$err" "$f:[0-9]+: .*not a value Samba accepts"
done
err=$(cd "$T" && "$SMBSIGN" audit --smb-conf missing_include.conf 2>&1 >/dev/null); rc=$?
check_eq "missing include is an error (the effective config is unknown)" "$rc" 2
check_match "missing include names the include" "$err" 'missing_include.conf:2: include = .*inc/does-not-exist.conf'
printf '[global]\ninclude = loop.conf\n' >"$T/loop.conf"
check_exit 2 "include loop is refused" bash -c "cd '$T' && '$SMBSIGN' audit --smb-conf loop.conf"
check_exit 2 "audit --smb-conf missing file" "$SMBSIGN" audit --smb-conf "$T/nope.conf"

# 4. sources: smb.conf:LINE, includes relative to the including file, continuation lines
json=$("$SMBSIGN" audit --json --smb-conf "$T/member.conf")
check_match "server.require from smb.conf line 8" "$json" \
    '"server":\{"require":\{"value":0,"source":"smb.conf","origin":"[^"]*member.conf","line":8\}'
check_match "include followed relative to the file (guest ok from inc/shares.conf:4)" "$json" \
    '"name":"public","line":2,"guest ok":\{"value":"Yes","default":false,"origin":"[^"]*/inc/shares.conf","line":4\}'
check_match "continued line joined" "$json" \
    '"server smb3 signing algorithms":\{"value":"AES-128-GMAC, AES-128-CMAC, HMAC-SHA256","default":false,"origin":"[^"]*member.conf","line":11\}'
check_match "desired encryption -> EncryptData 1, RejectUnencryptedAccess 0" "$json" \
    '"encrypt_data":\{"value":1,"source":"smb.conf"[^}]*\},"reject_unencrypted_access":\{"value":0'
check_match "os defaults to samba" "$json" '"os":"samba"'

# 5. findings, each with its twin
fid() { /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted({f["id"] for f in json.load(sys.stdin)["findings"]})))'; }
ids_member=$(aj member.conf | fid); ids_hard=$(aj hardened.conf | fid)
ids_dc=$(aj dc.conf | fid); ids_dcdef=$(aj dc_default.conf | fid); ids_legacy=$(aj legacy.conf | fid)
check_match "relay-target: server signing = auto" "$ids_member" '(^| )relay-target( |$)'
check_nomatch "no relay-target: server signing = mandatory" "$ids_hard" '(^| )relay-target( |$)'
check_match "dc-signing-not-required: AD DC with server signing = disabled" "$ids_dc" 'dc-signing-not-required'
check_nomatch "no dc-signing-not-required: AD DC with the default (required)" "$ids_dcdef" 'dc-signing-not-required'
check_match "AD DC default: server.require 1 from the samba-dc profile" "$(aj dc_default.conf)" \
    '"os":"samba-dc".*"server":\{"require":\{"value":1,"source":"default"'
check_match "guest-access-with-signing: guest ok share" "$ids_member" 'guest-access-with-signing'
check_match "guest-access-with-signing: public = yes (alias)" "$ids_legacy" 'guest-access-with-signing'
check_nomatch "no guest-access-with-signing: guest ok = no, map to guest = never" "$ids_hard" 'guest-access'
check_match "smb1-enabled: server min protocol = NT1" "$ids_legacy" 'smb1-enabled'
check_nomatch "no smb1-enabled: SMB3_00" "$ids_hard" 'smb1-enabled'
check_match "ntlm-allowed: ntlm auth = yes" "$ids_legacy" 'ntlm-allowed'
check_nomatch "no ntlm-allowed: ntlm auth = disabled" "$ids_hard" 'ntlm-allowed'
check_match "encryption-not-required: desired" "$ids_member" 'encryption-not-required'
check_nomatch "no encryption-not-required: required" "$ids_hard" 'encryption-not-required'
check_exit 1 "--fail-on high: member.conf" bash -c "cd '$T' && '$SMBSIGN' audit --smb-conf member.conf --fail-on high"
check_exit 0 "--fail-on high: hardened.conf" bash -c "cd '$T' && '$SMBSIGN' audit --smb-conf hardened.conf --fail-on high"
out=$(cd "$T" && "$SMBSIGN" audit --smb-conf legacy.conf)
check_match "text: smb.conf section with file:line" "$out" 'server min protocol += NT1 +legacy.conf:2'
check_match "text: SMB1 peers predicted once SMB1 is on" "$out" 'as server <- winxp +smb1'
check_exit 0 "audit --help mentions --smb-conf" bash -c "'$SMBSIGN' audit --help | grep -q -- --smb-conf"

# 6. our own server's config (inih, inline '; comments') is read as well; the same file drives serve
cat >"$T/serve.conf" <<CONF
[global]
listen = 127.0.0.1:4999
server signing = mandatory   ; Samba words
signing algorithms = aes-cmac, hmac-sha256
guest ok = no
[data]
path = $T
read only = yes
CONF
json=$("$SMBSIGN" audit --json --smb-conf "$T/serve.conf"); rc=$?
check_eq "audit --smb-conf reads a serve config" "$rc" 0
check_match "serve config: server signing mandatory -> required (line 3)" "$json" \
    '"server":\{"require":\{"value":1,"source":"smb.conf","origin":"[^"]*serve.conf","line":3\}'
sed -i 's/mandatory/auto/' "$T/serve.conf"
check_match "serve config twin: auto -> relay-target" "$("$SMBSIGN" audit --json --smb-conf "$T/serve.conf")" '"id":"relay-target"'
check_match "serve agrees: auto = enabled" "$("$SMBSIGN" serve -c "$T/serve.conf" --check-config 2>&1)" 'effective server signing: enabled'
exit 0
