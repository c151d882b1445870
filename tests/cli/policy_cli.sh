#!/bin/bash
# tests/cli/policy_cli.sh - contracts of the policy verbs: matrix, policy, profiles, audit.
# Golden snapshots live in tests/data/golden/. After an intended change, regenerate them with
#   UPDATE_GOLDEN=1 tests/run.sh tests/cli/policy_cli.sh --tier cli
# and review the diff (git diff tests/data/golden) before committing.
. "$(dirname "$0")/../lib.sh"
export NO_COLOR=1
G=$ROOT/tests/data/golden
D=$ROOT/tests/data/policy
T=$(mk_tmpdir)

golden() { # golden NAME CMD...
    local name=$1; shift
    "$@" >"$T/$name" 2>"$T/$name.err"
    local rc=$?
    if [ -n "$UPDATE_GOLDEN" ]; then cp "$T/$name" "$G/$name"; fi
    if [ $rc -ne 0 ]; then not_ok "golden $name (exit $rc)"; sed 's/^/#   /' "$T/$name.err" | head; return; fi
    if diff -u "$G/$name" "$T/$name" >"$T/$name.diff"; then ok "golden $name"; else
        not_ok "golden $name differs (UPDATE_GOLDEN=1 to regenerate)"; sed 's/^/#   /' "$T/$name.diff" | head -30; fi
}

golden matrix.txt "$SMBSIGN" matrix
golden matrix.json.txt "$SMBSIGN" matrix --json
golden profiles.txt "$SMBSIGN" profiles
golden profiles.json.txt "$SMBSIGN" profiles --json

# matrix: JSON Lines, one object per family, valid JSON, the documented cells
out=$("$SMBSIGN" matrix --json)
check_eq "matrix --json has 3 lines" "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 3
check "matrix --json lines parse" /usr/bin/python3 -c 'import json,sys
for l in sys.stdin: json.loads(l)' <<<"$out"
check_match "matrix legacy required/disabled fails at negotiate" "$out" \
    '"client":"required","server":"disabled","outcome":"fails","error":"ERROR_LOGIN_WKSTA_RESTRICTION","fails_at":"negotiate"'
check_match "matrix legacy disabled/required fails at tree-connect" "$out" \
    '"client":"disabled","server":"required","outcome":"fails","error":"STATUS_ACCESS_DENIED","fails_at":"tree-connect"'
check_match "matrix smb2 levels are required/not-required" "$(printf '%s\n' "$out" | head -1)" \
    '"client":"not-required","server":"not-required","outcome":"not-signed","error":null,"fails_at":null'
check_eq "matrix --family smb1 prints one family" "$("$SMBSIGN" matrix --family smb1 --json | wc -l | tr -d ' ')" 1
check_exit 2 "matrix --family bogus is a usage error" "$SMBSIGN" matrix --family smb4
check_exit 2 "matrix stray argument" "$SMBSIGN" matrix extra
check_exit 0 "matrix --help" "$SMBSIGN" matrix --help
check_match "run-main.sh sees no --live in matrix --help" "$("$SMBSIGN" matrix --help)" '--family'

# policy: KB887429 scenarios through profiles and overrides
pj() { "$SMBSIGN" policy "$@" --json; }
out=$(pj --client winxp,require=1 --server nt4)
check_match "policy legacy client required vs nt4 server: 1240 at negotiate" "$out" \
    '"family":"smb1-legacy".*"outcome":"fails","error":"ERROR_LOGIN_WKSTA_RESTRICTION","fails_at":"negotiate"'
check_match "policy JSON client security_mode 15" "$out" '"client":\{[^}]*"level":"required"[^}]*"security_mode":15'
out=$(pj --client winxp,enable=0 --server win2003-dc)
check_match "policy legacy disabled client vs 2003 DC: ACCESS_DENIED at tree-connect" "$out" \
    '"outcome":"fails","error":"STATUS_ACCESS_DENIED","fails_at":"tree-connect"'
check_match "policy server security_mode 15 for the DC" "$out" '"server":\{[^}]*"security_mode":15'
out=$(pj --client winxp-kb950876,enable=0 --server win2003-dc-kb950876)
check_match "policy current disabled client vs DC: signed" "$out" '"outcome":"signed"'
out=$(pj --client win10 --server server2022)
check_match "policy win10 vs server2022: smb2 not signed, relay-target" "$out" \
    '"family":"smb2".*"outcome":"not-signed".*"id":"relay-target","severity":"high"'
out=$(pj --client win11-24h2 --server server2022)
check_match "policy 24H2 client vs 2022: signed" "$out" '"outcome":"signed"'
out=$(pj --client require=1 --server enable=1 --family smb1-legacy)
check_match "policy overrides alone" "$out" '"family":"smb1-legacy","family_auto":false.*"outcome":"signed"'
out=$(pj --client require=1,era=current --server era=legacy --family smb1)
check_match "policy era override: current client required vs legacy disabled server" "$out" \
    '"mixed_era":true,"outcome":"fails","error":"ERROR_LOGIN_WKSTA_RESTRICTION","fails_at":"session-setup"'
check_exit 2 "policy bad era" "$SMBSIGN" policy --client era=old --server nt4
out=$(pj --client nt4 --server win2000-dc)
check_match "policy nt4 client vs win2000 DC without enableW9x: not signed" "$out" '"outcome":"not-signed".*"w9x_adjusted":true'
check_match "policy nt4 vs win2000 DC: w9x-signing-off finding" "$out" '"id":"w9x-signing-off"'
out=$(pj --client win98 --server server2022)
check_match "policy no common dialect" "$out" '"family":"none".*"outcome":"fails","error":"STATUS_NOT_SUPPORTED"'
out=$(pj --client winxp,require=1 --server win7)
check_match "policy mixed era legacy client required vs current disabled server" "$out" \
    '"mixed_era":true,"outcome":"fails","error":"ERROR_LOGIN_WKSTA_RESTRICTION","fails_at":"negotiate"'
check "policy JSON parses" /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert {"family","outcome","error","fails_at","findings","client","server"} <= d.keys(); assert all("id" in f and "severity" in f for f in d["findings"])' <<<"$out"
check_match "policy text output" "$("$SMBSIGN" policy --client winxp,require=1 --server nt4-dc)" 'Outcome signed'
check_exit 2 "policy unknown profile" "$SMBSIGN" policy --client winxq --server nt4
check_exit 2 "policy bad override value" "$SMBSIGN" policy --client winxp,require=2 --server nt4
check_exit 2 "policy unknown override" "$SMBSIGN" policy --client winxp,sign=1 --server nt4
check_exit 2 "policy missing --server" "$SMBSIGN" policy --client winxp
check_exit 2 "policy ksmbd has no client" "$SMBSIGN" policy --client ksmbd --server samba
check_exit 2 "policy bad family" "$SMBSIGN" policy --client winxp --server nt4 --family smb9

# profiles
out=$("$SMBSIGN" profiles --json)
check "profiles --json has every profile" /usr/bin/python3 -c 'import json,sys
names=[p["name"] for p in json.load(sys.stdin)["profiles"]]
want="win98 nt4 nt4-dc win2000 win2000-server win2000-dc winxp winxp-kb950876 win2003 win2003-kb950876 win2003-dc win2003-dc-kb950876 vista win7 win10 win11 win11-24h2 win11-24h2-home server2008 server2016 server2019 server2022 server2022-dc server2025 server2025-dc samba samba-dc ksmbd".split()
assert names == want, names' <<<"$out"
check_exit 2 "profiles stray argument" "$SMBSIGN" profiles foo

# audit: sources, findings, exit codes
out=$("$SMBSIGN" audit --json --os server2022 "$D/server_v5.utf16.reg")
check_match "audit .reg UTF-16 server.require from registry with line" "$out" \
    '"server":\{"require":\{"value":1,"source":"registry","origin":"[^"]*server_v5.utf16.reg","line":7\}'
check "audit JSON parses" /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["client"]["require"]["value"]==0 and d["client"]["require"]["source"]=="registry"' <<<"$out"
out=$("$SMBSIGN" audit --json --registry "$D/ps_server_list.txt" --domain-gpo "$D/gpttmpl.utf16.inf")
check_match "audit domain GPO overrides registry (overridden finding)" "$out" '"id":"overridden"'
check_match "audit domain GPO value wins" "$out" '"server":\{"require":\{"value":1,"source":"domain-gpo"'
check_exit 1 "audit --fail-on high exits 1 on relay-target" "$SMBSIGN" audit --fail-on high "$D/secedit_export.utf8.inf"
check_exit 0 "audit --fail-on high exits 0 on a hardened server" "$SMBSIGN" audit --role server --fail-on high "$D/server_v5.utf8.reg"
check_exit 1 "audit --fail-on low exits 1 on any finding" "$SMBSIGN" audit --role server --fail-on low "$D/server_v5.utf8.reg"
check_exit 0 "audit without --fail-on exits 0" "$SMBSIGN" audit "$D/secedit_export.utf8.inf"
out=$("$SMBSIGN" audit --json --os win2003-dc "$D/invalid_values.reg")
check_match "audit invalid-value" "$out" '"id":"invalid-value"'
out=$("$SMBSIGN" audit --os nt4 "$D/nt4_regedit4.reg" 2>&1)
check_match "audit text shows sources" "$out" 'client.require +1  registry +.*nt4_regedit4.reg:6'
check_match "audit text shows peers" "$out" 'as client -> win2003'
for f in bad_dword.reg bad_dword.inf not_a_template.inf unknown_sections.inf truncated_utf16.reg garbage.bin \
    truncated.json bad_bool_list.txt; do
    [ -f "$D/$f" ] || { not_ok "sample $f exists"; continue; }
    err=$("$SMBSIGN" audit "$D/$f" 2>&1 >/dev/null); rc=$?
    check_eq "audit $f exits 2" "$rc" 2
    check_match "audit $f error names file:line" "$err" "$f:[0-9]+: "
done
# issue 20: a template without [Version] (as samba-tool writes it) is read, with a note;
# Windows' UTF-16LE/CRLF form has no note (negative twin); smb.conf's [global] is refused.
out=$("$SMBSIGN" audit --os server2022 --domain-gpo "$D/samba_tool.inf" 2>&1); rc=$?
check_eq "audit samba-tool template exits 0" "$rc" 0
check_match "audit samba-tool template: value read" "$out" 'server.require +1  domain-gpo +[^ ]*samba_tool.inf:10'
check_match "audit samba-tool template: note" "$out" 'note: no \[Version\] section'
out=$("$SMBSIGN" audit --os server2022 --domain-gpo "$D/gpttmpl.utf16.inf" 2>&1); rc=$?
check_eq "audit UTF-16LE template exits 0" "$rc" 0
check_nomatch "audit UTF-16LE template: no note" "$out" 'no \[Version\]'
out=$("$SMBSIGN" audit --json --domain-gpo "$D/samba_tool.inf")
check_match "audit --json notes no-version-section" "$out" '"notes":\["no-version-section"\]'
err=$("$SMBSIGN" audit "$D/not_a_template.inf" 2>&1 >/dev/null)
check_match "audit smb.conf-like file: why" "$err" 'not_a_template.inf:2: no \[Version\] and no security template section \(\[global\]'
# issue 20: the DC profile's Default Domain Controllers Policy is an assumption, not the file
printf '[Kerberos Policy]\nMaxTicketAge = 10\n' >"$T/nosign.inf"
out=$("$SMBSIGN" audit --os server2022-dc --domain-gpo "$T/nosign.inf")
check_match "audit DC, GPO without signing values: assumed source in text" "$out" \
    'server.require +1  assumed-gpo +profile server2022-dc: Default Domain Controllers Policy \(assumed'
check_nomatch "audit DC, GPO without signing values: not attributed to the file" "$out" 'server.require +1  domain-gpo'
out=$("$SMBSIGN" audit --json --os server2022-dc --domain-gpo "$T/nosign.inf")
check_match "audit DC, GPO without signing values: assumed source in JSON" "$out" \
    '"server":\{"require":\{"value":1,"source":"assumed-gpo","origin":"profile server2022-dc: Default Domain Controllers Policy"'

out=$("$SMBSIGN" audit --json --os server2022-dc --domain-gpo "$D/samba_tool.inf")
check_match "audit DC: file value is domain-gpo" "$out" '"require":\{"value":1,"source":"domain-gpo","origin":"[^"]*samba_tool.inf","line":10\}'
check_match "audit DC: assumed value in JSON" "$out" '"enable":\{"value":1,"source":"assumed-gpo","origin":"profile server2022-dc: Default Domain Controllers Policy","line":null\}'
out=$("$SMBSIGN" audit --json --os server2022 --domain-gpo "$D/samba_tool.inf")
check_nomatch "audit member server: nothing assumed" "$out" 'assumed-gpo'
# issue 20: origins are never cut (a path longer than the old 127-character limit)
LP="$T/$(printf 'd%.0s' $(seq 60))/$(printf 'e%.0s' $(seq 60))/MACHINE/Microsoft/Windows NT/SecEdit"
mkdir -p "$LP" && cp "$D/samba_tool.inf" "$LP/GptTmpl.inf"
out=$("$SMBSIGN" audit --os server2022 --domain-gpo "$LP/GptTmpl.inf")
check_match "audit long origin whole in text (${#LP} chars)" "$out" "domain-gpo +$LP/GptTmpl.inf:10\$"
out=$("$SMBSIGN" audit --json --os server2022 --domain-gpo "$LP/GptTmpl.inf")
check "audit long origin whole in JSON" /usr/bin/python3 -c 'import json,sys
d=json.loads(sys.argv[1]); assert d["server"]["require"]["origin"]==sys.argv[2], d["server"]["require"]' "$out" "$LP/GptTmpl.inf"
check_exit 2 "audit missing file" "$SMBSIGN" audit "$T/does-not-exist.reg"
check_exit 2 "audit no input" "$SMBSIGN" audit
check_exit 2 "audit bad --fail-on" "$SMBSIGN" audit --fail-on critical "$D/server_v5.utf8.reg"
check_exit 2 "audit bad --os" "$SMBSIGN" audit --os win95 "$D/server_v5.utf8.reg"
check_exit 2 "audit bad --role" "$SMBSIGN" audit --role peer "$D/server_v5.utf8.reg"
check_exit 0 "audit --help" "$SMBSIGN" audit --help
exit 0
