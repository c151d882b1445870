/* fuzz/fuzz_smb2_negotiate_req_decode.c - SMB2 NEGOTIATE request decoder (whole message). */
#include <stddef.h>
#include <stdint.h>

#include "wire/smb2/negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb2_negotiate_req req;
    if (smb2_negotiate_req_parse(data, size, &req) == SMB_OK) {
        if (req.dialect_count == 0 || req.dialect_count > SMB2_NEG_MAX_DIALECTS)
            __builtin_trap();
        uint8_t out[70000];
        smb_wr w;
        wr_init(&w, out, sizeof out);
        wr_zero(&w, 64);
        (void)smb2_negotiate_req_encode(&w, 0, &req);
    }
    return 0;
}
