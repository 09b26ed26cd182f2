/* file_body.h: an answer's body read from an open file as it is sent
 * (http.h's http_reply_file), for http.c. */
#ifndef KASSA_HTTP_FILE_BODY_H
#define KASSA_HTTP_FILE_BODY_H

#include <stdint.h>

#include <microhttpd.h>

struct file_body;

/* The first `size` bytes of fd, owned from now on (closed when freed);
 * done(arg) is called once, when the last byte was read for sending or
 * when the body is freed, whichever comes first. NULL when out of memory
 * (fd closed and done called already). */
struct file_body *file_body_new(int fd, uint64_t size, void (*done)(void *arg), void *arg);
uint64_t file_body_size(const struct file_body *f);
/* A response reading f as it is sent; on success the response owns f. */
struct MHD_Response *file_body_response(struct file_body *f);
/* Free a body no response took (NULL: nothing). */
void file_body_free(struct file_body *f);

#endif
