/*
 * tests/unit/test_crypt.c - smbsign/crypt.h: TRANSFORM_HEADER codec and
 * AES-128/256-CCM/GCM encryption. The known answers were computed by an
 * independent implementation (pycryptodome 3.x AES.MODE_CCM / MODE_GCM with
 * impacket's SMB2_TRANSFORM_HEADER building the AAD, the same construction
 * as tests/cli/crypt_impacket.sh) for key 00..0f (00..1f for AES-256), nonce counter 5, SessionId
 * 0x1122334455667788 and the 100-byte message MSG below; tests/cli/crypt_impacket.sh
 * repeats the cross-check live in both directions. Every twin: each byte
 * flipped, wrong SessionId, wrong direction, size lies, truncation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/hex.h"
#include "smbsign/crypt.h"
#include "smbsign/sign.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0, off = 0;
    assert_int_equal(hex_decode(h, strlen(h), out, cap, &n, &off), SMB_OK);
    return n;
}

static const char MSG[] = "fe534d421f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff060d141b222930373e454c"
                          "535a61686f767d848b9299a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b727980878e959c"
                          "a3aab1b8";
#define SID 0x1122334455667788ull

static const struct {
    smb_cipher c;
    const char *out;
} kat[] = {
    {SMB_CIPHER_AES128_CCM,
     "fd534d4289d9c9f0657cc4ed749eb77170e357e605000000000000000000000000000000640000000000010088776655443322115e06c89d1d8c2faa7ecc9e75bdac9bcb4aea2527cfccc17c214b4d54e193ddb84a6142f57deefd6fb8697e0887a05dcf94a222c897fd2259b257592070faff295311aac5e177959e5275913dfa2a8c93b20fbcd061fb5e4ee0d9bc1ffd1ba2336639be59"},
    {SMB_CIPHER_AES128_GCM,
     "fd534d42182fca55cf5a50329b1ad5019292f16205000000000000000000000000000000640000000000010088776655443322114f4c7e686409560d304cecc622ad42a24bd3a84b9c2fe849529f778f52c12a22d08056a725fe4d918c25684146a6e62151148d740356e4b000ef56072cc1acf9d64892e083cbeeeb084f03b5c6ee29a819fbf07fc9dcac51315fa25f07b729be86142446"},
    {SMB_CIPHER_AES256_CCM,
     "fd534d42231f5e9226383c4a516aa716b0a0ea860500000000000000000000000000000064000000000001008877665544332211f3d06bd53ddc93e916987433149899bf4dffa759d0457772464910aca87ca91501f233038c505dd208adb5b532ab3677f4cbbace9ea64b4c600e8dca7df2aed875344840c2fe69d2f8841fcf2494c206bf44f78e57b7d5b4600d8a39f3dd6e231f077275"},
    {SMB_CIPHER_AES256_GCM,
     "fd534d422b942aee6e208d0a870140a121c545af05000000000000000000000000000000640000000000010088776655443322111838e0832c817eed8fc814545e2041de568f4a369282e0dc851bacd3720695d0e4b2624347242fe1d70a50ccde30b4e905705ddd038778f3ff48d322cd4ebb5849290c71979742acfecb8de7c2b1a48d7a0b679dbb08d348d48517d4633cbe6a5ce0743b"},
};

static void keys(uint8_t k[32])
{
    for (int i = 0; i < 32; i++)
        k[i] = (uint8_t)i;
}

/* The sixth message of a context (counter 5) equals the independent answer;
 * the receiving side (same key as its recv key) decrypts it back. */
static void known_answers_by_counter(void **state)
{
    (void)state;
    uint8_t k[32], msg[128], want[256], buf[256], *plain;
    size_t plen;
    keys(k);
    for (size_t t = 0; t < sizeof kat / sizeof kat[0]; t++) {
        smb_crypt_ctx *tx, *rx;
        assert_int_equal(smb_crypt_ctx_new(&tx, kat[t].c, k, NULL), SMB_OK);
        assert_int_equal(smb_crypt_ctx_new(&rx, kat[t].c, NULL, k), SMB_OK);
        size_t mlen = unhex(MSG, msg, sizeof msg);
        size_t wlen = unhex(kat[t].out, want, sizeof want);
        assert_int_equal(wlen, SMB2_TRANSFORM_HDR_LEN + mlen);
        for (int i = 0; i < 6; i++) {
            unhex(MSG, msg, sizeof msg);
            assert_int_equal(smb_crypt_ctx_sent(tx), (uint64_t)i);
            assert_int_equal(smb_crypt_encrypt(tx, SID, buf, msg, mlen), SMB_OK);
            memcpy(buf + SMB2_TRANSFORM_HDR_LEN, msg, mlen);
        }
        assert_memory_equal(buf, want, wlen);
        assert_int_equal(smb_crypt_decrypt(rx, SID, buf, wlen, &plain, &plen), SMB_OK);
        assert_int_equal(plen, mlen);
        unhex(MSG, msg, sizeof msg);
        assert_memory_equal(plain, msg, mlen);
        /* the sender cannot decrypt (no receive key), the receiver cannot send */
        assert_int_equal(smb_crypt_decrypt(tx, SID, want, wlen, &plain, &plen), SMB_E_BAD_ARGUMENT);
        assert_int_equal(smb_crypt_encrypt(rx, SID, buf, msg, mlen), SMB_E_BAD_ARGUMENT);
        smb_crypt_ctx_free(tx);
        smb_crypt_ctx_free(rx);
    }
}

/* Every byte of the AAD, tag and ciphertext matters; the plaintext area is wiped. */
static void every_byte_flipped_refused(void **state)
{
    (void)state;
    uint8_t k[32], want[256], buf[256], *plain;
    size_t plen;
    keys(k);
    for (size_t t = 0; t < sizeof kat / sizeof kat[0]; t++) {
        smb_crypt_ctx *rx;
        assert_int_equal(smb_crypt_ctx_new(&rx, kat[t].c, NULL, k), SMB_OK);
        size_t wlen = unhex(kat[t].out, want, sizeof want);
        for (size_t i = 0; i < wlen; i++) {
            memcpy(buf, want, wlen);
            buf[i] ^= 0x01;
            smb_status st = smb_crypt_decrypt(rx, SID, buf, wlen, &plain, &plen);
            assert_int_not_equal(st, SMB_OK);
            assert_null(plain);
            if (i >= SMB2_TRANSFORM_HDR_LEN && st == SMB_E_INVALID_SIGNATURE)
                for (size_t j = SMB2_TRANSFORM_HDR_LEN; j < wlen; j++)
                    assert_int_equal(buf[j], 0);
        }
        /* the untouched twin decrypts */
        memcpy(buf, want, wlen);
        assert_int_equal(smb_crypt_decrypt(rx, SID, buf, wlen, &plain, &plen), SMB_OK);
        smb_crypt_ctx_free(rx);
    }
}

static void header_checks(void **state)
{
    (void)state;
    uint8_t k[32], want[256], buf[256], *plain;
    size_t plen;
    keys(k);
    smb_crypt_ctx *rx;
    assert_int_equal(smb_crypt_ctx_new(&rx, SMB_CIPHER_AES128_GCM, NULL, k), SMB_OK);
    size_t wlen = unhex(kat[1].out, want, sizeof want);
    memcpy(buf, want, wlen);
    /* another session's id: refused before crypto */
    assert_int_equal(smb_crypt_decrypt(rx, SID + 1, buf, wlen, &plain, &plen), SMB_E_INVALID_SIGNATURE);
    /* OriginalMessageSize must be exactly what follows */
    assert_int_equal(smb_crypt_decrypt(rx, SID, buf, wlen - 1, &plain, &plen), SMB_E_MALFORMED);
    assert_int_equal(smb_crypt_decrypt(rx, SID, buf, 52 + 63, &plain, &plen), SMB_E_TRUNCATED);
    assert_int_equal(smb_crypt_decrypt(rx, SID, buf, 51, &plain, &plen), SMB_E_TRUNCATED);
    buf[36] = 0xff; /* size claims more than there is */
    assert_int_equal(smb_crypt_decrypt(rx, SID, buf, wlen, &plain, &plen), SMB_E_MALFORMED);
    memcpy(buf, want, wlen);
    buf[42] = 2; /* Flags */
    assert_int_equal(smb_crypt_decrypt(rx, SID, buf, wlen, &plain, &plen), SMB_E_MALFORMED);
    memcpy(buf, want, wlen);
    buf[0] = 0xfe; /* a plain SMB2 message is not a transform */
    assert_false(smb_crypt_is_transform(buf, wlen));
    assert_int_equal(smb_crypt_decrypt(rx, SID, buf, wlen, &plain, &plen), SMB_E_MALFORMED);
    memcpy(buf, want, wlen);
    assert_int_equal(smb_crypt_decrypt(rx, SID, buf, wlen, &plain, &plen), SMB_OK);
    /* codec round trip */
    smb_transform_hdr h;
    uint8_t again[52];
    assert_int_equal(smb_crypt_transform_decode(want, wlen, &h), SMB_OK);
    assert_int_equal(h.original_size, 100);
    assert_int_equal(h.flags, 1);
    assert_true(h.session_id == SID);
    assert_int_equal(h.nonce[0], 5);
    smb_crypt_transform_encode(&h, again);
    assert_memory_equal(again, want, 52);
    assert_int_equal(smb_crypt_transform_decode(want, 51, &h), SMB_E_TRUNCATED);
    smb_crypt_ctx_free(rx);
}

/* Keys from the session: the client's sent message opens on the server and
 * the reverse; a context of the same side (wrong key) refuses; every dialect
 * and cipher it allows. Nonces never repeat. */
static void session_directions(void **state)
{
    (void)state;
    static const smb_dialect ds[] = {SMB_DIALECT_300, SMB_DIALECT_302, SMB_DIALECT_311};
    uint8_t sk[16], pa[64], *plain;
    size_t plen;
    for (int i = 0; i < 16; i++)
        sk[i] = (uint8_t)(0xA0 + i);
    memset(pa, 0x5c, sizeof pa);
    for (size_t d = 0; d < 3; d++)
        for (smb_cipher c = SMB_CIPHER_AES128_CCM; c <= SMB_CIPHER_AES256_GCM; c++) {
            smb_crypt_ctx *cli, *srv, *cli2;
            smb_status st = smb_crypt_ctx_new_session(&cli, ds[d], c, false, sk, 16, pa);
            if (!smb_cipher_valid(ds[d], c)) {
                assert_int_equal(st, SMB_E_BAD_ARGUMENT);
                assert_null(cli);
                continue;
            }
            assert_int_equal(st, SMB_OK);
            assert_int_equal(smb_crypt_ctx_new_session(&srv, ds[d], c, true, sk, 16, pa), SMB_OK);
            assert_int_equal(smb_crypt_ctx_new_session(&cli2, ds[d], c, false, sk, 16, pa), SMB_OK);
            assert_int_equal(smb_crypt_ctx_cipher(srv), c);
            uint8_t m[52 + 200], m2[52 + 200], prev[16];
            memset(prev, 0xff, sizeof prev);
            for (int n = 0; n < 3; n++) {
                memset(m + 52, 0x40 + n, 200);
                assert_int_equal(smb_crypt_encrypt(cli, 7, m, m + 52, 200), SMB_OK);
                assert_memory_not_equal(m + 20, prev, 16);
                memcpy(prev, m + 20, 16);
                memcpy(m2, m, sizeof m);
                assert_int_equal(smb_crypt_decrypt(cli2, 7, m2, sizeof m2, &plain, &plen), SMB_E_INVALID_SIGNATURE);
                assert_int_equal(smb_crypt_decrypt(srv, 7, m, sizeof m, &plain, &plen), SMB_OK);
                assert_int_equal(plain[0], 0x40 + n);
                assert_int_equal(plain[199], 0x40 + n);
                assert_int_equal(smb_crypt_encrypt(srv, 7, m, m + 52, 200), SMB_OK);
                assert_int_equal(smb_crypt_decrypt(cli, 7, m, sizeof m, &plain, &plen), SMB_OK);
            }
            smb_crypt_ctx_free(cli);
            smb_crypt_ctx_free(srv);
            smb_crypt_ctx_free(cli2);
        }
    /* AES-256 keys depend on the whole session key (MS-SMB2 3.2.5.3.1) */
    uint8_t long_sk[32];
    memset(long_sk, 0x11, 32);
    smb_crypt_ctx *a, *b;
    assert_int_equal(smb_crypt_ctx_new_session(&a, SMB_DIALECT_311, SMB_CIPHER_AES256_GCM, false, long_sk, 32, pa),
                     SMB_OK);
    long_sk[31] ^= 1;
    assert_int_equal(smb_crypt_ctx_new_session(&b, SMB_DIALECT_311, SMB_CIPHER_AES256_GCM, true, long_sk, 32, pa),
                     SMB_OK);
    uint8_t m[52 + 64] = {0};
    assert_int_equal(smb_crypt_encrypt(a, 1, m, m + 52, 64), SMB_OK);
    assert_int_equal(smb_crypt_decrypt(b, 1, m, sizeof m, &plain, &plen), SMB_E_INVALID_SIGNATURE);
    smb_crypt_ctx_free(a);
    smb_crypt_ctx_free(b);
}

/* A 5 MB chain-sized message round trip (the largest READ/WRITE sizes). */
static void large_message(void **state)
{
    (void)state;
    size_t n = 5u << 20;
    uint8_t k[32], *buf = malloc(52 + n), *plain;
    size_t plen;
    assert_non_null(buf);
    keys(k);
    for (size_t i = 0; i < n; i++)
        buf[52 + i] = (uint8_t)(i * 31);
    smb_crypt_ctx *tx, *rx;
    assert_int_equal(smb_crypt_ctx_new(&tx, SMB_CIPHER_AES128_CCM, k, NULL), SMB_OK);
    assert_int_equal(smb_crypt_ctx_new(&rx, SMB_CIPHER_AES128_CCM, NULL, k), SMB_OK);
    assert_int_equal(smb_crypt_encrypt(tx, 9, buf, buf + 52, n), SMB_OK);
    assert_int_not_equal(buf[52 + 1], 31);
    assert_int_equal(smb_crypt_decrypt(rx, 9, buf, 52 + n, &plain, &plen), SMB_OK);
    for (size_t i = 0; i < n; i += 4099)
        assert_int_equal(plain[i], (uint8_t)(i * 31));
    assert_int_equal(smb_crypt_encrypt(tx, 9, buf, buf + 52, SMB_CRYPT_MAX_MESSAGE + 1), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_crypt_encrypt(tx, 9, buf, buf + 52, 63), SMB_E_BAD_ARGUMENT);
    smb_crypt_ctx_free(tx);
    smb_crypt_ctx_free(rx);
    free(buf);
}

static void names(void **state)
{
    (void)state;
    smb_cipher c;
    assert_string_equal(smb_cipher_name(SMB_CIPHER_AES256_GCM), "aes-256-gcm");
    assert_null(smb_cipher_name((smb_cipher)9));
    assert_int_equal(smb_cipher_parse("AES-128-CCM", &c), 0);
    assert_int_equal(c, SMB_CIPHER_AES128_CCM);
    assert_int_equal(smb_cipher_parse("aes128gcm", &c), 0);
    assert_int_equal(c, SMB_CIPHER_AES128_GCM);
    assert_int_equal(smb_cipher_parse("aes-512-gcm", &c), -1);
    assert_int_equal(smb_cipher_key_len(SMB_CIPHER_AES256_CCM), 32);
    assert_int_equal(smb_cipher_nonce_len(SMB_CIPHER_AES256_CCM), 11);
    assert_int_equal(smb_cipher_nonce_len(SMB_CIPHER_AES128_GCM), 12);
    assert_int_equal(smb_cipher_nonce_len(SMB_CIPHER_NONE), 0);
    assert_false(smb_cipher_valid(SMB_DIALECT_300, SMB_CIPHER_AES128_GCM));
    assert_false(smb_cipher_valid(SMB_DIALECT_210, SMB_CIPHER_AES128_CCM));
    assert_true(smb_cipher_valid(SMB_DIALECT_302, SMB_CIPHER_AES128_CCM));
    smb_crypt_ctx *x;
    uint8_t k[32] = {0};
    assert_int_equal(smb_crypt_ctx_new(&x, SMB_CIPHER_NONE, k, k), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_crypt_ctx_new(&x, SMB_CIPHER_AES128_GCM, NULL, NULL), SMB_E_BAD_ARGUMENT);
    smb_crypt_ctx_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answers_by_counter), cmocka_unit_test(every_byte_flipped_refused),
        cmocka_unit_test(header_checks),            cmocka_unit_test(session_directions),
        cmocka_unit_test(large_message),            cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
