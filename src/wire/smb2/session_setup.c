/* wire/smb2/session_setup.c - SESSION_SETUP (MS-SMB2 2.2.5, 2.2.6). */
#include "wire/smb2/session_setup.h"

void smb2_session_setup_req_encode(smb_wr *w, const struct smb2_session_setup_req *q)
{
    wr_u16le(w, 25);
    wr_u8(w, q->flags);
    wr_u8(w, q->security_mode);
    wr_u32le(w, q->capabilities);
    wr_u32le(w, q->channel);
    wr_u16le(w, (uint16_t)(SMB2_HDR_LEN + 24));
    wr_u16le(w, (uint16_t)q->security.len);
    wr_u64le(w, q->previous_session_id);
    if (q->security.len > 0xFFFF)
        wr_fail(w, SMB_E_OVERFLOW);
    else
        wr_bytes(w, q->security.p, q->security.len);
}

smb_status smb2_session_setup_req_decode(smb_rd *r, struct smb2_session_setup_req *q)
{
    smb2_rd_ss(r, 25);
    q->flags = rd_u8(r);
    q->security_mode = rd_u8(r);
    q->capabilities = rd_u32le(r);
    q->channel = rd_u32le(r);
    uint16_t off = rd_u16le(r), len = rd_u16le(r);
    q->previous_session_id = rd_u64le(r);
    q->security = smb2_rd_buf(r, off, len);
    return smb2_rd_status(r);
}

void smb2_session_setup_resp_encode(smb_wr *w, const struct smb2_session_setup_resp *s)
{
    wr_u16le(w, 9);
    wr_u16le(w, s->session_flags);
    wr_u16le(w, s->security.len ? (uint16_t)(SMB2_HDR_LEN + 8) : 0);
    wr_u16le(w, (uint16_t)s->security.len);
    if (s->security.len > 0xFFFF)
        wr_fail(w, SMB_E_OVERFLOW);
    else if (s->security.len)
        wr_bytes(w, s->security.p, s->security.len);
    else
        wr_u8(w, 0);
}

smb_status smb2_session_setup_resp_decode(smb_rd *r, struct smb2_session_setup_resp *s)
{
    smb2_rd_ss(r, 9);
    s->session_flags = rd_u16le(r);
    uint16_t off = rd_u16le(r), len = rd_u16le(r);
    s->security = smb2_rd_buf(r, off, len);
    return smb2_rd_status(r);
}
