/* base/status.c - the single status table: enum -> NTSTATUS / Win32 names. */
#include <string.h>

#include "smbsign/status.h"

struct status_row {
    const char *name;
    uint32_t nt;
    uint32_t w32;
    const char *desc;
};

static const struct status_row status_rows[SMB_STATUS_COUNT_] = {
#define SMB_STATUS_ROW_(e, name, nt, w32, desc) [e] = {name, nt, w32, desc},
    SMB_STATUS_TABLE(SMB_STATUS_ROW_)
#undef SMB_STATUS_ROW_
};

static const struct status_row *row(smb_status st)
{
    if ((unsigned)st >= SMB_STATUS_COUNT_)
        return &status_rows[SMB_E_INTERNAL_ERROR];
    return &status_rows[st];
}

const char *smb_status_name(smb_status st) { return row(st)->name; }
const char *smb_status_desc(smb_status st) { return row(st)->desc; }
uint32_t smb_status_ntstatus(smb_status st) { return row(st)->nt; }
uint32_t smb_status_win32(smb_status st) { return row(st)->w32; }

smb_status smb_status_from_ntstatus(uint32_t nt, int *known)
{
    if (known)
        *known = 1;
    if (nt == 0)
        return SMB_OK;
    for (unsigned i = 1; i < SMB_STATUS_COUNT_; i++)
        if (status_rows[i].nt == nt)
            return (smb_status)i;
    if (known)
        *known = 0;
    return SMB_E_INTERNAL_ERROR;
}

int smb_status_from_name(const char *name, smb_status *out)
{
    for (unsigned i = 0; i < SMB_STATUS_COUNT_; i++)
        if (strcmp(status_rows[i].name, name) == 0) {
            *out = (smb_status)i;
            return 1;
        }
    return 0;
}
