/* server/vfs_posix.c - the POSIX backend of the file-system interface: a
 * directory on disk, every name resolved with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS) beneath the share root's fd (see vfs.h). A handle
 * is a descriptor; READ and WRITE are one pread/pwrite loop on it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "server/vfs.h"

struct posix_fh {
    struct srv_fh h;
    int fd;
};

static const struct srv_vfs_ops posix_ops;

static inline int fd_of(struct srv_fh *h) { return ((struct posix_fh *)h)->fd; }

static long sys_openat2(int dirfd, const char *path, struct open_how *how)
{
    return syscall(SYS_openat2, dirfd, path, how, sizeof *how);
}

static const char *relp(const char *rel) { return rel[0] ? rel : "."; }

static void attr_of(const struct stat *st, struct srv_attr *a)
{
    memset(a, 0, sizeof *a);
    a->dev = (uint64_t)st->st_dev;
    a->ino = (uint64_t)st->st_ino;
    a->size = (uint64_t)st->st_size;
    a->alloc = (uint64_t)st->st_blocks * 512;
    a->atime = srv_filetime(&st->st_atim);
    a->mtime = srv_filetime(&st->st_mtim);
    a->ctime = srv_filetime(&st->st_ctim);
    a->nlink = (uint32_t)st->st_nlink;
    a->type = S_ISDIR(st->st_mode) ? SRV_FT_DIR : S_ISREG(st->st_mode) ? SRV_FT_REG : SRV_FT_OTHER;
    a->readonly = !(st->st_mode & S_IWUSR);
}

uint64_t srv_vfs_posix_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return srv_filetime(&ts);
}

smb_status srv_vfs_open_root(struct srv_vfs *v, const char *path, bool read_only)
{
    memset(v, 0, sizeof *v);
    v->read_only = read_only;
    v->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (v->root_fd < 0)
        return srv_errno_status(errno);
    v->ops = &posix_ops;
    return SMB_OK;
}

static void px_close_root(struct srv_vfs *v)
{
    if (v->root_fd >= 0)
        close(v->root_fd);
    v->root_fd = -1;
}

static SMB_WUR smb_status px_open(const struct srv_vfs *v, const char *rel, unsigned flags, struct srv_fh **out)
{
    int of;
    if (flags & SRV_O_ATTR)
        of = O_PATH;
    else
        of = (flags & SRV_O_RDWR) ? O_RDWR : O_RDONLY;
    if (flags & SRV_O_CREATE)
        of |= O_CREAT;
    if (flags & SRV_O_EXCL)
        of |= O_EXCL;
    if (flags & SRV_O_TRUNC)
        of |= O_TRUNC;
    if (flags & SRV_O_DIR)
        of |= O_DIRECTORY;
    struct posix_fh *p = malloc(sizeof *p);
    if (!p)
        return SMB_E_INSUFFICIENT_RESOURCES;
    struct open_how how = {
        .flags = (uint64_t)(of | O_CLOEXEC),
        .mode = (flags & SRV_O_CREATE) ? ((flags & SRV_O_READONLY) ? 0444 : 0644) : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    long r;
    do
        r = sys_openat2(v->root_fd, relp(rel), &how);
    while (r < 0 && errno == EAGAIN);
    if (r < 0) {
        int e = errno;
        free(p);
        return srv_errno_status(e);
    }
    p->h.ops = &posix_ops;
    p->h.refs = 1;
    p->fd = (int)r;
    *out = &p->h;
    return SMB_OK;
}

static void px_release(struct srv_fh *h)
{
    close(fd_of(h));
    free(h);
}

static SMB_WUR smb_status px_fstat(struct srv_fh *h, struct srv_attr *a)
{
    struct stat st;
    if (fstat(fd_of(h), &st) != 0)
        return srv_errno_status(errno);
    attr_of(&st, a);
    return SMB_OK;
}

static SMB_WUR smb_status px_stat(const struct srv_vfs *v, const char *rel, struct srv_attr *a)
{
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    long r = sys_openat2(v->root_fd, relp(rel), &how);
    if (r < 0)
        return srv_errno_status(errno);
    struct stat st;
    int rc = fstat((int)r, &st);
    int e = errno;
    close((int)r);
    if (rc)
        return srv_errno_status(e);
    attr_of(&st, a);
    return SMB_OK;
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

static SMB_WUR smb_status px_mkdir(const struct srv_vfs *v, const char *rel)
{
    int pfd;
    const char *base;
    smb_status st = open_parent(v, rel, &pfd, &base);
    if (st != SMB_OK)
        return st;
    int rc = mkdirat(pfd, base, 0755);
    int e = errno;
    close(pfd);
    return rc ? srv_errno_status(e) : SMB_OK;
}

static SMB_WUR smb_status px_remove(const struct srv_vfs *v, const char *rel, bool is_dir)
{
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

/* both parents of a two-name operation */
static SMB_WUR smb_status open_parents(const struct srv_vfs *v, const char *from, const char *to, int *f1, const char **b1,
                               int *f2, const char **b2)
{
    smb_status st = open_parent(v, from, f1, b1);
    if (st != SMB_OK)
        return st;
    st = open_parent(v, to, f2, b2);
    if (st != SMB_OK)
        close(*f1);
    return st;
}

static SMB_WUR smb_status px_rename(const struct srv_vfs *v, const char *from, const char *to, bool replace)
{
    int f1, f2;
    const char *b1, *b2;
    smb_status st = open_parents(v, from, to, &f1, &b1, &f2, &b2);
    if (st != SMB_OK)
        return st;
    int rc = renameat2(f1, b1, f2, b2, replace ? 0 : RENAME_NOREPLACE);
    int e = errno;
    close(f1);
    close(f2);
    return rc ? srv_errno_status(e) : SMB_OK;
}

static SMB_WUR smb_status px_link(const struct srv_vfs *v, const char *from, const char *to, bool replace)
{
    int f1, f2;
    const char *b1, *b2;
    smb_status st = open_parents(v, from, to, &f1, &b1, &f2, &b2);
    if (st != SMB_OK)
        return st;
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
    return rc ? srv_errno_status(e) : SMB_OK;
}

static SMB_WUR smb_status px_volume(const struct srv_vfs *v, struct srv_volinfo *vi)
{
    struct statvfs sv;
    if (fstatvfs(v->root_fd, &sv) != 0)
        return srv_errno_status(errno);
    vi->block_size = sv.f_frsize ? sv.f_frsize : 4096;
    vi->blocks = sv.f_blocks;
    vi->bfree = sv.f_bfree;
    vi->bavail = sv.f_bavail;
    return SMB_OK;
}

static uint64_t px_now(const struct srv_vfs *v)
{
    (void)v;
    return srv_vfs_posix_now();
}

static SMB_WUR smb_status px_pread(struct srv_fh *h, uint8_t *dst, size_t len, uint64_t off, int flags, size_t *got)
{
    int fd = fd_of(h);
    size_t n = 0;
    while (n < len) {
        ssize_t r;
        if (flags & SRV_IO_NOWAIT) {
            struct iovec iov = {.iov_base = dst + n, .iov_len = len - n};
            r = preadv2(fd, &iov, 1, (off_t)(off + n), RWF_NOWAIT);
        } else {
            r = pread(fd, dst + n, len - n, (off_t)(off + n));
        }
        if (r < 0) {
            if (errno == EINTR)
                continue;
            *got = n;
            /* would block, or the file system cannot tell: the caller waits elsewhere */
            if ((flags & SRV_IO_NOWAIT) && (errno == EAGAIN || errno == EOPNOTSUPP || errno == ENOSYS))
                return SMB_E_PENDING;
            return srv_errno_status(errno);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *got = n;
    return SMB_OK;
}

static SMB_WUR smb_status px_pwrite(struct srv_fh *h, const uint8_t *src, size_t len, uint64_t off, size_t *done)
{
    int fd = fd_of(h);
    size_t n = 0;
    while (n < len) {
        ssize_t r = pwrite(fd, src + n, len - n, (off_t)(off + n));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            *done = n;
            return srv_errno_status(errno);
        }
        n += (size_t)r;
    }
    *done = n;
    return SMB_OK;
}

static SMB_WUR smb_status px_truncate(struct srv_fh *h, uint64_t size)
{
    if (size > INT64_MAX)
        return SMB_E_INVALID_PARAMETER;
    return ftruncate(fd_of(h), (off_t)size) != 0 ? srv_errno_status(errno) : SMB_OK;
}

static SMB_WUR smb_status px_allocate(struct srv_fh *h, uint64_t size)
{
    if (size > INT64_MAX)
        return SMB_E_INVALID_PARAMETER;
    if (size == 0)
        return SMB_OK;
    if (fallocate(fd_of(h), FALLOC_FL_KEEP_SIZE, 0, (off_t)size) != 0 && errno != EOPNOTSUPP)
        return srv_errno_status(errno);
    return SMB_OK;
}

static SMB_WUR smb_status px_sync(struct srv_fh *h, bool data_only)
{
    int rc = data_only ? fdatasync(fd_of(h)) : fsync(fd_of(h));
    return rc != 0 ? srv_errno_status(errno) : SMB_OK;
}

static SMB_WUR smb_status px_setattr(struct srv_fh *h, int readonly, uint64_t atime, uint64_t mtime)
{
    int fd = fd_of(h);
    /* an attribute-only (O_PATH) handle cannot change them: EBADF is ignored */
    if (readonly >= 0) {
        struct stat st;
        if (fstat(fd, &st) != 0)
            return srv_errno_status(errno);
        mode_t m = readonly ? (st.st_mode & ~(mode_t)0222) : (st.st_mode | S_IWUSR);
        if ((m & 07777) != (st.st_mode & 07777) && fchmod(fd, m & 07777) != 0 && errno != EBADF)
            return srv_errno_status(errno);
    }
    struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    if (atime != SRV_TIME_KEEP)
        srv_timespec(atime, &ts[0]);
    if (mtime != SRV_TIME_KEEP)
        srv_timespec(mtime, &ts[1]);
    if ((ts[0].tv_nsec != UTIME_OMIT || ts[1].tv_nsec != UTIME_OMIT) && futimens(fd, ts) != 0 && errno != EBADF)
        return srv_errno_status(errno);
    return SMB_OK;
}

static SMB_WUR smb_status px_readdir(struct srv_fh *h, struct srv_dirent **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int fd = openat(fd_of(h), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
    struct stat sb;
    if (!a) {
        st = SMB_E_NOMEM;
        goto out;
    }
    /* "." and ".." first, as Windows lists them; '..' of the root must not
     * leak what is above it, so both describe this directory */
    for (int i = 0; i < 2; i++) {
        snprintf(a[cnt].name, sizeof a[cnt].name, "%s", i ? ".." : ".");
        if (fstatat(dirfd(d), ".", &sb, 0) == 0) {
            attr_of(&sb, &a[cnt].st);
            cnt++;
        }
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
        if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        attr_of(&sb, &a[cnt].st);
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

static const struct srv_vfs_ops posix_ops = {
    .name = "posix",
    .close_root = px_close_root,
    .open = px_open,
    .stat = px_stat,
    .mkdir = px_mkdir,
    .remove = px_remove,
    .rename = px_rename,
    .link = px_link,
    .volume = px_volume,
    .now = px_now,
    .fstat = px_fstat,
    .pread = px_pread,
    .pwrite = px_pwrite,
    .truncate = px_truncate,
    .allocate = px_allocate,
    .sync = px_sync,
    .setattr = px_setattr,
    .readdir = px_readdir,
    .release = px_release,
};
