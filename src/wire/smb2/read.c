/* wire/smb2/read.c - READ (MS-SMB2 2.2.19, 2.2.20). */
#include "wire/smb2/read.h"

void smb2_read_req_encode(smb_wr *w, const struct smb2_read_req *q)
{
    wr_u16le(w, 49);
    wr_u8(w, q->padding);
    wr_u8(w, q->flags);
    wr_u32le(w, q->length);
    wr_u64le(w, q->offset);
    smb2_wr_fileid(w, &q->file_id);
    wr_u32le(w, q->minimum_count);
    wr_u32le(w, 0); /* Channel: none */
    wr_u32le(w, q->remaining_bytes);
    wr_u16le(w, 0);
    wr_u16le(w, 0);
    wr_u8(w, 0); /* Buffer: one byte */
}

smb_status smb2_read_req_decode(smb_rd *r, struct smb2_read_req *q)
{
    smb2_rd_ss(r, 49);
    q->padding = rd_u8(r);
    q->flags = rd_u8(r);
    q->length = rd_u32le(r);
    q->offset = rd_u64le(r);
    smb2_rd_fileid(r, &q->file_id);
    q->minimum_count = rd_u32le(r);
    rd_skip(r, 4);
    q->remaining_bytes = rd_u32le(r);
    rd_skip(r, 4);
    return smb2_rd_status(r);
}

void smb2_read_resp_encode(smb_wr *w, const struct smb2_read_resp *s)
{
    wr_u16le(w, 17);
    wr_u8(w, SMB2_HDR_LEN + SMB2_READ_RESP_FIXED); /* DataOffset 0x50 even for no data (as Windows and Samba) */
    wr_u8(w, 0);
    wr_u32le(w, (uint32_t)s->data.len);
    wr_u32le(w, s->data_remaining);
    wr_u32le(w, 0);
    if (s->data.len)
        wr_bytes(w, s->data.p, s->data.len);
    else
        wr_u8(w, 0);
}

smb_status smb2_read_resp_decode(smb_rd *r, struct smb2_read_resp *s)
{
    smb2_rd_ss(r, 17);
    uint8_t off = rd_u8(r);
    rd_skip(r, 1);
    uint32_t len = rd_u32le(r);
    s->data_remaining = rd_u32le(r);
    rd_skip(r, 4);
    s->data = smb2_rd_buf(r, off, len);
    return smb2_rd_status(r);
}
