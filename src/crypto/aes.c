/*
 * crypto/aes.c - AES-128-CMAC (RFC 4493) built on OpenSSL's AES-128-CBC, and
 * AES-128-GMAC (NIST SP800-38D: GCM with an empty plaintext) on AES-128-GCM.
 *
 * Why our own CMAC: OpenSSL's EVP_MAC "CMAC" re-enters the cipher once per
 * update and copies contexts; it runs at about half the speed of plain CBC.
 * CMAC is CBC-MAC with a tweaked last block, so we run the bulk of the
 * message through one CBC encryption (zero IV, output discarded into a
 * scratch buffer) and finish with the last block XORed with K1 or K2.
 */
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"

static const uint8_t zero16[16];

/* RFC 4493 2.3: doubling in GF(2^128) with R = 0x87. */
static void dbl(uint8_t out[16], const uint8_t in[16])
{
    uint8_t carry = in[0] >> 7;
    for (int i = 0; i < 15; i++)
        out[i] = (uint8_t)((in[i] << 1) | (in[i + 1] >> 7));
    out[15] = (uint8_t)((in[15] << 1) ^ (carry ? 0x87 : 0));
}

smb_status smb_cmac_key_init(smb_cmac_key *k, const uint8_t key[16])
{
    uint8_t L[16];
    int outl = 0;
    memset(k, 0, sizeof *k);
    k->cbc = EVP_CIPHER_CTX_new();
    if (!k->cbc)
        return SMB_E_NOMEM;
    if (EVP_EncryptInit_ex(k->cbc, EVP_aes_128_cbc(), NULL, key, zero16) != 1 ||
        EVP_CIPHER_CTX_set_padding(k->cbc, 0) != 1 ||
        EVP_EncryptUpdate(k->cbc, L, &outl, zero16, 16) != 1 || outl != 16) {
        smb_cmac_key_free(k);
        return SMB_E_CRYPTO;
    }
    dbl(k->k1, L);
    dbl(k->k2, k->k1);
    smb_wipe(L, sizeof L);
    return SMB_OK;
}

void smb_cmac_key_free(smb_cmac_key *k)
{
    if (k->cbc)
        EVP_CIPHER_CTX_free(k->cbc); /* cleanses the key schedule */
    smb_wipe(k, sizeof *k);
}

smb_status smb_cmac_start(smb_cmac_ctx *c, smb_cmac_key *k)
{
    c->k = k;
    c->lastlen = 0;
    c->err = SMB_OK;
    if (!k->cbc || EVP_EncryptInit_ex(k->cbc, NULL, NULL, NULL, zero16) != 1)
        c->err = SMB_E_CRYPTO;
    return c->err;
}

/* CBC-encrypt n (multiple of 16, <= SMB_CMAC_CHUNK) bytes; the chaining value
 * stays in the EVP context, the ciphertext is discarded. */
static void cbc(smb_cmac_ctx *c, const uint8_t *in, size_t n)
{
    int outl = 0;
    if (c->err == SMB_OK && EVP_EncryptUpdate(c->k->cbc, c->scratch, &outl, in, (int)n) != 1)
        c->err = SMB_E_CRYPTO;
}

void smb_cmac_update(smb_cmac_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (c->err || len == 0)
        return;
    if (c->lastlen < 16) {
        size_t take = 16 - c->lastlen < len ? 16 - c->lastlen : len;
        memcpy(c->last + c->lastlen, p, take);
        c->lastlen += take;
        p += take;
        len -= take;
        if (len == 0)
            return;
    }
    /* More data follows, so the held block is not the last one. */
    cbc(c, c->last, 16);
    c->lastlen = 0;
    size_t bulk = (len - 1) / 16 * 16; /* keep 1..16 bytes back */
    while (bulk > 0) {
        size_t n = bulk < SMB_CMAC_CHUNK ? bulk : SMB_CMAC_CHUNK;
        cbc(c, p, n);
        p += n;
        len -= n;
        bulk -= n;
    }
    memcpy(c->last, p, len);
    c->lastlen = len;
}

smb_status smb_cmac_final(smb_cmac_ctx *c, uint8_t tag[16])
{
    uint8_t m[16];
    int outl = 0;
    if (c->lastlen == 16) {
        for (int i = 0; i < 16; i++)
            m[i] = c->last[i] ^ c->k->k1[i];
    } else {
        memset(m, 0, sizeof m);
        memcpy(m, c->last, c->lastlen);
        m[c->lastlen] = 0x80;
        for (int i = 0; i < 16; i++)
            m[i] ^= c->k->k2[i];
    }
    if (c->err == SMB_OK && EVP_EncryptUpdate(c->k->cbc, tag, &outl, m, 16) != 1)
        c->err = SMB_E_CRYPTO;
    smb_wipe(m, sizeof m);
    smb_wipe(c->last, sizeof c->last);
    return c->err;
}

smb_status smb_aes_cmac(const uint8_t key[16], const void *data, size_t len, uint8_t tag[16])
{
    smb_cmac_key k;
    smb_cmac_ctx c;
    smb_status st = smb_cmac_key_init(&k, key);
    if (st)
        return st;
    st = smb_cmac_start(&c, &k);
    if (st == SMB_OK) {
        smb_cmac_update(&c, data, len);
        st = smb_cmac_final(&c, tag);
    }
    smb_cmac_key_free(&k);
    return st;
}

/* ---- GMAC ---- */

smb_status smb_gmac_key_init(smb_gmac_key *k, const uint8_t key[16])
{
    k->gcm = EVP_CIPHER_CTX_new();
    if (!k->gcm)
        return SMB_E_NOMEM;
    if (EVP_EncryptInit_ex(k->gcm, EVP_aes_128_gcm(), NULL, key, NULL) != 1) {
        smb_gmac_key_free(k);
        return SMB_E_CRYPTO;
    }
    return SMB_OK;
}

void smb_gmac_key_free(smb_gmac_key *k)
{
    if (k->gcm)
        EVP_CIPHER_CTX_free(k->gcm);
    k->gcm = NULL;
}

smb_status smb_gmac_start(smb_gmac_key *k, const uint8_t nonce[12])
{
    if (!k->gcm || EVP_EncryptInit_ex(k->gcm, NULL, NULL, NULL, nonce) != 1)
        return SMB_E_CRYPTO;
    return SMB_OK;
}

smb_status smb_gmac_update(smb_gmac_key *k, const void *aad, size_t len)
{
    const uint8_t *p = aad;
    while (len > 0) {
        int n = len > (size_t)INT_MAX / 2 ? INT_MAX / 2 : (int)len;
        int outl = 0;
        if (EVP_EncryptUpdate(k->gcm, NULL, &outl, p, n) != 1)
            return SMB_E_CRYPTO;
        p += n;
        len -= (size_t)n;
    }
    return SMB_OK;
}

smb_status smb_gmac_final(smb_gmac_key *k, uint8_t tag[16])
{
    uint8_t dummy[16];
    int outl = 0;
    if (EVP_EncryptFinal_ex(k->gcm, dummy, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(k->gcm, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
        return SMB_E_CRYPTO;
    return SMB_OK;
}

smb_status smb_aes_gmac(const uint8_t key[16], const uint8_t *nonce, size_t nlen, const void *aad, size_t len,
                        uint8_t tag[16])
{
    smb_status st = SMB_E_CRYPTO;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return SMB_E_NOMEM;
    if (nlen == 0 || nlen > 128)
        goto out;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)nlen, NULL) != 1 ||
        EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1)
        goto out;
    smb_gmac_key k = {ctx};
    if (smb_gmac_update(&k, aad, len) != SMB_OK || smb_gmac_final(&k, tag) != SMB_OK)
        goto out;
    st = SMB_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    return st;
}
