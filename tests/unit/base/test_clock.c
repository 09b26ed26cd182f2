/* test_clock.c: the clock (src/server/clock.c). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/clock.h"

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_format(void **state)
{
    char buf[32];
    clock_format(1795341600, CLOCK_ISO8601, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-22T10:00:00Z");
    clock_format(1795341600, CLOCK_SQL, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-22 10:00:00");
    clock_format(0, CLOCK_ISO8601, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    clock_format(1709251199, CLOCK_SQL, buf, sizeof(buf)); /* leap year, end of Feb */
    assert_string_equal(buf, "2024-02-29 23:59:59");
    char small[21];
    clock_format(1795341600, CLOCK_ISO8601, small, sizeof(small));
    assert_string_equal(small, "2026-11-22T10:00:00Z");
    char tiny[20];
    clock_format(1795341600, CLOCK_SQL, tiny, sizeof(tiny));
    assert_string_equal(tiny, "2026-11-22 10:00:00");
}

static void test_real_time(void **state)
{
    clock_init(false);
    assert_false(clock_is_test());
    int64_t sys = (int64_t)time(NULL);
    int64_t now = clock_now();
    assert_true(now >= sys && now <= sys + 1);
    int64_t ms = clock_now_ms();
    assert_true(ms / 1000 >= sys && ms / 1000 <= sys + 1);
}

static void test_advance_needs_test_mode(void **state)
{
    clock_init(false);
    int64_t before = clock_now();
    assert_int_equal(clock_advance(3600), KASSA_EINVAL);
    assert_true(clock_now() - before <= 1);
}

static void test_advance(void **state)
{
    clock_init(true);
    assert_true(clock_is_test());
    assert_int_equal(clock_advance(0), KASSA_EINVAL);
    assert_int_equal(clock_advance(-5), KASSA_EINVAL);
    int64_t before = clock_now();
    assert_int_equal(clock_advance(86400), KASSA_OK);
    int64_t after = clock_now();
    assert_true(after - before >= 86400 && after - before <= 86401);
    assert_int_equal(clock_advance(3 * 86400), KASSA_OK);
    assert_true(clock_now() - before >= 4 * 86400);
    clock_init(true); /* re-init resets the offset */
    assert_true(clock_now() - before <= 1);
    clock_init(false);
}

/* The monotonic milliseconds follow real time and ignore clock_advance. */
static void test_mono_ms(void **state)
{
    clock_init(true);
    int64_t ref = real_ms();
    int64_t mono = clock_mono_ms();
    assert_in_range(mono, ref, ref + 50);
    assert_int_equal(clock_advance(86400), KASSA_OK);
    int64_t after = clock_mono_ms();
    assert_in_range(after, mono, mono + 50);
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_in_range(clock_mono_ms() - after, 20, 1000);
    clock_init(false);
}

static void test_wait_past_deadline_returns_at_once(void **state)
{
    clock_init(false);
    int64_t t0 = real_ms();
    clock_wait_until(clock_now_ms() - 1000, 5000);
    clock_wait_until(INT64_MIN, 5000);
    assert_true(real_ms() - t0 < 100);
}

static void test_wait_capped_by_max_real(void **state)
{
    clock_init(false);
    int64_t t0 = real_ms();
    clock_wait_until(clock_now_ms() + 60000, 80);
    int64_t took = real_ms() - t0;
    assert_true(took >= 75);
    assert_true(took < 2000);
}

static void test_wait_until_deadline(void **state)
{
    clock_init(false);
    int64_t t0 = real_ms();
    clock_wait_until(clock_now_ms() + 60, 60000);
    int64_t took = real_ms() - t0;
    assert_true(took >= 50);
    assert_true(took < 2000);
}

static void *advance_later(void *arg)
{
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (arg != NULL)
        clock_advance(3600);
    else
        clock_wake();
    return NULL;
}

static void test_advance_wakes_sleeper(void **state)
{
    clock_init(true);
    pthread_t t;
    int64_t t0 = real_ms();
    int64_t deadline = clock_now_ms() + 3600 * 1000;
    assert_int_equal(pthread_create(&t, NULL, advance_later, (void *)1), 0);
    clock_wait_until(deadline, 30000);
    int64_t took = real_ms() - t0;
    pthread_join(t, NULL);
    assert_true(took >= 40);
    assert_true(took < 5000);
    assert_true(clock_now_ms() >= deadline);
    clock_init(false);
}

static void test_wake_cuts_sleep_short(void **state)
{
    clock_init(false);
    pthread_t t;
    int64_t t0 = real_ms();
    assert_int_equal(pthread_create(&t, NULL, advance_later, NULL), 0);
    clock_wait_until(clock_now_ms() + 60000, 30000);
    int64_t took = real_ms() - t0;
    pthread_join(t, NULL);
    assert_true(took >= 40);
    assert_true(took < 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_real_time),
        cmocka_unit_test(test_advance_needs_test_mode),
        cmocka_unit_test(test_advance),
        cmocka_unit_test(test_mono_ms),
        cmocka_unit_test(test_wait_past_deadline_returns_at_once),
        cmocka_unit_test(test_wait_capped_by_max_real),
        cmocka_unit_test(test_wait_until_deadline),
        cmocka_unit_test(test_advance_wakes_sleeper),
        cmocka_unit_test(test_wake_cuts_sleep_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
