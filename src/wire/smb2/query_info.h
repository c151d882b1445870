/*
 * wire/smb2/query_info.h - QUERY_INFO request/response (MS-SMB2 2.2.37,
 * 2.2.38) and the FileAllInformation parser (MS-FSCC 2.4.2) used by stat.
 * See common.h.
 */
#ifndef SMBSIGN_WIRE_SMB2_QUERY_INFO_H
#define SMBSIGN_WIRE_SMB2_QUERY_INFO_H

#include <stdbool.h>

#include "wire/smb2/common.h"

#define SMB2_0_INFO_FILE 0x01
#define SMB2_0_INFO_FILESYSTEM 0x02
#define SMB2_0_INFO_SECURITY 0x03
#define SMB2_0_INFO_QUOTA 0x04

#define SMB2_FILE_BASIC_INFORMATION 4
#define SMB2_FILE_STANDARD_INFORMATION 5
#define SMB2_FILE_RENAME_INFORMATION 10
#define SMB2_FILE_DISPOSITION_INFORMATION 13
#define SMB2_FILE_ALL_INFORMATION 18
#define SMB2_FILE_END_OF_FILE_INFORMATION 20

struct smb2_query_info_req {
    uint8_t info_type;
    uint8_t info_class;
    uint32_t output_buffer_length;
    uint32_t additional_information;
    uint32_t flags;
    struct smb2_fileid file_id;
    struct smb2_buf input;
};

struct smb2_query_info_resp {
    struct smb2_buf output;
};

void smb2_query_info_req_encode(smb_wr *w, const struct smb2_query_info_req *q);
SMB_WUR smb_status smb2_query_info_req_decode(smb_rd *r, struct smb2_query_info_req *q);
/* The output may already sit where it goes (writer position + 8): then
 * nothing is copied. */
void smb2_query_info_resp_encode(smb_wr *w, const struct smb2_query_info_resp *s);
SMB_WUR smb_status smb2_query_info_resp_decode(smb_rd *r, struct smb2_query_info_resp *s);

/* FileBasicInformation + FileStandardInformation parts of FileAllInformation. */
struct smb2_file_all_info {
    uint64_t creation_time, last_access_time, last_write_time, change_time;
    uint32_t file_attributes;
    uint64_t allocation_size, end_of_file;
    uint32_t number_of_links;
    bool delete_pending, directory;
    uint64_t index_number;
};
SMB_WUR smb_status smb2_file_all_info_decode(struct smb2_buf b, struct smb2_file_all_info *out);

#endif
