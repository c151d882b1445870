/* server/smb2_lease.c - oplocks and leases (MS-SMB2 3.3.5.9.8 oplocks,
 * 3.3.5.9.11 leases, 3.3.4.6/3.3.4.7 breaks, 3.3.5.22 acknowledgements,
 * 3.3.1.4 lease table) and the cross-connection post path they need.
 *
 * State: every open's oplock (or its lease) lives in its entry of the
 * server-wide share-mode table (smb2_open.h, under srv_shared.share_mu);
 * leases (one per ClientGuid + LeaseKey, shared by the opens that name it)
 * in srv_shared.leases, under the same mutex. An opener that conflicts
 * marks the holder's entry (or lease) breaking with break_unsent set and
 * wakes the holder's connection through its mailbox; the holder's core,
 * on its own thread, builds the notification from its own session state
 * (srv_conn_mail). The opener's CREATE goes async (interim STATUS_PENDING)
 * and waits in srv_shared.waits until an ack, a close or its deadline
 * ("oplock break timeout") kicks its connection, which runs the CREATE
 * again from the saved request. No lock is held while a connection is
 * woken except conn_mu (docs/server.md "Threads and locking").
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/smb2_open.h"
#include "wire/smb2/create.h"
#include "wire/smb2/oplock_break.h"

#define SHARE_DATA (SMB2_FILE_READ_DATA | SMB2_FILE_EXECUTE | SMB2_FILE_WRITE_DATA | SMB2_FILE_APPEND_DATA | SMB2_DELETE)
#define LEASE_RWH (SMB2_LEASE_READ_CACHING | SMB2_LEASE_HANDLE_CACHING | SMB2_LEASE_WRITE_CACHING)
#define LEASE_FLAG_BREAK_IN_PROGRESS 0x02u   /* MS-SMB2 2.2.14.2.10 */
#define LEASE_FLAG_PARENT_KEY_SET 0x04u      /* 2.2.13.2.10 */

/* one lease (MS-SMB2 3.3.1.4), shared by the opens that name its key */
struct srv_lease {
    uint8_t guid[16], key[16], parent[16];
    uint8_t version;
    bool has_parent;
    uint32_t state;     /* current LeaseState */
    uint32_t break_to;  /* while breaking: what the ack may keep */
    uint32_t break_from;
    bool breaking, break_unsent;
    uint16_t epoch;
    uint64_t conn_id;   /* the connection its breaks go to (the last to open with it) */
    uint64_t dev, ino;  /* the file (a key names one file) */
    int refs;           /* share entries pointing here */
    struct srv_lease *next;
};

/* a CREATE waiting for a break: its request, kept until it runs again */
struct srv_wait {
    uint64_t conn_id, dev, ino;
    uint64_t deadline_ms;
    struct smb2_hdr h;
    uint8_t *msg;
    size_t len;
    struct srv_wait *next; /* in srv_shared.waits (share_mu) */
};

/* per connection: the registry entry other connections post to */
struct srv_mbox {
    uint64_t conn_id;
    atomic_bool kicked;
    atomic_ullong deadline_ms;
    srv_wake_fn wake; /* under conn_mu */
    void *wake_arg;
    struct srv_mbox *next;
};

uint64_t srv_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ------------------------------------------------------------------ */
/* mailbox and registry                                                  */

smb_status srv_mbox_register(struct srv_conn *c)
{
    struct srv_mbox *m = calloc(1, sizeof *m);
    if (!m)
        return SMB_E_NOMEM;
    struct srv_shared *t = c->ctx->shared;
    pthread_mutex_lock(&t->conn_mu);
    m->conn_id = ++t->next_conn_id;
    m->next = t->conns;
    t->conns = m;
    pthread_mutex_unlock(&t->conn_mu);
    c->mbox = m;
    c->id = m->conn_id;
    return SMB_OK;
}

void srv_mbox_unregister(struct srv_conn *c)
{
    if (!c->mbox)
        return;
    struct srv_shared *t = c->ctx->shared;
    pthread_mutex_lock(&t->conn_mu);
    for (struct srv_mbox **pp = &t->conns; *pp; pp = &(*pp)->next)
        if (*pp == c->mbox) {
            *pp = c->mbox->next;
            break;
        }
    pthread_mutex_unlock(&t->conn_mu);
    free(c->mbox);
    c->mbox = NULL;
}

void srv_conn_set_wake(struct srv_conn *c, srv_wake_fn fn, void *arg)
{
    struct srv_shared *t = c->ctx->shared;
    pthread_mutex_lock(&t->conn_mu);
    c->mbox->wake = fn;
    c->mbox->wake_arg = arg;
    pthread_mutex_unlock(&t->conn_mu);
}

uint64_t srv_conn_mail_deadline(const struct srv_conn *c)
{
    if (!c->mbox)
        return 0;
    if (atomic_load(&c->mbox->kicked))
        return 1; /* already due */
    return atomic_load(&c->mbox->deadline_ms);
}

/* Wake the connections ids (no share_mu held). */
void srv_kick(struct srv_shared *t, const uint64_t *ids, int n)
{
    if (n <= 0)
        return;
    pthread_mutex_lock(&t->conn_mu);
    for (struct srv_mbox *m = t->conns; m; m = m->next)
        for (int i = 0; i < n; i++)
            if (ids[i] == m->conn_id) {
                bool was = atomic_exchange(&m->kicked, true);
                if (!was && m->wake)
                    m->wake(m->wake_arg);
                break;
            }
    pthread_mutex_unlock(&t->conn_mu);
}

static void kick_add(uint64_t *kick, int *n, int max, uint64_t id)
{
    for (int i = 0; i < *n; i++)
        if (kick[i] == id)
            return;
    if (*n < max)
        kick[(*n)++] = id;
}

/* share_mu held: the waiters on a file */
static void kick_waiters(struct srv_shared *t, uint64_t dev, uint64_t ino, uint64_t *kick, int *n, int max)
{
    for (struct srv_wait *w = t->waits; w; w = w->next)
        if (w->dev == dev && w->ino == ino)
            kick_add(kick, n, max, w->conn_id);
}

void srv_lease_entry_gone(struct srv_shared *t, struct srv_share_ent *e, uint64_t *kick, int *n_kick, int max_kick)
{
    struct srv_lease *l = e->lease;
    e->lease = NULL;
    if (l && l->refs > 1 && l->conn_id == e->conn_id) {
        /* its breaks went to this open's connection: to another open's now */
        for (struct srv_share_ent *o = t->share_list; o; o = o->next)
            if (o->lease == l) {
                l->conn_id = o->conn_id;
                break;
            }
    }
    if (l && --l->refs == 0) {
        for (struct srv_lease **pp = &t->leases; *pp; pp = &(*pp)->next)
            if (*pp == l) {
                *pp = l->next;
                break;
            }
        free(l);
    }
    kick_waiters(t, e->dev, e->ino, kick, n_kick, max_kick);
}

/* ------------------------------------------------------------------ */
/* create contexts                                                       */

/* MS-SMB2 2.2.13.2.8 (v1, 32 bytes) and 2.2.13.2.10 (v2, 52 bytes) */
smb_status srv_lease_parse_ctx(const uint8_t *d, uint32_t dlen, struct srv_lease_req *lq)
{
    memset(lq, 0, sizeof *lq);
    if (dlen != 32 && dlen != 52)
        return SMB_E_INVALID_PARAMETER;
    lq->has = true;
    lq->version = dlen == 52 ? 2 : 1;
    memcpy(lq->key, d, 16);
    lq->state = le32(d + 16);
    lq->flags = le32(d + 20);
    if (lq->version == 2) {
        memcpy(lq->parent, d + 32, 16);
        lq->epoch = le16(d + 48);
    }
    return SMB_OK;
}

static bool leasing_on(const struct srv_conn *c, const struct srv_req *rq)
{
    return c->ctx->cfg.leases && c->dialect >= SMB_DIALECT_210 && !c->ctx->cfg.shares[rq->tree->share].no_oplocks;
}

static struct srv_lease *lease_find(struct srv_shared *t, const uint8_t guid[16], const uint8_t key[16])
{
    for (struct srv_lease *l = t->leases; l; l = l->next)
        if (!memcmp(l->guid, guid, 16) && !memcmp(l->key, key, 16))
            return l;
    return NULL;
}

/* an entry whose caching the new open (same client and key excluded) must break */
static bool same_lease(const struct srv_share_ent *e, const struct srv_conn *c, const struct srv_lease_req *lq,
                       bool use_lease)
{
    return use_lease && e->lease && !memcmp(e->lease->guid, c->client_guid, 16) && !memcmp(e->lease->key, lq->key, 16);
}

/* ------------------------------------------------------------------ */
/* breaks for a new open                                                 */

static bool need_ack_lease(uint32_t from) { return (from & (SMB2_LEASE_WRITE_CACHING | SMB2_LEASE_HANDLE_CACHING)) != 0; }

/* share_mu held: start the break of e (or its lease) to what the new open
 * leaves; true when the open must wait for an ack */
static bool data_conflict(const struct srv_share_ent *e, uint32_t access, uint32_t share)
{
    return (e->access & SHARE_DATA) && (access & SHARE_DATA) && srv_share_conflict(e->access, e->share, access, share);
}

/* does e keep a handle cached (a batch oplock, a lease with H)? Only such
 * a holder is asked to give way when the new open is a sharing violation
 * (MS-FSA 2.1.5.1.2: the share check comes first; a violation breaks only
 * handle caching, so the holder may close) */
static bool caches_handle(const struct srv_share_ent *e)
{
    return e->lease ? (e->lease->state & SMB2_LEASE_HANDLE_CACHING) != 0 : e->oplock == SMB2_OPLOCK_LEVEL_BATCH;
}

static bool break_entry(struct srv_share_ent *e, uint32_t access, uint32_t share, bool overwrite, uint64_t *kick,
                        int *n_kick)
{
    bool conflict = data_conflict(e, access, share);
    struct srv_lease *l = e->lease;
    if (l) {
        if (l->breaking)
            return need_ack_lease(l->break_from);
        uint32_t to = l->state & ~SMB2_LEASE_WRITE_CACHING;
        if (conflict)
            to &= ~SMB2_LEASE_HANDLE_CACHING;
        if (overwrite)
            to = 0;
        if (to == l->state)
            return false;
        l->break_from = l->state;
        l->break_to = to;
        l->break_unsent = true;
        l->epoch++;
        kick_add(kick, n_kick, SRV_KICK_MAX, l->conn_id);
        if (!need_ack_lease(l->state)) {
            l->state = to; /* R to none: notified, no ack (MS-SMB2 3.3.4.7) */
            return false;
        }
        l->breaking = true;
        return true;
    }
    if (e->breaking)
        return true;
    if (e->oplock == SMB2_OPLOCK_LEVEL_BATCH || e->oplock == SMB2_OPLOCK_LEVEL_EXCLUSIVE) {
        if (conflict && e->oplock != SMB2_OPLOCK_LEVEL_BATCH)
            return false; /* the open fails its share check: nothing to break */
        e->breaking = true;
        e->break_unsent = true;
        e->break_to = overwrite ? SMB2_OPLOCK_LEVEL_NONE : SMB2_OPLOCK_LEVEL_II;
        kick_add(kick, n_kick, SRV_KICK_MAX, e->conn_id);
        return true;
    }
    if (e->oplock == SMB2_OPLOCK_LEVEL_II && overwrite) {
        /* level II to none needs no ack (MS-SMB2 2.2.24.1) */
        e->oplock = SMB2_OPLOCK_LEVEL_NONE;
        e->break_to = SMB2_OPLOCK_LEVEL_NONE;
        e->break_unsent = true;
        kick_add(kick, n_kick, SRV_KICK_MAX, e->conn_id);
    }
    return false;
}

/* share_mu held: a break past its time is taken as acknowledged at the
 * level it offered (MS-SMB2 3.3.4.6/3.3.4.7: the holder that does not
 * answer loses its caching) */
static void break_timeout(struct srv_shared *t, uint64_t dev, uint64_t ino)
{
    for (struct srv_share_ent *e = t->share_list; e; e = e->next) {
        if (e->dev != dev || e->ino != ino)
            continue;
        if (e->lease && e->lease->breaking) {
            e->lease->state = e->lease->break_to;
            e->lease->breaking = false;
        } else if (!e->lease && e->breaking) {
            e->oplock = e->break_to;
            e->breaking = false;
        }
    }
}

static struct srv_wait *wait_new(struct srv_conn *c, const struct srv_req *rq, const struct srv_attr *sb);
static SMB_WUR smb_status wait_start(struct srv_conn *c, struct srv_req *rq, struct srv_wait *w);

/* share_mu held: does any other open of the file cache anything (or break)? */
static bool file_cached(const struct srv_shared *t, const struct srv_attr *sb)
{
    for (const struct srv_share_ent *e = t->share_list; e; e = e->next)
        if (e->dev == sb->dev && e->ino == sb->ino &&
            (e->breaking || (e->lease ? e->lease->state || e->lease->breaking : e->oplock != SMB2_OPLOCK_LEVEL_NONE)))
            return true;
    return false;
}

smb_status srv_lease_break_for_open(struct srv_conn *c, struct srv_req *rq, const struct srv_attr *sb,
                                    uint32_t access, uint32_t share, uint32_t action, const struct srv_lease_req *lq)
{
    struct srv_shared *t = c->ctx->shared;
    bool overwrite = action == SMB2_FILE_OVERWRITTEN || action == SMB2_FILE_SUPERSEDED;
    /* an attribute-only open (no data access) breaks nothing unless it overwrites */
    if (!overwrite && !(access & SHARE_DATA))
        return SMB_OK;
    pthread_mutex_lock(&t->share_mu);
    bool cached = file_cached(t, sb);
    pthread_mutex_unlock(&t->share_mu);
    if (!cached)
        return SMB_OK; /* the common case: nothing to break, nothing allocated */
    /* The waiter is entered in the same critical section that starts the
     * breaks, before any holder is woken: an ack that comes at once finds
     * it. Allocated beforehand (nothing is allocated under share_mu); a
     * compound element, a full pending table or no memory: no wait. */
    struct srv_wait *w = NULL;
    if (!rq->retry && rq->lone && c->n_pending < SRV_PENDING_MAX)
        w = wait_new(c, rq, sb);
    bool use_lease = lq->has && leasing_on(c, rq);
    uint64_t kick[SRV_KICK_MAX];
    int n_kick = 0;
    bool wait = false;
    pthread_mutex_lock(&t->share_mu);
    if (rq->retry && rq->retry->wait && srv_mono_ms() >= rq->retry->wait->deadline_ms)
        break_timeout(t, sb->dev, sb->ino);
    /* a sharing violation with an open that caches no handle fails at once,
     * breaking nothing */
    bool hopeless = false;
    for (struct srv_share_ent *e = t->share_list; e && !hopeless; e = e->next)
        if (e->dev == sb->dev && e->ino == sb->ino && !same_lease(e, c, lq, use_lease) &&
            data_conflict(e, access, share) && !caches_handle(e) && !(e->lease ? e->lease->breaking : e->breaking))
            hopeless = true;
    for (struct srv_share_ent *e = t->share_list; e && !hopeless; e = e->next)
        if (e->dev == sb->dev && e->ino == sb->ino && !same_lease(e, c, lq, use_lease))
            wait |= break_entry(e, access, share, overwrite, kick, &n_kick);
    if (wait && w) {
        w->next = t->waits;
        t->waits = w;
    }
    pthread_mutex_unlock(&t->share_mu);
    srv_kick(t, kick, n_kick);
    if (wait && rq->retry)
        return SMB_E_PENDING; /* still waiting: the same pending entry */
    if (!wait || !w) {
        if (w) {
            free(w->msg);
            free(w);
        }
        return SMB_OK; /* nothing to wait for, or no way to: the breaks were sent, go on */
    }
    return wait_start(c, rq, w);
}

/* ------------------------------------------------------------------ */
/* waiting openers                                                       */

static void wait_deadline_update(struct srv_conn *c)
{
    uint64_t d = 0;
    for (struct srv_pending *pd = c->pending; pd; pd = pd->next)
        if (pd->wait && pd->done == SMB_OK && (!d || pd->wait->deadline_ms < d))
            d = pd->wait->deadline_ms;
    atomic_store(&c->mbox->deadline_ms, d);
}

static struct srv_wait *wait_new(struct srv_conn *c, const struct srv_req *rq, const struct srv_attr *sb)
{
    struct srv_wait *w = calloc(1, sizeof *w);
    uint8_t *msg = malloc(rq->len);
    if (!w || !msg) {
        free(w);
        free(msg);
        return NULL;
    }
    memcpy(msg, rq->msg, rq->len);
    w->msg = msg;
    w->len = rq->len;
    w->h = rq->h;
    w->conn_id = c->id;
    w->dev = sb->dev;
    w->ino = sb->ino;
    w->deadline_ms = srv_mono_ms() + c->ctx->cfg.oplock_break_timeout;
    return w;
}

/* w is already in srv_shared.waits: make rq a pending request that owns it */
static smb_status wait_start(struct srv_conn *c, struct srv_req *rq, struct srv_wait *w)
{
    struct srv_pending *pd = calloc(1, sizeof *pd);
    if (!pd) {
        struct srv_pending tmp = {.wait = w};
        srv_lease_wait_free(c, &tmp);
        return SMB_OK; /* no memory to wait: go on */
    }
    srv_pending_add(c, rq, pd, 0);
    pd->wait = w;
    pd->async_id = ++c->next_async_id;
    rq->async_id = pd->async_id;
    wait_deadline_update(c);
    srv_log(c, SRV_LOG_DEBUG, "CREATE MessageId %llu waits for a break acknowledgement (AsyncId %llu)",
            (unsigned long long)rq->h.message_id, (unsigned long long)pd->async_id);
    return SMB_E_PENDING;
}

void srv_lease_wait_free(struct srv_conn *c, struct srv_pending *pd)
{
    struct srv_wait *w = pd->wait;
    if (!w)
        return;
    struct srv_shared *t = c->ctx->shared;
    pthread_mutex_lock(&t->share_mu);
    for (struct srv_wait **pp = &t->waits; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    pthread_mutex_unlock(&t->share_mu);
    free(w->msg);
    free(w);
    pd->wait = NULL;
}

/* Run a waiting CREATE again; SMB_E_PENDING: it still waits. The final
 * response (async form, CreditResponse 0, signed like any response of its
 * session, MS-SMB2 3.3.4.2) goes into out. */
static SMB_WUR smb_status wait_retry(struct srv_conn *c, struct srv_pending *pd, struct srv_buf *out)
{
    struct srv_wait *wt = pd->wait;
    struct srv_req rq;
    memset(&rq, 0, sizeof rq);
    rq.h = wt->h;
    rq.msg = wt->msg;
    rq.len = wt->len;
    rq.signed_ok = pd->signed_ok;
    rq.retry = pd;
    /* as a request's dispatch does (session.c enter_session): the handler
     * runs on the session (a bound channel's opens live there) under its
     * lock; the response is signed with this connection's entry's key */
    struct srv_session *e = srv_session_find(c, pd->session_id), *h = srv_sess_home(e);
    if (!h || h->state != SESS_VALID)
        return SMB_E_USER_SESSION_DELETED; /* nobody to answer */
    struct srv_frame f;
    smb_wr w;
    smb_status st = srv_frame_open(&f, out, 4096, &w);
    if (st != SMB_OK)
        return st;
    const smb_wr w0 = w;
    smb_status res = SMB_E_NETWORK_NAME_DELETED;
    pthread_mutex_lock(&h->mu);
    rq.sess = h;
    rq.chan = e;
    rq.tree = h->state == SESS_VALID ? srv_tree_find(h, pd->tree_id) : NULL;
    if (rq.tree) {
        rd_init(&rq.body, rq.msg, rq.len);
        rd_skip(&rq.body, SMB2_HDR_LEN);
        res = srv_cmd_create(c, &rq, &w);
    }
    pthread_mutex_unlock(&h->mu);
    if (res == SMB_E_PENDING) {
        out->len = f.start;
        return SMB_E_PENDING;
    }
    if (!rq.body_written) {
        w = w0;
        srv_write_error_body(&w);
    }
    struct smb2_hdr q = wt->h;
    q.flags = 0;
    struct srv_resp r;
    srv_resp_init(&r, &q, res);
    r.async_id = pd->async_id;
    srv_resp_session(&r, e, pd->signed_ok);
    return srv_frame_close(c, &f, &r, &w);
}

/* ------------------------------------------------------------------ */
/* grants                                                                */

static uint32_t lease_grantable(uint32_t req, bool is_dir)
{
    req &= LEASE_RWH;
    if (!(req & SMB2_LEASE_READ_CACHING))
        return 0; /* R, RH, RW, RWH only */
    if (is_dir)
        req &= ~SMB2_LEASE_WRITE_CACHING;
    return req;
}

static void lease_ctx_encode(smb_wr *cw, const struct srv_lease *l, bool last)
{
    uint8_t d[52] = {0};
    memcpy(d, l->key, 16);
    put_le32(d + 16, l->state);
    uint32_t flags = l->breaking ? LEASE_FLAG_BREAK_IN_PROGRESS : 0;
    if (l->version == 2) {
        if (l->has_parent)
            flags |= LEASE_FLAG_PARENT_KEY_SET;
        memcpy(d + 32, l->parent, 16);
        put_le16(d + 48, l->epoch);
    }
    put_le32(d + 20, flags);
    smb2_create_ctx_encode(cw, "RqLs", d, l->version == 2 ? 52 : 32, last);
}

smb_status srv_lease_grant(struct srv_conn *c, struct srv_req *rq, struct srv_open *o, uint8_t requested,
                           const struct srv_lease_req *lq, uint8_t *level, smb_wr *cw, bool last)
{
    struct srv_shared *t = c->ctx->shared;
    struct srv_share_ent *me = o->sh;
    *level = SMB2_OPLOCK_LEVEL_NONE;
    if (!me)
        return SMB_OK;
    bool share_off = c->ctx->cfg.shares[rq->tree->share].no_oplocks;
    bool use_lease = requested == SMB2_OPLOCK_LEVEL_LEASE && lq->has && leasing_on(c, rq);
    smb_status st = SMB_OK;
    struct srv_lease copy;
    memset(&copy, 0, sizeof copy);
    bool granted_lease = false;
    pthread_mutex_lock(&t->share_mu);
    me->conn_id = c->id;
    me->fid = o->fid;
    me->session_id = o->session_id;
    /* other opens; one of them caches writes or is breaking; holds an
     * oplock; holds a lease with H (smbtorture smb2.lease.oplock tables) */
    bool others = false, other_excl = false, other_oplock = false, other_h = false;
    for (struct srv_share_ent *e = t->share_list; e; e = e->next) {
        if (e == me || e->dev != me->dev || e->ino != me->ino || same_lease(e, c, lq, use_lease))
            continue;
        others = true;
        if (e->oplock == SMB2_OPLOCK_LEVEL_BATCH || e->oplock == SMB2_OPLOCK_LEVEL_EXCLUSIVE || e->breaking ||
            (e->lease && (e->lease->state & SMB2_LEASE_WRITE_CACHING)))
            other_excl = true;
        if (!e->lease && e->oplock != SMB2_OPLOCK_LEVEL_NONE)
            other_oplock = true;
        if (e->lease && (e->lease->state & SMB2_LEASE_HANDLE_CACHING))
            other_h = true;
    }
    if (use_lease) {
        struct srv_lease *l = lease_find(t, c->client_guid, lq->key);
        if (l && (l->dev != me->dev || l->ino != me->ino)) {
            st = SMB_E_INVALID_PARAMETER; /* MS-SMB2 3.3.5.9.8: a key names one file */
        } else {
            if (!l && (l = calloc(1, sizeof *l)) != NULL) {
                memcpy(l->guid, c->client_guid, 16);
                memcpy(l->key, lq->key, 16);
                l->version = c->dialect >= SMB_DIALECT_300 ? lq->version : 1;
                if (l->version == 2) {
                    l->has_parent = (lq->flags & LEASE_FLAG_PARENT_KEY_SET) != 0;
                    if (l->has_parent)
                        memcpy(l->parent, lq->parent, 16);
                    l->epoch = lq->epoch;
                }
                l->dev = me->dev;
                l->ino = me->ino;
                l->next = t->leases;
                t->leases = l;
            }
            if (!l) {
                st = SMB_E_NOMEM;
            } else {
                uint32_t want = lease_grantable(lq->state, o->is_dir);
                if (others)
                    want &= ~SMB2_LEASE_WRITE_CACHING;
                if (other_oplock)
                    want &= SMB2_LEASE_READ_CACHING; /* beside an oplock: R at most */
                if (l->refs == 0) {
                    l->state = want; /* a new lease */
                    if (l->version == 2 && want)
                        l->epoch++;
                } else if (!l->breaking && !others && (l->state & ~want) == 0 && want != l->state) {
                    l->state = want; /* an upgrade: only to a superset, never beside another open */
                    if (l->version == 2)
                        l->epoch++;
                }
                l->conn_id = c->id;
                l->refs++;
                me->lease = l;
                me->oplock = SMB2_OPLOCK_LEVEL_LEASE;
                copy = *l;
                granted_lease = true;
            }
        }
    } else if (!share_off && !o->is_dir && requested != SMB2_OPLOCK_LEVEL_LEASE) {
        uint8_t g = requested;
        if (g != SMB2_OPLOCK_LEVEL_II && g != SMB2_OPLOCK_LEVEL_EXCLUSIVE && g != SMB2_OPLOCK_LEVEL_BATCH)
            g = SMB2_OPLOCK_LEVEL_NONE;
        if (others && g != SMB2_OPLOCK_LEVEL_NONE)
            g = other_excl || other_h ? SMB2_OPLOCK_LEVEL_NONE : SMB2_OPLOCK_LEVEL_II; /* none beside an H lease */
        me->oplock = g;
        *level = g;
    }
    pthread_mutex_unlock(&t->share_mu);
    srv_log(c, SRV_LOG_DEBUG, "fid %llu: oplock requested 0x%02x%s, granted 0x%02x%s (lease state 0x%x, epoch %u)",
            (unsigned long long)o->fid, requested, lq->has ? " with a lease context" : "",
            granted_lease ? SMB2_OPLOCK_LEVEL_LEASE : *level, granted_lease ? " lease" : "",
            granted_lease ? copy.state : 0, granted_lease ? copy.epoch : 0);
    if (st != SMB_OK)
        return st;
    if (granted_lease) {
        *level = SMB2_OPLOCK_LEVEL_LEASE;
        lease_ctx_encode(cw, &copy, last);
    }
    return SMB_OK;
}

/* A WRITE or a size change through open o: the read caching of every other
 * open of the file goes (level II oplocks and R leases to none, notified,
 * no ack; MS-FSA 2.1.5.3/2.1.4.12), and the writer's own level II oplock
 * too. The writer's own lease stays. */
void srv_lease_break_on_write(struct srv_conn *c, struct srv_open *o)
{
    struct srv_shared *t = c->ctx->shared;
    struct srv_share_ent *me = o->sh;
    if (!me)
        return;
    uint64_t kick[SRV_KICK_MAX];
    int n_kick = 0;
    pthread_mutex_lock(&t->share_mu);
    for (struct srv_share_ent *e = t->share_list; e; e = e->next) {
        /* the writer's own level II goes too (smbtorture levelii500: Windows
         * breaks it to none); its own lease stays */
        bool own_ii = e == me && !e->lease && e->oplock == SMB2_OPLOCK_LEVEL_II;
        if ((e == me && !own_ii) || e->dev != me->dev || e->ino != me->ino || (e->lease && e->lease == me->lease))
            continue;
        struct srv_lease *l = e->lease;
        if (l && l->state == SMB2_LEASE_READ_CACHING && !l->breaking && !l->break_unsent) {
            l->break_from = l->state;
            l->break_to = 0;
            l->state = 0;
            l->break_unsent = true;
            if (l->version == 2)
                l->epoch++;
            kick_add(kick, &n_kick, SRV_KICK_MAX, l->conn_id);
        } else if (!l && !e->breaking &&
                   (e->oplock == SMB2_OPLOCK_LEVEL_BATCH || e->oplock == SMB2_OPLOCK_LEVEL_EXCLUSIVE)) {
            /* a stat open's size change: the holder is told to drop to none
             * (the writer does not wait for the ack) */
            e->breaking = true;
            e->break_to = SMB2_OPLOCK_LEVEL_NONE;
            e->break_unsent = true;
            kick_add(kick, &n_kick, SRV_KICK_MAX, e->conn_id);
        } else if (!l && e->oplock == SMB2_OPLOCK_LEVEL_II && !e->breaking) {
            e->oplock = SMB2_OPLOCK_LEVEL_NONE;
            e->break_to = SMB2_OPLOCK_LEVEL_NONE;
            e->break_unsent = true;
            kick_add(kick, &n_kick, SRV_KICK_MAX, e->conn_id);
        }
    }
    pthread_mutex_unlock(&t->share_mu);
    srv_kick(t, kick, n_kick);
}

/* ------------------------------------------------------------------ */
/* acknowledgements (MS-SMB2 3.3.5.22.1, 3.3.5.22.2)                     */

smb_status srv_cmd_oplock_break(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct smb2_break_ack a;
    if (smb2_break_ack_decode(&rq->body, &a) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    struct srv_shared *t = c->ctx->shared;
    uint64_t kick[SRV_KICK_MAX];
    int n_kick = 0;
    smb_status res = SMB_OK;
    if (!a.is_lease) {
        if (!(rq->tree = srv_tree_find(rq->sess, rq->h.tree_id)))
            return SMB_E_NETWORK_NAME_DELETED;
        struct srv_open *o = srv_open_find(c, rq, a.oplock.file_id);
        if (!o || !o->sh)
            return SMB_E_FILE_CLOSED;
        uint8_t lvl = a.oplock.oplock_level;
        pthread_mutex_lock(&t->share_mu);
        struct srv_share_ent *e = o->sh;
        bool was_breaking = e->breaking && !e->lease;
        if (!e->breaking || e->lease) {
            /* not breaking: MS-SMB2 3.3.5.22.1 says STATUS_INVALID_DEVICE_STATE;
             * Windows and Samba answer STATUS_INVALID_OPLOCK_PROTOCOL
             * (smbtorture smb2.oplock.levelii500), and so does this server */
            res = SMB_E_INVALID_OPLOCK_PROTOCOL;
        } else if (lvl == SMB2_OPLOCK_LEVEL_LEASE ||
                   (lvl != SMB2_OPLOCK_LEVEL_NONE && lvl != SMB2_OPLOCK_LEVEL_II) ||
                   (e->break_to == SMB2_OPLOCK_LEVEL_NONE && lvl != SMB2_OPLOCK_LEVEL_NONE)) {
            /* a level above the one offered: the oplock is gone (3.3.5.22.1) */
            e->oplock = SMB2_OPLOCK_LEVEL_NONE;
            e->breaking = false;
            res = lvl == SMB2_OPLOCK_LEVEL_LEASE ? SMB_E_INVALID_PARAMETER : SMB_E_INVALID_OPLOCK_PROTOCOL;
        } else {
            e->oplock = lvl;
            e->breaking = false;
        }
        if (was_breaking) /* settled either way: the openers waiting on it go on */
            kick_waiters(t, e->dev, e->ino, kick, &n_kick, SRV_KICK_MAX);
        pthread_mutex_unlock(&t->share_mu);
        srv_kick(t, kick, n_kick);
        srv_log(c, SRV_LOG_DEBUG, "oplock break acknowledgement fid %llu level %u -> %s",
                (unsigned long long)o->fid, lvl, smb_status_name(res));
        if (res != SMB_OK)
            return res;
        struct smb2_oplock_break b = {lvl, a.oplock.file_id};
        smb2_oplock_break_encode(w, &b);
        rq->body_written = true;
        return SMB_OK;
    }
    if (c->dialect < SMB_DIALECT_210)
        return SMB_E_INVALID_PARAMETER;
    pthread_mutex_lock(&t->share_mu);
    struct srv_lease *l = lease_find(t, c->client_guid, a.lease.lease_key);
    if (!l) {
        res = SMB_E_OBJECT_NAME_NOT_FOUND;
    } else if (!l->breaking) {
        res = SMB_E_UNSUCCESSFUL;
    } else if ((a.lease.lease_state & ~l->break_to) != 0) {
        res = SMB_E_REQUEST_NOT_ACCEPTED; /* more than offered (3.3.5.22.2) */
    } else {
        l->state = a.lease.lease_state;
        l->breaking = false;
        kick_waiters(t, l->dev, l->ino, kick, &n_kick, SRV_KICK_MAX);
    }
    pthread_mutex_unlock(&t->share_mu);
    srv_kick(t, kick, n_kick);
    srv_log(c, SRV_LOG_DEBUG, "lease break acknowledgement state 0x%x -> %s", a.lease.lease_state,
            smb_status_name(res));
    if (res != SMB_OK)
        return res;
    struct smb2_lease_ack r = {0, {0}, a.lease.lease_state};
    memcpy(r.lease_key, a.lease.lease_key, 16);
    smb2_lease_ack_encode(w, &r);
    rq->body_written = true;
    return SMB_OK;
}

/* ------------------------------------------------------------------ */
/* notifications and retries on the holder's / opener's own thread      */

/* One server-initiated OPLOCK_BREAK (MS-SMB2 3.3.4.6, 3.3.4.7; signing
 * 3.3.4.1.1): MessageId 0xFFFFFFFFFFFFFFFF, CreditResponse 0, TreeId 0,
 * never signed. An oplock break carries its open's SessionId and is
 * encrypted when that session encrypts; a lease break belongs to the
 * client, not a session: SessionId 0, in clear (as Samba's smbd). */
static SMB_WUR smb_status emit_break(struct srv_conn *c, struct srv_buf *out, uint64_t session_id,
                                     const struct smb2_oplock_break *ob, const struct smb2_lease_break *lb)
{
    struct smb2_hdr q = {0};
    q.command = SMB2_OPLOCK_BREAK;
    q.message_id = SMB2_OPLOCK_BREAK_MESSAGE_ID;
    q.session_id = session_id;
    struct srv_frame f;
    smb_wr w;
    smb_status st = srv_frame_open(&f, out, 64, &w);
    if (st == SMB_OK) {
        if (ob)
            smb2_oplock_break_encode(&w, ob);
        else
            smb2_lease_break_encode(&w, lb);
        struct srv_resp r;
        srv_resp_init(&r, &q, SMB_OK);
        r.tree_id = 0;
        struct srv_session *s = session_id ? srv_session_find(c, session_id) : NULL;
        r.crypt = s && s->crypt && (s->encrypting || s->encrypt_data) ? s->crypt : NULL;
        st = srv_frame_close(c, &f, &r, &w);
    }
    return st;
}

#define MAIL_BATCH 16

/* The oplock breaks owed on this connection for opens of session h, under
 * its lock (recursive: a CREATE of this connection may hold it). */
static SMB_WUR smb_status mail_oplock_breaks(struct srv_conn *c, struct srv_session *h, struct srv_buf *out)
{
    struct srv_shared *t = c->ctx->shared;
    smb_status st = SMB_OK;
    pthread_mutex_lock(&h->mu);
    for (struct srv_open *o = h->opens; o && st == SMB_OK; o = o->next) {
        if (!o->sh || o->sh->conn_id != c->id)
            continue;
        bool send = false;
        struct smb2_oplock_break ob = {0, {o->fid, o->fid}};
        pthread_mutex_lock(&t->share_mu);
        if (o->sh->break_unsent && !o->sh->lease) {
            o->sh->break_unsent = false;
            ob.oplock_level = o->sh->break_to;
            send = true;
        }
        pthread_mutex_unlock(&t->share_mu);
        if (send)
            st = emit_break(c, out, o->session_id, &ob, NULL);
    }
    pthread_mutex_unlock(&h->mu);
    return st;
}

smb_status srv_conn_mail(struct srv_conn *c, struct srv_buf *out)
{
    if (!c->mbox)
        return SMB_OK;
    atomic_store(&c->mbox->kicked, false);
    struct srv_shared *t = c->ctx->shared;
    smb_status st = SMB_OK;
    /* oplock breaks of the opens made on this connection: in the sessions it
     * has entries for (a bound channel's opens live in their session) */
    for (struct srv_session *se = c->sessions; se && st == SMB_OK; se = se->next)
        st = mail_oplock_breaks(c, srv_sess_home(se), out);
    /* lease breaks of the leases this connection holds */
    for (bool more = true; more && st == SMB_OK;) {
        struct smb2_lease_break lb[MAIL_BATCH];
        int n = 0;
        more = false;
        pthread_mutex_lock(&t->share_mu);
        for (struct srv_lease *l = t->leases; l; l = l->next) {
            if (l->conn_id != c->id || !l->break_unsent)
                continue;
            if (n == MAIL_BATCH) {
                more = true;
                break;
            }
            l->break_unsent = false;
            lb[n].new_epoch = l->version == 2 ? l->epoch : 0;
            lb[n].flags = need_ack_lease(l->break_from) ? SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED : 0;
            memcpy(lb[n].lease_key, l->key, 16);
            lb[n].current_state = l->break_from;
            lb[n].new_state = l->break_to;
            n++;
        }
        pthread_mutex_unlock(&t->share_mu);
        for (int i = 0; i < n && st == SMB_OK; i++)
            st = emit_break(c, out, 0, NULL, &lb[i]);
    }
    /* opens of this connection that wait: run them again */
    for (struct srv_pending **pp = &c->pending; *pp && st == SMB_OK;) {
        struct srv_pending *pd = *pp;
        if (!pd->wait || pd->done != SMB_OK) {
            pp = &pd->next;
            continue;
        }
        smb_status r = wait_retry(c, pd, out);
        if (r == SMB_E_PENDING) {
            pp = &pd->next;
            continue;
        }
        *pp = pd->next;
        c->n_pending--;
        srv_lease_wait_free(c, pd);
        free(pd);
        if (r != SMB_E_USER_SESSION_DELETED)
            st = r;
    }
    if (st == SMB_OK && c->pending)
        st = srv_async_flush(c, out); /* cancelled waits */
    wait_deadline_update(c);
    return st;
}
