/* server/session_sign.c - the server's use of the signing core
 * (include/smbsign/sign.h): one prepared context per session. */
#include <string.h>

#include "server/session_int.h"

smb_status srv_signer_init(struct srv_signer *s, smb_dialect dialect, smb_sign_alg alg, const uint8_t session_key[16],
                           const uint8_t *preauth)
{
    srv_signer_free(s);
    smb_status st = smb_sign_ctx_new_session(&s->ctx, dialect, alg, session_key, 16, preauth);
    if (st == SMB_OK)
        s->alg = alg;
    return st;
}

void srv_signer_free(struct srv_signer *s)
{
    smb_sign_ctx_free(s->ctx);
    s->ctx = NULL;
}

smb_status srv_signer_sign(struct srv_signer *s, uint8_t *msg, size_t len)
{
    if (!s->ctx)
        return SMB_E_BAD_ARGUMENT;
    return smb2_sign(s->ctx, msg, len);
}

smb_verify_result srv_verify_outcome(smb_status st, smb_verify_result res, bool must_sign)
{
    if (st != SMB_OK)
        return SMB_VERIFY_BAD_SIGNATURE;
    if (res == SMB_VERIFY_NOT_SUBJECT && must_sign)
        return SMB_VERIFY_UNSIGNED_BUT_REQUIRED;
    return res;
}

smb_verify_result srv_signer_verify(struct srv_signer *s, const uint8_t *msg, size_t len, bool must_sign)
{
    smb_verify_result res = SMB_VERIFY_BAD_SIGNATURE;
    smb_status st = smb2_verify(s->ctx, msg, len, must_sign, &res, NULL, NULL);
    return srv_verify_outcome(st, res, must_sign);
}
