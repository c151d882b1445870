/* server/smb2_read.c - READ (MS-SMB2 3.3.5.12). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/smb2_open.h"
#include "wire/smb2/read.h"

/* ------------------------------------------------------------------ */
/* READ / WRITE (MS-SMB2 3.3.5.12 / 3.3.5.13)                            */

smb_status srv_cmd_read(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct smb2_read_req q;
    if (smb2_read_req_decode(&rq->body, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    uint32_t length = q.length, mincount = q.minimum_count;
    uint64_t offset = q.offset;
    struct srv_open *o = srv_open_find(c, rq, q.file_id);
    if (!o)
        return SMB_E_FILE_CLOSED;
    if (length > c->ctx->cfg.max_io || srv_check_charge(c, rq, length) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    if (o->is_dir)
        return SMB_E_INVALID_DEVICE_REQUEST;
    if (!(o->access & (SMB2_FILE_READ_DATA | SMB2_FILE_EXECUTE)))
        return SMB_E_ACCESS_DENIED;
    if (offset > INT64_MAX)
        return SMB_E_INVALID_PARAMETER;
    /* MS-FSA 2.1.4.10: another open's exclusive lock (one atomic load when
     * the file has no locks) */
    smb_status lk = srv_brl_io_check(o, offset, length, false);
    if (lk != SMB_OK)
        return lk;
    /* MS-SMB2 2.2.20: the data is read in place at DataOffset 0x50 (header
     * + 16-byte fixed part); the encoder then writes around it, no copy */
    uint8_t *dst = w->p + w->off + SMB2_READ_RESP_FIXED;
    if (!wr_ok(w) || w->cap < w->off + SMB2_READ_RESP_FIXED || w->cap - w->off - SMB2_READ_RESP_FIXED < length)
        return SMB_E_INTERNAL_ERROR;
    size_t got = 0;
    smb_status e = SMB_E_PENDING; /* not read yet */
    if (rq->may_defer) {
        /* Data in the page cache is read here and answered at once, as
         * without I/O threads (a hand-off would only add latency); a read
         * that would wait for the disk becomes a job (session_io.c). With
         * "async io after = 0" every READ is a job. */
        if (c->io_async_after > 0 && o->jobs == 0) /* else it queues behind them */
            e = srv_fh_pread(o->fh, dst, length, offset, SRV_IO_NOWAIT, &got);
        if (e == SMB_E_PENDING && srv_io_defer(c, rq, o, offset, length, mincount, NULL) == SMB_OK)
            return SMB_E_PENDING;
    }
    if (e == SMB_E_PENDING) {
        size_t more = 0;
        e = srv_fh_pread(o->fh, dst + got, length - got, offset + got, 0, &more);
        got += more;
    }
    if (e != SMB_OK)
        return e;
    if (got == 0 && length > 0)
        return SMB_E_END_OF_FILE;
    if (got < mincount)
        return SMB_E_END_OF_FILE;
    o->position = offset + got;
    const struct smb2_read_resp resp = {0, {dst, got}};
    smb2_read_resp_encode(w, &resp);
    rq->body_written = true;
    return SMB_OK;
}

