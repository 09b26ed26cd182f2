/* arena.h: request-scoped memory (h2o's req->pool).
 *
 * A request parses, validates and renders into one arena, freed at once when
 * the response is sent. Every arena has a ceiling; past it allocation fails
 * (NULL), which callers report as KASSA_ETOOBIG / 500. */
#ifndef KASSA_ARENA_H
#define KASSA_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head; /* newest chunk first */
    size_t used;              /* bytes handed out, across chunks */
    size_t limit;             /* ceiling on `used` */
};

/* Initialise an empty arena that will hand out at most `limit` bytes. */
void arena_init(struct arena *a, size_t limit);

/* Free every chunk; the arena is empty and reusable afterwards. */
void arena_free(struct arena *a);

/* `size` bytes aligned for any type, owned by the arena; NULL past the limit
 * or when malloc fails. */
void *arena_alloc(struct arena *a, size_t size);

/* Zeroed allocation. */
void *arena_calloc(struct arena *a, size_t size);

/* Copies owned by the arena; NULL on failure (or when s is NULL). */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* printf into the arena; NULL on failure. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

#endif
