/* auth/mech_krb5.c - Kerberos V5 (RFC 4121) through MIT krb5 GSSAPI as an
 * authentication mechanism (auth/mech.h), registered twice: under the
 * standard OID 1.2.840.113554.1.2.2 and the Microsoft one 1.2.840.48018.1.2.2
 * (MS-SPNG 3.1.5.2: Windows offers both; the token is the same).
 *
 * Client: gss_init_sec_context for cifs@<target> (mutual authentication: the
 * AP-REQ, then the server's AP-REP), credentials from the credential cache
 * (KRB5CCNAME) or, with a password, gss_acquire_cred_with_password.
 * Server: gss_accept_sec_context with acceptor credentials from the keytab the
 * configuration names (gss_acquire_cred_from, cred store "keytab"), MIT's
 * replay cache on (its default). The client principal must be in the users
 * file as user@REALM, and in the configured realm.
 *
 * Keys: the context's session key (the subkey when present) through
 * gss_inquire_sec_context_by_oid(GSS_C_INQ_SSPI_SESSION_KEY); the callers cut
 * or pad it to 16 bytes (MS-SMB2 3.2.5.3 / 3.3.5.5.3). mechListMIC: gss_get_mic
 * / gss_verify_mic over the MechTypeList (RFC 4178 5).
 *
 * Nothing here parses Kerberos ASN.1: GSSAPI does. The handles are freed in
 * wipe; GSS buffers holding keys are wiped before release. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>

#include "auth/mech.h"
#include "crypto/crypto.h"

static const uint8_t OID_KRB5[9] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};   /* 1.2.840.113554.1.2.2 */
static const uint8_t OID_MSKRB5[9] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02}; /* 1.2.840.48018.1.2.2 */

static gss_OID_desc KRB5_MECH = {9, (void *)OID_KRB5};
static gss_OID_set_desc KRB5_MECHS = {1, &KRB5_MECH};

struct krb5_state {
    gss_ctx_id_t ctx;
    gss_cred_id_t cred;
    gss_name_t target; /* client: cifs@host */
    char host[128];    /* client: the host of the service principal, for messages */
    int leg;
    bool has_key;
    uint8_t key[SMB_AUTH_KEY_MAX];
    size_t keylen;
    char user[SMB_AUTH_NAME_MAX]; /* server: the client principal; client: who we claim */
    struct smb_auth_server_cfg cfg;
};
_Static_assert(sizeof(struct krb5_state) <= SMB_AUTH_STATE_MAX, "krb5 state exceeds SMB_AUTH_STATE_MAX");

static struct krb5_state *st_of(struct smb_auth_ctx *a) { return (struct krb5_state *)smb_auth_state(a); }

/* One line naming the fix, for the Kerberos errors people meet (GSS minor
 * codes are krb5 error codes for this mechanism). */
static const char *krb5_hint(OM_uint32 major, OM_uint32 minor)
{
    switch ((krb5_error_code)minor) {
    case KRB5KRB_AP_ERR_SKEW:
        return "clock skew too great between this host and the KDC or server: synchronise the clocks (NTP)";
    case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
        return "the KDC does not know the server principal: use the server's DNS name (-I ADDR to connect "
               "elsewhere) or add the SPN (samba-tool spn add); or a clock skew: check NTP";
    case KRB5KRB_AP_ERR_TKT_EXPIRED:
        return "the Kerberos ticket has expired: run kinit again";
    case KRB5_FCC_NOFILE:
    case KRB5_CC_NOTFOUND:
        return "no Kerberos credential cache: run kinit USER@REALM (KRB5CCNAME names the cache) or give -U USER%PASS";
    case KRB5KDC_ERR_PREAUTH_FAILED:
        return "the KDC refused the password (preauthentication failed): check -U USER%PASS";
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
        return "the KDC does not know this user principal: check the user name and realm";
    case KRB5_KDC_UNREACH:
        return "cannot reach a KDC for the realm: check [realms] kdc in krb5.conf (KRB5_CONFIG)";
    case KRB5_REALM_UNKNOWN:
        return "unknown realm: set default_realm or [domain_realm] in krb5.conf (KRB5_CONFIG)";
    case KRB5KRB_AP_ERR_REPEAT:
        return "replayed authenticator refused by the replay cache";
    case KRB5KRB_AP_ERR_NOKEY:
    case KRB5KRB_AP_ERR_NOT_US:
    case KRB5KRB_AP_ERR_BADKEYVER:
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
    case KRB5_KT_NOTFOUND:
        return "the keytab has no key for the ticket's service principal and version: export it again "
               "(samba-tool domain exportkeytab --principal cifs/<host>)";
    default:
        break;
    }
    if (GSS_ROUTINE_ERROR(major) == GSS_S_NO_CRED)
        return "no Kerberos credentials: run kinit USER@REALM (KRB5CCNAME names the cache) or give -U USER%PASS";
    return NULL;
}

static void gss_why(struct smb_auth_ctx *a, const char *what, OM_uint32 major, OM_uint32 minor)
{
    OM_uint32 m2, ctx = 0;
    gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
    const char *hint = krb5_hint(major, minor);
    char text[100] = "";
    if (minor && gss_display_status(&m2, minor, GSS_C_MECH_CODE, &KRB5_MECH, &ctx, &b) == GSS_S_COMPLETE) {
        snprintf(text, sizeof text, "%.*s", (int)b.length, (const char *)b.value);
        gss_release_buffer(&m2, &b);
    } else if (gss_display_status(&m2, major, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx, &b) == GSS_S_COMPLETE) {
        snprintf(text, sizeof text, "%.*s", (int)b.length, (const char *)b.value);
        gss_release_buffer(&m2, &b);
    }
    if (hint)
        smb_auth_set_why(a, "kerberos: %s: %s", what, hint);
    else
        smb_auth_set_why(a, "kerberos: %s: %s (GSS major 0x%x, minor %ld)", what, text[0] ? text : "GSSAPI failure",
                         (unsigned)major, (long)(krb5_error_code)minor);
}

static SMB_WUR smb_status copy_name(gss_name_t n, char *out, size_t cap)
{
    OM_uint32 minor;
    gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
    if (gss_display_name(&minor, n, &b, NULL) != GSS_S_COMPLETE)
        return SMB_E_INTERNAL_ERROR;
    smb_status st = SMB_OK;
    if (b.length >= cap || memchr(b.value, 0, b.length))
        st = SMB_E_OVERFLOW;
    else {
        memcpy(out, b.value, b.length);
        out[b.length] = '\0';
    }
    gss_release_buffer(&minor, &b);
    return st;
}

static SMB_WUR smb_status client_begin(struct smb_auth_ctx *a, struct krb5_state *s, const struct smb_auth_client_cred *c)
{
    OM_uint32 major, minor;
    if (!c || !c->target || !*c->target) {
        smb_auth_set_why(a, "kerberos: no server name for the service principal");
        return SMB_E_BAD_ARGUMENT;
    }
    struct in6_addr ip;
    if (inet_pton(AF_INET, c->target, &ip) == 1 || inet_pton(AF_INET6, c->target, &ip) == 1) {
        smb_auth_set_why(a, "kerberos: %s is an address and there is no server principal cifs/<address>: give "
                            "the server's DNS name (//NAME/SHARE, with -I %s to connect to the address)",
                         c->target, c->target);
        return SMB_E_BAD_ARGUMENT;
    }
    char svc[300];
    if (snprintf(s->host, sizeof s->host, "%s", c->target) >= (int)sizeof s->host ||
        snprintf(svc, sizeof svc, "cifs@%s", c->target) >= (int)sizeof svc)
        return SMB_E_BAD_ARGUMENT;
    gss_buffer_desc nb = {strlen(svc), svc};
    major = gss_import_name(&minor, &nb, GSS_C_NT_HOSTBASED_SERVICE, &s->target);
    if (GSS_ERROR(major)) {
        gss_why(a, "server name", major, minor);
        return SMB_E_BAD_ARGUMENT;
    }
    if (c->password && *c->password && c->user && *c->user) {
        /* -U user%pass with --kerberos: get a TGT ourselves (MIT keeps it in memory) */
        gss_name_t un = GSS_C_NO_NAME;
        gss_buffer_desc ub = {strlen(c->user), (void *)c->user};
        gss_buffer_desc pb = {strlen(c->password), (void *)c->password};
        major = gss_import_name(&minor, &ub, GSS_C_NT_USER_NAME, &un);
        if (GSS_ERROR(major)) {
            gss_why(a, "user name", major, minor);
            return SMB_E_BAD_ARGUMENT;
        }
        major = gss_acquire_cred_with_password(&minor, un, &pb, GSS_C_INDEFINITE, &KRB5_MECHS, GSS_C_INITIATE,
                                               &s->cred, NULL, NULL);
        OM_uint32 m2;
        gss_release_name(&m2, &un);
        if (GSS_ERROR(major)) {
            gss_why(a, "getting a ticket with the password", major, minor);
            return SMB_E_LOGON_FAILURE;
        }
    } else {
        /* the credential cache: check now so that a missing one is named
         * before any traffic (and a "desired" client can fall back) */
        major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &KRB5_MECHS, GSS_C_INITIATE, &s->cred,
                                 NULL, NULL);
        if (GSS_ERROR(major)) {
            gss_why(a, "credential cache", major, minor);
            return SMB_E_LOGON_FAILURE;
        }
    }
    /* the lifetime first, without the name: MIT's mechglue drops (leaks) a
     * name its mechanism returned along with GSS_S_CREDENTIALS_EXPIRED */
    gss_name_t me = GSS_C_NO_NAME;
    OM_uint32 life = 0;
    major = gss_inquire_cred(&minor, s->cred, NULL, &life, NULL, NULL);
    if (GSS_ERROR(major) || life == 0) {
        smb_auth_set_why(a, "kerberos: the credential cache holds no valid ticket (expired?): run kinit again");
        return SMB_E_LOGON_FAILURE;
    }
    major = gss_inquire_cred(&minor, s->cred, &me, NULL, NULL, NULL);
    if (GSS_ERROR(major)) {
        gss_why(a, "credential cache", major, minor);
        return SMB_E_LOGON_FAILURE;
    }
    smb_status st = copy_name(me, s->user, sizeof s->user);
    gss_release_name(&minor, &me);
    return st;
}

static SMB_WUR smb_status server_begin(struct smb_auth_ctx *a, struct krb5_state *s, const struct smb_auth_server_cfg *cfg)
{
    OM_uint32 major, minor;
    if (!cfg)
        return SMB_E_BAD_ARGUMENT;
    s->cfg = *cfg;
    if (!cfg->keytab || !*cfg->keytab) {
        major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &KRB5_MECHS, GSS_C_ACCEPT, &s->cred, NULL,
                                 NULL);
    } else {
        gss_key_value_element_desc kv = {"keytab", cfg->keytab};
        gss_key_value_set_desc store = {1, &kv};
        major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &KRB5_MECHS, GSS_C_ACCEPT, &store,
                                      &s->cred, NULL, NULL);
    }
    if (GSS_ERROR(major)) {
        gss_why(a, "acceptor credentials from the keytab", major, minor);
        return SMB_E_INTERNAL_ERROR;
    }
    return SMB_OK;
}

static SMB_WUR smb_status krb5_begin(struct smb_auth_ctx *a, const struct smb_auth_client_cred *cred,
                             const struct smb_auth_server_cfg *srv)
{
    struct krb5_state *s = st_of(a);
    s->ctx = GSS_C_NO_CONTEXT;
    s->cred = GSS_C_NO_CREDENTIAL;
    s->target = GSS_C_NO_NAME;
    return a->role == SMB_AUTH_CLIENT ? client_begin(a, s, cred) : server_begin(a, s, srv);
}

static SMB_WUR smb_status take_key(struct smb_auth_ctx *a, struct krb5_state *s)
{
    OM_uint32 major, minor;
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    major = gss_inquire_sec_context_by_oid(&minor, s->ctx, GSS_C_INQ_SSPI_SESSION_KEY, &set);
    if (GSS_ERROR(major) || !set || set->count < 1 || set->elements[0].length == 0 ||
        set->elements[0].length > sizeof s->key) {
        if (set)
            gss_release_buffer_set(&minor, &set);
        smb_auth_set_why(a, "kerberos: no session key in the security context");
        return SMB_E_INTERNAL_ERROR;
    }
    memcpy(s->key, set->elements[0].value, set->elements[0].length);
    s->keylen = set->elements[0].length;
    s->has_key = true;
    for (size_t i = 0; i < set->count; i++)
        smb_wipe(set->elements[i].value, set->elements[i].length);
    gss_release_buffer_set(&minor, &set);
    return SMB_OK;
}

static SMB_WUR smb_status put_token(struct smb_auth_ctx *a, gss_buffer_t t, uint8_t *out, size_t cap, size_t *outlen)
{
    OM_uint32 minor;
    smb_status st = SMB_OK;
    if (t->length > cap) {
        smb_auth_set_why(a, "kerberos: token of %zu bytes too large", t->length);
        st = SMB_E_OVERFLOW;
    } else {
        if (t->length)
            memcpy(out, t->value, t->length);
        *outlen = t->length;
    }
    gss_release_buffer(&minor, t);
    return st;
}

static SMB_WUR smb_status client_step(struct smb_auth_ctx *a, struct krb5_state *s, const uint8_t *in, size_t inlen,
                              uint8_t *out, size_t cap, size_t *outlen)
{
    OM_uint32 major, minor;
    if (s->leg == 0 ? (in && inlen) : (!in || !inlen)) {
        smb_auth_set_why(a, "kerberos: %s", s->leg == 0 ? "unexpected input token" : "no AP-REP from the server");
        return SMB_E_INVALID_PARAMETER;
    }
    gss_buffer_desc ib = {inlen, (void *)in}, ob = GSS_C_EMPTY_BUFFER;
    OM_uint32 flags = 0;
    major = gss_init_sec_context(&minor, s->cred, &s->ctx, s->target, &KRB5_MECH,
                                 GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG,
                                 GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS, s->leg ? &ib : GSS_C_NO_BUFFER, NULL,
                                 &ob, &flags, NULL);
    if (GSS_ERROR(major)) {
        gss_release_buffer(&minor, &ob);
        /* MIT reports no minor code when the TGS-REQ for the name fails: an
         * unknown principal, but also two KRB_AP_ERR_SKEW answers (with and
         * without referrals; KRB5_TRACE shows them), so the clock is named too */
        if (!s->leg && minor == 0)
            smb_auth_set_why(a, "kerberos: the KDC does not know the server principal cifs/%s: use the server's DNS "
                                "name (-I ADDR to connect elsewhere) or add the SPN (samba-tool spn add); "
                                "or a clock skew: check NTP",
                             s->host);
        else
            gss_why(a, s->leg ? "server's AP-REP" : "ticket for the server", major, minor);
        return s->leg ? SMB_E_INVALID_NETWORK_RESPONSE : SMB_E_LOGON_FAILURE;
    }
    smb_status st = put_token(a, &ob, out, cap, outlen);
    if (st != SMB_OK)
        return st;
    s->leg++;
    if (major & GSS_S_CONTINUE_NEEDED) {
        if (s->leg > 1) {
            smb_auth_set_why(a, "kerberos: the exchange did not complete after the AP-REP");
            return SMB_E_INVALID_NETWORK_RESPONSE;
        }
        return SMB_E_MORE_PROCESSING_REQUIRED;
    }
    if (!(flags & GSS_C_MUTUAL_FLAG) || s->leg < 2) {
        smb_auth_set_why(a, "kerberos: no mutual authentication");
        return SMB_E_INVALID_NETWORK_RESPONSE;
    }
    return take_key(a, s);
}

/* principal "user@REALM": the realm must be the configured one; the whole
 * principal must be a users-file entry. */
static SMB_WUR smb_status map_principal(struct smb_auth_ctx *a, struct krb5_state *s)
{
    const char *at = strrchr(s->user, '@');
    if (!at || at == s->user) {
        smb_auth_set_why(a, "kerberos: client principal '%s' has no realm", s->user);
        return SMB_E_LOGON_FAILURE;
    }
    if (s->cfg.realm && *s->cfg.realm && strcasecmp(at + 1, s->cfg.realm) != 0) {
        smb_auth_set_why(a, "kerberos: client principal '%s' is not in realm %s", s->user, s->cfg.realm);
        return SMB_E_LOGON_FAILURE;
    }
    uint8_t hash[16];
    bool known = strlen(s->user) <= s->cfg.max_user_len && s->cfg.lookup &&
                 s->cfg.lookup(s->cfg.lookup_arg, s->user, hash);
    smb_wipe(hash, sizeof hash);
    if (!known) {
        smb_auth_set_why(a, "kerberos: principal '%s' is not in the users file", s->user);
        return SMB_E_LOGON_FAILURE;
    }
    return SMB_OK;
}

static SMB_WUR smb_status server_step(struct smb_auth_ctx *a, struct krb5_state *s, const uint8_t *in, size_t inlen,
                              uint8_t *out, size_t cap, size_t *outlen)
{
    OM_uint32 major, minor, m2;
    if (!in || !inlen)
        return SMB_E_INVALID_PARAMETER;
    gss_buffer_desc ib = {inlen, (void *)in}, ob = GSS_C_EMPTY_BUFFER;
    gss_name_t src = GSS_C_NO_NAME;
    OM_uint32 flags = 0;
    major = gss_accept_sec_context(&minor, &s->ctx, s->cred, &ib, GSS_C_NO_CHANNEL_BINDINGS, &src, NULL, &ob,
                                   &flags, NULL, NULL);
    if (GSS_ERROR(major)) {
        gss_release_buffer(&m2, &ob);
        gss_why(a, "AP-REQ refused", major, minor);
        return SMB_E_LOGON_FAILURE;
    }
    if (major & GSS_S_CONTINUE_NEEDED) {
        if (src != GSS_C_NO_NAME)
            gss_release_name(&m2, &src);
        if (++s->leg > 2) {
            gss_release_buffer(&m2, &ob);
            smb_auth_set_why(a, "kerberos: too many legs");
            return SMB_E_LOGON_FAILURE;
        }
        smb_status st = put_token(a, &ob, out, cap, outlen);
        return st == SMB_OK ? SMB_E_MORE_PROCESSING_REQUIRED : st;
    }
    smb_status st = copy_name(src, s->user, sizeof s->user);
    gss_release_name(&m2, &src);
    if (st != SMB_OK) {
        gss_release_buffer(&m2, &ob);
        smb_auth_set_why(a, "kerberos: client principal name too long");
        return SMB_E_LOGON_FAILURE;
    }
    if ((st = map_principal(a, s)) != SMB_OK || (st = take_key(a, s)) != SMB_OK) {
        gss_release_buffer(&m2, &ob);
        return st == SMB_E_LOGON_FAILURE ? st : SMB_E_LOGON_FAILURE;
    }
    return put_token(a, &ob, out, cap, outlen); /* the AP-REP (mutual authentication) */
}

static SMB_WUR smb_status krb5_step(struct smb_auth_ctx *a, const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
                            size_t *outlen)
{
    struct krb5_state *s = st_of(a);
    return a->role == SMB_AUTH_CLIENT ? client_step(a, s, in, inlen, out, cap, outlen)
                                      : server_step(a, s, in, inlen, out, cap, outlen);
}

static SMB_WUR smb_status krb5_session_key(struct smb_auth_ctx *a, uint8_t *key, size_t cap, size_t *keylen)
{
    struct krb5_state *s = st_of(a);
    if (!s->has_key)
        return SMB_E_NOT_FOUND;
    if (cap < s->keylen)
        return SMB_E_OVERFLOW;
    memcpy(key, s->key, s->keylen);
    *keylen = s->keylen;
    return SMB_OK;
}

static SMB_WUR smb_status krb5_mic_make(struct smb_auth_ctx *a, const uint8_t *msg, size_t len, uint8_t *mic, size_t cap,
                                size_t *miclen)
{
    struct krb5_state *s = st_of(a);
    OM_uint32 major, minor;
    if (!s->has_key)
        return SMB_E_NOT_FOUND;
    gss_buffer_desc mb = {len, (void *)msg}, tb = GSS_C_EMPTY_BUFFER;
    major = gss_get_mic(&minor, s->ctx, GSS_C_QOP_DEFAULT, &mb, &tb);
    if (GSS_ERROR(major)) {
        gss_why(a, "mechListMIC", major, minor);
        return SMB_E_CRYPTO;
    }
    return put_token(a, &tb, mic, cap, miclen);
}

static SMB_WUR smb_status krb5_mic_verify(struct smb_auth_ctx *a, const uint8_t *msg, size_t len, const uint8_t *mic,
                                  size_t miclen)
{
    struct krb5_state *s = st_of(a);
    OM_uint32 major, minor;
    if (!s->has_key || !miclen)
        return SMB_E_INVALID_SIGNATURE;
    gss_buffer_desc mb = {len, (void *)msg}, tb = {miclen, (void *)mic};
    major = gss_verify_mic(&minor, s->ctx, &mb, &tb, NULL);
    /* a MIC token never repeats or arrives out of order here: any
     * supplementary status is a failure too */
    return major == GSS_S_COMPLETE ? SMB_OK : SMB_E_INVALID_SIGNATURE;
}

/* Kerberos needs the mechListMIC only under the generic SPNEGO rule (the
 * chosen mechanism was not the initiator's first choice), which the SPNEGO
 * drivers apply themselves. */
static bool krb5_mic_wanted(struct smb_auth_ctx *a)
{
    (void)a;
    return false;
}

static SMB_WUR smb_status krb5_identity(struct smb_auth_ctx *a, struct smb_auth_identity *id)
{
    struct krb5_state *s = st_of(a);
    id->kind = SMB_AUTH_USER;
    id->has_key = a->role == SMB_AUTH_CLIENT ? true : s->has_key;
    memcpy(id->user, s->user, sizeof id->user < sizeof s->user ? sizeof id->user : sizeof s->user);
    id->user[sizeof id->user - 1] = '\0';
    const char *at = strrchr(id->user, '@');
    if (at)
        snprintf(id->domain, sizeof id->domain, "%s", at + 1);
    return SMB_OK;
}

static void krb5_wipe(struct smb_auth_ctx *a)
{
    struct krb5_state *s = st_of(a);
    OM_uint32 minor;
    if (s->ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&minor, &s->ctx, GSS_C_NO_BUFFER);
    if (s->cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&minor, &s->cred);
    if (s->target != GSS_C_NO_NAME)
        gss_release_name(&minor, &s->target);
    smb_wipe(s->key, sizeof s->key); /* the generic layer zeroes the rest */
}

#define KRB5_MECH_FIELDS                                                                                          \
    .raw_magic = NULL, .raw_magic_len = 0, .mic_len = 0, .state_size = sizeof(struct krb5_state),                 \
    .begin = krb5_begin, .step = krb5_step, .session_key = krb5_session_key, .mic_make = krb5_mic_make,            \
    .mic_verify = krb5_mic_verify, .mic_wanted = krb5_mic_wanted, .identity = krb5_identity, .wipe = krb5_wipe

const struct smb_auth_mech smb_auth_mech_krb5 = {.name = "krb5", .oid = OID_KRB5, .oid_len = sizeof OID_KRB5,
                                                 KRB5_MECH_FIELDS};
const struct smb_auth_mech smb_auth_mech_mskrb5 = {.name = "ms-krb5", .oid = OID_MSKRB5,
                                                   .oid_len = sizeof OID_MSKRB5, KRB5_MECH_FIELDS};
