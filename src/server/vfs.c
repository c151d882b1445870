/* server/vfs.c - the file-system interface: names, the read-only rule,
 * wildcards, FILETIME (see vfs.h); backends in vfs_posix.c and vfs_mem.c. */
#include "server/vfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf16.h"

smb_status srv_errno_status(int e)
{
    switch (e) {
    case 0: return SMB_OK;
    case ENOENT: return SMB_E_OBJECT_NAME_NOT_FOUND;
    case ENOTDIR: return SMB_E_OBJECT_PATH_NOT_FOUND;
    case EEXIST: return SMB_E_OBJECT_NAME_COLLISION;
    case EACCES: case EPERM: return SMB_E_ACCESS_DENIED;
    case EXDEV: return SMB_E_ACCESS_DENIED; /* RESOLVE_BENEATH refused an escape */
    case ELOOP: return SMB_E_ACCESS_DENIED;  /* magic link / loop */
    case ENOSPC: case EDQUOT: return SMB_E_DISK_FULL;
    case EROFS: return SMB_E_MEDIA_WRITE_PROTECTED;
    case EISDIR: return SMB_E_FILE_IS_A_DIRECTORY;
    case ENOTEMPTY: return SMB_E_DIRECTORY_NOT_EMPTY;
    case ENAMETOOLONG: return SMB_E_OBJECT_NAME_INVALID;
    case EINVAL: return SMB_E_INVALID_PARAMETER;
    case EMFILE: case ENFILE: case ENOMEM: return SMB_E_INSUFFICIENT_RESOURCES;
    case EBUSY: case ETXTBSY: return SMB_E_SHARING_VIOLATION;
    case EFBIG: return SMB_E_DISK_FULL;
    default: return SMB_E_ACCESS_DENIED;
    }
}

smb_status srv_vfs_path(const uint8_t *u16, size_t len, char *out, size_t cap)
{
    char tmp[SRV_PATH_MAX];
    size_t n = 0;
    if (len > 2 * 32767)
        return SMB_E_OBJECT_NAME_INVALID;
    smb_status st = smb_utf16le_to_utf8(u16, len, tmp, sizeof tmp, &n);
    if (st == SMB_E_OVERFLOW)
        return SMB_E_OBJECT_NAME_INVALID;
    if (st != SMB_OK || memchr(tmp, 0, n))
        return SMB_E_OBJECT_NAME_INVALID; /* also an embedded NUL: "a.txt\0\..\x" is not "a.txt" */
    size_t o = 0;
    const char *p = tmp;
    while (*p) {
        while (*p == '\\')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != '\\')
            e++;
        size_t cl = (size_t)(e - p);
        if (cl > SRV_NAME_MAX)
            return SMB_E_OBJECT_NAME_INVALID;
        if ((cl == 1 && p[0] == '.') || (cl == 2 && p[0] == '.' && p[1] == '.'))
            return SMB_E_OBJECT_NAME_INVALID; /* MS-FSA: '.'/'..' components are not names */
        for (size_t i = 0; i < cl; i++) {
            unsigned char c = (unsigned char)p[i];
            /* MS-FSCC 2.1.5.2 forbidden characters; ':' also refuses streams. */
            if (c < 0x20 || strchr("/:*?\"<>|", c))
                return SMB_E_OBJECT_NAME_INVALID;
        }
        if (o + cl + 2 > cap)
            return SMB_E_OBJECT_NAME_INVALID;
        if (o)
            out[o++] = '/';
        memcpy(out + o, p, cl);
        o += cl;
        p = e;
    }
    out[o] = 0;
    return SMB_OK;
}

/* ---- the interface: the read-only rule, then the backend ---- */

smb_status srv_vfs_open(const struct srv_vfs *v, const char *rel, unsigned flags, struct srv_fh **out)
{
    *out = NULL;
    if (v->read_only && (flags & (SRV_O_RDWR | SRV_O_CREATE | SRV_O_TRUNC)))
        return SMB_E_MEDIA_WRITE_PROTECTED;
    if ((flags & SRV_O_TRUNC) && !(flags & SRV_O_RDWR))
        return SMB_E_INVALID_PARAMETER;
    return v->ops->open(v, rel, flags, out);
}

smb_status srv_vfs_stat(const struct srv_vfs *v, const char *rel, struct srv_attr *a)
{
    return v->ops->stat(v, rel, a);
}

smb_status srv_vfs_mkdir(const struct srv_vfs *v, const char *rel)
{
    return v->read_only ? SMB_E_MEDIA_WRITE_PROTECTED : v->ops->mkdir(v, rel);
}

smb_status srv_vfs_remove(const struct srv_vfs *v, const char *rel, bool is_dir)
{
    return v->read_only ? SMB_E_MEDIA_WRITE_PROTECTED : v->ops->remove(v, rel, is_dir);
}

smb_status srv_vfs_rename(const struct srv_vfs *v, const char *from, const char *to, bool replace)
{
    return v->read_only ? SMB_E_MEDIA_WRITE_PROTECTED : v->ops->rename(v, from, to, replace);
}

smb_status srv_vfs_link(const struct srv_vfs *v, const char *from, const char *to, bool replace)
{
    return v->read_only ? SMB_E_MEDIA_WRITE_PROTECTED : v->ops->link(v, from, to, replace);
}

smb_status srv_vfs_volume(const struct srv_vfs *v, struct srv_volinfo *vi) { return v->ops->volume(v, vi); }

void srv_vfs_close(struct srv_vfs *v)
{
    if (v->ops)
        v->ops->close_root(v);
    v->ops = NULL;
}

static int lc(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static bool match_rec(const char *p, const char *s, int depth)
{
    if (depth > 64)
        return false;
    for (; *p; p++) {
        char c = *p;
        if (c == '*' || c == '<') {
            p++;
            if (!*p)
                return true;
            for (const char *t = s; ; t++) {
                if (match_rec(p, t, depth + 1))
                    return true;
                if (!*t)
                    return false;
            }
        } else if (c == '?' || c == '>') {
            if (!*s)
                return c == '>';
            /* skip one UTF-8 character */
            s++;
            while ((*s & 0xC0) == 0x80)
                s++;
        } else if (c == '"') {
            if (*s == '.')
                s++;
            else if (*s)
                return false;
        } else {
            if (lc((unsigned char)c) != lc((unsigned char)*s))
                return false;
            s++;
        }
    }
    return *s == 0;
}

bool srv_vfs_match(const char *pattern, const char *name)
{
    if (!pattern[0] || !strcmp(pattern, "*") || !strcmp(pattern, "*.*"))
        return true;
    return match_rec(pattern, name, 0);
}

/* FILETIME: 100 ns intervals since 1601-01-01. */
#define FT_EPOCH_DIFF 11644473600ull
uint64_t srv_filetime(const struct timespec *ts)
{
    if (ts->tv_sec < 0)
        return 0;
    return ((uint64_t)ts->tv_sec + FT_EPOCH_DIFF) * 10000000ull + (uint64_t)ts->tv_nsec / 100;
}

void srv_timespec(uint64_t ft, struct timespec *ts)
{
    uint64_t s = ft / 10000000ull;
    if (s < FT_EPOCH_DIFF) {
        ts->tv_sec = 0;
        ts->tv_nsec = 0;
        return;
    }
    ts->tv_sec = (time_t)(s - FT_EPOCH_DIFF);
    ts->tv_nsec = (long)(ft % 10000000ull) * 100;
}
