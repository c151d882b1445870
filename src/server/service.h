/*
 * server/service.h - running `smbsign serve` under a service manager.
 *
 * srv_notify sends one state string ("READY=1", "RELOADING=1", "STATUS=...")
 * to the socket named by $NOTIFY_SOCKET with the sd_notify datagram protocol
 * (sd_notify(3): an AF_UNIX datagram socket, a path or "@abstract" name;
 * newline-separated VAR=VALUE lines). No libsystemd: the protocol is one
 * sendto(). Without $NOTIFY_SOCKET it does nothing.
 *
 * srv_journal_stderr tells whether standard error is the journal's stream
 * ($JOURNAL_STREAM = "DEV:INODE" of our fd 2, systemd.exec(5)); then log
 * lines carry a "<N>" syslog priority prefix (sd-daemon(3)) and no timestamp,
 * since the journal stamps every line itself.
 *
 * No global state: the caller keeps the journal flag. Thread-safe.
 */
#ifndef SMBSIGN_SERVER_SERVICE_H
#define SMBSIGN_SERVER_SERVICE_H

#include <stdbool.h>
#include <stdio.h>

/* 1 sent, 0 no $NOTIFY_SOCKET, -1 error (errno set; the caller may ignore it). */
int srv_notify(const char *state);
/* sd_notify to an explicit socket name (tests); same return values. */
int srv_notify_to(const char *socket_name, const char *state);

bool srv_journal_stderr(void);

/* Syslog priority for an srv_log_level (ERROR 3, AUDIT 4, INFO 6, DEBUG 7). */
int srv_log_priority(int level);
/* Format one log line into out: "<N>MESSAGE" (journal) or
 * "YYYY-MM-DDTHH:MM:SSZ smbsign-serve LEVEL: MESSAGE". Newlines inside the
 * message become spaces so one event stays one journal entry. */
void srv_log_format(char *out, size_t cap, bool journal, int level, const char *msg);

#endif
