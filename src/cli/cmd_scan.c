/* cli/cmd_scan.c - `smbsign scan`: SMB signing posture of many hosts (docs/scan.md). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "smbsign/scan.h"

#define VERB "scan"

static const char usage_text[] =
    "usage: smbsign scan [OPTIONS] TARGET...\n"
    "\n"
    "Report the SMB signing posture of hosts: for each host:port one SMB2 NEGOTIATE\n"
    "(offering 2.0.2, 2.1, 3.0, 3.0.2 and 3.1.1 with preauth, encryption and signing\n"
    "contexts) and one SMB1 NEGOTIATE (\"NT LM 0.12\" only). Signing is read from the\n"
    "SecurityMode the server sends: SMB2 required|not-required, SMB1\n"
    "required|enabled|disabled. A host is a relay target when any dialect it speaks\n"
    "does not require signing; a host that cannot be judged is 'unknown' with a reason.\n"
    "\n"
    "Targets:\n"
    "  192.0.2.7  2001:db8::7  fileserver.example   addresses and names (getaddrinfo)\n"
    "  10.0.0.0/24  fd00::/120                      CIDR blocks (up to 2^24 addresses)\n"
    "  10.0.0.1-50  10.0.0.1-10.0.3.255             IPv4 ranges\n"
    "  @FILE                                        one target per line, '#' comments\n"
    "  -                                            targets from standard input\n"
    "\n"
    "Options:\n"
    "  -p, --ports LIST          TCP ports, comma-separated (default 445; 139 adds a\n"
    "                            NetBIOS session request to *SMBSERVER)\n"
    "  -x, --exclude SPEC        skip addresses (address, CIDR, range, @FILE); repeatable\n"
    "      --smb2-only           only the SMB2 probe\n"
    "      --smb1-only           only the SMB1 probe\n"
    "  -4, -6                    resolve names to IPv4 / IPv6 only\n"
    "      --json                JSON Lines, one object per host:port\n"
    "      --csv                 CSV with a header line\n"
    "  -o, --output FILE         write results to FILE instead of standard output\n"
    "      --relay-list FILE     write the address of every relay target to FILE\n"
    "      --rate N              new connections per second (default 0 = unlimited)\n"
    "  -c, --concurrency N       hosts in flight (default 1024)\n"
    "      --connect-timeout MS  per connection attempt (default 1500)\n"
    "  -t, --timeout MS          wait for an answer after connecting (default 3000)\n"
    "  -r, --retries N           extra attempts after a timeout or reset (default 1)\n"
    "      --no-progress         no progress line (shown on stderr only when it is a TTY)\n"
    "      --stats               print totals, rate and peak hosts in flight to stderr\n"
    "  -h, --help                this help\n"
    "\n"
    "Output: text lines (colour on a TTY unless NO_COLOR is set) and a summary; --json\n"
    "and --csv are stable machine formats (see man smbsign-scan, docs/scan.md).\n"
    "\n"
    "Examples:\n"
    "  smbsign scan 10.0.0.0/24\n"
    "  smbsign scan --json -o scan.jsonl --relay-list relay.txt @hosts.txt\n"
    "  smbsign scan -p 445,139 --rate 500 10.1.0.0/16 -x 10.1.255.0/24\n"
    "  echo fileserver | smbsign scan --smb2-only -\n"
    "\n"
    "Exit status: 0 scan done and no relay target, 1 at least one relay target,\n"
    "2 bad targets or options (nothing is sent), 130 interrupted (results so far are kept).\n";

enum { FMT_TEXT, FMT_JSON, FMT_CSV };

#define EXIT_INTERRUPTED 130 /* 128 + SIGINT, as shells report it */

/* Set by SIGINT/SIGTERM; the scan engine polls it (opts.cancel). The one
 * piece of process-wide state, as signals are process-wide. */
static volatile int interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* A small set of strings (relay-list de-duplication across ports). */
struct strset {
    char **slot;
    size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* 1 inserted, 0 present, -1 no memory */
static int strset_add(struct strset *s, const char *v)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        char **ns = calloc(nc, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i]) {
                size_t k = hash_str(s->slot[i]) & (nc - 1);
                while (ns[k])
                    k = (k + 1) & (nc - 1);
                ns[k] = s->slot[i];
            }
        free(s->slot);
        s->slot = ns;
        s->cap = nc;
    }
    size_t k = hash_str(v) & (s->cap - 1);
    while (s->slot[k]) {
        if (strcmp(s->slot[k], v) == 0)
            return 0;
        k = (k + 1) & (s->cap - 1);
    }
    s->slot[k] = strdup(v);
    if (!s->slot[k])
        return -1;
    s->n++;
    return 1;
}

static void strset_free(struct strset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slot[i]);
    free(s->slot);
}

struct ctx {
    FILE *out;
    FILE *relay;
    int fmt;
    bool color;
    bool progress;
    bool progress_shown;
    struct smb_scan_progress last;
    struct strset relay_seen;
    uint64_t n, up, smb1, required, not_required, unknown_up;
    uint64_t by_status[SMB_SCAN_SKIPPED + 1];
};

#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_DIM "\033[2m"
#define C_OFF "\033[0m"

static void clear_progress(struct ctx *c)
{
    if (c->progress_shown) {
        fputs("\r\033[K", stderr);
        c->progress_shown = false;
    }
}

static void text_line(struct ctx *c, const struct smb_scan_result *r)
{
    char hp[SMB_SCAN_ADDR_LEN + 300];
    const char *h = r->addr[0] ? r->addr : r->name;
    if (r->family == AF_INET6)
        snprintf(hp, sizeof hp, "[%s]:%u", h, r->port);
    else
        snprintf(hp, sizeof hp, "%s:%u", h, r->port);
    char s2[64], s1[32];
    if (r->has_smb2)
        snprintf(s2, sizeof s2, "%s/%s/%s", smb_dialect_name((smb_dialect)r->smb2.dialect),
                 r->smb2.signing == SMB_LEVEL_REQUIRED ? "required" : "not-required",
                 smb_alg_name(r->smb2.signing_alg));
    else
        snprintf(s2, sizeof s2, "%s", r->smb2_status == SMB_SCAN_NOT_SUPPORTED ? "no" : "-");
    if (r->has_smb1)
        snprintf(s1, sizeof s1, "%s(%u)", smb_level_name(r->smb1.signing), r->smb1.security_mode);
    else
        snprintf(s1, sizeof s1, "%s", r->smb1_status == SMB_SCAN_NOT_SUPPORTED ? "no" : "-");
    const char *v = smb_scan_verdict_name(r->verdict);
    const char *col = r->verdict == SMB_SCAN_VERDICT_REQUIRED       ? C_GREEN
                      : r->verdict == SMB_SCAN_VERDICT_NOT_REQUIRED ? C_RED
                                                                    : C_YELLOW;
    fprintf(c->out, "%-21s  %-9s  %s%-12s%s  smb2=%-30s smb1=%-13s", hp, smb_scan_status_name(r->status),
            c->color ? col : "", v, c->color ? C_OFF : "", s2, s1);
    if (r->relay_target)
        fprintf(c->out, " %srelay-target%s", c->color ? C_RED : "", c->color ? C_OFF : "");
    if (r->error[0])
        fprintf(c->out, " %s(%s)%s", c->color ? C_DIM : "", r->error, c->color ? C_OFF : "");
    if (r->name && r->addr[0])
        fprintf(c->out, " [%s]", r->name);
    fputc('\n', c->out);
}

static void on_result(const struct smb_scan_result *r, void *vc)
{
    struct ctx *c = vc;
    clear_progress(c);
    c->n++;
    c->by_status[r->status]++;
    if (r->status == SMB_SCAN_OK)
        c->up++;
    if (r->has_smb1)
        c->smb1++;
    if (r->verdict == SMB_SCAN_VERDICT_REQUIRED)
        c->required++;
    else if (r->verdict == SMB_SCAN_VERDICT_NOT_REQUIRED)
        c->not_required++;
    else if (r->status == SMB_SCAN_OK)
        c->unknown_up++;
    switch (c->fmt) {
    case FMT_JSON:
        smb_scan_result_write_json(c->out, r);
        break;
    case FMT_CSV:
        smb_scan_result_write_csv(c->out, r);
        break;
    default:
        text_line(c, r);
        break;
    }
    if (c->relay && r->relay_target && r->addr[0] && strset_add(&c->relay_seen, r->addr) == 1)
        fprintf(c->relay, "%s\n", r->addr);
}

static void on_progress(const struct smb_scan_progress *p, void *vc)
{
    struct ctx *c = vc;
    c->last = *p;
    /* results reach the output file within a progress interval (tail -f) */
    fflush(c->out);
    if (c->relay)
        fflush(c->relay);
    if (!c->progress)
        return;
    double secs = p->elapsed_ms / 1000.0;
    double rate = secs > 0 ? p->done / secs : 0;
    double eta = rate > 0 ? (p->total - p->done) / rate : 0;
    fprintf(stderr, "\r\033[K%" PRIu64 "/%" PRIu64 " done (%.0f%%), %u in flight, %.0f hosts/s, ETA %.0fs",
            p->done, p->total, p->total ? 100.0 * p->done / p->total : 100.0, p->in_flight, rate, eta);
    fflush(stderr);
    c->progress_shown = true;
}

/* Peak resident set of this process image (VmHWM), in KiB; 0 if unknown. */
static unsigned long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long kib = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %lu kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static int parse_ports(const char *s, struct smb_scan_opts *o)
{
    char buf[256];
    if (strlen(s) >= sizeof buf)
        return cli_usage_error(VERB, "--ports: list too long");
    snprintf(buf, sizeof buf, "%s", s);
    o->nports = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        errno = 0;
        long v = strtol(tok, &end, 10);
        if (errno || *end || end == tok || v < 1 || v > 65535 || tok[0] == '+' || tok[0] == '-')
            return cli_usage_error(VERB, "--ports: '%s' is not a port number (1..65535)", tok);
        for (unsigned i = 0; i < o->nports; i++)
            if (o->ports[i] == v)
                return cli_usage_error(VERB, "--ports: port %ld given twice", v);
        if (o->nports == SMB_SCAN_MAX_PORTS)
            return cli_usage_error(VERB, "--ports: at most %d ports", SMB_SCAN_MAX_PORTS);
        o->ports[o->nports++] = (uint16_t)v;
    }
    if (o->nports == 0)
        return cli_usage_error(VERB, "--ports: empty list");
    return 0;
}

static int num_arg(const char *opt, const char *text, uint64_t min, uint64_t max, unsigned *out)
{
    uint64_t v;
    int rc = cli_u64_arg(VERB, opt, text, max, &v);
    if (rc)
        return rc;
    if (v < min)
        return cli_usage_error(VERB, "%s: must be at least %" PRIu64, opt, min);
    *out = (unsigned)v;
    return 0;
}

static void raise_nofile(unsigned want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t need = (rlim_t)want + 64;
    if (rl.rlim_cur >= need)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
}

int cmd_scan(int argc, char **argv)
{
    enum { O_JSON = 256, O_CSV, O_RELAY, O_RATE, O_CTO, O_SMB2, O_SMB1, O_NOPROG, O_STATS };
    static const struct option lo[] = {{"ports", required_argument, NULL, 'p'},
                                       {"exclude", required_argument, NULL, 'x'},
                                       {"smb2-only", no_argument, NULL, O_SMB2},
                                       {"smb1-only", no_argument, NULL, O_SMB1},
                                       {"json", no_argument, NULL, O_JSON},
                                       {"csv", no_argument, NULL, O_CSV},
                                       {"output", required_argument, NULL, 'o'},
                                       {"relay-list", required_argument, NULL, O_RELAY},
                                       {"rate", required_argument, NULL, O_RATE},
                                       {"concurrency", required_argument, NULL, 'c'},
                                       {"connect-timeout", required_argument, NULL, O_CTO},
                                       {"timeout", required_argument, NULL, 't'},
                                       {"retries", required_argument, NULL, 'r'},
                                       {"no-progress", no_argument, NULL, O_NOPROG},
                                       {"stats", no_argument, NULL, O_STATS},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct smb_scan_opts o;
    struct ctx c;
    smb_scan_opts_default(&o);
    memset(&c, 0, sizeof c);
    int rc = CLI_EXIT_USAGE, family = AF_UNSPEC, ch;
    bool smb2_only = false, smb1_only = false, no_progress = false, stats = false;
    const char *out_path = NULL, *relay_path = NULL;
    char **excl = calloc((size_t)argc + 1, sizeof *excl);
    size_t nexcl = 0;
    smb_scan_targets *t = NULL;
    char err[SMB_SCAN_ERROR_LEN + 64];
    if (!excl)
        return CLI_EXIT_USAGE;
    c.fmt = FMT_TEXT;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":p:x:46o:c:t:r:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'p':
            if (parse_ports(optarg, &o))
                goto out;
            break;
        case 'x':
            excl[nexcl++] = optarg;
            break;
        case '4':
            family = AF_INET;
            break;
        case '6':
            family = AF_INET6;
            break;
        case O_SMB2:
            smb2_only = true;
            break;
        case O_SMB1:
            smb1_only = true;
            break;
        case O_JSON:
            c.fmt = FMT_JSON;
            break;
        case O_CSV:
            c.fmt = FMT_CSV;
            break;
        case 'o':
            out_path = optarg;
            break;
        case O_RELAY:
            relay_path = optarg;
            break;
        case O_RATE:
            if (num_arg("--rate", optarg, 0, 1000000, &o.rate))
                goto out;
            break;
        case 'c':
            if (num_arg("--concurrency", optarg, 1, SMB_SCAN_MAX_CONCURRENCY, &o.concurrency))
                goto out;
            break;
        case O_CTO:
            if (num_arg("--connect-timeout", optarg, 1, 600000, &o.connect_timeout_ms))
                goto out;
            break;
        case 't':
            if (num_arg("--timeout", optarg, 1, 600000, &o.timeout_ms))
                goto out;
            break;
        case 'r':
            if (num_arg("--retries", optarg, 0, 10, &o.retries))
                goto out;
            break;
        case O_NOPROG:
            no_progress = true;
            break;
        case O_STATS:
            stats = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            rc = CLI_EXIT_OK;
            goto out;
        case ':':
            cli_usage_error(VERB, "option '%s' needs a value", argv[optind - 1]);
            goto out;
        default:
            cli_usage_error(VERB, "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
    }
    if (smb2_only && smb1_only) {
        cli_usage_error(VERB, "--smb2-only and --smb1-only exclude each other");
        goto out;
    }
    if (smb2_only)
        o.probes = SMB_SCAN_PROBE_SMB2;
    if (smb1_only)
        o.probes = SMB_SCAN_PROBE_SMB1;
    if (optind >= argc) {
        cli_usage_error(VERB, "no targets given");
        goto out;
    }
    t = smb_scan_targets_new(family);
    if (!t)
        goto out;
    for (int i = optind; i < argc; i++) {
        if (smb_scan_targets_add(t, argv[i], err, sizeof err) != SMB_OK) {
            cli_usage_error(VERB, "%s", err);
            goto out;
        }
    }
    for (size_t i = 0; i < nexcl; i++) {
        if (smb_scan_targets_exclude(t, excl[i], err, sizeof err) != SMB_OK) {
            cli_usage_error(VERB, "--exclude: %s", err);
            goto out;
        }
    }
    uint64_t total = smb_scan_targets_count(t) * o.nports;
    if (total > SMB_SCAN_MAX_TARGETS) {
        cli_usage_error(VERB, "%" PRIu64 " host:port pairs is over the limit of %llu", total,
                        (unsigned long long)SMB_SCAN_MAX_TARGETS);
        goto out;
    }
    c.out = stdout;
    if (out_path && strcmp(out_path, "-") != 0) {
        c.out = fopen(out_path, "w");
        if (!c.out) {
            cli_usage_error(VERB, "cannot write '%s': %s", out_path, strerror(errno));
            c.out = NULL;
            goto out;
        }
    }
    if (relay_path) {
        c.relay = fopen(relay_path, "w");
        if (!c.relay) {
            cli_usage_error(VERB, "cannot write '%s': %s", relay_path, strerror(errno));
            goto out;
        }
    }
    c.color = c.fmt == FMT_TEXT && cli_use_color(c.out);
    c.progress = !no_progress && isatty(fileno(stderr));
    o.on_result = on_result;
    o.on_progress = on_progress;
    o.ctx = &c;
    raise_nofile(o.concurrency);
    /* Only now, with every argument and output file valid, may DNS queries go out. */
    if (smb_scan_targets_resolve(t) != SMB_OK) {
        cli_err(VERB, "out of memory");
        goto out;
    }
    if (c.fmt == FMT_CSV)
        smb_scan_csv_header(c.out);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: epoll_wait returns EINTR */
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    o.cancel = &interrupted;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    smb_status st = smb_scan_run(&o, t);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    clear_progress(&c);
    if (st == SMB_E_CANCELLED) {
        /* keep every result already written */
        fflush(c.out);
        if (c.relay)
            fflush(c.relay);
        cli_err(VERB, "interrupted after %" PRIu64 " results", c.n);
        rc = EXIT_INTERRUPTED;
        goto out;
    }
    if (st != SMB_OK) {
        cli_err(VERB, "scan failed: %s", smb_status_desc(st));
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (stats)
        fprintf(stderr,
                "scan stats: %" PRIu64 " results in %.3f s, %.0f hosts/s, peak %u in flight, %" PRIu64
                " relay targets, peak RSS %lu KiB\n",
                c.n, secs, secs > 0 ? c.n / secs : 0.0, c.last.peak_in_flight, c.not_required,
                peak_rss_kib());
    if (c.fmt == FMT_TEXT) {
        fprintf(c.out, "\nSummary: %" PRIu64 " scanned, %" PRIu64 " up, %" PRIu64 " speak SMB1\n", c.n, c.up,
                c.smb1);
        fprintf(c.out, "  signing required:     %" PRIu64 "\n", c.required);
        fprintf(c.out, "  signing not required: %" PRIu64 " (relay targets)\n", c.not_required);
        fprintf(c.out, "  unknown:              %" PRIu64 " (answered but could not be judged)\n",
                c.unknown_up);
        fprintf(c.out, "  no SMB answer:        %" PRIu64, c.n - c.up);
        bool first = true;
        for (int s = SMB_SCAN_TIMEOUT; s <= SMB_SCAN_ERROR; s++)
            if (c.by_status[s]) {
                fprintf(c.out, "%s%s %" PRIu64, first ? " (" : ", ", smb_scan_status_name((smb_scan_status)s),
                        c.by_status[s]);
                first = false;
            }
        fprintf(c.out, "%s\n", first ? "" : ")");
        fprintf(c.out, "  elapsed %.2f s, %.0f hosts/s\n", secs, secs > 0 ? c.n / secs : 0.0);
    }
    if (fflush(c.out) != 0 || ferror(c.out) || (c.relay && (fflush(c.relay) != 0 || ferror(c.relay)))) {
        cli_err(VERB, "write error: %s", strerror(errno));
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    rc = c.not_required ? CLI_EXIT_NEGATIVE : CLI_EXIT_OK;
out:
    if (c.out && c.out != stdout)
        fclose(c.out);
    if (c.relay)
        fclose(c.relay);
    strset_free(&c.relay_seen);
    smb_scan_targets_free(t);
    free(excl);
    return rc;
}
