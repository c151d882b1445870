/* fuzz/fuzz_smb_nb_framer_feed.c - NetBIOS framer over an arbitrary stream cut
 * into arbitrary read sizes (the first byte of the input picks the chunk size). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/netbios.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)(data[0] % 17) + 1;
    data++;
    size--;
    uint8_t small[8];
    uint8_t *big = NULL;
    smb_nb_framer fr;
    smb_nb_framer_init(&fr, 4096, small, sizeof small);
    size_t pos = 0;
    while (pos < size) {
        size_t n = size - pos < chunk ? size - pos : chunk;
        size_t used = 0;
        smb_status st = smb_nb_framer_feed(&fr, data + pos, n, &used);
        if (used > n)
            __builtin_trap();
        pos += used;
        if (st == SMB_E_BUFFER_TOO_SMALL) {
            if (fr.len > 4096 || fr.have != fr.cap)
                __builtin_trap();
            /* grow by doubling, as the scanner does, keeping stored bytes */
            size_t cap = fr.cap * 2 < fr.len ? fr.cap * 2 : fr.len;
            uint8_t *nb = realloc(big, cap);
            if (!nb)
                break;
            if (!big)
                memcpy(nb, small, fr.have);
            big = nb;
            smb_nb_framer_set_buffer(&fr, big, cap);
            continue;
        }
        if (st == SMB_OK) {
            smb_rd r;
            uint8_t code;
            rd_init(&r, fr.buf, fr.len);
            (void)smb_nb_session_response_decode(fr.type, &r, &code);
            if (fr.type == SMB_NB_SESSION_REQUEST) {
                struct smb_nb_session_request q;
                rd_init(&r, fr.buf, fr.len);
                (void)smb_nb_session_request_decode(&r, &q);
            }
            smb_nb_framer_reset(&fr);
            continue;
        }
        if (st != SMB_E_PENDING)
            break;
    }
    free(big);
    return 0;
}
