/*
 * policy/hardened_inf.c - MS15-011 HardenedPaths values in a security
 * template's [Registry Values] (policy.h section 2): a line
 *   MACHINE\Software\Policies\Microsoft\Windows\NetworkProvider\HardenedPaths\\*\SYSVOL=1,"RequireMutualAuthentication=1, RequireIntegrity=1"
 * whose value name is itself a path, so it cannot be split at the last
 * backslash like the other values. Called by the INF parser for every line.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/text.h"

static const char prefix[] = "Software\\Policies\\Microsoft\\Windows\\NetworkProvider\\HardenedPaths\\";

int pol_inf_hardened(const char *path, size_t pn, uint32_t type, const char *data, size_t dn, uint32_t line,
                     smb_policy_layer *l, smb_policy_error *err)
{
    size_t k = 0;
    if (pn >= 8 && !strncasecmp(path, "MACHINE\\", 8))
        k = 8;
    size_t xn = sizeof prefix - 1;
    if (pn - k <= xn || strncasecmp(path + k, prefix, xn))
        return 0; /* not ours */
    smb_hardened_path hp;
    memset(&hp, 0, sizeof hp);
    if (!pol_copy(hp.path, sizeof hp.path, path + k + xn, pn - k - xn) || smb_policy_hardened_pattern_ok(hp.path) != 0) {
        return pol_fail(err, SMB_E_MALFORMED, line,
                 "hardened path '%.*s': expected \\\\*\\NAME, \\\\SERVER\\* or \\\\SERVER\\NAME",
                 (int)(pn - k - xn > 60 ? 60 : pn - k - xn), path + k + xn) ? -1 : 0; /* pol_fail returns its (failing) status */
    }
    if (type != 1) {
        return pol_fail(err, SMB_E_MALFORMED, line, "hardened path %s: expected type 1 (REG_SZ), got %u", hp.path, type) ? -1 : 0; /* pol_fail returns its (failing) status */
    }
    if (dn >= 2 && data[0] == '"' && data[dn - 1] == '"') {
        data++;
        dn -= 2;
    }
    smb_policy_error e2 = {0, ""};
    if (smb_policy_parse_hardened_value(data, dn, &hp, &e2) != SMB_OK) {
        return pol_fail(err, SMB_E_MALFORMED, line, "%s", e2.msg) ? -1 : 0; /* pol_fail returns its (failing) status */
    }
    hp.line = line;
    if (!smb_policy_layer_add_hardened(l, &hp)) {
        return pol_fail(err, SMB_E_OVERFLOW, line, "more than %d hardened paths", SMB_POLICY_MAX_HARDENED) ? -1 : 0; /* pol_fail returns its (failing) status */
    }
    return 1;
}
