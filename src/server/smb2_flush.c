/* server/smb2_flush.c - FLUSH (MS-SMB2 3.3.5.11). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/smb2_open.h"
#include "wire/smb2/flush.h"

smb_status srv_cmd_flush(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct smb2_fileid fid;
    if (smb2_flush_req_decode(&rq->body, &fid) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    struct srv_open *o = srv_open_find(c, rq, fid);
    if (!o)
        return SMB_E_FILE_CLOSED;
    if (o->writable && rq->may_defer && srv_io_defer(c, rq, o, 0, 0, 0, NULL) == SMB_OK)
        return SMB_E_PENDING; /* the fsync runs as a job (session_io.c) */
    smb_status st = o->writable ? srv_fh_sync(o->fh, false) : SMB_OK;
    if (st != SMB_OK)
        return st;
    smb2_flush_resp_encode(w);
    rq->body_written = true;
    return SMB_OK;
}

