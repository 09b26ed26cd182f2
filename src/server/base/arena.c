/* arena.c: a chunked bump allocator with a byte ceiling (see arena.h).
 *
 * Chunks are malloc'ed as needed, newest first; an allocation bigger than a
 * standard chunk gets a chunk of its own. Nothing is freed before arena_free. */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN alignof(max_align_t)
#define ARENA_CHUNK_SIZE 4096 /* payload bytes in a standard chunk */

struct arena_chunk {
    struct arena_chunk *next;
    size_t size; /* payload bytes */
    size_t off;  /* payload bytes in use */
    alignas(max_align_t) unsigned char data[];
};

void arena_init(struct arena *a, size_t limit)
{
    a->head = NULL;
    a->used = 0;
    a->limit = limit;
}

void arena_free(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}

void *arena_alloc(struct arena *a, size_t size)
{
    if (size == 0)
        size = 1;
    /* Round up to the alignment; refuse sizes that would overflow doing so. */
    if (size > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (rounded > a->limit || a->used > a->limit - rounded)
        return NULL;

    struct arena_chunk *c = a->head;
    if (c == NULL || c->size - c->off < rounded) {
        size_t payload = rounded > ARENA_CHUNK_SIZE ? rounded : ARENA_CHUNK_SIZE;
        struct arena_chunk *n = malloc(sizeof(*n) + payload);
        if (n == NULL)
            return NULL;
        n->size = payload;
        n->off = 0;
        /* A dedicated big chunk goes behind the current one so the current
         * chunk's free space is still used by later small allocations. */
        if (c != NULL && payload > ARENA_CHUNK_SIZE && c->size - c->off > 0) {
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            a->head = n;
        }
        c = n;
    }
    void *p = c->data + c->off;
    c->off += rounded;
    a->used += rounded;
    return p;
}

void *arena_calloc(struct arena *a, size_t size)
{
    void *p = arena_alloc(a, size);
    if (p != NULL)
        memset(p, 0, size == 0 ? 1 : size);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    size_t len = strnlen(s, n);
    if (len == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(a, len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    va_copy(ap2, ap);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}
