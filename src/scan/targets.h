/*
 * scan/targets.h - internal view of smb_scan_targets (smbsign/scan.h): a list
 * of inclusive address ranges (IPv4 kept in the low 32 bits) plus names, a
 * list of excluded ranges, and a lazy iterator so a /8 is never materialised.
 */
#ifndef SMBSIGN_SCAN_TARGETS_H
#define SMBSIGN_SCAN_TARGETS_H

#include <stdbool.h>
#include <stdint.h>

#include "smbsign/scan.h"

typedef struct scan_u128 {
    uint64_t hi, lo;
} scan_u128;

struct scan_range {
    int family;            /* AF_INET / AF_INET6; 0 for an unresolved name */
    scan_u128 first, last; /* inclusive */
    char *name;            /* owned: the hostname as given, or NULL */
    char *err;             /* owned: resolution error, or NULL */
    bool resolved;
    bool defex;            /* the built-in exclusions (reserved blocks) apply */
    uint16_t port;         /* HOST:PORT: this port only; 0 = the --ports list */
};

struct smb_scan_targets {
    int family;
    struct scan_range *v;
    size_t n, cap;
    struct scan_range *x; /* exclusions as given */
    size_t nx, capx;
    /* Sorted, coalesced exclusion blocks (family, then address): the explicit
     * ones, and the explicit ones plus the built-in reserved blocks. Rebuilt
     * whenever an exclusion is added. */
    struct scan_range *xm, *xdm;
    size_t nxm, nxdm;
    uint64_t total_raw; /* before exclusions */
    bool used_stdin;
    bool no_default_excludes;
};

/* The scan's index space: range i, in input order, occupies
 * size_i * (port_i ? 1 : nports) consecutive indexes, address-major. */
struct scan_space {
    const smb_scan_targets *t;
    const uint16_t *ports;
    unsigned nports;
    uint64_t *cum; /* cum[i] = first index of range i; cum[n] = total */
    uint64_t total;
};
int scan_space_init(struct scan_space *s, const smb_scan_targets *t, const uint16_t *ports, unsigned nports);
void scan_space_free(struct scan_space *s);
/* Index idx (< total) to its range, address and port. Returns false when the
 * address is excluded (explicitly, or by the built-in reserved blocks). */
bool scan_space_get(const struct scan_space *s, uint64_t idx, const struct scan_range **r, scan_u128 *a,
                    uint16_t *port);
/* Indexes that are not excluded, computed from the blocks (no iteration). */
uint64_t scan_space_count(const struct scan_space *s);

typedef struct scan_iter {
    size_t idx;
    uint64_t off;
} scan_iter;

scan_u128 scan_u128_add(scan_u128 a, uint64_t k);
void scan_u128_to_bytes(scan_u128 v, int family, uint8_t *p);
/* Excluded for a range r of t (explicit exclusions, plus reserved blocks if r->defex). */
bool scan_targets_excluded(const smb_scan_targets *t, const struct scan_range *r, scan_u128 a);
void scan_iter_init(scan_iter *it);
/* Next address (or unresolved name: r->err set, addr zero). 0 at the end. */
int scan_iter_next(const smb_scan_targets *t, scan_iter *it, const struct scan_range **r, scan_u128 *addr);

#endif
