/* wire/smb1/trans2.c - SMB_COM_TRANSACTION2 framing (MS-CIFS 2.2.4.46). */
#include "wire/smb1/trans2.h"

#include <string.h>

/* [off, off+n) inside the block's Bytes */
static bool in_bytes(const struct smb1_block *b, uint16_t off, uint16_t n)
{
    return n == 0 || ((size_t)off >= b->bytes_off && (size_t)off + n <= b->end);
}

smb_status smb1_trans2_req_decode(const uint8_t *msg, size_t len, const struct smb1_block *b,
                                  struct smb1_trans2_req *q)
{
    memset(q, 0, sizeof *q);
    if (b->word_count < 14 || b->end > len)
        return SMB_E_MALFORMED;
    const uint8_t *p = b->words;
    q->total_param = le16(p);
    q->total_data = le16(p + 2);
    q->max_param = le16(p + 4);
    q->max_data = le16(p + 6);
    q->param_len = le16(p + 18);
    uint16_t poff = le16(p + 20);
    q->data_len = le16(p + 22);
    uint16_t doff = le16(p + 24);
    q->setup_count = p[26];
    if (q->setup_count > SMB1_TRANS2_MAX_SETUP || b->word_count != 14 + q->setup_count)
        return SMB_E_MALFORMED; /* a WordCount that disagrees with SetupCount */
    for (unsigned i = 0; i < q->setup_count; i++)
        q->setup[i] = le16(p + 28 + 2 * i);
    if (q->param_len != q->total_param || q->data_len != q->total_data)
        return SMB_E_NOT_SUPPORTED; /* multi-fragment transactions are not accepted */
    if (!in_bytes(b, poff, q->param_len) || !in_bytes(b, doff, q->data_len))
        return SMB_E_MALFORMED;
    q->param = q->param_len ? msg + poff : NULL; /* offsets of empty ranges are not checked */
    q->data = q->data_len ? msg + doff : NULL;
    return SMB_OK;
}

smb_status smb1_trans2_req_encode(smb_wr *w, size_t hdr_off, uint16_t subcommand, const uint8_t *param,
                                  uint16_t plen, const uint8_t *data, uint16_t dlen, uint16_t max_data)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    wr_u16le(w, plen);
    wr_u16le(w, dlen);
    wr_u16le(w, 256);      /* MaxParameterCount */
    wr_u16le(w, max_data); /* MaxDataCount */
    wr_u8(w, 0);
    wr_u8(w, 0);
    wr_u16le(w, 0); /* Flags */
    wr_u32le(w, 0); /* Timeout */
    wr_u16le(w, 0);
    wr_u16le(w, plen);
    size_t poff_at = wr_reserve(w, 2);
    wr_u16le(w, dlen);
    size_t doff_at = wr_reserve(w, 2);
    wr_u8(w, 1); /* SetupCount */
    wr_u8(w, 0);
    wr_u16le(w, subcommand);
    smb1_wr_words_done(w, &m);
    while (smb1_wr_msg_off(w, &m) & 3)
        wr_u8(w, 0);
    wr_patch_u16le(w, poff_at, (uint16_t)smb1_wr_msg_off(w, &m));
    wr_bytes(w, param, plen);
    while (smb1_wr_msg_off(w, &m) & 3)
        wr_u8(w, 0);
    wr_patch_u16le(w, doff_at, (uint16_t)(dlen ? smb1_wr_msg_off(w, &m) : 0));
    wr_bytes(w, data, dlen);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_trans2_rsp_encode(smb_wr *w, size_t hdr_off, const uint8_t *param, uint16_t plen,
                                  const uint8_t *data, uint16_t dlen)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    wr_u16le(w, plen);
    wr_u16le(w, dlen);
    wr_u16le(w, 0);
    wr_u16le(w, plen);
    size_t poff_at = wr_reserve(w, 2);
    wr_u16le(w, 0); /* ParameterDisplacement */
    wr_u16le(w, dlen);
    size_t doff_at = wr_reserve(w, 2);
    wr_u16le(w, 0); /* DataDisplacement */
    wr_u8(w, 0);    /* SetupCount */
    wr_u8(w, 0);
    smb1_wr_words_done(w, &m);
    while (smb1_wr_msg_off(w, &m) & 3)
        wr_u8(w, 0);
    wr_patch_u16le(w, poff_at, (uint16_t)smb1_wr_msg_off(w, &m));
    wr_bytes(w, param, plen);
    while (smb1_wr_msg_off(w, &m) & 3)
        wr_u8(w, 0);
    wr_patch_u16le(w, doff_at, (uint16_t)smb1_wr_msg_off(w, &m));
    wr_bytes(w, data, dlen);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_trans2_rsp_decode(const uint8_t *msg, size_t len, const struct smb1_block *b,
                                  const uint8_t **param, uint16_t *plen, const uint8_t **data, uint16_t *dlen)
{
    if (b->word_count < 10 || b->end > len)
        return SMB_E_MALFORMED;
    const uint8_t *p = b->words;
    uint16_t pc = le16(p + 6), po = le16(p + 8), dc = le16(p + 12), dof = le16(p + 14);
    if (le16(p) != pc || le16(p + 2) != dc || b->word_count != 10 + p[18])
        return SMB_E_MALFORMED;
    if (!in_bytes(b, po, pc) || !in_bytes(b, dof, dc))
        return SMB_E_MALFORMED;
    *param = pc ? msg + po : NULL;
    *plen = pc;
    *data = dc ? msg + dof : NULL;
    *dlen = dc;
    return SMB_OK;
}
