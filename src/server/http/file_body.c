/* file_body.c: an answer's body read from an open file as it is sent (see
 * file_body.h): constant memory whatever the file's size. */
#include "file_body.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

#define FILE_BODY_BLOCK (64 * 1024) /* bytes read per call of MHD's */

struct file_body {
    int fd;
    uint64_t size;
    void (*done)(void *arg);
    void *arg;
};

static void file_done(struct file_body *f)
{
    void (*done)(void *) = f->done;
    f->done = NULL;
    if (done != NULL)
        done(f->arg);
}

struct file_body *file_body_new(int fd, uint64_t size, void (*done)(void *arg), void *arg)
{
    struct file_body *f = malloc(sizeof *f);
    if (f == NULL) {
        close(fd);
        if (done != NULL)
            done(arg);
        return NULL;
    }
    *f = (struct file_body){.fd = fd, .size = size, .done = done, .arg = arg};
    return f;
}

uint64_t file_body_size(const struct file_body *f)
{
    return f->size;
}

void file_body_free(struct file_body *f)
{
    if (f == NULL)
        return;
    close(f->fd);
    file_done(f);
    free(f);
}

/* MHD's content reader: the bytes at pos. The last byte read is the body's
 * end for done(): a client that got it whole finds the resource free. */
static ssize_t file_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct file_body *f = cls;
    if (pos >= f->size)
        return MHD_CONTENT_READER_END_OF_STREAM;
    ssize_t n = pread(f->fd, buf, f->size - pos < max ? (size_t)(f->size - pos) : max, (off_t)pos);
    if (n > 0 && pos + (uint64_t)n >= f->size)
        file_done(f);
    if (n > 0)
        return n;
    log_error("file answer cut short", "error=\"%s\"", n < 0 ? strerror(errno) : "end of file");
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

static void file_free(void *cls)
{
    file_body_free(cls);
}

struct MHD_Response *file_body_response(struct file_body *f)
{
    return MHD_create_response_from_callback(f->size, FILE_BODY_BLOCK, file_read, f, file_free);
}
