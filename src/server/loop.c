/* server/loop.c - epoll adapter for the server core (see loop.h).
 *
 * Event loops ("workers", default one per online CPU): the server runs N
 * independent event loops (struct evloop), each with its own epoll set,
 * connections, worker thread, I/O threads and buffer pool, so signing and
 * file I/O of different connections run on different cores. Loop 0 runs on
 * the thread that calls srv_loop_run and also owns the listening sockets and
 * the signals: it accepts, builds the connection and hands it to the loop
 * with the fewest connections (ties take turns) through that loop's inbox
 * (under its mu) and eventfd. From then on that loop alone touches the
 * connection, until it is freed: one connection never moves between loops.
 * (An accept hand-off rather than SO_REUSEPORT: the kernel's 4-tuple hash
 * puts two of two connections on one loop half of the time, and a reload or
 * a limit check would have N listeners to keep in step.) What the loops
 * share is in struct srv_loop: the ctx references (refmu), the connection
 * counts (atomics), and, through the ctx, the share-mode table (struct
 * srv_shared, its own mutex); docs/server.md "Threads and locking" has the
 * lock order. SIGTERM: loop 0 stops accepting, tells every loop to stop, and
 * each one finishes its in-flight frames and jobs, flushes open files, sends
 * what is queued and closes its connections; loop 0 joins them.
 *
 * Threads of one loop: the loop thread owns its sockets, the NetBIOS framers
 * and the output queues. With "worker thread = yes" (the default) one worker
 * thread runs the core (srv_conn_input: signature checks, MACs, file I/O) for
 * every connection of the loop, so copies to and from sockets overlap with
 * MACs and pread/pwrite. Frames go to the worker through a FIFO queue
 * (ownership of the frame buffer moves with them) and results come back
 * through another FIFO and the loop's eventfd; per connection order is kept
 * because there is one worker per loop. A connection's srv_conn is touched
 * only by the worker while requests of it are in flight, and only by the
 * loop thread otherwise (inflight == 0), with the queue mutexes ordering the
 * hand-over.
 *
 * I/O threads ("io threads", default SRV_IO_THREADS_DEFAULT per loop): when the core
 * defers the file I/O of a lone READ, WRITE or FLUSH (srv_conn_take_job, see
 * session.h), the worker queues the job to a small pool of I/O threads and
 * goes on with other frames and connections. An I/O thread takes the first
 * queued job whose handle (connection, FileId) has no job running, so the
 * jobs of one open run one at a time in arrival order; a job cancelled before
 * it started is handed back without running. Finished jobs go back to the
 * worker through its FIFO; the worker builds the response (srv_conn_job_done)
 * and hands it to the loop thread like any other result. When a job has not
 * come back within "async io after" ms the worker sends the interim response
 * (srv_conn_job_interim). A connection counts its jobs (jobs): it is freed
 * only once inflight and jobs are both 0, so a job's descriptor, its PDU and
 * the connection's core outlive it; the output of a dead connection is
 * dropped. The worker touches a core while a frame or a job of it is out;
 * the loop thread only when both counts are 0.
 *
 * Blocking byte-range LOCKs (session.h): while the core reports a waiting
 * LOCK, the loop wakes every LOOP_LOCK_POLL_MS and, when the server's lock
 * generation moved, queues an ITEM_POLL (srv_conn_poll) to the worker in the
 * connection's order; an unlock on any loop is seen within that time. */
#include "server/loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wire/netbios.h"

#define LOOP_MAX_EVENTS 256
#define LOOP_KEEP_RBUF (128 * 1024)         /* receive buffers above this are freed once idle */
#define LOOP_OUT_HIGH (24u * 1024 * 1024)   /* stop reading while this much output is queued */
#define LOOP_SHRINK_AFTER_MS 2000           /* quiet time before big buffers are released */
#define LOOP_MAX_INFLIGHT 4                 /* frames of one connection queued to the worker */
#define LOOP_POOL_MAX 40                     /* big buffers kept for reuse (released when quiet) */
#define LOOP_POOL_MIN (1024 * 1024)         /* only buffers at least this big are pooled */
#define LOOP_MAX_JOBS 8                     /* I/O jobs of one connection before reading pauses */
#define LOOP_IO_THREADS_MAX SRV_IO_THREADS_MAX
#define LOOP_ADDR_BUCKETS 1024              /* per-address connection counts (hash buckets) */
#define LOOP_EVICT_SLACK 32                 /* evictions asked for but not yet done (connections above the cap) */
#define LOOP_LOG_WINDOW_MS 5000             /* flood log lines: at most LOOP_LOG_BURST per window, */
#define LOOP_LOG_BURST 5                    /* then one line with the count of what was suppressed */
#define LOOP_LOCK_POLL_MS 20                /* a connection with a waiting LOCK looks at the lock generation this often */

/* Connections of one peer address (the port left out), for "max connections
 * per address". Under srv_loop.addrmu. */
struct addr_count {
    uint8_t key[17]; /* family byte + IPv4 or IPv6 address */
    unsigned n;
    struct addr_count *next;
};

/* Rate limit for the log lines a flood produces (refusals, evictions,
 * handshake timeouts): one per event loop, used by its thread only. */
struct log_limit {
    uint64_t window_ms;
    unsigned in_window;
    unsigned suppressed;
};

struct ctx_ref {
    struct srv_ctx *ctx;
    int users;
    struct ctx_ref *next;
};

/* One queued output buffer. */
struct obuf {
    struct srv_buf b;
    size_t off;
    struct obuf *next;
};

struct lconn;

/* A frame on its way to the worker and back with the output (ITEM_FRAME);
 * an I/O job from the worker to an I/O thread, back to the worker and then
 * to the loop with its response (ITEM_JOB; buf holds a WRITE's PDU); an
 * interim response from the worker to the loop (ITEM_INTERIM); a retry of
 * the connection's waiting LOCKs (ITEM_POLL: srv_conn_poll, no input); a post
 * from another connection (ITEM_MAIL: srv_conn_mail, oplock and lease breaks). */
enum { ITEM_FRAME = 0, ITEM_JOB, ITEM_INTERIM, ITEM_POLL, ITEM_MAIL };
struct item {
    int kind;
    struct lconn *lc;
    uint8_t *buf;
    size_t cap, len;
    struct srv_buf out;
    smb_status st;
    uint32_t delay;
    bool established;
    bool lock_wait;          /* srv_conn_lock_wait after the core ran */
    uint64_t lock_gen;
    int jobs_delta;          /* change to lc->jobs when the loop takes the result */
    struct srv_io_job *job;  /* ITEM_JOB */
    uint64_t key;            /* ITEM_JOB: the open's FileId */
    uint64_t deadline;       /* ITEM_JOB: send the interim at this time (worker) */
    bool waiting;            /* ITEM_JOB: on the worker's interim list */
    struct item *next, *wnext;
};

struct evloop;

struct lconn {
    int fd;
    struct srv_conn *core;
    struct ctx_ref *ref;
    smb_nb_framer fr;
    uint8_t *rbuf;
    size_t rcap;
    struct obuf *oh, *ot; /* output queue */
    size_t queued;        /* unsent bytes in the queue */
    uint64_t created_ms, last_ms, hold_until_ms;
    int inflight;         /* frames at the worker */
    int jobs;             /* I/O jobs not yet answered (as reported by the worker) */
    bool established;     /* a session is authenticated (as last reported) */
    bool lock_wait;       /* a LOCK waits (as last reported; srv_conn_lock_wait) */
    uint64_t lock_gen;    /* the lock generation its waiting LOCKs were last tried at */
    bool counted;         /* counted in srv_loop.addrs under addr */
    uint8_t addr[17];     /* peer address key (struct addr_count) */
    bool closing;         /* close once the queue is flushed */
    bool dead;            /* socket closed, waiting for in-flight frames */
    struct lconn *prev, *next;
    struct lconn *grave_next; /* freed after the current epoll batch (smb1 branch fix) */
    struct lconn *inbox_next; /* handed from the acceptor to its loop */
    struct evloop *loop;      /* the loop that owns it (set on attach) */
    bool mail_queued;         /* on loop->mail (under loop->mu) */
    bool mail_busy;           /* an ITEM_MAIL of it is at the worker (loop thread) */
    struct lconn *mail_next;
};

struct fifo {
    struct item *head, *tail;
};

struct io_arg {
    struct evloop *l;
    int idx;
};

/* One event loop (see the head comment): its epoll set, connections, worker
 * thread, I/O threads and buffer pool. Loop 0 runs on the thread that calls
 * srv_loop_run and also owns the listening sockets and the signals. */
struct evloop {
    struct srv_loop *srv;
    int idx;
    int ep, evfd;
    pthread_t thread; /* loops 1..N-1 */
    bool thread_started;
    struct lconn *conns;
    unsigned n_lock_wait;  /* connections with a waiting LOCK (loop thread) */
    unsigned n_conns;      /* atomic: the acceptor reads it to balance */
    unsigned n_unauth;     /* atomic: connections without an authenticated session */
    unsigned evict_req;    /* atomic: oldest unauthenticated connections the acceptor asked to close */
    struct log_limit ll;   /* flood log lines of this loop's thread */
    struct lconn *inbox;   /* accepted, not yet taken (under mu) */
    struct lconn *mail;    /* connections another connection posted to (under mu) */
    struct lconn *grave;   /* closed during this epoll batch: later events may still name them */
    bool stop;             /* atomic: set by loop 0 on SIGTERM */
    /* worker */
    bool threaded, worker_started, worker_stop;
    pthread_t worker;
    pthread_mutex_t mu; /* todo, done, pool */
    pthread_cond_t cv;
    struct fifo todo, done;
    struct srv_buf pool[LOOP_POOL_MAX];
    int n_pool;
    /* worker-private: jobs out at the I/O threads, those still owing an interim */
    int w_jobs;
    struct item *waiting;
    /* I/O threads */
    int n_io, n_io_started;
    pthread_t io[LOOP_IO_THREADS_MAX];
    pthread_mutex_t iomu; /* ioq, io_stop, run_* */
    pthread_cond_t iocv;
    struct fifo ioq;
    bool io_stop;
    bool run_busy[LOOP_IO_THREADS_MAX];
    const struct lconn *run_lc[LOOP_IO_THREADS_MAX];
    uint64_t run_key[LOOP_IO_THREADS_MAX];
    struct io_arg io_args[LOOP_IO_THREADS_MAX];
};

/* The server: N event loops and what they share. refmu guards cur, refs and
 * every ctx_ref's users (connections of any loop drop their reference when
 * they are freed); the loops' n_conns and n_conns_total are atomics; the rest
 * belongs to loop 0's thread. */
struct srv_loop {
    int sigfd;
    int lfd[SRV_MAX_LISTEN];
    int n_lfd;
    pthread_mutex_t refmu;
    struct ctx_ref *cur;  /* current ctx */
    struct ctx_ref *refs; /* all live ctxs */
    srv_reload_fn reload;
    void *reload_arg;
    unsigned n_conns_total; /* atomic: every loop's connections, for max connections */
    unsigned evict_pending; /* atomic: evictions asked for, not yet done */
    pthread_mutex_t addrmu; /* addrs */
    struct addr_count *addrs[LOOP_ADDR_BUCKETS];
    unsigned rr;            /* where the next balancing scan starts */
    int n_loops;
    struct evloop **loops;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void lg_v(const struct srv_ctx *ctx, int level, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
static void lg_v(const struct srv_ctx *ctx, int level, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    ctx->log(ctx->log_arg, level, msg);
}

static void lg(const struct srv_ctx *ctx, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void lg(const struct srv_ctx *ctx, int level, const char *fmt, ...)
{
    if (!ctx->log || level > ctx->cfg.log_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    lg_v(ctx, level, fmt, ap);
    va_end(ap);
}

/* The suppressed count of the window that ended, if any (loop thread). */
static void lg_limit_flush(struct evloop *l, const struct srv_ctx *ctx, uint64_t t)
{
    struct log_limit *ll = &l->ll;
    if (t - ll->window_ms < LOOP_LOG_WINDOW_MS)
        return;
    if (ll->suppressed)
        lg(ctx, SRV_LOG_AUDIT, "%u similar connection messages suppressed in %u s (flood?)", ll->suppressed,
           LOOP_LOG_WINDOW_MS / 1000);
    ll->window_ms = t;
    ll->in_window = 0;
    ll->suppressed = 0;
}

/* lg for the lines one peer can cause by the thousand (refusals, evictions,
 * handshake timeouts): LOOP_LOG_BURST per window, the rest counted. */
static void lg_limited(struct evloop *l, const struct srv_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void lg_limited(struct evloop *l, const struct srv_ctx *ctx, int level, const char *fmt, ...)
{
    if (!ctx->log || level > ctx->cfg.log_level)
        return;
    lg_limit_flush(l, ctx, now_ms());
    if (l->ll.in_window >= LOOP_LOG_BURST) {
        l->ll.suppressed++;
        return;
    }
    l->ll.in_window++;
    va_list ap;
    va_start(ap, fmt);
    lg_v(ctx, level, fmt, ap);
    va_end(ap);
}

/* ---- connections per peer address ---- */

static unsigned addr_hash(const uint8_t key[17])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 17; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % LOOP_ADDR_BUCKETS;
}

/* Count one more connection of key unless the address already has max
 * (0: no cap). Returns false when refused (or out of memory). */
static bool addr_take(struct srv_loop *s, const uint8_t key[17], unsigned max, unsigned *have)
{
    bool ok = false;
    pthread_mutex_lock(&s->addrmu);
    struct addr_count **pp = &s->addrs[addr_hash(key)], *a = *pp;
    while (a && memcmp(a->key, key, sizeof a->key))
        a = a->next;
    if (!a && (a = calloc(1, sizeof *a))) {
        memcpy(a->key, key, sizeof a->key);
        a->next = *pp;
        *pp = a;
    }
    if (a) {
        *have = a->n;
        if (!max || a->n < max) { /* a new entry has n 0 and is always taken */
            a->n++;
            ok = true;
        }
    }
    pthread_mutex_unlock(&s->addrmu);
    return ok;
}

static void addr_put(struct srv_loop *s, const uint8_t key[17])
{
    pthread_mutex_lock(&s->addrmu);
    struct addr_count **pp = &s->addrs[addr_hash(key)];
    while (*pp && memcmp((*pp)->key, key, sizeof (*pp)->key))
        pp = &(*pp)->next;
    struct addr_count *a = *pp;
    if (a && --a->n == 0) {
        *pp = a->next;
        free(a);
    }
    pthread_mutex_unlock(&s->addrmu);
}

static void fifo_push(struct fifo *f, struct item *it)
{
    it->next = NULL;
    if (f->tail)
        f->tail->next = it;
    else
        f->head = it;
    f->tail = it;
}

static struct item *fifo_pop(struct fifo *f)
{
    struct item *it = f->head;
    if (it) {
        f->head = it->next;
        if (!f->head)
            f->tail = NULL;
    }
    return it;
}

/* ---- buffer pool (large buffers only; mutex-protected) ---- */

static void pool_put(struct evloop *l, struct srv_buf *b)
{
    if (b->cap >= LOOP_POOL_MIN) {
        pthread_mutex_lock(&l->mu);
        if (l->n_pool < LOOP_POOL_MAX) {
            b->len = 0;
            l->pool[l->n_pool++] = *b;
            b->p = NULL;
            b->cap = 0;
        }
        pthread_mutex_unlock(&l->mu);
    }
    srv_buf_free(b);
}

/* A buffer of at least need bytes (need 0: any pooled buffer or empty). */
static void pool_get(struct evloop *l, struct srv_buf *b, size_t need)
{
    memset(b, 0, sizeof *b);
    pthread_mutex_lock(&l->mu);
    for (int i = l->n_pool - 1; i >= 0; i--)
        if (l->pool[i].cap >= need) {
            *b = l->pool[i];
            l->pool[i] = l->pool[--l->n_pool];
            break;
        }
    pthread_mutex_unlock(&l->mu);
    if (need && !b->p && srv_buf_reserve(b, need) != SMB_OK)
        srv_buf_free(b); /* out of memory: callers see b->p == NULL */
}

/* ---- ctx references ---- */

static struct ctx_ref *ref_new(struct srv_loop *s, struct srv_ctx *ctx)
{
    struct ctx_ref *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->ctx = ctx;
    pthread_mutex_lock(&s->refmu);
    r->next = s->refs;
    s->refs = r;
    pthread_mutex_unlock(&s->refmu);
    return r;
}

/* Drop one user of r (users 0: only check); free it when it is unused and
 * not current. Any thread. */
static void ref_put(struct srv_loop *s, struct ctx_ref *r, int users)
{
    pthread_mutex_lock(&s->refmu);
    r->users -= users;
    bool unused = r != s->cur && r->users == 0;
    if (unused) {
        struct ctx_ref **pp = &s->refs;
        while (*pp && *pp != r)
            pp = &(*pp)->next;
        if (*pp)
            *pp = r->next;
    }
    pthread_mutex_unlock(&s->refmu);
    if (!unused)
        return;
    srv_ctx_free(r->ctx);
    free(r->ctx);
    free(r);
}

/* ---- worker and I/O threads ---- */

static void post_done(struct evloop *l, struct item *it)
{
    pthread_mutex_lock(&l->mu);
    fifo_push(&l->done, it);
    pthread_mutex_unlock(&l->mu);
    uint64_t one = 1;
    ssize_t w = write(l->evfd, &one, sizeof one);
    (void)w;
}

/* What the loop thread keeps of the core's state after the worker ran it. */
static void note_core(struct item *it, struct srv_conn *core)
{
    it->established = srv_conn_established(core);
    it->lock_wait = srv_conn_lock_wait(core, &it->lock_gen);
}

static void give_back_pdu(struct evloop *l, struct item *it)
{
    if (!it->buf)
        return;
    struct srv_buf in = {.p = it->buf, .len = 0, .cap = it->cap};
    it->buf = NULL;
    pool_put(l, &in);
}

static bool key_busy(const struct evloop *l, const struct item *it)
{
    for (int k = 0; k < LOOP_IO_THREADS_MAX; k++) /* unused slots are never busy */
        if (l->run_busy[k] && l->run_lc[k] == it->lc && l->run_key[k] == it->key)
            return true;
    return false;
}

static void *io_main(void *arg)
{
    struct evloop *l = ((struct io_arg *)arg)->l;
    int idx = ((struct io_arg *)arg)->idx;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&l->iomu);
    for (;;) {
        /* the first job whose handle is idle (or that was cancelled: it
         * does not run, so it need not wait for its turn) */
        struct item *pick = NULL, *prev = NULL;
        for (struct item *it = l->ioq.head; it; prev = it, it = it->next)
            if (srv_io_job_cancelled(it->job) || !key_busy(l, it)) {
                pick = it;
                break;
            }
        if (!pick) {
            if (l->io_stop)
                break;
            pthread_cond_wait(&l->iocv, &l->iomu);
            continue;
        }
        if (prev)
            prev->next = pick->next;
        else
            l->ioq.head = pick->next;
        if (l->ioq.tail == pick)
            l->ioq.tail = prev;
        l->run_busy[idx] = true;
        l->run_lc[idx] = pick->lc;
        l->run_key[idx] = pick->key;
        pthread_mutex_unlock(&l->iomu);
        const struct srv_ctx *ctx = pick->lc->ref->ctx;
        if (ctx->cfg.log_level >= SRV_LOG_DEBUG && !srv_io_job_cancelled(pick->job)) {
            char d[160];
            lg(ctx, SRV_LOG_DEBUG, "io thread %d: %s started", idx, srv_io_job_describe(pick->job, d, sizeof d));
        }
        srv_io_job_run(pick->job); /* false: cancelled before it started, nothing ran */
        pthread_mutex_lock(&l->iomu);
        l->run_busy[idx] = false;
        pthread_cond_broadcast(&l->iocv); /* the next job of this handle may go */
        pthread_mutex_unlock(&l->iomu);
        pthread_mutex_lock(&l->mu);
        fifo_push(&l->todo, pick);
        pthread_cond_signal(&l->cv);
        pthread_mutex_unlock(&l->mu);
        pthread_mutex_lock(&l->iomu);
    }
    pthread_mutex_unlock(&l->iomu);
    return NULL;
}

static void io_submit(struct evloop *l, struct item *ji)
{
    pthread_mutex_lock(&l->iomu);
    fifo_push(&l->ioq, ji);
    pthread_cond_broadcast(&l->iocv);
    pthread_mutex_unlock(&l->iomu);
}

/* Worker: a job the core deferred while handling frame `it`. */
static void worker_job_new(struct evloop *l, struct item *it, struct srv_io_job *j)
{
    struct srv_conn *core = it->lc->core;
    struct item *ji = calloc(1, sizeof *ji);
    if (!ji) {
        /* no memory for the hand-off: run it here, answer in this frame's output */
        srv_io_job_run(j);
        struct srv_buf r = {0};
        smb_status st = srv_conn_job_done(core, j, &r);
        if (st == SMB_OK && r.len && srv_buf_reserve(&it->out, r.len) == SMB_OK) {
            memcpy(it->out.p + it->out.len, r.p, r.len);
            it->out.len += r.len;
        } else if (it->st == SMB_OK) {
            it->st = st != SMB_OK ? st : SMB_E_NOMEM;
        }
        srv_buf_free(&r);
        return;
    }
    ji->kind = ITEM_JOB;
    ji->lc = it->lc;
    ji->job = j;
    ji->key = srv_io_job_key(j);
    if (srv_io_job_keeps_pdu(j)) {
        /* WRITE data is verified and pwritten straight from the frame */
        ji->buf = it->buf;
        ji->cap = it->cap;
        it->buf = NULL;
    }
    it->jobs_delta = 1;
    l->w_jobs++;
    if (!srv_io_job_interim_sent(j)) {
        ji->deadline = now_ms() + it->lc->ref->ctx->cfg.async_io_after;
        ji->waiting = true;
        ji->wnext = l->waiting;
        l->waiting = ji;
    }
    io_submit(l, ji);
}

static void unwait(struct evloop *l, struct item *ji)
{
    if (!ji->waiting)
        return;
    struct item **pp = &l->waiting;
    while (*pp && *pp != ji)
        pp = &(*pp)->wnext;
    if (*pp)
        *pp = ji->wnext;
    ji->waiting = false;
}

/* Worker: interim responses for jobs not back within "async io after". */
static void worker_deadlines(struct evloop *l)
{
    if (!l->waiting)
        return;
    uint64_t t = now_ms();
    struct item *ji = l->waiting, *n;
    for (; ji; ji = n) {
        n = ji->wnext;
        if (ji->deadline > t)
            continue;
        unwait(l, ji);
        struct item *x = calloc(1, sizeof *x);
        if (!x)
            continue; /* no interim: the response comes in sync form */
        x->kind = ITEM_INTERIM;
        x->lc = ji->lc;
        x->st = srv_conn_job_interim(ji->lc->core, ji->job, &x->out);
        note_core(x, ji->lc->core);
        post_done(l, x);
    }
}

static uint64_t earliest_deadline(const struct evloop *l)
{
    uint64_t d = UINT64_MAX;
    for (const struct item *ji = l->waiting; ji; ji = ji->wnext)
        if (ji->deadline < d)
            d = ji->deadline;
    return d;
}

/* A lone SMB2 READ or WRITE frame (no compound), or a finished job:
 * answering it creates, frees or re-keys no session, so the MACs of its
 * response may wait for the worker's batch (the signing contexts stay alive
 * until the batch runs), and a WRITE's signature may be verified in the
 * pass's verify batch beforehand. Anything else is answered and signed on
 * its own. */
static bool batchable(const struct item *it)
{
    if (it->kind == ITEM_JOB)
        return true;
    const uint8_t *p = it->buf;
    if (it->kind != ITEM_FRAME || !p || it->len < 64 || memcmp(p, "\xfeSMB", 4) != 0 ||
        (p[20] | p[21] | p[22] | p[23]) != 0 /* NextCommand */)
        return false;
    unsigned cmd = p[12] | p[13] << 8;
    return cmd == 0x0008 /* SMB2 READ */ || cmd == 0x0009 /* SMB2 WRITE */;
}

/* Worker: answer one item (its response in it->out). */
static void worker_answer(struct evloop *l, struct item *it)
{
    struct srv_conn *core = it->lc->core;
    if (it->kind == ITEM_JOB) {
        /* a job is back from its I/O thread: answer it */
        unwait(l, it);
        it->st = srv_conn_job_done(core, it->job, &it->out);
        it->job = NULL;
        note_core(it, core);
        return;
    }
    if (it->kind == ITEM_POLL) {
        pool_get(l, &it->out, 0);
        it->out.len = 0;
        it->st = srv_conn_poll(core, &it->out);
        note_core(it, core);
        return;
    }
    pool_get(l, &it->out, 0);
    it->out.len = 0;
    if (it->kind == ITEM_MAIL) {
        it->st = srv_conn_mail(core, &it->out);
        it->established = srv_conn_established(core);
        return;
    }
    it->st = srv_conn_input(core, it->buf, it->len, &it->out);
    it->delay = srv_conn_take_delay(core);
    struct srv_io_job *j = srv_conn_take_job(core);
    if (j)
        worker_job_new(l, it, j);
    note_core(it, core);
    if (srv_conn_take_io_cancel(core)) {
        /* a queued job was cancelled: an idle I/O thread hands it back now */
        pthread_mutex_lock(&l->iomu);
        pthread_cond_broadcast(&l->iocv);
        pthread_mutex_unlock(&l->iomu);
    }
}

/* Worker: hand an answered item to the loop thread. */
static void worker_post(struct evloop *l, struct item *it)
{
    give_back_pdu(l, it);
    if (it->kind == ITEM_JOB) {
        it->jobs_delta = -1;
        l->w_jobs--;
    }
    post_done(l, it);
}

static void *worker_main(void *arg)
{
    struct evloop *l = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    for (;;) {
        pthread_mutex_lock(&l->mu);
        struct item *it;
        bool stop = false;
        for (;;) {
            if ((it = fifo_pop(&l->todo)) != NULL)
                break;
            if (l->worker_stop && l->w_jobs == 0) {
                stop = true; /* stop requested, queue drained, every job back */
                break;
            }
            if (!l->waiting) {
                pthread_cond_wait(&l->cv, &l->mu);
                continue;
            }
            uint64_t d = earliest_deadline(l);
            if (now_ms() >= d)
                break;
            struct timespec ts = {.tv_sec = (time_t)(d / 1000), .tv_nsec = (long)(d % 1000) * 1000000};
            pthread_cond_timedwait(&l->cv, &l->mu, &ts); /* CLOCK_MONOTONIC (srv_loop_new) */
        }
        pthread_mutex_unlock(&l->mu);
        if (stop)
            break;
        if (it && batchable(it)) {
            /* Items whose answers sign nothing but READ/WRITE/FLUSH results
             * (jobs back from their I/O threads, lone READ frames) are taken
             * together from the head of the queue, in order, and the
             * signatures of all their responses (of any connection of this
             * worker) are computed as one batch (interleaved MAC lanes,
             * srv_conn_sign_batch) before any of them is handed on. */
            struct item *got[SRV_SIGN_BATCH_MAX];
            int ng = 0;
            got[ng++] = it;
            pthread_mutex_lock(&l->mu);
            while (ng < SRV_SIGN_BATCH_MAX && l->todo.head && batchable(l->todo.head))
                got[ng++] = fifo_pop(&l->todo);
            pthread_mutex_unlock(&l->mu);
            /* the signatures of the pass's WRITE requests are verified
             * together first (srv_conn_verify_add takes only what may be) */
            struct srv_verify_batch vb;
            vb.n = 0;
            for (int i = 0; i < ng; i++)
                if (got[i]->kind == ITEM_FRAME)
                    srv_conn_verify_add(got[i]->lc->core, got[i]->buf, got[i]->len, &vb);
            srv_verify_batch_run(&vb);
            const struct srv_ctx *vctx = got[0]->lc->ref->ctx;
            if (vb.n > 1 && vctx->cfg.log_level >= SRV_LOG_DEBUG) {
                size_t nc = 0;
                for (size_t k = 0; k < vb.n; k++) {
                    size_t j = 0;
                    while (j < k && vb.conn[j] != vb.conn[k])
                        j++;
                    nc += j == k;
                }
                lg(vctx, SRV_LOG_DEBUG, "event loop %d: %zu WRITE signatures of %zu connection(s) verified in one batch%s",
                   l->idx, vb.n, nc, vb.any_failed ? ", some refused" : "");
            }
            struct srv_sign_batch sb;
            sb.n = 0;
            for (int i = 0; i < ng; i++) {
                srv_conn_sign_batch(got[i]->lc->core, &sb);
                srv_conn_verify_batch(got[i]->lc->core, vb.n ? &vb : NULL);
                sb.cur_tag = i;
                worker_answer(l, got[i]);
                srv_conn_verify_batch(got[i]->lc->core, NULL);
                srv_conn_sign_batch(got[i]->lc->core, NULL);
            }
            if (sb.n && srv_sign_batch_run(&sb) != SMB_OK) {
                for (size_t k = 0; k < sb.n; k++)
                    if (sb.m[k].status != SMB_OK && got[sb.tag[k]]->st == SMB_OK) {
                        got[sb.tag[k]]->st = SMB_E_INTERNAL_ERROR; /* never sent unsigned */
                        got[sb.tag[k]]->out.len = 0;
                    }
            }
            for (int i = 0; i < ng; i++)
                worker_post(l, got[i]);
        } else if (it) {
            worker_answer(l, it);
            worker_post(l, it);
        }
        worker_deadlines(l);
    }
    return NULL;
}

/* ---- sockets ---- */

static int listen_on(const char *spec, char *err, size_t errlen)
{
    char addr[128];
    uint16_t port;
    if (srv_parse_listen(spec, addr, sizeof addr, &port)) {
        snprintf(err, errlen, "bad listen address '%s'", spec);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_PASSIVE};
    struct addrinfo *ai = NULL;
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    int rc = getaddrinfo(addr, ps, &hints, &ai);
    if (rc) {
        snprintf(err, errlen, "listen %s: %s (numeric address expected)", spec, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 512)) {
        snprintf(err, errlen, "listen %s: %s", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    return fd;
}

static void set_thread_name(pthread_t t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_thread_name(pthread_t t, const char *fmt, ...)
{
    char name[16]; /* the kernel's limit, NUL included; longer names are cut */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    pthread_setname_np(t, name);
}

static void evloop_free(struct evloop *l);

/* One event loop's epoll set, eventfd, worker and I/O threads (its own
 * loop thread starts in srv_loop_run). */
static struct evloop *evloop_new(struct srv_loop *s, int idx, const struct srv_ctx *ctx, char *err, size_t errlen)
{
    struct evloop *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->srv = s;
    l->idx = idx;
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the worker's interim deadlines */
    pthread_cond_init(&l->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&l->iomu, NULL);
    pthread_cond_init(&l->iocv, NULL);
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    /* the eventfd wakes the loop for the worker's results, connections
     * handed over by the acceptor and the stop request */
    l->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &l->evfd};
    if (l->ep < 0 || l->evfd < 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, l->evfd, &ev)) {
        snprintf(err, errlen, "event loop %d: %s", idx, strerror(errno));
        goto fail;
    }
    l->threaded = ctx->cfg.worker_thread;
    if (l->threaded) {
        if (pthread_create(&l->worker, NULL, worker_main, l) != 0) {
            snprintf(err, errlen, "worker thread: %s", strerror(errno));
            goto fail;
        }
        l->worker_started = true;
        set_thread_name(l->worker, "smbsign-core%d", idx);
        /* I/O threads: only with the worker (it owns the cores they serve) */
        int want = (int)ctx->cfg.io_threads;
        if (want > LOOP_IO_THREADS_MAX)
            want = LOOP_IO_THREADS_MAX;
        for (int i = 0; i < want; i++) {
            struct io_arg *a = &l->io_args[i];
            a->l = l;
            a->idx = i;
            if (pthread_create(&l->io[i], NULL, io_main, a) != 0) {
                snprintf(err, errlen, "I/O thread: %s", strerror(errno));
                goto fail;
            }
            set_thread_name(l->io[i], "smbsign-io%d.%d", idx, i);
            l->n_io_started++;
        }
        l->n_io = l->n_io_started;
    }
    return l;
fail:
    evloop_free(l);
    return NULL;
}

smb_status srv_loop_new(struct srv_ctx *ctx, srv_reload_fn reload, void *reload_arg, struct srv_loop **out,
                        char *err, size_t errlen)
{
    struct srv_loop *s = calloc(1, sizeof *s);
    if (!s)
        return SMB_E_NOMEM;
    pthread_mutex_init(&s->refmu, NULL);
    pthread_mutex_init(&s->addrmu, NULL);
    s->sigfd = -1;
    s->reload = reload;
    s->reload_arg = reload_arg;
    s->cur = ref_new(s, ctx);
    unsigned n = srv_config_workers(&ctx->cfg);
    s->loops = calloc(n, sizeof *s->loops);
    if (!s->cur || !s->loops) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    /* signals first: every thread created from here on inherits the mask */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (s->sigfd < 0) {
        snprintf(err, errlen, "signalfd: %s", strerror(errno));
        goto fail;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!(s->loops[i] = evloop_new(s, (int)i, ctx, err, errlen)))
            goto fail;
        s->n_loops++;
    }
    struct evloop *l0 = s->loops[0];
    for (int i = 0; i < ctx->cfg.n_listen; i++) {
        int fd = listen_on(ctx->cfg.listen[i], err, errlen);
        if (fd < 0)
            goto fail;
        s->lfd[s->n_lfd++] = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->lfd[s->n_lfd - 1]};
        epoll_ctl(l0->ep, EPOLL_CTL_ADD, fd, &ev);
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->sigfd};
    epoll_ctl(l0->ep, EPOLL_CTL_ADD, s->sigfd, &ev);
    lg(ctx, SRV_LOG_INFO, "%d event loop(s) (workers%s), %s, %u I/O thread(s) each", s->n_loops,
       ctx->cfg.workers ? "" : " = online CPUs", ctx->cfg.worker_thread ? "worker thread each" : "no worker thread",
       ctx->cfg.worker_thread ? ctx->cfg.io_threads : 0);
    *out = s;
    return SMB_OK;
fail:
    if (s->cur)
        s->cur->ctx = NULL; /* the caller still owns ctx on failure */
    srv_loop_free(s);
    return SMB_E_IO;
}

static void lconn_free(struct evloop *l, struct lconn *lc)
{
    srv_conn_free(lc->core); /* no wake can name lc after this (srv_conn_set_wake) */
    pthread_mutex_lock(&l->mu);
    for (struct lconn **pp = &l->mail; *pp; pp = &(*pp)->mail_next)
        if (*pp == lc) {
            *pp = lc->mail_next;
            break;
        }
    pthread_mutex_unlock(&l->mu);
    free(lc->rbuf);
    struct obuf *o = lc->oh, *n;
    for (; o; o = n) {
        n = o->next;
        srv_buf_free(&o->b);
        free(o);
    }
    struct ctx_ref *r = lc->ref;
    free(lc);
    ref_put(l->srv, r, 1);
}

/* What the core last reported about waiting LOCKs (loop thread). */
static void set_lock_wait(struct evloop *l, struct lconn *lc, bool wait, uint64_t gen)
{
    if (wait != lc->lock_wait)
        l->n_lock_wait += wait ? 1u : (unsigned)-1;
    lc->lock_wait = wait;
    lc->lock_gen = gen;
}

static void conn_close(struct evloop *l, struct lconn *lc)
{
    set_lock_wait(l, lc, false, 0);
    if (lc->prev)
        lc->prev->next = lc->next;
    else
        l->conns = lc->next;
    if (lc->next)
        lc->next->prev = lc->prev;
    __atomic_sub_fetch(&l->n_conns, 1, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&l->srv->n_conns_total, 1, __ATOMIC_RELAXED);
    if (!lc->established)
        __atomic_sub_fetch(&l->n_unauth, 1, __ATOMIC_RELAXED);
    if (lc->counted)
        addr_put(l->srv, lc->addr);
    lc->counted = false;
    epoll_ctl(l->ep, EPOLL_CTL_DEL, lc->fd, NULL);
    close(lc->fd);
    lc->fd = -1;
    lc->dead = true;
    if (lc->inflight > 0 || lc->jobs > 0)
        return; /* freed when the worker hands back its last frame or job */
    lc->grave_next = l->grave;
    l->grave = lc;
}

/* Free the connections closed during one epoll batch, once no event of that
 * batch can name them any more. */
static void grave_free(struct evloop *l)
{
    while (l->grave) {
        struct lconn *lc = l->grave;
        l->grave = lc->grave_next;
        lconn_free(l, lc);
    }
}

static bool may_read(const struct lconn *lc)
{
    return !lc->hold_until_ms && !lc->closing && lc->queued < LOOP_OUT_HIGH && lc->inflight < LOOP_MAX_INFLIGHT &&
           lc->jobs < LOOP_MAX_JOBS;
}

static void set_events(struct evloop *l, struct lconn *lc)
{
    uint32_t evs = EPOLLRDHUP;
    if (may_read(lc))
        evs |= EPOLLIN;
    if (!lc->hold_until_ms && lc->queued)
        evs |= EPOLLOUT;
    struct epoll_event ev = {.events = evs, .data.ptr = lc};
    epoll_ctl(l->ep, EPOLL_CTL_MOD, lc->fd, &ev);
}

/* Queue an output buffer (takes it; empty buffers go back to the pool). */
static void queue_out(struct evloop *l, struct lconn *lc, struct srv_buf *b)
{
    if (b->len == 0) {
        pool_put(l, b);
        return;
    }
    struct obuf *o = calloc(1, sizeof *o);
    if (!o) {
        srv_buf_free(b);
        lc->closing = true;
        return;
    }
    o->b = *b;
    memset(b, 0, sizeof *b);
    if (lc->ot)
        lc->ot->next = o;
    else
        lc->oh = o;
    lc->ot = o;
    lc->queued += o->b.len;
}

/* Write what is queued. Returns -1 when the connection must close now. */
static int flush_out(struct evloop *l, struct lconn *lc)
{
    while (lc->oh) {
        struct obuf *o = lc->oh;
        while (o->off < o->b.len) {
            ssize_t n = send(lc->fd, o->b.p + o->off, o->b.len - o->off, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    return 0;
                return -1;
            }
            o->off += (size_t)n;
            lc->queued -= (size_t)n;
        }
        lc->oh = o->next;
        if (!lc->oh)
            lc->ot = NULL;
        pool_put(l, &o->b);
        free(o);
    }
    return lc->closing && lc->inflight == 0 ? -1 : 0;
}

/* A connection joins loop l (on l's thread). */
static void lconn_wake(void *arg);

static void conn_attach(struct evloop *l, struct lconn *lc)
{
    lc->loop = l;
    srv_conn_set_wake(lc->core, lconn_wake, lc);
    lc->next = l->conns;
    if (l->conns)
        l->conns->prev = lc;
    l->conns = lc;
    lc->created_ms = lc->last_ms = now_ms();
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = lc};
    epoll_ctl(l->ep, EPOLL_CTL_ADD, lc->fd, &ev);
}

/* Another connection posted to lc (any thread, the server's conn_mu held:
 * only queue and signal, MS-SMB2 oplock/lease breaks, server/session.h). */
static void lconn_wake(void *arg)
{
    struct lconn *lc = arg;
    struct evloop *l = lc->loop;
    pthread_mutex_lock(&l->mu);
    if (!lc->mail_queued) {
        lc->mail_queued = true;
        lc->mail_next = l->mail;
        l->mail = lc;
    }
    pthread_mutex_unlock(&l->mu);
    uint64_t one = 1;
    ssize_t w = write(l->evfd, &one, sizeof one);
    (void)w;
}

static int after_result(struct evloop *l, struct lconn *lc);
static void take_result(struct evloop *l, struct lconn *lc, struct srv_buf *out, smb_status st, uint32_t delay,
                        bool established);

/* Loop thread: let lc's core handle its mail (on the worker when there is
 * one, in order with its frames). */
static void run_mail(struct evloop *l, struct lconn *lc)
{
    if (lc->dead || lc->mail_busy)
        return;
    if (l->threaded) {
        struct item *it = calloc(1, sizeof *it);
        if (!it)
            return; /* the break timeout runs it again */
        it->kind = ITEM_MAIL;
        it->lc = lc;
        lc->inflight++;
        lc->mail_busy = true;
        pthread_mutex_lock(&l->mu);
        fifo_push(&l->todo, it);
        pthread_cond_signal(&l->cv);
        pthread_mutex_unlock(&l->mu);
        return;
    }
    struct srv_buf out;
    pool_get(l, &out, 0);
    out.len = 0;
    smb_status st = srv_conn_mail(lc->core, &out);
    take_result(l, lc, &out, st, 0, srv_conn_established(lc->core));
    if (after_result(l, lc) < 0)
        conn_close(l, lc);
}

/* one at a time under mu: a wake may queue the same connection again
 * meanwhile (it links mail_next, so no detached list is walked) */
static void take_mail(struct evloop *l)
{
    for (;;) {
        pthread_mutex_lock(&l->mu);
        struct lconn *lc = l->mail;
        if (lc) {
            l->mail = lc->mail_next;
            lc->mail_queued = false;
        }
        pthread_mutex_unlock(&l->mu);
        if (!lc)
            break;
        run_mail(l, lc);
    }
}

/* Connections the acceptor handed to l. */
static void take_inbox(struct evloop *l)
{
    pthread_mutex_lock(&l->mu);
    struct lconn *lc = l->inbox;
    l->inbox = NULL;
    pthread_mutex_unlock(&l->mu);
    while (lc) {
        struct lconn *n = lc->inbox_next;
        lc->inbox_next = NULL;
        conn_attach(l, lc);
        lc = n;
    }
}

static void wake(struct evloop *l)
{
    uint64_t one = 1;
    ssize_t w = write(l->evfd, &one, sizeof one);
    (void)w;
}

/* The loop with the fewest connections, scanning from just after the last
 * pick, so equal loads take turns. */
static struct evloop *pick_loop(struct srv_loop *s)
{
    unsigned n = (unsigned)s->n_loops, best = s->rr % n;
    unsigned min = __atomic_load_n(&s->loops[best]->n_conns, __ATOMIC_RELAXED);
    for (unsigned i = 1; i < n; i++) {
        unsigned k = (s->rr + i) % n;
        unsigned c = __atomic_load_n(&s->loops[k]->n_conns, __ATOMIC_RELAXED);
        if (c < min) {
            min = c;
            best = k;
        }
    }
    s->rr = best + 1;
    return s->loops[best];
}

/* The loop whose oldest unauthenticated connection goes when the table is
 * full: the one with the most such connections not already asked for; NULL
 * when every connection is authenticated (or enough evictions are pending). */
static struct evloop *pick_evict(struct srv_loop *s)
{
    if (__atomic_load_n(&s->evict_pending, __ATOMIC_RELAXED) >= LOOP_EVICT_SLACK)
        return NULL;
    struct evloop *best = NULL;
    unsigned most = 0;
    for (int k = 0; k < s->n_loops; k++) {
        struct evloop *c = s->loops[k];
        unsigned u = __atomic_load_n(&c->n_unauth, __ATOMIC_RELAXED);
        unsigned r = __atomic_load_n(&c->evict_req, __ATOMIC_RELAXED);
        if (u > r && u - r > most) {
            most = u - r;
            best = c;
        }
    }
    return best;
}

/* Peer address key (struct addr_count) and "host:port" text. */
static void peer_of(const struct sockaddr_storage *ss, uint8_t key[17], char *peer, size_t peerlen)
{
    char host[64] = "?";
    uint16_t port = 0;
    memset(key, 0, 17);
    key[0] = (uint8_t)ss->ss_family;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        memcpy(key + 1, &a->sin_addr, 4);
        port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        memcpy(key + 1, &a->sin6_addr, 16);
        port = ntohs(a->sin6_port);
    }
    snprintf(peer, peerlen, "%s:%u", host, port);
}

/* Loop 0's thread: accept, then hand each connection to the least loaded
 * loop, which owns it from then on. Flood rules (docs/server.md "Floods"):
 * one address holds at most "max connections per address"; when all
 * "max connections" are taken, the oldest connection without an
 * authenticated session is closed to make room (its loop does it, up to
 * LOOP_EVICT_SLACK connections above the cap meanwhile) and only a table of
 * authenticated connections refuses; refusals are logged rate-limited. */
static void do_accept(struct evloop *l, int lfd)
{
    struct srv_loop *s = l->srv;
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        memset(&ss, 0, sizeof ss);
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        const struct srv_ctx *ctx = s->cur->ctx;
        uint8_t key[17];
        char peer[80];
        unsigned have = 0;
        peer_of(&ss, key, peer, sizeof peer);
        if (!addr_take(s, key, ctx->cfg.max_conns_per_addr, &have)) {
            lg_limited(l, ctx, SRV_LOG_AUDIT, "connection from %s refused: %u connections from that address "
                       "(max connections per address)", peer, have);
            close(fd);
            continue;
        }
        if (__atomic_load_n(&s->n_conns_total, __ATOMIC_RELAXED) >= ctx->cfg.max_connections) {
            struct evloop *v = pick_evict(s);
            if (!v) {
                lg_limited(l, ctx, SRV_LOG_AUDIT, "connection from %s refused: limit of %u connections", peer,
                           ctx->cfg.max_connections);
                addr_put(s, key);
                close(fd);
                continue;
            }
            __atomic_add_fetch(&v->evict_req, 1, __ATOMIC_RELAXED);
            __atomic_add_fetch(&s->evict_pending, 1, __ATOMIC_RELAXED);
            if (v != l)
                wake(v);
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct evloop *t = pick_loop(s);
        struct lconn *lc = calloc(1, sizeof *lc);
        if (!lc || !(lc->core = srv_conn_new(ctx, peer))) {
            free(lc);
            addr_put(s, key);
            close(fd);
            continue;
        }
        lc->fd = fd;
        srv_conn_set_local(lc->core, fd); /* the address the client reached ("server spn validation") */
        memcpy(lc->addr, key, sizeof lc->addr);
        lc->counted = true;
        if (t->n_io > 0)
            srv_conn_set_io_jobs(lc->core, (int)ctx->cfg.async_io_after);
        pthread_mutex_lock(&s->refmu);
        lc->ref = s->cur;
        s->cur->users++;
        pthread_mutex_unlock(&s->refmu);
        smb_nb_framer_init(&lc->fr, SRV_PREAUTH_MAX_PDU, NULL, 0);
        __atomic_add_fetch(&t->n_conns, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&t->n_unauth, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&s->n_conns_total, 1, __ATOMIC_RELAXED);
        lg(ctx, SRV_LOG_DEBUG, "peer=%s connected (event loop %d of %d)", peer, t->idx, s->n_loops);
        if (t == l) {
            conn_attach(l, lc);
            continue;
        }
        pthread_mutex_lock(&t->mu);
        lc->inbox_next = t->inbox;
        t->inbox = lc;
        pthread_mutex_unlock(&t->mu);
        wake(t);
    }
}

/* The evictions the acceptor asked of l: close its oldest connections
 * without an authenticated session (loop thread). */
static void do_evict(struct evloop *l)
{
    unsigned req = __atomic_exchange_n(&l->evict_req, 0, __ATOMIC_RELAXED);
    if (!req)
        return;
    take_inbox(l);
    for (unsigned i = 0; i < req; i++) {
        struct lconn *old = NULL;
        for (struct lconn *c = l->conns; c; c = c->next)
            if (!c->established && !c->dead && (!old || c->created_ms <= old->created_ms))
                old = c;
        if (!old)
            break;
        lg_limited(l, old->ref->ctx, SRV_LOG_AUDIT, "connection table full: closing the oldest unauthenticated "
                   "connection (%u ms old)", (unsigned)(now_ms() - old->created_ms));
        conn_close(l, old);
    }
    __atomic_sub_fetch(&l->srv->evict_pending, req, __ATOMIC_RELAXED);
}

/* Result of the core for one frame (either thread mode), on the loop thread. */
static void take_result(struct evloop *l, struct lconn *lc, struct srv_buf *out, smb_status st, uint32_t delay,
                        bool established)
{
    if (established != lc->established && !lc->dead) {
        if (established)
            __atomic_sub_fetch(&l->n_unauth, 1, __ATOMIC_RELAXED);
        else
            __atomic_add_fetch(&l->n_unauth, 1, __ATOMIC_RELAXED);
    }
    lc->established = established;
    if (delay)
        lc->hold_until_ms = now_ms() + delay;
    if (st != SMB_OK) {
        lg(lc->ref->ctx, SRV_LOG_DEBUG, "closing connection: %s", smb_status_name(st));
        lc->closing = true; /* send what was produced (if anything), then close */
    }
    queue_out(l, lc, out);
}

/* A whole frame is in lc->rbuf. Returns -1 to close. */
static int on_frame(struct evloop *l, struct lconn *lc)
{
    if (lc->fr.type == SMB_NB_KEEPALIVE)
        return 0;
    if (lc->fr.type == SMB_NB_SESSION_REQUEST) {
        /* port 139 style: accept any called name */
        struct srv_buf b = {0};
        smb_wr w;
        if (srv_buf_reserve(&b, 8) != SMB_OK)
            return -1;
        wr_init(&w, b.p, 8);
        smb_nb_session_response_encode(&w, true, 0);
        b.len = wr_len(&w);
        queue_out(l, lc, &b);
        return 0;
    }
    if (lc->fr.type != SMB_NB_SESSION_MESSAGE)
        return -1;
    if (l->threaded) {
        struct item *it = calloc(1, sizeof *it);
        if (!it)
            return -1;
        it->kind = ITEM_FRAME;
        it->lc = lc;
        it->buf = lc->rbuf;
        it->cap = lc->rcap;
        it->len = lc->fr.len;
        lc->rbuf = NULL;
        lc->rcap = 0;
        smb_nb_framer_set_buffer(&lc->fr, NULL, 0);
        lc->inflight++;
        pthread_mutex_lock(&l->mu);
        fifo_push(&l->todo, it);
        pthread_cond_signal(&l->cv);
        pthread_mutex_unlock(&l->mu);
        return 0;
    }
    struct srv_buf out;
    pool_get(l, &out, 0);
    out.len = 0;
    smb_status st = srv_conn_input(lc->core, lc->fr.buf, lc->fr.len, &out);
    uint64_t gen;
    bool wait = srv_conn_lock_wait(lc->core, &gen);
    set_lock_wait(l, lc, wait, gen);
    take_result(l, lc, &out, st, srv_conn_take_delay(lc->core), srv_conn_established(lc->core));
    return 0;
}

/* After each frame: push output out at once so sending overlaps with the
 * next request. Returns -1 to close, 1 to stop reading for now, 0 to go on. */
static int after_frame(struct evloop *l, struct lconn *lc)
{
    if (!lc->hold_until_ms && flush_out(l, lc) < 0)
        return -1;
    return may_read(lc) ? 0 : 1;
}

static int grow_rbuf(struct evloop *l, struct lconn *lc, size_t need)
{
    if (need <= lc->rcap)
        return 0;
    if (need >= LOOP_POOL_MIN) {
        struct srv_buf b;
        pool_get(l, &b, need);
        if (!b.p)
            return -1;
        if (lc->rbuf && lc->fr.buf == lc->rbuf && lc->fr.have)
            memcpy(b.p, lc->rbuf, lc->fr.have < lc->rcap ? lc->fr.have : lc->rcap);
        free(lc->rbuf);
        lc->rbuf = b.p;
        lc->rcap = b.cap;
        return 0;
    }
    uint8_t *nb = realloc(lc->rbuf, need);
    if (!nb)
        return -1;
    lc->rbuf = nb;
    lc->rcap = need;
    return 0;
}

static int on_readable(struct evloop *l, struct lconn *lc)
{
    uint8_t tmp[4096];
    for (int rounds = 0; rounds < 64 && may_read(lc); rounds++) {
        /* Read the body straight into the frame buffer once its size is known. */
        if (lc->fr.hdr_have == SMB_NB_HDR_LEN && lc->fr.buf && lc->fr.cap >= lc->fr.len && lc->fr.have < lc->fr.len) {
            size_t want = lc->fr.len - lc->fr.have;
            ssize_t n = recv(lc->fd, lc->fr.buf + lc->fr.have, want, 0);
            if (n == 0)
                return -1;
            if (n < 0)
                return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
            lc->fr.have += (uint32_t)n;
            lc->last_ms = now_ms();
            if (lc->fr.have == lc->fr.len) {
                if (on_frame(l, lc) < 0)
                    return -1;
                smb_nb_framer_reset(&lc->fr);
                int a = after_frame(l, lc);
                if (a)
                    return a < 0 ? -1 : 0;
            }
            continue;
        }
        /* Until a session is authenticated nothing needs big frames
         * (NEGOTIATE, SESSION_SETUP): an unauthenticated peer cannot make
         * us allocate more than SRV_PREAUTH_MAX_PDU per connection. */
        if (lc->fr.hdr_have == 0)
            lc->fr.max_pdu = lc->established ? lc->ref->ctx->cfg.max_pdu : SRV_PREAUTH_MAX_PDU;
        /* header (or small frames): read a little and feed the framer */
        size_t want = lc->fr.hdr_have < SMB_NB_HDR_LEN ? (size_t)(SMB_NB_HDR_LEN - lc->fr.hdr_have) : sizeof tmp;
        /* Never read past the end of the current frame: bytes of the next
         * (pipelined) frame would be fed to this frame's framer and lost. */
        if (lc->fr.hdr_have == SMB_NB_HDR_LEN && lc->fr.len > lc->fr.have && lc->fr.len - lc->fr.have < want)
            want = lc->fr.len - lc->fr.have;
        ssize_t n = recv(lc->fd, tmp, want, 0);
        if (n == 0)
            return -1;
        if (n < 0)
            return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
        lc->last_ms = now_ms();
        size_t used = 0;
        smb_status st = smb_nb_framer_feed(&lc->fr, tmp, (size_t)n, &used);
        /* Once the header is known, give the framer a buffer for the whole
         * frame (the cap on its size was checked by the framer), then read
         * the body straight into it. */
        if ((st == SMB_E_PENDING || st == SMB_E_BUFFER_TOO_SMALL) && lc->fr.hdr_have == SMB_NB_HDR_LEN &&
            lc->fr.len > lc->fr.cap) {
            if (grow_rbuf(l, lc, lc->fr.len) < 0)
                return -1;
            smb_nb_framer_set_buffer(&lc->fr, lc->rbuf, lc->rcap);
            if (used < (size_t)n) {
                size_t u2 = 0;
                st = smb_nb_framer_feed(&lc->fr, tmp + used, (size_t)n - used, &u2);
            } else {
                st = lc->fr.have == lc->fr.len ? SMB_OK : SMB_E_PENDING;
            }
        }
        if (st == SMB_OK) {
            if (!lc->fr.buf && lc->fr.type == SMB_NB_SESSION_MESSAGE) {
                /* a zero-length session message still needs a buffer to hand over */
                if (grow_rbuf(l, lc, 1) < 0)
                    return -1;
                smb_nb_framer_set_buffer(&lc->fr, lc->rbuf, lc->rcap);
            }
            if (on_frame(l, lc) < 0)
                return -1;
            smb_nb_framer_reset(&lc->fr);
            int a = after_frame(l, lc);
            if (a)
                return a < 0 ? -1 : 0;
        } else if (st != SMB_E_PENDING) {
            lg(lc->ref->ctx, SRV_LOG_INFO, "closing connection: bad NetBIOS frame (%s%s)", smb_status_name(st),
               lc->fr.oversized ? ", larger than max pdu" : "");
            return -1;
        }
    }
    return 0;
}

/* Large buffers are kept while a connection is busy (no page faults per
 * 8 MiB READ/WRITE) and released once it has been quiet for a while, so an
 * idle connection costs little memory. */
static void shrink_idle(struct lconn *lc, uint64_t t)
{
    if (t - lc->last_ms < LOOP_SHRINK_AFTER_MS)
        return;
    if (lc->rcap > LOOP_KEEP_RBUF && lc->fr.hdr_have == 0) {
        free(lc->rbuf);
        lc->rbuf = NULL;
        lc->rcap = 0;
        smb_nb_framer_set_buffer(&lc->fr, NULL, 0);
    }
}

static void on_conn_event(struct evloop *l, struct lconn *lc, uint32_t evs)
{
    int rc = 0;
    if (evs & EPOLLIN)
        rc = on_readable(l, lc);
    if (rc == 0 && !lc->hold_until_ms)
        rc = flush_out(l, lc);
    if (rc == 0 && (evs & (EPOLLERR | EPOLLHUP)) && !(evs & EPOLLIN))
        rc = -1;
    if (rc < 0) {
        conn_close(l, lc);
        return;
    }
    set_events(l, lc);
}

/* Results handed back by the worker. */
static void on_done(struct evloop *l)
{
    uint64_t v;
    ssize_t r = read(l->evfd, &v, sizeof v);
    (void)r;
    take_inbox(l);
    pthread_mutex_lock(&l->mu);
    struct fifo got = l->done;
    l->done.head = l->done.tail = NULL;
    pthread_mutex_unlock(&l->mu);
    struct item *it;
    while ((it = fifo_pop(&got)) != NULL) {
        struct lconn *lc = it->lc;
        if (it->kind == ITEM_FRAME || it->kind == ITEM_POLL || it->kind == ITEM_MAIL)
            lc->inflight--;
        if (it->kind == ITEM_MAIL)
            lc->mail_busy = false;
        lc->jobs += it->jobs_delta;
        if (lc->dead) {
            pool_put(l, &it->out);
            if (lc->inflight == 0 && lc->jobs == 0) {
                lc->grave_next = l->grave;
                l->grave = lc;
            }
            free(it);
            continue;
        }
        set_lock_wait(l, lc, it->lock_wait, it->lock_gen);
        take_result(l, lc, &it->out, it->st, it->delay, it->established);
        free(it);
        if (after_result(l, lc) < 0)
            conn_close(l, lc);
    }
    take_mail(l);
}

/* After a result was queued: send, read what waited. -1: close. */
static int after_result(struct evloop *l, struct lconn *lc)
{
    int rc = lc->hold_until_ms ? 0 : flush_out(l, lc);
    if (rc == 0 && may_read(lc) && lc->fr.hdr_have == 0)
        rc = on_readable(l, lc); /* input may have waited for inflight to drop */
    if (rc == 0)
        set_events(l, lc);
    return rc;
}

/* SIGHUP, on loop 0's thread (the only one that changes cur). */
static void do_reload(struct srv_loop *s)
{
    if (!s->reload)
        return;
    struct srv_ctx *n = s->reload(s->reload_arg);
    const struct srv_ctx *running = s->cur->ctx;
    if (!n) {
        lg(running, SRV_LOG_ERROR, "SIGHUP: reload failed; keeping the running configuration");
        return;
    }
    /* one share-mode table across the reload */
    srv_ctx_adopt_shared(n, running);
    if (srv_config_workers(&n->cfg) != (unsigned)s->n_loops || n->cfg.worker_thread != running->cfg.worker_thread ||
        n->cfg.io_threads != running->cfg.io_threads)
        lg(n, SRV_LOG_AUDIT, "SIGHUP: workers, worker thread and io threads take effect at the next start "
                             "(running: %d event loop(s))", s->n_loops);
    struct ctx_ref *r = ref_new(s, n);
    if (!r) {
        srv_ctx_free(n);
        free(n);
        return;
    }
    pthread_mutex_lock(&s->refmu);
    struct ctx_ref *old = s->cur;
    s->cur = r;
    pthread_mutex_unlock(&s->refmu);
    ref_put(s, old, 0);
    lg(n, SRV_LOG_AUDIT, "SIGHUP: configuration reloaded (signing %s); new connections use it",
       smb_level_name(n->level));
}

/* Blocking LOCKs (session.h): a connection whose LOCK waits is retried
 * once the server's lock generation moved (an unlock or close anywhere,
 * this loop or another); the retry runs on the thread that owns the core
 * (the worker, as an ITEM_POLL in the connection's order). Returns whether
 * a connection still waits (the loop then wakes every LOOP_LOCK_POLL_MS). */
static bool poll_locks(struct evloop *l)
{
    if (!l->n_lock_wait)
        return false;
    bool any = false;
    struct lconn *lc = l->conns, *n;
    for (; lc; lc = n) {
        n = lc->next;
        if (!lc->lock_wait || lc->dead || lc->closing)
            continue;
        any = true;
        if (lc->inflight || srv_ctx_lock_gen(lc->ref->ctx) == lc->lock_gen)
            continue; /* a frame in flight reports again; nothing freed yet */
        if (l->threaded) {
            struct item *it = calloc(1, sizeof *it);
            if (!it)
                continue;
            it->kind = ITEM_POLL;
            it->lc = lc;
            lc->inflight++;
            pthread_mutex_lock(&l->mu);
            fifo_push(&l->todo, it);
            pthread_cond_signal(&l->cv);
            pthread_mutex_unlock(&l->mu);
            continue;
        }
        struct srv_buf out;
        pool_get(l, &out, 0);
        out.len = 0;
        smb_status st = srv_conn_poll(lc->core, &out);
        uint64_t gen;
        bool wait = srv_conn_lock_wait(lc->core, &gen);
        set_lock_wait(l, lc, wait, gen);
        take_result(l, lc, &out, st, 0, srv_conn_established(lc->core));
        if (!lc->hold_until_ms && flush_out(l, lc) < 0)
            conn_close(l, lc);
        else
            set_events(l, lc);
    }
    return any;
}

static void on_timer(struct evloop *l)
{
    uint64_t t = now_ms();
    /* the suppressed count of a flood that stopped (loop 0 owns cur; the
     * others log through one of their connections' ctx) */
    if (l->ll.suppressed && (l->idx == 0 || l->conns))
        lg_limit_flush(l, l->idx == 0 ? l->srv->cur->ctx : l->conns->ref->ctx, t);
    bool busy = false;
    for (struct lconn *c = l->conns; c; c = c->next)
        busy |= c->inflight > 0 || c->jobs > 0 || t - c->last_ms < LOOP_SHRINK_AFTER_MS;
    if (!busy) {
        /* quiet server: give the pooled buffers back */
        pthread_mutex_lock(&l->mu);
        for (int i = 0; i < l->n_pool; i++)
            srv_buf_free(&l->pool[i]);
        l->n_pool = 0;
        pthread_mutex_unlock(&l->mu);
    }
    struct lconn *lc = l->conns, *n;
    for (; lc; lc = n) {
        n = lc->next;
        const struct srv_config *cfg = &lc->ref->ctx->cfg;
        if (lc->hold_until_ms && t >= lc->hold_until_ms) {
            lc->hold_until_ms = 0;
            if (flush_out(l, lc) < 0) {
                conn_close(l, lc);
                continue;
            }
            set_events(l, lc);
        }
        shrink_idle(lc, t);
        if (lc->inflight || lc->jobs)
            continue;
        if (!lc->established && t - lc->created_ms > (uint64_t)cfg->handshake_timeout * 1000) {
            lg_limited(l, lc->ref->ctx, SRV_LOG_INFO, "closing half-open connection after %us (handshake timeout)",
                       cfg->handshake_timeout);
            conn_close(l, lc);
        } else if (t - lc->last_ms > (uint64_t)cfg->idle_timeout * 1000) {
            lg(lc->ref->ctx, SRV_LOG_INFO, "closing idle connection after %us", cfg->idle_timeout);
            conn_close(l, lc);
        }
    }
}

static void stop_worker(struct evloop *l)
{
    if (!l->worker_started)
        return;
    pthread_mutex_lock(&l->mu);
    l->worker_stop = true;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->worker, NULL);
    l->worker_started = false;
    /* the worker waited for every job: the I/O threads are idle */
    pthread_mutex_lock(&l->iomu);
    l->io_stop = true;
    pthread_cond_broadcast(&l->iocv);
    pthread_mutex_unlock(&l->iomu);
    for (int i = 0; i < l->n_io_started; i++)
        pthread_join(l->io[i], NULL);
    l->n_io_started = 0;
    /* hand back what the worker finished */
    if (l->done.head) {
        uint64_t one = 1;
        ssize_t w = write(l->evfd, &one, sizeof one);
        (void)w;
        on_done(l);
    }
}

/* One loop until stop: loop 0 on the caller's thread (listening sockets and
 * signals too), loops 1..N-1 on their own. */
static int evloop_run(struct evloop *l)
{
    struct srv_loop *s = l->srv;
    struct epoll_event evs[LOOP_MAX_EVENTS];
    uint64_t last_tick = now_ms();
    int rc = 0;
    bool lock_waits = false;
    while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE)) {
        int timeout = lock_waits ? LOOP_LOCK_POLL_MS : 1000;
        for (struct lconn *lc = l->conns; lc; lc = lc->next) {
            /* a break timeout or a post not yet run (server/session.h) */
            uint64_t md = lc->mail_busy || lc->dead ? 0 : srv_conn_mail_deadline(lc->core);
            if (lc->hold_until_ms || md) {
                uint64_t t = now_ms(), h = lc->hold_until_ms ? lc->hold_until_ms : UINT64_MAX;
                if (md && md < h)
                    h = md;
                int d = h > t ? (int)(h - t < 1000 ? h - t : 1000) : 0;
                if (d < timeout)
                    timeout = d;
            }
        }
        int n = epoll_wait(l->ep, evs, LOOP_MAX_EVENTS, timeout);
        if (n < 0 && errno != EINTR) {
            rc = 1;
            break;
        }
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &s->sigfd) {
                struct signalfd_siginfo si;
                while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
                    if (si.ssi_signo == SIGHUP)
                        do_reload(s);
                    else
                        __atomic_store_n(&l->stop, true, __ATOMIC_RELEASE);
                }
                continue;
            }
            if (p == &l->evfd) {
                on_done(l);
                continue;
            }
            bool is_listen = false;
            for (int k = 0; k < s->n_lfd; k++)
                if (p == &s->lfd[k]) {
                    do_accept(l, s->lfd[k]);
                    is_listen = true;
                }
            if (!is_listen && !((struct lconn *)p)->dead)
                on_conn_event(l, (struct lconn *)p, evs[i].events);
        }
        lock_waits = poll_locks(l);
        grave_free(l);
        do_evict(l);
        uint64_t t = now_ms();
        for (struct lconn *lc = l->conns, *nx; lc; lc = nx) {
            nx = lc->next;
            uint64_t md = lc->mail_busy ? 0 : srv_conn_mail_deadline(lc->core);
            if (md && srv_mono_ms() >= md)
                run_mail(l, lc);
        }
        bool any_hold = false;
        for (struct lconn *lc = l->conns; lc; lc = lc->next)
            any_hold |= lc->hold_until_ms != 0;
        if (t - last_tick >= 1000 || any_hold) {
            on_timer(l);
            last_tick = t;
        }
    }
    if (l->idx == 0) {
        /* no more accepts: tell the other loops (every hand-off is already
         * in their inboxes) */
        lg(s->cur->ctx, SRV_LOG_AUDIT, "shutting down: flushing open files of %u connection(s) on %d event loop(s)",
           __atomic_load_n(&s->n_conns_total, __ATOMIC_RELAXED), s->n_loops);
        for (int k = 1; k < s->n_loops; k++) {
            __atomic_store_n(&s->loops[k]->stop, true, __ATOMIC_RELEASE);
            wake(s->loops[k]);
        }
    }
    /* SIGTERM: finish the frames already handed to the worker, flush open
     * files, send what is queued, close. */
    stop_worker(l);
    take_inbox(l);
    while (l->conns) {
        srv_conn_flush_all(l->conns->core);
        flush_out(l, l->conns);
        conn_close(l, l->conns);
    }
    return rc;
}

static void *loop_main(void *arg)
{
    struct evloop *l = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    return (void *)(intptr_t)evloop_run(l);
}

int srv_loop_run(struct srv_loop *s)
{
    for (int k = 1; k < s->n_loops; k++) {
        struct evloop *l = s->loops[k];
        if (pthread_create(&l->thread, NULL, loop_main, l) != 0) {
            lg(s->cur->ctx, SRV_LOG_ERROR, "event loop %d: cannot start a thread: %s", k, strerror(errno));
            __atomic_store_n(&l->n_conns, UINT_MAX, __ATOMIC_RELAXED); /* the acceptor never picks it */
            continue;
        }
        l->thread_started = true;
        set_thread_name(l->thread, "smbsign-loop%d", k);
    }
    int rc = evloop_run(s->loops[0]);
    for (int k = 1; k < s->n_loops; k++) {
        struct evloop *l = s->loops[k];
        if (!l->thread_started)
            continue;
        void *r = NULL;
        pthread_join(l->thread, &r);
        l->thread_started = false;
        if (r)
            rc = 1;
    }
    return rc;
}

static void evloop_free(struct evloop *l)
{
    if (!l)
        return;
    stop_worker(l);
    take_inbox(l);
    while (l->conns)
        conn_close(l, l->conns);
    grave_free(l);
    if (l->evfd >= 0)
        close(l->evfd);
    if (l->ep >= 0)
        close(l->ep);
    for (int i = 0; i < l->n_pool; i++)
        srv_buf_free(&l->pool[i]);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->iomu);
    pthread_cond_destroy(&l->iocv);
    free(l);
}

void srv_loop_free(struct srv_loop *s)
{
    if (!s)
        return;
    for (int k = 0; k < s->n_loops; k++)
        evloop_free(s->loops[k]);
    free(s->loops);
    for (int i = 0; i < s->n_lfd; i++)
        close(s->lfd[i]);
    if (s->sigfd >= 0)
        close(s->sigfd);
    struct ctx_ref *r = s->refs, *n;
    for (; r; r = n) {
        n = r->next;
        if (r->ctx) {
            srv_ctx_free(r->ctx);
            free(r->ctx);
        }
        free(r);
    }
    pthread_mutex_destroy(&s->refmu);
    for (int i = 0; i < LOOP_ADDR_BUCKETS; i++)
        while (s->addrs[i]) {
            struct addr_count *a = s->addrs[i];
            s->addrs[i] = a->next;
            free(a);
        }
    pthread_mutex_destroy(&s->addrmu);
    free(s);
}
