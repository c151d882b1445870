/* server/smb2_ioctl.c - IOCTL (MS-SMB2 3.3.5.15): VALIDATE_NEGOTIATE_INFO,
 * QUERY_NETWORK_INTERFACE_INFO (multichannel), compression and object ids. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/smb2_open.h"
#include "wire/smb2/ioctl.h"

/* ------------------------------------------------------------------ */
/* IOCTL (MS-SMB2 3.3.5.15)                                              */

/* IOCTL response (MS-SMB2 2.2.32): no input echoed, the output given */
static void put_ioctl_rsp(smb_wr *w, const struct smb2_ioctl_req *q, const uint8_t *out, uint32_t outlen)
{
    struct smb2_ioctl_resp r = {0};
    r.ctl_code = q->ctl_code;
    r.file_id = q->file_id;
    r.output = (struct smb2_buf){out, outlen};
    smb2_ioctl_resp_encode(w, &r);
}

/* MS-SMB2 3.3.5.15.11: the addresses the server listens on (from the
 * configuration: the core does no I/O), one interface each; a wildcard
 * address (0.0.0.0, ::) names no interface and is left out. */
static SMB_WUR smb_status netif_info(struct srv_conn *c, struct srv_req *rq, const struct smb2_ioctl_req *q, smb_wr *w)
{
    if (q->file_id.persistent != UINT64_MAX || q->file_id.volatile_ != UINT64_MAX || !(q->flags & 1))
        return SMB_E_INVALID_PARAMETER;
    const struct srv_config *cfg = &c->ctx->cfg;
    struct smb2_netif v[SRV_MAX_LISTEN];
    int n = 0;
    for (int i = 0; i < cfg->n_listen && n < SRV_MAX_LISTEN; i++) {
        char a[128];
        uint16_t port;
        if (srv_parse_listen(cfg->listen[i], a, sizeof a, &port) != 0)
            continue;
        memset(&v[n], 0, sizeof v[n]);
        if (inet_pton(AF_INET, a, v[n].addr) == 1)
            v[n].family = 4;
        else if (inet_pton(AF_INET6, a, v[n].addr) == 1)
            v[n].family = 6;
        else
            continue;
        static const uint8_t any[16];
        if (!memcmp(v[n].addr, any, v[n].family == 4 ? 4 : 16))
            continue;
        v[n].if_index = (uint32_t)n + 1;
        v[n].link_speed = 10000000000ull; /* loopback has none; 10 Gbit/s as Samba's default */
        n++;
    }
    if (!n)
        return SMB_E_NOT_SUPPORTED;
    uint8_t out[SRV_MAX_LISTEN * SMB2_NETIF_ENTRY_LEN];
    size_t len = 0;
    if ((size_t)n * SMB2_NETIF_ENTRY_LEN > q->max_output_response)
        return SMB_E_BUFFER_TOO_SMALL;
    smb_status st = smb2_netif_encode(v, n, out, sizeof out, &len);
    if (st != SMB_OK)
        return st;
    put_ioctl_rsp(w, q, out, (uint32_t)len);
    rq->body_written = true;
    return SMB_OK;
}

smb_status srv_cmd_ioctl(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct smb2_ioctl_req q;
    if (smb2_ioctl_req_decode(&rq->body, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    uint32_t ctl = q.ctl_code, maxout = q.max_output_response, flags = q.flags;
    uint64_t fp = q.file_id.persistent, fv = q.file_id.volatile_;
    if (ctl == SMB2_FSCTL_VALIDATE_NEGOTIATE_INFO) {
        /* MS-SMB2 3.3.5.15.12: compare with what NEGOTIATE saw; any
         * difference means a downgrade attempt: drop the connection. */
        struct smb2_vni_req v;
        bool ok = smb2_vni_req_decode(q.input, &v) == SMB_OK && (flags & 1) && fp == UINT64_MAX &&
                  fv == UINT64_MAX;
        ok = ok && c->dialect != SMB_DIALECT_311 && v.dialect_count == c->n_client_dialects &&
             v.capabilities == c->client_caps && !memcmp(v.guid, c->client_guid, 16) &&
             v.security_mode == c->client_secmode;
        for (uint16_t i = 0; ok && i < v.dialect_count; i++)
            ok = v.dialects[i] == c->client_dialects[i];
        if (!ok) {
            srv_log(c, SRV_LOG_AUDIT, "VALIDATE_NEGOTIATE_INFO mismatch: dropping connection");
            c->drop = true;
            return SMB_E_ACCESS_DENIED;
        }
        if (maxout < 24)
            return SMB_E_INVALID_PARAMETER;
        struct smb2_vni_resp vr = {c->server_caps, {0}, c->server_secmode, c->dialect};
        memcpy(vr.guid, c->ctx->server_guid, 16);
        uint8_t vb[24];
        smb_status st = smb2_vni_resp_encode(&vr, vb);
        if (st != SMB_OK)
            return st;
        put_ioctl_rsp(w, &q, vb, 24);
        rq->body_written = true;
        return SMB_OK;
    }
    if (ctl == SMB2_FSCTL_DFS_GET_REFERRALS || ctl == SMB2_FSCTL_DFS_GET_REFERRALS_EX)
        return SMB_E_NOT_FOUND; /* not a DFS server */
    if (ctl == SMB2_FSCTL_QUERY_NETWORK_INTERFACE_INFO && c->ctx->cfg.multichannel)
        return netif_info(c, rq, &q, w);
    if (rq->tree && rq->tree->ipc)
        return SMB_E_NOT_SUPPORTED;
    if (ctl == SMB2_FSCTL_QUERY_NETWORK_INTERFACE_INFO)
        return SMB_E_INVALID_DEVICE_REQUEST;
    /* MS-SMB2 3.3.5.15: the other FSCTLs act on an open; a FileId naming
     * none fails with STATUS_FILE_CLOSED before the code is looked at */
    struct srv_open *o = srv_open_find(c, rq, q.file_id);
    if (!o)
        return SMB_E_FILE_CLOSED;
    if (ctl == SMB2_FSCTL_GET_COMPRESSION || ctl == SMB2_FSCTL_SET_COMPRESSION) {
        /* MS-FSCC 2.3.12/2.3.67: files are never compressed here. GET
         * answers COMPRESSION_FORMAT_NONE, SET to NONE succeeds, any other
         * format is STATUS_NOT_SUPPORTED (as Windows Server 2016 on a file
         * system without compression) */
        if (ctl == SMB2_FSCTL_SET_COMPRESSION) {
            if (q.input.len < 2)
                return SMB_E_INVALID_PARAMETER;
            if (!(o->access & (SMB2_FILE_WRITE_DATA | SMB2_FILE_WRITE_ATTRIBUTES)))
                return SMB_E_ACCESS_DENIED;
            if (le16(q.input.p) != 0)
                return SMB_E_NOT_SUPPORTED;
        } else if (maxout < 2) {
            return SMB_E_BUFFER_TOO_SMALL;
        }
        const uint8_t none[2] = {0, 0}; /* COMPRESSION_FORMAT_NONE */
        put_ioctl_rsp(w, &q, none, ctl == SMB2_FSCTL_GET_COMPRESSION ? 2 : 0);
        rq->body_written = true;
        return SMB_OK;
    }
    if (ctl == SMB2_FSCTL_GET_OBJECT_ID || ctl == SMB2_FSCTL_CREATE_OR_GET_OBJECT_ID) {
        /* MS-FSCC 2.3.15/2.3.7: FILE_OBJECTID_BUFFER; the ObjectId is the
         * inode and device numbers (stable for the file's lifetime), the
         * BirthObjectId the same, BirthVolumeId and DomainId zero */
        struct srv_attr sb;
        if (!o->fh || srv_fh_fstat(o->fh, &sb) != SMB_OK)
            return SMB_E_INVALID_DEVICE_REQUEST;
        if (maxout < 64)
            return SMB_E_BUFFER_TOO_SMALL;
        uint8_t oid[64] = {0}; /* ObjectId, BirthVolumeId, BirthObjectId, DomainId */
        put_le64(oid, sb.ino);
        put_le64(oid + 8, sb.dev);
        memcpy(oid + 32, oid, 16);
        put_ioctl_rsp(w, &q, oid, 64);
        rq->body_written = true;
        return SMB_OK;
    }
    return SMB_E_INVALID_DEVICE_REQUEST;
}

