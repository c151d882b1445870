/*
 * scan/verdict.h - turn the two probe outcomes of one (host, port) into the
 * host result: status, relay_target, verdict and the reason (docs/scan.md
 * "Verdict rules"). Pure function, shared by the engine and the tests.
 */
#ifndef SMBSIGN_SCAN_VERDICT_H
#define SMBSIGN_SCAN_VERDICT_H

#include "scan/probe.h"
#include "smbsign/scan.h"

/* smb2/smb1: the probe outcomes (status SKIPPED when not run). Fills
 * r->status, smb2_status, smb1_status, has_*, smb2, smb1, relay_target,
 * verdict, error. */
void scan_verdict(struct smb_scan_result *r, const struct scan_probe_out *smb2,
                  const struct scan_probe_out *smb1);

#endif
