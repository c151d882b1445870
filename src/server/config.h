/*
 * server/config.h - `smbsign serve` configuration: an smb.conf-style INI file
 * (parsed with libinih) plus command-line overrides.
 *
 * Contract: srv_config_init fills defaults; srv_config_load parses a file into
 * an initialised config and fails with "FILE:LINE: message" in err on the first
 * unknown section key, bad value or duplicate share (strict: a typo is an
 * error, never silently ignored). Keys are matched case-insensitively with
 * spaces and underscores treated alike ("server signing" == "Server_Signing").
 * Every signing-related value remembers where it came from (srv_config.src_*)
 * so --check-config can print sources. The struct is plain data: no heap,
 * copied by value on SIGHUP reload.
 */
#ifndef SMBSIGN_SERVER_CONFIG_H
#define SMBSIGN_SERVER_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"
#include "smbsign/types.h"

/* Limits (named constants; those marked [cfg] can be changed in [global]). */
#define SRV_MAX_LISTEN 8
#define SRV_MAX_SHARES 32
#define SRV_MAX_POLICY_FILES 4
#define SRV_SHARE_NAME_MAX 80
#define SRV_DEFAULT_PORT 4445
#define SRV_MAX_PDU_DEFAULT (8u * 1024 * 1024 + 4096) /* [cfg] "max pdu" */
#define SRV_MAX_PDU_CAP (16u * 1024 * 1024)           /* NetBIOS length is 24-bit on SMB2 */
#define SRV_MAX_IO_DEFAULT (1u * 1024 * 1024) /* MaxRead/MaxWrite/MaxTransact; docs/server.md "Throughput" */
#define SRV_PREAUTH_MAX_PDU (64u * 1024) /* frame cap until a session is authenticated */
#define SRV_MAX_CREDITS_DEFAULT 8192                   /* [cfg] "max credits" */
#define SRV_MAX_SESSIONS_DEFAULT 16                    /* [cfg] "max sessions per connection" */
#define SRV_MAX_OPENS_DEFAULT 1024                     /* [cfg] "max open files per connection" */
#define SRV_MAX_CONNECTIONS_DEFAULT 1024               /* [cfg] "max connections" */
#define SRV_IDLE_TIMEOUT_DEFAULT 900                   /* [cfg] "idle timeout" seconds */
#define SRV_MAX_CONNS_PER_ADDR_DEFAULT 64              /* [cfg] "max connections per address" (0: no cap) */
#define SRV_HALF_OPEN_TIMEOUT_DEFAULT 10               /* [cfg] "handshake timeout" seconds */
#define SRV_AUTH_FAIL_DELAY_MS_DEFAULT 500             /* [cfg] "auth failure delay" ms */
#define SRV_IO_THREADS_DEFAULT 3   /* [cfg] "io threads": READ/WRITE/FLUSH file I/O off the worker (0: on it) */
#define SRV_IO_THREADS_MAX 16
#define SRV_WORKERS_MAX 256 /* [cfg] "workers": event loops (0 in srv_config: one per online CPU) */
#define SRV_BREAK_TIMEOUT_DEFAULT 35000 /* [cfg] "oplock break timeout" ms (Windows: 35 s) */
#define SRV_ASYNC_IO_AFTER_DEFAULT 5 /* [cfg] "async io after" ms: interim STATUS_PENDING past this (0: always) */
#define SRV_SIG_FAIL_DROP 3 /* signature failures on a connection before it is dropped */

struct srv_share {
    char name[SRV_SHARE_NAME_MAX + 1];
    char path[PATH_MAX];
    bool read_only;
    bool ipc; /* IPC$ (no path) */
    bool mem; /* [cfg] "backend = memory": an in-memory tree (server/vfs_mem.c), no path */
    uint64_t mem_bytes; /* [cfg] "memory size": its data bytes (0: SRV_MEM_BYTES_DEFAULT) */
    int encrypt; /* "smb encrypt" on the share: SRV_ENC_* or -1 (the global value) */
    bool no_oplocks; /* [cfg] "oplocks = no": neither oplocks nor leases on this share */
};
/* SMB 3.x encryption levels, Samba's words (server/session_crypt.c):
 * off/disabled/no, if_required/auto/default, desired, required/mandatory/yes. */
enum { SRV_ENC_OFF = 0, SRV_ENC_IF_REQUIRED = 1, SRV_ENC_DESIRED = 2, SRV_ENC_REQUIRED = 3 };
#define SRV_MAX_CIPHERS 4

/* Where a setting came from, for --check-config. */
struct srv_src {
    char text[PATH_MAX + 64]; /* e.g. "default", "/etc/x.conf:12", "command line --signing" */
};

struct srv_config {
    char listen[SRV_MAX_LISTEN][128]; /* "ADDR:PORT" */
    int n_listen;
    char users[PATH_MAX];
    char profile[64];
    char policy_files[SRV_MAX_POLICY_FILES][PATH_MAX];
    int n_policy_files;

    /* Signing: the explicit level when one was set (server signing /
     * require+enable / --signing), else resolved from profile/policy files. */
    bool signing_set;
    smb_sign_level signing;
    struct srv_src src_signing;
    /* The two Windows policy words, when given: -1 unset, 0/1 value. */
    int require_signing, enable_signing;
    struct srv_src src_require, src_enable;

    /* --signing on the command line (highest precedence). */
    bool cli_signing_set;
    smb_sign_level cli_signing;

    smb_dialect min_protocol, max_protocol;
    struct srv_src src_protocol;
    smb_sign_alg algs[3]; /* preference order */
    int n_algs;
    struct srv_src src_algs;

    bool guest_ok; /* "guest ok" / "map to guest = bad user": allow guest sessions */
    /* SMB 3.x encryption: "server smb encrypt" (SRV_ENC_*), the ciphers in
     * preference order ("server smb3 encryption algorithms") and Windows'
     * RejectUnencryptedAccess ("reject unencrypted access", default yes) */
    int encrypt;
    bool encrypt_set; /* "server smb encrypt" given: unset, a cipher is negotiated only for a share that asks */
    uint16_t ciphers[SRV_MAX_CIPHERS];
    int n_ciphers;
    bool reject_unencrypted;
    bool spn_validation; /* "server spn validation": NTLM MsvAvTargetName must name this server */
    bool multichannel; /* "server multi channel support" (Samba's word): SMB 3.x session binding */
    uint32_t workers;   /* [cfg] "workers": event loops, 1..SRV_WORKERS_MAX; 0 = one per online CPU */
    bool worker_thread; /* [cfg] "worker thread": MACs and file I/O on a second thread (per event loop) */
    uint32_t io_threads;      /* [cfg] "io threads" (needs the worker thread; 0: file I/O on the worker) */
    uint32_t async_io_after;  /* [cfg] "async io after" ms */
    bool leases;                 /* [cfg] "server leases": SMB2_GLOBAL_CAP_LEASING and lease contexts (2.1+) */
    uint32_t oplock_break_timeout; /* [cfg] "oplock break timeout" ms: an opener waits this long for an ack */
    /* SMB1 (docs/smb1.md): "smb1 = yes" enables NT LM 0.12; "era = legacy|current"
     * (smb_era value) overrides the profile's era for SMB1 behaviour. */
    bool smb1;
    bool era_set;
    int era;
    char server_name[64];
    /* Kerberos (docs/kerberos.md): "kerberos keytab = FILE" turns it on;
     * "realm" is the only realm whose principals may log on; "ntlm auth = no"
     * turns NTLMSSP off (Samba's words). */
    char krb5_keytab[PATH_MAX];
    char realm[256];
    bool ntlm_auth;
    int log_level; /* 0 error .. 3 debug */

    uint32_t max_pdu, max_io, max_credits, max_sessions, max_opens, max_connections;
    uint32_t max_conns_per_addr; /* [cfg] "max connections per address" (0: no cap) */
    uint32_t idle_timeout, handshake_timeout, auth_fail_delay_ms;

    struct srv_share shares[SRV_MAX_SHARES];
    int n_shares;
};

void srv_config_init(struct srv_config *c);
/* Parse FILE into c (already initialised; later values override). */
SMB_WUR smb_status srv_config_load(struct srv_config *c, const char *path, char *err, size_t errlen);
/* Parse from memory (for tests and fuzzing); name is used in messages. */
SMB_WUR smb_status srv_config_load_string(struct srv_config *c, const char *text, const char *name, char *err,
                                  size_t errlen);
/* "NAME=PATH" from --share; read-only when PATH ends with ":ro". */
SMB_WUR smb_status srv_config_add_share(struct srv_config *c, const char *spec, char *err, size_t errlen);
/* Final checks (at least one listen address, share paths exist, ranges). */
SMB_WUR smb_status srv_config_validate(struct srv_config *c, char *err, size_t errlen);
/*
 * Effective server signing level through the policy engine (smbsign/policy.h):
 * layers, lowest precedence first: the profile's defaults (--profile / profile)
 * or smbsign's own default (required); each policy file (.reg, GptTmpl.inf,
 * PowerShell output, with the source the parser gives it); the config file's
 * "server signing" / "server require signing" / "server enable signing"
 * (source override); --signing (override, last). eff receives the resolved
 * values with their sources.
 */
struct smb_policy_effective;
SMB_WUR smb_status srv_config_signing(const struct srv_config *c, smb_sign_level *level, struct smb_policy_effective *eff,
                              char *err, size_t errlen);
/* "server smb encrypt" words -> SRV_ENC_*; 0 ok, -1 unknown. */
int srv_parse_encrypt_word(const char *s, int *out);
/* Samba's cipher list ("AES-128-GCM, AES-128-CCM", "default"); 0 ok, -1 bad. */
int srv_parse_cipher_list(const char *s, uint16_t *ciphers, int *n);
/* Event loops to run: cfg.workers, or the number of online CPUs when 0
 * (at least 1, at most SRV_WORKERS_MAX). */
unsigned srv_config_workers(const struct srv_config *c);
/* "auto" (0) or 1..SRV_WORKERS_MAX; 0 ok, -1 otherwise (0 itself is refused). */
int srv_parse_workers(const char *s, uint32_t *out);
/* Case-insensitive share lookup; NULL when absent. */
const struct srv_share *srv_config_share(const struct srv_config *c, const char *name);
/* Split "ADDR:PORT" ("[v6]:port" too); 0 ok. */
int srv_parse_listen(const char *s, char *addr, size_t alen, uint16_t *port);
/* Parse a signing word: disabled|auto|enabled|if_required|mandatory|required|yes|no. */
int srv_parse_signing_word(const char *s, smb_sign_level *out);

#endif
