/* fuzz/fuzz_smb_auth_step.c - libFuzzer target for smb_auth_step (auth/mech.h)
 * with the NTLMSSP mechanism as a server: the input is the client's tokens.
 * Byte 0 picks the mode: bit 0 maps unknown users to guest; bit 1 feeds the
 * input as both tokens (split at byte 1), otherwise a genuine NEGOTIATE goes
 * first and the input is the AUTHENTICATE. A completed exchange then has its
 * key, identity and MIC operations run on the same input. No crash, no leak,
 * no UB; the context is wiped at the end. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/mech.h"
#include "auth/ntlmssp.h"

static bool lookup(const void *arg, const char *user, uint8_t h[16])
{
    (void)arg;
    if (strcmp(user, "alice") != 0)
        return false;
    memset(h, 0x5A, 16);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static struct smb_auth_ctx a;
    static uint8_t out[SMB_AUTH_TOKEN_MAX];
    struct smb_auth_server_cfg cfg = {.server_name = "FUZZ",
                                      .lookup = lookup,
                                      .max_user_len = 64,
                                      .unknown_user_is_guest = (data[0] & 1) != 0};
    size_t ol = 0;
    smb_status st = smb_auth_begin_server(&a, &smb_auth_mech_ntlmssp, &cfg);
    if (st != SMB_OK)
        return 0;
    const uint8_t *tok2 = data + 2;
    size_t t2len = size - 2;
    if (data[0] & 2) {
        size_t cut = data[1] < t2len ? data[1] : t2len;
        st = smb_auth_step(&a, tok2, cut, out, sizeof out, &ol);
        tok2 += cut;
        t2len -= cut;
    } else {
        uint8_t neg[NTLM_MAX_NEGOTIATE];
        size_t nl = 0;
        uint32_t flags = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_NTLM |
                         NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_KEY_EXCH |
                         (data[1] & 1 ? NTLMSSP_NEGOTIATE_128 : 0) | (data[1] & 2 ? NTLMSSP_NEGOTIATE_SIGN : 0);
        if (smb_ntlm_negotiate_encode(flags, neg, sizeof neg, &nl) == SMB_OK)
            st = smb_auth_step(&a, neg, nl, out, sizeof out, &ol);
    }
    if (st == SMB_E_MORE_PROCESSING_REQUIRED)
        st = smb_auth_step(&a, tok2, t2len, out, sizeof out, &ol);
    if (st == SMB_OK) {
        uint8_t key[SMB_AUTH_KEY_MAX], mic[SMB_AUTH_MIC_MAX];
        size_t kl = 0, ml = 0;
        struct smb_auth_identity id;
        (void)smb_auth_session_key(&a, key, sizeof key, &kl);
        (void)smb_auth_identity(&a, &id);
        (void)smb_auth_mic_wanted(&a);
        (void)smb_auth_mic_make(&a, data, size, mic, sizeof mic, &ml);
        (void)smb_auth_mic_verify(&a, data, size, data + size - (size < 16 ? size : 16), size < 16 ? size : 16);
    }
    smb_auth_wipe(&a);
    return 0;
}
