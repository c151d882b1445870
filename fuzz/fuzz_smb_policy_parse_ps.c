/* fuzz/fuzz_smb_policy_parse_ps.c - libFuzzer target for smb_policy_parse_ps (policy.h section 6),
 * as a workstation or (odd sizes) a server export; the checks are in policy_fuzz.h. */
#include "policy_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static SMB_WUR smb_status parse(const uint8_t *data, size_t size, smb_policy_layer *l, smb_policy_error *err)
{
    return smb_policy_parse_ps(data, size, "fuzz", size & 1 ? SMB_AUDIT_SERVER : 0, l, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return policy_fuzz_one(parse, data, size);
}
