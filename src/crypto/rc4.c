/*
 * crypto/rc4.c - RC4 keystream, carried in-tree for NTLM key exchange
 * (MS-NLMP 3.1.5.1.2 / 3.4.3, NTLMSSP_NEGOTIATE_KEY_EXCH): OpenSSL 3 keeps RC4
 * in the legacy provider (docs/dependencies.md). Tested against RFC 6229.
 */
#include "crypto/crypto.h"

void smb_rc4(const void *key, size_t klen, const void *in, void *out, size_t len)
{
    uint8_t S[256];
    const uint8_t *k = key;
    const uint8_t *src = in;
    uint8_t *dst = out;
    unsigned i, j = 0;
    for (i = 0; i < 256; i++)
        S[i] = (uint8_t)i;
    if (klen) {
        for (i = 0; i < 256; i++) {
            j = (j + S[i] + k[i % klen]) & 0xff;
            uint8_t t = S[i];
            S[i] = S[j];
            S[j] = t;
        }
    }
    i = j = 0;
    for (size_t n = 0; n < len; n++) {
        i = (i + 1) & 0xff;
        j = (j + S[i]) & 0xff;
        uint8_t t = S[i];
        S[i] = S[j];
        S[j] = t;
        dst[n] = src[n] ^ S[(S[i] + S[j]) & 0xff];
    }
    smb_wipe(S, sizeof S);
}
