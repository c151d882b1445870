/* bench/bench_time.h - CPU-time measurement shared by the C benchmarks:
 * MEASURE runs a body for a CPU-time budget, best of three runs. */
#ifndef SMBSIGN_BENCH_TIME_H
#define SMBSIGN_BENCH_TIME_H

#include <time.h>

static inline double cpu_now(void)
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

#endif
