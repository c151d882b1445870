/* cli/main.c - smbsign entry point: the subcommand table and global help. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct verb {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
};

static const struct verb verbs[] = {
#define CLI_ROW_(name, summary) {#name, cmd_##name, summary},
    CLI_VERBS(CLI_ROW_)
#undef CLI_ROW_
};

static void usage(FILE *f)
{
    fprintf(f, "usage: smbsign [--version] [--help] VERB [ARGS...]\n\n"
               "SMB message signing, end to end: compute and verify signatures, evaluate\n"
               "signing policy, audit configurations, scan networks, and run a signing\n"
               "client and server.\n\nVerbs:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (verbs[i].fn)
            fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(f, "\nRun 'smbsign VERB --help' for a verb's options, or 'man smbsign-VERB'.\n"
               "Exit status: 0 ok, 1 negative result, 2 usage or input error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *v = argv[1];
    if (!strcmp(v, "--version") || !strcmp(v, "-V") || !strcmp(v, "version")) {
        printf("smbsign %s\n", SMBSIGN_VERSION);
        return CLI_EXIT_OK;
    }
    if (!strcmp(v, "--help") || !strcmp(v, "-h") || !strcmp(v, "help")) {
        if (argc >= 3 && strcmp(v, "help") == 0) {
            for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
                if (verbs[i].fn && !strcmp(verbs[i].name, argv[2])) {
                    char *hargv[] = {argv[2], "--help", NULL};
                    return verbs[i].fn(2, hargv);
                }
            fprintf(stderr, "smbsign: unknown verb '%s'\n", argv[2]);
            return CLI_EXIT_USAGE;
        }
        usage(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        if (strcmp(verbs[i].name, v) != 0)
            continue;
        if (!verbs[i].fn) {
            fprintf(stderr, "smbsign: verb '%s' is not available in this build\n", v);
            return CLI_EXIT_USAGE;
        }
        return verbs[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "smbsign: unknown verb '%s'\n", v);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
