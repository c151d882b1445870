/*
 * policy/parse_reg.c - .reg files (REGEDIT4 and "Windows Registry Editor
 * Version 5.00"), UTF-16LE with BOM or UTF-8/ASCII (policy.h section 6).
 *
 * Grammar handled (REFERENCES.md "Configuration formats"):
 *   header line; ';' comments; [KEY] and [-KEY] (delete key and subkeys);
 *   "Name"=dword:XXXXXXXX, "Name"="string", "Name"=hex...: (other types),
 *   "Name"=- (delete value), @=... (default value, ignored); a trailing '\'
 *   continues a line (hex data). Key paths compare case-insensitively.
 * Only the keys of smb_policy_map_registry matter; other keys are skipped but
 * still syntax-checked. The layer is built in a copy and returned only when
 * the whole file parsed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/text.h"

#define REG_KEY_MAX 512

/* Key suffixes (after ...\Services\) that carry our values. */
static const char *const our_keys[] = {"LanmanWorkstation\\Parameters", "Rdr\\Parameters", "VxD\\VNetsup",
                                       "LanmanServer\\Parameters"};

/* Remainder after "...\Services\" (or "" for the Services key itself), NULL if the key is elsewhere. */
static const char *services_rest(const char *key)
{
    static const char *const prefixes[] = {"HKEY_LOCAL_MACHINE\\", "HKLM\\"};
    const char *p = key;
    for (size_t i = 0; i < 2; i++)
        if (!strncasecmp(p, prefixes[i], strlen(prefixes[i]))) {
            p += strlen(prefixes[i]);
            break;
        }
    if (strncasecmp(p, "SYSTEM\\", 7))
        return NULL;
    p += 7;
    if (!strncasecmp(p, "CurrentControlSet", 17)) {
        p += 17;
    } else if (!strncasecmp(p, "ControlSet", 10)) {
        p += 10;
        while (*p >= '0' && *p <= '9')
            p++;
    } else {
        return NULL;
    }
    if (*p == '\0')
        return "";
    if (*p != '\\')
        return NULL;
    p++;
    if (!strncasecmp(p, "Services", 8) && (p[8] == '\0' || p[8] == '\\'))
        return p[8] ? p + 9 : "";
    return NULL;
}

/* Apply [-KEY]: every one of our values under KEY becomes DELETED. */
static void delete_key(smb_policy_layer *l, const char *key, uint32_t line)
{
    const char *rest = services_rest(key);
    if (!rest)
        return;
    size_t rn = strlen(rest);
    while (rn > 0 && rest[rn - 1] == '\\')
        rn--;
    for (size_t i = 0; i < sizeof our_keys / sizeof our_keys[0]; i++) {
        const char *k = our_keys[i];
        if (rn && (strncasecmp(k, rest, rn) || (k[rn] != '\0' && k[rn] != '\\')))
            continue;
        static const char *const names[] = {"RequireSecuritySignature", "EnableSecuritySignature",
                                            "enableW9xsecuritysignature"};
        char full[REG_KEY_MAX];
        snprintf(full, sizeof full, "HKLM\\SYSTEM\\CurrentControlSet\\Services\\%s", k);
        for (size_t j = 0; j < 3; j++) {
            smb_setting s;
            if (smb_policy_map_registry(full, names[j], &s) == 0)
                smb_policy_layer_set(l, s, SMB_VALUE_DELETED, 0, 0, line);
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

smb_status pol_parse_reg_text(const char *t, size_t tn, smb_policy_layer *out, smb_policy_error *err)
{
    smb_policy_layer tmp = *out;
    pol_lines L;
    const char *ln;
    size_t n;
    bool header = false, in_key = false;
    char key[REG_KEY_MAX] = "";
    char *logical = malloc(SMB_POLICY_MAX_LINE + 1);
    smb_status st = SMB_OK;
    if (!logical)
        return pol_fail(err, SMB_E_NOMEM, 0, "out of memory");
    pol_lines_init(&L, t, tn);
    while (pol_lines_next(&L, &ln, &n)) {
        uint32_t lineno = L.lineno;
        pol_trim(&ln, &n);
        /* Join continuation lines ending in '\' (hex data spread over lines). */
        size_t ll = 0;
        for (;;) {
            bool cont = n > 0 && ln[n - 1] == '\\' && ln[0] != '[' && ln[0] != ';';
            size_t take = cont ? n - 1 : n;
            if (ll + take > SMB_POLICY_MAX_LINE) {
                st = pol_fail(err, SMB_E_OVERFLOW, lineno, "line longer than %u characters", SMB_POLICY_MAX_LINE);
                goto out;
            }
            memcpy(logical + ll, ln, take);
            ll += take;
            if (!cont)
                break;
            if (!pol_lines_next(&L, &ln, &n)) {
                st = pol_fail(err, SMB_E_TRUNCATED, L.lineno, "file ends inside a continued line");
                goto out;
            }
            pol_trim(&ln, &n);
        }
        logical[ll] = '\0';
        const char *s = logical;
        n = ll;
        if (n == 0 || s[0] == ';')
            continue;
        if (!header) {
            if (pol_ieq(s, n, "Windows Registry Editor Version 5.00") || pol_ieq(s, n, "REGEDIT4")) {
                header = true;
                continue;
            }
            st = pol_fail(err, SMB_E_MALFORMED, lineno,
                          "not a .reg file: expected 'Windows Registry Editor Version 5.00' or 'REGEDIT4'");
            goto out;
        }
        if (s[0] == '[') {
            if (s[n - 1] != ']' || n < 3) {
                st = pol_fail(err, SMB_E_MALFORMED, lineno, "unterminated key name (missing ']')");
                goto out;
            }
            bool del = s[1] == '-';
            const char *k = s + (del ? 2 : 1);
            size_t kn = n - (del ? 3 : 2);
            if (kn == 0) {
                st = pol_fail(err, SMB_E_MALFORMED, lineno, "empty key name");
                goto out;
            }
            if (!pol_copy(key, sizeof key, k, kn)) {
                st = pol_fail(err, SMB_E_OVERFLOW, lineno, "key name longer than %d characters", REG_KEY_MAX - 1);
                goto out;
            }
            size_t klen = strlen(key);
            while (klen > 0 && key[klen - 1] == '\\')
                key[--klen] = '\0';
            if (del) {
                delete_key(&tmp, key, lineno);
                in_key = false;
            } else {
                in_key = true;
            }
            continue;
        }
        char name[256];
        const char *p = s, *end = s + n;
        if (*p == '@') {
            p++;
            name[0] = '\0';
        } else if (*p == '"') {
            size_t k = 0;
            p++;
            while (p < end && *p != '"') {
                if (*p == '\\' && p + 1 < end)
                    p++;
                if (k + 1 >= sizeof name) {
                    st = pol_fail(err, SMB_E_OVERFLOW, lineno, "value name too long");
                    goto out;
                }
                name[k++] = *p++;
            }
            if (p >= end) {
                st = pol_fail(err, SMB_E_MALFORMED, lineno, "unterminated value name (missing '\"')");
                goto out;
            }
            p++;
            name[k] = '\0';
        } else {
            st = pol_fail(err, SMB_E_MALFORMED, lineno, "expected [KEY], \"Name\"=data, @=data or ';' comment");
            goto out;
        }
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= end || *p != '=') {
            st = pol_fail(err, SMB_E_MALFORMED, lineno, "expected '=' after the value name");
            goto out;
        }
        p++;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (!in_key) {
            st = pol_fail(err, SMB_E_MALFORMED, lineno, "value outside any [KEY] section");
            goto out;
        }
        size_t dn = (size_t)(end - p);
        enum { T_DWORD, T_DELETE, T_OTHER } type;
        uint32_t raw = 0;
        if (pol_iprefix(p, dn, "dword:")) {
            const char *h = p + 6;
            size_t hn = dn - 6;
            pol_trim(&h, &hn);
            if (hn == 0 || hn > 8) {
                st = pol_fail(err, SMB_E_MALFORMED, lineno, "bad DWORD: expected 1 to 8 hex digits after 'dword:'");
                goto out;
            }
            for (size_t i = 0; i < hn; i++) {
                int v = hexval(h[i]);
                if (v < 0) {
                    st = pol_fail(err, SMB_E_MALFORMED, lineno, "bad DWORD: '%c' is not a hex digit", h[i]);
                    goto out;
                }
                raw = (raw << 4) | (uint32_t)v;
            }
            type = T_DWORD;
        } else if (dn == 1 && *p == '-') {
            type = T_DELETE;
        } else if (dn >= 2 && *p == '"' && p[dn - 1] == '"') {
            type = T_OTHER;
        } else if (pol_iprefix(p, dn, "hex:") || pol_iprefix(p, dn, "hex(")) {
            type = T_OTHER;
        } else {
            st = pol_fail(err, SMB_E_MALFORMED, lineno, "unrecognised value data (expected dword:, \"string\", hex: or -)");
            goto out;
        }
        smb_setting set;
        if (!name[0] || smb_policy_map_registry(key, name, &set) != 0)
            continue;
        if (type == T_DWORD)
            smb_policy_layer_set(&tmp, set, raw ? 1 : 0, raw, raw > 1 ? SMB_VALUE_F_NOT_BOOLEAN : 0, lineno);
        else if (type == T_DELETE)
            smb_policy_layer_set(&tmp, set, SMB_VALUE_DELETED, 0, 0, lineno);
        else
            smb_policy_layer_set(&tmp, set, SMB_VALUE_UNDEFINED, 0, SMB_VALUE_F_WRONG_TYPE, lineno);
    }
    if (!header) {
        st = pol_fail(err, SMB_E_MALFORMED, L.lineno ? L.lineno : 1, "empty file: no .reg header");
        goto out;
    }
    *out = tmp;
out:
    free(logical);
    return st;
}

smb_status smb_policy_parse_reg(const uint8_t *buf, size_t len, const char *name, smb_policy_layer *out,
                                smb_policy_error *err)
{
    pol_text tx;
    smb_policy_layer l;
    smb_status st = pol_text_decode(buf, len, &tx, err);
    if (st != SMB_OK)
        return st;
    smb_policy_layer_init(&l, SMB_SOURCE_REGISTRY, name);
    st = pol_parse_reg_text(tx.buf, tx.len, &l, err);
    free(tx.buf);
    if (st == SMB_OK)
        *out = l;
    return st;
}
