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

static const smb_setting_desc descs[SMB_SETTING_COUNT] = {
    {SMB_SETTING_CLIENT_REQUIRE, "client.require", "RequireSecuritySignature",
     "Microsoft network client: Digitally sign communications (always)",
     "Digitally sign client communication (always)",
     "LanmanWorkstation\\Parameters (NT 4.0: Rdr\\Parameters; 98: VxD\\VNetsup)", "2.3.8.1", false},
    {SMB_SETTING_CLIENT_ENABLE, "client.enable", "EnableSecuritySignature",
     "Microsoft network client: Digitally sign communications (if server agrees)",
     "Digitally sign client communication (when possible)",
     "LanmanWorkstation\\Parameters (NT 4.0: Rdr\\Parameters; 98: VxD\\VNetsup)", "2.3.8.2", true},
    {SMB_SETTING_SERVER_REQUIRE, "server.require", "RequireSecuritySignature",
     "Microsoft network server: Digitally sign communications (always)",
     "Digitally sign server communication (always)", "LanManServer\\Parameters", "2.3.9.2", false},
    {SMB_SETTING_SERVER_ENABLE, "server.enable", "EnableSecuritySignature",
     "Microsoft network server: Digitally sign communications (if client agrees)",
     "Digitally sign server communication (when possible)", "LanManServer\\Parameters", "2.3.9.3", true},
    {SMB_SETTING_SERVER_ENABLE_W9X, "server.enable_w9x", "enableW9xsecuritysignature", NULL, NULL,
     "LanManServer\\Parameters (Windows 2000; no Group Policy)", NULL, true},
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
    enum { CLIENT, SERVER } side;
    if (eat(&p, "LanmanWorkstation\\Parameters") || eat(&p, "Rdr\\Parameters") || eat(&p, "VxD\\VNetsup"))
        side = CLIENT;
    else if (eat(&p, "LanmanServer\\Parameters"))
        side = SERVER;
    else
        return -1;
    if (*p == '\\')
        p++;
    if (*p != '\0')
        return -1;
    if (!strcasecmp(value_name, "RequireSecuritySignature")) {
        *out = side == CLIENT ? SMB_SETTING_CLIENT_REQUIRE : SMB_SETTING_SERVER_REQUIRE;
        return 0;
    }
    if (!strcasecmp(value_name, "EnableSecuritySignature")) {
        *out = side == CLIENT ? SMB_SETTING_CLIENT_ENABLE : SMB_SETTING_SERVER_ENABLE;
        return 0;
    }
    if (side == SERVER && !strcasecmp(value_name, "enableW9xsecuritysignature")) {
        *out = SMB_SETTING_SERVER_ENABLE_W9X;
        return 0;
    }
    return -1;
}
