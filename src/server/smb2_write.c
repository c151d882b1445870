/* server/smb2_write.c - WRITE (MS-SMB2 3.3.5.13). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/smb2_open.h"
#include "wire/smb2/write.h"

smb_status srv_cmd_write(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct smb2_write_req q;
    if (smb2_write_req_decode(&rq->body, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    struct srv_open *o = srv_open_find(c, rq, q.file_id);
    if (!o)
        return SMB_E_FILE_CLOSED;
    if (q.data.len > c->ctx->cfg.max_io || srv_check_charge(c, rq, q.data.len) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    uint32_t length = (uint32_t)q.data.len;
    uint64_t offset = q.offset;
    const uint8_t *data = q.data.p;
    if (rq->tree->read_only)
        return SMB_E_ACCESS_DENIED;
    if (o->is_dir)
        return SMB_E_INVALID_DEVICE_REQUEST;
    if (!o->writable || !(o->access & (SMB2_FILE_WRITE_DATA | SMB2_FILE_APPEND_DATA)))
        return SMB_E_ACCESS_DENIED;
    if (offset != UINT64_MAX && offset > INT64_MAX - (uint64_t)length)
        return SMB_E_INVALID_PARAMETER;
    if (o->brl && length && srv_brl_has_locks(o->brl)) {
        /* MS-FSA 2.1.4.10: a shared lock of any open or another open's
         * exclusive lock; an append is placed first, to know its range */
        struct srv_attr sb;
        smb_status st = offset == UINT64_MAX ? srv_fh_fstat(o->fh, &sb) : SMB_OK;
        if (st != SMB_OK)
            return st;
        if (offset == UINT64_MAX && (offset = sb.size) > INT64_MAX - (uint64_t)length)
            return SMB_E_INVALID_PARAMETER;
        if ((st = srv_brl_io_check(o, offset, length, true)) != SMB_OK)
            return st;
    }
    srv_lease_break_on_write(c, o); /* others' level II oplocks and R leases (smb2_lease.c) */
    /* A buffered pwrite lands in the page cache: it is done here, as without
     * I/O threads, because the hand-off costs more CPU than it saves (AES-GMAC
     * upload: server CPU +37 %, throughput -15 % on 2 cores). It becomes a job
     * (session_io.c) when it must queue behind jobs of its handle, or with
     * "async io after = 0". FLUSH (fsync) is always a job. */
    if (rq->may_defer && (c->io_async_after == 0 || o->jobs > 0) &&
        srv_io_defer(c, rq, o, offset, length, 0, data) == SMB_OK)
        return SMB_E_PENDING;
    if (offset == UINT64_MAX) {
        struct srv_attr sb;
        smb_status st = srv_fh_fstat(o->fh, &sb);
        if (st != SMB_OK)
            return st;
        offset = sb.size; /* append (MS-SMB2 3.3.5.13) */
    }
    if (offset > INT64_MAX - (uint64_t)length)
        return SMB_E_INVALID_PARAMETER;
    size_t done = 0;
    smb_status e = srv_fh_pwrite(o->fh, data, length, offset, &done);
    if (e != SMB_OK)
        return e;
    o->position = offset + done;
    const struct smb2_write_resp resp = {(uint32_t)done, 0};
    smb2_write_resp_encode(w, &resp);
    rq->body_written = true;
    return SMB_OK;
}

