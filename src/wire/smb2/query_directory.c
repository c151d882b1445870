/* wire/smb2/query_directory.c - QUERY_DIRECTORY (MS-SMB2 2.2.33, 2.2.34; MS-FSCC 2.4). */
#include <string.h>

#include "wire/smb2/query_directory.h"

void smb2_query_directory_req_encode(smb_wr *w, const struct smb2_query_directory_req *q)
{
    wr_u16le(w, 33);
    wr_u8(w, q->info_class);
    wr_u8(w, q->flags);
    wr_u32le(w, q->file_index);
    smb2_wr_fileid(w, &q->file_id);
    wr_u16le(w, q->pattern.len ? (uint16_t)(SMB2_HDR_LEN + 32) : 0);
    wr_u16le(w, (uint16_t)q->pattern.len);
    wr_u32le(w, q->output_buffer_length);
    if (q->pattern.len > 0xFFFF)
        wr_fail(w, SMB_E_OVERFLOW);
    else if (q->pattern.len)
        wr_bytes(w, q->pattern.p, q->pattern.len);
    else
        wr_u8(w, 0);
}

smb_status smb2_query_directory_req_decode(smb_rd *r, struct smb2_query_directory_req *q)
{
    smb2_rd_ss(r, 33);
    q->info_class = rd_u8(r);
    q->flags = rd_u8(r);
    q->file_index = rd_u32le(r);
    smb2_rd_fileid(r, &q->file_id);
    uint16_t off = rd_u16le(r), len = rd_u16le(r);
    q->output_buffer_length = rd_u32le(r);
    q->pattern = smb2_rd_buf(r, off, len);
    return smb2_rd_status(r);
}

void smb2_query_directory_resp_encode(smb_wr *w, const struct smb2_query_directory_resp *s)
{
    smb2_out9_encode(w, s->output);
}

smb_status smb2_query_directory_resp_decode(smb_rd *r, struct smb2_query_directory_resp *s)
{
    smb2_out9_decode(r, &s->output);
    return smb2_rd_status(r);
}

void smb2_dir_iter_init(struct smb2_dir_iter *it, uint8_t info_class, struct smb2_buf output)
{
    rd_init(&it->r, output.p, output.len);
    it->info_class = info_class;
    it->done = output.len == 0;
}

smb_status smb2_dir_iter_next(struct smb2_dir_iter *it, struct smb2_dirent *e)
{
    if (it->done)
        return SMB_E_NO_MORE_FILES;
    smb_rd *r = &it->r;
    size_t start = rd_offset(r);
    memset(e, 0, sizeof *e);
    uint32_t next = rd_u32le(r);
    e->file_index = rd_u32le(r);
    uint32_t nlen;
    if (it->info_class == SMB2_FILE_NAMES_INFORMATION) {
        nlen = rd_u32le(r);
    } else {
        e->creation_time = rd_u64le(r);
        e->last_access_time = rd_u64le(r);
        e->last_write_time = rd_u64le(r);
        e->change_time = rd_u64le(r);
        e->end_of_file = rd_u64le(r);
        e->allocation_size = rd_u64le(r);
        e->file_attributes = rd_u32le(r);
        nlen = rd_u32le(r);
        switch (it->info_class) {
        case SMB2_FILE_DIRECTORY_INFORMATION:
            break;
        case SMB2_FILE_FULL_DIRECTORY_INFORMATION:
            e->ea_size = rd_u32le(r);
            break;
        case SMB2_FILE_BOTH_DIRECTORY_INFORMATION:
        case SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION: {
            e->ea_size = rd_u32le(r);
            uint8_t sl = rd_u8(r);
            rd_skip(r, 1);
            const uint8_t *sn = rd_bytes(r, 24);
            if (sl > 24)
                rd_fail(r, SMB_E_MALFORMED);
            e->short_name.p = sn;
            e->short_name.len = sl;
            if (it->info_class == SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION) {
                rd_skip(r, 2);
                e->file_id = rd_u64le(r);
            }
            break;
        }
        default:
            return SMB_E_INVALID_INFO_CLASS;
        }
    }
    const uint8_t *name = rd_bytes(r, nlen);
    if (!rd_ok(r))
        return r->err;
    if (nlen % 2)
        return SMB_E_MALFORMED;
    e->name.p = name;
    e->name.len = nlen;
    if (next == 0) {
        it->done = true;
    } else {
        /* the next entry must lie after this one's name, 8-byte aligned (MS-FSCC 2.4) */
        if (next % 8 || (uint64_t)start + next < rd_offset(r) || (uint64_t)start + next >= r->len) {
            rd_fail(r, SMB_E_MALFORMED);
            return SMB_E_MALFORMED;
        }
        rd_seek(r, start + next);
    }
    return SMB_OK;
}

smb_status smb2_dirent_encode(uint8_t info_class, const struct smb2_dirent *e, uint8_t *out, size_t cap, size_t *off,
                              size_t *start)
{
    smb_wr w;
    wr_init(&w, out, cap);
    w.off = *off;
    wr_align(&w, 8);
    *start = wr_len(&w);
    wr_u32le(&w, 0); /* NextEntryOffset: patched by the caller */
    wr_u32le(&w, e->file_index);
    if (info_class == SMB2_FILE_NAMES_INFORMATION) {
        wr_u32le(&w, (uint32_t)e->name.len);
    } else {
        wr_u64le(&w, e->creation_time);
        wr_u64le(&w, e->last_access_time);
        wr_u64le(&w, e->last_write_time);
        wr_u64le(&w, e->change_time);
        wr_u64le(&w, e->end_of_file);
        wr_u64le(&w, e->allocation_size);
        wr_u32le(&w, e->file_attributes);
        wr_u32le(&w, (uint32_t)e->name.len);
        switch (info_class) {
        case SMB2_FILE_DIRECTORY_INFORMATION:
            break;
        case SMB2_FILE_FULL_DIRECTORY_INFORMATION:
            wr_u32le(&w, e->ea_size);
            break;
        case SMB2_FILE_BOTH_DIRECTORY_INFORMATION:
        case SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION: {
            uint8_t sn[24] = {0};
            size_t sl = e->short_name.len > 24 ? 24 : e->short_name.len;
            if (sl)
                memcpy(sn, e->short_name.p, sl);
            wr_u32le(&w, e->ea_size);
            wr_u8(&w, (uint8_t)sl);
            wr_u8(&w, 0);
            wr_bytes(&w, sn, 24);
            if (info_class == SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION) {
                wr_u16le(&w, 0);
                wr_u64le(&w, e->file_id);
            }
            break;
        }
        default:
            return SMB_E_INVALID_INFO_CLASS;
        }
    }
    wr_bytes(&w, e->name.p, e->name.len);
    if (!wr_ok(&w))
        return w.err;
    *off = wr_len(&w);
    return SMB_OK;
}
