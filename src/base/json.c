/* base/json.c - streaming JSON writer (see json.h). */
#include <inttypes.h>
#include <string.h>

#include "base/json.h"

void jw_init(jw *w, FILE *f)
{
    w->f = f;
    w->depth = 0;
    w->after_key = false;
    for (int i = 0; i <= JW_MAX_DEPTH; i++)
        w->need_comma[i] = false;
}

static void pre_value(jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->need_comma[w->depth])
        fputc(',', w->f);
    w->need_comma[w->depth] = true;
}

static void open(jw *w, char c)
{
    pre_value(w);
    fputc(c, w->f);
    if (w->depth < JW_MAX_DEPTH)
        w->depth++;
    w->need_comma[w->depth] = false;
}

static void close_(jw *w, char c)
{
    fputc(c, w->f);
    if (w->depth > 0)
        w->depth--;
}

void jw_obj_begin(jw *w) { open(w, '{'); }
void jw_obj_end(jw *w) { close_(w, '}'); }
void jw_arr_begin(jw *w) { open(w, '['); }
void jw_arr_end(jw *w) { close_(w, ']'); }

static void put_escaped(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

void jw_key(jw *w, const char *k)
{
    pre_value(w);
    put_escaped(w->f, k, strlen(k));
    fputc(':', w->f);
    w->after_key = true;
}

void jw_str(jw *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    jw_strn(w, s, strlen(s));
}

void jw_strn(jw *w, const char *s, size_t n)
{
    pre_value(w);
    put_escaped(w->f, s, n);
}

void jw_int(jw *w, int64_t v)
{
    pre_value(w);
    fprintf(w->f, "%" PRId64, v);
}

void jw_uint(jw *w, uint64_t v)
{
    pre_value(w);
    fprintf(w->f, "%" PRIu64, v);
}

void jw_bool(jw *w, bool v)
{
    pre_value(w);
    fputs(v ? "true" : "false", w->f);
}

void jw_null(jw *w)
{
    pre_value(w);
    fputs("null", w->f);
}

void jw_hex(jw *w, const void *p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    const uint8_t *b = p;
    pre_value(w);
    fputc('"', w->f);
    for (size_t i = 0; i < n; i++) {
        fputc(d[b[i] >> 4], w->f);
        fputc(d[b[i] & 15], w->f);
    }
    fputc('"', w->f);
}

void jw_newline(jw *w)
{
    fputc('\n', w->f);
    w->depth = 0;
    w->after_key = false;
    w->need_comma[0] = false;
}
