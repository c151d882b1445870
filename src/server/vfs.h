/*
 * server/vfs.h - share-rooted file access.
 *
 * Contract: every path a client names is converted with srv_vfs_path
 * (UTF-16LE, '\' separators -> relative UTF-8 with '/'; empty, '.', '..',
 * stream names and characters Windows forbids are refused) and then resolved
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) against the share's
 * root directory fd, so neither '..', absolute names nor symlinks pointing
 * outside the share can escape it (the kernel enforces it; the name checks are
 * defence in depth). Operations on a read-only share that would modify it
 * fail with SMB_E_MEDIA_WRITE_PROTECTED. errno values map to NTSTATUS through
 * srv_errno_status (ENOSPC -> STATUS_DISK_FULL, ...).
 */
#ifndef SMBSIGN_SERVER_VFS_H
#define SMBSIGN_SERVER_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "smbsign/status.h"

#define SRV_PATH_MAX 4096
#define SRV_NAME_MAX 255 /* bytes of one UTF-8 component */
#define SRV_DIR_ENTRIES_MAX 200000 /* entries listed per directory (about 400 bytes each) */

struct srv_vfs {
    int root_fd; /* O_PATH|O_DIRECTORY of the share root */
    bool read_only;
};

SMB_WUR smb_status srv_vfs_open_root(struct srv_vfs *v, const char *path, bool read_only);
void srv_vfs_close(struct srv_vfs *v);

SMB_WUR smb_status srv_errno_status(int e);

/* SMB path (UTF-16LE bytes) -> "" (root) or "a/b/c". */
SMB_WUR smb_status srv_vfs_path(const uint8_t *u16, size_t len, char *out, size_t cap);

/* openat2 under the root; flags as open(2) (O_NOFOLLOW not needed: symlinks
 * inside the share are followed only when they stay beneath it). */
SMB_WUR smb_status srv_vfs_open(const struct srv_vfs *v, const char *rel, int flags, mode_t mode, int *fd);
SMB_WUR smb_status srv_vfs_stat(const struct srv_vfs *v, const char *rel, struct stat *st);
SMB_WUR smb_status srv_vfs_mkdir(const struct srv_vfs *v, const char *rel, mode_t mode);
/* Remove a file or an empty directory. */
SMB_WUR smb_status srv_vfs_remove(const struct srv_vfs *v, const char *rel, bool is_dir);
SMB_WUR smb_status srv_vfs_rename(const struct srv_vfs *v, const char *from, const char *to, bool replace);
/* Hard link `to` -> existing `from` (both beneath the root; replace removes
 * an existing `to` first). */
SMB_WUR smb_status srv_vfs_link(const struct srv_vfs *v, const char *from, const char *to, bool replace);

/* One directory entry, as QUERY_DIRECTORY needs it. */
struct srv_dirent {
    char name[SRV_NAME_MAX + 1];
    struct stat st;
};
/* Read every entry of the open directory fd ("." and ".." first), sorted by
 * nothing in particular; *out heap (caller frees). */
SMB_WUR smb_status srv_vfs_readdir(int dirfd, struct srv_dirent **out, size_t *n);

/* Wildcard match of a UTF-8 name against an SMB pattern ('*', '?', '<', '>',
 * '"' as MS-FSA 2.1.4.4 simplified), case-insensitive for ASCII. */
bool srv_vfs_match(const char *pattern, const char *name);

/* Windows FILETIME from a timespec and back. */
uint64_t srv_filetime(const struct timespec *ts);
void srv_timespec(uint64_t ft, struct timespec *ts);

#endif
