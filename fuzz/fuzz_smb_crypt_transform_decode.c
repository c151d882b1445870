/*
 * fuzz/fuzz_smb_crypt_transform_decode.c - libFuzzer target for the SMB2
 * TRANSFORM_HEADER decoder (smb_crypt_transform_decode). Invariant: a header
 * that decodes encodes back to the same 52 bytes except Reserved; nothing
 * reads out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smbsign/crypt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *m = malloc(size ? size : 1);
    if (!m)
        return 0;
    memcpy(m, data, size);
    smb_transform_hdr h;
    if (smb_crypt_transform_decode(m, size, &h) == SMB_OK) {
        uint8_t again[SMB2_TRANSFORM_HDR_LEN];
        smb_crypt_transform_encode(&h, again);
        if (memcmp(again, m, 40) != 0 || memcmp(again + 42, m + 42, 10) != 0)
            abort();
    }
    free(m);
    return 0;
}
