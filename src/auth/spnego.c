/* auth/spnego.c - SPNEGO NegTokenInit / NegTokenResp (RFC 4178 4.2, MS-SPNG 2.2). */
#include <string.h>

#include "auth/der.h"
#include "auth/spnego.h"

const uint8_t SPNEGO_OID_SPNEGO[6] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
const uint8_t SPNEGO_OID_NTLMSSP[10] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};

bool spnego_is_ntlmssp(struct spnego_buf oid)
{
    return oid.len == sizeof SPNEGO_OID_NTLMSSP && memcmp(oid.p, SPNEGO_OID_NTLMSSP, oid.len) == 0;
}

static struct spnego_buf buf_of(const smb_rd *r)
{
    struct spnego_buf b = {r->p, r->len};
    return b;
}

/* An OCTET STRING inside an explicit [n] wrapper. */
static SMB_WUR smb_status octets(smb_rd *ctx, struct spnego_buf *out)
{
    smb_rd v;
    smb_status st = der_expect(ctx, DER_TAG_OCTET_STRING, &v);
    if (st != SMB_OK)
        return st;
    *out = buf_of(&v);
    return SMB_OK;
}

smb_status spnego_init_decode(const uint8_t *p, size_t len, struct spnego_init *out)
{
    smb_rd r, app, oid, ctx0, seq;
    smb_status st;
    memset(out, 0, sizeof *out);
    rd_init(&r, p, len);
    /* RFC 2743 3.1: [APPLICATION 0] { thisMech OID, innerToken } */
    if ((st = der_expect(&r, DER_TAG_APPLICATION0, &app)) != SMB_OK)
        return st;
    if ((st = der_expect(&app, DER_TAG_OID, &oid)) != SMB_OK)
        return st;
    if (oid.len != sizeof SPNEGO_OID_SPNEGO || memcmp(oid.p, SPNEGO_OID_SPNEGO, oid.len) != 0)
        return SMB_E_UNSUPPORTED;
    if ((st = der_expect(&app, DER_CTX(0), &ctx0)) != SMB_OK)
        return st;
    if ((st = der_expect(&ctx0, DER_TAG_SEQUENCE, &seq)) != SMB_OK)
        return st;
    while (rd_remaining(&seq) > 0) {
        uint8_t tag;
        smb_rd f;
        if ((st = der_read_tlv(&seq, &tag, &f)) != SMB_OK)
            return st;
        if (tag == DER_CTX(0)) { /* mechTypes */
            smb_rd list;
            const uint8_t *start = f.p;
            if ((st = der_expect(&f, DER_TAG_SEQUENCE, &list)) != SMB_OK)
                return st;
            out->mech_list.p = start;
            out->mech_list.len = rd_offset(&f);
            while (rd_remaining(&list) > 0) {
                smb_rd m;
                if ((st = der_expect(&list, DER_TAG_OID, &m)) != SMB_OK)
                    return st;
                if (out->mech_count == SPNEGO_MAX_MECHS)
                    return SMB_E_MALFORMED;
                out->mechs[out->mech_count++] = buf_of(&m);
            }
        } else if (tag == DER_CTX(2)) {
            if ((st = octets(&f, &out->mech_token)) != SMB_OK)
                return st;
        } else if (tag == DER_CTX(4)) {
            if ((st = octets(&f, &out->mech_list_mic)) != SMB_OK)
                return st;
        } else if (tag != DER_CTX(1) && tag != DER_CTX(3)) { /* reqFlags, negHints: ignored */
            return SMB_E_MALFORMED;
        }
    }
    return SMB_OK;
}

smb_status spnego_resp_decode(const uint8_t *p, size_t len, struct spnego_resp *out)
{
    smb_rd r, ctx1, seq;
    smb_status st;
    memset(out, 0, sizeof *out);
    out->neg_state = SPNEGO_STATE_ABSENT;
    rd_init(&r, p, len);
    if ((st = der_expect(&r, DER_CTX(1), &ctx1)) != SMB_OK)
        return st;
    if ((st = der_expect(&ctx1, DER_TAG_SEQUENCE, &seq)) != SMB_OK)
        return st;
    while (rd_remaining(&seq) > 0) {
        uint8_t tag;
        smb_rd f, v;
        if ((st = der_read_tlv(&seq, &tag, &f)) != SMB_OK)
            return st;
        switch (tag) {
        case DER_CTX(0):
            if ((st = der_expect(&f, DER_TAG_ENUMERATED, &v)) != SMB_OK)
                return st;
            if (v.len != 1 || v.p[0] > 3)
                return SMB_E_MALFORMED;
            out->neg_state = v.p[0];
            break;
        case DER_CTX(1):
            if ((st = der_expect(&f, DER_TAG_OID, &v)) != SMB_OK)
                return st;
            out->supported_mech = buf_of(&v);
            break;
        case DER_CTX(2):
            if ((st = octets(&f, &out->response_token)) != SMB_OK)
                return st;
            break;
        case DER_CTX(3):
            if ((st = octets(&f, &out->mech_list_mic)) != SMB_OK)
                return st;
            break;
        default:
            return SMB_E_MALFORMED;
        }
    }
    return SMB_OK;
}

static const struct spnego_buf NTLMSSP_ONLY = {SPNEGO_OID_NTLMSSP, sizeof SPNEGO_OID_NTLMSSP};

static void put_mech_list(smb_wr *w, const struct spnego_buf *mechs, size_t n)
{
    size_t m = der_begin(w);
    for (size_t i = 0; i < n; i++)
        der_put(w, DER_TAG_OID, mechs[i].p, mechs[i].len);
    der_end(w, DER_TAG_SEQUENCE, m);
}

smb_status spnego_init_encode(const uint8_t *mech_token, size_t tlen, uint8_t *out, size_t cap, size_t *outlen,
                              size_t *mech_list_off, size_t *mech_list_len)
{
    return spnego_init_encode_mechs(&NTLMSSP_ONLY, 1, mech_token, tlen, out, cap, outlen, mech_list_off,
                                    mech_list_len);
}

smb_status spnego_init_encode_mechs(const struct spnego_buf *mechs, size_t n, const uint8_t *mech_token, size_t tlen,
                                    uint8_t *out, size_t cap, size_t *outlen, size_t *mech_list_off,
                                    size_t *mech_list_len)
{
    if (n == 0 || n > SPNEGO_MAX_MECHS)
        return SMB_E_BAD_ARGUMENT;
    smb_wr w;
    wr_init(&w, out, cap);
    size_t app = der_begin(&w);
    der_put(&w, DER_TAG_OID, SPNEGO_OID_SPNEGO, sizeof SPNEGO_OID_SPNEGO);
    size_t c0 = der_begin(&w);
    size_t seq = der_begin(&w);
    size_t mt = der_begin(&w);
    put_mech_list(&w, mechs, n);
    der_end(&w, DER_CTX(0), mt);
    if (mech_token) {
        size_t c2 = der_begin(&w);
        der_put(&w, DER_TAG_OCTET_STRING, mech_token, tlen);
        der_end(&w, DER_CTX(2), c2);
    }
    der_end(&w, DER_TAG_SEQUENCE, seq);
    der_end(&w, DER_CTX(0), c0);
    der_end(&w, DER_TAG_APPLICATION0, app);
    if (!wr_ok(&w))
        return w.err;
    *outlen = wr_len(&w);
    if (mech_list_off || mech_list_len) {
        /* re-parse our own output to locate the MechTypeList TLV */
        struct spnego_init in;
        smb_status st = spnego_init_decode(out, *outlen, &in);
        if (st != SMB_OK)
            return st;
        if (mech_list_off)
            *mech_list_off = (size_t)(in.mech_list.p - out);
        if (mech_list_len)
            *mech_list_len = in.mech_list.len;
    }
    return SMB_OK;
}

smb_status spnego_init2_encode(uint8_t *out, size_t cap, size_t *outlen)
{
    return spnego_init2_encode_mechs(&NTLMSSP_ONLY, 1, out, cap, outlen);
}

smb_status spnego_init2_encode_mechs(const struct spnego_buf *mechs, size_t n, uint8_t *out, size_t cap,
                                     size_t *outlen)
{
    if (n == 0 || n > SPNEGO_MAX_MECHS)
        return SMB_E_BAD_ARGUMENT;
    static const char hint[] = "not_defined_in_RFC4178@please_ignore";
    smb_wr w;
    wr_init(&w, out, cap);
    size_t app = der_begin(&w);
    der_put(&w, DER_TAG_OID, SPNEGO_OID_SPNEGO, sizeof SPNEGO_OID_SPNEGO);
    size_t c0 = der_begin(&w);
    size_t seq = der_begin(&w);
    size_t mt = der_begin(&w);
    put_mech_list(&w, mechs, n);
    der_end(&w, DER_CTX(0), mt);
    size_t c3 = der_begin(&w); /* MS-SPNG 2.2.1 negHints */
    size_t hs = der_begin(&w);
    size_t h0 = der_begin(&w);
    der_put(&w, DER_TAG_GENERAL_STRING, hint, sizeof hint - 1);
    der_end(&w, DER_CTX(0), h0);
    der_end(&w, DER_TAG_SEQUENCE, hs);
    der_end(&w, DER_CTX(3), c3);
    der_end(&w, DER_TAG_SEQUENCE, seq);
    der_end(&w, DER_CTX(0), c0);
    der_end(&w, DER_TAG_APPLICATION0, app);
    if (!wr_ok(&w))
        return w.err;
    *outlen = wr_len(&w);
    return SMB_OK;
}

smb_status spnego_resp_encode(int neg_state, bool with_mech, const uint8_t *token, size_t tlen, const uint8_t *mic,
                              size_t miclen, uint8_t *out, size_t cap, size_t *outlen)
{
    return spnego_resp_encode_mech(neg_state, with_mech ? &NTLMSSP_ONLY : NULL, token, tlen, mic, miclen, out, cap,
                                   outlen);
}

smb_status spnego_resp_encode_mech(int neg_state, const struct spnego_buf *mech, const uint8_t *token, size_t tlen,
                                   const uint8_t *mic, size_t miclen, uint8_t *out, size_t cap, size_t *outlen)
{
    smb_wr w;
    wr_init(&w, out, cap);
    size_t c1 = der_begin(&w);
    size_t seq = der_begin(&w);
    if (neg_state >= 0) {
        uint8_t v = (uint8_t)neg_state;
        size_t c0 = der_begin(&w);
        der_put(&w, DER_TAG_ENUMERATED, &v, 1);
        der_end(&w, DER_CTX(0), c0);
    }
    if (mech) {
        size_t m = der_begin(&w);
        der_put(&w, DER_TAG_OID, mech->p, mech->len);
        der_end(&w, DER_CTX(1), m);
    }
    if (token) {
        size_t c2 = der_begin(&w);
        der_put(&w, DER_TAG_OCTET_STRING, token, tlen);
        der_end(&w, DER_CTX(2), c2);
    }
    if (mic) {
        size_t c3 = der_begin(&w);
        der_put(&w, DER_TAG_OCTET_STRING, mic, miclen);
        der_end(&w, DER_CTX(3), c3);
    }
    der_end(&w, DER_TAG_SEQUENCE, seq);
    der_end(&w, DER_CTX(1), c1);
    if (!wr_ok(&w))
        return w.err;
    *outlen = wr_len(&w);
    return SMB_OK;
}
