/* tests/unit/test_auth_mech.c - the authentication-mechanism interface
 * (auth/mech.h): a scripted mechanism that fails at each step, NTLMSSP
 * driven through the interface from both roles (mechListMIC made, verified,
 * wrong ones refused), secrets gone after wipe, and the server's commit rule
 * (server/session_auth.c: nothing reaches the session before every check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/mech.h"
#include "auth/ntlmssp.h"
#include "auth/spnego.h"
#include "server/config.h"
#include "server/session_int.h"
#include "server/userdb.h"

/* ---------------- a scripted mechanism ---------------- */

enum fail_at { FAIL_NONE, FAIL_BEGIN, FAIL_STEP1, FAIL_STEP2, FAIL_KEY, FAIL_MIC_MAKE, FAIL_IDENTITY };

static enum fail_at g_fail;
static int g_wipes; /* calls of the mechanism's wipe */

struct fake_state {
    int leg;
    uint8_t key[16];
};

static const uint8_t FAKE_OID[3] = {0x2a, 0x03, 0x04};
static const uint8_t FAKE_KEY[16] = {0xA5, 0x5A, 0xC3, 0x3C, 0x0F, 0xF0, 0x99, 0x66,
                                     0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF1};

static SMB_WUR smb_status fake_begin(struct smb_auth_ctx *a, const struct smb_auth_client_cred *cred,
                             const struct smb_auth_server_cfg *srv)
{
    if (g_fail == FAIL_BEGIN) {
        smb_auth_set_why(a, "scripted begin failure");
        return SMB_E_BAD_ARGUMENT;
    }
    return SMB_OK;
}

static SMB_WUR smb_status fake_step(struct smb_auth_ctx *a, const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
                            size_t *outlen)
{
    struct fake_state *s = smb_auth_state(a);
    if (s->leg == 0) {
        memcpy(s->key, FAKE_KEY, 16); /* a secret exists from the first leg on */
        if (g_fail == FAIL_STEP1)
            return SMB_E_LOGON_FAILURE;
        out[0] = 1;
        *outlen = 1;
        s->leg = 1;
        return SMB_E_MORE_PROCESSING_REQUIRED;
    }
    if (g_fail == FAIL_STEP2) {
        smb_auth_set_why(a, "scripted step 2 failure");
        return SMB_E_LOGON_FAILURE;
    }
    s->leg = 2;
    return SMB_OK;
}

static SMB_WUR smb_status fake_key(struct smb_auth_ctx *a, uint8_t *key, size_t cap, size_t *keylen)
{
    if (g_fail == FAIL_KEY)
        return SMB_E_CRYPTO;
    memcpy(key, ((struct fake_state *)smb_auth_state(a))->key, 16);
    *keylen = 16;
    return SMB_OK;
}

/* MIC = first byte of the message xor key[0], repeated 4 times */
static SMB_WUR smb_status fake_mic_make(struct smb_auth_ctx *a, const uint8_t *msg, size_t len, uint8_t *mic, size_t cap,
                                size_t *miclen)
{
    if (g_fail == FAIL_MIC_MAKE)
        return SMB_E_CRYPTO;
    struct fake_state *s = smb_auth_state(a);
    memset(mic, (len ? msg[0] : 0) ^ s->key[0], 4);
    *miclen = 4;
    return SMB_OK;
}

static SMB_WUR smb_status fake_mic_verify(struct smb_auth_ctx *a, const uint8_t *msg, size_t len, const uint8_t *mic,
                                  size_t miclen)
{
    uint8_t want[4];
    size_t wl;
    smb_status st = fake_mic_make(a, msg, len, want, sizeof want, &wl);
    if (st != SMB_OK)
        return st;
    return miclen == 4 && memcmp(want, mic, 4) == 0 ? SMB_OK : SMB_E_INVALID_SIGNATURE;
}

static bool fake_mic_wanted(struct smb_auth_ctx *a) { return true; }

static SMB_WUR smb_status fake_identity(struct smb_auth_ctx *a, struct smb_auth_identity *id)
{
    if (g_fail == FAIL_IDENTITY)
        return SMB_E_INTERNAL_ERROR;
    id->kind = SMB_AUTH_USER;
    id->has_key = true;
    strcpy(id->user, "fake");
    return SMB_OK;
}

static void fake_wipe(struct smb_auth_ctx *a) { g_wipes++; }

static const struct smb_auth_mech FAKE = {
    .name = "fake",
    .oid = FAKE_OID,
    .oid_len = sizeof FAKE_OID,
    .state_size = sizeof(struct fake_state),
    .begin = fake_begin,
    .step = fake_step,
    .session_key = fake_key,
    .mic_make = fake_mic_make,
    .mic_verify = fake_mic_verify,
    .mic_wanted = fake_mic_wanted,
    .identity = fake_identity,
    .wipe = fake_wipe,
};

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static bool contains(const void *hay, size_t hn, const void *needle, size_t nn)
{
    return memmem(hay, hn, needle, nn) != NULL;
}

/* Run the scripted exchange as a server up to the failure point. */
static SMB_WUR smb_status run_fake(struct smb_auth_ctx *a, enum fail_at f)
{
    g_fail = f;
    g_wipes = 0;
    memset(a, 0, sizeof *a);
    struct smb_auth_server_cfg cfg = {.server_name = "UNIT"};
    uint8_t out[16], key[16], mic[8];
    size_t ol, kl, ml;
    smb_status st = smb_auth_begin_server(a, &FAKE, &cfg);
    if (st != SMB_OK)
        return st;
    st = smb_auth_step(a, (const uint8_t *)"x", 1, out, sizeof out, &ol);
    if (st != SMB_E_MORE_PROCESSING_REQUIRED)
        return st;
    if ((st = smb_auth_step(a, (const uint8_t *)"y", 1, out, sizeof out, &ol)) != SMB_OK)
        return st;
    if ((st = smb_auth_session_key(a, key, sizeof key, &kl)) != SMB_OK)
        return st;
    if ((st = smb_auth_mic_make(a, (const uint8_t *)"m", 1, mic, sizeof mic, &ml)) != SMB_OK)
        return st;
    struct smb_auth_identity id;
    return smb_auth_identity(a, &id);
}

static void fake_mech_completes(void **state)
{
    /* twin of every failure below: without a scripted failure all steps pass */
    struct smb_auth_ctx a;
    assert_int_equal(run_fake(&a, FAIL_NONE), SMB_OK);
    assert_true(a.done);
    assert_ptr_equal(a.mech, &FAKE);
    uint8_t key[16];
    size_t kl;
    assert_int_equal(smb_auth_session_key(&a, key, sizeof key, &kl), SMB_OK);
    assert_memory_equal(key, FAKE_KEY, 16);
    smb_auth_wipe(&a);
    assert_int_equal(g_wipes, 1);
}

static void fake_mech_fails_each_step(void **state)
{
    static const struct {
        enum fail_at at;
        smb_status st;
        bool wiped; /* a failed begin/step ends the exchange; later failures are the caller's */
    } cases[] = {
        {FAIL_BEGIN, SMB_E_BAD_ARGUMENT, true},  {FAIL_STEP1, SMB_E_LOGON_FAILURE, true},
        {FAIL_STEP2, SMB_E_LOGON_FAILURE, true}, {FAIL_KEY, SMB_E_CRYPTO, false},
        {FAIL_MIC_MAKE, SMB_E_CRYPTO, false},    {FAIL_IDENTITY, SMB_E_INTERNAL_ERROR, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct smb_auth_ctx a;
        assert_int_equal(run_fake(&a, cases[i].at), cases[i].st);
        if (cases[i].wiped) {
            assert_null(a.mech);
            assert_false(a.done);
            assert_true(all_zero(a.state, sizeof a.state));
            assert_int_equal(g_wipes, 1);
            assert_true(a.why[0] != '\0'); /* the reason survives for the log */
            /* nothing more can be had from a failed exchange */
            uint8_t out[16], key[16];
            size_t ol, kl;
            assert_int_equal(smb_auth_step(&a, (const uint8_t *)"y", 1, out, sizeof out, &ol),
                             SMB_E_INVALID_PARAMETER);
            assert_int_equal(smb_auth_session_key(&a, key, sizeof key, &kl), SMB_E_NOT_FOUND);
        } else {
            assert_ptr_equal(a.mech, &FAKE);
            assert_int_equal(g_wipes, 0);
            smb_auth_wipe(&a);
            assert_int_equal(g_wipes, 1);
        }
    }
    g_fail = FAIL_NONE;
}

static void fake_server_knows_nothing_before_completion(void **state)
{
    g_fail = FAIL_NONE;
    struct smb_auth_ctx a;
    memset(&a, 0, sizeof a);
    struct smb_auth_server_cfg cfg = {.server_name = "UNIT"};
    uint8_t out[16], key[16], mic[8];
    size_t ol, kl, ml;
    struct smb_auth_identity id;
    assert_int_equal(smb_auth_begin_server(&a, &FAKE, &cfg), SMB_OK);
    assert_int_equal(smb_auth_step(&a, (const uint8_t *)"x", 1, out, sizeof out, &ol), SMB_E_MORE_PROCESSING_REQUIRED);
    /* the key exists in the mechanism's state, but the interface does not hand it out */
    assert_int_equal(smb_auth_session_key(&a, key, sizeof key, &kl), SMB_E_NOT_FOUND);
    assert_int_equal(smb_auth_mic_make(&a, (const uint8_t *)"m", 1, mic, sizeof mic, &ml), SMB_E_NOT_FOUND);
    assert_int_equal(smb_auth_mic_verify(&a, (const uint8_t *)"m", 1, mic, 4), SMB_E_INVALID_SIGNATURE);
    assert_int_equal(smb_auth_identity(&a, &id), SMB_E_NOT_FOUND);
    assert_false(smb_auth_mic_wanted(&a));
    /* twin: after the last step, all of it is available */
    assert_int_equal(smb_auth_step(&a, (const uint8_t *)"y", 1, out, sizeof out, &ol), SMB_OK);
    assert_int_equal(smb_auth_session_key(&a, key, sizeof key, &kl), SMB_OK);
    assert_int_equal(smb_auth_identity(&a, &id), SMB_OK);
    assert_string_equal(id.user, "fake");
    assert_true(smb_auth_mic_wanted(&a));
    /* a second completion is out of order */
    assert_int_equal(smb_auth_step(&a, (const uint8_t *)"z", 1, out, sizeof out, &ol), SMB_E_INVALID_PARAMETER);
    smb_auth_wipe(&a);
}

static void oversized_state_refused(void **state)
{
    struct smb_auth_mech big = FAKE;
    big.state_size = SMB_AUTH_STATE_MAX + 1;
    struct smb_auth_ctx a;
    memset(&a, 0, sizeof a);
    struct smb_auth_client_cred cred = {"u", "", "p", "W"};
    assert_int_equal(smb_auth_begin_client(&a, &big, &cred), SMB_E_BAD_ARGUMENT);
    assert_null(a.mech);
    /* twin */
    g_fail = FAIL_NONE;
    assert_int_equal(smb_auth_begin_client(&a, &FAKE, &cred), SMB_OK);
    smb_auth_wipe(&a);
    assert_int_equal(smb_auth_begin_client(&a, NULL, &cred), SMB_E_BAD_ARGUMENT);
}

/* ---------------- registry ---------------- */

static void registry_lookup(void **state)
{
    assert_ptr_equal(smb_auth_mech_by_oid(SPNEGO_OID_NTLMSSP, sizeof SPNEGO_OID_NTLMSSP), &smb_auth_mech_ntlmssp);
    assert_null(smb_auth_mech_by_oid(SPNEGO_OID_NTLMSSP, sizeof SPNEGO_OID_NTLMSSP - 1));
    assert_null(smb_auth_mech_by_oid(FAKE_OID, sizeof FAKE_OID));
    uint8_t tok[12] = "NTLMSSP";
    assert_ptr_equal(smb_auth_mech_by_raw(tok, sizeof tok), &smb_auth_mech_ntlmssp);
    tok[6] = 'Q';
    assert_null(smb_auth_mech_by_raw(tok, sizeof tok));
    assert_null(smb_auth_mech_by_raw((const uint8_t *)"NTLMSSP", 7)); /* too short for "NTLMSSP\0" */
    /* every registered mechanism fits the context and has a distinct OID */
    size_t n = 0;
    for (const struct smb_auth_mech *m; (m = smb_auth_mech_at(n)) != NULL; n++) {
        assert_true(m->state_size <= SMB_AUTH_STATE_MAX);
        assert_ptr_equal(smb_auth_mech_by_oid(m->oid, m->oid_len), m);
    }
    assert_true(n >= 1);
    assert_ptr_equal(smb_auth_mech_at(0), &smb_auth_mech_ntlmssp);
    /* the server's NegTokenInit2 lists the registry; with NTLMSSP alone it is
     * byte for byte the token the server sent before the interface existed */
    uint8_t a[256], b[256];
    size_t al = 0, bl = 0;
    assert_int_equal(srv_auth_neg_token(a, sizeof a, &al), SMB_OK);
    assert_int_equal(spnego_init2_encode(b, sizeof b, &bl), SMB_OK);
    if (n == 1) {
        assert_int_equal(al, bl);
        assert_memory_equal(a, b, al);
    } else {
        assert_true(al > bl);
    }
}

/* ---------------- NTLMSSP through the interface ---------------- */

static uint8_t g_alice_hash[16];

static bool lookup(const void *arg, const char *user, uint8_t h[16])
{
    if (strcmp(user, "alice") != 0)
        return false;
    memcpy(h, g_alice_hash, 16);
    return true;
}

/* Client and server contexts through both legs; returns the server's last status. */
static SMB_WUR smb_status ntlm_pair(struct smb_auth_ctx *cli, struct smb_auth_ctx *srv, const char *user,
                            const char *password, bool guest)
{
    assert_int_equal(smb_ntlm_nt_hash("secret1", g_alice_hash), SMB_OK);
    memset(cli, 0, sizeof *cli);
    memset(srv, 0, sizeof *srv);
    struct smb_auth_client_cred cred = {user, "WORKGROUP", password, "UNIT"};
    struct smb_auth_server_cfg cfg = {.server_name = "UNITSRV",
                                      .lookup = lookup,
                                      .max_user_len = 64,
                                      .unknown_user_is_guest = guest};
    uint8_t t1[NTLM_MAX_MSG], t2[NTLM_MAX_MSG];
    size_t l1, l2;
    assert_int_equal(smb_auth_begin_client(cli, &smb_auth_mech_ntlmssp, &cred), SMB_OK);
    assert_int_equal(smb_auth_begin_server(srv, &smb_auth_mech_ntlmssp, &cfg), SMB_OK);
    assert_int_equal(smb_auth_step(cli, NULL, 0, t1, sizeof t1, &l1), SMB_E_MORE_PROCESSING_REQUIRED);
    assert_int_equal(smb_auth_step(srv, t1, l1, t2, sizeof t2, &l2), SMB_E_MORE_PROCESSING_REQUIRED);
    assert_int_equal(smb_auth_step(cli, t2, l2, t1, sizeof t1, &l1), SMB_OK);
    return smb_auth_step(srv, t1, l1, t2, sizeof t2, &l2);
}

static const uint8_t MECH_LIST[] = {0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
                                    0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};

static void ntlm_pair_agrees(void **state)
{
    struct smb_auth_ctx cli, srv;
    assert_int_equal(ntlm_pair(&cli, &srv, "alice", "secret1", false), SMB_OK);
    uint8_t kc[16], ks[16];
    size_t lc, ls;
    assert_int_equal(smb_auth_session_key(&cli, kc, sizeof kc, &lc), SMB_OK);
    assert_int_equal(smb_auth_session_key(&srv, ks, sizeof ks, &ls), SMB_OK);
    assert_int_equal(lc, 16);
    assert_int_equal(ls, 16);
    assert_memory_equal(kc, ks, 16);
    struct smb_auth_identity id;
    assert_int_equal(smb_auth_identity(&srv, &id), SMB_OK);
    assert_int_equal(id.kind, SMB_AUTH_USER);
    assert_true(id.has_key);
    assert_string_equal(id.user, "alice");
    /* our CHALLENGE carries a timestamp, so both sides want the mechListMIC */
    assert_true(smb_auth_mic_wanted(&cli));
    assert_true(smb_auth_mic_wanted(&srv));
    smb_auth_wipe(&cli);
    smb_auth_wipe(&srv);
}

static void ntlm_mic_both_directions(void **state)
{
    struct smb_auth_ctx cli, srv;
    assert_int_equal(ntlm_pair(&cli, &srv, "alice", "secret1", false), SMB_OK);
    uint8_t cm[SMB_AUTH_MIC_MAX], sm[SMB_AUTH_MIC_MAX];
    size_t cl, sl;
    assert_int_equal(smb_auth_mic_make(&cli, MECH_LIST, sizeof MECH_LIST, cm, sizeof cm, &cl), SMB_OK);
    assert_int_equal(smb_auth_mic_make(&srv, MECH_LIST, sizeof MECH_LIST, sm, sizeof sm, &sl), SMB_OK);
    assert_int_equal(cl, 16);
    assert_int_equal(sl, 16);
    /* positive: each side verifies the other's */
    assert_int_equal(smb_auth_mic_verify(&srv, MECH_LIST, sizeof MECH_LIST, cm, cl), SMB_OK);
    assert_int_equal(smb_auth_mic_verify(&cli, MECH_LIST, sizeof MECH_LIST, sm, sl), SMB_OK);
    /* the directions differ: a MIC reflected back to its maker is refused */
    assert_memory_not_equal(cm, sm, 16);
    assert_int_equal(smb_auth_mic_verify(&cli, MECH_LIST, sizeof MECH_LIST, cm, cl), SMB_E_INVALID_SIGNATURE);
    assert_int_equal(smb_auth_mic_verify(&srv, MECH_LIST, sizeof MECH_LIST, sm, sl), SMB_E_INVALID_SIGNATURE);
    smb_auth_wipe(&cli);
    smb_auth_wipe(&srv);
}

static void ntlm_wrong_mic_refused(void **state)
{
    struct smb_auth_ctx cli, srv;
    assert_int_equal(ntlm_pair(&cli, &srv, "alice", "secret1", false), SMB_OK);
    uint8_t cm[SMB_AUTH_MIC_MAX];
    size_t cl;
    assert_int_equal(smb_auth_mic_make(&cli, MECH_LIST, sizeof MECH_LIST, cm, sizeof cm, &cl), SMB_OK);
    for (size_t bit = 0; bit < 8 * 16; bit += 13) {
        cm[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(smb_auth_mic_verify(&srv, MECH_LIST, sizeof MECH_LIST, cm, cl), SMB_E_INVALID_SIGNATURE);
        cm[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(smb_auth_mic_verify(&srv, MECH_LIST, sizeof MECH_LIST, cm, cl), SMB_OK); /* twin */
    }
    /* truncated, over-long, missing, or over another mechanism list */
    assert_int_equal(smb_auth_mic_verify(&srv, MECH_LIST, sizeof MECH_LIST, cm, 15), SMB_E_INVALID_SIGNATURE);
    assert_int_equal(smb_auth_mic_verify(&srv, MECH_LIST, sizeof MECH_LIST, cm, 17), SMB_E_INVALID_SIGNATURE);
    assert_int_equal(smb_auth_mic_verify(&srv, MECH_LIST, sizeof MECH_LIST, NULL, 16), SMB_E_INVALID_SIGNATURE);
    assert_int_equal(smb_auth_mic_verify(&srv, MECH_LIST, sizeof MECH_LIST - 1, cm, cl), SMB_E_INVALID_SIGNATURE);
    /* a different session's key does not make a valid MIC */
    struct smb_auth_ctx cli2, srv2;
    assert_int_equal(ntlm_pair(&cli2, &srv2, "alice", "secret1", false), SMB_OK);
    assert_int_equal(smb_auth_mic_verify(&srv2, MECH_LIST, sizeof MECH_LIST, cm, cl), SMB_E_INVALID_SIGNATURE);
    smb_auth_wipe(&cli);
    smb_auth_wipe(&srv);
    smb_auth_wipe(&cli2);
    smb_auth_wipe(&srv2);
}

static void ntlm_wrong_password_and_unknown_user(void **state)
{
    struct smb_auth_ctx cli, srv;
    assert_int_equal(ntlm_pair(&cli, &srv, "alice", "wrong", false), SMB_E_LOGON_FAILURE);
    assert_null(srv.mech); /* wiped */
    assert_true(all_zero(srv.state, sizeof srv.state));
    assert_non_null(strstr(srv.why, "alice"));
    smb_auth_wipe(&cli);
    assert_int_equal(ntlm_pair(&cli, &srv, "bob", "secret1", false), SMB_E_LOGON_FAILURE);
    assert_non_null(strstr(srv.why, "unknown user 'bob'"));
    smb_auth_wipe(&cli);
    /* "map to guest = bad user": a guest without a key, so no MIC either */
    assert_int_equal(ntlm_pair(&cli, &srv, "bob", "secret1", true), SMB_OK);
    struct smb_auth_identity id;
    assert_int_equal(smb_auth_identity(&srv, &id), SMB_OK);
    assert_int_equal(id.kind, SMB_AUTH_GUEST);
    assert_false(id.has_key);
    uint8_t k[16];
    size_t kl;
    assert_int_equal(smb_auth_session_key(&srv, k, sizeof k, &kl), SMB_E_NOT_FOUND);
    assert_false(smb_auth_mic_wanted(&srv));
    smb_auth_wipe(&cli);
    smb_auth_wipe(&srv);
    /* anonymous */
    assert_int_equal(ntlm_pair(&cli, &srv, "", "", false), SMB_OK);
    assert_int_equal(smb_auth_identity(&srv, &id), SMB_OK);
    assert_int_equal(id.kind, SMB_AUTH_ANONYMOUS);
    assert_false(id.has_key);
    assert_int_equal(smb_auth_identity(&cli, &id), SMB_OK);
    assert_int_equal(id.kind, SMB_AUTH_ANONYMOUS);
    smb_auth_wipe(&cli);
    smb_auth_wipe(&srv);
}

static void ntlm_secrets_wiped(void **state)
{
    struct smb_auth_ctx cli, srv;
    assert_int_equal(ntlm_pair(&cli, &srv, "alice", "secret1", false), SMB_OK);
    uint8_t key[16];
    size_t kl;
    assert_int_equal(smb_auth_session_key(&srv, key, sizeof key, &kl), SMB_OK);
    /* twin: before wipe the key and the NT hash are in the contexts */
    assert_true(contains(srv.state, sizeof srv.state, key, 16));
    assert_true(contains(cli.state, sizeof cli.state, key, 16));
    assert_true(contains(cli.state, sizeof cli.state, g_alice_hash, 16));
    smb_auth_wipe(&cli);
    smb_auth_wipe(&srv);
    assert_false(contains(srv.state, sizeof srv.state, key, 16));
    assert_false(contains(cli.state, sizeof cli.state, key, 16));
    assert_false(contains(cli.state, sizeof cli.state, g_alice_hash, 16));
    assert_true(all_zero(cli.state, sizeof cli.state));
    assert_true(all_zero(srv.state, sizeof srv.state));
    assert_null(cli.mech);
    uint8_t k2[16], mic[16];
    size_t ml;
    assert_int_equal(smb_auth_session_key(&srv, k2, sizeof k2, &kl), SMB_E_NOT_FOUND);
    assert_int_equal(smb_auth_mic_make(&cli, MECH_LIST, sizeof MECH_LIST, mic, sizeof mic, &ml), SMB_E_NOT_FOUND);
    smb_auth_wipe(&srv); /* idempotent */
}

/* ---------------- the server's commit rule (session_auth.c) ---------------- */

struct srv_fix {
    struct srv_ctx ctx;
    struct srv_conn *c;
    struct srv_session s;
    struct smb_ntlm_client nc;
    uint8_t mech_list[256];
    size_t ml;
};

static void srv_fix_init(struct srv_fix *f)
{
    memset(f, 0, sizeof *f);
    struct srv_config cfg;
    char err[256], db[128], hex[33];
    srv_config_init(&cfg);
    assert_int_equal(srv_config_add_share(&cfg, "share=/tmp", err, sizeof err), SMB_OK);
    assert_int_equal(srv_ctx_init(&f->ctx, &cfg, SMB_LEVEL_REQUIRED, err, sizeof err), SMB_OK);
    uint8_t h[16];
    assert_int_equal(srv_nt_hash("secret1", h), SMB_OK);
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    snprintf(db, sizeof db, "alice:%s\n", hex);
    assert_int_equal(srv_userdb_parse(&f->ctx.users, db, "db", err, sizeof err), SMB_OK);
    f->c = srv_conn_new(&f->ctx, "unit");
    assert_non_null(f->c);
}

static void srv_fix_free(struct srv_fix *f)
{
    srv_auth_free(&f->s);
    smb_ntlm_client_wipe(&f->nc);
    srv_conn_free(f->c);
    srv_ctx_free(&f->ctx);
}

/* Both SPNEGO legs against srv_auth_step; mic_flip flips a bit of the client's mechListMIC. */
static SMB_WUR smb_status srv_login(struct srv_fix *f, const char *password, bool mic_flip)
{
    uint8_t tok[4096], tok2[4096], out[SRV_CHAL_MAX + 256];
    size_t tl, tl2, ol, mlo;
    assert_int_equal(smb_ntlm_client_init(&f->nc, "alice", "WORKGROUP", password, "UNIT"), SMB_OK);
    assert_int_equal(smb_ntlm_client_negotiate(&f->nc, tok, sizeof tok, &tl), SMB_OK);
    assert_int_equal(spnego_init_encode(tok, tl, tok2, sizeof tok2, &tl2, &mlo, &f->ml), SMB_OK);
    memcpy(f->mech_list, tok2 + mlo, f->ml);
    assert_int_equal(srv_auth_step(f->c, &f->s, tok2, tl2, out, sizeof out, &ol), SMB_E_MORE_PROCESSING_REQUIRED);
    assert_int_equal(f->s.auth_step, 1);
    assert_non_null(f->s.auth); /* held only while the exchange runs */
    assert_string_equal(f->s.user, ""); /* nothing known yet */
    struct spnego_resp sr;
    assert_int_equal(spnego_resp_decode(out, ol, &sr), SMB_OK);
    assert_int_equal(smb_ntlm_client_authenticate(&f->nc, sr.response_token.p, sr.response_token.len, tok, sizeof tok,
                                                  &tl),
                     SMB_OK);
    uint8_t mic[16];
    smb_ntlm_mac(f->nc.session_key, f->nc.flags, true, 0, f->mech_list, f->ml, mic);
    if (mic_flip)
        mic[3] ^= 0x10;
    assert_int_equal(spnego_resp_encode(-1, false, tok, tl, mic, 16, tok2, sizeof tok2, &tl2), SMB_OK);
    return srv_auth_step(f->c, &f->s, tok2, tl2, out, sizeof out, &ol);
}

static void server_commits_only_after_every_check(void **state)
{
    static const uint8_t zero16[16];
    /* a bad mechListMIC after a correct NTLMv2 proof: nothing committed */
    struct srv_fix f;
    srv_fix_init(&f);
    assert_int_equal(srv_login(&f, "secret1", true), SMB_E_LOGON_FAILURE);
    assert_string_equal(f.s.user, "");
    assert_memory_equal(f.s.session_key, zero16, 16);
    assert_false(f.s.guest);
    assert_false(f.s.anonymous);
    assert_int_not_equal(f.s.auth_step, 2);
    assert_null(f.s.auth); /* mechanism state wiped and released */
    srv_fix_free(&f);
    /* wrong password: the same */
    srv_fix_init(&f);
    assert_int_equal(srv_login(&f, "nope", false), SMB_E_LOGON_FAILURE);
    assert_string_equal(f.s.user, "");
    assert_memory_equal(f.s.session_key, zero16, 16);
    assert_null(f.s.auth);
    srv_fix_free(&f);
    /* twin: a good MIC commits the user and the client's key, and the mechanism state is gone */
    srv_fix_init(&f);
    assert_int_equal(srv_login(&f, "secret1", false), SMB_OK);
    assert_string_equal(f.s.user, "alice");
    assert_memory_equal(f.s.session_key, f.nc.session_key, 16);
    assert_int_equal(f.s.auth_step, 2);
    assert_null(f.s.auth); /* mechanism state wiped and released */
    srv_fix_free(&f);
}

/* SPNEGO mechanism choice: NTLMSSP second in the client's list. The server
 * names it (supportedMech, no token: the optimistic token was for another
 * mechanism), then runs it; the mechListMIC covers the two-OID list. */
static void server_picks_registered_mech_from_list(void **state)
{
    struct srv_fix f;
    srv_fix_init(&f);
    const struct spnego_buf offer[2] = {{FAKE_OID, sizeof FAKE_OID},
                                        {SPNEGO_OID_NTLMSSP, sizeof SPNEGO_OID_NTLMSSP}};
    uint8_t tok[4096], tok2[4096], out[SRV_CHAL_MAX + 256];
    size_t tl, tl2, ol, mlo;
    static const uint8_t other[4] = {1, 2, 3, 4};
    assert_int_equal(spnego_init_encode_mechs(offer, 2, other, sizeof other, tok2, sizeof tok2, &tl2, &mlo, &f.ml),
                     SMB_OK);
    memcpy(f.mech_list, tok2 + mlo, f.ml);
    assert_int_equal(srv_auth_step(f.c, &f.s, tok2, tl2, out, sizeof out, &ol), SMB_E_MORE_PROCESSING_REQUIRED);
    struct spnego_resp sr;
    assert_int_equal(spnego_resp_decode(out, ol, &sr), SMB_OK);
    assert_int_equal(sr.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
    assert_true(spnego_is_ntlmssp(sr.supported_mech));
    assert_int_equal(sr.response_token.len, 0);
    assert_int_equal(f.s.auth_step, 0);
    /* the NTLMSSP exchange proper */
    assert_int_equal(smb_ntlm_client_init(&f.nc, "alice", "WORKGROUP", "secret1", "UNIT"), SMB_OK);
    assert_int_equal(smb_ntlm_client_negotiate(&f.nc, tok, sizeof tok, &tl), SMB_OK);
    assert_int_equal(spnego_resp_encode(-1, false, tok, tl, NULL, 0, tok2, sizeof tok2, &tl2), SMB_OK);
    assert_int_equal(srv_auth_step(f.c, &f.s, tok2, tl2, out, sizeof out, &ol), SMB_E_MORE_PROCESSING_REQUIRED);
    assert_int_equal(spnego_resp_decode(out, ol, &sr), SMB_OK);
    assert_int_equal(smb_ntlm_client_authenticate(&f.nc, sr.response_token.p, sr.response_token.len, tok, sizeof tok,
                                                  &tl),
                     SMB_OK);
    uint8_t mic[16];
    smb_ntlm_mac(f.nc.session_key, f.nc.flags, true, 0, f.mech_list, f.ml, mic);
    assert_int_equal(spnego_resp_encode(-1, false, tok, tl, mic, 16, tok2, sizeof tok2, &tl2), SMB_OK);
    assert_int_equal(srv_auth_step(f.c, &f.s, tok2, tl2, out, sizeof out, &ol), SMB_OK);
    assert_string_equal(f.s.user, "alice");
    /* the server's mechListMIC over the same two-OID list verifies */
    assert_int_equal(spnego_resp_decode(out, ol, &sr), SMB_OK);
    assert_int_equal(sr.mech_list_mic.len, 16);
    assert_true(smb_ntlm_mac_verify(f.nc.session_key, f.nc.flags, false, 0, f.mech_list, f.ml, sr.mech_list_mic.p));
    srv_fix_free(&f);
    /* twin: nothing registered on offer */
    srv_fix_init(&f);
    assert_int_equal(spnego_init_encode_mechs(offer, 1, other, sizeof other, tok2, sizeof tok2, &tl2, NULL, NULL),
                     SMB_OK);
    assert_int_equal(srv_auth_step(f.c, &f.s, tok2, tl2, out, sizeof out, &ol), SMB_E_LOGON_FAILURE);
    assert_int_equal(ol, 0);
    assert_null(f.s.auth);
    assert_string_equal(f.s.user, "");
    srv_fix_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fake_mech_completes),
        cmocka_unit_test(fake_mech_fails_each_step),
        cmocka_unit_test(fake_server_knows_nothing_before_completion),
        cmocka_unit_test(oversized_state_refused),
        cmocka_unit_test(registry_lookup),
        cmocka_unit_test(ntlm_pair_agrees),
        cmocka_unit_test(ntlm_mic_both_directions),
        cmocka_unit_test(ntlm_wrong_mic_refused),
        cmocka_unit_test(ntlm_wrong_password_and_unknown_user),
        cmocka_unit_test(ntlm_secrets_wiped),
        cmocka_unit_test(server_commits_only_after_every_check),
        cmocka_unit_test(server_picks_registered_mech_from_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
