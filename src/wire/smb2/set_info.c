/* wire/smb2/set_info.c - SET_INFO (MS-SMB2 2.2.39, 2.2.40; MS-FSCC 2.4). */
#include <string.h>

#include "wire/smb2/set_info.h"

void smb2_set_info_req_encode(smb_wr *w, const struct smb2_set_info_req *q)
{
    wr_u16le(w, 33);
    wr_u8(w, q->info_type);
    wr_u8(w, q->info_class);
    wr_u32le(w, (uint32_t)q->buffer.len);
    wr_u16le(w, (uint16_t)(SMB2_HDR_LEN + 32));
    wr_u16le(w, 0);
    wr_u32le(w, q->additional_information);
    smb2_wr_fileid(w, &q->file_id);
    if (q->buffer.len)
        wr_bytes(w, q->buffer.p, q->buffer.len);
    else
        wr_u8(w, 0);
}

smb_status smb2_set_info_req_decode(smb_rd *r, struct smb2_set_info_req *q)
{
    smb2_rd_ss(r, 33);
    q->info_type = rd_u8(r);
    q->info_class = rd_u8(r);
    uint32_t len = rd_u32le(r);
    uint16_t off = rd_u16le(r);
    rd_skip(r, 2);
    q->additional_information = rd_u32le(r);
    smb2_rd_fileid(r, &q->file_id);
    q->buffer = smb2_rd_buf(r, off, len);
    return smb2_rd_status(r);
}

void smb2_set_info_resp_encode(smb_wr *w) { wr_u16le(w, 2); }

smb_status smb2_set_info_resp_decode(smb_rd *r)
{
    smb2_rd_ss(r, 2);
    return smb2_rd_status(r);
}

smb_status smb2_rename_info_encode(bool replace, struct smb2_buf name, uint8_t *out, size_t cap, size_t *len)
{
    smb_wr w;
    wr_init(&w, out, cap);
    wr_u8(&w, replace ? 1 : 0);
    wr_zero(&w, 7);
    wr_u64le(&w, 0); /* RootDirectory */
    wr_u32le(&w, (uint32_t)name.len);
    wr_bytes(&w, name.p, name.len);
    if (!wr_ok(&w))
        return w.err;
    *len = wr_len(&w);
    return SMB_OK;
}

smb_status smb2_rename_info_decode(struct smb2_buf b, bool *replace, struct smb2_buf *name)
{
    smb_rd r;
    rd_init(&r, b.p, b.len);
    *replace = rd_u8(&r) != 0;
    rd_skip(&r, 15);
    uint32_t nl = rd_u32le(&r);
    name->p = rd_bytes(&r, nl);
    name->len = nl;
    if (rd_ok(&r) && nl % 2)
        return SMB_E_MALFORMED;
    return rd_ok(&r) ? SMB_OK : r.err;
}

void smb2_disposition_info_encode(bool delete_pending, uint8_t out[1]) { out[0] = delete_pending ? 1 : 0; }

void smb2_eof_info_encode(uint64_t eof, uint8_t out[8]) { put_le64(out, eof); }

void smb2_basic_info_encode(uint64_t ctime, uint64_t atime, uint64_t wtime, uint64_t chtime, uint32_t attrs,
                            uint8_t out[40])
{
    put_le64(out, ctime);
    put_le64(out + 8, atime);
    put_le64(out + 16, wtime);
    put_le64(out + 24, chtime);
    put_le32(out + 32, attrs);
    put_le32(out + 36, 0);
}
