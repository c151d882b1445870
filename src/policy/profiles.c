/*
 * policy/profiles.c - OS/role signing defaults as one const, dated table
 * (policy.h section 3). Golden-snapshot tested (tests/data/golden/profiles*.txt).
 *
 * Sources: KB887429 (seed 003) for Windows 98 .. Server 2003, seed 000 for the
 * "effective default" column, seed 004 for the SMB1/SMB2 defaults of current
 * Windows and the KB950876 era change, REFERENCES.md for Windows 11 24H2 and
 * Windows Server 2025, smb.conf(5) for Samba, ksmbd.conf(5) for ksmbd.
 * Each row's note says what was followed where sources disagree.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smbsign/policy.h"

#define U SMB_VALUE_UNDEFINED
#define D1 SMB_DIALECT_BIT_SMB1
#define D202 SMB_DIALECT_BIT_202
#define D210 SMB_DIALECT_BIT_210
#define D3X (SMB_DIALECT_BIT_300 | SMB_DIALECT_BIT_302 | SMB_DIALECT_BIT_311)
#define DALL2 (D202 | D210 | D3X)
#define DEF SMB_SOURCE_DEFAULT
#define GPO SMB_SOURCE_DOMAIN_GPO
#define WS SMB_ROLE_WORKSTATION
#define SRV SMB_ROLE_SERVER
#define DC SMB_ROLE_DC
#define LEG SMB_ERA_LEGACY
#define CUR SMB_ERA_CURRENT

/* name, title, date, role, era, dialects, optional dialects,
 * client require, client enable, server require, server enable, server enable_w9x,
 * server default source, require_needs_enable, client key, note */
static const smb_profile profiles[] = {
    {"win98", "Windows 98 (Directory Services Client)", "1998-06-25", WS, LEG, D1, 0, 0, 1, 0, 0, U, DEF, false,
     "VxD\\VNetsup",
     "KB887429: client keys under VxD\\VNetsup, EnableSecuritySignature 1, RequireSecuritySignature 0; the "
     "98 file-sharing server does not sign (modelled as disabled)."},
    {"nt4", "Windows NT 4.0 SP3 or later (workstation or member server)", "1997-05-15", WS, LEG, D1, 0, 0, 1, 0, 0,
     U, DEF, false, "Rdr",
     "KB887429: client keys under Rdr\\Parameters (enable 1, require 0); server EnableSecuritySignature 0 for "
     "all but domain controllers."},
    {"nt4-dc", "Windows NT 4.0 SP3 or later domain controller", "1997-05-15", DC, LEG, D1, 0, 0, 1, 0, 1, U, DEF,
     false, "Rdr",
     "Seeds disagree on the server default: KB887429's Windows 2000/2003 registry notes say 0 (disabled), its "
     "overview list and its NT 4.0 section say 1 (enabled). Followed the NT 4.0 section (the more specific "
     "text, and it agrees with the overview): enabled, not required."},
    {"win2000", "Windows 2000 Professional", "2000-02-17", WS, LEG, D1, 0, 0, 1, 0, 0, 0, DEF, true,
     "LanmanWorkstation",
     "KB887429 local policy: client when-possible enabled, always disabled; server both disabled. Seed 000: "
     "the client (always) policy takes effect only with client (when possible) enabled. "
     "enableW9xsecuritysignature needed for NT 4.0/98 peers to sign (KB887429)."},
    {"win2000-server", "Windows 2000 Server (member or stand-alone)", "2000-02-17", SRV, LEG, D1, 0, 0, 1, 0, 0, 0,
     DEF, true, "LanmanWorkstation", "As win2000: server signing disabled by default except on domain controllers."},
    {"win2000-dc", "Windows 2000 Server domain controller", "2000-02-17", DC, LEG, D1, 0, 0, 1, 0, 1, 0, GPO, true,
     "LanmanWorkstation",
     "Default Domain Controllers policy (KB887429): server when-possible enabled, always not defined. One "
     "KB887429 registry note says 1 (required) for 2000 DCs; the policy table, the overview (required only on "
     "2003 DCs) and the NT 4.0 section say not required. Followed: enabled, not required."},
    {"winxp", "Windows XP before KB950876", "2001-10-25", WS, LEG, D1, 0, 0, 1, 0, 0, U, DEF, false,
     "LanmanWorkstation",
     "KB887429 local policy: client always disabled / if-server-agrees enabled; server both disabled. Old "
     "SMB1 behaviour (seed 004 'Older SMB1 Signing Behavior')."},
    {"winxp-kb950876", "Windows XP with KB950876", "2008-06-10", WS, CUR, D1, 0, 0, 1, 0, 0, U, DEF, false,
     "LanmanWorkstation",
     "Same settings as winxp; KB950876 changed SMB1 to the Vista/2008 behaviour (seed 004)."},
    {"win2003", "Windows Server 2003 before KB950876 (member or stand-alone)", "2003-04-24", SRV, LEG, D1, 0, 0, 1,
     0, 0, U, DEF, false, "LanmanWorkstation",
     "KB887429 local policy: as winxp; server signing only on domain controllers."},
    {"win2003-kb950876", "Windows Server 2003 with KB950876 (member or stand-alone)", "2008-06-10", SRV, CUR, D1, 0,
     0, 1, 0, 0, U, DEF, false, "LanmanWorkstation", "Same settings as win2003, current SMB1 behaviour."},
    {"win2003-dc", "Windows Server 2003 domain controller before KB950876", "2003-04-24", DC, LEG, D1, 0, 0, 1, 1,
     1, U, GPO, false, "LanmanWorkstation",
     "Default Domain Controllers policy (KB887429): server always enabled, if-client-agrees enabled; client "
     "if-server-agrees enabled from local policy."},
    {"win2003-dc-kb950876", "Windows Server 2003 domain controller with KB950876", "2008-06-10", DC, CUR, D1, 0, 0, 1,
     1, 1, U, GPO, false, "LanmanWorkstation", "As win2003-dc, current SMB1 behaviour."},
    {"vista", "Windows Vista", "2007-01-30", WS, CUR, D1 | D202, 0, 0, 1, 0, 0, U, DEF, false, "LanmanWorkstation",
     "Seed 004: SMB1 client enabled, SMB1 server disabled, SMB2 not required on either side."},
    {"win7", "Windows 7", "2009-10-22", WS, CUR, D1 | D202 | D210, 0, 0, 1, 0, 0, U, DEF, false, "LanmanWorkstation",
     "Seed 000 and seed 004 defaults (client enabled, server disabled, nothing required)."},
    {"win10", "Windows 10", "2015-07-29", WS, CUR, DALL2, D1, 0, 1, 0, 0, U, DEF, false, "LanmanWorkstation",
     "Seed 004 defaults. SMB1 is an optional feature, not installed on clean installs since 1709."},
    {"win11", "Windows 11 before 24H2", "2021-10-05", WS, CUR, DALL2, D1, 0, 1, 0, 0, U, DEF, false,
     "LanmanWorkstation", "Seed 004 defaults; SMB1 not installed by default."},
    {"win11-24h2", "Windows 11 24H2 Pro, Enterprise, Education", "2024-10-01", WS, CUR, DALL2, D1, 1, 1, 1, 1, U, DEF,
     false, "LanmanWorkstation",
     "Microsoft: 24H2 Pro/Enterprise/Education require signing outbound and inbound by default (REFERENCES.md)."},
    {"win11-24h2-home", "Windows 11 24H2 Home", "2024-10-01", WS, CUR, DALL2, D1, 0, 1, 0, 0, U, DEF, false,
     "LanmanWorkstation", "Microsoft: the Home edition does not require signing (REFERENCES.md)."},
    {"server2008", "Windows Server 2008 (member or stand-alone)", "2008-02-27", SRV, CUR, D1 | D202, 0, 0, 1, 0, 0, U,
     DEF, false, "LanmanWorkstation", "Seed 004 defaults; seed 000 'Member Server Effective Default' for the client."},
    {"server2016", "Windows Server 2016 (member or stand-alone)", "2016-10-12", SRV, CUR, D1 | DALL2, 0, 0, 1, 0, 0,
     U, DEF, false, "LanmanWorkstation", "Seed 004 defaults; SMB1 still installed by default (removed in 2019)."},
    {"server2019", "Windows Server 2019 (member or stand-alone)", "2018-10-02", SRV, CUR, DALL2, D1, 0, 1, 0, 0, U,
     DEF, false, "LanmanWorkstation", "Seed 004 defaults; SMB1 not installed by default."},
    {"server2022", "Windows Server 2022 (member or stand-alone)", "2021-08-18", SRV, CUR, DALL2, D1, 0, 1, 0, 0, U,
     DEF, false, "LanmanWorkstation", "Seed 004 defaults (client enabled, server disabled, nothing required)."},
    {"server2022-dc", "Windows Server 2022 domain controller", "2021-08-18", DC, CUR, DALL2, D1, 0, 1, 1, 1, U, GPO,
     false, "LanmanWorkstation",
     "Seed 004: domain controllers require signing through the Default Domain Controllers policy."},
    {"server2025", "Windows Server 2025 (member or stand-alone)", "2024-11-01", SRV, CUR, DALL2, D1, 1, 1, 0, 0, U,
     DEF, false, "LanmanWorkstation",
     "Microsoft's pages disagree: the 2023 announcement read as 'required both ways', the current 'SMB "
     "signing' Learn page says outbound required, inbound only on domain controllers. Followed the Learn "
     "page (REFERENCES.md): client required, server not required."},
    {"server2025-dc", "Windows Server 2025 domain controller", "2024-11-01", DC, CUR, DALL2, D1, 1, 1, 1, 1, U, GPO,
     false, "LanmanWorkstation", "Outbound required (2025 default) and inbound required (DC policy)."},
    {"samba", "Samba 4.11 or later (member or stand-alone)", "2019-09-17", SRV, CUR, DALL2, D1, 0, 1, 0, 0, U, DEF,
     false, "smb.conf",
     "smb.conf(5): client signing = default (desired: offered, not enforced); server signing = default "
     "(disabled unless AD DC; SMB2 signing cannot be disabled). SMB1 off since 4.11 (server min protocol)."},
    {"samba-dc", "Samba 4.11 or later Active Directory domain controller", "2019-09-17", DC, CUR, DALL2, D1, 0, 1, 1,
     1, U, DEF, false, "smb.conf",
     "smb.conf(5): server signing = default means mandatory when the server role is active directory domain "
     "controller."},
    {"ksmbd", "Linux ksmbd in-kernel server", "2021-10-31", SMB_ROLE_SERVER_ONLY, CUR,
     D210 | D3X, 0, U, U, 0, 0, U, DEF, false, NULL,
     "Server only (no client). ksmbd.conf(5): server signing defaults to disabled (auto/mandatory opt-in); SMB2 "
     "always advertises SIGNING_ENABLED. Dialects 2.1 to 3.1.1."},
};

/* Defaults of the 24H2-group settings, keyed by profile name (a separate
 * table so the smb_profile rows above stay as they were). Sources: Microsoft
 * Learn "Guest access in SMB2 and SMB3 disabled by default in Windows"
 * (KB4046019: off on Enterprise/Education and Server since 1709, on Pro since
 * 24H2, Home still allowed), "Control SMB signing behavior" and "SMB security
 * hardening" (24H2 / Server 2025 audit, RequireEncryption, BlockNTLM: all off
 * by default), "SMB security enhancements" (EncryptData off,
 * RejectUnencryptedAccess on since Windows 8 / Server 2012), "How to detect,
 * enable and disable SMBv1" (SMB1 server not installed on clean installs
 * since 1709 / Server 2019), KB3000483 / MS15-011 (SYSVOL and NETLOGON
 * hardened by default since Windows 10). U = the setting does not exist. */
typedef struct profile_ext {
    const char *name;
    int8_t v[SMB_SETTING_COUNT - SMB_SETTING_FIRST_EXTENDED];
    bool unc_defaults; /* \\*\SYSVOL and \\*\NETLOGON hardened when not configured */
    const char *note;  /* sources of these defaults */
} profile_ext;

#define N_LEGACY "SMB1-only system: none of the 24H2 settings exist; the SMB1 server is on."
#define N_W7 "No AllowInsecureGuestAuth yet: SMB2 guest logons always allowed; no SMB 3 encryption; SMB1 server on."
#define N_W10 "Modelled as Pro: insecure guest logons allowed (Enterprise/Education off since 1709, KB4046019); " \
              "EncryptData 0, RejectUnencryptedAccess 1; SYSVOL/NETLOGON hardened by default (KB3000483)."
#define N_24H2 "Learn 'Control SMB signing behavior' / 'SMB security hardening': audit, RequireEncryption and " \
               "BlockNTLM exist and are off; insecure guest logons off (Pro since 24H2, Enterprise/Education " \
               "since 1709)."
#define N_HOME "As win11-24h2 but Home still allows insecure guest logons (Learn 'Enable insecure guest logons')."
#define N_S2016 "Insecure guest logons still allowed (1607, before the 1709 change); SMB1 server installed."
#define N_S2019 "Insecure guest logons off since Server 2019 (KB4046019); SMB1 not installed."
#define N_S2025 "As Server 2019 plus the 24H2-group settings, all off by default."
#define N_SAMBA "smb.conf(5) defaults: server smb encrypt = default (offered, not required), client smb encrypt " \
                "= default, server min protocol = SMB2_02."
#define N_KSMBD "ksmbd.conf(5): encryption off by default; no SMB1."

/*            req_enc guest a_sign a_enc a_guest blk_ntlm | encrypt reject a_sign a_enc smb1 */
#define LEGACY_EXT {U, U, U, U, U, U, U, U, U, U, 1}
#define W7_EXT {U, 1, U, U, U, U, U, U, U, U, 1}
#define W10_EXT(guest, smb1) {U, guest, U, U, U, U, 0, 1, U, U, smb1}
#define H24_EXT(guest) {0, guest, 0, 0, 0, 0, 0, 1, 0, 0, 0}
static const profile_ext exts[] = {
    {"win98", LEGACY_EXT, false, N_LEGACY},
    {"nt4", LEGACY_EXT, false, N_LEGACY},
    {"nt4-dc", LEGACY_EXT, false, N_LEGACY},
    {"win2000", LEGACY_EXT, false, N_LEGACY},
    {"win2000-server", LEGACY_EXT, false, N_LEGACY},
    {"win2000-dc", LEGACY_EXT, false, N_LEGACY},
    {"winxp", LEGACY_EXT, false, N_LEGACY},
    {"winxp-kb950876", LEGACY_EXT, false, N_LEGACY},
    {"win2003", LEGACY_EXT, false, N_LEGACY},
    {"win2003-kb950876", LEGACY_EXT, false, N_LEGACY},
    {"win2003-dc", LEGACY_EXT, false, N_LEGACY},
    {"win2003-dc-kb950876", LEGACY_EXT, false, N_LEGACY},
    {"vista", W7_EXT, false, N_W7},
    {"win7", W7_EXT, false, N_W7},
    {"win10", W10_EXT(1, 0), true, N_W10},
    {"win11", W10_EXT(1, 0), true, N_W10},
    {"win11-24h2", H24_EXT(0), true, N_24H2},
    {"win11-24h2-home", H24_EXT(1), true, N_HOME},
    {"server2008", W7_EXT, false, N_W7},
    {"server2016", W10_EXT(1, 1), true, N_S2016},
    {"server2019", W10_EXT(0, 0), true, N_S2019},
    {"server2022", W10_EXT(0, 0), true, N_S2019},
    {"server2022-dc", W10_EXT(0, 0), true, N_S2019},
    {"server2025", H24_EXT(0), true, N_S2025},
    {"server2025-dc", H24_EXT(0), true, N_S2025},
    {"samba", {0, U, U, U, U, U, 0, U, U, U, 0}, false, N_SAMBA},
    {"samba-dc", {0, U, U, U, U, U, 0, U, U, U, 0}, false, N_SAMBA},
    {"ksmbd", {U, U, U, U, U, U, 0, U, U, U, 0}, false, N_KSMBD},
};

static const profile_ext *ext_of(const smb_profile *p)
{
    for (size_t i = 0; p && i < sizeof exts / sizeof exts[0]; i++)
        if (!strcmp(exts[i].name, p->name))
            return &exts[i];
    return NULL;
}

int8_t smb_policy_profile_default(const smb_profile *p, smb_setting s)
{
    if (!p || (unsigned)s >= SMB_SETTING_COUNT)
        return SMB_VALUE_UNDEFINED;
    switch (s) {
    case SMB_SETTING_CLIENT_REQUIRE: return p->client_require;
    case SMB_SETTING_CLIENT_ENABLE: return p->client_enable;
    case SMB_SETTING_SERVER_REQUIRE: return p->server_require;
    case SMB_SETTING_SERVER_ENABLE: return p->server_enable;
    case SMB_SETTING_SERVER_ENABLE_W9X: return p->server_enable_w9x;
    default: break;
    }
    const profile_ext *x = ext_of(p);
    if (!x || (p->role == SMB_ROLE_SERVER_ONLY && smb_policy_setting_desc(s)->client))
        return SMB_VALUE_UNDEFINED;
    return x->v[s - SMB_SETTING_FIRST_EXTENDED];
}

const char *smb_policy_profile_note_24h2(const smb_profile *p)
{
    const profile_ext *x = ext_of(p);
    return x ? x->note : NULL;
}

bool smb_policy_profile_unc_defaults(const smb_profile *p)
{
    const profile_ext *x = ext_of(p);
    return x && x->unc_defaults;
}

const smb_profile *smb_policy_profiles(size_t *count)
{
    if (count)
        *count = sizeof profiles / sizeof profiles[0];
    return profiles;
}

const smb_profile *smb_policy_profile_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
        if (!strcasecmp(profiles[i].name, name))
            return &profiles[i];
    return NULL;
}

const char *smb_role_name(smb_role r)
{
    switch (r) {
    case SMB_ROLE_WORKSTATION: return "workstation";
    case SMB_ROLE_SERVER: return "server";
    case SMB_ROLE_DC: return "dc";
    case SMB_ROLE_SERVER_ONLY: return "server-only";
    }
    return "?";
}

void smb_policy_profile_layer(const smb_profile *p, smb_policy_layer *out)
{
    smb_policy_layer_init(out, SMB_SOURCE_DEFAULT, p->name);
    int8_t vals[SMB_SETTING_COUNT];
    for (int s = 0; s < SMB_SETTING_COUNT; s++)
        vals[s] = smb_policy_profile_default(p, (smb_setting)s);
    for (int s = 0; s < SMB_SETTING_COUNT; s++) {
        out->v[s].profile = p;
        if (vals[s] == SMB_VALUE_UNDEFINED)
            continue;
        smb_policy_layer_set(out, (smb_setting)s, vals[s], (uint32_t)vals[s], 0, 0);
        /* The Default Domain Controllers Policy only ever enables: a value it
         * leaves "not defined" (Windows 2000: server always) stays an OS default
         * that a registry value can change (KB887429 policy tables). What it
         * enables is the profile's assumption about that GPO, not something
         * read from a file: its own source (issue 20), at domain-GPO rank. */
        if ((s == SMB_SETTING_SERVER_REQUIRE || s == SMB_SETTING_SERVER_ENABLE) &&
            p->server_default_source == SMB_SOURCE_DOMAIN_GPO && vals[s] == 1)
            out->v[s].source = SMB_SOURCE_ASSUMED_GPO;
    }
}

smb_dialect smb_policy_best_dialect(uint8_t bits)
{
    if (bits & SMB_DIALECT_BIT_311) return SMB_DIALECT_311;
    if (bits & SMB_DIALECT_BIT_302) return SMB_DIALECT_302;
    if (bits & SMB_DIALECT_BIT_300) return SMB_DIALECT_300;
    if (bits & SMB_DIALECT_BIT_210) return SMB_DIALECT_210;
    if (bits & SMB_DIALECT_BIT_202) return SMB_DIALECT_202;
    if (bits & SMB_DIALECT_BIT_SMB1) return SMB_DIALECT_SMB1;
    return SMB_DIALECT_NONE;
}

smb_status smb_policy_pick_proto(uint8_t client_dialects, uint8_t server_dialects, smb_proto *proto,
                                 smb_dialect *best)
{
    uint8_t common = client_dialects & server_dialects;
    smb_dialect d = smb_policy_best_dialect(common);
    if (best)
        *best = d;
    if (d == SMB_DIALECT_NONE)
        return SMB_E_NOT_SUPPORTED;
    if (proto)
        *proto = d == SMB_DIALECT_SMB1 ? SMB_PROTO_SMB1 : SMB_PROTO_SMB2;
    return SMB_OK;
}

bool smb_policy_profile_is_downlevel_client(const smb_profile *p)
{
    return p && p->registry_client_key &&
           (!strcmp(p->registry_client_key, "Rdr") || !strcmp(p->registry_client_key, "VxD\\VNetsup"));
}

smb_sign_level smb_policy_server_level_for(const smb_policy_effective *server, const smb_profile *server_profile,
                                           const smb_profile *client_profile)
{
    smb_sign_level l = smb_policy_server_level(server);
    if (l == SMB_LEVEL_ENABLED && server_profile && server_profile->server_enable_w9x != SMB_VALUE_UNDEFINED &&
        smb_policy_profile_is_downlevel_client(client_profile) &&
        server->v[SMB_SETTING_SERVER_ENABLE_W9X].value != 1)
        return SMB_LEVEL_DISABLED; /* KB887429 enableW9xsecuritysignature */
    return l;
}
