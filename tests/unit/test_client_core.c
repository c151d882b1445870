/*
 * tests/unit/test_client_core.c - the sans-I/O client core (session/client.c)
 * driven by canned exchanges with a fake server built from the same
 * library's server-side pieces (NTLMSSP challenge + verification, SPNEGO
 * responses, signing). Positive runs for 2.1 (HMAC-SHA256) and 3.1.1
 * (AES-GMAC, preauth hash); every acceptance has its negative twin: an
 * unsigned, re-signed-with-a-flipped-byte, SessionId-zeroed, unknown-MessageId
 * response, a guest final response while signing is required, an unsigned
 * final SESSION_SETUP response, a bad server mechListMIC; a forged response
 * granting many credits changes no credit count (verify first, then account).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/ntlmssp.h"
#include "auth/spnego.h"
#include "base/buf.h"
#include "base/utf16.h"
#include "session/client.h"
#include "smbsign/crypt.h"
#include "smbsign/sign.h"
#include "wire/smb2/create.h"
#include "wire/smb2/echo.h"
#include "wire/smb2/oplock_break.h"
#include "wire/smb2/header.h"
#include "wire/smb2/negotiate.h"
#include "wire/smb2/read.h"
#include "wire/smb2/session_setup.h"

enum tamper {
    T_NONE,
    T_UNSIGNED,
    T_FLIP,
    T_ZERO_SESSION,
    T_BAD_MID,
    T_GUEST,
    T_FINAL_UNSIGNED,
    T_BAD_MECHMIC,
    T_FINAL_FLIP
};

struct fake {
    uint16_t dialect;
    uint16_t secmode;
    struct smb_cli *c;
    smb_preauth pre;
    uint8_t neg[512], chal[1024], auth[4096];
    size_t nl, cl, al;
    uint8_t key[16];
    uint8_t mech_list[64];
    size_t mech_list_len;
    smb_sign_ctx *sign;
    uint64_t sid;
    uint16_t grant;          /* CreditResponse of the final SESSION_SETUP / ECHO response (0: 64) */
    uint32_t credits_before; /* the core's credits just before the final SESSION_SETUP response */
    uint32_t caps;           /* more server capabilities (SMB2_GLOBAL_CAP_LEASING) */
    bool no_leases;          /* smb_cli_config.no_leases */
};

/* Set CreditResponse (MS-SMB2 2.2.1.2, offset 14) of a built response, before signing. */
static void set_grant(const struct fake *f, uint8_t *rsp)
{
    if (f->grant)
        put_le16(rsp + 14, f->grant);
}

/* Take one NetBIOS frame from the core's output. */
static size_t take_out(struct smb_cli *c, uint8_t *msg, size_t cap)
{
    size_t n = smb_cli_out_len(c);
    assert_true(n >= 4);
    const uint8_t *p = smb_cli_out_ptr(c);
    size_t len = ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
    assert_true(len + 4 <= n && len <= cap);
    memcpy(msg, p + 4, len);
    smb_cli_out_consume(c, 4 + len);
    return len;
}

static void put_frame(struct smb_cli *c, const uint8_t *msg, size_t len)
{
    uint8_t *p;
    size_t room;
    assert_int_equal(smb_cli_in_buf(c, &p, &room), SMB_OK);
    assert_true(room >= len + 4);
    p[0] = 0;
    p[1] = (uint8_t)(len >> 16);
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    memcpy(p + 4, msg, len);
    smb_cli_in_commit(c, len + 4);
}

static SMB_WUR smb_status feed(struct smb_cli *c, const uint8_t *msg, size_t len, size_t *nev)
{
    put_frame(c, msg, len);
    return smb_cli_poll(c, nev);
}

static void rsp_hdr(smb_wr *w, uint16_t cmd, uint32_t status, uint64_t mid, uint64_t sid, uint32_t flags)
{
    struct smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = cmd;
    h.status = status;
    h.credit = 64;
    h.credit_charge = 1;
    h.flags = SMB2_FLAGS_SERVER_TO_REDIR | flags;
    h.message_id = mid;
    h.session_id = sid;
    smb2_hdr_encode(w, &h);
}

#define FAKE_INIT(f, d, m) ((f).dialect = (d), (f).secmode = (m))

static uint64_t mid_of(const uint8_t *msg) { return le64(msg + 24); }

static void setup_core(struct fake *f, smb_sign_level level)
{
    struct smb_cli_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.signing = level;
    cfg.user = "alice";
    cfg.domain = "";
    cfg.password = "secret";
    cfg.no_leases = f->no_leases;
    assert_int_equal(smb_cli_new(&f->c, &cfg), SMB_OK);
    assert_int_equal(smb_cli_start(f->c), SMB_OK);
}

/* Run NEGOTIATE and the two SESSION_SETUP legs; returns the core's status
 * after the final response (tamper applies to the final response). */
static SMB_WUR smb_status handshake(struct fake *f, enum tamper t)
{
    uint8_t req[8192], rsp[8192];
    size_t n, nev;
    smb_wr w;
    /* NEGOTIATE request: dialects, contexts with GMAC preferred */
    n = take_out(f->c, req, sizeof req);
    struct smb2_negotiate_req nq;
    assert_int_equal(smb2_negotiate_req_parse(req, n, &nq), SMB_OK);
    assert_int_equal(nq.dialect_count, 5);
    assert_true(nq.ctx.has_signing);
    assert_int_equal(nq.ctx.signing.algs[0], SMB2_SIGNING_AES_GMAC);
    smb_preauth_init(&f->pre);
    smb_preauth_update(&f->pre, req, n);

    struct smb2_negotiate_rsp nr;
    memset(&nr, 0, sizeof nr);
    nr.security_mode = f->secmode;
    nr.dialect = f->dialect;
    nr.capabilities = SMB2_GLOBAL_CAP_LARGE_MTU | f->caps;
    nr.max_read_size = nr.max_write_size = nr.max_transact_size = 8u << 20;
    if (f->dialect == 0x0311) {
        nr.ctx.has_preauth = true;
        nr.ctx.preauth.hash_alg_count = 1;
        nr.ctx.preauth.hash_algs[0] = SMB2_PREAUTH_HASH_SHA512;
        nr.ctx.preauth.salt_len = 32;
        nr.ctx.has_signing = true;
        nr.ctx.signing.alg_count = 1;
        nr.ctx.signing.algs[0] = SMB2_SIGNING_AES_GMAC;
        nr.ctx.has_encryption = true;
        nr.ctx.encryption.cipher_count = 1;
        nr.ctx.encryption.ciphers[0] = SMB2_CIPHER_AES_128_GCM;
    }
    wr_init(&w, rsp, sizeof rsp);
    rsp_hdr(&w, SMB2_NEGOTIATE, 0, mid_of(req), 0, 0);
    assert_int_equal(smb2_negotiate_rsp_encode(&w, 0, &nr), SMB_OK);
    smb_preauth_update(&f->pre, rsp, wr_len(&w));
    smb_status st = feed(f->c, rsp, wr_len(&w), &nev);
    if (st != SMB_OK)
        return st;

    /* SESSION_SETUP 1: NegTokenInit(NTLMSSP NEGOTIATE) */
    n = take_out(f->c, req, sizeof req);
    smb_preauth_update(&f->pre, req, n);
    struct smb2_session_setup_req sq;
    smb_rd rd;
    rd_init(&rd, req, n);
    rd_seek(&rd, 64);
    assert_int_equal(smb2_session_setup_req_decode(&rd, &sq), SMB_OK);
    struct spnego_init si;
    assert_int_equal(spnego_init_decode(sq.security.p, sq.security.len, &si), SMB_OK);
    assert_true(spnego_is_ntlmssp(si.mechs[0]));
    memcpy(f->neg, si.mech_token.p, si.mech_token.len);
    f->nl = si.mech_token.len;
    memcpy(f->mech_list, si.mech_list.p, si.mech_list.len);
    f->mech_list_len = si.mech_list.len;

    /* CHALLENGE with a timestamp, so the client sends a MIC */
    uint8_t ti[128], nm[32];
    size_t tl = 0, nml = 0;
    assert_int_equal(smb_utf8_to_utf16le("SRV", 3, nm, sizeof nm, &nml), SMB_OK);
    assert_int_equal(smb_ntlm_av_put(ti, sizeof ti, &tl, MsvAvNbComputerName, nm, nml), SMB_OK);
    uint8_t ts[8];
    put_le64(ts, smb_ntlm_filetime_now());
    assert_int_equal(smb_ntlm_av_put(ti, sizeof ti, &tl, MsvAvTimestamp, ts, 8), SMB_OK);
    assert_int_equal(smb_ntlm_av_put(ti, sizeof ti, &tl, MsvAvEOL, NULL, 0), SMB_OK);
    struct ntlm_challenge ch;
    memset(&ch, 0, sizeof ch);
    ch.flags = 0xe28a8215u;
    memcpy(ch.server_challenge, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    ch.target_name = (struct ntlm_buf){nm, nml};
    ch.target_info = (struct ntlm_buf){ti, tl};
    assert_int_equal(smb_ntlm_challenge_encode(&ch, f->chal, sizeof f->chal, &f->cl), SMB_OK);
    uint8_t tok[2048];
    size_t tokl;
    assert_int_equal(spnego_resp_encode(SPNEGO_ACCEPT_INCOMPLETE, true, f->chal, f->cl, NULL, 0, tok, sizeof tok, &tokl),
                     SMB_OK);
    f->sid = 0x1122334455667788ull;
    wr_init(&w, rsp, sizeof rsp);
    rsp_hdr(&w, SMB2_SESSION_SETUP, 0xC0000016u, mid_of(req), f->sid, 0);
    struct smb2_session_setup_resp sr = {0, {tok, tokl}};
    smb2_session_setup_resp_encode(&w, &sr);
    smb_preauth_update(&f->pre, rsp, wr_len(&w));
    if ((st = feed(f->c, rsp, wr_len(&w), &nev)) != SMB_OK)
        return st;

    /* SESSION_SETUP 2: AUTHENTICATE + mechListMIC */
    n = take_out(f->c, req, sizeof req);
    assert_int_equal(le64(req + 40), f->sid);
    smb_preauth_update(&f->pre, req, n);
    rd_init(&rd, req, n);
    rd_seek(&rd, 64);
    assert_int_equal(smb2_session_setup_req_decode(&rd, &sq), SMB_OK);
    struct spnego_resp cr;
    assert_int_equal(spnego_resp_decode(sq.security.p, sq.security.len, &cr), SMB_OK);
    memcpy(f->auth, cr.response_token.p, cr.response_token.len);
    f->al = cr.response_token.len;
    uint8_t nt[16];
    struct ntlm_verify_result vr;
    assert_int_equal(smb_ntlm_nt_hash("secret", nt), SMB_OK);
    assert_int_equal(smb_ntlm_server_verify(f->neg, f->nl, f->chal, f->cl, f->auth, f->al, nt, &vr), SMB_OK);
    assert_true(vr.mic_present);
    memcpy(f->key, vr.session_key, 16);
    /* the client's mechListMIC */
    assert_int_equal(cr.mech_list_mic.len, 16);
    assert_int_equal(smb_ntlm_mac_verify(f->key, vr.flags, true, 0, f->mech_list, f->mech_list_len,
                                         cr.mech_list_mic.p),
                     1);
    uint8_t smic[16];
    smb_ntlm_mac(f->key, vr.flags, false, 0, f->mech_list, f->mech_list_len, smic);
    if (t == T_BAD_MECHMIC)
        smic[5] ^= 1;
    assert_int_equal(spnego_resp_encode(SPNEGO_ACCEPT_COMPLETED, false, NULL, 0, smic, 16, tok, sizeof tok, &tokl),
                     SMB_OK);
    smb_dialect d = (smb_dialect)f->dialect;
    smb_sign_alg alg = d == SMB_DIALECT_311 ? SMB_ALG_AES_GMAC : smb_sign_default_alg(d);
    assert_int_equal(smb_sign_ctx_new_session(&f->sign, d, alg, f->key, 16, d == SMB_DIALECT_311 ? f->pre.hash : NULL),
                     SMB_OK);
    wr_init(&w, rsp, sizeof rsp);
    rsp_hdr(&w, SMB2_SESSION_SETUP, 0, mid_of(req), f->sid, 0);
    struct smb2_session_setup_resp fr = {t == T_GUEST ? SMB2_SESSION_FLAG_IS_GUEST : 0, {tok, tokl}};
    smb2_session_setup_resp_encode(&w, &fr);
    set_grant(f, rsp);
    if (t != T_FINAL_UNSIGNED)
        assert_int_equal(smb2_sign(f->sign, rsp, wr_len(&w)), SMB_OK);
    if (t == T_FINAL_FLIP)
        rsp[wr_len(&w) - 1] ^= 0x01;
    f->credits_before = smb_cli_credits(f->c);
    return feed(f->c, rsp, wr_len(&w), &nev);
}

/* One ECHO round trip after the handshake. */
static SMB_WUR smb_status echo(struct fake *f, enum tamper t, size_t *nev)
{
    struct smb_cli_req rq;
    uint8_t req[256], rsp[256];
    uint64_t mid;
    assert_int_equal(smb_cli_req_start(f->c, &rq, SMB2_ECHO, 0, 4, 0), SMB_OK);
    smb2_echo_encode(&rq.w);
    assert_int_equal(smb_cli_req_finish(f->c, &rq, 42, &mid), SMB_OK);
    size_t n = take_out(f->c, req, sizeof req);
    smb_verify_result vr;
    assert_int_equal(smb2_verify(f->sign, req, n, true, &vr, NULL, NULL), SMB_OK);
    assert_int_equal(vr, SMB_VERIFY_VALID); /* the request is signed */
    smb_wr w;
    wr_init(&w, rsp, sizeof rsp);
    rsp_hdr(&w, SMB2_ECHO, 0, t == T_BAD_MID ? mid + 100 : mid, t == T_ZERO_SESSION ? 0 : f->sid, 0);
    smb2_echo_encode(&w);
    size_t len = wr_len(&w);
    set_grant(f, rsp);
    if (t != T_UNSIGNED && t != T_ZERO_SESSION)
        assert_int_equal(smb2_sign(f->sign, rsp, len), SMB_OK);
    if (t == T_FLIP)
        rsp[len - 1] ^= 0x01;
    return feed(f->c, rsp, len, nev);
}

static void done(struct fake *f)
{
    smb_cli_free(f->c);
    smb_sign_ctx_free(f->sign);
}

static void run_ok(uint16_t dialect, smb_sign_level lvl, uint16_t secmode, bool want_sign)
{
    struct fake f = {.dialect = 0};
    FAKE_INIT(f, dialect, secmode);
    size_t nev;
    setup_core(&f, lvl);
    assert_int_equal(handshake(&f, T_NONE), SMB_OK);
    assert_int_equal(smb_cli_state(f.c), SMB_CLI_READY);
    struct smb_cli_info info;
    smb_cli_info(f.c, &info);
    assert_int_equal(info.dialect, dialect);
    assert_int_equal(info.signing, want_sign);
    assert_int_equal(info.session_id, f.sid);
    if (want_sign) {
        assert_int_equal(echo(&f, T_NONE, &nev), SMB_OK);
        assert_int_equal(nev, 1);
        assert_int_equal(smb_cli_ev(f.c, 0)->tag, 42);
        assert_int_equal(smb_cli_ev(f.c, 0)->status, SMB_OK);
    }
    done(&f);
}

static void core_21_signing(void **s)
{
    (void)s;
    run_ok(0x0210, SMB_LEVEL_ENABLED, SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED, true);
}
static void core_311_signing(void **s)
{
    (void)s;
    run_ok(0x0311, SMB_LEVEL_REQUIRED, SMB2_NEGOTIATE_SIGNING_ENABLED, true);
}
static void core_311_not_signing(void **s)
{
    (void)s;
    run_ok(0x0311, SMB_LEVEL_ENABLED, SMB2_NEGOTIATE_SIGNING_ENABLED, false);
}

static void echo_negative(uint16_t dialect, enum tamper t, smb_status want)
{
    struct fake f = {.dialect = 0};
    FAKE_INIT(f, dialect, SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED);
    size_t nev;
    setup_core(&f, SMB_LEVEL_REQUIRED);
    assert_int_equal(handshake(&f, T_NONE), SMB_OK);
    assert_int_equal(echo(&f, t, &nev), want);
    assert_int_equal(smb_cli_state(f.c), SMB_CLI_FAILED);
    /* sticky: nothing more is accepted */
    struct smb_cli_req rq;
    assert_int_equal(smb_cli_req_start(f.c, &rq, SMB2_ECHO, 0, 4, 0), want);
    done(&f);
}

static void core_unsigned_response(void **s)
{
    (void)s;
    echo_negative(0x0210, T_UNSIGNED, SMB_E_ACCESS_DENIED);
    echo_negative(0x0311, T_UNSIGNED, SMB_E_ACCESS_DENIED);
}
static void core_flipped_response(void **s)
{
    (void)s;
    echo_negative(0x0210, T_FLIP, SMB_E_INVALID_SIGNATURE);
    echo_negative(0x0311, T_FLIP, SMB_E_INVALID_SIGNATURE);
}
static void core_zeroed_session(void **s)
{
    (void)s;
    echo_negative(0x0311, T_ZERO_SESSION, SMB_E_ACCESS_DENIED);
}
static void core_unknown_mid(void **s)
{
    (void)s;
    echo_negative(0x0210, T_BAD_MID, SMB_E_INVALID_NETWORK_RESPONSE);
}

static void final_negative(uint16_t dialect, enum tamper t, smb_status want)
{
    struct fake f = {.dialect = 0};
    FAKE_INIT(f, dialect, SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED);
    setup_core(&f, SMB_LEVEL_ENABLED);
    assert_int_equal(handshake(&f, t), want);
    assert_int_equal(smb_cli_state(f.c), SMB_CLI_FAILED);
    done(&f);
}

static void core_guest_refused(void **s)
{
    (void)s;
    final_negative(0x0311, T_GUEST, SMB_E_ACCESS_DENIED);
    final_negative(0x0210, T_GUEST, SMB_E_ACCESS_DENIED);
}
static void core_final_unsigned(void **s)
{
    (void)s;
    final_negative(0x0311, T_FINAL_UNSIGNED, SMB_E_ACCESS_DENIED);
    final_negative(0x0210, T_FINAL_UNSIGNED, SMB_E_ACCESS_DENIED);
}
static void core_bad_mechlistmic(void **s)
{
    (void)s;
    final_negative(0x0311, T_BAD_MECHMIC, SMB_E_ACCESS_DENIED);
}

/* Verify first, then account: a response that fails verification and grants
 * 8000 credits leaves the credit count where it was; the validly signed twin
 * adds them. */
static void echo_grant(uint16_t dialect, enum tamper t, smb_status want)
{
    struct fake f = {.dialect = 0};
    FAKE_INIT(f, dialect, SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED);
    size_t nev;
    setup_core(&f, SMB_LEVEL_REQUIRED);
    assert_int_equal(handshake(&f, T_NONE), SMB_OK);
    uint32_t before = smb_cli_credits(f.c);
    assert_true(before > 1 && before < 1000);
    f.grant = 8000;
    assert_int_equal(echo(&f, t, &nev), want);
    uint32_t expect = before - 1; /* the ECHO's own charge */
    if (want == SMB_OK) {
        expect += 8000;
        if (expect > SMB_CLI_MAX_CREDITS)
            expect = SMB_CLI_MAX_CREDITS;
        assert_int_equal(nev, 1);
        assert_int_equal(smb_cli_in_flight(f.c), 0);
    } else {
        assert_int_equal(smb_cli_state(f.c), SMB_CLI_FAILED);
        assert_int_equal(smb_cli_in_flight(f.c), 1); /* the forged response completed nothing */
    }
    assert_int_equal(smb_cli_credits(f.c), expect);
    done(&f);
}

static void core_forged_grant_ignored(void **s)
{
    (void)s;
    echo_grant(0x0210, T_FLIP, SMB_E_INVALID_SIGNATURE);
    echo_grant(0x0311, T_FLIP, SMB_E_INVALID_SIGNATURE);
    echo_grant(0x0311, T_UNSIGNED, SMB_E_ACCESS_DENIED);
}
static void core_signed_grant_counted(void **s)
{
    (void)s;
    echo_grant(0x0210, T_NONE, SMB_OK);
    echo_grant(0x0311, T_NONE, SMB_OK);
}

/* The same for the final SESSION_SETUP response, verified with the new key. */
static void final_grant(uint16_t dialect, enum tamper t, smb_status want)
{
    struct fake f = {.dialect = 0};
    FAKE_INIT(f, dialect, SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED);
    setup_core(&f, SMB_LEVEL_REQUIRED);
    f.grant = 8000;
    assert_int_equal(handshake(&f, t), want);
    assert_true(f.credits_before < 1000);
    assert_int_equal(smb_cli_credits(f.c), want == SMB_OK ? f.credits_before + 8000 : f.credits_before);
    done(&f);
}

static void core_final_forged_grant_ignored(void **s)
{
    (void)s;
    final_grant(0x0311, T_FINAL_FLIP, SMB_E_INVALID_SIGNATURE);
    final_grant(0x0210, T_FINAL_FLIP, SMB_E_INVALID_SIGNATURE);
    final_grant(0x0210, T_FINAL_UNSIGNED, SMB_E_ACCESS_DENIED);
}
static void core_final_signed_grant_counted(void **s)
{
    (void)s;
    final_grant(0x0311, T_NONE, SMB_OK);
    final_grant(0x0210, T_NONE, SMB_OK);
}

/* MS-SMB2 3.2.5.1.5: an interim STATUS_PENDING response (async, unsigned)
 * keeps the request pending and grants credits; the final async response
 * must be signed. */
static void interim(bool sign_final, smb_status want)
{
    struct fake f = {.dialect = 0};
    size_t nev;
    FAKE_INIT(f, 0x0311, SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED);
    setup_core(&f, SMB_LEVEL_ENABLED);
    assert_int_equal(handshake(&f, T_NONE), SMB_OK);
    struct smb_cli_req rq;
    uint8_t req[256], rsp[256];
    uint64_t mid;
    assert_int_equal(smb_cli_req_start(f.c, &rq, SMB2_ECHO, 0, 4, 0), SMB_OK);
    smb2_echo_encode(&rq.w);
    assert_int_equal(smb_cli_req_finish(f.c, &rq, 7, &mid), SMB_OK);
    (void)take_out(f.c, req, sizeof req);
    uint32_t before = smb_cli_credits(f.c);
    struct smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = SMB2_ECHO;
    h.status = 0x00000103u;
    h.credit = 5;
    h.flags = SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_ASYNC_COMMAND;
    h.message_id = mid;
    h.async_id = 99;
    h.session_id = f.sid;
    smb_wr w;
    wr_init(&w, rsp, sizeof rsp);
    smb2_hdr_encode(&w, &h);
    smb2_echo_encode(&w);
    assert_int_equal(feed(f.c, rsp, wr_len(&w), &nev), SMB_OK);
    assert_int_equal(nev, 0);
    assert_int_equal(smb_cli_in_flight(f.c), 1);
    assert_int_equal(smb_cli_credits(f.c), before + 5);
    h.status = 0;
    h.credit = 1;
    wr_init(&w, rsp, sizeof rsp);
    smb2_hdr_encode(&w, &h);
    smb2_echo_encode(&w);
    if (sign_final)
        assert_int_equal(smb2_sign(f.sign, rsp, wr_len(&w)), SMB_OK);
    assert_int_equal(feed(f.c, rsp, wr_len(&w), &nev), want);
    if (want == SMB_OK) {
        assert_int_equal(nev, 1);
        assert_int_equal(smb_cli_ev(f.c, 0)->tag, 7);
        assert_int_equal(smb_cli_in_flight(f.c), 0);
    }
    done(&f);
}

static void core_interim_pending(void **s)
{
    (void)s;
    interim(true, SMB_OK);
    interim(false, SMB_E_ACCESS_DENIED); /* the final async response unsigned */
}

/* Twins for READ responses (issue 21): on a signing session the data of a
 * READ response is delivered only when the response verifies. A forged READ
 * response (signed, then one data byte changed) and an unsigned one fail the
 * core and deliver nothing; the same response intact is delivered with its
 * data. */
static void read_case(uint16_t dialect, enum tamper t, smb_status want)
{
    struct fake f = {.dialect = 0};
    FAKE_INIT(f, dialect, SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED);
    size_t nev = 0;
    setup_core(&f, SMB_LEVEL_REQUIRED);
    assert_int_equal(handshake(&f, T_NONE), SMB_OK);
    struct smb_cli_req rq;
    uint8_t req[512], rsp[512];
    uint64_t mid;
    static const char data[] = "the file's bytes";
    assert_int_equal(smb_cli_req_start(f.c, &rq, SMB2_READ, 5, 64, 0), SMB_OK);
    struct smb2_read_req q = {.length = sizeof data - 1, .offset = 0, .file_id = {1, 2}};
    smb2_read_req_encode(&rq.w, &q);
    assert_int_equal(smb_cli_req_finish(f.c, &rq, 77, &mid), SMB_OK);
    size_t n = take_out(f.c, req, sizeof req);
    smb_verify_result vr;
    assert_int_equal(smb2_verify(f.sign, req, n, true, &vr, NULL, NULL), SMB_OK);
    assert_int_equal(vr, SMB_VERIFY_VALID);
    smb_wr w;
    wr_init(&w, rsp, sizeof rsp);
    rsp_hdr(&w, SMB2_READ, 0, mid, f.sid, 0);
    struct smb2_read_resp rs = {.data_remaining = 0, .data = {(const uint8_t *)data, sizeof data - 1}};
    smb2_read_resp_encode(&w, &rs);
    assert_true(wr_ok(&w));
    size_t len = wr_len(&w);
    if (t != T_UNSIGNED)
        assert_int_equal(smb2_sign(f.sign, rsp, len), SMB_OK);
    if (t == T_FLIP)
        rsp[len - 3] ^= 0x01; /* a byte of the file data */
    assert_int_equal(feed(f.c, rsp, len, &nev), want);
    if (want == SMB_OK) {
        assert_int_equal(nev, 1);
        const struct smb_cli_event *ev = smb_cli_ev(f.c, 0);
        assert_int_equal(ev->tag, 77);
        assert_int_equal(ev->status, SMB_OK);
        assert_true(ev->len >= 80 + sizeof data - 1);
        assert_memory_equal(ev->msg + 80, data, sizeof data - 1);
    } else {
        assert_int_equal(smb_cli_state(f.c), SMB_CLI_FAILED);
    }
    done(&f);
}

static void core_read_forged_or_unsigned_refused(void **s)
{
    (void)s;
    for (int i = 0; i < 2; i++) {
        uint16_t d = i ? 0x0311 : 0x0210;
        read_case(d, T_FLIP, SMB_E_INVALID_SIGNATURE);
        read_case(d, T_UNSIGNED, SMB_E_ACCESS_DENIED);
        read_case(d, T_NONE, SMB_OK); /* twin */
    }
}

/* Issue 16: READ responses buffered together are verified in one batch.
 * Property: for random data lengths, random counts and a random tampered
 * frame (or none), a core that is handed all frames at once (batch) and one
 * that is handed them one by one (one-message path) agree on every event
 * and on where the core fails; the batch core took the MACs of the frames
 * before the tampered one from the batch. */
#define RB_MAX 8
struct rb_run {
    size_t nev_total;
    int fail_at; /* index of the frame that failed the core, -1 none */
    smb_status fail_st;
    uint64_t tags[RB_MAX];
    uint64_t batch_verified;
};

static void rb_run(uint16_t dialect, int n, const size_t *dlen, int tamper, bool together, struct rb_run *out)
{
    struct fake f = {.dialect = 0};
    FAKE_INIT(f, dialect, SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED);
    setup_core(&f, SMB_LEVEL_REQUIRED);
    assert_int_equal(handshake(&f, T_NONE), SMB_OK);
    static uint8_t rsp[RB_MAX][4096], data[4096];
    size_t len[RB_MAX];
    for (int i = 0; i < n; i++) {
        struct smb_cli_req rq;
        uint8_t req[512];
        uint64_t mid;
        assert_int_equal(smb_cli_req_start(f.c, &rq, SMB2_READ, 5, 64, 0), SMB_OK);
        struct smb2_read_req q = {.length = (uint32_t)dlen[i], .offset = 0, .file_id = {1, 2}};
        smb2_read_req_encode(&rq.w, &q);
        assert_int_equal(smb_cli_req_finish(f.c, &rq, 100 + (uint64_t)i, &mid), SMB_OK);
        (void)take_out(f.c, req, sizeof req);
        memset(data, 'a' + i, dlen[i]);
        smb_wr w;
        wr_init(&w, rsp[i], sizeof rsp[i]);
        rsp_hdr(&w, SMB2_READ, 0, mid, f.sid, 0);
        struct smb2_read_resp rs = {.data_remaining = 0, .data = {data, dlen[i]}};
        smb2_read_resp_encode(&w, &rs);
        assert_true(wr_ok(&w));
        len[i] = wr_len(&w);
        assert_int_equal(smb2_sign(f.sign, rsp[i], len[i]), SMB_OK);
        if (i == tamper)
            rsp[i][len[i] - 1 - (dlen[i] - 1) / 2] ^= 0x10; /* a byte of the file data */
    }
    memset(out, 0, sizeof *out);
    out->fail_at = -1;
    if (together)
        for (int i = 0; i < n; i++)
            put_frame(f.c, rsp[i], len[i]);
    for (int i = 0; i < n; i++) {
        size_t nev = 0;
        if (!together)
            put_frame(f.c, rsp[i], len[i]);
        smb_status st = smb_cli_poll(f.c, &nev);
        if (st != SMB_OK) {
            out->fail_at = i;
            out->fail_st = st;
            assert_int_equal(smb_cli_state(f.c), SMB_CLI_FAILED);
            break;
        }
        assert_int_equal(nev, 1);
        const struct smb_cli_event *ev = smb_cli_ev(f.c, 0);
        assert_int_equal(ev->status, SMB_OK);
        assert_memory_equal(ev->msg + 80, rsp[i] + 80, dlen[i]);
        out->tags[out->nev_total++] = ev->tag;
    }
    struct smb_cli_info info;
    smb_cli_info(f.c, &info);
    out->batch_verified = info.responses_batch_verified;
    done(&f);
}

static void core_read_batch_verified(void **s)
{
    (void)s;
    static const uint16_t dialects[3] = {0x0210, 0x0300, 0x0311};
    srand(16);
    for (int it = 0; it < 36; it++) {
        uint16_t d = dialects[it % 3];
        int n = 2 + rand() % (RB_MAX - 1);
        size_t dlen[RB_MAX];
        for (int i = 0; i < n; i++)
            dlen[i] = 1 + (size_t)(rand() % 3000);
        int tamper = it < 3 ? -1 : it < 6 ? 0 : (rand() % (n + 1)) - 1; /* -1: none */
        struct rb_run a, b;
        rb_run(d, n, dlen, tamper, true, &a);
        rb_run(d, n, dlen, tamper, false, &b);
        /* the two paths agree */
        assert_int_equal(a.fail_at, b.fail_at);
        assert_int_equal(a.nev_total, b.nev_total);
        assert_memory_equal(a.tags, b.tags, a.nev_total * sizeof a.tags[0]);
        if (a.fail_at >= 0)
            assert_int_equal(a.fail_st, b.fail_st);
        /* and they are right: the tampered frame, and only it, fails */
        assert_int_equal(a.fail_at, tamper);
        if (tamper >= 0)
            assert_int_equal(a.fail_st, SMB_E_INVALID_SIGNATURE);
        /* the batch core took the MACs before the failure from the batch
         * (3.1.1 here signs with AES-GMAC: the GCM path, one element at a
         * time, still inside the batch call); the one-by-one core never */
        assert_int_equal(a.batch_verified, tamper >= 0 ? (uint64_t)tamper : (uint64_t)n);
        assert_int_equal(b.batch_verified, 0);
    }
}

/* smb_cli_sign_defer_begin/end: requests built in between are not offered
 * to the socket before end (none can leave unsigned), then each one is
 * signed and verifies; the twin outside deferral is offered at once. */
static void core_deferred_signing(void **s)
{
    (void)s;
    for (int i = 0; i < 2; i++) {
        struct fake f = {.dialect = 0};
        FAKE_INIT(f, i ? 0x0311 : 0x0210, SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED);
        setup_core(&f, SMB_LEVEL_ENABLED);
        assert_int_equal(handshake(&f, T_NONE), SMB_OK);
        struct smb_cli_info before, after;
        smb_cli_info(f.c, &before);
        assert_true(before.signing);
        struct smb_cli_req rq;
        /* twin: without deferral an ECHO is offered at once */
        assert_int_equal(smb_cli_req_start(f.c, &rq, SMB2_ECHO, 0, 4, 0), SMB_OK);
        smb2_echo_encode(&rq.w);
        assert_int_equal(smb_cli_req_finish(f.c, &rq, 1, NULL), SMB_OK);
        assert_true(smb_cli_out_len(f.c) > 0);
        uint8_t req[256];
        size_t n = take_out(f.c, req, sizeof req);
        assert_int_equal(smb_cli_sign_defer_begin(f.c), SMB_OK);
        assert_int_equal(smb_cli_sign_defer_begin(f.c), SMB_E_BAD_ARGUMENT); /* not nested */
        size_t k = SMB_CLI_DEFER_MAX + 3; /* more than one batch */
        for (size_t j = 0; j < k; j++) {
            assert_int_equal(smb_cli_req_start(f.c, &rq, SMB2_ECHO, 0, 4, 0), SMB_OK);
            smb2_echo_encode(&rq.w);
            assert_int_equal(smb_cli_req_finish(f.c, &rq, 2 + j, NULL), SMB_OK);
            assert_int_equal(smb_cli_out_len(f.c), 0); /* hidden until end */
        }
        assert_int_equal(smb_cli_sign_defer_end(f.c), SMB_OK);
        assert_int_equal(smb_cli_sign_defer_end(f.c), SMB_E_BAD_ARGUMENT);
        for (size_t j = 0; j < k; j++) {
            smb_verify_result vr;
            n = take_out(f.c, req, sizeof req);
            assert_int_equal(smb2_verify(f.sign, req, n, true, &vr, NULL, NULL), SMB_OK);
            assert_int_equal(vr, SMB_VERIFY_VALID);
            req[n - 1] ^= 1; /* and the check can fail */
            assert_int_equal(smb2_verify(f.sign, req, n, true, &vr, NULL, NULL), SMB_OK);
            assert_int_equal(vr, SMB_VERIFY_BAD_SIGNATURE);
        }
        assert_int_equal(smb_cli_out_len(f.c), 0);
        smb_cli_info(f.c, &after);
        assert_int_equal(after.requests_signed, before.requests_signed + 1 + k);
        done(&f);
    }
}

static void core_garbage_frames(void **s)
{
    (void)s;
    struct fake f = {.dialect = 0};
    FAKE_INIT(f, 0x0311, 1);
    size_t nev;
    setup_core(&f, SMB_LEVEL_ENABLED);
    uint8_t junk[100];
    memset(junk, 0x41, sizeof junk);
    assert_int_equal(feed(f.c, junk, sizeof junk, &nev), SMB_E_INVALID_NETWORK_RESPONSE);
    done(&f);
    /* a transform frame on a session without encryption keys is refused, not parsed */
    setup_core(&f, SMB_LEVEL_ENABLED);
    memcpy(junk, "\xfdSMB", 4);
    assert_int_equal(feed(f.c, junk, sizeof junk, &nev), SMB_E_ACCESS_DENIED);
    done(&f);
}

/* Share.EncryptData (MS-SMB2 3.2.5.5) on a session in clear: requests on a
 * marked tree go in a transform the server's keys open (TreeId inside, not
 * signed), other trees and the tree once unmarked stay in clear. Twin: a
 * client with encryption off has no keys and refuses to mark the tree. */
static void tree_frame(struct fake *f, uint32_t tree, uint8_t *out, size_t cap, size_t *n)
{
    struct smb_cli_req rq;
    uint64_t mid;
    assert_int_equal(smb_cli_req_start(f->c, &rq, SMB2_ECHO, tree, 4, 0), SMB_OK);
    smb2_echo_encode(&rq.w);
    assert_int_equal(smb_cli_req_finish(f->c, &rq, 7, &mid), SMB_OK);
    *n = take_out(f->c, out, cap);
}

static void core_tree_encrypt(void **s)
{
    (void)s;
    struct fake f = {.dialect = 0};
    FAKE_INIT(f, 0x0311, 1);
    setup_core(&f, SMB_LEVEL_ENABLED);
    assert_int_equal(handshake(&f, T_NONE), SMB_OK);
    assert_false(smb_cli_encrypting(f.c));
    smb_crypt_ctx *srv;
    assert_int_equal(smb_crypt_ctx_new_session(&srv, SMB_DIALECT_311, SMB_CIPHER_AES128_GCM, true, f.key, 16,
                                               f.pre.hash),
                     SMB_OK);
    uint8_t m[512], *plain;
    size_t n, plen;
    assert_int_equal(smb_cli_tree_encrypt(f.c, 5, true), SMB_OK);
    assert_true(smb_cli_tree_encrypts(f.c, 5));
    tree_frame(&f, 5, m, sizeof m, &n);
    assert_true(smb_crypt_is_transform(m, n));
    assert_int_equal(smb_crypt_decrypt(srv, f.sid, m, n, &plain, &plen), SMB_OK);
    assert_int_equal(le32(plain + 36), 5);
    assert_int_equal(le32(plain + 16) & SMB2_FLAGS_SIGNED, 0);
    tree_frame(&f, 6, m, sizeof m, &n); /* another tree: clear */
    assert_false(smb_crypt_is_transform(m, n));
    assert_int_equal(le32(m + 36), 6);
    assert_int_equal(smb_cli_tree_encrypt(f.c, 5, false), SMB_OK);
    assert_false(smb_cli_tree_encrypts(f.c, 5));
    tree_frame(&f, 5, m, sizeof m, &n); /* unmarked (TREE_DISCONNECT): clear again */
    assert_false(smb_crypt_is_transform(m, n));
    smb_crypt_ctx_free(srv);
    done(&f);
    /* twin: --encrypt=off offers no cipher, has no keys, cannot honour the share */
    struct smb_cli_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.signing = SMB_LEVEL_ENABLED;
    cfg.user = "alice";
    cfg.domain = "";
    cfg.password = "secret";
    cfg.no_encrypt = true;
    memset(&f, 0, sizeof f);
    FAKE_INIT(f, 0x0311, 1);
    assert_int_equal(smb_cli_new(&f.c, &cfg), SMB_OK);
    assert_int_equal(smb_cli_start(f.c), SMB_OK);
    assert_int_equal(handshake(&f, T_NONE), SMB_OK);
    assert_int_equal(smb_cli_tree_encrypt(f.c, 5, true), SMB_E_ACCESS_DENIED);
    assert_false(smb_cli_tree_encrypts(f.c, 5));
    done(&f);
}

/* ---------------- leases (MS-SMB2 3.2.4.3.8, 3.2.5.19.2) ---------------- */

#define RWH (SMB2_LEASE_READ_CACHING | SMB2_LEASE_HANDLE_CACHING | SMB2_LEASE_WRITE_CACHING)
#define RH (SMB2_LEASE_READ_CACHING | SMB2_LEASE_HANDLE_CACHING)

/* A READY signing session at dialect d; caps added to the server's. */
static void lease_session(struct fake *f, uint16_t d, uint32_t caps, bool no_leases)
{
    memset(f, 0, sizeof *f);
    FAKE_INIT(*f, d, SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED);
    f->caps = caps;
    f->no_leases = no_leases;
    setup_core(f, SMB_LEVEL_REQUIRED);
    assert_int_equal(handshake(f, T_NONE), SMB_OK);
    assert_int_equal(smb_cli_state(f->c), SMB_CLI_READY);
}

/* The RqLs context the core builds: v2 (52 bytes) at 3.x, v1 (32) at 2.1, the
 * state asked, a fresh key each time; none when the server offers no leasing,
 * at 2.0.2, or with no_leases. */
static void core_lease_request(void **s)
{
    (void)s;
    struct fake f;
    uint8_t buf[128], key[16], key2[16];
    smb_wr w;
    struct smb2_buf d;
    struct smb2_lease_ctx l;
    static const struct {
        uint16_t dialect;
        uint32_t caps;
        bool off;
        int version; /* 0: SMB_E_NOT_SUPPORTED */
    } cases[] = {{0x0311, SMB2_GLOBAL_CAP_LEASING, false, 2}, {0x0300, SMB2_GLOBAL_CAP_LEASING, false, 2},
                 {0x0210, SMB2_GLOBAL_CAP_LEASING, false, 1}, {0x0311, 0, false, 0},
                 {0x0311, SMB2_GLOBAL_CAP_LEASING, true, 0},  {0x0202, SMB2_GLOBAL_CAP_LEASING, false, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lease_session(&f, cases[i].dialect, cases[i].caps, cases[i].off);
        wr_init(&w, buf, sizeof buf);
        smb_status st = smb_cli_lease_request(f.c, RWH, key, &w);
        if (!cases[i].version) {
            assert_int_equal(st, SMB_E_NOT_SUPPORTED);
            assert_int_equal(wr_len(&w), 0);
            done(&f);
            continue;
        }
        assert_int_equal(st, SMB_OK);
        assert_int_equal(smb2_create_ctx_find((struct smb2_buf){buf, wr_len(&w)}, "RqLs", &d), SMB_OK);
        assert_int_equal(d.len, cases[i].version == 2 ? 52 : 32);
        assert_int_equal(smb2_lease_ctx_decode(d, &l), SMB_OK);
        assert_int_equal(l.version, cases[i].version);
        assert_int_equal(l.state, RWH);
        assert_memory_equal(l.key, key, 16);
        /* another context name is not found in the same chain */
        assert_int_equal(smb2_create_ctx_find((struct smb2_buf){buf, wr_len(&w)}, "MxAc", &d), SMB_E_NOT_FOUND);
        wr_init(&w, buf, sizeof buf);
        assert_int_equal(smb_cli_lease_request(f.c, RH, key2, &w), SMB_OK);
        assert_memory_not_equal(key, key2, 16);
        wr_init(&w, buf, sizeof buf);
        assert_int_equal(smb_cli_lease_request(f.c, 0x10, key2, &w), SMB_E_BAD_ARGUMENT); /* no such state bit */
        done(&f);
    }
}

/* A CREATE response context chain: MxAc first, then RqLs v2 (key, state). */
static size_t grant_ctx(uint8_t *buf, size_t cap, const uint8_t key[16], uint32_t state)
{
    smb_wr w;
    uint8_t mx[8] = {0};
    wr_init(&w, buf, cap);
    smb2_create_ctx_encode(&w, "MxAc", mx, 8, false);
    struct smb2_lease_ctx l;
    memset(&l, 0, sizeof l);
    l.version = 2;
    memcpy(l.key, key, 16);
    l.state = state;
    l.epoch = 1;
    smb2_lease_ctx_encode(&w, &l);
    assert_true(wr_ok(&w));
    return wr_len(&w);
}

/* The grant is recorded only for OplockLevel LEASE with a well-formed RqLs
 * context carrying our key; anything else is refused or means "no lease". */
static void core_lease_granted(void **s)
{
    (void)s;
    struct fake f;
    uint8_t key[16], other[16], buf[256], rq[128];
    uint32_t st32;
    smb_wr w;
    lease_session(&f, 0x0311, SMB2_GLOBAL_CAP_LEASING, false);
    wr_init(&w, rq, sizeof rq);
    assert_int_equal(smb_cli_lease_request(f.c, RWH, key, &w), SMB_OK);
    memcpy(other, key, 16);
    other[0] ^= 1;
    struct smb_cli_info info;
    size_t n = grant_ctx(buf, sizeof buf, key, RH);
    /* not a lease: no state, leasing stays off */
    assert_int_equal(smb_cli_lease_granted(f.c, key, 1, 0, (struct smb2_buf){buf, n}, &st32), SMB_OK);
    assert_int_equal(st32, 0);
    smb_cli_info(f.c, &info);
    assert_false(info.leasing);
    /* another key, a missing context, a broken chain: refused */
    size_t n2 = grant_ctx(buf + 128, 128, other, RH);
    assert_int_equal(smb_cli_lease_granted(f.c, key, 1, 0xFF, (struct smb2_buf){buf + 128, n2}, &st32),
                     SMB_E_INVALID_NETWORK_RESPONSE);
    assert_int_equal(smb_cli_lease_granted(f.c, key, 1, 0xFF, (struct smb2_buf){NULL, 0}, &st32),
                     SMB_E_INVALID_NETWORK_RESPONSE);
    uint8_t bad[256];
    memcpy(bad, buf, n);
    put_le32(bad, 0x1000); /* Next of the first entry beyond the chain */
    assert_int_equal(smb_cli_lease_granted(f.c, key, 1, 0xFF, (struct smb2_buf){bad, n}, &st32),
                     SMB_E_INVALID_NETWORK_RESPONSE);
    memcpy(bad, buf, n);
    put_le32(bad + 32 + 12, 40); /* RqLs DataLength 40: neither v1 nor v2 */
    assert_int_equal(smb_cli_lease_granted(f.c, key, 1, 0xFF, (struct smb2_buf){bad, n}, &st32),
                     SMB_E_INVALID_NETWORK_RESPONSE);
    assert_int_equal(smb_cli_lease_state(f.c, key), 0);
    smb_cli_info(f.c, &info);
    assert_false(info.leasing);
    /* the right one */
    assert_int_equal(smb_cli_lease_granted(f.c, key, 1, 0xFF, (struct smb2_buf){buf, n}, &st32), SMB_OK);
    assert_int_equal(st32, RH);
    assert_int_equal(smb_cli_lease_state(f.c, key), RH);
    smb_cli_info(f.c, &info);
    assert_true(info.leasing);
    smb_cli_lease_forget(f.c, key);
    assert_int_equal(smb_cli_lease_state(f.c, key), 0);
    done(&f);
}

enum brk { B_OK, B_NO_ACK, B_UNKNOWN_KEY, B_SIGNED, B_BAD_SIG, B_OTHER_SESSION, B_SIGNED_NO_SESSION, B_SHORT };

/* A lease break notification for key (MS-SMB2 2.2.23.2): MessageId all ones,
 * SessionId 0 unless the case says otherwise. */
static size_t break_frame(struct fake *f, enum brk b, const uint8_t key[16], uint8_t *out, size_t cap)
{
    smb_wr w;
    wr_init(&w, out, cap);
    uint64_t sid = b == B_SIGNED || b == B_BAD_SIG ? f->sid : b == B_OTHER_SESSION ? f->sid + 1 : 0;
    struct smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = SMB2_OPLOCK_BREAK;
    h.flags = SMB2_FLAGS_SERVER_TO_REDIR;
    h.message_id = SMB2_OPLOCK_BREAK_MESSAGE_ID;
    h.session_id = sid;
    smb2_hdr_encode(&w, &h);
    struct smb2_lease_break lb;
    memset(&lb, 0, sizeof lb);
    lb.new_epoch = 2;
    lb.flags = b == B_NO_ACK ? 0 : SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED;
    memcpy(lb.lease_key, key, 16);
    if (b == B_UNKNOWN_KEY)
        lb.lease_key[15] ^= 0x80;
    lb.current_state = RWH;
    lb.new_state = RH;
    smb2_lease_break_encode(&w, &lb);
    size_t n = wr_len(&w);
    if (b == B_SIGNED || b == B_BAD_SIG)
        assert_int_equal(smb2_sign(f->sign, out, n), SMB_OK);
    if (b == B_BAD_SIG)
        out[n - 1] ^= 0x01;
    if (b == B_SIGNED_NO_SESSION) {
        put_le32(out + 16, le32(out + 16) | SMB2_FLAGS_SIGNED);
        memset(out + 48, 0x5a, 16);
    }
    return b == B_SHORT ? n - 8 : n;
}

/* A granted RWH lease on tree 7, an ECHO in flight, then a break: the break
 * is handled while the core waits for the ECHO (no event for it), the
 * LEASE_BREAK_ACK goes out signed on tree 7 at the new state (RH), and its
 * response gives no event either. Twins: no ACK_REQUIRED (state lowered, no
 * ack), an unknown key (ignored), a bad signature, another session, a signed
 * notification without a session, a truncated one (each fatal). */
static void lease_break_case(enum brk b, smb_status want)
{
    struct fake f;
    uint8_t key[16], buf[256], rq[128], msg[512], rsp[256];
    uint32_t st32;
    smb_wr w;
    size_t nev;
    lease_session(&f, 0x0311, SMB2_GLOBAL_CAP_LEASING, false);
    wr_init(&w, rq, sizeof rq);
    assert_int_equal(smb_cli_lease_request(f.c, RWH, key, &w), SMB_OK);
    size_t n = grant_ctx(buf, sizeof buf, key, RWH);
    assert_int_equal(smb_cli_lease_granted(f.c, key, 7, 0xFF, (struct smb2_buf){buf, n}, &st32), SMB_OK);
    /* an ECHO waits for its response */
    struct smb_cli_req er;
    uint64_t emid;
    assert_int_equal(smb_cli_req_start(f.c, &er, SMB2_ECHO, 0, 4, 0), SMB_OK);
    smb2_echo_encode(&er.w);
    assert_int_equal(smb_cli_req_finish(f.c, &er, 9, &emid), SMB_OK);
    (void)take_out(f.c, msg, sizeof msg);
    n = break_frame(&f, b, key, msg, sizeof msg);
    smb_status st = feed(f.c, msg, n, &nev);
    assert_int_equal(st, want);
    if (want != SMB_OK) {
        assert_int_equal(smb_cli_state(f.c), SMB_CLI_FAILED);
        assert_int_equal(smb_cli_out_len(f.c), 0); /* no acknowledgement */
        done(&f);
        return;
    }
    assert_int_equal(nev, 0);
    struct smb_cli_info info;
    smb_cli_info(f.c, &info);
    if (b == B_UNKNOWN_KEY) {
        assert_int_equal(info.lease_breaks, 0);
        assert_int_equal(smb_cli_lease_state(f.c, key), RWH);
    } else {
        assert_int_equal(info.lease_breaks, 1);
        assert_int_equal(smb_cli_lease_state(f.c, key), RH);
    }
    if (b != B_OK && b != B_SIGNED) {
        assert_int_equal(smb_cli_out_len(f.c), 0);
        assert_int_equal(info.lease_acks, 0);
    } else {
        /* the acknowledgement: signed, tree 7, StructureSize 36, key, RH */
        n = take_out(f.c, msg, sizeof msg);
        smb_verify_result vr;
        assert_int_equal(smb2_verify(f.sign, msg, n, true, &vr, NULL, NULL), SMB_OK);
        assert_int_equal(vr, SMB_VERIFY_VALID);
        assert_int_equal(le16(msg + 12), SMB2_OPLOCK_BREAK);
        assert_int_equal(le32(msg + 36), 7);
        assert_int_equal(n, 64 + 36);
        struct smb2_break_ack a;
        smb_rd rd;
        rd_init(&rd, msg, n);
        rd_seek(&rd, 64);
        assert_int_equal(smb2_break_ack_decode(&rd, &a), SMB_OK);
        assert_true(a.is_lease);
        assert_memory_equal(a.lease.lease_key, key, 16);
        assert_int_equal(a.lease.lease_state, RH);
        assert_int_equal(info.lease_acks, 1);
        assert_int_equal(smb_cli_in_flight(f.c), 2); /* the ECHO and the ack */
        /* the ack's response: no event */
        wr_init(&w, rsp, sizeof rsp);
        rsp_hdr(&w, SMB2_OPLOCK_BREAK, 0, mid_of(msg), f.sid, 0);
        struct smb2_lease_ack r = {0, {0}, RH};
        memcpy(r.lease_key, key, 16);
        smb2_lease_ack_encode(&w, &r);
        assert_int_equal(smb2_sign(f.sign, rsp, wr_len(&w)), SMB_OK);
        assert_int_equal(feed(f.c, rsp, wr_len(&w), &nev), SMB_OK);
        assert_int_equal(nev, 0);
    }
    /* the ECHO's response still arrives as its event */
    wr_init(&w, rsp, sizeof rsp);
    rsp_hdr(&w, SMB2_ECHO, 0, emid, f.sid, 0);
    smb2_echo_encode(&w);
    assert_int_equal(smb2_sign(f.sign, rsp, wr_len(&w)), SMB_OK);
    assert_int_equal(feed(f.c, rsp, wr_len(&w), &nev), SMB_OK);
    assert_int_equal(nev, 1);
    assert_int_equal(smb_cli_ev(f.c, 0)->tag, 9);
    assert_int_equal(smb_cli_in_flight(f.c), 0);
    done(&f);
}

static void core_lease_break_acked(void **s)
{
    (void)s;
    lease_break_case(B_OK, SMB_OK);
    lease_break_case(B_SIGNED, SMB_OK); /* signed with the session's key: verified, taken */
}
static void core_lease_break_no_ack(void **s)
{
    (void)s;
    lease_break_case(B_NO_ACK, SMB_OK);
    lease_break_case(B_UNKNOWN_KEY, SMB_OK);
}
static void core_lease_break_refused(void **s)
{
    (void)s;
    lease_break_case(B_BAD_SIG, SMB_E_INVALID_SIGNATURE);
    lease_break_case(B_OTHER_SESSION, SMB_E_ACCESS_DENIED);
    lease_break_case(B_SIGNED_NO_SESSION, SMB_E_INVALID_SIGNATURE);
    lease_break_case(B_SHORT, SMB_E_INVALID_NETWORK_RESPONSE);
}

/* The context walker on hostile chains: every bound is checked. */
static void wire_create_ctx_find_bounds(void **s)
{
    (void)s;
    uint8_t buf[256], key[16] = {1};
    struct smb2_buf d;
    size_t n = grant_ctx(buf, sizeof buf, key, RH);
    assert_int_equal(smb2_create_ctx_find((struct smb2_buf){buf, n}, "RqLs", &d), SMB_OK);
    for (size_t cut = 0; cut < n; cut++) /* every truncation: malformed or not found, never beyond */
        if (smb2_create_ctx_find((struct smb2_buf){buf, cut}, "RqLs", &d) == SMB_OK)
            assert_true(d.p >= buf && d.p + d.len <= buf + cut);
    uint8_t b2[256];
    memcpy(b2, buf, n);
    put_le32(b2, 33); /* Next not a multiple of 8 */
    assert_int_equal(smb2_create_ctx_find((struct smb2_buf){b2, n}, "RqLs", &d), SMB_E_MALFORMED);
    memcpy(b2, buf, n);
    put_le16(b2 + 32 + 10, 0xFFF0); /* RqLs DataOffset far outside */
    assert_int_equal(smb2_create_ctx_find((struct smb2_buf){b2, n}, "RqLs", &d), SMB_E_MALFORMED);
    memcpy(b2, buf, n);
    put_le16(b2 + 32 + 4, 0xFFFF); /* NameOffset outside */
    assert_int_equal(smb2_create_ctx_find((struct smb2_buf){b2, n}, "RqLs", &d), SMB_E_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_21_signing),        cmocka_unit_test(core_311_signing),
        cmocka_unit_test(core_311_not_signing),   cmocka_unit_test(core_unsigned_response),
        cmocka_unit_test(core_flipped_response),  cmocka_unit_test(core_zeroed_session),
        cmocka_unit_test(core_unknown_mid),       cmocka_unit_test(core_guest_refused),
        cmocka_unit_test(core_final_unsigned),    cmocka_unit_test(core_bad_mechlistmic),
        cmocka_unit_test(core_garbage_frames),    cmocka_unit_test(core_interim_pending),
        cmocka_unit_test(core_forged_grant_ignored), cmocka_unit_test(core_signed_grant_counted),
        cmocka_unit_test(core_final_forged_grant_ignored), cmocka_unit_test(core_final_signed_grant_counted),
        cmocka_unit_test(core_read_forged_or_unsigned_refused),
        cmocka_unit_test(core_deferred_signing),
        cmocka_unit_test(core_tree_encrypt),
        cmocka_unit_test(core_read_batch_verified),
        cmocka_unit_test(core_lease_request),      cmocka_unit_test(core_lease_granted),
        cmocka_unit_test(core_lease_break_acked),  cmocka_unit_test(core_lease_break_no_ack),
        cmocka_unit_test(core_lease_break_refused), cmocka_unit_test(wire_create_ctx_find_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
