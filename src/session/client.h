/*
 * session/client.h - the sans-I/O SMB2/3 client core: bytes in, bytes out,
 * events. No sockets, no files, no clocks: an adapter (client/, tests,
 * fuzzers, the MITM harness) moves bytes.
 *
 * What the core owns (MS-SMB2 3.2):
 *  - NEGOTIATE 2.0.2 - 3.1.1 with contexts (preauth SHA-512, signing
 *    capabilities preferring AES-GMAC, encryption capabilities advertised),
 *    the 3.1.1 preauth integrity hash, and the signing decision from the
 *    policy engine (smb_policy_client_decide) - never from the peer's flags;
 *  - multi-leg SESSION_SETUP with SPNEGO/NTLMSSP, mechListMIC both ways,
 *    verification of the final SESSION_SETUP response, refusal of guest or
 *    anonymous sessions when signing is required;
 *  - MessageId sequencing, credits (CreditCharge for large MTU, asking for
 *    SMB_CLI_CREDIT_TARGET), interim STATUS_PENDING, compound chains;
 *  - SMB 3.x encryption (smb_cli_config.encrypt): once the session is set
 *    up every request frame goes out in a TRANSFORM_HEADER and is not signed;
 *    every response must arrive encrypted (a clear one is
 *    STATUS_ACCESS_DENIED), a transform that does not decrypt is fatal;
 *  - signing every request of a signing session and verifying every response
 *    that must be signed: an unsigned response there is STATUS_ACCESS_DENIED,
 *    a bad signature STATUS_INVALID_SIGNATURE; both are fatal (the core
 *    enters SMB_CLI_FAILED and the adapter must drop the connection).
 *
 * Usage:
 *   smb_cli_new(&c, &cfg); smb_cli_start(c);
 *   loop: send smb_cli_out_ptr/len, smb_cli_out_consume;
 *         smb_cli_in_buf -> recv -> smb_cli_in_commit;
 *         while (smb_cli_poll(c, &n) == SMB_OK) handle smb_cli_ev(c, 0..n-1)
 *   until smb_cli_state(c) is READY (then issue requests with
 *   smb_cli_req_start / smb_cli_req_finish) or FAILED.
 * Events point into the core's input buffer and stay valid until the next
 * smb_cli_poll / smb_cli_in_buf call.
 *
 * Ownership: the core allocates its own buffers (smb_cli_new) and frees and
 * wipes them in smb_cli_free. Passwords are turned into the NT hash at once
 * and not kept.
 */
#ifndef SMBSIGN_SESSION_CLIENT_H
#define SMBSIGN_SESSION_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "smbsign/crypt.h"
#include "smbsign/policy.h"
#include "smbsign/sign.h"
#include "smbsign/status.h"
#include "smbsign/types.h"
#include "wire/smb2/common.h"
#include "wire/smb2/header.h"

#define SMB_CLI_MAX_PENDING 2048     /* requests in flight */
#define SMB_CLI_MAX_PDU (16u << 20)  /* cap on a received frame */
#define SMB_CLI_MAX_COMPOUND 16      /* elements per received chain */
#define SMB_CLI_CREDIT_TARGET 1024   /* credits we try to hold */
#define SMB_CLI_MAX_CREDITS 8192     /* never believe more than this */

enum smb_cli_state {
    SMB_CLI_IDLE = 0,
    SMB_CLI_NEGOTIATE,
    SMB_CLI_SESSION_SETUP,
    SMB_CLI_READY,
    SMB_CLI_FAILED
};

struct smb_cli_config {
    smb_sign_level signing;      /* this client's level (from --signing or a profile) */
    smb_dialect min_dialect;     /* 0x0202 .. 0x0311 */
    smb_dialect max_dialect;
    const char *user;            /* NULL or "" with no password: anonymous */
    const char *domain;
    const char *password;
    const char *workstation;
    const char *server_name;     /* for the 3.1.1 NETNAME context; may be NULL */
    uint8_t client_guid[16];     /* all zero: random */
    int kerberos;                /* 0 off, 1 desired (NTLM fallback), 2 required (SMB_CLIENT_KRB_*) */
    bool allow_guest_fallback;   /* accept a server turning a credentialed logon into a
                                    guest session (off: refused, as Windows' insecure guest
                                    logon default; the IS_GUEST flag is unsigned and a man in
                                    the middle could set it to switch signing off) */
    smb_encryption encrypt;      /* NONE: encrypt only what the server requires (a session
                                    with SMB2_SESSION_FLAG_ENCRYPT_DATA, or the trees of a share
                                    with SMB2_SHAREFLAG_ENCRYPT_DATA: smbclient's default);
                                    DESIRED: encrypt every message after SESSION_SETUP when the
                                    server can; REQUIRED: same, and fail when it cannot (-e) */
    bool no_encrypt;             /* --encrypt=off: never offer encryption; a session or share
                                    that requires it is refused with STATUS_ACCESS_DENIED */
    uint16_t cipher;             /* 0: offer all four ciphers; else offer only this one */
    bool krb5_second;            /* Kerberos: offer NTLMSSP first (with its optimistic token)
                                    and Kerberos second; a server that picks Kerberos then
                                    needs the SPNEGO mechListMIC both ways (RFC 4178 5) */
    bool no_leases;              /* --leases=off: smb_cli_lease_request never asks for a lease */
};

struct smb_cli_event {
    uint16_t command;
    uint64_t message_id;
    uint64_t tag;            /* as given to smb_cli_req_finish */
    uint32_t ntstatus;       /* raw NTSTATUS from the header */
    smb_status status;       /* mapped (SMB_OK for success) */
    struct smb2_hdr hdr;
    const uint8_t *msg;      /* the whole response element, header included */
    size_t len;
};

struct smb_cli_info {
    smb_dialect dialect;
    bool signing;                 /* requests signed and responses verified */
    smb_sign_alg alg;             /* SMB_ALG_NONE when !signing */
    uint16_t server_security_mode;
    uint16_t client_security_mode;
    uint32_t server_capabilities;
    uint8_t server_guid[16];
    bool guest, anonymous;
    uint16_t session_flags;
    uint64_t session_id;
    uint32_t max_read, max_write, max_transact;
    uint16_t cipher;              /* negotiated cipher (0 = none; 3.0/3.0.2: AES-128-CCM when the
                                     server has CAP_ENCRYPTION and this client asked for encryption) */
    bool encrypting;              /* every message after SESSION_SETUP is in a transform */
    bool preauth;                 /* 3.1.1 preauth integrity used */
    bool validated_negotiate;     /* FSCTL_VALIDATE_NEGOTIATE_INFO passed (3.0/3.0.2) */
    uint32_t credits;
    uint64_t requests_signed;     /* requests this core signed */
    uint64_t responses_verified;  /* responses whose signature verified */
    bool kerberos;                /* authenticated with Kerberos */
    uint64_t requests_encrypted;  /* frames (message or chain) this core encrypted */
    uint64_t responses_decrypted; /* frames that decrypted and verified */
    uint64_t responses_batch_verified; /* of responses_verified: the MAC came from a batch */
    bool leasing;                 /* a lease was requested and granted on this session */
    uint64_t lease_breaks;        /* lease break notifications accepted */
    uint64_t lease_acks;          /* LEASE_BREAK_ACKs sent */
    uint64_t lease_ack_errors;    /* ... answered with an error (the break already resolved) */
};

struct smb_cli;

SMB_WUR smb_status smb_cli_new(struct smb_cli **out, const struct smb_cli_config *cfg);
void smb_cli_free(struct smb_cli *c);
/* Queue the NEGOTIATE request. */
SMB_WUR smb_status smb_cli_start(struct smb_cli *c);
enum smb_cli_state smb_cli_state(const struct smb_cli *c);
/* Why the core failed (SMB_OK when not failed) and a static explanation. */
SMB_WUR smb_status smb_cli_error(const struct smb_cli *c, const char **why);
void smb_cli_info(const struct smb_cli *c, struct smb_cli_info *out);

/* Output queue. */
const uint8_t *smb_cli_out_ptr(const struct smb_cli *c);
size_t smb_cli_out_len(const struct smb_cli *c);
void smb_cli_out_consume(struct smb_cli *c, size_t n);

/* Input: where to receive up to *room bytes, then commit what arrived. */
SMB_WUR smb_status smb_cli_in_buf(struct smb_cli *c, uint8_t **p, size_t *room);
void smb_cli_in_commit(struct smb_cli *c, size_t n);
/* Batch verification of READ responses (issue 16). Before poll handles the
 * first of a run of buffered, complete, lone, plain SMB2 READ responses of
 * a signing session, it verifies all of them (up to SMB_CLI_VBATCH_MAX) in
 * one smb2_verify_batch; each frame still gets every other check and its
 * own outcome (a bad one fails the core as before). Frames pile up only if
 * the adapter reads ahead: smb_cli_in_batch(c, frame_max) reserves room for
 * SMB_CLI_VBATCH_MAX + 1 frames of up to frame_max bytes (0: off), and
 * while smb_cli_in_drain_ok says so the adapter may read more before it
 * polls (a frame is started only when all of it fits, so nothing buffered
 * moves). smb_cli_in_frames: complete frames buffered and not yet returned. */
#define SMB_CLI_VBATCH_MAX 8
SMB_WUR smb_status smb_cli_in_batch(struct smb_cli *c, size_t frame_max);
bool smb_cli_in_drain_ok(const struct smb_cli *c);
size_t smb_cli_in_frames(const struct smb_cli *c);
/* Process the next complete frame: SMB_OK with *nev events (possibly 0),
 * SMB_E_PENDING when no whole frame is buffered, or the fatal error. */
SMB_WUR smb_status smb_cli_poll(struct smb_cli *c, size_t *nev);
const struct smb_cli_event *smb_cli_ev(const struct smb_cli *c, size_t i);
/* Requests in flight. */
size_t smb_cli_in_flight(const struct smb_cli *c);

/* Building requests (READY state). resp_hint: the largest response expected
 * (READ length, directory buffer) for CreditCharge. max_body: bytes the
 * body may take. On SMB_OK, rq->w is positioned at offset 64 of the new
 * message; encode the body with a wire/smb2 codec, then finish.
 * SMB_E_INSUFFICIENT_RESOURCES: not enough credits now - poll responses first. */
struct smb_cli_req {
    smb_wr w;
    uint16_t command;
    uint32_t tree_id;
    uint16_t charge;
    size_t hdr_at;   /* offset of the header in the output queue */
    bool force_sign; /* sign even when the session does not (VALIDATE_NEGOTIATE_INFO) */
    bool related;    /* compound: related to the previous element */
    bool encrypt;    /* set by start: the frame goes out in a transform */
    bool internal;   /* the core's own request (LEASE_BREAK_ACK): its response is no event */
};
SMB_WUR smb_status smb_cli_req_start(struct smb_cli *c, struct smb_cli_req *rq, uint16_t command, uint32_t tree_id,
                             size_t max_body, uint32_t resp_hint);
SMB_WUR smb_status smb_cli_req_finish(struct smb_cli *c, struct smb_cli_req *rq, uint64_t tag, uint64_t *mid);
/* Drop a started request that will not be finished (returns st). Outside a
 * chain the partial frame is removed; inside a chain the core fails. */
SMB_WUR smb_status smb_cli_req_abort(struct smb_cli *c, struct smb_cli_req *rq, smb_status st);
/* Batch signing (issue 16): between begin and end, requests that must be
 * signed are decided as usual in smb_cli_req_finish but their MACs are
 * computed together (smb2_sign_batch, SMB_CLI_DEFER_MAX at a time) at end;
 * until end, nothing built since begin is offered by smb_cli_out_len, so no
 * request can leave unsigned. If end fails the core has failed. Not inside a
 * compound chain. */
#define SMB_CLI_DEFER_MAX 16
SMB_WUR smb_status smb_cli_sign_defer_begin(struct smb_cli *c);
SMB_WUR smb_status smb_cli_sign_defer_end(struct smb_cli *c);
/* Compound chains (MS-SMB2 3.2.4.1.4): requests started between begin and
 * end go into one frame; set rq->related after start for related operations
 * (FileId 0xFFFFFFFFFFFFFFFF in the body). end signs every element. */
SMB_WUR smb_status smb_cli_chain_begin(struct smb_cli *c);
SMB_WUR smb_status smb_cli_chain_end(struct smb_cli *c);
/* Credits available now. */
uint32_t smb_cli_credits(const struct smb_cli *c);
uint32_t smb_cli_charge_for(const struct smb_cli *c, size_t bytes);

/* FSCTL_VALIDATE_NEGOTIATE_INFO input for this connection (3.0/3.0.2). */
SMB_WUR smb_status smb_cli_vni_input(const struct smb_cli *c, uint8_t *out, size_t cap, size_t *len);
/* Check the server's VNI output against what NEGOTIATE said; on mismatch
 * the core fails with SMB_E_ACCESS_DENIED (downgrade detected). */
SMB_WUR smb_status smb_cli_vni_check(struct smb_cli *c, const uint8_t *out, size_t len);
/* True when this connection must validate the negotiate on tree connect. */
bool smb_cli_needs_vni(const struct smb_cli *c);
/* True once every message of the session travels encrypted. */
bool smb_cli_encrypting(const struct smb_cli *c);
/* Share.EncryptData (MS-SMB2 3.2.5.5): requests on tree_id go in a transform
 * (on) or no longer (off, at TREE_DISCONNECT). SMB_E_ACCESS_DENIED when the
 * session has no cipher keys (no cipher negotiated, --encrypt=off, guest). */
SMB_WUR smb_status smb_cli_tree_encrypt(struct smb_cli *c, uint32_t tree_id, bool on);
/* True when requests on tree_id go in a transform because of its share. */
bool smb_cli_tree_encrypts(const struct smb_cli *c, uint32_t tree_id);
#define SMB_CLI_MAX_ENC_TREES 8
/* Leases (MS-SMB2 3.2.4.3.8, 3.2.5.19.2). The adapter asks for a lease in
 * CREATE with smb_cli_lease_request (an RqLs context: v2 at 3.x, v1 at 2.1,
 * a fresh random key in key[16]); SMB_E_NOT_SUPPORTED when the server does
 * not offer SMB2_GLOBAL_CAP_LEASING, the dialect is 2.0.2 or no_leases is
 * set (then send no context). With the CREATE response (verified like any)
 * smb_cli_lease_granted records a granted lease under its key and tree
 * (*state 0: none granted); smb_cli_lease_forget drops it at CLOSE.
 * Lease break notifications (MessageId 0xFFFFFFFFFFFFFFFF) are handled inside
 * smb_cli_poll, whatever the adapter waits for: checked as docs/client.md
 * says (never required to be signed, MS-SMB2 3.2.5.1.3; a signed one must
 * verify with the session's key, or the core fails), the lease's state is
 * lowered and, when the server asks (ACK_REQUIRED), a LEASE_BREAK_ACK at the
 * new state is queued (signed or encrypted like any request of the lease's
 * tree). Its response produces no event. This client caches nothing, so
 * nothing is flushed first. A break for an unknown key is ignored. */
#define SMB_CLI_MAX_LEASES 64
#define SMB_CLI_MAX_OWED_ACKS 16
SMB_WUR smb_status smb_cli_lease_request(struct smb_cli *c, uint32_t state, uint8_t key[16], smb_wr *ctx);
SMB_WUR smb_status smb_cli_lease_granted(struct smb_cli *c, const uint8_t key[16], uint32_t tree_id,
                                         uint8_t oplock_level, struct smb2_buf ctxs, uint32_t *state);
void smb_cli_lease_forget(struct smb_cli *c, const uint8_t key[16]);
/* The state the core holds for key (0 if none). */
uint32_t smb_cli_lease_state(const struct smb_cli *c, const uint8_t key[16]);
/* Mark the connection failed (adapter-detected protocol violation). */
void smb_cli_fail(struct smb_cli *c, smb_status st, const char *why);

#endif
