/*
 * server/userdb.h - the server's user database.
 *
 * File format (docs/server.md): one user per line, "NAME:NTHASH" where NTHASH
 * is 32 hex digits = MD4(UTF-16LE(password)) (MS-NLMP 3.3.1 NTOWFv1); blank
 * lines and lines starting with '#' are ignored. User names are matched
 * case-insensitively (ASCII), at most SRV_USER_NAME_MAX bytes, no ':' or
 * control characters. The file must not be readable by group or others
 * (mode 0600): srv_userdb_load refuses a file with mode & 077.
 *
 * Ownership: srv_userdb is caller-allocated plain data; srv_userdb_free wipes
 * the hashes. Hashes are secrets: never logged.
 */
#ifndef SMBSIGN_SERVER_USERDB_H
#define SMBSIGN_SERVER_USERDB_H

#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"

#define SRV_USER_NAME_MAX 64
#define SRV_USERS_MAX 4096

struct srv_user {
    char name[SRV_USER_NAME_MAX + 1];
    uint8_t nt_hash[16];
};

struct srv_userdb {
    struct srv_user *users; /* heap, n entries */
    size_t n;
};

/* Load PATH. Errors: SMB_E_IO (cannot open), SMB_E_ACCESS_DENIED (mode too
 * open), SMB_E_MALFORMED with "PATH:LINE: why" in err. */
SMB_WUR smb_status srv_userdb_load(struct srv_userdb *db, const char *path, char *err, size_t errlen);
/* Parse from memory (tests); no mode check. */
SMB_WUR smb_status srv_userdb_parse(struct srv_userdb *db, const char *text, const char *name, char *err, size_t errlen);
void srv_userdb_free(struct srv_userdb *db);
const struct srv_user *srv_userdb_find(const struct srv_userdb *db, const char *name);
/* Valid user name? */
int srv_user_name_ok(const char *name);
/* NTOWFv1: MD4 of the UTF-16LE password (UTF-8 input). */
SMB_WUR smb_status srv_nt_hash(const char *password, uint8_t out[16]);
/* Add or replace USER in PATH atomically (temp file + rename, mode 0600);
 * creates the file when missing. */
SMB_WUR smb_status srv_userdb_set(const char *path, const char *user, const uint8_t nt_hash[16], char *err,
                          size_t errlen);

#endif
