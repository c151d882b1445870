/* server/session_emit.c - the one response path of the SMB2 server core.
 *
 * Every SMB2 response the server sends (synchronous, compound element,
 * interim STATUS_PENDING, final async, error) is built in a srv_frame: the
 * handler writes its body with a wire/smb2 encoder into the writer that
 * srv_frame_body returns, srv_frame_add fills the header and takes the
 * signing and preauth decisions, srv_frame_end pads/links, signs, hashes and
 * frames. sign_key() below is the only place in src/server that decides
 * whether an SMB2 response is signed (MS-SMB2 3.3.4.1.1); crypt_key() the
 * only one that decides whether it is encrypted (MS-SMB2 3.3.4.1.4), and an
 * encrypted frame is not signed: srv_frame_end wraps the finished message or
 * chain in one transform (session_crypt.c). */
#include <string.h>

#include "server/session_int.h"
#include "wire/netbios.h"

void srv_resp_init(struct srv_resp *r, const struct smb2_hdr *req, smb_status status)
{
    memset(r, 0, sizeof *r);
    r->req = req;
    r->status = status;
    r->session_id = req->session_id;
    r->tree_id = req->tree_id;
}

void srv_resp_session(struct srv_resp *r, struct srv_session *s, bool signed_req)
{
    r->signer = s && s->has_key ? &s->signer : NULL;
    r->signing_required = s && s->signing_required;
    r->signed_req = signed_req;
    r->crypt = s && s->crypt && (s->encrypting || s->encrypt_data) ? s->crypt : NULL;
}

/* MS-SMB2 3.3.4.1.4: the key to encrypt this response with, or NULL: the
 * session encrypts (Session.EncryptData, or its client sent encrypted
 * requests); the SESSION_SETUP response that completes it goes in clear
 * (signed), since the client derives its keys from it. */
static smb_crypt_ctx *crypt_key(const struct srv_conn *c, const struct srv_resp *r)
{
    if (!r->crypt || (r->req->command == SMB2_SESSION_SETUP && !c->in_encrypted))
        return NULL;
    return r->crypt;
}

/* MS-SMB2 3.3.4.1.1 (and 3.3.5.5.3 for SESSION_SETUP): the key to sign this
 * response with, or NULL. The decision comes from session state and the
 * verified request, never from a flag the peer set. */
static struct srv_signer *sign_key(const struct srv_conn *c, const struct srv_resp *r)
{
    if (!r->signer || r->interim)
        return NULL; /* no key (anonymous, guest, unknown session), or an interim response */
    if (r->req->command == SMB2_SESSION_SETUP && r->bind_leg)
        return r->signer; /* MS-SMB2 3.2.5.3.3 / 3.3.5.5.2: a binding's other responses: Session.SigningKey */
    if (r->req->command == SMB2_SESSION_SETUP)
        /* only the response that completes authentication: 3.x signs it
         * whenever there is a key, 2.x when signing is required */
        return r->status == SMB_OK && r->setup_done && (r->signing_required || c->dialect >= SMB_DIALECT_300)
                   ? r->signer
                   : NULL;
    return r->signing_required || r->signed_req ? r->signer : NULL;
}

smb_status srv_frame_begin(struct srv_frame *f, struct srv_buf *out)
{
    f->out = out;
    f->start = out->len;
    f->n = 0;
    f->cur = SIZE_MAX;
    f->batch = NULL;
    smb_status st = srv_buf_reserve(out, SMB_NB_HDR_LEN);
    if (st != SMB_OK)
        return st;
    out->len += SMB_NB_HDR_LEN;
    return SMB_OK;
}

smb_status srv_frame_body(struct srv_frame *f, size_t cap, smb_wr *w)
{
    struct srv_buf *out = f->out;
    if (f->n >= SRV_COMPOUND_MAX)
        return SMB_E_MALFORMED;
    /* MS-SMB2 3.3.4.1.3: each element of a compound starts 8-aligned; the
     * previous one is padded and its NextCommand points here */
    size_t pad = f->n ? (8 - ((out->len - f->start - SMB_NB_HDR_LEN) & 7)) & 7 : 0;
    smb_status st = srv_buf_reserve(out, pad + SMB2_HDR_LEN + cap);
    if (st != SMB_OK)
        return st;
    memset(out->p + out->len, 0, pad);
    out->len += pad;
    if (f->n)
        put_le32(out->p + f->el[f->n - 1].off + 20, (uint32_t)(out->len - f->el[f->n - 1].off));
    f->cur = out->len;
    wr_init(w, out->p + out->len, SMB2_HDR_LEN + cap);
    wr_zero(w, SMB2_HDR_LEN); /* the header, written by srv_frame_add */
    return SMB_OK;
}

smb_status srv_frame_add(struct srv_conn *c, struct srv_frame *f, const struct srv_resp *r, const smb_wr *w)
{
    if (f->cur == SIZE_MAX || !wr_ok(w) || wr_len(w) < SMB2_HDR_LEN)
        return SMB_E_INTERNAL_ERROR;
    const struct smb2_hdr *q = r->req;
    uint32_t nt = smb_status_ntstatus(r->status);
    if (r->status != SMB_OK && nt == 0)
        nt = smb_status_ntstatus(SMB_E_INTERNAL_ERROR);
    struct smb2_hdr h = {0};
    h.credit_charge = q->credit_charge;
    h.status = nt;
    h.command = q->command;
    h.credit = r->credit;
    /* RELATED and the priority are echoed (an async final is sent alone: its
     * request header carries neither) */
    h.flags = SMB2_FLAGS_SERVER_TO_REDIR | (q->flags & (SMB2_FLAGS_RELATED_OPERATIONS | SMB2_FLAGS_PRIORITY_MASK));
    h.message_id = q->message_id;
    h.session_id = r->session_id;
    if (r->async_id) {
        h.flags |= SMB2_FLAGS_ASYNC_COMMAND; /* MS-SMB2 3.3.4.2 */
        h.async_id = r->async_id;
    } else {
        h.process_id = q->process_id;
        h.tree_id = r->tree_id;
    }
    smb_wr hw;
    wr_init(&hw, f->out->p + f->cur, SMB2_HDR_LEN);
    smb2_hdr_encode(&hw, &h);
    if (!wr_ok(&hw))
        return SMB_E_INTERNAL_ERROR;
    f->el[f->n].off = f->cur;
    f->el[f->n].crypt = crypt_key(c, r);
    f->el[f->n].session_id = r->session_id;
    f->el[f->n].sign = f->el[f->n].crypt ? NULL : sign_key(c, r);
    f->batch = c->sign_batch;
    f->el[f->n].preauth = r->preauth;
    f->el[f->n].sign_now = r->sign_now;
    f->n++;
    f->out->len = f->cur + wr_len(w);
    f->cur = SIZE_MAX;
    return SMB_OK;
}

smb_status srv_frame_end(struct srv_frame *f)
{
    struct srv_buf *out = f->out;
    if (f->n == 0) {
        out->len = f->start; /* nothing to send (CANCEL) */
        return SMB_OK;
    }
    put_le32(out->p + f->el[f->n - 1].off + 20, 0); /* the last element links nowhere */
    /* Batch signing: only the MAC computation waits; what is signed was
     * decided by sign_key. Not for a frame that feeds the preauth hash (the
     * hash covers the signed bytes), that no longer fits the batch, or that
     * is encrypted (nothing in it is signed, and the transform covers the
     * finished plaintext). */
    struct srv_sign_batch *b = f->batch;
    int nsign = 0, crypt_el = -1;
    for (int i = 0; i < f->n; i++) {
        if (f->el[i].preauth || (f->el[i].sign_now && f->el[i].sign))
            b = NULL;
        if (f->el[i].crypt && crypt_el < 0)
            crypt_el = i;
        nsign += f->el[i].sign != NULL;
    }
    if (crypt_el >= 0 || (b && b->n + (size_t)nsign > SRV_SIGN_BATCH_MAX))
        b = NULL;
    /* sign each element over its extent (padding included), then hash it
     * into the 3.1.1 preauth chain it belongs to (MS-SMB2 3.3.5.4, 3.3.5.5) */
    for (int i = 0; i < f->n; i++) {
        size_t off = f->el[i].off;
        size_t end = i + 1 < f->n ? f->el[i + 1].off : out->len;
        uint8_t *m = out->p + off;
        if (f->el[i].sign && b) {
            b->v[b->n] = (struct iovec){m, end - off};
            b->m[b->n] = (smb2_batch_msg){.ctx = f->el[i].sign->ctx, .iov = &b->v[b->n], .iovcnt = 1};
            b->tag[b->n++] = b->cur_tag;
        } else if (f->el[i].sign && srv_signer_sign(f->el[i].sign, m, end - off) != SMB_OK) {
            return SMB_E_INTERNAL_ERROR;
        }
        if (f->el[i].preauth)
            smb_preauth_update(f->el[i].preauth, m, end - off);
    }
    /* the whole message or chain in one transform (MS-SMB2 3.3.4.1.4) */
    if (crypt_el >= 0 && srv_crypt_frame(f, f->el[crypt_el].crypt, f->el[crypt_el].session_id) != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    /* NetBIOS framing last: the transform changed the length */
    smb_wr w;
    wr_init(&w, out->p + f->start, SMB_NB_HDR_LEN);
    size_t flen = out->len - f->start - SMB_NB_HDR_LEN;
    smb_nb_hdr_encode(&w, SMB_NB_SESSION_MESSAGE, flen > SMB_NB_MAX_LEN ? UINT32_MAX : (uint32_t)flen);
    return wr_ok(&w) ? SMB_OK : SMB_E_INTERNAL_ERROR;
}

smb_status srv_frame_open(struct srv_frame *f, struct srv_buf *out, size_t cap, smb_wr *w)
{
    size_t start = out->len;
    smb_status st = srv_frame_begin(f, out);
    if (st == SMB_OK)
        st = srv_frame_body(f, cap, w);
    if (st != SMB_OK)
        out->len = start;
    return st;
}

smb_status srv_frame_close(struct srv_conn *c, struct srv_frame *f, const struct srv_resp *r, const smb_wr *w)
{
    smb_status st = srv_frame_add(c, f, r, w);
    if (st == SMB_OK)
        st = srv_frame_end(f);
    if (st != SMB_OK)
        f->out->len = f->start;
    return st;
}

void srv_conn_sign_batch(struct srv_conn *c, struct srv_sign_batch *b) { c->sign_batch = b; }

smb_status srv_sign_batch_run(struct srv_sign_batch *b) { return smb2_sign_batch(b->m, b->n); }
