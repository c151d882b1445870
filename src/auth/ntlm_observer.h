/*
 * auth/ntlm_observer.h - a passive observer of one NTLMSSP logon: it keeps
 * copies of the NEGOTIATE, CHALLENGE and AUTHENTICATE messages found in
 * SESSION_SETUP security blobs (SPNEGO-wrapped or raw) and, given the
 * user's NT hash, re-derives the ExportedSessionKey the two peers agreed on
 * (MS-NLMP 3.3.2, 3.2.5.1.2; via smb_ntlm_server_verify, so the NTProofStr
 * proves the hash right before a key is returned).
 *
 * Used by `matrix --live` (captured tap frames) and by the capture verifier
 * (src/trace/), whose frames do not outlive one call: hence copies.
 *
 * Contract: caller-allocated, zero-initialised (memset) context; nothing
 * allocates. Messages longer than NTLM_MAX_MSG are ignored. The derived key
 * is the caller's to wipe; temporaries are wiped here.
 */
#ifndef SMBSIGN_AUTH_NTLM_OBSERVER_H
#define SMBSIGN_AUTH_NTLM_OBSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/ntlmssp.h"
#include "smbsign/status.h"

struct ntlm_observer {
    uint8_t neg[NTLM_MAX_MSG], chal[NTLM_MAX_MSG], auth[NTLM_MAX_MSG];
    size_t nlen, clen, alen; /* 0 = not seen */
};

/* Keep the NTLMSSP message found in blob. Returns its MessageType (1, 2, 3)
 * or 0 when blob holds none. */
int ntlm_obs_note(struct ntlm_observer *x, const uint8_t *blob, size_t len);
/* All three messages seen. */
bool ntlm_obs_complete(const struct ntlm_observer *x);
/* The logon's user and domain (UTF-8) and whether it is anonymous (empty
 * user and NT response), from the AUTHENTICATE message.
 * Errors: SMB_E_NOT_FOUND (no AUTHENTICATE), SMB_E_MALFORMED, SMB_E_TRUNCATED. */
SMB_WUR smb_status ntlm_obs_user(const struct ntlm_observer *x, char *user, size_t ucap, char *domain, size_t dcap,
                         bool *anonymous);
/* ExportedSessionKey for nt_hash (NTOWFv1 of the user's password).
 * Errors: SMB_E_NOT_FOUND (exchange incomplete), SMB_E_LOGON_FAILURE (the
 * hash does not match the NTProofStr: wrong password), SMB_E_ACCESS_DENIED
 * (anonymous logon: no key), SMB_E_NOT_SUPPORTED (NTLMv1), SMB_E_MALFORMED. */
SMB_WUR smb_status ntlm_obs_session_key(const struct ntlm_observer *x, const uint8_t nt_hash[16], uint8_t key[16]);

#endif
