/* test_buf.c: the bounded buffer (src/server/base/buf.c): the ceiling
 * exactly at the limit and one byte over, growth, addf's all-or-nothing
 * rule, reset, free and take. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"

static void test_empty(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 16);
    assert_null(buf_ptr(&b));
    assert_int_equal(buf_len(&b), 0);
    /* An empty append still makes a string. */
    assert_int_equal(buf_add(&b, "", 0), KASSA_OK);
    assert_non_null(buf_ptr(&b));
    assert_string_equal(buf_ptr(&b), "");
    buf_free(&b);
    assert_null(buf_ptr(&b));
}

static void test_ceiling_exact(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_adds(&b, "01234"), KASSA_OK);
    assert_int_equal(buf_adds(&b, "56789"), KASSA_OK); /* exactly at the ceiling */
    assert_int_equal(buf_len(&b), 10);
    assert_string_equal(buf_ptr(&b), "0123456789");
    /* Full: nothing more, not even one byte; nothing is fine. */
    assert_int_equal(buf_add(&b, "x", 1), KASSA_ETOOBIG);
    assert_int_equal(buf_add(&b, "", 0), KASSA_OK);
    assert_int_equal(buf_len(&b), 10);
    assert_string_equal(buf_ptr(&b), "0123456789");
    /* The allocation never passes the ceiling and its NUL. */
    assert_in_range(b.cap, 11, 11);
    buf_free(&b);
}

static void test_one_over(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10);
    /* One byte over on the first append: refused whole, nothing allocated. */
    assert_int_equal(buf_adds(&b, "0123456789A"), KASSA_ETOOBIG);
    assert_null(buf_ptr(&b));
    assert_int_equal(buf_len(&b), 0);
    /* One byte over later: refused whole, what was there stays. */
    assert_int_equal(buf_adds(&b, "01234"), KASSA_OK);
    assert_int_equal(buf_adds(&b, "56789A"), KASSA_ETOOBIG);
    assert_int_equal(buf_len(&b), 5);
    assert_string_equal(buf_ptr(&b), "01234");
    /* A length that would wrap around is over the ceiling too. */
    assert_int_equal(buf_add(&b, "x", SIZE_MAX), KASSA_ETOOBIG);
    assert_int_equal(buf_len(&b), 5);
    buf_free(&b);
}

static void test_zero_ceiling(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_add(&b, "", 0), KASSA_OK);
    assert_string_equal(buf_ptr(&b), "");
    assert_int_equal(buf_add(&b, "x", 1), KASSA_ETOOBIG);
    assert_string_equal(buf_ptr(&b), "");
    buf_free(&b);
}

static void test_growth(void **state)
{
    (void)state;
    enum { TOTAL = 100000, PIECE = 37 };
    struct buf b;
    buf_init(&b, TOTAL);
    char piece[PIECE];
    size_t n = 0;
    while (n < TOTAL) {
        size_t k = TOTAL - n < PIECE ? TOTAL - n : PIECE;
        for (size_t i = 0; i < k; i++)
            piece[i] = (char)('a' + (n + i) % 26);
        assert_int_equal(buf_add(&b, piece, k), KASSA_OK);
        n += k;
        assert_int_equal(buf_len(&b), n);
        assert_in_range(b.cap, n + 1, (size_t)TOTAL + 1);
    }
    const char *p = buf_ptr(&b);
    for (size_t i = 0; i < TOTAL; i++)
        assert_int_equal(p[i], 'a' + i % 26);
    assert_int_equal(p[TOTAL], '\0');
    assert_int_equal(buf_add(&b, "x", 1), KASSA_ETOOBIG);
    buf_free(&b);

    /* Doubling stops at the ceiling (1500 + NUL, not 2048). */
    buf_init(&b, 1500);
    char big[1500];
    memset(big, 'z', sizeof big);
    assert_int_equal(buf_add(&b, big, 1000), KASSA_OK);
    assert_int_equal(buf_add(&b, big, 500), KASSA_OK);
    assert_int_equal(b.cap, 1501);
    assert_int_equal(buf_len(&b), 1500);
    buf_free(&b);
}

static void test_addf(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_addf(&b, "%d-%s", 42, "ab"), KASSA_OK);
    assert_string_equal(buf_ptr(&b), "42-ab");
    /* Exactly to the ceiling. */
    assert_int_equal(buf_addf(&b, "%05d", 7), KASSA_OK);
    assert_string_equal(buf_ptr(&b), "42-ab00007");
    /* Never cut short: one byte over appends nothing. */
    buf_reset(&b);
    assert_int_equal(buf_addf(&b, "%s", "abc"), KASSA_OK);
    assert_int_equal(buf_addf(&b, "%s", "12345678"), KASSA_ETOOBIG);
    assert_int_equal(buf_len(&b), 3);
    assert_string_equal(buf_ptr(&b), "abc");
    /* An empty format on an empty buffer makes a string. */
    buf_free(&b);
    assert_int_equal(buf_addf(&b, "%s", ""), KASSA_OK);
    assert_string_equal(buf_ptr(&b), "");
    buf_free(&b);

    /* Longer than the room at hand: the buffer grows and formats again. */
    buf_init(&b, 10000);
    assert_int_equal(buf_adds(&b, "<"), KASSA_OK);
    assert_int_equal(buf_addf(&b, "%05000d", 1), KASSA_OK);
    assert_int_equal(buf_addf(&b, "%s", ">"), KASSA_OK);
    assert_int_equal(buf_len(&b), 5002);
    assert_int_equal(buf_ptr(&b)[0], '<');
    assert_int_equal(buf_ptr(&b)[4999], '0');
    assert_int_equal(buf_ptr(&b)[5000], '1');
    assert_string_equal(buf_ptr(&b) + 5001, ">");
    /* Over, after formatting into the spare room: the old end comes back. */
    assert_int_equal(buf_addf(&b, "%05000d", 2), KASSA_ETOOBIG);
    assert_int_equal(buf_len(&b), 5002);
    assert_string_equal(buf_ptr(&b) + 5001, ">");
    buf_free(&b);
}

static void test_reset_and_free(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_adds(&b, "12345678"), KASSA_OK);
    char *before = buf_ptr(&b);
    buf_reset(&b); /* keeps the allocation and the ceiling */
    assert_ptr_equal(buf_ptr(&b), before);
    assert_int_equal(buf_len(&b), 0);
    assert_string_equal(buf_ptr(&b), "");
    assert_int_equal(buf_adds(&b, "abcdefgh"), KASSA_OK);
    assert_int_equal(buf_adds(&b, "i"), KASSA_ETOOBIG);
    buf_free(&b); /* empty again, the same ceiling */
    assert_null(buf_ptr(&b));
    assert_int_equal(buf_len(&b), 0);
    assert_int_equal(buf_adds(&b, "abcdefghi"), KASSA_ETOOBIG);
    assert_int_equal(buf_adds(&b, "xy"), KASSA_OK);
    assert_string_equal(buf_ptr(&b), "xy");
    buf_free(&b);
    buf_free(&b); /* twice is harmless */
}

static void test_take(void **state)
{
    (void)state;
    struct buf b;
    size_t len = 99;
    buf_init(&b, 64);
    char *s = buf_take(&b, &len); /* nothing appended: a new "" */
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
    assert_int_equal(buf_adds(&b, "kassa"), KASSA_OK);
    s = buf_take(&b, &len);
    assert_string_equal(s, "kassa");
    assert_int_equal(len, 5);
    assert_null(buf_ptr(&b));
    assert_int_equal(buf_len(&b), 0);
    free(s);
    /* Usable afterwards, with the ceiling it had. */
    assert_int_equal(buf_adds(&b, "again"), KASSA_OK);
    s = buf_take(&b, NULL);
    assert_string_equal(s, "again");
    free(s);
}

#if !defined(__SANITIZE_ADDRESS__)
/* More than memory holds (but under the ceiling): KASSA_ENOMEM, intact. */
static void test_out_of_memory(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, SIZE_MAX);
    assert_int_equal(buf_adds(&b, "kept"), KASSA_OK);
    assert_int_equal(buf_add(&b, "x", SIZE_MAX / 4), KASSA_ENOMEM);
    assert_int_equal(buf_len(&b), 4);
    assert_string_equal(buf_ptr(&b), "kept");
    buf_free(&b);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_ceiling_exact),
        cmocka_unit_test(test_one_over),
        cmocka_unit_test(test_zero_ceiling),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_addf),
        cmocka_unit_test(test_reset_and_free),
        cmocka_unit_test(test_take),
#if !defined(__SANITIZE_ADDRESS__)
        cmocka_unit_test(test_out_of_memory),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
