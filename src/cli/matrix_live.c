/*
 * cli/matrix_live.c - `smbsign matrix --live`: run every documented cell on a
 * real loopback connection and compare what happened with the policy
 * engine's documented outcome (docs/matrix-live.md).
 *
 * Per cell: a fresh `smbsign serve` subprocess (this same executable) on a
 * free 127.0.0.1 port with the cell's server level; a tap thread listening on
 * another loopback port that forwards frame by frame to the server and
 * records every frame; our client (in this process) connecting to the tap
 * with the cell's client level and trying session setup, tree connect, a
 * small write and a read. The observer (family ops) then re-derives the
 * session key from the captured NTLMSSP exchange and the test password and
 * verifies every signature in both directions itself.
 */
#include "cli/matrix_live.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "cli/cli.h"
#include "cli/policy_out.h"
#include "server/userdb.h"
#include "wire/smb1/header.h"
#include "wire/smb2/header.h"

#define VERB "matrix"
#define LIVE_SERVER_START_MS 15000 /* wait for the server to listen */

bool live_sig_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* ---- loopback helpers ---- */

static int listen_loopback(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    socklen_t al = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static int connect_loopback(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int free_port(uint16_t *port)
{
    int fd = listen_loopback(port);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the tap ---- */

struct tap {
    int lfd;
    uint16_t server_port;
    enum live_tamper tamper;
    struct live_cap *cap;
    int result; /* 0 ok, -1 could not connect */
};

struct tap_dir {
    uint8_t *buf;
    size_t len, cap;
};

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Self-test tamper: flip one bit of the signature of every signed WRITE request
 * (write: SMB2 WRITE 0x0009, SMB1 WRITE_ANDX 0x2F, client to server) or READ
 * response (read: SMB2 READ 0x0008, SMB1 READ_ANDX 0x2E, server to client). */
static void tamper_frame(enum live_tamper t, enum live_dir d, uint8_t *m, size_t n)
{
    if (t == LIVE_TAMPER_STRIP_TCON) {
        /* strip-tcon: the TREE_CONNECT request goes out unflagged with a zero
         * signature (3.1.1 mandates its signature on every session, MS-SMB2 3.2.4.1.1) */
        if (d == LIVE_C2S && n >= SMB2_HDR_LEN && !memcmp(m, SMB2_MAGIC, 4) && le16(m + 12) == 0x0003) {
            uint32_t fl = le32(m + SMB2_FLAGS_OFFSET) & ~(uint32_t)SMB2_FLAGS_SIGNED;
            m[SMB2_FLAGS_OFFSET] = (uint8_t)fl;
            memset(m + SMB2_SIG_OFFSET, 0, SMB2_SIG_LEN);
        }
        return;
    }
    uint16_t c2 = t == LIVE_TAMPER_WRITE_SIG ? 0x0009 : 0x0008;
    uint8_t c1 = t == LIVE_TAMPER_WRITE_SIG ? SMB1_COM_WRITE_ANDX : SMB1_COM_READ_ANDX;
    if (t == LIVE_TAMPER_NONE || d != (t == LIVE_TAMPER_WRITE_SIG ? LIVE_C2S : LIVE_S2C))
        return;
    if (n >= SMB2_HDR_LEN && !memcmp(m, SMB2_MAGIC, 4) && le16(m + 12) == c2 &&
        (le32(m + SMB2_FLAGS_OFFSET) & SMB2_FLAGS_SIGNED))
        m[SMB2_SIG_OFFSET] ^= 0x01;
    else if (n >= SMB1_HDR_LEN && !memcmp(m, SMB1_MAGIC, 4) && m[4] == c1 &&
             (le16(m + 10) & SMB1_FLAGS2_SMB_SECURITY_SIGNATURE) && !live_sig_zero(m + SMB1_SIG_OFFSET, 8))
        m[SMB1_SIG_OFFSET] ^= 0x01;
}

/* Move whole frames from d's buffer to out, recording them. -1 on error. */
static int tap_flush(struct tap *t, enum live_dir dir, struct tap_dir *d, int out)
{
    size_t off = 0;
    while (d->len - off >= 4) {
        uint8_t *h = d->buf + off;
        /* RFC 1002 session message; SMB2 (MS-SMB2 2.1) uses all 24 length bits */
        size_t flen = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
        if (d->len - off < 4 + flen)
            break;
        if (h[0] == 0x00 && flen > 0) {
            tamper_frame(t->tamper, dir, h + 4, flen);
            struct live_cap *c = t->cap;
            if (c->n < LIVE_MAX_FRAMES) {
                uint8_t *copy = malloc(flen);
                if (copy) {
                    memcpy(copy, h + 4, flen);
                    c->f[c->n].dir = dir;
                    c->f[c->n].p = copy;
                    c->f[c->n].len = flen;
                    c->n++;
                }
            } else {
                c->truncated = true;
            }
        }
        if (write_all(out, h, 4 + flen) != 0)
            return -1;
        off += 4 + flen;
    }
    if (off) {
        memmove(d->buf, d->buf + off, d->len - off);
        d->len -= off;
    }
    return 0;
}

static int tap_read(int fd, struct tap_dir *d)
{
    if (d->cap - d->len < 65536) {
        size_t ncap = d->cap ? d->cap * 2 : 262144;
        if (ncap > LIVE_MAX_FRAME + 65536 + 4)
            ncap = LIVE_MAX_FRAME + 65536 + 4;
        if (ncap <= d->len)
            return -1; /* a frame larger than we record: give up on this cell */
        uint8_t *nb = realloc(d->buf, ncap);
        if (!nb)
            return -1;
        d->buf = nb;
        d->cap = ncap;
    }
    ssize_t k = recv(fd, d->buf + d->len, d->cap - d->len, 0);
    if (k < 0 && errno == EINTR)
        return 1;
    if (k <= 0)
        return -1;
    d->len += (size_t)k;
    return 1;
}

static void *tap_main(void *arg)
{
    struct tap *t = arg;
    struct tap_dir dc = {0}, ds = {0};
    int cfd = -1, sfd = -1;
    struct pollfd lp = {.fd = t->lfd, .events = POLLIN};
    if (poll(&lp, 1, 30000) <= 0)
        goto out;
    cfd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0)
        goto out;
    sfd = connect_loopback(t->server_port);
    if (sfd < 0) {
        t->result = -1;
        goto out;
    }
    for (;;) {
        struct pollfd p[2] = {{.fd = cfd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
        int r = poll(p, 2, 60000);
        if (r <= 0)
            break;
        if (p[0].revents) {
            if (tap_read(cfd, &dc) < 0 || tap_flush(t, LIVE_C2S, &dc, sfd) < 0)
                break;
        }
        if (p[1].revents) {
            if (tap_read(sfd, &ds) < 0 || tap_flush(t, LIVE_S2C, &ds, cfd) < 0)
                break;
        }
    }
out:
    if (cfd >= 0)
        close(cfd);
    if (sfd >= 0)
        close(sfd);
    free(dc.buf);
    free(ds.buf);
    return NULL;
}

static void cap_free(struct live_cap *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->f[i].p);
    c->n = 0;
}

/* ---- the server subprocess ---- */

struct live_env {
    char dir[256];
    char share[300];
    char users[300];
    char conf[300];
    char log[300];
    char self[4096];
};

static const char *level_word(smb_sign_level l)
{
    return l == SMB_LEVEL_REQUIRED ? "required" : l == SMB_LEVEL_ENABLED ? "enabled" : "disabled";
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int bad = fputs(text, f) < 0;
    bad |= fclose(f) != 0;
    return bad ? -1 : 0;
}

/* Start `smbsign serve` for one cell; returns the pid or -1. */
static pid_t start_server(const struct live_env *e, smb_family fam, smb_sign_level level, uint16_t port,
                          const char *extra_conf)
{
    char listen_arg[64], share_arg[320];
    snprintf(listen_arg, sizeof listen_arg, "127.0.0.1:%u", port);
    snprintf(share_arg, sizeof share_arg, LIVE_SHARE "=%s", e->share);
    /* SMB1 families: enable SMB1 and the era through the config file (docs/smb1.md);
     * the encryption table: the cell's `server smb encrypt` line */
    char conf[256];
    if (fam != SMB_FAMILY_SMB2)
        snprintf(conf, sizeof conf, "[global]\nsmb1 = yes\nera = %s\n",
                 fam == SMB_FAMILY_SMB1_LEGACY ? "legacy" : "current");
    else
        snprintf(conf, sizeof conf, "[global]\n%s\n", extra_conf ? extra_conf : "");
    bool use_conf = fam != SMB_FAMILY_SMB2 || extra_conf;
    if (use_conf && write_text(e->conf, conf) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int lfd = open(e->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        int nfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (lfd >= 0) {
            dup2(lfd, 1);
            dup2(lfd, 2);
        }
        if (nfd >= 0)
            dup2(nfd, 0);
        const char *argv[20];
        int n = 0;
        argv[n++] = "smbsign";
        argv[n++] = "serve";
        if (use_conf) {
            argv[n++] = "-c";
            argv[n++] = e->conf;
        }
        argv[n++] = "--listen";
        argv[n++] = listen_arg;
        argv[n++] = "--share";
        argv[n++] = share_arg;
        argv[n++] = "--users";
        argv[n++] = e->users;
        argv[n++] = "--signing";
        argv[n++] = level_word(level);
        argv[n++] = "--log-level";
        argv[n++] = "error";
        argv[n] = NULL;
        execv(e->self, (char *const *)argv);
        _exit(127);
    }
    /* Wait until it listens (or died). */
    for (int waited = 0; waited < LIVE_SERVER_START_MS; waited += 20) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return -1;
        int fd = connect_loopback(port);
        if (fd >= 0) {
            close(fd);
            return pid;
        }
        sleep_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static void stop_server(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 250; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        sleep_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static int env_setup(struct live_env *e, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(e->dir, sizeof e->dir, "%s/smbsign-live.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(e->dir)) {
        snprintf(err, errlen, "mkdtemp %.120s: %s", e->dir, strerror(errno));
        return -1;
    }
    snprintf(e->share, sizeof e->share, "%s/share", e->dir);
    snprintf(e->users, sizeof e->users, "%s/users", e->dir);
    snprintf(e->conf, sizeof e->conf, "%s/smb.conf", e->dir);
    snprintf(e->log, sizeof e->log, "%s/server.log", e->dir);
    if (mkdir(e->share, 0700) != 0) {
        snprintf(err, errlen, "mkdir %.120s: %s", e->share, strerror(errno));
        return -1;
    }
    ssize_t k = readlink("/proc/self/exe", e->self, sizeof e->self - 1);
    if (k <= 0) {
        snprintf(err, errlen, "cannot find this executable (/proc/self/exe)");
        return -1;
    }
    e->self[k] = 0;
    uint8_t h[16];
    if (srv_nt_hash(LIVE_PASSWORD, h) != SMB_OK ||
        srv_userdb_set(e->users, LIVE_USER, h, err, errlen) != SMB_OK)
        return -1;
    return 0;
}

static void rm_f(const char *dir, const char *name)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    unlink(p);
}

static void env_cleanup(struct live_env *e)
{
    rm_f(e->share, "live.bin");
    rmdir(e->share);
    unlink(e->users);
    unlink(e->conf);
    unlink(e->log);
    rmdir(e->dir);
}

/* ---- one cell ---- */

struct live_cell {
    smb_sign_level client, server;
    smb_outcome doc;
    struct live_run run;
    struct live_obs obs;
    smb_outcome_kind obs_kind;
    bool obs_known; /* obs_kind is one of the three outcomes */
    char observed[48];
    bool match;
};

/* The comparison: documented outcome vs observed outcome (kind, failure point, error). */
static bool cell_compare(struct live_cell *c)
{
    if (!c->obs_known || c->obs_kind != c->doc.kind)
        return false;
    if (c->doc.kind != SMB_OUTCOME_FAILS)
        return true;
    const char *want = smb_fail_point_name(c->doc.fail_at);
    return want && c->run.fails_at && !strcmp(want, c->run.fails_at) && c->run.error == c->doc.error;
}

static void classify(struct live_cell *c)
{
    const struct live_obs *o = &c->obs;
    if (c->run.fails_at) {
        c->obs_kind = SMB_OUTCOME_FAILS;
        c->obs_known = true;
        snprintf(c->observed, sizeof c->observed, "fails");
        return;
    }
    bool none = o->c2s.sig == 0 && o->s2c.sig == 0 && o->c2s.bad == 0 && o->s2c.bad == 0;
    bool all = o->key_known && o->c2s.total > 0 && o->s2c.total > 0 && o->c2s.valid == o->c2s.total &&
               o->s2c.valid == o->s2c.total;
    if (all) {
        c->obs_kind = SMB_OUTCOME_SIGNED;
        c->obs_known = true;
        snprintf(c->observed, sizeof c->observed, "signed");
    } else if (none && o->c2s.total > 0 && o->s2c.total > 0) {
        c->obs_kind = SMB_OUTCOME_NOT_SIGNED;
        c->obs_known = true;
        snprintf(c->observed, sizeof c->observed, "not-signed");
    } else {
        c->obs_known = false;
        snprintf(c->observed, sizeof c->observed, "%s", o->key_known ? "partly-signed" : "unverifiable");
    }
}

/* One connection through the tap: the server with its level (and extra
 * config), our client with lp, the capture analysed into obs. The caller
 * frees the capture (cap_free). */
static void run_capture(const struct live_env *e, smb_family fam, const struct live_family_ops *ops,
                        enum live_tamper tamper, smb_sign_level server, const char *extra_conf,
                        const struct live_params *lpin, struct live_cap *cap, struct live_run *run,
                        struct live_obs *obs)
{
    memset(run, 0, sizeof *run);
    memset(obs, 0, sizeof *obs);
    uint16_t sport = 0, tport = 0;
    pid_t pid = -1;
    int lfd = -1;
    pthread_t th;
    bool th_started = false;
    cap->n = 0;
    cap->truncated = false;
    if (free_port(&sport) != 0 || (pid = start_server(e, fam, server, sport, extra_conf)) < 0) {
        run->fails_at = "setup";
        run->error = SMB_E_IO;
        snprintf(run->detail, sizeof run->detail, "could not start the server (log: %.120s)", e->log);
        goto out;
    }
    lfd = listen_loopback(&tport);
    if (lfd < 0) {
        run->fails_at = "setup";
        run->error = SMB_E_IO;
        snprintf(run->detail, sizeof run->detail, "could not listen for the tap");
        goto out;
    }
    struct tap t = {.lfd = lfd, .server_port = sport, .tamper = tamper, .cap = cap, .result = 0};
    if (pthread_create(&th, NULL, tap_main, &t) != 0) {
        run->fails_at = "setup";
        run->error = SMB_E_NOMEM;
        goto out;
    }
    th_started = true;
    struct live_params lp = *lpin;
    lp.port = tport;
    ops->client(&lp, run);
    pthread_join(th, NULL);
    th_started = false;
    obs->server_security_mode = -1;
    ops->analyse(cap, obs);
    /* A connect failure before any SESSION_SETUP request left is a negotiate failure. */
    if (run->fails_at && !strcmp(run->fails_at, "session-setup") && !obs->saw_session_setup)
        run->fails_at = "negotiate";
    if (cap->truncated)
        snprintf(obs->note, sizeof obs->note, "capture truncated at %d frames", LIVE_MAX_FRAMES);
out:
    if (th_started) {
        shutdown(lfd, SHUT_RDWR);
        pthread_join(th, NULL);
    }
    if (lfd >= 0)
        close(lfd);
    stop_server(pid);
    rm_f(e->share, "live.bin");
}

static void run_cell(const struct live_env *e, smb_family fam, const struct live_family_ops *ops,
                     enum live_tamper tamper, smb_dialect dialect, struct live_cell *c)
{
    static struct live_cap cap; /* large; reused per cell by this (single-threaded) verb */
    po_outcome_checked(smb_policy_outcome_family(fam, c->client, c->server, &c->doc), &c->doc);
    struct live_params lp = {fam, c->client, 0, dialect, LIVE_ENC_DEFAULT};
    run_capture(e, fam, ops, tamper, c->server, NULL, &lp, &cap, &c->run, &c->obs);
    cap_free(&cap);
    classify(c);
    c->match = cell_compare(c);
}

/* ---- the encryption table (issue 12; docs/matrix-live.md) ---- */

enum enc_outcome { ENC_CLEAR, ENC_ENCRYPTED, ENC_FAILS, ENC_MIXED };
static const char *const ENC_OUTCOME[] = {"clear", "encrypted", "fails", "mixed"};
static const char *const ENC_SIDE[] = {"default", "off", "desired", "required"};

/* The documented outcome for SMB 3.x, derived from MS-SMB2: a client that
 * offers no cipher (off) meets a server with EncryptData and
 * RejectUnencryptedAccess (required): the server fails the SESSION_SETUP
 * with STATUS_ACCESS_DENIED (3.3.5.5.3); a server that selects no cipher
 * (off) cannot satisfy a client that requires encryption: the client drops
 * the session (3.2.5.3.1, like Windows' RequireEncryption), also
 * STATUS_ACCESS_DENIED; otherwise the session encrypts when the server sets
 * SMB2_SESSION_FLAG_ENCRYPT_DATA (desired or required, the client offers a
 * cipher) or the client asks for it and the server selected a cipher. */
static enum enc_outcome enc_documented(enum live_enc cl, int srv /* 0 off, 1 desired, 2 required */)
{
    if (cl == LIVE_ENC_OFF)
        return srv == 2 ? ENC_FAILS : ENC_CLEAR;
    if (srv == 0)
        return cl == LIVE_ENC_REQUIRED ? ENC_FAILS : ENC_CLEAR;
    return ENC_ENCRYPTED;
}

struct enc_cell {
    enum live_enc client;
    int server;
    enum enc_outcome doc, obs;
    unsigned enc[2], clear[2]; /* per direction, after SESSION_SETUP: transforms, clear SMB2 */
    struct live_run run;
    bool match;
};

/* Count, from the bytes, what travelled after the session was set up: a
 * transform header (0xFD 'S' 'M' 'B') or a clear SMB2 message other than
 * NEGOTIATE and SESSION_SETUP. */
static void enc_count(const struct live_cap *cap, struct enc_cell *c)
{
    for (size_t i = 0; i < cap->n; i++) {
        const uint8_t *p = cap->f[i].p;
        size_t n = cap->f[i].len;
        int d = cap->f[i].dir == LIVE_C2S ? 0 : 1;
        if (n >= 4 && p[0] == 0xFD && !memcmp(p + 1, "SMB", 3))
            c->enc[d]++;
        else if (n >= SMB2_HDR_LEN && !memcmp(p, SMB2_MAGIC, 4) && le16(p + 12) != SMB2_NEGOTIATE &&
                 le16(p + 12) != SMB2_SESSION_SETUP)
            c->clear[d]++;
    }
}

static void enc_run(const struct live_env *e, smb_dialect dialect, struct enc_cell *c)
{
    static struct live_cap cap;
    static const char *const conf[] = {"server smb encrypt = off", "server smb encrypt = desired",
                                       "server smb encrypt = required"};
    struct live_obs obs;
    struct live_params lp = {SMB_FAMILY_SMB2, SMB_LEVEL_ENABLED, 0, dialect, c->client};
    c->doc = enc_documented(c->client, c->server);
    run_capture(e, SMB_FAMILY_SMB2, &live_smb2_ops, LIVE_TAMPER_NONE, SMB_LEVEL_ENABLED, conf[c->server], &lp,
                &cap, &c->run, &obs);
    enc_count(&cap, c);
    cap_free(&cap);
    if (c->run.fails_at)
        c->obs = ENC_FAILS;
    else if (c->enc[0] && c->enc[1] && !c->clear[0] && !c->clear[1])
        c->obs = ENC_ENCRYPTED;
    else if (!c->enc[0] && !c->enc[1] && c->clear[0] && c->clear[1])
        c->obs = ENC_CLEAR;
    else
        c->obs = ENC_MIXED;
    c->match = c->obs == c->doc &&
               (c->doc != ENC_FAILS || (!strcmp(c->run.fails_at, "session-setup") && c->run.error == SMB_E_ACCESS_DENIED));
}

static bool run_encryption(const struct live_env *e, smb_dialect dialect, bool json, jw *w, const po_colors *col)
{
    static const enum live_enc cls[] = {LIVE_ENC_OFF, LIVE_ENC_DESIRED, LIVE_ENC_REQUIRED};
    struct enc_cell cells[9];
    size_t n = 0;
    bool all = true;
    memset(cells, 0, sizeof cells);
    for (size_t i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            struct enc_cell *c = &cells[n++];
            c->client = cls[i];
            c->server = j;
            enc_run(e, dialect, c);
            all &= c->match;
        }
    if (json) {
        jw_obj_begin(w);
        jw_kstr(w, "table", "encryption");
        jw_kstr(w, "dialect", smb_dialect_name(dialect));
        jw_kbool(w, "all_match", all);
        jw_key(w, "cells");
        jw_arr_begin(w);
        for (size_t i = 0; i < n; i++) {
            const struct enc_cell *c = &cells[i];
            jw_obj_begin(w);
            jw_kstr(w, "client", ENC_SIDE[c->client]);
            jw_kstr(w, "server", ENC_SIDE[c->server + 1]);
            jw_kstr(w, "documented", ENC_OUTCOME[c->doc]);
            jw_kstr(w, "observed", ENC_OUTCOME[c->obs]);
            jw_kint(w, "transforms_c2s", c->enc[0]);
            jw_kint(w, "transforms_s2c", c->enc[1]);
            jw_kint(w, "clear_c2s", c->clear[0]);
            jw_kint(w, "clear_s2c", c->clear[1]);
            if (c->run.fails_at) {
                jw_kstr(w, "fails_at", c->run.fails_at);
                jw_kstr(w, "error", smb_status_name(c->run.error));
            }
            jw_kbool(w, "match", c->match);
            jw_obj_end(w);
        }
        jw_arr_end(w);
        jw_obj_end(w);
        jw_newline(w);
        return all;
    }
    printf("%sSMB 3.x encryption, live, dialect %s%s\n", col->bold, smb_dialect_name(dialect), col->reset);
    printf("  %-10s %-10s %-12s %-48s %-26s %s\n", "client", "server", "documented", "observed",
           "transforms / clear c>s s>c", "");
    for (size_t i = 0; i < n; i++) {
        const struct enc_cell *c = &cells[i];
        char o[64], t[48];
        if (c->run.fails_at)
            snprintf(o, sizeof o, "fails at %s (%s)", c->run.fails_at, smb_status_name(c->run.error));
        else
            snprintf(o, sizeof o, "%s", ENC_OUTCOME[c->obs]);
        snprintf(t, sizeof t, "%u/%u %u/%u", c->enc[0], c->clear[0], c->enc[1], c->clear[1]);
        printf("  %-10s %-10s %-12s %-48s %-26s %s%s%s\n", ENC_SIDE[c->client], ENC_SIDE[c->server + 1],
               ENC_OUTCOME[c->doc], o, t, c->match ? col->green : col->red, c->match ? "ok" : "MISMATCH",
               col->reset);
        if (!c->match && c->run.detail[0])
            printf("      %s\n", c->run.detail);
    }
    return all;
}

/* ---- output ---- */

static const char *family_title(smb_family f)
{
    switch (f) {
    case SMB_FAMILY_SMB2:
        return "SMB 2.x and 3.x";
    case SMB_FAMILY_SMB1:
        return "SMB1, current era";
    case SMB_FAMILY_SMB1_LEGACY:
        return "SMB1, legacy era (before KB950876)";
    }
    return "";
}

static void doc_text(const smb_outcome *o, char *b, size_t n)
{
    if (o->kind == SMB_OUTCOME_FAILS)
        snprintf(b, n, "fails at %s: %s", smb_fail_point_name(o->fail_at), smb_status_name(o->error));
    else
        snprintf(b, n, "%s", smb_outcome_name(o->kind));
}

static void obs_text(const struct live_cell *c, char *b, size_t n)
{
    if (c->run.fails_at)
        snprintf(b, n, "fails at %s: %s", c->run.fails_at, smb_status_name(c->run.error));
    else
        snprintf(b, n, "%s", c->observed);
}

static void json_dir(jw *w, const char *k, const struct live_dirstats *d)
{
    jw_key(w, k);
    jw_obj_begin(w);
    jw_kint(w, "messages", d->total);
    jw_kint(w, "signed", d->sig);
    jw_kint(w, "verified", d->valid);
    jw_kint(w, "bad", d->bad);
    jw_kint(w, "protocol_signed", d->mandated);
    jw_kint(w, "protocol_verified", d->mandated_valid);
    jw_obj_end(w);
}

static void print_family_json(jw *w, smb_family fam, struct live_cell *cells, size_t n, bool all_match,
                              smb_dialect dialect)
{
    bool smb2 = fam == SMB_FAMILY_SMB2;
    jw_obj_begin(w);
    jw_kstr(w, "family", smb_family_name(fam));
    jw_kstr(w, "dialect", smb2 ? smb_dialect_name(dialect) : "NT LM 0.12");
    jw_kbool(w, "live", true);
    jw_kbool(w, "match", all_match);
    jw_key(w, "cells");
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        const struct live_cell *c = &cells[i];
        jw_obj_begin(w);
        jw_kstr(w, "client", po_level_name(smb2, c->client));
        jw_kstr(w, "server", po_level_name(smb2, c->server));
        jw_kstr(w, "documented", smb_outcome_name(c->doc.kind));
        jw_kstr(w, "documented_error",
                c->doc.kind == SMB_OUTCOME_FAILS ? smb_status_name(c->doc.error) : NULL);
        jw_kstr(w, "documented_fails_at", smb_fail_point_name(c->doc.fail_at));
        jw_kstr(w, "observed", c->observed);
        jw_kstr(w, "error", c->run.fails_at ? smb_status_name(c->run.error) : NULL);
        jw_kstr(w, "fails_at", c->run.fails_at);
        jw_kbool(w, "match", c->match);
        jw_kbool(w, "key_derived", c->obs.key_known);
        jw_key(w, "server_security_mode");
        if (c->obs.server_security_mode >= 0)
            jw_int(w, c->obs.server_security_mode);
        else
            jw_null(w);
        jw_kint(w, "documented_security_mode",
                smb2 ? smb_policy_smb2_secmode(c->server) : smb_policy_smb1_secmode(c->server));
        json_dir(w, "client_to_server", &c->obs.c2s);
        json_dir(w, "server_to_client", &c->obs.s2c);
        jw_kstr(w, "detail", c->run.detail[0] ? c->run.detail : (c->obs.note[0] ? c->obs.note : NULL));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    jw_newline(w);
}

static void print_family_text(FILE *f, smb_family fam, struct live_cell *cells, size_t n,
                              const po_colors *col, smb_dialect dialect)
{
    bool smb2 = fam == SMB_FAMILY_SMB2;
    fprintf(f, "%s%s (%s), live, dialect %s%s\n", col->bold, family_title(fam), smb_family_name(fam),
            smb2 ? smb_dialect_name(dialect) : "NT LM 0.12", col->reset);
    fprintf(f, "  %-20s %-20s %-46s %-46s %-20s %s\n", "client", "server", "documented", "observed",
            "signatures c>s s>c", "");
    for (size_t i = 0; i < n; i++) {
        const struct live_cell *c = &cells[i];
        char d[96], o[96], s[48];
        doc_text(&c->doc, d, sizeof d);
        obs_text(c, o, sizeof o);
        snprintf(s, sizeof s, "%u/%u %u/%u", c->obs.c2s.valid, c->obs.c2s.total, c->obs.s2c.valid,
                 c->obs.s2c.total);
        fprintf(f, "  %-20s %-20s %-46s %-46s %-20s %s%s%s\n", po_level_name(smb2, c->client),
                po_level_name(smb2, c->server), d, o, s, c->match ? col->green : col->red,
                c->match ? "ok" : "MISMATCH", col->reset);
        if (!c->match && c->run.detail[0])
            fprintf(f, "      %s\n", c->run.detail);
        if (!c->match && c->obs.note[0])
            fprintf(f, "      %s\n", c->obs.note);
    }
}

static void help(FILE *f)
{
    fprintf(f, "usage: smbsign matrix --live [--family smb2|smb1|smb1-legacy|all] [--json]\n"
               "                             [--dialect D] [--tamper write|read|strip-tcon]\n"
               "       smbsign matrix --live --encryption [--dialect 3.x] [--json]\n\n"
               "Run every documented client/server cell on a real loopback connection: for\n"
               "each cell start `smbsign serve` on a free 127.0.0.1 port with the cell's server\n"
               "level, connect our client through a recording tap with the cell's client level,\n"
               "and try session setup, tree connect, a small write and a read. The outcome is\n"
               "observed from the captured bytes: the tap re-derives the session key from the\n"
               "NTLMSSP exchange and the test password and verifies every signature in both\n"
               "directions. Documented and observed outcomes are printed side by side.\n\n"
               "Options:\n"
               "  --family F       one family, or all (default)\n"
               "  --json           one JSON object per family per line (docs/matrix-live.md)\n"
               "  --encryption     the SMB 3.x encryption table instead: client off / desired /\n"
               "                   required against `server smb encrypt = off|desired|required`,\n"
               "                   observed from the capture (transform headers vs clear SMB2)\n"
               "  --dialect D      smb2 family: negotiate D (2.0.2, 2.1, 3.0, 3.0.2, 3.1.1;\n"
               "                   default 3.1.1) - HMAC-SHA256, AES-CMAC or the 3.1.1 choice\n"
               "  --tamper write   self-test: the tap flips a bit of every signed WRITE's\n"
               "                   signature; the server must refuse it, so signed cells\n"
               "                   fail at write (and mismatch)\n"
               "  --tamper read    the same on every signed READ response: the client must\n"
               "                   refuse it, so signed cells fail at read\n"
               "  --tamper strip-tcon  smb2 at 3.1.1: the tap clears SIGNED and zeroes the\n"
               "                   signature of the TREE_CONNECT request, which 3.1.1 signs on\n"
               "                   every session; the server must refuse it, so every cell\n"
               "                   fails at tree connect and the observer counts it as bad\n\n"
               "Examples:\n"
               "  smbsign matrix --live\n"
               "  smbsign matrix --live --family smb2 --json | jq -c '.cells[] | select(.match|not)'\n\n"
               "Exit status: 0 every cell matches, 1 a cell does not match, 2 usage error.\n"
               "See also smbsign-matrix(1), docs/matrix-live.md.\n");
}

static const struct live_family_ops *ops_for(smb_family f)
{
    if (f == SMB_FAMILY_SMB2)
        return &live_smb2_ops;
    return live_smb1_ops.client ? &live_smb1_ops : NULL;
}

int matrix_live_cmd(int argc, char **argv)
{
    static const struct option opts[] = {{"live", no_argument, NULL, 'l'},
                                         {"family", required_argument, NULL, 'f'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"tamper", required_argument, NULL, 't'},
                                         {"dialect", required_argument, NULL, 'd'},
                                         {"encryption", no_argument, NULL, 'e'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int json = 0, all = 1, c, encryption = 0;
    enum live_tamper tamper = LIVE_TAMPER_NONE;
    smb_dialect dialect = SMB_DIALECT_311;
    smb_family fam = SMB_FAMILY_SMB2;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "f:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            break;
        case 'f':
            if (!strcmp(optarg, "all"))
                all = 1;
            else if (smb_family_parse(optarg, &fam) == 0)
                all = 0;
            else
                return cli_usage_error(VERB, "--family: unknown family '%s' (smb2, smb1, smb1-legacy, all)",
                                       optarg);
            break;
        case 'j':
            json = 1;
            break;
        case 'e':
            encryption = 1;
            break;
        case 't':
            if (!strcmp(optarg, "write"))
                tamper = LIVE_TAMPER_WRITE_SIG;
            else if (!strcmp(optarg, "read"))
                tamper = LIVE_TAMPER_READ_SIG;
            else if (!strcmp(optarg, "strip-tcon"))
                tamper = LIVE_TAMPER_STRIP_TCON;
            else
                return cli_usage_error(VERB, "--tamper: unknown mode '%s' (write, read, strip-tcon)", optarg);
            break;
        case 'd':
            if (smb_dialect_parse(optarg, &dialect) != 0 || dialect < SMB_DIALECT_202 ||
                dialect > SMB_DIALECT_311 || dialect == SMB_DIALECT_2FF)
                return cli_usage_error(VERB, "--dialect: '%s' is not 2.0.2, 2.1, 3.0, 3.0.2 or 3.1.1",
                                       optarg);
            break;
        case 'h':
            help(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error(VERB, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(VERB, "unexpected argument '%s'", argv[optind]);

    struct live_env env;
    char err[256] = "";
    memset(&env, 0, sizeof env);
    if (env_setup(&env, err, sizeof err) != 0) {
        cli_err(VERB, "live: %s", err);
        env_cleanup(&env);
        return CLI_EXIT_NEGATIVE;
    }
    if (encryption) {
        if (dialect < SMB_DIALECT_300) {
            env_cleanup(&env);
            return cli_usage_error(VERB, "--encryption needs an SMB 3.x --dialect (3.0, 3.0.2, 3.1.1)");
        }
        po_colors ecol = po_colors_for(stdout);
        jw ew;
        jw_init(&ew, stdout);
        bool ok = run_encryption(&env, dialect, json, &ew, &ecol);
        if (!json)
            printf("\n%s\n", ok ? "every cell matches the documented outcome"
                                  : "MISMATCH: at least one cell differs from the documented outcome");
        env_cleanup(&env);
        return ok ? CLI_EXIT_OK : CLI_EXIT_NEGATIVE;
    }
    static const smb_family fams[] = {SMB_FAMILY_SMB2, SMB_FAMILY_SMB1, SMB_FAMILY_SMB1_LEGACY};
    static const smb_sign_level smb1_lv[] = {SMB_LEVEL_REQUIRED, SMB_LEVEL_ENABLED, SMB_LEVEL_DISABLED};
    static const smb_sign_level smb2_lv[] = {SMB_LEVEL_REQUIRED, SMB_LEVEL_ENABLED};
    po_colors col = po_colors_for(stdout);
    jw w;
    jw_init(&w, stdout);
    bool every = true, first = true;
    for (size_t k = 0; k < 3; k++) {
        if (!all && fams[k] != fam)
            continue;
        const struct live_family_ops *ops = ops_for(fams[k]);
        bool smb2 = fams[k] == SMB_FAMILY_SMB2;
        const smb_sign_level *lv = smb2 ? smb2_lv : smb1_lv;
        size_t nl = smb2 ? 2 : 3, n = 0;
        struct live_cell cells[9];
        memset(cells, 0, sizeof cells);
        bool fam_ok = true;
        for (size_t i = 0; i < nl; i++)
            for (size_t j = 0; j < nl; j++) {
                struct live_cell *cc = &cells[n++];
                cc->client = lv[i];
                cc->server = lv[j];
                if (!ops) {
                    po_outcome_checked(smb_policy_outcome_family(fams[k], cc->client, cc->server, &cc->doc), &cc->doc);
                    cc->run.fails_at = "setup";
                    cc->run.error = SMB_E_NOT_SUPPORTED;
                    snprintf(cc->run.detail, sizeof cc->run.detail, "this build has no live %s engine",
                             smb_family_name(fams[k]));
                    classify(cc);
                    cc->match = false;
                } else {
                    run_cell(&env, fams[k], ops, tamper, dialect, cc);
                }
                fam_ok &= cc->match;
            }
        every &= fam_ok;
        if (json) {
            print_family_json(&w, fams[k], cells, n, fam_ok, dialect);
        } else {
            if (!first)
                fputc('\n', stdout);
            print_family_text(stdout, fams[k], cells, n, &col, dialect);
        }
        fflush(stdout);
        first = false;
    }
    if (!json)
        printf("\n%s\n", every ? "every cell matches the documented outcome"
                               : "MISMATCH: at least one cell differs from the documented outcome");
    env_cleanup(&env);
    return every ? CLI_EXIT_OK : CLI_EXIT_NEGATIVE;
}
