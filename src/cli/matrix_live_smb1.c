/*
 * cli/matrix_live_smb1.c - the smb1 and smb1-legacy families of
 * `matrix --live` (placeholder until the SMB1 engines land: no client, so the
 * families report "no live engine" and mismatch).
 */
#include "cli/matrix_live.h"

const struct live_family_ops live_smb1_ops = {SMB_FAMILY_SMB1, NULL, NULL, NULL};
