/* server/signing_policy.c - the server's signing level from the policy engine
 * (see srv_config_signing in config.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/config.h"
#include "smbsign/policy.h"

static void set_pair(smb_policy_layer *l, int require, int enable)
{
    if (require >= 0)
        smb_policy_layer_set(l, SMB_SETTING_SERVER_REQUIRE, (int8_t)require, (uint32_t)require, 0, 0);
    if (enable >= 0)
        smb_policy_layer_set(l, SMB_SETTING_SERVER_ENABLE, (int8_t)enable, (uint32_t)enable, 0, 0);
}

static void level_pair(smb_sign_level lv, int *require, int *enable)
{
    *require = lv == SMB_LEVEL_REQUIRED;
    *enable = lv != SMB_LEVEL_DISABLED;
}

static SMB_WUR smb_status read_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return SMB_E_IO;
    size_t cap = 65536, n = 0;
    uint8_t *b = malloc(cap);
    while (b) {
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            if (cap >= SMB_POLICY_MAX_INPUT + 1)
                break;
            uint8_t *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!b)
        return SMB_E_NOMEM;
    if (n > SMB_POLICY_MAX_INPUT) {
        free(b);
        return SMB_E_OVERFLOW;
    }
    *buf = b;
    *len = n;
    return SMB_OK;
}

smb_status srv_config_signing(const struct srv_config *c, smb_sign_level *level, smb_policy_effective *eff,
                              char *err, size_t errlen)
{
    smb_policy_layer layers[SMB_POLICY_MAX_LAYERS];
    size_t n = 0;
    if (c->profile[0]) {
        const smb_profile *p = smb_policy_profile_find(c->profile);
        if (!p) {
            snprintf(err, errlen, "unknown profile '%s' (see 'smbsign profiles')", c->profile);
            return SMB_E_BAD_ARGUMENT;
        }
        smb_policy_profile_layer(p, &layers[n++]);
    } else {
        /* smbsign serve's own default: signing required (the appliance case). */
        smb_policy_layer_init(&layers[n], SMB_SOURCE_DEFAULT, "smbsign serve default");
        set_pair(&layers[n++], 1, 1);
    }
    for (int i = 0; i < c->n_policy_files; i++) {
        uint8_t *buf = NULL;
        size_t len = 0;
        smb_status st = read_file(c->policy_files[i], &buf, &len);
        if (st != SMB_OK) {
            snprintf(err, errlen, "policy file %s: %s", c->policy_files[i],
                     st == SMB_E_IO ? strerror(errno) : smb_status_name(st));
            return st;
        }
        smb_policy_error pe = {0};
        st = smb_policy_parse_any(buf, len, c->policy_files[i], SMB_AUDIT_SERVER, &layers[n], NULL, &pe);
        free(buf);
        if (st != SMB_OK) {
            snprintf(err, errlen, "%s:%u: %s", c->policy_files[i], pe.line, pe.msg);
            return st;
        }
        n++;
    }
    /* config file words (override) */
    if (c->signing_set || c->require_signing >= 0 || c->enable_signing >= 0) {
        smb_policy_layer_init(&layers[n], SMB_SOURCE_OVERRIDE, c->src_signing.text);
        if (c->signing_set) {
            int r, e;
            level_pair(c->signing, &r, &e);
            set_pair(&layers[n], r, e);
        }
        if (c->require_signing >= 0 || c->enable_signing >= 0) {
            set_pair(&layers[n], c->require_signing, c->enable_signing);
            const char *src = c->require_signing >= 0 ? c->src_require.text : c->src_enable.text;
            layers[n].name = src; /* borrowed from c, which outlives eff */
            for (int s = 0; s < SMB_SETTING_COUNT; s++)
                layers[n].v[s].origin = src;
        }
        n++;
    }
    if (c->cli_signing_set) {
        int r, e;
        smb_policy_layer_init(&layers[n], SMB_SOURCE_OVERRIDE, "command line --signing");
        level_pair(c->cli_signing, &r, &e);
        set_pair(&layers[n++], r, e);
    }
    smb_status st = smb_policy_resolve(layers, n, eff);
    if (st != SMB_OK) {
        snprintf(err, errlen, "cannot resolve signing policy: %s", smb_status_name(st));
        return st;
    }
    *level = smb_policy_server_level(eff);
    return SMB_OK;
}
