/* test_device.c: the matching rule of bank credits (core/bank_message.c
 * bank_match_decide, bank_same), device online (core/device.c), and the
 * lifecycle's device transitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"

static struct bank_candidate cand(int64_t id, int status, int64_t created, int64_t expires,
                                  const char *bank, const char *number)
{
    struct bank_candidate c;
    memset(&c, 0, sizeof c);
    c.order_id = id;
    c.status = status;
    c.created_at = created;
    c.expires_at = expires;
    snprintf(c.bank_code, sizeof c.bank_code, "%s", bank);
    snprintf(c.bank_name_en, sizeof c.bank_name_en, "%sbank", bank);
    snprintf(c.requisite, sizeof c.requisite, "%s", number);
    return c;
}

static void test_one_none_many(void **state)
{
    (void)state;
    int which;
    struct bank_candidate c[3] = {
        cand(7, ORDER_PENDING, 1000, 1900, "Sber", "+79001234567"),
        cand(8, ORDER_PENDING, 1100, 2000, "Sber", "+79007654321"),
        cand(9, ORDER_COMPLETED, 900, 1800, "Sber", "+79000000000"),
    };
    assert_int_equal(bank_match_decide(c, 0, 1500, 600, true, "Sber", "", &which), BANK_MATCH_NONE);
    assert_int_equal(which, -1);
    assert_int_equal(bank_match_decide(c, 1, 1500, 600, true, "Sber", "", &which), BANK_MATCH_ONE);
    assert_int_equal(which, 0);
    /* Two pending orders it could pay: a person decides. */
    assert_int_equal(bank_match_decide(c, 2, 1500, 600, true, "Sber", "", &which), BANK_MATCH_MANY);
    assert_int_equal(which, -1);
    /* Received before the second was assigned: only the first. */
    assert_int_equal(bank_match_decide(c, 2, 1050, 600, true, "Sber", "", &which), BANK_MATCH_ONE);
    assert_int_equal(which, 0);
    /* A completed order is no candidate. */
    assert_int_equal(bank_match_decide(c + 2, 1, 1000, 600, true, "Sber", "", &which),
                     BANK_MATCH_NONE);
}

static void test_grace(void **state)
{
    (void)state;
    int which;
    struct bank_candidate c = cand(7, ORDER_EXPIRED, 1000, 1900, "Sber", "x");
    assert_int_equal(bank_match_decide(&c, 1, 2500, 600, true, "", "", &which), BANK_MATCH_ONE);
    assert_int_equal(bank_match_decide(&c, 1, 2501, 600, true, "", "", &which), BANK_MATCH_NONE);
    assert_int_equal(bank_match_decide(&c, 1, 999, 600, true, "", "", &which), BANK_MATCH_NONE);
}

static void test_unbound_needs_bank_and_digits(void **state)
{
    (void)state;
    int which;
    struct bank_candidate c[2] = {
        cand(7, ORDER_PENDING, 1000, 1900, "Sber", "2202 2000 1234 1234"),
        cand(8, ORDER_PENDING, 1000, 1900, "Tinkoff", "5536 9100 0000 1234"),
    };
    assert_int_equal(bank_match_decide(c, 2, 1500, 600, false, "Sber", "1234", &which),
                     BANK_MATCH_ONE);
    assert_int_equal(which, 0);
    assert_int_equal(bank_match_decide(c, 2, 1500, 600, false, "Sber", "9999", &which),
                     BANK_MATCH_NONE);
    /* No digits given: nothing to tell the cards apart by. */
    assert_int_equal(bank_match_decide(c, 2, 1500, 600, false, "Sber", "", &which),
                     BANK_MATCH_NONE);
    assert_true(bank_same("Sber", "sber", ""));
    assert_true(bank_same("Sber", "", "Sberbank"));
    assert_false(bank_same("Sber", "tinkoff", "Tinkoff"));
    assert_false(bank_same("", "", ""));
}

static void test_online_and_transitions(void **state)
{
    (void)state;
    assert_false(device_online(0, 1000));
    assert_true(device_online(880, 1000));
    assert_false(device_online(879, 1000));
    assert_true(order_transition_allowed(ORDER_PENDING, ORDER_COMPLETED, ACTOR_DEVICE));
    assert_true(order_transition_allowed(ORDER_EXPIRED, ORDER_COMPLETED, ACTOR_DEVICE));
    assert_false(order_transition_allowed(ORDER_PENDING, ORDER_FAILED, ACTOR_DEVICE));
    assert_false(order_transition_allowed(ORDER_COMPLETED, ORDER_REVERSED, ACTOR_DEVICE));
    assert_false(order_transition_allowed(ORDER_CANCELED, ORDER_COMPLETED, ACTOR_DEVICE));
}

static void test_code_hash_ignores_case_and_dashes(void **state)
{
    (void)state;
    char a[65], b[65];
    device_code_hash("ABCD-EFGH-JKLM", a);
    device_code_hash("abcdefghjklm", b);
    assert_string_equal(a, b);
    struct device_code_cmd cmd;
    memset(&cmd, 0, sizeof cmd);
    device_code_prepare(&cmd);
    assert_int_equal(strlen(cmd.code), 12);
    assert_int_equal(strspn(cmd.code, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"), 12);
    device_code_hash(cmd.code, a);
    assert_string_equal(a, cmd.code_hash);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_none_many),
        cmocka_unit_test(test_grace),
        cmocka_unit_test(test_unbound_needs_bank_and_digits),
        cmocka_unit_test(test_online_and_transitions),
        cmocka_unit_test(test_code_hash_ignores_case_and_dashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
