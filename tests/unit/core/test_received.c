/* test_received.c: the amount actually received (core/order.c
 * order_receive, order_received_check) and reversals (core/lifecycle.c,
 * core/ledger.c ledger_order_reversed): the fee and USDT amount of the
 * amount received, the ledger after each step with the fee returned or
 * kept, the debt a reversal leaves and the withdrawals it refuses, through
 * the real writer on a temp SQLite store. Figures computed by hand. */
#include "money_fixture.h"
#include "kassa/money.h"

static struct order an_order(int64_t amount, int64_t fee, const char *currency, const char *rate)
{
    struct order o;
    memset(&o, 0, sizeof o);
    o.amount = amount;
    o.fee = fee;
    snprintf(o.currency, sizeof o.currency, "%s", currency);
    snprintf(o.exchange_rate, sizeof o.exchange_rate, "%s", rate);
    return o;
}

/* fee * received / amount, half-up; amount_usdt at the order's rate. */
static void test_order_receive(void **state)
{
    (void)state;
    struct order o = an_order(100000, 2500, "RUB", "95.00");
    order_receive(&o, 95000);
    assert_int_equal(o.amount, 100000); /* kept */
    assert_int_equal(o.amount_received, 95000);
    assert_int_equal(o.fee, 2375);             /* 25.00 * 950 / 1000 */
    assert_int_equal(o.amount_usdt, 10000000); /* 950.00 / 95.00 = 10.000000 */
    assert_int_equal(order_amount_paid(&o), 95000);

    /* 25.01 * 333.33 / 1000.47 = 8.33264... -> 8.33; 333.33 / 95 = 3.508737 */
    o = an_order(100047, 2501, "RUB", "95.00");
    order_receive(&o, 33333);
    assert_int_equal(o.fee, 833);
    assert_int_equal(o.amount_usdt, 3508737);

    /* half-up at exactly .5: 1 * 150 / 100 = 1.5 -> 2 */
    o = an_order(100, 1, "RUB", "");
    order_receive(&o, 150);
    assert_int_equal(o.fee, 2);
    assert_int_equal(o.amount_usdt, 0); /* no rate: none */
    o = an_order(100, 1, "RUB", "");
    order_receive(&o, 149); /* 1.49 -> 1 */
    assert_int_equal(o.fee, 1);

    /* a fee that is the whole amount stays the whole amount received */
    o = an_order(1026, 1026, "RUB", "95.00");
    order_receive(&o, 513);
    assert_int_equal(o.fee, 513);

    /* USDT orders: amount_usdt is the amount received itself */
    o = an_order(5000000, 125000, "USDT", "1.00");
    order_receive(&o, 4000000);
    assert_int_equal(o.amount_usdt, 4000000);
    assert_int_equal(o.fee, 100000);

    /* the largest order at the largest fee: no overflow (128-bit product) */
    int64_t max = core_amount_limit("RUB", false);
    o = an_order(max, max, "RUB", "0.00000001");
    order_receive(&o, max);
    assert_int_equal(o.fee, max);
    assert_int_equal(o.amount_received, max);
}

static void test_order_received_check(void **state)
{
    (void)state;
    assert_int_equal(order_received_check("RUB", 1), KASSA_OK);
    assert_int_equal(order_received_check("RUB", 0), KASSA_EMONEY_ZERO);
    assert_int_equal(order_received_check("RUB", -100), KASSA_EMONEY_ZERO);
    int64_t max = core_amount_limit("RUB", false);
    assert_int_equal(max, 100000000);
    assert_int_equal(order_received_check("RUB", max), KASSA_OK);
    assert_int_equal(order_received_check("RUB", max + 1), KASSA_EAMOUNT_LIMIT);
    assert_int_equal(order_received_check("XXX", 100), KASSA_ECURRENCY);
}

static kassa_err complete_received(struct fx *f, int64_t id, int64_t received, struct order *out)
{
    struct order_transition_cmd cmd = {.task.run = order_transition_apply,
                                       .order_id = id,
                                       .to = ORDER_COMPLETED,
                                       .actor = ACTOR_OPERATOR,
                                       .amount_received = received};
    kassa_err err = writer_run(f->writer, &cmd.task);
    if (out)
        *out = cmd.order;
    return err;
}

struct figures {
    int64_t available, held, fees, clearing;
};

static struct figures figures(struct fx *f, const struct shop *shop)
{
    struct figures x = {
        fx_account(f, "shop_available", shop->id, "RUB"),
        fx_account(f, "shop_held", shop->id, "RUB"),
        fx_account(f, "platform_fees", 0, "RUB"),
        fx_account(f, "provider_clearing", 0, "RUB"),
    };
    assert_int_equal(fx_ledger_sum(f), 0);
    fx_assert_verify_ok(f);
    return x;
}

#define ASSERT_FIGURES(f, shop, a, h, fe, cl)                                                      \
    do {                                                                                           \
        struct figures got_ = figures(f, shop);                                                    \
        assert_int_equal(got_.available, a);                                                       \
        assert_int_equal(got_.held, h);                                                            \
        assert_int_equal(got_.fees, fe);                                                           \
        assert_int_equal(got_.clearing, cl);                                                       \
    } while (0)

/* Received less, then reversed with the fee returned: back to zero. */
static void test_received_then_reversed_fee_back(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "2.5", 0);
    struct order o = fx_order(f, &shop, 100000, "", false);
    assert_int_equal(o.fee, 2500);
    struct order done;
    assert_int_equal(complete_received(f, o.id, 95000, &done), KASSA_OK);
    assert_int_equal(done.fee, 2375);
    struct order stored = fx_get(f, o.id);
    assert_int_equal(stored.status, ORDER_COMPLETED);
    assert_int_equal(stored.amount, 100000);
    assert_int_equal(stored.amount_received, 95000);
    assert_int_equal(stored.fee, 2375);
    assert_int_equal(stored.reversed_at, 0);
    ASSERT_FIGURES(f, &shop, 92625, 0, 2375, -95000);

    assert_int_equal(fx_move(f, o.id, ORDER_REVERSED, ACTOR_OPERATOR, NULL), KASSA_OK);
    stored = fx_get(f, o.id);
    assert_int_equal(stored.status, ORDER_REVERSED);
    assert_true(stored.reversed_at > 0);
    assert_int_equal(stored.amount_received, 95000);
    assert_int_equal(stored.fee, 2375);
    ASSERT_FIGURES(f, &shop, 0, 0, 0, 0);
    assert_int_equal(fx_int(f,
                            "SELECT COUNT(*) FROM ledger_tx WHERE kind = 'order.reversed' AND "
                            "ref_id = %lld",
                            (long long)o.id),
                     1);
    assert_int_equal(fx_int(f,
                            "SELECT COUNT(*) FROM events WHERE order_id = %lld AND kind = "
                            "'order.reversed' AND status = %d",
                            (long long)o.id, ORDER_REVERSED),
                     1);
    /* only the operator, only once */
    assert_int_equal(fx_move(f, o.id, ORDER_REVERSED, ACTOR_OPERATOR, NULL), KASSA_ESTATE);
    ASSERT_FIGURES(f, &shop, 0, 0, 0, 0);
}

/* An amount received on anything but a completion, or out of bounds:
 * refused, nothing changes. */
static void test_received_refusals(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "2.5", 0);
    struct order o = fx_order(f, &shop, 100000, "", false);
    struct order_transition_cmd cmd = {.task.run = order_transition_apply,
                                       .order_id = o.id,
                                       .to = ORDER_FAILED,
                                       .actor = ACTOR_OPERATOR,
                                       .amount_received = 5000};
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_EINVAL);
    assert_int_equal(complete_received(f, o.id, -1, NULL), KASSA_EMONEY_ZERO);
    assert_int_equal(complete_received(f, o.id, core_amount_limit("RUB", false) + 1, NULL),
                     KASSA_EAMOUNT_LIMIT);
    struct order stored = fx_get(f, o.id);
    assert_int_equal(stored.status, ORDER_PENDING);
    assert_int_equal(stored.amount_received, 0);
    assert_int_equal(stored.fee, 2500);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx"), 0);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM events"), 0);
    /* a pending order cannot be reversed */
    assert_int_equal(fx_move(f, o.id, ORDER_REVERSED, ACTOR_OPERATOR, NULL), KASSA_ESTATE);
}

/* The fee kept: a debt; withdrawals refused while the balance is short,
 * allowed again once a completion covers the debt and the amount. */
static void test_fee_kept_debt_blocks_withdrawals(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "2.5", 0);
    struct core_settings keep = *core_settings();
    keep.reversal_keeps_fee = true;
    core_configure(&keep);

    struct order a = fx_fund(f, &shop, 100000); /* 975.00 available */
    assert_int_equal(fx_withdraw(f, shop.id, "w-1", 90000, "2200000000000004", NULL), KASSA_OK);
    ASSERT_FIGURES(f, &shop, 7500, 90000, 2500, -100000);
    assert_int_equal(fx_move(f, a.id, ORDER_REVERSED, ACTOR_OPERATOR, NULL), KASSA_OK);
    /* the merchant debited the whole 1000.00: 75.00 - 1000.00 */
    ASSERT_FIGURES(f, &shop, -92500, 90000, 2500, 0);
    struct fx_bal b = fx_balance(f, shop.id);
    assert_int_equal(b.available, -92500);

    assert_int_equal(fx_withdraw(f, shop.id, "w-2", 1, "2200000000000004", NULL), KASSA_EFUNDS);
    ASSERT_FIGURES(f, &shop, -92500, 90000, 2500, 0);

    /* a credit onto the debt passes: 1200.00 received at fee 30.00 */
    struct order c = fx_order(f, &shop, 100000, "", false);
    assert_int_equal(complete_received(f, c.id, 120000, NULL), KASSA_OK);
    ASSERT_FIGURES(f, &shop, 24500, 90000, 5500, -120000);
    assert_int_equal(fx_withdraw(f, shop.id, "w-3", 24501, "2200000000000004", NULL), KASSA_EFUNDS);
    assert_int_equal(fx_withdraw(f, shop.id, "w-4", 24500, "2200000000000004", NULL), KASSA_OK);
    ASSERT_FIGURES(f, &shop, 0, 114500, 5500, -120000);

    keep.reversal_keeps_fee = false;
    core_configure(&keep);
}

/* A test order (the sandbox's): its reversal moves no money either. */
static void test_test_order_reversal_moves_nothing(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "2.5", 0);
    struct order o = fx_order(f, &shop, 100000, "", true);
    assert_int_equal(complete_received(f, o.id, 50000, NULL), KASSA_OK);
    assert_int_equal(fx_move(f, o.id, ORDER_REVERSED, ACTOR_OPERATOR, NULL), KASSA_OK);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx"), 0);
    assert_int_equal(fx_get(f, o.id).status, ORDER_REVERSED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_receive),
        cmocka_unit_test(test_order_received_check),
        cmocka_unit_test_setup_teardown(test_received_then_reversed_fee_back, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_received_refusals, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_fee_kept_debt_blocks_withdrawals, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_test_order_reversal_moves_nothing, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
