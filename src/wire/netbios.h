/*
 * wire/netbios.h - the 4-byte session framing SMB runs over (MS-SMB2 2.1
 * "Direct TCP transport", RFC 1002 4.3 "NetBIOS session service" for port 139)
 * and the NetBIOS SESSION REQUEST a client must send first on port 139.
 *
 * Framing: one type byte, then a 24-bit big-endian length. Direct TCP (445)
 * defines the first byte as zero; on port 139 RFC 1002 uses a type byte, a
 * flags byte whose bit 0 extends the length to 17 bits, and a 16-bit length.
 * Reading the three bytes as one 24-bit length covers both (Samba also sends
 * 24-bit lengths on 139); the cap max_pdu bounds what a peer can make us hold.
 *
 * smb_nb_framer accumulates partial reads until the whole frame the header
 * announced is present. It never allocates: the caller lends the body buffer
 * and is told (SMB_E_BUFFER_TOO_SMALL) when a bigger one is needed.
 */
#ifndef SMBSIGN_WIRE_NETBIOS_H
#define SMBSIGN_WIRE_NETBIOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define SMB_NB_HDR_LEN 4
/* Largest length the 24-bit field can carry. */
#define SMB_NB_MAX_LEN 0x00FFFFFFu
/* Default cap for a frame body; engines pass smaller caps where they know
 * the messages (the scanner caps NEGOTIATE responses much lower). */
#define SMB_NB_DEFAULT_MAX_PDU (8u * 1024u * 1024u)

/* RFC 1002 4.3.1 packet types */
#define SMB_NB_SESSION_MESSAGE 0x00
#define SMB_NB_SESSION_REQUEST 0x81
#define SMB_NB_POSITIVE_RESPONSE 0x82
#define SMB_NB_NEGATIVE_RESPONSE 0x83
#define SMB_NB_RETARGET_RESPONSE 0x84
#define SMB_NB_KEEPALIVE 0x85

/* RFC 1002 4.3.4 negative response error codes */
#define SMB_NB_ERR_NOT_LISTENING_CALLED 0x80
#define SMB_NB_ERR_NOT_LISTENING_CALLING 0x81
#define SMB_NB_ERR_CALLED_NOT_PRESENT 0x82
#define SMB_NB_ERR_INSUFFICIENT_RESOURCES 0x83
#define SMB_NB_ERR_UNSPECIFIED 0x8F

/* Encoded NetBIOS name: length byte 0x20, 32 half-ASCII bytes, a zero label. */
#define SMB_NB_ENCODED_NAME_LEN 34
/* The wildcard server name every SMB server answers on 139 (MS-CIFS 2.1.1.2). */
#define SMB_NB_SMBSERVER_NAME "*SMBSERVER"

/* Write a 4-byte header (type, 24-bit length). len > SMB_NB_MAX_LEN sets
 * SMB_E_OVERFLOW on w. */
void smb_nb_hdr_encode(smb_wr *w, uint8_t type, uint32_t len);
/* Patch the length of a header written at off once the body is known. */
void smb_nb_hdr_patch_len(smb_wr *w, size_t off, uint32_t len);
/* Decode 4 bytes. Errors: SMB_E_TRUNCATED, SMB_E_MALFORMED (type not one of
 * the RFC 1002 session types, or a flags byte other than 0/1 on a type that
 * is not a session message). */
SMB_WUR smb_status smb_nb_hdr_decode(smb_rd *r, uint8_t *type, uint32_t *len);

/* First-level encode a NetBIOS name (RFC 1001 14.1): name is upper-cased,
 * padded with spaces to 15 bytes, then suffix. name longer than 15 bytes is
 * SMB_E_BAD_ARGUMENT. */
SMB_WUR smb_status smb_nb_name_encode(smb_wr *w, const char *name, uint8_t suffix);

/* A whole SESSION REQUEST frame (header included): called name with suffix
 * 0x20 (server service), calling name with suffix 0x00 (workstation). */
SMB_WUR smb_status smb_nb_session_request_encode(smb_wr *w, const char *called, const char *calling);

/* Decode a SESSION REQUEST body (the 68 bytes after the header) into the
 * two names (decoded, trailing spaces stripped, NUL-terminated, 16 bytes
 * each) and their suffixes. */
struct smb_nb_session_request {
    char called[16];
    uint8_t called_suffix;
    char calling[16];
    uint8_t calling_suffix;
};
SMB_WUR smb_status smb_nb_session_request_decode(smb_rd *body, struct smb_nb_session_request *out);

/* The answer to a SESSION REQUEST, from a complete frame (type + body).
 * Positive: SMB_OK. Negative: SMB_E_REQUEST_NOT_ACCEPTED with *nb_error set
 * to the RFC 1002 code. Retarget (0x84): SMB_E_NOT_SUPPORTED (we do not
 * follow retargets). Anything else: SMB_E_MALFORMED. */
SMB_WUR smb_status smb_nb_session_response_decode(uint8_t type, smb_rd *body, uint8_t *nb_error);
/* Server side: write a positive response, or a negative one with code. */
void smb_nb_session_response_encode(smb_wr *w, bool positive, uint8_t nb_error);
/* Short text for an RFC 1002 negative response code. */
const char *smb_nb_error_name(uint8_t nb_error);

/*
 * Framer: accumulate one frame from a byte stream.
 *
 *   smb_nb_framer fr;
 *   smb_nb_framer_init(&fr, max_pdu, buf, cap);
 *   st = smb_nb_framer_feed(&fr, data, n, &used);
 *     SMB_OK        a whole frame: fr.type, fr.buf[0..fr.len); bytes after
 *                   data+used belong to the next frame (call _reset first)
 *     SMB_E_PENDING every byte was taken, more are needed
 *     SMB_E_BUFFER_TOO_SMALL  the buffer is full before the frame (fr.len
 *                   bytes) is: lend a bigger one holding the fr.have bytes
 *                   already stored (realloc keeps them) with _set_buffer, then
 *                   feed the bytes after data+used. Growing the buffer as
 *                   bytes arrive keeps memory proportional to what the peer
 *                   sent, not to what its header announced.
 *     SMB_E_MALFORMED  bad header, or fr.len > max_pdu (fr.oversized set)
 * After an error other than BUFFER_TOO_SMALL the stream is unusable.
 */
typedef struct smb_nb_framer {
    uint8_t hdr[SMB_NB_HDR_LEN];
    uint8_t hdr_have;
    uint8_t type;   /* valid once hdr_have == 4 */
    bool oversized; /* the header announced more than max_pdu */
    uint32_t len;   /* body length, valid once hdr_have == 4 */
    uint32_t have;  /* body bytes stored */
    uint32_t max_pdu;
    uint8_t *buf; /* caller-owned body buffer */
    size_t cap;
} smb_nb_framer;

void smb_nb_framer_init(smb_nb_framer *fr, uint32_t max_pdu, uint8_t *buf, size_t cap);
void smb_nb_framer_set_buffer(smb_nb_framer *fr, uint8_t *buf, size_t cap);
/* Forget the current frame (keeps max_pdu and the buffer). */
void smb_nb_framer_reset(smb_nb_framer *fr);
SMB_WUR smb_status smb_nb_framer_feed(smb_nb_framer *fr, const uint8_t *data, size_t n, size_t *used);
/* True once any byte of a frame has been seen (to tell "closed before
 * answering" from "closed mid-frame"). */
static inline bool smb_nb_framer_started(const smb_nb_framer *fr)
{
    return fr->hdr_have > 0;
}

#endif
