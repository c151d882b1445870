/*
 * trace/keys.c - the credential table of the capture verifier: passwords
 * (NTOWFv1 computed at once; the password itself is wiped), NT hashes and
 * exported session keys by SessionId (the form Wireshark's SMB2 key table
 * takes). See trace.h for the syntax.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ntlmssp.h"
#include "base/hex.h"
#include "crypto/crypto.h"
#include "trace/trace.h"

__attribute__((format(printf, 3, 4))) static smb_status fail(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return SMB_E_BAD_ARGUMENT;
}

smb_status trace_cred_parse(enum trace_cred_kind kind, const char *text, struct trace_cred *out, char *why,
                            size_t whycap)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    if (kind == TC_PASSWORD) {
        const char *pct = strchr(text, '%');
        if (!pct)
            return fail(why, whycap, "'%s': expected USER%%PASSWORD", text);
        size_t ul = (size_t)(pct - text);
        if (ul >= sizeof out->user)
            return fail(why, whycap, "'%.40s...': user name too long", text);
        memcpy(out->user, text, ul);
        /* DOMAIN\user: the NTOWFv2 domain comes from the captured AUTHENTICATE, keep the user part */
        char *bs = strchr(out->user, '\\');
        if (bs)
            memmove(out->user, bs + 1, strlen(bs + 1) + 1);
        if (smb_ntlm_nt_hash(pct + 1, out->nt_hash) != SMB_OK)
            return fail(why, whycap, "%s: password is not valid UTF-8 or too long", out->user);
        return SMB_OK;
    }
    const char *colon = strchr(text, ':');
    if (!colon)
        return fail(why, whycap, "'%s': expected %s", text, kind == TC_NT_HASH ? "USER:HEX32" : "SESSIONID:HEX");
    size_t hl = (size_t)(colon - text);
    if (kind == TC_NT_HASH) {
        if (hl >= sizeof out->user)
            return fail(why, whycap, "'%.40s...': user name too long", text);
        memcpy(out->user, text, hl);
        size_t got = 0, eo = 0;
        if (hex_decode_exact(colon + 1, out->nt_hash, 16, &got, &eo) != SMB_OK)
            return fail(why, whycap, "NT hash of '%s' must be 32 hex digits", out->user);
        return SMB_OK;
    }
    char idtext[40];
    if (hl == 0 || hl >= sizeof idtext)
        return fail(why, whycap, "'%s': bad SESSIONID", text);
    memcpy(idtext, text, hl);
    idtext[hl] = 0;
    char *end = NULL;
    errno = 0;
    unsigned long long id = strtoull(idtext, &end, 16);
    if (errno || !end || *end)
        return fail(why, whycap, "'%s': SESSIONID must be hexadecimal (as Wireshark shows it)", idtext);
    out->session_id = id;
    size_t got = 0, eo = 0;
    if (hex_decode(colon + 1, strlen(colon + 1), out->key, sizeof out->key, &got, &eo) != SMB_OK || got == 0)
        return fail(why, whycap, "session key for '%s' must be hex (16 to 64 bytes)", idtext);
    out->key_len = got;
    return SMB_OK;
}

smb_status trace_cred_parse_line(const char *line, struct trace_cred *out, char *why, size_t whycap)
{
    while (isspace((unsigned char)*line))
        line++;
    if (!*line || *line == '#')
        return SMB_E_NOT_FOUND;
    char buf[512];
    size_t n = strlen(line);
    if (n >= sizeof buf)
        return fail(why, whycap, "%s", "line too long");
    memcpy(buf, line, n + 1);
    while (n && isspace((unsigned char)buf[n - 1]))
        buf[--n] = 0;
    char *arg = buf;
    enum trace_cred_kind kind = TC_PASSWORD;
    static const struct {
        const char *word;
        enum trace_cred_kind kind;
    } words[] = {{"-U", TC_PASSWORD},          {"--user", TC_PASSWORD},        {"user", TC_PASSWORD},
                 {"--nt-hash", TC_NT_HASH},    {"nt-hash", TC_NT_HASH},        {"--session-key", TC_SESSION_KEY},
                 {"session-key", TC_SESSION_KEY}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t wl = strlen(words[i].word);
        if (!strncmp(buf, words[i].word, wl) && (isspace((unsigned char)buf[wl]) || buf[wl] == '=')) {
            kind = words[i].kind;
            arg = buf + wl + 1;
            while (isspace((unsigned char)*arg))
                arg++;
            break;
        }
    }
    smb_status st = trace_cred_parse(kind, arg, out, why, whycap);
    smb_wipe(buf, sizeof buf);
    return st;
}
