/* server/session_sign.c - SMB2/3 message MACs with prepared keys (MS-SMB2 3.1.4.1). */
#include <string.h>

#include "server/session_int.h"

smb_status srv_signer_init(struct srv_signer *s, smb_sign_alg alg, const uint8_t key[16])
{
    smb_status st = SMB_OK;
    srv_signer_free(s);
    s->alg = alg;
    switch (alg) {
    case SMB_ALG_HMAC_SHA256:
        /* 2.0.2/2.1: the 16-byte session key is the HMAC key. */
        smb_hmac_sha256_key_init(&s->hk, key, 16);
        break;
    case SMB_ALG_AES_CMAC:
        st = smb_cmac_key_init(&s->ck, key);
        break;
    case SMB_ALG_AES_GMAC:
        st = smb_gmac_key_init(&s->gk, key);
        break;
    default:
        return SMB_E_UNSUPPORTED;
    }
    s->ready = st == SMB_OK;
    return st;
}

void srv_signer_free(struct srv_signer *s)
{
    if (s->ready) {
        if (s->alg == SMB_ALG_HMAC_SHA256)
            smb_hmac_sha256_key_wipe(&s->hk);
        else if (s->alg == SMB_ALG_AES_CMAC)
            smb_cmac_key_free(&s->ck);
        else if (s->alg == SMB_ALG_AES_GMAC)
            smb_gmac_key_free(&s->gk);
    }
    memset(s, 0, sizeof *s);
}

static const uint8_t zero16[16];

smb_status srv_signer_mac(struct srv_signer *s, const uint8_t *msg, size_t len, uint8_t out[16])
{
    if (!s->ready || len < SMB2_HDR_LEN)
        return SMB_E_BAD_ARGUMENT;
    const uint8_t *tail = msg + SMB2_SIG_OFFSET + SMB2_SIG_LEN;
    size_t tlen = len - SMB2_SIG_OFFSET - SMB2_SIG_LEN;
    switch (s->alg) {
    case SMB_ALG_HMAC_SHA256: {
        smb_hmac_sha256_ctx h;
        uint8_t full[32];
        smb_hmac_sha256_start(&h, &s->hk);
        smb_hmac_sha256_update(&h, msg, SMB2_SIG_OFFSET);
        smb_hmac_sha256_update(&h, zero16, 16);
        smb_hmac_sha256_update(&h, tail, tlen);
        smb_hmac_sha256_final(&h, full);
        memcpy(out, full, 16);
        smb_wipe(full, sizeof full);
        return SMB_OK;
    }
    case SMB_ALG_AES_CMAC: {
        smb_cmac_ctx cc;
        smb_status st = smb_cmac_start(&cc, &s->ck);
        if (st != SMB_OK)
            return st;
        smb_cmac_update(&cc, msg, SMB2_SIG_OFFSET);
        smb_cmac_update(&cc, zero16, 16);
        smb_cmac_update(&cc, tail, tlen);
        return smb_cmac_final(&cc, out);
    }
    case SMB_ALG_AES_GMAC: {
        /* MS-SMB2 3.1.4.1: nonce = MessageId (8 bytes LE) || 4 bytes whose
         * bit 0 is the SERVER_TO_REDIR role and bit 1 "is CANCEL". */
        uint8_t nonce[12];
        memcpy(nonce, msg + 24, 8);
        uint32_t flags = le32(msg + SMB2_FLAGS_OFFSET);
        uint16_t cmd = le16(msg + 12);
        uint32_t x = (flags & SMB2_FLAGS_SERVER_TO_REDIR) ? 1u : 0u;
        if (cmd == SMB2_CANCEL)
            x |= 2u;
        put_le32(nonce + 8, x);
        smb_status st = smb_gmac_start(&s->gk, nonce);
        if (st == SMB_OK)
            st = smb_gmac_update(&s->gk, msg, SMB2_SIG_OFFSET);
        if (st == SMB_OK)
            st = smb_gmac_update(&s->gk, zero16, 16);
        if (st == SMB_OK && tlen)
            st = smb_gmac_update(&s->gk, tail, tlen);
        if (st == SMB_OK)
            st = smb_gmac_final(&s->gk, out);
        return st;
    }
    default:
        return SMB_E_UNSUPPORTED;
    }
}
