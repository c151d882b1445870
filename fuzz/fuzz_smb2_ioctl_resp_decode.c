/* fuzz/fuzz_smb2_ioctl_resp_decode.c - libFuzzer target for smb2_ioctl_resp_decode (any input, no crash, no leak, no UB). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "wire/smb2/ioctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb2_ioctl_resp out;
    struct smb2_vni_resp v;
    smb_rd r;
    rd_init(&r, data, size);
    rd_seek(&r, 64);
    if (smb2_ioctl_resp_decode(&r, &out) == SMB_OK && out.output.len)
        (void)smb2_vni_resp_decode(out.output, &v);
    return 0;
}
