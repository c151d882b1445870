/* fuzz/fuzz_smb_policy_parse_reg.c - libFuzzer target for smb_policy_parse_reg (policy.h section 6).
 * Checks: no crash or sanitizer report; on success every value is 0, 1, undefined or deleted
 * and carries a line; on failure the output layer is untouched. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smbsign/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    smb_policy_layer l, before;
    smb_policy_error err;
    memset(&l, 0x5A, sizeof l);
    before = l;
    smb_status st = smb_policy_parse_reg(data, size, "fuzz", &l, &err);
    if (st != SMB_OK) {
        if (memcmp(&l, &before, sizeof l) != 0)
            abort(); /* half-applied */
        return 0;
    }
    for (int s = 0; s < SMB_SETTING_COUNT; s++) {
        int8_t v = l.v[s].value;
        if (v != 0 && v != 1 && v != SMB_VALUE_UNDEFINED && v != SMB_VALUE_DELETED)
            abort();
        if (v != SMB_VALUE_UNDEFINED && l.v[s].line == 0)
            abort();
    }
    /* exercise format detection on the same bytes */
    smb_policy_layer a;
    (void)smb_policy_parse_any(data, size, "fuzz", 0, &a, NULL, &err);
    return 0;
}
