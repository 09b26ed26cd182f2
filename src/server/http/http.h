/* http.h: the HTTP front (libmicrohttpd, epoll, thread pool).
 *
 * http.c collects a request (headers, body bounded by --max-body: 413
 * beyond), gives it a request id and an arena, and calls the router. A
 * handler either answers at once (http_reply ... then returns HTTP_DONE), or
 * suspends the connection (http_suspend, then hands the request to another
 * thread, returns HTTP_SUSPENDED); that thread later calls http_reply and
 * http_resume, and http.c sends the answer. An HTTP thread never blocks
 * waiting for a commit. */
#ifndef KASSA_HTTP_H
#define KASSA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

struct http_req;

enum http_action { HTTP_DONE, HTTP_SUSPENDED };

typedef enum http_action (*http_handler)(struct http_req *req);

struct http_req {
    /* What the request is (valid until the answer is sent). */
    const char *method;     /* "GET", "POST", ... */
    const char *path;       /* decoded path, no query: "/v1/orders" */
    const char *raw_target; /* the request target exactly as received: "/pay/?a=1%20b" */
    const char *query;      /* raw query after '?', "" when none; not decoded */
    const char *body;       /* NUL-terminated for convenience; body_len excludes it */
    size_t body_len;
    char id[17];        /* request id, 16 hex; also in every log line */
    char who[64];       /* who the request authenticated as ("operator:3", "shop:12"; set by
                           its dialect, http_set_who), in every log line after; "" none */
    struct arena arena; /* freed with the request */
    /* Its route class (http_set_route_classes), and what the classifier
     * found for the handler (the router's route), NULL when none. */
    int route_class;
    const void *route;
    void *priv; /* http.c's own state */
};

/* A request header's value (name case-insensitive), or NULL. */
const char *http_header(struct http_req *req, const char *name);

/* The client's address as text ("127.0.0.1", "::1"), into buf (size
 * bytes); "" when unknown. */
void http_client_addr(struct http_req *req, char *buf, size_t size);

/* A decoded query argument, or NULL. */
const char *http_query(struct http_req *req, const char *name);

/* Call fn with each query argument's decoded name, in order, until it
 * returns false (then false; also when memory is short). */
bool http_query_each(struct http_req *req, bool (*fn)(void *arg, const char *name), void *arg);

/* Set the answer. `body` is copied. Headers added with http_add_header are
 * sent with it. May be called from any thread while the request is
 * suspended; the last call wins. */
void http_reply(struct http_req *req, int status, const char *content_type, const char *body,
                size_t len);

/* Take ownership of a malloc'ed body (freed by http.c) instead of copying. */
void http_reply_owned(struct http_req *req, int status, const char *content_type, char *body,
                      size_t len);

/* A body made while it is sent, for an answer too large to hold (an
 * export): fill writes up to max bytes into buf and returns how many (> 0),
 * 0 at the end of the body, or -1 when it cannot go on: the connection is
 * then cut, so the client sees the body did not end (chunked transfer
 * without its last chunk). fill runs on the HTTP thread serving the
 * connection, once per refill of its send buffer, after the handler
 * returned; done(arg) runs once, when the answer is gone or abandoned. */
typedef long (*http_fill_fn)(void *arg, char *buf, size_t max);

/* Answer with a streamed body (its length unknown: chunked on HTTP/1.1).
 * Headers added with http_add_header go with it. When memory is short,
 * done(arg) runs at once and the answer is an empty 500. */
void http_reply_stream(struct http_req *req, int status, const char *content_type,
                       http_fill_fn fill, void (*done)(void *arg), void *arg);

/* Answer with the first `size` bytes of the open file fd, read as they are
 * sent (constant memory whatever the size). The answer owns fd from now on
 * and closes it. done(arg) (when not NULL) is called once: when the last
 * byte was read for sending, or when the answer is dropped (the client went
 * away, another answer replaced it). */
void http_reply_file(struct http_req *req, int status, const char *content_type, int fd,
                     uint64_t size, void (*done)(void *arg), void *arg);

/* Add a response header (both strings copied). */
void http_add_header(struct http_req *req, const char *name, const char *value);

/* Suspend this request's connection; call on the handler's thread before
 * handing the request elsewhere, then return HTTP_SUSPENDED. */
void http_suspend(struct http_req *req);

/* Run fn(req, arg) on an HTTP thread once the suspended request is resumed,
 * just before its answer is sent: fn may set the answer (http_reply), so
 * rendering happens on the HTTP threads, not on the thread that resumed.
 * Call before http_suspend. */
void http_on_resume(struct http_req *req, void (*fn)(struct http_req *req, void *arg), void *arg);

/* Resume a suspended request whose answer was set (or will be set by its
 * http_on_resume function); any thread. */
void http_resume(struct http_req *req);

/* http_resume, done by http.c's resumer thread shortly after: for a caller
 * whose time is precious (the group-commit writer). Any thread. */
void http_resume_later(struct http_req *req);

/* The route classes requests are counted and timed by (GET /metrics):
 * names[0..n), the last one for a request whose path never got known (one
 * refused before); `classify` (may be NULL) returns a request's class once
 * its path is known, on the HTTP thread, and may set req->route. Before
 * http_start; the names must live as long as the process. */
void http_set_route_classes(const char *const *names, int n, int (*classify)(struct http_req *req));

/* kassad's own connection limit and request deadline (conns.h); before
 * http_start. Zero keeps the default (1024 connections, 60 s). */
void http_set_limits(int max_connections, int request_timeout_s);

/* Start listening on host:port with `threads` worker threads, dispatching
 * every request to `handler`. Returns 0, or -1 with a message in err. */
int http_start(const char *listen, int threads, size_t max_body, size_t max_upload,
               http_handler handler, char *err, size_t errlen);

/* Stop accepting, finish requests in flight, free the daemon. */
void http_stop(void);

/* The port actually bound (useful with port 0). */
uint16_t http_port(void);

#endif
