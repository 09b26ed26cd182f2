/* test_core.c: the order state machine (core/lifecycle.c) over every pair
 * of states and every actor, fees as stored, and the ledger balances after
 * each operation (core/ledger.c), all through the real group-commit writer
 * on a temp SQLite store. */
#include "core/method.h"
#include "money_fixture.h"
#include "base/hex.h"
#include "base/random.h"
#include "kassa/money.h"

#define NSTATES 7
#define NACTORS 5

static const char *const actor_names[NACTORS] = {"merchant", "payer", "operator", "provider",
                                                 "system"};

/* DESIGN.md "Orders", written out independently of lifecycle.c. */
static bool expected_allowed(enum order_status from, enum order_status to, enum actor a)
{
    if (from == ORDER_PENDING && (to == ORDER_COMPLETED || to == ORDER_FAILED))
        return a == ACTOR_PROVIDER || a == ACTOR_OPERATOR;
    if (from == ORDER_PENDING && to == ORDER_EXPIRED)
        return a == ACTOR_SYSTEM;
    if (from == ORDER_PENDING && to == ORDER_CANCELED)
        return a == ACTOR_MERCHANT || a == ACTOR_OPERATOR;
    if (from == ORDER_EXPIRED && to == ORDER_COMPLETED)
        return a == ACTOR_OPERATOR;
    if (from == ORDER_COMPLETED && to == ORDER_REVERSED)
        return a == ACTOR_OPERATOR;
    return false;
}

static void test_allowed_table(void **state)
{
    (void)state;
    int allowed = 0;
    for (int from = 0; from < NSTATES; from++)
        for (int to = 0; to < NSTATES; to++)
            for (int a = 0; a < NACTORS; a++) {
                bool want = expected_allowed(from, to, a);
                if (order_transition_allowed(from, to, a) != want)
                    fail_msg("%s -> %s by %s: allowed should be %d", order_status_name(from),
                             order_status_name(to), actor_names[a], want);
                allowed += want;
            }
    /* pending->completed 2, ->failed 2, ->expired 1, ->canceled 2, expired->completed 1,
     * completed->reversed 1 */
    assert_int_equal(allowed, 9);
}

/* Bring a fresh order (100.47 RUB at the shop's fee) into `st` through
 * allowed transitions only. */
static struct order order_in(struct fx *f, const struct shop *shop, enum order_status st)
{
    struct order o = fx_order(f, shop, 10047, st == ORDER_NO_REQUISITE ? "card" : "", false);
    switch (st) {
    case ORDER_PENDING:
        break;
    case ORDER_NO_REQUISITE:
        assert_int_equal(o.status, ORDER_NO_REQUISITE);
        break;
    case ORDER_COMPLETED:
        assert_int_equal(fx_move(f, o.id, ORDER_COMPLETED, ACTOR_PROVIDER, NULL), KASSA_OK);
        break;
    case ORDER_FAILED:
        assert_int_equal(fx_move(f, o.id, ORDER_FAILED, ACTOR_PROVIDER, NULL), KASSA_OK);
        break;
    case ORDER_EXPIRED:
        assert_int_equal(fx_move(f, o.id, ORDER_EXPIRED, ACTOR_SYSTEM, NULL), KASSA_OK);
        break;
    case ORDER_CANCELED:
        assert_int_equal(fx_move(f, o.id, ORDER_CANCELED, ACTOR_MERCHANT, NULL), KASSA_OK);
        break;
    case ORDER_REVERSED:
        assert_int_equal(fx_move(f, o.id, ORDER_COMPLETED, ACTOR_OPERATOR, NULL), KASSA_OK);
        assert_int_equal(fx_move(f, o.id, ORDER_REVERSED, ACTOR_OPERATOR, NULL), KASSA_OK);
        break;
    }
    o = fx_get(f, o.id);
    assert_int_equal(o.status, st);
    return o;
}

struct snapshot {
    int64_t events, ledger_tx, postings, sum;
    int64_t available, fees, clearing;
    struct order o;
};

static struct snapshot snap(struct fx *f, const struct shop *shop, int64_t order_id)
{
    struct snapshot s;
    s.events = fx_int(f, "SELECT COUNT(*) FROM events");
    s.ledger_tx = fx_int(f, "SELECT COUNT(*) FROM ledger_tx");
    s.postings = fx_int(f, "SELECT COUNT(*) FROM postings");
    s.sum = fx_ledger_sum(f);
    s.available = fx_account(f, "shop_available", shop->id, "RUB");
    s.fees = fx_account(f, "platform_fees", 0, "RUB");
    s.clearing = fx_account(f, "provider_clearing", 0, "RUB");
    s.o = fx_get(f, order_id);
    return s;
}

/* Every (from, to, actor): allowed ones move the order, write one event row
 * (and, for a completion, one balanced ledger transaction); refused ones
 * answer KASSA_ESTATE and change nothing at all. */
static void test_every_transition(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "2.5", 0);
    int64_t fee = 251; /* 2.5% of 100.47 = 2.51175 -> 2.51 */
    int done = 0, refused = 0;
    for (int from = 0; from < NSTATES; from++)
        for (int to = 0; to < NSTATES; to++)
            for (int a = 0; a < NACTORS; a++) {
                struct order o = order_in(f, &shop, from);
                assert_int_equal(o.fee, fee);
                struct snapshot before = snap(f, &shop, o.id);
                struct order seen;
                kassa_err err = fx_move(f, o.id, to, a, &seen);
                struct snapshot after = snap(f, &shop, o.id);
                const char *what = order_status_name(to);
                if (!expected_allowed(from, to, a)) {
                    if (err != KASSA_ESTATE)
                        fail_msg("%s -> %s by %s: got %d, want KASSA_ESTATE",
                                 order_status_name(from), what, actor_names[a], err);
                    assert_int_equal(after.o.status, from);
                    assert_int_equal(after.o.updated_at, before.o.updated_at);
                    assert_int_equal(after.o.paid_at, before.o.paid_at);
                    assert_int_equal(after.events, before.events);
                    assert_int_equal(after.ledger_tx, before.ledger_tx);
                    assert_int_equal(after.postings, before.postings);
                    assert_int_equal(after.available, before.available);
                    assert_int_equal(after.fees, before.fees);
                    assert_int_equal(after.clearing, before.clearing);
                    refused++;
                    continue;
                }
                if (err != KASSA_OK)
                    fail_msg("%s -> %s by %s: got %d, want KASSA_OK", order_status_name(from), what,
                             actor_names[a], err);
                assert_int_equal(seen.status, to);
                assert_int_equal(after.o.status, to);
                assert_int_equal(after.events, before.events + 1);
                assert_int_equal(fx_int(f,
                                        "SELECT COUNT(*) FROM events WHERE order_id = %lld AND "
                                        "kind = 'order.%s' AND status = %d AND shop_id = %lld",
                                        (long long)o.id, what, to, (long long)shop.id),
                                 1);
                if (to == ORDER_COMPLETED) {
                    assert_true(after.o.paid_at > 0);
                    assert_int_equal(after.ledger_tx, before.ledger_tx + 1);
                    assert_int_equal(after.postings, before.postings + 3);
                    assert_int_equal(after.available, before.available + 10047 - fee);
                    assert_int_equal(after.fees, before.fees + fee);
                    assert_int_equal(after.clearing, before.clearing - 10047);
                    assert_int_equal(fx_int(f,
                                            "SELECT COUNT(*) FROM ledger_tx WHERE ref_type = "
                                            "'order' AND ref_id = %lld AND kind = "
                                            "'order.completed'",
                                            (long long)o.id),
                                     1);
                } else if (to == ORDER_REVERSED) {
                    /* the completion undone, its fee returned (the default) */
                    assert_int_equal(after.o.paid_at, before.o.paid_at);
                    assert_true(after.o.reversed_at > 0);
                    assert_int_equal(after.ledger_tx, before.ledger_tx + 1);
                    assert_int_equal(after.postings, before.postings + 3);
                    assert_int_equal(after.available, before.available - (10047 - fee));
                    assert_int_equal(after.fees, before.fees - fee);
                    assert_int_equal(after.clearing, before.clearing + 10047);
                } else {
                    assert_int_equal(after.o.paid_at, 0);
                    assert_int_equal(after.ledger_tx, before.ledger_tx);
                    assert_int_equal(after.available, before.available);
                    assert_int_equal(after.fees, before.fees);
                }
                assert_int_equal(after.sum, 0);
                done++;
            }
    assert_int_equal(done, 9);
    assert_int_equal(refused, NSTATES * NSTATES * NACTORS - 9);
    /* Completed: pending->completed by provider and operator, expired->completed by operator,
     * plus the orders brought into "completed" for the from=completed rows (35), less the one
     * completed->reversed (the from=reversed rows' orders were completed and reversed). */
    int64_t completions = 3 + NSTATES * NACTORS - 1;
    assert_int_equal(fx_account(f, "shop_available", shop.id, "RUB"), completions * (10047 - fee));
    assert_int_equal(fx_account(f, "platform_fees", 0, "RUB"), completions * fee);
    assert_int_equal(fx_account(f, "provider_clearing", 0, "RUB"), -completions * 10047);
    fx_assert_verify_ok(f);
}

/* A transition decided on a stale read is refused by the conditional update
 * (another command moved the order in between), and changes nothing. */
struct stale_cmd {
    struct store_task task;
    struct order o; /* as read before */
    enum order_status to;
};

static kassa_err stale_apply(struct store_conn *c, struct store_task *task)
{
    struct stale_cmd *cmd = container_of(task, struct stale_cmd, task);
    return order_transition(c, &cmd->o, cmd->to, ACTOR_OPERATOR);
}

static void test_stale_state_refused(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "0", 0);
    struct order o = fx_order(f, &shop, 5000, "", false);
    struct stale_cmd cmd = {.task.run = stale_apply, .o = o, .to = ORDER_COMPLETED};
    assert_int_equal(fx_move(f, o.id, ORDER_FAILED, ACTOR_PROVIDER, NULL), KASSA_OK);
    int64_t events = fx_int(f, "SELECT COUNT(*) FROM events");
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_ESTATE);
    /* read again on refusal: the state that refused it */
    assert_int_equal(cmd.o.status, ORDER_FAILED);
    assert_int_equal(fx_get(f, o.id).status, ORDER_FAILED);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM events"), events);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx"), 0);
    assert_int_equal(fx_account(f, "shop_available", shop.id, "RUB"), 0);
    /* Completing the same pending order twice: the second is refused. */
    struct order p = fx_order(f, &shop, 5000, "", false);
    assert_int_equal(fx_move(f, p.id, ORDER_COMPLETED, ACTOR_OPERATOR, NULL), KASSA_OK);
    assert_int_equal(fx_move(f, p.id, ORDER_COMPLETED, ACTOR_OPERATOR, NULL), KASSA_ESTATE);
    assert_int_equal(fx_account(f, "shop_available", shop.id, "RUB"), 5000);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx"), 1);
    /* Unknown order. */
    assert_int_equal(fx_move(f, p.id + 1000, ORDER_COMPLETED, ACTOR_OPERATOR, NULL),
                     KASSA_ENOTFOUND);
    fx_assert_verify_ok(f);
}

/* The percent of an amount, as kassa_money_percent computes it. */
static int64_t pct(int64_t amount, const char *percent)
{
    int64_t out = -1;
    assert_int_equal(kassa_money_percent(amount, percent, &out), KASSA_OK);
    return out;
}

static void test_fee_rounding(void **state)
{
    (void)state;
    assert_int_equal(pct(100047, "2.5"), 2501); /* 25.01175 -> 25.01 */
    assert_int_equal(pct(100, "0.5"), 1);       /* 0.005 -> 0.01 (half up) */
    assert_int_equal(pct(99, "0.5"), 0);        /* 0.00495 -> 0.00 */
    assert_int_equal(pct(100, "0.4999"), 0);    /* 0.004999 -> 0.00 */
    assert_int_equal(pct(101, "0.4999"), 1);    /* 0.00504899 -> 0.01 */
    assert_int_equal(pct(10000, "0.4999"), 50); /* 0.4999 -> 0.50 */
    assert_int_equal(pct(100047, "0"), 0);
    assert_int_equal(pct(100047, "0.0000"), 0);
    assert_int_equal(pct(100047, "100"), 100047);
    assert_int_equal(pct(1, "50"), 1); /* 0.005 -> 0.01 */
    int64_t out;
    assert_int_equal(kassa_money_percent(100, "0.00001", &out), KASSA_EMONEY_SYNTAX);
    assert_int_equal(kassa_money_percent(100, "100.0001", &out), KASSA_EMONEY_RANGE);
}

/* The fee an order gets comes from the shop's percent text as stored. */
static void test_fee_from_stored_tariff(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *percent;
        int64_t amount, fee;
    } cases[] = {
        {"2.5", 100047, 2501}, {"0.5", 100, 1},  {"0.4999", 100, 0},
        {"0.4999", 101, 1},    {"0", 100047, 0}, {"12.3456", 99999, 12345},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct shop created = fx_shop(f, cases[i].percent, 0);
        struct shop stored;
        struct store_conn *c = store_reader(f->store);
        assert_int_equal(STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, created.id, &stored), KASSA_OK);
        store_release(c);
        assert_string_equal(stored.fee_percent, cases[i].percent);
        struct order o = fx_order(f, &stored, cases[i].amount, "", false);
        if (o.fee != cases[i].fee)
            fail_msg("%s%% of %lld: fee %lld, want %lld", cases[i].percent,
                     (long long)cases[i].amount, (long long)o.fee, (long long)cases[i].fee);
        /* Completion credits exactly amount - fee and fee. */
        assert_int_equal(fx_move(f, o.id, ORDER_COMPLETED, ACTOR_OPERATOR, NULL), KASSA_OK);
        assert_int_equal(fx_balance(f, stored.id).available, cases[i].amount - cases[i].fee);
    }
    /* 12.3456% of 999.99 = 123.4527654 -> 123.45 */
    fx_assert_verify_ok(f);
}

/* Balances after each operation, to the kopeck. */
static void test_ledger_balances(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "2.5", 0);
    struct shop other = fx_shop(f, "0", 0);
    struct fx_bal b = fx_balance(f, shop.id);
    assert_int_equal(b.currencies, 0);
    fx_assert_verify_ok(f);

    /* complete 1000.47 at 2.5%: shop 975.46, fees 25.01, clearing -1000.47 */
    struct order o1 = fx_order(f, &shop, 100047, "", false);
    assert_int_equal(o1.fee, 2501);
    assert_int_equal(fx_move(f, o1.id, ORDER_COMPLETED, ACTOR_OPERATOR, NULL), KASSA_OK);
    b = fx_balance(f, shop.id);
    assert_int_equal(b.currencies, 1);
    assert_int_equal(b.available, 97546);
    assert_int_equal(b.held, 0);
    assert_int_equal(fx_account(f, "platform_fees", 0, "RUB"), 2501);
    assert_int_equal(fx_account(f, "provider_clearing", 0, "RUB"), -100047);
    assert_int_equal(fx_account(f, "payouts", 0, "RUB"), 0);
    assert_int_equal(fx_ledger_sum(f), 0);

    /* failed, canceled and expired orders move nothing */
    struct order o2 = fx_order(f, &shop, 5000, "", false);
    struct order o3 = fx_order(f, &shop, 6000, "", false);
    struct order o4 = fx_order(f, &shop, 7000, "", false);
    assert_int_equal(fx_move(f, o2.id, ORDER_FAILED, ACTOR_OPERATOR, NULL), KASSA_OK);
    assert_int_equal(fx_move(f, o3.id, ORDER_CANCELED, ACTOR_MERCHANT, NULL), KASSA_OK);
    assert_int_equal(fx_move(f, o4.id, ORDER_EXPIRED, ACTOR_SYSTEM, NULL), KASSA_OK);
    assert_int_equal(fx_balance(f, shop.id).available, 97546);
    assert_int_equal(fx_account(f, "platform_fees", 0, "RUB"), 2501);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx"), 1);

    /* late payment: expired 70.00 completed by the operator: +68.25, fee 1.75 */
    assert_int_equal(o4.fee, 175);
    assert_int_equal(fx_move(f, o4.id, ORDER_COMPLETED, ACTOR_OPERATOR, NULL), KASSA_OK);
    assert_int_equal(fx_balance(f, shop.id).available, 97546 + 6825);
    assert_int_equal(fx_account(f, "platform_fees", 0, "RUB"), 2501 + 175);
    assert_int_equal(fx_account(f, "provider_clearing", 0, "RUB"), -100047 - 7000);

    /* test orders move no money */
    struct order t = fx_order(f, &shop, 12345, "", true);
    assert_int_equal(fx_move(f, t.id, ORDER_COMPLETED, ACTOR_OPERATOR, NULL), KASSA_OK);
    assert_int_equal(fx_get(f, t.id).status, ORDER_COMPLETED);
    assert_int_equal(fx_balance(f, shop.id).available, 97546 + 6825);
    assert_int_equal(fx_account(f, "platform_fees", 0, "RUB"), 2501 + 175);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx"), 2);

    /* a 0% shop: no fee leg, and the other shop is untouched */
    struct order z = fx_order(f, &other, 100, "", false);
    assert_int_equal(fx_move(f, z.id, ORDER_COMPLETED, ACTOR_PROVIDER, NULL), KASSA_OK);
    assert_int_equal(fx_balance(f, other.id).available, 100);
    assert_int_equal(fx_balance(f, shop.id).available, 97546 + 6825);
    assert_int_equal(fx_int(f,
                            "SELECT COUNT(*) FROM postings p JOIN ledger_tx t ON "
                            "t.id = p.tx_id WHERE t.ref_id = %lld",
                            (long long)z.id),
                     2);
    assert_int_equal(fx_account(f, "platform_fees", 0, "RUB"), 2501 + 175);
    assert_int_equal(fx_ledger_sum(f), 0);

    struct fx_verify v = fx_verify(f);
    assert_string_equal(v.text, "");
    assert_int_equal(v.transactions, 3);
    assert_int_equal(v.accounts, 4); /* 2 shop_available, platform_fees, provider_clearing */
}

/* ledger_post refuses unbalanced or mixed-currency legs before writing. */
struct post_cmd {
    struct store_task task;
    struct posting p[3];
    size_t n;
};

static kassa_err post_apply(struct store_conn *c, struct store_task *task)
{
    struct post_cmd *cmd = container_of(task, struct post_cmd, task);
    return ledger_post(c, "test", "order", 1, cmd->p, cmd->n);
}

static struct posting leg(enum account_kind k, int64_t shop, const char *cur, int64_t amount)
{
    struct posting p = {.kind = k, .shop_id = shop, .amount = amount};
    snprintf(p.currency, sizeof p.currency, "%s", cur);
    return p;
}

static void test_ledger_post_guards(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "0", 0);
    struct post_cmd cmd = {.task.run = post_apply, .n = 2};
    cmd.p[0] = leg(ACC_PROVIDER_CLEARING, 0, "RUB", -100);
    cmd.p[1] = leg(ACC_SHOP_AVAILABLE, shop.id, "RUB", 99);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_EINVAL); /* sums to -1 */
    cmd.p[1] = leg(ACC_SHOP_AVAILABLE, shop.id, "USD", 100);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_EINVAL); /* two currencies */
    cmd.p[0] = leg(ACC_SHOP_AVAILABLE, shop.id, "RUB", -100);
    cmd.p[1] = leg(ACC_PAYOUTS, 0, "RUB", 100);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_EFUNDS); /* shop would go < 0 */
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx"), 0);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM postings"), 0);
    assert_int_equal(fx_ledger_sum(f), 0);
    /* zero legs are dropped; all zero writes nothing */
    cmd.p[0] = leg(ACC_PROVIDER_CLEARING, 0, "RUB", 0);
    cmd.p[1] = leg(ACC_SHOP_AVAILABLE, shop.id, "RUB", 0);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_OK);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx"), 0);
    fx_assert_verify_ok(f);
}

/* Balances that would leave int64 (SQLite would silently turn the sum into
 * a floating-point number) are refused, and nothing is written. */
static void test_ledger_overflow_refused(void **state)
{
    struct fx *f = *state;
    /* Orders this large are refused unless the operator allows them. */
    assert_int_equal(core_set_amount_limits("RUB=92233720368547758.07", false, NULL, 0), 0);
    struct shop shop = fx_shop(f, "0", 0);
    struct order a = fx_order(f, &shop, INT64_MAX, "", false);
    struct order b = fx_order(f, &shop, 1, "", false);
    assert_int_equal(fx_move(f, a.id, ORDER_COMPLETED, ACTOR_OPERATOR, NULL), KASSA_OK);
    assert_int_equal(fx_account(f, "shop_available", shop.id, "RUB"), INT64_MAX);
    int64_t tx = fx_int(f, "SELECT COUNT(*) FROM ledger_tx");
    assert_int_equal(fx_move(f, b.id, ORDER_COMPLETED, ACTOR_OPERATOR, NULL), KASSA_EMONEY_RANGE);
    assert_int_equal(fx_get(f, b.id).status, ORDER_PENDING);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM ledger_tx"), tx);
    assert_int_equal(fx_account(f, "shop_available", shop.id, "RUB"), INT64_MAX);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM accounts WHERE typeof(balance) != "
                               "'integer'"),
                     0);
    assert_int_equal(fx_account(f, "provider_clearing", 0, "RUB"), -INT64_MAX);
    fx_assert_verify_ok(f);
    core_set_amount_limits("", false, NULL, 0);
}

/* random_bytes hands out every byte of its pool once, across refills;
 * core_sha256 is SHA-256 (FIPS 180-2 vectors). */
static void test_random_and_sha256(void **state)
{
    (void)state;
    enum { N = 2000 };
    static unsigned char seen[N][16];
    for (int i = 0; i < N; i++) {
        random_bytes(seen[i], i % 2 ? 16 : 7);
        if (i % 2 == 0)
            random_bytes(seen[i] + 7, 9);
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            assert_memory_not_equal(seen[i], seen[j], 16);
    unsigned char md[32];
    char hex[65];
    core_sha256("abc", 3, md);
    hex_encode(md, 32, hex, false);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    core_sha256("", 0, md);
    hex_encode(md, 32, hex, false);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* The idempotency fingerprint's input is a fixed format (amount;payment
 * system;test; then each client-chosen field as length:text), and stored
 * records carry its SHA-256: a replay after an upgrade must still match, so
 * the format may never change. Written out here independently of order.c. */
static void test_order_fingerprint_stable(void **state)
{
    (void)state;
    struct order_create_cmd cmd;
    memset(&cmd, 0, sizeof cmd);
    snprintf(cmd.shop.fee_percent, sizeof cmd.shop.fee_percent, "2.5");
    cmd.order.amount = 100047;
    cmd.order.payment_system = 12;
    cmd.order.test = true;
    snprintf(cmd.order.currency, sizeof cmd.order.currency, "RUB");
    snprintf(cmd.order.requisite_type, sizeof cmd.order.requisite_type, "SBP");
    snprintf(cmd.order.merchant_order_id, sizeof cmd.order.merchant_order_id, "A-1234567890");
    snprintf(cmd.order.email, sizeof cmd.order.email, "payer@example.com");
    snprintf(cmd.order.lang, sizeof cmd.order.lang, "ru");
    assert_int_equal(order_create_prepare(&cmd), KASSA_OK);
    const char *input = "100047;12;1;3:RUB3:SBP12:A-12345678900:0:0:0:0:17:payer@example.com"
                        "0:0:0:0:2:ru";
    unsigned char want[32];
    core_sha256(input, strlen(input), want);
    assert_memory_equal(cmd.fingerprint, want, 32);

    memset(&cmd.order, 0, sizeof cmd.order);
    cmd.order.amount = 1;
    assert_int_equal(order_create_prepare(&cmd), KASSA_OK); /* currency defaults to RUB */
    input = "1;0;0;3:RUB0:0:0:0:0:0:0:0:0:0:0:0:0:";
    core_sha256(input, strlen(input), want);
    assert_memory_equal(cmd.fingerprint, want, 32);

    cmd.order.payment_system = -5; /* as "%d" wrote it */
    assert_int_equal(order_create_prepare(&cmd), KASSA_OK);
    input = "1;-5;0;3:RUB0:0:0:0:0:0:0:0:0:0:0:0:0:";
    core_sha256(input, strlen(input), want);
    assert_memory_equal(cmd.fingerprint, want, 32);
}

/* The requisite country filter (model.c): the rule both store backends
 * ask for every candidate of a pick. */
static void test_country_filter(void **state)
{
    (void)state;
    struct country_filter f, g;
    memset(&f, 0, sizeof f);
    memset(&g, 0, sizeof g);
    /* Nothing listed: not active, admits every country (so does NULL). */
    assert_false(country_filter_active(&f));
    assert_false(country_filter_active(NULL));
    assert_true(country_filter_admits(&f, "RUS"));
    assert_true(country_filter_admits(NULL, "KAZ"));
    assert_true(country_filter_equal(&f, NULL));

    assert_true(country_filter_add(&f, "KAZ"));
    assert_true(country_filter_active(&f));
    assert_true(country_filter_admits(&f, "KAZ"));
    assert_false(country_filter_admits(&f, "RUS"));
    assert_false(country_filter_admits(&f, ""));
    assert_false(country_filter_admits(&f, "kaz")); /* codes compare exactly */
    assert_false(country_filter_admits(&f, "KAZA"));
    assert_false(country_filter_equal(&f, NULL));

    /* The same countries in another order, and repeated: equal. */
    assert_true(country_filter_add(&f, "UZB"));
    assert_true(country_filter_add(&g, "UZB"));
    assert_true(country_filter_add(&g, "KAZ"));
    assert_true(country_filter_add(&g, "UZB"));
    assert_int_equal(g.n, 2);
    assert_true(country_filter_equal(&f, &g));
    assert_true(country_filter_admits(&g, "UZB"));
    assert_false(country_filter_admits(&g, "GE-AB"));
    assert_true(country_filter_add(&g, "GE-AB"));
    assert_true(country_filter_admits(&g, "GE-AB"));
    assert_false(country_filter_equal(&f, &g));

    /* "ANY" anywhere in the list: every country, like no list. */
    assert_true(country_filter_add(&f, "ANY"));
    assert_false(country_filter_active(&f));
    assert_true(country_filter_admits(&f, "RUS"));
    assert_true(country_filter_equal(&f, NULL));

    /* Refused: empty, too long, one more than fits (the filter unchanged). */
    memset(&f, 0, sizeof f);
    assert_false(country_filter_add(&f, ""));
    assert_false(country_filter_add(&f, "ABCDEFGHIJKLMNOP")); /* 16 bytes */
    assert_true(country_filter_add(&f, "ABCDEFGHIJKLMNO"));   /* 15 fit */
    assert_int_equal(f.n, 1);
    for (int i = 1; i < COUNTRY_FILTER_MAX; i++) {
        char code[8];
        snprintf(code, sizeof code, "C%02d", i);
        assert_true(country_filter_add(&f, code));
    }
    assert_int_equal(f.n, COUNTRY_FILTER_MAX);
    assert_false(country_filter_add(&f, "ZZZ"));
    assert_true(country_filter_add(&f, "C01")); /* listed already */
    assert_int_equal(f.n, COUNTRY_FILTER_MAX);
    assert_false(country_filter_admits(&f, "ZZZ"));
    assert_true(country_filter_admits(&f, "C07"));
}

/* A create whose method the shop switched off is refused before anything
 * is written (order_create_prepare, cmd->shop.methods_off as shop_cache_get
 * fills it): the method it names, else its requisite type's. */
static void test_create_method_switched_off(void **state)
{
    (void)state;
    struct method_switches sw;
    size_t n;
    const struct pay_method *t = method_table(&n);
    sw.n = n;
    for (size_t i = 0; i < n; i++)
        sw.enabled[i] = t[i].id != 28 && t[i].id != 36; /* SBP and card 36 off */
    struct order_create_cmd *cmd = calloc(1, sizeof *cmd);
    assert_non_null(cmd);
    snprintf(cmd->shop.fee_percent, sizeof cmd->shop.fee_percent, "2.5");
    cmd->shop.methods_off = method_switches_off(&sw);
    assert_true(method_off_for_shop(&cmd->shop, method_find(28)));
    assert_true(method_off_for_shop(&cmd->shop, method_find(36)));
    assert_false(method_off_for_shop(&cmd->shop, method_find(25)));
    assert_false(method_off_for_shop(&cmd->shop, NULL));

    struct {
        const char *type;
        int payment_system;
        kassa_err want;
    } cases[] = {
        {"SBP", 0, KASSA_EMETHOD_OFF},  /* SBP -> 28 */
        {"card", 0, KASSA_EMETHOD_OFF}, /* card -> 36 */
        {"card", 25, KASSA_OK},         /* names 25, which is on */
        {"", 28, KASSA_EMETHOD_OFF},    /* names 28 */
        {"phoneTopUp", 0, KASSA_OK},    /* -> 38, on */
        {"accountNumber", 0, KASSA_OK}, /* no method of its own */
        {"", 0, KASSA_OK},              /* no method at all */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&cmd->order, 0, sizeof cmd->order);
        cmd->order.amount = 100000;
        snprintf(cmd->order.requisite_type, sizeof cmd->order.requisite_type, "%s", cases[i].type);
        cmd->order.payment_system = cases[i].payment_system;
        assert_int_equal(order_create_prepare(cmd), cases[i].want);
    }
    /* Every method on again: SBP passes. */
    cmd->shop.methods_off = 0;
    memset(&cmd->order, 0, sizeof cmd->order);
    cmd->order.amount = 100000;
    snprintf(cmd->order.requisite_type, sizeof cmd->order.requisite_type, "SBP");
    assert_int_equal(order_create_prepare(cmd), KASSA_OK);
    free(cmd);
}

static void test_i64_concat(void **state)
{
    (void)state;
    char b[24];
    core_i64(0, b);
    assert_string_equal(b, "0");
    core_i64(-7, b);
    assert_string_equal(b, "-7");
    core_i64(INT64_MAX, b);
    assert_string_equal(b, "9223372036854775807");
    core_i64(INT64_MIN, b);
    assert_string_equal(b, "-9223372036854775808");
    char u[16];
    core_concat(u, sizeof u, "http://h", "/x/", "abc");
    assert_string_equal(u, "http://h/x/abc");
    core_concat(u, sizeof u, "http://host", "/orders/", "abcdef");
    assert_string_equal(u, "http://host/ord"); /* cut to 15 bytes */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_and_sha256),
        cmocka_unit_test(test_i64_concat),
        cmocka_unit_test(test_create_method_switched_off),
        cmocka_unit_test(test_country_filter),
        cmocka_unit_test(test_order_fingerprint_stable),
        cmocka_unit_test(test_allowed_table),
        cmocka_unit_test_setup_teardown(test_every_transition, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_stale_state_refused, fx_setup, fx_teardown),
        cmocka_unit_test(test_fee_rounding),
        cmocka_unit_test_setup_teardown(test_fee_from_stored_tariff, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_ledger_balances, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_ledger_post_guards, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_ledger_overflow_refused, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
