/* test_withdrawal.c: withdrawals (core/withdrawal.c): create moves the
 * amount from available to held, complete from held to payouts, reject from
 * held back to available, each once; a short balance stores nothing; the
 * same payment_id replays or conflicts; and many threads racing through the
 * real group-commit writer for one balance never overdraw it. */
#include <pthread.h>

#include "money_fixture.h"

static int64_t rows(struct fx *f, const char *table)
{
    return fx_int(f, "SELECT COUNT(*) FROM %s", table);
}

static void expect_balances(struct fx *f, int64_t shop_id, int64_t available, int64_t held,
                            int64_t payouts)
{
    struct fx_bal b = fx_balance(f, shop_id);
    assert_int_equal(b.available, available);
    assert_int_equal(b.held, held);
    assert_int_equal(fx_account(f, "payouts", 0, "RUB"), payouts);
    assert_int_equal(fx_ledger_sum(f), 0);
    fx_assert_verify_ok(f);
}

static void test_create_complete_reject(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "0", 0);
    fx_fund(f, &shop, 10000); /* 100.00 */
    expect_balances(f, shop.id, 10000, 0, 0);

    /* create 30.00: available -> held */
    struct withdrawal_create_cmd c1;
    assert_int_equal(fx_withdraw(f, shop.id, "w-1", 3000, "2200111122223333", &c1), KASSA_OK);
    assert_false(c1.replayed);
    assert_true(c1.w.id > 0);
    assert_int_equal(c1.w.status, WITHDRAWAL_PENDING);
    assert_int_equal(c1.w.shop_id, shop.id);
    expect_balances(f, shop.id, 7000, 3000, 0);
    assert_int_equal(fx_int(f,
                            "SELECT COUNT(*) FROM ledger_tx WHERE kind = 'withdrawal.created' "
                            "AND ref_type = 'withdrawal' AND ref_id = %lld",
                            (long long)c1.w.id),
                     1);

    /* complete: held -> payouts; once */
    struct withdrawal w;
    assert_int_equal(fx_decide(f, c1.w.id, true, &w), KASSA_OK);
    assert_int_equal(w.status, WITHDRAWAL_COMPLETED);
    assert_true(w.completed_at > 0);
    expect_balances(f, shop.id, 7000, 0, 3000);
    int64_t tx = rows(f, "ledger_tx");
    assert_int_equal(fx_decide(f, c1.w.id, true, &w), KASSA_ESTATE);
    assert_int_equal(w.status, WITHDRAWAL_COMPLETED);
    assert_int_equal(fx_decide(f, c1.w.id, false, &w), KASSA_ESTATE);
    expect_balances(f, shop.id, 7000, 0, 3000);
    assert_int_equal(rows(f, "ledger_tx"), tx);

    /* create 20.00 and reject: held -> available; once */
    struct withdrawal_create_cmd c2;
    assert_int_equal(fx_withdraw(f, shop.id, "w-2", 2000, "2200111122223333", &c2), KASSA_OK);
    expect_balances(f, shop.id, 5000, 2000, 3000);
    assert_int_equal(fx_decide(f, c2.w.id, false, &w), KASSA_OK);
    assert_int_equal(w.status, WITHDRAWAL_REJECTED);
    expect_balances(f, shop.id, 7000, 0, 3000);
    tx = rows(f, "ledger_tx");
    assert_int_equal(fx_decide(f, c2.w.id, false, &w), KASSA_ESTATE);
    assert_int_equal(w.status, WITHDRAWAL_REJECTED);
    assert_int_equal(fx_decide(f, c2.w.id, true, &w), KASSA_ESTATE);
    expect_balances(f, shop.id, 7000, 0, 3000);
    assert_int_equal(rows(f, "ledger_tx"), tx);

    /* unknown id */
    assert_int_equal(fx_decide(f, c2.w.id + 100, true, NULL), KASSA_ENOTFOUND);

    /* The stored rows. */
    struct store_conn *c = store_reader(f->store);
    assert_int_equal(STORE_CALL(c, withdrawal_get, shop.id, 0, "w-1", &w), KASSA_OK);
    assert_int_equal(w.status, WITHDRAWAL_COMPLETED);
    assert_int_equal(w.amount, 3000);
    assert_string_equal(w.account, "2200111122223333");
    assert_int_equal(STORE_CALL(c, withdrawal_get, 0, c2.w.id, NULL, &w), KASSA_OK);
    assert_int_equal(w.status, WITHDRAWAL_REJECTED);
    store_release(c);
    /* kinds of the five ledger transactions */
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx WHERE kind IN "
                               "('withdrawal.created', 'withdrawal.completed', "
                               "'withdrawal.rejected')"),
                     4);
}

static void test_insufficient_funds(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "0", 0);
    struct shop poor = fx_shop(f, "0", 0);
    fx_fund(f, &shop, 10000);

    int64_t tx = rows(f, "ledger_tx"), postings = rows(f, "postings");
    struct withdrawal_create_cmd cmd;
    assert_int_equal(fx_withdraw(f, shop.id, "big", 10001, "acc", &cmd), KASSA_EFUNDS);
    assert_int_equal(rows(f, "withdrawals"), 0);
    assert_int_equal(rows(f, "ledger_tx"), tx);
    assert_int_equal(rows(f, "postings"), postings);
    expect_balances(f, shop.id, 10000, 0, 0);

    /* A shop with no account at all. */
    assert_int_equal(fx_withdraw(f, poor.id, "p", 1, "acc", NULL), KASSA_EFUNDS);
    assert_int_equal(rows(f, "withdrawals"), 0);
    assert_int_equal(fx_balance(f, poor.id).available, 0);

    /* Exactly the balance is allowed; then the next kopeck is not. */
    assert_int_equal(fx_withdraw(f, shop.id, "all", 10000, "acc", NULL), KASSA_OK);
    expect_balances(f, shop.id, 0, 10000, 0);
    assert_int_equal(fx_withdraw(f, shop.id, "one-more", 1, "acc", NULL), KASSA_EFUNDS);
    assert_int_equal(rows(f, "withdrawals"), 1);
    /* The refused payment_id is free: after a reject it goes through. */
    struct store_conn *c = store_reader(f->store);
    struct withdrawal w;
    assert_int_equal(STORE_CALL(c, withdrawal_get, shop.id, 0, "all", &w), KASSA_OK);
    store_release(c);
    assert_int_equal(fx_decide(f, w.id, false, NULL), KASSA_OK);
    assert_int_equal(fx_withdraw(f, shop.id, "big", 10000, "acc", NULL), KASSA_OK);
    expect_balances(f, shop.id, 0, 10000, 0);

    /* prepare refuses bad input before anything is stored */
    struct withdrawal_create_cmd bad = {.shop_id = shop.id};
    snprintf(bad.w.payment_id, sizeof bad.w.payment_id, "x");
    snprintf(bad.w.account, sizeof bad.w.account, "acc");
    snprintf(bad.w.currency, sizeof bad.w.currency, "XYZ");
    bad.w.amount = 100;
    assert_int_equal(withdrawal_create_prepare(&bad), KASSA_ECURRENCY);
    snprintf(bad.w.currency, sizeof bad.w.currency, "RUB");
    bad.w.amount = 0;
    assert_int_equal(withdrawal_create_prepare(&bad), KASSA_EMONEY_ZERO);
    bad.w.amount = -5;
    assert_int_equal(withdrawal_create_prepare(&bad), KASSA_EMONEY_ZERO);
    bad.w.amount = 100;
    bad.w.account[0] = '\0';
    assert_int_equal(withdrawal_create_prepare(&bad), KASSA_EINVAL);
    snprintf(bad.w.account, sizeof bad.w.account, "acc");
    bad.w.payment_id[0] = '\0';
    assert_int_equal(withdrawal_create_prepare(&bad), KASSA_EINVAL);
}

static void test_payment_id_replay_and_conflict(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "0", 0);
    struct shop other = fx_shop(f, "0", 0);
    fx_fund(f, &shop, 10000);
    fx_fund(f, &other, 500);

    struct withdrawal_create_cmd first, again;
    assert_int_equal(fx_withdraw(f, shop.id, "pay-7", 2500, "2200", &first), KASSA_OK);
    assert_false(first.replayed);
    expect_balances(f, shop.id, 7500, 2500, 0);
    int64_t tx = rows(f, "ledger_tx");

    /* same parameters: the existing withdrawal, nothing moves */
    assert_int_equal(fx_withdraw(f, shop.id, "pay-7", 2500, "2200", &again), KASSA_OK);
    assert_true(again.replayed);
    assert_int_equal(again.w.id, first.w.id);
    assert_int_equal(again.w.amount, 2500);
    assert_int_equal(rows(f, "withdrawals"), 1);
    assert_int_equal(rows(f, "ledger_tx"), tx);
    expect_balances(f, shop.id, 7500, 2500, 0);

    /* different amount / account: conflict, nothing moves */
    assert_int_equal(fx_withdraw(f, shop.id, "pay-7", 2501, "2200", NULL), KASSA_ECONFLICT);
    assert_int_equal(fx_withdraw(f, shop.id, "pay-7", 2500, "2201", NULL), KASSA_ECONFLICT);
    assert_int_equal(rows(f, "withdrawals"), 1);
    assert_int_equal(rows(f, "ledger_tx"), tx);
    expect_balances(f, shop.id, 7500, 2500, 0);

    /* after completion, the same request still answers the same withdrawal */
    assert_int_equal(fx_decide(f, first.w.id, true, NULL), KASSA_OK);
    assert_int_equal(fx_withdraw(f, shop.id, "pay-7", 2500, "2200", &again), KASSA_OK);
    assert_true(again.replayed);
    assert_int_equal(again.w.status, WITHDRAWAL_COMPLETED);
    expect_balances(f, shop.id, 7500, 0, 2500);

    /* payment_id is per shop: the other shop may use it */
    assert_int_equal(fx_withdraw(f, other.id, "pay-7", 500, "2200", &again), KASSA_OK);
    assert_false(again.replayed);
    assert_int_not_equal(again.w.id, first.w.id);
    assert_int_equal(fx_balance(f, other.id).available, 0);
    assert_int_equal(fx_balance(f, other.id).held, 500);
    assert_int_equal(fx_balance(f, shop.id).available, 7500);
}

/* ---- concurrency ---- */

#define THREADS 16
#define PER_THREAD 4

struct racer {
    struct fx *f;
    int64_t shop_id;
    int index;
    int ok, funds, other;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char pid[64];
        snprintf(pid, sizeof pid, "t%d-%d", r->index, i);
        kassa_err err = fx_withdraw(r->f, r->shop_id, pid, 700, "2200", NULL);
        if (err == KASSA_OK)
            r->ok++;
        else if (err == KASSA_EFUNDS)
            r->funds++;
        else
            r->other++;
    }
    return NULL;
}

/* 16 threads x 4 withdrawals of 7.00 against 100.00: exactly 14 succeed. */
static void test_concurrent_withdrawals(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "0", 0);
    fx_fund(f, &shop, 10000);
    pthread_t th[THREADS];
    struct racer r[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i] = (struct racer){.f = f, .shop_id = shop.id, .index = i};
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    int ok = 0, funds = 0, other = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        ok += r[i].ok;
        funds += r[i].funds;
        other += r[i].other;
    }
    assert_int_equal(other, 0);
    assert_int_equal(ok, 14);
    assert_int_equal(funds, THREADS * PER_THREAD - 14);
    expect_balances(f, shop.id, 200, 9800, 0);
    assert_int_equal(rows(f, "withdrawals"), 14);
    assert_int_equal(fx_int(f, "SELECT COALESCE(SUM(amount), 0) FROM withdrawals"), 9800);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx WHERE kind = "
                               "'withdrawal.created'"),
                     14);
}

/* Many threads decide the same withdrawals at once: each is decided once. */
struct decider {
    struct fx *f;
    int64_t first_id;
    int n;
    bool complete;
    int ok, state;
};

static void *decide(void *arg)
{
    struct decider *d = arg;
    for (int i = 0; i < d->n; i++) {
        kassa_err err = fx_decide(d->f, d->first_id + i, d->complete, NULL);
        if (err == KASSA_OK)
            d->ok++;
        else if (err == KASSA_ESTATE)
            d->state++;
    }
    return NULL;
}

static void test_concurrent_decisions(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "0", 0);
    fx_fund(f, &shop, 10000);
    int64_t first = 0;
    for (int i = 0; i < 10; i++) {
        struct withdrawal_create_cmd cmd;
        char pid[16];
        snprintf(pid, sizeof pid, "d%d", i);
        assert_int_equal(fx_withdraw(f, shop.id, pid, 1000, "2200", &cmd), KASSA_OK);
        if (i == 0)
            first = cmd.w.id;
    }
    expect_balances(f, shop.id, 0, 10000, 0);
    pthread_t th[8];
    struct decider d[8];
    for (int i = 0; i < 8; i++) {
        d[i] = (struct decider){.f = f, .first_id = first, .n = 10, .complete = i % 2 == 0};
        assert_int_equal(pthread_create(&th[i], NULL, decide, &d[i]), 0);
    }
    int ok = 0, refused = 0, completed = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ok += d[i].ok;
        refused += d[i].state;
        if (d[i].complete)
            completed += d[i].ok;
    }
    assert_int_equal(ok, 10);
    assert_int_equal(refused, 70);
    /* every withdrawal ended either paid out or back in available */
    expect_balances(f, shop.id, (10 - completed) * 1000, 0, completed * 1000);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM withdrawals WHERE status = 1"), completed);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM withdrawals WHERE status = 2"),
                     10 - completed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_complete_reject, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_insufficient_funds, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_payment_id_replay_and_conflict, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_withdrawals, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_decisions, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
