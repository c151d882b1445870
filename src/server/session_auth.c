/* server/session_auth.c - SESSION_SETUP authentication for both servers
 * (SMB2 session.c, SMB1 smb1_server.c): SPNEGO (MS-SPNG 3.2.5, RFC 4178) or
 * a raw mechanism token, driving whichever registered mechanism
 * (auth/mech.h) the client chose, against the user database. Nothing here
 * knows NTLMSSP.
 *
 * Commit rule: the user, the guest/anonymous kind and the session key reach
 * the srv_session only in commit(), after the mechanism completed and every
 * check (anonymous policy, mechListMIC, our reply) passed. A failure wipes
 * the mechanism state and leaves the session as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spnego.h"
#include "server/session_int.h"

/* A mechanism this server's configuration turned on: Kerberos with a keytab,
 * NTLMSSP unless "ntlm auth = no". */
static bool mech_enabled(const struct srv_config *cfg, const struct smb_auth_mech *m)
{
    if (smb_auth_mech_is_krb5(m))
        return cfg->krb5_keytab[0] != '\0';
    return m != &smb_auth_mech_ntlmssp || cfg->ntlm_auth;
}

smb_status srv_auth_neg_token(const struct srv_config *cfg, uint8_t *out, size_t cap, size_t *outlen)
{
    struct spnego_buf oids[SPNEGO_MAX_MECHS];
    size_t n = 0;
    const struct smb_auth_mech *m;
    for (size_t i = 0; n < SPNEGO_MAX_MECHS && (m = smb_auth_mech_at(i)) != NULL; i++)
        if (mech_enabled(cfg, m))
            oids[n++] = (struct spnego_buf){m->oid, m->oid_len};
    return spnego_init2_encode_mechs(oids, n, out, cap, outlen);
}

void srv_auth_free(struct srv_session *s)
{
    if (s->auth) {
        smb_auth_wipe(s->auth);
        free(s->auth);
        s->auth = NULL;
    }
}

static bool lookup_user(const void *arg, const char *user, uint8_t nt_hash[16])
{
    const struct srv_user *u = srv_userdb_find((const struct srv_userdb *)arg, user);
    if (!u)
        return false;
    memcpy(nt_hash, u->nt_hash, 16);
    return true;
}

static SMB_WUR smb_status begin_mech(struct srv_conn *c, struct srv_session *s, const struct smb_auth_mech *m)
{
    struct smb_auth_server_cfg cfg = {.server_name = c->ctx->cfg.server_name,
                                      .lookup = lookup_user,
                                      .lookup_arg = &c->ctx->users,
                                      .max_user_len = SRV_USER_NAME_MAX,
                                      .unknown_user_is_guest = c->ctx->cfg.guest_ok,
                                      .keytab = c->ctx->cfg.krb5_keytab[0] ? c->ctx->cfg.krb5_keytab : NULL,
                                      .realm = c->ctx->cfg.realm[0] ? c->ctx->cfg.realm : NULL,
                                      .spn_required = c->ctx->cfg.spn_validation,
                                      .spn_host = c->local};
    /* the mechanism's state lives only while the exchange runs: an idle
     * session does not carry it */
    if (!s->auth && !(s->auth = calloc(1, sizeof *s->auth)))
        return SMB_E_INSUFFICIENT_RESOURCES;
    if (smb_auth_begin_server(s->auth, m, &cfg) != SMB_OK) {
        srv_log(c, SRV_LOG_AUDIT, "SESSION_SETUP: %s", s->auth->why);
        return SMB_E_INTERNAL_ERROR;
    }
    return SMB_OK;
}

static SMB_WUR smb_status wrap(struct srv_session *s, int state, bool with_mech, const uint8_t *tok, size_t tlen,
                       const uint8_t *mic, size_t miclen, uint8_t *out, size_t cap, size_t *outlen)
{
    if (!s->spnego) {
        if (tlen > cap)
            return SMB_E_OVERFLOW;
        if (tlen)
            memcpy(out, tok, tlen);
        *outlen = tlen;
        return SMB_OK;
    }
    struct spnego_buf mech = {s->auth->mech->oid, s->auth->mech->oid_len};
    return spnego_resp_encode_mech(state, with_mech ? &mech : NULL, tok, tlen, mic, miclen, out, cap, outlen);
}

/* The mechanism completed: apply the server's policy and the SPNEGO
 * mechListMIC rules, build the reply, then commit. */
static SMB_WUR smb_status finish(struct srv_conn *c, struct srv_session *s, const uint8_t *tok, size_t tlen,
                         const uint8_t *mic, size_t miclen, uint8_t *out, size_t cap, size_t *outlen)
{
    struct smb_auth_identity id;
    uint8_t key[SMB_AUTH_KEY_MAX], mymic[SMB_AUTH_MIC_MAX];
    size_t kl = 0, mymiclen = 0;
    smb_status st = smb_auth_identity(s->auth, &id);
    if (st != SMB_OK || strlen(id.user) > SRV_USER_NAME_MAX) {
        st = SMB_E_LOGON_FAILURE;
        goto out;
    }
    if (id.kind == SMB_AUTH_ANONYMOUS && !c->ctx->cfg.guest_ok) {
        srv_log(c, SRV_LOG_AUDIT, "logon failure: anonymous logon not allowed");
        st = SMB_E_LOGON_FAILURE;
        goto out;
    }
    if (id.kind == SMB_AUTH_USER) {
        if (smb_auth_session_key(s->auth, key, sizeof key, &kl) != SMB_OK || kl == 0) {
            srv_log(c, SRV_LOG_AUDIT, "logon failure: user '%s': no session key", id.user);
            st = SMB_E_LOGON_FAILURE;
            goto out;
        }
        /* SPNEGO mechListMIC (MS-SPNG 3.1.5.1): when the client sent one it
         * must verify; we then answer with ours. When the mechanism says the
         * exchange must carry one (NTLMSSP: the AUTHENTICATE has an NTLM MIC,
         * MsvAvFlags 0x2) a missing mechListMIC fails the logon: nothing else
         * protects the mechanism list against a downgrade. */
        bool need = smb_auth_mic_wanted(s->auth) || s->mic_required;
        if (s->spnego && !miclen && need && tlen && s->auth_step < 3) {
            /* RFC 4178 5, MS-SPNG 3.1.5.1: the mechanism completed here but
             * the client's context completes only with our token (Kerberos
             * AP-REP), so it cannot have sent its mechListMIC yet. Send ours
             * with the token, accept-incomplete, and wait for the client's
             * in a third leg; nothing is committed before it verified. */
            if (!s->mech_list_len ||
                smb_auth_mic_make(s->auth, s->mech_list, s->mech_list_len, mymic, sizeof mymic, &mymiclen) != SMB_OK ||
                wrap(s, SPNEGO_ACCEPT_INCOMPLETE, false, tok, tlen, mymic, mymiclen, out, cap, outlen) != SMB_OK) {
                st = SMB_E_INTERNAL_ERROR;
                goto out;
            }
            s->auth_step = 3;
            st = SMB_E_MORE_PROCESSING_REQUIRED;
            goto out;
        }
        if (s->spnego && !miclen && need) {
            srv_log(c, SRV_LOG_AUDIT, "logon failure: user '%s': %s but no SPNEGO mechListMIC", id.user,
                    s->mic_required ? "mechanism not the client's first choice (RFC 4178 5)" : "NTLM MIC present");
            st = SMB_E_LOGON_FAILURE;
            goto out;
        }
        if (s->spnego && miclen) {
            if (!s->mech_list_len ||
                smb_auth_mic_verify(s->auth, s->mech_list, s->mech_list_len, mic, miclen) != SMB_OK) {
                srv_log(c, SRV_LOG_AUDIT, "logon failure: user '%s': bad SPNEGO mechListMIC", id.user);
                st = SMB_E_LOGON_FAILURE;
                goto out;
            }
            /* ours went out with the previous leg when this is the third */
            if (s->auth_step < 3 && smb_auth_mic_make(s->auth, s->mech_list, s->mech_list_len, mymic, sizeof mymic,
                                                      &mymiclen) != SMB_OK) {
                st = SMB_E_INTERNAL_ERROR;
                goto out;
            }
        }
    }
    if (wrap(s, SPNEGO_ACCEPT_COMPLETED, false, tlen ? tok : NULL, tlen, mymiclen ? mymic : NULL, mymiclen, out,
             cap, outlen) != SMB_OK) {
        st = SMB_E_INTERNAL_ERROR;
        goto out;
    }
    /* commit: every check passed */
    memcpy(s->user, id.user, strlen(id.user) + 1);
    s->guest = id.kind == SMB_AUTH_GUEST;
    s->anonymous = id.kind == SMB_AUTH_ANONYMOUS;
    s->kerberos = smb_auth_mech_is_krb5(s->auth->mech);
    if (id.kind == SMB_AUTH_USER) {
        /* MS-SMB2 3.3.5.5.3: the first 16 bytes of the key, zero-padded */
        memset(s->session_key, 0, sizeof s->session_key);
        memcpy(s->session_key, key, kl < sizeof s->session_key ? kl : sizeof s->session_key);
        /* SMB1 MACs take the GSS session key whole, as Samba does (MS-SMB
         * 3.3.5.3); NTLMSSP's is 16 bytes either way */
        memset(s->smb1_mac_key, 0, sizeof s->smb1_mac_key);
        memcpy(s->smb1_mac_key, key, kl);
        s->smb1_mac_key_len = kl < 16 ? 16 : kl;
    }
    s->auth_step = 2;
    st = SMB_OK;
out:
    smb_wipe(key, sizeof key);
    smb_wipe(mymic, sizeof mymic);
    smb_wipe(&id, sizeof id);
    return st;
}

/* Feed one mechanism token (the first, or a later one). */
static SMB_WUR smb_status mech_step(struct srv_conn *c, struct srv_session *s, const uint8_t *tok, size_t tlen,
                            const uint8_t *mic, size_t miclen, uint8_t *out, size_t cap, size_t *outlen)
{
    uint8_t t[SRV_CHAL_MAX];
    size_t tl = 0;
    smb_status st = smb_auth_step(s->auth, tok, tlen, t, sizeof t, &tl);
    if (st == SMB_E_MORE_PROCESSING_REQUIRED) {
        st = wrap(s, SPNEGO_ACCEPT_INCOMPLETE, true, t, tl, NULL, 0, out, cap, outlen);
        if (st != SMB_OK)
            return SMB_E_INTERNAL_ERROR;
        s->auth_step = 1;
        return SMB_E_MORE_PROCESSING_REQUIRED;
    }
    if (st == SMB_OK)
        return finish(c, s, t, tl, mic, miclen, out, cap, outlen);
    if (st == SMB_E_LOGON_FAILURE)
        srv_log(c, SRV_LOG_AUDIT, "logon failure: %s", s->auth->why);
    return st;
}

static SMB_WUR smb_status step(struct srv_conn *c, struct srv_session *s, const uint8_t *in, size_t inlen, uint8_t *out,
                       size_t cap, size_t *outlen)
{
    if (!in || inlen == 0)
        return SMB_E_INVALID_PARAMETER;
    if (s->auth_step == 0 && !s->mech_list_len) {
        const struct smb_auth_mech *raw = smb_auth_mech_by_raw(in, inlen);
        if (raw && !mech_enabled(&c->ctx->cfg, raw)) {
            srv_log(c, SRV_LOG_AUDIT, "SESSION_SETUP: %s is turned off (ntlm auth = no)", raw->name);
            return SMB_E_LOGON_FAILURE;
        }
        if (raw) {
            s->spnego = false;
            smb_status st = begin_mech(c, s, raw);
            return st != SMB_OK ? st : mech_step(c, s, in, inlen, NULL, 0, out, cap, outlen);
        }
        struct spnego_init init;
        if (spnego_init_decode(in, inlen, &init) != SMB_OK)
            return SMB_E_INVALID_PARAMETER;
        s->spnego = true;
        /* the client's first choice among the mechanisms registered here */
        const struct smb_auth_mech *m = NULL;
        size_t at = 0;
        for (; at < init.mech_count; at++)
            if ((m = smb_auth_mech_by_oid(init.mechs[at].p, init.mechs[at].len)) != NULL &&
                mech_enabled(&c->ctx->cfg, m))
                break;
            else
                m = NULL;
        if (!m) {
            srv_log(c, SRV_LOG_AUDIT, "SESSION_SETUP: client offers no mechanism this server supports");
            return SMB_E_LOGON_FAILURE;
        }
        if (init.mech_list.len > sizeof s->mech_list)
            return SMB_E_INVALID_PARAMETER;
        memcpy(s->mech_list, init.mech_list.p, init.mech_list.len);
        s->mech_list_len = init.mech_list.len;
        /* RFC 4178 5: not the initiator's first choice - the mechListMIC is
         * then required, whatever the mechanism */
        s->mic_required = at != 0;
        smb_status st = begin_mech(c, s, m);
        if (st != SMB_OK)
            return st;
        if (at == 0 && init.mech_token.len) /* an optimistic token for its first choice */
            return mech_step(c, s, init.mech_token.p, init.mech_token.len, NULL, 0, out, cap, outlen);
        /* Ours is not the client's first choice (or no optimistic token):
         * name it and wait for its first token (RFC 4178 3.2). */
        struct spnego_buf mech = {m->oid, m->oid_len};
        st = spnego_resp_encode_mech(SPNEGO_ACCEPT_INCOMPLETE, &mech, NULL, 0, NULL, 0, out, cap, outlen);
        return st == SMB_OK ? SMB_E_MORE_PROCESSING_REQUIRED : SMB_E_INTERNAL_ERROR;
    }
    if (s->auth_step == 3 && s->auth && s->auth->mech) {
        /* the third leg: only the client's mechListMIC (RFC 4178 5) */
        struct spnego_resp r;
        if (spnego_resp_decode(in, inlen, &r) != SMB_OK || r.response_token.len)
            return SMB_E_INVALID_PARAMETER;
        if (!r.mech_list_mic.len || r.mech_list_mic.len > SMB_AUTH_MIC_MAX) {
            srv_log(c, SRV_LOG_AUDIT, "logon failure: %s completed but the client sent no SPNEGO mechListMIC "
                    "(mechanism not the client's first choice, RFC 4178 5)", s->auth->mech->name);
            return SMB_E_LOGON_FAILURE;
        }
        return finish(c, s, NULL, 0, r.mech_list_mic.p, r.mech_list_mic.len, out, cap, outlen);
    }
    if (!s->auth || !s->auth->mech || s->auth_step > 1)
        return SMB_E_INVALID_PARAMETER;
    const uint8_t *tok = in, *mic = NULL;
    size_t tlen = inlen, miclen = 0;
    if (s->spnego) {
        struct spnego_resp r;
        if (spnego_resp_decode(in, inlen, &r) != SMB_OK)
            return SMB_E_INVALID_PARAMETER;
        tok = r.response_token.p;
        tlen = r.response_token.len;
        mic = r.mech_list_mic.p;
        miclen = r.mech_list_mic.len;
        if (miclen && (miclen > SMB_AUTH_MIC_MAX || (s->auth->mech->mic_len && miclen != s->auth->mech->mic_len)))
            return SMB_E_LOGON_FAILURE;
    }
    if (!tok || tlen == 0)
        return SMB_E_INVALID_PARAMETER;
    return mech_step(c, s, tok, tlen, mic, miclen, out, cap, outlen);
}

smb_status srv_auth_step(struct srv_conn *c, struct srv_session *s, const uint8_t *in, size_t inlen, uint8_t *out,
                         size_t cap, size_t *outlen)
{
    *outlen = 0;
    smb_status st = step(c, s, in, inlen, out, cap, outlen);
    if (st != SMB_E_MORE_PROCESSING_REQUIRED) /* done or failed: no mechanism state outlives the exchange */
        srv_auth_free(s);
    if (st != SMB_OK && st != SMB_E_MORE_PROCESSING_REQUIRED)
        *outlen = 0;
    return st;
}
