/* wire/smb2/flush.h - FLUSH request/response (MS-SMB2 2.2.17, 2.2.18). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_FLUSH_H
#define SMBSIGN_WIRE_SMB2_FLUSH_H

#include "wire/smb2/common.h"

void smb2_flush_req_encode(smb_wr *w, const struct smb2_fileid *f);
SMB_WUR smb_status smb2_flush_req_decode(smb_rd *r, struct smb2_fileid *f);
void smb2_flush_resp_encode(smb_wr *w);
SMB_WUR smb_status smb2_flush_resp_decode(smb_rd *r);

#endif
