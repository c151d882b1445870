#!/bin/bash
# tests/interop/client_samba.sh - `smbsign client` against real Samba smbd on
# loopback: for server signing = disabled|auto|mandatory, every dialect
# (-m 2.0.2 .. 3.1.1) and every client level (--signing required|enabled|
# disabled), `session` must report what the policy engine predicts and a
# put -> get round trip (0 B, 1 B, MaxWrite+1) must return identical bytes.
# 64 MiB round trips on a few combinations. On the wire (tshark on lo, port
# filter): SIGNED flag + non-zero signatures when signing is on, neither when
# off. Negative: wrong password, unknown share, guest/anonymous with signing
# required, and a man-in-the-middle relay (smb_mitm.py) that flips a byte of
# a signed response, strips the SIGNED flag, clears SIGNING_REQUIRED or the
# capabilities of the NEGOTIATE response - each refused, no corrupted byte
# reaching the local file.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
MITM="$ROOT/tests/interop/smb_mitm.py"

for tool in smbd smbpasswd tshark useradd; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        not_ok "client_samba: $tool is not installed (scripts/deps.sh installs it)"
        exit 1
    fi
done
if [ "$(id -u)" != 0 ]; then
    not_ok "client_samba: needs root to start smbd and capture on lo"
    exit 1
fi
[ -x "$SMBSIGN" ] || { not_ok "client_samba: $SMBSIGN not built"; exit 1; }

T=$(mk_tmpdir)
chmod 755 "$T" # smbd serves the share as the test user
PASS="pw-$RANDOM$RANDOM"
test_unix_user sst || { not_ok "client_samba: cannot create a unix user for the test"; exit 1; }
USERNAME=$TEST_USER

declare -A PORT
start_smbd() { # NAME SIGNING
    local name=$1 signing=$2 d=$T/$1 p
    p=$(free_port) || { not_ok "free port"; return 1; }
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
  server min protocol = SMB2_02
  server max protocol = SMB3_11
  map to guest = bad user
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  smb encrypt = off
[share]
  path = $d/share
  read only = no
  guest ok = yes
[small]
  path = $d/small
  read only = no
EOC
    mkdir -p "$d/small"
    chmod 777 "$d/small"
    printf '%s\n%s\n' "$PASS" "$PASS" | smbpasswd -c "$d/smb.conf" -a -s "$USERNAME" >/dev/null
    # own session: smbd signals its process group when it stops
    setsid smbd --foreground --no-process-group --debug-stdout -s "$d/smb.conf" >"$d/smbd.out" 2>&1 &
    track_pid $!
    PORT[$name]=$p
    wait_port 127.0.0.1 "$p" 20
}

for s in disabled auto mandatory; do
    if ! start_smbd "$s" "$s"; then not_ok "smbd ($s) started"; exit 1; fi
done
ok "smbd started for server signing = disabled, auto, mandatory"

cli() { # PORT ARGS... (ASan build)
    local p=$1; shift
    "$SMBSIGN" client "//127.0.0.1:$p/share" -U "$USERNAME%$PASS" "$@"
}
untrack() { local p=$1 i; for i in "${!TEST_PIDS[@]}"; do [ "${TEST_PIDS[$i]}" = "$p" ] && unset 'TEST_PIDS[i]'; done; }
kv() { printf '%s\n' "$1" | awk -v k="$2" '$1 == k { print $2; exit }'; }

cd "$T" || exit 1
head -c 1 /dev/urandom >f1
: >f0
DIALECTS="2.0.2 2.1 3.0 3.0.2 3.1.1"
declare -A ALG=([2.0.2]=hmac-sha256 [2.1]=hmac-sha256 [3.0]=aes-cmac [3.0.2]=aes-cmac [3.1.1]=aes-gmac)
declare -A MAXW
for d in $DIALECTS; do
    out=$(cli "${PORT[auto]}" -m "$d" -c session 2>&1)
    MAXW[$d]=$(kv "$out" max-write)
    if [ -z "${MAXW[$d]}" ]; then not_ok "max-write for $d"; echo "$out" | sed 's/^/#   /'; exit 1; fi
    head -c $((MAXW[$d] + 1)) /dev/urandom >"big-$d"
done

# ---- the matrix ----
for s in disabled auto mandatory; do
    p=${PORT[$s]}
    for d in $DIALECTS; do
        for l in required enabled disabled; do
            name="server=$s dialect=$d client=$l"
            if [ "$l" = required ] || [ "$s" = mandatory ]; then want=on; pred=signed; else want=off; pred=not-signed; fi
            if [ $want = on ]; then walg=${ALG[$d]}; else walg=none; fi
            r="r-$s-$d-$l"
            out=$(cli "$p" -m "$d" --signing "$l" -c "session; put f0 $r-0; put f1 $r-1; put big-$d $r-b; get $r-0 g0; get $r-1 g1; get $r-b gb; rm $r-0; rm $r-1; rm $r-b" 2>&1)
            rc=$?
            got="rc=$rc dialect=$(kv "$out" dialect) signing=$(kv "$out" signing) alg=$(kv "$out" signing-algorithm) policy=$(kv "$out" policy-outcome)"
            check_eq "$name: session matches the policy engine" "$got" \
                "rc=0 dialect=$d signing=$want alg=$walg policy=$pred" || true
            [ "$rc" = 0 ] || echo "$out" | sed 's/^/#   /' | head -10
            sm=$(kv "$out" server-security-mode)
            if [ "$s" = mandatory ]; then wsm=0x03; else wsm=0x01; fi
            check_eq "$name: server-security-mode" "$sm" "$wsm"
            if cmp -s f0 g0 && cmp -s f1 g1 && cmp -s "big-$d" gb; then
                ok "$name: round trip 0 B, 1 B, MaxWrite+1 ($((MAXW[$d] + 1)) B) identical"
            else
                not_ok "$name: round trip 0 B, 1 B, MaxWrite+1 identical"
            fi
            rm -f g0 g1 gb
        done
    done
done

# ---- interactive commands on standard input, default names, stat/rename/mkdir ----
mkdir -p inter && cp f1 inter/one.bin
out=$(cd inter && printf 'mkdir sub\nput one.bin sub/one.bin\nrename sub/one.bin sub/two.bin\nstat sub/two.bin\nls sub\nget sub/two.bin\nrm sub/two.bin\nrmdir sub\nquit\n' |
    "$SMBSIGN" client "//127.0.0.1:${PORT[auto]}/share" -U "$USERNAME%$PASS" --signing required 2>&1); rc=$?
check_match "interactive session: commands from stdin" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" \
    "rc=0 .*type file size 1 .*two.bin +A +1 "
if cmp -s inter/one.bin inter/two.bin; then ok "interactive get wrote the default local name"; else not_ok "interactive get wrote the default local name"; fi
out=$(cli "${PORT[auto]}" -c "stat sub" 2>&1); rc=$?
check_match "rmdir removed the directory (stat fails with the NTSTATUS name)" "rc=$rc $out" "rc=1 .*STATUS_OBJECT_NAME_NOT_FOUND"

# ---- credentials from -A, DOMAIN\\USER, SMBSIGN_PASSWORD ----
printf 'username = %s\npassword = %s\ndomain = WORKGROUP\n' "$USERNAME" "$PASS" >"$T/auth.txt"
out=$("$SMBSIGN" client "//127.0.0.1:${PORT[mandatory]}/share" -A "$T/auth.txt" -c session 2>&1)
check_eq "-A authentication file logs on (signing on)" "$(kv "$out" signing)" on
out=$("$SMBSIGN" client "//127.0.0.1:${PORT[mandatory]}/share" -U "WORKGROUP\\$USERNAME%$PASS" -c session 2>&1)
check_eq "DOMAIN\\USER%PASS logs on" "$(kv "$out" signing)" on
out=$(SMBSIGN_PASSWORD="$PASS" "$SMBSIGN" client "//127.0.0.1:${PORT[mandatory]}/share" -U "$USERNAME" -c session </dev/null 2>&1)
check_eq "SMBSIGN_PASSWORD logs on without a prompt" "$(kv "$out" signing)" on

if command -v script >/dev/null 2>&1; then
    # a pseudo-terminal: the password prompt must not echo what is typed
    out=$( (sleep 1; printf '%s\n' "$PASS") | script -qec "$SMBSIGN client //127.0.0.1:${PORT[mandatory]}/share -U $USERNAME -c session" /dev/null 2>&1 | tr -d '\r')
    check_match "password prompt on a terminal logs on" "$out" "^signing on"
    check_nomatch "password prompt does not echo the password" "$out" "$PASS"
    out=$(cd "$T" && script -qec "$SMBSIGN client //127.0.0.1:${PORT[auto]}/share -U $USERNAME%$PASS -c 'put big-3.1.1 pb; get pb pb.local; rm pb'" /dev/null 2>&1 </dev/null | tr '\r' '\n')
    check_match "progress bar on a terminal" "$out" "\[#+ *\] +100% +[0-9.]+ MiB/s"
    rm -f "$T/pb.local"
    out=$(cli "${PORT[auto]}" -c "put big-3.1.1 pb; rm pb" 2>&1)
    check_nomatch "no progress bar when not on a terminal" "$out" "MiB/s"
else
    not_ok "script(1) (util-linux) is missing: cannot test the terminal prompt"
fi

# ---- client level from an OS profile ----
for pr in "win11-24h2 on" "win11-24h2-home off"; do
    set -- $pr
    out=$(cli "${PORT[auto]}" --profile "$1" -c session 2>&1)
    check_eq "--profile $1 against server signing = auto: signing $2" \
        "$(kv "$out" signing) $(kv "$out" client-level-source)" "$2 --profile"
done

# ---- 64 MiB on a few combinations (release build for speed) ----
head -c $((64 << 20)) /dev/urandom >f64
for combo in "mandatory 3.1.1 enabled" "auto 3.0 required" "auto 2.1 required" "disabled 3.0.2 enabled"; do
    set -- $combo
    out=$("$SMBSIGN_REL" client "//127.0.0.1:${PORT[$1]}/share" -U "$USERNAME%$PASS" -m "$2" --signing "$3" \
        -c "put f64 r64; get r64 g64; rm r64" 2>&1)
    if [ $? = 0 ] && cmp -s f64 g64; then ok "64 MiB round trip server=$1 dialect=$2 client=$3"
    else not_ok "64 MiB round trip server=$1 dialect=$2 client=$3"; echo "$out" | sed 's/^/#   /' | head; fi
    rm -f g64
done

# ---- on the wire ----
wire() { # NAME PORT DIALECT LEVEL WANT(on|off)
    local name=$1 p=$2 d=$3 l=$4 want=$5 cap=$T/cap-$RANDOM.pcapng res
    tshark_start "$cap" "tcp port $p"
    cli "$p" -m "$d" --signing "$l" -c "put big-$d w; get w wb; stat w; ls; rm w" >/dev/null 2>&1
    tshark_stop
    untrack "$TSHARK_PID"
    rm -f wb
    # per SMB2 PDU: command, status, SIGNED flag, signature (compounds are comma lists)
    res=$(tshark -r "$cap" -d "tcp.port==$p,nbss" -Y smb2 -T fields -e smb2.cmd -e smb2.nt_status \
        -e smb2.flags.signature -e smb2.signature 2>/dev/null | "$PY" -c '
import sys
signed = unsigned = zero_signed = nonzero_unsigned = 0
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    if len(f) < 4: continue
    cmds, sts, flags, sigs = (x.split(",") for x in f[:4])
    for i, c in enumerate(cmds):
        c = int(c)
        st = int(sts[i], 16) if i < len(sts) and sts[i] else 0
        if c not in (5, 6, 8, 9, 14, 16, 17) or st == 0x103:
            continue  # file I/O only; interim STATUS_PENDING is never signed
        fl = flags[i] if i < len(flags) else "0"
        sig = sigs[i] if i < len(sigs) else ""
        is_signed = fl in ("1", "True")
        zero = sig.replace(":", "").strip("0") == ""
        if is_signed:
            signed += 1; zero_signed += zero
        else:
            unsigned += 1; nonzero_unsigned += (not zero)
print(signed, unsigned, zero_signed, nonzero_unsigned)
')
    set -- $res
    if [ "$want" = on ]; then
        if [ "${1:-0}" -gt 10 ] && [ "$2" = 0 ] && [ "$3" = 0 ]; then ok "wire: $name: every file I/O message SIGNED with a non-zero signature ($1 messages)"
        else not_ok "wire: $name: signed=$1 unsigned=$2 zero-signature-signed=$3"; fi
    else
        if [ "${2:-0}" -gt 10 ] && [ "$1" = 0 ] && [ "$4" = 0 ]; then ok "wire: $name: no SIGNED flag and zero signatures ($2 messages)"
        else not_ok "wire: $name: signed=$1 unsigned=$2 nonzero-unsigned=$4"; fi
    fi
}
for d in $DIALECTS; do
    wire "dialect $d client required" "${PORT[auto]}" "$d" required on
    wire "dialect $d client enabled" "${PORT[auto]}" "$d" enabled off
done
wire "server mandatory, dialect 3.1.1, client disabled" "${PORT[mandatory]}" 3.1.1 disabled on

# ---- negative cases ----
out=$("$SMBSIGN" client "//127.0.0.1:${PORT[auto]}/share" -U "$USERNAME%wrong-$PASS" -c session 2>&1); rc=$?
check_eq "wrong password exits 1" "$rc" 1
check_match "wrong password reports STATUS_LOGON_FAILURE" "$out" "STATUS_LOGON_FAILURE"
out=$(cli "${PORT[auto]}" -c session 2>&1 | head -0; "$SMBSIGN" client "//127.0.0.1:${PORT[auto]}/nosuchshare" -U "$USERNAME%$PASS" -c session 2>&1); rc=$?
check_eq "unknown share exits 1" "$rc" 1
check_match "unknown share reports STATUS_BAD_NETWORK_NAME" "$out" "STATUS_BAD_NETWORK_NAME"
out=$("$SMBSIGN" client "//127.0.0.1:${PORT[auto]}/share" -U "nosuchuser%x" --signing required -c session 2>&1); rc=$?
check_eq "guest with signing required exits 1" "$rc" 1
check_match "guest with signing required is refused with a clear error" "$out" "STATUS_(ACCESS_DENIED|LOGON_FAILURE).*(guest|signing)"
out=$("$SMBSIGN" client "//127.0.0.1:${PORT[auto]}/share" -U "nosuchuser%x" --allow-guest -c session 2>&1); rc=$?
check_match "guest fallback allowed, signing not required: connects unsigned (positive twin)" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "rc=0.*signing off.*guest yes"
# the IS_GUEST flag is unsigned: a credentialed logon silently turned into a guest
# session is refused by default (a man in the middle could set the flag)
out=$("$SMBSIGN" client "//127.0.0.1:${PORT[auto]}/share" -U "nosuchuser%x" -c session 2>&1); rc=$?
check_eq "guest fallback not allowed: exits 1" "$rc" 1
check_match "guest fallback not allowed: refused with a clear error" "$out" "STATUS_ACCESS_DENIED.*guest session"
out=$("$SMBSIGN" client "//127.0.0.1:${PORT[mandatory]}/share" -N -c session 2>&1); rc=$?
check_match "anonymous against a signing-mandatory server is refused" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "rc=1.*STATUS_ACCESS_DENIED.*anonymous"
out=$("$SMBSIGN" client "//127.0.0.1:${PORT[auto]}/share" -N --signing required -c session 2>&1); rc=$?
check_match "anonymous with client signing required is refused" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "rc=1.*STATUS_ACCESS_DENIED.*anonymous"

# ---- man in the middle ----
head -c $((3 << 20)) /dev/urandom >fm
mitm() { # NAME MODE TARGET_PORT DIALECT LEVEL EXPECT_REGEX
    local name=$1 mode=$2 tp=$3 d=$4 l=$5 re=$6 lp mp out rc
    # upload the file directly (not through the relay), then fetch through it
    cli "$tp" -m "$d" -c "put fm m-$mode" >/dev/null 2>&1
    for _ in 1 2 3; do # the machine is shared: a port may be taken meanwhile
        lp=$(free_port)
        "$PY" "$MITM" "$lp" "$tp" "$mode" 2>"$T/mitm-$mode.log" &
        mp=$!
        track_pid $mp
        wait_port 127.0.0.1 "$lp" 10 && kill -0 "$mp" 2>/dev/null && break
        kill "$mp" 2>/dev/null; wait "$mp" 2>/dev/null; untrack "$mp"
    done
    printf 'precious local data\n' >local-$mode
    cp local-$mode local-$mode.orig
    out=$("$SMBSIGN" client "//127.0.0.1:$lp/share" -U "$USERNAME%$PASS" -m "$d" --signing "$l" \
        -c "session; get m-$mode local-$mode" 2>&1)
    rc=$?
    kill "$mp" 2>/dev/null; wait "$mp" 2>/dev/null; untrack "$mp"
    if grep -q "tampered $mode" "$T/mitm-$mode.log"; then ok "mitm $name: relay tampered"; else not_ok "mitm $name: relay tampered"; fi
    check_match "mitm $name: detected and refused" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "rc=1.*$re"
    if cmp -s local-$mode local-$mode.orig && [ ! -e local-$mode.part ]; then
        ok "mitm $name: no tampered byte reached the local file"
    else
        not_ok "mitm $name: local file changed"
    fi
    cli "$tp" -m "$d" -c "rm m-$mode" >/dev/null 2>&1
}
mitm "flip one byte of a signed READ response (3.1.1)" flip "${PORT[auto]}" 3.1.1 required "STATUS_INVALID_SIGNATURE"
mitm "strip the SIGNED flag of a READ response (3.0)" strip "${PORT[auto]}" 3.0 required "STATUS_ACCESS_DENIED"
mitm "clear SIGNING_REQUIRED in NEGOTIATE (3.1.1, preauth)" clear-required "${PORT[mandatory]}" 3.1.1 enabled "STATUS_INVALID_SIGNATURE"
mitm "clear SIGNING_REQUIRED in NEGOTIATE (2.1, server refuses unsigned)" clear-required "${PORT[mandatory]}" 2.1 enabled "STATUS_ACCESS_DENIED"
mitm "clear NEGOTIATE capabilities (3.0, VALIDATE_NEGOTIATE_INFO)" clear-caps "${PORT[auto]}" 3.0 enabled "VALIDATE_NEGOTIATE_INFO"
mitm "flip one byte of a signed READ response (2.1)" flip "${PORT[mandatory]}" 2.1 enabled "STATUS_INVALID_SIGNATURE"
# The server's SPNEGO mechListMIC, stripped or changed by a relay (MS-SPNG 3.2.5.1).
# On 2.1 against a server that does not sign, the final SESSION_SETUP response is
# unsigned, so the mechListMIC check alone stands between the relay and the session.
mitm "strip the server's mechListMIC (2.1, unsigned session)" strip-mechmic "${PORT[disabled]}" 2.1 enabled \
    "omitted the SPNEGO mechListMIC"
mitm "flip a bit of the server's mechListMIC (2.1, unsigned session)" flip-mechmic "${PORT[disabled]}" 2.1 enabled \
    "mechListMIC does not verify"
# twin: the same session through the same relay, untouched, succeeds
lp=$(free_port)
"$PY" "$MITM" "$lp" "${PORT[disabled]}" none 2>"$T/mitm-none.log" &
mp=$!
track_pid $mp
wait_port 127.0.0.1 "$lp" 10
out=$("$SMBSIGN" client "//127.0.0.1:$lp/share" -U "$USERNAME%$PASS" -m 2.1 --signing enabled -c "session" 2>&1)
check_match "mitm none (2.1, unsigned session): the session is set up through the relay" "rc=$? $out" "^rc=0 "
check_match "mitm none (2.1, unsigned session): session reports dialect 2.1" "$out" "^dialect 2.1$"
kill "$mp" 2>/dev/null; wait "$mp" 2>/dev/null; untrack "$mp"

# ---- put into a share with too little room: STATUS_DISK_FULL from the WRITE that
# does not fit, exit 1; a file that fits arrives intact.
SMALL=$T/auto/small
if mount -t tmpfs -o size=8m,mode=0777 tmpfs "$SMALL"; then
    head -c 4000000 /dev/urandom >fits
    head -c 16000000 /dev/urandom >too-big
    out=$("$SMBSIGN" client "//127.0.0.1:${PORT[auto]}/small" -U "$USERNAME%$PASS" --signing required \
        -c "put fits" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && cmp -s fits "$SMALL/fits"; then ok "put into a small share: a file that fits arrives intact"; else
        not_ok "put into a small share: a file that fits arrives intact (rc $rc)"; echo "$out" | sed 's/^/#   /' | head -5; fi
    out=$("$SMBSIGN" client "//127.0.0.1:${PORT[auto]}/small" -U "$USERNAME%$PASS" --signing required \
        -c "put too-big" 2>&1)
    rc=$?
    check_match "put into a small share: a file that does not fit is refused" "rc=$rc $out" "rc=1 .*STATUS_DISK_FULL"
    umount "$SMALL" || umount -l "$SMALL"
else
    not_ok "mount a small tmpfs for the share-full test"
fi

exit 0
