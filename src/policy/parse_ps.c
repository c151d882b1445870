/*
 * policy/parse_ps.c - PowerShell Get-SmbServerConfiguration /
 * Get-SmbClientConfiguration output, as Format-List text
 * ("RequireSecuritySignature : True") or ConvertTo-Json (policy.h section 6).
 *
 * Which cmdlet produced an object is told by properties only one of them has
 * (server: EnableSMB1Protocol, AnnounceServer, ...; client:
 * DirectoryCacheLifetime, EnableMultiChannel, ...), or by the caller's hint.
 * Several objects (blank-line separated, or a JSON array) may appear. The
 * values are what the SMB service reads from the registry, so the layer's
 * source is REGISTRY. JSON is parsed with json-c; its errors are mapped to
 * a line number from the tokener's offset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json.h>

#include "policy/text.h"

static const char *const server_only[] = {
    "AnnounceServer", "AnnounceComment", "AuditSmb1Access", "AutoShareServer", "AutoShareWorkstation",
    "EnableSMB1Protocol", "EnableSMB2Protocol", "EncryptData", "NullSessionPipes", "NullSessionShares",
    "RejectUnencryptedAccess", "ServerHidden", "MaxSessionPerConnection", "EnableForcedLogoff",
    "EnableAuthenticateUserSharing", "SmbServerNameHardeningLevel", "TreatHostAsStableStorage",
    "AuditClientDoesNotSupportSigning", "AuditClientDoesNotSupportEncryption"};
static const char *const client_only[] = {
    "DirectoryCacheLifetime", "FileInfoCacheLifetime", "FileNotFoundCacheLifetime", "EnableBandwidthThrottling",
    "EnableLargeMtu", "DormantFileLimit", "ExtendedSessionTimeout", "KeepConn",
    "MaxCmds", "SessionTimeout", "UseOpportunisticLocking", "WindowSizeThreshold", "EnableInsecureGuestLogons",
    "ForceSMBEncryptionOverQuic", "SkipCertificateCheck", "EnableLoadBalanceScaleOut", "RequireEncryption",
    "BlockNTLM", "AuditServerDoesNotSupportSigning", "AuditServerDoesNotSupportEncryption", "AuditInsecureGuestLogon"};

static unsigned role_of(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof server_only / sizeof server_only[0]; i++)
        if (pol_ieq(name, n, server_only[i]))
            return SMB_AUDIT_SERVER;
    for (size_t i = 0; i < sizeof client_only / sizeof client_only[0]; i++)
        if (pol_ieq(name, n, client_only[i]))
            return SMB_AUDIT_CLIENT;
    return 0;
}

/* One object's values until its role is known: slot s holds the property that
 * setting s reads (RequireSecuritySignature fills both the client and the
 * server slot; the role picks one side at commit). */
typedef struct ps_val {
    int8_t val; /* 0/1, SMB_VALUE_UNDEFINED */
    uint8_t flags;
    uint32_t raw, line; /* line 0: not seen */
} ps_val;

typedef struct ps_obj {
    unsigned roles; /* SMB_AUDIT_* bits seen from role-specific properties */
    ps_val v[SMB_SETTING_COUNT];
    uint32_t first_line;
    bool any;
} ps_obj;

static void obj_reset(ps_obj *o)
{
    memset(o, 0, sizeof *o);
    for (int s = 0; s < SMB_SETTING_COUNT; s++)
        o->v[s].val = SMB_VALUE_UNDEFINED;
}

/* Record a property's value in every slot that reads it; false if no setting does. */
static bool obj_record(ps_obj *o, const char *name, size_t nn, int8_t val, uint32_t raw, uint8_t flags, uint32_t line)
{
    bool hit = false;
    for (int s = 0; s < SMB_SETTING_COUNT; s++) {
        const char *ps = smb_policy_setting_desc((smb_setting)s)->ps_name;
        if (!ps || !pol_ieq(name, nn, ps))
            continue;
        o->v[s] = (ps_val){val, flags, raw, line};
        hit = true;
    }
    return hit;
}

static bool is_ours(const char *name, size_t nn)
{
    for (int s = 0; s < SMB_SETTING_COUNT; s++) {
        const char *ps = smb_policy_setting_desc((smb_setting)s)->ps_name;
        if (ps && pol_ieq(name, nn, ps))
            return true;
    }
    return false;
}

static SMB_WUR smb_status obj_commit(ps_obj *o, unsigned hint, smb_policy_layer *l, bool *found, smb_policy_error *err)
{
    if (!o->any)
        return SMB_OK;
    bool has_values = o->v[SMB_SETTING_CLIENT_REQUIRE].line || o->v[SMB_SETTING_CLIENT_ENABLE].line;
    if (!has_values) {
        obj_reset(o);
        return SMB_OK;
    }
    unsigned role = o->roles;
    if (role != SMB_AUDIT_CLIENT && role != SMB_AUDIT_SERVER)
        role = hint;
    if (role != SMB_AUDIT_CLIENT && role != SMB_AUDIT_SERVER)
        return pol_fail(err, SMB_E_MALFORMED, o->first_line,
                        "cannot tell Get-SmbServerConfiguration from Get-SmbClientConfiguration output "
                        "(use --role client|server)");
    for (int s = 0; s < SMB_SETTING_COUNT; s++) {
        const ps_val *v = &o->v[s];
        if (v->line && smb_policy_setting_desc((smb_setting)s)->client == (role == SMB_AUDIT_CLIENT))
            smb_policy_layer_set(l, (smb_setting)s, v->val, v->raw, v->flags, v->line);
    }
    *found = true;
    obj_reset(o);
    return SMB_OK;
}

/* Value text of a Format-List property: True/False, or a number. */
static bool fl_value(const char *v, size_t n, int8_t *val, uint32_t *raw, uint8_t *flags)
{
    *flags = 0;
    if (pol_ieq(v, n, "True")) {
        *val = 1;
        *raw = 1;
        return true;
    }
    if (pol_ieq(v, n, "False")) {
        *val = 0;
        *raw = 0;
        return true;
    }
    if (n == 0 || n > 10)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x > 0xFFFFFFFFu)
        return false;
    *raw = (uint32_t)x;
    *val = x ? 1 : 0;
    if (x > 1)
        *flags = SMB_VALUE_F_NOT_BOOLEAN;
    return true;
}

static SMB_WUR smb_status parse_format_list(const char *t, size_t tn, unsigned hint, smb_policy_layer *l,
                                    smb_policy_error *err)
{
    pol_lines L;
    const char *s;
    size_t n;
    ps_obj o;
    bool found = false;
    smb_status st;
    obj_reset(&o);
    pol_lines_init(&L, t, tn);
    while (pol_lines_next(&L, &s, &n)) {
        uint32_t lineno = L.lineno;
        if (n > SMB_POLICY_MAX_LINE)
            return pol_fail(err, SMB_E_OVERFLOW, lineno, "line longer than %u characters", SMB_POLICY_MAX_LINE);
        const char *x = s;
        size_t xn = n;
        pol_trim(&x, &xn);
        if (xn == 0) {
            if ((st = obj_commit(&o, hint, l, &found, err)) != SMB_OK)
                return st;
            continue;
        }
        if (s[0] == ' ' || s[0] == '\t')
            continue; /* continuation of a long value (wrapped list) */
        if (pol_iprefix(x, xn, "PS ") && memchr(x, '>', xn))
            continue; /* a copied prompt line: PS C:\> Get-SmbServerConfiguration */
        const char *colon = memchr(x, ':', xn);
        if (!colon)
            return pol_fail(err, SMB_E_MALFORMED, lineno, "expected 'Name : Value' (Format-List output)");
        const char *name = x;
        size_t nn = (size_t)(colon - x);
        pol_trim(&name, &nn);
        if (nn == 0)
            return pol_fail(err, SMB_E_MALFORMED, lineno, "empty property name");
        for (size_t i = 0; i < nn; i++) {
            char c = name[i];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
                return pol_fail(err, SMB_E_MALFORMED, lineno, "invalid property name '%.*s'", (int)(nn > 40 ? 40 : nn),
                                name);
        }
        const char *v = colon + 1;
        size_t vn = (size_t)(x + xn - v);
        pol_trim(&v, &vn);
        if (!o.any)
            o.first_line = lineno;
        o.any = true;
        o.roles |= role_of(name, nn);
        if (!is_ours(name, nn))
            continue;
        int8_t val;
        uint32_t raw;
        uint8_t flags;
        if (!fl_value(v, vn, &val, &raw, &flags))
            return pol_fail(err, SMB_E_MALFORMED, lineno, "bad value '%.*s' for %.*s (expected True or False)",
                            (int)(vn > 20 ? 20 : vn), v, (int)nn, name);
        (void)obj_record(&o, name, nn, val, raw, flags, lineno);
    }
    if ((st = obj_commit(&o, hint, l, &found, err)) != SMB_OK)
        return st;
    if (!found)
        return pol_fail(err, SMB_E_MALFORMED, 1,
                        "no RequireSecuritySignature / EnableSecuritySignature property: not "
                        "Get-SmbServerConfiguration or Get-SmbClientConfiguration output");
    return SMB_OK;
}

static uint32_t line_at(const char *t, size_t tn, size_t off)
{
    uint32_t line = 1;
    for (size_t i = 0; i < off && i < tn; i++)
        if (t[i] == '\n')
            line++;
    return line;
}

/* Line of the k-th (0-based) occurrence of "key" in the text; 0 if absent. */
static uint32_t key_line(const char *t, size_t tn, const char *key, unsigned k)
{
    char pat[64];
    int pn = snprintf(pat, sizeof pat, "\"%s\"", key);
    if (pn <= 0 || (size_t)pn >= sizeof pat)
        return 0;
    const char *p = t, *end = t + tn;
    for (;;) {
        const char *hit = memmem(p, (size_t)(end - p), pat, (size_t)pn);
        if (!hit)
            return 0;
        if (k-- == 0)
            return line_at(t, tn, (size_t)(hit - t));
        p = hit + pn;
    }
}

static void json_value(json_object *v, int8_t *val, uint32_t *raw, uint8_t *flags)
{
    *flags = 0;
    *raw = 0;
    if (json_object_is_type(v, json_type_boolean)) {
        *val = json_object_get_boolean(v) ? 1 : 0;
        *raw = (uint32_t)*val;
    } else if (json_object_is_type(v, json_type_int)) {
        int64_t x = json_object_get_int64(v);
        if (x < 0 || x > 0xFFFFFFFFll) {
            *val = SMB_VALUE_UNDEFINED;
            *flags = SMB_VALUE_F_WRONG_TYPE;
            return;
        }
        *raw = (uint32_t)x;
        *val = x ? 1 : 0;
        if (x > 1)
            *flags = SMB_VALUE_F_NOT_BOOLEAN;
    } else {
        *val = SMB_VALUE_UNDEFINED;
        *flags = SMB_VALUE_F_WRONG_TYPE;
    }
}

/* A property some server setting reads too (its lines are looked up once, through the server slot). */
static bool is_server_prop(const char *ps)
{
    for (int s = 0; s < SMB_SETTING_COUNT; s++) {
        const smb_setting_desc *d = smb_policy_setting_desc((smb_setting)s);
        if (!d->client && d->ps_name && !strcasecmp(d->ps_name, ps))
            return true;
    }
    return false;
}

static SMB_WUR smb_status parse_json(const char *t, size_t tn, unsigned hint, smb_policy_layer *l, smb_policy_error *err)
{
    smb_status st = SMB_OK;
    json_tokener *tok = json_tokener_new_ex(16);
    json_object *root = NULL;
    bool found = false;
    unsigned seen[SMB_SETTING_COUNT] = {0};
    if (!tok)
        return pol_fail(err, SMB_E_NOMEM, 0, "out of memory");
    if (tn > (size_t)INT32_MAX) {
        st = pol_fail(err, SMB_E_OVERFLOW, 0, "input too large");
        goto out;
    }
    root = json_tokener_parse_ex(tok, t, (int)tn);
    enum json_tokener_error je = json_tokener_get_error(tok);
    if (!root || je != json_tokener_success) {
        size_t off = json_tokener_get_parse_end(tok);
        st = pol_fail(err, SMB_E_MALFORMED, line_at(t, tn, off), "invalid JSON: %s",
                      je == json_tokener_continue ? "unexpected end of input" : json_tokener_error_desc(je));
        goto out;
    }
    size_t tail = json_tokener_get_parse_end(tok);
    for (; tail < tn; tail++)
        if (t[tail] != ' ' && t[tail] != '\t' && t[tail] != '\r' && t[tail] != '\n') {
            st = pol_fail(err, SMB_E_MALFORMED, line_at(t, tn, tail), "trailing data after the JSON value");
            goto out;
        }
    size_t count = json_object_is_type(root, json_type_array) ? json_object_array_length(root) : 1;
    if (count > 64) {
        st = pol_fail(err, SMB_E_OVERFLOW, 1, "more than 64 objects");
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        json_object *o = json_object_is_type(root, json_type_array) ? json_object_array_get_idx(root, i) : root;
        if (!json_object_is_type(o, json_type_object)) {
            st = pol_fail(err, SMB_E_MALFORMED, 1, "expected a JSON object (ConvertTo-Json of the configuration)");
            goto out;
        }
        ps_obj po;
        obj_reset(&po);
        po.any = true;
        po.first_line = 1;
        json_object_object_foreach(o, key, val)
        {
            size_t kl = strlen(key);
            po.roles |= role_of(key, kl);
            for (int s = 0; s < SMB_SETTING_COUNT; s++) {
                const char *ps = smb_policy_setting_desc((smb_setting)s)->ps_name;
                if (!ps || strcasecmp(key, ps) || smb_policy_setting_desc((smb_setting)s)->client)
                    continue;
                /* one line lookup per property (the server slot stands for both sides) */
                int8_t v8;
                uint32_t raw, line;
                uint8_t flags;
                json_value(val, &v8, &raw, &flags);
                line = key_line(t, tn, ps, seen[s]++);
                if (!line)
                    line = 1;
                (void)obj_record(&po, key, kl, v8, raw, flags, line);
                if (s == SMB_SETTING_SERVER_REQUIRE)
                    po.first_line = line;
            }
            for (int s = 0; s < SMB_SETTING_COUNT; s++) {
                const char *ps = smb_policy_setting_desc((smb_setting)s)->ps_name;
                if (!ps || strcasecmp(key, ps) || !smb_policy_setting_desc((smb_setting)s)->client || is_server_prop(ps))
                    continue;
                int8_t v8;
                uint32_t raw, line;
                uint8_t flags;
                json_value(val, &v8, &raw, &flags);
                line = key_line(t, tn, ps, seen[s]++);
                if (!line)
                    line = 1;
                (void)obj_record(&po, key, kl, v8, raw, flags, line);
            }
        }
        if ((st = obj_commit(&po, hint, l, &found, err)) != SMB_OK)
            goto out;
    }
    if (!found)
        st = pol_fail(err, SMB_E_MALFORMED, 1,
                      "no RequireSecuritySignature / EnableSecuritySignature property in the JSON");
out:
    if (root)
        json_object_put(root);
    json_tokener_free(tok);
    return st;
}

smb_status pol_parse_ps_text(const char *t, size_t tn, unsigned role_hint, smb_policy_layer *out,
                             smb_policy_error *err)
{
    smb_policy_layer tmp = *out;
    size_t i = 0;
    while (i < tn && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n'))
        i++;
    smb_status st = (i < tn && (t[i] == '{' || t[i] == '[')) ? parse_json(t, tn, role_hint, &tmp, err)
                                                            : parse_format_list(t, tn, role_hint, &tmp, err);
    if (st == SMB_OK)
        *out = tmp;
    return st;
}

smb_status smb_policy_parse_ps(const uint8_t *buf, size_t len, const char *name, unsigned ps_role_hint,
                               smb_policy_layer *out, smb_policy_error *err)
{
    pol_text tx;
    smb_policy_layer l;
    smb_status st = pol_text_decode(buf, len, &tx, err);
    if (st != SMB_OK)
        return st;
    smb_policy_layer_init(&l, SMB_SOURCE_REGISTRY, name);
    st = pol_parse_ps_text(tx.buf, tx.len, ps_role_hint, &l, err);
    free(tx.buf);
    if (st == SMB_OK)
        *out = l;
    return st;
}

const char *smb_policy_format_name(smb_policy_format f)
{
    switch (f) {
    case SMB_FORMAT_AUTO: return "auto";
    case SMB_FORMAT_REG: return "reg";
    case SMB_FORMAT_INF: return "inf";
    case SMB_FORMAT_PS: return "powershell";
    }
    return "?";
}

smb_status smb_policy_parse_any(const uint8_t *buf, size_t len, const char *name, unsigned ps_role_hint,
                                smb_policy_layer *out, smb_policy_format *fmt, smb_policy_error *err)
{
    pol_text tx;
    smb_policy_layer l;
    smb_status st = pol_text_decode(buf, len, &tx, err);
    if (st != SMB_OK)
        return st;
    /* Sniff from the first non-blank, non-comment line. */
    pol_lines L;
    const char *s = "";
    size_t n = 0;
    pol_lines_init(&L, tx.buf, tx.len);
    while (pol_lines_next(&L, &s, &n)) {
        pol_trim(&s, &n);
        if (n && s[0] != ';')
            break;
        n = 0;
    }
    smb_policy_format f;
    if (pol_iprefix(s, n, "Windows Registry Editor") || pol_iprefix(s, n, "REGEDIT"))
        f = SMB_FORMAT_REG;
    else if (n && (s[0] == '{' || (s[0] == '[' && (n == 1 || s[1] == '{' || s[1] == ']' || s[1] == ' '))))
        f = SMB_FORMAT_PS; /* JSON */
    else if (n && s[0] == '[')
        f = SMB_FORMAT_INF;
    else if (n && memchr(s, ':', n))
        f = SMB_FORMAT_PS;
    else {
        free(tx.buf);
        return pol_fail(err, SMB_E_MALFORMED, L.lineno ? L.lineno : 1,
                        "unrecognised format: expected a .reg file, a security template (INF) or PowerShell "
                        "Get-Smb*Configuration output");
    }
    smb_policy_layer_init(&l, f == SMB_FORMAT_INF ? SMB_SOURCE_LOCAL_POLICY : SMB_SOURCE_REGISTRY, name);
    if (f == SMB_FORMAT_REG)
        st = pol_parse_reg_text(tx.buf, tx.len, &l, err);
    else if (f == SMB_FORMAT_INF)
        st = pol_parse_inf_text(tx.buf, tx.len, &l, err);
    else
        st = pol_parse_ps_text(tx.buf, tx.len, ps_role_hint, &l, err);
    free(tx.buf);
    if (st == SMB_OK) {
        *out = l;
        if (fmt)
            *fmt = f;
    }
    return st;
}
