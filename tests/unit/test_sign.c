/*
 * tests/unit/test_sign.c - sign/: key derivation and preauth hash against
 * Microsoft's published test vectors, whole-message signatures against
 * answers computed by an independent implementation (impacket 0.10 /
 * pycryptodome, recorded below), every single-bit flip failing, compound
 * chains, NOT_SUBJECT / UNSIGNED_BUT_REQUIRED classification, SMB1 sequence
 * scenarios, wrong keys and malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "auth/ntlmssp.h"
#include "base/hex.h"
#include "smbsign/sign.h"
#include "wire/smb1/header.h"
#include "wire/smb2/header.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0, off = 0;
    assert_int_equal(hex_decode(h, strlen(h), out, cap, &n, &off), SMB_OK);
    return n;
}

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
    char buf[2 * 64 + 1], w[2 * 64 + 1];
    assert_true(n <= 64);
    hex_encode(got, n, buf);
    /* published vectors are uppercase */
    size_t i;
    for (i = 0; want[i] && i < sizeof w - 1; i++)
        w[i] = (char)((want[i] >= 'A' && want[i] <= 'F') ? want[i] + 32 : want[i]);
    w[i] = 0;
    assert_string_equal(buf, w);
}

/* ---- Microsoft Open Specifications blog test vectors ---- */

/* "Encryption in SMB 3.0: a protocol perspective" (2012): SMB 3.0 keys. */
static void kdf_smb30_ms_vectors(void **state)
{
    (void)state;
    uint8_t sk[16];
    smb_sign_keys k;
    unhex("B4546771B515F766A86735532DD6C4F0", sk, 16);
    assert_int_equal(smb_sign_derive_keys(SMB_DIALECT_300, sk, 16, NULL, &k), SMB_OK);
    assert_hex(k.encryption, 16, "261B72350558F2E9DCF613070383EDBF");
    assert_hex(k.decryption, 16, "8FE2B57EC34D2DB5B1A9727F526BBDB5");
    /* 3.0.2 derives the same way */
    smb_sign_keys k2;
    assert_int_equal(smb_sign_derive_keys(SMB_DIALECT_302, sk, 16, NULL, &k2), SMB_OK);
    assert_memory_equal(&k, &k2, sizeof k);
    /* negative twin: one key bit flipped changes every key */
    sk[0] ^= 1;
    assert_int_equal(smb_sign_derive_keys(SMB_DIALECT_300, sk, 16, NULL, &k2), SMB_OK);
    assert_memory_not_equal(k.encryption, k2.encryption, 16);
    assert_memory_not_equal(k.signing, k2.signing, 16);
}

/* "SMB 3.1.1 Encryption in Windows 10" (2015): 3.1.1 cipher keys. */
static void kdf_smb311_ms_vectors(void **state)
{
    (void)state;
    uint8_t sk[16], pa[64];
    smb_sign_keys k;
    unhex("419FDDF34C1E001909D362AE7FB6AF79", sk, 16);
    unhex("B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDBA7DB256BA2EA30E9"
          "77F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770",
          pa, 64);
    assert_int_equal(smb_sign_derive_keys(SMB_DIALECT_311, sk, 16, pa, &k), SMB_OK);
    assert_hex(k.encryption, 16, "A2F5E80E5D59103034F32E52F698E5EC");
    assert_hex(k.decryption, 16, "748C50868C90F302962A5C35F5F9A8BF");
    /* missing preauth hash is an argument error, not a silent zero context */
    assert_int_equal(smb_sign_derive_keys(SMB_DIALECT_311, sk, 16, NULL, &k), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_sign_derive_keys(SMB_DIALECT_SMB1, sk, 16, NULL, &k), SMB_E_BAD_ARGUMENT);
    /* AES-256 ciphers (3.1.1): 32-byte keys with L = 256 (expected values from
     * Python's hmac module over the MS-SMB2 3.1.4.2 fixed input; the same
     * derivation reproduces Samba's keys in tests/interop/samba_signatures.sh) */
    uint8_t e32[32], d32[32];
    assert_int_equal(smb_sign_derive_cipher_keys(SMB_DIALECT_311, sk, 16, pa, 32, e32, d32), SMB_OK);
    assert_hex(e32, 32, "cb61eb110446fbcaeb6a83beedb92779130b833a706e5b3495879d52195b90ed");
    assert_hex(d32, 32, "f8cae3069ffcdc7662e2941207af463614d520a1a204aaf6b9ead136de931111");
    assert_int_equal(smb_sign_derive_cipher_keys(SMB_DIALECT_311, sk, 16, pa, 16, e32, d32), SMB_OK);
    assert_hex(e32, 16, "A2F5E80E5D59103034F32E52F698E5EC");
    assert_int_equal(smb_sign_derive_cipher_keys(SMB_DIALECT_300, sk, 16, NULL, 32, e32, d32), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_sign_derive_cipher_keys(SMB_DIALECT_311, sk, 16, NULL, 32, e32, d32), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_sign_derive_cipher_keys(SMB_DIALECT_311, sk, 16, pa, 24, e32, d32), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_sign_derive_cipher_keys(SMB_DIALECT_210, sk, 16, NULL, 16, e32, d32), SMB_E_BAD_ARGUMENT);
    /* 2.x: the signing key is the session key */
    assert_int_equal(smb_sign_derive_keys(SMB_DIALECT_210, sk, 16, NULL, &k), SMB_OK);
    assert_memory_equal(k.signing, sk, 16);
}

/* "SMB 3.1.1 Pre-authentication integrity in Windows 10" (2015): the hash
 * after each message, then the signing key. */
static const char *const pa_msgs[] = {
    "FE534D4240000100000000000000800000000000000000000100000000000000FFFE000000000000"
    "00000000000000000000000000000000000000000000000024000500000000003F000000ECD86F32"
    "6276024F9F7752B89BB33F3A70000000020000000202100200030203110300000100260000000000"
    "010020000100FA49E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF0000"
    "0200060000000000020002000100",
    "FE534D4240000100000000000000010001000000000000000100000000000000FFFE000000000000"
    "000000000000000000000000000000000000000000000000410001001103020039CBCAF329714942"
    "BDCE5D60F09AB3FB2F000000000080000000800000008000D8DAE5ADCBAED00109094AB095AED001"
    "80004001C00100006082013C06062B0601050502A08201303082012CA01A3018060A2B0601040182"
    "3702021E060A2B06010401823702020AA282010C048201084E45474F455854530100000000000000"
    "60000000700000007C7CC0FD06D6362D02DDE1CF343BFE292900F49750B4AA97934D9C4296B26E51"
    "FD370471B235E15A50DAE15BD5489C87000000000000000060000000010000000000000000000000"
    "5C33530DEAF90D4DB2EC4AE3786EC3084E45474F4558545303000000010000004000000098000000"
    "7C7CC0FD06D6362D02DDE1CF343BFE295C33530DEAF90D4DB2EC4AE3786EC3084000000058000000"
    "3056A05430523027802530233121301F06035504031318546F6B656E205369676E696E6720507562"
    "6C6963204B65793027802530233121301F06035504031318546F6B656E205369676E696E67205075"
    "626C6963204B6579010026000000000001002000010060A3C3B95C3C7CCD51EC536648D9B3AC74C4"
    "83CA5B65385A251117BEB30712E50000020004000000000001000200",
    "FE534D4240000100000000000100800000000000000000000200000000000000FFFE000000000000"
    "00000000000000000000000000000000000000000000000019000001010000000000000058004A00"
    "0000000000000000604806062B0601050502A03E303CA00E300C060A2B06010401823702020AA22A"
    "04284E544C4D5353500001000000978208E200000000000000000000000000000000060380250000"
    "000F",
    "FE534D4240000100160000C00100010001000000000000000200000000000000FFFE000000000000"
    "190000000010000000000000000000000000000000000000090000004800B300A181B03081ADA003"
    "0A0101A10C060A2B06010401823702020AA281970481944E544C4D53535000020000000C000C0038"
    "00000015828AE20D1D8BA31179D008000000000000000050005000440000000A0092270000000F53"
    "005500540033003100310002000C0053005500540033003100310001000C00530055005400330031"
    "00310004000C0053005500540033003100310003000C0053005500540033003100310007000800A1"
    "A1F5ADCBAED00100000000",
    "FE534D4240000100000000000100800000000000000000000300000000000000FFFE000000000000"
    "1900000000100000000000000000000000000000000000001900000101000000000000005800CF01"
    "0000000000000000A18201CB308201C7A0030A0101A28201AA048201A64E544C4D53535000030000"
    "001800180090000000EE00EE00A80000000C000C00580000001A001A0064000000120012007E0000"
    "001000100096010000158288E2060380250000000FECAC77A5F385A8BF9C38C706EEEDDCD3530055"
    "005400330031003100610064006D0069006E006900730074007200610074006F0072004400520049"
    "0056004500520033003100310000000000000000000000000000000000000000000000000063078E"
    "B639FE03E20A231C3AE3BF23080101000000000000A1A1F5ADCBAED001BC4AD05F223CC90F000000"
    "0002000C0053005500540033003100310001000C0053005500540033003100310004000C00530055"
    "00540033003100310003000C0053005500540033003100310007000800A1A1F5ADCBAED001060004"
    "00020000000800300030000000000000000000000000300000B61FEFCAA857EA57BF1EDCEBF8974B"
    "8E0EBA5A6DFD9D07A31D11B548F8C9D0CC0A00100000000000000000000000000000000000090016"
    "0063006900660073002F005300550054003300310031000000000000000000000000003B9BDFF38F"
    "5EE8F9663F11A0F4C03A78A31204100100000063775A9A5FD97F0600000000",
};
static const char *const pa_hash[] = {
    "DD94EFC5321BB618A2E208BA8920D2F422992526947A409B5037DE1E0FE8C7362B8C47122594CDE0"
    "CE26AA9DFC8BCDBDE0621957672623351A7540F1E54A0426",
    "324BFA92A4F3A190E466EBEA08D9C110DC88BFED758D9846ECC6F541CC1D02AE3C94A79F36011E99"
    "7E13F841B91B50957AD07B19C8E2539C0B23FDAE09D2C513",
    "AC0B0F2B9986257700365E416D142A6EDC96DF03594A19E52A15F6BD0D041CD5D432F8ED42C55E33"
    "197A50C9EC00F1462B50C592211B1471A04B56088FDFD5F9",
    "2729E3440DFDDD839E37193F6E8F20C20CEFB3469E453A70CD980EEC06B8835740A7376008563336"
    "4C8989895ECE81BF102DEEB14D4B7D48AFA76901A7A38387",
    "0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB7928622DDDAD522D97"
    "51640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01",
};

static void preauth_chain_ms_vectors(void **state)
{
    (void)state;
    static uint8_t m[1024];
    uint8_t want[64];
    smb_preauth p;
    smb_preauth_init(&p);
    for (size_t i = 0; i < 5; i++) {
        size_t n = unhex(pa_msgs[i], m, sizeof m);
        smb_preauth_update(&p, m, n);
        unhex(pa_hash[i], want, 64);
        assert_memory_equal(p.hash, want, 64);
    }
    uint8_t sk[16];
    smb_sign_keys k;
    unhex("270E1BA896585EEB7AF3472D3B4C75A7", sk, 16);
    assert_int_equal(smb_sign_derive_keys(SMB_DIALECT_311, sk, 16, p.hash, &k), SMB_OK);
    assert_hex(k.signing, 16, "73FE7A9A77BEF0BDE49C650D8CCB5F76");
    /* negative twin: dropping the last message changes the key */
    smb_preauth q;
    smb_preauth_init(&q);
    for (size_t i = 0; i < 4; i++) {
        size_t n = unhex(pa_msgs[i], m, sizeof m);
        struct iovec v[2] = {{m, 10}, {m + 10, n - 10}}; /* iov form == flat form */
        smb_preauth_update_iov(&q, v, 2);
    }
    unhex(pa_hash[3], want, 64);
    assert_memory_equal(q.hash, want, 64);
    smb_sign_keys k2;
    assert_int_equal(smb_sign_derive_keys(SMB_DIALECT_311, sk, 16, q.hash, &k2), SMB_OK);
    assert_memory_not_equal(k.signing, k2.signing, 16);
}

/* ---- whole-message signatures: known answers from impacket 0.10 ----
 * Message: the SMB2 WRITE request of Microsoft's SMB 3.0 encryption example;
 * session key B4546771B515F766A86735532DD6C4F0. HMAC (2.1) and CMAC (3.0)
 * answers from impacket.smb3.SMB3.signSMB; the GMAC answer from
 * pycryptodome AES-GCM with nonce = MessageId LE || 00000000. */
static const char *const write_req = "FE534D4240000100000000000900400008000000000000000400000000000000"
                                     "FFFE0000010000001100001400E4080000000000000000000000000000000000"
                                     "3100700017000000000000000000000015010000390000020100000039020000"
                                     "00000000000000007000000000000000536D623320656E6372797074696F6E20"
                                     "74657374696E67";
static const char *const ms_sk = "B4546771B515F766A86735532DD6C4F0";

struct known {
    smb_dialect d;
    smb_sign_alg alg;
    const char *sig;
};
static const struct known known_sigs[] = {
    {SMB_DIALECT_210, SMB_ALG_HMAC_SHA256, "9ff7c0c69d5f129a97feb64b95a1bf1d"},
    {SMB_DIALECT_202, SMB_ALG_HMAC_SHA256, "9ff7c0c69d5f129a97feb64b95a1bf1d"},
    {SMB_DIALECT_300, SMB_ALG_AES_CMAC, "a7c3978d77323e357f43b9747b7504ed"},
    {SMB_DIALECT_302, SMB_ALG_AES_CMAC, "a7c3978d77323e357f43b9747b7504ed"},
};

static void smb2_known_answers(void **state)
{
    (void)state;
    uint8_t m[256], sk[16], found[16], exp[16];
    unhex(ms_sk, sk, 16);
    for (size_t i = 0; i < sizeof known_sigs / sizeof known_sigs[0]; i++) {
        size_t n = unhex(write_req, m, sizeof m);
        smb_sign_ctx *c = NULL;
        assert_int_equal(smb_sign_ctx_new_session(&c, known_sigs[i].d, known_sigs[i].alg, sk, 16, NULL), SMB_OK);
        assert_int_equal(smb2_sign(c, m, n), SMB_OK);
        assert_hex(m + SMB2_SIG_OFFSET, 16, known_sigs[i].sig);
        smb_verify_result r;
        assert_int_equal(smb2_verify(c, m, n, true, &r, exp, found), SMB_OK);
        assert_int_equal(r, SMB_VERIFY_VALID);
        assert_memory_equal(exp, found, 16);
        /* negative twin: truncated by one byte */
        assert_int_equal(smb2_verify(c, m, n - 1, true, &r, NULL, NULL), SMB_OK);
        assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);
        smb_sign_ctx_free(c);
    }
    /* AES-GMAC (3.1.1) with the 3.0-derived key as signing key */
    uint8_t key[16];
    unhex("f773cd23c18fd1e08ee510cada7cf852", key, 16);
    smb_sign_keys k;
    assert_int_equal(smb_sign_derive_keys(SMB_DIALECT_300, sk, 16, NULL, &k), SMB_OK);
    assert_memory_equal(k.signing, key, 16); /* impacket KDF_CounterMode agrees */
    smb_sign_ctx *g = NULL;
    assert_int_equal(smb_sign_ctx_new(&g, SMB_DIALECT_311, SMB_ALG_AES_GMAC, key), SMB_OK);
    size_t n = unhex(write_req, m, sizeof m);
    assert_int_equal(smb2_sign(g, m, n), SMB_OK);
    assert_hex(m + SMB2_SIG_OFFSET, 16, "bf8b383744b03ce09decc5bbf99b064f");
    smb_sign_ctx_free(g);
}

/* A synthetic message with every header field set to something that keeps
 * it subject to signing under any single-bit flip (multi-bit command and
 * SessionId, no ASYNC flag). */
static size_t make_msg(uint8_t *buf, size_t cap, uint16_t cmd, uint32_t flags, uint64_t mid, uint64_t sid,
                       size_t body)
{
    smb_wr w;
    struct smb2_hdr h = {0};
    h.command = cmd;
    h.flags = flags;
    h.message_id = mid;
    h.session_id = sid;
    h.tree_id = 0x11223344;
    h.credit = 31;
    h.credit_charge = 1;
    wr_init(&w, buf, cap);
    smb2_hdr_encode(&w, &h);
    for (size_t i = 0; i < body; i++)
        wr_u8(&w, (uint8_t)(i * 31 + 7));
    assert_true(wr_ok(&w));
    return wr_len(&w);
}

static const struct {
    smb_dialect d;
    smb_sign_alg alg;
} all_algs[] = {
    {SMB_DIALECT_202, SMB_ALG_HMAC_SHA256}, {SMB_DIALECT_210, SMB_ALG_HMAC_SHA256},
    {SMB_DIALECT_300, SMB_ALG_AES_CMAC},    {SMB_DIALECT_302, SMB_ALG_AES_CMAC},
    {SMB_DIALECT_311, SMB_ALG_HMAC_SHA256}, {SMB_DIALECT_311, SMB_ALG_AES_CMAC},
    {SMB_DIALECT_311, SMB_ALG_AES_GMAC},
};
#define N_ALGS (sizeof all_algs / sizeof all_algs[0])

static smb_sign_ctx *mkctx(size_t i, uint8_t seed)
{
    uint8_t sk[16], pa[64];
    for (int j = 0; j < 16; j++)
        sk[j] = (uint8_t)(seed + j);
    memset(pa, seed, sizeof pa);
    smb_sign_ctx *c = NULL;
    assert_int_equal(smb_sign_ctx_new_session(&c, all_algs[i].d, all_algs[i].alg, sk, 16,
                                              all_algs[i].d == SMB_DIALECT_311 ? pa : NULL),
                     SMB_OK);
    return c;
}

static void every_bit_flip_fails(void **state)
{
    (void)state;
    uint8_t m[200], t[200];
    for (size_t a = 0; a < N_ALGS; a++) {
        smb_sign_ctx *c = mkctx(a, 1);
        size_t n = make_msg(m, sizeof m, SMB2_WRITE, 0, 0x0102030405, 0x0000100000000025ull, 77);
        assert_int_equal(smb2_sign(c, m, n), SMB_OK);
        smb_verify_result r;
        assert_int_equal(smb2_verify(c, m, n, true, &r, NULL, NULL), SMB_OK);
        assert_int_equal(r, SMB_VERIFY_VALID);
        for (size_t bit = 0; bit < n * 8; bit++) {
            memcpy(t, m, n);
            t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            smb_status st = smb2_verify(c, t, n, true, &r, NULL, NULL);
            if (st == SMB_OK && smb_verify_acceptable(r))
                fail_msg("alg %zu: flipping bit %zu was accepted (%s)", a, bit, smb_verify_result_name(r));
        }
        /* wrong key */
        smb_sign_ctx *w = mkctx(a, 2);
        assert_int_equal(smb2_verify(w, m, n, true, &r, NULL, NULL), SMB_OK);
        assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);
        smb_sign_ctx_free(w);
        smb_sign_ctx_free(c);
    }
}

static void iov_equals_flat(void **state)
{
    (void)state;
    static uint8_t m[70000], m2[70000];
    for (size_t a = 0; a < N_ALGS; a++) {
        smb_sign_ctx *c = mkctx(a, 9);
        size_t n = make_msg(m, sizeof m, SMB2_READ, SMB2_FLAGS_SERVER_TO_REDIR, 77, 5, 65536 + 16);
        memcpy(m2, m, n);
        assert_int_equal(smb2_sign(c, m, n), SMB_OK);
        /* header+body in one buffer, payload split in two more */
        struct iovec v[3] = {{m2, 80}, {m2 + 80, 1000}, {m2 + 1080, n - 1080}};
        assert_int_equal(smb2_sign_iov(c, v, 3), SMB_OK);
        assert_memory_equal(m, m2, n);
        smb_verify_result r;
        assert_int_equal(smb2_verify_iov(c, v, 3, true, &r, NULL, NULL), SMB_OK);
        assert_int_equal(r, SMB_VERIFY_VALID);
        m2[n - 1] ^= 1; /* last payload byte */
        assert_int_equal(smb2_verify_iov(c, v, 3, true, &r, NULL, NULL), SMB_OK);
        assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);
        /* header must be whole in iov[0] */
        struct iovec bad[2] = {{m2, 40}, {m2 + 40, n - 40}};
        assert_int_equal(smb2_verify_iov(c, bad, 2, true, &r, NULL, NULL), SMB_E_TRUNCATED);
        smb_sign_ctx_free(c);
    }
}

static void gmac_nonce_rules(void **state)
{
    (void)state;
    uint8_t req[100], rsp[100], cancel[100];
    smb_sign_ctx *c = mkctx(6, 3);
    assert_int_equal(smb_sign_ctx_alg(c), SMB_ALG_AES_GMAC);
    /* identical bytes except the flags/command that select the nonce */
    size_t n = make_msg(req, sizeof req, SMB2_ECHO, 0, 42, 7, 4);
    make_msg(rsp, sizeof rsp, SMB2_ECHO, SMB2_FLAGS_SERVER_TO_REDIR, 42, 7, 4);
    make_msg(cancel, sizeof cancel, SMB2_CANCEL, 0, 42, 7, 4);
    assert_int_equal(smb2_sign(c, req, n), SMB_OK);
    assert_int_equal(smb2_sign(c, rsp, n), SMB_OK);
    assert_int_equal(smb2_sign(c, cancel, n), SMB_OK);
    assert_memory_not_equal(req + 48, rsp + 48, 16);
    assert_memory_not_equal(req + 48, cancel + 48, 16);
    /* A response re-labelled as a request (flag bit flipped) fails: the nonce
     * bit and the flag are both covered. */
    rsp[16] &= (uint8_t)~SMB2_FLAGS_SERVER_TO_REDIR;
    smb_verify_result r;
    assert_int_equal(smb2_verify(c, rsp, n, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);
    smb_sign_ctx_free(c);
}

static void not_subject_cases(void **state)
{
    (void)state;
    uint8_t m[100];
    smb_verify_result r;
    smb_sign_ctx *c = mkctx(0, 4);
    size_t n = make_msg(m, sizeof m, SMB2_NEGOTIATE, 0, 0, 0, 8);
    assert_int_equal(smb2_verify(c, m, n, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_NOT_SUBJECT);
    assert_string_equal(smb2_sign_not_subject(m), "NEGOTIATE");
    n = make_msg(m, sizeof m, SMB2_TREE_CONNECT, 0, 3, 0, 8);
    assert_int_equal(smb2_verify(c, m, n, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_NOT_SUBJECT);
    assert_string_equal(smb2_sign_not_subject(m), "SessionId 0");
    n = make_msg(m, sizeof m, SMB2_CHANGE_NOTIFY, SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_ASYNC_COMMAND, 9, 5, 8);
    put_le32(m + 8, 0x103); /* STATUS_PENDING */
    assert_int_equal(smb2_verify(c, m, n, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_NOT_SUBJECT);
    put_le32(m + 8, 0); /* the final response of the same operation is subject */
    assert_int_equal(smb2_verify(c, m, n, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_UNSIGNED_BUT_REQUIRED);
    n = make_msg(m, sizeof m, SMB2_OPLOCK_BREAK, SMB2_FLAGS_SERVER_TO_REDIR, UINT64_MAX, 5, 24);
    assert_int_equal(smb2_verify(c, m, n, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_NOT_SUBJECT);
    /* an oplock break acknowledgment (real MessageId) is subject */
    n = make_msg(m, sizeof m, SMB2_OPLOCK_BREAK, 0, 12, 5, 24);
    assert_null(smb2_sign_not_subject(m));
    assert_int_equal(smb2_verify(c, m, n, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_UNSIGNED_BUT_REQUIRED);
    smb_sign_ctx_free(c);
}

static void unsigned_required_vs_allowed(void **state)
{
    (void)state;
    uint8_t m[100];
    smb_verify_result r;
    smb_sign_ctx *c = mkctx(2, 5);
    size_t n = make_msg(m, sizeof m, SMB2_CREATE, 0, 10, 5, 30);
    /* the decision comes from must_sign, not from the message */
    assert_int_equal(smb2_verify(c, m, n, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_UNSIGNED_BUT_REQUIRED);
    assert_false(smb_verify_acceptable(r));
    assert_int_equal(smb2_verify(c, m, n, false, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_UNSIGNED_ALLOWED);
    /* a man in the middle clearing the SIGNED flag of a signed message */
    assert_int_equal(smb2_sign(c, m, n), SMB_OK);
    m[16] &= (uint8_t)~SMB2_FLAGS_SIGNED;
    assert_int_equal(smb2_verify(c, m, n, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_UNSIGNED_BUT_REQUIRED);
    /* SIGNED flag set but garbage signature, signing not required: still checked */
    m[16] |= SMB2_FLAGS_SIGNED;
    m[50] ^= 0xff;
    assert_int_equal(smb2_verify(c, m, n, false, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);
    /* flag set but no key (e.g. guest session): cannot be valid */
    assert_int_equal(smb2_verify(NULL, m, n, false, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);
    smb_sign_ctx_free(c);
}

static void malformed_input(void **state)
{
    (void)state;
    uint8_t m[100];
    smb_verify_result r = SMB_VERIFY_VALID;
    smb_sign_ctx *c = mkctx(0, 6);
    size_t n = make_msg(m, sizeof m, SMB2_CREATE, 0, 10, 5, 30);
    assert_int_equal(smb2_verify(c, m, 63, true, &r, NULL, NULL), SMB_E_TRUNCATED);
    assert_int_equal(smb2_sign(c, m, 10), SMB_E_TRUNCATED);
    m[0] = 0xff;
    assert_int_equal(smb2_verify(c, m, n, true, &r, NULL, NULL), SMB_E_MALFORMED);
    assert_int_equal(smb2_sign(c, m, n), SMB_E_MALFORMED);
    m[0] = 0xfe;
    m[4] = 63; /* StructureSize */
    assert_int_equal(smb2_verify(c, m, n, true, &r, NULL, NULL), SMB_E_MALFORMED);
    assert_int_equal(smb2_verify(c, m, 0, true, &r, NULL, NULL), SMB_E_BAD_ARGUMENT);
    /* algorithm not valid for the dialect */
    smb_sign_ctx *x = NULL;
    uint8_t key[16] = {0};
    assert_int_equal(smb_sign_ctx_new(&x, SMB_DIALECT_300, SMB_ALG_AES_GMAC, key), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_sign_ctx_new(&x, SMB_DIALECT_210, SMB_ALG_AES_CMAC, key), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_sign_ctx_new(&x, SMB_DIALECT_SMB1, SMB_ALG_MD5, key), SMB_E_BAD_ARGUMENT);
    assert_null(x);
    assert_int_equal(smb_sign_ctx_new_smb1(&x, key, 0), SMB_E_BAD_ARGUMENT);
    /* contexts of the other family are refused, not silently "bad" */
    assert_int_equal(smb_sign_ctx_new_smb1(&x, key, 16), SMB_OK);
    n = make_msg(m, sizeof m, SMB2_CREATE, SMB2_FLAGS_SIGNED, 10, 5, 30);
    assert_int_equal(smb2_verify(x, m, n, true, &r, NULL, NULL), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb2_sign(x, m, n), SMB_E_BAD_ARGUMENT);
    smb_sign_ctx_free(x);
    uint8_t s1[40] = "\xffSMB";
    assert_int_equal(smb1_sign(c, s1, sizeof s1, 0), SMB_E_BAD_ARGUMENT);
    smb_sign_ctx_free(NULL);
    smb_sign_ctx_free(c);
}

/* Compound chain: three elements, 8-byte aligned with padding, each signed over its own bytes. */
static void compound_chain(void **state)
{
    (void)state;
    uint8_t pdu[512], one[200];
    size_t lens[3] = {64 + 24, 64 + 41, 64 + 9}; /* element payloads */
    for (size_t a = 0; a < N_ALGS; a++) {
        smb_sign_ctx *c = mkctx(a, 7);
        size_t off = 0, offs[3], elen[3];
        for (int i = 0; i < 3; i++) {
            size_t n = make_msg(pdu + off, sizeof pdu - off, (uint16_t)(SMB2_CREATE + i),
                                i ? SMB2_FLAGS_RELATED_OPERATIONS : 0, 20 + (uint64_t)i, 5, lens[i] - 64);
            size_t padded = i < 2 ? (n + 7) / 8 * 8 : n;
            memset(pdu + off + n, 0xAB, padded - n); /* padding bytes are signed too */
            if (i < 2)
                put_le32(pdu + off + 20, (uint32_t)padded);
            offs[i] = off;
            elen[i] = padded;
            off += padded;
        }
        size_t total = off;
        assert_int_equal(smb2_sign_chain(c, pdu, total), SMB_OK);
        smb_verify_result r;
        size_t bad = 99;
        assert_int_equal(smb2_verify_chain(c, pdu, total, true, &r, &bad), SMB_OK);
        assert_int_equal(r, SMB_VERIFY_VALID);
        /* each element's signature == signing that element alone */
        for (int i = 0; i < 3; i++) {
            memcpy(one, pdu + offs[i], elen[i]);
            memset(one + 48, 0, 16);
            assert_int_equal(smb2_sign(c, one, elen[i]), SMB_OK);
            assert_memory_equal(one + 48, pdu + offs[i] + 48, 16);
        }
        /* a flipped padding byte of element 1 is caught at index 1 */
        pdu[offs[1] + elen[1] - 1] ^= 1;
        assert_int_equal(smb2_verify_chain(c, pdu, total, true, &r, &bad), SMB_OK);
        assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);
        assert_int_equal(bad, 1);
        pdu[offs[1] + elen[1] - 1] ^= 1;
        /* broken NextCommand (not aligned) is malformed */
        put_le32(pdu + 20, 65);
        assert_int_equal(smb2_verify_chain(c, pdu, total, true, &r, &bad), SMB_E_MALFORMED);
        put_le32(pdu + 20, (uint32_t)elen[0]);
        /* a bad last link: signing refuses and leaves every byte alone */
        static uint8_t before[512];
        put_le32(pdu + offs[1] + 20, (uint32_t)(elen[1] + 8));
        memcpy(before, pdu, total);
        memset(pdu + offs[0] + 48, 0, 16);
        memcpy(before, pdu, total);
        assert_int_equal(smb2_sign_chain(c, pdu, total), SMB_E_MALFORMED);
        assert_memory_equal(before, pdu, total);
        smb_sign_ctx_free(c);
    }
}

/* ---- SMB1 ---- */

static const char *const smb1_echo = "ff534d422b000000001807c80000000000000000000000000000fffffeff00080100010100040070696e67";

static size_t smb1_msg(uint8_t *buf, uint8_t cmd, uint8_t flags, uint16_t mid)
{
    size_t n = unhex(smb1_echo, buf, 64);
    buf[4] = cmd;
    buf[9] = flags;
    put_le16(buf + 30, mid);
    return n;
}

/* Known answer from impacket.smb.SMB.signSMB: key = 00..0f || 64..7b, seq 2. */
static void smb1_known_answer(void **state)
{
    (void)state;
    uint8_t key[40], m[64];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 24; i++)
        key[16 + i] = (uint8_t)(100 + i);
    smb_sign_ctx *c = NULL;
    assert_int_equal(smb_sign_ctx_new_smb1(&c, key, 40), SMB_OK);
    size_t n = unhex(smb1_echo, m, sizeof m);
    assert_int_equal(smb1_sign(c, m, n, 2), SMB_OK);
    assert_hex(m + SMB1_SIG_OFFSET, 8, "204181de2571d6a9");
    /* iov form (header, then the body in two pieces) gives the same MAC */
    uint8_t m2[64], sig[8];
    unhex(smb1_echo, m2, sizeof m2);
    struct iovec v[3] = {{m2, 32}, {m2 + 32, 5}, {m2 + 37, n - 37}};
    assert_int_equal(smb1_sign_iov(c, v, 3, 2), SMB_OK);
    assert_memory_equal(m2, m, n);
    assert_int_equal(smb1_sign_compute(c, v, 3, 2, sig), SMB_OK);
    assert_memory_equal(sig, m + SMB1_SIG_OFFSET, 8);
    struct iovec shorthdr[2] = {{m2, 20}, {m2 + 20, n - 20}};
    assert_int_equal(smb1_sign_iov(c, shorthdr, 2, 2), SMB_E_TRUNCATED);
    smb_verify_result r;
    assert_int_equal(smb1_verify(c, m, n, 2, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_VALID);
    /* wrong sequence number (replay / reordering) fails */
    assert_int_equal(smb1_verify(c, m, n, 3, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);
    /* every bit flip fails */
    for (size_t bit = 0; bit < n * 8; bit++) {
        uint8_t t[64];
        memcpy(t, m, n);
        t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        smb_status st = smb1_verify(c, t, n, 2, true, &r, NULL, NULL);
        if (st == SMB_OK && smb_verify_acceptable(r))
            fail_msg("SMB1 bit %zu accepted (%s)", bit, smb_verify_result_name(r));
    }
    smb_sign_ctx_free(c);
    /* wrong key (NTLM response part missing) */
    assert_int_equal(smb_sign_ctx_new_smb1(&c, key, 16), SMB_OK);
    assert_int_equal(smb1_verify(c, m, n, 2, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);
    smb_sign_ctx_free(c);
}

/* The signature compare covers every byte of the field (issue 21): for every
 * algorithm, each of the 16 signature bytes changed by any of four patterns is
 * a BAD_SIGNATURE (an 8-byte or half-length compare fails here), the intact
 * message is VALID (twin), and a message cut inside the signature field is an
 * error, never VALID. The same for SMB1's 8-byte MAC and for the 16-byte NTLM
 * MAC used for the SPNEGO mechListMIC and the NTLM MIC. */
static void signature_field_every_byte(void **state)
{
    (void)state;
    static const uint8_t pats[] = {0x01, 0x80, 0x10, 0xff};
    uint8_t m[200], t[200];
    smb_verify_result r;
    for (size_t a = 0; a < N_ALGS; a++) {
        smb_sign_ctx *c = mkctx(a, 3);
        size_t n = make_msg(m, sizeof m, SMB2_READ, 0, 9, 0x0000100000000031ull, 40);
        assert_int_equal(smb2_sign(c, m, n), SMB_OK);
        assert_int_equal(smb2_verify(c, m, n, true, &r, NULL, NULL), SMB_OK);
        assert_int_equal(r, SMB_VERIFY_VALID);
        for (size_t i = 0; i < 16; i++)
            for (size_t k = 0; k < sizeof pats; k++) {
                memcpy(t, m, n);
                t[SMB2_SIG_OFFSET + i] ^= pats[k];
                assert_int_equal(smb2_verify(c, t, n, true, &r, NULL, NULL), SMB_OK);
                if (r != SMB_VERIFY_BAD_SIGNATURE)
                    fail_msg("alg %zu: signature byte %zu ^ 0x%02x gave %s", a, i, pats[k],
                             smb_verify_result_name(r));
            }
        /* cut inside the signature field (and just after it): an error */
        for (size_t cut = SMB2_SIG_OFFSET; cut <= SMB2_SIG_OFFSET + 16; cut++) {
            smb_status st = smb2_verify(c, m, cut, true, &r, NULL, NULL);
            if (st == SMB_OK && r == SMB_VERIFY_VALID)
                fail_msg("alg %zu: message cut at %zu verified", a, cut);
        }
        smb_sign_ctx_free(c);
    }

    /* SMB1: 8-byte MAC at offset 14 */
    uint8_t key[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    smb_sign_ctx *c1 = NULL;
    assert_int_equal(smb_sign_ctx_new_smb1(&c1, key, 16), SMB_OK);
    size_t n = smb1_msg(m, 0x2b, 0x18, 5);
    assert_int_equal(smb1_sign(c1, m, n, 4), SMB_OK);
    assert_int_equal(smb1_verify(c1, m, n, 4, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_VALID);
    for (size_t i = 0; i < 8; i++)
        for (size_t k = 0; k < sizeof pats; k++) {
            memcpy(t, m, n);
            t[SMB1_SIG_OFFSET + i] ^= pats[k];
            assert_int_equal(smb1_verify(c1, t, n, 4, true, &r, NULL, NULL), SMB_OK);
            if (r != SMB_VERIFY_BAD_SIGNATURE)
                fail_msg("SMB1 MAC byte %zu ^ 0x%02x gave %s", i, pats[k], smb_verify_result_name(r));
        }
    for (size_t cut = SMB1_SIG_OFFSET; cut <= SMB1_SIG_OFFSET + 8; cut++) {
        smb_status st = smb1_verify(c1, m, cut, 4, true, &r, NULL, NULL);
        if (st == SMB_OK && r == SMB_VERIFY_VALID)
            fail_msg("SMB1 message cut at %zu verified", cut);
    }
    smb_sign_ctx_free(c1);

    /* NTLM MAC (mechListMIC, MIC): 16 bytes, compared whole */
    uint8_t sk[16] = {0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    static const uint8_t list[] = {0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
                                   0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
    uint8_t mac[16], bad[16];
    const uint32_t flags = 0xe2888215u; /* extended session security, key exchange, 128, sign */
    smb_ntlm_mac(sk, flags, true, 0, list, sizeof list, mac);
    assert_int_equal(smb_ntlm_mac_verify(sk, flags, true, 0, list, sizeof list, mac), 1);
    for (size_t i = 0; i < 16; i++)
        for (size_t k = 0; k < sizeof pats; k++) {
            memcpy(bad, mac, 16);
            bad[i] ^= pats[k];
            if (smb_ntlm_mac_verify(sk, flags, true, 0, list, sizeof list, bad) != 0)
                fail_msg("NTLM MAC byte %zu ^ 0x%02x accepted", i, pats[k]);
        }
    /* the other direction's key does not verify it */
    assert_int_equal(smb_ntlm_mac_verify(sk, flags, false, 0, list, sizeof list, mac), 0);
}

/* smb1_verify_mac: on an active session the MAC decides (issue 11): a correct
 * MAC with Flags2 SECURITY_SIGNATURE clear is VALID, a wrong MAC with the flag
 * clear (a relay that clears the flag) is BAD_SIGNATURE - smb1_verify would
 * call it UNSIGNED - and a server oplock-break-shaped request is not exempt. */
static void smb1_verify_mac_ignores_flags2(void **state)
{
    (void)state;
    uint8_t key[16] = {7, 7, 7};
    smb_sign_ctx *c = NULL;
    assert_int_equal(smb_sign_ctx_new_smb1(&c, key, 16), SMB_OK);
    uint8_t m[64], sig[8];
    smb_verify_result r;
    size_t n = smb1_msg(m, 0x2b, 0x18, 9);
    put_le16(m + 10, le16(m + 10) & ~SMB1_FLAGS2_SMB_SECURITY_SIGNATURE);
    struct iovec v = {m, n};
    assert_int_equal(smb1_sign_compute(c, &v, 1, 6, sig), SMB_OK);
    memcpy(m + SMB1_SIG_OFFSET, sig, 8);
    assert_int_equal(smb1_verify_mac(c, m, n, 6, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_VALID);
    assert_int_equal(smb1_verify_mac(c, m, n, 7, &r, NULL, NULL), SMB_OK); /* wrong sequence */
    assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);
    m[SMB1_SIG_OFFSET + 3] ^= 0x20;
    assert_int_equal(smb1_verify_mac(c, m, n, 6, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);
    /* the flag-reading verifier calls the same message merely unsigned */
    assert_int_equal(smb1_verify(c, m, n, 6, false, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_UNSIGNED_ALLOWED);
    /* signed with the flag set: VALID either way */
    n = smb1_msg(m, 0x2b, 0x18, 9);
    assert_int_equal(smb1_sign(c, m, n, 6), SMB_OK);
    assert_int_equal(smb1_verify_mac(c, m, n, 6, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_VALID);
    /* no session context, truncated message: errors, never VALID */
    assert_int_equal(smb1_verify_mac(NULL, m, n, 6, &r, NULL, NULL), SMB_E_BAD_ARGUMENT);
    assert_int_not_equal(smb1_verify_mac(c, m, 20, 6, &r, NULL, NULL), SMB_OK);
    smb_sign_ctx_free(c);
}

/* Client and server each keep a counter; request n, response n+1; NT_CANCEL
 * consumes one number and has no response; the server's oplock break is not
 * signed and consumes nothing. */
static void smb1_sequence_scenario(void **state)
{
    (void)state;
    uint8_t key[16] = {0x55, 1, 2, 3};
    smb_sign_ctx *cli = NULL, *srv = NULL;
    assert_int_equal(smb_sign_ctx_new_smb1(&cli, key, 16), SMB_OK);
    assert_int_equal(smb_sign_ctx_new_smb1(&srv, key, 16), SMB_OK);
    uint8_t m[64];
    smb_verify_result r;

    /* 0/1: the SESSION_SETUP exchange that established the key */
    uint32_t cs = smb1_sign_seq_next(cli, true), ss = smb1_sign_seq_next(srv, true);
    assert_int_equal(cs, 0);
    assert_int_equal(ss, 0);
    size_t n = smb1_msg(m, SMB1_COM_SESSION_SETUP_ANDX, SMB1_FLAGS_REPLY, 1);
    assert_int_equal(smb1_sign(srv, m, n, ss + 1), SMB_OK);
    assert_int_equal(smb1_verify(cli, m, n, cs + 1, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_VALID);

    /* 2/3: a request and its response */
    cs = smb1_sign_seq_next(cli, true);
    assert_int_equal(cs, 2);
    n = smb1_msg(m, SMB1_COM_NT_TRANSACT, 0x18, 2);
    assert_int_equal(smb1_sign(cli, m, n, cs), SMB_OK);
    ss = smb1_sign_seq_next(srv, smb1_expects_response(m[4]));
    assert_int_equal(smb1_verify(srv, m, n, ss, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_VALID);

    /* 4: NT_CANCEL for it - one number, no response */
    uint32_t cancel = smb1_sign_seq_next(cli, smb1_expects_response(SMB1_COM_NT_CANCEL));
    assert_int_equal(cancel, 4);
    n = smb1_msg(m, SMB1_COM_NT_CANCEL, 0x18, 2);
    assert_int_equal(smb1_sign(cli, m, n, cancel), SMB_OK);
    ss = smb1_sign_seq_next(srv, smb1_expects_response(m[4]));
    assert_int_equal(ss, 4);
    assert_int_equal(smb1_verify(srv, m, n, ss, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_VALID);

    /* the cancelled NT_TRANSACT's response uses 3 */
    n = smb1_msg(m, SMB1_COM_NT_TRANSACT, SMB1_FLAGS_REPLY | 0x18, 2);
    assert_int_equal(smb1_sign(srv, m, n, 3), SMB_OK);
    assert_int_equal(smb1_verify(cli, m, n, 3, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_VALID);

    /* server oplock break: unsigned, not subject, consumes nothing */
    n = smb1_msg(m, SMB1_COM_LOCKING_ANDX, 0x18, 0xFFFF);
    put_le16(m + 10, (uint16_t)(le16(m + 10) & ~SMB1_FLAGS2_SMB_SECURITY_SIGNATURE));
    memset(m + SMB1_SIG_OFFSET, 0, 8);
    assert_int_equal(smb1_verify(cli, m, n, 0, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_NOT_SUBJECT);
    /* a client LOCKING_ANDX request (real MID) is subject */
    n = smb1_msg(m, SMB1_COM_LOCKING_ANDX, 0x18, 7);
    put_le16(m + 10, (uint16_t)(le16(m + 10) & ~SMB1_FLAGS2_SMB_SECURITY_SIGNATURE));
    assert_int_equal(smb1_verify(srv, m, n, 5, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_UNSIGNED_BUT_REQUIRED);

    /* 5/6: the next exchange */
    cs = smb1_sign_seq_next(cli, true);
    ss = smb1_sign_seq_next(srv, true);
    assert_int_equal(cs, 5);
    assert_int_equal(ss, 5);
    n = smb1_msg(m, SMB1_COM_ECHO, SMB1_FLAGS_REPLY | 0x18, 9);
    assert_int_equal(smb1_sign(srv, m, n, ss + 1), SMB_OK);
    assert_int_equal(smb1_verify(cli, m, n, cs + 1, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_VALID);
    /* had the client not counted the cancel, it would expect 5 and fail */
    assert_int_equal(smb1_verify(cli, m, n, cs, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);

    smb_sign_ctx_free(cli);
    smb_sign_ctx_free(srv);
}

static void smb1_placeholder_and_negotiate(void **state)
{
    (void)state;
    uint8_t m[64];
    smb_verify_result r;
    size_t n = smb1_msg(m, SMB1_COM_SESSION_SETUP_ANDX, 0x18, 1);
    assert_int_equal(smb1_sign_placeholder(m, n), SMB_OK);
    assert_memory_equal(m + SMB1_SIG_OFFSET, "BSRSPYL ", 8);
    assert_true(le16(m + 10) & SMB1_FLAGS2_SMB_SECURITY_SIGNATURE);
    /* before a key exists nothing is verified */
    assert_int_equal(smb1_verify(NULL, m, n, 0, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_NOT_SUBJECT);
    /* once a key exists, the placeholder is just a bad signature */
    uint8_t key[16] = {1};
    smb_sign_ctx *c = NULL;
    assert_int_equal(smb_sign_ctx_new_smb1(&c, key, 16), SMB_OK);
    assert_int_equal(smb1_verify(c, m, n, 0, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_BAD_SIGNATURE);
    n = smb1_msg(m, SMB1_COM_NEGOTIATE, 0x18, 0);
    assert_int_equal(smb1_verify(c, m, n, 0, true, &r, NULL, NULL), SMB_OK);
    assert_int_equal(r, SMB_VERIFY_NOT_SUBJECT);
    /* truncated and bad magic */
    assert_int_equal(smb1_verify(c, m, 31, 0, true, &r, NULL, NULL), SMB_E_TRUNCATED);
    m[0] = 0xfe;
    assert_int_equal(smb1_verify(c, m, n, 0, true, &r, NULL, NULL), SMB_E_MALFORMED);
    assert_int_equal(smb1_sign(c, m, n, 0), SMB_E_MALFORMED);
    smb_sign_ctx_free(c);
}

static void names_and_defaults(void **state)
{
    (void)state;
    assert_string_equal(smb_verify_result_name(SMB_VERIFY_UNSIGNED_BUT_REQUIRED), "unsigned-but-required");
    assert_int_equal(smb_sign_default_alg(SMB_DIALECT_210), SMB_ALG_HMAC_SHA256);
    assert_int_equal(smb_sign_default_alg(SMB_DIALECT_311), SMB_ALG_AES_CMAC);
    assert_int_equal(smb_sign_default_alg(SMB_DIALECT_SMB1), SMB_ALG_MD5);
    assert_true(smb_sign_alg_valid(SMB_DIALECT_311, SMB_ALG_AES_GMAC));
    assert_false(smb_sign_alg_valid(SMB_DIALECT_302, SMB_ALG_HMAC_SHA256));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kdf_smb30_ms_vectors),
        cmocka_unit_test(kdf_smb311_ms_vectors),
        cmocka_unit_test(preauth_chain_ms_vectors),
        cmocka_unit_test(smb2_known_answers),
        cmocka_unit_test(every_bit_flip_fails),
        cmocka_unit_test(iov_equals_flat),
        cmocka_unit_test(gmac_nonce_rules),
        cmocka_unit_test(not_subject_cases),
        cmocka_unit_test(unsigned_required_vs_allowed),
        cmocka_unit_test(malformed_input),
        cmocka_unit_test(compound_chain),
        cmocka_unit_test(smb1_known_answer),
        cmocka_unit_test(smb1_sequence_scenario),
        cmocka_unit_test(smb1_placeholder_and_negotiate),
        cmocka_unit_test(names_and_defaults),
        cmocka_unit_test(signature_field_every_byte),
        cmocka_unit_test(smb1_verify_mac_ignores_flags2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
