/* wire/smb2/error.c - SMB2 ERROR response (MS-SMB2 2.2.2). */
#include "wire/smb2/error.h"

smb_status smb2_error_resp_decode(smb_rd *r, struct smb2_error_resp *e)
{
    smb2_rd_ss(r, 9);
    e->context_count = rd_u8(r);
    rd_skip(r, 1);
    uint32_t bc = rd_u32le(r);
    e->data = smb2_rd_buf(r, rd_offset(r), bc);
    return smb2_rd_status(r);
}

void smb2_error_resp_encode(smb_wr *w, const struct smb2_error_resp *e)
{
    wr_u16le(w, 9);
    wr_u8(w, e->context_count);
    wr_u8(w, 0);
    wr_u32le(w, (uint32_t)e->data.len);
    if (e->data.len)
        wr_bytes(w, e->data.p, e->data.len);
    else
        wr_u8(w, 0); /* ErrorData: at least one byte */
}
