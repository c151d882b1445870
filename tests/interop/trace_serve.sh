#!/bin/bash
# tests/interop/trace_serve.sh - `smbsign trace` on captures of our own peers,
# recorded here with tshark on lo:
#  - smbsign client <-> smbsign serve (--signing required) at 2.0.2, 2.1, 3.0,
#    3.0.2 and 3.1.1 (AES-GMAC), a 3 MiB put + get each: zero bad/unsigned/
#    no-key/incomplete, the right dialect and algorithm, multi-segment
#    READ/WRITE messages good; negative twin: a flipped byte in a READ
#    response is exactly one bad message, exit 1;
#  - smbclient -m NT1 <-> smbsign serve (smb1 = yes, signing required): MD5
#    verified, zero bad; negative twin: wrong password -> no-key;
#  - the live matrix's connections (matrix --live, smb2 family, captured with
#    -p any): every signed message good; with --tamper read the tap's flipped
#    READ response signatures, and only those, are bad;
#  - signing enabled on both sides (no one requires it): the session's
#    unsigned messages are not-subject with that reason, exit 0 (the twin of
#    the required sessions, where an unsigned message is `unsigned`).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/trace.inc"
. "$(dirname "$0")/server_lib.inc"
TAMPER="$ROOT/tests/interop/trace_tamper.py"

command -v tshark >/dev/null || { not_ok "trace_serve: tshark is not installed"; exit 1; }
[ "$(id -u)" = 0 ] || { not_ok "trace_serve: needs root to capture on lo"; exit 1; }
[ -x "$SMBSIGN" ] || { not_ok "trace_serve: $SMBSIGN not built"; exit 1; }

srv_setup
printf '[global]\nsmb1 = yes\n' >"$SRV_DIR/smb1.conf"
srv_start required 127.0.0.1 "" -c "$SRV_DIR/smb1.conf" || { not_ok "smbsign serve starts (required)"; exit 1; }
ok "smbsign serve (signing required, smb1 = yes) on port $SRV_PORT"
P=$SRV_PORT
T=$(mk_tmpdir)
head -c $((3 * 1024 * 1024 + 777)) /dev/urandom >"$T/big"

declare -A ALG=([2.0.2]=hmac-sha256 [2.1]=hmac-sha256 [3.0]=aes-cmac [3.0.2]=aes-cmac [3.1.1]=aes-gmac)
for d in 2.0.2 2.1 3.0 3.0.2 3.1.1; do
    fmt=pcap
    [ "$d" = 3.0 ] && fmt=pcapng
    for try in 1 2; do
        trace_cap_start "$T/$d.cap" "tcp port $P" "$fmt"
        (cd "$T" && timeout 120 "$SMBSIGN_REL" client "//127.0.0.1:$P/share" -U alice%secret1 -m "$d" --min-dialect "$d" \
            --signing required -c "put big big-$d; get big-$d back-$d") >"$T/$d.client" 2>&1
        rc=$?
        trace_cap_stop
        trace_cap_has_start "$T/$d.cap" && break
        echo "# $d: tshark missed the connection's start (loaded machine); recording again"
    done
    if [ $rc = 0 ] && cmp -s "$T/big" "$T/back-$d"; then ok "$d: smbsign client put + get of 3 MiB intact"; else
        not_ok "$d: smbsign client put + get (rc $rc)"; tail -3 "$T/$d.client" | sed 's/^/#   /'; fi
    out="$T/$d.json"
    trace_run "$T/$d.cap" "$out" -p "$P" -U alice%secret1
    check_eq "$d: exit 0, no bad, unsigned, no-key or incomplete message" \
        "$TRACE_RC $(trace_q "$out" '[V("bad"), V("unsigned"), V("no-key"), V("incomplete")]')" "0 [0, 0, 0, 0]"
    check_eq "$d: session alice, dialect $d, ${ALG[$d]}, signing required" \
        "$(trace_q "$out" '[(s["user"], s["dialect"], s["algorithm"], s["signing_required"]) for s in S["sessions"]]')" \
        "[('alice', '$d', '${ALG[$d]}', True)]"
    check_eq "$d: multi-segment READ responses and WRITE requests verified good" \
        "$(trace_q "$out" "[any(m['command'] == 'READ' and m['response'] and m['length'] > 65536 and m['verdict'] == 'good' for m in M), any(m['command'] == 'WRITE' and not m['response'] and m['length'] > 65536 and m['verdict'] == 'good' for m in M)]")" \
        "[True, True]"
    [ "$fmt" = pcap ] || continue
    f=$(trace_q "$out" "min([m['frame'] for m in M if m['command'] == 'READ' and m['response'] and m['length'] > 65536 and sum(1 for x in M if x['frame'] == m['frame']) == 1] or [0])")
    /usr/bin/python3 "$TAMPER" flip "$T/$d.cap" "$T/$d-flip.cap" "$f" -1 || { not_ok "$d: tamper flip"; continue; }
    trace_run "$T/$d-flip.cap" "$T/$d-flip.json" -p "$P" -U alice%secret1
    # the last byte of frame $f's packet belongs to the READ response that ends
    # there, or, when loopback coalesced segments, to the next message that
    # starts in the same packet (it then ends in a later frame): exactly one
    # READ response is bad, ending at frame $f or after it
    check_eq "$d: flipped byte in the READ response packet of frame $f -> exactly one READ bad (at or after it), exit 1" \
        "$TRACE_RC $(trace_q "$T/$d-flip.json" "[('READ', m['frame'] >= $f) for m in M if m['verdict'] in ('bad', 'unsigned')]")" \
        "1 [('READ', True)]"
done

# the "any" pseudo-interface: Linux cooked (SLL/SLL2) link layer
TRACE_IFACE=any trace_cap_start "$T/any.cap" "tcp port $P"
(cd "$T" && timeout 60 "$SMBSIGN_REL" client "//127.0.0.1:$P/share" -U alice%secret1 -m 3.1.1 --signing required \
    -c "put big any-up") >"$T/any.client" 2>&1
trace_cap_stop
lt=$(capinfos -E "$T/any.cap" 2>/dev/null | awk -F': *' '/encapsulation/ {print $2}')
trace_run "$T/any.cap" "$T/any.json" -p "$P" -U alice%secret1
check_eq "capture on 'any' ($lt): exit 0, verified, nothing bad" \
    "$TRACE_RC $(trace_q "$T/any.json" '[V("good") > 10, V("bad"), V("incomplete")]')" "0 [True, 0, 0]"

# SMB1: smbclient -m NT1 against our server
trace_cap_start "$T/nt1.cap" "tcp port $P" pcap
head -c $((1024 * 1024)) /dev/urandom >"$SRV_DIR/share/m1"
cp "$SRV_DIR/share/m1" "$SRV_DIR/m1"
out1=$(smbc NT1 required "get m1 m1.back; put m1 m1.up")
trace_cap_stop
if cmp -s "$SRV_DIR/m1" "$SRV_DIR/m1.back"; then ok "nt1: smbclient get from smbsign serve intact"; else
    not_ok "nt1: smbclient get"; echo "$out1" | tail -3 | sed 's/^/#   /'; fi
trace_run "$T/nt1.cap" "$T/nt1.json" -p "$P" -U alice%secret1
check_eq "nt1: exit 0, MD5 verified, no bad/unsigned/no-key/incomplete" \
    "$TRACE_RC $(trace_q "$T/nt1.json" '[V("good") > 20, V("bad"), V("unsigned"), V("no-key"), V("incomplete"), [s["algorithm"] for s in S["sessions"]]]')" \
    "0 [True, 0, 0, 0, 0, ['md5']]"
trace_run "$T/nt1.cap" "$T/nt1-wrong.json" -p "$P" -U alice%secret2
check_eq "nt1: wrong password -> no-key, exit 0" \
    "$TRACE_RC $(trace_q "$T/nt1-wrong.json" '[V("good"), V("bad"), V("no-key") > 20]')" "0 [0, 0, True]"
srv_stop

# signing not required anywhere: unsigned messages are exempt, and stripping
# a SIGNED flag there is not a violation
srv_start enabled 127.0.0.1 "" || { not_ok "smbsign serve starts (enabled)"; exit 1; }
P=$SRV_PORT
trace_cap_start "$T/en.cap" "tcp port $P" pcap
(cd "$T" && timeout 60 "$SMBSIGN_REL" client "//127.0.0.1:$P/share" -U alice%secret1 -m 3.0.2 --signing enabled \
    -c "put big small-en; ls") >"$T/en.client" 2>&1
trace_cap_stop
trace_run "$T/en.cap" "$T/en.json" -p "$P" -U alice%secret1
check_eq "signing enabled on both sides: exit 0, session not requiring signing, nothing bad or unsigned" \
    "$TRACE_RC $(trace_q "$T/en.json" '[[s["signing_required"] for s in S["sessions"]], V("bad"), V("unsigned"), V("not-subject") > 5]')" \
    "0 [[False], 0, 0, True]"
check_eq "signing enabled: the unsigned messages say why they are exempt" \
    "$(trace_q "$T/en.json" "any(m.get('reason') == 'unsigned; signing is not required on this session' for m in M)")" "True"
srv_stop

# the live matrix's connections (ephemeral ports on both sides: client -> tap,
# tap -> server); -p any follows every connection from its SYN
read -r elo ehi </proc/sys/net/ipv4/ip_local_port_range
for tamper in none read; do
    targs=()
    [ "$tamper" = read ] && targs=(--tamper read)
    trace_cap_start "$T/ml-$tamper.cap" "tcp src portrange $elo-$ehi and tcp dst portrange $elo-$ehi" pcap
    timeout 300 "$SMBSIGN_REL" matrix --live --family smb2 "${targs[@]}" >"$T/ml-$tamper.out" 2>&1
    mrc=$?
    trace_cap_stop
    trace_run "$T/ml-$tamper.cap" "$T/ml-$tamper.json" -p any -U live%matrix-live-Pw1
    live='[s for s in S["sessions"] if s["user"] == "live"]'
    if [ "$tamper" = none ]; then
        check_eq "matrix --live (exit $mrc): its sessions verified, none bad/unsigned/no-key/incomplete" \
            "$(trace_q "$T/ml-none.json" "[len($live) >= 6, sum(s['verdicts']['good'] for s in $live) >= 40, sum(s['verdicts'][v] for s in $live for v in ('bad', 'unsigned', 'no-key', 'incomplete'))]")" \
            "[True, True, 0]"
    else
        check_eq "matrix --live --tamper read (exit $mrc): the tap's flipped READ signatures are bad, nothing else" \
            "$(trace_q "$T/ml-read.json" "[sorted(set((m['command'], m['response']) for m in M if m['verdict'] == 'bad' and m.get('session') in [s['session'] for s in $live])), sum(1 for m in M if m['verdict'] == 'bad') > 0]")" \
            "[[('READ', True)], True]"
    fi
done

[ "$T_FAILS" = 0 ]
