/* wire/smb2/oplock_break.h - oplock break notification, acknowledgment and
 * response (MS-SMB2 2.2.23.1, 2.2.24.1, 2.2.25.1: same 24-byte layout). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_OPLOCK_BREAK_H
#define SMBSIGN_WIRE_SMB2_OPLOCK_BREAK_H

#include "wire/smb2/common.h"

#define SMB2_OPLOCK_LEVEL_NONE 0x00
#define SMB2_OPLOCK_LEVEL_II 0x01
#define SMB2_OPLOCK_LEVEL_EXCLUSIVE 0x08
#define SMB2_OPLOCK_LEVEL_BATCH 0x09
#define SMB2_OPLOCK_LEVEL_LEASE 0xFF

struct smb2_oplock_break {
    uint8_t oplock_level;
    struct smb2_fileid file_id;
};

void smb2_oplock_break_encode(smb_wr *w, const struct smb2_oplock_break *b);
/* Lease breaks (StructureSize 44) are reported as SMB_E_NOT_SUPPORTED. */
SMB_WUR smb_status smb2_oplock_break_decode(smb_rd *r, struct smb2_oplock_break *b);

#endif
