/* wire/smb2/cancel.h - CANCEL (MS-SMB2 2.2.30): a 4-byte body (StructureSize 4, Reserved). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_CANCEL_H
#define SMBSIGN_WIRE_SMB2_CANCEL_H

#include "wire/smb2/common.h"

void smb2_cancel_encode(smb_wr *w);
SMB_WUR smb_status smb2_cancel_decode(smb_rd *r);

#endif
