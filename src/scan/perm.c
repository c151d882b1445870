/* scan/perm.c - keyed permutation of [0, n) (see perm.h). */
#include "scan/perm.h"

/* SplitMix64 finaliser: a good 64-bit mixer, used as the round function and
 * to derive round keys from the seed. Not a cryptographic PRF, and it need
 * not be one: the order only has to spread probes over the target set and be
 * reproducible from the seed on every host. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void scan_perm_init(struct scan_perm *p, uint64_t n, uint64_t seed, bool identity)
{
    p->n = n;
    p->identity = identity;
    unsigned bits = 0;
    while (bits < 64 && (n - 1) >> bits && n > 1)
        bits++; /* bits = ceil(log2 n) for n > 1 */
    p->half = (bits + 1) / 2;
    if (p->half == 0)
        p->half = 1;
    p->mask = (1ull << p->half) - 1;
    uint64_t k = seed;
    for (unsigned r = 0; r < SCAN_PERM_ROUNDS; r++) {
        k = mix64(k + r);
        p->key[r] = k;
    }
}

static uint64_t feistel(const struct scan_perm *p, uint64_t x)
{
    uint64_t l = (x >> p->half) & p->mask, r = x & p->mask;
    for (unsigned i = 0; i < SCAN_PERM_ROUNDS; i++) {
        uint64_t t = l ^ (mix64(r ^ p->key[i]) & p->mask);
        l = r;
        r = t;
    }
    return (l << p->half) | r;
}

uint64_t scan_perm_at(const struct scan_perm *p, uint64_t i)
{
    if (p->identity || p->n <= 1)
        return i;
    uint64_t x = i;
    do
        x = feistel(p, x);
    while (x >= p->n);
    return x;
}
