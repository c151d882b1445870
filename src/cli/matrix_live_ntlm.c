/* cli/matrix_live_ntlm.c - the observer's view of the NTLMSSP exchange, shared
 * by the SMB1 and SMB2 families of `matrix --live`: a thin use of the
 * library's observer (auth/ntlm_observer.h) with the test password. */
#include <stdio.h>
#include <string.h>

#include "auth/ntlm_observer.h"
#include "cli/matrix_live.h"
#include "crypto/crypto.h"

void live_ntlm_note(struct live_ntlm *x, const uint8_t *blob, size_t len)
{
    (void)ntlm_obs_note(&x->o, blob, len);
}

smb_status live_ntlm_session_key(const struct live_ntlm *x, struct live_obs *out, uint8_t key[16])
{
    if (!ntlm_obs_complete(&x->o)) {
        snprintf(out->note, sizeof out->note, "NTLMSSP exchange not found in the capture");
        return SMB_E_NOT_FOUND;
    }
    uint8_t nt[16];
    smb_status st = smb_ntlm_nt_hash(LIVE_PASSWORD, nt);
    if (st == SMB_OK)
        st = ntlm_obs_session_key(&x->o, nt, key);
    smb_wipe(nt, sizeof nt);
    if (st != SMB_OK)
        snprintf(out->note, sizeof out->note, "observer could not derive the session key: %s", smb_status_name(st));
    return st;
}
