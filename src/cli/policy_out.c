/* cli/policy_out.c - formatting and wiring shared by matrix/policy/profiles/audit (see policy_out.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/policy_out.h"

po_colors po_colors_for(FILE *f)
{
    po_colors c = {"", "", "", "", "", ""};
    if (cli_use_color(f)) {
        c.green = "\033[32m";
        c.yellow = "\033[33m";
        c.red = "\033[31m";
        c.bold = "\033[1m";
        c.dim = "\033[2m";
        c.reset = "\033[0m";
    }
    return c;
}

const char *po_outcome_color(const po_colors *c, smb_outcome_kind k)
{
    return k == SMB_OUTCOME_SIGNED || k == SMB_OUTCOME_ENCRYPTED ? c->green
           : k == SMB_OUTCOME_NOT_SIGNED                         ? c->yellow
                                                                 : c->red;
}

void po_outcome_checked(smb_status st, smb_outcome *o)
{
    if (st != SMB_OK) {
        memset(o, 0, sizeof *o);
        o->kind = SMB_OUTCOME_FAILS;
        o->error = st;
        o->why = "the policy engine refused these inputs (internal error)";
    }
}

void po_outcome_text(const smb_outcome *o, char *buf, size_t n)
{
    if (o->kind == SMB_OUTCOME_SIGNED)
        snprintf(buf, n, "signed");
    else if (o->kind == SMB_OUTCOME_NOT_SIGNED)
        snprintf(buf, n, "not signed");
    else if (o->kind == SMB_OUTCOME_ENCRYPTED)
        snprintf(buf, n, "encrypted");
    else if (o->error_name && o->event_id)
        snprintf(buf, n, "fails at %s: %s (0x%08x, event %u)", smb_fail_point_name(o->fail_at), o->error_name,
                 o->error_code, o->event_id);
    else if (smb_status_win32(o->error) && !smb_status_ntstatus(o->error))
        snprintf(buf, n, "fails at %s: %s (%u)", smb_fail_point_name(o->fail_at), smb_status_name(o->error),
                 smb_status_win32(o->error));
    else
        snprintf(buf, n, "fails at %s: %s", smb_fail_point_name(o->fail_at), smb_status_name(o->error));
}

const char *po_level_name(bool smb2, smb_sign_level l)
{
    if (smb2)
        return l == SMB_LEVEL_REQUIRED ? "required" : "not-required";
    return smb_level_name(l);
}

static const struct {
    uint8_t bit;
    smb_dialect d;
} dialect_bits[] = {{SMB_DIALECT_BIT_311, SMB_DIALECT_311}, {SMB_DIALECT_BIT_302, SMB_DIALECT_302},
                    {SMB_DIALECT_BIT_300, SMB_DIALECT_300}, {SMB_DIALECT_BIT_210, SMB_DIALECT_210},
                    {SMB_DIALECT_BIT_202, SMB_DIALECT_202}, {SMB_DIALECT_BIT_SMB1, SMB_DIALECT_SMB1}};

void po_dialects_text(uint8_t bits, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof dialect_bits / sizeof dialect_bits[0]; i++) {
        if (!(bits & dialect_bits[i].bit))
            continue;
        int w = snprintf(buf + k, n - k, "%s%s", k ? "," : "", smb_dialect_name(dialect_bits[i].d));
        if (w < 0 || (size_t)w >= n - k)
            return;
        k += (size_t)w;
    }
    if (!k)
        snprintf(buf, n, "-");
}

void po_json_dialects(jw *w, uint8_t bits)
{
    jw_arr_begin(w);
    for (size_t i = 0; i < sizeof dialect_bits / sizeof dialect_bits[0]; i++)
        if (bits & dialect_bits[i].bit)
            jw_str(w, smb_dialect_name(dialect_bits[i].d));
    jw_arr_end(w);
}

void po_json_outcome(jw *w, const smb_outcome *o)
{
    jw_kstr(w, "outcome", smb_outcome_name(o->kind));
    if (o->kind == SMB_OUTCOME_FAILS) {
        jw_kstr(w, "error", o->error_name ? o->error_name : smb_status_name(o->error));
        jw_kstr(w, "fails_at", smb_fail_point_name(o->fail_at));
    } else {
        jw_knull(w, "error");
        jw_knull(w, "fails_at");
    }
}

void po_json_findings(jw *w, const smb_findings *f)
{
    jw_key(w, "findings");
    jw_arr_begin(w);
    for (size_t i = 0; i < f->n; i++) {
        jw_obj_begin(w);
        jw_kstr(w, "id", f->f[i].def->id);
        jw_kstr(w, "severity", smb_severity_name(f->f[i].def->severity));
        jw_kstr(w, "side", f->f[i].side);
        jw_kstr(w, "summary", f->f[i].def->summary);
        jw_kstr(w, "detail", f->f[i].detail);
        jw_kstr(w, "refs", f->f[i].def->refs);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void po_print_findings(FILE *f, const smb_findings *fs, const po_colors *c)
{
    if (fs->n == 0) {
        fprintf(f, "  none\n");
        return;
    }
    for (int sev = SMB_SEV_HIGH; sev >= SMB_SEV_LOW; sev--)
        for (size_t i = 0; i < fs->n; i++) {
            const smb_finding *x = &fs->f[i];
            if ((int)x->def->severity != sev)
                continue;
            const char *col = sev == SMB_SEV_HIGH ? c->red : sev == SMB_SEV_MEDIUM ? c->yellow : c->dim;
            fprintf(f, "  %s%-6s%s %-28s %s\n", col, smb_severity_name(x->def->severity), c->reset, x->def->id,
                    x->def->summary);
            fprintf(f, "         %-28s %s\n", "", x->detail);
            fprintf(f, "         %-28s refs: %s\n", "", x->def->refs);
        }
}

void po_json_value(jw *w, const smb_setting_value *v)
{
    jw_obj_begin(w);
    jw_key(w, "value");
    if (v->value == 0 || v->value == 1)
        jw_int(w, v->value);
    else
        jw_null(w);
    jw_kstr(w, "source", smb_source_name(v->source));
    char ob[SMB_POLICY_ORIGIN_TEXT_MAX];
    const char *o = smb_policy_origin_text(v, ob);
    jw_key(w, "origin");
    jw_str(w, o[0] ? o : NULL);
    jw_key(w, "line");
    if (v->line)
        jw_uint(w, v->line);
    else
        jw_null(w);
    jw_obj_end(w);
}

static const smb_profile generic = {
    "generic", "Windows defaults (no profile given)", "-", SMB_ROLE_WORKSTATION, SMB_ERA_CURRENT,
    SMB_DIALECT_BIT_SMB1 | SMB_DIALECT_BITS_SMB2, 0, 0, 1, 0, 0, SMB_VALUE_UNDEFINED, SMB_SOURCE_DEFAULT, false,
    "LanmanWorkstation", "Seed 004 defaults: SMB1 client enabled, SMB1 server disabled, SMB2 not required."};

const smb_profile *po_generic_profile(void) { return &generic; }

void po_machine_init(po_machine *m, const smb_profile *p)
{
    memset(m, 0, sizeof *m);
    m->profile = p;
    m->era = p->era;
    m->dialects = p->dialects;
    smb_policy_profile_layer(p, &m->layers[0]);
    m->n = 1;
}

int po_machine_add(po_machine *m, const smb_policy_layer *l)
{
    if (m->n >= SMB_POLICY_MAX_LAYERS)
        return -1;
    m->layers[m->n++] = *l;
    return 0;
}

void po_machine_resolve(po_machine *m)
{
    if (smb_policy_resolve(m->layers, m->n, &m->eff) != SMB_OK)
        memset(&m->eff, 0, sizeof m->eff); /* more layers than the engine takes: nothing set, shown as defaults */
    m->eff.require_needs_enable = m->profile->require_needs_enable;
}

void po_eval_pair(const po_machine *cm, const po_machine *sm, int family, po_pair *out)
{
    memset(out, 0, sizeof *out);
    out->c.level = smb_policy_client_level(&cm->eff);
    out->s.level = smb_policy_server_level_for(&sm->eff, sm->profile, cm->profile);
    out->c.era = cm->era;
    out->s.era = sm->era;
    if (family < 0) {
        if (smb_policy_pick_proto(cm->dialects, sm->dialects, &out->proto, &out->dialect) != SMB_OK) {
            out->no_common = true;
            out->proto = SMB_PROTO_SMB2;
            out->family = SMB_FAMILY_SMB2;
            out->o.kind = SMB_OUTCOME_FAILS;
            out->o.fail_at = SMB_FAIL_NEGOTIATE;
            out->o.error = SMB_E_NOT_SUPPORTED;
            out->o.why = "no common dialect (an optional SMB1 feature may have to be turned on)";
            return;
        }
        if (out->proto == SMB_PROTO_SMB2)
            out->family = SMB_FAMILY_SMB2;
        else
            out->family = (out->c.era == SMB_ERA_LEGACY && out->s.era == SMB_ERA_LEGACY) ? SMB_FAMILY_SMB1_LEGACY
                                                                                         : SMB_FAMILY_SMB1;
        out->mixed_era = out->proto == SMB_PROTO_SMB1 && out->c.era != out->s.era;
    } else {
        out->family = (smb_family)family;
        out->proto = family == SMB_FAMILY_SMB2 ? SMB_PROTO_SMB2 : SMB_PROTO_SMB1;
        out->dialect = family == SMB_FAMILY_SMB2 ? smb_policy_best_dialect(SMB_DIALECT_BITS_SMB2 & cm->dialects &
                                                                           sm->dialects)
                                                 : SMB_DIALECT_SMB1;
        out->c.era = out->s.era = family == SMB_FAMILY_SMB1_LEGACY ? SMB_ERA_LEGACY : SMB_ERA_CURRENT;
    }
    po_outcome_checked(smb_policy_outcome(out->proto, out->c, out->s, &out->o), &out->o);
}

void po_json_extended(jw *w, const smb_policy_effective *e, bool client)
{
    for (int s = SMB_SETTING_FIRST_EXTENDED; s < SMB_SETTING_COUNT; s++) {
        const smb_setting_desc *d = smb_policy_setting_desc((smb_setting)s);
        if (d->client != client)
            continue;
        jw_key(w, d->json_key);
        po_json_value(w, &e->v[s]);
    }
}

static void json_flag(jw *w, const char *k, int8_t v)
{
    jw_key(w, k);
    if (v == 0 || v == 1)
        jw_int(w, v);
    else
        jw_null(w);
}

void po_json_hardened(jw *w, const smb_hardened_path *h)
{
    jw_obj_begin(w);
    jw_kstr(w, "path", h->path);
    json_flag(w, "require_integrity", h->require_integrity);
    json_flag(w, "require_mutual_authentication", h->require_mutual_auth);
    json_flag(w, "require_privacy", h->require_privacy);
    jw_kstr(w, "source", smb_source_name(h->source));
    jw_key(w, "origin");
    jw_str(w, h->origin[0] ? h->origin : NULL);
    jw_key(w, "line");
    if (h->line)
        jw_uint(w, h->line);
    else
        jw_null(w);
    jw_obj_end(w);
}

void po_json_hardened_list(jw *w, const smb_policy_effective *e)
{
    jw_arr_begin(w);
    for (size_t i = 0; i < e->n_hp; i++)
        po_json_hardened(w, &e->hp[i]);
    jw_arr_end(w);
}

static void json_smbconf_value(jw *w, const smb_smbconf_value *v, const char *def)
{
    jw_obj_begin(w);
    jw_kstr(w, "value", v->line ? v->value : def);
    jw_kbool(w, "default", v->line == 0);
    jw_key(w, "origin");
    jw_str(w, v->line ? v->origin : NULL);
    jw_key(w, "line");
    if (v->line)
        jw_uint(w, v->line);
    else
        jw_null(w);
    jw_obj_end(w);
}

void po_json_smbconf(jw *w, const char *path, const smb_smbconf *c, bool dc)
{
    jw_obj_begin(w);
    jw_kstr(w, "file", path);
    jw_kbool(w, "ad_dc", dc);
    jw_kint(w, "includes", c->n_includes);
    jw_kint(w, "ignored_parameters", c->n_unknown);
    jw_key(w, "global");
    jw_obj_begin(w);
    for (int p = 0; p < SMB_SMBCONF_PARAM_COUNT; p++) {
        jw_key(w, smb_smbconf_param_name((smb_smbconf_param)p));
        json_smbconf_value(w, &c->global[p], smb_smbconf_param_default((smb_smbconf_param)p));
    }
    jw_obj_end(w);
    jw_key(w, "shares");
    jw_arr_begin(w);
    for (size_t i = 0; i < c->n_shares; i++) {
        const smb_smbconf_share *sh = &c->share[i];
        const smb_smbconf_value *g = sh->guest_ok.line ? &sh->guest_ok : &c->global[SMB_SMBCONF_GUEST_OK];
        const smb_smbconf_value *en =
            sh->smb_encrypt.line ? &sh->smb_encrypt : &c->global[SMB_SMBCONF_SERVER_SMB_ENCRYPT];
        jw_obj_begin(w);
        jw_kstr(w, "name", sh->name);
        jw_kint(w, "line", sh->line);
        jw_key(w, "guest ok");
        json_smbconf_value(w, g, smb_smbconf_param_default(SMB_SMBCONF_GUEST_OK));
        jw_key(w, "server smb encrypt");
        json_smbconf_value(w, en, smb_smbconf_param_default(SMB_SMBCONF_SERVER_SMB_ENCRYPT));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

void po_text_extended(const smb_policy_effective *e, bool client)
{
    for (int s = SMB_SETTING_FIRST_EXTENDED; s < SMB_SETTING_COUNT; s++) {
        const smb_setting_desc *d = smb_policy_setting_desc((smb_setting)s);
        const smb_setting_value *v = &e->v[s];
        if (d->client != client || v->source == SMB_SOURCE_NONE)
            continue;
        char where[SMB_POLICY_ORIGIN_MAX + 16];
        if (v->line)
            snprintf(where, sizeof where, "%s:%u", v->origin, v->line);
        else
            snprintf(where, sizeof where, "%s", v->origin);
        printf("  %-27s %-2s %-13s %s  (%s)\n", d->name, v->value == 1 ? "1" : v->value == 0 ? "0" : "-",
               smb_source_name(v->source), where, d->value_name);
    }
}

void po_text_hardened(const smb_hardened_path *h)
{
    char where[SMB_POLICY_ORIGIN_MAX + 16];
    if (h->line)
        snprintf(where, sizeof where, "%s:%u", h->origin, h->line);
    else
        snprintf(where, sizeof where, "%s", h->origin);
    printf("  %-24s RequireMutualAuthentication=%s RequireIntegrity=%s RequirePrivacy=%s  %s, %s\n", h->path,
           h->require_mutual_auth < 0 ? "-" : h->require_mutual_auth ? "1" : "0",
           h->require_integrity < 0 ? "-" : h->require_integrity ? "1" : "0",
           h->require_privacy < 0 ? "-" : h->require_privacy ? "1" : "0", smb_source_name(h->source), where);
}

void po_text_smbconf(const char *path, const smb_smbconf *c, bool dc)
{
    printf("  file %s (%u include%s read, %u other parameter%s ignored)%s\n", path, c->n_includes,
           c->n_includes == 1 ? "" : "s", c->n_unknown, c->n_unknown == 1 ? "" : "s",
           dc ? "; Active Directory domain controller" : "");
    for (int p = 0; p < SMB_SMBCONF_PARAM_COUNT; p++) {
        const smb_smbconf_value *v = &c->global[p];
        if (v->line)
            printf("  %-34s = %-24s %s:%u\n", smb_smbconf_param_name((smb_smbconf_param)p), v->value, v->origin,
                   v->line);
        else
            printf("  %-34s = %-24s (Samba default)\n", smb_smbconf_param_name((smb_smbconf_param)p),
                   smb_smbconf_param_default((smb_smbconf_param)p));
    }
    for (size_t i = 0; i < c->n_shares; i++) {
        const smb_smbconf_share *sh = &c->share[i];
        printf("  [%s] guest ok = %s, server smb encrypt = %s\n", sh->name,
               sh->guest_ok.line ? sh->guest_ok.value
               : c->global[SMB_SMBCONF_GUEST_OK].line ? c->global[SMB_SMBCONF_GUEST_OK].value
                                                      : "No",
               sh->smb_encrypt.line ? sh->smb_encrypt.value
               : c->global[SMB_SMBCONF_SERVER_SMB_ENCRYPT].line ? c->global[SMB_SMBCONF_SERVER_SMB_ENCRYPT].value
                                                                : "default");
    }
}

static int read_include(void *ctx, const char *path, uint8_t **buf, size_t *len)
{
    (void)ctx;
    return cli_read_file(path, SMB_POLICY_MAX_INPUT, buf, len) == 0 ? 0 : -1;
}

int po_load_smbconf(const char *verb, const char *path, smb_smbconf *c)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = cli_read_file(path, SMB_POLICY_MAX_INPUT, &buf, &len);
    if (rc != 0) {
        cli_err(verb, "%s: %s", path, rc == -3 ? "cannot open" : rc == -2 ? "file too large" : "read error");
        return CLI_EXIT_USAGE;
    }
    smb_policy_error err = {0, ""};
    smb_status st = smb_policy_parse_smbconf(buf, len, path, read_include, NULL, c, &err);
    free(buf);
    if (st != SMB_OK) {
        if (err.line)
            cli_err(verb, "%s:%u: %s", path, err.line, err.msg);
        else
            cli_err(verb, "%s: %s", path, err.msg);
        return CLI_EXIT_USAGE;
    }
    return 0;
}
