/*
 * base/utf16.h - UTF-8 <-> UTF-16LE conversion for SMB names and NTLM fields.
 *
 * Contract: never allocates; writes at most cap bytes; returns SMB_OK with
 * *outlen set, SMB_E_OVERFLOW when the output does not fit, SMB_E_MALFORMED
 * on invalid input (bad UTF-8, unpaired surrogates, odd UTF-16 length). The
 * output is not NUL-terminated by the UTF-16 encoder; the UTF-8 decoder
 * writes a terminating NUL (not counted in *outlen) and so needs cap >= 1.
 */
#ifndef SMBSIGN_BASE_UTF16_H
#define SMBSIGN_BASE_UTF16_H

#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"

SMB_WUR smb_status smb_utf8_to_utf16le(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen);
SMB_WUR smb_status smb_utf16le_to_utf8(const uint8_t *in, size_t inlen, char *out, size_t cap, size_t *outlen);
/* ASCII-only uppercase of a UTF-8 string into out (NTOWFv2 uses Unicode
 * uppercase; non-ASCII letters are left as they are). Returns SMB_E_OVERFLOW
 * when cap is too small (needs slen + 1). */
SMB_WUR smb_status smb_utf8_upper_ascii(const char *s, size_t slen, char *out, size_t cap);

#endif
