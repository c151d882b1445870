/*
 * tests/unit/test_sign_batch.c - the multi-lane MACs (crypto/lanes.c) and the
 * batch API (smbsign/batch.h) against the one-message path: random lengths
 * (0, tails that are not a multiple of 16 or 64), random segmentations
 * (empty segments, blocks straddling segments), misaligned buffers, mixed
 * keys and batch sizes, both the SIMD and the portable path; RFC vectors;
 * and every verification outcome of the batch next to its one-message twin.
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
#include "crypto/lanes.h"
#include "smbsign/batch.h"
#include "smbsign/sign.h"
#include "wire/smb2/header.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void hex(const char *s, uint8_t *out)
{
    for (size_t i = 0; s[2 * i]; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

#define MAXMSG 24
#define MAXLEN 70000
#define MAXSEG 6

typedef struct case_set {
    uint8_t *buf[MAXMSG];   /* malloc'd, data at buf + misalign */
    uint8_t *data[MAXMSG];
    size_t len[MAXMSG];
    struct iovec seg[MAXMSG][MAXSEG];
    int nseg[MAXMSG];
    int keyi[MAXMSG];
    size_t n;
} case_set;

static size_t rand_len(void)
{
    switch (rnd() % 8) {
    case 0: return rnd() % 17;                 /* 0..16 */
    case 1: return 16 * (rnd() % 8);           /* whole blocks */
    case 2: return 64 * (rnd() % 8) + rnd() % 3; /* around SHA blocks */
    case 3: return rnd() % MAXLEN;
    default: return rnd() % 3000;
    }
}

/* n random messages, each cut at random points into 1..MAXSEG segments. */
static void make_cases(case_set *cs, size_t n, int nkeys)
{
    cs->n = n;
    for (size_t i = 0; i < n; i++) {
        size_t len = rand_len(), mis = rnd() % 16;
        cs->buf[i] = malloc(len + 16 + 1);
        assert_non_null(cs->buf[i]);
        cs->data[i] = cs->buf[i] + mis;
        cs->len[i] = len;
        for (size_t j = 0; j < len; j++)
            cs->data[i][j] = (uint8_t)rnd();
        int ns = 1 + (int)(rnd() % MAXSEG);
        size_t off = 0;
        for (int s = 0; s < ns; s++) {
            size_t take = s == ns - 1 ? len - off : (len - off ? rnd() % (len - off + 1) : 0);
            if (rnd() % 4 == 0 && s != ns - 1)
                take = 0; /* empty segment */
            cs->seg[i][s].iov_base = cs->data[i] + off;
            cs->seg[i][s].iov_len = take;
            off += take;
        }
        cs->nseg[i] = ns;
        cs->keyi[i] = (int)(rnd() % (unsigned)nkeys);
    }
}

static void free_cases(case_set *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        free(cs->buf[i]);
}

/* SIMD forced only where the CPU has SHA-NI (the caller's duty, lanes.h) */
static smb_lanes_impl sha_impl(int impl)
{
    return impl == SMB_LANES_SIMD && !(smb_lanes_cpu() & SMB_LANES_CPU_SHANI) ? SMB_LANES_PORTABLE
                                                                              : (smb_lanes_impl)impl;
}

/* 120 rounds of random cases through the lanes (portable and SIMD) against
 * the one-message function; hmac: HMAC-SHA256, else AES-CMAC. */
static void lanes_match_single(int hmac)
{
    uint8_t keys[3][16];
    smb_cmac_key ck[3];
    smb_hmac_sha256_key hk[3];
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 16; j++)
            keys[i][j] = (uint8_t)rnd();
        assert_int_equal(smb_cmac_key_init(&ck[i], keys[i]), SMB_OK);
        smb_hmac_sha256_key_init(&hk[i], keys[i], 16);
    }
    for (int round = 0; round < 120; round++) {
        case_set cs;
        smb_mac_msg m[MAXMSG];
        make_cases(&cs, 1 + rnd() % MAXMSG, 1 + round % 3);
        for (int impl = SMB_LANES_PORTABLE; impl <= SMB_LANES_SIMD; impl++) {
            for (size_t i = 0; i < cs.n; i++) {
                m[i].key = hmac ? (const void *)&hk[cs.keyi[i]] : (const void *)&ck[cs.keyi[i]];
                m[i].seg = cs.seg[i];
                m[i].nseg = cs.nseg[i];
                m[i].len = cs.len[i];
                memset(m[i].tag, 0, 16);
            }
            if (hmac)
                smb_hmac_sha256_batch(m, cs.n, sha_impl(impl));
            else
                assert_int_equal(smb_cmac_batch(m, cs.n, (smb_lanes_impl)impl), SMB_OK);
            for (size_t i = 0; i < cs.n; i++) {
                uint8_t want[32];
                if (hmac)
                    smb_hmac_sha256(keys[cs.keyi[i]], 16, cs.data[i], cs.len[i], want);
                else
                    assert_int_equal(smb_aes_cmac(keys[cs.keyi[i]], cs.data[i], cs.len[i], want), SMB_OK);
                if (memcmp(want, m[i].tag, 16) != 0)
                    fail_msg("round %d impl %d msg %zu/%zu len %zu nseg %d: %s differs", round, impl, i, cs.n,
                             cs.len[i], cs.nseg[i], hmac ? "HMAC" : "CMAC");
            }
        }
        free_cases(&cs);
    }
    for (int i = 0; i < 3; i++) {
        smb_cmac_key_free(&ck[i]);
        smb_hmac_sha256_key_wipe(&hk[i]);
    }
}

static void cmac_lanes_match_single(void **state)
{
    (void)state;
    lanes_match_single(0);
}

static void hmac_lanes_match_single(void **state)
{
    (void)state;
    lanes_match_single(1);
}

/* RFC 4493 4 (AES-CMAC) and RFC 4231 4.3 (HMAC-SHA256 case 2) through the
 * lanes, in one batch, each vector twice (the lanes refill); the twin: a
 * flipped message bit changes exactly that message's tag. */
static void lanes_known_answers(void **state)
{
    (void)state;
    static const char *msg64 = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                               "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
    static const size_t lens[4] = {0, 16, 40, 64};
    static const char *tags[4] = {"bb1d6929e95937287fa37d129b756746", "070a16b46b4d4144f79bdd9dd04a287c",
                                  "dfa66747de9ae63030ca32611497c827", "51f0bebf7e3b9d92fc49741779363cfe"};
    uint8_t key[16], msg[64], want[16];
    hex("2b7e151628aed2a6abf7158809cf4f3c", key);
    hex(msg64, msg);
    smb_cmac_key k;
    assert_int_equal(smb_cmac_key_init(&k, key), SMB_OK);
    for (int impl = SMB_LANES_PORTABLE; impl <= SMB_LANES_SIMD; impl++) {
        struct iovec v[10];
        smb_mac_msg m[10];
        uint8_t copy[64];
        memcpy(copy, msg, 64);
        for (int i = 0; i < 10; i++) {
            v[i].iov_base = i == 9 ? copy : msg;
            v[i].iov_len = i == 9 ? 64 : lens[i % 4];
            m[i] = (smb_mac_msg){.key = &k, .seg = &v[i], .nseg = 1, .len = v[i].iov_len};
        }
        copy[63] ^= 1;
        assert_int_equal(smb_cmac_batch(m, 10, (smb_lanes_impl)impl), SMB_OK);
        for (int i = 0; i < 9; i++) {
            hex(tags[i % 4], want);
            assert_memory_equal(m[i].tag, want, 16);
        }
        assert_memory_not_equal(m[9].tag, m[3].tag, 16);
    }
    smb_cmac_key_free(&k);

    smb_hmac_sha256_key hk;
    smb_hmac_sha256_key_init(&hk, "Jefe", 4);
    hex("5bdcc146bf60754e6a042426089575c7", want);
    for (int impl = SMB_LANES_PORTABLE; impl <= SMB_LANES_SIMD; impl++) {
        char d1[] = "what do ya want for nothing?", d2[] = "what do ya want for nothing!";
        struct iovec v[3] = {{d1, 28}, {d2, 28}, {d1, 28}};
        smb_mac_msg m[3];
        for (int i = 0; i < 3; i++)
            m[i] = (smb_mac_msg){.key = &hk, .seg = &v[i], .nseg = 1, .len = 28};
        smb_hmac_sha256_batch(m, 3, sha_impl(impl));
        assert_memory_equal(m[0].tag, want, 16);
        assert_memory_not_equal(m[1].tag, want, 16);
        assert_memory_equal(m[2].tag, want, 16);
    }
    smb_hmac_sha256_key_wipe(&hk);
}

/* ---- the public batch API ---- */

static void make_smb2(uint8_t *m, size_t len, uint16_t cmd, uint64_t mid, uint64_t sid)
{
    for (size_t i = 0; i < len; i++)
        m[i] = (uint8_t)rnd();
    memset(m, 0, 64);
    memcpy(m, SMB2_MAGIC, 4);
    put_le16(m + 4, 64);
    put_le16(m + 12, cmd);
    put_le32(m + 16, SMB2_FLAGS_SERVER_TO_REDIR);
    put_le64(m + 24, mid);
    put_le64(m + 40, sid);
}

#define NB 20

static void batch_sign_equals_one_at_a_time(void **state)
{
    (void)state;
    static const struct {
        smb_dialect d;
        smb_sign_alg a;
    } algs[] = {{SMB_DIALECT_210, SMB_ALG_HMAC_SHA256},
                {SMB_DIALECT_300, SMB_ALG_AES_CMAC},
                {SMB_DIALECT_311, SMB_ALG_AES_GMAC},
                {SMB_DIALECT_311, SMB_ALG_AES_CMAC}};
    smb_sign_ctx *ctx[4];
    for (int i = 0; i < 4; i++) {
        uint8_t key[16];
        for (int j = 0; j < 16; j++)
            key[j] = (uint8_t)rnd();
        assert_int_equal(smb_sign_ctx_new(&ctx[i], algs[i].d, algs[i].a, key), SMB_OK);
    }
    for (int round = 0; round < 30; round++) {
        static uint8_t a[NB][MAXLEN + 80], b[NB][MAXLEN + 80];
        struct iovec va[NB][3], vb[NB][3];
        smb2_batch_msg bm[NB];
        size_t n = 1 + rnd() % NB;
        int mixed = round % 2;
        for (size_t i = 0; i < n; i++) {
            size_t len = 64 + rand_len(), mis = rnd() % 8;
            make_smb2(a[i] + mis, len, SMB2_READ, 5 + i, 77);
            memcpy(b[i] + mis, a[i] + mis, len);
            /* header + part of the body in iov[0], the rest in one or two more */
            size_t cut1 = 64 + rnd() % (len - 64 + 1), cut2 = cut1 + rnd() % (len - cut1 + 1);
            int nv = 1 + (int)(rnd() % 3);
            size_t cuts[4] = {0, nv == 1 ? len : cut1, nv == 3 ? cut2 : len, len};
            for (int s = 0; s < nv; s++) {
                va[i][s] = (struct iovec){a[i] + mis + cuts[s], cuts[s + 1] - cuts[s]};
                vb[i][s] = (struct iovec){b[i] + mis + cuts[s], cuts[s + 1] - cuts[s]};
            }
            bm[i] = (smb2_batch_msg){.ctx = ctx[mixed ? rnd() % 4 : (unsigned)round / 2 % 4],
                                     .iov = va[i], .iovcnt = nv};
            assert_int_equal(smb2_sign_iov(bm[i].ctx, vb[i], nv), SMB_OK);
        }
        assert_int_equal(smb2_sign_batch(bm, n), SMB_OK);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(bm[i].status, SMB_OK);
            assert_memory_equal(va[i][0].iov_base, vb[i][0].iov_base, 64);
            bm[i].must_sign = true;
        }
        /* verify: all valid; then one body byte and one signature byte flipped */
        assert_int_equal(smb2_verify_batch(bm, n), SMB_OK);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(bm[i].result, SMB_VERIFY_VALID);
        size_t bad = rnd() % n, badsig = rnd() % n;
        int lastv = bm[bad].iovcnt - 1;
        uint8_t *last = (uint8_t *)va[bad][lastv].iov_base;
        size_t lastlen = va[bad][lastv].iov_len;
        if (lastlen > (lastv == 0 ? 64u : 0u))
            last[lastlen - 1] ^= 0x40;
        else
            ((uint8_t *)va[bad][0].iov_base)[0x20] ^= 1; /* MessageId (not the GMAC nonce-free part) */
        ((uint8_t *)va[badsig][0].iov_base)[SMB2_SIG_OFFSET + rnd() % 16] ^= 0x80;
        assert_int_equal(smb2_verify_batch(bm, n), SMB_OK);
        for (size_t i = 0; i < n; i++) {
            smb_verify_result one;
            assert_int_equal(smb2_verify_iov(bm[i].ctx, va[i], bm[i].iovcnt, true, &one, NULL, NULL), SMB_OK);
            assert_int_equal(bm[i].result, one);
            assert_int_equal(bm[i].result, i == bad || i == badsig ? SMB_VERIFY_BAD_SIGNATURE : SMB_VERIFY_VALID);
        }
    }
    for (int i = 0; i < 4; i++)
        smb_sign_ctx_free(ctx[i]);
}

/* Each non-MAC outcome of the batch next to its one-message twin, in one batch. */
static void batch_verify_outcomes(void **state)
{
    (void)state;
    uint8_t key[16] = {1, 2, 3}, smb1key[16] = {4};
    smb_sign_ctx *c = NULL, *c1 = NULL;
    assert_int_equal(smb_sign_ctx_new(&c, SMB_DIALECT_300, SMB_ALG_AES_CMAC, key), SMB_OK);
    assert_int_equal(smb_sign_ctx_new_smb1(&c1, smb1key, 16), SMB_OK);
    uint8_t m[8][200];
    struct iovec v[8];
    for (int i = 0; i < 8; i++) {
        make_smb2(m[i], 200, SMB2_WRITE, 10 + (uint64_t)i, 5);
        v[i] = (struct iovec){m[i], 200};
    }
    smb2_batch_msg b[9] = {
        {.ctx = c, .iov = &v[0], .iovcnt = 1, .must_sign = true}, /* signed, valid */
        {.ctx = c, .iov = &v[1], .iovcnt = 1, .must_sign = true}, /* unsigned, required */
        {.ctx = c, .iov = &v[2], .iovcnt = 1, .must_sign = false}, /* unsigned, allowed */
        {.ctx = c, .iov = &v[3], .iovcnt = 1, .must_sign = true}, /* SessionId 0 */
        {.ctx = NULL, .iov = &v[4], .iovcnt = 1, .must_sign = true}, /* signed, no key */
        {.ctx = c1, .iov = &v[5], .iovcnt = 1, .must_sign = true}, /* SMB1 context */
        {.ctx = c, .iov = &v[6], .iovcnt = 1, .must_sign = true}, /* truncated */
        {.ctx = c, .iov = &v[7], .iovcnt = SMB2_BATCH_MAX_IOV + 1, .must_sign = true}, /* too many iov */
        {.ctx = c, .iov = &v[7], .iovcnt = 1, .must_sign = true}, /* signed, valid (after the errors) */
    };
    put_le64(m[3] + 40, 0);
    assert_int_equal(smb2_sign(c, m[0], 200), SMB_OK);
    assert_int_equal(smb2_sign(c, m[4], 200), SMB_OK);
    assert_int_equal(smb2_sign(c, m[5], 200), SMB_OK);
    assert_int_equal(smb2_sign(c, m[7], 200), SMB_OK);
    v[6].iov_len = 40;
    assert_int_equal(smb2_verify_batch(b, 9), SMB_E_BAD_ARGUMENT); /* the first failing element's status */
    static const smb_verify_result want[9] = {SMB_VERIFY_VALID,        SMB_VERIFY_UNSIGNED_BUT_REQUIRED,
                                              SMB_VERIFY_UNSIGNED_ALLOWED, SMB_VERIFY_NOT_SUBJECT,
                                              SMB_VERIFY_BAD_SIGNATURE, 0, 0, 0, SMB_VERIFY_VALID};
    static const smb_status wst[9] = {SMB_OK, SMB_OK, SMB_OK, SMB_OK, SMB_OK,
                                      SMB_E_BAD_ARGUMENT, SMB_E_TRUNCATED, SMB_E_BAD_ARGUMENT, SMB_OK};
    for (int i = 0; i < 9; i++) {
        assert_int_equal(b[i].status, wst[i]);
        if (wst[i] != SMB_OK)
            continue;
        smb_verify_result one;
        assert_int_equal(smb2_verify_iov(b[i].ctx, b[i].iov, 1, b[i].must_sign, &one, NULL, NULL), SMB_OK);
        assert_int_equal(one, want[i]);
        assert_int_equal(b[i].result, want[i]);
    }
    /* every signature byte counts (the compare covers all 16) */
    for (int byte = 0; byte < 16; byte++) {
        m[0][SMB2_SIG_OFFSET + byte] ^= 0x01;
        assert_int_equal(smb2_verify_batch(b, 1), SMB_OK);
        assert_int_equal(b[0].result, SMB_VERIFY_BAD_SIGNATURE);
        m[0][SMB2_SIG_OFFSET + byte] ^= 0x01;
    }
    assert_int_equal(smb2_verify_batch(b, 1), SMB_OK);
    assert_int_equal(b[0].result, SMB_VERIFY_VALID);
    /* sign errors: no context, SMB1 context; the others are still signed */
    smb2_batch_msg s[3] = {{.ctx = NULL, .iov = &v[1], .iovcnt = 1},
                           {.ctx = c1, .iov = &v[1], .iovcnt = 1},
                           {.ctx = c, .iov = &v[2], .iovcnt = 1}};
    assert_int_equal(smb2_sign_batch(s, 3), SMB_E_BAD_ARGUMENT);
    assert_int_equal(s[2].status, SMB_OK);
    smb_verify_result one;
    assert_int_equal(smb2_verify(c, m[2], 200, true, &one, NULL, NULL), SMB_OK);
    assert_int_equal(one, SMB_VERIFY_VALID);
    assert_int_equal(smb2_verify(c, m[1], 200, true, &one, NULL, NULL), SMB_OK);
    assert_int_equal(one, SMB_VERIFY_UNSIGNED_BUT_REQUIRED); /* untouched */
    assert_int_equal(smb2_sign_batch(NULL, 0), SMB_OK);
    smb_sign_ctx_free(c);
    smb_sign_ctx_free(c1);
}

int main(void)
{
    const char *seed = getenv("SMBSIGN_TEST_SEED");
    if (seed)
        rng = strtoull(seed, NULL, 0) | 1;
    printf("# seed 0x%llx, CMAC lanes %s, SHA lanes %s\n", (unsigned long long)rng,
           smb_lanes_cpu() & SMB_LANES_CPU_AESNI ? (smb_lanes_cpu() & SMB_LANES_CPU_EVEX ? "AES-NI+EVEX" : "AES-NI")
                                                  : "portable",
           smb_lanes_cpu() & SMB_LANES_CPU_SHANI ? "SHA-NI" : "portable");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cmac_lanes_match_single),
        cmocka_unit_test(hmac_lanes_match_single),
        cmocka_unit_test(lanes_known_answers),
        cmocka_unit_test(batch_sign_equals_one_at_a_time),
        cmocka_unit_test(batch_verify_outcomes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
