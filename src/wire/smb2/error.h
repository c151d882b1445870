/* wire/smb2/error.h - SMB2 ERROR response body (MS-SMB2 2.2.2). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_ERROR_H
#define SMBSIGN_WIRE_SMB2_ERROR_H

#include "wire/smb2/common.h"

struct smb2_error_resp {
    uint8_t context_count;
    struct smb2_buf data;
};

SMB_WUR smb_status smb2_error_resp_decode(smb_rd *r, struct smb2_error_resp *e);
void smb2_error_resp_encode(smb_wr *w, const struct smb2_error_resp *e);

#endif
