/* fuzz/fuzz_smb1_read_rsp_decode.c - READ_ANDX response and request decoders. */
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
    const uint8_t *d;
    uint32_t dl;
    if (smb1_read_rsp_decode(data, size, &b, &d, &dl) == SMB_OK && dl && (d < data || d + dl > data + size))
        __builtin_trap();
    struct smb1_read_req q;
    (void)smb1_read_req_decode(&b, &q);
    uint16_t fid;
    (void)smb1_close_req_decode(&b, &fid);
    (void)smb1_echo_req_decode(&b, &fid);
    return 0;
}
