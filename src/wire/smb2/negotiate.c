/* wire/smb2/negotiate.c - SMB2 NEGOTIATE request/response codec (MS-SMB2 2.2.3, 2.2.4). */
#include <string.h>

#include "smbsign/crypt.h"
#include "wire/smb2/header.h"
#include "wire/smb2/negotiate.h"

#define CTX_HDR_LEN 8 /* ContextType, DataLength, Reserved (MS-SMB2 2.2.3.1) */

/* one table of names: smbsign/crypt.h */
const char *smb2_cipher_name(uint16_t c) { return smb_cipher_name((smb_cipher)c); }

/* ---- contexts: encode ---- */

static void ctx_begin(smb_wr *w, size_t hdr_off, uint16_t type, size_t *len_off)
{
    /* MS-SMB2 2.2.3.1: each context starts on an 8-byte boundary (from the
     * header start). */
    while (wr_ok(w) && (w->off - hdr_off) % 8)
        wr_u8(w, 0);
    wr_u16le(w, type);
    *len_off = wr_reserve(w, 2);
    wr_u32le(w, 0);
}

static void ctx_end(smb_wr *w, size_t len_off)
{
    if (wr_ok(w))
        wr_patch_u16le(w, len_off, (uint16_t)(w->off - len_off - 6));
}

static SMB_WUR smb_status contexts_encode(smb_wr *w, size_t hdr_off, const struct smb2_neg_contexts *c,
                                  uint16_t *count)
{
    size_t lo;
    *count = 0;
    if (c->has_preauth) {
        const struct smb2_neg_preauth *p = &c->preauth;
        if (p->hash_alg_count == 0 || p->hash_alg_count > SMB2_NEG_MAX_HASH_ALGS ||
            p->salt_len > SMB2_NEG_MAX_SALT)
            return SMB_E_BAD_ARGUMENT;
        ctx_begin(w, hdr_off, SMB2_PREAUTH_INTEGRITY_CAPABILITIES, &lo);
        wr_u16le(w, p->hash_alg_count);
        wr_u16le(w, p->salt_len);
        for (unsigned i = 0; i < p->hash_alg_count; i++)
            wr_u16le(w, p->hash_algs[i]);
        wr_bytes(w, p->salt, p->salt_len);
        ctx_end(w, lo);
        (*count)++;
    }
    if (c->has_encryption) {
        const struct smb2_neg_encryption *e = &c->encryption;
        if (e->cipher_count == 0 || e->cipher_count > SMB2_NEG_MAX_CIPHERS)
            return SMB_E_BAD_ARGUMENT;
        ctx_begin(w, hdr_off, SMB2_ENCRYPTION_CAPABILITIES, &lo);
        wr_u16le(w, e->cipher_count);
        for (unsigned i = 0; i < e->cipher_count; i++)
            wr_u16le(w, e->ciphers[i]);
        ctx_end(w, lo);
        (*count)++;
    }
    if (c->has_signing) {
        const struct smb2_neg_signing *s = &c->signing;
        if (s->alg_count == 0 || s->alg_count > SMB2_NEG_MAX_SIGNING_ALGS)
            return SMB_E_BAD_ARGUMENT;
        ctx_begin(w, hdr_off, SMB2_SIGNING_CAPABILITIES, &lo);
        wr_u16le(w, s->alg_count);
        for (unsigned i = 0; i < s->alg_count; i++)
            wr_u16le(w, s->algs[i]);
        ctx_end(w, lo);
        (*count)++;
    }
    if (c->has_netname) {
        if (c->netname_len == 0 || c->netname_len > SMB2_NEG_MAX_NETNAME || (c->netname_len & 1) ||
            !c->netname)
            return SMB_E_BAD_ARGUMENT;
        ctx_begin(w, hdr_off, SMB2_NETNAME_NEGOTIATE_CONTEXT_ID, &lo);
        wr_bytes(w, c->netname, c->netname_len);
        ctx_end(w, lo);
        (*count)++;
    }
    return wr_ok(w) ? SMB_OK : w->err;
}

/* ---- contexts: decode ---- */

static SMB_WUR smb_status bad(smb_rd *r)
{
    rd_fail(r, SMB_E_MALFORMED);
    return SMB_E_MALFORMED;
}

static SMB_WUR smb_status ctx_decode_one(smb_rd *d, uint16_t type, struct smb2_neg_contexts *c)
{
    switch (type) {
    case SMB2_PREAUTH_INTEGRITY_CAPABILITIES: {
        struct smb2_neg_preauth *p = &c->preauth;
        if (c->has_preauth)
            return bad(d);
        p->hash_alg_count = rd_u16le(d);
        p->salt_len = rd_u16le(d);
        if (!rd_ok(d))
            return d->err;
        if (p->hash_alg_count == 0 || p->hash_alg_count > SMB2_NEG_MAX_HASH_ALGS ||
            p->salt_len > SMB2_NEG_MAX_SALT)
            return bad(d);
        for (unsigned i = 0; i < p->hash_alg_count; i++)
            p->hash_algs[i] = rd_u16le(d);
        rd_copy(d, p->salt, p->salt_len);
        c->has_preauth = true;
        break;
    }
    case SMB2_ENCRYPTION_CAPABILITIES: {
        struct smb2_neg_encryption *e = &c->encryption;
        if (c->has_encryption)
            return bad(d);
        e->cipher_count = rd_u16le(d);
        if (!rd_ok(d))
            return d->err;
        if (e->cipher_count == 0 || e->cipher_count > SMB2_NEG_MAX_CIPHERS)
            return bad(d);
        for (unsigned i = 0; i < e->cipher_count; i++)
            e->ciphers[i] = rd_u16le(d);
        c->has_encryption = true;
        break;
    }
    case SMB2_SIGNING_CAPABILITIES: {
        struct smb2_neg_signing *s = &c->signing;
        if (c->has_signing)
            return bad(d);
        s->alg_count = rd_u16le(d);
        if (!rd_ok(d))
            return d->err;
        if (s->alg_count == 0 || s->alg_count > SMB2_NEG_MAX_SIGNING_ALGS)
            return bad(d);
        for (unsigned i = 0; i < s->alg_count; i++)
            s->algs[i] = rd_u16le(d);
        c->has_signing = true;
        break;
    }
    case SMB2_NETNAME_NEGOTIATE_CONTEXT_ID: {
        if (c->has_netname)
            return bad(d);
        size_t n = rd_remaining(d);
        if (n > SMB2_NEG_MAX_NETNAME || (n & 1))
            return bad(d);
        c->netname = n ? rd_bytes(d, n) : NULL;
        c->netname_len = (uint16_t)n;
        c->has_netname = true;
        break;
    }
    default:
        /* compression, transport, RDMA and unknown ids: framing only */
        c->other_count++;
        break;
    }
    return rd_ok(d) ? SMB_OK : d->err;
}

/* MS-SMB2 2.2.3.1: count contexts from off (relative to the header), each
 * 8-byte aligned, the last one not necessarily padded. */
static SMB_WUR smb_status contexts_decode(smb_rd *msg, uint32_t off, uint16_t count, struct smb2_neg_contexts *c)
{
    memset(c, 0, sizeof *c);
    if (count == 0)
        return SMB_OK;
    if (count > SMB2_NEG_MAX_CONTEXTS || off % 8 != 0 || off < SMB2_HDR_LEN)
        return bad(msg);
    uint64_t pos = off;
    for (unsigned i = 0; i < count; i++) {
        if (i > 0)
            pos = (pos + 7) & ~(uint64_t)7;
        smb_rd h = rd_sub(msg, pos, CTX_HDR_LEN);
        uint16_t type = rd_u16le(&h);
        uint16_t dlen = rd_u16le(&h);
        (void)rd_u32le(&h); /* Reserved */
        if (!rd_ok(&h))
            return msg->err ? msg->err : h.err;
        smb_rd d = rd_sub(msg, pos + CTX_HDR_LEN, dlen);
        if (!rd_ok(&d))
            return msg->err;
        smb_status st = ctx_decode_one(&d, type, c);
        if (st != SMB_OK) {
            rd_fail(msg, st);
            return st;
        }
        pos += CTX_HDR_LEN + (uint64_t)dlen;
    }
    return SMB_OK;
}

static bool has_dialect(const uint16_t *d, unsigned n, uint16_t want)
{
    for (unsigned i = 0; i < n; i++)
        if (d[i] == want)
            return true;
    return false;
}

/* ---- request ---- */

smb_status smb2_negotiate_req_encode(smb_wr *w, size_t hdr_off, const struct smb2_negotiate_req *q)
{
    if (q->dialect_count == 0 || q->dialect_count > SMB2_NEG_MAX_DIALECTS)
        return SMB_E_BAD_ARGUMENT;
    bool v311 = has_dialect(q->dialects, q->dialect_count, 0x0311);
    wr_u16le(w, SMB2_NEGOTIATE_REQ_STRUCTURE_SIZE);
    wr_u16le(w, q->dialect_count);
    wr_u16le(w, q->security_mode);
    wr_u16le(w, 0); /* Reserved */
    wr_u32le(w, q->capabilities);
    wr_bytes(w, q->client_guid, 16);
    size_t ctx_off_at = wr_reserve(w, 4); /* NegotiateContextOffset | ClientStartTime */
    size_t ctx_cnt_at = wr_reserve(w, 2);
    wr_u16le(w, 0); /* Reserved2 */
    for (unsigned i = 0; i < q->dialect_count; i++)
        wr_u16le(w, q->dialects[i]);
    if (!wr_ok(w))
        return w->err;
    if (!v311)
        return SMB_OK;
    uint16_t count = 0;
    while (wr_ok(w) && (w->off - hdr_off) % 8)
        wr_u8(w, 0);
    size_t ctx_start = w->off - hdr_off;
    smb_status st = contexts_encode(w, hdr_off, &q->ctx, &count);
    if (st != SMB_OK)
        return st;
    if (count) {
        wr_patch_u32le(w, ctx_off_at, (uint32_t)ctx_start);
        wr_patch_u16le(w, ctx_cnt_at, count);
    }
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb2_negotiate_req_decode(smb_rd *msg, struct smb2_negotiate_req *q)
{
    memset(q, 0, sizeof *q);
    uint16_t ssize = rd_u16le(msg);
    q->dialect_count = rd_u16le(msg);
    q->security_mode = rd_u16le(msg);
    (void)rd_u16le(msg);
    q->capabilities = rd_u32le(msg);
    rd_copy(msg, q->client_guid, 16);
    uint32_t ctx_off = rd_u32le(msg);
    uint16_t ctx_count = rd_u16le(msg);
    (void)rd_u16le(msg);
    if (!rd_ok(msg))
        return msg->err;
    if (ssize != SMB2_NEGOTIATE_REQ_STRUCTURE_SIZE || q->dialect_count == 0 ||
        q->dialect_count > SMB2_NEG_MAX_DIALECTS)
        return bad(msg);
    for (unsigned i = 0; i < q->dialect_count; i++)
        q->dialects[i] = rd_u16le(msg);
    if (!rd_ok(msg))
        return msg->err;
    /* The context fields mean ClientStartTime unless 3.1.1 is offered. */
    if (!has_dialect(q->dialects, q->dialect_count, 0x0311))
        return SMB_OK;
    if (ctx_count && ctx_off < rd_offset(msg))
        return bad(msg); /* contexts may not overlap the fixed part */
    return contexts_decode(msg, ctx_off, ctx_count, &q->ctx);
}

/* ---- response ---- */

smb_status smb2_negotiate_rsp_encode(smb_wr *w, size_t hdr_off, const struct smb2_negotiate_rsp *s)
{
    if (s->security_buffer_len && !s->security_buffer)
        return SMB_E_BAD_ARGUMENT;
    bool v311 = s->dialect == 0x0311;
    wr_u16le(w, SMB2_NEGOTIATE_RSP_STRUCTURE_SIZE);
    wr_u16le(w, s->security_mode);
    wr_u16le(w, s->dialect);
    size_t ctx_cnt_at = wr_reserve(w, 2);
    wr_bytes(w, s->server_guid, 16);
    wr_u32le(w, s->capabilities);
    wr_u32le(w, s->max_transact_size);
    wr_u32le(w, s->max_read_size);
    wr_u32le(w, s->max_write_size);
    wr_u64le(w, s->system_time);
    wr_u64le(w, s->server_start_time);
    /* MS-SMB2 2.2.4: the buffer follows the 64-byte fixed part (header 64 + 64). */
    uint16_t sb_off = (uint16_t)(w->off - hdr_off + 8);
    wr_u16le(w, s->security_buffer_len ? sb_off : 0);
    wr_u16le(w, s->security_buffer_len);
    size_t ctx_off_at = wr_reserve(w, 4);
    if (s->security_buffer_len)
        wr_bytes(w, s->security_buffer, s->security_buffer_len);
    else
        wr_u8(w, 0); /* StructureSize 65 counts one byte of Buffer */
    if (!wr_ok(w))
        return w->err;
    if (!v311)
        return SMB_OK;
    uint16_t count = 0;
    while (wr_ok(w) && (w->off - hdr_off) % 8)
        wr_u8(w, 0);
    size_t ctx_start = w->off - hdr_off;
    smb_status st = contexts_encode(w, hdr_off, &s->ctx, &count);
    if (st != SMB_OK)
        return st;
    if (count) {
        wr_patch_u32le(w, ctx_off_at, (uint32_t)ctx_start);
        wr_patch_u16le(w, ctx_cnt_at, count);
    }
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb2_negotiate_rsp_decode(smb_rd *msg, struct smb2_negotiate_rsp *s)
{
    memset(s, 0, sizeof *s);
    size_t body = rd_offset(msg);
    uint16_t ssize = rd_u16le(msg);
    s->security_mode = rd_u16le(msg);
    s->dialect = rd_u16le(msg);
    uint16_t ctx_count = rd_u16le(msg);
    rd_copy(msg, s->server_guid, 16);
    s->capabilities = rd_u32le(msg);
    s->max_transact_size = rd_u32le(msg);
    s->max_read_size = rd_u32le(msg);
    s->max_write_size = rd_u32le(msg);
    s->system_time = rd_u64le(msg);
    s->server_start_time = rd_u64le(msg);
    uint16_t sb_off = rd_u16le(msg);
    uint16_t sb_len = rd_u16le(msg);
    uint32_t ctx_off = rd_u32le(msg);
    if (!rd_ok(msg))
        return msg->err;
    if (ssize != SMB2_NEGOTIATE_RSP_STRUCTURE_SIZE)
        return bad(msg);
    size_t fixed_end = rd_offset(msg);
    (void)body;
    if (sb_len) {
        /* The security buffer may not overlap the header or fixed body. */
        if (sb_off < fixed_end)
            return bad(msg);
        smb_rd sb = rd_sub(msg, sb_off, sb_len);
        if (!rd_ok(&sb))
            return msg->err;
        s->security_buffer = rd_bytes(&sb, sb_len);
        s->security_buffer_len = sb_len;
    }
    if (s->dialect != 0x0311)
        return SMB_OK;
    if (ctx_count && ctx_off < fixed_end)
        return bad(msg);
    if (ctx_count && sb_len && ctx_off < (uint64_t)sb_off + sb_len)
        return bad(msg); /* contexts follow the security buffer */
    smb_status st = contexts_decode(msg, ctx_off, ctx_count, &s->ctx);
    if (st != SMB_OK)
        return st;
    /* MS-SMB2 3.2.5.2: the server selects exactly one of each. */
    const struct smb2_neg_contexts *c = &s->ctx;
    if (!c->has_preauth || c->preauth.hash_alg_count != 1 ||
        (c->has_encryption && c->encryption.cipher_count != 1) ||
        (c->has_signing && c->signing.alg_count != 1))
        return bad(msg);
    return SMB_OK;
}

static SMB_WUR smb_status check_hdr(smb_rd *r, bool want_response)
{
    struct smb2_hdr h;
    smb_status st = smb2_hdr_decode(r, &h);
    if (st != SMB_OK)
        return st;
    if (h.command != SMB2_NEGOTIATE || smb2_hdr_is_response(&h) != want_response || h.next_command != 0)
        return SMB_E_MALFORMED;
    if (want_response && h.status != 0) {
        int known = 0;
        smb_status e = smb_status_from_ntstatus(h.status, &known);
        return e == SMB_OK ? SMB_E_MALFORMED : e;
    }
    return SMB_OK;
}

smb_status smb2_negotiate_rsp_parse(const uint8_t *msg, size_t len, struct smb2_negotiate_rsp *rsp)
{
    smb_rd r;
    rd_init(&r, msg, len);
    smb_status st = check_hdr(&r, true);
    if (st != SMB_OK)
        return st;
    return smb2_negotiate_rsp_decode(&r, rsp);
}

smb_status smb2_negotiate_req_parse(const uint8_t *msg, size_t len, struct smb2_negotiate_req *req)
{
    smb_rd r;
    rd_init(&r, msg, len);
    smb_status st = check_hdr(&r, false);
    if (st != SMB_OK)
        return st;
    return smb2_negotiate_req_decode(&r, req);
}
