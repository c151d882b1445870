/*
 * fuzz/fuzz_sign_batch.c - libFuzzer target for the batch MACs: the
 * multi-lane functions (crypto/lanes.c: smb_cmac_batch, smb_hmac_sha256_batch,
 * SIMD and portable) and the public smb2_sign_batch / smb2_verify_batch,
 * each compared with the one-message path on the same bytes.
 *
 * Input: first byte = number of messages (1..12); then per message one
 * control byte (key/algorithm, segment count, misalignment), a 16-bit length
 * and that many bytes (cut short at the end of the input); the message is
 * split into segments at points taken from its own first bytes.
 * Invariants (abort on violation): every batch tag/signature/result/status
 * equals the one-message one; nothing reads out of bounds (ASan/UBSan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/lanes.h"
#include "smbsign/batch.h"
#include "smbsign/sign.h"

#define MAXN 12
#define MAXSEG 4

static const uint8_t keys[3][16] = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
                                    {0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87},
                                    {0x5a}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct item {
    uint8_t ctl;
    uint8_t *buf;  /* exact-size copy (so ASan sees over-reads), misaligned by ctl */
    uint8_t *copy; /* the same bytes, for the one-message path */
    size_t len;
    struct iovec seg[MAXSEG], cseg[MAXSEG];
    int nseg;
} item;

static void split(item *it)
{
    it->nseg = 1 + (it->ctl >> 2) % MAXSEG;
    size_t off = 0;
    for (int s = 0; s < it->nseg; s++) {
        size_t take = it->len - off;
        if (s < it->nseg - 1 && take > 0)
            take = (it->len > (size_t)s ? it->buf[s] : 0) % (take + 1);
        it->seg[s] = (struct iovec){it->buf + off, take};
        it->cseg[s] = (struct iovec){it->copy + off, take};
        off += take;
    }
}

static void check_lanes(item *it, size_t n)
{
    smb_cmac_key ck[3];
    smb_hmac_sha256_key hk[3];
    smb_mac_msg m[MAXN];
    for (int k = 0; k < 3; k++) {
        if (smb_cmac_key_init(&ck[k], keys[k]) != SMB_OK)
            abort();
        smb_hmac_sha256_key_init(&hk[k], keys[k], 16);
    }
    for (int impl = SMB_LANES_PORTABLE; impl <= SMB_LANES_SIMD; impl++) {
        for (int alg = 0; alg < 2; alg++) {
            for (size_t i = 0; i < n; i++) {
                int k = it[i].ctl % 3;
                m[i] = (smb_mac_msg){.key = alg ? (const void *)&hk[k] : (const void *)&ck[k],
                                     .seg = it[i].seg, .nseg = it[i].nseg, .len = it[i].len};
            }
            if (alg)
                smb_hmac_sha256_batch(m, n,
                                      impl == SMB_LANES_SIMD && !(smb_lanes_cpu() & SMB_LANES_CPU_SHANI)
                                          ? SMB_LANES_PORTABLE
                                          : (smb_lanes_impl)impl);
            else if (smb_cmac_batch(m, n, (smb_lanes_impl)impl) != SMB_OK)
                abort();
            for (size_t i = 0; i < n; i++) {
                uint8_t want[32];
                int k = it[i].ctl % 3;
                if (alg)
                    smb_hmac_sha256(keys[k], 16, it[i].copy, it[i].len, want);
                else if (smb_aes_cmac(keys[k], it[i].copy, it[i].len, want) != SMB_OK)
                    abort();
                if (memcmp(want, m[i].tag, 16) != 0)
                    abort();
            }
        }
    }
    for (int k = 0; k < 3; k++) {
        smb_cmac_key_free(&ck[k]);
        smb_hmac_sha256_key_wipe(&hk[k]);
    }
}

static void check_smb2(item *it, size_t n, smb_sign_ctx *const ctx[4])
{
    smb2_batch_msg b[MAXN];
    for (size_t i = 0; i < n; i++) {
        b[i] = (smb2_batch_msg){.ctx = ctx[it[i].ctl % 4], .iov = it[i].seg, .iovcnt = it[i].nseg,
                                .must_sign = (it[i].ctl & 0x40) != 0};
    }
    smb_status signed_st[MAXN];
    /* verify first (on the input as it is), then sign, then verify again */
    for (int pass = 0; pass < 3; pass++) {
        smb_status all = pass == 1 ? smb2_sign_batch(b, n) : smb2_verify_batch(b, n), first = SMB_OK;
        for (size_t i = 0; i < n && first == SMB_OK; i++)
            first = b[i].status;
        if (all != first)
            abort(); /* the return value is the first failing element's status */
        for (size_t i = 0; i < n; i++) {
            smb_verify_result one = SMB_VERIFY_BAD_SIGNATURE;
            smb_status st = pass == 1 ? smb2_sign_iov(b[i].ctx, it[i].cseg, it[i].nseg)
                                      : smb2_verify_iov(b[i].ctx, it[i].cseg, it[i].nseg, b[i].must_sign, &one,
                                                        NULL, NULL);
            if (st != b[i].status || (pass != 1 && st == SMB_OK && one != b[i].result))
                abort();
            if (memcmp(it[i].buf, it[i].copy, it[i].len) != 0)
                abort();
            if (pass == 1)
                signed_st[i] = st;
            if (pass == 2 && signed_st[i] == SMB_OK && (st != SMB_OK || !smb_verify_acceptable(b[i].result)))
                abort(); /* we signed it */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = 1 + data[0] % MAXN, pos = 1;
    item it[MAXN];
    memset(it, 0, sizeof it);
    size_t got = 0;
    for (; got < n && pos + 3 <= size; got++) {
        item *t = &it[got];
        t->ctl = data[pos];
        size_t want = (size_t)data[pos + 1] | (size_t)data[pos + 2] << 8;
        pos += 3;
        t->len = want < size - pos ? want : size - pos;
        size_t mis = t->ctl >> 5;
        t->buf = malloc(t->len + mis + 1);
        t->copy = malloc(t->len + 1);
        if (!t->buf || !t->copy)
            abort();
        t->buf += mis;
        memcpy(t->buf, data + pos, t->len);
        memcpy(t->copy, data + pos, t->len);
        pos += t->len;
        split(t);
    }
    if (got > 0) {
        check_lanes(it, got);
        smb_sign_ctx *ctx[4] = {NULL, NULL, NULL, NULL};
        if (smb_sign_ctx_new(&ctx[0], SMB_DIALECT_300, SMB_ALG_AES_CMAC, keys[0]) != SMB_OK ||
            smb_sign_ctx_new(&ctx[1], SMB_DIALECT_210, SMB_ALG_HMAC_SHA256, keys[1]) != SMB_OK ||
            smb_sign_ctx_new(&ctx[2], SMB_DIALECT_311, SMB_ALG_AES_GMAC, keys[2]) != SMB_OK)
            abort();
        check_smb2(it, got, ctx); /* ctx[3] NULL: no key */
        for (int k = 0; k < 4; k++)
            smb_sign_ctx_free(ctx[k]);
    }
    for (size_t i = 0; i < got; i++) {
        free(it[i].buf - (it[i].ctl >> 5));
        free(it[i].copy);
    }
    return 0;
}
