/*
 * client/client.c - blocking socket adapter over the sans-I/O core
 * (session/client.h) implementing the public API smbsign/client.h.
 * All protocol decisions live in the core; this file moves bytes, builds
 * request bodies with the wire/smb2 codecs and pipelines transfers.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/utf16.h"
#include "crypto/crypto.h"
#include "session/client.h"
#include "smbsign/client.h"
#include "wire/smb2/close.h"
#include "wire/smb2/create.h"
#include "wire/smb2/echo.h"
#include "wire/smb2/error.h"
#include "wire/smb2/flush.h"
#include "wire/smb2/ioctl.h"
#include "wire/smb2/logoff.h"
#include "wire/smb2/oplock_break.h"
#include "wire/smb2/negotiate.h"
#include "wire/smb2/query_directory.h"
#include "wire/smb2/query_info.h"
#include "wire/smb2/read.h"
#include "wire/smb2/set_info.h"
#include "wire/smb2/tree_connect.h"
#include "wire/smb2/write.h"

#define PATH_U16_MAX 2048   /* bytes of UTF-16 path we build */
/* 1 MiB: smbd and this client spend the least CPU per byte at this size
 * (docs/client.md, Performance) */
#define DEFAULT_CHUNK (1u << 20)
#define DEFAULT_WINDOW 8
#define MAX_WINDOW 64
#define DIR_BUF_LEN 65536

struct smb_client {
    int fd;
    struct smb_cli *core;
    int timeout_ms;
    uint32_t tree_id;
    char host[256];
    char err[256];
    uint32_t max_chunk;
    unsigned window;
    smb_status dead; /* sticky fatal error */
};

struct smb_client_file {
    struct smb2_fileid id;
    uint8_t lease_key[16]; /* the lease asked for at open (random per open) */
    uint32_t lease_state;  /* granted: SMB2_LEASE_*_CACHING, 0 none */
};

static const struct smb2_fileid RELATED_FID = {UINT64_MAX, UINT64_MAX};

#include <stdarg.h>

static void set_err(smb_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(smb_client *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
}

const char *smb_client_last_error(const smb_client *c) { return c ? c->err : "no client"; }

/* ---------------- byte pump ---------------- */

static SMB_WUR smb_status core_failed(smb_client *c)
{
    const char *why;
    smb_status st = smb_cli_error(c->core, &why);
    if (st != SMB_OK) {
        c->dead = st;
        set_err(c, "%s", why);
        if (c->fd >= 0) {
            close(c->fd);
            c->fd = -1;
        }
    }
    return st;
}

static SMB_WUR smb_status io_fail(smb_client *c, smb_status st, const char *why)
{
    smb_cli_fail(c->core, st, why);
    return core_failed(c);
}

/* Send what can be sent, receive what arrives; block up to timeout when
 * nothing can progress. */
static SMB_WUR smb_status io_step(smb_client *c)
{
    if (c->dead)
        return c->dead;
    struct pollfd pfd = {c->fd, POLLIN, 0};
    if (smb_cli_out_len(c->core))
        pfd.events |= POLLOUT;
    int n = poll(&pfd, 1, c->timeout_ms);
    if (n < 0 && errno == EINTR)
        return SMB_OK;
    if (n < 0)
        return io_fail(c, SMB_E_IO, "poll failed");
    if (n == 0)
        return io_fail(c, SMB_E_TIMEOUT, "timed out waiting for the server");
    if (pfd.revents & POLLOUT) {
        ssize_t k = send(c->fd, smb_cli_out_ptr(c->core), smb_cli_out_len(c->core), MSG_NOSIGNAL);
        if (k < 0 && errno != EAGAIN && errno != EINTR)
            return io_fail(c, SMB_E_CONNECTION_RESET, "send failed: connection reset");
        if (k > 0)
            smb_cli_out_consume(c->core, (size_t)k);
    }
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
        uint8_t *p;
        size_t room;
        smb_status st = smb_cli_in_buf(c->core, &p, &room);
        if (st != SMB_OK)
            return io_fail(c, st, "out of memory");
        ssize_t k = recv(c->fd, p, room, 0);
        if (k == 0)
            return io_fail(c, SMB_E_CONNECTION_DISCONNECTED, "connection closed by the server");
        if (k < 0 && errno != EAGAIN && errno != EINTR)
            return io_fail(c, SMB_E_CONNECTION_RESET, "receive failed: connection reset");
        if (k > 0)
            smb_cli_in_commit(c->core, (size_t)k);
    }
    return SMB_OK;
}

/* Hand queued output to the socket without waiting (non-blocking socket):
 * called right after a request is built, so its bytes are copied into the
 * socket while they are still in the CPU cache. */
static SMB_WUR smb_status flush_now(smb_client *c)
{
    while (!c->dead && smb_cli_out_len(c->core)) {
        ssize_t k =
            send(c->fd, smb_cli_out_ptr(c->core), smb_cli_out_len(c->core), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (k <= 0)
            return io_fail(c, SMB_E_CONNECTION_RESET, "send failed: connection reset");
        smb_cli_out_consume(c->core, (size_t)k);
    }
    return c->dead;
}

typedef smb_status (*ev_fn)(smb_client *c, const struct smb_cli_event *e, void *arg);

/* Pump until no request is in flight (or done() says stop), handing each
 * response to fn. */
static SMB_WUR smb_status run(smb_client *c, ev_fn fn, void *arg)
{
    smb_status st;
    while (smb_cli_in_flight(c->core) > 0 || smb_cli_out_len(c->core) > 0) {
        size_t nev;
        while ((st = smb_cli_poll(c->core, &nev)) == SMB_OK) {
            for (size_t i = 0; i < nev; i++) {
                smb_status r = fn ? fn(c, smb_cli_ev(c->core, i), arg) : SMB_OK;
                if (r != SMB_OK)
                    return r;
            }
        }
        if (st != SMB_E_PENDING)
            return core_failed(c);
        if (smb_cli_in_flight(c->core) == 0 && smb_cli_out_len(c->core) == 0)
            break;
        if ((st = io_step(c)) != SMB_OK)
            return st;
    }
    return SMB_OK;
}

/* ---------------- connect ---------------- */

static SMB_WUR smb_status tcp_connect(smb_client *c, const char *host, uint16_t port)
{
    struct addrinfo hints, *res = NULL, *ai;
    char ps[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    snprintf(ps, sizeof ps, "%u", port);
    if (getaddrinfo(host, ps, &hints, &res) != 0) {
        set_err(c, "cannot resolve host %s", host);
        return SMB_E_BAD_NETWORK_NAME;
    }
    smb_status st = SMB_E_CONNECTION_REFUSED;
    for (ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            int sz = 4 << 20;
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            c->fd = fd;
            st = SMB_OK;
            break;
        }
        st = errno == ETIMEDOUT ? SMB_E_TIMEOUT : SMB_E_CONNECTION_REFUSED;
        close(fd);
    }
    freeaddrinfo(res);
    if (st != SMB_OK)
        set_err(c, "cannot connect to %s", host);
    return st;
}

smb_status smb_client_connect(smb_client **out, const struct smb_client_opts *o)
{
    smb_status st;
    *out = NULL;
    if (!o || !o->host)
        return SMB_E_BAD_ARGUMENT;
    smb_client *c = calloc(1, sizeof *c);
    if (!c)
        return SMB_E_NOMEM;
    c->fd = -1;
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
    c->max_chunk = o->max_chunk;
    c->window = o->window ? (o->window > MAX_WINDOW ? MAX_WINDOW : o->window) : DEFAULT_WINDOW;
    snprintf(c->host, sizeof c->host, "%s", o->host);
    *out = c;
    struct smb_cli_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.signing = o->signing;
    cfg.min_dialect = o->min_dialect;
    cfg.max_dialect = o->max_dialect;
    cfg.user = o->user;
    cfg.domain = o->domain;
    cfg.password = o->password;
    cfg.workstation = o->workstation;
    cfg.server_name = o->host;
    cfg.allow_guest_fallback = o->allow_guest_fallback;
    cfg.kerberos = o->kerberos;
    cfg.krb5_second = o->krb5_second;
    cfg.no_encrypt = o->no_encrypt;
    cfg.encrypt = o->encrypt;
    cfg.cipher = o->cipher;
    cfg.no_leases = o->no_leases;
    if ((st = smb_cli_new(&c->core, &cfg)) != SMB_OK) {
        set_err(c, "%s", st == SMB_E_BAD_ARGUMENT ? "bad dialect range or credentials" : "out of memory");
        c->dead = st;
        return st;
    }
    if ((st = tcp_connect(c, o->address ? o->address : o->host, o->port ? o->port : 445)) != SMB_OK) {
        c->dead = st;
        return st;
    }
    if ((st = smb_cli_start(c->core)) != SMB_OK)
        return smb_cli_state(c->core) == SMB_CLI_FAILED ? core_failed(c) : io_fail(c, st, "cannot build NEGOTIATE");
    while (smb_cli_state(c->core) != SMB_CLI_READY) {
        size_t nev;
        st = smb_cli_poll(c->core, &nev);
        if (st == SMB_OK)
            continue;
        if (st != SMB_E_PENDING)
            return core_failed(c);
        if ((st = io_step(c)) != SMB_OK)
            return st;
    }
    set_err(c, "%s", "");
    return SMB_OK;
}

void smb_client_free(smb_client *c)
{
    if (!c)
        return;
    if (c->core && !c->dead && c->fd >= 0 && smb_cli_state(c->core) == SMB_CLI_READY) {
        struct smb_cli_req rq;
        c->timeout_ms = 5000;
        /* Best effort on the way out: a failure here means the connection
         * is gone, and nothing more is sent on it. */
        bool alive = !c->tree_id || smb_client_tree_disconnect(c) == SMB_OK;
        if (alive && smb_cli_req_start(c->core, &rq, SMB2_LOGOFF, 0, 4, 0) == SMB_OK) {
            smb2_logoff_encode(&rq.w);
            if (smb_cli_req_finish(c->core, &rq, 0, NULL) == SMB_OK && run(c, NULL, NULL) != SMB_OK)
                c->dead = true;
        }
    }
    if (c->fd >= 0)
        close(c->fd);
    smb_cli_free(c->core);
    free(c);
}

smb_status smb_client_session_info(const smb_client *c, struct smb_client_session *s)
{
    struct smb_cli_info i;
    memset(s, 0, sizeof *s);
    if (!c->core)
        return SMB_E_BAD_ARGUMENT;
    smb_cli_info(c->core, &i);
    s->dialect = i.dialect;
    s->signing = i.signing;
    s->alg = i.alg;
    s->server_security_mode = i.server_security_mode;
    s->client_security_mode = i.client_security_mode;
    s->guest = i.guest;
    s->anonymous = i.anonymous;
    s->validated_negotiate = i.validated_negotiate;
    s->preauth_integrity = i.preauth;
    s->kerberos = i.kerberos;
    s->cipher = i.cipher;
    s->encrypting = i.encrypting;
    s->server_leasing = i.dialect >= SMB_DIALECT_210 && (i.server_capabilities & SMB2_GLOBAL_CAP_LEASING);
    s->session_id = i.session_id;
    s->tree_id = c->tree_id;
    s->max_read = i.max_read;
    s->max_write = i.max_write;
    s->max_transact = i.max_transact;
    s->credits = i.credits;
    s->requests_signed = i.requests_signed;
    s->responses_verified = i.responses_verified;
    s->responses_batch_verified = i.responses_batch_verified;
    s->requests_encrypted = i.requests_encrypted;
    s->responses_decrypted = i.responses_decrypted;
    s->channels = 1; /* one connection per session: binding a second channel is not built */
    s->server_multichannel = (i.server_capabilities & SMB2_GLOBAL_CAP_MULTI_CHANNEL) != 0;
    s->leasing = i.leasing;
    s->lease_breaks = i.lease_breaks;
    s->lease_acks = i.lease_acks;
    return c->dead;
}

/* Serve the connection while the caller holds files open: break
 * notifications are checked and acknowledged (smb_cli_poll), their answers
 * read, for ms milliseconds. A response nobody waits for is a protocol
 * error. */
smb_status smb_client_idle(smb_client *c, int ms)
{
    if (c->dead)
        return c->dead;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        size_t nev;
        smb_status st;
        while ((st = smb_cli_poll(c->core, &nev)) == SMB_OK)
            if (nev)
                return io_fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "response while idle");
        if (st != SMB_E_PENDING)
            return core_failed(c);
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left = ms - ((now.tv_sec - t0.tv_sec) * 1000L + (now.tv_nsec - t0.tv_nsec) / 1000000L);
        if (left <= 0)
            return SMB_OK;
        struct pollfd pfd = {c->fd, POLLIN, 0};
        if (smb_cli_out_len(c->core))
            pfd.events |= POLLOUT;
        int n = poll(&pfd, 1, (int)left);
        if (n < 0 && errno != EINTR)
            return io_fail(c, SMB_E_IO, "poll failed");
        if (n > 0 && (st = io_step(c)) != SMB_OK) /* ready: io_step does not block */
            return st;
    }
}

/* ---------------- simple request/response ---------------- */

/* Copy of one response for synchronous calls. */
struct one {
    smb_status status;
    uint8_t *msg;
    size_t len;
    size_t want; /* events expected (compound) */
    size_t got;
    smb_status statuses[4];
    uint8_t *msgs[4];
    size_t lens[4];
};

static SMB_WUR smb_status keep_ev(smb_client *c, const struct smb_cli_event *e, void *arg)
{
    struct one *o = arg;
    (void)c;
    size_t i = (size_t)e->tag;
    if (i >= 4)
        return SMB_E_INTERNAL_ERROR;
    o->statuses[i] = e->status;
    o->msgs[i] = malloc(e->len ? e->len : 1);
    if (!o->msgs[i])
        return SMB_E_NOMEM;
    memcpy(o->msgs[i], e->msg, e->len);
    o->lens[i] = e->len;
    o->got++;
    return SMB_OK;
}

static void one_free(struct one *o)
{
    for (int i = 0; i < 4; i++)
        free(o->msgs[i]);
    memset(o, 0, sizeof *o);
}

static SMB_WUR smb_status start(smb_client *c, struct smb_cli_req *rq, uint16_t cmd, size_t max_body, uint32_t hint)
{
    smb_status st;
    if (c->dead)
        return c->dead;
    for (;;) {
        st = smb_cli_req_start(c->core, rq, cmd, c->tree_id, max_body, hint);
        if (st != SMB_E_INSUFFICIENT_RESOURCES)
            break;
        if (smb_cli_in_flight(c->core) == 0)
            return io_fail(c, SMB_E_INSUFFICIENT_RESOURCES, "server granted no credits");
        if ((st = io_step(c)) != SMB_OK)
            return st;
        size_t nev;
        /* credits arrive with responses; synchronous callers have none pending */
        while (smb_cli_poll(c->core, &nev) == SMB_OK)
            ;
    }
    if (st != SMB_OK && c->core && smb_cli_state(c->core) == SMB_CLI_FAILED)
        return core_failed(c);
    return st;
}

static smb_rd body_rd(const struct one *o, int i)
{
    smb_rd r;
    rd_init(&r, o->msgs[i], o->lens[i]);
    rd_seek(&r, SMB2_HDR_LEN);
    return r;
}

/* ---------------- paths ---------------- */

static SMB_WUR smb_status path_u16(smb_client *c, const char *path, uint8_t *out, size_t cap, size_t *len)
{
    char tmp[1024];
    size_t n = 0;
    while (*path == '/' || *path == '\\')
        path++;
    for (; *path && n + 1 < sizeof tmp; path++) {
        char ch = *path == '/' ? '\\' : *path;
        if (ch == '\\' && n && tmp[n - 1] == '\\')
            continue;
        tmp[n++] = ch;
    }
    if (*path) {
        set_err(c, "%s", "path too long");
        return SMB_E_OBJECT_NAME_INVALID;
    }
    while (n && tmp[n - 1] == '\\')
        n--;
    if (n == 1 && tmp[0] == '.')
        n = 0;
    smb_status st = smb_utf8_to_utf16le(tmp, n, out, cap, len);
    if (st != SMB_OK)
        set_err(c, "%s", "path is not valid UTF-8");
    return st == SMB_OK ? SMB_OK : SMB_E_OBJECT_NAME_INVALID;
}

/* ---------------- tree ---------------- */

static SMB_WUR smb_status validate_negotiate(smb_client *c)
{
    struct smb_cli_req rq;
    struct one o = {0};
    uint8_t in[64];
    size_t il;
    smb_status st;
    if ((st = smb_cli_vni_input(c->core, in, sizeof in, &il)) != SMB_OK)
        return st;
    if ((st = start(c, &rq, SMB2_IOCTL, 56 + il, 24)) != SMB_OK)
        return st;
    rq.force_sign = true; /* MS-SMB2 3.2.5.5: always signed */
    struct smb2_ioctl_req q = {SMB2_FSCTL_VALIDATE_NEGOTIATE_INFO, RELATED_FID, {in, il}, 0, 24,
                               SMB2_0_IOCTL_IS_FSCTL};
    smb2_ioctl_req_encode(&rq.w, &q);
    if ((st = smb_cli_req_finish(c->core, &rq, 0, NULL)) != SMB_OK)
        return st;
    if ((st = run(c, keep_ev, &o)) != SMB_OK)
        goto out;
    if (o.statuses[0] != SMB_OK) {
        /* MS-SMB2 3.2.5.14.12: any error other than "not supported" is a tear-down */
        st = io_fail(c, SMB_E_ACCESS_DENIED, "VALIDATE_NEGOTIATE_INFO failed: negotiate may have been tampered with");
        goto out;
    }
    /* MS-SMB2 3.2.5.14.12: the response must be signed. The core verified
     * any signature present (and required one if the session signs); on a
     * session that does not sign, an unsigned answer is refused here. On an
     * encrypting session or tree (the request went in a transform) the core
     * took only an encrypted answer, which the transform authenticated
     * (MS-SMB2 3.2.5.1.1.1). */
    if (!(le32(o.msgs[0] + 16) & SMB2_FLAGS_SIGNED) && !smb_cli_encrypting(c->core) &&
        !smb_cli_tree_encrypts(c->core, c->tree_id)) {
        st = io_fail(c, SMB_E_ACCESS_DENIED, "VALIDATE_NEGOTIATE_INFO response is not signed");
        goto out;
    }
    struct smb2_ioctl_resp r;
    smb_rd rd = body_rd(&o, 0);
    if ((st = smb2_ioctl_resp_decode(&rd, &r)) != SMB_OK) {
        st = io_fail(c, SMB_E_ACCESS_DENIED, "malformed VALIDATE_NEGOTIATE_INFO response");
        goto out;
    }
    if ((st = smb_cli_vni_check(c->core, r.output.p, r.output.len)) != SMB_OK)
        st = core_failed(c);
out:
    one_free(&o);
    return st;
}

smb_status smb_client_tree_connect(smb_client *c, const char *share)
{
    struct smb_cli_req rq;
    struct one o = {0};
    uint8_t path[1024];
    char unc[600];
    size_t pl;
    smb_status st;
    if (c->dead)
        return c->dead;
    if (c->tree_id && (st = smb_client_tree_disconnect(c)) != SMB_OK)
        return st;
    snprintf(unc, sizeof unc, "\\\\%s\\%s", c->host, share);
    if (smb_utf8_to_utf16le(unc, strlen(unc), path, sizeof path, &pl) != SMB_OK)
        return SMB_E_BAD_NETWORK_NAME;
    if ((st = start(c, &rq, SMB2_TREE_CONNECT, 8 + pl, 0)) != SMB_OK)
        return st;
    rq.tree_id = 0;
    struct smb2_tree_connect_req q = {0, {path, pl}};
    smb2_tree_connect_req_encode(&rq.w, &q);
    if ((st = smb_cli_req_finish(c->core, &rq, 0, NULL)) != SMB_OK)
        return st;
    if ((st = run(c, keep_ev, &o)) != SMB_OK)
        goto out;
    if ((st = o.statuses[0]) != SMB_OK) {
        if (st == SMB_E_ACCESS_DENIED && !smb_cli_encrypting(c->core))
            snprintf(c->err, sizeof c->err,
                     "tree connect to %s refused (a share that requires encryption refuses a client that "
                     "cannot encrypt: drop --encrypt=off, or try -e/--encrypt)",
                     share);
        else
            snprintf(c->err, sizeof c->err, "tree connect to %s refused", share);
        goto out;
    }
    struct smb2_tree_connect_resp r;
    smb_rd rd = body_rd(&o, 0);
    if ((st = smb2_tree_connect_resp_decode(&rd, &r)) != SMB_OK)
        goto out;
    /* MS-SMB2 3.2.5.5: Share.EncryptData. On a session in clear every
     * request on this tree goes in a transform from now on; without cipher
     * keys (--encrypt=off, no cipher, guest) the share is refused here,
     * before any file request goes out in clear. */
    uint32_t tid = le32(o.msgs[0] + 36);
    if ((r.share_flags & SMB2_SHAREFLAG_ENCRYPT_DATA) && smb_cli_tree_encrypt(c->core, tid, true) != SMB_OK) {
        set_err(c, "share %s requires encryption (SMB2_SHAREFLAG_ENCRYPT_DATA) and this session has no "
                   "cipher keys (--encrypt=off, no cipher in common, or a guest session)", share);
        st = SMB_E_ACCESS_DENIED;
        goto out;
    }
    c->tree_id = tid;
    if (smb_cli_needs_vni(c->core))
        st = validate_negotiate(c);
out:
    one_free(&o);
    return st;
}

smb_status smb_client_tree_disconnect(smb_client *c)
{
    struct smb_cli_req rq;
    struct one o = {0};
    smb_status st;
    if (!c->tree_id)
        return SMB_OK;
    if ((st = start(c, &rq, SMB2_TREE_DISCONNECT, 4, 0)) != SMB_OK)
        return st;
    smb2_tree_disconnect_encode(&rq.w);
    if ((st = smb_cli_req_finish(c->core, &rq, 0, NULL)) == SMB_OK && (st = run(c, keep_ev, &o)) == SMB_OK)
        st = o.statuses[0];
    smb_status st2 = smb_cli_tree_encrypt(c->core, c->tree_id, false);
    c->tree_id = 0;
    if (st == SMB_OK)
        st = st2;
    one_free(&o);
    return st;
}

smb_status smb_client_echo(smb_client *c)
{
    struct smb_cli_req rq;
    struct one o = {0};
    smb_status st;
    if ((st = start(c, &rq, SMB2_ECHO, 4, 0)) != SMB_OK)
        return st;
    smb2_echo_encode(&rq.w);
    if ((st = smb_cli_req_finish(c->core, &rq, 0, NULL)) == SMB_OK && (st = run(c, keep_ev, &o)) == SMB_OK)
        st = o.statuses[0];
    one_free(&o);
    return st;
}

/* ---------------- open / close ---------------- */

/* Room for the RqLs v2 context after the name (8-byte aligned): header 24 + 52 */
#define LEASE_CTX_ROOM (8 + 24 + SMB2_LEASE_CTX_V2_LEN)

/* lease_state non-zero: ask for that lease when the server offers leasing
 * (smb_cli_lease_request; *key receives the lease key), else no context. */
static SMB_WUR smb_status add_create(smb_client *c, const uint8_t *name, size_t nl, uint32_t access, uint32_t disp,
                             uint32_t options, uint32_t attrs, uint64_t tag, uint32_t lease_state, uint8_t key[16])
{
    struct smb_cli_req rq;
    smb_status st;
    uint8_t ctx[LEASE_CTX_ROOM];
    smb_wr cw;
    wr_init(&cw, ctx, sizeof ctx);
    if (lease_state && (st = smb_cli_lease_request(c->core, lease_state, key, &cw)) != SMB_OK &&
        st != SMB_E_NOT_SUPPORTED)
        return st;
    if ((st = start(c, &rq, SMB2_CREATE, 56 + nl + 8 + wr_len(&cw), 0)) != SMB_OK)
        return st;
    struct smb2_create_req q;
    memset(&q, 0, sizeof q);
    q.impersonation_level = SMB2_IMPERSONATION_IMPERSONATION;
    q.desired_access = access;
    q.file_attributes = attrs;
    q.share_access = SMB2_FILE_SHARE_READ | SMB2_FILE_SHARE_WRITE | SMB2_FILE_SHARE_DELETE;
    q.create_disposition = disp;
    q.create_options = options;
    q.name = (struct smb2_buf){name, nl};
    q.contexts = (struct smb2_buf){ctx, wr_len(&cw)};
    if (q.contexts.len)
        q.oplock_level = SMB2_OPLOCK_LEVEL_LEASE; /* MS-SMB2 3.2.4.3.8 */
    smb2_create_req_encode(&rq.w, &q);
    return smb_cli_req_finish(c->core, &rq, tag, NULL);
}

static SMB_WUR smb_status add_close(smb_client *c, const struct smb2_fileid *fid, bool related, uint64_t tag)
{
    struct smb_cli_req rq;
    smb_status st;
    if ((st = start(c, &rq, SMB2_CLOSE, 24, 0)) != SMB_OK)
        return st;
    rq.related = related;
    struct smb2_close_req q = {0, *fid};
    smb2_close_req_encode(&rq.w, &q);
    return smb_cli_req_finish(c->core, &rq, tag, NULL);
}

static SMB_WUR smb_status close_fid(smb_client *c, struct smb2_fileid *fid)
{
    struct one o = {0};
    smb_status st;
    if ((st = add_close(c, fid, false, 0)) == SMB_OK && (st = run(c, keep_ev, &o)) == SMB_OK)
        st = o.statuses[0];
    one_free(&o);
    return st;
}

/* CLOSE a file opened by smb_client_open; its lease goes with it (a break
 * that crosses the CLOSE is still acknowledged until the response). */
static SMB_WUR smb_status close_file(smb_client *c, smb_client_file *f)
{
    smb_status st = close_fid(c, &f->id);
    if (f->lease_state)
        smb_cli_lease_forget(c->core, f->lease_key);
    return st;
}

smb_status smb_client_open(smb_client *c, const char *path, int flags, smb_client_file **f, uint64_t *size)
{
    uint8_t name[PATH_U16_MAX];
    size_t nl;
    struct one o = {0};
    smb_status st;
    *f = NULL;
    if ((st = path_u16(c, path, name, sizeof name, &nl)) != SMB_OK)
        return st;
    uint32_t access = SMB2_FILE_READ_ATTRIBUTES | SMB2_SYNCHRONIZE;
    if (flags & SMB_CLIENT_O_READ)
        access |= SMB2_FILE_READ_DATA;
    if (flags & SMB_CLIENT_O_WRITE)
        access |= SMB2_FILE_WRITE_DATA | SMB2_FILE_WRITE_ATTRIBUTES;
    uint32_t disp = SMB2_FILE_OPEN;
    if ((flags & SMB_CLIENT_O_CREATE) && (flags & SMB_CLIENT_O_TRUNC))
        disp = SMB2_FILE_OVERWRITE_IF;
    else if (flags & SMB_CLIENT_O_CREATE)
        disp = SMB2_FILE_OPEN_IF;
    else if (flags & SMB_CLIENT_O_TRUNC)
        disp = SMB2_FILE_OVERWRITE;
    /* a lease as fits the use (MS-SMB2 3.2.4.3.8): readers RH, writers RWH */
    uint8_t key[16];
    uint32_t want = SMB2_LEASE_READ_CACHING | SMB2_LEASE_HANDLE_CACHING;
    if (flags & SMB_CLIENT_O_WRITE)
        want |= SMB2_LEASE_WRITE_CACHING;
    if ((st = add_create(c, name, nl, access, disp, SMB2_FILE_NON_DIRECTORY_FILE, SMB2_FILE_ATTRIBUTE_NORMAL, 0,
                         want, key)) != SMB_OK)
        return st;
    if ((st = run(c, keep_ev, &o)) != SMB_OK)
        goto out;
    if ((st = o.statuses[0]) != SMB_OK) {
        snprintf(c->err, sizeof c->err, "cannot open %s", path);
        goto out;
    }
    struct smb2_create_resp r;
    smb_rd rd = body_rd(&o, 0);
    if ((st = smb2_create_resp_decode(&rd, &r)) != SMB_OK)
        goto out;
    *f = calloc(1, sizeof **f);
    if (!*f) {
        st = SMB_E_NOMEM;
        goto out;
    }
    (*f)->id = r.file_id;
    memcpy((*f)->lease_key, key, 16);
    /* the lease, if one was granted, is recorded in the core: its breaks are
     * acknowledged from then on (a bad lease context: the file is closed) */
    if ((st = smb_cli_lease_granted(c->core, key, c->tree_id, r.oplock_level, r.contexts, &(*f)->lease_state)) !=
        SMB_OK) {
        set_err(c, "the server's lease for %s is malformed", path);
        if (close_fid(c, &(*f)->id) != SMB_OK && c->dead)
            st = c->dead; /* the connection is gone: that is the error to report */
        free(*f);
        *f = NULL;
        goto out;
    }
    if (size)
        *size = r.end_of_file;
out:
    one_free(&o);
    return st;
}

smb_status smb_client_close(smb_client *c, smb_client_file *f)
{
    if (!f)
        return SMB_OK;
    smb_status st = close_file(c, f);
    free(f);
    return st;
}

smb_status smb_client_flush(smb_client *c, smb_client_file *f)
{
    struct smb_cli_req rq;
    struct one o = {0};
    smb_status st;
    if ((st = start(c, &rq, SMB2_FLUSH, 24, 0)) != SMB_OK)
        return st;
    smb2_flush_req_encode(&rq.w, &f->id);
    if ((st = smb_cli_req_finish(c->core, &rq, 0, NULL)) == SMB_OK && (st = run(c, keep_ev, &o)) == SMB_OK)
        st = o.statuses[0];
    one_free(&o);
    return st;
}

/* ---------------- pipelined transfers ---------------- */

struct xfer {
    smb_client *c;
    struct smb2_fileid fid;
    int fd;
    void *mem;         /* smb_client_read/write target instead of fd */
    uint64_t total;    /* bytes to move */
    uint64_t next;     /* next offset to request */
    uint64_t done;     /* bytes completed */
    uint32_t chunk;
    unsigned inflight;
    smb_status st;
    bool eof;
    smb_client_progress_fn cb;
    void *arg;
    bool stream; /* fd is a pipe: write() in order, one READ in flight */
};

static uint32_t chunk_size(smb_client *c, bool write)
{
    struct smb_cli_info i;
    smb_cli_info(c->core, &i);
    uint32_t m = write ? i.max_write : i.max_read;
    uint32_t want = c->max_chunk ? c->max_chunk : DEFAULT_CHUNK;
    if (m && m < want)
        want = m;
    return want ? want : 65536;
}

static SMB_WUR smb_status read_ev(smb_client *c, const struct smb_cli_event *e, void *arg)
{
    struct xfer *x = arg;
    uint64_t off = e->tag;
    x->inflight--;
    if (e->status == SMB_E_END_OF_FILE) {
        x->eof = true;
        return SMB_OK;
    }
    if (e->status != SMB_OK) {
        x->st = e->status;
        return SMB_OK;
    }
    struct smb2_read_resp r;
    smb_rd rd;
    rd_init(&rd, e->msg, e->len);
    rd_seek(&rd, SMB2_HDR_LEN);
    if (smb2_read_resp_decode(&rd, &r) != SMB_OK)
        return io_fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed READ response");
    uint64_t want = x->total - off < x->chunk ? x->total - off : x->chunk;
    if (r.data.len > want)
        return io_fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "READ returned more than asked");
    /* the signature of this response verified before we got here */
    if (x->mem) {
        memcpy((uint8_t *)x->mem + off, r.data.p, r.data.len);
    } else {
        size_t w = 0;
        while (w < r.data.len) {
            ssize_t k = x->stream ? write(x->fd, r.data.p + w, r.data.len - w)
                                  : pwrite(x->fd, r.data.p + w, r.data.len - w, (off_t)(off + w));
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0) {
                set_err(c, "%s", "cannot write the local file");
                x->st = SMB_E_IO;
                return SMB_OK;
            }
            w += (size_t)k;
        }
    }
    x->done += r.data.len;
    if (r.data.len < want)
        x->eof = true; /* short read: the file is shorter than it was */
    if (x->cb)
        x->cb(x->done, x->total, x->arg);
    return SMB_OK;
}

static SMB_WUR smb_status write_ev(smb_client *c, const struct smb_cli_event *e, void *arg)
{
    struct xfer *x = arg;
    x->inflight--;
    if (e->status != SMB_OK) {
        x->st = e->status;
        return SMB_OK;
    }
    struct smb2_write_resp r;
    smb_rd rd;
    rd_init(&rd, e->msg, e->len);
    rd_seek(&rd, SMB2_HDR_LEN);
    if (smb2_write_resp_decode(&rd, &r) != SMB_OK)
        return io_fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed WRITE response");
    uint64_t off = e->tag;
    uint64_t want = x->total - off < x->chunk ? x->total - off : x->chunk;
    if (r.count != want) {
        set_err(c, "%s", "short write");
        x->st = SMB_E_DISK_FULL;
        return SMB_OK;
    }
    x->done += r.count;
    if (x->cb)
        x->cb(x->done, x->total, x->arg);
    return SMB_OK;
}

static SMB_WUR smb_status issue_read(struct xfer *x)
{
    smb_client *c = x->c;
    struct smb_cli_req rq;
    uint32_t len = (uint32_t)(x->total - x->next < x->chunk ? x->total - x->next : x->chunk);
    smb_status st = smb_cli_req_start(c->core, &rq, SMB2_READ, c->tree_id, 49, len);
    if (st != SMB_OK)
        return st;
    struct smb2_read_req q;
    memset(&q, 0, sizeof q);
    q.padding = 0x50;
    q.length = len;
    q.offset = x->next;
    q.file_id = x->fid;
    smb2_read_req_encode(&rq.w, &q);
    if ((st = smb_cli_req_finish(c->core, &rq, x->next, NULL)) != SMB_OK)
        return st;
    x->next += len;
    x->inflight++;
    return SMB_OK;
}

static SMB_WUR smb_status issue_write(struct xfer *x)
{
    smb_client *c = x->c;
    struct smb_cli_req rq;
    uint32_t len = (uint32_t)(x->total - x->next < x->chunk ? x->total - x->next : x->chunk);
    smb_status st = smb_cli_req_start(c->core, &rq, SMB2_WRITE, c->tree_id, 48 + (size_t)len + 1, 17);
    if (st != SMB_OK)
        return st;
    struct smb2_write_req q;
    memset(&q, 0, sizeof q);
    q.offset = x->next;
    q.file_id = x->fid;
    q.data.len = len;
    smb2_write_req_encode_hdr(&rq.w, &q);
    if (!wr_ok(&rq.w) || rq.w.cap - rq.w.off < len)
        return smb_cli_req_abort(c->core, &rq, SMB_E_OVERFLOW);
    /* the payload goes straight from the file into the request */
    uint8_t *dst = rq.w.p + rq.w.off;
    if (x->mem) {
        memcpy(dst, (const uint8_t *)x->mem + x->next, len);
    } else {
        size_t got = 0;
        while (got < len) {
            ssize_t k = pread(x->fd, dst + got, len - got, (off_t)(x->next + got));
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0) {
                set_err(c, "%s", "cannot read the local file");
                return smb_cli_req_abort(c->core, &rq, SMB_E_IO);
            }
            got += (size_t)k;
        }
    }
    if (len == 0)
        wr_u8(&rq.w, 0);
    else
        rq.w.off += len;
    if ((st = smb_cli_req_finish(c->core, &rq, x->next, NULL)) != SMB_OK)
        return st;
    x->next += len;
    x->inflight++;
    return SMB_OK;
}

/* Read what the socket already holds, without blocking, while the core
 * has room for whole frames (smb_cli_in_drain_ok); errors and EOF are left
 * for the next io_step. */
static void read_ahead(smb_client *c)
{
    while (!c->dead && smb_cli_in_drain_ok(c->core)) {
        uint8_t *p;
        size_t room;
        if (smb_cli_in_buf(c->core, &p, &room) != SMB_OK || room == 0)
            return;
        ssize_t k = recv(c->fd, p, room, MSG_DONTWAIT);
        if (k <= 0)
            return;
        smb_cli_in_commit(c->core, (size_t)k);
    }
}

static SMB_WUR smb_status pipeline(struct xfer *x, bool write)
{
    smb_client *c = x->c;
    smb_status st;
    ev_fn fn = write ? write_ev : read_ev;
    struct smb_cli_info info;
    smb_cli_info(c->core, &info);
    /* On a signing session the WRITEs that fit the window are built first and
     * signed together (interleaved MAC lanes, smb_cli_sign_defer_*), then
     * sent: up to 8x the one-message AES-CMAC rate for the cost of holding
     * the window in the output queue. */
    bool batch = write && !x->stream && info.signing;
    /* Likewise the READ responses of the window are verified together when
     * several are buffered (smb_cli_in_batch): the socket is read ahead,
     * without blocking, while whole responses fit the reserved room. */
    bool vbatch = !write && !x->stream && info.signing && !info.encrypting && c->window > 1;
    if (vbatch && smb_cli_in_batch(c->core, (size_t)x->chunk + 4096) != SMB_OK)
        vbatch = false; /* no room: one response at a time, as before */
    for (;;) {
        /* fill the window */
        unsigned window = x->stream ? 1 : c->window;
        bool deferring = false;
        /* A WRITE is built only once the socket took everything queued before
         * it: requests in flight then wait in the kernel's socket buffers, not
         * in ours, so the one being built stays in the CPU cache and nothing
         * queued is ever moved (docs/client.md, Performance). */
        while (x->st == SMB_OK && !x->eof && x->next < x->total && x->inflight < window &&
               (!write || deferring || smb_cli_out_len(c->core) == 0)) {
            if (batch && !deferring) {
                if ((st = smb_cli_sign_defer_begin(c->core)) != SMB_OK)
                    return io_fail(c, st, "cannot batch the WRITE signatures");
                deferring = true;
            }
            st = write ? issue_write(x) : issue_read(x);
            if (st == SMB_E_INSUFFICIENT_RESOURCES && x->inflight > 0)
                break; /* wait for credits */
            if (st != SMB_OK) {
                /* what was built is signed and may go; the transfer stops */
                if (deferring && smb_cli_sign_defer_end(c->core) != SMB_OK)
                    return core_failed(c);
                if (smb_cli_state(c->core) == SMB_CLI_FAILED)
                    return core_failed(c);
                if (st == SMB_E_INSUFFICIENT_RESOURCES)
                    return io_fail(c, st, "server granted no credits");
                return st;
            }
            if (write && !deferring && (st = flush_now(c)) != SMB_OK)
                return st;
        }
        if (deferring) {
            if (smb_cli_sign_defer_end(c->core) != SMB_OK)
                return core_failed(c);
            if ((st = flush_now(c)) != SMB_OK)
                return st;
        }
        if (x->inflight == 0 && smb_cli_out_len(c->core) == 0)
            break;
        size_t nev;
        bool progressed = false;
        while ((st = smb_cli_poll(c->core, &nev)) == SMB_OK) {
            for (size_t i = 0; i < nev; i++)
                if ((st = fn(c, smb_cli_ev(c->core, i), x)) != SMB_OK)
                    return st;
            progressed = true;
        }
        if (st != SMB_E_PENDING)
            return core_failed(c);
        if (!progressed && (st = io_step(c)) != SMB_OK)
            return st;
        if (vbatch)
            read_ahead(c);
    }
    return x->st;
}


smb_status smb_client_get(smb_client *c, const char *remote, int fd, smb_client_progress_fn cb, void *arg)
{
    smb_client_file *f;
    uint64_t size;
    smb_status st = smb_client_open(c, remote, SMB_CLIENT_O_READ, &f, &size);
    if (st != SMB_OK)
        return st;
    struct xfer x = {c, f->id, fd, NULL, size, 0, 0, chunk_size(c, false), 0, SMB_OK, false, cb, arg, false};
    x.stream = lseek(fd, 0, SEEK_CUR) < 0 && errno == ESPIPE;
    /* Reserve the space up front: a full disk shows before the first byte is
     * fetched, and the file is not extended write by write. Best effort;
     * devices and filesystems without fallocate just skip it. */
    struct stat lsb;
    if (!x.stream && size > 0 && fstat(fd, &lsb) == 0 && S_ISREG(lsb.st_mode))
        (void)fallocate(fd, 0, 0, (off_t)size);
    if (cb)
        cb(0, size, arg);
    st = pipeline(&x, false);
    if (st == SMB_OK && x.done != size && !x.eof)
        st = SMB_E_END_OF_FILE;
    smb_status cs = c->dead ? c->dead : close_file(c, f);
    free(f);
    if (st == SMB_OK && !x.stream && ftruncate(fd, (off_t)x.done) != 0 && errno != EINVAL)
        st = SMB_E_IO;
    return st != SMB_OK ? st : cs;
}

smb_status smb_client_put(smb_client *c, int fd, const char *remote, smb_client_progress_fn cb, void *arg)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        set_err(c, "%s", "cannot stat the local file");
        return SMB_E_IO;
    }
    smb_client_file *f;
    smb_status st = smb_client_open(c, remote, SMB_CLIENT_O_WRITE | SMB_CLIENT_O_CREATE | SMB_CLIENT_O_TRUNC, &f,
                                    NULL);
    if (st != SMB_OK)
        return st;
    struct xfer x = {c, f->id, fd, NULL, (uint64_t)sb.st_size, 0, 0, chunk_size(c, true), 0, SMB_OK, false, cb, arg,
                     false};
    if (cb)
        cb(0, x.total, arg);
    st = pipeline(&x, true);
    smb_status cs = c->dead ? c->dead : close_file(c, f);
    free(f);
    return st != SMB_OK ? st : cs;
}

smb_status smb_client_read(smb_client *c, smb_client_file *f, uint64_t off, void *buf, size_t len, size_t *got)
{
    struct xfer x = {c, f->id, -1, (uint8_t *)buf - off, off + len, off, 0, chunk_size(c, false), 0, SMB_OK,
                     false, NULL, NULL, false};
    smb_status st = pipeline(&x, false);
    *got = (size_t)x.done;
    return st;
}

smb_status smb_client_write(smb_client *c, smb_client_file *f, uint64_t off, const void *buf, size_t len)
{
    struct xfer x = {c, f->id, -1, (uint8_t *)(uintptr_t)buf - off, off + len, off, 0, chunk_size(c, true), 0,
                     SMB_OK, false, NULL, NULL, false};
    return pipeline(&x, true);
}

/* ---------------- compound helpers: CREATE + X + CLOSE ---------------- */

/* Build and run CREATE (+ optional middle request) + CLOSE in one frame
 * (MS-SMB2 3.2.4.1.4 related operations). */
typedef void (*mid_fn)(smb_wr *w, void *arg);

static SMB_WUR smb_status create_compound(smb_client *c, const char *path, uint32_t access, uint32_t disp, uint32_t options,
                                  uint32_t attrs, uint16_t mid_cmd, size_t mid_body, uint32_t mid_hint, mid_fn mid,
                                  void *mid_arg, struct one *o)
{
    uint8_t name[PATH_U16_MAX];
    size_t nl;
    smb_status st;
    if ((st = path_u16(c, path, name, sizeof name, &nl)) != SMB_OK)
        return st;
    if (c->dead)
        return c->dead;
    /* credits for the whole chain */
    uint32_t need = 2 + (mid ? smb_cli_charge_for(c->core, mid_body > mid_hint ? mid_body : mid_hint) : 0);
    while (smb_cli_credits(c->core) < need) {
        if (smb_cli_in_flight(c->core) == 0)
            return io_fail(c, SMB_E_INSUFFICIENT_RESOURCES, "server granted too few credits");
        if ((st = run(c, NULL, NULL)) != SMB_OK)
            return st;
    }
    if ((st = smb_cli_chain_begin(c->core)) != SMB_OK)
        return st;
    st = add_create(c, name, nl, access, disp, options, attrs, 0, 0, NULL);
    if (st == SMB_OK && mid) {
        struct smb_cli_req rq;
        if ((st = smb_cli_req_start(c->core, &rq, mid_cmd, c->tree_id, mid_body, mid_hint)) == SMB_OK) {
            rq.related = true;
            mid(&rq.w, mid_arg);
            st = smb_cli_req_finish(c->core, &rq, 1, NULL);
        }
    }
    if (st == SMB_OK)
        st = add_close(c, &RELATED_FID, true, mid ? 2 : 1);
    smb_status e = smb_cli_chain_end(c->core);
    if (st == SMB_OK)
        st = e;
    if (st != SMB_OK)
        return smb_cli_state(c->core) == SMB_CLI_FAILED ? core_failed(c) : st;
    if ((st = run(c, keep_ev, o)) != SMB_OK)
        return st;
    size_t want = mid ? 3 : 2;
    if (o->got != want)
        return io_fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "compound response incomplete");
    for (size_t i = 0; i < want; i++)
        if (o->statuses[i] != SMB_OK)
            return o->statuses[i];
    return SMB_OK;
}

static void qi_all(smb_wr *w, void *arg)
{
    (void)arg;
    struct smb2_query_info_req q;
    memset(&q, 0, sizeof q);
    q.info_type = SMB2_0_INFO_FILE;
    q.info_class = SMB2_FILE_ALL_INFORMATION;
    q.output_buffer_length = 4096;
    q.file_id = RELATED_FID;
    smb2_query_info_req_encode(w, &q);
}

smb_status smb_client_stat(smb_client *c, const char *path, struct smb_client_stat *out)
{
    struct one o = {0};
    memset(out, 0, sizeof *out);
    smb_status st = create_compound(c, path, SMB2_FILE_READ_ATTRIBUTES | SMB2_SYNCHRONIZE, SMB2_FILE_OPEN, 0, 0,
                                    SMB2_QUERY_INFO, 41, 4096, qi_all, NULL, &o);
    if (st == SMB_OK) {
        struct smb2_query_info_resp r;
        struct smb2_file_all_info ai;
        smb_rd rd = body_rd(&o, 1);
        if ((st = smb2_query_info_resp_decode(&rd, &r)) == SMB_OK &&
            (st = smb2_file_all_info_decode(r.output, &ai)) == SMB_OK) {
            out->size = ai.end_of_file;
            out->allocation_size = ai.allocation_size;
            out->attributes = ai.file_attributes;
            out->directory = ai.directory || (ai.file_attributes & SMB2_FILE_ATTRIBUTE_DIRECTORY);
            out->creation_time = ai.creation_time;
            out->last_access_time = ai.last_access_time;
            out->last_write_time = ai.last_write_time;
            out->change_time = ai.change_time;
            out->links = ai.number_of_links;
        }
    } else if (!c->dead) {
        snprintf(c->err, sizeof c->err, "cannot stat %s", path);
    }
    one_free(&o);
    return st;
}

smb_status smb_client_mkdir(smb_client *c, const char *path)
{
    struct one o = {0};
    smb_status st = create_compound(c, path, SMB2_FILE_READ_ATTRIBUTES | SMB2_SYNCHRONIZE, SMB2_FILE_CREATE,
                                    SMB2_FILE_DIRECTORY_FILE, SMB2_FILE_ATTRIBUTE_DIRECTORY, 0, 0, 0, NULL, NULL, &o);
    if (st != SMB_OK && !c->dead)
        snprintf(c->err, sizeof c->err, "cannot create directory %s", path);
    one_free(&o);
    return st;
}

static void si_delete(smb_wr *w, void *arg)
{
    (void)arg;
    uint8_t b[1];
    smb2_disposition_info_encode(true, b);
    struct smb2_set_info_req q = {SMB2_0_INFO_FILE, SMB2_FILE_DISPOSITION_INFORMATION, 0, RELATED_FID, {b, 1}};
    smb2_set_info_req_encode(w, &q);
}

static SMB_WUR smb_status remove_path(smb_client *c, const char *path, bool dir)
{
    struct one o = {0};
    smb_status st = create_compound(c, path, SMB2_DELETE | SMB2_FILE_READ_ATTRIBUTES | SMB2_SYNCHRONIZE,
                                    SMB2_FILE_OPEN, dir ? SMB2_FILE_DIRECTORY_FILE : SMB2_FILE_NON_DIRECTORY_FILE, 0,
                                    SMB2_SET_INFO, 33 + 1, 0, si_delete, NULL, &o);
    if (st != SMB_OK && !c->dead)
        snprintf(c->err, sizeof c->err, "cannot remove %s", path);
    one_free(&o);
    return st;
}

smb_status smb_client_rmdir(smb_client *c, const char *path) { return remove_path(c, path, true); }
smb_status smb_client_unlink(smb_client *c, const char *path) { return remove_path(c, path, false); }

struct rename_arg {
    uint8_t info[PATH_U16_MAX + 24];
    size_t len;
};

static void si_rename(smb_wr *w, void *arg)
{
    struct rename_arg *a = arg;
    struct smb2_set_info_req q = {SMB2_0_INFO_FILE, SMB2_FILE_RENAME_INFORMATION, 0, RELATED_FID, {a->info, a->len}};
    smb2_set_info_req_encode(w, &q);
}

smb_status smb_client_rename(smb_client *c, const char *from, const char *to)
{
    struct one o = {0};
    struct rename_arg *a = malloc(sizeof *a);
    uint8_t name[PATH_U16_MAX];
    size_t nl;
    smb_status st;
    if (!a)
        return SMB_E_NOMEM;
    if ((st = path_u16(c, to, name, sizeof name, &nl)) != SMB_OK)
        goto out;
    if ((st = smb2_rename_info_encode(false, (struct smb2_buf){name, nl}, a->info, sizeof a->info, &a->len)) !=
        SMB_OK)
        goto out;
    st = create_compound(c, from, SMB2_DELETE | SMB2_FILE_READ_ATTRIBUTES | SMB2_SYNCHRONIZE, SMB2_FILE_OPEN, 0, 0,
                         SMB2_SET_INFO, 33 + a->len, 0, si_rename, a, &o);
    if (st != SMB_OK && !c->dead)
        snprintf(c->err, sizeof c->err, "cannot rename %s", from);
out:
    free(a);
    one_free(&o);
    return st;
}

struct eof_arg {
    uint8_t b[8];
};

static void si_eof(smb_wr *w, void *arg)
{
    struct eof_arg *a = arg;
    struct smb2_set_info_req q = {SMB2_0_INFO_FILE, SMB2_FILE_END_OF_FILE_INFORMATION, 0, RELATED_FID, {a->b, 8}};
    smb2_set_info_req_encode(w, &q);
}

smb_status smb_client_truncate(smb_client *c, const char *path, uint64_t size)
{
    struct one o = {0};
    struct eof_arg a;
    smb2_eof_info_encode(size, a.b);
    smb_status st = create_compound(c, path, SMB2_FILE_WRITE_DATA | SMB2_FILE_READ_ATTRIBUTES | SMB2_SYNCHRONIZE,
                                    SMB2_FILE_OPEN, SMB2_FILE_NON_DIRECTORY_FILE, 0, SMB2_SET_INFO, 33 + 8, 0, si_eof,
                                    &a, &o);
    one_free(&o);
    return st;
}

/* ---------------- list ---------------- */

smb_status smb_client_list(smb_client *c, const char *dir, smb_client_list_fn cb, void *arg)
{
    uint8_t name[PATH_U16_MAX];
    size_t nl;
    struct one o = {0};
    smb_status st;
    if ((st = path_u16(c, dir, name, sizeof name, &nl)) != SMB_OK)
        return st;
    if ((st = add_create(c, name, nl, SMB2_FILE_LIST_DIRECTORY | SMB2_FILE_READ_ATTRIBUTES | SMB2_SYNCHRONIZE,
                         SMB2_FILE_OPEN, SMB2_FILE_DIRECTORY_FILE, 0, 0, 0, NULL)) != SMB_OK)
        return st;
    if ((st = run(c, keep_ev, &o)) != SMB_OK)
        goto out;
    if ((st = o.statuses[0]) != SMB_OK) {
        snprintf(c->err, sizeof c->err, "cannot open directory %s", dir);
        goto out;
    }
    struct smb2_create_resp cr;
    smb_rd rd = body_rd(&o, 0);
    if ((st = smb2_create_resp_decode(&rd, &cr)) != SMB_OK)
        goto out;
    one_free(&o);
    static const uint8_t star[2] = {'*', 0};
    bool first = true, stop = false;
    while (!stop) {
        struct smb_cli_req rq;
        if ((st = start(c, &rq, SMB2_QUERY_DIRECTORY, 32 + 2, DIR_BUF_LEN)) != SMB_OK)
            break;
        struct smb2_query_directory_req q;
        memset(&q, 0, sizeof q);
        q.info_class = SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION;
        q.flags = first ? SMB2_RESTART_SCANS : 0;
        q.file_id = cr.file_id;
        q.pattern = (struct smb2_buf){star, 2};
        q.output_buffer_length = DIR_BUF_LEN;
        smb2_query_directory_req_encode(&rq.w, &q);
        first = false;
        if ((st = smb_cli_req_finish(c->core, &rq, 0, NULL)) != SMB_OK || (st = run(c, keep_ev, &o)) != SMB_OK)
            break;
        if (o.statuses[0] == SMB_E_NO_MORE_FILES) {
            one_free(&o);
            break;
        }
        if ((st = o.statuses[0]) != SMB_OK)
            break;
        struct smb2_query_directory_resp r;
        rd = body_rd(&o, 0);
        if ((st = smb2_query_directory_resp_decode(&rd, &r)) != SMB_OK)
            break;
        struct smb2_dir_iter it;
        struct smb2_dirent e;
        smb2_dir_iter_init(&it, SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION, r.output);
        while ((st = smb2_dir_iter_next(&it, &e)) == SMB_OK) {
            char u8[1024];
            size_t ul;
            if (smb_utf16le_to_utf8(e.name.p, e.name.len, u8, sizeof u8, &ul) != SMB_OK)
                continue;
            struct smb_client_dirent d;
            memset(&d, 0, sizeof d);
            d.name = u8;
            d.st.size = e.end_of_file;
            d.st.allocation_size = e.allocation_size;
            d.st.attributes = e.file_attributes;
            d.st.directory = (e.file_attributes & SMB2_FILE_ATTRIBUTE_DIRECTORY) != 0;
            d.st.creation_time = e.creation_time;
            d.st.last_access_time = e.last_access_time;
            d.st.last_write_time = e.last_write_time;
            d.st.change_time = e.change_time;
            if (cb && cb(&d, arg)) {
                stop = true;
                break;
            }
        }
        one_free(&o);
        if (st != SMB_E_NO_MORE_FILES && st != SMB_OK)
            break;
        st = SMB_OK;
    }
    one_free(&o);
    smb_status cs = c->dead ? c->dead : close_fid(c, &cr.file_id);
    return st != SMB_OK ? st : cs;
out:
    one_free(&o);
    return st;
}
