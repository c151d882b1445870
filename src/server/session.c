/* server/session.c - sans-I/O SMB2/3 server core: framing, compounds, credits,
 * signing, NEGOTIATE, SESSION_SETUP, LOGOFF, ECHO, CANCEL (see session.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netdb.h>
#include <sys/socket.h>

#include "base/hex.h"
#include "server/session_int.h"
#include "smbsign/policy.h"
#include "wire/smb1/header.h"
#include "wire/smb1/negotiate.h"
#include "wire/netbios.h"
#include "wire/smb2/echo.h"
#include "wire/smb2/error.h"
#include "wire/smb2/logoff.h"
#include "wire/smb2/negotiate.h"
#include "wire/smb2/session_setup.h"

/* ------------------------------------------------------------------ */
/* buffers, logging, ctx                                                */

smb_status srv_buf_reserve(struct srv_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return SMB_OK;
    size_t ncap = b->cap ? b->cap : 4096;
    while (ncap - b->len < extra) {
        if (ncap > SIZE_MAX / 2)
            return SMB_E_NOMEM;
        ncap *= 2;
    }
    uint8_t *np = realloc(b->p, ncap);
    if (!np)
        return SMB_E_NOMEM;
    b->p = np;
    b->cap = ncap;
    return SMB_OK;
}

void srv_buf_free(struct srv_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void srv_log(const struct srv_conn *c, int level, const char *fmt, ...)
{
    if (!c->ctx->log || level > c->ctx->cfg.log_level)
        return;
    char msg[768];
    int n = snprintf(msg, sizeof msg, "peer=%s ", c->peer);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof msg)
        vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    c->ctx->log(c->ctx->log_arg, level, msg);
}

uint64_t srv_ctx_now(const struct srv_ctx *ctx)
{
    /* the clock of the first share's file system (deterministic for the
     * memory backend), else the POSIX one */
    for (int i = 0; i < ctx->cfg.n_shares; i++)
        if (ctx->vfs[i].ops)
            return srv_vfs_now(&ctx->vfs[i]);
    return srv_vfs_posix_now();
}

/* Drop one reference; the last one frees the table (its connections are all
 * gone by then, so it is empty). */
static void srv_shared_put(struct srv_shared *sh)
{
    if (!sh || __atomic_sub_fetch(&sh->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    pthread_mutex_destroy(&sh->share_mu);
    pthread_mutex_destroy(&sh->conn_mu);
    pthread_mutex_destroy(&sh->sess_mu);
    free(sh);
}

smb_status srv_ctx_init(struct srv_ctx *ctx, const struct srv_config *cfg, smb_sign_level level, char *err,
                        size_t errlen)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->cfg = *cfg;
    ctx->level = level;
    ctx->shared = calloc(1, sizeof *ctx->shared);
    if (!ctx->shared) {
        snprintf(err, errlen, "out of memory");
        return SMB_E_NOMEM;
    }
    pthread_mutex_init(&ctx->shared->share_mu, NULL);
    pthread_mutex_init(&ctx->shared->conn_mu, NULL);
    pthread_mutex_init(&ctx->shared->sess_mu, NULL);
    ctx->shared->refs = 1;
    smb_status st = smb_random(ctx->server_guid, sizeof ctx->server_guid);
    if (st != SMB_OK) {
        snprintf(err, errlen, "no randomness");
        srv_ctx_free(ctx);
        return st;
    }
    for (int i = 0; i < cfg->n_shares; i++) {
        const struct srv_share *s = &cfg->shares[i];
        if (s->ipc)
            continue;
        st = s->mem ? srv_vfs_open_mem(&ctx->vfs[i], s->mem_bytes, s->read_only)
                    : srv_vfs_open_root(&ctx->vfs[i], s->path, s->read_only);
        if (st != SMB_OK) {
            snprintf(err, errlen, "share [%s]: cannot open %s", s->name, s->mem ? "a memory file system" : s->path);
            srv_ctx_free(ctx);
            return st;
        }
    }
    ctx->start_time = srv_ctx_now(ctx);
    if (cfg->users[0]) {
        st = srv_userdb_load(&ctx->users, cfg->users, err, errlen);
        if (st != SMB_OK) {
            srv_ctx_free(ctx);
            return st;
        }
    }
    return SMB_OK;
}

void srv_ctx_free(struct srv_ctx *ctx)
{
    for (int i = 0; i < SRV_MAX_SHARES; i++)
        srv_vfs_close(&ctx->vfs[i]);
    srv_userdb_free(&ctx->users);
    srv_shared_put(ctx->shared);
    ctx->shared = NULL;
}

void srv_ctx_adopt_shared(struct srv_ctx *ctx, const struct srv_ctx *running)
{
    if (!running->shared || ctx->shared == running->shared)
        return;
    __atomic_add_fetch(&running->shared->refs, 1, __ATOMIC_RELAXED);
    srv_shared_put(ctx->shared);
    ctx->shared = running->shared;
}

/* ------------------------------------------------------------------ */
/* connection, sessions                                                  */

struct srv_conn *srv_conn_new(const struct srv_ctx *ctx, const char *peer)
{
    struct srv_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ctx = ctx;
    snprintf(c->peer, sizeof c->peer, "%s", peer ? peer : "?");
    c->seq_lo = 0;
    c->seq_hi = 1; /* MS-SMB2 3.3.1.1: the first request uses MessageId 0 */
    c->io_async_after = -1;
    if (srv_mbox_register(c) != SMB_OK) {
        free(c);
        return NULL;
    }
    return c;
}

void srv_conn_set_local(struct srv_conn *c, int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char h[sizeof c->local];
    c->local[0] = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
        getnameinfo((struct sockaddr *)&ss, sl, h, sizeof h, NULL, 0, NI_NUMERICHOST) != 0)
        return;
    const char *a = strncmp(h, "::ffff:", 7) == 0 && strchr(h + 7, '.') ? h + 7 : h; /* IPv4-mapped */
    memmove(c->local, a, strlen(a) + 1);
}

/* ---- multichannel: the registry and session lifetime (docs/server.md
 * "Threads and locking"). A home session is referenced by every connection
 * list entry naming it (its own and its bound channels'); refs changes under
 * shared->sess_mu once the session is bindable (before that only its own
 * connection knows it). The last reference closes its opens and frees it,
 * on whichever connection's thread drops it. */
static struct srv_session **reg_slot(struct srv_shared *sh, uint64_t id)
{
    return &sh->sess[(id ^ (id >> 32)) % SRV_SESS_BUCKETS];
}

static void reg_unlink_locked(struct srv_shared *sh, struct srv_session *h)
{
    struct srv_session **pp = reg_slot(sh, h->id);
    while (*pp && *pp != h)
        pp = &(*pp)->reg_next;
    if (*pp)
        *pp = h->reg_next;
    h->registered = false;
}

/* A valid session that another connection may bind to. */
static void reg_add(struct srv_conn *c, struct srv_session *h)
{
    struct srv_shared *sh = c->ctx->shared;
    pthread_mutex_lock(&sh->sess_mu);
    struct srv_session **pp = reg_slot(sh, h->id);
    h->reg_next = *pp;
    *pp = h;
    h->registered = h->bindable = true;
    pthread_mutex_unlock(&sh->sess_mu);
}

/* The session with this id, with a reference taken, or NULL; *channels:
 * the connection entries that named it before. Only a session of the same
 * ctx: a connection accepted after a reload (SIGHUP) may have other shares
 * under the same indexes, and whoever drops the last reference closes the
 * session's opens through its own ctx. */
static struct srv_session *reg_get(struct srv_conn *c, uint64_t id, int *channels)
{
    struct srv_shared *sh = c->ctx->shared;
    pthread_mutex_lock(&sh->sess_mu);
    struct srv_session *h = *reg_slot(sh, id);
    while (h && (h->id != id || h->ctx != c->ctx))
        h = h->reg_next;
    if (h)
        *channels = h->refs++;
    pthread_mutex_unlock(&sh->sess_mu);
    return h;
}

/* Remove a logged-off session from the registry: no new channel binds to it. */
static void reg_remove(struct srv_conn *c, struct srv_session *h)
{
    if (!h->bindable)
        return;
    struct srv_shared *sh = c->ctx->shared;
    pthread_mutex_lock(&sh->sess_mu);
    if (h->registered)
        reg_unlink_locked(sh, h);
    pthread_mutex_unlock(&sh->sess_mu);
}

static void home_put(struct srv_conn *c, struct srv_session *h)
{
    int left;
    if (h->bindable) {
        struct srv_shared *sh = c->ctx->shared;
        pthread_mutex_lock(&sh->sess_mu);
        left = --h->refs;
        if (!left && h->registered)
            reg_unlink_locked(sh, h);
        pthread_mutex_unlock(&sh->sess_mu);
    } else {
        left = --h->refs;
    }
    if (left > 0)
        return;
    srv_tree_remove_opens(c, h, 0);
    smb_crypt_ctx_free(h->crypt);
    if (h->mu_init)
        pthread_mutex_destroy(&h->mu);
    smb_wipe(h, sizeof *h);
    free(h);
}

/* A re-authentication in progress on entry s ends (cmd_session_setup). */
static void reauth_free(struct srv_session *s)
{
    if (!s->reauth)
        return;
    srv_auth_free(s->reauth);
    smb_wipe(s->reauth, sizeof *s->reauth);
    free(s->reauth);
    s->reauth = NULL;
}

/* A connection list entry goes: its channel state now, the session with
 * its last reference. */
static void session_free(struct srv_conn *c, struct srv_session *s)
{
    srv_auth_free(s);
    srv_signer_free(&s->signer);
    reauth_free(s);
    struct srv_session *home = s->home;
    if (!home) {
        home_put(c, s);
        return;
    }
    smb_crypt_ctx_free(s->crypt); /* the channel's own context (the home frees its own) */
    smb_wipe(s, sizeof *s);
    free(s);
    home_put(c, home);
}

static struct srv_session *session_alloc(void)
{
    struct srv_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    /* recursive: the lock retry and the break mail of a connection take the
     * session's lock, and run inside a request that holds it too (CLOSE) */
    pthread_mutexattr_t ma;
    if (pthread_mutexattr_init(&ma) != 0) {
        free(s);
        return NULL;
    }
    int mrc = pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    if (mrc == 0)
        mrc = pthread_mutex_init(&s->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    if (mrc != 0) {
        free(s);
        return NULL;
    }
    s->mu_init = true;
    s->refs = 1;
    return s;
}

static void gone_free(struct srv_gone *g)
{
    srv_signer_free(&g->signer); /* wipes the key */
    smb_wipe(g, sizeof *g);
    free(g);
}

void srv_conn_free(struct srv_conn *c)
{
    if (!c)
        return;
    srv_signer_free(&c->bind_key);
    while (c->gone) {
        struct srv_gone *g = c->gone;
        c->gone = g->next;
        gone_free(g);
    }
    srv_smb1_free(c); /* SMB1 hook */
    srv_async_free_all(c);
    srv_mbox_unregister(c);
    struct srv_session *s = c->sessions, *n;
    for (; s; s = n) {
        n = s->next;
        session_free(c, s);
    }
    free(c);
}

void srv_conn_flush_all(struct srv_conn *c)
{
    for (struct srv_session *s = c->sessions; s; s = s->next) {
        struct srv_session *h = srv_sess_home(s); /* one session lock at a time */
        pthread_mutex_lock(&h->mu);
        for (struct srv_open *o = h->opens; o; o = o->next)
            if (o->fh && o->writable && srv_fh_sync(o->fh, true) != SMB_OK)
                srv_log(c, SRV_LOG_ERROR, "flush of '%s' failed", o->rel ? o->rel : "");
        pthread_mutex_unlock(&h->mu);
    }
}

uint32_t srv_conn_take_delay(struct srv_conn *c)
{
    uint32_t d = c->delay_ms;
    c->delay_ms = 0;
    return d;
}

bool srv_conn_established(const struct srv_conn *c)
{
    if (c->smb1) /* SMB1 hook */
        return srv_smb1_established(c);
    for (struct srv_session *s = c->sessions; s; s = s->next)
        if (s->state == SESS_VALID)
            return true;
    return false;
}

static struct srv_session *session_find(struct srv_conn *c, uint64_t id)
{
    for (struct srv_session *s = c->sessions; s; s = s->next)
        if (s->id == id)
            return s;
    return NULL;
}

struct srv_session *srv_session_find(struct srv_conn *c, uint64_t id) { return session_find(c, id); }

static void session_remove(struct srv_conn *c, struct srv_session *s)
{
    struct srv_session **pp = &c->sessions;
    while (*pp && *pp != s)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = s->next;
        c->n_sessions--;
    }
    session_free(c, s);
}

/* LOGOFF: keep the session's signing key (moved, not copied) among the
 * newest SRV_GONE_MAX of the connection, then remove the session. */
static void session_retire(struct srv_conn *c, struct srv_session *s)
{
    /* MS-SMB2 3.3.5.6: the session ends on every channel: no new binding,
     * its opens and trees go now (other channels' entries answer
     * STATUS_USER_SESSION_DELETED until their connections drop them) */
    struct srv_session *h = srv_sess_home(s);
    reg_remove(c, h);
    pthread_mutex_lock(&h->mu);
    h->state = SESS_LOGGED_OFF;
    srv_tree_remove_opens(c, h, 0);
    h->n_trees = 0;
    pthread_mutex_unlock(&h->mu);
    struct srv_gone *g = s->has_key ? calloc(1, sizeof *g) : NULL;
    if (g) {
        g->id = s->id;
        g->signing_required = s->signing_required;
        g->signer = s->signer;
        s->signer.ctx = NULL;
        g->next = c->gone;
        c->gone = g;
        if (++c->n_gone > SRV_GONE_MAX) {
            struct srv_gone **pp = &c->gone;
            while ((*pp)->next)
                pp = &(*pp)->next;
            gone_free(*pp); /* the oldest */
            *pp = NULL;
            c->n_gone--;
        }
    }
    session_remove(c, s);
}

static struct srv_gone *gone_find(struct srv_conn *c, uint64_t id)
{
    for (struct srv_gone *g = c->gone; g; g = g->next)
        if (g->id == id)
            return g;
    return NULL;
}

struct srv_tree *srv_tree_find(struct srv_session *s, uint32_t id)
{
    for (int i = 0; i < s->n_trees; i++)
        if (s->trees[i].id == id)
            return &s->trees[i];
    return NULL;
}

/* ------------------------------------------------------------------ */
/* credits (MS-SMB2 3.3.5.2.3 sequence numbers, 3.3.1.2 algorithm)      */

static bool seq_bit(const struct srv_conn *c, uint64_t id)
{
    uint64_t i = id % SRV_SEQ_WINDOW;
    return (c->seq_bits[i / 8] >> (i % 8)) & 1;
}

static void seq_set(struct srv_conn *c, uint64_t id, bool v)
{
    uint64_t i = id % SRV_SEQ_WINDOW;
    if (v)
        c->seq_bits[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        c->seq_bits[i / 8] &= (uint8_t)~(1u << (i % 8));
}

/* Consume message ids [mid, mid+charge). */
static SMB_WUR smb_status seq_consume(struct srv_conn *c, uint64_t mid, uint16_t charge)
{
    uint64_t n = charge ? charge : 1;
    if (mid == UINT64_MAX || mid < c->seq_lo || mid + n > c->seq_hi || mid + n < mid)
        return SMB_E_INVALID_PARAMETER;
    for (uint64_t i = 0; i < n; i++)
        if (seq_bit(c, mid + i))
            return SMB_E_INVALID_PARAMETER;
    for (uint64_t i = 0; i < n; i++)
        seq_set(c, mid + i, true);
    while (c->seq_lo < c->seq_hi && seq_bit(c, c->seq_lo)) {
        seq_set(c, c->seq_lo, false);
        c->seq_lo++;
    }
    return SMB_OK;
}

uint16_t srv_credits_grant(struct srv_conn *c, uint16_t requested, uint16_t charge)
{
    uint64_t outstanding = c->seq_hi - c->seq_lo;
    uint64_t max = c->ctx->cfg.max_credits;
    if (max > SRV_SEQ_WINDOW)
        max = SRV_SEQ_WINDOW;
    uint64_t want = requested ? requested : 1;
    if (want < charge)
        want = charge;
    uint64_t room = outstanding >= max ? 0 : max - outstanding;
    uint64_t g = want < room ? want : room;
    if (g == 0 && outstanding == 0)
        g = 1; /* never leave the client without a credit */
    c->seq_hi += g;
    return (uint16_t)g;
}

/* ------------------------------------------------------------------ */
/* NEGOTIATE (MS-SMB2 3.3.5.3 / 3.3.5.4)                                 */

static bool dialect_allowed(const struct srv_conn *c, uint16_t d)
{
    const struct srv_config *cfg = &c->ctx->cfg;
    if (d != SMB_DIALECT_202 && d != SMB_DIALECT_210 && d != SMB_DIALECT_300 && d != SMB_DIALECT_302 &&
        d != SMB_DIALECT_311)
        return false;
    return d >= cfg->min_protocol && d <= cfg->max_protocol;
}

static uint32_t server_caps_for(const struct srv_conn *c, uint16_t dialect)
{
    /* MS-SMB2 3.3.5.4: LEASING for 2.1+ when "server leases = yes" */
    uint32_t caps = dialect >= SMB_DIALECT_210 ? SMB2_GLOBAL_CAP_LARGE_MTU : 0;
    if (dialect >= SMB_DIALECT_210 && c->ctx->cfg.leases)
        caps |= SMB2_GLOBAL_CAP_LEASING;
    return caps;
}

static SMB_WUR smb_status write_negotiate_rsp(struct srv_conn *c, smb_wr *w, uint16_t dialect,
                                      const struct smb2_neg_contexts *want)
{
    const struct srv_config *cfg = &c->ctx->cfg;
    struct smb2_negotiate_rsp r;
    memset(&r, 0, sizeof r);
    uint8_t tok[256];
    size_t toklen = 0;
    smb_status st = srv_auth_neg_token(cfg, tok, sizeof tok, &toklen);
    if (st != SMB_OK)
        return st;
    r.security_mode = c->server_secmode;
    r.dialect = dialect;
    memcpy(r.server_guid, c->ctx->server_guid, 16);
    r.capabilities = server_caps_for(c, dialect) | (c->server_caps & (SMB2_GLOBAL_CAP_ENCRYPTION | SMB2_GLOBAL_CAP_MULTI_CHANNEL));
    uint32_t io = dialect == SMB_DIALECT_202 ? 65536 : cfg->max_io;
    r.max_transact_size = io;
    r.max_read_size = io;
    r.max_write_size = io;
    r.system_time = srv_ctx_now(c->ctx);
    r.server_start_time = 0;
    r.security_buffer = tok;
    r.security_buffer_len = (uint16_t)toklen;
    if (want)
        r.ctx = *want;
    return smb2_negotiate_rsp_encode(w, 0, &r); /* the writer starts at the SMB2 header */
}

static SMB_WUR smb_status cmd_negotiate(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct smb2_negotiate_req req;
    if (c->negotiated) {
        /* MS-SMB2 3.3.5.3.1: a second NEGOTIATE is a protocol error. */
        srv_log(c, SRV_LOG_INFO, "second NEGOTIATE on the connection: dropping");
        c->drop = true;
        return SMB_E_ACCESS_DENIED;
    }
    smb_status st = smb2_negotiate_req_decode(&rq->body, &req);
    if (st != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    uint16_t best = 0;
    for (int i = 0; i < req.dialect_count; i++)
        if (dialect_allowed(c, req.dialects[i]) && req.dialects[i] > best)
            best = req.dialects[i];
    if (!best) {
        srv_log(c, SRV_LOG_AUDIT, "NEGOTIATE refused: no common dialect (server %s..%s)",
                smb_dialect_name(c->ctx->cfg.min_protocol), smb_dialect_name(c->ctx->cfg.max_protocol));
        return SMB_E_NOT_SUPPORTED;
    }
    c->dialect = best;
    c->client_secmode = req.security_mode;
    c->client_caps = req.capabilities;
    memcpy(c->client_guid, req.client_guid, 16);
    c->n_client_dialects = req.dialect_count;
    memcpy(c->client_dialects, req.dialects, req.dialect_count * sizeof(uint16_t));
    /* SecurityMode from the policy engine (the one source of signing decisions). */
    smb_server_decision dec;
    smb_side me = {c->ctx->level, SMB_ERA_CURRENT};
    if (smb_policy_server_decide(SMB_PROTO_SMB2, me, 0, &dec) != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    c->server_secmode = dec.security_mode;
    c->server_caps = server_caps_for(c, best);
    if (best >= SMB_DIALECT_300 && c->ctx->cfg.multichannel)
        c->server_caps |= SMB2_GLOBAL_CAP_MULTI_CHANNEL; /* MS-SMB2 3.3.5.4 IsMultiChannelCapable */
    c->sign_alg = best >= SMB_DIALECT_300 ? SMB_ALG_AES_CMAC : SMB_ALG_HMAC_SHA256;

    struct smb2_neg_contexts out;
    memset(&out, 0, sizeof out);
    c->server_caps |= srv_crypt_negotiate(c, &req, &out); /* the cipher (session_crypt.c) */
    if (best == SMB_DIALECT_311) {
        /* MS-SMB2 3.3.5.4: preauth context is mandatory, SHA-512 only. */
        bool sha512 = false;
        if (req.ctx.has_preauth)
            for (int i = 0; i < req.ctx.preauth.hash_alg_count; i++)
                sha512 |= req.ctx.preauth.hash_algs[i] == SMB2_PREAUTH_HASH_SHA512;
        if (!sha512) {
            srv_log(c, SRV_LOG_AUDIT, "NEGOTIATE 3.1.1 refused: no SHA-512 preauth integrity");
            return SMB_E_INVALID_PARAMETER;
        }
        out.has_preauth = true;
        out.preauth.hash_alg_count = 1;
        out.preauth.hash_algs[0] = SMB2_PREAUTH_HASH_SHA512;
        out.preauth.salt_len = 32;
        if (smb_random(out.preauth.salt, 32) != SMB_OK)
            return SMB_E_INTERNAL_ERROR;
        if (req.ctx.has_signing) {
            /* Our preference order (AES-GMAC first) over what the client offers. */
            int chosen = -1;
            for (int i = 0; i < c->ctx->cfg.n_algs && chosen < 0; i++)
                for (int j = 0; j < req.ctx.signing.alg_count; j++)
                    if (req.ctx.signing.algs[j] == (uint16_t)c->ctx->cfg.algs[i]) {
                        chosen = c->ctx->cfg.algs[i];
                        break;
                    }
            if (chosen < 0) {
                srv_log(c, SRV_LOG_AUDIT, "NEGOTIATE: no common signing algorithm; using AES-CMAC");
                chosen = SMB_ALG_AES_CMAC;
            }
            c->sign_alg = (smb_sign_alg)chosen;
            out.has_signing = true;
            out.signing.alg_count = 1;
            out.signing.algs[0] = (uint16_t)chosen;
        }
        /* connection preauth hash (MS-SMB2 3.3.5.4): H0 = 0^64, then the request */
        smb_preauth_init(&c->preauth);
        smb_preauth_update(&c->preauth, rq->msg, rq->len);
        rq->preauth_conn = true;
    }
    st = write_negotiate_rsp(c, w, best, best == SMB_DIALECT_311 ? &out : NULL);
    if (st != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    c->negotiated = true;
    rq->body_written = true;
    srv_log(c, SRV_LOG_INFO, "negotiated %s, server SecurityMode 0x%x, client SecurityMode 0x%x, signing %s",
            smb_dialect_name(best), c->server_secmode, c->client_secmode, smb_alg_name(c->sign_alg));
    return SMB_OK;
}

/* SMB1 NEGOTIATE carrying SMB2 dialects (MS-SMB2 3.3.5.3.1): answer with an
 * SMB2 NEGOTIATE response for 2.0.2 or the 2.??? wildcard. */
static SMB_WUR smb_status smb1_negotiate(struct srv_conn *c, const uint8_t *pdu, size_t len, struct srv_buf *out)
{
    smb_rd r;
    rd_init(&r, pdu, len);
    if (len < 32 || pdu[4] != 0x72 || c->negotiated || c->smb2_wildcard_sent)
        return SMB_E_MALFORMED;
    rd_seek(&r, 32);
    struct smb1_negotiate_req req;
    if (smb1_negotiate_req_decode(&r, &req) != SMB_OK)
        return SMB_E_MALFORMED;
    uint16_t dialect;
    if (smb1_negotiate_req_find(&req, SMB1_DIALECT_SMB2_WILDCARD) >= 0 && dialect_allowed(c, SMB_DIALECT_210))
        dialect = SMB_DIALECT_2FF;
    else if (smb1_negotiate_req_find(&req, SMB1_DIALECT_SMB2_002) >= 0 && dialect_allowed(c, SMB_DIALECT_202))
        dialect = SMB_DIALECT_202;
    else {
        srv_log(c, SRV_LOG_AUDIT, "SMB1-only client refused (this server speaks SMB2/3 only)");
        return SMB_E_NOT_SUPPORTED;
    }
    smb_server_decision dec;
    smb_side me = {c->ctx->level, SMB_ERA_CURRENT};
    if (smb_policy_server_decide(SMB_PROTO_SMB2, me, 0, &dec) != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    c->server_secmode = dec.security_mode;
    /* an SMB2 response to an SMB1 request: MessageId 0, one credit, unsigned */
    struct smb2_hdr q = {0};
    q.command = SMB2_NEGOTIATE;
    struct srv_frame f;
    struct srv_resp resp;
    smb_wr w;
    smb_status st = srv_frame_open(&f, out, 1024, &w);
    if (st == SMB_OK && (st = write_negotiate_rsp(c, &w, dialect, NULL)) != SMB_OK)
        out->len = f.start;
    if (st == SMB_OK) {
        srv_resp_init(&resp, &q, SMB_OK);
        resp.credit = 1;
        st = srv_frame_close(c, &f, &resp, &w);
    }
    if (st != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    if (dialect == SMB_DIALECT_202) {
        c->negotiated = true;
        c->dialect = SMB_DIALECT_202;
        c->sign_alg = SMB_ALG_HMAC_SHA256;
    } else {
        c->smb2_wildcard_sent = true;
    }
    /* The SMB1 request used no SMB2 message id; the next SMB2 request is MessageId 1
     * (MS-SMB2 3.3.5.3.1: the server sets the sequence window to {1}). */
    c->seq_lo = 1;
    c->seq_hi = 2;
    return SMB_OK;
}

/* ------------------------------------------------------------------ */
/* SESSION_SETUP (MS-SMB2 3.3.5.5), LOGOFF                               */

static SMB_WUR smb_status derive_signing(struct srv_conn *c, struct srv_session *s)
{
    /* MS-SMB2 3.3.5.5.3: 2.x signs with the session key (HMAC-SHA256);
     * 3.0/3.0.2 derive an AES-CMAC key; 3.1.1 derives it over the preauth
     * hash and uses the algorithm SIGNING_CAPABILITIES chose. */
    smb_sign_alg alg = c->dialect < SMB_DIALECT_300   ? SMB_ALG_HMAC_SHA256
                       : c->dialect < SMB_DIALECT_311 ? SMB_ALG_AES_CMAC
                                                      : c->sign_alg;
    if (c->dialect == SMB_DIALECT_311 && c->ctx->cfg.log_level >= SRV_LOG_DEBUG) {
        char hx[17];
        hex_encode(s->preauth.hash, 8, hx); /* public: a hash of wire messages */
        srv_log(c, SRV_LOG_DEBUG, "session 0x%llx: preauth hash %s..., signing %s", (unsigned long long)s->id, hx,
                smb_alg_name(alg));
    }
    return srv_signer_init(&s->signer, (smb_dialect)c->dialect, alg, s->session_key,
                           c->dialect == SMB_DIALECT_311 ? s->preauth.hash : NULL);
}

smb_status srv_bind_decide(const struct srv_bind_facts *f)
{
    if (f->sess_alg == SMB_ALG_AES_GMAC && f->conn_alg != f->sess_alg)
        return SMB_E_REQUEST_OUT_OF_SEQUENCE;
    if (f->conn_alg == SMB_ALG_AES_GMAC && f->sess_alg != f->conn_alg)
        return SMB_E_NOT_SUPPORTED;
    if (f->conn_dialect < SMB_DIALECT_300 || !f->enabled)
        return SMB_E_REQUEST_NOT_ACCEPTED;
    /* No ClientGuid rule: Samba 4.17 has none, and smbtorture's
     * bind_negative_smb3signCtoHd / HtoCd expect a binding from another
     * ClientGuid to succeed (the request is signed with Session.SigningKey
     * and the same user must authenticate either way). */
    if (f->sess_dialect != f->conn_dialect || f->sess_cipher != f->conn_cipher)
        return SMB_E_INVALID_PARAMETER;
    if (!f->sess_valid)
        return SMB_E_USER_SESSION_DELETED;
    if (f->sess_keyless)
        return SMB_E_NOT_SUPPORTED;
    return SMB_OK;
}

/* Verify a binding request with Session.SigningKey (derived again from the
 * session's key and preauth hash into c->bind_key: the session's own signer
 * belongs to its connection's thread) and make the refusal, if any, signed
 * with it (MS-SMB2 3.2.5.3.x: a client checks a failed SESSION_SETUP of a
 * binding with Session.SigningKey). */
static SMB_WUR smb_status bind_key_init(struct srv_conn *c, const struct srv_session *hs)
{
    if (c->bind_key_used)
        return SMB_E_REQUEST_NOT_ACCEPTED; /* one per PDU: an earlier element's response still needs it */
    srv_signer_free(&c->bind_key);
    smb_sign_alg alg = hs->dialect < SMB_DIALECT_300   ? SMB_ALG_HMAC_SHA256
                       : hs->dialect < SMB_DIALECT_311 ? SMB_ALG_AES_CMAC
                                                       : hs->sign_alg;
    return srv_signer_init(&c->bind_key, (smb_dialect)hs->dialect, alg, hs->session_key,
                           hs->dialect == SMB_DIALECT_311 ? hs->preauth.hash : NULL);
}

/* A SESSION_SETUP of a binding or re-authentication that does not verify:
 * counted and logged like any signature failure (the connection is dropped
 * after SRV_SIG_FAIL_DROP); refused with STATUS_ACCESS_DENIED. */
static SMB_WUR smb_status setup_sig_failure(struct srv_conn *c, const char *what, uint64_t sid, smb_verify_result vr)
{
    c->sig_failures++;
    srv_log(c, SRV_LOG_AUDIT, "signing: %s session 0x%llx refused: %s (failure %d of %d)", what,
            (unsigned long long)sid, smb_verify_result_name(vr), c->sig_failures, SRV_SIG_FAIL_DROP);
    if (c->sig_failures >= SRV_SIG_FAIL_DROP)
        c->drop = true;
    return SMB_E_ACCESS_DENIED;
}

static SMB_WUR smb_status bind_verify(struct srv_conn *c, struct srv_req *rq, struct srv_session *hs)
{
    if (!(rq->h.flags & SMB2_FLAGS_SIGNED))
        return SMB_E_INVALID_PARAMETER; /* 3.3.5.5.2: a binding request must be signed */
    smb_status kst = bind_key_init(c, hs);
    if (kst != SMB_OK)
        return kst == SMB_E_REQUEST_NOT_ACCEPTED ? kst : SMB_E_INTERNAL_ERROR;
    smb_verify_result vr = srv_signer_verify(&c->bind_key, rq->msg, rq->len, true);
    if (vr != SMB_VERIFY_VALID)
        return setup_sig_failure(c, "binding to", hs->id, vr);
    rq->signed_ok = true;
    rq->gone_signer = &c->bind_key;
    rq->gone_required = true;
    c->bind_key_used = true;
    return SMB_OK;
}

static bool refusal_signed_with_session_key(struct srv_conn *c, struct srv_req *rq, struct srv_session *e);

/* SESSION_SETUP with SMB2_SESSION_FLAG_BINDING (MS-SMB2 3.3.5.5.2): find the
 * session in the registry, check, and make (or continue) this connection's
 * channel entry for it. */
static SMB_WUR smb_status bind_begin(struct srv_conn *c, struct srv_req *rq, struct srv_session **out)
{
    const struct smb2_hdr *h = &rq->h;
    if (h->session_id == 0)
        return SMB_E_INVALID_PARAMETER;
    struct srv_session *e = session_find(c, h->session_id);
    if (e) {
        /* the session, or a channel of it, is on this connection already */
        if (e->home && e->state == SESS_IN_PROGRESS) {
            smb_status st = bind_verify(c, rq, e->home);
            if (st == SMB_OK)
                *out = e;
            return st;
        }
        if (!e->has_key)
            return SMB_E_REQUEST_NOT_ACCEPTED;
        smb_verify_result vr = srv_signer_verify(&e->signer, rq->msg, rq->len, true);
        if (vr != SMB_VERIFY_VALID) {
            (void)refusal_signed_with_session_key(c, rq, e); /* signed or not, refused */
            return SMB_E_ACCESS_DENIED;
        }
        rq->signed_ok = true;
        rq->gone_signer = &e->signer;
        rq->gone_required = true;
        return SMB_E_REQUEST_NOT_ACCEPTED;
    }
    int channels = 0;
    struct srv_session *hs = reg_get(c, h->session_id, &channels);
    if (!hs)
        return SMB_E_USER_SESSION_DELETED;
    smb_status st = bind_verify(c, rq, hs);
    if (st == SMB_OK) {
        pthread_mutex_lock(&hs->mu);
        bool valid = hs->state == SESS_VALID;
        pthread_mutex_unlock(&hs->mu);
        const struct srv_bind_facts f = {hs->dialect, c->dialect, hs->sign_alg, c->sign_alg, hs->cipher, c->cipher,
                                         c->ctx->cfg.multichannel, valid, hs->guest || hs->anonymous || !hs->has_key};
        st = srv_bind_decide(&f);
    }
    if (st == SMB_OK && channels >= SRV_CHANNELS_MAX) /* Windows' limit; smb2.multichannel.generic.num_channels */
        st = SMB_E_INSUFFICIENT_RESOURCES;
    if (st == SMB_OK && (uint32_t)c->n_sessions >= c->ctx->cfg.max_sessions)
        st = SMB_E_INSUFFICIENT_RESOURCES;
    if (st == SMB_OK && !(e = calloc(1, sizeof *e)))
        st = SMB_E_INSUFFICIENT_RESOURCES;
    if (st != SMB_OK) {
        srv_log(c, SRV_LOG_AUDIT, "SESSION_SETUP: binding to session 0x%llx refused: %s",
                (unsigned long long)h->session_id, smb_status_name(st));
        home_put(c, hs);
        return st;
    }
    e->id = hs->id;
    e->home = hs; /* the reference reg_get took */
    e->next_tree_id = 1;
    if (c->dialect == SMB_DIALECT_311)
        e->preauth = c->preauth; /* this channel's own preauth chain (3.3.5.5.2, 3.1.4.2) */
    e->next = c->sessions;
    c->sessions = e;
    c->n_sessions++;
    *out = e;
    return SMB_OK;
}

/* A binding completed its authentication (3.3.5.5.3): the same user, then
 * Channel.SigningKey from this authentication's key and, in 3.1.1, this
 * channel's preauth hash. */
static SMB_WUR smb_status bind_finish(struct srv_conn *c, struct srv_req *rq, struct srv_session *s, uint16_t *sflags)
{
    struct srv_session *hs = s->home;
    if (s->guest || s->anonymous)
        return SMB_E_NOT_SUPPORTED;
    if (strcmp(s->user, hs->user) != 0) {
        srv_log(c, SRV_LOG_AUDIT, "SESSION_SETUP: binding to session 0x%llx refused: user '%s' is not the session's",
                (unsigned long long)s->id, s->user);
        return SMB_E_ACCESS_DENIED;
    }
    s->signing_required = hs->signing_required;
    s->encrypt_data = hs->encrypt_data;
    if (derive_signing(c, s) != SMB_OK || srv_crypt_channel(s) != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    s->has_key = true;
    rq->setup_done = true;
    rq->gone_signer = NULL; /* the success response is signed with the channel's key */
    *sflags = hs->encrypt_data ? 0x0004 : 0; /* SMB2_SESSION_FLAG_ENCRYPT_DATA */
    return SMB_OK;
}

static void foreign_verify(struct srv_conn *c, struct srv_req *rq);
static void gone_verify(struct srv_conn *c, struct srv_req *rq, struct srv_signer *sg, bool required);

/* A SESSION_SETUP on a bound channel that does not verify with the channel's
 * key: when it verifies with Session.SigningKey instead (smbXcli signs a
 * SESSION_SETUP with it while its channel object has no key of its own, e.g.
 * a second binding attempt, smbtorture bind_negative_smb3signCtoH*), the
 * refusal is signed with that key (smbXcli insists on SMB2_FLAGS_SIGNED in
 * it, then skips the check for ACCESS_DENIED); otherwise it stays unsigned
 * (no signing oracle). */
static bool refusal_signed_with_session_key(struct srv_conn *c, struct srv_req *rq, struct srv_session *e)
{
    if (!e->home || bind_key_init(c, e->home) != SMB_OK)
        return false;
    gone_verify(c, rq, &c->bind_key, true);
    c->bind_key_used = rq->gone_signer != NULL;
    return c->bind_key_used;
}

/* SESSION_SETUP without the BINDING flag naming a valid session (or bound
 * channel) of this connection: a re-authentication (MS-SMB2 3.3.5.5,
 * 3.3.5.5.3). It must verify with this entry's key. The exchange runs in a
 * scratch session (e->reauth), so the session's user and keys never change
 * (MS-SMB2: a re-authentication keeps Session.SessionKey); every response of
 * it is signed with this entry's key (smbXcli checks the signature of a
 * failed SESSION_SETUP when it has a channel key). Success by the session's
 * own user keeps the session as it was; a failure, or another user, ends the
 * session on every channel once the signed response is built, as Samba does
 * (smbtorture smb2.session.bind_invalid_auth: a failed re-authentication on
 * a channel, then USER_SESSION_DELETED on both connections). */
static SMB_WUR smb_status reauth(struct srv_conn *c, struct srv_req *rq, struct srv_session *e, const uint8_t *tok,
                                 uint16_t toklen, smb_wr *w)
{
    struct srv_session *h = srv_sess_home(e);
    smb_verify_result vr = srv_signer_verify(&e->signer, rq->msg, rq->len, e->signing_required || e->home);
    if (!smb_verify_acceptable(vr) && refusal_signed_with_session_key(c, rq, e))
        return SMB_E_ACCESS_DENIED;
    if (!smb_verify_acceptable(vr))
        return setup_sig_failure(c, "re-authentication of", e->id, vr);
    rq->signed_ok = vr == SMB_VERIFY_VALID;
    rq->sess = e;                 /* an encrypted request is answered encrypted (session_emit.c) */
    rq->gone_signer = &e->signer; /* every response of the exchange: this entry's key */
    rq->gone_required = true;
    rq->new_session_id = e->id;
    if (!e->reauth && !(e->reauth = calloc(1, sizeof *e->reauth)))
        return SMB_E_INSUFFICIENT_RESOURCES;
    e->reauth->id = e->id;
    uint8_t outtok[SRV_CHAL_MAX + 256];
    size_t outlen = 0;
    smb_status st = srv_auth_step(c, e->reauth, tok, toklen, outtok, sizeof outtok, &outlen);
    if (st == SMB_OK && (e->reauth->guest || e->reauth->anonymous || strcmp(e->reauth->user, h->user) != 0)) {
        srv_log(c, SRV_LOG_AUDIT, "SESSION_SETUP: re-authentication of session 0x%llx as '%s' refused: not the session's user",
                (unsigned long long)e->id, e->reauth->user);
        st = SMB_E_ACCESS_DENIED;
    }
    if (st != SMB_OK && st != SMB_E_MORE_PROCESSING_REQUIRED) {
        c->auth_failures++;
        c->delay_ms = c->ctx->cfg.auth_fail_delay_ms;
        srv_log(c, SRV_LOG_AUDIT, "SESSION_SETUP: re-authentication of session 0x%llx failed (%s): the session ends",
                (unsigned long long)e->id, smb_status_name(st));
        reauth_free(e);
        rq->end_session = e;
        smb_wipe(outtok, sizeof outtok);
        return st;
    }
    if (st == SMB_OK) {
        reauth_free(e);
        srv_log(c, SRV_LOG_INFO, "session 0x%llx: user '%s' re-authenticated", (unsigned long long)e->id, h->user);
    }
    struct smb2_session_setup_resp resp = {(uint16_t)(h->encrypt_data ? SMB2_SESSION_FLAG_ENCRYPT_DATA : 0),
                                           {outtok, outlen}};
    smb2_session_setup_resp_encode(w, &resp);
    smb_wipe(outtok, sizeof outtok);
    rq->body_written = true;
    return st;
}

static SMB_WUR smb_status cmd_session_setup(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    const struct smb2_hdr *h = &rq->h;
    struct smb2_session_setup_req q;
    if (smb2_session_setup_req_decode(&rq->body, &q) != SMB_OK || q.security.len > 0xFFFF)
        return SMB_E_INVALID_PARAMETER;
    uint8_t flags = q.flags, secmode = q.security_mode;
    const uint8_t *tok = q.security.p;
    uint16_t sblen = (uint16_t)q.security.len;
    struct srv_session *s = NULL;
    if (flags & SMB2_SESSION_FLAG_BINDING) {
        smb_status bst = bind_begin(c, rq, &s);
        if (bst != SMB_OK)
            return bst;
    } else if (h->session_id == 0) {
        if ((uint32_t)c->n_sessions >= c->ctx->cfg.max_sessions) {
            srv_log(c, SRV_LOG_AUDIT, "SESSION_SETUP refused: session limit %u", c->ctx->cfg.max_sessions);
            return SMB_E_INSUFFICIENT_RESOURCES;
        }
        s = session_alloc();
        if (!s)
            return SMB_E_INSUFFICIENT_RESOURCES;
        uint64_t rnd = 0;
        if (smb_random(&rnd, sizeof rnd) != SMB_OK) {
            /* no predictable session ids: refuse rather than fall back */
            session_free(c, s);
            srv_log(c, SRV_LOG_ERROR, "SESSION_SETUP refused: no random bytes for the session id");
            return SMB_E_INSUFFICIENT_RESOURCES;
        }
        s->id = ((rnd & 0xFFFFFFFF00000000ull) | (++c->next_session)) & 0x7FFFFFFFFFFFFFFFull;
        s->next_tree_id = 1;
        s->dialect = c->dialect;
        s->cipher = c->cipher;
        s->ctx = c->ctx;
        s->sign_alg = c->sign_alg;
        memcpy(s->client_guid, c->client_guid, 16);
        if (c->dialect == SMB_DIALECT_311)
            s->preauth = c->preauth;
        s->next = c->sessions;
        c->sessions = s;
        c->n_sessions++;
    } else {
        s = session_find(c, h->session_id);
        if (!s) {
            /* another connection's session, without the BINDING flag: the
             * error is signed with Session.SigningKey when the request
             * verifies with it (smbXcli wants it signed; as Samba does:
             * smbtorture smb2.session.bind_negative_*) */
            if (h->flags & SMB2_FLAGS_SIGNED)
                foreign_verify(c, rq);
            return SMB_E_USER_SESSION_DELETED;
        }
        if (srv_sess_home(s)->state == SESS_LOGGED_OFF)
            return SMB_E_USER_SESSION_DELETED; /* logged off on another channel */
        if (s->state == SESS_VALID && s->has_key && !s->guest && !s->anonymous)
            return reauth(c, rq, s, tok, sblen, w);
        if (s->home && s->has_key && srv_signer_verify(&s->signer, rq->msg, rq->len, true) != SMB_VERIFY_VALID)
            return SMB_E_ACCESS_DENIED; /* a channel's requests are signed with its key */
        if (s->state == SESS_VALID || (s->home && s->state == SESS_IN_PROGRESS)) {
            /* (a binding continues only with the BINDING flag) */
            /* Re-authentication is not supported. */
            return SMB_E_REQUEST_NOT_ACCEPTED;
        }
    }
    rq->sess = s;
    rq->new_session_id = s->id;
    s->setup_secmode = secmode;
    if (c->dialect == SMB_DIALECT_311)
        smb_preauth_update(&s->preauth, rq->msg, rq->len);

    uint8_t outtok[SRV_CHAL_MAX + 256];
    size_t outlen = 0;
    smb_status st = srv_auth_step(c, s, tok, sblen, outtok, sizeof outtok, &outlen);
    if (st != SMB_OK && st != SMB_E_MORE_PROCESSING_REQUIRED) {
        c->auth_failures++;
        c->delay_ms = c->ctx->cfg.auth_fail_delay_ms;
        srv_log(c, SRV_LOG_AUDIT, "SESSION_SETUP refused: user '%s': %s", s->user[0] ? s->user : "?",
                smb_status_name(st));
        session_remove(c, s);
        rq->sess = NULL;
        return st;
    }
    uint16_t sflags = 0;
    if (st == SMB_OK) {
        /* MS-SMB2 3.3.5.5.3: signing required when either side requires it;
         * the decision is the policy engine's (smb_policy_server_decide),
         * from the client's NEGOTIATE and SESSION_SETUP SecurityMode. */
        smb_server_decision dec;
        smb_side me = {c->ctx->level, SMB_ERA_CURRENT};
        uint16_t signals = (uint16_t)(c->client_secmode | secmode);
        if (smb_policy_server_decide(SMB_PROTO_SMB2, me, signals, &dec) != SMB_OK) {
            session_remove(c, s);
            rq->sess = NULL;
            return SMB_E_INTERNAL_ERROR;
        }
        s->signing_required = dec.sign;
        if (s->home) {
            st = bind_finish(c, rq, s, &sflags);
            if (st != SMB_OK) {
                session_remove(c, s);
                rq->sess = NULL;
                return st;
            }
        } else if (s->guest || s->anonymous) {
            if (!dec.guest_allowed) {
                /* A guest or anonymous session has no key and cannot sign:
                 * never allowed where signing is required. */
                srv_log(c, SRV_LOG_AUDIT,
                        "SESSION_SETUP refused: %s session cannot sign and signing is required",
                        s->guest ? "guest" : "anonymous");
                session_remove(c, s);
                rq->sess = NULL;
                c->delay_ms = c->ctx->cfg.auth_fail_delay_ms;
                return SMB_E_LOGON_FAILURE;
            }
            sflags = s->guest ? 0x0001 : 0x0002; /* IS_GUEST / IS_NULL */
            if (srv_crypt_session_setup(c, s, true, &sflags) != SMB_OK) {
                session_remove(c, s);
                rq->sess = NULL;
                return SMB_E_ACCESS_DENIED;
            }
        } else {
            st = derive_signing(c, s);
            if (st != SMB_OK) {
                session_remove(c, s);
                rq->sess = NULL;
                return SMB_E_INTERNAL_ERROR;
            }
            s->has_key = true;
            rq->setup_done = true; /* its response may be signed (session_emit.c) */
            if ((st = srv_crypt_session_setup(c, s, false, &sflags)) != SMB_OK) {
                session_remove(c, s);
                rq->sess = NULL;
                return st;
            }
        }
        s->state = SESS_VALID;
        if (!s->home && s->has_key)
            reg_add(c, s); /* found by a binding on another connection (3.3.5.5.2), refused there unless
                              multichannel applies */
        srv_log(c, SRV_LOG_INFO, "%s 0x%llx: user '%s' authenticated (%s), signing %s, algorithm %s",
                s->home ? "channel of session" : "session",
                (unsigned long long)s->id, s->user, s->guest ? "guest" : s->anonymous ? "anonymous" : s->kerberos ? "Kerberos" : "NTLMv2",
                s->signing_required ? "required" : "not required",
                s->has_key ? smb_alg_name(s->signer.alg) : "-");
        if (!s->signing_required && c->ctx->level == SMB_LEVEL_REQUIRED)
            srv_log(c, SRV_LOG_AUDIT, "BUG: session without signing on a signing-required server");
    } else {
        rq->preauth_sess = c->dialect == SMB_DIALECT_311 ? s : NULL;
    }
    struct smb2_session_setup_resp resp = {sflags, {outtok, outlen}};
    smb2_session_setup_resp_encode(w, &resp);
    smb_wipe(outtok, sizeof outtok);
    rq->body_written = true;
    return st;
}

static SMB_WUR smb_status cmd_logoff(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    if (smb2_logoff_decode(&rq->body) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    srv_log(c, SRV_LOG_INFO, "session 0x%llx logged off", (unsigned long long)rq->sess->id);
    /* The response is still signed with the session's key: keep the session
     * object alive until finalisation by deferring removal (mark expired). */
    rq->sess->state = SESS_LOGGED_OFF;
    smb2_logoff_encode(w);
    rq->body_written = true;
    return SMB_OK;
}

static SMB_WUR smb_status cmd_echo(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    smb2_echo_encode(w);
    rq->body_written = true;
    return SMB_OK;
}

/* ------------------------------------------------------------------ */
/* dispatch                                                               */

static bool needs_session(uint16_t cmd)
{
    return cmd != SMB2_NEGOTIATE && cmd != SMB2_SESSION_SETUP && cmd != SMB2_ECHO && cmd != SMB2_CANCEL;
}

static bool needs_tree(uint16_t cmd)
{
    return cmd >= SMB2_TREE_DISCONNECT && cmd != SMB2_CANCEL && cmd != SMB2_ECHO && cmd != SMB2_OPLOCK_BREAK;
}

void srv_write_error_body(smb_wr *w)
{
    /* MS-SMB2 2.2.2: no error contexts, no data (one byte of ErrorData) */
    const struct smb2_error_resp e = {0, {NULL, 0}};
    smb2_error_resp_encode(w, &e);
}

/* Verify the signature of a request that arrived on a valid session.
 * Returns SMB_OK when the request may run. */
static SMB_WUR smb_status check_signature(struct srv_conn *c, struct srv_req *rq)
{
    struct srv_session *s = rq->sess;
    /* The decision comes from session state (must_sign); the SIGNED flag
     * only says whether the client claims to have signed. */
    smb_verify_result vr = srv_req_verify(c, rq->msg, rq->len, &s->signer, s->signing_required);
    if (vr == SMB_VERIFY_VALID)
        rq->signed_ok = true;
    if (smb_verify_acceptable(vr))
        return SMB_OK;
    const char *why = vr == SMB_VERIFY_UNSIGNED_BUT_REQUIRED ? "unsigned request on a session that requires signing"
                      : s->has_key                           ? "bad signature"
                                                             : "signed request on a session without a key";
    c->sig_failures++;
    srv_log(c, SRV_LOG_AUDIT, "signing: %s refused: %s (session 0x%llx, MessageId %llu, failure %d of %d)",
            smb2_command_name(rq->h.command), why, (unsigned long long)s->id,
            (unsigned long long)rq->h.message_id, c->sig_failures, SRV_SIG_FAIL_DROP);
    if (c->sig_failures >= SRV_SIG_FAIL_DROP) {
        srv_log(c, SRV_LOG_AUDIT, "signing: dropping connection after %d signature failures", c->sig_failures);
        c->drop = true;
    }
    return SMB_E_ACCESS_DENIED;
}

/* A request naming a session that is gone (logged off, kept in c->gone, or
 * still listed while its LOGOFF is finalised): it fails with
 * STATUS_USER_SESSION_DELETED, signed with that session's key when the
 * request verifies with it (MS-SMB2 3.3.4.1.1 as for any response of the
 * session). A request that does not verify gets the error unsigned and is
 * not counted: the session is gone either way. */
static void gone_verify(struct srv_conn *c, struct srv_req *rq, struct srv_signer *sg, bool required)
{
    if (!sg->ctx)
        return;
    smb_verify_result vr = srv_signer_verify(sg, rq->msg, rq->len, required);
    if (!smb_verify_acceptable(vr)) {
        srv_log(c, SRV_LOG_DEBUG, "%s on deleted session 0x%llx: %s, answered unsigned",
                smb2_command_name(rq->h.command), (unsigned long long)rq->h.session_id,
                smb_verify_result_name(vr));
        return;
    }
    rq->signed_ok = vr == SMB_VERIFY_VALID;
    rq->gone_signer = sg;
    rq->gone_required = required;
}

/* The request may use its session: hold the session's lock (every channel
 * of it runs requests under it: trees, opens and state are shared) while
 * the handler runs; rq->sess becomes the session, rq->chan keeps this
 * connection's entry (its signing key). A session logged off on another
 * channel fails here. */
static SMB_WUR smb_status enter_session(struct srv_req *rq)
{
    struct srv_session *e = rq->sess, *h = srv_sess_home(e);
    pthread_mutex_lock(&h->mu);
    rq->locked = h;
    rq->chan = e;
    rq->sess = h;
    if (h->state == SESS_VALID)
        return SMB_OK;
    if (e->has_key) {
        rq->gone_signer = &e->signer;
        rq->gone_required = e->signing_required;
    }
    return SMB_E_USER_SESSION_DELETED;
}

/* A request naming a session of another connection, not bound to this one:
 * STATUS_USER_SESSION_DELETED, signed with Session.SigningKey when the
 * request verifies with it (as Samba does: smbXcli wants the SIGNED flag on
 * it; smb2.session.bind2). Nothing is counted: the session is not ours. */
static void foreign_verify(struct srv_conn *c, struct srv_req *rq)
{
    int channels;
    struct srv_session *hs = reg_get(c, rq->h.session_id, &channels);
    if (!hs)
        return;
    if (bind_key_init(c, hs) == SMB_OK) {
        gone_verify(c, rq, &c->bind_key, true);
        c->bind_key_used = rq->gone_signer != NULL;
    }
    home_put(c, hs);
}

struct elem_out {
    struct srv_session *logoff;
    struct srv_io_job *job; /* the element became a deferred READ/WRITE/FLUSH */
};

static SMB_WUR smb_status process_element(struct srv_conn *c, struct srv_req *rq, struct srv_req *prev, struct srv_frame *f,
                                  struct elem_out *eo)
{
    struct smb2_hdr *h = &rq->h;
    bool related = (h->flags & SMB2_FLAGS_RELATED_OPERATIONS) && prev;
    smb_status st = SMB_OK;
    uint16_t charge = c->dialect >= SMB_DIALECT_210 ? h->credit_charge : 1;

    /* Related compounds (MS-SMB2 3.3.5.2.7.2): inherit ids. */
    if (related) {
        if (h->session_id == UINT64_MAX)
            h->session_id = prev->h.session_id;
        if (h->tree_id == UINT32_MAX)
            h->tree_id = prev->h.tree_id;
        rq->related_fid = prev->created_fid ? prev->created_fid : prev->related_fid;
        /* MS-SMB2 3.3.5.2.7.2: once a CREATE of the chain (or an invalid
         * first element) has failed, every later related element fails the
         * same way (a CANCEL in between passes it on) */
        rq->chain_fail = prev->chain_fail
                             ? prev->chain_fail
                             : (prev->h.command == SMB2_CREATE && prev->result != SMB_OK ? prev->result : SMB_OK);
    }

    /* encrypted: the transform authenticated every element of its session */
    rq->encrypted = c->in_encrypted && h->session_id == c->in_enc_sid;

    /* Cheap checks first: message id window, then session, then signature. */
    if (h->command != SMB2_CANCEL) {
        if (!c->negotiated && h->command != SMB2_NEGOTIATE) {
            c->drop = true;
            return SMB_E_MALFORMED;
        }
        if (seq_consume(c, h->message_id, charge) != SMB_OK) {
            srv_log(c, SRV_LOG_AUDIT, "invalid MessageId %llu (window %llu..%llu): dropping",
                    (unsigned long long)h->message_id, (unsigned long long)c->seq_lo,
                    (unsigned long long)c->seq_hi);
            c->drop = true;
            return SMB_E_MALFORMED;
        }
    }
    if (h->command == SMB2_CANCEL) {
        /* MS-SMB2 3.3.5.16: no MessageId/credit accounting and no response.
         * A CANCEL on a signing session is verified like any request
         * (3.3.5.2.4); one that fails is ignored (and counted). */
        struct srv_session *cs = session_find(c, h->session_id);
        if (cs && cs->state == SESS_VALID) {
            rq->sess = cs;
            if (rq->encrypted || check_signature(c, rq) == SMB_OK)
                srv_async_cancel(c, rq);
        }
        return SMB_E_CANCELLED;
    }

    size_t cap = 65536 + 1024;
    size_t need = srv_cmd_resp_cap(c, rq);
    if (need > cap)
        cap = need;
    smb_wr w;
    st = srv_frame_body(f, cap, &w);
    if (st != SMB_OK)
        return st;
    const smb_wr w0 = w; /* to rewind for an error body */

    smb_status res;
    /* MS-SMB2 3.3.5.2.4: an ECHO carrying the SessionId of a valid session is
     * verified like any request of that session, and its response signed */
    bool bad_cmd = h->command >= SMB2_COMMAND_COUNT;
    if ((h->command == SMB2_ECHO || bad_cmd) && h->session_id && !rq->sess) {
        struct srv_session *es = session_find(c, h->session_id);
        if (es && es->state == SESS_VALID)
            rq->sess = es;
    }
    if (bad_cmd) {
        /* an unknown command is refused, signed when its session signs */
        res = rq->sess && check_signature(c, rq) != SMB_OK ? SMB_E_ACCESS_DENIED : SMB_E_INVALID_PARAMETER;
        if (res == SMB_E_ACCESS_DENIED)
            rq->sess = NULL;
    } else if (needs_session(h->command) && !(rq->sess = session_find(c, h->session_id))) {
        res = SMB_E_USER_SESSION_DELETED;
        struct srv_gone *g = gone_find(c, h->session_id);
        if (g)
            gone_verify(c, rq, &g->signer, g->signing_required);
        else if (h->session_id && (h->flags & SMB2_FLAGS_SIGNED))
            foreign_verify(c, rq);
    } else if (needs_session(h->command) && rq->sess->state != SESS_VALID) {
        res = SMB_E_USER_SESSION_DELETED;
        if (rq->sess->state == SESS_LOGGED_OFF && rq->sess->has_key)
            gone_verify(c, rq, &rq->sess->signer, rq->sess->signing_required);
        rq->sess = NULL;
    } else if (rq->sess && !rq->encrypted && (res = check_signature(c, rq)) != SMB_OK) {
        rq->sess = NULL; /* the response to a refused request is not signed */
        if (h->command == SMB2_TREE_CONNECT && c->dialect == SMB_DIALECT_311)
            c->drop = true; /* MS-SMB2 3.3.5.7: disconnect */
    } else if (rq->sess && (res = enter_session(rq)) != SMB_OK) {
        rq->sess = NULL; /* logged off on another channel (answered signed with this channel's key) */
    } else if (rq->sess && (res = srv_crypt_check_clear(c, rq)) != SMB_OK) {
        rq->sess = NULL; /* clear on an encrypt-required session: refused in clear */
    } else if ((h->flags & SMB2_FLAGS_RELATED_OPERATIONS) && !prev) {
        /* MS-SMB2 3.3.5.2.7.2: the first element cannot be related */
        res = rq->chain_fail = SMB_E_INVALID_PARAMETER;
    } else if (related && rq->chain_fail != SMB_OK) {
        /* the chain this element depends on failed: fail the same way
         * (after the session and signature checks, so it is signed) */
        res = rq->chain_fail;
    } else if (needs_tree(h->command) && !(rq->tree = srv_tree_find(rq->sess, h->tree_id))) {
        res = SMB_E_NETWORK_NAME_DELETED;
    } else {
        switch (h->command) {
        case SMB2_NEGOTIATE: res = cmd_negotiate(c, rq, &w); break;
        case SMB2_SESSION_SETUP: res = cmd_session_setup(c, rq, &w); break;
        case SMB2_LOGOFF: res = cmd_logoff(c, rq, &w); break;
        case SMB2_TREE_CONNECT: res = srv_cmd_tree_connect(c, rq, &w); break;
        case SMB2_TREE_DISCONNECT: res = srv_cmd_tree_disconnect(c, rq, &w); break;
        case SMB2_CREATE: res = srv_cmd_create(c, rq, &w); break;
        case SMB2_CLOSE: res = srv_cmd_close(c, rq, &w); break;
        case SMB2_FLUSH: res = srv_cmd_flush(c, rq, &w); break;
        case SMB2_READ: res = srv_cmd_read(c, rq, &w); break;
        case SMB2_WRITE: res = srv_cmd_write(c, rq, &w); break;
        case SMB2_LOCK: res = srv_cmd_lock(c, rq, &w); break;
        case SMB2_IOCTL: res = srv_cmd_ioctl(c, rq, &w); break;
        case SMB2_ECHO: res = cmd_echo(c, rq, &w); break;
        case SMB2_QUERY_DIRECTORY: res = srv_cmd_query_directory(c, rq, &w); break;
        case SMB2_QUERY_INFO: res = srv_cmd_query_info(c, rq, &w); break;
        case SMB2_SET_INFO: res = srv_cmd_set_info(c, rq, &w); break;
        case SMB2_CHANGE_NOTIFY: res = srv_cmd_change_notify(c, rq, &w); break;
        case SMB2_OPLOCK_BREAK: res = srv_cmd_oplock_break(c, rq, &w); break;
        default: res = SMB_E_NOT_SUPPORTED; break;
        }
    }
    if (rq->locked) {
        pthread_mutex_unlock(&rq->locked->mu);
        rq->locked = NULL;
    }
    if (rq->job) {
        /* deferred file I/O (session_io.c): the response comes from
         * srv_conn_job_interim / srv_conn_job_done */
        eo->job = rq->job;
        return SMB_OK;
    }
    if (h->command == SMB2_NEGOTIATE && res != SMB_OK)
        c->drop = true; /* answer, then close: nothing can follow a failed NEGOTIATE */
    if (!rq->body_written) {
        w = w0; /* rewind to just after the header: the error body */
        srv_write_error_body(&w);
    }
    if (!wr_ok(&w))
        return SMB_E_INTERNAL_ERROR;
    rq->result = res; /* remembered for related compounds */
    if (res != SMB_OK && res != SMB_E_MORE_PROCESSING_REQUIRED && res != SMB_E_PENDING)
        srv_log(c, SRV_LOG_DEBUG, "%s MessageId %llu -> %s", smb2_command_name(h->command),
                (unsigned long long)h->message_id, smb_status_name(res));

    struct srv_resp r;
    srv_resp_init(&r, h, res);
    r.credit = srv_credits_grant(c, h->credit, charge);
    if (h->command == SMB2_SESSION_SETUP)
        r.session_id = rq->new_session_id;
    if (h->command == SMB2_TREE_CONNECT && res == SMB_OK)
        r.tree_id = rq->tree ? rq->tree->id : 0;
    if (res == SMB_E_PENDING) {
        /* interim response (MS-SMB2 3.3.4.2); the final one follows from
         * srv_async_flush */
        r.interim = true;
        r.async_id = rq->async_id;
    }
    srv_resp_session(&r, rq->sess ? (rq->chan ? rq->chan : rq->sess) : NULL, rq->signed_ok);
    if (rq->gone_signer) {
        r.signer = rq->gone_signer;
        r.signing_required = rq->gone_required;
    }
    r.setup_done = rq->setup_done;
    r.bind_leg = h->command == SMB2_SESSION_SETUP && rq->gone_signer != NULL;
    r.sign_now = rq->gone_signer != NULL; /* c->bind_key / a gone key: the next PDU may free it */
    r.preauth = rq->preauth_conn ? &c->preauth : rq->preauth_sess ? &rq->preauth_sess->preauth : NULL;
    st = srv_frame_add(c, f, &r, &w);
    if (st != SMB_OK)
        return st;
    if (h->command == SMB2_LOGOFF && res == SMB_OK)
        eo->logoff = rq->chan;
    else if (rq->end_session)
        eo->logoff = rq->end_session; /* a failed re-authentication (cmd_session_setup) */
    return SMB_OK;
}

#ifdef SMBSIGN_FUZZING
/* Fuzzing hook: a valid, non-signing session 1 with tree 1 on share 0 so
 * the file commands can be reached without an NTLM exchange. Never built
 * into the library outside `make fuzz`. */
void srv_conn_fuzz_session(struct srv_conn *c)
{
    struct srv_session *s = session_alloc();
    if (!s)
        return;
    s->id = 1;
    s->state = SESS_VALID;
    s->next_tree_id = 2;
    s->n_trees = 1;
    s->trees[0].id = 1;
    s->trees[0].share = 0;
    s->trees[0].read_only = c->ctx->cfg.shares[0].read_only;
    s->next = c->sessions;
    c->sessions = s;
    c->n_sessions++;
}

/* Give the fuzz session a signing key (a fixed public test key) so that the
 * signature checks, one at a time and batched, are reached. */
void srv_conn_fuzz_session_key(struct srv_conn *c, bool required)
{
    static const uint8_t key[16] = {0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x6b, 0x65, 0x79,
                                    0x2d, 0x6e, 0x6f, 0x74, 0x2d, 0x61, 0x2d, 0x6b};
    struct srv_session *s = session_find(c, 1);
    if (!s || srv_signer_init(&s->signer, SMB_DIALECT_300, SMB_ALG_AES_CMAC, key, NULL) != SMB_OK)
        return;
    s->has_key = true;
    s->signing_required = required;
}

/* Fuzzing hook: session 1 as above, made bindable from a second connection
 * (fuzz/srv_fuzz_drive.h flags bit 5): SMB 3.0.2, AES-CMAC, an all-zero session
 * key, so a seed can sign a binding request with the key derived from it
 * (KDF(0^16, "SMB2AESCMAC", "SmbSign")). Unsigned requests still pass on it:
 * it does not require signing. */
void srv_conn_fuzz_session_bindable(struct srv_conn *c)
{
    srv_conn_fuzz_session(c);
    struct srv_session *s = c->sessions;
    if (!s || s->id != 1)
        return;
    s->dialect = SMB_DIALECT_302;
    s->sign_alg = SMB_ALG_AES_CMAC;
    s->ctx = c->ctx;
    snprintf(s->user, sizeof s->user, "fuzz");
    if (srv_signer_init(&s->signer, SMB_DIALECT_302, SMB_ALG_AES_CMAC, s->session_key, NULL) != SMB_OK)
        return;
    s->has_key = true;
    reg_add(c, s);
}

/* Fuzzing hook: the bindable session 1 encrypts (srv_fuzz_drive.h flags bit
 * 6): SMB 3.0.2 AES-128-CCM keys from its all-zero session key ("ServerIn " /
 * "ServerOut"), so a seed can encrypt a request to it, and a second
 * connection that negotiated the same cipher can bind to it. */
void srv_conn_fuzz_session_encrypting(struct srv_conn *c)
{
    struct srv_session *s = session_find(c, 1);
    if (!s || s->home || s->crypt)
        return;
    s->cipher = SMB_CIPHER_AES128_CCM;
    if (smb_crypt_ctx_new_session(&s->crypt, SMB_DIALECT_302, SMB_CIPHER_AES128_CCM, true, s->session_key, 16, NULL) ==
        SMB_OK)
        smb_crypt_ctx_share_nonce(s->crypt, &s->nonce_next);
}
#endif

smb_status srv_conn_input(struct srv_conn *c, const uint8_t *pdu, size_t len, struct srv_buf *out)
{
    if (len < 4)
        return SMB_E_MALFORMED;
    /* SMB1 hook: an SMB1 connection (smb1 = yes) belongs to server/smb1_server.c */
    if (c->smb1 || srv_smb1_wants(c, pdu, len))
        return srv_smb1_input(c, pdu, len, out);
    if (!memcmp(pdu, "\xffSMB", 4))
        return smb1_negotiate(c, pdu, len, out);
    c->in_encrypted = false;
    c->bind_key_used = false; /* the last PDU's responses are signed and sent */
    if (smb_crypt_is_transform(pdu, len)) {
        /* decrypted in place: the adapters hand over their own writable
         * frame buffer (session.h); a failure ends the connection */
        uint8_t *plain;
        size_t plen;
        smb_status cst = srv_crypt_input(c, (uint8_t *)(uintptr_t)pdu, len, &plain, &plen);
        if (cst != SMB_OK)
            return cst;
        pdu = plain;
        len = plen;
    }
    if (memcmp(pdu, SMB2_MAGIC, 4) != 0) {
        /* transform (encrypted) or compressed messages: not offered */
        srv_log(c, SRV_LOG_INFO, "unsupported protocol id %02x%02x%02x%02x: closing", pdu[0], pdu[1], pdu[2],
                pdu[3]);
        return SMB_E_MALFORMED;
    }
    size_t frame_start = out->len;
    struct srv_frame f;
    smb_status st = srv_frame_begin(&f, out);
    if (st != SMB_OK)
        return st;
    struct srv_req reqs[2];
    struct elem_out eos[SRV_COMPOUND_MAX];
    int n = 0;
    unsigned k = 0;
    size_t off = 0;
    struct srv_req *prev = NULL;
    for (;;) {
        size_t elen, next;
        if (n >= SRV_COMPOUND_MAX || k >= 2 * SRV_COMPOUND_MAX) {
            st = SMB_E_MALFORMED;
            goto fail;
        }
        st = smb2_compound_next(pdu, len, off, &elen, &next);
        if (st != SMB_OK)
            goto fail;
        /* alternate request slots by element count (CANCEL elements produce
         * no response, so n does not advance for them; the slot must, or a
         * related element after a CANCEL would wipe its own predecessor) */
        struct srv_req *rq = &reqs[k++ & 1];
        memset(rq, 0, sizeof *rq);
        rq->msg = pdu + off;
        rq->len = elen;
        rd_init(&rq->body, rq->msg, elen);
        st = smb2_hdr_decode(&rq->body, &rq->h);
        if (st != SMB_OK || smb2_hdr_is_response(&rq->h) ||
            ((rq->h.flags & SMB2_FLAGS_ASYNC_COMMAND) && rq->h.command != SMB2_CANCEL)) {
            st = SMB_E_MALFORMED;
            goto fail;
        }
        memset(&eos[n], 0, sizeof eos[n]);
        /* only a lone request may defer its file I/O: a compound's
         * responses go out together, in one frame */
        rq->may_defer = c->io_async_after >= 0 && off == 0 && !next && frame_start == 0;
        rq->lone = off == 0 && !next; /* a CREATE may wait for a break (smb2_lease.c) */
        st = process_element(c, rq, prev, &f, &eos[n]);
        if (st == SMB_E_CANCELLED) {
            /* CANCEL: no response element */
        } else if (st != SMB_OK) {
            goto fail;
        } else {
            n++;
        }
        prev = rq;
        if (c->drop)
            break;
        if (!next)
            break;
        off = next;
    }
    if (n == 1 && eos[0].job) {
        /* The buffer (with room reserved for READ data) moves into the job,
         * which builds the response in it once the I/O is done. */
        struct srv_io_job *j = eos[0].job;
        out->len = frame_start;
        j->out = *out;
        memset(out, 0, sizeof *out);
        if (j->h.command == SMB2_READ)
            st = srv_buf_reserve(&j->out, 4 + SMB2_HDR_LEN + 16 + (size_t)j->length + 1);
        if (st == SMB_OK && c->io_async_after == 0)
            st = srv_conn_job_interim(c, j, out);
        c->new_job = j;
        return st;
    }
    /* sign, hash and frame what was built (session_emit.c) */
    if ((st = srv_frame_end(&f)) != SMB_OK)
        goto fail;
    for (int i = 0; i < n; i++)
        if (eos[i].logoff)
            srv_async_session_closing(c, eos[i].logoff->id);
    /* final responses of async requests completed by this PDU (CANCEL,
     * CLOSE, TREE_DISCONNECT, an unlock freeing a waiting LOCK's range),
     * each in its own frame after the responses */
    srv_lock_retry(c);
    if (c->pending && (st = srv_async_flush(c, out)) != SMB_OK)
        return st;
    /* breaks this PDU asked of this connection itself, and its waiting opens
     * (smb2_lease.c): sent at once rather than after a wake */
    if (srv_conn_mail_deadline(c) == 1 && (st = srv_conn_mail(c, out)) != SMB_OK)
        return st;
    /* LOGOFF: the session goes only now, after its waiting requests were
     * answered (STATUS_NOTIFY_CLEANUP, signed with its key). */
    for (int i = 0; i < n; i++)
        if (eos[i].logoff)
            session_retire(c, eos[i].logoff);
    return c->drop ? SMB_E_ACCESS_DENIED : SMB_OK;
fail:
    /* On a drop after responses were built, still send what we have only
     * when the connection stays up; a protocol error closes it. */
    out->len = frame_start;
    return st;
}
