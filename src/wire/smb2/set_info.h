/* wire/smb2/set_info.h - SET_INFO request/response (MS-SMB2 2.2.39, 2.2.40) and
 * the info buffers smbsign sets (MS-FSCC 2.4.42.2 rename, 2.4.11 disposition,
 * 2.4.14 end of file, 2.4.7 basic). See common.h. */
#ifndef SMBSIGN_WIRE_SMB2_SET_INFO_H
#define SMBSIGN_WIRE_SMB2_SET_INFO_H

#include <stdbool.h>

#include "wire/smb2/common.h"

struct smb2_set_info_req {
    uint8_t info_type;
    uint8_t info_class;
    uint32_t additional_information;
    struct smb2_fileid file_id;
    struct smb2_buf buffer;
};

void smb2_set_info_req_encode(smb_wr *w, const struct smb2_set_info_req *q);
SMB_WUR smb_status smb2_set_info_req_decode(smb_rd *r, struct smb2_set_info_req *q);
void smb2_set_info_resp_encode(smb_wr *w);
SMB_WUR smb_status smb2_set_info_resp_decode(smb_rd *r);

/* Info buffers (written into out, length in *len). */
SMB_WUR smb_status smb2_rename_info_encode(bool replace, struct smb2_buf new_name_u16, uint8_t *out, size_t cap, size_t *len);
SMB_WUR smb_status smb2_rename_info_decode(struct smb2_buf b, bool *replace, struct smb2_buf *new_name_u16);
void smb2_disposition_info_encode(bool delete_pending, uint8_t out[1]);
void smb2_eof_info_encode(uint64_t eof, uint8_t out[8]);
/* FileBasicInformation: times as FILETIME, 0 = leave unchanged. */
void smb2_basic_info_encode(uint64_t ctime, uint64_t atime, uint64_t wtime, uint64_t chtime, uint32_t attrs,
                            uint8_t out[40]);

#endif
