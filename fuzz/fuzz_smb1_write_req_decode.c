/* fuzz/fuzz_smb1_write_req_decode.c - WRITE_ANDX request decoder (DataOffset/DataLength checked against the
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
    struct smb1_write_req q;
    if (smb1_write_req_decode(data, size, &b, &q) == SMB_OK &&
        (q.data < data || q.data + q.data_len > data + size))
        __builtin_trap();
    uint32_t count;
    (void)smb1_write_rsp_decode(&b, &count);
    return 0;
}
