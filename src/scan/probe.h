/*
 * scan/probe.h - one NEGOTIATE probe as a sans-I/O state machine: the I/O
 * adapter (scan/engine.c) asks what to send, hands over what it received,
 * reports EOF or a socket error, and reads the outcome. No sockets, no
 * clocks here, so tests and fuzzers drive it with plain bytes.
 *
 *   port 139:  SEND(NB SESSION REQUEST) -> RECV(NB response) -> SEND(NEGOTIATE) -> RECV -> DONE
 *   otherwise: SEND(NEGOTIATE) -> RECV -> DONE
 *
 * Ownership: the request bytes live in a scan_templates the caller builds
 * once per scan and keeps alive; the probe owns a receive buffer it
 * allocates when a frame's length is known and frees in scan_probe_free.
 */
#ifndef SMBSIGN_SCAN_PROBE_H
#define SMBSIGN_SCAN_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/scan.h"
#include "wire/netbios.h"

/* Cap on a NEGOTIATE answer (NetBIOS length). Real answers are < 1 KiB. */
#define SCAN_MAX_ANSWER 65536u
/* First receive buffer size; doubled as bytes arrive (Samba's 3.1.1 answer is 284 bytes). */
#define SCAN_ANSWER_CHUNK 512u
#define SCAN_TEMPLATE_MAX 512u

enum scan_probe_kind { SCAN_PROBE_SMB2 = 0, SCAN_PROBE_SMB1 = 1 };

struct scan_templates {
    uint8_t smb2[SCAN_TEMPLATE_MAX]; /* NetBIOS header + SMB2 NEGOTIATE */
    size_t smb2_len;
    uint8_t smb1[SCAN_TEMPLATE_MAX]; /* NetBIOS header + SMB1 NEGOTIATE (NT LM 0.12) */
    size_t smb1_len;
    uint8_t nbreq[SCAN_TEMPLATE_MAX]; /* NetBIOS SESSION REQUEST to *SMBSERVER */
    size_t nbreq_len;
};

/* Build the three requests. client_guid and salt come from the caller
 * (random per scan). */
SMB_WUR smb_status scan_templates_build(struct scan_templates *t, const uint8_t client_guid[16],
                                const uint8_t salt[32]);

enum scan_probe_state {
    SCAN_PS_SEND_NBREQ,
    SCAN_PS_RECV_NBRSP,
    SCAN_PS_SEND_NEG,
    SCAN_PS_RECV_NEG,
    SCAN_PS_DONE
};

/* Outcome of one probe. */
struct scan_probe_out {
    smb_scan_status status;
    bool has_smb2, has_smb1;
    struct smb_scan_smb2 smb2;
    struct smb_scan_smb1 smb1;
    char error[96];
};

struct scan_probe {
    uint8_t kind;   /* enum scan_probe_kind */
    uint8_t state;  /* enum scan_probe_state */
    bool nbt;       /* port 139: session request first */
    bool got_bytes; /* any byte received on this connection */
    const struct scan_templates *tpl;
    size_t tx_off;
    smb_nb_framer fr;
    uint8_t *rx; /* owned */
    struct scan_probe_out out;
};

void scan_probe_init(struct scan_probe *p, enum scan_probe_kind kind, bool nbt,
                     const struct scan_templates *tpl);
void scan_probe_free(struct scan_probe *p);
/* Bytes to send now (n == 0: nothing to send, wait for input). */
const uint8_t *scan_probe_tx(const struct scan_probe *p, size_t *n);
void scan_probe_sent(struct scan_probe *p, size_t n);
/* Feed received bytes (all are consumed). */
void scan_probe_rx(struct scan_probe *p, const uint8_t *data, size_t n);
/* The peer closed (reset = true for ECONNRESET). */
void scan_probe_eof(struct scan_probe *p, bool reset);
static inline bool scan_probe_done(const struct scan_probe *p)
{
    return p->state == SCAN_PS_DONE;
}

/* Decode a complete SMB2 NEGOTIATE answer body into facts (exposed for tests
 * and fuzzing): fills out and returns its status. */
void scan_probe_judge_smb2(const uint8_t *msg, size_t len, struct scan_probe_out *out);
void scan_probe_judge_smb1(const uint8_t *msg, size_t len, struct scan_probe_out *out);

#endif
