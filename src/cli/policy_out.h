/*
 * cli/policy_out.h - output and evaluation helpers shared by the policy verbs
 * (matrix, policy, profiles, audit). All decisions come from smbsign/policy.h;
 * this file only formats them and wires profiles, files and overrides together.
 */
#ifndef SMBSIGN_CLI_POLICY_OUT_H
#define SMBSIGN_CLI_POLICY_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "base/json.h"
#include "smbsign/policy.h"

/* ANSI colours, empty strings when colour is off. */
typedef struct po_colors {
    const char *green, *yellow, *red, *bold, *dim, *reset;
} po_colors;
po_colors po_colors_for(FILE *f);
const char *po_outcome_color(const po_colors *c, smb_outcome_kind k);

/* "signed" / "not signed" / "fails at negotiate: ERROR_LOGIN_WKSTA_RESTRICTION (1240)" */
void po_outcome_text(const smb_outcome *o, char *buf, size_t n);
/* The policy engine's status for an outcome it was asked for: on failure
 * (inputs it does not know) *o becomes a FAILS outcome carrying that status
 * and saying so, never an uninitialised one. */
void po_outcome_checked(smb_status st, smb_outcome *o);
/* Level as shown for a family: smb2 -> "required" | "not-required". */
const char *po_level_name(bool smb2, smb_sign_level l);
/* "3.1.1, 3.0.2, ..., 1" */
void po_dialects_text(uint8_t bits, char *buf, size_t n);
void po_json_dialects(jw *w, uint8_t bits);

/* outcome/error/fails_at/why keys. */
void po_json_outcome(jw *w, const smb_outcome *o);
void po_json_findings(jw *w, const smb_findings *f);
void po_print_findings(FILE *f, const smb_findings *fs, const po_colors *c);
void po_json_value(jw *w, const smb_setting_value *v);

/* A machine: base profile + layers, resolved. */
typedef struct po_machine {
    const smb_profile *profile;
    smb_policy_layer layers[SMB_POLICY_MAX_LAYERS];
    size_t n;
    smb_policy_effective eff;
    smb_era era;
    uint8_t dialects;
} po_machine;

/* The stand-in profile for overrides given without a profile name. */
const smb_profile *po_generic_profile(void);
void po_machine_init(po_machine *m, const smb_profile *p);
/* Add a layer; returns -1 when full. */
int po_machine_add(po_machine *m, const smb_policy_layer *l);
void po_machine_resolve(po_machine *m);

typedef struct po_pair {
    bool no_common;     /* no common dialect */
    smb_proto proto;
    smb_dialect dialect;
    smb_family family;  /* the table it corresponds to (eras may still be mixed for auto) */
    bool mixed_era;
    smb_side c, s;
    smb_outcome o;
} po_pair;

/* family < 0: auto (best common dialect, each side's own era); otherwise the
 * family given, with the eras that family implies. */
void po_eval_pair(const po_machine *cm, const po_machine *sm, int family, po_pair *out);

/* 24H2-group settings of one side as "json_key": {value...} members / text lines. */
void po_json_extended(jw *w, const smb_policy_effective *e, bool client);
void po_text_extended(const smb_policy_effective *e, bool client);
/* A hardened path object {"path","require_integrity",...}; the effective list as an array. */
void po_json_hardened(jw *w, const smb_hardened_path *h);
void po_json_hardened_list(jw *w, const smb_policy_effective *e);
void po_text_hardened(const smb_hardened_path *h);
/* The smb.conf view: parameters with file:line or Samba's default, shares. */
void po_json_smbconf(jw *w, const char *path, const smb_smbconf *c, bool dc);
void po_text_smbconf(const char *path, const smb_smbconf *c, bool dc);
/* Read and parse smb.conf (includes relative to it); errors printed as
 * FILE:LINE: message. Returns 0 or CLI_EXIT_USAGE. */
int po_load_smbconf(const char *verb, const char *path, smb_smbconf *c);

#endif
