/*
 * server/smb1_trans2.c - SMB_COM_TRANSACTION2 subcommands of the SMB1 server
 * (MS-CIFS 2.2.6): FIND_FIRST2 / FIND_NEXT2 (SMB_FIND_FILE_BOTH_DIRECTORY_INFO
 * and the DIRECTORY / FULL_DIRECTORY / NAMES levels), QUERY_PATH_INFORMATION
 * and QUERY_FILE_INFORMATION (BASIC, STANDARD, EA, NAME, ALL), QUERY_FS_INFORMATION
 * (ALLOCATION, VOLUME, SIZE, DEVICE, ATTRIBUTE), SET_FILE_INFORMATION
 * (BASIC, DISPOSITION, ALLOCATION, END_OF_FILE), and GET_DFS_REFERRAL (no DFS
 * here; refused with STATUS_ACCESS_DENIED when the policy engine's decision
 * says so, KB887429).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf16.h"
#include "server/smb1_int.h"
#include "wire/smb1/trans2.h"

#define T2_DATA_CAP 61440 /* largest data block we return (fits the negotiated buffer) */
#define T2_PARAM_CAP 64

/* MS-CIFS 2.2.2.3 information levels */
#define SMB_INFO_ALLOCATION 0x0001
#define SMB_INFO_VOLUME 0x0002
#define SMB_QUERY_FS_VOLUME_INFO 0x0102
#define SMB_QUERY_FS_SIZE_INFO 0x0103
#define SMB_QUERY_FS_DEVICE_INFO 0x0104
#define SMB_QUERY_FS_ATTRIBUTE_INFO 0x0105
#define SMB_QUERY_FILE_BASIC_INFO 0x0101
#define SMB_QUERY_FILE_STANDARD_INFO 0x0102
#define SMB_QUERY_FILE_EA_INFO 0x0103
#define SMB_QUERY_FILE_NAME_INFO 0x0104
#define SMB_QUERY_FILE_ALL_INFO 0x0107
#define SMB_QUERY_FILE_ALT_NAME_INFO 0x0108
#define SMB_QUERY_FILE_STREAM_INFO 0x0109
#define SMB_FIND_FILE_DIRECTORY_INFO 0x0101
#define SMB_FIND_FILE_FULL_DIRECTORY_INFO 0x0102
#define SMB_FIND_FILE_NAMES_INFO 0x0103
#define SMB_FIND_FILE_BOTH_DIRECTORY_INFO 0x0104
#define SMB_SET_FILE_BASIC_INFO 0x0101
#define SMB_SET_FILE_DISPOSITION_INFO 0x0102
#define SMB_SET_FILE_ALLOCATION_INFO 0x0103
#define SMB_SET_FILE_END_OF_FILE_INFO 0x0104
#define SMB_FIND_CLOSE_AFTER_REQUEST 0x0001
#define SMB_FIND_CLOSE_AT_EOS 0x0002

static uint32_t attrs_of(const struct srv_attr *st)
{
    return st->type == SRV_FT_DIR ? 0x10 : 0x80; /* FILE_ATTRIBUTE_DIRECTORY / NORMAL */
}

/* A UTF-16LE name filling the rest of a parameter block (len bytes): its
 * length without the trailing NUL code units. A NUL followed by more name
 * ("a.txt\0\..\..\etc\passwd") stays inside, for srv_vfs_path to refuse
 * (STATUS_OBJECT_NAME_INVALID) instead of opening "a.txt" (issue 18, fix 3). */
static size_t u16_name_len(const uint8_t *p, size_t len)
{
    size_t n = len & ~(size_t)1;
    while (n >= 2 && p[n - 2] == 0 && p[n - 1] == 0)
        n -= 2;
    return n;
}

static void put_basic(smb_wr *w, const struct srv_attr *st)
{
    wr_u64le(w, st->ctime);
    wr_u64le(w, st->atime);
    wr_u64le(w, st->mtime);
    wr_u64le(w, st->ctime);
    wr_u32le(w, attrs_of(st));
}

static SMB_WUR smb_status put_u16_name(smb_wr *w, const char *name, bool with_len32)
{
    uint8_t u[2 * (SRV_NAME_MAX + 1) * 2];
    size_t ul = 0;
    if (smb_utf8_to_utf16le(name, strlen(name), u, sizeof u, &ul) != SMB_OK)
        return SMB_E_OBJECT_NAME_INVALID;
    if (with_len32)
        wr_u32le(w, (uint32_t)ul);
    wr_bytes(w, u, ul);
    return SMB_OK;
}

static const char *base_name(const char *rel)
{
    const char *p = strrchr(rel, '/');
    return p ? p + 1 : rel;
}

/* File information for QUERY_PATH / QUERY_FILE (MS-CIFS 2.2.8.3). */
static SMB_WUR smb_status file_info(smb_wr *dw, uint16_t level, const struct srv_attr *st, const char *rel)
{
    bool dir = st->type == SRV_FT_DIR;
    uint64_t alloc = st->alloc, eof = dir ? 0 : st->size;
    const char *name = rel[0] ? base_name(rel) : "\\";
    switch (level) {
    case SMB_QUERY_FILE_BASIC_INFO:
        put_basic(dw, st);
        wr_u32le(dw, 0);
        return SMB_OK;
    case SMB_QUERY_FILE_STANDARD_INFO:
        wr_u64le(dw, alloc);
        wr_u64le(dw, eof);
        wr_u32le(dw, st->nlink);
        wr_u8(dw, 0);
        wr_u8(dw, dir ? 1 : 0);
        wr_u16le(dw, 0);
        return SMB_OK;
    case SMB_QUERY_FILE_EA_INFO:
        wr_u32le(dw, 0);
        return SMB_OK;
    case SMB_QUERY_FILE_NAME_INFO:
    case SMB_QUERY_FILE_ALT_NAME_INFO:
        return put_u16_name(dw, name, true);
    case SMB_QUERY_FILE_ALL_INFO:
        put_basic(dw, st);
        wr_u32le(dw, 0);
        wr_u64le(dw, alloc);
        wr_u64le(dw, eof);
        wr_u32le(dw, st->nlink);
        wr_u8(dw, 0);
        wr_u8(dw, dir ? 1 : 0);
        wr_u16le(dw, 0);
        wr_u32le(dw, 0); /* EaSize */
        return put_u16_name(dw, name, true);
    case SMB_QUERY_FILE_STREAM_INFO:
        if (dir)
            return SMB_OK; /* no streams */
        wr_u32le(dw, 0);   /* NextEntryOffset */
        wr_u32le(dw, 14);  /* StreamNameLength: "::$DATA" */
        wr_u64le(dw, eof);
        wr_u64le(dw, alloc);
        return put_u16_name(dw, "::$DATA", false);
    default:
        return SMB_E_NOT_SUPPORTED;
    }
}

static SMB_WUR smb_status fs_info(const struct srv_vfs *v, smb_wr *dw, uint16_t level)
{
    struct srv_volinfo sv;
    smb_status st = srv_vfs_volume(v, &sv);
    if (st != SMB_OK)
        return st;
    uint32_t bps = 512, spu = sv.block_size >= 512 ? (uint32_t)(sv.block_size / 512) : 1;
    switch (level) {
    case SMB_INFO_ALLOCATION:
        wr_u32le(dw, 0);
        wr_u32le(dw, spu);
        wr_u32le(dw, (uint32_t)(sv.blocks > 0xFFFFFFFFu ? 0xFFFFFFFFu : sv.blocks));
        wr_u32le(dw, (uint32_t)(sv.bavail > 0xFFFFFFFFu ? 0xFFFFFFFFu : sv.bavail));
        wr_u16le(dw, (uint16_t)bps);
        return SMB_OK;
    case SMB_QUERY_FS_SIZE_INFO:
        wr_u64le(dw, sv.blocks);
        wr_u64le(dw, sv.bavail);
        wr_u32le(dw, spu);
        wr_u32le(dw, bps);
        return SMB_OK;
    case SMB_QUERY_FS_VOLUME_INFO:
        wr_u64le(dw, 0);
        wr_u32le(dw, 0x534D4231u); /* serial */
        wr_u32le(dw, 0);           /* label length */
        wr_u16le(dw, 0);
        return SMB_OK;
    case SMB_INFO_VOLUME:
        wr_u32le(dw, 0x534D4231u);
        wr_u8(dw, 0);
        return SMB_OK;
    case SMB_QUERY_FS_DEVICE_INFO:
        wr_u32le(dw, 0x07); /* FILE_DEVICE_DISK */
        wr_u32le(dw, 0x20); /* FILE_DEVICE_IS_MOUNTED */
        return SMB_OK;
    case SMB_QUERY_FS_ATTRIBUTE_INFO:
        wr_u32le(dw, 0x0000000Bu); /* case sensitive search, case preserved, unicode on disk */
        wr_u32le(dw, 255);
        wr_u32le(dw, 8);
        return put_u16_name(dw, "NTFS", false);
    default:
        return SMB_E_NOT_SUPPORTED;
    }
}

/* One directory entry at a level; 0 ok, -1 does not fit. */
static int put_entry(smb_wr *dw, uint16_t level, const struct srv_dirent *e, uint32_t index, size_t *last_off)
{
    size_t start = wr_len(dw);
    uint8_t u[2 * (SRV_NAME_MAX + 1) * 2];
    size_t ul = 0;
    if (smb_utf8_to_utf16le(e->name, strlen(e->name), u, sizeof u, &ul) != SMB_OK)
        return 0; /* skip names we cannot express */
    const struct srv_attr *st = &e->st;
    uint64_t eof = st->type == SRV_FT_DIR ? 0 : st->size, alloc = st->alloc;
    size_t next_at = wr_reserve(dw, 4);
    wr_u32le(dw, index);
    if (level == SMB_FIND_FILE_NAMES_INFO) {
        wr_u32le(dw, (uint32_t)ul);
    } else {
        wr_u64le(dw, st->ctime);
        wr_u64le(dw, st->atime);
        wr_u64le(dw, st->mtime);
        wr_u64le(dw, st->ctime);
        wr_u64le(dw, eof);
        wr_u64le(dw, alloc);
        wr_u32le(dw, attrs_of(st));
        wr_u32le(dw, (uint32_t)ul);
        if (level != SMB_FIND_FILE_DIRECTORY_INFO)
            wr_u32le(dw, 0); /* EaSize */
        if (level == SMB_FIND_FILE_BOTH_DIRECTORY_INFO) {
            wr_u8(dw, 0); /* ShortNameLength */
            wr_u8(dw, 0);
            wr_zero(dw, 24); /* ShortName */
        }
    }
    wr_bytes(dw, u, ul);
    /* pad to 8 in one step: a writer out of room does not advance, so a
     * byte-at-a-time loop never ends (found by fuzz_srv_smb1_input) */
    wr_zero(dw, (8 - (wr_len(dw) & 7)) & 7);
    if (!wr_ok(dw)) {
        dw->err = SMB_OK;
        dw->off = start;
        return -1;
    }
    wr_patch_u32le(dw, next_at, (uint32_t)(wr_len(dw) - start));
    *last_off = start;
    return 0;
}

/* Fill entries from the search state; returns the number written. */
static uint16_t fill_entries(struct srv_smb1 *s, smb_wr *dw, uint16_t max_count, size_t *last_off)
{
    uint16_t n = 0;
    *last_off = 0;
    while (s->search.pos < s->search.n && n < max_count) {
        if (put_entry(dw, s->search.level, &s->search.ents[s->search.pos], (uint32_t)s->search.pos,
                      last_off) != 0)
            break;
        s->search.pos++;
        n++;
    }
    if (n)
        wr_patch_u32le(dw, *last_off, 0); /* the last entry's NextEntryOffset is 0 */
    return n;
}

static void search_end(struct srv_smb1 *s)
{
    free(s->search.ents);
    memset(&s->search, 0, sizeof s->search);
}

static SMB_WUR smb_status find_first(struct srv_conn *c, struct srv_smb1 *s, const struct smb1_trans2_req *q,
                             smb_wr *pw, smb_wr *dw)
{
    if (q->param_len < 12)
        return SMB_E_INVALID_PARAMETER;
    uint16_t count = le16(q->param + 2), flags = le16(q->param + 4), level = le16(q->param + 6);
    if (level != SMB_FIND_FILE_BOTH_DIRECTORY_INFO && level != SMB_FIND_FILE_DIRECTORY_INFO &&
        level != SMB_FIND_FILE_FULL_DIRECTORY_INFO && level != SMB_FIND_FILE_NAMES_INFO)
        return SMB_E_NOT_SUPPORTED;
    const uint8_t *name = q->param + 12;
    size_t nl = u16_name_len(name, q->param_len - 12u);
    /* split "\dir\pattern" at the last backslash (UTF-16LE code unit 0x005C) */
    size_t cut = 0;
    bool has_sep = false;
    for (size_t i = 0; i + 1 < nl; i += 2)
        if (name[i] == '\\' && name[i + 1] == 0) {
            cut = i;
            has_sep = true;
        }
    char dir[SRV_PATH_MAX], pattern[SRV_NAME_MAX * 3 + 1];
    size_t pl = 0;
    const uint8_t *pat = has_sep ? name + cut + 2 : name;
    size_t patl = has_sep ? nl - cut - 2 : nl;
    if (srv_vfs_path(name, has_sep ? cut : 0, dir, sizeof dir) != SMB_OK ||
        smb_utf16le_to_utf8(pat, patl, pattern, sizeof pattern, &pl) != SMB_OK || strlen(pattern) != pl)
        return SMB_E_OBJECT_NAME_INVALID; /* (a NUL inside the pattern too) */
    if (!pattern[0])
        snprintf(pattern, sizeof pattern, "*");
    const struct srv_vfs *v = &c->ctx->vfs[s->share];
    struct srv_fh *fh = NULL;
    smb_status st = srv_vfs_open(v, dir, SRV_O_DIR, &fh);
    if (st != SMB_OK)
        return st == SMB_E_OBJECT_NAME_NOT_FOUND ? SMB_E_OBJECT_PATH_NOT_FOUND : st;
    struct srv_dirent *all = NULL;
    size_t n = 0;
    st = srv_fh_readdir(fh, &all, &n);
    srv_fh_put(fh);
    if (st != SMB_OK)
        return st;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (srv_vfs_match(pattern, all[i].name))
            all[k++] = all[i];
    if (k == 0) {
        free(all);
        return SMB_E_NO_SUCH_FILE;
    }
    search_end(s);
    s->search.active = true;
    s->search.sid = 1;
    s->search.ents = all;
    s->search.n = k;
    s->search.level = level;
    size_t last = 0;
    uint16_t got = fill_entries(s, dw, count ? count : 1, &last);
    bool eos = s->search.pos >= s->search.n;
    wr_u16le(pw, s->search.sid);
    wr_u16le(pw, got);
    wr_u16le(pw, eos ? 1 : 0);
    wr_u16le(pw, 0);
    wr_u16le(pw, (uint16_t)last);
    if ((flags & SMB_FIND_CLOSE_AFTER_REQUEST) || (eos && (flags & SMB_FIND_CLOSE_AT_EOS)))
        search_end(s);
    return SMB_OK;
}

static SMB_WUR smb_status find_next(struct srv_smb1 *s, const struct smb1_trans2_req *q, smb_wr *pw, smb_wr *dw)
{
    if (q->param_len < 12)
        return SMB_E_INVALID_PARAMETER;
    uint16_t sid = le16(q->param), count = le16(q->param + 2), flags = le16(q->param + 10);
    if (!s->search.active || sid != s->search.sid)
        return SMB_E_INVALID_HANDLE;
    size_t last = 0;
    uint16_t got = fill_entries(s, dw, count ? count : 1, &last);
    bool eos = s->search.pos >= s->search.n;
    wr_u16le(pw, got);
    wr_u16le(pw, eos ? 1 : 0);
    wr_u16le(pw, 0);
    wr_u16le(pw, (uint16_t)last);
    if ((flags & SMB_FIND_CLOSE_AFTER_REQUEST) || (eos && (flags & SMB_FIND_CLOSE_AT_EOS)))
        search_end(s);
    return SMB_OK;
}

static SMB_WUR smb_status set_file(struct srv_smb1 *s, const struct smb1_hdr *h, const struct smb1_trans2_req *q, smb_wr *pw)
{
    if (q->param_len < 4)
        return SMB_E_INVALID_PARAMETER;
    struct smb1_open *o = srv_smb1_fid(s, h, le16(q->param));
    uint16_t level = le16(q->param + 2);
    if (!o)
        return SMB_E_INVALID_HANDLE;
    wr_u16le(pw, 0); /* EaErrorOffset */
    switch (level) {
    case SMB_SET_FILE_BASIC_INFO:
        return SMB_OK; /* times are not set by this server; accepted */
    case SMB_SET_FILE_DISPOSITION_INFO:
        return SMB_E_NOT_SUPPORTED;
    case SMB_SET_FILE_ALLOCATION_INFO:
        return SMB_OK;
    case SMB_SET_FILE_END_OF_FILE_INFO:
        if (q->data_len < 8 || o->is_dir)
            return SMB_E_INVALID_PARAMETER;
        return srv_fh_truncate(o->fh, le64(q->data));
    default:
        return SMB_E_NOT_SUPPORTED;
    }
}

smb_status srv_smb1_find_close(struct srv_smb1 *s, const struct smb1_hdr *h, const struct smb1_block *b,
                               smb_wr *w, size_t hoff)
{
    if (!srv_smb1_tree_ok(s, h))
        return SMB_E_NETWORK_NAME_DELETED;
    if (b->word_count != 1)
        return SMB_E_INVALID_PARAMETER;
    if (!s->search.active || le16(b->words) != s->search.sid)
        return SMB_E_INVALID_HANDLE;
    search_end(s);
    return smb1_empty_encode(w, hoff);
}

smb_status srv_smb1_trans2(struct srv_conn *c, struct srv_smb1 *s, const struct smb1_hdr *h,
                           const uint8_t *pdu, size_t len, const struct smb1_block *b, smb_wr *w, size_t hoff)
{
    if (!s->authed)
        return SMB_E_ACCESS_DENIED;
    struct smb1_trans2_req q;
    smb_status st = smb1_trans2_req_decode(pdu, len, b, &q);
    if (st != SMB_OK)
        return st == SMB_E_NOT_SUPPORTED ? st : SMB_E_INVALID_PARAMETER;
    if (q.setup_count < 1)
        return SMB_E_INVALID_PARAMETER;
    uint16_t sub = q.setup[0];
    if (sub == TRANS2_GET_DFS_REFERRAL) {
        if (s->dec.deny_tree_connect) {
            /* KB887429: a server that requires signing, a client that does not sign */
            srv_log(c, SRV_LOG_AUDIT,
                    "SMB1 TRANS2 GET_DFS_REFERRAL refused: signing required, client does not sign");
            return s->dec.deny_status;
        }
        return SMB_E_NOT_FOUND; /* no DFS namespace here */
    }
    if (!srv_smb1_tree_ok(s, h))
        return SMB_E_NETWORK_NAME_DELETED;
    const struct srv_vfs *v = &c->ctx->vfs[s->share];
    uint8_t pbuf[T2_PARAM_CAP];
    uint8_t *dbuf = malloc(T2_DATA_CAP);
    if (!dbuf)
        return SMB_E_INSUFFICIENT_RESOURCES;
    smb_wr pw, dw;
    wr_init(&pw, pbuf, sizeof pbuf);
    uint32_t dcap = q.max_data < T2_DATA_CAP ? q.max_data : T2_DATA_CAP;
    wr_init(&dw, dbuf, dcap);
    switch (sub) {
    case TRANS2_FIND_FIRST2:
        st = find_first(c, s, &q, &pw, &dw);
        break;
    case TRANS2_FIND_NEXT2:
        st = find_next(s, &q, &pw, &dw);
        break;
    case TRANS2_QUERY_FS_INFORMATION: {
        st = q.param_len >= 2 ? fs_info(v, &dw, le16(q.param)) : SMB_E_INVALID_PARAMETER;
        break;
    }
    case TRANS2_QUERY_PATH_INFORMATION: {
        char rel[SRV_PATH_MAX];
        struct srv_attr stt;
        if (q.param_len < 6) {
            st = SMB_E_INVALID_PARAMETER;
            break;
        }
        size_t nl = u16_name_len(q.param + 6, q.param_len - 6u);
        st = srv_vfs_path(q.param + 6, nl, rel, sizeof rel);
        if (st == SMB_OK)
            st = srv_vfs_stat(v, rel, &stt);
        if (st == SMB_OK) {
            wr_u16le(&pw, 0);
            st = file_info(&dw, le16(q.param), &stt, rel);
        }
        break;
    }
    case TRANS2_QUERY_FILE_INFORMATION: {
        struct smb1_open *o = q.param_len >= 4 ? srv_smb1_fid(s, h, le16(q.param)) : NULL;
        struct srv_attr stt;
        st = o ? srv_fh_fstat(o->fh, &stt) : SMB_E_INVALID_HANDLE;
        if (st == SMB_OK) {
            wr_u16le(&pw, 0);
            st = file_info(&dw, le16(q.param + 2), &stt, o->rel ? o->rel : "");
        }
        break;
    }
    case TRANS2_SET_FILE_INFORMATION:
        st = set_file(s, h, &q, &pw);
        break;
    default:
        st = SMB_E_NOT_SUPPORTED;
        break;
    }
    if (st == SMB_E_NOT_SUPPORTED)
        srv_log(
            c, SRV_LOG_DEBUG, "SMB1 TRANS2 0x%04x level 0x%04x not supported", sub,
            q.param_len >= 4
                ? le16(q.param +
                       (sub == TRANS2_QUERY_PATH_INFORMATION || sub == TRANS2_QUERY_FS_INFORMATION ? 0 : 2))
                : 0);
    if (st == SMB_OK && (!wr_ok(&dw) || !wr_ok(&pw)))
        st = SMB_E_BUFFER_OVERFLOW;
    if (st == SMB_OK)
        st = smb1_trans2_rsp_encode(w, hoff, pbuf, (uint16_t)wr_len(&pw), dbuf, (uint16_t)wr_len(&dw)) ==
                     SMB_OK
                 ? SMB_OK
                 : SMB_E_INTERNAL_ERROR;
    free(dbuf);
    return st;
}
