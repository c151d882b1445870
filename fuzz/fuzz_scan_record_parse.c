/* fuzz/fuzz_scan_record_parse.c - `smbsign scan --merge` reading one JSON
 * Lines record from hostile bytes: accept or refuse with a message, never
 * crash or leak; an accepted record is within its vocabulary. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smbsign/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb_scan_record r;
    char err[256];
    err[0] = '\0';
    if (smb_scan_record_parse((const char *)data, size, &r, err, sizeof err) != SMB_OK) {
        if (!err[0])
            __builtin_trap();
        return 0;
    }
    if (!r.host[0] || strlen(r.host) >= sizeof r.host || r.port == 0 || r.status > SMB_SCAN_ERROR ||
        r.verdict > SMB_SCAN_VERDICT_NOT_REQUIRED || r.relay_target != (r.verdict == SMB_SCAN_VERDICT_NOT_REQUIRED))
        __builtin_trap();
    return 0;
}
