/* money_fixture.h: shared set-up of the store, core and ledger unit tests
 * (test_store.c, test_core.c, test_ledger.c, test_withdrawal.c).
 *
 * A fixture is a fresh SQLite file in its own temp directory, the store on
 * it, a real group-commit writer, and a raw sqlite3 handle on the same file
 * for reading (and, in the ledger tests, corrupting) rows behind the store's
 * back. Every helper asserts success with cmocka, so a test reads as a list
 * of steps. Everything is static: each test program includes this once. */
#ifndef KASSA_MONEY_FIXTURE_H
#define KASSA_MONEY_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/base.h"
#include "base/clock.h"
#include "core/core.h"
#include "base/log.h"
#include "dialect/dialect.h"
#include "store/store.h"
#include "txn/writer.h"

struct fx {
    char dir[64];
    char path[128];
    char url[160];
    struct store *store;
    struct writer *writer;
    sqlite3 *raw;
};

/* Open (or reopen) the store on fx->path and start its writer. */
static __attribute__((unused)) void fx_open_store(struct fx *f)
{
    char err[256] = "";
    kassa_err e = store_open(f->url, &f->store, err, sizeof err);
    if (e != KASSA_OK)
        fail_msg("store_open(%s): %s", f->url, err);
    f->writer = writer_start(f->store, 64);
    assert_non_null(f->writer);
    assert_int_equal(sqlite3_open(f->path, &f->raw), SQLITE_OK);
    sqlite3_busy_timeout(f->raw, 5000);
}

/* Stop the writer and close the store (the file stays). */
static __attribute__((unused)) void fx_close_store(struct fx *f)
{
    writer_stop(f->writer);
    f->writer = NULL;
    store_close(f->store);
    f->store = NULL;
    sqlite3_close(f->raw);
    f->raw = NULL;
}

/* The core gets the registry's merchant dialects, as kassad's main.c gives
 * them (a new shop has a row of each). */
static __attribute__((unused)) void fx_configure_dialects(void)
{
    struct core_settings cs = {0};
    cs.n_dialects = dialect_core_dialects(cs.dialects, SHOP_DIALECTS_MAX);
    core_configure(&cs);
}

/* The registered id of a dialect (the origin of its orders). */
static __attribute__((unused)) int fx_dialect_id(const char *name)
{
    const struct dialect *d = dialect_find(name);
    assert_non_null(d);
    return d->id;
}

/* A shop's row of a dialect (it must have one). */
static __attribute__((unused)) const struct shop_dialect *fx_row(const struct shop *s,
                                                                 const char *dialect)
{
    const struct shop_dialect *row = shop_dialect_find(s, dialect);
    if (row == NULL)
        fail_msg("shop %lld has no %s row", (long long)s->id, dialect);
    return row;
}

/* A new fixture in a fresh temp dir; freed by fx_free. */
static struct fx *fx_new(void)
{
    fx_configure_dialects();
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/kassa-unit-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/kassa.db", f->dir);
    snprintf(f->url, sizeof f->url, "sqlite:%s", f->path);
    fx_open_store(f);
    return f;
}

static __attribute__((unused)) void fx_free(struct fx *f)
{
    char p[200];
    if (f == NULL)
        return;
    if (f->store)
        fx_close_store(f);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
}

static __attribute__((unused)) int fx_setup(void **state)
{
    clock_init(true);
    log_set_level(LOG_ERROR);
    *state = fx_new();
    return 0;
}

static __attribute__((unused)) int fx_teardown(void **state)
{
    fx_free(*state);
    return 0;
}

/* One integer from a raw SQL query (-1 when it returns no row). */
static __attribute__((unused)) int64_t fx_int(struct fx *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static __attribute__((unused)) int64_t fx_int(struct fx *f, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("prepare %s: %s", sql, sqlite3_errmsg(f->raw));
    int64_t v = -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        fail_msg("step %s: %s", sql, sqlite3_errmsg(f->raw));
    sqlite3_finalize(st);
    return v;
}

/* Run raw SQL (to plant corruption behind the store's back). */
static __attribute__((unused)) void fx_exec(struct fx *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static __attribute__((unused)) void fx_exec(struct fx *f, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    char *msg = NULL;
    if (sqlite3_exec(f->raw, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("exec %s: %s", sql, msg ? msg : "?");
}

/* A platform or shop account's stored balance (0 when it does not exist). */
static __attribute__((unused)) int64_t fx_account(struct fx *f, const char *kind, int64_t shop_id,
                                                  const char *currency)
{
    int64_t v = fx_int(f,
                       "SELECT balance FROM accounts WHERE kind = '%s' AND shop_id = %lld AND "
                       "currency = '%s'",
                       kind, (long long)shop_id, currency);
    return v < 0 && fx_int(f,
                           "SELECT COUNT(*) FROM accounts WHERE kind = '%s' AND shop_id = %lld "
                           "AND currency = '%s'",
                           kind, (long long)shop_id, currency) == 0
               ? 0
               : v;
}

/* The sum of every account's balance: always 0 in a double-entry ledger. */
static __attribute__((unused)) int64_t fx_ledger_sum(struct fx *f)
{
    return fx_int(f, "SELECT COALESCE(SUM(balance), 0) FROM accounts");
}

/* Create a shop with this fee percent (and panda TTL; 0 = default). */
static __attribute__((unused)) struct shop fx_shop(struct fx *f, const char *fee_percent,
                                                   int panda_ttl)
{
    struct shop_create_cmd cmd = {.task.run = shop_create_apply};
    char msg[256] = "";
    snprintf(cmd.shop.name, sizeof cmd.shop.name, "Shop %s", fee_percent);
    snprintf(cmd.shop.fee_percent, sizeof cmd.shop.fee_percent, "%s", fee_percent);
    if (panda_ttl > 0)
        shop_dialect_add(&cmd.shop, "panda")->order_ttl = panda_ttl;
    if (shop_create_prepare(&cmd, msg, sizeof msg) != KASSA_OK)
        fail_msg("shop_create_prepare: %s", msg);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_OK);
    assert_true(cmd.shop.id > 0);
    return cmd.shop;
}

/* Add an SBP requisite in RUB. */
static __attribute__((unused)) int64_t fx_requisite(struct fx *f)
{
    struct requisite_add_cmd cmd = {.task.run = requisite_add_apply};
    char msg[256] = "";
    snprintf(cmd.req.type, sizeof cmd.req.type, "SBP");
    snprintf(cmd.req.value, sizeof cmd.req.value, "+79990001122");
    snprintf(cmd.req.owner_full_name, sizeof cmd.req.owner_full_name, "Ivan Petrov");
    snprintf(cmd.req.bank_code, sizeof cmd.req.bank_code, "sber");
    snprintf(cmd.req.country_code, sizeof cmd.req.country_code, "RUS");
    if (requisite_add_prepare(&cmd, msg, sizeof msg) != KASSA_OK)
        fail_msg("requisite_add_prepare: %s", msg);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_OK);
    return cmd.req.id;
}

/* Create a pending panda order of `amount` kopecks (RUB) for `shop`, read
 * back from the store (so the fee is the one stored). requisite_type ""
 * assigns none; "SBP" with no SBP requisite gives a no_requisite order. */
static __attribute__((unused)) struct order fx_order(struct fx *f, const struct shop *shop,
                                                     int64_t amount, const char *requisite_type,
                                                     bool test)
{
    struct order_create_cmd cmd = {.task.run = order_create_apply};
    cmd.shop = *shop;
    cmd.order.amount = amount;
    cmd.order.origin = fx_dialect_id("panda");
    cmd.order.test = test;
    snprintf(cmd.order.currency, sizeof cmd.order.currency, "RUB");
    snprintf(cmd.order.requisite_type, sizeof cmd.order.requisite_type, "%s", requisite_type);
    assert_int_equal(order_create_prepare(&cmd), KASSA_OK);
    assert_int_equal(writer_run(f->writer, &cmd.task), KASSA_OK);
    assert_true(cmd.order.id > 0);
    struct order o;
    struct store_conn *c = store_reader(f->store);
    assert_non_null(c);
    assert_int_equal(STORE_CALL(c, order_get, ORDER_BY_ID, NULL, cmd.order.id, &o), KASSA_OK);
    store_release(c);
    return o;
}

/* Run a transition through the writer; returns its result, *out the order
 * the command saw/produced (may be NULL). */
static __attribute__((unused)) kassa_err
fx_move(struct fx *f, int64_t order_id, enum order_status to, enum actor actor, struct order *out)
{
    struct order_transition_cmd cmd = {
        .task.run = order_transition_apply, .order_id = order_id, .to = to, .actor = actor};
    kassa_err err = writer_run(f->writer, &cmd.task);
    if (out)
        *out = cmd.order;
    return err;
}

/* The order as stored now. */
static __attribute__((unused)) struct order fx_get(struct fx *f, int64_t id)
{
    struct order o;
    struct store_conn *c = store_reader(f->store);
    assert_non_null(c);
    assert_int_equal(STORE_CALL(c, order_get, ORDER_BY_ID, NULL, id, &o), KASSA_OK);
    store_release(c);
    return o;
}

/* A shop's available/held balance in RUB through the store interface. */
struct fx_bal {
    int64_t available, held;
    int currencies;
};

static __attribute__((unused)) bool fx_bal_one(void *arg, const char *currency, int64_t available,
                                               int64_t held)
{
    struct fx_bal *b = arg;
    if (strcmp(currency, "RUB") == 0) {
        b->available = available;
        b->held = held;
    }
    b->currencies++;
    return true;
}

static __attribute__((unused)) struct fx_bal fx_balance(struct fx *f, int64_t shop_id)
{
    struct fx_bal b = {0};
    struct store_conn *c = store_reader(f->store);
    assert_non_null(c);
    assert_int_equal(STORE_CALL(c, balances, shop_id, fx_bal_one, &b), KASSA_OK);
    store_release(c);
    return b;
}

/* ledger_verify's findings, joined by "\n" (empty when ok). */
struct fx_verify {
    char text[4096];
    int problems;
    int64_t accounts, transactions;
};

static __attribute__((unused)) void fx_verify_one(void *arg, const char *problem)
{
    struct fx_verify *v = arg;
    size_t n = strlen(v->text);
    snprintf(v->text + n, sizeof v->text - n, "%s%s", n ? "\n" : "", problem);
    v->problems++;
}

static __attribute__((unused)) struct fx_verify fx_verify(struct fx *f)
{
    struct fx_verify v;
    memset(&v, 0, sizeof v);
    struct store_conn *c = store_reader(f->store);
    assert_non_null(c);
    assert_int_equal(STORE_CALL(c, ledger_verify, fx_verify_one, &v, &v.accounts, &v.transactions),
                     KASSA_OK);
    store_release(c);
    return v;
}

/* verify finds nothing. */
static __attribute__((unused)) void fx_assert_verify_ok(struct fx *f)
{
    struct fx_verify v = fx_verify(f);
    assert_string_equal(v.text, "");
    assert_int_equal(v.problems, 0);
}

/* Give `shop` `amount` kopecks of available balance: an order at the shop's
 * fee, completed by the operator. Returns the order. */
static __attribute__((unused)) struct order fx_fund(struct fx *f, const struct shop *shop,
                                                    int64_t amount)
{
    struct order o = fx_order(f, shop, amount, "", false);
    struct order done;
    assert_int_equal(fx_move(f, o.id, ORDER_COMPLETED, ACTOR_OPERATOR, &done), KASSA_OK);
    assert_int_equal(done.status, ORDER_COMPLETED);
    return done;
}

/* Create a withdrawal through prepare + the writer. */
static __attribute__((unused)) kassa_err fx_withdraw(struct fx *f, int64_t shop_id,
                                                     const char *payment_id, int64_t amount,
                                                     const char *account,
                                                     struct withdrawal_create_cmd *out)
{
    struct withdrawal_create_cmd cmd = {.task.run = withdrawal_create_apply, .shop_id = shop_id};
    snprintf(cmd.w.payment_id, sizeof cmd.w.payment_id, "%s", payment_id);
    snprintf(cmd.w.currency, sizeof cmd.w.currency, "RUB");
    snprintf(cmd.w.account, sizeof cmd.w.account, "%s", account);
    cmd.w.amount = amount;
    cmd.w.payment_system = 0;
    kassa_err err = withdrawal_create_prepare(&cmd);
    if (err == KASSA_OK)
        err = writer_run(f->writer, &cmd.task);
    if (out)
        *out = cmd;
    return err;
}

static __attribute__((unused)) kassa_err fx_decide(struct fx *f, int64_t id, bool complete,
                                                   struct withdrawal *out)
{
    struct withdrawal_decide_cmd cmd = {
        .task.run = withdrawal_decide_apply, .id = id, .complete = complete};
    kassa_err err = writer_run(f->writer, &cmd.task);
    if (out)
        *out = cmd.w;
    return err;
}

#endif
