/* fuzz/fuzz_smb1_sess_setup_req_decode.c - SESSION_SETUP_ANDX request decoder (the first block of a whole
 * message). */
#include <stddef.h>
#include <stdint.h>

#include "wire/smb1/commands.h"
#include "wire/smb1/trans2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb1_block b;
    if (size < SMB1_HDR_LEN || smb1_block_parse(data, size, SMB1_HDR_LEN, data[4], &b) != SMB_OK)
        return 0;
    if (b.end > size || (b.word_count && !b.words))
        __builtin_trap();
    struct smb1_sess_setup_req q;
    if (smb1_sess_setup_req_decode(&b, &q) == SMB_OK && (q.blob < data || q.blob + q.blob_len > data + size))
        __builtin_trap();
    return 0;
}
