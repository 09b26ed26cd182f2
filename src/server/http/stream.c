/* stream.c: answers whose body is made while it is sent (http.h
 * http_reply_stream), over libmicrohttpd's callback responses. */
#include <stdlib.h>

#include "http_conn.h"

/* Bytes MHD asks for at a time (its send buffer for the response). */
#define HTTP_STREAM_BLOCK (64 * 1024)

struct http_stream {
    http_fill_fn fill;
    void (*done)(void *arg);
    void *arg;
};

void http_stream_free(struct http_stream *s)
{
    if (s == NULL)
        return;
    s->done(s->arg);
    free(s);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct http_stream *s = cls;
    long n = s->fill(s->arg, buf, max);
    if (n > 0)
        return (ssize_t)n;
    /* END_WITH_ERROR closes the connection without the last chunk. */
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_done(void *cls)
{
    http_stream_free(cls);
}

struct MHD_Response *http_stream_response(struct http_stream **s)
{
    struct http_stream *st = *s;
    *s = NULL;
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, HTTP_STREAM_BLOCK,
                                                               stream_read, st, stream_done);
    if (r == NULL)
        http_stream_free(st);
    return r;
}

void http_reply_stream(struct http_req *req, int status, const char *content_type,
                       http_fill_fn fill, void (*done)(void *arg), void *arg)
{
    struct http_conn *c = req->priv;
    struct http_stream *s = malloc(sizeof *s);
    if (s == NULL) {
        done(arg);
        pthread_mutex_lock(&http_mu);
        http_set_reply(c, 500, NULL, NULL, 0);
        pthread_mutex_unlock(&http_mu);
        return;
    }
    s->fill = fill;
    s->done = done;
    s->arg = arg;
    pthread_mutex_lock(&http_mu);
    http_set_reply(c, status, content_type, NULL, 0);
    c->stream = s;
    pthread_mutex_unlock(&http_mu);
}
