/*
 * server/session.h - the sans-I/O SMB2/3 server core.
 *
 * Contract: the loop (server/loop.c) hands srv_conn_input one whole PDU (the
 * body of one NetBIOS frame) and gets back, appended to an srv_buf, the
 * NetBIOS-framed bytes to send (zero or one frame per input). No sockets, no
 * timers inside: the core reports what the adapter must do through fields of
 * srv_conn (drop, delay_ms). File I/O goes through server/vfs.
 *
 * Signing (MS-SMB2 3.3.5.2.4, 3.3.4.1.1): whether a request must be signed is
 * decided from session state (Session.SigningRequired), never from the
 * request's SIGNED flag; a request that must be signed and is not, or whose
 * signature does not verify, is answered STATUS_ACCESS_DENIED, is not
 * executed, and is logged; SRV_SIG_FAIL_DROP such failures drop the
 * connection. Every response on a signing session is signed, the final
 * SESSION_SETUP response included.
 *
 * Ownership: srv_ctx is owned by the adapter and outlives every connection
 * using it (a reload builds a new ctx; connections keep the old one until
 * they close). srv_conn_new allocates; srv_conn_free closes open files.
 */
#ifndef SMBSIGN_SERVER_SESSION_H
#define SMBSIGN_SERVER_SESSION_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/config.h"
#include "server/userdb.h"
#include "server/vfs.h"
#include "smbsign/batch.h"
#include "smbsign/status.h"
#include "smbsign/types.h"

enum srv_log_level { SRV_LOG_ERROR = 0, SRV_LOG_AUDIT = 1, SRV_LOG_INFO = 2, SRV_LOG_DEBUG = 3 };

typedef void (*srv_log_fn)(void *arg, int level, const char *msg);

/*
 * Server-wide mutable state, shared by every event loop (workers = N) and
 * kept across SIGHUP reloads: a reloaded ctx adopts the running one's
 * (srv_ctx_adopt_shared), so opens made before and after a reload still see
 * each other's share modes and byte-range locks. Locking (docs/server.md
 * "Threads and locking"): share_mu guards share_list and every entry in it,
 * and the list brl_files with each table's refs; it is a leaf lock (no
 * other lock is taken while holding it, no I/O under it). Each byte-range
 * lock table has its own leaf mutex (smb2_open.h). refs and brl_gen are
 * changed with atomic operations only.
 */
struct srv_share_ent;
struct srv_brl_file;
struct srv_lease;
struct srv_wait;
struct srv_mbox;
struct srv_session;
#define SRV_SESS_BUCKETS 256
struct srv_shared {
    pthread_mutex_t share_mu;
    struct srv_share_ent *share_list; /* share-mode table (smb2_open.c) */
    struct srv_brl_file *brl_files;   /* byte-range lock tables, one per open file (smb2_lock.c), listed under share_mu */
    uint64_t brl_gen;                 /* atomic: bumped whenever a byte-range lock goes away (blocking locks retry) */
    struct srv_lease *leases;         /* lease table (MS-SMB2 3.3.1.4), under share_mu (smb2_lease.c) */
    struct srv_wait *waits;           /* openers waiting for a break acknowledgement, under share_mu */
    /* connection registry for cross-connection posts (smb2_lease.c): conn_mu
     * guards conns and each mbox's wake; it may be held while the wake
     * callback takes the target loop's mutex, never the other way round */
    pthread_mutex_t conn_mu;
    struct srv_mbox *conns;
    uint64_t next_conn_id;
    int refs;                         /* ctxs using this state */
    /* Multichannel: the sessions a SESSION_SETUP with SMB2_SESSION_FLAG_BINDING
     * on another connection may bind to, by SessionId (MS-SMB2 3.3.1.5
     * GlobalSessionTable), and their reference counts. sess_mu is a leaf
     * lock: taken for lookups, insertions, removals and srv_session.refs only. */
    pthread_mutex_t sess_mu;
    struct srv_session *sess[SRV_SESS_BUCKETS];
    uint64_t next_fid; /* FileIds, unique server-wide (atomic) */
};

/* Everything in srv_ctx except `shared` is read-only once srv_ctx_init
 * returns (the user database, the share roots, cfg), so every loop reads it
 * without a lock. */
struct srv_ctx {
    struct srv_config cfg;
    struct srv_shared *shared;
    struct srv_userdb users;
    struct srv_vfs vfs[SRV_MAX_SHARES]; /* index-aligned with cfg.shares */
    smb_sign_level level;               /* effective server signing level */
    uint8_t server_guid[16];
    uint64_t start_time; /* FILETIME */
    srv_log_fn log;
    void *log_arg;
};

/* Build a ctx from a validated config: opens share roots, loads the user db.
 * err gets a message on failure. */
SMB_WUR smb_status srv_ctx_init(struct srv_ctx *ctx, const struct srv_config *cfg, smb_sign_level level, char *err,
                        size_t errlen);
void srv_ctx_free(struct srv_ctx *ctx);
/* Make ctx (fresh from srv_ctx_init, not yet used by any connection) share
 * the server-wide state of running (SIGHUP reload). */
void srv_ctx_adopt_shared(struct srv_ctx *ctx, const struct srv_ctx *running);
/* The server's clock (FILETIME): the shares' file-system clock (server/vfs.h). */
uint64_t srv_ctx_now(const struct srv_ctx *ctx);

/* Growable output buffer (heap). */
struct srv_buf {
    uint8_t *p;
    size_t len, cap;
};
SMB_WUR smb_status srv_buf_reserve(struct srv_buf *b, size_t extra);
void srv_buf_free(struct srv_buf *b);

struct srv_conn;

struct srv_conn *srv_conn_new(const struct srv_ctx *ctx, const char *peer);
/* Record the local address of the connection's socket (getsockname). */
void srv_conn_set_local(struct srv_conn *c, int fd);
void srv_conn_free(struct srv_conn *c);
/* Process one PDU (NetBIOS frame body). Responses are appended to out.
 * Returns SMB_OK, or an error meaning "close the connection now" (malformed
 * framing, protocol violation, too many signature failures). */
SMB_WUR smb_status srv_conn_input(struct srv_conn *c, const uint8_t *pdu, size_t len, struct srv_buf *out);
/* Milliseconds the adapter should hold the next output (authentication
 * failure back-off); reading it resets it. */
uint32_t srv_conn_take_delay(struct srv_conn *c);
/* True once the connection negotiated and authenticated a session (for the
 * adapter's half-open timeout). */
bool srv_conn_established(const struct srv_conn *c);
/* Flush every open file (SIGTERM). */
void srv_conn_flush_all(struct srv_conn *c);

/*
 * Blocking byte-range locks (server/smb2_lock.c, MS-SMB2 3.3.5.14.2). A LOCK
 * that must wait stays pending in its connection; it is retried whenever a
 * lock of the server goes away (srv_ctx_lock_gen changes). Unlocks and
 * closes on the same connection retry at the end of srv_conn_input; for an
 * unlock on another connection (any event loop), the adapter calls
 * srv_conn_poll on the connection's own thread when srv_conn_lock_wait
 * reported a waiter and the generation moved past *gen. srv_conn_poll
 * appends the final responses of the locks it could grant (and of anything
 * else that completed) to out.
 */
bool srv_conn_lock_wait(const struct srv_conn *c, uint64_t *gen);
uint64_t srv_ctx_lock_gen(const struct srv_ctx *ctx); /* any thread */
SMB_WUR smb_status srv_conn_poll(struct srv_conn *c, struct srv_buf *out);

/*
 * Deferred file I/O (server/session_io.c; MS-SMB2 3.3.4.2 interim responses).
 *
 * srv_conn_set_io_jobs(c, after_ms) with after_ms >= 0 turns it on (-1, the
 * default, keeps all file I/O inside srv_conn_input). Then a READ, WRITE or
 * FLUSH that is the only element of its PDU (compound elements stay
 * synchronous) and passed every check (signature, session, tree, handle,
 * access, range, CreditCharge) does not touch the file: srv_conn_input
 * produces no response for it and leaves a job for srv_conn_take_job, and
 * `out` is emptied (its buffer moves into the job, which builds the response
 * in it; READ data is pread in place). With after_ms == 0 the interim
 * response (async, STATUS_PENDING, credits granted, unsigned) is already in
 * `out`; otherwise the adapter calls srv_conn_job_interim once after_ms have
 * passed without completion.
 *
 * The adapter runs srv_io_job_run on any thread (the pread/pwrite/fsync on a
 * descriptor the job owns, so CLOSE cannot pull it away), at most one job of
 * the same srv_io_job_key at a time and in the order the jobs were taken,
 * then hands the job back to the thread that owns c, which calls
 * srv_conn_job_done: `out` (empty) receives the response frame, in sync form
 * (credits granted) when no interim went out, else the final async response
 * (CreditResponse 0); signed on a signing session; nothing when the session
 * is gone. It frees the job. A CANCEL (by MessageId, or AsyncId after the
 * interim) of a job that has not started makes srv_io_job_run return false
 * without touching the file and the request end with STATUS_CANCELLED; a
 * running job completes normally. Every job must go through
 * srv_conn_job_done before srv_conn_free. When srv_io_job_keeps_pdu, the job
 * points into the PDU given to srv_conn_input: keep it until
 * srv_conn_job_done.
 */
/*
 * Cross-connection posts (oplock and lease breaks, MS-SMB2 3.3.4.6/3.3.4.7;
 * server/smb2_lease.c). Another connection's core (on any thread) may need
 * this connection to send a break notification, or to retry an open that
 * waits for one. It never touches this connection's core: it marks the
 * connection's mailbox and calls the wake function the adapter registered
 * (srv_conn_set_wake), from any thread, with the server's conn_mu held (the
 * function must only queue and signal: no core, no other server lock).
 * The adapter then calls srv_conn_mail on the thread that owns the core:
 * `out` receives the notifications (built from the holder's own session
 * state) and the final responses of opens that waited. srv_conn_mail_deadline
 * (any thread) is the CLOCK_MONOTONIC ms at which srv_conn_mail must run
 * even without a wake (a break timeout), 0 for none.
 */
typedef void (*srv_wake_fn)(void *arg);
void srv_conn_set_wake(struct srv_conn *c, srv_wake_fn fn, void *arg);
SMB_WUR smb_status srv_conn_mail(struct srv_conn *c, struct srv_buf *out);
uint64_t srv_conn_mail_deadline(const struct srv_conn *c);
uint64_t srv_mono_ms(void);

struct srv_io_job;
void srv_conn_set_io_jobs(struct srv_conn *c, int after_ms);
struct srv_io_job *srv_conn_take_job(struct srv_conn *c);
/* True (once) when the last srv_conn_input cancelled a queued job: the
 * adapter should hand it back without waiting for its handle's turn. */
bool srv_conn_take_io_cancel(struct srv_conn *c);
bool srv_io_job_keeps_pdu(const struct srv_io_job *j);
bool srv_io_job_interim_sent(const struct srv_io_job *j);
uint64_t srv_io_job_key(const struct srv_io_job *j);   /* the open's FileId */
bool srv_io_job_cancelled(const struct srv_io_job *j); /* any thread */
const char *srv_io_job_describe(const struct srv_io_job *j, char *buf, size_t cap); /* for logs */
bool srv_io_job_run(struct srv_io_job *j);
SMB_WUR smb_status srv_conn_job_interim(struct srv_conn *c, struct srv_io_job *j, struct srv_buf *out);
SMB_WUR smb_status srv_conn_job_done(struct srv_conn *c, struct srv_io_job *j, struct srv_buf *out);

/*
 * Batch signing of responses (issue 16; server/session_emit.c). While a batch
 * is attached to a connection (srv_conn_sign_batch), srv_frame_end records
 * the MACs that the one signing decision (session_emit.c sign_key) asked for
 * instead of computing them; srv_sign_batch_run then computes all of them in
 * one smb2_sign_batch (interleaved MAC lanes, across connections; per-frame
 * results in m[k].status, owner in tag[k]; the adapter resets n). The
 * adapter must run it before any recorded frame is sent, and must neither
 * move nor free those frames' buffers in between. Frames that feed the
 * 3.1.1 preauth hash, frames signed with a key a later PDU may replace (a
 * logged-off session's, Session.SigningKey of a binding: srv_resp.sign_now),
 * and frames that no longer fit, are signed at once as before. tag: the adapter's number for the frames recorded next (kept in
 * tag[] so it can tell which output a failed signature belongs to).
 */
#define SRV_SIGN_BATCH_MAX 16
struct srv_sign_batch {
    size_t n;
    int cur_tag;
    int tag[SRV_SIGN_BATCH_MAX];
    struct iovec v[SRV_SIGN_BATCH_MAX];
    smb2_batch_msg m[SRV_SIGN_BATCH_MAX];
};
void srv_conn_sign_batch(struct srv_conn *c, struct srv_sign_batch *b); /* NULL: detach */
SMB_WUR smb_status srv_sign_batch_run(struct srv_sign_batch *b);

/*
 * Batch verification of requests (issue 16; server/session_vbatch.c). Before
 * answering the frames of one pass, the adapter offers each lone request
 * frame (srv_conn_verify_add: only plain SMB2 WRITEs on a valid session with
 * its key are taken; never encrypted, SMB1, compound or pre-key frames),
 * runs srv_verify_batch_run once, and attaches the batch to each connection
 * while it answers that connection's frames (srv_conn_verify_batch). The
 * signature check then uses its frame's result when the frame, the session's
 * context and must_sign all match, else verifies on its own as before. The
 * frames of one batch must change no session (no SESSION_SETUP, LOGOFF,
 * NEGOTIATE among them), and their buffers must not change until answered.
 */
struct srv_verify_batch {
    size_t n;
    bool any_failed; /* some element did not verify (each is refused on its own) */
    struct srv_conn *conn[SRV_SIGN_BATCH_MAX];
    bool used[SRV_SIGN_BATCH_MAX];
    struct iovec v[SRV_SIGN_BATCH_MAX];
    smb2_batch_msg m[SRV_SIGN_BATCH_MAX];
};
void srv_conn_verify_add(struct srv_conn *c, const uint8_t *pdu, size_t len, struct srv_verify_batch *b);
void srv_verify_batch_run(struct srv_verify_batch *b);
void srv_conn_verify_batch(struct srv_conn *c, struct srv_verify_batch *b); /* NULL: detach */

#endif
