/*
 * smbsign/hardened.h - UNC hardened access (MS15-011, KB3000483): the one
 * implementation of "which hardened path applies to \\SERVER\SHARE", shared by
 * the client (it raises its signing level for a matching path) and the policy
 * engine's model of the HardenedPaths policy.
 *
 * The policy lives under HKLM\SOFTWARE\Policies\Microsoft\Windows\
 * NetworkProvider\HardenedPaths: one string value per path, named like
 * \\*\SYSVOL, \\SERVER\*, \\SERVER\SHARE, whose data is a comma-separated list
 * of RequireMutualAuthentication=0|1, RequireIntegrity=0|1, RequirePrivacy=0|1.
 * RequireIntegrity=1 makes the client sign (and verify) every message to a
 * matching path whatever its workstation setting. Since Windows 10 (and Server
 * 2016) the \\*\SYSVOL and \\*\NETLOGON entries with mutual authentication and
 * integrity apply even when the policy is not configured.
 *
 * Match rules: names compare case-insensitively; "*" stands for a whole
 * component only (\\*\* names nothing and is refused); when several entries
 * match, the most specific wins: \\SERVER\SHARE (3) over \\SERVER\* (2) over
 * \\*\SHARE (1); among equally specific entries the first one wins. These are
 * the rules of the engine's HardenedPaths model (issue 15,
 * smb_policy_hardened_match / smb_policy_path_hardening), so that the two can
 * become one: see docs/client.md "Hardened UNC paths".
 *
 * Ownership: fixed-size, caller-allocated; nothing allocates. Parsers never
 * cut a name: an over-long component is an error naming the entry.
 */
#ifndef SMBSIGN_HARDENED_H
#define SMBSIGN_HARDENED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SMB_HARDENED_SERVER_MAX 256 /* DNS names are at most 255 characters */
#define SMB_HARDENED_SHARE_MAX 81   /* share names are at most 80 characters */
#define SMB_HARDENED_MAX_PATHS 32   /* entries in one list */

typedef struct smb_hardened_rule {
    char server[SMB_HARDENED_SERVER_MAX]; /* "*" or a name, as written */
    char share[SMB_HARDENED_SHARE_MAX];   /* "*" or a name, as written */
    int8_t require_mutual_auth;           /* 0, 1, or SMB_VALUE_UNDEFINED when not given */
    int8_t require_integrity;
    int8_t require_privacy;
} smb_hardened_rule;

/* Parse a path pattern "\\SERVER\SHARE" (also with forward slashes). */
SMB_API SMB_WUR smb_status smb_hardened_parse_pattern(const char *s, size_t n, smb_hardened_rule *out, smb_policy_error *err);
/* Parse "RequireMutualAuthentication=1, RequireIntegrity=1, RequirePrivacy=0"
 * (names case-insensitive, spaces allowed, an empty list allowed). */
SMB_API SMB_WUR smb_status smb_hardened_parse_flags(const char *s, size_t n, smb_hardened_rule *out, smb_policy_error *err);

/*
 * Parse a list as given on a command line: entries separated by ';', each
 * "PATTERN" or "PATTERN=FLAGS" (FLAGS as above; a bare PATTERN means
 * RequireMutualAuthentication=1, RequireIntegrity=1). "" or "none" is the
 * empty list. err->line is the 1-based entry number at fault. On error *n is
 * 0 and nothing is half-filled.
 */
SMB_API SMB_WUR smb_status smb_hardened_parse_list(const char *text, smb_hardened_rule *out, size_t cap, size_t *n,
                                   smb_policy_error *err);

/* Specificity of a match (3, 2, 1) or -1 when p does not match. */
SMB_API int smb_hardened_match(const smb_hardened_rule *p, const char *server, const char *share);
/* The entry that applies to \\server\share, or NULL. */
SMB_API const smb_hardened_rule *smb_hardened_lookup(const smb_hardened_rule *list, size_t n, const char *server,
                                             const char *share);
/* "\\SERVER\SHARE" text of an entry's pattern (buf of at least
 * SMB_HARDENED_SERVER_MAX + SMB_HARDENED_SHARE_MAX + 3 bytes). */
#define SMB_HARDENED_TEXT_MAX (SMB_HARDENED_SERVER_MAX + SMB_HARDENED_SHARE_MAX + 3)
SMB_API const char *smb_hardened_text(const smb_hardened_rule *p, char *buf);

/* The entries Windows 10 and later apply when the policy is not configured:
 * \\*\SYSVOL and \\*\NETLOGON with RequireMutualAuthentication=1,
 * RequireIntegrity=1. */
SMB_API const smb_hardened_rule *smb_hardened_defaults(size_t *n);
/* True when a profile's client applies those defaults: Windows 10 / Server
 * 2016 and later (Windows profiles dated 2015-07-29 or later; not Samba or
 * ksmbd). */
SMB_API bool smb_hardened_profile_applies_defaults(const smb_profile *p);

#ifdef __cplusplus
}
#endif
#endif
