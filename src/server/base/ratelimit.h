/* ratelimit.h: failures counted per key (a client address) in fixed
 * windows, for refusing a guesser: after `max` failures within `window_s`
 * seconds a key is locked out until its window ends. A fixed-size table
 * (no allocation after init): when it is full, the oldest window is
 * reused, so a flood of addresses cannot grow memory; a key thrown out that
 * way starts afresh. Thread-safe. */
#ifndef KASSA_RATELIMIT_H
#define KASSA_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 4096
#define RATELIMIT_KEY 64 /* bytes of a key, NUL included */

struct ratelimit_slot {
    char key[RATELIMIT_KEY];
    int64_t start_ms; /* the window's start; 0: free */
    int count;
};

struct ratelimit {
    int max;
    int64_t window_ms;
    struct ratelimit_slot slots[RATELIMIT_SLOTS];
};

/* Set up `rl` (static storage): at most `max` failures per `window_s`. */
void ratelimit_init(struct ratelimit *rl, int max, int window_s);

/* Whether `key` is locked out now (now_ms: clock_mono_ms); when it is,
 * *retry_s gets the seconds until it may try again (>= 1). */
bool ratelimit_locked(struct ratelimit *rl, const char *key, int64_t now_ms, int *retry_s);

/* Count a failure of `key`; returns its count in the window now. */
int ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now_ms);

/* Lock `key` out for a window from now (what another node counted). */
void ratelimit_lock(struct ratelimit *rl, const char *key, int64_t now_ms);

#endif
