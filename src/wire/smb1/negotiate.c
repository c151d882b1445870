/* wire/smb1/negotiate.c - SMB_COM_NEGOTIATE codec (MS-CIFS 2.2.4.52, MS-SMB 2.2.4.5). */
#include <string.h>

#include "wire/smb1/negotiate.h"
#include "wire/smb2/header.h"

#define DIALECT_BUFFER_FORMAT 0x02 /* MS-CIFS 2.2.4.52.1 */
#define NTLM012_WORD_COUNT 17

static SMB_WUR smb_status bad(smb_rd *r)
{
    rd_fail(r, SMB_E_MALFORMED);
    return SMB_E_MALFORMED;
}

smb_status smb1_negotiate_req_encode(smb_wr *w, const struct smb1_negotiate_req *q, uint16_t flags2,
                                     uint16_t mid)
{
    if (q->dialect_count == 0 || q->dialect_count > SMB1_NEG_MAX_DIALECTS)
        return SMB_E_BAD_ARGUMENT;
    size_t bytes = 0;
    for (unsigned i = 0; i < q->dialect_count; i++) {
        size_t n = strlen(q->dialects[i]);
        if (n > SMB1_NEG_MAX_DIALECT_LEN)
            return SMB_E_BAD_ARGUMENT;
        bytes += 2 + n;
    }
    if (bytes > 0xFFFF)
        return SMB_E_BAD_ARGUMENT;
    struct smb1_hdr h;
    memset(&h, 0, sizeof h);
    h.command = SMB1_COM_NEGOTIATE;
    h.flags = SMB1_FLAGS_CASE_INSENSITIVE | SMB1_FLAGS_CANONICALIZED_PATHS;
    h.flags2 = flags2;
    h.pid_low = 0xFEFF;
    h.mid = mid;
    smb1_hdr_encode(w, &h);
    wr_u8(w, 0); /* WordCount */
    wr_u16le(w, (uint16_t)bytes);
    for (unsigned i = 0; i < q->dialect_count; i++) {
        wr_u8(w, DIALECT_BUFFER_FORMAT);
        wr_bytes(w, q->dialects[i], strlen(q->dialects[i]) + 1);
    }
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_negotiate_req_decode(smb_rd *r, struct smb1_negotiate_req *q)
{
    memset(q, 0, sizeof *q);
    uint8_t wc = rd_u8(r);
    uint16_t bc = rd_u16le(r);
    if (!rd_ok(r))
        return r->err;
    if (wc != 0)
        return bad(r);
    smb_rd d = rd_sub(r, rd_offset(r), bc);
    if (!rd_ok(&d))
        return r->err;
    rd_skip(r, bc);
    while (rd_remaining(&d) > 0) {
        if (q->dialect_count == SMB1_NEG_MAX_DIALECTS)
            return bad(r);
        if (rd_u8(&d) != DIALECT_BUFFER_FORMAT)
            return bad(r);
        const uint8_t *s = d.p + d.off;
        size_t avail = rd_remaining(&d);
        const uint8_t *nul = memchr(s, 0, avail);
        if (!nul || (size_t)(nul - s) > SMB1_NEG_MAX_DIALECT_LEN)
            return bad(r);
        q->dialects[q->dialect_count++] = (const char *)s;
        rd_skip(&d, (size_t)(nul - s) + 1);
    }
    if (!rd_ok(&d) || q->dialect_count == 0)
        return bad(r);
    return SMB_OK;
}

int smb1_negotiate_req_find(const struct smb1_negotiate_req *q, const char *dialect)
{
    for (unsigned i = 0; i < q->dialect_count; i++)
        if (strcmp(q->dialects[i], dialect) == 0)
            return (int)i;
    return -1;
}

smb_status smb1_negotiate_rsp_encode(smb_wr *w, const struct smb1_negotiate_rsp *s)
{
    if (s->word_count == 1) {
        wr_u8(w, 1);
        wr_u16le(w, s->dialect_index);
        wr_u16le(w, 0); /* ByteCount */
        return wr_ok(w) ? SMB_OK : w->err;
    }
    if (s->word_count != NTLM012_WORD_COUNT)
        return SMB_E_BAD_ARGUMENT;
    bool ext = (s->capabilities & SMB1_CAP_EXTENDED_SECURITY) != 0;
    size_t bytes;
    if (ext) {
        if (s->security_blob_len && !s->security_blob)
            return SMB_E_BAD_ARGUMENT;
        bytes = 16 + (size_t)s->security_blob_len;
    } else {
        if (s->challenge_length > SMB1_NEG_MAX_CHALLENGE || (s->challenge_length && !s->challenge) ||
            (s->domain_name_len && !s->domain_name))
            return SMB_E_BAD_ARGUMENT;
        bytes = (size_t)s->challenge_length + s->domain_name_len;
    }
    if (bytes > 0xFFFF)
        return SMB_E_BAD_ARGUMENT;
    wr_u8(w, NTLM012_WORD_COUNT);
    wr_u16le(w, s->dialect_index);
    wr_u8(w, s->security_mode);
    wr_u16le(w, s->max_mpx_count);
    wr_u16le(w, s->max_number_vcs);
    wr_u32le(w, s->max_buffer_size);
    wr_u32le(w, s->max_raw_size);
    wr_u32le(w, s->session_key);
    wr_u32le(w, s->capabilities);
    wr_u64le(w, s->system_time);
    wr_u16le(w, (uint16_t)s->server_time_zone);
    wr_u8(w, ext ? 0 : s->challenge_length);
    wr_u16le(w, (uint16_t)bytes);
    if (ext) {
        wr_bytes(w, s->server_guid, 16);
        if (s->security_blob_len)
            wr_bytes(w, s->security_blob, s->security_blob_len);
    } else {
        if (s->challenge_length)
            wr_bytes(w, s->challenge, s->challenge_length);
        if (s->domain_name_len)
            wr_bytes(w, s->domain_name, s->domain_name_len);
    }
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb1_negotiate_rsp_decode(smb_rd *r, struct smb1_negotiate_rsp *s)
{
    memset(s, 0, sizeof *s);
    s->word_count = rd_u8(r);
    if (!rd_ok(r))
        return r->err;
    if (s->word_count != NTLM012_WORD_COUNT) {
        /* Core / LANMAN forms, or "no dialect" (WordCount 1). We decode the
         * index only; the caller decides (MS-CIFS 2.2.4.52.2). */
        if (s->word_count == 0)
            return bad(r);
        s->dialect_index = rd_u16le(r);
        rd_skip(r, 2u * (s->word_count - 1u));
        uint16_t bc = rd_u16le(r);
        rd_skip(r, bc);
        return rd_ok(r) ? SMB_OK : r->err;
    }
    s->dialect_index = rd_u16le(r);
    s->security_mode = rd_u8(r);
    s->max_mpx_count = rd_u16le(r);
    s->max_number_vcs = rd_u16le(r);
    s->max_buffer_size = rd_u32le(r);
    s->max_raw_size = rd_u32le(r);
    s->session_key = rd_u32le(r);
    s->capabilities = rd_u32le(r);
    s->system_time = rd_u64le(r);
    s->server_time_zone = (int16_t)rd_u16le(r);
    s->challenge_length = rd_u8(r);
    uint16_t bc = rd_u16le(r);
    if (!rd_ok(r))
        return r->err;
    smb_rd d = rd_sub(r, rd_offset(r), bc);
    if (!rd_ok(&d))
        return r->err;
    rd_skip(r, bc);
    if (s->capabilities & SMB1_CAP_EXTENDED_SECURITY) {
        /* MS-SMB 2.2.4.5.2.1: ServerGUID then SecurityBlob (the rest). */
        rd_copy(&d, s->server_guid, 16);
        if (!rd_ok(&d))
            return bad(r);
        size_t n = rd_remaining(&d);
        s->security_blob_len = (uint16_t)n;
        s->security_blob = n ? rd_bytes(&d, n) : NULL;
        s->challenge_length = 0;
    } else {
        if (s->challenge_length > SMB1_NEG_MAX_CHALLENGE)
            return bad(r);
        s->challenge = s->challenge_length ? rd_bytes(&d, s->challenge_length) : NULL;
        if (!rd_ok(&d))
            return bad(r);
        size_t n = rd_remaining(&d);
        s->domain_name_len = (uint16_t)n;
        s->domain_name = n ? rd_bytes(&d, n) : NULL;
    }
    return SMB_OK;
}

smb_status smb1_negotiate_answer_parse(const uint8_t *msg, size_t len, struct smb1_negotiate_answer *out)
{
    memset(out, 0, sizeof *out);
    if (len >= 4 && memcmp(msg, SMB2_MAGIC, 4) == 0) {
        /* MS-SMB2 3.3.5.3.1: an SMB2 server answered the SMB1 negotiate. */
        out->kind = SMB1_ANSWER_SMB2;
        return smb2_negotiate_rsp_parse(msg, len, &out->smb2);
    }
    smb_rd r;
    rd_init(&r, msg, len);
    out->kind = SMB1_ANSWER_SMB1;
    smb_status st = smb1_hdr_decode(&r, &out->hdr1);
    if (st != SMB_OK)
        return st;
    if (out->hdr1.command != SMB1_COM_NEGOTIATE || !smb1_hdr_is_reply(&out->hdr1))
        return SMB_E_MALFORMED;
    if (out->hdr1.status != 0) {
        if (!(out->hdr1.flags2 & SMB1_FLAGS2_NT_STATUS))
            return SMB_E_NOT_SUPPORTED; /* DOS error class/code */
        int known = 0;
        smb_status e = smb_status_from_ntstatus(out->hdr1.status, &known);
        return e == SMB_OK ? SMB_E_MALFORMED : e;
    }
    return smb1_negotiate_rsp_decode(&r, &out->smb1);
}
