/*
 * base/buf.h - bounds-checked byte reader and writer with sticky errors.
 *
 * Contract: every decoder in smbsign reads received bytes only through an
 * smb_rd. The first failed read sets rd->err (SMB_E_TRUNCATED) and every later
 * read returns zero / NULL without touching memory, so a chain of reads is
 * checked once at the end with rd_ok(). Offsets and lengths are checked in
 * 64-bit arithmetic. Readers never allocate and never own the bytes.
 *
 * The writer mirrors it: writes past the capacity set wr->err
 * (SMB_E_OVERFLOW) and are dropped; the caller owns the buffer.
 */
#ifndef SMBSIGN_BASE_BUF_H
#define SMBSIGN_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"

typedef struct smb_rd {
    const uint8_t *p; /* start of the readable window */
    size_t len;       /* window length */
    size_t off;       /* current offset in the window */
    smb_status err;   /* first error, SMB_OK while all reads fit */
} smb_rd;

void rd_init(smb_rd *r, const void *p, size_t len);
static inline bool rd_ok(const smb_rd *r) { return r->err == SMB_OK; }
static inline size_t rd_remaining(const smb_rd *r) { return r->err ? 0 : r->len - r->off; }
static inline size_t rd_offset(const smb_rd *r) { return r->off; }
/* Set an error (first one sticks), e.g. when a decoded value is invalid. */
void rd_fail(smb_rd *r, smb_status st);

uint8_t rd_u8(smb_rd *r);
uint16_t rd_u16le(smb_rd *r);
uint32_t rd_u32le(smb_rd *r);
uint64_t rd_u64le(smb_rd *r);
uint16_t rd_u16be(smb_rd *r);
uint32_t rd_u32be(smb_rd *r);
/* Pointer to the next n bytes (advancing), or NULL on error. */
const uint8_t *rd_bytes(smb_rd *r, size_t n);
/* Copy n bytes into dst (zero-filled on error). */
void rd_copy(smb_rd *r, void *dst, size_t n);
void rd_skip(smb_rd *r, size_t n);
/* Move to absolute offset off in the window (off <= len). */
void rd_seek(smb_rd *r, uint64_t off);
/* Skip to the next multiple of a (relative to the window start). */
void rd_align(smb_rd *r, size_t a);
/* A new reader over [off, off+len) of r's window (absolute offsets within
 * the window, as wire offsets usually are). On a bad range both r and the
 * returned reader carry SMB_E_TRUNCATED. */
smb_rd rd_sub(smb_rd *r, uint64_t off, uint64_t len);

typedef struct smb_wr {
    uint8_t *p;
    size_t cap;
    size_t off;
    smb_status err;
} smb_wr;

void wr_init(smb_wr *w, void *p, size_t cap);
static inline bool wr_ok(const smb_wr *w) { return w->err == SMB_OK; }
static inline size_t wr_len(const smb_wr *w) { return w->off; }
void wr_fail(smb_wr *w, smb_status st);
void wr_u8(smb_wr *w, uint8_t v);
void wr_u16le(smb_wr *w, uint16_t v);
void wr_u32le(smb_wr *w, uint32_t v);
void wr_u64le(smb_wr *w, uint64_t v);
void wr_u16be(smb_wr *w, uint16_t v);
void wr_u32be(smb_wr *w, uint32_t v);
/* src may be the writer's own position (bytes produced in place): then nothing is copied */
void wr_bytes(smb_wr *w, const void *src, size_t n);
void wr_zero(smb_wr *w, size_t n);
/* Pad with zeros to a multiple of a (relative to the buffer start). */
void wr_align(smb_wr *w, size_t a);
/* Reserve n zero bytes and return their offset, to be patched later. */
size_t wr_reserve(smb_wr *w, size_t n);
void wr_patch_u16le(smb_wr *w, size_t off, uint16_t v);
void wr_patch_u32le(smb_wr *w, size_t off, uint32_t v);
void wr_patch_u32be(smb_wr *w, size_t off, uint32_t v);

/* Plain little-endian loads/stores for already-checked memory. */
static inline uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32); }
static inline void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#endif
