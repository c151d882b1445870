/*
 * auth/ntlmssp.h - NTLMSSP (MS-NLMP): NEGOTIATE, CHALLENGE and AUTHENTICATE
 * messages in both directions, NTLMv2 with extended session security, key
 * exchange, the MIC over all three messages, and the SPNEGO mechListMIC
 * signature (NTLMSSP MAC, MS-NLMP 3.4.4.2).
 *
 * Contract:
 *  - Decoders read through smb_rd only; decoded structures point into the
 *    caller's buffer. Every payload field (Len, MaxLen, Offset) is checked to
 *    lie inside the message; sizes are capped by NTLM_MAX_MSG.
 *  - Secrets (NT hash, keys) are wiped with smb_wipe by the functions that
 *    hold temporaries, and by smb_ntlm_client_wipe for the context.
 *  - The client context is caller-allocated; nothing here allocates.
 *  - Tests may fix the time, client challenge and random session key
 *    (smb_ntlm_client.fixed) to reproduce MS-NLMP 4.2.4.
 */
#ifndef SMBSIGN_AUTH_NTLMSSP_H
#define SMBSIGN_AUTH_NTLMSSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"

#define NTLM_MAX_MSG 8192      /* cap on any NTLMSSP message we build or accept */
#define NTLM_MAX_NAME 256      /* cap on user/domain/workstation (UTF-8 bytes) */
#define NTLM_MAX_NEGOTIATE 256 /* a NEGOTIATE_MESSAGE is 40 bytes plus names */

/* MS-NLMP 2.2.2.5 NEGOTIATE flags */
#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u
#define NTLMSSP_NEGOTIATE_OEM 0x00000002u
#define NTLMSSP_REQUEST_TARGET 0x00000004u
#define NTLMSSP_NEGOTIATE_SIGN 0x00000010u
#define NTLMSSP_NEGOTIATE_SEAL 0x00000020u
#define NTLMSSP_NEGOTIATE_LM_KEY 0x00000080u
#define NTLMSSP_NEGOTIATE_NTLM 0x00000200u
#define NTLMSSP_NEGOTIATE_ANONYMOUS 0x00000800u
#define NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED 0x00001000u
#define NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED 0x00002000u
#define NTLMSSP_NEGOTIATE_ALWAYS_SIGN 0x00008000u
#define NTLMSSP_TARGET_TYPE_DOMAIN 0x00010000u
#define NTLMSSP_TARGET_TYPE_SERVER 0x00020000u
#define NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLMSSP_NEGOTIATE_IDENTIFY 0x00100000u
#define NTLMSSP_REQUEST_NON_NT_SESSION_KEY 0x00400000u
#define NTLMSSP_NEGOTIATE_TARGET_INFO 0x00800000u
#define NTLMSSP_NEGOTIATE_VERSION 0x02000000u
#define NTLMSSP_NEGOTIATE_128 0x20000000u
#define NTLMSSP_NEGOTIATE_KEY_EXCH 0x40000000u
#define NTLMSSP_NEGOTIATE_56 0x80000000u

/* MS-NLMP 2.2.2.1 AV_PAIR ids */
enum ntlm_av_id {
    MsvAvEOL = 0,
    MsvAvNbComputerName = 1,
    MsvAvNbDomainName = 2,
    MsvAvDnsComputerName = 3,
    MsvAvDnsDomainName = 4,
    MsvAvDnsTreeName = 5,
    MsvAvFlags = 6,
    MsvAvTimestamp = 7,
    MsvAvSingleHost = 8,
    MsvAvTargetName = 9,
    MsvAvChannelBindings = 10
};
#define NTLM_AVFLAG_MIC_PRESENT 0x00000002u

struct ntlm_buf {
    const uint8_t *p;
    size_t len;
};

struct ntlm_negotiate {
    uint32_t flags;
    struct ntlm_buf domain, workstation; /* OEM, as sent */
};

struct ntlm_challenge {
    uint32_t flags;
    uint8_t server_challenge[8];
    struct ntlm_buf target_name; /* UTF-16LE when UNICODE */
    struct ntlm_buf target_info; /* AV_PAIR list */
    bool has_version;
    uint8_t version[8];
};

struct ntlm_authenticate {
    uint32_t flags;
    struct ntlm_buf lm_response, nt_response, domain, user, workstation, enc_session_key;
    bool has_mic;     /* the message is long enough to hold a MIC at offset 72 */
    size_t mic_offset; /* 72 when has_mic */
    uint8_t mic[16];
};

/* ---- codecs ---- */
SMB_WUR smb_status smb_ntlm_negotiate_encode(uint32_t flags, uint8_t *out, size_t cap, size_t *outlen);
SMB_WUR smb_status smb_ntlm_negotiate_decode(const uint8_t *p, size_t len, struct ntlm_negotiate *out);
/* Server side: CHALLENGE_MESSAGE with a UTF-16LE target name and AV list. */
SMB_WUR smb_status smb_ntlm_challenge_encode(const struct ntlm_challenge *c, uint8_t *out, size_t cap, size_t *outlen);
SMB_WUR smb_status smb_ntlm_challenge_decode(const uint8_t *p, size_t len, struct ntlm_challenge *out);
/* Encodes with a zero MIC when with_mic (the MIC is patched at offset 72 by
 * the caller once the whole message is known). */
SMB_WUR smb_status smb_ntlm_authenticate_encode(const struct ntlm_authenticate *a, bool with_mic, uint8_t *out, size_t cap,
                                        size_t *outlen);
SMB_WUR smb_status smb_ntlm_authenticate_decode(const uint8_t *p, size_t len, struct ntlm_authenticate *out);

/* AV pairs: find id in a list (SMB_E_NOT_FOUND if absent, SMB_E_MALFORMED
 * when the list is broken or has no EOL). */
SMB_WUR smb_status smb_ntlm_av_find(const uint8_t *p, size_t len, uint16_t id, struct ntlm_buf *val);
/* Append one AV pair to a list under construction (use MsvAvEOL last). */
SMB_WUR smb_status smb_ntlm_av_put(uint8_t *out, size_t cap, size_t *off, uint16_t id, const void *val, size_t vlen);

/* ---- NTLMv2 arithmetic (MS-NLMP 3.3.1 / 3.3.2) ---- */
/* NTOWFv1 = MD4(UTF-16LE(password)). */
SMB_WUR smb_status smb_ntlm_nt_hash(const char *password, uint8_t out[16]);
/* NTOWFv2 = HMAC_MD5(nt_hash, UTF-16LE(Uppercase(user) || domain)). */
SMB_WUR smb_status smb_ntlm_ntowfv2(const uint8_t nt_hash[16], const char *user, const char *domain, uint8_t out[16]);
/* The same from UTF-16LE names as found in an AUTHENTICATE_MESSAGE. */
void smb_ntlm_ntowfv2_u16(const uint8_t nt_hash[16], struct ntlm_buf user, struct ntlm_buf domain, uint8_t out[16]);
uint64_t smb_ntlm_filetime_now(void);

/* ---- client ---- */
struct smb_ntlm_client {
    char user[NTLM_MAX_NAME];
    char domain[NTLM_MAX_NAME];
    char workstation[64];
    uint8_t nt_hash[16];
    bool anonymous;
    char target_spn[256];    /* MsvAvTargetName to send ("cifs/HOST"), "" none (MS-NLMP 3.1.5.1.2) */
    uint8_t negotiate[NTLM_MAX_NEGOTIATE];
    size_t negotiate_len;
    uint32_t flags;          /* negotiated (from CHALLENGE) */
    bool mic_sent;
    bool have_key;
    uint8_t session_key[16]; /* ExportedSessionKey */
    /* test hooks (MS-NLMP 4.2.4): fixed time, client challenge, random key */
    bool fixed;
    uint64_t fixed_time;
    uint8_t fixed_client_challenge[8];
    uint8_t fixed_random_key[16];
};

/* user NULL or "" with password NULL or "" selects anonymous. */
SMB_WUR smb_status smb_ntlm_client_init(struct smb_ntlm_client *c, const char *user, const char *domain, const char *password,
                                const char *workstation);
SMB_WUR smb_status smb_ntlm_client_negotiate(struct smb_ntlm_client *c, uint8_t *out, size_t cap, size_t *outlen);
/* Consume the CHALLENGE, produce the AUTHENTICATE (with MIC when the server
 * sent MsvAvTimestamp). Sets c->session_key / have_key. */
SMB_WUR smb_status smb_ntlm_client_authenticate(struct smb_ntlm_client *c, const uint8_t *chal, size_t clen, uint8_t *out,
                                        size_t cap, size_t *outlen);
void smb_ntlm_client_wipe(struct smb_ntlm_client *c);

/* ---- server-side verification ---- */
struct ntlm_verify_result {
    bool anonymous;
    bool mic_present;
    uint32_t flags;
    uint8_t session_key[16]; /* ExportedSessionKey (zero for anonymous) */
    char target_name[256];   /* the client's MsvAvTargetName (SPN) in UTF-8, covered by the
                                NTProofStr; "" when absent or not representable */
};
/*
 * Verify an AUTHENTICATE_MESSAGE against the NEGOTIATE and CHALLENGE this
 * server exchanged and the user's NT hash (NTOWFv1). Checks the NTLMv2
 * NTProofStr (constant time), derives the session key (decrypting
 * EncryptedRandomSessionKey under KEY_EXCH), and when the client's MsvAvFlags
 * announce a MIC, requires it to be present and valid. Anonymous (empty user,
 * empty NT response) succeeds with result->anonymous and no hash needed.
 * Errors: SMB_E_LOGON_FAILURE for a wrong proof or MIC, SMB_E_MALFORMED,
 * SMB_E_TRUNCATED, SMB_E_NOT_SUPPORTED for NTLMv1 responses.
 */
SMB_WUR smb_status smb_ntlm_server_verify(const uint8_t *neg, size_t nlen, const uint8_t *chal, size_t clen,
                                  const uint8_t *auth, size_t alen, const uint8_t nt_hash[16],
                                  struct ntlm_verify_result *result);

/* ---- NTLMSSP MAC for the SPNEGO mechListMIC (MS-NLMP 3.4.4.2, 3.4.5) ----
 * client_to_server selects the key direction; seq is the sequence number
 * (0 for the mechListMIC). out/expected are the 16-byte NTLMSSP_MESSAGE_SIGNATURE.
 */
void smb_ntlm_mac(const uint8_t session_key[16], uint32_t flags, bool client_to_server, uint32_t seq,
                  const uint8_t *msg, size_t len, uint8_t out[16]);
/* 1 when equal (constant time). */
int smb_ntlm_mac_verify(const uint8_t session_key[16], uint32_t flags, bool client_to_server, uint32_t seq,
                        const uint8_t *msg, size_t len, const uint8_t mac[16]);

#endif
