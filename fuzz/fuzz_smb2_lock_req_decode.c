/* fuzz/fuzz_smb2_lock_req_decode.c - libFuzzer target for smb2_lock_req_decode
 * (MS-SMB2 2.2.26): any input, no crash, no leak, no UB; a decoded request's
 * LockCount elements are read as the server reads them (server/smb2_lock.c),
 * so an element buffer shorter than LockCount * 24 shows as an ASan read. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "wire/smb2/lock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly size bytes, so reads past the input are caught */
    uint8_t *p = malloc(size ? size : 1);
    if (!p)
        return 0;
    memcpy(p, data, size);
    struct smb2_lock_req q;
    volatile uint64_t sink = 0;
    smb_rd r;
    rd_init(&r, p, size);
    rd_seek(&r, 64);
    if (smb2_lock_req_decode(&r, &q) == SMB_OK) {
        for (unsigned i = 0; i < q.lock_count; i++) {
            const uint8_t *e = q.locks.p + (size_t)i * SMB2_LOCK_ELEMENT_LEN;
            sink += le64(e) ^ le64(e + 8) ^ le32(e + 16) ^ le32(e + 20);
        }
        sink += q.lock_sequence;
    }
    (void)sink;
    free(p);
    return 0;
}
