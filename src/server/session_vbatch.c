/* server/session_vbatch.c - batch verification of incoming WRITE requests
 * (issue 16). The worker offers the lone request frames it is about to
 * answer (srv_conn_verify_add); the MACs of those that qualify are computed
 * in one smb2_verify_batch (interleaved lanes, across connections), and
 * check_signature (session.c) takes the result of its own frame instead of
 * computing it again. The decision stays where it was: must_sign and the
 * signing context come from session state, the compare is constant time
 * (smb2_verify_batch), and one element's failure is only its own. */
#include <string.h>

#include "server/session_int.h"
#include "wire/smb2/header.h"

/* Which requests are offered: a lone (NextCommand 0) plain SMB2 WRITE on a
 * valid session of an SMB2 connection that has its signing key. Not:
 * encrypted frames (transform magic; the transform authenticates them),
 * SMB1, compounds, anything before the session key exists. */
static bool offerable(struct srv_conn *c, const uint8_t *p, size_t len, struct srv_session **out)
{
    if (c->smb1 || !c->negotiated || len < SMB2_HDR_LEN || memcmp(p, SMB2_MAGIC, 4) != 0)
        return false;
    uint16_t cmd = (uint16_t)(p[12] | p[13] << 8);
    uint32_t next = (uint32_t)p[20] | (uint32_t)p[21] << 8 | (uint32_t)p[22] << 16 | (uint32_t)p[23] << 24;
    uint32_t flags = (uint32_t)p[16] | (uint32_t)p[17] << 8 | (uint32_t)p[18] << 16 | (uint32_t)p[19] << 24;
    if (cmd != SMB2_WRITE || next != 0 || (flags & SMB2_FLAGS_SERVER_TO_REDIR))
        return false;
    uint64_t sid = 0;
    for (int i = 7; i >= 0; i--)
        sid = sid << 8 | p[40 + i];
    struct srv_session *s = srv_session_find(c, sid);
    if (!s || s->state != SESS_VALID || !s->has_key || !s->signer.ctx)
        return false;
    *out = s;
    return true;
}

void srv_conn_verify_add(struct srv_conn *c, const uint8_t *pdu, size_t len, struct srv_verify_batch *b)
{
    struct srv_session *s;
    if (b->n >= SRV_SIGN_BATCH_MAX || !offerable(c, pdu, len, &s))
        return;
    size_t k = b->n++;
    b->v[k] = (struct iovec){(void *)(uintptr_t)pdu, len};
    b->m[k] = (smb2_batch_msg){.ctx = s->signer.ctx, .iov = &b->v[k], .iovcnt = 1, .must_sign = s->signing_required};
    b->conn[k] = c;
    b->used[k] = false;
}

void srv_verify_batch_run(struct srv_verify_batch *b)
{
    /* each element keeps its own outcome (m[k].status / result) and is
     * refused, alone, when its request reaches check_signature; the overall
     * status only repeats the first element whose status is not SMB_OK */
    smb_status first = b->n ? smb2_verify_batch(b->m, b->n) : SMB_OK;
    b->any_failed = first != SMB_OK;
    for (size_t k = 0; k < b->n; k++)
        if (!smb_verify_acceptable(srv_verify_outcome(b->m[k].status, b->m[k].result, b->m[k].must_sign)))
            b->any_failed = true;
}

void srv_conn_verify_batch(struct srv_conn *c, struct srv_verify_batch *b) { c->verify_batch = b; }

smb_verify_result srv_req_verify(struct srv_conn *c, const uint8_t *msg, size_t len, struct srv_signer *sg, bool must)
{
    struct srv_verify_batch *b = c->verify_batch;
    /* the batch result counts only for this very frame, verified with this
     * very context and decision (the batch holds frames of one worker pass,
     * none of which changes a session), and only once */
    for (size_t k = 0; b && k < b->n; k++) {
        if (b->used[k] || b->conn[k] != c || b->v[k].iov_base != (const void *)msg || b->v[k].iov_len != len ||
            b->m[k].ctx != sg->ctx || b->m[k].must_sign != must)
            continue;
        b->used[k] = true;
        return srv_verify_outcome(b->m[k].status, b->m[k].result, must);
    }
    return srv_signer_verify(sg, msg, len, must);
}
