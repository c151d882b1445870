/* cli/client_smb1.c - `smbsign client -m NT1`: connect with the SMB1 client
 * (client/smb1_client.c), tree connect, run ';'-separated commands. */
#include "cli/client_smb1.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "client/smb1_client.h"

#define VERB "client"
#define CHUNK 60000

static int report(struct smb1_client *c, const char *what, smb_status st)
{
    const char *why = c ? smb1_client_last_error(c) : "";
    fprintf(stderr, "smbsign client: %s: %s%s%s\n", what, smb_status_name(st), why[0] ? ": " : "", why);
    return CLI_EXIT_NEGATIVE;
}

static int ls_cb(const char *name, uint64_t size, uint32_t attributes, void *arg)
{
    (void)arg;
    char a[SMB_FILE_ATTR_LETTERS_MAX];
    printf("  %-40s %-5s %12" PRIu64 "\n", name, smb_file_attr_letters(attributes, a), size);
    return 0;
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/'), *b = strrchr(p, '\\');
    if (b > s)
        s = b;
    return s ? s + 1 : p;
}

static int do_get(struct smb1_client *c, const char *remote, const char *local)
{
    uint16_t fid;
    uint64_t size = 0;
    smb_status st = smb1_client_open(c, remote, false, &fid, &size);
    if (st != SMB_OK)
        return report(c, remote, st);
    char part[4200];
    snprintf(part, sizeof part, "%s.part", local);
    int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "smbsign client: cannot create %s\n", part);
        st = smb1_client_close(c, fid);
        return st == SMB_OK ? CLI_EXIT_NEGATIVE : report(c, "close", st);
    }
    uint8_t *buf = malloc(CHUNK);
    uint64_t off = 0;
    int rc = CLI_EXIT_OK;
    while (buf) {
        size_t got = 0;
        st = smb1_client_read(c, fid, off, buf, CHUNK, &got);
        if (st != SMB_OK) {
            rc = report(c, remote, st);
            break;
        }
        if (got == 0)
            break;
        if (write(fd, buf, got) != (ssize_t)got) {
            rc = CLI_EXIT_NEGATIVE;
            break;
        }
        off += got;
    }
    free(buf);
    close(fd);
    if (rc == CLI_EXIT_OK && (st = smb1_client_close(c, fid)) != SMB_OK)
        rc = report(c, remote, st);
    if (rc == CLI_EXIT_OK && rename(part, local) != 0)
        rc = CLI_EXIT_NEGATIVE;
    if (rc != CLI_EXIT_OK)
        unlink(part);
    else
        printf("getting file %s of size %" PRIu64 " as %s\n", remote, off, local);
    return rc;
}

static int do_put(struct smb1_client *c, const char *local, const char *remote)
{
    int fd = open(local, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "smbsign client: cannot open %s\n", local);
        return CLI_EXIT_NEGATIVE;
    }
    uint16_t fid;
    smb_status st = smb1_client_open(c, remote, true, &fid, NULL);
    if (st != SMB_OK) {
        close(fd);
        return report(c, remote, st);
    }
    uint8_t *buf = malloc(CHUNK);
    uint64_t off = 0;
    int rc = CLI_EXIT_OK;
    while (buf) {
        ssize_t k = read(fd, buf, CHUNK);
        if (k < 0) {
            rc = CLI_EXIT_NEGATIVE;
            break;
        }
        if (k == 0)
            break;
        if ((st = smb1_client_write(c, fid, off, buf, (size_t)k)) != SMB_OK) {
            rc = report(c, remote, st);
            break;
        }
        off += (uint64_t)k;
    }
    free(buf);
    close(fd);
    st = smb1_client_close(c, fid);
    if (rc == CLI_EXIT_OK && st != SMB_OK)
        rc = report(c, remote, st);
    if (rc == CLI_EXIT_OK)
        printf("putting file %s as %s (%" PRIu64 " bytes)\n", local, remote, off);
    return rc;
}

static int run_one(struct smb1_client *c, char *line)
{
    char *av[4] = {0};
    int n = 0;
    for (char *t = strtok(line, " \t"); t && n < 4; t = strtok(NULL, " \t"))
        av[n++] = t;
    if (n == 0)
        return CLI_EXIT_OK;
    if (!strcmp(av[0], "ls")) {
        smb_status st = smb1_client_list(c, n > 1 ? av[1] : "", ls_cb, NULL);
        return st == SMB_OK ? CLI_EXIT_OK : report(c, "ls", st);
    }
    if (!strcmp(av[0], "get") && n >= 2)
        return do_get(c, av[1], n > 2 ? av[2] : base(av[1]));
    if (!strcmp(av[0], "put") && n >= 2)
        return do_put(c, av[1], n > 2 ? av[2] : base(av[1]));
    if (!strcmp(av[0], "echo")) {
        smb_status st = smb1_client_echo(c);
        return st == SMB_OK ? (printf("echo ok\n"), CLI_EXIT_OK) : report(c, "echo", st);
    }
    if (!strcmp(av[0], "session")) {
        struct smb1_client_info i;
        smb1_client_info(c, &i);
        printf("dialect NT LM 0.12\nsigning %s\nalgorithm %s\nserver_security_mode %u\nauth %s\n"
               "mech_list_mic %s\nrequests_signed %" PRIu64 "\nresponses_verified %" PRIu64 "\n",
               i.signing ? "yes" : "no", i.signing ? "md5" : "none", i.server_security_mode,
               i.kerberos ? "spnego-krb5" : i.extended_security ? "spnego-ntlmssp" : "ntlmv2-non-extended",
               i.mech_list_mic_verified ? "verified" : "absent", i.requests_signed,
               i.responses_verified);
        return CLI_EXIT_OK;
    }
    if (!strcmp(av[0], "quit") || !strcmp(av[0], "exit"))
        return CLI_EXIT_OK;
    fprintf(stderr, "smbsign client: -m NT1 knows ls, get, put, echo, session, quit (got '%s')\n", av[0]);
    return CLI_EXIT_USAGE;
}

int cli_client_smb1(const struct cli_smb1_args *a)
{
    struct smb1_client_opts o;
    memset(&o, 0, sizeof o);
    o.host = a->host;
    o.port = a->port;
    o.user = a->user;
    o.domain = a->domain;
    o.password = a->password ? a->password : "";
    o.signing = a->level;
    o.era = a->era;
    o.no_spnego = a->no_spnego;
    o.kerberos = a->kerberos;
    o.address = a->address;
    o.timeout_ms = a->timeout_s * 1000;
    struct smb1_client *c = NULL;
    smb_status st = smb1_client_connect(&c, &o);
    int rc;
    if (st != SMB_OK) {
        char what[300];
        snprintf(what, sizeof what, "connect to %s:%u (NT LM 0.12)", a->host, a->port);
        rc = report(c, what, st);
        goto out;
    }
    if ((st = smb1_client_tree_connect(c, a->share)) != SMB_OK) {
        char what[300];
        snprintf(what, sizeof what, "tree connect to %s", a->share);
        rc = report(c, what, st);
        goto out;
    }
    rc = CLI_EXIT_OK;
    if (a->cmds) {
        char *copy = strdup(a->cmds), *save = NULL;
        for (char *cmd = copy ? strtok_r(copy, ";", &save) : NULL; cmd && rc == CLI_EXIT_OK;
             cmd = strtok_r(NULL, ";", &save))
            rc = run_one(c, cmd);
        free(copy);
    }
out:
    smb1_client_free(c);
    return rc;
}
