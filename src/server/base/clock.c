/* clock.c: real time plus an atomic offset (see clock.h).
 *
 * Sleepers wait on one condition variable (on CLOCK_MONOTONIC) with a
 * generation counter, so clock_advance and clock_wake reach every sleeper
 * and a wake-up between "compute the deadline" and "sleep" is never lost. */
#include "clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static atomic_bool clock_test;
static atomic_int_fast64_t clock_offset_ms;

static pthread_mutex_t clock_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t clock_cv;
static pthread_once_t clock_cv_once = PTHREAD_ONCE_INIT;
static uint64_t clock_gen; /* guarded by clock_mu */

static void clock_cv_init(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&clock_cv, &attr);
    pthread_condattr_destroy(&attr);
}

void clock_init(bool test_mode)
{
    pthread_once(&clock_cv_once, clock_cv_init);
    atomic_store(&clock_test, test_mode);
    atomic_store(&clock_offset_ms, 0);
}

bool clock_is_test(void)
{
    return atomic_load(&clock_test);
}

int64_t clock_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t real = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    return real + (int64_t)atomic_load(&clock_offset_ms);
}

int64_t clock_now(void)
{
    int64_t ms = clock_now_ms();
    /* Floor division: a moment before the epoch is still the earlier second. */
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

int64_t clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void clock_broadcast(void)
{
    pthread_once(&clock_cv_once, clock_cv_init);
    pthread_mutex_lock(&clock_mu);
    clock_gen++;
    pthread_cond_broadcast(&clock_cv);
    pthread_mutex_unlock(&clock_mu);
}

int64_t clock_offset(void)
{
    return (int64_t)atomic_load(&clock_offset_ms) / 1000;
}

kassa_err clock_advance(int64_t seconds)
{
    if (!atomic_load(&clock_test) || seconds <= 0 || seconds > INT64_MAX / 1000 / 4)
        return KASSA_EINVAL;
    atomic_fetch_add(&clock_offset_ms, seconds * 1000);
    clock_broadcast();
    return KASSA_OK;
}

void clock_wake(void)
{
    clock_broadcast();
}

void clock_wait_until(int64_t deadline_ms, int64_t max_real_ms)
{
    pthread_once(&clock_cv_once, clock_cv_init);
    pthread_mutex_lock(&clock_mu);
    uint64_t gen = clock_gen;
    /* Read the clock under the mutex: an advance after this point bumps the
     * generation before we could miss it. */
    int64_t now = clock_now_ms();
    int64_t wait_ms = deadline_ms <= now ? 0 : deadline_ms - now;
    if (wait_ms > max_real_ms)
        wait_ms = max_real_ms;
    if (wait_ms > 0) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += (time_t)(wait_ms / 1000);
        until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (clock_gen == gen) {
            if (pthread_cond_timedwait(&clock_cv, &clock_mu, &until) != 0)
                break; /* ETIMEDOUT */
        }
    }
    pthread_mutex_unlock(&clock_mu);
}

/* Two decimal digits of v (0..99) at p. */
static char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

void clock_format(int64_t unix_s, enum clock_style style, char *buf, size_t size)
{
    bool sql = style == CLOCK_SQL;
    if (buf == NULL || size == 0)
        return;
    time_t t = (time_t)unix_s;
    struct tm tm;
    int year;
    if (gmtime_r(&t, &tm) == NULL || (year = tm.tm_year + 1900) < 0 || year > 9999 ||
        size < (sql ? 20u : 21u)) {
        buf[0] = '\0';
        return;
    }
    /* "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DD HH:MM:SS" (by hand:
     * snprintf was a visible part of rendering an order). */
    char *p = put2(put2(buf, year / 100), year % 100);
    *p++ = '-';
    p = put2(p, tm.tm_mon + 1);
    *p++ = '-';
    p = put2(p, tm.tm_mday);
    *p++ = sql ? ' ' : 'T';
    p = put2(p, tm.tm_hour);
    *p++ = ':';
    p = put2(p, tm.tm_min);
    *p++ = ':';
    p = put2(p, tm.tm_sec);
    if (!sql)
        *p++ = 'Z';
    *p = '\0';
}
