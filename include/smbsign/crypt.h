/*
 * smbsign/crypt.h - SMB 3.x encryption: the SMB2 TRANSFORM_HEADER
 * (MS-SMB2 2.2.41) and AES-128/256-CCM and -GCM encryption and decryption of
 * one SMB2 message or a whole compound chain (MS-SMB2 3.1.4.3, 3.2.5.1.1.1,
 * 3.3.5.2.1.1).
 *
 * Contract
 * - A crypt context (smb_crypt_ctx) belongs to one session: it holds one
 *   prepared OpenSSL AEAD context per direction (the key schedule is computed
 *   once, nothing is allocated per message) and the per-session nonce
 *   counter. Create it when the session key is known, free it with
 *   smb_crypt_ctx_free (the keys are wiped). A context is not safe for
 *   concurrent use by two threads. Several contexts of one key (the server's
 *   channels of a session) can draw their nonces from one shared atomic
 *   counter instead of their own: src/sign/crypt_nonce.h (not installed).
 * - Keys: the client sends with the EncryptionKey (SMBC2SCipherKey /
 *   "ServerIn ") and receives with the DecryptionKey (SMBS2CCipherKey /
 *   "ServerOut"); the server the reverse. smb_crypt_ctx_new_session derives
 *   them with smb_sign_derive_cipher_keys (16-byte keys for the AES-128
 *   ciphers, 32-byte keys from the full session key for AES-256, 3.1.1 only).
 * - Nonces: a 64-bit per-context counter, little-endian in the first 8 bytes
 *   of the Nonce field, the rest zero (11 bytes used for CCM, 12 for GCM).
 *   Never random, never reused: when the counter would wrap, encryption fails
 *   with SMB_E_OVERFLOW and the session must end.
 * - AAD is the transform header from the Nonce field on (32 bytes); the tag
 *   goes into the Signature field. Encryption and decryption work in place.
 * - Decryption checks, cheapest first: ProtocolId, length at least the header
 *   plus one SMB2 header, OriginalMessageSize equal to what follows the
 *   header, Flags = 1, SessionId equal to the caller's session; then the tag.
 *   On any failure the plaintext area is wiped and nothing of it may be used.
 *   The tag is checked by OpenSSL in constant time.
 * - Errors: SMB_E_MALFORMED / SMB_E_TRUNCATED (not a valid transform
 *   message), SMB_E_INVALID_SIGNATURE (wrong SessionId or the tag does not
 *   verify), SMB_E_BAD_ARGUMENT, SMB_E_NOMEM, SMB_E_CRYPTO.
 */
#ifndef SMBSIGN_CRYPT_H
#define SMBSIGN_CRYPT_H

#include "smbsign/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"
#include "smbsign/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SMB2_TRANSFORM_HDR_LEN 52
#define SMB2_TRANSFORM_FLAG_ENCRYPTED 0x0001 /* 3.0.x: EncryptionAlgorithm AES-128-CCM, same value */
/* Largest OriginalMessageSize accepted (a NetBIOS frame carries at most 2^24 - 1 bytes). */
#define SMB_CRYPT_MAX_MESSAGE 0x00FFFFFFu

/* MS-SMB2 2.2.3.1.2 cipher ids. */
typedef enum smb_cipher {
    SMB_CIPHER_NONE = 0,
    SMB_CIPHER_AES128_CCM = 1,
    SMB_CIPHER_AES128_GCM = 2,
    SMB_CIPHER_AES256_CCM = 3,
    SMB_CIPHER_AES256_GCM = 4
} smb_cipher;

/* "aes-128-ccm", "aes-128-gcm", "aes-256-ccm", "aes-256-gcm", "none"; NULL for an unknown id. */
SMB_API const char *smb_cipher_name(smb_cipher c);
/* Accepts the names above (case-insensitive, also without the dashes). 0 ok, -1 unknown. */
SMB_API int smb_cipher_parse(const char *s, smb_cipher *out);
/* Key length in bytes (16 or 32), 0 for none/unknown. */
SMB_API size_t smb_cipher_key_len(smb_cipher c);
/* Nonce bytes used (11 for CCM, 12 for GCM), 0 for none/unknown. */
SMB_API size_t smb_cipher_nonce_len(smb_cipher c);
/* 1 when the cipher may be used with the dialect (AES-128-CCM for 3.0/3.0.2, all four for 3.1.1). */
SMB_API int smb_cipher_valid(smb_dialect d, smb_cipher c);

/* ---- TRANSFORM_HEADER codec ---- */

typedef struct smb_transform_hdr {
    uint8_t signature[16];
    uint8_t nonce[16];
    uint32_t original_size; /* OriginalMessageSize */
    uint16_t flags;         /* Flags / EncryptionAlgorithm */
    uint64_t session_id;
} smb_transform_hdr;

/* True when msg starts with the transform ProtocolId 0xFD 'S' 'M' 'B'. */
SMB_API bool smb_crypt_is_transform(const uint8_t *msg, size_t len);
/* Decode the 52-byte header (fields only: no check of sizes against len
 * beyond the header itself). SMB_E_TRUNCATED, SMB_E_MALFORMED (ProtocolId). */
SMB_API SMB_WUR smb_status smb_crypt_transform_decode(const uint8_t *msg, size_t len, smb_transform_hdr *out);
SMB_API void smb_crypt_transform_encode(const smb_transform_hdr *h, uint8_t out[SMB2_TRANSFORM_HDR_LEN]);

/* ---- contexts ---- */

typedef struct smb_crypt_ctx smb_crypt_ctx;

/* Context from raw keys of smb_cipher_key_len(cipher) bytes. Either key may
 * be NULL (that direction is then refused with SMB_E_BAD_ARGUMENT). */
SMB_API SMB_WUR smb_status smb_crypt_ctx_new(smb_crypt_ctx **out, smb_cipher cipher, const uint8_t *send_key,
                                     const uint8_t *recv_key);
/* Context for one side of a session: keys derived from the session key (and
 * the 64-byte preauth hash for 3.1.1). is_server selects the direction. */
SMB_API SMB_WUR smb_status smb_crypt_ctx_new_session(smb_crypt_ctx **out, smb_dialect dialect, smb_cipher cipher,
                                             bool is_server, const uint8_t *session_key, size_t sklen,
                                             const uint8_t *preauth);
/* Frees and wipes; NULL is allowed. */
SMB_API void smb_crypt_ctx_free(smb_crypt_ctx *c);
SMB_API smb_cipher smb_crypt_ctx_cipher(const smb_crypt_ctx *c);
/* Messages encrypted so far with this context (= the next nonce counter). */
SMB_API uint64_t smb_crypt_ctx_sent(const smb_crypt_ctx *c);

/*
 * Encrypt msg[0, len) (one SMB2 message or a compound chain, from its first
 * SMB2 header on) in place and write the transform header to hdr. The nonce
 * is the context's next counter value.
 */
SMB_API SMB_WUR smb_status smb_crypt_encrypt(smb_crypt_ctx *c, uint64_t session_id, uint8_t hdr[SMB2_TRANSFORM_HDR_LEN],
                                     uint8_t *msg, size_t len);
/* Same with a caller-chosen nonce (16 bytes, the unused tail must be zero):
 * for known-answer tests and tools only, never for live traffic. */
SMB_API SMB_WUR smb_status smb_crypt_encrypt_nonce(smb_crypt_ctx *c, const uint8_t nonce[16], uint64_t session_id,
                                           uint8_t hdr[SMB2_TRANSFORM_HDR_LEN], uint8_t *msg, size_t len);
/*
 * Verify and decrypt buf[0, len) = transform header + ciphertext in place.
 * session_id: the SessionId of the session whose context this is. On
 * success *plain points at buf + SMB2_TRANSFORM_HDR_LEN and *plain_len is
 * OriginalMessageSize.
 */
SMB_API SMB_WUR smb_status smb_crypt_decrypt(smb_crypt_ctx *c, uint64_t session_id, uint8_t *buf, size_t len,
                                     uint8_t **plain, size_t *plain_len);

#ifdef __cplusplus
}
#endif

#endif
