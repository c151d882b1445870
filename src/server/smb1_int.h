/*
 * server/smb1_int.h - private state of the SMB1 server core shared by
 * smb1_server.c (framing, signing, session, tree, files) and smb1_trans2.c
 * (TRANS2 subcommands).
 */
#ifndef SMBSIGN_SERVER_SMB1_INT_H
#define SMBSIGN_SERVER_SMB1_INT_H

#include "server/session_int.h"
#include "server/vfs.h"
#include "smbsign/policy.h"
#include "wire/smb1/commands.h"

#define SMB1_SRV_MAX_OPENS 64
#define SMB1_SRV_MAX_TREES 32 /* tree connects per session (TIDs 1..0xFFFE, handed out in turn) */
#define SMB1_SRV_UID 0x0064
#define SMB1_SRV_MAX_BUFFER 65535u
#define SMB1_SRV_RESP_CAP (SMB1_MAX_IO + 1024)
#define SMB1_TRANS2_GET_DFS_REFERRAL 0x0010

struct smb1_open {
    bool used;
    uint16_t tid; /* the tree it was opened under: only requests naming that TID reach it */
    struct srv_fh *fh;
    bool is_dir;
    char *rel; /* heap: path beneath the share root ("" = root) */
    struct srv_brl_file *brl; /* the file's byte-range lock table (SMB2 locks; smb2_lock.c) */
};

struct srv_smb1 {
    struct srv_shared *shared; /* the server's lock tables (ctx->shared) */
    bool negotiated;
    bool extended;            /* extended security negotiated (else the 8-byte challenge form) */
    uint8_t challenge[8];     /* non-extended: our NEGOTIATE challenge */
    smb_side side;            /* this server's level and era */
    struct srv_session *sess; /* authentication state (session_auth.c) */
    bool authed;
    uint16_t uid;
    smb_server_decision dec;
    smb_sign_ctx *sign; /* non-NULL once signing is active */
    struct {
        uint16_t tid; /* 0: free slot */
        int share;    /* share index, -2 for IPC$ */
    } trees[SMB1_SRV_MAX_TREES];
    uint16_t next_tid; /* the last TID handed out */
    /* The tree named by the request element being dispatched (smb1_dispatch
     * sets both from its TID): share index, or -1 when the TID names no tree
     * of this session or names IPC$. Handlers use it through srv_smb1_tree_ok. */
    uint16_t tid;
    int share;
    struct smb1_open opens[SMB1_SRV_MAX_OPENS];
    uint16_t chain_fid; /* FID opened earlier in the current AndX chain (0: none); FID 0xFFFF refers to it */
    struct {
        bool active;
        uint16_t sid;
        struct srv_dirent *ents; /* heap */
        size_t n, pos;
        uint16_t level;
    } search; /* one FIND_FIRST2 / FIND_NEXT2 search at a time */
};

/* h names a disk tree of the authenticated session (s->share is its share). */
bool srv_smb1_tree_ok(const struct srv_smb1 *s, const struct smb1_hdr *h);
/* The open FID of the tree h names (0xFFFF: the FID opened earlier in the
 * same AndX chain), or NULL: unknown, closed, or opened under another tree
 * (STATUS_INVALID_HANDLE, as Windows answers ERRbadfid). */
struct smb1_open *srv_smb1_fid(struct srv_smb1 *s, const struct smb1_hdr *h, uint16_t fid);
/* FIND_CLOSE2 (MS-CIFS 2.2.4.48) */
SMB_WUR smb_status srv_smb1_find_close(struct srv_smb1 *s, const struct smb1_hdr *h, const struct smb1_block *b,
                               smb_wr *w, size_t hoff);
SMB_WUR smb_status srv_smb1_trans2(struct srv_conn *c, struct srv_smb1 *s, const struct smb1_hdr *h,
                           const uint8_t *pdu, size_t len, const struct smb1_block *b, smb_wr *w,
                           size_t hoff);

#endif
