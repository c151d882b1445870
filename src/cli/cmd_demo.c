/*
 * cli/cmd_demo.c - smbsign demo: derive keys, sign a sample message with
 * every algorithm, verify it, and show tampered and flag-stripped copies
 * failing. What 'make run' shows until the policy matrix exists.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "smbsign/crypt.h"
#include "smbsign/sign.h"
#include "wire/smb1/header.h"
#include "wire/smb2/header.h"

/* Microsoft's published SMB 3.1.1 example (Open Specifications blog, "SMB 3.1.1
 * Encryption in Windows 10"): session key and preauth integrity hash. */
static const char *const demo_sk = "419FDDF34C1E001909D362AE7FB6AF79";
static const char *const demo_pa = "B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDB"
                                   "A7DB256BA2EA30E977F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770";
/* The SMB2 WRITE request of the same example ("Smb3 encryption testing"). */
static const char *const demo_msg = "FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000"
                                    "25000000001000000000000000000000000000000000000031007000170000000000000000000000"
                                    "0600000004000000010000000400000000000000000000007000000000000000536D623320656E63"
                                    "72797074696F6E2074657374696E67";

/* The same example's AES-128-GCM nonce, and the start of its published
 * TRANSFORM_HEADER: ProtocolId 0xFD 'SMB' and the 16-byte tag (Signature). */
static const char *const demo_nonce = "C7D6822D269CAF48904C664C00000000";
static const char *const demo_tag = "FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBC";
#define DEMO_SESSION_ID 0x100000000025ull

static void help(void)
{
    printf("usage: smbsign demo\n"
           "\n"
           "A short tour of SMB signing on Microsoft's published SMB 3.1.1 example: derive\n"
           "the keys from the session key and preauth hash, sign a WRITE request with\n"
           "HMAC-SHA256 (2.x), AES-CMAC (3.x) and AES-GMAC (3.1.1), verify each, then show\n"
           "a copy with one flipped bit failing and a copy whose SIGNED flag a man in the\n"
           "middle cleared being rejected because the session requires signing. Ends with\n"
           "SMB1 MD5 signing and its sequence numbers, and with SMB 3.1.1 encryption:\n"
           "the same WRITE in a TRANSFORM_HEADER (AES-128-GCM, the example's nonce, the\n"
           "tag Microsoft published), opened by the server's context, refused with one\n"
           "flipped ciphertext bit and under another SessionId.\n"
           "\n"
           "Exit status: 0 when every step behaved as shown, 1 otherwise.\n");
}

static void hexline(const char *label, const uint8_t *p, size_t n)
{
    char h[129];
    hex_encode(p, n, h);
    printf("  %-16s %s\n", label, h);
}

static int step(const char *what, smb_verify_result got, smb_verify_result want)
{
    printf("  %-44s -> %-22s %s\n", what, smb_verify_result_name(got), got == want ? "(as expected)" : "(UNEXPECTED)");
    return got == want ? 0 : 1;
}

/* Verify an SMB2 message and report the step; a verifier error is a step that
 * did not give what it should (its status is printed). */
static int step2(const char *what, smb_sign_ctx *c, const uint8_t *m, size_t n, smb_verify_result want)
{
    smb_verify_result r = SMB_VERIFY_BAD_SIGNATURE;
    smb_status st = smb2_verify(c, m, n, true, &r, NULL, NULL);
    if (st != SMB_OK) {
        printf("  %-44s -> error %s (UNEXPECTED)\n", what, smb_status_name(st));
        return 1;
    }
    return step(what, r, want);
}

static int step1(const char *what, smb_sign_ctx *c, const uint8_t *m, size_t n, uint32_t seq, smb_verify_result want)
{
    smb_verify_result r = SMB_VERIFY_BAD_SIGNATURE;
    smb_status st = smb1_verify(c, m, n, seq, true, &r, NULL, NULL);
    if (st != SMB_OK) {
        printf("  %-44s -> error %s (UNEXPECTED)\n", what, smb_status_name(st));
        return 1;
    }
    return step(what, r, want);
}

/* Decrypt a copy of the transform t[0, n) with the server's context; report
 * the step. want_ok: the decryption should succeed (and give plain[0, pn)). */
static int step_decrypt(const char *what, smb_crypt_ctx *srv, uint64_t sid, const uint8_t *t, size_t n,
                        const uint8_t *plain, size_t pn, bool want_ok)
{
    uint8_t buf[256], *out = NULL;
    size_t olen = 0;
    memcpy(buf, t, n);
    smb_status st = smb_crypt_decrypt(srv, sid, buf, n, &out, &olen);
    bool ok = st == SMB_OK && olen == pn && !memcmp(out, plain, pn);
    const char *got = st == SMB_OK ? (ok ? "decrypted, identical" : "decrypted, DIFFERENT") : smb_status_name(st);
    printf("  %-44s -> %-22s %s\n", what, got, ok == want_ok ? "(as expected)" : "(UNEXPECTED)");
    return ok == want_ok ? 0 : 1;
}

/* 5. The WRITE request encrypted, SMB 3.1.1 AES-128-GCM; 0 when every step
 * behaved, 1 when one did not, -1 when a context could not be made. */
static int demo_encrypt(const uint8_t sk[16], const uint8_t pa[64], const uint8_t *msg, size_t n,
                        const uint8_t nonce[16], const uint8_t tag[20])
{
    printf("\n5. Encryption, SMB 3.1.1 AES-128-GCM: the same WRITE request in a TRANSFORM_HEADER\n");
    smb_crypt_ctx *cli = NULL, *srv = NULL;
    if (smb_crypt_ctx_new_session(&cli, SMB_DIALECT_311, SMB_CIPHER_AES128_GCM, false, sk, 16, pa) != SMB_OK ||
        smb_crypt_ctx_new_session(&srv, SMB_DIALECT_311, SMB_CIPHER_AES128_GCM, true, sk, 16, pa) != SMB_OK) {
        cli_err("demo", "cannot prepare the AES-128-GCM contexts");
        smb_crypt_ctx_free(cli);
        return -1;
    }
    uint8_t t[256];
    int bad = 0;
    memcpy(t + SMB2_TRANSFORM_HDR_LEN, msg, n);
    if (smb_crypt_encrypt_nonce(cli, nonce, DEMO_SESSION_ID, t, t + SMB2_TRANSFORM_HDR_LEN, n) != SMB_OK) {
        cli_err("demo", "cannot encrypt the example");
        bad = 1;
    } else {
        size_t tn = SMB2_TRANSFORM_HDR_LEN + n;
        hexline("ProtocolId", t, 4);
        hexline("Signature (tag)", t + 4, 16);
        hexline("Nonce", t + 20, 16);
        printf("  %-16s %u bytes follow, encrypted\n", "OriginalSize", (unsigned)le32(t + 36));
        printf("  %-16s 0x%04x (encrypted)   SessionId 0x%llx\n", "Flags", le16(t + 42),
               (unsigned long long)le64(t + 44));
        bool same = !memcmp(t, tag, 20);
        printf("  %-44s -> %-22s %s\n", "tag equals Microsoft's published one", same ? "yes" : "no",
               same ? "(as expected)" : "(UNEXPECTED)");
        bad |= !same;
        bad |= step_decrypt("the server opens it", srv, DEMO_SESSION_ID, t, tn, msg, n, true);
        t[tn - 1] ^= 0x01;
        bad |= step_decrypt("flip one bit of the ciphertext", srv, DEMO_SESSION_ID, t, tn, msg, n, false);
        t[tn - 1] ^= 0x01;
        bad |= step_decrypt("the same under another SessionId", srv, DEMO_SESSION_ID + 1, t, tn, msg, n, false);
        printf("  (an encrypted message carries no signature: the tag authenticates it and the header)\n");
    }
    smb_crypt_ctx_free(cli);
    smb_crypt_ctx_free(srv);
    return bad;
}

/* the demo's own constants: a decoding failure is a bug, reported as such */
static bool unhex(const char *h, uint8_t *out, size_t cap, size_t *n)
{
    size_t off = 0;
    if (hex_decode(h, strlen(h), out, cap, n, &off) == SMB_OK)
        return true;
    cli_err("demo", "internal error: built-in hex constant does not decode (offset %zu)", off);
    return false;
}

int cmd_demo(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        help();
        return CLI_EXIT_OK;
    }
    if (argc > 1)
        return cli_usage_error("demo", "unexpected argument '%s'", argv[1]);
    uint8_t sk[16], pa[64], base[256], m[256];
    size_t n = 0;
    int bad = 0;
    if (!unhex(demo_sk, sk, sizeof sk, &n) || !unhex(demo_pa, pa, sizeof pa, &n) ||
        !unhex(demo_msg, base, sizeof base, &n))
        return CLI_EXIT_NEGATIVE;

    printf("1. Key derivation, SMB 3.1.1 (SP800-108 KDF, HMAC-SHA256, L=128)\n");
    hexline("session key", sk, 16);
    hexline("preauth hash", pa, 32);
    hexline("", pa + 32, 32);
    smb_sign_keys k;
    if (smb_sign_derive_keys(SMB_DIALECT_311, sk, 16, pa, &k) != SMB_OK)
        return CLI_EXIT_NEGATIVE;
    hexline("signing key", k.signing, 16);
    hexline("encryption key", k.encryption, 16);
    hexline("decryption key", k.decryption, 16);
    hexline("application key", k.application, 16);
    printf("  (Microsoft's published encryption key for this example: a2f5e80e5d59103034f32e52f698e5ec)\n");

    static const struct {
        smb_dialect d;
        smb_sign_alg alg;
    } runs[] = {{SMB_DIALECT_210, SMB_ALG_HMAC_SHA256}, {SMB_DIALECT_302, SMB_ALG_AES_CMAC},
                {SMB_DIALECT_311, SMB_ALG_AES_GMAC}};
    printf("\n2. Sign and verify a %zu-byte SMB2 WRITE request (SessionId 0x100000000025, MessageId 5)\n", n);
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        smb_sign_ctx *c = NULL;
        smb_status st = runs[i].d == SMB_DIALECT_311 ? smb_sign_ctx_new(&c, runs[i].d, runs[i].alg, k.signing)
                                                     : smb_sign_ctx_new_session(&c, runs[i].d, runs[i].alg, sk, 16, NULL);
        if (st != SMB_OK) {
            cli_err("demo", "cannot prepare %s: %s", smb_alg_name(runs[i].alg), smb_status_name(st));
            return CLI_EXIT_NEGATIVE;
        }
        printf("\n  dialect %s, %s\n", smb_dialect_name(runs[i].d), smb_alg_name(runs[i].alg));
        memcpy(m, base, n);
        if ((st = smb2_sign(c, m, n)) != SMB_OK) {
            cli_err("demo", "cannot sign with %s: %s", smb_alg_name(runs[i].alg), smb_status_name(st));
            smb_sign_ctx_free(c);
            return CLI_EXIT_NEGATIVE;
        }
        hexline("signature", m + SMB2_SIG_OFFSET, 16);
        bad |= step2("verify the signed message", c, m, n, SMB_VERIFY_VALID);
        m[n - 1] ^= 0x01;
        bad |= step2("flip one bit of the payload", c, m, n, SMB_VERIFY_BAD_SIGNATURE);
        m[n - 1] ^= 0x01;
        m[SMB2_FLAGS_OFFSET] &= (uint8_t)~SMB2_FLAGS_SIGNED;
        memset(m + SMB2_SIG_OFFSET, 0, 16);
        bad |= step2("strip SIGNED flag (session requires signing)", c, m, n, SMB_VERIFY_UNSIGNED_BUT_REQUIRED);
        smb_sign_ctx_free(c);
    }

    printf("\n3. Messages the protocol never signs\n");
    {
        memcpy(m, base, n);
        put_le16(m + 12, SMB2_NEGOTIATE);
        bad |= step2("NEGOTIATE", NULL, m, n, SMB_VERIFY_NOT_SUBJECT);
        memcpy(m, base, n);
        put_le64(m + 40, 0);
        bad |= step2("SessionId 0", NULL, m, n, SMB_VERIFY_NOT_SUBJECT);
    }

    printf("\n4. SMB1: MD5(MAC key || message with sequence number), request n / response n+1\n");
    {
        static const char *echo = "ff534d422b000000001807c80000000000000000000000000000fffffeff00080100010100040070696e67";
        uint8_t key[16];
        memcpy(key, sk, 16);
        smb_sign_ctx *cli = NULL;
        if (smb_sign_ctx_new_smb1(&cli, key, 16) != SMB_OK)
            return CLI_EXIT_NEGATIVE;
        if (!unhex(echo, m, sizeof m, &n)) {
            smb_sign_ctx_free(cli);
            return CLI_EXIT_NEGATIVE;
        }
        uint32_t seq = smb1_sign_seq_next(cli, true); /* 0: the SESSION_SETUP that made the key */
        seq = smb1_sign_seq_next(cli, true);          /* 2: this ECHO */
        if (smb1_sign(cli, m, n, seq) != SMB_OK) {
            cli_err("demo", "cannot sign the SMB1 message");
            smb_sign_ctx_free(cli);
            return CLI_EXIT_NEGATIVE;
        }
        printf("  ECHO request signed with sequence %u:\n", seq);
        hexline("signature", m + SMB1_SIG_OFFSET, 8);
        bad |= step1("verify with the expected sequence number", cli, m, n, seq, SMB_VERIFY_VALID);
        bad |= step1("replayed later (sequence n+2)", cli, m, n, seq + 2, SMB_VERIFY_BAD_SIGNATURE);
        smb_sign_ctx_free(cli);
    }
    {
        uint8_t nonce[16], tag[20];
        size_t tn = 0;
        if (!unhex(demo_nonce, nonce, sizeof nonce, &tn) || !unhex(demo_tag, tag, sizeof tag, &tn) ||
            !unhex(demo_msg, base, sizeof base, &n))
            return CLI_EXIT_NEGATIVE;
        int e = demo_encrypt(sk, pa, base, n, nonce, tag);
        if (e < 0)
            return CLI_EXIT_NEGATIVE;
        bad |= e;
    }
    smb_wipe(&k, sizeof k);
    smb_wipe(sk, sizeof sk);
    printf("\n%s\n", bad ? "Some step did not behave as expected." : "Every step behaved as expected.");
    printf("Try: smbsign kdf --help, smbsign sign --help, smbsign verify --help, smbsign explain --help\n");
    return bad ? CLI_EXIT_NEGATIVE : CLI_EXIT_OK;
}
