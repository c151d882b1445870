/* tests/unit/test_policy_24h2.c - policy engine part two: the Windows 11 24H2 / Server 2025
 * settings (registry, Group Policy keys, PowerShell), MS15-011 hardened paths (value parser,
 * pattern match, resolution, defaults), smb.conf (words, includes, continuations, errors with
 * nothing applied), the outcome with guest/anonymous sessions, paths and encryption, and the
 * new findings - each with a positive and a negative case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smbsign/policy.h"

static uint8_t *slurp(const char *name, size_t *len)
{
    char path[512];
    const char *root = getenv("ROOT");
    snprintf(path, sizeof path, "%s/tests/data/policy/%s", root && *root ? root : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run from the repository root or set ROOT)", path);
    uint8_t *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void parse_file(const char *file, smb_policy_layer *l)
{
    size_t n;
    uint8_t *b = slurp(file, &n);
    smb_policy_error err = {0, ""};
    smb_status st = smb_policy_parse_any(b, n, file, 0, l, NULL, &err);
    free(b);
    if (st != SMB_OK)
        fail_msg("%s:%u: %s", file, err.line, err.msg);
}

static void want(const smb_policy_layer *l, smb_setting s, int v, uint32_t line)
{
    if (l->v[s].value != v || l->v[s].line != line)
        fail_msg("%s: %s = %d line %u, want %d line %u", l->name, smb_policy_setting_desc(s)->name, l->v[s].value,
                 l->v[s].line, v, line);
}

/* ---- settings and registry mapping ---- */

static void registry_keys(void **state)
{
    (void)state;
    smb_setting s;
    assert_int_equal(smb_policy_map_registry("HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\LanmanWorkstation",
                                             "AllowInsecureGuestAuth", &s),
                     0);
    assert_int_equal(s, SMB_SETTING_CLIENT_INSECURE_GUEST);
    assert_int_equal(smb_policy_map_registry("HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\LanmanServer\\"
                                             "Parameters",
                                             "smb1", &s),
                     0);
    assert_int_equal(s, SMB_SETTING_SERVER_SMB1);
    assert_int_equal(smb_policy_map_registry("HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\LanmanServer",
                                             "AuditClientDoesNotSupportSigning", &s),
                     0);
    assert_int_equal(s, SMB_SETTING_SERVER_AUDIT_SIGNING);
    /* negative twins: EncryptData has no Group Policy value; NT 4.0's Rdr key has no 24H2 values;
     * a client value name under the server key is not ours */
    assert_int_equal(smb_policy_map_registry("HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\LanmanServer",
                                             "EncryptData", &s),
                     -1);
    assert_int_equal(smb_policy_map_registry("HKLM\\SYSTEM\\CurrentControlSet\\Services\\Rdr\\Parameters",
                                             "RequireEncryption", &s),
                     -1);
    assert_int_equal(smb_policy_map_registry("HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters",
                                             "BlockNTLM", &s),
                     -1);
    assert_int_equal(smb_policy_map_registry("HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\LanmanWorkstationX",
                                             "BlockNTLM", &s),
                     -1);
    for (int i = 0; i < SMB_SETTING_COUNT; i++) {
        const smb_setting_desc *d = smb_policy_setting_desc((smb_setting)i);
        assert_non_null(d->json_key);
        assert_true(d->client == (strncmp(d->name, "client.", 7) == 0));
    }
}

static void profile_defaults_24h2(void **state)
{
    (void)state;
    const smb_profile *p24 = smb_policy_profile_find("win11-24h2"), *home = smb_policy_profile_find("win11-24h2-home");
    const smb_profile *w10 = smb_policy_profile_find("win10"), *xp = smb_policy_profile_find("winxp");
    const smb_profile *s19 = smb_policy_profile_find("server2019"), *s16 = smb_policy_profile_find("server2016");
    assert_int_equal(smb_policy_profile_default(p24, SMB_SETTING_CLIENT_INSECURE_GUEST), 0);
    assert_int_equal(smb_policy_profile_default(home, SMB_SETTING_CLIENT_INSECURE_GUEST), 1);
    assert_int_equal(smb_policy_profile_default(w10, SMB_SETTING_CLIENT_INSECURE_GUEST), 1);
    assert_int_equal(smb_policy_profile_default(s19, SMB_SETTING_CLIENT_INSECURE_GUEST), 0);
    assert_int_equal(smb_policy_profile_default(p24, SMB_SETTING_CLIENT_AUDIT_SIGNING), 0);
    assert_int_equal(smb_policy_profile_default(w10, SMB_SETTING_CLIENT_AUDIT_SIGNING), SMB_VALUE_UNDEFINED);
    assert_int_equal(smb_policy_profile_default(xp, SMB_SETTING_SERVER_ENCRYPT_DATA), SMB_VALUE_UNDEFINED);
    assert_int_equal(smb_policy_profile_default(s16, SMB_SETTING_SERVER_SMB1), 1);
    assert_int_equal(smb_policy_profile_default(s19, SMB_SETTING_SERVER_SMB1), 0);
    assert_int_equal(smb_policy_profile_default(s19, SMB_SETTING_SERVER_REJECT_UNENCRYPTED), 1);
    assert_int_equal(smb_policy_profile_default(smb_policy_profile_find("ksmbd"), SMB_SETTING_CLIENT_REQUIRE_ENCRYPTION),
                     SMB_VALUE_UNDEFINED);
    assert_true(smb_policy_profile_unc_defaults(w10));
    assert_false(smb_policy_profile_unc_defaults(smb_policy_profile_find("win7")));
    /* every profile has a row in the defaults table */
    size_t n;
    const smb_profile *all = smb_policy_profiles(&n);
    for (size_t i = 0; i < n; i++)
        if (all[i].role != SMB_ROLE_SERVER_ONLY && strncmp(all[i].name, "samba", 5))
            assert_int_not_equal(smb_policy_profile_default(&all[i], SMB_SETTING_SERVER_SMB1), SMB_VALUE_UNDEFINED);
    smb_policy_layer l;
    smb_policy_profile_layer(p24, &l);
    assert_int_equal(l.v[SMB_SETTING_CLIENT_BLOCK_NTLM].value, 0);
    assert_int_equal(l.v[SMB_SETTING_CLIENT_BLOCK_NTLM].source, SMB_SOURCE_DEFAULT);
}

/* ---- hardened paths ---- */

static void hardened_value_parser(void **state)
{
    (void)state;
    smb_hardened_path h;
    smb_policy_error err;
    const char *ok = "RequireMutualAuthentication=1, RequireIntegrity=0";
    assert_int_equal(smb_policy_parse_hardened_value(ok, strlen(ok), &h, &err), SMB_OK);
    assert_int_equal(h.require_mutual_auth, 1);
    assert_int_equal(h.require_integrity, 0);
    assert_int_equal(h.require_privacy, SMB_VALUE_UNDEFINED);
    const char *ok2 = "requireintegrity = 1 RequirePrivacy=1";
    assert_int_equal(smb_policy_parse_hardened_value(ok2, strlen(ok2), &h, &err), SMB_OK);
    assert_int_equal(h.require_integrity, 1);
    assert_int_equal(h.require_privacy, 1);
    assert_int_equal(smb_policy_parse_hardened_value("", 0, &h, &err), SMB_OK);
    assert_int_equal(h.require_integrity, SMB_VALUE_UNDEFINED);
    static const char *const bad[] = {"RequireIntegrity=2", "RequireIntegrity=yes", "RequireSigning=1",
                                      "RequireIntegrity", "RequireIntegrity=10", "=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&h, 0x33, sizeof h);
        err.msg[0] = 0;
        assert_int_equal(smb_policy_parse_hardened_value(bad[i], strlen(bad[i]), &h, &err), SMB_E_MALFORMED);
        assert_true(err.msg[0] != 0);
        assert_int_equal(h.require_integrity, 0x33); /* untouched */
    }
}

static void hardened_patterns(void **state)
{
    (void)state;
    assert_int_equal(smb_policy_hardened_pattern_ok("\\\\*\\SYSVOL"), 0);
    assert_int_equal(smb_policy_hardened_pattern_ok("\\\\dc1\\*"), 0);
    assert_int_equal(smb_policy_hardened_pattern_ok("\\\\dc1\\NETLOGON"), 0);
    assert_int_equal(smb_policy_hardened_pattern_ok("\\\\*\\*"), -1);
    assert_int_equal(smb_policy_hardened_pattern_ok("\\\\dc*\\SYSVOL"), -1);
    assert_int_equal(smb_policy_hardened_pattern_ok("\\\\dc1\\SYSVOL\\x"), -1);
    assert_int_equal(smb_policy_hardened_pattern_ok("\\dc1\\SYSVOL"), -1);
    assert_int_equal(smb_policy_hardened_pattern_ok("\\\\dc1"), -1);
    assert_int_equal(smb_policy_hardened_match("\\\\*\\SYSVOL", "\\\\dc1\\sysvol\\example.com\\Policies"), 1);
    assert_int_equal(smb_policy_hardened_match("\\\\DC1\\*", "\\\\dc1\\data"), 2);
    assert_int_equal(smb_policy_hardened_match("\\\\dc1\\SYSVOL", "\\\\dc1\\SYSVOL"), 3);
    assert_int_equal(smb_policy_hardened_match("\\\\*\\SYSVOL", "\\\\dc1\\SYSVOL2"), 0);
    assert_int_equal(smb_policy_hardened_match("\\\\dc2\\*", "\\\\dc1\\SYSVOL"), 0);
    assert_int_equal(smb_policy_hardened_match("\\\\dc1\\SYSVOL", "\\\\dc1"), 0);
}

static void hardened_resolution(void **state)
{
    (void)state;
    smb_policy_layer l[3];
    smb_policy_effective e;
    const smb_profile *w10 = smb_policy_profile_find("win10"), *w7 = smb_policy_profile_find("win7");
    smb_hardened_path h;
    /* defaults: Windows 10 hardens SYSVOL / NETLOGON when not configured; Windows 7 does not */
    smb_policy_profile_layer(w10, &l[0]);
    assert_int_equal(smb_policy_resolve(l, 1, &e), SMB_OK);
    assert_true(smb_policy_path_hardening(&e, w10, "\\\\dc1\\SYSVOL\\x", &h));
    assert_int_equal(h.require_integrity, 1);
    assert_int_equal(h.source, SMB_SOURCE_DEFAULT);
    assert_false(smb_policy_path_hardening(&e, w10, "\\\\fs1\\data", &h));
    assert_false(smb_policy_path_hardening(&e, w7, "\\\\dc1\\SYSVOL", &h));
    /* the sample: \\*\SYSVOL disabled, \\fs1\* hardened with privacy */
    parse_file("win11_24h2_client.utf8.reg", &l[1]);
    assert_int_equal(l[1].n_hp, 3);
    assert_string_equal(l[1].hp[0].path, "\\\\*\\SYSVOL");
    assert_int_equal(l[1].hp[0].line, 18);
    assert_int_equal(smb_policy_resolve(l, 2, &e), SMB_OK);
    assert_int_equal(e.n_hp, 3);
    assert_true(smb_policy_path_hardening(&e, w10, "\\\\dc1\\SYSVOL", &h));
    assert_int_equal(h.require_integrity, 0);
    assert_int_equal(h.source, SMB_SOURCE_REGISTRY);
    assert_true(smb_policy_path_hardening(&e, w10, "\\\\FS1\\anything", &h));
    assert_int_equal(h.require_privacy, 1);
    /* most specific wins: \\fs1\SYSVOL over \\fs1\* over \\*\SYSVOL */
    assert_true(smb_policy_path_hardening(&e, w10, "\\\\fs1\\SYSVOL", &h));
    assert_string_equal(h.path, "\\\\fs1\\*");
    /* a deleted value at a higher source removes the entry (then the default applies again) */
    smb_policy_layer_init(&l[2], SMB_SOURCE_DOMAIN_GPO, "gpo");
    smb_hardened_path del;
    memset(&del, 0, sizeof del);
    strcpy(del.path, "\\\\*\\sysvol");
    del.deleted = true;
    del.line = 1;
    assert_true(smb_policy_layer_add_hardened(&l[2], &del));
    assert_int_equal(smb_policy_resolve(l, 3, &e), SMB_OK);
    assert_int_equal(e.n_hp, 2);
    assert_true(smb_policy_path_hardening(&e, w10, "\\\\dc1\\SYSVOL", &h));
    assert_int_equal(h.source, SMB_SOURCE_DEFAULT);
    /* UTF-16 twin reads the same */
    smb_policy_layer u;
    parse_file("win11_24h2_client.utf16.reg", &u);
    assert_int_equal(u.n_hp, 3);
    assert_int_equal(u.hp[2].require_privacy, 1);
    for (int s = 0; s < SMB_SETTING_COUNT; s++) {
        assert_int_equal(u.v[s].value, l[1].v[s].value);
        assert_int_equal(u.v[s].line, l[1].v[s].line);
    }
}

static void reg_24h2_values(void **state)
{
    (void)state;
    smb_policy_layer l;
    parse_file("win11_24h2_client.utf8.reg", &l);
    want(&l, SMB_SETTING_CLIENT_INSECURE_GUEST, 1, 6);
    want(&l, SMB_SETTING_CLIENT_AUDIT_GUEST, 1, 7);
    want(&l, SMB_SETTING_CLIENT_AUDIT_SIGNING, 0, 8);
    want(&l, SMB_SETTING_CLIENT_AUDIT_ENCRYPTION, 0, 9);
    want(&l, SMB_SETTING_CLIENT_REQUIRE_ENCRYPTION, 0, 10);
    want(&l, SMB_SETTING_CLIENT_BLOCK_NTLM, 0, 15);
    want(&l, SMB_SETTING_SERVER_SMB1, SMB_VALUE_UNDEFINED, 0);
    parse_file("server2025.utf16.reg", &l);
    want(&l, SMB_SETTING_SERVER_SMB1, 1, 7);
    want(&l, SMB_SETTING_SERVER_ENCRYPT_DATA, 0, 8);
    want(&l, SMB_SETTING_SERVER_REJECT_UNENCRYPTED, 1, 9);
    want(&l, SMB_SETTING_SERVER_AUDIT_SIGNING, 0, 10);
    /* [-KEY] of the policy key deletes its values; of HardenedPaths, the paths */
    const char *t = "REGEDIT4\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows]\n";
    smb_policy_error err;
    assert_int_equal(smb_policy_parse_reg((const uint8_t *)t, strlen(t), "del", &l, &err), SMB_OK);
    want(&l, SMB_SETTING_CLIENT_INSECURE_GUEST, SMB_VALUE_DELETED, 2);
    assert_true(l.hp_key_deleted);
    want(&l, SMB_SETTING_CLIENT_REQUIRE, SMB_VALUE_UNDEFINED, 0);
    /* bad flags in a HardenedPaths value: error with the line, nothing applied */
    size_t n;
    uint8_t *b = slurp("bad_hardened.reg", &n);
    memset(&l, 0x44, sizeof l);
    smb_policy_layer before = l;
    assert_int_equal(smb_policy_parse_reg(b, n, "bad_hardened.reg", &l, &err), SMB_E_MALFORMED);
    assert_int_equal(err.line, 4);
    assert_memory_equal(&l, &before, sizeof l);
    free(b);
    const char *dw = "REGEDIT4\n[HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\NetworkProvider\\HardenedPaths]\n"
                     "\"\\\\\\\\*\\\\SYSVOL\"=dword:00000001\n";
    assert_int_equal(smb_policy_parse_reg((const uint8_t *)dw, strlen(dw), "dw", &l, &err), SMB_E_MALFORMED);
    assert_int_equal(err.line, 3);
    const char *pat = "REGEDIT4\n[HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\NetworkProvider\\HardenedPaths]\n"
                      "\"SYSVOL\"=\"RequireIntegrity=1\"\n";
    assert_int_equal(smb_policy_parse_reg((const uint8_t *)pat, strlen(pat), "pat", &l, &err), SMB_E_MALFORMED);
}

static void inf_24h2_and_hardened(void **state)
{
    (void)state;
    smb_policy_layer l, u;
    parse_file("gpttmpl_24h2.utf8.inf", &l);
    parse_file("gpttmpl_24h2.utf16.inf", &u);
    want(&l, SMB_SETTING_CLIENT_INSECURE_GUEST, 0, 8);
    want(&l, SMB_SETTING_SERVER_AUDIT_SIGNING, 1, 11);
    want(&l, SMB_SETTING_SERVER_SMB1, 0, 13);
    assert_int_equal(l.n_hp, 2);
    assert_string_equal(l.hp[1].path, "\\\\*\\NETLOGON");
    assert_int_equal(l.hp[1].require_integrity, 0);
    assert_int_equal(l.hp[1].line, 16);
    assert_int_equal(u.n_hp, 2);
    assert_string_equal(u.hp[0].path, l.hp[0].path);
    for (int s = 0; s < SMB_SETTING_COUNT; s++)
        assert_int_equal(u.v[s].value, l.v[s].value);
    /* twins: a DWORD under HardenedPaths, a bad pattern, bad flags -> errors with the line */
    static const char *const bad[] = {
        "[Version]\n[Registry Values]\nMACHINE\\Software\\Policies\\Microsoft\\Windows\\NetworkProvider\\HardenedPaths\\\\\\*\\SYSVOL=4,1\n",
        "[Version]\n[Registry Values]\nMACHINE\\Software\\Policies\\Microsoft\\Windows\\NetworkProvider\\HardenedPaths\\SYSVOL=1,\"RequireIntegrity=1\"\n",
        "[Version]\n[Registry Values]\nMACHINE\\Software\\Policies\\Microsoft\\Windows\\NetworkProvider\\HardenedPaths\\\\\\*\\SYSVOL=1,\"RequireIntegrity=on\"\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        smb_policy_error err = {0, ""};
        memset(&l, 0x21, sizeof l);
        u = l;
        assert_int_equal(smb_policy_parse_inf((const uint8_t *)bad[i], strlen(bad[i]), "b.inf", &l, &err),
                         SMB_E_MALFORMED);
        assert_int_equal(err.line, 3);
        assert_memory_equal(&l, &u, sizeof l);
    }
}

static void powershell_24h2(void **state)
{
    (void)state;
    smb_policy_layer l, u;
    parse_file("ps_client_24h2.txt", &l);
    want(&l, SMB_SETTING_CLIENT_INSECURE_GUEST, 1, 11);
    want(&l, SMB_SETTING_CLIENT_BLOCK_NTLM, 0, 6);
    want(&l, SMB_SETTING_CLIENT_REQUIRE_ENCRYPTION, 0, 15);
    want(&l, SMB_SETTING_CLIENT_REQUIRE, 1, 16);
    want(&l, SMB_SETTING_SERVER_REQUIRE, SMB_VALUE_UNDEFINED, 0);
    parse_file("ps_client_24h2.utf16.txt", &u);
    for (int s = 0; s < SMB_SETTING_COUNT; s++)
        assert_int_equal(u.v[s].value, l.v[s].value);
    parse_file("ps_server_2025.json", &l);
    want(&l, SMB_SETTING_SERVER_ENCRYPT_DATA, 1, 9);
    want(&l, SMB_SETTING_SERVER_SMB1, 0, 7);
    want(&l, SMB_SETTING_SERVER_AUDIT_SIGNING, 1, 4);
    want(&l, SMB_SETTING_SERVER_REQUIRE, 1, 11);
    want(&l, SMB_SETTING_CLIENT_REQUIRE, SMB_VALUE_UNDEFINED, 0);
    /* bad value for a new property is an error with its line */
    const char *bad = "EnableInsecureGuestLogons : Maybe\nRequireSecuritySignature : True\n";
    smb_policy_error err;
    assert_int_equal(smb_policy_parse_ps((const uint8_t *)bad, strlen(bad), "b", SMB_AUDIT_CLIENT, &l, &err),
                     SMB_E_MALFORMED);
    assert_int_equal(err.line, 1);
}

/* ---- smb.conf ---- */

typedef struct files {
    const char *name[4], *text[4];
    int reads;
} files;

static int mem_reader(void *ctx, const char *path, uint8_t **buf, size_t *len)
{
    files *f = ctx;
    f->reads++;
    for (int i = 0; i < 4 && f->name[i]; i++)
        if (!strcmp(path, f->name[i])) {
            *len = strlen(f->text[i]);
            *buf = malloc(*len + 1);
            memcpy(*buf, f->text[i], *len + 1);
            return 0;
        }
    return -1;
}

static SMB_WUR smb_status conf(const char *text, files *f, smb_smbconf *c, smb_policy_error *err)
{
    return smb_policy_parse_smbconf((const uint8_t *)text, strlen(text), "/etc/samba/smb.conf", f ? mem_reader : NULL,
                                    f, c, err);
}

static void smbconf_words(void **state)
{
    (void)state;
    smb_smbconf *c = malloc(sizeof *c);
    smb_policy_error err;
    static const struct {
        const char *in, *out;
    } sw[] = {{"auto", "if_required"}, {"Mandatory", "required"}, {"disabled", "No"}, {"yes", "if_required"},
              {"NO", "No"},            {"desired", "desired"},    {"default", "default"}, {"force", "required"},
              {"off", "No"},           {"1", "if_required"}};
    for (size_t i = 0; i < sizeof sw / sizeof sw[0]; i++) {
        char t[128];
        snprintf(t, sizeof t, "[global]\n  Server  Signing = %s\n", sw[i].in);
        assert_int_equal(conf(t, NULL, c, &err), SMB_OK);
        assert_string_equal(c->global[SMB_SMBCONF_SERVER_SIGNING].value, sw[i].out);
        assert_int_equal(c->global[SMB_SMBCONF_SERVER_SIGNING].line, 2);
    }
    /* blank-insensitive names and aliases */
    assert_int_equal(conf("serversigning=required\nsmb encrypt = mandatory\n[x]\npublic = yes\nmin protocol=NT1\n",
                          NULL, c, &err),
                     SMB_OK);
    assert_string_equal(c->global[SMB_SMBCONF_SERVER_SIGNING].value, "required");
    assert_string_equal(c->global[SMB_SMBCONF_SERVER_SMB_ENCRYPT].value, "required");
    assert_int_equal(c->n_shares, 1);
    assert_string_equal(c->share[0].guest_ok.value, "Yes");
    assert_int_equal(c->global[SMB_SMBCONF_SERVER_MIN_PROTOCOL].line, 0); /* global-only, in a share: ignored */
    /* lists are rewritten as testparm prints them */
    assert_int_equal(conf("server smb3 signing algorithms = HMAC-SHA256 AES-128-CMAC,,AES-128-GMAC\n", NULL, c, &err),
                     SMB_OK);
    assert_string_equal(c->global[SMB_SMBCONF_SERVER_SIGNING_ALGORITHMS].value, "HMAC-SHA256, AES-128-CMAC, AES-128-GMAC");
    /* continuation lines and comments */
    assert_int_equal(conf("# c\n; c\n[global]\nserver \\\n  role = \\\n  dc\nbogus = 1\n", NULL, c, &err), SMB_OK);
    assert_string_equal(c->global[SMB_SMBCONF_SERVER_ROLE].value, "active directory domain controller");
    assert_int_equal(c->global[SMB_SMBCONF_SERVER_ROLE].line, 4);
    assert_int_equal(c->n_unknown, 1);
    /* smbsign serve's inline comments are tolerated only where the word is otherwise invalid */
    assert_int_equal(conf("server signing = mandatory ; comment\n", NULL, c, &err), SMB_OK);
    assert_string_equal(c->global[SMB_SMBCONF_SERVER_SIGNING].value, "required");
    free(c);
}

static void smbconf_errors(void **state)
{
    (void)state;
    smb_smbconf *c = malloc(sizeof *c), *before = malloc(sizeof *c);
    smb_policy_error err;
    static const struct {
        const char *text;
        uint32_t line;
    } bad[] = {{"[global]\nserver signing = sometimes\n", 2},
               {"[global]\nserver role = pdc\n", 2},
               {"client smb encrypt = maybe\n", 1},
               {"map to guest = always\n", 1},
               {"[global]\nntlm auth = perhaps\n", 2},
               {"[global\n", 1},
               {"[global]\njust words\n", 2},
               {"[]\n", 1},
               {"[g]\n = x\n", 2},
               {"server min protocol = SMB4\n", 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(c, 0x6B, sizeof *c);
        memcpy(before, c, sizeof *c);
        err.line = 0;
        smb_status st = conf(bad[i].text, NULL, c, &err);
        if (st == SMB_OK)
            fail_msg("accepted: %s", bad[i].text);
        assert_int_equal(err.line, bad[i].line);
        assert_memory_equal(c, before, sizeof *c);
    }
    /* binary garbage */
    const uint8_t bin[] = {'[', 0, 1, 2, ']'};
    assert_int_not_equal(smb_policy_parse_smbconf(bin, sizeof bin, "b", NULL, NULL, c, &err), SMB_OK);
    free(c);
    free(before);
}

static void smbconf_includes(void **state)
{
    (void)state;
    smb_smbconf *c = malloc(sizeof *c);
    smb_policy_error err;
    files f = {{"/etc/samba/shares.conf", "/etc/samba/more/deep.conf", NULL, NULL},
               {"[pub]\nguest ok = yes\ninclude = more/deep.conf\n", "ntlm auth = disabled\n", NULL, NULL},
               0};
    assert_int_equal(conf("[global]\nserver signing = auto\ninclude = shares.conf\nmap to guest = bad user\n", &f, c, &err),
                     SMB_OK);
    assert_int_equal(c->n_includes, 2);
    assert_int_equal(c->n_shares, 1);
    assert_string_equal(c->share[0].guest_ok.origin, "/etc/samba/shares.conf");
    assert_int_equal(c->share[0].guest_ok.line, 2);
    /* the included file left [pub] current: ntlm auth there is a global-only parameter in a share */
    assert_int_equal(c->global[SMB_SMBCONF_NTLM_AUTH].line, 0);
    /* ... and map to guest after the include also lands in [pub] (ignored), as smbd reads it */
    assert_int_equal(c->global[SMB_SMBCONF_MAP_TO_GUEST].line, 0);
    /* absolute include; missing include; %-substitution not followed; a loop */
    files g = {{"/abs.conf", NULL, NULL, NULL}, {"ntlm auth = disabled\n", NULL, NULL, NULL}, 0};
    assert_int_equal(conf("include = /abs.conf\n", &g, c, &err), SMB_OK);
    assert_string_equal(c->global[SMB_SMBCONF_NTLM_AUTH].value, "disabled");
    assert_string_equal(c->global[SMB_SMBCONF_NTLM_AUTH].origin, "/abs.conf");
    assert_int_equal(conf("\ninclude = nothere.conf\n", &g, c, &err), SMB_E_IO);
    assert_int_equal(err.line, 2);
    g.reads = 0;
    assert_int_equal(conf("include = /etc/samba/%m.conf\n", &g, c, &err), SMB_OK);
    assert_int_equal(g.reads, 0);
    files loop = {{"/etc/samba/smb.conf", NULL, NULL, NULL}, {"include = smb.conf\n", NULL, NULL, NULL}, 0};
    assert_int_equal(conf("include = smb.conf\n", &loop, c, &err), SMB_E_OVERFLOW);
    assert_int_equal(conf("include = x.conf\n", NULL, c, &err), SMB_E_UNSUPPORTED);
    /* an error inside an include names it and its line */
    files e = {{"/etc/samba/x.conf", NULL, NULL, NULL}, {"\n\nserver signing = nope\n", NULL, NULL, NULL}, 0};
    assert_int_equal(conf("include = x.conf\n", &e, c, &err), SMB_E_MALFORMED);
    assert_non_null(strstr(err.msg, "/etc/samba/x.conf line 3"));
    free(c);
}

static void smbconf_layer(void **state)
{
    (void)state;
    smb_smbconf *c = malloc(sizeof *c);
    smb_policy_error err;
    smb_policy_layer l;
    bool dc;
    assert_int_equal(conf("server role = dc\nserver signing = default\nclient signing = disabled\n"
                          "server smb encrypt = desired\nclient smb encrypt = required\nserver min protocol = NT1\n",
                          NULL, c, &err),
                     SMB_OK);
    smb_policy_smbconf_layer(c, "smb.conf", &l, &dc);
    assert_true(dc);
    want(&l, SMB_SETTING_SERVER_REQUIRE, 1, 2); /* default on an AD DC = required */
    want(&l, SMB_SETTING_CLIENT_REQUIRE, 0, 3);
    want(&l, SMB_SETTING_CLIENT_ENABLE, 0, 3);
    want(&l, SMB_SETTING_SERVER_ENCRYPT_DATA, 1, 4);
    want(&l, SMB_SETTING_SERVER_REJECT_UNENCRYPTED, 0, 4);
    want(&l, SMB_SETTING_CLIENT_REQUIRE_ENCRYPTION, 1, 5);
    want(&l, SMB_SETTING_SERVER_SMB1, 1, 6);
    assert_int_equal(l.v[SMB_SETTING_SERVER_REQUIRE].source, SMB_SOURCE_SMB_CONF);
    /* twin: a member server; default signing is not required, SMB2 minimum has no SMB1 */
    assert_int_equal(conf("server role = member server\nserver signing = default\nserver min protocol = SMB2_10\n",
                          NULL, c, &err),
                     SMB_OK);
    smb_policy_smbconf_layer(c, "smb.conf", &l, &dc);
    assert_false(dc);
    want(&l, SMB_SETTING_SERVER_REQUIRE, 0, 2);
    want(&l, SMB_SETTING_SERVER_SMB1, 0, 3);
    want(&l, SMB_SETTING_CLIENT_REQUIRE, SMB_VALUE_UNDEFINED, 0); /* not in the file: the profile's */
    free(c);
}

/* ---- outcomes ---- */

static smb_outcome ox(smb_sign_level cl, smb_sign_level sl, smb_pair_extra x, smb_encryption *enc)
{
    smb_outcome o;
    smb_side c = {cl, SMB_ERA_CURRENT}, s = {sl, SMB_ERA_CURRENT};
    if (!x.dialect)
        x.dialect = SMB_DIALECT_311;
    assert_int_equal(smb_policy_outcome_ex(x.dialect == SMB_DIALECT_SMB1 ? SMB_PROTO_SMB1 : SMB_PROTO_SMB2, c, s, &x,
                                           &o, enc),
                     SMB_OK);
    return o;
}

static void outcomes_guest(void **state)
{
    (void)state;
    smb_pair_extra x = {SMB_SESSION_GUEST, 0, NULL, false, SMB_ENCRYPTION_NONE, 0};
    /* 24H2 Pro: insecure guest logons off -> rejected before signing matters */
    smb_outcome o = ox(SMB_LEVEL_REQUIRED, SMB_LEVEL_DISABLED, x, NULL);
    assert_int_equal(o.kind, SMB_OUTCOME_FAILS);
    assert_int_equal(o.fail_at, SMB_FAIL_SESSION_SETUP);
    assert_string_equal(o.error_name, "ERROR_BAD_NETPATH");
    assert_int_equal(o.error_code, 0x80070035u);
    assert_int_equal(o.event_id, 31017);
    /* guest allowed but signing required (24H2 Home with require=1): STATUS_INVALID_SIGNATURE */
    x.client_insecure_guest = 1;
    o = ox(SMB_LEVEL_REQUIRED, SMB_LEVEL_DISABLED, x, NULL);
    assert_int_equal(o.kind, SMB_OUTCOME_FAILS);
    assert_int_equal(o.error, SMB_E_INVALID_SIGNATURE);
    assert_null(o.error_name);
    /* twin: guest allowed, signing not required -> connects, not signed; even when the server requires */
    o = ox(SMB_LEVEL_ENABLED, SMB_LEVEL_REQUIRED, x, NULL);
    assert_int_equal(o.kind, SMB_OUTCOME_NOT_SIGNED);
    /* the same pair with a user session is signed */
    x.session = SMB_SESSION_USER;
    o = ox(SMB_LEVEL_ENABLED, SMB_LEVEL_REQUIRED, x, NULL);
    assert_int_equal(o.kind, SMB_OUTCOME_SIGNED);
    /* anonymous is not a guest logon: AllowInsecureGuestAuth = 0 does not reject it */
    x.session = SMB_SESSION_ANONYMOUS;
    x.client_insecure_guest = 0;
    o = ox(SMB_LEVEL_ENABLED, SMB_LEVEL_DISABLED, x, NULL);
    assert_int_equal(o.kind, SMB_OUTCOME_NOT_SIGNED);
    o = ox(SMB_LEVEL_REQUIRED, SMB_LEVEL_DISABLED, x, NULL);
    assert_int_equal(o.error, SMB_E_INVALID_SIGNATURE);
    /* SMB1 guest: the SMB2/3 guest setting does not apply */
    x.session = SMB_SESSION_GUEST;
    x.dialect = SMB_DIALECT_SMB1;
    o = ox(SMB_LEVEL_ENABLED, SMB_LEVEL_DISABLED, x, NULL);
    assert_int_equal(o.kind, SMB_OUTCOME_NOT_SIGNED);
}

static void outcomes_path(void **state)
{
    (void)state;
    smb_hardened_path h;
    memset(&h, 0, sizeof h);
    strcpy(h.path, "\\\\*\\SYSVOL");
    h.require_integrity = 1;
    h.require_mutual_auth = 1;
    smb_pair_extra x = {SMB_SESSION_USER, 1, &h, false, SMB_ENCRYPTION_NONE, 0};
    smb_outcome o = ox(SMB_LEVEL_ENABLED, SMB_LEVEL_DISABLED, x, NULL);
    assert_int_equal(o.kind, SMB_OUTCOME_SIGNED);
    assert_non_null(strstr(o.why, "MS15-011"));
    h.require_integrity = 0; /* twin: hardening off for the path */
    o = ox(SMB_LEVEL_ENABLED, SMB_LEVEL_DISABLED, x, NULL);
    assert_int_equal(o.kind, SMB_OUTCOME_NOT_SIGNED);
    h.require_integrity = 1; /* a guest-only SYSVOL fails under hardening */
    x.session = SMB_SESSION_GUEST;
    o = ox(SMB_LEVEL_ENABLED, SMB_LEVEL_DISABLED, x, NULL);
    assert_int_equal(o.kind, SMB_OUTCOME_FAILS);
    assert_int_equal(o.error, SMB_E_INVALID_SIGNATURE);
}

static void outcomes_encryption(void **state)
{
    (void)state;
    smb_encryption enc;
    smb_pair_extra x = {SMB_SESSION_USER, 0, NULL, false, SMB_ENCRYPTION_REQUIRED, SMB_DIALECT_311};
    smb_outcome o = ox(SMB_LEVEL_ENABLED, SMB_LEVEL_DISABLED, x, &enc);
    assert_int_equal(o.kind, SMB_OUTCOME_ENCRYPTED);
    assert_int_equal(enc, SMB_ENCRYPTION_REQUIRED);
    x.dialect = SMB_DIALECT_210; /* a 2.1 client cannot encrypt */
    o = ox(SMB_LEVEL_ENABLED, SMB_LEVEL_DISABLED, x, &enc);
    assert_int_equal(o.kind, SMB_OUTCOME_FAILS);
    assert_int_equal(o.fail_at, SMB_FAIL_TREE_CONNECT);
    assert_int_equal(o.error, SMB_E_ACCESS_DENIED);
    x.server_encryption = SMB_ENCRYPTION_DESIRED; /* desired: the 2.1 client connects unencrypted */
    o = ox(SMB_LEVEL_ENABLED, SMB_LEVEL_DISABLED, x, &enc);
    assert_int_equal(o.kind, SMB_OUTCOME_NOT_SIGNED);
    assert_int_equal(enc, SMB_ENCRYPTION_DESIRED);
    x.dialect = SMB_DIALECT_300;
    o = ox(SMB_LEVEL_ENABLED, SMB_LEVEL_DISABLED, x, &enc);
    assert_int_equal(o.kind, SMB_OUTCOME_ENCRYPTED);
    /* client RequireEncryption */
    x.server_encryption = SMB_ENCRYPTION_NONE;
    x.client_require_encryption = true;
    o = ox(SMB_LEVEL_REQUIRED, SMB_LEVEL_DISABLED, x, &enc);
    assert_int_equal(o.kind, SMB_OUTCOME_ENCRYPTED);
    x.dialect = SMB_DIALECT_202;
    o = ox(SMB_LEVEL_REQUIRED, SMB_LEVEL_DISABLED, x, &enc);
    assert_int_equal(o.kind, SMB_OUTCOME_FAILS);
    /* no demand: as before */
    x.client_require_encryption = false;
    x.dialect = SMB_DIALECT_311;
    o = ox(SMB_LEVEL_REQUIRED, SMB_LEVEL_DISABLED, x, &enc);
    assert_int_equal(o.kind, SMB_OUTCOME_SIGNED);
    assert_int_equal(enc, SMB_ENCRYPTION_NONE);
    /* guest + server requiring encryption: TREE_CONNECT denied */
    x.session = SMB_SESSION_GUEST;
    x.client_insecure_guest = 1;
    x.server_encryption = SMB_ENCRYPTION_REQUIRED;
    o = ox(SMB_LEVEL_ENABLED, SMB_LEVEL_DISABLED, x, &enc);
    assert_int_equal(o.fail_at, SMB_FAIL_TREE_CONNECT);
    assert_int_equal(smb_policy_server_encryption(1, SMB_VALUE_UNDEFINED), SMB_ENCRYPTION_REQUIRED);
    assert_int_equal(smb_policy_server_encryption(1, 0), SMB_ENCRYPTION_DESIRED);
    assert_int_equal(smb_policy_server_encryption(0, 1), SMB_ENCRYPTION_NONE);
}

/* ---- findings ---- */

static bool has(const smb_findings *f, const char *id, const char *side)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->f[i].def->id, id) && (!side || !strcmp(f->f[i].side, side)))
            return true;
    return false;
}

static void eff_of(const char *profile, const char *file, smb_policy_effective *e)
{
    smb_policy_layer l[2];
    size_t n = 1;
    smb_policy_profile_layer(smb_policy_profile_find(profile), &l[0]);
    if (file)
        parse_file(file, &l[n++]);
    assert_int_equal(smb_policy_resolve(l, n, e), SMB_OK);
}

static void findings_extended(void **state)
{
    (void)state;
    smb_policy_effective e;
    smb_findings *f = calloc(1, sizeof *f);
    const smb_profile *p24 = smb_policy_profile_find("win11-24h2");
    eff_of("win11-24h2", "win11_24h2_client.utf8.reg", &e);
    smb_policy_audit_extended(&e, p24, SMB_AUDIT_CLIENT, f);
    assert_true(has(f, "insecure-guest-logons", "client"));
    assert_true(has(f, "unc-hardening-missing", "client"));
    assert_true(has(f, "signing-audit-off", "client"));
    assert_true(has(f, "ntlm-allowed", "client"));
    memset(f, 0, sizeof *f);
    eff_of("win11-24h2", "win11_24h2_hardened.utf8.reg", &e);
    smb_policy_audit_extended(&e, p24, SMB_AUDIT_CLIENT, f);
    assert_false(has(f, "insecure-guest-logons", NULL));
    assert_false(has(f, "unc-hardening-missing", NULL));
    assert_false(has(f, "signing-audit-off", NULL));
    assert_false(has(f, "ntlm-allowed", NULL));
    /* profile defaults alone: 24H2 requires signing, so the audit finding does not apply; Home does not */
    memset(f, 0, sizeof *f);
    eff_of("win11-24h2", NULL, &e);
    smb_policy_audit_extended(&e, p24, SMB_AUDIT_CLIENT, f);
    assert_false(has(f, "signing-audit-off", NULL));
    assert_false(has(f, "insecure-guest-logons", NULL));
    memset(f, 0, sizeof *f);
    eff_of("win11-24h2-home", NULL, &e);
    smb_policy_audit_extended(&e, smb_policy_profile_find("win11-24h2-home"), SMB_AUDIT_CLIENT, f);
    assert_true(has(f, "signing-audit-off", "client"));
    assert_true(has(f, "insecure-guest-logons", "client"));
    /* which patterns decide SYSVOL / NETLOGON: \\fs1\data does not, \\dc1\* does */
    static const struct {
        const char *path;
        bool finding;
    } pats[] = {{"\\\\fs1\\data", false}, {"\\\\dc1\\*", true}, {"\\\\dc1\\netlogon", true},
                {"\\\\*\\SYSVOLX", false}};
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        smb_policy_layer l[2];
        smb_hardened_path h;
        memset(&h, 0, sizeof h);
        strcpy(h.path, pats[i].path);
        h.require_integrity = 0;
        h.require_mutual_auth = 1;
        h.line = 3;
        smb_policy_profile_layer(p24, &l[0]);
        smb_policy_layer_init(&l[1], SMB_SOURCE_REGISTRY, "t.reg");
        assert_true(smb_policy_layer_add_hardened(&l[1], &h));
        assert_int_equal(smb_policy_resolve(l, 2, &e), SMB_OK);
        memset(f, 0, sizeof *f);
        smb_policy_audit_extended(&e, p24, SMB_AUDIT_CLIENT, f);
        if (has(f, "unc-hardening-missing", "client") != pats[i].finding)
            fail_msg("%s: unc-hardening-missing %s", pats[i].path, pats[i].finding ? "missing" : "unexpected");
    }
    /* server side */
    memset(f, 0, sizeof *f);
    const smb_profile *s25 = smb_policy_profile_find("server2025");
    eff_of("server2025", "server2025.utf8.reg", &e);
    smb_policy_audit_extended(&e, s25, SMB_AUDIT_SERVER, f);
    assert_true(has(f, "smb1-enabled", "server"));
    assert_true(has(f, "encryption-not-required", "server"));
    assert_true(has(f, "signing-audit-off", "server"));
    memset(f, 0, sizeof *f);
    eff_of("server2025", "ps_server_2025.json", &e);
    smb_policy_audit_extended(&e, s25, SMB_AUDIT_SERVER, f);
    assert_int_equal(f->n, 0);
    free(f);
}

static void findings_smbconf(void **state)
{
    (void)state;
    smb_smbconf *c = malloc(sizeof *c);
    smb_findings *f = calloc(1, sizeof *f);
    smb_policy_error err;
    smb_policy_layer l[2];
    smb_policy_effective e;
    assert_int_equal(conf("map to guest = bad user\nntlm auth = yes\n[nas]\nguest ok = yes\n", NULL, c, &err), SMB_OK);
    smb_policy_profile_layer(smb_policy_profile_find("samba"), &l[0]);
    smb_policy_smbconf_layer(c, "smb.conf", &l[1], NULL);
    assert_int_equal(smb_policy_resolve(l, 2, &e), SMB_OK);
    smb_policy_audit_smbconf(c, &e, f);
    assert_true(has(f, "guest-access-with-signing", "server"));
    assert_true(has(f, "ntlm-allowed", "server"));
    assert_non_null(strstr(f->f[0].detail, "[nas] guest ok = Yes (/etc/samba/smb.conf:4)"));
    memset(f, 0, sizeof *f);
    assert_int_equal(conf("map to guest = never\nntlm auth = disabled\n[nas]\nguest ok = no\n", NULL, c, &err), SMB_OK);
    smb_policy_smbconf_layer(c, "smb.conf", &l[1], NULL);
    assert_int_equal(smb_policy_resolve(l, 2, &e), SMB_OK);
    smb_policy_audit_smbconf(c, &e, f);
    assert_int_equal(f->n, 0);
    /* relay-target / dc-signing-not-required come from the resolved values with smb.conf lines */
    memset(f, 0, sizeof *f);
    assert_int_equal(conf("server role = dc\nserver signing = disabled\n", NULL, c, &err), SMB_OK);
    smb_policy_profile_layer(smb_policy_profile_find("samba-dc"), &l[0]);
    smb_policy_smbconf_layer(c, "smb.conf", &l[1], NULL);
    assert_int_equal(smb_policy_resolve(l, 2, &e), SMB_OK);
    smb_policy_audit(l, 2, &e, smb_policy_profile_find("samba-dc"), SMB_AUDIT_SERVER, f);
    assert_true(has(f, "relay-target", "server"));
    assert_true(has(f, "dc-signing-not-required", "server"));
    assert_non_null(strstr(f->f[0].detail, "smb.conf:2"));
    memset(f, 0, sizeof *f);
    assert_int_equal(conf("server role = dc\n", NULL, c, &err), SMB_OK);
    smb_policy_smbconf_layer(c, "smb.conf", &l[1], NULL);
    assert_int_equal(smb_policy_resolve(l, 2, &e), SMB_OK);
    smb_policy_audit(l, 2, &e, smb_policy_profile_find("samba-dc"), SMB_AUDIT_SERVER, f);
    assert_false(has(f, "relay-target", NULL));
    free(c);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_keys),       cmocka_unit_test(profile_defaults_24h2),
        cmocka_unit_test(hardened_value_parser), cmocka_unit_test(hardened_patterns),
        cmocka_unit_test(hardened_resolution), cmocka_unit_test(reg_24h2_values),
        cmocka_unit_test(inf_24h2_and_hardened), cmocka_unit_test(powershell_24h2),
        cmocka_unit_test(smbconf_words),
        cmocka_unit_test(smbconf_errors),      cmocka_unit_test(smbconf_includes),
        cmocka_unit_test(smbconf_layer),       cmocka_unit_test(outcomes_guest),
        cmocka_unit_test(outcomes_path),       cmocka_unit_test(outcomes_encryption),
        cmocka_unit_test(findings_extended),   cmocka_unit_test(findings_smbconf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
