/*
 * smbsign/client.h - a blocking SMB2/3 client that signs and verifies every
 * message, for C programs (libsmbsign) and for the `smbsign client` verb.
 *
 * Contract
 * - One smb_client is one TCP connection, one authenticated session and at
 *   most one tree (share) at a time. It is not thread-safe.
 * - smb_client_connect performs TCP connect, NEGOTIATE (2.0.2 .. 3.1.1 within
 *   the configured range) and SESSION_SETUP (NTLMv2 over SPNEGO). Whether the
 *   session signs is decided by the policy engine (smbsign/policy.h) from the
 *   configured client level and the server's SecurityMode; it is reported by
 *   smb_client_session_info.
 * - On a signing session every request is signed and every response must
 *   carry a valid signature. An unsigned response is STATUS_ACCESS_DENIED, a
 *   wrong signature STATUS_INVALID_SIGNATURE; either closes the connection,
 *   and every later call returns the same error. Data from a response is
 *   handed to the caller only after its signature verified.
 * - A guest or anonymous session while signing is required fails with
 *   STATUS_ACCESS_DENIED and an explanation (smb_client_last_error).
 * - Errors are smb_status values (smbsign/status.h): NTSTATUS from the
 *   server map to their names (STATUS_LOGON_FAILURE, STATUS_BAD_NETWORK_NAME,
 *   STATUS_OBJECT_NAME_NOT_FOUND, ...).
 * - Paths are UTF-8, relative to the share, with '/' or '\' separators.
 * - Only addresses the caller gives are contacted; nothing is resolved
 *   beyond getaddrinfo on the host string.
 *
 * Example
 *   struct smb_client_opts o = SMB_CLIENT_OPTS_INIT;
 *   o.host = "127.0.0.1"; o.port = 445; o.user = "alice"; o.password = "pw";
 *   o.signing = SMB_LEVEL_REQUIRED;
 *   smb_client *c;
 *   if (smb_client_connect(&c, &o) == SMB_OK &&
 *       smb_client_tree_connect(c, "share") == SMB_OK)
 *       smb_client_get(c, "dir/file.bin", fd, NULL, NULL);
 *   smb_client_free(c);
 */
#ifndef SMBSIGN_CLIENT_H
#define SMBSIGN_CLIENT_H

#include "smbsign/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/policy.h"
#include "smbsign/status.h"
#include "smbsign/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct smb_client smb_client;

struct smb_client_opts {
    const char *host;          /* name or address */
    uint16_t port;             /* 0 = 445 */
    const char *user;          /* NULL/"" with no password: anonymous */
    const char *domain;
    const char *password;
    const char *workstation;   /* NULL = "SMBSIGN" */
    smb_sign_level signing;    /* this client's signing level */
    smb_dialect min_dialect;   /* 0 = 2.0.2 */
    smb_dialect max_dialect;   /* 0 = 3.1.1 */
    int timeout_ms;            /* per wait; 0 = 30000 */
    uint32_t max_chunk;        /* largest READ/WRITE (0 = min(server max, 4 MiB)) */
    unsigned window;           /* READ/WRITEs in flight (0 = 8) */
    bool allow_guest_fallback; /* accept the server mapping a credentialed logon to guest
                                  (unsigned session); off by default: refused */
    int kerberos;              /* SMB_CLIENT_KRB_OFF (NTLM), _DESIRED (Kerberos, NTLM when it cannot
                                  start), _REQUIRED (Kerberos only); docs/kerberos.md */
    const char *address;       /* connect here instead of host (host still names the server
                                  principal cifs/<host>); NULL: host */
    smb_encryption encrypt;    /* SMB 3.x encryption: NONE (default: encrypt what the server
                                  requires, a session or a share's trees, as smbclient does),
                                  DESIRED (encrypt the session when the server can), REQUIRED
                                  (fail otherwise) */
    uint16_t cipher;           /* 0: offer every cipher; else only this smb_cipher id */
    bool krb5_second;          /* with kerberos: SPNEGO offers [NTLMSSP, Kerberos] (NTLMSSP's
                                  optimistic token); a server that takes Kerberos then needs
                                  the mechListMIC both ways (RFC 4178 5, MS-SPNG 3.1.5.1) */
    bool no_encrypt;           /* never offer encryption: a session or share that requires it
                                  is refused with STATUS_ACCESS_DENIED (--encrypt=off) */
    bool no_leases;            /* never ask for a lease (--leases=off); by default
                                  smb_client_open asks for one (RH to read, RWH to write)
                                  when the server offers SMB2_GLOBAL_CAP_LEASING */
};
#define SMB_CLIENT_KRB_OFF 0
#define SMB_CLIENT_KRB_DESIRED 1
#define SMB_CLIENT_KRB_REQUIRED 2
#define SMB_CLIENT_OPTS_INIT                                                                                  \
    {NULL, 0, NULL, NULL, NULL, NULL, SMB_LEVEL_ENABLED, 0, 0, 0, 0, 0, false, 0, NULL, SMB_ENCRYPTION_NONE, 0, false, false, false}

struct smb_client_session {
    smb_dialect dialect;
    bool signing;
    smb_sign_alg alg;                /* SMB_ALG_NONE when !signing */
    uint16_t server_security_mode;
    uint16_t client_security_mode;
    bool guest, anonymous;
    bool validated_negotiate;        /* 3.0/3.0.2 FSCTL_VALIDATE_NEGOTIATE_INFO passed */
    bool preauth_integrity;          /* 3.1.1 */
    uint16_t cipher;                 /* negotiated cipher id (smb_cipher; 0 none) */
    bool encrypting;                 /* messages after SESSION_SETUP travel in transforms */
    uint64_t session_id;
    uint32_t tree_id;
    uint32_t max_read, max_write, max_transact;
    uint32_t credits;
    uint64_t requests_signed, responses_verified;
    bool kerberos;                   /* the session was authenticated with Kerberos (else NTLM) */
    uint64_t requests_encrypted, responses_decrypted; /* frames */
    uint64_t responses_batch_verified; /* of responses_verified: MACs computed in a batch (READs, issue 16) */
    bool server_leasing;             /* the server offers SMB2_GLOBAL_CAP_LEASING (2.1+) */
    uint32_t channels;               /* connections bound to the session (this client binds none: 1) */
    bool server_multichannel;        /* the server offered SMB2_GLOBAL_CAP_MULTI_CHANNEL */
    bool leasing;                    /* a lease was requested and granted on this session */
    uint64_t lease_breaks;           /* lease break notifications for leases held */
    uint64_t lease_acks;             /* LEASE_BREAK_ACKs sent (signed/encrypted as any request) */
};

struct smb_client_stat {
    uint64_t size;
    uint64_t allocation_size;
    uint32_t attributes;              /* FILE_ATTRIBUTE_* */
    bool directory;
    uint64_t creation_time, last_access_time, last_write_time, change_time; /* FILETIME */
    uint32_t links;
};

struct smb_client_dirent {
    const char *name;                 /* UTF-8 */
    struct smb_client_stat st;
};

/* progress(done, total, arg); total may be 0 when unknown. */
typedef void (*smb_client_progress_fn)(uint64_t done, uint64_t total, void *arg);
/* Return non-zero to stop listing. */
typedef int (*smb_client_list_fn)(const struct smb_client_dirent *e, void *arg);

SMB_API SMB_WUR smb_status smb_client_connect(smb_client **out, const struct smb_client_opts *o);
/* The explanation of the last error (static or per-client text, never NULL). */
SMB_API const char *smb_client_last_error(const smb_client *c);
/* Logoff, disconnect, free (NULL allowed). */
SMB_API void smb_client_free(smb_client *c);

SMB_API SMB_WUR smb_status smb_client_tree_connect(smb_client *c, const char *share);
SMB_API SMB_WUR smb_status smb_client_tree_disconnect(smb_client *c);
SMB_API SMB_WUR smb_status smb_client_session_info(const smb_client *c, struct smb_client_session *out);
SMB_API SMB_WUR smb_status smb_client_echo(smb_client *c);
/* Keep the connection served for ms milliseconds with no request of the
 * caller's in flight: lease break notifications that arrive are checked and
 * acknowledged (files stay open). Any wait of the other calls does the same. */
SMB_API SMB_WUR smb_status smb_client_idle(smb_client *c, int ms);

/* Whole-file transfers, pipelined over several READ/WRITEs in flight. */
SMB_API SMB_WUR smb_status smb_client_get(smb_client *c, const char *remote, int fd, smb_client_progress_fn cb, void *arg);
SMB_API SMB_WUR smb_status smb_client_put(smb_client *c, int fd, const char *remote, smb_client_progress_fn cb, void *arg);

/* Handles for byte-range access. */
typedef struct smb_client_file smb_client_file;
#define SMB_CLIENT_O_READ 0x1
#define SMB_CLIENT_O_WRITE 0x2
#define SMB_CLIENT_O_CREATE 0x4
#define SMB_CLIENT_O_TRUNC 0x8
SMB_API SMB_WUR smb_status smb_client_open(smb_client *c, const char *path, int flags, smb_client_file **f, uint64_t *size);
SMB_API SMB_WUR smb_status smb_client_read(smb_client *c, smb_client_file *f, uint64_t off, void *buf, size_t len, size_t *got);
SMB_API SMB_WUR smb_status smb_client_write(smb_client *c, smb_client_file *f, uint64_t off, const void *buf, size_t len);
SMB_API SMB_WUR smb_status smb_client_flush(smb_client *c, smb_client_file *f);
SMB_API SMB_WUR smb_status smb_client_close(smb_client *c, smb_client_file *f);

SMB_API SMB_WUR smb_status smb_client_list(smb_client *c, const char *dir, smb_client_list_fn cb, void *arg);
SMB_API SMB_WUR smb_status smb_client_stat(smb_client *c, const char *path, struct smb_client_stat *st);
SMB_API SMB_WUR smb_status smb_client_mkdir(smb_client *c, const char *path);
SMB_API SMB_WUR smb_status smb_client_rmdir(smb_client *c, const char *path);
SMB_API SMB_WUR smb_status smb_client_unlink(smb_client *c, const char *path);
SMB_API SMB_WUR smb_status smb_client_rename(smb_client *c, const char *from, const char *to);
/* Truncate or extend (SET_INFO FileEndOfFileInformation). */
SMB_API SMB_WUR smb_status smb_client_truncate(smb_client *c, const char *path, uint64_t size);

#ifdef __cplusplus
}
#endif
#endif
