/*
 * policy/text.h - private helpers for the configuration parsers: decode a file
 * (UTF-16LE with BOM, UTF-8 with/without BOM, ASCII/ANSI) into a malloc'd,
 * NUL-terminated UTF-8 copy, and a bounded line reader over it.
 *
 * Contract: pol_text_decode reads the input only through smb_rd, refuses
 * inputs over SMB_POLICY_MAX_INPUT, truncated or unpaired UTF-16, NUL and
 * control characters (binary data), and reports the 1-based line of the
 * fault. The caller frees out->buf with free() (also set to NULL on error).
 */
#ifndef SMBSIGN_POLICY_TEXT_H
#define SMBSIGN_POLICY_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/policy.h"

typedef struct pol_text {
    char *buf;   /* UTF-8, NUL-terminated, owned by the caller after decode */
    size_t len;  /* bytes, without the NUL */
    bool utf16;  /* the input was UTF-16LE */
} pol_text;

SMB_WUR smb_status pol_text_decode(const uint8_t *in, size_t len, pol_text *out, smb_policy_error *err);

/* Line reader: yields lines without their "\r\n" / "\n"; never reads past len. */
typedef struct pol_lines {
    const char *p;
    size_t len;
    size_t off;
    uint32_t lineno; /* line number of the line last returned */
} pol_lines;

void pol_lines_init(pol_lines *L, const char *p, size_t len);
bool pol_lines_next(pol_lines *L, const char **line, size_t *n);

/* Trim ASCII spaces and tabs on both sides (in place on the pointer/length). */
void pol_trim(const char **s, size_t *n);
/* Case-insensitive equality of a counted string and a C string. */
bool pol_ieq(const char *s, size_t n, const char *lit);
/* Case-insensitive prefix test of a counted string. */
bool pol_iprefix(const char *s, size_t n, const char *lit);
/* Copy a counted string into dst (capacity cap, always NUL-terminated); returns false if truncated. */
bool pol_copy(char *dst, size_t cap, const char *s, size_t n);
/* Set err (line, printf message); returns st. */
SMB_WUR smb_status pol_fail(smb_policy_error *err, smb_status st, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Format-specific parsers over decoded text (the public functions decode first). */
SMB_WUR smb_status pol_parse_reg_text(const char *t, size_t n, smb_policy_layer *out, smb_policy_error *err);
SMB_WUR smb_status pol_parse_inf_text(const char *t, size_t n, smb_policy_layer *out, smb_policy_error *err);
SMB_WUR smb_status pol_parse_ps_text(const char *t, size_t n, unsigned role_hint, smb_policy_layer *out,
                             smb_policy_error *err);

/* INF [Registry Values] line under ...\NetworkProvider\HardenedPaths\: 1 taken
 * (added to l), 0 not such a line, -1 error (err set). */
int pol_inf_hardened(const char *path, size_t pn, uint32_t type, const char *data, size_t dn, uint32_t line,
                     smb_policy_layer *l, smb_policy_error *err);

#endif
