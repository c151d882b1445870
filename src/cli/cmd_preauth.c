/* cli/cmd_preauth.c - smbsign preauth: the SMB 3.1.1 preauth integrity hash chain (MS-SMB2 3.2.5.2). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "cli/cli.h"
#include "cli/msgcheck.h"
#include "cli/signopt.h"
#include "smbsign/sign.h"

static void help(void)
{
    printf("usage: smbsign preauth [--hex] FILE...\n"
           "\n"
           "Compute the SMB 3.1.1 preauth integrity hash chain: starting from 64 zero\n"
           "bytes, hash = SHA-512(hash || message) for each file in order (one whole SMB2\n"
           "message per file, without the NetBIOS header), printing 'FILE HEX' with the\n"
           "chain value after that file. The chain covers the NEGOTIATE request and\n"
           "response, then every SESSION_SETUP request and response except the final\n"
           "(successful) response; feed the last value to 'smbsign kdf --preauth-hash'.\n"
           "'-' reads standard input.\n"
           "\n"
           "  --hex   the files hold hex text (either case, whitespace ignored)\n"
           "\n"
           "Example:\n"
           "  smbsign preauth neg-req.bin neg-rsp.bin ss-req1.bin ss-rsp1.bin ss-req2.bin\n"
           "\n"
           "Exit status: 0 ok, 2 usage or input error (unreadable file, bad hex, not SMB2).\n");
}

int cmd_preauth(int argc, char **argv)
{
    static const struct option lo[] = {{"hex", no_argument, NULL, 'x'}, {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    bool hex = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'h') {
            help();
            return CLI_EXIT_OK;
        } else if (c == 'x') {
            hex = true;
        } else {
            return cli_usage_error("preauth", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("preauth", "no files given (one SMB2 message per file)");
    smb_preauth p;
    smb_preauth_init(&p);
    for (int i = optind; i < argc; i++) {
        const char *path = argv[i];
        uint8_t *buf = NULL, *msg = NULL;
        size_t n = 0, len = 0;
        int rc = cli_read_file(path, hex ? CLI_MAX_HEX_TEXT : CLI_MAX_MESSAGE, &buf, &n);
        if (rc == -3)
            return cli_usage_error("preauth", "%s: cannot open", path);
        if (rc == -2)
            return cli_usage_error("preauth", "%s: larger than %u bytes", path, hex ? CLI_MAX_HEX_TEXT : CLI_MAX_MESSAGE);
        if (rc != 0)
            return cli_usage_error("preauth", "%s: read error", path);
        if (hex) {
            size_t off = 0;
            msg = malloc(n / 2 + 1);
            if (!msg) {
                free(buf);
                return cli_usage_error("preauth", "out of memory");
            }
            smb_status st = hex_decode((const char *)buf, n, msg, n / 2 + 1, &len, &off);
            free(buf);
            if (st != SMB_OK) {
                free(msg);
                return cli_usage_error("preauth", "%s: bad hex at offset %zu", path, off);
            }
        } else {
            msg = buf;
            len = n;
        }
        char what[600];
        snprintf(what, sizeof what, "preauth: %s", path);
        if (cli_check_message(what, SMB_DIALECT_311, msg, len)) {
            free(msg);
            return CLI_EXIT_USAGE;
        }
        smb_preauth_update(&p, msg, len);
        free(msg);
        char h[129];
        hex_encode(p.hash, 64, h);
        printf("%s %s\n", path, h);
    }
    return CLI_EXIT_OK;
}
