#!/bin/bash
# tests/interop/client_encrypt_samba.sh - `smbsign client -e` (SMB 3.x
# encryption) against real Samba smbd on loopback:
#  - `server smb encrypt = required` globally, at 3.0, 3.0.2 and 3.1.1, with
#    each cipher Samba offers at 3.1.1 (`server smb3 encryption algorithms`
#    limited to one, our offer limited to the same with --cipher): `session`
#    says encryption on and the cipher, a 5 MB put/get round trip is
#    byte-identical, and tshark sees every SMB2 message after the
#    SESSION_SETUP in a transform header (smb2.header.transform.nonce) and no
#    clear SMB2 header after it;
#  - a share with only `smb encrypt = required` on that share: -e works;
#  - without -e the client encrypts what the server requires: the session
#    of the global-required server, and only the trees of the share with
#    `smb encrypt = required` (tshark: transforms on that tree, none on the
#    other share of the same server, the twin);
#  - negative twins: --encrypt=off on the global-required server and the
#    required share is refused with STATUS_ACCESS_DENIED and a message that
#    names encryption; -e against a server with encryption off fails (required)
#    while --encrypt=desired goes on in clear; 2.1 with -e fails;
#  - MITM (smb_mitm.py flip-enc): one flipped byte of an encrypted READ
#    response is refused, and no byte reaches the local file.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
untrack() { local p=$1 i; for i in "${!TEST_PIDS[@]}"; do [ "${TEST_PIDS[$i]}" = "$p" ] && unset 'TEST_PIDS[i]'; done; }
MITM="$ROOT/tests/interop/smb_mitm.py"

for tool in smbd smbpasswd tshark useradd; do
    command -v "$tool" >/dev/null 2>&1 || { not_ok "client_encrypt_samba: $tool is not installed"; exit 1; }
done
[ "$(id -u)" = 0 ] || { not_ok "client_encrypt_samba: needs root (smbd, tshark on lo)"; exit 1; }
[ -x "$SMBSIGN" ] || { not_ok "client_encrypt_samba: $SMBSIGN not built"; exit 1; }

T=$(mk_tmpdir)
chmod 755 "$T"
PASS="pw-$RANDOM$RANDOM"
test_unix_user sen || { not_ok "client_encrypt_samba: cannot create a unix user"; exit 1; }
U=$TEST_USER
cd "$T" || exit 1

declare -A PORT
start() { # NAME "EXTRA GLOBAL LINES" "EXTRA SHARE LINES"
    local name=$1 d=$T/$1 p
    p=$(free_port) || { not_ok "free port"; return 1; }
    samba_conf "$d" "$p" "  server min protocol = SMB2_02
  server max protocol = SMB3_11
  server signing = auto
$2"
    if [ -n "$3" ]; then
        mkdir -p "$d/enc" && chmod 777 "$d/enc"
        printf '[enc]\n  path = %s\n  read only = no\n%s\n' "$d/enc" "$3" >>"$d/smb.conf"
    fi
    samba_user "$d" "$U" "$PASS"
    samba_start "$d"
    track_pid "$SAMBA_PID"
    PORT[$name]=$p
    wait_port 127.0.0.1 "$p" 20 || { not_ok "smbd $name did not start"; cat "$d/smbd.out"; return 1; }
}
cli() { # PORT SHARE ARGS...
    local p=$1 s=$2
    shift 2
    "$SMBSIGN" client "//127.0.0.1:$p/$s" -U "$U%$PASS" "$@" 2>&1
}

start req "  server smb encrypt = required" || exit 1
start off "  server smb encrypt = off" || exit 1
start share "  server smb encrypt = if_required" "  smb encrypt = required" || exit 1
for c in aes-128-gcm aes-128-ccm aes-256-gcm aes-256-ccm; do
    start "$c" "  server smb encrypt = required
  server smb3 encryption algorithms = $c" || exit 1
done

head -c 5000000 /dev/urandom >big
printf 'precious local data\n' >small

roundtrip() { # NAME PORT SHARE DIALECT CIPHER_EXPECTED [CLIENT ARGS...]
    local name=$1 p=$2 s=$3 d=$4 want=$5 out pcap n_tr n_clear f
    shift 5
    f=$(printf '%s' "$name" | tr -c 'a-zA-Z0-9.\n-' _)
    pcap=$T/$f.pcap
    tshark_start "$pcap" "tcp port $p"
    out=$(cli "$p" "$s" -m "$d" "$@" -c "put big r-$f; get r-$f got-$f; session; rm r-$f")
    local rc=$?
    tshark_stop
    check_eq "$name: exit status" 0 "$rc" || printf '%s\n' "$out" | tail -5
    check_match "$name: session says encryption on" "$out" "^encryption on$"
    check_match "$name: cipher $want" "$out" "^encryption-cipher $want$"
    check_match "$name: requests went out encrypted" "$out" "^requests-encrypted [1-9]"
    check_match "$name: no request was signed" "$out" "^requests-signed 0$"
    if cmp -s big "got-$f"; then ok "$name: 5 MB round trip byte-identical"; else not_ok "$name: 5 MB round trip differs"; fi
    # on the wire: transforms after the SESSION_SETUP, and no clear SMB2 header after the last SESSION_SETUP
    n_tr=$(tshark -r "$pcap" -d "tcp.port==$p,nbss" -Y 'smb2.header.transform.nonce' -T fields -e frame.number 2>/dev/null | wc -l)
    local last_ss
    last_ss=$(tshark -r "$pcap" -d "tcp.port==$p,nbss" -Y 'smb2.cmd == 1 && !smb2.header.transform.nonce' -T fields -e frame.number 2>/dev/null | tail -1)
    n_clear=$(tshark -r "$pcap" -d "tcp.port==$p,nbss" -Y "frame.number > ${last_ss:-0} && smb2 && !smb2.header.transform.nonce" -T fields -e frame.number 2>/dev/null | wc -l)
    if [ "$n_tr" -ge 10 ]; then ok "$name: tshark sees $n_tr transform headers"; else not_ok "$name: tshark sees $n_tr transform headers"; fi
    check_eq "$name: no clear SMB2 message after SESSION_SETUP" 0 "$n_clear"
}

roundtrip "global required 3.0" "${PORT[req]}" share 3.0 aes-128-ccm -e
roundtrip "global required 3.0.2" "${PORT[req]}" share 3.0.2 aes-128-ccm -e
roundtrip "global required 3.1.1" "${PORT[req]}" share 3.1.1 'aes-128-(gcm|ccm)' -e
for c in aes-128-gcm aes-128-ccm aes-256-gcm aes-256-ccm; do
    roundtrip "3.1.1 $c" "${PORT[$c]}" share 3.1.1 "$c" -e --cipher "$c"
done
roundtrip "share-only required 3.1.1" "${PORT[share]}" enc 3.1.1 'aes-128-(gcm|ccm)' -e
roundtrip "share-only required 3.0" "${PORT[share]}" enc 3.0 aes-128-ccm --encrypt=desired

# Without -e the client encrypts what the server requires (smbclient's
# default); --encrypt=off never offers encryption and is refused instead.
out=$(cli "${PORT[req]}" share -m 3.1.1 -c session); rc=$?
check_match "no -e on a server requiring encryption: the session encrypts (SESSION_FLAG_ENCRYPT_DATA)" \
    "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "^rc=0 .*encryption on"
out=$(cli "${PORT[req]}" share -m 3.1.1 --encrypt=off -c session); rc=$?
check_match "twin: --encrypt=off on a server requiring encryption: refused, STATUS_ACCESS_DENIED, names encryption" \
    "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "rc=1 .*STATUS_ACCESS_DENIED.*encrypt"
out=$(cli "${PORT[share]}" enc -m 3.1.1 --encrypt=off -c "put small x"); rc=$?
check_match "twin: --encrypt=off on a share requiring encryption: refused, STATUS_ACCESS_DENIED, names encryption" \
    "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "rc=1 .*STATUS_ACCESS_DENIED.*encrypt"
[ ! -e "${T}/share/enc/x" ] && ok "--encrypt=off on a required share: nothing written" || not_ok "--encrypt=off: file written"
# Per-share encryption without -e (MS-SMB2 3.2.5.5 Share.EncryptData): only
# the trees of the share with `smb encrypt = required` go in transforms.
pershare() { # NAME SHARE DIALECT WANT(yes|no)
    local name=$1 sh=$2 d=$3 want=$4 f pcap n_tr n_clear_tree out rc
    f=ps-$(printf '%s' "$name" | tr -c 'a-zA-Z0-9.\n-' _)
    pcap=$T/$f.pcap
    tshark_start "$pcap" "tcp port ${PORT[share]}"
    out=$(cli "${PORT[share]}" "$sh" -m "$d" -c "put small $f; get $f got-$f; session; rm $f"); rc=$?
    tshark_stop
    check_eq "no -e, $name: exit 0" "$rc" 0
    [ "$rc" = 0 ] || printf '%s\n' "$out" | tail -3 | sed 's/^/#   /'
    check_match "no -e, $name: the session itself is not encrypted" "$out" "^encryption off$"
    cmp -s small "got-$f" && ok "no -e, $name: round trip byte-identical" || not_ok "no -e, $name: round trip differs"
    n_tr=$(tshark -r "$pcap" -d "tcp.port==${PORT[share]},nbss" -Y 'smb2.header.transform.nonce' -T fields -e frame.number 2>/dev/null | wc -l)
    # clear SMB2 messages on the tree after the TREE_CONNECT (CREATE, WRITE, READ, CLOSE...)
    n_clear_tree=$(tshark -r "$pcap" -d "tcp.port==${PORT[share]},nbss" -Y 'smb2.tid != 0 && smb2.cmd != 3 && !smb2.header.transform.nonce' -T fields -e frame.number 2>/dev/null | wc -l)
    if [ "$want" = yes ]; then
        check_match "no -e, $name: requests on the tree went out encrypted" "$out" "^requests-encrypted [1-9]"
        if [ "$n_tr" -ge 6 ]; then ok "no -e, $name: tshark sees $n_tr transform headers"; else not_ok "no -e, $name: tshark sees $n_tr transform headers"; fi
        check_eq "no -e, $name: no clear SMB2 message on the tree after TREE_CONNECT" 0 "$n_clear_tree"
    else
        check_match "no -e, $name: nothing encrypted" "$out" "^requests-encrypted 0$"
        check_eq "no -e, $name: tshark sees no transform header" 0 "$n_tr"
        if [ "$n_clear_tree" -ge 6 ]; then ok "no -e, $name: $n_clear_tree clear messages on the tree"; else not_ok "no -e, $name: $n_clear_tree clear messages on the tree"; fi
    fi
}
pershare "required share 3.1.1" enc 3.1.1 yes
pershare "required share 3.0" enc 3.0 yes
pershare "plain share of the same server 3.1.1 (twin)" share 3.1.1 no
out=$(cli "${PORT[off]}" share -m 3.1.1 -e -c session); rc=$?
check_match "-e against a server with encryption off: refused" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "rc=1 .*STATUS_ACCESS_DENIED"
out=$(cli "${PORT[off]}" share -m 3.1.1 --encrypt=desired -c session); rc=$?
check_match "--encrypt=desired against a server with encryption off: goes on in clear" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "^rc=0 .*encryption off"
out=$(cli "${PORT[req]}" share -m 2.1 -e -c session); rc=$?
check_match "-e at 2.1: refused (encryption needs 3.x)" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "rc=1 .*STATUS_ACCESS_DENIED"

# MITM: flip one byte of an encrypted READ response
mitm() { # MODE DIALECT EXPECT
    local mode=$1 d=$2 re=$3 lp mp out rc
    cli "${PORT[req]}" share -m "$d" -e -c "put big m-$mode" >/dev/null
    for _ in 1 2 3; do
        lp=$(free_port)
        "$PY" "$MITM" "$lp" "${PORT[req]}" "$mode" 2>"$T/mitm-$mode-$d.log" &
        mp=$!
        track_pid $mp
        wait_port 127.0.0.1 "$lp" 10 && kill -0 "$mp" 2>/dev/null && break
        kill "$mp" 2>/dev/null; wait "$mp" 2>/dev/null; untrack "$mp"
    done
    cp small "local-$mode-$d"
    out=$(cli "$lp" share -m "$d" -e -c "get m-$mode local-$mode-$d"); rc=$?
    kill "$mp" 2>/dev/null; wait "$mp" 2>/dev/null; untrack "$mp"
    if grep -q "tampered $mode" "$T/mitm-$mode-$d.log"; then ok "mitm $mode $d: relay tampered"; else not_ok "mitm $mode $d: relay tampered"; fi
    check_match "mitm $mode $d: refused" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "rc=1 .*$re"
    if cmp -s small "local-$mode-$d" && [ ! -e "local-$mode-$d.part" ]; then
        ok "mitm $mode $d: no byte reached the local file"
    else
        not_ok "mitm $mode $d: local file changed"
    fi
}
mitm flip-enc 3.1.1 "STATUS_INVALID_SIGNATURE"
mitm flip-enc 3.0 "STATUS_INVALID_SIGNATURE"
# the untouched twin through the same relay
lp=$(free_port)
"$PY" "$MITM" "$lp" "${PORT[req]}" none 2>"$T/mitm-none.log" &
mp=$!; track_pid $mp
wait_port 127.0.0.1 "$lp" 10
out=$(cli "$lp" share -m 3.1.1 -e -c "get m-flip-enc got-none; session"); rc=$?
kill "$mp" 2>/dev/null; wait "$mp" 2>/dev/null; untrack "$mp"
check_match "mitm none: the encrypted session works through the relay" "rc=$rc $(printf '%s' "$out" | tr '\n' ' ')" "^rc=0 .*encryption on"
cmp -s big got-none && ok "mitm none: file intact" || not_ok "mitm none: file differs"
exit 0
