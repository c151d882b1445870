/*
 * smbsign/policy.h - the signing policy engine's public vocabulary.
 *
 * This header is the single source of truth for "is signing on?": the client,
 * server, scanner and live matrix take their decisions from these functions
 * and never re-derive them. (The full engine - settings with sources,
 * profiles, outcomes, findings, parsers - is declared here as it lands.)
 */
#ifndef SMBSIGN_POLICY_H
#define SMBSIGN_POLICY_H

#include <stdint.h>

#include "smbsign/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Level a server advertises in an SMB1 NEGOTIATE response SecurityMode byte
 * (KB887429: 3 disabled, 7 enabled, 15 required). Bit 3 without bit 2 is
 * read as required (the requirement is what a client must honour). */
smb_sign_level smb_policy_level_from_smb1_secmode(uint8_t security_mode);

/* SMB2 SecurityMode: only SIGNING_REQUIRED carries information (servers
 * always set SIGNING_ENABLED). Returns SMB_LEVEL_REQUIRED or SMB_LEVEL_ENABLED. */
smb_sign_level smb_policy_level_from_smb2_secmode(uint16_t security_mode);

/* SecurityMode a side puts on the wire for its level.
 * SMB1 server: user-level security + encrypted passwords (0x03), plus 0x04 when
 * enabled, plus 0x08 when required (3, 7, 15).
 * SMB2: SIGNING_ENABLED always, plus SIGNING_REQUIRED when required. */
uint8_t smb_policy_smb1_secmode(smb_sign_level level);
uint16_t smb_policy_smb2_secmode(smb_sign_level level);

#ifdef __cplusplus
}
#endif
#endif
