/* base/buf.c - bounds-checked reader/writer (see buf.h for the contract). */
#include <string.h>

#include "base/buf.h"

void rd_init(smb_rd *r, const void *p, size_t len)
{
    r->p = p;
    r->len = p ? len : 0;
    r->off = 0;
    r->err = SMB_OK;
}

void rd_fail(smb_rd *r, smb_status st)
{
    if (r->err == SMB_OK)
        r->err = st;
}

/* Returns a pointer to n readable bytes and advances, or NULL (sticky). */
static const uint8_t *take(smb_rd *r, size_t n)
{
    if (r->err)
        return NULL;
    /* off <= len always holds, so len - off cannot wrap; off + n could */
    if (n > r->len - r->off) {
        r->err = SMB_E_TRUNCATED;
        return NULL;
    }
    const uint8_t *q = r->p + r->off;
    r->off += n;
    return q;
}

uint8_t rd_u8(smb_rd *r)
{
    const uint8_t *q = take(r, 1);
    return q ? q[0] : 0;
}
uint16_t rd_u16le(smb_rd *r)
{
    const uint8_t *q = take(r, 2);
    return q ? le16(q) : 0;
}
uint32_t rd_u32le(smb_rd *r)
{
    const uint8_t *q = take(r, 4);
    return q ? le32(q) : 0;
}
uint64_t rd_u64le(smb_rd *r)
{
    const uint8_t *q = take(r, 8);
    return q ? le64(q) : 0;
}
uint16_t rd_u16be(smb_rd *r)
{
    const uint8_t *q = take(r, 2);
    return q ? (uint16_t)((q[0] << 8) | q[1]) : 0;
}
uint32_t rd_u32be(smb_rd *r)
{
    const uint8_t *q = take(r, 4);
    return q ? ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) | q[3] : 0;
}
const uint8_t *rd_bytes(smb_rd *r, size_t n) { return take(r, n); }
void rd_copy(smb_rd *r, void *dst, size_t n)
{
    const uint8_t *q = take(r, n);
    if (q)
        memcpy(dst, q, n);
    else if (n)
        memset(dst, 0, n);
}
void rd_skip(smb_rd *r, size_t n) { (void)take(r, n); }

void rd_seek(smb_rd *r, uint64_t off)
{
    if (r->err)
        return;
    if (off > r->len) {
        r->err = SMB_E_TRUNCATED;
        return;
    }
    r->off = (size_t)off;
}

void rd_align(smb_rd *r, size_t a)
{
    if (a > 1 && r->off % a)
        rd_skip(r, a - r->off % a);
}

smb_rd rd_sub(smb_rd *r, uint64_t off, uint64_t len)
{
    smb_rd s;
    if (r->err || off > r->len || len > r->len - off) {
        rd_fail(r, SMB_E_TRUNCATED);
        rd_init(&s, NULL, 0);
        s.err = r->err;
        return s;
    }
    rd_init(&s, r->p + off, (size_t)len);
    return s;
}

void wr_init(smb_wr *w, void *p, size_t cap)
{
    w->p = p;
    w->cap = p ? cap : 0;
    w->off = 0;
    w->err = SMB_OK;
}

void wr_fail(smb_wr *w, smb_status st)
{
    if (w->err == SMB_OK)
        w->err = st;
}

static uint8_t *room(smb_wr *w, size_t n)
{
    if (w->err)
        return NULL;
    if ((uint64_t)w->off + (uint64_t)n > (uint64_t)w->cap) {
        w->err = SMB_E_OVERFLOW;
        return NULL;
    }
    uint8_t *q = w->p + w->off;
    w->off += n;
    return q;
}

void wr_u8(smb_wr *w, uint8_t v)
{
    uint8_t *q = room(w, 1);
    if (q)
        q[0] = v;
}
void wr_u16le(smb_wr *w, uint16_t v)
{
    uint8_t *q = room(w, 2);
    if (q)
        put_le16(q, v);
}
void wr_u32le(smb_wr *w, uint32_t v)
{
    uint8_t *q = room(w, 4);
    if (q)
        put_le32(q, v);
}
void wr_u64le(smb_wr *w, uint64_t v)
{
    uint8_t *q = room(w, 8);
    if (q)
        put_le64(q, v);
}
void wr_u16be(smb_wr *w, uint16_t v)
{
    uint8_t *q = room(w, 2);
    if (q) {
        q[0] = (uint8_t)(v >> 8);
        q[1] = (uint8_t)v;
    }
}
void wr_u32be(smb_wr *w, uint32_t v)
{
    uint8_t *q = room(w, 4);
    if (q) {
        q[0] = (uint8_t)(v >> 24);
        q[1] = (uint8_t)(v >> 16);
        q[2] = (uint8_t)(v >> 8);
        q[3] = (uint8_t)v;
    }
}
void wr_bytes(smb_wr *w, const void *src, size_t n)
{
    uint8_t *q = room(w, n);
    if (q && n)
        memcpy(q, src, n);
}
void wr_zero(smb_wr *w, size_t n)
{
    uint8_t *q = room(w, n);
    if (q && n)
        memset(q, 0, n);
}
void wr_align(smb_wr *w, size_t a)
{
    if (a > 1 && w->off % a)
        wr_zero(w, a - w->off % a);
}
size_t wr_reserve(smb_wr *w, size_t n)
{
    size_t off = w->off;
    wr_zero(w, n);
    return off;
}
void wr_patch_u16le(smb_wr *w, size_t off, uint16_t v)
{
    if (!w->err && off + 2 <= w->off)
        put_le16(w->p + off, v);
}
void wr_patch_u32le(smb_wr *w, size_t off, uint32_t v)
{
    if (!w->err && off + 4 <= w->off)
        put_le32(w->p + off, v);
}
void wr_patch_u32be(smb_wr *w, size_t off, uint32_t v)
{
    if (!w->err && off + 4 <= w->off) {
        w->p[off] = (uint8_t)(v >> 24);
        w->p[off + 1] = (uint8_t)(v >> 16);
        w->p[off + 2] = (uint8_t)(v >> 8);
        w->p[off + 3] = (uint8_t)v;
    }
}
