/* fuzz/fuzz_srv_conn_input.c - the sans-I/O server core: a connection fed a
 * sequence of PDUs (each prefixed by a 2-byte length in the fuzz input). The
 * share is a private read-only directory with one file and one subdirectory;
 * no user database (guest on). When the first input byte is odd, the
 * connection starts with a ready-made session 1 / tree 1 (fuzzing hook) so
 * the file commands are reached without an NTLM exchange. When bit 1 is set,
 * READ/WRITE/FLUSH become I/O jobs (bit 2: interim at once); each job is
 * run and completed after the next PDU, so a CANCEL in between can hit it
 * (the loop is fuzz/srv_fuzz_drive.h, shared with fuzz_srv_core_mem). */
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/session.h"
#include "srv_fuzz_drive.h"

static struct srv_ctx *ctx;
static char dir[] = "/tmp/smbsign-fuzz-share.XXXXXX";

static void cleanup(void)
{
    char p[128];
    snprintf(p, sizeof p, "%s/f.txt", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/sub", dir);
    rmdir(p);
    rmdir(dir);
}

static void setup(void)
{
    struct srv_config cfg;
    char err[256];
    if (!mkdtemp(dir))
        abort();
    atexit(cleanup);
    char p[128];
    snprintf(p, sizeof p, "%s/f.txt", dir);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs("hello fuzzer\n", f);
        fclose(f);
    }
    snprintf(p, sizeof p, "%s/sub", dir);
    mkdir(p, 0755);
    srv_config_init(&cfg);
    cfg.guest_ok = true;
    cfg.multichannel = true; /* binding (srv_fuzz_drive.h flags bit 5) */
    cfg.max_io = 65536;
    if (srv_config_add_share(&cfg, "share=/tmp", err, sizeof err) != SMB_OK) /* replaced below */
        abort();
    memcpy(cfg.shares[0].path, dir, sizeof dir);
    cfg.shares[0].read_only = true; /* the fuzzer must not write */
    ctx = malloc(sizeof *ctx);
    if (!ctx || srv_ctx_init(ctx, &cfg, SMB_LEVEL_ENABLED, err, sizeof err) != SMB_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx)
        setup();
    (void)srv_fuzz_drive(ctx, data, size, NULL);
    return 0;
}
