/* test_seen.c: the bounded memory of recently seen keys (base/seen.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "base/seen.h"

static struct seen t;

static void test_first_value_wins_within_the_window(void **state)
{
    (void)state;
    seen_init(&t, 10);
    int64_t now = 1000000;
    assert_int_equal(seen_put(&t, 7, 1700000000, 111, now), 111);
    assert_int_equal(seen_put(&t, 7, 1700000000, 222, now + 9999), 111);
    assert_int_equal(seen_put(&t, 8, 1700000000, 333, now), 333); /* another shop */
    assert_int_equal(seen_put(&t, 7, 1700000001, 444, now), 444); /* another timestamp */
    /* Past the window the key is new again. */
    assert_int_equal(seen_put(&t, 7, 1700000000, 555, now + 10000), 555);
    assert_int_equal(seen_put(&t, 7, 1700000000, 666, now + 10001), 555);
}

static void test_a_flood_forgets_but_never_mistakes(void **state)
{
    (void)state;
    seen_init(&t, 60);
    int64_t now = 5000000;
    /* Eight times more keys than slots: memory stays fixed, each key
     * answers either its own value or the first one it was given. */
    int n = SEEN_STRIPES * SEEN_STRIPE_SLOTS * 8;
    for (int i = 0; i < n; i++)
        assert_int_equal(seen_put(&t, 1, (uint64_t)i, (uint64_t)i, now), (uint64_t)i);
    int remembered = 0;
    for (int i = 0; i < n; i++) {
        uint64_t v = seen_put(&t, 1, (uint64_t)i, (uint64_t)i + 1000000000u, now + 1);
        if (v == (uint64_t)i)
            remembered++;
        else
            assert_int_equal(v, (uint64_t)i + 1000000000u);
    }
    assert_true(remembered > 0);
    /* The most recent key of a full table is still remembered. */
    assert_int_equal(seen_put(&t, 2, 42, 1, now + 2), 1);
    assert_int_equal(seen_put(&t, 2, 42, 2, now + 3), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_value_wins_within_the_window),
        cmocka_unit_test(test_a_flood_forgets_but_never_mistakes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
