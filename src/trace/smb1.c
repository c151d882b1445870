/*
 * trace/smb1.c - SMB1 messages of a capture: MD5 signing with the
 * connection's sequence numbers (MS-CIFS 3.1.4.1, 3.1.5.1, 3.2.4.1.1,
 * 3.2.5.1.2; MS-SMB 3.1.4.1).
 *
 *  - Signing becomes active at the first successful, non-guest, extended
 *    security SESSION_SETUP_ANDX when the server requires signing, or
 *    enables it and the client's request set SMB_FLAGS2_SMB_SECURITY_SIGNATURE
 *    (MS-CIFS 3.2.4.2.4, 3.3.5.3). MAC key = the NTLMSSP session key.
 *  - The request that brought the key is number 0, its response 1; every
 *    later request takes the next number and its response that number + 1,
 *    matched by (MID, PID) since several requests may be outstanding.
 *    Requests without a response take one number: NT_CANCEL (MS-CIFS
 *    3.2.4.1.1) and LOCKING_ANDX that only releases an oplock (no locks, no
 *    unlocks: MS-CIFS 2.2.4.32.2 - the server sends no response).
 *  - Once active, every message except NEGOTIATE and the server's oplock
 *    break must carry a valid signature (a correct MAC with the Flags2 bit
 *    clear still verifies: the receiver checks the field, MS-CIFS 3.2.5.1.2).
 *  - Non-extended NTLM logons (password fields) are reported `no-key`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "crypto/crypto.h"
#include "trace/internal.h"
#include "wire/smb1/commands.h"
#include "wire/smb1/header.h"
#include "wire/smb1/msg.h"
#include "wire/smb1/negotiate.h"

#define NT_MORE_PROCESSING 0xC0000016u
#define LOCKING_OPLOCK_RELEASE 0x02
#define BSRSPYL "BSRSPYL "

static const struct {
    uint8_t cmd;
    const char *name;
} smb1_names[] = {
    {0x00, "SMB_COM_CREATE_DIRECTORY"}, {0x01, "SMB_COM_DELETE_DIRECTORY"}, {0x02, "SMB_COM_OPEN"},
    {0x03, "SMB_COM_CREATE"},           {0x04, "SMB_COM_CLOSE"},            {0x05, "SMB_COM_FLUSH"},
    {0x06, "SMB_COM_DELETE"},           {0x07, "SMB_COM_RENAME"},           {0x08, "SMB_COM_QUERY_INFORMATION"},
    {0x09, "SMB_COM_SET_INFORMATION"},  {0x0A, "SMB_COM_READ"},             {0x0B, "SMB_COM_WRITE"},
    {0x10, "SMB_COM_CHECK_DIRECTORY"},  {0x1D, "SMB_COM_READ_RAW"},         {0x24, "SMB_COM_LOCKING_ANDX"},
    {0x25, "SMB_COM_TRANSACTION"},      {0x26, "SMB_COM_TRANSACTION_SECONDARY"}, {0x2B, "SMB_COM_ECHO"},
    {0x2D, "SMB_COM_OPEN_ANDX"},        {0x2E, "SMB_COM_READ_ANDX"},        {0x2F, "SMB_COM_WRITE_ANDX"},
    {0x32, "SMB_COM_TRANSACTION2"},     {0x33, "SMB_COM_TRANSACTION2_SECONDARY"}, {0x34, "SMB_COM_FIND_CLOSE2"},
    {0x70, "SMB_COM_TREE_CONNECT"},     {0x71, "SMB_COM_TREE_DISCONNECT"},  {0x72, "SMB_COM_NEGOTIATE"},
    {0x73, "SMB_COM_SESSION_SETUP_ANDX"}, {0x74, "SMB_COM_LOGOFF_ANDX"},    {0x75, "SMB_COM_TREE_CONNECT_ANDX"},
    {0x80, "SMB_COM_QUERY_INFORMATION_DISK"}, {0x81, "SMB_COM_SEARCH"},     {0xA0, "SMB_COM_NT_TRANSACT"},
    {0xA1, "SMB_COM_NT_TRANSACT_SECONDARY"}, {0xA2, "SMB_COM_NT_CREATE_ANDX"}, {0xA4, "SMB_COM_NT_CANCEL"},
    {0xA5, "SMB_COM_NT_RENAME"},
};

static void name_of(uint8_t cmd, char *out, size_t cap)
{
    for (size_t i = 0; i < sizeof smb1_names / sizeof smb1_names[0]; i++)
        if (smb1_names[i].cmd == cmd) {
            snprintf(out, cap, "%s", smb1_names[i].name);
            return;
        }
    snprintf(out, cap, "SMB_COM_0x%02X", cmd);
}

/* LOCKING_ANDX request that only acknowledges an oplock break: no response. */
static bool oplock_release_only(const uint8_t *m, size_t n)
{
    if (m[4] != SMB1_COM_LOCKING_ANDX || n < SMB1_HDR_LEN + 1 + 16 || m[SMB1_HDR_LEN] != 8)
        return false;
    const uint8_t *w = m + SMB1_HDR_LEN + 1;
    return (w[6] & LOCKING_OPLOCK_RELEASE) && le16(w + 12) == 0 && le16(w + 14) == 0;
}

static void pend_add(struct trace_conn *c, uint16_t mid, uint32_t pid, uint32_t seq)
{
    struct smb1_pending *free_slot = NULL;
    for (size_t i = 0; i < TRACE_SMB1_PENDING; i++) {
        struct smb1_pending *p = &c->pend[i];
        if (p->used && p->mid == mid && p->pid == pid) {
            p->seq = seq;
            return;
        }
        if (!p->used && !free_slot)
            free_slot = p;
    }
    if (!free_slot) /* full: the oldest entry by sequence number goes */
        for (size_t i = 0; i < TRACE_SMB1_PENDING; i++)
            if (!free_slot || (int32_t)(c->pend[i].seq - free_slot->seq) < 0)
                free_slot = &c->pend[i];
    free_slot->used = true;
    free_slot->mid = mid;
    free_slot->pid = pid;
    free_slot->seq = seq;
}

static bool pend_find(const struct trace_conn *c, uint16_t mid, uint32_t pid, uint32_t *seq)
{
    for (size_t i = 0; i < TRACE_SMB1_PENDING; i++)
        if (c->pend[i].used && c->pend[i].mid == mid && c->pend[i].pid == pid) {
            *seq = c->pend[i].seq;
            return true;
        }
    return false;
}

static struct trace_sess_int *conn_session(trace_ctx *t, struct trace_conn *c, uint16_t uid)
{
    if (!c->smb1_sess) {
        c->smb1 = true;
        c->dialect = SMB_DIALECT_SMB1;
        c->alg = SMB_ALG_MD5;
        c->smb1_sess = trace_sess_new(t, c, uid);
    }
    return c->smb1_sess;
}

static void verify(struct trace_sess_int *s, struct trace_msg *m, const uint8_t *e, size_t n, uint32_t seq)
{
    m->sig_len = 8;
    m->smb1_seq = seq;
    memcpy(m->found, e + SMB1_SIG_OFFSET, 8);
    bool flagged = (le16(e + 10) & SMB1_FLAGS2_SMB_SECURITY_SIGNATURE) != 0;
    static const uint8_t zero[8] = {0};
    if (!flagged && !memcmp(e + SMB1_SIG_OFFSET, zero, 8)) {
        m->verdict = TV_UNSIGNED;
        snprintf(m->reason, sizeof m->reason, "not signed, but signing is active on this connection (MS-CIFS 3.2.4.1.1)");
        return;
    }
    if (!s->sign) {
        m->verdict = TV_NO_KEY;
        snprintf(m->reason, sizeof m->reason, "%s", s->pub.key_note[0] ? s->pub.key_note : "no session key");
        return;
    }
    struct iovec v = {(void *)(uintptr_t)e, n};
    if (smb1_sign_compute(s->sign, &v, 1, seq, m->expected) != SMB_OK) {
        m->verdict = TV_BAD;
        snprintf(m->reason, sizeof m->reason, "not a well-formed SMB1 message");
        return;
    }
    m->have_sigs = true;
    if (smb_memeq_ct(m->expected, e + SMB1_SIG_OFFSET, 8)) {
        m->verdict = TV_GOOD;
    } else {
        m->verdict = TV_BAD;
        snprintf(m->reason, sizeof m->reason, "signature does not match (sequence number %u)", seq);
    }
}

/* SESSION_SETUP_ANDX while signing is not active yet. */
static void session_setup(trace_ctx *t, struct trace_conn *c, struct trace_sess_int *s, int dir, const uint8_t *e,
                          size_t n, struct trace_msg *m)
{
    struct smb1_block b;
    bool blk = smb1_block_parse(e, n, SMB1_HDR_LEN, SMB1_COM_SESSION_SETUP_ANDX, &b) == SMB_OK;
    m->verdict = TV_NOT_SUBJECT;
    if (dir == 0) {
        c->smb1_ss_flags2 = le16(e + 10);
        if (!s->obs)
            s->obs = calloc(1, sizeof *s->obs);
        struct smb1_sess_setup_req q;
        if (blk && smb1_sess_setup_req_decode(&b, &q) == SMB_OK) {
            if (s->obs)
                (void)ntlm_obs_note(s->obs, q.blob, q.blob_len);
        } else if (blk && b.word_count == 13) {
            snprintf(s->pub.key_note, sizeof s->pub.key_note,
                     "non-extended-security NTLM logon: key derivation not supported by trace");
        }
        snprintf(m->reason, sizeof m->reason, "SESSION_SETUP_ANDX before signing is active");
        return;
    }
    uint32_t status = le32(e + 5);
    s->pub.session_id = le16(e + 28);
    struct smb1_sess_setup_rsp r;
    bool dec = blk && smb1_sess_setup_rsp_decode(&b, &r) == SMB_OK;
    if (dec && s->obs)
        (void)ntlm_obs_note(s->obs, r.blob, r.blob_len);
    if (status == NT_MORE_PROCESSING) {
        snprintf(m->reason, sizeof m->reason, "SESSION_SETUP_ANDX interim response (more processing required)");
        return;
    }
    if (status != 0) {
        snprintf(m->reason, sizeof m->reason, "failed SESSION_SETUP_ANDX (0x%08x)", status);
        return;
    }
    struct trace_session *p = &s->pub;
    p->established = true;
    if (dec && (r.action & 1)) {
        p->exempt = true;
        snprintf(p->key_note, sizeof p->key_note, "guest logon: outside signing");
    }
    bool srv_enabled = c->srv_secmode & (SMB1_SECMODE_SIGNATURES_ENABLED | SMB1_SECMODE_SIGNATURES_REQUIRED);
    bool srv_required = c->srv_secmode & SMB1_SECMODE_SIGNATURES_REQUIRED;
    bool cli_wants = c->smb1_ss_flags2 & (SMB1_FLAGS2_SMB_SECURITY_SIGNATURE | SMB1_FLAGS2_SMB_SECURITY_SIGNATURE_REQUIRED);
    if (!p->exempt && s->obs) {
        bool anonymous = false;
        if (ntlm_obs_user(s->obs, p->user, sizeof p->user, p->domain, sizeof p->domain, &anonymous) == SMB_OK &&
            anonymous) {
            p->exempt = true;
            snprintf(p->key_note, sizeof p->key_note, "anonymous logon: outside signing");
        }
    }
    if (p->exempt || !srv_enabled || !(srv_required || cli_wants)) {
        if (!p->exempt)
            snprintf(p->key_note, sizeof p->key_note, "signing not negotiated on this connection");
        snprintf(m->reason, sizeof m->reason, "%s", p->key_note);
        return;
    }
    c->smb1_active = true;
    p->signing_required = true;
    c->smb1_seq_next = 2;
    if (trace_sess_key(t, s) && smb_sign_ctx_new_smb1(&s->sign, p->session_key, p->session_key_len) != SMB_OK)
        snprintf(p->key_note, sizeof p->key_note, "no SMB1 signing context");
    if (s->obs) {
        smb_wipe(s->obs, sizeof *s->obs);
        free(s->obs);
        s->obs = NULL;
    }
    verify(s, m, e, n, 1);
}

void trace_smb1_message(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *e, size_t n, bool gap)
{
    struct trace_msg m;
    trace_msg_init(&m, t, c, dir, e, n);
    m.smb1 = true;
    m.dialect = SMB_DIALECT_SMB1;
    m.alg = SMB_ALG_MD5;
    if (n < SMB1_HDR_LEN) {
        snprintf(m.command, sizeof m.command, "UNKNOWN");
        m.verdict = TV_INCOMPLETE;
        snprintf(m.reason, sizeof m.reason, "SMB1 header cut (%zu bytes)", n);
        trace_emit(t, c->smb1_sess, &m);
        return;
    }
    uint8_t cmd = e[4];
    bool reply = (e[9] & SMB1_FLAGS_REPLY) != 0;
    uint16_t mid = le16(e + 30), uid = le16(e + 28);
    uint32_t pid = (uint32_t)le16(e + 12) << 16 | le16(e + 26);
    name_of(cmd, m.command, sizeof m.command);
    m.response = reply;
    m.status = le32(e + 5);
    m.message_id = mid;
    m.has_message_id = true;
    m.session_id = uid;

    if (cmd == SMB1_COM_NEGOTIATE) {
        if (reply && !gap) {
            struct smb1_negotiate_answer a;
            if (smb1_negotiate_answer_parse(e, n, &a) == SMB_OK) {
                c->neg_seen = true;
                if (a.kind == SMB1_ANSWER_SMB2) {
                    c->smb1 = false;
                    c->dialect = (smb_dialect)a.smb2.dialect;
                    c->srv_secmode = a.smb2.security_mode;
                } else {
                    c->smb1 = true;
                    c->dialect = SMB_DIALECT_SMB1;
                    c->alg = SMB_ALG_MD5;
                    c->srv_secmode = a.smb1.security_mode;
                }
            }
        }
        m.verdict = TV_NOT_SUBJECT;
        snprintf(m.reason, sizeof m.reason, "NEGOTIATE");
        trace_emit(t, NULL, &m);
        return;
    }
    struct trace_sess_int *s = conn_session(t, c, uid);
    if (!s)
        return;
    if (!c->smb1_active) {
        if (gap) {
            m.verdict = TV_INCOMPLETE;
            snprintf(m.reason, sizeof m.reason, "bytes of this message are missing from the capture");
        } else if (cmd == SMB1_COM_SESSION_SETUP_ANDX && !s->pub.established) {
            session_setup(t, c, s, reply ? 1 : 0, e, n, &m);
        } else {
            m.verdict = TV_NOT_SUBJECT;
            snprintf(m.reason, sizeof m.reason, "%s",
                     s->pub.key_note[0] ? s->pub.key_note : "signing is not active on this connection yet");
        }
        trace_emit(t, s, &m);
        return;
    }
    const char *ns = smb1_sign_not_subject(e);
    if (ns && !(cmd == SMB1_COM_LOCKING_ANDX && dir == 0)) {
        m.verdict = TV_NOT_SUBJECT;
        snprintf(m.reason, sizeof m.reason, "%s", ns);
        trace_emit(t, s, &m);
        return;
    }
    uint32_t seq;
    if (!reply) {
        seq = c->smb1_seq_next;
        bool expects = smb1_expects_response(cmd) && !oplock_release_only(e, n);
        c->smb1_seq_next += expects ? 2 : 1;
        if (expects)
            pend_add(c, mid, pid, seq);
    } else if (pend_find(c, mid, pid, &seq)) {
        seq++;
    } else {
        m.verdict = TV_INCOMPLETE;
        snprintf(m.reason, sizeof m.reason, "its request (MID %u) is not in the capture: sequence number unknown", mid);
        trace_emit(t, s, &m);
        return;
    }
    if (gap) {
        m.verdict = TV_INCOMPLETE;
        m.smb1_seq = seq;
        snprintf(m.reason, sizeof m.reason, "bytes of this message are missing from the capture");
    } else {
        verify(s, &m, e, n, seq);
    }
    trace_emit(t, s, &m);
}
