/* sign/crypt_nonce.h - private to the library and its own programs (not
 * installed, not exported): one nonce counter shared by several crypt
 * contexts that hold the same keys.
 *
 * Contract
 * - The server's channels of one multichannel session (MS-SMB2 3.3.5.5.2)
 *   encrypt with the session's one EncryptionKey, each on its own
 *   connection's thread with its own OpenSSL contexts (an smb_crypt_ctx is
 *   not safe for two threads). MS-SMB2 2.2.41 forbids a nonce to repeat
 *   under one key, so the contexts take their nonces from one atomic
 *   counter owned by the session: every value is handed out once, whichever
 *   thread asks; at UINT64_MAX encryption fails with SMB_E_OVERFLOW.
 * - The counter must outlive every context that shares it, and a context
 *   shares it from before its first smb_crypt_encrypt (its own counter is
 *   then unused). NULL goes back to the context's own counter.
 */
#ifndef SMBSIGN_SIGN_CRYPT_NONCE_H
#define SMBSIGN_SIGN_CRYPT_NONCE_H

#include <stdatomic.h>
#include <stdint.h>

#include "smbsign/crypt.h"

typedef _Atomic uint64_t smb_crypt_nonce_counter;

void smb_crypt_ctx_share_nonce(smb_crypt_ctx *c, smb_crypt_nonce_counter *counter);

#endif
