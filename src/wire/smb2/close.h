/* wire/smb2/close.h - CLOSE request/response (MS-SMB2 2.2.15, 2.2.16). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_CLOSE_H
#define SMBSIGN_WIRE_SMB2_CLOSE_H

#include "wire/smb2/common.h"

#define SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB 0x0001

struct smb2_close_req {
    uint16_t flags;
    struct smb2_fileid file_id;
};

struct smb2_close_resp {
    uint16_t flags;
    uint64_t creation_time, last_access_time, last_write_time, change_time;
    uint64_t allocation_size, end_of_file;
    uint32_t file_attributes;
};

void smb2_close_req_encode(smb_wr *w, const struct smb2_close_req *q);
SMB_WUR smb_status smb2_close_req_decode(smb_rd *r, struct smb2_close_req *q);
void smb2_close_resp_encode(smb_wr *w, const struct smb2_close_resp *s);
SMB_WUR smb_status smb2_close_resp_decode(smb_rd *r, struct smb2_close_resp *s);

#endif
