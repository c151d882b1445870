/* server/names.c - strict UTF-8 <-> UTF-16LE (see names.h). */
#include "server/names.h"

smb_status srv_utf16_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap, size_t *outlen)
{
    size_t o = 0;
    if (len & 1)
        return SMB_E_MALFORMED;
    for (size_t i = 0; i < len; i += 2) {
        uint32_t cp = (uint32_t)in[i] | ((uint32_t)in[i + 1] << 8);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 3 >= len)
                return SMB_E_MALFORMED;
            uint32_t lo = (uint32_t)in[i + 2] | ((uint32_t)in[i + 3] << 8);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return SMB_E_MALFORMED;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 2;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return SMB_E_MALFORMED;
        }
        uint8_t b[4];
        size_t n;
        if (cp < 0x80) {
            b[0] = (uint8_t)cp;
            n = 1;
        } else if (cp < 0x800) {
            b[0] = (uint8_t)(0xC0 | (cp >> 6));
            b[1] = (uint8_t)(0x80 | (cp & 0x3F));
            n = 2;
        } else if (cp < 0x10000) {
            b[0] = (uint8_t)(0xE0 | (cp >> 12));
            b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            b[2] = (uint8_t)(0x80 | (cp & 0x3F));
            n = 3;
        } else {
            b[0] = (uint8_t)(0xF0 | (cp >> 18));
            b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
            b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            b[3] = (uint8_t)(0x80 | (cp & 0x3F));
            n = 4;
        }
        if (o + n + 1 > cap)
            return SMB_E_OVERFLOW;
        for (size_t k = 0; k < n; k++)
            out[o++] = (char)b[k];
    }
    if (o + 1 > cap)
        return SMB_E_OVERFLOW;
    out[o] = 0;
    if (outlen)
        *outlen = o;
    return SMB_OK;
}

smb_status srv_utf8_to_utf16(const char *in, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
    const uint8_t *s = (const uint8_t *)in;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t need;
        uint8_t c = s[i];
        if (c < 0x80) {
            cp = c;
            need = 0;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            need = 1;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            need = 2;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07;
            need = 3;
        } else {
            return SMB_E_MALFORMED;
        }
        if (i + need >= n && need)
            return SMB_E_MALFORMED;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return SMB_E_MALFORMED;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return SMB_E_MALFORMED;
        i += need + 1;
        if (cp >= 0x10000) {
            if (o + 4 > cap)
                return SMB_E_OVERFLOW;
            cp -= 0x10000;
            uint16_t hi = (uint16_t)(0xD800 + (cp >> 10)), lo = (uint16_t)(0xDC00 + (cp & 0x3FF));
            out[o++] = (uint8_t)hi;
            out[o++] = (uint8_t)(hi >> 8);
            out[o++] = (uint8_t)lo;
            out[o++] = (uint8_t)(lo >> 8);
        } else {
            if (o + 2 > cap)
                return SMB_E_OVERFLOW;
            out[o++] = (uint8_t)cp;
            out[o++] = (uint8_t)(cp >> 8);
        }
    }
    *outlen = o;
    return SMB_OK;
}
