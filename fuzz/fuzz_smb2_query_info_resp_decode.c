/* fuzz/fuzz_smb2_query_info_resp_decode.c - libFuzzer target for smb2_query_info_resp_decode (any input, no crash, no leak, no UB). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "wire/smb2/query_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb2_query_info_resp out;
    struct smb2_file_all_info ai;
    smb_rd r;
    rd_init(&r, data, size);
    rd_seek(&r, 64);
    if (smb2_query_info_resp_decode(&r, &out) == SMB_OK)
        (void)smb2_file_all_info_decode(out.output, &ai);
    return 0;
}
