/*
 * fuzz/fuzz_trace_packet.c - libFuzzer target for the capture verifier's
 * packet decoder, TCP reassembler, NetBIOS framer and SMB session tracking
 * (trace_packet / trace_finish), and for libpcap's file reader in front of
 * them (pcap_fopen_offline over the input when it starts with a pcap or
 * pcapng magic).
 *
 * Input without a capture magic: byte 0 selects the link type, then records
 * of [u16le length][u8 flags][bytes]: the bytes are one packet; flags bit 0
 * shortens its wire length claim, so snap-length gaps are reached too. The
 * credentials include a password and a session key, so key derivation and
 * verification paths run on fuzzed SESSION_SETUP exchanges.
 */
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *arg, const struct trace_msg *m)
{
    size_t *n = arg;
    *n += m->verdict + (m->len ? m->bytes[0] : 0); /* touch the message bytes */
}

static void run_pcap(trace_ctx *t, const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (!f)
        return;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline(f, err); /* owns f */
    if (!p) {
        fclose(f);
        return;
    }
    int lt = pcap_datalink(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t frame = 0;
    while (pcap_next_ex(p, &h, &d) == 1 && frame < 10000)
        trace_packet(t, ++frame, (uint64_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec, lt, d, h->caplen, h->len);
    pcap_close(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int linktypes[] = {1, 113, 276, 101, 228, 229, 0, 108, 12};
    struct trace_cred creds[3];
    char why[200];
    if (trace_cred_parse(TC_PASSWORD, "alice%secret1", &creds[0], why, sizeof why) != SMB_OK ||
        trace_cred_parse(TC_SESSION_KEY, "0x1:000102030405060708090a0b0c0d0e0f", &creds[1], why, sizeof why) != SMB_OK ||
        trace_cred_parse(TC_PASSWORD, "smbtrace%pw123", &creds[2], why, sizeof why) != SMB_OK) /* the seeds' user */
        return 0;
    size_t count = 0;
    struct trace_opts o;
    memset(&o, 0, sizeof o);
    o.creds = creds;
    o.ncreds = 3;
    o.ports[0] = 4455;
    o.ports[1] = 24455; /* the seed captures' port */
    o.nports = 2;
    o.on_msg = sink;
    o.arg = &count;
    o.any_port = size >= 1 && (data[0] & 0x80); /* byte 0 bit 7: -p any */
    trace_ctx *t = NULL;
    if (trace_new(&t, &o) != SMB_OK)
        return 0;
    if (size >= 4 && (!memcmp(data, "\xd4\xc3\xb2\xa1", 4) || !memcmp(data, "\xa1\xb2\xc3\xd4", 4) ||
                      !memcmp(data, "\x0a\x0d\x0d\x0a", 4) || !memcmp(data, "\x4d\x3c\xb2\xa1", 4))) {
        run_pcap(t, data, size);
    } else if (size >= 1) {
        int lt = linktypes[(data[0] & 0x7f) % (sizeof linktypes / sizeof linktypes[0])];
        size_t off = 1;
        uint64_t frame = 0;
        while (off + 3 <= size) {
            size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8;
            uint8_t flags = data[off + 2];
            off += 3;
            if (len > size - off)
                len = size - off;
            size_t wire = (flags & 1) ? len + (flags >> 1) : len;
            frame++;
            trace_packet(t, frame, frame, 0, lt, data + off, len, wire);
            off += len;
        }
    }
    trace_finish(t);
    trace_free(t);
    return 0;
}
