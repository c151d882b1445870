/* wire/smb2/read.h - READ request/response (MS-SMB2 2.2.19, 2.2.20). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_READ_H
#define SMBSIGN_WIRE_SMB2_READ_H

#include "wire/smb2/common.h"

struct smb2_read_req {
    uint8_t padding;
    uint8_t flags;
    uint32_t length;
    uint64_t offset;
    struct smb2_fileid file_id;
    uint32_t minimum_count;
    uint32_t remaining_bytes;
};

/* the response body before the data: DataOffset 0x50 (MS-SMB2 2.2.20) */
#define SMB2_READ_RESP_FIXED 16
struct smb2_read_resp {
    uint32_t data_remaining;
    struct smb2_buf data;
};

void smb2_read_req_encode(smb_wr *w, const struct smb2_read_req *q);
SMB_WUR smb_status smb2_read_req_decode(smb_rd *r, struct smb2_read_req *q);
/* The response body with its data appended (DataOffset 80). */
/* The data may already sit where it goes (writer position + 16, e.g. read
 * there by pread): then nothing is copied. */
void smb2_read_resp_encode(smb_wr *w, const struct smb2_read_resp *s);
SMB_WUR smb_status smb2_read_resp_decode(smb_rd *r, struct smb2_read_resp *s);

#endif
