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

/* The HardenedPaths key (MS15-011), after an optional HKEY_LOCAL_MACHINE\ / HKLM\ prefix. */
static const char hardened_key[] = "SOFTWARE\\Policies\\Microsoft\\Windows\\NetworkProvider\\HardenedPaths";
static const char *const policy_keys[] = {"SOFTWARE\\Policies\\Microsoft\\Windows\\LanmanWorkstation",
                                          "SOFTWARE\\Policies\\Microsoft\\Windows\\LanmanServer", hardened_key};

static const char *strip_hklm(const char *key)
{
    if (!strncasecmp(key, "HKEY_LOCAL_MACHINE\\", 19))
        return key + 19;
    if (!strncasecmp(key, "HKLM\\", 5))
        return key + 5;
    return key;
}

/* True when deleting key (prefix, without trailing '\\') removes full. */
static bool covers(const char *del, size_t dn, const char *full)
{
    return !strncasecmp(full, del, dn) && (full[dn] == '\0' || full[dn] == '\\');
}

/* Apply [-KEY] to one full key path: every one of our values there becomes DELETED. */
static void delete_values(smb_policy_layer *l, const char *full, uint32_t line)
{
    for (int s = 0; s < SMB_SETTING_COUNT; s++) {
        smb_setting got;
        const char *name = smb_policy_setting_desc((smb_setting)s)->value_name;
        if (smb_policy_map_registry(full, name, &got) == 0 && got == (smb_setting)s)
            smb_policy_layer_set(l, got, SMB_VALUE_DELETED, 0, 0, line);
    }
}

/* Apply [-KEY]: every one of our values under KEY becomes DELETED. */
static void delete_key(smb_policy_layer *l, const char *key, uint32_t line)
{
    char full[REG_KEY_MAX];
    const char *sk = strip_hklm(key);
    size_t sn = strlen(sk);
    while (sn > 0 && sk[sn - 1] == '\\')
        sn--;
    for (size_t i = 0; i < sizeof policy_keys / sizeof policy_keys[0]; i++) {
        if (!covers(sk, sn, policy_keys[i]))
            continue;
        if (policy_keys[i] == hardened_key) {
            l->hp_key_deleted = true;
            l->n_hp = 0;
        } else {
            snprintf(full, sizeof full, "HKLM\\%s", policy_keys[i]);
            delete_values(l, full, line);
        }
    }
    const char *rest = services_rest(key);
    if (!rest)
        return;
    size_t rn = strlen(rest);
    while (rn > 0 && rest[rn - 1] == '\\')
        rn--;
    for (size_t i = 0; i < sizeof our_keys / sizeof our_keys[0]; i++) {
        const char *k = our_keys[i];
        if (rn && !covers(rest, rn, k))
            continue;
        snprintf(full, sizeof full, "HKLM\\SYSTEM\\CurrentControlSet\\Services\\%s", k);
        delete_values(l, full, line);
    }
}

static bool is_hardened_key(const char *key)
{
    return !strcasecmp(strip_hklm(key), hardened_key);
}

/* A "\\*\SYSVOL"="RequireMutualAuthentication=1, RequireIntegrity=1" value (or its deletion). */
static SMB_WUR smb_status hardened_value(smb_policy_layer *l, const char *name, const char *data, size_t dn, bool del,
                                 uint32_t line, smb_policy_error *err)
{
    smb_hardened_path hp;
    memset(&hp, 0, sizeof hp);
    if (smb_policy_hardened_pattern_ok(name) != 0)
        return pol_fail(err, SMB_E_MALFORMED, line,
                        "hardened path '%.60s': expected \\\\*\\NAME, \\\\SERVER\\* or \\\\SERVER\\NAME", name);
    if (!pol_copy(hp.path, sizeof hp.path, name, strlen(name)))
        return pol_fail(err, SMB_E_OVERFLOW, line, "hardened path longer than %d characters", SMB_HARDENED_PATH_MAX - 1);
    hp.line = line;
    hp.deleted = del;
    hp.require_mutual_auth = hp.require_integrity = hp.require_privacy = SMB_VALUE_UNDEFINED;
    if (!del) {
        char buf[SMB_POLICY_MAX_LINE];
        size_t k = 0;
        /* string data without its quotes; \" and \\ escapes */
        for (size_t i = 1; i + 1 < dn && k + 1 < sizeof buf; i++) {
            if (data[i] == '\\' && i + 2 < dn)
                i++;
            buf[k++] = data[i];
        }
        smb_policy_error e2 = {0, ""};
        if (smb_policy_parse_hardened_value(buf, k, &hp, &e2) != SMB_OK)
            return pol_fail(err, SMB_E_MALFORMED, line, "%s", e2.msg);
    }
    if (!smb_policy_layer_add_hardened(l, &hp))
        return pol_fail(err, SMB_E_OVERFLOW, line, "more than %d hardened paths", SMB_POLICY_MAX_HARDENED);
    return SMB_OK;
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
        if (name[0] && is_hardened_key(key)) {
            if (type == T_DWORD || (type == T_OTHER && *p != '"')) {
                st = pol_fail(err, SMB_E_MALFORMED, lineno, "hardened path '%.60s': expected a string value", name);
                goto out;
            }
            if ((st = hardened_value(&tmp, name, p, dn, type == T_DELETE, lineno, err)) != SMB_OK)
                goto out;
            continue;
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
