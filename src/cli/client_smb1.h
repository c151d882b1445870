/* cli/client_smb1.h - `smbsign client -m NT1`: the SMB1 client behind the
 * client verb (cli/client_smb1.c). Commands: ls [DIR], get REMOTE [LOCAL],
 * put LOCAL [REMOTE], session, echo, quit; ';'-separated. */
#ifndef SMBSIGN_CLI_CLIENT_SMB1_H
#define SMBSIGN_CLI_CLIENT_SMB1_H

#include <stdbool.h>
#include <stdint.h>

#include "smbsign/policy.h"

struct cli_smb1_args {
    const char *host, *share, *user, *domain, *password, *cmds;
    uint16_t port;
    smb_sign_level level;
    smb_era era;
    int timeout_s;
    bool no_spnego; /* --no-spnego: the non-extended SESSION_SETUP_ANDX */
    int kerberos;   /* -k: SMB_CLIENT_KRB_* (SPNEGO with Kerberos, extended security only) */
    const char *address; /* -I: connect here; host names the service principal */
};
/* Returns the verb's exit code (0 ok, 1 failure). */
int cli_client_smb1(const struct cli_smb1_args *a);

#endif
