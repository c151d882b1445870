/* fuzz/fuzz_smb2_negotiate_rsp_decode.c - SMB2 NEGOTIATE response decoder (whole message). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/smb2/negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb2_negotiate_rsp rsp;
    if (smb2_negotiate_rsp_parse(data, size, &rsp) == SMB_OK) {
        /* every range we hand out lies inside the input */
        if (rsp.security_buffer_len) {
            if (rsp.security_buffer < data || rsp.security_buffer + rsp.security_buffer_len > data + size)
                __builtin_trap();
            volatile uint8_t x = rsp.security_buffer[rsp.security_buffer_len - 1];
            (void)x;
        }
        if (rsp.ctx.netname_len &&
            (rsp.ctx.netname < data || rsp.ctx.netname + rsp.ctx.netname_len > data + size))
            __builtin_trap();
        /* re-encode what we accepted: the encoder must take it */
        uint8_t out[70000];
        smb_wr w;
        wr_init(&w, out, sizeof out);
        wr_zero(&w, 64);
        (void)smb2_negotiate_rsp_encode(&w, 0, &rsp);
    }
    return 0;
}
