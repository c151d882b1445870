/* fuzz/fuzz_srv_config_load_string.c - the server's smb.conf-style parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    struct srv_config *c = malloc(sizeof *c);
    if (c) {
        char err[512];
        srv_config_init(c);
        if (srv_config_load_string(c, text, "fuzz", err, sizeof err) == SMB_OK) {
            for (int i = 0; i < c->n_listen; i++) {
                char a[128];
                uint16_t p;
                if (srv_parse_listen(c->listen[i], a, sizeof a, &p) != 0)
                    abort(); /* accepted addresses must re-parse */
            }
        }
        free(c);
    }
    free(text);
    return 0;
}
