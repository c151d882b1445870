#!/bin/bash
# tests/interop/trace_encrypt.sh - `smbsign trace` on SMB 3.x encrypted traffic
# recorded here with tshark on lo: smbclient --client-protection=encrypt <-> Samba smbd with
# "server smb encrypt = required" (and signing mandatory):
#  - SMB3_00 (AES-128-CCM), SMB3_11 with AES-128-GCM (Samba's default),
#    AES-128-CCM and AES-256-GCM: a 4 MiB put + get each; every TRANSFORM
#    message decrypts (elements decrypted-good, multi-segment READ/WRITE
#    included), the session reports the cipher NEGOTIATE chose, exit 0, and
#    no bad / unsigned / no-key / incomplete / decrypt-failed message;
#  - twins: one flipped ciphertext byte in a server -> client segment ->
#    exactly one decrypt-failed, exit 1; the wrong password -> the TRANSFORM
#    messages are no-key (never decrypted-good), exit 0; an unencrypted
#    capture has no decrypted-good message at all.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/trace.inc"
TAMPER="$ROOT/tests/interop/trace_tamper.py"

trace_smbd_start trace_encrypt ste "server smb encrypt = required" "  server signing = mandatory
  server smb encrypt = required
  server min protocol = SMB3_00
  server max protocol = SMB3_11
  ntlm auth = ntlmv2-only"

head -c $((4 * 1024 * 1024 + 4321)) /dev/urandom >"$T/big"

# capture NAME DIALECT [smbclient options...]: encrypted put + get of big (classic pcap),
# and the TRANSFORM messages tshark sees in it
capture() {
    local name=$1 d=$2 nt
    shift 2
    trace_smbclient_capture "$name" pcap "$d" --client-protection=encrypt "$@"
    nt=$(tshark -r "$T/$name.cap" -d "tcp.port==$P,nbss" -Y smb2.header.transform.nonce 2>/dev/null | wc -l)
    if [ "$nt" -ge 10 ]; then ok "$name: tshark sees $nt TRANSFORM messages"; else
        not_ok "$name: tshark sees $nt TRANSFORM messages (want >= 10)"; fi
}

declare -A CIPHER=([3.0]=aes-128-ccm [3.1.1-gcm]=aes-128-gcm [3.1.1-ccm]=aes-128-ccm [3.1.1-256gcm]=aes-256-gcm)
declare -A DIA=([3.0]=3.0 [3.1.1-gcm]=3.1.1 [3.1.1-ccm]=3.1.1 [3.1.1-256gcm]=3.1.1)
capture 3.0 SMB3_00
capture 3.1.1-gcm SMB3_11
capture 3.1.1-ccm SMB3_11 --option="client smb3 encryption algorithms=AES-128-CCM"
capture 3.1.1-256gcm SMB3_11 --option="client smb3 encryption algorithms=AES-256-GCM"

for name in 3.0 3.1.1-gcm 3.1.1-ccm 3.1.1-256gcm; do
    cap="$T/$name.cap" out="$T/$name.json"
    trace_run "$cap" "$out" -p "$P" -U "$USERNAME%$PASS"
    check_eq "$name: exit 0" "$TRACE_RC" 0
    check_eq "$name: no bad, unsigned, no-key, incomplete or decrypt-failed message" \
        "$(trace_q "$out" '[V("bad"), V("unsigned"), V("no-key"), V("incomplete"), V("decrypt-failed")]')" "[0, 0, 0, 0, 0]"
    check_eq "$name: one session, $USERNAME, dialect ${DIA[$name]}, cipher ${CIPHER[$name]}" \
        "$(trace_q "$out" '[(s["user"], s["dialect"], s["cipher"], s["key"]) for s in S["sessions"]]')" \
        "[('$USERNAME', '${DIA[$name]}', '${CIPHER[$name]}', True)]"
    n=$(trace_q "$out" 'V("decrypted-good")')
    if [ "$n" -ge 20 ]; then ok "$name: $n decrypted-good messages"; else not_ok "$name: $n decrypted-good messages (want >= 20)"; fi
    check_eq "$name: every decrypted-good message carries the cipher" \
        "$(trace_q "$out" 'sorted(set(m.get("cipher") for m in M if m["verdict"] == "decrypted-good"))')" "['${CIPHER[$name]}']"
    check_eq "$name: large READ responses and WRITE requests (> 65536 bytes) decrypted-good" \
        "$(trace_q "$out" '[any(m["command"] == "READ" and m["response"] and m["length"] > 65536 and m["verdict"] == "decrypted-good" for m in M), any(m["command"] == "WRITE" and not m["response"] and m["length"] > 65536 and m["verdict"] == "decrypted-good" for m in M)]')" \
        "[True, True]"
done

# twin: one flipped ciphertext byte (in the middle of a large server -> client segment)
f=$(tshark -r "$T/3.1.1-gcm.cap" -Y "tcp.srcport == $P && tcp.len > 20000" -T fields -e frame.number 2>/dev/null | sed -n 3p)
if [ -n "$f" ] && /usr/bin/python3 "$TAMPER" flip "$T/3.1.1-gcm.cap" "$T/flip.cap" "$f" 10000; then
    trace_run "$T/flip.cap" "$T/flip.json" -p "$P" -U "$USERNAME%$PASS"
    check_eq "flipped byte in frame $f: exit 1" "$TRACE_RC" 1
    check_eq "flipped byte: exactly one decrypt-failed, nothing else bad" \
        "$(trace_q "$T/flip.json" '[V("decrypt-failed"), V("bad"), V("unsigned")]')" "[1, 0, 0]"
    check_eq "flipped byte: the decrypt-failed message is a server -> client TRANSFORM naming the tag" \
        "$(trace_q "$T/flip.json" '[(m["command"], m["src"].endswith(":'$P'"), "AEAD tag" in m["reason"]) for m in M if m["verdict"] == "decrypt-failed"]')" \
        "[('TRANSFORM', True, True)]"
else
    not_ok "flip: no large server segment found to tamper with (frame '$f')"
fi

# twin: the wrong password -> nothing decrypts, nothing is called bad
trace_run "$T/3.1.1-gcm.cap" "$T/wrong.json" -p "$P" -U "$USERNAME%not-the-password"
check_eq "wrong password: exit 0 (no verdict against the traffic)" "$TRACE_RC" 0
check_eq "wrong password: no decrypted-good, TRANSFORM messages no-key" \
    "$(trace_q "$T/wrong.json" '[V("decrypted-good"), V("decrypt-failed"), any(m["command"] == "TRANSFORM" and m["verdict"] == "no-key" for m in M)]')" \
    "[0, 0, True]"

# twin: plain signed traffic (no -e, a share of a server that does not encrypt)
P2=$(free_port) || { not_ok "free port"; exit 1; }
samba_conf "$T/p" "$P2" "  server signing = mandatory
  server smb encrypt = off
  server max protocol = SMB3_11"
samba_user "$T/p" "$USERNAME" "$PASS"
samba_start "$T/p"
track_pid "$SAMBA_PID"
wait_port 127.0.0.1 "$P2" 20 || { not_ok "second smbd started"; exit 1; }
trace_cap_start "$T/plain.cap" "tcp port $P2" pcap
timeout 120 smbclient //127.0.0.1/share -p "$P2" -U "$USERNAME%$PASS" -m SMB3_11 -c "put $T/big plain; get plain $T/plain-back" \
    >"$T/plain.smbclient" 2>&1
trace_cap_stop
trace_run "$T/plain.cap" "$T/plain.json" -p "$P2" -U "$USERNAME%$PASS"
check_eq "unencrypted capture: exit 0, signatures good, no decrypted-good, cipher null" \
    "$(trace_q "$T/plain.json" '[V("good") > 10, V("decrypted-good"), [s["cipher"] for s in S["sessions"]]]')" "[True, 0, [None]]"
[ "$T_FAILS" = 0 ]
