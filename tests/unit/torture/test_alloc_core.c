/* test_alloc_core.c: the core's money commands with each of kassa's
 * allocations failing in turn (curl's torture tests, over the core as
 * test_alloc.c runs them over the parsers). Each run starts from a fresh
 * SQLite store with a shop, a requisite and a warm writer, then creates an
 * order with an idempotency key, completes it and withdraws part of the
 * balance, all through the real group-commit writer. The allocations
 * counted and refused in turn are kassa's own and SQLite's on the writer's
 * thread (through SQLITE_CONFIG_MALLOC: SQLite answers SQLITE_NOMEM and
 * the store must roll back). Whichever fails, every command either
 * succeeds or fails cleanly (KASSA_ENOMEM or KASSA_EIO), nothing is
 * half-stored (the ledger verifies, each balance is exactly what the
 * succeeded commands imply), nothing of kassa's leaks, and the store
 * serves the next commands. */
#include "money_fixture.h"

#include <pthread.h>

#include "alloc_fail.h"

/* ---- SQLite's allocations, on the writer's thread ---------------------- */

static sqlite3_mem_methods sqlite_mem;

static bool on_writer(void)
{
    static _Thread_local int writer = -1;
    if (writer < 0) {
        char name[32] = "";
        pthread_getname_np(pthread_self(), name, sizeof name);
        writer = strcmp(name, "kassa-writer") == 0;
    }
    return writer == 1;
}

static void *sq_malloc(int n)
{
    if (on_writer() && alloc_fail_refuse_now())
        return NULL;
    return sqlite_mem.xMalloc(n);
}

static void *sq_realloc(void *p, int n)
{
    if (on_writer() && alloc_fail_refuse_now())
        return NULL;
    return sqlite_mem.xRealloc(p, n);
}

static void hook_sqlite(void)
{
    assert_int_equal(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_mem), SQLITE_OK);
    sqlite3_mem_methods m = sqlite_mem;
    m.xMalloc = sq_malloc;
    m.xRealloc = sq_realloc;
    assert_int_equal(sqlite3_config(SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
}

#define AMOUNT 100047   /* 1000.47 RUB */
#define FEE 2501        /* 2.5% of it, half-up */
#define WITHDRAWN 50000 /* 500.00 RUB */

struct outcome {
    kassa_err create, complete, withdraw;
    int64_t order_id;
};

static kassa_err create(struct fx *f, const struct shop *shop, const char *key, int64_t amount,
                        int64_t *id)
{
    struct order_create_cmd cmd = {.task.run = order_create_apply};
    cmd.shop = *shop;
    cmd.order.amount = amount;
    cmd.order.origin = fx_dialect_id("panda");
    snprintf(cmd.order.currency, sizeof cmd.order.currency, "RUB");
    snprintf(cmd.order.requisite_type, sizeof cmd.order.requisite_type, "SBP");
    snprintf(cmd.idem_key, sizeof cmd.idem_key, "%s", key);
    kassa_err err = order_create_prepare(&cmd);
    if (err == KASSA_OK)
        err = writer_run(f->writer, &cmd.task);
    *id = err == KASSA_OK ? cmd.order.id : 0;
    return err;
}

/* The three commands, each only after the one before succeeded. */
static struct outcome run_commands(struct fx *f, const struct shop *shop, const char *tag,
                                   int64_t amount)
{
    struct outcome o = {KASSA_EINVAL, KASSA_EINVAL, KASSA_EINVAL, 0};
    char key[64];
    snprintf(key, sizeof key, "key-%s", tag);
    o.create = create(f, shop, key, amount, &o.order_id);
    if (o.create != KASSA_OK)
        return o;
    o.complete = fx_move(f, o.order_id, ORDER_COMPLETED, ACTOR_OPERATOR, NULL);
    if (o.complete != KASSA_OK)
        return o;
    snprintf(key, sizeof key, "w-%s", tag);
    o.withdraw = fx_withdraw(f, shop->id, key, WITHDRAWN, "2200111122223333", NULL);
    return o;
}

static bool clean_failure(kassa_err e)
{
    return e == KASSA_ENOMEM || e == KASSA_EIO;
}

/* The store after a run: the order there or not as its create answered,
 * completed as its completion answered, the balances exactly what the
 * succeeded commands imply, the ledger balanced. `base` is the warm-up's
 * share of the balance. */
static void check_after(struct fx *f, const struct shop *shop, const struct outcome *o,
                        int64_t base_available, int64_t base_held, int64_t orders_before, size_t at)
{
    int64_t orders = fx_int(f, "SELECT COUNT(*) FROM orders");
    bool created = o->create == KASSA_OK, completed = created && o->complete == KASSA_OK,
         withdrawn = completed && o->withdraw == KASSA_OK;
    if (orders != orders_before + (created ? 1 : 0))
        fail_msg("allocation %zu: %lld orders, want %lld", at, (long long)orders,
                 (long long)(orders_before + (created ? 1 : 0)));
    if (created) {
        struct order got = fx_get(f, o->order_id);
        if (got.status != (completed ? ORDER_COMPLETED : ORDER_PENDING))
            fail_msg("allocation %zu: order is %s", at, order_status_name(got.status));
    }
    struct fx_bal b = fx_balance(f, shop->id);
    int64_t want_avail =
        base_available + (completed ? AMOUNT - FEE : 0) - (withdrawn ? WITHDRAWN : 0);
    int64_t want_held = base_held + (withdrawn ? WITHDRAWN : 0);
    if (b.available != want_avail || b.held != want_held)
        fail_msg("allocation %zu: available %lld held %lld, want %lld and %lld", at,
                 (long long)b.available, (long long)b.held, (long long)want_avail,
                 (long long)want_held);
    struct fx_verify v = fx_verify(f);
    if (v.problems != 0)
        fail_msg("allocation %zu: ledger: %s", at, v.text);
}

/* One run: a fresh store, warmed up by the same commands (so caches made
 * on first use are made before counting), then the commands armed to
 * refuse allocation `at` (0: none). Returns how many allocations the armed
 * commands made. */
static size_t misses;  /* armed runs whose refused allocation never came */
static size_t refused; /* armed runs where a command failed (cleanly) */

static size_t one_run(size_t at)
{
    struct fx *f = fx_new();
    struct shop shop = fx_shop(f, "2.5", 0);
    fx_requisite(f);
    struct outcome warm = run_commands(f, &shop, "warm", AMOUNT);
    assert_int_equal(warm.withdraw, KASSA_OK);
    struct fx_bal base = fx_balance(f, shop.id);
    int64_t orders_before = fx_int(f, "SELECT COUNT(*) FROM orders");

    alloc_fail_arm(at);
    struct outcome o = run_commands(f, &shop, "armed", AMOUNT);
    size_t n = alloc_fail_disarm();
    long live = alloc_fail_live();
    bool hit = alloc_fail_hit();

    if (at == 0 || !hit) {
        /* Nothing refused (SQLite's count varies a little from run to
         * run): everything succeeded. */
        assert_int_equal(o.create, KASSA_OK);
        assert_int_equal(o.complete, KASSA_OK);
        assert_int_equal(o.withdraw, KASSA_OK);
        misses += at > 0;
    } else {
        kassa_err last = o.create != KASSA_OK     ? o.create
                         : o.complete != KASSA_OK ? o.complete
                                                  : o.withdraw;
        if (last != KASSA_OK && !clean_failure(last))
            fail_msg("allocation %zu failing gave error %d", at, last);
        refused += last != KASSA_OK;
    }
    if (live > 0) {
        alloc_fail_report(stderr);
        fail_msg("allocation %zu failing leaked %ld blocks", at, live);
    }
    check_after(f, &shop, &o, base.available, base.held, orders_before, at);

    /* The store still works: the same commands again succeed (for another
     * amount: an order the armed run left pending keeps its amount on the
     * one requisite, spec/p2p.md "Unambiguous amounts"). */
    struct outcome again = run_commands(f, &shop, "again", AMOUNT + 100);
    assert_int_equal(again.create, KASSA_OK);
    assert_int_equal(again.complete, KASSA_OK);
    assert_int_equal(again.withdraw, KASSA_OK);
    assert_int_equal(fx_verify(f).problems, 0);
    fx_free(f);
    return n;
}

static void test_core_commands(void **state)
{
    (void)state;
    clock_init(true);
    log_set_level((enum log_level)(LOG_ERROR + 1)); /* the refusals log errors: none shown */
    size_t n = one_run(0);
    assert_true(n > 0); /* else this tests nothing */
    for (size_t i = 1; i <= n; i++)
        one_run(i);
    /* Almost every allocation counted was there to refuse on its turn. */
    if (misses * 10 > n)
        fail_msg("%zu of %zu refusals found no allocation to refuse", misses, n);
    assert_true(refused > 0); /* some refusal reached a command's answer */
    print_message("core commands: %zu allocations (kassa's and SQLite's), each refused in turn: "
                  "%zu commands failed cleanly, the rest recovered; %zu runs made fewer\n",
                  n, refused, misses);
}

int main(void)
{
    hook_sqlite(); /* before SQLite initialises */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
