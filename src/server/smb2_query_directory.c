/* server/smb2_query_directory.c - QUERY_DIRECTORY (MS-SMB2 3.3.5.18, MS-FSCC 2.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf16.h"
#include "server/smb2_open.h"
#include "wire/smb2/query_directory.h"

/* ------------------------------------------------------------------ */
/* QUERY_DIRECTORY (MS-SMB2 3.3.5.18, MS-FSCC 2.4)                        */


/* Encode one entry at the writer (8-aligned by the caller). Returns bytes
 * written, or 0 when it does not fit in limit. */
static size_t put_dirent(smb_wr *w, size_t limit, int cls, const struct srv_dirent *e)
{
    uint8_t name[2 * (SRV_NAME_MAX + 1)];
    size_t nl = 0;
    if (smb_utf8_to_utf16le(e->name, strlen(e->name), name, sizeof name, &nl) != SMB_OK)
        return 0;
    size_t fixed;
    switch (cls) {
    case SMB2_FILE_DIRECTORY_INFORMATION: fixed = 64; break;
    case SMB2_FILE_FULL_DIRECTORY_INFORMATION: fixed = 68; break;
    case SMB2_FILE_BOTH_DIRECTORY_INFORMATION: fixed = 94; break;
    case SMB2_FILE_NAMES_INFORMATION: fixed = 12; break;
    case SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION: fixed = 104; break;
    case SMB2_FILE_ID_FULL_DIRECTORY_INFORMATION: fixed = 80; break;
    default: return 0;
    }
    size_t total = fixed + nl;
    if (total > limit || w->cap - w->off < total)
        return 0;
    size_t start = w->off;
    wr_u32le(w, 0); /* NextEntryOffset, patched by the caller */
    wr_u32le(w, 0); /* FileIndex */
    if (cls == SMB2_FILE_NAMES_INFORMATION) {
        wr_u32le(w, (uint32_t)nl);
        wr_bytes(w, name, nl);
        return w->off - start;
    }
    srv_put_times(w, &e->st);
    wr_u64le(w, srv_eof_of(&e->st));
    wr_u64le(w, srv_alloc_of(&e->st));
    wr_u32le(w, srv_attrs_of(&e->st));
    wr_u32le(w, (uint32_t)nl);
    if (cls != SMB2_FILE_DIRECTORY_INFORMATION)
        wr_u32le(w, 0); /* EaSize */
    if (cls == SMB2_FILE_BOTH_DIRECTORY_INFORMATION || cls == SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION) {
        wr_u8(w, 0);     /* ShortNameLength */
        wr_u8(w, 0);     /* Reserved1 */
        wr_zero(w, 24);  /* ShortName */
    }
    if (cls == SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION)
        wr_u16le(w, 0); /* Reserved2 */
    if (cls == SMB2_FILE_ID_FULL_DIRECTORY_INFORMATION)
        wr_u32le(w, 0); /* Reserved */
    if (cls == SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION || cls == SMB2_FILE_ID_FULL_DIRECTORY_INFORMATION)
        wr_u64le(w, e->st.ino);
    wr_bytes(w, name, nl);
    return w->off - start;
}

smb_status srv_cmd_query_directory(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct smb2_query_directory_req q;
    if (smb2_query_directory_req_decode(&rq->body, &q) != SMB_OK || (q.pattern.len & 1))
        return SMB_E_INVALID_PARAMETER;
    uint8_t cls = q.info_class, flags = q.flags;
    uint32_t outlen = q.output_buffer_length;
    size_t nlen = q.pattern.len;
    struct srv_open *o = srv_open_find(c, rq, q.file_id);
    if (!o)
        return SMB_E_FILE_CLOSED;
    if (!o->is_dir)
        return SMB_E_INVALID_PARAMETER;
    if (cls != SMB2_FILE_DIRECTORY_INFORMATION && cls != SMB2_FILE_FULL_DIRECTORY_INFORMATION &&
        cls != SMB2_FILE_BOTH_DIRECTORY_INFORMATION && cls != SMB2_FILE_NAMES_INFORMATION &&
        cls != SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION && cls != SMB2_FILE_ID_FULL_DIRECTORY_INFORMATION)
        return SMB_E_INVALID_INFO_CLASS;
    if (outlen > c->ctx->cfg.max_io)
        outlen = c->ctx->cfg.max_io;
    bool restart = flags & (SMB2_RESTART_SCANS | SMB2_REOPEN);
    if (nlen) {
        const uint8_t *pat = q.pattern.p;
        char p[SRV_NAME_MAX + 1];
        size_t pl;
        if (!pat || smb_utf16le_to_utf8(pat, nlen, p, sizeof p, &pl) != SMB_OK)
            return SMB_E_OBJECT_NAME_INVALID;
        if (strcmp(p, o->pattern) != 0 && o->listed && !restart) {
            /* a new pattern restarts the scan */
            restart = true;
        }
        memcpy(o->pattern, p, pl + 1);
    }
    if (!o->listed || restart) {
        free(o->ents);
        o->ents = NULL;
        o->n_ents = o->pos = 0;
        smb_status st = srv_fh_readdir(o->fh, &o->ents, &o->n_ents);
        if (st != SMB_OK)
            return st;
        o->listed = true;
    }
    /* MS-SMB2 2.2.34: the entries are written in place after the 8-byte
     * fixed part; the encoder then writes around them */
    smb_wr dw;
    size_t at = w->off + 8;
    wr_init(&dw, w->p + at, w->cap > at ? w->cap - at : 0);
    size_t last = SIZE_MAX;
    int count = 0;
    while (o->pos < o->n_ents) {
        const struct srv_dirent *e = &o->ents[o->pos];
        if (!srv_vfs_match(o->pattern, e->name)) {
            o->pos++;
            continue;
        }
        size_t pad = (8 - (dw.off & 7)) & 7;
        if (count > 0 && dw.off + pad >= outlen)
            break;
        size_t save = dw.off;
        if (count > 0)
            wr_zero(&dw, pad);
        size_t n = put_dirent(&dw, outlen - dw.off, cls, e);
        if (n == 0) {
            dw.off = save;
            if (count == 0)
                return SMB_E_INFO_LENGTH_MISMATCH; /* not even one entry fits */
            break;
        }
        if (last != SIZE_MAX)
            wr_patch_u32le(&dw, last, (uint32_t)(dw.off - n - last));
        last = dw.off - n;
        count++;
        o->pos++;
        if (flags & SMB2_RETURN_SINGLE_ENTRY)
            break;
    }
    if (count == 0) {
        /* MS-SMB2 3.3.5.18: nothing matched at all on the first query ->
         * STATUS_NO_SUCH_FILE, else STATUS_NO_MORE_FILES. */
        bool none_match = true;
        for (size_t i = 0; i < o->n_ents && none_match; i++)
            none_match = !srv_vfs_match(o->pattern, o->ents[i].name);
        return none_match ? SMB_E_NO_SUCH_FILE : SMB_E_NO_MORE_FILES;
    }
    if (!wr_ok(&dw))
        return SMB_E_INTERNAL_ERROR;
    const struct smb2_query_directory_resp resp = {{dw.p, dw.off}};
    smb2_query_directory_resp_encode(w, &resp);
    rq->body_written = true;
    return SMB_OK;
}

