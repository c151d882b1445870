/* wire/smb2/close.c - CLOSE (MS-SMB2 2.2.15, 2.2.16). */
#include "wire/smb2/close.h"

void smb2_close_req_encode(smb_wr *w, const struct smb2_close_req *q)
{
    wr_u16le(w, 24);
    wr_u16le(w, q->flags);
    wr_u32le(w, 0);
    smb2_wr_fileid(w, &q->file_id);
}

smb_status smb2_close_req_decode(smb_rd *r, struct smb2_close_req *q)
{
    smb2_rd_ss(r, 24);
    q->flags = rd_u16le(r);
    rd_skip(r, 4);
    smb2_rd_fileid(r, &q->file_id);
    return smb2_rd_status(r);
}

void smb2_close_resp_encode(smb_wr *w, const struct smb2_close_resp *s)
{
    wr_u16le(w, 60);
    wr_u16le(w, s->flags);
    wr_u32le(w, 0);
    wr_u64le(w, s->creation_time);
    wr_u64le(w, s->last_access_time);
    wr_u64le(w, s->last_write_time);
    wr_u64le(w, s->change_time);
    wr_u64le(w, s->allocation_size);
    wr_u64le(w, s->end_of_file);
    wr_u32le(w, s->file_attributes);
}

smb_status smb2_close_resp_decode(smb_rd *r, struct smb2_close_resp *s)
{
    smb2_rd_ss(r, 60);
    s->flags = rd_u16le(r);
    rd_skip(r, 4);
    s->creation_time = rd_u64le(r);
    s->last_access_time = rd_u64le(r);
    s->last_write_time = rd_u64le(r);
    s->change_time = rd_u64le(r);
    s->allocation_size = rd_u64le(r);
    s->end_of_file = rd_u64le(r);
    s->file_attributes = rd_u32le(r);
    return smb2_rd_status(r);
}
