/* wire/smb2/echo.h - ECHO (MS-SMB2 2.2.28, 2.2.29): a 4-byte body (StructureSize 4, Reserved). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_ECHO_H
#define SMBSIGN_WIRE_SMB2_ECHO_H

#include "wire/smb2/common.h"

void smb2_echo_encode(smb_wr *w);
SMB_WUR smb_status smb2_echo_decode(smb_rd *r);

#endif
