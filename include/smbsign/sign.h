/*
 * smbsign/sign.h - SMB message signing and verification for every dialect:
 * SMB1 (MD5 with sequence numbers), SMB 2.0.2/2.1 (HMAC-SHA256), SMB 3.0/3.0.2
 * (AES-128-CMAC), SMB 3.1.1 (HMAC-SHA256, AES-128-CMAC or AES-128-GMAC from
 * SMB2_SIGNING_CAPABILITIES), the SMB 3.x key derivation and the 3.1.1
 * preauth integrity hash.
 *
 * Contract
 * - Messages are given from the SMB header on (no 4-byte NetBIOS header).
 * - A signing context (smb_sign_ctx) holds one session's prepared key
 *   schedule; create it once when the session key is known
 *   (smb_sign_ctx_new*), use it for every message, free it with
 *   smb_sign_ctx_free (which wipes the key). Signing and verifying never
 *   allocate and never copy the message; the caller owns all buffers.
 *   A context is not safe for concurrent use by two threads (the AES key
 *   schedules carry per-call state): one context per connection/thread.
 * - Sign functions work in place: they set the SIGNED flag (SMB2_FLAGS_SIGNED
 *   or FLAGS2_SMB_SECURITY_SIGNATURE), compute the MAC over the message with
 *   its signature field treated as zero, and write the signature field.
 *   The iovec forms let a large READ/WRITE payload stay in its own buffer:
 *   iov[0] must hold the whole header (64 bytes SMB2, 32 bytes SMB1); the
 *   MAC covers the concatenation of all iov elements.
 * - Verify functions never modify the message. Whether a message MUST be
 *   signed comes from the caller's session state (the must_sign argument:
 *   MS-SMB2 Session.SigningRequired, or any message after the 3.1.1 final
 *   SESSION_SETUP, or an SMB1 connection where signing is active), never from
 *   the message's own SIGNED flag: a man in the middle can clear that flag.
 *   A message with the SIGNED flag set is always verified when a context is
 *   given, required or not (MS-SMB2 3.2.5.1.3, 3.3.5.2.4).
 * - Results are one enum (smb_verify_result); the return value is an
 *   smb_status only for input that is not an SMB message at all
 *   (SMB_E_TRUNCATED, SMB_E_MALFORMED), for misuse (SMB_E_BAD_ARGUMENT: an
 *   SMB1 context given an SMB2 message or the reverse, an empty iovec) or a
 *   crypto library failure (SMB_E_CRYPTO).
 * - Secrets: keys are wiped when contexts are freed; MACs are compared in
 *   constant time.
 */
#ifndef SMBSIGN_SIGN_H
#define SMBSIGN_SIGN_H

#include "smbsign/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "smbsign/status.h"
#include "smbsign/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SMB_SIGN_KEY_LEN 16        /* signing keys are 128 bits (AES-256 cipher keys: 32, see below) */
#define SMB_PREAUTH_HASH_LEN 64    /* SHA-512 */
#define SMB_SIGN_SMB1_MAX_KEY 1024 /* cap on an SMB1 MAC key (session key + NTLM response) */

/* ---- key derivation (MS-SMB2 3.2.5.3.1, 3.3.5.5.3; 3.1.4.2 KDF) ---- */

typedef struct smb_sign_keys {
    uint8_t signing[16];     /* SigningKey */
    uint8_t encryption[16];  /* EncryptionKey: client -> server ("ServerIn " / SMBC2SCipherKey) */
    uint8_t decryption[16];  /* DecryptionKey: server -> client ("ServerOut" / SMBS2CCipherKey) */
    uint8_t application[16]; /* ApplicationKey */
} smb_sign_keys;

/*
 * Derive the session's keys. session_key: the GSS session key, of which the
 * first 16 bytes are used (shorter keys are right-padded with zeros, MS-SMB2
 * 3.2.5.3.1). preauth: the 64-byte preauth integrity hash, required for 3.1.1
 * and ignored otherwise. For 2.0.2/2.1 the signing key is the session key
 * and the other three keys are zero (those dialects have none).
 * Errors: SMB_E_BAD_ARGUMENT (SMB1/unknown dialect, missing preauth hash).
 */
SMB_API SMB_WUR smb_status smb_sign_derive_keys(smb_dialect dialect, const uint8_t *session_key, size_t sklen,
                                const uint8_t *preauth, smb_sign_keys *out);

/*
 * Encryption (client to server) and decryption (server to client) keys for
 * the negotiated cipher. key_len 16 (AES-128-CCM/GCM, every 3.x dialect):
 * identical to smb_sign_derive_keys. key_len 32 (AES-256-CCM/GCM, 3.1.1
 * only): L = 256 and the full session key (sklen bytes, up to
 * SMB_SESSION_KEY_MAX) as the KDF key (MS-SMB2 3.2.5.3.1, 3.3.5.5.3).
 * Errors: SMB_E_BAD_ARGUMENT.
 */
#define SMB_SESSION_KEY_MAX 64
SMB_API SMB_WUR smb_status smb_sign_derive_cipher_keys(smb_dialect dialect, const uint8_t *session_key, size_t sklen,
                                       const uint8_t *preauth, size_t key_len, uint8_t *encryption,
                                       uint8_t *decryption);

/* ---- SMB 3.1.1 preauth integrity hash (MS-SMB2 3.2.5.2, 3.3.5.4) ---- */

typedef struct smb_preauth {
    uint8_t hash[SMB_PREAUTH_HASH_LEN];
} smb_preauth;

/* Start the chain at 64 zero bytes. */
SMB_API void smb_preauth_init(smb_preauth *p);
/* hash = SHA-512(hash || message); message = one whole SMB2 message. */
SMB_API void smb_preauth_update(smb_preauth *p, const void *msg, size_t len);
SMB_API void smb_preauth_update_iov(smb_preauth *p, const struct iovec *iov, int iovcnt);

/* ---- signing contexts ---- */

typedef struct smb_sign_ctx smb_sign_ctx;

/*
 * SMB2/3 context from a 16-byte signing key. alg: SMB_ALG_HMAC_SHA256 for
 * 2.0.2/2.1; AES-CMAC for 3.0/3.0.2; for 3.1.1 the algorithm negotiated with
 * SMB2_SIGNING_CAPABILITIES (AES-CMAC when that context was absent).
 * Errors: SMB_E_BAD_ARGUMENT (algorithm not valid for the dialect),
 * SMB_E_NOMEM, SMB_E_CRYPTO.
 */
SMB_API SMB_WUR smb_status smb_sign_ctx_new(smb_sign_ctx **out, smb_dialect dialect, smb_sign_alg alg, const uint8_t key[16]);
/* Same, deriving the signing key from the session key (and preauth hash for 3.1.1). */
SMB_API SMB_WUR smb_status smb_sign_ctx_new_session(smb_sign_ctx **out, smb_dialect dialect, smb_sign_alg alg,
                                    const uint8_t *session_key, size_t sklen, const uint8_t *preauth);
/* SMB1 context from the MAC key (MS-CIFS 3.2.4.1.1: session key, followed by
 * the NTLM challenge response for non-extended NTLM; up to
 * SMB_SIGN_SMB1_MAX_KEY bytes). The sequence counter starts at 0: the
 * SESSION_SETUP request that establishes the key is number 0, its response 1. */
SMB_API SMB_WUR smb_status smb_sign_ctx_new_smb1(smb_sign_ctx **out, const uint8_t *mac_key, size_t klen);
/* Frees and wipes; NULL is allowed. */
SMB_API void smb_sign_ctx_free(smb_sign_ctx *c);
SMB_API smb_dialect smb_sign_ctx_dialect(const smb_sign_ctx *c);
SMB_API smb_sign_alg smb_sign_ctx_alg(const smb_sign_ctx *c);

/* Default algorithm for a dialect: HMAC-SHA256 for 2.x, AES-CMAC for 3.x, MD5 for SMB1. */
SMB_API smb_sign_alg smb_sign_default_alg(smb_dialect d);
/* 1 when alg may be used with dialect (GMAC and HMAC only as 3.1.1 negotiates them). */
SMB_API int smb_sign_alg_valid(smb_dialect d, smb_sign_alg alg);

/* ---- verification result ---- */

typedef enum smb_verify_result {
    SMB_VERIFY_VALID = 0,              /* signed, signature correct */
    SMB_VERIFY_BAD_SIGNATURE,          /* signed (flag set) but the signature is wrong, or no key to check it */
    SMB_VERIFY_UNSIGNED_BUT_REQUIRED,  /* flag clear, but the session requires signing */
    SMB_VERIFY_UNSIGNED_ALLOWED,       /* flag clear and the session does not require signing */
    SMB_VERIFY_NOT_SUBJECT             /* never signed by the protocol (see smb2_sign_not_subject) */
} smb_verify_result;

/* "valid", "bad-signature", "unsigned-but-required", "unsigned-allowed", "not-subject" */
SMB_API const char *smb_verify_result_name(smb_verify_result r);
/* True for results the caller may accept (VALID, UNSIGNED_ALLOWED, NOT_SUBJECT). */
static inline bool smb_verify_acceptable(smb_verify_result r)
{
    return r == SMB_VERIFY_VALID || r == SMB_VERIFY_UNSIGNED_ALLOWED || r == SMB_VERIFY_NOT_SUBJECT;
}

/* ---- SMB2/3 ---- */

/*
 * Why an SMB2 message is outside signing, or NULL when it is subject to it:
 * "NEGOTIATE", "SessionId 0", "interim STATUS_PENDING response",
 * "oplock break notification" (MessageId 0xFFFFFFFFFFFFFFFF). hdr64 = the
 * 64 header bytes (MS-SMB2 3.2.4.1.1, 3.2.5.1.3, 3.3.4.1.1, 3.3.5.2.4).
 */
SMB_API const char *smb2_sign_not_subject(const uint8_t hdr64[64]);

/* Compute the 16-byte signature of one SMB2 message (one compound element)
 * as it would be, without modifying anything. */
SMB_API SMB_WUR smb_status smb2_sign_compute(smb_sign_ctx *c, const struct iovec *iov, int iovcnt, uint8_t sig[16]);

/* Sign one message (one compound element) in place. len >= 64. */
SMB_API SMB_WUR smb_status smb2_sign(smb_sign_ctx *c, uint8_t *msg, size_t len);
SMB_API SMB_WUR smb_status smb2_sign_iov(smb_sign_ctx *c, const struct iovec *iov, int iovcnt);
/* Sign every element of a compound chain in place, each over its own bytes
 * (NextCommand-delimited, padding included; MS-SMB2 3.2.4.1.4). Elements
 * that are not subject to signing (smb2_sign_not_subject) are left alone.
 * The whole chain is validated first: on SMB_E_MALFORMED / SMB_E_TRUNCATED
 * nothing was modified. */
SMB_API SMB_WUR smb_status smb2_sign_chain(smb_sign_ctx *c, uint8_t *pdu, size_t len);

/*
 * Verify one message (one compound element). c may be NULL (no key: a
 * message with the SIGNED flag then verifies as BAD_SIGNATURE). When
 * expected/found are non-NULL they receive the computed and the received
 * signature (zeros when no computation happened).
 */
SMB_API SMB_WUR smb_status smb2_verify(smb_sign_ctx *c, const uint8_t *msg, size_t len, bool must_sign, smb_verify_result *res,
                       uint8_t expected[16], uint8_t found[16]);
SMB_API SMB_WUR smb_status smb2_verify_iov(smb_sign_ctx *c, const struct iovec *iov, int iovcnt, bool must_sign,
                           smb_verify_result *res, uint8_t expected[16], uint8_t found[16]);
/* Verify every element of a chain; *res is the first non-acceptable result
 * (or VALID / the last element's acceptable result), *bad_index its index. */
SMB_API SMB_WUR smb_status smb2_verify_chain(smb_sign_ctx *c, const uint8_t *pdu, size_t len, bool must_sign, smb_verify_result *res,
                             size_t *bad_index);

/* ---- SMB1 (MS-CIFS 3.1.4.1, 3.1.5.1; MS-SMB 3.1.4.1) ---- */

/* Take the sequence number for the next request and advance the context's
 * counter: by 2 (request n, response n+1), or by 1 when no response follows
 * (NT_CANCEL; the caller passes expects_response = false). Client and server
 * each call it once per request sent / received. */
SMB_API uint32_t smb1_sign_seq_next(smb_sign_ctx *c, bool expects_response);
/* Whether a request of this command gets a response (false for NT_CANCEL). */
SMB_API bool smb1_expects_response(uint8_t command);

/* Why an SMB1 message is outside signing, or NULL: "NEGOTIATE",
 * "oplock break from server" (LOCKING_ANDX request with MID 0xFFFF sent by
 * the server). hdr32 = the 32 header bytes. */
SMB_API const char *smb1_sign_not_subject(const uint8_t hdr32[32]);

/* MAC = MD5(mac_key || message with the signature field = seq (LE32) || 0^4),
 * first 8 bytes. Sign in place (sets FLAGS2_SMB_SECURITY_SIGNATURE). */
SMB_API SMB_WUR smb_status smb1_sign(smb_sign_ctx *c, uint8_t *msg, size_t len, uint32_t seq);
SMB_API SMB_WUR smb_status smb1_sign_iov(smb_sign_ctx *c, const struct iovec *iov, int iovcnt, uint32_t seq);
SMB_API SMB_WUR smb_status smb1_sign_compute(smb_sign_ctx *c, const struct iovec *iov, int iovcnt, uint32_t seq, uint8_t sig[8]);
/* Before a key exists: put the "BSRSPYL " placeholder in the signature field
 * (MS-CIFS 3.2.4.2.4 / 3.2.5.3: SESSION_SETUP when signing is enabled). */
SMB_API SMB_WUR smb_status smb1_sign_placeholder(uint8_t *msg, size_t len);
/* Verify with the sequence number the receiver expects (a response: its
 * request's number + 1). c NULL = signing not active yet (every message is
 * NOT_SUBJECT then, the placeholder included). */
SMB_API SMB_WUR smb_status smb1_verify(smb_sign_ctx *c, const uint8_t *msg, size_t len, uint32_t seq, bool must_sign,
                       smb_verify_result *res, uint8_t expected[8], uint8_t found[8]);
/* Verify a message that must carry a MAC because signing is active on its
 * connection (MS-CIFS 3.3.5.2: every client request once the server has
 * activated signing): the MAC alone decides, VALID or BAD_SIGNATURE, whatever
 * Flags2 SECURITY_SIGNATURE says and without smb1_verify's NOT_SUBJECT
 * exemptions (which describe messages a server sends or that precede signing).
 * c must be a session's context. */
SMB_API SMB_WUR smb_status smb1_verify_mac(smb_sign_ctx *c, const uint8_t *msg, size_t len, uint32_t seq,
                                   smb_verify_result *res, uint8_t expected[8], uint8_t found[8]);

#ifdef __cplusplus
}
#endif
#endif
