/*
 * bench/scan_responder.c - a fast SMB NEGOTIATE responder for the scanner
 * benchmark (not a server: it answers NEGOTIATE and nothing else).
 *
 *   scan_responder [-p PORT] [-a ADDR] [-t THREADS] [-d DELAY_MS]
 *
 * Listens on ADDR:PORT (default 0.0.0.0:445; inside a network namespace
 * every 127.x.y.z reaches it). Answers an SMB2 NEGOTIATE with a 3.1.1
 * response (preauth, encryption, signing contexts) and an SMB1 NT LM 0.12
 * NEGOTIATE with an NT LM 0.12 response. Signing is required on every other
 * accepted connection, so a scan sees both verdicts. -d holds every answer DELAY_MS (to keep many hosts in
 * flight). Epoll, edge-triggered, SO_REUSEPORT per thread; prints nothing unless an error occurs. Stop it
 * with SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "smbsign/policy.h"
#include "wire/netbios.h"
#include "wire/smb1/negotiate.h"
#include "wire/smb2/header.h"
#include "wire/smb2/negotiate.h"

#define MAX_FD 70000
#define REQ_CAP 1024

struct conn {
    uint32_t gen; /* bumped per accepted connection: stale delayed answers are dropped */
    uint16_t have;
    uint8_t required;
    uint8_t buf[REQ_CAP];
};

static struct conn *conns;
static uint8_t rsp2[2][512], rsp1[2][256];
static size_t rsp2_len[2], rsp1_len[2];
static const char *bind_addr = "0.0.0.0";
static int port = 445, delay_ms = 0;

struct pending {
    int fd;
    uint8_t kind; /* 2 or 1 */
    uint32_t gen;
    uint64_t due;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void build(void)
{
    static const uint8_t blob[] = {0x60, 0x06, 0x06, 0x04, 0x2b, 0x06, 0x01, 0x05};
    for (int req = 0; req < 2; req++) {
        smb_wr w;
        wr_init(&w, rsp2[req], sizeof rsp2[req]);
        smb_nb_hdr_encode(&w, 0, 0);
        struct smb2_hdr h;
        memset(&h, 0, sizeof h);
        h.command = SMB2_NEGOTIATE;
        h.flags = SMB2_FLAGS_SERVER_TO_REDIR;
        h.credit = 1;
        smb2_hdr_encode(&w, &h);
        struct smb2_negotiate_rsp s;
        memset(&s, 0, sizeof s);
        s.security_mode = smb_policy_smb2_secmode(req ? SMB_LEVEL_REQUIRED : SMB_LEVEL_ENABLED);
        s.dialect = 0x0311;
        memset(s.server_guid, 0x42, 16);
        s.capabilities = SMB2_GLOBAL_CAP_DFS | SMB2_GLOBAL_CAP_LARGE_MTU | SMB2_GLOBAL_CAP_ENCRYPTION;
        s.max_transact_size = s.max_read_size = s.max_write_size = 8u << 20;
        s.security_buffer = blob;
        s.security_buffer_len = sizeof blob;
        s.ctx.has_preauth = true;
        s.ctx.preauth.hash_alg_count = 1;
        s.ctx.preauth.hash_algs[0] = SMB2_PREAUTH_HASH_SHA512;
        s.ctx.preauth.salt_len = 32;
        s.ctx.has_encryption = true;
        s.ctx.encryption.cipher_count = 1;
        s.ctx.encryption.ciphers[0] = SMB2_CIPHER_AES_128_GCM;
        s.ctx.has_signing = true;
        s.ctx.signing.alg_count = 1;
        s.ctx.signing.algs[0] = SMB2_SIGNING_AES_GMAC;
        if (smb2_negotiate_rsp_encode(&w, 4, &s) != SMB_OK)
            abort();
        smb_nb_hdr_patch_len(&w, 0, (uint32_t)(wr_len(&w) - 4));
        rsp2_len[req] = wr_len(&w);

        wr_init(&w, rsp1[req], sizeof rsp1[req]);
        smb_nb_hdr_encode(&w, 0, 0);
        struct smb1_hdr h1;
        memset(&h1, 0, sizeof h1);
        h1.command = SMB1_COM_NEGOTIATE;
        h1.flags = SMB1_FLAGS_REPLY;
        h1.flags2 = SMB1_FLAGS2_NT_STATUS | SMB1_FLAGS2_EXTENDED_SECURITY | SMB1_FLAGS2_UNICODE;
        smb1_hdr_encode(&w, &h1);
        struct smb1_negotiate_rsp s1;
        memset(&s1, 0, sizeof s1);
        s1.word_count = 17;
        s1.security_mode = smb_policy_smb1_secmode(req ? SMB_LEVEL_REQUIRED : SMB_LEVEL_ENABLED);
        s1.max_mpx_count = 50;
        s1.max_number_vcs = 1;
        s1.max_buffer_size = 16644;
        s1.max_raw_size = 65536;
        s1.capabilities =
            SMB1_CAP_EXTENDED_SECURITY | SMB1_CAP_NT_SMBS | SMB1_CAP_STATUS32 | SMB1_CAP_UNICODE;
        memset(s1.server_guid, 0x42, 16);
        s1.security_blob = blob;
        s1.security_blob_len = sizeof blob;
        if (smb1_negotiate_rsp_encode(&w, &s1) != SMB_OK)
            abort();
        smb_nb_hdr_patch_len(&w, 0, (uint32_t)(wr_len(&w) - 4));
        rsp1_len[req] = wr_len(&w);
    }
}

static void answer(int fd, int kind)
{
    struct conn *c = &conns[fd];
    const uint8_t *b = kind == 2 ? rsp2[c->required] : rsp1[c->required];
    size_t n = kind == 2 ? rsp2_len[c->required] : rsp1_len[c->required];
    (void)!send(fd, b, n, MSG_NOSIGNAL); /* small: fits the socket buffer */
}

static void serve(int fd, struct pending *q, size_t qcap, size_t *qt, size_t qh)
{
    struct conn *c = &conns[fd];
    for (;;) {
        ssize_t r = recv(fd, c->buf + c->have, REQ_CAP - c->have, 0);
        if (r > 0) {
            c->have = (uint16_t)(c->have + r);
            while (c->have >= 4) {
                uint32_t len = ((uint32_t)c->buf[1] << 16) | ((uint32_t)c->buf[2] << 8) | c->buf[3];
                if (len + 4 > REQ_CAP) {
                    close(fd);
                    c->gen++;
                    return;
                }
                if (c->have < len + 4)
                    break;
                int kind = (len >= 4 && c->buf[4] == 0xFE) ? 2 : 1;
                if (q && (*qt + 1) % qcap != qh) {
                    q[*qt] = (struct pending){fd, (uint8_t)kind, c->gen, now_ms() + (uint64_t)delay_ms};
                    *qt = (*qt + 1) % qcap;
                } else {
                    answer(fd, kind);
                }
                memmove(c->buf, c->buf + len + 4, c->have - len - 4);
                c->have = (uint16_t)(c->have - len - 4);
            }
            if (c->have == REQ_CAP) {
                close(fd);
                c->gen++;
                return;
            }
            continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
            close(fd); /* the client is done (or gone) */
            c->gen++;  /* drop a still-queued delayed answer */
        }
        return;
    }
}

static void *worker(void *arg)
{
    (void)arg;
    int ls = socket(strchr(bind_addr, ':') ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(ls, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, bind_addr, &sa.sin_addr);
    int defer = 1;
    setsockopt(ls, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof defer);
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 65535) < 0) {
        perror("scan_responder: bind/listen");
        exit(1);
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    struct epoll_event evs[512];
    size_t qcap = MAX_FD, qh = 0, qt = 0;
    unsigned long accepted = 0;
    struct pending *q = delay_ms ? calloc(qcap, sizeof *q) : NULL;
    for (;;) {
        int timeout = -1;
        if (q && qh != qt) {
            uint64_t t = now_ms();
            timeout = q[qh].due > t ? (int)(q[qh].due - t) : 0;
        }
        int n = epoll_wait(ep, evs, 512, timeout);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                for (;;) {
                    /* With TCP_DEFER_ACCEPT the request is usually queued
                     * already: serve it at once. */
                    int c = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
                    if (c < 0)
                        break;
                    if (c >= MAX_FD) {
                        close(c);
                        continue;
                    }
                    conns[c].have = 0;
                    conns[c].gen++;
                    conns[c].required = (uint8_t)(++accepted & 1);
                    struct epoll_event ce = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                    serve(c, q, qcap, &qt, qh);
                }
                continue;
            }
            serve(fd, q, qcap, &qt, qh);
        }
        if (q) {
            uint64_t t = now_ms();
            while (qh != qt && q[qh].due <= t) {
                if (conns[q[qh].fd].gen == q[qh].gen)
                    answer(q[qh].fd, q[qh].kind);
                qh = (qh + 1) % qcap;
            }
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = 1, ch;
    while ((ch = getopt(argc, argv, "p:a:t:d:")) != -1) {
        switch (ch) {
        case 'p':
            port = atoi(optarg);
            break;
        case 'a':
            bind_addr = optarg;
            break;
        case 't':
            threads = atoi(optarg);
            break;
        case 'd':
            delay_ms = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: scan_responder [-p PORT] [-a ADDR] [-t THREADS] [-d DELAY_MS]\n");
            return 2;
        }
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    conns = calloc(MAX_FD, sizeof *conns);
    if (!conns)
        return 1;
    build();
    pthread_t tid;
    for (int i = 1; i < threads; i++)
        pthread_create(&tid, NULL, worker, NULL);
    worker(NULL);
    return 0;
}
