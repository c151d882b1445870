/*
 * trace/internal.h - the verifier's private state shared by its files
 * (see trace.h for the layering). Not installed.
 */
#ifndef SMBSIGN_TRACE_INTERNAL_H
#define SMBSIGN_TRACE_INTERNAL_H

#include "auth/ntlm_observer.h"
#include "trace/trace.h"

/* A decoded TCP segment (trace/packet.c). */
struct trace_seg {
    uint8_t family;        /* 4 or 6 */
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;         /* TCP flags byte */
    const uint8_t *data;
    size_t len;            /* payload bytes present */
    size_t missing;        /* payload bytes cut by the snap length (after data) */
};
#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_ACK 0x10

/* Decode link + IP + TCP. Returns 0 and fills seg, or -1 (not TCP / broken). */
int trace_decode_packet(int linktype, const uint8_t *p, size_t caplen, size_t wirelen, struct trace_seg *seg);

struct trace_ooo {          /* one buffered out-of-order segment */
    uint32_t seq;
    size_t len;
    uint64_t frame;
    struct trace_ooo *next; /* sorted by seq */
    uint8_t data[];
};

/* One direction of a connection: reassembly and NetBIOS framing. */
struct trace_dir {
    bool have_isn;
    bool fin;
    uint32_t next_seq;
    struct trace_ooo *ooo;
    size_t ooo_bytes;
    /* framing */
    bool resync;           /* framing lost: wait for a segment starting with an SMB message */
    uint8_t hdr[4];
    size_t hdr_have;
    uint8_t *msg;
    size_t msg_len, msg_have, msg_cap;
    bool msg_gap;          /* bytes of the current message are missing */
    uint64_t first_frame;
};

struct trace_sess_int;

/* SMB1 outstanding request: sequence number by (MID, PID). */
#define TRACE_SMB1_PENDING 512
struct smb1_pending {
    uint16_t mid;
    uint32_t pid;
    uint32_t seq;
    bool used;
};

struct trace_conn {
    struct trace_conn *next_hash;
    struct trace_conn *prev_all, *next_all;
    uint8_t family;
    uint8_t caddr[16], saddr[16];
    uint16_t cport, sport;
    char cname[64], sname[64];
    bool any;                /* not on an SMB port (any-port mode) */
    struct trace_dir dir[2]; /* 0: client -> server, 1: server -> client */
    /* SMB state */
    bool smb1;               /* SMB1 negotiated */
    smb_dialect dialect;
    smb_sign_alg alg;
    smb_cipher cipher;       /* encryption cipher NEGOTIATE selected (NONE: none) */
    bool neg_seen;
    uint16_t cli_secmode, srv_secmode;
    uint32_t srv_caps;        /* NEGOTIATE response Capabilities and ServerGuid, for */
    uint8_t srv_guid[16];     /* the FSCTL_VALIDATE_NEGOTIATE_INFO cross-check */
    uint64_t neg_frame;
    smb_preauth pre;         /* 3.1.1: over NEGOTIATE request and response */
    struct trace_sess_int *sessions;
    /* SMB1 signing (one per connection, MS-CIFS 3.2.4.1.1) */
    struct trace_sess_int *smb1_sess;
    bool smb1_active;
    uint32_t smb1_seq_next;
    struct smb1_pending pend[TRACE_SMB1_PENDING];
    uint16_t smb1_ss_flags2; /* Flags2 of the SESSION_SETUP request that brought the key */
    /* the packet being processed (for verdicts) */
    uint64_t frame, ts_sec;
    uint32_t ts_usec;
};

/* Per-session private state (the public part is pub). */
struct trace_sess_int {
    struct trace_session pub;
    struct trace_sess_int *next_in_conn;
    struct trace_conn *conn;  /* NULL once the connection is gone */
    uint64_t pending_mid;     /* SESSION_SETUP request with SessionId 0 awaiting its id */
    bool pending;
    uint8_t ss_secmode;       /* SecurityMode of the SESSION_SETUP request */
    smb_preauth pre;
    struct ntlm_observer *obs; /* during SESSION_SETUP only */
    smb_sign_ctx *sign;
    smb_crypt_ctx *dec[2];    /* decrypts TRANSFORM messages: [0] client -> server, [1] server -> client */
};

struct trace_ctx {
    struct trace_opts o;
    struct trace_conn *hash[4096];
    struct trace_conn *all;
    size_t nconns_live;
    uint64_t packets, smb_packets, conns;
    struct trace_sess_int **sess;
    size_t nsess, sess_cap;
    uint64_t frame, ts_sec;
    uint32_t ts_usec;
    uint8_t *dbuf;            /* decryption scratch (one message), grown as needed */
    size_t dcap;
};

/* trace/tcp.c -> smb: one whole NetBIOS session message (payload only).
 * gap: bytes of it are missing (zero-filled). dir 0 = client to server. */
void trace_smb_message(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *m, size_t n, bool gap);
/* A message lost entirely in a gap, or cut at the end of the capture. */
void trace_smb_lost(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *m, size_t have, size_t len);
void trace_smb2_message(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *m, size_t n, bool gap);
void trace_smb1_message(trace_ctx *t, struct trace_conn *c, int dir, const uint8_t *m, size_t n, bool gap);

/* Shared by smb1.c and smb2.c (trace/session.c) */
struct trace_sess_int *trace_sess_new(trace_ctx *t, struct trace_conn *c, uint64_t sid);
struct trace_sess_int *trace_sess_find(struct trace_conn *c, uint64_t sid);
/* Start a verdict record for a message of connection c. */
void trace_msg_init(struct trace_msg *m, const trace_ctx *t, const struct trace_conn *c, int dir,
                    const uint8_t *bytes, size_t len);
/* Deliver: count it in the session and call the callback. */
void trace_emit(trace_ctx *t, struct trace_sess_int *s, struct trace_msg *m);
/* Derive the session key of s from its observer and the credentials
 * (sets key_known / key_note / user). Returns true when a key was found. */
bool trace_sess_key(trace_ctx *t, struct trace_sess_int *s);
/* A --session-key credential for this SessionId, if any. */
const struct trace_cred *trace_cred_for_sid(const trace_ctx *t, uint64_t sid);
void trace_sess_conn_gone(struct trace_sess_int *s);

#endif
