/* wire/smb2/query_info.c - QUERY_INFO (MS-SMB2 2.2.37, 2.2.38; MS-FSCC 2.4.2). */
#include "wire/smb2/query_info.h"

void smb2_query_info_req_encode(smb_wr *w, const struct smb2_query_info_req *q)
{
    wr_u16le(w, 41);
    wr_u8(w, q->info_type);
    wr_u8(w, q->info_class);
    wr_u32le(w, q->output_buffer_length);
    wr_u16le(w, q->input.len ? (uint16_t)(SMB2_HDR_LEN + 40) : 0);
    wr_u16le(w, 0);
    wr_u32le(w, (uint32_t)q->input.len);
    wr_u32le(w, q->additional_information);
    wr_u32le(w, q->flags);
    smb2_wr_fileid(w, &q->file_id);
    if (q->input.len)
        wr_bytes(w, q->input.p, q->input.len);
    else
        wr_u8(w, 0);
}

smb_status smb2_query_info_req_decode(smb_rd *r, struct smb2_query_info_req *q)
{
    smb2_rd_ss(r, 41);
    q->info_type = rd_u8(r);
    q->info_class = rd_u8(r);
    q->output_buffer_length = rd_u32le(r);
    uint16_t off = rd_u16le(r);
    rd_skip(r, 2);
    uint32_t len = rd_u32le(r);
    q->additional_information = rd_u32le(r);
    q->flags = rd_u32le(r);
    smb2_rd_fileid(r, &q->file_id);
    q->input = smb2_rd_buf(r, off, len);
    return smb2_rd_status(r);
}

void smb2_query_info_resp_encode(smb_wr *w, const struct smb2_query_info_resp *s) { smb2_out9_encode(w, s->output); }

smb_status smb2_query_info_resp_decode(smb_rd *r, struct smb2_query_info_resp *s)
{
    smb2_out9_decode(r, &s->output);
    return smb2_rd_status(r);
}

smb_status smb2_file_all_info_decode(struct smb2_buf b, struct smb2_file_all_info *o)
{
    smb_rd r;
    rd_init(&r, b.p, b.len);
    /* FileBasicInformation (MS-FSCC 2.4.7) */
    o->creation_time = rd_u64le(&r);
    o->last_access_time = rd_u64le(&r);
    o->last_write_time = rd_u64le(&r);
    o->change_time = rd_u64le(&r);
    o->file_attributes = rd_u32le(&r);
    rd_skip(&r, 4);
    /* FileStandardInformation (2.4.41) */
    o->allocation_size = rd_u64le(&r);
    o->end_of_file = rd_u64le(&r);
    o->number_of_links = rd_u32le(&r);
    o->delete_pending = rd_u8(&r) != 0;
    o->directory = rd_u8(&r) != 0;
    rd_skip(&r, 2);
    /* FileInternalInformation (2.4.22) */
    o->index_number = rd_u64le(&r);
    return rd_ok(&r) ? SMB_OK : r.err;
}
