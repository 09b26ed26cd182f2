/* http_conn.h: the state of one request, shared by http.c and stream.c
 * (internal to the http layer). */
#ifndef KASSA_HTTP_CONN_H
#define KASSA_HTTP_CONN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "base/buf.h"
#include "http.h"

struct conn_rec;
struct file_body;

enum http_state {
    ST_BODY,     /* collecting the body */
    ST_TOOBIG,   /* body over the limit: draining, 413 at the end */
    ST_HANDLING, /* handler called, reply not queued yet */
    ST_QUEUED,   /* reply queued */
};

struct http_hdr {
    char *name;
    char *value;
    struct http_hdr *next;
};

struct http_conn {
    struct http_req req;
    struct MHD_Connection *mhd;
    enum http_state state;
    bool started;         /* first access-handler call done */
    bool suspend_wanted;  /* http_suspend called */
    bool suspended;       /* MHD connection suspended (guarded by http_mu) */
    bool resumed;         /* http_resume called (guarded by http_mu) */
    bool counted_pending; /* counted in http_pending */
    bool refused;         /* answered 414 by on_uri itself: close */
    struct conn_rec *rec; /* the connection's record (conns.h), may be NULL */
    void (*on_resume)(struct http_req *req, void *arg); /* see http_on_resume */
    void *on_resume_arg;
    size_t limit;    /* body limit of this request */
    struct buf body; /* ceiling: limit (set with it) */
    /* Request headers, copied at the first call. */
    size_t nheaders;
    const char **hnames;
    const char **hvalues;
    /* The reply. */
    bool reply_set;
    int status;
    struct http_stream *stream; /* a body made while it is sent (stream.c), or NULL */
    struct file_body *rfile;    /* or the answer is a file's (http_reply_file), or NULL */
    char *ctype;
    char *rbody; /* malloc'ed */
    size_t rlen;
    struct http_hdr *rheaders;
    /* Access log. */
    int64_t t0_us; /* clock_mono_us when the request arrived */
    int sent_status;
    size_t sent_bytes;
};

/* Guards the reply and the suspend flags of every request (http.c). */
extern pthread_mutex_t http_mu;

/* Set the reply (under http_mu): body is malloc'ed and taken; a stream set
 * before is freed. */
void http_set_reply(struct http_conn *c, int status, const char *ctype, char *body, size_t len);

/* The MHD response sending the stream *s (taken: *s is NULL after, also
 * when NULL is returned). */
struct MHD_Response *http_stream_response(struct http_stream **s);

/* Free a stream never handed to MHD (its done function runs). */
void http_stream_free(struct http_stream *s);

#endif
