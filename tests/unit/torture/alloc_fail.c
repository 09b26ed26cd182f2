/* alloc_fail.c: see alloc_fail.h. */
#include "alloc_fail.h"

#include <stdatomic.h>
#include <stdio.h>
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

/* Atomics: the core's commands allocate on the writer's thread while the
 * test waits for them. */
static _Atomic bool armed;
static _Atomic size_t fail_at, count;
static _Atomic bool hit;
static _Atomic long live;

/* The blocks allocated while armed and not freed yet, with who allocated
 * them, for alloc_fail_report (a table: enough for the ops tested). */
#define TRACK 256
static struct {
    void *_Atomic p;
    void *caller;
} tracked[TRACK];

static void track(void *p, void *caller)
{
    for (int i = 0; i < TRACK; i++) {
        void *none = NULL;
        if (atomic_compare_exchange_strong(&tracked[i].p, &none, p)) {
            tracked[i].caller = caller;
            return;
        }
    }
}

static void untrack(void *p)
{
    for (int i = 0; i < TRACK; i++) {
        void *want = p;
        if (atomic_compare_exchange_strong(&tracked[i].p, &want, NULL))
            return;
    }
}

void alloc_fail_report(FILE *to)
{
    for (int i = 0; i < TRACK; i++)
        if (atomic_load(&tracked[i].p) != NULL)
            fprintf(to, "alloc_fail: block %p still allocated, made at %p\n",
                    atomic_load(&tracked[i].p), tracked[i].caller);
}

static bool refuse(void);

void alloc_fail_arm(size_t n)
{
    fail_at = n;
    count = 0;
    for (int i = 0; i < TRACK; i++)
        atomic_store(&tracked[i].p, NULL);
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

bool alloc_fail_refuse_now(void)
{
    return refuse();
}

/* Whether this allocation is to fail. */
static bool refuse(void)
{
    if (!armed)
        return false;
    if (atomic_fetch_add(&count, 1) + 1 == fail_at) {
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
    if (p != NULL && armed) {
        live++;
        track(p, __builtin_return_address(0));
    }
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (refuse())
        return NULL;
    void *p = __real_calloc(n, size);
    if (p != NULL && armed) {
        live++;
        track(p, __builtin_return_address(0));
    }
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    if (refuse())
        return NULL;
    void *q = __real_realloc(p, n);
    if (q != NULL && armed && p != NULL && q != p) {
        untrack(p);
        track(q, __builtin_return_address(0));
    }
    if (q != NULL && p == NULL && armed) {
        live++;
        track(q, __builtin_return_address(0));
    }
    return q;
}

char *__wrap_strdup(const char *s)
{
    if (refuse())
        return NULL;
    char *p = __real_strdup(s);
    if (p != NULL && armed) {
        live++;
        track(p, __builtin_return_address(0));
    }
    return p;
}

char *__wrap_strndup(const char *s, size_t n)
{
    if (refuse())
        return NULL;
    char *p = __real_strndup(s, n);
    if (p != NULL && armed) {
        live++;
        track(p, __builtin_return_address(0));
    }
    return p;
}

void __wrap_free(void *p)
{
    if (p != NULL && armed) {
        live--;
        untrack(p);
    }
    __real_free(p);
}
