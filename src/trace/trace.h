/*
 * trace/trace.h - the offline signature verifier behind `smbsign trace`:
 * packets of a capture in, one verdict per SMB message (per compound
 * element) out.
 *
 * Layers (one file each):
 *  - trace/packet.c  link layer (Ethernet + VLAN, Linux cooked SLL/SLL2, raw
 *                    IPv4/IPv6, BSD loopback), IPv4/IPv6, TCP header;
 *  - trace/tcp.c     connections, TCP reassembly (out of order, retransmitted
 *                    and overlapping segments; gaps reported), NetBIOS
 *                    session framing (session request/keepalive skipped);
 *  - trace/smb2.c    SMB2/3 sessions: NEGOTIATE, SESSION_SETUP, the 3.1.1
 *                    preauth hash, keys from the captured NTLMSSP exchange
 *                    (auth/ntlm_observer.h) and the credentials, verdicts;
 *  - trace/smb1.c    SMB1: MD5 signing with the connection's sequence
 *                    numbers (NT_CANCEL and oplock-release acks take one);
 *  - trace/keys.c    the credential table (-U, --nt-hash, --session-key).
 * Reading the capture file (libpcap) is the caller's: this engine is
 * sans-I/O, so the fuzz target feeds it packets directly.
 *
 * Contract
 *  - trace_new/trace_free own everything; memory is bounded by named caps
 *    (connections, buffered out-of-order bytes, one message per direction),
 *    not by the capture's size.
 *  - Verdicts are delivered through the caller's callback while the message
 *    bytes are alive (trace_msg.bytes is valid only during the call).
 *  - Secrets: session keys live in trace_session (needed for --explain) and
 *    are wiped by trace_free; they are never printed by this module.
 *  - Whether a message must be signed comes from the session state derived
 *    from the capture (NEGOTIATE SecurityMode, SESSION_SETUP, dialect rules),
 *    never from the message's own SIGNED flag.
 */
#ifndef SMBSIGN_TRACE_TRACE_H
#define SMBSIGN_TRACE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/crypt.h"
#include "smbsign/sign.h"
#include "smbsign/status.h"
#include "smbsign/types.h"

#define TRACE_MAX_CONNS 65536         /* live TCP connections tracked at once */
#define TRACE_MAX_OOO (8u << 20)      /* buffered out-of-order bytes per direction before a gap is declared */
#define TRACE_MAX_MSG ((16u << 20) + 4) /* one NetBIOS message (24-bit length) */
#define TRACE_MAX_PORTS 16
#define TRACE_MAX_CREDS 64
#define TRACE_MAX_SESSIONS 65536      /* sessions remembered for the summary */

enum trace_verdict {
    TV_GOOD = 0,
    TV_BAD,
    TV_UNSIGNED,
    TV_NOT_SUBJECT,
    TV_NO_KEY,
    TV_INCOMPLETE,
    TV_DECRYPTED_GOOD, /* in an SMB 3.x TRANSFORM message whose AEAD tag verified */
    TV_DECRYPT_FAILED, /* a TRANSFORM message that does not decrypt with the session's key */
    TV_COUNT
};
/* "good" "bad" "unsigned" "not-subject" "no-key" "incomplete" "decrypted-good" "decrypt-failed" */
const char *trace_verdict_name(enum trace_verdict v);

/* ---- credentials (trace/keys.c) ---- */
enum trace_cred_kind { TC_PASSWORD, TC_NT_HASH, TC_SESSION_KEY };
struct trace_cred {
    enum trace_cred_kind kind;
    char user[128];        /* TC_PASSWORD / TC_NT_HASH; "" matches any user */
    uint8_t nt_hash[16];   /* TC_PASSWORD (computed) / TC_NT_HASH */
    uint64_t session_id;   /* TC_SESSION_KEY */
    uint8_t key[64];       /* TC_SESSION_KEY: the exported session key */
    size_t key_len;
};
/* Parse one credential in the CLI syntax: "-U" "USER%PASS" (kind password),
 * "--nt-hash" "USER:HEX32", "--session-key" "SESSIONID:HEX" (id in hex, with
 * or without 0x). Returns SMB_OK or SMB_E_BAD_ARGUMENT with why set. */
SMB_WUR smb_status trace_cred_parse(enum trace_cred_kind kind, const char *text, struct trace_cred *out, char *why,
                            size_t whycap);
/* One line of a --keys file: "-U USER%PASS", "--nt-hash USER:HEX",
 * "--session-key ID:HEX" (also without the dashes, and "user%pass" alone).
 * Blank lines and '#' comments give SMB_E_NOT_FOUND. */
SMB_WUR smb_status trace_cred_parse_line(const char *line, struct trace_cred *out, char *why, size_t whycap);

/* ---- sessions and verdicts ---- */
struct trace_session {
    unsigned index;          /* 1-based, in order of appearance */
    char client[64], server[64]; /* "addr:port" */
    bool smb1;
    uint64_t session_id;     /* SMB2 SessionId; SMB1: UID */
    char user[128], domain[128];
    smb_dialect dialect;
    smb_sign_alg alg;
    smb_cipher cipher;       /* SMB 3.x encryption cipher of the connection (NONE: no encryption) */
    bool established;        /* final SESSION_SETUP response seen */
    bool exempt;             /* anonymous or guest: outside signing */
    bool signing_required;   /* Session.SigningRequired as both peers computed it */
    bool key_known;
    char key_note[512];      /* why no key (wrong password, no credentials...) */
    uint8_t session_key[64]; /* exported session key (secret) */
    size_t session_key_len;
    bool has_preauth;
    uint8_t preauth[SMB_PREAUTH_HASH_LEN];
    unsigned counts[TV_COUNT];
};

struct trace_msg {
    uint64_t frame;          /* capture frame that completed the message (1-based) */
    uint64_t ts_sec;
    uint32_t ts_usec;
    const char *src, *dst;   /* "addr:port" */
    const struct trace_session *session; /* NULL when none applies */
    uint64_t session_id;
    uint64_t message_id;
    bool has_message_id;
    bool smb1;
    char command[32];        /* "READ", "SMB_COM_READ_ANDX", "TRANSFORM", ... */
    bool response;
    uint32_t status;
    unsigned element;        /* compound element index (0 = first / only) */
    smb_dialect dialect;
    smb_sign_alg alg;
    smb_cipher cipher;       /* decrypted from a TRANSFORM message with it; SMB_CIPHER_NONE otherwise */
    enum trace_verdict verdict;
    char reason[600];
    bool have_sigs;
    uint8_t expected[16], found[16];
    size_t sig_len;          /* 16 (SMB2) or 8 (SMB1) */
    uint32_t smb1_seq;       /* SMB1: the sequence number used */
    const uint8_t *bytes;    /* the element's bytes (valid during the callback) */
    size_t len;
};

typedef void (*trace_msg_cb)(void *arg, const struct trace_msg *m);

struct trace_opts {
    const struct trace_cred *creds;
    size_t ncreds;
    uint16_t ports[TRACE_MAX_PORTS]; /* SMB server ports; 445 and 139 always */
    size_t nports;
    bool any_port;     /* every TCP connection whose SYN is captured: the SYN's
                          destination is the server; SMB is recognised by content
                          (a segment starting with a NetBIOS session message that
                          holds an SMB header) */
    trace_msg_cb on_msg;
    void *arg;
};

typedef struct trace_ctx trace_ctx;

SMB_WUR smb_status trace_new(trace_ctx **out, const struct trace_opts *o);
/* Feed one captured packet. linktype: pcap LINKTYPE_* value; caplen bytes
 * at data (wirelen is the original length: a shorter caplen means the
 * capture was cut with a snap length, and the missing bytes are a gap).
 * Packets that are not TCP to/from an SMB port are counted and ignored.
 * Never fails on packet contents. */
void trace_packet(trace_ctx *t, uint64_t frame, uint64_t ts_sec, uint32_t ts_usec, int linktype,
                  const uint8_t *data, size_t caplen, size_t wirelen);
/* End of capture: flush every connection (pending bytes become gaps,
 * partial messages `incomplete`). */
void trace_finish(trace_ctx *t);
/* Sessions seen so far (for the summary), in order of appearance. */
size_t trace_session_count(const trace_ctx *t);
const struct trace_session *trace_session_at(const trace_ctx *t, size_t i);
/* Counts of packets seen / TCP packets on SMB ports / connections. */
void trace_stats(const trace_ctx *t, uint64_t *packets, uint64_t *smb_packets, uint64_t *conns);
/* Whether the link type is one the packet decoder understands. */
bool trace_linktype_supported(int linktype);
void trace_free(trace_ctx *t);

#endif
