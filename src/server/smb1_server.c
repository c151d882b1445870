/*
 * server/smb1_server.c - the SMB1 (NT LM 0.12) server core, reached from
 * srv_conn_input when `smb1 = yes` and a client negotiates NT LM 0.12 only.
 *
 * Signing (MS-CIFS 3.3.5.2, 3.3.4.1.1; MS-SMB 3.3.5.2): SecurityMode and the
 * session's signing come from the policy engine (smb_policy_server_decide)
 * with this server's level and era; no rules are re-derived here. Once the
 * first authenticated SESSION_SETUP with a key succeeds on a signing session,
 * every request is verified with the sequence number the server expects
 * (smb1_sign_seq_next: +2 per request, +1 for NT_CANCEL) and every response
 * is signed with that number + 1. A request that fails verification drops
 * the connection (no answer): there is no way to answer without a key the
 * client trusts. A server that requires signing answers TREE_CONNECT_ANDX
 * and TRANS2 GET_DFS_REFERRAL from a client that does not sign with
 * STATUS_ACCESS_DENIED (KB887429), as the decision says.
 *
 * Limits: one session (UID) per connection, up to SMB1_SRV_MAX_TREES trees
 * per session, each with its own TID; every FID is bound to the tree it was
 * opened under (issue 18, fix 2); see docs/smb1.md for what is missing.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "auth/ntlmssp.h" /* the non-extended NT LM 0.12 logon (NTLMv2 without SPNEGO) */
#include "base/utf16.h"
#include "server/session_int.h"
#include "server/smb1_int.h"
#include "server/smb2_open.h"
#include "smbsign/policy.h"
#include "wire/netbios.h"
#include "wire/smb1/commands.h"
#include "wire/smb1/negotiate.h"

static smb_era server_era(const struct srv_ctx *ctx)
{
    if (ctx->cfg.era_set)
        return ctx->cfg.era ? SMB_ERA_LEGACY : SMB_ERA_CURRENT;
    const smb_profile *p = ctx->cfg.profile[0] ? smb_policy_profile_find(ctx->cfg.profile) : NULL;
    return p ? p->era : SMB_ERA_CURRENT;
}

bool srv_smb1_wants(const struct srv_conn *c, const uint8_t *pdu, size_t len)
{
    if (!c->ctx->cfg.smb1 || c->negotiated || c->smb2_wildcard_sent || len < SMB1_HDR_LEN ||
        memcmp(pdu, SMB1_MAGIC, 4) != 0 || pdu[4] != SMB1_COM_NEGOTIATE)
        return false;
    smb_rd r;
    rd_init(&r, pdu, len);
    rd_seek(&r, SMB1_HDR_LEN);
    struct smb1_negotiate_req req;
    if (smb1_negotiate_req_decode(&r, &req) != SMB_OK)
        return false;
    /* SMB2/3 wins when the client offers it (the SMB2 path answers those). */
    if (smb1_negotiate_req_find(&req, SMB1_DIALECT_SMB2_002) >= 0 ||
        smb1_negotiate_req_find(&req, SMB1_DIALECT_SMB2_WILDCARD) >= 0)
        return false;
    return smb1_negotiate_req_find(&req, SMB1_DIALECT_NT_LM_012) >= 0;
}

bool srv_smb1_established(const struct srv_conn *c)
{
    return c->smb1 && c->smb1->authed;
}

void srv_smb1_free(struct srv_conn *c)
{
    struct srv_smb1 *s = c->smb1;
    if (!s)
        return;
    for (int i = 0; i < SMB1_SRV_MAX_OPENS; i++)
        if (s->opens[i].used) {
            srv_brl_detach(s->shared, s->opens[i].brl);
            srv_fh_put(s->opens[i].fh);
            free(s->opens[i].rel);
        }
    if (s->sess) {
        srv_auth_free(s->sess);
        smb_wipe(s->sess, sizeof *s->sess);
        free(s->sess);
    }
    smb_sign_ctx_free(s->sign);
    free(s->search.ents);
    free(s);
    c->smb1 = NULL;
}


/* ---- command handlers: write one block into w, return the status ---- */

static SMB_WUR smb_status h_negotiate(struct srv_conn *c, struct srv_smb1 *s, const uint8_t *pdu, size_t len,
                              smb_wr *w, size_t hoff)
{
    smb_rd r;
    rd_init(&r, pdu, len);
    rd_seek(&r, SMB1_HDR_LEN);
    struct smb1_negotiate_req req;
    if (s->negotiated || smb1_negotiate_req_decode(&r, &req) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    int idx = smb1_negotiate_req_find(&req, SMB1_DIALECT_NT_LM_012);
    if (idx < 0)
        return SMB_E_NOT_SUPPORTED;
    smb_server_decision d0;
    if (smb_policy_server_decide(SMB_PROTO_SMB1, s->side, 0, &d0) != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    uint8_t blob[256];
    size_t blen = 0;
    if (srv_auth_neg_token(&c->ctx->cfg, blob, sizeof blob, &blen) != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    struct smb1_negotiate_rsp rsp;
    memset(&rsp, 0, sizeof rsp);
    rsp.word_count = 17;
    rsp.dialect_index = (uint16_t)idx;
    rsp.security_mode = (uint8_t)d0.security_mode; /* KB887429: 3, 7, 15 */
    rsp.max_mpx_count = 50; /* requests in flight; answered in order (sequence numbers follow arrival) */
    rsp.max_number_vcs = 1;
    rsp.max_buffer_size = SMB1_SRV_MAX_BUFFER;
    rsp.max_raw_size = 65536;
    rsp.capabilities =
        SMB1_CAP_UNICODE | SMB1_CAP_LARGE_FILES | SMB1_CAP_NT_SMBS | SMB1_CAP_STATUS32 | SMB1_CAP_NT_FIND;
    rsp.system_time = srv_ctx_now(c->ctx);
    /* MS-SMB 2.2.4.5.2: extended security when the client asks for it (Flags2), else
     * the NT LM 0.12 form with an 8-byte challenge and the domain name (MS-CIFS 2.2.4.52.2). */
    s->extended = (le16(pdu + 10) & SMB1_FLAGS2_EXTENDED_SECURITY) != 0;
    uint8_t dom[64];
    size_t dlen = 0;
    if (s->extended) {
        rsp.capabilities |= SMB1_CAP_EXTENDED_SECURITY;
        memcpy(rsp.server_guid, c->ctx->server_guid, 16);
        rsp.security_blob = blob;
        rsp.security_blob_len = (uint16_t)blen;
    } else {
        if (smb_random(s->challenge, 8) != SMB_OK ||
            smb_utf8_to_utf16le("SMBSIGN", 7, dom, sizeof dom - 2, &dlen) != SMB_OK)
            return SMB_E_INTERNAL_ERROR;
        dom[dlen++] = 0;
        dom[dlen++] = 0;
        rsp.challenge_length = 8;
        rsp.challenge = s->challenge;
        rsp.domain_name = dom;
        rsp.domain_name_len = (uint16_t)dlen;
    }
    (void)hoff;
    smb_status st = smb1_negotiate_rsp_encode(w, &rsp);
    if (st != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    s->negotiated = true;
    srv_log(c, SRV_LOG_INFO, "SMB1 NT LM 0.12 negotiated, SecurityMode %u (%s era)", rsp.security_mode,
            smb_era_name(s->side.era));
    return SMB_OK;
}

/* *activate: set when this response must be the first signed one. */
static SMB_WUR smb_status h_session_setup(struct srv_conn *c, struct srv_smb1 *s, const struct smb1_hdr *h,
                                  const struct smb1_block *b, smb_wr *w, size_t hoff, bool *activate)
{
    struct smb1_sess_setup_req q;
    if (!s->negotiated || s->authed)
        return SMB_E_INVALID_PARAMETER;
    if (smb1_sess_setup_req_decode(b, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER; /* the non-extended (WordCount 13) form is not served: docs/smb1.md */
    if (!s->sess && !(s->sess = calloc(1, sizeof *s->sess)))
        return SMB_E_INSUFFICIENT_RESOURCES;
    uint8_t out[SRV_CHAL_MAX + 64];
    size_t olen = 0;
    smb_status st = srv_auth_step(c, s->sess, q.blob, q.blob_len, out, sizeof out, &olen);
    if (st != SMB_OK && st != SMB_E_MORE_PROCESSING_REQUIRED) {
        smb_wipe(s->sess, sizeof *s->sess);
        memset(s->sess, 0, sizeof *s->sess);
        c->delay_ms = c->ctx->cfg.auth_fail_delay_ms;
        return st;
    }
    s->uid = SMB1_SRV_UID;
    if (st == SMB_OK) {
        /* The client states its posture in Flags2 (MS-SMB 2.2.3.1); the engine decides. */
        srv_log(c, SRV_LOG_DEBUG,
                "SMB1 SESSION_SETUP Flags2 0x%04x signature field %02x%02x%02x%02x%02x%02x%02x%02x",
                h->flags2, h->signature[0], h->signature[1], h->signature[2], h->signature[3],
                h->signature[4], h->signature[5], h->signature[6], h->signature[7]);
        /* The client's signals: Flags2 (MS-SMB 2.2.3.1), and the "BSRSPYL " placeholder a
         * client that will sign puts in the signature field before it has a key
         * (MS-CIFS 3.2.4.2.4; Samba's "client signing = if_required" signals only this way). */
        uint16_t signals = h->flags2;
        if (!memcmp(h->signature, "BSRSPYL ", 8))
            signals |= SMB1_FLAGS2_SECURITY_SIGNATURE;
        if (smb_policy_server_decide(SMB_PROTO_SMB1, s->side, signals, &s->dec) != SMB_OK)
            return SMB_E_INTERNAL_ERROR;
        bool keyless = s->sess->guest || s->sess->anonymous;
        if (keyless && !s->dec.guest_allowed) {
            /* The exchange is over: drop its state, so that the client's next
             * attempt on this connection (smbclient -N retries anonymously
             * after its guest logon) starts afresh and is judged like the
             * first one (STATUS_LOGON_FAILURE, as Windows), not answered
             * STATUS_INVALID_PARAMETER by a finished mechanism (issue 18, fix 4). */
            srv_log(c, SRV_LOG_AUDIT, "SMB1 guest/anonymous session refused: signing is required");
            srv_auth_free(s->sess);
            smb_wipe(s->sess, sizeof *s->sess);
            memset(s->sess, 0, sizeof *s->sess);
            c->delay_ms = c->ctx->cfg.auth_fail_delay_ms;
            return SMB_E_LOGON_FAILURE;
        }
        if (s->dec.sign && !keyless) {
            /* MS-CIFS 3.3.5.3: the MAC key is the session key (extended security). */
            if (smb_sign_ctx_new_smb1(&s->sign, s->sess->smb1_mac_key_len ? s->sess->smb1_mac_key : s->sess->session_key,
                                      s->sess->smb1_mac_key_len ? s->sess->smb1_mac_key_len : 16) != SMB_OK)
                return SMB_E_INTERNAL_ERROR;
            *activate = true;
        }
        s->authed = true;
        srv_log(c, SRV_LOG_INFO, "SMB1 session for '%s': signing %s", s->sess->user, s->sign ? "on" : "off");
    }
    struct smb1_sess_setup_rsp rsp = {
        .action = (s->sess->guest ? 1 : 0), .blob = out, .blob_len = (uint16_t)olen};
    if (smb1_sess_setup_rsp_encode(w, hoff, &rsp) != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    return st;
}

/* Non-extended SESSION_SETUP_ANDX with an NTLMv2 response (MS-CIFS 3.3.5.3, MS-NLMP
 * 3.3.2): NTProofStr = HMAC_MD5(NTOWFv2, ServerChallenge || blob); SessionBaseKey =
 * HMAC_MD5(NTOWFv2, NTProofStr); MAC key = SessionBaseKey || the NTLMv2 response
 * (MS-CIFS 3.2.5.3: the session key followed by the challenge response). NTLMv1 and
 * LM-only responses are refused. */
static SMB_WUR smb_status h_session_setup_nt(struct srv_conn *c, struct srv_smb1 *s, const struct smb1_hdr *h,
                                     const struct smb1_block *b, smb_wr *w, size_t hoff, bool *activate)
{
    struct smb1_sess_setup_nt_req q;
    if (!s->negotiated || s->authed || s->extended)
        return SMB_E_INVALID_PARAMETER;
    if (smb1_sess_setup_nt_req_decode(b, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    if (!c->ctx->cfg.ntlm_auth) {
        srv_log(c, SRV_LOG_AUDIT, "SMB1 logon failure (non-extended): NTLM is turned off (ntlm auth = no)");
        return SMB_E_LOGON_FAILURE;
    }
    char user[SRV_USER_NAME_MAX + 1];
    size_t ul = 0;
    if (q.account_len > 2 * SRV_USER_NAME_MAX ||
        smb_utf16le_to_utf8(q.account, q.account_len, user, sizeof user, &ul) != SMB_OK || ul == 0 ||
        ul > SRV_USER_NAME_MAX)
        return SMB_E_LOGON_FAILURE;
    const struct srv_user *u = srv_userdb_find(&c->ctx->users, user);
    if (!u || q.nt_len < 16 + 28 || q.nt_len + 16 > SMB_SIGN_SMB1_MAX_KEY) {
        srv_log(c, SRV_LOG_AUDIT, "SMB1 logon failure (non-extended): user '%s'%s", user,
                u ? ": not an NTLMv2 response" : " unknown");
        c->delay_ms = c->ctx->cfg.auth_fail_delay_ms;
        return SMB_E_LOGON_FAILURE;
    }
    uint8_t v2[16], proof[16], base[16];
    struct ntlm_buf ub = {q.account, q.account_len}, db = {q.domain, q.domain_len};
    smb_ntlm_ntowfv2_u16(u->nt_hash, ub, db, v2);
    smb1_ntlmv2_proof(v2, s->challenge, q.nt + 16, q.nt_len - 16u, proof, base);
    bool good = smb_memeq_ct(proof, q.nt, 16) != 0;
    smb_wipe(v2, sizeof v2);
    smb_wipe(proof, sizeof proof);
    if (!good) {
        smb_wipe(base, sizeof base);
        srv_log(c, SRV_LOG_AUDIT, "SMB1 logon failure (non-extended): user '%s': wrong NTLMv2 proof", user);
        c->delay_ms = c->ctx->cfg.auth_fail_delay_ms;
        return SMB_E_LOGON_FAILURE;
    }
    if (!s->sess && !(s->sess = calloc(1, sizeof *s->sess))) {
        smb_wipe(base, sizeof base);
        return SMB_E_INSUFFICIENT_RESOURCES;
    }
    memcpy(s->sess->user, user, ul + 1);
    uint16_t signals = h->flags2;
    if (!memcmp(h->signature, "BSRSPYL ", 8))
        signals |= SMB1_FLAGS2_SECURITY_SIGNATURE;
    smb_status st = SMB_OK;
    if (smb_policy_server_decide(SMB_PROTO_SMB1, s->side, signals, &s->dec) != SMB_OK)
        st = SMB_E_INTERNAL_ERROR;
    if (st == SMB_OK && s->dec.sign) {
        uint8_t key[SMB_SIGN_SMB1_MAX_KEY];
        memcpy(key, base, 16);
        memcpy(key + 16, q.nt, q.nt_len);
        if (smb_sign_ctx_new_smb1(&s->sign, key, 16u + q.nt_len) != SMB_OK)
            st = SMB_E_INTERNAL_ERROR;
        smb_wipe(key, 16u + q.nt_len);
        *activate = st == SMB_OK;
    }
    smb_wipe(base, sizeof base);
    if (st != SMB_OK)
        return st;
    s->uid = SMB1_SRV_UID;
    s->authed = true;
    srv_log(c, SRV_LOG_INFO, "SMB1 session for '%s' (non-extended NTLMv2): signing %s", user,
            s->sign ? "on" : "off");
    return smb1_sess_setup_nt_rsp_encode(w, hoff, 0) == SMB_OK ? SMB_OK : SMB_E_INTERNAL_ERROR;
}

static int share_from_path(const struct srv_ctx *ctx, const uint8_t *u16, size_t len, bool *ipc)
{
    char path[512];
    size_t pl = 0;
    if (smb_utf16le_to_utf8(u16, len, path, sizeof path, &pl) != SMB_OK)
        return -1;
    const char *name = strrchr(path, '\\');
    name = name ? name + 1 : path;
    *ipc = !strcasecmp(name, "IPC$");
    if (*ipc)
        return -2;
    for (int i = 0; i < ctx->cfg.n_shares; i++)
        if (!strcasecmp(ctx->cfg.shares[i].name, name))
            return i;
    return -1;
}

static SMB_WUR smb_status h_tree_connect(struct srv_conn *c, struct srv_smb1 *s, const struct smb1_block *b,
                                 smb_wr *w, size_t hoff, uint16_t *tid)
{
    if (!s->authed)
        return SMB_E_ACCESS_DENIED;
    if (s->dec.deny_tree_connect) {
        /* KB887429: a server that requires signing, a client that does not sign */
        srv_log(c, SRV_LOG_AUDIT, "SMB1 TREE_CONNECT refused: signing required and the client does not sign");
        return s->dec.deny_status;
    }
    struct smb1_tree_connect_req q;
    if (smb1_tree_connect_req_decode(b, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    bool ipc = false;
    int sh = share_from_path(c->ctx, q.path, q.path_len, &ipc);
    if (sh == -1)
        return SMB_E_BAD_NETWORK_NAME;
    int slot = -1;
    for (int i = 0; i < SMB1_SRV_MAX_TREES && slot < 0; i++)
        if (!s->trees[i].tid)
            slot = i;
    if (slot < 0)
        return SMB_E_INSUFFICIENT_RESOURCES;
    /* a fresh TID, never one in use (0 and 0xFFFF are not TIDs) */
    uint16_t t = s->next_tid;
    for (bool used = true; used;) {
        if (++t == 0xFFFF)
            t = 1;
        used = false;
        for (int i = 0; i < SMB1_SRV_MAX_TREES; i++)
            used |= s->trees[i].tid == t;
    }
    if (smb1_tree_connect_rsp_encode(w, hoff, 0x0001 /* SMB_SUPPORT_SEARCH_BITS */, ipc) != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    s->next_tid = t;
    s->trees[slot].tid = t;
    s->trees[slot].share = sh;
    *tid = t;
    return SMB_OK;
}

/* The tree a request element names: sets s->tid and s->share (-1: none, or IPC$). */
static void tree_select(struct srv_smb1 *s, uint16_t tid)
{
    s->tid = 0;
    s->share = -1;
    for (int i = 0; i < SMB1_SRV_MAX_TREES && tid; i++)
        if (s->trees[i].tid == tid) {
            s->tid = tid;
            s->share = s->trees[i].share < 0 ? -1 : s->trees[i].share;
        }
}

static void open_close(struct srv_smb1 *s, struct smb1_open *o)
{
    srv_brl_detach(s->shared, o->brl);
    srv_fh_put(o->fh);
    free(o->rel);
    memset(o, 0, sizeof *o);
}

/* TREE_DISCONNECT of tid (or every tree when tid is 0, at LOGOFF): the tree
 * goes, and with it the files opened under it (MS-CIFS 3.3.5.15). Returns
 * false when tid names no tree. */
static bool tree_drop(struct srv_smb1 *s, uint16_t tid)
{
    bool found = false;
    for (int i = 0; i < SMB1_SRV_MAX_TREES; i++)
        if (s->trees[i].tid && (!tid || s->trees[i].tid == tid)) {
            found = true;
            for (int k = 0; k < SMB1_SRV_MAX_OPENS; k++)
                if (s->opens[k].used && s->opens[k].tid == s->trees[i].tid)
                    open_close(s, &s->opens[k]);
            s->trees[i].tid = 0;
            s->trees[i].share = -1;
        }
    return found;
}

bool srv_smb1_tree_ok(const struct srv_smb1 *s, const struct smb1_hdr *h)
{
    return s->authed && s->tid && h->tid == s->tid && s->share >= 0;
}

static SMB_WUR smb_status h_nt_create(struct srv_conn *c, struct srv_smb1 *s, const struct smb1_hdr *h,
                              const struct smb1_block *b, smb_wr *w, size_t hoff)
{
    if (!srv_smb1_tree_ok(s, h))
        return SMB_E_NETWORK_NAME_DELETED;
    struct smb1_nt_create_req q;
    if (smb1_nt_create_req_decode(b, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    char rel[SRV_PATH_MAX];
    if (srv_vfs_path(q.name, q.name_len, rel, sizeof rel) != SMB_OK)
        return SMB_E_OBJECT_NAME_INVALID;
    const struct srv_vfs *v = &c->ctx->vfs[s->share];
    bool ro = c->ctx->cfg.shares[s->share].read_only;
    unsigned flags = 0;
    bool want_dir = (q.options & 0x1) != 0; /* FILE_DIRECTORY_FILE */
    struct srv_attr stt;
    bool exists = srv_vfs_stat(v, rel, &stt) == SMB_OK;
    if (exists && stt.type == SRV_FT_DIR)
        want_dir = true;
    bool write =
        !want_dir && (q.desired_access & 0x40000116u) != 0; /* FILE_WRITE_DATA|APPEND|EA|ATTR|GENERIC_WRITE */
    switch (q.disposition) {
    case 0: /* FILE_SUPERSEDE */
    case 5: /* FILE_OVERWRITE_IF */
        flags |= SRV_O_CREATE | SRV_O_TRUNC;
        write = true;
        break;
    case 1: /* FILE_OPEN */
        break;
    case 2: /* FILE_CREATE */
        flags |= SRV_O_CREATE | SRV_O_EXCL;
        write = true;
        break;
    case 3: /* FILE_OPEN_IF */
        flags |= SRV_O_CREATE;
        write = write || !exists;
        break;
    case 4: /* FILE_OVERWRITE */
        flags |= SRV_O_TRUNC;
        write = true;
        break;
    default:
        return SMB_E_INVALID_PARAMETER;
    }
    if (want_dir) {
        if (!exists)
            return (flags & SRV_O_CREATE) ? SMB_E_NOT_SUPPORTED : SMB_E_OBJECT_NAME_NOT_FOUND;
        flags = SRV_O_DIR;
    } else {
        if (write && ro)
            return SMB_E_ACCESS_DENIED;
        flags |= write ? SRV_O_RDWR : 0;
    }
    int slot = -1;
    for (int i = 0; i < SMB1_SRV_MAX_OPENS && slot < 0; i++)
        if (!s->opens[i].used)
            slot = i;
    if (slot < 0)
        return SMB_E_INSUFFICIENT_RESOURCES;
    struct srv_fh *fh = NULL;
    smb_status st = srv_vfs_open(v, rel, flags, &fh);
    if (st != SMB_OK)
        return st;
    if ((st = srv_fh_fstat(fh, &stt)) != SMB_OK) {
        srv_fh_put(fh);
        return st;
    }
    s->opens[slot].used = true;
    s->opens[slot].tid = h->tid;
    s->opens[slot].fh = fh;
    s->opens[slot].is_dir = want_dir;
    s->opens[slot].rel = strdup(rel);
    /* SMB2 byte-range locks on the file apply to SMB1 READ/WRITE too (an
     * SMB1 open holds none: LOCKING_ANDX is not implemented) */
    s->opens[slot].brl = want_dir ? NULL : srv_brl_attach(s->shared, stt.dev, stt.ino);
    struct smb1_nt_create_rsp rsp;
    memset(&rsp, 0, sizeof rsp);
    rsp.fid = (uint16_t)(slot + 1);
    rsp.disposition =
        exists ? ((flags & SRV_O_TRUNC) ? 3 : 1) : 2; /* FILE_OVERWRITTEN / FILE_OPENED / FILE_CREATED */
    rsp.create_time = stt.ctime;
    rsp.access_time = stt.atime;
    rsp.write_time = stt.mtime;
    rsp.change_time = stt.ctime;
    rsp.ext_attributes = want_dir ? 0x10 : 0x80;
    rsp.allocation_size = stt.alloc;
    rsp.end_of_file = want_dir ? 0 : stt.size;
    rsp.directory = want_dir;
    s->chain_fid = rsp.fid;
    return smb1_nt_create_rsp_encode(w, hoff, &rsp) == SMB_OK ? SMB_OK : SMB_E_INTERNAL_ERROR;
}

struct smb1_open *srv_smb1_fid(struct srv_smb1 *s, const struct smb1_hdr *h, uint16_t fid)
{
    if (fid == 0xFFFF && s->chain_fid)
        fid = s->chain_fid; /* a chained READ/WRITE/CLOSE after NT_CREATE_ANDX in the same request */
    if (fid == 0 || fid > SMB1_SRV_MAX_OPENS || !s->opens[fid - 1].used || !s->authed ||
        s->opens[fid - 1].tid != h->tid)
        return NULL;
    return &s->opens[fid - 1];
}

/* MS-FSA 2.1.4.10 against the SMB2 locks of the file (one atomic load when it has none) */
static SMB_WUR smb_status smb1_lock_check(struct smb1_open *o, uint64_t off, uint64_t len, bool write)
{
    if (!o->brl || len == 0 || !srv_brl_has_locks(o->brl))
        return SMB_OK;
    return srv_brl_io_check_slow(o->brl, o, off, len, write);
}

static SMB_WUR smb_status h_write(struct srv_smb1 *s, const struct smb1_hdr *h, const uint8_t *pdu, size_t len,
                          const struct smb1_block *b, smb_wr *w, size_t hoff)
{
    if (!srv_smb1_tree_ok(s, h))
        return SMB_E_NETWORK_NAME_DELETED;
    struct smb1_write_req q;
    if (smb1_write_req_decode(pdu, len, b, &q) != SMB_OK || q.offset > INT64_MAX)
        return SMB_E_INVALID_PARAMETER;
    struct smb1_open *o = srv_smb1_fid(s, h, q.fid);
    if (!o || o->is_dir)
        return SMB_E_INVALID_HANDLE;
    size_t k = 0;
    smb_status st = smb1_lock_check(o, q.offset, q.data_len, true);
    if (st == SMB_OK)
        st = srv_fh_pwrite(o->fh, q.data, q.data_len, q.offset, &k);
    if (st != SMB_OK)
        return st;
    return smb1_write_rsp_encode(w, hoff, (uint32_t)k) == SMB_OK ? SMB_OK : SMB_E_INTERNAL_ERROR;
}

static SMB_WUR smb_status h_read(struct srv_smb1 *s, const struct smb1_hdr *h, const struct smb1_block *b, smb_wr *w,
                         size_t hoff)
{
    if (!srv_smb1_tree_ok(s, h))
        return SMB_E_NETWORK_NAME_DELETED;
    struct smb1_read_req q;
    if (smb1_read_req_decode(b, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    if (q.offset > INT64_MAX)
        return SMB_E_INVALID_PARAMETER;
    struct smb1_open *o = srv_smb1_fid(s, h, q.fid);
    if (!o || o->is_dir)
        return SMB_E_INVALID_HANDLE;
    /* fits SMB1_SRV_MAX_BUFFER with headers; less when earlier blocks of a chain used space */
    uint32_t cap = 61440;
    size_t room = w->cap > w->off + 128 ? w->cap - w->off - 128 : 0;
    if (room < cap)
        cap = (uint32_t)room;
    uint32_t want = q.max_count < cap ? q.max_count : cap;
    smb_status lk = smb1_lock_check(o, q.offset, want, false);
    if (lk != SMB_OK)
        return lk;
    uint8_t *buf = malloc(want ? want : 1);
    if (!buf)
        return SMB_E_INSUFFICIENT_RESOURCES;
    size_t k = 0;
    smb_status st = srv_fh_pread(o->fh, buf, want, q.offset, 0, &k);
    if (st == SMB_OK && k == 0 && want)
        st = SMB_E_END_OF_FILE;
    else if (st == SMB_OK)
        st = smb1_read_rsp_encode(w, hoff, buf, (uint32_t)k) == SMB_OK ? SMB_OK : SMB_E_INTERNAL_ERROR;
    free(buf);
    return st;
}

static SMB_WUR smb_status h_close(struct srv_smb1 *s, const struct smb1_hdr *h, const struct smb1_block *b, smb_wr *w,
                          size_t hoff)
{
    uint16_t fid;
    if (!srv_smb1_tree_ok(s, h))
        return SMB_E_NETWORK_NAME_DELETED;
    if (smb1_close_req_decode(b, &fid) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    struct smb1_open *o = srv_smb1_fid(s, h, fid);
    if (!o)
        return SMB_E_INVALID_HANDLE;
    open_close(s, o);
    return smb1_empty_encode(w, hoff);
}

/* A BufferFormat 0x04 string in the block's bytes at *off (MS-CIFS 2.2.1.2): the
 * format byte, a pad to even offset (Unicode), a NUL-terminated UTF-16LE name ->
 * a path beneath the share. Advances *off past the NUL. The last string of a
 * block must end it (zero padding only): "a.txt\0\..\x" is a name with an
 * embedded NUL, not "a.txt" (STATUS_OBJECT_NAME_INVALID; issue 18, fix 3). */
static SMB_WUR smb_status fmt_path(const struct smb1_block *b, size_t *off, char *rel, size_t cap, bool last)
{
    if (*off >= b->byte_count || b->bytes[*off] != 0x04)
        return SMB_E_INVALID_PARAMETER;
    size_t o = *off + 1;
    if ((b->bytes_off + o) & 1)
        o++;
    size_t i = o;
    while (i + 1 < b->byte_count && (b->bytes[i] || b->bytes[i + 1]))
        i += 2;
    if (i + 1 >= b->byte_count)
        return SMB_E_INVALID_PARAMETER;
    *off = i + 2;
    for (size_t k = *off; last && k < b->byte_count; k++)
        if (b->bytes[k])
            return SMB_E_OBJECT_NAME_INVALID;
    return srv_vfs_path(b->bytes + o, i - o, rel, cap) == SMB_OK ? SMB_OK : SMB_E_OBJECT_NAME_INVALID;
}

/* CREATE_DIRECTORY (0x00), DELETE_DIRECTORY (0x01), DELETE (0x06), RENAME (0x07),
 * CHECK_DIRECTORY (0x10): MS-CIFS 2.2.4.1, 2.2.4.2, 2.2.4.7, 2.2.4.8, 2.2.4.17. */
static SMB_WUR smb_status h_path_op(struct srv_conn *c, struct srv_smb1 *s, const struct smb1_hdr *h,
                            const struct smb1_block *b, smb_wr *w, size_t hoff)
{
    if (!srv_smb1_tree_ok(s, h))
        return SMB_E_NETWORK_NAME_DELETED;
    uint8_t want_wc = (h->command == SMB1_COM_DELETE || h->command == SMB1_COM_RENAME) ? 1 : 0;
    if (b->word_count != want_wc)
        return SMB_E_INVALID_PARAMETER;
    char rel[SRV_PATH_MAX], rel2[SRV_PATH_MAX];
    size_t off = 0;
    bool rename = h->command == SMB1_COM_RENAME;
    smb_status st = fmt_path(b, &off, rel, sizeof rel, !rename);
    if (st != SMB_OK)
        return st;
    if (rename && (st = fmt_path(b, &off, rel2, sizeof rel2, true)) != SMB_OK)
        return st;
    const struct srv_vfs *v = &c->ctx->vfs[s->share];
    if (h->command == SMB1_COM_CHECK_DIRECTORY) {
        struct srv_attr stt;
        st = srv_vfs_stat(v, rel, &stt);
        if (st == SMB_OK && stt.type != SRV_FT_DIR)
            st = SMB_E_NOT_A_DIRECTORY;
        if (st == SMB_E_OBJECT_NAME_NOT_FOUND)
            st = SMB_E_OBJECT_PATH_NOT_FOUND;
        return st == SMB_OK ? smb1_empty_encode(w, hoff) : st;
    }
    if (!rel[0])
        return SMB_E_OBJECT_NAME_INVALID;
    if (c->ctx->cfg.shares[s->share].read_only)
        return SMB_E_MEDIA_WRITE_PROTECTED;
    if (h->command == SMB1_COM_CREATE_DIRECTORY)
        st = srv_vfs_mkdir(v, rel);
    else if (h->command == SMB1_COM_RENAME)
        st = rel2[0] ? srv_vfs_rename(v, rel, rel2, false) : SMB_E_OBJECT_NAME_INVALID;
    else
        st = srv_vfs_remove(v, rel, h->command == SMB1_COM_DELETE_DIRECTORY);
    return st == SMB_OK ? smb1_empty_encode(w, hoff) : st;
}

/* QUERY_INFORMATION_DISK (0x80, MS-CIFS 2.2.4.57): 16-bit units, capped. */
static SMB_WUR smb_status h_disk(struct srv_conn *c, struct srv_smb1 *s, const struct smb1_hdr *h, smb_wr *w,
                         size_t hoff)
{
    if (!srv_smb1_tree_ok(s, h))
        return SMB_E_NETWORK_NAME_DELETED;
    struct srv_volinfo sv;
    smb_status st = srv_vfs_volume(&c->ctx->vfs[s->share], &sv);
    if (st != SMB_OK)
        return st;
    uint64_t unit = 65536; /* bytes per unit = BlocksPerUnit (128) * BlockSize (512) */
    uint64_t total = (uint64_t)sv.blocks * sv.block_size / unit,
             avail = (uint64_t)sv.bavail * sv.block_size / unit;
    struct smb1_wmark m;
    smb1_wr_begin(w, hoff, &m);
    wr_u16le(w, (uint16_t)(total > 0xFFFF ? 0xFFFF : total));
    wr_u16le(w, 128);
    wr_u16le(w, 512);
    wr_u16le(w, (uint16_t)(avail > 0xFFFF ? 0xFFFF : avail));
    wr_u16le(w, 0);
    smb1_wr_words_done(w, &m);
    smb1_wr_end(w, &m);
    return wr_ok(w) ? SMB_OK : SMB_E_INTERNAL_ERROR;
}

/* One command block of a request (the first, or a later element of an AndX chain):
 * h is the request header with command/tid/uid as seen by this element. */
static SMB_WUR smb_status smb1_dispatch(struct srv_conn *c, struct srv_smb1 *s, const struct smb1_hdr *h,
                                const uint8_t *pdu, size_t len, const struct smb1_block *b, smb_wr *w,
                                size_t hoff, bool *activate, uint16_t *new_tid)
{
    smb_status st;
    tree_select(s, h->tid);
    switch (h->command) {
    case SMB1_COM_NEGOTIATE:
        st = h_negotiate(c, s, pdu, len, w, hoff);
        break;
    case SMB1_COM_SESSION_SETUP_ANDX:
        st = b->word_count == 13 ? h_session_setup_nt(c, s, h, b, w, hoff, activate)
                                 : h_session_setup(c, s, h, b, w, hoff, activate);
        break;
    case SMB1_COM_TREE_CONNECT_ANDX:
        st = h_tree_connect(c, s, b, w, hoff, new_tid);
        break;
    case SMB1_COM_NT_CREATE_ANDX:
        st = h_nt_create(c, s, h, b, w, hoff);
        break;
    case SMB1_COM_WRITE_ANDX:
        st = h_write(s, h, pdu, len, b, w, hoff);
        break;
    case SMB1_COM_READ_ANDX:
        st = h_read(s, h, b, w, hoff);
        break;
    case SMB1_COM_CLOSE:
        st = h_close(s, h, b, w, hoff);
        break;
    case SMB1_COM_CREATE_DIRECTORY:
    case SMB1_COM_DELETE_DIRECTORY:
    case SMB1_COM_DELETE:
    case SMB1_COM_RENAME:
    case SMB1_COM_CHECK_DIRECTORY:
        st = h_path_op(c, s, h, b, w, hoff);
        break;
    case SMB1_COM_FIND_CLOSE2:
        st = srv_smb1_find_close(s, h, b, w, hoff);
        break;
    case SMB1_COM_QUERY_INFORMATION_DISK:
        st = h_disk(c, s, h, w, hoff);
        break;
    case SMB1_COM_TRANSACTION2:
        st = srv_smb1_trans2(c, s, h, pdu, len, b, w, hoff);
        break;
    case SMB1_COM_ECHO: {
        uint16_t cnt;
        st = smb1_echo_req_decode(b, &cnt) == SMB_OK && cnt == 1
                 ? smb1_echo_rsp_encode(w, hoff, 1, b->bytes, b->byte_count)
                 : SMB_E_INVALID_PARAMETER;
        break;
    }
    case SMB1_COM_TREE_DISCONNECT:
        /* only the tree h names (IPC$ too); another tree of the same share stays */
        st = s->authed && h->tid && tree_drop(s, h->tid) ? smb1_empty_encode(w, hoff)
                                                           : SMB_E_NETWORK_NAME_DELETED;
        break;
    case SMB1_COM_LOGOFF_ANDX:
        st = s->authed ? smb1_logoff_encode(w, hoff) : SMB_E_USER_SESSION_DELETED;
        if (s->authed)
            tree_drop(s, 0); /* the session's trees and files go with it */
        s->authed = false;
        break;
    default:
        srv_log(c, SRV_LOG_DEBUG, "SMB1 command 0x%02x not supported", h->command);
        st = SMB_E_NOT_SUPPORTED;
        break;
    }
    return st;
}

/* Commands that may follow another one in an AndX chain (MS-CIFS 2.2.4.x lists the
 * valid followers per command; this server executes these and refuses the rest). */
static bool chain_follower_ok(uint8_t command)
{
    switch (command) {
    case SMB1_COM_TREE_CONNECT_ANDX:
    case SMB1_COM_NT_CREATE_ANDX:
    case SMB1_COM_READ_ANDX:
    case SMB1_COM_WRITE_ANDX:
    case SMB1_COM_CLOSE:
    case SMB1_COM_LOGOFF_ANDX:
    case SMB1_COM_TREE_DISCONNECT:
    case SMB1_COM_ECHO:
        return true;
    default:
        return false;
    }
}

/* ---- the response path ---- */

/* The one place an SMB1 response leaves the server. w spans the frame from
 * its NetBIOS header, the response (header + AndX blocks) behind it. Writes
 * the final header (Status, Uid, Tid), decides signing - every response once
 * the session's signing is active, the response of the SESSION_SETUP that
 * activated it included (MS-CIFS 3.3.5.3: that request is number 0, its
 * response 1), each with the request's sequence number + 1 - and frames it
 * (RFC 1002 session message). */
static SMB_WUR smb_status smb1_emit(struct srv_smb1 *s, const struct smb1_hdr *rh, smb_wr *w, uint32_t seq, bool activate)
{
    if (!wr_ok(w) || wr_len(w) < SMB_NB_HDR_LEN + SMB1_HDR_LEN)
        return SMB_E_INTERNAL_ERROR;
    uint8_t *msg = w->p + SMB_NB_HDR_LEN;
    size_t mlen = wr_len(w) - SMB_NB_HDR_LEN;
    smb_wr hw;
    wr_init(&hw, msg, SMB1_HDR_LEN);
    smb1_hdr_encode(&hw, rh);
    if (activate)
        seq = smb1_sign_seq_next(s->sign, true);
    if (s->sign && smb1_sign(s->sign, msg, mlen, seq + 1) != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    smb_nb_hdr_patch_len(w, 0, (uint32_t)mlen);
    return wr_ok(&hw) && wr_ok(w) ? SMB_OK : SMB_E_INTERNAL_ERROR;
}

/* ---- the input path ---- */

smb_status srv_smb1_input(struct srv_conn *c, const uint8_t *pdu, size_t len, struct srv_buf *out)
{
    if (!c->smb1) {
        c->smb1 = calloc(1, sizeof *c->smb1);
        if (!c->smb1)
            return SMB_E_NOMEM;
        c->smb1->side.level = c->ctx->level;
        c->smb1->side.era = server_era(c->ctx);
        c->smb1->share = -1;
        c->smb1->shared = c->ctx->shared;
    }
    struct srv_smb1 *s = c->smb1;
    if (len < SMB1_HDR_LEN || len > SMB1_MAX_MSG || memcmp(pdu, SMB1_MAGIC, 4) != 0)
        return SMB_E_MALFORMED; /* an SMB2 message on an SMB1 connection, or garbage */
    smb_rd r;
    rd_init(&r, pdu, len);
    struct smb1_hdr h;
    if (smb1_hdr_decode(&r, &h) != SMB_OK || smb1_hdr_is_reply(&h))
        return SMB_E_MALFORMED;
    /* Verify before anything else once signing is active (MS-CIFS 3.3.5.2): the
     * decision comes from session state, never from the request's flag. */
    uint32_t seq = 0;
    if (s->sign) {
        seq = smb1_sign_seq_next(s->sign, smb1_expects_response(h.command));
        /* once signing is active the MAC decides, whatever Flags2 says and with
         * no exemption for a client request (smb1_verify_mac) */
        smb_verify_result vr;
        if (smb1_verify_mac(s->sign, pdu, len, seq, &vr, NULL, NULL) != SMB_OK)
            vr = SMB_VERIFY_BAD_SIGNATURE;
        if (vr != SMB_VERIFY_VALID) {
            srv_log(c, SRV_LOG_AUDIT, "SMB1 request 0x%02x (mid %u) %s: dropping the connection", h.command,
                    h.mid, smb_verify_result_name(vr));
            return SMB_E_ACCESS_DENIED;
        }
    }
    struct smb1_block blocks[SMB1_MAX_ANDX];
    size_t nb = 0;
    smb_status st = smb1_andx_walk(pdu, len, blocks, SMB1_MAX_ANDX, &nb);
    if (st != SMB_OK) {
        srv_log(c, SRV_LOG_INFO, "SMB1 malformed request 0x%02x: %s", h.command, smb_status_name(st));
        return SMB_E_MALFORMED;
    }
    if (h.command == SMB1_COM_NT_CANCEL)
        return SMB_OK; /* no response (MS-CIFS 3.3.5.52); its sequence number was used above */
    if (!s->negotiated && h.command != SMB1_COM_NEGOTIATE)
        return SMB_E_MALFORMED;
    if ((st = srv_buf_reserve(out, SMB1_SRV_RESP_CAP + 4)) != SMB_OK)
        return st;
    size_t start = out->len;
    smb_wr w;
    wr_init(&w, out->p + start, SMB1_SRV_RESP_CAP + 4);
    wr_u32be(&w, 0);
    struct smb1_hdr rh = h;
    rh.flags = SMB1_FLAGS_REPLY | SMB1_FLAGS_CASE_INSENSITIVE | SMB1_FLAGS_CANONICALIZED_PATHS;
    rh.flags2 = SMB1_FLAGS2_LONG_NAMES | SMB1_FLAGS2_NT_STATUS | SMB1_FLAGS2_UNICODE |
                SMB1_FLAGS2_EXTENDED_SECURITY | SMB1_FLAGS2_IS_LONG_NAME;
    memset(rh.signature, 0, 8);
    smb1_hdr_encode(&w, &rh);
    const size_t hoff = 4;
    bool activate = false, chain_err = false;
    uint16_t new_tid = h.tid;
    /* AndX chains (MS-CIFS 3.3.5.x, 2.2.3.4): the elements are executed in order,
     * each answered by a response block chained the same way (AndXCommand/AndXOffset
     * of the previous response block patched to the next). The chain stops at the
     * first element that fails: its response is an empty block with the error in
     * the header's Status (earlier elements keep their responses), or at
     * MORE_PROCESSING_REQUIRED. The whole reply is signed once below. */
    struct smb1_hdr ch = h; /* the header as seen by the current element */
    s->chain_fid = 0;
    size_t prev_at = 0; /* writer offset of the previous response block (0: none) */
    for (size_t i = 0; i < nb; i++) {
        const struct smb1_block *b = &blocks[i];
        size_t blk_at = wr_len(&w);
        ch.command = b->command;
        if (i > 0 && !chain_follower_ok(b->command)) {
            srv_log(c, SRV_LOG_INFO, "SMB1 command 0x%02x refused as element %zu of an AndX chain",
                    b->command, i + 1);
            st = SMB_E_INVALID_PARAMETER;
        } else {
            st = smb1_dispatch(c, s, &ch, pdu, len, b, &w, hoff, &activate, &new_tid);
            if (st == SMB_OK && i > 0 && !wr_ok(&w))
                st = SMB_E_INSUFFICIENT_RESOURCES; /* this element's response does not fit */
        }
        if (i > 0) {
            if (st != SMB_OK && st != SMB_E_MORE_PROCESSING_REQUIRED) {
                /* rewind to this element and answer it with an empty error block */
                wr_init(&w, out->p + start, SMB1_SRV_RESP_CAP + 4);
                w.off = blk_at;
                smb_status est = smb1_empty_encode(&w, hoff);
                if (est != SMB_OK)
                    return est; /* 3 bytes where a whole response fitted: cannot happen; drop */
            }
            uint8_t *prev = out->p + start + prev_at;
            prev[1] = b->command; /* AndXCommand, AndXReserved, AndXOffset of the previous response */
            prev[2] = 0;
            put_le16(prev + 3, (uint16_t)(blk_at - hoff));
        }
        if (st != SMB_OK) {
            if (i > 0 && st != SMB_E_MORE_PROCESSING_REQUIRED)
                chain_err = true;
            break;
        }
        if (!wr_ok(&w) || (i + 1 < nb && out->p[start + blk_at] < 2))
            break; /* overflow (handled below), or a response block without AndX words */
        ch.tid = new_tid;
        if (s->authed)
            ch.uid = s->uid;
        prev_at = blk_at;
    }
    s->chain_fid = 0;
    bool more = st == SMB_E_MORE_PROCESSING_REQUIRED;
    if (st != SMB_OK && !more && !chain_err) {
        /* error: header with the status and an empty block */
        wr_init(&w, out->p + start, SMB1_SRV_RESP_CAP + 4);
        wr_u32be(&w, 0);
        smb1_hdr_encode(&w, &rh);
        smb_status est = smb1_empty_encode(&w, hoff);
        if (est != SMB_OK)
            return est;
    }
    rh.status = smb_status_ntstatus(st);
    if (h.command == SMB1_COM_SESSION_SETUP_ANDX || s->authed)
        rh.uid = s->uid;
    rh.tid = new_tid;
    if ((st = smb1_emit(s, &rh, &w, seq, activate)) != SMB_OK)
        return st;
    out->len += wr_len(&w);
    return SMB_OK;
}
