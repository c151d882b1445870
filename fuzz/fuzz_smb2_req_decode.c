/* fuzz/fuzz_smb2_req_decode.c - libFuzzer target for every SMB2 request
 * decoder in wire/smb2/ (what a server parses): the first input byte picks the
 * command, the rest is one whole message (header + body). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "wire/smb2/change_notify.h"
#include "wire/smb2/close.h"
#include "wire/smb2/create.h"
#include "wire/smb2/echo.h"
#include "wire/smb2/flush.h"
#include "wire/smb2/ioctl.h"
#include "wire/smb2/lock.h"
#include "wire/smb2/oplock_break.h"
#include "wire/smb2/query_directory.h"
#include "wire/smb2/query_info.h"
#include "wire/smb2/read.h"
#include "wire/smb2/session_setup.h"
#include "wire/smb2/set_info.h"
#include "wire/smb2/tree_connect.h"
#include "wire/smb2/write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t which = data[0];
    smb_rd r;
    rd_init(&r, data + 1, size - 1);
    rd_seek(&r, 64);
    union {
        struct smb2_session_setup_req ss;
        struct smb2_tree_connect_req tc;
        struct smb2_create_req cr;
        struct smb2_close_req cl;
        struct smb2_fileid fid;
        struct smb2_read_req rd;
        struct smb2_write_req wr;
        struct smb2_query_directory_req qd;
        struct smb2_query_info_req qi;
        struct smb2_set_info_req si;
        struct smb2_ioctl_req io;
        struct smb2_oplock_break ob;
        struct smb2_lock_req lk;
        struct smb2_change_notify_req cn;
    } u;
    switch (which % 15) {
    case 0: (void)smb2_session_setup_req_decode(&r, &u.ss); break;
    case 1: (void)smb2_tree_connect_req_decode(&r, &u.tc); break;
    case 2: (void)smb2_create_req_decode(&r, &u.cr); break;
    case 3: (void)smb2_close_req_decode(&r, &u.cl); break;
    case 4: (void)smb2_flush_req_decode(&r, &u.fid); break;
    case 5: (void)smb2_read_req_decode(&r, &u.rd); break;
    case 6: (void)smb2_write_req_decode(&r, &u.wr); break;
    case 7: (void)smb2_query_directory_req_decode(&r, &u.qd); break;
    case 8: (void)smb2_query_info_req_decode(&r, &u.qi); break;
    case 9:
        if (smb2_set_info_req_decode(&r, &u.si) == SMB_OK) {
            bool rep;
            struct smb2_buf nm;
            (void)smb2_rename_info_decode(u.si.buffer, &rep, &nm);
        }
        break;
    case 10:
        if (smb2_ioctl_req_decode(&r, &u.io) == SMB_OK) {
            struct smb2_vni_req v;
            (void)smb2_vni_req_decode(u.io.input, &v);
        }
        break;
    case 11: {
        /* the three OPLOCK_BREAK shapes: oplock, either acknowledgement, lease notification */
        smb_rd r2 = r, r3 = r;
        struct smb2_break_ack ba;
        struct smb2_lease_break lb;
        (void)smb2_oplock_break_decode(&r, &u.ob);
        (void)smb2_break_ack_decode(&r2, &ba);
        (void)smb2_lease_break_decode(&r3, &lb);
        break;
    }
    case 13: (void)smb2_lock_req_decode(&r, &u.lk); break;
    case 14: (void)smb2_change_notify_req_decode(&r, &u.cn); break;
    default: (void)smb2_echo_decode(&r); break;
    }
    return 0;
}
