/*
 * base/hex.h - hex codec. Output is lowercase; input accepts either case and
 * ignores ASCII whitespace (and an optional leading "0x" on the whole text).
 */
#ifndef SMBSIGN_BASE_HEX_H
#define SMBSIGN_BASE_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"

/* Writes 2*n lowercase hex digits plus a NUL to out (size >= 2*n+1). */
void hex_encode(const void *src, size_t n, char *out);

/*
 * Decodes text[0..textlen) into out (capacity cap). On success *outlen is the
 * byte count. Errors: SMB_E_BAD_HEX (invalid character, or an odd number of
 * digits) with *err_off the offset in text of the offending character (or of
 * the end for an odd count); SMB_E_OVERFLOW when out is too small.
 */
SMB_WUR smb_status hex_decode(const char *text, size_t textlen, uint8_t *out, size_t cap, size_t *outlen,
                      size_t *err_off);

/* Fixed-length variant: succeeds only when exactly want bytes decode. */
SMB_WUR smb_status hex_decode_exact(const char *text, uint8_t *out, size_t want, size_t *got,
                            size_t *err_off);

#endif
