/*
 * base/file.h - read a whole small file (a policy export, a checkpoint, a
 * message) into memory with a size cap, in one place.
 */
#ifndef SMBSIGN_BASE_FILE_H
#define SMBSIGN_BASE_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "smbsign/status.h"

/* Read f to its end into a heap buffer (*out, caller frees; one spare byte
 * after the data so text callers may NUL-terminate at (*out)[*outlen]).
 * SMB_E_OVERFLOW when the stream holds more than max bytes, SMB_E_NOMEM,
 * SMB_E_IO on a read error (errno kept). *out is NULL on failure. */
SMB_WUR smb_status smb_read_stream(FILE *f, size_t max, uint8_t **out, size_t *outlen);
/* The same for a path ("-" is NOT special here); SMB_E_IO when it cannot be
 * opened (errno kept: ENOENT, EACCES...). */
SMB_WUR smb_status smb_read_path(const char *path, size_t max, uint8_t **out, size_t *outlen);

#endif
