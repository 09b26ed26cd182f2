/* test_error.c: kassa_strerror / kassa_err_name come from one table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kassa/error.h"

static void test_names_and_messages(void **state)
{
    (void)state;
    assert_string_equal(kassa_err_name(KASSA_OK), "OK");
    assert_string_equal(kassa_strerror(KASSA_OK), "success");
    assert_string_equal(kassa_err_name(KASSA_EFUNDS), "EFUNDS");
    assert_string_equal(kassa_strerror(KASSA_EFUNDS), "insufficient funds");
    assert_string_equal(kassa_err_name(KASSA_EMONEY_ZERO), "EMONEY_ZERO");
    assert_string_equal(kassa_strerror(KASSA_EMONEY_ZERO), "amount must be greater than zero");
    assert_string_equal(kassa_err_name(KASSA_EAUTH_SIGNATURE), "EAUTH_SIGNATURE");
    assert_string_equal(kassa_strerror(KASSA_EAUTH_SIGNATURE), "signature mismatch");
    assert_string_equal(kassa_err_name(KASSA_EPROTO), "EPROTO");
    assert_string_equal(kassa_strerror(KASSA_EPROTO), "malformed answer");
}

static void test_out_of_range(void **state)
{
    (void)state;
    assert_string_equal(kassa_strerror(KASSA_ERR_MAX_), "unknown error");
    assert_string_equal(kassa_strerror((kassa_err)-1), "unknown error");
    assert_string_equal(kassa_strerror((kassa_err)100000), "unknown error");
    assert_string_equal(kassa_err_name(KASSA_ERR_MAX_), "UNKNOWN");
    assert_string_equal(kassa_err_name((kassa_err)-1), "UNKNOWN");
}

static void test_every_row_filled(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < (int)KASSA_ERR_MAX_; i++) {
        assert_non_null(kassa_strerror((kassa_err)i));
        assert_non_null(kassa_err_name((kassa_err)i));
        assert_string_not_equal(kassa_strerror((kassa_err)i), "unknown error");
        assert_true(kassa_err_name((kassa_err)i)[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_messages),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_every_row_filled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
