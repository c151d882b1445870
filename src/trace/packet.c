/*
 * trace/packet.c - link layer, IPv4/IPv6 and TCP header decoding for the
 * capture verifier. Every length from the packet is checked against the
 * captured bytes; IP fragments are not reassembled (they are not TCP here:
 * their bytes become gaps in the stream). Link types (pcap LINKTYPE_*):
 * NULL/LOOP (0, 108), ETHERNET (1, with 802.1Q/802.1ad tags), RAW (101 and
 * the DLT values 12/14), LINUX_SLL (113), LINUX_SLL2 (276), IPV4 (228),
 * IPV6 (229).
 */
#include <string.h>

#include "base/buf.h"
#include "trace/internal.h"

#define LT_NULL 0
#define LT_ETHERNET 1
#define LT_RAW_DLT12 12
#define LT_RAW_DLT14 14
#define LT_RAW 101
#define LT_LOOP 108
#define LT_SLL 113
#define LT_SLL2 276
#define LT_IPV4 228
#define LT_IPV6 229

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88A8

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool trace_linktype_supported(int lt)
{
    switch (lt) {
    case LT_NULL: case LT_ETHERNET: case LT_RAW_DLT12: case LT_RAW_DLT14: case LT_RAW: case LT_LOOP:
    case LT_SLL: case LT_SLL2: case LT_IPV4: case LT_IPV6:
        return true;
    default:
        return false;
    }
}

/* TCP at p (avail captured bytes, tcp_len bytes according to IP). */
static int tcp(const uint8_t *p, size_t avail, size_t tcp_len, struct trace_seg *s)
{
    if (tcp_len < 20 || avail < 20)
        return -1;
    size_t doff = (size_t)(p[12] >> 4) * 4;
    if (doff < 20 || doff > tcp_len || doff > avail)
        return -1;
    s->sport = be16(p);
    s->dport = be16(p + 2);
    s->seq = be32(p + 4);
    s->ack = be32(p + 8);
    s->flags = p[13];
    s->data = p + doff;
    size_t want = tcp_len - doff;
    size_t have = avail - doff;
    s->len = have < want ? have : want;
    s->missing = want - s->len;
    return 0;
}

static int ipv4(const uint8_t *p, size_t avail, size_t wire_avail, struct trace_seg *s)
{
    if (avail < 20 || (p[0] >> 4) != 4)
        return -1;
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    size_t total = be16(p + 2);
    if (ihl < 20 || ihl > avail || total < ihl)
        return -1;
    if (total > wire_avail) /* the packet claims more than was on the wire */
        return -1;
    uint16_t frag = be16(p + 6);
    if ((frag & 0x3fff) != 0 || p[9] != 6) /* fragment (MF or offset) or not TCP */
        return -1;
    s->family = 4;
    memset(s->src, 0, 32);
    memcpy(s->src, p + 12, 4);
    memcpy(s->dst, p + 16, 4);
    size_t have = avail < total ? avail : total; /* Ethernet padding beyond total is not payload */
    return tcp(p + ihl, have - ihl, total - ihl, s);
}

static int ipv6(const uint8_t *p, size_t avail, size_t wire_avail, struct trace_seg *s)
{
    if (avail < 40 || (p[0] >> 4) != 6)
        return -1;
    size_t plen = be16(p + 4);
    if (40 + plen > wire_avail)
        return -1;
    uint8_t nh = p[6];
    size_t off = 40, end = 40 + plen;
    size_t have = avail < end ? avail : end;
    /* extension headers: hop-by-hop, routing, destination options (fragments are not followed) */
    for (int i = 0; i < 8 && (nh == 0 || nh == 43 || nh == 60); i++) {
        if (off + 8 > have)
            return -1;
        size_t el = ((size_t)p[off + 1] + 1) * 8;
        nh = p[off];
        off += el;
        if (off > have)
            return -1;
    }
    if (nh != 6)
        return -1;
    s->family = 6;
    memcpy(s->src, p + 8, 16);
    memcpy(s->dst, p + 24, 16);
    return tcp(p + off, have - off, end - off, s);
}

static int ip(uint16_t ethertype, const uint8_t *p, size_t avail, size_t wire_avail, struct trace_seg *s)
{
    if (ethertype == ETH_IPV4)
        return ipv4(p, avail, wire_avail, s);
    if (ethertype == ETH_IPV6)
        return ipv6(p, avail, wire_avail, s);
    return -1;
}

static int ip_by_version(const uint8_t *p, size_t avail, size_t wire_avail, struct trace_seg *s)
{
    if (avail < 1)
        return -1;
    return ip((p[0] >> 4) == 4 ? ETH_IPV4 : (p[0] >> 4) == 6 ? ETH_IPV6 : 0, p, avail, wire_avail, s);
}

int trace_decode_packet(int lt, const uint8_t *p, size_t caplen, size_t wirelen, struct trace_seg *s)
{
    size_t off;
    uint16_t et;
    if (wirelen < caplen)
        wirelen = caplen;
    memset(s, 0, sizeof *s);
    switch (lt) {
    case LT_ETHERNET:
        if (caplen < 14)
            return -1;
        off = 14;
        et = be16(p + 12);
        for (int i = 0; i < 2 && (et == ETH_VLAN || et == ETH_QINQ); i++) {
            if (caplen < off + 4)
                return -1;
            et = be16(p + off + 2);
            off += 4;
        }
        break;
    case LT_SLL:
        if (caplen < 16)
            return -1;
        off = 16;
        et = be16(p + 14);
        break;
    case LT_SLL2:
        if (caplen < 20)
            return -1;
        off = 20;
        et = be16(p);
        break;
    case LT_NULL:
    case LT_LOOP:
        if (caplen < 4)
            return -1;
        return ip_by_version(p + 4, caplen - 4, wirelen - 4, s);
    case LT_RAW:
    case LT_RAW_DLT12:
    case LT_RAW_DLT14:
        return ip_by_version(p, caplen, wirelen, s);
    case LT_IPV4:
        return ipv4(p, caplen, wirelen, s);
    case LT_IPV6:
        return ipv6(p, caplen, wirelen, s);
    default:
        return -1;
    }
    return ip(et, p + off, caplen - off, wirelen - off, s);
}
