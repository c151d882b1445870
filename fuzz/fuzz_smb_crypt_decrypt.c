/*
 * fuzz/fuzz_smb_crypt_decrypt.c - libFuzzer target for the decrypt path
 * (smb_crypt_decrypt) with every cipher. The first input byte picks the
 * cipher; the rest is the received message. Invariants: nothing reads out of
 * bounds; a failed decryption hands out no plaintext; a message encrypted by
 * the matching sender always decrypts to the original bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smbsign/crypt.h"

static const uint8_t key[32] = {0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5,
                                0xb4, 0xc3, 0xd2, 0xe1, 0xf0, 1,    2,    3,    4,    5,    6,
                                7,    8,    9,    10,   11,   12,   13,   14,   15,   16};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    smb_cipher c = (smb_cipher)(1 + (data[0] & 3));
    data++;
    size--;
    smb_crypt_ctx *tx = NULL, *rx = NULL;
    if (smb_crypt_ctx_new(&tx, c, key, NULL) != SMB_OK || smb_crypt_ctx_new(&rx, c, NULL, key) != SMB_OK)
        abort();
    uint8_t *m = malloc(size + SMB2_TRANSFORM_HDR_LEN + 1);
    if (!m)
        abort();
    memcpy(m, data, size);
    uint8_t *plain = (uint8_t *)1;
    size_t plen = 1;
    smb_status st = smb_crypt_decrypt(rx, 0x1122334455667788ull, m, size, &plain, &plen);
    if (st != SMB_OK && (plain || plen))
        abort();
    /* round trip: the input as a plaintext message */
    if (size >= 64) {
        memcpy(m + SMB2_TRANSFORM_HDR_LEN, data, size);
        if (smb_crypt_encrypt(tx, 42, m, m + SMB2_TRANSFORM_HDR_LEN, size) != SMB_OK ||
            smb_crypt_decrypt(rx, 42, m, size + SMB2_TRANSFORM_HDR_LEN, &plain, &plen) != SMB_OK ||
            plen != size || memcmp(plain, data, size) != 0)
            abort();
    }
    free(m);
    smb_crypt_ctx_free(tx);
    smb_crypt_ctx_free(rx);
    return 0;
}
