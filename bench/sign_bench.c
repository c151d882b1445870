/*
 * bench/sign_bench.c - sign and verify throughput of libsmbsign per algorithm
 * and message size, single thread, CPU time (like 'openssl speed'), best of 3.
 * Output, one line per case (bench/run.sh turns it into ratios):
 *   ALG SIZE SIGN_BYTES_PER_S VERIFY_BYTES_PER_S SIGNS_PER_S
 * ALG is md5 (SMB1), hmac-sha256, aes-cmac, aes-gmac. Usage: sign_bench [SECONDS_PER_CASE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "smbsign/sign.h"
#include "wire/smb1/header.h"
#include "wire/smb2/header.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile int sink;

/* Run op until budget seconds of CPU time pass; returns operations per second. */
/* Best of three runs of budget/3 seconds each: other processes share the
 * cores, and the best run is the closest to what the code can do. */
#define MEASURE(budget, rate, body)                                                                \
    do {                                                                                           \
        double best_ = 0;                                                                          \
        for (int rep_ = 0; rep_ < 3; rep_++) {                                                     \
            double r_;                                                                             \
            MEASURE1((budget) / 3, r_, body);                                                      \
            if (r_ > best_)                                                                        \
                best_ = r_;                                                                        \
        }                                                                                          \
        (rate) = best_;                                                                            \
    } while (0)

#define MEASURE1(budget, rate, body)                                                               \
    do {                                                                                           \
        long iters_ = 0, batch_ = 1;                                                               \
        double t0_ = cpu_now(), t_ = t0_;                                                          \
        while (t_ - t0_ < (budget)) {                                                              \
            for (long k_ = 0; k_ < batch_; k_++) {                                                 \
                body;                                                                              \
            }                                                                                      \
            iters_ += batch_;                                                                      \
            if (batch_ < (1 << 20))                                                                \
                batch_ *= 2;                                                                       \
            t_ = cpu_now();                                                                        \
        }                                                                                          \
        (rate) = iters_ / (t_ - t0_);                                                              \
    } while (0)

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 0.4;
    static const size_t sizes[] = {64, 1024, 65536, 1048576};
    static const struct {
        const char *name;
        smb_dialect d;
        smb_sign_alg alg;
    } algs[] = {{"md5", SMB_DIALECT_SMB1, SMB_ALG_MD5},
                {"hmac-sha256", SMB_DIALECT_210, SMB_ALG_HMAC_SHA256},
                {"aes-cmac", SMB_DIALECT_300, SMB_ALG_AES_CMAC},
                {"aes-gmac", SMB_DIALECT_311, SMB_ALG_AES_GMAC}};
    uint8_t key[16];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)(i * 17 + 1);
    uint8_t *msg = malloc(1048576);
    if (!msg)
        return 1;
    for (size_t i = 0; i < 1048576; i++)
        msg[i] = (uint8_t)(i * 131 + 7);

    for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
        smb_sign_ctx *c = NULL;
        smb_status st = algs[a].d == SMB_DIALECT_SMB1 ? smb_sign_ctx_new_smb1(&c, key, 16)
                                                      : smb_sign_ctx_new(&c, algs[a].d, algs[a].alg, key);
        if (st != SMB_OK) {
            fprintf(stderr, "sign_bench: %s: %s\n", algs[a].name, smb_status_name(st));
            return 1;
        }
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s];
            double sign_rate = 0, verify_rate = 0;
            smb_verify_result r = SMB_VERIFY_BAD_SIGNATURE;
            bool failed = false;
            if (algs[a].d == SMB_DIALECT_SMB1) {
                memcpy(msg, SMB1_MAGIC, 4);
                msg[4] = SMB1_COM_WRITE_ANDX;
                uint32_t seq = 0;
                MEASURE(budget, sign_rate, { failed |= smb1_sign(c, msg, n, seq) != SMB_OK; });
                failed |= smb1_sign(c, msg, n, 7) != SMB_OK;
                MEASURE(budget, verify_rate, { failed |= smb1_verify(c, msg, n, 7, true, &r, NULL, NULL) != SMB_OK; });
            } else {
                memcpy(msg, SMB2_MAGIC, 4);
                put_le16(msg + 4, 64);
                put_le16(msg + 12, SMB2_WRITE);
                put_le32(msg + 16, 0);
                put_le32(msg + 20, 0);
                put_le64(msg + 24, 1000);
                put_le64(msg + 40, 0x1234);
                MEASURE(budget, sign_rate, { failed |= smb2_sign(c, msg, n) != SMB_OK; });
                MEASURE(budget, verify_rate, { failed |= smb2_verify(c, msg, n, true, &r, NULL, NULL) != SMB_OK; });
            }
            if (failed || r != SMB_VERIFY_VALID) {
                fprintf(stderr, "sign_bench: %s at %zu bytes did not verify\n", algs[a].name, n);
                return 1;
            }
            sink = r;
            printf("%s %zu %.0f %.0f %.0f\n", algs[a].name, n, sign_rate * n, verify_rate * n, sign_rate);
            fflush(stdout);
        }
        smb_sign_ctx_free(c);
    }
    free(msg);
    return 0;
}
