/* wire/smb2/logoff.h - LOGOFF (MS-SMB2 2.2.7, 2.2.8): a 4-byte body (StructureSize 4, Reserved). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_LOGOFF_H
#define SMBSIGN_WIRE_SMB2_LOGOFF_H

#include "wire/smb2/common.h"

void smb2_logoff_encode(smb_wr *w);
SMB_WUR smb_status smb2_logoff_decode(smb_rd *r);

#endif
