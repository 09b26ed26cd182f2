/* test_ledger.c: the ledger's self-check (store ledger_verify, behind
 * GET /admin/v1/ledger/verify): ok on a clean ledger, and each kind of
 * corruption planted with raw SQL into the test database is reported with
 * its account / transaction id. */
#include "money_fixture.h"

/* A small clean ledger: shop (2.5%) paid 1000.47 (fee 25.01), then a
 * withdrawal of 100.00 held. Accounts: 1 provider_clearing, 2 shop_available,
 * 3 platform_fees (created in the order of the completion's legs), 4
 * shop_held. Transactions: 1 order.completed, 2 withdrawal.created. */
static struct shop clean_ledger(struct fx *f)
{
    struct shop shop = fx_shop(f, "2.5", 0);
    fx_fund(f, &shop, 100047);
    assert_int_equal(fx_withdraw(f, shop.id, "w-1", 10000, "2200000000000000", NULL), KASSA_OK);
    assert_int_equal(fx_int(f, "SELECT id FROM accounts WHERE kind = 'provider_clearing'"), 1);
    assert_int_equal(fx_int(f, "SELECT id FROM accounts WHERE kind = 'shop_available'"), 2);
    assert_int_equal(fx_int(f, "SELECT id FROM accounts WHERE kind = 'platform_fees'"), 3);
    assert_int_equal(fx_int(f, "SELECT id FROM accounts WHERE kind = 'shop_held'"), 4);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx"), 2);
    assert_int_equal(fx_account(f, "shop_available", shop.id, "RUB"), 87546);
    assert_int_equal(fx_account(f, "shop_held", shop.id, "RUB"), 10000);
    return shop;
}

static void test_clean_ledger_ok(void **state)
{
    struct fx *f = *state;
    struct fx_verify v = fx_verify(f);
    assert_string_equal(v.text, "");
    assert_int_equal(v.accounts, 0);
    assert_int_equal(v.transactions, 0);
    clean_ledger(f);
    v = fx_verify(f);
    assert_string_equal(v.text, "");
    assert_int_equal(v.problems, 0);
    assert_int_equal(v.accounts, 4);
    assert_int_equal(v.transactions, 2);
}

/* (a) A posting's amount changed by hand: its account no longer matches its
 * postings and its transaction no longer sums to zero. */
static void test_corrupted_posting(void **state)
{
    struct fx *f = *state;
    struct shop shop = clean_ledger(f);
    int64_t pid = fx_int(f, "SELECT id FROM postings WHERE tx_id = 1 AND account_id = 2");
    assert_int_equal(fx_int(f, "SELECT amount FROM postings WHERE id = %lld", (long long)pid),
                     97546);
    fx_exec(f, "UPDATE postings SET amount = 97547 WHERE id = %lld", (long long)pid);
    struct fx_verify v = fx_verify(f);
    char want[512];
    snprintf(want, sizeof want,
             "account 2 (shop_available, shop %lld, RUB): balance 87546 but its postings sum to "
             "87547\n"
             "transaction 1 (order.completed): postings in RUB sum to 1, not 0",
             (long long)shop.id);
    assert_string_equal(v.text, want);
    assert_int_equal(v.problems, 2);
    /* Put it back: clean again. */
    fx_exec(f, "UPDATE postings SET amount = 97546 WHERE id = %lld", (long long)pid);
    fx_assert_verify_ok(f);
}

/* (b) An account balance edited by hand. */
static void test_edited_balance(void **state)
{
    struct fx *f = *state;
    struct shop shop = clean_ledger(f);
    fx_exec(f, "UPDATE accounts SET balance = balance + 100000 WHERE id = 4");
    struct fx_verify v = fx_verify(f);
    char want[512];
    snprintf(want, sizeof want,
             "account 4 (shop_held, shop %lld, RUB): balance 110000 but its postings sum to 10000",
             (long long)shop.id);
    assert_string_equal(v.text, want);
    /* A platform account too. */
    fx_exec(f, "UPDATE accounts SET balance = 10000 WHERE id = 4");
    fx_exec(f, "UPDATE accounts SET balance = -1 WHERE id = 3");
    v = fx_verify(f);
    assert_string_equal(v.text,
                        "account 3 (platform_fees, shop 0, RUB): balance -1 but its postings sum "
                        "to 2501");
    fx_exec(f, "UPDATE accounts SET balance = 2501 WHERE id = 3");
    fx_assert_verify_ok(f);
}

/* (c) A transaction whose postings do not sum to zero, with every account
 * kept in step with its postings (so only the transaction check sees it). */
static void test_unbalanced_transaction(void **state)
{
    struct fx *f = *state;
    clean_ledger(f);
    fx_exec(f, "INSERT INTO ledger_tx(id, kind, ref_type, ref_id, created_at) "
               "VALUES (77, 'forged', 'order', 1, 0)");
    fx_exec(f, "INSERT INTO postings(tx_id, account_id, amount) VALUES (77, 3, 500)");
    fx_exec(f, "UPDATE accounts SET balance = balance + 500 WHERE id = 3");
    struct fx_verify v = fx_verify(f);
    assert_string_equal(v.text, "transaction 77 (forged): postings in RUB sum to 500, not 0");
    assert_int_equal(v.transactions, 3);
    /* A transaction with no postings at all is reported too. */
    fx_exec(f, "DELETE FROM postings WHERE tx_id = 77");
    fx_exec(f, "UPDATE accounts SET balance = balance - 500 WHERE id = 3");
    v = fx_verify(f);
    assert_string_equal(v.text, "transaction 77 (forged): has no postings");
    fx_exec(f, "DELETE FROM ledger_tx WHERE id = 77");
    fx_assert_verify_ok(f);
}

/* (d) A shop account whose postings take it below zero (the stored balance
 * cannot: the CHECK refuses it). */
static void test_negative_shop_account(void **state)
{
    struct fx *f = *state;
    struct shop shop = clean_ledger(f);
    /* Move 1000.00 from the shop's held (10000) to payouts in a balanced
     * transaction, keeping the stored balance at 0 (so only the sign shows). */
    fx_exec(f, "INSERT INTO ledger_tx(id, kind, ref_type, ref_id, created_at) "
               "VALUES (90, 'forged', 'withdrawal', 1, 0)");
    fx_exec(f, "INSERT INTO postings(tx_id, account_id, amount) VALUES (90, 4, -100000)");
    fx_exec(f, "INSERT INTO accounts(id, kind, shop_id, currency) VALUES (5, 'payouts', 0, 'RUB')");
    fx_exec(f, "INSERT INTO postings(tx_id, account_id, amount) VALUES (90, 5, 100000)");
    fx_exec(f, "UPDATE accounts SET balance = 100000 WHERE id = 5");
    fx_exec(f, "UPDATE accounts SET balance = 0 WHERE id = 4");
    struct fx_verify v = fx_verify(f);
    char want[512];
    snprintf(want, sizeof want,
             "account 4 (shop_held, shop %lld, RUB): balance 0 but its postings sum to -90000\n"
             "account 4 (shop_held, shop %lld, RUB) is negative: -90000",
             (long long)shop.id, (long long)shop.id);
    assert_string_equal(v.text, want);
    /* The CHECK: a shop's held balance cannot be stored below zero (its
     * available can since 019: a reversal's debt). */
    char *msg = NULL;
    assert_int_not_equal(
        sqlite3_exec(f->raw, "UPDATE accounts SET balance = -1 WHERE id = 4", NULL, NULL, &msg),
        SQLITE_OK);
    sqlite3_free(msg);
}

/* A debt a reversal left is no problem for verify; the same debt left by
 * any other transaction kind is. */
static void test_reversal_debt_is_no_problem(void **state)
{
    struct fx *f = *state;
    struct shop shop = clean_ledger(f);
    /* 875.46 available, 100.00 held: reverse the completion (the fee goes
     * back): available -975.46 -> -100.00 */
    struct order done = fx_get(f, 1);
    assert_int_equal(fx_move(f, done.id, ORDER_REVERSED, ACTOR_OPERATOR, NULL), KASSA_OK);
    assert_int_equal(fx_account(f, "shop_available", shop.id, "RUB"), -10000);
    assert_int_equal(fx_account(f, "platform_fees", 0, "RUB"), 0);
    assert_int_equal(fx_account(f, "provider_clearing", 0, "RUB"), 0);
    fx_assert_verify_ok(f);
    /* the same postings under another kind: a negative balance nothing explains */
    fx_exec(f, "UPDATE ledger_tx SET kind = 'forged' WHERE kind = 'order.reversed'");
    struct fx_verify v = fx_verify(f);
    char want[512];
    snprintf(want, sizeof want, "account 2 (shop_available, shop %lld, RUB) is negative: -10000",
             (long long)shop.id);
    assert_string_equal(v.text, want);
}

/* What the core hands the store's ledger_post (a fake store). */
static struct posting handed[8];
static size_t nhanded;

static kassa_err record_post(struct store_conn *c, const char *kind, const char *ref_type,
                             int64_t ref_id, int64_t now, const struct posting *p, size_t n)
{
    (void)c, (void)kind, (void)ref_type, (void)ref_id, (void)now;
    memcpy(handed, p, n * sizeof *p);
    nhanded = n;
    return KASSA_OK;
}

/* "A shop's balance never goes below zero" is the core's rule: it gives a
 * debit of a shop's accounts (available, held) the zero floor and no other
 * posting, whatever the caller set (a credit never needs it, and must pass
 * onto a debt); a reversal's debit has none (it may leave a debt). The
 * store only applies the floor. */
static void test_core_sets_the_floor(void **state)
{
    (void)state;
    struct store_ops ops = {.name = "fake", .ledger_post = record_post};
    struct store_conn c = {.ops = &ops};
    struct posting p[5] = {
        {.kind = ACC_SHOP_AVAILABLE, .shop_id = 7, .currency = "RUB", .amount = -300},
        {.kind = ACC_SHOP_HELD, .shop_id = 7, .currency = "RUB", .amount = -100},
        {.kind = ACC_PLATFORM_FEES, .currency = "RUB", .amount = 50, .floor_zero = true},
        {.kind = ACC_PAYOUTS, .currency = "RUB", .amount = 150},
        {.kind = ACC_SHOP_AVAILABLE,
         .shop_id = 8,
         .currency = "RUB",
         .amount = 200,
         .floor_zero = true},
    };
    assert_int_equal(ledger_post(&c, "test", "test", 1, p, 5), KASSA_OK);
    assert_int_equal(nhanded, 5);
    assert_true(handed[0].floor_zero);
    assert_true(handed[1].floor_zero);
    assert_false(handed[2].floor_zero);
    assert_false(handed[3].floor_zero);
    assert_false(handed[4].floor_zero);
    assert_int_equal(ledger_post(&c, LEDGER_KIND_ORDER_REVERSED, "order", 1, p, 5), KASSA_OK);
    for (size_t i = 0; i < 5; i++)
        assert_false(handed[i].floor_zero);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_sets_the_floor),
        cmocka_unit_test_setup_teardown(test_clean_ledger_ok, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_corrupted_posting, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_edited_balance, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_unbalanced_transaction, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_negative_shop_account, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reversal_debt_is_no_problem, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
