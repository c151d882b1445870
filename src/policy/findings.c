/*
 * policy/findings.c - audit findings: one const table of stable ids with
 * severities, one-line explanations and references (policy.h section 5).
 *
 * References: seeds 000-004 (by number, see docs/policy.md), CIS Microsoft
 * Windows benchmarks 2.3.8.1/2.3.8.2 (client) and 2.3.9.2/2.3.9.3 (server),
 * DISA STIG WN10-SO-000100 (client always) / WN10-SO-000120 (server always),
 * Tenable Nessus plugin 57608 "SMB Signing not required".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smbsign/policy.h"

static const smb_finding_def defs[] = {
    {"relay-target", SMB_SEV_HIGH,
     "server does not require signing: an NTLM relay target and open to tampering",
     "seed:004; CIS 2.3.9.2; STIG WN10-SO-000120; Nessus 57608"},
    {"dc-signing-not-required", SMB_SEV_HIGH,
     "domain controller does not require signing: Group Policy downloads can be tampered with",
     "seed:004 (MS15-011); seed:003; CIS 2.3.9.2"},
    {"client-signing-not-required", SMB_SEV_MEDIUM,
     "client does not require signing: its sessions can be tampered with when the server does not require it",
     "seed:002; CIS 2.3.8.1; STIG WN10-SO-000100"},
    {"overridden", SMB_SEV_MEDIUM, "a local or registry value is overridden by domain Group Policy",
     "seed:003 (KB887429 'Configuring SMB signing')"},
    {"invalid-value", SMB_SEV_MEDIUM, "a signing value is not a REG_DWORD of 0 or 1",
     "seed:003 (REG_DWORD 0 disable, 1 enable)"},
    {"require-without-enable", SMB_SEV_MEDIUM,
     "Windows 2000: client (always) has no effect unless client (when possible) is enabled too", "seed:000"},
    {"legacy-client-require", SMB_SEV_MEDIUM,
     "a pre-KB950876 client that requires signing hangs up on every server with signing disabled (error 1240)",
     "seed:003 (scenarios); seed:004 (old SMB1 table); KB950876"},
    {"legacy-peer-risk", SMB_SEV_LOW,
     "signing is required: legacy SMB1 peers with signing disabled cannot connect",
     "seed:003 (scenarios); seed:004 (old SMB1 table); seed:000"},
    {"smb1-only-setting", SMB_SEV_LOW,
     "EnableSecuritySignature / enableW9xsecuritysignature only affect SMB1 and have no effect on SMB2/3",
     "seed:004 ('We no longer recommend ... EnableSecuritySignature'); CIS 2.3.8.2, 2.3.9.3"},
    {"signing-performance", SMB_SEV_LOW,
     "required signing costs CPU: up to 15% on SMB1 file service, less on SMB2/3",
     "seed:000 (up to 15 percent); seed:002 (about 5 percent); seed:004"},
    {"w9x-signing-off", SMB_SEV_LOW,
     "Windows 2000 server without enableW9xsecuritysignature: NT 4.0 and Windows 98 clients do not sign",
     "seed:003 (KB887429 enableW9xsecuritysignature)"},
    {"guest-access-with-signing", SMB_SEV_HIGH,
     "a share allows guest access: guest sessions have no key and cannot sign, so clients that require "
     "signing (Windows 11 24H2, Server 2025) fail to connect",
     "Microsoft Learn 'Control SMB signing behavior' (STATUS_INVALID_SIGNATURE 0xc000a000); KB4046019; "
     "smb.conf(5) guest ok, map to guest"},
    {"insecure-guest-logons", SMB_SEV_MEDIUM,
     "the client accepts insecure guest logons: unsigned, unauthenticated sessions to any server that offers them",
     "KB4046019 'Guest access in SMB2 and SMB3 disabled by default'; Microsoft Learn 'Enable insecure guest "
     "logons in SMB2 and SMB3'"},
    {"unc-hardening-missing", SMB_SEV_HIGH,
     "MS15-011 hardening of SYSVOL / NETLOGON is disabled: Group Policy can be read from an unsigned, "
     "unauthenticated server",
     "MS15-011; KB3000483; seed:004"},
    {"signing-audit-off", SMB_SEV_LOW,
     "signing is not required and the 24H2 / Server 2025 audit of peers that cannot sign is off: turn it on "
     "before enforcing signing",
     "Microsoft Learn 'Control SMB signing behavior'; 'SMB security hardening' (AuditClientDoesNotSupportSigning, "
     "AuditServerDoesNotSupportSigning)"},
    {"encryption-not-required", SMB_SEV_LOW,
     "SMB 3 encryption is not required: sessions are signed at best, their data is readable on the wire",
     "Microsoft Learn 'SMB security enhancements' (EncryptData, RejectUnencryptedAccess); smb.conf(5) server "
     "smb encrypt"},
    {"smb1-enabled", SMB_SEV_MEDIUM, "the SMB1 server is enabled: legacy signing rules and no SMB 3 protections",
     "Microsoft Learn 'How to detect, enable and disable SMBv1'; smb.conf(5) server min protocol"},
    {"ntlm-allowed", SMB_SEV_LOW,
     "NTLM is allowed: NTLM sessions can be relayed to servers that do not require signing (informational)",
     "Microsoft Learn 'SMB security hardening' (BlockNTLM); smb.conf(5) ntlm auth"},
    {"connect-fails", SMB_SEV_HIGH, "this client and server cannot connect with their signing settings",
     "seed:003 (scenarios); seed:004 (old SMB1 table)"},
    {"not-signed", SMB_SEV_MEDIUM, "sessions between this client and server are not signed",
     "seed:004 (effective behavior tables); Nessus 57608"},
};

const smb_finding_def *smb_policy_finding_defs(size_t *count)
{
    if (count)
        *count = sizeof defs / sizeof defs[0];
    return defs;
}

const smb_finding_def *smb_policy_finding_def(const char *id)
{
    for (size_t i = 0; id && i < sizeof defs / sizeof defs[0]; i++)
        if (!strcmp(defs[i].id, id))
            return &defs[i];
    return NULL;
}

const char *smb_severity_name(smb_severity s)
{
    switch (s) {
    case SMB_SEV_LOW: return "low";
    case SMB_SEV_MEDIUM: return "medium";
    case SMB_SEV_HIGH: return "high";
    }
    return "?";
}

int smb_severity_parse(const char *s, smb_severity *out)
{
    static const smb_severity all[] = {SMB_SEV_LOW, SMB_SEV_MEDIUM, SMB_SEV_HIGH};
    for (size_t i = 0; s && i < 3; i++)
        if (!strcasecmp(s, smb_severity_name(all[i]))) {
            *out = all[i];
            return 0;
        }
    return -1;
}

__attribute__((format(printf, 4, 5))) static void add(smb_findings *out, const char *id, const char *side,
                                                      const char *fmt, ...)
{
    if (out->n >= SMB_POLICY_MAX_FINDINGS)
        return;
    smb_finding *f = &out->f[out->n];
    f->def = smb_policy_finding_def(id);
    if (!f->def)
        return;
    f->side = side;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    if (k >= (int)sizeof f->detail) /* never cut silently */
        memcpy(f->detail + sizeof f->detail - 6, "[...]", 6);
    out->n++;
}

static const char *where(const smb_setting_value *v, char *buf, size_t n)
{
    char ob[SMB_POLICY_ORIGIN_TEXT_MAX];
    const char *o = smb_policy_origin_text(v, ob);
    if (v->source == SMB_SOURCE_NONE)
        snprintf(buf, n, "not defined");
    else if (v->line)
        snprintf(buf, n, "%s, %s:%u", smb_source_name(v->source), o, v->line);
    else
        snprintf(buf, n, "%s, %s", smb_source_name(v->source), o);
    return buf;
}

static int val01(const smb_setting_value *v) { return v->value == 1 ? 1 : 0; }

void smb_policy_audit(const smb_policy_layer *layers, size_t n_layers, const smb_policy_effective *e,
                      const smb_profile *p, unsigned sides, smb_findings *out)
{
    char w[SMB_FINDING_DETAIL_MAX];
    if (!e || !p || !out)
        return;
    bool has_client = p->role != SMB_ROLE_SERVER_ONLY;
    bool do_client = (sides & SMB_AUDIT_CLIENT) && has_client;
    bool do_server = (sides & SMB_AUDIT_SERVER) != 0;
    bool smb1 = (p->dialects & SMB_DIALECT_BIT_SMB1) != 0;
    smb_sign_level cl = smb_policy_client_level(e), sl = smb_policy_server_level(e);
    const smb_setting_value *creq = &e->v[SMB_SETTING_CLIENT_REQUIRE], *cen = &e->v[SMB_SETTING_CLIENT_ENABLE];
    const smb_setting_value *sreq = &e->v[SMB_SETTING_SERVER_REQUIRE];

    if (do_server && sl != SMB_LEVEL_REQUIRED) {
        add(out, "relay-target", "server", "server.require = %d (%s): server signing level is %s", val01(sreq),
            where(sreq, w, sizeof w), smb_level_name(sl));
        if (p->role == SMB_ROLE_DC)
            add(out, "dc-signing-not-required", "server",
                "%s is a domain controller and server.require = %d (%s)", p->name, val01(sreq),
                where(sreq, w, sizeof w));
    }
    if (do_client && cl != SMB_LEVEL_REQUIRED)
        add(out, "client-signing-not-required", "client", "client.require = %d (%s): client signing level is %s",
            val01(creq), where(creq, w, sizeof w), smb_level_name(cl));

    for (size_t i = 0; i < e->n_shadowed; i++) {
        const smb_shadowed *sh = &e->shadowed[i];
        if ((sh->winner != SMB_SOURCE_DOMAIN_GPO && sh->winner != SMB_SOURCE_ASSUMED_GPO) ||
            (sh->lost.source != SMB_SOURCE_REGISTRY && sh->lost.source != SMB_SOURCE_LOCAL_POLICY))
            continue;
        add(out, "overridden", smb_policy_setting_desc(sh->setting)->client ? "client" : "server",
            "%s: %s value %d (%s) is overridden by domain Group Policy value %d%s%s",
            smb_policy_setting_desc(sh->setting)->name, smb_source_name(sh->lost.source), sh->lost.value,
            where(&sh->lost, w, sizeof w), sh->winner_value,
            sh->winner == SMB_SOURCE_ASSUMED_GPO ? " (assumed: Default Domain Controllers Policy)" : "",
            sh->lost.value != sh->winner_value ? " (a local change has no effect)" : "");
    }

    bool smb1_setting_seen = false;
    for (size_t i = 0; layers && i < n_layers; i++) {
        for (int s = 0; s < SMB_SETTING_COUNT; s++) {
            const smb_setting_value *v = &layers[i].v[s];
            const smb_setting_desc *d = smb_policy_setting_desc((smb_setting)s);
            const char *side = d->client ? "client" : "server";
            if (v->flags & SMB_VALUE_F_NOT_BOOLEAN)
                add(out, "invalid-value", side, "%s = %u in %s:%u: only 0 and 1 are defined (read as enabled)",
                    d->name, v->raw, v->origin, v->line);
            if (v->flags & SMB_VALUE_F_WRONG_TYPE)
                add(out, "invalid-value", side, "%s in %s:%u is not a REG_DWORD (ignored)", d->name, v->origin,
                    v->line);
            /* Only a value that changes the default is a deliberate SMB1-only setting
             * (PowerShell output lists EnableSecuritySignature whatever it is). */
            int8_t def = smb_policy_profile_default(p, (smb_setting)s);
            if (d->smb1_only && v->source > SMB_SOURCE_DEFAULT && v->value >= 0 && v->value != def &&
                !smb1_setting_seen && layers[i].source != SMB_SOURCE_DEFAULT &&
                layers[i].source != SMB_SOURCE_SMB_CONF) { /* Samba's "server signing" covers SMB2 too */
                smb1_setting_seen = true;
                add(out, "smb1-only-setting", side, "%s set in %s:%u %s", d->name, v->origin, v->line,
                    smb1 ? "affects only SMB1 sessions; use the (always) setting instead"
                         : "has no effect: this system does not speak SMB1 by default");
            }
        }
    }

    if (do_server && p->server_enable_w9x != SMB_VALUE_UNDEFINED && sl == SMB_LEVEL_ENABLED &&
        e->v[SMB_SETTING_SERVER_ENABLE_W9X].value != 1)
        add(out, "w9x-signing-off", "server", "server.enable_w9x = %d (%s): sessions with NT 4.0 / 98 clients are unsigned",
            val01(&e->v[SMB_SETTING_SERVER_ENABLE_W9X]), where(&e->v[SMB_SETTING_SERVER_ENABLE_W9X], w, sizeof w));
    if (do_client && e->require_needs_enable && creq->value == 1 && cen->value != 1)
        add(out, "require-without-enable", "client",
            "client.require = 1 but client.enable = %d (%s): on Windows 2000 the client does not require signing",
            val01(cen), where(cen, w, sizeof w));
    if (do_client && cl == SMB_LEVEL_REQUIRED && p->era == SMB_ERA_LEGACY)
        add(out, "legacy-client-require", "client",
            "%s (legacy SMB1 era) requires signing: servers with signing disabled (the default off domain "
            "controllers) are refused with error 1240",
            p->name);
    else if (do_client && cl == SMB_LEVEL_REQUIRED && smb1)
        add(out, "legacy-peer-risk", "client",
            "client requires signing: legacy SMB1 servers with signing disabled fail after NEGOTIATE (1240)");
    if (do_server && sl == SMB_LEVEL_REQUIRED && smb1)
        add(out, "legacy-peer-risk", "server",
            "server requires signing: legacy SMB1 clients with signing disabled get STATUS_ACCESS_DENIED at "
            "TREE_CONNECT");
    if ((do_server && sl == SMB_LEVEL_REQUIRED) || (do_client && cl == SMB_LEVEL_REQUIRED))
        add(out, "signing-performance", do_server && sl == SMB_LEVEL_REQUIRED ? "server" : "client",
            "every %s message is signed and verified%s", smb1 ? "SMB1 and SMB2/3" : "SMB2/3",
            smb1 ? " (SMB1 signing is the costly one)" : "");
}

/* A hardened path pattern that decides SYSVOL or NETLOGON for some server:
 * share component SYSVOL / NETLOGON, or \\SERVER\* (more specific than \\*\SYSVOL). */
static bool gp_share_pattern(const char *pattern)
{
    if (smb_policy_hardened_pattern_ok(pattern) != 0)
        return false;
    const char *share = strchr(pattern + 2, '\\') + 1;
    return !strcasecmp(share, "SYSVOL") || !strcasecmp(share, "NETLOGON") || !strcmp(share, "*");
}

static bool defined1(const smb_setting_value *v) { return v->value == 1; }
static bool defined0(const smb_setting_value *v) { return v->value == 0; }

void smb_policy_audit_extended(const smb_policy_effective *e, const smb_profile *p, unsigned sides, smb_findings *out)
{
    char w[SMB_POLICY_ORIGIN_MAX + 40];
    if (!e || !p || !out)
        return;
    bool do_client = (sides & SMB_AUDIT_CLIENT) && p->role != SMB_ROLE_SERVER_ONLY;
    bool do_server = (sides & SMB_AUDIT_SERVER) != 0;
    const smb_setting_value *v;
    if (do_client) {
        v = &e->v[SMB_SETTING_CLIENT_INSECURE_GUEST];
        if (defined1(v))
            add(out, "insecure-guest-logons", "client",
                "AllowInsecureGuestAuth / EnableInsecureGuestLogons = 1 (%s): the client falls back to guest "
                "sessions that cannot be signed",
                where(v, w, sizeof w));
        v = &e->v[SMB_SETTING_CLIENT_AUDIT_SIGNING];
        if (defined0(v) && smb_policy_client_level(e) != SMB_LEVEL_REQUIRED)
            add(out, "signing-audit-off", "client",
                "AuditServerDoesNotSupportSigning = 0 (%s) and the client does not require signing",
                where(v, w, sizeof w));
        v = &e->v[SMB_SETTING_CLIENT_BLOCK_NTLM];
        if (defined0(v))
            add(out, "ntlm-allowed", "client", "BlockNTLM = 0 (%s): the client still authenticates with NTLM",
                where(v, w, sizeof w));
        for (size_t i = 0; i < e->n_hp; i++) {
            const smb_hardened_path *h = &e->hp[i];
            if (!gp_share_pattern(h->path) || (h->require_integrity != 0 && h->require_mutual_auth != 0))
                continue;
            char loc[SMB_POLICY_ORIGIN_MAX + 16];
            if (h->line)
                snprintf(loc, sizeof loc, "%s:%u", h->origin, h->line);
            else
                snprintf(loc, sizeof loc, "%s", h->origin);
            add(out, "unc-hardening-missing", "client", "%s: RequireMutualAuthentication=%d, RequireIntegrity=%d (%s, %s)",
                h->path, h->require_mutual_auth, h->require_integrity, smb_source_name(h->source), loc);
        }
    }
    if (do_server) {
        v = &e->v[SMB_SETTING_SERVER_AUDIT_SIGNING];
        if (defined0(v) && smb_policy_server_level(e) != SMB_LEVEL_REQUIRED)
            add(out, "signing-audit-off", "server",
                "AuditClientDoesNotSupportSigning = 0 (%s) and the server does not require signing",
                where(v, w, sizeof w));
        v = &e->v[SMB_SETTING_SERVER_ENCRYPT_DATA];
        if (defined0(v))
            add(out, "encryption-not-required", "server", "EncryptData = 0 (%s)", where(v, w, sizeof w));
        else if (defined1(v) && defined0(&e->v[SMB_SETTING_SERVER_REJECT_UNENCRYPTED]))
            add(out, "encryption-not-required", "server",
                "EncryptData = 1 but RejectUnencryptedAccess = 0 (%s): clients without SMB 3 encryption get "
                "unencrypted sessions",
                where(&e->v[SMB_SETTING_SERVER_REJECT_UNENCRYPTED], w, sizeof w));
        v = &e->v[SMB_SETTING_SERVER_SMB1];
        if (defined1(v))
            add(out, "smb1-enabled", "server", "SMB1 server enabled (%s)", where(v, w, sizeof w));
    }
}

void smb_policy_audit_smbconf(const smb_smbconf *c, const smb_policy_effective *e, smb_findings *out)
{
    if (!c || !e || !out)
        return;
    const smb_smbconf_value *mtg = &c->global[SMB_SMBCONF_MAP_TO_GUEST];
    const smb_smbconf_value *gok = &c->global[SMB_SMBCONF_GUEST_OK];
    bool req = smb_policy_server_level(e) == SMB_LEVEL_REQUIRED;
    for (size_t i = 0; i < c->n_shares; i++) {
        const smb_smbconf_share *sh = &c->share[i];
        const smb_smbconf_value *g = sh->guest_ok.line ? &sh->guest_ok : gok;
        if (!g->line || strcmp(g->value, "Yes"))
            continue;
        add(out, "guest-access-with-signing", "server",
            "[%s] guest ok = Yes (%s:%u): Windows 11 24H2 / Server 2025 clients require signing and refuse the "
            "guest session%s",
            sh->name, g->origin, g->line, req ? "; this server requires signing too, so no guest session can work" : "");
    }
    if (mtg->line && strcmp(mtg->value, "Never"))
        add(out, "guest-access-with-signing", "server",
            "map to guest = %s (%s:%u): failed logons become guest sessions, which cannot sign", mtg->value,
            mtg->origin, mtg->line);
    const smb_smbconf_value *na = &c->global[SMB_SMBCONF_NTLM_AUTH];
    if (!na->line)
        add(out, "ntlm-allowed", "server", "ntlm auth = %s (Samba default): smbd accepts NTLMv2 authentication",
            smb_smbconf_param_default(SMB_SMBCONF_NTLM_AUTH));
    else if (strcmp(na->value, "disabled"))
        add(out, "ntlm-allowed", "server", "ntlm auth = %s (%s:%u): smbd accepts NTLM authentication", na->value,
            na->origin, na->line);
}

void smb_policy_audit_pair(smb_proto proto, smb_side client, smb_side server, const smb_outcome *o,
                           smb_findings *out)
{
    if (!o || !out)
        return;
    if (o->kind == SMB_OUTCOME_FAILS)
        add(out, "connect-fails", "pair", "%s client %s vs %s server %s: fails at %s with %s", smb_era_name(client.era),
            smb_level_name(client.level), smb_era_name(server.era), smb_level_name(server.level),
            smb_fail_point_name(o->fail_at), o->error_name ? o->error_name : smb_status_name(o->error));
    else if (o->kind == SMB_OUTCOME_NOT_SIGNED)
        add(out, "not-signed", "pair", "%s: client %s, server %s: %s", proto == SMB_PROTO_SMB2 ? "SMB2/3" : "SMB1",
            smb_level_name(client.level), smb_level_name(server.level), o->why);
}

int smb_findings_max_severity(const smb_findings *f)
{
    int m = 0;
    for (size_t i = 0; f && i < f->n; i++)
        if ((int)f->f[i].def->severity > m)
            m = (int)f->f[i].def->severity;
    return m;
}
