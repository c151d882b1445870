/* server/smb2_set_info.c - SET_INFO (MS-SMB2 3.3.5.21): basic information,
 * rename and link, disposition (delete on close), end of file, allocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/smb2_open.h"
#include "wire/smb2/query_info.h"
#include "wire/smb2/set_info.h"

/* ------------------------------------------------------------------ */
/* SET_INFO (MS-SMB2 3.3.5.21)                                           */

static SMB_WUR smb_status set_rename(struct srv_conn *c, struct srv_req *rq, struct srv_open *o, smb_rd *in, bool link)
{
    uint8_t replace = rd_u8(in);
    rd_skip(in, 7);  /* Reserved */
    rd_u64le(in);    /* RootDirectory */
    uint32_t nl = rd_u32le(in);
    const uint8_t *nm = rd_bytes(in, nl);
    if (!rd_ok(in) || !nm || (nl & 1) || nl == 0)
        return SMB_E_INVALID_PARAMETER;
    char to[SRV_PATH_MAX];
    smb_status st = srv_vfs_path(nm, nl, to, sizeof to);
    if (st != SMB_OK)
        return st;
    if (link) {
        /* MS-FSCC 2.4.27.2 FileLinkInformation: same layout as rename */
        if (o->is_dir)
            return SMB_E_FILE_IS_A_DIRECTORY;
        return srv_vfs_link(&c->ctx->vfs[o->share], o->rel, to, replace != 0);
    }
    if (!(o->access & SMB2_DELETE))
        return SMB_E_ACCESS_DENIED;
    /* Windows renames through an open of the target's parent directory
     * (SMB2_FILE_WRITE_DATA, FILE_ADD_SUBDIRECTORY for a directory; sharing read
     * and write): an open of that directory that holds DELETE access, or
     * that does not share writing, makes the rename a sharing violation */
    char parent[SRV_PATH_MAX];
    snprintf(parent, sizeof parent, "%s", to);
    char *sl = strrchr(parent, '/');
    if (sl)
        *sl = 0;
    else
        parent[0] = 0;
    struct srv_attr pb, rootsb;
    /* Windows refuses to rename a directory with anything open beneath it */
    if (o->is_dir && srv_vfs_stat(&c->ctx->vfs[o->share], "", &rootsb) == SMB_OK &&
        srv_share_busy_below(c->ctx->shared, &rootsb, o->rel))
        return SMB_E_ACCESS_DENIED;
    if (srv_vfs_stat(&c->ctx->vfs[o->share], parent, &pb) == SMB_OK &&
        !srv_share_check(c->ctx->shared, pb.dev, pb.ino, o->is_dir ? SMB2_FILE_APPEND_DATA : SMB2_FILE_WRITE_DATA,
                     SMB2_FILE_SHARE_READ | SMB2_FILE_SHARE_WRITE))
        return SMB_E_SHARING_VIOLATION;
    st = srv_vfs_rename(&c->ctx->vfs[o->share], o->rel, to, replace != 0);
    if (st != SMB_OK)
        return st;
    srv_log(c, SRV_LOG_DEBUG, "rename '%s' -> '%s'", o->rel, to);
    srv_share_renamed(c->ctx->shared, o, to);
    char *nr = strdup(to);
    if (nr) {
        free(o->rel);
        o->rel = nr;
    }
    return SMB_OK;
}

smb_status srv_cmd_set_info(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct smb2_set_info_req q;
    if (smb2_set_info_req_decode(&rq->body, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    uint8_t type = q.info_type, cls = q.info_class;
    struct srv_open *o = srv_open_find(c, rq, q.file_id);
    if (!o)
        return SMB_E_FILE_CLOSED;
    smb_rd in;
    rd_init(&in, q.buffer.p, q.buffer.len);
    if (rq->tree->read_only)
        return SMB_E_ACCESS_DENIED;
    smb_status st = SMB_OK;
    if (type == SMB2_0_INFO_SECURITY) {
        /* accepted and ignored: POSIX permissions stay as they are */
    } else if (type != SMB2_0_INFO_FILE) {
        st = SMB_E_NOT_SUPPORTED;
    } else {
        switch (cls) {
        case FileBasicInformation: {
            uint64_t ct = rd_u64le(&in), at = rd_u64le(&in), mt = rd_u64le(&in);
            rd_u64le(&in);
            uint32_t fattr = rd_u32le(&in); /* FileAttributes */
            if (!rd_ok(&in))
                return SMB_E_INFO_LENGTH_MISMATCH;
            (void)ct;
            if (!(o->access & SMB2_FILE_WRITE_ATTRIBUTES))
                return SMB_E_ACCESS_DENIED;
            /* SMB2_FILE_ATTRIBUTE_READONLY <-> the write bits; the other
             * attributes are not stored (0 = leave them alone) */
            int ro = fattr && !o->is_dir ? (fattr & SMB2_FILE_ATTRIBUTE_READONLY) != 0 : -1;
            /* 0 = do not change; -1 (0xFFFF...) = stop updating (ignored) */
            if (at == UINT64_MAX)
                at = SRV_TIME_KEEP;
            if (mt == UINT64_MAX)
                mt = SRV_TIME_KEEP;
            if (ro >= 0 || at != SRV_TIME_KEEP || mt != SRV_TIME_KEEP)
                st = srv_fh_setattr(o->fh, ro, at, mt);
            break;
        }
        case FileRenameInformation:
        case FileRenameInformationEx:
            st = set_rename(c, rq, o, &in, false);
            break;
        case FileLinkInformation:
            st = set_rename(c, rq, o, &in, true);
            break;
        case FileDispositionInformation: {
            uint8_t del = rd_u8(&in);
            if (!rd_ok(&in))
                return SMB_E_INFO_LENGTH_MISMATCH;
            if (!(o->access & SMB2_DELETE))
                return SMB_E_ACCESS_DENIED;
            if (del && !o->rel[0])
                return SMB_E_ACCESS_DENIED;
            struct srv_attr db;
            if (del && !o->is_dir && srv_fh_fstat(o->fh, &db) == SMB_OK && db.readonly)
                return SMB_E_CANNOT_DELETE; /* MS-FSA 2.1.5.14.3: read-only */
            if (del && o->is_dir) {
                /* MS-FSA 2.1.5.14.3: a non-empty directory cannot be marked */
                struct srv_dirent *e = NULL;
                size_t n = 0;
                if (srv_fh_readdir(o->fh, &e, &n) == SMB_OK && n > 2) {
                    free(e);
                    return SMB_E_DIRECTORY_NOT_EMPTY;
                }
                free(e);
            }
            o->delete_on_close = del != 0;
            break;
        }
        case FileDispositionInformationEx: {
            uint32_t fl = rd_u32le(&in);
            if (!rd_ok(&in))
                return SMB_E_INFO_LENGTH_MISMATCH;
            if (!(o->access & SMB2_DELETE))
                return SMB_E_ACCESS_DENIED;
            struct srv_attr db;
            if ((fl & 1) && !(fl & 0x10) && !o->is_dir && srv_fh_fstat(o->fh, &db) == SMB_OK && db.readonly)
                return SMB_E_CANNOT_DELETE; /* unless FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE */
            o->delete_on_close = (fl & 1) != 0;
            break;
        }
        case FileEndOfFileInformation:
        case FileAllocationInformation: {
            uint64_t sz = rd_u64le(&in);
            if (!rd_ok(&in))
                return SMB_E_INFO_LENGTH_MISMATCH;
            if (o->is_dir)
                return SMB_E_INVALID_PARAMETER;
            if (!o->writable)
                return SMB_E_ACCESS_DENIED;
            if (sz > INT64_MAX)
                return SMB_E_INVALID_PARAMETER;
            srv_lease_break_on_write(c, o); /* smb2_lease.c */
            if (cls == FileEndOfFileInformation) {
                st = srv_fh_truncate(o->fh, sz);
            } else {
                struct srv_attr sb;
                /* allocation: grow (reserve), shrink truncates (MS-FSA 2.1.5.14.1) */
                if ((st = srv_fh_fstat(o->fh, &sb)) == SMB_OK)
                    st = sz < sb.size ? srv_fh_truncate(o->fh, sz) : srv_fh_allocate(o->fh, sz);
            }
            break;
        }
        case FilePositionInformation: {
            uint64_t pos = rd_u64le(&in);
            if (!rd_ok(&in))
                return SMB_E_INFO_LENGTH_MISMATCH;
            o->position = pos;
            break;
        }
        case FileModeInformation:
            break;
        default:
            st = SMB_E_INVALID_INFO_CLASS;
        }
    }
    if (st != SMB_OK)
        return st;
    smb2_set_info_resp_encode(w);
    rq->body_written = true;
    return SMB_OK;
}

