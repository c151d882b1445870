/*
 * cli/cmd_trace.c - smbsign trace: verify every SMB signature in a pcap or
 * pcapng capture (read through libpcap, streamed packet by packet) with keys
 * re-derived from the captured logons (src/trace/). Output: a per-session
 * table and every message that is not good, or JSON Lines (--json), or the
 * full derivation of one frame (--explain). docs/trace.md.
 */
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hex.h"
#include "base/json.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "smbsign/sign.h"
#include "trace/trace.h"

#define VERB "trace"

static void help(void)
{
    printf(
        "usage: smbsign trace [OPTIONS] CAPTURE\n"
        "\n"
        "Verify every SMB signature in a packet capture (pcap or pcapng; '-' reads\n"
        "standard input): SMB1 MD5, SMB 2.0.2/2.1 HMAC-SHA256, SMB 3.0/3.0.2 AES-CMAC and\n"
        "SMB 3.1.1 AES-CMAC/AES-GMAC/HMAC-SHA256. Session keys are re-derived from the\n"
        "captured NEGOTIATE and SESSION_SETUP (NTLMSSP, with or without key exchange;\n"
        "the 3.1.1 preauth integrity hash from the captured bytes) and the credentials\n"
        "you give. TCP streams are reassembled (out of order, retransmitted and\n"
        "overlapping segments); a message with missing bytes is 'incomplete', never 'bad'.\n"
        "\n"
        "Credentials (repeatable; tried for the user named in each logon):\n"
        "  -U, --user USER%%PASS        a user's password\n"
        "      --nt-hash USER:HEX32     a user's NT hash (NTOWFv1)\n"
        "      --session-key ID:HEX     the exported session key of SessionId ID (hex, as\n"
        "                               Wireshark's SMB2 key table takes it)\n"
        "      --keys FILE              one of the above per line ('-U alice%%pw',\n"
        "                               '--nt-hash bob:...', '--session-key 0x..:...'; # comments)\n"
        "Capture:\n"
        "  -p, --port PORT              another TCP port carrying SMB (445 and 139 always);\n"
        "                               'any': every connection whose SYN is captured,\n"
        "                               SMB recognised by content\n"
        "Output:\n"
        "      --json                   JSON Lines: one object per message, then {\"summary\":...}\n"
        "  -v, --verbose                list every message, not only those that are not good\n"
        "      --explain FRAME          the full derivation for the message(s) of FRAME:\n"
        "                               session key, signing key, preauth hash, the bytes\n"
        "                               covered, expected and found signature\n"
        "\n"
        "Verdicts: good, bad (signature wrong: expected and found are shown), unsigned\n"
        "(the session requires a signature and there is none), not-subject (exempt:\n"
        "NEGOTIATE, interim responses, oplock breaks, anonymous/guest sessions, sessions\n"
        "that do not require signing), no-key (signed, but no key: wrong or missing\n"
        "password - the session line says which), incomplete (bytes missing).\n"
        "SMB 3.x encryption: TRANSFORM messages are decrypted with the session's cipher\n"
        "key for their direction; each element inside is decrypted-good (the AEAD tag\n"
        "verified), or the message is decrypt-failed (tag wrong: altered, or wrong key).\n"
        "Compound elements get one verdict each.\n"
        "\n"
        "Examples:\n"
        "  tshark -i lo -f 'tcp port 445' -w cap.pcapng   # or tcpdump -w cap.pcap\n"
        "  smbsign trace -U alice%%secret cap.pcapng\n"
        "  smbsign trace --json -U alice%%secret cap.pcapng | jq 'select(.verdict==\"bad\")'\n"
        "  smbsign trace -U alice%%secret --explain 42 cap.pcapng\n"
        "\n"
        "Exit status: 0 no message bad, unsigned or decrypt-failed, 1 at least one, 2 usage error or\n"
        "unreadable capture (what was verified before the error is still printed).\n");
}

struct out {
    bool json, verbose;
    uint64_t explain;
    bool explain_hit;
    jw w;
    unsigned long long totals[TV_COUNT];
    unsigned listed;
    unsigned long long nokey_listed, nokey_hidden; /* no-key lines: the first NOKEY_LIST only */
};
#define NOKEY_LIST 20

static const char *alg_json(smb_sign_alg a) { return a == SMB_ALG_NONE ? NULL : smb_alg_name(a); }

static const char *dialect_json(smb_dialect d)
{
    if (d == SMB_DIALECT_NONE || d == SMB_DIALECT_2FF)
        return NULL;
    return smb_dialect_name(d);
}

static void iso_time(uint64_t sec, uint32_t usec, char *out, size_t cap)
{
    time_t tt = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(out, cap, "?");
        return;
    }
    char b[32];
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, cap, "%s.%06uZ", b, usec);
}

static void msg_json(struct out *o, const struct trace_msg *m)
{
    jw *w = &o->w;
    char t[48], sid[24];
    iso_time(m->ts_sec, m->ts_usec, t, sizeof t);
    jw_obj_begin(w);
    jw_key(w, "frame");
    jw_uint(w, m->frame);
    jw_kstr(w, "time", t);
    jw_kstr(w, "src", m->src);
    jw_kstr(w, "dst", m->dst);
    snprintf(sid, sizeof sid, "0x%016llx", (unsigned long long)m->session_id);
    jw_kstr(w, "session_id", sid);
    jw_key(w, "message_id");
    if (m->has_message_id)
        jw_uint(w, m->message_id);
    else
        jw_null(w);
    jw_kstr(w, "command", m->command);
    jw_kbool(w, "response", m->response);
    jw_kint(w, "element", m->element);
    jw_key(w, "length");
    jw_uint(w, m->len);
    jw_key(w, "dialect");
    jw_str(w, dialect_json(m->dialect));
    jw_key(w, "algorithm");
    jw_str(w, alg_json(m->alg));
    if (m->cipher != SMB_CIPHER_NONE)
        jw_kstr(w, "cipher", smb_cipher_name(m->cipher));
    jw_kstr(w, "verdict", trace_verdict_name(m->verdict));
    if (m->reason[0])
        jw_kstr(w, "reason", m->reason);
    if (m->have_sigs) {
        jw_key(w, "expected");
        jw_hex(w, m->expected, m->sig_len);
    }
    if (m->have_sigs || m->verdict == TV_NO_KEY) {
        jw_key(w, "found");
        jw_hex(w, m->found, m->sig_len);
    }
    if (m->smb1 && m->sig_len)
        jw_kint(w, "sequence", m->smb1_seq);
    if (m->session)
        jw_kint(w, "session", m->session->index);
    jw_obj_end(w);
    jw_newline(w);
}

static void hexline(const char *label, const uint8_t *p, size_t n)
{
    char h[2 * SMB_PREAUTH_HASH_LEN + 1];
    if (n > SMB_PREAUTH_HASH_LEN)
        n = SMB_PREAUTH_HASH_LEN;
    hex_encode(p, n, h);
    printf("  %-28s %s\n", label, h);
}

static void explain(const struct trace_msg *m)
{
    const struct trace_session *s = m->session;
    printf("frame %llu: %s %s, element %u, %s -> %s\n", (unsigned long long)m->frame, m->command,
           m->response ? "response" : "request", m->element, m->src, m->dst);
    if (m->has_message_id)
        printf("  %-28s %llu\n", m->smb1 ? "MID" : "MessageId", (unsigned long long)m->message_id);
    printf("  %-28s 0x%016llx\n", m->smb1 ? "UID" : "SessionId", (unsigned long long)m->session_id);
    if (s) {
        printf("  %-28s %u (%s%s%s, dialect %s, %s, signing %s)\n", "session", s->index, s->domain,
               s->domain[0] ? "\\" : "", s->user[0] ? s->user : "?", smb_dialect_name(s->dialect),
               smb_alg_name(s->alg), s->signing_required ? "required" : "not required");
        if (s->key_known) {
            hexline("session key (exported)", s->session_key, s->session_key_len);
            if (s->smb1) {
                printf("  %-28s session key (MS-CIFS 3.2.5.3, extended security)\n", "MAC key");
            } else if (s->dialect == SMB_DIALECT_202 || s->dialect == SMB_DIALECT_210) {
                printf("  %-28s the session key (MS-SMB2 3.2.5.3.1, 2.x)\n", "signing key");
            } else {
                if (s->has_preauth)
                    hexline("preauth integrity hash", s->preauth, SMB_PREAUTH_HASH_LEN);
                smb_sign_keys k;
                if (smb_sign_derive_keys(s->dialect, s->session_key, s->session_key_len,
                                         s->has_preauth ? s->preauth : NULL, &k) == SMB_OK)
                    hexline(s->dialect == SMB_DIALECT_311 ? "signing key (SMBSigningKey)" : "signing key (SMB2AESCMAC)",
                            k.signing, 16);
                smb_wipe(&k, sizeof k);
            }
        } else {
            printf("  %-28s none: %s\n", "session key", s->key_note[0] ? s->key_note : "not derived");
        }
    }
    if (m->smb1 && m->sig_len)
        printf("  %-28s %u\n", "sequence number", m->smb1_seq);
    printf("  %-28s %zu bytes from the %s header on, signature field as %s\n", "bytes covered", m->len,
           m->smb1 ? "SMB1" : "SMB2", m->smb1 ? "the sequence number" : "zeros");
    if (m->len)
        hexline("first header bytes", m->bytes, m->len < 64 ? m->len : 64);
    if (m->have_sigs)
        hexline("expected signature", m->expected, m->sig_len);
    if (m->have_sigs || m->verdict == TV_NO_KEY)
        hexline("found signature", m->found, m->sig_len);
    printf("  %-28s %s%s%s\n\n", "verdict", trace_verdict_name(m->verdict), m->reason[0] ? ": " : "", m->reason);
}

static void on_msg(void *arg, const struct trace_msg *m)
{
    struct out *o = arg;
    o->totals[m->verdict]++;
    if (o->explain) {
        if (m->frame == o->explain) {
            o->explain_hit = true;
            explain(m);
        }
        return;
    }
    if (o->json) {
        msg_json(o, m);
        return;
    }
    if (!o->verbose && (m->verdict == TV_GOOD || m->verdict == TV_NOT_SUBJECT || m->verdict == TV_DECRYPTED_GOOD))
        return;
    if (!o->verbose && m->verdict == TV_NO_KEY && o->nokey_listed++ >= NOKEY_LIST) {
        o->nokey_hidden++; /* the session line says why; -v lists them all */
        return;
    }
    if (!o->listed++)
        printf("%s\n", o->verbose ? "Messages:" : "Messages that are not good:");
    char sig[128] = "";
    if (m->verdict == TV_BAD && m->have_sigs) {
        char e[33], f[33];
        hex_encode(m->expected, m->sig_len, e);
        hex_encode(m->found, m->sig_len, f);
        snprintf(sig, sizeof sig, " (expected %s, found %s)", e, f);
    }
    printf("  frame %-7llu %s -> %s  session %u  %s %s", (unsigned long long)m->frame, m->src, m->dst,
           m->session ? m->session->index : 0, m->command, m->response ? "response" : "request");
    if (m->element)
        printf(" [element %u]", m->element);
    printf(": %s%s%s%s\n", trace_verdict_name(m->verdict), m->reason[0] ? ": " : "", m->reason, sig);
}

static void summary_json(struct out *o, trace_ctx *t, const char *error, int exit_code)
{
    jw *w = &o->w;
    uint64_t packets, smbp, conns;
    trace_stats(t, &packets, &smbp, &conns);
    jw_obj_begin(w);
    jw_key(w, "summary");
    jw_obj_begin(w);
    jw_key(w, "packets");
    jw_uint(w, packets);
    jw_key(w, "smb_packets");
    jw_uint(w, smbp);
    jw_key(w, "connections");
    jw_uint(w, conns);
    jw_key(w, "verdicts");
    jw_obj_begin(w);
    for (int v = 0; v < TV_COUNT; v++) {
        jw_key(w, trace_verdict_name((enum trace_verdict)v));
        jw_uint(w, o->totals[v]);
    }
    jw_obj_end(w);
    jw_key(w, "sessions");
    jw_arr_begin(w);
    for (size_t i = 0; i < trace_session_count(t); i++) {
        const struct trace_session *s = trace_session_at(t, i);
        char sid[24];
        snprintf(sid, sizeof sid, "0x%016llx", (unsigned long long)s->session_id);
        jw_obj_begin(w);
        jw_kint(w, "session", s->index);
        jw_kstr(w, "client", s->client);
        jw_kstr(w, "server", s->server);
        jw_kstr(w, "session_id", sid);
        jw_kstr(w, "user", s->user);
        jw_kstr(w, "domain", s->domain);
        jw_key(w, "dialect");
        jw_str(w, dialect_json(s->dialect));
        jw_key(w, "algorithm");
        jw_str(w, alg_json(s->alg));
        jw_kbool(w, "signing_required", s->signing_required);
        jw_key(w, "cipher");
        if (s->cipher != SMB_CIPHER_NONE)
            jw_str(w, smb_cipher_name(s->cipher));
        else
            jw_null(w);
        jw_kbool(w, "key", s->key_known);
        if (s->key_note[0])
            jw_kstr(w, "note", s->key_note);
        jw_key(w, "verdicts");
        jw_obj_begin(w);
        for (int v = 0; v < TV_COUNT; v++) {
            jw_key(w, trace_verdict_name((enum trace_verdict)v));
            jw_uint(w, s->counts[v]);
        }
        jw_obj_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (error)
        jw_kstr(w, "error", error);
    jw_kint(w, "exit", exit_code);
    jw_obj_end(w);
    jw_obj_end(w);
    jw_newline(w);
}

static void summary_text(struct out *o, trace_ctx *t, const char *path)
{
    uint64_t packets, smbp, conns;
    trace_stats(t, &packets, &smbp, &conns);
    if (o->nokey_hidden)
        printf("  ... and %llu more no-key messages (the session table says why; -v lists them all)\n",
               o->nokey_hidden);
    if (o->listed)
        printf("\n");
    printf("%s: %llu packets, %llu on SMB ports, %llu connections, %zu sessions\n", path,
           (unsigned long long)packets, (unsigned long long)smbp, (unsigned long long)conns,
           trace_session_count(t));
    if (trace_session_count(t)) {
        printf("\n%-3s %-45s %-18s %-7s %-11s %7s %5s %8s %11s %6s %10s\n", "#", "client -> server", "user",
               "dialect", "algorithm", "good", "bad", "unsigned", "not-subject", "no-key", "incomplete");
        for (size_t i = 0; i < trace_session_count(t); i++) {
            const struct trace_session *s = trace_session_at(t, i);
            char peers[160], user[300];
            snprintf(peers, sizeof peers, "%s -> %s", s->client, s->server);
            snprintf(user, sizeof user, "%s%s%s", s->domain, s->domain[0] ? "\\" : "", s->user[0] ? s->user : "-");
            printf("%-3u %-45s %-18s %-7s %-11s %7u %5u %8u %11u %6u %10u\n", s->index, peers, user,
                   smb_dialect_name(s->dialect), s->alg == SMB_ALG_NONE ? "-" : smb_alg_name(s->alg),
                   s->counts[TV_GOOD], s->counts[TV_BAD], s->counts[TV_UNSIGNED], s->counts[TV_NOT_SUBJECT],
                   s->counts[TV_NO_KEY], s->counts[TV_INCOMPLETE]);
            if (s->cipher != SMB_CIPHER_NONE || s->counts[TV_DECRYPTED_GOOD] || s->counts[TV_DECRYPT_FAILED])
                printf("    encryption %s: %u decrypted-good, %u decrypt-failed\n",
                       s->cipher != SMB_CIPHER_NONE ? smb_cipher_name(s->cipher) : "(cipher unknown)",
                       s->counts[TV_DECRYPTED_GOOD], s->counts[TV_DECRYPT_FAILED]);
            if (s->key_note[0] && (!s->key_known || s->counts[TV_NO_KEY]))
                printf("    session 0x%016llx: %s\n", (unsigned long long)s->session_id, s->key_note);
        }
    }
    printf("\ntotal: %llu good, %llu bad, %llu unsigned, %llu not-subject, %llu no-key, %llu incomplete\n",
           o->totals[TV_GOOD], o->totals[TV_BAD], o->totals[TV_UNSIGNED], o->totals[TV_NOT_SUBJECT],
           o->totals[TV_NO_KEY], o->totals[TV_INCOMPLETE]);
    if (o->totals[TV_DECRYPTED_GOOD] || o->totals[TV_DECRYPT_FAILED])
        printf("encrypted: %llu decrypted-good, %llu decrypt-failed\n", o->totals[TV_DECRYPTED_GOOD],
               o->totals[TV_DECRYPT_FAILED]);
}

static int add_cred(struct trace_cred *creds, size_t *n, enum trace_cred_kind kind, const char *text,
                    const char *opt)
{
    if (*n >= TRACE_MAX_CREDS)
        return cli_usage_error(VERB, "too many credentials (at most %d)", TRACE_MAX_CREDS);
    char why[200];
    if (trace_cred_parse(kind, text, &creds[*n], why, sizeof why) != SMB_OK)
        return cli_usage_error(VERB, "%s: %s", opt, why);
    (*n)++;
    return 0;
}

static int load_keys(struct trace_cred *creds, size_t *n, const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : NULL;
    if (!f)
        return cli_usage_error(VERB, "--keys %s: cannot open", path);
    char line[512];
    unsigned lineno = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (*n >= TRACE_MAX_CREDS) {
            rc = cli_usage_error(VERB, "%s:%u: too many credentials (at most %d)", path, lineno, TRACE_MAX_CREDS);
            break;
        }
        char why[200];
        smb_status st = trace_cred_parse_line(line, &creds[*n], why, sizeof why);
        if (st == SMB_E_NOT_FOUND)
            continue;
        if (st != SMB_OK) {
            rc = cli_usage_error(VERB, "%s:%u: %s", path, lineno, why);
            break;
        }
        (*n)++;
    }
    smb_wipe(line, sizeof line);
    fclose(f);
    return rc;
}

int cmd_trace(int argc, char **argv)
{
    enum { O_JSON = 1000, O_NT, O_SK, O_KEYS, O_EXPLAIN };
    static const struct option lo[] = {{"user", required_argument, NULL, 'U'},
                                       {"nt-hash", required_argument, NULL, O_NT},
                                       {"session-key", required_argument, NULL, O_SK},
                                       {"keys", required_argument, NULL, O_KEYS},
                                       {"port", required_argument, NULL, 'p'},
                                       {"json", no_argument, NULL, O_JSON},
                                       {"verbose", no_argument, NULL, 'v'},
                                       {"explain", required_argument, NULL, O_EXPLAIN},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    static struct trace_cred creds[TRACE_MAX_CREDS];
    size_t ncreds = 0;
    struct trace_opts topts;
    memset(&topts, 0, sizeof topts);
    struct out o;
    memset(&o, 0, sizeof o);
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "U:p:vh", lo, NULL)) != -1) {
        uint64_t v = 0;
        switch (c) {
        case 'U': rc = add_cred(creds, &ncreds, TC_PASSWORD, optarg, "-U"); break;
        case O_NT: rc = add_cred(creds, &ncreds, TC_NT_HASH, optarg, "--nt-hash"); break;
        case O_SK: rc = add_cred(creds, &ncreds, TC_SESSION_KEY, optarg, "--session-key"); break;
        case O_KEYS: rc = load_keys(creds, &ncreds, optarg); break;
        case 'p':
            if (!strcmp(optarg, "any")) {
                topts.any_port = true;
                break;
            }
            if ((rc = cli_u64_arg(VERB, "--port", optarg, 65535, &v)) != 0)
                break;
            if (v == 0 || topts.nports >= TRACE_MAX_PORTS) {
                rc = cli_usage_error(VERB, "--port %s: a port 1-65535, at most %d of them", optarg, TRACE_MAX_PORTS);
                break;
            }
            topts.ports[topts.nports++] = (uint16_t)v;
            break;
        case O_JSON: o.json = true; break;
        case 'v': o.verbose = true; break;
        case O_EXPLAIN:
            if ((rc = cli_u64_arg(VERB, "--explain", optarg, UINT64_MAX, &o.explain)) == 0 && o.explain == 0)
                rc = cli_usage_error(VERB, "--explain: frame numbers start at 1");
            break;
        case 'h': help(); goto out;
        default: rc = CLI_EXIT_USAGE; break;
        }
        if (rc)
            goto out;
    }
    if (optind != argc - 1) {
        rc = cli_usage_error(VERB, "give exactly one CAPTURE file (or '-'); see 'smbsign trace --help'");
        goto out;
    }
    const char *path = argv[optind];
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    /* Our own FILE with a 1 MiB buffer: libpcap reads through stdio, and the
     * default (st_blksize, 4 KiB) costs one read(2) per 4 KiB, which was a
     * third of the CPU time on a 1 GB capture (bench/trace_bench.sh). */
    FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!fp) {
        rc = cli_usage_error(VERB, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    setvbuf(fp, NULL, _IOFBF, 1u << 20);
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!pc) {
        if (fp != stdin)
            fclose(fp);
        rc = cli_usage_error(VERB, "%s: not a readable pcap/pcapng capture (at byte offset 0): %s", path, errbuf);
        goto out;
    }
    int lt = pcap_datalink(pc);
    if (!trace_linktype_supported(lt)) {
        const char *ln = pcap_datalink_val_to_name(lt);
        rc = cli_usage_error(VERB, "%s: link type %d (%s) is not supported (Ethernet, Linux cooked SLL/SLL2, raw IP, "
                                   "BSD loopback are)", path, lt, ln ? ln : "unknown");
        pcap_close(pc);
        goto out;
    }
    topts.creds = creds;
    topts.ncreds = ncreds;
    topts.on_msg = on_msg;
    topts.arg = &o;
    trace_ctx *t = NULL;
    if (trace_new(&t, &topts) != SMB_OK) {
        pcap_close(pc);
        rc = cli_usage_error(VERB, "out of memory");
        goto out;
    }
    jw_init(&o.w, stdout);
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t frame = 0;
    int r;
    char error[PCAP_ERRBUF_SIZE + 128] = "";
    while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
        frame++;
        trace_packet(t, frame, (uint64_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec, lt, data, h->caplen, h->len);
    }
    if (r == PCAP_ERROR) {
        FILE *pf = pcap_file(pc);
        long off = pf ? ftell(pf) : -1;
        if (off >= 0)
            snprintf(error, sizeof error, "%s: capture unreadable after frame %llu, near byte offset %ld: %s", path,
                     (unsigned long long)frame, off, pcap_geterr(pc));
        else
            snprintf(error, sizeof error, "%s: capture unreadable after frame %llu: %s", path,
                     (unsigned long long)frame, pcap_geterr(pc));
    }
    trace_finish(t);
    pcap_close(pc);
    rc = (o.totals[TV_BAD] || o.totals[TV_UNSIGNED] || o.totals[TV_DECRYPT_FAILED]) ? CLI_EXIT_NEGATIVE : CLI_EXIT_OK;
    if (error[0])
        rc = CLI_EXIT_USAGE;
    if (o.explain) {
        if (!o.explain_hit) {
            cli_err(VERB, "frame %llu holds no SMB message (or does not exist)", (unsigned long long)o.explain);
            rc = CLI_EXIT_USAGE;
        }
    } else if (o.json) {
        summary_json(&o, t, error[0] ? error : NULL, rc);
    } else {
        summary_text(&o, t, path);
    }
    fflush(stdout);
    if (error[0])
        cli_err(VERB, "%s", error);
    trace_free(t);
out:
    smb_wipe(creds, sizeof creds);
    return rc;
}
