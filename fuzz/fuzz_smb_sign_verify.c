/*
 * fuzz/fuzz_smb_sign_verify.c - libFuzzer target for the header parsing used
 * by sign/verify: smb2_verify / smb2_verify_chain / smb1_verify over arbitrary
 * bytes with every algorithm, plus sign-then-verify round trips on inputs that
 * parse. The first input byte picks the algorithm and the must_sign flag.
 * Invariants checked: a message we signed verifies VALID; nothing reads out
 * of bounds (ASan/UBSan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smbsign/sign.h"

static const uint8_t key[16] = {0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
                                0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0};

/* statuses the target does not judge (only that nothing crashes) */
static volatile unsigned sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    data++;
    size--;
    static const struct {
        smb_dialect d;
        smb_sign_alg a;
    } algs[] = {{SMB_DIALECT_210, SMB_ALG_HMAC_SHA256}, {SMB_DIALECT_300, SMB_ALG_AES_CMAC},
                {SMB_DIALECT_311, SMB_ALG_AES_GMAC},    {SMB_DIALECT_SMB1, SMB_ALG_MD5}};
    size_t ai = (sel & 3u);
    bool must_sign = (sel & 4u) != 0;
    smb_sign_ctx *c = NULL;
    smb_status st = algs[ai].d == SMB_DIALECT_SMB1 ? smb_sign_ctx_new_smb1(&c, key, 16)
                                                   : smb_sign_ctx_new(&c, algs[ai].d, algs[ai].a, key);
    if (st != SMB_OK)
        return 0;
    /* exact-size copy so ASan sees any over-read */
    uint8_t *m = malloc(size ? size : 1);
    if (!m)
        goto out;
    memcpy(m, data, size);
    smb_verify_result r;
    uint8_t e[16], f[16];
    size_t bad;
    if (algs[ai].d == SMB_DIALECT_SMB1) {
        uint32_t seq = (uint32_t)sel << 8;
        if (smb1_verify(c, m, size, seq, must_sign, &r, e, f) == SMB_OK && size >= 32) {
            (void)smb1_sign_not_subject(m);
            if (smb1_sign(c, m, size, seq) == SMB_OK) {
                if (smb1_verify(c, m, size, seq, true, &r, NULL, NULL) != SMB_OK ||
                    (r != SMB_VERIFY_VALID && r != SMB_VERIFY_NOT_SUBJECT))
                    abort();
            }
        }
        sink ^= (unsigned)smb1_verify(NULL, m, size, 0, must_sign, &r, NULL, NULL);
    } else {
        sink ^= (unsigned)smb2_verify(c, m, size, must_sign, &r, e, f);
        sink ^= (unsigned)smb2_verify(NULL, m, size, must_sign, &r, NULL, NULL);
        sink ^= (unsigned)smb2_verify_chain(c, m, size, must_sign, &r, &bad);
        if (smb2_sign_chain(c, m, size) == SMB_OK) {
            /* a chain we signed verifies, element by element */
            if (smb2_verify_chain(c, m, size, true, &r, &bad) != SMB_OK || !smb_verify_acceptable(r))
                abort();
        }
        if (size >= 64 && smb2_sign(c, m, size) == SMB_OK) {
            if (smb2_verify(c, m, size, true, &r, NULL, NULL) != SMB_OK)
                abort();
            if (r != SMB_VERIFY_VALID && r != SMB_VERIFY_NOT_SUBJECT)
                abort();
        }
    }
    free(m);
out:
    smb_sign_ctx_free(c);
    return 0;
}
