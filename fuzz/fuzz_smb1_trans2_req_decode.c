/* fuzz/fuzz_smb1_trans2_req_decode.c - TRANSACTION2 request and response framing decoders. */
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
    struct smb1_trans2_req q;
    if (smb1_trans2_req_decode(data, size, &b, &q) == SMB_OK &&
        ((q.param_len && (q.param < data || q.param + q.param_len > data + size)) ||
         (q.data_len && (q.data < data || q.data + q.data_len > data + size))))
        __builtin_trap();
    const uint8_t *p, *d;
    uint16_t pl, dl;
    if (smb1_trans2_rsp_decode(data, size, &b, &p, &pl, &d, &dl) == SMB_OK &&
        ((pl && (p < data || p + pl > data + size)) || (dl && (d < data || d + dl > data + size))))
        __builtin_trap();
    return 0;
}
