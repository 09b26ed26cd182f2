/* test_jsonw.c: the JSON writer (jsonw.c): integers at the limits, string
 * escaping, separators, nesting, and the size limit. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/jsonw.h"

static void test_ints(void **state)
{
    (void)state;
    struct jw w;
    jw_init(&w, 4096);
    jw_arr(&w);
    jw_int(&w, 0);
    jw_int(&w, 7);
    jw_int(&w, -42);
    jw_int(&w, 1000000007);
    jw_int(&w, LLONG_MAX);
    jw_int(&w, LLONG_MIN);
    jw_arr_end(&w);
    assert_false(w.failed);
    assert_string_equal(buf_ptr(&w.buf),
                        "[0,7,-42,1000000007,9223372036854775807,-9223372036854775808]");
    jw_free(&w);
}

static void test_object_and_escapes(void **state)
{
    (void)state;
    struct jw w;
    jw_init(&w, 4096);
    jw_obj(&w);
    jw_key(&w, "a\"b");
    jw_str(&w, "line\nbreak\t\\ \x01 ok");
    jw_key(&w, "n");
    jw_null(&w);
    jw_key(&w, "t");
    jw_bool(&w, true);
    jw_key(&w, "o");
    jw_obj(&w);
    jw_key(&w, "x");
    jw_int(&w, -1);
    jw_obj_end(&w);
    jw_obj_end(&w);
    assert_false(w.failed);
    assert_string_equal(buf_ptr(&w.buf),
                        "{\"a\\\"b\":\"line\\nbreak\\t\\\\ \\u0001 ok\",\"n\":null,\"t\":true,"
                        "\"o\":{\"x\":-1}}");
    jw_free(&w);
}

/* A string's JSON form, as jw_str writes it. */
static void expect_str(const char *in, const char *want)
{
    struct jw w;
    jw_init(&w, 4096);
    jw_str(&w, in);
    assert_false(w.failed);
    assert_string_equal(buf_ptr(&w.buf), want);
    jw_free(&w);
}

/* An answer is always UTF-8: valid sequences pass as they are, every byte
 * of an invalid one (an echo of a client's bytes) becomes U+FFFD. */
static void test_never_invalid_utf8(void **state)
{
    (void)state;
    expect_str("Сбербанк", "\"Сбербанк\"");     /* 2-byte sequences */
    expect_str("€ 😀", "\"€ 😀\"");               /* 3 and 4 bytes */
    expect_str("a\xde\x9em", "\"a\xde\x9em\""); /* U+079E passes */
    expect_str("a\xde"
               "m",
               "\"a\\ufffdm\"");                                        /* a lead byte cut short */
    expect_str("\xc0\xaf", "\"\\ufffd\\ufffd\"");                       /* overlong '/' */
    expect_str("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");            /* a surrogate */
    expect_str("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
    expect_str("ok\xd0", "\"ok\\ufffd\"");                              /* cut at the end */
    expect_str("\x80\"", "\"\\ufffd\\\"\"");                            /* a stray continuation */
}

static void test_limit(void **state)
{
    (void)state;
    struct jw w;
    jw_init(&w, 16);
    jw_arr(&w);
    for (int i = 0; i < 10; i++)
        jw_int(&w, 123456);
    jw_arr_end(&w);
    assert_true(w.failed);
    jw_free(&w);
}

/* The limit counts the document and its NUL: exactly at it renders, one
 * byte over fails. */
static void test_limit_exact(void **state)
{
    (void)state;
    struct jw w;
    size_t len = 0;
    jw_init(&w, 8);
    jw_str(&w, "abcde"); /* "abcde": 7 bytes and the NUL */
    char *doc = jw_finish(&w, &len);
    assert_non_null(doc);
    assert_string_equal(doc, "\"abcde\"");
    assert_int_equal(len, 7);
    free(doc);
    jw_init(&w, 7);
    jw_str(&w, "abcde");
    assert_true(w.failed);
    assert_null(jw_finish(&w, &len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ints),
        cmocka_unit_test(test_object_and_escapes),
        cmocka_unit_test(test_never_invalid_utf8),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_limit_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
