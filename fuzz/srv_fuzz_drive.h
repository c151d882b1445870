/* fuzz/srv_fuzz_drive.h - feeds one fuzz input to a server connection, for
 * the targets that drive the sans-I/O core (fuzz_srv_conn_input,
 * fuzz_srv_core_mem).
 *
 * Input: one flags byte, then PDUs each prefixed by a 2-byte LE length.
 * Flags bit 0: start with the ready-made session 1 / tree 1 (fuzzing hook,
 * no NTLM exchange); bit 1: READ/WRITE/FLUSH become I/O jobs (bit 2: the
 * interim at once), each run and completed after the next PDU so a CANCEL
 * in between can hit it; bit 3: session 1 gets a signing key (AES-CMAC, a
 * fixed test key; bit 4: signing required) and every PDU is first offered
 * to a verify batch (srv_conn_verify_add / srv_verify_batch_run, attached
 * while it is answered, as the server's worker does); bit 5: a second
 * connection on the same ctx, and session 1 bindable from it
 * (srv_conn_fuzz_session_bindable; multichannel binding; bit 6 with it:
 * that session encrypts, AES-128-CCM keys from its all-zero session key,
 * srv_conn_fuzz_session_encrypting); then a length
 * with bit 15 set sends that PDU (length & 0x7FFF) on the second
 * connection. `seen` (may be NULL) gets every request PDU with the output
 * it produced (the job's completion included). Returns how many job
 * completions failed to build their response. */
#ifndef SMBSIGN_FUZZ_SRV_FUZZ_DRIVE_H
#define SMBSIGN_FUZZ_SRV_FUZZ_DRIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/session.h"

void srv_conn_fuzz_session(struct srv_conn *c); /* session.c, SMBSIGN_FUZZING only */
void srv_conn_fuzz_session_key(struct srv_conn *c, bool required);
void srv_conn_fuzz_session_bindable(struct srv_conn *c);
void srv_conn_fuzz_session_encrypting(struct srv_conn *c);

typedef void (*srv_fuzz_seen_fn)(const uint8_t *req, size_t rlen, const struct srv_buf *out);

static unsigned srv_fuzz_drive(const struct srv_ctx *ctx, const uint8_t *data, size_t size, srv_fuzz_seen_fn seen)
{
    struct srv_conn *c = srv_conn_new(ctx, "fuzz"), *c2 = NULL;
    struct srv_buf out = {0};
    size_t off = 0, job_len = 0;
    struct srv_io_job *job = NULL;
    uint8_t *job_pdu = NULL;
    unsigned job_errors = 0;
    bool vbatch = false;
    struct srv_verify_batch vb;
    if (!c)
        return 0;
    if (size > 0) {
        if (data[0] & 32) {
            c2 = srv_conn_new(ctx, "fuzz2");
            srv_conn_fuzz_session_bindable(c);
            if (data[0] & 64)
                srv_conn_fuzz_session_encrypting(c);
        } else if (data[0] & 1) {
            srv_conn_fuzz_session(c);
        }
        if (data[0] & 2)
            srv_conn_set_io_jobs(c, (data[0] & 4) ? 0 : 1000);
        if ((data[0] & 9) == 9 && !(data[0] & 32))
            srv_conn_fuzz_session_key(c, (data[0] & 16) != 0);
        vbatch = (data[0] & 8) != 0;
        off = 1;
    }
    while (off + 2 <= size) {
        size_t n = (size_t)data[off] | ((size_t)data[off + 1] << 8);
        struct srv_conn *to = c;
        off += 2;
        if (c2 && (n & 0x8000)) {
            to = c2;
            n &= 0x7FFF;
        }
        if (n > size - off)
            n = size - off;
        uint8_t *pdu = malloc(n ? n : 1); /* a copy, so ASan sees reads past the PDU */
        if (!pdu)
            break;
        memcpy(pdu, data + off, n);
        if (vbatch) {
            vb.n = 0;
            srv_conn_verify_add(to, pdu, n, &vb);
            srv_verify_batch_run(&vb);
            srv_conn_verify_batch(to, &vb);
        }
        smb_status st = srv_conn_input(to, pdu, n, &out);
        srv_conn_verify_batch(to, NULL);
        off += n;
        if (seen)
            seen(pdu, n, &out);
        out.len = 0;
        (void)srv_conn_take_io_cancel(c);
        /* a waiting LOCK: what the event loop does when the lock generation moves */
        if (srv_conn_lock_wait(c, NULL) && srv_conn_poll(c, &out) != SMB_OK)
            job_errors++;
        out.len = 0;
        if (job) {
            srv_io_job_run(job);
            srv_buf_free(&out);
            if (srv_conn_job_interim(c, job, &out) != SMB_OK) /* nothing when already sent */
                job_errors++;
            out.len = 0;
            if (srv_conn_job_done(c, job, &out) != SMB_OK)
                job_errors++;
            if (seen)
                seen(job_pdu, job_len, &out);
            out.len = 0;
            free(job_pdu);
            job = NULL;
            job_pdu = NULL;
        }
        if ((job = srv_conn_take_job(c)) != NULL) {
            job_pdu = pdu; /* a WRITE job points into it */
            job_len = n;
        } else {
            free(pdu);
        }
        if (st != SMB_OK)
            break;
    }
    if (job) {
        srv_io_job_run(job);
        srv_buf_free(&out);
        if (srv_conn_job_done(c, job, &out) != SMB_OK)
            job_errors++;
        free(job_pdu);
    }
    srv_buf_free(&out);
    srv_conn_free(c);
    srv_conn_free(c2); /* after the session's own connection: a channel outlives it */
    return job_errors;
}

#endif
