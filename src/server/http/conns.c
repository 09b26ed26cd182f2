/* conns.c: the table of open connections (see conns.h). */
#include "conns.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"

/* Connections shut down by the table but not yet closed by MHD, at most:
 * past it a new connection is refused rather than another one closed, so
 * MHD's count stays below max + CLOSING_MAX. */
#define CLOSING_MAX 64

enum rec_state {
    REC_WAITING,   /* no request yet, or between two: evictable */
    REC_RECEIVING, /* request line seen, headers or body arriving */
    REC_BUSY,      /* received whole: handled, suspended or answering */
};

/* A connection's own thread moves its state and `since` without the
 * table's lock (atomics: a request's path takes no shared lock); the rest
 * of the record changes under T.mu. */
struct conn_rec {
    int fd;
    _Atomic int state;            /* enum rec_state */
    bool closing;                 /* shut down by the table */
    _Atomic int64_t since_ms;     /* opened, or its last answer sent (clock_mono_ms) */
    void *req;                    /* the request in progress (http.c's), or NULL */
    uint64_t tls;                 /* tls.c's token */
    struct conn_rec *prev, *next; /* every record, in the order admitted */
};

/* Records by descriptor: the acceptor makes a connection's record when it
 * admits the socket, so a connection MHD has not started yet can be closed
 * to make room too; MHD's start notification finds it by descriptor. */
#define BY_FD_EXTRA 4096 /* descriptors beyond the limit kept track of */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t closed; /* a connection shut down by the table closed */
    struct conn_rec **by_fd;
    int nfd;
    int max;
    int64_t timeout_ms;
    int open;    /* admitted and not closed */
    int closing; /* shut down by us, not yet closed */
    uint64_t refused, evicted, timedout;
    struct conn_rec *head, *tail; /* in the order admitted */
} T = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .closed = PTHREAD_COND_INITIALIZER,
       .max = 1024,
       .timeout_ms = 60000};

int conns_configure(int max_conns, int request_timeout_s)
{
    pthread_mutex_lock(&T.mu);
    T.max = max_conns > 0 ? max_conns : 1;
    T.timeout_ms = (int64_t)(request_timeout_s > 0 ? request_timeout_s : 1) * 1000;
    int nfd = T.max + CLOSING_MAX + BY_FD_EXTRA;
    int rc = 0;
    if (nfd > T.nfd) {
        struct conn_rec **by = realloc(T.by_fd, (size_t)nfd * sizeof *by);
        if (by == NULL) {
            rc = -1;
        } else {
            for (int i = T.nfd; i < nfd; i++)
                by[i] = NULL;
            T.by_fd = by;
            T.nfd = nfd;
        }
    }
    pthread_mutex_unlock(&T.mu);
    return rc;
}

unsigned int conns_mhd_limit(void)
{
    pthread_mutex_lock(&T.mu);
    unsigned int n = (unsigned int)T.max + CLOSING_MAX + 16;
    pthread_mutex_unlock(&T.mu);
    return n;
}

static void unlink_rec(struct conn_rec *r)
{
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        T.head = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
    else
        T.tail = r->prev;
    r->prev = r->next = NULL;
}

/* Forget r (T.mu held) and free it. */
static void drop_rec(struct conn_rec *r)
{
    unlink_rec(r);
    if (r->fd >= 0 && r->fd < T.nfd && T.by_fd[r->fd] == r)
        T.by_fd[r->fd] = NULL;
    if (r->closing) {
        T.closing--;
        pthread_cond_signal(&T.closed);
    }
    T.open--;
    free(r);
}

static void append_rec(struct conn_rec *r)
{
    r->prev = T.tail;
    r->next = NULL;
    if (T.tail != NULL)
        T.tail->next = r;
    else
        T.head = r;
    T.tail = r;
}

/* Shut r down (T.mu held): MHD sees end of stream and closes it. */
static void close_rec(struct conn_rec *r)
{
    if (r->closing)
        return;
    r->closing = true;
    T.closing++;
    shutdown(r->fd, SHUT_RDWR);
}

/* The connection waiting longest for a request, not closing yet (a scan:
 * only at the limit). One whose request bytes already wait in the socket
 * is not idle: MHD has not read them yet (a busy worker; ASan), and
 * closing it would drop a request in flight. A client's end of stream
 * reads as 0 bytes, so a connection the client closed stays evictable. */
static struct conn_rec *oldest_waiting(void)
{
    struct conn_rec *best = NULL;
    int64_t best_since = 0;
    for (struct conn_rec *r = T.head; r != NULL; r = r->next) {
        if (r->closing || atomic_load_explicit(&r->state, memory_order_relaxed) != REC_WAITING)
            continue;
        int64_t since = atomic_load_explicit(&r->since_ms, memory_order_relaxed);
        if (best != NULL && since >= best_since)
            continue;
        int pending = 0;
        if (ioctl(r->fd, FIONREAD, &pending) == 0 && pending > 0)
            continue;
        best = r;
        best_since = since;
    }
    return best;
}

static const char busy_503[] = "HTTP/1.1 503 Service Unavailable\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 42\r\n"
                               "Retry-After: 1\r\n"
                               "Connection: close\r\n\r\n"
                               "{\"error\":\"server busy, try again shortly\"}";

/* Answer 503 on a socket MHD never saw, then close it. Best effort: a
 * non-blocking write of a short answer into an empty socket buffer; what
 * the client already sent is read first, so closing does not reset the
 * connection before the answer arrives. */
static void refuse(int fd, bool tls)
{
    if (!tls) {
        char sink[4096];
        while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0)
            ;
        (void)!send(fd, busy_503, sizeof busy_503 - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
        shutdown(fd, SHUT_WR);
    }
    close(fd);
}

bool conns_admit(int fd, bool tls)
{
    struct conn_rec *r = calloc(1, sizeof *r);
    pthread_mutex_lock(&T.mu);
    if (fd >= 0 && fd < T.nfd && T.by_fd[fd] != NULL) {
        /* A record left by a connection MHD closed without telling (it
         * failed to start it): the descriptor is reused, the record stale. */
        drop_rec(T.by_fd[fd]);
    }
    bool ok = false;
    if (r != NULL && fd >= 0 && fd < T.nfd) {
        /* In a burst the connections closed to make room may all still be
         * closing: wait for MHD to finish some (up to 200 ms) rather than
         * refuse at once. */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until); /* the condition's clock */
        until.tv_nsec += 200 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        for (;;) {
            ok = T.open - T.closing < T.max;
            if (ok)
                break;
            struct conn_rec *victim = T.closing < CLOSING_MAX ? oldest_waiting() : NULL;
            if (victim != NULL) {
                close_rec(victim);
                T.evicted++;
                ok = true;
                break;
            }
            if (T.closing == 0 || pthread_cond_timedwait(&T.closed, &T.mu, &until) == ETIMEDOUT)
                break; /* nothing to wait for, or waited enough */
        }
    }
    if (ok) {
        T.open++;
        r->fd = fd;
        atomic_init(&r->state, REC_WAITING);
        atomic_init(&r->since_ms, clock_mono_ms());
        T.by_fd[fd] = r;
        append_rec(r);
    } else {
        T.refused++;
    }
    uint64_t refused = T.refused;
    pthread_mutex_unlock(&T.mu);
    if (!ok) {
        free(r);
        /* One line per power of two: a flood must not flood the log too. */
        if ((refused & (refused - 1)) == 0)
            log_warn("connection refused: at the connection limit", "refused=%llu",
                     (unsigned long long)refused);
        refuse(fd, tls);
    }
    return ok;
}

void conns_add_failed(int fd)
{
    pthread_mutex_lock(&T.mu);
    if (fd >= 0 && fd < T.nfd && T.by_fd[fd] != NULL)
        drop_rec(T.by_fd[fd]);
    pthread_mutex_unlock(&T.mu);
}

struct conn_rec *conns_open(int fd, uint64_t tls_token)
{
    pthread_mutex_lock(&T.mu);
    struct conn_rec *r = fd >= 0 && fd < T.nfd ? T.by_fd[fd] : NULL;
    if (r != NULL)
        r->tls = tls_token;
    pthread_mutex_unlock(&T.mu);
    return r;
}

void *conns_close(struct conn_rec *r, uint64_t *tls_token)
{
    if (r == NULL) {
        *tls_token = 0;
        return NULL;
    }
    void *req = r->req;
    *tls_token = r->tls;
    pthread_mutex_lock(&T.mu);
    drop_rec(r);
    pthread_mutex_unlock(&T.mu);
    return req;
}

void *conns_request_start(struct conn_rec *r, void *req)
{
    if (r == NULL)
        return NULL;
    void *old = r->req; /* written on the connection's own thread only */
    r->req = req;
    atomic_store_explicit(&r->state, REC_RECEIVING, memory_order_relaxed);
    return old;
}

void conns_request_received(struct conn_rec *r)
{
    if (r == NULL)
        return;
    atomic_store_explicit(&r->state, REC_BUSY, memory_order_relaxed);
}

void conns_request_done(struct conn_rec *r)
{
    if (r == NULL)
        return;
    r->req = NULL;
    /* `since` first: the reaper must not see WAITING with the old one. */
    atomic_store_explicit(&r->since_ms, clock_mono_ms(), memory_order_relaxed);
    atomic_store_explicit(&r->state, REC_WAITING, memory_order_release);
}

int conns_reap(int64_t now_ms)
{
    int n = 0;
    pthread_mutex_lock(&T.mu);
    /* Every record (at most the limit, once a second): a busy one has no
     * deadline. */
    for (struct conn_rec *r = T.head; r != NULL; r = r->next) {
        if (r->closing || atomic_load_explicit(&r->state, memory_order_acquire) == REC_BUSY)
            continue;
        if (now_ms - atomic_load_explicit(&r->since_ms, memory_order_relaxed) >= T.timeout_ms) {
            close_rec(r);
            n++;
        }
    }
    T.timedout += (uint64_t)n;
    pthread_mutex_unlock(&T.mu);
    if (n > 0)
        log_info("connections closed at their request deadline", "count=%d", n);
    return n;
}

void conns_close_idle(void)
{
    pthread_mutex_lock(&T.mu);
    for (struct conn_rec *r = T.head; r != NULL; r = r->next)
        if (atomic_load_explicit(&r->state, memory_order_relaxed) == REC_WAITING)
            close_rec(r);
    pthread_mutex_unlock(&T.mu);
}

void conns_stats(struct conns_stats *out)
{
    pthread_mutex_lock(&T.mu);
    *out = (struct conns_stats){.open = T.open,
                                .closing = T.closing,
                                .refused = T.refused,
                                .evicted = T.evicted,
                                .timedout = T.timedout};
    pthread_mutex_unlock(&T.mu);
}
