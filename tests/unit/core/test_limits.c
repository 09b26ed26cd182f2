/* test_limits.c: the largest amount of one order or withdrawal (core/limits.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/core.h"

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(core_set_amount_limits("", false, NULL, 0), 0);
    assert_int_equal(core_set_amount_limits("", true, NULL, 0), 0);
    assert_int_equal(core_amount_limit("RUB", false), 100000000);    /* 1,000,000.00 */
    assert_int_equal(core_amount_limit("RUB", true), 10000000000);   /* 100 times */
    assert_int_equal(core_amount_limit("USDT", false), 10000000000); /* 6 places */
    assert_int_equal(core_amount_limit("BTC", false), 100000000);    /* 1 BTC */
    assert_int_equal(core_amount_limit("XXX", false), 0);
    char text[64];
    core_amount_limit_text("RUB", false, text, sizeof text);
    assert_string_equal(text, "1000000.00 RUB");
}

static void test_set_and_refuse(void **state)
{
    (void)state;
    char msg[256];
    assert_int_equal(core_set_amount_limits("RUB=5000,USDT=1.5", false, msg, sizeof msg), 0);
    assert_int_equal(core_amount_limit("RUB", false), 500000);
    assert_int_equal(core_amount_limit("USDT", false), 1500000);
    assert_int_equal(core_amount_limit("USD", false), 1000000);    /* not listed: default */
    assert_int_equal(core_amount_limit("RUB", true), 10000000000); /* withdrawals apart */
    assert_int_equal(core_set_amount_limits("XXX=1", false, msg, sizeof msg), -1);
    assert_string_equal(msg, "unknown currency 'XXX'");
    assert_int_equal(core_set_amount_limits("RUB=0", false, msg, sizeof msg), -1);
    assert_string_equal(msg, "RUB: expected a positive amount, got '0'");
    assert_int_equal(core_set_amount_limits("RUB", false, msg, sizeof msg), -1);
    assert_int_equal(core_set_amount_limits("RUB=1,,USD=2", false, msg, sizeof msg), -1);
    assert_int_equal(core_amount_limit("RUB", false), 500000); /* a refused list changes nothing */
    assert_int_equal(core_set_amount_limits("", false, msg, sizeof msg), 0);
}

static void test_order_and_withdrawal_refused_above(void **state)
{
    (void)state;
    assert_int_equal(core_set_amount_limits("RUB=100", false, NULL, 0), 0);
    assert_int_equal(core_set_amount_limits("RUB=200", true, NULL, 0), 0);
    struct order_create_cmd oc = {0};
    oc.order.amount = 10001;
    snprintf(oc.order.currency, sizeof oc.order.currency, "RUB");
    snprintf(oc.shop.fee_percent, sizeof oc.shop.fee_percent, "0");
    assert_int_equal(order_create_prepare(&oc), KASSA_EAMOUNT_LIMIT);
    oc.order.amount = 10000;
    assert_int_equal(order_create_prepare(&oc), KASSA_OK);
    struct withdrawal_create_cmd wc = {0};
    wc.w.amount = 20001;
    snprintf(wc.w.currency, sizeof wc.w.currency, "RUB");
    snprintf(wc.w.account, sizeof wc.w.account, "2200000000000004");
    snprintf(wc.w.payment_id, sizeof wc.w.payment_id, "p1");
    assert_int_equal(withdrawal_create_prepare(&wc), KASSA_EAMOUNT_LIMIT);
    wc.w.amount = 20000;
    assert_int_equal(withdrawal_create_prepare(&wc), KASSA_OK);
    core_set_amount_limits("", false, NULL, 0);
    core_set_amount_limits("", true, NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_set_and_refuse),
        cmocka_unit_test(test_order_and_withdrawal_refused_above),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
