/* crypto/kdf.c - NIST SP800-108 counter-mode KDF with HMAC-SHA256 (MS-SMB2 3.1.4.2). */
#include <string.h>

#include "crypto/crypto.h"

static void be32(uint8_t p[4], uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void smb_kdf_ctr_hmac_sha256(const void *key, size_t klen, const void *fixed, size_t flen, uint8_t *out,
                             size_t outlen)
{
    smb_hmac_sha256_key k;
    smb_hmac_sha256_ctx c;
    uint8_t blk[32], ctr[4];
    smb_hmac_sha256_key_init(&k, key, klen);
    for (uint32_t i = 1; outlen > 0; i++) {
        be32(ctr, i);
        smb_hmac_sha256_start(&c, &k);
        smb_hmac_sha256_update(&c, ctr, 4);
        smb_hmac_sha256_update(&c, fixed, flen);
        smb_hmac_sha256_final(&c, blk);
        size_t take = outlen < 32 ? outlen : 32;
        memcpy(out, blk, take);
        out += take;
        outlen -= take;
    }
    smb_wipe(blk, sizeof blk);
    smb_hmac_sha256_key_wipe(&k);
}

/* MS-SMB2 3.1.4.2: KDF in counter mode, PRF = HMAC-SHA256, r = 32,
 * fixed input = Label || 0x00 || Context || [L]_32be, L = 8 * outlen. */
void smb_kdf_smb_len(const uint8_t *key, size_t klen, const void *label, size_t llen, const void *context,
                     size_t clen, uint8_t *out, size_t outlen)
{
    smb_hmac_sha256_key k;
    smb_hmac_sha256_ctx c;
    uint8_t blk[32], ctr[4], L[4];
    static const uint8_t zero = 0;
    be32(L, (uint32_t)(outlen * 8));
    smb_hmac_sha256_key_init(&k, key, klen);
    for (uint32_t i = 1; outlen > 0; i++) {
        be32(ctr, i);
        smb_hmac_sha256_start(&c, &k);
        smb_hmac_sha256_update(&c, ctr, 4);
        smb_hmac_sha256_update(&c, label, llen);
        smb_hmac_sha256_update(&c, &zero, 1);
        smb_hmac_sha256_update(&c, context, clen);
        smb_hmac_sha256_update(&c, L, 4);
        smb_hmac_sha256_final(&c, blk);
        size_t take = outlen < 32 ? outlen : 32;
        memcpy(out, blk, take);
        out += take;
        outlen -= take;
    }
    smb_wipe(blk, sizeof blk);
    smb_hmac_sha256_key_wipe(&k);
}

void smb_kdf_smb(const uint8_t *key, size_t klen, const void *label, size_t llen, const void *context,
                 size_t clen, uint8_t out[16])
{
    smb_kdf_smb_len(key, klen, label, llen, context, clen, out, 16);
}
