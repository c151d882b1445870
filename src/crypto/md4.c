/*
 * crypto/md4.c - MD4 (RFC 1320), carried in-tree: OpenSSL 3 moved MD4 to the
 * legacy provider, which is often not installed or not loaded (see
 * docs/dependencies.md). Only NTLM uses it (NT hash = MD4(UTF-16LE password)).
 * Written from the RFC's description; tested against the RFC 1320 A.5 suite.
 */
#include <string.h>

#include "crypto/crypto.h"

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define F(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define G(x, y, z) (((x) & (y)) | ((x) & (z)) | ((y) & (z)))
#define H(x, y, z) ((x) ^ (y) ^ (z))

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* RFC 1320 3.4: three rounds of 16 operations on one 64-byte block. */
static void md4_block(uint32_t s[4], const uint8_t blk[64])
{
    uint32_t x[16];
    for (int i = 0; i < 16; i++)
        x[i] = ld32(blk + 4 * i);
    uint32_t a = s[0], b = s[1], c = s[2], d = s[3];
    static const int r1[4] = {3, 7, 11, 19}, r2[4] = {3, 5, 9, 13}, r3[4] = {3, 9, 11, 15};
    static const int o3[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
    for (int i = 0; i < 16; i++) {
        uint32_t t = a + F(b, c, d) + x[i];
        t = ROTL(t, r1[i & 3]);
        a = d; d = c; c = b; b = t;
    }
    for (int i = 0; i < 16; i++) {
        int k = (i & 3) * 4 + (i >> 2);
        uint32_t t = a + G(b, c, d) + x[k] + 0x5A827999u;
        t = ROTL(t, r2[i & 3]);
        a = d; d = c; c = b; b = t;
    }
    for (int i = 0; i < 16; i++) {
        uint32_t t = a + H(b, c, d) + x[o3[i]] + 0x6ED9EBA1u;
        t = ROTL(t, r3[i & 3]);
        a = d; d = c; c = b; b = t;
    }
    s[0] += a; s[1] += b; s[2] += c; s[3] += d;
    smb_wipe(x, sizeof x);
}

void smb_md4_init(smb_md4_ctx *c)
{
    c->s[0] = 0x67452301u;
    c->s[1] = 0xefcdab89u;
    c->s[2] = 0x98badcfeu;
    c->s[3] = 0x10325476u;
    c->nbytes = 0;
}

void smb_md4_update(smb_md4_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t have = (size_t)(c->nbytes & 63);
    c->nbytes += len;
    if (have) {
        size_t take = 64 - have < len ? 64 - have : len;
        memcpy(c->buf + have, p, take);
        p += take;
        len -= take;
        if (have + take < 64)
            return;
        md4_block(c->s, c->buf);
    }
    for (; len >= 64; p += 64, len -= 64)
        md4_block(c->s, p);
    if (len)
        memcpy(c->buf, p, len);
}

void smb_md4_final(smb_md4_ctx *c, uint8_t out[16])
{
    uint64_t bits = c->nbytes * 8;
    uint8_t pad[72] = {0x80};
    size_t have = (size_t)(c->nbytes & 63);
    size_t padlen = (have < 56 ? 56 : 120) - have;
    uint8_t lenb[8];
    for (int i = 0; i < 8; i++)
        lenb[i] = (uint8_t)(bits >> (8 * i));
    smb_md4_update(c, pad, padlen);
    smb_md4_update(c, lenb, 8);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (uint8_t)(c->s[i] >> (8 * j));
    smb_wipe(c, sizeof *c);
}

void smb_md4(const void *data, size_t len, uint8_t out[16])
{
    smb_md4_ctx c;
    smb_md4_init(&c);
    smb_md4_update(&c, data, len);
    smb_md4_final(&c, out);
}
