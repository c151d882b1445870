/*
 * tests/unit/test_wire_smb2_cmds.c - the per-command SMB2 codecs
 * (wire/smb2/<command>.c other than the header and NEGOTIATE): every response and
 * request decodes what its encoder wrote; every truncation fails; buffer
 * offsets pointing outside the message, before the header end, odd name
 * lengths and bad StructureSizes are rejected; directory listings with
 * looping or misaligned NextEntryOffset are rejected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/smb2/change_notify.h"
#include "wire/smb2/close.h"
#include "wire/smb2/create.h"
#include "wire/smb2/echo.h"
#include "wire/smb2/error.h"
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

static uint8_t buf[4096];

static smb_wr begin(void)
{
    smb_wr w;
    wr_init(&w, buf, sizeof buf);
    wr_zero(&w, SMB2_HDR_LEN);
    return w;
}

static smb_rd at_body(size_t len)
{
    smb_rd r;
    rd_init(&r, buf, len);
    rd_seek(&r, SMB2_HDR_LEN);
    return r;
}

typedef smb_status (*dec_fn)(smb_rd *r, void *out);

/* Every prefix shorter than the message must fail. */
static void truncations(size_t len, size_t min_ok, dec_fn fn, void *out)
{
    for (size_t n = SMB2_HDR_LEN; n < min_ok && n < len; n++) {
        smb_rd r = at_body(n);
        assert_int_not_equal(fn(&r, out), SMB_OK);
    }
}

static SMB_WUR smb_status d_ss(smb_rd *r, void *o) { return smb2_session_setup_resp_decode(r, o); }
static SMB_WUR smb_status d_create(smb_rd *r, void *o) { return smb2_create_resp_decode(r, o); }
static SMB_WUR smb_status d_read(smb_rd *r, void *o) { return smb2_read_resp_decode(r, o); }
static SMB_WUR smb_status d_write(smb_rd *r, void *o) { return smb2_write_resp_decode(r, o); }
static SMB_WUR smb_status d_close(smb_rd *r, void *o) { return smb2_close_resp_decode(r, o); }
static SMB_WUR smb_status d_tc(smb_rd *r, void *o) { return smb2_tree_connect_resp_decode(r, o); }
static SMB_WUR smb_status d_ioctl(smb_rd *r, void *o) { return smb2_ioctl_resp_decode(r, o); }
static SMB_WUR smb_status d_qd(smb_rd *r, void *o) { return smb2_query_directory_resp_decode(r, o); }
static SMB_WUR smb_status d_qi(smb_rd *r, void *o) { return smb2_query_info_resp_decode(r, o); }

static void session_setup(void **s)
{
    (void)s;
    const uint8_t tok[5] = {1, 2, 3, 4, 5};
    smb_wr w = begin();
    struct smb2_session_setup_resp in = {SMB2_SESSION_FLAG_IS_GUEST, {tok, 5}}, out;
    smb2_session_setup_resp_encode(&w, &in);
    size_t len = wr_len(&w);
    smb_rd r = at_body(len);
    assert_int_equal(smb2_session_setup_resp_decode(&r, &out), SMB_OK);
    assert_int_equal(out.session_flags, SMB2_SESSION_FLAG_IS_GUEST);
    assert_int_equal(out.security.len, 5);
    assert_memory_equal(out.security.p, tok, 5);
    truncations(len, len, d_ss, &out);
    /* offset inside the header */
    put_le16(buf + 64 + 4, 10);
    r = at_body(len);
    assert_int_equal(smb2_session_setup_resp_decode(&r, &out), SMB_E_MALFORMED);
    /* length past the end */
    put_le16(buf + 64 + 4, 72);
    put_le16(buf + 64 + 6, 6);
    r = at_body(len);
    assert_int_not_equal(smb2_session_setup_resp_decode(&r, &out), SMB_OK);
    /* wrong StructureSize */
    put_le16(buf + 64 + 6, 5);
    put_le16(buf + 64, 8);
    r = at_body(len);
    assert_int_equal(smb2_session_setup_resp_decode(&r, &out), SMB_E_MALFORMED);
    /* request round trip */
    w = begin();
    struct smb2_session_setup_req q = {0, 1, 0, 0, 0, {tok, 5}}, qo;
    smb2_session_setup_req_encode(&w, &q);
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_session_setup_req_decode(&r, &qo), SMB_OK);
    assert_int_equal(qo.security.len, 5);
}

static void create(void **s)
{
    (void)s;
    const uint8_t name[4] = {'a', 0, 'b', 0}, ctx[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    smb_wr w = begin();
    struct smb2_create_req q;
    memset(&q, 0, sizeof q);
    q.desired_access = SMB2_GENERIC_READ;
    q.create_disposition = SMB2_FILE_OPEN;
    q.name = (struct smb2_buf){name, 4};
    q.contexts = (struct smb2_buf){ctx, 8};
    smb2_create_req_encode(&w, &q);
    smb_rd r = at_body(wr_len(&w));
    struct smb2_create_req qo;
    assert_int_equal(smb2_create_req_decode(&r, &qo), SMB_OK);
    assert_int_equal(qo.name.len, 4);
    assert_int_equal(qo.contexts.len, 8);
    assert_int_equal((qo.contexts.p - buf) % 8, 0);
    /* odd name length */
    put_le16(buf + 64 + 46, 3);
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_create_req_decode(&r, &qo), SMB_E_MALFORMED);

    w = begin();
    struct smb2_create_resp in, out;
    memset(&in, 0, sizeof in);
    in.end_of_file = 12345;
    in.file_id.persistent = 7;
    in.file_id.volatile_ = 8;
    in.file_attributes = SMB2_FILE_ATTRIBUTE_ARCHIVE;
    in.contexts = (struct smb2_buf){ctx, 8};
    smb2_create_resp_encode(&w, &in);
    size_t len = wr_len(&w);
    r = at_body(len);
    assert_int_equal(smb2_create_resp_decode(&r, &out), SMB_OK);
    assert_int_equal(out.end_of_file, 12345);
    assert_int_equal(out.file_id.persistent, 7);
    assert_int_equal(out.file_id.volatile_, 8);
    assert_int_equal(out.contexts.len, 8);
    truncations(len, len, d_create, &out);
    put_le32(buf + 64 + 84, 0x10000); /* contexts length past the end */
    r = at_body(len);
    assert_int_not_equal(smb2_create_resp_decode(&r, &out), SMB_OK);
}

static void read_write(void **s)
{
    (void)s;
    const uint8_t data[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    smb_wr w = begin();
    struct smb2_read_resp in = {0, {data, 10}}, out;
    smb2_read_resp_encode(&w, &in);
    size_t len = wr_len(&w);
    smb_rd r = at_body(len);
    assert_int_equal(smb2_read_resp_decode(&r, &out), SMB_OK);
    assert_int_equal(out.data.len, 10);
    assert_memory_equal(out.data.p, data, 10);
    truncations(len, len, d_read, &out);
    buf[64 + 4] = 11; /* DataLength past the end */
    r = at_body(len);
    assert_int_not_equal(smb2_read_resp_decode(&r, &out), SMB_OK);
    buf[64 + 4] = 10;
    buf[64 + 2] = 8; /* DataOffset inside the header */
    r = at_body(len);
    assert_int_equal(smb2_read_resp_decode(&r, &out), SMB_E_MALFORMED);

    w = begin();
    struct smb2_write_req q;
    memset(&q, 0, sizeof q);
    q.offset = 99;
    q.data = (struct smb2_buf){data, 10};
    smb2_write_req_encode(&w, &q);
    struct smb2_write_req qo;
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_write_req_decode(&r, &qo), SMB_OK);
    assert_int_equal(qo.offset, 99);
    assert_int_equal(qo.data.len, 10);
    assert_int_equal(qo.data.p - buf, SMB2_WRITE_DATA_OFFSET);

    w = begin();
    struct smb2_write_resp wi = {10, 0}, wo;
    smb2_write_resp_encode(&w, &wi);
    len = wr_len(&w);
    r = at_body(len);
    assert_int_equal(smb2_write_resp_decode(&r, &wo), SMB_OK);
    assert_int_equal(wo.count, 10);
    assert_int_equal(len, SMB2_HDR_LEN + 17); /* StructureSize 17: one byte of Buffer */
    truncations(len, len - 1, d_write, &wo);

    w = begin();
    struct smb2_read_req rq;
    memset(&rq, 0, sizeof rq);
    rq.length = 65536;
    rq.offset = 1u << 20;
    smb2_read_req_encode(&w, &rq);
    struct smb2_read_req ro;
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_read_req_decode(&r, &ro), SMB_OK);
    assert_int_equal(ro.length, 65536);
    assert_int_equal(ro.offset, 1u << 20);
}

static void close_tree_misc(void **s)
{
    (void)s;
    smb_wr w = begin();
    struct smb2_close_resp ci, co;
    memset(&ci, 0, sizeof ci);
    ci.end_of_file = 5;
    smb2_close_resp_encode(&w, &ci);
    size_t len = wr_len(&w);
    smb_rd r = at_body(len);
    assert_int_equal(smb2_close_resp_decode(&r, &co), SMB_OK);
    assert_int_equal(co.end_of_file, 5);
    truncations(len, len, d_close, &co);

    w = begin();
    struct smb2_tree_connect_resp ti = {SMB2_SHARE_TYPE_DISK, 0, 0, 0x1f01ff}, to;
    smb2_tree_connect_resp_encode(&w, &ti);
    len = wr_len(&w);
    r = at_body(len);
    assert_int_equal(smb2_tree_connect_resp_decode(&r, &to), SMB_OK);
    assert_int_equal(to.maximal_access, 0x1f01ff);
    truncations(len, len, d_tc, &to);

    w = begin();
    smb2_echo_encode(&w);
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_echo_decode(&r), SMB_OK);
    buf[64] = 5;
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_echo_decode(&r), SMB_E_MALFORMED);

    w = begin();
    struct smb2_oplock_break ob = {SMB2_OPLOCK_LEVEL_II, {1, 2}}, oo;
    smb2_oplock_break_encode(&w, &ob);
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_oplock_break_decode(&r, &oo), SMB_OK);
    assert_int_equal(oo.oplock_level, SMB2_OPLOCK_LEVEL_II);
    put_le16(buf + 64, 44);
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_oplock_break_decode(&r, &oo), SMB_E_NOT_SUPPORTED);

    /* lease break notification (44) and acknowledgement/response (36),
     * MS-SMB2 2.2.23.2, 2.2.24.2, 2.2.25.2; and either acknowledgement */
    w = begin();
    struct smb2_lease_break lb = {3, 1, {0}, 7, 3}, lo;
    memset(lb.lease_key, 0x5A, 16);
    smb2_lease_break_encode(&w, &lb);
    assert_int_equal(wr_len(&w), 64 + 44);
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_lease_break_decode(&r, &lo), SMB_OK);
    assert_int_equal(lo.new_epoch, 3);
    assert_int_equal(lo.current_state, 7);
    assert_int_equal(lo.new_state, 3);
    assert_memory_equal(lo.lease_key, lb.lease_key, 16);
    r = at_body(wr_len(&w) - 1); /* truncated */
    assert_int_not_equal(smb2_lease_break_decode(&r, &lo), SMB_OK);
    w = begin();
    struct smb2_lease_ack la = {0, {0}, 3};
    memset(la.lease_key, 0x33, 16);
    smb2_lease_ack_encode(&w, &la);
    assert_int_equal(wr_len(&w), 64 + 36);
    struct smb2_break_ack ba;
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_break_ack_decode(&r, &ba), SMB_OK);
    assert_true(ba.is_lease);
    assert_int_equal(ba.lease.lease_state, 3);
    assert_int_equal(ba.lease.lease_key[15], 0x33);
    r = at_body(wr_len(&w) - 8); /* LeaseDuration missing */
    assert_int_not_equal(smb2_break_ack_decode(&r, &ba), SMB_OK);
    put_le16(buf + 64, 40); /* neither 24 nor 36 */
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_break_ack_decode(&r, &ba), SMB_E_MALFORMED);
    w = begin();
    smb2_oplock_break_encode(&w, &ob);
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_break_ack_decode(&r, &ba), SMB_OK);
    assert_false(ba.is_lease);
    assert_int_equal(ba.oplock.oplock_level, SMB2_OPLOCK_LEVEL_II);

    w = begin();
    const uint8_t ed[3] = {1, 2, 3};
    struct smb2_error_resp ei = {0, {ed, 3}}, eo;
    smb2_error_resp_encode(&w, &ei);
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_error_resp_decode(&r, &eo), SMB_OK);
    assert_int_equal(eo.data.len, 3);
    put_le32(buf + 64 + 4, 4000);
    r = at_body(wr_len(&w));
    assert_int_not_equal(smb2_error_resp_decode(&r, &eo), SMB_OK);
}

static void ioctl_vni(void **s)
{
    (void)s;
    struct smb2_vni_resp vi = {0x7f, {1, 2, 3}, 3, 0x0300}, vo;
    uint8_t vb[24];
    assert_int_equal(smb2_vni_resp_encode(&vi, vb), SMB_OK);
    smb_wr w = begin();
    struct smb2_ioctl_resp ii, io;
    memset(&ii, 0, sizeof ii);
    ii.ctl_code = SMB2_FSCTL_VALIDATE_NEGOTIATE_INFO;
    ii.output = (struct smb2_buf){vb, 24};
    smb2_ioctl_resp_encode(&w, &ii);
    size_t len = wr_len(&w);
    smb_rd r = at_body(len);
    assert_int_equal(smb2_ioctl_resp_decode(&r, &io), SMB_OK);
    assert_int_equal(io.ctl_code, SMB2_FSCTL_VALIDATE_NEGOTIATE_INFO);
    assert_int_equal(smb2_vni_resp_decode(io.output, &vo), SMB_OK);
    assert_int_equal(vo.dialect, 0x0300);
    assert_int_equal(vo.security_mode, 3);
    truncations(len, len, d_ioctl, &io);
    struct smb2_buf shorter = {vb, 23}, longer = {buf, 25};
    assert_int_not_equal(smb2_vni_resp_decode(shorter, &vo), SMB_OK);
    assert_int_equal(smb2_vni_resp_decode(longer, &vo), SMB_E_MALFORMED);
    struct smb2_vni_req q = {1, {0}, 1, 2, {0x0300, 0x0302}}, qo;
    uint8_t qb[64];
    size_t ql;
    assert_int_equal(smb2_vni_req_encode(&q, qb, sizeof qb, &ql), SMB_OK);
    assert_int_equal(ql, 24 + 4);
    assert_int_equal(smb2_vni_req_decode((struct smb2_buf){qb, ql}, &qo), SMB_OK);
    assert_int_equal(qo.dialects[1], 0x0302);
    put_le16(qb + 22, 200); /* DialectCount over the cap */
    assert_int_equal(smb2_vni_req_decode((struct smb2_buf){qb, ql}, &qo), SMB_E_MALFORMED);
}

static void dir_listing(void **s)
{
    (void)s;
    static const uint8_t classes[] = {SMB2_FILE_DIRECTORY_INFORMATION, SMB2_FILE_FULL_DIRECTORY_INFORMATION,
                                      SMB2_FILE_BOTH_DIRECTORY_INFORMATION, SMB2_FILE_NAMES_INFORMATION,
                                      SMB2_FILE_ID_BOTH_DIRECTORY_INFORMATION};
    for (size_t k = 0; k < sizeof classes; k++) {
        uint8_t out[1024];
        size_t off = 0, start, prev = 0;
        const uint8_t n1[2] = {'x', 0}, n2[6] = {'a', 0, 'b', 0, 'c', 0};
        struct smb2_dirent e;
        memset(&e, 0, sizeof e);
        e.end_of_file = 77;
        e.file_attributes = SMB2_FILE_ATTRIBUTE_DIRECTORY;
        e.name = (struct smb2_buf){n1, 2};
        assert_int_equal(smb2_dirent_encode(classes[k], &e, out, sizeof out, &off, &start), SMB_OK);
        prev = start;
        e.name = (struct smb2_buf){n2, 6};
        assert_int_equal(smb2_dirent_encode(classes[k], &e, out, sizeof out, &off, &start), SMB_OK);
        put_le32(out + prev, (uint32_t)(start - prev));
        struct smb2_dir_iter it;
        struct smb2_dirent g;
        smb2_dir_iter_init(&it, classes[k], (struct smb2_buf){out, off});
        assert_int_equal(smb2_dir_iter_next(&it, &g), SMB_OK);
        assert_int_equal(g.name.len, 2);
        if (classes[k] != SMB2_FILE_NAMES_INFORMATION)
            assert_int_equal(g.end_of_file, 77);
        assert_int_equal(smb2_dir_iter_next(&it, &g), SMB_OK);
        assert_int_equal(g.name.len, 6);
        assert_memory_equal(g.name.p, n2, 6);
        assert_int_equal(smb2_dir_iter_next(&it, &g), SMB_E_NO_MORE_FILES);
        /* truncated listing */
        smb2_dir_iter_init(&it, classes[k], (struct smb2_buf){out, off - 1});
        assert_int_equal(smb2_dir_iter_next(&it, &g), SMB_OK);
        assert_int_not_equal(smb2_dir_iter_next(&it, &g), SMB_OK);
        /* a NextEntryOffset that points back into the entry (loop) */
        put_le32(out + prev, 4);
        smb2_dir_iter_init(&it, classes[k], (struct smb2_buf){out, off});
        assert_int_equal(smb2_dir_iter_next(&it, &g), SMB_E_MALFORMED);
        /* misaligned */
        put_le32(out + prev, (uint32_t)(start - prev + 1));
        smb2_dir_iter_init(&it, classes[k], (struct smb2_buf){out, off});
        assert_int_equal(smb2_dir_iter_next(&it, &g), SMB_E_MALFORMED);
        /* odd name length */
        put_le32(out + prev, 0);
        uint32_t nlo = classes[k] == SMB2_FILE_NAMES_INFORMATION ? 8 : 60;
        put_le32(out + prev + nlo, 1);
        smb2_dir_iter_init(&it, classes[k], (struct smb2_buf){out, off});
        assert_int_equal(smb2_dir_iter_next(&it, &g), SMB_E_MALFORMED);
    }
    struct smb2_dir_iter it;
    struct smb2_dirent g;
    uint8_t z[128] = {0};
    smb2_dir_iter_init(&it, 0x77, (struct smb2_buf){z, sizeof z});
    assert_int_equal(smb2_dir_iter_next(&it, &g), SMB_E_INVALID_INFO_CLASS);
    /* QUERY_DIRECTORY / QUERY_INFO responses */
    smb_wr w = begin();
    struct smb2_query_directory_resp qi = {{z, 16}}, qo;
    smb2_query_directory_resp_encode(&w, &qi);
    size_t len = wr_len(&w);
    smb_rd r = at_body(len);
    assert_int_equal(smb2_query_directory_resp_decode(&r, &qo), SMB_OK);
    assert_int_equal(qo.output.len, 16);
    truncations(len, len, d_qd, &qo);
    w = begin();
    struct smb2_query_info_resp ii = {{z, 100}}, io;
    smb2_query_info_resp_encode(&w, &ii);
    len = wr_len(&w);
    r = at_body(len);
    assert_int_equal(smb2_query_info_resp_decode(&r, &io), SMB_OK);
    truncations(len, len, d_qi, &io);
    struct smb2_file_all_info ai;
    z[48] = 1; /* EndOfFile low byte (Basic 40 + AllocationSize 8) */
    assert_int_equal(smb2_file_all_info_decode((struct smb2_buf){z, 100}, &ai), SMB_OK);
    assert_int_equal(ai.end_of_file, 1);
    assert_int_not_equal(smb2_file_all_info_decode((struct smb2_buf){z, 60}, &ai), SMB_OK);
}

static void set_info_bufs(void **s)
{
    (void)s;
    const uint8_t nm[4] = {'n', 0, 'w', 0};
    uint8_t b[64];
    size_t l;
    bool rep;
    struct smb2_buf got;
    assert_int_equal(smb2_rename_info_encode(true, (struct smb2_buf){nm, 4}, b, sizeof b, &l), SMB_OK);
    assert_int_equal(l, 24);
    assert_int_equal(smb2_rename_info_decode((struct smb2_buf){b, l}, &rep, &got), SMB_OK);
    assert_true(rep);
    assert_int_equal(got.len, 4);
    assert_int_not_equal(smb2_rename_info_decode((struct smb2_buf){b, l - 1}, &rep, &got), SMB_OK);
    assert_int_equal(smb2_rename_info_encode(false, (struct smb2_buf){nm, 4}, b, 10, &l), SMB_E_OVERFLOW);
    smb_wr w = begin();
    struct smb2_set_info_req q = {SMB2_0_INFO_FILE, SMB2_FILE_DISPOSITION_INFORMATION, 0, {1, 2}, {b, 1}}, qo;
    smb2_set_info_req_encode(&w, &q);
    smb_rd r = at_body(wr_len(&w));
    assert_int_equal(smb2_set_info_req_decode(&r, &qo), SMB_OK);
    assert_int_equal(qo.info_class, SMB2_FILE_DISPOSITION_INFORMATION);
    w = begin();
    smb2_set_info_resp_encode(&w);
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_set_info_resp_decode(&r), SMB_OK);
    r = at_body(wr_len(&w) - 1);
    assert_int_not_equal(smb2_set_info_resp_decode(&r), SMB_OK);
}

static SMB_WUR smb_status d_cn(smb_rd *r, void *o) { return smb2_change_notify_resp_decode(r, o); }
static SMB_WUR smb_status d_lockq(smb_rd *r, void *o) { return smb2_lock_req_decode(r, o); }

/* The encoders the server core uses for what it builds in place (READ data
 * pread at the writer, contexts, listings), LOCK and CHANGE_NOTIFY. */
static void server_shapes(void **s)
{
    (void)s;
    /* READ data already at its place: encoded without a copy, same bytes */
    smb_wr w = begin();
    memset(buf + 64 + 16, 0xAB, 100);
    struct smb2_read_resp ri = {0, {buf + 64 + 16, 100}}, ro;
    smb2_read_resp_encode(&w, &ri);
    assert_true(wr_ok(&w));
    assert_int_equal(wr_len(&w), 64 + 16 + 100);
    smb_rd r = at_body(wr_len(&w));
    assert_int_equal(smb2_read_resp_decode(&r, &ro), SMB_OK);
    assert_int_equal(ro.data.len, 100);
    assert_int_equal(ro.data.p[99], 0xAB);
    /* an empty READ: DataOffset 0x50, one byte of Buffer */
    w = begin();
    struct smb2_read_resp re = {0, {NULL, 0}};
    smb2_read_resp_encode(&w, &re);
    assert_int_equal(wr_len(&w), 64 + 17);
    assert_int_equal(buf[64 + 2], 0x50);
    /* a READ response with more data than fits fails the writer */
    uint8_t small[64 + 20];
    wr_init(&w, small, sizeof small);
    wr_zero(&w, 64);
    struct smb2_read_resp big = {0, {buf, 100}};
    smb2_read_resp_encode(&w, &big);
    assert_false(wr_ok(&w));

    /* IOCTL without input or output: 48 bytes + one of Buffer */
    w = begin();
    struct smb2_ioctl_resp ie;
    memset(&ie, 0, sizeof ie);
    ie.ctl_code = SMB2_FSCTL_SET_COMPRESSION;
    smb2_ioctl_resp_encode(&w, &ie);
    assert_int_equal(wr_len(&w), 64 + 49);
    assert_int_equal(le32(buf + 64 + 32), SMB2_HDR_LEN + 48); /* OutputOffset */

    /* create contexts: two, the first padded to 8, decoded back by offsets */
    w = begin();
    uint8_t d8[8] = {1, 2, 3, 4, 5, 6, 7, 8}, d32[32] = {9};
    smb2_create_ctx_encode(&w, "MxAc", d8, 8, false);
    assert_int_equal(wr_len(&w), 64 + 32);
    assert_int_equal(le32(buf + 64), 32);
    smb2_create_ctx_encode(&w, "QFid", d32, 32, true);
    assert_int_equal(wr_len(&w), 64 + 32 + 56);
    assert_int_equal(le32(buf + 64 + 32), 0); /* last: Next 0 */
    assert_memory_equal(buf + 64 + 32 + 16, "QFid", 4);
    assert_int_equal(buf[64 + 32 + 24], 9);
    /* a context that does not fit fails the writer */
    wr_init(&w, small, 40);
    smb2_create_ctx_encode(&w, "QFid", d32, 32, true);
    assert_false(wr_ok(&w));
    /* the CREATE response with its contexts already in place */
    w = begin();
    uint8_t *cpos = buf + 64 + 88;
    smb_wr cw;
    wr_init(&cw, cpos, 64);
    smb2_create_ctx_encode(&cw, "MxAc", d8, 8, true);
    struct smb2_create_resp ci, co;
    memset(&ci, 0, sizeof ci);
    ci.contexts = (struct smb2_buf){cpos, wr_len(&cw)};
    smb2_create_resp_encode(&w, &ci);
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_create_resp_decode(&r, &co), SMB_OK);
    assert_int_equal(co.contexts.len, 32);
    assert_memory_equal(co.contexts.p + 16, "MxAc", 4);

    /* LOCK: request round trip, count 0 and elements past the end refused */
    w = begin();
    uint8_t el[48] = {0};
    struct smb2_lock_req lq = {2, 0, {5, 6}, {el, 48}}, lo;
    smb2_lock_req_encode(&w, &lq);
    size_t len = wr_len(&w);
    r = at_body(len);
    assert_int_equal(smb2_lock_req_decode(&r, &lo), SMB_OK);
    assert_int_equal(lo.lock_count, 2);
    assert_int_equal(lo.file_id.volatile_, 6);
    assert_int_equal(lo.locks.len, 48);
    truncations(len, len, d_lockq, &lo);
    put_le16(buf + 64 + 2, 3); /* three elements announced, two sent */
    r = at_body(len);
    assert_int_not_equal(smb2_lock_req_decode(&r, &lo), SMB_OK);
    put_le16(buf + 64 + 2, 0);
    r = at_body(len);
    assert_int_equal(smb2_lock_req_decode(&r, &lo), SMB_E_MALFORMED);
    struct smb2_lock_req bad = {1, 0, {0, 0}, {el, 48}};
    w = begin();
    smb2_lock_req_encode(&w, &bad); /* count and elements disagree */
    assert_false(wr_ok(&w));
    w = begin();
    smb2_lock_resp_encode(&w);
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_lock_resp_decode(&r), SMB_OK);
    buf[64] = 9;
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_lock_resp_decode(&r), SMB_E_MALFORMED);

    /* CHANGE_NOTIFY */
    w = begin();
    struct smb2_change_notify_req nq = {SMB2_WATCH_TREE, 4096, {1, 1}, 0x17}, no;
    smb2_change_notify_req_encode(&w, &nq);
    r = at_body(wr_len(&w));
    assert_int_equal(smb2_change_notify_req_decode(&r, &no), SMB_OK);
    assert_int_equal(no.output_buffer_length, 4096);
    assert_int_equal(no.completion_filter, 0x17);
    r = at_body(wr_len(&w) - 1);
    assert_int_not_equal(smb2_change_notify_req_decode(&r, &no), SMB_OK);
    w = begin();
    struct smb2_change_notify_resp ni = {{NULL, 0}}, nr;
    smb2_change_notify_resp_encode(&w, &ni);
    len = wr_len(&w);
    assert_int_equal(len, 64 + 9);
    assert_int_equal(le16(buf + 64 + 2), 0x48);
    r = at_body(len);
    assert_int_equal(smb2_change_notify_resp_decode(&r, &nr), SMB_OK);
    assert_int_equal(nr.output.len, 0);
    w = begin();
    const uint8_t info[12] = {0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 'a', 0};
    ni.output = (struct smb2_buf){info, 12};
    smb2_change_notify_resp_encode(&w, &ni);
    len = wr_len(&w);
    r = at_body(len);
    assert_int_equal(smb2_change_notify_resp_decode(&r, &nr), SMB_OK);
    assert_int_equal(nr.output.len, 12);
    truncations(len, len, d_cn, &nr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(session_setup), cmocka_unit_test(create),    cmocka_unit_test(read_write),
        cmocka_unit_test(close_tree_misc), cmocka_unit_test(ioctl_vni), cmocka_unit_test(dir_listing),
        cmocka_unit_test(set_info_bufs), cmocka_unit_test(server_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
