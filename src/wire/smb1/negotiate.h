/*
 * wire/smb1/negotiate.h - SMB_COM_NEGOTIATE request and response (MS-CIFS
 * 2.2.4.52, MS-SMB 2.2.4.5), encoders and decoders side by side, and the
 * multi-protocol negotiate of MS-SMB2 3.3.5.3.1 where a client offers
 * "SMB 2.002" / "SMB 2.???" in an SMB1 NEGOTIATE and an SMB2 server answers
 * with an SMB2 NEGOTIATE response (DialectRevision 0x0202 or 0x02FF).
 *
 * Decoders take the whole SMB1 message (header included, no NetBIOS header).
 * Decoded structs point into the caller's message (dialect strings, blobs,
 * challenge) and own nothing.
 */
#ifndef SMBSIGN_WIRE_SMB1_NEGOTIATE_H
#define SMBSIGN_WIRE_SMB1_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "wire/smb1/header.h"
#include "wire/smb2/negotiate.h"

#define SMB1_DIALECT_NT_LM_012 "NT LM 0.12"
#define SMB1_DIALECT_SMB2_002 "SMB 2.002"
#define SMB1_DIALECT_SMB2_WILDCARD "SMB 2.???"

/* Caps on attacker-controlled sizes. */
#define SMB1_NEG_MAX_DIALECTS 32    /* dialect strings in a request */
#define SMB1_NEG_MAX_DIALECT_LEN 64 /* bytes per dialect string, NUL excluded */
#define SMB1_NEG_MAX_CHALLENGE 8    /* ChallengeLength (MS-CIFS: 8 for NTLM) */

/* MS-SMB 2.2.4.5.2.1 / MS-CIFS 2.2.4.52.2 Capabilities */
#define SMB1_CAP_RAW_MODE 0x00000001u
#define SMB1_CAP_MPX_MODE 0x00000002u
#define SMB1_CAP_UNICODE 0x00000004u
#define SMB1_CAP_LARGE_FILES 0x00000008u
#define SMB1_CAP_NT_SMBS 0x00000010u
#define SMB1_CAP_RPC_REMOTE_APIS 0x00000020u
#define SMB1_CAP_STATUS32 0x00000040u
#define SMB1_CAP_LEVEL_II_OPLOCKS 0x00000080u
#define SMB1_CAP_LOCK_AND_READ 0x00000100u
#define SMB1_CAP_NT_FIND 0x00000200u
#define SMB1_CAP_DFS 0x00001000u
#define SMB1_CAP_INFOLEVEL_PASSTHRU 0x00002000u
#define SMB1_CAP_LARGE_READX 0x00004000u
#define SMB1_CAP_LARGE_WRITEX 0x00008000u
#define SMB1_CAP_LWIO 0x00010000u
#define SMB1_CAP_UNIX 0x00800000u
#define SMB1_CAP_DYNAMIC_REAUTH 0x20000000u
#define SMB1_CAP_EXTENDED_SECURITY 0x80000000u

/* DialectIndex when the server supports none of the offered dialects. */
#define SMB1_NEG_NO_DIALECT 0xFFFF

struct smb1_negotiate_req {
    uint16_t dialect_count;
    const char *dialects[SMB1_NEG_MAX_DIALECTS]; /* NUL-terminated */
};

/* The NT LM 0.12 response (WordCount 17). For other word counts only
 * dialect_index is decoded (word_count says which form it was). */
struct smb1_negotiate_rsp {
    uint8_t word_count;
    uint16_t dialect_index;
    uint8_t security_mode;
    uint16_t max_mpx_count;
    uint16_t max_number_vcs;
    uint32_t max_buffer_size;
    uint32_t max_raw_size;
    uint32_t session_key;
    uint32_t capabilities;
    uint64_t system_time;
    int16_t server_time_zone;
    uint8_t challenge_length;
    /* CAP_EXTENDED_SECURITY: server_guid + security_blob; otherwise
     * challenge (challenge_length bytes) + domain/server names (raw bytes,
     * not interpreted, as domain_name/domain_name_len). */
    uint8_t server_guid[16];
    const uint8_t *security_blob;
    uint16_t security_blob_len;
    const uint8_t *challenge;
    const uint8_t *domain_name;
    uint16_t domain_name_len;
};

/* Encode a whole SMB1 NEGOTIATE request message (32-byte header with the
 * given flags2 and mid, WordCount 0, dialect strings). */
SMB_WUR smb_status smb1_negotiate_req_encode(smb_wr *w, const struct smb1_negotiate_req *req, uint16_t flags2,
                                     uint16_t mid);
/* Decode the request parameters/data after a decoded header (r positioned
 * at WordCount). */
SMB_WUR smb_status smb1_negotiate_req_decode(smb_rd *r, struct smb1_negotiate_req *req);
/* Index of a dialect string in a decoded request, or -1. */
int smb1_negotiate_req_find(const struct smb1_negotiate_req *req, const char *dialect);

/* Encode the response parameters and data (after the caller's 32-byte header
 * with SMB1_FLAGS_REPLY). NT LM 0.12 form when rsp->word_count == 17;
 * word_count == 1 writes only DialectIndex (e.g. SMB1_NEG_NO_DIALECT). */
SMB_WUR smb_status smb1_negotiate_rsp_encode(smb_wr *w, const struct smb1_negotiate_rsp *rsp);
/* Decode the response parameters and data (r positioned at WordCount). */
SMB_WUR smb_status smb1_negotiate_rsp_decode(smb_rd *r, struct smb1_negotiate_rsp *rsp);

/*
 * What a server sent back to an SMB1 NEGOTIATE (whole message, no NetBIOS
 * header): an SMB1 response, or an SMB2 NEGOTIATE response (multi-protocol
 * negotiate, MS-SMB2 3.3.5.3.1). Checks the header (command, reply flag,
 * status 0).
 */
enum smb1_negotiate_answer_kind { SMB1_ANSWER_SMB1 = 1, SMB1_ANSWER_SMB2 = 2 };
struct smb1_negotiate_answer {
    enum smb1_negotiate_answer_kind kind;
    struct smb1_hdr hdr1;           /* kind SMB1 */
    struct smb1_negotiate_rsp smb1; /* kind SMB1 */
    struct smb2_negotiate_rsp smb2; /* kind SMB2 */
};
/* Errors: SMB_E_TRUNCATED, SMB_E_MALFORMED (neither magic, wrong command,
 * not a reply, bad body), or the NTSTATUS-mapped error of a failed reply. */
SMB_WUR smb_status smb1_negotiate_answer_parse(const uint8_t *msg, size_t len, struct smb1_negotiate_answer *out);

#endif
