/* base/types.c - names for the shared vocabulary in smbsign/types.h. */
#include <stdlib.h>
#include <strings.h>

#include "smbsign/types.h"

const char *smb_dialect_name(smb_dialect d)
{
    switch (d) {
    case SMB_DIALECT_SMB1: return "1";
    case SMB_DIALECT_202: return "2.0.2";
    case SMB_DIALECT_210: return "2.1";
    case SMB_DIALECT_300: return "3.0";
    case SMB_DIALECT_302: return "3.0.2";
    case SMB_DIALECT_311: return "3.1.1";
    case SMB_DIALECT_2FF: return "2.???";
    case SMB_DIALECT_NONE: break;
    }
    return "none";
}

int smb_dialect_parse(const char *s, smb_dialect *out)
{
    static const struct {
        const char *n;
        smb_dialect d;
    } names[] = {
        {"1", SMB_DIALECT_SMB1},        {"nt1", SMB_DIALECT_SMB1},     {"smb1", SMB_DIALECT_SMB1},
        {"nt lm 0.12", SMB_DIALECT_SMB1}, {"2.0.2", SMB_DIALECT_202},  {"2.02", SMB_DIALECT_202},
        {"smb2_02", SMB_DIALECT_202},   {"smb2", SMB_DIALECT_202},     {"2.1", SMB_DIALECT_210},
        {"2.10", SMB_DIALECT_210},      {"smb2_10", SMB_DIALECT_210},  {"3.0", SMB_DIALECT_300},
        {"3", SMB_DIALECT_300},         {"3.00", SMB_DIALECT_300},     {"smb3_00", SMB_DIALECT_300},
        {"smb3", SMB_DIALECT_300},      {"3.0.2", SMB_DIALECT_302},    {"3.02", SMB_DIALECT_302},
        {"smb3_02", SMB_DIALECT_302},   {"3.1.1", SMB_DIALECT_311},    {"3.11", SMB_DIALECT_311},
        {"smb3_11", SMB_DIALECT_311},
    };
    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(s, names[i].n) == 0) {
            *out = names[i].d;
            return 0;
        }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        char *end;
        unsigned long v = strtoul(s, &end, 16);
        if (*end == 0 && (v == 0x202 || v == 0x210 || v == 0x300 || v == 0x302 || v == 0x311)) {
            *out = (smb_dialect)v;
            return 0;
        }
    }
    return -1;
}

const char *smb_level_name(smb_sign_level l)
{
    switch (l) {
    case SMB_LEVEL_DISABLED: return "disabled";
    case SMB_LEVEL_ENABLED: return "enabled";
    case SMB_LEVEL_REQUIRED: return "required";
    }
    return "?";
}

int smb_level_parse(const char *s, smb_sign_level *out)
{
    if (!s)
        return -1;
    if (!strcasecmp(s, "disabled") || !strcasecmp(s, "disable") || !strcasecmp(s, "off")) {
        *out = SMB_LEVEL_DISABLED;
        return 0;
    }
    if (!strcasecmp(s, "enabled") || !strcasecmp(s, "enable") || !strcasecmp(s, "auto") ||
        !strcasecmp(s, "if_required") || !strcasecmp(s, "if-required")) {
        *out = SMB_LEVEL_ENABLED;
        return 0;
    }
    if (!strcasecmp(s, "required") || !strcasecmp(s, "require") || !strcasecmp(s, "mandatory")) {
        *out = SMB_LEVEL_REQUIRED;
        return 0;
    }
    return -1;
}

const char *smb_alg_name(smb_sign_alg a)
{
    switch (a) {
    case SMB_ALG_HMAC_SHA256: return "hmac-sha256";
    case SMB_ALG_AES_CMAC: return "aes-cmac";
    case SMB_ALG_AES_GMAC: return "aes-gmac";
    case SMB_ALG_MD5: return "md5";
    case SMB_ALG_NONE: break;
    }
    return "none";
}

int smb_alg_parse(const char *s, smb_sign_alg *out)
{
    static const struct {
        const char *n;
        smb_sign_alg a;
    } names[] = {
        {"hmac-sha256", SMB_ALG_HMAC_SHA256}, {"hmac_sha256", SMB_ALG_HMAC_SHA256},
        {"aes-cmac", SMB_ALG_AES_CMAC},       {"aes_cmac", SMB_ALG_AES_CMAC},
        {"aes-128-cmac", SMB_ALG_AES_CMAC},   {"aes-gmac", SMB_ALG_AES_GMAC},
        {"aes_gmac", SMB_ALG_AES_GMAC},       {"aes-128-gmac", SMB_ALG_AES_GMAC},
        {"md5", SMB_ALG_MD5},                 {"none", SMB_ALG_NONE},
    };
    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(s, names[i].n) == 0) {
            *out = names[i].a;
            return 0;
        }
    return -1;
}

char *smb_file_attr_letters(uint32_t attributes, char *out)
{
    /* smbclient's order (Samba attrib_string); bits from MS-FSCC 2.6. */
    static const struct {
        char c;
        uint32_t bit;
    } letters[] = {{'V', 0x0008}, {'D', 0x0010}, {'A', 0x0020}, {'H', 0x0002}, {'S', 0x0004},
                   {'N', 0x0080}, {'R', 0x0001}, {'d', 0x0040}, {'t', 0x0100}, {'s', 0x0200},
                   {'r', 0x0400}, {'c', 0x0800}, {'o', 0x1000}, {'n', 0x2000}, {'e', 0x4000}};
    size_t k = 0;
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
        if (attributes & letters[i].bit)
            out[k++] = letters[i].c;
    out[k] = '\0';
    return out;
}
