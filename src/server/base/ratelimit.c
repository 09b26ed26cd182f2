/* ratelimit.c: see ratelimit.h. Open addressing over a hash of the key,
 * probing a few slots; a full neighbourhood gives up its oldest window. */
#include "ratelimit.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define PROBE 8

static pthread_mutex_t rl_mu = PTHREAD_MUTEX_INITIALIZER;

void ratelimit_init(struct ratelimit *rl, int max, int window_s)
{
    pthread_mutex_lock(&rl_mu);
    memset(rl->slots, 0, sizeof rl->slots);
    rl->max = max > 0 ? max : 1;
    rl->window_ms = (int64_t)(window_s > 0 ? window_s : 1) * 1000;
    pthread_mutex_unlock(&rl_mu);
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The key's slot, or NULL when it has none (create: take one, a free or
 * ended one first, else the oldest of the neighbourhood). */
static struct ratelimit_slot *find(struct ratelimit *rl, const char *key, int64_t now, bool create)
{
    uint64_t h = hash(key);
    struct ratelimit_slot *victim = NULL;
    bool victim_free = false;
    for (int i = 0; i < PROBE; i++) {
        struct ratelimit_slot *s = &rl->slots[(h + (uint64_t)i) % RATELIMIT_SLOTS];
        bool live = s->start_ms != 0 && now - s->start_ms < rl->window_ms;
        if (live && strcmp(s->key, key) == 0)
            return s;
        if (victim_free)
            continue;
        if (!live) {
            victim = s;
            victim_free = true;
        } else if (victim == NULL || s->start_ms < victim->start_ms) {
            victim = s;
        }
    }
    if (!create)
        return NULL;
    snprintf(victim->key, sizeof victim->key, "%s", key);
    victim->start_ms = now;
    victim->count = 0;
    return victim;
}

bool ratelimit_locked(struct ratelimit *rl, const char *key, int64_t now_ms, int *retry_s)
{
    pthread_mutex_lock(&rl_mu);
    struct ratelimit_slot *s = find(rl, key, now_ms, false);
    bool locked = s != NULL && s->count >= rl->max;
    if (locked && retry_s != NULL) {
        int64_t left = s->start_ms + rl->window_ms - now_ms;
        *retry_s = (int)((left + 999) / 1000);
        if (*retry_s < 1)
            *retry_s = 1;
    }
    pthread_mutex_unlock(&rl_mu);
    return locked;
}

int ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now_ms)
{
    pthread_mutex_lock(&rl_mu);
    struct ratelimit_slot *s = find(rl, key, now_ms, true);
    int n = ++s->count;
    pthread_mutex_unlock(&rl_mu);
    return n;
}

void ratelimit_lock(struct ratelimit *rl, const char *key, int64_t now_ms)
{
    pthread_mutex_lock(&rl_mu);
    struct ratelimit_slot *s = find(rl, key, now_ms, true);
    if (s->count < rl->max) {
        s->count = rl->max;
        s->start_ms = now_ms;
    }
    pthread_mutex_unlock(&rl_mu);
}
