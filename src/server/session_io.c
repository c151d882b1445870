/* server/session_io.c - deferred file I/O for READ, WRITE and FLUSH: the core
 * checks the request, the adapter runs the read/write/sync (server/vfs.h) on an I/O
 * thread, the core answers (sync form, or interim STATUS_PENDING then a
 * final async response; MS-SMB2 3.3.4.2, 3.3.4.1.1). Contract in session.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "server/session_int.h"
#include "wire/smb2/flush.h"
#include "wire/smb2/read.h"
#include "wire/smb2/write.h"

/* READ response: header, then the 16-byte fixed body; data at 0x50 (MS-SMB2 2.2.20) */
#define READ_DATA_OFF (4 + SMB2_HDR_LEN + 16)

void srv_conn_set_io_jobs(struct srv_conn *c, int after_ms) { c->io_async_after = after_ms < 0 ? -1 : after_ms; }

struct srv_io_job *srv_conn_take_job(struct srv_conn *c)
{
    struct srv_io_job *j = c->new_job;
    c->new_job = NULL;
    return j;
}

bool srv_conn_take_io_cancel(struct srv_conn *c)
{
    bool r = c->io_cancelled;
    c->io_cancelled = false;
    return r;
}

bool srv_io_job_keeps_pdu(const struct srv_io_job *j) { return j->keeps_pdu; }
bool srv_io_job_interim_sent(const struct srv_io_job *j) { return j->interim_sent; }
uint64_t srv_io_job_key(const struct srv_io_job *j) { return j->fid; }
bool srv_io_job_cancelled(const struct srv_io_job *j)
{
    return atomic_load(&((struct srv_io_job *)j)->state) == SRV_JOB_CANCELLED;
}

const char *srv_io_job_describe(const struct srv_io_job *j, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s MessageId %llu (FileId %llu, %u bytes)", smb2_command_name(j->h.command),
             (unsigned long long)j->h.message_id, (unsigned long long)j->fid, j->length);
    return buf;
}

void srv_io_job_free(struct srv_io_job *j)
{
    if (!j)
        return;
    srv_fh_put(j->fh);
    srv_buf_free(&j->out);
    free(j);
}

smb_status srv_io_defer(struct srv_conn *c, struct srv_req *rq, struct srv_open *o, uint64_t offset,
                        uint32_t length, uint32_t mincount, const uint8_t *data)
{
    if (c->n_pending >= SRV_PENDING_MAX)
        return SMB_E_INSUFFICIENT_RESOURCES; /* run it synchronously instead */
    struct srv_io_job *j = calloc(1, sizeof *j);
    struct srv_pending *pd = calloc(1, sizeof *pd);
    if (!j || !pd) {
        free(j);
        free(pd);
        return SMB_E_NOMEM;
    }
    /* The job holds its own reference on the handle: a CLOSE or
     * TREE_DISCONNECT while it runs drops the open's, never the one in use. */
    j->fh = srv_fh_ref(o->fh);
    atomic_init(&j->state, SRV_JOB_QUEUED);
    j->h = rq->h;
    j->charge = c->dialect >= SMB_DIALECT_210 ? rq->h.credit_charge : 1;
    j->signed_ok = rq->signed_ok;
    j->keeps_pdu = data != NULL;
    j->fid = o->fid;
    j->offset = offset;
    j->length = length;
    j->mincount = mincount;
    j->data = data;
    pd->job = j;
    srv_pending_add(c, rq, pd, o->fid);
    rq->job = j;
    o->jobs++;
    return SMB_OK;
}

bool srv_io_job_run(struct srv_io_job *j)
{
    int expect = SRV_JOB_QUEUED;
    if (!atomic_compare_exchange_strong(&j->state, &expect, SRV_JOB_RUNNING))
        return false; /* cancelled before it started */
    switch (j->h.command) {
    case SMB2_READ:
        j->res = srv_fh_pread(j->fh, j->out.p + READ_DATA_OFF, j->length, j->offset, 0, &j->done_bytes);
        j->end_offset = j->offset + j->done_bytes;
        break;
    case SMB2_WRITE: {
        uint64_t off = j->offset;
        if (off == UINT64_MAX) {
            /* append (MS-SMB2 3.3.5.13): the end of file as of this job,
             * after the jobs queued before it on the handle */
            struct srv_attr sb;
            if ((j->res = srv_fh_fstat(j->fh, &sb)) != SMB_OK)
                break;
            off = sb.size;
            if (off > INT64_MAX - (uint64_t)j->length) {
                j->res = SMB_E_DISK_FULL; /* EFBIG */
                break;
            }
        }
        j->res = srv_fh_pwrite(j->fh, j->data, j->length, off, &j->done_bytes);
        j->end_offset = off + j->done_bytes;
        break;
    }
    case SMB2_FLUSH:
        j->res = srv_fh_sync(j->fh, false);
        break;
    default:
        j->res = SMB_E_INVALID_PARAMETER;
        break;
    }
    return true;
}

static struct srv_pending *job_entry(struct srv_conn *c, const struct srv_io_job *j, struct srv_pending ***prevp)
{
    struct srv_pending **pp = &c->pending;
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->job == j) {
            if (prevp)
                *prevp = pp;
            return *pp;
        }
    return NULL;
}

static struct srv_session *live_session(struct srv_conn *c, const struct srv_io_job *j)
{
    struct srv_session *s = srv_session_find(c, j->h.session_id);
    return s && s->state == SESS_VALID ? s : NULL;
}

/* Interim response (MS-SMB2 3.3.4.2): async form with a new AsyncId,
 * STATUS_PENDING, the request's credits granted, never signed (3.3.4.1.1). */
smb_status srv_conn_job_interim(struct srv_conn *c, struct srv_io_job *j, struct srv_buf *out)
{
    struct srv_pending *pd = job_entry(c, j, NULL);
    struct srv_session *s = live_session(c, j);
    if (j->interim_sent || !pd || !s)
        return SMB_OK;
    struct srv_frame f;
    smb_wr w;
    smb_status st = srv_frame_open(&f, out, 16, &w);
    if (st != SMB_OK)
        return st;
    srv_write_error_body(&w);
    struct srv_resp r;
    srv_resp_init(&r, &j->h, SMB_E_PENDING);
    r.interim = true;
    r.async_id = ++c->next_async_id;
    r.credit = srv_credits_grant(c, j->h.credit, j->charge);
    srv_resp_session(&r, s, j->signed_ok);
    if ((st = srv_frame_close(c, &f, &r, &w)) != SMB_OK)
        return st;
    j->async_id = pd->async_id = r.async_id;
    j->interim_sent = true;
    srv_log(c, SRV_LOG_DEBUG, "%s MessageId %llu pending as AsyncId %llu", smb2_command_name(j->h.command),
            (unsigned long long)j->h.message_id, (unsigned long long)j->async_id);
    return SMB_OK;
}

static SMB_WUR smb_status job_status(const struct srv_io_job *j, bool ran)
{
    if (!ran)
        return SMB_E_CANCELLED;
    if (j->res != SMB_OK)
        return j->res;
    if (j->h.command == SMB2_READ && ((j->done_bytes == 0 && j->length > 0) || j->done_bytes < j->mincount))
        return SMB_E_END_OF_FILE;
    return SMB_OK;
}

smb_status srv_conn_job_done(struct srv_conn *c, struct srv_io_job *j, struct srv_buf *out)
{
    struct srv_pending **pp = NULL;
    if (job_entry(c, j, &pp)) {
        struct srv_pending *pd = *pp;
        *pp = pd->next;
        c->n_pending--;
        free(pd);
    }
    bool ran = !srv_io_job_cancelled(j);
    smb_status res = job_status(j, ran);
    struct srv_session *e = srv_session_find(c, j->h.session_id), *hs = srv_sess_home(e);
    if (hs) {
        pthread_mutex_lock(&hs->mu); /* the session's opens: any channel's thread */
        for (struct srv_open *o = hs->opens; o; o = o->next)
            if (o->fid == j->fid) { /* still open (FileIds are never reused) */
                if (o->jobs)
                    o->jobs--;
                if (res == SMB_OK && j->h.command != SMB2_FLUSH)
                    o->position = j->end_offset; /* FilePositionInformation */
                break;
            }
        pthread_mutex_unlock(&hs->mu);
    }
    if (res != SMB_OK)
        srv_log(c, SRV_LOG_DEBUG, "%s MessageId %llu -> %s", smb2_command_name(j->h.command),
                (unsigned long long)j->h.message_id, smb_status_name(res));
    struct srv_session *s = live_session(c, j);
    smb_status st = SMB_OK;
    if (!s)
        goto out; /* LOGOFF or a dead session: nobody to answer */
    /* the response is built in the job's buffer, where a READ's data
     * already sits (READ_DATA_OFF): encoded around it, never copied */
    size_t cap = res == SMB_OK && j->h.command == SMB2_READ ? 16 + j->done_bytes + 1 : 32;
    j->out.len = 0;
    struct srv_frame f;
    smb_wr w;
    if ((st = srv_frame_open(&f, &j->out, cap, &w)) != SMB_OK)
        goto out;
    if (res != SMB_OK) {
        srv_write_error_body(&w);
    } else if (j->h.command == SMB2_READ) {
        const struct smb2_read_resp rr = {0, {j->out.p + READ_DATA_OFF, j->done_bytes}};
        smb2_read_resp_encode(&w, &rr); /* MS-SMB2 2.2.20 */
    } else if (j->h.command == SMB2_WRITE) {
        const struct smb2_write_resp wr = {(uint32_t)j->done_bytes, 0};
        smb2_write_resp_encode(&w, &wr); /* MS-SMB2 2.2.22 */
    } else {
        smb2_flush_resp_encode(&w); /* MS-SMB2 2.2.18 */
    }
    struct srv_resp r;
    srv_resp_init(&r, &j->h, res);
    if (j->interim_sent)
        r.async_id = j->async_id; /* the final async response: its credits went with the interim */
    else
        r.credit = srv_credits_grant(c, j->h.credit, j->charge);
    srv_resp_session(&r, s, j->signed_ok);
    if ((st = srv_frame_close(c, &f, &r, &w)) != SMB_OK)
        goto out;
    srv_buf_free(out);
    *out = j->out;
    memset(&j->out, 0, sizeof j->out);
out:
    srv_io_job_free(j);
    return st;
}
