/* test_trader_rules.c: what a trader may see and decide (core/lifecycle.c
 * order_of_trader and order_transition_allowed for ACTOR_TRADER): only
 * orders on its own requisites, only pending ones, to completed or
 * failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"

static struct order on_requisite(int64_t requisite_id, int64_t trader_id)
{
    struct order o;
    memset(&o, 0, sizeof o);
    o.requisite_id = requisite_id;
    o.req.id = requisite_id;
    o.req.trader_id = trader_id;
    return o;
}

static void test_order_of_trader(void **state)
{
    (void)state;
    struct order o = on_requisite(5, 7);
    assert_true(order_of_trader(&o, 7));
    assert_false(order_of_trader(&o, 8)); /* another trader's */
    assert_false(order_of_trader(&o, 0)); /* no trader named */
    assert_false(order_of_trader(&o, -7));
    o = on_requisite(5, 0); /* the operator's own pool */
    assert_false(order_of_trader(&o, 7));
    assert_false(order_of_trader(&o, 0));
    o = on_requisite(0, 0); /* no requisite at all */
    assert_false(order_of_trader(&o, 7));
    o = on_requisite(0, 7); /* a stale join without a requisite */
    assert_false(order_of_trader(&o, 7));
}

static void test_trader_transitions(void **state)
{
    (void)state;
    assert_true(order_transition_allowed(ORDER_PENDING, ORDER_COMPLETED, ACTOR_TRADER));
    assert_true(order_transition_allowed(ORDER_PENDING, ORDER_FAILED, ACTOR_TRADER));
    /* a late payment and a reversal are the operator's; cancel the merchant's */
    assert_false(order_transition_allowed(ORDER_EXPIRED, ORDER_COMPLETED, ACTOR_TRADER));
    assert_false(order_transition_allowed(ORDER_COMPLETED, ORDER_REVERSED, ACTOR_TRADER));
    assert_false(order_transition_allowed(ORDER_PENDING, ORDER_CANCELED, ACTOR_TRADER));
    assert_false(order_transition_allowed(ORDER_PENDING, ORDER_EXPIRED, ACTOR_TRADER));
    assert_false(order_transition_allowed(ORDER_COMPLETED, ORDER_FAILED, ACTOR_TRADER));
    assert_false(order_transition_allowed(ORDER_FAILED, ORDER_COMPLETED, ACTOR_TRADER));
    assert_false(order_transition_allowed(ORDER_NO_REQUISITE, ORDER_COMPLETED, ACTOR_TRADER));
    assert_string_equal(actor_name(ACTOR_TRADER), "trader");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_of_trader),
        cmocka_unit_test(test_trader_transitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
