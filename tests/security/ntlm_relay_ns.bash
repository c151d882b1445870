#!/bin/bash
# tests/security/ntlm_relay_ns.bash - runs inside a private network namespace
# (unshare -n, started by ntlm_relay.sh): our server on 127.0.0.1:4445,
# impacket ntlmrelayx on 127.0.0.2:445 relaying to it, smbclient (the victim)
# logging on to the relay as alice, then the relay's interactive SMB shell
# lists the share with the relayed session. Never touches the host network.
# VICTIM smbclient (the default) or smbsign (our client, which runs on the
# same host as the server the relay targets: the reflection of
# CVE-2025-33073, tests/security/ntlm_reflection.sh).
# usage: ntlm_relay_ns.bash SMBSIGN DIR LEVEL STUB_PYTHONPATH [VICTIM]
set -u
SMBSIGN=$1 D=$2 LEVEL=$3 STUB=$4 VICTIM=${5:-smbclient}
ip link set lo up || exit 1
# RELAY_SRV_CONF (optional): a config file for the server (-c)
"$SMBSIGN" serve ${RELAY_SRV_CONF:+-c "$RELAY_SRV_CONF"} --listen 127.0.0.1:4445 --share "share=$D/share" \
    --users "$D/users" --signing "$LEVEL" --log-level info >"$D/srv-$LEVEL.out" 2>"$D/srv-$LEVEL.log" &
SP=$!
# ntlmrelayx reads stdin until EOF in interactive mode: a FIFO we hold open
mkfifo "$D/stdin-$LEVEL"
exec 3<>"$D/stdin-$LEVEL"
PYTHONPATH=$STUB /usr/bin/python3 /usr/share/doc/python3-impacket/examples/ntlmrelayx.py \
    -t smb://127.0.0.1:4445 -ip 127.0.0.2 -smb2support --no-http-server --no-wcf-server --no-raw-server -i \
    <"$D/stdin-$LEVEL" >"$D/relay-$LEVEL.out" 2>&1 &
RP=$!
for i in $(seq 1 150); do grep -q "Servers started" "$D/relay-$LEVEL.out" && break; sleep 0.2; done
for i in $(seq 1 50); do ss -ltn | grep -q '127.0.0.2:445 ' && break; sleep 0.2; done
if [ "$VICTIM" = smbsign ]; then
    timeout 30 "$SMBSIGN" client //127.0.0.2/share -U alice%secret1 -c "ls; session" >"$D/victim-$LEVEL.out" 2>&1
else
    timeout 30 smbclient //127.0.0.2/share -p 445 -U alice%secret1 -c ls >"$D/victim-$LEVEL.out" 2>&1
fi
for i in $(seq 1 50); do grep -qE "SUCCEED|FAILED|rror" "$D/relay-$LEVEL.out" && break; sleep 0.2; done
sleep 1
if ss -ltn | grep -q '127.0.0.1:11000 '; then
    (printf 'shares\nuse share\nls\nput %s/owned.txt\n' "$D"; sleep 3) | timeout 10 nc 127.0.0.1 11000 \
        >"$D/shell-$LEVEL.out" 2>&1
else
    echo "no relay shell" >"$D/shell-$LEVEL.out"
fi
kill "$RP" "$SP" 2>/dev/null
exec 3>&-
wait
exit 0
