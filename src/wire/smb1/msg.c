/* wire/smb1/msg.c - SMB1 command blocks, AndX chain walking, block writer (MS-CIFS 2.2.3, 2.2.4). */
#include "wire/smb1/msg.h"

#include <string.h>

#include "base/utf16.h"

smb_status smb1_block_parse(const uint8_t *msg, size_t len, size_t off, uint8_t command, struct smb1_block *b)
{
    memset(b, 0, sizeof *b);
    if (len > SMB1_MAX_MSG)
        return SMB_E_MALFORMED;
    if (off < SMB1_HDR_LEN || off > len)
        return SMB_E_MALFORMED;
    smb_rd r;
    rd_init(&r, msg, len);
    rd_seek(&r, off);
    b->command = command;
    b->off = off;
    b->word_count = rd_u8(&r);
    b->words = rd_bytes(&r, (size_t)b->word_count * 2); /* a WordCount that lies runs past the end */
    b->byte_count = rd_u16le(&r);
    b->bytes_off = rd_offset(&r);
    b->bytes = rd_bytes(&r, b->byte_count); /* so does a ByteCount */
    if (!rd_ok(&r))
        return SMB_E_TRUNCATED;
    b->end = rd_offset(&r);
    return SMB_OK;
}

bool smb1_is_andx(uint8_t c)
{
    switch (c) {
    case SMB1_COM_SESSION_SETUP_ANDX:
    case SMB1_COM_TREE_CONNECT_ANDX:
    case SMB1_COM_LOGOFF_ANDX:
    case SMB1_COM_NT_CREATE_ANDX:
    case SMB1_COM_READ_ANDX:
    case SMB1_COM_WRITE_ANDX:
    case SMB1_COM_LOCKING_ANDX:
        return true;
    default:
        return false;
    }
}

smb_status smb1_andx_next(const uint8_t *msg, size_t len, const struct smb1_block *b, uint8_t *next_cmd,
                          struct smb1_block *next)
{
    if (b->word_count < 2)
        return b->word_count == 0 ? (*next_cmd = SMB1_COM_NO_ANDX_COMMAND, SMB_OK) : SMB_E_MALFORMED;
    uint8_t cmd = b->words[0];
    uint16_t off = le16(b->words + 2);
    *next_cmd = cmd;
    if (cmd == SMB1_COM_NO_ANDX_COMMAND)
        return SMB_OK;
    /* Strictly forward, past this block's parameter words: no loops, no overlap with
     * our own words (MS-CIFS 2.2.4: AndXOffset is from the start of the header). */
    if ((size_t)off < b->off + 1 + (size_t)b->word_count * 2 || (size_t)off >= len)
        return SMB_E_MALFORMED;
    return smb1_block_parse(msg, len, off, cmd, next);
}

smb_status smb1_andx_walk(const uint8_t *msg, size_t len, struct smb1_block *out, size_t max, size_t *n)
{
    *n = 0;
    if (len < SMB1_HDR_LEN || memcmp(msg, SMB1_MAGIC, 4) != 0)
        return len < SMB1_HDR_LEN ? SMB_E_TRUNCATED : SMB_E_MALFORMED;
    struct smb1_block cur;
    smb_status st = smb1_block_parse(msg, len, SMB1_HDR_LEN, msg[4], &cur);
    if (st != SMB_OK)
        return st;
    for (size_t depth = 0;; depth++) {
        if (depth >= SMB1_MAX_ANDX || depth >= max)
            return SMB_E_MALFORMED;
        out[depth] = cur;
        *n = depth + 1;
        if (!smb1_is_andx(cur.command))
            return SMB_OK;
        uint8_t nc;
        struct smb1_block nb;
        if ((st = smb1_andx_next(msg, len, &cur, &nc, &nb)) != SMB_OK)
            return st;
        if (nc == SMB1_COM_NO_ANDX_COMMAND)
            return SMB_OK;
        cur = nb;
    }
}

void smb1_wr_begin(smb_wr *w, size_t hdr_off, struct smb1_wmark *m)
{
    m->hdr_off = hdr_off;
    m->wc_at = wr_reserve(w, 1);
    m->bc_at = 0;
}

void smb1_wr_patch_u8(smb_wr *w, size_t off, uint8_t v)
{
    if (wr_ok(w) && off < w->off)
        w->p[off] = v;
}

void smb1_wr_words_done(smb_wr *w, struct smb1_wmark *m)
{
    size_t n = wr_len(w) - m->wc_at - 1;
    if ((n & 1) || n > 510)
        wr_fail(w, SMB_E_BAD_ARGUMENT);
    smb1_wr_patch_u8(w, m->wc_at, (uint8_t)(n / 2));
    m->bc_at = wr_reserve(w, 2);
}

void smb1_wr_end(smb_wr *w, struct smb1_wmark *m)
{
    size_t n = wr_len(w) - m->bc_at - 2;
    if (n > 0xFFFF)
        wr_fail(w, SMB_E_BAD_ARGUMENT);
    wr_patch_u16le(w, m->bc_at, (uint16_t)n);
}

void smb1_wr_align2(smb_wr *w, const struct smb1_wmark *m)
{
    if (smb1_wr_msg_off(w, m) & 1)
        wr_u8(w, 0);
}

void smb1_wr_ustr(smb_wr *w, const char *s)
{
    uint8_t u[1024];
    size_t ul = 0;
    smb_status st = smb_utf8_to_utf16le(s, strlen(s), u, sizeof u, &ul);
    if (st != SMB_OK) {
        wr_fail(w, st); /* sticky, like every other writer error */
        return;
    }
    wr_bytes(w, u, ul);
    wr_u16le(w, 0);
}
