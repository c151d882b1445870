/* sign/internal.h - the signing context layout, private to src/sign/. */
#ifndef SMBSIGN_SIGN_INTERNAL_H
#define SMBSIGN_SIGN_INTERNAL_H

#include "crypto/crypto.h"
#include "smbsign/sign.h"

struct smb_sign_ctx {
    smb_dialect dialect;
    smb_sign_alg alg;
    union {
        smb_hmac_sha256_key hmac; /* 2.x, 3.1.1 HMAC-SHA256 */
        smb_cmac_key cmac;        /* 3.x AES-CMAC */
        smb_gmac_key gmac;        /* 3.1.1 AES-GMAC */
        smb_md5_ctx md5;          /* SMB1: MD5 state after absorbing the MAC key */
    } k;
    uint32_t smb1_seq; /* SMB1: next request sequence number */
    unsigned lanes_cpu; /* SMB_LANES_CPU_* (crypto/lanes.h), asked once at creation */
};

/* Total length of an iovec list (0 on overflow or bad count). */
size_t sign_iov_total(const struct iovec *iov, int iovcnt);

/* sign/smb2.c, shared with sign/batch.c: the structural checks done before
 * any crypto, and the MAC of one message (signature field taken as zero). */
SMB_WUR smb_status sign_smb2_check_iov(const struct iovec *iov, int iovcnt);
SMB_WUR smb_status sign_smb2_mac_iov(smb_sign_ctx *c, const struct iovec *iov, int iovcnt, uint8_t sig[16]);

#endif
