/*
 * server/loop.h - the epoll adapter around the sans-I/O core: listening
 * sockets, non-blocking accept, per-connection NetBIOS frame accumulation
 * (capped at cfg.max_pdu), write queues, idle and half-open timeouts,
 * authentication back-off, SIGTERM (flush open files, clean exit) and
 * SIGHUP (reload through a callback).
 *
 * Contract: single-threaded; srv_loop_run blocks until SIGTERM/SIGINT or
 * srv_loop_stop. The reload callback returns a new heap-allocated ctx (or NULL
 * to keep the current one); connections opened before a reload keep their
 * ctx until they close, and the loop frees a ctx when its last user is gone.
 */
#ifndef SMBSIGN_SERVER_LOOP_H
#define SMBSIGN_SERVER_LOOP_H

#include "server/session.h"

struct srv_loop;

typedef struct srv_ctx *(*srv_reload_fn)(void *arg);

/* Bind every cfg.listen address of ctx (heap, owned by the loop from now on). */
smb_status srv_loop_new(struct srv_ctx *ctx, srv_reload_fn reload, void *reload_arg, struct srv_loop **out,
                        char *err, size_t errlen);
/* Run until SIGTERM / SIGINT. Returns 0 on a clean shutdown. */
int srv_loop_run(struct srv_loop *l);
void srv_loop_free(struct srv_loop *l);

#endif
