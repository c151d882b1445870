/* sign/crypt.c - SMB 3.x encryption: TRANSFORM_HEADER (MS-SMB2 2.2.41) and
 * message encryption/decryption (MS-SMB2 3.1.4.3, 3.2.5.1.1.1, 3.3.5.2.1.1). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "crypto/crypto.h"
#include "sign/crypt_nonce.h"
#include "smbsign/crypt.h"
#include "smbsign/sign.h"

#define SMB2_HDR_LEN 64
#define AAD_OFF 20 /* the AAD is the header from the Nonce field on */
#define AAD_LEN (SMB2_TRANSFORM_HDR_LEN - AAD_OFF)

struct smb_crypt_ctx {
    smb_cipher cipher;
    smb_aead_key send, recv;
    uint64_t next_nonce; /* counter of messages sent; never reused, never wraps */
    smb_crypt_nonce_counter *shared; /* when set, nonces come from here instead (sign/crypt_nonce.h) */
};

static const struct {
    smb_cipher c;
    const char *name, *alt;
} cipher_names[] = {
    {SMB_CIPHER_NONE, "none", "none"},
    {SMB_CIPHER_AES128_CCM, "aes-128-ccm", "aes128ccm"},
    {SMB_CIPHER_AES128_GCM, "aes-128-gcm", "aes128gcm"},
    {SMB_CIPHER_AES256_CCM, "aes-256-ccm", "aes256ccm"},
    {SMB_CIPHER_AES256_GCM, "aes-256-gcm", "aes256gcm"},
};

const char *smb_cipher_name(smb_cipher c)
{
    for (size_t i = 0; i < sizeof cipher_names / sizeof cipher_names[0]; i++)
        if (cipher_names[i].c == c)
            return cipher_names[i].name;
    return NULL;
}

int smb_cipher_parse(const char *s, smb_cipher *out)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof cipher_names / sizeof cipher_names[0]; i++)
        if (!strcasecmp(s, cipher_names[i].name) || !strcasecmp(s, cipher_names[i].alt)) {
            *out = cipher_names[i].c;
            return 0;
        }
    return -1;
}

size_t smb_cipher_key_len(smb_cipher c)
{
    switch (c) {
    case SMB_CIPHER_AES128_CCM:
    case SMB_CIPHER_AES128_GCM: return 16;
    case SMB_CIPHER_AES256_CCM:
    case SMB_CIPHER_AES256_GCM: return 32;
    default: return 0;
    }
}

static int cipher_gcm(smb_cipher c) { return c == SMB_CIPHER_AES128_GCM || c == SMB_CIPHER_AES256_GCM; }

size_t smb_cipher_nonce_len(smb_cipher c)
{
    if (!smb_cipher_key_len(c))
        return 0;
    return cipher_gcm(c) ? 12 : 11;
}

int smb_cipher_valid(smb_dialect d, smb_cipher c)
{
    if (d == SMB_DIALECT_300 || d == SMB_DIALECT_302)
        return c == SMB_CIPHER_AES128_CCM;
    if (d == SMB_DIALECT_311)
        return smb_cipher_key_len(c) != 0;
    return 0;
}

bool smb_crypt_is_transform(const uint8_t *msg, size_t len)
{
    return msg && len >= 4 && msg[0] == 0xFD && msg[1] == 'S' && msg[2] == 'M' && msg[3] == 'B';
}

smb_status smb_crypt_transform_decode(const uint8_t *msg, size_t len, smb_transform_hdr *out)
{
    memset(out, 0, sizeof *out);
    if (!msg || len < SMB2_TRANSFORM_HDR_LEN)
        return SMB_E_TRUNCATED;
    if (!smb_crypt_is_transform(msg, len))
        return SMB_E_MALFORMED;
    smb_rd r;
    rd_init(&r, msg, SMB2_TRANSFORM_HDR_LEN);
    rd_skip(&r, 4);
    rd_copy(&r, out->signature, 16);
    rd_copy(&r, out->nonce, 16);
    out->original_size = rd_u32le(&r);
    rd_skip(&r, 2); /* Reserved */
    out->flags = rd_u16le(&r);
    out->session_id = rd_u64le(&r);
    return r.err;
}

void smb_crypt_transform_encode(const smb_transform_hdr *h, uint8_t out[SMB2_TRANSFORM_HDR_LEN])
{
    smb_wr w;
    wr_init(&w, out, SMB2_TRANSFORM_HDR_LEN);
    wr_bytes(&w, "\xfdSMB", 4);
    wr_bytes(&w, h->signature, 16);
    wr_bytes(&w, h->nonce, 16);
    wr_u32le(&w, h->original_size);
    wr_u16le(&w, 0);
    wr_u16le(&w, h->flags);
    wr_u64le(&w, h->session_id);
}

smb_status smb_crypt_ctx_new(smb_crypt_ctx **out, smb_cipher cipher, const uint8_t *send_key,
                             const uint8_t *recv_key)
{
    *out = NULL;
    size_t kl = smb_cipher_key_len(cipher);
    if (!kl || (!send_key && !recv_key))
        return SMB_E_BAD_ARGUMENT;
    smb_crypt_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return SMB_E_NOMEM;
    c->cipher = cipher;
    smb_status st = SMB_OK;
    if (send_key)
        st = smb_aead_key_init(&c->send, cipher_gcm(cipher), 1, send_key, kl);
    if (st == SMB_OK && recv_key)
        st = smb_aead_key_init(&c->recv, cipher_gcm(cipher), 0, recv_key, kl);
    if (st != SMB_OK) {
        smb_crypt_ctx_free(c);
        return st;
    }
    *out = c;
    return SMB_OK;
}

smb_status smb_crypt_ctx_new_session(smb_crypt_ctx **out, smb_dialect dialect, smb_cipher cipher, bool is_server,
                                     const uint8_t *session_key, size_t sklen, const uint8_t *preauth)
{
    uint8_t enc[32], dec[32];
    *out = NULL;
    if (!smb_cipher_valid(dialect, cipher))
        return SMB_E_BAD_ARGUMENT;
    smb_status st =
        smb_sign_derive_cipher_keys(dialect, session_key, sklen, preauth, smb_cipher_key_len(cipher), enc, dec);
    if (st == SMB_OK)
        st = is_server ? smb_crypt_ctx_new(out, cipher, dec, enc) : smb_crypt_ctx_new(out, cipher, enc, dec);
    smb_wipe(enc, sizeof enc);
    smb_wipe(dec, sizeof dec);
    return st;
}

void smb_crypt_ctx_free(smb_crypt_ctx *c)
{
    if (!c)
        return;
    smb_aead_key_free(&c->send);
    smb_aead_key_free(&c->recv);
    smb_wipe(c, sizeof *c);
    free(c);
}

smb_cipher smb_crypt_ctx_cipher(const smb_crypt_ctx *c) { return c ? c->cipher : SMB_CIPHER_NONE; }

uint64_t smb_crypt_ctx_sent(const smb_crypt_ctx *c)
{
    if (!c)
        return 0;
    return c->shared ? atomic_load(c->shared) : c->next_nonce;
}

void smb_crypt_ctx_share_nonce(smb_crypt_ctx *c, smb_crypt_nonce_counter *counter)
{
    if (c)
        c->shared = counter;
}

/* The next nonce counter value, taken once (never handed out twice, also
 * across the threads that share a counter); SMB_E_OVERFLOW at the end. */
static SMB_WUR smb_status take_nonce(smb_crypt_ctx *c, uint64_t *n)
{
    if (!c->shared) {
        if (c->next_nonce == UINT64_MAX)
            return SMB_E_OVERFLOW;
        *n = c->next_nonce; /* advanced once the message is encrypted */
        return SMB_OK;
    }
    uint64_t v = atomic_load(c->shared);
    do {
        if (v == UINT64_MAX)
            return SMB_E_OVERFLOW;
    } while (!atomic_compare_exchange_weak(c->shared, &v, v + 1));
    *n = v;
    return SMB_OK;
}

smb_status smb_crypt_encrypt_nonce(smb_crypt_ctx *c, const uint8_t nonce[16], uint64_t session_id,
                                   uint8_t hdr[SMB2_TRANSFORM_HDR_LEN], uint8_t *msg, size_t len)
{
    if (!c || !c->send.ctx || !nonce || !hdr || !msg || len < SMB2_HDR_LEN || len > SMB_CRYPT_MAX_MESSAGE)
        return SMB_E_BAD_ARGUMENT;
    smb_transform_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.nonce, nonce, 16);
    h.original_size = (uint32_t)len;
    h.flags = SMB2_TRANSFORM_FLAG_ENCRYPTED;
    h.session_id = session_id;
    smb_crypt_transform_encode(&h, hdr);
    return smb_aead_seal(&c->send, hdr + AAD_OFF, hdr + AAD_OFF, AAD_LEN, msg, msg, len, hdr + 4);
}

smb_status smb_crypt_encrypt(smb_crypt_ctx *c, uint64_t session_id, uint8_t hdr[SMB2_TRANSFORM_HDR_LEN],
                             uint8_t *msg, size_t len)
{
    uint8_t nonce[16] = {0};
    if (!c)
        return SMB_E_BAD_ARGUMENT;
    /* MS-SMB2 2.2.41: a nonce is never reused within a session. A counter
     * (not random bytes) guarantees it; 2^64 - 1 messages is the end. A
     * shared counter's value is spent even when the message then fails. */
    uint64_t n = 0;
    smb_status st = take_nonce(c, &n);
    if (st != SMB_OK)
        return st;
    for (int i = 0; i < 8; i++)
        nonce[i] = (uint8_t)(n >> (8 * i));
    st = smb_crypt_encrypt_nonce(c, nonce, session_id, hdr, msg, len);
    if (st == SMB_OK && !c->shared)
        c->next_nonce = n + 1;
    return st;
}

smb_status smb_crypt_decrypt(smb_crypt_ctx *c, uint64_t session_id, uint8_t *buf, size_t len, uint8_t **plain,
                             size_t *plain_len)
{
    smb_transform_hdr h;
    *plain = NULL;
    *plain_len = 0;
    if (!c || !c->recv.ctx)
        return SMB_E_BAD_ARGUMENT;
    smb_status st = smb_crypt_transform_decode(buf, len, &h);
    if (st != SMB_OK)
        return st;
    /* cheap checks before crypto (MS-SMB2 3.3.5.2.1.1, 3.2.5.1.1.1) */
    if (len < SMB2_TRANSFORM_HDR_LEN + SMB2_HDR_LEN)
        return SMB_E_TRUNCATED;
    if (h.original_size != len - SMB2_TRANSFORM_HDR_LEN || h.flags != SMB2_TRANSFORM_FLAG_ENCRYPTED)
        return SMB_E_MALFORMED;
    if (h.session_id != session_id)
        return SMB_E_INVALID_SIGNATURE;
    /* the unused nonce tail is zero by MS-SMB2 2.2.41; it is in the AAD */
    uint8_t *p = buf + SMB2_TRANSFORM_HDR_LEN;
    size_t n = len - SMB2_TRANSFORM_HDR_LEN;
    st = smb_aead_open(&c->recv, buf + AAD_OFF, buf + AAD_OFF, AAD_LEN, p, p, n, buf + 4);
    if (st != SMB_OK) {
        smb_wipe(p, n);
        return st;
    }
    *plain = p;
    *plain_len = n;
    return SMB_OK;
}
