/* server/vfs.c - share-rooted file access with openat2 (see vfs.h). */
#include "server/vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/utf16.h"

static long sys_openat2(int dirfd, const char *path, struct open_how *how)
{
    return syscall(SYS_openat2, dirfd, path, how, sizeof *how);
}

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

smb_status srv_vfs_open_root(struct srv_vfs *v, const char *path, bool read_only)
{
    v->read_only = read_only;
    v->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (v->root_fd < 0)
        return srv_errno_status(errno);
    return SMB_OK;
}

void srv_vfs_close(struct srv_vfs *v)
{
    if (v->root_fd >= 0)
        close(v->root_fd);
    v->root_fd = -1;
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
    if (st != SMB_OK)
        return SMB_E_OBJECT_NAME_INVALID;
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

static const char *relp(const char *rel) { return rel[0] ? rel : "."; }

smb_status srv_vfs_open(const struct srv_vfs *v, const char *rel, int flags, mode_t mode, int *fd)
{
    if (v->read_only && ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC))))
        return SMB_E_MEDIA_WRITE_PROTECTED;
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    long r;
    do
        r = sys_openat2(v->root_fd, relp(rel), &how);
    while (r < 0 && errno == EAGAIN);
    if (r < 0)
        return srv_errno_status(errno);
    *fd = (int)r;
    return SMB_OK;
}

smb_status srv_vfs_stat(const struct srv_vfs *v, const char *rel, struct stat *st)
{
    int fd;
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    long r = sys_openat2(v->root_fd, relp(rel), &how);
    if (r < 0)
        return srv_errno_status(errno);
    fd = (int)r;
    int rc = fstat(fd, st);
    int e = errno;
    close(fd);
    return rc ? srv_errno_status(e) : SMB_OK;
}

/* Open the parent of rel beneath the root; *base points into rel. */
static SMB_WUR smb_status open_parent(const struct srv_vfs *v, const char *rel, int *pfd, const char **base)
{
    char dir[SRV_PATH_MAX];
    const char *slash = strrchr(rel, '/');
    if (!rel[0])
        return SMB_E_ACCESS_DENIED; /* the root itself */
    if (slash) {
        size_t n = (size_t)(slash - rel);
        if (n >= sizeof dir)
            return SMB_E_OBJECT_NAME_INVALID;
        memcpy(dir, rel, n);
        dir[n] = 0;
        *base = slash + 1;
    } else {
        dir[0] = 0;
        *base = rel;
    }
    struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    long r = sys_openat2(v->root_fd, relp(dir), &how);
    if (r < 0)
        return errno == ENOENT ? SMB_E_OBJECT_PATH_NOT_FOUND : srv_errno_status(errno);
    *pfd = (int)r;
    return SMB_OK;
}

smb_status srv_vfs_mkdir(const struct srv_vfs *v, const char *rel, mode_t mode)
{
    if (v->read_only)
        return SMB_E_MEDIA_WRITE_PROTECTED;
    int pfd;
    const char *base;
    smb_status st = open_parent(v, rel, &pfd, &base);
    if (st != SMB_OK)
        return st;
    int rc = mkdirat(pfd, base, mode);
    int e = errno;
    close(pfd);
    return rc ? srv_errno_status(e) : SMB_OK;
}

smb_status srv_vfs_remove(const struct srv_vfs *v, const char *rel, bool is_dir)
{
    if (v->read_only)
        return SMB_E_MEDIA_WRITE_PROTECTED;
    int pfd;
    const char *base;
    smb_status st = open_parent(v, rel, &pfd, &base);
    if (st != SMB_OK)
        return st;
    int rc = unlinkat(pfd, base, is_dir ? AT_REMOVEDIR : 0);
    int e = errno;
    close(pfd);
    return rc ? srv_errno_status(e) : SMB_OK;
}

smb_status srv_vfs_rename(const struct srv_vfs *v, const char *from, const char *to, bool replace)
{
    if (v->read_only)
        return SMB_E_MEDIA_WRITE_PROTECTED;
    int f1 = -1, f2 = -1;
    const char *b1, *b2;
    smb_status st = open_parent(v, from, &f1, &b1);
    if (st != SMB_OK)
        return st;
    st = open_parent(v, to, &f2, &b2);
    if (st != SMB_OK) {
        close(f1);
        return st;
    }
    int rc = renameat2(f1, b1, f2, b2, replace ? 0 : RENAME_NOREPLACE);
    int e = errno;
    close(f1);
    close(f2);
    if (rc && e == EEXIST)
        return SMB_E_OBJECT_NAME_COLLISION;
    return rc ? srv_errno_status(e) : SMB_OK;
}

smb_status srv_vfs_link(const struct srv_vfs *v, const char *from, const char *to, bool replace)
{
    if (v->read_only)
        return SMB_E_MEDIA_WRITE_PROTECTED;
    int f1 = -1, f2 = -1;
    const char *b1, *b2;
    smb_status st = open_parent(v, from, &f1, &b1);
    if (st != SMB_OK)
        return st;
    st = open_parent(v, to, &f2, &b2);
    if (st != SMB_OK) {
        close(f1);
        return st;
    }
    /* linkat without AT_SYMLINK_FOLLOW links the name itself, never a
     * symlink's target, so nothing outside the share can be linked in. */
    int rc = linkat(f1, b1, f2, b2, 0);
    int e = errno;
    if (rc && e == EEXIST && replace && unlinkat(f2, b2, 0) == 0) {
        rc = linkat(f1, b1, f2, b2, 0);
        e = errno;
    }
    close(f1);
    close(f2);
    if (rc && e == EEXIST)
        return SMB_E_OBJECT_NAME_COLLISION;
    return rc ? srv_errno_status(e) : SMB_OK;
}

smb_status srv_vfs_readdir(int dfd, struct srv_dirent **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return srv_errno_status(errno);
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return srv_errno_status(errno);
    }
    size_t cap = 16, cnt = 0;
    struct srv_dirent *a = malloc(cap * sizeof *a);
    smb_status st = SMB_OK;
    if (!a) {
        st = SMB_E_NOMEM;
        goto out;
    }
    /* "." and ".." first, as Windows lists them. */
    for (int i = 0; i < 2; i++) {
        snprintf(a[cnt].name, sizeof a[cnt].name, "%s", i ? ".." : ".");
        if (fstatat(dirfd(d), i ? "." : ".", &a[cnt].st, 0) == 0) /* '..' of the root must not leak */
            cnt++;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (cnt >= SRV_DIR_ENTRIES_MAX)
            break;
        if (cnt == cap) {
            struct srv_dirent *na = realloc(a, cap * 2 * sizeof *a);
            if (!na) {
                st = SMB_E_NOMEM;
                goto out;
            }
            a = na;
            cap *= 2;
        }
        if (strlen(de->d_name) > SRV_NAME_MAX)
            continue;
        if (fstatat(dirfd(d), de->d_name, &a[cnt].st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        snprintf(a[cnt].name, sizeof a[cnt].name, "%s", de->d_name);
        cnt++;
    }
out:
    closedir(d);
    if (st != SMB_OK) {
        free(a);
        return st;
    }
    *out = a;
    *n = cnt;
    return SMB_OK;
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
