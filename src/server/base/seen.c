/* seen.c: see seen.h. Open addressing within a stripe, a few probes. */
#include "seen.h"

#include <stdbool.h>
#include <string.h>

#define PROBE 8

void seen_init(struct seen *t, int window_s)
{
    t->window_ms = (int64_t)(window_s > 0 ? window_s : 1) * 1000;
    for (int i = 0; i < SEEN_STRIPES; i++) {
        pthread_mutex_init(&t->stripes[i].mu, NULL);
        memset(t->stripes[i].slots, 0, sizeof t->stripes[i].slots);
    }
}

static uint64_t mix(uint64_t k1, uint64_t k2)
{
    /* splitmix64's finaliser over both halves. */
    uint64_t h = k1 * 0x9e3779b97f4a7c15ull ^ k2;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

uint64_t seen_put(struct seen *t, uint64_t k1, uint64_t k2, uint64_t value, int64_t now_ms)
{
    uint64_t h = mix(k1, k2);
    struct seen_stripe *st = &t->stripes[h % SEEN_STRIPES];
    uint64_t at = h / SEEN_STRIPES;
    pthread_mutex_lock(&st->mu);
    struct seen_slot *victim = NULL;
    bool victim_dead = false;
    for (int i = 0; i < PROBE; i++) {
        struct seen_slot *s = &st->slots[(at + (uint64_t)i) % SEEN_STRIPE_SLOTS];
        bool live = s->at_ms != 0 && now_ms - s->at_ms < t->window_ms;
        if (live && s->k1 == k1 && s->k2 == k2) {
            uint64_t first = s->value;
            pthread_mutex_unlock(&st->mu);
            return first;
        }
        if (victim_dead)
            continue; /* a free or expired slot is taken already */
        if (!live) {
            victim = s;
            victim_dead = true;
        } else if (victim == NULL || s->at_ms < victim->at_ms) {
            victim = s; /* else the oldest live one gives way */
        }
    }
    victim->k1 = k1;
    victim->k2 = k2;
    victim->value = value;
    victim->at_ms = now_ms;
    pthread_mutex_unlock(&st->mu);
    return value;
}
