/* tests/unit/test_scan.c - scan/: target parsing and exclusion, verdict rules,
 * and the sans-I/O probe state machine driven with plain bytes. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "scan/probe.h"
#include "scan/targets.h"
#include "scan/verdict.h"
#include "smbsign/scan.h"
#include "wire/netbios.h"
#include "wire/smb1/negotiate.h"
#include "wire/smb2/header.h"
#include "wire/smb2/negotiate.h"

static uint64_t count_of(const char *spec, const char *excl)
{
    char err[256];
    smb_scan_targets *t = smb_scan_targets_new(0);
    assert_non_null(t);
    assert_int_equal(smb_scan_targets_add(t, spec, err, sizeof err), SMB_OK);
    if (excl)
        assert_int_equal(smb_scan_targets_exclude(t, excl, err, sizeof err), SMB_OK);
    uint64_t n = smb_scan_targets_count(t);
    smb_scan_targets_free(t);
    return n;
}

static void targets_forms(void **state)
{
    (void)state;
    assert_int_equal(count_of("192.0.2.7", NULL), 1);
    assert_int_equal(count_of("10.0.0.0/24", NULL), 256);
    assert_int_equal(count_of("10.0.0.77/30", NULL), 4); /* host bits are cleared */
    assert_int_equal(count_of("10.0.0.1-50", NULL), 50);
    assert_int_equal(count_of("10.0.0.250-10.0.1.4", NULL), 11);
    assert_int_equal(count_of("2001:db8::1", NULL), 1);
    assert_int_equal(count_of("fd00::/120", NULL), 256);
    assert_int_equal(count_of("10.0.0.0/8", NULL), 1u << 24);
    assert_int_equal(count_of("10.0.0.0/24", "10.0.0.0/25"), 128);
    assert_int_equal(count_of("10.0.0.0/24", "10.0.0.10-19"), 246);
    assert_int_equal(count_of("fd00::/120", "fd00::5"), 255);
}

static void targets_iterate(void **state)
{
    (void)state;
    char err[256];
    smb_scan_targets *t = smb_scan_targets_new(0);
    assert_int_equal(smb_scan_targets_add(t, "10.0.0.254-10.0.1.1", err, sizeof err), SMB_OK);
    assert_int_equal(smb_scan_targets_exclude(t, "10.0.0.255", err, sizeof err), SMB_OK);
    scan_iter it;
    const struct scan_range *r;
    scan_u128 a;
    uint8_t b[4];
    const char *want[] = {"\x0a\x00\x00\xfe", "\x0a\x00\x01\x00", "\x0a\x00\x01\x01"};
    scan_iter_init(&it);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(scan_iter_next(t, &it, &r, &a), 1);
        scan_u128_to_bytes(a, r->family, b);
        assert_memory_equal(b, want[i], 4);
    }
    assert_int_equal(scan_iter_next(t, &it, &r, &a), 0);
    smb_scan_targets_free(t);
}

static void targets_reject(void **state)
{
    (void)state;
    static const char *bad[] = {
        "10.0.0.300",  "10.0.0.1/33",       "10.0.0.0/7", "10.0.0.5-2",   "10.0.0.1-300", "1.2.3", "::g",
        "/24",         "fd00::/64",         "10.0.0.1/",  "10.0.0.1/abc", "bad name",     "-host", "",
        "host_with_$", "10.0.0.1-10.0.0.x",
    };
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        smb_scan_targets *t = smb_scan_targets_new(0);
        err[0] = '\0';
        assert_int_not_equal(smb_scan_targets_add(t, bad[i], err, sizeof err), SMB_OK);
        assert_true(err[0] != '\0');
        smb_scan_targets_free(t);
    }
    /* exclusions take no names */
    smb_scan_targets *t = smb_scan_targets_new(0);
    assert_int_not_equal(smb_scan_targets_exclude(t, "localhost", err, sizeof err), SMB_OK);
    /* the 2^24 address cap holds across specs */
    assert_int_equal(smb_scan_targets_add(t, "10.0.0.0/8", err, sizeof err), SMB_OK);
    assert_int_not_equal(smb_scan_targets_add(t, "192.0.2.1", err, sizeof err), SMB_OK);
    smb_scan_targets_free(t);
}

static void targets_file(void **state)
{
    (void)state;
    char path[] = "/tmp/smbsign-targets-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *txt = "# lab hosts\n192.0.2.1\n\n  10.0.0.0/30   # four\n10.1.0.1-2\n";
    assert_int_equal(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
    close(fd);
    char spec[64], err[256];
    snprintf(spec, sizeof spec, "@%s", path);
    assert_int_equal(count_of(spec, NULL), 7);
    /* a bad line names the file and line */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    txt = "192.0.2.1\n192.0.2.999\n";
    assert_int_equal(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
    close(fd);
    smb_scan_targets *t = smb_scan_targets_new(0);
    assert_int_not_equal(smb_scan_targets_add(t, spec, err, sizeof err), SMB_OK);
    assert_non_null(strstr(err, ":2:"));
    assert_int_not_equal(smb_scan_targets_add(t, "@/nonexistent/file", err, sizeof err), SMB_OK);
    smb_scan_targets_free(t);
    unlink(path);
}

/* ------------------------------------------------------------------ verdict */

static struct scan_probe_out out2(smb_scan_status st, bool required)
{
    struct scan_probe_out o;
    memset(&o, 0, sizeof o);
    o.status = st;
    snprintf(o.error, sizeof o.error, "%s", st == SMB_SCAN_OK ? "" : "why");
    if (st == SMB_SCAN_OK) {
        o.has_smb2 = true;
        o.smb2.dialect = 0x0311;
        o.smb2.security_mode = required ? 3 : 1;
        o.smb2.signing = required ? SMB_LEVEL_REQUIRED : SMB_LEVEL_ENABLED;
    }
    return o;
}

static struct scan_probe_out out1(smb_scan_status st, uint8_t secmode)
{
    struct scan_probe_out o;
    memset(&o, 0, sizeof o);
    o.status = st;
    snprintf(o.error, sizeof o.error, "%s", st == SMB_SCAN_OK ? "" : "why");
    if (st == SMB_SCAN_OK) {
        o.has_smb1 = true;
        o.smb1.security_mode = secmode;
        o.smb1.signing = secmode & 8   ? SMB_LEVEL_REQUIRED
                         : secmode & 4 ? SMB_LEVEL_ENABLED
                                       : SMB_LEVEL_DISABLED;
    }
    return o;
}

static void verdict_rules(void **state)
{
    (void)state;
    struct smb_scan_result r;
    struct scan_probe_out a, b;
#define V(A, B, STATUS, VERDICT, RELAY)                                                                      \
    do {                                                                                                     \
        a = A;                                                                                               \
        b = B;                                                                                               \
        memset(&r, 0, sizeof r);                                                                             \
        scan_verdict(&r, &a, &b);                                                                            \
        assert_int_equal(r.status, STATUS);                                                                  \
        assert_int_equal(r.verdict, VERDICT);                                                                \
        assert_int_equal(r.relay_target, RELAY);                                                             \
        if ((VERDICT) == SMB_SCAN_VERDICT_UNKNOWN)                                                           \
            assert_true(r.error[0] != '\0');                                                                 \
    } while (0)
    V(out2(SMB_SCAN_OK, true), out1(SMB_SCAN_NOT_SUPPORTED, 0), SMB_SCAN_OK, SMB_SCAN_VERDICT_REQUIRED,
      false);
    V(out2(SMB_SCAN_OK, true), out1(SMB_SCAN_OK, 15), SMB_SCAN_OK, SMB_SCAN_VERDICT_REQUIRED, false);
    V(out2(SMB_SCAN_OK, true), out1(SMB_SCAN_OK, 7), SMB_SCAN_OK, SMB_SCAN_VERDICT_NOT_REQUIRED, true);
    V(out2(SMB_SCAN_OK, true), out1(SMB_SCAN_OK, 3), SMB_SCAN_OK, SMB_SCAN_VERDICT_NOT_REQUIRED, true);
    V(out2(SMB_SCAN_OK, false), out1(SMB_SCAN_OK, 15), SMB_SCAN_OK, SMB_SCAN_VERDICT_NOT_REQUIRED, true);
    V(out2(SMB_SCAN_OK, false), out1(SMB_SCAN_TIMEOUT, 0), SMB_SCAN_OK, SMB_SCAN_VERDICT_NOT_REQUIRED, true);
    V(out2(SMB_SCAN_OK, true), out1(SMB_SCAN_SKIPPED, 0), SMB_SCAN_OK, SMB_SCAN_VERDICT_REQUIRED, false);
    /* SMB2 requires it but SMB1 could not be judged: unknown, never "required" */
    V(out2(SMB_SCAN_OK, true), out1(SMB_SCAN_TIMEOUT, 0), SMB_SCAN_OK, SMB_SCAN_VERDICT_UNKNOWN, false);
    V(out2(SMB_SCAN_OK, true), out1(SMB_SCAN_MALFORMED, 0), SMB_SCAN_OK, SMB_SCAN_VERDICT_UNKNOWN, false);
    V(out2(SMB_SCAN_RESET, true), out1(SMB_SCAN_OK, 15), SMB_SCAN_OK, SMB_SCAN_VERDICT_UNKNOWN, false);
    /* nothing answered: the host status is the SMB2 failure, verdict unknown */
    V(out2(SMB_SCAN_REFUSED, true), out1(SMB_SCAN_SKIPPED, 0), SMB_SCAN_REFUSED, SMB_SCAN_VERDICT_UNKNOWN,
      false);
    V(out2(SMB_SCAN_TIMEOUT, true), out1(SMB_SCAN_SKIPPED, 0), SMB_SCAN_TIMEOUT, SMB_SCAN_VERDICT_UNKNOWN,
      false);
    V(out2(SMB_SCAN_NOT_SMB, true), out1(SMB_SCAN_SKIPPED, 0), SMB_SCAN_NOT_SMB, SMB_SCAN_VERDICT_UNKNOWN,
      false);
    V(out2(SMB_SCAN_MALFORMED, true), out1(SMB_SCAN_NOT_SUPPORTED, 0), SMB_SCAN_MALFORMED,
      SMB_SCAN_VERDICT_UNKNOWN, false);
    V(out2(SMB_SCAN_NOT_SUPPORTED, true), out1(SMB_SCAN_NOT_SUPPORTED, 0), SMB_SCAN_ERROR,
      SMB_SCAN_VERDICT_UNKNOWN, false);
#undef V
}

/* ------------------------------------------------------------------ probes */

static struct scan_templates tpl;

static int setup_tpl(void **state)
{
    (void)state;
    uint8_t guid[16] = {1}, salt[32] = {2};
    return scan_templates_build(&tpl, guid, salt) == SMB_OK ? 0 : -1;
}

static void templates_decode(void **state)
{
    (void)state;
    /* our own requests pass our own decoders: 5 dialects, 3 contexts */
    struct smb2_negotiate_req q;
    assert_int_equal(((uint32_t)tpl.smb2[1] << 16) | ((uint32_t)tpl.smb2[2] << 8) | tpl.smb2[3],
                     tpl.smb2_len - 4);
    assert_int_equal(smb2_negotiate_req_parse(tpl.smb2 + 4, tpl.smb2_len - 4, &q), SMB_OK);
    assert_int_equal(q.dialect_count, 5);
    assert_true(q.ctx.has_preauth && q.ctx.has_encryption && q.ctx.has_signing);
    assert_int_equal(q.ctx.signing.alg_count, 3);
    assert_int_equal(q.ctx.encryption.cipher_count, 4);
    smb_rd r;
    rd_init(&r, tpl.smb1 + 4, tpl.smb1_len - 4);
    struct smb1_hdr h;
    struct smb1_negotiate_req q1;
    assert_int_equal(smb1_hdr_decode(&r, &h), SMB_OK);
    assert_int_equal(smb1_negotiate_req_decode(&r, &q1), SMB_OK);
    assert_int_equal(q1.dialect_count, 1);
    assert_string_equal(q1.dialects[0], "NT LM 0.12");
    assert_int_equal(tpl.nbreq[0], SMB_NB_SESSION_REQUEST);
}

static size_t smb2_answer(uint8_t *b, size_t cap, uint16_t dialect, uint16_t secmode, int sigalg)
{
    smb_wr w;
    wr_init(&w, b, cap);
    smb_nb_hdr_encode(&w, 0, 0);
    struct smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = SMB2_NEGOTIATE;
    h.flags = SMB2_FLAGS_SERVER_TO_REDIR;
    smb2_hdr_encode(&w, &h);
    struct smb2_negotiate_rsp s;
    memset(&s, 0, sizeof s);
    s.dialect = dialect;
    s.security_mode = secmode;
    s.capabilities = SMB2_GLOBAL_CAP_ENCRYPTION;
    s.ctx.has_preauth = true;
    s.ctx.preauth.hash_alg_count = 1;
    s.ctx.preauth.hash_algs[0] = 1;
    s.ctx.has_encryption = true;
    s.ctx.encryption.cipher_count = 1;
    s.ctx.encryption.ciphers[0] = SMB2_CIPHER_AES_256_GCM;
    if (sigalg >= 0) {
        s.ctx.has_signing = true;
        s.ctx.signing.alg_count = 1;
        s.ctx.signing.algs[0] = (uint16_t)sigalg;
    }
    assert_int_equal(smb2_negotiate_rsp_encode(&w, 4, &s), SMB_OK);
    smb_nb_hdr_patch_len(&w, 0, (uint32_t)(wr_len(&w) - 4));
    return wr_len(&w);
}

static void run_probe(struct scan_probe *p, enum scan_probe_kind k, bool nbt, const uint8_t *in, size_t n,
                      size_t chunk)
{
    scan_probe_init(p, k, nbt, &tpl);
    size_t tx;
    assert_non_null(scan_probe_tx(p, &tx));
    scan_probe_sent(p, tx);
    for (size_t i = 0; i < n && !scan_probe_done(p); i += chunk) {
        scan_probe_rx(p, in + i, n - i < chunk ? n - i : chunk);
        if (!scan_probe_done(p) && p->state == SCAN_PS_SEND_NEG) {
            assert_non_null(scan_probe_tx(p, &tx));
            scan_probe_sent(p, tx);
        }
    }
}

static void probe_smb2_ok(void **state)
{
    (void)state;
    uint8_t b[512];
    struct scan_probe p;
    size_t n = smb2_answer(b, sizeof b, 0x0311, 3, SMB2_SIGNING_AES_GMAC);
    for (size_t chunk = 1; chunk <= n; chunk = chunk * 3 + 1) { /* partial reads of every size */
        run_probe(&p, SCAN_PROBE_SMB2, false, b, n, chunk);
        assert_true(scan_probe_done(&p));
        assert_int_equal(p.out.status, SMB_SCAN_OK);
        assert_int_equal(p.out.smb2.dialect, 0x0311);
        assert_int_equal(p.out.smb2.security_mode, 3);
        assert_int_equal(p.out.smb2.signing, SMB_LEVEL_REQUIRED);
        assert_int_equal(p.out.smb2.signing_alg, SMB_ALG_AES_GMAC);
        assert_int_equal(p.out.smb2.cipher_count, 1);
        assert_int_equal(p.out.smb2.ciphers[0], SMB2_CIPHER_AES_256_GCM);
    }
    /* 3.1.1 without SIGNING_CAPABILITIES: AES-CMAC; 3.0.2: AES-CMAC + CCM; 2.1: HMAC-SHA256 */
    n = smb2_answer(b, sizeof b, 0x0311, 1, -1);
    run_probe(&p, SCAN_PROBE_SMB2, false, b, n, n);
    assert_int_equal(p.out.smb2.signing_alg, SMB_ALG_AES_CMAC);
    assert_int_equal(p.out.smb2.signing, SMB_LEVEL_ENABLED);
    n = smb2_answer(b, sizeof b, 0x0302, 1, -1);
    run_probe(&p, SCAN_PROBE_SMB2, false, b, n, n);
    assert_int_equal(p.out.smb2.signing_alg, SMB_ALG_AES_CMAC);
    assert_int_equal(p.out.smb2.ciphers[0], SMB2_CIPHER_AES_128_CCM);
    n = smb2_answer(b, sizeof b, 0x0210, 1, -1);
    run_probe(&p, SCAN_PROBE_SMB2, false, b, n, n);
    assert_int_equal(p.out.smb2.signing_alg, SMB_ALG_HMAC_SHA256);
    assert_int_equal(p.out.smb2.cipher_count, 0);
}

static void probe_smb2_bad(void **state)
{
    (void)state;
    uint8_t b[512];
    struct scan_probe p;
    /* HTTP: not SMB */
    const char *http = "HTTP/1.1 400 Bad Request\r\n\r\n";
    run_probe(&p, SCAN_PROBE_SMB2, false, (const uint8_t *)http, strlen(http), 3);
    assert_int_equal(p.out.status, SMB_SCAN_NOT_SMB);
    assert_non_null(strstr(p.out.error, "\"HTT"));
    /* NetBIOS framing around garbage: malformed */
    const uint8_t junk[] = {0, 0, 0, 8, 'g', 'a', 'r', 'b', 'a', 'g', 'e', '!'};
    run_probe(&p, SCAN_PROBE_SMB2, false, junk, sizeof junk, 5);
    assert_int_equal(p.out.status, SMB_SCAN_MALFORMED);
    /* truncated NEGOTIATE: closed mid-frame */
    size_t n = smb2_answer(b, sizeof b, 0x0311, 3, 2);
    run_probe(&p, SCAN_PROBE_SMB2, false, b, n - 10, 7);
    assert_false(scan_probe_done(&p));
    scan_probe_eof(&p, false);
    assert_int_equal(p.out.status, SMB_SCAN_MALFORMED);
    /* truncated inside the frame: NetBIOS length shortened */
    put_le32(b, 0);
    b[3] = 80;
    run_probe(&p, SCAN_PROBE_SMB2, false, b, 84, 84);
    assert_int_equal(p.out.status, SMB_SCAN_MALFORMED);
    /* oversized NetBIOS length */
    const uint8_t huge[] = {0, 0xff, 0xff, 0xff};
    run_probe(&p, SCAN_PROBE_SMB2, false, huge, sizeof huge, 4);
    assert_int_equal(p.out.status, SMB_SCAN_MALFORMED);
    /* a large announced frame trickled in: memory follows the bytes sent */
    uint8_t trickle[4 + 100];
    memset(trickle, 'x', sizeof trickle);
    memcpy(trickle, "\x00\x00\xea\x60", 4); /* 60000 bytes announced */
    run_probe(&p, SCAN_PROBE_SMB2, false, trickle, sizeof trickle, 7);
    assert_false(scan_probe_done(&p));
    assert_int_equal(p.fr.have, 100);
    assert_true(p.fr.cap <= SCAN_ANSWER_CHUNK);
    scan_probe_eof(&p, false);
    assert_int_equal(p.out.status, SMB_SCAN_MALFORMED);
    /* a dialect we did not offer */
    n = smb2_answer(b, sizeof b, 0x02FF, 1, -1);
    run_probe(&p, SCAN_PROBE_SMB2, false, b, n, n);
    assert_int_equal(p.out.status, SMB_SCAN_MALFORMED);
    /* closed before any answer */
    run_probe(&p, SCAN_PROBE_SMB2, false, b, 0, 1);
    scan_probe_eof(&p, true);
    assert_int_equal(p.out.status, SMB_SCAN_RESET);
    /* keepalive then the answer is fine */
    uint8_t ka[600];
    memcpy(ka, "\x85\x00\x00\x00", 4);
    n = smb2_answer(ka + 4, sizeof ka - 4, 0x0300, 1, -1);
    run_probe(&p, SCAN_PROBE_SMB2, false, ka, n + 4, 2);
    assert_int_equal(p.out.status, SMB_SCAN_OK);
    scan_probe_free(&p);
}

static void probe_smb1(void **state)
{
    (void)state;
    uint8_t b[256];
    struct scan_probe p;
    smb_wr w;
    wr_init(&w, b, sizeof b);
    smb_nb_hdr_encode(&w, 0, 0);
    struct smb1_hdr h;
    memset(&h, 0, sizeof h);
    h.command = SMB1_COM_NEGOTIATE;
    h.flags = SMB1_FLAGS_REPLY;
    smb1_hdr_encode(&w, &h);
    struct smb1_negotiate_rsp s;
    memset(&s, 0, sizeof s);
    s.word_count = 17;
    s.security_mode = 0x07;
    s.capabilities = SMB1_CAP_EXTENDED_SECURITY;
    assert_int_equal(smb1_negotiate_rsp_encode(&w, &s), SMB_OK);
    smb_nb_hdr_patch_len(&w, 0, (uint32_t)(wr_len(&w) - 4));
    size_t n = wr_len(&w);
    run_probe(&p, SCAN_PROBE_SMB1, false, b, n, 3);
    assert_int_equal(p.out.status, SMB_SCAN_OK);
    assert_int_equal(p.out.smb1.security_mode, 7);
    assert_int_equal(p.out.smb1.signing, SMB_LEVEL_ENABLED);
    /* DialectIndex 0xFFFF: no SMB1 */
    wr_init(&w, b, sizeof b);
    smb_nb_hdr_encode(&w, 0, 0);
    smb1_hdr_encode(&w, &h);
    struct smb1_negotiate_rsp none = {.word_count = 1, .dialect_index = 0xFFFF};
    assert_int_equal(smb1_negotiate_rsp_encode(&w, &none), SMB_OK);
    smb_nb_hdr_patch_len(&w, 0, (uint32_t)(wr_len(&w) - 4));
    run_probe(&p, SCAN_PROBE_SMB1, false, b, wr_len(&w), wr_len(&w));
    assert_int_equal(p.out.status, SMB_SCAN_NOT_SUPPORTED);
    /* the connection dropped on NT LM 0.12: no SMB1 */
    run_probe(&p, SCAN_PROBE_SMB1, false, b, 0, 1);
    scan_probe_eof(&p, false);
    assert_int_equal(p.out.status, SMB_SCAN_NOT_SUPPORTED);
    /* an SMB2 answer: no SMB1 */
    uint8_t b2[512];
    n = smb2_answer(b2, sizeof b2, 0x02FF, 1, -1);
    run_probe(&p, SCAN_PROBE_SMB1, false, b2, n, n);
    assert_int_equal(p.out.status, SMB_SCAN_NOT_SUPPORTED);
}

static void probe_port139(void **state)
{
    (void)state;
    uint8_t b[600];
    struct scan_probe p;
    memcpy(b, "\x82\x00\x00\x00", 4);
    size_t n = smb2_answer(b + 4, sizeof b - 4, 0x0311, 1, 1);
    run_probe(&p, SCAN_PROBE_SMB2, true, b, n + 4, 4);
    assert_int_equal(p.out.status, SMB_SCAN_OK);
    assert_int_equal(p.out.smb2.signing_alg, SMB_ALG_AES_CMAC);
    /* negative session response */
    run_probe(&p, SCAN_PROBE_SMB2, true, (const uint8_t *)"\x83\x00\x00\x01\x82", 5, 5);
    assert_int_equal(p.out.status, SMB_SCAN_ERROR);
    assert_non_null(strstr(p.out.error, "called name not present"));
    /* a session message where the session response belongs: not SMB-over-NetBIOS */
    run_probe(&p, SCAN_PROBE_SMB2, true, b + 4, 8, 8);
    assert_int_equal(p.out.status, SMB_SCAN_NOT_SMB);
}

static void output_formats(void **state)
{
    (void)state;
    struct smb_scan_result r;
    memset(&r, 0, sizeof r);
    struct scan_probe_out a = out2(SMB_SCAN_OK, false), b = out1(SMB_SCAN_OK, 3);
    a.smb2.signing_alg = SMB_ALG_AES_GMAC;
    a.smb2.cipher_count = 1;
    a.smb2.ciphers[0] = SMB2_CIPHER_AES_128_GCM;
    for (int i = 0; i < 16; i++)
        a.smb2.server_guid[i] = (uint8_t)i;
    scan_verdict(&r, &a, &b);
    snprintf(r.addr, sizeof r.addr, "192.0.2.1");
    r.port = 445;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    smb_scan_result_write_json(f, &r);
    fclose(f);
    assert_string_equal(
        buf, "{\"host\":\"192.0.2.1\",\"name\":null,\"port\":445,\"status\":\"ok\",\"smb2\":{\"dialect\":"
             "\"3.1.1\",\"security_mode\":1,\"signing\":\"not-required\",\"signing_algorithm\":"
             "\"aes-gmac\",\"encryption_ciphers\":[\"aes-128-gcm\"],\"server_guid\":\"03020100-0504-"
             "0706-0809-0a0b0c0d0e0f\",\"capabilities\":0},\"smb1\":{\"security_mode\":3,\"signing\":"
             "\"disabled\",\"capabilities\":0},\"relay_target\":true,\"verdict\":\"not-required\","
             "\"smb2_status\":\"ok\",\"smb1_status\":\"ok\",\"error\":null}\n");
    free(buf);
    f = open_memstream(&buf, &len);
    smb_scan_result_write_csv(f, &r);
    fclose(f);
    assert_string_equal(buf, "192.0.2.1,445,ok,not-required,true,3.1.1,1,not-required,aes-gmac,aes-128-gcm,"
                             "03020100-0504-0706-0809-0a0b0c0d0e0f,3,disabled,ok,ok,\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(targets_forms),  cmocka_unit_test(targets_iterate),
        cmocka_unit_test(targets_reject), cmocka_unit_test(targets_file),
        cmocka_unit_test(verdict_rules),  cmocka_unit_test(templates_decode),
        cmocka_unit_test(probe_smb2_ok),  cmocka_unit_test(probe_smb2_bad),
        cmocka_unit_test(probe_smb1),     cmocka_unit_test(probe_port139),
        cmocka_unit_test(output_formats),
    };
    return cmocka_run_group_tests(tests, setup_tpl, NULL);
}
