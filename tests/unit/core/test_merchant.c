/* test_merchant.c: what a merchant user may see and change (core/merchant.c):
 * only its merchant's shops and their orders and withdrawals, another's
 * answered KASSA_ENOTFOUND exactly as a missing one, in reads, lists (a
 * filter naming another merchant lists nothing) and commands (rotation,
 * withdrawal: nothing written); and a test payment is a test order that
 * moves no balance. The callbacks' side runs end to end
 * (tests/e2e/test_merchant_api.py). */
#include "money_fixture.h"
#include "core/query.h"

/* A shop of merchant `merchant_id` (0: a new merchant). */
static struct shop shop_of(struct fx *f, int64_t merchant_id, const char *name)
{
    struct shop_create_cmd cmd = {.task.run = shop_create_apply};
    char msg[256] = "";
    snprintf(cmd.shop.name, sizeof cmd.shop.name, "%s", name);
    snprintf(cmd.shop.fee_percent, sizeof cmd.shop.fee_percent, "0");
    cmd.shop.merchant_id = merchant_id;
    if (shop_create_prepare(&cmd, msg, sizeof msg) != KASSA_OK)
        fail_msg("shop_create_prepare: %s", msg);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_OK);
    return cmd.shop;
}

struct collected {
    int64_t ids[16];
    int n;
};

static bool collect_order(void *arg, const struct order *o)
{
    struct collected *c = arg;
    c->ids[c->n++] = o->id;
    return c->n < 16;
}

static bool collect_withdrawal(void *arg, const struct withdrawal *w)
{
    struct collected *c = arg;
    c->ids[c->n++] = w->id;
    return c->n < 16;
}

static bool collect_shop(void *arg, const struct shop *s)
{
    struct collected *c = arg;
    c->ids[c->n++] = s->id;
    return c->n < 16;
}

static bool no_money(void *arg, const struct shop_money *m)
{
    (void)arg;
    (void)m;
    return true;
}

static void test_reads_and_lists_are_the_merchants_only(void **state)
{
    struct fx *f = *state;
    core_use_store(f->store);
    struct shop a = shop_of(f, 0, "A");
    struct shop a2 = shop_of(f, a.merchant_id, "A2");
    struct shop b = shop_of(f, 0, "B");
    assert_int_equal(a2.merchant_id, a.merchant_id);
    assert_true(b.merchant_id != a.merchant_id);
    int64_t m = a.merchant_id;

    assert_true(shop_of_merchant(&a, m));
    assert_true(shop_of_merchant(&a2, m));
    assert_false(shop_of_merchant(&b, m));
    assert_false(shop_of_merchant(&a, 0));

    struct shop s;
    assert_int_equal(query_merchant_shop(m, a2.id, &s), KASSA_OK);
    assert_int_equal(s.id, a2.id);
    assert_int_equal(query_merchant_shop(m, b.id, &s), KASSA_ENOTFOUND);
    assert_int_equal(s.id, 0); /* nothing of it left behind */
    assert_int_equal(query_merchant_shop(m, b.id + 100, &s), KASSA_ENOTFOUND);
    assert_int_equal(query_merchant_shop(0, a.id, &s), KASSA_ENOTFOUND);

    struct order oa = fx_fund(f, &a, 1000), oa2 = fx_fund(f, &a2, 2000), ob = fx_fund(f, &b, 3000);
    struct order o;
    assert_int_equal(query_merchant_order(m, oa.uuid, &o), KASSA_OK);
    assert_int_equal(o.id, oa.id);
    char id[24];
    core_i64(oa2.id, id);
    assert_int_equal(query_merchant_order(m, id, &o), KASSA_OK);
    assert_int_equal(o.id, oa2.id);
    assert_int_equal(query_merchant_order(m, ob.uuid, &o), KASSA_ENOTFOUND);
    assert_int_equal(o.id, 0);
    core_i64(ob.id, id);
    assert_int_equal(query_merchant_order(m, id, &o), KASSA_ENOTFOUND);

    struct order_filter of = {
        .status = -1, .confirmed = -1, .amount_min = -1, .amount_max = -1, .limit = 10};
    struct collected c = {0};
    assert_int_equal(query_merchant_orders(m, &of, collect_order, &c), KASSA_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.ids[0], oa2.id);
    assert_int_equal(c.ids[1], oa.id);
    /* Naming the other merchant, or its shop, lists nothing. */
    of.merchant_id = b.merchant_id;
    c.n = 0;
    assert_int_equal(query_merchant_orders(m, &of, collect_order, &c), KASSA_OK);
    assert_int_equal(c.n, 0);
    of.merchant_id = 0;
    of.shop_id = b.id;
    assert_int_equal(query_merchant_orders(m, &of, collect_order, &c), KASSA_OK);
    assert_int_equal(c.n, 0);

    struct shop_filter sf = {.active = -1, .limit = 10};
    c.n = 0;
    assert_int_equal(query_merchant_shops_list(m, &sf, collect_shop, no_money, &c), KASSA_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.ids[0], a2.id);
    assert_int_equal(c.ids[1], a.id);
    sf.merchant_id = b.merchant_id;
    c.n = 0;
    assert_int_equal(query_merchant_shops_list(m, &sf, collect_shop, no_money, &c), KASSA_OK);
    assert_int_equal(c.n, 0);
}

static void test_withdrawal_only_from_its_own_shop(void **state)
{
    struct fx *f = *state;
    core_use_store(f->store);
    struct shop a = shop_of(f, 0, "A"), b = shop_of(f, 0, "B");
    fx_fund(f, &a, 10000);
    fx_fund(f, &b, 10000);
    int64_t tx = fx_int(f, "SELECT COUNT(*) FROM ledger_tx");

    struct withdrawal_create_cmd cmd = {.task.run = withdrawal_create_apply, .shop_id = b.id};
    snprintf(cmd.w.payment_id, sizeof cmd.w.payment_id, "w-1");
    snprintf(cmd.w.currency, sizeof cmd.w.currency, "RUB");
    snprintf(cmd.w.account, sizeof cmd.w.account, "2200");
    cmd.w.amount = 3000;
    cmd.merchant_id = a.merchant_id;
    assert_int_equal(withdrawal_create_prepare(&cmd), KASSA_OK);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_ENOTFOUND);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM withdrawals"), 0);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx"), tx);
    assert_int_equal(fx_balance(f, b.id).available, 10000);

    /* Its own shop: held as any withdrawal, never beyond the balance. */
    cmd.shop_id = a.id;
    assert_int_equal(withdrawal_create_prepare(&cmd), KASSA_OK);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_OK);
    assert_int_equal(fx_balance(f, a.id).available, 7000);
    assert_int_equal(fx_balance(f, a.id).held, 3000);
    int64_t wa = cmd.w.id;
    snprintf(cmd.w.payment_id, sizeof cmd.w.payment_id, "w-2");
    cmd.w.amount = 7001;
    assert_int_equal(withdrawal_create_prepare(&cmd), KASSA_OK);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_EFUNDS);
    assert_int_equal(fx_balance(f, a.id).available, 7000);

    struct withdrawal_create_cmd wb;
    assert_int_equal(fx_withdraw(f, b.id, "b-1", 1000, "2200", &wb), KASSA_OK);
    struct withdrawal w;
    assert_int_equal(query_merchant_withdrawal(a.merchant_id, wa, &w), KASSA_OK);
    assert_int_equal(w.amount, 3000);
    assert_int_equal(query_merchant_withdrawal(a.merchant_id, wb.w.id, &w), KASSA_ENOTFOUND);
    assert_int_equal(query_merchant_withdrawal(b.merchant_id, wb.w.id, &w), KASSA_OK);

    struct withdrawal_filter wf = {.status = -1, .limit = 10};
    struct collected c = {0};
    assert_int_equal(query_merchant_withdrawals(a.merchant_id, &wf, collect_withdrawal, &c),
                     KASSA_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.ids[0], wa);
    fx_assert_verify_ok(f);
}

static void test_rotation_only_of_its_own_shop(void **state)
{
    struct fx *f = *state;
    struct shop a = shop_of(f, 0, "A"), b = shop_of(f, 0, "B");
    char msg[128];
    struct shop_rotate_cmd cmd = {.task.run = shop_rotate_apply,
                                  .shop_id = b.id,
                                  .overlap = 60,
                                  .merchant_id = a.merchant_id};
    snprintf(cmd.dialect, sizeof cmd.dialect, "panda");
    assert_int_equal(shop_rotate_prepare(&cmd, msg, sizeof msg), KASSA_OK);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_ENOTFOUND);
    assert_int_equal(fx_int(f,
                            "SELECT COUNT(*) FROM shop_dialects WHERE shop_id = %lld AND "
                            "api_key = '%s' AND old_valid_until = 0",
                            (long long)b.id, fx_row(&b, "panda")->api_key),
                     1);
    cmd.shop_id = a.id;
    assert_int_equal(shop_rotate_prepare(&cmd, msg, sizeof msg), KASSA_OK);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_OK);
    assert_string_equal(cmd.row.old_api_key, fx_row(&a, "panda")->api_key);
}

static void test_test_payment_moves_no_money(void **state)
{
    struct fx *f = *state;
    core_use_store(f->store);
    struct shop a = shop_of(f, 0, "A");
    fx_fund(f, &a, 5000);
    int64_t postings = fx_int(f, "SELECT COUNT(*) FROM postings");

    struct order_create_cmd cmd = {0};
    cmd.order.amount = 25000;
    snprintf(cmd.order.currency, sizeof cmd.order.currency, "RUB");
    assert_int_equal(merchant_test_order_prepare(&cmd, &a, fx_dialect_id("panda")), KASSA_OK);
    assert_true(cmd.order.test);
    assert_string_equal(cmd.order.requisite_type, "SBP");
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_OK);
    struct order done;
    assert_int_equal(fx_move(f, cmd.order.id, ORDER_COMPLETED, ACTOR_PROVIDER, &done), KASSA_OK);
    assert_int_equal(done.status, ORDER_COMPLETED);
    assert_true(done.test);
    assert_int_equal(fx_balance(f, a.id).available, 5000);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM postings"), postings);
    fx_assert_verify_ok(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reads_and_lists_are_the_merchants_only, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_withdrawal_only_from_its_own_shop, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_rotation_only_of_its_own_shop, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_test_payment_moves_no_money, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
