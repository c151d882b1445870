/* fuzz/fuzz_smb1_negotiate_answer_parse.c - answer to an SMB1 NEGOTIATE: SMB1
 * response decoder (smb1_negotiate_rsp_decode) or an SMB2 answer. */
#include <stddef.h>
#include <stdint.h>

#include "wire/smb1/negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb1_negotiate_answer a;
    if (smb1_negotiate_answer_parse(data, size, &a) == SMB_OK && a.kind == SMB1_ANSWER_SMB1) {
        const struct smb1_negotiate_rsp *s = &a.smb1;
        if (s->security_blob_len &&
            (s->security_blob < data || s->security_blob + s->security_blob_len > data + size))
            __builtin_trap();
        if (s->challenge_length && s->challenge && s->challenge + s->challenge_length > data + size)
            __builtin_trap();
        if (s->domain_name_len && s->domain_name + s->domain_name_len > data + size)
            __builtin_trap();
    }
    return 0;
}
