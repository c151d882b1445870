/*
 * bench/server_ops.c - many concurrent signed SMB2 connections against one
 * server (ours or Samba smbd), using libsmbsign's client (smbsign/client.h).
 *
 *   server_ops ops  HOST PORT USER PASS SHARE NCONN SECONDS FILE
 *       NCONN threads, each with its own connection and signed session, loop
 *       on smb_client_stat(FILE) (CREATE + QUERY_INFO + CLOSE) for SECONDS;
 *       prints "ops N ops_per_s X p50_us Y p99_us Z errors E".
 *   server_ops idle HOST PORT USER PASS SHARE NCONN
 *       opens NCONN authenticated, tree-connected connections, prints "ready"
 *       and keeps them idle until stdin closes (the caller measures memory).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "smbsign/client.h"

#define MAX_CONN 2000
#define MAX_SAMPLES_PER_THREAD 200000

struct args {
    const char *host, *user, *pass, *share, *file;
    uint16_t port;
    double seconds;
};

struct worker {
    pthread_t t;
    const struct args *a;
    uint32_t *lat_us;
    size_t n;
    unsigned errors;
    int connected;
};

static atomic_int go, ready;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static smb_client *connect_one(const struct args *a)
{
    struct smb_client_opts o = SMB_CLIENT_OPTS_INIT;
    o.host = a->host;
    o.port = a->port;
    o.user = a->user;
    o.password = a->pass;
    o.signing = SMB_LEVEL_REQUIRED;
    o.timeout_ms = 60000;
    smb_client *c = NULL;
    if (smb_client_connect(&c, &o) != SMB_OK || smb_client_tree_connect(c, a->share) != SMB_OK) {
        smb_client_free(c);
        return NULL;
    }
    return c;
}

static void *run(void *p)
{
    struct worker *w = p;
    smb_client *c = connect_one(w->a);
    w->connected = c != NULL;
    atomic_fetch_add(&ready, 1);
    while (!atomic_load(&go))
        usleep(1000);
    if (!c)
        return NULL;
    double end = now_s() + w->a->seconds;
    while (now_s() < end && w->n < MAX_SAMPLES_PER_THREAD) {
        struct smb_client_stat st;
        double t0 = now_s();
        smb_status rc = smb_client_stat(c, w->a->file, &st);
        double t1 = now_s();
        if (rc != SMB_OK) {
            w->errors++;
            if (w->errors > 100)
                break;
            continue;
        }
        w->lat_us[w->n++] = (uint32_t)((t1 - t0) * 1e6);
    }
    smb_client_free(c);
    return NULL;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr, "usage: server_ops ops|idle HOST PORT USER PASS SHARE NCONN [SECONDS FILE]\n");
        return 2;
    }
    struct args a = {.host = argv[2], .port = (uint16_t)atoi(argv[3]), .user = argv[4], .pass = argv[5],
                     .share = argv[6]};
    int n = atoi(argv[7]);
    if (n < 1 || n > MAX_CONN)
        return 2;
    if (!strcmp(argv[1], "idle")) {
        smb_client **cs = calloc((size_t)n, sizeof *cs);
        int okc = 0;
        for (int i = 0; i < n; i++)
            okc += (cs[i] = connect_one(&a)) != NULL;
        printf("ready %d\n", okc);
        fflush(stdout);
        char buf[64];
        while (fread(buf, 1, sizeof buf, stdin) > 0)
            ;
        for (int i = 0; i < n; i++)
            smb_client_free(cs[i]);
        free(cs);
        return okc == n ? 0 : 1;
    }
    if (argc < 10)
        return 2;
    a.seconds = atof(argv[8]);
    a.file = argv[9];
    struct worker *ws = calloc((size_t)n, sizeof *ws);
    for (int i = 0; i < n; i++) {
        ws[i].a = &a;
        ws[i].lat_us = malloc(MAX_SAMPLES_PER_THREAD * sizeof(uint32_t));
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setstacksize(&at, 256 * 1024);
        pthread_create(&ws[i].t, &at, run, &ws[i]);
        pthread_attr_destroy(&at);
    }
    /* every thread connects and authenticates before the clock starts */
    while (atomic_load(&ready) < n)
        usleep(10000);
    double t0 = now_s();
    atomic_store(&go, 1);
    size_t total = 0;
    unsigned errors = 0, connected = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(ws[i].t, NULL);
        total += ws[i].n;
        errors += ws[i].errors;
        connected += ws[i].connected;
    }
    double el = now_s() - t0;
    uint32_t *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        memcpy(all + k, ws[i].lat_us, ws[i].n * sizeof *all);
        k += ws[i].n;
        free(ws[i].lat_us);
    }
    qsort(all, total, sizeof *all, cmp_u32);
    printf("ops %zu ops_per_s %.0f p50_us %u p99_us %u errors %u connected %u\n", total, total / el,
           total ? all[total / 2] : 0, total ? all[(size_t)(total * 0.99)] : 0, errors, connected);
    free(all);
    free(ws);
    return connected == (unsigned)n ? 0 : 1;
}
