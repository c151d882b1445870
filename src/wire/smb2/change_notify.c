/* wire/smb2/change_notify.c - CHANGE_NOTIFY (MS-SMB2 2.2.35, 2.2.36). */
#include "wire/smb2/change_notify.h"

void smb2_change_notify_req_encode(smb_wr *w, const struct smb2_change_notify_req *q)
{
    wr_u16le(w, 32);
    wr_u16le(w, q->flags);
    wr_u32le(w, q->output_buffer_length);
    smb2_wr_fileid(w, &q->file_id);
    wr_u32le(w, q->completion_filter);
    wr_u32le(w, 0); /* Reserved */
}

smb_status smb2_change_notify_req_decode(smb_rd *r, struct smb2_change_notify_req *q)
{
    smb2_rd_ss(r, 32);
    q->flags = rd_u16le(r);
    q->output_buffer_length = rd_u32le(r);
    smb2_rd_fileid(r, &q->file_id);
    q->completion_filter = rd_u32le(r);
    rd_skip(r, 4);
    return smb2_rd_status(r);
}

void smb2_change_notify_resp_encode(smb_wr *w, const struct smb2_change_notify_resp *s)
{
    smb2_out9_encode(w, s->output);
}

smb_status smb2_change_notify_resp_decode(smb_rd *r, struct smb2_change_notify_resp *s)
{
    smb2_out9_decode(r, &s->output);
    return smb2_rd_status(r);
}
