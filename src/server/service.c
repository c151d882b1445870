/* server/service.c - sd_notify socket protocol and journald-friendly log lines (service.h). */
#include "server/service.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "server/session.h"

int srv_notify_to(const char *name, const char *state)
{
    struct sockaddr_un sa;
    size_t n = name ? strlen(name) : 0;
    if (n == 0)
        return 0;
    /* a path or an abstract name ("@x" means "\0x"); nothing else is ours to use */
    if ((name[0] != '/' && name[0] != '@') || n >= sizeof sa.sun_path) {
        errno = EINVAL;
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, name, n);
    if (name[0] == '@')
        sa.sun_path[0] = 0;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    size_t len = strlen(state);
    ssize_t w = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sa,
                       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
    int e = errno;
    close(fd);
    if (w != (ssize_t)len) {
        errno = w < 0 ? e : EMSGSIZE;
        return -1;
    }
    return 1;
}

int srv_notify(const char *state)
{
    return srv_notify_to(getenv("NOTIFY_SOCKET"), state);
}

bool srv_journal_stderr(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    char tail;
    struct stat st;
    if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2 || fstat(STDERR_FILENO, &st))
        return false;
    /* only when fd 2 is still the stream systemd gave us (not redirected) */
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int srv_log_priority(int level)
{
    switch (level) {
    case SRV_LOG_ERROR: return 3;
    case SRV_LOG_AUDIT: return 4;
    case SRV_LOG_INFO: return 6;
    default: return 7;
    }
}

void srv_log_format(char *out, size_t cap, bool journal, int level, const char *msg)
{
    static const char *const words[] = {"ERROR", "AUDIT", "INFO", "DEBUG"};
    int lv = level < SRV_LOG_ERROR ? SRV_LOG_ERROR : level > SRV_LOG_DEBUG ? SRV_LOG_DEBUG : level;
    int n;
    if (cap == 0)
        return;
    if (journal) {
        n = snprintf(out, cap, "<%d>", srv_log_priority(lv));
    } else {
        char ts[32];
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        n = snprintf(out, cap, "%s smbsign-serve %s: ", ts, words[lv]);
    }
    if (n < 0 || (size_t)n >= cap)
        return;
    size_t i = (size_t)n;
    for (; *msg && i + 1 < cap; msg++)
        out[i++] = (*msg == '\n' || *msg == '\r') ? ' ' : *msg;
    out[i] = 0;
}
