/*
 * trace/tcp.c - connections, TCP reassembly and NetBIOS session framing for
 * the capture verifier.
 *
 * Reassembly: per direction the next expected sequence number; segments
 * ahead of it wait in a sorted list (at most TRACE_MAX_OOO bytes), segments
 * behind it are retransmissions (dropped) or overlaps (trimmed to the new
 * bytes). A hole that never fills (the out-of-order budget is spent, the
 * connection ends, or the snap length cut the packet) is a gap: inside a
 * message body the missing bytes are zero-filled and the message is reported
 * `incomplete` (framing stays aligned, since the NetBIOS length is known);
 * a gap that swallows a NetBIOS header loses the framing, and the stream is
 * skipped until a segment starts with a NetBIOS header followed by an SMB
 * protocol id (RFC 1002 4.3.1: session message 0x00, 24-bit length as SMB2
 * uses it, MS-SMB2 2.1; other NetBIOS packets - session request, positive
 * response, keepalive - are skipped).
 * A capture that starts in the middle of a connection starts in that
 * resynchronising state.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <stdio.h>

#include "base/buf.h"
#include "trace/internal.h"

#define NB_SESSION_MESSAGE 0x00

static bool smb_port(const trace_ctx *t, uint16_t p)
{
    if (p == 445 || p == 139)
        return true;
    for (size_t i = 0; i < t->o.nports; i++)
        if (t->o.ports[i] == p)
            return true;
    return false;
}

static unsigned hash_key(uint8_t fam, const uint8_t *ca, uint16_t cp, const uint8_t *sa, uint16_t sp)
{
    uint32_t h = 2166136261u ^ fam;
    for (int i = 0; i < 16; i++)
        h = (h ^ ca[i]) * 16777619u, h = (h ^ sa[i]) * 16777619u;
    h = (h ^ cp) * 16777619u;
    h = (h ^ sp) * 16777619u;
    return h % 4096;
}

static void addr_name(uint8_t fam, const uint8_t *a, uint16_t port, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, ip, sizeof ip);
    if (fam == 6)
        snprintf(out, cap, "[%s]:%u", ip, port);
    else
        snprintf(out, cap, "%s:%u", ip, port);
}

static void framer_reset(struct trace_dir *d)
{
    d->hdr_have = 0;
    d->msg_len = d->msg_have = 0;
    d->msg_gap = false;
}

static bool nb_type_known(uint8_t type)
{
    return type == NB_SESSION_MESSAGE || type == 0x81 || type == 0x82 || type == 0x83 || type == 0x84 ||
           type == 0x85;
}

/* A chunk that starts with a NetBIOS session message holding an SMB header. */
static bool looks_like_start(const uint8_t *p, size_t n)
{
    if (n < 8 || p[0] != NB_SESSION_MESSAGE)
        return false;
    return p[5] == 'S' && p[6] == 'M' && p[7] == 'B' && (p[4] == 0xfe || p[4] == 0xff || p[4] == 0xfd || p[4] == 0xfc);
}

static void deliver_msg(trace_ctx *t, struct trace_conn *c, int dir)
{
    struct trace_dir *d = &c->dir[dir];
    if (d->hdr[0] == NB_SESSION_MESSAGE && d->msg_len)
        trace_smb_message(t, c, dir, d->msg, d->msg_len, d->msg_gap);
    framer_reset(d);
}

/* Contiguous stream bytes. chunk_start: they begin a TCP segment (resync point). */
static void feed(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *p, size_t n, bool chunk_start)
{
    struct trace_dir *d = &c->dir[dir];
    if (d->resync) {
        if (!chunk_start || !looks_like_start(p, n))
            return;
        d->resync = false;
        framer_reset(d);
    }
    while (n) {
        if (d->hdr_have < 4) {
            size_t k = 4 - d->hdr_have < n ? 4 - d->hdr_have : n;
            memcpy(d->hdr + d->hdr_have, p, k);
            d->hdr_have += k;
            p += k, n -= k;
            if (d->hdr_have < 4)
                return;
            if (!nb_type_known(d->hdr[0])) {
                d->resync = true; /* not NetBIOS framing (or lost it) */
                framer_reset(d);
                return;
            }
            d->first_frame = t->frame;
            if (d->hdr[0] == NB_SESSION_MESSAGE)
                d->msg_len = (size_t)d->hdr[1] << 16 | (size_t)d->hdr[2] << 8 | d->hdr[3];
            else
                d->msg_len = (size_t)(d->hdr[1] & 1) << 16 | (size_t)d->hdr[2] << 8 | d->hdr[3];
            d->msg_have = 0;
            if (d->msg_len == 0) {
                framer_reset(d);
                continue;
            }
            if (d->hdr[0] == NB_SESSION_MESSAGE && d->msg_cap < d->msg_len) {
                size_t cap = d->msg_len < 65536 ? 65536 : d->msg_len;
                uint8_t *nb = realloc(d->msg, cap);
                if (!nb) { /* out of memory: treat the message as lost */
                    d->resync = true;
                    framer_reset(d);
                    return;
                }
                d->msg = nb;
                d->msg_cap = cap;
            }
        }
        size_t k = d->msg_len - d->msg_have < n ? d->msg_len - d->msg_have : n;
        if (d->hdr[0] == NB_SESSION_MESSAGE)
            memcpy(d->msg + d->msg_have, p, k);
        d->msg_have += k;
        p += k, n -= k;
        if (d->msg_have == d->msg_len)
            deliver_msg(t, c, dir);
    }
}

/* n stream bytes are missing. */
static void gap(trace_ctx *t, struct trace_conn *c, int dir, size_t n)
{
    struct trace_dir *d = &c->dir[dir];
    if (d->resync || n == 0)
        return;
    if (d->hdr_have == 4 && n <= d->msg_len - d->msg_have) {
        if (d->hdr[0] == NB_SESSION_MESSAGE)
            memset(d->msg + d->msg_have, 0, n);
        d->msg_have += n;
        d->msg_gap = true;
        if (d->msg_have == d->msg_len)
            deliver_msg(t, c, dir);
        return;
    }
    if (d->hdr_have == 4 && d->hdr[0] == NB_SESSION_MESSAGE)
        trace_smb_lost(t, c, dir, d->msg, d->msg_have, d->msg_len);
    framer_reset(d);
    d->resync = true;
}

static void ooo_free(struct trace_dir *d)
{
    struct trace_ooo *o = d->ooo;
    while (o) {
        struct trace_ooo *n = o->next;
        free(o);
        o = n;
    }
    d->ooo = NULL;
    d->ooo_bytes = 0;
}

/* Deliver buffered segments that now fit. */
static void drain(trace_ctx *t, struct trace_conn *c, int dir)
{
    struct trace_dir *d = &c->dir[dir];
    while (d->ooo) {
        struct trace_ooo *o = d->ooo;
        int32_t rel = (int32_t)(o->seq - d->next_seq);
        if (rel > 0)
            return;
        d->ooo = o->next;
        d->ooo_bytes -= o->len;
        size_t skip = (size_t)(-(int64_t)rel);
        if (skip < o->len) {
            feed(t, c, dir, o->data + skip, o->len - skip, skip == 0);
            d->next_seq += (uint32_t)(o->len - skip);
        }
        free(o);
    }
}

/* Give up on the hole before the first buffered segment. */
static void skip_hole(trace_ctx *t, struct trace_conn *c, int dir)
{
    struct trace_dir *d = &c->dir[dir];
    if (!d->ooo)
        return;
    uint32_t hole = d->ooo->seq - d->next_seq;
    gap(t, c, dir, hole);
    d->next_seq = d->ooo->seq;
    drain(t, c, dir);
}

static void segment(trace_ctx *t, struct trace_conn *c, int dir, const struct trace_seg *s)
{
    struct trace_dir *d = &c->dir[dir];
    uint32_t seq = s->seq;
    if (s->flags & TCPF_SYN) {
        d->have_isn = true;
        d->next_seq = seq + 1;
        d->resync = c->any;
        seq++;
        if (!s->len)
            return;
    }
    if (!d->have_isn) {
        if (!s->len)
            return;
        d->have_isn = true; /* joined in the middle of the connection */
        d->next_seq = seq;
        d->resync = true;
    }
    if (s->flags & TCPF_FIN)
        d->fin = true;
    size_t len = s->len + s->missing;
    if (!len)
        return;
    int32_t rel = (int32_t)(seq - d->next_seq);
    if ((int64_t)rel + (int64_t)len <= 0)
        return; /* retransmission of bytes already taken */
    if (rel <= 0) {
        size_t skip = (size_t)(-(int64_t)rel);
        if (skip < s->len) {
            feed(t, c, dir, s->data + skip, s->len - skip, skip == 0);
            gap(t, c, dir, s->missing);
        } else {
            gap(t, c, dir, len - skip);
        }
        d->next_seq += (uint32_t)(len - skip);
        drain(t, c, dir);
        return;
    }
    /* ahead of the stream: keep a copy (present bytes only; a cut tail stays a hole) */
    if (!s->len)
        return;
    struct trace_ooo **pp = &d->ooo;
    while (*pp && (int32_t)((*pp)->seq - seq) < 0)
        pp = &(*pp)->next;
    if (*pp && (*pp)->seq == seq && (*pp)->len >= s->len)
        return; /* same segment again */
    struct trace_ooo *o = malloc(sizeof *o + s->len);
    if (!o)
        return;
    o->seq = seq;
    o->len = s->len;
    o->frame = t->frame;
    memcpy(o->data, s->data, s->len);
    o->next = *pp;
    *pp = o;
    d->ooo_bytes += s->len;
    while (d->ooo_bytes > TRACE_MAX_OOO)
        skip_hole(t, c, dir);
}

/* The peer acknowledged up to ack: a hole before buffered bytes it has
 * acknowledged will never be retransmitted, so it is a capture gap now
 * (not at the end of the connection). */
static void acked(trace_ctx *t, struct trace_conn *c, int dir, uint32_t ack)
{
    struct trace_dir *d = &c->dir[dir];
    while (d->have_isn && d->ooo && (int32_t)(ack - d->ooo->seq) > 0)
        skip_hole(t, c, dir);
}

static void dir_finish(trace_ctx *t, struct trace_conn *c, int dir)
{
    struct trace_dir *d = &c->dir[dir];
    while (d->ooo)
        skip_hole(t, c, dir);
    if (!d->resync && d->hdr_have > 0 && d->hdr_have == 4 && d->hdr[0] == NB_SESSION_MESSAGE)
        trace_smb_lost(t, c, dir, d->msg, d->msg_have, d->msg_len);
    framer_reset(d);
}

static void conn_free(trace_ctx *t, struct trace_conn *c)
{
    dir_finish(t, c, 0);
    dir_finish(t, c, 1);
    for (int i = 0; i < 2; i++) {
        ooo_free(&c->dir[i]);
        free(c->dir[i].msg);
    }
    for (struct trace_sess_int *s = c->sessions, *n; s; s = n) {
        n = s->next_in_conn;
        trace_sess_conn_gone(s);
    }
    unsigned h = hash_key(c->family, c->caddr, c->cport, c->saddr, c->sport);
    for (struct trace_conn **pp = &t->hash[h]; *pp; pp = &(*pp)->next_hash)
        if (*pp == c) {
            *pp = c->next_hash;
            break;
        }
    if (c->prev_all)
        c->prev_all->next_all = c->next_all;
    else
        t->all = c->next_all;
    if (c->next_all)
        c->next_all->prev_all = c->prev_all;
    t->nconns_live--;
    free(c);
}

void trace_packet(trace_ctx *t, uint64_t frame, uint64_t ts_sec, uint32_t ts_usec, int linktype,
                  const uint8_t *data, size_t caplen, size_t wirelen)
{
    t->packets++;
    t->frame = frame;
    t->ts_sec = ts_sec;
    t->ts_usec = ts_usec;
    struct trace_seg s;
    if (trace_decode_packet(linktype, data, caplen, wirelen, &s) != 0)
        return;
    int dir;
    const uint8_t *ca, *sa;
    uint16_t cp, sp;
    if (smb_port(t, s.dport)) {
        dir = 0, ca = s.src, sa = s.dst, cp = s.sport, sp = s.dport;
    } else if (smb_port(t, s.sport)) {
        dir = 1, ca = s.dst, sa = s.src, cp = s.dport, sp = s.sport;
    } else if (t->o.any_port) {
        /* the connection's orientation comes from its SYN (or an existing entry) */
        struct trace_conn *x = t->hash[hash_key(s.family, s.src, s.sport, s.dst, s.dport)];
        while (x && !(x->family == s.family && x->cport == s.sport && x->sport == s.dport &&
                      !memcmp(x->caddr, s.src, 16) && !memcmp(x->saddr, s.dst, 16)))
            x = x->next_hash;
        if (x || (s.flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN)
            dir = 0, ca = s.src, sa = s.dst, cp = s.sport, sp = s.dport;
        else
            dir = 1, ca = s.dst, sa = s.src, cp = s.dport, sp = s.sport;
    } else {
        return;
    }
    t->smb_packets++;
    unsigned h = hash_key(s.family, ca, cp, sa, sp);
    struct trace_conn *c = t->hash[h];
    while (c && !(c->family == s.family && c->cport == cp && c->sport == sp && !memcmp(c->caddr, ca, 16) &&
                  !memcmp(c->saddr, sa, 16)))
        c = c->next_hash;
    bool syn_only = (s.flags & (TCPF_SYN | 0x10)) == TCPF_SYN;
    if (c && syn_only && dir == 0 && c->dir[0].have_isn && c->dir[0].next_seq != s.seq + 1) {
        conn_free(t, c); /* the port pair is reused by a new connection */
        c = NULL;
    }
    if (!c) {
        if (!s.len && !(s.flags & TCPF_SYN))
            return; /* a bare ACK/FIN/RST of a connection we do not track */
        if (t->o.any_port && !smb_port(t, sp) && (s.flags & (TCPF_SYN | TCPF_ACK)) != TCPF_SYN)
            return; /* any-port mode follows connections from their SYN only */
        if (t->nconns_live >= TRACE_MAX_CONNS)
            return;
        c = calloc(1, sizeof *c);
        if (!c)
            return;
        c->family = s.family;
        memcpy(c->caddr, ca, 16);
        memcpy(c->saddr, sa, 16);
        c->cport = cp;
        c->sport = sp;
        addr_name(s.family, ca, cp, c->cname, sizeof c->cname);
        addr_name(s.family, sa, sp, c->sname, sizeof c->sname);
        smb_preauth_init(&c->pre);
        if (!smb_port(t, sp)) /* any-port mode: frame only what starts like SMB */
            c->any = true;
        c->next_hash = t->hash[h];
        t->hash[h] = c;
        c->next_all = t->all;
        if (t->all)
            t->all->prev_all = c;
        t->all = c;
        t->nconns_live++;
        t->conns++;
    }
    c->frame = frame;
    c->ts_sec = ts_sec;
    c->ts_usec = ts_usec;
    segment(t, c, dir, &s);
    if (s.flags & TCPF_ACK)
        acked(t, c, 1 - dir, s.ack);
    if ((s.flags & TCPF_RST) || (c->dir[0].fin && c->dir[1].fin))
        conn_free(t, c);
}

void trace_finish(trace_ctx *t)
{
    while (t->all)
        conn_free(t, t->all);
}
