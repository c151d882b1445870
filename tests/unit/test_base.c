/* tests/unit/test_base.c - base/: reader/writer, hex codec, status table, JSON writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/hex.h"
#include "base/json.h"
#include "wire/smb1/msg.h"
#include "smbsign/status.h"
#include "smbsign/types.h"

static void rd_reads_le_values(void **state)
{
    (void)state;
    const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    smb_rd r;
    rd_init(&r, b, sizeof b);
    assert_int_equal(rd_u8(&r), 1);
    assert_int_equal(rd_u16le(&r), 0x0302);
    assert_int_equal(rd_u32le(&r), 0x07060504);
    assert_true(rd_u64le(&r) == 0x0f0e0d0c0b0a0908ull);
    assert_true(rd_ok(&r));
    assert_int_equal(rd_remaining(&r), 0);
}

static void rd_truncation_sticks(void **state)
{
    (void)state;
    const uint8_t b[] = {1, 2, 3};
    smb_rd r;
    rd_init(&r, b, sizeof b);
    assert_int_equal(rd_u16le(&r), 0x0201);
    assert_int_equal(rd_u16le(&r), 0); /* only one byte left */
    assert_false(rd_ok(&r));
    assert_int_equal(r.err, SMB_E_TRUNCATED);
    /* later reads keep failing even if they would fit */
    assert_int_equal(rd_u8(&r), 0);
    assert_null(rd_bytes(&r, 0));
    assert_int_equal(r.err, SMB_E_TRUNCATED);
}

static void rd_sub_checks_64bit(void **state)
{
    (void)state;
    uint8_t b[16] = {0};
    smb_rd r, s;
    rd_init(&r, b, sizeof b);
    s = rd_sub(&r, 4, 8);
    assert_true(rd_ok(&s));
    assert_int_equal(s.len, 8);
    s = rd_sub(&r, 8, 9); /* one past the end */
    assert_false(rd_ok(&s));
    assert_false(rd_ok(&r));
    rd_init(&r, b, sizeof b);
    s = rd_sub(&r, UINT64_MAX - 2, 8); /* wraps in 64-bit naive addition */
    assert_false(rd_ok(&s));
    rd_init(&r, b, sizeof b);
    rd_seek(&r, 17);
    assert_false(rd_ok(&r));
}

static void wr_writes_and_overflows(void **state)
{
    (void)state;
    uint8_t b[8];
    smb_wr w;
    wr_init(&w, b, sizeof b);
    wr_u16le(&w, 0xFE53);
    size_t off = wr_reserve(&w, 4);
    wr_u8(&w, 0x42);
    wr_patch_u32le(&w, off, 0xdeadbeef);
    assert_true(wr_ok(&w));
    assert_int_equal(wr_len(&w), 7);
    assert_int_equal(b[0], 0x53);
    assert_int_equal(le32(b + 2), 0xdeadbeef);
    wr_u16le(&w, 1); /* needs 2, 1 left */
    assert_false(wr_ok(&w));
    assert_int_equal(w.err, SMB_E_OVERFLOW);
    assert_int_equal(wr_len(&w), 7);
}

static void hex_roundtrip_and_errors(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t n = 0, off = 0;
    char txt[17];
    assert_int_equal(hex_decode("0A bC\n12", 8, out, sizeof out, &n, &off), SMB_OK);
    assert_int_equal(n, 3);
    hex_encode(out, n, txt);
    assert_string_equal(txt, "0abc12");
    assert_int_equal(hex_decode("0abz", 4, out, sizeof out, &n, &off), SMB_E_BAD_HEX);
    assert_int_equal(off, 3);
    assert_int_equal(hex_decode("abc", 3, out, sizeof out, &n, &off), SMB_E_BAD_HEX);
    assert_int_equal(hex_decode("001122334455667788", 18, out, sizeof out, &n, &off), SMB_E_OVERFLOW);
    assert_int_equal(hex_decode_exact("0011", out, 3, &n, &off), SMB_E_BAD_ARGUMENT);
    assert_int_equal(hex_decode_exact("001122", out, 3, &n, &off), SMB_OK);
}

static void status_table_names(void **state)
{
    (void)state;
    assert_string_equal(smb_status_name(SMB_E_ACCESS_DENIED), "STATUS_ACCESS_DENIED");
    assert_int_equal(smb_status_ntstatus(SMB_E_ACCESS_DENIED), 0xC0000022u);
    assert_string_equal(smb_status_name(SMB_E_LOGIN_WKSTA_RESTRICTION), "ERROR_LOGIN_WKSTA_RESTRICTION");
    assert_int_equal(smb_status_win32(SMB_E_LOGIN_WKSTA_RESTRICTION), 1240);
    assert_int_equal(smb_status_ntstatus(SMB_E_INVALID_SIGNATURE), 0xC000A000u);
    assert_string_equal(smb_status_name(SMB_E_NO_SIGNING_ALGORITHM_OVERLAP),
                        "STATUS_SMB_NO_SIGNING_ALGORITHM_OVERLAP");
    int known = 1;
    assert_int_equal(smb_status_from_ntstatus(0xC000006Du, &known), SMB_E_LOGON_FAILURE);
    assert_int_equal(known, 1);
    assert_int_not_equal(smb_status_from_ntstatus(0xC0FFEE00u, &known), SMB_OK);
    assert_int_equal(known, 0);
    smb_status s;
    assert_true(smb_status_from_name("STATUS_LOGON_FAILURE", &s));
    assert_int_equal(s, SMB_E_LOGON_FAILURE);
    assert_false(smb_status_from_name("STATUS_NOPE", &s));
    /* out-of-range values never index out of the table */
    assert_string_equal(smb_status_name((smb_status)99999), "STATUS_INTERNAL_ERROR");
}

static void vocabulary_names(void **state)
{
    (void)state;
    smb_dialect d;
    assert_int_equal(smb_dialect_parse("SMB3_11", &d), 0);
    assert_int_equal(d, SMB_DIALECT_311);
    assert_string_equal(smb_dialect_name(SMB_DIALECT_210), "2.1");
    assert_int_equal(smb_dialect_parse("4.0", &d), -1);
    smb_sign_level l;
    assert_int_equal(smb_level_parse("mandatory", &l), 0);
    assert_int_equal(l, SMB_LEVEL_REQUIRED);
    assert_int_equal(smb_level_parse("sometimes", &l), -1);
    smb_sign_alg a;
    assert_int_equal(smb_alg_parse("aes-gmac", &a), 0);
    assert_string_equal(smb_alg_name(a), "aes-gmac");
    assert_int_equal(smb_alg_parse("sha1", &a), -1);
}

static void json_writer(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    jw w;
    jw_init(&w, f);
    jw_obj_begin(&w);
    jw_kstr(&w, "a", "x\"y\n");
    jw_key(&w, "b");
    jw_arr_begin(&w);
    jw_int(&w, -1);
    jw_bool(&w, true);
    jw_null(&w);
    jw_arr_end(&w);
    jw_key(&w, "h");
    jw_hex(&w, "\x01\xff", 2);
    jw_obj_end(&w);
    jw_newline(&w);
    fclose(f);
    assert_string_equal(buf, "{\"a\":\"x\\\"y\\n\",\"b\":[-1,true,null],\"h\":\"01ff\"}\n");
    free(buf);
}

/* smbclient's letters and order (issue 20); negative twins: no bit, unknown bits. */
static void file_attr_letters(void **state)
{
    (void)state;
    char a[SMB_FILE_ATTR_LETTERS_MAX];
    assert_string_equal(smb_file_attr_letters(0x80, a), "N");
    assert_string_equal(smb_file_attr_letters(0x20, a), "A");
    assert_string_equal(smb_file_attr_letters(0x10, a), "D");
    assert_string_equal(smb_file_attr_letters(0x03, a), "HR");
    assert_string_equal(smb_file_attr_letters(0x27, a), "AHSR");
    assert_string_equal(smb_file_attr_letters(0x7FFF, a), "VDAHSNRdtsrcone");
    assert_int_equal(strlen(a) + 1, SMB_FILE_ATTR_LETTERS_MAX);
    assert_string_equal(smb_file_attr_letters(0, a), "");
    assert_string_equal(smb_file_attr_letters(0xFFFF8000u, a), "");
}

/* take() (every rd_* read) with a length that would wrap off + n: refused,
 * sticky, nothing returned (issue 11: it computed off + n, which can wrap,
 * unlike rd_sub); the twin reads the bytes that are there. */
static void rd_huge_length_does_not_wrap(void **state)
{
    (void)state;
    uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    smb_rd r;
    rd_init(&r, b, sizeof b);
    assert_int_equal(rd_u8(&r), 1);
    assert_null(rd_bytes(&r, SIZE_MAX));
    assert_int_equal(r.err, SMB_E_TRUNCATED);
    assert_null(rd_bytes(&r, 1)); /* sticky */
    rd_init(&r, b, sizeof b);
    assert_int_equal(rd_u8(&r), 1);
    assert_null(rd_bytes(&r, SIZE_MAX - 0));
    rd_init(&r, b, sizeof b);
    rd_skip(&r, 3);
    assert_null(rd_bytes(&r, (size_t)-3)); /* off + n == 0 after wrapping */
    assert_false(rd_ok(&r));
    rd_init(&r, b, sizeof b); /* twin */
    rd_skip(&r, 3);
    const uint8_t *q = rd_bytes(&r, 5);
    assert_non_null(q);
    assert_int_equal(q[4], 8);
    assert_true(rd_ok(&r));
}

/* smb1_wr_ustr: a string that cannot be converted sets the writer's sticky
 * error (the encoders check it once at the end); a good one does not. */
static void smb1_wr_ustr_error_is_sticky(void **state)
{
    (void)state;
    uint8_t buf[64];
    smb_wr w;
    wr_init(&w, buf, sizeof buf);
    smb1_wr_ustr(&w, "bad \xff\xfe utf-8");
    assert_false(wr_ok(&w));
    assert_int_not_equal(w.err, SMB_OK);
    wr_init(&w, buf, sizeof buf); /* twin */
    smb1_wr_ustr(&w, "ok");
    assert_true(wr_ok(&w));
    assert_int_equal(wr_len(&w), 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rd_reads_le_values),   cmocka_unit_test(rd_truncation_sticks),
        cmocka_unit_test(rd_sub_checks_64bit),  cmocka_unit_test(wr_writes_and_overflows),
        cmocka_unit_test(hex_roundtrip_and_errors), cmocka_unit_test(status_table_names),
        cmocka_unit_test(vocabulary_names),     cmocka_unit_test(json_writer),
        cmocka_unit_test(file_attr_letters),
        cmocka_unit_test(rd_huge_length_does_not_wrap), cmocka_unit_test(smb1_wr_ustr_error_is_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
