/*
 * bench/batch_bench.c - multi-lane MACs (issue 16): smb2_sign_batch against
 * one message at a time, one core, CPU time, best of 3; the parallel AES
 * ceiling `openssl speed -evp aes-128-ctr` measured in the same run.
 * Prints one table and the targets as met / MISSED.
 * Usage: batch_bench [SECONDS_PER_CASE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "smbsign/batch.h"
#include "smbsign/sign.h"
#include "wire/smb2/header.h"

#include "bench_time.h"

#define MIB 1048576
#define NB 8

/* openssl speed -evp aes-128-ctr on 1 MiB blocks, bytes/s (0 if unavailable). */
static double ctr_ceiling(void)
{
    FILE *p = popen("openssl speed -seconds 2 -bytes 1048576 -evp aes-128-ctr 2>/dev/null", "r");
    char line[256];
    double v = 0;
    if (!p)
        return 0;
    while (fgets(line, sizeof line, p)) {
        double k;
        if (sscanf(line, "AES-128-CTR %lfk", &k) == 1)
            v = k * 1000;
    }
    pclose(p);
    return v;
}

static void hdr(uint8_t *m, uint64_t mid)
{
    memset(m, 0, 64);
    memcpy(m, SMB2_MAGIC, 4);
    put_le16(m + 4, 64);
    put_le16(m + 12, SMB2_READ);
    put_le32(m + 16, SMB2_FLAGS_SERVER_TO_REDIR);
    put_le64(m + 24, mid);
    put_le64(m + 40, 0x1234);
}

static const char *verdict(double x, double want) { return x >= want ? "met" : "MISSED"; }

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 0.6;
    static const struct {
        const char *name;
        smb_dialect d;
        smb_sign_alg alg;
    } algs[] = {{"aes-cmac", SMB_DIALECT_300, SMB_ALG_AES_CMAC},
                {"hmac-sha256", SMB_DIALECT_210, SMB_ALG_HMAC_SHA256},
                {"aes-gmac", SMB_DIALECT_311, SMB_ALG_AES_GMAC}};
    uint8_t key[16];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)(i * 29 + 3);
    uint8_t *big[NB], small[NB][64];
    struct iovec vb[NB], vs[NB];
    for (int i = 0; i < NB; i++) {
        big[i] = malloc(MIB);
        if (!big[i])
            return 1;
        for (size_t j = 0; j < MIB; j++)
            big[i][j] = (uint8_t)(j * 131 + (size_t)i);
        hdr(big[i], 100 + (uint64_t)i);
        hdr(small[i], 200 + (uint64_t)i);
        vb[i] = (struct iovec){big[i], MIB};
        vs[i] = (struct iovec){small[i], 64};
    }
    double ctr = ctr_ceiling();
    printf("== batch MACs: one core, CPU time, best of 3 (a loaded shared machine: figures vary)\n");
    printf("  openssl speed -evp aes-128-ctr (1 MiB, same run): %.0f MB/s\n", ctr / 1e6);
    printf("  %-12s %12s %12s %12s %7s %14s %14s %12s\n", "algorithm", "single MB/s", "batch8 MB/s",
           "vbatch8 MB/s", "x", "64B single/s", "64B batch8/s", "batch/ctr");
    double res[3][5];
    for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
        smb_sign_ctx *c = NULL;
        if (smb_sign_ctx_new(&c, algs[a].d, algs[a].alg, key) != SMB_OK)
            return 1;
        smb2_batch_msg bb[NB], bs[NB];
        for (int i = 0; i < NB; i++) {
            bb[i] = (smb2_batch_msg){.ctx = c, .iov = &vb[i], .iovcnt = 1, .must_sign = true};
            bs[i] = (smb2_batch_msg){.ctx = c, .iov = &vs[i], .iovcnt = 1, .must_sign = true};
        }
        double single = 0, batch = 0, vbatch = 0, s64 = 0, b64 = 0;
        smb_status st = SMB_OK;
        MEASURE(budget, single, { st |= smb2_sign(c, big[0], MIB); });
        MEASURE(budget, batch, { st |= smb2_sign_batch(bb, NB); });
        MEASURE(budget, vbatch, { st |= smb2_verify_batch(bb, NB); });
        MEASURE(budget, s64, { st |= smb2_sign(c, small[0], 64); });
        MEASURE(budget, b64, { st |= smb2_sign_batch(bs, NB); });
        if (smb2_verify_batch(bb, NB) != SMB_OK || st != SMB_OK)
            return 1;
        for (int i = 0; i < NB; i++)
            if (bb[i].result != SMB_VERIFY_VALID) {
                fprintf(stderr, "batch_bench: %s message %d did not verify\n", algs[a].name, i);
                return 1;
            }
        single *= MIB;
        batch *= (double)NB * MIB;
        vbatch *= (double)NB * MIB;
        b64 *= NB;
        res[a][0] = single, res[a][1] = batch, res[a][2] = vbatch, res[a][3] = s64, res[a][4] = b64;
        printf("  %-12s %12.0f %12.0f %12.0f %7.2f %14.0f %14.0f %12.2f\n", algs[a].name, single / 1e6, batch / 1e6,
               vbatch / 1e6, batch / single, s64, b64, ctr > 0 ? batch / ctr : 0);
        fflush(stdout);
        smb_sign_ctx_free(c);
    }
    double cm = res[0][1] < res[0][2] ? res[0][1] : res[0][2];
    double hm = res[1][1] < res[1][2] ? res[1][1] : res[1][2];
    printf("  targets (batch = min(sign, verify) of 8 x 1 MiB):\n");
    printf("    AES-CMAC batch >= 3x single:        %.2f  %s\n", cm / res[0][0], verdict(cm / res[0][0], 3));
    printf("    AES-CMAC batch >= 0.5x aes-128-ctr:  %.2f  %s\n", ctr > 0 ? cm / ctr : 0,
           ctr > 0 ? verdict(cm / ctr, 0.5) : "n/a (no openssl)");
    printf("    HMAC-SHA256 batch >= 1.4x single:   %.2f  %s\n", hm / res[1][0], verdict(hm / res[1][0], 1.4));
    printf("    64-byte AES-CMAC, batches of 8 >= 10 M MACs/s:    %.1f M  %s\n", res[0][4] / 1e6,
           verdict(res[0][4], 10e6));
    printf("    64-byte HMAC-SHA256, batches of 8 >= 10 M MACs/s: %.1f M  %s\n", res[1][4] / 1e6,
           verdict(res[1][4], 10e6));
    for (int i = 0; i < NB; i++)
        free(big[i]);
    return 0;
}
