/* server/smb2_create.c - CREATE (MS-SMB2 3.3.5.9; create contexts 2.2.13.2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/smb2_open.h"
#include "wire/smb2/create.h"

/* everything a CREATE may ask that needs a writable share */
#define WRITE_BITS                                                                                                 \
    (SMB2_FILE_WRITE_DATA | SMB2_FILE_APPEND_DATA | SMB2_FILE_WRITE_EA | SMB2_FILE_WRITE_ATTRIBUTES | SMB2_DELETE | \
     SMB2_WRITE_DAC | SMB2_WRITE_OWNER | SMB2_GENERIC_WRITE | SMB2_GENERIC_ALL)


/* ------------------------------------------------------------------ */
/* CREATE (MS-SMB2 3.3.5.9)                                              */

static uint32_t map_generic(uint32_t a)
{
    if (a & SMB2_GENERIC_ALL)
        a |= SMB2_FILE_ALL_ACCESS;
    if (a & SMB2_GENERIC_READ)
        a |= SMB2_FILE_READ_DATA | SMB2_FILE_READ_ATTRIBUTES | SMB2_FILE_READ_EA | SMB2_READ_CONTROL | SMB2_SYNCHRONIZE;
    if (a & SMB2_GENERIC_WRITE)
        a |= SMB2_FILE_WRITE_DATA | SMB2_FILE_APPEND_DATA | SMB2_FILE_WRITE_ATTRIBUTES | SMB2_FILE_WRITE_EA | SMB2_SYNCHRONIZE;
    if (a & SMB2_GENERIC_EXECUTE)
        a |= SMB2_FILE_EXECUTE | SMB2_FILE_READ_ATTRIBUTES | SMB2_SYNCHRONIZE;
    return a & ~(SMB2_GENERIC_ALL | SMB2_GENERIC_READ | SMB2_GENERIC_WRITE | SMB2_GENERIC_EXECUTE);
}

/* Create contexts (MS-SMB2 2.2.13.2) this server acts on; the others
 * (durable handles, leases, security descriptors, EAs, app instance...) are
 * ignored, so nothing is granted that the server does not do. */
struct create_ctx {
    bool mxac, qfid, twrp;
    bool alsi;
    uint64_t alloc;
    struct srv_lease_req lq; /* RqLs (smb2_lease.c) */
};

static SMB_WUR smb_status parse_create_contexts(struct smb2_buf b, struct create_ctx *cc)
{
    memset(cc, 0, sizeof *cc);
    size_t off = 0;
    while (b.len) {
        if (b.len - off < 16)
            return SMB_E_INVALID_PARAMETER;
        const uint8_t *e = b.p + off;
        uint32_t next = le32(e);
        uint16_t noff = le16(e + 4), nlen = le16(e + 6), doff = le16(e + 10);
        uint32_t dlen = le32(e + 12);
        size_t room = next ? next : b.len - off;
        if ((next & 7) || room > b.len - off || nlen < 4 || (size_t)noff + nlen > room ||
            (dlen && (doff < noff + nlen || (size_t)doff + dlen > room)))
            return SMB_E_INVALID_PARAMETER; /* a tag shorter than 4 bytes included */
        const uint8_t *name = e + noff, *data = e + doff;
        if (nlen == 4 && !memcmp(name, "MxAc", 4))
            cc->mxac = true;
        else if (nlen == 4 && !memcmp(name, "QFid", 4))
            cc->qfid = true;
        else if (nlen == 4 && !memcmp(name, "TWrp", 4))
            cc->twrp = true;
        else if (nlen == 4 && !memcmp(name, "AlSi", 4)) {
            if (dlen != 8)
                return SMB_E_INVALID_PARAMETER;
            cc->alsi = true;
            cc->alloc = le64(data);
        } else if (nlen == 4 && !memcmp(name, "RqLs", 4)) {
            if (srv_lease_parse_ctx(data, dlen, &cc->lq) != SMB_OK)
                return SMB_E_INVALID_PARAMETER;
        }
        if (!next)
            break;
        off += next;
    }
    return SMB_OK;
}

smb_status srv_cmd_create(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct smb2_create_req q;
    if (smb2_create_req_decode(&rq->body, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    uint32_t access = q.desired_access, disp = q.create_disposition, opts = q.create_options;
    size_t nlen = q.name.len;
    const uint8_t *name = q.name.p;
    if (disp > SMB2_FILE_OVERWRITE_IF || (nlen & 1) || nlen > 0xFFFF)
        return SMB_E_INVALID_PARAMETER;
    /* MS-SMB2 3.3.5.9: an ImpersonationLevel outside 2.2.13's four values;
     * reserved CreateOptions bits (0xFF000000, MS-FSA 2.1.5.1); a name that
     * starts with a path separator; FILE_ATTRIBUTE_DEVICE/VOLUME (MS-FSA) */
    if (q.impersonation_level > 3)
        return SMB_E_BAD_IMPERSONATION_LEVEL;
    if ((opts & 0xFF000000u) || (q.file_attributes & 0x48u) || (nlen >= 2 && name[0] == '\\' && name[1] == 0))
        return SMB_E_INVALID_PARAMETER;
    struct create_ctx cc;
    if (parse_create_contexts(q.contexts, &cc) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    if (cc.twrp)
        return SMB_E_OBJECT_NAME_NOT_FOUND; /* a previous version: there are no snapshots */
    struct srv_tree *t = rq->tree;
    if (t->ipc) {
        /* IPC$ is accepted so clients can probe it, but no pipe exists. */
        return SMB_E_OBJECT_NAME_NOT_FOUND;
    }
    if (srv_opens_at_limit(c, rq->sess)) {
        srv_log(c, SRV_LOG_AUDIT, "CREATE refused: open file limit %u", c->ctx->cfg.max_opens);
        return SMB_E_INSUFFICIENT_RESOURCES;
    }
    const struct srv_vfs *v = &c->ctx->vfs[t->share];
    char rel[SRV_PATH_MAX];
    smb_status st = srv_vfs_path(nlen ? name : (const uint8_t *)"", nlen, rel, sizeof rel);
    if (st != SMB_OK) {
        srv_log(c, SRV_LOG_INFO, "CREATE: refused name (%s)", smb_status_name(st));
        return st;
    }
    uint32_t acc = map_generic(access);
    if (access & SMB2_MAXIMUM_ALLOWED)
        acc |= t->read_only ? (SMB2_FILE_READ_DATA | SMB2_FILE_READ_ATTRIBUTES | SMB2_FILE_READ_EA | SMB2_READ_CONTROL | SMB2_SYNCHRONIZE)
                            : SMB2_FILE_ALL_ACCESS;
    acc &= ~SMB2_MAXIMUM_ALLOWED;
    bool creates = disp != SMB2_FILE_OPEN;
    bool wants_write = (acc & WRITE_BITS) || (opts & SMB2_FILE_DELETE_ON_CLOSE);
    if (t->read_only && (wants_write || (creates && disp != SMB2_FILE_OPEN_IF))) {
        srv_log(c, SRV_LOG_INFO, "CREATE '%s' refused: read-only share", rel);
        return SMB_E_ACCESS_DENIED;
    }
    struct srv_attr sb;
    /* Another connection (another event loop) may create the name between
     * the lookup and the creation: a creation that collides is looked up
     * again once, and a disposition other than FILE_CREATE then opens what
     * is there (smbtorture smb2.create.mkdir-dup), as Windows does. */
    bool retried = false;
lookup:
    st = srv_vfs_stat(v, rel, &sb);
    bool exists = st == SMB_OK;
    if (!exists && st != SMB_E_OBJECT_NAME_NOT_FOUND)
        return st;
    uint32_t action = SMB2_FILE_OPENED;
    bool isdir = exists && sb.type == SRV_FT_DIR;
    if (exists) {
        if (disp == SMB2_FILE_CREATE)
            return SMB_E_OBJECT_NAME_COLLISION;
        if ((opts & SMB2_FILE_DIRECTORY_FILE) && !isdir)
            return SMB_E_NOT_A_DIRECTORY;
        if ((opts & SMB2_FILE_NON_DIRECTORY_FILE) && isdir)
            return SMB_E_FILE_IS_A_DIRECTORY;
        if (sb.type == SRV_FT_OTHER)
            return SMB_E_ACCESS_DENIED; /* devices, fifos, sockets are not served */
        if (isdir && (disp == SMB2_FILE_OVERWRITE || disp == SMB2_FILE_OVERWRITE_IF || disp == SMB2_FILE_SUPERSEDE))
            return SMB_E_INVALID_PARAMETER;
        if (disp == SMB2_FILE_SUPERSEDE)
            action = SMB2_FILE_SUPERSEDED;
        else if (disp == SMB2_FILE_OVERWRITE || disp == SMB2_FILE_OVERWRITE_IF)
            action = SMB2_FILE_OVERWRITTEN;
        if (t->read_only && action != SMB2_FILE_OPENED)
            return SMB_E_ACCESS_DENIED;
    } else {
        if (disp == SMB2_FILE_OPEN || disp == SMB2_FILE_OVERWRITE)
            return SMB_E_OBJECT_NAME_NOT_FOUND;
        if (t->read_only)
            return SMB_E_ACCESS_DENIED;
        if (!rel[0])
            return SMB_E_ACCESS_DENIED;
        action = SMB2_FILE_CREATED;
    }
    bool is_dir = exists ? isdir : (opts & SMB2_FILE_DIRECTORY_FILE) != 0;
    /* MS-FSA 2.1.5.1.1/2.1.5.1.2.1: DELETE_ON_CLOSE on a read-only file (an
     * existing one with FILE_ATTRIBUTE_READONLY, or a new one asked for with
     * it) is STATUS_CANNOT_DELETE */
    bool ro_attr = exists ? sb.readonly : (q.file_attributes & SMB2_FILE_ATTRIBUTE_READONLY) != 0;
    if ((opts & SMB2_FILE_DELETE_ON_CLOSE) && !is_dir && ro_attr)
        return SMB_E_CANNOT_DELETE;
    uint32_t share_acc = acc | ((opts & SMB2_FILE_DELETE_ON_CLOSE) ? SMB2_DELETE : 0);
    /* oplocks and leases of other opens that conflict are broken first; the
     * open may wait for the acknowledgement (smb2_lease.c) */
    if (exists && (st = srv_lease_break_for_open(c, rq, &sb, share_acc, q.share_access, action, &cc.lq)) != SMB_OK)
        return st;
    if (exists && !srv_share_check(c->ctx->shared, sb.dev, sb.ino, share_acc, q.share_access))
        return SMB_E_SHARING_VIOLATION; /* before an overwrite can truncate it */
    struct srv_fh *fh = NULL;
    unsigned flags = 0;
    if (is_dir) {
        if (!exists) {
            st = srv_vfs_mkdir(v, rel);
            if (st == SMB_E_OBJECT_NAME_COLLISION && disp != SMB2_FILE_CREATE && !retried) {
                retried = true;
                goto lookup;
            }
            if (st != SMB_OK)
                return st == SMB_E_OBJECT_NAME_NOT_FOUND ? SMB_E_OBJECT_PATH_NOT_FOUND : st;
        }
        flags = SRV_O_DIR;
        st = srv_vfs_open(v, rel, flags, &fh);
    } else {
        bool wr = !t->read_only && (acc & (SMB2_FILE_WRITE_DATA | SMB2_FILE_APPEND_DATA | SMB2_FILE_WRITE_ATTRIBUTES));
        flags = wr ? SRV_O_RDWR : 0;
        if (!exists)
            flags |= SRV_O_CREATE | SRV_O_EXCL | (ro_attr ? SRV_O_READONLY : 0);
        else if (action == SMB2_FILE_OVERWRITTEN || action == SMB2_FILE_SUPERSEDED)
            flags |= SRV_O_TRUNC | SRV_O_RDWR;
        st = srv_vfs_open(v, rel, flags, &fh);
        if (st == SMB_E_OBJECT_NAME_COLLISION && !exists && disp != SMB2_FILE_CREATE && !retried) {
            retried = true;
            goto lookup;
        }
        if (st == SMB_E_ACCESS_DENIED && !(acc & (SMB2_FILE_READ_DATA | SMB2_FILE_WRITE_DATA | SMB2_FILE_APPEND_DATA)) &&
            !(flags & (SRV_O_CREATE | SRV_O_TRUNC))) {
            /* attribute/delete-only open of a file we may not read */
            flags = SRV_O_ATTR;
            st = srv_vfs_open(v, rel, flags, &fh);
        }
        if (st == SMB_E_OBJECT_NAME_NOT_FOUND && !exists)
            st = SMB_E_OBJECT_PATH_NOT_FOUND;
    }
    if (st != SMB_OK)
        return st;
    if (cc.alsi && cc.alloc && !is_dir && action != SMB2_FILE_OPENED) {
        /* AllocationSize of a new or overwritten file: reserve the space,
         * the size stays 0 (MS-SMB2 2.2.13.2.6, MS-FSA FileAllocationInformation) */
        st = cc.alloc > INT64_MAX ? SMB_E_INVALID_PARAMETER : srv_fh_allocate(fh, cc.alloc);
        if (st != SMB_OK) {
            srv_fh_put(fh);
            return st;
        }
    }
    if ((st = srv_fh_fstat(fh, &sb)) != SMB_OK) {
        srv_fh_put(fh);
        return st;
    }
    struct srv_open *o = calloc(1, sizeof *o);
    if (!o || !(o->rel = strdup(rel))) {
        free(o);
        srv_fh_put(fh);
        return SMB_E_INSUFFICIENT_RESOURCES;
    }
    struct srv_attr rootsb;
    if (srv_vfs_stat(v, "", &rootsb) != SMB_OK || !srv_share_add(c->ctx->shared, o, &sb, &rootsb, share_acc, q.share_access)) {
        srv_fh_put(fh);
        free(o->rel);
        free(o);
        return SMB_E_SHARING_VIOLATION;
    }
    o->fid = __atomic_add_fetch(&c->ctx->shared->next_fid, 1, __ATOMIC_RELAXED); /* unique server-wide */
    o->owner = rq->sess;
    o->session_id = rq->sess->id;
    o->tree_id = t->id;
    o->share = t->share;
    o->fh = fh;
    o->is_dir = is_dir;
    o->access = acc;
    o->writable = (flags & SRV_O_RDWR) != 0;
    if (opts & SMB2_FILE_DELETE_ON_CLOSE) {
        if (!rel[0]) {
            srv_share_remove(c->ctx->shared, o);
            srv_fh_put(fh);
            free(o->rel);
            free(o);
            return SMB_E_ACCESS_DENIED;
        }
        o->delete_on_close = true;
    }
    o->next = rq->sess->opens;
    rq->sess->opens = o;
    rq->sess->n_opens++;
    rq->created_fid = o->fid;

    /* MS-SMB2 2.2.14: the contexts are written in place after the fixed part */
    struct smb2_create_resp resp = {0};
    resp.create_action = action;
    SRV_FILE_TIMES(&sb, resp);
    resp.allocation_size = srv_alloc_of(&sb);
    resp.end_of_file = srv_eof_of(&sb);
    resp.file_attributes = srv_attrs_of(&sb);
    resp.file_id.persistent = resp.file_id.volatile_ = o->fid;
    smb_wr cw;
    size_t at = w->off + SMB2_CREATE_RESP_FIXED;
    wr_init(&cw, w->p + at, w->cap > at ? w->cap - at : 0);
    /* the oplock or lease (MS-SMB2 3.3.5.9.8, 3.3.5.9.11), its RqLs first */
    if ((st = srv_lease_grant(c, rq, o, q.oplock_level, &cc.lq, &resp.oplock_level, &cw, !cc.mxac && !cc.qfid)) !=
        SMB_OK) {
        srv_open_close(c, o);
        return st;
    }
    if (cc.mxac || cc.qfid || wr_len(&cw)) {
        /* MS-SMB2 2.2.14.2.5 (MxAc: QueryStatus, MaximalAccess) and
         * 2.2.14.2.9 (QFid: the inode and device numbers) */
        if (cc.mxac) {
            uint8_t d[8];
            put_le32(d, 0);
            put_le32(d + 4, t->read_only ? (SMB2_FILE_READ_DATA | SMB2_FILE_EXECUTE | SMB2_FILE_READ_ATTRIBUTES |
                                            SMB2_FILE_READ_EA | SMB2_READ_CONTROL | SMB2_SYNCHRONIZE)
                                         : SMB2_FILE_ALL_ACCESS);
            smb2_create_ctx_encode(&cw, "MxAc", d, 8, !cc.qfid);
        }
        if (cc.qfid) {
            uint8_t d[32] = {0};
            put_le64(d, sb.ino);
            put_le64(d + 8, sb.dev);
            smb2_create_ctx_encode(&cw, "QFid", d, 32, true);
        }
        if (!wr_ok(&cw))
            wr_fail(w, cw.err);
        resp.contexts = (struct smb2_buf){cw.p, wr_len(&cw)};
    }
    smb2_create_resp_encode(w, &resp);
    rq->body_written = true;
    srv_log(c, SRV_LOG_DEBUG, "CREATE '%s' disp %u opts 0x%x access 0x%x -> fid %llu action %u", rel, disp, opts,
            access, (unsigned long long)o->fid, action);
    return SMB_OK;
}

