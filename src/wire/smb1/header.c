/* wire/smb1/header.c - SMB1 header codec (MS-CIFS 2.2.3.1). */
#include <string.h>

#include "wire/smb1/header.h"

smb_status smb1_hdr_decode(smb_rd *r, struct smb1_hdr *h)
{
    const uint8_t *magic = rd_bytes(r, 4);
    h->command = rd_u8(r);
    h->status = rd_u32le(r);
    h->flags = rd_u8(r);
    h->flags2 = rd_u16le(r);
    h->pid_high = rd_u16le(r);
    rd_copy(r, h->signature, 8);
    rd_skip(r, 2); /* Reserved */
    h->tid = rd_u16le(r);
    h->pid_low = rd_u16le(r);
    h->uid = rd_u16le(r);
    h->mid = rd_u16le(r);
    if (!rd_ok(r))
        return r->err;
    if (memcmp(magic, SMB1_MAGIC, 4) != 0) {
        rd_fail(r, SMB_E_MALFORMED);
        return SMB_E_MALFORMED;
    }
    return SMB_OK;
}

void smb1_hdr_encode(smb_wr *w, const struct smb1_hdr *h)
{
    wr_bytes(w, SMB1_MAGIC, 4);
    wr_u8(w, h->command);
    wr_u32le(w, h->status);
    wr_u8(w, h->flags);
    wr_u16le(w, h->flags2);
    wr_u16le(w, h->pid_high);
    wr_bytes(w, h->signature, 8);
    wr_u16le(w, 0);
    wr_u16le(w, h->tid);
    wr_u16le(w, h->pid_low);
    wr_u16le(w, h->uid);
    wr_u16le(w, h->mid);
}
