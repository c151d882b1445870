/* server/session_crypt.c - SMB 3.x encryption in the server core: the
 * configuration words, the cipher choice in NEGOTIATE, Session.EncryptData
 * at SESSION_SETUP, TreeConnect.EncryptData, decryption of received
 * transforms and the transform around a finished response frame
 * (MS-SMB2 3.3.4.1.4, 3.3.5.2.1.1, 3.3.5.2.9, 3.3.5.4, 3.3.5.5.3, 3.3.5.7). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server/config.h"
#include "server/session_int.h"
#include "wire/netbios.h"
#include "wire/smb2/session_setup.h"
#include "wire/smb2/tree_connect.h"

/* Samba's words for "server smb encrypt" / "smb encrypt" and their aliases. */
int srv_parse_encrypt_word(const char *s, int *out)
{
    static const struct {
        const char *w;
        int v;
    } words[] = {{"off", SRV_ENC_OFF},           {"disabled", SRV_ENC_OFF},         {"no", SRV_ENC_OFF},
                 {"false", SRV_ENC_OFF},         {"if_required", SRV_ENC_IF_REQUIRED}, {"auto", SRV_ENC_IF_REQUIRED},
                 {"default", SRV_ENC_IF_REQUIRED}, {"desired", SRV_ENC_DESIRED},     {"required", SRV_ENC_REQUIRED},
                 {"mandatory", SRV_ENC_REQUIRED}, {"yes", SRV_ENC_REQUIRED},        {"true", SRV_ENC_REQUIRED},
                 {"forced", SRV_ENC_REQUIRED}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcasecmp(s, words[i].w)) {
            *out = words[i].v;
            return 0;
        }
    return -1;
}

/* "AES-128-GCM, AES-128-CCM, AES-256-GCM, AES-256-CCM" (Samba's default order). */
int srv_parse_cipher_list(const char *s, uint16_t *ciphers, int *n)
{
    char buf[256];
    if (strlen(s) >= sizeof buf)
        return -1;
    if (!strcasecmp(s, "default"))
        s = "aes-128-gcm aes-128-ccm aes-256-gcm aes-256-ccm";
    snprintf(buf, sizeof buf, "%s", s);
    int k = 0;
    for (char *save = NULL, *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
        smb_cipher ci;
        if (smb_cipher_parse(t, &ci) || ci == SMB_CIPHER_NONE || k >= SRV_MAX_CIPHERS)
            return -1;
        for (int i = 0; i < k; i++)
            if (ciphers[i] == ci)
                return -1;
        ciphers[k++] = (uint16_t)ci;
    }
    if (k == 0)
        return -1;
    *n = k;
    return 0;
}

/* Whether this server negotiates a cipher at all. Unset, only when a share
 * asks for encryption: clients that encrypt whenever the server can (impacket
 * turns on SMB2_SESSION_FLAG_ENCRYPT_DATA by itself on CAP_ENCRYPTION) keep
 * the signed sessions they had on a server that never asked (Samba, by
 * default, offers). */
static bool offers(const struct srv_config *cfg)
{
    if (cfg->encrypt == SRV_ENC_OFF)
        return false;
    if (cfg->encrypt_set)
        return true;
    for (int i = 0; i < cfg->n_shares; i++)
        if (cfg->shares[i].encrypt >= SRV_ENC_DESIRED)
            return true;
    return false;
}

uint32_t srv_crypt_negotiate(struct srv_conn *c, const struct smb2_negotiate_req *req, struct smb2_neg_contexts *out)
{
    const struct srv_config *cfg = &c->ctx->cfg;
    c->cipher = SMB_CIPHER_NONE;
    if (c->dialect == SMB_DIALECT_311) {
        if (!req->ctx.has_encryption)
            return 0;
        /* MS-SMB2 3.3.5.4: our preference order over the client's list;
         * CipherCount 1 and cipher 0 when there is no common one */
        for (int i = 0; i < cfg->n_ciphers && offers(cfg) && !c->cipher; i++)
            for (int j = 0; j < req->ctx.encryption.cipher_count; j++)
                if (req->ctx.encryption.ciphers[j] == cfg->ciphers[i]) {
                    c->cipher = cfg->ciphers[i];
                    break;
                }
        out->has_encryption = true;
        out->encryption.cipher_count = 1;
        out->encryption.ciphers[0] = c->cipher;
        return 0;
    }
    if ((c->dialect == SMB_DIALECT_300 || c->dialect == SMB_DIALECT_302) && offers(cfg) &&
        (req->capabilities & SMB2_GLOBAL_CAP_ENCRYPTION))
        for (int i = 0; i < cfg->n_ciphers; i++)
            if (cfg->ciphers[i] == SMB_CIPHER_AES128_CCM) {
                c->cipher = SMB_CIPHER_AES128_CCM; /* 3.0.x: the only cipher */
                return SMB2_GLOBAL_CAP_ENCRYPTION;
            }
    return 0;
}

/* The server side's context for home session h's keys (MS-SMB2 3.3.5.5.3:
 * AES-256 keys from the whole mechanism key, Session.FullSessionKey, e.g.
 * Kerberos AES: 32 bytes; AES-128 ones from Session.SessionKey, its first 16
 * bytes; 3.1.1 over the session's preauth hash), drawing its nonces from
 * the session's one counter: the home's context and every channel's. */
static SMB_WUR smb_status session_keys(struct srv_session *h, smb_crypt_ctx **out, smb_dialect d, smb_cipher ci)
{
    bool full = smb_cipher_key_len(ci) == 32 && h->smb1_mac_key_len;
    smb_status st = smb_crypt_ctx_new_session(out, d, ci, true, full ? h->smb1_mac_key : h->session_key,
                                              full ? h->smb1_mac_key_len : 16,
                                              d == SMB_DIALECT_311 ? h->preauth.hash : NULL);
    if (st == SMB_OK)
        smb_crypt_ctx_share_nonce(*out, &h->nonce_next);
    return st;
}

smb_status srv_crypt_channel(struct srv_session *chan)
{
    struct srv_session *h = chan->home;
    /* MS-SMB2 3.3.5.5.2: the channel encrypts and decrypts with the
     * session's keys (only the signing key is per channel); the binding
     * rules made its dialect and cipher the session's */
    smb_crypt_ctx *hc = h ? h->crypt : NULL;
    if (!hc)
        return SMB_OK;
    smb_crypt_ctx_free(chan->crypt);
    chan->crypt = NULL;
    return session_keys(h, &chan->crypt, (smb_dialect)h->dialect, smb_crypt_ctx_cipher(hc));
}

smb_status srv_crypt_session_setup(struct srv_conn *c, struct srv_session *s, bool keyless, uint16_t *sflags)
{
    const struct srv_config *cfg = &c->ctx->cfg;
    bool can = c->cipher != SMB_CIPHER_NONE && !keyless;
    if (can) {
        smb_crypt_ctx_free(s->crypt);
        s->crypt = NULL;
        /* MS-SMB2 3.3.5.5.3: AES-256 keys from the whole mechanism key
         * (Session.FullSessionKey; Kerberos AES: 32 bytes), AES-128 ones
         * from Session.SessionKey (its first 16 bytes) */
        if (session_keys(s, &s->crypt, (smb_dialect)c->dialect, (smb_cipher)c->cipher) != SMB_OK)
            return SMB_E_INTERNAL_ERROR;
    }
    if (cfg->encrypt < SRV_ENC_DESIRED)
        return SMB_OK;
    if (can) {
        /* MS-SMB2 3.3.5.5.3: Session.EncryptData; the flag tells the client */
        s->encrypt_data = true;
        *sflags |= SMB2_SESSION_FLAG_ENCRYPT_DATA;
        return SMB_OK;
    }
    if (cfg->encrypt == SRV_ENC_REQUIRED && cfg->reject_unencrypted) {
        srv_log(c, SRV_LOG_AUDIT, "SESSION_SETUP refused: encryption is required and this %s cannot encrypt (%s)",
                keyless ? "guest/anonymous session" : "client",
                c->dialect < SMB_DIALECT_300 ? "dialect before 3.0" : "no common cipher");
        return SMB_E_ACCESS_DENIED;
    }
    return SMB_OK;
}

smb_status srv_crypt_tree_connect(struct srv_conn *c, struct srv_session *s, int idx, uint32_t *share_flags,
                                  bool *encrypt_data)
{
    const struct srv_config *cfg = &c->ctx->cfg;
    int level = idx >= 0 && cfg->shares[idx].encrypt >= 0 ? cfg->shares[idx].encrypt : SRV_ENC_IF_REQUIRED;
    *encrypt_data = false;
    if (cfg->encrypt == SRV_ENC_OFF || level < SRV_ENC_DESIRED || s->encrypt_data)
        return SMB_OK; /* nothing more than the session already does */
    if (s->crypt) {
        *encrypt_data = true;
        *share_flags |= SMB2_SHAREFLAG_ENCRYPT_DATA;
        return SMB_OK;
    }
    /* MS-SMB2 3.3.5.7: a client that cannot encrypt (2.x, no common cipher,
     * guest) is refused on a share that requires it, unless
     * RejectUnencryptedAccess is off */
    if (level == SRV_ENC_REQUIRED && cfg->reject_unencrypted) {
        srv_log(c, SRV_LOG_AUDIT, "TREE_CONNECT refused: share '%s' requires encryption and session 0x%llx cannot encrypt",
                cfg->shares[idx].name, (unsigned long long)s->id);
        return SMB_E_ACCESS_DENIED;
    }
    return SMB_OK;
}

smb_status srv_crypt_check_clear(struct srv_conn *c, struct srv_req *rq)
{
    if (rq->encrypted || !rq->sess)
        return SMB_OK;
    bool need = rq->sess->encrypt_data;
    if (!need && rq->h.tree_id)
        for (int i = 0; i < rq->sess->n_trees; i++)
            if (rq->sess->trees[i].id == rq->h.tree_id && rq->sess->trees[i].encrypt_data)
                need = true;
    if (!need)
        return SMB_OK;
    /* MS-SMB2 3.3.5.2.9: refused as Windows does, and logged */
    srv_log(c, SRV_LOG_AUDIT, "encryption: unencrypted %s refused on session 0x%llx (tree 0x%x) that requires encryption",
            smb2_command_name(rq->h.command), (unsigned long long)rq->sess->id, rq->h.tree_id);
    return SMB_E_ACCESS_DENIED;
}

smb_status srv_crypt_input(struct srv_conn *c, uint8_t *pdu, size_t len, uint8_t **plain, size_t *plain_len)
{
    smb_transform_hdr th;
    smb_status st = smb_crypt_transform_decode(pdu, len, &th);
    struct srv_session *s = st == SMB_OK ? srv_session_find(c, th.session_id) : NULL;
    if (!s || s->state != SESS_VALID || !s->crypt) {
        srv_log(c, SRV_LOG_AUDIT, "encryption: transform for %s session 0x%llx: disconnecting",
                st != SMB_OK ? "a malformed" : "an unknown or keyless", (unsigned long long)th.session_id);
        return SMB_E_ACCESS_DENIED;
    }
    /* MS-SMB2 3.3.5.2.1.1: any decryption failure disconnects; nothing of
     * the plaintext is used (smb_crypt_decrypt wipes it) */
    if ((st = smb_crypt_decrypt(s->crypt, th.session_id, pdu, len, plain, plain_len)) != SMB_OK) {
        srv_log(c, SRV_LOG_AUDIT, "encryption: message on session 0x%llx does not decrypt (%s): disconnecting",
                (unsigned long long)th.session_id, smb_status_name(st));
        return SMB_E_ACCESS_DENIED;
    }
    s->encrypting = true; /* MS-SMB2 3.3.4.1.4: answer an encrypted request encrypted */
    c->in_encrypted = true;
    c->in_enc_sid = th.session_id;
    return SMB_OK;
}

smb_status srv_crypt_frame(struct srv_frame *f, smb_crypt_ctx *crypt, uint64_t session_id)
{
    struct srv_buf *out = f->out;
    size_t mlen = out->len - f->start - SMB_NB_HDR_LEN;
    smb_status st = srv_buf_reserve(out, SMB2_TRANSFORM_HDR_LEN);
    if (st != SMB_OK)
        return st;
    uint8_t *m = out->p + f->start + SMB_NB_HDR_LEN;
    memmove(m + SMB2_TRANSFORM_HDR_LEN, m, mlen);
    out->len += SMB2_TRANSFORM_HDR_LEN;
    for (int i = 0; i < f->n; i++)
        f->el[i].off += SMB2_TRANSFORM_HDR_LEN;
    st = smb_crypt_encrypt(crypt, session_id, m, m + SMB2_TRANSFORM_HDR_LEN, mlen);
    return st == SMB_OK ? SMB_OK : SMB_E_INTERNAL_ERROR;
}
