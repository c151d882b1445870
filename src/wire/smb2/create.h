/* wire/smb2/create.h - CREATE request/response (MS-SMB2 2.2.13, 2.2.14); create
 * contexts are passed through as an opaque, bounds-checked buffer. See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_CREATE_H
#define SMBSIGN_WIRE_SMB2_CREATE_H

#include <stdbool.h>

#include "wire/smb2/common.h"

/* Access mask bits (MS-SMB2 2.2.13.1) */
#define SMB2_FILE_READ_DATA 0x00000001u
#define SMB2_FILE_WRITE_DATA 0x00000002u
#define SMB2_FILE_APPEND_DATA 0x00000004u
#define SMB2_FILE_READ_EA 0x00000008u
#define SMB2_FILE_WRITE_EA 0x00000010u
#define SMB2_FILE_LIST_DIRECTORY 0x00000001u
#define SMB2_FILE_READ_ATTRIBUTES 0x00000080u
#define SMB2_FILE_WRITE_ATTRIBUTES 0x00000100u
#define SMB2_DELETE 0x00010000u
#define SMB2_READ_CONTROL 0x00020000u
#define SMB2_FILE_EXECUTE 0x00000020u
#define SMB2_WRITE_DAC 0x00040000u
#define SMB2_WRITE_OWNER 0x00080000u
#define SMB2_SYNCHRONIZE 0x00100000u
#define SMB2_MAXIMUM_ALLOWED 0x02000000u
#define SMB2_GENERIC_ALL 0x10000000u
#define SMB2_GENERIC_EXECUTE 0x20000000u
#define SMB2_GENERIC_WRITE 0x40000000u
#define SMB2_GENERIC_READ 0x80000000u
/* every specific right of a file (MS-SMB2 2.2.13.1.1 bits 0-8 and 16-20) */
#define SMB2_FILE_ALL_ACCESS 0x001F01FFu
/* ShareAccess */
#define SMB2_FILE_SHARE_READ 0x1u
#define SMB2_FILE_SHARE_WRITE 0x2u
#define SMB2_FILE_SHARE_DELETE 0x4u
/* CreateDisposition */
#define SMB2_FILE_SUPERSEDE 0u
#define SMB2_FILE_OPEN 1u
#define SMB2_FILE_CREATE 2u
#define SMB2_FILE_OPEN_IF 3u
#define SMB2_FILE_OVERWRITE 4u
#define SMB2_FILE_OVERWRITE_IF 5u
/* CreateOptions */
#define SMB2_FILE_DIRECTORY_FILE 0x00000001u
#define SMB2_FILE_NON_DIRECTORY_FILE 0x00000040u
#define SMB2_FILE_DELETE_ON_CLOSE 0x00001000u

/* CreateAction (MS-SMB2 2.2.14) */
#define SMB2_FILE_SUPERSEDED 0u
#define SMB2_FILE_OPENED 1u
#define SMB2_FILE_CREATED 2u
#define SMB2_FILE_OVERWRITTEN 3u
/* FileAttributes (MS-FSCC 2.6) */
#define SMB2_FILE_ATTRIBUTE_READONLY 0x01u
#define SMB2_FILE_ATTRIBUTE_HIDDEN 0x02u
#define SMB2_FILE_ATTRIBUTE_DIRECTORY 0x10u
#define SMB2_FILE_ATTRIBUTE_ARCHIVE 0x20u
#define SMB2_FILE_ATTRIBUTE_NORMAL 0x80u
/* ImpersonationLevel */
#define SMB2_IMPERSONATION_IMPERSONATION 2u

struct smb2_create_req {
    uint8_t security_flags;
    uint8_t oplock_level;
    uint32_t impersonation_level;
    uint32_t desired_access;
    uint32_t file_attributes;
    uint32_t share_access;
    uint32_t create_disposition;
    uint32_t create_options;
    struct smb2_buf name;     /* UTF-16LE, relative to the share, no leading '\' */
    struct smb2_buf contexts; /* SMB2_CREATE_CONTEXT chain, passed through */
};

/* the response body before the contexts (MS-SMB2 2.2.14) */
#define SMB2_CREATE_RESP_FIXED 88
struct smb2_create_resp {
    uint8_t oplock_level;
    uint8_t flags;
    uint32_t create_action;
    uint64_t creation_time, last_access_time, last_write_time, change_time;
    uint64_t allocation_size, end_of_file;
    uint32_t file_attributes;
    struct smb2_fileid file_id;
    struct smb2_buf contexts;
};

void smb2_create_req_encode(smb_wr *w, const struct smb2_create_req *q);
SMB_WUR smb_status smb2_create_req_decode(smb_rd *r, struct smb2_create_req *q);
/* The contexts may already sit where they go (at the writer's position + 88,
 * written there with smb2_create_ctx_encode): then nothing is copied. */
void smb2_create_resp_encode(smb_wr *w, const struct smb2_create_resp *s);
/* One SMB2_CREATE_CONTEXT (MS-SMB2 2.2.13.2) with a 4-byte name: Next is the
 * padded length (0 for the last), padded to 8 unless last. */
void smb2_create_ctx_encode(smb_wr *w, const char name[4], const uint8_t *data, uint32_t dlen, bool last);
SMB_WUR smb_status smb2_create_resp_decode(smb_rd *r, struct smb2_create_resp *s);

/* Find the context named name (4 bytes) in a CREATE context chain
 * (MS-SMB2 2.2.13.2): *data points into the chain. SMB_E_NOT_FOUND when
 * absent, SMB_E_MALFORMED when an entry's Next, name or data lies outside
 * the chain (checked for every entry walked). */
SMB_WUR smb_status smb2_create_ctx_find(struct smb2_buf ctxs, const char name[4], struct smb2_buf *data);

/* SMB2_CREATE_REQUEST_LEASE (v1, 32 bytes, MS-SMB2 2.2.13.2.8) and
 * SMB2_CREATE_REQUEST_LEASE_V2 (52 bytes, 2.2.13.2.10); the response
 * contexts (2.2.14.2.10, 2.2.14.2.11) have the same layouts. */
#define SMB2_LEASE_CTX_V1_LEN 32u
#define SMB2_LEASE_CTX_V2_LEN 52u
#define SMB2_LEASE_FLAG_BREAK_IN_PROGRESS 0x02u
#define SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET 0x04u
struct smb2_lease_ctx {
    int version;             /* 1 or 2 */
    uint8_t key[16];
    uint32_t state;          /* SMB2_LEASE_*_CACHING (oplock_break.h) */
    uint32_t flags;
    uint8_t parent_key[16];  /* v2 */
    uint16_t epoch;          /* v2 */
};
/* The whole "RqLs" context (header, name, data), last in its chain. */
void smb2_lease_ctx_encode(smb_wr *w, const struct smb2_lease_ctx *l);
/* The data of an RqLs context: 32 bytes is v1, 52 v2, anything else malformed. */
SMB_WUR smb_status smb2_lease_ctx_decode(struct smb2_buf data, struct smb2_lease_ctx *l);

#endif
