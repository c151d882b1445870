/* fuzz/fuzz_smb_ntlm_challenge_decode.c - libFuzzer target for smb_ntlm_challenge_decode (any input, no crash, no leak, no UB). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/ntlmssp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ntlm_challenge ch;
    (void)smb_ntlm_challenge_decode(data, size, &ch);
    /* and the whole client path over it */
    struct smb_ntlm_client c;
    uint8_t neg[NTLM_MAX_NEGOTIATE], out[NTLM_MAX_MSG];
    size_t nl, ol;
    if (smb_ntlm_client_init(&c, "user", "DOM", "pw", "WS") == SMB_OK &&
        smb_ntlm_client_negotiate(&c, neg, sizeof neg, &nl) == SMB_OK) {
        c.fixed = 1;
        (void)smb_ntlm_client_authenticate(&c, data, size, out, sizeof out, &ol);
    }
    smb_ntlm_client_wipe(&c);
    return 0;
}
