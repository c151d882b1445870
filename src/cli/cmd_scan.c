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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "cli/cli.h"
#include "smbsign/scan.h"

#define VERB "scan"

static const char usage_text[] =
    "usage: smbsign scan [OPTIONS] TARGET...\n"
    "       smbsign scan --merge [--relay-list FILE] FILE.jsonl...\n"
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
    "  127.0.0.1:4445  [::1]:4445  host:445         that port only (not --ports)\n"
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
    "      --no-default-excludes scan reserved blocks (loopback, link local, multicast,\n"
    "                            documentation, ...) that a larger target block covers\n"
    "  -f, --format FMT          text (default), json (JSON Lines, one object per\n"
    "                            host:port), csv, nxc (NetExec-style lines), xml (nmap)\n"
    "      --json, --csv         short for --format json / --format csv\n"
    "  -o, --output FILE         write results to FILE instead of standard output\n"
    "      --relay-list FILE     write the address of every relay target to FILE, one\n"
    "                            per line, each once (for ntlmrelayx -tf, nxc)\n"
    "\n"
    "Large scans (docs/scan.md):\n"
    "      --seed S              visit targets in a pseudo-random order fixed by S\n"
    "                            (a keyed permutation: no target list in memory)\n"
    "      --shard I/N           scan only shard I of N (1 <= I <= N); run N hosts with\n"
    "                            the same --seed and targets: each address once overall\n"
    "      --resume FILE         checkpoint to FILE (every second and on SIGINT/SIGTERM);\n"
    "                            rerun the same command to continue where it stopped\n"
    "                            (-o and --relay-list files are then appended to)\n"
    "      --list-targets        print host:port of every target this shard (or resumed\n"
    "                            run) would scan, in scan order; sends nothing\n"
    "      --merge FILE...       read --json outputs (shards, resumed runs) and print\n"
    "                            the summary of the merged set; --relay-list writes its\n"
    "                            relay list\n"
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
    "  smbsign scan --seed 7 --shard 2/4 --resume s2.ckpt --json -o s2.jsonl 10.0.0.0/8\n"
    "  smbsign scan --merge --relay-list relay.txt s1.jsonl s2.jsonl s3.jsonl s4.jsonl\n"
    "\n"
    "Exit status: 0 scan done and no relay target, 1 at least one relay target,\n"
    "2 bad targets or options (nothing is sent), 130 interrupted (results so far are kept;\n"
    "with --resume the checkpoint is written, rerun to continue).\n";

enum { FMT_TEXT, FMT_JSON, FMT_CSV, FMT_NXC, FMT_XML };

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
    /* --resume */
    const char *ckpt_path;
    struct smb_scan_resume ckpt;
    bool ckpt_failed;
    bool out_is_file;
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
        fprintf(c->out, " %srelay-target(%s%s%s)%s", c->color ? C_RED : "",
                r->relay_via & SMB_SCAN_PROBE_SMB2 ? "smb2" : "",
                r->relay_via == (SMB_SCAN_PROBE_SMB2 | SMB_SCAN_PROBE_SMB1) ? "," : "",
                r->relay_via & SMB_SCAN_PROBE_SMB1 ? "smb1" : "", c->color ? C_OFF : "");
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
    case FMT_NXC:
        smb_scan_result_write_nxc(c->out, r);
        break;
    case FMT_XML:
        smb_scan_result_write_xml(c->out, r);
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

/* The engine's checkpoint: make the results durable first, then replace the
 * checkpoint file atomically (write FILE.tmp, fsync, rename). */
static void on_checkpoint(const struct smb_scan_checkpoint *cp, void *vc)
{
    struct ctx *c = vc;
    if (fflush(c->out) != 0 || (c->relay && fflush(c->relay) != 0))
        goto fail;
    (void)fsync(fileno(c->out));
    if (c->relay)
        (void)fsync(fileno(c->relay));
    /* the sizes the files have now hold exactly the results this checkpoint covers */
    c->ckpt.output_bytes = c->out_is_file ? (int64_t)ftello(c->out) : -1;
    c->ckpt.relay_bytes = c->relay ? (int64_t)ftello(c->relay) : -1;
    c->ckpt.next = cp->next;
    c->ckpt.steps = cp->steps;
    c->ckpt.pending = (uint64_t *)(uintptr_t)cp->pending;
    c->ckpt.npending = cp->npending;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", c->ckpt_path) >= (int)sizeof tmp)
        goto fail;
    FILE *f = fopen(tmp, "w");
    if (!f)
        goto fail;
    int bad = smb_scan_resume_write(f, &c->ckpt);
    bad |= fflush(f) != 0;
    bad |= fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    c->ckpt.pending = NULL;
    c->ckpt.npending = 0;
    if (bad || rename(tmp, c->ckpt_path) != 0)
        goto fail;
    return;
fail:
    c->ckpt.pending = NULL;
    c->ckpt.npending = 0;
    if (!c->ckpt_failed)
        cli_err(VERB, "cannot write checkpoint '%s': %s", c->ckpt_path, strerror(errno));
    c->ckpt_failed = true;
}

/* Does the checkpoint on disk belong to this scan? 0 yes (resume), 1 no file
 * (fresh start), CLI_EXIT_USAGE after a message. */
static int load_checkpoint(struct ctx *c, struct smb_scan_resume *old)
{
    size_t len;
    uint8_t *bytes = NULL;
    smb_status rst = smb_read_path(c->ckpt_path, 64u << 20, &bytes, &len);
    if (rst != SMB_OK) {
        if (rst == SMB_E_IO && errno == ENOENT)
            return 1;
        return cli_usage_error(VERB, "--resume: cannot read '%s': %s", c->ckpt_path,
                               rst == SMB_E_IO ? strerror(errno) : smb_status_name(rst));
    }
    char *text = (char *)bytes;
    char err[512];
    smb_status st = smb_scan_resume_parse(text, len, c->ckpt_path, old, err, sizeof err);
    free(text);
    if (st != SMB_OK)
        return cli_usage_error(VERB, "--resume: %s", err);
    const struct smb_scan_resume *now = &c->ckpt;
    const char *what = NULL;
    char a[64] = "", b[64] = "";
    if (old->shuffle != now->shuffle || (now->shuffle && old->seed != now->seed)) {
        what = "seed";
        snprintf(a, sizeof a, old->shuffle ? "%" PRIu64 : "none", old->seed);
        snprintf(b, sizeof b, now->shuffle ? "%" PRIu64 : "none", now->seed);
    } else if (old->shard != now->shard || old->shards != now->shards) {
        what = "shard";
        snprintf(a, sizeof a, "%u/%u", old->shard + 1, old->shards);
        snprintf(b, sizeof b, "%u/%u", now->shard + 1, now->shards);
    } else if (old->digest != now->digest || old->steps != now->steps) {
        what = "targets, exclusions, ports or probes";
        snprintf(a, sizeof a, "%016" PRIx64, old->digest);
        snprintf(b, sizeof b, "%016" PRIx64, now->digest);
    }
    if (what) {
        cli_usage_error(VERB, "--resume: '%s' belongs to another scan (%s: %s there, %s here); use the same "
                        "arguments, or another checkpoint file",
                        c->ckpt_path, what, a, b);
        smb_scan_resume_free(old);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* A resumed run cuts FILE back to the size it had at the checkpoint: what
 * was written after it is redone, and a line half written when the process
 * was killed goes. 0, or CLI_EXIT_USAGE after a message. */
static int cut_back(const char *opt, const char *path, int64_t bytes, const char *ckpt)
{
    struct stat st;
    if (bytes < 0)
        return 0;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT && bytes == 0)
            return 0;
        return cli_usage_error(VERB, "--resume: %s '%s': %s (the checkpoint '%s' expects %" PRId64 " bytes)", opt,
                               path, strerror(errno), ckpt, bytes);
    }
    if (!S_ISREG(st.st_mode))
        return 0;
    if (st.st_size < bytes)
        return cli_usage_error(VERB,
                               "--resume: %s '%s' has %lld bytes, fewer than the %" PRId64
                               " the checkpoint '%s' recorded (moved, replaced or edited?)",
                               opt, path, (long long)st.st_size, bytes, ckpt);
    if (st.st_size > bytes && truncate(path, (off_t)bytes) != 0)
        return cli_usage_error(VERB, "--resume: cannot cut '%s' back to %" PRId64 " bytes: %s", path, bytes,
                               strerror(errno));
    return 0;
}

/* Relay addresses already in FILE (a resumed scan appends to it). */
static int preload_relay(struct ctx *c, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (!f)
        return errno == ENOENT ? 0 : -1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] && strset_add(&c->relay_seen, line) < 0) {
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

static int list_one(const char *host, int family, uint16_t port, void *ctx)
{
    FILE *f = ctx;
    if (family == AF_INET6)
        fprintf(f, "[%s]:%u\n", host, port);
    else
        fprintf(f, "%s:%u\n", host, port);
    return ferror(f) ? -1 : 0;
}

/* --shard I/N: 1 <= I <= N <= SMB_SCAN_MAX_SHARDS. */
static int parse_shard(const char *s, unsigned *shard, unsigned *shards)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+')
        goto bad;
    unsigned long i = strtoul(s, &end, 10);
    if (errno || end == s || *end != '/' || end[1] == '-' || end[1] == '+')
        goto bad;
    const char *t = end + 1;
    unsigned long n = strtoul(t, &end, 10);
    if (errno || end == t || *end)
        goto bad;
    if (n < 1 || n > SMB_SCAN_MAX_SHARDS)
        return cli_usage_error(VERB, "--shard '%s': N must be 1..%d", s, SMB_SCAN_MAX_SHARDS);
    if (i < 1 || i > n)
        return cli_usage_error(VERB, "--shard '%s': shards are numbered 1..%lu", s, n);
    *shard = (unsigned)(i - 1);
    *shards = (unsigned)n;
    return 0;
bad:
    return cli_usage_error(VERB, "--shard '%s': expected I/N, for example 1/4", s);
}

/* ---- --merge ---- */

struct merge_entry {
    char *key; /* "host port" */
    uint8_t rank, flags;
};
struct merge_map {
    struct merge_entry *slot;
    size_t cap, n;
};
enum { MF_UP = 1, MF_SMB1 = 2, MF_REQ = 4, MF_RELAY = 8, MF_UNKNOWN_UP = 16 };

/* Which of two records of one host:port to keep: an answer beats no answer,
 * a judged verdict beats unknown. */
static uint8_t record_rank(const struct smb_scan_record *r)
{
    if (r->status != SMB_SCAN_OK)
        return 1;
    return r->verdict == SMB_SCAN_VERDICT_UNKNOWN ? 2 : 3;
}

/* Returns the entry for key (new entries have rank 0); NULL: no memory. */
static struct merge_entry *merge_get(struct merge_map *m, const char *key)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 1024;
        struct merge_entry *ns = calloc(nc, sizeof *ns);
        if (!ns)
            return NULL;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slot[i].key) {
                size_t k = hash_str(m->slot[i].key) & (nc - 1);
                while (ns[k].key)
                    k = (k + 1) & (nc - 1);
                ns[k] = m->slot[i];
            }
        free(m->slot);
        m->slot = ns;
        m->cap = nc;
    }
    size_t k = hash_str(key) & (m->cap - 1);
    while (m->slot[k].key) {
        if (strcmp(m->slot[k].key, key) == 0)
            return &m->slot[k];
        k = (k + 1) & (m->cap - 1);
    }
    m->slot[k].key = strdup(key);
    if (!m->slot[k].key)
        return NULL;
    m->n++;
    return &m->slot[k];
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int do_merge(int argc, char **argv, int first, const char *relay_path)
{
    struct merge_map m = {NULL, 0, 0};
    struct strset relay = {NULL, 0, 0};
    uint64_t records = 0, dups = 0;
    int rc = CLI_EXIT_USAGE;
    char *line = NULL;
    size_t lcap = 0;
    FILE *rf = NULL;
    if (first >= argc) {
        cli_usage_error(VERB, "--merge: no files given");
        return CLI_EXIT_USAGE;
    }
    for (int i = first; i < argc; i++) {
        FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "r");
        if (!f) {
            cli_usage_error(VERB, "--merge: cannot open '%s': %s", argv[i], strerror(errno));
            goto out;
        }
        ssize_t n;
        unsigned long lineno = 0;
        while ((n = getline(&line, &lcap, f)) >= 0) {
            lineno++;
            if (n == 0 || (n == 1 && line[0] == '\n'))
                continue;
            struct smb_scan_record r;
            char err[256], key[300];
            if (smb_scan_record_parse(line, (size_t)n, &r, err, sizeof err) != SMB_OK) {
                cli_usage_error(VERB, "--merge: %s:%lu: %s (expected a record of smbsign scan --json)", argv[i],
                                lineno, err);
                if (f != stdin)
                    fclose(f);
                goto out;
            }
            records++;
            snprintf(key, sizeof key, "%s %u", r.host, r.port);
            struct merge_entry *e = merge_get(&m, key);
            if (!e) {
                cli_err(VERB, "out of memory");
                if (f != stdin)
                    fclose(f);
                goto out;
            }
            if (e->rank)
                dups++;
            uint8_t rank = record_rank(&r);
            if (rank < e->rank)
                continue;
            e->rank = rank;
            e->flags = (uint8_t)((r.status == SMB_SCAN_OK ? MF_UP : 0) | (r.smb1 ? MF_SMB1 : 0) |
                                 (r.verdict == SMB_SCAN_VERDICT_REQUIRED ? MF_REQ : 0) |
                                 (r.relay_target ? MF_RELAY : 0) |
                                 (r.status == SMB_SCAN_OK && r.verdict == SMB_SCAN_VERDICT_UNKNOWN ? MF_UNKNOWN_UP
                                                                                                 : 0));
            if (r.relay_target && r.has_addr && strset_add(&relay, r.host) < 0) {
                cli_err(VERB, "out of memory");
                if (f != stdin)
                    fclose(f);
                goto out;
            }
        }
        bool rerr = ferror(f);
        if (f != stdin)
            fclose(f);
        if (rerr) {
            cli_usage_error(VERB, "--merge: read error on '%s'", argv[i]);
            goto out;
        }
    }
    uint64_t up = 0, smb1 = 0, req = 0, rel = 0, unk = 0;
    for (size_t i = 0; i < m.cap; i++) {
        uint8_t f = m.slot[i].key ? m.slot[i].flags : 0;
        up += !!(f & MF_UP);
        smb1 += !!(f & MF_SMB1);
        req += !!(f & MF_REQ);
        rel += !!(f & MF_RELAY);
        unk += !!(f & MF_UNKNOWN_UP);
    }
    /* the relay list: sorted, so merged lists diff cleanly */
    char **list = malloc((relay.n + 1) * sizeof *list);
    if (!list) {
        cli_err(VERB, "out of memory");
        goto out;
    }
    size_t nl = 0;
    for (size_t i = 0; i < relay.cap; i++)
        if (relay.slot[i])
            list[nl++] = relay.slot[i];
    qsort(list, nl, sizeof *list, cmp_str);
    if (relay_path) {
        rf = fopen(relay_path, "w");
        if (!rf) {
            free(list);
            cli_usage_error(VERB, "cannot write '%s': %s", relay_path, strerror(errno));
            goto out;
        }
        for (size_t i = 0; i < nl; i++)
            fprintf(rf, "%s\n", list[i]);
    }
    free(list);
    printf("Merged: %" PRIu64 " records from %d files, %zu distinct host:port, %" PRIu64 " duplicates\n",
           records, argc - first, m.n, dups);
    printf("Summary: %zu scanned, %" PRIu64 " up, %" PRIu64 " speak SMB1\n", m.n, up, smb1);
    printf("  signing required:     %" PRIu64 "\n", req);
    printf("  signing not required: %" PRIu64 " (relay targets; %zu distinct addresses)\n", rel, relay.n);
    printf("  unknown:              %" PRIu64 " (answered but could not be judged)\n", unk);
    printf("  no SMB answer:        %" PRIu64 "\n", (uint64_t)m.n - up);
    if (rf && (fflush(rf) != 0 || ferror(rf))) {
        cli_err(VERB, "write error on '%s'", relay_path);
        goto out;
    }
    rc = rel ? CLI_EXIT_NEGATIVE : CLI_EXIT_OK;
out:
    if (rf)
        fclose(rf);
    free(line);
    for (size_t i = 0; i < m.cap; i++)
        free(m.slot[i].key);
    free(m.slot);
    strset_free(&relay);
    return rc;
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
    enum {
        O_JSON = 256,
        O_CSV,
        O_RELAY,
        O_RATE,
        O_CTO,
        O_SMB2,
        O_SMB1,
        O_NOPROG,
        O_STATS,
        O_SEED,
        O_SHARD,
        O_RESUME,
        O_MERGE,
        O_NODEFEX,
        O_LIST
    };
    static const struct option lo[] = {{"ports", required_argument, NULL, 'p'},
                                       {"exclude", required_argument, NULL, 'x'},
                                       {"smb2-only", no_argument, NULL, O_SMB2},
                                       {"smb1-only", no_argument, NULL, O_SMB1},
                                       {"json", no_argument, NULL, O_JSON},
                                       {"csv", no_argument, NULL, O_CSV},
                                       {"format", required_argument, NULL, 'f'},
                                       {"seed", required_argument, NULL, O_SEED},
                                       {"shard", required_argument, NULL, O_SHARD},
                                       {"resume", required_argument, NULL, O_RESUME},
                                       {"merge", no_argument, NULL, O_MERGE},
                                       {"no-default-excludes", no_argument, NULL, O_NODEFEX},
                                       {"list-targets", no_argument, NULL, O_LIST},
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
    bool merge = false, nodefex = false, list_only = false, seeded = false, sharded = false, resuming = false;
    struct smb_scan_resume old;
    smb_status st_list = SMB_OK;
    memset(&old, 0, sizeof old);
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
    while ((ch = getopt_long(argc, argv, ":p:x:46o:c:t:r:f:h", lo, NULL)) != -1) {
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
        case 'f': {
            static const char *const names[] = {"text", "json", "csv", "nxc", "xml"};
            int k;
            for (k = 0; k < 5 && strcmp(optarg, names[k]) != 0; k++)
                ;
            if (k == 5) {
                cli_usage_error(VERB, "--format: '%s' is not one of text, json, csv, nxc, xml", optarg);
                goto out;
            }
            c.fmt = k;
            break;
        }
        case O_SEED: {
            uint64_t v;
            if (cli_u64_arg(VERB, "--seed", optarg, UINT64_MAX, &v))
                goto out;
            o.seed = v;
            o.shuffle = true;
            seeded = true;
            break;
        }
        case O_SHARD:
            if (sharded) {
                cli_usage_error(VERB, "--shard given twice: one process scans one shard");
                goto out;
            }
            if (parse_shard(optarg, &o.shard, &o.shards))
                goto out;
            sharded = true;
            break;
        case O_RESUME:
            c.ckpt_path = optarg;
            break;
        case O_MERGE:
            merge = true;
            break;
        case O_NODEFEX:
            nodefex = true;
            break;
        case O_LIST:
            list_only = true;
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
    if (merge) {
        if (seeded || sharded || c.ckpt_path || out_path || c.fmt != FMT_TEXT) {
            cli_usage_error(VERB, "--merge takes only --relay-list and the files to merge");
            goto out;
        }
        rc = do_merge(argc, argv, optind, relay_path);
        goto out;
    }
    if (o.shards > 1 && !seeded) {
        cli_usage_error(VERB, "--shard %u/%u needs --seed: every shard must use the same seed", o.shard + 1,
                        o.shards);
        goto out;
    }
    if (c.ckpt_path && c.fmt == FMT_XML) {
        cli_usage_error(VERB, "--resume cannot append to one XML document; use --format json and --merge");
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
    smb_scan_targets_default_excludes(t, !nodefex);
    uint64_t total = smb_scan_targets_count(t) * o.nports;
    if (total > SMB_SCAN_MAX_TARGETS) {
        cli_usage_error(VERB, "%" PRIu64 " host:port pairs is over the limit of %llu", total,
                        (unsigned long long)SMB_SCAN_MAX_TARGETS);
        goto out;
    }
    if (c.ckpt_path) {
        uint64_t space = 0, d = smb_scan_targets_digest(t);
        c.ckpt.shuffle = o.shuffle;
        c.ckpt.seed = o.shuffle ? o.seed : 0;
        c.ckpt.shard = o.shard;
        c.ckpt.shards = o.shards;
        c.ckpt.steps = smb_scan_steps(&o, t, &space);
        /* the ports and probes decide the index space and the results too */
        for (unsigned i = 0; i < o.nports; i++)
            d = (d ^ o.ports[i]) * 1099511628211ull;
        d = (d ^ (o.probes + 0x100u * o.nports)) * 1099511628211ull;
        c.ckpt.digest = d;
        int lr = load_checkpoint(&c, &old);
        if (lr == CLI_EXIT_USAGE)
            goto out;
        if (lr == 0) {
            if (old.next == old.steps && old.npending == 0) {
                fprintf(stderr, "smbsign scan: checkpoint '%s' says this scan is complete; nothing to do\n",
                        c.ckpt_path);
                rc = CLI_EXIT_OK;
                goto out;
            }
            if ((out_path && strcmp(out_path, "-") != 0 &&
                 cut_back("-o", out_path, old.output_bytes, c.ckpt_path) != 0) ||
                (relay_path && cut_back("--relay-list", relay_path, old.relay_bytes, c.ckpt_path) != 0))
                goto out;
            resuming = true;
            o.resume_next = old.next;
            o.resume_pending = old.pending;
            o.resume_npending = old.npending;
        }
    }
    if (list_only) {
        /* no traffic, no DNS: the order this shard (or resumed run) follows */
        st_list = smb_scan_list(&o, t, list_one, stdout);
        if (st_list != SMB_OK || fflush(stdout) != 0) {
            cli_err(VERB, "--list-targets: %s", smb_status_desc(st_list));
            goto out;
        }
        rc = CLI_EXIT_OK;
        goto out;
    }
    c.out = stdout;
    if (out_path && strcmp(out_path, "-") != 0) {
        c.out = fopen(out_path, resuming ? "a" : "w");
        if (!c.out) {
            cli_usage_error(VERB, "cannot write '%s': %s", out_path, strerror(errno));
            c.out = NULL;
            goto out;
        }
    }
    if (relay_path) {
        if (resuming && preload_relay(&c, relay_path) != 0) {
            cli_usage_error(VERB, "cannot read '%s': %s", relay_path, strerror(errno));
            goto out;
        }
        c.relay = fopen(relay_path, resuming ? "a" : "w");
        if (!c.relay) {
            cli_usage_error(VERB, "cannot write '%s': %s", relay_path, strerror(errno));
            goto out;
        }
    }
    {
        struct stat ost;
        c.out_is_file = fstat(fileno(c.out), &ost) == 0 && S_ISREG(ost.st_mode) && c.out != stdout;
    }
    c.color = c.fmt == FMT_TEXT && cli_use_color(c.out);
    c.progress = !no_progress && isatty(fileno(stderr));
    o.on_result = on_result;
    o.on_progress = on_progress;
    o.ctx = &c;
    if (c.ckpt_path)
        o.on_checkpoint = on_checkpoint;
    raise_nofile(o.concurrency);
    /* Only now, with every argument and output file valid, may DNS queries go out. */
    if (smb_scan_targets_resolve(t) != SMB_OK) {
        cli_err(VERB, "out of memory");
        goto out;
    }
    if (c.fmt == FMT_CSV && !resuming)
        smb_scan_csv_header(c.out);
    if (c.fmt == FMT_XML) {
        char args[1024];
        size_t al = 0;
        args[0] = '\0';
        for (int i = 0; i < argc && al < sizeof args - 1; i++)
            al += (size_t)snprintf(args + al, sizeof args - al, "%s%s", i ? " " : "smbsign ", argv[i]);
        smb_scan_xml_head(c.out, args);
    }
    if (resuming)
        fprintf(stderr, "smbsign scan: resuming from '%s': step %" PRIu64 " of %" PRIu64 ", %zu to redo\n",
                c.ckpt_path, old.next, old.steps, old.npending);

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
        /* keep every result already written (an XML document is closed) */
        if (c.fmt == FMT_XML)
            smb_scan_xml_tail(c.out, c.n - c.by_status[SMB_SCAN_TIMEOUT] - c.by_status[SMB_SCAN_ERROR],
                              c.by_status[SMB_SCAN_TIMEOUT] + c.by_status[SMB_SCAN_ERROR], 0.0);
        fflush(c.out);
        if (c.relay)
            fflush(c.relay);
        cli_err(VERB, "interrupted after %" PRIu64 " results%s%s%s", c.n,
                c.ckpt_path && !c.ckpt_failed ? "; checkpoint written to '" : "",
                c.ckpt_path && !c.ckpt_failed ? c.ckpt_path : "", c.ckpt_path && !c.ckpt_failed ? "', rerun to continue" : "");
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
    if (c.fmt == FMT_XML)
        smb_scan_xml_tail(c.out, c.n - c.by_status[SMB_SCAN_TIMEOUT] - c.by_status[SMB_SCAN_ERROR],
                          c.by_status[SMB_SCAN_TIMEOUT] + c.by_status[SMB_SCAN_ERROR], secs);
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
    if (c.ckpt_failed) {
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    rc = c.not_required ? CLI_EXIT_NEGATIVE : CLI_EXIT_OK;
out:
    smb_scan_resume_free(&old);
    if (c.out && c.out != stdout)
        fclose(c.out);
    if (c.relay)
        fclose(c.relay);
    strset_free(&c.relay_seen);
    smb_scan_targets_free(t);
    free(excl);
    return rc;
}
