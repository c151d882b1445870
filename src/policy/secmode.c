/* policy/secmode.c - SecurityMode bits <-> signing levels (KB887429, MS-SMB2 2.2.3/2.2.4). */
#include "smbsign/policy.h"

smb_sign_level smb_policy_level_from_smb1_secmode(uint8_t m)
{
    if (m & SMB1_SECMODE_SIGNATURES_REQUIRED)
        return SMB_LEVEL_REQUIRED;
    if (m & SMB1_SECMODE_SIGNATURES_ENABLED)
        return SMB_LEVEL_ENABLED;
    return SMB_LEVEL_DISABLED;
}

smb_sign_level smb_policy_level_from_smb2_secmode(uint16_t m)
{
    return (m & SMB2_NEGOTIATE_SIGNING_REQUIRED) ? SMB_LEVEL_REQUIRED : SMB_LEVEL_ENABLED;
}

uint8_t smb_policy_smb1_secmode(smb_sign_level level)
{
    uint8_t m = SMB1_SECMODE_USER_SECURITY | SMB1_SECMODE_ENCRYPT_PASSWORDS;
    if (level >= SMB_LEVEL_ENABLED)
        m |= SMB1_SECMODE_SIGNATURES_ENABLED;
    if (level == SMB_LEVEL_REQUIRED)
        m |= SMB1_SECMODE_SIGNATURES_REQUIRED;
    return m;
}

uint16_t smb_policy_smb2_secmode(smb_sign_level level)
{
    uint16_t m = SMB2_NEGOTIATE_SIGNING_ENABLED;
    if (level == SMB_LEVEL_REQUIRED)
        m |= SMB2_NEGOTIATE_SIGNING_REQUIRED;
    return m;
}
