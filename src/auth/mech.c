/* auth/mech.c - the mechanism registry and the generic driver (auth/mech.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "auth/mech.h"
#include "crypto/crypto.h"

/* The registry: one line per mechanism (defined in auth/mech_<name>.c), in
 * preference order. The list both declares each one and fills MECHS. */
#define SMB_AUTH_MECHANISMS(X) \
    X(smb_auth_mech_ntlmssp)

#define MECH_DECLARE(m) extern const struct smb_auth_mech m;
#define MECH_ENTRY(m) &m,
SMB_AUTH_MECHANISMS(MECH_DECLARE)
static const struct smb_auth_mech *const MECHS[] = {SMB_AUTH_MECHANISMS(MECH_ENTRY)};

const struct smb_auth_mech *smb_auth_mech_at(size_t i)
{
    return i < sizeof MECHS / sizeof MECHS[0] ? MECHS[i] : NULL;
}

const struct smb_auth_mech *smb_auth_mech_by_oid(const uint8_t *oid, size_t len)
{
    for (size_t i = 0; i < sizeof MECHS / sizeof MECHS[0]; i++)
        if (oid && MECHS[i]->oid_len == len && memcmp(MECHS[i]->oid, oid, len) == 0)
            return MECHS[i];
    return NULL;
}

const struct smb_auth_mech *smb_auth_mech_by_raw(const uint8_t *tok, size_t len)
{
    for (size_t i = 0; i < sizeof MECHS / sizeof MECHS[0]; i++) {
        const struct smb_auth_mech *m = MECHS[i];
        if (tok && m->raw_magic && len >= m->raw_magic_len && memcmp(tok, m->raw_magic, m->raw_magic_len) == 0)
            return m;
    }
    return NULL;
}

void smb_auth_set_why(struct smb_auth_ctx *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->why, sizeof a->why, fmt, ap);
    va_end(ap);
}

void smb_auth_wipe(struct smb_auth_ctx *a)
{
    if (!a)
        return;
    if (a->mech && a->mech->wipe)
        a->mech->wipe(a);
    smb_wipe(a->state, sizeof a->state);
    a->mech = NULL;
    a->role = 0;
    a->done = false;
}

/* A failed begin or step ends the exchange; the reason stays for the log. */
static SMB_WUR smb_status failed(struct smb_auth_ctx *a, smb_status st)
{
    char why[sizeof a->why];
    memcpy(why, a->why, sizeof why);
    smb_auth_wipe(a);
    memcpy(a->why, why, sizeof why);
    return st;
}

static SMB_WUR smb_status begin(struct smb_auth_ctx *a, const struct smb_auth_mech *m, enum smb_auth_role role,
                        const struct smb_auth_client_cred *cred, const struct smb_auth_server_cfg *cfg)
{
    smb_auth_wipe(a);
    a->why[0] = '\0';
    if (!m || !m->begin || !m->step || m->state_size > sizeof a->state) {
        smb_auth_set_why(a, "no usable authentication mechanism");
        return SMB_E_BAD_ARGUMENT;
    }
    a->mech = m;
    a->role = role;
    smb_status st = m->begin(a, cred, cfg);
    if (st != SMB_OK) {
        if (!a->why[0])
            smb_auth_set_why(a, "%s: cannot begin: %s", m->name, smb_status_name(st));
        return failed(a, st);
    }
    return SMB_OK;
}

smb_status smb_auth_begin_client(struct smb_auth_ctx *a, const struct smb_auth_mech *m,
                                 const struct smb_auth_client_cred *cred)
{
    return begin(a, m, SMB_AUTH_CLIENT, cred, NULL);
}

smb_status smb_auth_begin_server(struct smb_auth_ctx *a, const struct smb_auth_mech *m,
                                 const struct smb_auth_server_cfg *cfg)
{
    return begin(a, m, SMB_AUTH_SERVER, NULL, cfg);
}

smb_status smb_auth_step(struct smb_auth_ctx *a, const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
                         size_t *outlen)
{
    *outlen = 0;
    if (!a->mech || a->done) {
        smb_auth_set_why(a, "authentication step out of order");
        return SMB_E_INVALID_PARAMETER;
    }
    a->why[0] = '\0';
    smb_status st = a->mech->step(a, in, inlen, out, cap, outlen);
    if (st == SMB_OK) {
        a->done = true;
        return SMB_OK;
    }
    if (st == SMB_E_MORE_PROCESSING_REQUIRED)
        return st;
    *outlen = 0;
    if (!a->why[0])
        smb_auth_set_why(a, "%s: %s", a->mech->name, smb_status_name(st));
    return failed(a, st);
}

/* A client may ask before completion (its own identity); a server may not. */
static bool ready(struct smb_auth_ctx *a, bool client_early)
{
    return a->mech && (a->done || (client_early && a->role == SMB_AUTH_CLIENT));
}

smb_status smb_auth_session_key(struct smb_auth_ctx *a, uint8_t *key, size_t cap, size_t *keylen)
{
    *keylen = 0;
    if (!ready(a, false) || !a->mech->session_key)
        return SMB_E_NOT_FOUND;
    return a->mech->session_key(a, key, cap, keylen);
}

smb_status smb_auth_mic_make(struct smb_auth_ctx *a, const uint8_t *msg, size_t len, uint8_t *mic, size_t cap,
                             size_t *miclen)
{
    *miclen = 0;
    if (!ready(a, false) || !a->mech->mic_make)
        return SMB_E_NOT_FOUND;
    return a->mech->mic_make(a, msg, len, mic, cap, miclen);
}

smb_status smb_auth_mic_verify(struct smb_auth_ctx *a, const uint8_t *msg, size_t len, const uint8_t *mic,
                               size_t miclen)
{
    if (!ready(a, false) || !a->mech->mic_verify || !mic)
        return SMB_E_INVALID_SIGNATURE;
    return a->mech->mic_verify(a, msg, len, mic, miclen) == SMB_OK ? SMB_OK : SMB_E_INVALID_SIGNATURE;
}

bool smb_auth_mic_wanted(struct smb_auth_ctx *a)
{
    return ready(a, false) && a->mech->mic_wanted && a->mech->mic_wanted(a);
}

smb_status smb_auth_identity(struct smb_auth_ctx *a, struct smb_auth_identity *id)
{
    memset(id, 0, sizeof *id);
    if (!ready(a, true) || !a->mech->identity)
        return SMB_E_NOT_FOUND;
    return a->mech->identity(a, id);
}
