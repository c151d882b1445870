/* wire/smb2/session_setup.h - SESSION_SETUP request/response (MS-SMB2 2.2.5, 2.2.6). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_SESSION_SETUP_H
#define SMBSIGN_WIRE_SMB2_SESSION_SETUP_H

#include "wire/smb2/common.h"

#define SMB2_SESSION_FLAG_BINDING 0x01
#define SMB2_SESSION_FLAG_IS_GUEST 0x0001
#define SMB2_SESSION_FLAG_IS_NULL 0x0002
#define SMB2_SESSION_FLAG_ENCRYPT_DATA 0x0004

struct smb2_session_setup_req {
    uint8_t flags;
    uint8_t security_mode;
    uint32_t capabilities;
    uint32_t channel;
    uint64_t previous_session_id;
    struct smb2_buf security;
};

struct smb2_session_setup_resp {
    uint16_t session_flags;
    struct smb2_buf security;
};

void smb2_session_setup_req_encode(smb_wr *w, const struct smb2_session_setup_req *q);
SMB_WUR smb_status smb2_session_setup_req_decode(smb_rd *r, struct smb2_session_setup_req *q);
void smb2_session_setup_resp_encode(smb_wr *w, const struct smb2_session_setup_resp *s);
SMB_WUR smb_status smb2_session_setup_resp_decode(smb_rd *r, struct smb2_session_setup_resp *s);

#endif
