/* test_hex.c: hex digits both ways (src/server/base/hex.c) and random_hex
 * (src/server/base/random.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/hex.h"
#include "base/random.h"

static void test_value(void **state)
{
    (void)state;
    assert_int_equal(hex_value('0'), 0);
    assert_int_equal(hex_value('9'), 9);
    assert_int_equal(hex_value('a'), 10);
    assert_int_equal(hex_value('f'), 15);
    assert_int_equal(hex_value('A'), 10);
    assert_int_equal(hex_value('F'), 15);
    /* The neighbours of each range, and bytes past ASCII. */
    assert_int_equal(hex_value('/'), -1);
    assert_int_equal(hex_value(':'), -1);
    assert_int_equal(hex_value('`'), -1);
    assert_int_equal(hex_value('g'), -1);
    assert_int_equal(hex_value('@'), -1);
    assert_int_equal(hex_value('G'), -1);
    assert_int_equal(hex_value('\0'), -1);
    assert_int_equal(hex_value((char)0xc3), -1);
}

static void test_encode(void **state)
{
    (void)state;
    const unsigned char b[] = {0x00, 0x0f, 0xa5, 0xff};
    char out[2 * sizeof b + 1];
    hex_encode(b, sizeof b, out, false);
    assert_string_equal(out, "000fa5ff");
    hex_encode(b, sizeof b, out, true);
    assert_string_equal(out, "000FA5FF");
    /* Nothing to encode: just the NUL. */
    memset(out, 'x', sizeof out);
    hex_encode(b, 0, out, false);
    assert_string_equal(out, "");
    /* Every byte round-trips through hex_value. */
    for (int v = 0; v < 256; v++) {
        unsigned char c = (unsigned char)v;
        char x[3];
        hex_encode(&c, 1, x, v % 2 == 0);
        assert_int_equal(hex_value(x[0]) * 16 + hex_value(x[1]), v);
    }
}

/* Assert every byte of s is one of `digits`. */
static void assert_digits(const char *s, const char *digits)
{
    uintmax_t set[16];
    for (int i = 0; i < 16; i++)
        set[i] = (unsigned char)digits[i];
    for (; *s != '\0'; s++)
        assert_in_set((unsigned char)*s, set, 16);
}

static void test_random_hex(void **state)
{
    (void)state;
    char a[2 * 100 + 1], b[2 * 100 + 1];
    /* Longer than the 64-byte chunk random_hex draws at a time. */
    memset(a, 'x', sizeof a);
    random_hex(a, 100, false);
    assert_int_equal(strlen(a), 200);
    assert_digits(a, "0123456789abcdef");
    random_hex(b, 100, false);
    assert_string_not_equal(a, b);
    random_hex(b, 100, true);
    assert_int_equal(strlen(b), 200);
    assert_digits(b, "0123456789ABCDEF");
    random_hex(a, 0, false);
    assert_string_equal(a, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_random_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
