/* wire/smb2/logoff.c - LOGOFF (MS-SMB2 2.2.7, 2.2.8); request and response share the layout. */
#include "wire/smb2/logoff.h"

void smb2_logoff_encode(smb_wr *w)
{
    wr_u16le(w, 4);
    wr_u16le(w, 0);
}

smb_status smb2_logoff_decode(smb_rd *r)
{
    smb2_rd_ss(r, 4);
    rd_skip(r, 2);
    return smb2_rd_status(r);
}
