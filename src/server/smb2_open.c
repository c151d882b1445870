/* server/smb2_open.c - the open table and the share-mode table of the SMB2
 * server core, file attributes as MS-FSCC writes them, and what every file
 * command shares (credit charge, response size); the commands themselves
 * live one per file in server/smb2_*.c, as their codecs in wire/smb2/. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/smb2_open.h"
#include "wire/smb2/read.h"

/* ------------------------------------------------------------------ */
/* opens                                                                  */

struct srv_open *srv_open_find(struct srv_conn *c, struct srv_req *rq, struct smb2_fileid id)
{
    uint64_t p = id.persistent, v = id.volatile_;
    if (p == UINT64_MAX && v == UINT64_MAX) {
        /* related compound: the FileId of the previous CREATE */
        p = v = rq->related_fid;
    }
    (void)c;
    for (struct srv_open *o = rq->sess->opens; o; o = o->next) /* the session's (any channel) */
        if (o->fid == v && o->fid == p && o->tree_id == rq->tree->id)
            return o;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Share modes (MS-FSA 2.1.5.1.2 "check sharing access", as Windows'
 * IoCheckShareAccess counts them): every open of every connection with
 * read, write or delete access is entered here by device and inode. One
 * table for the server (srv_ctx.shared): connections of every event loop
 * (and their loop and worker threads, which both close opens) meet on the
 * same files, hence the mutex. An open
 * with only attribute/control access neither checks nor is counted. */

#define SHARE_DATA_BITS (SMB2_FILE_READ_DATA | SMB2_FILE_EXECUTE | SMB2_FILE_WRITE_DATA | SMB2_FILE_APPEND_DATA | SMB2_DELETE)

/* The table and its mutex live in the server context (struct srv_shared,
 * session.h), shared by every event loop and kept across a reload. */

/* Under share_mu: a reference on the lock table of (*nb)'s file, *nb itself
 * (taken: *nb becomes NULL) when the file has none yet. */
static struct srv_brl_file *brl_ref(struct srv_shared *t, struct srv_brl_file **nb)
{
    struct srv_brl_file *f = t->brl_files;
    while (f && (f->dev != (*nb)->dev || f->ino != (*nb)->ino))
        f = f->next;
    if (!f) {
        f = *nb;
        f->next = t->brl_files;
        t->brl_files = f;
        *nb = NULL;
    }
    f->refs++;
    return f;
}

/* Under share_mu: drop a reference; the table to free (after unlocking)
 * when it was the last. */
static struct srv_brl_file *brl_unref(struct srv_shared *t, struct srv_brl_file *f)
{
    if (!f || --f->refs != 0)
        return NULL;
    for (struct srv_brl_file **pp = &t->brl_files; *pp; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    return f;
}

struct srv_brl_file *srv_brl_attach(struct srv_shared *t, uint64_t dev, uint64_t ino)
{
    struct srv_brl_file *nb = srv_brl_file_new(dev, ino);
    if (!nb)
        return NULL;
    pthread_mutex_lock(&t->share_mu);
    struct srv_brl_file *f = brl_ref(t, &nb);
    pthread_mutex_unlock(&t->share_mu);
    srv_brl_file_free(nb);
    return f;
}

void srv_brl_detach(struct srv_shared *t, struct srv_brl_file *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&t->share_mu);
    struct srv_brl_file *gone = brl_unref(t, f);
    pthread_mutex_unlock(&t->share_mu);
    srv_brl_file_free(gone);
}

/* does a new open (access a2, share s2) conflict with an existing one? */
bool srv_share_conflict(uint32_t a1, uint32_t s1, uint32_t a2, uint32_t s2)
{
    bool r1 = a1 & (SMB2_FILE_READ_DATA | SMB2_FILE_EXECUTE), w1 = a1 & (SMB2_FILE_WRITE_DATA | SMB2_FILE_APPEND_DATA),
         d1 = a1 & SMB2_DELETE;
    bool r2 = a2 & (SMB2_FILE_READ_DATA | SMB2_FILE_EXECUTE), w2 = a2 & (SMB2_FILE_WRITE_DATA | SMB2_FILE_APPEND_DATA),
         d2 = a2 & SMB2_DELETE;
    return (r1 && !(s2 & SMB2_FILE_SHARE_READ)) || (w1 && !(s2 & SMB2_FILE_SHARE_WRITE)) || (d1 && !(s2 & SMB2_FILE_SHARE_DELETE)) ||
           (r2 && !(s1 & SMB2_FILE_SHARE_READ)) || (w2 && !(s1 & SMB2_FILE_SHARE_WRITE)) || (d2 && !(s1 & SMB2_FILE_SHARE_DELETE));
}

bool srv_share_check(struct srv_shared *t, uint64_t dev, uint64_t ino, uint32_t access, uint32_t share)
{
    if (!(access & SHARE_DATA_BITS))
        return true;
    bool ok = true;
    pthread_mutex_lock(&t->share_mu);
    for (struct srv_share_ent *e = t->share_list; e && ok; e = e->next)
        if (e->dev == dev && e->ino == ino && (e->access & SHARE_DATA_BITS) &&
            srv_share_conflict(e->access, e->share, access, share))
            ok = false;
    pthread_mutex_unlock(&t->share_mu);
    return ok;
}

/* check again and enter the open (every open: attribute-only ones are
 * entered but not counted), atomically; false on a conflict */
bool srv_share_add(struct srv_shared *t, struct srv_open *o, const struct srv_attr *sb, const struct srv_attr *root,
                      uint32_t access, uint32_t share)
{
    struct srv_share_ent *n = calloc(1, sizeof *n);
    if (!n || !(n->path = strdup(o->rel))) {
        free(n);
        return false;
    }
    n->dev = sb->dev;
    n->ino = sb->ino;
    n->access = access;
    n->share = share;
    n->rdev = root->dev;
    n->rino = root->ino;
    /* the file's byte-range lock table: made here in case it is the first
     * open (no allocation under share_mu), dropped below if not needed */
    struct srv_brl_file *nb = srv_brl_file_new(sb->dev, sb->ino);
    if (!nb) {
        free(n->path);
        free(n);
        return false;
    }
    pthread_mutex_lock(&t->share_mu);
    bool ok = true;
    for (struct srv_share_ent *e = t->share_list; e && ok && (access & SHARE_DATA_BITS); e = e->next)
        if (e->dev == n->dev && e->ino == n->ino && (e->access & SHARE_DATA_BITS) &&
            srv_share_conflict(e->access, e->share, access, share))
            ok = false;
    if (ok) {
        n->next = t->share_list;
        t->share_list = n;
        o->sh = n;
        o->brl = brl_ref(t, &nb);
        n->fid = o->fid;
    }
    pthread_mutex_unlock(&t->share_mu);
    srv_brl_file_free(nb);
    if (!ok) {
        free(n->path);
        free(n);
    }
    return ok;
}

/* is anything open beneath directory `dir` of the share rooted at root? */
bool srv_share_busy_below(struct srv_shared *t, const struct srv_attr *root, const char *dir)
{
    size_t dl = strlen(dir);
    bool busy = false;
    pthread_mutex_lock(&t->share_mu);
    for (struct srv_share_ent *e = t->share_list; e && !busy; e = e->next)
        if (e->rdev == root->dev && e->rino == root->ino &&
            (dl == 0 ? e->path[0] != 0 : (!strncmp(e->path, dir, dl) && e->path[dl] == '/')))
            busy = true;
    pthread_mutex_unlock(&t->share_mu);
    return busy;
}

/* the open was renamed to `to` */
void srv_share_renamed(struct srv_shared *t, struct srv_open *o, const char *to)
{
    char *np = o->sh ? strdup(to) : NULL;
    if (!np)
        return;
    pthread_mutex_lock(&t->share_mu);
    char *old = o->sh->path;
    o->sh->path = np;
    pthread_mutex_unlock(&t->share_mu);
    free(old);
}

void srv_share_remove(struct srv_shared *t, struct srv_open *o)
{
    if (!o->sh)
        return;
    srv_brl_release(t, o); /* normally done already (srv_open_close) */
    struct srv_brl_file *gone = NULL;
    uint64_t kick[SRV_KICK_MAX];
    int n_kick = 0;
    pthread_mutex_lock(&t->share_mu);
    for (struct srv_share_ent **pp = &t->share_list; *pp; pp = &(*pp)->next)
        if (*pp == o->sh) {
            *pp = o->sh->next;
            break;
        }
    gone = brl_unref(t, o->brl);
    o->brl = NULL;
    srv_lease_entry_gone(t, o->sh, kick, &n_kick, SRV_KICK_MAX);
    pthread_mutex_unlock(&t->share_mu);
    srv_brl_file_free(gone);
    srv_kick(t, kick, n_kick); /* openers waiting on this file retry */
    free(o->sh->path);
    free(o->sh);
    o->sh = NULL;
}

void srv_open_close(struct srv_conn *c, struct srv_open *o)
{
    struct srv_session *s = o->owner; /* its lock is held (or its last reference is going) */
    struct srv_open **pp = &s->opens;
    while (*pp && *pp != o)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = o->next;
        s->n_opens--;
    }
    srv_brl_release(c->ctx->shared, o);
    srv_lock_retry(c); /* a LOCK of this connection may wait for o's range */
    srv_async_fid_closed(c, o->fid);
    srv_share_remove(c->ctx->shared, o);
    srv_fh_put(o->fh);
    o->fh = NULL;
    if (o->delete_on_close && o->rel && o->share >= 0) {
        smb_status st = srv_vfs_remove(&c->ctx->vfs[o->share], o->rel, o->is_dir);
        if (st != SMB_OK)
            srv_log(c, SRV_LOG_INFO, "delete on close of '%s' failed: %s", o->rel, smb_status_name(st));
    }
    free(o->rel);
    free(o->ents);
    free(o);
}

bool srv_opens_at_limit(const struct srv_conn *c, const struct srv_session *home)
{
    uint32_t cap = c->ctx->cfg.max_opens;
    if (home->n_opens >= cap)
        return true;
    uint64_t n = 0;
    for (const struct srv_session *s = c->sessions; s; s = s->next)
        if (!s->home)
            n += s->n_opens;
    return n >= cap;
}

void srv_tree_remove_opens(struct srv_conn *c, struct srv_session *home, uint32_t tree_id)
{
    /* every lock of the tree's opens goes first, so that a LOCK waiting on
     * one of them gets its range before its own handle closes (Windows:
     * smbtorture smb2.lock.cancel-tdis expects STATUS_SUCCESS) */
    srv_lock_release_opens(c, home, tree_id);
    struct srv_open *o = home->opens, *n;
    for (; o; o = n) {
        n = o->next;
        if (tree_id == 0 || o->tree_id == tree_id)
            srv_open_close(c, o);
    }
}

uint32_t srv_attrs_of(const struct srv_attr *st)
{
    uint32_t a = 0;
    if (st->type == SRV_FT_DIR)
        a |= SMB2_FILE_ATTRIBUTE_DIRECTORY;
    else
        a |= SMB2_FILE_ATTRIBUTE_ARCHIVE;
    if (st->readonly)
        a |= SMB2_FILE_ATTRIBUTE_READONLY;
    return a ? a : SMB2_FILE_ATTRIBUTE_NORMAL;
}

uint64_t srv_alloc_of(const struct srv_attr *st) { return st->type == SRV_FT_DIR ? 0 : st->alloc; }

uint64_t srv_eof_of(const struct srv_attr *st) { return st->type == SRV_FT_DIR ? 0 : st->size; }


/* the same four times into an information class being written */
void srv_put_times(smb_wr *w, const struct srv_attr *st)
{
    uint64_t t[4];
    srv_file_times(st, &t[0], &t[1], &t[2], &t[3]);
    for (int i = 0; i < 4; i++)
        wr_u64le(w, t[i]);
}


smb_status srv_check_charge(const struct srv_conn *c, const struct srv_req *rq, uint64_t bytes)
{
    if (c->dialect < SMB_DIALECT_210)
        return bytes <= 65536 ? SMB_OK : SMB_E_INVALID_PARAMETER;
    uint64_t need = bytes ? (bytes - 1) / 65536 + 1 : 1;
    uint64_t have = rq->h.credit_charge ? rq->h.credit_charge : 1;
    return have >= need ? SMB_OK : SMB_E_INVALID_PARAMETER;
}


size_t srv_cmd_resp_cap(const struct srv_conn *c, const struct srv_req *rq)
{
    /* peek the requested output size for the commands that return data */
    const uint8_t *b = rq->msg + SMB2_HDR_LEN;
    size_t bl = rq->len - SMB2_HDR_LEN;
    uint64_t want = 0;
    if (rq->h.command == SMB2_READ && bl >= 8)
        want = le32(b + 4);
    else if (rq->h.command == SMB2_QUERY_DIRECTORY && bl >= 32)
        want = le32(b + 28);
    else if (rq->h.command == SMB2_QUERY_INFO && bl >= 8)
        want = le32(b + 4);
    else if (rq->h.command == SMB2_IOCTL && bl >= 48)
        want = le32(b + 44);
    if (want > c->ctx->cfg.max_io)
        want = c->ctx->cfg.max_io;
    return (size_t)want + 256;
}

