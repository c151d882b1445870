/*
 * trace/smb2.c - SMB2/3 messages of a capture: session state and one
 * verdict per compound element.
 *
 * State, as a passive party that knows the password (MS-SMB2):
 *  - NEGOTIATE request/response: client and server SecurityMode, dialect,
 *    the 3.1.1 signing algorithm (2.2.3.1.7; AES-CMAC when the context is
 *    absent) and the connection's preauth hash (3.2.5.2, 3.3.5.4);
 *  - SESSION_SETUP: the session's preauth hash over every request and
 *    STATUS_MORE_PROCESSING_REQUIRED response (3.2.5.3.1, 3.3.5.5.3), the
 *    NTLMSSP messages (auth/ntlm_observer.h), the request's SecurityMode,
 *    guest/null session flags; keys at the final response;
 *  - Session.SigningRequired = either NEGOTIATE SecurityMode or the
 *    SESSION_SETUP request's has SIGNING_REQUIRED (3.2.5.3.1, 3.3.5.5.3).
 * Signed whatever SigningRequired says: the final SESSION_SETUP response on
 * 3.x (3.3.5.5.3), the TREE_CONNECT request on 3.1.1 (3.2.4.1.1) and
 * FSCTL_VALIDATE_NEGOTIATE_INFO (3.2.5.14.12, 3.3.5.15.12).
 * Outside signing: smb2_sign_not_subject (NEGOTIATE, SessionId 0, interim
 * responses, oplock breaks), SESSION_SETUP before the key exists, anonymous
 * and guest sessions.
 * Encryption (SMB 3.x TRANSFORM messages): the cipher comes from NEGOTIATE,
 * the keys from the session key (and 3.1.1 preauth hash) like the signing
 * keys; a TRANSFORM message is decrypted with the key of its direction and
 * its elements are decrypted-good (their integrity is the AEAD tag, not a
 * signature), or the message is decrypt-failed. Compressed messages are
 * reported as such.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "crypto/crypto.h"
#include "trace/internal.h"
#include "wire/smb2/ioctl.h"
#include "wire/smb2/negotiate.h"
#include "wire/smb2/session_setup.h"

#define NT_MORE_PROCESSING 0xC0000016u
#define FSCTL_VALIDATE_NEGOTIATE 0x00140204u
#define TRANSFORM_SESSION_ID_OFFSET 44

static void header_fields(struct trace_msg *m, const uint8_t *e, size_t n)
{
    if (n < SMB2_HDR_LEN) {
        snprintf(m->command, sizeof m->command, "UNKNOWN");
        return;
    }
    uint16_t cmd = le16(e + 12);
    const char *name = smb2_command_name(cmd);
    if (!strcmp(name, "UNKNOWN"))
        snprintf(m->command, sizeof m->command, "0x%04x", cmd);
    else
        snprintf(m->command, sizeof m->command, "%s", name);
    m->status = le32(e + 8);
    m->response = (le32(e + SMB2_FLAGS_OFFSET) & SMB2_FLAGS_SERVER_TO_REDIR) != 0;
    m->message_id = le64(e + 24);
    m->has_message_id = true;
    m->session_id = le64(e + 40);
}

static void neg_state(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *e, size_t n)
{
    if (dir == 0) {
        smb_preauth_init(&c->pre);
        smb_preauth_update(&c->pre, e, n);
        struct smb2_negotiate_req q;
        if (smb2_negotiate_req_parse(e, n, &q) == SMB_OK)
            c->cli_secmode = q.security_mode;
        return;
    }
    smb_preauth_update(&c->pre, e, n);
    c->neg_frame = t->frame;
    struct smb2_negotiate_rsp r;
    if (smb2_negotiate_rsp_parse(e, n, &r) != SMB_OK)
        return;
    c->smb1 = false;
    c->neg_seen = true;
    c->srv_secmode = r.security_mode;
    c->srv_caps = r.capabilities;
    memcpy(c->srv_guid, r.server_guid, 16);
    c->dialect = (smb_dialect)r.dialect;
    c->alg = smb_sign_default_alg(c->dialect);
    if (c->dialect == SMB_DIALECT_311 && r.ctx.has_signing && r.ctx.signing.alg_count == 1 &&
        smb_sign_alg_valid(c->dialect, (smb_sign_alg)r.ctx.signing.algs[0]))
        c->alg = (smb_sign_alg)r.ctx.signing.algs[0];
    /* the cipher (MS-SMB2 3.2.5.2): 3.1.1 from the ENCRYPTION_CAPABILITIES
     * context the server answered with (one cipher, or 0 for none), 3.0 and
     * 3.0.2 AES-128-CCM when the server sets CAP_ENCRYPTION */
    c->cipher = SMB_CIPHER_NONE;
    if (c->dialect == SMB_DIALECT_311) {
        if (r.ctx.has_encryption && r.ctx.encryption.cipher_count == 1 &&
            smb_cipher_valid(c->dialect, (smb_cipher)r.ctx.encryption.ciphers[0]))
            c->cipher = (smb_cipher)r.ctx.encryption.ciphers[0];
    } else if (c->dialect >= SMB_DIALECT_300 && (r.capabilities & SMB2_GLOBAL_CAP_ENCRYPTION)) {
        c->cipher = SMB_CIPHER_AES128_CCM;
    }
}

/* Decryption contexts for the session's TRANSFORM messages: the one the
 * server would receive with decrypts client -> server, the client's
 * receiving one server -> client. */
static void crypt_contexts(struct trace_conn *c, struct trace_sess_int *s)
{
    struct trace_session *p = &s->pub;
    p->cipher = c->cipher;
    if (c->cipher == SMB_CIPHER_NONE)
        return;
    for (int d = 0; d < 2; d++) {
        smb_status st = smb_crypt_ctx_new_session(&s->dec[d], c->dialect, c->cipher, d == 0, p->session_key,
                                                  p->session_key_len, p->has_preauth ? p->preauth : NULL);
        if (st != SMB_OK) {
            snprintf(p->key_note, sizeof p->key_note, "no decryption context for %s / %s: %s",
                     smb_dialect_name(c->dialect), smb_cipher_name(c->cipher), smb_status_name(st));
            return;
        }
    }
}

/* The session's keys at its final SESSION_SETUP response. */
static void establish(trace_ctx *t, struct trace_conn *c, struct trace_sess_int *s, const uint8_t *e, size_t n)
{
    struct trace_session *p = &s->pub;
    p->established = true;
    p->dialect = c->dialect;
    p->alg = c->alg;
    p->signing_required = ((c->srv_secmode | c->cli_secmode | s->ss_secmode) & SMB2_NEGOTIATE_SIGNING_REQUIRED) != 0;
    smb_rd r;
    rd_init(&r, e, n);
    rd_seek(&r, SMB2_HDR_LEN);
    struct smb2_session_setup_resp sr;
    if (smb2_session_setup_resp_decode(&r, &sr) == SMB_OK) {
        if (s->obs)
            (void)ntlm_obs_note(s->obs, sr.security.p, sr.security.len);
        if (sr.session_flags & (SMB2_SESSION_FLAG_IS_GUEST | SMB2_SESSION_FLAG_IS_NULL)) {
            p->exempt = true;
            snprintf(p->key_note, sizeof p->key_note, "%s session: outside signing (MS-SMB2 3.3.5.5.3)",
                     sr.session_flags & SMB2_SESSION_FLAG_IS_NULL ? "anonymous" : "guest");
        }
    }
    if (!p->exempt && trace_sess_key(t, s)) {
        if (c->dialect == SMB_DIALECT_311) {
            memcpy(p->preauth, s->pre.hash, sizeof p->preauth);
            p->has_preauth = true;
        }
        smb_status st = smb_sign_ctx_new_session(&s->sign, c->dialect, c->alg, p->session_key, p->session_key_len,
                                                 p->has_preauth ? p->preauth : NULL);
        if (st != SMB_OK) {
            p->key_known = false;
            snprintf(p->key_note, sizeof p->key_note, "no signing context for dialect %s / %s: %s",
                     smb_dialect_name(c->dialect), smb_alg_name(c->alg), smb_status_name(st));
        } else {
            crypt_contexts(c, s);
        }
    }
    if (s->obs) {
        smb_wipe(s->obs, sizeof *s->obs);
        free(s->obs);
        s->obs = NULL;
    }
}

/* A session the capture joins after its SESSION_SETUP: only a
 * --session-key can open it (and not for 3.1.1, whose keys need the
 * preauth hash of the unseen exchange). */
static struct trace_sess_int *late_session(trace_ctx *t, struct trace_conn *c, uint64_t sid)
{
    struct trace_sess_int *s = trace_sess_new(t, c, sid);
    if (!s)
        return NULL;
    struct trace_session *p = &s->pub;
    p->established = true;
    p->signing_required = ((c->srv_secmode | c->cli_secmode) & SMB2_NEGOTIATE_SIGNING_REQUIRED) != 0;
    if (!c->neg_seen) {
        snprintf(p->key_note, sizeof p->key_note, "NEGOTIATE not in the capture: dialect unknown");
        return s;
    }
    if (c->dialect == SMB_DIALECT_311) {
        snprintf(p->key_note, sizeof p->key_note,
                 "SESSION_SETUP not in the capture: 3.1.1 keys need its preauth integrity hash");
        return s;
    }
    if (trace_sess_key(t, s)) {
        smb_status st = smb_sign_ctx_new_session(&s->sign, c->dialect, c->alg, p->session_key, p->session_key_len, NULL);
        if (st != SMB_OK) {
            p->key_known = false;
            snprintf(p->key_note, sizeof p->key_note, "no signing context for dialect %s / %s: %s",
                     smb_dialect_name(c->dialect), smb_alg_name(c->alg), smb_status_name(st));
        } else {
            crypt_contexts(c, s);
        }
    }
    return s;
}

static void verdict(struct trace_sess_int *s, struct trace_msg *m, const uint8_t *e, size_t n, const char *mandate)
{
    const struct trace_session *p = &s->pub;
    if (p->exempt) {
        m->verdict = TV_NOT_SUBJECT;
        snprintf(m->reason, sizeof m->reason, "%s", p->key_note);
        return;
    }
    bool must = p->signing_required || mandate;
    smb_verify_result r = SMB_VERIFY_BAD_SIGNATURE;
    m->sig_len = 16;
    if (smb2_verify(s->sign, e, n, must, &r, m->expected, m->found) != SMB_OK) {
        m->verdict = TV_BAD;
        snprintf(m->reason, sizeof m->reason, "not a well-formed SMB2 message");
        return;
    }
    switch (r) {
    case SMB_VERIFY_VALID:
        m->verdict = TV_GOOD;
        m->have_sigs = true;
        break;
    case SMB_VERIFY_BAD_SIGNATURE:
        if (s->sign) {
            m->verdict = TV_BAD;
            m->have_sigs = true;
            snprintf(m->reason, sizeof m->reason, "signature does not match");
        } else {
            m->verdict = TV_NO_KEY;
            memcpy(m->found, e + SMB2_SIG_OFFSET, 16);
            snprintf(m->reason, sizeof m->reason, "%s", p->key_note[0] ? p->key_note : "no session key");
        }
        break;
    case SMB_VERIFY_UNSIGNED_BUT_REQUIRED:
        m->verdict = TV_UNSIGNED;
        snprintf(m->reason, sizeof m->reason, "SIGNED flag clear, but %s",
                 mandate ? mandate : "the session requires signing (SecurityMode SIGNING_REQUIRED)");
        break;
    case SMB_VERIFY_UNSIGNED_ALLOWED:
        m->verdict = TV_NOT_SUBJECT;
        snprintf(m->reason, sizeof m->reason, "unsigned; signing is not required on this session");
        break;
    case SMB_VERIFY_NOT_SUBJECT:
    default:
        m->verdict = TV_NOT_SUBJECT;
        snprintf(m->reason, sizeof m->reason, "%s", smb2_sign_not_subject(e) ? smb2_sign_not_subject(e) : "exempt");
        break;
    }
}

/* MS-SMB2 3.2.5.14.12: the signed FSCTL_VALIDATE_NEGOTIATE_INFO response
 * repeats the server's NEGOTIATE values; a difference from the captured
 * NEGOTIATE response means that response was altered on the way (a relay
 * that cleared SIGNING_REQUIRED, say). The verdict goes on this message,
 * the reason names the NEGOTIATE frame. */
static void validate_negotiate(const struct trace_conn *c, struct trace_msg *m, const uint8_t *e, size_t n)
{
    smb_rd r;
    rd_init(&r, e, n);
    rd_seek(&r, SMB2_HDR_LEN);
    struct smb2_ioctl_resp io;
    struct smb2_vni_resp v;
    if (smb2_ioctl_resp_decode(&r, &io) != SMB_OK || smb2_vni_resp_decode(io.output, &v) != SMB_OK)
        return;
    const char *what = NULL;
    unsigned got = 0, want = 0;
    if (v.security_mode != c->srv_secmode)
        what = "SecurityMode", got = c->srv_secmode, want = v.security_mode;
    else if (v.dialect != (uint16_t)c->dialect)
        what = "DialectRevision", got = c->dialect, want = v.dialect;
    else if (v.capabilities != c->srv_caps)
        what = "Capabilities", got = c->srv_caps, want = v.capabilities;
    else if (memcmp(v.guid, c->srv_guid, 16) != 0)
        what = "ServerGuid";
    if (!what)
        return;
    m->verdict = TV_BAD;
    snprintf(m->reason, sizeof m->reason,
             "signature good, but FSCTL_VALIDATE_NEGOTIATE_INFO says %s 0x%04x where the NEGOTIATE response "
             "in frame %llu says 0x%04x: that NEGOTIATE was altered in transit (MS-SMB2 3.2.5.14.12)",
             what, want, (unsigned long long)c->neg_frame, got);
}

/* An element that came out of a TRANSFORM message whose tag verified: its
 * integrity is the AEAD tag (MS-SMB2 3.1.4.3: encrypted messages are not
 * signed), so whatever the signing rules said becomes decrypted-good; a
 * malformed element or a failed FSCTL_VALIDATE_NEGOTIATE_INFO cross-check
 * stays bad. */
static void emit_el(trace_ctx *t, struct trace_sess_int *s, struct trace_msg *m, smb_cipher dec)
{
    if (dec != SMB_CIPHER_NONE) {
        m->cipher = dec;
        if (m->verdict == TV_GOOD || m->verdict == TV_NOT_SUBJECT || m->verdict == TV_UNSIGNED ||
            m->verdict == TV_NO_KEY) {
            m->verdict = TV_DECRYPTED_GOOD;
            m->have_sigs = false;
            snprintf(m->reason, sizeof m->reason, "decrypted (%s): the TRANSFORM's AEAD tag verified",
                     smb_cipher_name(dec));
        }
    }
    trace_emit(t, s, m);
}

static void element(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *e, size_t n, unsigned idx, bool gap,
                    smb_cipher dec)
{
    struct trace_msg m;
    trace_msg_init(&m, t, c, dir, e, n);
    m.element = idx;
    header_fields(&m, e, n);
    if (gap || n < SMB2_HDR_LEN) {
        m.verdict = TV_INCOMPLETE;
        snprintf(m.reason, sizeof m.reason, "bytes of this message are missing from the capture");
        emit_el(t, n >= SMB2_HDR_LEN ? trace_sess_find(c, m.session_id) : NULL, &m, dec);
        return;
    }
    uint16_t cmd = le16(e + 12);
    uint64_t mid = m.message_id, sid = m.session_id;
    bool resp = m.response;
    const char *mandate = NULL;
    struct trace_sess_int *s = NULL;

    if (cmd == SMB2_NEGOTIATE) {
        neg_state(t, c, dir, e, n);
        m.dialect = c->dialect;
        m.alg = c->alg;
        m.verdict = TV_NOT_SUBJECT;
        snprintf(m.reason, sizeof m.reason, "NEGOTIATE");
        emit_el(t, NULL, &m, dec);
        return;
    }
    if (cmd == SMB2_SESSION_SETUP && !resp) {
        s = sid ? trace_sess_find(c, sid) : NULL;
        if (!s || !s->pub.established) {
            if (!s) {
                s = trace_sess_new(t, c, sid);
                if (!s)
                    return;
                if (!sid) {
                    s->pending = true;
                    s->pending_mid = mid;
                }
            }
            if (!s->obs)
                s->obs = calloc(1, sizeof *s->obs);
            smb_preauth_update(&s->pre, e, n);
            smb_rd r;
            rd_init(&r, e, n);
            rd_seek(&r, SMB2_HDR_LEN);
            struct smb2_session_setup_req q;
            if (smb2_session_setup_req_decode(&r, &q) == SMB_OK) {
                s->ss_secmode = q.security_mode;
                if (s->obs)
                    (void)ntlm_obs_note(s->obs, q.security.p, q.security.len);
            }
            m.verdict = TV_NOT_SUBJECT;
            snprintf(m.reason, sizeof m.reason, "SESSION_SETUP request before the session key exists");
            emit_el(t, s, &m, dec);
            return;
        }
    } else if (cmd == SMB2_SESSION_SETUP && resp) {
        for (struct trace_sess_int *x = c->sessions; x; x = x->next_in_conn)
            if (x->pending && x->pending_mid == mid) {
                x->pending = false;
                x->pub.session_id = sid;
                s = x;
                break;
            }
        if (!s)
            s = trace_sess_find(c, sid);
        if (s && !s->pub.established) {
            if (m.status == NT_MORE_PROCESSING) {
                smb_preauth_update(&s->pre, e, n);
                smb_rd r;
                rd_init(&r, e, n);
                rd_seek(&r, SMB2_HDR_LEN);
                struct smb2_session_setup_resp sr;
                if (smb2_session_setup_resp_decode(&r, &sr) == SMB_OK && s->obs)
                    (void)ntlm_obs_note(s->obs, sr.security.p, sr.security.len);
                m.verdict = TV_NOT_SUBJECT;
                snprintf(m.reason, sizeof m.reason, "SESSION_SETUP interim response (more processing required)");
                emit_el(t, s, &m, dec);
                return;
            }
            if (m.status != 0) {
                int known = 0;
                smb_status fs = smb_status_from_ntstatus(m.status, &known);
                char sname[48];
                if (known)
                    snprintf(sname, sizeof sname, "%s", smb_status_name(fs));
                else
                    snprintf(sname, sizeof sname, "0x%08x", m.status);
                m.verdict = TV_NOT_SUBJECT;
                snprintf(m.reason, sizeof m.reason, "failed SESSION_SETUP (%s): no session", sname);
                snprintf(s->pub.key_note, sizeof s->pub.key_note, "logon failed (%s)", sname);
                emit_el(t, s, &m, dec);
                return;
            }
            establish(t, c, s, e, n);
            if (c->dialect >= SMB_DIALECT_300)
                mandate = "the final SESSION_SETUP response is always signed on 3.x (MS-SMB2 3.3.5.5.3)";
        }
    }
    if (!s && sid && !smb2_sign_not_subject(e)) {
        s = trace_sess_find(c, sid);
        if (!s)
            s = late_session(t, c, sid);
    }
    const char *ns = smb2_sign_not_subject(e);
    if (ns || !s) {
        m.verdict = TV_NOT_SUBJECT;
        snprintf(m.reason, sizeof m.reason, "%s", ns ? ns : "no session");
        emit_el(t, s, &m, dec);
        return;
    }
    if (!mandate && cmd == SMB2_TREE_CONNECT && !resp && s->pub.dialect == SMB_DIALECT_311)
        mandate = "TREE_CONNECT requests are always signed on 3.1.1 (MS-SMB2 3.2.4.1.1)";
    if (!mandate && cmd == SMB2_IOCTL && n >= SMB2_HDR_LEN + 8 && le32(e + SMB2_HDR_LEN + 4) == FSCTL_VALIDATE_NEGOTIATE &&
        !(resp && m.status != 0))
        mandate = "FSCTL_VALIDATE_NEGOTIATE_INFO is always signed (MS-SMB2 3.2.5.14.12, 3.3.5.15.12)";
    verdict(s, &m, e, n, mandate);
    if (m.verdict == TV_GOOD && resp && cmd == SMB2_IOCTL && m.status == 0 && c->neg_seen && n >= SMB2_HDR_LEN + 8 &&
        le32(e + SMB2_HDR_LEN + 4) == FSCTL_VALIDATE_NEGOTIATE)
        validate_negotiate(c, &m, e, n);
    emit_el(t, s, &m, dec);
}

/* The elements of a plain SMB2 message or compound chain. */
static void chain(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *m, size_t n, smb_cipher dec)
{
    size_t off = 0;
    for (unsigned idx = 0;; idx++) {
        size_t el, next;
        if (smb2_compound_next(m, n, off, &el, &next) != SMB_OK) {
            struct trace_msg msg;
            trace_msg_init(&msg, t, c, dir, m + off, n - off);
            msg.element = idx;
            msg.cipher = dec;
            header_fields(&msg, m + off, n - off);
            msg.verdict = TV_BAD;
            snprintf(msg.reason, sizeof msg.reason, "malformed SMB2 message or compound chain (NextCommand)%s",
                     dec != SMB_CIPHER_NONE ? " inside a TRANSFORM message that decrypted" : "");
            trace_emit(t, n - off >= SMB2_HDR_LEN ? trace_sess_find(c, msg.session_id) : NULL, &msg);
            return;
        }
        element(t, c, dir, m + off, el, idx, false, dec);
        if (!next)
            return;
        off = next;
    }
}

/* An SMB 3.x TRANSFORM message (MS-SMB2 2.2.41): decrypted with the
 * session's key for its direction (a copy: the capture's bytes stay as
 * they are), then each element of the plaintext gets its verdict. */
static void transform(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *m, size_t n)
{
    struct trace_msg msg;
    trace_msg_init(&msg, t, c, dir, m, n);
    snprintf(msg.command, sizeof msg.command, "TRANSFORM");
    smb_transform_hdr th;
    if (smb_crypt_transform_decode(m, n, &th) != SMB_OK) {
        msg.verdict = TV_DECRYPT_FAILED;
        snprintf(msg.reason, sizeof msg.reason, "TRANSFORM message shorter than its 52-byte header");
        trace_emit(t, NULL, &msg);
        return;
    }
    msg.session_id = th.session_id;
    struct trace_sess_int *s = trace_sess_find(c, th.session_id);
    if (!s || !s->dec[dir]) {
        msg.verdict = TV_NO_KEY;
        snprintf(msg.reason, sizeof msg.reason, "encrypted (TRANSFORM), no decryption key: %s",
                 !s ? "no session with this SessionId in the capture"
                 : s->pub.key_note[0] ? s->pub.key_note
                 : c->cipher == SMB_CIPHER_NONE ? "NEGOTIATE selected no cipher (or is not in the capture)"
                                                 : "no session key");
        trace_emit(t, s, &msg);
        return;
    }
    if (n > t->dcap) {
        uint8_t *nb = realloc(t->dbuf, n);
        if (!nb) {
            msg.verdict = TV_INCOMPLETE;
            snprintf(msg.reason, sizeof msg.reason, "out of memory for a %zu-byte TRANSFORM message", n);
            trace_emit(t, s, &msg);
            return;
        }
        t->dbuf = nb;
        t->dcap = n;
    }
    memcpy(t->dbuf, m, n);
    uint8_t *plain = NULL;
    size_t plen = 0;
    smb_status st = smb_crypt_decrypt(s->dec[dir], th.session_id, t->dbuf, n, &plain, &plen);
    if (st != SMB_OK) {
        msg.verdict = TV_DECRYPT_FAILED;
        msg.cipher = s->pub.cipher;
        snprintf(msg.reason, sizeof msg.reason, "%s (%s, %s)",
                 st == SMB_E_INVALID_SIGNATURE ? "the AEAD tag does not verify: altered in transit, or the wrong key"
                                               : "not a valid TRANSFORM message",
                 smb_cipher_name(s->pub.cipher), smb_status_name(st));
        trace_emit(t, s, &msg);
        return;
    }
    if (plen < SMB2_HDR_LEN || plain[0] != 0xfe) {
        msg.verdict = TV_BAD;
        msg.cipher = s->pub.cipher;
        snprintf(msg.reason, sizeof msg.reason, "decrypted, but the plaintext is not an SMB2 message");
        trace_emit(t, s, &msg);
        return;
    }
    chain(t, c, dir, plain, plen, s->pub.cipher);
}

void trace_smb2_message(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *m, size_t n, bool gap)
{
    if (m[0] == 0xfd && !gap) {
        transform(t, c, dir, m, n);
        return;
    }
    if (m[0] != 0xfe) {
        struct trace_msg msg;
        trace_msg_init(&msg, t, c, dir, m, n);
        bool tr = m[0] == 0xfd;
        snprintf(msg.command, sizeof msg.command, tr ? "TRANSFORM" : "COMPRESSED");
        struct trace_sess_int *s = NULL;
        if (tr && n >= TRANSFORM_SESSION_ID_OFFSET + 8) {
            msg.session_id = le64(m + TRANSFORM_SESSION_ID_OFFSET);
            s = trace_sess_find(c, msg.session_id);
        }
        msg.verdict = gap ? TV_INCOMPLETE : TV_NOT_SUBJECT;
        snprintf(msg.reason, sizeof msg.reason, "%s",
                 gap ? "bytes of this message are missing from the capture"
                     : "compressed (SMB2 COMPRESSION_TRANSFORM_HEADER): not verified");
        trace_emit(t, s, &msg);
        return;
    }
    if (gap) {
        element(t, c, dir, m, n, 0, true, SMB_CIPHER_NONE);
        return;
    }
    chain(t, c, dir, m, n, SMB_CIPHER_NONE);
}
