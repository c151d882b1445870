/* wire/smb1/tree_connect.c - SMB_COM_TREE_CONNECT_ANDX (MS-CIFS 2.2.4.55; request
 * WordCount 4, response WordCount 3), TREE_DISCONNECT and LOGOFF_ANDX bodies. */
#include <string.h>

#include "wire/smb1/commands.h"

smb_status smb1_tree_connect_req_encode(smb_wr *w, size_t hdr_off, const char *unc_path)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    wr_u8(w, SMB1_COM_NO_ANDX_COMMAND);
    wr_u8(w, 0);
    wr_u16le(w, 0);
    wr_u16le(w, 0x0008); /* TREE_CONNECT_ANDX_EXTENDED_RESPONSE not asked; bit 3 = extended signatures off */
    wr_u16le(w, 1);      /* PasswordLength: one NUL (user-level security) */
    smb1_wr_words_done(w, &m);
    wr_u8(w, 0); /* Password */
    smb1_wr_align2(w, &m);
    smb1_wr_ustr(w, unc_path);
    wr_bytes(w, "?????", 6);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_tree_connect_req_decode(const struct smb1_block *b, struct smb1_tree_connect_req *q)
{
    memset(q, 0, sizeof *q);
    if (smb1_expect_words(b, 4) != SMB_OK)
        return SMB_E_MALFORMED;
    q->flags = le16(b->words + 4);
    uint16_t plen = le16(b->words + 6);
    if (plen > b->byte_count)
        return SMB_E_MALFORMED;
    size_t off = plen;
    if ((b->bytes_off + off) & 1) /* Unicode alignment relative to the header */
        off++;
    /* Path: UTF-16LE up to a NUL code unit, inside the bytes */
    size_t i = off;
    for (; i + 1 < b->byte_count; i += 2)
        if (b->bytes[i] == 0 && b->bytes[i + 1] == 0)
            break;
    if (i + 1 >= b->byte_count || i - off > SMB1_PATH_MAX_U16)
        return SMB_E_MALFORMED;
    q->path = b->bytes + off;
    q->path_len = i - off;
    return SMB_OK;
}

smb_status smb1_tree_connect_rsp_encode(smb_wr *w, size_t hdr_off, uint16_t optional_support, bool ipc)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    wr_u8(w, SMB1_COM_NO_ANDX_COMMAND);
    wr_u8(w, 0);
    wr_u16le(w, 0);
    wr_u16le(w, optional_support);
    smb1_wr_words_done(w, &m);
    if (ipc)
        wr_bytes(w, "IPC", 4);
    else
        wr_bytes(w, "A:", 3);
    smb1_wr_align2(w, &m);
    smb1_wr_ustr(w, ipc ? "" : "NTFS"); /* NativeFileSystem */
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_tree_connect_rsp_decode(const struct smb1_block *b, uint16_t *optional_support)
{
    if (b->word_count != 3 && b->word_count != 7) /* 7: MS-SMB extended response */
        return SMB_E_MALFORMED;
    *optional_support = le16(b->words + 4);
    return SMB_OK;
}

smb_status smb1_logoff_encode(smb_wr *w, size_t hdr_off)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    wr_u8(w, SMB1_COM_NO_ANDX_COMMAND);
    wr_u8(w, 0);
    wr_u16le(w, 0);
    smb1_wr_words_done(w, &m);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_empty_encode(smb_wr *w, size_t hdr_off)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    smb1_wr_words_done(w, &m);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}
