/*
 * server/check.h - `smbsign serve --check`: the testparm of this server.
 *
 * srv_config_check looks at a parsed (not yet validated) configuration the way
 * the server will meet it at start: the users file (exists, readable by this
 * uid, mode not wider than 0600, parses), every share path (exists, is a
 * directory, readable, writable unless read only), every listen address (can
 * be bound now: in use, not on this host, needs CAP_NET_BIND_SERVICE), and
 * settings that make no sense together. Each finding goes to fn with a
 * severity and "FILE:LINE" of the key or section it is about (from conf_path,
 * "" when the setting came from the command line or a default).
 *
 * Severity: NOTE (informational, e.g. no users yet), WARNING (the server
 * starts but something will not work as written), ERROR (the server refuses to
 * start). Returns the worst WARNING/ERROR seen, SRV_CHECK_OK when none.
 * Side effects: binds and closes a test socket per listen address.
 */
#ifndef SMBSIGN_SERVER_CHECK_H
#define SMBSIGN_SERVER_CHECK_H

#include "server/config.h"

enum srv_check_sev { SRV_CHECK_OK = 0, SRV_CHECK_NOTE = 0, SRV_CHECK_WARNING = 1, SRV_CHECK_ERROR = 2 };

typedef void (*srv_check_fn)(void *arg, int sev, const char *where, const char *msg);

/* level: the effective signing level (srv_config_signing), or -1 when unknown. */
int srv_config_check(const struct srv_config *c, const char *conf_path, int level, srv_check_fn fn, void *arg);

/* Line (1-based) of the last "key = value" for KEY in SECTION of TEXT (keys
 * compared case-insensitively, spaces/underscores/dashes alike), or of the
 * section header itself when key is NULL; 0 when absent. */
int srv_config_find_line(const char *text, const char *section, const char *key);

#endif
