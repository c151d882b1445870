/* fuzz/fuzz_smb_policy_parse_inf.c - libFuzzer target for smb_policy_parse_inf (policy.h section 6);
 * the checks are in policy_fuzz.h. */
#include "policy_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static SMB_WUR smb_status parse(const uint8_t *data, size_t size, smb_policy_layer *l, smb_policy_error *err)
{
    return smb_policy_parse_inf(data, size, "fuzz", l, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return policy_fuzz_one(parse, data, size);
}
