/* server/session_auth.c - SESSION_SETUP authentication: SPNEGO (or raw)
 * NTLMSSP with NTLMv2 verified against the user database (MS-NLMP 3.2.5,
 * MS-SPNG 3.2.5). The NTLMSSP/SPNEGO codecs and the NTLMv2/MIC arithmetic
 * are auth/ (client branch); this file only drives them for a server. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/spnego.h"
#include "base/utf16.h"
#include "server/session_int.h"

smb_status srv_auth_neg_token(uint8_t *out, size_t cap, size_t *outlen)
{
    return spnego_init2_encode(out, cap, outlen);
}

static smb_status put_av_name(uint8_t *av, size_t cap, size_t *off, uint16_t id, const char *name)
{
    uint8_t u[128];
    size_t ul = 0;
    smb_status st = smb_utf8_to_utf16le(name, strlen(name), u, sizeof u, &ul);
    if (st != SMB_OK)
        return st;
    return smb_ntlm_av_put(av, cap, off, id, u, ul);
}

static smb_status build_challenge(struct srv_conn *c, struct srv_session *s, uint32_t client_flags)
{
    const char *name = c->ctx->cfg.server_name;
    struct ntlm_challenge ch;
    memset(&ch, 0, sizeof ch);
    /* MS-NLMP 3.2.5.1.1: echo what we support of what the client asked. */
    uint32_t want = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_SIGN |
                    NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
                    NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_VERSION |
                    NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56;
    ch.flags = (client_flags & want) | NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_NTLM |
               NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_TARGET_TYPE_SERVER |
               NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
    if (client_flags & NTLMSSP_REQUEST_TARGET)
        ch.flags |= NTLMSSP_REQUEST_TARGET;
    smb_status st = smb_random(ch.server_challenge, 8);
    if (st != SMB_OK)
        return st;
    uint8_t tn[128];
    size_t tnl = 0;
    st = smb_utf8_to_utf16le(name, strlen(name), tn, sizeof tn, &tnl);
    if (st != SMB_OK)
        return st;
    ch.target_name.p = tn;
    ch.target_name.len = tnl;
    uint8_t av[512];
    size_t avl = 0;
    uint8_t ts[8];
    put_le64(ts, smb_ntlm_filetime_now());
    st = put_av_name(av, sizeof av, &avl, MsvAvNbDomainName, name);
    if (st == SMB_OK)
        st = put_av_name(av, sizeof av, &avl, MsvAvNbComputerName, name);
    if (st == SMB_OK)
        st = put_av_name(av, sizeof av, &avl, MsvAvDnsDomainName, name);
    if (st == SMB_OK)
        st = put_av_name(av, sizeof av, &avl, MsvAvDnsComputerName, name);
    /* A timestamp makes clients send a MIC (MS-NLMP 3.1.5.1.2). */
    if (st == SMB_OK)
        st = smb_ntlm_av_put(av, sizeof av, &avl, MsvAvTimestamp, ts, 8);
    if (st == SMB_OK)
        st = smb_ntlm_av_put(av, sizeof av, &avl, MsvAvEOL, NULL, 0);
    if (st != SMB_OK)
        return st;
    ch.target_info.p = av;
    ch.target_info.len = avl;
    ch.has_version = true;
    static const uint8_t ver[8] = {10, 0, 0x7C, 0x4F, 0, 0, 0, 15}; /* 10.0.20348, NTLMSSP rev 15 */
    memcpy(ch.version, ver, 8);
    return smb_ntlm_challenge_encode(&ch, s->ntlm_chal, sizeof s->ntlm_chal, &s->ntlm_chal_len);
}

static smb_status wrap(struct srv_session *s, int state, bool with_mech, const uint8_t *tok, size_t tlen,
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
    return spnego_resp_encode(state, with_mech, tok, tlen, mic, miclen, out, cap, outlen);
}

static smb_status step_negotiate(struct srv_conn *c, struct srv_session *s, const uint8_t *neg, size_t nlen,
                                 uint8_t *out, size_t cap, size_t *outlen)
{
    struct ntlm_negotiate nm;
    if (nlen > sizeof s->ntlm_neg || smb_ntlm_negotiate_decode(neg, nlen, &nm) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    memcpy(s->ntlm_neg, neg, nlen);
    s->ntlm_neg_len = nlen;
    smb_status st = build_challenge(c, s, nm.flags);
    if (st != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    st = wrap(s, SPNEGO_ACCEPT_INCOMPLETE, true, s->ntlm_chal, s->ntlm_chal_len, NULL, 0, out, cap, outlen);
    if (st != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    s->auth_step = 1;
    return SMB_E_MORE_PROCESSING_REQUIRED;
}

static smb_status step_authenticate(struct srv_conn *c, struct srv_session *s, const uint8_t *auth, size_t alen,
                                    const uint8_t *mic, size_t miclen, uint8_t *out, size_t cap, size_t *outlen)
{
    struct ntlm_authenticate a;
    struct ntlm_verify_result res;
    smb_status st = smb_ntlm_authenticate_decode(auth, alen, &a);
    if (st != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    char user[NTLM_MAX_NAME];
    size_t ul = 0;
    if (a.user.len > 2 * SRV_USER_NAME_MAX ||
        smb_utf16le_to_utf8(a.user.p, a.user.len, user, sizeof user, &ul) != SMB_OK)
        return SMB_E_LOGON_FAILURE;
    if (ul > SRV_USER_NAME_MAX)
        return SMB_E_LOGON_FAILURE;
    memcpy(s->user, user, ul + 1);
    const struct srv_user *u = ul ? srv_userdb_find(&c->ctx->users, user) : NULL;
    if (ul && !u) {
        if (!c->ctx->cfg.guest_ok) {
            srv_log(c, SRV_LOG_AUDIT, "logon failure: unknown user '%s'", user);
            return SMB_E_LOGON_FAILURE;
        }
        s->guest = true; /* "map to guest = bad user" */
    } else {
        st = smb_ntlm_server_verify(s->ntlm_neg, s->ntlm_neg_len, s->ntlm_chal, s->ntlm_chal_len, auth, alen,
                                    u ? u->nt_hash : NULL, &res);
        if (st != SMB_OK) {
            srv_log(c, SRV_LOG_AUDIT, "logon failure: user '%s': %s", user, smb_status_name(st));
            return SMB_E_LOGON_FAILURE;
        }
        if (res.anonymous) {
            if (!c->ctx->cfg.guest_ok) {
                srv_log(c, SRV_LOG_AUDIT, "logon failure: anonymous logon not allowed");
                return SMB_E_LOGON_FAILURE;
            }
            s->anonymous = true;
        } else {
            memcpy(s->session_key, res.session_key, 16);
            /* SPNEGO mechListMIC (MS-SPNG 3.1.5.1): when the client sent one it
             * must verify; we then answer with ours. When the AUTHENTICATE
             * carries an NTLM MIC (MsvAvFlags 0x2) the mechListMIC is
             * mandatory: without it nothing protects the mechanism list
             * against a downgrade, so the logon fails. */
            if (s->spnego && !miclen && res.mic_present) {
                srv_log(c, SRV_LOG_AUDIT,
                        "logon failure: user '%s': NTLM MIC present but no SPNEGO mechListMIC", user);
                smb_wipe(&res, sizeof res);
                return SMB_E_LOGON_FAILURE;
            }
            if (s->spnego && miclen) {
                if (!s->mech_list_len ||
                    !smb_ntlm_mac_verify(s->session_key, res.flags, true, 0, s->mech_list, s->mech_list_len,
                                         mic)) {
                    srv_log(c, SRV_LOG_AUDIT, "logon failure: user '%s': bad SPNEGO mechListMIC", user);
                    smb_wipe(&res, sizeof res);
                    return SMB_E_LOGON_FAILURE;
                }
            }
        }
    }
    uint8_t mymic[16];
    size_t mymiclen = 0;
    if (s->spnego && miclen && !s->guest && !s->anonymous) {
        smb_ntlm_mac(s->session_key, res.flags, false, 0, s->mech_list, s->mech_list_len, mymic);
        mymiclen = 16;
    }
    smb_wipe(&res, sizeof res);
    st = wrap(s, SPNEGO_ACCEPT_COMPLETED, false, NULL, 0, mymiclen ? mymic : NULL, mymiclen, out, cap, outlen);
    if (st != SMB_OK)
        return SMB_E_INTERNAL_ERROR;
    s->auth_step = 2;
    return SMB_OK;
}

smb_status srv_auth_step(struct srv_conn *c, struct srv_session *s, const uint8_t *in, size_t inlen, uint8_t *out,
                         size_t cap, size_t *outlen)
{
    *outlen = 0;
    if (!in || inlen == 0)
        return SMB_E_INVALID_PARAMETER;
    bool raw = inlen >= 8 && !memcmp(in, "NTLMSSP\0", 8);
    if (s->auth_step == 0 && !s->mech_list_len) {
        if (raw) {
            s->spnego = false;
            return step_negotiate(c, s, in, inlen, out, cap, outlen);
        }
        struct spnego_init init;
        if (spnego_init_decode(in, inlen, &init) != SMB_OK)
            return SMB_E_INVALID_PARAMETER;
        s->spnego = true;
        bool have = false;
        for (size_t i = 0; i < init.mech_count; i++)
            have |= spnego_is_ntlmssp(init.mechs[i]);
        if (!have) {
            srv_log(c, SRV_LOG_AUDIT, "SESSION_SETUP: client offers no NTLMSSP mechanism");
            return SMB_E_LOGON_FAILURE;
        }
        if (init.mech_list.len > sizeof s->mech_list)
            return SMB_E_INVALID_PARAMETER;
        memcpy(s->mech_list, init.mech_list.p, init.mech_list.len);
        s->mech_list_len = init.mech_list.len;
        if (init.mech_count && spnego_is_ntlmssp(init.mechs[0]) && init.mech_token.len)
            return step_negotiate(c, s, init.mech_token.p, init.mech_token.len, out, cap, outlen);
        /* NTLMSSP is not the client's first choice (or no optimistic token):
         * name it and wait for its NEGOTIATE (RFC 4178 3.2). */
        smb_status st = spnego_resp_encode(SPNEGO_ACCEPT_INCOMPLETE, true, NULL, 0, NULL, 0, out, cap, outlen);
        return st == SMB_OK ? SMB_E_MORE_PROCESSING_REQUIRED : SMB_E_INTERNAL_ERROR;
    }
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
        if (miclen && miclen != 16)
            return SMB_E_LOGON_FAILURE;
    }
    if (!tok || tlen == 0)
        return SMB_E_INVALID_PARAMETER;
    if (s->auth_step == 0)
        return step_negotiate(c, s, tok, tlen, out, cap, outlen);
    if (s->auth_step == 1)
        return step_authenticate(c, s, tok, tlen, mic, miclen, out, cap, outlen);
    return SMB_E_INVALID_PARAMETER;
}
