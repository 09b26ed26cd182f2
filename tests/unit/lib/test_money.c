/* test_money.c: exact decimal parsing, formatting, percentages, currencies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kassa/money.h"

#define NEG KASSA_MONEY_ALLOW_NEGATIVE
#define ZERO KASSA_MONEY_ALLOW_ZERO

/* Sentinel: *out must be untouched on failure. */
#define UNTOUCHED ((int64_t)0x5EED)

static int64_t parsed;

static kassa_err parse(const char *s, int exponent, unsigned flags)
{
    parsed = UNTOUCHED;
    return kassa_money_parse(s, s != NULL ? strlen(s) : 0, exponent, flags, &parsed);
}

#define PARSE_OK(s, exp, flags, want)                                                              \
    do {                                                                                           \
        assert_string_equal(kassa_err_name(parse((s), (exp), (flags))), "OK");                     \
        assert_int_equal(parsed, (int64_t)(want));                                                 \
    } while (0)

#define PARSE_ERR(s, exp, flags, err)                                                              \
    do {                                                                                           \
        assert_string_equal(kassa_err_name(parse((s), (exp), (flags))), kassa_err_name(err));      \
        assert_int_equal(parsed, UNTOUCHED);                                                       \
    } while (0)

static void test_parse_plain(void **state)
{
    (void)state;
    PARSE_OK("12", 2, 0, 1200);
    PARSE_OK("0.5", 2, 0, 50);
    PARSE_OK("1000.47", 2, 0, 100047);
    PARSE_OK("1000.4747448348385", 2, 0, 100047);
    PARSE_OK("+1.5", 2, 0, 150);
    PARSE_OK("007.50", 2, 0, 750);
    PARSE_OK("00000000000000000000000000001", 2, 0, 100);
    PARSE_OK("64.18000000", 2, 0, 6418);
    PARSE_OK("10.525", 6, 0, 10525000);
    PARSE_OK("0.000001", 6, 0, 1);
    PARSE_OK("5", 0, 0, 5);
    /* len, not the NUL, bounds the text */
    parsed = UNTOUCHED;
    assert_int_equal(kassa_money_parse("12345", 2, 2, 0, &parsed), KASSA_OK);
    assert_int_equal(parsed, 1200);
}

static void test_parse_rounding(void **state)
{
    (void)state;
    PARSE_OK("1.005", 2, 0, 101);
    PARSE_OK("1.00499999", 2, 0, 100);
    PARSE_OK("1.0049", 2, 0, 100);
    PARSE_OK("1.0050000", 2, 0, 101);
    PARSE_OK("1.995", 2, 0, 200);
    PARSE_OK("9.995", 2, 0, 1000);
    PARSE_OK("99.999", 2, 0, 10000);
    PARSE_OK("0.005", 2, 0, 1);
    PARSE_OK("0.0049", 2, ZERO, 0);
    PARSE_OK("2.5", 0, 0, 3);
    PARSE_OK("2.4999999", 0, 0, 2);
    /* away from zero for negatives */
    PARSE_OK("-1.005", 2, NEG, -101);
    PARSE_OK("-1.0049", 2, NEG, -100);
    PARSE_OK("-0.005", 2, NEG, -1);
}

static void test_parse_zero_and_sign(void **state)
{
    (void)state;
    PARSE_ERR("0", 2, 0, KASSA_EMONEY_ZERO);
    PARSE_ERR("0.00", 2, 0, KASSA_EMONEY_ZERO);
    PARSE_ERR("0.004", 2, 0, KASSA_EMONEY_ZERO);
    PARSE_ERR("0.0049", 2, 0, KASSA_EMONEY_ZERO);
    PARSE_ERR("+0", 2, 0, KASSA_EMONEY_ZERO);
    PARSE_OK("0", 2, ZERO, 0);
    PARSE_OK("0.004", 2, ZERO, 0);
    PARSE_ERR("-1", 2, 0, KASSA_EMONEY_NEGATIVE);
    PARSE_ERR("-0", 2, 0, KASSA_EMONEY_NEGATIVE);
    PARSE_ERR("-1", 2, ZERO, KASSA_EMONEY_NEGATIVE);
    PARSE_OK("-1", 2, NEG, -100);
    PARSE_OK("-0", 2, NEG, 0); /* NEGATIVE implies zero */
    PARSE_OK("-0.004", 2, NEG, 0);
    PARSE_OK("0", 2, NEG, 0);
}

static void test_parse_malformed(void **state)
{
    static const char *const bad[] = {
        " 1",
        "1 ",
        "1.",
        ".5",
        "1e3",
        "1E3",
        "1e-3",
        "0x10",
        "0X10",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "1,5",
        "1.2.3",
        "1..2",
        "+",
        "-",
        "+-1",
        "-+1",
        "--1",
        "1-",
        "1+",
        "\xd9\xa1" /* ARABIC-INDIC DIGIT ONE */,
        "\xef\xbc\x91" /* FULLWIDTH 1 */,
        "1\xd9\xa1",
        "١٢",
        "\t1",
        "1\n",
        "abc",
        "1_000",
        "1'000",
        "$1",
        "1.5 RUB",
        "0b1",
    };
    size_t i;

    (void)state;
    PARSE_ERR("", 2, 0, KASSA_EMONEY_EMPTY);
    PARSE_ERR(NULL, 2, 0, KASSA_EMONEY_EMPTY);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kassa_err err = parse(bad[i], 2, NEG | ZERO);
        if (err != KASSA_EMONEY_SYNTAX)
            fail_msg("\"%s\" gave %s, want EMONEY_SYNTAX", bad[i], kassa_err_name(err));
        assert_int_equal(parsed, UNTOUCHED);
    }
    /* syntax is judged before the sign */
    PARSE_ERR("-abc", 2, 0, KASSA_EMONEY_SYNTAX);
    PARSE_ERR("-1e3", 2, NEG, KASSA_EMONEY_SYNTAX);
    /* an embedded NUL inside len */
    parsed = UNTOUCHED;
    assert_int_equal(kassa_money_parse("1\0", 2, 2, 0, &parsed), KASSA_EMONEY_SYNTAX);
    assert_int_equal(parsed, UNTOUCHED);
    /* bad arguments */
    PARSE_ERR("1", -1, 0, KASSA_EINVAL);
    PARSE_ERR("1", 19, 0, KASSA_EINVAL);
    assert_int_equal(kassa_money_parse("1", 1, 2, 0, NULL), KASSA_EINVAL);
}

static void test_parse_range(void **state)
{
    char huge[512];

    (void)state;
    PARSE_OK("9223372036854775807", 0, 0, INT64_MAX);
    PARSE_ERR("9223372036854775808", 0, 0, KASSA_EMONEY_RANGE);
    PARSE_OK("-9223372036854775808", 0, NEG, INT64_MIN);
    PARSE_ERR("-9223372036854775809", 0, NEG, KASSA_EMONEY_RANGE);
    PARSE_OK("9223372036854775806.5", 0, 0, INT64_MAX);
    PARSE_OK("9223372036854775807.4999", 0, 0, INT64_MAX);
    PARSE_ERR("9223372036854775807.5", 0, 0, KASSA_EMONEY_RANGE); /* rounding carries over */
    PARSE_OK("-9223372036854775807.5", 0, NEG, INT64_MIN);
    PARSE_ERR("-9223372036854775808.5", 0, NEG, KASSA_EMONEY_RANGE);
    PARSE_OK("92233720368547758.07", 2, 0, INT64_MAX);
    PARSE_OK("92233720368547758.074", 2, 0, INT64_MAX);
    PARSE_ERR("92233720368547758.075", 2, 0, KASSA_EMONEY_RANGE);
    PARSE_ERR("92233720368547758.08", 2, 0, KASSA_EMONEY_RANGE);
    PARSE_ERR("92233720368547759", 2, 0, KASSA_EMONEY_RANGE);
    PARSE_ERR("18446744073709551616", 0, 0, KASSA_EMONEY_RANGE); /* 2^64 */
    PARSE_ERR("184467440737095516160", 0, 0, KASSA_EMONEY_RANGE);
    PARSE_OK("9.223372036854775807", 18, 0, INT64_MAX);
    PARSE_ERR("9.223372036854775808", 18, 0, KASSA_EMONEY_RANGE);
    PARSE_ERR("10", 18, 0, KASSA_EMONEY_RANGE);

    /* 1 followed by 400 zeros */
    memset(huge, '0', sizeof huge);
    huge[0] = '1';
    huge[401] = '\0';
    PARSE_ERR(huge, 2, 0, KASSA_EMONEY_RANGE);
    /* 400 leading zeros, then 1 */
    huge[0] = '0';
    huge[400] = '1';
    PARSE_OK(huge, 2, 0, 100);
}

static void test_parse_long_fraction(void **state)
{
    char s[512];

    (void)state;
    /* "1." + 400 fours: 1.444... -> 144 */
    memset(s, '4', sizeof s);
    memcpy(s, "1.", 2);
    s[402] = '\0';
    PARSE_OK(s, 2, 0, 144);
    /* "1.004" + 400 nines: below 1.005 -> 100 */
    memset(s, '9', sizeof s);
    memcpy(s, "1.004", 5);
    s[405] = '\0';
    PARSE_OK(s, 2, 0, 100);
    /* "0.005" + 400 zeros -> 1 */
    memset(s, '0', sizeof s);
    memcpy(s, "0.005", 5);
    s[405] = '\0';
    PARSE_OK(s, 2, 0, 1);
    /* "0.00" + 400 nines -> 0.00999.. rounds to 1 kopeck */
    memset(s, '9', sizeof s);
    memcpy(s, "0.00", 4);
    s[404] = '\0';
    PARSE_OK(s, 2, 0, 1);
    /* a trailing junk byte after 400 digits is still seen */
    memset(s, '1', sizeof s);
    memcpy(s, "1.", 2);
    s[402] = 'x';
    s[403] = '\0';
    PARSE_ERR(s, 2, 0, KASSA_EMONEY_SYNTAX);
}

static char fmt_buf[64];

static const char *fmt(int64_t minor, int exponent, int places)
{
    int n = kassa_money_format(minor, exponent, places, fmt_buf, 32);

    if (n < 0)
        return "(error)";
    assert_int_equal((size_t)n, strlen(fmt_buf));
    return fmt_buf;
}

static void test_format(void **state)
{
    char small[8];

    (void)state;
    assert_string_equal(fmt(6418, 2, 8), "64.18000000");
    assert_string_equal(fmt(400, 2, 8), "4.00000000");
    assert_string_equal(fmt(100047, 2, 2), "1000.47");
    assert_string_equal(fmt(0, 2, 2), "0.00");
    assert_string_equal(fmt(5, 2, 2), "0.05");
    assert_string_equal(fmt(-5, 2, 2), "-0.05");
    assert_string_equal(fmt(-100047, 2, 2), "-1000.47");
    assert_string_equal(fmt(-2501, 2, 2), "-25.01");
    assert_string_equal(fmt(12345, 2, 0), "123");
    assert_string_equal(fmt(12350, 2, 0), "124");
    assert_string_equal(fmt(-12350, 2, 0), "-124");
    assert_string_equal(fmt(-12349, 2, 0), "-123");
    assert_string_equal(fmt(1200, 2, 0), "12");
    assert_string_equal(fmt(7, 0, 0), "7");
    assert_string_equal(fmt(7, 0, 2), "7.00");
    /* USDT (6) printed with 2 places */
    assert_string_equal(fmt(10525000, 6, 2), "10.53");
    assert_string_equal(fmt(10524999, 6, 2), "10.52");
    assert_string_equal(fmt(10995000, 6, 2), "11.00");
    assert_string_equal(fmt(-10525000, 6, 2), "-10.53");
    assert_string_equal(fmt(10525000, 6, 6), "10.525000");
    assert_string_equal(fmt(10525000, 6, 8), "10.52500000");
    /* a negative that rounds to zero prints no sign */
    assert_string_equal(fmt(-4, 2, 1), "0.0");
    assert_string_equal(fmt(-5, 2, 1), "-0.1");
    assert_string_equal(fmt(-4999, 6, 2), "0.00");
    /* extremes */
    assert_string_equal(fmt(INT64_MAX, 2, 2), "92233720368547758.07");
    assert_string_equal(fmt(INT64_MIN, 2, 2), "-92233720368547758.08");
    assert_string_equal(fmt(INT64_MIN, 0, 0), "-9223372036854775808");
    assert_string_equal(fmt(INT64_MIN, 0, 8), "-9223372036854775808.00000000");
    assert_string_equal(fmt(INT64_MAX, 2, 8), "92233720368547758.07000000");
    assert_string_equal(fmt(INT64_MIN, 1, 0), "-922337203685477581");
    assert_string_equal(fmt(INT64_MAX, 18, 0), "9");
    assert_string_equal(fmt(INT64_MIN, 18, 2), "-9.22");
    assert_string_equal(fmt(INT64_MAX, 18, 18), "9.223372036854775807");
    /* buffer size: "1000.47" needs 8 bytes */
    assert_int_equal(kassa_money_format(100047, 2, 2, small, 7), -1);
    assert_int_equal(kassa_money_format(100047, 2, 2, small, 8), 7);
    assert_string_equal(small, "1000.47");
    assert_int_equal(kassa_money_format(1, 2, 2, NULL, 8), -1);
    assert_int_equal(kassa_money_format(1, 2, 2, small, 0), -1);
    /* bad arguments */
    assert_int_equal(kassa_money_format(1, -1, 2, small, 8), -1);
    assert_int_equal(kassa_money_format(1, 2, -1, small, 8), -1);
    assert_int_equal(kassa_money_format(1, 19, 2, small, 8), -1);
}

static void test_format_parse_roundtrip(void **state)
{
    static const int64_t values[] = {1, 9, 10, 99, 100, 101, 100047, 123456789, INT64_MAX};
    size_t i;
    int e;

    (void)state;
    for (e = 0; e <= 8; e++)
        for (i = 0; i < sizeof values / sizeof values[0]; i++) {
            int n = kassa_money_format(values[i], e, e, fmt_buf, sizeof fmt_buf);
            int64_t back = 0;
            assert_true(n > 0);
            assert_int_equal(kassa_money_parse(fmt_buf, (size_t)n, e, 0, &back), KASSA_OK);
            assert_int_equal(back, values[i]);
        }
}

static void test_currencies(void **state)
{
    const kassa_currency *c, *table;
    size_t n = 0, i, j;

    (void)state;
    c = kassa_currency_find("RUB");
    assert_non_null(c);
    assert_string_equal(c->code, "RUB");
    assert_int_equal(c->exponent, 2);
    assert_int_equal(c->tegro_id, 1);
    assert_int_equal(kassa_currency_find("USD")->tegro_id, 2);
    assert_int_equal(kassa_currency_find("EUR")->tegro_id, 3);
    assert_int_equal(kassa_currency_find("UAH")->tegro_id, 4);
    assert_int_equal(kassa_currency_find("KZT")->exponent, 2);
    assert_int_equal(kassa_currency_find("USDT")->exponent, 6);
    assert_string_equal(kassa_currency_by_tegro_id(1)->code, "RUB");
    assert_string_equal(kassa_currency_by_tegro_id(4)->code, "UAH");
    assert_null(kassa_currency_find("rub"));
    assert_null(kassa_currency_find(""));
    assert_null(kassa_currency_find(NULL));
    assert_null(kassa_currency_find("RUBX"));
    assert_null(kassa_currency_find("RU"));
    assert_null(kassa_currency_by_tegro_id(0));
    assert_null(kassa_currency_by_tegro_id(-1));
    assert_null(kassa_currency_by_tegro_id(100000));

    table = kassa_currency_table(&n);
    assert_int_equal(n, 20);
    for (i = 0; i < n; i++) {
        assert_ptr_equal(kassa_currency_find(table[i].code), &table[i]);
        assert_ptr_equal(kassa_currency_by_tegro_id(table[i].tegro_id), &table[i]);
        assert_true(table[i].exponent >= 0 && table[i].exponent <= 9);
        for (j = i + 1; j < n; j++) {
            assert_string_not_equal(table[i].code, table[j].code);
            assert_int_not_equal(table[i].tegro_id, table[j].tegro_id);
        }
    }
}

static int64_t pct;

static kassa_err percent(int64_t amount, const char *p)
{
    pct = UNTOUCHED;
    return kassa_money_percent(amount, p, &pct);
}

#define PCT_OK(amount, p, want)                                                                    \
    do {                                                                                           \
        assert_string_equal(kassa_err_name(percent((amount), (p))), "OK");                         \
        assert_int_equal(pct, (int64_t)(want));                                                    \
    } while (0)

#define PCT_ERR(amount, p, err)                                                                    \
    do {                                                                                           \
        assert_string_equal(kassa_err_name(percent((amount), (p))), kassa_err_name(err));          \
        assert_int_equal(pct, UNTOUCHED);                                                          \
    } while (0)

static void test_percent(void **state)
{
    (void)state;
    /* 1000.47 * 2.5% = 25.01175 -> 25.01 */
    PCT_OK(100047, "2.5", 2501);
    PCT_OK(100047, "0", 0);
    PCT_OK(100047, "0.0000", 0);
    PCT_OK(100047, "100", 100047);
    PCT_OK(100047, "100.0000", 100047);
    /* 1 000 000.00 * 0.0125% = 125.00 */
    PCT_OK(100000000, "0.0125", 12500);
    /* 0.20 * 2.5% = 0.005 -> 0.01 (half-up) */
    PCT_OK(20, "2.5", 1);
    /* 0.19 * 2.5% = 0.00475 -> 0.00 */
    PCT_OK(19, "2.5", 0);
    /* 0.01 * 50% = 0.005 -> 0.01; negatives away from zero */
    PCT_OK(1, "50", 1);
    PCT_OK(-1, "50", -1);
    PCT_OK(1, "49.9999", 0);
    /* 123.45 * 3.5% = 4.32075 -> 4.32 */
    PCT_OK(12345, "3.5", 432);
    /* 100.00 * 33.3333% = 33.3333 -> 33.33 */
    PCT_OK(10000, "33.3333", 3333);
    PCT_OK(10000, "+1", 100);
    /* no overflow at the extremes */
    PCT_OK(INT64_MAX, "100", INT64_MAX);
    PCT_OK(INT64_MIN, "100", INT64_MIN);
    PCT_OK(INT64_MAX, "50", 4611686018427387904); /* ...903.5 -> ...904 */
    PCT_OK(INT64_MIN, "50", INT64_MIN / 2);
    PCT_OK(INT64_MAX, "99.9999", 9223362813482738952); /* ...952.224193 (Python Decimal) */
    /* refusals */
    PCT_ERR(100, "2.50001", KASSA_EMONEY_SYNTAX);
    PCT_ERR(100, "2.50000", KASSA_EMONEY_SYNTAX);
    PCT_ERR(100, "100.0001", KASSA_EMONEY_RANGE);
    PCT_ERR(100, "101", KASSA_EMONEY_RANGE);
    PCT_ERR(100, "99999999999999999999999", KASSA_EMONEY_RANGE);
    PCT_ERR(100, "-1", KASSA_EMONEY_NEGATIVE);
    PCT_ERR(100, "", KASSA_EMONEY_EMPTY);
    PCT_ERR(100, NULL, KASSA_EMONEY_EMPTY);
    PCT_ERR(100, "1e2", KASSA_EMONEY_SYNTAX);
    PCT_ERR(100, "2,5", KASSA_EMONEY_SYNTAX);
    PCT_ERR(100, "2.5%", KASSA_EMONEY_SYNTAX);
    PCT_ERR(100, ".5", KASSA_EMONEY_SYNTAX);
    PCT_ERR(100, "NaN", KASSA_EMONEY_SYNTAX);
    assert_int_equal(kassa_money_percent(100, "1", NULL), KASSA_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_plain),
        cmocka_unit_test(test_parse_rounding),
        cmocka_unit_test(test_parse_zero_and_sign),
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_parse_range),
        cmocka_unit_test(test_parse_long_fraction),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_parse_roundtrip),
        cmocka_unit_test(test_currencies),
        cmocka_unit_test(test_percent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
