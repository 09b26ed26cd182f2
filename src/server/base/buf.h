/* buf.h: the one growable buffer, with a ceiling (curl's dynbuf,
 * docs/internals/DYNBUF.md in curl).
 *
 * A buffer holds bytes and, once anything was appended, a NUL after them,
 * so text in it is a C string. It grows by doubling, up to `toobig` bytes
 * (the NUL not counted, unlike curl): an append that would pass that fails
 * with KASSA_ETOOBIG, whole, and leaves the buffer as it was (curl frees
 * it), so each site turns the ceiling into its own clear error (413 for a
 * request body, a failed render for a document) or keeps what it has.
 * Running out of memory is KASSA_ENOMEM, with the buffer likewise intact.
 * Not thread-safe; the members are read through the functions below. */
#ifndef KASSA_BUF_H
#define KASSA_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "kassa/error.h"

struct buf {
    char *ptr;     /* malloc'ed; NULL until the first append */
    size_t len;    /* bytes held, the NUL not counted; at most toobig */
    size_t cap;    /* bytes allocated, the NUL's included */
    size_t toobig; /* the ceiling on len */
};

/* An empty buffer that will hold at most `toobig` bytes. Allocates nothing
 * and cannot fail. */
void buf_init(struct buf *b, size_t toobig);

/* Append len bytes of data (len 0 is fine: it still allocates, so buf_ptr
 * is a string afterwards). KASSA_OK; KASSA_ETOOBIG when the buffer would
 * pass its ceiling; KASSA_ENOMEM. On an error nothing is appended. */
kassa_err buf_add(struct buf *b, const void *data, size_t len);

/* Room for n more bytes without growing (and their NUL): a pointer to
 * where they go, to be committed with buf_commit(b, n); NULL when they do
 * not fit in what is allocated. */
static inline char *buf_room(struct buf *b, size_t n)
{
    return b->ptr != NULL && n < b->cap - b->len ? b->ptr + b->len : NULL;
}
static inline void buf_commit(struct buf *b, size_t n)
{
    b->len += n;
    b->ptr[b->len] = '\0';
}

/* Append the C string s; as buf_add. */
kassa_err buf_adds(struct buf *b, const char *s);

/* Append printf-style text: all of it or, on an error, none of it (never
 * cut short at the ceiling). Errors as buf_add, and KASSA_EINVAL when the
 * format cannot be rendered. */
kassa_err buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
kassa_err buf_vaddf(struct buf *b, const char *fmt, va_list ap);

/* The bytes held (NUL-terminated), owned by the buffer and valid until the
 * next append, reset or free; NULL before the first append. */
char *buf_ptr(const struct buf *b);

/* How many bytes the buffer holds. */
size_t buf_len(const struct buf *b);

/* Forget the contents, keep the allocation and the ceiling. */
void buf_reset(struct buf *b);

/* Free the allocation; the buffer is empty, keeps its ceiling and may be
 * used again. */
void buf_free(struct buf *b);

/* Hand the contents to the caller, who frees them with free(); the buffer
 * is empty afterwards (as after buf_free). An empty buffer gives a new ""
 * (its length 0); NULL only when that allocation fails. len may be NULL. */
char *buf_take(struct buf *b, size_t *len);

#endif
