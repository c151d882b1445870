/* wire/smb2/tree_connect.h - TREE_CONNECT (2.2.9, 2.2.10) and TREE_DISCONNECT (2.2.11, 2.2.12). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_TREE_CONNECT_H
#define SMBSIGN_WIRE_SMB2_TREE_CONNECT_H

#include "wire/smb2/common.h"

#define SMB2_SHARE_TYPE_DISK 0x01
#define SMB2_SHARE_TYPE_PIPE 0x02
#define SMB2_SHARE_TYPE_PRINT 0x03
#define SMB2_SHAREFLAG_NO_CACHING 0x00000030u
#define SMB2_SHAREFLAG_ENCRYPT_DATA 0x00008000u

struct smb2_tree_connect_req {
    uint16_t flags;
    struct smb2_buf path; /* UTF-16LE \\server\share */
};

struct smb2_tree_connect_resp {
    uint8_t share_type;
    uint32_t share_flags;
    uint32_t capabilities;
    uint32_t maximal_access;
};

void smb2_tree_connect_req_encode(smb_wr *w, const struct smb2_tree_connect_req *q);
SMB_WUR smb_status smb2_tree_connect_req_decode(smb_rd *r, struct smb2_tree_connect_req *q);
void smb2_tree_connect_resp_encode(smb_wr *w, const struct smb2_tree_connect_resp *s);
SMB_WUR smb_status smb2_tree_connect_resp_decode(smb_rd *r, struct smb2_tree_connect_resp *s);
/* TREE_DISCONNECT request and response: 4-byte body. */
void smb2_tree_disconnect_encode(smb_wr *w);
SMB_WUR smb_status smb2_tree_disconnect_decode(smb_rd *r);

#endif
