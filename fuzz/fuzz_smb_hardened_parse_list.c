/* fuzz/fuzz_smb_hardened_parse_list.c - libFuzzer target for smb_hardened_parse_list
 * (smbsign/hardened.h): no crash, and on success every entry round-trips through
 * smb_hardened_text / smb_hardened_parse_pattern and matches itself. */
#include <stdlib.h>
#include <string.h>

#include "smbsign/hardened.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *t = malloc(size + 1);
    if (!t)
        return 0;
    memcpy(t, data, size);
    t[size] = '\0';
    smb_hardened_rule list[SMB_HARDENED_MAX_PATHS];
    size_t n = 99;
    smb_policy_error err = {0, ""};
    smb_status st = smb_hardened_parse_list(t, list, SMB_HARDENED_MAX_PATHS, &n, &err);
    if (st != SMB_OK) {
        if (n != 0 || !err.msg[0])
            abort();
    } else {
        for (size_t i = 0; i < n; i++) {
            char buf[SMB_HARDENED_TEXT_MAX];
            smb_hardened_rule back;
            const char *txt = smb_hardened_text(&list[i], buf);
            if (smb_hardened_parse_pattern(txt, strlen(txt), &back, &err) != SMB_OK)
                abort();
            if (strcmp(back.server, list[i].server) || strcmp(back.share, list[i].share))
                abort();
            const char *srv = strcmp(list[i].server, "*") ? list[i].server : "any";
            const char *shr = strcmp(list[i].share, "*") ? list[i].share : "any";
            if (smb_hardened_match(&list[i], srv, shr) < 0 || !smb_hardened_lookup(list, n, srv, shr))
                abort();
        }
    }
    free(t);
    return 0;
}
