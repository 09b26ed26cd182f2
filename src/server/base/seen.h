/* seen.h: a bounded memory of recently seen keys and a value each (e.g. a
 * request signature and the target it was used for), forgotten after a
 * window. A fixed-size table (no allocation after init, thread-safe): when
 * full, the oldest entry of a neighbourhood gives way, so a flood cannot
 * grow memory; what it forgets early is forgotten, never mistaken. */
#ifndef KASSA_SEEN_H
#define KASSA_SEEN_H

#include <stdbool.h>
#include <stdint.h>

#define SEEN_SLOTS 16384
#define SEEN_KEY 96 /* bytes of a key, NUL included */

struct seen_slot {
    char key[SEEN_KEY];
    uint64_t value;
    int64_t at_ms; /* 0: free */
};

struct seen {
    int64_t window_ms;
    struct seen_slot slots[SEEN_SLOTS];
};

/* Set up `t` (static storage): entries live `window_s` seconds. */
void seen_init(struct seen *t, int window_s);

/* Remember key -> value unless key is remembered already; either way
 * *first gets the value first remembered for it within the window. */
void seen_put(struct seen *t, const char *key, uint64_t value, int64_t now_ms, uint64_t *first);

#endif
