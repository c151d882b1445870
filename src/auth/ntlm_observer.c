/* auth/ntlm_observer.c - see ntlm_observer.h. */
#include "auth/ntlm_observer.h"

#include <string.h>

#include "auth/spnego.h"
#include "base/buf.h"
#include "base/utf16.h"
#include "crypto/crypto.h"

/* The NTLMSSP message inside a SPNEGO token (init or response), or the raw token. */
static int ntlm_token(const uint8_t *p, size_t len, const uint8_t **tok, size_t *tlen)
{
    if (len >= 8 && !memcmp(p, "NTLMSSP", 8)) {
        *tok = p;
        *tlen = len;
        return 0;
    }
    struct spnego_init in;
    if (spnego_init_decode(p, len, &in) == SMB_OK && in.mech_token.len) {
        *tok = in.mech_token.p;
        *tlen = in.mech_token.len;
        return 0;
    }
    struct spnego_resp rs;
    if (spnego_resp_decode(p, len, &rs) == SMB_OK && rs.response_token.len) {
        *tok = rs.response_token.p;
        *tlen = rs.response_token.len;
        return 0;
    }
    return -1;
}

int ntlm_obs_note(struct ntlm_observer *x, const uint8_t *blob, size_t len)
{
    const uint8_t *t;
    size_t n;
    if (!blob || ntlm_token(blob, len, &t, &n) != 0 || n < 12 || n > NTLM_MAX_MSG)
        return 0;
    uint32_t type = le32(t + 8);
    switch (type) {
    case 1: memcpy(x->neg, t, n), x->nlen = n; break;
    case 2: memcpy(x->chal, t, n), x->clen = n; break;
    case 3: memcpy(x->auth, t, n), x->alen = n; break;
    default: return 0;
    }
    return (int)type;
}

bool ntlm_obs_complete(const struct ntlm_observer *x)
{
    return x->nlen && x->clen && x->alen;
}

smb_status ntlm_obs_user(const struct ntlm_observer *x, char *user, size_t ucap, char *domain, size_t dcap,
                         bool *anonymous)
{
    if (!x->alen)
        return SMB_E_NOT_FOUND;
    struct ntlm_authenticate a;
    smb_status st = smb_ntlm_authenticate_decode(x->auth, x->alen, &a);
    if (st != SMB_OK)
        return st;
    size_t n = 0;
    if (ucap && smb_utf16le_to_utf8(a.user.p, a.user.len, user, ucap, &n) != SMB_OK)
        user[0] = 0;
    if (dcap && smb_utf16le_to_utf8(a.domain.p, a.domain.len, domain, dcap, &n) != SMB_OK)
        domain[0] = 0;
    *anonymous = a.user.len == 0 && a.nt_response.len == 0;
    return SMB_OK;
}

smb_status ntlm_obs_session_key(const struct ntlm_observer *x, const uint8_t nt_hash[16], uint8_t key[16])
{
    if (!ntlm_obs_complete(x))
        return SMB_E_NOT_FOUND;
    struct ntlm_verify_result vr;
    smb_status st = smb_ntlm_server_verify(x->neg, x->nlen, x->chal, x->clen, x->auth, x->alen, nt_hash, &vr);
    if (st == SMB_OK && vr.anonymous)
        st = SMB_E_ACCESS_DENIED;
    if (st == SMB_OK)
        memcpy(key, vr.session_key, 16);
    smb_wipe(&vr, sizeof vr);
    return st;
}
