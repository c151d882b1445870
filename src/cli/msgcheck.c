/* cli/msgcheck.c - see msgcheck.h. */
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "cli/cli.h"
#include "cli/msgcheck.h"
#include "wire/smb1/header.h"
#include "wire/smb2/header.h"

int cli_check_message(const char *verb, smb_dialect d, const uint8_t *msg, size_t len)
{
    bool smb1 = d == SMB_DIALECT_SMB1;
    size_t need = smb1 ? SMB1_HDR_LEN : SMB2_HDR_LEN;
    const char *magic = smb1 ? SMB1_MAGIC : SMB2_MAGIC;
    if (len == 0)
        return cli_usage_error(verb, "empty input: expected one %s message on standard input", smb1 ? "SMB1" : "SMB2");
    if (len >= 4 && memcmp(msg, magic, 4) != 0) {
        char h[9];
        hex_encode(msg, 4, h);
        if (!smb1 && memcmp(msg, SMB2_TRANSFORM_MAGIC, 4) == 0)
            return cli_usage_error(verb, "this is an encrypted SMB3 TRANSFORM message (fd534d42), not a signed one");
        return cli_usage_error(verb, "not an %s message: ProtocolId at offset 0 is %s, expected %s%s", smb1 ? "SMB1" : "SMB2",
                               h, smb1 ? "ff534d42" : "fe534d42",
                               (!smb1 && msg[0] == 0xff) || (smb1 && msg[0] == 0xfe) ? " (wrong --dialect?)"
                               : (msg[0] == 0 && len > 4) ? " (strip the 4-byte NetBIOS header)"
                                                           : "");
    }
    if (len < need)
        return cli_usage_error(verb, "message shorter than its header (%zu bytes, the %s header is %zu)", len,
                               smb1 ? "SMB1" : "SMB2", need);
    if (!smb1 && le16(msg + 4) != SMB2_HDR_LEN)
        return cli_usage_error(verb, "malformed SMB2 header: StructureSize at offset 4 is %u, expected 64",
                               le16(msg + 4));
    return 0;
}
