/* scan/checkpoint.c - the --resume checkpoint file: write and strict parse
 * (docs/scan.md "Resume"). Text, one "key value" per line, ending in "end"
 * so that a truncated file is refused rather than half read. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smbsign/scan.h"

#define CKPT_MAGIC "smbsign-scan-checkpoint 1"
#define CKPT_MAX_LINE 4096
#define CKPT_MAX_PENDING (1u << 20)
#define PENDING_PER_LINE 16

void smb_scan_resume_free(struct smb_scan_resume *r)
{
    if (!r)
        return;
    free(r->pending);
    r->pending = NULL;
    r->npending = 0;
}

int smb_scan_resume_write(FILE *f, const struct smb_scan_resume *r)
{
    fprintf(f, "# smbsign scan --resume checkpoint: rewritten while the scan runs; do not edit\n");
    fprintf(f, "%s\n", CKPT_MAGIC);
    fprintf(f, "order %s\n", r->shuffle ? "shuffle" : "input");
    fprintf(f, "seed %" PRIu64 "\n", r->seed);
    fprintf(f, "shard %u/%u\n", r->shard + 1, r->shards);
    fprintf(f, "targets %016" PRIx64 "\n", r->digest);
    fprintf(f, "steps %" PRIu64 "\n", r->steps);
    fprintf(f, "next %" PRIu64 "\n", r->next);
    if (r->output_bytes >= 0)
        fprintf(f, "output %" PRId64 "\n", r->output_bytes);
    if (r->relay_bytes >= 0)
        fprintf(f, "relay %" PRId64 "\n", r->relay_bytes);
    for (size_t i = 0; i < r->npending; i += PENDING_PER_LINE) {
        fputs("pending", f);
        for (size_t k = i; k < r->npending && k < i + PENDING_PER_LINE; k++)
            fprintf(f, " %" PRIu64, r->pending[k]);
        fputc('\n', f);
    }
    fputs("end\n", f);
    return ferror(f) ? -1 : 0;
}

static void seterr(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

/* Decimal u64 at *p (no sign, no leading garbage); advances *p. */
static bool take_u64(const char **p, uint64_t *out)
{
    const char *s = *p;
    if (!isdigit((unsigned char)*s))
        return false;
    uint64_t v = 0;
    for (; isdigit((unsigned char)*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return true;
}

static bool take_hex64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t n = 0;
    for (; *s; s++, n++) {
        int c = tolower((unsigned char)*s);
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return false;
        v = (v << 4) | d;
    }
    if (n != 16)
        return false;
    *out = v;
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

enum { K_ORDER, K_SEED, K_SHARD, K_TARGETS, K_STEPS, K_NEXT, K_REQUIRED, K_OUTPUT = K_REQUIRED, K_RELAY, K_COUNT };

smb_status smb_scan_resume_parse(const char *text, size_t len, const char *fname, struct smb_scan_resume *out,
                                 char *err, size_t errlen)
{
    static const char *const keys[K_COUNT] = {"order", "seed",  "shard", "targets",
                                              "steps", "next", "output", "relay"};
    bool seen[K_COUNT] = {false};
    bool magic = false, end = false;
    size_t cap = 0;
    unsigned lineno = 0;
    char line[CKPT_MAX_LINE + 1];
    memset(out, 0, sizeof *out);
    out->output_bytes = out->relay_bytes = -1;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        if (!nl) {
            seterr(err, errlen, "%s:%u: last line has no newline (file cut short?)", fname, lineno);
            goto bad;
        }
        if (ll > CKPT_MAX_LINE) {
            seterr(err, errlen, "%s:%u: line too long", fname, lineno);
            goto bad;
        }
        memcpy(line, text + pos, ll);
        line[ll] = '\0';
        pos += ll + 1;
        if (memchr(line, '\0', ll)) {
            seterr(err, errlen, "%s:%u: NUL byte", fname, lineno);
            goto bad;
        }
        if (end) {
            seterr(err, errlen, "%s:%u: text after 'end'", fname, lineno);
            goto bad;
        }
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (!magic) {
            if (strcmp(line, CKPT_MAGIC) != 0) {
                seterr(err, errlen, "%s:%u: not an smbsign scan checkpoint (expected '%s')", fname, lineno,
                       CKPT_MAGIC);
                goto bad;
            }
            magic = true;
            continue;
        }
        if (strcmp(line, "end") == 0) {
            end = true;
            continue;
        }
        char *sp = strchr(line, ' ');
        if (!sp || sp[1] == '\0') {
            seterr(err, errlen, "%s:%u: expected 'KEY VALUE'", fname, lineno);
            goto bad;
        }
        *sp = '\0';
        const char *v = sp + 1;
        if (strcmp(line, "pending") == 0) {
            const char *p = v;
            for (;;) {
                uint64_t x;
                if (!take_u64(&p, &x)) {
                    seterr(err, errlen, "%s:%u: pending: expected a step number", fname, lineno);
                    goto bad;
                }
                if (out->npending == CKPT_MAX_PENDING) {
                    seterr(err, errlen, "%s:%u: more than %u pending steps", fname, lineno, CKPT_MAX_PENDING);
                    goto bad;
                }
                if (out->npending == cap) {
                    size_t nc = cap ? cap * 2 : 64;
                    uint64_t *np = realloc(out->pending, nc * sizeof *np);
                    if (!np) {
                        seterr(err, errlen, "%s: out of memory", fname);
                        smb_scan_resume_free(out);
                        return SMB_E_NOMEM;
                    }
                    out->pending = np;
                    cap = nc;
                }
                out->pending[out->npending++] = x;
                if (*p == '\0')
                    break;
                if (*p != ' ') {
                    seterr(err, errlen, "%s:%u: pending: unexpected '%c'", fname, lineno, *p);
                    goto bad;
                }
                p++;
            }
            continue;
        }
        int k;
        for (k = 0; k < K_COUNT; k++)
            if (strcmp(line, keys[k]) == 0)
                break;
        if (k == K_COUNT) {
            seterr(err, errlen, "%s:%u: unknown key '%.40s'", fname, lineno, line);
            goto bad;
        }
        if (seen[k]) {
            seterr(err, errlen, "%s:%u: '%s' given twice", fname, lineno, keys[k]);
            goto bad;
        }
        seen[k] = true;
        const char *p = v;
        uint64_t a = 0, b = 0;
        bool good = true;
        switch (k) {
        case K_ORDER:
            if (strcmp(v, "shuffle") == 0)
                out->shuffle = true;
            else if (strcmp(v, "input") != 0)
                good = false;
            break;
        case K_SEED:
            good = take_u64(&p, &out->seed) && !*p;
            break;
        case K_SHARD:
            good = take_u64(&p, &a) && *p++ == '/' && take_u64(&p, &b) && !*p && a >= 1 && a <= b &&
                   b <= SMB_SCAN_MAX_SHARDS;
            out->shard = (unsigned)(a - (a > 0));
            out->shards = (unsigned)b;
            break;
        case K_TARGETS:
            good = take_hex64(v, &out->digest);
            break;
        case K_STEPS:
            good = take_u64(&p, &out->steps) && !*p;
            break;
        case K_NEXT:
            good = take_u64(&p, &out->next) && !*p;
            break;
        case K_OUTPUT:
        case K_RELAY:
            good = take_u64(&p, &a) && !*p && a <= (uint64_t)INT64_MAX;
            *(k == K_OUTPUT ? &out->output_bytes : &out->relay_bytes) = (int64_t)a;
            break;
        }
        if (!good) {
            seterr(err, errlen, "%s:%u: bad value for '%s': '%.40s'", fname, lineno, keys[k], v);
            goto bad;
        }
    }
    if (!magic) {
        seterr(err, errlen, "%s:%u: empty file, not a checkpoint", fname, lineno);
        goto bad;
    }
    for (int k = 0; k < K_REQUIRED; k++)
        if (!seen[k]) {
            seterr(err, errlen, "%s:%u: '%s' missing", fname, lineno, keys[k]);
            goto bad;
        }
    if (!end) {
        seterr(err, errlen, "%s:%u: no 'end' line (file cut short?)", fname, lineno);
        goto bad;
    }
    if (out->next > out->steps) {
        seterr(err, errlen, "%s: next %" PRIu64 " is past the %" PRIu64 " steps", fname, out->next, out->steps);
        goto bad;
    }
    if (out->npending) {
        qsort(out->pending, out->npending, sizeof *out->pending, cmp_u64);
        for (size_t i = 0; i < out->npending; i++) {
            if (out->pending[i] >= out->next) {
                seterr(err, errlen, "%s: pending step %" PRIu64 " is not below next (%" PRIu64 ")", fname,
                       out->pending[i], out->next);
                goto bad;
            }
            if (i && out->pending[i] == out->pending[i - 1]) {
                seterr(err, errlen, "%s: pending step %" PRIu64 " listed twice", fname, out->pending[i]);
                goto bad;
            }
        }
    }
    return SMB_OK;
bad:
    smb_scan_resume_free(out);
    return SMB_E_BAD_ARGUMENT;
}
