/* test_ratelimit.c: failures per key in fixed windows (base/ratelimit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "base/ratelimit.h"

static struct ratelimit rl;

static void test_locks_after_max_until_the_window_ends(void **state)
{
    (void)state;
    ratelimit_init(&rl, 3, 60);
    int64_t t = 1000000;
    int retry = 0;
    for (int i = 0; i < 3; i++) {
        assert_false(ratelimit_locked(&rl, "10.0.0.1", t, &retry));
        ratelimit_fail(&rl, "10.0.0.1", t);
    }
    assert_true(ratelimit_locked(&rl, "10.0.0.1", t + 1000, &retry));
    assert_int_equal(retry, 59);
    assert_false(ratelimit_locked(&rl, "10.0.0.2", t + 1000, &retry)); /* others unaffected */
    assert_true(ratelimit_locked(&rl, "10.0.0.1", t + 59999, &retry));
    assert_int_equal(retry, 1);
    assert_false(ratelimit_locked(&rl, "10.0.0.1", t + 60000, &retry)); /* a new window */
    ratelimit_fail(&rl, "10.0.0.1", t + 60000);
    assert_false(ratelimit_locked(&rl, "10.0.0.1", t + 60001, &retry));
}

static void test_a_flood_of_keys_stays_in_the_table(void **state)
{
    (void)state;
    ratelimit_init(&rl, 2, 60);
    int64_t t = 5000000;
    char key[32];
    /* Many more keys than slots: memory is fixed, recent keys still count. */
    for (int i = 0; i < 3 * RATELIMIT_SLOTS; i++) {
        snprintf(key, sizeof key, "k%d", i);
        ratelimit_fail(&rl, key, t + i);
    }
    ratelimit_fail(&rl, "attacker", t + 1000000 - 60000 + 1);
    ratelimit_fail(&rl, "attacker", t + 1000000 - 60000 + 2);
    assert_true(ratelimit_locked(&rl, "attacker", t + 1000000 - 60000 + 3, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_locks_after_max_until_the_window_ends),
        cmocka_unit_test(test_a_flood_of_keys_stays_in_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
