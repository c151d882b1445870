/*
 * tests/unit/test_trace.c - trace/: the capture verifier's packet decoder,
 * TCP reassembly and NetBIOS framing on synthetic packets carrying SMB 2.1
 * messages signed here with a known session key (given as --session-key):
 * in order; out of order, retransmitted and overlapping segments (the same
 * verdicts); IPv6 raw and Linux SLL2 link layers; a flipped byte (exactly one
 * bad); a lost segment inside a message (that message incomplete, the next
 * one still good); a lost NetBIOS header (resynchronised at the next
 * message); compound elements; no key; an unsigned message on a session that
 * requires signing; NetBIOS session request / positive response / keepalive
 * skipped; credential syntax errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "smbsign/sign.h"
#include "trace/trace.h"
#include "wire/smb2/header.h"
#include "wire/smb2/negotiate.h"

#define SID 0x1122334455ull
#define KEYHEX "00112233445566778899aabbccddeeff"
#define MAXSTREAM (1u << 20)

static const uint8_t key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

struct stream { /* one direction: NetBIOS-framed bytes */
    uint8_t *p;
    size_t len;
    size_t ends[64]; /* offset just past each message */
    size_t n;
};

struct seen {
    unsigned v[TV_COUNT];
    uint64_t bad_frame;
    unsigned elements;
};

static void on_msg(void *arg, const struct trace_msg *m)
{
    struct seen *s = arg;
    s->v[m->verdict]++;
    if (m->verdict == TV_BAD)
        s->bad_frame = m->frame;
    if (m->element)
        s->elements++;
}

static void put_nb(struct stream *s, const uint8_t *m, size_t n)
{
    assert_true(s->len + 4 + n <= MAXSTREAM);
    s->p[s->len] = 0;
    s->p[s->len + 1] = (uint8_t)(n >> 16);
    s->p[s->len + 2] = (uint8_t)(n >> 8);
    s->p[s->len + 3] = (uint8_t)n;
    memcpy(s->p + s->len + 4, m, n);
    s->len += 4 + n;
    s->ends[s->n++] = s->len;
}

/* An SMB2 message: header + body of body_len pattern bytes, signed unless !sign. */
static size_t smb2_msg(uint8_t *out, uint16_t cmd, uint64_t mid, bool resp, size_t body_len, bool sign,
                       smb_sign_ctx *ctx)
{
    smb_wr w;
    wr_init(&w, out, 64 + body_len);
    struct smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = cmd;
    h.message_id = mid;
    h.session_id = SID;
    h.credit = 1;
    h.flags = resp ? SMB2_FLAGS_SERVER_TO_REDIR : 0;
    smb2_hdr_encode(&w, &h);
    for (size_t i = 0; i < body_len; i++)
        wr_u8(&w, (uint8_t)(i * 7 + mid));
    assert_true(wr_ok(&w));
    if (sign)
        assert_int_equal(smb2_sign(ctx, out, 64 + body_len), SMB_OK);
    return 64 + body_len;
}

static size_t negotiate_rsp(uint8_t *out, size_t cap)
{
    smb_wr w;
    wr_init(&w, out, cap);
    struct smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.flags = SMB2_FLAGS_SERVER_TO_REDIR;
    smb2_hdr_encode(&w, &h);
    struct smb2_negotiate_rsp r;
    memset(&r, 0, sizeof r);
    r.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED;
    r.dialect = SMB_DIALECT_210;
    r.max_read_size = r.max_write_size = r.max_transact_size = 1 << 20;
    assert_int_equal(smb2_negotiate_rsp_encode(&w, 0, &r), SMB_OK);
    return wr_len(&w);
}

/* The conversation: NEGOTIATE response, then requests and responses of a
 * signed 2.1 session, one 200 KiB READ response among them. */
static void build(struct stream *c2s, struct stream *s2c, bool unsigned_create)
{
    static uint8_t m[300000];
    smb_sign_ctx *ctx = NULL;
    assert_int_equal(smb_sign_ctx_new(&ctx, SMB_DIALECT_210, SMB_ALG_HMAC_SHA256, key), SMB_OK);
    /* port-139 style start: NetBIOS session request (0x81, two 34-byte
     * encoded names) and positive response (0x82), then a keepalive (0x85):
     * skipped by the framer (RFC 1002 4.3) */
    c2s->p[0] = 0x81, c2s->p[1] = 0, c2s->p[2] = 0, c2s->p[3] = 68;
    memset(c2s->p + 4, 'A', 68);
    c2s->len = 72;
    memcpy(s2c->p, "\x82\0\0\0\x85\0\0\0", 8);
    s2c->len = 8;
    size_t n = negotiate_rsp(m, sizeof m);
    put_nb(s2c, m, n);
    for (uint64_t mid = 1; mid <= 4; mid++) {
        put_nb(c2s, m, smb2_msg(m, SMB2_CREATE, mid, false, 60, true, ctx));
        size_t body = mid == 3 ? 200000 : 80;
        uint16_t cmd = mid == 3 ? SMB2_READ : SMB2_CREATE;
        put_nb(s2c, m, smb2_msg(m, cmd, mid, true, body, !(unsigned_create && mid == 2), ctx));
    }
    /* a compound of two signed elements (each padded to 8 bytes) */
    size_t a = smb2_msg(m, SMB2_CLOSE, 10, false, 24, false, ctx);
    size_t b = smb2_msg(m + a, SMB2_CLOSE, 11, false, 24, false, ctx);
    put_le32(m + 20, (uint32_t)a);
    assert_int_equal(smb2_sign_chain(ctx, m, a + b), SMB_OK);
    put_nb(c2s, m, a + b);
    smb_sign_ctx_free(ctx);
}

enum link { L_ETH4, L_RAW6, L_SLL2 };

/* One TCP segment as a packet of the given link type. */
static size_t packet(uint8_t *out, enum link l, int dir, uint32_t seq, uint8_t flags, uint32_t ack, const uint8_t *d,
                     size_t n)
{
    size_t off = 0;
    uint16_t et = l == L_RAW6 ? 0x86dd : 0x0800;
    if (l == L_ETH4) {
        memset(out, 0, 12);
        out[12] = (uint8_t)(et >> 8), out[13] = (uint8_t)et;
        off = 14;
    } else if (l == L_SLL2) {
        memset(out, 0, 20);
        out[0] = (uint8_t)(et >> 8), out[1] = (uint8_t)et;
        off = 20;
    }
    uint8_t *ip = out + off;
    size_t iph = l == L_RAW6 ? 40 : 20;
    memset(ip, 0, iph);
    if (l == L_RAW6) {
        ip[0] = 0x60;
        ip[4] = (uint8_t)((20 + n) >> 8), ip[5] = (uint8_t)(20 + n);
        ip[6] = 6;
        ip[23] = dir ? 2 : 1; /* ::1 / ::2 */
        ip[39] = dir ? 1 : 2;
    } else {
        ip[0] = 0x45;
        ip[2] = (uint8_t)((20 + 20 + n) >> 8), ip[3] = (uint8_t)(20 + 20 + n);
        ip[9] = 6;
        ip[12] = 127, ip[15] = dir ? 2 : 1;
        ip[16] = 127, ip[19] = dir ? 1 : 2;
    }
    uint8_t *t = ip + iph;
    memset(t, 0, 20);
    uint16_t sp = dir ? 445 : 50000, dp = dir ? 50000 : 445;
    t[0] = (uint8_t)(sp >> 8), t[1] = (uint8_t)sp, t[2] = (uint8_t)(dp >> 8), t[3] = (uint8_t)dp;
    t[4] = (uint8_t)(seq >> 24), t[5] = (uint8_t)(seq >> 16), t[6] = (uint8_t)(seq >> 8), t[7] = (uint8_t)seq;
    t[8] = (uint8_t)(ack >> 24), t[9] = (uint8_t)(ack >> 16), t[10] = (uint8_t)(ack >> 8), t[11] = (uint8_t)ack;
    t[12] = 0x50;
    t[13] = flags;
    if (n)
        memcpy(t + 20, d, n);
    return off + iph + 20 + n;
}

struct seg {
    int dir;
    uint32_t off, len;
};

static int linktype(enum link l) { return l == L_ETH4 ? 1 : l == L_RAW6 ? 229 : 276; }

/* Feed: SYNs, then segs (stream offsets), then FINs. */
static void feed(trace_ctx *t, enum link l, struct stream *st, const struct seg *segs, size_t nseg, uint8_t *flipdir,
                 size_t flipoff)
{
    static uint8_t pkt[70000];
    uint32_t isn[2] = {1000, 900000000u};
    uint64_t frame = 0;
    for (int d = 0; d < 2; d++) {
        size_t n = packet(pkt, l, d, isn[d] - 1, 0x02 | (d ? 0x10 : 0), 0, NULL, 0);
        trace_packet(t, ++frame, 1, 0, linktype(l), pkt, n, n);
    }
    for (size_t i = 0; i < nseg; i++) {
        const struct seg *s = &segs[i];
        static uint8_t data[70000];
        memcpy(data, st[s->dir].p + s->off, s->len);
        if (flipdir && *flipdir == s->dir && flipoff >= s->off && flipoff < s->off + s->len)
            data[flipoff - s->off] ^= 1;
        size_t n = packet(pkt, l, s->dir, isn[s->dir] + s->off, 0x18, 0, data, s->len);
        trace_packet(t, ++frame, 1, 0, linktype(l), pkt, n, n);
    }
    for (int d = 0; d < 2; d++) {
        size_t n = packet(pkt, l, d, isn[d] + (uint32_t)st[d].len, 0x11, 0, NULL, 0);
        trace_packet(t, ++frame, 1, 0, linktype(l), pkt, n, n);
    }
}

/* Cut both streams into segments of at most mss bytes, server first per round. */
static size_t segments(struct stream *st, size_t mss, struct seg *out, size_t cap)
{
    size_t n = 0, off[2] = {0, 0};
    while (off[0] < st[0].len || off[1] < st[1].len)
        for (int d = 1; d >= 0; d--) {
            if (off[d] >= st[d].len)
                continue;
            size_t k = st[d].len - off[d] < mss ? st[d].len - off[d] : mss;
            assert_true(n < cap);
            out[n++] = (struct seg){d, (uint32_t)off[d], (uint32_t)k};
            off[d] += k;
        }
    return n;
}

struct fixture {
    struct stream st[2];
    struct seg segs[4096];
    size_t nseg;
    struct trace_cred cred;
};

static struct fixture *fx(bool unsigned_create, size_t mss)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    for (int d = 0; d < 2; d++)
        f->st[d].p = malloc(MAXSTREAM);
    build(&f->st[0], &f->st[1], unsigned_create);
    f->nseg = segments(f->st, mss, f->segs, 4096);
    char why[200];
    assert_int_equal(trace_cred_parse(TC_SESSION_KEY, "0x1122334455:" KEYHEX, &f->cred, why, sizeof why), SMB_OK);
    return f;
}

static void fx_free(struct fixture *f)
{
    free(f->st[0].p);
    free(f->st[1].p);
    free(f);
}

static struct seen run(struct fixture *f, enum link l, const struct seg *segs, size_t n, bool with_key,
                       uint8_t *flipdir, size_t flipoff)
{
    struct seen s;
    memset(&s, 0, sizeof s);
    struct trace_opts o;
    memset(&o, 0, sizeof o);
    o.creds = &f->cred;
    o.ncreds = with_key ? 1 : 0;
    o.on_msg = on_msg;
    o.arg = &s;
    trace_ctx *t = NULL;
    assert_int_equal(trace_new(&t, &o), SMB_OK);
    feed(t, l, f->st, segs, n, flipdir, flipoff);
    trace_free(t);
    return s;
}

/* 4 requests + 4 responses + 2 compound elements signed; NEGOTIATE exempt */
#define SIGNED_MSGS 10

static void test_in_order_every_link(void **state)
{
    struct fixture *f = fx(false, 1400);
    for (enum link l = L_ETH4; l <= L_SLL2; l++) {
        struct seen s = run(f, l, f->segs, f->nseg, true, NULL, 0);
        assert_int_equal(s.v[TV_GOOD], SIGNED_MSGS);
        assert_int_equal(s.v[TV_NOT_SUBJECT], 1);
        assert_int_equal(s.v[TV_BAD] + s.v[TV_UNSIGNED] + s.v[TV_NO_KEY] + s.v[TV_INCOMPLETE], 0);
        assert_int_equal(s.elements, 1); /* the second compound element */
    }
    fx_free(f);
}

static void test_reordered_duplicated_overlapping(void **state)
{
    struct fixture *f = fx(false, 1000);
    static struct seg r[8192];
    size_t n = 0;
    for (size_t i = 0; i < f->nseg; i++) {
        r[n++] = f->segs[i];
        if (i % 5 == 1 && i + 1 < f->nseg && f->segs[i + 1].dir == f->segs[i].dir) { /* swap with the next */
            r[n - 1] = f->segs[i + 1];
            r[n++] = f->segs[i];
            i++;
        }
        if (i % 7 == 3) /* retransmission */
            r[n++] = f->segs[i];
        if (i % 11 == 4 && f->segs[i].len > 10) { /* overlapping: the tail again with 5 more bytes before it */
            struct seg o = f->segs[i];
            o.off += 5, o.len -= 5;
            r[n++] = o;
        }
    }
    struct seen s = run(f, L_RAW6, r, n, true, NULL, 0);
    assert_int_equal(s.v[TV_GOOD], SIGNED_MSGS);
    assert_int_equal(s.v[TV_BAD] + s.v[TV_INCOMPLETE], 0);
    fx_free(f);
}

static void test_flipped_byte_one_bad(void **state)
{
    struct fixture *f = fx(false, 1400);
    uint8_t dir = 1;
    /* inside the READ response (message 4 of the server stream: NEGOTIATE, CREATE, CREATE, READ) */
    size_t off = f->st[1].ends[2] + 5000;
    struct seen s = run(f, L_ETH4, f->segs, f->nseg, true, &dir, off);
    assert_int_equal(s.v[TV_BAD], 1);
    assert_int_equal(s.v[TV_GOOD], SIGNED_MSGS - 1);
    assert_true(s.bad_frame > 2);
    fx_free(f);
}

static void test_lost_segment_incomplete(void **state)
{
    struct fixture *f = fx(false, 1400);
    static struct seg r[4096];
    size_t n = 0, dropped = 0;
    size_t mid_read = f->st[1].ends[2] + 100000;
    for (size_t i = 0; i < f->nseg; i++) {
        const struct seg *g = &f->segs[i];
        if (!dropped && g->dir == 1 && g->off <= mid_read && mid_read < g->off + g->len) {
            dropped = 1;
            continue;
        }
        r[n++] = *g;
    }
    assert_int_equal(dropped, 1);
    struct seen s = run(f, L_ETH4, r, n, true, NULL, 0);
    assert_int_equal(s.v[TV_INCOMPLETE], 1);
    assert_int_equal(s.v[TV_BAD], 0);
    assert_int_equal(s.v[TV_GOOD], SIGNED_MSGS - 1); /* the CREATE response after the READ still verifies */
    fx_free(f);
}

static void test_lost_header_resync(void **state)
{
    /* segments cut at message boundaries on the server side, then the one
     * holding the last CREATE response (its NetBIOS header) dropped */
    struct fixture *f = fx(false, 1u << 20);
    static struct seg r[64];
    size_t n = 0;
    for (int d = 1; d >= 0; d--) /* the server's NEGOTIATE response first */
        for (size_t i = 0; i < f->st[d].n; i++) {
            size_t start = i ? f->st[d].ends[i - 1] : 0, end = f->st[d].ends[i];
            if (d == 1 && i == 3)
                continue; /* the READ response, header and all */
            for (size_t o = start; o < end; o += 60000)
                r[n++] = (struct seg){d, (uint32_t)o, (uint32_t)(end - o < 60000 ? end - o : 60000)};
        }
    struct seen s = run(f, L_SLL2, r, n, true, NULL, 0);
    assert_int_equal(s.v[TV_BAD], 0);
    assert_int_equal(s.v[TV_GOOD], SIGNED_MSGS - 1); /* all but the lost READ response */
    fx_free(f);
}

static void test_no_key_and_unsigned(void **state)
{
    struct fixture *f = fx(false, 1400);
    struct seen s = run(f, L_ETH4, f->segs, f->nseg, false, NULL, 0);
    assert_int_equal(s.v[TV_NO_KEY], SIGNED_MSGS);
    assert_int_equal(s.v[TV_GOOD] + s.v[TV_BAD], 0);
    fx_free(f);
    f = fx(true, 1400); /* the second CREATE response unsigned, the session requires signing */
    s = run(f, L_ETH4, f->segs, f->nseg, true, NULL, 0);
    assert_int_equal(s.v[TV_UNSIGNED], 1);
    assert_int_equal(s.v[TV_GOOD], SIGNED_MSGS - 1);
    fx_free(f);
}

static void test_garbage_packets(void **state)
{
    struct seen s;
    memset(&s, 0, sizeof s);
    struct trace_opts o;
    memset(&o, 0, sizeof o);
    o.on_msg = on_msg;
    o.arg = &s;
    trace_ctx *t = NULL;
    assert_int_equal(trace_new(&t, &o), SMB_OK);
    uint8_t p[200];
    for (unsigned i = 0; i < 2000; i++) {
        for (size_t k = 0; k < sizeof p; k++)
            p[k] = (uint8_t)(i * 31 + k * 17 + (k * k >> 3));
        p[12] = 0x08, p[13] = 0x00, p[14] = 0x45; /* Ethernet + IPv4 so parsing goes deep */
        trace_packet(t, i + 1, 0, 0, 1, p, (i % sizeof p) + 1, sizeof p);
    }
    trace_free(t);
}

static void test_cred_syntax(void **state)
{
    struct trace_cred c;
    char why[200];
    assert_int_equal(trace_cred_parse(TC_PASSWORD, "alice", &c, why, sizeof why), SMB_E_BAD_ARGUMENT);
    assert_non_null(strstr(why, "USER%PASSWORD"));
    assert_int_equal(trace_cred_parse(TC_PASSWORD, "DOM\\alice%pw", &c, why, sizeof why), SMB_OK);
    assert_string_equal(c.user, "alice");
    assert_int_equal(trace_cred_parse(TC_NT_HASH, "bob:1234", &c, why, sizeof why), SMB_E_BAD_ARGUMENT);
    assert_int_equal(trace_cred_parse(TC_SESSION_KEY, "zz:00", &c, why, sizeof why), SMB_E_BAD_ARGUMENT);
    assert_int_equal(trace_cred_parse(TC_SESSION_KEY, "0x10:0011", &c, why, sizeof why), SMB_OK);
    assert_int_equal(c.session_id, 0x10);
    assert_int_equal(c.key_len, 2);
    assert_int_equal(trace_cred_parse_line("  # comment", &c, why, sizeof why), SMB_E_NOT_FOUND);
    assert_int_equal(trace_cred_parse_line("--nt-hash bob:" KEYHEX "\n", &c, why, sizeof why), SMB_OK);
    assert_int_equal(c.kind, TC_NT_HASH);
    assert_int_equal(trace_cred_parse_line("-U x%y", &c, why, sizeof why), SMB_OK);
    assert_int_equal(c.kind, TC_PASSWORD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_every_link),   cmocka_unit_test(test_reordered_duplicated_overlapping),
        cmocka_unit_test(test_flipped_byte_one_bad),  cmocka_unit_test(test_lost_segment_incomplete),
        cmocka_unit_test(test_lost_header_resync),    cmocka_unit_test(test_no_key_and_unsigned),
        cmocka_unit_test(test_garbage_packets),       cmocka_unit_test(test_cred_syntax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
