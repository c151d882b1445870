/* fuzz/fuzz_srv_core_mem.c - the sans-I/O server core over the in-memory
 * file-system backend (server/vfs_mem.c), on a WRITABLE share: WRITE,
 * SET_INFO (rename, link, delete on close, end of file, allocation, basic),
 * CREATE with overwrite/supersede/create, directory listings and compound
 * chains run against a tree that is rebuilt for every input (f.txt,
 * sub/g.txt), so inputs are independent and nothing touches the disk.
 *
 * Input: as fuzz_srv_conn_input (fuzz/srv_fuzz_drive.h): one flags byte
 * (ready-made session, I/O jobs), then PDUs each prefixed by a 2-byte LE
 * length.
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
#include "srv_fuzz_drive.h"

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
    cfg.multichannel = true; /* binding (srv_fuzz_drive.h flags bit 5) */
    cfg.encrypt_set = true;  /* a cipher is offered (not required): bit 6's encrypting session binds */
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
    job_errors += srv_fuzz_drive(&ctx, data, size, stats_on ? count : NULL);
    srv_ctx_free(&ctx);
    return 0;
}
