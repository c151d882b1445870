/* wire/smb2/oplock_break.h - oplock break notification, acknowledgment and
 * response (MS-SMB2 2.2.23.1, 2.2.24.1, 2.2.25.1: same 24-byte layout) and
 * the lease break notification, acknowledgment and response (2.2.23.2,
 * 2.2.24.2, 2.2.25.2: 44, 36, 36 bytes). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_OPLOCK_BREAK_H
#define SMBSIGN_WIRE_SMB2_OPLOCK_BREAK_H

#include <stdbool.h>

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

/* Lease states (MS-SMB2 2.2.13.2.8) and break flags (2.2.23.2) */
#define SMB2_LEASE_READ_CACHING 0x01u
#define SMB2_LEASE_HANDLE_CACHING 0x02u
#define SMB2_LEASE_WRITE_CACHING 0x04u
#define SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED 0x01u

/* Lease Break Notification (server to client, 44 bytes) */
struct smb2_lease_break {
    uint16_t new_epoch;
    uint32_t flags;
    uint8_t lease_key[16];
    uint32_t current_state, new_state;
};
void smb2_lease_break_encode(smb_wr *w, const struct smb2_lease_break *b);
SMB_WUR smb_status smb2_lease_break_decode(smb_rd *r, struct smb2_lease_break *b);

/* Lease Break Acknowledgment / Response (36 bytes, same layout) */
struct smb2_lease_ack {
    uint32_t flags;
    uint8_t lease_key[16];
    uint32_t lease_state;
};
void smb2_lease_ack_encode(smb_wr *w, const struct smb2_lease_ack *a);

/* Either acknowledgment (the request of command OPLOCK_BREAK): is_lease
 * tells which member is set. StructureSize other than 24 or 36 is malformed. */
struct smb2_break_ack {
    bool is_lease;
    struct smb2_oplock_break oplock;
    struct smb2_lease_ack lease;
};
SMB_WUR smb_status smb2_break_ack_decode(smb_rd *r, struct smb2_break_ack *a);

#endif
