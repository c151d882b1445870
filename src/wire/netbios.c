/* wire/netbios.c - NetBIOS session framing and SESSION REQUEST (RFC 1001/1002, MS-SMB2 2.1). */
#include <string.h>

#include "wire/netbios.h"

void smb_nb_hdr_encode(smb_wr *w, uint8_t type, uint32_t len)
{
    if (len > SMB_NB_MAX_LEN) {
        wr_fail(w, SMB_E_OVERFLOW);
        return;
    }
    wr_u32be(w, ((uint32_t)type << 24) | len);
}

void smb_nb_hdr_patch_len(smb_wr *w, size_t off, uint32_t len)
{
    if (len > SMB_NB_MAX_LEN) {
        wr_fail(w, SMB_E_OVERFLOW);
        return;
    }
    if (!wr_ok(w) || off + 4 > w->off)
        return;
    uint8_t type = w->p[off];
    wr_patch_u32be(w, off, ((uint32_t)type << 24) | len);
}

static bool known_type(uint8_t t)
{
    return t == SMB_NB_SESSION_MESSAGE || (t >= SMB_NB_SESSION_REQUEST && t <= SMB_NB_KEEPALIVE);
}

smb_status smb_nb_hdr_decode(smb_rd *r, uint8_t *type, uint32_t *len)
{
    uint32_t v = rd_u32be(r);
    if (!rd_ok(r))
        return r->err;
    uint8_t t = (uint8_t)(v >> 24);
    uint8_t flags = (uint8_t)(v >> 16);
    /* RFC 1002 4.3.1: only bit 0 (length extension) of the flags byte is
     * defined; control packets are short, so anything else is not NetBIOS. */
    if (!known_type(t) || (t != SMB_NB_SESSION_MESSAGE && flags > 1)) {
        rd_fail(r, SMB_E_MALFORMED);
        return SMB_E_MALFORMED;
    }
    *type = t;
    *len = v & SMB_NB_MAX_LEN;
    return SMB_OK;
}

smb_status smb_nb_name_encode(smb_wr *w, const char *name, uint8_t suffix)
{
    size_t n = strlen(name);
    if (n > 15)
        return SMB_E_BAD_ARGUMENT;
    uint8_t raw[16];
    for (size_t i = 0; i < 15; i++) {
        char c = i < n ? name[i] : ' ';
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        raw[i] = (uint8_t)c;
    }
    /* RFC 1002 4.3.2 / MS-CIFS: "*SMBSERVER" keeps its padding with spaces
     * and the 0x20 suffix, like every other name. */
    raw[15] = suffix;
    wr_u8(w, 0x20);
    for (size_t i = 0; i < 16; i++) {
        wr_u8(w, (uint8_t)('A' + (raw[i] >> 4)));
        wr_u8(w, (uint8_t)('A' + (raw[i] & 0x0F)));
    }
    wr_u8(w, 0x00);
    return wr_ok(w) ? SMB_OK : w->err;
}

smb_status smb_nb_session_request_encode(smb_wr *w, const char *called, const char *calling)
{
    smb_nb_hdr_encode(w, SMB_NB_SESSION_REQUEST, 2 * SMB_NB_ENCODED_NAME_LEN);
    smb_status st = smb_nb_name_encode(w, called, 0x20);
    if (st == SMB_OK)
        st = smb_nb_name_encode(w, calling, 0x00);
    return st;
}

static SMB_WUR smb_status name_decode(smb_rd *r, char out[16], uint8_t *suffix)
{
    uint8_t len = rd_u8(r);
    const uint8_t *p = rd_bytes(r, 32);
    uint8_t term = rd_u8(r);
    if (!rd_ok(r))
        return r->err;
    /* Scope identifiers are not used by SMB; reject them rather than skip. */
    if (len != 0x20 || term != 0)
        goto bad;
    uint8_t raw[16];
    for (size_t i = 0; i < 16; i++) {
        uint8_t hi = p[2 * i], lo = p[2 * i + 1];
        if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P')
            goto bad;
        raw[i] = (uint8_t)(((hi - 'A') << 4) | (lo - 'A'));
    }
    size_t n = 15;
    while (n > 0 && raw[n - 1] == ' ')
        n--;
    for (size_t i = 0; i < n; i++)
        out[i] = (raw[i] >= 0x20 && raw[i] < 0x7f) ? (char)raw[i] : '?';
    out[n] = '\0';
    *suffix = raw[15];
    return SMB_OK;
bad:
    rd_fail(r, SMB_E_MALFORMED);
    return SMB_E_MALFORMED;
}

smb_status smb_nb_session_request_decode(smb_rd *body, struct smb_nb_session_request *out)
{
    smb_status st = name_decode(body, out->called, &out->called_suffix);
    if (st == SMB_OK)
        st = name_decode(body, out->calling, &out->calling_suffix);
    return st;
}

smb_status smb_nb_session_response_decode(uint8_t type, smb_rd *body, uint8_t *nb_error)
{
    *nb_error = 0;
    switch (type) {
    case SMB_NB_POSITIVE_RESPONSE:
        /* RFC 1002 4.3.3: length 0 */
        return rd_remaining(body) == 0 && rd_ok(body) ? SMB_OK : SMB_E_MALFORMED;
    case SMB_NB_NEGATIVE_RESPONSE:
        *nb_error = rd_u8(body);
        if (!rd_ok(body) || rd_remaining(body) != 0)
            return SMB_E_MALFORMED;
        return SMB_E_REQUEST_NOT_ACCEPTED;
    case SMB_NB_RETARGET_RESPONSE:
        /* RFC 1002 4.3.5: IP address (4) + port (2) */
        return rd_remaining(body) == 6 ? SMB_E_NOT_SUPPORTED : SMB_E_MALFORMED;
    default:
        return SMB_E_MALFORMED;
    }
}

void smb_nb_session_response_encode(smb_wr *w, bool positive, uint8_t nb_error)
{
    if (positive) {
        smb_nb_hdr_encode(w, SMB_NB_POSITIVE_RESPONSE, 0);
    } else {
        smb_nb_hdr_encode(w, SMB_NB_NEGATIVE_RESPONSE, 1);
        wr_u8(w, nb_error);
    }
}

const char *smb_nb_error_name(uint8_t e)
{
    switch (e) {
    case SMB_NB_ERR_NOT_LISTENING_CALLED:
        return "not listening on called name";
    case SMB_NB_ERR_NOT_LISTENING_CALLING:
        return "not listening for calling name";
    case SMB_NB_ERR_CALLED_NOT_PRESENT:
        return "called name not present";
    case SMB_NB_ERR_INSUFFICIENT_RESOURCES:
        return "insufficient resources";
    case SMB_NB_ERR_UNSPECIFIED:
        return "unspecified error";
    default:
        return "unknown error";
    }
}

void smb_nb_framer_init(smb_nb_framer *fr, uint32_t max_pdu, uint8_t *buf, size_t cap)
{
    memset(fr, 0, sizeof *fr);
    fr->max_pdu = max_pdu > SMB_NB_MAX_LEN ? SMB_NB_MAX_LEN : max_pdu;
    fr->buf = buf;
    fr->cap = buf ? cap : 0;
}

void smb_nb_framer_set_buffer(smb_nb_framer *fr, uint8_t *buf, size_t cap)
{
    fr->buf = buf;
    fr->cap = buf ? cap : 0;
}

void smb_nb_framer_reset(smb_nb_framer *fr)
{
    fr->hdr_have = 0;
    fr->type = 0;
    fr->oversized = false;
    fr->len = 0;
    fr->have = 0;
}

smb_status smb_nb_framer_feed(smb_nb_framer *fr, const uint8_t *data, size_t n, size_t *used)
{
    size_t i = 0;
    *used = 0;
    while (fr->hdr_have < SMB_NB_HDR_LEN) {
        if (i == n)
            return SMB_E_PENDING;
        fr->hdr[fr->hdr_have++] = data[i++];
        *used = i;
        if (fr->hdr_have == SMB_NB_HDR_LEN) {
            smb_rd r;
            rd_init(&r, fr->hdr, SMB_NB_HDR_LEN);
            smb_status st = smb_nb_hdr_decode(&r, &fr->type, &fr->len);
            if (st != SMB_OK)
                return SMB_E_MALFORMED;
            if (fr->len > fr->max_pdu) {
                fr->oversized = true;
                return SMB_E_MALFORMED;
            }
        }
    }
    if (fr->have == fr->len)
        return SMB_OK;
    if (i == n)
        return SMB_E_PENDING;
    /* Store what fits; the buffer only has to hold the bytes that actually
     * arrived, so a peer announcing a large frame and trickling it costs us
     * what it sent, not what it announced. */
    size_t room = fr->cap > fr->have ? fr->cap - fr->have : 0;
    if (room == 0)
        return SMB_E_BUFFER_TOO_SMALL;
    size_t want = fr->len - fr->have;
    size_t take = n - i < want ? n - i : want;
    if (take > room)
        take = room;
    memcpy(fr->buf + fr->have, data + i, take);
    fr->have += (uint32_t)take;
    i += take;
    *used = i;
    if (fr->have == fr->len)
        return SMB_OK;
    return i < n ? SMB_E_BUFFER_TOO_SMALL : SMB_E_PENDING;
}
