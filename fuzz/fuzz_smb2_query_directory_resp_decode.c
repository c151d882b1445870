/* fuzz/fuzz_smb2_query_directory_resp_decode.c - libFuzzer target for smb2_query_directory_resp_decode (any input, no crash, no leak, no UB). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "wire/smb2/query_directory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb2_query_directory_resp out;
    smb_rd r;
    if (size < 1)
        return 0;
    uint8_t cls = data[0]; /* first byte picks the information class */
    rd_init(&r, data + 1, size - 1);
    rd_seek(&r, 64);
    if (smb2_query_directory_resp_decode(&r, &out) == SMB_OK) {
        struct smb2_dir_iter it;
        struct smb2_dirent e;
        smb2_dir_iter_init(&it, cls, out.output);
        for (int i = 0; i < 100000 && smb2_dir_iter_next(&it, &e) == SMB_OK; i++)
            ;
    }
    return 0;
}
