/*
 * tests/unit/test_auth.c - auth/ (DER, SPNEGO, NTLMSSP) and base/utf16.
 * NTLMv2 known answers from MS-NLMP 4.2.4 (user "User", domain "Domain",
 * password "Password", server challenge 0123456789abcdef, client challenge
 * aa*8, time 0, random session key 55*16), each with a negative twin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/der.h"
#include "auth/ntlmssp.h"
#include "auth/spnego.h"
#include "base/buf.h"
#include "base/hex.h"
#include "base/utf16.h"

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
    char buf[2 * 256 + 1];
    assert_true(n <= 256);
    hex_encode(got, n, buf);
    assert_string_equal(buf, want);
}

static size_t u16(const char *s, uint8_t *out)
{
    size_t n = 0;
    assert_int_equal(smb_utf8_to_utf16le(s, strlen(s), out, 256, &n), SMB_OK);
    return n;
}

/* CHALLENGE_MESSAGE as in MS-NLMP 4.2.4 (flags e28a8233, target "Server",
 * AV pairs NbDomainName "Domain", NbComputerName "Server"), optionally with
 * an MsvAvTimestamp. */
static size_t make_challenge(uint8_t *out, size_t cap, bool with_ts)
{
    uint8_t ti[256], name[64], dn[64], sn[64];
    size_t tl = 0;
    size_t dl = u16("Domain", dn), sl = u16("Server", sn), nl = u16("Server", name);
    assert_int_equal(smb_ntlm_av_put(ti, sizeof ti, &tl, MsvAvNbDomainName, dn, dl), SMB_OK);
    assert_int_equal(smb_ntlm_av_put(ti, sizeof ti, &tl, MsvAvNbComputerName, sn, sl), SMB_OK);
    if (with_ts) {
        uint8_t ts[8] = {0x00, 0x80, 0x3e, 0xd5, 0xde, 0xb1, 0x9d, 0x01};
        assert_int_equal(smb_ntlm_av_put(ti, sizeof ti, &tl, MsvAvTimestamp, ts, 8), SMB_OK);
    }
    assert_int_equal(smb_ntlm_av_put(ti, sizeof ti, &tl, MsvAvEOL, NULL, 0), SMB_OK);
    struct ntlm_challenge c;
    memset(&c, 0, sizeof c);
    c.flags = 0xe28a8233u;
    memcpy(c.server_challenge, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
    c.target_name.p = name;
    c.target_name.len = nl;
    c.target_info.p = ti;
    c.target_info.len = tl;
    size_t n = 0;
    assert_int_equal(smb_ntlm_challenge_encode(&c, out, cap, &n), SMB_OK);
    return n;
}

static void fixed_client(struct smb_ntlm_client *c, const char *pw)
{
    assert_int_equal(smb_ntlm_client_init(c, "User", "Domain", pw, "COMPUTER"), SMB_OK);
    c->fixed = true;
    c->fixed_time = 0;
    memset(c->fixed_client_challenge, 0xaa, 8);
    memset(c->fixed_random_key, 0x55, 16);
}

/* NEGOTIATE, CHALLENGE (make_challenge) and AUTHENTICATE of client c. */
static void exchange(struct smb_ntlm_client *c, bool with_ts, uint8_t *neg, size_t *nl, uint8_t *chal, size_t *cl,
                     uint8_t *auth, size_t *al)
{
    assert_int_equal(smb_ntlm_client_negotiate(c, neg, 256, nl), SMB_OK);
    *cl = make_challenge(chal, 1024, with_ts);
    assert_int_equal(smb_ntlm_client_authenticate(c, chal, *cl, auth, 2048, al), SMB_OK);
}

static void ntowfv2_vector(void **state)
{
    (void)state;
    uint8_t nt[16], k[16];
    assert_int_equal(smb_ntlm_nt_hash("Password", nt), SMB_OK);
    assert_hex(nt, 16, "a4f49c406510bdcab6824ee7c30fd852");
    assert_int_equal(smb_ntlm_ntowfv2(nt, "User", "Domain", k), SMB_OK);
    assert_hex(k, 16, "0c868a403bfd7a93a3001ef22ef02e3f"); /* MS-NLMP 4.2.4.1.1 */
    /* negative twin: another password, another domain */
    assert_int_equal(smb_ntlm_nt_hash("Passwore", nt), SMB_OK);
    assert_int_equal(smb_ntlm_ntowfv2(nt, "User", "Domain", k), SMB_OK);
    assert_true(memcmp(k, "\x0c\x86\x8a\x40", 4) != 0);
    assert_int_equal(smb_ntlm_nt_hash("Password", nt), SMB_OK);
    assert_int_equal(smb_ntlm_ntowfv2(nt, "User", "DOMAIN", k), SMB_OK);
    assert_true(memcmp(k, "\x0c\x86\x8a\x40", 4) != 0);
    /* the user name is upper-cased, so "user" gives the same key */
    assert_int_equal(smb_ntlm_ntowfv2(nt, "user", "Domain", k), SMB_OK);
    assert_hex(k, 16, "0c868a403bfd7a93a3001ef22ef02e3f");
}

static void ntlmv2_authenticate_vector(void **state)
{
    (void)state;
    uint8_t neg[256], chal[1024], auth[2048];
    size_t nl, cl, al;
    struct smb_ntlm_client c;
    fixed_client(&c, "Password");
    assert_int_equal(smb_ntlm_client_negotiate(&c, neg, sizeof neg, &nl), SMB_OK);
    cl = make_challenge(chal, sizeof chal, false);
    assert_int_equal(smb_ntlm_client_authenticate(&c, chal, cl, auth, sizeof auth, &al), SMB_OK);
    struct ntlm_authenticate a;
    assert_int_equal(smb_ntlm_authenticate_decode(auth, al, &a), SMB_OK);
    /* MS-NLMP 4.2.4.2.1 LMv2 response */
    assert_int_equal(a.lm_response.len, 24);
    assert_hex(a.lm_response.p, 24, "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
    /* 4.2.4.2.2 NTProofStr */
    assert_hex(a.nt_response.p, 16, "68cd0ab851e51c96aabc927bebef6a1c");
    /* 4.2.4.2.3 EncryptedRandomSessionKey = RC4(SessionBaseKey 8de40cca..., 55*16) */
    assert_hex(a.enc_session_key.p, 16, "c5dad2544fc9799094ce1ce90bc9d03e");
    assert_true(c.have_key);
    for (int i = 0; i < 16; i++)
        assert_int_equal(c.session_key[i], 0x55);
    assert_false(c.mic_sent);
    /* server side accepts and recovers the same exported key */
    uint8_t nt[16];
    struct ntlm_verify_result res;
    assert_int_equal(smb_ntlm_nt_hash("Password", nt), SMB_OK);
    assert_int_equal(smb_ntlm_server_verify(neg, nl, chal, cl, auth, al, nt, &res), SMB_OK);
    assert_memory_equal(res.session_key, c.session_key, 16);
    assert_false(res.mic_present);
    /* negative twins: wrong password, flipped proof bit, flipped blob bit */
    assert_int_equal(smb_ntlm_nt_hash("password", nt), SMB_OK);
    assert_int_equal(smb_ntlm_server_verify(neg, nl, chal, cl, auth, al, nt, &res), SMB_E_LOGON_FAILURE);
    assert_int_equal(smb_ntlm_nt_hash("Password", nt), SMB_OK);
    size_t ntoff = (size_t)(a.nt_response.p - auth);
    auth[ntoff] ^= 1;
    assert_int_equal(smb_ntlm_server_verify(neg, nl, chal, cl, auth, al, nt, &res), SMB_E_LOGON_FAILURE);
    auth[ntoff] ^= 1;
    auth[ntoff + 16 + 8] ^= 0x80; /* timestamp inside the blob */
    assert_int_equal(smb_ntlm_server_verify(neg, nl, chal, cl, auth, al, nt, &res), SMB_E_LOGON_FAILURE);
    auth[ntoff + 16 + 8] ^= 0x80;
    assert_int_equal(smb_ntlm_server_verify(neg, nl, chal, cl, auth, al, nt, &res), SMB_OK);
    smb_ntlm_client_wipe(&c);
}

static void ntlmv2_mic(void **state)
{
    (void)state;
    uint8_t neg[256], chal[1024], auth[2048], nt[16];
    size_t nl, cl, al;
    struct smb_ntlm_client c;
    struct ntlm_verify_result res;
    fixed_client(&c, "Password");
    exchange(&c, true, neg, &nl, chal, &cl, auth, &al);
    assert_true(c.mic_sent);
    struct ntlm_authenticate a;
    assert_int_equal(smb_ntlm_authenticate_decode(auth, al, &a), SMB_OK);
    assert_true(a.has_mic);
    /* LMv2 zeroed when the server sent a timestamp */
    static const uint8_t z24[24];
    assert_memory_equal(a.lm_response.p, z24, 24);
    /* the client's AV list carries MsvAvFlags with MIC present */
    struct ntlm_buf f;
    assert_int_equal(smb_ntlm_av_find(a.nt_response.p + 16 + 28, a.nt_response.len - 44, MsvAvFlags, &f), SMB_OK);
    assert_int_equal(f.len, 4);
    assert_true(le32(f.p) & NTLM_AVFLAG_MIC_PRESENT);
    assert_int_equal(smb_ntlm_nt_hash("Password", nt), SMB_OK);
    assert_int_equal(smb_ntlm_server_verify(neg, nl, chal, cl, auth, al, nt, &res), SMB_OK);
    assert_true(res.mic_present);
    /* flipped MIC bit */
    auth[72] ^= 1;
    assert_int_equal(smb_ntlm_server_verify(neg, nl, chal, cl, auth, al, nt, &res), SMB_E_LOGON_FAILURE);
    auth[72] ^= 1;
    /* a modified NEGOTIATE (e.g. SIGN stripped by a relay) breaks the MIC */
    neg[12] ^= NTLMSSP_NEGOTIATE_SIGN;
    assert_int_equal(smb_ntlm_server_verify(neg, nl, chal, cl, auth, al, nt, &res), SMB_E_LOGON_FAILURE);
    neg[12] ^= NTLMSSP_NEGOTIATE_SIGN;
    /* "drop the MIC": clearing MsvAvFlags breaks NTProofStr */
    size_t fo = (size_t)(f.p - auth);
    auth[fo] &= (uint8_t)~NTLM_AVFLAG_MIC_PRESENT;
    assert_int_equal(smb_ntlm_server_verify(neg, nl, chal, cl, auth, al, nt, &res), SMB_E_LOGON_FAILURE);
}

/* MsvAvTargetName (against relay and reflection, CVE-2025-33073 class): the
 * client names the server it meant to reach; the server reads it back; a
 * relay that rewrites it to the real target breaks the NTProofStr. Twin:
 * without target_spn nothing is sent and the server reads "". */
static void ntlmv2_target_name(void **state)
{
    (void)state;
    uint8_t neg[256], chal[1024], auth[2048], nt[16];
    size_t nl, cl, al;
    struct smb_ntlm_client c;
    struct ntlm_verify_result res;
    assert_int_equal(smb_ntlm_nt_hash("Password", nt), SMB_OK);
    for (int with = 0; with < 2; with++) {
        fixed_client(&c, "Password");
        if (with)
            snprintf(c.target_spn, sizeof c.target_spn, "cifs/attacker");
        exchange(&c, true, neg, &nl, chal, &cl, auth, &al);
        assert_int_equal(smb_ntlm_server_verify(neg, nl, chal, cl, auth, al, nt, &res), SMB_OK);
        assert_string_equal(res.target_name, with ? "cifs/attacker" : "");
        if (with) {
            /* the relay turns "attacker" into "attackes": the proof no longer holds */
            struct ntlm_authenticate a;
            struct ntlm_buf tn;
            assert_int_equal(smb_ntlm_authenticate_decode(auth, al, &a), SMB_OK);
            assert_int_equal(smb_ntlm_av_find(a.nt_response.p + 16 + 28, a.nt_response.len - 44, MsvAvTargetName, &tn),
                             SMB_OK);
            auth[(size_t)(tn.p - auth) + tn.len - 2] ^= 0x01;
            assert_int_equal(smb_ntlm_server_verify(neg, nl, chal, cl, auth, al, nt, &res), SMB_E_LOGON_FAILURE);
        }
        smb_ntlm_client_wipe(&c);
    }
}

static void ntlm_anonymous(void **state)
{
    (void)state;
    uint8_t neg[256], chal[1024], auth[2048];
    size_t nl, cl, al;
    struct smb_ntlm_client c;
    struct ntlm_verify_result res;
    assert_int_equal(smb_ntlm_client_init(&c, "", "", "", NULL), SMB_OK);
    assert_true(c.anonymous);
    assert_int_equal(smb_ntlm_client_negotiate(&c, neg, sizeof neg, &nl), SMB_OK);
    cl = make_challenge(chal, sizeof chal, true);
    assert_int_equal(smb_ntlm_client_authenticate(&c, chal, cl, auth, sizeof auth, &al), SMB_OK);
    assert_false(c.have_key);
    assert_int_equal(smb_ntlm_server_verify(neg, nl, chal, cl, auth, al, NULL, &res), SMB_OK);
    assert_true(res.anonymous);
    /* a non-anonymous client with a password is not anonymous */
    assert_int_equal(smb_ntlm_client_init(&c, "u", "", "p", NULL), SMB_OK);
    assert_false(c.anonymous);
}

static void ntlm_decode_negative(void **state)
{
    (void)state;
    uint8_t chal[1024], neg[256];
    size_t cl = make_challenge(chal, sizeof chal, true), nl;
    struct ntlm_challenge ch;
    struct ntlm_negotiate ng;
    assert_int_equal(smb_ntlm_challenge_decode(chal, cl, &ch), SMB_OK);
    assert_int_equal(ch.target_name.len, 12);
    /* truncated at every length */
    for (size_t n = 0; n < cl; n++)
        assert_int_not_equal(smb_ntlm_challenge_decode(chal, n, &ch), SMB_OK);
    /* TargetInfo offset pointing outside */
    uint8_t bad[1024];
    memcpy(bad, chal, cl);
    put_le32(bad + 44, (uint32_t)cl);
    assert_int_not_equal(smb_ntlm_challenge_decode(bad, cl, &ch), SMB_OK);
    /* wrong signature / type */
    memcpy(bad, chal, cl);
    bad[8] = 3;
    assert_int_equal(smb_ntlm_challenge_decode(bad, cl, &ch), SMB_E_MALFORMED);
    /* AV list without EOL */
    memcpy(bad, chal, cl);
    bad[cl - 4] = 9;
    assert_int_equal(smb_ntlm_challenge_decode(bad, cl, &ch), SMB_E_MALFORMED);
    /* oversized */
    assert_int_equal(smb_ntlm_challenge_decode(chal, NTLM_MAX_MSG + 1, &ch), SMB_E_MALFORMED);
    assert_int_equal(smb_ntlm_negotiate_encode(0xe2088297u, neg, sizeof neg, &nl), SMB_OK);
    assert_int_equal(smb_ntlm_negotiate_decode(neg, nl, &ng), SMB_OK);
    assert_int_equal(ng.flags, 0xe2088297u);
    assert_int_not_equal(smb_ntlm_negotiate_decode(neg, 11, &ng), SMB_OK);
    uint8_t auth[64];
    memset(auth, 0, sizeof auth);
    memcpy(auth, "NTLMSSP\0\3\0\0\0", 12);
    put_le16(auth + 20, 40); /* NT response length 40 at offset 0 + ... */
    put_le32(auth + 24, 60);
    struct ntlm_authenticate a;
    assert_int_not_equal(smb_ntlm_authenticate_decode(auth, sizeof auth, &a), SMB_OK);
}

static void ntlm_mac_roundtrip(void **state)
{
    (void)state;
    uint8_t key[16], mac[16];
    const uint8_t msg[] = {0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
    memset(key, 0x55, 16);
    uint32_t fl = NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
    smb_ntlm_mac(key, fl, true, 0, msg, sizeof msg, mac);
    assert_int_equal(le32(mac), 1);
    assert_int_equal(smb_ntlm_mac_verify(key, fl, true, 0, msg, sizeof msg, mac), 1);
    assert_int_equal(smb_ntlm_mac_verify(key, fl, false, 0, msg, sizeof msg, mac), 0); /* wrong direction */
    assert_int_equal(smb_ntlm_mac_verify(key, fl, true, 1, msg, sizeof msg, mac), 0);  /* wrong seq */
    key[0] ^= 1;
    assert_int_equal(smb_ntlm_mac_verify(key, fl, true, 0, msg, sizeof msg, mac), 0); /* wrong key */
}

static void spnego_roundtrip(void **state)
{
    (void)state;
    uint8_t tok[300], out[1024];
    size_t ol, mlo, mll;
    memset(tok, 0x42, sizeof tok); /* > 127 bytes: long-form lengths */
    assert_int_equal(spnego_init_encode(tok, sizeof tok, out, sizeof out, &ol, &mlo, &mll), SMB_OK);
    struct spnego_init in;
    assert_int_equal(spnego_init_decode(out, ol, &in), SMB_OK);
    assert_int_equal(in.mech_count, 1);
    assert_true(spnego_is_ntlmssp(in.mechs[0]));
    assert_int_equal(in.mech_token.len, sizeof tok);
    assert_memory_equal(in.mech_token.p, tok, sizeof tok);
    assert_int_equal(mll, 14);
    assert_int_equal(out[mlo], 0x30);
    for (size_t n = 0; n < ol; n++)
        assert_int_not_equal(spnego_init_decode(out, n, &in), SMB_OK);
    uint8_t mic[16];
    memset(mic, 7, 16);
    assert_int_equal(spnego_resp_encode(SPNEGO_ACCEPT_INCOMPLETE, true, tok, 200, mic, 16, out, sizeof out, &ol),
                     SMB_OK);
    struct spnego_resp r;
    assert_int_equal(spnego_resp_decode(out, ol, &r), SMB_OK);
    assert_int_equal(r.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
    assert_true(spnego_is_ntlmssp(r.supported_mech));
    assert_int_equal(r.response_token.len, 200);
    assert_int_equal(r.mech_list_mic.len, 16);
    for (size_t n = 0; n < ol; n++)
        assert_int_not_equal(spnego_resp_decode(out, n, &r), SMB_OK);
    /* negState out of range */
    assert_int_equal(spnego_resp_encode(SPNEGO_ACCEPT_COMPLETED, false, NULL, 0, NULL, 0, out, sizeof out, &ol), SMB_OK);
    assert_int_equal(spnego_resp_decode(out, ol, &r), SMB_OK);
    assert_int_equal(r.neg_state, SPNEGO_ACCEPT_COMPLETED);
    out[ol - 1] = 9;
    assert_int_equal(spnego_resp_decode(out, ol, &r), SMB_E_MALFORMED);
    /* server NegTokenInit2 parses as an init with NTLMSSP */
    assert_int_equal(spnego_init2_encode(out, sizeof out, &ol), SMB_OK);
    assert_int_equal(spnego_init_decode(out, ol, &in), SMB_OK);
    assert_true(in.mech_count == 1 && spnego_is_ntlmssp(in.mechs[0]));
    /* output too small */
    assert_int_equal(spnego_init2_encode(out, 20, &ol), SMB_E_OVERFLOW);
}

static void der_negative(void **state)
{
    (void)state;
    smb_rd r, v;
    uint8_t tag;
    const uint8_t ok[] = {0x04, 0x81, 0x80};
    uint8_t buf[0x90];
    memcpy(buf, ok, 3);
    memset(buf + 3, 1, 0x80);
    rd_init(&r, buf, 3 + 0x80);
    assert_int_equal(der_read_tlv(&r, &tag, &v), SMB_OK);
    assert_int_equal(v.len, 0x80);
    const uint8_t nonmin[] = {0x04, 0x81, 0x05, 1, 2, 3, 4, 5};
    rd_init(&r, nonmin, sizeof nonmin);
    assert_int_equal(der_read_tlv(&r, &tag, &v), SMB_E_MALFORMED);
    const uint8_t indef[] = {0x30, 0x80, 0, 0};
    rd_init(&r, indef, sizeof indef);
    assert_int_equal(der_read_tlv(&r, &tag, &v), SMB_E_MALFORMED);
    const uint8_t longlen[] = {0x04, 0x85, 1, 0, 0, 0, 0};
    rd_init(&r, longlen, sizeof longlen);
    assert_int_equal(der_read_tlv(&r, &tag, &v), SMB_E_MALFORMED);
    const uint8_t over[] = {0x04, 0x84, 0x7f, 0xff, 0xff, 0xff};
    rd_init(&r, over, sizeof over);
    assert_int_equal(der_read_tlv(&r, &tag, &v), SMB_E_MALFORMED);
    const uint8_t shortv[] = {0x04, 0x05, 1, 2};
    rd_init(&r, shortv, sizeof shortv);
    assert_int_equal(der_read_tlv(&r, &tag, &v), SMB_E_TRUNCATED);
    const uint8_t hightag[] = {0x1f, 0x01, 0x00};
    rd_init(&r, hightag, sizeof hightag);
    assert_int_equal(der_read_tlv(&r, &tag, &v), SMB_E_MALFORMED);
}

static void utf16_roundtrip(void **state)
{
    (void)state;
    const char *s = "h\xc3\xa9llo \xf0\x9f\x98\x80"; /* é and U+1F600 */
    uint8_t u[64];
    char back[64];
    size_t ul, bl;
    assert_int_equal(smb_utf8_to_utf16le(s, strlen(s), u, sizeof u, &ul), SMB_OK);
    assert_int_equal(ul, 2 * 6 + 4);
    assert_int_equal(smb_utf16le_to_utf8(u, ul, back, sizeof back, &bl), SMB_OK);
    assert_string_equal(back, s);
    assert_int_equal(smb_utf8_to_utf16le(s, strlen(s), u, 4, &ul), SMB_E_OVERFLOW);
    assert_int_equal(smb_utf8_to_utf16le("\xc0\xaf", 2, u, sizeof u, &ul), SMB_E_MALFORMED); /* overlong */
    assert_int_equal(smb_utf8_to_utf16le("\xed\xa0\x80", 3, u, sizeof u, &ul), SMB_E_MALFORMED); /* surrogate */
    assert_int_equal(smb_utf8_to_utf16le("\xe2\x82", 2, u, sizeof u, &ul), SMB_E_MALFORMED);   /* truncated */
    const uint8_t lone[] = {0x00, 0xd8, 0x41, 0x00};
    assert_int_equal(smb_utf16le_to_utf8(lone, 4, back, sizeof back, &bl), SMB_E_MALFORMED);
    assert_int_equal(smb_utf16le_to_utf8(u, 3, back, sizeof back, &bl), SMB_E_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ntowfv2_vector),    cmocka_unit_test(ntlmv2_authenticate_vector),
        cmocka_unit_test(ntlmv2_mic),
        cmocka_unit_test(ntlmv2_target_name),        cmocka_unit_test(ntlm_anonymous),
        cmocka_unit_test(ntlm_decode_negative), cmocka_unit_test(ntlm_mac_roundtrip),
        cmocka_unit_test(spnego_roundtrip),  cmocka_unit_test(der_negative),
        cmocka_unit_test(utf16_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
