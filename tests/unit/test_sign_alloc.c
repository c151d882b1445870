/*
 * tests/unit/test_sign_alloc.c - signing and verifying allocate nothing per
 * message. OpenSSL's allocations are counted through CRYPTO_set_mem_functions
 * (installed before libcrypto allocates anything); our own code on the hot
 * path has no malloc at all. Context creation may allocate; per-message calls
 * must not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>

#include "base/buf.h"
#include "smbsign/sign.h"
#include "wire/smb2/header.h"

static unsigned long n_alloc;

static void *count_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    n_alloc++;
    return malloc(n);
}
static void *count_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    n_alloc++;
    return realloc(p, n);
}
static void count_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

static void per_message_calls_do_not_allocate(void **state)
{
    (void)state;
    static const struct {
        smb_dialect d;
        smb_sign_alg a;
    } algs[] = {{SMB_DIALECT_210, SMB_ALG_HMAC_SHA256},
                {SMB_DIALECT_300, SMB_ALG_AES_CMAC},
                {SMB_DIALECT_311, SMB_ALG_AES_GMAC}};
    static uint8_t m[70000];
    uint8_t key[16] = {7, 6, 5};
    memset(m, 0x5a, sizeof m);
    memcpy(m, SMB2_MAGIC, 4);
    put_le16(m + 4, 64);
    put_le16(m + 12, SMB2_WRITE);
    put_le64(m + 40, 99);
    for (size_t i = 0; i < 3; i++) {
        smb_sign_ctx *c = NULL;
        unsigned long at_new = n_alloc;
        assert_int_equal(smb_sign_ctx_new(&c, algs[i].d, algs[i].a, key), SMB_OK);
        /* the counter works: preparing an AES key allocates an EVP context */
        if (algs[i].a != SMB_ALG_HMAC_SHA256)
            assert_true(n_alloc > at_new);
        /* warm up once (lazy provider initialisation is not per message) */
        assert_int_equal(smb2_sign(c, m, 64), SMB_OK);
        unsigned long before = n_alloc;
        for (int k = 0; k < 50; k++) {
            size_t len = k % 2 ? 64 : sizeof m;
            smb_verify_result r;
            assert_int_equal(smb2_sign(c, m, len), SMB_OK);
            assert_int_equal(smb2_verify(c, m, len, true, &r, NULL, NULL), SMB_OK);
            assert_int_equal(r, SMB_VERIFY_VALID);
        }
        if (n_alloc != before)
            fail_msg("%s: %lu allocations in 100 sign/verify calls", smb_alg_name(algs[i].a), n_alloc - before);
        smb_sign_ctx_free(c);
    }
    /* SMB1 */
    smb_sign_ctx *c = NULL;
    assert_int_equal(smb_sign_ctx_new_smb1(&c, key, 16), SMB_OK);
    memcpy(m, "\xffSMB", 4);
    unsigned long before = n_alloc;
    for (uint32_t k = 0; k < 50; k++) {
        smb_verify_result r;
        assert_int_equal(smb1_sign(c, m, 1000, k), SMB_OK);
        assert_int_equal(smb1_verify(c, m, 1000, k, true, &r, NULL, NULL), SMB_OK);
        assert_int_equal(r, SMB_VERIFY_VALID);
    }
    assert_int_equal(n_alloc, before);
    smb_sign_ctx_free(c);
}

int main(void)
{
    if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free))
        return 2; /* libcrypto already allocated: the count would be meaningless */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(per_message_calls_do_not_allocate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
