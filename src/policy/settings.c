/*
 * policy/settings.c - the four signing settings (plus enableW9xsecuritysignature),
 * their Group Policy and registry names, layers, precedence and levels
 * (policy.h section 2).
 *
 * Names and keys: KB887429 (seed 003), seed 000 (Security Options), seed 004
 * (tables mapping settings to levels). Precedence: KB887429 "a local registry
 * value change does not function correctly if there is an overriding domain
 * policy" -> domain GPO > local policy > registry > default.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smbsign/policy.h"

/* id, name, registry value, policy name (XP and later; for the 24H2 group the
 * Administrative Templates name under Network\Lanman Workstation / Lanman
 * Server), Windows 2000 policy name, keys, CIS, SMB1 only, client side,
 * PowerShell property, audit --json key, also under the Group Policy key. */
static const smb_setting_desc descs[SMB_SETTING_COUNT] = {
    {SMB_SETTING_CLIENT_REQUIRE, "client.require", "RequireSecuritySignature",
     "Microsoft network client: Digitally sign communications (always)",
     "Digitally sign client communication (always)",
     "LanmanWorkstation\\Parameters (NT 4.0: Rdr\\Parameters; 98: VxD\\VNetsup)", "2.3.8.1", false, true,
     "RequireSecuritySignature", "require", false},
    {SMB_SETTING_CLIENT_ENABLE, "client.enable", "EnableSecuritySignature",
     "Microsoft network client: Digitally sign communications (if server agrees)",
     "Digitally sign client communication (when possible)",
     "LanmanWorkstation\\Parameters (NT 4.0: Rdr\\Parameters; 98: VxD\\VNetsup)", "2.3.8.2", true, true,
     "EnableSecuritySignature", "enable", false},
    {SMB_SETTING_SERVER_REQUIRE, "server.require", "RequireSecuritySignature",
     "Microsoft network server: Digitally sign communications (always)",
     "Digitally sign server communication (always)", "LanManServer\\Parameters", "2.3.9.2", false, false,
     "RequireSecuritySignature", "require", false},
    {SMB_SETTING_SERVER_ENABLE, "server.enable", "EnableSecuritySignature",
     "Microsoft network server: Digitally sign communications (if client agrees)",
     "Digitally sign server communication (when possible)", "LanManServer\\Parameters", "2.3.9.3", true, false,
     "EnableSecuritySignature", "enable", false},
    {SMB_SETTING_SERVER_ENABLE_W9X, "server.enable_w9x", "enableW9xsecuritysignature", NULL, NULL,
     "LanManServer\\Parameters (Windows 2000; no Group Policy)", NULL, true, false, NULL, "enable_w9x", false},
    {SMB_SETTING_CLIENT_REQUIRE_ENCRYPTION, "client.require_encryption", "RequireEncryption",
     "Lanman Workstation: Require Encryption", NULL,
     "LanmanWorkstation\\Parameters; Policies\\Microsoft\\Windows\\LanmanWorkstation", NULL, false, true,
     "RequireEncryption", "require_encryption", true},
    {SMB_SETTING_CLIENT_INSECURE_GUEST, "client.insecure_guest_logons", "AllowInsecureGuestAuth",
     "Lanman Workstation: Enable insecure guest logons", NULL,
     "LanmanWorkstation\\Parameters; Policies\\Microsoft\\Windows\\LanmanWorkstation", NULL, false, true,
     "EnableInsecureGuestLogons", "enable_insecure_guest_logons", true},
    {SMB_SETTING_CLIENT_AUDIT_SIGNING, "client.audit_signing", "AuditServerDoesNotSupportSigning",
     "Lanman Workstation: Audit server does not support signing", NULL,
     "LanmanWorkstation\\Parameters; Policies\\Microsoft\\Windows\\LanmanWorkstation", NULL, false, true,
     "AuditServerDoesNotSupportSigning", "audit_server_does_not_support_signing", true},
    {SMB_SETTING_CLIENT_AUDIT_ENCRYPTION, "client.audit_encryption", "AuditServerDoesNotSupportEncryption",
     "Lanman Workstation: Audit server does not support encryption", NULL,
     "LanmanWorkstation\\Parameters; Policies\\Microsoft\\Windows\\LanmanWorkstation", NULL, false, true,
     "AuditServerDoesNotSupportEncryption", "audit_server_does_not_support_encryption", true},
    {SMB_SETTING_CLIENT_AUDIT_GUEST, "client.audit_guest", "AuditInsecureGuestLogon",
     "Lanman Workstation: Audit insecure guest logon", NULL,
     "LanmanWorkstation\\Parameters; Policies\\Microsoft\\Windows\\LanmanWorkstation", NULL, false, true,
     "AuditInsecureGuestLogon", "audit_insecure_guest_logon", true},
    {SMB_SETTING_CLIENT_BLOCK_NTLM, "client.block_ntlm", "BlockNTLM",
     "Lanman Workstation: Block NTLM (LM, NTLM, NTLMv2)", NULL,
     "LanmanWorkstation\\Parameters; Policies\\Microsoft\\Windows\\LanmanWorkstation", NULL, false, true,
     "BlockNTLM", "block_ntlm", true},
    {SMB_SETTING_SERVER_ENCRYPT_DATA, "server.encrypt_data", "EncryptData", NULL, NULL,
     "LanManServer\\Parameters (Set-SmbServerConfiguration -EncryptData)", NULL, false, false, "EncryptData",
     "encrypt_data", false},
    {SMB_SETTING_SERVER_REJECT_UNENCRYPTED, "server.reject_unencrypted", "RejectUnencryptedAccess", NULL, NULL,
     "LanManServer\\Parameters (Set-SmbServerConfiguration -RejectUnencryptedAccess)", NULL, false, false,
     "RejectUnencryptedAccess", "reject_unencrypted_access", false},
    {SMB_SETTING_SERVER_AUDIT_SIGNING, "server.audit_signing", "AuditClientDoesNotSupportSigning",
     "Lanman Server: Audit client does not support signing", NULL,
     "LanManServer\\Parameters; Policies\\Microsoft\\Windows\\LanmanServer", NULL, false, false,
     "AuditClientDoesNotSupportSigning", "audit_client_does_not_support_signing", true},
    {SMB_SETTING_SERVER_AUDIT_ENCRYPTION, "server.audit_encryption", "AuditClientDoesNotSupportEncryption",
     "Lanman Server: Audit client does not support encryption", NULL,
     "LanManServer\\Parameters; Policies\\Microsoft\\Windows\\LanmanServer", NULL, false, false,
     "AuditClientDoesNotSupportEncryption", "audit_client_does_not_support_encryption", true},
    {SMB_SETTING_SERVER_SMB1, "server.smb1", "SMB1", NULL, NULL,
     "LanManServer\\Parameters (Set-SmbServerConfiguration -EnableSMB1Protocol)", NULL, false, false,
     "EnableSMB1Protocol", "enable_smb1_protocol", false},
};

const smb_setting_desc *smb_policy_setting_desc(smb_setting s)
{
    if ((unsigned)s >= SMB_SETTING_COUNT)
        return NULL;
    return &descs[s];
}

const char *smb_source_name(smb_source s)
{
    switch (s) {
    case SMB_SOURCE_NONE: return "not-defined";
    case SMB_SOURCE_DEFAULT: return "default";
    case SMB_SOURCE_SMB_CONF: return "smb.conf";
    case SMB_SOURCE_REGISTRY: return "registry";
    case SMB_SOURCE_LOCAL_POLICY: return "local-policy";
    case SMB_SOURCE_ASSUMED_GPO: return "assumed-gpo";
    case SMB_SOURCE_DOMAIN_GPO: return "domain-gpo";
    case SMB_SOURCE_OVERRIDE: return "override";
    }
    return "?";
}

void smb_policy_layer_init(smb_policy_layer *l, smb_source source, const char *name)
{
    memset(l, 0, sizeof *l);
    l->source = source;
    l->name = name ? name : "";
    for (int i = 0; i < SMB_SETTING_COUNT; i++) {
        l->v[i].value = SMB_VALUE_UNDEFINED;
        l->v[i].source = source;
        l->v[i].origin = l->name;
    }
}

const char *smb_policy_origin_text(const smb_setting_value *v, char buf[SMB_POLICY_ORIGIN_TEXT_MAX])
{
    if (!v || !v->origin)
        return "";
    if (!v->profile)
        return v->origin;
    /* Profile names are short static strings (tests/unit/test_policy.c checks
     * they fit with the longest suffix). */
    snprintf(buf, SMB_POLICY_ORIGIN_TEXT_MAX, "profile %s%s", v->profile->name,
             v->source == SMB_SOURCE_ASSUMED_GPO ? ": Default Domain Controllers Policy" : "");
    return buf;
}

void smb_policy_layer_set(smb_policy_layer *l, smb_setting s, int8_t value, uint32_t raw, uint8_t flags,
                          uint32_t line)
{
    if ((unsigned)s >= SMB_SETTING_COUNT)
        return;
    smb_setting_value *v = &l->v[s];
    v->value = value;
    v->raw = raw;
    v->flags = flags;
    v->line = line;
    v->source = l->source;
    v->origin = l->name ? l->name : "";
}

static void undefined_value(smb_setting_value *v)
{
    memset(v, 0, sizeof *v);
    v->value = SMB_VALUE_UNDEFINED;
    v->source = SMB_SOURCE_NONE;
    v->origin = "";
}

/* Hardened paths: per pattern (case-insensitive), the highest source wins,
 * later layers of one source win; a deletion (value or whole key) removes
 * what lower or equal sources set. */
static void resolve_hardened(const smb_policy_layer *layers, size_t n, smb_policy_effective *out)
{
    out->n_hp = 0;
    for (int rank = SMB_SOURCE_DEFAULT; rank <= SMB_SOURCE_OVERRIDE; rank++) {
        for (size_t i = 0; i < n; i++) {
            const smb_policy_layer *l = &layers[i];
            if ((int)l->source != rank)
                continue;
            if (l->hp_key_deleted)
                out->n_hp = 0;
            for (size_t k = 0; k < l->n_hp && k < SMB_POLICY_MAX_HARDENED; k++) {
                const smb_hardened_path *h = &l->hp[k];
                size_t j = 0;
                while (j < out->n_hp && strcasecmp(out->hp[j].path, h->path))
                    j++;
                if (h->deleted) {
                    if (j < out->n_hp) {
                        memmove(&out->hp[j], &out->hp[j + 1], (out->n_hp - j - 1) * sizeof out->hp[0]);
                        out->n_hp--;
                    }
                    continue;
                }
                if (j == out->n_hp) {
                    if (out->n_hp >= SMB_POLICY_MAX_HARDENED)
                        continue;
                    out->n_hp++;
                }
                out->hp[j] = *h;
                out->hp[j].source = (smb_source)rank;
            }
        }
    }
}

bool smb_policy_layer_add_hardened(smb_policy_layer *l, const smb_hardened_path *hp)
{
    size_t j = 0;
    while (j < l->n_hp && strcasecmp(l->hp[j].path, hp->path))
        j++;
    if (j == l->n_hp) {
        if (l->n_hp >= SMB_POLICY_MAX_HARDENED)
            return false;
        l->n_hp++;
    }
    l->hp[j] = *hp;
    l->hp[j].source = l->source;
    if (!l->hp[j].origin[0])
        snprintf(l->hp[j].origin, sizeof l->hp[j].origin, "%s", l->name ? l->name : "");
    return true;
}

/* Component k (0 server, 1 share) of \\a\b: pointer and length; false if absent/empty. */
static bool unc_part(const char *p, int k, const char **s, size_t *n)
{
    if (!p || p[0] != '\\' || p[1] != '\\')
        return false;
    p += 2;
    for (int i = 0; i < k; i++) {
        p = strchr(p, '\\');
        if (!p)
            return false;
        p++;
    }
    const char *e = strchr(p, '\\');
    *s = p;
    *n = e ? (size_t)(e - p) : strlen(p);
    return *n > 0;
}

int smb_policy_hardened_pattern_ok(const char *pattern)
{
    const char *a, *b;
    size_t an, bn;
    if (!unc_part(pattern, 0, &a, &an) || !unc_part(pattern, 1, &b, &bn))
        return -1;
    if (b[bn] != '\0' || (an == 1 && a[0] == '*' && bn == 1 && b[0] == '*'))
        return -1; /* \\a\b only; \\*\* names nothing */
    if ((an > 1 && memchr(a, '*', an)) || (bn > 1 && memchr(b, '*', bn)))
        return -1; /* '*' stands for a whole component only */
    return 0;
}

static bool part_eq(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && !strncasecmp(a, b, an);
}

int smb_policy_hardened_match(const char *pattern, const char *unc)
{
    const char *ps, *pn, *us, *un;
    size_t pslen, pnlen, uslen, unlen;
    if (smb_policy_hardened_pattern_ok(pattern) != 0 || !unc_part(pattern, 0, &ps, &pslen) ||
        !unc_part(pattern, 1, &pn, &pnlen) || !unc_part(unc, 0, &us, &uslen) || !unc_part(unc, 1, &un, &unlen))
        return 0;
    bool any_server = pslen == 1 && ps[0] == '*', any_share = pnlen == 1 && pn[0] == '*';
    if (!any_server && !part_eq(ps, pslen, us, uslen))
        return 0;
    if (!any_share && !part_eq(pn, pnlen, un, unlen))
        return 0;
    return any_server ? 1 : any_share ? 2 : 3;
}

smb_status smb_policy_parse_hardened_value(const char *s, size_t n, smb_hardened_path *out, smb_policy_error *err)
{
    static const char *const names[] = {"RequireMutualAuthentication", "RequireIntegrity", "RequirePrivacy"};
    int8_t v[3] = {SMB_VALUE_UNDEFINED, SMB_VALUE_UNDEFINED, SMB_VALUE_UNDEFINED};
    size_t i = 0;
    if (!s || !out)
        return SMB_E_BAD_ARGUMENT;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
            i++;
        if (i >= n)
            break;
        size_t ks = i;
        while (i < n && s[i] != '=' && s[i] != ',' && s[i] != ' ' && s[i] != '\t')
            i++;
        size_t kn = i - ks;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= n || s[i] != '=') {
            if (err) {
                err->line = 0;
                snprintf(err->msg, sizeof err->msg, "hardened path flags: expected NAME=0|1 after '%.*s'",
                         (int)(kn > 40 ? 40 : kn), s + ks);
            }
            return SMB_E_MALFORMED;
        }
        i++;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        int k = -1;
        for (int j = 0; j < 3; j++)
            if (strlen(names[j]) == kn && !strncasecmp(s + ks, names[j], kn))
                k = j;
        bool bit = i < n && (s[i] == '0' || s[i] == '1') && (i + 1 == n || s[i + 1] == ',' || s[i + 1] == ' ' ||
                                                             s[i + 1] == '\t');
        if (k < 0 || !bit) {
            if (err) {
                err->line = 0;
                snprintf(err->msg, sizeof err->msg,
                         k < 0 ? "hardened path flags: unknown flag '%.*s' (RequireMutualAuthentication, "
                                 "RequireIntegrity, RequirePrivacy)"
                               : "hardened path flags: %.*s must be 0 or 1",
                         (int)(kn > 40 ? 40 : kn), s + ks);
            }
            return SMB_E_MALFORMED;
        }
        v[k] = (int8_t)(s[i] - '0');
        i++;
    }
    out->require_mutual_auth = v[0];
    out->require_integrity = v[1];
    out->require_privacy = v[2];
    return SMB_OK;
}

smb_status smb_policy_resolve(const smb_policy_layer *layers, size_t n, smb_policy_effective *out)
{
    if (!out || (n && !layers) || n > SMB_POLICY_MAX_LAYERS)
        return SMB_E_BAD_ARGUMENT;
    memset(out, 0, sizeof *out);
    smb_setting_value def[SMB_SETTING_COUNT];
    for (int s = 0; s < SMB_SETTING_COUNT; s++) {
        undefined_value(&out->v[s]);
        undefined_value(&def[s]);
    }
    for (int rank = SMB_SOURCE_DEFAULT; rank <= SMB_SOURCE_OVERRIDE; rank++) {
        for (size_t i = 0; i < n; i++) {
            for (int s = 0; s < SMB_SETTING_COUNT; s++) {
                const smb_setting_value *v = &layers[i].v[s];
                smb_source src = v->source != SMB_SOURCE_NONE ? v->source : layers[i].source;
                if ((int)src != rank || v->value == SMB_VALUE_UNDEFINED)
                    continue;
                smb_setting_value *e = &out->v[s];
                if (v->value == SMB_VALUE_DELETED) {
                    /* A deleted value falls back to the OS/role default; it
                     * cannot remove what a higher source set. */
                    if ((int)e->source <= rank)
                        *e = def[s];
                    continue;
                }
                if (e->value != SMB_VALUE_UNDEFINED && e->source > SMB_SOURCE_DEFAULT &&
                    out->n_shadowed < SMB_POLICY_MAX_SHADOWED) {
                    smb_shadowed *sh = &out->shadowed[out->n_shadowed++];
                    sh->setting = (smb_setting)s;
                    sh->lost = *e;
                    sh->winner = src;
                    sh->winner_value = v->value;
                }
                *e = *v;
                e->source = src;
                if (rank == SMB_SOURCE_DEFAULT)
                    def[s] = *e;
            }
        }
    }
    resolve_hardened(layers, n, out);
    /* A replaced value is overridden by the final effective value, not only
     * by the layer that replaced it first. */
    for (size_t i = 0; i < out->n_shadowed; i++) {
        const smb_setting_value *fin = &out->v[out->shadowed[i].setting];
        out->shadowed[i].winner = fin->source;
        out->shadowed[i].winner_value = fin->value;
    }
    return SMB_OK;
}

static smb_sign_level level_of(const smb_setting_value *req, const smb_setting_value *en, bool needs_enable)
{
    bool r = req->value == 1, e = en->value == 1;
    if (r && (!needs_enable || e))
        return SMB_LEVEL_REQUIRED;
    if (e)
        return SMB_LEVEL_ENABLED;
    return SMB_LEVEL_DISABLED;
}

smb_sign_level smb_policy_client_level(const smb_policy_effective *e)
{
    return level_of(&e->v[SMB_SETTING_CLIENT_REQUIRE], &e->v[SMB_SETTING_CLIENT_ENABLE],
                    e->require_needs_enable);
}

smb_sign_level smb_policy_server_level(const smb_policy_effective *e)
{
    return level_of(&e->v[SMB_SETTING_SERVER_REQUIRE], &e->v[SMB_SETTING_SERVER_ENABLE], false);
}

/* Case-insensitive prefix test; on match advances *p past it. */
static bool eat(const char **p, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncasecmp(*p, prefix, n) != 0)
        return false;
    *p += n;
    return true;
}

int smb_policy_map_registry(const char *key, const char *value_name, smb_setting *out)
{
    if (!key || !value_name || !out)
        return -1;
    const char *p = key;
    if (!eat(&p, "HKEY_LOCAL_MACHINE\\") && !eat(&p, "HKLM\\"))
        (void)eat(&p, "MACHINE\\");
    enum { SVC, LEGACY, GPO } kind;
    bool client;
    if (eat(&p, "SOFTWARE\\Policies\\Microsoft\\Windows\\")) {
        kind = GPO;
        if (eat(&p, "LanmanWorkstation"))
            client = true;
        else if (eat(&p, "LanmanServer"))
            client = false;
        else
            return -1;
    } else {
        if (!eat(&p, "SYSTEM\\"))
            return -1;
        if (!eat(&p, "CurrentControlSet\\")) {
            if (!eat(&p, "ControlSet"))
                return -1;
            int digits = 0;
            while (*p >= '0' && *p <= '9') {
                p++;
                digits++;
            }
            if (digits == 0 || *p != '\\')
                return -1;
            p++;
        }
        if (!eat(&p, "Services\\"))
            return -1;
        kind = SVC;
        if (eat(&p, "LanmanWorkstation\\Parameters"))
            client = true;
        else if (eat(&p, "Rdr\\Parameters") || eat(&p, "VxD\\VNetsup"))
            client = true, kind = LEGACY;
        else if (eat(&p, "LanmanServer\\Parameters"))
            client = false;
        else
            return -1;
    }
    if (*p == '\\')
        p++;
    if (*p != '\0')
        return -1;
    for (int s = 0; s < SMB_SETTING_COUNT; s++) {
        const smb_setting_desc *d = &descs[s];
        if (d->client != client || strcasecmp(value_name, d->value_name))
            continue;
        if ((kind == LEGACY && s >= SMB_SETTING_FIRST_EXTENDED) || (kind == GPO && !d->gpo_key))
            continue;
        *out = (smb_setting)s;
        return 0;
    }
    return -1;
}

bool smb_policy_path_hardening(const smb_policy_effective *e, const smb_profile *p, const char *unc,
                               smb_hardened_path *out)
{
    int best = 0;
    const smb_hardened_path *hit = NULL;
    const char *sh;
    size_t shn;
    if (!e || !out || !unc_part(unc, 0, &sh, &shn) || !unc_part(unc, 1, &sh, &shn))
        return false;
    for (size_t i = 0; i < e->n_hp; i++) {
        int m = smb_policy_hardened_match(e->hp[i].path, unc);
        if (m > best) {
            best = m;
            hit = &e->hp[i];
        }
    }
    if (hit) {
        *out = *hit;
        return true;
    }
    /* Windows 10 and later: \\*\SYSVOL and \\*\NETLOGON are hardened when not configured. */
    bool sysvol = part_eq(sh, shn, "SYSVOL", 6), netlogon = part_eq(sh, shn, "NETLOGON", 8);
    if (!smb_policy_profile_unc_defaults(p) || (!sysvol && !netlogon))
        return false;
    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "\\\\*\\%s", sysvol ? "SYSVOL" : "NETLOGON");
    out->require_mutual_auth = 1;
    out->require_integrity = 1;
    out->require_privacy = SMB_VALUE_UNDEFINED;
    out->source = SMB_SOURCE_DEFAULT;
    snprintf(out->origin, sizeof out->origin, "profile %s (MS15-011 default since Windows 10)", p->name);
    return true;
}
