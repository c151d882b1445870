/*
 * smbsign/types.h - shared vocabulary: dialects, signing levels, signing
 * algorithms, SecurityMode bits. Every module speaks these names; the policy
 * engine (smbsign/policy.h) owns the decisions built on them.
 *
 * Contract: the *_name functions return static lowercase strings exactly as
 * used in CLI and JSON output; the *_parse functions accept those strings and
 * return 0 on success, -1 when the text is not recognised.
 */
#ifndef SMBSIGN_TYPES_H
#define SMBSIGN_TYPES_H

#include "smbsign/export.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SMB dialects. Values are the SMB2 wire DialectRevision where one exists. */
typedef enum smb_dialect {
    SMB_DIALECT_NONE = 0x0000,
    SMB_DIALECT_SMB1 = 0x0001, /* "NT LM 0.12" */
    SMB_DIALECT_202 = 0x0202,
    SMB_DIALECT_210 = 0x0210,
    SMB_DIALECT_300 = 0x0300,
    SMB_DIALECT_302 = 0x0302,
    SMB_DIALECT_311 = 0x0311,
    SMB_DIALECT_2FF = 0x02FF /* SMB2 wildcard in multi-protocol negotiate */
} smb_dialect;

/* "1", "2.0.2", "2.1", "3.0", "3.0.2", "3.1.1" (and "none", "2.???"). */
SMB_API const char *smb_dialect_name(smb_dialect d);
/* Accepts the names above and also "NT1", "SMB1", "SMB2_02", "SMB2_10",
 * "SMB3_00", "SMB3_02", "SMB3_11", "0x0311" (case-insensitive). */
SMB_API int smb_dialect_parse(const char *s, smb_dialect *out);

/* A side's signing level (MS docs: Required / Enabled / Disabled). For SMB2
 * only required vs not required matters: enabled and disabled both mean
 * "not required" there. */
typedef enum smb_sign_level {
    SMB_LEVEL_DISABLED = 0,
    SMB_LEVEL_ENABLED = 1,
    SMB_LEVEL_REQUIRED = 2
} smb_sign_level;

SMB_API const char *smb_level_name(smb_sign_level l); /* "disabled" | "enabled" | "required" */
SMB_API int smb_level_parse(const char *s, smb_sign_level *out);

/* Signing algorithms (SMB2_SIGNING_CAPABILITIES ids where they exist). */
typedef enum smb_sign_alg {
    SMB_ALG_HMAC_SHA256 = 0,
    SMB_ALG_AES_CMAC = 1,
    SMB_ALG_AES_GMAC = 2,
    SMB_ALG_MD5 = 0x100, /* SMB1 */
    SMB_ALG_NONE = 0xFFFF
} smb_sign_alg;

SMB_API const char *smb_alg_name(smb_sign_alg a); /* "hmac-sha256" | "aes-cmac" | "aes-gmac" | "md5" | "none" */
SMB_API int smb_alg_parse(const char *s, smb_sign_alg *out);

/* SMB1 NEGOTIATE response SecurityMode bits (MS-CIFS 2.2.4.52.2, KB887429). */
#define SMB1_SECMODE_USER_SECURITY 0x01
#define SMB1_SECMODE_ENCRYPT_PASSWORDS 0x02
#define SMB1_SECMODE_SIGNATURES_ENABLED 0x04
#define SMB1_SECMODE_SIGNATURES_REQUIRED 0x08

/* SMB2 SecurityMode bits (MS-SMB2 2.2.3, 2.2.4). */
#define SMB2_NEGOTIATE_SIGNING_ENABLED 0x0001
#define SMB2_NEGOTIATE_SIGNING_REQUIRED 0x0002

#ifdef __cplusplus
}
#endif
#endif
