/* wire/smb2/ioctl.h - IOCTL request/response (MS-SMB2 2.2.31, 2.2.32) and
 * FSCTL_VALIDATE_NEGOTIATE_INFO (2.2.31.4, 2.2.32.6). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_IOCTL_H
#define SMBSIGN_WIRE_SMB2_IOCTL_H

#include "wire/smb2/common.h"

#define SMB2_FSCTL_VALIDATE_NEGOTIATE_INFO 0x00140204u
/* other control codes the server recognises (MS-FSCC 2.3, MS-SMB2 2.2.31) */
#define SMB2_FSCTL_DFS_GET_REFERRALS 0x00060194u
#define SMB2_FSCTL_DFS_GET_REFERRALS_EX 0x000601B0u
#define SMB2_FSCTL_QUERY_NETWORK_INTERFACE_INFO 0x001401FCu
#define SMB2_FSCTL_GET_OBJECT_ID 0x0009009Cu
#define SMB2_FSCTL_GET_COMPRESSION 0x0009003Cu
#define SMB2_FSCTL_SET_COMPRESSION 0x0009C040u
#define SMB2_FSCTL_CREATE_OR_GET_OBJECT_ID 0x000900C0u
#define SMB2_0_IOCTL_IS_FSCTL 0x00000001u
#define SMB2_VNI_MAX_DIALECTS 16

struct smb2_ioctl_req {
    uint32_t ctl_code;
    struct smb2_fileid file_id;
    struct smb2_buf input;
    uint32_t max_input_response;
    uint32_t max_output_response;
    uint32_t flags;
};

struct smb2_ioctl_resp {
    uint32_t ctl_code;
    struct smb2_fileid file_id;
    struct smb2_buf input;
    struct smb2_buf output;
    uint32_t flags;
};

void smb2_ioctl_req_encode(smb_wr *w, const struct smb2_ioctl_req *q);
SMB_WUR smb_status smb2_ioctl_req_decode(smb_rd *r, struct smb2_ioctl_req *q);
/* Output may already sit where it goes (after the 48-byte fixed part and the
 * 8-aligned input): then nothing is copied. With neither input nor output
 * one zero byte stands for the Buffer (StructureSize 49). */
void smb2_ioctl_resp_encode(smb_wr *w, const struct smb2_ioctl_resp *s);
SMB_WUR smb_status smb2_ioctl_resp_decode(smb_rd *r, struct smb2_ioctl_resp *s);

struct smb2_vni_req {
    uint32_t capabilities;
    uint8_t guid[16];
    uint16_t security_mode;
    uint16_t dialect_count;
    uint16_t dialects[SMB2_VNI_MAX_DIALECTS];
};
struct smb2_vni_resp {
    uint32_t capabilities;
    uint8_t guid[16];
    uint16_t security_mode;
    uint16_t dialect;
};
SMB_WUR smb_status smb2_vni_req_encode(const struct smb2_vni_req *v, uint8_t *out, size_t cap, size_t *len);
SMB_WUR smb_status smb2_vni_req_decode(struct smb2_buf b, struct smb2_vni_req *v);
SMB_WUR smb_status smb2_vni_resp_encode(const struct smb2_vni_resp *v, uint8_t out[24]);
SMB_WUR smb_status smb2_vni_resp_decode(struct smb2_buf b, struct smb2_vni_resp *v);

/* FSCTL_QUERY_NETWORK_INTERFACE_INFO output (MS-SMB2 2.2.32.5): one
 * NETWORK_INTERFACE_INFO entry (152 bytes) per address, chained by Next.
 * family: 4 or 6; addr: 4 or 16 bytes, network order. */
#define SMB2_NETIF_ENTRY_LEN 152u
struct smb2_netif {
    uint32_t if_index;
    uint32_t capability; /* RSS 0x1, RDMA 0x2 */
    uint64_t link_speed; /* bits per second */
    int family;
    uint8_t addr[16];
};
SMB_WUR smb_status smb2_netif_encode(const struct smb2_netif *v, int n, uint8_t *out, size_t cap, size_t *len);

#endif
