/*
 * cli/cmd_policy.c - smbsign policy: evaluate a client configuration against a
 * server configuration (profiles plus what-if overrides) with the policy
 * engine: effective settings with sources, levels, SecurityMode, outcome,
 * failure point and error, findings.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/policy_out.h"

static void help(FILE *f)
{
    fprintf(f,
            "usage: smbsign policy --client SPEC --server SPEC [--family smb2|smb1|smb1-legacy|auto]\n"
            "                      [--path '\\\\SERVER\\SHARE'] [--json]\n\n"
            "Evaluate whether a client and a server sign, encrypt, do not sign, or fail to connect.\n\n"
            "SPEC is a profile name (see 'smbsign profiles'), optionally followed by\n"
            "comma-separated overrides for that side, or overrides alone (then the\n"
            "Windows defaults of seed 004 apply: client enabled, server disabled):\n"
            "  require=0|1      RequireSecuritySignature / \"Digitally sign communications (always)\"\n"
            "  enable=0|1       EnableSecuritySignature / \"... (if server agrees)\" (SMB1 only)\n"
            "  era=legacy|current  SMB1 behaviour before / after KB950876\n"
            "Client only (Windows 10 / 11 24H2 settings):\n"
            "  insecure_guest=0|1   AllowInsecureGuestAuth / EnableInsecureGuestLogons\n"
            "  require_encryption=0|1  RequireEncryption (24H2 / Server 2025)\n"
            "Server only:\n"
            "  guest=1 | anonymous=1  the server gives this client only a guest / null session\n"
            "                     (no session key: nothing can be signed or encrypted)\n"
            "  encrypt_data=0|1   EncryptData (Samba: server smb encrypt = desired/required)\n"
            "  reject_unencrypted=0|1  RejectUnencryptedAccess (with encrypt_data=1: required)\n\n"
            "Options:\n"
            "  --client SPEC    the client side (its LanmanWorkstation settings)\n"
            "  --server SPEC    the server side (its LanManServer settings)\n"
            "  --family F       smb2, smb1 (both sides current era), smb1-legacy (both legacy), or\n"
            "                   auto (default): the best dialect both profiles speak, each side\n"
            "                   with its own era (mixed pairs are reasoned in docs/policy.md)\n"
            "  --path UNC       the path the client opens, e.g. '\\\\dc1\\SYSVOL': MS15-011 hardened\n"
            "                   paths (\\\\*\\SYSVOL and \\\\*\\NETLOGON by default on Windows 10 and later)\n"
            "                   with RequireIntegrity=1 make the client require signing for it\n"
            "  --json           one JSON object (see docs/json-policy.md)\n\n"
            "Examples:\n"
            "  smbsign policy --client winxp,require=1 --server nt4-dc\n"
            "  smbsign policy --client winxp --server win2003-dc --family smb1-legacy\n"
            "  smbsign policy --client require=1 --server samba --json\n"
            "  smbsign policy --client win11-24h2 --server samba,guest=1        # the NAS after 24H2\n"
            "  smbsign policy --client win10 --server server2022-dc --path '\\\\dc1\\SYSVOL'\n"
            "  smbsign policy --client win11-24h2 --server server2025,encrypt_data=1\n\n"
            "Exit status: 0 evaluated (whatever the outcome), 2 usage error.\n");
}

typedef struct side_spec {
    const char *text;
    const smb_profile *profile;
    int8_t require, enable; /* SMB_VALUE_UNDEFINED when not overridden */
    int era;                /* -1 unless overridden */
    int8_t ext[SMB_SETTING_COUNT]; /* 24H2-group overrides (index = setting), UNDEFINED when not given */
    smb_session_kind session;
} side_spec;

/* SPEC words for the 24H2-group settings: word, setting, side (1 client, 0 server). */
static const struct {
    const char *word;
    smb_setting s;
    bool client;
} ext_words[] = {
    {"insecure_guest", SMB_SETTING_CLIENT_INSECURE_GUEST, true},
    {"require_encryption", SMB_SETTING_CLIENT_REQUIRE_ENCRYPTION, true},
    {"encrypt_data", SMB_SETTING_SERVER_ENCRYPT_DATA, false},
    {"reject_unencrypted", SMB_SETTING_SERVER_REJECT_UNENCRYPTED, false},
};

static int parse_spec(const char *opt, const char *text, side_spec *out)
{
    char buf[256];
    out->text = text;
    out->profile = NULL;
    out->require = out->enable = SMB_VALUE_UNDEFINED;
    out->era = -1;
    out->session = SMB_SESSION_USER;
    for (int s = 0; s < SMB_SETTING_COUNT; s++)
        out->ext[s] = SMB_VALUE_UNDEFINED;
    bool client = !strcmp(opt, "--client");
    if (!text[0])
        return cli_usage_error("policy", "%s: empty SPEC", opt);
    if (strlen(text) >= sizeof buf)
        return cli_usage_error("policy", "%s: SPEC too long", opt);
    strcpy(buf, text);
    char *save = NULL;
    bool first = true;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), first = false) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            if (!first)
                return cli_usage_error("policy", "%s: '%s': a profile name must come first", opt, tok);
            out->profile = smb_policy_profile_find(tok);
            if (!out->profile)
                return cli_usage_error("policy", "%s: unknown profile '%s' (see 'smbsign profiles')", opt, tok);
            continue;
        }
        *eq = '\0';
        const char *v = eq + 1;
        if (!strcmp(tok, "require") || !strcmp(tok, "enable")) {
            if (strcmp(v, "0") && strcmp(v, "1"))
                return cli_usage_error("policy", "%s: %s=%s: expected 0 or 1", opt, tok, v);
            if (!strcmp(tok, "require"))
                out->require = (int8_t)(v[0] - '0');
            else
                out->enable = (int8_t)(v[0] - '0');
        } else if (!strcmp(tok, "era")) {
            if (!strcmp(v, "legacy"))
                out->era = SMB_ERA_LEGACY;
            else if (!strcmp(v, "current"))
                out->era = SMB_ERA_CURRENT;
            else
                return cli_usage_error("policy", "%s: era=%s: expected legacy or current", opt, v);
        } else if (!strcmp(tok, "guest") || !strcmp(tok, "anonymous")) {
            if (client)
                return cli_usage_error("policy", "--client: %s= describes a server (use it in --server)", tok);
            if (strcmp(v, "1") && strcmp(v, "0"))
                return cli_usage_error("policy", "%s: %s=%s: expected 0 or 1", opt, tok, v);
            if (v[0] == '1') {
                smb_session_kind k = tok[0] == 'g' ? SMB_SESSION_GUEST : SMB_SESSION_ANONYMOUS;
                if (out->session != SMB_SESSION_USER && out->session != k)
                    return cli_usage_error("policy", "%s: guest=1 and anonymous=1 exclude each other", opt);
                out->session = k;
            }
        } else {
            size_t i = 0;
            while (i < sizeof ext_words / sizeof ext_words[0] && strcmp(tok, ext_words[i].word))
                i++;
            if (i == sizeof ext_words / sizeof ext_words[0])
                return cli_usage_error("policy",
                                       "%s: unknown override '%s' (require, enable, era; client: insecure_guest, "
                                       "require_encryption; server: guest, anonymous, encrypt_data, "
                                       "reject_unencrypted)",
                                       opt, tok);
            if (ext_words[i].client != client)
                return cli_usage_error("policy", "%s: %s= is a %s setting", opt, tok,
                                       ext_words[i].client ? "client" : "server");
            if (strcmp(v, "0") && strcmp(v, "1"))
                return cli_usage_error("policy", "%s: %s=%s: expected 0 or 1", opt, tok, v);
            out->ext[ext_words[i].s] = (int8_t)(v[0] - '0');
        }
    }
    return 0;
}

static void build(po_machine *m, const side_spec *sp, bool client)
{
    po_machine_init(m, sp->profile ? sp->profile : po_generic_profile());
    bool any_ext = false;
    for (int s = 0; s < SMB_SETTING_COUNT; s++)
        any_ext |= sp->ext[s] != SMB_VALUE_UNDEFINED;
    if (sp->require != SMB_VALUE_UNDEFINED || sp->enable != SMB_VALUE_UNDEFINED || any_ext) {
        smb_policy_layer l;
        smb_policy_layer_init(&l, SMB_SOURCE_OVERRIDE, "command line");
        if (sp->require != SMB_VALUE_UNDEFINED)
            smb_policy_layer_set(&l, client ? SMB_SETTING_CLIENT_REQUIRE : SMB_SETTING_SERVER_REQUIRE, sp->require,
                                 (uint32_t)sp->require, 0, 0);
        if (sp->enable != SMB_VALUE_UNDEFINED)
            smb_policy_layer_set(&l, client ? SMB_SETTING_CLIENT_ENABLE : SMB_SETTING_SERVER_ENABLE, sp->enable,
                                 (uint32_t)sp->enable, 0, 0);
        for (int s = 0; s < SMB_SETTING_COUNT; s++)
            if (sp->ext[s] != SMB_VALUE_UNDEFINED)
                smb_policy_layer_set(&l, (smb_setting)s, sp->ext[s], (uint32_t)sp->ext[s], 0, 0);
        (void)po_machine_add(m, &l);
    }
    if (sp->era >= 0)
        m->era = (smb_era)sp->era;
    po_machine_resolve(m);
}

static uint16_t secmode_for(const po_pair *pr, smb_sign_level l)
{
    return pr->proto == SMB_PROTO_SMB2 ? smb_policy_smb2_secmode(l) : smb_policy_smb1_secmode(l);
}

static void json_side(jw *w, const char *k, const side_spec *sp, const po_machine *m, const po_pair *pr,
                      bool client, const char *path, const smb_hardened_path *hp, smb_session_kind session)
{
    smb_setting rq = client ? SMB_SETTING_CLIENT_REQUIRE : SMB_SETTING_SERVER_REQUIRE;
    smb_setting en = client ? SMB_SETTING_CLIENT_ENABLE : SMB_SETTING_SERVER_ENABLE;
    smb_side sd = client ? pr->c : pr->s;
    jw_key(w, k);
    jw_obj_begin(w);
    jw_kstr(w, "spec", sp->text);
    jw_kstr(w, "profile", m->profile->name);
    jw_kstr(w, "era", smb_era_name(sd.era));
    jw_kstr(w, "level", po_level_name(pr->proto == SMB_PROTO_SMB2, sd.level));
    jw_kstr(w, "configured_level",
            smb_level_name(client ? smb_policy_client_level(&m->eff) : sd.level)); /* before --path hardening */
    jw_kint(w, "security_mode", secmode_for(pr, sd.level));
    if (!client)
        jw_kbool(w, "w9x_adjusted", smb_policy_server_level(&m->eff) != sd.level);
    jw_key(w, "require");
    po_json_value(w, &m->eff.v[rq]);
    jw_key(w, "enable");
    po_json_value(w, &m->eff.v[en]);
    jw_key(w, "dialects");
    po_json_dialects(w, m->dialects);
    po_json_extended(w, &m->eff, client);
    if (client) {
        jw_key(w, "path");
        jw_str(w, path);
        jw_key(w, "path_hardening");
        if (hp)
            po_json_hardened(w, hp);
        else
            jw_null(w);
    } else {
        jw_kstr(w, "session", smb_session_kind_name(session));
    }
    jw_obj_end(w);
}

static void text_value(const char *name, const smb_setting_value *v)
{
    char val[8];
    snprintf(val, sizeof val, "%s", v->value == 1 ? "1" : v->value == 0 ? "0" : "-");
    char ob[SMB_POLICY_ORIGIN_TEXT_MAX];
    printf("    %-16s %-2s %-13s %s\n", name, val, smb_source_name(v->source), smb_policy_origin_text(v, ob));
}

static void text_side(const char *title, const side_spec *sp, const po_machine *m, const po_pair *pr, bool client,
                      const po_colors *c)
{
    smb_setting rq = client ? SMB_SETTING_CLIENT_REQUIRE : SMB_SETTING_SERVER_REQUIRE;
    smb_setting en = client ? SMB_SETTING_CLIENT_ENABLE : SMB_SETTING_SERVER_ENABLE;
    smb_side sd = client ? pr->c : pr->s;
    printf("%s%s%s %s  (%s; %s SMB1 era)\n", c->bold, title, c->reset, sp->text, m->profile->title,
           smb_era_name(sd.era));
    text_value(client ? "client.require" : "server.require", &m->eff.v[rq]);
    text_value(client ? "client.enable" : "server.enable", &m->eff.v[en]);
    uint16_t sm = secmode_for(pr, sd.level);
    printf("    level %s, %s SecurityMode %u (0x%02x)\n", po_level_name(pr->proto == SMB_PROTO_SMB2, sd.level),
           pr->proto == SMB_PROTO_SMB2 ? "SMB2" : "SMB1", sm, sm);
    if (!client && smb_policy_server_level(&m->eff) != sd.level)
        printf("    (enableW9xsecuritysignature is not 1: this Windows 2000 server does not sign with NT 4.0 / 98 "
               "clients, KB887429)\n");
}

int cmd_policy(int argc, char **argv)
{
    static const struct option opts[] = {{"client", required_argument, NULL, 'c'},
                                         {"server", required_argument, NULL, 's'},
                                         {"family", required_argument, NULL, 'f'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"path", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *cspec = NULL, *sspec = NULL, *path = NULL;
    int json = 0, family = -1, c, rc;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "c:s:f:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cspec = optarg; break;
        case 's': sspec = optarg; break;
        case 'f': {
            smb_family f;
            if (!strcmp(optarg, "auto"))
                family = -1;
            else if (smb_family_parse(optarg, &f) == 0)
                family = (int)f;
            else
                return cli_usage_error("policy", "--family: unknown family '%s' (smb2, smb1, smb1-legacy, auto)",
                                       optarg);
            break;
        }
        case 'j': json = 1; break;
        case 'p': {
            const char *sh = optarg[0] == '\\' && optarg[1] == '\\' ? strchr(optarg + 2, '\\') : NULL;
            if (!sh || sh == optarg + 2 || !sh[1] || sh[1] == '\\')
                return cli_usage_error("policy", "--path: '%s' is not a UNC path \\\\SERVER\\SHARE[\\...]", optarg);
            path = optarg;
            break;
        }
        case 'h': help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("policy", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("policy", "unexpected argument '%s'", argv[optind]);
    if (!cspec || !sspec)
        return cli_usage_error("policy", "both --client SPEC and --server SPEC are required");
    side_spec cs, ss;
    if ((rc = parse_spec("--client", cspec, &cs)) != 0 || (rc = parse_spec("--server", sspec, &ss)) != 0)
        return rc;
    if (cs.profile && cs.profile->role == SMB_ROLE_SERVER_ONLY)
        return cli_usage_error("policy", "--client: profile '%s' has no SMB client", cs.profile->name);
    po_machine *cm = malloc(sizeof *cm), *sm = malloc(sizeof *sm);
    smb_findings *fs = calloc(1, sizeof *fs);
    if (!cm || !sm || !fs) {
        free(cm);
        free(sm);
        free(fs);
        cli_err("policy", "out of memory");
        return CLI_EXIT_USAGE;
    }
    build(cm, &cs, true);
    build(sm, &ss, false);
    po_pair pr;
    po_eval_pair(cm, sm, family, &pr);
    if (family >= 0 && family != SMB_FAMILY_SMB2 && (cs.era >= 0 || ss.era >= 0)) {
        /* an explicit era= in a SPEC beats the era the family implies */
        if (cs.era >= 0)
            pr.c.era = (smb_era)cs.era;
        if (ss.era >= 0)
            pr.s.era = (smb_era)ss.era;
        pr.mixed_era = pr.c.era != pr.s.era;
        po_outcome_checked(smb_policy_outcome(pr.proto, pr.c, pr.s, &pr.o), &pr.o);
    }
    /* sessions, hardened path, encryption (smb_policy_outcome_ex) */
    smb_hardened_path hp;
    bool has_hp = path && smb_policy_path_hardening(&cm->eff, cm->profile, path, &hp);
    smb_encryption enc = SMB_ENCRYPTION_NONE;
    if (!pr.no_common) {
        smb_pair_extra x = {ss.session,
                            cm->eff.v[SMB_SETTING_CLIENT_INSECURE_GUEST].value,
                            has_hp ? &hp : NULL,
                            cm->eff.v[SMB_SETTING_CLIENT_REQUIRE_ENCRYPTION].value == 1,
                            smb_policy_server_encryption(sm->eff.v[SMB_SETTING_SERVER_ENCRYPT_DATA].value,
                                                         sm->eff.v[SMB_SETTING_SERVER_REJECT_UNENCRYPTED].value),
                            pr.dialect};
        po_outcome_checked(smb_policy_outcome_ex(pr.proto, pr.c, pr.s, &x, &pr.o, &enc), &pr.o);
        if (has_hp && hp.require_integrity == 1)
            pr.c.level = SMB_LEVEL_REQUIRED;
    }
    smb_policy_audit(cm->layers, cm->n, &cm->eff, cm->profile, SMB_AUDIT_CLIENT, fs);
    smb_policy_audit(sm->layers, sm->n, &sm->eff, sm->profile, SMB_AUDIT_SERVER, fs);
    smb_policy_audit_extended(&cm->eff, cm->profile, SMB_AUDIT_CLIENT, fs);
    smb_policy_audit_extended(&sm->eff, sm->profile, SMB_AUDIT_SERVER, fs);
    smb_policy_audit_pair(pr.proto, pr.c, pr.s, &pr.o, fs);
    if (json) {
        jw w;
        jw_init(&w, stdout);
        jw_obj_begin(&w);
        jw_kstr(&w, "family", pr.no_common ? "none" : smb_family_name(pr.family));
        jw_kbool(&w, "family_auto", family < 0);
        jw_key(&w, "dialect");
        jw_str(&w, pr.dialect == SMB_DIALECT_NONE ? NULL : smb_dialect_name(pr.dialect));
        jw_kbool(&w, "mixed_era", pr.mixed_era);
        po_json_outcome(&w, &pr.o);
        jw_key(&w, "error_code");
        if (pr.o.error_name && pr.o.error_code) {
            char code[16];
            snprintf(code, sizeof code, "0x%08x", pr.o.error_code);
            jw_str(&w, code);
        } else if (pr.o.kind == SMB_OUTCOME_FAILS) {
            char code[16];
            uint32_t nt = smb_status_ntstatus(pr.o.error);
            snprintf(code, sizeof code, nt ? "0x%08x" : "%u", nt ? nt : smb_status_win32(pr.o.error));
            jw_str(&w, code);
        } else {
            jw_null(&w);
        }
        jw_key(&w, "event");
        if (pr.o.event_id)
            jw_uint(&w, pr.o.event_id);
        else
            jw_null(&w);
        jw_kstr(&w, "encryption", smb_encryption_name(enc));
        jw_kstr(&w, "why", pr.o.why);
        json_side(&w, "client", &cs, cm, &pr, true, path, has_hp ? &hp : NULL, ss.session);
        json_side(&w, "server", &ss, sm, &pr, false, path, NULL, ss.session);
        po_json_findings(&w, fs);
        jw_obj_end(&w);
        jw_newline(&w);
    } else {
        po_colors col = po_colors_for(stdout);
        char out[160];
        text_side("Client", &cs, cm, &pr, true, &col);
        if (path && has_hp)
            printf("    path %s: hardened by %s RequireIntegrity=%d RequireMutualAuthentication=%d (%s, %s)\n", path,
                   hp.path, hp.require_integrity, hp.require_mutual_auth, smb_source_name(hp.source), hp.origin);
        else if (path)
            printf("    path %s: no hardened path rule applies\n", path);
        text_side("Server", &ss, sm, &pr, false, &col);
        if (ss.session != SMB_SESSION_USER)
            printf("    offers only %s sessions (no session key)\n", smb_session_kind_name(ss.session));
        if (enc != SMB_ENCRYPTION_NONE)
            printf("%sEncryption%s %s\n", col.bold, col.reset, smb_encryption_name(enc));
        printf("%sFamily%s  %s", col.bold, col.reset, pr.no_common ? "none" : smb_family_name(pr.family));
        if (pr.no_common)
            printf(" (no common dialect)\n");
        else if (family < 0)
            printf(" (auto: best common dialect %s%s)\n",
                   pr.dialect == SMB_DIALECT_SMB1 ? "NT LM 0.12 (SMB1)" : smb_dialect_name(pr.dialect),
                   pr.mixed_era ? "; mixed eras, see docs/policy.md" : "");
        else
            printf(" (as requested)\n");
        po_outcome_text(&pr.o, out, sizeof out);
        printf("%sOutcome%s %s%s%s\n        %s\n", col.bold, col.reset, po_outcome_color(&col, pr.o.kind), out,
               col.reset, pr.o.why);
        printf("%sFindings%s\n", col.bold, col.reset);
        po_print_findings(stdout, fs, &col);
    }
    free(cm);
    free(sm);
    free(fs);
    return CLI_EXIT_OK;
}
