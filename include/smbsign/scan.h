/*
 * smbsign/scan.h - scan hosts for their SMB signing posture.
 *
 * Contract:
 *  - Targets are parsed up front (smb_scan_targets_add / _exclude) without
 *    any network traffic, so every syntax error is reported before anything
 *    is sent. Then smb_scan_targets_resolve() resolves host names with
 *    getaddrinfo (a name that does not resolve becomes a result with status
 *    SMB_SCAN_ERROR; it does not stop the scan).
 *  - smb_scan_run() probes every (address, port) once per enabled probe: an
 *    SMB2 NEGOTIATE offering 2.0.2, 2.1, 3.0, 3.0.2 and 3.1.1 with the
 *    preauth-integrity, encryption and signing-capabilities contexts, and a
 *    separate SMB1 NEGOTIATE offering only "NT LM 0.12". Port 139 is
 *    preceded by a NetBIOS SESSION REQUEST to "*SMBSERVER".
 *  - Every target ends with exactly one result, delivered through
 *    opts->on_result from the thread that called smb_scan_run (results
 *    arrive in completion order, not input order). The result and the
 *    strings it points to are valid only during the callback.
 *  - The verdict uses the policy engine's vocabulary (smbsign/policy.h):
 *    SMB2 signing required / not required, SMB1 required / enabled /
 *    disabled; relay_target is true when any dialect the host speaks does
 *    not require signing; a host that cannot be judged has verdict
 *    SMB_SCAN_VERDICT_UNKNOWN and a reason in error[], never "not required".
 *  - No global state: a scan is the call; several scans may run in
 *    parallel threads. The engine is single-threaded (epoll).
 */
#ifndef SMBSIGN_SCAN_H
#define SMBSIGN_SCAN_H

#include "smbsign/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbsign/status.h"
#include "smbsign/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SMB_SCAN_MAX_PORTS 16
#define SMB_SCAN_MAX_TARGETS (1ull << 24) /* addresses x ports, after expansion */
#define SMB_SCAN_MAX_CONCURRENCY 65536
#define SMB_SCAN_ERROR_LEN 160
#define SMB_SCAN_ADDR_LEN 46 /* INET6_ADDRSTRLEN */
#define SMB_SCAN_MAX_CIPHERS 4

/* Host status (JSON "status") and per-probe status. The first seven are the
 * host vocabulary; NOT_SUPPORTED and SKIPPED only describe one probe. */
typedef enum smb_scan_status {
    SMB_SCAN_OK = 0,        /* an SMB NEGOTIATE response was decoded */
    SMB_SCAN_TIMEOUT,       /* no connection or no answer in time (after retries) */
    SMB_SCAN_REFUSED,       /* TCP connection refused (port closed) */
    SMB_SCAN_RESET,         /* connection reset or closed before any answer */
    SMB_SCAN_NOT_SMB,       /* the peer answered, but not with NetBIOS/SMB framing */
    SMB_SCAN_MALFORMED,     /* NetBIOS framing, but a truncated or invalid SMB answer */
    SMB_SCAN_ERROR,         /* anything else (unreachable, resolution failure, ...) */
    SMB_SCAN_NOT_SUPPORTED, /* probe only: the server does not speak that protocol */
    SMB_SCAN_SKIPPED        /* probe only: not run (option, or port known dead) */
} smb_scan_status;

/* "ok", "timeout", "refused", "reset", "not-smb", "malformed", "error",
 * "not-supported", "skipped". */
SMB_API const char *smb_scan_status_name(smb_scan_status s);

typedef enum smb_scan_verdict {
    SMB_SCAN_VERDICT_UNKNOWN = 0,
    SMB_SCAN_VERDICT_REQUIRED,    /* every dialect the host speaks requires signing */
    SMB_SCAN_VERDICT_NOT_REQUIRED /* some spoken dialect does not: relay target */
} smb_scan_verdict;
/* "unknown", "required", "not-required" */
SMB_API const char *smb_scan_verdict_name(smb_scan_verdict v);

#define SMB_SCAN_PROBE_SMB2 0x1u
#define SMB_SCAN_PROBE_SMB1 0x2u

/* SMB2 facts, read directly from the NEGOTIATE response. */
struct smb_scan_smb2 {
    uint16_t dialect;                       /* smb_dialect value (0x0202 .. 0x0311) */
    uint16_t security_mode;                 /* raw SecurityMode */
    smb_sign_level signing;                 /* SMB_LEVEL_REQUIRED or SMB_LEVEL_ENABLED (= not required) */
    smb_sign_alg signing_alg;               /* 3.1.1: from SIGNING_CAPABILITIES (AES-CMAC when
                                               absent); 3.0/3.0.2: AES-CMAC; 2.x: HMAC-SHA256;
                                               SMB_ALG_NONE when the server named an unknown id */
    uint16_t ciphers[SMB_SCAN_MAX_CIPHERS]; /* 3.1.1: the cipher chosen; 3.0.x: AES-128-CCM
                                              when CAP_ENCRYPTION; none otherwise */
    uint8_t cipher_count;
    uint8_t server_guid[16];
    uint32_t capabilities;
};

/* SMB1 facts from the NT LM 0.12 NEGOTIATE response. */
struct smb_scan_smb1 {
    uint8_t security_mode;  /* raw SecurityMode byte */
    smb_sign_level signing; /* from smb_policy_level_from_smb1_secmode */
    uint32_t capabilities;
};

struct smb_scan_result {
    const char *name;             /* hostname as given, or NULL for literals */
    char addr[SMB_SCAN_ADDR_LEN]; /* numeric address ("" when a name did not resolve) */
    int family;                   /* AF_INET, AF_INET6, or 0 */
    uint16_t port;
    smb_scan_status status;      /* host status (first seven values only) */
    smb_scan_status smb2_status; /* per probe */
    smb_scan_status smb1_status;
    bool has_smb2, has_smb1; /* the facts below are valid */
    struct smb_scan_smb2 smb2;
    struct smb_scan_smb1 smb1;
    bool relay_target;
    unsigned relay_via;             /* SMB_SCAN_PROBE_* bits: the dialects that do not require signing */
    smb_scan_verdict verdict;
    uint32_t elapsed_ms;            /* from first connect to last answer */
    char error[SMB_SCAN_ERROR_LEN]; /* "" when none */
};

struct smb_scan_progress {
    uint64_t done, total;
    uint64_t elapsed_ms;
    unsigned in_flight;      /* hosts in flight now */
    unsigned peak_in_flight; /* most hosts in flight at once so far */
};

struct smb_scan_checkpoint {
    uint64_t next;           /* first step not yet started */
    uint64_t steps;          /* steps of this shard in all */
    const uint64_t *pending; /* started below next, no result yet */
    size_t npending;
};


struct smb_scan_opts {
    uint16_t ports[SMB_SCAN_MAX_PORTS];
    unsigned nports;               /* default: 1 port, 445 */
    unsigned probes;               /* SMB_SCAN_PROBE_* mask; default both */
    unsigned connect_timeout_ms;   /* default 1500 */
    unsigned timeout_ms;           /* answer timeout after connect; default 3000 */
    unsigned retries;              /* extra attempts after a timeout/reset; default 1 */
    unsigned rate;                 /* new connections per second, 0 = unlimited (default) */
    unsigned concurrency;          /* hosts in flight; default 1024 (capped by RLIMIT_NOFILE) */
    unsigned progress_interval_ms; /* default 250 */
    void (*on_result)(const struct smb_scan_result *r, void *ctx);
    void (*on_progress)(const struct smb_scan_progress *p, void *ctx); /* may be NULL */
    void *ctx;
    /* When non-NULL and *cancel becomes non-zero (e.g. from a signal
     * handler), the scan stops at once: sockets are closed, hosts not
     * finished get no result, and smb_scan_run returns SMB_E_CANCELLED. */
    const volatile int *cancel;

    /* Order and shards (docs/scan.md "Shards"). Every (address, port) of
     * the targets has an index; the scan visits the indexes in the order of
     * a permutation keyed by seed (shuffle true) or in input order (false).
     * Shard s of k (0-based, k >= 1; default 0 of 1) takes positions s,
     * s + k, s + 2k, ... of that order, its "steps" 0, 1, 2, ...: shards
     * with the same seed, k and targets are disjoint and together complete. */
    uint64_t seed;
    bool shuffle;
    unsigned shard, shards;
    /* Resume: start at step resume_next, after first scanning the steps in
     * resume_pending (all below resume_next). */
    uint64_t resume_next;
    const uint64_t *resume_pending;
    size_t resume_npending;
    /* Called every checkpoint_interval_ms (default 1000), when the scan is
     * cancelled and when it ends: every step below cp->next that is not in
     * cp->pending has had its result delivered (or was excluded). */
    void (*on_checkpoint)(const struct smb_scan_checkpoint *cp, void *ctx);
    unsigned checkpoint_interval_ms;
};

SMB_API void smb_scan_opts_default(struct smb_scan_opts *o);

typedef struct smb_scan_targets smb_scan_targets;

/* Resolve names with this address family only (AF_UNSPEC, AF_INET, AF_INET6). */
SMB_API smb_scan_targets *smb_scan_targets_new(int family);
SMB_API void smb_scan_targets_free(smb_scan_targets *t);
/*
 * Add a target spec: "192.0.2.7", "2001:db8::1", "host.example", a CIDR
 * block "10.0.0.0/24" or "fd00::/120", an IPv4 range "10.0.0.1-50" or
 * "10.0.0.1-10.0.1.20", "@FILE" (one spec per line, '#' comments, blank
 * lines ignored) or "-" (the same read from stdin). "SPEC:PORT" and
 * "[IPv6]:PORT" scan that port only (instead of opts->ports). Names are only recorded
 * here (see smb_scan_targets_resolve). On error returns
 * SMB_E_BAD_ARGUMENT (or SMB_E_IO for an unreadable file) with a message in
 * err. Expansion past SMB_SCAN_MAX_TARGETS addresses is an error.
 */
SMB_API SMB_WUR smb_status smb_scan_targets_add(smb_scan_targets *t, const char *spec, char *err, size_t errlen);
/* Resolve every name added so far (first address of the family given to
 * smb_scan_targets_new). Names that do not resolve keep their error text and
 * are reported as results. SMB_E_NOMEM only. Names never resolved are
 * reported as errors by smb_scan_run. */
SMB_API SMB_WUR smb_status smb_scan_targets_resolve(smb_scan_targets *t);
/* Exclude addresses: literal, CIDR, range, @FILE (no hostnames). */
SMB_API SMB_WUR smb_status smb_scan_targets_exclude(smb_scan_targets *t, const char *spec, char *err, size_t errlen);
/* Number of addresses (plus unresolved names) left after exclusions. */
SMB_API uint64_t smb_scan_targets_count(const smb_scan_targets *t);
/* Built-in exclusions of reserved blocks (RFC 6890: loopback, link local,
 * documentation, multicast, ...; not the private blocks) for target blocks
 * that cover more than the reserved block. On by default. */
SMB_API void smb_scan_targets_default_excludes(smb_scan_targets *t, bool on);
/* A 64-bit digest of the parsed targets and exclusions (names as given, not
 * as resolved): a checkpoint is only valid for the same digest. */
SMB_API uint64_t smb_scan_targets_digest(const smb_scan_targets *t);
/* Steps of shard opts->shard of opts->shards over the targets with
 * opts->ports (see smb_scan_opts); sets *space to the whole index space. */
SMB_API uint64_t smb_scan_steps(const struct smb_scan_opts *opts, const smb_scan_targets *t, uint64_t *space);

/* Run the scan to completion. Errors: SMB_E_BAD_ARGUMENT (options),
 * SMB_E_NOMEM, SMB_E_IO (epoll), SMB_E_CANCELLED (opts->cancel). Per-host
 * failures are results, not errors. */
SMB_API SMB_WUR smb_status smb_scan_run(const struct smb_scan_opts *opts, const smb_scan_targets *t);

/* The --resume checkpoint (docs/scan.md "Resume"). digest identifies the
 * targets, exclusions, ports and probes (the caller mixes them). */
#define SMB_SCAN_MAX_SHARDS 65536
struct smb_scan_resume {
    bool shuffle;
    uint64_t seed;
    unsigned shard, shards; /* 0-based shard; the file says "shard 1/4" for shard 0 of 4 */
    uint64_t digest;
    uint64_t steps, next;
    uint64_t *pending; /* sorted, each < next, no repeats */
    size_t npending;
    /* Sizes of the result and relay-list files when the checkpoint was taken
     * (-1: not a regular file / not used): a resumed run cuts them back to
     * these sizes, so results written after the checkpoint (then redone) and
     * a line half written when the process was killed do not remain. */
    int64_t output_bytes, relay_bytes;
};
/* 0, or -1 on a write error (ferror). */
#include <stdio.h>
SMB_API int smb_scan_resume_write(FILE *f, const struct smb_scan_resume *r);
/* Strict parse of a whole file held in text[0..len): SMB_E_BAD_ARGUMENT with
 * "FNAME:LINE: what" in err for anything malformed, cut short or
 * inconsistent; SMB_E_NOMEM. out->pending is owned by the caller on success. */
SMB_API SMB_WUR smb_status smb_scan_resume_parse(const char *text, size_t len, const char *fname, struct smb_scan_resume *out,
                                 char *err, size_t errlen);
SMB_API void smb_scan_resume_free(struct smb_scan_resume *r);

/* One record of a --json output read back (smbsign scan --merge). */
#define SMB_SCAN_RECORD_MAX 65536
struct smb_scan_record {
    char host[256];  /* "host": an address, or a name that did not resolve */
    bool has_addr;   /* host is an address (not the unresolved name) */
    uint16_t port;
    smb_scan_status status;
    smb_scan_verdict verdict;
    bool relay_target;
    bool smb1; /* answered the SMB1 probe */
};
/* Parse one line (without or with its newline). SMB_E_BAD_ARGUMENT with the
 * reason in err; SMB_E_NOMEM. */
SMB_API SMB_WUR smb_status smb_scan_record_parse(const char *line, size_t len, struct smb_scan_record *r, char *err,
                                 size_t errlen);

/* No traffic: call cb for every (address, port) this shard would scan, in
 * scan order (opts: ports, seed, shuffle, shard, shards, resume_*). Names
 * are passed as given when not resolved (family 0). cb returns non-zero to
 * stop. */
SMB_API SMB_WUR smb_status smb_scan_list(const struct smb_scan_opts *opts, const smb_scan_targets *t,
                         int (*cb)(const char *host, int family, uint16_t port, void *ctx), void *ctx);

/* Output helpers (stable formats, see docs/scan.md). */
#include <stdio.h>
/* One JSON Lines record. */
SMB_API void smb_scan_result_write_json(FILE *f, const struct smb_scan_result *r);
/* CSV: the header line, then one line per result. */
SMB_API void smb_scan_csv_header(FILE *f);
SMB_API void smb_scan_result_write_csv(FILE *f, const struct smb_scan_result *r);
/* NetExec's habit, one line per host that answered:
 * "SMB  10.0.0.5  445  HOST  [*] SMB 3.1.1 (signing:False) (SMBv1:True)". */
SMB_API void smb_scan_result_write_nxc(FILE *f, const struct smb_scan_result *r);
/* nmap XML (smb2-security-mode / smb-security-mode shape): the document
 * head, one <host> per result, and the tail with the totals. */
SMB_API void smb_scan_xml_head(FILE *f, const char *args);
SMB_API void smb_scan_result_write_xml(FILE *f, const struct smb_scan_result *r);
SMB_API void smb_scan_xml_tail(FILE *f, uint64_t up, uint64_t down, double elapsed_s);
/* Server GUID as 8-4-4-4-12 text (MS-DTYP 2.3.4.3 byte order); buf >= 37. */
SMB_API void smb_scan_guid_format(const uint8_t guid[16], char *buf);

#ifdef __cplusplus
}
#endif
#endif
