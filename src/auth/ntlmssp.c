/* auth/ntlmssp.c - NTLMSSP messages and NTLMv2 (MS-NLMP 2.2, 3.1.5, 3.2.5, 3.3.2, 3.4). */
#include <string.h>
#include <time.h>

#include "auth/ntlmssp.h"
#include "base/buf.h"
#include "base/utf16.h"
#include "crypto/crypto.h"

static const uint8_t SIG[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
/* MS-NLMP 2.2.2.10 VERSION: 10.0 build 20348, NTLMSSP_REVISION_W2K3 (0x0F) */
static const uint8_t VERSION[8] = {10, 0, 0x7c, 0x4f, 0, 0, 0, 0x0f};

#define NTLMV2_BLOB_MIN 28 /* RespType .. Reserved3 (MS-NLMP 2.2.2.7) */

/* ---------- field helpers ---------- */

static struct ntlm_buf read_field(smb_rd *r, const uint8_t *msg, size_t msglen)
{
    struct ntlm_buf b = {NULL, 0};
    uint16_t len = rd_u16le(r);
    (void)rd_u16le(r); /* MaxLen: ignored on receipt */
    uint32_t off = rd_u32le(r);
    if (!rd_ok(r))
        return b;
    if (len == 0)
        return b;
    if ((uint64_t)off + len > msglen) {
        rd_fail(r, SMB_E_MALFORMED);
        return b;
    }
    b.p = msg + off;
    b.len = len;
    return b;
}

/* Payload writer: fields at fixed positions point into a payload area. */
static void put_field(smb_wr *w, size_t field_off, const void *data, size_t len)
{
    if (len > 0xFFFF) {
        wr_fail(w, SMB_E_OVERFLOW);
        return;
    }
    size_t at = wr_len(w);
    wr_bytes(w, data, len);
    if (!wr_ok(w))
        return;
    wr_patch_u16le(w, field_off, (uint16_t)len);
    wr_patch_u16le(w, field_off + 2, (uint16_t)len);
    wr_patch_u32le(w, field_off + 4, (uint32_t)at);
}

static SMB_WUR smb_status check_header(smb_rd *r, uint32_t type)
{
    const uint8_t *s = rd_bytes(r, 8);
    uint32_t t = rd_u32le(r);
    if (!rd_ok(r))
        return r->err;
    if (memcmp(s, SIG, 8) != 0 || t != type)
        return SMB_E_MALFORMED;
    return SMB_OK;
}

/* ---------- NEGOTIATE_MESSAGE (2.2.1.1) ---------- */

smb_status smb_ntlm_negotiate_encode(uint32_t flags, uint8_t *out, size_t cap, size_t *outlen)
{
    smb_wr w;
    wr_init(&w, out, cap);
    wr_bytes(&w, SIG, 8);
    wr_u32le(&w, 1);
    wr_u32le(&w, flags);
    wr_zero(&w, 8); /* DomainNameFields: not supplied */
    wr_zero(&w, 8); /* WorkstationFields: not supplied */
    if (flags & NTLMSSP_NEGOTIATE_VERSION)
        wr_bytes(&w, VERSION, 8);
    else
        wr_zero(&w, 8);
    if (!wr_ok(&w))
        return w.err;
    *outlen = wr_len(&w);
    return SMB_OK;
}

smb_status smb_ntlm_negotiate_decode(const uint8_t *p, size_t len, struct ntlm_negotiate *out)
{
    smb_rd r;
    smb_status st;
    memset(out, 0, sizeof *out);
    if (len > NTLM_MAX_MSG)
        return SMB_E_MALFORMED;
    rd_init(&r, p, len);
    if ((st = check_header(&r, 1)) != SMB_OK)
        return st;
    out->flags = rd_u32le(&r);
    /* Domain/Workstation fields are optional in very old clients (16 bytes
     * total); only read them when present. */
    if (rd_remaining(&r) >= 16) {
        out->domain = read_field(&r, p, len);
        out->workstation = read_field(&r, p, len);
    }
    return rd_ok(&r) ? SMB_OK : r.err;
}

/* ---------- CHALLENGE_MESSAGE (2.2.1.2) ---------- */

smb_status smb_ntlm_challenge_encode(const struct ntlm_challenge *c, uint8_t *out, size_t cap, size_t *outlen)
{
    smb_wr w;
    wr_init(&w, out, cap);
    wr_bytes(&w, SIG, 8);
    wr_u32le(&w, 2);
    size_t tn = wr_reserve(&w, 8);
    wr_u32le(&w, c->flags);
    wr_bytes(&w, c->server_challenge, 8);
    wr_zero(&w, 8);
    size_t ti = wr_reserve(&w, 8);
    wr_bytes(&w, c->has_version ? c->version : VERSION, 8);
    put_field(&w, tn, c->target_name.p, c->target_name.len);
    put_field(&w, ti, c->target_info.p, c->target_info.len);
    if (!wr_ok(&w))
        return w.err;
    *outlen = wr_len(&w);
    return SMB_OK;
}

smb_status smb_ntlm_challenge_decode(const uint8_t *p, size_t len, struct ntlm_challenge *out)
{
    smb_rd r;
    smb_status st;
    memset(out, 0, sizeof *out);
    if (len > NTLM_MAX_MSG)
        return SMB_E_MALFORMED;
    rd_init(&r, p, len);
    if ((st = check_header(&r, 2)) != SMB_OK)
        return st;
    out->target_name = read_field(&r, p, len);
    out->flags = rd_u32le(&r);
    rd_copy(&r, out->server_challenge, 8);
    rd_skip(&r, 8);
    out->target_info = read_field(&r, p, len);
    if (!rd_ok(&r))
        return r.err;
    if (rd_remaining(&r) >= 8 && (out->flags & NTLMSSP_NEGOTIATE_VERSION)) {
        rd_copy(&r, out->version, 8);
        out->has_version = true;
    }
    if (out->target_info.len) {
        struct ntlm_buf eol;
        /* the list must be well formed and end with MsvAvEOL */
        st = smb_ntlm_av_find(out->target_info.p, out->target_info.len, 0xFFFF, &eol);
        if (st != SMB_E_NOT_FOUND)
            return SMB_E_MALFORMED;
    }
    return rd_ok(&r) ? SMB_OK : r.err;
}

/* ---------- AUTHENTICATE_MESSAGE (2.2.1.3) ---------- */

#define AUTH_FIXED 64
#define AUTH_MIC_OFF 72
#define AUTH_PAYLOAD 88

smb_status smb_ntlm_authenticate_encode(const struct ntlm_authenticate *a, bool with_mic, uint8_t *out, size_t cap,
                                        size_t *outlen)
{
    smb_wr w;
    wr_init(&w, out, cap);
    wr_bytes(&w, SIG, 8);
    wr_u32le(&w, 3);
    size_t f_lm = wr_reserve(&w, 8);
    size_t f_nt = wr_reserve(&w, 8);
    size_t f_dom = wr_reserve(&w, 8);
    size_t f_user = wr_reserve(&w, 8);
    size_t f_ws = wr_reserve(&w, 8);
    size_t f_key = wr_reserve(&w, 8);
    wr_u32le(&w, a->flags);
    if (a->flags & NTLMSSP_NEGOTIATE_VERSION)
        wr_bytes(&w, VERSION, 8);
    else
        wr_zero(&w, 8);
    if (with_mic)
        wr_zero(&w, 16);
    put_field(&w, f_dom, a->domain.p, a->domain.len);
    put_field(&w, f_user, a->user.p, a->user.len);
    put_field(&w, f_ws, a->workstation.p, a->workstation.len);
    put_field(&w, f_lm, a->lm_response.p, a->lm_response.len);
    put_field(&w, f_nt, a->nt_response.p, a->nt_response.len);
    put_field(&w, f_key, a->enc_session_key.p, a->enc_session_key.len);
    /* empty fields still point at the end of the payload */
    if (wr_ok(&w)) {
        size_t fields[6] = {f_lm, f_nt, f_dom, f_user, f_ws, f_key};
        for (int i = 0; i < 6; i++)
            if (le16(out + fields[i]) == 0)
                wr_patch_u32le(&w, fields[i] + 4, (uint32_t)wr_len(&w));
    }
    if (!wr_ok(&w))
        return w.err;
    *outlen = wr_len(&w);
    return SMB_OK;
}

smb_status smb_ntlm_authenticate_decode(const uint8_t *p, size_t len, struct ntlm_authenticate *out)
{
    smb_rd r;
    smb_status st;
    memset(out, 0, sizeof *out);
    if (len > NTLM_MAX_MSG)
        return SMB_E_MALFORMED;
    rd_init(&r, p, len);
    if ((st = check_header(&r, 3)) != SMB_OK)
        return st;
    out->lm_response = read_field(&r, p, len);
    out->nt_response = read_field(&r, p, len);
    out->domain = read_field(&r, p, len);
    out->user = read_field(&r, p, len);
    out->workstation = read_field(&r, p, len);
    out->enc_session_key = read_field(&r, p, len);
    out->flags = rd_u32le(&r);
    if (!rd_ok(&r))
        return r.err;
    /* The MIC sits at 72 when every payload starts at or after 88. */
    size_t min_off = len;
    const struct ntlm_buf *f[6] = {&out->lm_response, &out->nt_response, &out->domain,
                                   &out->user,        &out->workstation, &out->enc_session_key};
    for (int i = 0; i < 6; i++)
        if (f[i]->len && (size_t)(f[i]->p - p) < min_off)
            min_off = (size_t)(f[i]->p - p);
    if (min_off >= AUTH_PAYLOAD && len >= AUTH_PAYLOAD) {
        out->has_mic = true;
        out->mic_offset = AUTH_MIC_OFF;
        memcpy(out->mic, p + AUTH_MIC_OFF, 16);
    }
    if (out->enc_session_key.len && out->enc_session_key.len != 16)
        return SMB_E_MALFORMED;
    return SMB_OK;
}

/* ---------- AV pairs (2.2.2.1) ---------- */

smb_status smb_ntlm_av_find(const uint8_t *p, size_t len, uint16_t id, struct ntlm_buf *val)
{
    smb_rd r;
    rd_init(&r, p, len);
    for (;;) {
        uint16_t aid = rd_u16le(&r);
        uint16_t alen = rd_u16le(&r);
        const uint8_t *v = rd_bytes(&r, alen);
        if (!rd_ok(&r))
            return SMB_E_MALFORMED;
        if (aid == MsvAvEOL)
            return SMB_E_NOT_FOUND;
        if (aid == id) {
            val->p = v;
            val->len = alen;
            return SMB_OK;
        }
    }
}

smb_status smb_ntlm_av_put(uint8_t *out, size_t cap, size_t *off, uint16_t id, const void *val, size_t vlen)
{
    if (vlen > 0xFFFF || *off > cap || cap - *off < 4 + vlen)
        return SMB_E_OVERFLOW;
    put_le16(out + *off, id);
    put_le16(out + *off + 2, (uint16_t)vlen);
    if (vlen)
        memcpy(out + *off + 4, val, vlen);
    *off += 4 + vlen;
    return SMB_OK;
}

/* ---------- NTLMv2 (3.3.2) ---------- */

smb_status smb_ntlm_nt_hash(const char *password, uint8_t out[16])
{
    uint8_t u[2 * 512];
    size_t ul = 0;
    smb_status st = smb_utf8_to_utf16le(password ? password : "", password ? strlen(password) : 0, u, sizeof u, &ul);
    if (st == SMB_OK)
        smb_md4(u, ul, out);
    smb_wipe(u, sizeof u);
    return st;
}

static void upper_u16(uint8_t *u, size_t len)
{
    /* RtlUpcaseUnicodeString on the common ranges: ASCII and Latin-1 */
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint16_t c = (uint16_t)(u[i] | (u[i + 1] << 8));
        if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7))
            c = (uint16_t)(c - 32);
        u[i] = (uint8_t)c;
        u[i + 1] = (uint8_t)(c >> 8);
    }
}

void smb_ntlm_ntowfv2_u16(const uint8_t nt_hash[16], struct ntlm_buf user, struct ntlm_buf domain, uint8_t out[16])
{
    uint8_t buf[4 * NTLM_MAX_NAME];
    size_t ul = user.len < 2 * NTLM_MAX_NAME ? user.len : 2 * NTLM_MAX_NAME;
    size_t dl = domain.len < 2 * NTLM_MAX_NAME ? domain.len : 2 * NTLM_MAX_NAME;
    if (ul)
        memcpy(buf, user.p, ul);
    upper_u16(buf, ul);
    if (dl)
        memcpy(buf + ul, domain.p, dl);
    smb_hmac_md5(nt_hash, 16, buf, ul + dl, out);
    smb_wipe(buf, sizeof buf);
}

smb_status smb_ntlm_ntowfv2(const uint8_t nt_hash[16], const char *user, const char *domain, uint8_t out[16])
{
    uint8_t u[2 * NTLM_MAX_NAME], d[2 * NTLM_MAX_NAME];
    size_t ul = 0, dl = 0;
    smb_status st = smb_utf8_to_utf16le(user, strlen(user), u, sizeof u, &ul);
    if (st == SMB_OK)
        st = smb_utf8_to_utf16le(domain, strlen(domain), d, sizeof d, &dl);
    if (st != SMB_OK)
        return st;
    struct ntlm_buf ub = {u, ul}, db = {d, dl};
    smb_ntlm_ntowfv2_u16(nt_hash, ub, db, out);
    return SMB_OK;
}

uint64_t smb_ntlm_filetime_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull + (uint64_t)ts.tv_nsec / 100;
}

/* ---------- client (3.1.5) ---------- */

smb_status smb_ntlm_client_init(struct smb_ntlm_client *c, const char *user, const char *domain, const char *password,
                                const char *workstation)
{
    memset(c, 0, sizeof *c);
    if (!user)
        user = "";
    if (!domain)
        domain = "";
    if (!workstation)
        workstation = "SMBSIGN";
    if (strlen(user) >= sizeof c->user || strlen(domain) >= sizeof c->domain ||
        strlen(workstation) >= sizeof c->workstation)
        return SMB_E_BAD_ARGUMENT;
    strcpy(c->user, user);
    strcpy(c->domain, domain);
    strcpy(c->workstation, workstation);
    c->anonymous = user[0] == '\0' && (!password || password[0] == '\0');
    if (!c->anonymous)
        return smb_ntlm_nt_hash(password ? password : "", c->nt_hash);
    return SMB_OK;
}

void smb_ntlm_client_wipe(struct smb_ntlm_client *c) { smb_wipe(c, sizeof *c); }

smb_status smb_ntlm_client_negotiate(struct smb_ntlm_client *c, uint8_t *out, size_t cap, size_t *outlen)
{
    uint32_t flags = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_SIGN |
                     NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
                     NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_TARGET_INFO |
                     NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH |
                     NTLMSSP_NEGOTIATE_56;
    if (c->anonymous)
        flags |= NTLMSSP_NEGOTIATE_ANONYMOUS;
    smb_status st = smb_ntlm_negotiate_encode(flags, c->negotiate, sizeof c->negotiate, &c->negotiate_len);
    if (st != SMB_OK)
        return st;
    if (cap < c->negotiate_len)
        return SMB_E_OVERFLOW;
    memcpy(out, c->negotiate, c->negotiate_len);
    *outlen = c->negotiate_len;
    return SMB_OK;
}

/* Build the client's AV list: the server's pairs (minus EOL, Flags and any
 * TargetName), our MsvAvFlags (MIC present) when a MIC is sent, our
 * MsvAvTargetName (the SPN of the server we meant to reach, so that a server
 * can refuse an authentication relayed or reflected to it) when spn is not
 * empty, then EOL (3.1.5.1.2). */
static SMB_WUR smb_status client_av(const struct ntlm_buf ti, bool mic, const char *spn, uint8_t *out, size_t cap,
                                    size_t *olen)
{
    smb_rd r;
    size_t off = 0;
    uint32_t avflags = 0;
    smb_status st;
    rd_init(&r, ti.p, ti.len);
    while (rd_remaining(&r) > 0) {
        uint16_t id = rd_u16le(&r);
        uint16_t l = rd_u16le(&r);
        const uint8_t *v = rd_bytes(&r, l);
        if (!rd_ok(&r))
            return SMB_E_MALFORMED;
        if (id == MsvAvEOL)
            break;
        if (id == MsvAvFlags) {
            if (l == 4)
                avflags = le32(v);
            continue;
        }
        if (id == MsvAvTargetName)
            continue;
        if ((st = smb_ntlm_av_put(out, cap, &off, id, v, l)) != SMB_OK)
            return st;
    }
    if (spn && spn[0]) {
        uint8_t u16[2 * sizeof ((struct smb_ntlm_client *)0)->target_spn];
        size_t ul;
        if ((st = smb_utf8_to_utf16le(spn, strlen(spn), u16, sizeof u16, &ul)) != SMB_OK ||
            (st = smb_ntlm_av_put(out, cap, &off, MsvAvTargetName, u16, ul)) != SMB_OK)
            return st;
    }
    if (mic)
        avflags |= NTLM_AVFLAG_MIC_PRESENT;
    if (avflags) {
        uint8_t f[4];
        put_le32(f, avflags);
        if ((st = smb_ntlm_av_put(out, cap, &off, MsvAvFlags, f, 4)) != SMB_OK)
            return st;
    }
    if ((st = smb_ntlm_av_put(out, cap, &off, MsvAvEOL, NULL, 0)) != SMB_OK)
        return st;
    *olen = off;
    return SMB_OK;
}

smb_status smb_ntlm_client_authenticate(struct smb_ntlm_client *c, const uint8_t *chal, size_t clen, uint8_t *out,
                                        size_t cap, size_t *outlen)
{
    struct ntlm_challenge ch;
    struct ntlm_authenticate a;
    uint8_t rkey[16], proof[16], base[16], exported[16], enc[16], cc[8], lm[24];
    uint8_t ntresp[NTLMV2_BLOB_MIN + 16 + 1024];
    uint8_t u_user[2 * NTLM_MAX_NAME], u_dom[2 * NTLM_MAX_NAME], u_ws[128];
    size_t uul = 0, udl = 0, uwl = 0, avl = 0;
    smb_status st;

    if ((st = smb_ntlm_challenge_decode(chal, clen, &ch)) != SMB_OK)
        return st;
    if (!(ch.flags & NTLMSSP_NEGOTIATE_UNICODE))
        return SMB_E_NOT_SUPPORTED;
    memset(&a, 0, sizeof a);
    uint32_t flags = ch.flags & (NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_NTLM |
                                 NTLMSSP_NEGOTIATE_ALWAYS_SIGN | NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
                                 NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_NEGOTIATE_128 |
                                 NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56 | NTLMSSP_TARGET_TYPE_SERVER |
                                 NTLMSSP_TARGET_TYPE_DOMAIN | NTLMSSP_REQUEST_TARGET);
    if ((st = smb_utf8_to_utf16le(c->user, strlen(c->user), u_user, sizeof u_user, &uul)) != SMB_OK ||
        (st = smb_utf8_to_utf16le(c->domain, strlen(c->domain), u_dom, sizeof u_dom, &udl)) != SMB_OK ||
        (st = smb_utf8_to_utf16le(c->workstation, strlen(c->workstation), u_ws, sizeof u_ws, &uwl)) != SMB_OK)
        return st;
    a.domain = (struct ntlm_buf){u_dom, udl};
    a.user = (struct ntlm_buf){u_user, uul};
    a.workstation = (struct ntlm_buf){u_ws, uwl};

    if (c->anonymous) {
        /* 3.1.5.1.2: anonymous - empty NT response, LM response Z(1), no key */
        static const uint8_t z1[1] = {0};
        flags |= NTLMSSP_NEGOTIATE_ANONYMOUS;
        flags &= ~(NTLMSSP_NEGOTIATE_KEY_EXCH);
        a.flags = flags;
        a.lm_response = (struct ntlm_buf){z1, 1};
        c->flags = flags;
        c->mic_sent = false;
        c->have_key = false;
        return smb_ntlm_authenticate_encode(&a, false, out, cap, outlen);
    }

    /* timestamp: the server's MsvAvTimestamp when present (3.1.5.1.2) */
    struct ntlm_buf tsv;
    bool have_ts = ch.target_info.len &&
                   smb_ntlm_av_find(ch.target_info.p, ch.target_info.len, MsvAvTimestamp, &tsv) == SMB_OK &&
                   tsv.len == 8;
    uint64_t ts = c->fixed ? c->fixed_time : (have_ts ? le64(tsv.p) : smb_ntlm_filetime_now());
    if (c->fixed)
        memcpy(cc, c->fixed_client_challenge, 8);
    else if ((st = smb_random(cc, 8)) != SMB_OK)
        goto out;
    bool mic = have_ts;

    /* temp = 1 1 Z(6) Time ClientChallenge Z(4) ServerName Z(4) */
    size_t tl = 0;
    uint8_t *temp = ntresp + 16;
    temp[tl++] = 1;
    temp[tl++] = 1;
    memset(temp + tl, 0, 6);
    tl += 6;
    put_le64(temp + tl, ts);
    tl += 8;
    memcpy(temp + tl, cc, 8);
    tl += 8;
    memset(temp + tl, 0, 4);
    tl += 4;
    if (ch.target_info.len) {
        if ((st = client_av(ch.target_info, mic, c->target_spn, temp + tl, sizeof ntresp - 16 - tl - 4, &avl)) != SMB_OK)
            goto out;
    } else {
        avl = 0;
    }
    tl += avl;
    memset(temp + tl, 0, 4);
    tl += 4;

    if ((st = smb_ntlm_ntowfv2(c->nt_hash, c->user, c->domain, rkey)) != SMB_OK)
        goto out;
    {
        uint8_t sc_temp[8 + sizeof ntresp];
        memcpy(sc_temp, ch.server_challenge, 8);
        memcpy(sc_temp + 8, temp, tl);
        smb_hmac_md5(rkey, 16, sc_temp, 8 + tl, proof);
        smb_wipe(sc_temp, sizeof sc_temp);
    }
    memcpy(ntresp, proof, 16);
    smb_hmac_md5(rkey, 16, proof, 16, base); /* SessionBaseKey = KeyExchangeKey */

    /* LMv2: zeroed when the server sent a timestamp (3.1.5.1.2) */
    if (have_ts) {
        memset(lm, 0, 24);
    } else {
        uint8_t sc_cc[16];
        memcpy(sc_cc, ch.server_challenge, 8);
        memcpy(sc_cc + 8, cc, 8);
        smb_hmac_md5(rkey, 16, sc_cc, 16, lm);
        memcpy(lm + 16, cc, 8);
    }

    if (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
        if (c->fixed)
            memcpy(exported, c->fixed_random_key, 16);
        else if ((st = smb_random(exported, 16)) != SMB_OK)
            goto out;
        smb_rc4(base, 16, exported, enc, 16);
        a.enc_session_key = (struct ntlm_buf){enc, 16};
    } else {
        memcpy(exported, base, 16);
    }
    a.flags = flags;
    a.lm_response = (struct ntlm_buf){lm, 24};
    a.nt_response = (struct ntlm_buf){ntresp, 16 + tl};
    if ((st = smb_ntlm_authenticate_encode(&a, mic, out, cap, outlen)) != SMB_OK)
        goto out;
    if (mic) {
        /* MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE) (3.1.5.1.2) */
        uint8_t full[16];
        smb_hmac_md5_ctx h;
        smb_hmac_md5_init(&h, exported, 16);
        smb_hmac_md5_update(&h, c->negotiate, c->negotiate_len);
        smb_hmac_md5_update(&h, chal, clen);
        smb_hmac_md5_update(&h, out, *outlen);
        smb_hmac_md5_final(&h, full);
        memcpy(out + AUTH_MIC_OFF, full, 16);
    }
    memcpy(c->session_key, exported, 16);
    c->have_key = true;
    c->flags = flags;
    c->mic_sent = mic;
    st = SMB_OK;
out:
    smb_wipe(rkey, sizeof rkey);
    smb_wipe(base, sizeof base);
    smb_wipe(exported, sizeof exported);
    smb_wipe(proof, sizeof proof);
    return st;
}

/* ---------- server verification (3.2.5.1.2) ---------- */

smb_status smb_ntlm_server_verify(const uint8_t *neg, size_t nlen, const uint8_t *chal, size_t clen,
                                  const uint8_t *auth, size_t alen, const uint8_t nt_hash[16],
                                  struct ntlm_verify_result *res)
{
    struct ntlm_challenge ch;
    struct ntlm_authenticate a;
    uint8_t rkey[16], proof[16], base[16], exported[16];
    smb_status st;
    memset(res, 0, sizeof *res);
    if (nlen > NTLM_MAX_NEGOTIATE || clen > NTLM_MAX_MSG || alen > NTLM_MAX_MSG)
        return SMB_E_MALFORMED;
    if ((st = smb_ntlm_challenge_decode(chal, clen, &ch)) != SMB_OK)
        return st;
    if ((st = smb_ntlm_authenticate_decode(auth, alen, &a)) != SMB_OK)
        return st;
    res->flags = a.flags;
    if (a.user.len == 0 && a.nt_response.len == 0 && a.lm_response.len <= 1) {
        res->anonymous = true;
        return SMB_OK;
    }
    if (a.nt_response.len == 24)
        return SMB_E_NOT_SUPPORTED; /* NTLMv1 is refused */
    if (a.nt_response.len < 16 + NTLMV2_BLOB_MIN || !nt_hash)
        return SMB_E_LOGON_FAILURE;
    const uint8_t *temp = a.nt_response.p + 16;
    size_t tl = a.nt_response.len - 16;
    if (temp[0] != 1 || temp[1] != 1)
        return SMB_E_MALFORMED;

    smb_ntlm_ntowfv2_u16(nt_hash, a.user, a.domain, rkey);
    {
        smb_hmac_md5_ctx h;
        smb_hmac_md5_init(&h, rkey, 16);
        smb_hmac_md5_update(&h, ch.server_challenge, 8);
        smb_hmac_md5_update(&h, temp, tl);
        smb_hmac_md5_final(&h, proof);
    }
    if (!smb_memeq_ct(proof, a.nt_response.p, 16)) {
        st = SMB_E_LOGON_FAILURE;
        goto out;
    }
    smb_hmac_md5(rkey, 16, proof, 16, base);
    if (a.flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
        if (a.enc_session_key.len != 16) {
            st = SMB_E_LOGON_FAILURE;
            goto out;
        }
        smb_rc4(base, 16, a.enc_session_key.p, exported, 16);
    } else {
        memcpy(exported, base, 16);
    }

    /* MsvAvFlags in the client's blob (covered by NTProofStr) */
    struct ntlm_buf fl;
    if (tl > NTLMV2_BLOB_MIN &&
        smb_ntlm_av_find(temp + NTLMV2_BLOB_MIN, tl - NTLMV2_BLOB_MIN, MsvAvFlags, &fl) == SMB_OK && fl.len == 4 &&
        (le32(fl.p) & NTLM_AVFLAG_MIC_PRESENT)) {
        uint8_t mic[16];
        static const uint8_t zero16[16];
        smb_hmac_md5_ctx h;
        if (!a.has_mic) {
            st = SMB_E_LOGON_FAILURE;
            goto out;
        }
        smb_hmac_md5_init(&h, exported, 16);
        smb_hmac_md5_update(&h, neg, nlen);
        smb_hmac_md5_update(&h, chal, clen);
        smb_hmac_md5_update(&h, auth, AUTH_MIC_OFF);
        smb_hmac_md5_update(&h, zero16, 16);
        smb_hmac_md5_update(&h, auth + AUTH_MIC_OFF + 16, alen - AUTH_MIC_OFF - 16);
        smb_hmac_md5_final(&h, mic);
        if (!smb_memeq_ct(mic, a.mic, 16)) {
            st = SMB_E_LOGON_FAILURE;
            goto out;
        }
        res->mic_present = true;
    }
    /* MsvAvTargetName: the SPN the client meant to reach (covered by the
     * NTProofStr, so a relay cannot change it); the caller decides */
    struct ntlm_buf tn;
    size_t tnl;
    if (tl > NTLMV2_BLOB_MIN &&
        smb_ntlm_av_find(temp + NTLMV2_BLOB_MIN, tl - NTLMV2_BLOB_MIN, MsvAvTargetName, &tn) == SMB_OK &&
        smb_utf16le_to_utf8(tn.p, tn.len, res->target_name, sizeof res->target_name, &tnl) != SMB_OK)
        res->target_name[0] = 0;
    memcpy(res->session_key, exported, 16);
    st = SMB_OK;
out:
    smb_wipe(rkey, sizeof rkey);
    smb_wipe(base, sizeof base);
    smb_wipe(exported, sizeof exported);
    return st;
}

/* ---------- NTLMSSP MAC (3.4.4.2 with extended session security) ---------- */

static void derive(const uint8_t key[16], size_t klen, const char *magic, uint8_t out[16])
{
    uint8_t buf[16 + 64];
    size_t ml = strlen(magic) + 1; /* the constants include their NUL */
    memcpy(buf, key, klen);
    memcpy(buf + klen, magic, ml);
    smb_md5(buf, klen + ml, out);
    smb_wipe(buf, sizeof buf);
}

void smb_ntlm_mac(const uint8_t session_key[16], uint32_t flags, bool c2s, uint32_t seq, const uint8_t *msg,
                  size_t len, uint8_t out[16])
{
    uint8_t sign_key[16], seal_key[16], h[16];
    derive(session_key, 16,
           c2s ? "session key to client-to-server signing key magic constant"
               : "session key to server-to-client signing key magic constant",
           sign_key);
    size_t sk = (flags & NTLMSSP_NEGOTIATE_128) ? 16 : (flags & NTLMSSP_NEGOTIATE_56) ? 7 : 5;
    derive(session_key, sk,
           c2s ? "session key to client-to-server sealing key magic constant"
               : "session key to server-to-client sealing key magic constant",
           seal_key);
    /* HMAC_MD5(SigningKey, SeqNum || Message) */
    uint8_t ctx_hdr[4];
    put_le32(ctx_hdr, seq);
    {
        smb_hmac_md5_ctx hc;
        smb_hmac_md5_init(&hc, sign_key, 16);
        smb_hmac_md5_update(&hc, ctx_hdr, 4);
        smb_hmac_md5_update(&hc, msg, len);
        smb_hmac_md5_final(&hc, h);
    }
    put_le32(out, 1);
    if (flags & NTLMSSP_NEGOTIATE_KEY_EXCH)
        smb_rc4(seal_key, 16, h, out + 4, 8);
    else
        memcpy(out + 4, h, 8);
    put_le32(out + 12, seq);
    smb_wipe(sign_key, sizeof sign_key);
    smb_wipe(seal_key, sizeof seal_key);
}

int smb_ntlm_mac_verify(const uint8_t session_key[16], uint32_t flags, bool c2s, uint32_t seq, const uint8_t *msg,
                        size_t len, const uint8_t mac[16])
{
    uint8_t want[16];
    smb_ntlm_mac(session_key, flags, c2s, seq, msg, len, want);
    return smb_memeq_ct(want, mac, 16);
}
