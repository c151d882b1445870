/*
 * sign/smb2.c - SMB2/3 message signing (MS-SMB2 3.1.4.1) and verification
 * (3.2.5.1.3 client, 3.3.5.2.4 server), one message or a compound chain.
 *
 * The MAC is computed over the message with the 16-byte Signature field
 * taken as zero, fed as: header[0..48) || 0^16 || header[64..) || iov[1..].
 * Nothing is copied and nothing is allocated per message.
 */
#include <string.h>

#include "base/buf.h"
#include "sign/internal.h"
#include "wire/smb2/header.h"

#define STATUS_PENDING_VALUE 0x00000103u

static const uint8_t zero16[16];

const char *smb2_sign_not_subject(const uint8_t hdr64[64])
{
    uint16_t cmd = le16(hdr64 + 12);
    uint32_t flags = le32(hdr64 + 16);
    uint64_t mid = le64(hdr64 + 24);
    /* MS-SMB2 3.3.5.2.4 / 3.2.5.1.3: NEGOTIATE is never signed. */
    if (cmd == SMB2_NEGOTIATE)
        return "NEGOTIATE";
    /* MS-SMB2 3.2.5.1.3 skips MessageId 0xFFFFFFFFFFFFFFFF, which only
     * oplock/lease break notifications use (3.3.4.6); we also require the
     * command, so nothing else can claim the exemption. */
    if (cmd == SMB2_OPLOCK_BREAK && mid == SMB2_OPLOCK_BREAK_MESSAGE_ID)
        return "oplock break notification";
    /* MS-SMB2 3.3.4.1.1 (server does not sign interim responses) and 3.2.5.1.3
     * (client skips Status STATUS_PENDING). Interim responses are always
     * async (3.3.4.2), and only a response's Status is an NTSTATUS, so we
     * require SERVER_TO_REDIR and ASYNC_COMMAND too: stricter, never laxer. */
    if ((flags & SMB2_FLAGS_SERVER_TO_REDIR) && (flags & SMB2_FLAGS_ASYNC_COMMAND) &&
        le32(hdr64 + 8) == STATUS_PENDING_VALUE)
        return "interim STATUS_PENDING response";
    /* No session, no key (MS-SMB2 3.3.5.2.4: SessionId 0 is not verified). */
    if (le64(hdr64 + 40) == 0)
        return "SessionId 0";
    return NULL;
}

/* Build the AES-GMAC nonce (MS-SMB2 3.1.4.1): MessageId (LE 8 bytes), then a
 * 32-bit LE value whose bit 0 is set for responses (server to client) and bit
 * 1 for CANCEL requests (which reuse their target's MessageId). */
static void gmac_nonce(const uint8_t *hdr, uint8_t nonce[12])
{
    uint32_t flags = le32(hdr + 16);
    uint32_t v = 0;
    memcpy(nonce, hdr + 24, 8);
    if (flags & SMB2_FLAGS_SERVER_TO_REDIR)
        v |= 1;
    if (le16(hdr + 12) == SMB2_CANCEL)
        v |= 2;
    put_le32(nonce + 8, v);
}

/* The MAC over the segments described above; iov[0] holds >= 64 bytes. */
static SMB_WUR smb_status mac_iov(smb_sign_ctx *c, const struct iovec *iov, int iovcnt, uint8_t sig[16])
{
    const uint8_t *h = iov[0].iov_base;
    const uint8_t *rest0 = h + SMB2_HDR_LEN;
    size_t rest0len = iov[0].iov_len - SMB2_HDR_LEN;
    smb_status st = SMB_OK;

    switch (c->alg) {
    case SMB_ALG_HMAC_SHA256: {
        smb_hmac_sha256_ctx m;
        uint8_t full[32];
        smb_hmac_sha256_start(&m, &c->k.hmac);
        smb_hmac_sha256_update(&m, h, SMB2_SIG_OFFSET);
        smb_hmac_sha256_update(&m, zero16, 16);
        smb_hmac_sha256_update(&m, rest0, rest0len);
        for (int i = 1; i < iovcnt; i++)
            smb_hmac_sha256_update(&m, iov[i].iov_base, iov[i].iov_len);
        smb_hmac_sha256_final(&m, full);
        memcpy(sig, full, 16); /* MS-SMB2 3.1.4.1: first 16 bytes of the HMAC */
        smb_wipe(full, sizeof full);
        break;
    }
    case SMB_ALG_AES_CMAC: {
        smb_cmac_ctx m;
        uint8_t first[64];
        memcpy(first, h, SMB2_SIG_OFFSET);
        memset(first + SMB2_SIG_OFFSET, 0, 16);
        if ((st = smb_cmac_start(&m, &c->k.cmac)) != SMB_OK)
            break;
        smb_cmac_update(&m, first, 64);
        smb_cmac_update(&m, rest0, rest0len);
        for (int i = 1; i < iovcnt; i++)
            smb_cmac_update(&m, iov[i].iov_base, iov[i].iov_len);
        st = smb_cmac_final(&m, sig);
        break;
    }
    case SMB_ALG_AES_GMAC: {
        uint8_t nonce[12];
        gmac_nonce(h, nonce);
        if ((st = smb_gmac_start(&c->k.gmac, nonce)) != SMB_OK ||
            (st = smb_gmac_update(&c->k.gmac, h, SMB2_SIG_OFFSET)) != SMB_OK ||
            (st = smb_gmac_update(&c->k.gmac, zero16, 16)) != SMB_OK ||
            (st = smb_gmac_update(&c->k.gmac, rest0, rest0len)) != SMB_OK)
            break;
        for (int i = 1; i < iovcnt && st == SMB_OK; i++)
            st = smb_gmac_update(&c->k.gmac, iov[i].iov_base, iov[i].iov_len);
        if (st == SMB_OK)
            st = smb_gmac_final(&c->k.gmac, sig);
        break;
    }
    default:
        st = SMB_E_BAD_ARGUMENT;
        break;
    }
    return st;
}

/* Cheap structural checks before any crypto. */
static SMB_WUR smb_status check_iov(const struct iovec *iov, int iovcnt)
{
    if (!iov || iovcnt < 1 || !iov[0].iov_base || sign_iov_total(iov, iovcnt) == 0)
        return SMB_E_BAD_ARGUMENT;
    if (iov[0].iov_len < SMB2_HDR_LEN)
        return SMB_E_TRUNCATED;
    const uint8_t *h = iov[0].iov_base;
    if (memcmp(h, SMB2_MAGIC, 4) != 0 || le16(h + 4) != SMB2_HDR_LEN)
        return SMB_E_MALFORMED;
    return SMB_OK;
}

smb_status smb2_sign_compute(smb_sign_ctx *c, const struct iovec *iov, int iovcnt, uint8_t sig[16])
{
    smb_status st = check_iov(iov, iovcnt);
    if (st != SMB_OK)
        return st;
    if (!c || c->dialect == SMB_DIALECT_SMB1)
        return SMB_E_BAD_ARGUMENT;
    return mac_iov(c, iov, iovcnt, sig);
}

smb_status smb2_sign_iov(smb_sign_ctx *c, const struct iovec *iov, int iovcnt)
{
    uint8_t sig[16];
    smb_status st = check_iov(iov, iovcnt);
    if (st != SMB_OK)
        return st;
    if (!c || c->dialect == SMB_DIALECT_SMB1)
        return SMB_E_BAD_ARGUMENT;
    uint8_t *h = iov[0].iov_base;
    /* The SIGNED flag is part of the signed bytes: set it first. */
    put_le32(h + SMB2_FLAGS_OFFSET, le32(h + SMB2_FLAGS_OFFSET) | SMB2_FLAGS_SIGNED);
    if ((st = mac_iov(c, iov, iovcnt, sig)) != SMB_OK)
        return st;
    memcpy(h + SMB2_SIG_OFFSET, sig, 16);
    return SMB_OK;
}

smb_status smb2_sign(smb_sign_ctx *c, uint8_t *msg, size_t len)
{
    struct iovec v = {msg, len};
    return smb2_sign_iov(c, &v, 1);
}

/* Walk a whole chain without touching it (so signing never leaves a half-signed PDU). */
static SMB_WUR smb_status chain_check(const uint8_t *pdu, size_t len)
{
    size_t off = 0, elen = 0, next = 0;
    do {
        smb_status st = smb2_compound_next(pdu, len, off, &elen, &next);
        if (st != SMB_OK)
            return st;
        if (le16(pdu + off + 4) != SMB2_HDR_LEN)
            return SMB_E_MALFORMED;
        off = next;
    } while (next != 0);
    return SMB_OK;
}

smb_status smb2_sign_chain(smb_sign_ctx *c, uint8_t *pdu, size_t len)
{
    size_t off = 0, elen = 0, next = 0;
    smb_status cst = chain_check(pdu, len);
    if (cst != SMB_OK)
        return cst;
    do {
        smb_status st = smb2_compound_next(pdu, len, off, &elen, &next);
        if (st != SMB_OK)
            return st;
        if (!smb2_sign_not_subject(pdu + off) && (st = smb2_sign(c, pdu + off, elen)) != SMB_OK)
            return st;
        off = next;
    } while (next != 0);
    return SMB_OK;
}

smb_status smb2_verify_iov(smb_sign_ctx *c, const struct iovec *iov, int iovcnt, bool must_sign,
                           smb_verify_result *res, uint8_t expected[16], uint8_t found[16])
{
    uint8_t sig[16];
    smb_status st = check_iov(iov, iovcnt);
    if (expected)
        memset(expected, 0, 16);
    if (found)
        memset(found, 0, 16);
    if (st != SMB_OK)
        return st;
    const uint8_t *h = iov[0].iov_base;
    if (found)
        memcpy(found, h + SMB2_SIG_OFFSET, 16);
    if (smb2_sign_not_subject(h)) {
        *res = SMB_VERIFY_NOT_SUBJECT;
        return SMB_OK;
    }
    /* must_sign comes from the caller's session, never from the flag. */
    if (!(le32(h + SMB2_FLAGS_OFFSET) & SMB2_FLAGS_SIGNED)) {
        *res = must_sign ? SMB_VERIFY_UNSIGNED_BUT_REQUIRED : SMB_VERIFY_UNSIGNED_ALLOWED;
        return SMB_OK;
    }
    if (c && c->dialect == SMB_DIALECT_SMB1)
        return SMB_E_BAD_ARGUMENT; /* an SMB1 context cannot check an SMB2 message */
    if (!c) {
        *res = SMB_VERIFY_BAD_SIGNATURE; /* signed, but we hold no key to check it */
        return SMB_OK;
    }
    if ((st = mac_iov(c, iov, iovcnt, sig)) != SMB_OK)
        return st;
    if (expected)
        memcpy(expected, sig, 16);
    *res = smb_memeq_ct(sig, h + SMB2_SIG_OFFSET, 16) ? SMB_VERIFY_VALID : SMB_VERIFY_BAD_SIGNATURE;
    return SMB_OK;
}

smb_status smb2_verify(smb_sign_ctx *c, const uint8_t *msg, size_t len, bool must_sign, smb_verify_result *res,
                       uint8_t expected[16], uint8_t found[16])
{
    struct iovec v = {(void *)(uintptr_t)msg, len};
    return smb2_verify_iov(c, &v, 1, must_sign, res, expected, found);
}

smb_status smb2_verify_chain(smb_sign_ctx *c, const uint8_t *pdu, size_t len, bool must_sign, smb_verify_result *res,
                             size_t *bad_index)
{
    size_t off = 0, elen = 0, next = 0, idx = 0;
    smb_verify_result r = SMB_VERIFY_VALID;
    do {
        smb_status st = smb2_compound_next(pdu, len, off, &elen, &next);
        if (st != SMB_OK)
            return st;
        if ((st = smb2_verify(c, pdu + off, elen, must_sign, &r, NULL, NULL)) != SMB_OK)
            return st;
        if (!smb_verify_acceptable(r))
            break;
        off = next;
        idx++;
    } while (next != 0);
    *res = r;
    if (bad_index)
        *bad_index = idx;
    return SMB_OK;
}
