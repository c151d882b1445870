/*
 * base/json.h - a small streaming JSON writer for stable machine output.
 *
 * Contract: the writer emits compact JSON (no spaces) to a FILE*, inserting
 * commas itself. Keys and values alternate inside objects: call jw_key()
 * before each value. Strings are escaped per RFC 8259 (control characters as
 * \u00XX; bytes >= 0x80 are passed through, callers supply UTF-8). Nesting
 * deeper than JW_MAX_DEPTH is ignored (output stays well-formed up to it).
 * The writer owns no memory.
 */
#ifndef SMBSIGN_BASE_JSON_H
#define SMBSIGN_BASE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 32

typedef struct jw {
    FILE *f;
    int depth;
    bool need_comma[JW_MAX_DEPTH + 1];
    bool after_key;
} jw;

void jw_init(jw *w, FILE *f);
void jw_obj_begin(jw *w);
void jw_obj_end(jw *w);
void jw_arr_begin(jw *w);
void jw_arr_end(jw *w);
void jw_key(jw *w, const char *k);
void jw_str(jw *w, const char *s);          /* NULL writes null */
void jw_strn(jw *w, const char *s, size_t n);
void jw_int(jw *w, int64_t v);
void jw_uint(jw *w, uint64_t v);
void jw_bool(jw *w, bool v);
void jw_null(jw *w);
void jw_hex(jw *w, const void *p, size_t n); /* lowercase hex string */
/* End a JSON Lines record: writes "\n". */
void jw_newline(jw *w);

/* Convenience: key + value. */
static inline void jw_kstr(jw *w, const char *k, const char *v) { jw_key(w, k); jw_str(w, v); }
static inline void jw_kint(jw *w, const char *k, int64_t v) { jw_key(w, k); jw_int(w, v); }
static inline void jw_kbool(jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }
static inline void jw_knull(jw *w, const char *k) { jw_key(w, k); jw_null(w); }

#endif
