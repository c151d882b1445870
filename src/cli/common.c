/* cli/common.c - helpers shared by the verbs (see cli.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/hex.h"
#include "base/file.h"
#include "cli/cli.h"

static void vmsg(const char *verb, const char *fmt, va_list ap)
{
    fprintf(stderr, "smbsign %s: ", verb);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *verb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(verb, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'smbsign %s --help' for more information.\n", verb);
    return CLI_EXIT_USAGE;
}

void cli_err(const char *verb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(verb, fmt, ap);
    va_end(ap);
}

int cli_read_stream(FILE *f, size_t max, uint8_t **out, size_t *outlen)
{
    smb_status st = smb_read_stream(f, max, out, outlen);
    return st == SMB_OK ? 0 : st == SMB_E_OVERFLOW ? -2 : -1;
}

int cli_read_file(const char *path, size_t max, uint8_t **out, size_t *outlen)
{
    if (strcmp(path, "-") == 0)
        return cli_read_stream(stdin, max, out, outlen);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -3;
    int rc = cli_read_stream(f, max, out, outlen);
    fclose(f);
    return rc;
}

int cli_hex_arg(const char *verb, const char *opt, const char *text, uint8_t *out, size_t want)
{
    size_t got = 0, off = 0;
    smb_status st = hex_decode_exact(text, out, want, &got, &off);
    if (st == SMB_E_BAD_HEX)
        return cli_usage_error(verb, "%s: bad hex at offset %zu", opt, off);
    if (st == SMB_E_OVERFLOW)
        return cli_usage_error(verb, "%s: value too long (expected %zu bytes)", opt, want);
    if (st != SMB_OK)
        return cli_usage_error(verb, "%s: expected %zu bytes (%zu hex digits), got %zu bytes", opt, want,
                               2 * want, got);
    return 0;
}

int cli_u64_arg(const char *verb, const char *opt, const char *text, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!text || !*text || *text == '-')
        return cli_usage_error(verb, "%s: expected a non-negative integer, got '%s'", opt, text ? text : "");
    unsigned long long v = strtoull(text, &end, 0);
    if (errno || *end || v > max)
        return cli_usage_error(verb, "%s: invalid value '%s' (0..%" PRIu64 ")", opt, text, max);
    *out = v;
    return 0;
}

int cli_use_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return 0;
    return isatty(fileno(f));
}
