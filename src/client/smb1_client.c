/*
 * client/smb1_client.c - blocking SMB1 (NT LM 0.12) client with MD5 signing
 * (MS-CIFS 3.2.4.1.1, 3.2.5.1; MS-SMB 3.2.4.1.1). See smb1_client.h.
 */
#include "client/smb1_client.h"
#include "smbsign/client.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth/mech.h"
#include "auth/ntlmssp.h" /* the non-extended NT LM 0.12 logon (NTLMv2 without SPNEGO) */
#include "auth/spnego.h"
#include "base/buf.h"
#include "base/utf16.h"
#include "crypto/crypto.h"
#include "smbsign/sign.h"
#include "wire/smb1/commands.h"
#include "wire/smb1/negotiate.h"
#include "wire/smb1/trans2.h"

#define SMB1_CLI_BUF (SMB1_MAX_MSG + 4)
#define SMB1_CLI_FLAGS2                                                                                      \
    (SMB1_FLAGS2_LONG_NAMES | SMB1_FLAGS2_NT_STATUS | SMB1_FLAGS2_UNICODE | SMB1_FLAGS2_EXTENDED_SECURITY |  \
     SMB1_FLAGS2_IS_LONG_NAME)
#define SMB1_CLI_PID 0xFEFF
#define NT_STATUS_MORE_PROCESSING 0xC0000016u

struct smb1_client {
    int fd;
    int timeout_ms;
    smb_side side;
    smb_client_decision dec;
    smb_status dead;
    char why[320];
    uint16_t uid, tid, mid;
    smb_sign_ctx *sign;
    struct smb1_client_info info;
    uint8_t *out, *in;  /* SMB1_CLI_BUF each */
    size_t in_len;      /* length of the last response (without NetBIOS header) */
    struct smb1_hdr rh; /* its header */
    struct smb_auth_ctx auth; /* the SPNEGO mechanism (auth/mech.h); wiped after SESSION_SETUP */
    uint8_t mech_list[128];
    size_t mech_list_len;
    uint16_t flags2;      /* SMB1_CLI_FLAGS2, without EXTENDED_SECURITY in the non-extended form */
    uint8_t challenge[8]; /* non-extended: the server's EncryptionKey (MS-CIFS 2.2.4.52.2) */
};

static SMB_WUR smb_status fail(struct smb1_client *c, smb_status st, const char *why)
{
    snprintf(c->why, sizeof c->why, "%s", why);
    return st;
}

static SMB_WUR smb_status die(struct smb1_client *c, smb_status st, const char *why)
{
    c->dead = st;
    if (c->fd >= 0) {
        shutdown(c->fd, SHUT_RDWR);
        close(c->fd);
        c->fd = -1;
    }
    return fail(c, st, why);
}

const char *smb1_client_last_error(const struct smb1_client *c)
{
    return c && c->why[0] ? c->why : "";
}

void smb1_client_info(const struct smb1_client *c, struct smb1_client_info *out)
{
    *out = c->info;
}

static int io_wait(struct smb1_client *c, short ev)
{
    struct pollfd p = {.fd = c->fd, .events = ev};
    int r;
    do
        r = poll(&p, 1, c->timeout_ms);
    while (r < 0 && errno == EINTR);
    return r > 0 ? 0 : -1;
}

static SMB_WUR smb_status send_all(struct smb1_client *c, const uint8_t *p, size_t n)
{
    while (n) {
        if (io_wait(c, POLLOUT) != 0)
            return die(c, SMB_E_TIMEOUT, "timed out sending");
        ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return die(c, SMB_E_CONNECTION_DISCONNECTED, "connection closed while sending");
        p += k;
        n -= (size_t)k;
    }
    return SMB_OK;
}

static SMB_WUR smb_status recv_n(struct smb1_client *c, uint8_t *p, size_t n)
{
    while (n) {
        if (io_wait(c, POLLIN) != 0)
            return die(c, SMB_E_TIMEOUT, "timed out waiting for the server");
        ssize_t k = recv(c->fd, p, n, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return die(c, SMB_E_CONNECTION_DISCONNECTED, "connection closed by the server");
        p += k;
        n -= (size_t)k;
    }
    return SMB_OK;
}

/* Receive one SMB1 message into c->in (keep-alives skipped). */
static SMB_WUR smb_status recv_msg(struct smb1_client *c)
{
    for (;;) {
        uint8_t h[4];
        smb_status st = recv_n(c, h, 4);
        if (st != SMB_OK)
            return st;
        size_t len = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
        if (len > SMB1_MAX_MSG)
            return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "response larger than an SMB1 message may be");
        if ((st = recv_n(c, c->in, len)) != SMB_OK)
            return st;
        if (h[0] != 0x00)
            continue; /* RFC 1002 keep-alive */
        smb_rd r;
        rd_init(&r, c->in, len);
        if (smb1_hdr_decode(&r, &c->rh) != SMB_OK || !smb1_hdr_is_reply(&c->rh))
            return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "not an SMB1 response");
        c->in_len = len;
        return SMB_OK;
    }
}

/* Start a request in c->out: NetBIOS header + SMB header. */
static void req_begin(struct smb1_client *c, smb_wr *w, uint8_t command, uint16_t flags2_extra)
{
    wr_init(w, c->out, SMB1_CLI_BUF);
    wr_u32be(w, 0);
    struct smb1_hdr h;
    memset(&h, 0, sizeof h);
    h.command = command;
    h.flags = SMB1_FLAGS_CASE_INSENSITIVE | SMB1_FLAGS_CANONICALIZED_PATHS;
    h.flags2 = c->flags2 | flags2_extra;
    h.tid = c->tid;
    h.pid_low = SMB1_CLI_PID;
    h.uid = c->uid;
    h.mid = ++c->mid == 0xFFFF ? (c->mid = 1) : c->mid; /* 0xFFFF: oplock breaks */
    smb1_hdr_encode(w, &h);
}

/* Sign (when active), send, receive the response, verify it and map its status.
 * *ntstatus receives the raw status (may be NULL). */
static SMB_WUR smb_status transact(struct smb1_client *c, smb_wr *w, uint32_t *ntstatus)
{
    if (c->dead)
        return fail(c, c->dead, "the connection was closed after an earlier error");
    if (!wr_ok(w))
        return fail(c, SMB_E_OVERFLOW, "request too large");
    uint8_t *msg = c->out + 4;
    size_t mlen = wr_len(w) - 4;
    uint8_t command = msg[4];
    uint16_t mid = le16(msg + 30);
    wr_patch_u32be(w, 0, (uint32_t)mlen);
    uint32_t seq = 0;
    if (c->sign) {
        seq = smb1_sign_seq_next(c->sign, smb1_expects_response(command));
        if (smb1_sign(c->sign, msg, mlen, seq) != SMB_OK)
            return die(c, SMB_E_INTERNAL_ERROR, "signing failed");
        c->info.requests_signed++;
    }
    smb_status st = send_all(c, c->out, wr_len(w));
    if (st != SMB_OK || !smb1_expects_response(command))
        return st;
    for (;;) {
        if ((st = recv_msg(c)) != SMB_OK)
            return st;
        if (c->rh.mid == 0xFFFF && c->rh.command == SMB1_COM_LOCKING_ANDX)
            continue; /* oplock break: never signed (MS-SMB 3.2.5.1); we hold no oplocks */
        if (c->rh.mid != mid || c->rh.command != command)
            return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "response does not match the request");
        break;
    }
    if (c->sign) {
        smb_verify_result vr;
        /* Session state decides: every response on a signing session must verify. */
        if (smb1_verify(c->sign, c->in, c->in_len, seq + 1, true, &vr, NULL, NULL) != SMB_OK ||
            !smb_verify_acceptable(vr))
            return die(c,
                       vr == SMB_VERIFY_UNSIGNED_BUT_REQUIRED ? SMB_E_ACCESS_DENIED : SMB_E_INVALID_SIGNATURE,
                       vr == SMB_VERIFY_UNSIGNED_BUT_REQUIRED ? "unsigned response on a signing session"
                                                              : "response signature does not verify");
        c->info.responses_verified++;
    }
    if (ntstatus)
        *ntstatus = c->rh.status;
    if (c->rh.status == 0)
        return SMB_OK;
    int known = 0;
    st = smb_status_from_ntstatus(c->rh.status, &known);
    return st == SMB_OK ? SMB_E_INVALID_NETWORK_RESPONSE : st;
}

static SMB_WUR smb_status first_block(struct smb1_client *c, struct smb1_block *b)
{
    smb_status st = smb1_block_parse(c->in, c->in_len, SMB1_HDR_LEN, c->rh.command, b);
    return st == SMB_OK ? SMB_OK : die(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed response block");
}

static SMB_WUR smb_status tcp_connect(struct smb1_client *c, const char *host, uint16_t port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    if (getaddrinfo(host, ps, &hints, &res) != 0 || !res)
        return fail(c, SMB_E_CONNECTION_REFUSED, "cannot resolve the host");
    smb_status st = SMB_E_CONNECTION_REFUSED;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            c->fd = fd;
            st = SMB_OK;
            break;
        }
        close(fd);
    }
    freeaddrinfo(res);
    return st == SMB_OK ? st : fail(c, st, "TCP connect failed");
}

/* Now as a FILETIME (100 ns since 1601), for the NTLMv2 blob's TimeStamp. */
static uint64_t smb1_client_filetime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull + (uint64_t)ts.tv_nsec / 100;
}

static SMB_WUR smb_status negotiate(struct smb1_client *c)
{
    smb_wr w;
    wr_init(&w, c->out, SMB1_CLI_BUF);
    wr_u32be(&w, 0);
    struct smb1_negotiate_req req;
    memset(&req, 0, sizeof req);
    req.dialect_count = 1;
    req.dialects[0] = SMB1_DIALECT_NT_LM_012;
    smb_status st = smb1_negotiate_req_encode(&w, &req, c->flags2, ++c->mid);
    if (st != SMB_OK)
        return fail(c, st, "building NEGOTIATE");
    wr_patch_u32be(&w, 0, (uint32_t)(wr_len(&w) - 4));
    if ((st = send_all(c, c->out, wr_len(&w))) != SMB_OK || (st = recv_msg(c)) != SMB_OK)
        return st;
    struct smb1_negotiate_answer a;
    if ((st = smb1_negotiate_answer_parse(c->in, c->in_len, &a)) != SMB_OK || a.kind != SMB1_ANSWER_SMB1)
        return die(c, st != SMB_OK ? st : SMB_E_NOT_SUPPORTED, "the server did not accept NT LM 0.12");
    if (a.smb1.dialect_index != 0 || a.smb1.word_count != 17)
        return die(c, SMB_E_NOT_SUPPORTED, "the server did not select NT LM 0.12");
    /* MS-SMB 3.2.5.2: CAP_EXTENDED_SECURITY in the response selects the form of
     * SESSION_SETUP_ANDX; without it the server sent an 8-byte challenge (MS-CIFS 2.2.4.52.2). */
    c->info.extended_security = (a.smb1.capabilities & SMB1_CAP_EXTENDED_SECURITY) != 0 &&
                                (c->flags2 & SMB1_FLAGS2_EXTENDED_SECURITY);
    if (!c->info.extended_security) {
        if (a.smb1.challenge_length != 8 || !a.smb1.challenge)
            return die(c, SMB_E_NOT_SUPPORTED,
                       "the server offered neither extended security nor an 8-byte challenge");
        if (!(a.smb1.security_mode & 0x02)) /* NEGOTIATE_ENCRYPT_PASSWORDS */
            return die(c, SMB_E_NOT_SUPPORTED, "the server wants plaintext passwords (refused)");
        memcpy(c->challenge, a.smb1.challenge, 8);
        c->flags2 &= (uint16_t)~SMB1_FLAGS2_EXTENDED_SECURITY;
    }
    c->info.negotiated = true;
    c->info.server_security_mode = a.smb1.security_mode;
    if ((st = smb_policy_client_decide(SMB_PROTO_SMB1, c->side, a.smb1.security_mode, &c->dec)) != SMB_OK)
        return die(c, st, "policy decision failed");
    if (c->dec.hang_up) {
        /* KB887429: graceful close right after the dialect negotiation. */
        return die(
            c, c->dec.error,
            "signing is required and the server's SecurityMode says signing is disabled (legacy client, "
            "KB887429): closed the connection after NEGOTIATE");
    }
    return SMB_OK;
}

static SMB_WUR smb_status activate_signing(struct smb1_client *c, const uint8_t *key, size_t key_len);

/* The server's SPNEGO mechListMIC in the final SESSION_SETUP_ANDX response
 * (MS-SPNG 3.1.5.1, MS-NLMP 3.4.4.2): when present it must verify with the
 * NTLMSSP session key over the mechTypes list this client sent (both from
 * session state), direction server->client, sequence 0; compared in constant
 * time. A response without one is accepted (older servers omit it); on a
 * signing session the signature of this response covers its absence. Nothing
 * is committed before this check. */
static SMB_WUR smb_status check_mech_list_mic(struct smb1_client *c)
{
    struct smb1_block b;
    struct smb1_sess_setup_rsp r;
    struct spnego_resp sr;
    smb_status st;
    if ((st = first_block(c, &b)) != SMB_OK)
        return st;
    if (smb1_sess_setup_rsp_decode(&b, &r) != SMB_OK)
        return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed final SESSION_SETUP response");
    if (r.blob_len == 0)
        return SMB_OK;
    memset(&sr, 0, sizeof sr);
    if (spnego_resp_decode(r.blob, r.blob_len, &sr) != SMB_OK)
        return die(c, SMB_E_INVALID_NETWORK_RESPONSE,
                   "malformed SPNEGO NegTokenResp in the final SESSION_SETUP response");
    if (sr.neg_state == SPNEGO_REJECT)
        return die(c, SMB_E_LOGON_FAILURE, "SPNEGO rejected");
    struct smb_auth_identity id;
    if (sr.mech_list_mic.len == 0 || smb_auth_identity(&c->auth, &id) != SMB_OK || !id.has_key ||
        id.kind == SMB_AUTH_ANONYMOUS)
        return SMB_OK; /* absent, or no key to check it with (anonymous/guest, never signs) */
    if (smb_auth_mic_verify(&c->auth, c->mech_list, c->mech_list_len, sr.mech_list_mic.p, sr.mech_list_mic.len) !=
        SMB_OK)
        return die(c, SMB_E_ACCESS_DENIED,
                   "the server's SPNEGO mechListMIC does not verify (SESSION_SETUP tampered with?)");
    c->info.mech_list_mic_verified = true;
    return SMB_OK;
}

/* The mechanism and its first token: Kerberos (an AP-REQ for cifs/<host>)
 * when asked for, NTLMSSP otherwise or when Kerberos cannot start and was
 * only desired. */
static SMB_WUR smb_status first_token(struct smb1_client *c, const struct smb1_client_opts *o, uint8_t *out,
                                      size_t cap, size_t *outlen)
{
    const char *pw = o->password && *o->password ? o->password : NULL;
    struct smb_auth_client_cred cred = {o->user, o->domain, o->kerberos ? pw : o->password,
                                        o->workstation ? o->workstation : "SMBSIGN", o->host};
    smb_status st;
    if (o->kerberos) {
        if ((st = smb_auth_begin_client(&c->auth, &smb_auth_mech_krb5, &cred)) == SMB_OK &&
            (st = smb_auth_step(&c->auth, NULL, 0, out, cap, outlen)) == SMB_E_MORE_PROCESSING_REQUIRED) {
            c->info.kerberos = true;
            return st;
        }
        if (o->kerberos == SMB_CLIENT_KRB_REQUIRED)
            return fail(c, st == SMB_OK ? SMB_E_INTERNAL_ERROR : st,
                        c->auth.why[0] ? c->auth.why : "Kerberos could not start");
        smb_auth_wipe(&c->auth);
        cred.password = o->password;
    }
    if ((st = smb_auth_begin_client(&c->auth, &smb_auth_mech_ntlmssp, &cred)) != SMB_OK)
        return fail(c, st, "authentication setup failed (user, domain or workstation name too long?)");
    if ((st = smb_auth_step(&c->auth, NULL, 0, out, cap, outlen)) != SMB_E_MORE_PROCESSING_REQUIRED)
        return fail(c, st == SMB_OK ? SMB_E_INTERNAL_ERROR : st, "building the NTLMSSP NEGOTIATE");
    return st;
}

/* Kerberos completes in the final response: its AP-REP (mutual
 * authentication) gives the session key. NTLMSSP completed a leg before; a
 * server that ends the exchange before that is refused. */
static SMB_WUR smb_status finish_mech(struct smb1_client *c)
{
    if (c->auth.done)
        return SMB_OK;
    struct smb1_block b;
    struct smb1_sess_setup_rsp r;
    struct spnego_resp sr;
    smb_status st;
    if ((st = first_block(c, &b)) != SMB_OK)
        return st;
    memset(&sr, 0, sizeof sr);
    if (!c->info.kerberos || smb1_sess_setup_rsp_decode(&b, &r) != SMB_OK || !r.blob_len ||
        spnego_resp_decode(r.blob, r.blob_len, &sr) != SMB_OK || !sr.response_token.len)
        return die(c, SMB_E_INVALID_NETWORK_RESPONSE,
                   c->info.kerberos ? "the server completed the logon without an AP-REP (no Kerberos mutual "
                                      "authentication)"
                                    : "the server completed the logon before NTLMSSP did");
    uint8_t t[SMB_AUTH_TOKEN_MAX];
    size_t tl = 0;
    if (smb_auth_step(&c->auth, sr.response_token.p, sr.response_token.len, t, sizeof t, &tl) != SMB_OK || tl)
        return die(c, SMB_E_INVALID_NETWORK_RESPONSE, c->auth.why[0] ? c->auth.why : "bad AP-REP from the server");
    return SMB_OK;
}

static SMB_WUR smb_status session_setup(struct smb1_client *c, const struct smb1_client_opts *o)
{
    uint8_t ntlm[SMB_AUTH_TOKEN_MAX], tok[SMB_AUTH_TOKEN_MAX + 256], mic[SMB_AUTH_MIC_MAX];
    size_t nl, tl, mlo, mll, ml;
    smb_status st = first_token(c, o, ntlm, sizeof ntlm, &nl);
    if (st != SMB_E_MORE_PROCESSING_REQUIRED)
        return st;
    struct spnego_buf mech = {c->auth.mech->oid, c->auth.mech->oid_len};
    if ((st = spnego_init_encode_mechs(&mech, 1, ntlm, nl, tok, sizeof tok, &tl, &mlo, &mll)) != SMB_OK ||
        mll > sizeof c->mech_list)
        return fail(c, st ? st : SMB_E_INTERNAL_ERROR, "building SPNEGO NegTokenInit");
    memcpy(c->mech_list, tok + mlo, mll);
    c->mech_list_len = mll;
    for (int leg = 1; leg <= 2; leg++) {
        smb_wr w;
        /* Flags2 signing bits state our posture in SESSION_SETUP only (MS-SMB 2.2.3.1);
         * later requests carry SECURITY_SIGNATURE only when actually signed. */
        req_begin(c, &w, SMB1_COM_SESSION_SETUP_ANDX, c->dec.smb1_flags2);
        struct smb1_sess_setup_req q = {.max_buffer_size = 65535,
                                        .max_mpx_count = 1,
                                        .vc_number = 0,
                                        .capabilities = SMB1_CAP_UNICODE | SMB1_CAP_NT_SMBS |
                                                        SMB1_CAP_STATUS32 | SMB1_CAP_LARGE_FILES |
                                                        SMB1_CAP_EXTENDED_SECURITY,
                                        .blob = tok,
                                        .blob_len = (uint16_t)tl};
        if ((st = smb1_sess_setup_req_encode(&w, 4, &q)) != SMB_OK)
            return fail(c, st, "building SESSION_SETUP_ANDX");
        c->info.session_setup_sent = true;
        uint32_t nts = 0;
        st = transact(c, &w, &nts);
        if (nts == NT_STATUS_MORE_PROCESSING) {
            if (leg != 1)
                return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "unexpected extra SESSION_SETUP leg");
            c->uid = c->rh.uid;
            struct smb1_block b;
            struct smb1_sess_setup_rsp r;
            struct spnego_resp sr;
            if ((st = first_block(c, &b)) != SMB_OK)
                return st;
            if (smb1_sess_setup_rsp_decode(&b, &r) != SMB_OK ||
                spnego_resp_decode(r.blob, r.blob_len, &sr) != SMB_OK)
                return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed SESSION_SETUP response");
            uint8_t auth[NTLM_MAX_MSG];
            size_t al;
            if (smb_auth_step(&c->auth, sr.response_token.p, sr.response_token.len, auth, sizeof auth, &al) !=
                SMB_OK)
                return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "bad authentication token from the server (NTLMSSP CHALLENGE)");
            ml = 0;
            if (smb_auth_mic_wanted(&c->auth) &&
                (st = smb_auth_mic_make(&c->auth, c->mech_list, c->mech_list_len, mic, sizeof mic, &ml)) != SMB_OK)
                return fail(c, st, "computing the SPNEGO mechListMIC");
            st = spnego_resp_encode(SPNEGO_STATE_ABSENT, false, auth, al, ml ? mic : NULL, ml, tok, sizeof tok,
                                    &tl);
            smb_wipe(auth, sizeof auth);
            if (st != SMB_OK)
                return fail(c, st, "building SPNEGO NegTokenResp");
            continue;
        }
        if (st != SMB_OK)
            return die(c, st, "SESSION_SETUP refused by the server");
        /* Final response. Signing starts here when the engine says so (MS-CIFS 3.2.5.3):
         * the request was number 0, this response must verify as number 1. */
        if (leg == 1)
            c->uid = c->rh.uid;
        if ((st = finish_mech(c)) != SMB_OK)
            return st;
        struct smb_auth_identity id;
        uint8_t key[SMB_AUTH_KEY_MAX], k16[16];
        size_t kl = 0;
        if (smb_auth_identity(&c->auth, &id) != SMB_OK)
            return die(c, SMB_E_INTERNAL_ERROR, "authentication state lost");
        bool keyless = id.kind == SMB_AUTH_ANONYMOUS || !id.has_key || (c->in_len >= 37 && (le16(c->in + 37) & 1));
        if (c->dec.sign && keyless)
            return die(c, SMB_E_ACCESS_DENIED, "guest or anonymous session while signing is required");
        if ((st = check_mech_list_mic(c)) != SMB_OK)
            return st;
        if (!c->dec.sign)
            return SMB_OK;
        if (smb_auth_session_key(&c->auth, key, sizeof key, &kl) != SMB_OK || kl == 0)
            return die(c, SMB_E_INTERNAL_ERROR, "no session key");
        /* MS-CIFS 3.2.5.3: the first 16 bytes of the key, zero-padded (NTLMSSP);
         * Kerberos: the whole GSS session key, as Samba and our server key
         * SMB1 MACs (MS-SMB 3.2.5.3; an AES session key is 32 bytes) */
        memset(k16, 0, sizeof k16);
        memcpy(k16, key, kl < sizeof k16 ? kl : sizeof k16);
        st = c->info.kerberos && kl > 16 ? activate_signing(c, key, kl) : activate_signing(c, k16, 16);
        smb_wipe(key, sizeof key);
        smb_wipe(k16, sizeof k16);
        return st;
    }
    return SMB_E_INTERNAL_ERROR;
}

/* The signing decision after the final SESSION_SETUP response (MS-CIFS 3.2.5.3): the
 * request was number 0, this response must verify as number 1. */
static SMB_WUR smb_status activate_signing(struct smb1_client *c, const uint8_t *key, size_t key_len)
{
    smb_status st = smb_sign_ctx_new_smb1(&c->sign, key, key_len);
    if (st != SMB_OK)
        return die(c, st, "signing context");
    uint32_t seq = smb1_sign_seq_next(c->sign, true);
    smb_verify_result vr;
    if (smb1_verify(c->sign, c->in, c->in_len, seq + 1, true, &vr, NULL, NULL) != SMB_OK ||
        vr != SMB_VERIFY_VALID) {
        if (vr == SMB_VERIFY_UNSIGNED_BUT_REQUIRED)
            /* docs/policy.md mixed era: the server cannot sign; the client drops the session */
            return die(c, SMB_E_LOGIN_WKSTA_RESTRICTION,
                       "signing was expected but the final SESSION_SETUP response is unsigned");
        return die(c, SMB_E_INVALID_SIGNATURE, "final SESSION_SETUP response signature does not verify");
    }
    c->info.signing = true;
    c->info.responses_verified++;
    return SMB_OK;
}

/* Non-extended SESSION_SETUP_ANDX (MS-CIFS 2.2.4.53, 3.2.4.2.4) with an NTLMv2 response
 * (MS-NLMP 3.3.2) in UnicodePassword and LMv2 in OEMPassword. MAC key = SessionBaseKey ||
 * the whole NTLMv2 response (MS-CIFS 3.2.5.3: Client.Session.SessionKey followed by
 * Client.Connection.SigningChallengeResponse, the UnicodePassword bytes). */
static SMB_WUR smb_status session_setup_nt(struct smb1_client *c, const struct smb1_client_opts *o)
{
    const char *user = o->user ? o->user : "", *dom = o->domain ? o->domain : "";
    uint8_t nth[16], v2[16], cc[8], nt[16 + 28 + 4], lm[24], proof[16], base[16];
    uint8_t key[16 + sizeof nt];
    smb_status st = SMB_OK;
    if (!*user) {
        st = fail(c, SMB_E_NOT_SUPPORTED, "the non-extended form needs a user name (no anonymous logon)");
        goto out;
    }
    if ((st = smb_ntlm_nt_hash(o->password ? o->password : "", nth)) != SMB_OK ||
        (st = smb_ntlm_ntowfv2(nth, user, dom, v2)) != SMB_OK || (st = smb_random(cc, 8)) != SMB_OK) {
        st = fail(c, st, "NTLMv2 keys");
        goto out;
    }
    /* NTLMv2_CLIENT_CHALLENGE (MS-NLMP 2.2.2.7): RespType 1, HiRespType 1, reserved,
     * TimeStamp, ChallengeFromClient, reserved, AvPairs (MsvAvEOL only). */
    smb_wr bw;
    wr_init(&bw, nt + 16, sizeof nt - 16);
    wr_u8(&bw, 1);
    wr_u8(&bw, 1);
    wr_u16le(&bw, 0);
    wr_u32le(&bw, 0);
    wr_u64le(&bw, smb1_client_filetime());
    wr_bytes(&bw, cc, 8);
    wr_u32le(&bw, 0);
    wr_u32le(&bw, 0); /* MsvAvEOL */
    if (!wr_ok(&bw)) {
        st = fail(c, SMB_E_INTERNAL_ERROR, "NTLMv2 blob");
        goto out;
    }
    smb1_ntlmv2_proof(v2, c->challenge, nt + 16, sizeof nt - 16, proof, base);
    memcpy(nt, proof, 16);
    /* LMv2 (MS-NLMP 3.3.2): HMAC_MD5(NTOWFv2, ServerChallenge || ClientChallenge) || ClientChallenge */
    smb_hmac_md5_ctx hc;
    smb_hmac_md5_init(&hc, v2, 16);
    smb_hmac_md5_update(&hc, c->challenge, 8);
    smb_hmac_md5_update(&hc, cc, 8);
    smb_hmac_md5_final(&hc, lm);
    memcpy(lm + 16, cc, 8);
    smb_wr w;
    req_begin(c, &w, SMB1_COM_SESSION_SETUP_ANDX, c->dec.smb1_flags2);
    struct smb1_sess_setup_nt_req q = {.max_buffer_size = 65535,
                                       .max_mpx_count = 1,
                                       .capabilities = SMB1_CAP_UNICODE | SMB1_CAP_NT_SMBS |
                                                       SMB1_CAP_STATUS32 | SMB1_CAP_LARGE_FILES,
                                       .lm = lm,
                                       .lm_len = sizeof lm,
                                       .nt = nt,
                                       .nt_len = sizeof nt};
    if ((st = smb1_sess_setup_nt_req_encode(&w, 4, &q, user, dom)) != SMB_OK) {
        st = fail(c, st, "building SESSION_SETUP_ANDX");
        goto out;
    }
    c->info.session_setup_sent = true;
    if ((st = transact(c, &w, NULL)) != SMB_OK) {
        st = die(c, st, "SESSION_SETUP refused by the server");
        goto out;
    }
    c->uid = c->rh.uid;
    struct smb1_block b;
    if ((st = first_block(c, &b)) != SMB_OK)
        goto out;
    if (b.word_count < 3) {
        st = die(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed SESSION_SETUP response");
        goto out;
    }
    if (le16(b.words + 4) & 1) { /* Action: SMB_SETUP_GUEST, no key */
        if (c->dec.sign)
            st = die(c, SMB_E_ACCESS_DENIED, "guest session while signing is required");
        goto out;
    }
    if (c->dec.sign) {
        memcpy(key, base, 16);
        memcpy(key + 16, nt, sizeof nt);
        st = activate_signing(c, key, sizeof key);
    }
out:
    smb_wipe(nth, sizeof nth);
    smb_wipe(v2, sizeof v2);
    smb_wipe(proof, sizeof proof);
    smb_wipe(base, sizeof base);
    smb_wipe(key, sizeof key);
    smb_wipe(lm, sizeof lm);
    return st;
}

smb_status smb1_client_connect(struct smb1_client **out, const struct smb1_client_opts *o)
{
    *out = NULL;
    struct smb1_client *c = calloc(1, sizeof *c);
    if (!c)
        return SMB_E_NOMEM;
    *out = c;
    c->fd = -1;
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
    c->side.level = o->signing;
    c->side.era = o->era;
    c->flags2 = SMB1_CLI_FLAGS2;
    if (o->no_spnego)
        c->flags2 &= (uint16_t)~SMB1_FLAGS2_EXTENDED_SECURITY;
    c->out = malloc(SMB1_CLI_BUF);
    c->in = malloc(SMB1_CLI_BUF);
    if (!c->out || !c->in)
        return fail(c, SMB_E_NOMEM, "out of memory");
    smb_status st = tcp_connect(c, o->address ? o->address : o->host, o->port ? o->port : 445);
    if (st == SMB_OK)
        st = negotiate(c);
    if (st == SMB_OK)
        st = c->info.extended_security ? session_setup(c, o) : session_setup_nt(c, o);
    smb_auth_wipe(&c->auth);
    return st;
}

static SMB_WUR smb_status need_block(struct smb1_client *c, struct smb1_block *b)
{
    return first_block(c, b);
}

smb_status smb1_client_tree_connect(struct smb1_client *c, const char *share)
{
    char unc[300];
    snprintf(unc, sizeof unc, "\\\\SERVER\\%s", share);
    smb_wr w;
    req_begin(c, &w, SMB1_COM_TREE_CONNECT_ANDX, 0);
    smb_status st = smb1_tree_connect_req_encode(&w, 4, unc);
    if (st != SMB_OK)
        return fail(c, st, "building TREE_CONNECT_ANDX");
    if ((st = transact(c, &w, NULL)) != SMB_OK)
        return c->why[0] ? st : fail(c, st, "TREE_CONNECT_ANDX refused");
    struct smb1_block b;
    uint16_t opt;
    if ((st = need_block(c, &b)) != SMB_OK)
        return st;
    if (smb1_tree_connect_rsp_decode(&b, &opt) != SMB_OK)
        return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed TREE_CONNECT_ANDX response");
    c->tid = c->rh.tid;
    return SMB_OK;
}

smb_status smb1_client_echo(struct smb1_client *c)
{
    smb_wr w;
    req_begin(c, &w, SMB1_COM_ECHO, 0);
    static const uint8_t data[4] = {'p', 'i', 'n', 'g'};
    smb_status st = smb1_echo_req_encode(&w, 4, 1, data, sizeof data);
    return st == SMB_OK ? transact(c, &w, NULL) : st;
}

smb_status smb1_client_open(struct smb1_client *c, const char *path, bool create, uint16_t *fid,
                            uint64_t *size)
{
    smb_wr w;
    req_begin(c, &w, SMB1_COM_NT_CREATE_ANDX, 0);
    struct smb1_nt_create_req q;
    memset(&q, 0, sizeof q);
    q.desired_access = create ? 0x0012019Fu : 0x00120089u; /* generic read(/write) rights */
    q.ext_attributes = 0x80;
    q.share_access = 0x3;
    q.disposition = create ? 5 : 1; /* FILE_OVERWRITE_IF / FILE_OPEN */
    q.options = 0x40;               /* FILE_NON_DIRECTORY_FILE */
    q.impersonation = 2;
    smb_status st = smb1_nt_create_req_encode(&w, 4, &q, path);
    if (st != SMB_OK)
        return fail(c, st, "building NT_CREATE_ANDX");
    if ((st = transact(c, &w, NULL)) != SMB_OK)
        return st;
    struct smb1_block b;
    struct smb1_nt_create_rsp r;
    if ((st = need_block(c, &b)) != SMB_OK)
        return st;
    if (smb1_nt_create_rsp_decode(&b, &r) != SMB_OK)
        return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed NT_CREATE_ANDX response");
    *fid = r.fid;
    if (size)
        *size = r.end_of_file;
    return SMB_OK;
}

smb_status smb1_client_write(struct smb1_client *c, uint16_t fid, uint64_t off, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        uint32_t n = len > 60000 ? 60000 : (uint32_t)len;
        smb_wr w;
        req_begin(c, &w, SMB1_COM_WRITE_ANDX, 0);
        struct smb1_write_req q = {.fid = fid, .offset = off, .data = p, .data_len = n};
        smb_status st = smb1_write_req_encode(&w, 4, &q);
        if (st != SMB_OK)
            return fail(c, st, "building WRITE_ANDX");
        if ((st = transact(c, &w, NULL)) != SMB_OK)
            return st;
        struct smb1_block b;
        uint32_t count;
        if ((st = need_block(c, &b)) != SMB_OK)
            return st;
        if (smb1_write_rsp_decode(&b, &count) != SMB_OK || count == 0 || count > n)
            return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed WRITE_ANDX response");
        p += count;
        off += count;
        len -= count;
    }
    return SMB_OK;
}

smb_status smb1_client_read(struct smb1_client *c, uint16_t fid, uint64_t off, void *buf, size_t len,
                            size_t *got)
{
    uint8_t *p = buf;
    *got = 0;
    while (len) {
        uint32_t n = len > 60000 ? 60000 : (uint32_t)len;
        smb_wr w;
        req_begin(c, &w, SMB1_COM_READ_ANDX, 0);
        struct smb1_read_req q = {.fid = fid, .offset = off, .max_count = n};
        smb_status st = smb1_read_req_encode(&w, 4, &q);
        if (st != SMB_OK)
            return fail(c, st, "building READ_ANDX");
        st = transact(c, &w, NULL);
        if (st == SMB_E_END_OF_FILE)
            return SMB_OK;
        if (st != SMB_OK)
            return st;
        struct smb1_block b;
        const uint8_t *data;
        uint32_t dl;
        if ((st = need_block(c, &b)) != SMB_OK)
            return st;
        if (smb1_read_rsp_decode(c->in, c->in_len, &b, &data, &dl) != SMB_OK || dl > n)
            return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed READ_ANDX response");
        if (dl == 0)
            return SMB_OK;
        memcpy(p, data, dl);
        p += dl;
        off += dl;
        len -= dl;
        *got += dl;
    }
    return SMB_OK;
}

smb_status smb1_client_close(struct smb1_client *c, uint16_t fid)
{
    smb_wr w;
    req_begin(c, &w, SMB1_COM_CLOSE, 0);
    smb_status st = smb1_close_req_encode(&w, 4, fid);
    return st == SMB_OK ? transact(c, &w, NULL) : st;
}

smb_status smb1_client_tree_disconnect(struct smb1_client *c)
{
    smb_wr w;
    req_begin(c, &w, SMB1_COM_TREE_DISCONNECT, 0);
    smb_status st = smb1_empty_encode(&w, 4);
    if (st == SMB_OK)
        st = transact(c, &w, NULL);
    c->tid = 0;
    return st;
}

#define SMB1_CLI_FIND_MAX_ROUNDS 4096 /* FIND_NEXT2 rounds per listing */

/* Walk SMB_FIND_FILE_BOTH_DIRECTORY_INFO entries (MS-CIFS 2.2.8.1.7); -1 malformed, 1 stopped. */
static int walk_entries(const uint8_t *d, size_t dl, uint16_t count, smb1_client_list_fn cb, void *arg)
{
    size_t off = 0;
    for (uint16_t i = 0; i < count; i++) {
        if (off + 94 > dl)
            return -1;
        uint32_t next = le32(d + off), nlen = le32(d + off + 60);
        uint64_t eof = le64(d + off + 40);
        uint32_t attr = le32(d + off + 56);
        if (nlen > 1024 || off + 94 + nlen > dl)
            return -1;
        char name[1024 * 3 / 2 + 4];
        size_t ul = 0;
        if (smb_utf16le_to_utf8(d + off + 94, nlen, name, sizeof name, &ul) != SMB_OK)
            return -1;
        if (cb(name, eof, attr, arg))
            return 1;
        if (next == 0)
            break;
        if (next < 94 || off + next <= off || off + next > dl)
            return -1;
        off += next;
    }
    return 0;
}

smb_status smb1_client_list(struct smb1_client *c, const char *dir, smb1_client_list_fn cb, void *arg)
{
    char pat[600];
    snprintf(pat, sizeof pat, "%s%s\\*", dir && *dir && *dir != '\\' ? "\\" : "", dir ? dir : "");
    for (char *p = pat; *p; p++)
        if (*p == '/')
            *p = '\\';
    uint8_t param[12 + 1300];
    smb_wr pw;
    wr_init(&pw, param, sizeof param);
    wr_u16le(&pw, 0x0016); /* hidden | system | directory */
    wr_u16le(&pw, 512);
    wr_u16le(&pw, 0x0002); /* SMB_FIND_CLOSE_AT_EOS */
    wr_u16le(&pw, 0x0104);
    wr_u32le(&pw, 0);
    smb1_wr_ustr(&pw, pat);
    if (!wr_ok(&pw))
        return fail(c, pw.err, "path too long");
    smb_status st = SMB_OK;
    uint16_t sid = 0;
    bool eos = false;
    for (int round = 0; !eos && round < SMB1_CLI_FIND_MAX_ROUNDS; round++) {
        smb_wr w;
        req_begin(c, &w, SMB1_COM_TRANSACTION2, 0);
        if (round == 0) {
            st = smb1_trans2_req_encode(&w, 4, TRANS2_FIND_FIRST2, param, (uint16_t)wr_len(&pw), NULL, 0,
                                        60000);
        } else {
            uint8_t np[12 + 4];
            smb_wr nw;
            wr_init(&nw, np, sizeof np);
            wr_u16le(&nw, sid);
            wr_u16le(&nw, 512);
            wr_u16le(&nw, 0x0104);
            wr_u32le(&nw, 0);
            wr_u16le(&nw, 0x000A); /* CLOSE_AT_EOS | CONTINUE_FROM_LAST */
            wr_u16le(&nw, 0);      /* empty FileName */
            st = smb1_trans2_req_encode(&w, 4, TRANS2_FIND_NEXT2, np, (uint16_t)wr_len(&nw), NULL, 0, 60000);
        }
        if (st != SMB_OK)
            return fail(c, st, "building TRANS2");
        uint32_t nts = 0;
        st = transact(c, &w, &nts);
        if (st == SMB_E_NO_SUCH_FILE && round == 0)
            return SMB_OK; /* empty match */
        if (st != SMB_OK)
            return st;
        struct smb1_block b;
        const uint8_t *rp, *rd;
        uint16_t rpl, rdl;
        if ((st = first_block(c, &b)) != SMB_OK)
            return st;
        if (smb1_trans2_rsp_decode(c->in, c->in_len, &b, &rp, &rpl, &rd, &rdl) != SMB_OK)
            return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed TRANS2 response");
        uint16_t count;
        if (round == 0) {
            if (rpl < 10)
                return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "short FIND_FIRST2 parameters");
            sid = le16(rp);
            count = le16(rp + 2);
            eos = le16(rp + 4) != 0;
        } else {
            if (rpl < 8)
                return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "short FIND_NEXT2 parameters");
            count = le16(rp);
            eos = le16(rp + 2) != 0;
        }
        int r = walk_entries(rd, rdl, count, cb, arg);
        if (r < 0)
            return die(c, SMB_E_INVALID_NETWORK_RESPONSE, "malformed directory entries");
        if (r > 0)
            return SMB_OK;
        if (count == 0)
            break;
    }
    return SMB_OK;
}

void smb1_client_free(struct smb1_client *c)
{
    if (!c)
        return;
    if (c->fd >= 0 && !c->dead && c->uid) {
        int saved = c->timeout_ms;
        c->timeout_ms = saved < 5000 ? saved : 5000;
        /* Best effort on the way out: after a failure nothing more is sent. */
        bool alive = !c->tid || smb1_client_tree_disconnect(c) == SMB_OK;
        smb_wr w;
        req_begin(c, &w, SMB1_COM_LOGOFF_ANDX, 0);
        if (alive && smb1_logoff_encode(&w, 4) == SMB_OK && transact(c, &w, NULL) != SMB_OK)
            c->dead = true;
    }
    if (c->fd >= 0)
        close(c->fd);
    smb_sign_ctx_free(c->sign);
    smb_auth_wipe(&c->auth);
    free(c->out);
    free(c->in);
    smb_wipe(c, sizeof *c);
    free(c);
}
