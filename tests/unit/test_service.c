/* tests/unit/test_service.c - server/service.c (sd_notify datagrams, journald
 * log lines) and server/check.c (key/section line finder, configuration checks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/check.h"
#include "server/service.h"
#include "server/session.h"

static void notify_sends_one_datagram(void **state)
{
    (void)state;
    char dir[] = "/tmp/smbsign-notify.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/s", dir);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(srv_notify_to(path, "READY=1\nSTATUS=up"), 1);
    char buf[64] = {0};
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    assert_int_equal(n, 17);
    assert_string_equal(buf, "READY=1\nSTATUS=up");
    close(fd);
    unlink(path);
    rmdir(dir);
    /* negative twins: nobody listening, relative names, no socket at all */
    assert_int_equal(srv_notify_to(path, "READY=1"), -1);
    assert_int_equal(srv_notify_to("relative/sock", "READY=1"), -1);
    assert_int_equal(srv_notify_to(NULL, "READY=1"), 0);
    assert_int_equal(srv_notify_to("", "READY=1"), 0);
}

static void notify_abstract_socket(void **state)
{
    (void)state;
    char name[64];
    snprintf(name, sizeof name, "@smbsign-test-%ld", (long)getpid());
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(name);
    memcpy(sa.sun_path, name, len);
    sa.sun_path[0] = 0;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)), 0);
    assert_int_equal(srv_notify_to(name, "STOPPING=1"), 1);
    char buf[32] = {0};
    assert_int_equal(recv(fd, buf, sizeof buf - 1, 0), 10);
    assert_string_equal(buf, "STOPPING=1");
    close(fd);
}

static void log_lines(void **state)
{
    (void)state;
    char out[128];
    srv_log_format(out, sizeof out, true, SRV_LOG_AUDIT, "signing: bad\nsignature");
    assert_string_equal(out, "<4>signing: bad signature");
    srv_log_format(out, sizeof out, true, SRV_LOG_ERROR, "x");
    assert_string_equal(out, "<3>x");
    srv_log_format(out, sizeof out, true, SRV_LOG_INFO, "x");
    assert_string_equal(out, "<6>x");
    srv_log_format(out, sizeof out, true, 99, "x");
    assert_string_equal(out, "<7>x");
    srv_log_format(out, sizeof out, false, SRV_LOG_INFO, "hello");
    /* 2026-12-07T15:00:00Z smbsign-serve INFO: hello */
    assert_int_equal(strlen(out), 20 + strlen(" smbsign-serve INFO: hello"));
    assert_true(out[4] == '-' && out[10] == 'T' && out[19] == 'Z');
    assert_string_equal(out + 20, " smbsign-serve INFO: hello");
    /* truncation stays terminated */
    char small[6];
    srv_log_format(small, sizeof small, true, SRV_LOG_INFO, "abcdefgh");
    assert_string_equal(small, "<6>ab");
}

static void journal_stream_must_name_stderr(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(fstat(STDERR_FILENO, &st), 0);
    char v[64];
    snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", v, 1);
    assert_true(srv_journal_stderr());
    snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino + 1);
    setenv("JOURNAL_STREAM", v, 1);
    assert_false(srv_journal_stderr());
    setenv("JOURNAL_STREAM", "garbage", 1);
    assert_false(srv_journal_stderr());
    unsetenv("JOURNAL_STREAM");
    assert_false(srv_journal_stderr());
}

static void find_line_matches_keys_like_the_parser(void **state)
{
    (void)state;
    const char *t = "# comment\n"
                    "[global]\n"
                    "  Server_Signing = auto\n"
                    "io-threads=2\n"
                    "server signing = mandatory\n"
                    "\n"
                    "[Data]\n"
                    "path = /srv/x\n"
                    "; io threads = 9\n";
    assert_int_equal(srv_config_find_line(t, "global", "server signing"), 5); /* the last one wins */
    assert_int_equal(srv_config_find_line(t, "global", "io threads"), 4);
    assert_int_equal(srv_config_find_line(t, "data", NULL), 7);
    assert_int_equal(srv_config_find_line(t, "DATA", "path"), 8);
    /* negative twins */
    assert_int_equal(srv_config_find_line(t, "global", "path"), 0);
    assert_int_equal(srv_config_find_line(t, "data", "io threads"), 0); /* commented out */
    assert_int_equal(srv_config_find_line(t, "other", NULL), 0);
    assert_int_equal(srv_config_find_line(NULL, "global", "x"), 0);
}

struct seen {
    int n[3];
    char last[3][512];
};

static void collect(void *arg, int sev, const char *where, const char *msg)
{
    struct seen *s = arg;
    s->n[sev]++;
    snprintf(s->last[sev], sizeof s->last[sev], "%s|%s", where, msg);
}

static void check_reports_with_file_line(void **state)
{
    (void)state;
    char dir[] = "/tmp/smbsign-check.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char conf[256], users[256], text[1024];
    snprintf(conf, sizeof conf, "%s/c.conf", dir);
    snprintf(users, sizeof users, "%s/users", dir);
    FILE *f = fopen(users, "w");
    assert_non_null(f);
    fclose(f);
    chmod(users, 0600);
    snprintf(text, sizeof text, "[global]\nusers = %s\nworker thread = no\nio threads = 2\n[d]\npath = %s/none\n",
             users, dir);
    f = fopen(conf, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    struct srv_config c;
    char err[512];
    srv_config_init(&c);
    assert_int_equal(srv_config_load(&c, conf, err, sizeof err), SMB_OK);
    struct seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(srv_config_check(&c, conf, SMB_LEVEL_REQUIRED, collect, &s), SRV_CHECK_ERROR);
    assert_int_equal(s.n[SRV_CHECK_ERROR], 1);
    char want[512];
    snprintf(want, sizeof want, "%s:6|share [d]: path %s/none: No such file or directory", conf, dir);
    assert_string_equal(s.last[SRV_CHECK_ERROR], want);
    assert_int_equal(s.n[SRV_CHECK_WARNING], 1);
    snprintf(want, sizeof want, "%s:4|io threads = 2 has no effect with worker thread = no (line 3)", conf);
    assert_string_equal(s.last[SRV_CHECK_WARNING], want);
    /* twin: with the directory present and the worker on, nothing but the note */
    snprintf(want, sizeof want, "%s/none", dir);
    assert_int_equal(mkdir(want, 0755), 0);
    c.worker_thread = true;
    memset(&s, 0, sizeof s);
    assert_int_equal(srv_config_check(&c, conf, SMB_LEVEL_REQUIRED, collect, &s), SRV_CHECK_OK);
    assert_int_equal(s.n[SRV_CHECK_ERROR] + s.n[SRV_CHECK_WARNING], 0);
    assert_int_equal(s.n[SRV_CHECK_NOTE], 1); /* no users yet */
    rmdir(want);
    unlink(users);
    unlink(conf);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(notify_sends_one_datagram),
        cmocka_unit_test(notify_abstract_socket),
        cmocka_unit_test(log_lines),
        cmocka_unit_test(journal_stream_must_name_stderr),
        cmocka_unit_test(find_line_matches_keys_like_the_parser),
        cmocka_unit_test(check_reports_with_file_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
