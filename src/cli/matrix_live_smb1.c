/*
 * cli/matrix_live_smb1.c - the smb1 and smb1-legacy families of
 * `matrix --live`: the client steps (client/smb1_client.c with the family's
 * era on both sides) and the observer for SMB1 MD5 signatures.
 *
 * Observer: NTLMSSP NEGOTIATE / CHALLENGE / AUTHENTICATE from the
 * SESSION_SETUP_ANDX security blobs -> ExportedSessionKey with the test
 * password (MS-NLMP 3.3.2); MAC key = session key (extended security,
 * MS-CIFS 3.2.5.3); its own sequence counter from the SESSION_SETUP request
 * that established the key (number 0, response 1), +2 per request, +1 for
 * NT_CANCEL (MS-CIFS 3.1.4.1); responses verify with their request's
 * number + 1. Oplock breaks are outside signing.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/matrix_live.h"
#include "client/smb1_client.h"
#include "crypto/crypto.h"
#include "smbsign/sign.h"
#include "wire/smb1/commands.h"
#include "wire/smb1/negotiate.h"

#define LIVE_IO_LEN 4096
#define LIVE_TIMEOUT_MS 10000
#define NT_MORE_PROCESSING 0xC0000016u

static void smb1_live_client(const struct live_params *p, struct live_run *out)
{
    struct smb1_client_opts o;
    memset(&o, 0, sizeof o);
    o.host = "127.0.0.1";
    o.port = p->port;
    o.user = LIVE_USER;
    o.password = LIVE_PASSWORD;
    o.signing = p->level;
    o.era = p->family == SMB_FAMILY_SMB1_LEGACY ? SMB_ERA_LEGACY : SMB_ERA_CURRENT;
    o.timeout_ms = LIVE_TIMEOUT_MS;
    struct smb1_client *c = NULL;
    uint8_t wbuf[LIVE_IO_LEN], rbuf[LIVE_IO_LEN];
    uint16_t fid = 0;
    bool open = false;
    const char *stage = "session-setup";
    smb_status st = smb1_client_connect(&c, &o);
    if (st == SMB_OK) {
        stage = "tree-connect";
        st = smb1_client_tree_connect(c, LIVE_SHARE);
    }
    if (st == SMB_OK) {
        stage = "write";
        for (size_t i = 0; i < sizeof wbuf; i++)
            wbuf[i] = (uint8_t)(i * 131u + 7u);
        st = smb1_client_open(c, "live.bin", true, &fid, NULL);
        open = st == SMB_OK;
        if (st == SMB_OK)
            st = smb1_client_write(c, fid, 0, wbuf, sizeof wbuf);
    }
    if (st == SMB_OK) {
        stage = "read";
        size_t got = 0;
        st = smb1_client_read(c, fid, 0, rbuf, sizeof rbuf, &got);
        if (st == SMB_OK && (got != sizeof rbuf || memcmp(wbuf, rbuf, sizeof rbuf) != 0)) {
            st = SMB_E_INVALID_NETWORK_RESPONSE;
            snprintf(out->detail, sizeof out->detail, "read back %zu bytes that differ from the written ones",
                     got);
        }
        if (st == SMB_OK) {
            open = false;
            st = smb1_client_close(c, fid);
        }
    }
    if (st != SMB_OK) {
        out->fails_at = stage;
        out->error = st;
        if (!out->detail[0])
            snprintf(out->detail, sizeof out->detail, "%s", smb1_client_last_error(c));
    }
    /* the cell has already failed when the file is still open: a failing
     * close only matters if nothing explains the failure yet */
    if (open && smb1_client_close(c, fid) != SMB_OK && !out->detail[0])
        snprintf(out->detail, sizeof out->detail, "close after the failure also failed");
    smb1_client_free(c);
}

struct obs1 {
    struct live_ntlm ntlm;
    smb_sign_ctx *sign;
    bool established;
    uint32_t last_seq;
};

static void count(struct obs1 *s, struct live_obs *out, enum live_dir d, const uint8_t *m, size_t n,
                  uint32_t seq)
{
    struct live_dirstats *ds = d == LIVE_C2S ? &out->c2s : &out->s2c;
    ds->total++;
    bool flagged = (le16(m + 10) & SMB1_FLAGS2_SMB_SECURITY_SIGNATURE) != 0;
    bool nonzero = !live_sig_zero(m + SMB1_SIG_OFFSET, SMB1_SIG_LEN);
    if (flagged && nonzero)
        ds->sig++;
    if (!flagged && !nonzero)
        return;
    /* Once signing is active the receiver checks the signature field whatever
     * Flags2 says (MS-CIFS 3.2.5.1, 3.3.5.2): a correct MAC with the flag clear
     * is a valid signature, a non-zero wrong one is bad. */
    bool valid = false;
    if (s->sign && flagged) {
        smb_verify_result r = SMB_VERIFY_BAD_SIGNATURE;
        valid = smb1_verify(s->sign, m, n, seq, false, &r, NULL, NULL) == SMB_OK && r == SMB_VERIFY_VALID;
    } else if (s->sign) {
        struct iovec v = {(void *)(uintptr_t)m, n};
        uint8_t mac[8];
        valid = smb1_sign_compute(s->sign, &v, 1, seq, mac) == SMB_OK && smb_memeq_ct(mac, m + SMB1_SIG_OFFSET, 8);
    }
    if (valid)
        ds->valid++;
    else
        ds->bad++;
}

static void derive(struct obs1 *s, struct live_obs *out)
{
    uint8_t key[16];
    if (live_ntlm_session_key(&s->ntlm, out, key) != SMB_OK)
        return;
    smb_status st = smb_sign_ctx_new_smb1(&s->sign, key, 16);
    smb_wipe(key, sizeof key);
    if (st == SMB_OK)
        out->key_known = true;
}

static void smb1_analyse(const struct live_cap *cap, struct live_obs *out)
{
    struct obs1 s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < cap->n; i++) {
        const uint8_t *m = cap->f[i].p;
        size_t n = cap->f[i].len;
        enum live_dir d = cap->f[i].dir;
        if (n < SMB1_HDR_LEN || memcmp(m, SMB1_MAGIC, 4) != 0)
            continue;
        uint8_t cmd = m[4];
        if (s.established) {
            if (smb1_sign_not_subject(m))
                continue;
            if (d == LIVE_C2S) {
                s.last_seq = s.sign ? smb1_sign_seq_next(s.sign, smb1_expects_response(cmd)) : 0;
                count(&s, out, d, m, n, s.last_seq);
            } else {
                count(&s, out, d, m, n, s.last_seq + 1);
            }
            continue;
        }
        if (cmd == SMB1_COM_NEGOTIATE && d == LIVE_S2C) {
            struct smb1_negotiate_answer a;
            if (smb1_negotiate_answer_parse(m, n, &a) == SMB_OK && a.kind == SMB1_ANSWER_SMB1)
                out->server_security_mode = a.smb1.security_mode;
            continue;
        }
        if (cmd != SMB1_COM_SESSION_SETUP_ANDX)
            continue;
        struct smb1_block b;
        if (smb1_block_parse(m, n, SMB1_HDR_LEN, cmd, &b) != SMB_OK)
            continue;
        if (d == LIVE_C2S) {
            out->saw_session_setup = true;
            struct smb1_sess_setup_req q;
            if (smb1_sess_setup_req_decode(&b, &q) == SMB_OK)
                live_ntlm_note(&s.ntlm, q.blob, q.blob_len);
            continue;
        }
        uint32_t status = le32(m + 5);
        struct smb1_sess_setup_rsp r;
        bool dec = smb1_sess_setup_rsp_decode(&b, &r) == SMB_OK;
        if (status == NT_MORE_PROCESSING) {
            if (dec)
                live_ntlm_note(&s.ntlm, r.blob, r.blob_len);
        } else if (status == 0) {
            out->session_done = true;
            derive(&s, out);
            s.established = true;
            /* the request that brought the key was number 0; this response is 1 */
            s.last_seq = s.sign ? smb1_sign_seq_next(s.sign, true) : 0;
            count(&s, out, d, m, n, s.last_seq + 1);
        }
    }
    smb_sign_ctx_free(s.sign);
}

const struct live_family_ops live_smb1_ops = {SMB_FAMILY_SMB1, NULL, smb1_live_client, smb1_analyse};
