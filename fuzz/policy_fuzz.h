/* fuzz/policy_fuzz.h - the checks shared by the policy parser fuzz targets
 * (fuzz_smb_policy_parse_{reg,inf,ps}.c): no crash or sanitizer report; on
 * success every value is 0, 1, undefined or deleted and carries a line; on
 * failure the output layer is untouched (nothing half-applied). Then format
 * detection runs over the same bytes. */
#ifndef SMBSIGN_FUZZ_POLICY_FUZZ_H
#define SMBSIGN_FUZZ_POLICY_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smbsign/policy.h"

/* parse(data, size, layer, err) -> status: one parser with its arguments bound */
typedef smb_status (*policy_fuzz_parse)(const uint8_t *data, size_t size, smb_policy_layer *l,
                                        smb_policy_error *err);

static inline int policy_fuzz_one(policy_fuzz_parse parse, const uint8_t *data, size_t size)
{
    smb_policy_layer l, before;
    smb_policy_error err;
    memset(&l, 0x5A, sizeof l);
    before = l;
    if (parse(data, size, &l, &err) != SMB_OK) {
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
    smb_policy_layer a;
    (void)smb_policy_parse_any(data, size, "fuzz", 0, &a, NULL, &err);
    return 0;
}

#endif
