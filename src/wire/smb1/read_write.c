/* wire/smb1/read_write.c - SMB_COM_READ_ANDX (MS-CIFS 2.2.4.42, request WordCount 12,
 * response 12) and SMB_COM_WRITE_ANDX (2.2.4.43, request WordCount 14, response 6),
 * CLOSE (2.2.4.5) and ECHO (2.2.4.39). */
#include <string.h>

#include "wire/smb1/commands.h"

static void andx_none(smb_wr *w)
{
    wr_u8(w, SMB1_COM_NO_ANDX_COMMAND);
    wr_u8(w, 0);
    wr_u16le(w, 0);
}

smb_status smb1_write_req_encode(smb_wr *w, size_t hdr_off, const struct smb1_write_req *q)
{
    if (q->data_len > SMB1_MAX_IO)
        return SMB_E_BAD_ARGUMENT;
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    andx_none(w);
    wr_u16le(w, q->fid);
    wr_u32le(w, (uint32_t)q->offset);
    wr_u32le(w, 0); /* Timeout */
    wr_u16le(w, q->write_mode);
    wr_u16le(w, 0); /* Remaining */
    wr_u16le(w, 0); /* DataLengthHigh */
    wr_u16le(w, (uint16_t)q->data_len);
    /* DataOffset: header(32) + WordCount(1) + 28 + ByteCount(2) + 1 pad = 64 */
    size_t doff_at = wr_reserve(w, 2);
    wr_u32le(w, (uint32_t)(q->offset >> 32));
    smb1_wr_words_done(w, &m);
    wr_u8(w, 0); /* Pad */
    wr_patch_u16le(w, doff_at, (uint16_t)smb1_wr_msg_off(w, &m));
    wr_bytes(w, q->data, q->data_len);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_write_req_decode(const uint8_t *msg, size_t len, const struct smb1_block *b,
                                 struct smb1_write_req *q)
{
    memset(q, 0, sizeof *q);
    if (b->word_count != 14 && b->word_count != 12)
        return SMB_E_MALFORMED;
    const uint8_t *p = b->words;
    q->fid = le16(p + 4);
    q->offset = le32(p + 6);
    q->write_mode = le16(p + 14);
    uint32_t dlen = (uint32_t)le16(p + 20) | ((uint32_t)le16(p + 18) << 16);
    uint16_t doff = le16(p + 22);
    if (b->word_count == 14)
        q->offset |= (uint64_t)le32(p + 24) << 32;
    /* The data must lie inside this block's Bytes (a lying DataOffset/Length is refused). */
    if (dlen > SMB1_MAX_IO || doff < b->bytes_off || (uint64_t)doff + dlen > b->end || b->end > len)
        return SMB_E_MALFORMED;
    q->data = msg + doff;
    q->data_len = dlen;
    return SMB_OK;
}

smb_status smb1_write_rsp_encode(smb_wr *w, size_t hdr_off, uint32_t count)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    andx_none(w);
    wr_u16le(w, (uint16_t)count);
    wr_u16le(w, 0xFFFF);                  /* Available */
    wr_u16le(w, (uint16_t)(count >> 16)); /* CountHigh */
    wr_u16le(w, 0);
    smb1_wr_words_done(w, &m);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_write_rsp_decode(const struct smb1_block *b, uint32_t *count)
{
    if (smb1_expect_words(b, 6) != SMB_OK)
        return SMB_E_MALFORMED;
    *count = (uint32_t)le16(b->words + 4) | ((uint32_t)le16(b->words + 8) << 16);
    return SMB_OK;
}

smb_status smb1_read_req_encode(smb_wr *w, size_t hdr_off, const struct smb1_read_req *q)
{
    if (q->max_count > SMB1_MAX_IO)
        return SMB_E_BAD_ARGUMENT;
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    andx_none(w);
    wr_u16le(w, q->fid);
    wr_u32le(w, (uint32_t)q->offset);
    wr_u16le(w, (uint16_t)q->max_count);
    wr_u16le(w, (uint16_t)q->max_count); /* MinCount */
    wr_u32le(w, 0);                      /* Timeout / MaxCountHigh */
    wr_u16le(w, 0);                      /* Remaining */
    wr_u32le(w, (uint32_t)(q->offset >> 32));
    smb1_wr_words_done(w, &m);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_read_req_decode(const struct smb1_block *b, struct smb1_read_req *q)
{
    memset(q, 0, sizeof *q);
    if (b->word_count != 12 && b->word_count != 10)
        return SMB_E_MALFORMED;
    const uint8_t *p = b->words;
    q->fid = le16(p + 4);
    q->offset = le32(p + 6);
    q->max_count = le16(p + 10);
    if (b->word_count == 12)
        q->offset |= (uint64_t)le32(p + 20) << 32;
    return SMB_OK;
}

smb_status smb1_read_rsp_encode(smb_wr *w, size_t hdr_off, const uint8_t *data, uint32_t len)
{
    if (len > SMB1_MAX_IO)
        return SMB_E_BAD_ARGUMENT;
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    andx_none(w);
    wr_u16le(w, 0xFFFF); /* Available */
    wr_u16le(w, 0);      /* DataCompactionMode */
    wr_u16le(w, 0);
    wr_u16le(w, (uint16_t)len);
    size_t doff_at = wr_reserve(w, 2);
    wr_u16le(w, 0); /* DataLengthHigh */
    wr_zero(w, 8);
    smb1_wr_words_done(w, &m);
    wr_u8(w, 0); /* Pad */
    wr_patch_u16le(w, doff_at, (uint16_t)smb1_wr_msg_off(w, &m));
    wr_bytes(w, data, len);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_read_rsp_decode(const uint8_t *msg, size_t len, const struct smb1_block *b,
                                const uint8_t **data, uint32_t *data_len)
{
    if (smb1_expect_words(b, 12) != SMB_OK)
        return SMB_E_MALFORMED;
    uint32_t dlen = (uint32_t)le16(b->words + 10) | ((uint32_t)le16(b->words + 14) << 16);
    uint16_t doff = le16(b->words + 12);
    if (dlen > SMB1_MAX_IO || (dlen && (doff < b->bytes_off || (uint64_t)doff + dlen > b->end)) ||
        b->end > len)
        return SMB_E_MALFORMED;
    *data = dlen ? msg + doff : NULL; /* an unchecked offset is never turned into a pointer */
    *data_len = dlen;
    return SMB_OK;
}

smb_status smb1_close_req_encode(smb_wr *w, size_t hdr_off, uint16_t fid)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    wr_u16le(w, fid);
    wr_u32le(w, 0xFFFFFFFFu); /* LastTimeModified: leave unchanged */
    smb1_wr_words_done(w, &m);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_close_req_decode(const struct smb1_block *b, uint16_t *fid)
{
    if (smb1_expect_words(b, 3) != SMB_OK)
        return SMB_E_MALFORMED;
    *fid = le16(b->words);
    return SMB_OK;
}

smb_status smb1_echo_req_encode(smb_wr *w, size_t hdr_off, uint16_t count, const uint8_t *data, uint16_t len)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    wr_u16le(w, count);
    smb1_wr_words_done(w, &m);
    wr_bytes(w, data, len);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_echo_req_decode(const struct smb1_block *b, uint16_t *count)
{
    if (smb1_expect_words(b, 1) != SMB_OK)
        return SMB_E_MALFORMED;
    *count = le16(b->words);
    return SMB_OK;
}

smb_status smb1_echo_rsp_encode(smb_wr *w, size_t hdr_off, uint16_t seq, const uint8_t *data, uint16_t len)
{
    return smb1_echo_req_encode(w, hdr_off, seq, data, len);
}
