/*
 * wire/smb1/trans2.h - SMB_COM_TRANSACTION2 (MS-CIFS 2.2.4.46) request and
 * response framing, single-fragment only: a request whose parameters or data
 * do not arrive whole (TotalCount != Count, secondary requests) is refused.
 * Parameter and data blocks must lie inside the block's Bytes; SetupCount
 * must match WordCount (14 + SetupCount). Views point into the message.
 */
#ifndef SMBSIGN_WIRE_SMB1_TRANS2_H
#define SMBSIGN_WIRE_SMB1_TRANS2_H

#include "wire/smb1/msg.h"

/* MS-CIFS 2.2.6 subcommands */
#define TRANS2_FIND_FIRST2 0x0001
#define TRANS2_FIND_NEXT2 0x0002
#define TRANS2_QUERY_FS_INFORMATION 0x0003
#define TRANS2_QUERY_PATH_INFORMATION 0x0005
#define TRANS2_SET_PATH_INFORMATION 0x0006
#define TRANS2_QUERY_FILE_INFORMATION 0x0007
#define TRANS2_SET_FILE_INFORMATION 0x0008
#define TRANS2_GET_DFS_REFERRAL 0x0010

#define SMB1_TRANS2_MAX_SETUP 4

struct smb1_trans2_req {
    uint16_t total_param, total_data, max_param, max_data;
    uint8_t setup_count;
    uint16_t setup[SMB1_TRANS2_MAX_SETUP];
    const uint8_t *param;
    uint16_t param_len;
    const uint8_t *data;
    uint16_t data_len;
};

/* msg/len: the whole message (offsets are from the header start). */
SMB_WUR smb_status smb1_trans2_req_decode(const uint8_t *msg, size_t len, const struct smb1_block *b,
                                  struct smb1_trans2_req *q);
/* Encode a request with one setup word (the subcommand). */
SMB_WUR smb_status smb1_trans2_req_encode(smb_wr *w, size_t hdr_off, uint16_t subcommand, const uint8_t *param,
                                  uint16_t plen, const uint8_t *data, uint16_t dlen, uint16_t max_data);
/* Encode a response (no setup words); parameters and data 4-byte aligned. */
SMB_WUR smb_status smb1_trans2_rsp_encode(smb_wr *w, size_t hdr_off, const uint8_t *param, uint16_t plen,
                                  const uint8_t *data, uint16_t dlen);
/* Decode a response's parameter and data views. */
SMB_WUR smb_status smb1_trans2_rsp_decode(const uint8_t *msg, size_t len, const struct smb1_block *b,
                                  const uint8_t **param, uint16_t *plen, const uint8_t **data,
                                  uint16_t *dlen);

#endif
