/* server/smb2_query_info.c - QUERY_INFO (MS-SMB2 3.3.5.20; MS-FSCC 2.4, 2.5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf16.h"
#include "server/smb2_open.h"
#include "wire/smb2/query_info.h"

/* ------------------------------------------------------------------ */
/* QUERY_INFO (MS-SMB2 3.3.5.20, MS-FSCC 2.4 / 2.5)                       */

static void put_basic(smb_wr *w, const struct srv_attr *st)
{
    srv_put_times(w, st);
    wr_u32le(w, srv_attrs_of(st));
    wr_u32le(w, 0);
}

static void put_standard(smb_wr *w, const struct srv_attr *st, bool delete_pending)
{
    wr_u64le(w, srv_alloc_of(st));
    wr_u64le(w, srv_eof_of(st));
    wr_u32le(w, st->nlink);
    wr_u8(w, delete_pending);
    wr_u8(w, st->type == SRV_FT_DIR);
    wr_u16le(w, 0);
}

static SMB_WUR smb_status put_name_info(smb_wr *w, const struct srv_open *o)
{
    uint8_t name[2 * SRV_PATH_MAX];
    char win[SRV_PATH_MAX + 2];
    size_t nl = 0;
    snprintf(win, sizeof win, "\\%s", o->rel);
    for (char *p = win; *p; p++)
        if (*p == '/')
            *p = '\\';
    if (smb_utf8_to_utf16le(win, strlen(win), name, sizeof name, &nl) != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    wr_u32le(w, (uint32_t)nl);
    wr_bytes(w, name, nl);
    return SMB_OK;
}

static void put_u16name(smb_wr *w, const char *s, bool with_len);

static SMB_WUR smb_status query_file(struct srv_conn *c, struct srv_open *o, uint8_t cls, smb_wr *w)
{
    struct srv_attr st;
    smb_status fs = srv_fh_fstat(o->fh, &st);
    if (fs != SMB_OK)
        return fs;
    switch (cls) {
    case FileBasicInformation: put_basic(w, &st); break;
    case FileStandardInformation: put_standard(w, &st, o->delete_on_close); break;
    case FileInternalInformation: wr_u64le(w, st.ino); break;
    case FileEaInformation: wr_u32le(w, 0); break;
    case FileAccessInformation: wr_u32le(w, o->access); break;
    case FilePositionInformation: wr_u64le(w, o->position); break;
    case FileModeInformation: wr_u32le(w, 0); break;
    case FileAlignmentInformation: wr_u32le(w, 0); break;
    case FileNameInformation: return put_name_info(w, o);
    case FileAlternateNameInformation: {
        /* No 8.3 names are generated (like NTFS with 8.3 creation off):
         * a name that already is 8.3 is its own short name, others have
         * none (STATUS_OBJECT_NAME_NOT_FOUND, as Windows answers). */
        const char *base = strrchr(o->rel, '/');
        base = base ? base + 1 : o->rel;
        size_t bl = strlen(base);
        const char *dot = strchr(base, '.');
        size_t stem = dot ? (size_t)(dot - base) : bl;
        bool ok83 = bl > 0 && stem >= 1 && stem <= 8 && (!dot || (bl - stem - 1 <= 3 && !strchr(dot + 1, '.')));
        for (size_t i = 0; ok83 && i < bl; i++)
            ok83 = (unsigned char)base[i] < 0x80 && !strchr(" +,;=[]", base[i]);
        if (!ok83)
            return SMB_E_OBJECT_NAME_NOT_FOUND;
        char up[16];
        for (size_t i = 0; i <= bl; i++)
            up[i] = (char)((base[i] >= 'a' && base[i] <= 'z') ? base[i] - 32 : base[i]);
        put_u16name(w, up, true);
        break;
    }
    case FileAllInformation:
        put_basic(w, &st);
        put_standard(w, &st, o->delete_on_close);
        wr_u64le(w, st.ino);
        wr_u32le(w, 0);         /* EaSize */
        wr_u32le(w, o->access); /* AccessFlags */
        wr_u64le(w, o->position); /* CurrentByteOffset */
        wr_u32le(w, 0);         /* Mode */
        wr_u32le(w, 0);         /* AlignmentRequirement */
        return put_name_info(w, o);
    case FileNetworkOpenInformation:
        srv_put_times(w, &st);
        wr_u64le(w, srv_alloc_of(&st));
        wr_u64le(w, srv_eof_of(&st));
        wr_u32le(w, srv_attrs_of(&st));
        wr_u32le(w, 0);
        break;
    case FileAttributeTagInformation:
        wr_u32le(w, srv_attrs_of(&st));
        wr_u32le(w, 0);
        break;
    case FileCompressionInformation:
        wr_u64le(w, srv_eof_of(&st));
        wr_u16le(w, 0);
        wr_u8(w, 0);
        wr_u8(w, 0);
        wr_u8(w, 0);
        wr_zero(w, 3);
        break;
    case FileStreamInformation:
        if (o->is_dir)
            break; /* directories have no unnamed data stream: empty list */
        {
            static const uint8_t dd[] = {':', 0, ':', 0, '$', 0, 'D', 0, 'A', 0, 'T', 0, 'A', 0};
            wr_u32le(w, 0);
            wr_u32le(w, sizeof dd);
            wr_u64le(w, srv_eof_of(&st));
            wr_u64le(w, srv_alloc_of(&st));
            wr_bytes(w, dd, sizeof dd);
        }
        break;
    default:
        return SMB_E_INVALID_INFO_CLASS;
    }
    return SMB_OK;
}

static void put_u16name(smb_wr *w, const char *s, bool with_len)
{
    uint8_t u[128];
    size_t ul = 0;
    smb_status st = smb_utf8_to_utf16le(s, strlen(s), u, sizeof u, &ul);
    if (st != SMB_OK) {
        wr_fail(w, st); /* the caller's wr_ok check turns it into an error response */
        return;
    }
    if (with_len)
        wr_u32le(w, (uint32_t)ul);
    wr_bytes(w, u, ul);
}

static SMB_WUR smb_status query_fs(struct srv_conn *c, struct srv_open *o, uint8_t cls, smb_wr *w)
{
    struct srv_volinfo vf;
    smb_status st = srv_vfs_volume(&c->ctx->vfs[o->share], &vf);
    if (st != SMB_OK)
        return st;
    uint64_t bs = vf.block_size ? vf.block_size : 4096;
    uint32_t sectors = bs >= 512 ? (uint32_t)(bs / 512) : 1;
    switch (cls) {
    case FileFsVolumeInformation: {
        const char *label = c->ctx->cfg.shares[o->share].name;
        uint8_t u[256];
        size_t ul = 0;
        st = smb_utf8_to_utf16le(label, strlen(label), u, sizeof u, &ul);
        if (st != SMB_OK)
            return st;
        wr_u64le(w, c->ctx->start_time);
        wr_u32le(w, (uint32_t)c->ctx->start_time ^ 0x5349474eu); /* VolumeSerialNumber */
        wr_u32le(w, (uint32_t)ul);
        wr_u8(w, 0);
        wr_u8(w, 0);
        wr_bytes(w, u, ul);
        break;
    }
    case FileFsSizeInformation:
        wr_u64le(w, vf.blocks);
        wr_u64le(w, vf.bavail);
        wr_u32le(w, sectors);
        wr_u32le(w, 512);
        break;
    case FileFsFullSizeInformation:
        wr_u64le(w, vf.blocks);
        wr_u64le(w, vf.bavail);
        wr_u64le(w, vf.bfree);
        wr_u32le(w, sectors);
        wr_u32le(w, 512);
        break;
    case FileFsDeviceInformation:
        wr_u32le(w, 0x00000007); /* FILE_DEVICE_DISK */
        wr_u32le(w, 0x00000020); /* FILE_DEVICE_IS_MOUNTED */
        break;
    case FileFsAttributeInformation:
        /* case sensitive search | case preserved names | unicode on disk */
        wr_u32le(w, 0x00000001u | 0x00000002u | 0x00000004u);
        wr_u32le(w, 255);
        put_u16name(w, "NTFS", true);
        break;
    case FileFsSectorSizeInformation:
        wr_u32le(w, 512);
        wr_u32le(w, 512);
        wr_u32le(w, 512);
        wr_u32le(w, 512);
        wr_u32le(w, 0);
        wr_u32le(w, 0);
        wr_u32le(w, 0);
        break;
    case FileFsObjectIdInformation:
        wr_zero(w, 64);
        break;
    case FileFsControlInformation:
        /* MS-FSCC 2.5.2: no quotas are tracked or enforced: no filtering
         * thresholds, default quota threshold and limit "none" (all ones),
         * FileSystemControlFlags 0 (quotas neither tracked nor enforced) */
        wr_zero(w, 24);
        wr_u64le(w, UINT64_MAX);
        wr_u64le(w, UINT64_MAX);
        wr_u32le(w, 0);
        wr_u32le(w, 0);
        break;
    default:
        return SMB_E_INVALID_INFO_CLASS;
    }
    return SMB_OK;
}

/* A minimal self-relative security descriptor: owner/group S-1-1-0
 * (Everyone), no DACL entries means "no DACL present" -> full access. */
static void query_security(smb_wr *w, uint32_t addl)
{
    static const uint8_t everyone[12] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    size_t start = w->off;
    wr_u8(w, 1);          /* Revision */
    wr_u8(w, 0);          /* Sbz1 */
    wr_u16le(w, 0x8000);  /* Control: SELF_RELATIVE */
    size_t owner = wr_reserve(w, 4), group = wr_reserve(w, 4);
    wr_u32le(w, 0);       /* Sacl */
    wr_u32le(w, 0);       /* Dacl */
    if (addl & 1) {
        wr_patch_u32le(w, owner, (uint32_t)(w->off - start));
        wr_bytes(w, everyone, sizeof everyone);
    }
    if (addl & 2) {
        wr_patch_u32le(w, group, (uint32_t)(w->off - start));
        wr_bytes(w, everyone, sizeof everyone);
    }
}

smb_status srv_cmd_query_info(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct smb2_query_info_req q;
    if (smb2_query_info_req_decode(&rq->body, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    uint8_t type = q.info_type, cls = q.info_class;
    uint32_t outlen = q.output_buffer_length, addl = q.additional_information;
    struct srv_open *o = srv_open_find(c, rq, q.file_id);
    if (!o)
        return SMB_E_FILE_CLOSED;
    /* MS-SMB2 2.2.38: the information is written in place after the 8-byte
     * fixed part; the encoder then writes around it */
    smb_wr dw;
    size_t at = w->off + 8;
    wr_init(&dw, w->p + at, w->cap > at ? w->cap - at : 0);
    smb_status st;
    if (type == SMB2_0_INFO_FILE)
        st = query_file(c, o, cls, &dw);
    else if (type == SMB2_0_INFO_FILESYSTEM)
        st = query_fs(c, o, cls, &dw);
    else if (type == SMB2_0_INFO_SECURITY) {
        query_security(&dw, addl);
        st = SMB_OK;
    } else
        st = SMB_E_NOT_SUPPORTED;
    if (st != SMB_OK)
        return st;
    if (!wr_ok(&dw))
        return SMB_E_INTERNAL_ERROR;
    size_t n = dw.off;
    smb_status res = SMB_OK;
    if (n > outlen) {
        /* MS-SMB2 3.3.5.20.1 / MS-FSCC: a buffer smaller than a class's fixed
         * part is INFO_LENGTH_MISMATCH; a variable-length class whose fixed
         * part fits answers BUFFER_OVERFLOW with what fits. */
        /* fixed part = sizeof the Windows structure with its one-WCHAR name */
        size_t fixed = n; /* fixed-size classes: all of it */
        if (type == SMB2_0_INFO_FILE && cls == FileAllInformation)
            fixed = 104;
        else if (type == SMB2_0_INFO_FILE && (cls == FileNameInformation || cls == FileAlternateNameInformation))
            fixed = 8;
        else if (type == SMB2_0_INFO_FILE && cls == FileStreamInformation)
            fixed = 32;
        else if (type == SMB2_0_INFO_FILESYSTEM && cls == FileFsVolumeInformation)
            fixed = 24;
        else if (type == SMB2_0_INFO_FILESYSTEM && cls == FileFsAttributeInformation)
            fixed = 16;
        if (fixed > n)
            fixed = n;
        if (type == SMB2_0_INFO_SECURITY)
            return SMB_E_BUFFER_TOO_SMALL;
        bool variable = (type == SMB2_0_INFO_FILE && (cls == FileAllInformation || cls == FileNameInformation ||
                                               cls == FileStreamInformation || cls == FileAlternateNameInformation)) ||
                        (type == SMB2_0_INFO_FILESYSTEM &&
                         (cls == FileFsVolumeInformation || cls == FileFsAttributeInformation));
        if (outlen < fixed || !variable)
            return SMB_E_INFO_LENGTH_MISMATCH;
        n = outlen; /* what fits */
        res = SMB_E_BUFFER_OVERFLOW;
    }
    const struct smb2_query_info_resp resp = {{dw.p, n}};
    smb2_query_info_resp_encode(w, &resp);
    rq->body_written = true;
    return res;
}

