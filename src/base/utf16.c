/* base/utf16.c - UTF-8 <-> UTF-16LE (RFC 3629, RFC 2781). */
#include "base/utf16.h"

static SMB_WUR smb_status put16(uint8_t *out, size_t cap, size_t *o, uint32_t u)
{
    if (cap - *o < 2)
        return SMB_E_OVERFLOW;
    out[(*o)++] = (uint8_t)u;
    out[(*o)++] = (uint8_t)(u >> 8);
    return SMB_OK;
}

smb_status smb_utf8_to_utf16le(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0, o = 0;
    smb_status st = SMB_OK;
    while (i < slen) {
        uint32_t c = p[i], cp;
        size_t n;
        if (c < 0x80) {
            cp = c;
            n = 1;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            n = 2;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            n = 3;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07;
            n = 4;
        } else {
            return SMB_E_MALFORMED;
        }
        if (slen - i < n)
            return SMB_E_MALFORMED;
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return SMB_E_MALFORMED;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        /* reject overlong forms, surrogates and values past U+10FFFF */
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return SMB_E_MALFORMED;
        i += n;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            if ((st = put16(out, cap, &o, 0xD800 | (cp >> 10))) != SMB_OK)
                return st;
            if ((st = put16(out, cap, &o, 0xDC00 | (cp & 0x3FF))) != SMB_OK)
                return st;
        } else if ((st = put16(out, cap, &o, cp)) != SMB_OK) {
            return st;
        }
    }
    *outlen = o;
    return SMB_OK;
}

smb_status smb_utf16le_to_utf8(const uint8_t *in, size_t inlen, char *out, size_t cap, size_t *outlen)
{
    size_t i = 0, o = 0;
    if (inlen % 2 || cap == 0)
        return inlen % 2 ? SMB_E_MALFORMED : SMB_E_OVERFLOW;
    while (i < inlen) {
        uint32_t cp = (uint32_t)in[i] | ((uint32_t)in[i + 1] << 8);
        i += 2;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (inlen - i < 2)
                return SMB_E_MALFORMED;
            uint32_t lo = (uint32_t)in[i] | ((uint32_t)in[i + 1] << 8);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return SMB_E_MALFORMED;
            i += 2;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return SMB_E_MALFORMED;
        }
        size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (cap - o < n + 1)
            return SMB_E_OVERFLOW;
        if (n == 1) {
            out[o++] = (char)cp;
        } else if (n == 2) {
            out[o++] = (char)(0xC0 | (cp >> 6));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else if (n == 3) {
            out[o++] = (char)(0xE0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | (cp >> 18));
            out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    out[o] = '\0';
    *outlen = o;
    return SMB_OK;
}

smb_status smb_utf8_upper_ascii(const char *s, size_t slen, char *out, size_t cap)
{
    if (cap < slen + 1)
        return SMB_E_OVERFLOW;
    for (size_t i = 0; i < slen; i++) {
        char c = s[i];
        out[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    out[slen] = '\0';
    return SMB_OK;
}
