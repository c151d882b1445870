/* wire/smb2/flush.c - FLUSH (MS-SMB2 2.2.17, 2.2.18). */
#include "wire/smb2/flush.h"

void smb2_flush_req_encode(smb_wr *w, const struct smb2_fileid *f)
{
    wr_u16le(w, 24);
    wr_u16le(w, 0);
    wr_u32le(w, 0);
    smb2_wr_fileid(w, f);
}

smb_status smb2_flush_req_decode(smb_rd *r, struct smb2_fileid *f)
{
    smb2_rd_ss(r, 24);
    rd_skip(r, 6);
    smb2_rd_fileid(r, f);
    return smb2_rd_status(r);
}

void smb2_flush_resp_encode(smb_wr *w)
{
    wr_u16le(w, 4);
    wr_u16le(w, 0);
}

smb_status smb2_flush_resp_decode(smb_rd *r)
{
    smb2_rd_ss(r, 4);
    rd_skip(r, 2);
    return smb2_rd_status(r);
}
