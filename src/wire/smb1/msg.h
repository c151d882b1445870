/*
 * wire/smb1/msg.h - the SMB1 message body (MS-CIFS 2.2.3.2, 2.2.3.3): one
 * command block = WordCount, Words, ByteCount, Bytes; AndX chains
 * (MS-CIFS 2.2.4.x: AndXCommand, AndXReserved, AndXOffset as the first two
 * words) walked with bounds and loop checks; and a block writer.
 *
 * Contract: decoders take the whole SMB1 message (32-byte header first, no
 * NetBIOS header) and return views into it. Every offset and count from the
 * wire is checked: a block must lie inside the message, ByteCount may not run
 * past its end, an AndXOffset must point strictly forward (no loops), inside
 * the message and past the current block's parameter words, and a chain is
 * at most SMB1_MAX_ANDX blocks long. Errors: SMB_E_TRUNCATED, SMB_E_MALFORMED.
 */
#ifndef SMBSIGN_WIRE_SMB1_MSG_H
#define SMBSIGN_WIRE_SMB1_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "wire/smb1/header.h"

#define SMB1_MAX_ANDX 8        /* blocks in one AndX chain */
#define SMB1_MAX_MSG (131072u) /* 17-bit NetBIOS length (MS-SMB 2.1; no large MTU here) */

/* One command block. */
struct smb1_block {
    uint8_t command; /* the command this block belongs to */
    size_t off;      /* offset of WordCount in the message */
    uint8_t word_count;
    const uint8_t *words; /* word_count * 2 bytes */
    uint16_t byte_count;
    const uint8_t *bytes;
    size_t bytes_off; /* offset of Bytes in the message (for alignment and data offsets) */
    size_t end;       /* offset just past Bytes */
};

/* Parse the block at off (the first block is at SMB1_HDR_LEN). */
SMB_WUR smb_status smb1_block_parse(const uint8_t *msg, size_t len, size_t off, uint8_t command,
                            struct smb1_block *b);

/* AndX: when b is an AndX block (the caller knows), read the next command.
 * *next_cmd = SMB1_COM_NO_ANDX_COMMAND when the chain ends (then *next is
 * untouched). Checks: word_count >= 2, offset forward past b's words and
 * inside the message; the caller counts depth (smb1_andx_walk does). */
SMB_WUR smb_status smb1_andx_next(const uint8_t *msg, size_t len, const struct smb1_block *b, uint8_t *next_cmd,
                          struct smb1_block *next);

/* Walk a whole AndX chain starting with the header's command; up to max
 * blocks into out. *n receives the number of blocks. Non-AndX commands end
 * the chain. SMB_E_MALFORMED for loops, backward or out-of-message offsets,
 * or more than SMB1_MAX_ANDX blocks. */
SMB_WUR smb_status smb1_andx_walk(const uint8_t *msg, size_t len, struct smb1_block *out, size_t max, size_t *n);
/* Commands with the AndX prefix (MS-CIFS 2.2.4). */
bool smb1_is_andx(uint8_t command);

/* ---- writer ----
 * Usage: smb1_hdr_encode(w, &h); smb1_wr_words(w, &mark); wr_u16le...;
 * smb1_wr_bytes(w, &mark); wr_bytes...; smb1_wr_end(w, mark).
 * Offsets are relative to the writer start = the SMB header (hdr_off lets a
 * caller keep a 4-byte NetBIOS header in front). */
struct smb1_wmark {
    size_t wc_at, bc_at, hdr_off;
};
void smb1_wr_begin(smb_wr *w, size_t hdr_off, struct smb1_wmark *m); /* reserves WordCount */
void smb1_wr_words_done(smb_wr *w, struct smb1_wmark *m); /* patches WordCount, reserves ByteCount */
void smb1_wr_end(smb_wr *w, struct smb1_wmark *m);        /* patches ByteCount */
/* Offset of the writer's position relative to the SMB header. */
static inline size_t smb1_wr_msg_off(const smb_wr *w, const struct smb1_wmark *m)
{
    return wr_len(w) - m->hdr_off;
}
/* Pad to even offset relative to the SMB header (Unicode strings, MS-CIFS 2.2.1.1). */
void smb1_wr_align2(smb_wr *w, const struct smb1_wmark *m);
/* UTF-8 -> UTF-16LE with a terminating NUL. Like every wr_* primitive, a
 * failure (unconvertible string, no room) is the writer's sticky error:
 * check wr_ok(w) / w->err once the message is written. */
void smb1_wr_ustr(smb_wr *w, const char *s);
/* Patch a u8. */
void smb1_wr_patch_u8(smb_wr *w, size_t off, uint8_t v);

#endif
