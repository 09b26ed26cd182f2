/* conns.h: the table of open connections, kept by kassad itself rather
 * than left to libmicrohttpd (http.c's acceptor hands sockets to MHD).
 *
 * - A limit of its own (--max-connections), well below MHD's: MHD 0.9.75
 *   deadlocks a worker thread for good when a handed-over connection finds
 *   the worker at its limit (a mutex left locked on that path), so kassad
 *   never lets one get there. At the limit the oldest connection that is
 *   waiting for a request is closed to make room (as nginx reuses
 *   keep-alive connections); when none is, the new connection gets a 503
 *   and is closed.
 * - A deadline for each request (--request-timeout): a connection must
 *   deliver a whole request (request line, headers and body) within that
 *   many seconds of opening or of its previous answer, else it is closed.
 *   MHD's idle timeout alone lets a client sending a byte every few
 *   seconds hold a connection forever.
 * - Each connection owns the state of its request in progress, so state
 *   MHD never reports complete (a request it closes while parsing) is
 *   freed when the connection closes.
 *
 * Connections are closed from outside MHD's threads with shutdown(2), under
 * the table's mutex; MHD reports a connection closed (conns_close, which
 * takes the mutex) before it closes the socket, so the descriptor shut down
 * is always the connection's own. */
#ifndef KASSA_HTTP_CONNS_H
#define KASSA_HTTP_CONNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conn_rec;

/* Set the limits (before the first connection). max_conns >= 1,
 * request_timeout_s >= 1. -1 when out of memory. */
int conns_configure(int max_conns, int request_timeout_s);

/* How many connections MHD must be able to hold for the table never to let
 * it reach its limit: conns_configure's max plus the ones being closed. */
unsigned int conns_mhd_limit(void);

/* The acceptor's decision for a new socket: true to hand it to MHD (it
 * counts as open from now on; call conns_add_failed if MHD refuses it);
 * false when refused: the 503 is written (plain HTTP) and the socket
 * closed. */
bool conns_admit(int fd, bool tls);

/* MHD refused the socket fd conns_admit admitted (MHD closed it). */
void conns_add_failed(int fd);

/* MHD started the connection on fd: its record, made by conns_admit (NULL
 * when there is none: the caller closes the connection). */
struct conn_rec *conns_open(int fd, uint64_t tls_token);

/* MHD closed the connection. Returns its request still in progress (NULL
 * when none) for the caller to free, and the TLS token in *tls_token. */
void *conns_close(struct conn_rec *r, uint64_t *tls_token);

/* A request's line arrived on r: `req` is its state, owned by the
 * connection until conns_request_done. Returns the state of an earlier
 * request MHD never completed (NULL when none), for the caller to free. */
void *conns_request_start(struct conn_rec *r, void *req);

/* The request was received whole (the handler runs or an error answer is
 * queued): no deadline until its answer is sent. */
void conns_request_received(struct conn_rec *r);

/* The request's answer was sent (or it ended): the connection waits for
 * the next one, with a new deadline. */
void conns_request_done(struct conn_rec *r);

/* Close connections past their deadline (shutdown(2); MHD finishes the
 * closing). Called about once a second by the acceptor. Returns how many. */
int conns_reap(int64_t now_ms);

/* Close every connection waiting for a request (at shutdown; one whose
 * request is arriving gets http_stop's grace time to finish it). */
void conns_close_idle(void);

/* Counters, for the log and tests. */
struct conns_stats {
    int open;          /* connections counted as open */
    int closing;       /* shut down by the table, not yet closed by MHD */
    uint64_t refused;  /* new connections answered 503 */
    uint64_t evicted;  /* waiting connections closed to make room */
    uint64_t timedout; /* connections closed at their deadline */
};
void conns_stats(struct conns_stats *out);

#endif
