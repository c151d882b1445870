/* base/file.c - see file.h. */
#include "base/file.h"

#include <errno.h>
#include <stdlib.h>

smb_status smb_read_stream(FILE *f, size_t max, uint8_t **out, size_t *outlen)
{
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    *out = NULL;
    *outlen = 0;
    if (!buf)
        return SMB_E_NOMEM;
    for (;;) {
        if (n == cap) { /* full: more than max already read means too big */
            if (n > max) {
                free(buf);
                return SMB_E_OVERFLOW;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return SMB_E_NOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        errno = e ? e : EIO;
        return SMB_E_IO;
    }
    if (n > max) {
        free(buf);
        return SMB_E_OVERFLOW;
    }
    if (n == cap) { /* keep the promised spare byte */
        uint8_t *nb = realloc(buf, cap + 1);
        if (!nb) {
            free(buf);
            return SMB_E_NOMEM;
        }
        buf = nb;
    }
    *out = buf;
    *outlen = n;
    return SMB_OK;
}

smb_status smb_read_path(const char *path, size_t max, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return SMB_E_IO;
    smb_status st = smb_read_stream(f, max, out, outlen);
    int e = errno;
    fclose(f);
    errno = e;
    return st;
}
