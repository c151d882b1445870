#!/bin/bash
# tests/interop/smb1_samba.sh - our SMB1 client (`smbsign client -m NT1`) against
# Samba smbd with `server min protocol = NT1` and server signing = disabled | auto |
# mandatory (SecurityMode 3, 7, 15): for every client level, `session` reports
# whether the session signs and a put -> get round trip returns identical bytes;
# a legacy-era client that requires signing hangs up after NEGOTIATE on a server
# with signing disabled (ERROR_LOGIN_WKSTA_RESTRICTION, KB887429).
. "$(dirname "$0")/../lib.sh"

for tool in smbd smbpasswd useradd; do
    command -v "$tool" >/dev/null 2>&1 || { not_ok "smb1_samba: $tool is not installed"; exit 1; }
done
[ "$(id -u)" = 0 ] || { not_ok "smb1_samba: needs root to start smbd"; exit 1; }

T=$(mk_tmpdir)
chmod 755 "$T"
USERNAME=smbsigntest
PASS="pw-$RANDOM$RANDOM"
id "$USERNAME" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$USERNAME" 2>/dev/null
id "$USERNAME" >/dev/null 2>&1 || { not_ok "smb1_samba: cannot create unix user $USERNAME"; exit 1; }
head -c 150001 /dev/urandom >"$T/payload"

declare -A PORT
start_smbd() { # NAME SIGNING (copied approach of tests/interop/client_samba.sh)
    local name=$1 signing=$2 d=$T/$1 p
    p=$(free_port) || return 1
    mkdir -p "$d"/{private,lock,state,cache,pid,ncalrpc,share,log}
    chmod 777 "$d/share"
    cat >"$d/smb.conf" <<EOC
[global]
  server role = standalone server
  smb ports = $p
  bind interfaces only = yes
  interfaces = 127.0.0.1
  private dir = $d/private
  lock directory = $d/lock
  state directory = $d/state
  cache directory = $d/cache
  pid directory = $d/pid
  ncalrpc dir = $d/ncalrpc
  passdb backend = tdbsam:$d/passdb.tdb
  log file = $d/log/log.%m
  server signing = $signing
  server min protocol = NT1
  server max protocol = SMB3_11
  ntlm auth = ntlmv2-only
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
[share]
  path = $d/share
  read only = no
EOC
    printf '%s\n%s\n' "$PASS" "$PASS" | smbpasswd -c "$d/smb.conf" -a -s "$USERNAME" >/dev/null
    setsid smbd --foreground --no-process-group --debug-stdout -s "$d/smb.conf" >"$d/smbd.out" 2>&1 &
    track_pid $!
    PORT[$name]=$p
    wait_port 127.0.0.1 "$p" 20
}

cl() { # PORT LEVEL ERA CMDS
    (cd "$T" && timeout 60 "$SMBSIGN" client "//127.0.0.1:$1/share" -U "$USERNAME%$PASS" -m NT1 --signing "$2" \
        --era "$3" -c "$4" 2>&1)
}

for s in disabled auto mandatory; do
    start_smbd "$s" "$s" || { not_ok "smbd ($s) started"; continue; }
    ok "smbd ($s) started"
    for level in required enabled disabled; do
        name="samba server signing=$s / our client $level"
        rm -f "$T/back_$s_$level"
        out=$(cl "${PORT[$s]}" "$level" current "put payload up_$level; get up_$level back_${s}_$level; ls; session")
        rc=$?
        # Expected: seed 004's current SMB1 table (Samba "disabled" signs when the client
        # requires it, as current Windows does).
        want=no
        case $s/$level in
        mandatory/* | */required | auto/enabled) want=yes ;;
        esac
        if [ $rc -eq 0 ] && cmp -s "$T/payload" "$T/back_${s}_$level"; then
            ok "$name: put/get round trip, identical bytes"
        else
            not_ok "$name: put/get round trip (rc $rc)"
            echo "$out" | sed 's/^/#   /' | head -10
        fi
        check_match "$name: ls lists the upload" "$out" "up_$level +N +150001"
        check_match "$name: session signing $want" "$out" "^signing $want\$"
        if [ "$want" = yes ]; then
            check_match "$name: responses verified" "$out" "^responses_verified [1-9]"
        fi
    done
    # legacy-era client that requires signing: hangs up after NEGOTIATE on SecurityMode 3
    out=$(cl "${PORT[$s]}" required legacy "ls")
    if [ "$s" = disabled ]; then
        check_match "samba $s: legacy required client hangs up after NEGOTIATE (1240)" "$out" \
            "ERROR_LOGIN_WKSTA_RESTRICTION.*after NEGOTIATE"
    else
        check_match "samba $s: legacy required client lists" "$out" "payload|up_required|\\."
    fi
done
