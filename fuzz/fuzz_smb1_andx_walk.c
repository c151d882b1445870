/* fuzz/fuzz_smb1_andx_walk.c - bounded AndX chain walking: every block inside the
 * message, offsets strictly forward, at most SMB1_MAX_ANDX blocks. */
#include <stddef.h>
#include <stdint.h>

#include "wire/smb1/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb1_block bl[SMB1_MAX_ANDX];
    size_t n = 0;
    if (smb1_andx_walk(data, size, bl, SMB1_MAX_ANDX, &n) != SMB_OK)
        return 0;
    if (n == 0 || n > SMB1_MAX_ANDX)
        __builtin_trap();
    for (size_t i = 0; i < n; i++) {
        if (bl[i].end > size || bl[i].off < SMB1_HDR_LEN)
            __builtin_trap();
        if (i && bl[i].off <= bl[i - 1].off)
            __builtin_trap();
    }
    return 0;
}
