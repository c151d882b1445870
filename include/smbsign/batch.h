/*
 * smbsign/batch.h - sign or verify many SMB2/3 messages in one call.
 *
 * AES-CMAC and HMAC-SHA256 are serial inside one message; independent
 * messages (the READ responses or WRITE requests in flight on a connection,
 * or on many connections) are interleaved in SIMD lanes: AES-NI for CMAC (8
 * lanes), SHA-NI for HMAC-SHA256 (2 lanes); a lane whose message ends takes
 * the next one. AES-GMAC messages take the existing (already parallel) GCM
 * path. The CPU is detected at run time; without AES-NI/SHA-NI the batch runs
 * the one-message code.
 *
 * Contract
 * - Each element is exactly one smb2_sign_iov / smb2_verify_iov call (with
 *   expected/found NULL): same checks, same results, same signature bytes.
 *   Elements are independent: any mix of contexts (sessions), algorithms
 *   and lengths; one element's error does not stop the others.
 * - No allocation, no copy of the message bodies (the 64-byte header of an
 *   element that is MACed is copied to the stack with a zero signature).
 * - iovcnt of an element is 1..SMB2_BATCH_MAX_IOV (more: SMB_E_BAD_ARGUMENT
 *   for that element).
 * - Verification: must_sign comes from the caller's session state, never
 *   from the message; every MAC is compared in constant time.
 * - Contexts are used as in the one-message calls: an element's context must
 *   not be used by another thread during the call (two elements may share it).
 * - Return: SMB_OK when every element's status is SMB_OK, else the status of
 *   the first element that failed. Per-element results in status / result.
 */
#ifndef SMBSIGN_BATCH_H
#define SMBSIGN_BATCH_H

#include "smbsign/export.h"
#include "smbsign/sign.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SMB2_BATCH_MAX_IOV 8

typedef struct smb2_batch_msg {
    smb_sign_ctx *ctx;         /* the message's session context (NULL: no key, verify only) */
    const struct iovec *iov;   /* the message; iov[0] holds the 64-byte header */
    int iovcnt;
    bool must_sign;            /* verify: the session requires signing */
    smb_verify_result result;  /* out (verify) */
    smb_status status;         /* out */
} smb2_batch_msg;

/* Sign every element in place (sets SMB2_FLAGS_SIGNED, writes the signature). */
SMB_API SMB_WUR smb_status smb2_sign_batch(smb2_batch_msg *m, size_t n);
/* Verify every element; never modifies the messages. */
SMB_API SMB_WUR smb_status smb2_verify_batch(smb2_batch_msg *m, size_t n);

#ifdef __cplusplus
}
#endif
#endif
