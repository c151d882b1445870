/*
 * wire/smb2/query_directory.h - QUERY_DIRECTORY request/response (MS-SMB2
 * 2.2.33, 2.2.34) and parsing of the directory information classes it
 * returns (MS-FSCC 2.4.10, 2.4.8, 2.4.14, 2.4.17, 2.4.28). See common.h.
 */
#ifndef SMBSIGN_WIRE_SMB2_QUERY_DIRECTORY_H
#define SMBSIGN_WIRE_SMB2_QUERY_DIRECTORY_H

#include <stdbool.h>

#include "wire/smb2/common.h"

#define SMB2_FILE_DIRECTORY_INFORMATION 0x01
#define SMB2_FILE_FULL_DIRECTORY_INFORMATION 0x02
#define SMB2_FILE_BOTH_DIRECTORY_INFORMATION 0x03
#define SMB2_FILE_NAMES_INFORMATION 0x0C
#define SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION 0x25
#define SMB2_FILE_ID_FULL_DIRECTORY_INFORMATION 0x26

#define SMB2_RESTART_SCANS 0x01
#define SMB2_RETURN_SINGLE_ENTRY 0x02
#define SMB2_INDEX_SPECIFIED 0x04
#define SMB2_REOPEN 0x10

struct smb2_query_directory_req {
    uint8_t info_class;
    uint8_t flags;
    uint32_t file_index;
    struct smb2_fileid file_id;
    struct smb2_buf pattern; /* UTF-16LE, e.g. "*" */
    uint32_t output_buffer_length;
};

struct smb2_query_directory_resp {
    struct smb2_buf output;
};

void smb2_query_directory_req_encode(smb_wr *w, const struct smb2_query_directory_req *q);
SMB_WUR smb_status smb2_query_directory_req_decode(smb_rd *r, struct smb2_query_directory_req *q);
/* The output may already sit where it goes (writer position + 8): then
 * nothing is copied. */
void smb2_query_directory_resp_encode(smb_wr *w, const struct smb2_query_directory_resp *s);
SMB_WUR smb_status smb2_query_directory_resp_decode(smb_rd *r, struct smb2_query_directory_resp *s);

/* One directory entry, whatever the class (fields a class lacks stay 0). */
struct smb2_dirent {
    uint32_t file_index;
    uint64_t creation_time, last_access_time, last_write_time, change_time;
    uint64_t end_of_file, allocation_size;
    uint32_t file_attributes;
    uint32_t ea_size;
    struct smb2_buf short_name; /* UTF-16LE */
    uint64_t file_id;
    struct smb2_buf name; /* UTF-16LE */
};

/* Iterator over an output buffer: init with the buffer, call next until it
 * returns SMB_E_NO_MORE_FILES. Every NextEntryOffset and name length is
 * checked against the buffer; a loop (offset 0 before the end is "last") or
 * misaligned offset is SMB_E_MALFORMED. */
struct smb2_dir_iter {
    smb_rd r;
    uint8_t info_class;
    bool done;
};
void smb2_dir_iter_init(struct smb2_dir_iter *it, uint8_t info_class, struct smb2_buf output);
SMB_WUR smb_status smb2_dir_iter_next(struct smb2_dir_iter *it, struct smb2_dirent *e);
/* Server side: append one entry of the given class at *off in out (8-byte
 * aligned, NextEntryOffset of the previous entry patched by the caller via
 * the returned start offset). */
SMB_WUR smb_status smb2_dirent_encode(uint8_t info_class, const struct smb2_dirent *e, uint8_t *out, size_t cap, size_t *off,
                              size_t *start);

#endif
