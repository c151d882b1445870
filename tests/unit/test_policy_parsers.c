/* tests/unit/test_policy_parsers.c - .reg, INF and PowerShell parsers over the samples in
 * tests/data/policy/ (UTF-8 and UTF-16LE; UTF-16LE twins are also generated here from every
 * ASCII sample) and malformed inputs: truncated UTF-16, missing section, bad DWORD, binary
 * garbage -> error with a line number and nothing applied. */
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

/* ASCII/UTF-8 (ASCII only) -> UTF-16LE with BOM. */
static uint8_t *widen(const uint8_t *in, size_t n, size_t *out_len)
{
    uint8_t *o = malloc(2 * n + 2);
    assert_non_null(o);
    o[0] = 0xFF;
    o[1] = 0xFE;
    for (size_t i = 0; i < n; i++) {
        assert_true(in[i] < 0x80);
        o[2 + 2 * i] = in[i];
        o[3 + 2 * i] = 0;
    }
    *out_len = 2 * n + 2;
    return o;
}

typedef smb_status (*parse_fn)(const uint8_t *, size_t, const char *, smb_policy_layer *, smb_policy_error *);

static SMB_WUR smb_status ps_nohint(const uint8_t *b, size_t n, const char *name, smb_policy_layer *l, smb_policy_error *e)
{
    return smb_policy_parse_ps(b, n, name, 0, l, e);
}

static SMB_WUR smb_status any(const uint8_t *b, size_t n, const char *name, smb_policy_layer *l, smb_policy_error *e)
{
    return smb_policy_parse_any(b, n, name, 0, l, NULL, e);
}

static void parse_ok(parse_fn fn, const char *file, smb_policy_layer *l)
{
    size_t n;
    uint8_t *b = slurp(file, &n);
    smb_policy_error err = {0, ""};
    smb_status st = fn(b, n, file, l, &err);
    if (st != SMB_OK)
        fail_msg("%s: %u: %s", file, err.line, err.msg);
    free(b);
}

static void want_value(const smb_policy_layer *l, smb_setting s, int value, uint32_t line)
{
    if (l->v[s].value != value || (line && l->v[s].line != line))
        fail_msg("%s: setting %s: value %d line %u, want %d line %u", l->name, smb_policy_setting_desc(s)->name,
                 l->v[s].value, l->v[s].line, value, line);
}

static void reg_v5_utf8_and_utf16(void **state)
{
    (void)state;
    smb_policy_layer a, b;
    parse_ok(smb_policy_parse_reg, "server_v5.utf8.reg", &a);
    parse_ok(smb_policy_parse_reg, "server_v5.utf16.reg", &b);
    assert_int_equal(a.source, SMB_SOURCE_REGISTRY);
    for (int s = 0; s < SMB_SETTING_COUNT; s++) {
        assert_int_equal(a.v[s].value, b.v[s].value);
        assert_int_equal(a.v[s].line, b.v[s].line);
    }
    want_value(&a, SMB_SETTING_SERVER_ENABLE, 1, 6);
    want_value(&a, SMB_SETTING_SERVER_REQUIRE, 1, 7);
    want_value(&a, SMB_SETTING_CLIENT_ENABLE, 1, 17);
    want_value(&a, SMB_SETTING_CLIENT_REQUIRE, 0, 18);
    want_value(&a, SMB_SETTING_SERVER_ENABLE_W9X, SMB_VALUE_UNDEFINED, 0);
    assert_string_equal(a.v[SMB_SETTING_SERVER_REQUIRE].origin, "server_v5.utf8.reg");
}

static void reg_regedit4_nt4_and_98(void **state)
{
    (void)state;
    smb_policy_layer l;
    parse_ok(smb_policy_parse_reg, "nt4_regedit4.reg", &l);
    want_value(&l, SMB_SETTING_CLIENT_ENABLE, 1, 5); /* Rdr\Parameters, lower case key path */
    want_value(&l, SMB_SETTING_CLIENT_REQUIRE, 1, 6);
    want_value(&l, SMB_SETTING_SERVER_ENABLE, 1, 9);
    want_value(&l, SMB_SETTING_SERVER_REQUIRE, 0, 10);
    want_value(&l, SMB_SETTING_SERVER_ENABLE_W9X, 1, 11);
    parse_ok(smb_policy_parse_reg, "win98_vnetsup.reg", &l); /* LF line endings */
    want_value(&l, SMB_SETTING_CLIENT_ENABLE, 1, 4);
    want_value(&l, SMB_SETTING_CLIENT_REQUIRE, 0, 5);
    want_value(&l, SMB_SETTING_SERVER_REQUIRE, SMB_VALUE_UNDEFINED, 0);
}

static void reg_deletions_and_invalid(void **state)
{
    (void)state;
    smb_policy_layer l;
    parse_ok(smb_policy_parse_reg, "deletions.reg", &l);
    want_value(&l, SMB_SETTING_SERVER_REQUIRE, SMB_VALUE_DELETED, 8); /* [-KEY] */
    want_value(&l, SMB_SETTING_SERVER_ENABLE, SMB_VALUE_DELETED, 8);
    want_value(&l, SMB_SETTING_CLIENT_REQUIRE, SMB_VALUE_DELETED, 12); /* "Name"=- */
    want_value(&l, SMB_SETTING_CLIENT_ENABLE, 0, 13);
    /* deleting a parent key deletes our values below it; a comment ending in '\' does not continue */
    static const char parent[] = "REGEDIT4\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\"
                                 "LanmanWorkstation\\Parameters]\r\n\"EnableSecuritySignature\"=dword:00000001\r\n"
                                 "; trailing backslash \\\r\n"
                                 "[-HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\LanmanWorkstation]\r\n";
    smb_policy_error err;
    assert_int_equal(smb_policy_parse_reg((const uint8_t *)parent, sizeof parent - 1, "p", &l, &err), SMB_OK);
    want_value(&l, SMB_SETTING_CLIENT_ENABLE, SMB_VALUE_DELETED, 5);
    want_value(&l, SMB_SETTING_CLIENT_REQUIRE, SMB_VALUE_DELETED, 5);
    want_value(&l, SMB_SETTING_SERVER_REQUIRE, SMB_VALUE_UNDEFINED, 0);
    parse_ok(smb_policy_parse_reg, "invalid_values.reg", &l);
    want_value(&l, SMB_SETTING_SERVER_REQUIRE, 1, 4);
    assert_int_equal(l.v[SMB_SETTING_SERVER_REQUIRE].raw, 2);
    assert_int_equal(l.v[SMB_SETTING_SERVER_REQUIRE].flags, SMB_VALUE_F_NOT_BOOLEAN);
    want_value(&l, SMB_SETTING_SERVER_ENABLE, SMB_VALUE_UNDEFINED, 5);
    assert_int_equal(l.v[SMB_SETTING_SERVER_ENABLE].flags, SMB_VALUE_F_WRONG_TYPE);
}

static void inf_templates(void **state)
{
    (void)state;
    smb_policy_layer a, b;
    parse_ok(smb_policy_parse_inf, "gpttmpl.utf8.inf", &a);
    parse_ok(smb_policy_parse_inf, "gpttmpl.utf16.inf", &b);
    assert_int_equal(a.source, SMB_SOURCE_LOCAL_POLICY);
    for (int s = 0; s < SMB_SETTING_COUNT; s++)
        assert_int_equal(a.v[s].value, b.v[s].value);
    want_value(&a, SMB_SETTING_SERVER_REQUIRE, 1, 9);
    want_value(&a, SMB_SETTING_SERVER_ENABLE, 1, 10);
    want_value(&a, SMB_SETTING_CLIENT_REQUIRE, 1, 13);
    want_value(&a, SMB_SETTING_CLIENT_ENABLE, SMB_VALUE_UNDEFINED, 0);
    parse_ok(smb_policy_parse_inf, "secedit_export.utf16.inf", &a);
    want_value(&a, SMB_SETTING_CLIENT_ENABLE, 1, 10);
    want_value(&a, SMB_SETTING_CLIENT_REQUIRE, 0, 11);
    want_value(&a, SMB_SETTING_SERVER_ENABLE, 0, 12);
    want_value(&a, SMB_SETTING_SERVER_REQUIRE, 0, 13);
    assert_int_equal(a.notes, 0); /* Windows' form has [Version] */
}

/* What `samba-tool gpo manage security set` writes (ASCII, LF, no [Unicode] or
 * [Version], "PATH = 4,1" once it has rewritten [Registry Values]): accepted,
 * with a note; a [Version]-less file with known sections likewise. The
 * UTF-16LE twin of the same text gives the same layer. */
static void inf_samba_tool(void **state)
{
    (void)state;
    smb_policy_layer a, b, c;
    parse_ok(smb_policy_parse_inf, "samba_tool.inf", &a);
    assert_true(a.notes & SMB_LAYER_NOTE_NO_VERSION);
    want_value(&a, SMB_SETTING_SERVER_REQUIRE, 1, 10);
    want_value(&a, SMB_SETTING_SERVER_ENABLE, SMB_VALUE_UNDEFINED, 0);
    parse_ok(any, "samba_tool.inf", &b);
    assert_memory_equal(&a, &b, sizeof a);
    size_t n, wn;
    uint8_t *raw = slurp("samba_tool.inf", &n);
    uint8_t *w = widen(raw, n, &wn);
    smb_policy_error err;
    assert_int_equal(smb_policy_parse_inf(w, wn, "samba_tool.inf", &c, &err), SMB_OK);
    assert_memory_equal(&a, &c, sizeof a);
    free(raw);
    free(w);
    parse_ok(smb_policy_parse_inf, "no_version.inf", &a); /* [Unicode] + [Registry Values] */
    assert_true(a.notes & SMB_LAYER_NOTE_NO_VERSION);
    want_value(&a, SMB_SETTING_SERVER_REQUIRE, 1, 4);
}

static void powershell_outputs(void **state)
{
    (void)state;
    smb_policy_layer l;
    parse_ok(ps_nohint, "ps_server_list.txt", &l);
    want_value(&l, SMB_SETTING_SERVER_ENABLE, 0, 17);
    want_value(&l, SMB_SETTING_SERVER_REQUIRE, 0, 24);
    want_value(&l, SMB_SETTING_CLIENT_REQUIRE, SMB_VALUE_UNDEFINED, 0);
    parse_ok(ps_nohint, "ps_server_list.utf16.txt", &l);
    want_value(&l, SMB_SETTING_SERVER_REQUIRE, 0, 24);
    parse_ok(ps_nohint, "ps_client_list.txt", &l);
    want_value(&l, SMB_SETTING_CLIENT_ENABLE, 1, 14);
    want_value(&l, SMB_SETTING_CLIENT_REQUIRE, 1, 24);
    want_value(&l, SMB_SETTING_SERVER_REQUIRE, SMB_VALUE_UNDEFINED, 0);
    parse_ok(ps_nohint, "ps_server.json", &l);
    want_value(&l, SMB_SETTING_SERVER_ENABLE, 1, 6);
    want_value(&l, SMB_SETTING_SERVER_REQUIRE, 1, 14);
    parse_ok(ps_nohint, "ps_both.json", &l);
    want_value(&l, SMB_SETTING_SERVER_REQUIRE, 0, 4);
    want_value(&l, SMB_SETTING_SERVER_ENABLE, 0, 5);
    want_value(&l, SMB_SETTING_CLIENT_REQUIRE, 1, 9);
    want_value(&l, SMB_SETTING_CLIENT_ENABLE, 1, 10);
    /* no role-specific property: needs a hint */
    static const char bare[] = "RequireSecuritySignature : True\r\nEnableSecuritySignature : True\r\n";
    smb_policy_error err;
    assert_int_equal(smb_policy_parse_ps((const uint8_t *)bare, sizeof bare - 1, "bare", 0, &l, &err),
                     SMB_E_MALFORMED);
    assert_int_equal(err.line, 1);
    assert_int_equal(smb_policy_parse_ps((const uint8_t *)bare, sizeof bare - 1, "bare", SMB_AUDIT_SERVER, &l, &err),
                     SMB_OK);
    want_value(&l, SMB_SETTING_SERVER_REQUIRE, 1, 1);
    static const char js[] = "{\"RequireSecuritySignature\": 2, \"EnableSecuritySignature\": \"yes\"}";
    assert_int_equal(smb_policy_parse_ps((const uint8_t *)js, sizeof js - 1, "j", SMB_AUDIT_CLIENT, &l, &err),
                     SMB_OK);
    assert_int_equal(l.v[SMB_SETTING_CLIENT_REQUIRE].flags, SMB_VALUE_F_NOT_BOOLEAN);
    assert_int_equal(l.v[SMB_SETTING_CLIENT_ENABLE].flags, SMB_VALUE_F_WRONG_TYPE);
}

static void format_detection(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        smb_policy_format f;
    } cases[] = {{"server_v5.utf16.reg", SMB_FORMAT_REG}, {"nt4_regedit4.reg", SMB_FORMAT_REG},
                 {"gpttmpl.utf16.inf", SMB_FORMAT_INF},   {"secedit_export.utf8.inf", SMB_FORMAT_INF},
                 {"ps_server_list.txt", SMB_FORMAT_PS},   {"ps_client_list.txt", SMB_FORMAT_PS},
                 {"ps_server.json", SMB_FORMAT_PS},       {"ps_both.json", SMB_FORMAT_PS}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n;
        uint8_t *b = slurp(cases[i].file, &n);
        smb_policy_layer l;
        smb_policy_error err;
        smb_policy_format f = SMB_FORMAT_AUTO;
        smb_status st = smb_policy_parse_any(b, n, cases[i].file, 0, &l, &f, &err);
        if (st != SMB_OK || f != cases[i].f)
            fail_msg("%s: st %d format %s (%u: %s)", cases[i].file, st, smb_policy_format_name(f), err.line, err.msg);
        assert_int_equal(l.source, f == SMB_FORMAT_INF ? SMB_SOURCE_LOCAL_POLICY : SMB_SOURCE_REGISTRY);
        free(b);
    }
}

/* Every ASCII sample gives the same layer when re-encoded as UTF-16LE with BOM. */
static void generated_utf16_twins(void **state)
{
    (void)state;
    static const char *const files[] = {"server_v5.utf8.reg", "nt4_regedit4.reg",   "win98_vnetsup.reg",
                                        "deletions.reg",      "invalid_values.reg", "gpttmpl.utf8.inf",
                                        "secedit_export.utf8.inf", "samba_tool.inf", "ps_server_list.txt", "ps_client_list.txt",
                                        "ps_server.json",     "ps_both.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t n, wn;
        uint8_t *b = slurp(files[i], &n);
        uint8_t *w = widen(b, n, &wn);
        smb_policy_layer a, c;
        smb_policy_error err;
        assert_int_equal(smb_policy_parse_any(b, n, "x", 0, &a, NULL, &err), SMB_OK);
        if (smb_policy_parse_any(w, wn, "x", 0, &c, NULL, &err) != SMB_OK)
            fail_msg("%s as UTF-16LE: %u: %s", files[i], err.line, err.msg);
        assert_memory_equal(&a, &c, sizeof a);
        free(b);
        free(w);
    }
}

struct bad {
    const char *file;
    parse_fn fn;
    uint32_t line;
    const char *needle;
};

/* Malformed inputs: error, line number, message, and the output layer untouched. */
static void malformed_inputs(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {"bad_dword.reg", smb_policy_parse_reg, 5, "bad DWORD"},
        {"bad_dword.inf", smb_policy_parse_inf, 5, "bad DWORD"},
        {"not_a_template.inf", smb_policy_parse_inf, 2, "no [Version] and no security template section ([global]"},
        {"not_a_template.inf", any, 2, "no [Version] and no security template section"},
        {"unknown_sections.inf", smb_policy_parse_inf, 3, "([Strings] is not one"},
        {"truncated_utf16.reg", smb_policy_parse_reg, 3, "truncated UTF-16LE"},
        {"garbage.bin", any, 1, "binary data"},
        {"garbage.bin", smb_policy_parse_reg, 1, "binary data"},
        {"truncated.json", ps_nohint, 3, "invalid JSON"},
        {"bad_bool_list.txt", ps_nohint, 1, "bad value 'Maybe'"},
        {"gpttmpl.utf8.inf", smb_policy_parse_reg, 1, "not a .reg file"},
        {"server_v5.utf8.reg", smb_policy_parse_inf, 1, "text before the first [section]"},
        {"server_v5.utf8.reg", ps_nohint, 1, "expected 'Name : Value'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n;
        uint8_t *b = slurp(cases[i].file, &n);
        smb_policy_layer l, before;
        memset(&l, 0xA5, sizeof l);
        before = l;
        smb_policy_error err = {0, ""};
        smb_status st = cases[i].fn(b, n, cases[i].file, &l, &err);
        if (st == SMB_OK || err.line != cases[i].line || !strstr(err.msg, cases[i].needle))
            fail_msg("%s: st %d line %u msg '%s' (want line %u '%s')", cases[i].file, st, err.line, err.msg,
                     cases[i].line, cases[i].needle);
        assert_memory_equal(&l, &before, sizeof l);
        free(b);
    }
}

static void malformed_inline(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len;
        parse_fn fn;
        uint32_t line;
        const char *needle;
    } cases[] = {
#define T(s) s, sizeof(s) - 1
        {T("REGEDIT4\n\"RequireSecuritySignature\"=dword:00000001\n"), smb_policy_parse_reg, 2, "outside any"},
        {T("REGEDIT4\n[HKLM\\SYSTEM\n"), smb_policy_parse_reg, 2, "unterminated key"},
        {T("REGEDIT4\n[HKLM\\X]\n\"A\"=dword:123456789\n"), smb_policy_parse_reg, 3, "bad DWORD"},
        {T("REGEDIT4\n[HKLM\\X]\n\"A\"=dword:\n"), smb_policy_parse_reg, 3, "bad DWORD"},
        {T("REGEDIT4\n[HKLM\\X]\n\"A=dword:1\n"), smb_policy_parse_reg, 3, "unterminated value name"},
        {T("REGEDIT4\n[HKLM\\X]\n\"A\"dword:1\n"), smb_policy_parse_reg, 3, "expected '='"},
        {T("REGEDIT4\n[HKLM\\X]\n\"A\"=qword:1\n"), smb_policy_parse_reg, 3, "unrecognised value data"},
        {T("REGEDIT4\n[HKLM\\X]\n\"A\"=hex:00,\\\n"), smb_policy_parse_reg, 3, "continued line"},
        {T(""), smb_policy_parse_reg, 1, "empty file"},
        {T("\xfe\xffx"), smb_policy_parse_reg, 1, "big-endian"},
        {T("\xff\xfe\x00\xdc"), smb_policy_parse_reg, 1, "lone low surrogate"},
        {T("\xff\xfe\x00\xd8"), smb_policy_parse_reg, 1, "lone high surrogate"},
        {T("\xff\xfe\x00\xd8\x41\x00"), smb_policy_parse_reg, 1, "surrogate pair"},
        {T("[Version]\n[Registry Values]\nMACHINE\\A\\B=x,1\n"), smb_policy_parse_inf, 3, "bad registry value type"},
        {T("[Version]\n[Registry Values]\nMACHINE\\A\\B=4\n"), smb_policy_parse_inf, 3, "missing ',DATA'"},
        {T("[Version]\n[Registry Values]\nno equals sign\n"), smb_policy_parse_inf, 3, "expected PATH"},
        {T("[Version\n"), smb_policy_parse_inf, 1, "unterminated section"},
        {T("[Version]\n[Registry Values]\nMACHINE\\System\\CurrentControlSet\\Services\\LanManServer\\Parameters"
           "\\RequireSecuritySignature=4,99999999999\n"),
         smb_policy_parse_inf, 3, "bad DWORD"},
        {T("{\"RequireSecuritySignature\": true} x"), ps_nohint, 1, "trailing data"},
        {T("[1, 2]"), ps_nohint, 1, "expected a JSON object"},
        {T("{\"EnableSMB1Protocol\": true}"), ps_nohint, 1, "no RequireSecuritySignature"},
        {T("Foo Bar : 1\n"), ps_nohint, 1, "invalid property name"},
        {T("hello world\n"), any, 1, "unrecognised format"},
#undef T
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        smb_policy_layer l;
        smb_policy_error err = {0, ""};
        smb_status st = cases[i].fn((const uint8_t *)cases[i].text, cases[i].len, "inline", &l, &err);
        if (st == SMB_OK || err.line != cases[i].line || !strstr(err.msg, cases[i].needle))
            fail_msg("case %zu: st %d line %u msg '%s' (want line %u '%s')", i, st, err.line, err.msg, cases[i].line,
                     cases[i].needle);
    }
    /* oversized input and an over-long line */
    size_t big = SMB_POLICY_MAX_INPUT + 1;
    uint8_t *b = calloc(1, big);
    smb_policy_layer l;
    smb_policy_error err;
    assert_int_equal(smb_policy_parse_reg(b, big, "big", &l, &err), SMB_E_OVERFLOW);
    memset(b, 'A', 10000);
    memcpy(b, "REGEDIT4\n", 9);
    assert_int_equal(smb_policy_parse_reg(b, 10000, "long", &l, &err), SMB_E_OVERFLOW);
    assert_int_equal(err.line, 2);
    free(b);
}

/* Every prefix and every single-byte flip of the samples parses or fails cleanly (ASan watches). */
static void truncations_and_flips(void **state)
{
    (void)state;
    static const char *const files[] = {"server_v5.utf16.reg", "gpttmpl.utf16.inf", "ps_server.json",
                                        "ps_client_list.txt"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t n;
        uint8_t *b = slurp(files[i], &n);
        for (size_t k = 0; k < n; k++) {
            uint8_t *p = malloc(k ? k : 1);
            memcpy(p, b, k);
            smb_policy_layer l;
            smb_policy_error err;
            if (smb_policy_parse_any(p, k, "t", 0, &l, NULL, &err) != SMB_OK)
                assert_true(err.msg[0] != '\0'); /* a refusal says why */
            free(p);
        }
        for (size_t k = 0; k < n; k += 3) {
            uint8_t *p = malloc(n);
            memcpy(p, b, n);
            p[k] ^= 0x41;
            smb_policy_layer l;
            smb_policy_error err;
            if (smb_policy_parse_any(p, n, "f", 0, &l, NULL, &err) != SMB_OK)
                assert_true(err.msg[0] != '\0'); /* a refusal says why */
            free(p);
        }
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reg_v5_utf8_and_utf16), cmocka_unit_test(reg_regedit4_nt4_and_98),
        cmocka_unit_test(reg_deletions_and_invalid), cmocka_unit_test(inf_templates), cmocka_unit_test(inf_samba_tool),
        cmocka_unit_test(powershell_outputs),    cmocka_unit_test(format_detection),
        cmocka_unit_test(generated_utf16_twins), cmocka_unit_test(malformed_inputs),
        cmocka_unit_test(malformed_inline),      cmocka_unit_test(truncations_and_flips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
