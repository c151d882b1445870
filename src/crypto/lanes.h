/*
 * crypto/lanes.h - many independent MACs at once (issue 16).
 *
 * AES-CMAC is CBC-MAC: serial inside one message, so one message runs at the
 * AES latency bound while the AES units could take several independent
 * blocks per cycle. HMAC-SHA256 is serial per message too. These functions
 * compute the MACs of N independent messages, interleaving up to
 * SMB_CMAC_LANES (resp. SMB_SHA_LANES) of them; a lane whose message ends
 * takes the next one. Results are bit-identical to the one-message functions
 * in crypto.h (the property tests and fuzz/fuzz_sign_batch.c check that).
 *
 * Contract: no allocation; every message is a list of segments (struct
 * iovec, any lengths and alignments, empty segments allowed); each message
 * names its own prepared key, so one batch may mix sessions. The portable
 * path (no AES-NI / SHA-NI) is the one-message code run in a loop.
 */
#ifndef SMBSIGN_CRYPTO_LANES_H
#define SMBSIGN_CRYPTO_LANES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "crypto/crypto.h"

#define SMB_CMAC_LANES 8
#define SMB_SHA_LANES 2

typedef struct smb_mac_msg {
    const void *key;           /* smb_cmac_key * or smb_hmac_sha256_key * */
    const struct iovec *seg;   /* the message, as segments */
    int nseg;
    size_t len;                /* sum of seg[].iov_len (the caller computed it) */
    uint8_t tag[16];           /* out: the CMAC tag, or the first 16 bytes of the HMAC */
} smb_mac_msg;

/* Which code runs: AUTO picks the fastest the CPU has; the others force a
 * path (tests compare them; a forced path the CPU lacks falls back to PORTABLE). */
typedef enum smb_lanes_impl {
    SMB_LANES_AUTO = 0,
    SMB_LANES_PORTABLE,
    SMB_LANES_SIMD, /* AES-NI for CMAC, SHA-NI for HMAC-SHA256 */
} smb_lanes_impl;

/* What the CPU (and the OS) offers, from CPUID: a VM exit under a
 * hypervisor, so ask once per key or context, never per message. */
#define SMB_LANES_CPU_AESNI 1u /* AES-NI + SSE4.1: the 8 CMAC lanes */
#define SMB_LANES_CPU_EVEX 2u  /* + AVX2, AVX-512F/VL, VAES, OS-enabled: the 32-register build */
#define SMB_LANES_CPU_SHANI 4u /* SHA-NI + SSE4.1: the 2 HMAC-SHA256 lanes */
unsigned smb_lanes_cpu(void);

/* AES-128 key expansion with AES-NI into 11 round keys; returns the
 * SMB_LANES_CPU_AESNI/EVEX bits usable with them, 0 (rk untouched) when the
 * CPU has no AES-NI. Used by smb_cmac_key_init (smb_cmac_key.lanes). */
unsigned smb_aesni_expand_key(const uint8_t key[16], uint8_t rk[176]);

/* keys: smb_cmac_key; the lanes run when every key has round keys (SIMD,
 * or AUTO with more than one message: one message alone is faster through
 * OpenSSL). SMB_E_CRYPTO only from the portable (OpenSSL) path. */
SMB_WUR smb_status smb_cmac_batch(smb_mac_msg *m, size_t n, smb_lanes_impl impl);
/* keys: smb_hmac_sha256_key. Never fails. SIMD: the caller has checked
 * SMB_LANES_CPU_SHANI; AUTO asks CPUID (tests, tools). */
void smb_hmac_sha256_batch(smb_mac_msg *m, size_t n, smb_lanes_impl impl);

#endif
