/* wire/smb2/ioctl.c - IOCTL (MS-SMB2 2.2.31, 2.2.32) and VALIDATE_NEGOTIATE_INFO. */
#include <string.h>

#include "wire/smb2/ioctl.h"

void smb2_ioctl_req_encode(smb_wr *w, const struct smb2_ioctl_req *q)
{
    wr_u16le(w, 57);
    wr_u16le(w, 0);
    wr_u32le(w, q->ctl_code);
    smb2_wr_fileid(w, &q->file_id);
    wr_u32le(w, q->input.len ? (uint32_t)(SMB2_HDR_LEN + 56) : 0);
    wr_u32le(w, (uint32_t)q->input.len);
    wr_u32le(w, q->max_input_response);
    wr_u32le(w, 0); /* OutputOffset */
    wr_u32le(w, 0); /* OutputCount */
    wr_u32le(w, q->max_output_response);
    wr_u32le(w, q->flags);
    wr_u32le(w, 0);
    if (q->input.len)
        wr_bytes(w, q->input.p, q->input.len);
    else
        wr_u8(w, 0);
}

smb_status smb2_ioctl_req_decode(smb_rd *r, struct smb2_ioctl_req *q)
{
    smb2_rd_ss(r, 57);
    rd_skip(r, 2);
    q->ctl_code = rd_u32le(r);
    smb2_rd_fileid(r, &q->file_id);
    uint32_t ioff = rd_u32le(r), ilen = rd_u32le(r);
    q->max_input_response = rd_u32le(r);
    rd_skip(r, 8);
    q->max_output_response = rd_u32le(r);
    q->flags = rd_u32le(r);
    rd_skip(r, 4);
    q->input = smb2_rd_buf(r, ioff, ilen);
    return smb2_rd_status(r);
}

void smb2_ioctl_resp_encode(smb_wr *w, const struct smb2_ioctl_resp *s)
{
    uint32_t base = SMB2_HDR_LEN + 48;
    wr_u16le(w, 49);
    wr_u16le(w, 0);
    wr_u32le(w, s->ctl_code);
    smb2_wr_fileid(w, &s->file_id);
    wr_u32le(w, base);
    wr_u32le(w, (uint32_t)s->input.len);
    wr_u32le(w, base + (uint32_t)((s->input.len + 7) & ~(size_t)7));
    wr_u32le(w, (uint32_t)s->output.len);
    wr_u32le(w, s->flags);
    wr_u32le(w, 0);
    wr_bytes(w, s->input.p, s->input.len);
    wr_align(w, 8);
    wr_bytes(w, s->output.p, s->output.len);
    if (!s->input.len && !s->output.len)
        wr_u8(w, 0);
}

smb_status smb2_ioctl_resp_decode(smb_rd *r, struct smb2_ioctl_resp *s)
{
    smb2_rd_ss(r, 49);
    rd_skip(r, 2);
    s->ctl_code = rd_u32le(r);
    smb2_rd_fileid(r, &s->file_id);
    uint32_t ioff = rd_u32le(r), ilen = rd_u32le(r);
    uint32_t ooff = rd_u32le(r), olen = rd_u32le(r);
    s->flags = rd_u32le(r);
    rd_skip(r, 4);
    s->input = smb2_rd_buf(r, ioff, ilen);
    s->output = smb2_rd_buf(r, ooff, olen);
    return smb2_rd_status(r);
}

smb_status smb2_vni_req_encode(const struct smb2_vni_req *v, uint8_t *out, size_t cap, size_t *len)
{
    smb_wr w;
    if (v->dialect_count > SMB2_VNI_MAX_DIALECTS)
        return SMB_E_BAD_ARGUMENT;
    wr_init(&w, out, cap);
    wr_u32le(&w, v->capabilities);
    wr_bytes(&w, v->guid, 16);
    wr_u16le(&w, v->security_mode);
    wr_u16le(&w, v->dialect_count);
    for (unsigned i = 0; i < v->dialect_count; i++)
        wr_u16le(&w, v->dialects[i]);
    if (!wr_ok(&w))
        return w.err;
    *len = wr_len(&w);
    return SMB_OK;
}

smb_status smb2_vni_req_decode(struct smb2_buf b, struct smb2_vni_req *v)
{
    smb_rd r;
    rd_init(&r, b.p, b.len);
    v->capabilities = rd_u32le(&r);
    rd_copy(&r, v->guid, 16);
    v->security_mode = rd_u16le(&r);
    v->dialect_count = rd_u16le(&r);
    if (rd_ok(&r) && v->dialect_count > SMB2_VNI_MAX_DIALECTS)
        return SMB_E_MALFORMED;
    for (unsigned i = 0; i < v->dialect_count; i++)
        v->dialects[i] = rd_u16le(&r);
    return rd_ok(&r) ? SMB_OK : r.err;
}

smb_status smb2_vni_resp_encode(const struct smb2_vni_resp *v, uint8_t out[24])
{
    put_le32(out, v->capabilities);
    memcpy(out + 4, v->guid, 16);
    put_le16(out + 20, v->security_mode);
    put_le16(out + 22, v->dialect);
    return SMB_OK;
}

smb_status smb2_vni_resp_decode(struct smb2_buf b, struct smb2_vni_resp *v)
{
    smb_rd r;
    rd_init(&r, b.p, b.len);
    v->capabilities = rd_u32le(&r);
    rd_copy(&r, v->guid, 16);
    v->security_mode = rd_u16le(&r);
    v->dialect = rd_u16le(&r);
    if (rd_ok(&r) && rd_remaining(&r) != 0)
        return SMB_E_MALFORMED;
    return rd_ok(&r) ? SMB_OK : r.err;
}

smb_status smb2_netif_encode(const struct smb2_netif *v, int n, uint8_t *out, size_t cap, size_t *len)
{
    if (n < 0 || (size_t)n * SMB2_NETIF_ENTRY_LEN > cap)
        return SMB_E_BUFFER_TOO_SMALL;
    memset(out, 0, (size_t)n * SMB2_NETIF_ENTRY_LEN);
    for (int i = 0; i < n; i++) {
        uint8_t *e = out + (size_t)i * SMB2_NETIF_ENTRY_LEN;
        put_le32(e, i + 1 < n ? SMB2_NETIF_ENTRY_LEN : 0); /* Next */
        put_le32(e + 4, v[i].if_index);
        put_le32(e + 8, v[i].capability);
        put_le64(e + 16, v[i].link_speed);
        uint8_t *sa = e + 24; /* SOCKADDR_STORAGE (128 bytes), Port 0 */
        if (v[i].family == 4) {
            put_le16(sa, 0x0002); /* InterNetwork */
            memcpy(sa + 4, v[i].addr, 4);
        } else {
            put_le16(sa, 0x0017); /* InterNetworkV6 */
            memcpy(sa + 8, v[i].addr, 16);
        }
    }
    *len = (size_t)n * SMB2_NETIF_ENTRY_LEN;
    return SMB_OK;
}
