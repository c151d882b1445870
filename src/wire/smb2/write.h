/* wire/smb2/write.h - WRITE request/response (MS-SMB2 2.2.21, 2.2.22). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_WRITE_H
#define SMBSIGN_WIRE_SMB2_WRITE_H

#include "wire/smb2/common.h"

#define SMB2_WRITE_DATA_OFFSET (SMB2_HDR_LEN + 48)

struct smb2_write_req {
    uint64_t offset;
    struct smb2_fileid file_id;
    uint32_t remaining_bytes;
    uint32_t flags;
    struct smb2_buf data;
};

struct smb2_write_resp {
    uint32_t count;
    uint32_t remaining;
};

/* Writes the fixed part and the data (DataOffset 112). To avoid copying
 * large payloads, smb2_write_req_encode_hdr writes only the fixed part for
 * q->data.len bytes the caller appends itself. */
void smb2_write_req_encode(smb_wr *w, const struct smb2_write_req *q);
void smb2_write_req_encode_hdr(smb_wr *w, const struct smb2_write_req *q);
SMB_WUR smb_status smb2_write_req_decode(smb_rd *r, struct smb2_write_req *q);
void smb2_write_resp_encode(smb_wr *w, const struct smb2_write_resp *s);
SMB_WUR smb_status smb2_write_resp_decode(smb_rd *r, struct smb2_write_resp *s);

#endif
