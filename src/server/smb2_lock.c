/* server/smb2_lock.c - LOCK (MS-SMB2 3.3.5.14), granted without enforcement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/smb2_open.h"
#include "wire/smb2/lock.h"

smb_status srv_cmd_lock(struct srv_conn *c, struct srv_req *rq, smb_wr *w)
{
    /* Byte-range locks are granted without enforcement (single-client
     * appliance); smbclient and impacket do not depend on them. */
    struct smb2_lock_req q;
    if (smb2_lock_req_decode(&rq->body, &q) != SMB_OK)
        return SMB_E_INVALID_PARAMETER;
    if (!srv_open_find(c, rq, q.file_id))
        return SMB_E_FILE_CLOSED;
    smb2_lock_resp_encode(w);
    rq->body_written = true;
    return SMB_OK;
}

