/* wire/smb2/lock.c - LOCK (MS-SMB2 2.2.26, 2.2.27). */
#include "wire/smb2/lock.h"

void smb2_lock_req_encode(smb_wr *w, const struct smb2_lock_req *q)
{
    if (q->lock_count == 0 || q->locks.len != (size_t)q->lock_count * SMB2_LOCK_ELEMENT_LEN) {
        wr_fail(w, SMB_E_BAD_ARGUMENT);
        return;
    }
    wr_u16le(w, 48);
    wr_u16le(w, q->lock_count);
    wr_u32le(w, q->lock_sequence);
    smb2_wr_fileid(w, &q->file_id);
    wr_bytes(w, q->locks.p, q->locks.len);
}

smb_status smb2_lock_req_decode(smb_rd *r, struct smb2_lock_req *q)
{
    smb2_rd_ss(r, 48);
    q->lock_count = rd_u16le(r);
    q->lock_sequence = rd_u32le(r);
    smb2_rd_fileid(r, &q->file_id);
    if (rd_ok(r) && q->lock_count == 0)
        rd_fail(r, SMB_E_MALFORMED);
    q->locks = smb2_rd_buf(r, rd_offset(r), (uint64_t)q->lock_count * SMB2_LOCK_ELEMENT_LEN);
    return smb2_rd_status(r);
}

void smb2_lock_resp_encode(smb_wr *w)
{
    wr_u16le(w, 4);
    wr_u16le(w, 0);
}

smb_status smb2_lock_resp_decode(smb_rd *r)
{
    smb2_rd_ss(r, 4);
    rd_skip(r, 2);
    return smb2_rd_status(r);
}
