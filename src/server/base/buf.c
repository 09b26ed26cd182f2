/* buf.c: see buf.h. */
#include "buf.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first allocation: most documents and bodies fit in it. */
#define BUF_FIRST 1024

void buf_init(struct buf *b, size_t toobig)
{
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->toobig = toobig < SIZE_MAX ? toobig : SIZE_MAX - 1; /* room for the NUL */
}

/* Make room for `need` bytes of content and the NUL (need <= toobig). */
static kassa_err grow(struct buf *b, size_t need)
{
    assert(need <= b->toobig);
    if (need < b->cap)
        return KASSA_OK;
    size_t cap = b->cap > 0 ? b->cap : BUF_FIRST;
    while (cap <= need && cap <= SIZE_MAX / 2)
        cap *= 2;
    if (cap <= need || cap > b->toobig + 1)
        cap = cap <= need ? need + 1 : b->toobig + 1;
    char *p = realloc(b->ptr, cap);
    if (p == NULL)
        return KASSA_ENOMEM;
    if (b->ptr == NULL)
        p[0] = '\0';
    b->ptr = p;
    b->cap = cap;
    return KASSA_OK;
}

kassa_err buf_add(struct buf *b, const void *data, size_t len)
{
    assert(b->len <= b->toobig);
    if (len > b->toobig - b->len)
        return KASSA_ETOOBIG;
    kassa_err err = grow(b, b->len + len);
    if (err != KASSA_OK)
        return err;
    if (len > 0)
        memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
    assert(b->len < b->cap);
    return KASSA_OK;
}

kassa_err buf_adds(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

kassa_err buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    /* Format straight into the spare room; when it does not fit, grow and
     * format again. Either way the old NUL is put back on failure. */
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(room > 0 ? b->ptr + b->len : NULL, room, fmt, ap);
    kassa_err err = KASSA_OK;
    if (n < 0)
        err = KASSA_EINVAL;
    else if ((size_t)n > b->toobig - b->len)
        err = KASSA_ETOOBIG;
    else if ((size_t)n >= room && (err = grow(b, b->len + (size_t)n)) == KASSA_OK)
        vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, again);
    va_end(again);
    if (err != KASSA_OK) {
        if (b->ptr != NULL)
            b->ptr[b->len] = '\0';
        return err;
    }
    b->len += (size_t)n;
    assert(b->ptr[b->len] == '\0');
    return KASSA_OK;
}

kassa_err buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kassa_err err = buf_vaddf(b, fmt, ap);
    va_end(ap);
    return err;
}

char *buf_ptr(const struct buf *b)
{
    return b->ptr;
}

size_t buf_len(const struct buf *b)
{
    return b->len;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->ptr != NULL)
        b->ptr[0] = '\0';
}

void buf_free(struct buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
}

char *buf_take(struct buf *b, size_t *len)
{
    char *out = b->ptr != NULL ? b->ptr : calloc(1, 1);
    if (len != NULL)
        *len = out != NULL ? b->len : 0;
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    return out;
}
