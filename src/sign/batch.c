/*
 * sign/batch.c - smb2_sign_batch / smb2_verify_batch (smbsign/batch.h).
 *
 * Every element goes through the same decisions as smb2_sign_iov /
 * smb2_verify_iov (sign/smb2.c: the structural checks, NOT_SUBJECT, the
 * SIGNED flag against must_sign, the context checks); only the MAC
 * computation of the elements that need one is gathered and handed to the
 * interleaved lanes of crypto/lanes.c, CHUNK elements at a time (no
 * allocation: the per-element segment lists live on the stack).
 */
#include <string.h>

#include "base/buf.h"
#include "crypto/lanes.h"
#include "sign/internal.h"
#include "smbsign/batch.h"
#include "wire/smb2/header.h"

#define CHUNK 16

typedef struct slot {
    uint8_t hdr[SMB2_HDR_LEN]; /* the header with a zero signature field */
    struct iovec seg[SMB2_BATCH_MAX_IOV + 1];
    uint8_t sig[16];
    int mac; /* the element needs its MAC computed */
} slot;

/* The one-message decisions; sets e->status / e->result, returns 1 when the
 * element needs a MAC. Signing sets the SIGNED flag first (it is MACed). */
static int decide(smb2_batch_msg *e, int verify)
{
    e->status = SMB_OK;
    e->result = SMB_VERIFY_BAD_SIGNATURE;
    if (e->iovcnt > SMB2_BATCH_MAX_IOV) {
        e->status = SMB_E_BAD_ARGUMENT;
        return 0;
    }
    if ((e->status = sign_smb2_check_iov(e->iov, e->iovcnt)) != SMB_OK)
        return 0;
    uint8_t *h = e->iov[0].iov_base;
    if (!verify) {
        if (!e->ctx || e->ctx->dialect == SMB_DIALECT_SMB1) {
            e->status = SMB_E_BAD_ARGUMENT;
            return 0;
        }
        put_le32(h + SMB2_FLAGS_OFFSET, le32(h + SMB2_FLAGS_OFFSET) | SMB2_FLAGS_SIGNED);
        return 1;
    }
    if (smb2_sign_not_subject(h)) {
        e->result = SMB_VERIFY_NOT_SUBJECT;
        return 0;
    }
    /* must_sign comes from the caller's session, never from the flag. */
    if (!(le32(h + SMB2_FLAGS_OFFSET) & SMB2_FLAGS_SIGNED)) {
        e->result = e->must_sign ? SMB_VERIFY_UNSIGNED_BUT_REQUIRED : SMB_VERIFY_UNSIGNED_ALLOWED;
        return 0;
    }
    if (e->ctx && e->ctx->dialect == SMB_DIALECT_SMB1) {
        e->status = SMB_E_BAD_ARGUMENT;
        return 0;
    }
    return e->ctx != NULL; /* no key: BAD_SIGNATURE */
}

/* The element's bytes as segments: header copy with a zero signature, the
 * rest of iov[0], then iov[1..]. */
static void segments(const smb2_batch_msg *e, slot *s, smb_mac_msg *mm, const void *key)
{
    const uint8_t *h = e->iov[0].iov_base;
    memcpy(s->hdr, h, SMB2_HDR_LEN);
    memset(s->hdr + SMB2_SIG_OFFSET, 0, 16);
    s->seg[0].iov_base = s->hdr;
    s->seg[0].iov_len = SMB2_HDR_LEN;
    s->seg[1].iov_base = (void *)(uintptr_t)(h + SMB2_HDR_LEN);
    s->seg[1].iov_len = e->iov[0].iov_len - SMB2_HDR_LEN;
    for (int i = 1; i < e->iovcnt; i++)
        s->seg[i + 1] = e->iov[i];
    mm->key = key;
    mm->seg = s->seg;
    mm->nseg = e->iovcnt + 1;
    mm->len = sign_iov_total(e->iov, e->iovcnt);
}

static void chunk(smb2_batch_msg *m, size_t n, int verify)
{
    slot sl[CHUNK];
    smb_mac_msg cm[CHUNK], hm[CHUNK];
    size_t ci[CHUNK], hi[CHUNK], nc = 0, nh = 0;

    for (size_t i = 0; i < n; i++) {
        smb2_batch_msg *e = &m[i];
        sl[i].mac = decide(e, verify);
        if (!sl[i].mac)
            continue;
        switch (e->ctx->alg) {
        case SMB_ALG_AES_CMAC:
            segments(e, &sl[i], &cm[nc], &e->ctx->k.cmac);
            ci[nc++] = i;
            break;
        case SMB_ALG_HMAC_SHA256:
            segments(e, &sl[i], &hm[nh], &e->ctx->k.hmac);
            hi[nh++] = i;
            break;
        default: /* AES-GMAC: GCM is parallel already; one message at a time */
            e->status = sign_smb2_mac_iov(e->ctx, e->iov, e->iovcnt, sl[i].sig);
            if (e->status != SMB_OK)
                sl[i].mac = 0;
            break;
        }
    }
    if (nc > 0) {
        smb_status st = smb_cmac_batch(cm, nc, SMB_LANES_AUTO);
        for (size_t j = 0; j < nc; j++) {
            memcpy(sl[ci[j]].sig, cm[j].tag, 16);
            if (st != SMB_OK) {
                m[ci[j]].status = st;
                sl[ci[j]].mac = 0;
            }
        }
    }
    if (nh > 0) {
        smb_lanes_impl impl = nh > 1 ? SMB_LANES_SIMD : SMB_LANES_PORTABLE; /* one message: OpenSSL is as fast */
        for (size_t j = 0; j < nh; j++)
            if (!(m[hi[j]].ctx->lanes_cpu & SMB_LANES_CPU_SHANI))
                impl = SMB_LANES_PORTABLE;
        smb_hmac_sha256_batch(hm, nh, impl);
        for (size_t j = 0; j < nh; j++)
            memcpy(sl[hi[j]].sig, hm[j].tag, 16);
    }
    for (size_t i = 0; i < n; i++) {
        if (!sl[i].mac)
            continue;
        uint8_t *h = m[i].iov[0].iov_base;
        if (verify)
            m[i].result = smb_memeq_ct(sl[i].sig, h + SMB2_SIG_OFFSET, 16) ? SMB_VERIFY_VALID
                                                                            : SMB_VERIFY_BAD_SIGNATURE;
        else
            memcpy(h + SMB2_SIG_OFFSET, sl[i].sig, 16);
    }
}

static SMB_WUR smb_status batch(smb2_batch_msg *m, size_t n, int verify)
{
    if (!m && n)
        return SMB_E_BAD_ARGUMENT;
    for (size_t base = 0; base < n; base += CHUNK)
        chunk(m + base, n - base < CHUNK ? n - base : CHUNK, verify);
    for (size_t i = 0; i < n; i++)
        if (m[i].status != SMB_OK)
            return m[i].status;
    return SMB_OK;
}

smb_status smb2_sign_batch(smb2_batch_msg *m, size_t n) { return batch(m, n, 0); }
smb_status smb2_verify_batch(smb2_batch_msg *m, size_t n) { return batch(m, n, 1); }
