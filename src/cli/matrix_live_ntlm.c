/* cli/matrix_live_ntlm.c - the observer's view of the NTLMSSP exchange, shared
 * by the SMB1 and SMB2 families of `matrix --live`: find the NTLMSSP message in
 * a SESSION_SETUP security blob, keep the three messages, and re-derive the
 * session key from them and the test password (so the observer can verify
 * every signature itself). */
#include <stdio.h>
#include <string.h>

#include "auth/ntlmssp.h"
#include "auth/spnego.h"
#include "cli/matrix_live.h"
#include "crypto/crypto.h"

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

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

void live_ntlm_note(struct live_ntlm *x, const uint8_t *blob, size_t len)
{
    const uint8_t *t;
    size_t n;
    if (ntlm_token(blob, len, &t, &n) != 0 || n < 12)
        return;
    switch (rd32(t + 8)) {
    case 1: x->neg = t, x->nlen = n; break;
    case 2: x->chal = t, x->clen = n; break;
    case 3: x->auth = t, x->alen = n; break;
    default: break;
    }
}

smb_status live_ntlm_session_key(const struct live_ntlm *x, struct live_obs *out, uint8_t key[16])
{
    if (!x->neg || !x->chal || !x->auth) {
        snprintf(out->note, sizeof out->note, "NTLMSSP exchange not found in the capture");
        return SMB_E_NOT_FOUND;
    }
    uint8_t nt[16];
    struct ntlm_verify_result vr;
    smb_status st = smb_ntlm_nt_hash(LIVE_PASSWORD, nt);
    if (st == SMB_OK)
        st = smb_ntlm_server_verify(x->neg, x->nlen, x->chal, x->clen, x->auth, x->alen, nt, &vr);
    smb_wipe(nt, sizeof nt);
    if (st == SMB_OK && vr.anonymous)
        st = SMB_E_ACCESS_DENIED;
    if (st != SMB_OK) {
        snprintf(out->note, sizeof out->note, "observer could not derive the session key: %s", smb_status_name(st));
        smb_wipe(&vr, sizeof vr);
        return st;
    }
    memcpy(key, vr.session_key, 16);
    smb_wipe(&vr, sizeof vr);
    return SMB_OK;
}
