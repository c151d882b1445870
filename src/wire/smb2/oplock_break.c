/* wire/smb2/oplock_break.c - OPLOCK_BREAK (MS-SMB2 2.2.23.1, 2.2.24.1, 2.2.25.1). */
#include "wire/smb2/oplock_break.h"

void smb2_oplock_break_encode(smb_wr *w, const struct smb2_oplock_break *b)
{
    wr_u16le(w, 24);
    wr_u8(w, b->oplock_level);
    wr_u8(w, 0);
    wr_u32le(w, 0);
    smb2_wr_fileid(w, &b->file_id);
}

smb_status smb2_oplock_break_decode(smb_rd *r, struct smb2_oplock_break *b)
{
    uint16_t ss = rd_u16le(r);
    if (rd_ok(r) && ss == 44)
        return SMB_E_NOT_SUPPORTED;
    if (rd_ok(r) && ss != 24)
        rd_fail(r, SMB_E_MALFORMED);
    b->oplock_level = rd_u8(r);
    rd_skip(r, 5);
    smb2_rd_fileid(r, &b->file_id);
    return smb2_rd_status(r);
}
