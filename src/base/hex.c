/* base/hex.c - hex codec (see hex.h). */
#include <string.h>

#include "base/hex.h"

void hex_encode(const void *src, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[s[i] >> 4];
        out[2 * i + 1] = digits[s[i] & 15];
    }
    out[2 * n] = 0;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

smb_status hex_decode(const char *text, size_t textlen, uint8_t *out, size_t cap, size_t *outlen,
                      size_t *err_off)
{
    size_t i = 0, n = 0;
    int hi = -1;
    size_t hi_off = 0;
    while (i < textlen && is_space(text[i]))
        i++;
    if (i + 1 < textlen && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X'))
        i += 2;
    for (; i < textlen; i++) {
        char c = text[i];
        if (is_space(c))
            continue;
        int v = nibble(c);
        if (v < 0) {
            if (err_off)
                *err_off = i;
            return SMB_E_BAD_HEX;
        }
        if (hi < 0) {
            hi = v;
            hi_off = i;
            continue;
        }
        if (n >= cap)
            return SMB_E_OVERFLOW;
        out[n++] = (uint8_t)((hi << 4) | v);
        hi = -1;
    }
    if (hi >= 0) {
        if (err_off)
            *err_off = hi_off;
        return SMB_E_BAD_HEX;
    }
    if (outlen)
        *outlen = n;
    return SMB_OK;
}

smb_status hex_decode_exact(const char *text, uint8_t *out, size_t want, size_t *got, size_t *err_off)
{
    uint8_t tmp[1024];
    size_t n = 0;
    smb_status st = hex_decode(text, strlen(text), tmp, sizeof tmp, &n, err_off);
    if (got)
        *got = n;
    if (st == SMB_OK && n != want)
        st = SMB_E_BAD_ARGUMENT;
    if (st == SMB_OK)
        memcpy(out, tmp, want);
    memset(tmp, 0, sizeof tmp);
    return st;
}
