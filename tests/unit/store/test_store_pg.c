/* test_store_pg.c: the PostgreSQL store with two "nodes" on one database.
 *
 * Each node is its own store_open (own connections) with its own
 * group-commit writer, as two kassad processes have; threads race core
 * commands through both writers: withdrawals over one balance never
 * overdraw it, an idempotency key or a withdrawal payment_id raced on both
 * nodes makes one row (the other node answers with it), a request nonce is
 * recorded once, a single requisite serves orders from both nodes at once,
 * and two sweepers expire every due order exactly once.
 *
 * Needs a database: KASSA_TEST_PG_URL=postgresql://... (an empty database;
 * tests/e2e/test_pg_nodes.py runs this program with one, on the throwaway
 * server of tests/e2e/pg.py). Without it the program exits 77, which meson
 * reports as a skipped test, not a passed one. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "base/base.h"
#include "base/clock.h"
#include "core/core.h"
#include "base/log.h"
#include "store/store.h"
#include "txn/writer.h"

struct node {
    struct store *store;
    struct writer *writer;
};

static struct node nodes[2];

static int nodes_up(void **state)
{
    (void)state;
    const char *url = getenv("KASSA_TEST_PG_URL");
    clock_init(true);
    log_set_level(LOG_ERROR);
    for (int i = 0; i < 2; i++) {
        char err[256] = "";
        if (store_open(url, &nodes[i].store, err, sizeof err) != KASSA_OK) {
            fprintf(stderr, "store_open(%s): %s\n", url, err);
            return -1;
        }
        nodes[i].writer = writer_start(nodes[i].store, 64);
        if (nodes[i].writer == NULL)
            return -1;
    }
    return 0;
}

static int nodes_down(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        writer_stop(nodes[i].writer);
        store_close(nodes[i].store);
    }
    return 0;
}

static struct shop make_shop(const char *fee_percent)
{
    struct shop_create_cmd cmd = {.task.run = shop_create_apply};
    char msg[256] = "";
    snprintf(cmd.shop.name, sizeof cmd.shop.name, "Shop %s", fee_percent);
    snprintf(cmd.shop.fee_percent, sizeof cmd.shop.fee_percent, "%s", fee_percent);
    if (shop_create_prepare(&cmd, msg, sizeof msg) != KASSA_OK)
        fail_msg("shop_create_prepare: %s", msg);
    assert_int_equal(writer_run(nodes[0].writer, &cmd.task), KASSA_OK);
    return cmd.shop;
}

static int64_t make_requisite_at(const char *value, const char *bank_code)
{
    struct requisite_add_cmd cmd = {.task.run = requisite_add_apply};
    char msg[256] = "";
    snprintf(cmd.req.type, sizeof cmd.req.type, "SBP");
    snprintf(cmd.req.value, sizeof cmd.req.value, "%s", value);
    snprintf(cmd.req.country_code, sizeof cmd.req.country_code, "RUS");
    snprintf(cmd.req.bank_code, sizeof cmd.req.bank_code, "%s", bank_code);
    if (requisite_add_prepare(&cmd, msg, sizeof msg) != KASSA_OK)
        fail_msg("requisite_add_prepare: %s", msg);
    assert_int_equal(writer_run(nodes[1].writer, &cmd.task), KASSA_OK);
    return cmd.req.id;
}

static void make_requisite(const char *value)
{
    struct requisite_add_cmd cmd = {.task.run = requisite_add_apply};
    char msg[256] = "";
    snprintf(cmd.req.type, sizeof cmd.req.type, "SBP");
    snprintf(cmd.req.value, sizeof cmd.req.value, "%s", value);
    snprintf(cmd.req.country_code, sizeof cmd.req.country_code, "RUS");
    if (requisite_add_prepare(&cmd, msg, sizeof msg) != KASSA_OK)
        fail_msg("requisite_add_prepare: %s", msg);
    assert_int_equal(writer_run(nodes[1].writer, &cmd.task), KASSA_OK);
}

/* A pending order on `node`; its result and *out. */
static kassa_err create_order(int node, const struct shop *shop, int64_t amount,
                              const char *idem_key, struct order_create_cmd *out)
{
    struct order_create_cmd cmd = {.task.run = order_create_apply};
    cmd.shop = *shop;
    cmd.order.amount = amount;
    cmd.order.origin = 1 /* panda */;
    snprintf(cmd.order.currency, sizeof cmd.order.currency, "RUB");
    snprintf(cmd.order.requisite_type, sizeof cmd.order.requisite_type, "SBP");
    snprintf(cmd.idem_key, sizeof cmd.idem_key, "%s", idem_key ? idem_key : "");
    assert_int_equal(order_create_prepare(&cmd), KASSA_OK);
    kassa_err err = writer_run(nodes[node].writer, &cmd.task);
    if (out)
        *out = cmd;
    return err;
}

/* Put `amount` on the shop's available balance: an order completed. */
static void fund(const struct shop *shop, int64_t amount)
{
    /* a requisite of its own: earlier tests may have this amount pending
     * on the others (one pending order per amount per requisite) */
    static int funds;
    char value[32];
    snprintf(value, sizeof value, "+7900777%04d", ++funds);
    make_requisite(value);
    struct order_create_cmd oc;
    assert_int_equal(create_order(0, shop, amount, NULL, &oc), KASSA_OK);
    struct order_transition_cmd t = {.task.run = order_transition_apply,
                                     .order_id = oc.order.id,
                                     .to = ORDER_COMPLETED,
                                     .actor = ACTOR_OPERATOR};
    assert_int_equal(writer_run(nodes[1].writer, &t.task), KASSA_OK);
}

struct bal {
    int64_t available, held;
};

static bool bal_one(void *arg, const char *currency, int64_t available, int64_t held)
{
    struct bal *b = arg;
    if (strcmp(currency, "RUB") == 0) {
        b->available = available;
        b->held = held;
    }
    return true;
}

static struct bal balance(int node, int64_t shop_id)
{
    struct bal b = {0, 0};
    struct store_conn *c = store_reader(nodes[node].store);
    assert_non_null(c);
    assert_int_equal(STORE_CALL(c, balances, shop_id, bal_one, &b), KASSA_OK);
    store_release(c);
    return b;
}

static void problem_fail(void *arg, const char *problem)
{
    (void)arg;
    fail_msg("ledger: %s", problem);
}

static void verify_ok(void)
{
    int64_t accounts = 0, txs = 0;
    struct store_conn *c = store_reader(nodes[1].store);
    assert_non_null(c);
    assert_int_equal(STORE_CALL(c, ledger_verify, problem_fail, NULL, &accounts, &txs), KASSA_OK);
    store_release(c);
    assert_true(accounts > 0);
}

static kassa_err withdraw(int node, int64_t shop_id, const char *payment_id, int64_t amount,
                          struct withdrawal_create_cmd *out)
{
    struct withdrawal_create_cmd cmd = {.task.run = withdrawal_create_apply, .shop_id = shop_id};
    snprintf(cmd.w.payment_id, sizeof cmd.w.payment_id, "%s", payment_id);
    snprintf(cmd.w.currency, sizeof cmd.w.currency, "RUB");
    snprintf(cmd.w.account, sizeof cmd.w.account, "2200111122223333");
    cmd.w.amount = amount;
    assert_int_equal(withdrawal_create_prepare(&cmd), KASSA_OK);
    kassa_err err = writer_run(nodes[node].writer, &cmd.task);
    if (out)
        *out = cmd;
    return err;
}

/* ---- withdrawals racing for one balance ---- */

#define THREADS 16
#define PER_THREAD 4

struct racer {
    int64_t shop_id;
    int index;
    int ok, funds, other;
    kassa_err last_other;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char pid[64];
        snprintf(pid, sizeof pid, "t%d-%d", r->index, i);
        kassa_err err = withdraw((r->index + i) % 2, r->shop_id, pid, 700, NULL);
        if (err == KASSA_OK)
            r->ok++;
        else if (err == KASSA_EFUNDS)
            r->funds++;
        else {
            r->other++;
            r->last_other = err;
        }
    }
    return NULL;
}

/* 16 threads x 4 withdrawals of 7.00 over two nodes against 100.00:
 * exactly 14 succeed, the balance ends at 2.00, never below. */
static void test_withdrawals_two_nodes_never_overdraw(void **state)
{
    (void)state;
    struct shop shop = make_shop("0");
    fund(&shop, 10000);
    pthread_t th[THREADS];
    struct racer r[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i] = (struct racer){.shop_id = shop.id, .index = i};
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    int ok = 0, funds = 0, other = 0;
    kassa_err last = KASSA_OK;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        ok += r[i].ok;
        funds += r[i].funds;
        other += r[i].other;
        if (r[i].other)
            last = r[i].last_other;
    }
    if (other)
        fail_msg("%d withdrawals failed with %s", other, kassa_err_name(last));
    assert_int_equal(ok, 14);
    assert_int_equal(funds, THREADS * PER_THREAD - 14);
    for (int n = 0; n < 2; n++) {
        struct bal b = balance(n, shop.id);
        assert_int_equal(b.available, 200);
        assert_int_equal(b.held, 9800);
    }
    verify_ok();
}

/* ---- one key raced on both nodes ---- */

struct keyed {
    const struct shop *shop;
    const char *key;
    int index;
    kassa_err err;
    int64_t id;
    bool replayed;
    pthread_barrier_t *go;
};

static void *order_with_key(void *arg)
{
    struct keyed *k = arg;
    struct order_create_cmd oc;
    pthread_barrier_wait(k->go);
    k->err = create_order(k->index % 2, k->shop, 5000, k->key, &oc);
    k->id = oc.order.id;
    k->replayed = oc.replayed;
    return NULL;
}

static void test_idempotency_key_raced_on_two_nodes(void **state)
{
    (void)state;
    make_requisite("+79990000001");
    struct shop shop = make_shop("1");
    for (int round = 0; round < 10; round++) {
        char key[32];
        snprintf(key, sizeof key, "key-%d", round);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 8);
        pthread_t th[8];
        struct keyed k[8];
        for (int i = 0; i < 8; i++) {
            k[i] = (struct keyed){.shop = &shop, .key = key, .index = i, .go = &go};
            assert_int_equal(pthread_create(&th[i], NULL, order_with_key, &k[i]), 0);
        }
        int fresh = 0;
        for (int i = 0; i < 8; i++) {
            pthread_join(th[i], NULL);
            if (k[i].err != KASSA_OK)
                fail_msg("round %d thread %d: %s", round, i, kassa_err_name(k[i].err));
            assert_int_equal(k[i].id, k[0].id);
            fresh += !k[i].replayed;
        }
        assert_int_equal(fresh, 1);
        pthread_barrier_destroy(&go);
    }
}

/* ---- one requisite, orders from both nodes at once ---- */

struct picker {
    const struct shop *shop;
    int index;
    int assigned, other;
};

static void *pick_orders(void *arg)
{
    struct picker *p = arg;
    for (int i = 0; i < 10; i++) {
        struct order_create_cmd oc;
        /* an amount of its own: one pending order per amount per requisite */
        kassa_err err =
            create_order((p->index + i) % 2, p->shop, 1000 + p->index * 10 + i, NULL, &oc);
        if (err == KASSA_OK && oc.order.status == ORDER_PENDING && oc.order.requisite_id > 0)
            p->assigned++;
        else
            p->other++;
    }
    return NULL;
}

/* Every order gets a requisite while one exists, though the other node's
 * open batch may hold its row (SKIP LOCKED falls back to waiting). */
static void test_requisite_shared_by_two_nodes(void **state)
{
    (void)state;
    struct shop shop = make_shop("0");
    pthread_t th[8];
    struct picker p[8];
    for (int i = 0; i < 8; i++) {
        p[i] = (struct picker){.shop = &shop, .index = i};
        assert_int_equal(pthread_create(&th[i], NULL, pick_orders, &p[i]), 0);
    }
    int assigned = 0, other = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assigned += p[i].assigned;
        other += p[i].other;
    }
    assert_int_equal(other, 0);
    assert_int_equal(assigned, 80);
}

/* ---- one payment_id raced on both nodes ---- */

struct paid {
    int64_t shop_id;
    int index;
    kassa_err err;
    int64_t id;
    bool replayed;
    pthread_barrier_t *go;
};

static void *withdraw_same(void *arg)
{
    struct paid *p = arg;
    struct withdrawal_create_cmd cmd;
    pthread_barrier_wait(p->go);
    p->err = withdraw(p->index % 2, p->shop_id, "same-payout", 1000, &cmd);
    p->id = cmd.w.id;
    p->replayed = cmd.replayed;
    return NULL;
}

static void test_withdrawal_payment_id_raced_on_two_nodes(void **state)
{
    (void)state;
    struct shop shop = make_shop("0");
    fund(&shop, 5000);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 8);
    pthread_t th[8];
    struct paid p[8];
    for (int i = 0; i < 8; i++) {
        p[i] = (struct paid){.shop_id = shop.id, .index = i, .go = &go};
        assert_int_equal(pthread_create(&th[i], NULL, withdraw_same, &p[i]), 0);
    }
    int fresh = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        if (p[i].err != KASSA_OK)
            fail_msg("thread %d: %s", i, kassa_err_name(p[i].err));
        assert_int_equal(p[i].id, p[0].id);
        fresh += !p[i].replayed;
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(fresh, 1);
    struct bal b = balance(0, shop.id);
    assert_int_equal(b.available, 4000);
    assert_int_equal(b.held, 1000);
    verify_ok();
}

/* ---- a request nonce raced on both nodes ---- */

struct pg_nonce_cmd {
    struct store_task task;
    int64_t shop_id;
    int node;
    kassa_err err;
    pthread_barrier_t *go;
};

static kassa_err pg_nonce_apply(struct store_conn *c, struct store_task *task)
{
    struct pg_nonce_cmd *n = container_of(task, struct pg_nonce_cmd, task);
    unsigned char hash[32];
    memset(hash, 0xab, sizeof hash);
    return STORE_CALL(c, nonce_put, n->shop_id, "nonce-1", hash, clock_now());
}

static void *put_nonce(void *arg)
{
    struct pg_nonce_cmd *n = arg;
    pthread_barrier_wait(n->go);
    n->err = writer_run(nodes[n->node].writer, &n->task);
    return NULL;
}

static void test_request_nonce_recorded_once(void **state)
{
    (void)state;
    struct shop shop = make_shop("0");
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 6);
    pthread_t th[6];
    struct pg_nonce_cmd n[6];
    for (int i = 0; i < 6; i++) {
        n[i] = (struct pg_nonce_cmd){
            .task.run = pg_nonce_apply, .shop_id = shop.id, .node = i % 2, .go = &go};
        assert_int_equal(pthread_create(&th[i], NULL, put_nonce, &n[i]), 0);
    }
    int ok = 0, replay = 0;
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        if (n[i].err == KASSA_OK)
            ok++;
        else if (n[i].err == KASSA_EEXIST)
            replay++;
        else
            fail_msg("thread %d: %s", i, kassa_err_name(n[i].err));
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(ok, 1);
    assert_int_equal(replay, 5);
}

/* ---- the expiry sweep on both nodes ---- */

struct sweeper {
    int node;
    int expired;
    kassa_err err;
};

static void *sweep(void *arg)
{
    struct sweeper *s = arg;
    for (;;) {
        struct order_expire_cmd cmd = {.task.run = order_expire_apply};
        s->err = writer_run(nodes[s->node].writer, &cmd.task);
        if (s->err != KASSA_OK || cmd.expired == 0)
            break;
        s->expired += cmd.expired;
    }
    return NULL;
}

static void test_two_sweepers_expire_each_order_once(void **state)
{
    (void)state;
    make_requisite("+79990000000");
    struct shop shop = make_shop("0");
    enum { N = 600 };
    for (int i = 0; i < N; i++)
        assert_int_equal(create_order(i % 2, &shop, 100 + i, NULL, NULL), KASSA_OK);
    clock_advance(3600);
    pthread_t th[4];
    struct sweeper s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (struct sweeper){.node = i % 2};
        assert_int_equal(pthread_create(&th[i], NULL, sweep, &s[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(s[i].err, KASSA_OK);
        total += s[i].expired;
    }
    /* This test runs first on a fresh database: its N orders are all there
     * is, and each is expired by exactly one sweeper. */
    assert_int_equal(total, N);
    struct order_expire_cmd again = {.task.run = order_expire_apply};
    assert_int_equal(writer_run(nodes[0].writer, &again.task), KASSA_OK);
    assert_int_equal(again.expired, 0);
    struct order_stats st;
    struct store_conn *c = store_reader(nodes[0].store);
    assert_non_null(c);
    assert_int_equal(STORE_CALL(c, order_stats, shop.id, 0, INT64_MAX, "", "", "RUB", &st),
                     KASSA_OK);
    store_release(c);
    assert_int_equal(st.total_orders, N);
    assert_int_equal(st.pending_orders, 0);
}

/* ---- creates grouped in a batch (order_create_many_fn) ---- */

/* The batch gate, as in test_writer.c: a command holding node's writer
 * until opened, so that the commands queued meanwhile form one batch. */
static pthread_mutex_t gmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gcv = PTHREAD_COND_INITIALIZER;
static int gates_in, gates_out, gdone;
static bool gates_open;

static kassa_err gate_apply(struct store_conn *c, struct store_task *task)
{
    (void)c;
    (void)task;
    pthread_mutex_lock(&gmu);
    gates_in++;
    pthread_cond_broadcast(&gcv);
    while (!gates_open)
        pthread_cond_wait(&gcv, &gmu);
    pthread_mutex_unlock(&gmu);
    return KASSA_OK;
}

/* Counted: the writer is done with the gate (it wrote gate.next before
 * this) only then, and run_grouped's next call rewrites the gate. */
static void gate_done(struct writer_cmd *wc, kassa_err err)
{
    (void)wc;
    (void)err;
    pthread_mutex_lock(&gmu);
    gates_out++;
    pthread_cond_broadcast(&gcv);
    pthread_mutex_unlock(&gmu);
}

struct grouped {
    struct order_create_cmd cmd;
    struct writer_cmd wc; /* cmd.task's entry in the writer's queue */
    int node;
    kassa_err err;
};

static void grouped_done(struct writer_cmd *wc, kassa_err err)
{
    struct grouped *g = container_of(wc, struct grouped, wc);
    pthread_mutex_lock(&gmu);
    g->err = err;
    gdone++;
    pthread_cond_broadcast(&gcv);
    pthread_mutex_unlock(&gmu);
}

/* A create of `amount` (minor units) with `key` ("" = none) and requisite
 * `type`, to run on `node`. */
static void grouped_init(struct grouped *g, int node, const struct shop *shop, int64_t amount,
                         const char *key, const char *type)
{
    memset(g, 0, sizeof *g);
    g->node = node;
    g->cmd.shop = *shop;
    g->cmd.order.amount = amount;
    g->cmd.order.origin = 1 /* panda */;
    snprintf(g->cmd.order.currency, sizeof g->cmd.order.currency, "RUB");
    snprintf(g->cmd.order.requisite_type, sizeof g->cmd.order.requisite_type, "%s", type);
    snprintf(g->cmd.idem_key, sizeof g->cmd.idem_key, "%s", key);
    assert_int_equal(order_create_prepare(&g->cmd), KASSA_OK);
    g->cmd.task.run = order_create_apply;
    g->cmd.task.run_many = order_create_many_fn(nodes[node].store);
    g->wc.task = &g->cmd.task;
    g->wc.done = grouped_done;
    assert_non_null(g->cmd.task.run_many);
}

/* Hold both writers in a gate, queue every create on its node (one batch
 * per node), open the gates together, wait for every result. */
static void run_grouped(struct grouped *g, int n)
{
    static struct store_task gate_task = {.run = gate_apply};
    static struct writer_cmd gates[2];
    pthread_mutex_lock(&gmu);
    gates_in = gates_out = gdone = 0;
    gates_open = false;
    pthread_mutex_unlock(&gmu);
    for (int i = 0; i < 2; i++) {
        gates[i] = (struct writer_cmd){.task = &gate_task, .done = gate_done};
        writer_submit(nodes[i].writer, &gates[i]);
    }
    pthread_mutex_lock(&gmu);
    while (gates_in < 2)
        pthread_cond_wait(&gcv, &gmu);
    pthread_mutex_unlock(&gmu);
    for (int i = 0; i < n; i++)
        writer_submit(nodes[g[i].node].writer, &g[i].wc);
    pthread_mutex_lock(&gmu);
    gates_open = true;
    pthread_cond_broadcast(&gcv);
    while (gdone < n || gates_out < 2)
        pthread_cond_wait(&gcv, &gmu);
    pthread_mutex_unlock(&gmu);
}

/* run_grouped with the log at debug level written to a file: the log. */
static char *run_logged(struct grouped *g, int n)
{
    char path[] = "/tmp/kassa-test-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    log_set_level(LOG_DEBUG);
    run_grouped(g, n);
    log_set_level(LOG_ERROR);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(pread(fd, text, (size_t)size, 0), size);
    close(fd);
    return text;
}

/* The stored order and idempotency record of a create, read back. */
static void check_stored(const struct grouped *g)
{
    struct store_conn *c = store_reader(nodes[0].store);
    struct order o;
    assert_int_equal(STORE_CALL(c, order_get, ORDER_BY_UUID, g->cmd.order.uuid, 0, &o), KASSA_OK);
    assert_int_equal(o.id, g->cmd.order.id);
    assert_int_equal(o.amount, g->cmd.order.amount);
    assert_int_equal(o.fee, g->cmd.order.fee);
    assert_int_equal(o.status, g->cmd.order.status);
    assert_int_equal(o.requisite_id, g->cmd.order.requisite_id);
    struct idem rec;
    kassa_err err = STORE_CALL(c, idem_get, g->cmd.shop.id, g->cmd.idem_key, &rec);
    if (g->cmd.idem_key[0] != '\0') {
        assert_int_equal(err, KASSA_OK);
        assert_int_equal(rec.order_id, o.id);
        assert_memory_equal(rec.fingerprint, g->cmd.fingerprint, sizeof rec.fingerprint);
    }
    store_release(c);
}

/* A batch's creates in one group (two statements on PostgreSQL), with
 * everything a group must settle one by one: keys needing array escapes,
 * no key, the same key twice (the second answers the first's order), a key
 * reused with other parameters (conflict), a fixed fee above the amount, a
 * requisite type without requisites, the requisite rotation; and one key
 * raced by both nodes' groups at once (one order). */
static void test_creates_grouped(void **state)
{
    (void)state;
    make_requisite("+79990000010");
    make_requisite("+79990000011");
    int64_t sber = make_requisite_at("+79990000012", "sber-test");
    struct shop shop = make_shop("1");
    struct shop_tariff_cmd tariff = {.task.run = shop_tariff_apply, .shop_id = shop.id};
    snprintf(tariff.fixed[0].currency, sizeof tariff.fixed[0].currency, "RUB");
    tariff.fixed[0].amount = 500;
    tariff.n_fixed = 1;
    assert_int_equal(writer_run(nodes[0].writer, &tariff.task), KASSA_OK);

    enum { N = 23 };
    static struct grouped g[N];
    static const char *const keys[] = {"plain-1",       "quote\"d", "back\\slash",
                                       "{brace,comma}", "NULL",     " spaced "};
    int n = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        grouped_init(&g[n++], 0, &shop, 10000 + (int64_t)i, keys[i], "SBP");
    for (int i = 0; i < 6; i++)
        grouped_init(&g[n++], 0, &shop, 20000 + i, "", "SBP"); /* no key */
    int same = n;
    grouped_init(&g[n++], 0, &shop, 10000, "plain-1", "SBP"); /* same as g[0] */
    int other = n;
    grouped_init(&g[n++], 0, &shop, 19999, "quote\"d", "SBP"); /* other parameters */
    int dear = n;
    grouped_init(&g[n++], 0, &shop, 400, "dear", "SBP"); /* 1 % + 5.00 > 4.00 */
    int none = n;
    grouped_init(&g[n++], 0, &shop, 10000, "no-card", "card"); /* no card requisites */
    /* Node 0's 16 in one group, proved by the writer's debug line (a group
     * that failed would have run one by one, with the same results). */
    char *log = run_logged(g, n);
    if (strstr(log, "msg=\"commands grouped\" commands=16") == NULL ||
        strstr(log, "run one by one") != NULL)
        fail_msg("no group of 16 in the log:\n%s", log);
    free(log);
    /* A bank with a requisite gets only that one; a bank without any gets
     * the rotation over all. */
    int banked = n;
    for (int i = 0; i < 2; i++) {
        grouped_init(&g[n], 0, &shop, 30000 + i, "", "SBP");
        snprintf(g[n].cmd.order.bank_code, sizeof g[n].cmd.order.bank_code, "sber-test");
        assert_int_equal(order_create_prepare(&g[n].cmd), KASSA_OK);
        n++;
    }
    grouped_init(&g[n], 0, &shop, 30002, "", "SBP");
    snprintf(g[n].cmd.order.bank_code, sizeof g[n].cmd.order.bank_code, "no-such-bank");
    assert_int_equal(order_create_prepare(&g[n].cmd), KASSA_OK);
    n++;
    run_grouped(g + banked, n - banked);
    for (int i = banked; i < n; i++)
        assert_int_equal(g[i].err, KASSA_OK);
    assert_int_equal(g[banked].cmd.order.requisite_id, sber);
    assert_int_equal(g[banked + 1].cmd.order.requisite_id, sber);
    assert_true(g[banked + 2].cmd.order.requisite_id > 0);
    int raced = n;
    grouped_init(&g[n++], 0, &shop, 7777, "raced", "SBP");
    grouped_init(&g[n++], 1, &shop, 7777, "raced", "SBP");
    grouped_init(&g[n++], 1, &shop, 7778, "node-1-a", "SBP");
    grouped_init(&g[n++], 1, &shop, 7779, "node-1-b", "SBP");
    assert_int_equal(n, N);
    run_grouped(g + raced, N - raced);

    for (int i = 0; i < N; i++) {
        kassa_err want = i == other ? KASSA_ECONFLICT : i == dear ? KASSA_EMONEY_RANGE : KASSA_OK;
        if (g[i].err != want)
            fail_msg("create %d: %s, want %s", i, kassa_err_name(g[i].err), kassa_err_name(want));
    }
    /* Fees: 1 % + 5.00. */
    assert_int_equal(g[0].cmd.order.fee, 100 + 500);
    assert_int_equal(g[6].cmd.order.fee, 200 + 500);
    for (int i = 0; i < N; i++) {
        if (g[i].err != KASSA_OK || g[i].cmd.replayed)
            continue;
        check_stored(&g[i]);
    }
    /* The same key twice: the second answers the first's order. */
    assert_true(g[same].cmd.replayed);
    assert_false(g[0].cmd.replayed);
    assert_int_equal(g[same].cmd.order.id, g[0].cmd.order.id);
    /* The raced key: one order, both answered with it. */
    assert_int_equal(g[raced].cmd.order.id, g[raced + 1].cmd.order.id);
    assert_int_equal(g[raced].cmd.replayed + g[raced + 1].cmd.replayed, 1);
    /* No requisite of the type: born final. */
    assert_int_equal(g[none].cmd.order.status, ORDER_NO_REQUISITE);
    assert_int_equal(g[none].cmd.order.requisite_id, 0);
    /* The 12 SBP orders of node 0's group that took a requisite (6 keyed,
     * 6 without a key) went round the active SBP requisites in turn: each
     * got 12 / R or one more; R counts this test's two and the earlier
     * tests' ones. */
    int64_t ids[12];
    int counts[12] = {0}, r = 0;
    for (int i = 0; i < 12; i++) {
        int64_t id = g[i].cmd.order.requisite_id;
        assert_true(id > 0);
        int k = 0;
        while (k < r && ids[k] != id)
            k++;
        if (k == r)
            ids[r++] = id;
        counts[k]++;
    }
    assert_true(r >= 3);
    for (int k = 0; k < r; k++)
        assert_true(counts[k] == 12 / r || counts[k] == 12 / r + 1);
}

/* A task that writes a rate, then refuses: nothing of it may stay. */
static kassa_err rate_then_refuse(struct store_conn *c, struct store_task *task)
{
    (void)task;
    kassa_err err = STORE_CALL(c, rate_put, "USDT", "ZZZ", "1.50", clock_now());
    return err != KASSA_OK ? err : KASSA_ECONFLICT;
}

/* The writer's BEGIN goes with its transaction's first statement. When the
 * session died while idle (the server ended it), that first exchange fails
 * and runs again on a new session, BEGIN included: a refused command's
 * write is rolled back, not committed in autocommit. */
static void test_begin_survives_idle_session_death(void **state)
{
    (void)state;
    PGconn *pg = PQconnectdb(getenv("KASSA_TEST_PG_URL"));
    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    PGresult *r = PQexec(pg, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_true(strtoll(PQgetvalue(r, 0, 0), NULL, 10) >= 2); /* both nodes' writers at least */
    PQclear(r);
    usleep(100 * 1000);

    struct store_task task = {.run = rate_then_refuse};
    assert_int_equal(writer_run(nodes[0].writer, &task), KASSA_ECONFLICT);
    r = PQexec(pg, "SELECT count(*) FROM rates WHERE quote = 'ZZZ'");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "0");
    PQclear(r);
    PQfinish(pg);
}

int main(void)
{
    const char *url = getenv("KASSA_TEST_PG_URL");
    if (url == NULL || *url == '\0') {
        fprintf(stderr, "test_store_pg: skipped: no PostgreSQL to run against "
                        "(KASSA_TEST_PG_URL is not set; tests/e2e/test_pg_nodes.py sets it)\n");
        return 77; /* meson's exit code for a skipped test */
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_sweepers_expire_each_order_once), /* first: counts all */
        cmocka_unit_test(test_withdrawals_two_nodes_never_overdraw),
        cmocka_unit_test(test_requisite_shared_by_two_nodes),
        cmocka_unit_test(test_idempotency_key_raced_on_two_nodes),
        cmocka_unit_test(test_withdrawal_payment_id_raced_on_two_nodes),
        cmocka_unit_test(test_request_nonce_recorded_once),
        cmocka_unit_test(test_creates_grouped),
        cmocka_unit_test(test_begin_survives_idle_session_death),
    };
    return cmocka_run_group_tests(tests, nodes_up, nodes_down);
}
