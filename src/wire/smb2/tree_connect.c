/* wire/smb2/tree_connect.c - TREE_CONNECT / TREE_DISCONNECT (MS-SMB2 2.2.9 - 2.2.12). */
#include "wire/smb2/tree_connect.h"

void smb2_tree_connect_req_encode(smb_wr *w, const struct smb2_tree_connect_req *q)
{
    wr_u16le(w, 9);
    wr_u16le(w, q->flags);
    wr_u16le(w, (uint16_t)(SMB2_HDR_LEN + 8));
    wr_u16le(w, (uint16_t)q->path.len);
    if (q->path.len > 0xFFFF)
        wr_fail(w, SMB_E_OVERFLOW);
    else
        wr_bytes(w, q->path.p, q->path.len);
}

smb_status smb2_tree_connect_req_decode(smb_rd *r, struct smb2_tree_connect_req *q)
{
    smb2_rd_ss(r, 9);
    q->flags = rd_u16le(r);
    uint16_t off = rd_u16le(r), len = rd_u16le(r);
    q->path = smb2_rd_buf(r, off, len);
    return smb2_rd_status(r);
}

void smb2_tree_connect_resp_encode(smb_wr *w, const struct smb2_tree_connect_resp *s)
{
    wr_u16le(w, 16);
    wr_u8(w, s->share_type);
    wr_u8(w, 0);
    wr_u32le(w, s->share_flags);
    wr_u32le(w, s->capabilities);
    wr_u32le(w, s->maximal_access);
}

smb_status smb2_tree_connect_resp_decode(smb_rd *r, struct smb2_tree_connect_resp *s)
{
    smb2_rd_ss(r, 16);
    s->share_type = rd_u8(r);
    rd_skip(r, 1);
    s->share_flags = rd_u32le(r);
    s->capabilities = rd_u32le(r);
    s->maximal_access = rd_u32le(r);
    return smb2_rd_status(r);
}

void smb2_tree_disconnect_encode(smb_wr *w)
{
    wr_u16le(w, 4);
    wr_u16le(w, 0);
}

smb_status smb2_tree_disconnect_decode(smb_rd *r)
{
    smb2_rd_ss(r, 4);
    rd_skip(r, 2);
    return smb2_rd_status(r);
}
