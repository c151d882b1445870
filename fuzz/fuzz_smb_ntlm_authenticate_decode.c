/* fuzz/fuzz_smb_ntlm_authenticate_decode.c - libFuzzer target for smb_ntlm_authenticate_decode (any input, no crash, no leak, no UB). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/ntlmssp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ntlm_authenticate a;
    struct ntlm_negotiate n;
    (void)smb_ntlm_authenticate_decode(data, size, &a);
    (void)smb_ntlm_negotiate_decode(data, size, &n);
    /* server verification against a fixed challenge */
    static const uint8_t neg[40] = "NTLMSSP\0\1\0\0\0";
    uint8_t chal[256], nt[16] = {1};
    size_t cl;
    struct ntlm_challenge c;
    memset(&c, 0, sizeof c);
    c.flags = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_KEY_EXCH;
    if (smb_ntlm_challenge_encode(&c, chal, sizeof chal, &cl) == SMB_OK) {
        struct ntlm_verify_result res;
        (void)smb_ntlm_server_verify(neg, sizeof neg, chal, cl, data, size, nt, &res);
    }
    return 0;
}
