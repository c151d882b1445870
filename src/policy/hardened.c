/*
 * policy/hardened.c - UNC hardened access paths: parse, match, defaults
 * (smbsign/hardened.h). Sources: MS15-011 / KB3000483 (the HardenedPaths
 * policy and its three properties), the CIS benchmark item "Hardened UNC
 * Paths" (the \\*\NETLOGON and \\*\SYSVOL entries), and Microsoft's note that
 * Windows 10 applies those two entries by default.
 */
#include <string.h>
#include <strings.h>

#include "policy/text.h"
#include "smbsign/hardened.h"

static bool is_sep(char c) { return c == '\\' || c == '/'; }

static SMB_WUR smb_status component(const char *s, size_t n, char *dst, size_t cap, const char *what,
                            smb_policy_error *err)
{
    pol_trim(&s, &n); /* "\\srv\ share " names the share "share" */
    if (n == 0)
        return pol_fail(err, SMB_E_MALFORMED, 0, "empty %s name in hardened path", what);
    if (n >= cap)
        return pol_fail(err, SMB_E_OVERFLOW, 0, "%s name longer than %zu characters in hardened path", what,
                        cap - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || is_sep((char)c))
            return pol_fail(err, SMB_E_MALFORMED, 0, "bad character in %s name of hardened path", what);
        if (c == '*' && n != 1)
            return pol_fail(err, SMB_E_MALFORMED, 0,
                            "'*' must be the whole %s name in a hardened path (\\\\*\\SHARE or \\\\SERVER\\*)", what);
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
    return SMB_OK;
}

smb_status smb_hardened_parse_pattern(const char *s, size_t n, smb_hardened_rule *out, smb_policy_error *err)
{
    smb_hardened_rule p;
    smb_status st;
    if (!s || !out)
        return pol_fail(err, SMB_E_BAD_ARGUMENT, 0, "no hardened path");
    pol_trim(&s, &n);
    if (n < 2 || !is_sep(s[0]) || !is_sep(s[1]))
        return pol_fail(err, SMB_E_MALFORMED, 0, "hardened path must start with \\\\ (\\\\SERVER\\SHARE)");
    s += 2;
    n -= 2;
    const char *sep = NULL;
    for (size_t i = 0; i < n; i++)
        if (is_sep(s[i])) {
            sep = s + i;
            break;
        }
    if (!sep)
        return pol_fail(err, SMB_E_MALFORMED, 0, "hardened path has no share (\\\\SERVER\\SHARE)");
    size_t sn = (size_t)(sep - s), hn = n - sn - 1;
    if (hn > 0 && is_sep(sep[hn])) /* one trailing separator is tolerated */
        hn--;
    if ((st = component(s, sn, p.server, sizeof p.server, "server", err)) != SMB_OK ||
        (st = component(sep + 1, hn, p.share, sizeof p.share, "share", err)) != SMB_OK)
        return st;
    if (!strcmp(p.server, "*") && !strcmp(p.share, "*"))
        return pol_fail(err, SMB_E_MALFORMED, 0, "\\\\*\\* names nothing: give a server or a share name");
    p.require_mutual_auth = p.require_integrity = p.require_privacy = SMB_VALUE_UNDEFINED;
    *out = p;
    return SMB_OK;
}

smb_status smb_hardened_parse_flags(const char *s, size_t n, smb_hardened_rule *out, smb_policy_error *err)
{
    static const char *const names[] = {"RequireMutualAuthentication", "RequireIntegrity", "RequirePrivacy"};
    int8_t v[3] = {SMB_VALUE_UNDEFINED, SMB_VALUE_UNDEFINED, SMB_VALUE_UNDEFINED};
    if (!out || (!s && n))
        return pol_fail(err, SMB_E_BAD_ARGUMENT, 0, "no hardened path flags");
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        const char *item = s + i;
        size_t in = j - i;
        pol_trim(&item, &in);
        i = j + 1;
        if (in == 0) {
            if (j < n)
                return pol_fail(err, SMB_E_MALFORMED, 0, "empty item in hardened path flags");
            break;
        }
        const char *eq = memchr(item, '=', in);
        if (!eq)
            return pol_fail(err, SMB_E_MALFORMED, 0, "expected NAME=0|1 in hardened path flags, got '%.*s'",
                            (int)(in > 40 ? 40 : in), item);
        const char *k = item, *val = eq + 1;
        size_t kn = (size_t)(eq - item), vn = in - kn - 1;
        pol_trim(&k, &kn);
        pol_trim(&val, &vn);
        int which = -1;
        for (int t = 0; t < 3; t++)
            if (pol_ieq(k, kn, names[t]))
                which = t;
        if (which < 0)
            return pol_fail(err, SMB_E_MALFORMED, 0,
                            "unknown hardened path flag '%.*s' (RequireMutualAuthentication, RequireIntegrity, "
                            "RequirePrivacy)",
                            (int)(kn > 40 ? 40 : kn), k);
        if (vn != 1 || (val[0] != '0' && val[0] != '1'))
            return pol_fail(err, SMB_E_MALFORMED, 0, "%s wants 0 or 1, got '%.*s'", names[which],
                            (int)(vn > 20 ? 20 : vn), val);
        v[which] = (int8_t)(val[0] - '0');
    }
    out->require_mutual_auth = v[0];
    out->require_integrity = v[1];
    out->require_privacy = v[2];
    return SMB_OK;
}

smb_status smb_hardened_parse_list(const char *text, smb_hardened_rule *out, size_t cap, size_t *n,
                                   smb_policy_error *err)
{
    if (!text || !n || (cap && !out))
        return pol_fail(err, SMB_E_BAD_ARGUMENT, 0, "no hardened path list");
    *n = 0;
    size_t len = strlen(text), k = 0, i = 0;
    uint32_t entry = 0;
    {
        const char *t = text;
        size_t tn = len;
        pol_trim(&t, &tn);
        if (tn == 0 || pol_ieq(t, tn, "none"))
            return SMB_OK;
    }
    while (i <= len) {
        size_t j = i;
        while (j < len && text[j] != ';')
            j++;
        const char *e = text + i;
        size_t en = j - i;
        i = j + 1;
        entry++;
        pol_trim(&e, &en);
        if (en == 0) {
            if (j < len || entry == 1)
                return pol_fail(err, SMB_E_MALFORMED, entry, "empty entry in hardened path list");
            break;
        }
        if (k >= cap)
            return pol_fail(err, SMB_E_OVERFLOW, entry, "more than %zu hardened paths", cap);
        const char *eq = memchr(e, '=', en);
        size_t pn = eq ? (size_t)(eq - e) : en;
        smb_hardened_rule p;
        smb_status st = smb_hardened_parse_pattern(e, pn, &p, err);
        if (st == SMB_OK && eq)
            st = smb_hardened_parse_flags(eq + 1, en - pn - 1, &p, err);
        if (st != SMB_OK) {
            if (err)
                err->line = entry;
            return st;
        }
        if (!eq) {
            p.require_mutual_auth = 1;
            p.require_integrity = 1;
        }
        out[k++] = p;
    }
    *n = k;
    return SMB_OK;
}

int smb_hardened_match(const smb_hardened_rule *p, const char *server, const char *share)
{
    if (!p || !server || !share)
        return -1;
    bool any_server = !strcmp(p->server, "*"), any_share = !strcmp(p->share, "*");
    if (!any_server && strcasecmp(p->server, server) != 0)
        return -1;
    if (!any_share && strcasecmp(p->share, share) != 0)
        return -1;
    if (any_server && any_share)
        return -1; /* never parsed; names nothing */
    return any_server ? 1 : any_share ? 2 : 3;
}

const smb_hardened_rule *smb_hardened_lookup(const smb_hardened_rule *list, size_t n, const char *server,
                                             const char *share)
{
    const smb_hardened_rule *best = NULL;
    int best_score = -1;
    for (size_t i = 0; list && i < n; i++) {
        int s = smb_hardened_match(&list[i], server, share);
        if (s > best_score) { /* the first of equally specific entries wins */
            best = &list[i];
            best_score = s;
        }
    }
    return best;
}

const char *smb_hardened_text(const smb_hardened_rule *p, char *buf)
{
    /* Both parts are bounded by the struct, so this always fits. */
    size_t a = strlen(p->server), b = strlen(p->share);
    buf[0] = buf[1] = '\\';
    memcpy(buf + 2, p->server, a);
    buf[2 + a] = '\\';
    memcpy(buf + 3 + a, p->share, b + 1);
    return buf;
}

static const smb_hardened_rule win10_defaults[] = {
    {"*", "SYSVOL", 1, 1, SMB_VALUE_UNDEFINED},
    {"*", "NETLOGON", 1, 1, SMB_VALUE_UNDEFINED},
};

const smb_hardened_rule *smb_hardened_defaults(size_t *n)
{
    if (n)
        *n = sizeof win10_defaults / sizeof win10_defaults[0];
    return win10_defaults;
}

bool smb_hardened_profile_applies_defaults(const smb_profile *p)
{
    if (!p || !p->name || !p->date || p->client_require == SMB_VALUE_UNDEFINED)
        return false;
    if (!strncasecmp(p->name, "samba", 5) || !strncasecmp(p->name, "ksmbd", 5))
        return false;
    /* ISO 8601 dates compare as strings; Windows 10 shipped 2015-07-29. */
    return strcmp(p->date, "2015-07-29") >= 0;
}
