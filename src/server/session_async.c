/* server/session_async.c - async requests: interim STATUS_PENDING, CANCEL,
 * and a minimal CHANGE_NOTIFY (see session_int.h). */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "server/session_int.h"
#include "wire/smb2/change_notify.h"
#include "wire/smb2/lock.h"


/* Register pd (zeroed by the caller) as a pending request of c: the ids of
 * rq and its open fid, and whether rq was verified as signed. Shared by
 * CHANGE_NOTIFY (below) and the deferred READ/WRITE/FLUSH (session_io.c). */
void srv_pending_add(struct srv_conn *c, const struct srv_req *rq, struct srv_pending *pd, uint64_t fid)
{
    pd->message_id = rq->h.message_id;
    pd->session_id = rq->sess->id;
    pd->tree_id = rq->tree->id;
    pd->fid = fid;
    pd->command = rq->h.command;
    pd->credit_charge = rq->h.credit_charge;
    pd->signed_ok = rq->signed_ok;
    pd->done = SMB_OK;
    pd->next = c->pending;
    c->pending = pd;
    c->n_pending++;
}

/* MS-SMB2 2.2.35 CHANGE_NOTIFY request; 3.3.5.19. The server watches
 * nothing: the request goes async (interim STATUS_PENDING) and completes only
 * on CANCEL or when the directory handle closes. */
smb_status srv_cmd_change_notify(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    (void)w;
    struct smb2_change_notify_req q;
    if (smb2_change_notify_req_decode(&rq->body, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    uint64_t p = q.file_id.persistent, v = q.file_id.volatile_;
    if (p == UINT64_MAX && v == UINT64_MAX)
        p = v = rq->related_fid;
    struct srv_open *o = NULL;
    for (struct srv_open *it = rq->sess->opens; it; it = it->next)
        if (it->fid == v && it->fid == p && it->tree_id == rq->tree->id)
            o = it;
    if (!o)
        return SMB_E_FILE_CLOSED;
    if (!o->is_dir)
        return SMB_E_INVALID_PARAMETER; /* 3.3.5.19: not a directory */
    if (c->n_pending >= SRV_PENDING_MAX)
        return SMB_E_INSUFFICIENT_RESOURCES;
    struct srv_pending *pd = calloc(1, sizeof *pd);
    if (!pd)
        return SMB_E_NOMEM;
    srv_pending_add(c, rq, pd, o->fid);
    pd->async_id = ++c->next_async_id;
    rq->async_id = pd->async_id;
    srv_log(c, SRV_LOG_DEBUG, "CHANGE_NOTIFY MessageId %llu pending as AsyncId %llu",
            (unsigned long long)pd->message_id, (unsigned long long)pd->async_id);
    return SMB_E_PENDING;
}

/* MS-SMB2 3.3.5.16: find the request by AsyncId (async form) or MessageId
 * (sync form) among this session's requests; CANCEL itself has no response.
 * A deferred READ/WRITE/FLUSH is cancelled only while its I/O has not
 * started (it then ends with STATUS_CANCELLED in srv_conn_job_done); a
 * running one completes normally. */
void srv_async_cancel(struct srv_conn *c, const struct srv_req *rq)
{
    bool async = (rq->h.flags & SMB2_FLAGS_ASYNC_COMMAND) != 0;
    for (struct srv_pending *pd = c->pending; pd; pd = pd->next) {
        if (pd->done != SMB_OK || pd->granted || pd->session_id != rq->h.session_id)
            continue;
        if (async ? pd->async_id != 0 && pd->async_id == rq->h.async_id : pd->message_id == rq->h.message_id) {
            if (pd->job) {
                int expect = SRV_JOB_QUEUED;
                bool won = atomic_compare_exchange_strong(&pd->job->state, &expect, SRV_JOB_CANCELLED);
                c->io_cancelled |= won;
                srv_log(c, SRV_LOG_DEBUG, "CANCEL of %s MessageId %llu: %s", smb2_command_name(pd->command),
                        (unsigned long long)pd->message_id,
                        won ? "cancelled before its I/O started" : "I/O already running, completes normally");
                return;
            }
            pd->done = SMB_E_CANCELLED;
            srv_log(c, SRV_LOG_DEBUG, "CANCEL of AsyncId %llu (MessageId %llu)",
                    (unsigned long long)pd->async_id, (unsigned long long)pd->message_id);
            return;
        }
    }
    srv_log(c, SRV_LOG_DEBUG, "CANCEL matched no pending request");
}

/* A waiting LOCK whose own handle closes ends with STATUS_RANGE_NOT_LOCKED
 * (Windows, smbtorture smb2.lock.cancel); CHANGE_NOTIFY with
 * STATUS_NOTIFY_CLEANUP. */
static smb_status closed_status(const struct srv_pending *pd)
{
    return pd->command == SMB2_LOCK ? SMB_E_RANGE_NOT_LOCKED : SMB_E_NOTIFY_CLEANUP;
}

void srv_async_fid_closed(struct srv_conn *c, uint64_t fid)
{
    for (struct srv_pending *pd = c->pending; pd; pd = pd->next)
        if (pd->done == SMB_OK && !pd->granted && pd->fid == fid && !pd->job)
            pd->done = closed_status(pd);
}

/* LOGOFF (MS-SMB2 3.3.5.6): the locks of the session's opens went first
 * (session_retire; a LOCK waiting on one of them is granted here), then its
 * waiting requests end
 * (STATUS_NOTIFY_CLEANUP, or STATUS_RANGE_NOT_LOCKED for a LOCK), answered
 * before the session is removed. */
void srv_async_session_closing(struct srv_conn *c, uint64_t session_id)
{
    srv_lock_retry(c); /* the session's opens and their locks went at LOGOFF (session_retire) */
    for (struct srv_pending *pd = c->pending; pd; pd = pd->next)
        if (pd->done == SMB_OK && !pd->granted && pd->session_id == session_id && !pd->job && !pd->wait)
            pd->done = closed_status(pd);
}

/* Final async response (MS-SMB2 3.3.4.2): ASYNC_COMMAND with the AsyncId,
 * no credits (they were granted by the interim response), signed like any
 * response on the session (3.3.4.1.1). */
static SMB_WUR smb_status emit_final(struct srv_conn *c, const struct srv_pending *pd, struct srv_buf *out)
{
    struct srv_session *s = srv_session_find(c, pd->session_id);
    if (!s || s->state == SESS_IN_PROGRESS)
        return SMB_OK; /* the session went away: nobody to answer */
    struct smb2_hdr q = {0}; /* what the response needs of the request */
    q.command = pd->command;
    q.credit_charge = pd->credit_charge;
    q.message_id = pd->message_id;
    q.session_id = pd->session_id;
    struct srv_frame f;
    smb_wr w;
    smb_status st = srv_frame_open(&f, out, 16, &w);
    if (st == SMB_OK) {
        if (pd->granted) {
            smb2_lock_resp_encode(&w); /* MS-SMB2 2.2.27 */
        } else if (pd->done == SMB_E_NOTIFY_CLEANUP) {
            const struct smb2_change_notify_resp none = {{NULL, 0}}; /* MS-SMB2 2.2.36, no data */
            smb2_change_notify_resp_encode(&w, &none);
        } else {
            srv_write_error_body(&w);
        }
        struct srv_resp r;
        srv_resp_init(&r, &q, pd->granted ? SMB_OK : pd->done);
        r.async_id = pd->async_id;
        srv_resp_session(&r, s, pd->signed_ok);
        st = srv_frame_close(c, &f, &r, &w);
    }
    return st;
}

smb_status srv_async_flush(struct srv_conn *c, struct srv_buf *out)
{
    smb_status st = SMB_OK;
    struct srv_pending **pp = &c->pending;
    while (*pp) {
        struct srv_pending *pd = *pp;
        if ((pd->done == SMB_OK && !pd->granted) || pd->job) {
            pp = &pd->next;
            continue;
        }
        *pp = pd->next;
        c->n_pending--;
        if (st == SMB_OK)
            st = emit_final(c, pd, out);
        srv_lease_wait_free(c, pd);
        free(pd);
    }
    return st;
}

void srv_async_free_all(struct srv_conn *c)
{
    while (c->pending) {
        struct srv_pending *pd = c->pending;
        c->pending = pd->next;
        srv_io_job_free(pd->job); /* the adapter ran and completed every job first */
        srv_lease_wait_free(c, pd);
        free(pd);
    }
    c->n_pending = 0;
}
