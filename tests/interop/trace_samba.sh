#!/bin/bash
# tests/interop/trace_samba.sh - `smbsign trace` on captures recorded here, with
# tshark on lo, of real smbclient <-> Samba smbd traffic (server signing =
# mandatory):
#  - SMB2_02, SMB2_10, SMB3_00, SMB3_02, SMB3_11 (AES-GMAC) and SMB3_11 with
#    AES-CMAC forced, a 4 MiB put + get each (READ/WRITE messages of up to
#    8 MiB spanning many TCP segments), pcap and pcapng: zero bad/unsigned/
#    no-key/incomplete, the right dialect/algorithm, multi-segment READ and
#    WRITE messages good; where Wireshark verifies (HMAC, CMAC) every signature
#    it calls good is good here with the same bytes, and the frames it calls
#    bad are reassembled multi-segment messages (its known limitation); on
#    GMAC it reports bad signatures where we verify them;
#  - SMB1 (smbclient -m NT1, MD5 with sequence numbers): zero bad;
#  - negative twins, as a relay would have changed the bytes: one flipped
#    byte of a READ response (HMAC, CMAC, GMAC, MD5) -> exactly that frame
#    bad, exit 1; SIGNED stripped from one response -> exactly that frame
#    unsigned; SIGNING_REQUIRED cleared in the NEGOTIATE response -> 3.0.2:
#    the VALIDATE_NEGOTIATE_INFO response is bad naming the NEGOTIATE frame,
#    3.1.1: every signed message bad (the preauth hash changed);
#  - keys: wrong password -> no-key with a hint, exit 0; wrong --session-key
#    -> bad, exit 1; no credentials -> no-key; the exported session key given
#    as --session-key, an --nt-hash, a --keys file -> the same verdicts;
#  - reordered and retransmitted segments -> the same verdicts; truncated and
#    garbage captures -> exit 2 with the byte offset, what was verified kept.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/trace.inc"
TAMPER="$ROOT/tests/interop/trace_tamper.py"

trace_smbd_start trace_samba str "server signing = mandatory" "  server signing = mandatory
  server min protocol = NT1
  server max protocol = SMB3_11
  ntlm auth = ntlmv2-only"

head -c $((4 * 1024 * 1024 + 12345)) /dev/urandom >"$T/big"
# ws_verdicts CAP: frame<TAB>signature lines of the SMB2 signatures Wireshark calls good / bad
ws() { tshark -r "$1" -d "tcp.port==$P,nbss" -o smb2.verify_signatures:TRUE -o "ntlmssp.nt_password:$PASS" "${@:2}" 2>/dev/null; }

capture() { trace_smbclient_capture "$@"; } # NAME FORMAT DIALECT [smbclient options...]

declare -A ALG=([2.0.2]=hmac-sha256 [2.1]=hmac-sha256 [3.0]=aes-cmac [3.0.2]=aes-cmac [3.1.1]=aes-gmac
    [3.1.1-cmac]=aes-cmac [nt1]=md5)
declare -A DIA=([2.0.2]=2.0.2 [2.1]=2.1 [3.0]=3.0 [3.0.2]=3.0.2 [3.1.1]=3.1.1 [3.1.1-cmac]=3.1.1 [nt1]=1)
capture 2.0.2 pcapng SMB2_02
capture 2.1 pcap SMB2_10
capture 3.0 pcapng SMB3_00
capture 3.0.2 pcap SMB3_02
capture 3.1.1 pcap SMB3_11
capture 3.1.1-cmac pcapng SMB3_11 --option="client smb3 signing algorithms=AES-128-CMAC"
capture nt1 pcap NT1 --option="client signing=required" --option="client ipc signing=required"

for name in 2.0.2 2.1 3.0 3.0.2 3.1.1 3.1.1-cmac nt1; do
    cap="$T/$name.cap" out="$T/$name.json"
    trace_run "$cap" "$out" -p "$P" -U "$USERNAME%$PASS"
    check_eq "$name: exit 0" "$TRACE_RC" 0
    check_eq "$name: no bad, unsigned, no-key or incomplete message" \
        "$(trace_q "$out" '[V("bad"), V("unsigned"), V("no-key"), V("incomplete")]')" "[0, 0, 0, 0]"
    check_eq "$name: one session, $USERNAME, dialect ${DIA[$name]}, ${ALG[$name]}, signing required" \
        "$(trace_q "$out" '[(s["user"], s["dialect"], s["algorithm"], s["signing_required"], s["key"]) for s in S["sessions"]]')" \
        "[('$USERNAME', '${DIA[$name]}', '${ALG[$name]}', True, True)]"
    good=$(trace_q "$out" 'V("good")')
    if [ "$good" -ge 20 ]; then ok "$name: $good signatures good"; else not_ok "$name: $good signatures good (want >= 20)"; fi
    rd=READ wr=WRITE rmin=65536 wmin=65536
    # smbclient's SMB1 READ_ANDX carries 64 KiB (two segments on lo), WRITE_ANDX 16 KiB
    [ "$name" = nt1 ] && rd=SMB_COM_READ_ANDX wr=SMB_COM_WRITE_ANDX rmin=60000 wmin=16000
    check_eq "$name: large $rd responses (> $rmin bytes) and $wr requests (> $wmin) verified good" \
        "$(trace_q "$out" "[len([m for m in M if m['command'] == '$rd' and m['response'] and m['length'] > $rmin and m['verdict'] == 'good']) > 0, len([m for m in M if m['command'] == '$wr' and not m['response'] and m['length'] > $wmin and m['verdict'] == 'good']) > 0]")" \
        "[True, True]"
    check_eq "$name: the only exempt messages are NEGOTIATE, SESSION_SETUP before the key, interim responses" \
        "$(trace_q "$out" "sorted(set(m['reason'] for m in M if m['verdict'] == 'not-subject') - {'NEGOTIATE', 'interim STATUS_PENDING response', 'SESSION_SETUP request before the session key exists', 'SESSION_SETUP interim response (more processing required)', 'SESSION_SETUP_ANDX before signing is active', 'SESSION_SETUP_ANDX interim response (more processing required)'})")" \
        "[]"
done

# ---- Wireshark, field by field where it verifies (HMAC, CMAC) ----
for name in 2.0.2 2.1 3.0 3.0.2 3.1.1-cmac 3.1.1; do
    cap="$T/$name.cap" out="$T/$name.json"
    ws "$cap" -Y smb2.good_signature -T fields -e frame.number -e smb2.signature | tr ',' ' ' |
        awk '{for (i = 2; i <= NF; i++) print $1, $i}' | sort >"$T/$name.ws-good"
    ws "$cap" -Y smb2.bad_signature -T fields -e frame.number | sort -u >"$T/$name.ws-bad"
    trace_q "$out" "'\n'.join('%d %s' % (m['frame'], m['found']) for m in M if m['verdict'] == 'good')" | sort >"$T/$name.our-good"
    trace_q "$out" "'\n'.join('%d %s' % (m['frame'], m['found']) for m in M if m['verdict'] == 'good' and m['length'] <= 60000)" |
        sort >"$T/$name.our-small"
    nws=$(wc -l <"$T/$name.ws-good") nbad=$(wc -l <"$T/$name.ws-bad")
    if [ "$name" = 3.1.1 ]; then
        # Wireshark 4.0 computes no GMAC: every signed message is "bad" there
        if [ "$nws" = 0 ] && [ "$nbad" -ge 10 ]; then ok "$name: Wireshark calls all $nbad GMAC-signed frames bad, trace verifies them"; else
            not_ok "$name: Wireshark on GMAC: $nws good, $nbad bad (expected 0 good)"; fi
        continue
    fi
    # compared by signature bytes (16 bytes name one message): when the capture
    # holds segments out of order, Wireshark (tcp.reassemble_out_of_order off)
    # may show a PDU on another frame than the one that completed it here
    missing=$(comm -23 <(awk '{print $2}' "$T/$name.ws-good" | sort -u) <(awk '{print $2}' "$T/$name.our-good" | sort -u))
    if [ "$nws" -ge 10 ] && [ -z "$missing" ]; then ok "$name: all $nws signatures Wireshark calls good are good here (same bytes)"; else
        not_ok "$name: Wireshark good signatures ($nws) not good here:"; echo "$missing" | head -5 | sed 's/^/#   /'
        for sig in $(echo "$missing" | head -3); do grep " $sig" "$T/$name.ws-good" | sed 's/^/#   wireshark frame: /'; done; fi
    nnone=$(comm -13 "$T/$name.ws-good" "$T/$name.our-good" | awk '{print $1}' | sort -u | comm -23 - "$T/$name.ws-bad" | wc -l)
    echo "# $name: Wireshark gives no verdict in $nnone frames whose signatures trace verifies (e.g. the final SESSION_SETUP response, some requests)"
    # frames Wireshark calls bad: each must be a reassembled multi-segment message, good here
    wrong=""
    while read -r f; do
        [ -n "$f" ] || continue
        r=$(trace_q "$out" "all(m['verdict'] == 'good' and m['length'] > 65483 for m in M if m['frame'] == $f) and any(m['frame'] == $f for m in M)")
        [ "$r" = True ] || wrong="$wrong $f"
    done <"$T/$name.ws-bad"
    if [ -z "$wrong" ]; then ok "$name: the $nbad frames Wireshark calls bad are multi-segment messages whose signature verifies"; else
        not_ok "$name: Wireshark calls frames bad that are not multi-segment messages:$wrong"; fi
done

# ---- tampered captures (pcap copies edited as a relay would) ----
first_frame() { trace_q "$1" "min([m['frame'] for m in M if $2] or [0])"; }
for name in 2.1 3.0.2 3.1.1 nt1; do
    cap="$T/$name.cap" out="$T/$name.json"
    rd=READ
    [ "$name" = nt1 ] && rd=SMB_COM_READ_ANDX
    f=$(first_frame "$out" "m['command'] == '$rd' and m['response'] and m['length'] > 60000 and m['verdict'] == 'good' and sum(1 for x in M if x['frame'] == m['frame']) == 1")
    # the last payload byte of the frame that completes the READ response: READ data
    /usr/bin/python3 "$TAMPER" flip "$cap" "$T/$name-flip.cap" "$f" -1 || { not_ok "$name: tamper flip"; continue; }
    trace_run "$T/$name-flip.cap" "$T/$name-flip.json" -p "$P" -U "$USERNAME%$PASS"
    check_eq "$name: one flipped byte in the $rd response of frame $f -> exactly that frame bad, exit 1" \
        "$TRACE_RC $(trace_q "$T/$name-flip.json" "[(m['frame'], m['command'], m['response'], m['expected'] != m['found']) for m in M if m['verdict'] in ('bad', 'unsigned')]")" \
        "1 [($f, '$rd', True, True)]"
    check_eq "$name: ... and every other message keeps its verdict" \
        "$(trace_q "$T/$name-flip.json" 'V("good") + 1')" "$(trace_q "$out" 'V("good")')"
    [ "$name" = nt1 ] || check_eq "$name: tshark agrees frame $f completes an SMB2 READ response" \
        "$(tshark -r "$cap" -d "tcp.port==$P,nbss" -Y "frame.number == $f && smb2.cmd == 8 && smb2.flags.response == 1" -T fields -e frame.number 2>/dev/null)" "$f"
    # SIGNED stripped from a small response (one message in its frame)
    cmd=CREATE
    [ "$name" = nt1 ] && cmd=SMB_COM_NT_CREATE_ANDX
    g=$(first_frame "$out" "m['command'] == '$cmd' and m['response'] and m['verdict'] == 'good' and sum(1 for x in M if x['frame'] == m['frame']) == 1")
    /usr/bin/python3 "$TAMPER" strip-signed "$cap" "$T/$name-strip.cap" "$g" || { not_ok "$name: tamper strip"; continue; }
    trace_run "$T/$name-strip.cap" "$T/$name-strip.json" -p "$P" -U "$USERNAME%$PASS"
    check_eq "$name: SIGNED stripped from the $cmd response of frame $g -> exactly that frame unsigned, exit 1" \
        "$TRACE_RC $(trace_q "$T/$name-strip.json" "[(m['frame'], m['verdict']) for m in M if m['verdict'] not in ('good', 'not-subject')]")" \
        "1 [($g, 'unsigned')]"
done
# SIGNING_REQUIRED cleared in the NEGOTIATE response
for name in 3.0.2 3.1.1; do
    out="$T/$name.json"
    n=$(first_frame "$out" "m['command'] == 'NEGOTIATE' and m['response']")
    /usr/bin/python3 "$TAMPER" clear-signing-required "$T/$name.cap" "$T/$name-neg.cap" "$n" || { not_ok "$name: tamper negotiate"; continue; }
    trace_run "$T/$name-neg.cap" "$T/$name-neg.json" -p "$P" -U "$USERNAME%$PASS"
    if [ "$name" = 3.0.2 ]; then
        check_eq "$name: SIGNING_REQUIRED cleared in NEGOTIATE frame $n -> only VALIDATE_NEGOTIATE_INFO responses are bad and names frame $n, exit 1" \
            "$TRACE_RC $(trace_q "$T/$name-neg.json" "sorted(set((m['command'], m['response'], 'frame $n says' in m['reason']) for m in M if m['verdict'] in ('bad', 'unsigned')))")" \
            "1 [('IOCTL', True, True)]"
    else
        check_eq "$name: SIGNING_REQUIRED cleared in NEGOTIATE frame $n -> every signed message bad (preauth hash), exit 1" \
            "$TRACE_RC $(trace_q "$T/$name-neg.json" '[V("good"), V("bad")]')" "1 [0, $(trace_q "$out" 'V("good")')]"
    fi
done

# ---- keys ----
out="$T/2.1-wrongpw.json"
trace_run "$T/2.1.cap" "$out" -p "$P" -U "$USERNAME%not-the-password"
check_eq "wrong password: exit 0, nothing good or bad, signed messages no-key" \
    "$TRACE_RC $(trace_q "$out" '[V("good"), V("bad"), V("no-key") > 20]')" "0 [0, 0, True]"
check_match "wrong password: the session says why" "$(trace_q "$out" 'S["sessions"][0]["note"]')" "wrong password for '$USERNAME'"
"$SMBSIGN" trace -p "$P" -U "$USERNAME%not-the-password" "$T/2.1.cap" >"$T/wrongpw.txt" 2>&1
check_match "wrong password: the text report names the session's problem" "$(cat "$T/wrongpw.txt")" "wrong password for '$USERNAME'"
trace_run "$T/2.1.cap" "$T/2.1-nokey.json" -p "$P"
check_match "no credentials: no-key, and the hint names the user" \
    "$TRACE_RC $(trace_q "$T/2.1-nokey.json" '[V("good"), V("no-key") > 20, S["sessions"][0]["note"]]')" \
    "^0 \[0, True, .no password for user '.*$USERNAME'"
for name in 2.1 3.1.1; do
    f=$(first_frame "$T/$name.json" "m['command'] == 'TREE_CONNECT' and m['verdict'] == 'good'")
    ex=$("$SMBSIGN" trace -p "$P" -U "$USERNAME%$PASS" --explain "$f" "$T/$name.cap" 2>&1)
    check_match "$name: --explain $f shows session key, signing key, covered bytes, expected = found" "$ex" \
        "session key \(exported\) +[0-9a-f]{32}"
    check_match "$name: --explain $f verdict" "$ex" "verdict +good"
    [ "$name" = 3.1.1 ] && check_match "$name: --explain shows the preauth hash and the SMBSigningKey" "$ex" \
        "preauth integrity hash +[0-9a-f]{128}"
    key=$(printf '%s\n' "$ex" | awk '/session key \(exported\)/ {print $4; exit}')
    sid=$(trace_q "$T/$name.json" 'S["sessions"][0]["session_id"]')
    trace_run "$T/$name.cap" "$T/$name-sk.json" -p "$P" --session-key "$sid:$key"
    check_eq "$name: --session-key $sid:<exported key> gives the same verdicts as the password" \
        "$TRACE_RC $(trace_q "$T/$name-sk.json" '[V("good"), V("bad"), V("no-key")]')" "0 [$(trace_q "$T/$name.json" 'V("good")'), 0, 0]"
    badkey=$(printf '%s' "$key" | tr '0-9a-f' '1-9a-f0')
    trace_run "$T/$name.cap" "$T/$name-badsk.json" -p "$P" --session-key "$sid:$badkey"
    check_eq "$name: a wrong --session-key -> every signed message bad, exit 1" \
        "$TRACE_RC $(trace_q "$T/$name-badsk.json" '[V("good"), V("bad") > 20]')" "1 [0, True]"
done
nth=$(/usr/bin/python3 -c "from impacket.ntlm import compute_nthash; import sys; print(compute_nthash(sys.argv[1]).hex())" "$PASS")
trace_run "$T/3.0.cap" "$T/3.0-nt.json" -p "$P" --nt-hash "$USERNAME:$nth"
check_eq "3.0: --nt-hash (impacket's NTOWFv1) gives the same verdicts" "$TRACE_RC $(trace_q "$T/3.0-nt.json" 'V("good")')" \
    "0 $(trace_q "$T/3.0.json" 'V("good")')"
printf '# keys for the test\n\n--user someoneelse%%x\n-U %s%%%s\n' "$USERNAME" "$PASS" >"$T/keys"
trace_run "$T/3.0.cap" "$T/3.0-keys.json" -p "$P" --keys "$T/keys"
check_eq "3.0: --keys FILE (comments, another user, then ours) gives the same verdicts" \
    "$TRACE_RC $(trace_q "$T/3.0-keys.json" 'V("good")')" "0 $(trace_q "$T/3.0.json" 'V("good")')"

# ---- transport: reordered and retransmitted segments, truncated and garbage captures ----
# two consecutive server -> client data segments in the middle of the 3.1.1 READ
k=$(tshark -r "$T/3.1.1.cap" -Y "tcp.srcport == $P && tcp.len > 1000" -T fields -e frame.number 2>/dev/null |
    awk 'NR > 1 && $1 == prev + 1 {n++; if (n == 3) {print prev; exit}} {prev = $1}')
/usr/bin/python3 "$TAMPER" swap "$T/3.1.1.cap" "$T/swap.cap" "$k"
trace_run "$T/swap.cap" "$T/swap.json" -p "$P" -U "$USERNAME%$PASS"
check_eq "3.1.1: segments $k and $((k + 1)) swapped (out of order) -> the same verdicts" \
    "$TRACE_RC $(trace_q "$T/swap.json" '[V(v) for v in ("good", "bad", "unsigned", "no-key", "incomplete")]')" \
    "0 $(trace_q "$T/3.1.1.json" '[V(v) for v in ("good", "bad", "unsigned", "no-key", "incomplete")]')"
/usr/bin/python3 "$TAMPER" dup "$T/3.1.1.cap" "$T/dup.cap" "$k"
trace_run "$T/dup.cap" "$T/dup.json" -p "$P" -U "$USERNAME%$PASS"
check_eq "3.1.1: segment $k retransmitted -> the same verdicts" \
    "$TRACE_RC $(trace_q "$T/dup.json" '[V(v) for v in ("good", "bad", "unsigned", "no-key", "incomplete")]')" \
    "0 $(trace_q "$T/3.1.1.json" '[V(v) for v in ("good", "bad", "unsigned", "no-key", "incomplete")]')"
sz=$(stat -c %s "$T/2.1.cap")
head -c $((sz / 2)) "$T/2.1.cap" >"$T/trunc.cap"
trace_run "$T/trunc.cap" "$T/trunc.json" -p "$P" -U "$USERNAME%$PASS"
check_match "truncated capture: exit 2, error with the byte offset" "$TRACE_RC $(cat "$T/trunc.json.err")" \
    "^2 .*near byte offset [0-9]+"
check_eq "truncated capture: what was verified before the cut is reported, nothing bad" \
    "$(trace_q "$T/trunc.json" '[V("good") > 5, V("bad"), "error" in S, S["exit"]]')" "[True, 0, True, 2]"
head -c 5000 /dev/urandom >"$T/garbage.cap"
trace_run "$T/garbage.cap" "$T/garbage.json" -p "$P"
check_match "garbage capture: exit 2, clear error at byte offset 0" "$TRACE_RC $(cat "$T/garbage.json.err")" \
    "^2 .*not a readable pcap/pcapng capture \(at byte offset 0\)"
cat "$T/2.1.cap" | "$SMBSIGN" trace -p "$P" -U "$USERNAME%$PASS" - >"$T/stdin.txt" 2>&1
check_match "capture on standard input ('-')" "$(cat "$T/stdin.txt")" "total: $(trace_q "$T/2.1.json" 'V("good")') good, 0 bad"

[ "$T_FAILS" = 0 ]
