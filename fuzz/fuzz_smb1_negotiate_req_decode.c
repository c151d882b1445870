/* fuzz/fuzz_smb1_negotiate_req_decode.c - SMB1 NEGOTIATE request decoder (after the header). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/smb1/negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    smb_rd r;
    rd_init(&r, data, size);
    struct smb1_hdr h;
    if (smb1_hdr_decode(&r, &h) != SMB_OK)
        return 0;
    struct smb1_negotiate_req q;
    if (smb1_negotiate_req_decode(&r, &q) == SMB_OK) {
        for (unsigned i = 0; i < q.dialect_count; i++)
            if (strlen(q.dialects[i]) > SMB1_NEG_MAX_DIALECT_LEN)
                __builtin_trap();
        (void)smb1_negotiate_req_find(&q, SMB1_DIALECT_NT_LM_012);
    }
    return 0;
}
