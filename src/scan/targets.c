/* scan/targets.c - target specs: addresses, CIDR, ranges, names, @FILE, stdin, exclusions. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scan/targets.h"

#define MAX_SPEC_LEN 300 /* longest accepted spec text */
#define MAX_FILE_DEPTH 4 /* @FILE inside @FILE */
#define MAX_HOSTNAME_LEN 253

static void seterr(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static SMB_WUR smb_status rebuild_exclusions(smb_scan_targets *t);
static bool inside_reserved(const struct scan_range *r);
static void seterr(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

smb_scan_targets *smb_scan_targets_new(int family)
{
    smb_scan_targets *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->family = family;
    if (rebuild_exclusions(t) != SMB_OK) {
        free(t);
        return NULL;
    }
    return t;
}

void smb_scan_targets_default_excludes(smb_scan_targets *t, bool on)
{
    t->no_default_excludes = !on;
    for (size_t i = 0; i < t->n; i++)
        t->v[i].defex = on && !(t->v[i].name && !t->v[i].resolved) && !inside_reserved(&t->v[i]);
}

void smb_scan_targets_free(smb_scan_targets *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].name);
        free(t->v[i].err);
    }
    free(t->v);
    free(t->x);
    free(t->xm);
    free(t->xdm);
    free(t);
}

static int u128_cmp(scan_u128 a, scan_u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

scan_u128 scan_u128_add(scan_u128 a, uint64_t k)
{
    scan_u128 r = a;
    r.lo += k;
    if (r.lo < a.lo)
        r.hi++;
    return r;
}

/* b - a, saturated to UINT64_MAX when it does not fit (a <= b). */
static uint64_t u128_span(scan_u128 a, scan_u128 b)
{
    uint64_t lo = b.lo - a.lo;
    uint64_t hi = b.hi - a.hi - (b.lo < a.lo);
    return hi ? UINT64_MAX : lo;
}

static scan_u128 from_bytes(const uint8_t *p, int family)
{
    scan_u128 v = {0, 0};
    if (family == AF_INET) {
        v.lo = ((uint64_t)p[0] << 24) | ((uint64_t)p[1] << 16) | ((uint64_t)p[2] << 8) | p[3];
        return v;
    }
    for (int i = 0; i < 8; i++) {
        v.hi = (v.hi << 8) | p[i];
        v.lo = (v.lo << 8) | p[8 + i];
    }
    return v;
}

void scan_u128_to_bytes(scan_u128 v, int family, uint8_t *p)
{
    if (family == AF_INET) {
        for (int i = 0; i < 4; i++)
            p[i] = (uint8_t)(v.lo >> (24 - 8 * i));
        return;
    }
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v.hi >> (56 - 8 * i));
        p[8 + i] = (uint8_t)(v.lo >> (56 - 8 * i));
    }
}


/* Built-in exclusions: the special-purpose blocks of RFC 6890 (and its IANA
 * registry) that never hold an SMB server worth probing, plus multicast
 * (RFC 5771). The private blocks (10/8, 172.16/12, 192.168/16, 100.64/10,
 * fc00::/7) are where SMB lives and are NOT here. They apply only to a target
 * block that covers more than the reserved block: "127.0.0.0/16" or
 * "fe80::/120" given on purpose are scanned. */
static const struct {
    int family;
    const char *addr;
    unsigned plen;
} reserved_blocks[] = {
    {AF_INET, "0.0.0.0", 8},         /* "this network" */
    {AF_INET, "127.0.0.0", 8},       /* loopback */
    {AF_INET, "169.254.0.0", 16},    /* link local */
    {AF_INET, "192.0.0.0", 24},      /* IETF protocol assignments */
    {AF_INET, "192.0.2.0", 24},      /* TEST-NET-1 */
    {AF_INET, "192.88.99.0", 24},    /* 6to4 relay anycast */
    {AF_INET, "198.18.0.0", 15},     /* benchmarking */
    {AF_INET, "198.51.100.0", 24},   /* TEST-NET-2 */
    {AF_INET, "203.0.113.0", 24},    /* TEST-NET-3 */
    {AF_INET, "224.0.0.0", 4},       /* multicast */
    {AF_INET, "240.0.0.0", 4},       /* reserved, and 255.255.255.255 */
    {AF_INET6, "::", 127},           /* unspecified and loopback */
    {AF_INET6, "::ffff:0:0", 96},    /* IPv4-mapped */
    {AF_INET6, "100::", 64},         /* discard-only */
    {AF_INET6, "2001:db8::", 32},    /* documentation */
    {AF_INET6, "fe80::", 10},        /* link local */
    {AF_INET6, "ff00::", 8},         /* multicast */
};
#define N_RESERVED (sizeof reserved_blocks / sizeof reserved_blocks[0])

static scan_u128 u128_mask_hi(unsigned bits, unsigned plen)
{
    /* the last address of a block: all host bits set (bits - plen of them) */
    unsigned host = bits - plen;
    scan_u128 m = {0, 0};
    if (host >= 64) {
        m.lo = UINT64_MAX;
        m.hi = host == 128 ? UINT64_MAX : (1ull << (host - 64)) - 1;
    } else {
        m.lo = host ? (UINT64_MAX >> (64 - host)) : 0;
    }
    return m;
}

static struct scan_range reserved_range(size_t i)
{
    struct scan_range r;
    uint8_t a[16];
    memset(&r, 0, sizeof r);
    r.family = reserved_blocks[i].family;
    (void)inet_pton(r.family, reserved_blocks[i].addr, a);
    r.first = from_bytes(a, r.family);
    scan_u128 m = u128_mask_hi(r.family == AF_INET ? 32 : 128, reserved_blocks[i].plen);
    r.last.hi = r.first.hi | m.hi;
    r.last.lo = r.first.lo | m.lo;
    return r;
}

/* true when [first, last] of r lies inside one reserved block */
static bool inside_reserved(const struct scan_range *r)
{
    for (size_t i = 0; i < N_RESERVED; i++) {
        struct scan_range b = reserved_range(i);
        if (b.family == r->family && u128_cmp(r->first, b.first) >= 0 && u128_cmp(r->last, b.last) <= 0)
            return true;
    }
    return false;
}

static int range_order(const void *pa, const void *pb)
{
    const struct scan_range *a = pa, *b = pb;
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return u128_cmp(a->first, b->first);
}

/* Sort and coalesce v[0..n) in place; returns the new count. */
static size_t coalesce(struct scan_range *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, range_order);
    size_t o = 0;
    for (size_t i = 1; i < n; i++) {
        struct scan_range *c = &v[o];
        scan_u128 next = scan_u128_add(c->last, 1);
        bool touches = v[i].family == c->family &&
                       (u128_cmp(v[i].first, c->last) <= 0 ||
                        (u128_cmp(next, c->last) > 0 && u128_cmp(v[i].first, next) == 0));
        if (touches) {
            if (u128_cmp(v[i].last, c->last) > 0)
                c->last = v[i].last;
        } else {
            v[++o] = v[i];
        }
    }
    return o + 1;
}

static SMB_WUR smb_status rebuild_exclusions(smb_scan_targets *t)
{
    struct scan_range *xm = malloc((t->nx + 1) * sizeof *xm);
    struct scan_range *xdm = malloc((t->nx + N_RESERVED) * sizeof *xdm);
    if (!xm || !xdm) {
        free(xm);
        free(xdm);
        return SMB_E_NOMEM;
    }
    for (size_t i = 0; i < t->nx; i++) {
        xm[i] = t->x[i];
        xm[i].name = xm[i].err = NULL;
        xdm[i] = xm[i];
    }
    for (size_t i = 0; i < N_RESERVED; i++)
        xdm[t->nx + i] = reserved_range(i);
    free(t->xm);
    free(t->xdm);
    t->xm = xm;
    t->nxm = coalesce(xm, t->nx);
    t->xdm = xdm;
    t->nxdm = coalesce(xdm, t->nx + N_RESERVED);
    return SMB_OK;
}

static int push(struct scan_range **v, size_t *n, size_t *cap, const struct scan_range *r)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        struct scan_range *nv = realloc(*v, nc * sizeof *nv);
        if (!nv)
            return -1;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = *r;
    return 0;
}

static bool all_digits_dots(const char *s)
{
    for (; *s; s++)
        if (!isdigit((unsigned char)*s) && *s != '.')
            return false;
    return true;
}

static bool parse_u(const char *s, unsigned max, unsigned *out)
{
    if (!*s || strlen(s) > 5)
        return false;
    unsigned v = 0;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return false;
        v = v * 10 + (unsigned)(*s - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

static bool valid_hostname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MAX_HOSTNAME_LEN || s[0] == '-' || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '-' && c != '.' && c != '_')
            return false;
    }
    return true;
}

/* Parse an address / CIDR / range (no names). Returns 0 ok, -1 not an
 * address form (may be a name), -2 an address form that is invalid. */
static int parse_range(const char *spec, struct scan_range *r, char *err, size_t errlen)
{
    char buf[MAX_SPEC_LEN + 1];
    uint8_t a[16], b[16];
    memset(r, 0, sizeof *r);
    snprintf(buf, sizeof buf, "%s", spec);
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        unsigned plen;
        int fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
        if (inet_pton(fam, buf, a) != 1) {
            seterr(err, errlen, "'%s': not an IP address before '/'", spec);
            return -2;
        }
        unsigned bits = fam == AF_INET ? 32 : 128;
        if (!parse_u(slash + 1, bits, &plen)) {
            seterr(err, errlen, "'%s': prefix length must be 0..%u", spec, bits);
            return -2;
        }
        if (bits - plen > 24) {
            seterr(err, errlen, "'%s': block too large (at most 2^24 addresses, /%u or longer)", spec,
                   bits - 24);
            return -2;
        }
        scan_u128 base = from_bytes(a, fam);
        uint64_t size = 1ull << (bits - plen);
        base.lo &= ~(size - 1); /* host bits cleared; the span always fits in lo */
        r->family = fam;
        r->first = base;
        r->last = scan_u128_add(base, size - 1);
        return 0;
    }
    if (strchr(buf, ':')) {
        if (inet_pton(AF_INET6, buf, a) != 1) {
            seterr(err, errlen, "'%s': not a valid IPv6 address", spec);
            return -2;
        }
        r->family = AF_INET6;
        r->first = r->last = from_bytes(a, AF_INET6);
        return 0;
    }
    char *dash = strchr(buf, '-');
    if (dash) {
        *dash = '\0';
        if (inet_pton(AF_INET, buf, a) != 1) {
            if (all_digits_dots(buf)) {
                seterr(err, errlen, "'%s': not a valid IPv4 address before '-'", spec);
                return -2;
            }
            return -1; /* a hostname with a dash */
        }
        const char *end = dash + 1;
        scan_u128 first = from_bytes(a, AF_INET), last;
        unsigned v;
        if (parse_u(end, 255, &v)) {
            /* 10.0.0.1-50: last octet */
            last = first;
            last.lo = (first.lo & ~0xFFull) | v;
        } else if (inet_pton(AF_INET, end, b) == 1) {
            last = from_bytes(b, AF_INET);
        } else {
            seterr(err, errlen, "'%s': range end must be 0..255 or an IPv4 address", spec);
            return -2;
        }
        if (u128_cmp(last, first) < 0) {
            seterr(err, errlen, "'%s': range end is before its start", spec);
            return -2;
        }
        r->family = AF_INET;
        r->first = first;
        r->last = last;
        return 0;
    }
    if (inet_pton(AF_INET, buf, a) == 1) {
        r->family = AF_INET;
        r->first = r->last = from_bytes(a, AF_INET);
        return 0;
    }
    if (all_digits_dots(buf)) {
        seterr(err, errlen, "'%s': not a valid IPv4 address", spec);
        return -2;
    }
    return -1;
}

static uint64_t range_size(const struct scan_range *r)
{
    if (r->name && !r->resolved)
        return 1;
    uint64_t s = u128_span(r->first, r->last);
    return s == UINT64_MAX ? UINT64_MAX : s + 1;
}

static SMB_WUR smb_status add_one(smb_scan_targets *t, const char *spec, bool exclude, int depth, char *err,
                          size_t errlen);

static SMB_WUR smb_status add_stream(smb_scan_targets *t, FILE *f, const char *what, bool exclude, int depth,
                             char *err, size_t errlen)
{
    char line[1024];
    unsigned lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            seterr(err, errlen, "%s:%u: line too long", what, lineno);
            return SMB_E_BAD_ARGUMENT;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        char *e = p + strlen(p);
        while (e > p && isspace((unsigned char)e[-1]))
            *--e = '\0';
        if (!*p)
            continue;
        if (strpbrk(p, " \t")) {
            seterr(err, errlen, "%s:%u: one target per line ('%s')", what, lineno, p);
            return SMB_E_BAD_ARGUMENT;
        }
        char sub[SMB_SCAN_ERROR_LEN];
        smb_status st = add_one(t, p, exclude, depth + 1, sub, sizeof sub);
        if (st != SMB_OK) {
            seterr(err, errlen, "%s:%u: %s", what, lineno, sub);
            return st;
        }
    }
    if (ferror(f)) {
        seterr(err, errlen, "%s: read error", what);
        return SMB_E_IO;
    }
    return SMB_OK;
}

static SMB_WUR smb_status add_one(smb_scan_targets *t, const char *spec, bool exclude, int depth, char *err,
                          size_t errlen)
{
    struct scan_range r;
    if (depth > MAX_FILE_DEPTH) {
        seterr(err, errlen, "'%s': @FILE nested too deeply", spec);
        return SMB_E_BAD_ARGUMENT;
    }
    if (!*spec) {
        seterr(err, errlen, "empty target");
        return SMB_E_BAD_ARGUMENT;
    }
    if (strcmp(spec, "-") == 0) {
        if (t->used_stdin) {
            seterr(err, errlen, "'-' (stdin) given twice");
            return SMB_E_BAD_ARGUMENT;
        }
        t->used_stdin = true;
        return add_stream(t, stdin, "stdin", exclude, depth, err, errlen);
    }
    if (spec[0] == '@') {
        FILE *f = fopen(spec + 1, "r");
        if (!f) {
            seterr(err, errlen, "cannot open target file '%s': %s", spec + 1, strerror(errno));
            return SMB_E_IO;
        }
        smb_status st = add_stream(t, f, spec + 1, exclude, depth, err, errlen);
        fclose(f);
        return st;
    }
    if (strlen(spec) > MAX_SPEC_LEN) {
        seterr(err, errlen, "target too long (%zu bytes)", strlen(spec));
        return SMB_E_BAD_ARGUMENT;
    }
    char hostbuf[MAX_SPEC_LEN + 1];
    unsigned port = 0;
    const char *host = spec, *ptext = NULL;
    if (spec[0] == '[') {
        /* [IPv6]:PORT or [IPv6] */
        const char *rb = strchr(spec, ']');
        if (!rb) {
            seterr(err, errlen, "'%s': '[' without ']'", spec);
            return SMB_E_BAD_ARGUMENT;
        }
        snprintf(hostbuf, sizeof hostbuf, "%.*s", (int)(rb - spec - 1), spec + 1);
        if (rb[1] == ':')
            ptext = rb + 2;
        else if (rb[1]) {
            seterr(err, errlen, "'%s': expected ':PORT' after ']'", spec);
            return SMB_E_BAD_ARGUMENT;
        }
        if (!strchr(hostbuf, ':')) {
            seterr(err, errlen, "'%s': brackets are for IPv6 addresses", spec);
            return SMB_E_BAD_ARGUMENT;
        }
        host = hostbuf;
    } else {
        /* HOST:PORT: exactly one colon (two or more is IPv6) */
        const char *c = strchr(spec, ':');
        if (c && !strchr(c + 1, ':')) {
            snprintf(hostbuf, sizeof hostbuf, "%.*s", (int)(c - spec), spec);
            ptext = c + 1;
            host = hostbuf;
        }
    }
    if (ptext) {
        if (exclude) {
            seterr(err, errlen, "'%s': exclusions take no port", spec);
            return SMB_E_BAD_ARGUMENT;
        }
        if (!parse_u(ptext, 65535, &port) || port == 0) {
            seterr(err, errlen, "'%s': port must be 1..65535", spec);
            return SMB_E_BAD_ARGUMENT;
        }
        if (!*host) {
            seterr(err, errlen, "'%s': no host before the port", spec);
            return SMB_E_BAD_ARGUMENT;
        }
    }
    int rc = parse_range(host, &r, err, errlen);
    if (rc == -2)
        return SMB_E_BAD_ARGUMENT;
    if (rc == -1) {
        if (exclude) {
            seterr(err, errlen, "'%s': exclusions take addresses, CIDR blocks or ranges, not names", spec);
            return SMB_E_BAD_ARGUMENT;
        }
        if (!valid_hostname(host)) {
            seterr(err, errlen, "'%s': not an address, CIDR block, range or host name", spec);
            return SMB_E_BAD_ARGUMENT;
        }
        memset(&r, 0, sizeof r);
        r.name = strdup(host); /* resolved later, by smb_scan_targets_resolve */
        if (!r.name)
            return SMB_E_NOMEM;
    } else {
        r.defex = !t->no_default_excludes && !inside_reserved(&r);
    }
    r.port = (uint16_t)port;
    if (exclude) {
        if (push(&t->x, &t->nx, &t->capx, &r))
            return SMB_E_NOMEM;
        return rebuild_exclusions(t);
    }
    uint64_t size = range_size(&r);
    if (size > SMB_SCAN_MAX_TARGETS || t->total_raw + size > SMB_SCAN_MAX_TARGETS) {
        seterr(err, errlen, "'%s': too many targets in total (limit %llu addresses)", spec,
               (unsigned long long)SMB_SCAN_MAX_TARGETS);
        free(r.name);
        free(r.err);
        return SMB_E_BAD_ARGUMENT;
    }
    if (push(&t->v, &t->n, &t->cap, &r)) {
        free(r.name);
        free(r.err);
        return SMB_E_NOMEM;
    }
    t->total_raw += size;
    return SMB_OK;
}

smb_status smb_scan_targets_add(smb_scan_targets *t, const char *spec, char *err, size_t errlen)
{
    return add_one(t, spec, false, 0, err, errlen);
}

/* Resolve one name entry with getaddrinfo (first address of the family). */
static SMB_WUR smb_status resolve_one(const smb_scan_targets *t, struct scan_range *r)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = t->family;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(r->name, NULL, &hints, &res);
    if (g != 0 || !res) {
        char msg[SMB_SCAN_ERROR_LEN];
        snprintf(msg, sizeof msg, "cannot resolve '%s': %s", r->name, g ? gai_strerror(g) : "no address");
        r->err = strdup(msg);
        if (res)
            freeaddrinfo(res);
        return r->err ? SMB_OK : SMB_E_NOMEM;
    }
    const struct sockaddr *sa = res->ai_addr;
    if (sa->sa_family == AF_INET) {
        r->family = AF_INET;
        r->first =
            from_bytes((const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr, AF_INET);
    } else {
        r->family = AF_INET6;
        r->first = from_bytes((const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                              AF_INET6);
    }
    r->last = r->first;
    r->resolved = true;
    freeaddrinfo(res);
    return SMB_OK;
}

smb_status smb_scan_targets_resolve(smb_scan_targets *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct scan_range *r = &t->v[i];
        if (r->name && !r->resolved && !r->err) {
            smb_status st = resolve_one(t, r);
            if (st != SMB_OK)
                return st;
        }
    }
    return SMB_OK;
}

smb_status smb_scan_targets_exclude(smb_scan_targets *t, const char *spec, char *err, size_t errlen)
{
    return add_one(t, spec, true, 0, err, errlen);
}

/* Is a inside one of the sorted, disjoint blocks v[0..n)? (binary search) */
static bool in_blocks(const struct scan_range *v, size_t n, int family, scan_u128 a)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct scan_range *b = &v[mid];
        int c = b->family != family ? (b->family < family ? -1 : 1) : u128_cmp(b->last, a);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].family == family && u128_cmp(v[lo].first, a) <= 0 && u128_cmp(a, v[lo].last) <= 0;
}

bool scan_targets_excluded(const smb_scan_targets *t, const struct scan_range *r, scan_u128 a)
{
    if (r->name && !r->resolved)
        return false;
    if (r->defex)
        return in_blocks(t->xdm, t->nxdm, r->family, a);
    return t->nxm && in_blocks(t->xm, t->nxm, r->family, a);
}

/* Addresses of r inside the sorted, disjoint blocks v[0..n). */
static uint64_t overlap(const struct scan_range *r, const struct scan_range *v, size_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct scan_range *b = &v[i];
        if (b->family != r->family || u128_cmp(b->last, r->first) < 0 || u128_cmp(b->first, r->last) > 0)
            continue;
        scan_u128 lo = u128_cmp(b->first, r->first) > 0 ? b->first : r->first;
        scan_u128 hi = u128_cmp(b->last, r->last) < 0 ? b->last : r->last;
        k += u128_span(lo, hi) + 1;
    }
    return k;
}

static uint64_t range_left(const smb_scan_targets *t, const struct scan_range *r)
{
    uint64_t size = range_size(r);
    if (r->name && !r->resolved)
        return size;
    return size - (r->defex ? overlap(r, t->xdm, t->nxdm) : overlap(r, t->xm, t->nxm));
}

void scan_iter_init(scan_iter *it)
{
    memset(it, 0, sizeof *it);
}

int scan_iter_next(const smb_scan_targets *t, scan_iter *it, const struct scan_range **r, scan_u128 *addr)
{
    while (it->idx < t->n) {
        const struct scan_range *c = &t->v[it->idx];
        if (c->name && !c->resolved) {
            it->idx++;
            it->off = 0;
            *r = c;
            addr->hi = addr->lo = 0;
            return 1;
        }
        uint64_t size = range_size(c);
        if (it->off >= size) {
            it->idx++;
            it->off = 0;
            continue;
        }
        scan_u128 a = scan_u128_add(c->first, it->off++);
        if (scan_targets_excluded(t, c, a))
            continue;
        *r = c;
        *addr = a;
        return 1;
    }
    return 0;
}

uint64_t smb_scan_targets_count(const smb_scan_targets *t)
{
    uint64_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        n += range_left(t, &t->v[i]);
    return n;
}

static unsigned range_ports(const struct scan_space *s, const struct scan_range *r)
{
    return r->port ? 1 : s->nports;
}

int scan_space_init(struct scan_space *s, const smb_scan_targets *t, const uint16_t *ports, unsigned nports)
{
    memset(s, 0, sizeof *s);
    s->t = t;
    s->ports = ports;
    s->nports = nports;
    s->cum = malloc((t->n + 1) * sizeof *s->cum);
    if (!s->cum)
        return -1;
    uint64_t c = 0;
    for (size_t i = 0; i < t->n; i++) {
        s->cum[i] = c;
        c += range_size(&t->v[i]) * range_ports(s, &t->v[i]);
    }
    s->cum[t->n] = c;
    s->total = c;
    return 0;
}

void scan_space_free(struct scan_space *s)
{
    free(s->cum);
    s->cum = NULL;
}

bool scan_space_get(const struct scan_space *s, uint64_t idx, const struct scan_range **r, scan_u128 *a,
                    uint16_t *port)
{
    /* the last range whose first index is <= idx (ranges never have 0 indexes) */
    size_t lo = 0, hi = s->t->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->cum[mid] <= idx)
            lo = mid;
        else
            hi = mid;
    }
    const struct scan_range *c = &s->t->v[lo];
    uint64_t off = idx - s->cum[lo];
    unsigned np = range_ports(s, c);
    *r = c;
    *port = c->port ? c->port : s->ports[off % np];
    if (c->name && !c->resolved) {
        a->hi = a->lo = 0;
        return true;
    }
    *a = scan_u128_add(c->first, off / np);
    return !scan_targets_excluded(s->t, c, *a);
}

uint64_t scan_space_count(const struct scan_space *s)
{
    uint64_t n = 0;
    for (size_t i = 0; i < s->t->n; i++)
        n += range_left(s->t, &s->t->v[i]) * range_ports(s, &s->t->v[i]);
    return n;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fnv(h, b, 8);
}

static uint64_t fnv_range(uint64_t h, const struct scan_range *r)
{
    if (r->name) /* before or after resolution alike */
        return fnv_u64(fnv(h, r->name, strlen(r->name) + 1), r->port);
    h = fnv_u64(h, (uint64_t)r->family);
    h = fnv_u64(h, r->first.hi);
    h = fnv_u64(h, r->first.lo);
    h = fnv_u64(h, r->last.hi);
    h = fnv_u64(h, r->last.lo);
    return fnv_u64(h, ((uint64_t)r->port << 1) | r->defex);
}

uint64_t smb_scan_targets_digest(const smb_scan_targets *t)
{
    uint64_t h = 1469598103934665603ull;
    h = fnv_u64(h, t->n);
    for (size_t i = 0; i < t->n; i++)
        h = fnv_range(h, &t->v[i]);
    h = fnv_u64(h, t->nxm);
    for (size_t i = 0; i < t->nxm; i++)
        h = fnv_range(h, &t->xm[i]);
    return h;
}
