/*
 * cli/cli.h - the smbsign command line: one table of verbs (cli/main.c), one
 * file per verb (cli/cmd_<verb>.c) defining int cmd_<verb>(int argc, char **argv).
 *
 * Exit codes for every verb: 0 ok, 1 negative result (bad signature, finding
 * at or above the threshold, mismatch), 2 usage or input error.
 *
 * A verb's function receives argv with argv[0] = the verb name, so getopt_long
 * works as usual. Verbs are declared weak: a verb whose file is not linked is
 * listed as unavailable instead of breaking the build.
 */
#ifndef SMBSIGN_CLI_H
#define SMBSIGN_CLI_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_EXIT_OK 0
#define CLI_EXIT_NEGATIVE 1
#define CLI_EXIT_USAGE 2

/* The version comes from debian/changelog through the Makefile (-DSMBSIGN_VERSION). */
#ifndef SMBSIGN_VERSION
#error "SMBSIGN_VERSION is set by the Makefile from debian/changelog"
#endif

/* X(name, summary) - the one table of subcommands, in help order. */
#define CLI_VERBS(X)                                                                               \
    X(demo, "derive keys, sign a sample message, verify it, and show a tampered copy failing")     \
    X(kdf, "derive SMB 3.x signing, encryption, decryption and application keys")                 \
    X(preauth, "compute the SMB 3.1.1 preauth integrity hash chain over messages")                 \
    X(sign, "sign one SMB message read on stdin")                                                   \
    X(verify, "verify the signature of one SMB message read on stdin")                             \
    X(explain, "decode an SMB message header and explain its signing fields")                      \
    X(matrix, "print the documented signing outcome tables (or run them live)")                    \
    X(policy, "evaluate the signing outcome between a client and a server configuration")          \
    X(profiles, "list the built-in OS/role signing defaults")                                      \
    X(audit, "audit .reg / GPO / PowerShell exports for signing settings")                         \
    X(scan, "scan hosts for their SMB signing posture")                                            \
    X(client, "SMB2/3 client that signs and verifies every message")                              \
    X(serve, "small SMB2/3 file server that enforces signing policy")                              \
    X(passwd, "add or change a user in the server's user database")

#define CLI_DECLARE_(name, summary) int cmd_##name(int argc, char **argv) __attribute__((weak));
CLI_VERBS(CLI_DECLARE_)
#undef CLI_DECLARE_

/* Print "smbsign VERB: message" to stderr and return CLI_EXIT_USAGE. */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "smbsign VERB: message" to stderr (no exit code implied). */
void cli_err(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read a whole stream into a malloc'd buffer (caller frees). Caps at max
 * bytes; returns 0 ok, -1 on read error, -2 when the input exceeds max. */
int cli_read_stream(FILE *f, size_t max, uint8_t **out, size_t *outlen);
/* Read a whole file ("-" = stdin). Same return values, -3 when it cannot be opened. */
int cli_read_file(const char *path, size_t max, uint8_t **out, size_t *outlen);

/* Parse a hex option of exactly want bytes; on error prints a message naming
 * the option and the offset and returns CLI_EXIT_USAGE, else 0. */
int cli_hex_arg(const char *verb, const char *opt, const char *text, uint8_t *out, size_t want);
/* Parse an unsigned decimal (or 0x hex) integer option; 0 ok, else usage error printed. */
int cli_u64_arg(const char *verb, const char *opt, const char *text, uint64_t max, uint64_t *out);

/* True when colour output is wanted on this stream (TTY and no NO_COLOR). */
int cli_use_color(FILE *f);

#endif
