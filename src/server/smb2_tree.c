/* server/smb2_tree.c - TREE_CONNECT and TREE_DISCONNECT (MS-SMB2 3.3.5.7, 3.3.5.8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>

#include "base/utf16.h"
#include "server/smb2_open.h"
#include "wire/smb2/tree_connect.h"

/* ------------------------------------------------------------------ */
/* TREE_CONNECT (MS-SMB2 3.3.5.7)                                        */

smb_status srv_cmd_tree_connect(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    /* MS-SMB2 3.3.5.7: on 3.1.1 a non-anonymous, non-guest session's
     * TREE_CONNECT must be signed (the client signs it whatever the signing
     * policy, 3.2.4.1.1); otherwise the server disconnects. */
    if (c->dialect == SMB_DIALECT_311 && !rq->sess->anonymous && !rq->sess->guest && !rq->signed_ok &&
        !rq->encrypted) { /* an encrypted one is authenticated by its transform */
        srv_log(c, SRV_LOG_AUDIT, "signing: unsigned TREE_CONNECT on a 3.1.1 session 0x%llx: disconnecting",
                (unsigned long long)rq->sess->id);
        c->drop = true;
        return SMB_E_ACCESS_DENIED;
    }
    struct smb2_tree_connect_req q;
    if (smb2_tree_connect_req_decode(&rq->body, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    char path[1024];
    size_t pl = 0;
    if (q.path.len == 0 || smb_utf16le_to_utf8(q.path.p, q.path.len, path, sizeof path, &pl) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    /* "\\server\share" */
    const char *share = path;
    if (share[0] == '\\' && share[1] == '\\') {
        share = strchr(share + 2, '\\');
        if (!share)
            return SMB_E_BAD_NETWORK_NAME;
        share++;
    }
    struct srv_session *s = rq->sess;
    int idx = -1;
    bool ipc = !strcasecmp(share, "IPC$");
    for (int i = 0; i < c->ctx->cfg.n_shares; i++)
        if (!strcasecmp(c->ctx->cfg.shares[i].name, share))
            idx = i;
    if (idx < 0 && !ipc) {
        srv_log(c, SRV_LOG_INFO, "TREE_CONNECT: no share '%s'", share);
        return SMB_E_BAD_NETWORK_NAME;
    }
    uint32_t share_flags = SMB2_SHAREFLAG_NO_CACHING; /* manual caching off */
    bool enc;
    smb_status est = srv_crypt_tree_connect(c, s, ipc ? -1 : idx, &share_flags, &enc); /* session_crypt.c */
    if (est != SMB_OK)
        return est;
    if (s->n_trees >= SRV_TREES_MAX)
        return SMB_E_INSUFFICIENT_RESOURCES;
    struct srv_tree *t = &s->trees[s->n_trees++];
    t->encrypt_data = enc;
    t->id = s->next_tree_id++;
    t->share = ipc ? -1 : idx;
    t->ipc = ipc;
    t->read_only = ipc || c->ctx->cfg.shares[idx].read_only;
    rq->tree = t;
    srv_log(c, SRV_LOG_INFO, "session 0x%llx: tree 0x%x connected to '%s'%s", (unsigned long long)s->id, t->id,
            share, t->read_only ? " (read only)" : "");
    struct smb2_tree_connect_resp resp = {0};
    resp.share_type = ipc ? SMB2_SHARE_TYPE_PIPE : SMB2_SHARE_TYPE_DISK;
    resp.share_flags = share_flags;
    resp.maximal_access = t->read_only ? 0x001200A9u : SMB2_FILE_ALL_ACCESS;
    smb2_tree_connect_resp_encode(w, &resp);
    rq->body_written = true;
    return SMB_OK;
}

smb_status srv_cmd_tree_disconnect(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    struct srv_session *s = rq->sess;
    uint32_t id = rq->tree->id;
    srv_tree_remove_opens(c, s, id);
    for (int i = 0; i < s->n_trees; i++)
        if (s->trees[i].id == id) {
            s->trees[i] = s->trees[--s->n_trees];
            break;
        }
    rq->tree = NULL;
    smb2_tree_disconnect_encode(w);
    rq->body_written = true;
    return SMB_OK;
}

