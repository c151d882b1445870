/* fuzz/fuzz_srv_core_mem.c - the sans-I/O server core over the in-memory
 * file-system backend (server/vfs_mem.c), on a WRITABLE share: WRITE,
 * SET_INFO (rename, link, delete on close, end of file, allocation, basic),
 * CREATE with overwrite/supersede/create, directory listings and compound
 * chains run against a tree that is rebuilt for every input (f.txt,
 * sub/g.txt), so inputs are independent and nothing touches the disk.
 *
 * Input: one flags byte, then PDUs, each prefixed by a 2-byte LE length
 * (as fuzz_srv_conn_input). Flags bit 0: start with the ready-made session 1
 * / tree 1 (fuzzing hook, no NTLM exchange); bit 1: READ/WRITE/FLUSH become
 * I/O jobs (bit 2: interim at once), each run and completed after the next
 * PDU so a CANCEL in between can hit it.
 *
 * SMBSIGN_FUZZ_STATS=1 in the environment prints, at exit, how many
 * successful responses each command got and which SET_INFO classes
 * succeeded (the proof that a corpus reaches the handlers). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/session.h"
#include "server/vfs.h"

void srv_conn_fuzz_session(struct srv_conn *c); /* session.c, SMBSIGN_FUZZING only */

#define MEM_BYTES (1u << 20) /* a small tree: writes past it are STATUS_DISK_FULL */

static struct srv_config cfg;
static bool stats_on;
static unsigned long ok_by_cmd[19], all_by_cmd[19], setinfo_ok[80], compounds, job_errors;

static const char *const cmd_names[19] = {"NEGOTIATE", "SESSION_SETUP", "LOGOFF", "TREE_CONNECT", "TREE_DISCONNECT",
                                          "CREATE", "CLOSE", "FLUSH", "READ", "WRITE", "LOCK", "IOCTL", "CANCEL",
                                          "ECHO", "QUERY_DIRECTORY", "CHANGE_NOTIFY", "QUERY_INFO", "SET_INFO",
                                          "OPLOCK_BREAK"};

static void print_stats(void)
{
    fprintf(stderr, "fuzz_srv_core_mem: successful responses by command (of all responses)\n");
    for (int i = 0; i < 19; i++)
        if (all_by_cmd[i])
            fprintf(stderr, "  %-16s %8lu of %8lu\n", cmd_names[i], ok_by_cmd[i], all_by_cmd[i]);
    fprintf(stderr, "  SET_INFO classes that succeeded:");
    for (int i = 0; i < 80; i++)
        if (setinfo_ok[i])
            fprintf(stderr, " %d:%lu", i, setinfo_ok[i]);
    fprintf(stderr, "\n  compound requests (NextCommand set): %lu\n  I/O job completions that failed to encode: %lu\n",
            compounds, job_errors);
}

static void setup(void)
{
    char err[256];
    srv_config_init(&cfg);
    cfg.guest_ok = true;
    cfg.max_io = 65536;
    if (srv_config_add_share(&cfg, "share=/tmp", err, sizeof err) != SMB_OK)
        abort();
    cfg.shares[0].mem = true;
    cfg.shares[0].mem_bytes = MEM_BYTES;
    cfg.shares[0].read_only = false; /* the point of this target */
    if (getenv("SMBSIGN_FUZZ_STATS")) {
        stats_on = true;
        atexit(print_stats);
    }
}

static void put_file(const struct srv_vfs *v, const char *rel, const char *text)
{
    struct srv_fh *h = NULL;
    size_t n;
    if (srv_vfs_open(v, rel, SRV_O_CREATE | SRV_O_RDWR, &h) != SMB_OK)
        abort();
    if (srv_fh_pwrite(h, (const uint8_t *)text, strlen(text), 0, &n) != SMB_OK)
        abort();
    srv_fh_put(h);
}

/* count the responses of one request PDU (stats only) */
static void count(const uint8_t *req, size_t rlen, const struct srv_buf *out)
{
    if (rlen >= 24 && req[0] == 0xFE && (req[20] | req[21] | req[22] | req[23]))
        compounds++;
    size_t o = 0;
    while (o + 4 + 64 <= out->len) {
        size_t flen = ((size_t)out->p[o + 1] << 16) | ((size_t)out->p[o + 2] << 8) | out->p[o + 3];
        const uint8_t *m = out->p + o + 4;
        size_t left = flen;
        while (left >= 64 && m[0] == 0xFE) {
            uint16_t cmd = (uint16_t)(m[12] | m[13] << 8);
            uint32_t status = (uint32_t)m[8] | (uint32_t)m[9] << 8 | (uint32_t)m[10] << 16 | (uint32_t)m[11] << 24;
            uint32_t next = (uint32_t)m[20] | (uint32_t)m[21] << 8 | (uint32_t)m[22] << 16 | (uint32_t)m[23] << 24;
            if (cmd < 19) {
                all_by_cmd[cmd]++;
                if (status == 0)
                    ok_by_cmd[cmd]++;
            }
            if (cmd == 17 && status == 0) {
                /* find the class in the request element with this MessageId */
                const uint8_t *q = req;
                size_t ql = rlen;
                while (ql >= 64 + 3 && q[0] == 0xFE) {
                    uint32_t qn = (uint32_t)q[20] | (uint32_t)q[21] << 8 | (uint32_t)q[22] << 16 |
                                  (uint32_t)q[23] << 24;
                    if (!memcmp(q + 24, m + 24, 8) && q[12] == 17 && q[64 + 3] < 80)
                        setinfo_ok[q[64 + 3]]++;
                    if (!qn || qn > ql)
                        break;
                    q += qn;
                    ql -= qn;
                }
            }
            if (!next || next > left)
                break;
            m += next;
            left -= next;
        }
        o += 4 + flen;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        setup();
        init = true;
    }
    char err[256];
    struct srv_ctx ctx;
    if (srv_ctx_init(&ctx, &cfg, SMB_LEVEL_ENABLED, err, sizeof err) != SMB_OK)
        abort();
    put_file(&ctx.vfs[0], "f.txt", "hello fuzzer\n");
    if (srv_vfs_mkdir(&ctx.vfs[0], "sub") != SMB_OK)
        abort();
    put_file(&ctx.vfs[0], "sub/g.txt", "second file\n");
    struct srv_conn *c = srv_conn_new(&ctx, "fuzz");
    struct srv_buf out = {0};
    size_t off = 0;
    struct srv_io_job *job = NULL;
    uint8_t *job_pdu = NULL;
    size_t job_len = 0;
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
        uint8_t *pdu = malloc(n ? n : 1); /* a copy, so ASan sees reads past the PDU */
        memcpy(pdu, data + off, n);
        smb_status st = srv_conn_input(c, pdu, n, &out);
        off += n;
        if (stats_on)
            count(pdu, n, &out);
        out.len = 0;
        (void)srv_conn_take_io_cancel(c);
        if (job) {
            srv_io_job_run(job);
            srv_buf_free(&out);
            if (srv_conn_job_interim(c, job, &out) != SMB_OK) /* nothing when already sent */
                job_errors++;
            out.len = 0;
            if (srv_conn_job_done(c, job, &out) != SMB_OK)
                job_errors++;
            if (stats_on)
                count(job_pdu, job_len, &out);
            out.len = 0;
            free(job_pdu);
            job = NULL;
            job_pdu = NULL;
        }
        if ((job = srv_conn_take_job(c)) != NULL) {
            job_pdu = pdu; /* a WRITE job points into it */
            job_len = n;
        } else
            free(pdu);
        if (st != SMB_OK)
            break;
    }
    if (job) {
        srv_io_job_run(job);
        srv_buf_free(&out);
        if (srv_conn_job_done(c, job, &out) != SMB_OK)
            job_errors++;
        free(job_pdu);
    }
    srv_buf_free(&out);
    srv_conn_free(c);
    srv_ctx_free(&ctx);
    return 0;
}
