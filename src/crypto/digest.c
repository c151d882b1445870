/*
 * crypto/digest.c - MD5, SHA-256, SHA-512 and HMAC over OpenSSL's low-level
 * digest functions. They are deprecated in OpenSSL 3.0 but run the same
 * assembly (SHA-NI, AVX2) as EVP; we use them because their contexts are
 * plain structs: a prepared HMAC state copies by assignment with no
 * allocation, whereas EVP_MD_CTX_copy_ex duplicates provider contexts with
 * malloc on every message (docs/dependencies.md).
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <string.h>

#include "crypto/crypto.h"

void smb_md5_init(smb_md5_ctx *c) { MD5_Init(&c->c); }
void smb_md5_update(smb_md5_ctx *c, const void *data, size_t len) { MD5_Update(&c->c, data, len); }
void smb_md5_final(smb_md5_ctx *c, uint8_t out[16])
{
    MD5_Final(out, &c->c);
    smb_wipe(c, sizeof *c);
}

void smb_md5(const void *data, size_t len, uint8_t out[16])
{
    smb_md5_ctx c;
    smb_md5_init(&c);
    smb_md5_update(&c, data, len);
    smb_md5_final(&c, out);
}

void smb_sha256_init(smb_sha256_ctx *c) { SHA256_Init(&c->c); }
void smb_sha256_update(smb_sha256_ctx *c, const void *data, size_t len) { SHA256_Update(&c->c, data, len); }
void smb_sha256_final(smb_sha256_ctx *c, uint8_t out[32])
{
    SHA256_Final(out, &c->c);
    smb_wipe(c, sizeof *c);
}

void smb_sha256(const void *data, size_t len, uint8_t out[32])
{
    smb_sha256_ctx c;
    smb_sha256_init(&c);
    smb_sha256_update(&c, data, len);
    smb_sha256_final(&c, out);
}

void smb_sha512_init(smb_sha512_ctx *c) { SHA512_Init(&c->c); }
void smb_sha512_update(smb_sha512_ctx *c, const void *data, size_t len) { SHA512_Update(&c->c, data, len); }
void smb_sha512_final(smb_sha512_ctx *c, uint8_t out[64])
{
    SHA512_Final(out, &c->c);
    smb_wipe(c, sizeof *c);
}

void smb_sha512(const void *data, size_t len, uint8_t out[64])
{
    smb_sha512_ctx c;
    smb_sha512_init(&c);
    smb_sha512_update(&c, data, len);
    smb_sha512_final(&c, out);
}

/* ---- HMAC-SHA256 (RFC 2104, block size 64) ---- */

void smb_hmac_sha256_key_init(smb_hmac_sha256_key *k, const void *key, size_t klen)
{
    uint8_t kb[64] = {0}, pad[64];
    if (klen > 64) {
        SHA256_CTX t;
        SHA256_Init(&t);
        SHA256_Update(&t, key, klen);
        SHA256_Final(kb, &t);
        smb_wipe(&t, sizeof t);
    } else if (klen) {
        memcpy(kb, key, klen);
    }
    for (int i = 0; i < 64; i++)
        pad[i] = kb[i] ^ 0x36;
    SHA256_Init(&k->inner);
    SHA256_Update(&k->inner, pad, 64);
    for (int i = 0; i < 64; i++)
        pad[i] = kb[i] ^ 0x5c;
    SHA256_Init(&k->outer);
    SHA256_Update(&k->outer, pad, 64);
    smb_wipe(kb, sizeof kb);
    smb_wipe(pad, sizeof pad);
}

void smb_hmac_sha256_key_wipe(smb_hmac_sha256_key *k) { smb_wipe(k, sizeof *k); }

void smb_hmac_sha256_start(smb_hmac_sha256_ctx *c, const smb_hmac_sha256_key *k)
{
    c->inner = k->inner;
    c->outer = k->outer;
}

void smb_hmac_sha256_update(smb_hmac_sha256_ctx *c, const void *data, size_t len)
{
    SHA256_Update(&c->inner, data, len);
}

void smb_hmac_sha256_final(smb_hmac_sha256_ctx *c, uint8_t out[32])
{
    uint8_t ih[32];
    SHA256_Final(ih, &c->inner);
    SHA256_Update(&c->outer, ih, 32);
    SHA256_Final(out, &c->outer);
    smb_wipe(ih, sizeof ih);
    smb_wipe(c, sizeof *c);
}

void smb_hmac_sha256(const void *key, size_t klen, const void *data, size_t len, uint8_t out[32])
{
    smb_hmac_sha256_key k;
    smb_hmac_sha256_ctx c;
    smb_hmac_sha256_key_init(&k, key, klen);
    smb_hmac_sha256_start(&c, &k);
    smb_hmac_sha256_update(&c, data, len);
    smb_hmac_sha256_final(&c, out);
    smb_hmac_sha256_key_wipe(&k);
}

/* ---- HMAC-MD5 (RFC 2104, block size 64) ---- */

void smb_hmac_md5_init(smb_hmac_md5_ctx *c, const void *key, size_t klen)
{
    uint8_t kb[64] = {0}, pad[64];
    if (klen > 64) {
        MD5_CTX t;
        MD5_Init(&t);
        MD5_Update(&t, key, klen);
        MD5_Final(kb, &t);
        smb_wipe(&t, sizeof t);
    } else if (klen) {
        memcpy(kb, key, klen);
    }
    for (int i = 0; i < 64; i++)
        pad[i] = kb[i] ^ 0x36;
    MD5_Init(&c->inner);
    MD5_Update(&c->inner, pad, 64);
    for (int i = 0; i < 64; i++)
        pad[i] = kb[i] ^ 0x5c;
    MD5_Init(&c->outer);
    MD5_Update(&c->outer, pad, 64);
    smb_wipe(kb, sizeof kb);
    smb_wipe(pad, sizeof pad);
}

void smb_hmac_md5_update(smb_hmac_md5_ctx *c, const void *data, size_t len) { MD5_Update(&c->inner, data, len); }

void smb_hmac_md5_final(smb_hmac_md5_ctx *c, uint8_t out[16])
{
    uint8_t ih[16];
    MD5_Final(ih, &c->inner);
    MD5_Update(&c->outer, ih, 16);
    MD5_Final(out, &c->outer);
    smb_wipe(ih, sizeof ih);
    smb_wipe(c, sizeof *c);
}

void smb_hmac_md5(const void *key, size_t klen, const void *data, size_t len, uint8_t out[16])
{
    smb_hmac_md5_ctx c;
    smb_hmac_md5_init(&c, key, klen);
    smb_hmac_md5_update(&c, data, len);
    smb_hmac_md5_final(&c, out);
}
