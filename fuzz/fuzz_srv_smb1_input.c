/* fuzz/fuzz_srv_smb1_input.c - the SMB1 server core (smb1 = yes, guest on, legacy era
 * when the first byte has bit 1 set): a connection fed a
 * sequence of PDUs (each prefixed by a 2-byte length in the fuzz input). The
 * share is a private read-only directory with one file and one subdirectory;
 * no user database (guest on). When the first input byte is odd, the
 * (copied approach of fuzz_srv_conn_input.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/session.h"

static struct srv_ctx *ctx, *ctx_legacy;
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
    cfg.max_io = 65536;
    if (srv_config_add_share(&cfg, "share=/tmp", err, sizeof err) != SMB_OK) /* replaced below */
        abort();
    memcpy(cfg.shares[0].path, dir, sizeof dir);
    cfg.shares[0].read_only = true; /* the fuzzer must not write */
    cfg.smb1 = true;
    ctx = malloc(sizeof *ctx);
    if (!ctx || srv_ctx_init(ctx, &cfg, SMB_LEVEL_ENABLED, err, sizeof err) != SMB_OK)
        abort();
    cfg.era_set = true;
    cfg.era = 1;
    ctx_legacy = malloc(sizeof *ctx_legacy);
    if (!ctx_legacy || srv_ctx_init(ctx_legacy, &cfg, SMB_LEVEL_REQUIRED, err, sizeof err) != SMB_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx)
        setup();
    struct srv_conn *c = srv_conn_new(size > 0 && (data[0] & 2) ? ctx_legacy : ctx, "fuzz");
    struct srv_buf out = {0};
    size_t off = size > 0 ? 1 : 0;
    while (off + 2 <= size) {
        size_t n = (size_t)data[off] | ((size_t)data[off + 1] << 8);
        off += 2;
        if (n > size - off)
            n = size - off;
        /* copy so ASan sees reads past the PDU */
        uint8_t *pdu = malloc(n ? n : 1);
        memcpy(pdu, data + off, n);
        smb_status st = srv_conn_input(c, pdu, n, &out);
        free(pdu);
        off += n;
        out.len = 0;
        if (st != SMB_OK)
            break;
    }
    srv_buf_free(&out);
    srv_conn_free(c);
    return 0;
}
