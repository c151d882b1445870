/*
 * cli/matrix_live_smb2.c - the smb2 family of `matrix --live`: the client
 * steps (libsmbsign's SMB2/3 client) and the observer that verifies every
 * captured SMB2 signature with a key it derives itself.
 *
 * Observer (a passive party that knows the test password):
 *  - NEGOTIATE response -> dialect, 3.1.1 signing algorithm (MS-SMB2 2.2.4,
 *    2.2.3.1.7; AES-CMAC when the context is absent);
 *  - 3.1.1 preauth hash over NEGOTIATE and every SESSION_SETUP request and
 *    non-final response (MS-SMB2 3.2.5.2, 3.3.5.5);
 *  - NTLMSSP NEGOTIATE / CHALLENGE / AUTHENTICATE from the SPNEGO tokens, the
 *    ExportedSessionKey via smb_ntlm_server_verify with NTOWFv1(password)
 *    (MS-NLMP 3.3.2, 3.2.5.1.2);
 *  - signing key via smb_sign_ctx_new_session (MS-SMB2 3.2.5.3.1), then every
 *    message subject to signing from the final SESSION_SETUP response on is
 *    counted per direction and verified.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "cli/matrix_live.h"
#include "crypto/crypto.h"
#include "smbsign/client.h"
#include "smbsign/sign.h"
#include "wire/smb2/header.h"
#include "wire/smb2/ioctl.h"
#include "wire/smb2/negotiate.h"
#include "wire/smb2/session_setup.h"

#define LIVE_IO_LEN 4096
#define LIVE_TIMEOUT_MS 10000

static void fill_pattern(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 131u + 7u);
}

static void set_fail(struct live_run *r, const char *stage, smb_status st, smb_client *c)
{
    r->fails_at = stage;
    r->error = st;
    snprintf(r->detail, sizeof r->detail, "%s", c ? smb_client_last_error(c) : "");
}

static void smb2_client(const struct live_params *p, struct live_run *out)
{
    struct smb_client_opts o = SMB_CLIENT_OPTS_INIT;
    o.host = "127.0.0.1";
    o.port = p->port;
    o.user = LIVE_USER;
    o.password = LIVE_PASSWORD;
    o.signing = p->level;
    o.min_dialect = o.max_dialect = p->dialect ? p->dialect : SMB_DIALECT_311;
    o.timeout_ms = LIVE_TIMEOUT_MS;
    o.no_encrypt = p->encrypt == LIVE_ENC_OFF;
    o.encrypt = p->encrypt == LIVE_ENC_REQUIRED  ? SMB_ENCRYPTION_REQUIRED
                : p->encrypt == LIVE_ENC_DESIRED ? SMB_ENCRYPTION_DESIRED
                                                 : SMB_ENCRYPTION_NONE;
    smb_client *c = NULL;
    smb_client_file *fh = NULL;
    uint8_t wbuf[LIVE_IO_LEN], rbuf[LIVE_IO_LEN];
    smb_status st = smb_client_connect(&c, &o);
    if (st != SMB_OK) {
        /* negotiate vs session-setup is decided from the capture by run_cell
         * (was a SESSION_SETUP request sent?) */
        set_fail(out, "session-setup", st, c);
        goto out;
    }
    if ((st = smb_client_tree_connect(c, LIVE_SHARE)) != SMB_OK) {
        set_fail(out, "tree-connect", st, c);
        goto out;
    }
    fill_pattern(wbuf, sizeof wbuf);
    uint64_t size = 0;
    st = smb_client_open(c, "live.bin",
                         SMB_CLIENT_O_READ | SMB_CLIENT_O_WRITE | SMB_CLIENT_O_CREATE | SMB_CLIENT_O_TRUNC,
                         &fh, &size);
    if (st == SMB_OK)
        st = smb_client_write(c, fh, 0, wbuf, sizeof wbuf);
    if (st != SMB_OK) {
        set_fail(out, "write", st, c);
        goto out;
    }
    size_t got = 0;
    st = smb_client_read(c, fh, 0, rbuf, sizeof rbuf, &got);
    if (st == SMB_OK && (got != sizeof rbuf || memcmp(wbuf, rbuf, sizeof rbuf) != 0)) {
        st = SMB_E_INVALID_NETWORK_RESPONSE;
        snprintf(out->detail, sizeof out->detail, "read back %zu bytes that differ from the written ones",
                 got);
    }
    if (st != SMB_OK) {
        out->fails_at = "read";
        out->error = st;
        if (!out->detail[0])
            snprintf(out->detail, sizeof out->detail, "%s", smb_client_last_error(c));
        goto out;
    }
    st = smb_client_close(c, fh);
    fh = NULL;
    if (st != SMB_OK)
        set_fail(out, "read", st, c);
out:
    /* the cell has already failed when the file is still open: a failing
     * close only matters if nothing explains the failure yet */
    if (fh && c && smb_client_close(c, fh) != SMB_OK && !out->detail[0])
        snprintf(out->detail, sizeof out->detail, "close after the failure also failed");
    smb_client_free(c);
}

struct obs2 {
    smb_dialect dialect;
    smb_sign_alg alg;
    smb_preauth pre;
    struct live_ntlm ntlm;
    smb_sign_ctx *sign;
    bool established;
};

static void count(struct obs2 *s, struct live_obs *out, enum live_dir d, const uint8_t *m, size_t n)
{
    if (smb2_sign_not_subject(m))
        return;
    struct live_dirstats *ds = d == LIVE_C2S ? &out->c2s : &out->s2c;
    uint16_t cmd = le16(m + 12);
    bool flagged = (le32(m + SMB2_FLAGS_OFFSET) & SMB2_FLAGS_SIGNED) != 0;
    /* Signed on every authenticated session whatever the policy says: the final
     * SESSION_SETUP response on 3.x (MS-SMB2 3.3.5.5.3), FSCTL_VALIDATE_NEGOTIATE_INFO
     * both ways (3.2.5.14.12, 3.3.5.15.12), TREE_CONNECT on 3.1.1 (3.2.4.1.1). */
    bool validate = cmd == SMB2_IOCTL && n >= SMB2_HDR_LEN + 8 &&
                    le32(m + SMB2_HDR_LEN + 4) == SMB2_FSCTL_VALIDATE_NEGOTIATE_INFO;
    /* Mandated whether or not the sender flagged it: a mandated message that
     * arrives unflagged (stripped on the way, or never signed) counts as bad. */
    bool mandated = (cmd == SMB2_SESSION_SETUP && s->dialect >= SMB_DIALECT_300) || validate ||
                    (cmd == SMB2_TREE_CONNECT && s->dialect == SMB_DIALECT_311);
    smb_verify_result r = SMB_VERIFY_BAD_SIGNATURE;
    bool valid = flagged && s->sign && smb2_verify(s->sign, m, n, false, &r, NULL, NULL) == SMB_OK &&
                 r == SMB_VERIFY_VALID;
    if (mandated) {
        ds->mandated++;
        if (valid)
            ds->mandated_valid++;
        else
            ds->bad++;
        return;
    }
    ds->total++;
    if (flagged && !live_sig_zero(m + SMB2_SIG_OFFSET, SMB2_SIG_LEN))
        ds->sig++;
    if (!flagged)
        return;
    if (valid)
        ds->valid++;
    else
        ds->bad++;
}

static void derive(struct obs2 *s, struct live_obs *out)
{
    uint8_t key[16];
    if (live_ntlm_session_key(&s->ntlm, out, key) != SMB_OK)
        return;
    smb_status st = smb_sign_ctx_new_session(&s->sign, s->dialect, s->alg, key, 16,
                                             s->dialect == SMB_DIALECT_311 ? s->pre.hash : NULL);
    smb_wipe(key, sizeof key);
    if (st != SMB_OK) {
        snprintf(out->note, sizeof out->note, "observer signing context: %s", smb_status_name(st));
        return;
    }
    out->key_known = true;
}

static void element(struct obs2 *s, struct live_obs *out, enum live_dir d, const uint8_t *m, size_t n)
{
    uint16_t cmd = le16(m + 12);
    uint32_t status = le32(m + 8);
    if (s->established) {
        count(s, out, d, m, n);
        return;
    }
    if (cmd == SMB2_NEGOTIATE) {
        smb_preauth_update(&s->pre, m, n);
        struct smb2_negotiate_rsp rsp;
        if (d == LIVE_S2C && smb2_negotiate_rsp_parse(m, n, &rsp) == SMB_OK) {
            out->server_security_mode = rsp.security_mode;
            s->dialect = (smb_dialect)rsp.dialect;
            s->alg = smb_sign_default_alg(s->dialect);
            if (s->dialect == SMB_DIALECT_311 && rsp.ctx.has_signing && rsp.ctx.signing.alg_count == 1)
                s->alg = (smb_sign_alg)rsp.ctx.signing.algs[0];
        }
        return;
    }
    if (cmd != SMB2_SESSION_SETUP)
        return;
    smb_rd r;
    rd_init(&r, m, n);
    rd_seek(&r, SMB2_HDR_LEN);
    if (d == LIVE_C2S) {
        out->saw_session_setup = true;
        smb_preauth_update(&s->pre, m, n);
        struct smb2_session_setup_req q;
        if (smb2_session_setup_req_decode(&r, &q) == SMB_OK)
            live_ntlm_note(&s->ntlm, q.security.p, q.security.len);
        return;
    }
    struct smb2_session_setup_resp sr;
    bool dec = smb2_session_setup_resp_decode(&r, &sr) == SMB_OK;
    if (status == smb_status_ntstatus(SMB_E_MORE_PROCESSING_REQUIRED)) {
        smb_preauth_update(&s->pre, m, n);
        if (dec)
            live_ntlm_note(&s->ntlm, sr.security.p, sr.security.len);
        return;
    }
    if (status == 0) {
        out->session_done = true;
        derive(s, out);
        s->established = true;
        count(s, out, d, m, n); /* the final SESSION_SETUP response is subject to signing */
    }
}

static void smb2_analyse(const struct live_cap *cap, struct live_obs *out)
{
    struct obs2 s;
    memset(&s, 0, sizeof s);
    smb_preauth_init(&s.pre);
    for (size_t i = 0; i < cap->n; i++) {
        const uint8_t *p = cap->f[i].p;
        size_t len = cap->f[i].len, off = 0;
        if (len < SMB2_HDR_LEN || memcmp(p, SMB2_MAGIC, 4) != 0)
            continue; /* SMB1 multi-protocol negotiate or transform: not counted */
        for (;;) {
            size_t el, next;
            if (smb2_compound_next(p, len, off, &el, &next) != SMB_OK)
                break;
            element(&s, out, cap->f[i].dir, p + off, el);
            if (!next)
                break;
            off = next;
        }
    }
    smb_sign_ctx_free(s.sign);
}

const struct live_family_ops live_smb2_ops = {SMB_FAMILY_SMB2, NULL, smb2_client, smb2_analyse};
