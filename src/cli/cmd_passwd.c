/* cli/cmd_passwd.c - `smbsign passwd`: add or change a user in the server's user database. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crypto/crypto.h"
#include "server/userdb.h"

#define VERB "passwd"
#define PW_MAX 256

static void usage(FILE *f)
{
    fprintf(f, "usage: smbsign passwd [-f FILE] [--password-stdin] USER\n\n"
               "Add USER to the user database of 'smbsign serve', or change its password.\n"
               "The file stores NAME:NTHASH lines (the MD4 of the UTF-16LE password, which\n"
               "is what NTLMv2 needs) and is written atomically with mode 0600.\n\n"
               "Options:\n"
               "  -f, --file FILE      user database (default: ./smbsign-users)\n"
               "  --password-stdin     read the password from the first line of stdin\n"
               "                       (otherwise it is prompted for twice, without echo)\n\n"
               "Examples:\n"
               "  smbsign passwd -f /etc/smbsign/users alice\n"
               "  printf '%%s\\n' \"$PW\" | smbsign passwd -f users --password-stdin bob\n");
}

static int read_line(FILE *f, char *buf, size_t cap)
{
    if (!fgets(buf, (int)cap, f))
        return -1;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n')
        buf[--n] = 0;
    else if (n == cap - 1)
        return -2; /* too long */
    if (n && buf[n - 1] == '\r')
        buf[--n] = 0;
    return 0;
}

static int prompt(const char *msg, char *buf, size_t cap)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return -1;
    struct termios old, noecho;
    int fd = fileno(tty);
    bool have = tcgetattr(fd, &old) == 0;
    if (have) {
        noecho = old;
        noecho.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &noecho);
    }
    fputs(msg, tty);
    fflush(tty);
    int rc = read_line(tty, buf, cap);
    if (have)
        tcsetattr(fd, TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    return rc;
}

int cmd_passwd(int argc, char **argv)
{
    const char *file = "smbsign-users";
    bool from_stdin = false;
    static const struct option lo[] = {{"file", required_argument, 0, 'f'},
                                       {"password-stdin", no_argument, 0, 's'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "f:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'f': file = optarg; break;
        case 's': from_stdin = true; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error(VERB, "unknown option");
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error(VERB, "expected exactly one USER");
    const char *user = argv[optind];
    if (!srv_user_name_ok(user))
        return cli_usage_error(VERB, "invalid user name '%s' (1..%d characters, no ':', '\\', '/', '@', '#')", user,
                               SRV_USER_NAME_MAX);
    char pw[PW_MAX], pw2[PW_MAX];
    int rc = CLI_EXIT_OK;
    if (from_stdin) {
        int r = read_line(stdin, pw, sizeof pw);
        if (r) {
            cli_err(VERB, r == -2 ? "password longer than %d bytes" : "no password on stdin", PW_MAX - 2);
            rc = CLI_EXIT_USAGE;
            goto out;
        }
    } else {
        if (prompt("New password: ", pw, sizeof pw) || prompt("Retype new password: ", pw2, sizeof pw2)) {
            cli_err(VERB, "cannot read the password from the terminal (use --password-stdin)");
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        if (strcmp(pw, pw2) != 0) {
            cli_err(VERB, "passwords do not match");
            rc = CLI_EXIT_NEGATIVE;
            goto out;
        }
    }
    if (!pw[0]) {
        cli_err(VERB, "empty password refused");
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    uint8_t h[16];
    char err[512];
    if (srv_nt_hash(pw, h) != SMB_OK) {
        cli_err(VERB, "password is not valid UTF-8");
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (srv_userdb_set(file, user, h, err, sizeof err) != SMB_OK) {
        cli_err(VERB, "%s", err);
        rc = CLI_EXIT_NEGATIVE;
    } else {
        printf("smbsign passwd: user '%s' saved in %s\n", user, file);
    }
    smb_wipe(h, sizeof h);
out:
    smb_wipe(pw, sizeof pw);
    smb_wipe(pw2, sizeof pw2);
    return rc;
}
