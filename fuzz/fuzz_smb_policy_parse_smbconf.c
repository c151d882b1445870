/* fuzz/fuzz_smb_policy_parse_smbconf.c - libFuzzer target for smb_policy_parse_smbconf (policy.h section 6).
 * Includes are answered with the input itself, so nesting hits the depth limit. Checks: no crash or
 * sanitizer report; on failure *out is untouched; on success every set value has a line and an origin,
 * share names are non-empty, and the layer built from it holds only 0/1 values with lines. */
#include <stdlib.h>
#include <string.h>

#include "smbsign/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct blob {
    const uint8_t *p;
    size_t n;
} blob;

static int reader(void *ctx, const char *path, uint8_t **buf, size_t *len)
{
    const blob *b = ctx;
    (void)path;
    *buf = malloc(b->n ? b->n : 1);
    if (!*buf)
        return -1;
    if (b->n)
        memcpy(*buf, b->p, b->n);
    *len = b->n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static smb_smbconf c, before;
    smb_policy_error err;
    blob b = {data, size};
    memset(&c, 0x5A, sizeof c);
    before = c;
    if (smb_policy_parse_smbconf(data, size, "fuzz/smb.conf", reader, &b, &c, &err) != SMB_OK) {
        if (memcmp(&c, &before, sizeof c) != 0)
            abort(); /* half-applied */
        return 0;
    }
    for (int p = 0; p < SMB_SMBCONF_PARAM_COUNT; p++)
        if (c.global[p].line && (!c.global[p].origin[0] || !memchr(c.global[p].value, 0, SMB_SMBCONF_VALUE_MAX)))
            abort();
    if (c.n_shares > SMB_SMBCONF_MAX_SHARES)
        abort();
    for (size_t i = 0; i < c.n_shares; i++)
        if (!c.share[i].name[0] || !c.share[i].line)
            abort();
    smb_policy_layer l;
    bool dc;
    smb_policy_smbconf_layer(&c, "fuzz/smb.conf", &l, &dc);
    for (int s = 0; s < SMB_SETTING_COUNT; s++) {
        int8_t v = l.v[s].value;
        if (v != 0 && v != 1 && v != SMB_VALUE_UNDEFINED)
            abort();
        if (v != SMB_VALUE_UNDEFINED && l.v[s].line == 0)
            abort();
    }
    return 0;
}
