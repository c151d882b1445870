/* scan/merge.c - read back one JSON Lines record of `smbsign scan --json`
 * (for `smbsign scan --merge`). Parsed with json-c; only the fields the
 * merge needs are read, and each is checked for type and vocabulary. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "smbsign/scan.h"

static void seterr(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static int status_of(const char *s)
{
    for (int i = SMB_SCAN_OK; i <= SMB_SCAN_ERROR; i++)
        if (strcmp(s, smb_scan_status_name((smb_scan_status)i)) == 0)
            return i;
    return -1;
}

static int verdict_of(const char *s)
{
    for (int i = SMB_SCAN_VERDICT_UNKNOWN; i <= SMB_SCAN_VERDICT_NOT_REQUIRED; i++)
        if (strcmp(s, smb_scan_verdict_name((smb_scan_verdict)i)) == 0)
            return i;
    return -1;
}

static const char *str_field(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

smb_status smb_scan_record_parse(const char *line, size_t len, struct smb_scan_record *r, char *err,
                                 size_t errlen)
{
    memset(r, 0, sizeof r[0]);
    if (len > SMB_SCAN_RECORD_MAX) {
        seterr(err, errlen, "record longer than %u bytes", SMB_SCAN_RECORD_MAX);
        return SMB_E_BAD_ARGUMENT;
    }
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return SMB_E_NOMEM;
    json_object *o = json_tokener_parse_ex(tok, line, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t used = je == json_tokener_success ? json_tokener_get_parse_end(tok) : 0;
    json_tokener_free(tok);
    smb_status st = SMB_E_BAD_ARGUMENT;
    if (!o || je != json_tokener_success) {
        seterr(err, errlen, "not JSON: %s", o ? "trailing data" : json_tokener_error_desc(je));
        goto out;
    }
    for (; used < len; used++)
        if (line[used] != ' ' && line[used] != '\t' && line[used] != '\r' && line[used] != '\n') {
            seterr(err, errlen, "text after the JSON object");
            goto out;
        }
    if (!json_object_is_type(o, json_type_object)) {
        seterr(err, errlen, "not a JSON object");
        goto out;
    }
    const char *host = str_field(o, "host"), *name = str_field(o, "name");
    const char *status = str_field(o, "status"), *verdict = str_field(o, "verdict");
    json_object *v;
    if (!host || !*host || strlen(host) >= sizeof r->host) {
        seterr(err, errlen, "'host' missing, empty or too long");
        goto out;
    }
    snprintf(r->host, sizeof r->host, "%s", host);
    r->has_addr = !(name && strcmp(name, host) == 0);
    if (!json_object_object_get_ex(o, "port", &v) || !json_object_is_type(v, json_type_int) ||
        json_object_get_int64(v) < 1 || json_object_get_int64(v) > 65535) {
        seterr(err, errlen, "'port' missing or not 1..65535");
        goto out;
    }
    r->port = (uint16_t)json_object_get_int64(v);
    int s = status ? status_of(status) : -1, d = verdict ? verdict_of(verdict) : -1;
    if (s < 0) {
        seterr(err, errlen, "'status' missing or unknown");
        goto out;
    }
    if (d < 0) {
        seterr(err, errlen, "'verdict' missing or unknown");
        goto out;
    }
    r->status = (smb_scan_status)s;
    r->verdict = (smb_scan_verdict)d;
    if (!json_object_object_get_ex(o, "relay_target", &v) || !json_object_is_type(v, json_type_boolean)) {
        seterr(err, errlen, "'relay_target' missing or not true/false");
        goto out;
    }
    r->relay_target = json_object_get_boolean(v);
    if (r->relay_target != (r->verdict == SMB_SCAN_VERDICT_NOT_REQUIRED)) {
        seterr(err, errlen, "'relay_target' disagrees with 'verdict'");
        goto out;
    }
    if (json_object_object_get_ex(o, "smb1", &v) && json_object_is_type(v, json_type_object))
        r->smb1 = true;
    st = SMB_OK;
out:
    json_object_put(o);
    return st;
}
