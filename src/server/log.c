/* log.c: structured log lines to stderr (see log.h).
 *
 * A line is built in a 4 KiB stack buffer and written with a single write(2):
 * at most PIPE_BUF bytes, so lines from many threads never interleave. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096
#define LOG_ID_MAX 32

static atomic_int log_min = LOG_INFO;
static _Thread_local char log_req_id[LOG_ID_MAX + 1];

static const char *const log_level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level min)
{
    atomic_store(&log_min, (int)min);
}

void log_set_request_id(const char *id)
{
    if (id == NULL) {
        log_req_id[0] = '\0';
        return;
    }
    size_t n = strnlen(id, LOG_ID_MAX);
    memcpy(log_req_id, id, n);
    log_req_id[n] = '\0';
}

const char *log_request_id(void)
{
    return log_req_id[0] != '\0' ? log_req_id : "-";
}

/* A bounded line under construction; `len` never exceeds `cap`. */
struct line {
    char *buf;
    size_t len;
    size_t cap;
};

static void line_putc(struct line *l, char c)
{
    if (l->len < l->cap)
        l->buf[l->len++] = c;
}

static void line_puts(struct line *l, const char *s)
{
    while (*s != '\0' && l->len < l->cap)
        l->buf[l->len++] = *s++;
}

/* Append `s` with newlines, carriage returns, tabs and other control bytes
 * escaped; quotes and backslashes too when `quoted` (inside msg="..."). */
static void line_put_escaped(struct line *l, const char *s, size_t n, int quoted)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n && l->len < l->cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            line_puts(l, "\\n");
        } else if (c == '\r') {
            line_puts(l, "\\r");
        } else if (c == '\t') {
            line_puts(l, "\\t");
        } else if (quoted && (c == '"' || c == '\\')) {
            line_putc(l, '\\');
            line_putc(l, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            line_puts(l, "\\x");
            line_putc(l, hex[c >> 4]);
            line_putc(l, hex[c & 15]);
        } else {
            line_putc(l, (char)c);
        }
    }
}

void log_msg(enum log_level lvl, const char *msg, const char *fmt, ...)
{
    if ((int)lvl < atomic_load(&log_min))
        return;
    int saved_errno = errno;
    char buf[LOG_LINE_MAX];
    /* Keep one byte for the final newline. */
    struct line l = {buf, 0, sizeof(buf) - 1};

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* The "ts=...:SS" part changes once a second: format it once per second
     * per thread, then only the milliseconds. */
    static __thread time_t stamp_secs = -1;
    static __thread char stamp[48];
    if (ts.tv_sec != stamp_secs) {
        time_t secs = ts.tv_sec;
        struct tm tm;
        gmtime_r(&secs, &tm);
        snprintf(stamp, sizeof(stamp), "ts=%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        stamp_secs = ts.tv_sec;
    }
    line_puts(&l, stamp);
    int ms = (int)(ts.tv_nsec / 1000000L);
    char msz[5] = {(char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10), 'Z',
                   '\0'};
    line_puts(&l, msz);

    int li = (int)lvl;
    line_puts(&l, " level=");
    line_puts(&l, li >= 0 && li <= (int)LOG_ERROR ? log_level_names[li] : "info");
    line_puts(&l, " req=");
    line_puts(&l, log_request_id());
    line_puts(&l, " msg=\"");
    if (msg != NULL)
        line_put_escaped(&l, msg, strlen(msg), 1);
    line_putc(&l, '"');

    if (fmt != NULL && fmt[0] != '\0') {
        char kv[LOG_LINE_MAX];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(kv, sizeof(kv), fmt, ap);
        va_end(ap);
        if (n > 0) {
            size_t kvlen = (size_t)n < sizeof(kv) ? (size_t)n : sizeof(kv) - 1;
            size_t skip = 0;
            while (skip < kvlen && kv[skip] == ' ')
                skip++;
            if (skip < kvlen) {
                line_putc(&l, ' ');
                line_put_escaped(&l, kv + skip, kvlen - skip, 0);
            }
        }
    }

    if (l.len == l.cap) {
        /* Truncated: say so in the last bytes. */
        memcpy(buf + l.cap - 3, "...", 3);
    }
    buf[l.len++] = '\n';

    ssize_t w;
    do {
        w = write(STDERR_FILENO, buf, l.len);
    } while (w < 0 && errno == EINTR);
    errno = saved_errno;
}
