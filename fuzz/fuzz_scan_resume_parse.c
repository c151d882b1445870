/* fuzz/fuzz_scan_resume_parse.c - the `smbsign scan --resume` checkpoint
 * parser fed any bytes: it must accept or refuse with a message, never read
 * out of bounds or leak; what it accepts must be self-consistent and must
 * survive a write / parse round trip unchanged. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smbsign/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb_scan_resume r, r2;
    char err[256];
    if (smb_scan_resume_parse((const char *)data, size, "fuzz", &r, err, sizeof err) != SMB_OK) {
        if (!err[0])
            __builtin_trap();
        return 0;
    }
    if (r.next > r.steps || r.shard >= r.shards)
        __builtin_trap();
    for (size_t i = 0; i < r.npending; i++)
        if (r.pending[i] >= r.next || (i && r.pending[i] <= r.pending[i - 1]))
            __builtin_trap();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        __builtin_trap();
    smb_scan_resume_write(f, &r);
    fclose(f);
    if (smb_scan_resume_parse(buf, len, "again", &r2, err, sizeof err) != SMB_OK)
        __builtin_trap();
    if (r2.seed != r.seed || r2.shuffle != r.shuffle || r2.next != r.next || r2.npending != r.npending ||
        r2.digest != r.digest || r2.output_bytes != r.output_bytes || r2.relay_bytes != r.relay_bytes || (r.npending && memcmp(r.pending, r2.pending, r.npending * sizeof *r.pending)))
        __builtin_trap();
    smb_scan_resume_free(&r2);
    smb_scan_resume_free(&r);
    free(buf);
    return 0;
}
