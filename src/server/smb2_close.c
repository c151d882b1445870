/* server/smb2_close.c - CLOSE (MS-SMB2 3.3.5.10). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/smb2_open.h"
#include "wire/smb2/close.h"

/* ------------------------------------------------------------------ */
/* CLOSE, FLUSH, LOCK                                                    */

smb_status srv_cmd_close(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct smb2_close_req q;
    if (smb2_close_req_decode(&rq->body, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    uint16_t flags = q.flags;
    struct srv_open *o = srv_open_find(c, rq, q.file_id);
    if (!o)
        return SMB_E_FILE_CLOSED;
    struct srv_attr sb;
    bool have = (flags & 1) && srv_fh_fstat(o->fh, &sb) == SMB_OK;
    srv_open_close(c, o);
    struct smb2_close_resp resp = {0};
    if (have) {
        resp.flags = SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB;
        SRV_FILE_TIMES(&sb, resp);
        resp.allocation_size = srv_alloc_of(&sb);
        resp.end_of_file = srv_eof_of(&sb);
        resp.file_attributes = srv_attrs_of(&sb);
    }
    smb2_close_resp_encode(w, &resp);
    rq->body_written = true;
    return SMB_OK;
}

