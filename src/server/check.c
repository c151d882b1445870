/* server/check.c - configuration checks for `smbsign serve --check` (check.h). */
#include "server/check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/userdb.h"
#include "server/vfs.h"

#define CHECK_MAX_CONF (1u << 20)

struct chk {
    const struct srv_config *c;
    const char *path; /* config file or NULL */
    char *text;       /* its text (NULL when unreadable or none) */
    srv_check_fn fn;
    void *arg;
    int worst;
};

static void report(struct chk *k, int sev, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void report(struct chk *k, int sev, int line, const char *fmt, ...)
{
    char msg[1024], where[PATH_MAX + 16] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* line 0: a default or a command-line setting, no file position */
    if (k->path && line > 0)
        snprintf(where, sizeof where, "%s:%d", k->path, line);
    if (sev > k->worst)
        k->worst = sev;
    k->fn(k->arg, sev, where, msg);
}

/* lowercase; runs of space, tab, '_' and '-' fold to one space; trimmed */
static void fold_key(const char *b, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    int sp = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        unsigned char ch = (unsigned char)b[i];
        if (ch == ' ' || ch == '\t' || ch == '_' || ch == '-') {
            sp = o > 0;
            continue;
        }
        if (sp && o + 2 < cap)
            out[o++] = ' ';
        sp = 0;
        out[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    out[o] = 0;
}

int srv_config_find_line(const char *text, const char *section, const char *key)
{
    if (!text)
        return 0;
    char want[96], k[96], sec[SRV_SHARE_NAME_MAX + 8] = "";
    int line = 0, found = 0, in = 0;
    if (key)
        fold_key(key, strlen(key), want, sizeof want);
    for (const char *p = text; *p;) {
        line++;
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *b = p, *e = p + len;
        p = eol ? eol + 1 : p + len;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        if (b == e || *b == '#' || *b == ';')
            continue;
        if (*b == '[') {
            const char *rb = memchr(b, ']', (size_t)(e - b));
            size_t n = rb ? (size_t)(rb - b - 1) : 0;
            if (n >= sizeof sec)
                n = sizeof sec - 1;
            memcpy(sec, b + 1, n);
            sec[n] = 0;
            in = !strcasecmp(sec, section);
            if (in && !key)
                return line;
            continue;
        }
        const char *eq = memchr(b, '=', (size_t)(e - b));
        if (!in || !key || !eq)
            continue;
        fold_key(b, (size_t)(eq - b), k, sizeof k);
        if (!strcmp(k, want))
            found = line;
    }
    return found;
}

/* the last line of any of the aliases */
static int key_line(struct chk *k, const char *section, const char *const *keys)
{
    int best = 0;
    for (; *keys; keys++) {
        int l = srv_config_find_line(k->text, section, *keys);
        if (l > best)
            best = l;
    }
    return best;
}

static const char *const K_USERS[] = {"users", "passdb", "user database", NULL};
static const char *const K_LISTEN[] = {"listen", NULL};
static const char *const K_GUEST[] = {"guest ok", "map to guest", NULL};
static const char *const K_WORKER[] = {"worker thread", NULL};
static const char *const K_IOTHREADS[] = {"io threads", NULL};
static const char *const K_ASYNC[] = {"async io after", NULL};
static const char *const K_ALGS[] = {"signing algorithms", "server signing algorithms", NULL};
static const char *const K_MINPROTO[] = {"min protocol", "server min protocol", NULL};
static const char *const K_MAXIO[] = {"max io size", NULL};
static const char *const K_ERA[] = {"era", NULL};
static const char *const K_SIGNING[] = {"server signing", NULL};
static const char *const K_REQUIRE[] = {"server require signing", NULL};
static const char *const K_ENABLE[] = {"server enable signing", NULL};

static const char *who(char *buf, size_t cap)
{
    struct passwd *pw = getpwuid(geteuid());
    if (pw)
        snprintf(buf, cap, "user %s", pw->pw_name);
    else
        snprintf(buf, cap, "uid %u", (unsigned)geteuid());
    return buf;
}

static void check_users(struct chk *k)
{
    const struct srv_config *c = k->c;
    int line = key_line(k, "global", K_USERS);
    char me[96];
    if (!c->users[0]) {
        if (!c->guest_ok)
            report(k, SRV_CHECK_ERROR, 0,
                   "no user database: set 'users = FILE' in [global] (create it with smbsign passwd -f FILE USER)");
        return;
    }
    struct stat st;
    if (stat(c->users, &st)) {
        report(k, SRV_CHECK_ERROR, line, "users file %s: %s", c->users, strerror(errno));
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        report(k, SRV_CHECK_ERROR, line, "users file %s is not a regular file", c->users);
        return;
    }
    if (st.st_mode & 077) {
        /* srv_userdb_load refuses it: the server would not start */
        report(k, SRV_CHECK_ERROR, line, "users file %s has mode %04o, readable by others (wider than 0600); "
               "the server refuses it: chmod 600 %s", c->users, (unsigned)(st.st_mode & 07777), c->users);
        return;
    }
    if (st.st_mode & 07100)
        report(k, SRV_CHECK_WARNING, line, "users file %s has mode %04o, wider than 0600: chmod 600 %s", c->users,
               (unsigned)(st.st_mode & 07777), c->users);
    if (access(c->users, R_OK)) {
        report(k, SRV_CHECK_ERROR, line, "users file %s is not readable by %s (owner uid %u)", c->users,
               who(me, sizeof me), (unsigned)st.st_uid);
        return;
    }
    struct srv_userdb db = {0};
    char err[1024];
    if (srv_userdb_load(&db, c->users, err, sizeof err) != SMB_OK) {
        /* err already names FILE:LINE of the users file when the text is wrong */
        report(k, SRV_CHECK_ERROR, line, "%s", err);
        return;
    }
    if (db.n == 0 && !c->guest_ok)
        report(k, SRV_CHECK_NOTE, line, "users file %s has no users yet: nobody can log in "
               "(add one with smbsign passwd -f %s USER)", c->users, c->users);
    srv_userdb_free(&db);
}

static void check_shares(struct chk *k)
{
    const struct srv_config *c = k->c;
    char me[96];
    int n_files = 0;
    for (int i = 0; i < c->n_shares; i++) {
        const struct srv_share *s = &c->shares[i];
        if (s->ipc)
            continue;
        n_files++;
        int sl = srv_config_find_line(k->text, s->name, NULL);
        int pl = srv_config_find_line(k->text, s->name, "path");
        struct stat st;
        if (s->mem) {
            report(k, SRV_CHECK_NOTE, sl,
                   "share [%s] is held in memory (backend = memory, %llu MiB): its files are lost when the "
                   "server stops or reloads",
                   s->name, (unsigned long long)((s->mem_bytes ? s->mem_bytes : SRV_MEM_BYTES_DEFAULT) >> 20));
            continue;
        }
        if (!s->path[0]) {
            report(k, SRV_CHECK_ERROR, sl, "share [%s] has no path", s->name);
            continue;
        }
        if (stat(s->path, &st)) {
            report(k, SRV_CHECK_ERROR, pl ? pl : sl, "share [%s]: path %s: %s", s->name, s->path, strerror(errno));
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            report(k, SRV_CHECK_ERROR, pl ? pl : sl, "share [%s]: path %s is not a directory", s->name, s->path);
            continue;
        }
        if (access(s->path, R_OK | X_OK)) {
            report(k, SRV_CHECK_WARNING, pl ? pl : sl, "share [%s]: path %s is not readable by %s: %s", s->name,
                   s->path, who(me, sizeof me), strerror(errno));
            continue;
        }
        if (!s->read_only && access(s->path, W_OK)) {
            int e = errno;
            report(k, SRV_CHECK_WARNING, pl ? pl : sl, "share [%s]: path %s is not writable by %s: %s%s", s->name,
                   s->path, who(me, sizeof me), strerror(e),
                   e == EROFS ? " (under ProtectSystem=strict add it to ReadWritePaths= with "
                                "'systemctl edit smbsign-serve')"
                              : "; set 'read only = yes' or fix the permissions");
        }
    }
    if (n_files == 0)
        report(k, SRV_CHECK_NOTE, 0, "no file shares configured yet");
}

static void check_listen(struct chk *k)
{
    const struct srv_config *c = k->c;
    int line = key_line(k, "global", K_LISTEN);
    for (int i = 0; i < c->n_listen; i++) {
        char addr[128];
        uint16_t port;
        if (srv_parse_listen(c->listen[i], addr, sizeof addr, &port)) {
            report(k, SRV_CHECK_ERROR, line, "listen %s: expected ADDR:PORT", c->listen[i]);
            continue;
        }
        struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                                 .ai_socktype = SOCK_STREAM};
        struct addrinfo *ai = NULL;
        char ps[8];
        snprintf(ps, sizeof ps, "%u", port);
        int gr = getaddrinfo(addr, ps, &hints, &ai);
        if (gr) {
            report(k, SRV_CHECK_ERROR, line, "listen %s: %s", c->listen[i], gai_strerror(gr));
            continue;
        }
        /* the same socket options the server's listener uses (loop.c) */
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1, e = 0;
        if (fd < 0) {
            e = errno;
        } else {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (ai->ai_family == AF_INET6)
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1))
                e = errno;
            close(fd);
        }
        freeaddrinfo(ai);
        if (e == EADDRINUSE)
            report(k, SRV_CHECK_WARNING, line, "listen %s: address already in use (another server, or this "
                   "one already running)", c->listen[i]);
        else if (e == EACCES && port < 1024)
            report(k, SRV_CHECK_WARNING, line, "listen %s: port %u needs CAP_NET_BIND_SERVICE (the "
                   "smbsign-serve unit grants it; run the check as root or as the service)", c->listen[i], port);
        else if (e)
            report(k, SRV_CHECK_ERROR, line, "listen %s: %s", c->listen[i], strerror(e));
    }
}

static void check_combinations(struct chk *k, int level)
{
    const struct srv_config *c = k->c;
    int l;
    if (c->guest_ok && level == SMB_LEVEL_REQUIRED)
        report(k, SRV_CHECK_WARNING, key_line(k, "global", K_GUEST),
               "guest access is enabled but signing is required: guest sessions cannot sign and are refused");
    if (!c->worker_thread && (l = key_line(k, "global", K_IOTHREADS)) && c->io_threads)
        report(k, SRV_CHECK_WARNING, l, "io threads = %u has no effect with worker thread = no (line %d)",
               c->io_threads, key_line(k, "global", K_WORKER));
    if ((l = key_line(k, "global", K_ASYNC)) && (!c->worker_thread || !c->io_threads))
        report(k, SRV_CHECK_WARNING, l, "async io after has no effect without I/O threads "
               "(worker thread = yes and io threads > 0)");
    if ((l = key_line(k, "global", K_ALGS)) && c->max_protocol < SMB_DIALECT_311)
        report(k, SRV_CHECK_WARNING, l, "signing algorithms apply to SMB 3.1.1 only, but max protocol is %s",
               smb_dialect_name(c->max_protocol));
    if (c->min_protocol > c->max_protocol)
        report(k, SRV_CHECK_ERROR, key_line(k, "global", K_MINPROTO), "min protocol %s is above max protocol %s",
               smb_dialect_name(c->min_protocol), smb_dialect_name(c->max_protocol));
    if ((l = key_line(k, "global", K_MAXIO)) && c->max_io + 4096 > c->max_pdu)
        report(k, SRV_CHECK_WARNING, l, "max io size %u does not fit in max pdu %u: the server lowers it to %u",
               c->max_io, c->max_pdu, (c->max_pdu - 4096) & ~0xFFFFu);
    if (c->era_set && !c->smb1)
        report(k, SRV_CHECK_WARNING, key_line(k, "global", K_ERA), "era only changes SMB1 behaviour, and smb1 is off");
    if (c->require_signing == 1 && c->enable_signing == 0)
        report(k, SRV_CHECK_WARNING, key_line(k, "global", K_ENABLE),
               "server enable signing = no contradicts server require signing = yes (line %d): "
               "signing stays required", key_line(k, "global", K_REQUIRE));
    if (c->signing_set && ((c->signing == SMB_LEVEL_DISABLED && c->require_signing == 1) ||
                           (c->signing == SMB_LEVEL_REQUIRED && c->require_signing == 0) ||
                           (c->signing == SMB_LEVEL_REQUIRED && c->enable_signing == 0)))
        report(k, SRV_CHECK_WARNING, key_line(k, "global", K_SIGNING),
               "server signing = %s contradicts server require/enable signing (lines %d, %d)",
               smb_level_name(c->signing), key_line(k, "global", K_REQUIRE), key_line(k, "global", K_ENABLE));
}

static char *read_text(const char *path)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return NULL;
    char *buf = malloc(CHECK_MAX_CONF + 1);
    size_t n = buf ? fread(buf, 1, CHECK_MAX_CONF, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = 0;
    return buf;
}

int srv_config_check(const struct srv_config *c, const char *conf_path, int level, srv_check_fn fn, void *arg)
{
    struct chk k = {.c = c, .path = conf_path, .fn = fn, .arg = arg, .worst = SRV_CHECK_OK};
    k.text = read_text(conf_path);
    check_users(&k);
    check_shares(&k);
    check_listen(&k);
    check_combinations(&k, level);
    free(k.text);
    return k.worst;
}
