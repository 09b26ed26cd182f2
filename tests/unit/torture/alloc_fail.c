/* alloc_fail.c: see alloc_fail.h. */
#include "alloc_fail.h"

#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
void __wrap_free(void *p);

static bool armed;
static size_t fail_at, count;
static bool hit;
static long live;

void alloc_fail_arm(size_t n)
{
    fail_at = n;
    count = 0;
    hit = false;
    live = 0;
    armed = true;
}

size_t alloc_fail_disarm(void)
{
    armed = false;
    return count;
}

bool alloc_fail_hit(void)
{
    return hit;
}

long alloc_fail_live(void)
{
    return live;
}

/* Whether this allocation is to fail. */
static bool refuse(void)
{
    if (!armed)
        return false;
    count++;
    if (count == fail_at) {
        hit = true;
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t n)
{
    if (refuse())
        return NULL;
    void *p = __real_malloc(n);
    if (p != NULL && armed)
        live++;
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (refuse())
        return NULL;
    void *p = __real_calloc(n, size);
    if (p != NULL && armed)
        live++;
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    if (refuse())
        return NULL;
    void *q = __real_realloc(p, n);
    if (q != NULL && p == NULL && armed)
        live++;
    return q;
}

char *__wrap_strdup(const char *s)
{
    if (refuse())
        return NULL;
    char *p = __real_strdup(s);
    if (p != NULL && armed)
        live++;
    return p;
}

char *__wrap_strndup(const char *s, size_t n)
{
    if (refuse())
        return NULL;
    char *p = __real_strndup(s, n);
    if (p != NULL && armed)
        live++;
    return p;
}

void __wrap_free(void *p)
{
    if (p != NULL && armed)
        live--;
    __real_free(p);
}
