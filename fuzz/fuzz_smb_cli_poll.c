/* fuzz/fuzz_smb_cli_poll.c - libFuzzer target for smb_cli_poll (any input, no crash, no leak, no UB). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <stdlib.h>

#include "session/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the client core after NEGOTIATE was sent, fed arbitrary frames */
    struct smb_cli_config cfg;
    struct smb_cli *c;
    memset(&cfg, 0, sizeof cfg);
    cfg.signing = SMB_LEVEL_ENABLED;
    cfg.user = "u";
    cfg.password = "p";
    if (smb_cli_new(&c, &cfg) != SMB_OK)
        return 0;
    if (smb_cli_start(c) == SMB_OK) {
        smb_cli_out_consume(c, smb_cli_out_len(c));
        size_t off = 0;
        while (off < size) {
            uint8_t *p;
            size_t room, nev;
            if (smb_cli_in_buf(c, &p, &room) != SMB_OK)
                break;
            size_t n = size - off < room ? size - off : room;
            memcpy(p, data + off, n);
            smb_cli_in_commit(c, n);
            off += n;
            smb_status st;
            while ((st = smb_cli_poll(c, &nev)) == SMB_OK)
                smb_cli_out_consume(c, smb_cli_out_len(c));
            if (st != SMB_E_PENDING)
                break;
        }
    }
    smb_cli_free(c);
    return 0;
}
