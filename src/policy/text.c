/* policy/text.c - text decoding and a bounded line reader for the parsers (see text.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "policy/text.h"

smb_status pol_fail(smb_policy_error *err, smb_status st, uint32_t line, const char *fmt, ...)
{
    if (err) {
        err->line = line;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return st;
}

static void put_utf8(char *o, size_t *k, uint32_t cp)
{
    if (cp < 0x80) {
        o[(*k)++] = (char)cp;
    } else if (cp < 0x800) {
        o[(*k)++] = (char)(0xC0 | (cp >> 6));
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        o[(*k)++] = (char)(0xE0 | (cp >> 12));
        o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        o[(*k)++] = (char)(0xF0 | (cp >> 18));
        o[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static bool bad_control(uint32_t c) { return c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f'; }

smb_status pol_text_decode(const uint8_t *in, size_t len, pol_text *out, smb_policy_error *err)
{
    smb_rd r;
    uint32_t line = 1;
    out->buf = NULL;
    out->len = 0;
    out->utf16 = false;
    if (!in && len)
        return pol_fail(err, SMB_E_BAD_ARGUMENT, 0, "no input");
    if (len > SMB_POLICY_MAX_INPUT)
        return pol_fail(err, SMB_E_OVERFLOW, 0, "file larger than %u bytes", SMB_POLICY_MAX_INPUT);
    rd_init(&r, in, len);
    bool utf16 = false;
    if (len >= 2 && in[0] == 0xFF && in[1] == 0xFE) {
        utf16 = true;
        rd_skip(&r, 2);
    } else if (len >= 2 && in[0] == 0xFE && in[1] == 0xFF) {
        return pol_fail(err, SMB_E_UNSUPPORTED, 1, "UTF-16 big-endian is not supported (save as UTF-16LE or UTF-8)");
    } else if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) {
        rd_skip(&r, 3);
    } else if (len >= 2 && in[0] != 0 && in[1] == 0) {
        utf16 = true; /* UTF-16LE without BOM (e.g. a BOM stripped by a tool) */
    }
    /* UTF-16 code units become at most 3 UTF-8 bytes (pairs: 4 bytes for 2 units). */
    size_t cap = utf16 ? (len / 2) * 3 + 1 : len + 1;
    char *o = malloc(cap);
    if (!o)
        return pol_fail(err, SMB_E_NOMEM, 0, "out of memory");
    size_t k = 0;
    smb_status st = SMB_OK;
    if (utf16) {
        while (rd_remaining(&r) > 0) {
            if (rd_remaining(&r) == 1) {
                st = pol_fail(err, SMB_E_TRUNCATED, line, "truncated UTF-16LE text (odd number of bytes)");
                goto out;
            }
            uint32_t cp = rd_u16le(&r);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (rd_remaining(&r) < 2) {
                    st = pol_fail(err, SMB_E_TRUNCATED, line, "truncated UTF-16LE text (lone high surrogate)");
                    goto out;
                }
                uint32_t lo = rd_u16le(&r);
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    st = pol_fail(err, SMB_E_MALFORMED, line, "invalid UTF-16LE surrogate pair");
                    goto out;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                st = pol_fail(err, SMB_E_MALFORMED, line, "invalid UTF-16LE text (lone low surrogate)");
                goto out;
            }
            if (bad_control(cp)) {
                st = pol_fail(err, SMB_E_MALFORMED, line, "binary data: control character U+%04X", cp);
                goto out;
            }
            if (cp == 0xFEFF && k == 0)
                continue;
            if (cp == '\n')
                line++;
            put_utf8(o, &k, cp);
        }
    } else {
        while (rd_remaining(&r) > 0) {
            uint8_t c = rd_u8(&r);
            if (bad_control(c)) {
                st = pol_fail(err, SMB_E_MALFORMED, line, "binary data: control byte 0x%02X", c);
                goto out;
            }
            if (c == '\n')
                line++;
            o[k++] = (char)c;
        }
    }
    o[k] = '\0';
    out->buf = o;
    out->len = k;
    out->utf16 = utf16;
    o = NULL;
out:
    free(o);
    return st;
}

void pol_lines_init(pol_lines *L, const char *p, size_t len)
{
    L->p = p;
    L->len = len;
    L->off = 0;
    L->lineno = 0;
}

bool pol_lines_next(pol_lines *L, const char **line, size_t *n)
{
    if (L->off >= L->len)
        return false;
    const char *s = L->p + L->off;
    size_t rem = L->len - L->off;
    const char *nl = memchr(s, '\n', rem);
    size_t m = nl ? (size_t)(nl - s) : rem;
    L->off += nl ? m + 1 : m;
    L->lineno++;
    while (m > 0 && s[m - 1] == '\r')
        m--;
    *line = s;
    *n = m;
    return true;
}

void pol_trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

bool pol_ieq(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n == m && strncasecmp(s, lit, m) == 0;
}

bool pol_iprefix(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && strncasecmp(s, lit, m) == 0;
}

bool pol_copy(char *dst, size_t cap, const char *s, size_t n)
{
    if (cap == 0)
        return false;
    bool fits = n < cap;
    size_t m = fits ? n : cap - 1;
    memcpy(dst, s, m);
    dst[m] = '\0';
    return fits;
}
