/* auth/mech_ntlmssp.c - NTLMSSP (MS-NLMP) as an authentication mechanism
 * (auth/mech.h). Client: NEGOTIATE, then AUTHENTICATE from the server's
 * CHALLENGE (auth/ntlmssp.c builds both). Server: CHALLENGE for the client's
 * NEGOTIATE, then NTLMv2 verification of its AUTHENTICATE against the NT hash
 * the account lookup returns (MS-NLMP 3.2.5). The mechListMIC is the NTLMSSP
 * MAC with sequence number 0 (MS-NLMP 3.4.4.2, MS-SPNG 3.1.5.1). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth/mech.h"
#include "auth/ntlmssp.h"
#include "auth/spnego.h"
#include "base/buf.h"
#include "base/utf16.h"
#include "crypto/crypto.h"

#define NTLM_CHAL_MAX 1024 /* our CHALLENGE_MESSAGE */

struct ntlm_srv {
    struct smb_auth_server_cfg cfg;
    uint8_t neg[NTLM_MAX_NEGOTIATE];
    size_t neg_len;
    uint8_t chal[NTLM_CHAL_MAX];
    size_t chal_len;
    uint32_t flags;
    bool mic_present, has_key;
    enum smb_auth_kind kind;
    uint8_t key[16];
    char user[SMB_AUTH_NAME_MAX];
};

struct ntlm_state {
    int leg;
    union {
        struct smb_ntlm_client cli;
        struct ntlm_srv srv;
    } u;
};
_Static_assert(sizeof(struct ntlm_state) <= SMB_AUTH_STATE_MAX, "NTLMSSP state exceeds SMB_AUTH_STATE_MAX");
_Static_assert(NTLM_MAX_MSG <= SMB_AUTH_TOKEN_MAX, "NTLMSSP messages exceed SMB_AUTH_TOKEN_MAX");

static struct ntlm_state *st_of(struct smb_auth_ctx *a) { return (struct ntlm_state *)smb_auth_state(a); }

static SMB_WUR smb_status ntlm_begin(struct smb_auth_ctx *a, const struct smb_auth_client_cred *cred,
                             const struct smb_auth_server_cfg *srv)
{
    struct ntlm_state *s = st_of(a);
    if (a->role == SMB_AUTH_CLIENT) {
        if (!cred)
            return SMB_E_BAD_ARGUMENT;
        smb_status st = smb_ntlm_client_init(&s->u.cli, cred->user, cred->domain, cred->password, cred->workstation);
        /* the SPN of the server we mean to reach (MS-NLMP 3.1.5.1.2): a
         * server that checks it refuses our logon relayed elsewhere */
        if (st == SMB_OK && cred->target && cred->target[0] &&
            strlen(cred->target) + 5 < sizeof s->u.cli.target_spn)
            snprintf(s->u.cli.target_spn, sizeof s->u.cli.target_spn, "cifs/%s", cred->target);
        return st;
    }
    if (!srv || !srv->server_name)
        return SMB_E_BAD_ARGUMENT;
    s->u.srv.cfg = *srv;
    return SMB_OK;
}

/* ---------------- server ---------------- */

/* "server spn validation": spn is cifs/NAME (service class case-insensitive,
 * MS-NLMP 2.2.2.1 names the SPN) with NAME one of this server's names. */
static bool spn_is_ours(const struct smb_auth_server_cfg *cfg, const char *spn)
{
    if (strncasecmp(spn, "cifs/", 5) != 0)
        return false;
    const char *n = spn + 5;
    char host[256];
    if (cfg->server_name && !strcasecmp(n, cfg->server_name))
        return true;
    if (cfg->spn_host && cfg->spn_host[0] && !strcasecmp(n, cfg->spn_host))
        return true;
    if (cfg->spn_host && (!strncmp(cfg->spn_host, "127.", 4) || !strcmp(cfg->spn_host, "::1")) &&
        !strcasecmp(n, "localhost"))
        return true; /* reached on loopback as localhost */
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = 0;
        if (!strcasecmp(n, host))
            return true;
    }
    return false;
}

static SMB_WUR smb_status put_av_name(uint8_t *av, size_t cap, size_t *off, uint16_t id, const char *name)
{
    uint8_t u[128];
    size_t ul = 0;
    smb_status st = smb_utf8_to_utf16le(name, strlen(name), u, sizeof u, &ul);
    if (st != SMB_OK)
        return st;
    return smb_ntlm_av_put(av, cap, off, id, u, ul);
}

static SMB_WUR smb_status build_challenge(struct ntlm_srv *s, uint32_t client_flags)
{
    const char *name = s->cfg.server_name;
    struct ntlm_challenge ch;
    memset(&ch, 0, sizeof ch);
    /* MS-NLMP 3.2.5.1.1: echo what we support of what the client asked. */
    uint32_t want = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_SIGN |
                    NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
                    NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_VERSION |
                    NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56;
    ch.flags = (client_flags & want) | NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_NTLM |
               NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_TARGET_TYPE_SERVER |
               NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
    if (client_flags & NTLMSSP_REQUEST_TARGET)
        ch.flags |= NTLMSSP_REQUEST_TARGET;
    smb_status st = smb_random(ch.server_challenge, 8);
    if (st != SMB_OK)
        return st;
    uint8_t tn[128];
    size_t tnl = 0;
    st = smb_utf8_to_utf16le(name, strlen(name), tn, sizeof tn, &tnl);
    if (st != SMB_OK)
        return st;
    ch.target_name.p = tn;
    ch.target_name.len = tnl;
    uint8_t av[512];
    size_t avl = 0;
    uint8_t ts[8];
    put_le64(ts, smb_ntlm_filetime_now());
    st = put_av_name(av, sizeof av, &avl, MsvAvNbDomainName, name);
    if (st == SMB_OK)
        st = put_av_name(av, sizeof av, &avl, MsvAvNbComputerName, name);
    if (st == SMB_OK)
        st = put_av_name(av, sizeof av, &avl, MsvAvDnsDomainName, name);
    if (st == SMB_OK)
        st = put_av_name(av, sizeof av, &avl, MsvAvDnsComputerName, name);
    /* A timestamp makes clients send a MIC (MS-NLMP 3.1.5.1.2). */
    if (st == SMB_OK)
        st = smb_ntlm_av_put(av, sizeof av, &avl, MsvAvTimestamp, ts, 8);
    if (st == SMB_OK)
        st = smb_ntlm_av_put(av, sizeof av, &avl, MsvAvEOL, NULL, 0);
    if (st != SMB_OK)
        return st;
    ch.target_info.p = av;
    ch.target_info.len = avl;
    ch.has_version = true;
    static const uint8_t ver[8] = {10, 0, 0x7C, 0x4F, 0, 0, 0, 15}; /* 10.0.20348, NTLMSSP rev 15 */
    memcpy(ch.version, ver, 8);
    return smb_ntlm_challenge_encode(&ch, s->chal, sizeof s->chal, &s->chal_len);
}

static SMB_WUR smb_status srv_negotiate(struct smb_auth_ctx *a, struct ntlm_srv *s, const uint8_t *neg, size_t nlen,
                                uint8_t *out, size_t cap, size_t *outlen)
{
    struct ntlm_negotiate nm;
    if (nlen > sizeof s->neg || smb_ntlm_negotiate_decode(neg, nlen, &nm) != SMB_OK) {
        smb_auth_set_why(a, "malformed NTLMSSP NEGOTIATE");
        return SMB_E_INVALID_PARAMETER;
    }
    memcpy(s->neg, neg, nlen);
    s->neg_len = nlen;
    if (build_challenge(s, nm.flags) != SMB_OK || s->chal_len > cap) {
        smb_auth_set_why(a, "cannot build the NTLMSSP CHALLENGE");
        return SMB_E_INTERNAL_ERROR;
    }
    memcpy(out, s->chal, s->chal_len);
    *outlen = s->chal_len;
    return SMB_E_MORE_PROCESSING_REQUIRED;
}

static SMB_WUR smb_status srv_authenticate(struct smb_auth_ctx *a, struct ntlm_srv *s, const uint8_t *auth, size_t alen)
{
    struct ntlm_authenticate am;
    if (smb_ntlm_authenticate_decode(auth, alen, &am) != SMB_OK) {
        smb_auth_set_why(a, "malformed NTLMSSP AUTHENTICATE");
        return SMB_E_INVALID_PARAMETER;
    }
    char user[NTLM_MAX_NAME];
    size_t ul = 0;
    if (am.user.len > 2 * s->cfg.max_user_len ||
        smb_utf16le_to_utf8(am.user.p, am.user.len, user, sizeof user, &ul) != SMB_OK ||
        ul > s->cfg.max_user_len || ul >= sizeof s->user) {
        smb_auth_set_why(a, "user name too long or not UTF-16");
        return SMB_E_LOGON_FAILURE;
    }
    uint8_t hash[16];
    bool known = ul && s->cfg.lookup && s->cfg.lookup(s->cfg.lookup_arg, user, hash);
    if (ul && !known) {
        if (!s->cfg.unknown_user_is_guest) {
            smb_auth_set_why(a, "unknown user '%s'", user);
            return SMB_E_LOGON_FAILURE;
        }
        s->kind = SMB_AUTH_GUEST; /* "map to guest = bad user": no proof checked, no key */
        memcpy(s->user, user, ul + 1);
        return SMB_OK;
    }
    struct ntlm_verify_result res;
    smb_status st = smb_ntlm_server_verify(s->neg, s->neg_len, s->chal, s->chal_len, auth, alen,
                                           known ? hash : NULL, &res);
    smb_wipe(hash, sizeof hash);
    if (st != SMB_OK) {
        smb_wipe(&res, sizeof res);
        smb_auth_set_why(a, "user '%s': %s", user, smb_status_name(st));
        return SMB_E_LOGON_FAILURE;
    }
    if (s->cfg.spn_required && !res.anonymous && !spn_is_ours(&s->cfg, res.target_name)) {
        smb_auth_set_why(a, "user '%s': target name '%s' is not this server (relayed or reflected logon?)", user,
                         res.target_name[0] ? res.target_name : "(none)");
        smb_wipe(&res, sizeof res);
        return SMB_E_LOGON_FAILURE;
    }
    memcpy(s->user, user, ul + 1);
    s->flags = res.flags;
    if (res.anonymous) {
        s->kind = SMB_AUTH_ANONYMOUS;
    } else {
        s->kind = SMB_AUTH_USER;
        s->has_key = true;
        s->mic_present = res.mic_present;
        memcpy(s->key, res.session_key, 16);
    }
    smb_wipe(&res, sizeof res);
    return SMB_OK;
}

/* ---------------- both roles ---------------- */

static SMB_WUR smb_status ntlm_step(struct smb_auth_ctx *a, const uint8_t *in, size_t inlen, uint8_t *out, size_t cap,
                            size_t *outlen)
{
    struct ntlm_state *s = st_of(a);
    smb_status st;
    if (a->role == SMB_AUTH_CLIENT) {
        if (s->leg == 0) {
            if ((st = smb_ntlm_client_negotiate(&s->u.cli, out, cap, outlen)) != SMB_OK)
                return st;
            s->leg = 1;
            return SMB_E_MORE_PROCESSING_REQUIRED;
        }
        if (s->leg == 1) {
            if ((st = smb_ntlm_client_authenticate(&s->u.cli, in, inlen, out, cap, outlen)) != SMB_OK)
                return st;
            s->leg = 2;
            return SMB_OK;
        }
        return SMB_E_INVALID_PARAMETER;
    }
    if (!in || inlen == 0)
        return SMB_E_INVALID_PARAMETER;
    if (s->leg == 0) {
        st = srv_negotiate(a, &s->u.srv, in, inlen, out, cap, outlen);
        if (st == SMB_E_MORE_PROCESSING_REQUIRED)
            s->leg = 1;
        return st;
    }
    if (s->leg == 1) {
        st = srv_authenticate(a, &s->u.srv, in, inlen);
        if (st == SMB_OK)
            s->leg = 2;
        return st;
    }
    return SMB_E_INVALID_PARAMETER;
}

/* key, flags and whether a MIC was announced, for the role */
static const uint8_t *role_key(struct smb_auth_ctx *a, uint32_t *flags)
{
    struct ntlm_state *s = st_of(a);
    if (a->role == SMB_AUTH_CLIENT) {
        *flags = s->u.cli.flags;
        return s->u.cli.have_key ? s->u.cli.session_key : NULL;
    }
    *flags = s->u.srv.flags;
    return s->u.srv.has_key ? s->u.srv.key : NULL;
}

static SMB_WUR smb_status ntlm_session_key(struct smb_auth_ctx *a, uint8_t *key, size_t cap, size_t *keylen)
{
    uint32_t flags;
    const uint8_t *k = role_key(a, &flags);
    if (!k)
        return SMB_E_NOT_FOUND;
    if (cap < 16)
        return SMB_E_OVERFLOW;
    memcpy(key, k, 16);
    *keylen = 16;
    return SMB_OK;
}

static SMB_WUR smb_status ntlm_mic_make(struct smb_auth_ctx *a, const uint8_t *msg, size_t len, uint8_t *mic, size_t cap,
                                size_t *miclen)
{
    uint32_t flags;
    const uint8_t *k = role_key(a, &flags);
    if (!k)
        return SMB_E_NOT_FOUND;
    if (cap < 16)
        return SMB_E_OVERFLOW;
    smb_ntlm_mac(k, flags, a->role == SMB_AUTH_CLIENT, 0, msg, len, mic);
    *miclen = 16;
    return SMB_OK;
}

static SMB_WUR smb_status ntlm_mic_verify(struct smb_auth_ctx *a, const uint8_t *msg, size_t len, const uint8_t *mic,
                                  size_t miclen)
{
    uint32_t flags;
    const uint8_t *k = role_key(a, &flags);
    if (!k || miclen != 16)
        return SMB_E_INVALID_SIGNATURE;
    return smb_ntlm_mac_verify(k, flags, a->role == SMB_AUTH_SERVER, 0, msg, len, mic) ? SMB_OK
                                                                                         : SMB_E_INVALID_SIGNATURE;
}

/* Client: it put a MIC in its AUTHENTICATE (the server sent a timestamp).
 * Server: the client's MsvAvFlags announced one (MS-NLMP 3.2.5.1.2) - then
 * only the mechListMIC protects the mechanism list against a downgrade. */
static bool ntlm_mic_wanted(struct smb_auth_ctx *a)
{
    struct ntlm_state *s = st_of(a);
    if (a->role == SMB_AUTH_CLIENT)
        return s->u.cli.mic_sent && s->u.cli.have_key;
    return s->u.srv.has_key && s->u.srv.mic_present;
}

static SMB_WUR smb_status ntlm_identity(struct smb_auth_ctx *a, struct smb_auth_identity *id)
{
    struct ntlm_state *s = st_of(a);
    if (a->role == SMB_AUTH_CLIENT) {
        id->kind = s->u.cli.anonymous ? SMB_AUTH_ANONYMOUS : SMB_AUTH_USER;
        id->has_key = s->u.cli.have_key;
        memcpy(id->user, s->u.cli.user, sizeof id->user < sizeof s->u.cli.user ? sizeof id->user
                                                                                 : sizeof s->u.cli.user);
        memcpy(id->domain, s->u.cli.domain,
               sizeof id->domain < sizeof s->u.cli.domain ? sizeof id->domain : sizeof s->u.cli.domain);
        id->user[sizeof id->user - 1] = id->domain[sizeof id->domain - 1] = '\0';
        return SMB_OK;
    }
    id->kind = s->u.srv.kind;
    id->has_key = s->u.srv.has_key;
    memcpy(id->user, s->u.srv.user, sizeof id->user);
    return SMB_OK;
}

static void ntlm_wipe(struct smb_auth_ctx *a)
{
    /* nothing acquired beyond the state, which the generic layer zeroes */
    (void)a;
}

const struct smb_auth_mech smb_auth_mech_ntlmssp = {
    .name = "ntlmssp",
    .oid = SPNEGO_OID_NTLMSSP,
    .oid_len = sizeof SPNEGO_OID_NTLMSSP,
    .raw_magic = (const uint8_t *)"NTLMSSP",
    .raw_magic_len = 8, /* "NTLMSSP\0" */
    .mic_len = 16,      /* NTLMSSP_MESSAGE_SIGNATURE */
    .state_size = sizeof(struct ntlm_state),
    .begin = ntlm_begin,
    .step = ntlm_step,
    .session_key = ntlm_session_key,
    .mic_make = ntlm_mic_make,
    .mic_verify = ntlm_mic_verify,
    .mic_wanted = ntlm_mic_wanted,
    .identity = ntlm_identity,
    .wipe = ntlm_wipe,
};
