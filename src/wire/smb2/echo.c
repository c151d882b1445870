/* wire/smb2/echo.c - ECHO (MS-SMB2 2.2.28, 2.2.29); request and response share the layout. */
#include "wire/smb2/echo.h"

void smb2_echo_encode(smb_wr *w)
{
    wr_u16le(w, 4);
    wr_u16le(w, 0);
}

smb_status smb2_echo_decode(smb_rd *r)
{
    smb2_rd_ss(r, 4);
    rd_skip(r, 2);
    return smb2_rd_status(r);
}
