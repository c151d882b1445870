/*
 * cli/cmd_audit.c - smbsign audit: read .reg files, security templates
 * (GptTmpl.inf / secedit export) and PowerShell Get-Smb*Configuration output,
 * resolve them with the OS/role defaults by precedence (domain GPO > local
 * policy > registry > default), and report the effective settings with their
 * sources, findings, and the predicted outcome against typical peers.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/policy_out.h"

#define AUDIT_DEFAULT_OS "server2022"
#define AUDIT_MAX_FILES (SMB_POLICY_MAX_LAYERS - 1)

static void help(FILE *f)
{
    fprintf(f,
            "usage: smbsign audit [--role client|server|both] [--os PROFILE] [--json]\n"
            "                     [--fail-on low|medium|high] [FILE...] [--registry F]\n"
            "                     [--local-policy F] [--domain-gpo F] [--smb-conf F]\n\n"
            "Audit a machine's SMB signing configuration. Inputs (UTF-16LE or UTF-8):\n"
            "  .reg exports (REGEDIT4 / version 5.00) of LanmanWorkstation, LanManServer,\n"
            "  Rdr (NT 4.0) or VxD\\VNetsup (98) keys; GPO security templates (GptTmpl.inf,\n"
            "  Windows' UTF-16LE form or the ASCII one 'samba-tool gpo manage security set'\n"
            "  writes without [Version]) and 'secedit /export' output; PowerShell\n"
            "  Get-SmbServerConfiguration / Get-SmbClientConfiguration output (Format-List\n"
            "  or ConvertTo-Json).\n\n"
            "Untagged FILEs are detected by content (.reg and PowerShell = registry, INF =\n"
            "local policy) and given in increasing precedence order. Tagged files take the\n"
            "source named by the option. Precedence: domain GPO > local policy > registry >\n"
            "the --os profile's default.\n\n"
            "Options:\n"
            "  --role R        client, server or both (default both)\n"
            "  --os PROFILE    OS/role defaults (default " AUDIT_DEFAULT_OS "; see 'smbsign profiles')\n"
            "  --registry F    F holds registry values (.reg or PowerShell output)\n"
            "  --local-policy F  F is the local security policy (secedit /export)\n"
            "  --domain-gpo F  F is a domain GPO template (GptTmpl.inf)\n"
            "  --smb-conf F    F is a Samba smb.conf (or an smbsign serve config): server/client\n"
            "                  signing, smb encrypt, smb3 algorithms, server min protocol, server\n"
            "                  role, map to guest, guest ok, ntlm auth; 'include =' is followed.\n"
            "                  Without --os the profile is samba (samba-dc for an AD DC role).\n"
            "  --fail-on S     exit 1 when a finding of severity S or higher exists\n"
            "  --json          one JSON object (see docs/json-policy.md)\n\n"
            "Examples:\n"
            "  smbsign audit --os win2003-dc export.reg\n"
            "  smbsign audit --registry hklm.reg --domain-gpo GptTmpl.inf --fail-on high\n"
            "  smbsign audit --role server --json server-config.txt\n"
            "  smbsign audit --smb-conf /etc/samba/smb.conf --fail-on high\n\n"
            "Exit status: 0 ok, 1 a finding at or above --fail-on, 2 usage or input error\n"
            "(parse errors are reported as FILE:LINE: message; nothing is half-applied).\n");
}

typedef struct audit_file {
    const char *path;
    int tag; /* -1 untagged, else smb_source */
    smb_policy_format fmt;
} audit_file;

static const char *const peer_servers[] = {"nt4", "win2003", "server2022", "server2022-dc"};
static const char *const peer_clients[] = {"winxp", "win7", "win10", "win11-24h2"};

static int load(const audit_file *af, unsigned hint, smb_policy_layer *l)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = cli_read_file(af->path, SMB_POLICY_MAX_INPUT, &buf, &len);
    if (rc == -3) {
        cli_err("audit", "%s: cannot open", af->path);
        return CLI_EXIT_USAGE;
    }
    if (rc == -2) {
        cli_err("audit", "%s: larger than %u bytes", af->path, SMB_POLICY_MAX_INPUT);
        return CLI_EXIT_USAGE;
    }
    if (rc != 0) {
        cli_err("audit", "%s: read error", af->path);
        return CLI_EXIT_USAGE;
    }
    smb_policy_error err = {0, ""};
    smb_policy_format fmt = SMB_FORMAT_AUTO;
    smb_status st = smb_policy_parse_any(buf, len, af->path, hint, l, &fmt, &err);
    free(buf);
    if (st != SMB_OK) {
        if (err.line)
            cli_err("audit", "%s:%u: %s", af->path, err.line, err.msg);
        else
            cli_err("audit", "%s: %s", af->path, err.msg);
        return CLI_EXIT_USAGE;
    }
    ((audit_file *)af)->fmt = fmt;
    if (af->tag >= 0) {
        l->source = (smb_source)af->tag;
        for (int s = 0; s < SMB_SETTING_COUNT; s++)
            l->v[s].source = (smb_source)af->tag;
    }
    return 0;
}

static void text_value(const smb_setting_desc *d, const smb_setting_value *v, bool w2k, const po_colors *c)
{
    char ob[SMB_POLICY_ORIGIN_TEXT_MAX];
    /* The origin whole, then the line: never cut (issue 20). */
    printf("  %-18s %-2s %-13s %s", d->name, v->value == 1 ? "1" : v->value == 0 ? "0" : "-",
           smb_source_name(v->source), smb_policy_origin_text(v, ob));
    if (v->line)
        printf(":%u", v->line);
    if (v->source == SMB_SOURCE_ASSUMED_GPO)
        printf(" %s(assumed by the profile, not read from a file)%s", c->dim, c->reset);
    printf("\n");
    const char *pol = w2k && d->policy_w2k ? d->policy_w2k : d->policy_name;
    printf("  %-18s    %s%s: %s%s\n", "", c->dim, pol ? "policy" : "registry only", pol ? pol : d->value_name,
           c->reset);
}

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                         {"os", required_argument, NULL, 'o'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"fail-on", required_argument, NULL, 'F'},
                                         {"registry", required_argument, NULL, 'R'},
                                         {"local-policy", required_argument, NULL, 'L'},
                                         {"domain-gpo", required_argument, NULL, 'D'},
                                         {"smb-conf", required_argument, NULL, 'S'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    audit_file files[AUDIT_MAX_FILES];
    size_t nf = 0;
    unsigned sides = SMB_AUDIT_CLIENT | SMB_AUDIT_SERVER;
    const char *role_name = "both";
    const smb_profile *os = NULL;
    int json = 0, fail_on = 0, c, rc = CLI_EXIT_OK;
    const char *smbconf_path = NULL;
    smb_smbconf *conf = NULL;
    bool conf_dc = false;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "-r:o:jF:R:L:D:h", opts, NULL)) != -1) {
        int tag = -2;
        switch (c) {
        case 1: tag = -1; break;
        case 'R': tag = SMB_SOURCE_REGISTRY; break;
        case 'L': tag = SMB_SOURCE_LOCAL_POLICY; break;
        case 'D': tag = SMB_SOURCE_DOMAIN_GPO; break;
        case 'r':
            if (!strcmp(optarg, "client"))
                sides = SMB_AUDIT_CLIENT;
            else if (!strcmp(optarg, "server"))
                sides = SMB_AUDIT_SERVER;
            else if (!strcmp(optarg, "both"))
                sides = SMB_AUDIT_CLIENT | SMB_AUDIT_SERVER;
            else
                return cli_usage_error("audit", "--role: expected client, server or both, got '%s'", optarg);
            role_name = optarg;
            break;
        case 'o':
            os = smb_policy_profile_find(optarg);
            if (!os)
                return cli_usage_error("audit", "--os: unknown profile '%s' (see 'smbsign profiles')", optarg);
            break;
        case 'j': json = 1; break;
        case 'S': smbconf_path = optarg; break;
        case 'F': {
            smb_severity s;
            if (smb_severity_parse(optarg, &s) != 0)
                return cli_usage_error("audit", "--fail-on: expected low, medium or high, got '%s'", optarg);
            fail_on = (int)s;
            break;
        }
        case 'h': help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("audit", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
        if (tag != -2) {
            if (nf >= AUDIT_MAX_FILES)
                return cli_usage_error("audit", "at most %d files", AUDIT_MAX_FILES);
            files[nf].path = optarg;
            files[nf].tag = tag;
            files[nf].fmt = SMB_FORMAT_AUTO;
            nf++;
        }
    }
    if (smbconf_path) {
        if (!(conf = malloc(sizeof *conf))) {
            cli_err("audit", "out of memory");
            return CLI_EXIT_USAGE;
        }
        if ((rc = po_load_smbconf("audit", smbconf_path, conf)) != 0) {
            free(conf);
            return rc;
        }
        smb_policy_layer tmp;
        smb_policy_smbconf_layer(conf, smbconf_path, &tmp, &conf_dc);
        if (!os)
            os = smb_policy_profile_find(conf_dc ? "samba-dc" : "samba");
    }
    if (nf == 0 && !os)
        return cli_usage_error("audit", "no input: give FILE(s), --registry/--local-policy/--domain-gpo, or --os");
    bool os_given = os != NULL;
    if (!os)
        os = smb_policy_profile_find(AUDIT_DEFAULT_OS);
    if (os->role == SMB_ROLE_SERVER_ONLY)
        sides &= ~(unsigned)SMB_AUDIT_CLIENT;
    if (!sides) {
        free(conf);
        return cli_usage_error("audit", "--role client: profile '%s' has no SMB client", os->name);
    }

    po_machine *m = malloc(sizeof *m);
    smb_findings *fs = calloc(1, sizeof *fs);
    smb_policy_layer *l = malloc(sizeof *l);
    if (!m || !fs || !l) {
        cli_err("audit", "out of memory");
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    po_machine_init(m, os);
    unsigned hint = sides == SMB_AUDIT_CLIENT || sides == SMB_AUDIT_SERVER ? sides : 0;
    for (size_t i = 0; i < nf; i++) {
        if ((rc = load(&files[i], hint, l)) != 0)
            goto out;
        (void)po_machine_add(m, l);
    }
    if (conf) {
        smb_policy_smbconf_layer(conf, smbconf_path, l, NULL);
        (void)po_machine_add(m, l);
    }
    po_machine_resolve(m);
    if (conf && m->eff.v[SMB_SETTING_SERVER_SMB1].value == 1)
        m->dialects |= SMB_DIALECT_BIT_SMB1; /* server min protocol = NT1 or older */
    smb_policy_audit(m->layers, m->n, &m->eff, os, sides, fs);
    smb_policy_audit_extended(&m->eff, os, sides, fs);
    if (conf)
        smb_policy_audit_smbconf(conf, &m->eff, fs);

    /* Predicted outcomes against typical peers (auto family). */
    struct {
        const char *dir, *peer;
        po_pair pr;
    } peers[8];
    size_t np = 0;
    if (sides & SMB_AUDIT_CLIENT)
        for (size_t i = 0; i < sizeof peer_servers / sizeof peer_servers[0]; i++) {
            po_machine *pm = malloc(sizeof *pm);
            if (!pm)
                continue;
            po_machine_init(pm, smb_policy_profile_find(peer_servers[i]));
            po_machine_resolve(pm);
            peers[np].dir = "client";
            peers[np].peer = peer_servers[i];
            po_eval_pair(m, pm, -1, &peers[np].pr);
            np++;
            free(pm);
        }
    if (sides & SMB_AUDIT_SERVER)
        for (size_t i = 0; i < sizeof peer_clients / sizeof peer_clients[0]; i++) {
            po_machine *pm = malloc(sizeof *pm);
            if (!pm)
                continue;
            po_machine_init(pm, smb_policy_profile_find(peer_clients[i]));
            po_machine_resolve(pm);
            peers[np].dir = "server";
            peers[np].peer = peer_clients[i];
            po_eval_pair(pm, m, -1, &peers[np].pr);
            np++;
            free(pm);
        }
    int maxsev = smb_findings_max_severity(fs);
    smb_sign_level cl = smb_policy_client_level(&m->eff), sl = smb_policy_server_level(&m->eff);

    if (json) {
        jw w;
        jw_init(&w, stdout);
        jw_obj_begin(&w);
        jw_kstr(&w, "os", os->name);
        jw_kbool(&w, "os_default", !os_given);
        jw_kstr(&w, "role", role_name);
        jw_key(&w, "files");
        jw_arr_begin(&w);
        for (size_t i = 0; i < nf; i++) {
            jw_obj_begin(&w);
            jw_kstr(&w, "file", files[i].path);
            jw_kstr(&w, "format", smb_policy_format_name(files[i].fmt));
            jw_kstr(&w, "source", smb_source_name(m->layers[i + 1].source));
            jw_key(&w, "notes");
            jw_arr_begin(&w);
            if (m->layers[i + 1].notes & SMB_LAYER_NOTE_NO_VERSION)
                jw_str(&w, "no-version-section");
            jw_arr_end(&w);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_key(&w, "client");
        if (sides & SMB_AUDIT_CLIENT) {
            jw_obj_begin(&w);
            jw_key(&w, "require");
            po_json_value(&w, &m->eff.v[SMB_SETTING_CLIENT_REQUIRE]);
            jw_key(&w, "enable");
            po_json_value(&w, &m->eff.v[SMB_SETTING_CLIENT_ENABLE]);
            jw_kstr(&w, "level", smb_level_name(cl));
            po_json_extended(&w, &m->eff, true);
            jw_key(&w, "hardened_paths");
            po_json_hardened_list(&w, &m->eff);
            jw_obj_end(&w);
        } else {
            jw_null(&w);
        }
        jw_key(&w, "server");
        if (sides & SMB_AUDIT_SERVER) {
            jw_obj_begin(&w);
            jw_key(&w, "require");
            po_json_value(&w, &m->eff.v[SMB_SETTING_SERVER_REQUIRE]);
            jw_key(&w, "enable");
            po_json_value(&w, &m->eff.v[SMB_SETTING_SERVER_ENABLE]);
            jw_key(&w, "enable_w9x");
            po_json_value(&w, &m->eff.v[SMB_SETTING_SERVER_ENABLE_W9X]);
            jw_kstr(&w, "level", smb_level_name(sl));
            jw_kint(&w, "smb1_security_mode", smb_policy_smb1_secmode(sl));
            jw_kint(&w, "smb2_security_mode", smb_policy_smb2_secmode(sl));
            po_json_extended(&w, &m->eff, false);
            jw_obj_end(&w);
        } else {
            jw_null(&w);
        }
        jw_key(&w, "smb_conf");
        if (conf)
            po_json_smbconf(&w, smbconf_path, conf, conf_dc);
        else
            jw_null(&w);
        po_json_findings(&w, fs);
        jw_key(&w, "max_severity");
        jw_str(&w, maxsev ? smb_severity_name((smb_severity)maxsev) : NULL);
        jw_key(&w, "peers");
        jw_arr_begin(&w);
        for (size_t i = 0; i < np; i++) {
            jw_obj_begin(&w);
            jw_kstr(&w, "as", peers[i].dir);
            jw_kstr(&w, "peer", peers[i].peer);
            jw_kstr(&w, "family", peers[i].pr.no_common ? "none" : smb_family_name(peers[i].pr.family));
            jw_key(&w, "dialect");
            jw_str(&w, peers[i].pr.dialect ? smb_dialect_name(peers[i].pr.dialect) : NULL);
            po_json_outcome(&w, &peers[i].pr.o);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_obj_end(&w);
        jw_newline(&w);
    } else {
        po_colors col = po_colors_for(stdout);
        printf("%sDefaults%s  profile %s: %s%s\n", col.bold, col.reset, os->name, os->title,
               os_given ? "" : " (use --os to choose)");
        printf("%sFiles%s\n", col.bold, col.reset);
        if (!nf)
            printf("  none\n");
        for (size_t i = 0; i < nf; i++) {
            printf("  %-13s %-10s %s\n", smb_source_name(m->layers[i + 1].source),
                   smb_policy_format_name(files[i].fmt), files[i].path);
            if (m->layers[i + 1].notes & SMB_LAYER_NOTE_NO_VERSION)
                printf("  %-13s %-10s %snote: no [Version] section (as samba-tool writes templates); "
                       "read by its section names%s\n",
                       "", "", col.dim, col.reset);
        }
        printf("%sEffective settings%s (value, source, origin)\n", col.bold, col.reset);
        for (int s = 0; s < SMB_SETTING_FIRST_EXTENDED; s++) {
            bool client = smb_policy_setting_desc((smb_setting)s)->client;
            if ((client && !(sides & SMB_AUDIT_CLIENT)) || (!client && !(sides & SMB_AUDIT_SERVER)))
                continue;
            text_value(smb_policy_setting_desc((smb_setting)s), &m->eff.v[s], !strncmp(os->name, "win2000", 7),
                       &col);
        }
        if (sides & SMB_AUDIT_CLIENT)
            po_text_extended(&m->eff, true);
        if (sides & SMB_AUDIT_SERVER)
            po_text_extended(&m->eff, false);
        if (sides & SMB_AUDIT_CLIENT)
            printf("  client level: %s\n", smb_level_name(cl));
        if (sides & SMB_AUDIT_SERVER)
            printf("  server level: %s (SMB1 SecurityMode %u, SMB2 SecurityMode 0x%04x)\n", smb_level_name(sl),
                   smb_policy_smb1_secmode(sl), smb_policy_smb2_secmode(sl));
        if ((sides & SMB_AUDIT_CLIENT) && m->eff.n_hp) {
            printf("%sHardened UNC paths%s (MS15-011)\n", col.bold, col.reset);
            for (size_t i = 0; i < m->eff.n_hp; i++)
                po_text_hardened(&m->eff.hp[i]);
        }
        if (conf) {
            printf("%sSamba smb.conf%s\n", col.bold, col.reset);
            po_text_smbconf(smbconf_path, conf, conf_dc);
        }
        printf("%sFindings%s\n", col.bold, col.reset);
        po_print_findings(stdout, fs, &col);
        printf("%sPredicted outcome against typical peers%s\n", col.bold, col.reset);
        for (size_t i = 0; i < np; i++) {
            char out[160], fam[48];
            snprintf(fam, sizeof fam, "%s%s", peers[i].pr.no_common ? "none" : smb_family_name(peers[i].pr.family),
                     peers[i].pr.mixed_era ? " (mixed era)" : "");
            po_outcome_text(&peers[i].pr.o, out, sizeof out);
            printf("  %s %-14s %-24s %s%s%s\n", !strcmp(peers[i].dir, "client") ? "as client ->" : "as server <-",
                   peers[i].peer, fam, po_outcome_color(&col, peers[i].pr.o.kind), out, col.reset);
        }
    }
    rc = (fail_on && maxsev >= fail_on) ? CLI_EXIT_NEGATIVE : CLI_EXIT_OK;
out:
    free(m);
    free(fs);
    free(l);
    free(conf);
    return rc;
}
