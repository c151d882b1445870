/*
 * server/vfs.h - the file-system interface of the server core.
 *
 * Contract: the core (session*.c, smb2_*.c, smb1_*.c) touches files only
 * through this header. A share is a `struct srv_vfs`: an operations table
 * (`srv_vfs_ops`) and the backend's state. Two backends:
 *   - POSIX (vfs.c, srv_vfs_open_root): a directory on disk; every name is
 *     resolved with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) against
 *     the share root's fd, so neither '..', absolute names nor symlinks
 *     pointing outside the share can escape it (the kernel enforces it; the
 *     name checks of srv_vfs_path are defence in depth). errno values map to
 *     NTSTATUS through srv_errno_status (ENOSPC -> STATUS_DISK_FULL, ...).
 *   - memory (vfs_mem.c, srv_vfs_open_mem): a tree of directories and files
 *     held in memory, bounded (bytes, nodes), answering the same statuses as
 *     POSIX for the same situations, with a deterministic clock (fuzzing,
 *     unit tests, `backend = memory` shares).
 *
 * Names: every path a client names is converted with srv_vfs_path
 * (UTF-16LE, '\' separators -> relative UTF-8 with '/'; empty, '.', '..',
 * stream names and characters Windows forbids are refused); "" is the root.
 *
 * Read-only shares: the wrappers below refuse every operation that would
 * modify the share with SMB_E_MEDIA_WRITE_PROTECTED before the backend runs
 * (one rule for both backends).
 *
 * Handles: an open file or directory is an opaque `struct srv_fh *`,
 * reference counted (srv_fh_ref / srv_fh_put, atomic: a deferred READ/WRITE
 * job holds a reference on an I/O thread while CLOSE drops the open's). The
 * data path (srv_fh_pread / srv_fh_pwrite) is one indirect call into the
 * backend and allocates nothing. Each backend is safe for concurrent use by
 * several threads (the memory backend serialises on one mutex, a leaf lock).
 */
#ifndef SMBSIGN_SERVER_VFS_H
#define SMBSIGN_SERVER_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "smbsign/status.h"

#define SRV_PATH_MAX 4096
#define SRV_NAME_MAX 255 /* bytes of one UTF-8 component */
#define SRV_DIR_ENTRIES_MAX 200000 /* entries listed per directory (about 400 bytes each) */

/* What the core knows about a file (a backend-neutral stat). Times are
 * FILETIME (100 ns since 1601). */
enum srv_ftype { SRV_FT_OTHER = 0, SRV_FT_REG = 1, SRV_FT_DIR = 2 };
struct srv_attr {
    uint64_t dev, ino; /* identity: equal pairs are the same file (share-mode table) */
    uint64_t size;     /* bytes of data (files) */
    uint64_t alloc;    /* bytes allocated */
    uint64_t atime, mtime, ctime;
    uint32_t nlink;
    uint8_t type;  /* enum srv_ftype */
    bool readonly; /* FILE_ATTRIBUTE_READONLY: the owner write bit is clear */
};

/* Volume information (FileFsSizeInformation and friends). */
struct srv_volinfo {
    uint64_t block_size, blocks, bfree, bavail;
};

/* One directory entry, as QUERY_DIRECTORY / FIND_FIRST2 need it. */
struct srv_dirent {
    char name[SRV_NAME_MAX + 1];
    struct srv_attr st;
};

/* srv_vfs_open flags */
enum {
    SRV_O_RDWR = 1 << 0,     /* data read and write (else read only) */
    SRV_O_CREATE = 1 << 1,   /* create when missing */
    SRV_O_EXCL = 1 << 2,     /* with CREATE: fail with OBJECT_NAME_COLLISION when it exists */
    SRV_O_TRUNC = 1 << 3,    /* existing data dropped (needs RDWR) */
    SRV_O_DIR = 1 << 4,      /* must be a directory */
    SRV_O_ATTR = 1 << 5,     /* no data access: attributes, rename, delete only */
    SRV_O_READONLY = 1 << 6, /* with CREATE: the new file gets FILE_ATTRIBUTE_READONLY */
};
#define SRV_IO_NOWAIT 1 /* srv_fh_pread: SMB_E_PENDING (with *got) instead of waiting for the disk */
#define SRV_TIME_KEEP 0 /* srv_fh_setattr: leave this time alone */

struct srv_vfs;
struct srv_fh;

struct srv_vfs_ops {
    const char *name; /* "posix", "memory" */
    void (*close_root)(struct srv_vfs *v);
    smb_status (*open)(const struct srv_vfs *v, const char *rel, unsigned flags, struct srv_fh **out);
    smb_status (*stat)(const struct srv_vfs *v, const char *rel, struct srv_attr *a);
    smb_status (*mkdir)(const struct srv_vfs *v, const char *rel);
    smb_status (*remove)(const struct srv_vfs *v, const char *rel, bool is_dir);
    smb_status (*rename)(const struct srv_vfs *v, const char *from, const char *to, bool replace);
    smb_status (*link)(const struct srv_vfs *v, const char *from, const char *to, bool replace);
    smb_status (*volume)(const struct srv_vfs *v, struct srv_volinfo *vi);
    uint64_t (*now)(const struct srv_vfs *v); /* FILETIME */
    /* on handles */
    smb_status (*fstat)(struct srv_fh *h, struct srv_attr *a);
    smb_status (*pread)(struct srv_fh *h, uint8_t *dst, size_t len, uint64_t off, int flags, size_t *got);
    smb_status (*pwrite)(struct srv_fh *h, const uint8_t *src, size_t len, uint64_t off, size_t *done);
    smb_status (*truncate)(struct srv_fh *h, uint64_t size);
    smb_status (*allocate)(struct srv_fh *h, uint64_t size); /* reserve, size unchanged */
    smb_status (*sync)(struct srv_fh *h, bool data_only);
    /* readonly: 1 set, 0 clear, -1 leave; times FILETIME, SRV_TIME_KEEP leaves */
    smb_status (*setattr)(struct srv_fh *h, int readonly, uint64_t atime, uint64_t mtime);
    /* every entry of a directory ("." and ".." first); *out heap (caller frees) */
    smb_status (*readdir)(struct srv_fh *h, struct srv_dirent **out, size_t *n);
    void (*release)(struct srv_fh *h); /* the last reference went */
};

/* The common head of every backend's handle. */
struct srv_fh {
    const struct srv_vfs_ops *ops;
    int refs; /* atomic */
};

struct srv_memfs;
struct srv_vfs {
    const struct srv_vfs_ops *ops; /* NULL: not open */
    bool read_only;
    int root_fd;           /* POSIX: O_PATH|O_DIRECTORY of the share root */
    struct srv_memfs *mem; /* memory: the tree */
};

/* Limits of a memory share. */
#define SRV_MEM_BYTES_DEFAULT (64u << 20) /* [cfg] "memory size": file data, all files */
#define SRV_MEM_NODES_MAX 4096            /* files and directories per memory share */

SMB_WUR smb_status srv_vfs_open_root(struct srv_vfs *v, const char *path, bool read_only);
SMB_WUR smb_status srv_vfs_open_mem(struct srv_vfs *v, uint64_t max_bytes, bool read_only);
void srv_vfs_close(struct srv_vfs *v);

SMB_WUR smb_status srv_errno_status(int e);

/* SMB path (UTF-16LE bytes) -> "" (root) or "a/b/c". */
SMB_WUR smb_status srv_vfs_path(const uint8_t *u16, size_t len, char *out, size_t cap);

/* Name operations (the read-only rule applied first). */
SMB_WUR smb_status srv_vfs_open(const struct srv_vfs *v, const char *rel, unsigned flags, struct srv_fh **out);
SMB_WUR smb_status srv_vfs_stat(const struct srv_vfs *v, const char *rel, struct srv_attr *a);
SMB_WUR smb_status srv_vfs_mkdir(const struct srv_vfs *v, const char *rel);
/* Remove a file or an empty directory. */
SMB_WUR smb_status srv_vfs_remove(const struct srv_vfs *v, const char *rel, bool is_dir);
SMB_WUR smb_status srv_vfs_rename(const struct srv_vfs *v, const char *from, const char *to, bool replace);
/* Hard link `to` -> existing `from` (replace removes an existing `to` first). */
SMB_WUR smb_status srv_vfs_link(const struct srv_vfs *v, const char *from, const char *to, bool replace);
SMB_WUR smb_status srv_vfs_volume(const struct srv_vfs *v, struct srv_volinfo *vi);
static inline uint64_t srv_vfs_now(const struct srv_vfs *v) { return v->ops->now(v); }
/* The POSIX backend's clock (CLOCK_REALTIME as FILETIME), for code that has no share. */
uint64_t srv_vfs_posix_now(void);

/* Handle operations. */
static inline SMB_WUR smb_status srv_fh_fstat(struct srv_fh *h, struct srv_attr *a) { return h->ops->fstat(h, a); }
static inline SMB_WUR smb_status srv_fh_pread(struct srv_fh *h, uint8_t *dst, size_t len, uint64_t off, int flags,
                                      size_t *got)
{
    return h->ops->pread(h, dst, len, off, flags, got);
}
static inline SMB_WUR smb_status srv_fh_pwrite(struct srv_fh *h, const uint8_t *src, size_t len, uint64_t off,
                                       size_t *done)
{
    return h->ops->pwrite(h, src, len, off, done);
}
static inline SMB_WUR smb_status srv_fh_truncate(struct srv_fh *h, uint64_t size) { return h->ops->truncate(h, size); }
static inline SMB_WUR smb_status srv_fh_allocate(struct srv_fh *h, uint64_t size) { return h->ops->allocate(h, size); }
static inline SMB_WUR smb_status srv_fh_sync(struct srv_fh *h, bool data_only) { return h->ops->sync(h, data_only); }
static inline SMB_WUR smb_status srv_fh_setattr(struct srv_fh *h, int readonly, uint64_t atime, uint64_t mtime)
{
    return h->ops->setattr(h, readonly, atime, mtime);
}
static inline SMB_WUR smb_status srv_fh_readdir(struct srv_fh *h, struct srv_dirent **out, size_t *n)
{
    return h->ops->readdir(h, out, n);
}
static inline struct srv_fh *srv_fh_ref(struct srv_fh *h)
{
    __atomic_add_fetch(&h->refs, 1, __ATOMIC_RELAXED);
    return h;
}
/* Drop one reference (NULL is ignored); the last one closes the file. */
static inline void srv_fh_put(struct srv_fh *h)
{
    if (h && __atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) == 0)
        h->ops->release(h);
}

/* Wildcard match of a UTF-8 name against an SMB pattern ('*', '?', '<', '>',
 * '"' as MS-FSA 2.1.4.4 simplified), case-insensitive for ASCII. */
bool srv_vfs_match(const char *pattern, const char *name);

/* Windows FILETIME from a timespec and back. */
uint64_t srv_filetime(const struct timespec *ts);
void srv_timespec(uint64_t ft, struct timespec *ts);

#endif
