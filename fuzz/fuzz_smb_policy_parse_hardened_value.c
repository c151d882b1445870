/* fuzz/fuzz_smb_policy_parse_hardened_value.c - libFuzzer target for smb_policy_parse_hardened_value and
 * the hardened path pattern functions (policy.h section 2). The input is split at the first newline:
 * a pattern, then the flags string. Checks: no crash; flags end up 0, 1 or undefined; failure leaves
 * the entry untouched; a pattern that passes the check matches the UNC path it names literally (with
 * '*' replaced by a name) with a specificity of 1 to 3. */
#include <stdlib.h>
#include <string.h>

#include "smbsign/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool flag_ok(int8_t v) { return v == 0 || v == 1 || v == SMB_VALUE_UNDEFINED; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t pn = nl ? (size_t)(nl - s) : size;
    char pattern[SMB_HARDENED_PATH_MAX], unc[SMB_HARDENED_PATH_MAX + 8];
    if (pn < sizeof pattern && !memchr(s, 0, pn)) {
        memcpy(pattern, s, pn);
        pattern[pn] = 0;
        if (smb_policy_hardened_pattern_ok(pattern) == 0) {
            size_t k = 0;
            for (size_t i = 0; i < pn && k + 2 < sizeof unc; i++) {
                if (pattern[i] == '*') {
                    unc[k++] = 'x';
                    continue;
                }
                unc[k++] = pattern[i];
            }
            unc[k] = 0;
            int m = smb_policy_hardened_match(pattern, unc);
            if (m < 1 || m > 3)
                abort();
        }
        (void)smb_policy_hardened_match(pattern, "\\\\dc1\\SYSVOL\\x");
    }
    const char *v = nl ? nl + 1 : s + size;
    size_t vn = nl ? size - pn - 1 : 0;
    smb_hardened_path h, before;
    smb_policy_error err;
    memset(&h, 0x5A, sizeof h);
    before = h;
    if (smb_policy_parse_hardened_value(v, vn, &h, &err) != SMB_OK) {
        if (memcmp(&h, &before, sizeof h) != 0)
            abort();
        return 0;
    }
    if (!flag_ok(h.require_integrity) || !flag_ok(h.require_mutual_auth) || !flag_ok(h.require_privacy))
        abort();
    return 0;
}
