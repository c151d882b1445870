/* cli/signopt.c - shared option handling for sign / verify / explain (see signopt.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "cli/cli.h"
#include "cli/signopt.h"
#include "crypto/crypto.h"

int signopt_handle(struct signopt *o, int id, const char *arg)
{
    int rc;
    switch (id) {
    case SO_DIALECT:
        if (smb_dialect_parse(arg, &o->dialect) != 0 || o->dialect == SMB_DIALECT_2FF)
            return cli_usage_error(o->verb, "unknown dialect '%s' (expected 1, 2.0.2, 2.1, 3.0, 3.0.2 or 3.1.1)",
                                   arg);
        o->have_dialect = true;
        return 0;
    case SO_SESSION_KEY:
        if ((rc = cli_hex_arg(o->verb, "--session-key", arg, o->session_key, 16)))
            return rc;
        o->have_session_key = true;
        return 0;
    case SO_PREAUTH:
        if ((rc = cli_hex_arg(o->verb, "--preauth-hash", arg, o->preauth, 64)))
            return rc;
        o->have_preauth = true;
        return 0;
    case SO_SIGNING_KEY:
        if ((rc = cli_hex_arg(o->verb, "--signing-key", arg, o->signing_key, 16)))
            return rc;
        o->have_signing_key = true;
        return 0;
    case SO_MAC_KEY: {
        size_t n = 0, off = 0;
        smb_status st = hex_decode(arg, strlen(arg), o->mac_key, sizeof o->mac_key, &n, &off);
        if (st == SMB_E_BAD_HEX)
            return cli_usage_error(o->verb, "--mac-key: bad hex at offset %zu", off);
        if (st != SMB_OK)
            return cli_usage_error(o->verb, "--mac-key: longer than %d bytes", SMB_SIGN_SMB1_MAX_KEY);
        if (n == 0)
            return cli_usage_error(o->verb, "--mac-key: empty key");
        o->mac_key_len = n;
        o->have_mac_key = true;
        return 0;
    }
    case SO_SEQ:
        if ((rc = cli_u64_arg(o->verb, "--seq", arg, UINT32_MAX, &o->seq)))
            return rc;
        o->have_seq = true;
        return 0;
    case SO_ALGORITHM:
        if (smb_alg_parse(arg, &o->alg) != 0 || o->alg == SMB_ALG_NONE)
            return cli_usage_error(o->verb, "unknown algorithm '%s' (expected hmac-sha256, aes-cmac or aes-gmac)",
                                   arg);
        o->have_alg = true;
        return 0;
    }
    return cli_usage_error(o->verb, "internal: unknown option");
}

int signopt_check(struct signopt *o, bool require_keys)
{
    if (!o->have_dialect)
        return cli_usage_error(o->verb, "--dialect is required (1, 2.0.2, 2.1, 3.0, 3.0.2 or 3.1.1)");
    const char *dn = smb_dialect_name(o->dialect);
    if (!o->have_alg)
        o->alg = smb_sign_default_alg(o->dialect);
    else if (!smb_sign_alg_valid(o->dialect, o->alg))
        return cli_usage_error(o->verb, "algorithm '%s' is not used with dialect %s", smb_alg_name(o->alg), dn);
    if (o->dialect == SMB_DIALECT_SMB1) {
        if (o->have_signing_key || o->have_preauth)
            return cli_usage_error(o->verb, "dialect 1 takes --mac-key (or --session-key), not %s",
                                   o->have_signing_key ? "--signing-key" : "--preauth-hash");
        if (o->have_mac_key && o->have_session_key)
            return cli_usage_error(o->verb, "give either --mac-key or --session-key, not both");
        if (require_keys && !o->have_mac_key && !o->have_session_key)
            return cli_usage_error(o->verb, "dialect 1 needs --mac-key HEX (session key, then the NTLM response "
                                            "for non-extended NTLM) and --seq N");
        return 0;
    }
    if (o->have_mac_key || o->have_seq)
        return cli_usage_error(o->verb, "%s applies to dialect 1 only", o->have_mac_key ? "--mac-key" : "--seq");
    if (o->have_signing_key && (o->have_session_key || o->have_preauth))
        return cli_usage_error(o->verb, "give either --signing-key or --session-key [--preauth-hash], not both");
    if (o->have_preauth && o->dialect != SMB_DIALECT_311)
        return cli_usage_error(o->verb, "--preauth-hash applies to dialect 3.1.1 only");
    if (o->have_session_key && o->dialect == SMB_DIALECT_311 && !o->have_preauth)
        return cli_usage_error(o->verb, "dialect 3.1.1 derives keys from --session-key and --preauth-hash: "
                                        "--preauth-hash is missing");
    if (require_keys && !o->have_session_key && !o->have_signing_key)
        return cli_usage_error(o->verb, "a key is required: --session-key HEX%s or --signing-key HEX",
                               o->dialect == SMB_DIALECT_311 ? " --preauth-hash HEX" : "");
    return 0;
}

int signopt_ctx(struct signopt *o, smb_sign_ctx **out)
{
    smb_status st;
    if (o->dialect == SMB_DIALECT_SMB1)
        st = o->have_mac_key ? smb_sign_ctx_new_smb1(out, o->mac_key, o->mac_key_len)
                             : smb_sign_ctx_new_smb1(out, o->session_key, 16);
    else if (o->have_signing_key)
        st = smb_sign_ctx_new(out, o->dialect, o->alg, o->signing_key);
    else
        st = smb_sign_ctx_new_session(out, o->dialect, o->alg, o->session_key, 16,
                                      o->have_preauth ? o->preauth : NULL);
    smb_wipe(o->session_key, sizeof o->session_key);
    smb_wipe(o->signing_key, sizeof o->signing_key);
    smb_wipe(o->mac_key, sizeof o->mac_key);
    if (st != SMB_OK) {
        cli_err(o->verb, "cannot prepare the signing key: %s", smb_status_name(st));
        return CLI_EXIT_USAGE;
    }
    return 0;
}

static int read_stdin(const char *verb, size_t max, uint8_t **buf, size_t *len)
{
    int rc = cli_read_stream(stdin, max, buf, len);
    if (rc == -2)
        return cli_usage_error(verb, "input larger than %zu bytes", max);
    if (rc != 0)
        return cli_usage_error(verb, "cannot read standard input");
    return 0;
}

static int decode_hex_input(const char *verb, uint8_t *text, size_t tlen, uint8_t **msg, size_t *len)
{
    size_t cap = tlen / 2 + 1, n = 0, off = 0;
    uint8_t *out = malloc(cap);
    if (!out)
        return cli_usage_error(verb, "out of memory");
    smb_status st = hex_decode((const char *)text, tlen, out, cap, &n, &off);
    if (st != SMB_OK) {
        free(out);
        if (st == SMB_E_BAD_HEX)
            return cli_usage_error(verb, "bad hex at offset %zu of standard input", off);
        return cli_usage_error(verb, "cannot decode hex input: %s", smb_status_name(st));
    }
    *msg = out;
    *len = n;
    return 0;
}

int cli_read_message(const char *verb, bool hex, uint8_t **msg, size_t *len)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc = read_stdin(verb, hex ? CLI_MAX_HEX_TEXT : CLI_MAX_MESSAGE, &buf, &n);
    if (rc)
        return rc;
    if (!hex) {
        *msg = buf;
        *len = n;
        return 0;
    }
    rc = decode_hex_input(verb, buf, n, msg, len);
    free(buf);
    if (rc == 0 && *len > CLI_MAX_MESSAGE) {
        free(*msg);
        return cli_usage_error(verb, "message larger than %u bytes", CLI_MAX_MESSAGE);
    }
    return rc;
}

int cli_read_message_auto(const char *verb, uint8_t **msg, size_t *len)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc = read_stdin(verb, CLI_MAX_HEX_TEXT, &buf, &n);
    if (rc)
        return rc;
    if (n > 0 && (buf[0] == 0xFF || buf[0] == 0xFE || buf[0] == 0xFD || buf[0] == 0xFC)) {
        if (n > CLI_MAX_MESSAGE) {
            free(buf);
            return cli_usage_error(verb, "message larger than %u bytes", CLI_MAX_MESSAGE);
        }
        *msg = buf;
        *len = n;
        return 0;
    }
    rc = decode_hex_input(verb, buf, n, msg, len);
    free(buf);
    return rc;
}

int cli_write_message(const uint8_t *msg, size_t len, bool hex)
{
    if (!hex)
        return fwrite(msg, 1, len, stdout) == len ? 0 : -1;
    /* one line of lowercase hex, whatever the length */
    char chunk[2 * 4096 + 1];
    for (size_t off = 0; off < len; off += 4096) {
        size_t n = len - off < 4096 ? len - off : 4096;
        hex_encode(msg + off, n, chunk);
        if (fputs(chunk, stdout) < 0)
            return -1;
    }
    return putchar('\n') == EOF ? -1 : 0;
}

int signopt_parse(struct signopt *o, int argc, char **argv, void (*help)(void), bool *hex)
{
    static const struct option lo[] = {SIGNOPT_LONGOPTS,
                                       {"hex", no_argument, NULL, 'x'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    int c, rc;
    *hex = false;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'h') {
            help();
            return -1;
        } else if (c == 'x') {
            *hex = true;
        } else if (c >= SO_DIALECT && c <= SO_ALGORITHM) {
            if ((rc = signopt_handle(o, c, optarg)))
                return rc;
        } else {
            return cli_usage_error(o->verb, "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(o->verb, "unexpected argument '%s' (the message is read on standard input)",
                               argv[optind]);
    return signopt_check(o, true);
}
