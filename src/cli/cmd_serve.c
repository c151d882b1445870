/* cli/cmd_serve.c - `smbsign serve`: the small SMB2/3 file server. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/hex.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "server/check.h"
#include "server/loop.h"
#include "server/service.h"
#include "server/session.h"
#include "smbsign/policy.h"

#define VERB "serve"

struct serve_opts {
    const char *conf;
    const char *listen[SRV_MAX_LISTEN];
    int n_listen;
    const char *shares[SRV_MAX_SHARES];
    int n_shares;
    const char *users;
    const char *signing;
    const char *profile;
    const char *policy_files[SRV_MAX_POLICY_FILES];
    int n_policy;
    int log_level; /* -1: from config */
    const char *workers;
    bool guest;
    bool check;
    bool quiet;    /* --check: findings only, no effective configuration */
    int fail_on;   /* --check: exit non-zero from this severity (SRV_CHECK_WARNING default) */
    bool journal;  /* stderr is the journal: "<N>" priorities, no timestamps */
    bool demo;
    char demo_dir[256];
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: smbsign serve [-c FILE] [--listen ADDR:PORT]... [--share NAME=PATH[:ro]]...\n"
            "                     [--users FILE] [--signing required|enabled|disabled]\n"
            "                     [--profile NAME] [--policy-file FILE]... [--log-level L]\n"
            "                     [--workers N|auto] [--guest-ok] [--check [--quiet] [--fail-on error|warning]]\n\n"
            "A small SMB2/3 file server (dialects 2.0.2 to 3.1.1) that enforces SMB signing\n"
            "exactly as the Windows Server service does: SecurityMode from the server's\n"
            "level, session signing when either side requires it, every response signed,\n"
            "every request that must be signed verified (unsigned or forged requests get\n"
            "STATUS_ACCESS_DENIED, are not executed and are logged as audit lines).\n\n"
            "Options:\n"
            "  -c, --config FILE      smb.conf-style INI file ([global] + one section per share)\n"
            "  --listen ADDR:PORT     listen address (repeatable; default 127.0.0.1:4445)\n"
            "  --share NAME=PATH      export PATH as NAME (repeatable; append :ro for read only)\n"
            "  --users FILE           user database (smbsign passwd -f FILE USER), mode 0600\n"
            "  --signing LEVEL        required | enabled | disabled (overrides the file)\n"
            "  --profile NAME         take signing defaults from an OS profile (smbsign profiles)\n"
            "  --policy-file FILE     apply a .reg export, GptTmpl.inf or PowerShell output\n"
            "  --log-level L          error | audit | info | debug (or 0..3)\n"
            "  --workers N|auto       event loops, each serving its own connections on its\n"
            "                         own thread (default auto: one per online CPU)\n"
            "  --guest-ok             map unknown users to guest (never where signing is required)\n"
            "  --check, --check-config  check the configuration like testparm and exit: print the\n"
            "                         effective settings with sources, then warnings and errors as\n"
            "                         FILE:LINE: users file mode/readability, share paths, listen\n"
            "                         addresses already in use, settings that contradict each other.\n"
            "                         Exit 0 clean, 1 warnings, 2 errors (the server would not start)\n"
            "  --quiet                with --check: print only the findings\n"
            "  --fail-on LEVEL        with --check: 'error' exits 0 on warnings (the unit's ExecStartPre)\n\n"
            "Precedence (lowest first): profile or built-in default (required), policy files\n"
            "(registry < local policy < domain GPO), the config file, --signing.\n\n"
            "With no share and no user database, serves a new temporary directory on\n"
            "127.0.0.1:4445 with signing required and a demo user, and prints the smbclient\n"
            "command line that connects.\n\n"
            "Examples:\n"
            "  smbsign serve\n"
            "  smbsign passwd -f users alice && smbsign serve --share data=/srv/data --users users\n"
            "  smbsign serve -c /etc/smbsign/smbsign.conf --check\n"
            "  smbsign serve --share pub=/srv/pub:ro --users users --signing enabled --listen 0.0.0.0:445\n"
            "  smbclient //127.0.0.1/data -p 4445 -U alice -m SMB3_11 --option='client signing=required'\n\n"
            "SIGTERM flushes open files and exits; SIGHUP re-reads the configuration file and\n"
            "the users file (new connections use them; open sessions continue). Under systemd\n"
            "(smbsign-serve.service) it reports readiness with sd_notify and logs to the journal\n"
            "with priorities.\n"
            "See smbsign-serve(1) and docs/server.md.\n");
}

static void log_fn(void *arg, int level, const char *msg)
{
    const struct serve_opts *o = arg;
    char line[1024];
    srv_log_format(line, sizeof line, o && o->journal, level, msg);
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
}

static int parse_log_level(const char *s)
{
    if (!strcasecmp(s, "error") || !strcmp(s, "0"))
        return 0;
    if (!strcasecmp(s, "audit") || !strcasecmp(s, "warning") || !strcmp(s, "1"))
        return 1;
    if (!strcasecmp(s, "info") || !strcmp(s, "2"))
        return 2;
    if (!strcasecmp(s, "debug") || !strcmp(s, "3"))
        return 3;
    return -1;
}

/* Build the configuration: file, then command-line overrides; validate
 * unless the checker is going to look at it instead. */
static int build_config(const struct serve_opts *o, struct srv_config *cfg, char *err, size_t errlen, bool validate)
{
    srv_config_init(cfg);
    if (o->conf && srv_config_load(cfg, o->conf, err, errlen) != SMB_OK)
        return -1;
    if (o->n_listen) {
        cfg->n_listen = 0;
        for (int i = 0; i < o->n_listen; i++) {
            char a[128];
            uint16_t p;
            if (srv_parse_listen(o->listen[i], a, sizeof a, &p)) {
                snprintf(err, errlen, "--listen '%s': expected ADDR:PORT", o->listen[i]);
                return -1;
            }
            snprintf(cfg->listen[cfg->n_listen++], sizeof cfg->listen[0], "%s", o->listen[i]);
        }
    }
    for (int i = 0; i < o->n_shares; i++)
        if (srv_config_add_share(cfg, o->shares[i], err, errlen) != SMB_OK)
            return -1;
    if (o->users)
        snprintf(cfg->users, sizeof cfg->users, "%s", o->users);
    if (o->profile)
        snprintf(cfg->profile, sizeof cfg->profile, "%s", o->profile);
    for (int i = 0; i < o->n_policy; i++) {
        if (cfg->n_policy_files >= SRV_MAX_POLICY_FILES) {
            snprintf(err, errlen, "more than %d policy files", SRV_MAX_POLICY_FILES);
            return -1;
        }
        snprintf(cfg->policy_files[cfg->n_policy_files++], sizeof cfg->policy_files[0], "%s", o->policy_files[i]);
    }
    if (o->signing) {
        smb_sign_level lv;
        if (srv_parse_signing_word(o->signing, &lv)) {
            snprintf(err, errlen, "--signing '%s': expected required, enabled or disabled", o->signing);
            return -1;
        }
        cfg->cli_signing_set = true;
        cfg->cli_signing = lv;
    }
    if (o->log_level >= 0)
        cfg->log_level = o->log_level;
    if (o->guest)
        cfg->guest_ok = true;
    if (o->workers && srv_parse_workers(o->workers, &cfg->workers)) {
        snprintf(err, errlen, "--workers '%s': expected 1..%u or auto (one event loop per online CPU)", o->workers,
                 SRV_WORKERS_MAX);
        return -1;
    }
    if (!validate)
        return 0;
    if (srv_config_validate(cfg, err, errlen) != SMB_OK)
        return -1;
    if (!cfg->users[0] && !cfg->guest_ok) {
        snprintf(err, errlen, "no user database (--users FILE or 'users =' in [global]); create one with "
                              "'smbsign passwd -f FILE USER'");
        return -1;
    }
    return 0;
}

static void print_value(const char *label, const smb_setting_value *v)
{
    printf("  %-22s %-9s source: %s", label,
           v->value == SMB_VALUE_UNDEFINED ? "undefined" : v->value ? "1 (on)" : "0 (off)",
           smb_source_name(v->source));
    char ob[SMB_POLICY_ORIGIN_TEXT_MAX];
    const char *o = smb_policy_origin_text(v, ob);
    if (o[0])
        printf(" (%s", o);
    if (o[0] && v->line)
        printf(":%u", v->line);
    if (o[0])
        printf(")");
    printf("\n");
}

static void print_check(const struct srv_config *cfg, smb_sign_level level, const smb_policy_effective *eff)
{
    printf("effective server signing: %s\n", smb_level_name(level));
    print_value("server require signing", &eff->v[SMB_SETTING_SERVER_REQUIRE]);
    print_value("server enable signing", &eff->v[SMB_SETTING_SERVER_ENABLE]);
    for (size_t i = 0; i < eff->n_shadowed; i++) {
        const smb_shadowed *s = &eff->shadowed[i];
        if (s->setting != SMB_SETTING_SERVER_REQUIRE && s->setting != SMB_SETTING_SERVER_ENABLE)
            continue;
        char ob[SMB_POLICY_ORIGIN_TEXT_MAX];
        printf("    shadowed: %s=%d from %s (%s) replaced by %s\n", smb_policy_setting_desc(s->setting)->name,
               s->lost.value, smb_source_name(s->lost.source), smb_policy_origin_text(&s->lost, ob),
               smb_source_name(s->winner));
    }
    uint16_t sm = smb_policy_smb2_secmode(level);
    printf("SMB2 NEGOTIATE SecurityMode: 0x%04x (%s)\n", sm,
           (sm & SMB2_NEGOTIATE_SIGNING_REQUIRED) ? "SIGNING_ENABLED|SIGNING_REQUIRED" : "SIGNING_ENABLED");
    printf("sessions: %s\n", level == SMB_LEVEL_REQUIRED
                                 ? "always signed (unsigned requests refused with STATUS_ACCESS_DENIED)"
                                 : "signed when the client requires signing (MS-SMB2 3.3.5.5.3)");
    printf("dialects: %s .. %s (%s)\n", smb_dialect_name(cfg->min_protocol), smb_dialect_name(cfg->max_protocol),
           cfg->src_protocol.text);
    printf("3.1.1 signing algorithms, preferred first:");
    for (int i = 0; i < cfg->n_algs; i++)
        printf(" %s", smb_alg_name(cfg->algs[i]));
    printf(" (%s)\nencryption: not offered (3.1.1 ENCRYPTION_CAPABILITIES answered with no cipher)\n",
           cfg->src_algs.text);
    printf("guest: %s\n", cfg->guest_ok ? "unknown users map to guest, refused where signing is required" : "never");
    for (int i = 0; i < cfg->n_listen; i++)
        printf("listen: %s\n", cfg->listen[i]);
    printf("users: %s\n", cfg->users[0] ? cfg->users : "(none)");
    for (int i = 0; i < cfg->n_shares; i++)
        printf("share: %s -> %s%s\n", cfg->shares[i].name,
               cfg->shares[i].ipc ? "(IPC$)" : cfg->shares[i].mem ? "(memory)" : cfg->shares[i].path,
               cfg->shares[i].read_only ? " (read only)" : "");
    printf("limits: max pdu %u, max io %u, credits %u, sessions/conn %u, opens/conn %u, connections %u\n"
           "        (%u per address), idle timeout %us, handshake timeout %us, auth failure delay %ums\n",
           cfg->max_pdu, cfg->max_io, cfg->max_credits, cfg->max_sessions, cfg->max_opens, cfg->max_connections,
           cfg->max_conns_per_addr, cfg->idle_timeout, cfg->handshake_timeout, cfg->auth_fail_delay_ms);
    unsigned nw = srv_config_workers(cfg);
    printf("workers: %u event loop%s (%s)\n", nw, nw == 1 ? "" : "s",
           cfg->workers ? "configured" : "auto: one per online CPU");
    if (cfg->worker_thread && cfg->io_threads)
        printf("file I/O: %u I/O threads, interim response after %u ms\n", cfg->io_threads, cfg->async_io_after);
    else
        printf("file I/O: on the %s thread (no interim responses)\n", cfg->worker_thread ? "worker" : "loop");
}

static struct srv_ctx *make_ctx(const struct serve_opts *o, char *err, size_t errlen)
{
    struct srv_config *cfg = malloc(sizeof *cfg);
    struct srv_ctx *ctx = NULL;
    smb_policy_effective eff;
    smb_sign_level level;
    if (!cfg) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (build_config(o, cfg, err, errlen, true) || srv_config_signing(cfg, &level, &eff, err, errlen) != SMB_OK)
        goto out;
    ctx = malloc(sizeof *ctx);
    if (!ctx)
        goto out;
    if (srv_ctx_init(ctx, cfg, level, err, errlen) != SMB_OK) {
        free(ctx);
        ctx = NULL;
        goto out;
    }
    ctx->log = log_fn;
    ctx->log_arg = (void *)o;
out:
    free(cfg);
    return ctx;
}

static void notify_status(const struct srv_ctx *ctx, const char *first)
{
    char st[600];
    snprintf(st, sizeof st, "%sSTATUS=listening on %s%s, signing %s", first, ctx->cfg.listen[0],
             ctx->cfg.n_listen > 1 ? " and more" : "", smb_level_name(ctx->level));
    srv_notify(st);
}

/* SIGHUP: the loop keeps running sessions on their old ctx (loop.h). */
static struct srv_ctx *reload_cb(void *arg)
{
    char err[1024], msg[1100];
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
    srv_notify(msg);
    struct srv_ctx *ctx = make_ctx(arg, err, sizeof err);
    if (!ctx) {
        snprintf(msg, sizeof msg, "reload: %s", err);
        log_fn(arg, SRV_LOG_ERROR, msg);
        srv_notify("READY=1\nSTATUS=reload failed; running with the previous configuration");
    } else {
        notify_status(ctx, "READY=1\n");
    }
    return ctx;
}

struct check_out {
    int n[3];
};

static void check_line(void *arg, int sev, const char *where, const char *msg)
{
    static const char *const words[] = {"note", "warning", "error"};
    struct check_out *co = arg;
    co->n[sev]++;
    if (where[0])
        fprintf(stderr, "%s: %s: %s\n", where, words[sev], msg);
    else
        fprintf(stderr, "smbsign serve: %s: %s\n", words[sev], msg);
}

/* --check: exit 0 clean, 1 warnings, 2 errors (with --fail-on error, 0 on warnings). */
static int run_check(const struct serve_opts *o)
{
    struct srv_config *cfg = malloc(sizeof *cfg);
    smb_policy_effective eff;
    smb_sign_level level;
    char err[1024] = "";
    struct check_out co = {{0, 0, 0}};
    if (!cfg)
        return CLI_EXIT_NEGATIVE;
    int worst = SRV_CHECK_OK;
    if (build_config(o, cfg, err, sizeof err, false)) {
        /* a syntax or value error: err names FILE:LINE */
        check_line(&co, SRV_CHECK_ERROR, "", err);
        worst = SRV_CHECK_ERROR;
        goto out;
    }
    if (srv_config_signing(cfg, &level, &eff, err, sizeof err) != SMB_OK) {
        check_line(&co, SRV_CHECK_ERROR, "", err);
        worst = SRV_CHECK_ERROR;
        goto out;
    }
    if (cfg->n_listen == 0) /* the server's default */
        snprintf(cfg->listen[cfg->n_listen++], sizeof cfg->listen[0], "127.0.0.1:%d", SRV_DEFAULT_PORT);
    worst = srv_config_check(cfg, o->conf, (int)level, check_line, &co);
    if (worst < SRV_CHECK_ERROR && srv_config_validate(cfg, err, sizeof err) != SMB_OK) {
        check_line(&co, SRV_CHECK_ERROR, "", err); /* anything the checker does not know yet */
        worst = SRV_CHECK_ERROR;
    }
    if (!o->quiet)
        print_check(cfg, level, &eff);
out:
    free(cfg);
    fflush(stdout);
    if (!o->quiet || worst)
        fprintf(stderr, "smbsign serve: check: %d error%s, %d warning%s%s\n", co.n[2], co.n[2] == 1 ? "" : "s",
                co.n[1], co.n[1] == 1 ? "" : "s", worst == SRV_CHECK_ERROR ? " (the server would not start)" : "");
    if (worst < o->fail_on)
        return CLI_EXIT_OK;
    return worst == SRV_CHECK_ERROR ? CLI_EXIT_USAGE : worst == SRV_CHECK_WARNING ? CLI_EXIT_NEGATIVE : CLI_EXIT_OK;
}

/* Demo mode: a fresh directory, a users file and a random password. */
static int setup_demo(struct serve_opts *o, char *share_spec, size_t sslen, char *users, size_t ulen, char *pw,
                      size_t pwlen)
{
    snprintf(o->demo_dir, sizeof o->demo_dir, "%s/smbsign-demo.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(o->demo_dir)) {
        cli_err(VERB, "cannot create a demo directory: %s", strerror(errno));
        return -1;
    }
    char share[300];
    snprintf(share, sizeof share, "%s/share", o->demo_dir);
    if (mkdir(share, 0755)) {
        cli_err(VERB, "mkdir %s: %s", share, strerror(errno));
        return -1;
    }
    char readme[340];
    snprintf(readme, sizeof readme, "%s/README.txt", share);
    FILE *f = fopen(readme, "w");
    if (f) {
        fprintf(f, "Served by smbsign serve with SMB signing required.\n");
        fclose(f);
    }
    uint8_t rnd[9];
    if (smb_random(rnd, sizeof rnd) != SMB_OK)
        return -1;
    static const char al[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    size_t i = 0;
    for (; i < sizeof rnd && i + 1 < pwlen; i++)
        pw[i] = al[rnd[i] % (sizeof al - 1)];
    pw[i] = 0;
    snprintf(users, ulen, "%s/users", o->demo_dir);
    uint8_t h[16];
    char err[512];
    if (srv_nt_hash(pw, h) != SMB_OK || srv_userdb_set(users, "demo", h, err, sizeof err) != SMB_OK) {
        cli_err(VERB, "cannot write the demo user database: %s", err);
        return -1;
    }
    smb_wipe(h, sizeof h);
    snprintf(share_spec, sslen, "share=%s", share);
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    struct serve_opts o;
    memset(&o, 0, sizeof o);
    o.log_level = -1;
    o.fail_on = SRV_CHECK_WARNING;
    o.journal = srv_journal_stderr();
    enum { O_LISTEN = 256, O_SHARE, O_USERS, O_SIGNING, O_PROFILE, O_POLICY, O_LOG, O_CHECK, O_GUEST, O_QUIET,
           O_FAIL_ON, O_WORKERS };
    static const struct option lo[] = {
        {"config", required_argument, 0, 'c'},      {"listen", required_argument, 0, O_LISTEN},
        {"share", required_argument, 0, O_SHARE},   {"users", required_argument, 0, O_USERS},
        {"signing", required_argument, 0, O_SIGNING}, {"profile", required_argument, 0, O_PROFILE},
        {"policy-file", required_argument, 0, O_POLICY}, {"log-level", required_argument, 0, O_LOG},
        {"check-config", no_argument, 0, O_CHECK},  {"guest-ok", no_argument, 0, O_GUEST},
        {"check", no_argument, 0, O_CHECK},         {"quiet", no_argument, 0, O_QUIET},
        {"fail-on", required_argument, 0, O_FAIL_ON}, {"workers", required_argument, 0, O_WORKERS},
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'c': o.conf = optarg; break;
        case O_LISTEN:
            if (o.n_listen >= SRV_MAX_LISTEN)
                return cli_usage_error(VERB, "at most %d --listen options", SRV_MAX_LISTEN);
            o.listen[o.n_listen++] = optarg;
            break;
        case O_SHARE:
            if (o.n_shares >= SRV_MAX_SHARES)
                return cli_usage_error(VERB, "at most %d --share options", SRV_MAX_SHARES);
            o.shares[o.n_shares++] = optarg;
            break;
        case O_USERS: o.users = optarg; break;
        case O_SIGNING: {
            smb_sign_level lv;
            if (srv_parse_signing_word(optarg, &lv))
                return cli_usage_error(VERB, "--signing '%s': expected required, enabled or disabled", optarg);
            o.signing = optarg;
            break;
        }
        case O_PROFILE: o.profile = optarg; break;
        case O_POLICY:
            if (o.n_policy >= SRV_MAX_POLICY_FILES)
                return cli_usage_error(VERB, "at most %d --policy-file options", SRV_MAX_POLICY_FILES);
            o.policy_files[o.n_policy++] = optarg;
            break;
        case O_LOG:
            o.log_level = parse_log_level(optarg);
            if (o.log_level < 0)
                return cli_usage_error(VERB, "--log-level '%s': expected error, audit, info or debug", optarg);
            break;
        case O_CHECK: o.check = true; break;
        case O_QUIET: o.quiet = true; break;
        case O_FAIL_ON:
            if (!strcmp(optarg, "error"))
                o.fail_on = SRV_CHECK_ERROR;
            else if (!strcmp(optarg, "warning"))
                o.fail_on = SRV_CHECK_WARNING;
            else
                return cli_usage_error(VERB, "--fail-on '%s': expected error or warning", optarg);
            break;
        case O_GUEST: o.guest = true; break;
        case O_WORKERS: o.workers = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error(VERB, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(VERB, "unexpected argument '%s'", argv[optind]);

    char demo_share[400], demo_users[300], demo_pw[16];
    if (!o.conf && !o.n_shares && !o.users && !o.check) {
        o.demo = true;
        if (setup_demo(&o, demo_share, sizeof demo_share, demo_users, sizeof demo_users, demo_pw, sizeof demo_pw))
            return CLI_EXIT_NEGATIVE;
        o.shares[o.n_shares++] = demo_share;
        o.users = demo_users;
    }

    if (o.check)
        return run_check(&o);
    if (o.quiet || o.fail_on != SRV_CHECK_WARNING)
        return cli_usage_error(VERB, "--quiet and --fail-on go with --check");

    char err[1024] = "";
    struct srv_ctx *ctx = make_ctx(&o, err, sizeof err);
    if (!ctx) {
        cli_err(VERB, "%s", err);
        return CLI_EXIT_USAGE;
    }
    struct srv_loop *loop = NULL;
    /* SIGHUP re-reads the config file and the users file (not in demo mode) */
    if (srv_loop_new(ctx, o.demo ? NULL : reload_cb, &o, &loop, err, sizeof err) != SMB_OK) {
        cli_err(VERB, "%s", err);
        srv_ctx_free(ctx);
        free(ctx);
        return CLI_EXIT_NEGATIVE;
    }
    for (int i = 0; i < ctx->cfg.n_listen; i++)
        printf("smbsign serve: listening on %s, signing %s, dialects %s..%s\n", ctx->cfg.listen[i],
               smb_level_name(ctx->level), smb_dialect_name(ctx->cfg.min_protocol),
               smb_dialect_name(ctx->cfg.max_protocol));
    if (o.demo) {
        char addr[128];
        uint16_t port;
        srv_parse_listen(ctx->cfg.listen[0], addr, sizeof addr, &port);
        printf("smbsign serve: demo share 'share' -> %s/share\n", o.demo_dir);
        printf("smbsign serve: demo user 'demo', password '%s' (in %s)\n", demo_pw, demo_users);
        printf("connect with:\n  smbclient //%s/share -p %u -U 'demo%%%s' -m SMB3_11 "
               "--option='client signing=required' -c ls\n",
               addr, port, demo_pw);
    }
    fflush(stdout);
    notify_status(ctx, "READY=1\n"); /* every listener is bound */
    int rc = srv_loop_run(loop);
    srv_notify("STOPPING=1");
    srv_loop_free(loop);
    return rc ? CLI_EXIT_NEGATIVE : CLI_EXIT_OK;
}
