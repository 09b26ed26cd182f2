/* test_signed.c: the pure parts of signed requests (src/server/dialect/
 * signed.c): an X-Timestamp's digits, the timestamp window's bounds, and
 * the owner numbers shops and traders share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dialect/signed.h"

static void test_digits(void **state)
{
    (void)state;
    assert_true(signed_digits("1765000000", 18));
    assert_true(signed_digits("0", 18));
    assert_true(signed_digits("123456789012345678", 18)); /* 18 digits */
    assert_false(signed_digits("1234567890123456789", 18));
    assert_false(signed_digits("", 18));
    assert_false(signed_digits("-1", 18));
    assert_false(signed_digits("+1", 18));
    assert_false(signed_digits("12 3", 18));
    assert_false(signed_digits("1.5", 18));
    assert_false(signed_digits("1e9", 18));
    assert_false(signed_digits("0x10", 18));
}

static void test_window(void **state)
{
    (void)state;
    long long now = 1765000000;
    assert_true(signed_in_window(now, now, 300));
    assert_true(signed_in_window(now - 300, now, 300)); /* both edges are in */
    assert_true(signed_in_window(now + 300, now, 300));
    assert_false(signed_in_window(now - 301, now, 300));
    assert_false(signed_in_window(now + 301, now, 300));
    assert_false(signed_in_window(0, now, 300));
    assert_true(signed_in_window(now + 1, now, 1));
    assert_false(signed_in_window(now + 2, now, 1));
}

static void test_owners_apart(void **state)
{
    (void)state;
    /* a trader's owner number is never a shop's (shops' ids are > 0) */
    assert_int_equal(signed_trader_owner(1), -1);
    assert_int_equal(signed_trader_owner(7), -7);
    assert_true(signed_trader_owner(INT64_MAX) < 0);
    assert_int_not_equal(signed_trader_owner(3), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digits),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_owners_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
