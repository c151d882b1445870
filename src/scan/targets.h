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
};

struct smb_scan_targets {
    int family;
    struct scan_range *v;
    size_t n, cap;
    struct scan_range *x; /* exclusions */
    size_t nx, capx;
    uint64_t total_raw; /* before exclusions */
    bool used_stdin;
};

typedef struct scan_iter {
    size_t idx;
    uint64_t off;
} scan_iter;

scan_u128 scan_u128_add(scan_u128 a, uint64_t k);
void scan_u128_to_bytes(scan_u128 v, int family, uint8_t *p);
bool scan_targets_excluded(const smb_scan_targets *t, int family, scan_u128 a);
void scan_iter_init(scan_iter *it);
/* Next address (or unresolved name: r->err set, addr zero). 0 at the end. */
int scan_iter_next(const smb_scan_targets *t, scan_iter *it, const struct scan_range **r, scan_u128 *addr);

#endif
