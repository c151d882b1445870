/*
 * auth/der.h - a small bounds-checked DER codec for SPNEGO (ITU-T X.690).
 *
 * Contract: decoding reads through smb_rd only; every TLV's length is checked
 * against its enclosing window; indefinite lengths, lengths over 4 octets,
 * non-minimal long-form lengths and multi-byte tags are rejected
 * (SMB_E_MALFORMED); running out of bytes gives SMB_E_TRUNCATED. Nesting is
 * the caller's business (each level is a sub-reader), so there is no
 * recursion here. Encoding writes into a caller buffer through smb_wr:
 * der_begin() remembers where a constructed value starts and der_end()
 * inserts its tag and minimal length in front of the content.
 */
#ifndef SMBSIGN_AUTH_DER_H
#define SMBSIGN_AUTH_DER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define DER_MAX_LEN (1u << 20) /* cap on any one TLV length we accept */

#define DER_TAG_INTEGER 0x02
#define DER_TAG_BIT_STRING 0x03
#define DER_TAG_OCTET_STRING 0x04
#define DER_TAG_OID 0x06
#define DER_TAG_ENUMERATED 0x0A
#define DER_TAG_GENERAL_STRING 0x1B
#define DER_TAG_SEQUENCE 0x30
#define DER_TAG_APPLICATION0 0x60
#define DER_CTX(n) (0xA0 | (n)) /* [n] constructed, context-specific */

/* Read one TLV: *tag, and a sub-reader over its value. Advances r. */
SMB_WUR smb_status der_read_tlv(smb_rd *r, uint8_t *tag, smb_rd *value);
/* Read one TLV that must carry tag want. */
SMB_WUR smb_status der_expect(smb_rd *r, uint8_t want, smb_rd *value);
/* Peek the next tag without consuming; 0 when nothing is left. */
uint8_t der_peek_tag(const smb_rd *r);

/* Encoding. der_begin returns a mark; der_end(w, tag, mark) wraps everything
 * written since mark as the content of one TLV with that tag. */
size_t der_begin(smb_wr *w);
void der_end(smb_wr *w, uint8_t tag, size_t mark);
/* Primitive TLV with the given content. */
void der_put(smb_wr *w, uint8_t tag, const void *content, size_t len);

#endif
