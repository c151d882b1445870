/* scan/result.c - verdict rules, vocabulary and output formats of scan results (docs/scan.md). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/json.h"
#include "scan/verdict.h"
#include "smbsign/scan.h"
#include "wire/smb2/negotiate.h"

const char *smb_scan_status_name(smb_scan_status s)
{
    switch (s) {
    case SMB_SCAN_OK:
        return "ok";
    case SMB_SCAN_TIMEOUT:
        return "timeout";
    case SMB_SCAN_REFUSED:
        return "refused";
    case SMB_SCAN_RESET:
        return "reset";
    case SMB_SCAN_NOT_SMB:
        return "not-smb";
    case SMB_SCAN_MALFORMED:
        return "malformed";
    case SMB_SCAN_ERROR:
        return "error";
    case SMB_SCAN_NOT_SUPPORTED:
        return "not-supported";
    case SMB_SCAN_SKIPPED:
        return "skipped";
    }
    return "error";
}

const char *smb_scan_verdict_name(smb_scan_verdict v)
{
    switch (v) {
    case SMB_SCAN_VERDICT_REQUIRED:
        return "required";
    case SMB_SCAN_VERDICT_NOT_REQUIRED:
        return "not-required";
    default:
        return "unknown";
    }
}

/* A probe outcome that says nothing against "required": it answered, or it
 * showed the dialect is not spoken, or it was not asked for. */
static bool settled(smb_scan_status s)
{
    return s == SMB_SCAN_OK || s == SMB_SCAN_NOT_SUPPORTED || s == SMB_SCAN_SKIPPED;
}

static bool failed(smb_scan_status s)
{
    return !settled(s);
}

void scan_verdict(struct smb_scan_result *r, const struct scan_probe_out *p2, const struct scan_probe_out *p1)
{
    /* An SMB1-only server (Windows with SMB2 off, Samba with "server max
     * protocol = NT1") closes the connection on an SMB2 NEGOTIATE without a
     * word, after retries too. When the SMB1 probe of the same port was
     * answered, that close says "SMB2 not spoken": the host is judged from
     * its SMB1 SecurityMode. */
    struct scan_probe_out p2_smb1only;
    if (p2->status == SMB_SCAN_RESET && p1->status == SMB_SCAN_OK && p1->has_smb1) {
        p2_smb1only = *p2;
        p2_smb1only.status = SMB_SCAN_NOT_SUPPORTED;
        p2_smb1only.has_smb2 = false;
        p2 = &p2_smb1only;
    }
    r->smb2_status = p2->status;
    r->smb1_status = p1->status;
    r->has_smb2 = p2->status == SMB_SCAN_OK && p2->has_smb2;
    r->has_smb1 = p1->status == SMB_SCAN_OK && p1->has_smb1;
    if (r->has_smb2)
        r->smb2 = p2->smb2;
    if (r->has_smb1)
        r->smb1 = p1->smb1;
    r->relay_via = 0;
    if (r->has_smb2 && r->smb2.signing != SMB_LEVEL_REQUIRED)
        r->relay_via |= SMB_SCAN_PROBE_SMB2;
    if (r->has_smb1 && r->smb1.signing != SMB_LEVEL_REQUIRED)
        r->relay_via |= SMB_SCAN_PROBE_SMB1;
    r->relay_target = r->relay_via != 0;
    r->error[0] = '\0';
    if (r->has_smb2 || r->has_smb1) {
        r->status = SMB_SCAN_OK;
        if (r->relay_target) {
            r->verdict = SMB_SCAN_VERDICT_NOT_REQUIRED;
        } else if (settled(p2->status) && settled(p1->status)) {
            r->verdict = SMB_SCAN_VERDICT_REQUIRED;
        } else {
            /* One dialect requires signing, the other could not be judged:
             * it might be spoken without signing, so we cannot say. */
            const struct scan_probe_out *bad = failed(p2->status) ? p2 : p1;
            r->verdict = SMB_SCAN_VERDICT_UNKNOWN;
            snprintf(r->error, sizeof r->error, "%s probe %s: %s", bad == p2 ? "smb2" : "smb1",
                     smb_scan_status_name(bad->status), bad->error);
        }
        return;
    }
    r->verdict = SMB_SCAN_VERDICT_UNKNOWN;
    /* No answer: the host status is the first real failure, SMB2 first. */
    const struct scan_probe_out *bad = NULL;
    if (failed(p2->status))
        bad = p2;
    else if (failed(p1->status))
        bad = p1;
    if (bad) {
        r->status = bad->status;
        snprintf(r->error, sizeof r->error, "%s: %s", bad == p2 ? "smb2" : "smb1", bad->error);
    } else {
        r->status = SMB_SCAN_ERROR;
        snprintf(r->error, sizeof r->error, "no SMB dialect accepted (smb2: %.56s; smb1: %.56s)",
                 p2->error[0] ? p2->error : smb_scan_status_name(p2->status),
                 p1->error[0] ? p1->error : smb_scan_status_name(p1->status));
    }
}

void smb_scan_guid_format(const uint8_t g[16], char *buf)
{
    /* MS-DTYP 2.3.4: Data1 (LE u32), Data2 (LE u16), Data3 (LE u16), Data4[8]. */
    snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[3], g[2],
             g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static const char *signing2(const struct smb_scan_result *r)
{
    return r->smb2.signing == SMB_LEVEL_REQUIRED ? "required" : "not-required";
}

static const char *alg_or_null(smb_sign_alg a)
{
    return (a == SMB_ALG_HMAC_SHA256 || a == SMB_ALG_AES_CMAC || a == SMB_ALG_AES_GMAC) ? smb_alg_name(a)
                                                                                        : NULL;
}

void smb_scan_result_write_json(FILE *f, const struct smb_scan_result *r)
{
    jw w;
    jw_init(&w, f);
    jw_obj_begin(&w);
    jw_kstr(&w, "host", r->addr[0] ? r->addr : r->name);
    jw_kstr(&w, "name", r->name);
    jw_kint(&w, "port", r->port);
    jw_kstr(&w, "status", smb_scan_status_name(r->status));
    jw_key(&w, "smb2");
    if (r->has_smb2) {
        char guid[37];
        jw_obj_begin(&w);
        jw_kstr(&w, "dialect", smb_dialect_name((smb_dialect)r->smb2.dialect));
        jw_kint(&w, "security_mode", r->smb2.security_mode);
        jw_kstr(&w, "signing", signing2(r));
        jw_kstr(&w, "signing_algorithm", alg_or_null(r->smb2.signing_alg));
        jw_key(&w, "encryption_ciphers");
        jw_arr_begin(&w);
        for (unsigned i = 0; i < r->smb2.cipher_count; i++) {
            const char *n = smb2_cipher_name(r->smb2.ciphers[i]);
            if (n)
                jw_str(&w, n);
            else {
                char tmp[16];
                snprintf(tmp, sizeof tmp, "0x%04x", r->smb2.ciphers[i]);
                jw_str(&w, tmp);
            }
        }
        jw_arr_end(&w);
        smb_scan_guid_format(r->smb2.server_guid, guid);
        jw_kstr(&w, "server_guid", guid);
        jw_kint(&w, "capabilities", r->smb2.capabilities);
        jw_obj_end(&w);
    } else {
        jw_null(&w);
    }
    jw_key(&w, "smb1");
    if (r->has_smb1) {
        jw_obj_begin(&w);
        jw_kint(&w, "security_mode", r->smb1.security_mode);
        jw_kstr(&w, "signing", smb_level_name(r->smb1.signing));
        jw_kint(&w, "capabilities", r->smb1.capabilities);
        jw_obj_end(&w);
    } else {
        jw_null(&w);
    }
    jw_kbool(&w, "relay_target", r->relay_target);
    jw_key(&w, "relay_via");
    jw_arr_begin(&w);
    if (r->relay_via & SMB_SCAN_PROBE_SMB2)
        jw_str(&w, "smb2");
    if (r->relay_via & SMB_SCAN_PROBE_SMB1)
        jw_str(&w, "smb1");
    jw_arr_end(&w);
    jw_kstr(&w, "verdict", smb_scan_verdict_name(r->verdict));
    jw_kstr(&w, "smb2_status", smb_scan_status_name(r->smb2_status));
    jw_kstr(&w, "smb1_status", smb_scan_status_name(r->smb1_status));
    jw_kstr(&w, "error", r->error[0] ? r->error : NULL);
    jw_obj_end(&w);
    jw_newline(&w);
}

void smb_scan_csv_header(FILE *f)
{
    fputs("host,port,status,verdict,relay_target,smb2_dialect,smb2_security_mode,smb2_signing,"
          "smb2_signing_algorithm,smb2_encryption_ciphers,smb2_server_guid,smb1_security_mode,smb1_signing,"
          "smb2_status,smb1_status,error\n",
          f);
}

static void csv_field(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void smb_scan_result_write_csv(FILE *f, const struct smb_scan_result *r)
{
    csv_field(f, r->addr[0] ? r->addr : r->name);
    fprintf(f, ",%u,%s,%s,%s,", r->port, smb_scan_status_name(r->status), smb_scan_verdict_name(r->verdict),
            r->relay_target ? "true" : "false");
    if (r->has_smb2) {
        char guid[37];
        const char *alg = alg_or_null(r->smb2.signing_alg);
        fprintf(f, "%s,%u,%s,%s,", smb_dialect_name((smb_dialect)r->smb2.dialect), r->smb2.security_mode,
                signing2(r), alg ? alg : "");
        for (unsigned i = 0; i < r->smb2.cipher_count; i++) {
            const char *n = smb2_cipher_name(r->smb2.ciphers[i]);
            fprintf(f, "%s%s", i ? ";" : "", n ? n : "unknown");
        }
        smb_scan_guid_format(r->smb2.server_guid, guid);
        fprintf(f, ",%s,", guid);
    } else {
        fputs(",,,,,,", f);
    }
    if (r->has_smb1)
        fprintf(f, "%u,%s,", r->smb1.security_mode, smb_level_name(r->smb1.signing));
    else
        fputs(",,", f);
    fprintf(f, "%s,%s,", smb_scan_status_name(r->smb2_status), smb_scan_status_name(r->smb1_status));
    csv_field(f, r->error[0] ? r->error : NULL);
    fputc('\n', f);
}

void smb_scan_result_write_nxc(FILE *f, const struct smb_scan_result *r)
{
    if (r->status != SMB_SCAN_OK)
        return; /* NetExec prints only the hosts that answered */
    const char *host = r->addr[0] ? r->addr : r->name;
    const char *label = r->name ? r->name : host;
    const char *signing = r->verdict == SMB_SCAN_VERDICT_REQUIRED       ? "True"
                          : r->verdict == SMB_SCAN_VERDICT_NOT_REQUIRED ? "False"
                                                                        : "unknown";
    fprintf(f, "SMB         %-15s %-6u %-15.15s  %s SMB %s (signing:%s) (SMBv1:%s)",
            host, r->port, label, r->verdict == SMB_SCAN_VERDICT_UNKNOWN ? "[-]" : "[*]",
            r->has_smb2 ? smb_dialect_name((smb_dialect)r->smb2.dialect) : "1.0", signing,
            r->has_smb1 ? "True" : "False");
    if (r->relay_via)
        fprintf(f, " (relay:%s%s%s)", r->relay_via & SMB_SCAN_PROBE_SMB2 ? "smb2" : "",
                r->relay_via == (SMB_SCAN_PROBE_SMB2 | SMB_SCAN_PROBE_SMB1) ? "," : "",
                r->relay_via & SMB_SCAN_PROBE_SMB1 ? "smb1" : "");
    if (r->verdict == SMB_SCAN_VERDICT_UNKNOWN && r->error[0])
        fprintf(f, " (%s)", r->error);
    fputc('\n', f);
}

/* XML attribute text: & < > " and newlines escaped; control bytes dropped. */
static void xml_attr(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\n':
            fputs("&#xa;", f);
            break;
        default:
            if (c >= 0x20)
                fputc(c, f);
        }
    }
}

void smb_scan_xml_head(FILE *f, const char *args)
{
    time_t now = time(NULL);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n", f);
    fputs("<nmaprun scanner=\"smbsign\" args=\"", f);
    xml_attr(f, args);
    fprintf(f, "\" start=\"%lld\" version=\"0.1.0\" xmloutputversion=\"1.05\">\n", (long long)now);
}

static const char *smb2_text(const struct smb_scan_result *r)
{
    return r->smb2.signing == SMB_LEVEL_REQUIRED ? "Message signing enabled and required"
                                                 : "Message signing enabled but not required";
}

static const char *smb1_key(const struct smb_scan_result *r)
{
    return r->smb1.signing == SMB_LEVEL_REQUIRED  ? "required"
           : r->smb1.signing == SMB_LEVEL_ENABLED ? "supported"
                                                  : "disabled";
}

void smb_scan_result_write_xml(FILE *f, const struct smb_scan_result *r)
{
    bool up = r->status == SMB_SCAN_OK || r->status == SMB_SCAN_REFUSED || r->status == SMB_SCAN_NOT_SMB ||
              r->status == SMB_SCAN_MALFORMED || r->status == SMB_SCAN_RESET;
    const char *state = r->status == SMB_SCAN_REFUSED   ? "closed"
                        : r->status == SMB_SCAN_TIMEOUT ? "filtered"
                        : r->status == SMB_SCAN_ERROR   ? "unknown"
                                                        : "open";
    fprintf(f, "<host><status state=\"%s\" reason=\"%s\"/>", up ? "up" : "unknown",
            smb_scan_status_name(r->status));
    if (r->addr[0])
        fprintf(f, "<address addr=\"%s\" addrtype=\"%s\"/>", r->addr, r->family == AF_INET6 ? "ipv6" : "ipv4");
    if (r->name) {
        fputs("<hostnames><hostname name=\"", f);
        xml_attr(f, r->name);
        fputs("\" type=\"user\"/></hostnames>", f);
    }
    fprintf(f, "<ports><port protocol=\"tcp\" portid=\"%u\"><state state=\"%s\" reason=\"%s\"/>"
               "<service name=\"%s\"/></port></ports>",
            r->port, state, smb_scan_status_name(r->status), r->port == 139 ? "netbios-ssn" : "microsoft-ds");
    if (r->has_smb2 || r->has_smb1) {
        fputs("<hostscript>", f);
        if (r->has_smb2) {
            const char *d = smb_dialect_name((smb_dialect)r->smb2.dialect);
            fprintf(f, "<script id=\"smb2-security-mode\" output=\"&#xa;  %s: &#xa;    %s\">"
                       "<table key=\"%s\"><elem>%s</elem></table></script>",
                    d, smb2_text(r), d, smb2_text(r));
        }
        if (r->has_smb1)
            fprintf(f, "<script id=\"smb-security-mode\" output=\"&#xa;  message_signing: %s\">"
                       "<elem key=\"message_signing\">%s</elem></script>",
                    smb1_key(r), smb1_key(r));
        fputs("</hostscript>", f);
    }
    fputs("</host>\n", f);
}

void smb_scan_xml_tail(FILE *f, uint64_t up, uint64_t down, double elapsed_s)
{
    fprintf(f, "<runstats><finished time=\"%lld\" elapsed=\"%.2f\" exit=\"success\"/>"
               "<hosts up=\"%llu\" down=\"%llu\" total=\"%llu\"/></runstats>\n</nmaprun>\n",
            (long long)time(NULL), elapsed_s, (unsigned long long)up, (unsigned long long)down,
            (unsigned long long)(up + down));
}
