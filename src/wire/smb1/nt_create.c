/* wire/smb1/nt_create.c - SMB_COM_NT_CREATE_ANDX (MS-CIFS 2.2.4.64; request
 * WordCount 24, response WordCount 34). */
#include <string.h>

#include "base/utf16.h"
#include "wire/smb1/commands.h"

smb_status smb1_nt_create_req_encode(smb_wr *w, size_t hdr_off, const struct smb1_nt_create_req *q,
                                     const char *name_utf8)
{
    uint8_t u[SMB1_PATH_MAX_U16];
    size_t ul = 0;
    smb_status st = smb_utf8_to_utf16le(name_utf8, strlen(name_utf8), u, sizeof u, &ul);
    if (st != SMB_OK)
        return st;
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    wr_u8(w, SMB1_COM_NO_ANDX_COMMAND);
    wr_u8(w, 0);
    wr_u16le(w, 0);
    wr_u8(w, 0);
    wr_u16le(w, (uint16_t)ul); /* NameLength in bytes, NUL excluded */
    wr_u32le(w, q->flags);
    wr_u32le(w, q->root_fid);
    wr_u32le(w, q->desired_access);
    wr_u64le(w, q->allocation_size);
    wr_u32le(w, q->ext_attributes);
    wr_u32le(w, q->share_access);
    wr_u32le(w, q->disposition);
    wr_u32le(w, q->options);
    wr_u32le(w, q->impersonation);
    wr_u8(w, q->security_flags);
    smb1_wr_words_done(w, &m);
    smb1_wr_align2(w, &m);
    wr_bytes(w, u, ul);
    wr_u16le(w, 0);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_nt_create_req_decode(const struct smb1_block *b, struct smb1_nt_create_req *q)
{
    memset(q, 0, sizeof *q);
    if (smb1_expect_words(b, 24) != SMB_OK)
        return SMB_E_MALFORMED;
    smb_rd r;
    rd_init(&r, b->words, 48);
    rd_skip(&r, 5);
    uint16_t nlen = rd_u16le(&r);
    q->flags = rd_u32le(&r);
    q->root_fid = rd_u32le(&r);
    q->desired_access = rd_u32le(&r);
    q->allocation_size = rd_u64le(&r);
    q->ext_attributes = rd_u32le(&r);
    q->share_access = rd_u32le(&r);
    q->disposition = rd_u32le(&r);
    q->options = rd_u32le(&r);
    q->impersonation = rd_u32le(&r);
    q->security_flags = rd_u8(&r);
    if (!rd_ok(&r))
        return SMB_E_MALFORMED;
    size_t off = (b->bytes_off & 1) ? 1 : 0; /* Unicode pad */
    if (nlen > SMB1_PATH_MAX_U16 || (nlen & 1) || off + nlen > b->byte_count)
        return SMB_E_MALFORMED;
    q->name = b->bytes + off;
    q->name_len = nlen;
    /* some clients count the terminating NUL in NameLength */
    if (q->name_len >= 2 && q->name[q->name_len - 2] == 0 && q->name[q->name_len - 1] == 0)
        q->name_len -= 2;
    return SMB_OK;
}

smb_status smb1_nt_create_rsp_encode(smb_wr *w, size_t hdr_off, const struct smb1_nt_create_rsp *s)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    wr_u8(w, SMB1_COM_NO_ANDX_COMMAND);
    wr_u8(w, 0);
    wr_u16le(w, 0);
    wr_u8(w, s->oplock_level);
    wr_u16le(w, s->fid);
    wr_u32le(w, s->disposition);
    wr_u64le(w, s->create_time);
    wr_u64le(w, s->access_time);
    wr_u64le(w, s->write_time);
    wr_u64le(w, s->change_time);
    wr_u32le(w, s->ext_attributes);
    wr_u64le(w, s->allocation_size);
    wr_u64le(w, s->end_of_file);
    wr_u16le(w, s->resource_type);
    wr_u16le(w, s->pipe_status);
    wr_u8(w, s->directory);
    smb1_wr_words_done(w, &m);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_nt_create_rsp_decode(const struct smb1_block *b, struct smb1_nt_create_rsp *s)
{
    memset(s, 0, sizeof *s);
    if (b->word_count != 34 && b->word_count != 42) /* 42: MS-SMB extended response (prefix identical) */
        return SMB_E_MALFORMED;
    smb_rd r;
    rd_init(&r, b->words, 68);
    rd_skip(&r, 4);
    s->oplock_level = rd_u8(&r);
    s->fid = rd_u16le(&r);
    s->disposition = rd_u32le(&r);
    s->create_time = rd_u64le(&r);
    s->access_time = rd_u64le(&r);
    s->write_time = rd_u64le(&r);
    s->change_time = rd_u64le(&r);
    s->ext_attributes = rd_u32le(&r);
    s->allocation_size = rd_u64le(&r);
    s->end_of_file = rd_u64le(&r);
    s->resource_type = rd_u16le(&r);
    s->pipe_status = rd_u16le(&r);
    s->directory = rd_u8(&r);
    return rd_ok(&r) ? SMB_OK : SMB_E_MALFORMED;
}
