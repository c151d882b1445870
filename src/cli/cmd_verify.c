/* cli/cmd_verify.c - smbsign verify: check the signature of one SMB message read on stdin. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "cli/cli.h"
#include "cli/msgcheck.h"
#include "cli/signopt.h"
#include "crypto/crypto.h"
#include "wire/smb1/header.h"
#include "wire/smb2/header.h"

static void help(void)
{
    printf("usage: smbsign verify --dialect D KEYOPTS [--algorithm A] [--seq N] [--hex] < MESSAGE\n"
           "\n"
           "Read one SMB message on standard input (from the SMB header on) and check its\n"
           "signature with the given key. Prints 'valid' and the signature, or the\n"
           "result with the expected and the found signature. An SMB2 compound chain is\n"
           "checked element by element (one line block per element).\n"
           "\n"
           "Options are those of 'smbsign sign': --dialect, --session-key [--preauth-hash],\n"
           "--signing-key, --mac-key, --seq (SMB1: the number the receiver expects; a\n"
           "response uses its request's number + 1), --algorithm, --hex.\n"
           "\n"
           "A message without the SIGNED flag is reported as 'unsigned' and fails: this\n"
           "command checks a signature, it does not decide whether one was needed (see\n"
           "'smbsign explain' for that).\n"
           "\n"
           "Examples:\n"
           "  smbsign verify --dialect 3.0 --session-key KEY < signed.bin\n"
           "  smbsign sign --dialect 2.1 --signing-key K --hex < m.hex | smbsign verify --dialect 2.1 --signing-key K --hex\n"
           "\n"
           "Exit status: 0 valid, 1 not valid (bad signature or unsigned), 2 usage or input error.\n");
}

/* One element: print the result block; returns 0 valid / 1 not. */
static int report(smb_sign_ctx *ctx, const struct signopt *o, const uint8_t *m, size_t n, int idx, int *err)
{
    bool smb1 = o->dialect == SMB_DIALECT_SMB1;
    size_t slen = smb1 ? SMB1_SIG_LEN : SMB2_SIG_LEN;
    uint8_t exp[16], found[16];
    char he[33], hf[33], prefix[32] = "";
    bool flag;
    smb_status st;
    struct iovec v = {(void *)(uintptr_t)m, n};
    if (idx >= 0)
        snprintf(prefix, sizeof prefix, "element %d ", idx);
    if (smb1) {
        flag = (le16(m + 10) & SMB1_FLAGS2_SMB_SECURITY_SIGNATURE) != 0;
        st = smb1_sign_compute(ctx, &v, 1, (uint32_t)o->seq, exp);
    } else {
        flag = (le32(m + SMB2_FLAGS_OFFSET) & SMB2_FLAGS_SIGNED) != 0;
        st = smb2_sign_compute(ctx, &v, 1, exp);
    }
    if (st != SMB_OK) {
        cli_err("verify", "%scannot compute the signature: %s", prefix, smb_status_name(st));
        *err = 1;
        return 1;
    }
    memcpy(found, m + (smb1 ? SMB1_SIG_OFFSET : SMB2_SIG_OFFSET), slen);
    hex_encode(exp, slen, he);
    hex_encode(found, slen, hf);
    const char *why = smb1 ? smb1_sign_not_subject(m) : smb2_sign_not_subject(m);
    if (why)
        printf("%snote not subject to signing on the wire (%s)\n", prefix, why);
    if (!flag) {
        printf("%sunsigned (the %s flag is clear)\n%sexpected %s\n%sfound %s\n", prefix,
               smb1 ? "FLAGS2_SMB_SECURITY_SIGNATURE" : "SMB2_FLAGS_SIGNED", prefix, he, prefix, hf);
        return 1;
    }
    if (smb_memeq_ct(exp, found, slen)) {
        printf("%svalid %s %s\n", prefix, smb_alg_name(smb_sign_ctx_alg(ctx)), hf);
        return 0;
    }
    printf("%sbad signature\n%sexpected %s\n%sfound %s\n", prefix, prefix, he, prefix, hf);
    return 1;
}

int cmd_verify(int argc, char **argv)
{
    struct signopt o = {.verb = "verify"};
    bool hex = false;
    int rc = signopt_parse(&o, argc, argv, help, &hex);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;

    uint8_t *msg = NULL;
    size_t len = 0;
    smb_sign_ctx *ctx = NULL;
    int bad = 0, err = 0;
    if ((rc = cli_read_message("verify", hex, &msg, &len)))
        return rc;
    if ((rc = cli_check_message("verify", o.dialect, msg, len)))
        goto out;
    if ((rc = signopt_ctx(&o, &ctx)))
        goto out;
    if (o.dialect == SMB_DIALECT_SMB1) {
        bad = report(ctx, &o, msg, len, -1, &err);
    } else {
        size_t off = 0, elen = 0, next = 0;
        int idx = 0;
        bool chain = le32(msg + 20) != 0;
        do {
            if (smb2_compound_next(msg, len, off, &elen, &next) != SMB_OK) {
                rc = cli_usage_error("verify", "compound element at offset %zu: bad NextCommand or short element",
                                     off);
                goto out;
            }
            bad |= report(ctx, &o, msg + off, elen, chain ? idx : -1, &err);
            off = next;
            idx++;
        } while (next != 0);
    }
    rc = err ? CLI_EXIT_USAGE : bad ? CLI_EXIT_NEGATIVE : CLI_EXIT_OK;
out:
    smb_sign_ctx_free(ctx);
    free(msg);
    return rc;
}
