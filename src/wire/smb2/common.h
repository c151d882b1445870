/*
 * wire/smb2/common.h - helpers shared by the per-command SMB2 codecs.
 *
 * Contract for every codec in wire/smb2/<command>.{c,h}:
 *  - Encoders take an smb_wr whose buffer starts with the 64-byte SMB2 header
 *    (written by the caller) and whose offset is 64; buffer offsets put on
 *    the wire are therefore wr_len() values, relative to the header as
 *    MS-SMB2 requires. Errors stick in the writer (SMB_E_OVERFLOW).
 *  - Decoders take an smb_rd over one whole SMB2 message (header included,
 *    one compound element) positioned at offset 64. They check
 *    StructureSize, and every (offset, length) pair against the message;
 *    the variable parts they return point into the caller's buffer.
 *    Results: SMB_OK, SMB_E_TRUNCATED or SMB_E_MALFORMED.
 */
#ifndef SMBSIGN_WIRE_SMB2_COMMON_H
#define SMBSIGN_WIRE_SMB2_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "wire/smb2/header.h"

struct smb2_buf {
    const uint8_t *p;
    size_t len;
};

struct smb2_fileid {
    uint64_t persistent;
    uint64_t volatile_;
};

/* Read StructureSize and check it equals want (SMB_E_MALFORMED otherwise). */
static inline void smb2_rd_ss(smb_rd *r, uint16_t want)
{
    uint16_t ss = rd_u16le(r);
    if (rd_ok(r) && ss != want)
        rd_fail(r, SMB_E_MALFORMED);
}

/* A buffer at (off, len) relative to the message start; len 0 gives an empty
 * buffer whatever off says (peers put 0 or anything there). */
static inline struct smb2_buf smb2_rd_buf(smb_rd *msg, uint64_t off, uint64_t len)
{
    struct smb2_buf b = {NULL, 0};
    if (len == 0 || !rd_ok(msg))
        return b;
    if (off < SMB2_HDR_LEN) {
        rd_fail(msg, SMB_E_MALFORMED);
        return b;
    }
    smb_rd s = rd_sub(msg, off, len);
    if (!rd_ok(&s))
        return b;
    b.p = s.p;
    b.len = s.len;
    return b;
}

static inline void smb2_rd_fileid(smb_rd *r, struct smb2_fileid *f)
{
    f->persistent = rd_u64le(r);
    f->volatile_ = rd_u64le(r);
}

static inline void smb2_wr_fileid(smb_wr *w, const struct smb2_fileid *f)
{
    wr_u64le(w, f->persistent);
    wr_u64le(w, f->volatile_);
}

/* The responses made of StructureSize 9, OutputBufferOffset (16 bits),
 * OutputBufferLength (32 bits) and the buffer (QUERY_DIRECTORY, QUERY_INFO,
 * CHANGE_NOTIFY): the offset is 0x48 even with no output (as Windows), one
 * zero byte stands for an empty buffer; the output may already sit at the
 * writer's position + 8 (then nothing is copied). */
static inline void smb2_out9_encode(smb_wr *w, struct smb2_buf out)
{
    wr_u16le(w, 9);
    wr_u16le(w, SMB2_HDR_LEN + 8);
    wr_u32le(w, (uint32_t)out.len);
    if (out.len)
        wr_bytes(w, out.p, out.len);
    else
        wr_u8(w, 0);
}
static inline void smb2_out9_decode(smb_rd *r, struct smb2_buf *out)
{
    smb2_rd_ss(r, 9);
    uint16_t off = rd_u16le(r);
    uint32_t len = rd_u32le(r);
    *out = smb2_rd_buf(r, off, len);
}

static inline smb_status smb2_rd_status(const smb_rd *r) { return rd_ok(r) ? SMB_OK : r->err; }
static inline smb_status smb2_wr_status(const smb_wr *w) { return wr_ok(w) ? SMB_OK : w->err; }

#endif
