/* cli/msgcheck.h - input checks for one SMB message read by a verb, with
 * messages that name the problem and where. */
#ifndef SMBSIGN_CLI_MSGCHECK_H
#define SMBSIGN_CLI_MSGCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "smbsign/types.h"

/* 0 when msg looks like a message of the dialect's family (SMB1 for
 * dialect 1, SMB2 otherwise) holding at least its header; otherwise prints
 * why ("message shorter than its header (N bytes)", "not an SMB2 message:
 * ProtocolId is ff534d42") and returns CLI_EXIT_USAGE. */
int cli_check_message(const char *verb, smb_dialect d, const uint8_t *msg, size_t len);

#endif
