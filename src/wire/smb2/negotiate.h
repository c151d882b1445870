/*
 * wire/smb2/negotiate.h - SMB2 NEGOTIATE request and response (MS-SMB2 2.2.3,
 * 2.2.3.1, 2.2.4, 2.2.4.1), encoders and decoders side by side.
 *
 * Buffers and offsets: SMB2 offsets (SecurityBufferOffset,
 * NegotiateContextOffset) count from the start of the SMB2 header. Decoders
 * therefore take a reader whose window starts at the header and whose offset
 * is at the body (64 after smb2_hdr_decode); encoders take the writer offset
 * where the header begins (hdr_off) and the writer positioned after it.
 *
 * Every count and length from the wire is checked against the message and
 * against the named caps below; a lie is SMB_E_MALFORMED, a structure that
 * does not fit is SMB_E_TRUNCATED. Decoded structs never own memory: byte
 * ranges (security buffer, netname) point into the caller's message and live
 * as long as it does.
 */
#ifndef SMBSIGN_WIRE_SMB2_NEGOTIATE_H
#define SMBSIGN_WIRE_SMB2_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define SMB2_NEGOTIATE_REQ_STRUCTURE_SIZE 36
#define SMB2_NEGOTIATE_RSP_STRUCTURE_SIZE 65

/* Caps on attacker-controlled counts. */
#define SMB2_NEG_MAX_DIALECTS 64     /* request DialectCount */
#define SMB2_NEG_MAX_CONTEXTS 32     /* NegotiateContextCount */
#define SMB2_NEG_MAX_HASH_ALGS 8     /* PREAUTH HashAlgorithmCount */
#define SMB2_NEG_MAX_SALT 64         /* PREAUTH SaltLength (Windows sends 32) */
#define SMB2_NEG_MAX_CIPHERS 16      /* ENCRYPTION CipherCount */
#define SMB2_NEG_MAX_SIGNING_ALGS 16 /* SIGNING SigningAlgorithmCount */
#define SMB2_NEG_MAX_NETNAME 512     /* NETNAME bytes (UTF-16LE) */

/* MS-SMB2 2.2.3 Capabilities */
#define SMB2_GLOBAL_CAP_DFS 0x00000001u
#define SMB2_GLOBAL_CAP_LEASING 0x00000002u
#define SMB2_GLOBAL_CAP_LARGE_MTU 0x00000004u
#define SMB2_GLOBAL_CAP_MULTI_CHANNEL 0x00000008u
#define SMB2_GLOBAL_CAP_PERSISTENT_HANDLES 0x00000010u
#define SMB2_GLOBAL_CAP_DIRECTORY_LEASING 0x00000020u
#define SMB2_GLOBAL_CAP_ENCRYPTION 0x00000040u
#define SMB2_GLOBAL_CAP_NOTIFICATIONS 0x00000080u

/* MS-SMB2 2.2.3.1 ContextType */
#define SMB2_PREAUTH_INTEGRITY_CAPABILITIES 0x0001
#define SMB2_ENCRYPTION_CAPABILITIES 0x0002
#define SMB2_COMPRESSION_CAPABILITIES 0x0003
#define SMB2_NETNAME_NEGOTIATE_CONTEXT_ID 0x0005
#define SMB2_TRANSPORT_CAPABILITIES 0x0006
#define SMB2_RDMA_TRANSFORM_CAPABILITIES 0x0007
#define SMB2_SIGNING_CAPABILITIES 0x0008

#define SMB2_PREAUTH_HASH_SHA512 0x0001
/* MS-SMB2 2.2.3.1.2 ciphers */
#define SMB2_CIPHER_NONE 0x0000 /* response only: no common cipher */
#define SMB2_CIPHER_AES_128_CCM 0x0001
#define SMB2_CIPHER_AES_128_GCM 0x0002
#define SMB2_CIPHER_AES_256_CCM 0x0003
#define SMB2_CIPHER_AES_256_GCM 0x0004
/* MS-SMB2 2.2.3.1.7 signing algorithms (same ids as smb_sign_alg) */
#define SMB2_SIGNING_HMAC_SHA256 0x0000
#define SMB2_SIGNING_AES_CMAC 0x0001
#define SMB2_SIGNING_AES_GMAC 0x0002

/* "aes-128-ccm", "aes-128-gcm", "aes-256-ccm", "aes-256-gcm", "none", or NULL if unknown. */
const char *smb2_cipher_name(uint16_t cipher);

struct smb2_neg_preauth {
    uint16_t hash_alg_count;
    uint16_t hash_algs[SMB2_NEG_MAX_HASH_ALGS];
    uint16_t salt_len;
    uint8_t salt[SMB2_NEG_MAX_SALT];
};

struct smb2_neg_encryption {
    uint16_t cipher_count;
    uint16_t ciphers[SMB2_NEG_MAX_CIPHERS];
};

struct smb2_neg_signing {
    uint16_t alg_count;
    uint16_t algs[SMB2_NEG_MAX_SIGNING_ALGS];
};

/* Negotiate contexts present in a message. Unknown or not modelled context
 * types (compression, transport, RDMA, ...) are validated for framing,
 * counted in other_count and skipped. A context type seen twice is
 * SMB_E_MALFORMED (MS-SMB2 3.3.5.4 / 3.2.5.2). */
struct smb2_neg_contexts {
    bool has_preauth, has_encryption, has_signing, has_netname;
    struct smb2_neg_preauth preauth;
    struct smb2_neg_encryption encryption;
    struct smb2_neg_signing signing;
    const uint8_t *netname; /* UTF-16LE, not terminated; points into the message */
    uint16_t netname_len;   /* bytes */
    uint16_t other_count;
};

struct smb2_negotiate_req {
    uint16_t dialect_count;
    uint16_t dialects[SMB2_NEG_MAX_DIALECTS];
    uint16_t security_mode;
    uint32_t capabilities;
    uint8_t client_guid[16];
    /* Encoded (and decoded) only when dialects include 0x0311; otherwise
     * the 8 bytes are ClientStartTime (zero). */
    struct smb2_neg_contexts ctx;
};

struct smb2_negotiate_rsp {
    uint16_t security_mode;
    uint16_t dialect;
    uint8_t server_guid[16];
    uint32_t capabilities;
    uint32_t max_transact_size;
    uint32_t max_read_size;
    uint32_t max_write_size;
    uint64_t system_time;
    uint64_t server_start_time;
    const uint8_t *security_buffer; /* points into the message; NULL when empty */
    uint16_t security_buffer_len;
    struct smb2_neg_contexts ctx; /* only for dialect 0x0311 */
};

/* Body encoders. hdr_off: writer offset of the SMB2 header's first byte.
 * Contexts are written 8-byte aligned relative to the header (MS-SMB2
 * 2.2.3.1). Errors: SMB_E_OVERFLOW (writer), SMB_E_BAD_ARGUMENT (counts over
 * the caps, no dialects). */
SMB_WUR smb_status smb2_negotiate_req_encode(smb_wr *w, size_t hdr_off, const struct smb2_negotiate_req *req);
SMB_WUR smb_status smb2_negotiate_rsp_encode(smb_wr *w, size_t hdr_off, const struct smb2_negotiate_rsp *rsp);

/* Body decoders: msg's window starts at the SMB2 header, its offset at the
 * body. */
SMB_WUR smb_status smb2_negotiate_req_decode(smb_rd *msg, struct smb2_negotiate_req *req);
/* The response decoder also checks, for 3.1.1, that the server chose
 * exactly one hash algorithm, cipher and signing algorithm, and that the
 * preauth context is present (MS-SMB2 3.2.5.2). */
SMB_WUR smb_status smb2_negotiate_rsp_decode(smb_rd *msg, struct smb2_negotiate_rsp *rsp);

/* Whole-message helpers (no NetBIOS header): check the SMB2 header (command
 * NEGOTIATE, response flag as expected, for responses Status == 0), then
 * decode the body. */
SMB_WUR smb_status smb2_negotiate_rsp_parse(const uint8_t *msg, size_t len, struct smb2_negotiate_rsp *rsp);
SMB_WUR smb_status smb2_negotiate_req_parse(const uint8_t *msg, size_t len, struct smb2_negotiate_req *req);

#endif
