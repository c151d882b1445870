/*
 * cli/cmd_matrix.c - smbsign matrix: the documented signing outcome tables
 * (seed 004 "The Basics of SMB Signing", KB887429), computed by the policy
 * engine (smb_policy_outcome_family), for a terminal or as JSON Lines.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/matrix_live.h"
#include "cli/policy_out.h"

static void help(FILE *f)
{
    fprintf(f,
            "usage: smbsign matrix [--live] [--family smb2|smb1|smb1-legacy|all] [--json]\n\n"
            "Print the signing outcome of every client/server level pair, as documented in\n"
            "\"The Basics of SMB Signing\" and KB887429 and computed by the policy engine:\n"
            "  smb2         SMB 2.x and 3.x (levels required / not-required)\n"
            "  smb1         SMB1 on current Windows (Vista/2008 and later, XP/2003 with KB950876)\n"
            "  smb1-legacy  SMB1 before KB950876 (XP/2003 and older): two pairs fail to connect\n\n"
            "Options:\n"
            "  --live       run every cell on real loopback connections and show the\n"
            "               observed outcome beside the documented one\n"
            "               (smbsign matrix --live --help; docs/matrix-live.md)\n"
            "  --family F   one table, or all (default)\n"
            "  --json       one JSON object per family per line:\n"
            "               {\"family\":..,\"cells\":[{\"client\":..,\"server\":..,\"outcome\":..,\n"
            "                \"error\":..,\"fails_at\":..}]}  (see docs/json-policy.md)\n\n"
            "Examples:\n"
            "  smbsign matrix\n"
            "  smbsign matrix --family smb1-legacy\n"
            "  smbsign matrix --json | jq -c '.cells[] | select(.outcome==\"fails\")'\n\n"
            "Exit status: 0 ok, 2 usage error. See also smbsign-policy(1), docs/policy.md.\n");
}

static const smb_sign_level smb1_levels[] = {SMB_LEVEL_REQUIRED, SMB_LEVEL_ENABLED, SMB_LEVEL_DISABLED};
static const smb_sign_level smb2_levels[] = {SMB_LEVEL_REQUIRED, SMB_LEVEL_ENABLED};

static const char *family_title(smb_family f)
{
    switch (f) {
    case SMB_FAMILY_SMB2: return "SMB 2.x and 3.x";
    case SMB_FAMILY_SMB1: return "SMB1, current Windows (Vista/2008 and later, XP/2003 with KB950876)";
    case SMB_FAMILY_SMB1_LEGACY: return "SMB1 before KB950876 (early XP/2003 and older)";
    }
    return "";
}

static void json_family(jw *w, smb_family f)
{
    bool smb2 = f == SMB_FAMILY_SMB2;
    const smb_sign_level *lv = smb2 ? smb2_levels : smb1_levels;
    size_t nl = smb2 ? 2 : 3;
    jw_obj_begin(w);
    jw_kstr(w, "family", smb_family_name(f));
    jw_key(w, "cells");
    jw_arr_begin(w);
    for (size_t i = 0; i < nl; i++)
        for (size_t j = 0; j < nl; j++) {
            smb_outcome o;
            po_outcome_checked(smb_policy_outcome_family(f, lv[i], lv[j], &o), &o);
            jw_obj_begin(w);
            jw_kstr(w, "client", po_level_name(smb2, lv[i]));
            jw_kstr(w, "server", po_level_name(smb2, lv[j]));
            po_json_outcome(w, &o);
            jw_obj_end(w);
        }
    jw_arr_end(w);
    jw_obj_end(w);
    jw_newline(w);
}

static void text_family(FILE *f, smb_family fam, const po_colors *c)
{
    bool smb2 = fam == SMB_FAMILY_SMB2;
    const smb_sign_level *lv = smb2 ? smb2_levels : smb1_levels;
    size_t nl = smb2 ? 2 : 3;
    char cell[3][3][96], head[3][40], row[3][40];
    size_t colw[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < nl; i++) {
        snprintf(row[i], sizeof row[i], "client %s", po_level_name(smb2, lv[i]));
        snprintf(head[i], sizeof head[i], "server %s", po_level_name(smb2, lv[i]));
        if (strlen(row[i]) > colw[0])
            colw[0] = strlen(row[i]);
        if (strlen(head[i]) > colw[i + 1])
            colw[i + 1] = strlen(head[i]);
    }
    for (size_t i = 0; i < nl; i++)
        for (size_t j = 0; j < nl; j++) {
            smb_outcome o;
            po_outcome_checked(smb_policy_outcome_family(fam, lv[i], lv[j], &o), &o);
            po_outcome_text(&o, cell[i][j], sizeof cell[i][j]);
            if (strlen(cell[i][j]) > colw[j + 1])
                colw[j + 1] = strlen(cell[i][j]);
        }
    fprintf(f, "%s%s (%s)%s\n", c->bold, family_title(fam), smb_family_name(fam), c->reset);
    fprintf(f, "  %-*s", (int)colw[0], "");
    for (size_t j = 0; j < nl; j++)
        fprintf(f, "  %-*s", j + 1 < nl ? (int)colw[j + 1] : 0, head[j]);
    fputc('\n', f);
    for (size_t i = 0; i < nl; i++) {
        fprintf(f, "  %-*s", (int)colw[0], row[i]);
        for (size_t j = 0; j < nl; j++) {
            smb_outcome o;
            po_outcome_checked(smb_policy_outcome_family(fam, lv[i], lv[j], &o), &o);
            fprintf(f, "  %s%-*s%s", po_outcome_color(c, o.kind), j + 1 < nl ? (int)colw[j + 1] : 0, cell[i][j],
                    c->reset);
        }
        fputc('\n', f);
    }
    if (smb2)
        fprintf(f, "  server SecurityMode: required 0x%04x, not-required 0x%04x (SIGNING_ENABLED is always set;\n"
                   "  EnableSecuritySignature has no effect on SMB2/3)\n",
                smb_policy_smb2_secmode(SMB_LEVEL_REQUIRED), smb_policy_smb2_secmode(SMB_LEVEL_ENABLED));
    else
        fprintf(f, "  server SecurityMode: required %u, enabled %u, disabled %u (KB887429)\n",
                smb_policy_smb1_secmode(SMB_LEVEL_REQUIRED), smb_policy_smb1_secmode(SMB_LEVEL_ENABLED),
                smb_policy_smb1_secmode(SMB_LEVEL_DISABLED));
}

int cmd_matrix(int argc, char **argv)
{
    static const struct option opts[] = {{"family", required_argument, NULL, 'f'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int json = 0, all = 1, c;
    smb_family fam = SMB_FAMILY_SMB2;
    /* --live: the live matrix (cli/matrix_live.c) takes over the whole command line */
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--live"))
            return matrix_live_cmd(argc, argv);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "f:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!strcmp(optarg, "all")) {
                all = 1;
            } else if (smb_family_parse(optarg, &fam) == 0) {
                all = 0;
            } else {
                return cli_usage_error("matrix", "--family: unknown family '%s' (smb2, smb1, smb1-legacy, all)",
                                       optarg);
            }
            break;
        case 'j': json = 1; break;
        case 'h': help(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("matrix", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("matrix", "unexpected argument '%s'", argv[optind]);
    static const smb_family fams[] = {SMB_FAMILY_SMB2, SMB_FAMILY_SMB1, SMB_FAMILY_SMB1_LEGACY};
    po_colors col = po_colors_for(stdout);
    jw w;
    jw_init(&w, stdout);
    bool first = true;
    for (size_t i = 0; i < 3; i++) {
        if (!all && fams[i] != fam)
            continue;
        if (json) {
            json_family(&w, fams[i]);
        } else {
            if (!first)
                fputc('\n', stdout);
            text_family(stdout, fams[i], &col);
        }
        first = false;
    }
    return CLI_EXIT_OK;
}
