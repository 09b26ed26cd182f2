/* test_store.c: the SQLite store (store/sqlite.c, sqlite_rows.c, sqlite_ledger.c):
 * open, migrate once, insert, read back field for field, reopen, read
 * again; idempotency records; unique keys give KASSA_EEXIST. And
 * store.c's database URL as logged (any backend, no database needed). */
#include "money_fixture.h"
#include "provider/requisites.h"
#include "store/migration.h"
#include "store/sqlite_internal.h"

#include "pick_one.h"

/* Run `fn` on the writer connection in its own transaction (the writer
 * thread is the only user of that connection, so go through it). */
struct raw_cmd {
    struct store_task task;
    kassa_err (*fn)(struct store_conn *c, void *arg);
    void *arg;
};

static kassa_err raw_apply(struct store_conn *c, struct store_task *task)
{
    struct raw_cmd *cmd = container_of(task, struct raw_cmd, task);
    return cmd->fn(c, cmd->arg);
}

static kassa_err on_writer(struct fx *f, kassa_err (*fn)(struct store_conn *c, void *arg),
                           void *arg)
{
    struct raw_cmd cmd = {.task.run = raw_apply, .fn = fn, .arg = arg};
    return writer_run(f->writer, &cmd.task);
}

static void test_migrations_once(void **state)
{
    struct fx *f = *state;
    /* 001 init, 002 records, 003 ledger at least; more may follow. */
    int64_t n = (int64_t)migrations_sqlite_count;
    assert_true(n >= 3);
    assert_int_equal(migrations_sqlite[0].version, 1);
    assert_int_equal(migrations_sqlite[2].version, 3);
    assert_string_equal(migrations_sqlite[2].name, "003_ledger.sql");
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM schema_migrations"), n);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(fx_int(f,
                                "SELECT COUNT(*) FROM schema_migrations WHERE version = %d AND "
                                "name = '%s'",
                                migrations_sqlite[i].version, migrations_sqlite[i].name),
                         1);
    int64_t applied = fx_int(f, "SELECT applied_at FROM schema_migrations WHERE version = 1");
    /* Reopening applies nothing again. */
    fx_close_store(f);
    clock_advance(100);
    fx_open_store(f);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM schema_migrations"), n);
    assert_int_equal(fx_int(f, "SELECT applied_at FROM schema_migrations WHERE version = 1"),
                     applied);
    /* Every table of every migration exists. */
    static const char *const tables[] = {
        "merchants", "shops",          "requisites",   "orders",        "idempotency",
        "rates",     "request_nonces", "shop_methods", "receipt_items", "accounts",
        "ledger_tx", "postings",       "events",       "withdrawals",   "receipts"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        assert_int_equal(
            fx_int(f, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
                   tables[i]),
            1);
}

struct insert_args {
    struct merchant m;
    struct shop s;
    struct requisite r;
    struct order o;
};

static kassa_err insert_all(struct store_conn *c, void *arg)
{
    struct insert_args *a = arg;
    kassa_err err;
    if ((err = STORE_CALL(c, merchant_insert, &a->m)) != KASSA_OK)
        return err;
    a->s.merchant_id = a->m.id;
    if ((err = STORE_CALL(c, shop_insert, &a->s)) != KASSA_OK)
        return err;
    if ((err = STORE_CALL(c, requisite_insert, &a->r)) != KASSA_OK)
        return err;
    a->o.shop_id = a->s.id;
    a->o.requisite_id = a->r.id;
    return STORE_CALL(c, order_insert, &a->o);
}

static void fill(struct insert_args *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->m.name, sizeof a->m.name, "Merchant One");
    a->m.created_at = 1700000000;

    struct shop *s = &a->s;
    snprintf(s->public_key, sizeof s->public_key, "0123456789ABCDEF0123456789ABCDEF");
    snprintf(s->name, sizeof s->name, "Магазин \"one\"");
    snprintf(s->url, sizeof s->url, "https://shop.example/");
    snprintf(s->callback_url, sizeof s->callback_url, "https://shop.example/cb?x=1&y=2");
    snprintf(s->fee_percent, sizeof s->fee_percent, "2.5");
    struct shop_dialect *p = shop_dialect_add(s, "panda");
    snprintf(p->api_key, sizeof p->api_key, "pandakey0000000000000000000000001");
    snprintf(p->secret, sizeof p->secret, "pandasecret");
    p->order_ttl = 900;
    snprintf(p->callback_format, sizeof p->callback_format, "2");
    struct shop_dialect *t = shop_dialect_add(s, "tegro");
    snprintf(t->api_key, sizeof t->api_key, "tegrokey00000000000000000000000001");
    snprintf(t->secret, sizeof t->secret, "tegrosecret");
    t->order_ttl = 86400;
    snprintf(t->callback_format, sizeof t->callback_format, "json");
    s->active = 1;
    s->created_at = 1700000001;

    struct requisite *r = &a->r;
    snprintf(r->type, sizeof r->type, "card");
    snprintf(r->value, sizeof r->value, "2200123456789012");
    snprintf(r->owner_full_name, sizeof r->owner_full_name, "Ivan Petrov");
    snprintf(r->bank_code, sizeof r->bank_code, "tinkoff");
    snprintf(r->bank_name_ru, sizeof r->bank_name_ru, "Т-Банк");
    snprintf(r->bank_name_en, sizeof r->bank_name_en, "T-Bank");
    snprintf(r->currency, sizeof r->currency, "RUB");
    snprintf(r->country_code, sizeof r->country_code, "RUS");
    r->active = 1;
    r->created_at = 1700000002;

    struct order *o = &a->o;
    snprintf(o->uuid, sizeof o->uuid, "11111111-2222-4333-8444-555555555555");
    snprintf(o->uuid_callback, sizeof o->uuid_callback, "66666666-7777-4888-9999-aaaaaaaaaaaa");
    snprintf(o->pay_token, sizeof o->pay_token, "00112233445566778899aabbccddeeff");
    o->origin = fx_dialect_id("tegro");
    o->status = ORDER_PENDING;
    o->amount = 100047;
    snprintf(o->currency, sizeof o->currency, "RUB");
    o->fee = 2501;
    o->amount_usdt = 10531263;
    snprintf(o->exchange_rate, sizeof o->exchange_rate, "95.00");
    snprintf(o->merchant_order_id, sizeof o->merchant_order_id, "order #42/ü");
    snprintf(o->requisite_type, sizeof o->requisite_type, "card");
    o->payment_system = 5;
    snprintf(o->customer_name, sizeof o->customer_name, "Пётр");
    snprintf(o->customer_requisite, sizeof o->customer_requisite, "4111");
    snprintf(o->bank_code, sizeof o->bank_code, "tinkoff");
    snprintf(o->countries, sizeof o->countries, "[\"RUS\"]");
    snprintf(o->payment_systems, sizeof o->payment_systems, "[\"MIR\"]");
    snprintf(o->email, sizeof o->email, "a@b.c");
    snprintf(o->phone, sizeof o->phone, "+70000000000");
    snprintf(o->success_url, sizeof o->success_url, "https://s/ok");
    snprintf(o->fail_url, sizeof o->fail_url, "https://s/fail");
    snprintf(o->notify_url, sizeof o->notify_url, "https://s/notify");
    snprintf(o->lang, sizeof o->lang, "ru");
    o->test = true;
    o->confirmed_by_customer = true;
    o->created_at = 1700000003;
    o->expires_at = 1700000903;
    o->paid_at = 1700000500;
    o->updated_at = 1700000600;
}

static void check_shop(const struct shop *got, const struct shop *want)
{
    assert_int_equal(got->id, want->id);
    assert_int_equal(got->merchant_id, want->merchant_id);
    assert_string_equal(got->public_key, want->public_key);
    assert_string_equal(got->name, want->name);
    assert_string_equal(got->url, want->url);
    assert_string_equal(got->callback_url, want->callback_url);
    assert_string_equal(got->fee_percent, "2.5");
    assert_int_equal(got->n_dialects, 2);
    for (int i = 0; i < want->n_dialects; i++) {
        const struct shop_dialect *w = &want->dialects[i];
        const struct shop_dialect *g = fx_row(got, w->dialect);
        assert_string_equal(g->api_key, w->api_key);
        assert_string_equal(g->secret, w->secret);
        assert_int_equal(g->order_ttl, w->order_ttl);
        assert_string_equal(g->callback_format, w->callback_format);
    }
    assert_int_equal(fx_row(got, "panda")->order_ttl, 900);
    assert_string_equal(fx_row(got, "tegro")->callback_format, "json");
    assert_int_equal(got->active, 1);
    assert_int_equal(got->created_at, 1700000001);
}

static void check_order(const struct order *got, const struct insert_args *a)
{
    const struct order *want = &a->o;
    assert_int_equal(got->id, want->id);
    assert_string_equal(got->uuid, want->uuid);
    assert_string_equal(got->uuid_callback, want->uuid_callback);
    assert_string_equal(got->pay_token, want->pay_token);
    assert_int_equal(got->shop_id, a->s.id);
    assert_int_equal(got->origin, fx_dialect_id("tegro"));
    assert_int_equal(got->status, ORDER_PENDING);
    assert_int_equal(got->amount, 100047);
    assert_string_equal(got->currency, "RUB");
    assert_int_equal(got->fee, 2501);
    assert_int_equal(got->amount_usdt, 10531263);
    assert_string_equal(got->exchange_rate, "95.00");
    assert_string_equal(got->merchant_order_id, "order #42/ü");
    assert_string_equal(got->requisite_type, "card");
    assert_int_equal(got->payment_system, 5);
    assert_string_equal(got->customer_name, "Пётр");
    assert_string_equal(got->customer_requisite, "4111");
    assert_string_equal(got->bank_code, "tinkoff");
    assert_string_equal(got->countries, "[\"RUS\"]");
    assert_string_equal(got->payment_systems, "[\"MIR\"]");
    assert_string_equal(got->email, "a@b.c");
    assert_string_equal(got->phone, "+70000000000");
    assert_string_equal(got->success_url, "https://s/ok");
    assert_string_equal(got->fail_url, "https://s/fail");
    assert_string_equal(got->notify_url, "https://s/notify");
    assert_string_equal(got->lang, "ru");
    assert_true(got->test);
    assert_true(got->confirmed_by_customer);
    assert_int_equal(got->requisite_id, a->r.id);
    assert_int_equal(got->created_at, 1700000003);
    assert_int_equal(got->expires_at, 1700000903);
    assert_int_equal(got->paid_at, 1700000500);
    assert_int_equal(got->updated_at, 1700000600);
    /* The requisite, joined. */
    assert_int_equal(got->req.id, a->r.id);
    assert_string_equal(got->req.type, "card");
    assert_string_equal(got->req.value, "2200123456789012");
    assert_string_equal(got->req.owner_full_name, "Ivan Petrov");
    assert_string_equal(got->req.bank_code, "tinkoff");
    assert_string_equal(got->req.bank_name_ru, "Т-Банк");
    assert_string_equal(got->req.bank_name_en, "T-Bank");
    assert_string_equal(got->req.currency, "RUB");
    assert_string_equal(got->req.country_code, "RUS");
    assert_int_equal(got->req.active, 1);
    assert_int_equal(got->req.assigned, 0);
    assert_int_equal(got->req.created_at, 1700000002);
}

static void read_back(struct fx *f, const struct insert_args *a)
{
    struct store_conn *c = store_reader(f->store);
    assert_non_null(c);
    struct merchant m;
    assert_int_equal(STORE_CALL(c, merchant_get, a->m.id, &m), KASSA_OK);
    assert_int_equal(m.id, a->m.id);
    assert_string_equal(m.name, "Merchant One");
    assert_int_equal(m.created_at, 1700000000);

    struct shop s;
    assert_int_equal(STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, a->s.id, &s), KASSA_OK);
    check_shop(&s, &a->s);
    memset(&s, 0, sizeof s);
    assert_int_equal(STORE_CALL(c, shop_get, SHOP_BY_PUBLIC_KEY, a->s.public_key, 0, &s), KASSA_OK);
    check_shop(&s, &a->s);
    memset(&s, 0, sizeof s);
    assert_int_equal(
        STORE_CALL(c, shop_get_by_api_key, "panda", fx_row(&a->s, "panda")->api_key, &s), KASSA_OK);
    check_shop(&s, &a->s);
    memset(&s, 0, sizeof s);
    assert_int_equal(
        STORE_CALL(c, shop_get_by_api_key, "tegro", fx_row(&a->s, "tegro")->api_key, &s), KASSA_OK);
    check_shop(&s, &a->s);
    assert_int_equal(STORE_CALL(c, shop_get_by_api_key, "panda", "nope", &s), KASSA_ENOTFOUND);
    /* a key is the shop's only in its own dialect */
    assert_int_equal(
        STORE_CALL(c, shop_get_by_api_key, "tegro", fx_row(&a->s, "panda")->api_key, &s),
        KASSA_ENOTFOUND);
    assert_int_equal(STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, a->s.id + 100, &s), KASSA_ENOTFOUND);

    struct order o;
    memset(&o, 0, sizeof o);
    assert_int_equal(STORE_CALL(c, order_get, ORDER_BY_ID, NULL, a->o.id, &o), KASSA_OK);
    check_order(&o, a);
    memset(&o, 0, sizeof o);
    assert_int_equal(STORE_CALL(c, order_get, ORDER_BY_UUID, a->o.uuid, 0, &o), KASSA_OK);
    check_order(&o, a);
    memset(&o, 0, sizeof o);
    assert_int_equal(STORE_CALL(c, order_get, ORDER_BY_UUID_CALLBACK, a->o.uuid_callback, 0, &o),
                     KASSA_OK);
    check_order(&o, a);
    assert_int_equal(STORE_CALL(c, order_get, ORDER_BY_UUID, a->o.uuid_callback, 0, &o),
                     KASSA_ENOTFOUND);
    store_release(c);
}

static void test_insert_read_reopen(void **state)
{
    struct fx *f = *state;
    struct insert_args *a = calloc(1, sizeof *a);
    assert_non_null(a);
    fill(a);
    assert_int_equal(on_writer(f, insert_all, a), KASSA_OK);
    assert_true(a->m.id > 0 && a->s.id > 0 && a->r.id > 0 && a->o.id > 0);
    read_back(f, a);
    fx_close_store(f);
    fx_open_store(f);
    read_back(f, a);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM orders"), 1);
    free(a);
}

static kassa_err idem_put(struct store_conn *c, void *arg)
{
    return STORE_CALL(c, idem_put, (const struct idem *)arg);
}

static int last_purged;

static kassa_err idem_purge(struct store_conn *c, void *arg)
{
    return STORE_CALL(c, idem_purge, *(const int64_t *)arg, 1000000, &last_purged);
}

struct purge_some {
    int64_t before;
    int limit;
    int purged;
};

static kassa_err idem_purge_some(struct store_conn *c, void *arg)
{
    struct purge_some *p = arg;
    return STORE_CALL(c, idem_purge, p->before, p->limit, &p->purged);
}

static void test_idempotency_round_trip(void **state)
{
    struct fx *f = *state;
    struct idem in = {.shop_id = 7, .order_id = 42, .created_at = 1700000000};
    snprintf(in.key, sizeof in.key, "key-1");
    for (int i = 0; i < 32; i++)
        in.fingerprint[i] = (unsigned char)(i * 7 + 1);
    assert_int_equal(on_writer(f, idem_put, &in), KASSA_OK);

    struct store_conn *c = store_reader(f->store);
    struct idem out;
    memset(&out, 0xAA, sizeof out);
    assert_int_equal(STORE_CALL(c, idem_get, 7, "key-1", &out), KASSA_OK);
    assert_int_equal(out.shop_id, 7);
    assert_string_equal(out.key, "key-1");
    assert_memory_equal(out.fingerprint, in.fingerprint, 32);
    assert_int_equal(out.order_id, 42);
    assert_int_equal(out.created_at, 1700000000);
    /* Scoped to the shop. */
    assert_int_equal(STORE_CALL(c, idem_get, 8, "key-1", &out), KASSA_ENOTFOUND);
    assert_int_equal(STORE_CALL(c, idem_get, 7, "key-2", &out), KASSA_ENOTFOUND);
    store_release(c);

    /* The same (shop, key) twice is a unique violation; another shop's is not. */
    struct idem again = in;
    again.order_id = 43;
    assert_int_equal(on_writer(f, idem_put, &again), KASSA_EEXIST);
    again.shop_id = 8;
    assert_int_equal(on_writer(f, idem_put, &again), KASSA_OK);
    assert_int_equal(fx_int(f, "SELECT order_id FROM idempotency WHERE shop_id = 7"), 42);

    /* Purge drops keys created before the cut-off only, in the order they
     * were stored: a key stored after a younger one (the clock stepped
     * back) waits for it. */
    struct idem old = in;
    snprintf(old.key, sizeof old.key, "old");
    old.created_at = 1600000000;
    assert_int_equal(on_writer(f, idem_put, &old), KASSA_OK);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM idempotency"), 3);
    int64_t before = 1700000000;
    assert_int_equal(on_writer(f, idem_purge, &before), KASSA_OK);
    assert_int_equal(last_purged, 0);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM idempotency"), 3);
    struct idem late = in;
    snprintf(late.key, sizeof late.key, "late");
    late.created_at = 1800000000;
    assert_int_equal(on_writer(f, idem_put, &late), KASSA_OK);
    before = 1700000001;
    assert_int_equal(on_writer(f, idem_purge, &before), KASSA_OK);
    assert_int_equal(last_purged, 3);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM idempotency"), 1);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM idempotency WHERE key = 'late'"), 1);
    c = store_reader(f->store);
    assert_int_equal(STORE_CALL(c, idem_get, 7, "old", &out), KASSA_ENOTFOUND);
    assert_int_equal(STORE_CALL(c, idem_get, 7, "key-1", &out), KASSA_ENOTFOUND);
    assert_int_equal(STORE_CALL(c, idem_get, 7, "late", &out), KASSA_OK);
    store_release(c);
    /* No index on created_at is left to keep (migration 008). */
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND "
                               "tbl_name = 'idempotency'"),
                     0);
}

static kassa_err idem_put_n(struct store_conn *c, void *arg)
{
    int n = *(int *)arg;
    for (int i = 0; i < n; i++) {
        struct idem in = {.shop_id = 1 + i % 3, .order_id = i, .created_at = 1000 + i};
        snprintf(in.key, sizeof in.key, "k-%d", i);
        kassa_err err = STORE_CALL(c, idem_put, &in);
        if (err != KASSA_OK)
            return err;
    }
    return KASSA_OK;
}

static kassa_err idem_get_i(struct store_conn *c, int i, struct idem *out)
{
    char key[32];
    snprintf(key, sizeof key, "k-%d", i);
    return STORE_CALL(c, idem_get, 1 + i % 3, key, out);
}

/* The in-memory index over the idempotency table: it grows past its first
 * capacity, finds every key, is rebuilt from the table on reopen, and a
 * purge takes exactly the old keys out of it (the others stay findable:
 * the table's deletions shift entries back in their probe runs). */
static void test_idempotency_index(void **state)
{
    struct fx *f = *state;
    int n = 5000;
    assert_int_equal(on_writer(f, idem_put_n, &n), KASSA_OK);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM idempotency"), n);
    struct store_conn *c = store_reader(f->store);
    struct idem out;
    for (int i = 0; i < n; i++) {
        assert_int_equal(idem_get_i(c, i, &out), KASSA_OK);
        assert_int_equal(out.order_id, i);
    }
    /* Another shop's key of the same text is another key. */
    assert_int_equal(STORE_CALL(c, idem_get, 2, "k-0", &out), KASSA_ENOTFOUND);
    store_release(c);

    fx_close_store(f);
    fx_open_store(f);
    c = store_reader(f->store);
    for (int i = 0; i < n; i++)
        assert_int_equal(idem_get_i(c, i, &out), KASSA_OK);
    store_release(c);
    /* Still unique after the reload. */
    struct idem dup = {.shop_id = 1, .order_id = 9, .created_at = 1};
    snprintf(dup.key, sizeof dup.key, "k-0");
    assert_int_equal(on_writer(f, idem_put, &dup), KASSA_EEXIST);

    /* In chunks, the oldest first: 1000, 1000, then the last 500 of the
     * n/2 keys created before the cut-off. */
    struct purge_some ps = {.before = 1000 + n / 2, .limit = 1000}; /* keys 0 .. n/2 - 1 */
    assert_int_equal(on_writer(f, idem_purge_some, &ps), KASSA_OK);
    assert_int_equal(ps.purged, 1000);
    assert_int_equal(fx_int(f, "SELECT MIN(created_at) FROM idempotency"), 1000 + 1000);
    assert_int_equal(on_writer(f, idem_purge_some, &ps), KASSA_OK);
    assert_int_equal(ps.purged, 1000);
    assert_int_equal(on_writer(f, idem_purge_some, &ps), KASSA_OK);
    assert_int_equal(ps.purged, n / 2 - 2000);
    assert_int_equal(on_writer(f, idem_purge_some, &ps), KASSA_OK);
    assert_int_equal(ps.purged, 0);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM idempotency"), n - n / 2);
    assert_int_equal(sqlite_idem_entries(f->store), n - n / 2);
    c = store_reader(f->store);
    for (int i = 0; i < n; i++)
        assert_int_equal(idem_get_i(c, i, &out), i < n / 2 ? KASSA_ENOTFOUND : KASSA_OK);
    store_release(c);
    /* A purged key can be used again. */
    assert_int_equal(on_writer(f, idem_put, &dup), KASSA_OK);
}

static void reader_state(struct store_conn *c, bool *in_tx, unsigned *begins)
{
    struct sqlite_conn *sc = (struct sqlite_conn *)c;
    pthread_mutex_lock(&sc->use); /* the checkpointer's sweep takes it too */
    *in_tx = sc->in_tx;
    *begins = sc->begins;
    pthread_mutex_unlock(&sc->use);
}

static kassa_err read_key(struct fx *f, const char *key)
{
    struct store_conn *c = store_reader(f->store);
    struct idem out;
    kassa_err err = STORE_CALL(c, idem_get, 7, key, &out);
    store_release(c);
    return err;
}

static void put_key(struct fx *f, const char *key)
{
    struct idem in = {.shop_id = 7, .order_id = 1, .created_at = 1700000000};
    snprintf(in.key, sizeof in.key, "%s", key);
    assert_int_equal(on_writer(f, idem_put, &in), KASSA_OK);
}

/* Wait out the quiet spell, read `key`, and check the reader kept its
 * transaction; *begins: its transactions begun so far. */
static void read_after_quiet(struct fx *f, struct store_conn *c, const char *key, unsigned *begins)
{
    bool in_tx;
    usleep(300 * 1000);
    assert_int_equal(read_key(f, key), KASSA_OK);
    reader_state(c, &in_tx, begins);
    assert_true(in_tx);
}

/* Readers keep their read transaction between requests only while nothing
 * was committed since it began and nothing was written for 200 ms; any
 * commit, kassad's or another process's, is read by the next request; and
 * the checkpointer ends a kept transaction that a commit made stale. */
static void test_reader_transaction_kept(void **state)
{
    struct fx *f = *state;
    put_key(f, "a");
    struct store_conn *c = store_reader(f->store);
    store_release(c);
    bool in_tx;
    unsigned begins, before;
    /* Right after a write: ended at release, as before. */
    assert_int_equal(read_key(f, "a"), KASSA_OK);
    reader_state(c, &in_tx, &begins);
    assert_false(in_tx);

    read_after_quiet(f, c, "a", &before);
    for (int i = 0; i < 5; i++)
        assert_int_equal(read_key(f, "a"), KASSA_OK);
    reader_state(c, &in_tx, &begins);
    assert_true(in_tx);
    assert_int_equal(begins, before); /* the same transaction, five times */

    /* kassad's commit: the next request sees it (a new transaction). */
    put_key(f, "b");
    assert_int_equal(read_key(f, "b"), KASSA_OK);
    reader_state(c, &in_tx, &begins);
    assert_int_equal(begins, before + 1);

    /* Another process's commit (a raw connection on the file), also after a
     * quiet spell with the transaction kept. */
    read_after_quiet(f, c, "b", &before);
    fx_exec(f, "INSERT INTO rates(base, quote, rate, updated_at) VALUES ('USDT', 'XYZ', '7.5', 1)");
    char rate[32] = "";
    c = store_reader(f->store);
    assert_int_equal(STORE_CALL(c, rate_get, "USDT", "XYZ", rate), KASSA_OK);
    store_release(c);
    assert_string_equal(rate, "7.5");
    reader_state(c, &in_tx, &begins);
    assert_int_equal(begins, before + 1);

    /* A kept transaction that a commit made stale, on a reader nobody uses:
     * the checkpointer ends it (it sweeps every 50 ms). */
    read_after_quiet(f, c, "a", &begins);
    in_tx = true;
    put_key(f, "c");
    for (int i = 0; i < 100 && in_tx; i++) {
        usleep(10 * 1000);
        reader_state(c, &in_tx, &begins);
    }
    assert_false(in_tx);
    assert_int_equal(read_key(f, "c"), KASSA_OK);
}

/* ---- the writer's memo (sqlite_rows.c): what an order create reads ---- */

struct memo_args {
    struct insert_args *a;
    int64_t first; /* the id of the first of the requisites */
    int64_t picked[64];
    int n; /* picks to make */
    kassa_err err;
    char rate[32]; /* the USDT-RUB rate and the shop's fixed RUB fee read last */
    int64_t fixed;
};

static kassa_err add_requisites(struct store_conn *c, void *arg)
{
    struct memo_args *m = arg;
    kassa_err err = STORE_CALL(c, merchant_insert, &m->a->m);
    if (err == KASSA_OK) {
        m->a->s.merchant_id = m->a->m.id;
        err = STORE_CALL(c, shop_insert, &m->a->s);
    }
    for (int i = 0; i < 40 && err == KASSA_OK; i++) {
        snprintf(m->a->r.value, sizeof m->a->r.value, "+7900%07d", i);
        err = STORE_CALL(c, requisite_insert, &m->a->r);
        if (i == 0)
            m->first = m->a->r.id;
    }
    return err;
}

static kassa_err pick_n(struct store_conn *c, void *arg)
{
    struct memo_args *m = arg;
    struct requisite r;
    for (int i = 0; i < m->n; i++) {
        kassa_err err = pick_one(c, "card", "RUB", NULL, NULL, &r);
        if (err != KASSA_OK)
            return err;
        m->picked[i] = r.id;
    }
    return KASSA_OK;
}

/* Picks, a requisite added in the same transaction, picks again. */
static kassa_err pick_add_pick(struct store_conn *c, void *arg)
{
    struct memo_args *m = arg;
    struct requisite r;
    kassa_err err = KASSA_OK;
    for (int i = 0; i < 3 && err == KASSA_OK; i++)
        err = pick_one(c, "card", "RUB", NULL, NULL, &r);
    if (err != KASSA_OK)
        return err;
    snprintf(m->a->r.value, sizeof m->a->r.value, "+79009999999");
    if ((err = STORE_CALL(c, requisite_insert, &m->a->r)) != KASSA_OK)
        return err;
    return pick_n(c, m);
}

/* Two "sbp" requisites, both picked (the window holds every one), a
 * third added, picked twice: the new one, then the first. */
static kassa_err small_list_add(struct store_conn *c, void *arg)
{
    struct memo_args *m = arg;
    struct requisite r = m->a->r;
    kassa_err err = KASSA_OK;
    snprintf(r.type, sizeof r.type, "sbp");
    for (int i = 0; i < 2 && err == KASSA_OK; i++) {
        snprintf(r.value, sizeof r.value, "+7911000000%d", i);
        err = STORE_CALL(c, requisite_insert, &r);
    }
    struct requisite got;
    for (int i = 0; i < 2 && err == KASSA_OK; i++)
        if ((err = pick_one(c, "sbp", "RUB", NULL, NULL, &got)) == KASSA_OK)
            m->picked[i] = got.id;
    if (err == KASSA_OK)
        err = STORE_CALL(c, requisite_insert, &r);
    for (int i = 2; i < 4 && err == KASSA_OK; i++)
        if ((err = pick_one(c, "sbp", "RUB", NULL, NULL, &got)) == KASSA_OK)
            m->picked[i] = got.id;
    m->first = r.id;
    return err;
}

/* A step of the steps below: its result must be `want`; a mismatch is the
 * transaction's result (KASSA_EIO for an unexpected success) and m->err. */
#define STEP(call, want)                                                                           \
    do {                                                                                           \
        kassa_err e_ = (call);                                                                     \
        if (e_ != (want))                                                                          \
            return m->err = e_ == KASSA_OK ? KASSA_EIO : e_;                                       \
    } while (0)

/* The USDT-RUB rate and the shop's fixed RUB fee into m->rate, m->fixed. */
static kassa_err read_both(struct store_conn *c, struct memo_args *m)
{
    STEP(STORE_CALL(c, rate_get, "USDT", "RUB", m->rate), KASSA_OK);
    STEP(STORE_CALL(c, shop_fee_get, m->a->s.id, "RUB", &m->fixed), KASSA_OK);
    return KASSA_OK;
}

/* Put the rate, read it; read the fee (`fee_before`: its result then), put
 * it, read it: both reads after a write must give the new values. */
static kassa_err put_read(struct store_conn *c, struct memo_args *m, const char *rate,
                          int64_t fixed, kassa_err fee_before, int64_t now)
{
    int64_t shop = m->a->s.id;
    STEP(STORE_CALL(c, rate_put, "USDT", "RUB", rate, now), KASSA_OK);
    STEP(STORE_CALL(c, rate_get, "USDT", "RUB", m->rate), KASSA_OK);
    STEP(STORE_CALL(c, shop_fee_get, shop, "RUB", &m->fixed), fee_before);
    STEP(STORE_CALL(c, shop_fee_set, shop, "RUB", fixed), KASSA_OK);
    STEP(STORE_CALL(c, shop_fee_get, shop, "RUB", &m->fixed), KASSA_OK);
    STEP(strcmp(m->rate, rate) == 0 && m->fixed == fixed ? KASSA_OK : KASSA_EIO, KASSA_OK);
    return KASSA_OK;
}

/* A rate and a fee read, changed, read, changed under a savepoint that is
 * rolled back, read: each read gives what the transaction holds then. */
static kassa_err rate_fee_steps(struct store_conn *c, void *arg)
{
    struct memo_args *m = arg;
    STEP(STORE_CALL(c, rate_get, "USDT", "RUB", m->rate), KASSA_ENOTFOUND);
    STEP(STORE_CALL(c, rate_get, "USDT", "RUB", m->rate), KASSA_ENOTFOUND);
    STEP(STORE_CALL(c, shop_fee_get, m->a->s.id, "RUB", &m->fixed), KASSA_ENOTFOUND);
    STEP(put_read(c, m, "95.00", 1500, KASSA_ENOTFOUND, 1), KASSA_OK);
    STEP(STORE_CALL0(c, savepoint), KASSA_OK);
    STEP(put_read(c, m, "96.00", 1600, KASSA_OK, 2), KASSA_OK);
    STEP(STORE_CALL0(c, savepoint_rollback), KASSA_OK);
    STEP(read_both(c, m), KASSA_OK);
    STEP(strcmp(m->rate, "95.00") == 0 && m->fixed == 1500 ? KASSA_OK : KASSA_EIO, KASSA_OK);
    return KASSA_OK;
}

/* Both read, the rate again (from the memo). */
static kassa_err rate_fee_read(struct store_conn *c, void *arg)
{
    struct memo_args *m = arg;
    STEP(read_both(c, m), KASSA_OK);
    STEP(STORE_CALL(c, rate_get, "USDT", "RUB", m->rate), KASSA_OK);
    return KASSA_OK;
}
#undef STEP

/* The writer reads requisites a window at a time and rates and fees once
 * per transaction: the rotation is the one a statement per pick gives,
 * across windows, transactions and a requisite added mid-transaction; a
 * change (its own, rolled back, or another process's between
 * transactions) is read at once. */
static void test_writer_memo(void **state)
{
    struct fx *f = *state;
    struct insert_args *a = calloc(1, sizeof *a);
    struct memo_args *m = calloc(1, sizeof *m);
    assert_non_null(a);
    assert_non_null(m);
    fill(a);
    m->a = a;
    assert_int_equal(on_writer(f, add_requisites, m), KASSA_OK);

    /* 40 requisites, windows of 16: 64 picks in one transaction go round
     * in id order and wrap. */
    m->n = 64;
    assert_int_equal(on_writer(f, pick_n, m), KASSA_OK);
    for (int i = 0; i < 64; i++)
        assert_int_equal(m->picked[i], m->first + i % 40);
    /* The next transaction goes on from there. */
    m->n = 5;
    assert_int_equal(on_writer(f, pick_n, m), KASSA_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(m->picked[i], m->first + 24 + i);

    /* Another process retires two requisites between transactions (one in
     * the part of the list a window already read). */
    fx_exec(f, "UPDATE requisites SET active = 0 WHERE id IN (%lld, %lld)",
            (long long)(m->first + 29), (long long)(m->first + 35));
    m->n = 12;
    assert_int_equal(on_writer(f, pick_n, m), KASSA_OK);
    int64_t want[] = {30, 31, 32, 33, 34, 36, 37, 38, 39, 0, 1, 2};
    for (int i = 0; i < 12; i++)
        assert_int_equal(m->picked[i], m->first + want[i]);

    /* A requisite added mid-transaction (after the window was read) takes
     * its turn at the end of the round. */
    m->n = 40;
    assert_int_equal(on_writer(f, pick_add_pick, m), KASSA_OK);
    int64_t added = a->r.id;
    assert_int_equal(added, m->first + 40);
    int k = 0;
    for (int64_t id = m->first + 6; id <= added; id++)
        if (id != m->first + 29 && id != m->first + 35)
            assert_int_equal(m->picked[k++], id);
    assert_int_equal(k, 33);
    for (int i = 0; k < 40; i++) /* and round again */
        assert_int_equal(m->picked[k++], m->first + i);

    /* The same when the window holds every requisite of the kind. */
    assert_int_equal(on_writer(f, small_list_add, m), KASSA_OK);
    assert_int_equal(m->picked[0], m->first - 2);
    assert_int_equal(m->picked[1], m->first - 1);
    assert_int_equal(m->picked[2], m->first);
    assert_int_equal(m->picked[3], m->first - 2);

    /* Rates and fees: written, read, rolled back to a savepoint. */
    assert_int_equal(on_writer(f, rate_fee_steps, m), KASSA_OK);
    assert_int_equal(m->err, KASSA_OK);
    /* Another process's change between transactions is read. */
    fx_exec(f, "UPDATE rates SET rate = '97.50' WHERE base = 'USDT' AND quote = 'RUB'");
    fx_exec(f, "UPDATE shop_fees SET fixed = 1700 WHERE shop_id = %lld", (long long)a->s.id);
    assert_int_equal(on_writer(f, rate_fee_read, m), KASSA_OK);
    assert_string_equal(m->rate, "97.50");
    assert_int_equal(m->fixed, 1700);
    free(m);
    free(a);
}

/* ---- the country filter of a pick (sqlite.c kassa_country_ok) ---------- */

/* The country test_pick_countries gives the i-th of add_requisites' 40
 * requisites: every fourth KAZ, the one after it UZB, the rest RUS. */
static const char *pick_country(int i)
{
    return i % 4 == 0 ? "KAZ" : i % 4 == 1 ? "UZB" : "RUS";
}

struct country_picks {
    struct country_filter kaz, kaz_uzb, tjk, any;
    int64_t kaz_ids[25], both_ids[25], plain_ids[45];
    kassa_err tjk_err;
};

/* One pick of a RUB "card" requisite of `countries`: its id into *id. */
static kassa_err pick_card(struct store_conn *c, const struct country_filter *countries,
                           int64_t *id)
{
    struct requisite r;
    kassa_err err = pick_one(c, "card", "RUB", NULL, countries, &r);
    if (err == KASSA_OK)
        *id = r.id;
    return err;
}

/* In one transaction, interleaved: 25 picks of KAZ, 25 of KAZ or UZB, 45
 * without a filter (every fifth through the "ANY" filter), and one of TJK. */
static kassa_err country_picks(struct store_conn *c, void *arg)
{
    struct country_picks *p = arg;
    kassa_err err = KASSA_OK;
    for (int i = 0; i < 45 && err == KASSA_OK; i++) {
        if (i < 25 && (err = pick_card(c, &p->kaz, &p->kaz_ids[i])) == KASSA_OK)
            err = pick_card(c, &p->kaz_uzb, &p->both_ids[i]);
        if (err == KASSA_OK)
            err = pick_card(c, i % 5 == 4 ? &p->any : NULL, &p->plain_ids[i]);
    }
    int64_t id;
    if (err == KASSA_OK)
        p->tjk_err = pick_card(c, &p->tjk, &id);
    return err;
}

/* A pick with countries gives only requisites of those countries, in
 * rotation across the writer's windows (16 rows, here of the filter's own
 * requisites), and leaves the rotation without a filter as it was; "ANY"
 * is no filter; none admitted: KASSA_ENOTFOUND. */
static void test_pick_countries(void **state)
{
    struct fx *f = *state;
    struct insert_args *a = calloc(1, sizeof *a);
    struct memo_args *m = calloc(1, sizeof *m);
    struct country_picks *p = calloc(1, sizeof *p);
    assert_non_null(a);
    assert_non_null(m);
    assert_non_null(p);
    fill(a);
    m->a = a;
    assert_int_equal(on_writer(f, add_requisites, m), KASSA_OK);
    for (int i = 0; i < 40; i++)
        fx_exec(f, "UPDATE requisites SET country_code = '%s' WHERE id = %lld", pick_country(i),
                (long long)(m->first + i));
    assert_true(country_filter_add(&p->kaz, "KAZ"));
    assert_true(country_filter_add(&p->kaz_uzb, "UZB"));
    assert_true(country_filter_add(&p->kaz_uzb, "KAZ"));
    assert_true(country_filter_add(&p->tjk, "TJK"));
    assert_true(country_filter_add(&p->any, "KAZ"));
    assert_true(country_filter_add(&p->any, "ANY"));
    assert_int_equal(on_writer(f, country_picks, p), KASSA_OK);
    /* KAZ: requisites 0, 4, ..., 36 (10), round and round. */
    for (int i = 0; i < 25; i++)
        assert_int_equal(p->kaz_ids[i], m->first + 4 * (i % 10));
    /* KAZ or UZB: 0, 1, 4, 5, ... (20 of them: more than a window). */
    for (int i = 0; i < 25; i++)
        assert_int_equal(p->both_ids[i], m->first + 4 * ((i % 20) / 2) + (i % 2));
    /* No filter ("ANY" included): every requisite in turn. */
    for (int i = 0; i < 45; i++)
        assert_int_equal(p->plain_ids[i], m->first + i % 40);
    assert_int_equal(p->tjk_err, KASSA_ENOTFOUND);

    /* Another process moves requisite 8 from KAZ to TJK: read at once. */
    fx_exec(f, "UPDATE requisites SET country_code = 'TJK' WHERE id = %lld",
            (long long)(m->first + 8));
    memset(p->kaz_ids, 0, sizeof p->kaz_ids);
    assert_int_equal(on_writer(f, country_picks, p), KASSA_OK);
    assert_int_equal(p->tjk_err, KASSA_OK);
    for (int i = 0; i < 25; i++) {
        assert_int_not_equal(p->kaz_ids[i], m->first + 8);
        assert_int_equal((p->kaz_ids[i] - m->first) % 4, 0);
    }
    free(p);
    free(m);
    free(a);
}

/* A failure during an outage is still reported as one for a moment after
 * another connection reconnected (reply_error's 500 -> 503). */
static void test_unavailable_lately(void **state)
{
    (void)state;
    store_set_unavailable(false);
    assert_false(store_unavailable_lately());
    store_set_unavailable(true);
    assert_true(store_unavailable());
    assert_true(store_unavailable_lately());
    store_set_unavailable(false);
    assert_false(store_unavailable());
    assert_true(store_unavailable_lately());
    usleep((STORE_RECOVERY_GRACE_MS + 100) * 1000);
    assert_false(store_unavailable_lately());
}

/* A database made before migration 006 (idempotency keyed by a B-tree):
 * opening it moves the keys to the new table, and they are found. */
static void test_idempotency_migrates(void **state)
{
    struct fx *f = *state;
    fx_close_store(f);
    char p[200];
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                                  "name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < migrations_sqlite_count && migrations_sqlite[i].version <= 5; i++) {
        assert_int_equal(sqlite3_exec(db, migrations_sqlite[i].sql, NULL, NULL, NULL), SQLITE_OK);
        char sql[200];
        snprintf(sql, sizeof sql, "INSERT INTO schema_migrations VALUES (%d, '%s', 1)",
                 migrations_sqlite[i].version, migrations_sqlite[i].name);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO idempotency VALUES (4, 'before-006', "
                                  "zeroblob(32), 77, 1500)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    fx_open_store(f);
    struct store_conn *c = store_reader(f->store);
    struct idem out;
    assert_int_equal(STORE_CALL(c, idem_get, 4, "before-006", &out), KASSA_OK);
    assert_int_equal(out.order_id, 77);
    assert_int_equal(out.created_at, 1500);
    store_release(c);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM sqlite_master WHERE name = "
                               "'idempotency_old'"),
                     0);
}

struct dup_args {
    struct insert_args a;
    struct shop s2;
    struct order o2;
    struct withdrawal w;
};

static kassa_err dup_shop(struct store_conn *c, void *arg)
{
    return STORE_CALL(c, shop_insert, &((struct dup_args *)arg)->s2);
}

static kassa_err dup_order(struct store_conn *c, void *arg)
{
    return STORE_CALL(c, order_insert, &((struct dup_args *)arg)->o2);
}

static kassa_err ins_withdrawal(struct store_conn *c, void *arg)
{
    return STORE_CALL(c, withdrawal_insert, &((struct dup_args *)arg)->w);
}

static void test_unique_violations(void **state)
{
    struct fx *f = *state;
    struct dup_args *d = calloc(1, sizeof *d);
    assert_non_null(d);
    fill(&d->a);
    assert_int_equal(on_writer(f, insert_all, &d->a), KASSA_OK);

    /* A second shop with the first's public key, then with its dialects' keys. */
    d->s2 = d->a.s;
    snprintf(shop_dialect_mut(&d->s2, "panda")->api_key, KEY_SIZE, "another-panda-key");
    assert_int_equal(on_writer(f, dup_shop, d), KASSA_EEXIST);
    d->s2 = d->a.s;
    snprintf(d->s2.public_key, sizeof d->s2.public_key, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
    assert_int_equal(on_writer(f, dup_shop, d), KASSA_EEXIST);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM shops"), 1);
    snprintf(shop_dialect_mut(&d->s2, "panda")->api_key, KEY_SIZE, "another-panda-key");
    /* every dialect's key is unique in its dialect */
    assert_int_equal(on_writer(f, dup_shop, d), KASSA_EEXIST);
    snprintf(shop_dialect_mut(&d->s2, "tegro")->api_key, KEY_SIZE, "another-tegro-key");
    assert_int_equal(on_writer(f, dup_shop, d), KASSA_OK);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM shops"), 2);

    /* An order with a taken uuid, then with a taken uuid_callback. */
    d->o2 = d->a.o;
    snprintf(d->o2.uuid_callback, sizeof d->o2.uuid_callback,
             "99999999-7777-4888-9999-aaaaaaaaaaaa");
    assert_int_equal(on_writer(f, dup_order, d), KASSA_EEXIST);
    d->o2 = d->a.o;
    snprintf(d->o2.uuid, sizeof d->o2.uuid, "99999999-2222-4333-8444-555555555555");
    assert_int_equal(on_writer(f, dup_order, d), KASSA_EEXIST);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM orders"), 1);

    /* A withdrawal with a taken (shop, payment_id). */
    d->w.shop_id = d->a.s.id;
    snprintf(d->w.payment_id, sizeof d->w.payment_id, "pay-1");
    snprintf(d->w.currency, sizeof d->w.currency, "RUB");
    snprintf(d->w.account, sizeof d->w.account, "4111");
    d->w.amount = 100;
    d->w.created_at = 1700000000;
    assert_int_equal(on_writer(f, ins_withdrawal, d), KASSA_OK);
    int64_t first = d->w.id;
    assert_true(first > 0);
    assert_int_equal(on_writer(f, ins_withdrawal, d), KASSA_EEXIST);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM withdrawals"), 1);

    struct store_conn *c = store_reader(f->store);
    struct withdrawal w;
    assert_int_equal(STORE_CALL(c, withdrawal_get, d->a.s.id, 0, "pay-1", &w), KASSA_OK);
    assert_int_equal(w.id, first);
    assert_int_equal(w.amount, 100);
    assert_string_equal(w.account, "4111");
    assert_int_equal(STORE_CALL(c, withdrawal_get, d->a.s.id + 1, 0, "pay-1", &w), KASSA_ENOTFOUND);
    assert_int_equal(STORE_CALL(c, withdrawal_get, 0, first, NULL, &w), KASSA_OK);
    assert_int_equal(STORE_CALL(c, withdrawal_get, d->a.s.id + 1, first, NULL, &w),
                     KASSA_ENOTFOUND);
    store_release(c);
    free(d);
}

/* The URL as logged: a PostgreSQL password redacted. */
static void test_url_redacted(void **state)
{
    (void)state;
    char out[256];
    store_url_redacted("postgresql://kassa:s3cr%40t@db1:5432/kassa?sslmode=require", out,
                       sizeof out);
    assert_string_equal(out, "postgresql://kassa:***@db1:5432/kassa?sslmode=require");
    store_url_redacted("postgres://db1/kassa?user=k&password=pw&connect_timeout=5", out,
                       sizeof out);
    assert_string_equal(out, "postgres://db1/kassa?user=k&password=***&connect_timeout=5");
    store_url_redacted("postgresql://kassa@db1/kassa", out, sizeof out);
    assert_string_equal(out, "postgresql://kassa@db1/kassa");
    store_url_redacted("sqlite:var/kassa.db", out, sizeof out);
    assert_string_equal(out, "sqlite:var/kassa.db");
    store_url_redacted("postgresql://u:pw@h/d", out, 12);
    assert_string_equal(out, "postgresql:");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrations_once, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_insert_read_reopen, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_idempotency_round_trip, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_idempotency_index, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_idempotency_migrates, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_unique_violations, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reader_transaction_kept, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_writer_memo, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_pick_countries, fx_setup, fx_teardown),
        cmocka_unit_test(test_unavailable_lately),
        cmocka_unit_test(test_url_redacted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
