#!/bin/bash
# tests/interop/policy_smbconf_live.sh - `smbsign audit --smb-conf` against the real thing: each
# smb.conf is the very file a private smbd (127.0.0.1, high port) runs with; what the audit
# predicts from the file (server level, SMB1 / SMB2 SecurityMode, relay-target, smb1-enabled)
# must equal what `smbsign scan` reads from that smbd on the wire. Positive and negative
# postures: signing auto / mandatory / disabled, SMB1 on / off, written with Samba's aliases.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/samba.inc"
if [ ! -x "$SMBD_BIN" ] || [ "$(id -u)" != 0 ]; then
    echo "# SKIP smbd not installed or not root: no live smb.conf checks run"
    exit 0
fi
T=$(mk_tmpdir)

declare -A PORT EXTRA
# name -> [global] lines (Samba's own words and aliases, as an administrator writes them)
EXTRA[auto_smb2]=$'  server signing = auto\n  server min protocol = SMB2_02'
EXTRA[mandatory_smb2]=$'  server signing = mandatory\n  server min protocol = SMB2_02'
EXTRA[yes_nt1]=$'  server signing = yes\n  server min protocol = NT1'
EXTRA[required_nt1]=$'  server signing = required\n  min protocol = NT1'
EXTRA[off_nt1]=$'  server signing = off\n  server min protocol = NT1'
EXTRA[default_smb3]=$'  server min protocol = SMB3'

start() { # NAME
    local p
    p=$(free_port) || { not_ok "no free port for $1"; return; }
    PORT[$1]=$p
    samba_conf "$T/$1" "$p" "${EXTRA[$1]}"
    samba_start "$T/$1"
    track_pid "$SAMBA_PID"
}
for n in "${!EXTRA[@]}"; do start "$n"; done
for n in "${!EXTRA[@]}"; do
    for try in 1 2 3; do
        wait_port 127.0.0.1 "${PORT[$n]}" 20 && break
        [ $try = 3 ] && { not_ok "smbd $n did not start"; tail -5 "$T/$n/smbd.out" | sed 's/^/#   /'; break; }
        echo "# smbd $n not listening (try $try), restarting on another port"
        start "$n"
    done
done

for n in $(printf '%s\n' "${!EXTRA[@]}" | sort); do
    conf="$T/$n/smb.conf"
    check "$n: testparm accepts the file smbd runs with" bash -c "testparm -s '$conf' >/dev/null 2>&1"
    a=$("$SMBSIGN" audit --json --role server --smb-conf "$conf" 2>"$T/$n.err"); rc=$?
    check_eq "$n: audit --smb-conf exits 0" "$rc" 0
    s=$("$SMBSIGN" scan --json --no-progress -p "${PORT[$n]}" 127.0.0.1 2>/dev/null)
    pred=$(/usr/bin/python3 -c 'import json,sys
a=json.loads(sys.argv[1]); ids={f["id"] for f in a["findings"]}
smb1 = "smb1-enabled" in ids
print(a["server"]["smb2_security_mode"], a["server"]["smb1_security_mode"] if smb1 else "-",
      str("relay-target" in ids).lower(), "ok" if smb1 else "not-supported")' "$a")
    live=$(/usr/bin/python3 -c 'import json,sys
r=json.loads(sys.argv[1]); s1=r["smb1"] or {}
print(r["smb2"]["security_mode"], s1.get("security_mode","-"), str(r["relay_target"]).lower(), r["smb1_status"])' "$s")
    echo "# $n: predicted [$pred] live [$live]"
    check_eq "$n: audit prediction (SMB2 mode, SMB1 mode, relay-target, SMB1) = smbd on the wire" "$pred" "$live"
done
# the negative twin of the agreement check: a posture the file does not have must not match
pred=$("$SMBSIGN" audit --json --role server --smb-conf "$T/auto_smb2/smb.conf" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["server"]["smb2_security_mode"])')
live=$("$SMBSIGN" scan --json --no-progress -p "${PORT[mandatory_smb2]}" 127.0.0.1 | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["smb2"]["security_mode"])')
check_eq "twin: auto file vs mandatory server differ (1 vs 3)" "$pred/$live" "1/3"
exit 0
