/*
 * cli/cmd_profiles.c - smbsign profiles: the built-in OS/role signing defaults
 * (smb_policy_profiles), as an aligned table with notes or as one JSON document.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/policy_out.h"

static void help(FILE *f)
{
    fprintf(f,
            "usage: smbsign profiles [--json]\n\n"
            "List the built-in OS/role profiles: release date, role, SMB1 behaviour era\n"
            "(legacy = before KB950876, current = after), dialects spoken by default,\n"
            "the client and server signing defaults (require/enable) with the resulting\n"
            "levels and SMB1 SecurityMode, and a note naming the sources followed.\n"
            "Profile names are used by 'smbsign policy' and 'smbsign audit --os'.\n\n"
            "Options:\n"
            "  --json   {\"profiles\":[{\"name\":..,\"date\":..,\"era\":..,\"client\":{..},\"server\":{..}}]}\n"
            "           (see docs/json-policy.md)\n\n"
            "Examples:\n"
            "  smbsign profiles\n"
            "  smbsign profiles --json | jq -r '.profiles[] | select(.server.level==\"required\") | .name'\n\n"
            "Exit status: 0 ok, 2 usage error.\n");
}

static const char *v01(int8_t v) { return v == 1 ? "1" : v == 0 ? "0" : "-"; }

static void levels(const smb_profile *p, smb_sign_level *cl, smb_sign_level *sl)
{
    po_machine m;
    po_machine_init(&m, p);
    po_machine_resolve(&m);
    *cl = smb_policy_client_level(&m.eff);
    *sl = smb_policy_server_level(&m.eff);
}

static void json_int_or_null(jw *w, const char *k, int8_t v)
{
    jw_key(w, k);
    if (v == 0 || v == 1)
        jw_int(w, v);
    else
        jw_null(w);
}

/* The 24H2-group defaults of one side under their audit --json keys. */
static void ext_json(jw *w, const smb_profile *p, bool client)
{
    for (int s = SMB_SETTING_FIRST_EXTENDED; s < SMB_SETTING_COUNT; s++) {
        const smb_setting_desc *d = smb_policy_setting_desc((smb_setting)s);
        if (d->client == client)
            json_int_or_null(w, d->json_key, smb_policy_profile_default(p, (smb_setting)s));
    }
}

int cmd_profiles(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h': help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("profiles", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("profiles", "unexpected argument '%s'", argv[optind]);
    size_t n;
    const smb_profile *ps = smb_policy_profiles(&n);
    if (json) {
        jw w;
        jw_init(&w, stdout);
        jw_obj_begin(&w);
        jw_key(&w, "profiles");
        jw_arr_begin(&w);
        for (size_t i = 0; i < n; i++) {
            const smb_profile *p = &ps[i];
            smb_sign_level cl, sl;
            levels(p, &cl, &sl);
            jw_obj_begin(&w);
            jw_kstr(&w, "name", p->name);
            jw_kstr(&w, "title", p->title);
            jw_kstr(&w, "date", p->date);
            jw_kstr(&w, "role", smb_role_name(p->role));
            jw_kstr(&w, "era", smb_era_name(p->era));
            jw_key(&w, "dialects");
            po_json_dialects(&w, p->dialects);
            jw_key(&w, "dialects_optional");
            po_json_dialects(&w, p->dialects_optional);
            jw_key(&w, "client");
            if (p->role == SMB_ROLE_SERVER_ONLY) {
                jw_null(&w);
            } else {
                jw_obj_begin(&w);
                json_int_or_null(&w, "require", p->client_require);
                json_int_or_null(&w, "enable", p->client_enable);
                jw_kstr(&w, "level", smb_level_name(cl));
                jw_kstr(&w, "registry_key", p->registry_client_key);
                jw_kbool(&w, "require_needs_enable", p->require_needs_enable);
                ext_json(&w, p, true);
                jw_kbool(&w, "unc_hardening_default", smb_policy_profile_unc_defaults(p));
                jw_obj_end(&w);
            }
            jw_key(&w, "server");
            jw_obj_begin(&w);
            json_int_or_null(&w, "require", p->server_require);
            json_int_or_null(&w, "enable", p->server_enable);
            json_int_or_null(&w, "enable_w9x", p->server_enable_w9x);
            jw_kstr(&w, "level", smb_level_name(sl));
            jw_kstr(&w, "source", smb_source_name(p->server_default_source));
            jw_kint(&w, "smb1_security_mode", smb_policy_smb1_secmode(sl));
            jw_kint(&w, "smb2_security_mode", smb_policy_smb2_secmode(sl));
            ext_json(&w, p, false);
            jw_obj_end(&w);
            jw_kstr(&w, "note", p->note);
            jw_key(&w, "note_24h2");
            jw_str(&w, smb_policy_profile_note_24h2(p));
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_obj_end(&w);
        jw_newline(&w);
        return CLI_EXIT_OK;
    }
    po_colors col = po_colors_for(stdout);
    size_t wn = 4;
    for (size_t i = 0; i < n; i++)
        if (strlen(ps[i].name) > wn)
            wn = strlen(ps[i].name);
    printf("%s%-*s  %-10s  %-11s  %-7s  %-7s  %-8s  %-7s  %-8s  %-7s  %s%s\n", col.bold, (int)wn, "NAME", "DATE",
           "ROLE", "ERA", "CLI R/E", "CLIENT", "SRV R/E", "SERVER", "SMB1 SM", "DIALECTS", col.reset);
    for (size_t i = 0; i < n; i++) {
        const smb_profile *p = &ps[i];
        smb_sign_level cl, sl;
        levels(p, &cl, &sl);
        char cre[8], sre[8], dial[128], opt[64];
        snprintf(cre, sizeof cre, "%s/%s", v01(p->client_require), v01(p->client_enable));
        snprintf(sre, sizeof sre, "%s/%s%s", v01(p->server_require), v01(p->server_enable),
                 p->server_default_source == SMB_SOURCE_DOMAIN_GPO ? "*" : "");
        po_dialects_text(p->dialects, dial, sizeof dial);
        if (p->dialects_optional) {
            po_dialects_text(p->dialects_optional, opt, sizeof opt);
            size_t k = strlen(dial);
            snprintf(dial + k, sizeof dial - k, " (+%s optional)", opt);
        }
        printf("%-*s  %-10s  %-11s  %-7s  %-7s  %-8s  %-7s  %-8s  %-7u  %s\n", (int)wn, p->name, p->date,
               smb_role_name(p->role), smb_era_name(p->era), cre,
               p->role == SMB_ROLE_SERVER_ONLY ? "-" : smb_level_name(cl), sre, smb_level_name(sl),
               smb_policy_smb1_secmode(sl), dial);
    }
    printf("\nR/E = RequireSecuritySignature / EnableSecuritySignature defaults; * = from the Default Domain\n"
           "Controllers Policy (domain GPO). SMB1 SM = server SecurityMode in an SMB1 NEGOTIATE response.\n\n"
           "%sNotes%s\n",
           col.bold, col.reset);
    for (size_t i = 0; i < n; i++)
        printf("  %-*s  %s (%s). %s\n", (int)wn, ps[i].name, ps[i].title, ps[i].date, ps[i].note);
    printf("\n%sWindows 11 24H2 / Server 2025 settings, encryption, SMB1, hardened paths%s\n", col.bold, col.reset);
    printf("%-*s  GUEST  REQ-ENC  AUDIT-SIGN C/S  BLOCK-NTLM  ENCRYPT/REJECT  SMB1  UNC\n", (int)wn, "NAME");
    for (size_t i = 0; i < n; i++) {
        const smb_profile *p = &ps[i];
        char as[8], er[8];
        snprintf(as, sizeof as, "%s/%s", v01(smb_policy_profile_default(p, SMB_SETTING_CLIENT_AUDIT_SIGNING)),
                 v01(smb_policy_profile_default(p, SMB_SETTING_SERVER_AUDIT_SIGNING)));
        snprintf(er, sizeof er, "%s/%s", v01(smb_policy_profile_default(p, SMB_SETTING_SERVER_ENCRYPT_DATA)),
                 v01(smb_policy_profile_default(p, SMB_SETTING_SERVER_REJECT_UNENCRYPTED)));
        printf("%-*s  %-5s  %-7s  %-14s  %-10s  %-14s  %-4s  %s\n", (int)wn, p->name,
               v01(smb_policy_profile_default(p, SMB_SETTING_CLIENT_INSECURE_GUEST)),
               v01(smb_policy_profile_default(p, SMB_SETTING_CLIENT_REQUIRE_ENCRYPTION)), as,
               v01(smb_policy_profile_default(p, SMB_SETTING_CLIENT_BLOCK_NTLM)), er,
               v01(smb_policy_profile_default(p, SMB_SETTING_SERVER_SMB1)),
               smb_policy_profile_unc_defaults(p) ? "SYSVOL,NETLOGON" : "-");
    }
    printf("\nGUEST = AllowInsecureGuestAuth (EnableInsecureGuestLogons); '-' = the setting does not exist there.\n");
    for (size_t i = 0; i < n; i++)
        if (smb_policy_profile_note_24h2(&ps[i]))
            printf("  %-*s  %s\n", (int)wn, ps[i].name, smb_policy_profile_note_24h2(&ps[i]));
    return CLI_EXIT_OK;
}
