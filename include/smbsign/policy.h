/*
 * smbsign/policy.h - the signing policy engine.
 *
 * This header is the single source of truth for "is signing on?": the client,
 * server, scanner and live matrix take their decisions from these functions
 * and never re-derive them. It holds:
 *
 *   1. SecurityMode <-> level vocabulary (KB887429, MS-SMB2 2.2.3/2.2.4);
 *   2. the four settings (+ NT 4.0 / Windows 98 keys, enableW9xsecuritysignature)
 *      with their Group Policy and registry names, values with sources, and
 *      precedence (domain GPO > local policy > registry > OS/role default);
 *   3. the OS/role profile table (const, dated, golden-snapshot tested);
 *   4. the negotiated outcome of a client against a server, per family and per
 *      side era (legacy = before KB950876, current = after), and the engine
 *      decisions a live client or server must apply;
 *   5. findings (stable ids, severities, references);
 *   6. parsers for .reg files, GPO security templates (GptTmpl.inf / secedit
 *      export) and PowerShell Get-Smb{Server,Client}Configuration output.
 *
 * Ownership: every structure is caller-allocated and fixed-size; nothing here
 * allocates except the PowerShell JSON parser internally (freed before return).
 * Strings returned as const char * are static. No global mutable state.
 * Sources followed are named in docs/policy.md and in comments.
 */
#ifndef SMBSIGN_POLICY_H
#define SMBSIGN_POLICY_H

#include "smbsign/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"
#include "smbsign/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* 1. SecurityMode vocabulary                                                */
/* ------------------------------------------------------------------------ */

/* Level a server advertises in an SMB1 NEGOTIATE response SecurityMode byte
 * (KB887429: 3 disabled, 7 enabled, 15 required). Bit 3 without bit 2 is
 * read as required (the requirement is what a client must honour). */
SMB_API smb_sign_level smb_policy_level_from_smb1_secmode(uint8_t security_mode);

/* SMB2 SecurityMode: only SIGNING_REQUIRED carries information (servers
 * always set SIGNING_ENABLED). Returns SMB_LEVEL_REQUIRED or SMB_LEVEL_ENABLED. */
SMB_API smb_sign_level smb_policy_level_from_smb2_secmode(uint16_t security_mode);

/* SecurityMode a side puts on the wire for its level.
 * SMB1 server: user-level security + encrypted passwords (0x03), plus 0x04 when
 * enabled, plus 0x08 when required (3, 7, 15).
 * SMB2: SIGNING_ENABLED always, plus SIGNING_REQUIRED when required. */
SMB_API uint8_t smb_policy_smb1_secmode(smb_sign_level level);
SMB_API uint16_t smb_policy_smb2_secmode(smb_sign_level level);

/* SMB1 header Flags2 bits a client uses to state its signing posture in
 * SESSION_SETUP_ANDX (MS-SMB 2.2.3.1). */
#define SMB1_FLAGS2_SECURITY_SIGNATURE 0x0004
#define SMB1_FLAGS2_SECURITY_SIGNATURE_REQUIRED 0x0010

/* ------------------------------------------------------------------------ */
/* 2. Settings, values, sources, precedence                                  */
/* ------------------------------------------------------------------------ */

typedef enum smb_setting {
    SMB_SETTING_CLIENT_REQUIRE = 0, /* LanmanWorkstation RequireSecuritySignature */
    SMB_SETTING_CLIENT_ENABLE,      /* LanmanWorkstation EnableSecuritySignature */
    SMB_SETTING_SERVER_REQUIRE,     /* LanManServer RequireSecuritySignature */
    SMB_SETTING_SERVER_ENABLE,      /* LanManServer EnableSecuritySignature */
    SMB_SETTING_SERVER_ENABLE_W9X,  /* LanManServer enableW9xsecuritysignature (no GPO) */
    /* Windows 11 24H2 / Server 2025 era settings (REFERENCES.md; Microsoft Learn
     * "Control SMB signing behavior", "SMB security hardening", KB4046019).
     * Read from LanmanWorkstation / LanmanServer \Parameters and from the Group
     * Policy keys HKLM\SOFTWARE\Policies\Microsoft\Windows\LanmanWorkstation /
     * LanmanServer. */
    SMB_SETTING_CLIENT_REQUIRE_ENCRYPTION, /* LanmanWorkstation RequireEncryption */
    SMB_SETTING_CLIENT_INSECURE_GUEST,     /* AllowInsecureGuestAuth (PowerShell EnableInsecureGuestLogons) */
    SMB_SETTING_CLIENT_AUDIT_SIGNING,      /* AuditServerDoesNotSupportSigning */
    SMB_SETTING_CLIENT_AUDIT_ENCRYPTION,   /* AuditServerDoesNotSupportEncryption */
    SMB_SETTING_CLIENT_AUDIT_GUEST,        /* AuditInsecureGuestLogon */
    SMB_SETTING_CLIENT_BLOCK_NTLM,         /* BlockNTLM */
    SMB_SETTING_SERVER_ENCRYPT_DATA,       /* LanmanServer EncryptData */
    SMB_SETTING_SERVER_REJECT_UNENCRYPTED, /* RejectUnencryptedAccess */
    SMB_SETTING_SERVER_AUDIT_SIGNING,      /* AuditClientDoesNotSupportSigning */
    SMB_SETTING_SERVER_AUDIT_ENCRYPTION,   /* AuditClientDoesNotSupportEncryption */
    SMB_SETTING_SERVER_SMB1,               /* SMB1 (PowerShell EnableSMB1Protocol) */
    SMB_SETTING_COUNT
} smb_setting;

/* The first setting of the 24H2 group (everything before it is a signing level setting). */
#define SMB_SETTING_FIRST_EXTENDED SMB_SETTING_CLIENT_REQUIRE_ENCRYPTION

/* Static description of one setting. */
typedef struct smb_setting_desc {
    smb_setting id;
    const char *name;          /* "client.require", ... (CLI / JSON) */
    const char *value_name;    /* registry value name */
    const char *policy_name;   /* Windows XP/2003 and later Security Options name (NULL: none) */
    const char *policy_w2k;    /* Windows 2000 policy name (NULL: none) */
    const char *registry_keys; /* human list of the keys that carry it */
    const char *cis;           /* CIS benchmark item ("2.3.8.1"), NULL if none */
    bool smb1_only;            /* has no effect on SMB2/3 */
    bool client;               /* a LanmanWorkstation (client) setting; else LanmanServer */
    const char *ps_name;       /* Get-Smb*Configuration property name */
    const char *json_key;      /* key under "client"/"server" in audit --json ("require", "require_encryption") */
    bool gpo_key;              /* also read from SOFTWARE\Policies\Microsoft\Windows\Lanman* */
} smb_setting_desc;

SMB_API const smb_setting_desc *smb_policy_setting_desc(smb_setting s);

/* Where a value comes from, in increasing precedence. OVERRIDE is an explicit
 * what-if value given on the command line (smbsign policy SPEC overrides). */
typedef enum smb_source {
    SMB_SOURCE_NONE = 0,     /* not defined anywhere */
    SMB_SOURCE_DEFAULT,      /* OS/role default from the profile */
    SMB_SOURCE_SMB_CONF,     /* Samba smb.conf (or our server's config in Samba words) */
    SMB_SOURCE_REGISTRY,     /* a registry value (.reg, PowerShell output) */
    SMB_SOURCE_LOCAL_POLICY, /* local security policy (secedit /export) */
    SMB_SOURCE_ASSUMED_GPO,  /* domain Group Policy a profile assumes (a DC's Default Domain Controllers
                                Policy), not read from any file; a read domain GPO outranks it */
    SMB_SOURCE_DOMAIN_GPO,   /* domain Group Policy (GptTmpl.inf) */
    SMB_SOURCE_OVERRIDE      /* command-line what-if */
} smb_source;

/* "not-defined" "default" "smb.conf" "registry" "local-policy" "assumed-gpo" "domain-gpo" "override" */
SMB_API const char *smb_source_name(smb_source s);

struct smb_profile;

/* Origins are borrowed, never copied or cut: a layer keeps the name pointer it
 * was initialised with (a file path, a description, or a profile's static
 * name), and every value and effective set resolved from it points at the
 * same string, which must outlive them. */

/* Value states inside a layer. */
#define SMB_VALUE_UNDEFINED (-1) /* layer says nothing */
#define SMB_VALUE_DELETED (-2)   /* layer deletes the value ([-KEY] or "Name"=-) */

/* Value flags (for the invalid-value finding). */
#define SMB_VALUE_F_NOT_BOOLEAN 0x01 /* a DWORD other than 0 or 1 (read as nonzero = enabled) */
#define SMB_VALUE_F_WRONG_TYPE 0x02  /* not a DWORD (ignored, as the service ignores it) */

typedef struct smb_setting_value {
    int8_t value;       /* 0, 1, SMB_VALUE_UNDEFINED or SMB_VALUE_DELETED */
    uint8_t flags;      /* SMB_VALUE_F_* */
    smb_source source;  /* where the (effective) value came from */
    uint32_t raw;       /* the number as written (valid when a DWORD was read) */
    uint32_t line;      /* 1-based line in the origin file, 0 if none */
    const char *origin; /* borrowed: file name, description or profile name; "" if none, never NULL
                           once initialised */
    const struct smb_profile *profile; /* set when the value is a profile's default or assumption
                                          (origin is then profile->name) */
} smb_setting_value;

/* The origin as people read it: the file name itself (returned as is, whole),
 * or for a profile's values "profile NAME" / "profile NAME: Default Domain
 * Controllers Policy" composed into buf (profile names are short static
 * strings). Never NULL. */
#define SMB_POLICY_ORIGIN_TEXT_MAX 128
/* Structures that own a copy of their origin (hardened paths, smb.conf
 * values, which may come from an include file) keep up to this many bytes. */
#define SMB_POLICY_ORIGIN_MAX 512
SMB_API const char *smb_policy_origin_text(const smb_setting_value *v, char buf[SMB_POLICY_ORIGIN_TEXT_MAX]);

/* Layer notes (things worth telling the reader that are not errors). */
#define SMB_LAYER_NOTE_NO_VERSION 0x01 /* security template without [Version] (as samba-tool writes it) */

typedef struct smb_policy_error smb_policy_error; /* section 6 */

/* MS15-011 (KB3000483) hardened UNC paths: one value under
 * HKLM\SOFTWARE\Policies\Microsoft\Windows\NetworkProvider\HardenedPaths,
 * named by a path pattern (\\*\NAME, \\SERVER\*, \\SERVER\NAME) whose
 * REG_SZ data is "RequireMutualAuthentication=1, RequireIntegrity=1[, RequirePrivacy=1]". */
#define SMB_HARDENED_PATH_MAX 128
#define SMB_POLICY_MAX_HARDENED 8
typedef struct smb_hardened_path {
    char path[SMB_HARDENED_PATH_MAX]; /* as written in the policy: \\*\SYSVOL */
    int8_t require_mutual_auth;       /* 0/1, SMB_VALUE_UNDEFINED when not listed */
    int8_t require_integrity;
    int8_t require_privacy;
    bool deleted;                     /* "\\*\SYSVOL"=- or [-...HardenedPaths] */
    smb_source source;
    uint32_t line;
    char origin[SMB_POLICY_ORIGIN_MAX];
} smb_hardened_path;

/* One source of settings: a parsed file, the profile defaults, or overrides. */
typedef struct smb_policy_layer {
    smb_source source;
    const char *name;  /* borrowed: file name or description */
    uint32_t notes;    /* SMB_LAYER_NOTE_* */
    smb_setting_value v[SMB_SETTING_COUNT];
    smb_hardened_path hp[SMB_POLICY_MAX_HARDENED]; /* hardened UNC paths this layer sets, in file order */
    uint8_t n_hp;
    bool hp_key_deleted; /* [-...\NetworkProvider\HardenedPaths]: lower layers' paths are removed */
} smb_policy_layer;

/* Parse a HardenedPaths value's data ("RequireMutualAuthentication=1,
 * RequireIntegrity=1"): names case-insensitive, separated by commas and/or
 * blanks, values 0 or 1; an empty string sets nothing. Fills the three flags
 * of *out (others untouched) or returns SMB_E_MALFORMED with err->msg. */
SMB_API SMB_WUR smb_status smb_policy_parse_hardened_value(const char *s, size_t n, smb_hardened_path *out, smb_policy_error *err);
/* Check a path pattern: \\*\NAME, \\SERVER\* or \\SERVER\NAME (no further
 * components). Returns 0 ok, -1 invalid. */
SMB_API int smb_policy_hardened_pattern_ok(const char *pattern);
/* How specifically a pattern matches a UNC path \\server\share[\...]:
 * 0 no match, 1 \\*\NAME, 2 \\SERVER\*, 3 \\SERVER\NAME (case-insensitive). */
SMB_API int smb_policy_hardened_match(const char *pattern, const char *unc);
/* Add (or replace, same pattern) a hardened path in a layer; false when full. */
SMB_API bool smb_policy_layer_add_hardened(smb_policy_layer *l, const smb_hardened_path *hp);

/* An empty layer (every value undefined) of the given source and name.
 * name is borrowed (see above); NULL means "". */
SMB_API void smb_policy_layer_init(smb_policy_layer *l, smb_source source, const char *name);
/* Set a value in a layer (value 0/1/DELETED; raw and flags as read). */
SMB_API void smb_policy_layer_set(smb_policy_layer *l, smb_setting s, int8_t value, uint32_t raw, uint8_t flags,
                          uint32_t line);

#define SMB_POLICY_MAX_LAYERS 16
#define SMB_POLICY_MAX_SHADOWED 32

/* A value that a higher-precedence layer replaced. */
typedef struct smb_shadowed {
    smb_setting setting;
    smb_setting_value lost;   /* the replaced value */
    smb_source winner;        /* source of the final effective value */
    int8_t winner_value;      /* the final effective value (may be UNDEFINED after a deletion) */
} smb_shadowed;

/* Effective settings of one machine. */
typedef struct smb_policy_effective {
    smb_setting_value v[SMB_SETTING_COUNT]; /* value 0/1 or UNDEFINED, with source */
    smb_shadowed shadowed[SMB_POLICY_MAX_SHADOWED];
    size_t n_shadowed;
    bool require_needs_enable; /* Windows 2000 rule (seed 000): client require needs client enable */
    smb_hardened_path hp[SMB_POLICY_MAX_HARDENED]; /* effective hardened paths (highest source per pattern) */
    size_t n_hp;
} smb_policy_effective;

/*
 * Resolve layers into effective values. Layers may come in any order; they are
 * applied by source precedence (NONE < DEFAULT < REGISTRY < LOCAL_POLICY <
 * DOMAIN_GPO < OVERRIDE), and in the given order within one source (later
 * wins). A DELETED value clears what lower layers of the same or lower source
 * set and falls back to the DEFAULT layer's value (a deleted registry value
 * means the OS default applies); it cannot clear a higher source.
 * Returns SMB_E_BAD_ARGUMENT when n > SMB_POLICY_MAX_LAYERS.
 */
SMB_API SMB_WUR smb_status smb_policy_resolve(const smb_policy_layer *layers, size_t n, smb_policy_effective *out);

/* A side's level from effective values (KB887429, seed 004 tables):
 * client: require=1 -> required (on Windows 2000 only if enable=1 too, seed 000),
 * else enable=1 -> enabled, else disabled; likewise for the server.
 * Undefined values count as 0. */
SMB_API smb_sign_level smb_policy_client_level(const smb_policy_effective *e);
SMB_API smb_sign_level smb_policy_server_level(const smb_policy_effective *e);

/* ------------------------------------------------------------------------ */
/* 3. Profiles                                                               */
/* ------------------------------------------------------------------------ */

/* SMB1 behaviour era of one system (seed 004, KB950876). */
typedef enum smb_era {
    SMB_ERA_CURRENT = 0, /* Vista / 2008 and later, XP / 2003 with KB950876 */
    SMB_ERA_LEGACY = 1   /* XP / 2003 before KB950876, 2000, NT 4.0, 98 */
} smb_era;
SMB_API const char *smb_era_name(smb_era e); /* "current" | "legacy" */

typedef enum smb_role {
    SMB_ROLE_WORKSTATION = 0,
    SMB_ROLE_SERVER,      /* member or stand-alone server */
    SMB_ROLE_DC,          /* domain controller */
    SMB_ROLE_SERVER_ONLY  /* has no SMB client (ksmbd) */
} smb_role;
SMB_API const char *smb_role_name(smb_role r); /* "workstation" "server" "dc" "server-only" */

/* Dialect bits for profile dialect sets. */
#define SMB_DIALECT_BIT_SMB1 0x01
#define SMB_DIALECT_BIT_202 0x02
#define SMB_DIALECT_BIT_210 0x04
#define SMB_DIALECT_BIT_300 0x08
#define SMB_DIALECT_BIT_302 0x10
#define SMB_DIALECT_BIT_311 0x20
#define SMB_DIALECT_BITS_SMB2 0x3E

typedef enum smb_proto { SMB_PROTO_SMB1 = 1, SMB_PROTO_SMB2 = 2 } smb_proto;

typedef struct smb_profile {
    const char *name;   /* "win2003-dc-kb950876" */
    const char *title;  /* "Windows Server 2003 domain controller with KB950876" */
    const char *date;   /* release date of the behaviour, ISO 8601 (YYYY-MM or YYYY-MM-DD) */
    smb_role role;
    smb_era era;
    uint8_t dialects;   /* SMB_DIALECT_BIT_* spoken by default */
    uint8_t dialects_optional; /* spoken only when an optional feature is turned on */
    /* Effective defaults: 0/1, or SMB_VALUE_UNDEFINED for "not applicable"
     * (no client on ksmbd; enableW9xsecuritysignature outside Windows 2000). */
    int8_t client_require, client_enable, server_require, server_enable, server_enable_w9x;
    /* Where the server require/enable defaults come from: SMB_SOURCE_DEFAULT,
     * or SMB_SOURCE_DOMAIN_GPO for the Default Domain Controllers Policy. */
    smb_source server_default_source;
    bool require_needs_enable; /* Windows 2000 rule (seed 000) */
    const char *registry_client_key; /* "LanmanWorkstation", "Rdr" (NT 4.0), "VxD\\VNetsup" (98) */
    const char *note;    /* sources followed, disagreements resolved */
} smb_profile;

/* The table, in a stable order (the order: workstations by age, then servers). */
SMB_API const smb_profile *smb_policy_profiles(size_t *count);
/* Case-insensitive lookup; NULL if unknown. */
SMB_API const smb_profile *smb_policy_profile_find(const char *name);
/* The default layer for a profile (source DEFAULT, origin the profile's
 * name, each value's profile set). When server_default_source is DOMAIN_GPO,
 * the server values the Default Domain Controllers Policy enables (value 1)
 * carry SMB_SOURCE_ASSUMED_GPO: domain-GPO rank, but the profile's
 * assumption, which any domain GPO file given outranks; values it leaves not
 * defined stay DEFAULT. */
SMB_API void smb_policy_profile_layer(const smb_profile *p, smb_policy_layer *out);
/* A profile's default for any setting (0/1, or SMB_VALUE_UNDEFINED when the
 * setting does not exist on that system). */
SMB_API int8_t smb_policy_profile_default(const smb_profile *p, smb_setting s);
/* True when the system hardens \\*\SYSVOL and \\*\NETLOGON (RequireMutualAuthentication=1,
 * RequireIntegrity=1) when HardenedPaths does not configure them (Windows 10 /
 * Server 2016 and later, KB3000483 / MS15-011). */
SMB_API bool smb_policy_profile_unc_defaults(const smb_profile *p);
/* The sources followed for a profile's 24H2-group defaults (static), NULL for none. */
SMB_API const char *smb_policy_profile_note_24h2(const smb_profile *p);

/* The hardened-path rule a client applies to a UNC path \\\\server\\share[\\...]:
 * the most specific effective HardenedPaths entry (\\\\SERVER\\NAME over
 * \\\\SERVER\\* over \\\\*\\NAME), else, for SYSVOL and NETLOGON on a profile with
 * smb_policy_profile_unc_defaults, the built-in default (source DEFAULT).
 * Returns false when no rule applies. RequireIntegrity=1 makes the client
 * require signing for that path whatever RequireSecuritySignature says. */
SMB_API bool smb_policy_path_hardening(const smb_policy_effective *e, const smb_profile *p, const char *unc,
                               smb_hardened_path *out);

/* Highest dialect in a set ("3.1.1", ..., "1"), SMB_DIALECT_NONE if empty. */
SMB_API smb_dialect smb_policy_best_dialect(uint8_t dialect_bits);

/* The protocol a client and a server end up speaking: the best common dialect
 * of the two dialect sets (SMB_DIALECT_BIT_*). Returns SMB_E_NOT_SUPPORTED
 * (no common dialect: negotiate fails) or SMB_OK with *proto and *best set. */
SMB_API SMB_WUR smb_status smb_policy_pick_proto(uint8_t client_dialects, uint8_t server_dialects, smb_proto *proto,
                                 smb_dialect *best);

/* True for NT 4.0 and Windows 98 profiles (their client keys are Rdr and
 * VxD\VNetsup): the "Win9x" clients of enableW9xsecuritysignature. */
SMB_API bool smb_policy_profile_is_downlevel_client(const smb_profile *p);

/* The server level a server uses toward one client. KB887429: "For Windows NT
 * 4.0-based computers to be able to connect to Windows 2000-based computers by
 * using SMB signing, you must create ... enableW9xsecuritysignature" - so a
 * Windows 2000 server (a profile that defines server_enable_w9x) whose
 * enableW9xsecuritysignature is not 1 treats an NT 4.0 / 98 client as if its
 * own signing were disabled, unless it requires signing (the KB says nothing
 * about required; it is left as configured). Otherwise the server's level. */
SMB_API smb_sign_level smb_policy_server_level_for(const smb_policy_effective *server, const smb_profile *server_profile,
                                           const smb_profile *client_profile);

/* ------------------------------------------------------------------------ */
/* 4. Outcome and engine decisions                                           */
/* ------------------------------------------------------------------------ */

/* The three documented tables (seed "The Basics of SMB Signing"). */
typedef enum smb_family {
    SMB_FAMILY_SMB2 = 0,     /* SMB 2.x and 3.x */
    SMB_FAMILY_SMB1,         /* SMB1, both sides current era */
    SMB_FAMILY_SMB1_LEGACY   /* SMB1, both sides before KB950876 */
} smb_family;
SMB_API const char *smb_family_name(smb_family f); /* "smb2" "smb1" "smb1-legacy" */
SMB_API int smb_family_parse(const char *s, smb_family *out); /* 0 ok, -1 unknown */

typedef enum smb_outcome_kind {
    SMB_OUTCOME_SIGNED = 0,
    SMB_OUTCOME_NOT_SIGNED,
    SMB_OUTCOME_FAILS,
    SMB_OUTCOME_ENCRYPTED /* SMB 3.x encryption (which also protects integrity); only from smb_policy_outcome_ex */
} smb_outcome_kind;
SMB_API const char *smb_outcome_name(smb_outcome_kind k); /* "signed" "not-signed" "fails" "encrypted" */

typedef enum smb_fail_point {
    SMB_FAIL_NONE = 0,
    SMB_FAIL_NEGOTIATE,     /* client hangs up after the NEGOTIATE response (KB887429) */
    SMB_FAIL_SESSION_SETUP, /* mixed era only: current client, legacy server that cannot sign */
    SMB_FAIL_TREE_CONNECT   /* server answers TREE_CONNECT (or TRANS2 DFS referral) with ACCESS_DENIED */
} smb_fail_point;
SMB_API const char *smb_fail_point_name(smb_fail_point p); /* "negotiate" "session-setup" "tree-connect" or NULL */

/* One side of a connection. */
typedef struct smb_side {
    smb_sign_level level;
    smb_era era; /* ignored for SMB2 */
} smb_side;

typedef struct smb_outcome {
    smb_outcome_kind kind;
    smb_fail_point fail_at; /* SMB_FAIL_NONE unless kind == FAILS */
    smb_status error;       /* SMB_OK unless FAILS: SMB_E_LOGIN_WKSTA_RESTRICTION or SMB_E_ACCESS_DENIED */
    const char *why;        /* one-line static explanation of the rule applied */
    /* A documented Windows error that has no smb_status (HRESULT 0x80070035
     * "The network path was not found" for a rejected insecure guest logon):
     * when error_name is set it is the error to show, with its code and the
     * client event id (0 if none). */
    const char *error_name;
    uint32_t error_code;
    uint16_t event_id;
} smb_outcome;

/*
 * The outcome of a client against a server. It is computed by running the
 * engine decisions below against each other (client after NEGOTIATE, server
 * at SESSION_SETUP, server at TREE_CONNECT), so the table and the live
 * engines cannot disagree. SMB2: era ignored, "enabled" and "disabled" both
 * mean not required.
 */
SMB_API SMB_WUR smb_status smb_policy_outcome(smb_proto proto, smb_side client, smb_side server, smb_outcome *out);
/* Same for one of the three documented families (eras implied). */
SMB_API SMB_WUR smb_status smb_policy_outcome_family(smb_family f, smb_sign_level client, smb_sign_level server,
                                     smb_outcome *out);

/* Sessions a server offers, encryption demands, and the outcome with them. */
typedef enum smb_session_kind {
    SMB_SESSION_USER = 0,  /* an authenticated user: a session key exists */
    SMB_SESSION_GUEST,     /* the server maps the logon to guest (no key) */
    SMB_SESSION_ANONYMOUS  /* null session (no key) */
} smb_session_kind;
SMB_API const char *smb_session_kind_name(smb_session_kind k); /* "user" "guest" "anonymous" */

typedef enum smb_encryption {
    SMB_ENCRYPTION_NONE = 0, /* nobody asks for it */
    SMB_ENCRYPTION_DESIRED,  /* server EncryptData=1, RejectUnencryptedAccess=0 (Samba "desired") */
    SMB_ENCRYPTION_REQUIRED  /* client RequireEncryption=1, or server EncryptData=1 + RejectUnencryptedAccess=1 */
} smb_encryption;
SMB_API const char *smb_encryption_name(smb_encryption e); /* "none" "desired" "required" */
/* Server demand from EncryptData / RejectUnencryptedAccess values (0/1/undefined). */
SMB_API smb_encryption smb_policy_server_encryption(int8_t encrypt_data, int8_t reject_unencrypted);

typedef struct smb_pair_extra {
    smb_session_kind session;         /* what the server gives this client */
    int8_t client_insecure_guest;     /* AllowInsecureGuestAuth: 1, 0, or SMB_VALUE_UNDEFINED (no such setting: allowed) */
    const smb_hardened_path *path;    /* the hardened-path rule for the path, NULL if none */
    bool client_require_encryption;   /* RequireEncryption = 1 */
    smb_encryption server_encryption; /* smb_policy_server_encryption */
    smb_dialect dialect;              /* negotiated dialect (encryption needs 3.0 or later) */
} smb_pair_extra;

/*
 * smb_policy_outcome plus sessions, paths and encryption, in this order:
 * a hardened path with RequireIntegrity=1 makes the client's level required
 * (MS15-011); a legacy hang-up after NEGOTIATE stands; a guest session on
 * SMB2/3 with AllowInsecureGuestAuth = 0 fails at session-setup with
 * 0x80070035 and client event 31017 "Rejected an insecure guest logon"
 * (Microsoft, "SMB insecure guest auth now off by default"); a guest or
 * anonymous session has no key, so a client requiring signing fails at
 * session-setup with STATUS_INVALID_SIGNATURE 0xc000a000 (Microsoft, "Control
 * SMB signing behavior"; REFERENCES.md), while a server's requirement does
 * not apply to it (MS-SMB2 3.3.5.5.3) and it is not signed; encryption: a
 * server requiring it refuses TREE_CONNECT from a session that cannot
 * encrypt with STATUS_ACCESS_DENIED (MS-SMB2 3.3.5.2.11), a client requiring
 * it refuses a server below SMB 3.0 (Microsoft documents the refusal, not
 * the status: STATUS_ACCESS_DENIED is our choice, see docs/policy.md), and a
 * user session of dialect 3.0 or later with any demand is "encrypted".
 * *enc (if non-NULL) receives the pair's demand (none, desired, required).
 */
SMB_API SMB_WUR smb_status smb_policy_outcome_ex(smb_proto proto, smb_side client, smb_side server, const smb_pair_extra *x,
                                 smb_outcome *out, smb_encryption *enc);

/* What a client must do once it has the server's NEGOTIATE response. */
typedef struct smb_client_decision {
    bool hang_up;          /* close the TCP connection now (legacy client, ERROR_LOGIN_WKSTA_RESTRICTION) */
    smb_status error;      /* error to report when hang_up */
    bool sign;             /* sign this session once the session key exists */
    bool must_verify;      /* every response after SESSION_SETUP must carry a valid signature;
                              an unsigned or bad one ends the connection */
    bool guest_allowed;    /* guest/anonymous sessions (no key) are acceptable (only when !sign) */
    uint16_t smb1_flags2;  /* SMB1: SMB1_FLAGS2_SECURITY_SIGNATURE[_REQUIRED] to set in SESSION_SETUP */
    uint16_t smb2_security_mode; /* SMB2: SecurityMode for NEGOTIATE / SESSION_SETUP requests */
} smb_client_decision;

/* client: this client's level and era. server_security_mode: the SecurityMode
 * field of the NEGOTIATE response (SMB1 byte or SMB2 16-bit value). */
SMB_API SMB_WUR smb_status smb_policy_client_decide(smb_proto proto, smb_side client, uint16_t server_security_mode,
                                    smb_client_decision *out);

/* What a server must do with a session, given what the client said. */
typedef struct smb_server_decision {
    uint16_t security_mode;  /* SecurityMode to advertise in the NEGOTIATE response */
    bool sign;               /* sign (and verify) this session */
    bool deny_tree_connect;  /* answer TREE_CONNECT and TRANS2 DFS referral with STATUS_ACCESS_DENIED
                                (SMB2: reject unsigned requests with STATUS_ACCESS_DENIED) */
    smb_status deny_status;  /* SMB_E_ACCESS_DENIED when deny_tree_connect */
    bool guest_allowed;      /* guest/anonymous sessions acceptable (only when !sign) */
} smb_server_decision;

/* server: this server's level and era. client_signals: SMB1 Flags2 of the
 * SESSION_SETUP_ANDX request (SMB1_FLAGS2_SECURITY_SIGNATURE[_REQUIRED]), or
 * the SMB2 SecurityMode of the NEGOTIATE / SESSION_SETUP request.
 * For the value to advertise before any client input, pass 0. */
SMB_API SMB_WUR smb_status smb_policy_server_decide(smb_proto proto, smb_side server, uint16_t client_signals,
                                    smb_server_decision *out);

/* ------------------------------------------------------------------------ */
/* 5. Findings                                                               */
/* ------------------------------------------------------------------------ */

typedef enum smb_severity { SMB_SEV_LOW = 1, SMB_SEV_MEDIUM = 2, SMB_SEV_HIGH = 3 } smb_severity;
SMB_API const char *smb_severity_name(smb_severity s); /* "low" "medium" "high" */
SMB_API int smb_severity_parse(const char *s, smb_severity *out);

typedef struct smb_finding_def {
    const char *id;       /* stable id: "relay-target" */
    smb_severity severity;
    const char *summary;  /* one line */
    const char *refs;     /* "seed:004; CIS 2.3.9.2; Nessus 57608" */
} smb_finding_def;

/* The table of every finding id, stable order. */
SMB_API const smb_finding_def *smb_policy_finding_defs(size_t *count);
SMB_API const smb_finding_def *smb_policy_finding_def(const char *id);

#define SMB_POLICY_MAX_FINDINGS 48
/* A detail names at most one origin, and origins are paths that were opened
 * (at most PATH_MAX, 4096): room for the sentence and the whole path. A detail
 * that still does not fit ends in "[...]", never silently. */
#define SMB_FINDING_DETAIL_MAX (256 + 4096)

typedef struct smb_finding {
    const smb_finding_def *def;
    const char *side; /* "client" "server" "pair" */
    char detail[SMB_FINDING_DETAIL_MAX];
} smb_finding;

typedef struct smb_findings {
    size_t n;
    smb_finding f[SMB_POLICY_MAX_FINDINGS];
} smb_findings;

/* Which side(s) of a machine to audit. */
#define SMB_AUDIT_CLIENT 0x1
#define SMB_AUDIT_SERVER 0x2

/* Findings for one machine: the layers it was resolved from (for invalid and
 * SMB1-only values), its effective values, its profile (role, era, dialects)
 * and the sides to audit (SMB_AUDIT_*). Appends to out (drops findings past
 * SMB_POLICY_MAX_FINDINGS). */
SMB_API void smb_policy_audit(const smb_policy_layer *layers, size_t n_layers, const smb_policy_effective *e,
                      const smb_profile *p, unsigned sides, smb_findings *out);
/* Findings for a pair evaluated with smb_policy_outcome (connectivity and
 * unsigned-session findings). Appends to out. */
SMB_API void smb_policy_audit_pair(smb_proto proto, smb_side client, smb_side server, const smb_outcome *o,
                           smb_findings *out);
/* Findings on the 24H2-group settings and hardened paths of one machine
 * (insecure-guest-logons, signing-audit-off, ntlm-allowed,
 * unc-hardening-missing, encryption-not-required, smb1-enabled). Appends. */
SMB_API void smb_policy_audit_extended(const smb_policy_effective *e, const smb_profile *p, unsigned sides,
                               smb_findings *out);
typedef struct smb_smbconf smb_smbconf; /* section 6 */
/* Samba-only findings from smb.conf: guest-access-with-signing (guest ok,
 * map to guest), ntlm-allowed (ntlm auth). Appends. */
SMB_API void smb_policy_audit_smbconf(const smb_smbconf *c, const smb_policy_effective *e, smb_findings *out);

/* Highest severity present, 0 if none. */
SMB_API int smb_findings_max_severity(const smb_findings *f);

/* ------------------------------------------------------------------------ */
/* 6. Parsers                                                                */
/* ------------------------------------------------------------------------ */

#define SMB_POLICY_MAX_INPUT (4u << 20) /* 4 MiB: larger configuration files are refused */
#define SMB_POLICY_MAX_LINE 4096        /* longest logical line accepted */

struct smb_policy_error {
    uint32_t line; /* 1-based; 0 when the whole file is at fault */
    char msg[160];
};

typedef enum smb_policy_format {
    SMB_FORMAT_AUTO = 0,
    SMB_FORMAT_REG,       /* .reg (REGEDIT4 / version 5.00) */
    SMB_FORMAT_INF,       /* GptTmpl.inf, secedit /export */
    SMB_FORMAT_PS         /* Get-Smb*Configuration, Format-List or ConvertTo-Json */
} smb_policy_format;
SMB_API const char *smb_policy_format_name(smb_policy_format f); /* "auto" "reg" "inf" "powershell" */

/*
 * Parse one configuration file held in memory (any of UTF-16LE with BOM,
 * UTF-8 with or without BOM, ASCII). name is used for origins. On success the
 * layer is filled (source: REGISTRY for .reg and PowerShell output,
 * LOCAL_POLICY for INF, unless the caller changes it afterwards); on error
 * *out is left untouched (nothing half-applied) and err says line and cause.
 * ps_role_hint: SMB_AUDIT_CLIENT / SMB_AUDIT_SERVER to say which cmdlet
 * produced PowerShell output when its properties do not tell (0 = detect).
 */
SMB_API SMB_WUR smb_status smb_policy_parse_reg(const uint8_t *buf, size_t len, const char *name, smb_policy_layer *out,
                                smb_policy_error *err);
SMB_API SMB_WUR smb_status smb_policy_parse_inf(const uint8_t *buf, size_t len, const char *name, smb_policy_layer *out,
                                smb_policy_error *err);
SMB_API SMB_WUR smb_status smb_policy_parse_ps(const uint8_t *buf, size_t len, const char *name, unsigned ps_role_hint,
                               smb_policy_layer *out, smb_policy_error *err);
/* Detect the format from content and parse. *fmt (if non-NULL) receives it. */
SMB_API SMB_WUR smb_status smb_policy_parse_any(const uint8_t *buf, size_t len, const char *name, unsigned ps_role_hint,
                                smb_policy_layer *out, smb_policy_format *fmt, smb_policy_error *err);

/* ---- Samba smb.conf (smb.conf(5); value words checked against testparm) ---- */

#define SMB_SMBCONF_MAX_SHARES 64
#define SMB_SMBCONF_MAX_INCLUDE_DEPTH 8
#define SMB_SMBCONF_VALUE_MAX 160

/* One parameter as read: the canonical word testparm prints for enum
 * parameters ("required" for "mandatory", "if_required" for "auto", "No" for
 * "disabled"...), the list as written for algorithm lists; line 0 = not set
 * (Samba's default applies). */
typedef struct smb_smbconf_value {
    char value[SMB_SMBCONF_VALUE_MAX];
    uint32_t line;
    char origin[SMB_POLICY_ORIGIN_MAX]; /* the file (an include's own path) */
} smb_smbconf_value;

typedef enum smb_smbconf_param {
    SMB_SMBCONF_SERVER_SIGNING = 0,
    SMB_SMBCONF_CLIENT_SIGNING,
    SMB_SMBCONF_CLIENT_IPC_SIGNING,
    SMB_SMBCONF_SERVER_SMB_ENCRYPT, /* also "smb encrypt" */
    SMB_SMBCONF_CLIENT_SMB_ENCRYPT,
    SMB_SMBCONF_SERVER_SIGNING_ALGORITHMS, /* server smb3 signing algorithms */
    SMB_SMBCONF_CLIENT_SIGNING_ALGORITHMS,
    SMB_SMBCONF_SERVER_ENCRYPTION_ALGORITHMS,
    SMB_SMBCONF_CLIENT_ENCRYPTION_ALGORITHMS,
    SMB_SMBCONF_SERVER_MIN_PROTOCOL, /* also "min protocol" */
    SMB_SMBCONF_SERVER_ROLE,
    SMB_SMBCONF_MAP_TO_GUEST,
    SMB_SMBCONF_GUEST_OK, /* also "public" */
    SMB_SMBCONF_NTLM_AUTH,
    SMB_SMBCONF_PARAM_COUNT
} smb_smbconf_param;

/* "server signing", ...: the smb.conf name; and Samba's default as testparm -v prints it. */
SMB_API const char *smb_smbconf_param_name(smb_smbconf_param p);
SMB_API const char *smb_smbconf_param_default(smb_smbconf_param p);

typedef struct smb_smbconf_share {
    char name[64];
    uint32_t line; /* of the [name] header */
    smb_smbconf_value guest_ok;    /* "Yes"/"No" */
    smb_smbconf_value smb_encrypt; /* server smb encrypt for this share */
} smb_smbconf_share;

struct smb_smbconf {
    smb_smbconf_value global[SMB_SMBCONF_PARAM_COUNT];
    smb_smbconf_share share[SMB_SMBCONF_MAX_SHARES];
    size_t n_shares;
    unsigned n_includes;  /* include files read */
    unsigned n_unknown;   /* parameters not ours (ignored, as smbd does with unknown ones) */
};

/* Reads an include file for the parser: 0 and a malloc'd buffer, or -1
 * (the parser reports "cannot read include"). */
typedef int (*smb_smbconf_reader)(void *ctx, const char *path, uint8_t **buf, size_t *len);

/*
 * Parse smb.conf text held in memory: sections ([global], shares), "name =
 * value" with case- and blank-insensitive names, '#' / ';' comments, '\'
 * line continuation, parameters before any section belong to [global],
 * "include = FILE" followed through reader (relative to the including file's
 * directory; names with %-substitutions are not followed) up to
 * SMB_SMBCONF_MAX_INCLUDE_DEPTH deep. A value Samba would refuse for one of
 * our parameters is an error with file and line (testparm refuses the file
 * too); unknown parameters are counted and ignored. Nothing is written to
 * *out on error.
 */
SMB_API SMB_WUR smb_status smb_policy_parse_smbconf(const uint8_t *buf, size_t len, const char *name, smb_smbconf_reader reader,
                                    void *reader_ctx, smb_smbconf *out, smb_policy_error *err);

/* The signing level words as Windows settings: a layer of source
 * SMB_SOURCE_SMB_CONF (server/client require and enable, RequireEncryption,
 * EncryptData, RejectUnencryptedAccess, SMB1) with the smb.conf lines; *dc
 * is set when server role makes this an AD domain controller (server signing
 * = default then means required). */
SMB_API void smb_policy_smbconf_layer(const smb_smbconf *c, const char *name, smb_policy_layer *out, bool *dc);

/* Map a registry key path (any case; HKEY_LOCAL_MACHINE\ / HKLM\ / MACHINE\
 * prefix optional; CurrentControlSet or ControlSetNNN) and value name to a
 * setting. Returns 0 and sets *out when it is one of ours, -1 otherwise. */
SMB_API int smb_policy_map_registry(const char *key, const char *value_name, smb_setting *out);

#ifdef __cplusplus
}
#endif
#endif
