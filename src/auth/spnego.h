/*
 * auth/spnego.h - SPNEGO tokens (RFC 4178, MS-SPNG) carrying NTLMSSP.
 *
 * Both directions: a client builds NegTokenInit / NegTokenResp and parses
 * the server's NegTokenInit2 hints and NegTokenResp; a server parses the
 * client's tokens and builds its responses. Decoded tokens point into the
 * caller's buffer (no allocation, no copies); at most SPNEGO_MAX_MECHS mech
 * OIDs are kept (more is SMB_E_MALFORMED).
 */
#ifndef SMBSIGN_AUTH_SPNEGO_H
#define SMBSIGN_AUTH_SPNEGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"

#define SPNEGO_MAX_MECHS 8

/* DER contents (without tag/length) of the OIDs we use. */
extern const uint8_t SPNEGO_OID_SPNEGO[6];  /* 1.3.6.1.5.5.2 */
extern const uint8_t SPNEGO_OID_NTLMSSP[10]; /* 1.3.6.1.4.1.311.2.2.10 */

/* RFC 4178 4.2.2 negState */
enum spnego_neg_state {
    SPNEGO_ACCEPT_COMPLETED = 0,
    SPNEGO_ACCEPT_INCOMPLETE = 1,
    SPNEGO_REJECT = 2,
    SPNEGO_REQUEST_MIC = 3,
    SPNEGO_STATE_ABSENT = -1
};

struct spnego_buf {
    const uint8_t *p;
    size_t len;
};

struct spnego_init {
    size_t mech_count;
    struct spnego_buf mechs[SPNEGO_MAX_MECHS]; /* OID contents */
    struct spnego_buf mech_list;   /* the whole MechTypeList TLV (for mechListMIC) */
    struct spnego_buf mech_token;  /* [2] mechToken, may be empty */
    struct spnego_buf mech_list_mic;
};

struct spnego_resp {
    int neg_state;                 /* enum spnego_neg_state, -1 when absent */
    struct spnego_buf supported_mech;
    struct spnego_buf response_token;
    struct spnego_buf mech_list_mic;
};

/* True when an OID content equals NTLMSSP's. */
bool spnego_is_ntlmssp(struct spnego_buf oid);

/* Parse a GSS-API InitialContextToken [APPLICATION 0] with the SPNEGO OID and
 * a NegTokenInit (or NegTokenInit2: negHints are skipped). */
SMB_WUR smb_status spnego_init_decode(const uint8_t *p, size_t len, struct spnego_init *out);
/* Parse a NegTokenResp ([1]). */
SMB_WUR smb_status spnego_resp_decode(const uint8_t *p, size_t len, struct spnego_resp *out);

/* Build a NegTokenInit offering NTLMSSP only, with an optional mechToken.
 * *mech_list_off/_len (optional) locate the MechTypeList TLV inside out for
 * the mechListMIC. */
SMB_WUR smb_status spnego_init_encode(const uint8_t *mech_token, size_t tlen, uint8_t *out, size_t cap, size_t *outlen,
                              size_t *mech_list_off, size_t *mech_list_len);
/* The same offering the mechanisms mechs[0..n) (OID contents), first preferred. */
SMB_WUR smb_status spnego_init_encode_mechs(const struct spnego_buf *mechs, size_t n, const uint8_t *mech_token, size_t tlen,
                                    uint8_t *out, size_t cap, size_t *outlen, size_t *mech_list_off,
                                    size_t *mech_list_len);
/* Build the NegTokenInit2 a server puts in its NEGOTIATE response (NTLMSSP
 * mech, negHints hintName "not_defined_in_RFC4178@please_ignore"). */
SMB_WUR smb_status spnego_init2_encode(uint8_t *out, size_t cap, size_t *outlen);
SMB_WUR smb_status spnego_init2_encode_mechs(const struct spnego_buf *mechs, size_t n, uint8_t *out, size_t cap,
                                     size_t *outlen);
/* Build a NegTokenResp; neg_state < 0 omits negState; NULL/0 omits a field;
 * with_mech adds supportedMech = NTLMSSP. */
SMB_WUR smb_status spnego_resp_encode(int neg_state, bool with_mech, const uint8_t *token, size_t tlen, const uint8_t *mic,
                              size_t miclen, uint8_t *out, size_t cap, size_t *outlen);
/* The same with supportedMech = *mech (OID contents; NULL omits it). */
SMB_WUR smb_status spnego_resp_encode_mech(int neg_state, const struct spnego_buf *mech, const uint8_t *token, size_t tlen,
                                   const uint8_t *mic, size_t miclen, uint8_t *out, size_t cap, size_t *outlen);

#endif
