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
#include "scan/perm.h"
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
        assert_int_equal(r.relay_target, r.relay_via != 0);                                                  \
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
    /* SMB1-only servers close the connection on an SMB2 NEGOTIATE: judged from SMB1 */
    V(out2(SMB_SCAN_RESET, true), out1(SMB_SCAN_OK, 15), SMB_SCAN_OK, SMB_SCAN_VERDICT_REQUIRED, false);
    assert_int_equal(r.smb2_status, SMB_SCAN_NOT_SUPPORTED);
    V(out2(SMB_SCAN_RESET, true), out1(SMB_SCAN_OK, 7), SMB_SCAN_OK, SMB_SCAN_VERDICT_NOT_REQUIRED, true);
    /* ... but a timeout on SMB2 is not proof: unknown */
    V(out2(SMB_SCAN_TIMEOUT, true), out1(SMB_SCAN_OK, 15), SMB_SCAN_OK, SMB_SCAN_VERDICT_UNKNOWN, false);
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
             "\"disabled\",\"capabilities\":0},\"relay_target\":true,\"relay_via\":[\"smb2\",\"smb1\"],"
             "\"verdict\":\"not-required\","
             "\"smb2_status\":\"ok\",\"smb1_status\":\"ok\",\"error\":null}\n");
    free(buf);
    f = open_memstream(&buf, &len);
    smb_scan_result_write_csv(f, &r);
    fclose(f);
    assert_string_equal(buf, "192.0.2.1,445,ok,not-required,true,3.1.1,1,not-required,aes-gmac,aes-128-gcm,"
                             "03020100-0504-0706-0809-0a0b0c0d0e0f,3,disabled,ok,ok,\n");
    free(buf);
    /* nxc line and nmap XML shape */
    f = open_memstream(&buf, &len);
    smb_scan_result_write_nxc(f, &r);
    fclose(f);
    assert_non_null(strstr(buf, "SMB         192.0.2.1       445"));
    assert_non_null(strstr(buf, "[*] SMB 3.1.1 (signing:False) (SMBv1:True) (relay:smb2,smb1)"));
    free(buf);
    f = open_memstream(&buf, &len);
    smb_scan_result_write_xml(f, &r);
    fclose(f);
    assert_non_null(strstr(buf, "<address addr=\"192.0.2.1\" addrtype=\"ipv4\"/>"));
    assert_non_null(strstr(buf, "<script id=\"smb2-security-mode\""));
    assert_non_null(strstr(buf, "<table key=\"3.1.1\"><elem>Message signing enabled but not required</elem>"));
    assert_non_null(strstr(buf, "<elem key=\"message_signing\">disabled</elem>"));
    free(buf);
    /* a host that did not answer has no nxc line */
    r.status = SMB_SCAN_TIMEOUT;
    f = open_memstream(&buf, &len);
    smb_scan_result_write_nxc(f, &r);
    fclose(f);
    assert_int_equal(len, 0);
    free(buf);
}

/* verdict: which dialect makes a host relayable is reported */
static void verdict_relay_via(void **state)
{
    (void)state;
    struct smb_scan_result r;
    struct scan_probe_out a = out2(SMB_SCAN_OK, false), b = out1(SMB_SCAN_OK, 15);
    memset(&r, 0, sizeof r);
    scan_verdict(&r, &a, &b); /* 3.1.1 enabled-not-required, SMB1 required */
    assert_int_equal(r.relay_via, SMB_SCAN_PROBE_SMB2);
    a = out2(SMB_SCAN_OK, true);
    b = out1(SMB_SCAN_OK, 7);
    scan_verdict(&r, &a, &b);
    assert_int_equal(r.relay_via, SMB_SCAN_PROBE_SMB1);
    a = out2(SMB_SCAN_NOT_SUPPORTED, true); /* SMB1-only host: judged from SMB1 SecurityMode */
    b = out1(SMB_SCAN_OK, 3);
    scan_verdict(&r, &a, &b);
    assert_int_equal(r.relay_via, SMB_SCAN_PROBE_SMB1);
    assert_int_equal(r.verdict, SMB_SCAN_VERDICT_NOT_REQUIRED);
    b = out1(SMB_SCAN_OK, 15);
    scan_verdict(&r, &a, &b);
    assert_int_equal(r.relay_via, 0);
    assert_int_equal(r.verdict, SMB_SCAN_VERDICT_REQUIRED);
}

/* ---------------------------------------------------------- permutation */

/* Every position of [0, n) maps into [0, n) and no two to the same value. */
static void check_bijection(uint64_t n, uint64_t seed, bool identity)
{
    struct scan_perm p;
    scan_perm_init(&p, n, seed, identity);
    uint8_t *seen = calloc((size_t)(n / 8 + 1), 1);
    assert_non_null(seen);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t x = scan_perm_at(&p, i);
        assert_true(x < n);
        assert_false(seen[x / 8] & (1u << (x % 8)));
        seen[x / 8] |= (uint8_t)(1u << (x % 8));
    }
    free(seen);
}

static void perm_bijection_exhaustive(void **state)
{
    (void)state;
    for (uint64_t n = 1; n <= 600; n++)
        for (uint64_t seed = 0; seed < 4; seed++)
            check_bijection(n, seed * 0x9E3779B97F4A7C15ull + n, false);
    check_bijection(1000, 0, true);
    /* sizes at and around powers of two and of four (the Feistel domain) */
    static const uint64_t sizes[] = {1023, 1024, 1025, 4095, 4096, 4097, 65535, 65536, 65537, 1u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_bijection(sizes[i], 42 + i, false);
    /* a whole /8 with two ports, exhaustively (2^25 positions) */
    check_bijection((1ull << 25) + 3, 7, false);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Large index spaces (the library's cap: 2^24 addresses x 16 ports = 2^28):
 * a sample of positions gives distinct values in range. */
static void perm_bijection_sampled(void **state)
{
    (void)state;
    const uint64_t n = (1ull << 28) - 5;
    const size_t k = 200000;
    struct scan_perm p;
    scan_perm_init(&p, n, 12345, false);
    uint64_t *v = malloc(k * sizeof *v);
    assert_non_null(v);
    uint64_t pos = 99991, step = 1327; /* k distinct positions spread over [0, n) */
    for (size_t i = 0; i < k; i++) {
        v[i] = scan_perm_at(&p, (pos + i * step) % n);
        assert_true(v[i] < n);
    }
    qsort(v, k, sizeof *v, cmp_u64);
    for (size_t i = 1; i < k; i++)
        assert_true(v[i] != v[i - 1]);
    /* the order is spread: the sampled values are not clustered in one part */
    assert_true(v[0] < n / 100 && v[k - 1] > n - n / 100);
    free(v);
}

static void perm_seeds(void **state)
{
    (void)state;
    struct scan_perm a, b, c;
    scan_perm_init(&a, 5000, 1, false);
    scan_perm_init(&b, 5000, 1, false);
    scan_perm_init(&c, 5000, 2, false);
    unsigned same_ab = 0, same_ac = 0, fixed = 0;
    for (uint64_t i = 0; i < 5000; i++) {
        same_ab += scan_perm_at(&a, i) == scan_perm_at(&b, i);
        same_ac += scan_perm_at(&a, i) == scan_perm_at(&c, i);
        fixed += scan_perm_at(&a, i) == i;
    }
    assert_int_equal(same_ab, 5000); /* the same seed gives the same order on every host */
    assert_true(same_ac < 50);       /* another seed another order */
    assert_true(fixed < 50);         /* and it is not the input order */
}

/* Shards over real targets: every (address, port) not excluded is visited by
 * exactly one shard, and excluded ones by none. */
static void check_shards(const char *const *specs, const char *const *excl, const uint16_t *ports,
                         unsigned nports, unsigned k, uint64_t seed)
{
    char err[256];
    smb_scan_targets *t = smb_scan_targets_new(0);
    for (; *specs; specs++)
        assert_int_equal(smb_scan_targets_add(t, *specs, err, sizeof err), SMB_OK);
    for (; excl && *excl; excl++)
        assert_int_equal(smb_scan_targets_exclude(t, *excl, err, sizeof err), SMB_OK);
    struct scan_space sp;
    assert_int_equal(scan_space_init(&sp, t, ports, nports), 0);
    uint8_t *hits = calloc((size_t)sp.total, 1);
    assert_non_null(hits);
    struct scan_perm p;
    scan_perm_init(&p, sp.total, seed, false);
    uint64_t visited = 0, steps_sum = 0;
    for (unsigned s = 0; s < k; s++) {
        uint64_t steps = scan_shard_steps(sp.total, s, k);
        steps_sum += steps;
        for (uint64_t j = 0; j < steps; j++) {
            uint64_t idx = scan_perm_at(&p, s + j * k);
            const struct scan_range *r;
            scan_u128 a;
            uint16_t port;
            if (!scan_space_get(&sp, idx, &r, &a, &port))
                continue;
            assert_int_equal(hits[idx], 0); /* disjoint */
            hits[idx] = 1;
            visited++;
        }
    }
    assert_int_equal(steps_sum, sp.total);
    assert_int_equal(visited, scan_space_count(&sp)); /* complete */
    free(hits);
    scan_space_free(&sp);
    smb_scan_targets_free(t);
}

static void shards_disjoint_complete(void **state)
{
    (void)state;
    static const uint16_t ports2[] = {445, 139};
    static const char *const a[] = {"10.0.0.0/24", "10.0.1.5:8080", "[fd00::1]:4445", "fd00::/124", NULL};
    static const char *const ax[] = {"10.0.0.16/28", "fd00::3", NULL};
    for (unsigned k = 1; k <= 9; k++) {
        check_shards(a, NULL, ports2, 2, k, 1000 + k);
        check_shards(a, ax, ports2, 2, k, 77);
    }
    /* exhaustive over small sets: every size 1..64, every shard count 1..8 */
    static const uint16_t port1[] = {445};
    for (unsigned n = 1; n <= 64; n++) {
        char spec[64];
        snprintf(spec, sizeof spec, "10.9.0.1-%u", n);
        const char *const one[] = {spec, NULL};
        for (unsigned k = 1; k <= 8; k++)
            check_shards(one, NULL, port1, 1, k, n * 31 + k);
    }
    /* large: a /12 with 2 ports in 16 shards */
    static const char *const big[] = {"10.16.0.0/12", NULL};
    static const char *const bigx[] = {"10.16.0.0/16", "10.31.255.255", NULL};
    check_shards(big, bigx, ports2, 2, 16, 99);
}

/* HOST:PORT, [IPv6]:PORT and the built-in reserved-block exclusions */
static void targets_ports_and_reserved(void **state)
{
    (void)state;
    char err[256];
    static const uint16_t ports[] = {445, 139};
    smb_scan_targets *t = smb_scan_targets_new(0);
    assert_int_equal(smb_scan_targets_add(t, "127.0.0.1:4445", err, sizeof err), SMB_OK);
    assert_int_equal(smb_scan_targets_add(t, "[::1]:4446", err, sizeof err), SMB_OK);
    assert_int_equal(smb_scan_targets_add(t, "[::1]", err, sizeof err), SMB_OK);
    assert_int_equal(smb_scan_targets_add(t, "localhost:4447", err, sizeof err), SMB_OK);
    struct scan_space sp;
    assert_int_equal(scan_space_init(&sp, t, ports, 2), 0);
    assert_int_equal(sp.total, 1 + 1 + 2 + 1); /* a fixed port replaces the list */
    const struct scan_range *r;
    scan_u128 a;
    uint16_t port;
    assert_true(scan_space_get(&sp, 0, &r, &a, &port));
    assert_int_equal(port, 4445);
    assert_true(scan_space_get(&sp, 1, &r, &a, &port));
    assert_int_equal(port, 4446);
    assert_int_equal(r->family, AF_INET6);
    assert_true(scan_space_get(&sp, 3, &r, &a, &port));
    assert_int_equal(port, 139);
    assert_true(scan_space_get(&sp, 4, &r, &a, &port));
    assert_string_equal(r->name, "localhost");
    assert_int_equal(port, 4447);
    scan_space_free(&sp);
    static const char *bad[] = {"[::1",   "[::1]x", "[127.0.0.1]:445", "10.0.0.1:0", "10.0.0.1:70000",
                                ":445",   "10.0.0.1:", "10.0.0.1:4a5", "[::1]:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_not_equal(smb_scan_targets_add(t, bad[i], err, sizeof err), SMB_OK);
        assert_true(err[0] != '\0');
    }
    assert_int_not_equal(smb_scan_targets_exclude(t, "10.0.0.1:445", err, sizeof err), SMB_OK);
    assert_non_null(strstr(err, "no port"));
    smb_scan_targets_free(t);
    /* reserved blocks are skipped only inside a larger target block */
    assert_int_equal(count_of("169.254.0.0/15", NULL), 65536); /* link local half skipped */
    assert_int_equal(count_of("169.254.0.0/16", NULL), 65536); /* asked for on purpose */
    assert_int_equal(count_of("127.0.0.0/16", NULL), 65536);
    assert_int_equal(count_of("192.0.2.0/23", NULL), 256);
    assert_int_equal(count_of("192.0.2.0/23", "192.0.3.0/25"), 128);
    assert_int_equal(count_of("10.0.0.0/8", NULL), 1u << 24); /* private blocks are targets */
    assert_int_equal(count_of("172.16.0.0/12", NULL), 1u << 20);
    t = smb_scan_targets_new(0);
    assert_int_equal(smb_scan_targets_add(t, "169.254.0.0/15", err, sizeof err), SMB_OK);
    smb_scan_targets_default_excludes(t, false);
    assert_int_equal(smb_scan_targets_count(t), 131072);
    smb_scan_targets_default_excludes(t, true);
    assert_int_equal(smb_scan_targets_count(t), 65536);
    /* the arithmetic count agrees with walking the addresses */
    scan_iter it;
    uint64_t walked = 0;
    scan_iter_init(&it);
    while (scan_iter_next(t, &it, &r, &a))
        walked++;
    assert_int_equal(walked, 65536);
    smb_scan_targets_free(t);
}

/* ------------------------------------------------------------ checkpoint */

static SMB_WUR smb_status ckpt(const char *text, struct smb_scan_resume *r, char *err, size_t n)
{
    return smb_scan_resume_parse(text, strlen(text), "ck", r, err, n);
}

static void checkpoint_roundtrip(void **state)
{
    (void)state;
    uint64_t pend[] = {7, 3, 100, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
    struct smb_scan_resume w = {true, 18446744073709551615ull, 2, 4, 0x0123456789abcdefull, 5000, 200, pend,
                                sizeof pend / sizeof pend[0], 123456789, -1};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(smb_scan_resume_write(f, &w), 0);
    fclose(f);
    assert_non_null(strstr(buf, "shard 3/4\n"));
    struct smb_scan_resume r;
    char err[256];
    assert_int_equal(smb_scan_resume_parse(buf, len, "ck", &r, err, sizeof err), SMB_OK);
    assert_true(r.shuffle);
    assert_true(r.seed == w.seed);
    assert_int_equal(r.shard, 2);
    assert_int_equal(r.shards, 4);
    assert_true(r.digest == w.digest);
    assert_int_equal(r.steps, 5000);
    assert_int_equal(r.next, 200);
    assert_int_equal(r.npending, w.npending);
    assert_int_equal(r.pending[0], 3); /* sorted */
    assert_int_equal(r.pending[r.npending - 1], 100);
    assert_int_equal(r.output_bytes, 123456789);
    assert_int_equal(r.relay_bytes, -1); /* not written: no relay list */
    assert_null(strstr(buf, "relay "));
    smb_scan_resume_free(&r);
    free(buf);
}

static void checkpoint_corrupt(void **state)
{
    (void)state;
    static const char head[] = "smbsign-scan-checkpoint 1\norder shuffle\nseed 5\nshard 1/2\n"
                               "targets 0123456789abcdef\nsteps 10\n";
    static const struct {
        const char *tail, *want;
    } cases[] = {
        {"next 4\npending 1 2\nend\n", NULL}, /* the good one */
        {"next 4\npending 1 2\n", "ck:8: no 'end' line"},
        {"next 4\npending 1 2\nend", "ck:9: last line has no newline"},
        {"next 4\npending 1 4\nend\n", "pending step 4 is not below next"},
        {"next 4\npending 1 1\nend\n", "pending step 1 listed twice"},
        {"next 4\npending 1 x\nend\n", "ck:8: pending: expected a step number"},
        {"next 4\npending 1  2\nend\n", "ck:8: pending: expected a step number"},
        {"next 11\nend\n", "next 11 is past the 10 steps"},
        {"next 4\nnext 4\nend\n", "ck:8: 'next' given twice"},
        {"end\n", "'next' missing"},
        {"next 4\ncolour red\nend\n", "ck:8: unknown key 'colour'"},
        {"next 4\nend\nnext 5\n", "ck:9: text after 'end'"},
        {"next -4\nend\n", "ck:7: bad value for 'next'"},
        {"next 99999999999999999999\nend\n", "ck:7: bad value for 'next'"},
        {"next 4 \nend\n", "ck:7: bad value for 'next'"},
        {"next 4\noutput 10\nrelay 0\nend\n", NULL},
        {"next 4\noutput -1\nend\n", "ck:8: bad value for 'output'"},
        {"next 4\nrelay 1\nrelay 2\nend\n", "ck:9: 'relay' given twice"},
    };
    char text[512], err[256];
    struct smb_scan_resume r;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "%s%s", head, cases[i].tail);
        err[0] = '\0';
        smb_status st = ckpt(text, &r, err, sizeof err);
        if (!cases[i].want) {
            assert_int_equal(st, SMB_OK);
            smb_scan_resume_free(&r);
            continue;
        }
        if (st == SMB_OK || !strstr(err, cases[i].want))
            fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
        assert_null(r.pending);
    }
    static const struct {
        const char *text, *want;
    } whole[] = {
        {"", "ck:0: empty file"},
        {"hello\n", "ck:1: not an smbsign scan checkpoint"},
        {"smbsign-scan-checkpoint 2\n", "ck:1: not an smbsign scan checkpoint"},
        {"# c\nsmbsign-scan-checkpoint 1\nshard 0/4\n", "ck:3: bad value for 'shard'"},
        {"smbsign-scan-checkpoint 1\nshard 5/4\n", "ck:2: bad value for 'shard'"},
        {"smbsign-scan-checkpoint 1\ntargets 0123\n", "ck:2: bad value for 'targets'"},
        {"smbsign-scan-checkpoint 1\norder random\n", "ck:2: bad value for 'order'"},
        {"smbsign-scan-checkpoint 1\nseed\n", "ck:2: expected 'KEY VALUE'"},
    };
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
        err[0] = '\0';
        if (ckpt(whole[i].text, &r, err, sizeof err) == SMB_OK || !strstr(err, whole[i].want))
            fail_msg("whole %zu: got '%s', want '%s'", i, err, whole[i].want);
    }
    /* a NUL byte inside a line */
    static const char nul[] = "smbsign-scan-checkpoint 1\nseed 1\0\n";
    assert_int_not_equal(smb_scan_resume_parse(nul, sizeof nul - 1, "ck", &r, err, sizeof err), SMB_OK);
    assert_non_null(strstr(err, "ck:2: NUL byte"));
}

/* ------------------------------------------------------------ merge input */

static void record_parse(void **state)
{
    (void)state;
    struct smb_scan_record r;
    char err[256];
    const char *good = "{\"host\":\"10.0.0.5\",\"name\":null,\"port\":445,\"status\":\"ok\",\"smb2\":null,"
                       "\"smb1\":{\"security_mode\":3},\"relay_target\":true,\"verdict\":\"not-required\"}\n";
    assert_int_equal(smb_scan_record_parse(good, strlen(good), &r, err, sizeof err), SMB_OK);
    assert_string_equal(r.host, "10.0.0.5");
    assert_int_equal(r.port, 445);
    assert_true(r.relay_target && r.smb1 && r.has_addr);
    const char *unres = "{\"host\":\"nx.invalid\",\"name\":\"nx.invalid\",\"port\":445,\"status\":\"error\","
                        "\"relay_target\":false,\"verdict\":\"unknown\"}";
    assert_int_equal(smb_scan_record_parse(unres, strlen(unres), &r, err, sizeof err), SMB_OK);
    assert_false(r.has_addr);
    static const char *bad[] = {
        "not json",
        "[1,2]",
        "{\"host\":\"a\",\"port\":445,\"status\":\"ok\",\"relay_target\":true,\"verdict\":\"not-required\"} x",
        "{\"port\":445,\"status\":\"ok\",\"relay_target\":true,\"verdict\":\"not-required\"}",
        "{\"host\":\"a\",\"port\":0,\"status\":\"ok\",\"relay_target\":true,\"verdict\":\"not-required\"}",
        "{\"host\":\"a\",\"port\":445,\"status\":\"fine\",\"relay_target\":true,\"verdict\":\"not-required\"}",
        "{\"host\":\"a\",\"port\":445,\"status\":\"ok\",\"relay_target\":\"yes\",\"verdict\":\"not-required\"}",
        "{\"host\":\"a\",\"port\":445,\"status\":\"ok\",\"relay_target\":false,\"verdict\":\"not-required\"}",
        "{\"host\":\"a\",\"port\":445,\"status\":\"ok\",\"relay_target\":true,\"verdict\":\"maybe\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (smb_scan_record_parse(bad[i], strlen(bad[i]), &r, err, sizeof err) == SMB_OK || !err[0])
            fail_msg("bad record %zu accepted", i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(targets_forms),  cmocka_unit_test(targets_iterate),
        cmocka_unit_test(targets_reject), cmocka_unit_test(targets_file),
        cmocka_unit_test(verdict_rules),  cmocka_unit_test(templates_decode),
        cmocka_unit_test(probe_smb2_ok),  cmocka_unit_test(probe_smb2_bad),
        cmocka_unit_test(probe_smb1),     cmocka_unit_test(probe_port139),
        cmocka_unit_test(output_formats), cmocka_unit_test(verdict_relay_via),
        cmocka_unit_test(perm_bijection_exhaustive), cmocka_unit_test(perm_bijection_sampled),
        cmocka_unit_test(perm_seeds), cmocka_unit_test(shards_disjoint_complete),
        cmocka_unit_test(targets_ports_and_reserved), cmocka_unit_test(checkpoint_roundtrip),
        cmocka_unit_test(checkpoint_corrupt), cmocka_unit_test(record_parse),
    };
    return cmocka_run_group_tests(tests, setup_tpl, NULL);
}
