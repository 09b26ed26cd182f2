/* log.c: structured log lines to stderr (see log.h).
 *
 * A line is built in a 4 KiB stack buffer. Synchronously (the default, and
 * in tests) it is written with a single write(2) of at most PIPE_BUF bytes,
 * so lines from many threads never interleave. With log_start_async (kassad)
 * lines are appended whole to a shared buffer and one logger thread writes
 * what has gathered with one write(2): under load one system call carries
 * many lines, and request threads never wait on stderr's file or pipe
 * (on a file, every append takes the inode's lock: a line per request
 * written by every thread halved throughput). Info lines reach stderr within
 * LOG_FLUSH_MS, warnings and errors at once; a kill -9 loses at most the
 * lines not yet written. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hex.h"

#define LOG_LINE_MAX 4096
#define LOG_ID_MAX 32

static atomic_int log_min = LOG_INFO;
static _Thread_local char log_req_id[LOG_ID_MAX + 1];
static _Thread_local const char *log_who;

static const char *const log_level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level min)
{
    atomic_store(&log_min, (int)min);
}

void log_set_request(const char *id, const char *who)
{
    log_set_request_id(id);
    log_who = id != NULL ? who : NULL;
}

void log_set_request_id(const char *id)
{
    log_who = NULL;
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
            char x[3];
            hex_encode(&c, 1, x, false);
            line_puts(l, "\\x");
            line_puts(l, x);
        } else {
            line_putc(l, (char)c);
        }
    }
}

static bool log_append_async(const char *line, size_t n, bool urgent);
static void write_all(const char *p, size_t n);

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
    if (log_who != NULL && log_who[0] != '\0') {
        line_puts(&l, " who=");
        line_put_escaped(&l, log_who, strlen(log_who), 0);
    }
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

    if (!log_append_async(buf, l.len, lvl >= LOG_WARN))
        write_all(buf, l.len);
    errno = saved_errno;
}

/* ---- the logger thread -------------------------------------------------- */

#define LOG_BUF_SIZE (256 * 1024)
#define LOG_FLUSH_MS 5 /* the longest an info line waits in memory */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t has_lines; /* the logger waits for lines */
    pthread_cond_t has_room;  /* writers wait for room */
    pthread_cond_t flushed;   /* log_flush waits for `written` */
    char *buf, *spare;        /* appended to / being written */
    size_t len;
    bool running, stopping;
    bool urgent; /* a warning or error is waiting: write now */
    /* Buffers taken by the logger, and written by it (log_flush). */
    unsigned long long taken, written;
    pthread_t thread;
} L = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .has_lines = PTHREAD_COND_INITIALIZER,
       .has_room = PTHREAD_COND_INITIALIZER,
       .flushed = PTHREAD_COND_INITIALIZER};

static atomic_bool log_async;

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return; /* stderr is gone: nothing better to do with a log line */
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Append a whole line to the shared buffer; false when not in async mode. */
static bool log_append_async(const char *line, size_t n, bool urgent)
{
    if (!atomic_load_explicit(&log_async, memory_order_acquire))
        return false;
    pthread_mutex_lock(&L.mu);
    if (!L.running) {
        pthread_mutex_unlock(&L.mu);
        return false;
    }
    while (L.len + n > LOG_BUF_SIZE && L.running)
        pthread_cond_wait(&L.has_room, &L.mu); /* back-pressure, never drop */
    if (!L.running) {
        pthread_mutex_unlock(&L.mu);
        return false;
    }
    bool was_empty = L.len == 0;
    memcpy(L.buf + L.len, line, n);
    L.len += n;
    if (urgent)
        L.urgent = true;
    /* One wake-up per batch, not per line: the logger, once woken, gathers
     * for LOG_FLUSH_MS (a wake-up per line would cost a futex call and a
     * context switch per request). Warnings and errors cut that short. */
    if (was_empty || urgent || L.len > LOG_BUF_SIZE / 2)
        pthread_cond_signal(&L.has_lines);
    pthread_mutex_unlock(&L.mu);
    return true;
}

static void *logger_main(void *arg)
{
    pthread_setname_np(pthread_self(), "kassa-log"); /* top -H, perf */
    (void)arg;
    pthread_mutex_lock(&L.mu);
    for (;;) {
        while (L.len == 0 && !L.stopping)
            pthread_cond_wait(&L.has_lines, &L.mu);
        if (!L.stopping && !L.urgent && L.len <= LOG_BUF_SIZE / 2) {
            /* Gather: more lines arrive while we wait a moment. */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += LOG_FLUSH_MS * 1000000L;
            until.tv_sec += until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            while (!L.stopping && !L.urgent && L.len <= LOG_BUF_SIZE / 2 &&
                   pthread_cond_timedwait(&L.has_lines, &L.mu, &until) == 0)
                ;
        }
        L.urgent = false;
        if (L.len == 0 && L.stopping)
            break;
        char *out = L.buf;
        size_t n = L.len;
        L.buf = L.spare;
        L.spare = out;
        L.len = 0;
        L.taken++;
        pthread_cond_broadcast(&L.has_room);
        pthread_mutex_unlock(&L.mu);
        write_all(out, n);
        pthread_mutex_lock(&L.mu);
        L.written = L.taken;
        pthread_cond_broadcast(&L.flushed);
    }
    pthread_mutex_unlock(&L.mu);
    return NULL;
}

int log_start_async(void)
{
    pthread_mutex_lock(&L.mu);
    if (L.running) {
        pthread_mutex_unlock(&L.mu);
        return 0;
    }
    L.buf = malloc(LOG_BUF_SIZE);
    L.spare = malloc(LOG_BUF_SIZE);
    L.len = 0;
    L.stopping = false;
    if (L.buf == NULL || L.spare == NULL ||
        pthread_create(&L.thread, NULL, logger_main, NULL) != 0) {
        free(L.buf);
        free(L.spare);
        L.buf = L.spare = NULL;
        pthread_mutex_unlock(&L.mu);
        return -1;
    }
    L.running = true;
    atomic_store_explicit(&log_async, true, memory_order_release);
    pthread_mutex_unlock(&L.mu);
    return 0;
}

void log_flush(void)
{
    pthread_mutex_lock(&L.mu);
    if (L.running) {
        unsigned long long want = L.taken + (L.len > 0); /* the buffer being filled too */
        L.urgent = true;
        pthread_cond_signal(&L.has_lines);
        while (L.running && L.written < want)
            pthread_cond_wait(&L.flushed, &L.mu);
    }
    pthread_mutex_unlock(&L.mu);
}

void log_stop_async(void)
{
    pthread_mutex_lock(&L.mu);
    if (!L.running) {
        pthread_mutex_unlock(&L.mu);
        return;
    }
    L.stopping = true;
    pthread_cond_signal(&L.has_lines);
    pthread_mutex_unlock(&L.mu);
    pthread_join(L.thread, NULL); /* it drains the buffer first */
    pthread_mutex_lock(&L.mu);
    atomic_store(&log_async, false);
    L.running = false;
    pthread_cond_broadcast(&L.has_room);
    pthread_cond_broadcast(&L.flushed);
    free(L.buf);
    free(L.spare);
    L.buf = L.spare = NULL;
    pthread_mutex_unlock(&L.mu);
}
