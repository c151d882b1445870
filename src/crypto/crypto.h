/*
 * crypto/crypto.h - thin adapters over OpenSSL libcrypto (plus MD4/RC4 in-tree).
 *
 * Contract (fixed early so auth/ and sign/ can code against it; the signing
 * core owns the implementation and may add functions, never change these):
 * one-shot functions cannot fail except where they return smb_status.
 * MACs are compared only with smb_memeq_ct; secrets are wiped with smb_wipe.
 */
#ifndef SMBSIGN_CRYPTO_H
#define SMBSIGN_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"

void smb_md4(const void *data, size_t len, uint8_t out[16]);
void smb_md5(const void *data, size_t len, uint8_t out[16]);
void smb_hmac_md5(const void *key, size_t klen, const void *data, size_t len, uint8_t out[16]);
void smb_hmac_sha256(const void *key, size_t klen, const void *data, size_t len, uint8_t out[32]);
/* RC4 keystream XOR; in and out may alias. */
void smb_rc4(const void *key, size_t klen, const void *in, void *out, size_t len);
/* Cryptographically secure random bytes. */
smb_status smb_random(void *p, size_t n);
/* 1 when equal, 0 otherwise; time depends only on n. */
int smb_memeq_ct(const void *a, const void *b, size_t n);
/* Wipe a secret (not optimised away). */
void smb_wipe(void *p, size_t n);

#endif
