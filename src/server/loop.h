/*
 * server/loop.h - the epoll adapter around the sans-I/O core: listening
 * sockets, non-blocking accept, per-connection NetBIOS frame accumulation
 * (capped at cfg.max_pdu), write queues, idle and half-open timeouts,
 * authentication back-off, SIGTERM (flush open files, clean exit) and
 * SIGHUP (reload through a callback).
 *
 * Contract: srv_loop_new, srv_loop_run and srv_loop_free are called from
 * one thread, which becomes event loop 0 (listening sockets, signals, and a
 * share of the connections); srv_loop_run starts cfg.workers - 1 more event
 * loops (srv_config_workers) on their own threads and blocks until
 * SIGTERM/SIGINT, then stops and joins them. Every callback (log, reload)
 * may run on any loop's thread except reload (loop 0 only). The reload callback returns a new heap-allocated ctx (or NULL
 * to keep the current one); connections opened before a reload keep their
 * ctx until they close, and the loop frees a ctx when its last user is gone.
 */
#ifndef SMBSIGN_SERVER_LOOP_H
#define SMBSIGN_SERVER_LOOP_H

#include "server/session.h"

struct srv_loop;

typedef struct srv_ctx *(*srv_reload_fn)(void *arg);

/* Bind every cfg.listen address of ctx (heap, owned by the loop from now on). */
SMB_WUR smb_status srv_loop_new(struct srv_ctx *ctx, srv_reload_fn reload, void *reload_arg, struct srv_loop **out,
                        char *err, size_t errlen);
/* Run until SIGTERM / SIGINT. Returns 0 on a clean shutdown. */
int srv_loop_run(struct srv_loop *l);
void srv_loop_free(struct srv_loop *l);

#endif
