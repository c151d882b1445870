/*
 * cli/matrix_live.h - `smbsign matrix --live`: every documented client/server
 * cell run over real loopback connections (our server as a subprocess, our
 * client in-process, a recording tap in between), with the outcome observed
 * from the captured bytes beside the documented one (docs/matrix-live.md).
 *
 * Contract: the tap records every NetBIOS frame in both directions; the
 * observer re-derives the session key from the captured NTLMSSP exchange and
 * the test password (it plays a passive party that knows the password) and
 * verifies every signature itself. Nothing is taken from flags the engines
 * set. The family-specific parts (client driver, analysis) are the
 * live_family_ops of each family.
 */
#ifndef SMBSIGN_CLI_MATRIX_LIVE_H
#define SMBSIGN_CLI_MATRIX_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/ntlm_observer.h"
#include "smbsign/policy.h"
#include "smbsign/status.h"
#include "smbsign/types.h"

#define LIVE_MAX_FRAMES 4096       /* frames recorded per cell */
#define LIVE_MAX_FRAME (16u << 20) /* cap on one recorded frame */
#define LIVE_USER "live"
#define LIVE_PASSWORD "matrix-live-Pw1"
#define LIVE_SHARE "m"

enum live_dir { LIVE_C2S = 0, LIVE_S2C = 1 };

/* One captured NetBIOS session message (payload only, header stripped). */
struct live_frame {
    enum live_dir dir;
    uint8_t *p;
    size_t len;
};

struct live_cap {
    struct live_frame f[LIVE_MAX_FRAMES];
    size_t n;
    bool truncated; /* more frames than LIVE_MAX_FRAMES */
};

/* Signatures seen in one direction after the session key exists. */
struct live_dirstats {
    unsigned total;    /* messages subject to signing */
    unsigned sig;      /* with the SIGNED flag and a non-zero signature */
    unsigned valid;    /* whose signature the observer verified */
    unsigned bad;      /* flagged but the signature did not verify */
    unsigned mandated; /* signed whatever the session does (SMB 3.1.1 final SESSION_SETUP
                          response, TREE_CONNECT; MS-SMB2 3.2.4.1.1, 3.3.5.5.3) - not counted above */
    unsigned mandated_valid;
};

/* What the client driver reports: the stage reached and the error. */
struct live_run {
    const char *fails_at; /* NULL when every step passed; else "negotiate", "session-setup",
                             "tree-connect", "write", "read" */
    smb_status error;
    char detail[200];
};

/* What the observer derives from the capture. */
struct live_obs {
    bool key_known;         /* session key re-derived from the capture */
    bool session_done;      /* a successful SESSION_SETUP response was seen */
    bool saw_session_setup; /* a SESSION_SETUP request was sent */
    struct live_dirstats c2s, s2c;
    int server_security_mode; /* from the NEGOTIATE response bytes, -1 if none seen */
    char note[200];
};

/* Tamper modes of the tap (self-test of the comparison: docs/matrix-live.md). */
enum live_tamper { LIVE_TAMPER_NONE = 0, LIVE_TAMPER_WRITE_SIG, LIVE_TAMPER_READ_SIG, LIVE_TAMPER_STRIP_TCON };

/* The client's encryption in a cell (smb2 family): the library default
 * (encrypt what the server requires), or off / desired / required as
 * `smbsign client --encrypt=off|desired|required`. */
enum live_enc { LIVE_ENC_DEFAULT = 0, LIVE_ENC_OFF, LIVE_ENC_DESIRED, LIVE_ENC_REQUIRED };

/* What one cell's client run needs. */
struct live_params {
    smb_family family;
    smb_sign_level level; /* the client's level */
    uint16_t port;        /* the tap's port */
    smb_dialect dialect;  /* smb2 family: the dialect to negotiate (0 = 3.1.1) */
    enum live_enc encrypt;
};

struct live_family_ops {
    smb_family family;
    const char *server_args_extra; /* unused for smb2 */
    /* Run the client steps against 127.0.0.1:port. */
    void (*client)(const struct live_params *p, struct live_run *out);
    /* Analyse the capture. */
    void (*analyse)(const struct live_cap *cap, struct live_obs *out);
};

/* SMB1 ops (matrix_live_smb1.c); NULL members when SMB1 is not built. */
extern const struct live_family_ops live_smb1_ops;
extern const struct live_family_ops live_smb2_ops;

/* The observed NTLMSSP logon: the library's observer (auth/ntlm_observer.h),
 * shared with the capture verifier (src/trace/). */
struct live_ntlm {
    struct ntlm_observer o;
};
/* Keep the NTLMSSP message found in a SESSION_SETUP security blob (SPNEGO or raw). */
void live_ntlm_note(struct live_ntlm *x, const uint8_t *blob, size_t len);
/* Re-derive the session key from the exchange and LIVE_PASSWORD; on failure
 * out->note says why. The caller wipes key. */
SMB_WUR smb_status live_ntlm_session_key(const struct live_ntlm *x, struct live_obs *out, uint8_t key[16]);

/* Is a 8/16-byte signature field all zeros? */
bool live_sig_zero(const uint8_t *p, size_t n);

/* Entry point from cmd_matrix (argv as given to the verb). */
int matrix_live_cmd(int argc, char **argv);

#endif
