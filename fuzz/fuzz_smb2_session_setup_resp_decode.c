/* fuzz/fuzz_smb2_session_setup_resp_decode.c - libFuzzer target for smb2_session_setup_resp_decode (any input, no crash, no leak, no UB). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "wire/smb2/session_setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb2_session_setup_resp out;
    volatile size_t sink = 0;
    smb_rd r;
    rd_init(&r, data, size);
    rd_seek(&r, 64);
    if (smb2_session_setup_resp_decode(&r, &out) == SMB_OK)
        sink += sizeof out;
    (void)sink;
    return 0;
}
