/* wire/smb2/oplock_break.c - OPLOCK_BREAK (MS-SMB2 2.2.23.1, 2.2.24.1, 2.2.25.1;
 * leases 2.2.23.2, 2.2.24.2, 2.2.25.2). */
#include "wire/smb2/oplock_break.h"

#include <string.h>

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

void smb2_lease_break_encode(smb_wr *w, const struct smb2_lease_break *b)
{
    wr_u16le(w, 44);
    wr_u16le(w, b->new_epoch);
    wr_u32le(w, b->flags);
    wr_bytes(w, b->lease_key, 16);
    wr_u32le(w, b->current_state);
    wr_u32le(w, b->new_state);
    wr_zero(w, 12); /* BreakReason, AccessMaskHint, ShareMaskHint: MUST be 0 */
}

smb_status smb2_lease_break_decode(smb_rd *r, struct smb2_lease_break *b)
{
    if (rd_u16le(r) != 44 && rd_ok(r))
        rd_fail(r, SMB_E_MALFORMED);
    b->new_epoch = rd_u16le(r);
    b->flags = rd_u32le(r);
    const uint8_t *k = rd_bytes(r, 16);
    if (k)
        memcpy(b->lease_key, k, 16);
    b->current_state = rd_u32le(r);
    b->new_state = rd_u32le(r);
    rd_skip(r, 12);
    return smb2_rd_status(r);
}

void smb2_lease_ack_encode(smb_wr *w, const struct smb2_lease_ack *a)
{
    wr_u16le(w, 36);
    wr_u16le(w, 0);
    wr_u32le(w, a->flags);
    wr_bytes(w, a->lease_key, 16);
    wr_u32le(w, a->lease_state);
    wr_zero(w, 8); /* LeaseDuration: 0 */
}

smb_status smb2_break_ack_decode(smb_rd *r, struct smb2_break_ack *a)
{
    memset(a, 0, sizeof *a);
    smb_rd peek = *r;
    uint16_t ss = rd_u16le(&peek);
    if (!rd_ok(&peek))
        return smb2_rd_status(&peek);
    if (ss == 24)
        return smb2_oplock_break_decode(r, &a->oplock);
    if (ss != 36)
        return SMB_E_MALFORMED;
    a->is_lease = true;
    rd_skip(r, 4); /* StructureSize, Reserved */
    a->lease.flags = rd_u32le(r);
    const uint8_t *k = rd_bytes(r, 16);
    if (k)
        memcpy(a->lease.lease_key, k, 16);
    a->lease.lease_state = rd_u32le(r);
    rd_skip(r, 8); /* LeaseDuration */
    return smb2_rd_status(r);
}
