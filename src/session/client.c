/* session/client.c - sans-I/O SMB2/3 client core (MS-SMB2 3.2). See client.h. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "auth/mech.h"
#include "auth/spnego.h"
#include "crypto/crypto.h"
#include "session/client.h"
#include "smbsign/batch.h"
#include "smbsign/policy.h"
#include "wire/netbios.h"
#include "wire/smb2/negotiate.h"
#include "wire/smb2/session_setup.h"
#include "wire/smb2/ioctl.h"
#include "wire/smb2/create.h"
#include "wire/smb2/negotiate.h"
#include "wire/smb2/oplock_break.h"

#define IN_EXTRA (64u * 1024u) /* read size while no frame length is known */
#define SS_MAX_TOKEN (SMB_AUTH_TOKEN_MAX + 256) /* cap on a security buffer we build */

struct pending {
    uint64_t mid;
    uint64_t tag;
    uint64_t session_id;
    uint16_t command;
    bool used;
    bool encrypted; /* sent in a transform: the response must come back in one */
    bool internal;  /* the core's own request (LEASE_BREAK_ACK): no event */
};

/* A lease this client holds (MS-SMB2 3.2.1.5 File.LeaseKey / LeaseState) */
struct cli_lease {
    bool used;
    uint8_t key[16];
    uint32_t tree_id;
    uint32_t state;
    uint16_t epoch;
};

/* A LEASE_BREAK_ACK waiting for credits or for a chain to close */
struct owed_ack {
    uint8_t key[16];
    uint32_t tree_id;
    uint32_t state;
};

struct smb_cli {
    struct smb_cli_config cfg;
    enum smb_cli_state state;
    smb_status err;
    const char *why;

    /* negotiate */
    uint16_t dialects[5];
    uint16_t ndialects;
    uint16_t req_security_mode;
    uint32_t req_capabilities;
    uint8_t client_guid[16];
    struct smb_cli_info info;
    smb_client_decision dec;
    smb_sign_alg alg;

    /* session setup */
    struct smb_auth_ctx auth; /* the SPNEGO mechanism (auth/mech.h); wiped once the session is set up */
    struct smb_auth_ctx fallback; /* Kerberos desired: NTLMSSP, begun too, used when Kerberos cannot start */
    bool krb_failed;              /* Kerberos required but it could not begin (why in krb_why) */
    char krb_why[sizeof(((struct smb_auth_ctx *)0)->why)];
    bool server_mic_checked;      /* the server's mechListMIC verified in an earlier leg */
    bool krb5_offered_second;     /* NegTokenInit offered [NTLMSSP, Kerberos], the optimistic token NTLM's */
    bool mic_required;            /* the mechanism in use was not our first choice (RFC 4178 5) */
    bool anonymous;           /* no credentials: an anonymous logon */
    uint8_t mech_list[64];
    size_t mech_list_len;
    int ss_leg;
    smb_preauth conn_preauth, sess_preauth;
    smb_sign_ctx *sign;
    smb_crypt_ctx *crypt; /* keys to encrypt with: the whole session (info.encrypting) or the trees below */
    bool session_encrypts; /* Session.EncryptData: every message after SESSION_SETUP */
    uint32_t enc_trees[SMB_CLI_MAX_ENC_TREES]; /* trees whose share has SMB2_SHAREFLAG_ENCRYPT_DATA */
    unsigned n_enc_trees;
    uint8_t session_key[16];
    /* the mechanism's whole key (Kerberos AES-256: 32 bytes): the KDF key of
     * the AES-256 cipher keys (MS-SMB2 3.2.5.3.1, Session.FullSessionKey) */
    uint8_t full_key[SMB_SESSION_KEY_MAX];
    size_t full_key_len;
    bool have_key;

    /* sequencing and credits */
    uint64_t next_mid;
    uint32_t credits;
    struct pending pend[SMB_CLI_MAX_PENDING];
    size_t npend;

    /* output queue */
    uint8_t *out;
    size_t out_head, out_len, out_cap;
    bool chain;
    size_t chain_nb_at;   /* NetBIOS header of the chain frame */
    size_t chain_last_hdr; /* header offset of the previous element, SIZE_MAX if none */
    size_t chain_elems[32];
    size_t chain_n;
    /* smb_cli_sign_defer_begin/end: requests whose signing waits for one batch */
    bool defer;
    size_t defer_from;                     /* out_len at begin: bytes from here on stay hidden */
    size_t defer_at[SMB_CLI_DEFER_MAX];    /* header offsets in out */
    size_t defer_len[SMB_CLI_DEFER_MAX];
    size_t ndefer;
    bool chain_enc;       /* the chain goes out in one transform (gap reserved after chain_nb_at) */

    /* input */
    uint8_t *in;
    size_t in_len, in_cap;
    size_t in_consumed; /* bytes of the frame last returned by poll */
    size_t in_head;     /* start of the unconsumed input: frames before it were handed out */
    size_t in_frame_max; /* smb_cli_in_batch: the largest frame expected, 0 = off */
    /* batch verification of buffered lone READ responses (issue 16) */
    size_t vb_n;
    bool vb_used[SMB_CLI_VBATCH_MAX];
    struct iovec vb_v[SMB_CLI_VBATCH_MAX];
    smb2_batch_msg vb_m[SMB_CLI_VBATCH_MAX];
    struct smb_cli_event ev[SMB_CLI_MAX_COMPOUND];

    /* leases (smb_cli_lease_*) and the acknowledgements owed */
    struct cli_lease leases[SMB_CLI_MAX_LEASES];
    struct owed_ack owed[SMB_CLI_MAX_OWED_ACKS];
    unsigned nowed;
};

static const uint16_t ALL_DIALECTS[5] = {0x0202, 0x0210, 0x0300, 0x0302, 0x0311};
static bool offered(const struct smb_cli *c, uint16_t d);

void smb_cli_fail(struct smb_cli *c, smb_status st, const char *why)
{
    if (c->state != SMB_CLI_FAILED) {
        c->state = SMB_CLI_FAILED;
        c->err = st;
        c->why = why;
    }
}

static SMB_WUR smb_status fail(struct smb_cli *c, smb_status st, const char *why)
{
    smb_cli_fail(c, st, why);
    return c->err;
}

/* The mechanism: NTLMSSP, or Kerberos (docs/kerberos.md). With Kerberos
 * desired, NTLMSSP is begun too (the password is not kept) and takes over
 * when Kerberos cannot start; with Kerberos required its failure is reported
 * by smb_cli_start, before any traffic. */
static SMB_WUR smb_status begin_auth(struct smb_cli *c, const struct smb_auth_client_cred *cred)
{
    smb_status st;
    struct smb_auth_identity id;
    if (c->cfg.kerberos) {
        if (smb_auth_begin_client(&c->auth, &smb_auth_mech_krb5, cred) == SMB_OK) {
            c->info.kerberos = true;
            if ((c->cfg.kerberos != 2 || c->cfg.krb5_second) &&
                (st = smb_auth_begin_client(&c->fallback, &smb_auth_mech_ntlmssp, cred)) != SMB_OK)
                return st;
            return SMB_OK;
        }
        snprintf(c->krb_why, sizeof c->krb_why, "%s", c->auth.why);
        if (c->cfg.kerberos == 2) {
            c->krb_failed = true;
            return SMB_OK;
        }
    }
    if ((st = smb_auth_begin_client(&c->auth, &smb_auth_mech_ntlmssp, cred)) != SMB_OK ||
        (st = smb_auth_identity(&c->auth, &id)) != SMB_OK)
        return st;
    c->anonymous = id.kind == SMB_AUTH_ANONYMOUS;
    return SMB_OK;
}

/* Kerberos desired but its first token failed: continue with NTLMSSP. */
static bool fall_back_to_ntlm(struct smb_cli *c)
{
    if (!c->fallback.mech)
        return false;
    snprintf(c->krb_why, sizeof c->krb_why, "%s", c->auth.why);
    smb_auth_wipe(&c->auth);
    memcpy(&c->auth, &c->fallback, sizeof c->auth); /* NTLMSSP state holds no handles: a copy is a move */
    smb_wipe(&c->fallback, sizeof c->fallback);
    c->info.kerberos = false;
    return true;
}

smb_status smb_cli_new(struct smb_cli **out, const struct smb_cli_config *cfg)
{
    struct smb_cli *c = calloc(1, sizeof *c);
    smb_status st;
    if (!c)
        return SMB_E_NOMEM;
    c->cfg = *cfg;
    c->cfg.password = NULL; /* not kept */
    struct smb_auth_client_cred cred = {cfg->user, cfg->domain, cfg->password, cfg->workstation, cfg->server_name};
    if ((st = begin_auth(c, &cred)) != SMB_OK) {
        smb_auth_wipe(&c->auth);
        smb_auth_wipe(&c->fallback);
        free(c);
        return st;
    }
    smb_dialect lo = cfg->min_dialect ? cfg->min_dialect : SMB_DIALECT_202;
    smb_dialect hi = cfg->max_dialect ? cfg->max_dialect : SMB_DIALECT_311;
    for (int i = 0; i < 5; i++)
        if (ALL_DIALECTS[i] >= lo && ALL_DIALECTS[i] <= hi)
            c->dialects[c->ndialects++] = ALL_DIALECTS[i];
    if (c->ndialects == 0) {
        smb_auth_wipe(&c->auth);
        free(c);
        return SMB_E_BAD_ARGUMENT;
    }
    static const uint8_t zero[16];
    if (memcmp(cfg->client_guid, zero, 16) == 0) {
        if (smb_random(c->client_guid, 16) != SMB_OK) {
            smb_auth_wipe(&c->auth);
            free(c);
            return SMB_E_CRYPTO;
        }
    } else
        memcpy(c->client_guid, cfg->client_guid, 16);
    c->out_cap = 1u << 20;
    c->out = malloc(c->out_cap);
    c->in_cap = 1u << 20;
    c->in = malloc(c->in_cap);
    if (!c->out || !c->in) {
        smb_cli_free(c);
        return SMB_E_NOMEM;
    }
    c->credits = 1;
    c->alg = SMB_ALG_NONE;
    c->info.alg = SMB_ALG_NONE;
    *out = c;
    return SMB_OK;
}

void smb_cli_free(struct smb_cli *c)
{
    if (!c)
        return;
    smb_sign_ctx_free(c->sign);
    smb_crypt_ctx_free(c->crypt);
    smb_auth_wipe(&c->auth);
    smb_auth_wipe(&c->fallback);
    smb_wipe(c->session_key, sizeof c->session_key);
    smb_wipe(c->full_key, sizeof c->full_key);
    free(c->out);
    free(c->in);
    smb_wipe(c, sizeof *c);
    free(c);
}

enum smb_cli_state smb_cli_state(const struct smb_cli *c) { return c->state; }

smb_status smb_cli_error(const struct smb_cli *c, const char **why)
{
    if (why)
        *why = c->why ? c->why : "";
    return c->state == SMB_CLI_FAILED ? c->err : SMB_OK;
}

void smb_cli_info(const struct smb_cli *c, struct smb_cli_info *out)
{
    *out = c->info;
    out->credits = c->credits;
}

uint32_t smb_cli_credits(const struct smb_cli *c) { return c->credits; }
size_t smb_cli_in_flight(const struct smb_cli *c) { return c->npend; }

/* ---------------- output queue ---------------- */

const uint8_t *smb_cli_out_ptr(const struct smb_cli *c) { return c->out + c->out_head; }
/* Hidden: an open compound chain, and every byte built since
 * smb_cli_sign_defer_begin (its requests are not signed yet). */
size_t smb_cli_out_len(const struct smb_cli *c)
{
    if (c->chain)
        return 0;
    return (c->defer ? c->defer_from : c->out_len) - c->out_head;
}

void smb_cli_out_consume(struct smb_cli *c, size_t n)
{
    c->out_head += n;
    if (c->out_head >= c->out_len && !c->chain)
        c->out_head = c->out_len = c->defer_from = 0;
}

static SMB_WUR smb_status out_reserve(struct smb_cli *c, size_t n)
{
    if (c->out_head && !c->chain && c->out_head == c->out_len)
        c->out_head = c->out_len = c->defer_from = 0;
    if (c->out_cap - c->out_len >= n)
        return SMB_OK;
    if (c->out_head && !c->chain) {
        memmove(c->out, c->out + c->out_head, c->out_len - c->out_head);
        c->out_len -= c->out_head;
        for (size_t i = 0; i < c->ndefer; i++)
            c->defer_at[i] -= c->out_head;
        if (c->defer)
            c->defer_from -= c->out_head;
        c->out_head = 0;
        if (c->out_cap - c->out_len >= n)
            return SMB_OK;
    }
    size_t cap = c->out_cap;
    while (cap - c->out_len < n)
        cap *= 2;
    uint8_t *p = realloc(c->out, cap);
    if (!p)
        return SMB_E_NOMEM;
    c->out = p;
    c->out_cap = cap;
    return SMB_OK;
}

/* ---------------- pending table ---------------- */

static struct pending *pend_find(struct smb_cli *c, uint64_t mid)
{
    size_t h = (size_t)(mid % SMB_CLI_MAX_PENDING);
    for (size_t i = 0; i < SMB_CLI_MAX_PENDING; i++) {
        struct pending *p = &c->pend[(h + i) % SMB_CLI_MAX_PENDING];
        if (p->used && p->mid == mid)
            return p;
        if (!p->used && p->mid == 0 && p->tag == 0 && p->command == 0)
            return NULL; /* never-used slot ends the probe */
    }
    return NULL;
}

static SMB_WUR smb_status pend_add(struct smb_cli *c, uint64_t mid, uint16_t cmd, uint64_t tag, uint64_t sid, bool enc)
{
    if (c->npend >= SMB_CLI_MAX_PENDING - 1)
        return SMB_E_INSUFFICIENT_RESOURCES;
    size_t h = (size_t)(mid % SMB_CLI_MAX_PENDING);
    for (size_t i = 0; i < SMB_CLI_MAX_PENDING; i++) {
        struct pending *p = &c->pend[(h + i) % SMB_CLI_MAX_PENDING];
        if (!p->used) {
            p->used = true;
            p->mid = mid;
            p->command = cmd;
            p->tag = tag;
            p->session_id = sid;
            p->encrypted = enc;
            p->internal = false;
            c->npend++;
            return SMB_OK;
        }
    }
    return SMB_E_INSUFFICIENT_RESOURCES;
}

static void pend_del(struct smb_cli *c, struct pending *p)
{
    /* keep the slot "dirty" (command != 0 or tag) so probes continue past it */
    p->used = false;
    p->command = 0xFFFF;
    c->npend--;
    if (c->npend == 0)
        memset(c->pend, 0, sizeof c->pend);
}

/* ---------------- requests ---------------- */

uint32_t smb_cli_charge_for(const struct smb_cli *c, size_t bytes)
{
    if (c->info.dialect == SMB_DIALECT_202 || c->info.dialect == SMB_DIALECT_NONE)
        return 1;
    /* MS-SMB2 3.2.4.1.5: 1 + (max(send, expected response) - 1) / 65536 */
    return bytes == 0 ? 1 : (uint32_t)(1 + (bytes - 1) / 65536);
}

static bool sign_requests(const struct smb_cli *c) { return c->info.signing && c->sign; }
static SMB_WUR smb_status defer_sign(struct smb_cli *c);

bool smb_cli_tree_encrypts(const struct smb_cli *c, uint32_t tree_id)
{
    for (unsigned i = 0; i < c->n_enc_trees; i++)
        if (c->enc_trees[i] == tree_id)
            return true;
    return false;
}

smb_status smb_cli_tree_encrypt(struct smb_cli *c, uint32_t tree_id, bool on)
{
    for (unsigned i = 0; i < c->n_enc_trees; i++)
        if (c->enc_trees[i] == tree_id) {
            if (!on)
                c->enc_trees[i] = c->enc_trees[--c->n_enc_trees];
            return SMB_OK;
        }
    if (!on || c->info.encrypting)
        return SMB_OK;
    if (!c->crypt)
        return SMB_E_ACCESS_DENIED;
    if (c->n_enc_trees >= SMB_CLI_MAX_ENC_TREES)
        return SMB_E_INSUFFICIENT_RESOURCES;
    c->enc_trees[c->n_enc_trees++] = tree_id;
    return SMB_OK;
}

smb_status smb_cli_req_start(struct smb_cli *c, struct smb_cli_req *rq, uint16_t command, uint32_t tree_id,
                             size_t max_body, uint32_t resp_hint)
{
    smb_status st;
    if (c->state == SMB_CLI_FAILED)
        return c->err;
    if (c->state != SMB_CLI_READY)
        return SMB_E_BAD_ARGUMENT; /* NEGOTIATE and SESSION_SETUP belong to the core */
    memset(rq, 0, sizeof *rq);
    uint32_t charge = smb_cli_charge_for(c, max_body > resp_hint ? max_body : resp_hint);
    if (charge > 0xFFFF)
        return SMB_E_BAD_ARGUMENT;
    if (c->credits < charge)
        return SMB_E_INSUFFICIENT_RESOURCES;
    rq->encrypt = c->chain ? c->chain_enc : c->info.encrypting || smb_cli_tree_encrypts(c, tree_id);
    size_t gap = rq->encrypt && !c->chain ? SMB2_TRANSFORM_HDR_LEN : 0;
    if ((st = out_reserve(c, SMB_NB_HDR_LEN + gap + 8 + SMB2_HDR_LEN + max_body)) != SMB_OK)
        return st;
    if (!c->chain) {
        smb_wr nb;
        wr_init(&nb, c->out + c->out_len, SMB_NB_HDR_LEN);
        smb_nb_hdr_encode(&nb, SMB_NB_SESSION_MESSAGE, 0);
        c->out_len += SMB_NB_HDR_LEN + gap; /* the transform header goes in the gap */
    } else if (c->chain_n) {
        /* pad the previous element to 8 bytes and link it (3.2.4.1.4) */
        while ((c->out_len - c->chain_last_hdr) % 8)
            c->out[c->out_len++] = 0;
        put_le32(c->out + c->chain_last_hdr + 20, (uint32_t)(c->out_len - c->chain_last_hdr));
    }
    rq->hdr_at = c->out_len;
    rq->command = command;
    rq->tree_id = tree_id;
    rq->charge = (uint16_t)charge;
    wr_init(&rq->w, c->out + c->out_len, SMB2_HDR_LEN + max_body);
    wr_zero(&rq->w, SMB2_HDR_LEN);
    return SMB_OK;
}

static void finish_frame(struct smb_cli *c, size_t nb_at)
{
    size_t len = c->out_len - nb_at - SMB_NB_HDR_LEN;
    smb_wr w;
    wr_init(&w, c->out + nb_at, SMB_NB_HDR_LEN);
    smb_nb_hdr_encode(&w, SMB_NB_SESSION_MESSAGE, (uint32_t)len);
}

/* Undo a started request that cannot be finished: outside a chain the frame
 * is dropped whole; inside one the chain is inconsistent, which is fatal. */
smb_status smb_cli_req_abort(struct smb_cli *c, struct smb_cli_req *rq, smb_status st)
{
    if (c->chain)
        return fail(c, st, "building a compound request failed");
    c->out_len = rq->hdr_at - SMB_NB_HDR_LEN - (rq->encrypt ? SMB2_TRANSFORM_HDR_LEN : 0);
    return st;
}

/* Encrypt the frame at nb_at (NetBIOS header, transform gap, len bytes of
 * message or chain) in place and finish its NetBIOS header. */
static SMB_WUR smb_status encrypt_frame(struct smb_cli *c, size_t nb_at, size_t len)
{
    uint8_t *th = c->out + nb_at + SMB_NB_HDR_LEN;
    smb_status st = smb_crypt_encrypt(c->crypt, c->info.session_id, th, th + SMB2_TRANSFORM_HDR_LEN, len);
    if (st != SMB_OK)
        return fail(c, st, "encrypting a request failed");
    c->info.requests_encrypted++;
    finish_frame(c, nb_at);
    return SMB_OK;
}

smb_status smb_cli_req_finish(struct smb_cli *c, struct smb_cli_req *rq, uint64_t tag, uint64_t *mid)
{
    smb_status st;
    if (!wr_ok(&rq->w))
        return smb_cli_req_abort(c, rq, rq->w.err);
    size_t len = wr_len(&rq->w);
    struct smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = rq->command;
    h.credit_charge = c->info.dialect == SMB_DIALECT_202 ? 0 : rq->charge;
    uint32_t want = c->credits - rq->charge < SMB_CLI_CREDIT_TARGET ? SMB_CLI_CREDIT_TARGET - (c->credits - rq->charge)
                                                                    : 0;
    if (want < rq->charge)
        want = rq->charge;
    h.credit = (uint16_t)(want > 0xFFFF ? 0xFFFF : want);
    h.message_id = c->next_mid;
    h.process_id = 0xFEFF;
    h.tree_id = rq->tree_id;
    h.session_id = c->info.session_id;
    if (rq->related)
        h.flags |= SMB2_FLAGS_RELATED_OPERATIONS;
    smb_wr hw;
    wr_init(&hw, c->out + rq->hdr_at, SMB2_HDR_LEN);
    smb2_hdr_encode(&hw, &h);
    if ((st = pend_add(c, h.message_id, rq->command, tag, h.session_id, c->chain ? c->chain_enc : rq->encrypt)) != SMB_OK)
        return smb_cli_req_abort(c, rq, st);
    if (rq->internal)
        pend_find(c, h.message_id)->internal = true;
    c->next_mid += rq->charge ? rq->charge : 1;
    c->credits -= rq->charge;
    c->out_len += len;
    if (mid)
        *mid = h.message_id;
    if (c->chain) {
        c->chain_last_hdr = rq->hdr_at;
        if (c->chain_n < 32)
            c->chain_elems[c->chain_n++] = rq->hdr_at;
        return SMB_OK;
    }
    if (rq->encrypt) /* MS-SMB2 3.2.4.1.8: encrypted, not signed */
        return encrypt_frame(c, rq->hdr_at - SMB2_TRANSFORM_HDR_LEN - SMB_NB_HDR_LEN, len);
    /* MS-SMB2 3.2.4.1.1: a 3.1.1 TREE_CONNECT is signed even when the session is not */
    bool force = rq->force_sign || (rq->command == SMB2_TREE_CONNECT && c->info.dialect == SMB_DIALECT_311);
    if ((sign_requests(c) || (force && c->sign)) && h.session_id) {
        if (c->defer) {
            /* the decision is taken here; only the MAC waits for the batch */
            if (c->ndefer == SMB_CLI_DEFER_MAX && (st = defer_sign(c)) != SMB_OK)
                return st;
            c->defer_at[c->ndefer] = rq->hdr_at;
            c->defer_len[c->ndefer++] = len;
        } else {
            if ((st = smb2_sign(c->sign, c->out + rq->hdr_at, len)) != SMB_OK)
                return fail(c, st, "signing a request failed");
            c->info.requests_signed++;
        }
    }
    finish_frame(c, rq->hdr_at - SMB_NB_HDR_LEN);
    return SMB_OK;
}

/* Sign the deferred requests in one batch (smbsign/batch.h: interleaved MAC
 * lanes); they stay hidden until smb_cli_sign_defer_end. */
static SMB_WUR smb_status defer_sign(struct smb_cli *c)
{
    struct iovec v[SMB_CLI_DEFER_MAX];
    smb2_batch_msg b[SMB_CLI_DEFER_MAX];
    for (size_t i = 0; i < c->ndefer; i++) {
        v[i] = (struct iovec){c->out + c->defer_at[i], c->defer_len[i]};
        b[i] = (smb2_batch_msg){.ctx = c->sign, .iov = &v[i], .iovcnt = 1};
    }
    smb_status st = smb2_sign_batch(b, c->ndefer);
    if (st != SMB_OK)
        return fail(c, st, "signing a request failed");
    c->info.requests_signed += c->ndefer;
    c->ndefer = 0;
    return SMB_OK;
}

smb_status smb_cli_sign_defer_begin(struct smb_cli *c)
{
    if (c->chain || c->defer)
        return SMB_E_BAD_ARGUMENT;
    c->defer = true;
    c->defer_from = c->out_len;
    c->ndefer = 0;
    return SMB_OK;
}

smb_status smb_cli_sign_defer_end(struct smb_cli *c)
{
    if (!c->defer)
        return SMB_E_BAD_ARGUMENT;
    smb_status st = defer_sign(c);
    if (st != SMB_OK)
        return st; /* the core failed: the unsigned requests stay hidden for good */
    c->defer = false;
    return SMB_OK;
}

smb_status smb_cli_chain_begin(struct smb_cli *c)
{
    smb_status st;
    if (c->chain)
        return SMB_E_BAD_ARGUMENT;
    c->chain_enc = c->info.encrypting || c->n_enc_trees; /* a chain runs on the current tree */
    size_t gap = c->chain_enc ? SMB2_TRANSFORM_HDR_LEN : 0;
    if ((st = out_reserve(c, SMB_NB_HDR_LEN + gap)) != SMB_OK)
        return st;
    c->chain_nb_at = c->out_len;
    smb_wr nb;
    wr_init(&nb, c->out + c->out_len, SMB_NB_HDR_LEN);
    smb_nb_hdr_encode(&nb, SMB_NB_SESSION_MESSAGE, 0);
    c->out_len += SMB_NB_HDR_LEN + gap;
    c->chain = true;
    c->chain_n = 0;
    c->chain_last_hdr = SIZE_MAX;
    return SMB_OK;
}

smb_status smb_cli_chain_end(struct smb_cli *c)
{
    smb_status st;
    if (!c->chain)
        return SMB_E_BAD_ARGUMENT;
    c->chain = false;
    if (c->chain_n == 0) {
        c->out_len = c->chain_nb_at;
        return SMB_OK;
    }
    if (c->chain_enc) { /* the whole chain in one transform (MS-SMB2 3.2.4.1.8) */
        size_t start = c->chain_nb_at + SMB_NB_HDR_LEN + SMB2_TRANSFORM_HDR_LEN;
        return encrypt_frame(c, c->chain_nb_at, c->out_len - start);
    }
    if (sign_requests(c) && c->info.session_id) {
        size_t start = c->chain_nb_at + SMB_NB_HDR_LEN;
        if ((st = smb2_sign_chain(c->sign, c->out + start, c->out_len - start)) != SMB_OK)
            return fail(c, st, "signing a compound request failed");
        c->info.requests_signed += c->chain_n;
    }
    finish_frame(c, c->chain_nb_at);
    return SMB_OK;
}

/* ---------------- NEGOTIATE ---------------- */

static SMB_WUR smb_status queue_raw(struct smb_cli *c, const uint8_t *msg, size_t len)
{
    smb_status st = out_reserve(c, SMB_NB_HDR_LEN + len);
    if (st != SMB_OK)
        return st;
    smb_wr w;
    wr_init(&w, c->out + c->out_len, SMB_NB_HDR_LEN + len);
    smb_nb_hdr_encode(&w, SMB_NB_SESSION_MESSAGE, (uint32_t)len);
    wr_bytes(&w, msg, len);
    c->out_len += SMB_NB_HDR_LEN + len;
    return SMB_OK;
}

/* Build a header + body into buf for the internal (pre-session) messages. */
static void internal_hdr(struct smb_cli *c, smb_wr *w, uint16_t cmd)
{
    struct smb2_hdr h;
    memset(&h, 0, sizeof h);
    h.command = cmd;
    h.credit_charge = c->info.dialect == SMB_DIALECT_202 ? 0 : 1;
    h.credit = cmd == SMB2_NEGOTIATE ? 1 : 64;
    h.message_id = c->next_mid;
    h.process_id = 0xFEFF;
    h.session_id = c->info.session_id;
    smb2_hdr_encode(w, &h);
}

smb_status smb_cli_start(struct smb_cli *c)
{
    uint8_t buf[1024];
    smb_wr w;
    smb_status st;
    if (c->state != SMB_CLI_IDLE)
        return SMB_E_BAD_ARGUMENT;
    if (c->krb_failed)
        return fail(c, SMB_E_LOGON_FAILURE, c->krb_why);
    struct smb2_negotiate_req q;
    memset(&q, 0, sizeof q);
    q.dialect_count = c->ndialects;
    memcpy(q.dialects, c->dialects, c->ndialects * sizeof q.dialects[0]);
    /* MS-SMB2 3.2.4.2.2.2: SIGNING_ENABLED, plus REQUIRED when this client requires */
    q.security_mode = smb_policy_smb2_secmode(c->cfg.signing);
    q.capabilities = SMB2_GLOBAL_CAP_LARGE_MTU;
    /* MS-SMB2 3.2.4.2.2.2: CAP_ENCRYPTION for 3.0/3.0.2 (3.1.1 uses the context) */
    if (!c->cfg.no_encrypt && (offered(c, SMB_DIALECT_300) || offered(c, SMB_DIALECT_302)))
        q.capabilities |= SMB2_GLOBAL_CAP_ENCRYPTION;
    memcpy(q.client_guid, c->client_guid, 16);
    q.ctx.has_preauth = true;
    q.ctx.preauth.hash_alg_count = 1;
    q.ctx.preauth.hash_algs[0] = SMB2_PREAUTH_HASH_SHA512;
    q.ctx.preauth.salt_len = 32;
    if ((st = smb_random(q.ctx.preauth.salt, 32)) != SMB_OK)
        return st;
    /* preference order GCM before CCM (faster), 128 before 256 (as Windows);
     * cfg.cipher limits the offer to one (tests, benchmarks); a client with
     * encryption off offers none, so a server that merely desires encryption
     * stays in clear and one that requires it refuses at SESSION_SETUP */
    q.ctx.has_encryption = !c->cfg.no_encrypt;
    if (c->cfg.cipher) {
        q.ctx.encryption.cipher_count = 1;
        q.ctx.encryption.ciphers[0] = c->cfg.cipher;
    } else {
        q.ctx.encryption.cipher_count = 4;
        q.ctx.encryption.ciphers[0] = SMB2_CIPHER_AES_128_GCM;
        q.ctx.encryption.ciphers[1] = SMB2_CIPHER_AES_128_CCM;
        q.ctx.encryption.ciphers[2] = SMB2_CIPHER_AES_256_GCM;
        q.ctx.encryption.ciphers[3] = SMB2_CIPHER_AES_256_CCM;
    }
    q.ctx.has_signing = true;
    q.ctx.signing.alg_count = 3; /* preference order: GMAC, CMAC, HMAC */
    q.ctx.signing.algs[0] = SMB2_SIGNING_AES_GMAC;
    q.ctx.signing.algs[1] = SMB2_SIGNING_AES_CMAC;
    q.ctx.signing.algs[2] = SMB2_SIGNING_HMAC_SHA256;
    c->req_security_mode = q.security_mode;
    c->req_capabilities = q.capabilities;
    wr_init(&w, buf, sizeof buf);
    internal_hdr(c, &w, SMB2_NEGOTIATE);
    if ((st = smb2_negotiate_req_encode(&w, 0, &q)) != SMB_OK)
        return st;
    if (!wr_ok(&w))
        return w.err;
    smb_preauth_init(&c->conn_preauth);
    smb_preauth_update(&c->conn_preauth, buf, wr_len(&w));
    if ((st = pend_add(c, c->next_mid, SMB2_NEGOTIATE, 0, 0, false)) != SMB_OK)
        return st;
    c->next_mid++;
    c->credits--;
    c->state = SMB_CLI_NEGOTIATE;
    return queue_raw(c, buf, wr_len(&w));
}

static SMB_WUR smb_status send_session_setup(struct smb_cli *c, const uint8_t *token, size_t tlen)
{
    uint8_t buf[SMB2_HDR_LEN + 32 + SS_MAX_TOKEN];
    smb_wr w;
    smb_status st;
    struct smb2_session_setup_req q;
    memset(&q, 0, sizeof q);
    q.security_mode = (uint8_t)c->dec.smb2_security_mode;
    q.security = (struct smb2_buf){token, tlen};
    wr_init(&w, buf, sizeof buf);
    internal_hdr(c, &w, SMB2_SESSION_SETUP);
    smb2_session_setup_req_encode(&w, &q);
    if (!wr_ok(&w))
        return w.err;
    if (c->info.dialect == SMB_DIALECT_311)
        smb_preauth_update(&c->sess_preauth, buf, wr_len(&w));
    if (c->credits < 1)
        return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "server granted no credits");
    if ((st = pend_add(c, c->next_mid, SMB2_SESSION_SETUP, 0, c->info.session_id, false)) != SMB_OK)
        return st;
    c->next_mid++;
    c->credits--;
    return queue_raw(c, buf, wr_len(&w));
}

static bool offered(const struct smb_cli *c, uint16_t d)
{
    for (unsigned i = 0; i < c->ndialects; i++)
        if (c->dialects[i] == d)
            return true;
    return false;
}

static SMB_WUR smb_status on_negotiate(struct smb_cli *c, const struct smb_cli_event *e)
{
    struct smb2_negotiate_rsp r;
    smb_status st;
    if (e->status != SMB_OK)
        return fail(c, e->status, "NEGOTIATE refused by the server");
    smb_rd rd;
    rd_init(&rd, e->msg, e->len);
    rd_seek(&rd, SMB2_HDR_LEN);
    if ((st = smb2_negotiate_rsp_decode(&rd, &r)) != SMB_OK)
        return fail(c, st, "malformed NEGOTIATE response");
    if (!offered(c, r.dialect))
        return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "server chose a dialect this client did not offer");
    c->info.dialect = (smb_dialect)r.dialect;
    c->info.server_security_mode = r.security_mode;
    c->info.server_capabilities = r.capabilities;
    memcpy(c->info.server_guid, r.server_guid, 16);
    c->info.max_read = r.max_read_size;
    c->info.max_write = r.max_write_size;
    c->info.max_transact = r.max_transact_size;
    if (r.dialect == SMB_DIALECT_202) {
        /* 2.0.2 has no large MTU */
        if (c->info.max_read > 65536)
            c->info.max_read = 65536;
        if (c->info.max_write > 65536)
            c->info.max_write = 65536;
    }
    if (r.dialect == SMB_DIALECT_311) {
        if (!r.ctx.has_preauth || r.ctx.preauth.hash_algs[0] != SMB2_PREAUTH_HASH_SHA512)
            return fail(c, SMB_E_NO_PREAUTH_INTEGRITY_HASH_OVERLAP, "no SHA-512 preauth integrity");
        c->info.preauth = true;
        c->alg = SMB_ALG_AES_CMAC; /* MS-SMB2 3.2.5.2: without the signing context */
        if (r.ctx.has_signing) {
            uint16_t a = r.ctx.signing.algs[0];
            if (a != SMB2_SIGNING_AES_GMAC && a != SMB2_SIGNING_AES_CMAC && a != SMB2_SIGNING_HMAC_SHA256)
                return fail(c, SMB_E_NO_SIGNING_ALGORITHM_OVERLAP, "server chose a signing algorithm not offered");
            c->alg = (smb_sign_alg)a;
        }
        if (r.ctx.has_encryption) {
            uint16_t ci = r.ctx.encryption.ciphers[0];
            if (ci != SMB2_CIPHER_NONE && (!smb_cipher_valid(SMB_DIALECT_311, (smb_cipher)ci) ||
                                           (c->cfg.cipher && ci != c->cfg.cipher)))
                return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "server chose a cipher this client did not offer");
            c->info.cipher = ci;
        }
        smb_preauth_update(&c->conn_preauth, e->msg, e->len);
    } else {
        c->alg = smb_sign_default_alg((smb_dialect)r.dialect);
        /* 3.0/3.0.2: AES-128-CCM when both sides have CAP_ENCRYPTION */
        if ((r.dialect == SMB_DIALECT_300 || r.dialect == SMB_DIALECT_302) &&
            (r.capabilities & SMB2_GLOBAL_CAP_ENCRYPTION) && (c->req_capabilities & SMB2_GLOBAL_CAP_ENCRYPTION) &&
            (!c->cfg.cipher || c->cfg.cipher == SMB2_CIPHER_AES_128_CCM))
            c->info.cipher = SMB2_CIPHER_AES_128_CCM;
    }
    /* The signing decision comes from the policy engine (MS-SMB2 3.2.5.2). */
    smb_side me = {c->cfg.signing, SMB_ERA_CURRENT};
    if ((st = smb_policy_client_decide(SMB_PROTO_SMB2, me, r.security_mode, &c->dec)) != SMB_OK)
        return fail(c, st, "policy engine refused the server's SecurityMode");
    if (c->dec.hang_up)
        return fail(c, c->dec.error ? c->dec.error : SMB_E_ACCESS_DENIED, "policy: hang up after NEGOTIATE");
    c->info.client_security_mode = c->dec.smb2_security_mode;
    if (c->anonymous && c->dec.sign)
        return fail(c, SMB_E_ACCESS_DENIED,
                    "signing is required but an anonymous session has no key to sign with");

    /* first SESSION_SETUP leg: SPNEGO NegTokenInit(mechanism's first token, e.g. NTLMSSP NEGOTIATE) */
    uint8_t first[SMB_AUTH_TOKEN_MAX], tok[SS_MAX_TOKEN];
    size_t nl, tl, mlo, mll;
    struct spnego_buf mechs[2] = {{c->auth.mech->oid, c->auth.mech->oid_len}, {NULL, 0}};
    size_t nmechs = 1;
    if (c->cfg.krb5_second && c->info.kerberos && c->fallback.mech) {
        /* [NTLMSSP, Kerberos] with NTLMSSP's optimistic token; the
         * Kerberos context starts when the server picks it */
        mechs[0] = (struct spnego_buf){c->fallback.mech->oid, c->fallback.mech->oid_len};
        mechs[1] = (struct spnego_buf){c->auth.mech->oid, c->auth.mech->oid_len};
        nmechs = 2;
        c->krb5_offered_second = true;
        st = smb_auth_step(&c->fallback, NULL, 0, first, sizeof first, &nl);
        if (st != SMB_E_MORE_PROCESSING_REQUIRED)
            return fail(c, st == SMB_OK ? SMB_E_INTERNAL_ERROR : st,
                        c->fallback.why[0] ? c->fallback.why : "building the NTLMSSP NEGOTIATE");
        goto encode;
    }
    st = smb_auth_step(&c->auth, NULL, 0, first, sizeof first, &nl);
    if (st != SMB_E_MORE_PROCESSING_REQUIRED && c->info.kerberos && fall_back_to_ntlm(c)) {
        mechs[0] = (struct spnego_buf){c->auth.mech->oid, c->auth.mech->oid_len};
        st = smb_auth_step(&c->auth, NULL, 0, first, sizeof first, &nl);
    }
    smb_auth_wipe(&c->fallback);
    if (st != SMB_E_MORE_PROCESSING_REQUIRED)
        return fail(c, st == SMB_OK ? SMB_E_INTERNAL_ERROR : st,
                    c->auth.why[0] ? c->auth.why : "building the first authentication token (NTLMSSP NEGOTIATE)");
encode:
    if ((st = spnego_init_encode_mechs(mechs, nmechs, first, nl, tok, sizeof tok, &tl, &mlo, &mll)) != SMB_OK)
        return fail(c, st, "building SPNEGO NegTokenInit");
    if (mll > sizeof c->mech_list)
        return fail(c, SMB_E_INTERNAL_ERROR, "mech list too long");
    memcpy(c->mech_list, tok + mlo, mll);
    c->mech_list_len = mll;
    c->sess_preauth = c->conn_preauth;
    c->state = SMB_CLI_SESSION_SETUP;
    c->ss_leg = 1;
    return send_session_setup(c, tok, tl);
}

/* The mechanism's key once it has one: Session.SessionKey is its first 16
 * bytes, zero-padded (MS-SMB2 3.2.5.3.1); the whole key stays for the
 * AES-256 cipher keys. */
static void keep_session_key(struct smb_cli *c)
{
    uint8_t key[SMB_AUTH_KEY_MAX];
    size_t kl = 0;
    if (smb_auth_session_key(&c->auth, key, sizeof key, &kl) == SMB_OK && kl && kl <= sizeof c->full_key) {
        memset(c->session_key, 0, sizeof c->session_key);
        memcpy(c->session_key, key, kl < sizeof c->session_key ? kl : sizeof c->session_key);
        memcpy(c->full_key, key, kl);
        c->full_key_len = kl;
        c->have_key = true;
    }
    smb_wipe(key, sizeof key);
}

/* Kerberos: the final response carries the AP-REP; it completes mutual
 * authentication and gives the session key (NTLMSSP completed a leg before). */
static SMB_WUR smb_status finish_mech(struct smb_cli *c, const struct spnego_resp *sr)
{
    if (!c->auth.mech || c->auth.done)
        return SMB_OK;
    uint8_t t[SMB_AUTH_TOKEN_MAX];
    size_t tl = 0;
    if (!sr->response_token.len)
        return fail(c, SMB_E_INVALID_NETWORK_RESPONSE,
                    "the server completed the logon without an AP-REP (no Kerberos mutual authentication)");
    smb_status st = smb_auth_step(&c->auth, sr->response_token.p, sr->response_token.len, t, sizeof t, &tl);
    if (st != SMB_OK || tl)
        return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, c->auth.why[0] ? c->auth.why : "bad AP-REP from the server");
    keep_session_key(c);
    return SMB_OK;
}

/* MS-SMB2 3.2.5.3.1: Session.EncryptData from SMB2_SESSION_FLAG_ENCRYPT_DATA
 * and this client's own demand; the keys come from the same session key. */
static SMB_WUR smb_status decide_encryption(struct smb_cli *c, const struct smb2_session_setup_resp *r, bool keyless)
{
    bool server_wants = (r->session_flags & SMB2_SESSION_FLAG_ENCRYPT_DATA) != 0;
    if (server_wants && c->cfg.no_encrypt)
        return fail(c, SMB_E_ACCESS_DENIED,
                    "the server requires encryption for this session (SMB2_SESSION_FLAG_ENCRYPT_DATA); "
                    "encryption is off in this client (--encrypt=off)");
    if (c->cfg.no_encrypt)
        return SMB_OK;
    /* the session encrypts when the server or this client asks; otherwise
     * the keys stay ready for a share that asks (Share.EncryptData) */
    bool want = server_wants || c->cfg.encrypt != SMB_ENCRYPTION_NONE;
    const char *why = NULL;
    if (c->info.dialect < SMB_DIALECT_300)
        why = "encryption needs SMB 3.0 or later and the server chose an older dialect";
    else if (c->info.cipher == SMB2_CIPHER_NONE)
        why = "the server offers no cipher this client has (no CAP_ENCRYPTION / ENCRYPTION_CAPABILITIES)";
    else if (keyless)
        why = "a guest or anonymous session has no key to encrypt with";
    if (why) {
        if (server_wants || c->cfg.encrypt == SMB_ENCRYPTION_REQUIRED)
            return fail(c, SMB_E_ACCESS_DENIED, why);
        return SMB_OK; /* desired or not asked for: go on in clear */
    }
    smb_crypt_ctx_free(c->crypt);
    c->crypt = NULL;
    /* AES-256 keys come from the whole key, AES-128 ones from the first 16 bytes */
    bool full = smb_cipher_key_len((smb_cipher)c->info.cipher) == 32;
    smb_status st = smb_crypt_ctx_new_session(&c->crypt, c->info.dialect, (smb_cipher)c->info.cipher, false,
                                              full ? c->full_key : c->session_key, full ? c->full_key_len : 16,
                                              c->info.dialect == SMB_DIALECT_311 ? c->sess_preauth.hash : NULL);
    if (st != SMB_OK)
        return fail(c, st, "deriving the encryption keys");
    c->session_encrypts = want;
    return SMB_OK;
}

/* The first response after a NegTokenInit of [NTLMSSP, Kerberos]: the
 * server named the mechanism it took. NTLMSSP (our first choice) goes on
 * with its CHALLENGE; Kerberos starts now (its AP-REQ in a NegTokenResp),
 * and the exchange then needs the mechListMIC both ways (RFC 4178 5). */
static SMB_WUR smb_status pick_offered_mech(struct smb_cli *c, const struct spnego_resp *sr)
{
    c->krb5_offered_second = false;
    const struct smb_auth_mech *ntlm = c->fallback.mech, *krb = c->auth.mech;
    if (ntlm && sr->supported_mech.len == ntlm->oid_len &&
        memcmp(sr->supported_mech.p, ntlm->oid, ntlm->oid_len) == 0) {
        if (!fall_back_to_ntlm(c))
            return fail(c, SMB_E_INTERNAL_ERROR, "NTLMSSP context lost");
        return SMB_E_MORE_PROCESSING_REQUIRED; /* the caller goes on with the CHALLENGE */
    }
    smb_auth_wipe(&c->fallback);
    if (!sr->supported_mech.len || sr->supported_mech.len != krb->oid_len ||
        memcmp(sr->supported_mech.p, krb->oid, krb->oid_len) != 0)
        return fail(c, SMB_E_NOT_SUPPORTED, "server selected an authentication mechanism this client did not offer");
    if (sr->response_token.len)
        return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "a token for Kerberos before our AP-REQ");
    c->mic_required = true;
    uint8_t ap[SMB_AUTH_TOKEN_MAX], tok[SS_MAX_TOKEN];
    size_t al = 0, tl = 0;
    smb_status st = smb_auth_step(&c->auth, NULL, 0, ap, sizeof ap, &al);
    if (st != SMB_E_MORE_PROCESSING_REQUIRED)
        return fail(c, st == SMB_OK ? SMB_E_INTERNAL_ERROR : st,
                    c->auth.why[0] ? c->auth.why : "building the Kerberos AP-REQ");
    st = spnego_resp_encode(SPNEGO_STATE_ABSENT, false, ap, al, NULL, 0, tok, sizeof tok, &tl);
    smb_wipe(ap, sizeof ap);
    if (st != SMB_OK)
        return fail(c, st, "building SPNEGO NegTokenResp");
    return send_session_setup(c, tok, tl); /* still leg 1: the AP-REP comes next */
}

static SMB_WUR smb_status on_session_setup(struct smb_cli *c, const struct smb_cli_event *e)
{
    smb_status st;
    struct smb2_session_setup_resp r;
    struct spnego_resp sr;
    smb_rd rd;
    if (e->status != SMB_OK && e->status != SMB_E_MORE_PROCESSING_REQUIRED)
        return fail(c, e->status,
                    e->status == SMB_E_ACCESS_DENIED && c->cfg.encrypt == SMB_ENCRYPTION_NONE
                        ? "SESSION_SETUP refused by the server (a server that requires encryption refuses "
                          "clients that do not ask for it: try -e/--encrypt)"
                        : "SESSION_SETUP refused by the server");
    rd_init(&rd, e->msg, e->len);
    rd_seek(&rd, SMB2_HDR_LEN);
    if ((st = smb2_session_setup_resp_decode(&rd, &r)) != SMB_OK)
        return fail(c, st, "malformed SESSION_SETUP response");
    memset(&sr, 0, sizeof sr);
    sr.neg_state = SPNEGO_STATE_ABSENT;
    if (r.security.len && (st = spnego_resp_decode(r.security.p, r.security.len, &sr)) != SMB_OK)
        return fail(c, st, "malformed SPNEGO NegTokenResp");
    if (sr.neg_state == SPNEGO_REJECT)
        return fail(c, SMB_E_LOGON_FAILURE, "SPNEGO rejected");

    if (e->status == SMB_E_MORE_PROCESSING_REQUIRED) {
        if (c->ss_leg != 1)
            return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "unexpected extra SESSION_SETUP leg");
        if (c->info.dialect == SMB_DIALECT_311)
            smb_preauth_update(&c->sess_preauth, e->msg, e->len);
        c->info.session_id = e->hdr.session_id;
        if (!c->auth.mech)
            return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "unexpected extra SESSION_SETUP leg");
        if (c->krb5_offered_second && (st = pick_offered_mech(c, &sr)) != SMB_E_MORE_PROCESSING_REQUIRED)
            return st;
        if (sr.supported_mech.len && (sr.supported_mech.len != c->auth.mech->oid_len ||
                                      memcmp(sr.supported_mech.p, c->auth.mech->oid, sr.supported_mech.len) != 0))
            return fail(c, SMB_E_NOT_SUPPORTED, "server selected an authentication mechanism this client did not offer");
        uint8_t auth[SMB_AUTH_TOKEN_MAX], tok[SS_MAX_TOKEN], mic[SMB_AUTH_MIC_MAX];
        size_t al, tl, ml = 0;
        st = smb_auth_step(&c->auth, sr.response_token.p, sr.response_token.len, auth, sizeof auth, &al);
        if (st != SMB_OK)
            return fail(c, st == SMB_E_OVERFLOW ? st : SMB_E_INVALID_NETWORK_RESPONSE,
                        c->auth.why[0] ? c->auth.why : "bad authentication token from the server (NTLMSSP CHALLENGE)");
        /* Kerberos completes here when the server asks for our mechListMIC
         * (RFC 4178 5): its own MIC came with the AP-REP and must verify */
        if (sr.mech_list_mic.len) {
            if (smb_auth_mic_verify(&c->auth, c->mech_list, c->mech_list_len, sr.mech_list_mic.p,
                                    sr.mech_list_mic.len) != SMB_OK)
                return fail(c, SMB_E_ACCESS_DENIED, "server's SPNEGO mechListMIC does not verify");
            c->server_mic_checked = true;
        }
        if (c->mic_required && !c->server_mic_checked && c->auth.done)
            return fail(c, SMB_E_ACCESS_DENIED,
                        "server omitted the SPNEGO mechListMIC (Kerberos was not our first choice, RFC 4178 5)");
        if ((smb_auth_mic_wanted(&c->auth) || c->mic_required || sr.mech_list_mic.len ||
             sr.neg_state == SPNEGO_REQUEST_MIC) &&
            (st = smb_auth_mic_make(&c->auth, c->mech_list, c->mech_list_len, mic, sizeof mic, &ml)) != SMB_OK)
            return fail(c, st, "computing the SPNEGO mechListMIC");
        st = spnego_resp_encode(SPNEGO_STATE_ABSENT, false, al ? auth : NULL, al, ml ? mic : NULL, ml, tok,
                                sizeof tok, &tl);
        smb_wipe(auth, sizeof auth);
        if (st != SMB_OK)
            return fail(c, st, "building SPNEGO NegTokenResp");
        keep_session_key(c);
        c->ss_leg = 2;
        return send_session_setup(c, tok, tl);
    }

    /* Final response (STATUS_SUCCESS). */
    if (c->info.session_id && e->hdr.session_id != c->info.session_id)
        return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "SessionId changed in the final SESSION_SETUP response");
    if ((st = finish_mech(c, &sr)) != SMB_OK)
        return st;
    c->info.session_id = e->hdr.session_id;
    c->info.session_flags = r.session_flags;
    c->info.guest = (r.session_flags & SMB2_SESSION_FLAG_IS_GUEST) != 0;
    c->info.anonymous = (r.session_flags & SMB2_SESSION_FLAG_IS_NULL) != 0 || c->anonymous;
    /* SessionFlags are not covered by any check yet: a man in the middle can set
     * IS_GUEST to make a credentialed session keyless and unsigned (the
     * CVE-2016-2119 class). A credentialed logon turned into a guest session is
     * therefore refused unless the user allowed guest fallback. */
    if (c->info.guest && c->have_key && !c->anonymous && !c->cfg.allow_guest_fallback)
        return fail(c, SMB_E_ACCESS_DENIED,
                    "the server turned this logon into a guest session (unsigned, unauthenticated); refused "
                    "(insecure guest fallback - allow it with --allow-guest when signing is not required)");
    bool keyless = c->info.guest || c->info.anonymous || !c->have_key;
    if (keyless && c->dec.sign)
        return fail(c, SMB_E_ACCESS_DENIED,
                    c->info.guest ? "signing is required but the server made this a guest session (no signing key)"
                                  : "signing is required but the session is anonymous (no signing key)");
    if (!keyless) {
        smb_sign_ctx_free(c->sign);
        c->sign = NULL;
        st = smb_sign_ctx_new_session(&c->sign, c->info.dialect, c->alg, c->session_key, 16,
                                      c->info.dialect == SMB_DIALECT_311 ? c->sess_preauth.hash : NULL);
        if (st != SMB_OK)
            return fail(c, st, "deriving the signing key");
        /* MS-SMB2 3.2.5.3.1: the final response of a 3.x session is signed and
         * must verify; for 2.x it must when the session signs. */
        bool must = c->info.dialect >= SMB_DIALECT_300 || c->dec.must_verify;
        smb_verify_result vr;
        if ((st = smb2_verify(c->sign, e->msg, e->len, must, &vr, NULL, NULL)) != SMB_OK)
            return fail(c, st, "verifying the final SESSION_SETUP response");
        if (vr == SMB_VERIFY_BAD_SIGNATURE)
            return fail(c, SMB_E_INVALID_SIGNATURE, "final SESSION_SETUP response has a bad signature");
        if (vr == SMB_VERIFY_UNSIGNED_BUT_REQUIRED)
            return fail(c, SMB_E_ACCESS_DENIED, "final SESSION_SETUP response is not signed");
        /* the server's mechListMIC (MS-SPNG 3.2.5.1): required when the
         * mechanism wants one, checked whenever the server sent one */
        if (!c->server_mic_checked && (smb_auth_mic_wanted(&c->auth) || c->mic_required || sr.mech_list_mic.len)) {
            if (sr.mech_list_mic.len == 0)
                return fail(c, SMB_E_ACCESS_DENIED, "server omitted the SPNEGO mechListMIC");
            if (smb_auth_mic_verify(&c->auth, c->mech_list, c->mech_list_len, sr.mech_list_mic.p,
                                    sr.mech_list_mic.len) != SMB_OK)
                return fail(c, SMB_E_ACCESS_DENIED, "server's SPNEGO mechListMIC does not verify");
        }
        c->info.signing = c->dec.sign;
        if (vr == SMB_VERIFY_VALID)
            c->info.responses_verified++;
    } else {
        /* no key: a signed final response cannot be checked - refuse it as a lie */
        if (e->hdr.flags & SMB2_FLAGS_SIGNED)
            return fail(c, SMB_E_INVALID_SIGNATURE, "signed response on a session without a key");
        c->info.signing = false;
    }
    /* after the final response verified: its SessionFlags are authentic */
    if ((st = decide_encryption(c, &r, keyless)) != SMB_OK)
        return st;
    c->info.alg = c->info.signing ? c->alg : SMB_ALG_NONE;
    c->info.encrypting = c->crypt != NULL && c->session_encrypts; /* from the next message on */
    smb_auth_wipe(&c->auth);
    c->state = SMB_CLI_READY;
    return SMB_OK;
}

/* ---------------- input ---------------- */

/* Hand out the frame last returned by poll: the unconsumed input starts
 * after it. Nothing moves; an empty input starts over at offset 0. */
static void in_advance(struct smb_cli *c)
{
    c->in_head += c->in_consumed;
    c->in_consumed = 0;
    if (c->in_head == c->in_len) {
        c->in_head = c->in_len = 0;
        c->vb_n = 0;
    }
}

static uint32_t nb_len_at(const struct smb_cli *c, size_t at)
{
    return ((uint32_t)c->in[at + 1] << 16) | ((uint32_t)c->in[at + 2] << 8) | c->in[at + 3];
}

/* Offset of the first frame at or after `at` that is not complete in the
 * input (in_len when every buffered frame is complete); *n (may be NULL)
 * counts the complete ones. */
static size_t in_walk(const struct smb_cli *c, size_t at, size_t *n)
{
    size_t k = 0;
    while (c->in_len - at >= SMB_NB_HDR_LEN) {
        uint32_t flen = nb_len_at(c, at);
        if (flen > SMB_CLI_MAX_PDU || c->in_len - at - SMB_NB_HDR_LEN < flen)
            break;
        at += SMB_NB_HDR_LEN + (size_t)flen;
        k++;
    }
    if (n)
        *n = k;
    return at;
}

static size_t in_tail(const struct smb_cli *c) { return in_walk(c, c->in_head, NULL); }

/* Move the unconsumed input to the front of the buffer (a batch's frame
 * addresses no longer hold: it is dropped). */
static void in_compact(struct smb_cli *c)
{
    if (!c->in_head)
        return;
    memmove(c->in, c->in + c->in_head, c->in_len - c->in_head);
    c->in_len -= c->in_head;
    c->in_head = 0;
    c->vb_n = 0;
}

static SMB_WUR smb_status in_realloc(struct smb_cli *c, size_t cap)
{
    uint8_t *n = realloc(c->in, cap);
    if (!n)
        return SMB_E_NOMEM;
    c->in = n;
    c->in_cap = cap;
    c->vb_n = 0;
    return SMB_OK;
}

smb_status smb_cli_in_buf(struct smb_cli *c, uint8_t **p, size_t *room)
{
    in_advance(c); /* drop the frame last returned by poll */
    /* While a frame's length is known, offer exactly the rest of that frame,
     * so large READ responses land in place and never need moving. */
    size_t need = IN_EXTRA, limit = SIZE_MAX;
    size_t tail = in_tail(c);
    if (c->in_len - tail >= SMB_NB_HDR_LEN) {
        uint32_t flen = nb_len_at(c, tail);
        if (flen <= SMB_CLI_MAX_PDU) {
            need = tail + SMB_NB_HDR_LEN + (size_t)flen - c->in_len;
            limit = need;
        }
    } else if (tail > c->in_head) {
        /* complete frames wait for poll (smb_cli_in_drain_ok): read the
         * next frame's start only, its length then bounds the rest */
        limit = IN_EXTRA;
    }
    if (c->in_cap - c->in_len < need)
        in_compact(c); /* room runs out: only a frame still arriving is here */
    if (c->in_cap - c->in_len < need) {
        size_t cap = c->in_cap;
        while (cap - c->in_len < need)
            cap *= 2;
        if (in_realloc(c, cap) != SMB_OK)
            return SMB_E_NOMEM;
    }
    *p = c->in + c->in_len;
    *room = c->in_cap - c->in_len < limit ? c->in_cap - c->in_len : limit;
    return SMB_OK;
}

smb_status smb_cli_in_batch(struct smb_cli *c, size_t frame_max)
{
    if (frame_max > (size_t)SMB_CLI_MAX_PDU + SMB_NB_HDR_LEN)
        frame_max = (size_t)SMB_CLI_MAX_PDU + SMB_NB_HDR_LEN;
    size_t want = (SMB_CLI_VBATCH_MAX + 1) * frame_max;
    if (frame_max && want > c->in_cap) {
        in_compact(c); /* what is buffered moves once, here */
        if (in_realloc(c, want) != SMB_OK)
            return SMB_E_NOMEM;
    }
    c->in_frame_max = frame_max;
    return SMB_OK;
}

bool smb_cli_in_drain_ok(const struct smb_cli *c)
{
    if (!c->in_frame_max || smb_cli_in_frames(c) >= SMB_CLI_VBATCH_MAX)
        return false;
    size_t tail = in_tail(c);
    if (c->in_len - tail >= SMB_NB_HDR_LEN) /* a frame is arriving: its rest must fit */
        return c->in_cap - c->in_len >= tail + SMB_NB_HDR_LEN + (size_t)nb_len_at(c, tail) - c->in_len;
    return c->in_cap - c->in_len >= c->in_frame_max + IN_EXTRA; /* a whole new frame fits */
}

size_t smb_cli_in_frames(const struct smb_cli *c)
{
    size_t n;
    (void)in_walk(c, c->in_head + c->in_consumed, &n);
    return n;
}

void smb_cli_in_commit(struct smb_cli *c, size_t n) { c->in_len += n; }

static void add_credits(struct smb_cli *c, uint16_t grant)
{
    c->credits += grant;
    if (c->credits > SMB_CLI_MAX_CREDITS)
        c->credits = SMB_CLI_MAX_CREDITS;
}

/* Batch verification of READ responses (issue 16). Before the first frame
 * of a run is handled, the complete frames buffered from it on that are
 * lone (NextCommand 0), plain (no transform) SMB2 READ responses of a
 * signing session in READY state are verified in one smb2_verify_batch
 * (interleaved lanes). verify_elem then takes its frame's result (same
 * frame address and length, same context, same must_sign, once); anything
 * else is verified on its own. Only READ responses are taken: they change
 * no key, so the state the batch used is the state each frame meets. The
 * checks around the MAC (SessionId, encryption, pending request) stay in
 * verify_elem and poll. */
static void vbatch_collect(struct smb_cli *c)
{
    c->vb_n = 0;
    if (c->state != SMB_CLI_READY || !c->sign || c->info.encrypting)
        return;
    size_t at = c->in_head;
    while (c->vb_n < SMB_CLI_VBATCH_MAX && c->in_len - at >= SMB_NB_HDR_LEN) {
        uint32_t flen = nb_len_at(c, at);
        if (c->in[at] != SMB_NB_SESSION_MESSAGE || flen > SMB_CLI_MAX_PDU || c->in_len - at - SMB_NB_HDR_LEN < flen)
            break;
        const uint8_t *m = c->in + at + SMB_NB_HDR_LEN;
        if (flen < SMB2_HDR_LEN || memcmp(m, SMB2_MAGIC, 4) != 0 || le16(m + 12) != SMB2_READ ||
            le32(m + 20) != 0 /* NextCommand */)
            break;
        size_t k = c->vb_n++;
        c->vb_v[k] = (struct iovec){(void *)(uintptr_t)m, flen};
        c->vb_m[k] = (smb2_batch_msg){.ctx = c->sign, .iov = &c->vb_v[k], .iovcnt = 1, .must_sign = c->info.signing};
        c->vb_used[k] = false;
        at += SMB_NB_HDR_LEN + (size_t)flen;
    }
    if (c->vb_n < 2) { /* one frame: the one-message path is as fast */
        c->vb_n = 0;
        return;
    }
    /* each element keeps its own outcome; the overall status repeats the
     * first failing element's, which verify_elem reports for that frame */
    smb_status first = smb2_verify_batch(c->vb_m, c->vb_n);
    (void)first;
}

/* The batch's outcome for this frame: SMB_OK with *vr, the element's error
 * status, or SMB_E_NOT_FOUND when the frame was not in the batch. */
static SMB_WUR smb_status vbatch_take(struct smb_cli *c, const uint8_t *msg, size_t len, bool must,
                                      smb_verify_result *vr)
{
    for (size_t k = 0; k < c->vb_n; k++) {
        if (c->vb_used[k] || c->vb_v[k].iov_base != (const void *)msg || c->vb_v[k].iov_len != len ||
            c->vb_m[k].ctx != c->sign || c->vb_m[k].must_sign != must)
            continue;
        c->vb_used[k] = true;
        *vr = c->vb_m[k].result;
        if (c->vb_m[k].status == SMB_OK && *vr == SMB_VERIFY_VALID)
            c->info.responses_batch_verified++;
        return c->vb_m[k].status;
    }
    return SMB_E_NOT_FOUND;
}

#ifdef SMBSIGN_FUZZING
/* Fuzzing hook (fuzz_smb_cli_read_batch): a READY signing session at 3.0
 * (AES-CMAC) with a fixed public test key and credits to spare, so that the
 * batch verification of READ responses (and the lease break handling) is
 * reached without a handshake. */
smb_status smb_cli_fuzz_ready(struct smb_cli *c)
{
    static const uint8_t key[16] = {0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x6b, 0x65, 0x79,
                                    0x2d, 0x6e, 0x6f, 0x74, 0x2d, 0x61, 0x2d, 0x6b};
    smb_sign_ctx_free(c->sign);
    c->sign = NULL;
    smb_status st = smb_sign_ctx_new_session(&c->sign, SMB_DIALECT_300, SMB_ALG_AES_CMAC, key, 16, NULL);
    if (st != SMB_OK)
        return st;
    c->state = SMB_CLI_READY;
    c->info.dialect = SMB_DIALECT_300;
    c->info.signing = true;
    c->info.session_id = 1;
    c->credits = 64;
    /* and an RWH lease (key 16 x 'L', tree 1), so that lease break
     * notifications reach the acknowledgement path (fuzz seeds lease-*) */
    c->info.server_capabilities |= SMB2_GLOBAL_CAP_LEASING;
    c->leases[0].used = true;
    memset(c->leases[0].key, 'L', 16);
    c->leases[0].tree_id = 1;
    c->leases[0].state = SMB2_LEASE_READ_CACHING | SMB2_LEASE_HANDLE_CACHING | SMB2_LEASE_WRITE_CACHING;
    return SMB_OK;
}
#endif

/* Verify one response element against session state (never its own flag). */
static SMB_WUR smb_status verify_elem(struct smb_cli *c, const uint8_t *msg, size_t len, const struct smb2_hdr *h,
                              const struct pending *p, bool encrypted)
{
    /* A response to a request sent on a session carries that SessionId:
     * zeroing it must not move the message out of signing. */
    if (p && p->session_id && h->session_id != p->session_id)
        return fail(c, SMB_E_ACCESS_DENIED, "response SessionId does not match the request");
    if (encrypted) {
        /* MS-SMB2 3.2.5.1.1.1: the transform authenticated it; its
         * elements must belong to the session that decrypted it */
        if (h->session_id != c->info.session_id)
            return fail(c, SMB_E_ACCESS_DENIED, "encrypted response names another session");
        return SMB_OK;
    }
    /* an encrypting session, or a request that went out encrypted, takes no
     * response in clear (a man in the middle stripping the transform) */
    if (c->info.encrypting || (p && p->encrypted))
        return fail(c, SMB_E_ACCESS_DENIED, "unencrypted response on an encrypted session");
    if (h->command == SMB2_NEGOTIATE || (h->command == SMB2_SESSION_SETUP && c->state == SMB_CLI_SESSION_SETUP))
        return SMB_OK; /* handled by the session setup logic */
    bool must = c->info.signing;
    smb_verify_result vr;
    smb_status st = vbatch_take(c, msg, len, must, &vr);
    if (st == SMB_E_NOT_FOUND)
        st = smb2_verify(c->sign, msg, len, must, &vr, NULL, NULL);
    if (st != SMB_OK)
        return fail(c, st, "malformed response");
    if (vr == SMB_VERIFY_BAD_SIGNATURE)
        return fail(c, SMB_E_INVALID_SIGNATURE, "response signature does not verify");
    if (vr == SMB_VERIFY_UNSIGNED_BUT_REQUIRED)
        return fail(c, SMB_E_ACCESS_DENIED, "unsigned response on a signing session");
    if (vr == SMB_VERIFY_VALID)
        c->info.responses_verified++;
    return SMB_OK;
}

/* ---------------- leases (MS-SMB2 3.2.4.3.8, 3.2.5.19) ---------------- */

static bool lease_offered(const struct smb_cli *c)
{
    return !c->cfg.no_leases && c->state == SMB_CLI_READY && c->info.dialect >= SMB_DIALECT_210 &&
           (c->info.server_capabilities & SMB2_GLOBAL_CAP_LEASING);
}

/* The slot holding key, or SMB_CLI_MAX_LEASES when none does. */
static size_t lease_slot(const struct smb_cli *c, const uint8_t key[16])
{
    size_t i = 0;
    while (i < SMB_CLI_MAX_LEASES && !(c->leases[i].used && memcmp(c->leases[i].key, key, 16) == 0))
        i++;
    return i;
}

static struct cli_lease *lease_find(struct smb_cli *c, const uint8_t key[16])
{
    size_t i = lease_slot(c, key);
    return i < SMB_CLI_MAX_LEASES ? &c->leases[i] : NULL;
}

smb_status smb_cli_lease_request(struct smb_cli *c, uint32_t state, uint8_t key[16], smb_wr *ctx)
{
    if (!lease_offered(c))
        return SMB_E_NOT_SUPPORTED;
    if (state & ~(SMB2_LEASE_READ_CACHING | SMB2_LEASE_HANDLE_CACHING | SMB2_LEASE_WRITE_CACHING))
        return SMB_E_BAD_ARGUMENT;
    struct smb2_lease_ctx l;
    memset(&l, 0, sizeof l);
    /* 3.2.4.3.8: v2 when the dialect is 3.x, v1 at 2.1; a new key per file */
    l.version = c->info.dialect >= SMB_DIALECT_300 ? 2 : 1;
    if (smb_random(l.key, 16) != SMB_OK)
        return SMB_E_CRYPTO;
    l.state = state;
    smb2_lease_ctx_encode(ctx, &l);
    if (!wr_ok(ctx))
        return ctx->err;
    memcpy(key, l.key, 16);
    return SMB_OK;
}

smb_status smb_cli_lease_granted(struct smb_cli *c, const uint8_t key[16], uint32_t tree_id, uint8_t oplock_level,
                                 struct smb2_buf ctxs, uint32_t *state)
{
    *state = 0;
    if (oplock_level != SMB2_OPLOCK_LEVEL_LEASE)
        return SMB_OK; /* no lease granted (and no oplock was asked for) */
    struct smb2_buf d;
    struct smb2_lease_ctx l;
    /* 3.2.5.7: OplockLevel LEASE names the lease in an RqLs response context */
    if (smb2_create_ctx_find(ctxs, "RqLs", &d) != SMB_OK || smb2_lease_ctx_decode(d, &l) != SMB_OK)
        return SMB_E_INVALID_NETWORK_RESPONSE;
    if (memcmp(l.key, key, 16) != 0 ||
        (l.state & ~(SMB2_LEASE_READ_CACHING | SMB2_LEASE_HANDLE_CACHING | SMB2_LEASE_WRITE_CACHING)))
        return SMB_E_INVALID_NETWORK_RESPONSE;
    if (!l.state)
        return SMB_OK;
    struct cli_lease *e = lease_find(c, key);
    for (size_t i = 0; !e && i < SMB_CLI_MAX_LEASES; i++)
        if (!c->leases[i].used)
            e = &c->leases[i];
    if (!e)
        return SMB_E_INSUFFICIENT_RESOURCES;
    e->used = true;
    memcpy(e->key, key, 16);
    e->tree_id = tree_id;
    e->state = l.state;
    e->epoch = l.epoch;
    c->info.leasing = true;
    *state = l.state;
    return SMB_OK;
}

void smb_cli_lease_forget(struct smb_cli *c, const uint8_t key[16])
{
    struct cli_lease *e = lease_find(c, key);
    if (e)
        memset(e, 0, sizeof *e);
}

uint32_t smb_cli_lease_state(const struct smb_cli *c, const uint8_t key[16])
{
    size_t i = lease_slot(c, key);
    return i < SMB_CLI_MAX_LEASES ? c->leases[i].state : 0;
}

/* Send the acknowledgements owed, as far as credits allow; none inside a
 * compound chain or a deferred-signing batch (poll is not called there, but
 * an adapter may). Each goes out as a request of the lease's tree: signed,
 * or in a transform, exactly as smb_cli_req_finish decides for any. */
static SMB_WUR smb_status send_owed_acks(struct smb_cli *c)
{
    while (c->nowed && c->state == SMB_CLI_READY && !c->chain && !c->defer) {
        struct owed_ack *a = &c->owed[0];
        struct smb_cli_req rq;
        smb_status st = smb_cli_req_start(c, &rq, SMB2_OPLOCK_BREAK, a->tree_id, 36, 0);
        if (st == SMB_E_INSUFFICIENT_RESOURCES)
            return SMB_OK; /* later, when a response grants credits */
        if (st != SMB_OK)
            return fail(c, st, "cannot build a lease break acknowledgement");
        rq.internal = true;
        struct smb2_lease_ack ack;
        memset(&ack, 0, sizeof ack);
        memcpy(ack.lease_key, a->key, 16);
        ack.lease_state = a->state;
        smb2_lease_ack_encode(&rq.w, &ack);
        if ((st = smb_cli_req_finish(c, &rq, 0, NULL)) != SMB_OK)
            return fail(c, st, "cannot build a lease break acknowledgement");
        c->info.lease_acks++;
        c->nowed--;
        memmove(&c->owed[0], &c->owed[1], c->nowed * sizeof c->owed[0]);
    }
    return SMB_OK;
}

/* The checks of a break notification (MessageId 0xFFFFFFFFFFFFFFFF). It is
 * never required to be signed (MS-SMB2 3.2.5.1.3; servers sign none:
 * 3.3.4.1.1, docs/server.md), so an unsigned one is taken; one that claims a
 * signature must carry a valid one made with this session's key (SessionId
 * ours), or the core fails as for any bad signature. It may name no session
 * (a lease break: SessionId 0) or this one, never another. An oplock break of
 * an encrypting session comes in a transform (3.3.4.1.4); a lease break
 * (SessionId 0) may come in clear. */
static SMB_WUR smb_status verify_break(struct smb_cli *c, const uint8_t *msg, size_t len, const struct smb2_hdr *h,
                                       bool encrypted)
{
    if (h->session_id != 0 && h->session_id != c->info.session_id)
        return fail(c, SMB_E_ACCESS_DENIED, "break notification names another session");
    if (encrypted)
        return SMB_OK; /* the transform authenticated it, and it names this session or none */
    if (h->session_id != 0 && c->info.encrypting)
        return fail(c, SMB_E_ACCESS_DENIED, "unencrypted break notification on an encrypted session");
    if (!(h->flags & SMB2_FLAGS_SIGNED))
        return SMB_OK;
    if (h->session_id == 0 || !c->sign)
        return fail(c, SMB_E_INVALID_SIGNATURE, "signed break notification without a session key");
    uint8_t sig[16];
    struct iovec v = {(void *)(uintptr_t)msg, len};
    smb_status st = smb2_sign_compute(c->sign, &v, 1, sig);
    if (st != SMB_OK)
        return fail(c, st, "malformed break notification");
    if (!smb_memeq_ct(sig, h->signature, 16))
        return fail(c, SMB_E_INVALID_SIGNATURE, "break notification signature does not verify");
    c->info.responses_verified++;
    return SMB_OK;
}

/* A break notification (MS-SMB2 2.2.23.1, 2.2.23.2; 3.2.5.19). */
static SMB_WUR smb_status on_break(struct smb_cli *c, const uint8_t *msg, size_t len, const struct smb2_hdr *h,
                                   bool encrypted)
{
    smb_status st;
    if ((st = verify_break(c, msg, len, h, encrypted)) != SMB_OK)
        return st;
    smb_rd r;
    rd_init(&r, msg, len);
    rd_seek(&r, SMB2_HDR_LEN);
    if (len >= SMB2_HDR_LEN + 2 && le16(msg + SMB2_HDR_LEN) == 24) {
        /* an oplock break: this client asks for no oplocks, nothing to give up */
        struct smb2_oplock_break ob;
        if (smb2_oplock_break_decode(&r, &ob) != SMB_OK)
            return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed oplock break notification");
        return SMB_OK;
    }
    struct smb2_lease_break b;
    if (smb2_lease_break_decode(&r, &b) != SMB_OK)
        return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed lease break notification");
    if (c->info.dialect < SMB_DIALECT_210)
        return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "lease break notification at SMB 2.0.2");
    /* 3.2.5.19.2: no file with this key, no further processing */
    struct cli_lease *l = lease_find(c, b.lease_key);
    if (!l)
        return SMB_OK;
    c->info.lease_breaks++;
    /* nothing is cached here: nothing to flush or purge before the ack; the
     * state only goes down */
    l->state &= b.new_state;
    l->epoch = b.new_epoch;
    if (!(b.flags & SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED))
        return SMB_OK;
    if (c->nowed == SMB_CLI_MAX_OWED_ACKS)
        return fail(c, SMB_E_INSUFFICIENT_RESOURCES, "too many lease breaks waiting for credits");
    struct owed_ack *a = &c->owed[c->nowed++];
    memcpy(a->key, l->key, 16);
    a->tree_id = l->tree_id;
    a->state = l->state;
    return SMB_OK;
}

smb_status smb_cli_poll(struct smb_cli *c, size_t *nev)
{
    smb_status st;
    *nev = 0;
    if (c->state == SMB_CLI_FAILED)
        return c->err;
    in_advance(c);
    if (c->in_len - c->in_head < SMB_NB_HDR_LEN)
        return SMB_E_PENDING;
    smb_rd r;
    uint8_t type;
    uint32_t flen;
    rd_init(&r, c->in + c->in_head, SMB_NB_HDR_LEN);
    if ((st = smb_nb_hdr_decode(&r, &type, &flen)) != SMB_OK)
        return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "bad NetBIOS framing");
    if (flen > SMB_CLI_MAX_PDU)
        return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "frame larger than the cap");
    if (c->in_len - c->in_head < SMB_NB_HDR_LEN + (size_t)flen)
        return SMB_E_PENDING;
    c->in_consumed = SMB_NB_HDR_LEN + flen;
    if (type == SMB_NB_KEEPALIVE)
        return SMB_OK;
    if (type != SMB_NB_SESSION_MESSAGE)
        return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "unexpected NetBIOS packet type");
    uint8_t *pdu = c->in + c->in_head + SMB_NB_HDR_LEN;
    if (!c->vb_n || pdu < (uint8_t *)c->vb_v[0].iov_base ||
        pdu >= (uint8_t *)c->vb_v[c->vb_n - 1].iov_base + c->vb_v[c->vb_n - 1].iov_len)
        vbatch_collect(c); /* this frame starts a new run */
    bool encrypted = false;
    if (smb_crypt_is_transform(pdu, flen)) {
        /* MS-SMB2 3.2.5.1.1.1: decrypt with the session's key; any failure
         * (short, size lie, other SessionId, bad tag) drops the connection */
        uint8_t *plain;
        size_t plen;
        if (!c->crypt)
            return fail(c, SMB_E_ACCESS_DENIED, "encrypted message on a session without encryption");
        if ((st = smb_crypt_decrypt(c->crypt, c->info.session_id, pdu, flen, &plain, &plen)) != SMB_OK)
            return fail(c, st == SMB_E_INVALID_SIGNATURE ? st : SMB_E_INVALID_NETWORK_RESPONSE,
                        "encrypted response does not decrypt (tampered, or not for this session)");
        c->info.responses_decrypted++;
        pdu = plain;
        flen = (uint32_t)plen;
        encrypted = true;
    }
    if (flen >= 4 && memcmp(pdu, SMB2_COMPRESSION_MAGIC, 4) == 0)
        return fail(c, SMB_E_NOT_SUPPORTED, "compressed message");

    size_t off = 0, n = 0;
    do {
        size_t elen, next;
        if ((st = smb2_compound_next(pdu, flen, off, &elen, &next)) != SMB_OK)
            return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed compound chain");
        if (n == SMB_CLI_MAX_COMPOUND)
            return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "compound chain too long");
        const uint8_t *msg = pdu + off;
        struct smb2_hdr h;
        smb_rd hr;
        rd_init(&hr, msg, elen);
        if ((st = smb2_hdr_decode(&hr, &h)) != SMB_OK)
            return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed SMB2 header");
        if (!smb2_hdr_is_response(&h))
            return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "request received from the server");
        if (h.message_id == SMB2_OPLOCK_BREAK_MESSAGE_ID && h.command == SMB2_OPLOCK_BREAK) {
            /* unsolicited break notification: checked, then acknowledged
             * (the ack is queued below, after the whole frame) */
            if ((st = on_break(c, msg, elen, &h, encrypted)) != SMB_OK)
                return st;
            off = next;
            continue;
        }
        struct pending *p = pend_find(c, h.message_id);
        if (!p || p->command != h.command)
            return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "response to a request that is not pending");
        bool interim = (h.flags & SMB2_FLAGS_ASYNC_COMMAND) && h.status == 0x00000103u;
        /* Verify first, then account: a forged or unsigned response on a
         * signing session changes no state (credits, pending table, events). */
        if ((st = verify_elem(c, msg, elen, &h, p, encrypted)) != SMB_OK)
            return st;
        /* The final SESSION_SETUP response is verified by on_session_setup
         * with the new key: its grant counts only after that. NEGOTIATE and
         * the MORE_PROCESSING leg cannot be signed (no key yet) and must
         * grant the credit the next leg needs. */
        bool final_ss = h.command == SMB2_SESSION_SETUP && c->state == SMB_CLI_SESSION_SETUP && h.status == 0;
        if (!final_ss)
            add_credits(c, h.credit); /* granted by every response, interim included */
        if (interim) { /* MS-SMB2 3.2.5.1.5: keep waiting for the final response */
            off = next;
            continue;
        }
        struct smb_cli_event *e = &c->ev[n];
        e->command = h.command;
        e->message_id = h.message_id;
        e->tag = p->tag;
        e->ntstatus = h.status;
        e->status = h.status == 0 ? SMB_OK : smb_status_from_ntstatus(h.status, NULL);
        e->hdr = h;
        e->msg = msg;
        e->len = elen;
        bool internal = p->internal;
        pend_del(c, p);
        if (internal) { /* the response to our LEASE_BREAK_ACK: no event */
            if (h.status != 0)
                c->info.lease_ack_errors++; /* the break ended otherwise (timeout, close) */
            off = next;
            continue;
        }
        if (h.command == SMB2_NEGOTIATE) {
            if (c->state != SMB_CLI_NEGOTIATE)
                return fail(c, SMB_E_INVALID_NETWORK_RESPONSE, "unexpected NEGOTIATE response");
            if ((st = on_negotiate(c, e)) != SMB_OK)
                return st;
        } else if (h.command == SMB2_SESSION_SETUP && c->state == SMB_CLI_SESSION_SETUP) {
            if ((st = on_session_setup(c, e)) != SMB_OK)
                return st;
            if (final_ss)
                add_credits(c, h.credit);
        } else {
            n++;
        }
        off = next;
    } while (off);
    *nev = n;
    return send_owed_acks(c);
}

const struct smb_cli_event *smb_cli_ev(const struct smb_cli *c, size_t i)
{
    return i < SMB_CLI_MAX_COMPOUND ? &c->ev[i] : NULL;
}

/* ---------------- VALIDATE_NEGOTIATE_INFO (MS-SMB2 3.2.5.5, 3.2.5.14.12) ---------------- */

bool smb_cli_encrypting(const struct smb_cli *c) { return c->info.encrypting; }

bool smb_cli_needs_vni(const struct smb_cli *c)
{
    return (c->info.dialect == SMB_DIALECT_300 || c->info.dialect == SMB_DIALECT_302) && c->sign &&
           !c->info.guest && !c->info.anonymous;
}

smb_status smb_cli_vni_input(const struct smb_cli *c, uint8_t *out, size_t cap, size_t *len)
{
    struct smb2_vni_req v;
    memset(&v, 0, sizeof v);
    v.capabilities = c->req_capabilities;
    memcpy(v.guid, c->client_guid, 16);
    v.security_mode = c->req_security_mode;
    v.dialect_count = c->ndialects;
    memcpy(v.dialects, c->dialects, c->ndialects * sizeof v.dialects[0]);
    return smb2_vni_req_encode(&v, out, cap, len);
}

smb_status smb_cli_vni_check(struct smb_cli *c, const uint8_t *out, size_t len)
{
    struct smb2_vni_resp v;
    struct smb2_buf b = {out, len};
    if (smb2_vni_resp_decode(b, &v) != SMB_OK)
        return fail(c, SMB_E_ACCESS_DENIED, "malformed VALIDATE_NEGOTIATE_INFO response");
    if (v.capabilities != c->info.server_capabilities || memcmp(v.guid, c->info.server_guid, 16) != 0 ||
        v.security_mode != c->info.server_security_mode || v.dialect != c->info.dialect)
        return fail(c, SMB_E_ACCESS_DENIED, "VALIDATE_NEGOTIATE_INFO mismatch: NEGOTIATE was tampered with");
    c->info.validated_negotiate = true;
    return SMB_OK;
}
