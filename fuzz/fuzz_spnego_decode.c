/* fuzz/fuzz_spnego_decode.c - libFuzzer target for spnego_decode (any input, no crash, no leak, no UB). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/spnego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct spnego_init in;
    struct spnego_resp rs;
    (void)spnego_init_decode(data, size, &in);
    (void)spnego_resp_decode(data, size, &rs);
    return 0;
}
