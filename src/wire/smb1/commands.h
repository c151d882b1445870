/*
 * wire/smb1/commands.h - SMB1 (NT LM 0.12) command codecs used by the SMB1
 * client and server: SESSION_SETUP_ANDX (extended security, MS-SMB 2.2.4.6),
 * TREE_CONNECT_ANDX (MS-CIFS 2.2.4.55), NT_CREATE_ANDX (2.2.4.64),
 * READ_ANDX (2.2.4.42), WRITE_ANDX (2.2.4.43), CLOSE (2.2.4.5), ECHO
 * (2.2.4.39), LOGOFF_ANDX (2.2.4.54), TREE_DISCONNECT (2.2.4.51).
 * One file per command (session_setup.c, tree_connect.c, ...).
 *
 * Decoders take a block from smb1_block_parse / smb1_andx_walk (already
 * inside the message) and check WordCount exactly; data offsets that point
 * into the message are checked against it. Views point into the message.
 * Encoders write one block (WordCount .. Bytes) after the caller's header;
 * AndX fields are written as "no further command".
 */
#ifndef SMBSIGN_WIRE_SMB1_COMMANDS_H
#define SMBSIGN_WIRE_SMB1_COMMANDS_H

#include "wire/smb1/msg.h"

#define SMB1_MAX_BLOB 4096 /* security blob in SESSION_SETUP */
#define SMB1_MAX_IO 65535  /* READ/WRITE data per request (no large READX/WRITEX here) */

/* ---- SESSION_SETUP_ANDX, extended security ---- */
struct smb1_sess_setup_req {
    uint16_t max_buffer_size, max_mpx_count, vc_number;
    uint32_t session_key, capabilities;
    const uint8_t *blob;
    uint16_t blob_len;
};
struct smb1_sess_setup_rsp {
    uint16_t action; /* bit 0: logged on as guest */
    const uint8_t *blob;
    uint16_t blob_len;
};
SMB_WUR smb_status smb1_sess_setup_req_encode(smb_wr *w, size_t hdr_off, const struct smb1_sess_setup_req *q);
SMB_WUR smb_status smb1_sess_setup_req_decode(const struct smb1_block *b, struct smb1_sess_setup_req *q);
SMB_WUR smb_status smb1_sess_setup_rsp_encode(smb_wr *w, size_t hdr_off, const struct smb1_sess_setup_rsp *s);
SMB_WUR smb_status smb1_sess_setup_rsp_decode(const struct smb1_block *b, struct smb1_sess_setup_rsp *s);

/* ---- SESSION_SETUP_ANDX, non-extended (NT LM 0.12, MS-CIFS 2.2.4.53: WordCount 13) ----
 * The challenge/response travels in the password fields: OEMPassword = LMv2
 * (24 bytes), UnicodePassword = the NTLMv2 response (NTProofStr + blob). */
#define SMB1_MAX_NT_RESPONSE 1024
struct smb1_sess_setup_nt_req {
    uint16_t max_buffer_size, max_mpx_count, vc_number;
    uint32_t session_key, capabilities;
    const uint8_t *lm, *nt; /* views */
    uint16_t lm_len, nt_len;
    const uint8_t *account; /* UTF-16LE, without NUL */
    size_t account_len;
    const uint8_t *domain; /* UTF-16LE, without NUL */
    size_t domain_len;
};
SMB_WUR smb_status smb1_sess_setup_nt_req_decode(const struct smb1_block *b, struct smb1_sess_setup_nt_req *q);
SMB_WUR smb_status smb1_sess_setup_nt_req_encode(smb_wr *w, size_t hdr_off, const struct smb1_sess_setup_nt_req *q,
                                         const char *account, const char *domain);
/* NTLMv2 for the non-extended form (MS-NLMP 3.3.2), shared by client and server:
 * proof = NTProofStr = HMAC_MD5(NTOWFv2, ServerChallenge || blob);
 * base = SessionBaseKey = HMAC_MD5(NTOWFv2, NTProofStr). The MAC key for MD5
 * signing is then base || the whole NTLMv2 response (NTProofStr || blob), the
 * session key followed by the UnicodePassword bytes (MS-CIFS 3.2.5.3, 3.3.5.3). */
void smb1_ntlmv2_proof(const uint8_t ntowfv2[16], const uint8_t server_challenge[8], const uint8_t *blob,
                       size_t blob_len, uint8_t proof[16], uint8_t base[16]);
/* Response, WordCount 3: Action, then NativeOS / NativeLanMan / PrimaryDomain. */
SMB_WUR smb_status smb1_sess_setup_nt_rsp_encode(smb_wr *w, size_t hdr_off, uint16_t action);

/* ---- TREE_CONNECT_ANDX ---- */
#define SMB1_PATH_MAX_U16 1024 /* bytes of a UTF-16LE path */
struct smb1_tree_connect_req {
    uint16_t flags;
    const uint8_t *path; /* UTF-16LE, without the terminating NUL */
    size_t path_len;
    const char *service; /* "?????" */
};
SMB_WUR smb_status smb1_tree_connect_req_encode(smb_wr *w, size_t hdr_off, const char *unc_path);
SMB_WUR smb_status smb1_tree_connect_req_decode(const struct smb1_block *b, struct smb1_tree_connect_req *q);
SMB_WUR smb_status smb1_tree_connect_rsp_encode(smb_wr *w, size_t hdr_off, uint16_t optional_support, bool ipc);
SMB_WUR smb_status smb1_tree_connect_rsp_decode(const struct smb1_block *b, uint16_t *optional_support);

/* ---- NT_CREATE_ANDX ---- */
struct smb1_nt_create_req {
    uint32_t flags, root_fid, desired_access, ext_attributes, share_access, disposition, options,
        impersonation;
    uint64_t allocation_size;
    uint8_t security_flags;
    const uint8_t *name; /* UTF-16LE without NUL */
    size_t name_len;
};
struct smb1_nt_create_rsp {
    uint8_t oplock_level;
    uint16_t fid;
    uint32_t disposition;
    uint64_t create_time, access_time, write_time, change_time;
    uint32_t ext_attributes;
    uint64_t allocation_size, end_of_file;
    uint16_t resource_type, pipe_status;
    uint8_t directory;
};
SMB_WUR smb_status smb1_nt_create_req_encode(smb_wr *w, size_t hdr_off, const struct smb1_nt_create_req *q,
                                     const char *name_utf8);
SMB_WUR smb_status smb1_nt_create_req_decode(const struct smb1_block *b, struct smb1_nt_create_req *q);
SMB_WUR smb_status smb1_nt_create_rsp_encode(smb_wr *w, size_t hdr_off, const struct smb1_nt_create_rsp *s);
SMB_WUR smb_status smb1_nt_create_rsp_decode(const struct smb1_block *b, struct smb1_nt_create_rsp *s);

/* ---- WRITE_ANDX ---- */
struct smb1_write_req {
    uint16_t fid;
    uint64_t offset;
    uint16_t write_mode;
    const uint8_t *data; /* inside the message */
    uint32_t data_len;
};
SMB_WUR smb_status smb1_write_req_encode(smb_wr *w, size_t hdr_off, const struct smb1_write_req *q);
/* msg/len: the whole message (DataOffset is from the header start). */
SMB_WUR smb_status smb1_write_req_decode(const uint8_t *msg, size_t len, const struct smb1_block *b,
                                 struct smb1_write_req *q);
SMB_WUR smb_status smb1_write_rsp_encode(smb_wr *w, size_t hdr_off, uint32_t count);
SMB_WUR smb_status smb1_write_rsp_decode(const struct smb1_block *b, uint32_t *count);

/* ---- READ_ANDX ---- */
struct smb1_read_req {
    uint16_t fid;
    uint64_t offset;
    uint32_t max_count;
};
SMB_WUR smb_status smb1_read_req_encode(smb_wr *w, size_t hdr_off, const struct smb1_read_req *q);
SMB_WUR smb_status smb1_read_req_decode(const struct smb1_block *b, struct smb1_read_req *q);
SMB_WUR smb_status smb1_read_rsp_encode(smb_wr *w, size_t hdr_off, const uint8_t *data, uint32_t len);
SMB_WUR smb_status smb1_read_rsp_decode(const uint8_t *msg, size_t len, const struct smb1_block *b,
                                const uint8_t **data, uint32_t *data_len);

/* ---- CLOSE, ECHO, LOGOFF_ANDX, TREE_DISCONNECT ---- */
SMB_WUR smb_status smb1_close_req_encode(smb_wr *w, size_t hdr_off, uint16_t fid);
SMB_WUR smb_status smb1_close_req_decode(const struct smb1_block *b, uint16_t *fid);
SMB_WUR smb_status smb1_echo_req_encode(smb_wr *w, size_t hdr_off, uint16_t count, const uint8_t *data, uint16_t len);
SMB_WUR smb_status smb1_echo_req_decode(const struct smb1_block *b, uint16_t *count);
SMB_WUR smb_status smb1_echo_rsp_encode(smb_wr *w, size_t hdr_off, uint16_t seq, const uint8_t *data, uint16_t len);
SMB_WUR smb_status smb1_logoff_encode(smb_wr *w, size_t hdr_off); /* request and response share the form */
/* An empty block (WordCount 0, ByteCount 0): CLOSE / TREE_DISCONNECT responses, TREE_DISCONNECT requests,
 * errors. */
SMB_WUR smb_status smb1_empty_encode(smb_wr *w, size_t hdr_off);
SMB_WUR smb_status smb1_expect_words(const struct smb1_block *b, uint8_t wc);

#endif
