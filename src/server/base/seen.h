/* seen.h: a bounded memory of recently seen keys and a value each (e.g. a
 * shop's request timestamp and the target it was first used for),
 * forgotten after a window. A fixed-size table (no allocation after init,
 * thread-safe): when full, the oldest entry of a neighbourhood gives way,
 * so a flood cannot grow memory; what it forgets early is forgotten, never
 * mistaken. The table is split into stripes, each with its own lock, so
 * concurrent requests rarely wait for one another. */
#ifndef KASSA_SEEN_H
#define KASSA_SEEN_H

#include <pthread.h>
#include <stdint.h>

#define SEEN_STRIPES 64
#define SEEN_STRIPE_SLOTS 256 /* SEEN_STRIPES * SEEN_STRIPE_SLOTS entries in all */

struct seen_slot {
    uint64_t k1, k2; /* the key */
    uint64_t value;
    int64_t at_ms; /* 0: free */
};

struct seen_stripe {
    pthread_mutex_t mu;
    struct seen_slot slots[SEEN_STRIPE_SLOTS];
};

struct seen {
    int64_t window_ms;
    struct seen_stripe stripes[SEEN_STRIPES];
};

/* Set up `t` (static storage, before any seen_put): entries live
 * `window_s` seconds. */
void seen_init(struct seen *t, int window_s);

/* Remember (k1, k2) -> value unless the key is remembered already; either
 * way returns the value first remembered for it within the window. */
uint64_t seen_put(struct seen *t, uint64_t k1, uint64_t k2, uint64_t value, int64_t now_ms);

#endif
