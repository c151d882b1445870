/* server/smb2_lock.c - LOCK (MS-SMB2 3.3.5.14, 3.3.5.14.1, 3.3.5.14.2) and
 * the byte-range lock tables behind it (MS-FSA 2.1.5.7 byte-range lock,
 * 2.1.4.10 conflict with READ/WRITE); the contract is in smb2_open.h.
 *
 * Where the specification leaves a choice, Windows as smbtorture's
 * smb2.lock.* tests describe it was followed:
 *  - a range is [Offset, Offset + Length); Length 0 is a zero-length lock,
 *    which conflicts only with a range that holds its offset past its
 *    first byte, never with another zero-length lock; Offset + Length - 1
 *    past 2^64 - 1 is STATUS_INVALID_LOCK_RANGE (so Offset 2^64-1 with
 *    Length 1 is valid);
 *  - a new exclusive lock conflicts with every overlapping lock, the open's
 *    own included (locks do not upgrade); a new shared lock conflicts with
 *    overlapping exclusive locks of other opens (stacked on its own
 *    exclusive lock it is granted);
 *  - unlock takes the open's lock of exactly that range, an exclusive one
 *    before a shared one; nothing else of the request is undone when an
 *    unlock element fails; a failed lock element undoes the locks the same
 *    request granted before it (3.3.5.14.2), an UNLOCK element among lock
 *    elements too (STATUS_INVALID_PARAMETER: smbtorture
 *    smb2.lock.multiple-unlock expects the undo, although 3.3.5.14.2 says
 *    the locks stay);
 *  - READ conflicts with an overlapping exclusive lock of another open;
 *    WRITE with that and with any overlapping shared lock, the open's own
 *    included; zero-length READ/WRITE never conflict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "server/smb2_open.h"
#include "wire/smb2/lock.h"
#include "wire/smb2/negotiate.h"

/* MS-SMB2 2.2.26.1 Flags */
#define LK_SHARED 0x01u
#define LK_EXCLUSIVE 0x02u
#define LK_UNLOCK 0x04u
#define LK_FAIL_IMMEDIATELY 0x10u

/* ------------------------------------------------------------------ */
/* the tables                                                           */

struct srv_brl_file *srv_brl_file_new(uint64_t dev, uint64_t ino)
{
    struct srv_brl_file *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->dev = dev;
    f->ino = ino;
    atomic_init(&f->n, 0);
    pthread_mutex_init(&f->mu, NULL);
    return f;
}

void srv_brl_file_free(struct srv_brl_file *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->mu);
    free(f->locks);
    free(f);
}

/* x < off + len, where off + len may be exactly 2^64 (a valid range ending
 * at the last byte wraps to 0) */
static bool before_end(uint64_t x, uint64_t off, uint64_t len)
{
    uint64_t end = off + len;
    return (len != 0 && end == 0) || x < end;
}

/* do [o1, o1+l1) and [o2, o2+l2) overlap? A zero-length range at x meets
 * a range that holds x past its first byte (smbtorture
 * smb2.lock.zerobytelength: a 0-byte lock at 10 conflicts with 9/2, not with
 * 10/2 nor 9/1). */
static bool overlap(uint64_t o1, uint64_t l1, uint64_t o2, uint64_t l2)
{
    return before_end(o1, o2, l2) && before_end(o2, o1, l1);
}

static void bump_gen(struct srv_shared *t)
{
    __atomic_add_fetch(&t->brl_gen, 1, __ATOMIC_RELEASE);
}

uint64_t srv_ctx_lock_gen(const struct srv_ctx *ctx)
{
    return ctx->shared ? __atomic_load_n(&ctx->shared->brl_gen, __ATOMIC_ACQUIRE) : 0;
}

smb_status srv_brl_lock(struct srv_brl_file *f, const struct srv_open *o, uint64_t off, uint64_t len, bool excl)
{
    smb_status st = SMB_OK;
    pthread_mutex_lock(&f->mu);
    size_t n = atomic_load_explicit(&f->n, memory_order_relaxed);
    for (size_t i = 0; i < n && st == SMB_OK; i++) {
        const struct srv_brl *e = &f->locks[i];
        if (overlap(e->off, e->len, off, len) && (excl || (e->excl && e->owner != o)))
            st = SMB_E_LOCK_NOT_GRANTED;
    }
    if (st == SMB_OK && n >= SRV_BRL_FILE_MAX)
        st = SMB_E_INSUFFICIENT_RESOURCES;
    if (st == SMB_OK && n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 8;
        struct srv_brl *nl = realloc(f->locks, nc * sizeof *nl);
        if (nl) {
            f->locks = nl;
            f->cap = nc;
        } else {
            st = SMB_E_INSUFFICIENT_RESOURCES;
        }
    }
    if (st == SMB_OK) {
        f->locks[n] = (struct srv_brl){off, len, o, excl};
        atomic_store_explicit(&f->n, (unsigned)(n + 1), memory_order_release);
    }
    pthread_mutex_unlock(&f->mu);
    return st;
}

static void remove_at(struct srv_brl_file *f, size_t i, size_t n)
{
    memmove(&f->locks[i], &f->locks[i + 1], (n - i - 1) * sizeof f->locks[0]);
    atomic_store_explicit(&f->n, (unsigned)(n - 1), memory_order_release);
}

smb_status srv_brl_unlock(struct srv_shared *t, struct srv_brl_file *f, const struct srv_open *o, uint64_t off,
                          uint64_t len)
{
    pthread_mutex_lock(&f->mu);
    size_t n = atomic_load_explicit(&f->n, memory_order_relaxed), pick = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        const struct srv_brl *e = &f->locks[i];
        if (e->owner == o && e->off == off && e->len == len && (pick == SIZE_MAX || (e->excl && !f->locks[pick].excl)))
            pick = i;
    }
    if (pick != SIZE_MAX)
        remove_at(f, pick, n);
    pthread_mutex_unlock(&f->mu);
    if (pick == SIZE_MAX)
        return SMB_E_RANGE_NOT_LOCKED;
    bump_gen(t);
    return SMB_OK;
}

/* Undo a lock this request granted: the newest of o's locks of exactly that
 * range and kind (an older lock of the same range stays). */
static void undo_lock(struct srv_shared *t, struct srv_brl_file *f, const struct srv_open *o, uint64_t off,
                      uint64_t len, bool excl)
{
    pthread_mutex_lock(&f->mu);
    size_t n = atomic_load_explicit(&f->n, memory_order_relaxed), i = n;
    while (i-- > 0) {
        const struct srv_brl *e = &f->locks[i];
        if (e->owner == o && e->off == off && e->len == len && e->excl == excl) {
            remove_at(f, i, n);
            break;
        }
    }
    pthread_mutex_unlock(&f->mu);
    bump_gen(t); /* a LOCK may have failed against it meanwhile */
}

void srv_brl_release(struct srv_shared *t, struct srv_open *o)
{
    struct srv_brl_file *f = o->brl;
    if (!f || !srv_brl_has_locks(f))
        return;
    bool any = false;
    pthread_mutex_lock(&f->mu);
    size_t n = atomic_load_explicit(&f->n, memory_order_relaxed), k = 0;
    for (size_t i = 0; i < n; i++) {
        if (f->locks[i].owner == o)
            any = true;
        else
            f->locks[k++] = f->locks[i];
    }
    atomic_store_explicit(&f->n, (unsigned)k, memory_order_release);
    pthread_mutex_unlock(&f->mu);
    if (any)
        bump_gen(t);
}

smb_status srv_brl_io_check_slow(struct srv_brl_file *f, const void *owner, uint64_t off, uint64_t len, bool write)
{
    smb_status st = SMB_OK;
    pthread_mutex_lock(&f->mu);
    size_t n = atomic_load_explicit(&f->n, memory_order_relaxed);
    for (size_t i = 0; i < n && st == SMB_OK; i++) {
        const struct srv_brl *e = &f->locks[i];
        if (overlap(e->off, e->len, off, len) && ((e->excl && (const void *)e->owner != owner) || (write && !e->excl)))
            st = SMB_E_FILE_LOCK_CONFLICT;
    }
    pthread_mutex_unlock(&f->mu);
    return st;
}

/* ------------------------------------------------------------------ */
/* LOCK                                                                 */

struct lk_elem {
    uint64_t off, len;
    uint32_t flags;
};

static struct lk_elem elem_at(const struct smb2_lock_req *q, unsigned i)
{
    const uint8_t *p = q->locks.p + (size_t)i * SMB2_LOCK_ELEMENT_LEN; /* bounds checked by the decoder */
    struct lk_elem e = {le64(p), le64(p + 8), le32(p + 16)};
    return e;
}

/* MS-SMB2 3.3.5.14: replay detection applies to resilient, durable and
 * persistent opens and to any open on a server offering multichannel. */
static bool seq_applies(const struct srv_conn *c)
{
    return c->dialect != SMB_DIALECT_202 && (c->server_caps & SMB2_GLOBAL_CAP_MULTI_CHANNEL);
}

/* 3.3.5.14.1: unlock elements in order; the first failure stops (no undo) */
static SMB_WUR smb_status do_unlocks(struct srv_conn *c, struct srv_open *o, const struct smb2_lock_req *q)
{
    for (unsigned i = 0; i < q->lock_count; i++) {
        struct lk_elem e = elem_at(q, i);
        if (e.flags != LK_UNLOCK)
            return SMB_E_INVALID_PARAMETER; /* Windows refuses UNLOCK|FAIL_IMMEDIATELY too */
        smb_status st = srv_brl_unlock(c->ctx->shared, o->brl, o, e.off, e.len);
        if (st != SMB_OK)
            return st;
    }
    return SMB_OK;
}

static bool range_ok(const struct lk_elem *e)
{
    return e->len == 0 || e->off + (e->len - 1) >= e->off;
}

/* Register a blocking lock as pending (interim STATUS_PENDING). */
static SMB_WUR smb_status go_pending(struct srv_conn *c, struct srv_req *rq, const struct srv_open *o,
                                     const struct lk_elem *e, uint64_t gen)
{
    if (c->n_pending >= SRV_PENDING_MAX)
        return SMB_E_INSUFFICIENT_RESOURCES;
    struct srv_pending *pd = calloc(1, sizeof *pd);
    if (!pd)
        return SMB_E_NOMEM;
    bool waiting = srv_conn_lock_wait(c, NULL);
    srv_pending_add(c, rq, pd, o->fid);
    pd->lk_off = e->off;
    pd->lk_len = e->len;
    pd->lk_excl = (e->flags & LK_EXCLUSIVE) != 0;
    pd->async_id = ++c->next_async_id;
    rq->async_id = pd->async_id;
    /* a lock released between the try and now is seen by the next retry */
    if (!waiting || gen < c->brl_gen_seen)
        c->brl_gen_seen = gen;
    srv_log(c, SRV_LOG_DEBUG, "LOCK MessageId %llu waits as AsyncId %llu", (unsigned long long)pd->message_id,
            (unsigned long long)pd->async_id);
    return SMB_E_PENDING;
}

/* 3.3.5.14.2: lock elements in order; on failure undo this request's locks */
static SMB_WUR smb_status do_locks(struct srv_conn *c, struct srv_req *rq, struct srv_open *o,
                                   const struct smb2_lock_req *q)
{
    unsigned i;
    smb_status st = SMB_OK;
    for (i = 0; i < q->lock_count; i++) {
        struct lk_elem e = elem_at(q, i);
        uint32_t kind = e.flags & ~LK_FAIL_IMMEDIATELY;
        if ((kind != LK_SHARED && kind != LK_EXCLUSIVE) ||
            (q->lock_count > 1 && !(e.flags & LK_FAIL_IMMEDIATELY))) {
            st = SMB_E_INVALID_PARAMETER;
            break;
        }
        if (!range_ok(&e)) {
            st = SMB_E_INVALID_LOCK_RANGE;
            break;
        }
        uint64_t gen = srv_ctx_lock_gen(c->ctx);
        st = srv_brl_lock(o->brl, o, e.off, e.len, kind == LK_EXCLUSIVE);
        if (st == SMB_E_LOCK_NOT_GRANTED && !(e.flags & LK_FAIL_IMMEDIATELY))
            return go_pending(c, rq, o, &e, gen); /* lock_count is 1 here */
        if (st != SMB_OK)
            break;
    }
    if (st != SMB_OK)
        while (i-- > 0) {
            struct lk_elem e = elem_at(q, i);
            undo_lock(c->ctx->shared, o->brl, o, e.off, e.len, (e.flags & LK_EXCLUSIVE) != 0);
        }
    return st;
}

smb_status srv_cmd_lock(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct smb2_lock_req q;
    if (smb2_lock_req_decode(&rq->body, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER; /* LockCount 0 included */
    struct srv_open *o = srv_open_find(c, rq, q.file_id);
    if (!o)
        return SMB_E_FILE_CLOSED;
    if (!o->brl || o->is_dir)
        return SMB_E_INVALID_DEVICE_REQUEST;
    /* MS-SMB2 3.3.5.14: LockSequenceNumber (low 4 bits), LockSequenceIndex */
    unsigned seq_idx = q.lock_sequence >> 4;
    uint8_t seq_num = (uint8_t)(q.lock_sequence & 0xF);
    bool seq = seq_applies(c) && seq_idx >= 1 && seq_idx <= 64;
    if (seq) {
        if (o->lock_seq[seq_idx] == seq_num + 1) {
            srv_log(c, SRV_LOG_DEBUG, "LOCK replay (index %u, number %u): success without effect", seq_idx, seq_num);
            smb2_lock_resp_encode(w);
            rq->body_written = true;
            return SMB_OK;
        }
        o->lock_seq[seq_idx] = 0; /* not valid while this request runs */
    }
    struct lk_elem first = elem_at(&q, 0);
    smb_status st;
    if (first.flags == LK_UNLOCK)
        st = do_unlocks(c, o, &q);
    else
        st = do_locks(c, rq, o, &q);
    if (st != SMB_OK)
        return st;
    if (seq)
        o->lock_seq[seq_idx] = (uint8_t)(seq_num + 1);
    smb2_lock_resp_encode(w);
    rq->body_written = true;
    return SMB_OK;
}

/* ------------------------------------------------------------------ */
/* waiting LOCKs                                                        */

bool srv_conn_lock_wait(const struct srv_conn *c, uint64_t *gen)
{
    if (gen)
        *gen = c->brl_gen_seen;
    for (const struct srv_pending *pd = c->pending; pd; pd = pd->next)
        if (pd->command == SMB2_LOCK && pd->done == SMB_OK && !pd->granted)
            return true;
    return false;
}

void srv_lock_retry(struct srv_conn *c)
{
    if (!c->pending)
        return;
    uint64_t gen = srv_ctx_lock_gen(c->ctx);
    if (gen == c->brl_gen_seen)
        return;
    c->brl_gen_seen = gen;
    /* oldest first (the list is newest first): walk it backwards */
    struct srv_pending *v[SRV_PENDING_MAX];
    size_t n = 0;
    for (struct srv_pending *pd = c->pending; pd && n < SRV_PENDING_MAX; pd = pd->next)
        if (pd->command == SMB2_LOCK && pd->done == SMB_OK && !pd->granted)
            v[n++] = pd;
    while (n-- > 0) {
        struct srv_pending *pd = v[n];
        struct srv_open *o = NULL;
        struct srv_session *h = srv_sess_home(srv_session_find(c, pd->session_id));
        /* the session's opens, under its lock (recursive: CLOSE holds it
         * already); a lock another thread holds is not waited for (two
         * channels' threads could wait for each other): retried later */
        if (h && pthread_mutex_trylock(&h->mu) != 0) {
            c->brl_gen_seen = gen - 1;
            continue;
        }
        for (struct srv_open *it = h ? h->opens : NULL; it; it = it->next)
            if (it->fid == pd->fid && it->session_id == pd->session_id)
                o = it;
        if (!o || !o->brl) {
            pd->done = SMB_E_RANGE_NOT_LOCKED; /* its handle closed (Windows' answer) */
            if (h)
                pthread_mutex_unlock(&h->mu);
            continue;
        }
        smb_status st = srv_brl_lock(o->brl, o, pd->lk_off, pd->lk_len, pd->lk_excl);
        pthread_mutex_unlock(&h->mu);
        if (st == SMB_OK) {
            pd->granted = true;
            srv_log(c, SRV_LOG_DEBUG, "LOCK AsyncId %llu granted", (unsigned long long)pd->async_id);
        } else if (st != SMB_E_LOCK_NOT_GRANTED) {
            pd->done = st;
        }
    }
}

void srv_lock_release_opens(struct srv_conn *c, struct srv_session *home, uint32_t tree_id)
{
    for (struct srv_open *o = home->opens; o; o = o->next)
        if (tree_id == 0 || o->tree_id == tree_id)
            srv_brl_release(c->ctx->shared, o);
    srv_lock_retry(c);
}

smb_status srv_conn_poll(struct srv_conn *c, struct srv_buf *out)
{
    if (c->smb1)
        return SMB_OK;
    srv_lock_retry(c);
    return c->pending ? srv_async_flush(c, out) : SMB_OK;
}
