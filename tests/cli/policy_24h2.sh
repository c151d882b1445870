#!/bin/bash
# tests/cli/policy_24h2.sh - policy engine part two through the CLI: guest / anonymous sessions,
# MS15-011 hardened paths and SMB 3 encryption in `smbsign policy`, and the 24H2 / Server 2025
# settings and hardened paths in `smbsign audit` (.reg UTF-8 and UTF-16, PowerShell text and JSON).
# Every outcome and finding is checked with a positive and a negative case.
. "$(dirname "$0")/../lib.sh"
export NO_COLOR=1
D=$ROOT/tests/data/policy
pj() { "$SMBSIGN" policy "$@" --json; }
field() { /usr/bin/python3 -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k] if d is not None else None
print("null" if d is None else d)' "$1"; }

# guest sessions: "after the 24H2 update my NAS stopped working"
out=$(pj --client win11-24h2 --server samba,guest=1)
check_eq "24H2 Pro vs guest-only NAS: fails" "$(field outcome <<<"$out")" fails
check_eq "  at session-setup" "$(field fails_at <<<"$out")" session-setup
check_eq "  with 0x80070035" "$(field error_code <<<"$out")" 0x80070035
check_eq "  and event 31017" "$(field event <<<"$out")" 31017
check_eq "  server.session is guest" "$(field server.session <<<"$out")" guest
out=$(pj --client win11-24h2-home,require=1 --server samba,guest=1)
check_eq "24H2 Home with require=1 (guest allowed, signing required): STATUS_INVALID_SIGNATURE" "$(field error <<<"$out")" STATUS_INVALID_SIGNATURE
check_eq "  error code 0xc000a000" "$(field error_code <<<"$out")" 0xc000a000
out=$(pj --client win11-24h2-home --server samba,guest=1)
check_eq "twin: Home as shipped (signing not required) connects as guest, not signed" "$(field outcome <<<"$out")" not-signed
out=$(pj --client win11-24h2 --server samba)
check_eq "twin: 24H2 vs the same NAS with a user session: signed" "$(field outcome <<<"$out")" signed
check_eq "  server.session is user" "$(field server.session <<<"$out")" user
out=$(pj --client win11-24h2,insecure_guest=1 --server samba,anonymous=1)
check_eq "anonymous session with a signing client fails" "$(field error <<<"$out")" STATUS_INVALID_SIGNATURE
check_eq "win10 Pro vs guest NAS: not signed" "$(pj --client win10 --server samba,guest=1 | field outcome)" not-signed
check_match "insecure-guest-logons finding for win10 Pro" "$(pj --client win10 --server samba,guest=1)" '"id":"insecure-guest-logons"'
check_nomatch "no insecure-guest-logons for 24H2 Pro" "$(pj --client win11-24h2 --server samba)" '"id":"insecure-guest-logons"'
check_exit 2 "guest= on the client is a usage error" "$SMBSIGN" policy --client win10,guest=1 --server samba
check_exit 2 "guest=1 and anonymous=1 exclude each other" "$SMBSIGN" policy --client win10 --server samba,guest=1,anonymous=1
check_exit 2 "insecure_guest= on the server is a usage error" "$SMBSIGN" policy --client win10 --server samba,insecure_guest=1
check_exit 2 "insecure_guest=2 is a usage error" "$SMBSIGN" policy --client win10,insecure_guest=2 --server samba

# hardened UNC paths: "why does SYSVOL get signed when the client doesn't require signing"
out=$(pj --client win10 --server server2022 --path '\\dc1\SYSVOL')
check_eq "win10 -> \\\\dc1\\SYSVOL: signed (MS15-011 default)" "$(field outcome <<<"$out")" signed
check_eq "  client level required for the path" "$(field client.level <<<"$out")" required
check_eq "  configured level stays enabled" "$(field client.configured_level <<<"$out")" enabled
check_eq "  path_hardening.path" "$(field client.path_hardening.path <<<"$out")" '\\*\SYSVOL'
check_eq "  path_hardening.require_integrity" "$(field client.path_hardening.require_integrity <<<"$out")" 1
check_eq "  path_hardening.source" "$(field client.path_hardening.source <<<"$out")" default
out=$(pj --client win10 --server server2022 --path '\\dc1\data')
check_eq "twin: win10 -> \\\\dc1\\data: not signed" "$(field outcome <<<"$out")" not-signed
check_eq "  path_hardening null" "$(field client.path_hardening <<<"$out")" null
check_eq "win7 -> SYSVOL: no default hardening, not signed" "$(pj --client win7 --server server2022 --path '\\dc1\SYSVOL' | field outcome)" not-signed
check_match "text names the hardened path" "$("$SMBSIGN" policy --client win10 --server server2022 --path '\\dc1\NETLOGON')" 'hardened by \\\\\*\\NETLOGON RequireIntegrity=1'
check_exit 2 "--path must be UNC" "$SMBSIGN" policy --client win10 --server server2022 --path 'dc1/SYSVOL'
check_exit 2 "--path needs a share" "$SMBSIGN" policy --client win10 --server server2022 --path '\\dc1'

# encryption
out=$(pj --client win11-24h2 --server server2025,encrypt_data=1)
check_eq "server EncryptData=1 with a 3.1.1 client: encrypted" "$(field outcome <<<"$out")" encrypted
check_eq "  encryption required (RejectUnencryptedAccess default 1)" "$(field encryption <<<"$out")" required
out=$(pj --client win7 --server server2025,encrypt_data=1)
check_eq "2.1 client vs server requiring encryption: fails at tree-connect" "$(field fails_at <<<"$out")" tree-connect
check_eq "  with STATUS_ACCESS_DENIED" "$(field error <<<"$out")" STATUS_ACCESS_DENIED
check_eq "twin: reject_unencrypted=0 lets the 2.1 client in" "$(pj --client win7 --server server2025,encrypt_data=1,reject_unencrypted=0 | field outcome)" not-signed
check_eq "  encryption desired" "$(pj --client win7 --server server2025,encrypt_data=1,reject_unencrypted=0 | field encryption)" desired
check_eq "client require_encryption=1 vs 3.1.1 server: encrypted" "$(pj --client win11-24h2,require_encryption=1 --server server2022 | field outcome)" encrypted
check_eq "client require_encryption=1 vs Vista-era server: fails" "$(pj --client win11-24h2,require_encryption=1 --server server2008 | field outcome)" fails
check_eq "no encryption demand: encryption none" "$(pj --client win11-24h2 --server server2022 | field encryption)" none
check_match "text shows the encryption demand" "$("$SMBSIGN" policy --client win11-24h2 --server server2025,encrypt_data=1)" 'Encryption required'

# audit: the 24H2 settings and hardened paths from every format
for f in win11_24h2_client.utf8.reg win11_24h2_client.utf16.reg; do
    out=$("$SMBSIGN" audit --json --os win11-24h2 --role client "$D/$f")
    check_eq "$f: enable_insecure_guest_logons 1" "$(field client.enable_insecure_guest_logons.value <<<"$out")" 1
    check_eq "$f: its line" "$(field client.enable_insecure_guest_logons.line <<<"$out")" 6
    check_eq "$f: hardened_paths[0].path" "$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["client"]["hardened_paths"][0]["path"])' <<<"$out")" '\\*\SYSVOL'
    check_match "$f: unc-hardening-missing" "$out" '"id":"unc-hardening-missing","severity":"high"'
    check_match "$f: insecure-guest-logons" "$out" '"id":"insecure-guest-logons"'
    check_match "$f: signing-audit-off (client does not require signing)" "$out" '"id":"signing-audit-off"'
    check_match "$f: ntlm-allowed" "$out" '"id":"ntlm-allowed"'
done
out=$("$SMBSIGN" audit --json --os win11-24h2 --role client "$D/win11_24h2_hardened.utf8.reg")
for id in unc-hardening-missing insecure-guest-logons signing-audit-off ntlm-allowed; do
    check_nomatch "twin (hardened client): no $id" "$out" "\"id\":\"$id\""
done
check_eq "hardened client: block_ntlm 1 from registry" "$(field client.block_ntlm.source <<<"$out")" registry
out=$("$SMBSIGN" audit --json --os server2025 --role server "$D/server2025.utf16.reg")
check_match "server2025 .reg: smb1-enabled" "$out" '"id":"smb1-enabled"'
check_match "server2025 .reg: encryption-not-required" "$out" '"id":"encryption-not-required"'
check_eq "server2025 .reg: enable_smb1_protocol line 7" "$(field server.enable_smb1_protocol.line <<<"$out")" 7
out=$("$SMBSIGN" audit --json --os server2025 --role server "$D/ps_server_2025.json")
check_nomatch "twin (PowerShell JSON, SMB1 off, encryption on): no smb1-enabled" "$out" '"id":"smb1-enabled"'
check_nomatch "twin: no encryption-not-required" "$out" '"id":"encryption-not-required"'
check_eq "PowerShell JSON: encrypt_data from registry" "$(field server.encrypt_data.source <<<"$out")" registry
for f in ps_client_24h2.txt ps_client_24h2.utf16.txt; do
    out=$("$SMBSIGN" audit --json --os win11-24h2 --role client "$D/$f")
    check_eq "$f: require_encryption 0 line 15" "$(field client.require_encryption.value <<<"$out")/$(field client.require_encryption.line <<<"$out")" 0/15
done
out=$("$SMBSIGN" audit --os win11-24h2 --role client "$D/win11_24h2_client.utf8.reg")
check_match "audit text: hardened paths section" "$out" 'Hardened UNC paths'
check_match "audit text: 24H2 values with their registry names" "$out" 'client.insecure_guest_logons +1 +registry .*win11_24h2_client.utf8.reg:6 +\(AllowInsecureGuestAuth\)'
for f in gpttmpl_24h2.utf8.inf gpttmpl_24h2.utf16.inf; do
    out=$("$SMBSIGN" audit --json --os win11-24h2 --domain-gpo "$D/$f")
    check_eq "$f: insecure guest logons 0 from the domain GPO, line 8" "$(field client.enable_insecure_guest_logons.source <<<"$out")/$(field client.enable_insecure_guest_logons.line <<<"$out")" domain-gpo/8
    check_eq "$f: hardened paths from [Registry Values]" "$(/usr/bin/python3 -c 'import json,sys; print(" ".join("%s=%s@%s" % (h["path"], h["require_integrity"], h["line"]) for h in json.load(sys.stdin)["client"]["hardened_paths"]))' <<<"$out")" '\\*\SYSVOL=1@15 \\*\NETLOGON=0@16'
    check_match "$f: unc-hardening-missing names NETLOGON" "$out" '"id":"unc-hardening-missing"[^}]*"detail":"[^"]*NETLOGON: Require'
    check_nomatch "$f: no unc-hardening-missing for SYSVOL (hardened)" "$out" '"detail":"[^"]*SYSVOL: Require'
    check_eq "$f: encrypt_data 1" "$(field server.encrypt_data.value <<<"$out")" 1
done
err=$("$SMBSIGN" audit "$D/bad_hardened.inf" 2>&1 >/dev/null); rc=$?
check_eq "bad_hardened.inf (a DWORD path value): exit 2" "$rc" 2
check_match "bad_hardened.inf: file:line and cause" "$err" 'bad_hardened.inf:4: hardened path .*REG_SZ'
err=$("$SMBSIGN" audit "$D/bad_hardened.reg" 2>&1 >/dev/null); rc=$?
check_eq "bad HardenedPaths flags: exit 2" "$rc" 2
check_match "bad HardenedPaths flags: file:line" "$err" 'bad_hardened.reg:4: hardened path flags'
exit 0
