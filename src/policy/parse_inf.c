/*
 * policy/parse_inf.c - GPO security templates (GptTmpl.inf) and secedit
 * /export output: UTF-16LE or UTF-8 INF (policy.h section 6).
 *
 * Only [Registry Values] matters: lines
 *   MACHINE\System\CurrentControlSet\Services\LanManServer\Parameters\RequireSecuritySignature=4,1
 * where the number before the comma is the registry type (4 = REG_DWORD) and
 * the rest the data (MS-GPSB 2.2.5). Windows writes [Unicode] and [Version]
 * (UTF-16LE, CRLF); `samba-tool gpo manage security set` writes ASCII with LF
 * and no [Version] (e.g. only [Kerberos Policy] / [System Access], and
 * "PATH = 4,1" with spaces once it has rewritten a [Registry Values] section).
 * So a file is a security template when it has [Version] or, failing that, at
 * least one section named as in MS-GPSB 2.2 (the layer then carries
 * SMB_LAYER_NOTE_NO_VERSION); a file whose sections are all unknown (an
 * smb.conf's [global]) is refused. Text before the first section is an
 * error. Nothing is applied unless the whole file parses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/text.h"

/* Section names of security templates (MS-GPSB 2.2 and secedit's own). */
static const char *const known_sections[] = {
    "Unicode",        "Version",          "System Access",   "Kerberos Policy", "Event Audit",
    "Registry Values", "Privilege Rights", "Group Membership", "Service General Setting",
    "Registry Keys",  "File Security",    "System Log",      "Security Log",    "Application Log",
    "Profile Description",
};

static bool known_section(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof known_sections / sizeof known_sections[0]; i++)
        if (pol_ieq(s, n, known_sections[i]))
            return true;
    return false;
}

static bool parse_u32(const char *s, size_t n, uint32_t *out)
{
    uint64_t v = 0;
    int base = 10;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        n -= 2;
    }
    if (n == 0 || n > 10)
        return false;
    for (size_t i = 0; i < n; i++) {
        int d;
        char c = s[i];
        if (c >= '0' && c <= '9') d = c - '0';
        else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return false;
        v = v * (uint64_t)base + (uint64_t)d;
        if (v > 0xFFFFFFFFu)
            return false;
    }
    *out = (uint32_t)v;
    return true;
}

smb_status pol_parse_inf_text(const char *t, size_t tn, smb_policy_layer *out, smb_policy_error *err)
{
    smb_policy_layer tmp = *out;
    pol_lines L;
    const char *s;
    size_t n;
    bool any_section = false, version = false, regvals = false, known = false;
    uint32_t first_line = 0;
    char first[64] = "";
    bool first_cut = false;
    pol_lines_init(&L, t, tn);
    while (pol_lines_next(&L, &s, &n)) {
        uint32_t lineno = L.lineno;
        pol_trim(&s, &n);
        if (n == 0 || s[0] == ';')
            continue;
        if (n > SMB_POLICY_MAX_LINE)
            return pol_fail(err, SMB_E_OVERFLOW, lineno, "line longer than %u characters", SMB_POLICY_MAX_LINE);
        if (s[0] == '[') {
            if (s[n - 1] != ']')
                return pol_fail(err, SMB_E_MALFORMED, lineno, "unterminated section name (missing ']')");
            const char *sec = s + 1;
            size_t sn = n - 2;
            pol_trim(&sec, &sn);
            if (!any_section) {
                first_line = lineno;
                first_cut = sn > 40;
                (void)pol_copy(first, sizeof first, sec, first_cut ? 40 : sn);
            }
            any_section = true;
            known = known || known_section(sec, sn);
            regvals = pol_ieq(sec, sn, "Registry Values");
            if (pol_ieq(sec, sn, "Version"))
                version = true;
            continue;
        }
        if (!any_section)
            return pol_fail(err, SMB_E_MALFORMED, lineno,
                            "text before the first [section]: not a security template (GptTmpl.inf / secedit export)");
        if (!regvals)
            continue;
        const char *eq = memchr(s, '=', n);
        if (!eq)
            return pol_fail(err, SMB_E_MALFORMED, lineno, "expected PATH\\VALUE=TYPE,DATA in [Registry Values]");
        const char *path = s;
        size_t pn = (size_t)(eq - s);
        pol_trim(&path, &pn);
        const char *rhs = eq + 1;
        size_t rn = (size_t)(s + n - rhs);
        pol_trim(&rhs, &rn);
        const char *comma = memchr(rhs, ',', rn);
        const char *ty = rhs;
        size_t tyn = comma ? (size_t)(comma - rhs) : rn;
        pol_trim(&ty, &tyn);
        uint32_t type;
        if (!parse_u32(ty, tyn, &type) || type > 11)
            return pol_fail(err, SMB_E_MALFORMED, lineno, "bad registry value type '%.*s' (expected 1-11, 4 = REG_DWORD)",
                            (int)(tyn > 20 ? 20 : tyn), ty);
        if (!comma)
            return pol_fail(err, SMB_E_MALFORMED, lineno, "missing ',DATA' after the registry value type");
        const char *data = comma + 1;
        size_t dn = (size_t)(rhs + rn - data);
        pol_trim(&data, &dn);
        int hp = pol_inf_hardened(path, pn, type, data, dn, lineno, &tmp, err); /* MS15-011 paths */
        if (hp < 0)
            return SMB_E_MALFORMED;
        if (hp > 0)
            continue;
        /* Split PATH at the last backslash into key and value name. */
        const char *bs = NULL;
        for (size_t i = 0; i < pn; i++)
            if (path[i] == '\\')
                bs = path + i;
        if (!bs || bs == path || (size_t)(bs - path) + 1 >= pn)
            return pol_fail(err, SMB_E_MALFORMED, lineno, "registry path has no value name");
        char key[512], vname[256];
        if (!pol_copy(key, sizeof key, path, (size_t)(bs - path)) ||
            !pol_copy(vname, sizeof vname, bs + 1, pn - (size_t)(bs - path) - 1))
            return pol_fail(err, SMB_E_OVERFLOW, lineno, "registry path too long");
        smb_setting set;
        if (smb_policy_map_registry(key, vname, &set) != 0) {
            if (type == 4) {
                uint32_t ignored;
                if (!parse_u32(data, dn, &ignored))
                    return pol_fail(err, SMB_E_MALFORMED, lineno, "bad DWORD data '%.*s'", (int)(dn > 20 ? 20 : dn),
                                    data);
            }
            continue;
        }
        if (type != 4) {
            smb_policy_layer_set(&tmp, set, SMB_VALUE_UNDEFINED, 0, SMB_VALUE_F_WRONG_TYPE, lineno);
            continue;
        }
        uint32_t raw;
        if (!parse_u32(data, dn, &raw))
            return pol_fail(err, SMB_E_MALFORMED, lineno, "bad DWORD data '%.*s' (expected a decimal number)",
                            (int)(dn > 20 ? 20 : dn), data);
        smb_policy_layer_set(&tmp, set, raw ? 1 : 0, raw, raw > 1 ? SMB_VALUE_F_NOT_BOOLEAN : 0, lineno);
    }
    if (!any_section)
        return pol_fail(err, SMB_E_MALFORMED, 1, "no [section] at all: not a security template");
    if (!version && !known)
        return pol_fail(err, SMB_E_MALFORMED, first_line,
                        "no [Version] and no security template section ([%s]%s is not one; expected e.g. "
                        "[Registry Values], [System Access], [Kerberos Policy])",
                        first, first_cut ? "..." : "");
    if (!version)
        tmp.notes |= SMB_LAYER_NOTE_NO_VERSION;
    *out = tmp;
    return SMB_OK;
}

smb_status smb_policy_parse_inf(const uint8_t *buf, size_t len, const char *name, smb_policy_layer *out,
                                smb_policy_error *err)
{
    pol_text tx;
    smb_policy_layer l;
    smb_status st = pol_text_decode(buf, len, &tx, err);
    if (st != SMB_OK)
        return st;
    smb_policy_layer_init(&l, SMB_SOURCE_LOCAL_POLICY, name);
    st = pol_parse_inf_text(tx.buf, tx.len, &l, err);
    free(tx.buf);
    if (st == SMB_OK)
        *out = l;
    return st;
}
