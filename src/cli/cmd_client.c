/*
 * cli/cmd_client.c - `smbsign client`: an SMB2/3 client that signs every
 * request and verifies every response (see man smbsign-client, docs/client.md).
 * The protocol lives in the library (smbsign/client.h); this file parses
 * options, runs commands and prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client_smb1.h"
#include "crypto/crypto.h"
#include "smbsign/client.h"
#include "smbsign/crypt.h"
#include "smbsign/hardened.h"
#include "smbsign/policy.h"

#define VERB "client"
#define MAX_ARGS 16
#define MAX_LINE 4096

static const char USAGE[] =
    "usage: smbsign client //HOST[:PORT]/SHARE [-U USER[%PASS]] [-W DOMAIN] [-N] [-A AUTHFILE]\n"
    "                      [--signing required|enabled|disabled] [--profile NAME]\n"
    "                      [--hardened-paths LIST] [-k|--kerberos[=required|desired|off]] [-I ADDR]\n"
    "                      [-m MAXDIALECT] [--min-dialect D] [-e|--encrypt[=required|desired|off]]\n"
    "                      [--cipher C] [-c 'CMD; CMD; ...']\n"
    "\n"
    "An SMB2/3 client that signs every request and verifies every response.\n"
    "Whether the session signs is decided by the signing policy engine from this\n"
    "client's level (--signing, or the client defaults of --profile) and the\n"
    "server's SecurityMode. On a signing session an unsigned or badly signed\n"
    "response ends the connection (STATUS_ACCESS_DENIED / STATUS_INVALID_SIGNATURE);\n"
    "a guest or anonymous session while signing is required is refused.\n"
    "\n"
    "Options:\n"
    "  -U, --user USER[%PASS]   user name, optionally with the password\n"
    "  -W, --workgroup DOMAIN   domain (default: empty)\n"
    "  -N, --no-pass            no password (anonymous when no -U is given)\n"
    "  -k, --kerberos[=MODE]    Kerberos (docs/kerberos.md): required (the default of -k: no NTLM),\n"
    "                           desired (NTLM when Kerberos cannot start: no ticket, unknown\n"
    "                           server principal) or off. The ticket comes from the credential\n"
    "                           cache ($KRB5CCNAME, kinit), or from -U USER[@REALM]%PASS; the\n"
    "                           server principal is cifs/HOST: give HOST as its DNS name\n"
    "  -I, --ip-address ADDR    connect to ADDR instead of resolving HOST (as smbclient -I)\n"
    "  -A, --authentication-file FILE  'username = ', 'password = ', 'domain = ' lines\n"
    "      --signing LEVEL      required | enabled | disabled (default enabled)\n"
    "      --allow-guest        accept the server turning this logon into a guest session\n"
    "                           (refused by default: guest sessions are unsigned)\n"
    "      --profile NAME       take the client level from an OS profile (smbsign profiles);\n"
    "                           a Windows 10-or-later profile also applies its default UNC\n"
    "                           hardened paths \\\\*\\SYSVOL and \\\\*\\NETLOGON (MS15-011)\n"
    "      --hardened-paths LIST  the hardened UNC paths to apply instead: ';'-separated\n"
    "                           \\\\SERVER\\SHARE[=RequireMutualAuthentication=0|1,RequireIntegrity=0|1,\n"
    "                           RequirePrivacy=0|1] ('*' for a whole name; a bare path means\n"
    "                           mutual authentication and integrity), or 'none'. A matching\n"
    "                           path with RequireIntegrity=1 makes this session sign whatever\n"
    "                           --signing says (see 'signing-reason' in 'session')\n"
    "  -m, --max-protocol D     highest dialect: 2.0.2 2.1 3.0 3.0.2 3.1.1 (or SMB2_02 ... SMB3_11),\n"
    "                           or NT1 for SMB1 (NT LM 0.12; commands ls, get, put, echo, session)\n"
    "      --era E              SMB1 behaviour era: current (default) or legacy (docs/smb1.md)\n"
    "      --no-spnego          SMB1: no extended security; NTLMv2 in the non-extended\n"
    "                           SESSION_SETUP_ANDX (also chosen when the server offers no SPNEGO)\n"
    "      --min-dialect D      lowest dialect offered (default 2.0.2)\n"
    "  -e, --encrypt[=MODE]     SMB 3.x encryption (MS-SMB2 3.1.4.3): required (-e alone, like\n"
    "                           smbclient -e: fail unless the session encrypts), desired\n"
    "                           (encrypt when the server can), off (never offer encryption: a\n"
    "                           server or share that requires it is refused with\n"
    "                           STATUS_ACCESS_DENIED). Without -e: encrypt what the server\n"
    "                           requires (the session, or the trees of a share with\n"
    "                           SMB2_SHAREFLAG_ENCRYPT_DATA), like smbclient's default.\n"
    "                           Encrypted messages are not signed.\n"
    "      --spnego-mechs LIST  with -k: the SPNEGO mechanism order, krb5,ntlmssp (default) or\n"
    "                           ntlmssp,krb5 (NTLMSSP first with its optimistic token; a server\n"
    "                           that takes Kerberos then needs the mechListMIC both ways,\n"
    "                           RFC 4178 5)\n"
    "      --cipher C           offer only this cipher: aes-128-gcm aes-128-ccm aes-256-gcm\n"
    "                           aes-256-ccm (3.0/3.0.2 have AES-128-CCM only)\n"
    "      --leases on|off      ask for a lease on the files opened (RH to read, RWH to write)\n"
    "                           when the server offers leasing (default on); breaks are\n"
    "                           acknowledged. --no-leases is --leases=off\n"
    "  -c, --command 'CMDS'     run ';'-separated commands and exit\n"
    "  -t, --timeout SECONDS    per-wait timeout (default 30)\n"
    "  -v, --verbose            after each get/put print bytes, seconds and MiB/s on stderr\n"
    "                           (timed from the remote open to the close, like smbclient's average)\n"
    "  -h, --help               this text\n"
    "\n"
    "The password comes from -U USER%PASS, -A, $SMBSIGN_PASSWORD, or a prompt\n"
    "without echo on the terminal.\n"
    "\n"
    "Commands (also at the interactive prompt):\n"
    "  ls [PATH]              list a directory\n"
    "  get REMOTE [LOCAL]     download (written to LOCAL.part, renamed when complete)\n"
    "  put LOCAL [REMOTE]     upload\n"
    "  mkdir PATH | rmdir PATH | rm PATH | rename OLD NEW\n"
    "  stat PATH              key value lines\n"
    "  hold PATH SECONDS      open PATH for reading and writing (an RWH lease when offered),\n"
    "                         keep it open SECONDS while answering lease breaks, close it\n"
    "  session                dialect, signing, algorithm, SecurityMode, encryption, guest ...\n"
    "                         as key value lines\n"
    "  help | quit\n"
    "\n"
    "Examples:\n"
    "  smbsign client //127.0.0.1:4445/share -U alice%secret --signing required -c 'session'\n"
    "  SMBSIGN_PASSWORD=secret smbsign client //srv/data -U alice -m 3.0 -c 'put big.iso; ls'\n"
    "  smbsign client //srv/public -N -c 'get readme.txt'\n"
    "  kinit alice@LAB.TEST && smbsign client //dc1.lab.test/sysvol -k -c session\n"
    "  smbsign client //srv/data -U alice --profile win11-24h2   (interactive)\n"
    "  smbsign client //127.0.0.1:4445/share -U alice%secret -m NT1 --no-spnego --signing required -c session\n"
    "\n"
    "Exit status: 0 ok, 1 an operation or the connection failed (the NTSTATUS name\n"
    "is printed), 2 usage error.\n";

struct opts {
    char host[256];
    uint16_t port;
    char share[256];
    char *user;
    char *password;
    char *domain;
    bool no_pass;
    smb_sign_level level;
    const char *level_src;
    smb_dialect min_d, max_d;
    const char *cmds;
    int timeout;
    bool nt1;     /* -m NT1: the SMB1 client (cli/client_smb1.c) */
    smb_era era;  /* SMB1 era: --era, or the --profile's */
    bool no_spnego; /* SMB1: --no-spnego, the non-extended SESSION_SETUP_ANDX */
    bool allow_guest; /* --allow-guest: accept the server mapping this logon to guest */
    smb_encryption encrypt; /* -e / --encrypt */
    uint16_t cipher;        /* --cipher: offer only this one */
    bool krb5_second;       /* --spnego-mechs ntlmssp,krb5 */
    bool no_encrypt;        /* --encrypt=off */
    bool no_leases;         /* --leases=off / --no-leases */
    bool verbose;     /* -v: transfer summary after get/put */
    int kerberos;     /* -k: SMB_CLIENT_KRB_* */
    const char *address; /* -I ADDR */
    /* UNC hardened access (MS15-011): the entry matching //HOST/SHARE, if any */
    smb_hardened_rule hardened;
    bool hardened_hit;
    bool hardened_raised; /* it raised the level to required */
    const char *hardened_src;
};

static int parse_target(const char *t, struct opts *o)
{
    if (strncmp(t, "//", 2) && strncmp(t, "\\\\", 2))
        return -1;
    t += 2;
    const char *slash = strpbrk(t, "/\\");
    if (!slash || !slash[1])
        return -1;
    size_t hl = (size_t)(slash - t);
    if (hl == 0 || hl >= sizeof o->host)
        return -1;
    memcpy(o->host, t, hl);
    o->host[hl] = 0;
    o->port = 445;
    char *colon = strrchr(o->host, ':');
    if (colon && !strchr(colon + 1, ']')) {
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (*end || p <= 0 || p > 65535)
            return -1;
        o->port = (uint16_t)p;
        *colon = 0;
    }
    if (o->host[0] == '[') { /* [v6] */
        size_t l = strlen(o->host);
        if (o->host[l - 1] != ']')
            return -1;
        memmove(o->host, o->host + 1, l - 2);
        o->host[l - 2] = 0;
    }
    snprintf(o->share, sizeof o->share, "%s", slash + 1);
    size_t sl = strlen(o->share);
    while (sl && (o->share[sl - 1] == '/' || o->share[sl - 1] == '\\'))
        o->share[--sl] = 0;
    return strpbrk(o->share, "/\\") || !sl ? -1 : 0;
}

static int parse_dialect(const char *s, smb_dialect *d)
{
    if (!strcasecmp(s, "SMB3"))
        s = "3.1.1";
    else if (!strcasecmp(s, "SMB2"))
        s = "2.1";
    if (smb_dialect_parse(s, d) != 0)
        return -1;
    return *d >= SMB_DIALECT_202 && *d <= SMB_DIALECT_311 && *d != SMB_DIALECT_2FF ? 0 : -1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t l = strlen(s);
    while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\n' || s[l - 1] == '\r'))
        s[--l] = 0;
    return s;
}

static int read_authfile(const char *path, struct opts *o)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = 0;
        char *k = trim(line), *v = trim(eq + 1);
        if (!strcmp(k, "username")) {
            free(o->user);
            o->user = strdup(v);
        } else if (!strcmp(k, "password")) {
            if (o->password)
                smb_wipe(o->password, strlen(o->password));
            free(o->password);
            o->password = strdup(v);
        } else if (!strcmp(k, "domain")) {
            free(o->domain);
            o->domain = strdup(v);
        }
    }
    smb_wipe(line, sizeof line);
    fclose(f);
    return 0;
}

static char *prompt_password(const char *user)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return NULL;
    struct termios old, noecho;
    char buf[256];
    fprintf(tty, "Password for %s: ", user);
    fflush(tty);
    int fd = fileno(tty);
    bool restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        noecho = old;
        noecho.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &noecho);
    }
    char *r = fgets(buf, sizeof buf, tty);
    if (restore)
        tcsetattr(fd, TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    if (!r)
        return NULL;
    char *p = strdup(trim(buf));
    smb_wipe(buf, sizeof buf);
    return p;
}

/* ---------------- output helpers ---------------- */

static void fmt_time(uint64_t ft, char *out, size_t cap)
{
    if (ft < 116444736000000000ull) {
        snprintf(out, cap, "-");
        return;
    }
    time_t t = (time_t)((ft - 116444736000000000ull) / 10000000ull);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int report(smb_client *c, const char *what, smb_status st)
{
    const char *why = c ? smb_client_last_error(c) : "";
    if (why && *why)
        fprintf(stderr, "smbsign client: %s: %s (%s)\n", what, smb_status_name(st), why);
    else
        fprintf(stderr, "smbsign client: %s: %s (%s)\n", what, smb_status_name(st), smb_status_desc(st));
    return CLI_EXIT_NEGATIVE;
}

struct progress {
    bool tty;
    struct timespec t0;
    const char *name;
    uint64_t done;
};

static double since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* -v: "put a -> b: N bytes in S s (R MiB/s)", timed from before the remote
 * open to after the close (what smbclient's "average" rate covers). */
static void xfer_summary(const struct opts *o, const char *verb, const char *from, const char *to,
                         const struct progress *p)
{
    if (!o->verbose)
        return;
    double el = since(&p->t0);
    fprintf(stderr, "%s %s -> %s: %" PRIu64 " bytes in %.3f s (%.1f MiB/s)\n", verb, from, to, p->done, el,
            el > 0 ? (double)p->done / el / (1024.0 * 1024.0) : 0.0);
}

static void progress_cb(uint64_t done, uint64_t total, void *arg)
{
    struct progress *p = arg;
    p->done = done;
    if (!p->tty)
        return;
    double el = since(&p->t0);
    double rate = el > 0 ? (double)done / el / (1024.0 * 1024.0) : 0;
    int pct = total ? (int)(done * 100 / total) : 100;
    int bars = pct / 5;
    char bar[21];
    for (int i = 0; i < 20; i++)
        bar[i] = i < bars ? '#' : ' ';
    bar[20] = 0;
    fprintf(stderr, "\r%-24.24s [%s] %3d%% %8.1f MiB/s", p->name, bar, pct, rate);
    if (done == total && total)
        fputc('\n', stderr);
    fflush(stderr);
}

static const char *basename_of(const char *p)
{
    const char *s = strrchr(p, '/');
    const char *b = strrchr(p, '\\');
    if (b && (!s || b > s))
        s = b;
    return s ? s + 1 : p;
}

static int ls_cb(const struct smb_client_dirent *e, void *arg)
{
    (void)arg;
    char t[32], a[SMB_FILE_ATTR_LETTERS_MAX];
    fmt_time(e->st.last_write_time, t, sizeof t);
    /* The attributes the server returned, in smbclient's letters (issue 20). */
    printf("  %-40s %-5s %12" PRIu64 "  %s\n", e->name, smb_file_attr_letters(e->st.attributes, a), e->st.size, t);
    return 0;
}

/* ---------------- commands ---------------- */

static int do_session(smb_client *c, struct opts *o)
{
    struct smb_client_session s;
    smb_status st = smb_client_session_info(c, &s);
    if (st != SMB_OK) {
        fprintf(stderr, "smbsign client: session: no session to describe (%s)\n", smb_status_name(st));
        return CLI_EXIT_NEGATIVE;
    }
    smb_sign_level server_level = smb_policy_level_from_smb2_secmode(s.server_security_mode);
    smb_outcome oc;
    smb_side cs = {o->level, SMB_ERA_CURRENT}, ss = {server_level, SMB_ERA_CURRENT};
    const char *pred = smb_policy_outcome(SMB_PROTO_SMB2, cs, ss, &oc) == SMB_OK ? smb_outcome_name(oc.kind) : "unknown";
    printf("server %s\n", o->host);
    printf("port %u\n", o->port);
    printf("share %s\n", o->share);
    printf("dialect %s\n", smb_dialect_name(s.dialect));
    printf("signing %s\n", s.signing ? "on" : "off");
    printf("signing-algorithm %s\n", smb_alg_name(s.signing ? s.alg : SMB_ALG_NONE));
    printf("encryption %s\n", s.encrypting ? "on" : "off");
    /* leasing on: a lease was asked for and granted on this session (so a
     * file opened earlier in the same run); the server's offer beside it */
    printf("leasing %s\n", s.leasing ? "on" : "off");
    printf("server-leasing %s\n", s.server_leasing ? "on" : "off");
    printf("lease-breaks %" PRIu64 "\n", s.lease_breaks);
    printf("lease-acks %" PRIu64 "\n", s.lease_acks);
    printf("encryption-cipher %s\n", s.encrypting && smb_cipher_name((smb_cipher)s.cipher)
                                          ? smb_cipher_name((smb_cipher)s.cipher)
                                          : "none");
    printf("server-security-mode 0x%02x\n", s.server_security_mode);
    printf("client-security-mode 0x%02x\n", s.client_security_mode);
    printf("server-signing-level %s\n", smb_level_name(server_level));
    printf("client-signing-level %s\n", smb_level_name(o->level));
    printf("client-level-source %s\n", o->level_src);
    char hp[SMB_HARDENED_TEXT_MAX];
    printf("hardened-path %s\n", o->hardened_hit ? smb_hardened_text(&o->hardened, hp) : "none");
    if (o->hardened_src)
        printf("hardened-paths-from %s\n", o->hardened_src);
    /* Why this session signs, or does not (the engine decided; this names the input that mattered). */
    if (!s.signing)
        printf("signing-reason not-required\n");
    else if (o->hardened_raised)
        printf("signing-reason hardened-path %s\n", hp);
    else if (o->level == SMB_LEVEL_REQUIRED)
        printf("signing-reason client-required\n");
    else if (server_level == SMB_LEVEL_REQUIRED)
        printf("signing-reason server-required\n");
    else
        printf("signing-reason negotiated\n");
    printf("auth %s\n", s.kerberos ? "kerberos" : "ntlm");
    /* NTLM cannot authenticate the server: a path requiring mutual authentication
     * is reported, not enforced; Kerberos (the AP-REP) always did it. */
    printf("mutual-authentication %s\n",
           s.kerberos ? "kerberos"
           : o->hardened_hit && o->hardened.require_mutual_auth == 1 ? "required-not-enforced" : "not-required");
    printf("policy-outcome %s\n", pred);
    printf("guest %s\n", s.guest ? "yes" : "no");
    printf("anonymous %s\n", s.anonymous ? "yes" : "no");
    printf("preauth-integrity %s\n", s.preauth_integrity ? "sha512" : "none");
    printf("validate-negotiate %s\n", (s.dialect == SMB_DIALECT_300 || s.dialect == SMB_DIALECT_302)
                                          ? (s.validated_negotiate ? "passed" : "not-done")
                                          : "n/a");
    printf("session-id 0x%016" PRIx64 "\n", s.session_id);
    printf("tree-id 0x%08x\n", s.tree_id);
    printf("max-read %u\n", s.max_read);
    printf("max-write %u\n", s.max_write);
    printf("credits %u\n", s.credits);
    printf("requests-signed %" PRIu64 "\n", s.requests_signed);
    printf("responses-verified %" PRIu64 "\n", s.responses_verified);
    printf("responses-batch-verified %" PRIu64 "\n", s.responses_batch_verified);
    printf("requests-encrypted %" PRIu64 "\n", s.requests_encrypted);
    printf("responses-decrypted %" PRIu64 "\n", s.responses_decrypted);
    printf("channels %u\n", s.channels);
    printf("server-multichannel %s\n", s.server_multichannel ? "yes" : "no");
    return 0;
}

/* hold PATH SECONDS: a file kept open (a lease holder for the two-client
 * tests, tests/interop/client_leases.sh); "held" is printed once it is open */
static int do_hold(smb_client *c, const char *path, const char *secs)
{
    char *end;
    double t = strtod(secs, &end);
    if (end == secs || *end || !(t >= 0 && t <= 86400)) {
        fprintf(stderr, "smbsign client: hold: SECONDS must be 0 to 86400, got '%s'\n", secs);
        return CLI_EXIT_NEGATIVE;
    }
    smb_client_file *f;
    char what[512];
    snprintf(what, sizeof what, "hold %s", path);
    smb_status st = smb_client_open(c, path, SMB_CLIENT_O_READ | SMB_CLIENT_O_WRITE, &f, NULL);
    if (st != SMB_OK)
        return report(c, what, st);
    struct smb_client_session s;
    if (smb_client_session_info(c, &s) == SMB_OK)
        printf("held %s leasing %s\n", path, s.leasing ? "on" : "off");
    fflush(stdout);
    st = smb_client_idle(c, (int)(t * 1000));
    smb_status cs = smb_client_close(c, f);
    if (st == SMB_OK)
        st = cs;
    if (st != SMB_OK)
        return report(c, what, st);
    if (smb_client_session_info(c, &s) == SMB_OK)
        printf("released %s lease-breaks %" PRIu64 " lease-acks %" PRIu64 "\n", path, s.lease_breaks, s.lease_acks);
    return 0;
}

static int do_get(smb_client *c, const struct opts *o, const char *remote, const char *local)
{
    char part[4200];
    struct stat sb;
    if (!local)
        local = basename_of(remote);
    /* A regular file is written as LOCAL.part and renamed once every byte
     * arrived verified; a device or pipe (/dev/null, "-") is written directly. */
    bool direct = !strcmp(local, "-") || (stat(local, &sb) == 0 && !S_ISREG(sb.st_mode));
    int fd;
    if (!strcmp(local, "-"))
        fd = dup(1);
    else if (direct)
        fd = open(local, O_WRONLY | O_CLOEXEC);
    else {
        snprintf(part, sizeof part, "%s.part", local);
        fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    if (fd < 0) {
        fprintf(stderr, "smbsign client: get %s: cannot create %s: %s\n", remote, direct ? local : part,
                strerror(errno));
        return CLI_EXIT_NEGATIVE;
    }
    struct progress p = {isatty(2) != 0, {0, 0}, basename_of(remote), 0};
    clock_gettime(CLOCK_MONOTONIC, &p.t0);
    smb_status st = smb_client_get(c, remote, fd, progress_cb, &p);
    if (st == SMB_OK)
        xfer_summary(o, "get", remote, local, &p);
    if (close(fd) != 0 && st == SMB_OK)
        st = SMB_E_IO;
    if (st != SMB_OK) {
        if (!direct)
            unlink(part); /* nothing unverified or partial is left behind */
        char what[512];
        snprintf(what, sizeof what, "get %s", remote);
        return report(c, what, st);
    }
    if (!direct && rename(part, local) != 0) {
        fprintf(stderr, "smbsign client: get %s: cannot rename to %s: %s\n", remote, local, strerror(errno));
        unlink(part);
        return CLI_EXIT_NEGATIVE;
    }
    return 0;
}

static int do_put(smb_client *c, const struct opts *o, const char *local, const char *remote)
{
    if (!remote)
        remote = basename_of(local);
    int fd = open(local, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "smbsign client: put %s: %s\n", local, strerror(errno));
        return CLI_EXIT_NEGATIVE;
    }
    struct progress p = {isatty(2) != 0, {0, 0}, basename_of(local), 0};
    clock_gettime(CLOCK_MONOTONIC, &p.t0);
    smb_status st = smb_client_put(c, fd, remote, progress_cb, &p);
    if (st == SMB_OK)
        xfer_summary(o, "put", local, remote, &p);
    close(fd);
    if (st != SMB_OK) {
        char what[512];
        snprintf(what, sizeof what, "put %s", local);
        return report(c, what, st);
    }
    return 0;
}

static int do_stat(smb_client *c, const char *path)
{
    struct smb_client_stat s;
    smb_status st = smb_client_stat(c, path, &s);
    if (st != SMB_OK) {
        char what[512];
        snprintf(what, sizeof what, "stat %s", path);
        return report(c, what, st);
    }
    char t[32];
    printf("name %s\n", path);
    printf("type %s\n", s.directory ? "directory" : "file");
    printf("size %" PRIu64 "\n", s.size);
    printf("allocation-size %" PRIu64 "\n", s.allocation_size);
    printf("attributes 0x%08x\n", s.attributes);
    printf("links %u\n", s.links);
    fmt_time(s.creation_time, t, sizeof t);
    printf("created %s\n", t);
    fmt_time(s.last_write_time, t, sizeof t);
    printf("modified %s\n", t);
    fmt_time(s.last_access_time, t, sizeof t);
    printf("accessed %s\n", t);
    fmt_time(s.change_time, t, sizeof t);
    printf("changed %s\n", t);
    return 0;
}

static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

static int split_args(char *line, char **av)
{
    int n = 0;
    char *p = line;
    while (*p && n < MAX_ARGS) {
        while (is_space(*p))
            p++;
        if (!*p)
            break;
        char *out = p, *start = p;
        char q = 0;
        while (*p && (q || !is_space(*p))) {
            if (!q && (*p == '"' || *p == '\'')) {
                q = *p++;
                continue;
            }
            if (q && *p == q) {
                q = 0;
                p++;
                continue;
            }
            *out++ = *p++;
        }
        if (*p)
            p++;
        *out = 0;
        av[n++] = start;
    }
    return n;
}

/* Returns 0 ok, 1 failed, 3 quit. */
static int run_cmd(smb_client *c, struct opts *o, char *line)
{
    char *av[MAX_ARGS];
    int n = split_args(line, av);
    if (n == 0)
        return 0;
    const char *cmd = av[0];
    smb_status st;
    char what[512];
#define NEED(k)                                                                                                        \
    do {                                                                                                               \
        if (n < (k) + 1) {                                                                                             \
            fprintf(stderr, "smbsign client: %s: missing argument (try 'help')\n", cmd);                              \
            return CLI_EXIT_NEGATIVE;                                                                                  \
        }                                                                                                              \
    } while (0)
    if (!strcmp(cmd, "quit") || !strcmp(cmd, "exit") || !strcmp(cmd, "q"))
        return 3;
    if (!strcmp(cmd, "help") || !strcmp(cmd, "?")) {
        printf("ls [PATH] | get REMOTE [LOCAL] | put LOCAL [REMOTE] | mkdir PATH | rmdir PATH | rm PATH |\n"
               "rename OLD NEW | stat PATH | hold PATH SECONDS | session | quit\n");
        return 0;
    }
    if (!strcmp(cmd, "session"))
        return do_session(c, o);
    if (!strcmp(cmd, "hold")) {
        NEED(2);
        return do_hold(c, av[1], av[2]);
    }
    if (!strcmp(cmd, "ls") || !strcmp(cmd, "dir")) {
        const char *path = n > 1 ? av[1] : "";
        st = smb_client_list(c, path, ls_cb, NULL);
        snprintf(what, sizeof what, "ls %s", path);
        return st == SMB_OK ? 0 : report(c, what, st);
    }
    if (!strcmp(cmd, "get")) {
        NEED(1);
        return do_get(c, o, av[1], n > 2 ? av[2] : NULL);
    }
    if (!strcmp(cmd, "put")) {
        NEED(1);
        return do_put(c, o, av[1], n > 2 ? av[2] : NULL);
    }
    if (!strcmp(cmd, "stat")) {
        NEED(1);
        return do_stat(c, av[1]);
    }
    if (!strcmp(cmd, "mkdir") || !strcmp(cmd, "md")) {
        NEED(1);
        st = smb_client_mkdir(c, av[1]);
    } else if (!strcmp(cmd, "rmdir") || !strcmp(cmd, "rd")) {
        NEED(1);
        st = smb_client_rmdir(c, av[1]);
    } else if (!strcmp(cmd, "rm") || !strcmp(cmd, "del")) {
        NEED(1);
        st = smb_client_unlink(c, av[1]);
    } else if (!strcmp(cmd, "rename") || !strcmp(cmd, "mv")) {
        NEED(2);
        st = smb_client_rename(c, av[1], av[2]);
    } else {
        fprintf(stderr, "smbsign client: unknown command '%s' (try 'help')\n", cmd);
        return CLI_EXIT_NEGATIVE;
    }
#undef NEED
    snprintf(what, sizeof what, "%s %s", cmd, av[1]);
    return st == SMB_OK ? 0 : report(c, what, st);
}

static int run_commands(smb_client *c, struct opts *o)
{
    int rc = 0;
    if (o->cmds) {
        char *copy = strdup(o->cmds);
        if (!copy)
            return CLI_EXIT_NEGATIVE;
        char *save = NULL;
        for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
            int r = run_cmd(c, o, t);
            if (r == 3)
                break;
            if (r) {
                rc = r;
                struct smb_client_session s;
                if (smb_client_session_info(c, &s) != SMB_OK)
                    break; /* the connection is gone */
            }
        }
        free(copy);
        return rc;
    }
    char line[MAX_LINE];
    bool tty = isatty(0);
    for (;;) {
        if (tty) {
            printf("smb: \\> ");
            fflush(stdout);
        }
        if (!fgets(line, sizeof line, stdin))
            break;
        int r = run_cmd(c, o, line);
        if (r == 3)
            break;
        if (r)
            rc = r;
        struct smb_client_session s;
        if (smb_client_session_info(c, &s) != SMB_OK)
            break;
    }
    return rc;
}

int cmd_client(int argc, char **argv)
{
    static const struct option lo[] = {{"user", required_argument, NULL, 'U'},
                                       {"workgroup", required_argument, NULL, 'W'},
                                       {"no-pass", no_argument, NULL, 'N'},
                                       {"authentication-file", required_argument, NULL, 'A'},
                                       {"signing", required_argument, NULL, 1},
                                       {"profile", required_argument, NULL, 2},
                                       {"max-protocol", required_argument, NULL, 'm'},
                                       {"min-dialect", required_argument, NULL, 3},
                                       {"command", required_argument, NULL, 'c'},
                                       {"timeout", required_argument, NULL, 't'},
                                       {"era", required_argument, NULL, 4}, /* SMB1 hook */
                                       {"no-spnego", no_argument, NULL, 5},  /* SMB1 hook */
                                       {"allow-guest", no_argument, NULL, 6},
                                       {"verbose", no_argument, NULL, 'v'},
                                       {"hardened-paths", required_argument, NULL, 7},
                                       {"kerberos", optional_argument, NULL, 'k'},
                                       {"spnego-mechs", required_argument, NULL, 9},
                                       {"ip-address", required_argument, NULL, 'I'},
                                       {"encrypt", optional_argument, NULL, 'e'},
                                       {"cipher", required_argument, NULL, 8},
                                       {"leases", required_argument, NULL, 10},
                                       {"no-leases", no_argument, NULL, 11},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct opts o;
    memset(&o, 0, sizeof o);
    o.level = SMB_LEVEL_ENABLED;
    o.level_src = "default";
    o.timeout = 30;
    const char *signing = NULL, *profile = NULL, *authfile = NULL, *hardened = NULL;
    const smb_profile *prof = NULL;
    int ch, rc = CLI_EXIT_USAGE;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "U:W:NA:m:c:t:evhk::I:", lo, NULL)) != -1) {
        switch (ch) {
        case 'U': {
            free(o.user);
            o.user = strdup(optarg);
            char *pct = strchr(o.user, '%');
            if (pct) {
                *pct = 0;
                free(o.password);
                o.password = strdup(pct + 1);
                smb_wipe(optarg + (pct - o.user) + 1, strlen(pct + 1)); /* hide from ps */
            }
            break;
        }
        case 'W':
            free(o.domain);
            o.domain = strdup(optarg);
            break;
        case 'N':
            o.no_pass = true;
            break;
        case 'A':
            authfile = optarg;
            break;
        case 1:
            signing = optarg;
            break;
        case 2:
            profile = optarg;
            break;
        case 'm':
            if (!strcasecmp(optarg, "NT1")) { /* SMB1 hook */
                o.nt1 = true;
                break;
            }
            if (parse_dialect(optarg, &o.max_d)) {
                rc = cli_usage_error(VERB, "unknown dialect '%s' for -m", optarg);
                goto out;
            }
            break;
        case 3:
            if (parse_dialect(optarg, &o.min_d)) {
                rc = cli_usage_error(VERB, "unknown dialect '%s' for --min-dialect", optarg);
                goto out;
            }
            break;
        case 'c':
            o.cmds = optarg;
            break;
        case 4: /* SMB1 hook: --era current|legacy (docs/smb1.md) */
            if (!strcmp(optarg, "legacy"))
                o.era = SMB_ERA_LEGACY;
            else if (!strcmp(optarg, "current"))
                o.era = SMB_ERA_CURRENT;
            else {
                rc = cli_usage_error(VERB, "--era wants current or legacy");
                goto out;
            }
            break;
        case 5: /* SMB1 hook: --no-spnego (docs/smb1.md) */
            o.no_spnego = true;
            break;
        case 6:
            o.allow_guest = true;
            break;
        case 7:
            hardened = optarg;
            break;
        case 'e':
            o.no_encrypt = optarg && (!strcmp(optarg, "off") || !strcmp(optarg, "disabled"));
            if (!optarg || !strcmp(optarg, "required") || !strcmp(optarg, "mandatory"))
                o.encrypt = SMB_ENCRYPTION_REQUIRED;
            else if (!strcmp(optarg, "desired"))
                o.encrypt = SMB_ENCRYPTION_DESIRED;
            else if (o.no_encrypt || !strcmp(optarg, "if_required"))
                o.encrypt = SMB_ENCRYPTION_NONE;
            else {
                rc = cli_usage_error(VERB, "--encrypt wants required, desired, if_required or off, got '%s'", optarg);
                goto out;
            }
            break;
        case 8: {
            smb_cipher ci;
            if (smb_cipher_parse(optarg, &ci) != 0 || ci == SMB_CIPHER_NONE) {
                rc = cli_usage_error(VERB, "--cipher wants aes-128-gcm, aes-128-ccm, aes-256-gcm or aes-256-ccm");
                goto out;
            }
            o.cipher = (uint16_t)ci;
            break;
        }
        case 'v':
            o.verbose = true;
            break;
        case 'k':
            if (!optarg || !strcmp(optarg, "required") || !strcmp(optarg, "yes"))
                o.kerberos = SMB_CLIENT_KRB_REQUIRED;
            else if (!strcmp(optarg, "desired") || !strcmp(optarg, "auto"))
                o.kerberos = SMB_CLIENT_KRB_DESIRED;
            else if (!strcmp(optarg, "off") || !strcmp(optarg, "no"))
                o.kerberos = SMB_CLIENT_KRB_OFF;
            else {
                rc = cli_usage_error(VERB, "--kerberos wants required, desired or off, got '%s'", optarg);
                goto out;
            }
            break;
        case 9:
            if (!strcmp(optarg, "ntlmssp,krb5"))
                o.krb5_second = true;
            else if (!strcmp(optarg, "krb5,ntlmssp"))
                o.krb5_second = false;
            else {
                rc = cli_usage_error(VERB, "--spnego-mechs wants krb5,ntlmssp or ntlmssp,krb5, got '%s'", optarg);
                goto out;
            }
            break;
        case 'I':
            o.address = optarg;
            break;
        case 10:
            if (!strcmp(optarg, "off") || !strcmp(optarg, "no"))
                o.no_leases = true;
            else if (!strcmp(optarg, "on") || !strcmp(optarg, "yes"))
                o.no_leases = false;
            else {
                rc = cli_usage_error(VERB, "--leases wants on or off, got '%s'", optarg);
                goto out;
            }
            break;
        case 11:
            o.no_leases = true;
            break;
        case 't':
            o.timeout = atoi(optarg);
            if (o.timeout <= 0 || o.timeout > 3600) {
                rc = cli_usage_error(VERB, "--timeout wants 1..3600 seconds");
                goto out;
            }
            break;
        case 'h':
            fputs(USAGE, stdout);
            rc = CLI_EXIT_OK;
            goto out;
        default:
            rc = cli_usage_error(VERB, "bad option");
            goto out;
        }
    }
    if (optind != argc - 1) {
        rc = cli_usage_error(VERB, optind >= argc ? "missing //HOST/SHARE" : "too many arguments");
        goto out;
    }
    if (parse_target(argv[optind], &o)) {
        rc = cli_usage_error(VERB, "target must look like //HOST[:PORT]/SHARE, got '%s'", argv[optind]);
        goto out;
    }
    if (signing && profile) {
        rc = cli_usage_error(VERB, "--signing and --profile both set the client level; give one");
        goto out;
    }
    if (signing) {
        if (smb_level_parse(signing, &o.level)) {
            rc = cli_usage_error(VERB, "--signing wants required, enabled or disabled, got '%s'", signing);
            goto out;
        }
        o.level_src = "--signing";
    }
    if (profile) {
        const smb_profile *p = smb_policy_profile_find(profile);
        if (!p) {
            rc = cli_usage_error(VERB, "unknown profile '%s' (see 'smbsign profiles')", profile);
            goto out;
        }
        if (p->client_require == SMB_VALUE_UNDEFINED) {
            rc = cli_usage_error(VERB, "profile '%s' has no SMB client", profile);
            goto out;
        }
        o.level = p->client_require == 1   ? SMB_LEVEL_REQUIRED
                  : p->client_enable == 1 ? SMB_LEVEL_ENABLED
                                          : SMB_LEVEL_DISABLED;
        o.level_src = "--profile";
        o.era = p->era;
        prof = p;
    }
    {
        /* UNC hardened access: --hardened-paths, else a Windows 10+ profile's defaults. */
        smb_hardened_rule list[SMB_HARDENED_MAX_PATHS];
        const smb_hardened_rule *hl = NULL;
        size_t hn = 0;
        if (hardened) {
            smb_policy_error he = {0, ""};
            if (smb_hardened_parse_list(hardened, list, SMB_HARDENED_MAX_PATHS, &hn, &he) != SMB_OK) {
                rc = cli_usage_error(VERB, "--hardened-paths: entry %u: %s", he.line, he.msg);
                goto out;
            }
            hl = list;
            o.hardened_src = "--hardened-paths";
        } else if (smb_hardened_profile_applies_defaults(prof)) {
            hl = smb_hardened_defaults(&hn);
            o.hardened_src = "profile-default";
        }
        const smb_hardened_rule *hit = smb_hardened_lookup(hl, hn, o.host, o.share);
        if (hit) {
            o.hardened = *hit;
            o.hardened_hit = true;
            if (hit->require_integrity == 1 && o.level != SMB_LEVEL_REQUIRED) {
                o.level = SMB_LEVEL_REQUIRED;
                o.level_src = "hardened-path";
                o.hardened_raised = true;
            }
        }
    }
    if (o.min_d && o.max_d && o.min_d > o.max_d) {
        rc = cli_usage_error(VERB, "--min-dialect is above -m");
        goto out;
    }
    if (authfile && read_authfile(authfile, &o)) {
        rc = cli_usage_error(VERB, "cannot read authentication file %s", authfile);
        goto out;
    }
    if (o.user && *o.user) {
        /* DOMAIN\user or DOMAIN/user */
        char *sep = strpbrk(o.user, "\\/");
        if (sep) {
            *sep = 0;
            free(o.domain);
            o.domain = strdup(o.user);
            memmove(o.user, sep + 1, strlen(sep + 1) + 1);
        }
    }
    if (o.nt1 && o.kerberos && o.no_spnego) {
        rc = cli_usage_error(VERB, "Kerberos over SMB1 needs extended security (SPNEGO): drop --no-spnego");
        goto out;
    }
    /* Kerberos with a credential cache needs no password */
    if (!o.password && !o.no_pass && o.user && *o.user && o.kerberos != SMB_CLIENT_KRB_REQUIRED) {
        const char *env = getenv("SMBSIGN_PASSWORD");
        if (env)
            o.password = strdup(env);
        else if (!(o.password = prompt_password(o.user))) {
            rc = cli_usage_error(VERB, "no password: use -U USER%%PASS, -A, SMBSIGN_PASSWORD, -N or a terminal");
            goto out;
        }
    }

    if (o.nt1) { /* SMB1 hook: -m NT1 */
        struct cli_smb1_args a = {o.host, o.share, o.user, o.domain, o.password, o.cmds,
                                  o.port, o.level, o.era, o.timeout, o.no_spnego, o.kerberos, o.address};
        rc = cli_client_smb1(&a);
        if (o.password)
            smb_wipe(o.password, strlen(o.password));
        goto out;
    }
    struct smb_client_opts co = SMB_CLIENT_OPTS_INIT;
    co.host = o.host;
    co.port = o.port;
    co.user = o.user;
    co.domain = o.domain;
    co.password = o.password ? o.password : "";
    co.signing = o.level;
    co.allow_guest_fallback = o.allow_guest;
    co.kerberos = o.kerberos;
    co.krb5_second = o.krb5_second;
    co.address = o.address;
    co.encrypt = o.encrypt;
    co.no_encrypt = o.no_encrypt;
    co.cipher = o.cipher;
    co.no_leases = o.no_leases;
    co.min_dialect = o.min_d;
    co.max_dialect = o.max_d;
    co.timeout_ms = o.timeout * 1000;
    /* transfer tuning (docs/client.md): READ/WRITE size and requests in flight */
    const char *tune;
    if ((tune = getenv("SMBSIGN_CLIENT_CHUNK")))
        co.max_chunk = (uint32_t)strtoul(tune, NULL, 0);
    if ((tune = getenv("SMBSIGN_CLIENT_WINDOW")))
        co.window = (unsigned)strtoul(tune, NULL, 0);
    smb_client *c = NULL;
    smb_status st = smb_client_connect(&c, &co);
    if (o.password)
        smb_wipe(o.password, strlen(o.password));
    if (st != SMB_OK) {
        char what[300];
        snprintf(what, sizeof what, "connect to %s:%u", o.host, o.port);
        rc = report(c, what, st);
        smb_client_free(c);
        goto out;
    }
    if ((st = smb_client_tree_connect(c, o.share)) != SMB_OK) {
        char what[300];
        snprintf(what, sizeof what, "tree connect to %s", o.share);
        rc = report(c, what, st);
        smb_client_free(c);
        goto out;
    }
    rc = run_commands(c, &o);
    smb_client_free(c);
out:
    free(o.user);
    free(o.password);
    free(o.domain);
    return rc;
}
