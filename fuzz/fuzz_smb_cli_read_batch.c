/* fuzz/fuzz_smb_cli_read_batch.c - the client core's batch verification of
 * READ responses (session/client.c vbatch_collect / vbatch_take): a READY
 * signing session (fuzzing hook smb_cli_fuzz_ready: 3.0, AES-CMAC, a fixed
 * test key) with 1..8 READs pending (first input byte), read-ahead room
 * reserved (smb_cli_in_batch), then the rest of the input arrives in pieces
 * of the sizes the core offers and is polled only when a piece ends on no
 * more input, so several frames are buffered together. Any input: no crash,
 * no leak, no UB. Seeds: fuzz/gen_vbatch_seeds.py. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "session/client.h"
#include "wire/smb2/header.h"
#include "wire/smb2/read.h"

smb_status smb_cli_fuzz_ready(struct smb_cli *c); /* session/client.c, SMBSIGN_FUZZING only */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb_cli_config cfg;
    struct smb_cli *c;
    memset(&cfg, 0, sizeof cfg);
    cfg.signing = SMB_LEVEL_REQUIRED;
    cfg.user = "u";
    cfg.password = "p";
    if (size < 1 || smb_cli_new(&c, &cfg) != SMB_OK)
        return 0;
    if (smb_cli_fuzz_ready(c) != SMB_OK || smb_cli_in_batch(c, 8192) != SMB_OK)
        goto out;
    unsigned nreads = 1 + data[0] % 8;
    for (unsigned i = 0; i < nreads; i++) {
        struct smb_cli_req rq;
        if (smb_cli_req_start(c, &rq, SMB2_READ, 1, 64, 4096) != SMB_OK)
            goto out;
        struct smb2_read_req q;
        memset(&q, 0, sizeof q);
        q.length = 4096;
        q.offset = 4096 * (uint64_t)i;
        smb2_read_req_encode(&rq.w, &q);
        if (smb_cli_req_finish(c, &rq, i, NULL) != SMB_OK)
            goto out;
    }
    smb_cli_out_consume(c, smb_cli_out_len(c));
    size_t off = 1;
    while (off < size) {
        uint8_t *p;
        size_t room, nev;
        if (smb_cli_in_buf(c, &p, &room) != SMB_OK || room == 0)
            break;
        size_t n = size - off < room ? size - off : room;
        memcpy(p, data + off, n);
        smb_cli_in_commit(c, n);
        off += n;
        if (off < size && smb_cli_in_drain_ok(c))
            continue; /* read ahead: frames pile up for one batch */
        smb_status st;
        while ((st = smb_cli_poll(c, &nev)) == SMB_OK)
            ;
        if (st != SMB_E_PENDING)
            break;
    }
out:
    smb_cli_free(c);
    return 0;
}
