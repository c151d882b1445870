/* fuzz/fuzz_scan_probe_rx.c - the scanner's probe state machine fed hostile
 * answers (SMB2/SMB1 probe, port 445 or 139, any read sizes): it must end
 * with a status and never read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "scan/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct scan_templates tpl;
    static int init;
    if (!init) {
        uint8_t guid[16] = {0}, salt[32] = {0};
        if (scan_templates_build(&tpl, guid, salt) != SMB_OK)
            __builtin_trap();
        init = 1;
    }
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    struct scan_probe p;
    scan_probe_init(&p, (mode & 1) ? SCAN_PROBE_SMB1 : SCAN_PROBE_SMB2, (mode & 2) != 0, &tpl);
    size_t chunk = (size_t)(mode >> 2) + 1, pos = 0, n;
    while (!scan_probe_done(&p)) {
        if (scan_probe_tx(&p, &n))
            scan_probe_sent(&p, n);
        if (pos >= size)
            break;
        size_t k = size - pos < chunk ? size - pos : chunk;
        scan_probe_rx(&p, data + pos, k);
        pos += k;
    }
    scan_probe_eof(&p, false);
    if (!scan_probe_done(&p) || p.out.status > SMB_SCAN_SKIPPED)
        __builtin_trap();
    scan_probe_free(&p);
    return 0;
}
