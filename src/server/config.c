/* server/config.c - smb.conf-style configuration for `smbsign serve` (see config.h). */
#include "server/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void srv_config_init(struct srv_config *c)
{
    memset(c, 0, sizeof *c);
    c->signing = SMB_LEVEL_REQUIRED;
    snprintf(c->src_signing.text, sizeof c->src_signing.text, "built-in default (smbsign serve)");
    c->require_signing = -1;
    c->enable_signing = -1;
    c->min_protocol = SMB_DIALECT_202;
    c->max_protocol = SMB_DIALECT_311;
    c->ntlm_auth = true;
    snprintf(c->src_protocol.text, sizeof c->src_protocol.text, "default");
    /* MS-SMB2 3.3.5.4: the server picks the first algorithm of its own list
     * that the client offers; AES-GMAC preferred. */
    c->algs[0] = SMB_ALG_AES_GMAC;
    c->algs[1] = SMB_ALG_AES_CMAC;
    c->algs[2] = SMB_ALG_HMAC_SHA256;
    c->n_algs = 3;
    c->encrypt = SRV_ENC_IF_REQUIRED;
    c->reject_unencrypted = true;
    (void)srv_parse_cipher_list("default", c->ciphers, &c->n_ciphers);
    snprintf(c->src_algs.text, sizeof c->src_algs.text, "default");
    snprintf(c->server_name, sizeof c->server_name, "SMBSIGN");
    c->log_level = 1;
    c->worker_thread = true;
    c->io_threads = SRV_IO_THREADS_DEFAULT;
    c->async_io_after = SRV_ASYNC_IO_AFTER_DEFAULT;
    c->leases = true;
    c->oplock_break_timeout = SRV_BREAK_TIMEOUT_DEFAULT;
    c->max_pdu = SRV_MAX_PDU_DEFAULT;
    c->max_io = SRV_MAX_IO_DEFAULT;
    c->max_credits = SRV_MAX_CREDITS_DEFAULT;
    c->max_sessions = SRV_MAX_SESSIONS_DEFAULT;
    c->max_opens = SRV_MAX_OPENS_DEFAULT;
    c->max_connections = SRV_MAX_CONNECTIONS_DEFAULT;
    c->max_conns_per_addr = SRV_MAX_CONNS_PER_ADDR_DEFAULT;
    c->idle_timeout = SRV_IDLE_TIMEOUT_DEFAULT;
    c->handshake_timeout = SRV_HALF_OPEN_TIMEOUT_DEFAULT;
    c->auth_fail_delay_ms = SRV_AUTH_FAIL_DELAY_MS_DEFAULT;
}

/* Lowercase, spaces/underscores/dashes folded to one space, trimmed. */
static void norm_key(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    int sp = 0;
    for (; *in && n + 1 < cap; in++) {
        unsigned char ch = (unsigned char)*in;
        if (ch == ' ' || ch == '_' || ch == '-' || ch == '\t') {
            sp = n > 0;
            continue;
        }
        if (sp && n + 2 < cap)
            out[n++] = ' ';
        sp = 0;
        out[n++] = (char)tolower(ch);
    }
    out[n] = 0;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *t[] = {"yes", "true", "on", "1", "enabled", "enable"};
    static const char *f[] = {"no", "false", "off", "0", "disabled", "disable"};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        if (!strcasecmp(v, t[i])) {
            *out = true;
            return 0;
        }
        if (!strcasecmp(v, f[i])) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

int srv_parse_signing_word(const char *s, smb_sign_level *out)
{
    /* Samba: server signing = disabled|auto|mandatory (also yes/no/required). */
    if (!strcasecmp(s, "disabled") || !strcasecmp(s, "no") || !strcasecmp(s, "off") ||
        !strcasecmp(s, "false")) {
        *out = SMB_LEVEL_DISABLED;
        return 0;
    }
    /* Samba's words (smb.conf(5), the enum testparm prints): auto = if_required =
     * default, desired (offer signing, prefer it) also maps to "enabled" here */
    if (!strcasecmp(s, "auto") || !strcasecmp(s, "enabled") || !strcasecmp(s, "if_required") ||
        !strcasecmp(s, "default") || !strcasecmp(s, "desired") || !strcasecmp(s, "yes") || !strcasecmp(s, "on") ||
        !strcasecmp(s, "true")) {
        *out = SMB_LEVEL_ENABLED;
        return 0;
    }
    if (!strcasecmp(s, "mandatory") || !strcasecmp(s, "required") || !strcasecmp(s, "always")) {
        *out = SMB_LEVEL_REQUIRED;
        return 0;
    }
    return -1;
}

static int parse_u32(const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 0);
    if (errno || end == v || *end || x < lo || x > hi || v[0] == '-')
        return -1;
    *out = (uint32_t)x;
    return 0;
}

int srv_parse_workers(const char *s, uint32_t *out)
{
    if (!strcasecmp(s, "auto")) {
        *out = 0;
        return 0;
    }
    return parse_u32(s, 1, SRV_WORKERS_MAX, out);
}

unsigned srv_config_workers(const struct srv_config *c)
{
    if (c->workers)
        return c->workers;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : n > SRV_WORKERS_MAX ? SRV_WORKERS_MAX : (unsigned)n;
}

int srv_parse_listen(const char *s, char *addr, size_t alen, uint16_t *port)
{
    const char *colon;
    size_t n;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':')
            return -1;
        n = (size_t)(rb - s - 1);
        if (n == 0 || n >= alen)
            return -1;
        memcpy(addr, s + 1, n);
        addr[n] = 0;
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        n = (size_t)(colon - s);
        if (n == 0 || n >= alen || memchr(s, ':', n))
            return -1;
        memcpy(addr, s, n);
        addr[n] = 0;
    }
    uint32_t p;
    if (parse_u32(colon + 1, 1, 65535, &p))
        return -1;
    *port = (uint16_t)p;
    return 0;
}

struct load_ctx {
    struct srv_config *c;
    const char *name;
    char *err;
    size_t errlen;
    int failed;
    char cur_section[SRV_SHARE_NAME_MAX + 8];
    struct srv_share *share; /* current share section */
    int line_guess;
};

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        if (!lc->failed)                                                                           \
            snprintf(lc->err, lc->errlen, __VA_ARGS__);                                            \
        lc->failed = 1;                                                                            \
        return 0;                                                                                  \
    } while (0)

static void set_src(struct load_ctx *lc, struct srv_src *s, const char *key)
{
    snprintf(s->text, sizeof s->text, "%s [%s] %s", lc->name, lc->cur_section, key);
}

/* A list of signing algorithms, ours ("aes-gmac, aes-cmac") or Samba's
 * `server smb3 signing algorithms` syntax (AES-128-GMAC, AES-128-CMAC,
 * HMAC-SHA256, separated by commas and/or blanks; "default" = Samba's default
 * order, the same as ours). */
static int alg_list(struct srv_config *c, const char *v)
{
    char buf[256];
    if (strlen(v) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", v);
    if (!strcasecmp(buf, "default")) {
        c->algs[0] = SMB_ALG_AES_GMAC;
        c->algs[1] = SMB_ALG_AES_CMAC;
        c->algs[2] = SMB_ALG_HMAC_SHA256;
        c->n_algs = 3;
        return 0;
    }
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
        smb_sign_alg a;
        if (smb_alg_parse(t, &a) || a == SMB_ALG_MD5 || a == SMB_ALG_NONE || n >= 3)
            return -1;
        for (int i = 0; i < n; i++)
            if (c->algs[i] == a)
                return -1;
        c->algs[n++] = a;
    }
    if (n == 0)
        return -1;
    c->n_algs = n;
    return 0;
}

static int global_key(struct load_ctx *lc, const char *k, const char *v)
{
    struct srv_config *c = lc->c;
    uint32_t u;
    bool b;
    if (!strcmp(k, "listen")) {
        char a[128];
        uint16_t p;
        char buf[512];
        snprintf(buf, sizeof buf, "%s", v);
        for (char *save = NULL, *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
            if (srv_parse_listen(t, a, sizeof a, &p))
                FAIL("listen: '%s' is not ADDR:PORT", t);
            if (c->n_listen >= SRV_MAX_LISTEN)
                FAIL("listen: more than %d addresses", SRV_MAX_LISTEN);
            snprintf(c->listen[c->n_listen++], sizeof c->listen[0], "%s", t);
        }
    } else if (!strcmp(k, "users") || !strcmp(k, "passdb") || !strcmp(k, "user database")) {
        snprintf(c->users, sizeof c->users, "%s", v);
    } else if (!strcmp(k, "profile")) {
        snprintf(c->profile, sizeof c->profile, "%s", v);
    } else if (!strcmp(k, "policy file")) {
        if (c->n_policy_files >= SRV_MAX_POLICY_FILES)
            FAIL("policy file: more than %d files", SRV_MAX_POLICY_FILES);
        snprintf(c->policy_files[c->n_policy_files++], sizeof c->policy_files[0], "%s", v);
    } else if (!strcmp(k, "server signing")) {
        smb_sign_level l;
        if (srv_parse_signing_word(v, &l))
            FAIL("server signing: '%s' is not disabled|auto|mandatory", v);
        c->signing = l;
        c->signing_set = true;
        set_src(lc, &c->src_signing, "server signing");
    } else if (!strcmp(k, "server require signing")) {
        if (parse_bool(v, &b))
            FAIL("server require signing: '%s' is not yes|no", v);
        c->require_signing = b;
        set_src(lc, &c->src_require, "server require signing");
    } else if (!strcmp(k, "server enable signing")) {
        if (parse_bool(v, &b))
            FAIL("server enable signing: '%s' is not yes|no", v);
        c->enable_signing = b;
        set_src(lc, &c->src_enable, "server enable signing");
    } else if (!strcmp(k, "min protocol") || !strcmp(k, "server min protocol")) {
        smb_dialect d;
        if (smb_dialect_parse(v, &d) || d == SMB_DIALECT_SMB1 || d == SMB_DIALECT_NONE || d == SMB_DIALECT_2FF)
            FAIL("%s: '%s' is not an SMB2/3 dialect (SMB2_02..SMB3_11)", k, v);
        c->min_protocol = d;
        set_src(lc, &c->src_protocol, k);
    } else if (!strcmp(k, "max protocol") || !strcmp(k, "server max protocol")) {
        smb_dialect d;
        if (smb_dialect_parse(v, &d) || d == SMB_DIALECT_SMB1 || d == SMB_DIALECT_NONE || d == SMB_DIALECT_2FF)
            FAIL("%s: '%s' is not an SMB2/3 dialect (SMB2_02..SMB3_11)", k, v);
        c->max_protocol = d;
        set_src(lc, &c->src_protocol, k);
    } else if (!strcmp(k, "signing algorithms") || !strcmp(k, "server signing algorithms") ||
               !strcmp(k, "server smb3 signing algorithms")) {
        if (alg_list(c, v))
            FAIL("%s: '%s' is not a list of aes-gmac, aes-cmac, hmac-sha256", k, v);
        set_src(lc, &c->src_algs, k);
    } else if (!strcmp(k, "server smb encrypt") || !strcmp(k, "smb encrypt")) {
        if (srv_parse_encrypt_word(v, &c->encrypt))
            FAIL("%s: '%s' is not off|if_required|desired|required", k, v);
        c->encrypt_set = true;
    } else if (!strcmp(k, "server smb3 encryption algorithms")) {
        if (srv_parse_cipher_list(v, c->ciphers, &c->n_ciphers))
            FAIL("%s: '%s' is not a list of AES-128-GCM, AES-128-CCM, AES-256-GCM, AES-256-CCM", k, v);
    } else if (!strcmp(k, "server multi channel support")) {
        if (parse_bool(v, &b))
            FAIL("server multi channel support: '%s' is not yes|no", v);
        c->multichannel = b;
    } else if (!strcmp(k, "reject unencrypted access")) {
        if (parse_bool(v, &b))
            FAIL("reject unencrypted access: '%s' is not yes|no", v);
        c->reject_unencrypted = b;
    } else if (!strcmp(k, "server spn validation")) { /* against relay/reflection (tests/security/ntlm_reflection.sh) */
        if (parse_bool(v, &b))
            FAIL("server spn validation: '%s' is not yes|no", v);
        c->spn_validation = b;
    } else if (!strcmp(k, "guest ok")) {
        if (parse_bool(v, &b))
            FAIL("guest ok: '%s' is not yes|no", v);
        c->guest_ok = b;
    } else if (!strcmp(k, "workers")) {
        if (srv_parse_workers(v, &c->workers))
            FAIL("workers: '%s' is not 1..%u or auto (one event loop per online CPU)", v, SRV_WORKERS_MAX);
    } else if (!strcmp(k, "worker thread")) {
        if (parse_bool(v, &b))
            FAIL("worker thread: '%s' is not yes|no", v);
        c->worker_thread = b;
    } else if (!strcmp(k, "io threads")) {
        if (parse_u32(v, 0, SRV_IO_THREADS_MAX, &u))
            FAIL("io threads: '%s' is not 0..%u", v, SRV_IO_THREADS_MAX);
        c->io_threads = u;
    } else if (!strcmp(k, "async io after")) {
        if (parse_u32(v, 0, 60000, &u))
            FAIL("async io after: '%s' is not 0..60000 ms", v);
        c->async_io_after = u;
    } else if (!strcmp(k, "server leases")) { /* Samba's word: leases (and the LEASING capability) */
        if (parse_bool(v, &b))
            FAIL("server leases: '%s' is not yes|no", v);
        c->leases = b;
    } else if (!strcmp(k, "oplock break timeout")) { /* ms an opener waits for a break acknowledgement */
        if (parse_u32(v, 1, 600000, &u))
            FAIL("oplock break timeout: '%s' is not 1..600000 ms", v);
        c->oplock_break_timeout = u;
    } else if (!strcmp(k, "smb1")) { /* SMB1 (NT LM 0.12), off by default: server/smb1_*.c, docs/smb1.md */
        if (parse_bool(v, &b))
            FAIL("smb1: '%s' is not yes|no", v);
        c->smb1 = b;
    } else if (!strcmp(k, "era")) { /* SMB1 behaviour era (docs/policy.md): current | legacy */
        if (!strcasecmp(v, "current"))
            c->era = 0;
        else if (!strcasecmp(v, "legacy"))
            c->era = 1;
        else
            FAIL("era: '%s' is not current|legacy", v);
        c->era_set = true;
    } else if (!strcmp(k, "map to guest")) {
        if (!strcasecmp(v, "never"))
            c->guest_ok = false;
        else if (!strcasecmp(v, "bad user"))
            c->guest_ok = true;
        else
            FAIL("map to guest: '%s' is not never|bad user", v);
    } else if (!strcmp(k, "netbios name") || !strcmp(k, "server name")) {
        if (strlen(v) == 0 || strlen(v) >= sizeof c->server_name)
            FAIL("%s: must be 1..%zu characters", k, sizeof c->server_name - 1);
        snprintf(c->server_name, sizeof c->server_name, "%s", v);
    } else if (!strcmp(k, "kerberos keytab")) { /* docs/kerberos.md */
        if (strlen(v) == 0 || strlen(v) >= sizeof c->krb5_keytab)
            FAIL("kerberos keytab: must be a path of 1..%zu characters", sizeof c->krb5_keytab - 1);
        snprintf(c->krb5_keytab, sizeof c->krb5_keytab, "%s", v);
    } else if (!strcmp(k, "realm")) {
        if (strlen(v) == 0 || strlen(v) >= sizeof c->realm || strpbrk(v, "@/ \\"))
            FAIL("realm: '%s' is not a Kerberos realm name (1..%zu characters, no '@', '/', space)", v,
                 sizeof c->realm - 1);
        snprintf(c->realm, sizeof c->realm, "%s", v);
    } else if (!strcmp(k, "ntlm auth")) {
        if (!strcasecmp(v, "ntlmv2-only") || !strcasecmp(v, "mschapv2-and-ntlmv2-only"))
            c->ntlm_auth = true; /* Samba's words: this server speaks NTLMv2 only anyway */
        else if (parse_bool(v, &b))
            FAIL("ntlm auth: '%s' is not yes|no|ntlmv2-only", v);
        else
            c->ntlm_auth = b;
    } else if (!strcmp(k, "log level")) {
        if (parse_u32(v, 0, 3, &u))
            FAIL("log level: '%s' is not 0..3", v);
        c->log_level = (int)u;
    } else if (!strcmp(k, "max pdu")) {
        if (parse_u32(v, 65536 + 4096, SRV_MAX_PDU_CAP, &u))
            FAIL("max pdu: '%s' is not %u..%u", v, 65536 + 4096, SRV_MAX_PDU_CAP);
        c->max_pdu = u;
    } else if (!strcmp(k, "max io size")) {
        if (parse_u32(v, 65536, SRV_MAX_PDU_CAP - 4096, &u))
            FAIL("max io size: '%s' is not 65536..%u", v, SRV_MAX_PDU_CAP - 4096);
        c->max_io = u;
    } else if (!strcmp(k, "max credits")) {
        if (parse_u32(v, 16, 8192, &u))
            FAIL("max credits: '%s' is not 16..8192", v);
        c->max_credits = u;
    } else if (!strcmp(k, "max sessions per connection")) {
        if (parse_u32(v, 1, 1024, &u))
            FAIL("%s: '%s' is not 1..1024", k, v);
        c->max_sessions = u;
    } else if (!strcmp(k, "max open files per connection") || !strcmp(k, "max open files")) {
        if (parse_u32(v, 1, 65536, &u))
            FAIL("%s: '%s' is not 1..65536", k, v);
        c->max_opens = u;
    } else if (!strcmp(k, "max connections")) {
        if (parse_u32(v, 1, 100000, &u))
            FAIL("%s: '%s' is not 1..100000", k, v);
        c->max_connections = u;
    } else if (!strcmp(k, "max connections per address")) {
        if (parse_u32(v, 0, 100000, &u))
            FAIL("%s: '%s' is not 0..100000 (0: no cap)", k, v);
        c->max_conns_per_addr = u;
    } else if (!strcmp(k, "idle timeout")) {
        if (parse_u32(v, 1, 86400, &u))
            FAIL("%s: '%s' is not 1..86400 seconds", k, v);
        c->idle_timeout = u;
    } else if (!strcmp(k, "handshake timeout")) {
        if (parse_u32(v, 1, 3600, &u))
            FAIL("%s: '%s' is not 1..3600 seconds", k, v);
        c->handshake_timeout = u;
    } else if (!strcmp(k, "auth failure delay")) {
        if (parse_u32(v, 0, 10000, &u))
            FAIL("%s: '%s' is not 0..10000 ms", k, v);
        c->auth_fail_delay_ms = u;
    } else if (!strcmp(k, "workgroup") || !strcmp(k, "server string")) {
        /* accepted and ignored: harmless smb.conf habits */
    } else {
        FAIL("unknown key '%s' in [global]", k);
    }
    return 1;
}

static int valid_share_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SRV_SHARE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        /* MS-SMB2 2.2.9: share names; forbid separators and control chars. */
        if (ch < 0x20 || strchr("\\/:*?\"<>|[]=;,+", ch))
            return 0;
    }
    return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *lc = user;
    if (lc->failed)
        return 0;
    char k[96];
    norm_key(name, k, sizeof k);
    if (strcmp(section, lc->cur_section) != 0) {
        /* sections were created (and checked) by prescan() */
        snprintf(lc->cur_section, sizeof lc->cur_section, "%s", section);
        lc->share = NULL;
        for (int i = 0; i < lc->c->n_shares; i++)
            if (!strcasecmp(lc->c->shares[i].name, section))
                lc->share = &lc->c->shares[i];
    }
    if (!strcasecmp(section, "global"))
        return global_key(lc, k, value);
    if (!lc->share)
        FAIL("key outside a section");
    bool b;
    if (!strcmp(k, "path")) {
        if (value[0] != '/')
            FAIL("[%s] path: '%s' must be absolute", section, value);
        snprintf(lc->share->path, sizeof lc->share->path, "%s", value);
    } else if (!strcmp(k, "read only") || !strcmp(k, "writable") || !strcmp(k, "writeable") ||
               !strcmp(k, "read write")) {
        if (parse_bool(value, &b))
            FAIL("[%s] %s: '%s' is not yes|no", section, k, value);
        lc->share->read_only = !strcmp(k, "read only") ? b : !b;
    } else if (!strcmp(k, "oplocks")) { /* Samba's word: "no" grants neither oplocks nor leases */
        if (parse_bool(value, &b))
            FAIL("[%s] oplocks: '%s' is not yes|no", section, value);
        lc->share->no_oplocks = !b;
    } else if (!strcmp(k, "backend")) {
        /* smbsign's own: where the share's files live (server/vfs.h) */
        if (!strcmp(value, "posix"))
            lc->share->mem = false;
        else if (!strcmp(value, "memory"))
            lc->share->mem = true;
        else
            FAIL("[%s] backend: '%s' is not posix|memory", section, value);
    } else if (!strcmp(k, "memory size")) {
        char *end = NULL;
        unsigned long long mb = strtoull(value, &end, 10);
        if (!end || end == value || *end || mb == 0 || mb > 4096)
            FAIL("[%s] memory size: '%s' is not 1..4096 (MiB)", section, value);
        lc->share->mem_bytes = (uint64_t)mb << 20;
    } else if (!strcmp(k, "smb encrypt") || !strcmp(k, "server smb encrypt")) {
        if (srv_parse_encrypt_word(value, &lc->share->encrypt))
            FAIL("[%s] %s: '%s' is not off|if_required|desired|required", section, k, value);
    } else if (!strcmp(k, "comment") || !strcmp(k, "browseable") || !strcmp(k, "browsable")) {
        /* accepted and ignored */
    } else {
        FAIL("unknown key '%s' in share [%s]", k, section);
    }
    return 1;
}

/* Create one share per section header before inih runs, so empty sections
 * ([IPC$]) exist and a repeated section is an error with its line. */
static int prescan(struct load_ctx *lc, const char *text)
{
    int line = 0;
    for (const char *p = text; *p;) {
        line++;
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *b = p, *e = p + len;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        if (b < e && *b == '[') {
            const char *rb = memchr(b, ']', (size_t)(e - b));
            if (rb) {
                char name[SRV_SHARE_NAME_MAX + 8];
                size_t n = (size_t)(rb - b - 1);
                if (n >= sizeof name)
                    n = sizeof name - 1;
                memcpy(name, b + 1, n);
                name[n] = 0;
                if (strcasecmp(name, "global") != 0) {
                    if (!valid_share_name(name)) {
                        snprintf(lc->err, lc->errlen, "invalid share name [%s]", name);
                        return line;
                    }
                    if (srv_config_share(lc->c, name)) {
                        snprintf(lc->err, lc->errlen, "duplicate share [%s]", name);
                        return line;
                    }
                    if (lc->c->n_shares >= SRV_MAX_SHARES) {
                        snprintf(lc->err, lc->errlen, "more than %d shares", SRV_MAX_SHARES);
                        return line;
                    }
                    struct srv_share *sh = &lc->c->shares[lc->c->n_shares++];
                    memset(sh, 0, sizeof *sh);
                    memcpy(sh->name, name, strlen(name) + 1);
                    sh->ipc = strcasecmp(name, "IPC$") == 0;
                    sh->encrypt = -1;
                }
            }
        }
        p = eol ? eol + 1 : e;
        if (!eol)
            break;
    }
    return 0;
}

static SMB_WUR smb_status finish(struct load_ctx *lc, int rc, const char *name)
{
    if (rc == 0 && !lc->failed)
        return SMB_OK;
    if (rc == -1) {
        snprintf(lc->err, lc->errlen, "%s: cannot open: %s", name, strerror(errno));
        return SMB_E_IO;
    }
    if (rc == -2) {
        snprintf(lc->err, lc->errlen, "%s: out of memory", name);
        return SMB_E_NOMEM;
    }
    char msg[512];
    if (lc->failed)
        snprintf(msg, sizeof msg, "%s", lc->err);
    else
        snprintf(msg, sizeof msg, "syntax error (expected [section] or key = value)");
    snprintf(lc->err, lc->errlen, "%s:%d: %s", name, rc, msg);
    return SMB_E_BAD_ARGUMENT;
}

#define SRV_CONFIG_MAX_BYTES (1u << 20)

smb_status srv_config_load(struct srv_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return SMB_E_IO;
    }
    char *buf = malloc(SRV_CONFIG_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        return SMB_E_NOMEM;
    }
    size_t n = fread(buf, 1, SRV_CONFIG_MAX_BYTES + 1, f);
    fclose(f);
    if (n > SRV_CONFIG_MAX_BYTES) {
        free(buf);
        snprintf(err, errlen, "%s: larger than %u bytes", path, SRV_CONFIG_MAX_BYTES);
        return SMB_E_BAD_ARGUMENT;
    }
    buf[n] = 0;
    if (memchr(buf, 0, n)) {
        free(buf);
        snprintf(err, errlen, "%s: contains NUL bytes (not a text file)", path);
        return SMB_E_BAD_ARGUMENT;
    }
    smb_status st = srv_config_load_string(c, buf, path, err, errlen);
    free(buf);
    return st;
}

/* smb.conf layout as Samba reads it, for inih: parameters may be indented
 * (inih would take an indented line as the continuation of the previous
 * value), and a line ending in a backslash continues on the next one. The
 * copy keeps one line per input line (a joined line leaves empty lines
 * behind), so FILE:LINE in errors stays right. NULL when out of memory. */
static char *samba_layout(const char *text)
{
    size_t n = strlen(text);
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    const char *p = text;
    size_t pending_nl = 0;
    bool line_start = true;
    while (*p) {
        if (line_start) {
            while (*p == ' ' || *p == '\t')
                p++;
            line_start = false;
            continue;
        }
        if (*p == '\\' && (p[1] == '\n' || (p[1] == '\r' && p[2] == '\n'))) {
            p += p[1] == '\r' ? 3 : 2; /* joined: the newline goes after the logical line */
            pending_nl++;
            *o++ = ' ';
            while (*p == ' ' || *p == '\t')
                p++;
            continue;
        }
        if (*p == '\n') {
            *o++ = *p++;
            for (; pending_nl; pending_nl--)
                *o++ = '\n';
            line_start = true;
            continue;
        }
        *o++ = *p++;
    }
    for (; pending_nl; pending_nl--)
        *o++ = '\n';
    *o = 0;
    return out;
}

smb_status srv_config_load_string(struct srv_config *c, const char *text, const char *name, char *err,
                                  size_t errlen)
{
    struct load_ctx lc = {.c = c, .name = name, .err = err, .errlen = errlen};
    char *t = samba_layout(text);
    if (!t) {
        snprintf(err, errlen, "%s: out of memory", name);
        return SMB_E_NOMEM;
    }
    int rc = prescan(&lc, t);
    if (rc) {
        lc.failed = 1;
        free(t);
        return finish(&lc, rc, name);
    }
    rc = ini_parse_string(t, handler, &lc);
    free(t);
    return finish(&lc, rc, name);
}

smb_status srv_config_add_share(struct srv_config *c, const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1]) {
        snprintf(err, errlen, "--share '%s': expected NAME=PATH", spec);
        return SMB_E_BAD_ARGUMENT;
    }
    char name[SRV_SHARE_NAME_MAX + 2];
    size_t n = (size_t)(eq - spec);
    if (n > SRV_SHARE_NAME_MAX) {
        snprintf(err, errlen, "--share: share name too long");
        return SMB_E_BAD_ARGUMENT;
    }
    memcpy(name, spec, n);
    name[n] = 0;
    if (!valid_share_name(name)) {
        snprintf(err, errlen, "--share: invalid share name '%s'", name);
        return SMB_E_BAD_ARGUMENT;
    }
    if (srv_config_share(c, name)) {
        snprintf(err, errlen, "--share: duplicate share '%s'", name);
        return SMB_E_BAD_ARGUMENT;
    }
    if (c->n_shares >= SRV_MAX_SHARES) {
        snprintf(err, errlen, "--share: more than %d shares", SRV_MAX_SHARES);
        return SMB_E_BAD_ARGUMENT;
    }
    struct srv_share *s = &c->shares[c->n_shares];
    memset(s, 0, sizeof *s);
    memcpy(s->name, name, n + 1);
    const char *path = eq + 1;
    size_t pl = strlen(path);
    if (pl > 3 && !strcmp(path + pl - 3, ":ro")) {
        s->read_only = true;
        pl -= 3;
    }
    if (pl >= sizeof s->path) {
        snprintf(err, errlen, "--share: path too long");
        return SMB_E_BAD_ARGUMENT;
    }
    char *rp = NULL;
    char tmp[PATH_MAX];
    memcpy(tmp, path, pl);
    tmp[pl] = 0;
    rp = realpath(tmp, NULL);
    if (!rp) {
        snprintf(err, errlen, "--share %s: %s: %s", name, tmp, strerror(errno));
        return SMB_E_BAD_ARGUMENT;
    }
    size_t rl = strlen(rp);
    if (rl >= sizeof s->path) {
        free(rp);
        snprintf(err, errlen, "--share: path too long");
        return SMB_E_BAD_ARGUMENT;
    }
    memcpy(s->path, rp, rl + 1);
    free(rp);
    s->encrypt = -1;
    c->n_shares++;
    return SMB_OK;
}

const struct srv_share *srv_config_share(const struct srv_config *c, const char *name)
{
    for (int i = 0; i < c->n_shares; i++)
        if (!strcasecmp(c->shares[i].name, name))
            return &c->shares[i];
    return NULL;
}

smb_status srv_config_validate(struct srv_config *c, char *err, size_t errlen)
{
    if (c->n_listen == 0) {
        snprintf(c->listen[0], sizeof c->listen[0], "127.0.0.1:%d", SRV_DEFAULT_PORT);
        c->n_listen = 1;
    }
    if (c->krb5_keytab[0] && access(c->krb5_keytab, R_OK) != 0) {
        snprintf(err, errlen, "kerberos keytab %s: %s (export one with samba-tool domain exportkeytab or ktutil; "
                 "docs/kerberos.md)", c->krb5_keytab, strerror(errno));
        return SMB_E_BAD_ARGUMENT;
    }
    if (!c->ntlm_auth && !c->krb5_keytab[0]) {
        snprintf(err, errlen, "ntlm auth = no leaves no authentication: set kerberos keytab = FILE");
        return SMB_E_BAD_ARGUMENT;
    }
    if (c->min_protocol > c->max_protocol) {
        snprintf(err, errlen, "min protocol %s is above max protocol %s", smb_dialect_name(c->min_protocol),
                 smb_dialect_name(c->max_protocol));
        return SMB_E_BAD_ARGUMENT;
    }
    if (c->max_io + 4096 > c->max_pdu)
        c->max_io = (c->max_pdu - 4096) & ~0xFFFFu;
    for (int i = 0; i < c->n_shares; i++) {
        struct srv_share *s = &c->shares[i];
        if (s->ipc || s->mem)
            continue;
        struct stat st;
        if (!s->path[0]) {
            snprintf(err, errlen, "share [%s] has no path", s->name);
            return SMB_E_BAD_ARGUMENT;
        }
        if (stat(s->path, &st) || !S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "share [%s]: path %s is not a directory", s->name, s->path);
            return SMB_E_BAD_ARGUMENT;
        }
    }
    return SMB_OK;
}
