/*
 * crypto/crypto.h - thin adapters over OpenSSL libcrypto (plus MD4/RC4 in-tree).
 *
 * Contract (fixed early so auth/ and sign/ can code against it; the signing
 * core owns the implementation and may add functions, never change these):
 * one-shot functions cannot fail except where they return smb_status.
 * MACs are compared only with smb_memeq_ct; secrets are wiped with smb_wipe.
 *
 * Incremental contexts below are plain values: they live on the caller's
 * stack or inside the caller's structures, copy by assignment, and never
 * allocate. Prepared keys (smb_hmac_sha256_key, smb_cmac_key, smb_gmac_key)
 * hold the key schedule computed once; the AES ones own one OpenSSL cipher
 * context each (allocated by *_key_init, freed and wiped by *_key_free) and
 * are mutated while a MAC is computed, so one prepared AES key must not be
 * used by two threads at once. Why the digests use OpenSSL's low-level
 * (deprecated in 3.0) SHA/MD5 functions: docs/dependencies.md.
 */
#ifndef SMBSIGN_CRYPTO_H
#define SMBSIGN_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/md5.h>
#include <openssl/sha.h>

#include "smbsign/status.h"

void smb_md4(const void *data, size_t len, uint8_t out[16]);
void smb_md5(const void *data, size_t len, uint8_t out[16]);
void smb_hmac_md5(const void *key, size_t klen, const void *data, size_t len, uint8_t out[16]);
void smb_hmac_sha256(const void *key, size_t klen, const void *data, size_t len, uint8_t out[32]);
/* RC4 keystream XOR; in and out may alias. */
void smb_rc4(const void *key, size_t klen, const void *in, void *out, size_t len);
/* Cryptographically secure random bytes. */
SMB_WUR smb_status smb_random(void *p, size_t n);
/* 1 when equal, 0 otherwise; time depends only on n. */
int smb_memeq_ct(const void *a, const void *b, size_t n);
/* Wipe a secret (not optimised away). */
void smb_wipe(void *p, size_t n);

/* ---- incremental digests (value types, no allocation) ---- */

typedef struct smb_md4_ctx {
    uint32_t s[4];
    uint64_t nbytes;
    uint8_t buf[64];
} smb_md4_ctx;
void smb_md4_init(smb_md4_ctx *c);
void smb_md4_update(smb_md4_ctx *c, const void *data, size_t len);
void smb_md4_final(smb_md4_ctx *c, uint8_t out[16]); /* wipes c */

typedef struct smb_md5_ctx {
    MD5_CTX c;
} smb_md5_ctx;
void smb_md5_init(smb_md5_ctx *c);
void smb_md5_update(smb_md5_ctx *c, const void *data, size_t len);
void smb_md5_final(smb_md5_ctx *c, uint8_t out[16]); /* wipes c */

typedef struct smb_sha256_ctx {
    SHA256_CTX c;
} smb_sha256_ctx;
void smb_sha256_init(smb_sha256_ctx *c);
void smb_sha256_update(smb_sha256_ctx *c, const void *data, size_t len);
void smb_sha256_final(smb_sha256_ctx *c, uint8_t out[32]); /* wipes c */
void smb_sha256(const void *data, size_t len, uint8_t out[32]);

typedef struct smb_sha512_ctx {
    SHA512_CTX c;
} smb_sha512_ctx;
void smb_sha512_init(smb_sha512_ctx *c);
void smb_sha512_update(smb_sha512_ctx *c, const void *data, size_t len);
void smb_sha512_final(smb_sha512_ctx *c, uint8_t out[64]); /* wipes c */
void smb_sha512(const void *data, size_t len, uint8_t out[64]);

/* ---- HMAC with a prepared key (RFC 2104): ipad/opad states computed once ---- */

typedef struct smb_hmac_sha256_key {
    SHA256_CTX inner, outer; /* states after absorbing key^ipad / key^opad */
} smb_hmac_sha256_key;
typedef struct smb_hmac_sha256_ctx {
    SHA256_CTX inner, outer;
} smb_hmac_sha256_ctx;
void smb_hmac_sha256_key_init(smb_hmac_sha256_key *k, const void *key, size_t klen);
void smb_hmac_sha256_key_wipe(smb_hmac_sha256_key *k);
void smb_hmac_sha256_start(smb_hmac_sha256_ctx *c, const smb_hmac_sha256_key *k);
void smb_hmac_sha256_update(smb_hmac_sha256_ctx *c, const void *data, size_t len);
void smb_hmac_sha256_final(smb_hmac_sha256_ctx *c, uint8_t out[32]); /* wipes c */

typedef struct smb_hmac_md5_ctx {
    MD5_CTX inner, outer;
} smb_hmac_md5_ctx;
void smb_hmac_md5_init(smb_hmac_md5_ctx *c, const void *key, size_t klen);
void smb_hmac_md5_update(smb_hmac_md5_ctx *c, const void *data, size_t len);
void smb_hmac_md5_final(smb_hmac_md5_ctx *c, uint8_t out[16]); /* wipes c */

/* ---- AES-128-CMAC (RFC 4493) over OpenSSL's AES-128-CBC ---- */

typedef struct evp_cipher_ctx_st smb_evp_cipher_ctx; /* = EVP_CIPHER_CTX */

typedef struct smb_cmac_key {
    smb_evp_cipher_ctx *cbc; /* AES-128-CBC encryption context, key set, no padding */
    uint8_t k1[16], k2[16];  /* RFC 4493 2.3 subkeys */
    uint8_t rk[176];         /* AES-128 round keys for the AES-NI lanes (crypto/lanes.c) */
    unsigned lanes;          /* SMB_LANES_CPU_* bits (crypto/lanes.h) usable with rk; 0: no rk */
} smb_cmac_key;

/* Bytes of ciphertext discarded per EVP call (the CBC output is scratch). */
#define SMB_CMAC_CHUNK 4096

typedef struct smb_cmac_ctx {
    smb_cmac_key *k;
    uint8_t last[16];  /* held-back final block (1..16 bytes once data was seen) */
    size_t lastlen;
    smb_status err;
    uint8_t scratch[SMB_CMAC_CHUNK];
} smb_cmac_ctx;

/* Prepare a key (allocates one EVP context). SMB_E_CRYPTO / SMB_E_NOMEM. */
SMB_WUR smb_status smb_cmac_key_init(smb_cmac_key *k, const uint8_t key[16]);
/* Free and wipe; safe on a zeroed or already freed key. */
void smb_cmac_key_free(smb_cmac_key *k);
SMB_WUR smb_status smb_cmac_start(smb_cmac_ctx *c, smb_cmac_key *k);
void smb_cmac_update(smb_cmac_ctx *c, const void *data, size_t len);
SMB_WUR smb_status smb_cmac_final(smb_cmac_ctx *c, uint8_t tag[16]);
/* One-shot (prepares a key internally; for tests and tools, not hot paths). */
SMB_WUR smb_status smb_aes_cmac(const uint8_t key[16], const void *data, size_t len, uint8_t tag[16]);

/* ---- AES-128-GMAC: GCM with only additional authenticated data ---- */

typedef struct smb_gmac_key {
    smb_evp_cipher_ctx *gcm; /* AES-128-GCM encryption context, key set */
} smb_gmac_key;
SMB_WUR smb_status smb_gmac_key_init(smb_gmac_key *k, const uint8_t key[16]);
void smb_gmac_key_free(smb_gmac_key *k);
/* Start a MAC under a 12-byte nonce; then feed AAD with update. */
SMB_WUR smb_status smb_gmac_start(smb_gmac_key *k, const uint8_t nonce[12]);
SMB_WUR smb_status smb_gmac_update(smb_gmac_key *k, const void *aad, size_t len);
SMB_WUR smb_status smb_gmac_final(smb_gmac_key *k, uint8_t tag[16]);
/* One-shot GMAC with a nonce of nlen bytes (NIST vectors use 12). */
SMB_WUR smb_status smb_aes_gmac(const uint8_t key[16], const uint8_t *nonce, size_t nlen, const void *aad, size_t len,
                        uint8_t tag[16]);

/* ---- SP800-108 counter-mode KDF with HMAC-SHA256, r = 32-bit counter before the fixed input ---- */

/* Generic form: K(i) = HMAC(key, [i]_32be || fixed), out = first outlen bytes
 * of K(1) || K(2) || ... (NIST SP800-108 5.1; CAVP "BEFORE_FIXED", RLEN 32). */
void smb_kdf_ctr_hmac_sha256(const void *key, size_t klen, const void *fixed, size_t flen, uint8_t *out,
                             size_t outlen);
/* SMB form (MS-SMB2 3.1.4.2): fixed = Label || 0x00 || Context || [L=128]_32be,
 * one block, 16-byte output. Labels and contexts include their trailing NUL. */
void smb_kdf_smb(const uint8_t *key, size_t klen, const void *label, size_t llen, const void *context,
                 size_t clen, uint8_t out[16]);
/* Same with L = 8 * outlen (32 for the AES-256 cipher keys of 3.1.1). */
void smb_kdf_smb_len(const uint8_t *key, size_t klen, const void *label, size_t llen, const void *context,
                     size_t clen, uint8_t *out, size_t outlen);

/* ---- AES-128/256-CCM and -GCM authenticated encryption (SMB 3.x encryption) ---- */

/* One prepared key for one direction (seal or open): one EVP context with
 * the key schedule set at init; each message only sets its nonce, so no
 * allocation happens per message. CCM: 11-byte nonce; GCM: 12-byte nonce;
 * 16-byte tag; AAD and data in one piece each (CCM needs the whole length up
 * front). In place (in == out) is allowed. */
typedef struct smb_aead_key {
    smb_evp_cipher_ctx *ctx;
    uint8_t gcm;  /* 1 GCM, 0 CCM */
    uint8_t seal; /* 1 encrypts, 0 decrypts */
} smb_aead_key;
/* key_len 16 or 32. SMB_E_BAD_ARGUMENT, SMB_E_NOMEM, SMB_E_CRYPTO. */
SMB_WUR smb_status smb_aead_key_init(smb_aead_key *k, int gcm, int seal, const uint8_t *key, size_t key_len);
void smb_aead_key_free(smb_aead_key *k);
/* Encrypt len bytes (<= INT_MAX) and produce the tag. */
SMB_WUR smb_status smb_aead_seal(smb_aead_key *k, const uint8_t *nonce, const void *aad, size_t aadlen, const uint8_t *in,
                         uint8_t *out, size_t len, uint8_t tag[16]);
/* Decrypt and verify; SMB_E_INVALID_SIGNATURE when the tag does not verify
 * (out then holds garbage the caller must wipe). */
SMB_WUR smb_status smb_aead_open(smb_aead_key *k, const uint8_t *nonce, const void *aad, size_t aadlen, const uint8_t *in,
                         uint8_t *out, size_t len, const uint8_t tag[16]);

#endif
