/*
 * server/session_int.h - private state of the server core shared by
 * session.c (compounds, credits, verification, NEGOTIATE, SESSION_SETUP),
 * session_emit.c (the one response path: header, signing decision, preauth,
 * compound padding, NetBIOS framing),
 * session_auth.c (SPNEGO/NTLMSSP against the user db), session_sign.c
 * (message MACs) and the SMB2 commands, one per file (smb2_*.c, with
 * smb2_open.h: the open table and share modes).
 */
#ifndef SMBSIGN_SERVER_SESSION_INT_H
#define SMBSIGN_SERVER_SESSION_INT_H

#include <stdatomic.h>

#include "auth/mech.h"
#include "base/buf.h"
#include "crypto/crypto.h"
#include "server/session.h"
#include "sign/crypt_nonce.h"
#include "smbsign/crypt.h"
#include "smbsign/sign.h"
#include "wire/smb2/header.h"
#include "wire/smb2/negotiate.h"

#define SRV_SEQ_WINDOW 8192   /* message-id window bitmap (bits), >= max credits */
#define SRV_COMPOUND_MAX 32   /* elements in one compound request */
#define SRV_TREES_MAX 64      /* tree connects per session */
#define SRV_MECHLIST_MAX 256  /* stored SPNEGO MechTypeList for the mechListMIC */
#define SRV_CHAL_MAX 1024     /* a mechanism's output token (NTLMSSP CHALLENGE_MESSAGE) */
#define SRV_PENDING_MAX 64    /* async (STATUS_PENDING) requests per connection */
#define SRV_CHANNELS_MAX 32 /* channels of one session (MS-SMB2 3.3.5.5.2; Windows binds 32) */
#define SRV_GONE_MAX 8        /* logged-off sessions whose signing key is kept per connection */

/* ---- message signing: a session's context from the signing core ---- */
struct srv_signer {
    smb_sign_alg alg;
    smb_sign_ctx *ctx; /* NULL until the session key exists */
};
/* Derive the signing key (KDF with the preauth hash for 3.1.1) and prepare it. */
SMB_WUR smb_status srv_signer_init(struct srv_signer *s, smb_dialect dialect, smb_sign_alg alg, const uint8_t session_key[16],
                           const uint8_t *preauth);
void srv_signer_free(struct srv_signer *s);
/* Sign one response element in place (sets SMB2_FLAGS_SIGNED). */
SMB_WUR smb_status srv_signer_sign(struct srv_signer *s, uint8_t *msg, size_t len);
/* Verify one request element; must_sign comes from session state. */
smb_verify_result srv_signer_verify(struct srv_signer *s, const uint8_t *msg, size_t len, bool must_sign);
/* The one mapping of a verification (status, result) to the server's verdict. */
smb_verify_result srv_verify_outcome(smb_status st, smb_verify_result res, bool must_sign);
/* Verify one request element with sg: the attached batch's result for this
 * frame when there is one (session_vbatch.c), else srv_signer_verify. */
smb_verify_result srv_req_verify(struct srv_conn *c, const uint8_t *msg, size_t len, struct srv_signer *sg, bool must);

/* ---- state ---- */
enum srv_sess_state { SESS_IN_PROGRESS = 0, SESS_VALID = 1, SESS_LOGGED_OFF = 2 };

struct srv_tree {
    uint32_t id;
    int share; /* index in ctx->cfg.shares */
    bool ipc, read_only;
    bool encrypt_data; /* TreeConnect.EncryptData: requests on it must come encrypted */
};

struct srv_session {
    uint64_t id;
    atomic_int state; /* SESS_*: a home's is written under its mu, read by its channels' threads too */
    bool signing_required, guest, anonymous, has_key;
    uint8_t session_key[16];
    uint8_t smb1_mac_key[SMB_AUTH_KEY_MAX]; /* the whole mechanism key (Kerberos AES: 32 bytes): SMB1 MACs
                                               and AES-256 cipher keys (Session.FullSessionKey) */
    size_t smb1_mac_key_len;
    struct srv_signer signer;
    smb_crypt_ctx *crypt; /* SMB 3.x encryption keys (session_crypt.c), NULL without a cipher; a channel
                             entry has its own context with the session's keys (one per thread) */
    bool encrypt_data;    /* Session.EncryptData: every request must come encrypted */
    bool encrypting;      /* responses go out in a transform (EncryptData, or the client encrypted) */
    smb_preauth preauth;
    /* authentication in progress (session_auth.c); user, guest, anonymous
     * and session_key above are set only once it succeeded */
    bool spnego;
    bool mic_required; /* SPNEGO: the mechanism was not the client's first choice */
    bool kerberos;     /* committed by a Kerberos logon (for the log) */
    int auth_step; /* 0 no token yet, 1 in progress, 2 done, 3 mechanism done, waiting for the
                      client's SPNEGO mechListMIC (RFC 4178 5) */
    struct smb_auth_ctx *auth; /* heap, only while the exchange runs (srv_auth_free) */
    struct srv_session *reauth; /* heap, a re-authentication of this valid entry in progress (session.c) */
    uint8_t mech_list[SRV_MECHLIST_MAX];
    size_t mech_list_len;
    uint8_t setup_secmode;
    char user[SRV_USER_NAME_MAX + 1];
    struct srv_tree trees[SRV_TREES_MAX];
    int n_trees;
    uint32_t next_tree_id;
    struct srv_session *next; /* in its connection's list */
    /* ---- multichannel (MS-SMB2 3.3.1.8 Session.ChannelList; docs/server.md
     * "Threads and locking"). An entry of a connection's list is either a
     * session (home == NULL) or a channel bound to one (home: that session).
     * A channel entry holds only per-channel state: signer (Channel.SigningKey),
     * preauth, the binding's authentication, state; everything else (user,
     * trees, opens, encryption) is read from the home. */
    struct srv_session *home;
    /* home only: */
    pthread_mutex_t mu;       /* trees, opens, state while requests of the session run (any channel) */
    bool mu_init;
    int refs;                 /* connection list entries naming it; shared->sess_mu once registered */
    bool registered;          /* in the server-wide registry (srv_shared.sess) */
    bool bindable;            /* was registered: refs is shared (sess_mu) */
    struct srv_session *reg_next;
    struct srv_open *opens;   /* the session's opens (Session.OpenTable) */
    atomic_uint n_opens;      /* written under mu; summed without it by srv_opens_at_limit */
    uint16_t dialect, cipher; /* of the connection that made it (binding rules, 3.3.5.5.2) */
    const struct srv_ctx *ctx; /* of that connection: a channel must share it (shares, vfs) */
    smb_sign_alg sign_alg;
    uint8_t client_guid[16];
    smb_crypt_nonce_counter nonce_next; /* the session's encryption nonces, shared by every channel's
                                           context (sign/crypt_nonce.h; docs/server.md) */
};
/* The session a list entry belongs to (itself unless it is a bound channel). */
static inline struct srv_session *srv_sess_home(struct srv_session *s) { return s && s->home ? s->home : s; }

/* A logged-off session's signing key, kept so that a request still naming
 * its SessionId gets STATUS_USER_SESSION_DELETED signed with it (as Samba
 * does; smbXcli clients insist on SMB2_FLAGS_SIGNED in every response of a
 * signing session). The newest SRV_GONE_MAX per connection; the key is wiped
 * when an entry is evicted or the connection ends (session.c). */
struct srv_gone {
    uint64_t id;
    bool signing_required;
    struct srv_signer signer;
    struct srv_gone *next;
};

struct srv_open {
    uint64_t fid; /* persistent == volatile */
    uint64_t session_id;
    uint32_t tree_id;
    int share;
    struct srv_fh *fh; /* the file-system handle (server/vfs.h) */
    bool is_dir, ipc, delete_on_close, writable;
    uint32_t access;
    uint64_t position; /* FilePositionInformation: end of the last READ/WRITE */
    struct srv_session *owner; /* the session whose list holds it (a home session) */
    struct srv_share_ent *sh; /* this open in the share-mode table (smb2_open.c) */
    struct srv_brl_file *brl; /* its file's byte-range lock table (smb2_lock.c), NULL for IPC */
    uint8_t lock_seq[65];     /* MS-SMB2 3.3.1.10 LockSequenceArray[1..64]: 0 not valid, else the number + 1 (smb2_lock.c) */
    uint32_t jobs;     /* deferred READ/WRITE/FLUSH not yet completed (session_io.c) */
    char *rel; /* heap, path beneath the share root */
    /* directory enumeration */
    struct srv_dirent *ents;
    size_t n_ents, pos;
    bool listed;
    char pattern[SRV_NAME_MAX + 1];
    struct srv_open *next;
};

/* A READ, WRITE or FLUSH whose file I/O runs outside srv_conn_input
 * (server/session_io.c; the contract is in session.h). Every field but
 * `state` and the results is written by the core before the adapter gets
 * the job and read-only afterwards; the results are written by
 * srv_io_job_run and read by srv_conn_job_done after the adapter handed the
 * job back (its queue mutex orders the two). */
enum { SRV_JOB_QUEUED = 0, SRV_JOB_RUNNING = 1, SRV_JOB_CANCELLED = 2 };
struct srv_io_job {
    atomic_int state;    /* SRV_JOB_*: CANCEL and the I/O thread race on it */
    struct smb2_hdr h;   /* the request's header (ids, credits, flags) */
    uint16_t charge;     /* credits the request consumed */
    bool signed_ok;      /* the request carried a verified signature */
    bool keeps_pdu;      /* WRITE: data points into the caller's PDU */
    bool interim_sent;
    uint64_t fid, async_id;
    struct srv_fh *fh;   /* a reference on the open's handle, owned by the job */
    uint64_t offset;     /* WRITE: UINT64_MAX appends at the end of file */
    uint32_t length, mincount;
    const uint8_t *data; /* WRITE data */
    struct srv_buf out;  /* the response frame, built at offset 0 (READ data pread in place) */
    /* results of srv_io_job_run */
    smb_status res;      /* SMB_OK on success */
    size_t done_bytes;
    uint64_t end_offset; /* READ/WRITE: offset after the last byte */
};

/* One request that went async (MS-SMB2 3.3.4.2): an interim STATUS_PENDING
 * response was sent; the final response goes out once `done` is set. An
 * entry with `job` set is a deferred READ/WRITE/FLUSH (session_io.c): it is
 * listed from the moment it is deferred (CANCEL by MessageId finds it before
 * its interim response), ignores `done`, and ends in srv_conn_job_done. */
struct srv_pending {
    uint64_t async_id, message_id, session_id, fid;
    uint32_t tree_id;
    uint16_t command, credit_charge;
    bool signed_ok;  /* the request carried a verified signature */
    smb_status done; /* SMB_OK while pending, then the final status */
    bool granted;    /* a blocking LOCK that got its range: final STATUS_SUCCESS */
    bool lk_excl;    /* LOCK: the waiting range (smb2_lock.c) */
    uint64_t lk_off, lk_len;
    struct srv_io_job *job;
    struct srv_wait *wait; /* a CREATE waiting for a break acknowledgement (smb2_lease.c) */
    struct srv_pending *next;
};


struct srv_conn {
    const struct srv_ctx *ctx;
    char peer[64];
    char local[64]; /* the address the client connected to (numeric), "" unknown */
    bool negotiated, smb2_wildcard_sent;
    uint16_t dialect;
    uint16_t client_secmode;
    uint32_t client_caps;
    uint8_t client_guid[16];
    uint16_t client_dialects[SMB2_NEG_MAX_DIALECTS];
    uint16_t n_client_dialects;
    uint16_t server_secmode;
    uint32_t server_caps;
    smb_sign_alg sign_alg; /* 3.x: negotiated (3.1.1) or AES-CMAC */
    uint16_t cipher;       /* negotiated cipher (smb_cipher), 0 when the client cannot encrypt */
    bool in_encrypted;     /* the PDU being processed arrived in a transform ... */
    uint64_t in_enc_sid;   /* ... of this session */
    smb_preauth preauth;
    /* credits / message ids (MS-SMB2 3.3.1.1) */
    uint64_t seq_lo, seq_hi;
    uint8_t seq_bits[SRV_SEQ_WINDOW / 8];
    struct srv_session *sessions;
    int n_sessions;
    struct srv_gone *gone; /* logged-off sessions' keys, newest first */
    int n_gone;
    uint64_t next_session;
    int sig_failures;
    int auth_failures;
    uint32_t delay_ms;
    bool drop;
    struct srv_pending *pending; /* async requests (server/session_async.c) */
    uint32_t n_pending;
    uint64_t next_async_id;
    uint64_t brl_gen_seen;       /* srv_shared.brl_gen when the waiting LOCKs were last tried */
    int io_async_after;          /* -1: file I/O inside srv_conn_input; else see srv_conn_set_io_jobs */
    struct srv_io_job *new_job;  /* deferred by the last srv_conn_input (srv_conn_take_job) */
    bool io_cancelled;           /* a CANCEL stopped a queued job (srv_conn_take_io_cancel) */
    struct srv_smb1 *smb1; /* SMB1 connection state (server/smb1_server.c), NULL for SMB2 */
    struct srv_sign_batch *sign_batch; /* srv_conn_sign_batch: MACs of finished frames wait here */
    struct srv_verify_batch *verify_batch; /* srv_conn_verify_batch: MACs of this pass's WRITEs, computed */
    struct srv_mbox *mbox; /* cross-connection posts (smb2_lease.c) */
    uint64_t id;           /* the mailbox's connection id (server-wide) */
    struct srv_signer bind_key; /* Session.SigningKey of the session a binding request names (session.c) */
    bool bind_key_used;         /* ... and a response of the PDU being processed will be signed with it */
};

/* MS-SMB2 3.3.5.5.2 (in Samba's order, which smbtorture's
 * smb2.session.bind_negative_* expect): may a connection bind to a session?
 * SMB_OK or the status to refuse with. Pure: the facts are gathered by
 * session.c bind_begin. */
struct srv_bind_facts {
    uint16_t sess_dialect, conn_dialect;
    smb_sign_alg sess_alg, conn_alg;
    uint16_t sess_cipher, conn_cipher;
    bool enabled;       /* server multi channel support */
    bool sess_valid;    /* the session is (still) valid */
    bool sess_keyless;  /* guest or anonymous */
};
SMB_WUR smb_status srv_bind_decide(const struct srv_bind_facts *f);

/* One request element being processed. */
struct srv_req {
    struct smb2_hdr h;
    const uint8_t *msg; /* element start (header) */
    size_t len;         /* element length */
    smb_rd body;        /* window = element, offset at body (64) */
    struct srv_session *sess;       /* the session (a home) once the checks passed */
    struct srv_session *chan;       /* the connection's entry for it (the channel: signing key) */
    struct srv_session *locked;     /* whose mu this element holds (session.c enter_session) */
    struct srv_tree *tree;
    smb_status result;      /* outcome, for related compounds */
    smb_status chain_fail;  /* a related chain broken earlier: fail with this */
    bool signed_ok;         /* the request carried a verified signature */
    bool encrypted;         /* the request arrived in a transform of its session */
    struct srv_signer *gone_signer; /* a logged-off session's key that verified the request */
    bool gone_required;             /* that session required signing */
    bool body_written;      /* handler wrote a success-shaped body */
    uint64_t related_fid;   /* for related compounds: last FileId from CREATE */
    uint64_t created_fid;   /* set by CREATE */
    /* SESSION_SETUP bookkeeping for finalisation */
    struct srv_session *preauth_sess; /* update this session's hash with the response */
    bool preauth_conn;                /* update the connection hash with the response */
    bool setup_done;                  /* SESSION_SETUP completed authentication (a key exists) */
    struct srv_session *end_session;  /* a failed re-authentication: this entry's session ends after the response */
    uint64_t new_session_id;
    uint64_t async_id; /* set when the handler returned SMB_E_PENDING */
    bool may_defer;    /* a non-compound request on a connection with I/O jobs */
    struct srv_io_job *job; /* set when READ/WRITE/FLUSH deferred its file I/O */
    bool lone;              /* the only request of its PDU (a CREATE may wait for a break) */
    struct srv_pending *retry; /* a waiting CREATE run again (smb2_lease.c) */
};

/* ---- the response path (server/session_emit.c) ----
 * Every SMB2 response leaves through a srv_frame (one NetBIOS frame, one
 * response or a compound of them):
 *   srv_frame_begin   reserve the NetBIOS header at the end of out
 *   srv_frame_body    pad the previous element to 8 and link it; a writer at
 *                     the new element (offsets relative to its SMB2 header,
 *                     positioned after the header) for a wire/smb2 encoder
 *   srv_frame_add     the header (ids, status, credits, flags, async form),
 *                     the signing decision and the preauth chain to update
 *   srv_frame_end     unlink the last element, sign each, update the 3.1.1
 *                     preauth hashes, write the NetBIOS header
 * A pointer into out is valid only until the next srv_frame_body. */
struct srv_resp {
    const struct smb2_hdr *req; /* the request's header: command, ids, flags, CreditCharge */
    smb_status status;
    uint16_t credit;       /* CreditResponse (srv_credits_grant) */
    uint64_t async_id;     /* non-zero: async form (MS-SMB2 3.3.4.2) */
    uint64_t session_id;   /* the response's SessionId (default: the request's) */
    uint32_t tree_id;      /* sync form (default: the request's) */
    bool interim;          /* the interim STATUS_PENDING response */
    /* what the signing decision needs (srv_resp_session); taken in one place */
    struct srv_signer *signer; /* the session's key, NULL without one */
    bool signing_required;     /* the session requires signing */
    bool signed_req;           /* the request carried a verified signature */
    bool setup_done;           /* SESSION_SETUP: this response completes authentication */
    bool bind_leg;             /* SESSION_SETUP of a binding, verified with Session.SigningKey (signer) */
    bool sign_now;             /* signer may be replaced by the next PDU (a gone or binding key): never batched */
    smb_preauth *preauth;      /* 3.1.1: hash the response into this chain */
    smb_crypt_ctx *crypt;      /* encrypt the frame with this session's keys (then not signed) */
};
struct srv_frame {
    struct srv_buf *out;
    size_t start; /* the NetBIOS header's offset in out */
    size_t cur;   /* the element being built (SIZE_MAX: none) */
    int n;
    struct {
        size_t off;
        struct srv_signer *sign;
        smb_preauth *preauth;
        smb_crypt_ctx *crypt;
        uint64_t session_id;
        bool sign_now; /* srv_resp.sign_now */
    } el[SRV_COMPOUND_MAX];
    struct srv_sign_batch *batch; /* the connection's attached batch at srv_frame_add (NULL: sign at once) */
};
void srv_resp_init(struct srv_resp *r, const struct smb2_hdr *req, smb_status status);
/* the signing inputs of a session (NULL: none) */
void srv_resp_session(struct srv_resp *r, struct srv_session *s, bool signed_req);
SMB_WUR smb_status srv_frame_begin(struct srv_frame *f, struct srv_buf *out);
SMB_WUR smb_status srv_frame_body(struct srv_frame *f, size_t cap, smb_wr *w);
SMB_WUR smb_status srv_frame_add(struct srv_conn *c, struct srv_frame *f, const struct srv_resp *r, const smb_wr *w);
SMB_WUR smb_status srv_frame_end(struct srv_frame *f);
/* a frame of one message: srv_frame_open = begin + body, srv_frame_close =
 * add + end; on failure each leaves out as it was before the open */
SMB_WUR smb_status srv_frame_open(struct srv_frame *f, struct srv_buf *out, size_t cap, smb_wr *w);
SMB_WUR smb_status srv_frame_close(struct srv_conn *c, struct srv_frame *f, const struct srv_resp *r, const smb_wr *w);

/* ---- SMB 3.x encryption (server/session_crypt.c) ---- */
/* NEGOTIATE: choose the cipher (3.1.1 context into out, 3.0.x CAP_ENCRYPTION
 * returned as a capability bit to add). */
uint32_t srv_crypt_negotiate(struct srv_conn *c, const struct smb2_negotiate_req *req, struct smb2_neg_contexts *out);
/* SESSION_SETUP success with a key: keys, Session.EncryptData and the
 * session flag; SMB_E_ACCESS_DENIED when the server requires encryption and
 * this session cannot have it. keyless: guest/anonymous. */
SMB_WUR smb_status srv_crypt_session_setup(struct srv_conn *c, struct srv_session *s, bool keyless, uint16_t *sflags);
/* A binding completed: the channel entry's own context with its session's
 * encryption keys and the session's shared nonce counter (none without a
 * cipher). */
SMB_WUR smb_status srv_crypt_channel(struct srv_session *chan);
/* TREE_CONNECT to share idx (-1 IPC$): share flag and tree state, or
 * SMB_E_ACCESS_DENIED for a client that cannot encrypt (MS-SMB2 3.3.5.7). */
SMB_WUR smb_status srv_crypt_tree_connect(struct srv_conn *c, struct srv_session *s, int idx, uint32_t *share_flags,
                                  bool *encrypt_data);
/* A request in clear on an encrypt-required session or tree: refused and logged. */
SMB_WUR smb_status srv_crypt_check_clear(struct srv_conn *c, struct srv_req *rq);
/* A transform PDU: decrypt in place; any failure ends the connection. */
SMB_WUR smb_status srv_crypt_input(struct srv_conn *c, uint8_t *pdu, size_t len, uint8_t **plain, size_t *plain_len);
/* Wrap the finished frame (f->start: NetBIOS header, then the chain) in a transform. */
SMB_WUR smb_status srv_crypt_frame(struct srv_frame *f, smb_crypt_ctx *crypt, uint64_t session_id);
/* logging (never secrets) */
void srv_log(const struct srv_conn *c, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* command handlers: write the body into w, return the NTSTATUS (as smb_status) */
SMB_WUR smb_status srv_cmd_tree_connect(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
SMB_WUR smb_status srv_cmd_tree_disconnect(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
SMB_WUR smb_status srv_cmd_create(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
SMB_WUR smb_status srv_cmd_close(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
SMB_WUR smb_status srv_cmd_flush(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
SMB_WUR smb_status srv_cmd_read(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
SMB_WUR smb_status srv_cmd_write(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
SMB_WUR smb_status srv_cmd_query_directory(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
SMB_WUR smb_status srv_cmd_query_info(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
SMB_WUR smb_status srv_cmd_set_info(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
SMB_WUR smb_status srv_cmd_ioctl(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
SMB_WUR smb_status srv_cmd_lock(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
/* Async requests (session_async.c, MS-SMB2 3.3.4.2 / 3.3.5.16).
 * CHANGE_NOTIFY goes pending (returns SMB_E_PENDING with rq->async_id) and
 * stays so until CANCEL (STATUS_CANCELLED) or the handle closes
 * (STATUS_NOTIFY_CLEANUP). srv_async_cancel marks the request CANCEL names
 * (by AsyncId, or MessageId for the sync form) in the same session;
 * srv_async_fid_closed marks those waiting on a handle; srv_async_flush
 * appends one NetBIOS frame per completed request (signed like any response
 * on the session; dropped when the session is gone); srv_async_free_all
 * releases everything (connection teardown). */
SMB_WUR smb_status srv_cmd_change_notify(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
/* session_async.c: register a zeroed pending entry for rq on its open fid */
void srv_pending_add(struct srv_conn *c, const struct srv_req *rq, struct srv_pending *pd, uint64_t fid);
void srv_async_cancel(struct srv_conn *c, const struct srv_req *rq);
void srv_async_fid_closed(struct srv_conn *c, uint64_t fid);
void srv_async_session_closing(struct srv_conn *c, uint64_t session_id);
/* Byte-range locks (smb2_lock.c): drop the locks of the opens of a session
 * (tree_id 0: every tree) and let waiting LOCKs take the ranges; try the
 * waiting LOCKs again when a lock went away since the last try. */
void srv_lock_release_opens(struct srv_conn *c, struct srv_session *home, uint32_t tree_id);
void srv_lock_retry(struct srv_conn *c);
SMB_WUR smb_status srv_async_flush(struct srv_conn *c, struct srv_buf *out);
void srv_async_free_all(struct srv_conn *c);
struct srv_session *srv_session_find(struct srv_conn *c, uint64_t id);

/* Deferred file I/O (session_io.c). srv_io_defer makes rq a job (rq->job,
 * a pending entry) for a READ/WRITE/FLUSH that passed every check; it
 * returns SMB_OK, or an error when the request must run synchronously
 * instead (too many pending requests). */
SMB_WUR smb_status srv_io_defer(struct srv_conn *c, struct srv_req *rq, struct srv_open *o, uint64_t offset,
                        uint32_t length, uint32_t mincount, const uint8_t *data);
void srv_io_job_free(struct srv_io_job *j);
/* MS-SMB2 3.3.1.2 credit grant for a response (session.c) */
uint16_t srv_credits_grant(struct srv_conn *c, uint16_t requested, uint16_t charge);
/* MS-SMB2 2.2.2 ERROR response body */
void srv_write_error_body(smb_wr *w);

/* Response size the command may need (for buffer reservation). */
size_t srv_cmd_resp_cap(const struct srv_conn *c, const struct srv_req *rq);

/* SESSION_SETUP authentication (session_auth.c): consumes the security
 * buffer and writes the output token; returns SMB_OK (done),
 * SMB_E_MORE_PROCESSING_REQUIRED, or an error. */
SMB_WUR smb_status srv_auth_step(struct srv_conn *c, struct srv_session *s, const uint8_t *in, size_t inlen, uint8_t *out,
                         size_t cap, size_t *outlen);
/* SPNEGO NegTokenInit2 for the NEGOTIATE response. */
SMB_WUR smb_status srv_auth_neg_token(const struct srv_config *cfg, uint8_t *out, size_t cap, size_t *outlen);
/* Wipe the authentication state of a session being freed. */
void srv_auth_free(struct srv_session *s);

/* FILE_ATTRIBUTE_* of a file, its AllocationSize and EndOfFile (0 for
 * directories), and its four times (Creation, LastAccess, LastWrite, Change)
 * written as MS-FSCC lays them out (server/smb2_open.c) */
uint32_t srv_attrs_of(const struct srv_attr *st);
uint64_t srv_alloc_of(const struct srv_attr *st);
uint64_t srv_eof_of(const struct srv_attr *st);
void srv_put_times(smb_wr *w, const struct srv_attr *st);

/* Oplocks and leases (smb2_lease.c; MS-SMB2 3.3.5.9.8, 3.3.5.9.11, 3.3.4.6,
 * 3.3.4.7, 3.3.5.22). srv_lease_req: what a CREATE asked for. */
struct srv_lease_req {
    bool has;            /* an RqLs context (honoured only when leasing is on) */
    uint8_t version;     /* 1 (32 bytes) or 2 (52 bytes) */
    uint8_t key[16], parent[16];
    uint32_t state, flags;
    uint16_t epoch;
};
SMB_WUR smb_status srv_lease_parse_ctx(const uint8_t *data, uint32_t dlen, struct srv_lease_req *lq);
/* Before the share-mode check of an open of an existing file: break what
 * conflicts. SMB_OK: go on; SMB_E_PENDING: the CREATE waits (rq->async_id
 * set, or rq->retry kept waiting). */
SMB_WUR smb_status srv_lease_break_for_open(struct srv_conn *c, struct srv_req *rq, const struct srv_attr *sb,
                                            uint32_t access, uint32_t share, uint32_t action,
                                            const struct srv_lease_req *lq);
/* After the open is in the share-mode table: the oplock level to grant,
 * and the lease response context into cw (when a lease was granted). */
SMB_WUR smb_status srv_lease_grant(struct srv_conn *c, struct srv_req *rq, struct srv_open *o, uint8_t requested,
                                   const struct srv_lease_req *lq, uint8_t *level, smb_wr *cw, bool last);
/* a WRITE or size change through o: other opens lose their read caching */
void srv_lease_break_on_write(struct srv_conn *c, struct srv_open *o);
SMB_WUR smb_status srv_cmd_oplock_break(struct srv_conn *c, struct srv_req *rq, smb_wr *w);
SMB_WUR smb_status srv_mbox_register(struct srv_conn *c);
void srv_mbox_unregister(struct srv_conn *c);
void srv_lease_wait_free(struct srv_conn *c, struct srv_pending *pd);
/* share_mu held: entry e leaves the table (its lease reference, waiters to kick) */
void srv_lease_entry_gone(struct srv_shared *t, struct srv_share_ent *e, uint64_t *kick, int *n_kick, int max_kick);
void srv_kick(struct srv_shared *t, const uint64_t *ids, int n);
struct srv_tree *srv_tree_find(struct srv_session *s, uint32_t id);

/* the open table (smb2_open.c), used by the session and async code too */
void srv_open_close(struct srv_conn *c, struct srv_open *o);
/* max open files per connection: the opens of the sessions this connection
 * made (a bound channel's opens count to its session's connection), and of
 * the one session a CREATE would add to */
bool srv_opens_at_limit(const struct srv_conn *c, const struct srv_session *home);
void srv_tree_remove_opens(struct srv_conn *c, struct srv_session *home, uint32_t tree_id);

/* SMB1 (server/smb1_server.c): whether an SMB1 first PDU should go to the
 * SMB1 core (smb1 = yes and a NEGOTIATE offering NT LM 0.12 and no SMB2
 * dialect), the core itself, and its teardown. */
bool srv_smb1_wants(const struct srv_conn *c, const uint8_t *pdu, size_t len);
SMB_WUR smb_status srv_smb1_input(struct srv_conn *c, const uint8_t *pdu, size_t len, struct srv_buf *out);
void srv_smb1_free(struct srv_conn *c);
bool srv_smb1_established(const struct srv_conn *c);

#endif
