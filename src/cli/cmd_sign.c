/* cli/cmd_sign.c - smbsign sign: sign one SMB message read on stdin. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "cli/msgcheck.h"
#include "cli/signopt.h"
#include "wire/smb2/header.h"

static void help(void)
{
    printf("usage: smbsign sign --dialect D KEYOPTS [--algorithm A] [--seq N] [--hex] < MESSAGE\n"
           "\n"
           "Read one SMB message on standard input (from the SMB header on, without the\n"
           "4-byte NetBIOS header), sign it, and write it to standard output in the same\n"
           "form: the signature field filled and the SIGNED flag set\n"
           "(SMB2_FLAGS_SIGNED, or FLAGS2_SMB_SECURITY_SIGNATURE for SMB1). An SMB2\n"
           "compound chain is signed element by element.\n"
           "\n"
           "  --dialect D          1 | 2.0.2 | 2.1 | 3.0 | 3.0.2 | 3.1.1\n"
           "  --session-key HEX    16-byte session key; the signing key is derived\n"
           "                       (3.0/3.0.2: KDF \"SMB2AESCMAC\"/\"SmbSign\"; 3.1.1 with\n"
           "                       --preauth-hash HEX, 64 bytes)\n"
           "  --signing-key HEX    16-byte signing key, used as is\n"
           "  --mac-key HEX        SMB1 MAC key (session key, then the NTLM response for\n"
           "                       non-extended NTLM)\n"
           "  --seq N              SMB1 sequence number (default 0)\n"
           "  --algorithm A        hmac-sha256 | aes-cmac | aes-gmac (3.1.1 only; default\n"
           "                       hmac-sha256 for 2.x, aes-cmac for 3.x)\n"
           "  --hex                input and output are hex text instead of raw bytes\n"
           "\n"
           "Examples:\n"
           "  smbsign sign --dialect 2.1 --session-key 000102030405060708090a0b0c0d0e0f \\\n"
           "      --hex < echo.hex\n"
           "  smbsign sign --dialect 3.1.1 --algorithm aes-gmac --signing-key KEY < msg.bin > signed.bin\n"
           "  smbsign sign --dialect 1 --mac-key KEY --seq 4 < smb1.bin > signed.bin\n"
           "\n"
           "Exit status: 0 signed, 2 usage or input error.\n");
}

int cmd_sign(int argc, char **argv)
{
    struct signopt o = {.verb = "sign"};
    bool hex = false;
    int rc = signopt_parse(&o, argc, argv, help, &hex);
    if (rc)
        return rc < 0 ? CLI_EXIT_OK : rc;

    uint8_t *msg = NULL;
    size_t len = 0;
    smb_sign_ctx *ctx = NULL;
    if ((rc = cli_read_message("sign", hex, &msg, &len)))
        return rc;
    if ((rc = cli_check_message("sign", o.dialect, msg, len)))
        goto out;
    if ((rc = signopt_ctx(&o, &ctx)))
        goto out;
    smb_status st;
    if (o.dialect == SMB_DIALECT_SMB1) {
        st = smb1_sign(ctx, msg, len, (uint32_t)o.seq);
    } else {
        size_t off = 0, elen = 0, next = 0;
        do {
            st = smb2_compound_next(msg, len, off, &elen, &next);
            if (st != SMB_OK) {
                rc = cli_usage_error("sign", "compound element at offset %zu: bad NextCommand or short element", off);
                goto out;
            }
            const char *why = smb2_sign_not_subject(msg + off);
            if (why)
                cli_err("sign", "note: element at offset %zu is not subject to signing on the wire (%s); signing it "
                        "anyway", off, why);
            st = smb2_sign(ctx, msg + off, elen);
            off = next;
        } while (next != 0 && st == SMB_OK);
    }
    if (st != SMB_OK) {
        cli_err("sign", "signing failed: %s", smb_status_name(st));
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (cli_write_message(msg, len, hex) != 0 || fflush(stdout) != 0) {
        cli_err("sign", "cannot write standard output");
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    rc = CLI_EXIT_OK;
out:
    smb_sign_ctx_free(ctx);
    free(msg);
    return rc;
}
