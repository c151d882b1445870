/* tests/unit/test_server.c - server/: config parser, user database, share-rooted
 * vfs (traversal and symlink escapes), and the sans-I/O core's NEGOTIATE. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "server/config.h"
#include "server/session.h"
#include "server/userdb.h"
#include "server/vfs.h"
#include "smbsign/policy.h"
#include "wire/smb2/header.h"
#include "wire/smb2/negotiate.h"

/* ---------------- config ---------------- */

static void config_parses_global_and_shares(void **state)
{
    (void)state;
    struct srv_config c;
    char err[512] = "";
    srv_config_init(&c);
    const char *text = "[global]\n"
                       "listen = 127.0.0.1:4455, [::1]:4456\n"
                       "server signing = auto\n"
                       "Server_Require_Signing = no\n"
                       "min protocol = SMB2_10\n"
                       "max protocol = SMB3_11\n"
                       "signing algorithms = aes-cmac, hmac-sha256\n"
                       "max credits = 128\n"
                       "worker thread = no\n"
                       "[data]\n"
                       "path = /tmp\n"
                       "read only = yes\n"
                       "[IPC$]\n";
    assert_int_equal(srv_config_load_string(&c, text, "t.conf", err, sizeof err), SMB_OK);
    assert_int_equal(c.n_listen, 2);
    assert_string_equal(c.listen[1], "[::1]:4456");
    assert_true(c.signing_set);
    assert_int_equal(c.signing, SMB_LEVEL_ENABLED);
    assert_int_equal(c.require_signing, 0);
    assert_int_equal(c.min_protocol, SMB_DIALECT_210);
    assert_int_equal(c.n_algs, 2);
    assert_int_equal(c.algs[0], SMB_ALG_AES_CMAC);
    assert_int_equal(c.max_credits, 128);
    assert_false(c.worker_thread);
    assert_int_equal(c.n_shares, 2);
    assert_true(srv_config_share(&c, "DATA")->read_only);
    assert_true(srv_config_share(&c, "ipc$")->ipc);
    assert_int_equal(srv_config_validate(&c, err, sizeof err), SMB_OK);
}

static void config_rejects_unknown_key_with_line(void **state)
{
    (void)state;
    struct srv_config c;
    char err[512] = "";
    srv_config_init(&c);
    const char *text = "[global]\nlisten = 127.0.0.1:1\n\nserver signin = auto\n";
    assert_int_equal(srv_config_load_string(&c, text, "t.conf", err, sizeof err), SMB_E_BAD_ARGUMENT);
    assert_non_null(strstr(err, "t.conf:4:"));
    assert_non_null(strstr(err, "server signin"));
}

static void config_rejects_bad_values(void **state)
{
    (void)state;
    static const char *bad[] = {
        "[global]\nserver signing = sometimes\n", "[global]\nlisten = 127.0.0.1\n",
        "[global]\nlisten = 127.0.0.1:70000\n",   "[global]\nmin protocol = NT1\n",
        "[global]\nsigning algorithms = md5\n",    "[global]\nmax credits = 5\n",
        "[a]\npath = relative\n",                  "[a]\npath=/tmp\n[A]\npath=/tmp\n",
        "[a/b]\npath=/tmp\n",                      "[a]\nbogus = 1\n",
        "not an ini line\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct srv_config c;
        char err[512] = "";
        srv_config_init(&c);
        assert_int_not_equal(srv_config_load_string(&c, bad[i], "b.conf", err, sizeof err), SMB_OK);
        assert_non_null(strstr(err, "b.conf:"));
    }
}

static void config_min_above_max_is_invalid(void **state)
{
    (void)state;
    struct srv_config c;
    char err[512] = "";
    srv_config_init(&c);
    assert_int_equal(
        srv_config_load_string(&c, "[global]\nmin protocol=SMB3_11\nmax protocol=SMB2_02\n", "m", err, sizeof err),
        SMB_OK);
    assert_int_equal(srv_config_validate(&c, err, sizeof err), SMB_E_BAD_ARGUMENT);
}

static void config_listen_parser(void **state)
{
    (void)state;
    char a[64];
    uint16_t p;
    assert_int_equal(srv_parse_listen("10.0.0.1:445", a, sizeof a, &p), 0);
    assert_string_equal(a, "10.0.0.1");
    assert_int_equal(p, 445);
    assert_int_equal(srv_parse_listen("[fe80::1]:4445", a, sizeof a, &p), 0);
    assert_string_equal(a, "fe80::1");
    assert_int_not_equal(srv_parse_listen("fe80::1:4445", a, sizeof a, &p), 0);
    assert_int_not_equal(srv_parse_listen(":445", a, sizeof a, &p), 0);
    assert_int_not_equal(srv_parse_listen("h:0", a, sizeof a, &p), 0);
    assert_int_not_equal(srv_parse_listen("h:-1", a, sizeof a, &p), 0);
}

static void config_signing_precedence(void **state)
{
    (void)state;
    struct srv_config c;
    char err[512] = "";
    smb_policy_effective eff;
    smb_sign_level lv;
    srv_config_init(&c);
    /* built-in default: required */
    assert_int_equal(srv_config_signing(&c, &lv, &eff, err, sizeof err), SMB_OK);
    assert_int_equal(lv, SMB_LEVEL_REQUIRED);
    /* the file says auto */
    assert_int_equal(srv_config_load_string(&c, "[global]\nserver signing = auto\n", "f", err, sizeof err), SMB_OK);
    assert_int_equal(srv_config_signing(&c, &lv, &eff, err, sizeof err), SMB_OK);
    assert_int_equal(lv, SMB_LEVEL_ENABLED);
    assert_int_equal(eff.v[SMB_SETTING_SERVER_REQUIRE].source, SMB_SOURCE_OVERRIDE);
    /* the command line wins */
    c.cli_signing_set = true;
    c.cli_signing = SMB_LEVEL_REQUIRED;
    assert_int_equal(srv_config_signing(&c, &lv, &eff, err, sizeof err), SMB_OK);
    assert_int_equal(lv, SMB_LEVEL_REQUIRED);
    assert_non_null(strstr(eff.v[SMB_SETTING_SERVER_REQUIRE].origin, "--signing"));
    /* unknown profile is an error */
    srv_config_init(&c);
    snprintf(c.profile, sizeof c.profile, "no-such-os");
    assert_int_not_equal(srv_config_signing(&c, &lv, &eff, err, sizeof err), SMB_OK);
}

/* ---------------- userdb ---------------- */

static void userdb_parses_and_finds(void **state)
{
    (void)state;
    struct srv_userdb db;
    char err[256];
    const char *t = "# comment\n\nalice:00112233445566778899aabbccddeeff\nBob:FFEEDDCCBBAA99887766554433221100\r\n";
    assert_int_equal(srv_userdb_parse(&db, t, "u", err, sizeof err), SMB_OK);
    assert_int_equal(db.n, 2);
    const struct srv_user *u = srv_userdb_find(&db, "BOB");
    assert_non_null(u);
    assert_int_equal(u->nt_hash[0], 0xff);
    assert_null(srv_userdb_find(&db, "carol"));
    srv_userdb_free(&db);
}

static void userdb_rejects_malformed(void **state)
{
    (void)state;
    static const char *bad[] = {"alice\n", "alice:0011\n", "alice:zz112233445566778899aabbccddeeff\n",
                                ":00112233445566778899aabbccddeeff\n",
                                "a:00112233445566778899aabbccddeeff\nA:00112233445566778899aabbccddeeff\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct srv_userdb db;
        char err[256] = "";
        assert_int_equal(srv_userdb_parse(&db, bad[i], "u", err, sizeof err), SMB_E_MALFORMED);
        assert_non_null(strstr(err, "u:"));
        assert_null(db.users);
    }
}

static void userdb_nt_hash_known_answer(void **state)
{
    (void)state;
    /* MS-NLMP 4.2.2.1.2: NTOWFv1("Password") */
    static const uint8_t want[16] = {0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
                                     0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52};
    uint8_t h[16];
    assert_int_equal(srv_nt_hash("Password", h), SMB_OK);
    assert_memory_equal(h, want, 16);
    assert_int_equal(srv_nt_hash("Passwore", h), SMB_OK);
    assert_memory_not_equal(h, want, 16);
}

static char *mkdtemp_s(void)
{
    char *t = strdup("/tmp/smbsign-unit.XXXXXX");
    assert_non_null(mkdtemp(t));
    return t;
}

static void userdb_set_then_load_mode_0600(void **state)
{
    (void)state;
    char *d = mkdtemp_s();
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/users", d);
    uint8_t h[16];
    srv_nt_hash("secret", h);
    assert_int_equal(srv_userdb_set(path, "alice", h, err, sizeof err), SMB_OK);
    assert_int_equal(srv_userdb_set(path, "bob", h, err, sizeof err), SMB_OK);
    h[0] ^= 1;
    assert_int_equal(srv_userdb_set(path, "ALICE", h, err, sizeof err), SMB_OK); /* change, not add */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    struct srv_userdb db;
    assert_int_equal(srv_userdb_load(&db, path, err, sizeof err), SMB_OK);
    assert_int_equal(db.n, 2);
    assert_memory_equal(srv_userdb_find(&db, "alice")->nt_hash, h, 16);
    srv_userdb_free(&db);
    /* negative twin: a world-readable file is refused */
    chmod(path, 0644);
    assert_int_equal(srv_userdb_load(&db, path, err, sizeof err), SMB_E_ACCESS_DENIED);
    assert_int_equal(srv_userdb_set(path, "bad:name", h, err, sizeof err), SMB_E_BAD_ARGUMENT);
    unlink(path);
    rmdir(d);
    free(d);
}

/* ---------------- vfs ---------------- */

static size_t u16(const char *s, uint8_t *out)
{
    size_t n = 0;
    for (; *s; s++) {
        out[n++] = (uint8_t)*s;
        out[n++] = 0;
    }
    return n;
}

static void vfs_path_conversion(void **state)
{
    (void)state;
    uint8_t b[256];
    char out[256];
    size_t n = u16("dir\\sub\\file.txt", b);
    assert_int_equal(srv_vfs_path(b, n, out, sizeof out), SMB_OK);
    assert_string_equal(out, "dir/sub/file.txt");
    n = u16("\\\\lead\\\\double\\", b);
    assert_int_equal(srv_vfs_path(b, n, out, sizeof out), SMB_OK);
    assert_string_equal(out, "lead/double");
    assert_int_equal(srv_vfs_path(b, 0, out, sizeof out), SMB_OK);
    assert_string_equal(out, "");
    /* UTF-16 round trip: e-acute and a surrogate pair */
    static const uint8_t uni[] = {0xe9, 0x00, 0x3d, 0xd8, 0x00, 0xde};
    assert_int_equal(srv_vfs_path(uni, sizeof uni, out, sizeof out), SMB_OK);
    assert_string_equal(out, "\xc3\xa9\xf0\x9f\x98\x80");
    /* negative twins */
    static const char *bad[] = {"..\\etc\\passwd", "a\\..\\..\\b", ".", "a:stream", "a/b", "x*", "q?", "a|b"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        n = u16(bad[i], b);
        assert_int_equal(srv_vfs_path(b, n, out, sizeof out), SMB_E_OBJECT_NAME_INVALID);
    }
    static const uint8_t lone[] = {0x3d, 0xd8};
    assert_int_equal(srv_vfs_path(lone, sizeof lone, out, sizeof out), SMB_E_OBJECT_NAME_INVALID);
    assert_int_equal(srv_vfs_path(lone, 1, out, sizeof out), SMB_E_OBJECT_NAME_INVALID);
}

static void vfs_symlinks_cannot_escape(void **state)
{
    (void)state;
    char *d = mkdtemp_s();
    char share[512], p[600], q[600];
    snprintf(share, sizeof share, "%s/share", d);
    assert_int_equal(mkdir(share, 0755), 0);
    snprintf(p, sizeof p, "%s/secret", d);
    FILE *f = fopen(p, "w");
    fputs("outside", f);
    fclose(f);
    snprintf(q, sizeof q, "%s/inside", share);
    f = fopen(q, "w");
    fputs("inside", f);
    fclose(f);
    snprintf(q, sizeof q, "%s/up", share);
    assert_int_equal(symlink("../secret", q), 0);
    snprintf(q, sizeof q, "%s/abs", share);
    assert_int_equal(symlink(p, q), 0);
    snprintf(q, sizeof q, "%s/ok", share);
    assert_int_equal(symlink("inside", q), 0);
    snprintf(q, sizeof q, "%s/dirup", share);
    assert_int_equal(symlink("..", q), 0);

    struct srv_vfs v;
    int fd = -1;
    assert_int_equal(srv_vfs_open_root(&v, share, false), SMB_OK);
    assert_int_equal(srv_vfs_open(&v, "inside", O_RDONLY, 0, &fd), SMB_OK);
    close(fd);
    assert_int_equal(srv_vfs_open(&v, "ok", O_RDONLY, 0, &fd), SMB_OK);
    close(fd);
    assert_int_equal(srv_vfs_open(&v, "up", O_RDONLY, 0, &fd), SMB_E_ACCESS_DENIED);
    assert_int_equal(srv_vfs_open(&v, "abs", O_RDONLY, 0, &fd), SMB_E_ACCESS_DENIED);
    assert_int_equal(srv_vfs_open(&v, "dirup/secret", O_RDONLY, 0, &fd), SMB_E_ACCESS_DENIED);
    assert_int_equal(srv_vfs_open(&v, "../secret", O_RDONLY, 0, &fd), SMB_E_ACCESS_DENIED);
    assert_int_equal(srv_vfs_open(&v, p, O_RDONLY, 0, &fd), SMB_E_ACCESS_DENIED); /* absolute */
    struct stat st;
    assert_int_equal(srv_vfs_stat(&v, "up", &st), SMB_E_ACCESS_DENIED);
    /* creating through an escaping directory link is refused too */
    assert_int_equal(srv_vfs_mkdir(&v, "dirup/newdir", 0755), SMB_E_ACCESS_DENIED);
    assert_int_equal(srv_vfs_rename(&v, "inside", "dirup/stolen", false), SMB_E_ACCESS_DENIED);
    snprintf(q, sizeof q, "%s/newdir", d);
    assert_int_not_equal(access(q, F_OK), 0);
    /* rename within the share works, and refuses to replace without the flag */
    assert_int_equal(srv_vfs_rename(&v, "inside", "renamed", false), SMB_OK);
    assert_int_equal(srv_vfs_rename(&v, "renamed", "ok", false), SMB_E_OBJECT_NAME_COLLISION);
    srv_vfs_close(&v);

    /* read-only share */
    assert_int_equal(srv_vfs_open_root(&v, share, true), SMB_OK);
    assert_int_equal(srv_vfs_open(&v, "renamed", O_RDWR, 0, &fd), SMB_E_MEDIA_WRITE_PROTECTED);
    assert_int_equal(srv_vfs_open(&v, "renamed", O_RDONLY, 0, &fd), SMB_OK);
    close(fd);
    assert_int_equal(srv_vfs_mkdir(&v, "x", 0755), SMB_E_MEDIA_WRITE_PROTECTED);
    assert_int_equal(srv_vfs_remove(&v, "renamed", false), SMB_E_MEDIA_WRITE_PROTECTED);
    srv_vfs_close(&v);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    assert_int_equal(system(cmd), 0);
    free(d);
}

static void vfs_errno_mapping_and_match(void **state)
{
    (void)state;
    assert_int_equal(srv_errno_status(ENOSPC), SMB_E_DISK_FULL);
    assert_int_equal(srv_errno_status(EDQUOT), SMB_E_DISK_FULL);
    assert_int_equal(srv_errno_status(EROFS), SMB_E_MEDIA_WRITE_PROTECTED);
    assert_int_equal(srv_errno_status(ENOENT), SMB_E_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(srv_errno_status(ENOTEMPTY), SMB_E_DIRECTORY_NOT_EMPTY);
    assert_int_equal(srv_errno_status(EXDEV), SMB_E_ACCESS_DENIED);
    assert_true(srv_vfs_match("*", "anything"));
    assert_true(srv_vfs_match("*.TXT", "a.txt"));
    assert_true(srv_vfs_match("a?c", "abc"));
    assert_false(srv_vfs_match("a?c", "abbc"));
    assert_false(srv_vfs_match("*.txt", "a.bin"));
    assert_true(srv_vfs_match("exact", "EXACT"));
    struct timespec ts = {1700000000, 123456700}, back;
    srv_timespec(srv_filetime(&ts), &back);
    assert_int_equal(back.tv_sec, ts.tv_sec);
    assert_int_equal(back.tv_nsec, ts.tv_nsec);
}

/* ---------------- core: NEGOTIATE ---------------- */

static size_t build_negotiate(uint8_t *buf, size_t cap, uint16_t secmode, const uint16_t *dialects, int n)
{
    smb_wr w;
    wr_init(&w, buf, cap);
    struct smb2_hdr h = {0};
    h.command = SMB2_NEGOTIATE;
    h.credit = 10;
    smb2_hdr_encode(&w, &h);
    struct smb2_negotiate_req r;
    memset(&r, 0, sizeof r);
    r.dialect_count = (uint16_t)n;
    memcpy(r.dialects, dialects, n * sizeof *dialects);
    r.security_mode = secmode;
    r.capabilities = SMB2_GLOBAL_CAP_LARGE_MTU;
    r.client_guid[0] = 7;
    r.ctx.has_preauth = true;
    r.ctx.preauth.hash_alg_count = 1;
    r.ctx.preauth.hash_algs[0] = SMB2_PREAUTH_HASH_SHA512;
    r.ctx.preauth.salt_len = 32;
    r.ctx.has_signing = true;
    r.ctx.signing.alg_count = 2;
    r.ctx.signing.algs[0] = SMB2_SIGNING_AES_CMAC;
    r.ctx.signing.algs[1] = SMB2_SIGNING_AES_GMAC;
    r.ctx.has_encryption = true;
    r.ctx.encryption.cipher_count = 1;
    r.ctx.encryption.ciphers[0] = SMB2_CIPHER_AES_128_GCM;
    assert_int_equal(smb2_negotiate_req_encode(&w, 0, &r), SMB_OK);
    assert_true(wr_ok(&w));
    return wr_len(&w);
}

static struct srv_ctx *test_ctx(smb_sign_level level)
{
    struct srv_config cfg;
    char err[256];
    srv_config_init(&cfg);
    cfg.guest_ok = true;
    struct srv_ctx *ctx = malloc(sizeof *ctx);
    assert_non_null(ctx);
    assert_int_equal(srv_ctx_init(ctx, &cfg, level, err, sizeof err), SMB_OK);
    return ctx;
}

static void core_negotiate_311_securitymode_and_contexts(void **state)
{
    (void)state;
    static const smb_sign_level levels[] = {SMB_LEVEL_REQUIRED, SMB_LEVEL_ENABLED};
    static const uint16_t want_sm[] = {3, 1};
    for (int i = 0; i < 2; i++) {
        struct srv_ctx *ctx = test_ctx(levels[i]);
        struct srv_conn *c = srv_conn_new(ctx, "unit");
        uint8_t req[512];
        const uint16_t d[] = {0x0202, 0x0210, 0x0300, 0x0302, 0x0311};
        size_t n = build_negotiate(req, sizeof req, 1, d, 5);
        struct srv_buf out = {0};
        assert_int_equal(srv_conn_input(c, req, n, &out), SMB_OK);
        assert_true(out.len > 4 + 64);
        struct smb2_negotiate_rsp rsp;
        assert_int_equal(smb2_negotiate_rsp_parse(out.p + 4, out.len - 4, &rsp), SMB_OK);
        assert_int_equal(rsp.dialect, 0x0311);
        assert_int_equal(rsp.security_mode, want_sm[i]);
        assert_true(rsp.ctx.has_signing);
        assert_int_equal(rsp.ctx.signing.algs[0], SMB2_SIGNING_AES_GMAC); /* our preference */
        assert_true(rsp.ctx.has_encryption);
        assert_int_equal(rsp.ctx.encryption.ciphers[0], SMB2_CIPHER_NONE); /* honest: no cipher */
        /* a second NEGOTIATE on the same connection is a protocol error */
        struct srv_buf out2 = {0};
        uint8_t req2[512];
        size_t n2 = build_negotiate(req2, sizeof req2, 1, d, 5);
        put_le64(req2 + 24, 1); /* MessageId 1 */
        assert_int_not_equal(srv_conn_input(c, req2, n2, &out2), SMB_OK);
        srv_buf_free(&out2);
        srv_buf_free(&out);
        srv_conn_free(c);
        srv_ctx_free(ctx);
        free(ctx);
    }
}

static void core_rejects_truncated_and_out_of_window(void **state)
{
    (void)state;
    struct srv_ctx *ctx = test_ctx(SMB_LEVEL_REQUIRED);
    uint8_t req[512];
    const uint16_t d[] = {0x0210};
    size_t n = build_negotiate(req, sizeof req, 1, d, 1);
    for (size_t cut = 0; cut < 64; cut += 7) {
        struct srv_conn *c = srv_conn_new(ctx, "unit");
        struct srv_buf out = {0};
        assert_int_not_equal(srv_conn_input(c, req, cut, &out), SMB_OK);
        assert_int_equal(out.len, 0);
        srv_buf_free(&out);
        srv_conn_free(c);
    }
    /* MessageId outside the granted window: connection closed, no response */
    struct srv_conn *c = srv_conn_new(ctx, "unit");
    struct srv_buf out = {0};
    put_le64(req + 24, 5);
    assert_int_not_equal(srv_conn_input(c, req, n, &out), SMB_OK);
    assert_int_equal(out.len, 0);
    /* a request before NEGOTIATE is refused the same way */
    put_le64(req + 24, 0);
    put_le16(req + 12, SMB2_TREE_CONNECT);
    srv_conn_free(c);
    c = srv_conn_new(ctx, "unit");
    assert_int_not_equal(srv_conn_input(c, req, n, &out), SMB_OK);
    srv_buf_free(&out);
    srv_conn_free(c);
    srv_ctx_free(ctx);
    free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_parses_global_and_shares),
        cmocka_unit_test(config_rejects_unknown_key_with_line),
        cmocka_unit_test(config_rejects_bad_values),
        cmocka_unit_test(config_min_above_max_is_invalid),
        cmocka_unit_test(config_listen_parser),
        cmocka_unit_test(config_signing_precedence),
        cmocka_unit_test(userdb_parses_and_finds),
        cmocka_unit_test(userdb_rejects_malformed),
        cmocka_unit_test(userdb_nt_hash_known_answer),
        cmocka_unit_test(userdb_set_then_load_mode_0600),
        cmocka_unit_test(vfs_path_conversion),
        cmocka_unit_test(vfs_symlinks_cannot_escape),
        cmocka_unit_test(vfs_errno_mapping_and_match),
        cmocka_unit_test(core_negotiate_311_securitymode_and_contexts),
        cmocka_unit_test(core_rejects_truncated_and_out_of_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
