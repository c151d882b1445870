/* scan/probe.c - sans-I/O NEGOTIATE probes (see probe.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/probe.h"
#include "smbsign/policy.h"
#include "wire/smb1/negotiate.h"
#include "wire/smb2/header.h"
#include "wire/smb2/negotiate.h"

/* Dialects the SMB2 probe offers, oldest first (MS-SMB2 2.2.3). */
static const uint16_t probe_dialects[] = {0x0202, 0x0210, 0x0300, 0x0302, 0x0311};

smb_status scan_templates_build(struct scan_templates *t, const uint8_t client_guid[16],
                                const uint8_t salt[32])
{
    smb_wr w;
    memset(t, 0, sizeof *t);

    /* SMB2 NEGOTIATE */
    wr_init(&w, t->smb2, sizeof t->smb2);
    smb_nb_hdr_encode(&w, SMB_NB_SESSION_MESSAGE, 0);
    struct smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = SMB2_NEGOTIATE;
    h.credit = 1;
    h.process_id = 0xFEFF;
    size_t hdr_off = wr_len(&w);
    smb2_hdr_encode(&w, &h);
    struct smb2_negotiate_req q;
    memset(&q, 0, sizeof q);
    q.dialect_count = (uint16_t)(sizeof probe_dialects / sizeof probe_dialects[0]);
    memcpy(q.dialects, probe_dialects, sizeof probe_dialects);
    q.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED; /* enabled, not required: let the server decide */
    q.capabilities = SMB2_GLOBAL_CAP_DFS | SMB2_GLOBAL_CAP_LEASING | SMB2_GLOBAL_CAP_LARGE_MTU |
                     SMB2_GLOBAL_CAP_MULTI_CHANNEL | SMB2_GLOBAL_CAP_PERSISTENT_HANDLES |
                     SMB2_GLOBAL_CAP_DIRECTORY_LEASING | SMB2_GLOBAL_CAP_ENCRYPTION;
    memcpy(q.client_guid, client_guid, 16);
    q.ctx.has_preauth = true;
    q.ctx.preauth.hash_alg_count = 1;
    q.ctx.preauth.hash_algs[0] = SMB2_PREAUTH_HASH_SHA512;
    q.ctx.preauth.salt_len = 32;
    memcpy(q.ctx.preauth.salt, salt, 32);
    q.ctx.has_encryption = true;
    q.ctx.encryption.cipher_count = 4;
    q.ctx.encryption.ciphers[0] = SMB2_CIPHER_AES_128_GCM;
    q.ctx.encryption.ciphers[1] = SMB2_CIPHER_AES_128_CCM;
    q.ctx.encryption.ciphers[2] = SMB2_CIPHER_AES_256_GCM;
    q.ctx.encryption.ciphers[3] = SMB2_CIPHER_AES_256_CCM;
    q.ctx.has_signing = true;
    q.ctx.signing.alg_count = 3;
    q.ctx.signing.algs[0] = SMB2_SIGNING_AES_GMAC;
    q.ctx.signing.algs[1] = SMB2_SIGNING_AES_CMAC;
    q.ctx.signing.algs[2] = SMB2_SIGNING_HMAC_SHA256;
    smb_status st = smb2_negotiate_req_encode(&w, hdr_off, &q);
    if (st != SMB_OK)
        return st;
    smb_nb_hdr_patch_len(&w, 0, (uint32_t)(wr_len(&w) - SMB_NB_HDR_LEN));
    if (!wr_ok(&w))
        return w.err;
    t->smb2_len = wr_len(&w);

    /* SMB1 NEGOTIATE, NT LM 0.12 only (MS-CIFS 2.2.4.52.1) */
    wr_init(&w, t->smb1, sizeof t->smb1);
    smb_nb_hdr_encode(&w, SMB_NB_SESSION_MESSAGE, 0);
    struct smb1_negotiate_req q1;
    memset(&q1, 0, sizeof q1);
    q1.dialect_count = 1;
    q1.dialects[0] = SMB1_DIALECT_NT_LM_012;
    st = smb1_negotiate_req_encode(&w, &q1,
                                   SMB1_FLAGS2_UNICODE | SMB1_FLAGS2_NT_STATUS |
                                       SMB1_FLAGS2_EXTENDED_SECURITY | SMB1_FLAGS2_LONG_NAMES |
                                       SMB1_FLAGS2_IS_LONG_NAME,
                                   0);
    if (st != SMB_OK)
        return st;
    smb_nb_hdr_patch_len(&w, 0, (uint32_t)(wr_len(&w) - SMB_NB_HDR_LEN));
    if (!wr_ok(&w))
        return w.err;
    t->smb1_len = wr_len(&w);

    /* NetBIOS SESSION REQUEST for port 139 */
    wr_init(&w, t->nbreq, sizeof t->nbreq);
    st = smb_nb_session_request_encode(&w, SMB_NB_SMBSERVER_NAME, "SMBSIGN");
    if (st != SMB_OK)
        return st;
    t->nbreq_len = wr_len(&w);
    return SMB_OK;
}

void scan_probe_init(struct scan_probe *p, enum scan_probe_kind kind, bool nbt,
                     const struct scan_templates *tpl)
{
    memset(p, 0, sizeof *p);
    p->kind = (uint8_t)kind;
    p->nbt = nbt;
    p->tpl = tpl;
    p->state = nbt ? SCAN_PS_SEND_NBREQ : SCAN_PS_SEND_NEG;
    smb_nb_framer_init(&p->fr, SCAN_MAX_ANSWER, NULL, 0);
    p->out.status = SMB_SCAN_ERROR;
}

void scan_probe_free(struct scan_probe *p)
{
    free(p->rx);
    p->rx = NULL;
    smb_nb_framer_set_buffer(&p->fr, NULL, 0);
}

static void finish(struct scan_probe *p, smb_scan_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void finish(struct scan_probe *p, smb_scan_status st, const char *fmt, ...)
{
    p->out.status = st;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->out.error, sizeof p->out.error, fmt, ap);
        va_end(ap);
    } else {
        p->out.error[0] = '\0';
    }
    p->state = SCAN_PS_DONE;
    scan_probe_free(p);
}

const uint8_t *scan_probe_tx(const struct scan_probe *p, size_t *n)
{
    const uint8_t *b = NULL;
    size_t len = 0;
    if (p->state == SCAN_PS_SEND_NBREQ) {
        b = p->tpl->nbreq;
        len = p->tpl->nbreq_len;
    } else if (p->state == SCAN_PS_SEND_NEG) {
        b = p->kind == SCAN_PROBE_SMB2 ? p->tpl->smb2 : p->tpl->smb1;
        len = p->kind == SCAN_PROBE_SMB2 ? p->tpl->smb2_len : p->tpl->smb1_len;
    }
    if (!b || p->tx_off >= len) {
        *n = 0;
        return NULL;
    }
    *n = len - p->tx_off;
    return b + p->tx_off;
}

void scan_probe_sent(struct scan_probe *p, size_t n)
{
    size_t left;
    (void)scan_probe_tx(p, &left);
    p->tx_off += n < left ? n : left;
    if (n >= left) {
        p->tx_off = 0;
        if (p->state == SCAN_PS_SEND_NBREQ)
            p->state = SCAN_PS_RECV_NBRSP;
        else if (p->state == SCAN_PS_SEND_NEG)
            p->state = SCAN_PS_RECV_NEG;
    }
}

static const char *sts(smb_status s)
{
    return smb_status_name(s);
}

void scan_probe_judge_smb2(const uint8_t *msg, size_t len, struct scan_probe_out *out)
{
    memset(out, 0, sizeof *out);
    if (len >= 4 && memcmp(msg, SMB1_MAGIC, 4) == 0) {
        out->status = SMB_SCAN_NOT_SUPPORTED;
        snprintf(out->error, sizeof out->error, "SMB2 NEGOTIATE answered in SMB1: no SMB2");
        return;
    }
    if (len < 4 || memcmp(msg, SMB2_MAGIC, 4) != 0) {
        out->status = SMB_SCAN_MALFORMED;
        snprintf(out->error, sizeof out->error, "answer is not an SMB message (bad protocol id)");
        return;
    }
    struct smb2_negotiate_rsp rsp;
    smb_status st = smb2_negotiate_rsp_parse(msg, len, &rsp);
    if (st == SMB_E_TRUNCATED || st == SMB_E_MALFORMED) {
        out->status = SMB_SCAN_MALFORMED;
        snprintf(out->error, sizeof out->error, "invalid SMB2 NEGOTIATE response (%s)",
                 st == SMB_E_TRUNCATED ? "truncated" : "bad field");
        return;
    }
    if (st != SMB_OK) {
        out->status = SMB_SCAN_NOT_SUPPORTED;
        snprintf(out->error, sizeof out->error, "SMB2 NEGOTIATE failed: %s", sts(st));
        return;
    }
    bool offered = false;
    for (size_t i = 0; i < sizeof probe_dialects / sizeof probe_dialects[0]; i++)
        offered |= rsp.dialect == probe_dialects[i];
    if (!offered) {
        out->status = SMB_SCAN_MALFORMED;
        snprintf(out->error, sizeof out->error, "server chose dialect 0x%04x, which was not offered",
                 rsp.dialect);
        return;
    }
    struct smb_scan_smb2 *f = &out->smb2;
    f->dialect = rsp.dialect;
    f->security_mode = rsp.security_mode;
    f->signing = smb_policy_level_from_smb2_secmode(rsp.security_mode);
    f->capabilities = rsp.capabilities;
    memcpy(f->server_guid, rsp.server_guid, 16);
    if (rsp.dialect == 0x0311) {
        /* MS-SMB2 3.2.5.2: without SIGNING_CAPABILITIES, 3.1.1 signs with AES-CMAC. */
        f->signing_alg = SMB_ALG_AES_CMAC;
        if (rsp.ctx.has_signing) {
            uint16_t a = rsp.ctx.signing.algs[0];
            f->signing_alg = a <= SMB2_SIGNING_AES_GMAC ? (smb_sign_alg)a : SMB_ALG_NONE;
        }
        if (rsp.ctx.has_encryption && rsp.ctx.encryption.ciphers[0] != SMB2_CIPHER_NONE) {
            f->ciphers[0] = rsp.ctx.encryption.ciphers[0];
            f->cipher_count = 1;
        }
    } else if (rsp.dialect >= 0x0300) {
        f->signing_alg = SMB_ALG_AES_CMAC;
        if (rsp.capabilities & SMB2_GLOBAL_CAP_ENCRYPTION) {
            f->ciphers[0] = SMB2_CIPHER_AES_128_CCM; /* MS-SMB2 3.2.5.2: 3.0.x encrypts with AES-128-CCM */
            f->cipher_count = 1;
        }
    } else {
        f->signing_alg = SMB_ALG_HMAC_SHA256;
    }
    out->has_smb2 = true;
    out->status = SMB_SCAN_OK;
}

void scan_probe_judge_smb1(const uint8_t *msg, size_t len, struct scan_probe_out *out)
{
    memset(out, 0, sizeof *out);
    if (len < 4 || (memcmp(msg, SMB1_MAGIC, 4) != 0 && memcmp(msg, SMB2_MAGIC, 4) != 0)) {
        out->status = SMB_SCAN_MALFORMED;
        snprintf(out->error, sizeof out->error, "answer is not an SMB message (bad protocol id)");
        return;
    }
    struct smb1_negotiate_answer a;
    smb_status st = smb1_negotiate_answer_parse(msg, len, &a);
    if (a.kind == SMB1_ANSWER_SMB2) {
        if (st == SMB_OK) {
            out->status = SMB_SCAN_NOT_SUPPORTED;
            snprintf(out->error, sizeof out->error,
                     "NT LM 0.12 NEGOTIATE answered with SMB2 (dialect 0x%04x): no SMB1", a.smb2.dialect);
        } else {
            out->status = SMB_SCAN_MALFORMED;
            snprintf(out->error, sizeof out->error, "invalid SMB2 answer to SMB1 NEGOTIATE (%s)", sts(st));
        }
        return;
    }
    if (st == SMB_E_TRUNCATED || st == SMB_E_MALFORMED) {
        out->status = SMB_SCAN_MALFORMED;
        snprintf(out->error, sizeof out->error, "invalid SMB1 NEGOTIATE response (%s)",
                 st == SMB_E_TRUNCATED ? "truncated" : "bad field");
        return;
    }
    if (st != SMB_OK) {
        out->status = SMB_SCAN_NOT_SUPPORTED;
        snprintf(out->error, sizeof out->error, "SMB1 NEGOTIATE failed: %s", sts(st));
        return;
    }
    if (a.smb1.dialect_index == SMB1_NEG_NO_DIALECT) {
        out->status = SMB_SCAN_NOT_SUPPORTED;
        snprintf(out->error, sizeof out->error, "server refused NT LM 0.12 (no common dialect): no SMB1");
        return;
    }
    if (a.smb1.word_count != 17 || a.smb1.dialect_index != 0) {
        out->status = SMB_SCAN_MALFORMED;
        snprintf(out->error, sizeof out->error, "SMB1 NEGOTIATE response: WordCount %u, DialectIndex %u",
                 a.smb1.word_count, a.smb1.dialect_index);
        return;
    }
    out->smb1.security_mode = a.smb1.security_mode;
    out->smb1.signing = smb_policy_level_from_smb1_secmode(a.smb1.security_mode);
    out->smb1.capabilities = a.smb1.capabilities;
    out->has_smb1 = true;
    out->status = SMB_SCAN_OK;
}

static void frame_done(struct scan_probe *p)
{
    if (p->state == SCAN_PS_RECV_NBRSP) {
        smb_rd body;
        rd_init(&body, p->fr.buf, p->fr.len);
        uint8_t code = 0;
        smb_status st = smb_nb_session_response_decode(p->fr.type, &body, &code);
        if (st == SMB_OK) {
            smb_nb_framer_reset(&p->fr);
            p->state = SCAN_PS_SEND_NEG;
            return;
        }
        if (st == SMB_E_REQUEST_NOT_ACCEPTED)
            finish(p, SMB_SCAN_ERROR, "NetBIOS session refused: %s (0x%02x)", smb_nb_error_name(code), code);
        else if (st == SMB_E_NOT_SUPPORTED)
            finish(p, SMB_SCAN_ERROR, "NetBIOS session retarget (not followed)");
        else
            finish(p, SMB_SCAN_MALFORMED, "invalid NetBIOS session response");
        return;
    }
    struct scan_probe_out o;
    if (p->kind == SCAN_PROBE_SMB2)
        scan_probe_judge_smb2(p->fr.buf, p->fr.len, &o);
    else
        scan_probe_judge_smb1(p->fr.buf, p->fr.len, &o);
    p->out = o;
    p->state = SCAN_PS_DONE;
    scan_probe_free(p);
}

/* The first byte of a frame tells NetBIOS from anything else. */
static bool type_ok(const struct scan_probe *p, uint8_t t)
{
    if (t == SMB_NB_KEEPALIVE)
        return true;
    if (p->state == SCAN_PS_RECV_NBRSP)
        return t == SMB_NB_POSITIVE_RESPONSE || t == SMB_NB_NEGATIVE_RESPONSE ||
               t == SMB_NB_RETARGET_RESPONSE;
    return t == SMB_NB_SESSION_MESSAGE;
}

void scan_probe_rx(struct scan_probe *p, const uint8_t *data, size_t n)
{
    while (n > 0 && p->state != SCAN_PS_DONE) {
        if (p->state != SCAN_PS_RECV_NBRSP && p->state != SCAN_PS_RECV_NEG) {
            /* The peer talks before we asked (a banner): not SMB. */
            finish(p, SMB_SCAN_NOT_SMB, "peer sent data before the request (first byte 0x%02x)", data[0]);
            return;
        }
        if (!smb_nb_framer_started(&p->fr) && !type_ok(p, data[0])) {
            if (data[0] >= 0x20 && data[0] < 0x7f)
                finish(p, SMB_SCAN_NOT_SMB, "not NetBIOS/SMB: answer starts with \"%.*s\"",
                       (int)(n < 16 ? n : 16), (const char *)data);
            else
                finish(p, SMB_SCAN_NOT_SMB, "not NetBIOS/SMB: answer starts with byte 0x%02x", data[0]);
            /* Keep printable text printable: cut at the first control character. */
            for (char *c = p->out.error; *c; c++)
                if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                    *c = '.';
            return;
        }
        p->got_bytes = true;
        size_t used = 0;
        smb_status st = smb_nb_framer_feed(&p->fr, data, n, &used);
        data += used;
        n -= used;
        if (st == SMB_E_PENDING)
            continue;
        if (st == SMB_E_BUFFER_TOO_SMALL) {
            /* grow with what arrives (doubling), never past the frame */
            size_t cap = p->fr.cap ? p->fr.cap * 2 : SCAN_ANSWER_CHUNK;
            if (cap > p->fr.len)
                cap = p->fr.len;
            uint8_t *nb = realloc(p->rx, cap);
            if (!nb) {
                finish(p, SMB_SCAN_ERROR, "out of memory");
                return;
            }
            p->rx = nb;
            smb_nb_framer_set_buffer(&p->fr, nb, cap);
            continue;
        }
        if (st != SMB_OK) {
            if (p->fr.oversized)
                finish(p, SMB_SCAN_MALFORMED, "NetBIOS length %u over the %u-byte cap", p->fr.len,
                       SCAN_MAX_ANSWER);
            else
                finish(p, SMB_SCAN_MALFORMED, "invalid NetBIOS header");
            return;
        }
        if (p->fr.type == SMB_NB_KEEPALIVE) {
            smb_nb_framer_reset(&p->fr);
            continue;
        }
        frame_done(p);
        /* after the NetBIOS session response the caller sends NEGOTIATE;
         * anything the peer sent meanwhile is unexpected */
        if (p->state == SCAN_PS_SEND_NEG && n > 0) {
            finish(p, SMB_SCAN_MALFORMED, "unexpected data after the NetBIOS session response");
            return;
        }
    }
}

void scan_probe_eof(struct scan_probe *p, bool reset)
{
    if (p->state == SCAN_PS_DONE)
        return;
    if (smb_nb_framer_started(&p->fr)) {
        if (p->fr.hdr_have < SMB_NB_HDR_LEN)
            finish(p, SMB_SCAN_MALFORMED, "connection closed inside the NetBIOS header");
        else
            finish(p, SMB_SCAN_MALFORMED, "truncated answer: connection closed after %u of %u bytes",
                   p->fr.have, p->fr.len);
        return;
    }
    if (p->kind == SCAN_PROBE_SMB1 && p->state == SCAN_PS_RECV_NEG) {
        /* Servers without SMB1 (Windows with SMB1 removed, Samba with
         * "server min protocol" >= SMB2) drop an NT LM 0.12-only negotiate. */
        finish(p, SMB_SCAN_NOT_SUPPORTED, "connection %s on NT LM 0.12 NEGOTIATE: no SMB1",
               reset ? "reset" : "closed");
        return;
    }
    finish(p, SMB_SCAN_RESET, "connection %s before any answer", reset ? "reset" : "closed");
}
