/* wire/smb1/session_setup.c - SMB_COM_SESSION_SETUP_ANDX with extended security
 * (MS-SMB 2.2.4.6.1 request WordCount 12, 2.2.4.6.2 response WordCount 4). */
#include <string.h>

#include "wire/smb1/commands.h"

#include "crypto/crypto.h"

static void andx_none(smb_wr *w)
{
    wr_u8(w, SMB1_COM_NO_ANDX_COMMAND);
    wr_u8(w, 0);
    wr_u16le(w, 0);
}

smb_status smb1_expect_words(const struct smb1_block *b, uint8_t wc)
{
    return b->word_count == wc ? SMB_OK : SMB_E_MALFORMED;
}

smb_status smb1_sess_setup_req_encode(smb_wr *w, size_t hdr_off, const struct smb1_sess_setup_req *q)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    andx_none(w);
    wr_u16le(w, q->max_buffer_size);
    wr_u16le(w, q->max_mpx_count);
    wr_u16le(w, q->vc_number);
    wr_u32le(w, q->session_key);
    wr_u16le(w, q->blob_len);
    wr_u32le(w, 0);
    wr_u32le(w, q->capabilities);
    smb1_wr_words_done(w, &m);
    wr_bytes(w, q->blob, q->blob_len);
    smb1_wr_align2(w, &m);
    smb1_wr_ustr(w, "Unix");    /* NativeOS */
    smb1_wr_ustr(w, "smbsign"); /* NativeLanMan */
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_sess_setup_req_decode(const struct smb1_block *b, struct smb1_sess_setup_req *q)
{
    memset(q, 0, sizeof *q);
    if (smb1_expect_words(b, 12) != SMB_OK)
        return SMB_E_MALFORMED; /* 13 = non-extended (NTLM challenge/response) form: not handled here */
    smb_rd r;
    rd_init(&r, b->words, 24);
    rd_skip(&r, 4);
    q->max_buffer_size = rd_u16le(&r);
    q->max_mpx_count = rd_u16le(&r);
    q->vc_number = rd_u16le(&r);
    q->session_key = rd_u32le(&r);
    q->blob_len = rd_u16le(&r);
    rd_skip(&r, 4);
    q->capabilities = rd_u32le(&r);
    if (!rd_ok(&r) || q->blob_len > b->byte_count || q->blob_len > SMB1_MAX_BLOB)
        return SMB_E_MALFORMED;
    q->blob = b->bytes;
    return SMB_OK;
}

smb_status smb1_sess_setup_rsp_encode(smb_wr *w, size_t hdr_off, const struct smb1_sess_setup_rsp *s)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    andx_none(w);
    wr_u16le(w, s->action);
    wr_u16le(w, s->blob_len);
    smb1_wr_words_done(w, &m);
    wr_bytes(w, s->blob, s->blob_len);
    smb1_wr_align2(w, &m);
    smb1_wr_ustr(w, "Unix");
    smb1_wr_ustr(w, "smbsign");
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_sess_setup_rsp_decode(const struct smb1_block *b, struct smb1_sess_setup_rsp *s)
{
    memset(s, 0, sizeof *s);
    if (smb1_expect_words(b, 4) != SMB_OK)
        return SMB_E_MALFORMED;
    s->action = le16(b->words + 4);
    s->blob_len = le16(b->words + 6);
    if (s->blob_len > b->byte_count || s->blob_len > SMB1_MAX_BLOB)
        return SMB_E_MALFORMED;
    s->blob = b->bytes;
    return SMB_OK;
}

/* One NUL-terminated UTF-16LE string at *off inside the bytes (advances *off past the NUL). */
static SMB_WUR smb_status u16_string(const struct smb1_block *b, size_t *off, const uint8_t **p, size_t *len)
{
    if ((b->bytes_off + *off) & 1)
        (*off)++;
    size_t i = *off;
    for (; i + 1 < b->byte_count; i += 2)
        if (b->bytes[i] == 0 && b->bytes[i + 1] == 0)
            break;
    if (i + 1 >= b->byte_count || i - *off > SMB1_PATH_MAX_U16)
        return SMB_E_MALFORMED;
    *p = b->bytes + *off;
    *len = i - *off;
    *off = i + 2;
    return SMB_OK;
}

smb_status smb1_sess_setup_nt_req_decode(const struct smb1_block *b, struct smb1_sess_setup_nt_req *q)
{
    memset(q, 0, sizeof *q);
    if (smb1_expect_words(b, 13) != SMB_OK)
        return SMB_E_MALFORMED;
    smb_rd r;
    rd_init(&r, b->words, 26);
    rd_skip(&r, 4);
    q->max_buffer_size = rd_u16le(&r);
    q->max_mpx_count = rd_u16le(&r);
    q->vc_number = rd_u16le(&r);
    q->session_key = rd_u32le(&r);
    q->lm_len = rd_u16le(&r);
    q->nt_len = rd_u16le(&r);
    rd_skip(&r, 4);
    q->capabilities = rd_u32le(&r);
    if (!rd_ok(&r) || q->lm_len > 24 || q->nt_len > SMB1_MAX_NT_RESPONSE ||
        (size_t)q->lm_len + q->nt_len > b->byte_count)
        return SMB_E_MALFORMED;
    q->lm = b->bytes;
    q->nt = b->bytes + q->lm_len;
    size_t off = (size_t)q->lm_len + q->nt_len;
    if (u16_string(b, &off, &q->account, &q->account_len) != SMB_OK)
        return SMB_E_MALFORMED;
    if (u16_string(b, &off, &q->domain, &q->domain_len) != SMB_OK) {
        q->domain = q->account; /* PrimaryDomain may be absent */
        q->domain_len = 0;
    }
    return SMB_OK;
}

smb_status smb1_sess_setup_nt_req_encode(smb_wr *w, size_t hdr_off, const struct smb1_sess_setup_nt_req *q,
                                         const char *account, const char *domain)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    andx_none(w);
    wr_u16le(w, q->max_buffer_size);
    wr_u16le(w, q->max_mpx_count);
    wr_u16le(w, q->vc_number);
    wr_u32le(w, q->session_key);
    wr_u16le(w, q->lm_len);
    wr_u16le(w, q->nt_len);
    wr_u32le(w, 0);
    wr_u32le(w, q->capabilities);
    smb1_wr_words_done(w, &m);
    wr_bytes(w, q->lm, q->lm_len);
    wr_bytes(w, q->nt, q->nt_len);
    smb1_wr_align2(w, &m);
    smb1_wr_ustr(w, account);
    smb1_wr_ustr(w, domain);
    smb1_wr_ustr(w, "Unix");
    smb1_wr_ustr(w, "smbsign");
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}

void smb1_ntlmv2_proof(const uint8_t ntowfv2[16], const uint8_t server_challenge[8], const uint8_t *blob,
                       size_t blob_len, uint8_t proof[16], uint8_t base[16])
{
    smb_hmac_md5_ctx hc;
    smb_hmac_md5_init(&hc, ntowfv2, 16);
    smb_hmac_md5_update(&hc, server_challenge, 8);
    smb_hmac_md5_update(&hc, blob, blob_len);
    smb_hmac_md5_final(&hc, proof);
    smb_hmac_md5(ntowfv2, 16, proof, 16, base);
}

smb_status smb1_sess_setup_nt_rsp_encode(smb_wr *w, size_t hdr_off, uint16_t action)
{
    struct smb1_wmark m;
    smb1_wr_begin(w, hdr_off, &m);
    andx_none(w);
    wr_u16le(w, action);
    smb1_wr_words_done(w, &m);
    smb1_wr_align2(w, &m);
    smb1_wr_ustr(w, "Unix");
    smb1_wr_ustr(w, "smbsign");
    smb1_wr_ustr(w, "SMBSIGN");
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : w->err;
}
