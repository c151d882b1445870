/* wire/smb2/change_notify.h - CHANGE_NOTIFY request/response (MS-SMB2
 * 2.2.35, 2.2.36); the response's FILE_NOTIFY_INFORMATION chain is an
 * opaque, bounds-checked buffer. See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_CHANGE_NOTIFY_H
#define SMBSIGN_WIRE_SMB2_CHANGE_NOTIFY_H

#include "wire/smb2/common.h"

#define SMB2_WATCH_TREE 0x0001u

struct smb2_change_notify_req {
    uint16_t flags;
    uint32_t output_buffer_length;
    struct smb2_fileid file_id;
    uint32_t completion_filter;
};
struct smb2_change_notify_resp {
    struct smb2_buf output;
};

void smb2_change_notify_req_encode(smb_wr *w, const struct smb2_change_notify_req *q);
SMB_WUR smb_status smb2_change_notify_req_decode(smb_rd *r, struct smb2_change_notify_req *q);
/* OutputBufferOffset is 0x48 even without output (as Windows); with none one
 * zero byte stands for the Buffer (StructureSize 9). */
void smb2_change_notify_resp_encode(smb_wr *w, const struct smb2_change_notify_resp *s);
SMB_WUR smb_status smb2_change_notify_resp_decode(smb_rd *r, struct smb2_change_notify_resp *s);

#endif
