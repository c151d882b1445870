/*
 * sign/smb1.c - SMB1 message signing (MS-CIFS 3.1.4.1 / 3.1.5.1, MS-SMB 3.1.4.1):
 * the first 8 bytes of MD5(MAC key || message), computed with the
 * SecuritySignature field holding the 32-bit sequence number (LE) followed by
 * four zero bytes. The key is absorbed once per session (the MD5 state after
 * the key is copied by value for each message).
 */
#include <string.h>

#include "base/buf.h"
#include "sign/internal.h"
#include "wire/smb1/header.h"

#define SMB1_OPLOCK_BREAK_MID 0xFFFFu
static const char placeholder[8] = {'B', 'S', 'R', 'S', 'P', 'Y', 'L', ' '};

bool smb1_expects_response(uint8_t command)
{
    /* MS-CIFS 2.2.4.65: the server MUST NOT respond to NT_CANCEL. */
    return command != SMB1_COM_NT_CANCEL;
}

uint32_t smb1_sign_seq_next(smb_sign_ctx *c, bool expects_response)
{
    uint32_t n = c->smb1_seq;
    c->smb1_seq += expects_response ? 2u : 1u;
    return n;
}

const char *smb1_sign_not_subject(const uint8_t hdr32[32])
{
    uint8_t cmd = hdr32[4];
    if (cmd == SMB1_COM_NEGOTIATE)
        return "NEGOTIATE";
    /* MS-CIFS 3.3.4.2 / MS-SMB 3.3.4.1.1: the server's oplock break request
     * (LOCKING_ANDX, not a reply, MID 0xFFFF) is not signed. */
    if (cmd == SMB1_COM_LOCKING_ANDX && !(hdr32[9] & SMB1_FLAGS_REPLY) && le16(hdr32 + 30) == SMB1_OPLOCK_BREAK_MID)
        return "oplock break from server";
    return NULL;
}

static SMB_WUR smb_status check_iov(const struct iovec *iov, int iovcnt)
{
    if (!iov || iovcnt < 1 || !iov[0].iov_base || sign_iov_total(iov, iovcnt) == 0)
        return SMB_E_BAD_ARGUMENT;
    if (iov[0].iov_len < SMB1_HDR_LEN)
        return SMB_E_TRUNCATED;
    if (memcmp(iov[0].iov_base, SMB1_MAGIC, 4) != 0)
        return SMB_E_MALFORMED;
    return SMB_OK;
}

static void mac_iov(smb_sign_ctx *c, const struct iovec *iov, int iovcnt, uint32_t seq, uint8_t sig[8])
{
    const uint8_t *h = iov[0].iov_base;
    uint8_t seqf[8] = {0}, full[16];
    smb_md5_ctx m = c->k.md5; /* state after MD5(mac key) */
    put_le32(seqf, seq);
    smb_md5_update(&m, h, SMB1_SIG_OFFSET);
    smb_md5_update(&m, seqf, 8);
    smb_md5_update(&m, h + SMB1_SIG_OFFSET + 8, iov[0].iov_len - SMB1_SIG_OFFSET - 8);
    for (int i = 1; i < iovcnt; i++)
        smb_md5_update(&m, iov[i].iov_base, iov[i].iov_len);
    smb_md5_final(&m, full);
    memcpy(sig, full, 8);
    smb_wipe(full, sizeof full);
}

smb_status smb1_sign_compute(smb_sign_ctx *c, const struct iovec *iov, int iovcnt, uint32_t seq, uint8_t sig[8])
{
    smb_status st = check_iov(iov, iovcnt);
    if (st != SMB_OK)
        return st;
    if (!c || c->dialect != SMB_DIALECT_SMB1)
        return SMB_E_BAD_ARGUMENT;
    mac_iov(c, iov, iovcnt, seq, sig);
    return SMB_OK;
}

smb_status smb1_sign_iov(smb_sign_ctx *c, const struct iovec *iov, int iovcnt, uint32_t seq)
{
    uint8_t sig[8];
    smb_status st = check_iov(iov, iovcnt);
    if (st != SMB_OK)
        return st;
    if (!c || c->dialect != SMB_DIALECT_SMB1)
        return SMB_E_BAD_ARGUMENT;
    uint8_t *h = iov[0].iov_base;
    put_le16(h + 10, le16(h + 10) | SMB1_FLAGS2_SMB_SECURITY_SIGNATURE);
    mac_iov(c, iov, iovcnt, seq, sig);
    memcpy(h + SMB1_SIG_OFFSET, sig, 8);
    return SMB_OK;
}

smb_status smb1_sign(smb_sign_ctx *c, uint8_t *msg, size_t len, uint32_t seq)
{
    struct iovec v = {msg, len};
    return smb1_sign_iov(c, &v, 1, seq);
}

smb_status smb1_sign_placeholder(uint8_t *msg, size_t len)
{
    struct iovec v = {msg, len};
    smb_status st = check_iov(&v, 1);
    if (st != SMB_OK)
        return st;
    put_le16(msg + 10, le16(msg + 10) | SMB1_FLAGS2_SMB_SECURITY_SIGNATURE);
    memcpy(msg + SMB1_SIG_OFFSET, placeholder, 8);
    return SMB_OK;
}

smb_status smb1_verify(smb_sign_ctx *c, const uint8_t *msg, size_t len, uint32_t seq, bool must_sign,
                       smb_verify_result *res, uint8_t expected[8], uint8_t found[8])
{
    struct iovec v = {(void *)(uintptr_t)msg, len};
    uint8_t sig[8];
    smb_status st = check_iov(&v, 1);
    if (expected)
        memset(expected, 0, 8);
    if (found)
        memset(found, 0, 8);
    if (st != SMB_OK)
        return st;
    if (found)
        memcpy(found, msg + SMB1_SIG_OFFSET, 8);
    /* No key yet: signing is not active (the BSRSPYL placeholder phase). */
    if (!c || smb1_sign_not_subject(msg)) {
        *res = SMB_VERIFY_NOT_SUBJECT;
        return SMB_OK;
    }
    if (c->dialect != SMB_DIALECT_SMB1)
        return SMB_E_BAD_ARGUMENT;
    if (!(le16(msg + 10) & SMB1_FLAGS2_SMB_SECURITY_SIGNATURE)) {
        *res = must_sign ? SMB_VERIFY_UNSIGNED_BUT_REQUIRED : SMB_VERIFY_UNSIGNED_ALLOWED;
        return SMB_OK;
    }
    mac_iov(c, &v, 1, seq, sig);
    if (expected)
        memcpy(expected, sig, 8);
    *res = smb_memeq_ct(sig, msg + SMB1_SIG_OFFSET, 8) ? SMB_VERIFY_VALID : SMB_VERIFY_BAD_SIGNATURE;
    return SMB_OK;
}

smb_status smb1_verify_mac(smb_sign_ctx *c, const uint8_t *msg, size_t len, uint32_t seq, smb_verify_result *res,
                           uint8_t expected[8], uint8_t found[8])
{
    struct iovec v = {(void *)(uintptr_t)msg, len};
    uint8_t sig[8];
    if (expected)
        memset(expected, 0, 8);
    if (found)
        memset(found, 0, 8);
    if (!c || !res || c->dialect != SMB_DIALECT_SMB1)
        return SMB_E_BAD_ARGUMENT;
    smb_status st = check_iov(&v, 1);
    if (st != SMB_OK)
        return st;
    if (found)
        memcpy(found, msg + SMB1_SIG_OFFSET, 8);
    mac_iov(c, &v, 1, seq, sig);
    if (expected)
        memcpy(expected, sig, 8);
    *res = smb_memeq_ct(sig, msg + SMB1_SIG_OFFSET, 8) ? SMB_VERIFY_VALID : SMB_VERIFY_BAD_SIGNATURE;
    smb_wipe(sig, sizeof sig);
    return SMB_OK;
}
