/* wire/smb2/lock.h - LOCK request/response (MS-SMB2 2.2.26, 2.2.27). The
 * request's SMB2_LOCK_ELEMENT array is returned as an opaque, bounds-checked
 * buffer of lock_count * 24 bytes. See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_LOCK_H
#define SMBSIGN_WIRE_SMB2_LOCK_H

#include "wire/smb2/common.h"

#define SMB2_LOCK_ELEMENT_LEN 24

struct smb2_lock_req {
    uint16_t lock_count;
    uint32_t lock_sequence;
    struct smb2_fileid file_id;
    struct smb2_buf locks; /* lock_count SMB2_LOCK_ELEMENTs */
};

void smb2_lock_req_encode(smb_wr *w, const struct smb2_lock_req *q);
/* Errors: SMB_E_MALFORMED (StructureSize, LockCount 0, elements beyond the
 * message), SMB_E_TRUNCATED. */
SMB_WUR smb_status smb2_lock_req_decode(smb_rd *r, struct smb2_lock_req *q);
void smb2_lock_resp_encode(smb_wr *w);
SMB_WUR smb_status smb2_lock_resp_decode(smb_rd *r);

#endif
