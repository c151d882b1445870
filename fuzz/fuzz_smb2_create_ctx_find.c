/* fuzz/fuzz_smb2_create_ctx_find.c - libFuzzer target for smb2_create_ctx_find
 * and smb2_lease_ctx_decode (the client's reading of a CREATE response's
 * context chain, session/client.c smb_cli_lease_granted): any input, no
 * crash, no leak, no UB, and a found context lies inside the chain. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "wire/smb2/create.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char names[3][4] = {{'R', 'q', 'L', 's'}, {'M', 'x', 'A', 'c'}, {'Q', 'F', 'i', 'd'}};
    struct smb2_buf chain = {data, size}, d;
    for (int i = 0; i < 3; i++) {
        if (smb2_create_ctx_find(chain, names[i], &d) != SMB_OK)
            continue;
        if (d.len && (d.p < data || d.p + d.len > data + size))
            abort(); /* a context reaching outside the chain */
        struct smb2_lease_ctx l;
        if (i == 0 && smb2_lease_ctx_decode(d, &l) == SMB_OK && l.version != 1 && l.version != 2)
            abort();
    }
    return 0;
}
