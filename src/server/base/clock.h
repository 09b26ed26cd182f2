/* clock.h: the one clock every timer reads (expiry, retries, idempotency
 * retention, the request timestamp window).
 *
 * Real time plus an offset. With --test-clock the admin API may move the
 * offset forward; without it clock_advance refuses. Thread-safe (atomics). */
#ifndef KASSA_CLOCK_H
#define KASSA_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kassa/error.h"

void clock_init(bool test_mode);
bool clock_is_test(void);

/* Now, in Unix milliseconds / seconds, on the (possibly moved) clock. */
int64_t clock_now_ms(void);
int64_t clock_now(void);

/* Milliseconds on CLOCK_MONOTONIC, from an arbitrary origin: for intervals
 * of real time (latencies, grace periods, cache ages, poll pacing). Not
 * moved by clock_advance; not Unix time. */
int64_t clock_mono_ms(void);
/* The same in microseconds (request and commit durations). */
int64_t clock_mono_us(void);

/* Move the clock forward by `seconds` (> 0). KASSA_EINVAL without test mode
 * or for seconds <= 0. Wakes every clock_wait sleeper. */
kassa_err clock_advance(int64_t seconds);

/* Seconds the clock was moved forward (0 without test mode). */
int64_t clock_offset(void);

/* Sleep until the clock reaches `deadline_ms` or `max_real_ms` of real time
 * pass, whichever is first; clock_advance and clock_wake cut it short.
 * Used by the timers (sweeper, dispatcher). */
void clock_wait_until(int64_t deadline_ms, int64_t max_real_ms);

/* Wake every clock_wait_until sleeper (e.g. at shutdown or new work). */
void clock_wake(void);

/* How clock_format writes a time. */
enum clock_style {
    CLOCK_ISO8601, /* "2026-11-22T10:00:00Z" (buf >= 21) */
    CLOCK_SQL,     /* "2026-11-22 10:00:00" (buf >= 20) */
};

/* Format Unix seconds in `style`, UTC; "" when buf is too small or the
 * year is not within 0..9999. */
void clock_format(int64_t unix_s, enum clock_style style, char *buf, size_t size);

#endif
