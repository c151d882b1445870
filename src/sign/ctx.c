/* sign/ctx.c - signing contexts, key derivation (MS-SMB2 3.1.4.2, 3.2.5.3.1) and the preauth hash. */
#include <stdlib.h>
#include <string.h>

#include "crypto/lanes.h"
#include "sign/internal.h"

size_t sign_iov_total(const struct iovec *iov, int iovcnt)
{
    size_t t = 0;
    if (iovcnt < 0)
        return 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > SIZE_MAX - t)
            return 0;
        t += iov[i].iov_len;
    }
    return t;
}

smb_status smb_sign_derive_keys(smb_dialect dialect, const uint8_t *session_key, size_t sklen,
                                const uint8_t *preauth, smb_sign_keys *out)
{
    uint8_t sk[16] = {0};
    memset(out, 0, sizeof *out);
    if (!session_key && sklen)
        return SMB_E_BAD_ARGUMENT;
    /* MS-SMB2 3.2.5.3.1: the first 16 bytes of the GSS key, zero-padded. */
    if (sklen)
        memcpy(sk, session_key, sklen < 16 ? sklen : 16);
    switch (dialect) {
    case SMB_DIALECT_202:
    case SMB_DIALECT_210:
        memcpy(out->signing, sk, 16);
        break;
    case SMB_DIALECT_300:
    case SMB_DIALECT_302:
        smb_kdf_smb(sk, 16, "SMB2AESCMAC", 12, "SmbSign", 8, out->signing);
        smb_kdf_smb(sk, 16, "SMB2AESCCM", 11, "ServerIn ", 10, out->encryption);
        smb_kdf_smb(sk, 16, "SMB2AESCCM", 11, "ServerOut", 10, out->decryption);
        smb_kdf_smb(sk, 16, "SMB2APP", 8, "SmbRpc", 7, out->application);
        break;
    case SMB_DIALECT_311:
        if (!preauth) {
            smb_wipe(sk, sizeof sk);
            return SMB_E_BAD_ARGUMENT;
        }
        smb_kdf_smb(sk, 16, "SMBSigningKey", 14, preauth, 64, out->signing);
        smb_kdf_smb(sk, 16, "SMBC2SCipherKey", 16, preauth, 64, out->encryption);
        smb_kdf_smb(sk, 16, "SMBS2CCipherKey", 16, preauth, 64, out->decryption);
        smb_kdf_smb(sk, 16, "SMBAppKey", 10, preauth, 64, out->application);
        break;
    default:
        smb_wipe(sk, sizeof sk);
        return SMB_E_BAD_ARGUMENT;
    }
    smb_wipe(sk, sizeof sk);
    return SMB_OK;
}

smb_status smb_sign_derive_cipher_keys(smb_dialect dialect, const uint8_t *session_key, size_t sklen,
                                       const uint8_t *preauth, size_t key_len, uint8_t *encryption,
                                       uint8_t *decryption)
{
    if (key_len == 16) {
        smb_sign_keys k;
        memset(&k, 0, sizeof k);
        smb_status st = dialect == SMB_DIALECT_202 || dialect == SMB_DIALECT_210
                            ? SMB_E_BAD_ARGUMENT
                            : smb_sign_derive_keys(dialect, session_key, sklen, preauth, &k);
        if (st == SMB_OK) {
            memcpy(encryption, k.encryption, 16);
            memcpy(decryption, k.decryption, 16);
        }
        smb_wipe(&k, sizeof k);
        return st;
    }
    /* MS-SMB2 3.2.5.3.1: AES-256 ciphers exist in 3.1.1 only and use the full key */
    if (key_len != 32 || dialect != SMB_DIALECT_311 || !preauth || !session_key || sklen == 0 ||
        sklen > SMB_SESSION_KEY_MAX)
        return SMB_E_BAD_ARGUMENT;
    smb_kdf_smb_len(session_key, sklen, "SMBC2SCipherKey", 16, preauth, 64, encryption, 32);
    smb_kdf_smb_len(session_key, sklen, "SMBS2CCipherKey", 16, preauth, 64, decryption, 32);
    return SMB_OK;
}

void smb_preauth_init(smb_preauth *p) { memset(p->hash, 0, sizeof p->hash); }

void smb_preauth_update(smb_preauth *p, const void *msg, size_t len)
{
    struct iovec v = {(void *)(uintptr_t)msg, len};
    smb_preauth_update_iov(p, &v, 1);
}

/* MS-SMB2 3.2.5.2: PreauthIntegrityHashValue = SHA-512(previous || message). */
void smb_preauth_update_iov(smb_preauth *p, const struct iovec *iov, int iovcnt)
{
    smb_sha512_ctx c;
    smb_sha512_init(&c);
    smb_sha512_update(&c, p->hash, sizeof p->hash);
    for (int i = 0; i < iovcnt; i++)
        smb_sha512_update(&c, iov[i].iov_base, iov[i].iov_len);
    smb_sha512_final(&c, p->hash);
}

smb_sign_alg smb_sign_default_alg(smb_dialect d)
{
    switch (d) {
    case SMB_DIALECT_SMB1: return SMB_ALG_MD5;
    case SMB_DIALECT_202:
    case SMB_DIALECT_210: return SMB_ALG_HMAC_SHA256;
    case SMB_DIALECT_300:
    case SMB_DIALECT_302:
    case SMB_DIALECT_311: return SMB_ALG_AES_CMAC;
    default: return SMB_ALG_NONE;
    }
}

int smb_sign_alg_valid(smb_dialect d, smb_sign_alg alg)
{
    switch (d) {
    case SMB_DIALECT_SMB1: return alg == SMB_ALG_MD5;
    case SMB_DIALECT_202:
    case SMB_DIALECT_210: return alg == SMB_ALG_HMAC_SHA256;
    case SMB_DIALECT_300:
    case SMB_DIALECT_302: return alg == SMB_ALG_AES_CMAC;
    case SMB_DIALECT_311:
        return alg == SMB_ALG_HMAC_SHA256 || alg == SMB_ALG_AES_CMAC || alg == SMB_ALG_AES_GMAC;
    default: return 0;
    }
}

smb_status smb_sign_ctx_new(smb_sign_ctx **out, smb_dialect dialect, smb_sign_alg alg, const uint8_t key[16])
{
    smb_status st = SMB_OK;
    *out = NULL;
    if (dialect == SMB_DIALECT_SMB1 || !smb_sign_alg_valid(dialect, alg) || !key)
        return SMB_E_BAD_ARGUMENT;
    smb_sign_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return SMB_E_NOMEM;
    c->dialect = dialect;
    c->alg = alg;
    c->lanes_cpu = smb_lanes_cpu();
    switch (alg) {
    case SMB_ALG_HMAC_SHA256: smb_hmac_sha256_key_init(&c->k.hmac, key, 16); break;
    case SMB_ALG_AES_CMAC: st = smb_cmac_key_init(&c->k.cmac, key); break;
    case SMB_ALG_AES_GMAC: st = smb_gmac_key_init(&c->k.gmac, key); break;
    default: st = SMB_E_BAD_ARGUMENT; break;
    }
    if (st != SMB_OK) {
        free(c);
        return st;
    }
    *out = c;
    return SMB_OK;
}

smb_status smb_sign_ctx_new_session(smb_sign_ctx **out, smb_dialect dialect, smb_sign_alg alg,
                                    const uint8_t *session_key, size_t sklen, const uint8_t *preauth)
{
    smb_sign_keys k;
    *out = NULL;
    smb_status st = smb_sign_derive_keys(dialect, session_key, sklen, preauth, &k);
    if (st == SMB_OK)
        st = smb_sign_ctx_new(out, dialect, alg, k.signing);
    smb_wipe(&k, sizeof k);
    return st;
}

smb_status smb_sign_ctx_new_smb1(smb_sign_ctx **out, const uint8_t *mac_key, size_t klen)
{
    *out = NULL;
    if (!mac_key || klen == 0 || klen > SMB_SIGN_SMB1_MAX_KEY)
        return SMB_E_BAD_ARGUMENT;
    smb_sign_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return SMB_E_NOMEM;
    c->dialect = SMB_DIALECT_SMB1;
    c->alg = SMB_ALG_MD5;
    smb_md5_init(&c->k.md5);
    smb_md5_update(&c->k.md5, mac_key, klen);
    *out = c;
    return SMB_OK;
}

void smb_sign_ctx_free(smb_sign_ctx *c)
{
    if (!c)
        return;
    if (c->alg == SMB_ALG_AES_CMAC)
        smb_cmac_key_free(&c->k.cmac);
    else if (c->alg == SMB_ALG_AES_GMAC)
        smb_gmac_key_free(&c->k.gmac);
    smb_wipe(c, sizeof *c);
    free(c);
}

smb_dialect smb_sign_ctx_dialect(const smb_sign_ctx *c) { return c ? c->dialect : SMB_DIALECT_NONE; }
smb_sign_alg smb_sign_ctx_alg(const smb_sign_ctx *c) { return c ? c->alg : SMB_ALG_NONE; }

const char *smb_verify_result_name(smb_verify_result r)
{
    switch (r) {
    case SMB_VERIFY_VALID: return "valid";
    case SMB_VERIFY_BAD_SIGNATURE: return "bad-signature";
    case SMB_VERIFY_UNSIGNED_BUT_REQUIRED: return "unsigned-but-required";
    case SMB_VERIFY_UNSIGNED_ALLOWED: return "unsigned-allowed";
    case SMB_VERIFY_NOT_SUBJECT: return "not-subject";
    }
    return "unknown";
}
