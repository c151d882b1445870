/* tests/unit/test_wire_negotiate.c - NetBIOS framing, SMB2 and SMB1 NEGOTIATE codecs,
 * each positive case with its negative twins (truncated, offsets out of range,
 * counts that lie, oversized, flipped bits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "smbsign/types.h"
#include "wire/netbios.h"
#include "wire/smb1/negotiate.h"
#include "wire/smb2/header.h"
#include "wire/smb2/negotiate.h"

#include "samba_negotiate_kat.h"

/* ------------------------------------------------------------------ NetBIOS */

static void nb_hdr_roundtrip(void **state)
{
    (void)state;
    uint8_t b[4];
    smb_wr w;
    wr_init(&w, b, sizeof b);
    smb_nb_hdr_encode(&w, SMB_NB_SESSION_MESSAGE, 0x123456);
    assert_true(wr_ok(&w));
    assert_memory_equal(b, "\x00\x12\x34\x56", 4);
    smb_rd r;
    uint8_t t;
    uint32_t len;
    rd_init(&r, b, 4);
    assert_int_equal(smb_nb_hdr_decode(&r, &t, &len), SMB_OK);
    assert_int_equal(t, 0);
    assert_int_equal(len, 0x123456);
}

static void nb_hdr_rejects_bad(void **state)
{
    (void)state;
    uint8_t t;
    uint32_t len;
    smb_rd r;
    rd_init(&r, "\x00\x00\x01", 3); /* truncated */
    assert_int_equal(smb_nb_hdr_decode(&r, &t, &len), SMB_E_TRUNCATED);
    rd_init(&r, "HTTP", 4); /* not a session packet type */
    assert_int_equal(smb_nb_hdr_decode(&r, &t, &len), SMB_E_MALFORMED);
    rd_init(&r, "\x82\x02\x00\x00", 4); /* control packet with undefined flags */
    assert_int_equal(smb_nb_hdr_decode(&r, &t, &len), SMB_E_MALFORMED);
    uint8_t b[4];
    smb_wr w;
    wr_init(&w, b, sizeof b);
    smb_nb_hdr_encode(&w, 0, SMB_NB_MAX_LEN + 1); /* oversized */
    assert_int_equal(w.err, SMB_E_OVERFLOW);
}

static void nb_name_smbserver(void **state)
{
    (void)state;
    uint8_t b[128];
    smb_wr w;
    wr_init(&w, b, sizeof b);
    assert_int_equal(smb_nb_session_request_encode(&w, SMB_NB_SMBSERVER_NAME, "client"), SMB_OK);
    assert_int_equal(wr_len(&w), 4 + 68);
    assert_memory_equal(b, "\x81\x00\x00\x44", 4);
    /* RFC 1001 first-level encoding of "*SMBSERVER" + spaces + 0x20 */
    assert_memory_equal(b + 4,
                        "\x20"
                        "CKFDENECFDEFFCFGEFFCCACACACACACA"
                        "\x00",
                        34);
    smb_rd r;
    rd_init(&r, b + 4, 68);
    struct smb_nb_session_request q;
    assert_int_equal(smb_nb_session_request_decode(&r, &q), SMB_OK);
    assert_string_equal(q.called, "*SMBSERVER");
    assert_int_equal(q.called_suffix, 0x20);
    assert_string_equal(q.calling, "CLIENT");
    assert_int_equal(q.calling_suffix, 0);
    /* negative twins: a half-ASCII byte out of range, a scope label, truncation */
    b[10] = 'Z';
    rd_init(&r, b + 4, 68);
    assert_int_equal(smb_nb_session_request_decode(&r, &q), SMB_E_MALFORMED);
    b[10] = 'A';
    b[4 + 33] = 1;
    rd_init(&r, b + 4, 68);
    assert_int_equal(smb_nb_session_request_decode(&r, &q), SMB_E_MALFORMED);
    rd_init(&r, b + 4, 40);
    assert_int_not_equal(smb_nb_session_request_decode(&r, &q), SMB_OK);
    wr_init(&w, b, sizeof b);
    assert_int_equal(smb_nb_name_encode(&w, "SIXTEENCHARSLONG", 0x20), SMB_E_BAD_ARGUMENT);
}

static void nb_session_response(void **state)
{
    (void)state;
    uint8_t code;
    smb_rd r;
    rd_init(&r, NULL, 0);
    assert_int_equal(smb_nb_session_response_decode(SMB_NB_POSITIVE_RESPONSE, &r, &code), SMB_OK);
    rd_init(&r, "\x82", 1);
    assert_int_equal(smb_nb_session_response_decode(SMB_NB_NEGATIVE_RESPONSE, &r, &code),
                     SMB_E_REQUEST_NOT_ACCEPTED);
    assert_int_equal(code, SMB_NB_ERR_CALLED_NOT_PRESENT);
    rd_init(&r, "\x7f\x00\x00\x01\x00\x8b", 6);
    assert_int_equal(smb_nb_session_response_decode(SMB_NB_RETARGET_RESPONSE, &r, &code),
                     SMB_E_NOT_SUPPORTED);
    /* negative twins */
    rd_init(&r, "x", 1); /* positive with a body */
    assert_int_equal(smb_nb_session_response_decode(SMB_NB_POSITIVE_RESPONSE, &r, &code), SMB_E_MALFORMED);
    rd_init(&r, NULL, 0); /* negative without its code */
    assert_int_equal(smb_nb_session_response_decode(SMB_NB_NEGATIVE_RESPONSE, &r, &code), SMB_E_MALFORMED);
    rd_init(&r, NULL, 0);
    assert_int_equal(smb_nb_session_response_decode(SMB_NB_SESSION_MESSAGE, &r, &code), SMB_E_MALFORMED);
    uint8_t b[8];
    smb_wr w;
    wr_init(&w, b, sizeof b);
    smb_nb_session_response_encode(&w, false, SMB_NB_ERR_UNSPECIFIED);
    assert_int_equal(wr_len(&w), 5);
    assert_memory_equal(b, "\x83\x00\x00\x01\x8f", 5);
}

static void nb_framer_partial_reads(void **state)
{
    (void)state;
    uint8_t stream[4 + 10 + 4];
    memcpy(stream,
           "\x00\x00\x00\x0a"
           "0123456789"
           "\x85\x00\x00\x00",
           sizeof stream);
    uint8_t buf[4];
    smb_nb_framer fr;
    smb_nb_framer_init(&fr, 64, buf, sizeof buf);
    size_t used = 0, pos = 0;
    smb_status st = SMB_E_PENDING;
    uint8_t *big = NULL;
    /* one byte at a time: partial reads are normal */
    while (pos < 14) {
        st = smb_nb_framer_feed(&fr, stream + pos, 1, &used);
        pos += used;
        if (st == SMB_E_BUFFER_TOO_SMALL) {
            /* the 4-byte buffer is full: lend a bigger one holding those bytes */
            assert_int_equal(fr.len, 10);
            assert_int_equal(fr.have, 4);
            assert_int_equal(used, 0);
            assert_null(big);
            big = malloc(fr.len);
            memcpy(big, buf, fr.have);
            smb_nb_framer_set_buffer(&fr, big, fr.len);
            continue;
        }
        if (pos < 14)
            assert_int_equal(st, SMB_E_PENDING);
    }
    assert_int_equal(st, SMB_OK);
    assert_int_equal(fr.type, 0);
    assert_memory_equal(fr.buf, "0123456789", 10);
    /* next frame in the same feed: a keepalive */
    smb_nb_framer_reset(&fr);
    assert_int_equal(smb_nb_framer_feed(&fr, stream + 14, 4, &used), SMB_OK);
    assert_int_equal(fr.type, SMB_NB_KEEPALIVE);
    assert_int_equal(fr.len, 0);
    free(big);
}

static void nb_framer_caps(void **state)
{
    (void)state;
    uint8_t buf[16];
    smb_nb_framer fr;
    size_t used;
    /* oversized: the length is over max_pdu */
    smb_nb_framer_init(&fr, 16, buf, sizeof buf);
    assert_int_equal(smb_nb_framer_feed(&fr, (const uint8_t *)"\x00\x00\x00\x11", 4, &used), SMB_E_MALFORMED);
    assert_true(fr.oversized);
    /* exactly at the cap is fine */
    smb_nb_framer_init(&fr, 16, buf, sizeof buf);
    assert_int_equal(smb_nb_framer_feed(&fr, (const uint8_t *)"\x00\x00\x00\x10", 4, &used), SMB_E_PENDING);
    /* not NetBIOS at all */
    smb_nb_framer_init(&fr, 16, buf, sizeof buf);
    assert_int_equal(smb_nb_framer_feed(&fr, (const uint8_t *)"HTTP/1.1", 8, &used), SMB_E_MALFORMED);
    assert_false(fr.oversized);
    /* bytes after a complete frame are left to the caller */
    smb_nb_framer_init(&fr, 16, buf, sizeof buf);
    assert_int_equal(smb_nb_framer_feed(&fr, (const uint8_t *)"\x00\x00\x00\x01Xextra", 10, &used), SMB_OK);
    assert_int_equal(used, 5);
}

/* ------------------------------------------------------------------ SMB2 */

static const uint8_t salt32[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static size_t build_req(uint8_t *b, size_t cap, bool with311)
{
    smb_wr w;
    wr_init(&w, b, cap);
    struct smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = SMB2_NEGOTIATE;
    smb2_hdr_encode(&w, &h);
    struct smb2_negotiate_req q;
    memset(&q, 0, sizeof q);
    static const uint16_t d[] = {0x0202, 0x0210, 0x0300, 0x0302, 0x0311};
    q.dialect_count = with311 ? 5 : 4;
    memcpy(q.dialects, d, sizeof d);
    q.security_mode = 1;
    q.capabilities = 0x7f;
    memset(q.client_guid, 0xab, 16);
    q.ctx.has_preauth = true;
    q.ctx.preauth.hash_alg_count = 1;
    q.ctx.preauth.hash_algs[0] = SMB2_PREAUTH_HASH_SHA512;
    q.ctx.preauth.salt_len = 32;
    memcpy(q.ctx.preauth.salt, salt32, 32);
    q.ctx.has_encryption = true;
    q.ctx.encryption.cipher_count = 4;
    for (int i = 0; i < 4; i++)
        q.ctx.encryption.ciphers[i] = (uint16_t)(4 - i);
    q.ctx.has_signing = true;
    q.ctx.signing.alg_count = 3;
    q.ctx.signing.algs[0] = 2;
    q.ctx.signing.algs[1] = 1;
    q.ctx.signing.algs[2] = 0;
    q.ctx.has_netname = true;
    q.ctx.netname = (const uint8_t *)"h\0o\0s\0t\0";
    q.ctx.netname_len = 8;
    assert_int_equal(smb2_negotiate_req_encode(&w, 0, &q), SMB_OK);
    return wr_len(&w);
}

static void smb2_req_roundtrip(void **state)
{
    (void)state;
    uint8_t b[512];
    size_t n = build_req(b, sizeof b, true);
    struct smb2_negotiate_req q;
    assert_int_equal(smb2_negotiate_req_parse(b, n, &q), SMB_OK);
    assert_int_equal(q.dialect_count, 5);
    assert_int_equal(q.dialects[4], 0x0311);
    assert_int_equal(q.security_mode, 1);
    assert_true(q.ctx.has_preauth && q.ctx.has_encryption && q.ctx.has_signing && q.ctx.has_netname);
    assert_int_equal(q.ctx.preauth.salt_len, 32);
    assert_memory_equal(q.ctx.preauth.salt, salt32, 32);
    assert_int_equal(q.ctx.encryption.cipher_count, 4);
    assert_int_equal(q.ctx.encryption.ciphers[0], SMB2_CIPHER_AES_256_GCM);
    assert_int_equal(q.ctx.signing.alg_count, 3);
    assert_int_equal(q.ctx.signing.algs[0], SMB2_SIGNING_AES_GMAC);
    assert_int_equal(q.ctx.netname_len, 8);
    /* NegotiateContextOffset is 8-aligned, and so is every context */
    uint32_t off = le32(b + 64 + 28);
    assert_int_equal(off % 8, 0);
    assert_int_equal(le16(b + 64 + 32), 4);
    /* without 3.1.1 the context fields are ClientStartTime: no contexts */
    n = build_req(b, sizeof b, false);
    assert_int_equal(smb2_negotiate_req_parse(b, n, &q), SMB_OK);
    assert_false(q.ctx.has_preauth);
}

static void smb2_req_negative(void **state)
{
    (void)state;
    uint8_t b[512], c[512];
    size_t n = build_req(b, sizeof b, true);
    struct smb2_negotiate_req q;
    /* truncated at every length */
    for (size_t k = 0; k < n; k++)
        assert_int_not_equal(smb2_negotiate_req_parse(b, k, &q), SMB_OK);
    /* DialectCount lies (zero, over the cap, more than present) */
    memcpy(c, b, n);
    put_le16(c + 64 + 2, 0);
    assert_int_equal(smb2_negotiate_req_parse(c, n, &q), SMB_E_MALFORMED);
    put_le16(c + 64 + 2, SMB2_NEG_MAX_DIALECTS + 1);
    assert_int_equal(smb2_negotiate_req_parse(c, n, &q), SMB_E_MALFORMED);
    /* context offset misaligned / inside the fixed part / past the end */
    memcpy(c, b, n);
    put_le32(c + 64 + 28, le32(b + 64 + 28) + 1);
    assert_int_not_equal(smb2_negotiate_req_parse(c, n, &q), SMB_OK);
    put_le32(c + 64 + 28, 64);
    assert_int_equal(smb2_negotiate_req_parse(c, n, &q), SMB_E_MALFORMED);
    put_le32(c + 64 + 28, 0xFFFFFFF8u);
    assert_int_not_equal(smb2_negotiate_req_parse(c, n, &q), SMB_OK);
    /* context count lies: one more than present, and over the cap */
    memcpy(c, b, n);
    put_le16(c + 64 + 32, 5);
    assert_int_not_equal(smb2_negotiate_req_parse(c, n, &q), SMB_OK);
    put_le16(c + 64 + 32, SMB2_NEG_MAX_CONTEXTS + 1);
    assert_int_equal(smb2_negotiate_req_parse(c, n, &q), SMB_E_MALFORMED);
    /* flipped bit: StructureSize, ProtocolId, response flag */
    memcpy(c, b, n);
    c[64] ^= 1;
    assert_int_equal(smb2_negotiate_req_parse(c, n, &q), SMB_E_MALFORMED);
    memcpy(c, b, n);
    c[0] ^= 1;
    assert_int_equal(smb2_negotiate_req_parse(c, n, &q), SMB_E_MALFORMED);
    memcpy(c, b, n);
    c[16] |= 1;
    assert_int_equal(smb2_negotiate_req_parse(c, n, &q), SMB_E_MALFORMED);
    /* oversized salt in the first (preauth) context */
    memcpy(c, b, n);
    uint32_t off = le32(b + 64 + 28);
    put_le16(c + off + 8 + 2, SMB2_NEG_MAX_SALT + 1);
    assert_int_equal(smb2_negotiate_req_parse(c, n, &q), SMB_E_MALFORMED);
    /* duplicate context: turn the encryption context into a second preauth */
    memcpy(c, b, n);
    size_t second = (off + 8 + le16(b + off + 2) + 7) & ~(size_t)7;
    assert_int_equal(le16(b + second), SMB2_ENCRYPTION_CAPABILITIES);
    put_le16(c + second, SMB2_PREAUTH_INTEGRITY_CAPABILITIES);
    assert_int_equal(smb2_negotiate_req_parse(c, n, &q), SMB_E_MALFORMED);
    /* cipher count lies about the context's DataLength */
    memcpy(c, b, n);
    put_le16(c + second + 8, 40);
    assert_int_not_equal(smb2_negotiate_req_parse(c, n, &q), SMB_OK);
    /* encoder refuses counts over the caps */
    struct smb2_negotiate_req bad;
    memset(&bad, 0, sizeof bad);
    smb_wr w;
    wr_init(&w, c, sizeof c);
    assert_int_equal(smb2_negotiate_req_encode(&w, 0, &bad), SMB_E_BAD_ARGUMENT);
}

static const uint8_t spnego[] = {0x60, 0x28, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x1e};

static size_t build_rsp(uint8_t *b, size_t cap, uint16_t dialect, uint16_t secmode)
{
    smb_wr w;
    wr_init(&w, b, cap);
    struct smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = SMB2_NEGOTIATE;
    h.flags = SMB2_FLAGS_SERVER_TO_REDIR;
    smb2_hdr_encode(&w, &h);
    struct smb2_negotiate_rsp s;
    memset(&s, 0, sizeof s);
    s.security_mode = secmode;
    s.dialect = dialect;
    memset(s.server_guid, 0x5a, 16);
    s.capabilities = 0x2f;
    s.max_transact_size = s.max_read_size = s.max_write_size = 8u << 20;
    s.system_time = 0x01d9000000000000ull;
    s.security_buffer = spnego;
    s.security_buffer_len = sizeof spnego;
    s.ctx.has_preauth = true;
    s.ctx.preauth.hash_alg_count = 1;
    s.ctx.preauth.hash_algs[0] = 1;
    s.ctx.preauth.salt_len = 32;
    memcpy(s.ctx.preauth.salt, salt32, 32);
    s.ctx.has_encryption = true;
    s.ctx.encryption.cipher_count = 1;
    s.ctx.encryption.ciphers[0] = SMB2_CIPHER_AES_128_GCM;
    s.ctx.has_signing = true;
    s.ctx.signing.alg_count = 1;
    s.ctx.signing.algs[0] = SMB2_SIGNING_AES_GMAC;
    assert_int_equal(smb2_negotiate_rsp_encode(&w, 0, &s), SMB_OK);
    return wr_len(&w);
}

static void smb2_rsp_roundtrip(void **state)
{
    (void)state;
    uint8_t b[512];
    size_t n = build_rsp(b, sizeof b, 0x0311, 3);
    struct smb2_negotiate_rsp s;
    assert_int_equal(smb2_negotiate_rsp_parse(b, n, &s), SMB_OK);
    assert_int_equal(s.dialect, 0x0311);
    assert_int_equal(s.security_mode, 3);
    assert_int_equal(s.capabilities, 0x2f);
    assert_int_equal(s.max_read_size, 8u << 20);
    assert_int_equal(s.security_buffer_len, sizeof spnego);
    assert_memory_equal(s.security_buffer, spnego, sizeof spnego);
    assert_int_equal(le16(b + 64 + 56), 128); /* SecurityBufferOffset right after the fixed part */
    assert_true(s.ctx.has_preauth && s.ctx.has_encryption && s.ctx.has_signing);
    assert_int_equal(s.ctx.encryption.ciphers[0], SMB2_CIPHER_AES_128_GCM);
    assert_int_equal(s.ctx.signing.algs[0], SMB2_SIGNING_AES_GMAC);
    assert_int_equal(le32(b + 64 + 60) % 8, 0);
    /* 2.1: no contexts even though the encoder was given some */
    n = build_rsp(b, sizeof b, 0x0210, 1);
    assert_int_equal(smb2_negotiate_rsp_parse(b, n, &s), SMB_OK);
    assert_int_equal(s.dialect, 0x0210);
    assert_false(s.ctx.has_preauth);
    /* multi-protocol wildcard answer */
    n = build_rsp(b, sizeof b, 0x02FF, 1);
    assert_int_equal(smb2_negotiate_rsp_parse(b, n, &s), SMB_OK);
    assert_int_equal(s.dialect, 0x02FF);
}

static void smb2_rsp_negative(void **state)
{
    (void)state;
    uint8_t b[512], c[512];
    size_t n = build_rsp(b, sizeof b, 0x0311, 1);
    struct smb2_negotiate_rsp s;
    for (size_t k = 0; k < n; k++)
        assert_int_not_equal(smb2_negotiate_rsp_parse(b, k, &s), SMB_OK);
    /* security buffer: offset past the end, inside the fixed part, length too long */
    memcpy(c, b, n);
    put_le16(c + 64 + 56, 0xFFF0);
    assert_int_not_equal(smb2_negotiate_rsp_parse(c, n, &s), SMB_OK);
    put_le16(c + 64 + 56, 70);
    assert_int_equal(smb2_negotiate_rsp_parse(c, n, &s), SMB_E_MALFORMED);
    memcpy(c, b, n);
    put_le16(c + 64 + 58, 0xFFFF);
    assert_int_not_equal(smb2_negotiate_rsp_parse(c, n, &s), SMB_OK);
    /* contexts overlapping the security buffer */
    memcpy(c, b, n);
    put_le32(c + 64 + 60, 128);
    assert_int_equal(smb2_negotiate_rsp_parse(c, n, &s), SMB_E_MALFORMED);
    /* context count lies (more than present, zero for 3.1.1 = no preauth) */
    memcpy(c, b, n);
    put_le16(c + 64 + 6, 4);
    assert_int_not_equal(smb2_negotiate_rsp_parse(c, n, &s), SMB_OK);
    put_le16(c + 64 + 6, 0);
    assert_int_equal(smb2_negotiate_rsp_parse(c, n, &s), SMB_E_MALFORMED);
    /* the server must choose exactly one cipher */
    memcpy(c, b, n);
    uint32_t off = le32(b + 64 + 60);
    size_t second = (off + 8 + le16(b + off + 2) + 7) & ~(size_t)7;
    assert_int_equal(le16(b + second), SMB2_ENCRYPTION_CAPABILITIES);
    put_le16(c + second + 8, 2);
    assert_int_not_equal(smb2_negotiate_rsp_parse(c, n, &s), SMB_OK);
    /* a failed NEGOTIATE (Status != 0) and a request where a response belongs */
    memcpy(c, b, n);
    put_le32(c + 8, 0xC00000BBu);
    assert_int_equal(smb2_negotiate_rsp_parse(c, n, &s), SMB_E_NOT_SUPPORTED);
    memcpy(c, b, n);
    c[16] &= (uint8_t)~1;
    assert_int_equal(smb2_negotiate_rsp_parse(c, n, &s), SMB_E_MALFORMED);
    /* flipped StructureSize */
    memcpy(c, b, n);
    c[64] ^= 2;
    assert_int_equal(smb2_negotiate_rsp_parse(c, n, &s), SMB_E_MALFORMED);
}

/* ------------------------------------------------------------------ SMB1 */

static size_t build_smb1_req(uint8_t *b, size_t cap)
{
    smb_wr w;
    wr_init(&w, b, cap);
    struct smb1_negotiate_req q;
    memset(&q, 0, sizeof q);
    q.dialect_count = 3;
    q.dialects[0] = SMB1_DIALECT_NT_LM_012;
    q.dialects[1] = SMB1_DIALECT_SMB2_002;
    q.dialects[2] = SMB1_DIALECT_SMB2_WILDCARD;
    assert_int_equal(smb1_negotiate_req_encode(&w, &q, SMB1_FLAGS2_NT_STATUS | SMB1_FLAGS2_UNICODE, 7),
                     SMB_OK);
    return wr_len(&w);
}

static void smb1_req_roundtrip(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = build_smb1_req(b, sizeof b);
    smb_rd r;
    rd_init(&r, b, n);
    struct smb1_hdr h;
    assert_int_equal(smb1_hdr_decode(&r, &h), SMB_OK);
    assert_int_equal(h.command, SMB1_COM_NEGOTIATE);
    assert_int_equal(h.mid, 7);
    struct smb1_negotiate_req q;
    assert_int_equal(smb1_negotiate_req_decode(&r, &q), SMB_OK);
    assert_int_equal(q.dialect_count, 3);
    assert_int_equal(smb1_negotiate_req_find(&q, "SMB 2.???"), 2);
    assert_int_equal(smb1_negotiate_req_find(&q, "NT LM 0.12"), 0);
    assert_int_equal(smb1_negotiate_req_find(&q, "LANMAN1.0"), -1);
}

static void smb1_req_negative(void **state)
{
    (void)state;
    uint8_t b[256], c[256];
    size_t n = build_smb1_req(b, sizeof b);
    struct smb1_negotiate_req q;
    for (size_t k = 32; k < n; k++) {
        smb_rd r;
        rd_init(&r, b + 32, k - 32);
        assert_int_not_equal(smb1_negotiate_req_decode(&r, &q), SMB_OK);
    }
    smb_rd r;
    /* ByteCount lies */
    memcpy(c, b, n);
    put_le16(c + 33, (uint16_t)(le16(b + 33) + 1));
    rd_init(&r, c + 32, n - 32);
    assert_int_not_equal(smb1_negotiate_req_decode(&r, &q), SMB_OK);
    /* bad BufferFormat, missing terminator, non-zero WordCount */
    memcpy(c, b, n);
    c[35] = 0x03;
    rd_init(&r, c + 32, n - 32);
    assert_int_equal(smb1_negotiate_req_decode(&r, &q), SMB_E_MALFORMED);
    memcpy(c, b, n);
    c[n - 1] = '!';
    rd_init(&r, c + 32, n - 32);
    assert_int_equal(smb1_negotiate_req_decode(&r, &q), SMB_E_MALFORMED);
    memcpy(c, b, n);
    c[32] = 1;
    rd_init(&r, c + 32, n - 32);
    assert_int_not_equal(smb1_negotiate_req_decode(&r, &q), SMB_OK);
    /* oversized: more dialects than the cap */
    uint8_t many[4 + 3 * (SMB1_NEG_MAX_DIALECTS + 1)];
    many[0] = 0;
    put_le16(many + 1, 3 * (SMB1_NEG_MAX_DIALECTS + 1));
    for (int i = 0; i <= SMB1_NEG_MAX_DIALECTS; i++)
        memcpy(many + 3 + 3 * i, "\x02X\0", 3);
    rd_init(&r, many, 3 + 3 * (SMB1_NEG_MAX_DIALECTS + 1));
    assert_int_equal(smb1_negotiate_req_decode(&r, &q), SMB_E_MALFORMED);
}

static size_t build_smb1_rsp(uint8_t *b, size_t cap, bool ext, uint8_t secmode)
{
    smb_wr w;
    wr_init(&w, b, cap);
    struct smb1_hdr h;
    memset(&h, 0, sizeof h);
    h.command = SMB1_COM_NEGOTIATE;
    h.flags = SMB1_FLAGS_REPLY;
    h.flags2 = SMB1_FLAGS2_NT_STATUS;
    smb1_hdr_encode(&w, &h);
    struct smb1_negotiate_rsp s;
    memset(&s, 0, sizeof s);
    s.word_count = 17;
    s.dialect_index = 0;
    s.security_mode = secmode;
    s.max_mpx_count = 50;
    s.max_number_vcs = 1;
    s.max_buffer_size = 16644;
    s.max_raw_size = 65536;
    s.capabilities = 0x8000f3fd & (ext ? 0xFFFFFFFFu : ~SMB1_CAP_EXTENDED_SECURITY);
    s.challenge_length = 8;
    s.challenge = (const uint8_t *)"\x11\x22\x33\x44\x55\x66\x77\x88";
    s.domain_name = (const uint8_t *)"W\0G\0\0\0";
    s.domain_name_len = 6;
    memset(s.server_guid, 0x42, 16);
    s.security_blob = spnego;
    s.security_blob_len = sizeof spnego;
    assert_int_equal(smb1_negotiate_rsp_encode(&w, &s), SMB_OK);
    return wr_len(&w);
}

static void smb1_rsp_roundtrip(void **state)
{
    (void)state;
    uint8_t b[256];
    struct smb1_negotiate_answer a;
    size_t n = build_smb1_rsp(b, sizeof b, true, 0x0f);
    assert_int_equal(smb1_negotiate_answer_parse(b, n, &a), SMB_OK);
    assert_int_equal(a.kind, SMB1_ANSWER_SMB1);
    assert_int_equal(a.smb1.word_count, 17);
    assert_int_equal(a.smb1.security_mode, 0x0f);
    assert_int_equal(a.smb1.max_mpx_count, 50);
    assert_true(a.smb1.capabilities & SMB1_CAP_EXTENDED_SECURITY);
    assert_int_equal(a.smb1.security_blob_len, sizeof spnego);
    assert_memory_equal(a.smb1.server_guid, "BBBBBBBBBBBBBBBB", 16);
    n = build_smb1_rsp(b, sizeof b, false, 0x03);
    assert_int_equal(smb1_negotiate_answer_parse(b, n, &a), SMB_OK);
    assert_int_equal(a.smb1.challenge_length, 8);
    assert_memory_equal(a.smb1.challenge, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    assert_int_equal(a.smb1.domain_name_len, 6);
    /* "no dialect" (WordCount 1, DialectIndex 0xFFFF) */
    smb_wr w;
    wr_init(&w, b + 32, sizeof b - 32);
    struct smb1_negotiate_rsp none = {.word_count = 1, .dialect_index = SMB1_NEG_NO_DIALECT};
    assert_int_equal(smb1_negotiate_rsp_encode(&w, &none), SMB_OK);
    assert_int_equal(smb1_negotiate_answer_parse(b, 32 + wr_len(&w), &a), SMB_OK);
    assert_int_equal(a.smb1.dialect_index, SMB1_NEG_NO_DIALECT);
    /* an SMB2 server answering the multi-protocol negotiate with 0x02FF */
    n = build_rsp(b, sizeof b, 0x02FF, 1);
    assert_int_equal(smb1_negotiate_answer_parse(b, n, &a), SMB_OK);
    assert_int_equal(a.kind, SMB1_ANSWER_SMB2);
    assert_int_equal(a.smb2.dialect, 0x02FF);
}

static void smb1_rsp_negative(void **state)
{
    (void)state;
    uint8_t b[256], c[256];
    struct smb1_negotiate_answer a;
    size_t n = build_smb1_rsp(b, sizeof b, false, 0x07);
    for (size_t k = 0; k < n - 6; k++) /* the domain name is free-form: cut before it */
        assert_int_not_equal(smb1_negotiate_answer_parse(b, k, &a), SMB_OK);
    /* ChallengeLength over the cap, and longer than ByteCount */
    memcpy(c, b, n);
    c[32 + 34] = SMB1_NEG_MAX_CHALLENGE + 1;
    assert_int_equal(smb1_negotiate_answer_parse(c, n, &a), SMB_E_MALFORMED);
    memcpy(c, b, n);
    put_le16(c + 32 + 35, 4);
    assert_int_equal(smb1_negotiate_answer_parse(c, n, &a), SMB_E_MALFORMED);
    /* ByteCount past the end */
    memcpy(c, b, n);
    put_le16(c + 32 + 35, 200);
    assert_int_not_equal(smb1_negotiate_answer_parse(c, n, &a), SMB_OK);
    /* extended security with fewer than 16 GUID bytes */
    n = build_smb1_rsp(b, sizeof b, true, 0x07);
    memcpy(c, b, n);
    put_le16(c + 32 + 35, 10);
    assert_int_equal(smb1_negotiate_answer_parse(c, n, &a), SMB_E_MALFORMED);
    /* flipped bits: magic, reply flag, command; NT error status */
    memcpy(c, b, n);
    c[1] ^= 0x20;
    assert_int_not_equal(smb1_negotiate_answer_parse(c, n, &a), SMB_OK);
    memcpy(c, b, n);
    c[9] &= 0x7f; /* Flags (MS-CIFS 2.2.3.1) */
    assert_int_equal(smb1_negotiate_answer_parse(c, n, &a), SMB_E_MALFORMED);
    memcpy(c, b, n);
    c[4] = SMB1_COM_ECHO;
    assert_int_equal(smb1_negotiate_answer_parse(c, n, &a), SMB_E_MALFORMED);
    memcpy(c, b, n);
    put_le32(c + 5, 0xC0000022u);
    assert_int_equal(smb1_negotiate_answer_parse(c, n, &a), SMB_E_ACCESS_DENIED);
    /* WordCount 0 */
    memcpy(c, b, n);
    c[32] = 0;
    assert_int_equal(smb1_negotiate_answer_parse(c, n, &a), SMB_E_MALFORMED);
    /* a truncated SMB2 answer */
    n = build_rsp(b, sizeof b, 0x02FF, 1);
    assert_int_not_equal(smb1_negotiate_answer_parse(b, 80, &a), SMB_OK);
}

/* ------------------------------------------------------------------ real peer */

static void samba_known_answers(void **state)
{
    (void)state;
    struct smb2_negotiate_rsp s;
    assert_int_equal(smb2_negotiate_rsp_parse(samba_rsp311, sizeof samba_rsp311, &s), SMB_OK);
    assert_int_equal(s.dialect, 0x0311);
    assert_int_equal(s.security_mode, SMB2_NEGOTIATE_SIGNING_ENABLED);
    assert_true(s.security_buffer_len > 0);
    assert_true(s.ctx.has_preauth && s.ctx.has_encryption && s.ctx.has_signing);
    assert_int_equal(s.ctx.preauth.hash_algs[0], SMB2_PREAUTH_HASH_SHA512);
    assert_int_equal(s.ctx.signing.algs[0], SMB2_SIGNING_AES_GMAC);
    /* Samba answers the multi-protocol negotiate (NT LM 0.12 + SMB 2.002 + SMB 2.???) with SMB2 0x02FF */
    struct smb1_negotiate_answer a;
    assert_int_equal(smb1_negotiate_answer_parse(samba_rsp02ff, sizeof samba_rsp02ff, &a), SMB_OK);
    assert_int_equal(a.kind, SMB1_ANSWER_SMB2);
    assert_int_equal(a.smb2.dialect, 0x02FF);
    /* and NT LM 0.12 alone with the SMB1 response: SecurityMode 7 = signing enabled */
    assert_int_equal(smb1_negotiate_answer_parse(samba_rsp_ntlm012, sizeof samba_rsp_ntlm012, &a), SMB_OK);
    assert_int_equal(a.kind, SMB1_ANSWER_SMB1);
    assert_int_equal(a.smb1.word_count, 17);
    assert_int_equal(a.smb1.dialect_index, 0);
    assert_int_equal(a.smb1.security_mode, 0x07);
    assert_true(a.smb1.capabilities & SMB1_CAP_EXTENDED_SECURITY);
    /* negative twins: every truncation of the real answers fails */
    for (size_t k = 0; k < sizeof samba_rsp311; k++)
        assert_int_not_equal(smb2_negotiate_rsp_parse(samba_rsp311, k, &s), SMB_OK);
    uint8_t c[sizeof samba_rsp311];
    memcpy(c, samba_rsp311, sizeof c);
    put_le16(c + 64 + 6, (uint16_t)(le16(c + 64 + 6) + 1)); /* one context more than sent */
    assert_int_not_equal(smb2_negotiate_rsp_parse(c, sizeof c, &s), SMB_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nb_hdr_roundtrip),        cmocka_unit_test(nb_hdr_rejects_bad),
        cmocka_unit_test(nb_name_smbserver),       cmocka_unit_test(nb_session_response),
        cmocka_unit_test(nb_framer_partial_reads), cmocka_unit_test(nb_framer_caps),
        cmocka_unit_test(smb2_req_roundtrip),      cmocka_unit_test(smb2_req_negative),
        cmocka_unit_test(smb2_rsp_roundtrip),      cmocka_unit_test(smb2_rsp_negative),
        cmocka_unit_test(smb1_req_roundtrip),      cmocka_unit_test(smb1_req_negative),
        cmocka_unit_test(smb1_rsp_roundtrip),      cmocka_unit_test(smb1_rsp_negative),
        cmocka_unit_test(samba_known_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
