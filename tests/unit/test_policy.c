/* tests/unit/test_policy.c - policy engine: seed tables, KB887429 scenarios, engine decisions,
 * mixed eras, profiles, precedence, levels, findings, registry mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smbsign/policy.h"

#define R SMB_LEVEL_REQUIRED
#define E SMB_LEVEL_ENABLED
#define D SMB_LEVEL_DISABLED
#define SIG SMB_OUTCOME_SIGNED
#define NOT SMB_OUTCOME_NOT_SIGNED
#define FAIL SMB_OUTCOME_FAILS

struct cell {
    smb_sign_level c, s;
    smb_outcome_kind k;
    smb_fail_point at;
    smb_status err;
};

static void check_cells(smb_family f, const struct cell *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        smb_outcome o;
        assert_int_equal(smb_policy_outcome_family(f, cells[i].c, cells[i].s, &o), SMB_OK);
        if (o.kind != cells[i].k || o.fail_at != cells[i].at || o.error != cells[i].err)
            fail_msg("%s client %s server %s: got %s/%d/%s", smb_family_name(f), smb_level_name(cells[i].c),
                     smb_level_name(cells[i].s), smb_outcome_name(o.kind), o.fail_at, smb_status_name(o.error));
        assert_non_null(o.why);
    }
}

/* Seed 004, "effective behavior for SMB2" (not required = enabled or disabled). */
static void seed_table_smb2(void **state)
{
    (void)state;
    static const struct cell cells[] = {
        {R, R, SIG, SMB_FAIL_NONE, SMB_OK}, {R, E, SIG, SMB_FAIL_NONE, SMB_OK}, {R, D, SIG, SMB_FAIL_NONE, SMB_OK},
        {E, R, SIG, SMB_FAIL_NONE, SMB_OK}, {D, R, SIG, SMB_FAIL_NONE, SMB_OK}, {E, E, NOT, SMB_FAIL_NONE, SMB_OK},
        {E, D, NOT, SMB_FAIL_NONE, SMB_OK}, {D, E, NOT, SMB_FAIL_NONE, SMB_OK}, {D, D, NOT, SMB_FAIL_NONE, SMB_OK},
    };
    check_cells(SMB_FAMILY_SMB2, cells, sizeof cells / sizeof cells[0]);
}

/* Seed 004, "effective behavior for SMB1 in current versions of Windows". */
static void seed_table_smb1_current(void **state)
{
    (void)state;
    static const struct cell cells[] = {
        {R, R, SIG, SMB_FAIL_NONE, SMB_OK}, {R, E, SIG, SMB_FAIL_NONE, SMB_OK}, {R, D, SIG, SMB_FAIL_NONE, SMB_OK},
        {E, R, SIG, SMB_FAIL_NONE, SMB_OK}, {E, E, SIG, SMB_FAIL_NONE, SMB_OK}, {E, D, NOT, SMB_FAIL_NONE, SMB_OK},
        {D, R, SIG, SMB_FAIL_NONE, SMB_OK}, {D, E, NOT, SMB_FAIL_NONE, SMB_OK}, {D, D, NOT, SMB_FAIL_NONE, SMB_OK},
    };
    check_cells(SMB_FAMILY_SMB1, cells, sizeof cells / sizeof cells[0]);
}

/* Seed 004, "Older SMB1 Signing Behavior" + KB887429 failure points. */
static void seed_table_smb1_legacy(void **state)
{
    (void)state;
    static const struct cell cells[] = {
        {R, R, SIG, SMB_FAIL_NONE, SMB_OK},
        {R, E, SIG, SMB_FAIL_NONE, SMB_OK},
        {R, D, FAIL, SMB_FAIL_NEGOTIATE, SMB_E_LOGIN_WKSTA_RESTRICTION},
        {E, R, SIG, SMB_FAIL_NONE, SMB_OK},
        {E, E, SIG, SMB_FAIL_NONE, SMB_OK},
        {E, D, NOT, SMB_FAIL_NONE, SMB_OK},
        {D, R, FAIL, SMB_FAIL_TREE_CONNECT, SMB_E_ACCESS_DENIED},
        {D, E, NOT, SMB_FAIL_NONE, SMB_OK},
        {D, D, NOT, SMB_FAIL_NONE, SMB_OK},
    };
    check_cells(SMB_FAMILY_SMB1_LEGACY, cells, sizeof cells / sizeof cells[0]);
}

/* KB887429 "SMB signing scenarios", one by one. */
static void kb887429_scenarios(void **state)
{
    (void)state;
    smb_outcome o;
    /* enabled and required at both: success */
    assert_int_equal(smb_policy_outcome_family(SMB_FAMILY_SMB1_LEGACY, R, R, &o), SMB_OK);
    assert_int_equal(o.kind, SIG);
    /* disabled at both: success (unsigned) */
    assert_int_equal(smb_policy_outcome_family(SMB_FAMILY_SMB1_LEGACY, D, D, &o), SMB_OK);
    assert_int_equal(o.kind, NOT);
    /* required at the client, disabled at the server: TCP closed after negotiate, 1240 */
    assert_int_equal(smb_policy_outcome_family(SMB_FAMILY_SMB1_LEGACY, R, D, &o), SMB_OK);
    assert_int_equal(o.kind, FAIL);
    assert_int_equal(o.fail_at, SMB_FAIL_NEGOTIATE);
    assert_int_equal(o.error, SMB_E_LOGIN_WKSTA_RESTRICTION);
    assert_int_equal(smb_status_win32(o.error), 1240);
    assert_string_equal(smb_status_name(o.error), "ERROR_LOGIN_WKSTA_RESTRICTION");
    assert_string_equal(smb_fail_point_name(o.fail_at), "negotiate");
    /* disabled at the client, required at the server: ACCESS_DENIED on TREE_CONNECT */
    assert_int_equal(smb_policy_outcome_family(SMB_FAMILY_SMB1_LEGACY, D, R, &o), SMB_OK);
    assert_int_equal(o.kind, FAIL);
    assert_int_equal(o.fail_at, SMB_FAIL_TREE_CONNECT);
    assert_int_equal(smb_status_ntstatus(o.error), 0xC0000022u);
    assert_string_equal(smb_fail_point_name(o.fail_at), "tree-connect");
    /* KB887429 SecurityMode values: 3 disabled, 7 enabled, 15 required */
    assert_int_equal(smb_policy_smb1_secmode(D), 3);
    assert_int_equal(smb_policy_smb1_secmode(E), 7);
    assert_int_equal(smb_policy_smb1_secmode(R), 15);
    assert_int_equal(smb_policy_level_from_smb1_secmode(3), D);
    assert_int_equal(smb_policy_level_from_smb1_secmode(7), E);
    assert_int_equal(smb_policy_level_from_smb1_secmode(15), R);
    assert_int_equal(smb_policy_level_from_smb1_secmode(0x0b), R); /* required bit alone */
    assert_int_equal(smb_policy_level_from_smb1_secmode(0x00), D);
}

static void smb2_security_mode(void **state)
{
    (void)state;
    /* SIGNING_ENABLED always; REQUIRED only for required (MS-SMB2 2.2.4). */
    assert_int_equal(smb_policy_smb2_secmode(D), 0x0001);
    assert_int_equal(smb_policy_smb2_secmode(E), 0x0001);
    assert_int_equal(smb_policy_smb2_secmode(R), 0x0003);
    assert_int_equal(smb_policy_level_from_smb2_secmode(0x0001), E);
    assert_int_equal(smb_policy_level_from_smb2_secmode(0x0003), R);
    assert_int_equal(smb_policy_level_from_smb2_secmode(0x0002), R);
    assert_int_equal(smb_policy_level_from_smb2_secmode(0x0000), E);
    /* EnableSecuritySignature has no effect on SMB2: enabled and disabled give identical outcomes. */
    const smb_sign_level lv[] = {R, E, D};
    for (int era = 0; era < 2; era++)
        for (size_t i = 0; i < 3; i++)
            for (size_t j = 0; j < 3; j++) {
                smb_side c = {lv[i], (smb_era)era}, s = {lv[j], (smb_era)era};
                smb_side c2 = {lv[i] == D ? E : lv[i] == E ? D : R, (smb_era)era};
                smb_outcome a, b;
                assert_int_equal(smb_policy_outcome(SMB_PROTO_SMB2, c, s, &a), SMB_OK);
                assert_int_equal(smb_policy_outcome(SMB_PROTO_SMB2, c2, s, &b), SMB_OK);
                assert_int_equal(a.kind, b.kind);
                assert_int_not_equal(a.kind, FAIL);
            }
}

static void engine_decisions(void **state)
{
    (void)state;
    smb_client_decision cd;
    smb_server_decision sd;
    smb_side legacy_req = {R, SMB_ERA_LEGACY}, current_req = {R, SMB_ERA_CURRENT};
    /* legacy client requiring signing hangs up on SecurityMode 3 */
    assert_int_equal(smb_policy_client_decide(SMB_PROTO_SMB1, legacy_req, 3, &cd), SMB_OK);
    assert_true(cd.hang_up);
    assert_int_equal(cd.error, SMB_E_LOGIN_WKSTA_RESTRICTION);
    /* ... but not on 7 */
    assert_int_equal(smb_policy_client_decide(SMB_PROTO_SMB1, legacy_req, 7, &cd), SMB_OK);
    assert_false(cd.hang_up);
    assert_true(cd.sign);
    assert_true(cd.must_verify);
    assert_false(cd.guest_allowed);
    /* a current client does not hang up: it asks for signing in SESSION_SETUP */
    assert_int_equal(smb_policy_client_decide(SMB_PROTO_SMB1, current_req, 3, &cd), SMB_OK);
    assert_false(cd.hang_up);
    assert_true(cd.sign);
    assert_int_equal(cd.smb1_flags2, SMB1_FLAGS2_SECURITY_SIGNATURE | SMB1_FLAGS2_SECURITY_SIGNATURE_REQUIRED);
    /* current "disabled" client signs when the server requires (Declined) */
    smb_side cur_dis = {D, SMB_ERA_CURRENT}, leg_dis = {D, SMB_ERA_LEGACY};
    assert_int_equal(smb_policy_client_decide(SMB_PROTO_SMB1, cur_dis, 15, &cd), SMB_OK);
    assert_true(cd.sign);
    assert_int_equal(smb_policy_client_decide(SMB_PROTO_SMB1, leg_dis, 15, &cd), SMB_OK);
    assert_false(cd.sign);
    assert_int_equal(cd.smb1_flags2, 0);
    /* servers */
    smb_side srv_req = {R, SMB_ERA_LEGACY}, srv_cur_dis = {D, SMB_ERA_CURRENT}, srv_leg_dis = {D, SMB_ERA_LEGACY};
    assert_int_equal(smb_policy_server_decide(SMB_PROTO_SMB1, srv_req, 0, &sd), SMB_OK);
    assert_int_equal(sd.security_mode, 15);
    assert_true(sd.deny_tree_connect);
    assert_int_equal(sd.deny_status, SMB_E_ACCESS_DENIED);
    assert_int_equal(smb_policy_server_decide(SMB_PROTO_SMB1, srv_req, SMB1_FLAGS2_SECURITY_SIGNATURE, &sd), SMB_OK);
    assert_false(sd.deny_tree_connect);
    assert_true(sd.sign);
    assert_int_equal(smb_policy_server_decide(SMB_PROTO_SMB1, srv_cur_dis,
                                              SMB1_FLAGS2_SECURITY_SIGNATURE | SMB1_FLAGS2_SECURITY_SIGNATURE_REQUIRED,
                                              &sd),
                     SMB_OK);
    assert_int_equal(sd.security_mode, 3);
    assert_true(sd.sign);
    assert_int_equal(smb_policy_server_decide(SMB_PROTO_SMB1, srv_leg_dis,
                                              SMB1_FLAGS2_SECURITY_SIGNATURE | SMB1_FLAGS2_SECURITY_SIGNATURE_REQUIRED,
                                              &sd),
                     SMB_OK);
    assert_false(sd.sign);
    /* SMB2 */
    smb_side s2 = {E, SMB_ERA_CURRENT};
    assert_int_equal(smb_policy_server_decide(SMB_PROTO_SMB2, s2, SMB2_NEGOTIATE_SIGNING_REQUIRED, &sd), SMB_OK);
    assert_true(sd.sign);
    assert_int_equal(sd.security_mode, SMB2_NEGOTIATE_SIGNING_ENABLED);
    assert_int_equal(smb_policy_server_decide(SMB_PROTO_SMB2, s2, SMB2_NEGOTIATE_SIGNING_ENABLED, &sd), SMB_OK);
    assert_false(sd.sign);
    assert_true(sd.guest_allowed);
    assert_int_equal(smb_policy_client_decide(SMB_PROTO_SMB2, s2, 0x0003, &cd), SMB_OK);
    assert_true(cd.sign);
    assert_false(cd.guest_allowed);
    assert_int_equal(cd.smb2_security_mode, 0x0001);
    /* negative twins: bad level, bad era, bad proto, NULL out */
    smb_side bad = {(smb_sign_level)7, SMB_ERA_CURRENT}, bad_era = {R, (smb_era)5};
    assert_int_equal(smb_policy_client_decide(SMB_PROTO_SMB1, bad, 3, &cd), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_policy_server_decide(SMB_PROTO_SMB1, bad_era, 0, &sd), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_policy_server_decide((smb_proto)3, s2, 0, &sd), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_policy_client_decide(SMB_PROTO_SMB2, s2, 0, NULL), SMB_E_BAD_ARGUMENT);
    smb_outcome o;
    assert_int_equal(smb_policy_outcome(SMB_PROTO_SMB1, bad, s2, &o), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_policy_outcome_family((smb_family)9, R, R, &o), SMB_E_BAD_ARGUMENT);
}

static void mixed_eras(void **state)
{
    (void)state;
    smb_outcome o;
    smb_side lr = {R, SMB_ERA_LEGACY}, ld = {D, SMB_ERA_LEGACY}, cr = {R, SMB_ERA_CURRENT}, cd = {D, SMB_ERA_CURRENT};
    smb_side ce = {E, SMB_ERA_CURRENT}, le = {E, SMB_ERA_LEGACY};
    /* legacy client requires, current server disabled (advertises 3): the client still hangs up */
    assert_int_equal(smb_policy_outcome(SMB_PROTO_SMB1, lr, cd, &o), SMB_OK);
    assert_int_equal(o.kind, FAIL);
    assert_int_equal(o.fail_at, SMB_FAIL_NEGOTIATE);
    /* legacy client disabled, current server required: the legacy client never signs */
    assert_int_equal(smb_policy_outcome(SMB_PROTO_SMB1, ld, cr, &o), SMB_OK);
    assert_int_equal(o.kind, FAIL);
    assert_int_equal(o.fail_at, SMB_FAIL_TREE_CONNECT);
    assert_int_equal(o.error, SMB_E_ACCESS_DENIED);
    /* current client required, legacy server disabled: the server never signs */
    assert_int_equal(smb_policy_outcome(SMB_PROTO_SMB1, cr, ld, &o), SMB_OK);
    assert_int_equal(o.kind, FAIL);
    assert_int_equal(o.fail_at, SMB_FAIL_SESSION_SETUP);
    assert_int_equal(o.error, SMB_E_LOGIN_WKSTA_RESTRICTION);
    /* current client disabled, legacy server required: the current client signs */
    assert_int_equal(smb_policy_outcome(SMB_PROTO_SMB1, cd, lr, &o), SMB_OK);
    assert_int_equal(o.kind, SIG);
    /* enabled rows agree in both eras */
    assert_int_equal(smb_policy_outcome(SMB_PROTO_SMB1, ce, le, &o), SMB_OK);
    assert_int_equal(o.kind, SIG);
    assert_int_equal(smb_policy_outcome(SMB_PROTO_SMB1, le, cd, &o), SMB_OK);
    assert_int_equal(o.kind, NOT);
}

static const char *const required_profiles[] = {
    "win98", "nt4", "nt4-dc", "win2000", "win2000-server", "win2000-dc", "winxp", "winxp-kb950876", "win2003",
    "win2003-kb950876", "win2003-dc", "win2003-dc-kb950876", "vista", "win7", "win10", "win11", "win11-24h2",
    "win11-24h2-home", "server2008", "server2016", "server2019", "server2022", "server2022-dc", "server2025",
    "server2025-dc", "samba", "samba-dc", "ksmbd"};

static void levels_of(const char *name, smb_sign_level *cl, smb_sign_level *sl)
{
    const smb_profile *p = smb_policy_profile_find(name);
    assert_non_null(p);
    smb_policy_layer l;
    smb_policy_effective e;
    smb_policy_profile_layer(p, &l);
    assert_int_equal(smb_policy_resolve(&l, 1, &e), SMB_OK);
    e.require_needs_enable = p->require_needs_enable;
    *cl = smb_policy_client_level(&e);
    *sl = smb_policy_server_level(&e);
}

static void profiles_table(void **state)
{
    (void)state;
    size_t n;
    const smb_profile *ps = smb_policy_profiles(&n);
    assert_int_equal(n, sizeof required_profiles / sizeof required_profiles[0]);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(ps[i].name, required_profiles[i]);
        assert_ptr_equal(smb_policy_profile_find(required_profiles[i]), &ps[i]);
        assert_true(strlen(ps[i].date) == 10 && ps[i].date[4] == '-' && ps[i].date[7] == '-');
        assert_true(ps[i].note && strlen(ps[i].note) > 20);
        assert_true(ps[i].title && ps[i].title[0]);
        assert_true(ps[i].dialects != 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(ps[i].name, ps[j].name);
    }
    assert_null(smb_policy_profile_find("win95"));
    assert_null(smb_policy_profile_find(NULL));
    assert_non_null(smb_policy_profile_find("WIN2003-DC"));
}

static void profile_defaults(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        smb_sign_level cl, sl;
        smb_era era;
    } want[] = {
        {"win98", E, D, SMB_ERA_LEGACY},          {"nt4", E, D, SMB_ERA_LEGACY},
        {"nt4-dc", E, E, SMB_ERA_LEGACY},         {"win2000", E, D, SMB_ERA_LEGACY},
        {"win2000-server", E, D, SMB_ERA_LEGACY}, {"win2000-dc", E, E, SMB_ERA_LEGACY},
        {"winxp", E, D, SMB_ERA_LEGACY},          {"winxp-kb950876", E, D, SMB_ERA_CURRENT},
        {"win2003", E, D, SMB_ERA_LEGACY},        {"win2003-kb950876", E, D, SMB_ERA_CURRENT},
        {"win2003-dc", E, R, SMB_ERA_LEGACY},     {"win2003-dc-kb950876", E, R, SMB_ERA_CURRENT},
        {"vista", E, D, SMB_ERA_CURRENT},         {"win7", E, D, SMB_ERA_CURRENT},
        {"win10", E, D, SMB_ERA_CURRENT},         {"win11", E, D, SMB_ERA_CURRENT},
        {"win11-24h2", R, R, SMB_ERA_CURRENT},    {"win11-24h2-home", E, D, SMB_ERA_CURRENT},
        {"server2008", E, D, SMB_ERA_CURRENT},    {"server2016", E, D, SMB_ERA_CURRENT},
        {"server2019", E, D, SMB_ERA_CURRENT},    {"server2022", E, D, SMB_ERA_CURRENT},
        {"server2022-dc", E, R, SMB_ERA_CURRENT}, {"server2025", R, D, SMB_ERA_CURRENT},
        {"server2025-dc", R, R, SMB_ERA_CURRENT}, {"samba", E, D, SMB_ERA_CURRENT},
        {"samba-dc", E, R, SMB_ERA_CURRENT},      {"ksmbd", D, D, SMB_ERA_CURRENT},
    };
    assert_int_equal(sizeof want / sizeof want[0], sizeof required_profiles / sizeof required_profiles[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        smb_sign_level cl, sl;
        levels_of(want[i].name, &cl, &sl);
        if (cl != want[i].cl || sl != want[i].sl)
            fail_msg("%s: client %s server %s", want[i].name, smb_level_name(cl), smb_level_name(sl));
        assert_int_equal(smb_policy_profile_find(want[i].name)->era, want[i].era);
    }
    /* KB887429: NT 4.0 client key is Rdr, Windows 98 is VxD\VNetsup */
    assert_string_equal(smb_policy_profile_find("nt4")->registry_client_key, "Rdr");
    assert_string_equal(smb_policy_profile_find("win98")->registry_client_key, "VxD\\VNetsup");
    assert_int_equal(smb_policy_profile_find("ksmbd")->role, SMB_ROLE_SERVER_ONLY);
    assert_int_equal(smb_policy_profile_find("win2003-dc")->server_default_source, SMB_SOURCE_DOMAIN_GPO);
    assert_true(smb_policy_profile_find("win2000")->require_needs_enable);
    /* SMB1-only systems vs SMB2-only ones have no common dialect */
    smb_proto pr;
    smb_dialect d;
    assert_int_equal(smb_policy_pick_proto(smb_policy_profile_find("win98")->dialects,
                                           smb_policy_profile_find("server2022")->dialects, &pr, &d),
                     SMB_E_NOT_SUPPORTED);
    assert_int_equal(smb_policy_pick_proto(smb_policy_profile_find("win7")->dialects,
                                           smb_policy_profile_find("server2022")->dialects, &pr, &d),
                     SMB_OK);
    assert_int_equal(pr, SMB_PROTO_SMB2);
    assert_int_equal(d, SMB_DIALECT_210);
    assert_int_equal(smb_policy_pick_proto(smb_policy_profile_find("winxp")->dialects,
                                           smb_policy_profile_find("server2016")->dialects, &pr, &d),
                     SMB_OK);
    assert_int_equal(pr, SMB_PROTO_SMB1);
}

static void precedence(void **state)
{
    (void)state;
    smb_policy_layer l[5];
    smb_policy_effective e;
    smb_policy_profile_layer(smb_policy_profile_find("server2022"), &l[0]);
    smb_policy_layer_init(&l[1], SMB_SOURCE_DOMAIN_GPO, "gpo.inf");
    smb_policy_layer_init(&l[2], SMB_SOURCE_REGISTRY, "a.reg");
    smb_policy_layer_init(&l[3], SMB_SOURCE_LOCAL_POLICY, "local.inf");
    smb_policy_layer_init(&l[4], SMB_SOURCE_REGISTRY, "b.reg");
    smb_policy_layer_set(&l[1], SMB_SETTING_SERVER_REQUIRE, 1, 1, 0, 7);
    smb_policy_layer_set(&l[2], SMB_SETTING_SERVER_REQUIRE, 0, 0, 0, 3);
    smb_policy_layer_set(&l[3], SMB_SETTING_SERVER_REQUIRE, 0, 0, 0, 4);
    smb_policy_layer_set(&l[2], SMB_SETTING_CLIENT_REQUIRE, 1, 1, 0, 5);
    smb_policy_layer_set(&l[4], SMB_SETTING_CLIENT_REQUIRE, 0, 0, 0, 9); /* later registry file wins */
    smb_policy_layer_set(&l[3], SMB_SETTING_CLIENT_ENABLE, 0, 0, 0, 2);
    smb_policy_layer_set(&l[4], SMB_SETTING_CLIENT_ENABLE, 1, 1, 0, 2); /* local policy beats registry */
    assert_int_equal(smb_policy_resolve(l, 5, &e), SMB_OK);
    assert_int_equal(e.v[SMB_SETTING_SERVER_REQUIRE].value, 1);
    assert_int_equal(e.v[SMB_SETTING_SERVER_REQUIRE].source, SMB_SOURCE_DOMAIN_GPO);
    assert_string_equal(e.v[SMB_SETTING_SERVER_REQUIRE].origin, "gpo.inf");
    assert_int_equal(e.v[SMB_SETTING_SERVER_REQUIRE].line, 7);
    assert_int_equal(e.v[SMB_SETTING_CLIENT_REQUIRE].value, 0);
    assert_string_equal(e.v[SMB_SETTING_CLIENT_REQUIRE].origin, "b.reg");
    assert_int_equal(e.v[SMB_SETTING_CLIENT_ENABLE].value, 0);
    assert_int_equal(e.v[SMB_SETTING_CLIENT_ENABLE].source, SMB_SOURCE_LOCAL_POLICY);
    assert_int_equal(e.v[SMB_SETTING_SERVER_ENABLE].source, SMB_SOURCE_DEFAULT);
    assert_int_equal(e.v[SMB_SETTING_SERVER_ENABLE_W9X].source, SMB_SOURCE_NONE);
    /* shadowed: registry and local server.require values lost to the domain GPO */
    size_t gpo_wins = 0;
    for (size_t i = 0; i < e.n_shadowed; i++)
        if (e.shadowed[i].winner == SMB_SOURCE_DOMAIN_GPO && e.shadowed[i].setting == SMB_SETTING_SERVER_REQUIRE)
            gpo_wins++;
    assert_int_equal(gpo_wins, 2);
    assert_int_equal(smb_policy_server_level(&e), R);
    /* deletion falls back to the default, and cannot clear a higher source */
    smb_policy_layer d[3];
    smb_policy_profile_layer(smb_policy_profile_find("server2022"), &d[0]);
    smb_policy_layer_init(&d[1], SMB_SOURCE_REGISTRY, "set.reg");
    smb_policy_layer_init(&d[2], SMB_SOURCE_REGISTRY, "del.reg");
    smb_policy_layer_set(&d[1], SMB_SETTING_CLIENT_ENABLE, 0, 0, 0, 1);
    smb_policy_layer_set(&d[2], SMB_SETTING_CLIENT_ENABLE, SMB_VALUE_DELETED, 0, 0, 2);
    assert_int_equal(smb_policy_resolve(d, 3, &e), SMB_OK);
    assert_int_equal(e.v[SMB_SETTING_CLIENT_ENABLE].value, 1);
    assert_int_equal(e.v[SMB_SETTING_CLIENT_ENABLE].source, SMB_SOURCE_DEFAULT);
    /* DC profile: its Default Domain Controllers Policy value outranks a registry value */
    smb_policy_layer dc[3];
    smb_policy_profile_layer(smb_policy_profile_find("win2003-dc"), &dc[0]);
    smb_policy_layer_init(&dc[1], SMB_SOURCE_REGISTRY, "dc.reg");
    smb_policy_layer_set(&dc[1], SMB_SETTING_SERVER_REQUIRE, 0, 0, 0, 4);
    assert_int_equal(smb_policy_resolve(dc, 2, &e), SMB_OK);
    assert_int_equal(e.v[SMB_SETTING_SERVER_REQUIRE].value, 1);
    /* Windows 2000 DC: the Default DC policy leaves "always" not defined, so a registry value counts */
    smb_policy_layer w2k[2];
    smb_policy_profile_layer(smb_policy_profile_find("win2000-dc"), &w2k[0]);
    assert_int_equal(w2k[0].v[SMB_SETTING_SERVER_ENABLE].source, SMB_SOURCE_ASSUMED_GPO);
    assert_int_equal(w2k[0].v[SMB_SETTING_SERVER_REQUIRE].source, SMB_SOURCE_DEFAULT);
    smb_policy_layer_init(&w2k[1], SMB_SOURCE_REGISTRY, "w2kdc.reg");
    smb_policy_layer_set(&w2k[1], SMB_SETTING_SERVER_REQUIRE, 1, 1, 0, 2);
    smb_policy_layer_set(&w2k[1], SMB_SETTING_SERVER_ENABLE, 0, 0, 0, 3);
    assert_int_equal(smb_policy_resolve(w2k, 2, &e), SMB_OK);
    assert_int_equal(e.v[SMB_SETTING_SERVER_REQUIRE].value, 1);
    assert_int_equal(e.v[SMB_SETTING_SERVER_REQUIRE].source, SMB_SOURCE_REGISTRY);
    assert_int_equal(e.v[SMB_SETTING_SERVER_ENABLE].value, 1); /* GPO keeps it enabled */
    /* ... while an explicit domain GPO file replaces it */
    smb_policy_layer_init(&dc[2], SMB_SOURCE_DOMAIN_GPO, "GptTmpl.inf");
    smb_policy_layer_set(&dc[2], SMB_SETTING_SERVER_REQUIRE, 0, 0, 0, 9);
    smb_policy_layer_set(&dc[1], SMB_SETTING_SERVER_REQUIRE, SMB_VALUE_DELETED, 0, 0, 4);
    assert_int_equal(smb_policy_resolve(dc, 3, &e), SMB_OK);
    assert_int_equal(e.v[SMB_SETTING_SERVER_REQUIRE].value, 0);
    assert_string_equal(e.v[SMB_SETTING_SERVER_REQUIRE].origin, "GptTmpl.inf");
    /* override beats everything */
    smb_policy_layer o[2];
    smb_policy_layer_init(&o[0], SMB_SOURCE_OVERRIDE, "cli");
    smb_policy_layer_init(&o[1], SMB_SOURCE_DOMAIN_GPO, "gpo");
    smb_policy_layer_set(&o[0], SMB_SETTING_CLIENT_REQUIRE, 1, 1, 0, 0);
    smb_policy_layer_set(&o[1], SMB_SETTING_CLIENT_REQUIRE, 0, 0, 0, 0);
    assert_int_equal(smb_policy_resolve(o, 2, &e), SMB_OK);
    assert_int_equal(e.v[SMB_SETTING_CLIENT_REQUIRE].value, 1);
    /* negative twins */
    assert_int_equal(smb_policy_resolve(l, SMB_POLICY_MAX_LAYERS + 1, &e), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_policy_resolve(NULL, 1, &e), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_policy_resolve(l, 1, NULL), SMB_E_BAD_ARGUMENT);
    assert_int_equal(smb_policy_resolve(NULL, 0, &e), SMB_OK);
    assert_int_equal(smb_policy_client_level(&e), D);
}

static void w9x_signing(void **state)
{
    (void)state;
    const smb_profile *w2k = smb_policy_profile_find("win2000-dc"), *nt4 = smb_policy_profile_find("nt4");
    const smb_profile *xp = smb_policy_profile_find("winxp"), *dc3 = smb_policy_profile_find("win2003-dc");
    smb_policy_layer l[2];
    smb_policy_effective e;
    assert_true(smb_policy_profile_is_downlevel_client(nt4));
    assert_true(smb_policy_profile_is_downlevel_client(smb_policy_profile_find("win98")));
    assert_false(smb_policy_profile_is_downlevel_client(xp));
    smb_policy_profile_layer(w2k, &l[0]);
    assert_int_equal(smb_policy_resolve(l, 1, &e), SMB_OK);
    assert_int_equal(smb_policy_server_level_for(&e, w2k, nt4), D); /* default: no enableW9x */
    assert_int_equal(smb_policy_server_level_for(&e, w2k, xp), E);
    smb_findings f = {0};
    smb_policy_audit(l, 1, &e, w2k, SMB_AUDIT_SERVER, &f);
    bool seen = false;
    for (size_t i = 0; i < f.n; i++)
        seen |= !strcmp(f.f[i].def->id, "w9x-signing-off");
    assert_true(seen);
    smb_policy_layer_init(&l[1], SMB_SOURCE_REGISTRY, "w9x.reg");
    smb_policy_layer_set(&l[1], SMB_SETTING_SERVER_ENABLE_W9X, 1, 1, 0, 4);
    assert_int_equal(smb_policy_resolve(l, 2, &e), SMB_OK);
    assert_int_equal(smb_policy_server_level_for(&e, w2k, nt4), E);
    /* not a Windows 2000 server: no effect */
    smb_policy_profile_layer(dc3, &l[0]);
    assert_int_equal(smb_policy_resolve(l, 1, &e), SMB_OK);
    assert_int_equal(smb_policy_server_level_for(&e, dc3, nt4), R);
}

static void levels_from_settings(void **state)
{
    (void)state;
    smb_policy_layer l;
    smb_policy_effective e;
    smb_policy_layer_init(&l, SMB_SOURCE_REGISTRY, "x");
    smb_policy_layer_set(&l, SMB_SETTING_CLIENT_REQUIRE, 1, 1, 0, 1);
    smb_policy_layer_set(&l, SMB_SETTING_CLIENT_ENABLE, 0, 0, 0, 2);
    smb_policy_layer_set(&l, SMB_SETTING_SERVER_REQUIRE, 0, 0, 0, 3);
    smb_policy_layer_set(&l, SMB_SETTING_SERVER_ENABLE, 1, 1, 0, 4);
    assert_int_equal(smb_policy_resolve(&l, 1, &e), SMB_OK);
    /* seed 004: RequireSecuritySignature = 1 alone means required */
    assert_int_equal(smb_policy_client_level(&e), R);
    assert_int_equal(smb_policy_server_level(&e), E);
    /* seed 000: Windows 2000 needs client enable too */
    e.require_needs_enable = true;
    assert_int_equal(smb_policy_client_level(&e), D);
}

static bool has_finding(const smb_findings *f, const char *id)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->f[i].def->id, id))
            return true;
    return false;
}

static void findings(void **state)
{
    (void)state;
    size_t n;
    const smb_finding_def *defs = smb_policy_finding_defs(&n);
    static const char *const must[] = {"relay-target", "overridden", "invalid-value", "legacy-peer-risk",
                                       "dc-signing-not-required", "smb1-only-setting", "signing-performance"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        assert_non_null(smb_policy_finding_def(must[i]));
    for (size_t i = 0; i < n; i++) {
        assert_true(defs[i].severity >= SMB_SEV_LOW && defs[i].severity <= SMB_SEV_HIGH);
        assert_true(strlen(defs[i].summary) > 10 && strlen(defs[i].refs) > 3);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(defs[i].id, defs[j].id);
    }
    assert_non_null(strstr(smb_policy_finding_def("relay-target")->refs, "57608"));
    assert_non_null(strstr(smb_policy_finding_def("relay-target")->refs, "2.3.9.2"));
    assert_null(smb_policy_finding_def("nope"));

    smb_findings *f = calloc(1, sizeof *f);
    smb_policy_layer l[3];
    smb_policy_effective e;
    const smb_profile *p = smb_policy_profile_find("server2022");
    /* defaults of a member server: relay target, client not required */
    smb_policy_profile_layer(p, &l[0]);
    assert_int_equal(smb_policy_resolve(l, 1, &e), SMB_OK);
    smb_policy_audit(l, 1, &e, p, SMB_AUDIT_CLIENT | SMB_AUDIT_SERVER, f);
    assert_true(has_finding(f, "relay-target"));
    assert_true(has_finding(f, "client-signing-not-required"));
    assert_false(has_finding(f, "dc-signing-not-required"));
    assert_int_equal(smb_findings_max_severity(f), SMB_SEV_HIGH);
    /* a DC with signing switched off by domain policy, overriding a registry value, with junk values */
    const smb_profile *dc = smb_policy_profile_find("server2022-dc");
    memset(f, 0, sizeof *f);
    smb_policy_profile_layer(dc, &l[0]);
    smb_policy_layer_init(&l[1], SMB_SOURCE_REGISTRY, "r.reg");
    smb_policy_layer_set(&l[1], SMB_SETTING_SERVER_ENABLE, 1, 2, SMB_VALUE_F_NOT_BOOLEAN, 4);
    smb_policy_layer_set(&l[1], SMB_SETTING_CLIENT_REQUIRE, 1, 1, 0, 5);
    smb_policy_layer_set(&l[1], SMB_SETTING_CLIENT_ENABLE, 0, 0, 0, 6); /* changes an SMB1-only default */
    smb_policy_layer_init(&l[2], SMB_SOURCE_DOMAIN_GPO, "g.inf");
    smb_policy_layer_set(&l[2], SMB_SETTING_SERVER_REQUIRE, 0, 0, 0, 9);
    smb_policy_layer_set(&l[2], SMB_SETTING_CLIENT_REQUIRE, 0, 0, 0, 10);
    assert_int_equal(smb_policy_resolve(l, 3, &e), SMB_OK);
    smb_policy_audit(l, 3, &e, dc, SMB_AUDIT_CLIENT | SMB_AUDIT_SERVER, f);
    assert_true(has_finding(f, "relay-target"));
    assert_true(has_finding(f, "dc-signing-not-required"));
    assert_true(has_finding(f, "overridden"));
    assert_true(has_finding(f, "invalid-value"));
    assert_true(has_finding(f, "smb1-only-setting"));
    /* a hardened DC: no relay finding, but performance and legacy-peer notes */
    memset(f, 0, sizeof *f);
    p = smb_policy_profile_find("win2003-dc");
    smb_policy_profile_layer(p, &l[0]);
    assert_int_equal(smb_policy_resolve(l, 1, &e), SMB_OK);
    smb_policy_audit(l, 1, &e, p, SMB_AUDIT_SERVER, f);
    assert_false(has_finding(f, "relay-target"));
    assert_true(has_finding(f, "legacy-peer-risk"));
    assert_true(has_finding(f, "signing-performance"));
    assert_false(has_finding(f, "client-signing-not-required")); /* server side only */
    assert_false(has_finding(f, "smb1-only-setting"));          /* defaults are not settings */
    /* Windows 2000 client require without enable; legacy client requiring */
    memset(f, 0, sizeof *f);
    p = smb_policy_profile_find("win2000");
    smb_policy_profile_layer(p, &l[0]);
    smb_policy_layer_init(&l[1], SMB_SOURCE_REGISTRY, "w2k.reg");
    smb_policy_layer_set(&l[1], SMB_SETTING_CLIENT_REQUIRE, 1, 1, 0, 3);
    smb_policy_layer_set(&l[1], SMB_SETTING_CLIENT_ENABLE, 0, 0, 0, 4);
    assert_int_equal(smb_policy_resolve(l, 2, &e), SMB_OK);
    e.require_needs_enable = p->require_needs_enable;
    smb_policy_audit(l, 2, &e, p, SMB_AUDIT_CLIENT, f);
    assert_true(has_finding(f, "require-without-enable"));
    assert_false(has_finding(f, "legacy-client-require"));
    memset(f, 0, sizeof *f);
    p = smb_policy_profile_find("winxp");
    smb_policy_profile_layer(p, &l[0]);
    smb_policy_layer_init(&l[1], SMB_SOURCE_REGISTRY, "xp.reg");
    smb_policy_layer_set(&l[1], SMB_SETTING_CLIENT_REQUIRE, 1, 1, 0, 3);
    assert_int_equal(smb_policy_resolve(l, 2, &e), SMB_OK);
    smb_policy_audit(l, 2, &e, p, SMB_AUDIT_CLIENT, f);
    assert_true(has_finding(f, "legacy-client-require"));
    /* pair findings */
    memset(f, 0, sizeof *f);
    smb_outcome o;
    smb_side c = {R, SMB_ERA_LEGACY}, s = {D, SMB_ERA_LEGACY};
    assert_int_equal(smb_policy_outcome(SMB_PROTO_SMB1, c, s, &o), SMB_OK);
    smb_policy_audit_pair(SMB_PROTO_SMB1, c, s, &o, f);
    assert_true(has_finding(f, "connect-fails"));
    /* findings never overflow */
    memset(f, 0, sizeof *f);
    for (int i = 0; i < 200; i++)
        smb_policy_audit_pair(SMB_PROTO_SMB1, c, s, &o, f);
    assert_int_equal(f->n, SMB_POLICY_MAX_FINDINGS);
    free(f);
}

static void registry_mapping(void **state)
{
    (void)state;
    smb_setting s;
    assert_int_equal(smb_policy_map_registry("HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\"
                                             "LanmanServer\\Parameters",
                                             "RequireSecuritySignature", &s),
                     0);
    assert_int_equal(s, SMB_SETTING_SERVER_REQUIRE);
    assert_int_equal(smb_policy_map_registry("hklm\\system\\currentcontrolset\\services\\lanmanworkstation\\"
                                             "parameters",
                                             "enablesecuritysignature", &s),
                     0);
    assert_int_equal(s, SMB_SETTING_CLIENT_ENABLE);
    assert_int_equal(smb_policy_map_registry("MACHINE\\System\\CurrentControlSet\\Services\\LanManServer\\Parameters",
                                             "enableW9xsecuritysignature", &s),
                     0);
    assert_int_equal(s, SMB_SETTING_SERVER_ENABLE_W9X);
    assert_int_equal(smb_policy_map_registry("HKLM\\SYSTEM\\ControlSet001\\Services\\Rdr\\Parameters",
                                             "RequireSecuritySignature", &s),
                     0);
    assert_int_equal(s, SMB_SETTING_CLIENT_REQUIRE);
    assert_int_equal(smb_policy_map_registry("HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\VxD\\VNetsup",
                                             "EnableSecuritySignature", &s),
                     0);
    assert_int_equal(s, SMB_SETTING_CLIENT_ENABLE);
    /* negatives */
    assert_int_equal(smb_policy_map_registry("HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanWorkstation\\"
                                             "Parameters",
                                             "enableW9xsecuritysignature", &s),
                     -1);
    assert_int_equal(smb_policy_map_registry("HKLM\\SOFTWARE\\Policies\\LanmanServer\\Parameters",
                                             "RequireSecuritySignature", &s),
                     -1);
    assert_int_equal(smb_policy_map_registry("HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\ParametersX",
                                             "RequireSecuritySignature", &s),
                     -1);
    assert_int_equal(smb_policy_map_registry("HKLM\\SYSTEM\\ControlSet\\Services\\LanmanServer\\Parameters",
                                             "RequireSecuritySignature", &s),
                     -1);
    assert_int_equal(smb_policy_map_registry(NULL, "x", &s), -1);
}

static void vocabulary(void **state)
{
    (void)state;
    smb_family f;
    assert_int_equal(smb_family_parse("smb1-legacy", &f), 0);
    assert_int_equal(f, SMB_FAMILY_SMB1_LEGACY);
    assert_int_equal(smb_family_parse("SMB2", &f), 0);
    assert_int_equal(smb_family_parse("smb4", &f), -1);
    assert_string_equal(smb_outcome_name(SMB_OUTCOME_NOT_SIGNED), "not-signed");
    assert_null(smb_fail_point_name(SMB_FAIL_NONE));
    assert_string_equal(smb_source_name(SMB_SOURCE_DOMAIN_GPO), "domain-gpo");
    smb_severity s;
    assert_int_equal(smb_severity_parse("MEDIUM", &s), 0);
    assert_int_equal(s, SMB_SEV_MEDIUM);
    assert_int_equal(smb_severity_parse("critical", &s), -1);
    const smb_setting_desc *d = smb_policy_setting_desc(SMB_SETTING_SERVER_REQUIRE);
    assert_string_equal(d->policy_name, "Microsoft network server: Digitally sign communications (always)");
    assert_string_equal(d->policy_w2k, "Digitally sign server communication (always)");
    assert_string_equal(d->cis, "2.3.9.2");
    assert_string_equal(smb_policy_setting_desc(SMB_SETTING_CLIENT_REQUIRE)->cis, "2.3.8.1");
    assert_true(smb_policy_setting_desc(SMB_SETTING_CLIENT_ENABLE)->smb1_only);
    assert_null(smb_policy_setting_desc(SMB_SETTING_COUNT));
}

/* Issue 20: a DC profile's Default Domain Controllers Policy values are their
 * own source (assumed-gpo), named so in the origin text; a domain GPO file
 * outranks them whatever the order, a registry value does not (and is
 * reported as overridden). Negative twin: a member server profile has no
 * assumed value, and a value read from a file never carries a profile. */
static void assumed_gpo_source(void **state)
{
    (void)state;
    char ob[SMB_POLICY_ORIGIN_TEXT_MAX];
    const smb_profile *dc = smb_policy_profile_find("server2022-dc");
    smb_policy_layer l[3];
    smb_policy_effective e;
    smb_policy_profile_layer(dc, &l[0]);
    assert_int_equal(l[0].v[SMB_SETTING_SERVER_REQUIRE].source, SMB_SOURCE_ASSUMED_GPO);
    assert_int_equal(l[0].v[SMB_SETTING_CLIENT_REQUIRE].source, SMB_SOURCE_DEFAULT);
    assert_string_equal(smb_source_name(SMB_SOURCE_ASSUMED_GPO), "assumed-gpo");
    assert_string_equal(smb_policy_origin_text(&l[0].v[SMB_SETTING_SERVER_REQUIRE], ob),
                        "profile server2022-dc: Default Domain Controllers Policy");
    assert_string_equal(smb_policy_origin_text(&l[0].v[SMB_SETTING_CLIENT_REQUIRE], ob), "profile server2022-dc");
    /* a domain GPO file given first still wins over the assumption */
    smb_policy_layer_init(&l[1], SMB_SOURCE_DOMAIN_GPO, "GptTmpl.inf");
    smb_policy_layer_set(&l[1], SMB_SETTING_SERVER_REQUIRE, 0, 0, 0, 3);
    smb_policy_layer tmp = l[0];
    l[0] = l[1];
    l[1] = tmp;
    assert_int_equal(smb_policy_resolve(l, 2, &e), SMB_OK);
    assert_int_equal(e.v[SMB_SETTING_SERVER_REQUIRE].value, 0);
    assert_int_equal(e.v[SMB_SETTING_SERVER_REQUIRE].source, SMB_SOURCE_DOMAIN_GPO);
    assert_null(e.v[SMB_SETTING_SERVER_REQUIRE].profile);
    assert_string_equal(smb_policy_origin_text(&e.v[SMB_SETTING_SERVER_REQUIRE], ob), "GptTmpl.inf");
    /* a file that sets nothing leaves the assumption, named as such */
    smb_policy_layer_init(&l[0], SMB_SOURCE_DOMAIN_GPO, "empty.inf");
    assert_int_equal(smb_policy_resolve(l, 2, &e), SMB_OK);
    assert_int_equal(e.v[SMB_SETTING_SERVER_REQUIRE].source, SMB_SOURCE_ASSUMED_GPO);
    /* a registry value loses to it and is reported as overridden */
    smb_policy_layer_init(&l[2], SMB_SOURCE_REGISTRY, "r.reg");
    smb_policy_layer_set(&l[2], SMB_SETTING_SERVER_REQUIRE, 0, 0, 0, 2);
    assert_int_equal(smb_policy_resolve(l, 3, &e), SMB_OK);
    assert_int_equal(e.v[SMB_SETTING_SERVER_REQUIRE].value, 1);
    smb_findings *f = calloc(1, sizeof *f);
    assert_non_null(f);
    smb_policy_audit(l, 3, &e, dc, SMB_AUDIT_SERVER, f);
    bool found = false;
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->f[i].def->id, "overridden") && strstr(f->f[i].detail, "assumed: Default Domain Controllers"))
            found = true;
    assert_true(found);
    free(f);
    /* negative twin: a member server assumes nothing */
    smb_policy_profile_layer(smb_policy_profile_find("server2022"), &l[0]);
    for (int s = 0; s < SMB_SETTING_COUNT; s++)
        assert_int_not_equal(l[0].v[s].source, SMB_SOURCE_ASSUMED_GPO);
    /* every profile's longest origin text fits the composition buffer */
    size_t np;
    const smb_profile *ps = smb_policy_profiles(&np);
    for (size_t i = 0; i < np; i++)
        assert_true(strlen("profile : Default Domain Controllers Policy") + strlen(ps[i].name) <
                    SMB_POLICY_ORIGIN_TEXT_MAX);
}

/* Issue 20: origins are never cut. A 300-character SYSVOL-like path comes
 * back whole in the resolved value and in a finding's detail; a detail that
 * still overflows ends in "[...]". */
static void long_origins(void **state)
{
    (void)state;
    char path[301];
    for (size_t i = 0; i < 300; i++)
        path[i] = (char)('a' + i % 26);
    memcpy(path + 300 - 16, "/GptTmpl.inf:zz", 15);
    path[300] = 0;
    smb_policy_layer l[2];
    smb_policy_effective e;
    const smb_profile *p = smb_policy_profile_find("server2022");
    smb_policy_profile_layer(p, &l[0]);
    smb_policy_layer_init(&l[1], SMB_SOURCE_DOMAIN_GPO, path);
    smb_policy_layer_set(&l[1], SMB_SETTING_SERVER_REQUIRE, 0, 0, 0, 6);
    assert_int_equal(smb_policy_resolve(l, 2, &e), SMB_OK);
    assert_int_equal(strlen(e.v[SMB_SETTING_SERVER_REQUIRE].origin), 300);
    assert_string_equal(e.v[SMB_SETTING_SERVER_REQUIRE].origin, path);
    smb_findings *f = calloc(1, sizeof *f);
    assert_non_null(f);
    smb_policy_audit(l, 2, &e, p, SMB_AUDIT_SERVER, f);
    char want[400];
    snprintf(want, sizeof want, "%s:6", path);
    bool whole = false;
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->f[i].def->id, "relay-target") && strstr(f->f[i].detail, want))
            whole = true;
    assert_true(whole);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_table_smb2),    cmocka_unit_test(seed_table_smb1_current),
        cmocka_unit_test(seed_table_smb1_legacy), cmocka_unit_test(kb887429_scenarios),
        cmocka_unit_test(smb2_security_mode), cmocka_unit_test(engine_decisions),
        cmocka_unit_test(mixed_eras),         cmocka_unit_test(profiles_table),
        cmocka_unit_test(profile_defaults),   cmocka_unit_test(precedence),
        cmocka_unit_test(levels_from_settings), cmocka_unit_test(findings), cmocka_unit_test(w9x_signing),
        cmocka_unit_test(registry_mapping),   cmocka_unit_test(vocabulary),
        cmocka_unit_test(assumed_gpo_source), cmocka_unit_test(long_origins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
