#!/bin/bash
# tests/cli/sign_cli.sh - the contracts of the signing verbs (issue 2 item 5):
# kdf, preauth, sign, verify, explain, demo; exit codes 0/1/2; errors that
# name the problem and where. Known answers: Microsoft's published SMB 3.x
# vectors and signatures computed by impacket 0.10 (see tests/unit/test_sign.c).
. "$(dirname "$0")/../lib.sh"
S=$SMBSIGN
T=$(mk_tmpdir)
tobin() { perl -e 'local $/; $_ = <STDIN>; s/\s+//g; print pack("H*", $_)'; }
tohex() { od -An -tx1 -v | tr -d ' \n'; }

# --- global -----------------------------------------------------------------
check_match "--version" "$($S --version)" '^smbsign [0-9]+\.[0-9]+'
h=$($S help)
for v in demo kdf preauth sign verify explain; do
    check_match "help lists $v" "$h" "^  $v "
    out=$($S "$v" --help); rc=$?
    check_eq "$v --help exits 0" "$rc" 0
    check_match "$v --help has examples or usage" "$out" '^usage: smbsign '"$v"
done

# --- kdf --------------------------------------------------------------------
out=$($S kdf --dialect 3.0 --session-key B4546771B515F766A86735532DD6C4F0)
check_eq "kdf prints exactly four lines" "$(printf '%s\n' "$out" | wc -l)" 4
check_match "kdf 3.0 line order" "$(printf '%s\n' "$out" | cut -d' ' -f1 | tr '\n' ' ')" '^signing-key encryption-key decryption-key application-key $'
check_match "kdf 3.0 encryption key (MS vector)" "$out" '^encryption-key 261b72350558f2e9dcf613070383edbf$'
check_match "kdf 3.0 decryption key (MS vector)" "$out" '^decryption-key 8fe2b57ec34d2db5b1a9727f526bbdb5$'
check_match "kdf 3.0 signing key (impacket KDF_CounterMode)" "$out" '^signing-key f773cd23c18fd1e08ee510cada7cf852$'
out=$($S kdf --dialect 3.0.2 --session-key b4546771b515f766a86735532dd6c4f0)
check_match "kdf 3.0.2 same as 3.0, lowercase input" "$out" '^encryption-key 261b72350558f2e9dcf613070383edbf$'
PA=B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDBA7DB256BA2EA30E977F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770
out=$($S kdf --dialect 3.1.1 --session-key 419FDDF34C1E001909D362AE7FB6AF79 --preauth-hash "$PA")
check_match "kdf 3.1.1 encryption key (MS vector)" "$out" '^encryption-key a2f5e80e5d59103034f32e52f698e5ec$'
check_match "kdf 3.1.1 decryption key (MS vector)" "$out" '^decryption-key 748c50868c90f302962a5c35f5f9a8bf$'
out=$($S kdf --dialect 3.1.1 --cipher aes-256-gcm --session-key 419FDDF34C1E001909D362AE7FB6AF79 --preauth-hash "$PA")
check_match "kdf 3.1.1 aes-256: 32-byte encryption key" "$out" '^encryption-key cb61eb110446fbcaeb6a83beedb92779130b833a706e5b3495879d52195b90ed$'
check_match "kdf 3.1.1 aes-256: signing key unchanged (128 bits)" "$out" '^signing-key 8765949dfeaee105ce9118b45be988f0$'
check_exit 2 "kdf aes-256 with 3.0 exits 2" $S kdf --dialect 3.0 --cipher aes-256-gcm --session-key B4546771B515F766A86735532DD6C4F0
check_exit 2 "kdf unknown cipher exits 2" $S kdf --dialect 3.1.1 --cipher des --session-key 419FDDF34C1E001909D362AE7FB6AF79 --preauth-hash "$PA"
check_exit 2 "kdf 32-byte session key without aes-256 exits 2" $S kdf --dialect 3.0 --session-key 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
out=$($S kdf --dialect 3.1.1 --session-key "41 9F DD F3 4C 1E 00 19 09 D3 62 AE 7F B6 AF 79" --preauth-hash "$PA")
check_match "kdf hex input ignores whitespace" "$out" '^encryption-key a2f5e80e5d59103034f32e52f698e5ec$'
err=$($S kdf --dialect 3.1.1 --session-key 419FDDF34C1E001909D362AE7FB6AF79 2>&1); rc=$?
check_eq "kdf 3.1.1 without preauth hash exits 2" "$rc" 2
check_match "kdf names the missing option" "$err" 'preauth-hash'
err=$($S kdf --dialect x --session-key 00 2>&1); rc=$?
check_eq "kdf unknown dialect exits 2" "$rc" 2
check_match "kdf unknown dialect message" "$err" "unknown dialect 'x'"
err=$($S kdf --dialect 3.0 --session-key 0011 2>&1); rc=$?
check_eq "kdf short key exits 2" "$rc" 2
check_match "kdf short key message" "$err" -- '--session-key: expected 16 bytes'
err=$($S kdf --dialect 3.0 --session-key B4546771B515F766A86735532DD6C4FG 2>&1); rc=$?
check_eq "kdf bad hex exits 2" "$rc" 2
check_match "kdf bad hex names the offset" "$err" 'bad hex at offset 31'
check_exit 2 "kdf 2.1 has no KDF" $S kdf --dialect 2.1 --session-key B4546771B515F766A86735532DD6C4F0
check_exit 2 "kdf without options" $S kdf

# --- preauth (Microsoft's SMB 3.1.1 preauth example) -----------------------------
cat >"$T/m1.hex" <<'X'
FE534D4240000100000000000000800000000000000000000100000000000000FFFE000000000000
00000000000000000000000000000000000000000000000024000500000000003F000000ECD86F32
6276024F9F7752B89BB33F3A70000000020000000202100200030203110300000100260000000000
010020000100FA49E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF0000
0200060000000000020002000100
X
cat >"$T/m3.hex" <<'X'
FE534D4240000100000000000100800000000000000000000200000000000000FFFE000000000000
00000000000000000000000000000000000000000000000019000001010000000000000058004A00
0000000000000000604806062B0601050502A03E303CA00E300C060A2B06010401823702020AA22A
04284E544C4D5353500001000000978208E200000000000000000000000000000000060380250000
000F
X
out=$($S preauth --hex "$T/m1.hex"); rc=$?
check_eq "preauth exits 0" "$rc" 0
check_eq "preauth after NEGOTIATE request (MS vector)" "$out" \
    "$T/m1.hex dd94efc5321bb618a2e208ba8920d2f422992526947a409b5037de1e0fe8c7362b8c47122594cde0ce26aa9dfc8bcdbde0621957672623351a7540f1e54a0426"
tobin <"$T/m1.hex" >"$T/m1.bin"
tobin <"$T/m3.hex" >"$T/m3.bin"
out=$($S preauth "$T/m1.bin" "$T/m3.bin")
check_eq "preauth prints one line per file" "$(printf '%s\n' "$out" | wc -l)" 2
check_match "preauth raw file 1 same as hex" "$out" "^$T/m1.bin dd94efc5321bb618"
want3=$(/usr/bin/python3 -c "
import hashlib,sys
h=bytes(64)
for f in sys.argv[1:]: h=hashlib.sha512(h+open(f,'rb').read()).digest()
print(h.hex())" "$T/m1.bin" "$T/m3.bin")
check_match "preauth chain value after file 2 (python hashlib)" "$out" "^$T/m3.bin $want3\$"
err=$($S preauth "$T/nope.bin" 2>&1); rc=$?
check_eq "preauth missing file exits 2" "$rc" 2
check_match "preauth names the file" "$err" "nope.bin: cannot open"
printf 'fe534d42' | tobin >"$T/short.bin"
err=$($S preauth "$T/short.bin" 2>&1); rc=$?
check_eq "preauth short message exits 2" "$rc" 2
check_match "preauth short message text" "$err" 'message shorter than its header \(4 bytes'
printf 'fe53 4d4x' >"$T/bad.hex"
err=$($S preauth --hex "$T/bad.hex" 2>&1); rc=$?
check_eq "preauth bad hex exits 2" "$rc" 2
check_match "preauth bad hex names file and offset" "$err" 'bad.hex: bad hex at offset 8'
check_exit 2 "preauth without files" $S preauth

# --- sign / verify: known answers ---------------------------------------------------
W=FE534D4240000100000000000900400008000000000000000400000000000000FFFE0000010000001100001400E4080000000000000000000000000000000000310070001700000000000000000000001501000039000002010000003902000000000000000000007000000000000000536D623320656E6372797074696F6E2074657374696E67
SK=B4546771B515F766A86735532DD6C4F0
sig_of() { tr -d ' \n' | cut -c97-128; }
check_eq "sign 2.1 hmac-sha256 known answer (impacket)" \
    "$(echo "$W" | $S sign --dialect 2.1 --session-key $SK --hex | sig_of)" 9ff7c0c69d5f129a97feb64b95a1bf1d
check_eq "sign 3.0 aes-cmac known answer (impacket)" \
    "$(echo "$W" | $S sign --dialect 3.0 --session-key $SK --hex | sig_of)" a7c3978d77323e357f43b9747b7504ed
check_eq "sign 3.1.1 aes-gmac known answer (pycryptodome)" \
    "$(echo "$W" | $S sign --dialect 3.1.1 --algorithm aes-gmac --signing-key f773cd23c18fd1e08ee510cada7cf852 --hex | sig_of)" \
    bf8b383744b03ce09decc5bbf99b064f
E=ff534d422b000000001807c80000000000000000000000000000fffffeff00080100010100040070696e67
out=$(echo "$E" | $S sign --dialect 1 --mac-key 000102030405060708090a0b0c0d0e0f missing 2>&1); rc=$?
check_eq "sign rejects a stray argument" "$rc" 2
out=$(echo "$E" | $S sign --dialect 1 --mac-key 000102030405060708090a0b0c0d0e0f6465666768696a6b6c6d6e6f707172737475767778797a7b --seq 2 --hex | tr -d '\n')
check_eq "sign SMB1 md5 known answer (impacket)" "${out:28:16}" 204181de2571d6a9

# --- sign / verify round trips, raw and hex, every dialect -------------------------
printf '%s' "$W" | tobin >"$T/w.bin"
for spec in "2.0.2 --session-key $SK" "2.1 --signing-key $SK" "3.0 --session-key $SK" "3.0.2 --signing-key $SK" \
    "3.1.1 --session-key $SK --preauth-hash $PA" "3.1.1 --algorithm hmac-sha256 --signing-key $SK" \
    "3.1.1 --algorithm aes-gmac --session-key $SK --preauth-hash $PA"; do
    # shellcheck disable=SC2086
    set -- $spec
    d=$1; shift
    $S sign --dialect "$d" "$@" <"$T/w.bin" >"$T/s.bin"
    check_eq "sign $d $1 raw keeps the length" "$(wc -c <"$T/s.bin")" "$(wc -c <"$T/w.bin")"
    out=$($S verify --dialect "$d" "$@" <"$T/s.bin"); rc=$?
    check_eq "verify $d $* raw exits 0" "$rc" 0
    check_match "verify $d prints valid" "$out" '^valid '
    # flip one bit in the payload
    perl -e 'local $/; $_ = <STDIN>; substr($_, 100, 1) = chr(ord(substr($_, 100, 1)) ^ 1); print' <"$T/s.bin" >"$T/t.bin"
    out=$($S verify --dialect "$d" "$@" <"$T/t.bin"); rc=$?
    check_eq "verify $d tampered exits 1" "$rc" 1
    check_match "verify $d tampered prints expected and found" "$out" '^expected [0-9a-f]{32}'
    check_match "verify $d tampered prints found" "$out" '^found [0-9a-f]{32}'
    # hex round trip
    hx=$(tohex <"$T/w.bin" | $S sign --dialect "$d" "$@" --hex)
    check_match "sign $d --hex writes one line of lowercase hex" "$hx" '^[0-9a-f]+$'
    check_eq "sign $d --hex is one line" "$(printf '%s\n' "$hx" | wc -l)" 1
    echo "$hx" | $S verify --dialect "$d" "$@" --hex >/dev/null; rc=$?
    check_eq "verify $d --hex exits 0" "$rc" 0
done
# signed flag cleared -> unsigned, exit 1
$S sign --dialect 3.0 --session-key $SK <"$T/w.bin" >"$T/s.bin"
perl -e 'local $/; $_ = <STDIN>; substr($_, 16, 1) = chr(ord(substr($_, 16, 1)) & ~8); print' <"$T/s.bin" >"$T/u.bin"
out=$($S verify --dialect 3.0 --session-key $SK <"$T/u.bin"); rc=$?
check_eq "verify unsigned message exits 1" "$rc" 1
check_match "verify says unsigned" "$out" '^unsigned'
out=$($S verify --dialect 3.0 --session-key 00000000000000000000000000000001 <"$T/s.bin"); rc=$?
check_eq "verify wrong key exits 1" "$rc" 1
check_exit 1 "verify with the wrong dialect's algorithm exits 1" $S verify --dialect 2.1 --session-key $SK <"$T/s.bin"
# SMB1 sequence numbers
echo "$E" | $S sign --dialect 1 --mac-key 00112233445566778899aabbccddeeff --seq 6 --hex >"$T/e.hex"
check_exit 0 "verify SMB1 with the right sequence" $S verify --dialect 1 --mac-key 00112233445566778899aabbccddeeff --seq 6 --hex <"$T/e.hex"
check_exit 1 "verify SMB1 with the wrong sequence" $S verify --dialect 1 --mac-key 00112233445566778899aabbccddeeff --seq 7 --hex <"$T/e.hex"

# --- compound chain ---------------------------------------------------------------
# two elements: CREATE (NextCommand 72, 8 bytes body incl. padding) + CLOSE
C1=FE534D424000010000000000050000000000000048000000070000000000000000000000010000002500000000100000000000000000000000000000000000000102030405060708
C2=FE534D42400001000000000006000400000000000000000008000000000000000000000001000000250000000010000000000000000000000000000000000000a1a2a3a4
chain=$(echo "$C1$C2" | $S sign --dialect 3.0 --session-key $SK --hex | tr -d '\n')
check_eq "sign chain keeps the length" "${#chain}" $(( ${#C1} + ${#C2} ))
e2=$(echo "${chain:144}" | $S verify --dialect 3.0 --session-key $SK --hex); rc=$?
check_eq "second chain element verifies on its own bytes" "$rc" 0
out=$(echo "$chain" | $S verify --dialect 3.0 --session-key $SK --hex); rc=$?
check_eq "verify chain exits 0" "$rc" 0
check_match "verify chain reports element 1" "$out" '^element 1 valid'
bad=${chain:0:140}$(printf '%02x' $(( 0x${chain:140:2} ^ 1 )))${chain:142}
out=$(echo "$bad" | $S verify --dialect 3.0 --session-key $SK --hex); rc=$?
check_eq "verify chain with a flipped padding byte exits 1" "$rc" 1
check_match "the flipped element is named" "$out" '^element 0 bad signature'

# --- bad input: exit 2 with a message naming what and where --------------------------
err=$(echo "fe534d4zz" | $S verify --dialect 3.0 --session-key $SK --hex 2>&1); rc=$?
check_eq "bad hex on stdin exits 2" "$rc" 2
check_match "bad hex names the offset" "$err" 'bad hex at offset 7'
err=$(echo "fe534d4240" | $S sign --dialect 3.0 --session-key $SK --hex 2>&1); rc=$?
check_eq "short message exits 2" "$rc" 2
check_match "short message text" "$err" 'message shorter than its header \(5 bytes'
err=$(echo "$E" | $S verify --dialect 3.0 --session-key $SK --hex 2>&1); rc=$?
check_eq "SMB1 message with an SMB2 dialect exits 2" "$rc" 2
check_match "protocol mismatch explained" "$err" 'not an SMB2 message.*wrong --dialect'
err=$(echo "00000086$W" | $S verify --dialect 3.0 --session-key $SK --hex 2>&1); rc=$?
check_eq "NetBIOS header left on exits 2" "$rc" 2
check_match "NetBIOS hint" "$err" 'NetBIOS'
check_exit 2 "empty input exits 2" $S sign --dialect 3.0 --session-key $SK </dev/null
err=$($S sign --dialect 4.0 --session-key $SK </dev/null 2>&1); rc=$?
check_eq "unknown dialect exits 2" "$rc" 2
check_match "unknown dialect text" "$err" "unknown dialect '4.0'"
err=$($S sign --dialect 3.0 --session-key 0011 </dev/null 2>&1); rc=$?
check_eq "short session key exits 2" "$rc" 2
check_match "short key text" "$err" -- '--session-key: expected 16 bytes'
err=$($S sign --dialect 3.0 --algorithm aes-gmac --session-key $SK </dev/null 2>&1); rc=$?
check_eq "gmac with 3.0 exits 2" "$rc" 2
check_match "gmac with 3.0 text" "$err" "algorithm 'aes-gmac' is not used with dialect 3.0"
err=$($S sign --dialect 3.1.1 --session-key $SK </dev/null 2>&1); rc=$?
check_eq "3.1.1 session key without preauth exits 2" "$rc" 2
check_exit 2 "no key exits 2" $S sign --dialect 2.1 </dev/null
check_exit 2 "unknown option exits 2" $S sign --dialect 2.1 --frobnicate </dev/null
check_exit 2 "--seq with SMB2 exits 2" $S sign --dialect 2.1 --signing-key $SK --seq 3 </dev/null
check_exit 2 "--mac-key bad hex exits 2" $S sign --dialect 1 --mac-key 0g </dev/null
head -c $((9 * 1024 * 1024)) /dev/zero >"$T/huge.bin"
err=$($S verify --dialect 3.0 --session-key $SK <"$T/huge.bin" 2>&1); rc=$?
check_eq "oversized input exits 2" "$rc" 2
check_match "oversized input names the cap" "$err" 'input larger than [0-9]+ bytes'
head -c 100000 /dev/urandom >"$T/rand.bin"
check_exit 2 "random bytes exit 2, no crash" $S verify --dialect 3.0 --session-key $SK <"$T/rand.bin"
check_exit 2 "random bytes to explain exit 2, no crash" $S explain --raw <"$T/rand.bin"

# --- explain ------------------------------------------------------------------------
out=$(echo "$W" | $S explain); rc=$?
check_eq "explain without keys exits 0" "$rc" 0
check_match "explain names the command" "$out" '^command +WRITE \(0x0009\)'
check_match "explain shows the session" "$out" '^session-id +0x0008e40014000011'
check_match "explain shows the SIGNED flag" "$out" '^flags +0x00000008 SIGNED'
check_match "explain says subject" "$out" '^subject +yes'
out=$($S explain --dialect 3.0 --session-key $SK <"$T/s.bin"); rc=$?
check_eq "explain with keys, valid, exits 0" "$rc" 0
check_match "explain reports valid" "$out" '^verification +valid \(aes-cmac\)'
out=$($S sign --dialect 3.0 --session-key $SK <"$T/w.bin" | perl -e 'local $/; $_=<STDIN>; substr($_,120,1)="X"; print' | $S explain --dialect 3.0 --session-key $SK); rc=$?
check_eq "explain with keys, tampered, exits 1" "$rc" 1
check_match "explain shows expected and found" "$out" 'bad-signature \(aes-cmac\): expected [0-9a-f]{32}, found [0-9a-f]{32}'
out=$($S explain --dialect 3.0 --session-key $SK <"$T/u.bin"); rc=$?
check_eq "explain unsigned on a signing session exits 1" "$rc" 1
check_match "explain unsigned-but-required" "$out" 'unsigned-but-required'
out=$($S explain --signing-optional --dialect 3.0 --session-key $SK <"$T/u.bin"); rc=$?
check_eq "explain unsigned, signing optional, exits 0" "$rc" 0
out=$(tobin <"$T/m1.hex" | $S explain); rc=$?
check_match "explain NEGOTIATE is not subject" "$out" '^subject +no: NEGOTIATE'
INTERIM=FE534D4240000100030100000F00010013000000000000000500000000000000080000000000000025000000001000000000000000000000000000000000000009000000000000000000
out=$(echo "$INTERIM" | $S explain); rc=$?
check_match "explain interim response not subject" "$out" '^subject +no: interim STATUS_PENDING'
out=$(echo "$E" | $S explain)
check_match "explain SMB1" "$out" '^protocol +SMB1'
out=$(echo "ff534d42730000000018" "07c8" "0000" "4253525350594c20" "0000fffffeff00080100" | $S explain)
check_match "explain SMB1 BSRSPYL placeholder" "$out" 'BSRSPYL'
check_exit 2 "explain --dialect mismatching the message exits 2" sh -c "echo $E | $S explain --dialect 3.0 --session-key $SK"

# --- demo -------------------------------------------------------------------------
out=$($S demo); rc=$?
check_eq "demo exits 0" "$rc" 0
check_match "demo shows MS encryption key" "$out" 'encryption key +a2f5e80e5d59103034f32e52f698e5ec'
check_match "demo shows the tampered copy failing" "$out" 'flip one bit.*bad-signature'
check_nomatch "demo has no unexpected step" "$out" 'UNEXPECTED'
check_match "demo encrypts: the tag Microsoft published for the 3.1.1 GCM example" "$out" 'Signature \(tag\) +bd73d97d2bc9001bcafac0fdff5feebc'
check_match "demo encrypts: the server's context opens the transform" "$out" 'the server opens it +-> decrypted, identical +\(as expected\)'
check_match "demo encrypts: a flipped ciphertext bit is refused" "$out" 'flip one bit of the ciphertext +-> STATUS_INVALID_SIGNATURE +\(as expected\)'
check_match "demo encrypts: another SessionId is refused" "$out" 'another SessionId +-> STATUS_INVALID_SIGNATURE'
check_exit 2 "demo rejects arguments" $S demo extra
exit 0
