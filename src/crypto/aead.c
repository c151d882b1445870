/* crypto/aead.c - AES-CCM and AES-GCM through OpenSSL EVP with a key schedule
 * prepared once per key (RFC 4309 / RFC 5084 as MS-SMB2 3.1.4.3 uses them). */
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"

static const EVP_CIPHER *aead_cipher(int gcm, size_t key_len)
{
    if (key_len == 16)
        return gcm ? EVP_aes_128_gcm() : EVP_aes_128_ccm();
    if (key_len == 32)
        return gcm ? EVP_aes_256_gcm() : EVP_aes_256_ccm();
    return NULL;
}

smb_status smb_aead_key_init(smb_aead_key *k, int gcm, int seal, const uint8_t *key, size_t key_len)
{
    memset(k, 0, sizeof *k);
    const EVP_CIPHER *ci = aead_cipher(gcm, key_len);
    if (!ci || !key)
        return SMB_E_BAD_ARGUMENT;
    k->ctx = EVP_CIPHER_CTX_new();
    if (!k->ctx)
        return SMB_E_NOMEM;
    k->gcm = gcm ? 1 : 0;
    k->seal = seal ? 1 : 0;
    int ok = EVP_CipherInit_ex(k->ctx, ci, NULL, NULL, NULL, k->seal) == 1;
    if (ok && !gcm)
        ok = EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_AEAD_SET_IVLEN, 11, NULL) == 1 &&
             EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_AEAD_SET_TAG, 16, NULL) == 1;
    if (ok && gcm)
        ok = EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1;
    if (ok)
        ok = EVP_CipherInit_ex(k->ctx, NULL, NULL, key, NULL, k->seal) == 1;
    if (!ok) {
        smb_aead_key_free(k);
        return SMB_E_CRYPTO;
    }
    return SMB_OK;
}

void smb_aead_key_free(smb_aead_key *k)
{
    if (k->ctx)
        EVP_CIPHER_CTX_free(k->ctx); /* cleanses the key schedule */
    memset(k, 0, sizeof *k);
}

/* Start one message: nonce, (CCM) total length and expected tag, then AAD. */
static int aead_start(smb_aead_key *k, const uint8_t *nonce, const void *aad, size_t aadlen, size_t len,
                      const uint8_t *tag)
{
    int outl = 0;
    if (!k->ctx || len > INT_MAX || aadlen > INT_MAX)
        return 0;
    if (EVP_CipherInit_ex(k->ctx, NULL, NULL, NULL, nonce, k->seal) != 1)
        return 0;
    if (tag && EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(uintptr_t)tag) != 1)
        return 0;
    if (!k->gcm && EVP_CipherUpdate(k->ctx, NULL, &outl, NULL, (int)len) != 1)
        return 0;
    return aadlen == 0 || EVP_CipherUpdate(k->ctx, NULL, &outl, aad, (int)aadlen) == 1;
}

smb_status smb_aead_seal(smb_aead_key *k, const uint8_t *nonce, const void *aad, size_t aadlen, const uint8_t *in,
                         uint8_t *out, size_t len, uint8_t tag[16])
{
    int outl = 0;
    uint8_t fin[16];
    if (!k->seal)
        return SMB_E_BAD_ARGUMENT;
    if (!aead_start(k, nonce, aad, aadlen, len, NULL))
        return SMB_E_CRYPTO;
    /* CCM needs the data in one call (even when empty) */
    if ((len || !k->gcm) && (EVP_CipherUpdate(k->ctx, out, &outl, in, (int)len) != 1 || (size_t)outl != len))
        return SMB_E_CRYPTO;
    if (EVP_CipherFinal_ex(k->ctx, fin, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1)
        return SMB_E_CRYPTO;
    return SMB_OK;
}

smb_status smb_aead_open(smb_aead_key *k, const uint8_t *nonce, const void *aad, size_t aadlen, const uint8_t *in,
                         uint8_t *out, size_t len, const uint8_t tag[16])
{
    int outl = 0;
    uint8_t fin[16];
    if (k->seal)
        return SMB_E_BAD_ARGUMENT;
    if (!k->gcm) {
        /* CCM: the tag is checked inside the one data update */
        if (!aead_start(k, nonce, aad, aadlen, len, tag))
            return SMB_E_CRYPTO;
        if (EVP_CipherUpdate(k->ctx, out, &outl, in, (int)len) != 1)
            return SMB_E_INVALID_SIGNATURE;
        return SMB_OK;
    }
    if (!aead_start(k, nonce, aad, aadlen, len, NULL))
        return SMB_E_CRYPTO;
    if (len && (EVP_CipherUpdate(k->ctx, out, &outl, in, (int)len) != 1 || (size_t)outl != len))
        return SMB_E_CRYPTO;
    if (EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(uintptr_t)tag) != 1)
        return SMB_E_CRYPTO;
    if (EVP_CipherFinal_ex(k->ctx, fin, &outl) != 1)
        return SMB_E_INVALID_SIGNATURE;
    return SMB_OK;
}
