/* cli/cmd_kdf.c - smbsign kdf: derive the SMB 3.x keys (MS-SMB2 3.2.5.3.1). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/hex.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "smbsign/sign.h"

static void help(void)
{
    printf("usage: smbsign kdf --dialect 3.0|3.0.2|3.1.1 --session-key HEX [--preauth-hash HEX] [--cipher C]\n"
           "\n"
           "Derive the SMB 3.x session keys with the SP800-108 counter-mode KDF\n"
           "(HMAC-SHA256, L = 128) and print exactly four lines:\n"
           "  signing-key HEX\n"
           "  encryption-key HEX     client to server\n"
           "  decryption-key HEX     server to client\n"
           "  application-key HEX\n"
           "\n"
           "  --session-key HEX   the 16-byte session key (the first 16 bytes of the GSS key)\n"
           "  --preauth-hash HEX  the 64-byte SMB 3.1.1 preauth integrity hash (required\n"
           "                      for 3.1.1; see 'smbsign preauth')\n"
           "  --cipher C          the negotiated cipher: aes-128-ccm, aes-128-gcm (default),\n"
           "                      aes-256-ccm or aes-256-gcm (3.1.1). With AES-256 the\n"
           "                      encryption and decryption keys are 32 bytes, derived with\n"
           "                      L = 256 from the full session key, which may then be 16 or\n"
           "                      32 bytes (the signing and application keys use its first 16)\n"
           "\n"
           "Labels and contexts: 3.0/3.0.2 \"SMB2AESCMAC\"/\"SmbSign\", \"SMB2AESCCM\"/\"ServerIn \",\n"
           "\"SMB2AESCCM\"/\"ServerOut\", \"SMB2APP\"/\"SmbRpc\"; 3.1.1 \"SMBSigningKey\",\n"
           "\"SMBC2SCipherKey\", \"SMBS2CCipherKey\", \"SMBAppKey\" with the preauth hash.\n"
           "\n"
           "Example (Microsoft's SMB 3.0 test vector):\n"
           "  smbsign kdf --dialect 3.0 --session-key B4546771B515F766A86735532DD6C4F0\n"
           "\n"
           "Exit status: 0 ok, 2 usage or input error.\n");
}

int cmd_kdf(int argc, char **argv)
{
    static const struct option lo[] = {{"dialect", required_argument, NULL, 'd'},
                                       {"session-key", required_argument, NULL, 's'},
                                       {"preauth-hash", required_argument, NULL, 'p'},
                                       {"cipher", required_argument, NULL, 'c'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    uint8_t sk[32], pa[64];
    size_t sklen = 16, cipher_len = 16;
    bool have_d = false, have_sk = false, have_pa = false;
    smb_dialect d = SMB_DIALECT_NONE;
    int c, rc;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'h': help(); return CLI_EXIT_OK;
        case 'd':
            if (smb_dialect_parse(optarg, &d) != 0 || (d != SMB_DIALECT_300 && d != SMB_DIALECT_302 &&
                                                       d != SMB_DIALECT_311 && d != SMB_DIALECT_202 &&
                                                       d != SMB_DIALECT_210 && d != SMB_DIALECT_SMB1))
                return cli_usage_error("kdf", "unknown dialect '%s' (expected 3.0, 3.0.2 or 3.1.1)", optarg);
            if (d != SMB_DIALECT_300 && d != SMB_DIALECT_302 && d != SMB_DIALECT_311)
                return cli_usage_error("kdf", "dialect %s has no key derivation (2.x signs with the session key "
                                              "itself; SMB1 with session key + NTLM response)",
                                       smb_dialect_name(d));
            have_d = true;
            break;
        case 's': {
            /* 16 bytes; 32 is accepted too (a Kerberos AES-256 key) for the AES-256 ciphers */
            size_t got = 0, off = 0;
            smb_status hs = hex_decode(optarg, strlen(optarg), sk, sizeof sk, &got, &off);
            if (hs == SMB_E_BAD_HEX)
                return cli_usage_error("kdf", "--session-key: bad hex at offset %zu", off);
            if (hs != SMB_OK)
                return cli_usage_error("kdf", "--session-key: expected 16 bytes (32 hex digits), got more than 32");
            if (got != 16 && got != 32)
                return cli_usage_error("kdf", "--session-key: expected 16 bytes (32 hex digits), got %zu bytes", got);
            sklen = got;
            have_sk = true;
            break;
        }
        case 'c':
            if (!strcmp(optarg, "aes-128-ccm") || !strcmp(optarg, "aes-128-gcm"))
                cipher_len = 16;
            else if (!strcmp(optarg, "aes-256-ccm") || !strcmp(optarg, "aes-256-gcm"))
                cipher_len = 32;
            else
                return cli_usage_error("kdf", "unknown cipher '%s' (expected aes-128-ccm, aes-128-gcm, aes-256-ccm "
                                              "or aes-256-gcm)", optarg);
            break;
        case 'p':
            if ((rc = cli_hex_arg("kdf", "--preauth-hash", optarg, pa, 64)))
                return rc;
            have_pa = true;
            break;
        default: return cli_usage_error("kdf", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("kdf", "unexpected argument '%s'", argv[optind]);
    if (!have_d)
        return cli_usage_error("kdf", "--dialect is required (3.0, 3.0.2 or 3.1.1)");
    if (!have_sk)
        return cli_usage_error("kdf", "--session-key is required (16 bytes, 32 hex digits)");
    if (d == SMB_DIALECT_311 && !have_pa)
        return cli_usage_error("kdf", "dialect 3.1.1 needs --preauth-hash (64 bytes, 128 hex digits)");
    if (d != SMB_DIALECT_311 && have_pa)
        return cli_usage_error("kdf", "--preauth-hash applies to dialect 3.1.1 only");
    if (cipher_len == 32 && d != SMB_DIALECT_311)
        return cli_usage_error("kdf", "the AES-256 ciphers exist in dialect 3.1.1 only");
    if (sklen != 16 && cipher_len != 32)
        return cli_usage_error("kdf", "--session-key: expected 16 bytes (32 hex digits), got %zu bytes (32-byte keys "
                                      "only with --cipher aes-256-*)", sklen);
    smb_sign_keys k;
    uint8_t enc[32], dec[32];
    smb_status st = smb_sign_derive_keys(d, sk, sklen, have_pa ? pa : NULL, &k);
    if (st == SMB_OK)
        st = smb_sign_derive_cipher_keys(d, sk, sklen, have_pa ? pa : NULL, cipher_len, enc, dec);
    smb_wipe(sk, sizeof sk);
    if (st != SMB_OK) {
        cli_err("kdf", "derivation failed: %s", smb_status_name(st));
        return CLI_EXIT_USAGE;
    }
    char h[65];
    hex_encode(k.signing, 16, h);
    printf("signing-key %s\n", h);
    hex_encode(enc, cipher_len, h);
    printf("encryption-key %s\n", h);
    hex_encode(dec, cipher_len, h);
    printf("decryption-key %s\n", h);
    smb_wipe(enc, sizeof enc);
    smb_wipe(dec, sizeof dec);
    hex_encode(k.application, 16, h);
    printf("application-key %s\n", h);
    smb_wipe(&k, sizeof k);
    smb_wipe(h, sizeof h);
    return CLI_EXIT_OK;
}
