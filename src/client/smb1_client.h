/*
 * client/smb1_client.h - a blocking SMB1 (NT LM 0.12) client: NEGOTIATE,
 * SESSION_SETUP_ANDX (extended security, SPNEGO/NTLMSSP NTLMv2; or the
 * non-extended form with an NTLMv2 response when the server has no
 * CAP_EXTENDED_SECURITY or opts.no_spnego asks for it),
 * TREE_CONNECT_ANDX, NT_CREATE_ANDX, READ_ANDX, WRITE_ANDX, CLOSE, ECHO,
 * TREE_DISCONNECT, LOGOFF_ANDX, with MD5 signing and sequence numbers.
 *
 * Contract
 * - Signing is decided by the policy engine (smb_policy_client_decide) from
 *   this client's level and era and the server's SecurityMode. A legacy-era
 *   client that requires signing facing SecurityMode without 0x04 closes the
 *   TCP session after NEGOTIATE and fails with ERROR_LOGIN_WKSTA_RESTRICTION
 *   (1240, KB887429); a client that signs and gets an unsigned final
 *   SESSION_SETUP response fails with the same error (docs/policy.md, mixed
 *   era).
 * - On a signing session every request is signed with the next sequence
 *   number (+2 per request, +1 for NT_CANCEL) and every response must verify
 *   with the request's number + 1; otherwise the connection is closed and
 *   every later call fails with STATUS_ACCESS_DENIED (unsigned) or
 *   STATUS_INVALID_SIGNATURE (bad).
 * - One connection, one session, one tree. Not thread-safe. Only the
 *   address given is contacted.
 */
#ifndef SMBSIGN_CLIENT_SMB1_CLIENT_H
#define SMBSIGN_CLIENT_SMB1_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/policy.h"
#include "smbsign/status.h"

struct smb1_client_opts {
    const char *host;
    uint16_t port; /* 0 = 445 */
    const char *user, *domain, *password, *workstation;
    smb_sign_level signing;
    smb_era era;
    int timeout_ms; /* 0 = 30000 */
    /* true: never ask for extended security; send the non-extended SESSION_SETUP_ANDX
     * (NTLMv2 in UnicodePassword, LMv2 in OEMPassword, MS-CIFS 2.2.4.53). Also used
     * when the server's NEGOTIATE response lacks CAP_EXTENDED_SECURITY. */
    bool no_spnego;
    int kerberos;        /* SMB_CLIENT_KRB_OFF/_DESIRED/_REQUIRED (smbsign/client.h): SPNEGO with a
                            Kerberos AP-REQ for cifs/<host> (MS-SMB 3.2.4.2.4, extended security) */
    const char *address; /* connect here instead of host (host names the service principal); NULL: host */
};

struct smb1_client;

struct smb1_client_info {
    uint8_t server_security_mode;
    bool signing;
    bool negotiated; /* got a NEGOTIATE response */
    bool session_setup_sent;
    bool extended_security; /* SPNEGO/NTLMSSP; false: non-extended NTLMv2 (MAC key = key || response) */
    bool mech_list_mic_verified; /* the server's SPNEGO mechListMIC was present and verified */
    bool kerberos;               /* authenticated with Kerberos (else NTLM) */
    uint64_t requests_signed, responses_verified;
};

SMB_WUR smb_status smb1_client_connect(struct smb1_client **out, const struct smb1_client_opts *o);
const char *smb1_client_last_error(const struct smb1_client *c);
void smb1_client_info(const struct smb1_client *c, struct smb1_client_info *out);
void smb1_client_free(struct smb1_client *c); /* logoff, close, wipe */

SMB_WUR smb_status smb1_client_tree_connect(struct smb1_client *c, const char *share);
SMB_WUR smb_status smb1_client_echo(struct smb1_client *c);
/* create: FILE_OVERWRITE_IF, else FILE_OPEN */
SMB_WUR smb_status smb1_client_open(struct smb1_client *c, const char *path, bool create, uint16_t *fid,
                            uint64_t *size);
SMB_WUR smb_status smb1_client_write(struct smb1_client *c, uint16_t fid, uint64_t off, const void *buf, size_t len);
SMB_WUR smb_status smb1_client_read(struct smb1_client *c, uint16_t fid, uint64_t off, void *buf, size_t len,
                            size_t *got);
SMB_WUR smb_status smb1_client_close(struct smb1_client *c, uint16_t fid);
SMB_WUR smb_status smb1_client_tree_disconnect(struct smb1_client *c);
/* TRANS2 FIND_FIRST2/FIND_NEXT2 (SMB_FIND_FILE_BOTH_DIRECTORY_INFO) of DIR\*;
 * cb(name UTF-8, size, ExtFileAttributes, arg) per entry; non-zero from cb stops. */
typedef int (*smb1_client_list_fn)(const char *name, uint64_t size, uint32_t attributes, void *arg);
SMB_WUR smb_status smb1_client_list(struct smb1_client *c, const char *dir, smb1_client_list_fn cb, void *arg);

#endif
