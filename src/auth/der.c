/* auth/der.c - DER TLV reader/writer (X.690 8.1, 10.1). */
#include <string.h>

#include "auth/der.h"

smb_status der_read_tlv(smb_rd *r, uint8_t *tag, smb_rd *value)
{
    uint8_t t = rd_u8(r);
    uint8_t l0 = rd_u8(r);
    uint64_t len = 0;
    if (!rd_ok(r))
        goto bad;
    if ((t & 0x1F) == 0x1F) { /* high tag numbers: not used by SPNEGO */
        rd_fail(r, SMB_E_MALFORMED);
        goto bad;
    }
    if (l0 < 0x80) {
        len = l0;
    } else {
        unsigned n = l0 & 0x7F;
        if (n == 0 || n > 4) { /* indefinite (BER only) or absurd */
            rd_fail(r, SMB_E_MALFORMED);
            goto bad;
        }
        for (unsigned i = 0; i < n; i++)
            len = (len << 8) | rd_u8(r);
        if (!rd_ok(r))
            goto bad;
        /* X.690 10.1: the minimum number of octets */
        if (len < 0x80 || (n > 1 && (len >> (8 * (n - 1))) == 0)) {
            rd_fail(r, SMB_E_MALFORMED);
            goto bad;
        }
    }
    if (len > DER_MAX_LEN) {
        rd_fail(r, SMB_E_MALFORMED);
        goto bad;
    }
    *value = rd_sub(r, rd_offset(r), len);
    rd_skip(r, (size_t)len);
    if (!rd_ok(r))
        goto bad;
    *tag = t;
    return SMB_OK;
bad:
    *tag = 0;
    rd_init(value, NULL, 0);
    value->err = r->err;
    return r->err;
}

smb_status der_expect(smb_rd *r, uint8_t want, smb_rd *value)
{
    uint8_t tag;
    smb_status st = der_read_tlv(r, &tag, value);
    if (st != SMB_OK)
        return st;
    if (tag != want) {
        rd_fail(r, SMB_E_MALFORMED);
        value->err = SMB_E_MALFORMED;
        return SMB_E_MALFORMED;
    }
    return SMB_OK;
}

uint8_t der_peek_tag(const smb_rd *r)
{
    if (!rd_ok(r) || r->off >= r->len)
        return 0;
    return r->p[r->off];
}

size_t der_begin(smb_wr *w) { return wr_len(w); }

void der_end(smb_wr *w, uint8_t tag, size_t mark)
{
    if (!wr_ok(w))
        return;
    size_t clen = w->off - mark;
    uint8_t hdr[6];
    size_t hl = 0;
    hdr[hl++] = tag;
    if (clen < 0x80) {
        hdr[hl++] = (uint8_t)clen;
    } else if (clen < 0x100) {
        hdr[hl++] = 0x81;
        hdr[hl++] = (uint8_t)clen;
    } else if (clen < 0x10000) {
        hdr[hl++] = 0x82;
        hdr[hl++] = (uint8_t)(clen >> 8);
        hdr[hl++] = (uint8_t)clen;
    } else if (clen < 0x1000000) {
        hdr[hl++] = 0x83;
        hdr[hl++] = (uint8_t)(clen >> 16);
        hdr[hl++] = (uint8_t)(clen >> 8);
        hdr[hl++] = (uint8_t)clen;
    } else {
        wr_fail(w, SMB_E_OVERFLOW);
        return;
    }
    if (w->cap - w->off < hl) {
        wr_fail(w, SMB_E_OVERFLOW);
        return;
    }
    memmove(w->p + mark + hl, w->p + mark, clen);
    memcpy(w->p + mark, hdr, hl);
    w->off += hl;
}

void der_put(smb_wr *w, uint8_t tag, const void *content, size_t len)
{
    size_t m = der_begin(w);
    wr_bytes(w, content, len);
    der_end(w, tag, m);
}
