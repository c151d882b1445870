/*
 * cli/signopt.h - what the sign, verify and explain verbs share: the key
 * options (--dialect, --session-key, --preauth-hash, --signing-key,
 * --mac-key, --seq, --algorithm), reading one message from stdin (raw or
 * hex), and building a signing context from them.
 */
#ifndef SMBSIGN_CLI_SIGNOPT_H
#define SMBSIGN_CLI_SIGNOPT_H

#include <stdbool.h>
#include <stdint.h>

#include "smbsign/sign.h"

/* Largest message accepted on stdin (a 8 MiB READ/WRITE plus headers). */
#define CLI_MAX_MESSAGE (8u * 1024 * 1024 + 4096)
/* Largest hex text accepted (two digits per byte plus whitespace). */
#define CLI_MAX_HEX_TEXT (4u * CLI_MAX_MESSAGE)

struct signopt {
    const char *verb;
    bool have_dialect;
    smb_dialect dialect;
    bool have_alg;
    smb_sign_alg alg;
    bool have_session_key, have_preauth, have_signing_key, have_mac_key;
    uint8_t session_key[16];
    uint8_t preauth[64];
    uint8_t signing_key[16];
    uint8_t mac_key[SMB_SIGN_SMB1_MAX_KEY];
    size_t mac_key_len;
    uint64_t seq;
    bool have_seq;
};

/* getopt_long option ids for the shared options (above 256). */
enum {
    SO_DIALECT = 0x100,
    SO_SESSION_KEY,
    SO_PREAUTH,
    SO_SIGNING_KEY,
    SO_MAC_KEY,
    SO_SEQ,
    SO_ALGORITHM
};

#define SIGNOPT_LONGOPTS                                                                           \
    {"dialect", required_argument, NULL, SO_DIALECT},                                              \
        {"session-key", required_argument, NULL, SO_SESSION_KEY},                                  \
        {"preauth-hash", required_argument, NULL, SO_PREAUTH},                                     \
        {"signing-key", required_argument, NULL, SO_SIGNING_KEY},                                  \
        {"mac-key", required_argument, NULL, SO_MAC_KEY}, {"seq", required_argument, NULL, SO_SEQ}, \
        {"algorithm", required_argument, NULL, SO_ALGORITHM}

/* Handle one shared option; returns 0 ok, CLI_EXIT_USAGE after printing. */
int signopt_handle(struct signopt *o, int id, const char *arg);
/* Check the combination; require_keys: a key option must be present. */
int signopt_check(struct signopt *o, bool require_keys);
/* Build the context (caller frees). 0 ok, else prints and returns an exit code. */
int signopt_ctx(struct signopt *o, smb_sign_ctx **out);

/* The whole command line of the sign and verify verbs: the shared options,
 * --hex and --help, no positional arguments, keys required. Returns 0 when
 * the caller should go on, -1 after printing help (exit 0), or an exit code
 * after printing a usage error. */
int signopt_parse(struct signopt *o, int argc, char **argv, void (*help)(void), bool *hex);

/* Read all of stdin as one message: raw bytes, or hex text when hex is true.
 * Errors name the problem ("bad hex at offset N"). */
int cli_read_message(const char *verb, bool hex, uint8_t **msg, size_t *len);
/* Autodetect: raw when the input starts with an SMB ProtocolId byte
 * (0xFF, 0xFE, 0xFD, 0xFC), otherwise hex text. */
int cli_read_message_auto(const char *verb, uint8_t **msg, size_t *len);
/* Write msg as raw bytes or as one line of lowercase hex. */
int cli_write_message(const uint8_t *msg, size_t len, bool hex);

#endif
