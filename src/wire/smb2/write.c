/* wire/smb2/write.c - WRITE (MS-SMB2 2.2.21, 2.2.22). */
#include "wire/smb2/write.h"

void smb2_write_req_encode_hdr(smb_wr *w, const struct smb2_write_req *q)
{
    if (q->data.len > 0xFFFFFFFFu) {
        wr_fail(w, SMB_E_OVERFLOW);
        return;
    }
    wr_u16le(w, 49);
    wr_u16le(w, SMB2_WRITE_DATA_OFFSET);
    wr_u32le(w, (uint32_t)q->data.len);
    wr_u64le(w, q->offset);
    smb2_wr_fileid(w, &q->file_id);
    wr_u32le(w, 0); /* Channel */
    wr_u32le(w, q->remaining_bytes);
    wr_u16le(w, 0);
    wr_u16le(w, 0);
    wr_u32le(w, q->flags);
}

void smb2_write_req_encode(smb_wr *w, const struct smb2_write_req *q)
{
    smb2_write_req_encode_hdr(w, q);
    if (q->data.len)
        wr_bytes(w, q->data.p, q->data.len);
    else
        wr_u8(w, 0);
}

smb_status smb2_write_req_decode(smb_rd *r, struct smb2_write_req *q)
{
    smb2_rd_ss(r, 49);
    uint16_t off = rd_u16le(r);
    uint32_t len = rd_u32le(r);
    q->offset = rd_u64le(r);
    smb2_rd_fileid(r, &q->file_id);
    rd_skip(r, 4);
    q->remaining_bytes = rd_u32le(r);
    rd_skip(r, 4);
    q->flags = rd_u32le(r);
    q->data = smb2_rd_buf(r, off, len);
    return smb2_rd_status(r);
}

void smb2_write_resp_encode(smb_wr *w, const struct smb2_write_resp *s)
{
    wr_u16le(w, 17);
    wr_u16le(w, 0);
    wr_u32le(w, s->count);
    wr_u32le(w, s->remaining);
    wr_u16le(w, 0); /* WriteChannelInfoOffset */
    wr_u16le(w, 0); /* WriteChannelInfoLength */
    wr_u8(w, 0);    /* StructureSize 17: one byte of Buffer */
}

smb_status smb2_write_resp_decode(smb_rd *r, struct smb2_write_resp *s)
{
    smb2_rd_ss(r, 17);
    rd_skip(r, 2);
    s->count = rd_u32le(r);
    s->remaining = rd_u32le(r);
    rd_skip(r, 4);
    return smb2_rd_status(r);
}
