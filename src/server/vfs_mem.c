/* server/vfs_mem.c - the in-memory backend of the file-system interface
 * (see vfs.h): a tree of directories and files held in memory.
 *
 * Bounds: file data of all files together at most max_bytes (writes,
 * truncates and allocations past it fail with STATUS_DISK_FULL, as ENOSPC
 * does on disk), at most SRV_MEM_NODES_MAX names. Statuses follow the POSIX
 * backend for the same situation (the errno it would see, mapped by
 * srv_errno_status): a missing name is OBJECT_NAME_NOT_FOUND, a missing or
 * non-directory parent OBJECT_PATH_NOT_FOUND, an existing name
 * OBJECT_NAME_COLLISION, writing a directory FILE_IS_A_DIRECTORY, a
 * non-empty directory DIRECTORY_NOT_EMPTY, a data operation on a handle
 * without that access ACCESS_DENIED (EBADF), opening a read-only file for
 * writing ACCESS_DENIED (EACCES, as for a user other than root). Names are
 * case-sensitive, as on Linux file systems.
 *
 * Clock: deterministic, for fuzzing and tests: it starts at 2020-01-01 and
 * advances 1 ms per reading.
 *
 * Locking: one mutex per tree (fs->mu), taken by every operation and held
 * for its whole duration; a leaf lock. A handle holds a reference on its
 * inode and on the tree, so a file removed while open stays readable, and
 * the tree outlives srv_vfs_close until its last handle is released. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "server/vfs.h"

#define MEM_BLOCK 4096u
#define MEM_EPOCH 132223104000000000ull /* 2020-01-01T00:00:00Z as FILETIME */

struct mem_dent;

struct mem_inode {
    uint64_t ino;
    bool dir, readonly;
    uint8_t *data;
    size_t size, cap;
    uint64_t reserved; /* AllocationSize asked for (allocate) */
    uint64_t atime, mtime, ctime;
    uint32_t nlink;             /* names */
    uint32_t opens;             /* handles */
    struct mem_dent *children;  /* directories */
    struct mem_inode *parent;   /* directories: for "..", the root's is itself */
};

struct mem_dent {
    char name[SRV_NAME_MAX + 1];
    struct mem_inode *ino;
    struct mem_dent *next;
};

struct srv_memfs {
    pthread_mutex_t mu;
    struct mem_inode *root;
    uint64_t dev, next_ino, clock;
    uint64_t bytes, max_bytes; /* file data held / allowed */
    uint32_t nodes;            /* names held */
    uint32_t refs;             /* the share + every handle */
};

struct mem_fh {
    struct srv_fh h;
    struct srv_memfs *fs;
    struct mem_inode *ino;
    bool rdwr, attr_only;
};

static const struct srv_vfs_ops mem_ops;

static uint64_t next_dev = 1; /* distinguishes trees in the share-mode table */

static uint64_t tick(struct srv_memfs *fs)
{
    fs->clock += 10000; /* 1 ms */
    return fs->clock;
}

static struct mem_inode *inode_new(struct srv_memfs *fs, bool dir)
{
    struct mem_inode *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->ino = fs->next_ino++;
    n->dir = dir;
    n->atime = n->mtime = n->ctime = tick(fs);
    return n;
}

static void inode_maybe_free(struct srv_memfs *fs, struct mem_inode *n)
{
    if (n->nlink || n->opens || n == fs->root)
        return;
    fs->bytes -= n->size;
    free(n->data);
    free(n);
}

smb_status srv_vfs_open_mem(struct srv_vfs *v, uint64_t max_bytes, bool read_only)
{
    memset(v, 0, sizeof *v);
    v->root_fd = -1;
    struct srv_memfs *fs = calloc(1, sizeof *fs);
    if (!fs)
        return SMB_E_INSUFFICIENT_RESOURCES;
    pthread_mutex_init(&fs->mu, NULL);
    fs->dev = __atomic_fetch_add(&next_dev, 1, __ATOMIC_RELAXED);
    fs->next_ino = 1;
    fs->clock = MEM_EPOCH;
    fs->max_bytes = max_bytes ? max_bytes : SRV_MEM_BYTES_DEFAULT;
    fs->refs = 1;
    fs->root = inode_new(fs, true);
    if (!fs->root) {
        pthread_mutex_destroy(&fs->mu);
        free(fs);
        return SMB_E_INSUFFICIENT_RESOURCES;
    }
    fs->root->parent = fs->root;
    fs->root->nlink = 1;
    v->mem = fs;
    v->read_only = read_only;
    v->ops = &mem_ops;
    return SMB_OK;
}

/* free a directory's subtree that no handle references any more */
static void tree_free(struct srv_memfs *fs, struct mem_inode *d)
{
    struct mem_dent *e = d->children, *nx;
    for (; e; e = nx) {
        nx = e->next;
        struct mem_inode *n = e->ino;
        free(e);
        if (n->dir)
            tree_free(fs, n);
        n->nlink--;
        if (n->dir)
            n->children = NULL;
        inode_maybe_free(fs, n);
    }
    d->children = NULL;
}

static void fs_put_locked(struct srv_memfs *fs, bool *gone)
{
    *gone = --fs->refs == 0;
}

static void fs_destroy(struct srv_memfs *fs)
{
    tree_free(fs, fs->root);
    free(fs->root->data);
    free(fs->root);
    pthread_mutex_destroy(&fs->mu);
    free(fs);
}

static void mem_close_root(struct srv_vfs *v)
{
    struct srv_memfs *fs = v->mem;
    bool gone;
    pthread_mutex_lock(&fs->mu);
    fs_put_locked(fs, &gone);
    pthread_mutex_unlock(&fs->mu);
    if (gone)
        fs_destroy(fs);
    v->mem = NULL;
}

static struct mem_dent *dent_find(const struct mem_inode *d, const char *name, size_t len)
{
    for (struct mem_dent *e = d->children; e; e = e->next)
        if (strlen(e->name) == len && !memcmp(e->name, name, len))
            return e;
    return NULL;
}

/* Walk rel ("" = root) to its inode. */
static SMB_WUR smb_status lookup(struct srv_memfs *fs, const char *rel, struct mem_inode **out)
{
    struct mem_inode *cur = fs->root;
    const char *p = rel;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > SRV_NAME_MAX)
            return SMB_E_OBJECT_NAME_INVALID; /* ENAMETOOLONG */
        if (!cur->dir)
            return SMB_E_OBJECT_PATH_NOT_FOUND; /* ENOTDIR */
        struct mem_dent *d = len ? dent_find(cur, p, len) : NULL;
        if (!d)
            return SMB_E_OBJECT_NAME_NOT_FOUND; /* ENOENT */
        cur = d->ino;
        p = e ? e + 1 : p + len;
    }
    *out = cur;
    return SMB_OK;
}

/* The parent directory of rel and its last component. */
static SMB_WUR smb_status parent_of(struct srv_memfs *fs, const char *rel, struct mem_inode **dir, const char **base)
{
    if (!rel[0])
        return SMB_E_ACCESS_DENIED; /* the root itself */
    char tmp[SRV_PATH_MAX];
    const char *slash = strrchr(rel, '/');
    size_t n = slash ? (size_t)(slash - rel) : 0;
    if (n >= sizeof tmp)
        return SMB_E_OBJECT_NAME_INVALID;
    memcpy(tmp, rel, n);
    tmp[n] = 0;
    *base = slash ? slash + 1 : rel;
    if (!**base || strlen(*base) > SRV_NAME_MAX)
        return SMB_E_OBJECT_NAME_INVALID;
    smb_status st = lookup(fs, tmp, dir);
    if (st == SMB_E_OBJECT_NAME_NOT_FOUND)
        return SMB_E_OBJECT_PATH_NOT_FOUND;
    if (st == SMB_OK && !(*dir)->dir)
        return SMB_E_OBJECT_PATH_NOT_FOUND;
    return st;
}

static SMB_WUR smb_status dent_add(struct srv_memfs *fs, struct mem_inode *dir, const char *name, struct mem_inode *n)
{
    if (fs->nodes >= SRV_MEM_NODES_MAX)
        return SMB_E_DISK_FULL; /* ENOSPC: no inode left */
    struct mem_dent *e = calloc(1, sizeof *e);
    if (!e)
        return SMB_E_INSUFFICIENT_RESOURCES;
    memcpy(e->name, name, strlen(name) + 1);
    e->ino = n;
    e->next = dir->children;
    dir->children = e;
    n->nlink++;
    if (n->dir)
        n->parent = dir;
    fs->nodes++;
    dir->mtime = dir->ctime = tick(fs);
    return SMB_OK;
}

/* unlink the entry from dir (the inode is freed when nothing holds it) */
static void dent_remove(struct srv_memfs *fs, struct mem_inode *dir, struct mem_dent *e, bool free_inode)
{
    for (struct mem_dent **pp = &dir->children; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    struct mem_inode *n = e->ino;
    free(e);
    fs->nodes--;
    n->nlink--;
    if (n->dir)
        n->parent = NULL; /* gone from the tree: ".." describes itself */
    n->ctime = dir->mtime = dir->ctime = tick(fs);
    if (free_inode)
        inode_maybe_free(fs, n);
}

static void attr_fill(const struct srv_memfs *fs, const struct mem_inode *n, struct srv_attr *a)
{
    memset(a, 0, sizeof *a);
    a->dev = fs->dev;
    a->ino = n->ino;
    a->size = n->dir ? MEM_BLOCK : n->size;
    uint64_t rounded = ((uint64_t)n->size + MEM_BLOCK - 1) / MEM_BLOCK * MEM_BLOCK;
    a->alloc = n->dir ? MEM_BLOCK : (n->reserved > rounded ? n->reserved : rounded);
    a->atime = n->atime;
    a->mtime = n->mtime;
    a->ctime = n->ctime;
    a->nlink = n->dir ? 2 : n->nlink;
    a->type = n->dir ? SRV_FT_DIR : SRV_FT_REG;
    a->readonly = n->readonly;
}

/* Make room for size bytes of data, charged to the tree. */
static SMB_WUR smb_status set_size(struct srv_memfs *fs, struct mem_inode *n, uint64_t size)
{
    if (size > fs->max_bytes || (size > n->size && size - n->size > fs->max_bytes - fs->bytes))
        return SMB_E_DISK_FULL;
    if (size > n->cap) {
        size_t nc = n->cap ? n->cap : 256;
        while (nc < size)
            nc = nc > SIZE_MAX / 2 ? (size_t)size : nc * 2;
        if (nc > fs->max_bytes)
            nc = (size_t)fs->max_bytes;
        uint8_t *p = realloc(n->data, nc);
        if (!p)
            return SMB_E_INSUFFICIENT_RESOURCES;
        n->data = p;
        n->cap = nc;
    }
    if (size > n->size)
        memset(n->data + n->size, 0, (size_t)size - n->size);
    fs->bytes = fs->bytes - n->size + size;
    n->size = (size_t)size;
    return SMB_OK;
}

static SMB_WUR smb_status mem_open(const struct srv_vfs *v, const char *rel, unsigned flags, struct srv_fh **out)
{
    struct srv_memfs *fs = v->mem;
    struct mem_fh *h = calloc(1, sizeof *h);
    if (!h)
        return SMB_E_INSUFFICIENT_RESOURCES;
    pthread_mutex_lock(&fs->mu);
    struct mem_inode *n = NULL;
    smb_status st = lookup(fs, rel, &n);
    bool attr_only = (flags & SRV_O_ATTR) != 0, rdwr = !attr_only && (flags & SRV_O_RDWR);
    if (st == SMB_OK) {
        if ((flags & SRV_O_CREATE) && (flags & SRV_O_EXCL))
            st = SMB_E_OBJECT_NAME_COLLISION; /* EEXIST */
        else if ((flags & SRV_O_DIR) && !n->dir)
            st = SMB_E_OBJECT_PATH_NOT_FOUND; /* ENOTDIR */
        else if (n->dir && !attr_only && (rdwr || (flags & SRV_O_TRUNC)))
            st = SMB_E_FILE_IS_A_DIRECTORY; /* EISDIR */
        else if (rdwr && n->readonly)
            st = SMB_E_ACCESS_DENIED; /* EACCES */
        else if ((flags & SRV_O_TRUNC) && !attr_only && n->size) {
            st = set_size(fs, n, 0);
            n->mtime = n->ctime = tick(fs);
        }
    } else if (st == SMB_E_OBJECT_NAME_NOT_FOUND && (flags & SRV_O_CREATE)) {
        struct mem_inode *dir;
        const char *base;
        if (flags & SRV_O_DIR)
            st = SMB_E_INVALID_PARAMETER; /* O_CREAT|O_DIRECTORY: EINVAL */
        else if ((st = parent_of(fs, rel, &dir, &base)) == SMB_OK) {
            n = inode_new(fs, false);
            if (!n)
                st = SMB_E_INSUFFICIENT_RESOURCES;
            else if ((st = dent_add(fs, dir, base, n)) != SMB_OK) {
                free(n);
                n = NULL;
            } else
                n->readonly = (flags & SRV_O_READONLY) != 0;
        }
    }
    if (st == SMB_OK) {
        n->opens++;
        fs->refs++;
        h->h.ops = &mem_ops;
        h->h.refs = 1;
        h->fs = fs;
        h->ino = n;
        h->rdwr = rdwr;
        h->attr_only = attr_only;
        *out = &h->h;
    }
    pthread_mutex_unlock(&fs->mu);
    if (st != SMB_OK)
        free(h);
    return st;
}

static void mem_release(struct srv_fh *hh)
{
    struct mem_fh *h = (struct mem_fh *)hh;
    struct srv_memfs *fs = h->fs;
    bool gone;
    pthread_mutex_lock(&fs->mu);
    h->ino->opens--;
    inode_maybe_free(fs, h->ino);
    fs_put_locked(fs, &gone);
    pthread_mutex_unlock(&fs->mu);
    if (gone)
        fs_destroy(fs);
    free(h);
}

static SMB_WUR smb_status mem_stat(const struct srv_vfs *v, const char *rel, struct srv_attr *a)
{
    struct srv_memfs *fs = v->mem;
    pthread_mutex_lock(&fs->mu);
    struct mem_inode *n;
    smb_status st = lookup(fs, rel, &n);
    if (st == SMB_OK)
        attr_fill(fs, n, a);
    pthread_mutex_unlock(&fs->mu);
    return st;
}

static SMB_WUR smb_status mem_mkdir(const struct srv_vfs *v, const char *rel)
{
    struct srv_memfs *fs = v->mem;
    pthread_mutex_lock(&fs->mu);
    struct mem_inode *dir, *n;
    const char *base;
    smb_status st = parent_of(fs, rel, &dir, &base);
    if (st == SMB_OK && dent_find(dir, base, strlen(base)))
        st = SMB_E_OBJECT_NAME_COLLISION;
    if (st == SMB_OK) {
        n = inode_new(fs, true);
        if (!n)
            st = SMB_E_INSUFFICIENT_RESOURCES;
        else if ((st = dent_add(fs, dir, base, n)) != SMB_OK)
            free(n);
    }
    pthread_mutex_unlock(&fs->mu);
    return st;
}

static SMB_WUR smb_status mem_remove(const struct srv_vfs *v, const char *rel, bool is_dir)
{
    struct srv_memfs *fs = v->mem;
    pthread_mutex_lock(&fs->mu);
    struct mem_inode *dir;
    const char *base;
    struct mem_dent *e = NULL;
    smb_status st = parent_of(fs, rel, &dir, &base);
    if (st == SMB_OK && !(e = dent_find(dir, base, strlen(base))))
        st = SMB_E_OBJECT_NAME_NOT_FOUND;
    if (st == SMB_OK) {
        if (is_dir && !e->ino->dir)
            st = SMB_E_OBJECT_PATH_NOT_FOUND; /* ENOTDIR */
        else if (!is_dir && e->ino->dir)
            st = SMB_E_FILE_IS_A_DIRECTORY; /* EISDIR */
        else if (e->ino->dir && e->ino->children)
            st = SMB_E_DIRECTORY_NOT_EMPTY;
        else
            dent_remove(fs, dir, e, true);
    }
    pthread_mutex_unlock(&fs->mu);
    return st;
}

/* is d (a directory) a or beneath a? */
static bool within(const struct mem_inode *d, const struct mem_inode *a, const struct mem_inode *root)
{
    for (;;) {
        if (d == a)
            return true;
        if (d == root)
            return false;
        d = d->parent;
    }
}

/* A two-name operation (rename, link): both parents, the source entry, the
 * target's last component and its entry when it exists. */
struct mem_pair {
    struct mem_inode *d1, *d2;
    struct mem_dent *se, *te;
    const char *b2;
};

static SMB_WUR smb_status rename_locked(struct srv_memfs *fs, struct mem_pair *p, bool replace)
{
    struct mem_inode *n = p->se->ino;
    if (p->te && !replace)
        return SMB_E_OBJECT_NAME_COLLISION; /* RENAME_NOREPLACE: EEXIST */
    if (p->te && p->te->ino == n)
        return SMB_OK; /* the same file: nothing to do (rename(2)) */
    if (n->dir && within(p->d2, n, fs->root))
        return SMB_E_INVALID_PARAMETER; /* into itself: EINVAL */
    if (p->te) {
        struct mem_inode *t = p->te->ino;
        if (t->dir && !n->dir)
            return SMB_E_FILE_IS_A_DIRECTORY; /* EISDIR */
        if (!t->dir && n->dir)
            return SMB_E_OBJECT_PATH_NOT_FOUND; /* ENOTDIR */
        if (t->dir && t->children)
            return SMB_E_DIRECTORY_NOT_EMPTY;
        dent_remove(fs, p->d2, p->te, true);
    }
    /* move the entry: out of d1, renamed, into d2 */
    for (struct mem_dent **pp = &p->d1->children; *pp; pp = &(*pp)->next)
        if (*pp == p->se) {
            *pp = p->se->next;
            break;
        }
    memcpy(p->se->name, p->b2, strlen(p->b2) + 1);
    p->se->next = p->d2->children;
    p->d2->children = p->se;
    if (n->dir)
        n->parent = p->d2;
    n->ctime = p->d1->mtime = p->d1->ctime = p->d2->mtime = p->d2->ctime = tick(fs);
    return SMB_OK;
}

static SMB_WUR smb_status link_locked(struct srv_memfs *fs, struct mem_pair *p, bool replace)
{
    if (p->se->ino->dir)
        return SMB_E_ACCESS_DENIED; /* EPERM: no hard links to directories */
    if (p->te) {
        if (!replace || p->te->ino->dir)
            return SMB_E_OBJECT_NAME_COLLISION; /* EEXIST (unlink of a directory failed) */
        if (p->te->ino == p->se->ino)
            return SMB_OK; /* already that file */
        dent_remove(fs, p->d2, p->te, true);
    }
    smb_status st = dent_add(fs, p->d2, p->b2, p->se->ino);
    if (st == SMB_OK)
        p->se->ino->ctime = tick(fs);
    return st;
}

/* Resolve both names under the tree's lock and run op. */
static SMB_WUR smb_status two_names(const struct srv_vfs *v, const char *from, const char *to, bool replace,
                            smb_status (*op)(struct srv_memfs *, struct mem_pair *, bool))
{
    struct srv_memfs *fs = v->mem;
    struct mem_pair p = {0};
    const char *b1;
    pthread_mutex_lock(&fs->mu);
    smb_status st = parent_of(fs, from, &p.d1, &b1);
    if (st == SMB_OK)
        st = parent_of(fs, to, &p.d2, &p.b2);
    if (st == SMB_OK && !(p.se = dent_find(p.d1, b1, strlen(b1))))
        st = SMB_E_OBJECT_NAME_NOT_FOUND;
    if (st == SMB_OK) {
        p.te = dent_find(p.d2, p.b2, strlen(p.b2));
        st = op(fs, &p, replace);
    }
    pthread_mutex_unlock(&fs->mu);
    return st;
}

static SMB_WUR smb_status mem_rename(const struct srv_vfs *v, const char *from, const char *to, bool replace)
{
    return two_names(v, from, to, replace, rename_locked);
}

static SMB_WUR smb_status mem_link(const struct srv_vfs *v, const char *from, const char *to, bool replace)
{
    return two_names(v, from, to, replace, link_locked);
}

static SMB_WUR smb_status mem_volume(const struct srv_vfs *v, struct srv_volinfo *vi)
{
    struct srv_memfs *fs = v->mem;
    pthread_mutex_lock(&fs->mu);
    vi->block_size = MEM_BLOCK;
    vi->blocks = fs->max_bytes / MEM_BLOCK;
    vi->bfree = vi->bavail = (fs->max_bytes - fs->bytes) / MEM_BLOCK;
    pthread_mutex_unlock(&fs->mu);
    return SMB_OK;
}

static uint64_t mem_now(const struct srv_vfs *v)
{
    struct srv_memfs *fs = v->mem;
    pthread_mutex_lock(&fs->mu);
    uint64_t t = tick(fs);
    pthread_mutex_unlock(&fs->mu);
    return t;
}

static SMB_WUR smb_status mem_fstat(struct srv_fh *hh, struct srv_attr *a)
{
    struct mem_fh *h = (struct mem_fh *)hh;
    pthread_mutex_lock(&h->fs->mu);
    attr_fill(h->fs, h->ino, a);
    pthread_mutex_unlock(&h->fs->mu);
    return SMB_OK;
}

static SMB_WUR smb_status mem_pread(struct srv_fh *hh, uint8_t *dst, size_t len, uint64_t off, int flags, size_t *got)
{
    (void)flags; /* memory never waits */
    struct mem_fh *h = (struct mem_fh *)hh;
    *got = 0;
    if (h->attr_only)
        return SMB_E_ACCESS_DENIED; /* EBADF */
    if (h->ino->dir)
        return SMB_E_FILE_IS_A_DIRECTORY; /* EISDIR */
    if (off > INT64_MAX)
        return SMB_E_INVALID_PARAMETER;
    pthread_mutex_lock(&h->fs->mu);
    struct mem_inode *n = h->ino;
    if (off < n->size) {
        size_t k = n->size - (size_t)off < len ? n->size - (size_t)off : len;
        memcpy(dst, n->data + off, k);
        *got = k;
    }
    n->atime = tick(h->fs);
    pthread_mutex_unlock(&h->fs->mu);
    return SMB_OK;
}

static SMB_WUR smb_status mem_pwrite(struct srv_fh *hh, const uint8_t *src, size_t len, uint64_t off, size_t *done)
{
    struct mem_fh *h = (struct mem_fh *)hh;
    *done = 0;
    if (!h->rdwr)
        return SMB_E_ACCESS_DENIED; /* EBADF */
    if (off > INT64_MAX || len > INT64_MAX - off)
        return SMB_E_INVALID_PARAMETER; /* EINVAL */
    pthread_mutex_lock(&h->fs->mu);
    struct mem_inode *n = h->ino;
    smb_status st = SMB_OK;
    if (len && off + len > n->size)
        st = set_size(h->fs, n, off + len);
    if (st == SMB_OK) {
        if (len)
            memcpy(n->data + off, src, len);
        *done = len;
        n->mtime = n->ctime = tick(h->fs);
    }
    pthread_mutex_unlock(&h->fs->mu);
    return st;
}

static SMB_WUR smb_status mem_truncate(struct srv_fh *hh, uint64_t size)
{
    struct mem_fh *h = (struct mem_fh *)hh;
    if (!h->rdwr || size > INT64_MAX)
        return SMB_E_INVALID_PARAMETER; /* ftruncate on a descriptor not open for writing: EINVAL */
    pthread_mutex_lock(&h->fs->mu);
    smb_status st = set_size(h->fs, h->ino, size);
    if (st == SMB_OK)
        h->ino->mtime = h->ino->ctime = tick(h->fs);
    pthread_mutex_unlock(&h->fs->mu);
    return st;
}

static SMB_WUR smb_status mem_allocate(struct srv_fh *hh, uint64_t size)
{
    struct mem_fh *h = (struct mem_fh *)hh;
    if (size > INT64_MAX)
        return SMB_E_INVALID_PARAMETER;
    if (!h->rdwr)
        return SMB_E_ACCESS_DENIED; /* EBADF */
    if (size == 0)
        return SMB_OK;
    pthread_mutex_lock(&h->fs->mu);
    smb_status st = SMB_OK;
    if (size > h->fs->max_bytes)
        st = SMB_E_DISK_FULL;
    else if (size > h->ino->reserved)
        h->ino->reserved = size;
    pthread_mutex_unlock(&h->fs->mu);
    return st;
}

static SMB_WUR smb_status mem_sync(struct srv_fh *hh, bool data_only)
{
    (void)data_only;
    return ((struct mem_fh *)hh)->attr_only ? SMB_E_ACCESS_DENIED : SMB_OK; /* EBADF on O_PATH */
}

static SMB_WUR smb_status mem_setattr(struct srv_fh *hh, int readonly, uint64_t atime, uint64_t mtime)
{
    struct mem_fh *h = (struct mem_fh *)hh;
    pthread_mutex_lock(&h->fs->mu);
    struct mem_inode *n = h->ino;
    if (readonly >= 0)
        n->readonly = readonly != 0;
    if (atime != SRV_TIME_KEEP)
        n->atime = atime;
    if (mtime != SRV_TIME_KEEP)
        n->mtime = mtime;
    n->ctime = tick(h->fs);
    pthread_mutex_unlock(&h->fs->mu);
    return SMB_OK;
}

static SMB_WUR smb_status mem_readdir(struct srv_fh *hh, struct srv_dirent **out, size_t *n)
{
    struct mem_fh *h = (struct mem_fh *)hh;
    *out = NULL;
    *n = 0;
    if (!h->ino->dir)
        return SMB_E_OBJECT_PATH_NOT_FOUND; /* ENOTDIR */
    pthread_mutex_lock(&h->fs->mu);
    size_t cnt = 2;
    for (struct mem_dent *e = h->ino->children; e; e = e->next)
        cnt++;
    struct srv_dirent *a = malloc(cnt * sizeof *a);
    if (!a) {
        pthread_mutex_unlock(&h->fs->mu);
        return SMB_E_NOMEM;
    }
    /* "." and ".." first; ".." of the root describes the root */
    memcpy(a[0].name, ".", 2);
    attr_fill(h->fs, h->ino, &a[0].st);
    memcpy(a[1].name, "..", 3);
    attr_fill(h->fs, h->ino->parent ? h->ino->parent : h->ino, &a[1].st);
    size_t i = 2;
    for (struct mem_dent *e = h->ino->children; e; e = e->next, i++) {
        memcpy(a[i].name, e->name, sizeof a[i].name);
        attr_fill(h->fs, e->ino, &a[i].st);
    }
    pthread_mutex_unlock(&h->fs->mu);
    *out = a;
    *n = cnt;
    return SMB_OK;
}

static const struct srv_vfs_ops mem_ops = {
    .name = "memory",
    .close_root = mem_close_root,
    .open = mem_open,
    .stat = mem_stat,
    .mkdir = mem_mkdir,
    .remove = mem_remove,
    .rename = mem_rename,
    .link = mem_link,
    .volume = mem_volume,
    .now = mem_now,
    .fstat = mem_fstat,
    .pread = mem_pread,
    .pwrite = mem_pwrite,
    .truncate = mem_truncate,
    .allocate = mem_allocate,
    .sync = mem_sync,
    .setattr = mem_setattr,
    .readdir = mem_readdir,
    .release = mem_release,
};
