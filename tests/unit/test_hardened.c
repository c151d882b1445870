/* tests/unit/test_hardened.c - UNC hardened paths (smbsign/hardened.h): pattern and
 * flag parsing with their malformed twins, match specificity, lookup order, the
 * Windows 10 defaults and which profiles apply them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smbsign/hardened.h"

static void patterns(void **state)
{
    (void)state;
    smb_hardened_rule p;
    smb_policy_error err;
    char buf[SMB_HARDENED_TEXT_MAX];
    assert_int_equal(smb_hardened_parse_pattern("\\\\*\\SYSVOL", 10, &p, &err), SMB_OK);
    assert_string_equal(p.server, "*");
    assert_string_equal(p.share, "SYSVOL");
    assert_string_equal(smb_hardened_text(&p, buf), "\\\\*\\SYSVOL");
    assert_int_equal(smb_hardened_parse_pattern("//dc1/netlogon/", 15, &p, &err), SMB_OK);
    assert_string_equal(p.server, "dc1");
    assert_string_equal(p.share, "netlogon");
    assert_int_equal(smb_hardened_parse_pattern("\\\\srv\\ share /", 14, &p, &err), SMB_OK);
    assert_string_equal(p.share, "share"); /* spaces around a name are not part of it */
    static const char *const bad[] = {"SYSVOL",          "\\\\srv",        "\\\\\\share",    "\\\\srv\\",
                                      "\\\\srv\\a\\b",   "\\\\sr*\\share", "\\\\srv\\*x",    "\\\\\\\\",
                                      "\\\\*\\*"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        if (smb_hardened_parse_pattern(bad[i], strlen(bad[i]), &p, &err) == SMB_OK || !err.msg[0])
            fail_msg("pattern '%s' accepted", bad[i]);
    }
    /* over-long names are refused, never cut */
    char lng[400] = "\\\\";
    memset(lng + 2, 'x', 300);
    memcpy(lng + 302, "\\s", 3);
    assert_int_equal(smb_hardened_parse_pattern(lng, strlen(lng), &p, &err), SMB_E_OVERFLOW);
    assert_non_null(strstr(err.msg, "server name longer than 255"));
}

static void flags(void **state)
{
    (void)state;
    smb_hardened_rule p;
    smb_policy_error err;
    const char *f = "RequireMutualAuthentication=1, RequireIntegrity=1";
    assert_int_equal(smb_hardened_parse_flags(f, strlen(f), &p, &err), SMB_OK);
    assert_int_equal(p.require_mutual_auth, 1);
    assert_int_equal(p.require_integrity, 1);
    assert_int_equal(p.require_privacy, SMB_VALUE_UNDEFINED);
    f = " requireintegrity = 0 ,RequirePrivacy=1 ";
    assert_int_equal(smb_hardened_parse_flags(f, strlen(f), &p, &err), SMB_OK);
    assert_int_equal(p.require_integrity, 0);
    assert_int_equal(p.require_privacy, 1);
    static const char *const bad[] = {"RequireIntegrity", "RequireIntegrity=2", "RequireSigning=1",
                                      "RequireIntegrity=1,,RequirePrivacy=1", "RequireIntegrity=yes"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (smb_hardened_parse_flags(bad[i], strlen(bad[i]), &p, &err) == SMB_OK)
            fail_msg("flags '%s' accepted", bad[i]);
}

static void lists_and_lookup(void **state)
{
    (void)state;
    smb_hardened_rule l[SMB_HARDENED_MAX_PATHS];
    size_t n = 0;
    smb_policy_error err = {0, ""};
    const char *t = "\\\\*\\SYSVOL; \\\\dc1\\*=RequireIntegrity=0; \\\\dc1\\SYSVOL=RequireIntegrity=1,"
                    "RequirePrivacy=1";
    assert_int_equal(smb_hardened_parse_list(t, l, SMB_HARDENED_MAX_PATHS, &n, &err), SMB_OK);
    assert_int_equal(n, 3);
    assert_int_equal(l[0].require_integrity, 1); /* a bare pattern: mutual auth + integrity */
    assert_int_equal(l[0].require_mutual_auth, 1);
    /* most specific wins, whatever the order */
    assert_ptr_equal(smb_hardened_lookup(l, n, "DC1", "sysvol"), &l[2]);
    assert_ptr_equal(smb_hardened_lookup(l, n, "dc1", "data"), &l[1]);
    assert_ptr_equal(smb_hardened_lookup(l, n, "other", "SysVol"), &l[0]);
    assert_int_equal(smb_hardened_match(&l[2], "dc1", "sysvol"), 3);
    assert_int_equal(smb_hardened_match(&l[1], "dc1", "x"), 2);
    assert_int_equal(smb_hardened_match(&l[0], "x", "SYSVOL"), 1);
    /* negative twins: another server's data share; NETLOGON is not SYSVOL */
    assert_null(smb_hardened_lookup(l, n, "other", "data"));
    assert_null(smb_hardened_lookup(l, n, "other", "NETLOGON"));
    assert_int_equal(smb_hardened_match(&l[0], "x", "SYSVOL2"), -1);
    /* equal specificity: the first entry wins (as in the engine's model) */
    assert_int_equal(smb_hardened_parse_list("\\\\*\\a=RequireIntegrity=1;\\\\*\\A=RequireIntegrity=0", l, 4, &n,
                                             &err),
                     SMB_OK);
    assert_int_equal(smb_hardened_lookup(l, n, "s", "a")->require_integrity, 1);
    /* empty lists */
    assert_int_equal(smb_hardened_parse_list("", l, 4, &n, &err), SMB_OK);
    assert_int_equal(n, 0);
    assert_int_equal(smb_hardened_parse_list(" none ", l, 4, &n, &err), SMB_OK);
    assert_int_equal(n, 0);
    assert_int_equal(smb_hardened_parse_list("\\\\*\\a;", l, 4, &n, &err), SMB_OK);
    assert_int_equal(n, 1);
    /* errors name the entry, fill nothing */
    n = 7;
    assert_int_not_equal(smb_hardened_parse_list("\\\\*\\a;\\\\*\\b=RequireIntegrity=3", l, 4, &n, &err), SMB_OK);
    assert_int_equal(n, 0);
    assert_int_equal(err.line, 2);
    assert_int_not_equal(smb_hardened_parse_list("\\\\*\\a;;\\\\*\\b", l, 4, &n, &err), SMB_OK);
    assert_int_equal(err.line, 2);
    assert_int_equal(smb_hardened_parse_list("\\\\*\\a;\\\\*\\b;\\\\*\\c", l, 2, &n, &err), SMB_E_OVERFLOW);
    assert_int_equal(err.line, 3);
}

static void defaults_and_profiles(void **state)
{
    (void)state;
    size_t n;
    const smb_hardened_rule *d = smb_hardened_defaults(&n);
    assert_int_equal(n, 2);
    const smb_hardened_rule *s = smb_hardened_lookup(d, n, "dc1.lab.test", "sysvol");
    assert_non_null(s);
    assert_int_equal(s->require_integrity, 1);
    assert_int_equal(s->require_mutual_auth, 1);
    assert_non_null(smb_hardened_lookup(d, n, "127.0.0.1", "NETLOGON"));
    assert_null(smb_hardened_lookup(d, n, "dc1", "share"));
    static const char *const yes[] = {"win10", "win11", "win11-24h2", "server2016", "server2022-dc", "server2025"};
    static const char *const no[] = {"win7", "vista", "winxp", "server2008", "samba", "samba-dc", "ksmbd"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!smb_hardened_profile_applies_defaults(smb_policy_profile_find(yes[i])))
            fail_msg("%s should apply the Windows 10 hardened-path defaults", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (smb_hardened_profile_applies_defaults(smb_policy_profile_find(no[i])))
            fail_msg("%s should not apply the Windows 10 hardened-path defaults", no[i]);
    assert_false(smb_hardened_profile_applies_defaults(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(patterns),
        cmocka_unit_test(flags),
        cmocka_unit_test(lists_and_lookup),
        cmocka_unit_test(defaults_and_profiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
