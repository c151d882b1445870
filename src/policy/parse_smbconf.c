/*
 * policy/parse_smbconf.c - Samba smb.conf as an audit input (policy.h
 * section 6): the signing, encryption, protocol, role, guest and NTLM
 * parameters, with the file and line that set them.
 *
 * Syntax and value words follow smb.conf(5) and were checked against
 * testparm 4.17 (REFERENCES.md): names compare ignoring case and blanks
 * ("serversigning" is "server signing"); the signing and encryption enums
 * share one word list (No/off/disabled/false/0, if_required/auto/yes/on/
 * enabled/true/1, desired, required/mandatory/force/forced/enforced,
 * default); a value testparm refuses for one of these parameters makes it
 * fail with "Error loading services", so it is an error here too. Unknown
 * parameters are ignored (testparm warns and goes on).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/text.h"

/* name, aliases (blank-free, lower case), default as testparm -v prints it, kind */
enum kind { K_SIGNING, K_ENCRYPT, K_LIST, K_PROTO, K_ROLE, K_GUESTMAP, K_BOOL, K_NTLM };
static const struct {
    const char *name;
    const char *key, *alias; /* compared after removing blanks */
    const char *def;
    enum kind kind;
    bool share; /* may appear in a share section */
} params[SMB_SMBCONF_PARAM_COUNT] = {
    {"server signing", "serversigning", NULL, "default", K_SIGNING, false},
    {"client signing", "clientsigning", NULL, "default", K_SIGNING, false},
    {"client ipc signing", "clientipcsigning", NULL, "default", K_SIGNING, false},
    {"server smb encrypt", "serversmbencrypt", "smbencrypt", "default", K_ENCRYPT, true},
    {"client smb encrypt", "clientsmbencrypt", NULL, "default", K_ENCRYPT, false},
    {"server smb3 signing algorithms", "serversmb3signingalgorithms", NULL,
     "AES-128-GMAC, AES-128-CMAC, HMAC-SHA256", K_LIST, false},
    {"client smb3 signing algorithms", "clientsmb3signingalgorithms", NULL,
     "AES-128-GMAC, AES-128-CMAC, HMAC-SHA256", K_LIST, false},
    {"server smb3 encryption algorithms", "serversmb3encryptionalgorithms", NULL,
     "AES-128-GCM, AES-128-CCM, AES-256-GCM, AES-256-CCM", K_LIST, false},
    {"client smb3 encryption algorithms", "clientsmb3encryptionalgorithms", NULL,
     "AES-128-GCM, AES-128-CCM, AES-256-GCM, AES-256-CCM", K_LIST, false},
    {"server min protocol", "serverminprotocol", "minprotocol", "SMB2_02", K_PROTO, false},
    {"server role", "serverrole", NULL, "auto", K_ROLE, false},
    {"map to guest", "maptoguest", NULL, "Never", K_GUESTMAP, false},
    {"guest ok", "guestok", "public", "No", K_BOOL, true},
    {"ntlm auth", "ntlmauth", NULL, "ntlmv2-only", K_NTLM, false},
};

const char *smb_smbconf_param_name(smb_smbconf_param p)
{
    return (unsigned)p < SMB_SMBCONF_PARAM_COUNT ? params[p].name : NULL;
}

const char *smb_smbconf_param_default(smb_smbconf_param p)
{
    return (unsigned)p < SMB_SMBCONF_PARAM_COUNT ? params[p].def : NULL;
}

/* word -> canonical word, as testparm --parameter-name prints it */
typedef struct word {
    const char *in, *out;
} word;

static const word signing_words[] = {
    {"default", "default"},   {"no", "No"},          {"off", "No"},          {"disabled", "No"},
    {"false", "No"},          {"0", "No"},           {"yes", "if_required"}, {"auto", "if_required"},
    {"on", "if_required"},    {"true", "if_required"}, {"enabled", "if_required"}, {"1", "if_required"},
    {"if_required", "if_required"}, {"desired", "desired"}, {"required", "required"},
    {"mandatory", "required"}, {"force", "required"}, {"forced", "required"}, {"enforced", "required"},
    {NULL, NULL}};
static const word proto_words[] = {
    {"CORE", "CORE"},       {"COREPLUS", "COREPLUS"}, {"LANMAN1", "LANMAN1"}, {"LANMAN2", "LANMAN2"},
    {"NT1", "NT1"},         {"SMB2", "SMB2"},         {"SMB2_02", "SMB2_02"}, {"SMB2_10", "SMB2"},
    {"SMB3", "SMB3"},       {"SMB3_00", "SMB3_00"},   {"SMB3_02", "SMB3_02"}, {"SMB3_11", "SMB3"},
    {NULL, NULL}};
static const word role_words[] = {{"auto", "auto"},
                                  {"standalone", "standalone server"},
                                  {"standalone server", "standalone server"},
                                  {"member", "member server"},
                                  {"member server", "member server"},
                                  {"classic primary domain controller", "classic primary domain controller"},
                                  {"classic backup domain controller", "classic backup domain controller"},
                                  {"active directory domain controller", "active directory domain controller"},
                                  {"dc", "active directory domain controller"},
                                  {NULL, NULL}};
static const word guestmap_words[] = {
    {"never", "Never"}, {"bad user", "Bad User"}, {"bad password", "Bad Password"}, {"bad uid", "Bad Uid"},
    {NULL, NULL}};
static const word bool_words[] = {{"yes", "Yes"}, {"true", "Yes"}, {"on", "Yes"},   {"1", "Yes"},
                                  {"no", "No"},   {"false", "No"}, {"off", "No"},   {"0", "No"},
                                  {NULL, NULL}};
static const word ntlm_words[] = {{"yes", "ntlmv1-permitted"},
                                  {"ntlmv1-permitted", "ntlmv1-permitted"},
                                  {"no", "ntlmv2-only"},
                                  {"ntlmv2-only", "ntlmv2-only"},
                                  {"mschapv2-and-ntlmv2-only", "mschapv2-and-ntlmv2-only"},
                                  {"disabled", "disabled"},
                                  {NULL, NULL}};

static const word *words_of(enum kind k)
{
    switch (k) {
    case K_SIGNING:
    case K_ENCRYPT: return signing_words;
    case K_PROTO: return proto_words;
    case K_ROLE: return role_words;
    case K_GUESTMAP: return guestmap_words;
    case K_BOOL: return bool_words;
    case K_NTLM: return ntlm_words;
    case K_LIST: return NULL;
    }
    return NULL;
}

static const char *find_word(const word *w, const char *v, size_t vn)
{
    for (; w->in; w++)
        if (pol_ieq(v, vn, w->in))
            return w->out;
    return NULL;
}

/* Lower-case copy without blanks (Samba's strwicmp). */
static void squash(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t')
            continue;
        out[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[k] = '\0';
}

static int find_param(const char *name, size_t n)
{
    char sq[64];
    if (n >= 96)
        return -1;
    squash(name, n, sq, sizeof sq);
    for (int i = 0; i < SMB_SMBCONF_PARAM_COUNT; i++)
        if (!strcmp(sq, params[i].key) || (params[i].alias && !strcmp(sq, params[i].alias)))
            return i;
    return -1;
}

typedef struct pctx {
    smb_smbconf *c;
    smb_smbconf_reader reader;
    void *rctx;
    int share; /* -1: [global] */
    unsigned depth;
    char *logical;
} pctx;

static SMB_WUR smb_status parse_text(pctx *P, const char *t, size_t tn, const char *origin, smb_policy_error *err);

/* "dir/of/origin" + "/" + path (path absolute: as is). */
static bool include_path(const char *origin, const char *path, char *out, size_t cap)
{
    if (path[0] == '/')
        return (size_t)snprintf(out, cap, "%s", path) < cap;
    const char *slash = strrchr(origin, '/');
    if (!slash)
        return (size_t)snprintf(out, cap, "%s", path) < cap;
    return (size_t)snprintf(out, cap, "%.*s/%s", (int)(slash - origin), origin, path) < cap;
}

static SMB_WUR smb_status do_include(pctx *P, const char *v, size_t vn, const char *origin, uint32_t line,
                             smb_policy_error *err)
{
    char rel[SMB_POLICY_ORIGIN_MAX], path[SMB_POLICY_ORIGIN_MAX];
    if (memchr(v, '%', vn))
        return SMB_OK; /* per-client substitution (%m, %U...): smbd resolves it per connection */
    if (!pol_copy(rel, sizeof rel, v, vn) || !include_path(origin, rel, path, sizeof path))
        return pol_fail(err, SMB_E_OVERFLOW, line, "include path too long");
    if (!P->reader)
        return pol_fail(err, SMB_E_UNSUPPORTED, line, "include = %s: includes cannot be followed here", path);
    if (P->depth >= SMB_SMBCONF_MAX_INCLUDE_DEPTH)
        return pol_fail(err, SMB_E_OVERFLOW, line, "include = %s: includes nested more than %d deep (a loop?)", path,
                        SMB_SMBCONF_MAX_INCLUDE_DEPTH);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (P->reader(P->rctx, path, &buf, &len) != 0)
        return pol_fail(err, SMB_E_IO, line, "include = %s: cannot read the file", path);
    pol_text tx;
    smb_policy_error e2 = {0, ""};
    smb_status st = pol_text_decode(buf, len, &tx, &e2);
    free(buf);
    if (st == SMB_OK) {
        P->depth++;
        P->c->n_includes++;
        st = parse_text(P, tx.buf, tx.len, path, &e2);
        P->depth--;
        free(tx.buf);
    }
    if (st != SMB_OK)
        return pol_fail(err, st, line, "in include %s line %u: %s", path, e2.line, e2.msg);
    return SMB_OK;
}

static void set_value(smb_smbconf_value *dst, const char *v, size_t vn, uint32_t line, const char *origin)
{
    (void)pol_copy(dst->value, sizeof dst->value, v, vn);
    dst->line = line;
    snprintf(dst->origin, sizeof dst->origin, "%s", origin);
}

static SMB_WUR smb_status assign(pctx *P, const char *name, size_t nn, const char *v, size_t vn, uint32_t line,
                         const char *origin, smb_policy_error *err)
{
    char sq[64];
    squash(name, nn < 96 ? nn : 96, sq, sizeof sq);
    if (!strcmp(sq, "include"))
        return do_include(P, v, vn, origin, line, err);
    int p = find_param(name, nn);
    if (p < 0) {
        P->c->n_unknown++;
        return SMB_OK;
    }
    const char *canon = NULL;
    char list[SMB_SMBCONF_VALUE_MAX];
    size_t cn = vn;
    const word *w = words_of(params[p].kind);
    if (w) {
        canon = find_word(w, v, vn);
        if (!canon) {
            /* smbsign serve's config (inih) allows "value ; comment": Samba
             * does not, so this is only tried when the whole value is no word */
            size_t k = 0;
            while (k < vn && !((v[k] == ';' || v[k] == '#') && k > 0 && (v[k - 1] == ' ' || v[k - 1] == '\t')))
                k++;
            const char *x = v;
            size_t xn = k;
            pol_trim(&x, &xn);
            if (k < vn)
                canon = find_word(w, x, xn);
        }
        if (canon)
            cn = strlen(canon);
        if (!canon)
            return pol_fail(err, SMB_E_MALFORMED, line, "%s = %.*s: not a value Samba accepts", params[p].name,
                            (int)(vn > 40 ? 40 : vn), v);
    } else {
        /* a list: items separated by commas and/or blanks, written back
         * "A, B, C" as testparm prints it */
        size_t k = 0;
        for (size_t i = 0; i < vn;) {
            while (i < vn && (v[i] == ',' || v[i] == ' ' || v[i] == '\t'))
                i++;
            size_t st = i;
            while (i < vn && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
                i++;
            if (i == st)
                break;
            if (k + (k ? 2 : 0) + (i - st) >= sizeof list)
                return pol_fail(err, SMB_E_OVERFLOW, line, "%s: value longer than %d characters", params[p].name,
                                SMB_SMBCONF_VALUE_MAX - 1);
            if (k) {
                list[k++] = ',';
                list[k++] = ' ';
            }
            memcpy(list + k, v + st, i - st);
            k += i - st;
        }
        list[k] = '\0';
        canon = list;
        cn = k;
    }
    if (P->share >= 0) {
        smb_smbconf_share *sh = &P->c->share[P->share];
        if (p == SMB_SMBCONF_GUEST_OK)
            set_value(&sh->guest_ok, canon, cn, line, origin);
        else if (p == SMB_SMBCONF_SERVER_SMB_ENCRYPT)
            set_value(&sh->smb_encrypt, canon, cn, line, origin);
        /* a global-only parameter in a share is ignored by smbd (testparm warns) */
        return SMB_OK;
    }
    set_value(&P->c->global[p], canon, cn, line, origin);
    return SMB_OK;
}

static SMB_WUR smb_status section(pctx *P, const char *s, size_t n, uint32_t line, smb_policy_error *err)
{
    const char *name = s + 1;
    size_t nn = n - 2;
    pol_trim(&name, &nn);
    if (nn == 0)
        return pol_fail(err, SMB_E_MALFORMED, line, "empty section name '[]'");
    if (pol_ieq(name, nn, "global")) {
        P->share = -1;
        return SMB_OK;
    }
    smb_smbconf *c = P->c;
    for (size_t i = 0; i < c->n_shares; i++)
        if (pol_ieq(name, nn, c->share[i].name)) {
            P->share = (int)i; /* a repeated section continues the share, as in Samba */
            return SMB_OK;
        }
    if (c->n_shares >= SMB_SMBCONF_MAX_SHARES)
        return pol_fail(err, SMB_E_OVERFLOW, line, "more than %d shares", SMB_SMBCONF_MAX_SHARES);
    smb_smbconf_share *sh = &c->share[c->n_shares];
    memset(sh, 0, sizeof *sh);
    if (!pol_copy(sh->name, sizeof sh->name, name, nn))
        return pol_fail(err, SMB_E_OVERFLOW, line, "share name longer than %zu characters", sizeof sh->name - 1);
    sh->line = line;
    P->share = (int)c->n_shares++;
    return SMB_OK;
}

static SMB_WUR smb_status parse_text(pctx *P, const char *t, size_t tn, const char *origin, smb_policy_error *err)
{
    pol_lines L;
    const char *ln;
    size_t n;
    pol_lines_init(&L, t, tn);
    while (pol_lines_next(&L, &ln, &n)) {
        uint32_t lineno = L.lineno;
        pol_trim(&ln, &n);
        if (n && (ln[0] == '#' || ln[0] == ';'))
            continue;
        /* '\' at the end continues the logical line */
        size_t ll = 0;
        for (;;) {
            bool cont = n > 0 && ln[n - 1] == '\\';
            size_t take = cont ? n - 1 : n;
            if (ll + take > SMB_POLICY_MAX_LINE)
                return pol_fail(err, SMB_E_OVERFLOW, lineno, "line longer than %u characters", SMB_POLICY_MAX_LINE);
            memcpy(P->logical + ll, ln, take);
            ll += take;
            if (!cont)
                break;
            if (!pol_lines_next(&L, &ln, &n))
                break; /* Samba takes a final '\' as the end of the value */
            pol_trim(&ln, &n);
        }
        P->logical[ll] = '\0';
        const char *s = P->logical;
        n = ll;
        pol_trim(&s, &n);
        if (n == 0)
            continue;
        if (s[0] == '[') {
            const char *close = memchr(s, ']', n);
            if (!close)
                return pol_fail(err, SMB_E_MALFORMED, lineno, "unterminated section name (missing ']')");
            smb_status st = section(P, s, (size_t)(close - s) + 1, lineno, err);
            if (st != SMB_OK)
                return st;
            continue;
        }
        const char *eq = memchr(s, '=', n);
        if (!eq)
            return pol_fail(err, SMB_E_MALFORMED, lineno, "expected 'name = value', '[section]' or a comment");
        const char *name = s, *v = eq + 1;
        size_t nn = (size_t)(eq - s), vn = (size_t)(s + n - v);
        pol_trim(&name, &nn);
        pol_trim(&v, &vn);
        if (nn == 0)
            return pol_fail(err, SMB_E_MALFORMED, lineno, "empty parameter name before '='");
        smb_status st = assign(P, name, nn, v, vn, lineno, origin, err);
        if (st != SMB_OK)
            return st;
    }
    return SMB_OK; /* an included file's last section stays current: the text is read in place */
}

smb_status smb_policy_parse_smbconf(const uint8_t *buf, size_t len, const char *name, smb_smbconf_reader reader,
                                    void *reader_ctx, smb_smbconf *out, smb_policy_error *err)
{
    pol_text tx;
    if (!buf || !out)
        return SMB_E_BAD_ARGUMENT;
    smb_status st = pol_text_decode(buf, len, &tx, err);
    if (st != SMB_OK)
        return st;
    smb_smbconf *c = calloc(1, sizeof *c);
    char *logical = malloc(SMB_POLICY_MAX_LINE + 1);
    if (!c || !logical) {
        free(c);
        free(logical);
        free(tx.buf);
        return pol_fail(err, SMB_E_NOMEM, 0, "out of memory");
    }
    pctx P = {c, reader, reader_ctx, -1, 0, logical};
    st = parse_text(&P, tx.buf, tx.len, name ? name : "smb.conf", err);
    if (st == SMB_OK)
        *out = *c;
    free(c);
    free(logical);
    free(tx.buf);
    return st;
}

/* The effective word of a global parameter: as set, or Samba's default. */
static const char *gword(const smb_smbconf *c, smb_smbconf_param p)
{
    return c->global[p].line ? c->global[p].value : params[p].def;
}

static void set_from(smb_policy_layer *l, smb_setting s, int8_t v, const smb_smbconf_value *src)
{
    smb_policy_layer_set(l, s, v, (uint32_t)v, 0, src->line);
    l->v[s].origin = src->origin; /* borrowed from c: keep c alive while the layer is used */
}

void smb_policy_smbconf_layer(const smb_smbconf *c, const char *name, smb_policy_layer *out, bool *dc)
{
    smb_policy_layer_init(out, SMB_SOURCE_SMB_CONF, name);
    const char *role = gword(c, SMB_SMBCONF_SERVER_ROLE);
    bool is_dc = !strcmp(role, "active directory domain controller");
    if (dc)
        *dc = is_dc;
    /* Signing: required -> require+enable; if_required/desired -> enable;
     * No -> neither; default -> required on an AD DC, else as desired for the
     * client and as "not required" for the server (smb.conf(5)). Only values
     * the file sets (line != 0) become layer values; the rest is the profile's. */
    const smb_smbconf_value *ss = &c->global[SMB_SMBCONF_SERVER_SIGNING];
    if (ss->line) {
        const char *w = ss->value;
        bool req = !strcmp(w, "required") || (!strcmp(w, "default") && is_dc);
        bool en = req || !strcmp(w, "if_required") || !strcmp(w, "desired");
        set_from(out, SMB_SETTING_SERVER_REQUIRE, req, ss);
        set_from(out, SMB_SETTING_SERVER_ENABLE, en, ss);
    }
    const smb_smbconf_value *cs = &c->global[SMB_SMBCONF_CLIENT_SIGNING];
    if (cs->line) {
        const char *w = cs->value;
        bool req = !strcmp(w, "required");
        set_from(out, SMB_SETTING_CLIENT_REQUIRE, req, cs);
        set_from(out, SMB_SETTING_CLIENT_ENABLE, strcmp(w, "No") != 0, cs);
    }
    const smb_smbconf_value *se = &c->global[SMB_SMBCONF_SERVER_SMB_ENCRYPT];
    if (se->line) {
        bool want = !strcmp(se->value, "desired") || !strcmp(se->value, "required");
        set_from(out, SMB_SETTING_SERVER_ENCRYPT_DATA, want, se);
        set_from(out, SMB_SETTING_SERVER_REJECT_UNENCRYPTED, !strcmp(se->value, "required"), se);
    }
    const smb_smbconf_value *ce = &c->global[SMB_SMBCONF_CLIENT_SMB_ENCRYPT];
    if (ce->line)
        set_from(out, SMB_SETTING_CLIENT_REQUIRE_ENCRYPTION, !strcmp(ce->value, "required"), ce);
    const smb_smbconf_value *mp = &c->global[SMB_SMBCONF_SERVER_MIN_PROTOCOL];
    if (mp->line)
        set_from(out, SMB_SETTING_SERVER_SMB1, strncmp(mp->value, "SMB", 3) != 0, mp);
}
