/*
 * tests/unit/test_crypto.c - crypto/: published known-answer vectors for every
 * primitive, incremental == one-shot at every split, and negative twins
 * (flipped input bit, wrong key, truncated input change the result).
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
#include "crypto/crypto.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0, off = 0;
    assert_int_equal(hex_decode(h, strlen(h), out, cap, &n, &off), SMB_OK);
    return n;
}

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
    char buf[2 * 128 + 1];
    assert_true(n <= 128);
    hex_encode(got, n, buf);
    assert_string_equal(buf, want);
}

/* ---- RFC 1320 A.5 ---- */
static const char *const md_inputs[] = {
    "", "a", "abc", "message digest", "abcdefghijklmnopqrstuvwxyz",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
};
static const char *const md4_out[] = {
    "31d6cfe0d16ae931b73c59d7e0c089c0", "bde52cb31de33e46245e05fbdbd6fb24", "a448017aaf21d8525fc10ae87aa6729d",
    "d9130a8164549fe818874806e1c7014b", "d79e1c308aa5bbcdeea8ed63df412da9", "043f8582f241db351ce627e153e7f0e4",
    "e33b4ddc9c38f2199c3e7b164fcc0536",
};
/* ---- RFC 1321 A.5 ---- */
static const char *const md5_out[] = {
    "d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661", "900150983cd24fb0d6963f7d28e17f72",
    "f96b697d7cb7938d525a2f31aaf161d0", "c3fcd3d76192e4007dfb496cca67e13b", "d174ab98d277d9f5a5611c2c9f419d9f",
    "57edf4a22be3c955ac49da2e2107b67a",
};

static void md4_rfc1320(void **state)
{
    (void)state;
    uint8_t d[16];
    for (size_t i = 0; i < 7; i++) {
        smb_md4(md_inputs[i], strlen(md_inputs[i]), d);
        assert_hex(d, 16, md4_out[i]);
    }
}

static void md4_incremental_every_split(void **state)
{
    (void)state;
    const char *m = md_inputs[6];
    size_t n = strlen(m);
    uint8_t d[16];
    for (size_t s = 0; s <= n; s++) {
        smb_md4_ctx c;
        smb_md4_init(&c);
        smb_md4_update(&c, m, s);
        smb_md4_update(&c, m + s, n - s);
        smb_md4_final(&c, d);
        assert_hex(d, 16, md4_out[6]);
    }
    /* negative twin: one byte shorter is a different digest */
    smb_md4(m, n - 1, d);
    char h[33];
    hex_encode(d, 16, h);
    assert_string_not_equal(h, md4_out[6]);
}

/* MS-NLMP 4.2.2.1.2: NTOWFv1("Password") = MD4(UNICODE("Password")). */
static void md4_nlmp_ntowf(void **state)
{
    (void)state;
    const char *pw = "Password";
    uint8_t u[16], d[16];
    for (int i = 0; i < 8; i++) {
        u[2 * i] = (uint8_t)pw[i];
        u[2 * i + 1] = 0;
    }
    smb_md4(u, 16, d);
    assert_hex(d, 16, "a4f49c406510bdcab6824ee7c30fd852");
    /* 4.2.2.1.3: SessionBaseKey = MD4(NTOWFv1) */
    uint8_t sbk[16];
    smb_md4(d, 16, sbk);
    assert_hex(sbk, 16, "d87262b0cde4b1cb7499becccdf10784");
    /* 4.2.2.2.3 (NTLMv1, no extended session security): encrypted session
     * key = RC4(KeyExchangeKey = SessionBaseKey, RandomSessionKey = 0x55 * 16) */
    uint8_t rsk[16], enc[16];
    memset(rsk, 0x55, 16);
    smb_rc4(sbk, 16, rsk, enc, 16);
    assert_hex(enc, 16, "518822b1b3f350c8958682ecbb3e3cb7");
    /* 4.2.4.1.1: NTOWFv2 = HMAC_MD5(NTOWFv1, UNICODE(Uppercase("User") || "Domain")) */
    const char *ud = "USERDomain";
    uint8_t uu[20], v2[16];
    for (int i = 0; i < 10; i++) {
        uu[2 * i] = (uint8_t)ud[i];
        uu[2 * i + 1] = 0;
    }
    smb_hmac_md5(d, 16, uu, 20, v2);
    assert_hex(v2, 16, "0c868a403bfd7a93a3001ef22ef02e3f");
    /* negative twin: lowercase user name gives a different key */
    uu[2] = 's';
    smb_hmac_md5(d, 16, uu, 20, v2);
    char h[33];
    hex_encode(v2, 16, h);
    assert_string_not_equal(h, "0c868a403bfd7a93a3001ef22ef02e3f");
}

static void md5_rfc1321(void **state)
{
    (void)state;
    uint8_t d[16];
    for (size_t i = 0; i < 7; i++) {
        smb_md5(md_inputs[i], strlen(md_inputs[i]), d);
        assert_hex(d, 16, md5_out[i]);
        smb_md5_ctx c;
        smb_md5_init(&c);
        size_t n = strlen(md_inputs[i]);
        smb_md5_update(&c, md_inputs[i], n / 3);
        smb_md5_update(&c, md_inputs[i] + n / 3, n - n / 3);
        smb_md5_final(&c, d);
        assert_hex(d, 16, md5_out[i]);
    }
    smb_md5("abd", 3, d); /* flipped bit of "abc" */
    char h[33];
    hex_encode(d, 16, h);
    assert_string_not_equal(h, md5_out[2]);
}

/* FIPS 180-2 C.1 / C.2 */
static void sha512_fips(void **state)
{
    (void)state;
    uint8_t d[64];
    smb_sha512("abc", 3, d);
    assert_hex(d, 64,
               "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
               "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    smb_sha512_ctx c;
    smb_sha512_init(&c);
    smb_sha512_update(&c, "a", 1);
    smb_sha512_update(&c, "bc", 2);
    smb_sha512_final(&c, d);
    assert_hex(d, 64,
               "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
               "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    smb_sha256("abc", 3, d);
    assert_hex(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* ---- RFC 4231 ---- */
struct hmac_vec {
    const char *key, *data, *mac;
};
static const struct hmac_vec rfc4231[] = {
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {"0102030405060708090a0b0c0d0e0f10111213141516171819",
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
};

static void hmac_sha256_rfc4231(void **state)
{
    (void)state;
    uint8_t key[200], data[200], mac[32];
    for (size_t i = 0; i < sizeof rfc4231 / sizeof rfc4231[0]; i++) {
        size_t kl = unhex(rfc4231[i].key, key, sizeof key);
        size_t dl = unhex(rfc4231[i].data, data, sizeof data);
        smb_hmac_sha256(key, kl, data, dl, mac);
        assert_hex(mac, 32, rfc4231[i].mac);
        /* prepared key reused twice gives the same answer */
        smb_hmac_sha256_key k;
        smb_hmac_sha256_key_init(&k, key, kl);
        for (int rep = 0; rep < 2; rep++) {
            smb_hmac_sha256_ctx c;
            smb_hmac_sha256_start(&c, &k);
            smb_hmac_sha256_update(&c, data, dl / 2);
            smb_hmac_sha256_update(&c, data + dl / 2, dl - dl / 2);
            smb_hmac_sha256_final(&c, mac);
            assert_hex(mac, 32, rfc4231[i].mac);
        }
        smb_hmac_sha256_key_wipe(&k);
        /* wrong key: last key byte flipped */
        key[kl - 1] ^= 1;
        smb_hmac_sha256(key, kl, data, dl, mac);
        char h[65];
        hex_encode(mac, 32, h);
        assert_string_not_equal(h, rfc4231[i].mac);
    }
    /* RFC 4231 4.7 and 4.8: keys longer than the block size */
    memset(key, 0xaa, 131);
    const char *t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    smb_hmac_sha256(key, 131, t6, strlen(t6), mac);
    assert_hex(mac, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    const char *t7 = "This is a test using a larger than block-size key and a larger than block-size data. The key "
                     "needs to be hashed before being used by the HMAC algorithm.";
    smb_hmac_sha256(key, 131, t7, strlen(t7), mac);
    assert_hex(mac, 32, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* ---- RFC 2202 ---- */
static void hmac_md5_rfc2202(void **state)
{
    (void)state;
    uint8_t key[100], data[100], mac[16];
    memset(key, 0x0b, 16);
    smb_hmac_md5(key, 16, "Hi There", 8, mac);
    assert_hex(mac, 16, "9294727a3638bb1c13f48ef8158bfc9d");
    smb_hmac_md5("Jefe", 4, "what do ya want for nothing?", 28, mac);
    assert_hex(mac, 16, "750c783e6ab0b503eaa86e310a5db738");
    memset(key, 0xaa, 16);
    memset(data, 0xdd, 50);
    smb_hmac_md5(key, 16, data, 50, mac);
    assert_hex(mac, 16, "56be34521d144c88dbb8c733f0e8b3f6");
    memset(key, 0xaa, 80);
    const char *t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    smb_hmac_md5(key, 80, t6, strlen(t6), mac);
    assert_hex(mac, 16, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
    smb_hmac_md5_ctx c;
    smb_hmac_md5_init(&c, key, 80);
    smb_hmac_md5_update(&c, t6, 10);
    smb_hmac_md5_update(&c, t6 + 10, strlen(t6) - 10);
    smb_hmac_md5_final(&c, mac);
    assert_hex(mac, 16, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
    smb_hmac_md5("Jefe", 3, "what do ya want for nothing?", 28, mac); /* truncated key */
    char h[33];
    hex_encode(mac, 16, h);
    assert_string_not_equal(h, "750c783e6ab0b503eaa86e310a5db738");
}

/* ---- RFC 4493 4 ---- */
static const char *const cmac_msg = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                                    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
static void aes_cmac_rfc4493(void **state)
{
    (void)state;
    uint8_t key[16], msg[64], tag[16];
    unhex("2b7e151628aed2a6abf7158809cf4f3c", key, sizeof key);
    unhex(cmac_msg, msg, sizeof msg);
    smb_cmac_key k;
    assert_int_equal(smb_cmac_key_init(&k, key), SMB_OK);
    assert_hex(k.k1, 16, "fbeed618357133667c85e08f7236a8de");
    assert_hex(k.k2, 16, "f7ddac306ae266ccf90bc11ee46d513b");
    static const struct {
        size_t len;
        const char *tag;
    } ex[] = {{0, "bb1d6929e95937287fa37d129b756746"},
              {16, "070a16b46b4d4144f79bdd9dd04a287c"},
              {40, "dfa66747de9ae63030ca32611497c827"},
              {64, "51f0bebf7e3b9d92fc49741779363cfe"}};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(smb_aes_cmac(key, msg, ex[i].len, tag), SMB_OK);
        assert_hex(tag, 16, ex[i].tag);
        /* every split into two and three updates over the prepared key */
        for (size_t s = 0; s <= ex[i].len; s++) {
            smb_cmac_ctx c;
            assert_int_equal(smb_cmac_start(&c, &k), SMB_OK);
            smb_cmac_update(&c, msg, s);
            smb_cmac_update(&c, msg + s, (ex[i].len - s) / 2);
            smb_cmac_update(&c, msg + s + (ex[i].len - s) / 2, ex[i].len - s - (ex[i].len - s) / 2);
            assert_int_equal(smb_cmac_final(&c, tag), SMB_OK);
            assert_hex(tag, 16, ex[i].tag);
        }
    }
    /* flipped bit in the last byte, and wrong key */
    msg[63] ^= 0x80;
    assert_int_equal(smb_aes_cmac(key, msg, 64, tag), SMB_OK);
    char h[33];
    hex_encode(tag, 16, h);
    assert_string_not_equal(h, ex[3].tag);
    msg[63] ^= 0x80;
    key[0] ^= 1;
    assert_int_equal(smb_aes_cmac(key, msg, 64, tag), SMB_OK);
    hex_encode(tag, 16, h);
    assert_string_not_equal(h, ex[3].tag);
    smb_cmac_key_free(&k);
    smb_cmac_key_free(&k); /* idempotent */
}

/* Large message over several CBC chunks: incremental at odd splits == one shot. */
static void aes_cmac_large_chunks(void **state)
{
    (void)state;
    size_t n = 3 * SMB_CMAC_CHUNK + 37;
    uint8_t *m = malloc(n), key[16] = {1, 2, 3}, t1[16], t2[16];
    assert_non_null(m);
    for (size_t i = 0; i < n; i++)
        m[i] = (uint8_t)(i * 7 + 3);
    assert_int_equal(smb_aes_cmac(key, m, n, t1), SMB_OK);
    smb_cmac_key k;
    assert_int_equal(smb_cmac_key_init(&k, key), SMB_OK);
    smb_cmac_ctx c;
    assert_int_equal(smb_cmac_start(&c, &k), SMB_OK);
    for (size_t off = 0; off < n;) {
        size_t step = (off % 5 == 0) ? 4099 : 13;
        if (step > n - off)
            step = n - off;
        smb_cmac_update(&c, m + off, step);
        off += step;
    }
    assert_int_equal(smb_cmac_final(&c, t2), SMB_OK);
    assert_memory_equal(t1, t2, 16);
    smb_cmac_key_free(&k);
    free(m);
}

/* ---- NIST SP800-38D GCM vectors with empty plaintext (GMAC) ---- */
static void aes_gmac_nist(void **state)
{
    (void)state;
    uint8_t key[16], iv[12], aad[64], tag[16];
    /* McGrew & Viega GCM spec Test Case 1 (also NIST): zero key, zero IV, no data */
    memset(key, 0, 16);
    memset(iv, 0, 12);
    assert_int_equal(smb_aes_gmac(key, iv, 12, NULL, 0, tag), SMB_OK);
    assert_hex(tag, 16, "58e2fccefa7e3061367f1d57a4e7455a");
    /* CAVP gcmEncryptExtIV128 [PTlen=0][AADlen=128] Count 0 */
    unhex("77be63708971c4e240d1cb79e8d77feb", key, 16);
    unhex("e0e00f19fed7ba0136a797f3", iv, 12);
    size_t al = unhex("7a43ec1d9c0a5a78a0b16533a6213cab", aad, sizeof aad);
    assert_int_equal(smb_aes_gmac(key, iv, 12, aad, al, tag), SMB_OK);
    assert_hex(tag, 16, "209fcc8d3675ed938e9c7166709dd946");
    /* prepared key, AAD in two pieces, used twice */
    smb_gmac_key k;
    assert_int_equal(smb_gmac_key_init(&k, key), SMB_OK);
    for (int rep = 0; rep < 2; rep++) {
        assert_int_equal(smb_gmac_start(&k, iv), SMB_OK);
        assert_int_equal(smb_gmac_update(&k, aad, 5), SMB_OK);
        assert_int_equal(smb_gmac_update(&k, aad + 5, al - 5), SMB_OK);
        assert_int_equal(smb_gmac_final(&k, tag), SMB_OK);
        assert_hex(tag, 16, "209fcc8d3675ed938e9c7166709dd946");
    }
    /* negative twins: different nonce, flipped AAD bit */
    iv[11] ^= 1;
    assert_int_equal(smb_gmac_start(&k, iv), SMB_OK);
    assert_int_equal(smb_gmac_update(&k, aad, al), SMB_OK);
    assert_int_equal(smb_gmac_final(&k, tag), SMB_OK);
    char h[33];
    hex_encode(tag, 16, h);
    assert_string_not_equal(h, "209fcc8d3675ed938e9c7166709dd946");
    iv[11] ^= 1;
    aad[0] ^= 1;
    assert_int_equal(smb_gmac_start(&k, iv), SMB_OK);
    assert_int_equal(smb_gmac_update(&k, aad, al), SMB_OK);
    assert_int_equal(smb_gmac_final(&k, tag), SMB_OK);
    hex_encode(tag, 16, h);
    assert_string_not_equal(h, "209fcc8d3675ed938e9c7166709dd946");
    smb_gmac_key_free(&k);
}

/* ---- NIST SP800-108 CAVP KDFCTR [PRF=HMAC_SHA256][CTRLOCATION=BEFORE_FIXED][RLEN=32_BITS] COUNT=0 ---- */
static void kdf_sp800_108(void **state)
{
    (void)state;
    uint8_t ki[32], fixed[64], out[16];
    unhex("dd1d91b7d90b2bd3138533ce92b272fbf8a369316aefe242e659cc0ae238afe0", ki, sizeof ki);
    size_t fl = unhex("01322b96b30acd197979444e468e1c5c6859bf1b1cf951b7e725303e237e46b864a145fab25e517b08f8683d0315bb"
                      "2911d80a0e8aba17f3b413faac",
                      fixed, sizeof fixed);
    smb_kdf_ctr_hmac_sha256(ki, 32, fixed, fl, out, 16);
    assert_hex(out, 16, "10621342bfb0fd40046c0e29f2cfdbf0");
    fixed[0] ^= 1;
    smb_kdf_ctr_hmac_sha256(ki, 32, fixed, fl, out, 16);
    char h[33];
    hex_encode(out, 16, h);
    assert_string_not_equal(h, "10621342bfb0fd40046c0e29f2cfdbf0");
    /* SMB form == generic form with Label||0||Context||L */
    uint8_t sk[16] = {9, 8, 7}, a[16], b[16];
    uint8_t fx[12 + 1 + 8 + 4];
    memcpy(fx, "SMB2AESCMAC", 12);
    fx[12] = 0;
    memcpy(fx + 13, "SmbSign", 8);
    fx[21] = 0, fx[22] = 0, fx[23] = 0, fx[24] = 0x80;
    smb_kdf_ctr_hmac_sha256(sk, 16, fx, sizeof fx, a, 16);
    smb_kdf_smb(sk, 16, "SMB2AESCMAC", 12, "SmbSign", 8, b);
    assert_memory_equal(a, b, 16);
}

/* ---- RFC 6229 ---- */
static void rc4_rfc6229(void **state)
{
    (void)state;
    uint8_t zero[32] = {0}, ks[32], key[16];
    unhex("0102030405", key, 5);
    smb_rc4(key, 5, zero, ks, 32);
    assert_hex(ks, 32, "b2396305f03dc027ccc3524a0a1118a86982944f18fc82d589c403a47a0d0919");
    unhex("0102030405060708090a0b0c0d0e0f10", key, 16);
    smb_rc4(key, 16, zero, ks, 16);
    assert_hex(ks, 16, "9ac7cc9a609d1ef7b2932899cde41b97");
    /* in place round trip */
    uint8_t m[11] = "hello world";
    smb_rc4(key, 16, m, m, 11);
    assert_memory_not_equal(m, "hello world", 11);
    smb_rc4(key, 16, m, m, 11);
    assert_memory_equal(m, "hello world", 11);
    /* wrong key gives a different stream */
    key[15] ^= 1;
    smb_rc4(key, 16, zero, ks, 16);
    char h[33];
    hex_encode(ks, 16, h);
    assert_string_not_equal(h, "9ac7cc9a609d1ef7b2932899cde41b97");
}

static void util_ct_wipe_random(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    assert_int_equal(smb_random(a, sizeof a), SMB_OK);
    memcpy(b, a, sizeof a);
    assert_int_equal(smb_memeq_ct(a, b, 32), 1);
    b[31] ^= 1;
    assert_int_equal(smb_memeq_ct(a, b, 32), 0);
    smb_wipe(a, sizeof a);
    memset(b, 0, sizeof b);
    assert_memory_equal(a, b, 32);
    assert_int_equal(smb_random(a, 0), SMB_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(md4_rfc1320),       cmocka_unit_test(md4_incremental_every_split),
        cmocka_unit_test(md4_nlmp_ntowf),    cmocka_unit_test(md5_rfc1321),
        cmocka_unit_test(sha512_fips),       cmocka_unit_test(hmac_sha256_rfc4231),
        cmocka_unit_test(hmac_md5_rfc2202),  cmocka_unit_test(aes_cmac_rfc4493),
        cmocka_unit_test(aes_cmac_large_chunks), cmocka_unit_test(aes_gmac_nist),
        cmocka_unit_test(kdf_sp800_108),     cmocka_unit_test(rc4_rfc6229),
        cmocka_unit_test(util_ct_wipe_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
