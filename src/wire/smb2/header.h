/*
 * wire/smb2/header.h - the 64-byte SMB2 packet header (MS-SMB2 2.2.1) and the
 * command numbers. Decoding never trusts the peer: ProtocolId and
 * StructureSize are checked; NextCommand is returned as read and must be
 * validated by whoever walks a compound chain (see smb2_compound_next).
 */
#ifndef SMBSIGN_WIRE_SMB2_HEADER_H
#define SMBSIGN_WIRE_SMB2_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define SMB2_HDR_LEN 64
#define SMB2_SIG_OFFSET 48
#define SMB2_SIG_LEN 16
#define SMB2_FLAGS_OFFSET 16
#define SMB2_MAGIC "\xfeSMB"
#define SMB2_TRANSFORM_MAGIC "\xfdSMB"
#define SMB2_COMPRESSION_MAGIC "\xfcSMB"

/* MS-SMB2 2.2.1.2 Flags */
#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
#define SMB2_FLAGS_ASYNC_COMMAND 0x00000002u
#define SMB2_FLAGS_RELATED_OPERATIONS 0x00000004u
#define SMB2_FLAGS_SIGNED 0x00000008u
#define SMB2_FLAGS_PRIORITY_MASK 0x00000070u
#define SMB2_FLAGS_DFS_OPERATIONS 0x10000000u
#define SMB2_FLAGS_REPLAY_OPERATION 0x20000000u

/* MS-SMB2 2.2.1.2 Command */
enum smb2_command {
    SMB2_NEGOTIATE = 0x0000,
    SMB2_SESSION_SETUP = 0x0001,
    SMB2_LOGOFF = 0x0002,
    SMB2_TREE_CONNECT = 0x0003,
    SMB2_TREE_DISCONNECT = 0x0004,
    SMB2_CREATE = 0x0005,
    SMB2_CLOSE = 0x0006,
    SMB2_FLUSH = 0x0007,
    SMB2_READ = 0x0008,
    SMB2_WRITE = 0x0009,
    SMB2_LOCK = 0x000A,
    SMB2_IOCTL = 0x000B,
    SMB2_CANCEL = 0x000C,
    SMB2_ECHO = 0x000D,
    SMB2_QUERY_DIRECTORY = 0x000E,
    SMB2_CHANGE_NOTIFY = 0x000F,
    SMB2_QUERY_INFO = 0x0010,
    SMB2_SET_INFO = 0x0011,
    SMB2_OPLOCK_BREAK = 0x0012,
    SMB2_COMMAND_COUNT = 0x0013
};

/* Returns "NEGOTIATE", "SESSION_SETUP", ... or "UNKNOWN". */
const char *smb2_command_name(uint16_t cmd);

#define SMB2_OPLOCK_BREAK_MESSAGE_ID 0xFFFFFFFFFFFFFFFFull

struct smb2_hdr {
    uint16_t credit_charge;
    uint32_t status;       /* responses: NTSTATUS; requests: ChannelSequence + Reserved */
    uint16_t command;
    uint16_t credit;       /* CreditRequest / CreditResponse */
    uint32_t flags;
    uint32_t next_command;
    uint64_t message_id;
    uint64_t async_id;     /* valid when flags & SMB2_FLAGS_ASYNC_COMMAND */
    uint32_t process_id;   /* sync form: Reserved (ProcessId) */
    uint32_t tree_id;      /* sync form */
    uint64_t session_id;
    uint8_t signature[16];
};

/* Decode the 64-byte header at the reader's position. Errors:
 * SMB_E_TRUNCATED (fewer than 64 bytes), SMB_E_MALFORMED (ProtocolId is not
 * 0xFE 'SMB' or StructureSize is not 64). */
SMB_WUR smb_status smb2_hdr_decode(smb_rd *r, struct smb2_hdr *h);
/* Encode 64 bytes (ProtocolId and StructureSize included). */
void smb2_hdr_encode(smb_wr *w, const struct smb2_hdr *h);

static inline bool smb2_hdr_is_response(const struct smb2_hdr *h)
{
    return (h->flags & SMB2_FLAGS_SERVER_TO_REDIR) != 0;
}

/*
 * Compound chains (MS-SMB2 3.2.4.1.4 / 3.3.5.2.7): given a whole SMB2 PDU
 * (without the 4-byte NetBIOS header) and the offset of one element, find that
 * element's length (NextCommand, or the rest of the PDU for the last one).
 * NextCommand must be 8-byte aligned, at least 64 and inside the PDU; the
 * element at off must hold a full header. Returns SMB_OK with *elem_len and
 * *next_off (0 when last), or SMB_E_MALFORMED / SMB_E_TRUNCATED.
 */
SMB_WUR smb_status smb2_compound_next(const uint8_t *pdu, size_t len, size_t off, size_t *elem_len, size_t *next_off);

#endif
