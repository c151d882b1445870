/*
 * cli/cmd_explain.c - smbsign explain: decode an SMB1/SMB2 header read on
 * stdin (raw or hex, detected) and explain its signing fields: flags,
 * signature, session, whether the message is subject to signing and, given
 * keys, whether it verifies.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "cli/cli.h"
#include "cli/msgcheck.h"
#include "cli/signopt.h"
#include "crypto/crypto.h"
#include "smbsign/crypt.h"
#include "wire/smb1/header.h"
#include "wire/smb2/header.h"

static void help(void)
{
    printf("usage: smbsign explain [--hex|--raw] [--dialect D KEYOPTS [--seq N]] [--signing-optional] < MESSAGE\n"
           "\n"
           "Decode the SMB1 or SMB2 header of one message on standard input (raw bytes\n"
           "or hex text, detected from the first byte unless --hex/--raw) and explain its\n"
           "signing fields: the SIGNED flag, the signature, the session, whether the\n"
           "protocol signs this message at all, and - when keys are given - whether the\n"
           "signature verifies. Each element of an SMB2 compound chain is explained.\n"
           "\n"
           "Key options are those of 'smbsign sign' (--dialect, --session-key,\n"
           "--preauth-hash, --signing-key, --mac-key, --seq, --algorithm). By default the\n"
           "session is taken to require signing, so an unsigned message is reported as\n"
           "'unsigned-but-required'; --signing-optional describes a session that does not.\n"
           "\n"
           "An SMB 3.x TRANSFORM message (fd534d42, MS-SMB2 2.2.41) is explained as\n"
           "one: nonce, OriginalMessageSize, SessionId; with --cipher and a key it is\n"
           "decrypted and verified, and the SMB2 message(s) inside are explained.\n"
           "  --cipher C            aes-128-ccm aes-128-gcm aes-256-ccm aes-256-gcm\n"
           "  --cipher-key HEX      the sender's cipher key (16 or 32 bytes), or\n"
           "  --session-key + --dialect (+ --preauth-hash for 3.1.1) and\n"
           "  --sender client|server   which side sent it (default client)\n"
           "\n"
           "Examples:\n"
           "  smbsign explain < capture-message.bin\n"
           "  echo fe534d42... | smbsign explain --dialect 3.1.1 --signing-key KEY\n"
           "\n"
           "Exit status: 0 explained (and, with keys, acceptable), 1 with keys: the message\n"
           "fails verification or a transform does not decrypt, 2 usage or input error.\n");
}

static const char *smb1_cmd_name(uint8_t c)
{
    switch (c) {
    case SMB1_COM_CLOSE: return "CLOSE";
    case SMB1_COM_ECHO: return "ECHO";
    case SMB1_COM_READ_ANDX: return "READ_ANDX";
    case SMB1_COM_WRITE_ANDX: return "WRITE_ANDX";
    case SMB1_COM_TRANSACTION2: return "TRANSACTION2";
    case SMB1_COM_TREE_DISCONNECT: return "TREE_DISCONNECT";
    case SMB1_COM_NEGOTIATE: return "NEGOTIATE";
    case SMB1_COM_SESSION_SETUP_ANDX: return "SESSION_SETUP_ANDX";
    case SMB1_COM_LOGOFF_ANDX: return "LOGOFF_ANDX";
    case SMB1_COM_TREE_CONNECT_ANDX: return "TREE_CONNECT_ANDX";
    case SMB1_COM_NT_TRANSACT: return "NT_TRANSACT";
    case SMB1_COM_NT_CREATE_ANDX: return "NT_CREATE_ANDX";
    case SMB1_COM_NT_CANCEL: return "NT_CANCEL";
    case SMB1_COM_LOCKING_ANDX: return "LOCKING_ANDX";
    }
    return "UNKNOWN";
}

static void print_result(smb_status st, smb_verify_result r, const uint8_t *exp, const uint8_t *found, size_t n,
                         smb_sign_alg alg, int *neg)
{
    char he[33], hf[33];
    if (st != SMB_OK) {
        printf("verification    error: %s\n", smb_status_name(st));
        *neg = 1;
        return;
    }
    hex_encode(exp, n, he);
    hex_encode(found, n, hf);
    switch (r) {
    case SMB_VERIFY_VALID: printf("verification    valid (%s)\n", smb_alg_name(alg)); break;
    case SMB_VERIFY_BAD_SIGNATURE:
        printf("verification    bad-signature (%s): expected %s, found %s\n", smb_alg_name(alg), he, hf);
        break;
    case SMB_VERIFY_UNSIGNED_BUT_REQUIRED:
        printf("verification    unsigned-but-required: the session requires signing and the SIGNED flag is "
               "clear; reject\n");
        break;
    case SMB_VERIFY_UNSIGNED_ALLOWED:
        printf("verification    unsigned-allowed: unsigned, and the session does not require signing\n");
        break;
    case SMB_VERIFY_NOT_SUBJECT: printf("verification    not-subject: nothing to verify\n"); break;
    }
    if (!smb_verify_acceptable(r))
        *neg = 1;
}

static void explain_smb2(const uint8_t *m, size_t n, smb_sign_ctx *ctx, bool must_sign, int *neg)
{
    smb_rd r;
    struct smb2_hdr h;
    rd_init(&r, m, n);
    smb_status hst = smb2_hdr_decode(&r, &h);
    if (hst != SMB_OK) {
        printf("protocol        SMB2, but the 64-byte header does not decode (%s, message %zu bytes)\n",
               smb_status_name(hst), n);
        *neg = 1;
        return;
    }
    bool rsp = smb2_hdr_is_response(&h);
    printf("protocol        SMB2 (ProtocolId fe534d42, header 64 bytes, message %zu bytes)\n", n);
    printf("command         %s (0x%04x)\n", smb2_command_name(h.command), h.command);
    printf("direction       %s\n", rsp ? "response (SMB2_FLAGS_SERVER_TO_REDIR)" : "request");
    if (rsp)
        printf("status          0x%08" PRIx32 "%s\n", h.status, h.status == 0x103 ? " STATUS_PENDING" : "");
    printf("flags           0x%08" PRIx32, h.flags);
    static const struct {
        uint32_t bit;
        const char *name;
    } fl[] = {{SMB2_FLAGS_SERVER_TO_REDIR, "SERVER_TO_REDIR"}, {SMB2_FLAGS_ASYNC_COMMAND, "ASYNC_COMMAND"},
              {SMB2_FLAGS_RELATED_OPERATIONS, "RELATED_OPERATIONS"}, {SMB2_FLAGS_SIGNED, "SIGNED"},
              {SMB2_FLAGS_DFS_OPERATIONS, "DFS_OPERATIONS"}, {SMB2_FLAGS_REPLAY_OPERATION, "REPLAY_OPERATION"}};
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
        if (h.flags & fl[i].bit)
            printf(" %s", fl[i].name);
    printf("\n");
    printf("message-id      %" PRIu64 "%s\n", h.message_id,
           h.message_id == SMB2_OPLOCK_BREAK_MESSAGE_ID ? " (0xFFFFFFFFFFFFFFFF: unsolicited notification)" : "");
    if (h.flags & SMB2_FLAGS_ASYNC_COMMAND)
        printf("async-id        0x%016" PRIx64 "\n", h.async_id);
    else
        printf("tree-id         0x%08" PRIx32 "\n", h.tree_id);
    printf("session-id      0x%016" PRIx64 "\n", h.session_id);
    printf("next-command    %" PRIu32 "\n", h.next_command);
    char sig[33];
    hex_encode(h.signature, 16, sig);
    static const uint8_t z[16];
    printf("signature       %s%s\n", sig, memcmp(h.signature, z, 16) == 0 ? " (all zero)" : "");
    bool signed_flag = (h.flags & SMB2_FLAGS_SIGNED) != 0;
    printf("signed-flag     %s\n", signed_flag ? "set: the sender claims this message is signed"
                                               : "clear: the sender did not sign this message");
    const char *why = smb2_sign_not_subject(m);
    if (why)
        printf("subject         no: %s messages are never signed (MS-SMB2 3.2.5.1.3, 3.3.5.2.4)\n", why);
    else
        printf("subject         yes: on a session that signs, this message must carry a valid signature\n");
    if (h.command == SMB2_SESSION_SETUP)
        printf("note            SESSION_SETUP messages exchanged before the session has a key are unsigned; the "
               "final (STATUS_SUCCESS) response is signed in 3.x and the client must verify it (MS-SMB2 3.3.5.5.3, "
               "3.2.5.3.1); use --signing-optional for the earlier ones\n");
    if (!ctx) {
        printf("verification    not checked (give --dialect and a key to verify)\n");
        return;
    }
    smb_verify_result vr;
    uint8_t exp[16], found[16];
    smb_status st = smb2_verify(ctx, m, n, must_sign, &vr, exp, found);
    print_result(st, vr, exp, found, 16, smb_sign_ctx_alg(ctx), neg);
}

static void explain_smb1(const uint8_t *m, size_t n, smb_sign_ctx *ctx, uint32_t seq, bool must_sign, int *neg)
{
    smb_rd r;
    struct smb1_hdr h;
    rd_init(&r, m, n);
    smb_status hst = smb1_hdr_decode(&r, &h);
    if (hst != SMB_OK) {
        printf("protocol        SMB1, but the 32-byte header does not decode (%s, message %zu bytes)\n",
               smb_status_name(hst), n);
        *neg = 1;
        return;
    }
    printf("protocol        SMB1 (ProtocolId ff534d42, header 32 bytes, message %zu bytes)\n", n);
    printf("command         %s (0x%02x)\n", smb1_cmd_name(h.command), h.command);
    printf("direction       %s\n", smb1_hdr_is_reply(&h) ? "reply (FLAGS_REPLY)" : "request");
    printf("status          0x%08" PRIx32 "\n", h.status);
    printf("flags           0x%02x\n", h.flags);
    printf("flags2          0x%04x%s%s\n", h.flags2,
           (h.flags2 & SMB1_FLAGS2_SMB_SECURITY_SIGNATURE) ? " SMB_SECURITY_SIGNATURE" : "",
           (h.flags2 & SMB1_FLAGS2_SMB_SECURITY_SIGNATURE_REQUIRED) ? " SECURITY_SIGNATURE_REQUIRED" : "");
    printf("uid             %u\n", h.uid);
    printf("tid             %u\n", h.tid);
    printf("mid             %u%s\n", h.mid, h.mid == 0xFFFF ? " (0xFFFF: unsolicited, e.g. oplock break)" : "");
    char sig[17];
    hex_encode(h.signature, 8, sig);
    printf("signature       %s%s\n", sig,
           memcmp(h.signature, "BSRSPYL ", 8) == 0 ? " (\"BSRSPYL \" placeholder: no key exists yet)" : "");
    bool signed_flag = (h.flags2 & SMB1_FLAGS2_SMB_SECURITY_SIGNATURE) != 0;
    printf("signed-flag     %s\n", signed_flag ? "set (FLAGS2_SMB_SECURITY_SIGNATURE)" : "clear");
    const char *why = smb1_sign_not_subject(m);
    if (why)
        printf("subject         no: %s is not signed (MS-CIFS 3.1.4.1)\n", why);
    else
        printf("subject         yes, once signing is active: MAC = MD5(key || message with sequence number)[0..8]\n");
    if (!ctx) {
        printf("verification    not checked (give --dialect 1 --mac-key KEY --seq N to verify)\n");
        return;
    }
    smb_verify_result vr;
    uint8_t exp[8], found[8];
    printf("sequence        %" PRIu32 "\n", seq);
    smb_status st = smb1_verify(ctx, m, n, seq, must_sign, &vr, exp, found);
    print_result(st, vr, exp, found, 8, SMB_ALG_MD5, neg);
}

/* A TRANSFORM message: print its header; decrypt in place when a key is
 * given. Returns 0 and sets *plain (NULL when not decrypted), or 1 when it
 * does not decrypt, or a usage exit code. */
static int explain_transform(uint8_t *msg, size_t len, const struct signopt *o, smb_cipher cipher,
                             const uint8_t *ckey, size_t cklen, bool from_server, uint8_t **plain, size_t *plen)
{
    smb_transform_hdr h;
    char hx[65];
    *plain = NULL;
    if (smb_crypt_transform_decode(msg, len, &h) != SMB_OK)
        return cli_usage_error("explain", "TRANSFORM message shorter than its 52-byte header (%zu bytes)", len);
    printf("message SMB3 TRANSFORM_HEADER (encrypted, MS-SMB2 2.2.41)\n");
    hex_encode(h.signature, 16, hx);
    printf("signature %s (the AEAD tag)\n", hx);
    hex_encode(h.nonce, 16, hx);
    printf("nonce %s (CCM uses 11 bytes, GCM 12)\n", hx);
    printf("original-message-size %u\n", h.original_size);
    printf("payload-bytes %zu (%s)\n", len - SMB2_TRANSFORM_HDR_LEN,
           h.original_size == len - SMB2_TRANSFORM_HDR_LEN ? "matches" : "does not match: refused");
    printf("flags 0x%04x%s\n", h.flags, h.flags == SMB2_TRANSFORM_FLAG_ENCRYPTED ? " (encrypted)" : " (invalid)");
    printf("session-id 0x%016" PRIx64 "\n", h.session_id);
    printf("signed no (an encrypted message is authenticated by its transform, not signed)\n");
    if (cipher == SMB_CIPHER_NONE) {
        printf("decrypts unknown (give --cipher and a key)\n");
        return 0;
    }
    smb_crypt_ctx *cx = NULL;
    smb_status st;
    if (cklen)
        st = smb_crypt_ctx_new(&cx, cipher, NULL, ckey);
    else if (o->have_session_key && o->have_dialect) {
        /* the receiver's context: its receive key is the sender's send key */
        st = smb_crypt_ctx_new_session(&cx, o->dialect, cipher, !from_server, o->session_key, 16,
                                       o->have_preauth ? o->preauth : NULL);
    } else
        return cli_usage_error("explain", "--cipher needs --cipher-key, or --session-key with --dialect");
    if (st != SMB_OK)
        return cli_usage_error("explain", "cannot use that cipher and key: %s (AES-256 and GCM need 3.1.1, "
                                          "3.1.1 needs --preauth-hash)", smb_status_name(st));
    st = smb_crypt_decrypt(cx, h.session_id, msg, len, plain, plen);
    smb_crypt_ctx_free(cx);
    printf("cipher %s\n", smb_cipher_name(cipher));
    printf("decrypts %s\n", st == SMB_OK ? "yes (tag verified)" : "no");
    if (st != SMB_OK)
        printf("reason %s\n", smb_status_name(st));
    else
        printf("\ninner message (%zu bytes)\n", *plen);
    return st == SMB_OK ? 0 : CLI_EXIT_NEGATIVE;
}

int cmd_explain(int argc, char **argv)
{
    struct signopt o = {.verb = "explain"};
    int mode = 0; /* 0 auto, 1 hex, 2 raw */
    bool must_sign = true, from_server = false;
    smb_cipher cipher = SMB_CIPHER_NONE;
    uint8_t ckey[32];
    size_t cklen = 0;
    static const struct option lo[] = {SIGNOPT_LONGOPTS,
                                       {"hex", no_argument, NULL, 'x'},
                                       {"raw", no_argument, NULL, 'r'},
                                       {"signing-optional", no_argument, NULL, 'o'},
                                       {"cipher", required_argument, NULL, 'C'},
                                       {"cipher-key", required_argument, NULL, 'K'},
                                       {"sender", required_argument, NULL, 'S'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    int c, rc;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'h') {
            help();
            return CLI_EXIT_OK;
        } else if (c == 'x') {
            mode = 1;
        } else if (c == 'r') {
            mode = 2;
        } else if (c == 'o') {
            must_sign = false;
        } else if (c == 'C') {
            if (smb_cipher_parse(optarg, &cipher) || cipher == SMB_CIPHER_NONE)
                return cli_usage_error("explain", "--cipher wants aes-128-ccm, aes-128-gcm, aes-256-ccm or aes-256-gcm");
        } else if (c == 'K') {
            size_t off = 0;
            if (hex_decode(optarg, strlen(optarg), ckey, sizeof ckey, &cklen, &off) != SMB_OK ||
                (cklen != 16 && cklen != 32))
                return cli_usage_error("explain", "--cipher-key wants 16 or 32 bytes of hex");
        } else if (c == 'S') {
            if (strcmp(optarg, "client") && strcmp(optarg, "server"))
                return cli_usage_error("explain", "--sender wants client or server");
            from_server = !strcmp(optarg, "server");
        } else if (c >= SO_DIALECT && c <= SO_ALGORITHM) {
            if ((rc = signopt_handle(&o, c, optarg)))
                return rc;
        } else {
            return cli_usage_error("explain", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("explain", "unexpected argument '%s' (the message is read on standard input)",
                               argv[optind]);
    bool keys = o.have_session_key || o.have_signing_key || o.have_mac_key;
    if (cipher != SMB_CIPHER_NONE)
        keys = false; /* the keys are for the transform: encrypted messages are not signed */
    if (keys || (o.have_dialect && cipher == SMB_CIPHER_NONE))
        if ((rc = signopt_check(&o, keys)))
            return rc;

    uint8_t *msg = NULL;
    size_t len = 0;
    smb_sign_ctx *ctx = NULL;
    int neg = 0;
    rc = mode == 0 ? cli_read_message_auto("explain", &msg, &len) : cli_read_message("explain", mode == 1, &msg, &len);
    if (rc)
        return rc;
    uint8_t *inner = msg;
    if (smb_crypt_is_transform(msg, len)) {
        uint8_t *plain;
        size_t plen;
        rc = explain_transform(msg, len, &o, cipher, ckey, cklen, from_server, &plain, &plen);
        smb_wipe(ckey, sizeof ckey);
        if (rc || !plain)
            goto out;
        inner = plain; /* explain the decrypted SMB2 message(s): not signed */
        len = plen;
        must_sign = false;
    }
    smb_dialect fam = (len > 0 && inner[0] == 0xFF) ? SMB_DIALECT_SMB1 : SMB_DIALECT_311;
    if (o.have_dialect && (o.dialect == SMB_DIALECT_SMB1) != (fam == SMB_DIALECT_SMB1)) {
        rc = cli_usage_error("explain", "--dialect %s does not match the message (an %s message)",
                             smb_dialect_name(o.dialect), fam == SMB_DIALECT_SMB1 ? "SMB1" : "SMB2");
        goto out;
    }
    if ((rc = cli_check_message("explain", fam, inner, len)))
        goto out;
    if (keys && (rc = signopt_ctx(&o, &ctx)))
        goto out;
    if (fam == SMB_DIALECT_SMB1) {
        explain_smb1(inner, len, ctx, (uint32_t)o.seq, must_sign, &neg);
    } else {
        size_t off = 0, elen = 0, next = 0;
        int idx = 0;
        bool chain = le32(inner + 20) != 0;
        do {
            if (smb2_compound_next(inner, len, off, &elen, &next) != SMB_OK) {
                rc = cli_usage_error("explain", "compound element at offset %zu: bad NextCommand or short element",
                                     off);
                goto out;
            }
            if (chain)
                printf("%selement %d at offset %zu (%zu bytes, signed over its own bytes)\n", idx ? "\n" : "", idx,
                       off, elen);
            explain_smb2(inner + off, elen, ctx, must_sign, &neg);
            off = next;
            idx++;
        } while (next != 0);
    }
    rc = neg ? CLI_EXIT_NEGATIVE : CLI_EXIT_OK;
out:
    smb_sign_ctx_free(ctx);
    free(msg);
    return rc;
}
