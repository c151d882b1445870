/* crypto/util.c - random bytes, constant-time compare, wiping (OpenSSL). */
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/crypto.h"

smb_status smb_random(void *p, size_t n)
{
    if (n == 0)
        return SMB_OK;
    if (n > (size_t)0x7fffffff)
        return SMB_E_BAD_ARGUMENT;
    return RAND_bytes(p, (int)n) == 1 ? SMB_OK : SMB_E_CRYPTO;
}

int smb_memeq_ct(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void smb_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}
