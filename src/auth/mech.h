/*
 * auth/mech.h - pluggable authentication mechanisms behind SPNEGO
 * (RFC 4178, MS-SPNG). SPNEGO chooses a mechanism by OID; everything the
 * SMB clients and servers need from it goes through this interface:
 *
 *   begin        set up a client (credentials) or server (account lookup)
 *   step         consume the peer's token, produce ours
 *   session_key  the key the mechanism established (signing key material)
 *   mic_make     the SPNEGO mechListMIC over the MechTypeList we or the peer sent
 *   mic_verify   ... and its check (constant time)
 *   mic_wanted   whether this exchange must carry a mechListMIC
 *   identity     who the user is (user, guest, anonymous; has a key?)
 *   wipe         erase every secret and release what begin acquired
 *
 * Contract:
 *  - The caller allocates struct smb_auth_ctx (it embeds the mechanism's
 *    state, at most SMB_AUTH_STATE_MAX bytes; nothing here allocates) and
 *    must call smb_auth_wipe on it before freeing it, on every path. A
 *    mechanism whose state holds library handles (Kerberos) frees them there.
 *  - step returns SMB_OK when the mechanism is complete, SMB_E_MORE_PROCESSING_
 *    REQUIRED when it needs another token from the peer, or an error. A failed
 *    begin or step ends the exchange: the context is wiped at once (only
 *    ctx->why survives, a short reason without secrets for the audit log).
 *  - session_key, mic_*, identity on a server are refused until step returned
 *    SMB_OK; nothing about a user is known (nor may be committed anywhere)
 *    before that. mic_verify returns SMB_OK or SMB_E_INVALID_SIGNATURE.
 *  - The MIC direction follows the role: a client makes client->server MICs
 *    and verifies server->client ones; a server the reverse.
 *
 * Registry: mech.c holds one list of mechanisms, SMB_AUTH_MECHANISMS, in
 * preference order (a server picks the client's first choice that is in it;
 * a client names the one it uses). Kerberos is auth/mech_krb5.c, registered
 * under both OIDs (docs/kerberos.md).
 */
#ifndef SMBSIGN_AUTH_MECH_H
#define SMBSIGN_AUTH_MECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"

#define SMB_AUTH_STATE_MAX 2048 /* bytes of mechanism state inside struct smb_auth_ctx */
#define SMB_AUTH_NAME_MAX 256   /* user/domain names (UTF-8, with the NUL) */
#define SMB_AUTH_KEY_MAX 64     /* session key bytes */
#define SMB_AUTH_MIC_MAX 64     /* mechListMIC bytes */
#define SMB_AUTH_TOKEN_MAX 8192 /* a mechanism token we build (callers size buffers by it) */

enum smb_auth_role { SMB_AUTH_CLIENT = 1, SMB_AUTH_SERVER = 2 };
enum smb_auth_kind { SMB_AUTH_USER = 0, SMB_AUTH_GUEST = 1, SMB_AUTH_ANONYMOUS = 2 };

/* Client credentials. user NULL/"" with password NULL/"" is anonymous.
 * Copied (or reduced to keys) by begin; the caller may wipe them after. */
struct smb_auth_client_cred {
    const char *user, *domain, *password, *workstation;
    const char *target; /* Kerberos: the server's host name, for the service principal cifs/<target> */
};

/* Server account lookup: the NT hash (NTOWFv1) of user; false when the user
 * is unknown. Mechanisms with their own key source ignore it. */
typedef bool (*smb_auth_lookup_fn)(const void *arg, const char *user, uint8_t nt_hash[16]);

/* Server configuration; the pointers must outlive the context. */
struct smb_auth_server_cfg {
    const char *server_name;
    smb_auth_lookup_fn lookup;
    const void *lookup_arg;
    size_t max_user_len;        /* longer claimed names fail the logon */
    bool unknown_user_is_guest; /* "map to guest = bad user" */
    const char *keytab;         /* Kerberos: "kerberos keytab" (NULL: the default keytab) */
    const char *realm;          /* Kerberos: "realm"; a client principal of another realm is refused */
    /* NTLM: "server spn validation" (against relay and reflection, the class
     * of CVE-2025-33073): the client's MsvAvTargetName must be present and
     * name this server, cifs/ + server_name, spn_host (the address the
     * client connected to), the host name, or localhost when spn_host is a
     * loopback address, compared case-insensitively */
    bool spn_required;
    const char *spn_host;
};

struct smb_auth_identity {
    enum smb_auth_kind kind;
    bool has_key;
    char user[SMB_AUTH_NAME_MAX];
    char domain[SMB_AUTH_NAME_MAX];
};

struct smb_auth_ctx;

/* One mechanism. Every operation gets the generic context; the mechanism's
 * own state is smb_auth_state(ctx) (state_size bytes, zeroed before begin). */
struct smb_auth_mech {
    const char *name;    /* "ntlmssp" */
    const uint8_t *oid;  /* DER contents of the mechanism OID */
    size_t oid_len;
    const uint8_t *raw_magic; /* prefix of a token sent without SPNEGO, or NULL */
    size_t raw_magic_len;
    size_t mic_len;    /* mechListMIC length, 0 when it varies */
    size_t state_size; /* <= SMB_AUTH_STATE_MAX */
    smb_status (*begin)(struct smb_auth_ctx *a, const struct smb_auth_client_cred *cred,
                        const struct smb_auth_server_cfg *srv);
    smb_status (*step)(struct smb_auth_ctx *a, const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
                       size_t *outlen);
    smb_status (*session_key)(struct smb_auth_ctx *a, uint8_t *key, size_t cap, size_t *keylen);
    smb_status (*mic_make)(struct smb_auth_ctx *a, const uint8_t *msg, size_t len, uint8_t *mic, size_t cap,
                           size_t *miclen);
    smb_status (*mic_verify)(struct smb_auth_ctx *a, const uint8_t *msg, size_t len, const uint8_t *mic,
                             size_t miclen);
    bool (*mic_wanted)(struct smb_auth_ctx *a);
    smb_status (*identity)(struct smb_auth_ctx *a, struct smb_auth_identity *id);
    void (*wipe)(struct smb_auth_ctx *a); /* release handles; the generic layer zeroes the state after */
};

struct smb_auth_ctx {
    const struct smb_auth_mech *mech; /* NULL before begin and after wipe */
    enum smb_auth_role role;
    bool done;      /* step returned SMB_OK */
    char why[256];  /* reason of the last failure, for logs; never secret */
    _Alignas(16) unsigned char state[SMB_AUTH_STATE_MAX];
};

/* ---- registry ---- */
/* i-th registered mechanism in preference order, NULL past the end. */
const struct smb_auth_mech *smb_auth_mech_at(size_t i);
/* The mechanism with this OID (DER contents), or NULL. */
const struct smb_auth_mech *smb_auth_mech_by_oid(const uint8_t *oid, size_t len);
/* The mechanism called name ("ntlmssp", "krb5"), or NULL. */
const struct smb_auth_mech *smb_auth_mech_by_name(const char *name);
/* True for both Kerberos mechanisms (RFC 4121 and the MS OID). */
bool smb_auth_mech_is_krb5(const struct smb_auth_mech *m);
/* The mechanism whose raw_magic prefixes the token, or NULL. */
const struct smb_auth_mech *smb_auth_mech_by_raw(const uint8_t *tok, size_t len);

extern const struct smb_auth_mech smb_auth_mech_ntlmssp; /* auth/mech_ntlmssp.c */
extern const struct smb_auth_mech smb_auth_mech_krb5;    /* auth/mech_krb5.c: 1.2.840.113554.1.2.2 */
extern const struct smb_auth_mech smb_auth_mech_mskrb5;  /* auth/mech_krb5.c: 1.2.840.48018.1.2.2 */

/* ---- driving a mechanism ---- */
static inline void *smb_auth_state(struct smb_auth_ctx *a) { return a->state; }
SMB_WUR smb_status smb_auth_begin_client(struct smb_auth_ctx *a, const struct smb_auth_mech *m,
                                 const struct smb_auth_client_cred *cred);
SMB_WUR smb_status smb_auth_begin_server(struct smb_auth_ctx *a, const struct smb_auth_mech *m,
                                 const struct smb_auth_server_cfg *cfg);
SMB_WUR smb_status smb_auth_step(struct smb_auth_ctx *a, const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
                         size_t *outlen);
/* SMB_E_NOT_FOUND when the exchange established no key (guest, anonymous). */
SMB_WUR smb_status smb_auth_session_key(struct smb_auth_ctx *a, uint8_t *key, size_t cap, size_t *keylen);
SMB_WUR smb_status smb_auth_mic_make(struct smb_auth_ctx *a, const uint8_t *msg, size_t len, uint8_t *mic, size_t cap,
                             size_t *miclen);
SMB_WUR smb_status smb_auth_mic_verify(struct smb_auth_ctx *a, const uint8_t *msg, size_t len, const uint8_t *mic,
                               size_t miclen);
bool smb_auth_mic_wanted(struct smb_auth_ctx *a);
/* A client knows who it is from begin on; a server after a complete step. */
SMB_WUR smb_status smb_auth_identity(struct smb_auth_ctx *a, struct smb_auth_identity *id);
/* Erase every secret; safe on a zeroed or already wiped context. */
void smb_auth_wipe(struct smb_auth_ctx *a);
/* For mechanisms: record a failure reason (printf-style) in a->why. */
void smb_auth_set_why(struct smb_auth_ctx *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
