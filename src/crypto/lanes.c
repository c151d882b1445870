/*
 * crypto/lanes.c - interleaved MAC lanes (contract in crypto/lanes.h).
 *
 * AES-CMAC (RFC 4493): 8 CBC-MAC chains run side by side with AES-NI; each
 * AES round is issued for all 8 lanes before the next round, so 8
 * independent AESENC are in flight where one message has only one. A lane
 * streams the whole blocks of its message straight from the caller's
 * segments, gathers a block that straddles two segments into its own 16
 * bytes, and ends with the RFC 4493 last block (XOR K1, or 10* padding and
 * XOR K2) fed through the same loop, so short messages interleave too.
 *
 * HMAC-SHA256 (RFC 2104, FIPS 180-4): the inner hash starts from the prepared
 * ipad state, streams the message blocks, then the padded tail (1 or 2
 * blocks); the outer hash is one more block from the opad state. Two lanes
 * are interleaved with SHA-NI (SHA256RNDS2 has a long latency, two
 * independent chains fill it).
 *
 * Each SIMD function carries its own target attribute; the CPU is asked at
 * run time (CPUID, when a key or context is made), so the library still runs
 * anywhere.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <string.h>

#include "crypto/lanes.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LANES_X86 1
#include <immintrin.h>
#else
#define LANES_X86 0
#endif

static const uint8_t zero_block[64];

/* ---- a read cursor over one message's segments ---- */

typedef struct cursor {
    const struct iovec *seg;
    int nseg, si;
    size_t off;
    size_t data_left; /* whole blocks still to stream before the tail */
} cursor;

static void cur_init(cursor *c, const smb_mac_msg *m, size_t data_blocks)
{
    c->seg = m->seg;
    c->nseg = m->nseg;
    c->si = 0;
    c->off = 0;
    c->data_left = data_blocks;
}

static void cur_skip_empty(cursor *c)
{
    while (c->si < c->nseg && c->off >= c->seg[c->si].iov_len) {
        c->si++;
        c->off = 0;
    }
}

/* Copy n bytes at the cursor into dst and advance (zeros past the end,
 * which a correct m->len never reaches). */
static void cur_copy(cursor *c, uint8_t *dst, size_t n)
{
    while (n > 0) {
        cur_skip_empty(c);
        if (c->si >= c->nseg) {
            memset(dst, 0, n);
            return;
        }
        size_t avail = c->seg[c->si].iov_len - c->off;
        size_t take = avail < n ? avail : n;
        memcpy(dst, (const uint8_t *)c->seg[c->si].iov_base + c->off, take);
        c->off += take;
        dst += take;
        n -= take;
    }
}

/* Next run of whole data blocks of B bytes: either straight from a segment
 * (returns the pointer, *k blocks, advances the cursor past them) or one
 * block gathered across segments into buf (*k = 1). */
static const uint8_t *cur_run(cursor *c, size_t B, uint8_t *buf, size_t *k)
{
    cur_skip_empty(c);
    if (c->si < c->nseg) {
        size_t contig = (c->seg[c->si].iov_len - c->off) / B;
        if (contig > 0) {
            if (contig > c->data_left)
                contig = c->data_left;
            const uint8_t *p = (const uint8_t *)c->seg[c->si].iov_base + c->off;
            c->off += contig * B;
            c->data_left -= contig;
            *k = contig;
            return p;
        }
    }
    cur_copy(c, buf, B);
    c->data_left--;
    *k = 1;
    return buf;
}

/* ---- CPU detection (CPUID; under a hypervisor each call is a VM exit, so
 * callers ask once per key or context, never per message) ---- */

#if LANES_X86
#include <cpuid.h>
#endif

unsigned smb_lanes_cpu(void)
{
    unsigned f = 0;
#if LANES_X86
    unsigned a, b, c, d, b7 = 0, c7 = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    int sse41 = (c >> 19) & 1, aes = (c >> 25) & 1, osxsave = (c >> 27) & 1;
    if (__get_cpuid_max(0, NULL) >= 7)
        __cpuid_count(7, 0, a, b7, c7, d);
    if (aes && sse41)
        f |= SMB_LANES_CPU_AESNI;
    if (sse41 && ((b7 >> 29) & 1))
        f |= SMB_LANES_CPU_SHANI;
    /* AVX2 (EBX 5), AVX-512F (EBX 16), AVX-512VL (EBX 31), VAES (ECX 9), and
     * the OS saves the SSE/AVX/opmask/ZMM state (XCR0 bits 1, 2, 5, 6, 7) */
    if ((f & SMB_LANES_CPU_AESNI) && osxsave && ((b7 >> 5) & 1) && ((b7 >> 16) & 1) && ((b7 >> 31) & 1) &&
        ((c7 >> 9) & 1)) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        if ((lo & 0xe6) == 0xe6)
            f |= SMB_LANES_CPU_EVEX;
    }
#endif
    return f;
}

/* ---- AES-CMAC ---- */

static SMB_WUR smb_status cmac_portable(smb_mac_msg *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        smb_cmac_ctx c;
        smb_status st = smb_cmac_start(&c, (smb_cmac_key *)(uintptr_t)m[i].key);
        for (int s = 0; s < m[i].nseg && st == SMB_OK; s++)
            smb_cmac_update(&c, m[i].seg[s].iov_base, m[i].seg[s].iov_len);
        if (st == SMB_OK)
            st = smb_cmac_final(&c, m[i].tag);
        smb_wipe(c.scratch, sizeof c.scratch);
        if (st != SMB_OK)
            return st;
    }
    return SMB_OK;
}

#if LANES_X86

#define KEYSTEP(prev, rcon)                                                                        \
    __extension__({                                                                                \
        __m128i k_ = (prev), t_ = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(k_, rcon), 0xff);   \
        k_ = _mm_xor_si128(k_, _mm_slli_si128(k_, 4));                                             \
        k_ = _mm_xor_si128(k_, _mm_slli_si128(k_, 4));                                             \
        k_ = _mm_xor_si128(k_, _mm_slli_si128(k_, 4));                                             \
        _mm_xor_si128(k_, t_);                                                                     \
    })

__attribute__((target("aes,sse4.1"))) static void aesni_expand(const uint8_t key[16], uint8_t rk[176])
{
    __m128i k[11];
    k[0] = _mm_loadu_si128((const __m128i *)key);
    k[1] = KEYSTEP(k[0], 0x01);
    k[2] = KEYSTEP(k[1], 0x02);
    k[3] = KEYSTEP(k[2], 0x04);
    k[4] = KEYSTEP(k[3], 0x08);
    k[5] = KEYSTEP(k[4], 0x10);
    k[6] = KEYSTEP(k[5], 0x20);
    k[7] = KEYSTEP(k[6], 0x40);
    k[8] = KEYSTEP(k[7], 0x80);
    k[9] = KEYSTEP(k[8], 0x1b);
    k[10] = KEYSTEP(k[9], 0x36);
    for (int i = 0; i < 11; i++)
        _mm_storeu_si128((__m128i *)(rk + 16 * i), k[i]);
    smb_wipe(k, sizeof k);
}

#define NL SMB_CMAC_LANES

/* r blocks on every lane, each lane under its own round keys. Lane l reads
 * p[l] + 16 i for i < r (the caller points idle lanes at a busy lane's data). */
__attribute__((target("aes,sse4.1"))) static void cmac_run_mixed(__m128i s[NL], const uint8_t *const p[NL],
                                                                  const uint8_t *const rk[NL], size_t r)
{
    __m128i x[NL];
    for (int l = 0; l < NL; l++)
        x[l] = s[l];
    for (size_t off = 0; off < 16 * r; off += 16) {
        for (int l = 0; l < NL; l++) {
            x[l] = _mm_xor_si128(x[l], _mm_loadu_si128((const __m128i *)(p[l] + off)));
            x[l] = _mm_xor_si128(x[l], _mm_loadu_si128((const __m128i *)rk[l]));
        }
        for (int rd = 1; rd < 10; rd++)
            for (int l = 0; l < NL; l++)
                x[l] = _mm_aesenc_si128(x[l], _mm_loadu_si128((const __m128i *)(rk[l] + 16 * rd)));
        for (int l = 0; l < NL; l++)
            x[l] = _mm_aesenclast_si128(x[l], _mm_loadu_si128((const __m128i *)(rk[l] + 160)));
    }
    for (int l = 0; l < NL; l++)
        s[l] = x[l];
}

/* Same with one key for every lane (one session: the usual case): the round
 * keys stay in registers. Two builds of one body: SSE (16 xmm registers, some
 * round keys are read from memory) and AVX-512VL + VAES (32 registers: the
 * EVEX form of AESENC reaches xmm16-31, nothing spills). */
#define CMAC_RUN_SHARED_BODY                                                                       \
    __m128i k0 = _mm_loadu_si128((const __m128i *)rk0), k1 = _mm_loadu_si128((const __m128i *)(rk0 + 16)), \
            k2 = _mm_loadu_si128((const __m128i *)(rk0 + 32)), k3 = _mm_loadu_si128((const __m128i *)(rk0 + 48)), \
            k4 = _mm_loadu_si128((const __m128i *)(rk0 + 64)), k5 = _mm_loadu_si128((const __m128i *)(rk0 + 80)), \
            k6 = _mm_loadu_si128((const __m128i *)(rk0 + 96)), k7 = _mm_loadu_si128((const __m128i *)(rk0 + 112)), \
            k8 = _mm_loadu_si128((const __m128i *)(rk0 + 128)), k9 = _mm_loadu_si128((const __m128i *)(rk0 + 144)), \
            k10 = _mm_loadu_si128((const __m128i *)(rk0 + 160));                                  \
    __m128i x0 = s[0], x1 = s[1], x2 = s[2], x3 = s[3], x4 = s[4], x5 = s[5], x6 = s[6], x7 = s[7]; \
    const uint8_t *p0 = p[0], *p1 = p[1], *p2 = p[2], *p3 = p[3], *p4 = p[4], *p5 = p[5], *p6 = p[6], \
                  *p7 = p[7];                                                                      \
    for (size_t off = 0; off < 16 * r; off += 16) {                                                \
        x0 = _mm_xor_si128(_mm_xor_si128(x0, _mm_loadu_si128((const __m128i *)(p0 + off))), k0);   \
        x1 = _mm_xor_si128(_mm_xor_si128(x1, _mm_loadu_si128((const __m128i *)(p1 + off))), k0);   \
        x2 = _mm_xor_si128(_mm_xor_si128(x2, _mm_loadu_si128((const __m128i *)(p2 + off))), k0);   \
        x3 = _mm_xor_si128(_mm_xor_si128(x3, _mm_loadu_si128((const __m128i *)(p3 + off))), k0);   \
        x4 = _mm_xor_si128(_mm_xor_si128(x4, _mm_loadu_si128((const __m128i *)(p4 + off))), k0);   \
        x5 = _mm_xor_si128(_mm_xor_si128(x5, _mm_loadu_si128((const __m128i *)(p5 + off))), k0);   \
        x6 = _mm_xor_si128(_mm_xor_si128(x6, _mm_loadu_si128((const __m128i *)(p6 + off))), k0);   \
        x7 = _mm_xor_si128(_mm_xor_si128(x7, _mm_loadu_si128((const __m128i *)(p7 + off))), k0);   \
        ROUND8(_mm_aesenc_si128, k1);                                                              \
        ROUND8(_mm_aesenc_si128, k2);                                                              \
        ROUND8(_mm_aesenc_si128, k3);                                                              \
        ROUND8(_mm_aesenc_si128, k4);                                                              \
        ROUND8(_mm_aesenc_si128, k5);                                                              \
        ROUND8(_mm_aesenc_si128, k6);                                                              \
        ROUND8(_mm_aesenc_si128, k7);                                                              \
        ROUND8(_mm_aesenc_si128, k8);                                                              \
        ROUND8(_mm_aesenc_si128, k9);                                                              \
        ROUND8(_mm_aesenclast_si128, k10);                                                         \
    }                                                                                              \
    s[0] = x0, s[1] = x1, s[2] = x2, s[3] = x3, s[4] = x4, s[5] = x5, s[6] = x6, s[7] = x7

#define ROUND8(op, k)                                                                              \
    do {                                                                                           \
        x0 = op(x0, k), x1 = op(x1, k), x2 = op(x2, k), x3 = op(x3, k);                            \
        x4 = op(x4, k), x5 = op(x5, k), x6 = op(x6, k), x7 = op(x7, k);                            \
    } while (0)

__attribute__((target("aes,sse4.1"))) static void cmac_run_shared(__m128i s[NL], const uint8_t *const p[NL],
                                                                   const uint8_t *rk0, size_t r)
{
    CMAC_RUN_SHARED_BODY;
}

__attribute__((target("aes,avx2,avx512f,avx512vl,vaes"))) static void
cmac_run_shared_evex(__m128i s[NL], const uint8_t *const p[NL], const uint8_t *rk0, size_t r)
{
    CMAC_RUN_SHARED_BODY;
}
#undef ROUND8
#undef CMAC_RUN_SHARED_BODY

typedef struct cmac_lane {
    smb_mac_msg *m; /* NULL: idle */
    const smb_cmac_key *k;
    cursor c;
    size_t run;   /* blocks left in the current run */
    int fin;      /* the current run is the last block */
    uint8_t buf[16];
} cmac_lane;

/* Give lane l the next message (or make it idle). */
static void cmac_assign(cmac_lane *ln, smb_mac_msg *m)
{
    ln->m = m;
    ln->run = 0;
    ln->fin = 0;
    if (m) {
        ln->k = m->key;
        /* RFC 4493: n = ceil(len/16) blocks, at least one; all but the last are plain CBC */
        size_t nb = m->len ? (m->len + 15) / 16 : 1;
        cur_init(&ln->c, m, nb - 1);
    }
}

/* The RFC 4493 2.4 last block: complete -> XOR K1, else 10* padding -> XOR K2. */
static void cmac_last_block(cmac_lane *ln)
{
    size_t t = ln->m->len ? ln->m->len - (ln->m->len - 1) / 16 * 16 : 0; /* 1..16, or 0 */
    memset(ln->buf, 0, 16);
    cur_copy(&ln->c, ln->buf, t);
    const uint8_t *kx = ln->k->k1;
    if (t < 16) {
        ln->buf[t] = 0x80;
        kx = ln->k->k2;
    }
    for (int i = 0; i < 16; i++)
        ln->buf[i] ^= kx[i];
}

__attribute__((target("aes,sse4.1"))) static void cmac_simd(smb_mac_msg *m, size_t n)
{
    cmac_lane ln[NL];
    __m128i s[NL];
    const uint8_t *p[NL], *rk[NL];
    size_t next = 0;
    int evex = 1;
    for (size_t i = 0; i < n; i++)
        evex &= (((const smb_cmac_key *)m[i].key)->lanes & SMB_LANES_CPU_EVEX) != 0;

    for (int l = 0; l < NL; l++) {
        cmac_assign(&ln[l], next < n ? &m[next] : NULL);
        next += next < n;
        s[l] = _mm_setzero_si128();
    }
    for (;;) {
        size_t r = SIZE_MAX;
        const uint8_t *rk0 = NULL;
        int shared = 1;
        for (int l = 0; l < NL; l++) {
            if (!ln[l].m)
                continue;
            if (ln[l].run == 0) {
                if (ln[l].c.data_left > 0) {
                    p[l] = cur_run(&ln[l].c, 16, ln[l].buf, &ln[l].run);
                } else {
                    cmac_last_block(&ln[l]);
                    p[l] = ln[l].buf;
                    ln[l].run = 1;
                    ln[l].fin = 1;
                }
            }
            if (ln[l].run < r)
                r = ln[l].run;
            if (!rk0)
                rk0 = ln[l].k->rk;
            else if (ln[l].k->rk != rk0)
                shared = 0;
        }
        if (!rk0)
            break; /* every lane idle */
        const uint8_t *busy = NULL;
        for (int l = 0; l < NL && !busy; l++)
            busy = ln[l].m ? p[l] : NULL;
        for (int l = 0; l < NL; l++) {
            rk[l] = ln[l].m ? ln[l].k->rk : rk0;
            if (!ln[l].m)
                p[l] = busy; /* an idle lane computes garbage over data that exists for r blocks */
        }
        if (shared && evex)
            cmac_run_shared_evex(s, p, rk0, r);
        else if (shared)
            cmac_run_shared(s, p, rk0, r);
        else
            cmac_run_mixed(s, p, rk, r);
        for (int l = 0; l < NL; l++) {
            if (!ln[l].m)
                continue;
            ln[l].run -= r;
            p[l] += 16 * r;
            if (ln[l].run == 0 && ln[l].fin) {
                _mm_storeu_si128((__m128i *)ln[l].m->tag, s[l]);
                s[l] = _mm_setzero_si128();
                cmac_assign(&ln[l], next < n ? &m[next] : NULL);
                next += next < n;
            }
        }
    }
    smb_wipe(ln, sizeof ln);
    smb_wipe(s, sizeof s);
}
#undef NL

unsigned smb_aesni_expand_key(const uint8_t key[16], uint8_t rk[176])
{
    unsigned cpu = smb_lanes_cpu();
    if (!(cpu & SMB_LANES_CPU_AESNI))
        return 0;
    aesni_expand(key, rk);
    return cpu & (SMB_LANES_CPU_AESNI | SMB_LANES_CPU_EVEX);
}

#else /* !LANES_X86 */

unsigned smb_aesni_expand_key(const uint8_t key[16], uint8_t rk[176])
{
    (void)key;
    (void)rk;
    return 0;
}

#endif

smb_status smb_cmac_batch(smb_mac_msg *m, size_t n, smb_lanes_impl impl)
{
    /* AUTO with one message: its CBC chain is serial, and seven idle lanes
     * beside it cost more than they hide (1 MiB: 8 lanes 1.01-1.08 GB/s,
     * OpenSSL 1.14-1.25 GB/s, same machine and run) */
    int simd = impl == SMB_LANES_SIMD || (impl == SMB_LANES_AUTO && n > 1);
    for (size_t i = 0; i < n && simd; i++)
        if (!(((const smb_cmac_key *)m[i].key)->lanes & SMB_LANES_CPU_AESNI))
            simd = 0; /* no round keys: the CPU has no AES-NI */
#if LANES_X86
    if (simd) {
        cmac_simd(m, n);
        return SMB_OK;
    }
#endif
    return cmac_portable(m, n);
}

/* ---- HMAC-SHA256 ---- */

static void hmac_portable(smb_mac_msg *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        smb_hmac_sha256_ctx c;
        uint8_t full[32];
        smb_hmac_sha256_start(&c, m[i].key);
        for (int s = 0; s < m[i].nseg; s++)
            smb_hmac_sha256_update(&c, m[i].seg[s].iov_base, m[i].seg[s].iov_len);
        smb_hmac_sha256_final(&c, full);
        memcpy(m[i].tag, full, 16);
        smb_wipe(full, sizeof full);
    }
}

#if LANES_X86 && (defined(__clang__) || __GNUC__ >= 11)
#define HAVE_SHA_LANES 1

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

/* h[0..7] = a..h  <->  the SHA-NI register pair (ABEF, CDGH). */
__attribute__((target("sha,sse4.1"))) static void sha_load(const uint32_t h[8], __m128i *abef, __m128i *cdgh)
{
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xB1);
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1B);
    *abef = _mm_alignr_epi8(abcd, efgh, 8);
    *cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);
}

__attribute__((target("sha,sse4.1"))) static void sha_store(uint32_t h[8], __m128i abef, __m128i cdgh)
{
    __m128i t = _mm_shuffle_epi32(abef, 0x1B);
    cdgh = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)h, _mm_blend_epi16(t, cdgh, 0xF0));
    _mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(cdgh, t, 8));
}

/* r blocks of 64 bytes on each of two states, interleaved. */
__attribute__((target("sha,sse4.1"))) static void sha_run2(uint32_t h0[8], uint32_t h1[8], const uint8_t *p0,
                                                            const uint8_t *p1, size_t s0, size_t s1, size_t r)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i a0, c0, a1, c1;
    sha_load(h0, &a0, &c0);
    sha_load(h1, &a1, &c1);
    while (r--) {
        __m128i sa0 = a0, sc0 = c0, sa1 = a1, sc1 = c1, w0[4], w1[4];
        for (int i = 0; i < 4; i++) {
            w0[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p0 + 16 * i)), bswap);
            w1[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p1 + 16 * i)), bswap);
        }
#pragma GCC unroll 16
        for (int g = 0; g < 16; g++) {
            if (g >= 4) {
                /* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], four at a time */
                __m128i x0 = _mm_sha256msg1_epu32(w0[g & 3], w0[(g + 1) & 3]);
                __m128i x1 = _mm_sha256msg1_epu32(w1[g & 3], w1[(g + 1) & 3]);
                x0 = _mm_add_epi32(x0, _mm_alignr_epi8(w0[(g + 3) & 3], w0[(g + 2) & 3], 4));
                x1 = _mm_add_epi32(x1, _mm_alignr_epi8(w1[(g + 3) & 3], w1[(g + 2) & 3], 4));
                w0[g & 3] = _mm_sha256msg2_epu32(x0, w0[(g + 3) & 3]);
                w1[g & 3] = _mm_sha256msg2_epu32(x1, w1[(g + 3) & 3]);
            }
            __m128i k = _mm_loadu_si128((const __m128i *)(sha256_k + 4 * g));
            __m128i m0 = _mm_add_epi32(w0[g & 3], k), m1 = _mm_add_epi32(w1[g & 3], k);
            c0 = _mm_sha256rnds2_epu32(c0, a0, m0);
            c1 = _mm_sha256rnds2_epu32(c1, a1, m1);
            m0 = _mm_shuffle_epi32(m0, 0x0E);
            m1 = _mm_shuffle_epi32(m1, 0x0E);
            a0 = _mm_sha256rnds2_epu32(a0, c0, m0);
            a1 = _mm_sha256rnds2_epu32(a1, c1, m1);
        }
        a0 = _mm_add_epi32(a0, sa0);
        c0 = _mm_add_epi32(c0, sc0);
        a1 = _mm_add_epi32(a1, sa1);
        c1 = _mm_add_epi32(c1, sc1);
        p0 += s0;
        p1 += s1;
    }
    sha_store(h0, a0, c0);
    sha_store(h1, a1, c1);
}

enum { SHA_DATA, SHA_TAIL, SHA_OUTER };

typedef struct sha_lane {
    smb_mac_msg *m; /* NULL: idle */
    const smb_hmac_sha256_key *k;
    cursor c;
    int phase;
    uint32_t h[8];
    const uint8_t *p;
    size_t run, stride;
    size_t tail; /* message bytes that go with the padding (0..64) */
    uint8_t buf[128];
} sha_lane;

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static void sha_assign(sha_lane *ln, smb_mac_msg *m)
{
    ln->m = m;
    ln->run = 0;
    if (m) {
        ln->k = m->key;
        memcpy(ln->h, ln->k->inner.h, sizeof ln->h); /* after the key^ipad block */
        /* A length that is a multiple of 64 keeps its last block for the
         * tail run (the block and its padding block in one call): a 64-byte
         * message (an SMB2 header alone) takes 2 calls instead of 3, with
         * the same 3 compressions. */
        size_t db = m->len / 64;
        if (db > 0 && m->len % 64 == 0)
            db--;
        ln->tail = m->len - 64 * db;
        cur_init(&ln->c, m, db);
        ln->phase = SHA_DATA;
    }
}

/* Set up the lane's next run; returns 0 when its MAC is complete. */
static int sha_refill(sha_lane *ln)
{
    if (ln->phase == SHA_DATA && ln->c.data_left > 0) {
        ln->p = cur_run(&ln->c, 64, ln->buf, &ln->run);
        ln->stride = ln->p == ln->buf ? 0 : 64;
        return 1;
    }
    if (ln->phase == SHA_DATA) {
        /* FIPS 180-4 5.1.1: tail, 0x80, zeros, 64-bit bit length of key block + message */
        size_t t = ln->tail;
        ln->run = t + 9 <= 64 ? 1 : 2;
        cur_copy(&ln->c, ln->buf, t);
        memset(ln->buf + t, 0, 64 * ln->run - t);
        ln->buf[t] = 0x80;
        put_be64(ln->buf + 64 * ln->run - 8, ((uint64_t)ln->m->len + 64) * 8);
        ln->p = ln->buf;
        ln->stride = 64;
        ln->phase = SHA_TAIL;
        return 1;
    }
    if (ln->phase == SHA_TAIL) {
        memset(ln->buf + 32, 0, 64 - 32);
        for (int i = 0; i < 8; i++)
            put_be32(ln->buf + 4 * i, ln->h[i]);
        ln->buf[32] = 0x80;
        put_be64(ln->buf + 56, (64 + 32) * 8);
        memcpy(ln->h, ln->k->outer.h, sizeof ln->h); /* after the key^opad block */
        ln->p = ln->buf;
        ln->run = 1;
        ln->stride = 0;
        ln->phase = SHA_OUTER;
        return 1;
    }
    uint8_t full[32];
    for (int i = 0; i < 8; i++)
        put_be32(full + 4 * i, ln->h[i]);
    memcpy(ln->m->tag, full, 16);
    smb_wipe(full, sizeof full);
    return 0;
}

static void hmac_simd(smb_mac_msg *m, size_t n)
{
    sha_lane ln[SMB_SHA_LANES];
    uint32_t idle_h[8] = {0};
    size_t next = 0;
    for (int l = 0; l < SMB_SHA_LANES; l++) {
        sha_assign(&ln[l], next < n ? &m[next] : NULL);
        next += next < n;
    }
    for (;;) {
        size_t r = SIZE_MAX;
        for (int l = 0; l < SMB_SHA_LANES; l++) {
            while (ln[l].m && ln[l].run == 0) {
                if (!sha_refill(&ln[l])) {
                    sha_assign(&ln[l], next < n ? &m[next] : NULL);
                    next += next < n;
                }
            }
            if (ln[l].m && ln[l].run < r)
                r = ln[l].run;
        }
        if (r == SIZE_MAX)
            break;
        const uint8_t *p0 = ln[0].m ? ln[0].p : zero_block, *p1 = ln[1].m ? ln[1].p : zero_block;
        sha_run2(ln[0].m ? ln[0].h : idle_h, ln[1].m ? ln[1].h : idle_h, p0, p1, ln[0].m ? ln[0].stride : 0,
                 ln[1].m ? ln[1].stride : 0, r);
        for (int l = 0; l < SMB_SHA_LANES; l++) {
            if (ln[l].m) {
                ln[l].run -= r;
                ln[l].p += ln[l].stride * r;
            }
        }
    }
    smb_wipe(ln, sizeof ln);
}
#else
#define HAVE_SHA_LANES 0
#endif

void smb_hmac_sha256_batch(smb_mac_msg *m, size_t n, smb_lanes_impl impl)
{
#if HAVE_SHA_LANES
    /* One message gains nothing from a second lane: OpenSSL's SHA-NI code is as fast. */
    if (impl == SMB_LANES_SIMD || (impl == SMB_LANES_AUTO && n > 1 && (smb_lanes_cpu() & SMB_LANES_CPU_SHANI))) {
        hmac_simd(m, n);
        return;
    }
#endif
    hmac_portable(m, n);
}
