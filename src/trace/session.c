/*
 * trace/session.c - the verifier's context, sessions, verdict delivery and
 * session keys from the captured NTLMSSP exchange plus the credentials
 * (auth/ntlm_observer.h: the same observer `matrix --live` uses).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "crypto/crypto.h"
#include "trace/internal.h"
#include "wire/smb1/header.h"
#include "wire/smb2/header.h"

const char *trace_verdict_name(enum trace_verdict v)
{
    static const char *const names[TV_COUNT] = {"good",       "bad",           "unsigned",      "not-subject",
                                                 "no-key",     "incomplete",    "decrypted-good", "decrypt-failed"};
    return (unsigned)v < TV_COUNT ? names[v] : "?";
}

smb_status trace_new(trace_ctx **out, const struct trace_opts *o)
{
    *out = NULL;
    if (!o || o->nports > TRACE_MAX_PORTS || (o->ncreds && !o->creds))
        return SMB_E_BAD_ARGUMENT;
    trace_ctx *t = calloc(1, sizeof *t);
    if (!t)
        return SMB_E_NOMEM;
    t->o = *o;
    *out = t;
    return SMB_OK;
}

static void sess_release(struct trace_sess_int *s)
{
    smb_sign_ctx_free(s->sign);
    s->sign = NULL;
    for (int d = 0; d < 2; d++) {
        smb_crypt_ctx_free(s->dec[d]);
        s->dec[d] = NULL;
    }
    if (s->obs) {
        smb_wipe(s->obs, sizeof *s->obs);
        free(s->obs);
        s->obs = NULL;
    }
}

static void sess_destroy(struct trace_sess_int *s)
{
    sess_release(s);
    smb_wipe(s, sizeof *s);
    free(s);
}

void trace_sess_conn_gone(struct trace_sess_int *s)
{
    sess_release(s);
    s->conn = NULL;
    if (!s->pub.index) /* not kept for the summary */
        sess_destroy(s);
}

void trace_free(trace_ctx *t)
{
    if (!t)
        return;
    trace_finish(t);
    for (size_t i = 0; i < t->nsess; i++)
        sess_destroy(t->sess[i]);
    free(t->sess);
    free(t->dbuf);
    free(t);
}

size_t trace_session_count(const trace_ctx *t) { return t->nsess; }
const struct trace_session *trace_session_at(const trace_ctx *t, size_t i)
{
    return i < t->nsess ? &t->sess[i]->pub : NULL;
}
void trace_stats(const trace_ctx *t, uint64_t *packets, uint64_t *smb_packets, uint64_t *conns)
{
    *packets = t->packets;
    *smb_packets = t->smb_packets;
    *conns = t->conns;
}

struct trace_sess_int *trace_sess_new(trace_ctx *t, struct trace_conn *c, uint64_t sid)
{
    struct trace_sess_int *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->conn = c;
    s->pub.session_id = sid;
    s->pub.smb1 = c->smb1;
    s->pub.dialect = c->dialect;
    s->pub.alg = c->alg;
    snprintf(s->pub.client, sizeof s->pub.client, "%s", c->cname);
    snprintf(s->pub.server, sizeof s->pub.server, "%s", c->sname);
    s->pre = c->pre;
    if (t->nsess < TRACE_MAX_SESSIONS) {
        if (t->nsess == t->sess_cap) {
            size_t cap = t->sess_cap ? t->sess_cap * 2 : 16;
            struct trace_sess_int **n = realloc(t->sess, cap * sizeof *n);
            if (n) {
                t->sess = n;
                t->sess_cap = cap;
            }
        }
        if (t->nsess < t->sess_cap) {
            t->sess[t->nsess++] = s;
            s->pub.index = (unsigned)t->nsess;
        }
    }
    s->next_in_conn = c->sessions;
    c->sessions = s;
    return s;
}

struct trace_sess_int *trace_sess_find(struct trace_conn *c, uint64_t sid)
{
    for (struct trace_sess_int *s = c->sessions; s; s = s->next_in_conn)
        if (!s->pending && s->pub.session_id == sid)
            return s;
    return NULL;
}

const struct trace_cred *trace_cred_for_sid(const trace_ctx *t, uint64_t sid)
{
    for (size_t i = 0; i < t->o.ncreds; i++)
        if (t->o.creds[i].kind == TC_SESSION_KEY && t->o.creds[i].session_id == sid)
            return &t->o.creds[i];
    return NULL;
}

void trace_msg_init(struct trace_msg *m, const trace_ctx *t, const struct trace_conn *c, int dir,
                    const uint8_t *bytes, size_t len)
{
    memset(m, 0, sizeof *m);
    m->frame = t->frame;
    m->ts_sec = t->ts_sec;
    m->ts_usec = t->ts_usec;
    m->src = dir == 0 ? c->cname : c->sname;
    m->dst = dir == 0 ? c->sname : c->cname;
    m->dialect = c->dialect;
    m->alg = c->alg;
    m->smb1 = c->smb1;
    m->bytes = bytes;
    m->len = len;
    m->response = dir == 1;
}

void trace_emit(trace_ctx *t, struct trace_sess_int *s, struct trace_msg *m)
{
    if (s) {
        s->pub.counts[m->verdict]++;
        m->session = &s->pub;
        m->dialect = s->pub.dialect;
        m->alg = s->pub.alg;
    }
    if (t->o.on_msg)
        t->o.on_msg(t->o.arg, m);
}

bool trace_sess_key(trace_ctx *t, struct trace_sess_int *s)
{
    struct trace_session *p = &s->pub;
    bool anonymous = false;
    if (s->obs && ntlm_obs_user(s->obs, p->user, sizeof p->user, p->domain, sizeof p->domain, &anonymous) == SMB_OK &&
        anonymous) {
        p->exempt = true;
        snprintf(p->key_note, sizeof p->key_note, "anonymous logon: outside signing");
        return false;
    }
    const struct trace_cred *sk = trace_cred_for_sid(t, p->session_id);
    if (sk) {
        memcpy(p->session_key, sk->key, sk->key_len);
        p->session_key_len = sk->key_len;
        p->key_known = true;
        return true;
    }
    if (!s->obs || !ntlm_obs_complete(s->obs)) {
        snprintf(p->key_note, sizeof p->key_note,
                 "no NTLMSSP exchange captured for this session (Kerberos, or the capture started later): "
                 "give --session-key 0x%016llx:KEY",
                 (unsigned long long)p->session_id);
        return false;
    }
    bool tried = false, logon_failed = false;
    for (size_t i = 0; i < t->o.ncreds; i++) {
        const struct trace_cred *c = &t->o.creds[i];
        if (c->kind == TC_SESSION_KEY || (c->user[0] && strcasecmp(c->user, p->user) != 0))
            continue;
        tried = true;
        uint8_t key[16];
        smb_status st = ntlm_obs_session_key(s->obs, c->nt_hash, key);
        if (st == SMB_OK) {
            memcpy(p->session_key, key, 16);
            p->session_key_len = 16;
            p->key_known = true;
            smb_wipe(key, sizeof key);
            return true;
        }
        if (st == SMB_E_LOGON_FAILURE)
            logon_failed = true;
        else
            snprintf(p->key_note, sizeof p->key_note, "session key for '%s' not derived: %s", p->user,
                     smb_status_name(st));
    }
    if (!tried)
        snprintf(p->key_note, sizeof p->key_note,
                 "no password for user '%s%s%s' (give -U %s%%PASSWORD, --nt-hash or --session-key)",
                 p->domain[0] ? p->domain : "", p->domain[0] ? "\\" : "", p->user, p->user);
    else if (logon_failed)
        snprintf(p->key_note, sizeof p->key_note,
                 "wrong password for '%s': the NTLMv2 proof in the capture does not match (check -U/--nt-hash)",
                 p->user);
    return false;
}

void trace_smb_message(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *m, size_t n, bool gap)
{
    if (n >= 4 && m[1] == 'S' && m[2] == 'M' && m[3] == 'B') {
        if (m[0] == 0xff) {
            trace_smb1_message(t, c, dir, m, n, gap);
            return;
        }
        if (m[0] == 0xfe || m[0] == 0xfd || m[0] == 0xfc) {
            trace_smb2_message(t, c, dir, m, n, gap);
            return;
        }
    }
    /* not SMB (another protocol on an SMB port): no verdict */
}

void trace_smb_lost(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *m, size_t have, size_t len)
{
    (void)len;
    if (have >= 4 && m[1] == 'S' && m[2] == 'M' && m[3] == 'B' && (m[0] == 0xff || m[0] == 0xfe)) {
        trace_smb_message(t, c, dir, m, have, true);
        return;
    }
    struct trace_msg msg;
    trace_msg_init(&msg, t, c, dir, m, have);
    snprintf(msg.command, sizeof msg.command, "UNKNOWN");
    msg.response = dir == 1;
    msg.verdict = TV_INCOMPLETE;
    snprintf(msg.reason, sizeof msg.reason, "only %zu of %zu bytes captured (header missing)", have, len);
    trace_emit(t, NULL, &msg);
}
