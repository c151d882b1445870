/*
 * wire/smb1/header.h - the 32-byte SMB1 header (MS-CIFS 2.2.3.1, MS-SMB 2.2.3.1)
 * and the command/flag constants the signing code and the SMB1 engines use.
 */
#ifndef SMBSIGN_WIRE_SMB1_HEADER_H
#define SMBSIGN_WIRE_SMB1_HEADER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"

#define SMB1_HDR_LEN 32
#define SMB1_SIG_OFFSET 14
#define SMB1_SIG_LEN 8
#define SMB1_MAGIC "\xffSMB"

/* Flags */
#define SMB1_FLAGS_CASE_INSENSITIVE 0x08
#define SMB1_FLAGS_CANONICALIZED_PATHS 0x10
#define SMB1_FLAGS_REPLY 0x80
/* Flags2 */
#define SMB1_FLAGS2_LONG_NAMES 0x0001
#define SMB1_FLAGS2_EAS 0x0002
#define SMB1_FLAGS2_SMB_SECURITY_SIGNATURE 0x0004
#define SMB1_FLAGS2_SMB_SECURITY_SIGNATURE_REQUIRED 0x0010
#define SMB1_FLAGS2_IS_LONG_NAME 0x0040
#define SMB1_FLAGS2_EXTENDED_SECURITY 0x0800
#define SMB1_FLAGS2_DFS 0x1000
#define SMB1_FLAGS2_NT_STATUS 0x4000
#define SMB1_FLAGS2_UNICODE 0x8000

/* Commands (MS-CIFS 2.2.2.1) */
#define SMB1_COM_CREATE_DIRECTORY 0x00
#define SMB1_COM_DELETE_DIRECTORY 0x01
#define SMB1_COM_DELETE 0x06
#define SMB1_COM_RENAME 0x07
#define SMB1_COM_CHECK_DIRECTORY 0x10
#define SMB1_COM_FIND_CLOSE2 0x34
#define SMB1_COM_QUERY_INFORMATION_DISK 0x80
#define SMB1_COM_CLOSE 0x04
#define SMB1_COM_ECHO 0x2B
#define SMB1_COM_READ_ANDX 0x2E
#define SMB1_COM_WRITE_ANDX 0x2F
#define SMB1_COM_TRANSACTION2 0x32
#define SMB1_COM_TREE_DISCONNECT 0x71
#define SMB1_COM_NEGOTIATE 0x72
#define SMB1_COM_SESSION_SETUP_ANDX 0x73
#define SMB1_COM_LOGOFF_ANDX 0x74
#define SMB1_COM_TREE_CONNECT_ANDX 0x75
#define SMB1_COM_NT_TRANSACT 0xA0
#define SMB1_COM_NT_CREATE_ANDX 0xA2
#define SMB1_COM_NT_CANCEL 0xA4
#define SMB1_COM_LOCKING_ANDX 0x24
#define SMB1_COM_NO_ANDX_COMMAND 0xFF

struct smb1_hdr {
    uint8_t command;
    uint32_t status;
    uint8_t flags;
    uint16_t flags2;
    uint16_t pid_high;
    uint8_t signature[8];
    uint16_t tid;
    uint16_t pid_low;
    uint16_t uid;
    uint16_t mid;
};

/* Decode 32 bytes; SMB_E_TRUNCATED / SMB_E_MALFORMED (bad magic). */
SMB_WUR smb_status smb1_hdr_decode(smb_rd *r, struct smb1_hdr *h);
void smb1_hdr_encode(smb_wr *w, const struct smb1_hdr *h);
static inline bool smb1_hdr_is_reply(const struct smb1_hdr *h) { return (h->flags & SMB1_FLAGS_REPLY) != 0; }

#endif
