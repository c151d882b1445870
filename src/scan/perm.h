/*
 * scan/perm.h - a keyed pseudo-random permutation of [0, n) that needs no
 * table: a balanced Feistel network on 2h bits (4^h >= n) restricted to
 * [0, n) by cycle walking (Black & Rogaway, "Ciphers with arbitrary finite
 * domains", 2002). A Feistel network is a bijection of its 4^h domain
 * whatever the round function, and cycle walking keeps a bijection on the
 * subset; each call costs O(1) memory and, on average, fewer than 4 network
 * evaluations (4^h < 4n).
 *
 * With identity set the permutation is the identity (input order).
 */
#ifndef SMBSIGN_SCAN_PERM_H
#define SMBSIGN_SCAN_PERM_H

#include <stdbool.h>
#include <stdint.h>

#define SCAN_PERM_ROUNDS 6

struct scan_perm {
    uint64_t n;
    unsigned half;  /* bits per half */
    uint64_t mask;  /* (1 << half) - 1 */
    uint64_t key[SCAN_PERM_ROUNDS];
    bool identity;
};

void scan_perm_init(struct scan_perm *p, uint64_t n, uint64_t seed, bool identity);
/* The element at position i (i < n). */
uint64_t scan_perm_at(const struct scan_perm *p, uint64_t i);

/* Shard s of k (0-based) visits positions s, s + k, s + 2k, ... of [0, n):
 * the number of those positions. */
static inline uint64_t scan_shard_steps(uint64_t n, unsigned s, unsigned k)
{
    return s >= n ? 0 : (n - s + k - 1) / k;
}

#endif
