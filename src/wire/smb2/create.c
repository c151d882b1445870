/* wire/smb2/create.c - CREATE (MS-SMB2 2.2.13, 2.2.14). */
#include "wire/smb2/create.h"

#include <string.h>

void smb2_create_req_encode(smb_wr *w, const struct smb2_create_req *q)
{
    if (q->name.len > 0xFFFF || q->contexts.len > 0xFFFFFF) {
        wr_fail(w, SMB_E_OVERFLOW);
        return;
    }
    wr_u16le(w, 57);
    wr_u8(w, q->security_flags);
    wr_u8(w, q->oplock_level);
    wr_u32le(w, q->impersonation_level);
    wr_u64le(w, 0); /* SmbCreateFlags */
    wr_u64le(w, 0); /* Reserved */
    wr_u32le(w, q->desired_access);
    wr_u32le(w, q->file_attributes);
    wr_u32le(w, q->share_access);
    wr_u32le(w, q->create_disposition);
    wr_u32le(w, q->create_options);
    wr_u16le(w, (uint16_t)(SMB2_HDR_LEN + 56));
    wr_u16le(w, (uint16_t)q->name.len);
    size_t ctx_off = wr_reserve(w, 4);
    wr_u32le(w, (uint32_t)q->contexts.len);
    if (q->name.len)
        wr_bytes(w, q->name.p, q->name.len);
    else if (!q->contexts.len)
        wr_u8(w, 0); /* Buffer: at least one byte */
    if (q->contexts.len) {
        wr_align(w, 8);
        wr_patch_u32le(w, ctx_off, (uint32_t)wr_len(w));
        wr_bytes(w, q->contexts.p, q->contexts.len);
    }
}

smb_status smb2_create_req_decode(smb_rd *r, struct smb2_create_req *q)
{
    smb2_rd_ss(r, 57);
    q->security_flags = rd_u8(r);
    q->oplock_level = rd_u8(r);
    q->impersonation_level = rd_u32le(r);
    rd_skip(r, 16);
    q->desired_access = rd_u32le(r);
    q->file_attributes = rd_u32le(r);
    q->share_access = rd_u32le(r);
    q->create_disposition = rd_u32le(r);
    q->create_options = rd_u32le(r);
    uint16_t noff = rd_u16le(r), nlen = rd_u16le(r);
    uint32_t coff = rd_u32le(r), clen = rd_u32le(r);
    q->name = smb2_rd_buf(r, noff, nlen);
    q->contexts = smb2_rd_buf(r, coff, clen);
    if (rd_ok(r) && (nlen % 2))
        rd_fail(r, SMB_E_MALFORMED);
    return smb2_rd_status(r);
}

void smb2_create_resp_encode(smb_wr *w, const struct smb2_create_resp *s)
{
    wr_u16le(w, 89);
    wr_u8(w, s->oplock_level);
    wr_u8(w, s->flags);
    wr_u32le(w, s->create_action);
    wr_u64le(w, s->creation_time);
    wr_u64le(w, s->last_access_time);
    wr_u64le(w, s->last_write_time);
    wr_u64le(w, s->change_time);
    wr_u64le(w, s->allocation_size);
    wr_u64le(w, s->end_of_file);
    wr_u32le(w, s->file_attributes);
    wr_u32le(w, 0);
    smb2_wr_fileid(w, &s->file_id);
    wr_u32le(w, s->contexts.len ? (uint32_t)(SMB2_HDR_LEN + SMB2_CREATE_RESP_FIXED) : 0);
    wr_u32le(w, (uint32_t)s->contexts.len);
    if (s->contexts.len)
        wr_bytes(w, s->contexts.p, s->contexts.len);
    else
        wr_u8(w, 0);
}

smb_status smb2_create_resp_decode(smb_rd *r, struct smb2_create_resp *s)
{
    smb2_rd_ss(r, 89);
    s->oplock_level = rd_u8(r);
    s->flags = rd_u8(r);
    s->create_action = rd_u32le(r);
    s->creation_time = rd_u64le(r);
    s->last_access_time = rd_u64le(r);
    s->last_write_time = rd_u64le(r);
    s->change_time = rd_u64le(r);
    s->allocation_size = rd_u64le(r);
    s->end_of_file = rd_u64le(r);
    s->file_attributes = rd_u32le(r);
    rd_skip(r, 4);
    smb2_rd_fileid(r, &s->file_id);
    uint32_t coff = rd_u32le(r), clen = rd_u32le(r);
    s->contexts = smb2_rd_buf(r, coff, clen);
    return smb2_rd_status(r);
}

void smb2_create_ctx_encode(smb_wr *w, const char name[4], const uint8_t *data, uint32_t dlen, bool last)
{
    size_t start = w->off;
    size_t padded = (24 + (size_t)dlen + 7) & ~(size_t)7;
    wr_u32le(w, last ? 0 : (uint32_t)padded);
    wr_u16le(w, 16); /* NameOffset */
    wr_u16le(w, 4);  /* NameLength */
    wr_u16le(w, 0);  /* Reserved */
    wr_u16le(w, 24); /* DataOffset */
    wr_u32le(w, dlen);
    wr_bytes(w, name, 4);
    wr_zero(w, 4); /* the name padded to 8 */
    wr_bytes(w, data, dlen);
    if (!last && wr_ok(w))
        wr_zero(w, padded - (w->off - start));
}

smb_status smb2_create_ctx_find(struct smb2_buf ctxs, const char name[4], struct smb2_buf *data)
{
    size_t off = 0;
    data->p = NULL;
    data->len = 0;
    while (ctxs.len) {
        smb_rd r;
        rd_init(&r, ctxs.p + off, ctxs.len - off);
        uint32_t next = rd_u32le(&r);
        uint16_t noff = rd_u16le(&r), nlen = rd_u16le(&r);
        rd_skip(&r, 2);
        uint16_t doff = rd_u16le(&r);
        uint32_t dlen = rd_u32le(&r);
        if (!rd_ok(&r))
            return SMB_E_MALFORMED;
        /* this entry ends at Next (or the chain's end); its name and data
         * must lie inside it (64-bit sums: no wrap) */
        uint64_t room = next ? next : ctxs.len - off;
        if ((next & 7) || room > ctxs.len - off || room < 16 || (uint64_t)noff + nlen > room ||
            (dlen && (uint64_t)doff + dlen > room))
            return SMB_E_MALFORMED;
        const uint8_t *e = ctxs.p + off;
        if (nlen == 4 && memcmp(e + noff, name, 4) == 0) {
            data->p = dlen ? e + doff : NULL;
            data->len = dlen;
            return SMB_OK;
        }
        if (!next)
            break;
        off += next;
    }
    return SMB_E_NOT_FOUND;
}

void smb2_lease_ctx_encode(smb_wr *w, const struct smb2_lease_ctx *l)
{
    uint8_t d[SMB2_LEASE_CTX_V2_LEN];
    smb_wr dw;
    wr_init(&dw, d, sizeof d);
    wr_bytes(&dw, l->key, 16);
    wr_u32le(&dw, l->state);
    wr_u32le(&dw, l->flags);
    wr_u64le(&dw, 0); /* LeaseDuration */
    if (l->version == 2) {
        wr_bytes(&dw, l->parent_key, 16);
        wr_u16le(&dw, l->epoch);
        wr_u16le(&dw, 0);
    }
    smb2_create_ctx_encode(w, "RqLs", d, (uint32_t)wr_len(&dw), true);
}

smb_status smb2_lease_ctx_decode(struct smb2_buf data, struct smb2_lease_ctx *l)
{
    memset(l, 0, sizeof *l);
    if (data.len != SMB2_LEASE_CTX_V1_LEN && data.len != SMB2_LEASE_CTX_V2_LEN)
        return SMB_E_MALFORMED;
    smb_rd r;
    rd_init(&r, data.p, data.len);
    l->version = data.len == SMB2_LEASE_CTX_V2_LEN ? 2 : 1;
    rd_copy(&r, l->key, 16);
    l->state = rd_u32le(&r);
    l->flags = rd_u32le(&r);
    rd_skip(&r, 8);
    if (l->version == 2) {
        rd_copy(&r, l->parent_key, 16);
        l->epoch = rd_u16le(&r);
        rd_skip(&r, 2);
    }
    return rd_ok(&r) ? SMB_OK : SMB_E_MALFORMED;
}
