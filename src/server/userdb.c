/* server/userdb.c - user database "NAME:NTHASH" lines (see userdb.h). */
#include "server/userdb.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hex.h"
#include "crypto/crypto.h"
#include "base/utf16.h"

#define USERDB_MAX_BYTES (1u << 20)

int srv_user_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > SRV_USER_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f || c == ':' || c == '#' || c == '\\' || c == '/' || c == '@')
            return 0;
    }
    return !isspace((unsigned char)name[0]) && !isspace((unsigned char)name[n - 1]);
}

void srv_userdb_free(struct srv_userdb *db)
{
    if (db->users) {
        smb_wipe(db->users, db->n * sizeof *db->users);
        free(db->users);
    }
    db->users = NULL;
    db->n = 0;
}

const struct srv_user *srv_userdb_find(const struct srv_userdb *db, const char *name)
{
    for (size_t i = 0; i < db->n; i++)
        if (!strcasecmp(db->users[i].name, name))
            return &db->users[i];
    return NULL;
}

smb_status srv_userdb_parse(struct srv_userdb *db, const char *text, const char *name, char *err, size_t errlen)
{
    smb_status st = SMB_OK;
    db->users = NULL;
    db->n = 0;
    size_t cap = 0;
    int line = 0;
    const char *p = text;
    while (*p) {
        line++;
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char buf[256];
        if (len >= sizeof buf) {
            snprintf(err, errlen, "%s:%d: line too long", name, line);
            st = SMB_E_MALFORMED;
            goto out;
        }
        memcpy(buf, p, len);
        buf[len] = 0;
        if (len && buf[len - 1] == '\r')
            buf[--len] = 0;
        p = eol ? eol + 1 : p + len;
        if (len == 0 || buf[0] == '#')
            continue;
        char *colon = strrchr(buf, ':');
        if (!colon) {
            snprintf(err, errlen, "%s:%d: expected NAME:NTHASH", name, line);
            st = SMB_E_MALFORMED;
            goto out;
        }
        *colon = 0;
        if (!srv_user_name_ok(buf)) {
            snprintf(err, errlen, "%s:%d: invalid user name", name, line);
            st = SMB_E_MALFORMED;
            goto out;
        }
        struct srv_user u;
        memset(&u, 0, sizeof u);
        size_t got, eoff;
        if (strlen(colon + 1) != 32 || hex_decode_exact(colon + 1, u.nt_hash, 16, &got, &eoff) != SMB_OK) {
            snprintf(err, errlen, "%s:%d: NTHASH must be 32 hex digits", name, line);
            smb_wipe(buf, sizeof buf);
            st = SMB_E_MALFORMED;
            goto out;
        }
        memcpy(u.name, buf, strlen(buf) + 1); /* <= SRV_USER_NAME_MAX, checked above */
        smb_wipe(buf, sizeof buf);
        if (srv_userdb_find(db, u.name)) {
            snprintf(err, errlen, "%s:%d: duplicate user '%s'", name, line, u.name);
            st = SMB_E_MALFORMED;
            goto out;
        }
        if (db->n >= SRV_USERS_MAX) {
            snprintf(err, errlen, "%s:%d: more than %d users", name, line, SRV_USERS_MAX);
            st = SMB_E_MALFORMED;
            goto out;
        }
        if (db->n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct srv_user *nu = calloc(ncap, sizeof *nu);
            if (!nu) {
                st = SMB_E_NOMEM;
                goto out;
            }
            if (db->users) {
                memcpy(nu, db->users, db->n * sizeof *nu);
                smb_wipe(db->users, db->n * sizeof *nu);
                free(db->users);
            }
            db->users = nu;
            cap = ncap;
        }
        db->users[db->n++] = u;
        smb_wipe(&u, sizeof u);
    }
out:
    if (st != SMB_OK)
        srv_userdb_free(db);
    return st;
}

static SMB_WUR smb_status read_all(const char *path, char **out, char *err, size_t errlen, int check_mode)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return SMB_E_IO;
    }
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return SMB_E_IO;
    }
    if (check_mode && (st.st_mode & 077)) {
        snprintf(err, errlen, "%s: mode %03o is readable by others; chmod 600 it", path,
                 (unsigned)(st.st_mode & 0777));
        close(fd);
        return SMB_E_ACCESS_DENIED;
    }
    if (st.st_size > USERDB_MAX_BYTES) {
        snprintf(err, errlen, "%s: larger than %u bytes", path, USERDB_MAX_BYTES);
        close(fd);
        return SMB_E_MALFORMED;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return SMB_E_NOMEM;
    }
    size_t n = 0;
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    *out = buf;
    return SMB_OK;
}

smb_status srv_userdb_load(struct srv_userdb *db, const char *path, char *err, size_t errlen)
{
    char *text = NULL;
    smb_status st = read_all(path, &text, err, errlen, 1);
    if (st != SMB_OK)
        return st;
    st = srv_userdb_parse(db, text, path, err, errlen);
    smb_wipe(text, strlen(text));
    free(text);
    return st;
}

smb_status srv_nt_hash(const char *password, uint8_t out[16])
{
    size_t n = strlen(password), ul = 0;
    if (n > 256)
        return SMB_E_BAD_ARGUMENT;
    uint8_t u[1024];
    smb_status st = smb_utf8_to_utf16le(password, n, u, sizeof u, &ul);
    if (st == SMB_OK)
        smb_md4(u, ul, out); /* MS-NLMP 3.3.1 NTOWFv1 */
    smb_wipe(u, sizeof u);
    return st;
}

smb_status srv_userdb_set(const char *path, const char *user, const uint8_t nt_hash[16], char *err, size_t errlen)
{
    smb_status st;
    char *text = NULL;
    struct srv_userdb db = {0};
    char tmp[4200];
    FILE *f = NULL;
    int fd = -1;
    if (!srv_user_name_ok(user)) {
        snprintf(err, errlen, "invalid user name '%s'", user);
        return SMB_E_BAD_ARGUMENT;
    }
    struct stat old;
    bool had = stat(path, &old) == 0;
    if (had) {
        st = read_all(path, &text, err, errlen, 0);
        if (st != SMB_OK)
            return st;
        st = srv_userdb_parse(&db, text, path, err, errlen);
        if (st != SMB_OK)
            goto out;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        st = SMB_E_IO;
        goto out;
    }
    /* keep the owner of the file it replaces: root running "smbsign passwd"
     * on the service's database must leave it readable by the service user
     * (fails harmlessly when not root: the owner is then us already) */
    if (had && fchown(fd, old.st_uid, old.st_gid) != 0 && errno != EPERM) {
        snprintf(err, errlen, "%s: chown: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        st = SMB_E_IO;
        goto out;
    }
    f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        st = SMB_E_IO;
        goto out;
    }
    fprintf(f, "# smbsign user database: NAME:NTHASH (MD4 of UTF-16LE password). Keep mode 0600.\n");
    int done = 0;
    char hex[33];
    for (size_t i = 0; i < db.n; i++) {
        const uint8_t *h = db.users[i].nt_hash;
        if (!strcasecmp(db.users[i].name, user)) {
            h = nt_hash;
            done = 1;
        }
        hex_encode(h, 16, hex);
        fprintf(f, "%s:%s\n", db.users[i].name, hex);
    }
    if (!done) {
        hex_encode(nt_hash, 16, hex);
        fprintf(f, "%s:%s\n", user, hex);
    }
    smb_wipe(hex, sizeof hex);
    if (fflush(f) || fsync(fileno(f)) || fclose(f)) {
        f = NULL;
        unlink(tmp);
        snprintf(err, errlen, "%s: write failed: %s", tmp, strerror(errno));
        st = SMB_E_IO;
        goto out;
    }
    f = NULL;
    if (rename(tmp, path)) {
        unlink(tmp);
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        st = SMB_E_IO;
        goto out;
    }
    st = SMB_OK;
out:
    if (f)
        fclose(f);
    if (text) {
        smb_wipe(text, strlen(text));
        free(text);
    }
    srv_userdb_free(&db);
    return st;
}
