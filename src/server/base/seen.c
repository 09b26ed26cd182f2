/* seen.c: see seen.h. Open addressing over an FNV-1a hash, a few probes. */
#include "seen.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define PROBE 8

static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;

void seen_init(struct seen *t, int window_s)
{
    pthread_mutex_lock(&seen_mu);
    memset(t->slots, 0, sizeof t->slots);
    t->window_ms = (int64_t)(window_s > 0 ? window_s : 1) * 1000;
    pthread_mutex_unlock(&seen_mu);
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

void seen_put(struct seen *t, const char *key, uint64_t value, int64_t now_ms, uint64_t *first)
{
    uint64_t h = hash(key);
    pthread_mutex_lock(&seen_mu);
    struct seen_slot *victim = NULL;
    bool victim_free = false;
    for (int i = 0; i < PROBE; i++) {
        struct seen_slot *s = &t->slots[(h + (uint64_t)i) % SEEN_SLOTS];
        bool live = s->at_ms != 0 && now_ms - s->at_ms < t->window_ms;
        if (live && strcmp(s->key, key) == 0) {
            *first = s->value;
            pthread_mutex_unlock(&seen_mu);
            return;
        }
        if (victim_free)
            continue;
        if (!live) {
            victim = s;
            victim_free = true;
        } else if (victim == NULL || s->at_ms < victim->at_ms) {
            victim = s;
        }
    }
    snprintf(victim->key, sizeof victim->key, "%s", key);
    victim->value = value;
    victim->at_ms = now_ms;
    *first = value;
    pthread_mutex_unlock(&seen_mu);
}
