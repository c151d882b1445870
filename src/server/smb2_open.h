/*
 * server/smb2_open.h - what the SMB2 command handlers (server/smb2_*.c)
 * share: the open table lookup, the share-mode table (kept in the server
 * context, struct srv_shared; its locking is in session.h), file attributes
 * as MS-FSCC writes them, the credit charge rule, and the information class
 * numbers of MS-FSCC 2.4 / 2.5.
 */
#ifndef SMBSIGN_SERVER_SMB2_OPEN_H
#define SMBSIGN_SERVER_SMB2_OPEN_H

#include <pthread.h>

#include "server/session_int.h"
#include "wire/smb2/create.h"

/* The open a request's FileId names in its session and tree (all ones: the
 * FileId of the previous CREATE of a related compound); NULL when none. */
struct srv_open *srv_open_find(struct srv_conn *c, struct srv_req *rq, struct smb2_fileid id);

/* One open in the server-wide share-mode table (under srv_shared.share_mu),
 * with its oplock or lease (smb2_lease.c). */
struct srv_share_ent {
    uint64_t dev, ino; /* the file (struct srv_attr) */
    uint32_t access, share;
    uint64_t rdev; /* the share root's device and inode, and the path beneath */
    uint64_t rino; /* it: a directory with opens beneath cannot be renamed */
    char *path;
    uint64_t conn_id, fid, session_id; /* the holder: its connection (mailbox), FileId, session */
    uint8_t oplock;                    /* SMB2_OPLOCK_LEVEL_* granted (LEASE: see lease) */
    uint8_t break_to;                  /* while breaking: the level the ack may name */
    bool breaking;                     /* a break notification went (or goes) out, ack awaited */
    bool break_unsent;                 /* the holder's connection still has to send it */
    struct srv_lease *lease;
    struct srv_share_ent *next;
};
#define SRV_KICK_MAX 32 /* connections one event wakes at most (others retry on their timeout) */
bool srv_share_conflict(uint32_t a1, uint32_t s1, uint32_t a2, uint32_t s2);

/* Share modes (MS-FSA 2.1.5.1.2), smb2_open.c. srv_share_check: may an open
 * with access/share join the file's opens? srv_share_add: check again and
 * enter o (false on a conflict or no memory); srv_share_busy_below: is
 * anything open beneath directory `dir` of the share whose root is `root`;
 * srv_share_renamed: o's path changed; srv_share_remove: o is gone. */
bool srv_share_check(struct srv_shared *t, uint64_t dev, uint64_t ino, uint32_t access, uint32_t share);
bool srv_share_add(struct srv_shared *t, struct srv_open *o, const struct srv_attr *sb, const struct srv_attr *root,
                   uint32_t access, uint32_t share);
bool srv_share_busy_below(struct srv_shared *t, const struct srv_attr *root, const char *dir);
void srv_share_renamed(struct srv_shared *t, struct srv_open *o, const char *to);
void srv_share_remove(struct srv_shared *t, struct srv_open *o);

/* Byte-range locks (MS-FSA 2.1.5.7, 2.1.4.10; smb2_lock.c). One table per
 * file (struct srv_brl_file: device and inode), shared by every open of the
 * file on every connection and event loop, found through the share-mode
 * entry of each open (srv_share_add attaches it, srv_share_remove drops the
 * reference; the list of tables is under share_mu). Each table has its own
 * leaf mutex for its locks, and an atomic lock count that READ and WRITE
 * look at first: a file without locks costs one atomic load, no mutex.
 * srv_brl_lock: grant [off, off+len) to o, or SMB_E_LOCK_NOT_GRANTED /
 * SMB_E_INSUFFICIENT_RESOURCES; srv_brl_unlock: remove o's lock of exactly
 * that range (an exclusive one first), or SMB_E_RANGE_NOT_LOCKED;
 * srv_brl_release: every lock of o (CLOSE, LOGOFF, TREE_DISCONNECT,
 * connection loss); srv_brl_io_check: SMB_E_FILE_LOCK_CONFLICT when a READ
 * (write false) or WRITE of o over [off, off+len) meets a lock that forbids
 * it. Removing a lock bumps srv_shared.brl_gen (waiting LOCKs retry). */
#define SRV_BRL_FILE_MAX 4096 /* locks on one file (all opens together) */
struct srv_brl {
    uint64_t off, len;
    const struct srv_open *owner; /* MS-FSA: locks belong to an open */
    bool excl;
};
struct srv_brl_file {
    uint64_t dev, ino;
    unsigned refs;             /* opens attached (under share_mu) */
    struct srv_brl_file *next; /* srv_shared.brl_files (under share_mu) */
    atomic_uint n;             /* locks held: written under mu, read without it */
    pthread_mutex_t mu;        /* leaf: locks, cap */
    struct srv_brl *locks;
    size_t cap;
};
struct srv_brl_file *srv_brl_file_new(uint64_t dev, uint64_t ino);
void srv_brl_file_free(struct srv_brl_file *f);
static inline bool srv_brl_has_locks(struct srv_brl_file *f)
{
    return atomic_load_explicit(&f->n, memory_order_acquire) != 0;
}
SMB_WUR smb_status srv_brl_lock(struct srv_brl_file *f, const struct srv_open *o, uint64_t off, uint64_t len,
                                bool excl);
SMB_WUR smb_status srv_brl_unlock(struct srv_shared *t, struct srv_brl_file *f, const struct srv_open *o, uint64_t off,
                                  uint64_t len);
void srv_brl_release(struct srv_shared *t, struct srv_open *o);
/* owner: the open doing the I/O (an SMB1 open never holds a lock) */
SMB_WUR smb_status srv_brl_io_check_slow(struct srv_brl_file *f, const void *owner, uint64_t off, uint64_t len,
                                         bool write);
static inline SMB_WUR smb_status srv_brl_io_check(const struct srv_open *o, uint64_t off, uint64_t len, bool write)
{
    if (!o->brl || len == 0 || !srv_brl_has_locks(o->brl))
        return SMB_OK;
    return srv_brl_io_check_slow(o->brl, o, off, len, write);
}
/* A reference on the lock table of a file for an open outside the
 * share-mode table (SMB1), and its release; NULL when out of memory. */
struct srv_brl_file *srv_brl_attach(struct srv_shared *t, uint64_t dev, uint64_t ino);
void srv_brl_detach(struct srv_shared *t, struct srv_brl_file *f);

/* CreationTime, LastAccessTime, LastWriteTime, ChangeTime (no birth time on
 * POSIX: the older of the change and modification times) */
static inline void srv_file_times(const struct srv_attr *st, uint64_t *cr, uint64_t *la, uint64_t *lw, uint64_t *ch)
{
    *cr = st->mtime < st->ctime ? st->mtime : st->ctime;
    *la = st->atime;
    *lw = st->mtime;
    *ch = st->ctime;
}
#define SRV_FILE_TIMES(st, r) \
    srv_file_times(st, &(r).creation_time, &(r).last_access_time, &(r).last_write_time, &(r).change_time)

/* MS-SMB2 3.3.5.12/3.3.5.13: CreditCharge covers a READ/WRITE of `bytes` */
SMB_WUR smb_status srv_check_charge(const struct srv_conn *c, const struct srv_req *rq, uint64_t bytes);

/* MS-FSCC 2.4 file information classes */
enum {
    FileBasicInformation = 4,
    FileStandardInformation = 5,
    FileInternalInformation = 6,
    FileEaInformation = 7,
    FileAccessInformation = 8,
    FileNameInformation = 9,
    FileRenameInformation = 10,
    FileLinkInformation = 11,
    FileDispositionInformation = 13,
    FilePositionInformation = 14,
    FileModeInformation = 16,
    FileAlignmentInformation = 17,
    FileAllInformation = 18,
    FileAllocationInformation = 19,
    FileEndOfFileInformation = 20,
    FileAlternateNameInformation = 21,
    FileStreamInformation = 22,
    FileCompressionInformation = 28,
    FileNetworkOpenInformation = 34,
    FileAttributeTagInformation = 35,
    FileDispositionInformationEx = 64,
    FileRenameInformationEx = 65,
};
/* MS-FSCC 2.5 file system information classes */
enum {
    FileFsVolumeInformation = 1,
    FileFsSizeInformation = 3,
    FileFsDeviceInformation = 4,
    FileFsAttributeInformation = 5,
    FileFsControlInformation = 6,
    FileFsFullSizeInformation = 7,
    FileFsObjectIdInformation = 8,
    FileFsSectorSizeInformation = 11,
};


#endif
