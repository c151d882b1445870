/*
 * scan/engine.c - the epoll adapter around the sans-I/O probes (probe.h):
 * non-blocking connects, a connection-rate token bucket, a cap on hosts in
 * flight, per-phase deadlines and bounded retries.
 *
 * Deadlines: every job waiting on the network sits on one of two FIFO lists
 * (connecting, waiting for an answer). Each list has one fixed timeout, so
 * appending at the tail keeps it sorted and expiry only looks at the heads:
 * O(1) per event, no heap, for any number of hosts in flight.
 *
 * Memory: a job (one host:port) is a fixed slot from a pool sized to the
 * concurrency, plus the answer buffer while reading (freed at once).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "scan/perm.h"
#include "scan/probe.h"
#include "scan/targets.h"
#include "scan/verdict.h"
#include "smbsign/scan.h"

#define EPOLL_BATCH 1024
#define RECV_SCRATCH 16384
#define FD_RESERVE 32           /* descriptors kept free for stdio, output files */
#define TRANSIENT_BACKOFF_MS 20 /* after EADDRNOTAVAIL / EMFILE */
#define MAX_TRANSIENT 200       /* give up on a job after this many local failures */

enum { L_NONE, L_WAIT, L_CONNECT, L_IO };

struct job {
    struct job *prev, *next;
    uint64_t deadline;
    int fd;
    uint8_t list;
    uint8_t probe_idx; /* 0 = SMB2, 1 = SMB1 */
    uint8_t attempt;
    bool connected;
    bool in_use;
    uint64_t step; /* shard step (smb_scan_opts) */
    uint16_t transient;
    int family;
    uint8_t addr[16];
    uint64_t start_ms;
    struct scan_probe probe;
    struct scan_probe_out out[2];
    struct smb_scan_result res;
};

struct list {
    struct job head;
};

struct engine {
    const struct smb_scan_opts *o;
    const smb_scan_targets *t;
    struct scan_templates tpl;
    int ep;
    struct job *pool;
    struct job *free_list;
    unsigned conc;
    unsigned active, peak_active;
    struct list wait, conn, io;
    /* target cursor: steps of this shard, in permutation order */
    struct scan_space space;
    struct scan_perm perm;
    uint64_t step_next, steps;
    size_t redo_i;
    bool targets_done;
    uint64_t *pending; /* checkpoint scratch: conc + resume_npending */
    uint64_t next_checkpoint;
    /* rate */
    double tokens, burst;
    uint64_t last_ns;
    uint64_t backoff_until;
    /* progress */
    uint64_t done, total, start_ms, next_progress;
    uint8_t scratch[RECV_SCRATCH];
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static uint64_t now_ms(void)
{
    return now_ns() / 1000000ull;
}

static void list_init(struct list *l)
{
    l->head.next = l->head.prev = &l->head;
}
static bool list_empty(const struct list *l)
{
    return l->head.next == &l->head;
}
static struct list *list_of(struct engine *e, uint8_t id)
{
    return id == L_WAIT ? &e->wait : id == L_CONNECT ? &e->conn : id == L_IO ? &e->io : NULL;
}
static void list_del(struct engine *e, struct job *j)
{
    if (j->list == L_NONE)
        return;
    j->prev->next = j->next;
    j->next->prev = j->prev;
    j->next = j->prev = NULL;
    j->list = L_NONE;
}
static void list_push(struct engine *e, uint8_t id, struct job *j, uint64_t deadline)
{
    list_del(e, j);
    struct list *l = list_of(e, id);
    j->prev = l->head.prev;
    j->next = &l->head;
    l->head.prev->next = j;
    l->head.prev = j;
    j->list = id;
    j->deadline = deadline;
}

void smb_scan_opts_default(struct smb_scan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ports[0] = 445;
    o->nports = 1;
    o->probes = SMB_SCAN_PROBE_SMB2 | SMB_SCAN_PROBE_SMB1;
    o->connect_timeout_ms = 1500;
    o->timeout_ms = 3000;
    o->retries = 1;
    o->rate = 0;
    o->concurrency = 1024;
    o->progress_interval_ms = 250;
    o->shards = 1;
    o->checkpoint_interval_ms = 1000;
}

static void close_fd(struct job *j)
{
    if (j->fd >= 0) {
        close(j->fd); /* also leaves the epoll set */
        j->fd = -1;
    }
}

static void report(struct engine *e, struct smb_scan_result *r)
{
    e->done++;
    if (e->o->on_result)
        e->o->on_result(r, e->o->ctx);
}

static void job_release(struct engine *e, struct job *j)
{
    list_del(e, j);
    close_fd(j);
    scan_probe_free(&j->probe);
    j->in_use = false;
    j->next = e->free_list;
    e->free_list = j;
    e->active--;
}

static void job_finish(struct engine *e, struct job *j)
{
    struct smb_scan_result *r = &j->res;
    scan_verdict(r, &j->out[0], &j->out[1]);
    uint64_t el = now_ms() - j->start_ms;
    r->elapsed_ms = el > UINT32_MAX ? UINT32_MAX : (uint32_t)el;
    report(e, r);
    job_release(e, j);
}

static void skip_out(struct scan_probe_out *o, const char *why)
{
    memset(o, 0, sizeof *o);
    o->status = SMB_SCAN_SKIPPED;
    snprintf(o->error, sizeof o->error, "%s", why);
}

/* Set up the next probe of j, or finish it. */
static void job_next_probe(struct engine *e, struct job *j)
{
    for (;;) {
        unsigned idx = j->probe_idx;
        if (idx > 1) {
            job_finish(e, j);
            return;
        }
        unsigned bit = idx == 0 ? SMB_SCAN_PROBE_SMB2 : SMB_SCAN_PROBE_SMB1;
        if (!(e->o->probes & bit)) {
            skip_out(&j->out[idx], "not requested");
            j->probe_idx++;
            continue;
        }
        break;
    }
    j->attempt = 0;
    j->transient = 0;
    scan_probe_init(&j->probe, j->probe_idx == 0 ? SCAN_PROBE_SMB2 : SCAN_PROBE_SMB1, j->res.port == 139,
                    &e->tpl);
    list_push(e, L_WAIT, j, 0);
}

/* A probe ended with outcome o. */
static void probe_end(struct engine *e, struct job *j, const struct scan_probe_out *o, bool retryable)
{
    close_fd(j);
    list_del(e, j);
    if (retryable && j->attempt < e->o->retries) {
        j->attempt++;
        uint8_t a = j->attempt;
        scan_probe_init(&j->probe, j->probe_idx == 0 ? SCAN_PROBE_SMB2 : SCAN_PROBE_SMB1, j->res.port == 139,
                        &e->tpl);
        j->attempt = a;
        list_push(e, L_WAIT, j, 0);
        return;
    }
    j->out[j->probe_idx] = *o;
    if (j->probe_idx == 0) {
        /* A dead or non-SMB port will not answer SMB1 either. */
        const char *why = NULL;
        if (o->status == SMB_SCAN_REFUSED)
            why = "port closed (SMB2 probe refused)";
        else if (o->status == SMB_SCAN_NOT_SMB)
            why = "not an SMB service (SMB2 probe)";
        else if (o->status == SMB_SCAN_TIMEOUT && !j->connected)
            why = "no connection (SMB2 probe timed out connecting)";
        else if (o->status == SMB_SCAN_ERROR && !j->connected)
            why = "no connection (SMB2 probe failed connecting)";
        if (why) {
            skip_out(&j->out[1], why);
            j->probe_idx = 2;
            job_finish(e, j);
            return;
        }
    }
    j->probe_idx++;
    job_next_probe(e, j);
}

static void probe_fail(struct engine *e, struct job *j, smb_scan_status st, bool retryable, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));
static void probe_fail(struct engine *e, struct job *j, smb_scan_status st, bool retryable, const char *fmt,
                       ...)
{
    struct scan_probe_out o;
    memset(&o, 0, sizeof o);
    o.status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o.error, sizeof o.error, fmt, ap);
    va_end(ap);
    scan_probe_free(&j->probe);
    probe_end(e, j, &o, retryable);
}

static void connect_error(struct engine *e, struct job *j, int err)
{
    switch (err) {
    case ECONNREFUSED:
        probe_fail(e, j, SMB_SCAN_REFUSED, false, "connection refused");
        break;
    case ETIMEDOUT:
        probe_fail(e, j, SMB_SCAN_TIMEOUT, true, "connect timed out");
        break;
    case ECONNRESET:
        probe_fail(e, j, SMB_SCAN_RESET, true, "connection reset while connecting");
        break;
    default:
        probe_fail(e, j, SMB_SCAN_ERROR, false, "connect: %s", strerror(err));
        break;
    }
}

/* Probe finished by the state machine itself. */
static void probe_completed(struct engine *e, struct job *j)
{
    struct scan_probe_out o = j->probe.out;
    /* A reset or silent close before any answer on the SMB2 probe may be
     * an overloaded server: retry it. */
    bool retryable = o.status == SMB_SCAN_RESET;
    probe_end(e, j, &o, retryable);
}

static void do_send(struct engine *e, struct job *j)
{
    for (;;) {
        size_t n;
        const uint8_t *b = scan_probe_tx(&j->probe, &n);
        if (!n)
            return;
        ssize_t w = send(j->fd, b, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return; /* EPOLLOUT (edge) will call us again */
            if (errno == EINTR)
                continue;
            if (errno == ECONNRESET || errno == EPIPE) {
                scan_probe_eof(&j->probe, true);
                probe_completed(e, j);
            } else {
                probe_fail(e, j, SMB_SCAN_ERROR, false, "send: %s", strerror(errno));
            }
            return;
        }
        scan_probe_sent(&j->probe, (size_t)w);
    }
}

/* Returns true when the job moved on (probe over). */
static bool do_recv(struct engine *e, struct job *j)
{
    for (;;) {
        ssize_t n = recv(j->fd, e->scratch, sizeof e->scratch, 0);
        if (n > 0) {
            scan_probe_rx(&j->probe, e->scratch, (size_t)n);
            if (scan_probe_done(&j->probe)) {
                probe_completed(e, j);
                return true;
            }
            size_t pending;
            (void)scan_probe_tx(&j->probe, &pending);
            if (pending) {
                do_send(e, j);
                if (j->fd < 0 || j->list != L_IO)
                    return true;
            }
            continue;
        }
        if (n == 0) {
            scan_probe_eof(&j->probe, false);
            probe_completed(e, j);
            return true;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return false;
        if (errno == EINTR)
            continue;
        if (errno == ECONNRESET) {
            scan_probe_eof(&j->probe, true);
            probe_completed(e, j);
            return true;
        }
        probe_fail(e, j, SMB_SCAN_ERROR, false, "recv: %s", strerror(errno));
        return true;
    }
}

static void on_event(struct engine *e, struct job *j, uint32_t ev)
{
    if (j->fd < 0)
        return;
    if (!j->connected) {
        if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        if (ev & (EPOLLERR | EPOLLHUP)) {
            /* a plain EPOLLOUT means connected; only errors need SO_ERROR */
            int err = 0;
            socklen_t sl = sizeof err;
            if (getsockopt(j->fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
                err = errno;
            if (err) {
                connect_error(e, j, err);
                return;
            }
        }
        j->connected = true;
        list_push(e, L_IO, j, now_ms() + e->o->timeout_ms);
        do_send(e, j);
        if (j->fd < 0 || j->list != L_IO)
            return;
        /* Edge-triggered and registered since connect(): an answer arriving
         * later raises its own EPOLLIN, so no speculative recv here. */
        ev &= ~(uint32_t)EPOLLOUT;
        if (!(ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
            return;
    }
    if (ev & EPOLLOUT) {
        do_send(e, j);
        if (j->fd < 0 || j->list != L_IO)
            return;
    }
    if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        (void)do_recv(e, j);
}

static void start_connect(struct engine *e, struct job *j)
{
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } sa;
    socklen_t sl;
    memset(&sa, 0, sizeof sa);
    if (j->family == AF_INET) {
        sa.in4.sin_family = AF_INET;
        sa.in4.sin_port = htons(j->res.port);
        memcpy(&sa.in4.sin_addr, j->addr, 4);
        sl = sizeof sa.in4;
    } else {
        sa.in6.sin6_family = AF_INET6;
        sa.in6.sin6_port = htons(j->res.port);
        memcpy(&sa.in6.sin6_addr, j->addr, 16);
        sl = sizeof sa.in6;
    }
    j->connected = false;
    if (!j->start_ms)
        j->start_ms = now_ms();
    int fd = socket(j->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int err = errno;
        if ((err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) &&
            j->transient < MAX_TRANSIENT) {
            j->transient++;
            list_push(e, L_WAIT, j, 0);
            e->backoff_until = now_ms() + TRANSIENT_BACKOFF_MS;
            return;
        }
        probe_fail(e, j, SMB_SCAN_ERROR, false, "socket: %s", strerror(err));
        return;
    }
    j->fd = fd;
    if (connect(fd, &sa.sa, sl) < 0 && errno != EINPROGRESS) {
        int err = errno;
        close_fd(j);
        if ((err == EADDRNOTAVAIL || err == EAGAIN || err == ENOBUFS) && j->transient < MAX_TRANSIENT) {
            /* out of local ports for now: wait for TIME_WAIT sockets to go */
            j->transient++;
            list_push(e, L_WAIT, j, 0);
            e->backoff_until = now_ms() + TRANSIENT_BACKOFF_MS;
            return;
        }
        connect_error(e, j, err);
        return;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = j;
    if (epoll_ctl(e->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int err = errno;
        close_fd(j);
        probe_fail(e, j, SMB_SCAN_ERROR, false, "epoll_ctl: %s", strerror(err));
        return;
    }
    list_push(e, L_CONNECT, j, now_ms() + e->o->connect_timeout_ms);
}

/* Pull the next (address, port) of this shard; false at the end. Excluded
 * indexes are passed over (they count as done). */
static bool next_target(struct engine *e, const struct scan_range **r, scan_u128 *a, uint16_t *port,
                        uint64_t *step)
{
    const struct smb_scan_opts *o = e->o;
    while (!e->targets_done) {
        uint64_t k;
        if (e->redo_i < o->resume_npending)
            k = o->resume_pending[e->redo_i++];
        else if (e->step_next < e->steps)
            k = e->step_next++;
        else {
            e->targets_done = true;
            break;
        }
        uint64_t idx = scan_perm_at(&e->perm, o->shard + k * o->shards);
        if (scan_space_get(&e->space, idx, r, a, port)) {
            *step = k;
            return true;
        }
    }
    return false;
}

static void admit(struct engine *e)
{
    while (e->free_list) {
        const struct scan_range *r;
        scan_u128 a;
        uint16_t port;
        uint64_t step;
        if (!next_target(e, &r, &a, &port, &step))
            return;
        if (r->name && !r->resolved) {
            struct smb_scan_result res;
            memset(&res, 0, sizeof res);
            res.name = r->name;
            res.port = port;
            res.status = SMB_SCAN_ERROR;
            res.smb2_status = res.smb1_status = SMB_SCAN_SKIPPED;
            res.verdict = SMB_SCAN_VERDICT_UNKNOWN;
            snprintf(res.error, sizeof res.error, "%s",
                     r->err ? r->err : "name not resolved (smb_scan_targets_resolve not called)");
            report(e, &res);
            continue;
        }
        struct job *j = e->free_list;
        e->free_list = j->next;
        memset(j, 0, sizeof *j);
        j->fd = -1;
        j->in_use = true;
        j->step = step;
        j->family = r->family;
        scan_u128_to_bytes(a, r->family, j->addr);
        j->res.name = r->name;
        j->res.family = r->family;
        j->res.port = port;
        inet_ntop(r->family, j->addr, j->res.addr, sizeof j->res.addr);
        e->active++;
        if (e->active > e->peak_active)
            e->peak_active = e->active;
        job_next_probe(e, j);
    }
}

static void refill(struct engine *e)
{
    if (!e->o->rate)
        return;
    uint64_t t = now_ns();
    e->tokens += (double)(t - e->last_ns) * e->o->rate / 1e9;
    if (e->tokens > e->burst)
        e->tokens = e->burst;
    e->last_ns = t;
}

static void connect_waiting(struct engine *e)
{
    if (e->backoff_until && now_ms() < e->backoff_until)
        return;
    e->backoff_until = 0;
    refill(e);
    while (!list_empty(&e->wait)) {
        if (e->o->rate && e->tokens < 1.0)
            return;
        struct job *j = e->wait.head.next;
        list_del(e, j);
        if (e->o->rate)
            e->tokens -= 1.0;
        start_connect(e, j);
        if (e->backoff_until)
            return;
    }
}

static void expire(struct engine *e)
{
    uint64_t t = now_ms();
    while (!list_empty(&e->conn) && e->conn.head.next->deadline <= t) {
        struct job *j = e->conn.head.next;
        probe_fail(e, j, SMB_SCAN_TIMEOUT, true, "no connection in %u ms", e->o->connect_timeout_ms);
    }
    while (!list_empty(&e->io) && e->io.head.next->deadline <= t) {
        struct job *j = e->io.head.next;
        if (smb_nb_framer_started(&j->probe.fr))
            probe_fail(e, j, SMB_SCAN_TIMEOUT, true, "answer incomplete after %u ms (%u of %u bytes)",
                       e->o->timeout_ms, j->probe.fr.have, j->probe.fr.len);
        else
            probe_fail(e, j, SMB_SCAN_TIMEOUT, true, "no answer in %u ms", e->o->timeout_ms);
    }
}

static int wait_ms(struct engine *e)
{
    uint64_t t = now_ms();
    uint64_t next = t + 1000;
    if (!list_empty(&e->conn) && e->conn.head.next->deadline < next)
        next = e->conn.head.next->deadline;
    if (!list_empty(&e->io) && e->io.head.next->deadline < next)
        next = e->io.head.next->deadline;
    if (!list_empty(&e->wait)) {
        if (e->backoff_until) {
            if (e->backoff_until < next)
                next = e->backoff_until;
        } else if (e->o->rate) {
            double need = 1.0 - e->tokens;
            uint64_t ms = need <= 0 ? 0 : (uint64_t)(need * 1000.0 / e->o->rate) + 1;
            if (t + ms < next)
                next = t + ms;
        } else {
            next = t;
        }
    }
    if (e->o->on_progress && e->next_progress < next)
        next = e->next_progress;
    if (e->o->on_checkpoint && e->next_checkpoint < next)
        next = e->next_checkpoint;
    return next <= t ? 0 : (int)(next - t);
}

static void progress(struct engine *e, bool force)
{
    if (!e->o->on_progress)
        return;
    uint64_t t = now_ms();
    if (!force && t < e->next_progress)
        return;
    e->next_progress = t + (e->o->progress_interval_ms ? e->o->progress_interval_ms : 250);
    struct smb_scan_progress p = {e->done, e->total, t - e->start_ms, e->active, e->peak_active};
    e->o->on_progress(&p, e->o->ctx);
}

static void checkpoint(struct engine *e, bool force)
{
    const struct smb_scan_opts *o = e->o;
    if (!o->on_checkpoint)
        return;
    uint64_t t = now_ms();
    if (!force && t < e->next_checkpoint)
        return;
    e->next_checkpoint = t + (o->checkpoint_interval_ms ? o->checkpoint_interval_ms : 1000);
    size_t n = 0;
    for (size_t i = e->redo_i; i < o->resume_npending; i++)
        e->pending[n++] = o->resume_pending[i];
    for (unsigned i = 0; i < e->conc; i++)
        if (e->pool[i].in_use)
            e->pending[n++] = e->pool[i].step;
    struct smb_scan_checkpoint cp = {e->step_next, e->steps, e->pending, n};
    o->on_checkpoint(&cp, o->ctx);
}

static bool shard_ok(const struct smb_scan_opts *o)
{
    return o->shards >= 1 && o->shard < o->shards;
}

uint64_t smb_scan_steps(const struct smb_scan_opts *o, const smb_scan_targets *t, uint64_t *space)
{
    struct scan_space sp;
    if (!shard_ok(o) || scan_space_init(&sp, t, o->ports, o->nports) != 0)
        return 0;
    if (space)
        *space = sp.total;
    uint64_t n = scan_shard_steps(sp.total, o->shard, o->shards);
    scan_space_free(&sp);
    return n;
}

smb_status smb_scan_list(const struct smb_scan_opts *o, const smb_scan_targets *t,
                         int (*cb)(const char *host, int family, uint16_t port, void *ctx), void *ctx)
{
    if (!o || !t || !cb || o->nports == 0 || o->nports > SMB_SCAN_MAX_PORTS || !shard_ok(o))
        return SMB_E_BAD_ARGUMENT;
    struct engine e;
    memset(&e, 0, sizeof e);
    e.o = o;
    e.t = t;
    if (scan_space_init(&e.space, t, o->ports, o->nports) != 0)
        return SMB_E_NOMEM;
    e.steps = scan_shard_steps(e.space.total, o->shard, o->shards);
    smb_status st = SMB_OK;
    if (o->resume_next > e.steps) {
        st = SMB_E_BAD_ARGUMENT;
        goto out;
    }
    e.step_next = o->resume_next;
    scan_perm_init(&e.perm, e.space.total, o->seed, !o->shuffle);
    const struct scan_range *r;
    scan_u128 a;
    uint16_t port;
    uint64_t step;
    while (next_target(&e, &r, &a, &port, &step)) {
        char host[SMB_SCAN_ADDR_LEN];
        uint8_t b[16];
        if (r->name && !r->resolved) {
            if (cb(r->name, 0, port, ctx))
                break;
            continue;
        }
        scan_u128_to_bytes(a, r->family, b);
        inet_ntop(r->family, b, host, sizeof host);
        if (cb(host, r->family, port, ctx))
            break;
    }
out:
    scan_space_free(&e.space);
    return st;
}

static unsigned fd_budget(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return SMB_SCAN_MAX_CONCURRENCY;
    if (rl.rlim_cur <= FD_RESERVE + 1)
        return 1;
    return (unsigned)(rl.rlim_cur - FD_RESERVE);
}

smb_status smb_scan_run(const struct smb_scan_opts *o, const smb_scan_targets *t)
{
    if (!o || !t || o->nports == 0 || o->nports > SMB_SCAN_MAX_PORTS || o->concurrency == 0 ||
        o->concurrency > SMB_SCAN_MAX_CONCURRENCY ||
        !(o->probes & (SMB_SCAN_PROBE_SMB1 | SMB_SCAN_PROBE_SMB2)) || o->connect_timeout_ms == 0 ||
        o->timeout_ms == 0 || !shard_ok(o) || (o->resume_npending && !o->resume_pending))
        return SMB_E_BAD_ARGUMENT;
    smb_status st = SMB_OK;
    struct engine *e = calloc(1, sizeof *e);
    if (!e)
        return SMB_E_NOMEM;
    e->o = o;
    e->t = t;
    e->ep = -1;
    uint8_t guid[16], salt[32];
    if (getrandom(guid, sizeof guid, 0) != (ssize_t)sizeof guid ||
        getrandom(salt, sizeof salt, 0) != (ssize_t)sizeof salt) {
        st = SMB_E_IO;
        goto out;
    }
    st = scan_templates_build(&e->tpl, guid, salt);
    if (st != SMB_OK)
        goto out;
    e->conc = o->concurrency;
    unsigned budget = fd_budget();
    if (e->conc > budget)
        e->conc = budget;
    e->pool = calloc(e->conc, sizeof *e->pool);
    if (!e->pool) {
        st = SMB_E_NOMEM;
        goto out;
    }
    for (unsigned i = 0; i < e->conc; i++) {
        e->pool[i].fd = -1;
        e->pool[i].next = i + 1 < e->conc ? &e->pool[i + 1] : NULL;
    }
    e->free_list = &e->pool[0];
    list_init(&e->wait);
    list_init(&e->conn);
    list_init(&e->io);
    e->ep = epoll_create1(EPOLL_CLOEXEC);
    if (e->ep < 0) {
        st = SMB_E_IO;
        goto out;
    }
    if (scan_space_init(&e->space, t, o->ports, o->nports) != 0) {
        st = SMB_E_NOMEM;
        goto out;
    }
    e->steps = scan_shard_steps(e->space.total, o->shard, o->shards);
    if (o->resume_next > e->steps) {
        st = SMB_E_BAD_ARGUMENT;
        goto out;
    }
    for (size_t i = 0; i < o->resume_npending; i++)
        if (o->resume_pending[i] >= o->resume_next) {
            st = SMB_E_BAD_ARGUMENT;
            goto out;
        }
    e->step_next = o->resume_next;
    scan_perm_init(&e->perm, e->space.total, o->seed, !o->shuffle);
    e->pending = malloc(((size_t)e->conc + o->resume_npending + 1) * sizeof *e->pending);
    if (!e->pending) {
        st = SMB_E_NOMEM;
        goto out;
    }
    {
        /* Progress total: exact for one shard from the start; otherwise the
         * share of the steps still to do (exclusions spread evenly). */
        uint64_t left = scan_space_count(&e->space);
        uint64_t todo = e->steps - e->step_next + o->resume_npending;
        if (o->shards == 1 && !o->resume_next && !o->resume_npending)
            e->total = left;
        else
            e->total = e->space.total ? (uint64_t)((double)left * todo / e->space.total + 0.5) : 0;
    }
    e->next_checkpoint = now_ms() + (o->checkpoint_interval_ms ? o->checkpoint_interval_ms : 1000);
    e->start_ms = now_ms();
    e->next_progress = e->start_ms;
    /* Burst: 100 ms worth. Enough to catch up after the loop was late (a
     * busy machine, a long epoll batch) so the rate holds on average, and
     * small enough to stay polite. */
    e->burst = o->rate ? (o->rate / 10.0 > 1.0 ? o->rate / 10.0 : 1.0) : 0;
    e->tokens = o->rate ? 1.0 : 0;
    e->last_ns = now_ns();

    struct epoll_event evs[EPOLL_BATCH];
    for (;;) {
        if (o->cancel && *o->cancel) {
            checkpoint(e, true);
            st = SMB_E_CANCELLED;
            goto out;
        }
        admit(e);
        connect_waiting(e);
        admit(e); /* jobs finished synchronously (refused at connect) free slots */
        if (e->active == 0 && e->targets_done)
            break;
        progress(e, false);
        checkpoint(e, false);
        int n = epoll_wait(e->ep, evs, EPOLL_BATCH, wait_ms(e));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            st = SMB_E_IO;
            goto out;
        }
        for (int i = 0; i < n; i++)
            on_event(e, evs[i].data.ptr, evs[i].events);
        expire(e);
    }
    progress(e, true);
    checkpoint(e, true);
out:
    if (e->pool) {
        for (unsigned i = 0; i < e->conc; i++) {
            if (e->pool[i].fd >= 0)
                close(e->pool[i].fd);
            scan_probe_free(&e->pool[i].probe);
        }
        free(e->pool);
    }
    if (e->ep >= 0)
        close(e->ep);
    scan_space_free(&e->space);
    free(e->pending);
    free(e);
    return st;
}
