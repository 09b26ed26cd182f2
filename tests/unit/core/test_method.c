/* test_method.c: the method an order asks for (core/method.c
 * method_for_order) and the payer's choice on an order that awaits one
 * (order_method_apply), through the real group-commit writer on a temp
 * SQLite store. */
#include "money_fixture.h"
#include "core/method.h"

static struct method_switches all_enabled(void)
{
    struct method_switches sw;
    size_t n;
    method_table(&n);
    sw.n = n;
    for (size_t i = 0; i < n; i++)
        sw.enabled[i] = true;
    return sw;
}

static void switch_off(struct method_switches *sw, int id)
{
    size_t n;
    const struct pay_method *t = method_table(&n);
    for (size_t i = 0; i < n; i++)
        if (t[i].id == id)
            sw->enabled[i] = false;
}

static void test_method_for_order(void **state)
{
    (void)state;
    struct method_switches sw = all_enabled();
    struct order o;
    memset(&o, 0, sizeof o);

    /* none asked: the payer chooses */
    strcpy(o.requisite_type, "junk");
    o.payment_system = 77;
    assert_int_equal(method_for_order(&sw, 0, false, &o), METHOD_PAYER_CHOOSES);
    assert_int_equal(o.payment_system, 0);
    assert_string_equal(o.requisite_type, "");
    assert_true(order_awaits_method(&o));

    /* a pool-served method: straight to it, with its requisite type */
    assert_int_equal(method_for_order(&sw, 28, false, &o), METHOD_DIRECT);
    assert_int_equal(o.payment_system, 28);
    assert_string_equal(o.requisite_type, "SBP");
    assert_false(order_awaits_method(&o));
    /* in test mode the sandbox serves it: no requisite type */
    assert_int_equal(method_for_order(&sw, 28, true, &o), METHOD_DIRECT);
    assert_int_equal(o.payment_system, 28);
    assert_string_equal(o.requisite_type, "");

    /* in the catalogue, no provider here: the payer chooses, but a test
     * order is served by the sandbox as before */
    assert_int_equal(method_for_order(&sw, 5, false, &o), METHOD_PAYER_CHOOSES);
    assert_int_equal(o.payment_system, 0);
    assert_string_equal(o.requisite_type, "");
    assert_int_equal(method_for_order(&sw, 5, true, &o), METHOD_DIRECT);
    assert_int_equal(o.payment_system, 5);

    /* outside the catalogue, or switched off: refused, the order untouched */
    o.payment_system = 5;
    assert_int_equal(method_for_order(&sw, 999, false, &o), METHOD_UNKNOWN);
    assert_int_equal(method_for_order(&sw, 999, true, &o), METHOD_UNKNOWN);
    switch_off(&sw, 28);
    switch_off(&sw, 5);
    assert_int_equal(method_for_order(&sw, 28, false, &o), METHOD_DISABLED);
    assert_int_equal(method_for_order(&sw, 5, false, &o), METHOD_DISABLED);
    assert_int_equal(method_for_order(&sw, 5, true, &o), METHOD_DISABLED);
    assert_int_equal(o.payment_system, 5);

    /* only a pending order waits */
    memset(&o, 0, sizeof o);
    o.status = ORDER_EXPIRED;
    assert_false(order_awaits_method(&o));
}

/* The fingerprint of a create that lets the payer choose counts the method
 * the request named: a retry naming another one is another request. */
static void test_fingerprint_counts_the_method_asked(void **state)
{
    (void)state;
    struct order_create_cmd a, b;
    memset(&a, 0, sizeof a);
    a.order.amount = 10000;
    strcpy(a.order.currency, "RUB");
    strcpy(a.shop.fee_percent, "0");
    b = a;
    assert_int_equal(order_create_prepare(&a), KASSA_OK);
    b.method_asked = 5;
    assert_int_equal(order_create_prepare(&b), KASSA_OK);
    assert_int_equal(b.order.payment_system, 0);
    assert_memory_not_equal(a.fingerprint, b.fingerprint, 32);
    struct order_create_cmd c = b;
    c.method_asked = 11;
    assert_int_equal(order_create_prepare(&c), KASSA_OK);
    assert_memory_not_equal(b.fingerprint, c.fingerprint, 32);
    struct order_create_cmd d = b;
    assert_int_equal(order_create_prepare(&d), KASSA_OK);
    assert_memory_equal(b.fingerprint, d.fingerprint, 32);
}

static kassa_err choose(struct fx *f, int64_t order_id, int method, struct order *out)
{
    struct order_method_cmd cmd = {
        .task.run = order_method_apply, .order_id = order_id, .payment_system = method};
    kassa_err err = writer_run(f->writer, &cmd.task);
    if (out)
        *out = cmd.order;
    return err;
}

/* Switch method 36 off for a shop, on the writer. */
struct switch_cmd {
    struct store_task task;
    int64_t shop_id;
};

static kassa_err switch_off_36(struct store_conn *c, struct store_task *task)
{
    struct switch_cmd *cmd = container_of(task, struct switch_cmd, task);
    return STORE_CALL(c, shop_method_set, cmd->shop_id, 36, false, clock_now());
}

static void test_payer_chooses_the_method(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "0", 0);
    struct order o = fx_order(f, &shop, 100000, "", false);
    assert_true(order_awaits_method(&o));
    struct order got;

    assert_int_equal(choose(f, o.id + 1000, 28, NULL), KASSA_ENOTFOUND);
    /* no provider for real payments, and not in the catalogue */
    assert_int_equal(choose(f, o.id, 5, NULL), KASSA_EINVAL);
    assert_int_equal(choose(f, o.id, 999, NULL), KASSA_EINVAL);
    /* switched off for this shop */
    struct switch_cmd off = {.task.run = switch_off_36, .shop_id = shop.id};
    assert_int_equal(writer_run(f->writer, &off.task), KASSA_OK);
    assert_int_equal(choose(f, o.id, 36, NULL), KASSA_EINVAL);
    /* the pool has no SBP requisite yet: refused, the order still waits */
    assert_int_equal(choose(f, o.id, 28, NULL), KASSA_EUNAVAILABLE);
    got = fx_get(f, o.id);
    assert_true(order_awaits_method(&got));
    assert_int_equal(got.requisite_id, 0);

    int64_t req = fx_requisite(f);
    assert_int_equal(choose(f, o.id, 28, &got), KASSA_OK);
    assert_int_equal(got.payment_system, 28);
    assert_int_equal(got.requisite_id, req);
    assert_string_equal(got.req.value, "+79990001122");
    got = fx_get(f, o.id);
    assert_int_equal(got.status, ORDER_PENDING);
    assert_int_equal(got.payment_system, 28);
    assert_string_equal(got.requisite_type, "SBP");
    assert_int_equal(got.requisite_id, req);
    assert_string_equal(got.req.value, "+79990001122");
    assert_false(order_awaits_method(&got));
    /* the same press again is answered; another method is not taken */
    assert_int_equal(choose(f, o.id, 28, NULL), KASSA_OK);
    assert_int_equal(choose(f, o.id, 41, NULL), KASSA_ESTATE);
    assert_int_equal(fx_get(f, o.id).payment_system, 28);

    /* a test order: any enabled method, served by the sandbox */
    struct order t = fx_order(f, &shop, 5000, "", true);
    assert_int_equal(choose(f, t.id, 5, &got), KASSA_OK);
    got = fx_get(f, t.id);
    assert_int_equal(got.payment_system, 5);
    assert_string_equal(got.requisite_type, "");
    assert_int_equal(got.requisite_id, 0);

    /* an order that is no longer pending does not wait */
    struct order late = fx_order(f, &shop, 5000, "", false);
    assert_int_equal(fx_move(f, late.id, ORDER_FAILED, ACTOR_OPERATOR, NULL), KASSA_OK);
    assert_int_equal(choose(f, late.id, 28, NULL), KASSA_ESTATE);
    assert_int_equal(fx_get(f, late.id).payment_system, 0);

    /* a panda order has its requisite type: it never waits */
    struct order panda = fx_order(f, &shop, 5000, "SBP", false);
    assert_false(order_awaits_method(&panda));
    assert_int_equal(choose(f, panda.id, 28, NULL), KASSA_ESTATE);
}

/* A shop in test mode (core/order.c): its order is a test order, takes no
 * requisite of the pool though one is there (the next real order of the
 * same amount gets it), shows the sandbox's requisite (order_requisite)
 * and moves no money when completed. */
static void test_test_mode_shop_uses_the_sandbox(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "2.5", 0);
    int64_t req = fx_requisite(f);
    shop.test_mode = true;
    struct order o = fx_order(f, &shop, 100000, "SBP", false);
    assert_true(o.test);
    assert_int_equal(o.status, ORDER_PENDING);
    assert_int_equal(o.requisite_id, 0);
    assert_int_equal(o.trader_id, 0);
    assert_int_equal(o.reserve, 0);
    assert_string_equal(o.requisite_type, "SBP");
    struct requisite buf;
    const struct requisite *r = order_requisite(&o, false, &buf);
    assert_ptr_equal(r, &buf);
    assert_string_equal(r->type, "SBP");
    assert_string_equal(r->value, "+79990000000");
    assert_string_equal(r->owner_full_name, "Тестовый Получатель");
    assert_string_equal(r->bank_code, "sandbox");
    assert_string_equal(r->bank_name_en, "Sandbox Bank");
    assert_string_equal(order_requisite(&o, true, &buf)->owner_full_name, "Test Recipient");

    int64_t before = fx_ledger_sum(f);
    int64_t tx = fx_int(f, "SELECT COUNT(*) FROM ledger_tx");
    assert_int_equal(fx_move(f, o.id, ORDER_COMPLETED, ACTOR_PROVIDER, NULL), KASSA_OK);
    assert_int_equal(fx_ledger_sum(f), before);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx"), tx);
    struct fx_bal b = fx_balance(f, shop.id);
    assert_int_equal(b.available, 0);
    assert_int_equal(b.held, 0);
    fx_assert_verify_ok(f);

    /* a test order pending keeps no claim: the real order of its amount
     * gets the pool's requisite */
    struct order held = fx_order(f, &shop, 50000, "SBP", false);
    assert_true(held.test);
    shop.test_mode = false;
    struct order real = fx_order(f, &shop, 50000, "SBP", false);
    assert_false(real.test);
    assert_int_equal(real.requisite_id, req);
    assert_ptr_equal(order_requisite(&real, false, &buf), &real.req);

    /* a real order without a requisite, and a test order awaiting its
     * method: none shown */
    struct order none = fx_order(f, &shop, 70000, "", false);
    assert_null(order_requisite(&none, false, &buf));
    none.test = true;
    assert_null(order_requisite(&none, false, &buf));
    none.payment_system = 36; /* card, from a method */
    assert_string_equal(order_requisite(&none, false, &buf)->value, "2200000000000004");
    assert_string_equal(buf.type, "card");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_method_for_order),
        cmocka_unit_test(test_fingerprint_counts_the_method_asked),
        cmocka_unit_test_setup_teardown(test_payer_chooses_the_method, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_test_mode_shop_uses_the_sandbox, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
