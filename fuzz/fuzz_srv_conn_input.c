/* fuzz/fuzz_srv_conn_input.c - the sans-I/O server core: a connection fed a
 * sequence of PDUs (each prefixed by a 2-byte length in the fuzz input). The
 * share is a private read-only directory with one file and one subdirectory;
 * no user database (guest on). When the first input byte is odd, the
 * connection starts with a ready-made session 1 / tree 1 (fuzzing hook) so
 * the file commands are reached without an NTLM exchange. When bit 1 is set,
 * READ/WRITE/FLUSH become I/O jobs (bit 2: interim at once); each job is
 * run and completed after the next PDU, so a CANCEL in between can hit it. */
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/session.h"

void srv_conn_fuzz_session(struct srv_conn *c); /* session.c, SMBSIGN_FUZZING only */

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
    cfg.max_io = 65536;
    if (srv_config_add_share(&cfg, "share=/tmp", err, sizeof err) != SMB_OK) /* replaced below */
        abort();
    memcpy(cfg.shares[0].path, dir, sizeof dir);
    cfg.shares[0].read_only = true; /* the fuzzer must not write */
    ctx = malloc(sizeof *ctx);
    if (!ctx || srv_ctx_init(ctx, &cfg, SMB_LEVEL_ENABLED, err, sizeof err) != SMB_OK)
        abort();
}

/* statuses the target does not judge (only that nothing crashes) */
static volatile unsigned sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx)
        setup();
    struct srv_conn *c = srv_conn_new(ctx, "fuzz");
    struct srv_buf out = {0};
    size_t off = 0;
    struct srv_io_job *job = NULL;
    uint8_t *job_pdu = NULL;
    if (size > 0) {
        if (data[0] & 1)
            srv_conn_fuzz_session(c);
        if (data[0] & 2)
            srv_conn_set_io_jobs(c, (data[0] & 4) ? 0 : 1000);
        off = 1;
    }
    while (off + 2 <= size) {
        size_t n = (size_t)data[off] | ((size_t)data[off + 1] << 8);
        off += 2;
        if (n > size - off)
            n = size - off;
        /* copy so ASan sees reads past the PDU */
        uint8_t *pdu = malloc(n ? n : 1);
        memcpy(pdu, data + off, n);
        smb_status st = srv_conn_input(c, pdu, n, &out);
        off += n;
        out.len = 0;
        (void)srv_conn_take_io_cancel(c);
        if (job) {
            srv_io_job_run(job);
            srv_buf_free(&out);
            sink ^= (unsigned)srv_conn_job_interim(c, job, &out); /* no-op when already sent */
            out.len = 0;
            sink ^= (unsigned)srv_conn_job_done(c, job, &out);
            out.len = 0;
            free(job_pdu);
            job = NULL;
            job_pdu = NULL;
        }
        if ((job = srv_conn_take_job(c)) != NULL)
            job_pdu = pdu; /* a WRITE job points into it */
        else
            free(pdu);
        if (st != SMB_OK)
            break;
    }
    if (job) {
        srv_io_job_run(job);
        srv_buf_free(&out);
        sink ^= (unsigned)srv_conn_job_done(c, job, &out);
        free(job_pdu);
    }
    srv_buf_free(&out);
    srv_conn_free(c);
    return 0;
}
