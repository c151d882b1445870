/* wire/smb2/header.c - SMB2 packet header codec (MS-SMB2 2.2.1.1, 2.2.1.2). */
#include <string.h>

#include "wire/smb2/header.h"

const char *smb2_command_name(uint16_t cmd)
{
    static const char *const names[SMB2_COMMAND_COUNT] = {
        "NEGOTIATE",  "SESSION_SETUP", "LOGOFF",          "TREE_CONNECT",  "TREE_DISCONNECT",
        "CREATE",     "CLOSE",         "FLUSH",           "READ",          "WRITE",
        "LOCK",       "IOCTL",         "CANCEL",          "ECHO",          "QUERY_DIRECTORY",
        "CHANGE_NOTIFY", "QUERY_INFO", "SET_INFO",        "OPLOCK_BREAK",
    };
    return cmd < SMB2_COMMAND_COUNT ? names[cmd] : "UNKNOWN";
}

smb_status smb2_hdr_decode(smb_rd *r, struct smb2_hdr *h)
{
    const uint8_t *magic = rd_bytes(r, 4);
    uint16_t ssize = rd_u16le(r);
    h->credit_charge = rd_u16le(r);
    h->status = rd_u32le(r);
    h->command = rd_u16le(r);
    h->credit = rd_u16le(r);
    h->flags = rd_u32le(r);
    h->next_command = rd_u32le(r);
    h->message_id = rd_u64le(r);
    if (h->flags & SMB2_FLAGS_ASYNC_COMMAND) {
        h->async_id = rd_u64le(r);
        h->process_id = 0;
        h->tree_id = 0;
    } else {
        h->async_id = 0;
        h->process_id = rd_u32le(r);
        h->tree_id = rd_u32le(r);
    }
    h->session_id = rd_u64le(r);
    rd_copy(r, h->signature, 16);
    if (!rd_ok(r))
        return r->err;
    if (memcmp(magic, SMB2_MAGIC, 4) != 0 || ssize != 64) {
        rd_fail(r, SMB_E_MALFORMED);
        return SMB_E_MALFORMED;
    }
    return SMB_OK;
}

void smb2_hdr_encode(smb_wr *w, const struct smb2_hdr *h)
{
    wr_bytes(w, SMB2_MAGIC, 4);
    wr_u16le(w, 64);
    wr_u16le(w, h->credit_charge);
    wr_u32le(w, h->status);
    wr_u16le(w, h->command);
    wr_u16le(w, h->credit);
    wr_u32le(w, h->flags);
    wr_u32le(w, h->next_command);
    wr_u64le(w, h->message_id);
    if (h->flags & SMB2_FLAGS_ASYNC_COMMAND) {
        wr_u64le(w, h->async_id);
    } else {
        wr_u32le(w, h->process_id);
        wr_u32le(w, h->tree_id);
    }
    wr_u64le(w, h->session_id);
    wr_bytes(w, h->signature, 16);
}

smb_status smb2_compound_next(const uint8_t *pdu, size_t len, size_t off, size_t *elem_len, size_t *next_off)
{
    if (off > len || len - off < SMB2_HDR_LEN)
        return SMB_E_TRUNCATED;
    if (memcmp(pdu + off, SMB2_MAGIC, 4) != 0)
        return SMB_E_MALFORMED;
    uint32_t next = le32(pdu + off + 20);
    if (next == 0) {
        *elem_len = len - off;
        *next_off = 0;
        return SMB_OK;
    }
    if (next < SMB2_HDR_LEN || (next & 7) != 0 || (uint64_t)next > (uint64_t)(len - off) ||
        len - off - next < SMB2_HDR_LEN)
        return SMB_E_MALFORMED;
    *elem_len = next;
    *next_off = off + next;
    return SMB_OK;
}
