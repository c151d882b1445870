/* fuzz/fuzz_der_read_tlv.c - libFuzzer target for der_read_tlv (any input, no crash, no leak, no UB). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/der.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    smb_rd r, v;
    uint8_t tag;
    rd_init(&r, data, size);
    /* walk nested TLVs depth-first up to a fixed depth */
    smb_rd stack[16];
    int depth = 0;
    stack[0] = r;
    while (depth >= 0) {
        if (rd_remaining(&stack[depth]) == 0 || der_read_tlv(&stack[depth], &tag, &v) != SMB_OK) {
            depth--;
            continue;
        }
        if ((tag & 0x20) && depth < 15)
            stack[++depth] = v;
    }
    return 0;
}
