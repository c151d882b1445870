/*
 * server/names.h - UTF-8 <-> UTF-16LE for the server (file names, user names,
 * passwords). Strict: unpaired surrogates in UTF-16 and invalid UTF-8 are
 * errors, so a name always round-trips. (Kept in server/ because base/utf16
 * from the client branch had not landed when the server was written.)
 */
#ifndef SMBSIGN_SERVER_NAMES_H
#define SMBSIGN_SERVER_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"

/* UTF-16LE bytes (len even) -> NUL-terminated UTF-8 in out[cap]. */
smb_status srv_utf16_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap, size_t *outlen);
/* UTF-8 (n bytes) -> UTF-16LE in out[cap]; *outlen bytes written. */
smb_status srv_utf8_to_utf16(const char *in, size_t n, uint8_t *out, size_t cap, size_t *outlen);

#endif
