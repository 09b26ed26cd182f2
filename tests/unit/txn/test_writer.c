/* test_writer.c: the group-commit writer's batches on SQLite (txn/writer.c).
 *
 * A batch runs first without savepoints; when a command refuses, the whole
 * transaction is rolled back and the batch runs again with a savepoint per
 * command. Whatever way it ran, each command's result and the database must
 * be as if every command had run alone: the refused command leaves nothing,
 * the others are all kept. */
#include <pthread.h>

#include "base/metric.h"
#include "money_fixture.h"
#include "store/sqlite_internal.h"

/* Every merchant a command writes is counted, staged (base/metric.h): the
 * writer must apply the counts of what committed and drop those of what
 * was undone, so the count always equals the merchants kept. */
static struct metric written = {
    .name = "test_writer_merchants_total", .help = "Merchants written.", .type = METRIC_COUNTER};

/* A command that inserts a merchant named `name`, then returns `result`
 * (after writing: a refusal must undo its own insert). `retry_first` makes
 * its first `retry_first` runs return KASSA_ERETRY. Counts its runs. */
struct test_cmd {
    struct store_task task;
    struct writer_cmd wc;
    const char *name;
    const char *idem_key; /* also record this idempotency key (shop 1) */
    kassa_err result;
    int retry_first;
    int runs;
    /* With run_many (test_apply_many): what it makes of this command,
     * KASSA_OK (inserts the merchant), a refusal or KASSA_ERETRY (writes
     * nothing); how often it was part of a group. */
    bool many;
    bool other_kind; /* with `many`: run_many is test_apply_many_other */
    kassa_err many_result;
    int many_runs;
    kassa_err done_err;
    int done_calls;
};

/* The batch gate: the first command blocks the writer until released, so
 * that the commands queued meanwhile form one batch. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_entered, gate_open;
static int done_total;

static kassa_err test_apply(struct store_conn *c, struct store_task *task)
{
    struct test_cmd *cmd = container_of(task, struct test_cmd, task);
    cmd->runs++;
    struct merchant m = {.created_at = clock_now()};
    snprintf(m.name, sizeof m.name, "%s", cmd->name);
    kassa_err err = STORE_CALL(c, merchant_insert, &m);
    if (err != KASSA_OK)
        return err;
    metric_stage(&written, 0, 1);
    if (cmd->idem_key) {
        struct idem in = {.shop_id = 1, .order_id = m.id, .created_at = m.created_at};
        snprintf(in.key, sizeof in.key, "%s", cmd->idem_key);
        if ((err = STORE_CALL(c, idem_put, &in)) != KASSA_OK)
            return err;
    }
    if (cmd->runs <= cmd->retry_first)
        return KASSA_ERETRY;
    return cmd->result;
}

/* test_apply_many's calls and the size of each group; many_fail: after
 * writing its group, it returns this (not OK: the writer must undo). */
static int many_calls;
static int many_sizes[16];
static kassa_err many_fail;

static kassa_err test_apply_many(struct store_conn *c, struct store_task **tasks, int n,
                                 kassa_err *results)
{
    if (many_calls < 16)
        many_sizes[many_calls] = n;
    many_calls++;
    for (int i = 0; i < n; i++) {
        struct test_cmd *cmd = container_of(tasks[i], struct test_cmd, task);
        cmd->many_runs++;
        results[i] = cmd->many_result;
        if (cmd->many_result != KASSA_OK)
            continue;
        struct merchant m = {.created_at = clock_now()};
        snprintf(m.name, sizeof m.name, "%s", cmd->name);
        kassa_err err = STORE_CALL(c, merchant_insert, &m);
        if (err != KASSA_OK)
            return err;
        metric_stage(&written, 0, 1);
    }
    return many_fail;
}

/* Another kind of task with a run_many (the same work): its tasks group
 * with each other only. */
static kassa_err test_apply_many_other(struct store_conn *c, struct store_task **tasks, int n,
                                       kassa_err *results)
{
    return test_apply_many(c, tasks, n, results);
}

static void test_done(struct writer_cmd *wc, kassa_err err)
{
    struct test_cmd *cmd = container_of(wc, struct test_cmd, wc);
    pthread_mutex_lock(&gate_mu);
    cmd->done_err = err;
    cmd->done_calls++;
    done_total++;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

static kassa_err gate_apply(struct store_conn *c, struct store_task *task)
{
    (void)c;
    (void)task;
    pthread_mutex_lock(&gate_mu);
    gate_entered = true;
    pthread_cond_broadcast(&gate_cv);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    return KASSA_OK;
}

static void gate_done(struct writer_cmd *wc, kassa_err err)
{
    (void)wc;
    (void)err;
}

/* Submit the gate, wait until the writer is inside it, queue `cmds` (they
 * become the next batch), open the gate and wait for every done. */
static void run_as_one_batch(struct fx *f, struct test_cmd *cmds, int n)
{
    static struct store_task gate_task = {.run = gate_apply};
    static struct writer_cmd gate = {.task = &gate_task, .done = gate_done};
    metric_register(&written);
    int64_t counted = metric_value(&written, 0);
    int64_t kept = fx_int(f, "SELECT COUNT(*) FROM merchants");
    gate_entered = gate_open = false;
    done_total = 0;
    many_calls = 0;
    writer_submit(f->writer, &gate);
    pthread_mutex_lock(&gate_mu);
    while (!gate_entered)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    for (int i = 0; i < n; i++) {
        cmds[i].task.run = test_apply;
        store_task_many_fn many = cmds[i].other_kind ? test_apply_many_other : test_apply_many;
        cmds[i].task.run_many = cmds[i].many ? many : NULL;
        cmds[i].wc.task = &cmds[i].task;
        cmds[i].wc.done = test_done;
        writer_submit(f->writer, &cmds[i].wc);
    }
    pthread_mutex_lock(&gate_mu);
    gate_open = true;
    pthread_cond_broadcast(&gate_cv);
    while (done_total < n)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    assert_int_equal(metric_value(&written, 0) - counted,
                     fx_int(f, "SELECT COUNT(*) FROM merchants") - kept);
}

static int64_t merchants_named(struct fx *f, const char *name)
{
    return fx_int(f, "SELECT COUNT(*) FROM merchants WHERE name = '%s'", name);
}

/* All succeed: one run each, all kept. */
static void test_batch_all_ok(void **state)
{
    struct fx *f = *state;
    struct test_cmd c[3] = {{.name = "a"}, {.name = "b"}, {.name = "c"}};
    run_as_one_batch(f, c, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(c[i].done_err, KASSA_OK);
        assert_int_equal(c[i].done_calls, 1);
        assert_int_equal(c[i].runs, 1);
        assert_int_equal(merchants_named(f, c[i].name), 1);
    }
}

/* A refusal in the middle (after the command wrote): the refused command
 * leaves nothing, the ones before and after it are kept, each exactly once;
 * the batch ran twice (optimistic, then careful), so the first command ran
 * twice and the last once (the optimistic run stopped at the refusal). */
static void test_batch_refusal_rolls_back_alone(void **state)
{
    struct fx *f = *state;
    struct test_cmd c[3] = {
        {.name = "first"}, {.name = "refused", .result = KASSA_ECONFLICT}, {.name = "last"}};
    run_as_one_batch(f, c, 3);
    assert_int_equal(c[0].done_err, KASSA_OK);
    assert_int_equal(c[1].done_err, KASSA_ECONFLICT);
    assert_int_equal(c[2].done_err, KASSA_OK);
    assert_int_equal(merchants_named(f, "first"), 1);
    assert_int_equal(merchants_named(f, "refused"), 0);
    assert_int_equal(merchants_named(f, "last"), 1);
    assert_int_equal(c[0].runs, 2);
    assert_int_equal(c[1].runs, 2);
    assert_int_equal(c[2].runs, 1);
    for (int i = 0; i < 3; i++)
        assert_int_equal(c[i].done_calls, 1);

    /* The batches right after run carefully: a refusal there costs one run. */
    struct test_cmd d[2] = {{.name = "ok2"}, {.name = "refused2", .result = KASSA_EFUNDS}};
    run_as_one_batch(f, d, 2);
    assert_int_equal(d[0].done_err, KASSA_OK);
    assert_int_equal(d[1].done_err, KASSA_EFUNDS);
    assert_int_equal(d[0].runs, 1);
    assert_int_equal(d[1].runs, 1);
    assert_int_equal(merchants_named(f, "ok2"), 1);
    assert_int_equal(merchants_named(f, "refused2"), 0);

    /* After WRITER_CAREFUL_BATCHES (16) batches, optimistic again: a
     * refusal makes the first command run twice once more. */
    for (int i = 0; i < 16; i++) {
        struct test_cmd one = {.name = "filler"};
        run_as_one_batch(f, &one, 1);
        assert_int_equal(one.done_err, KASSA_OK);
    }
    struct test_cmd e[2] = {{.name = "ok3"}, {.name = "refused3", .result = KASSA_EINVAL}};
    run_as_one_batch(f, e, 2);
    assert_int_equal(e[0].done_err, KASSA_OK);
    assert_int_equal(e[1].done_err, KASSA_EINVAL);
    assert_int_equal(e[0].runs, 2);
    assert_int_equal(merchants_named(f, "ok3"), 1);
    assert_int_equal(merchants_named(f, "refused3"), 0);
    assert_int_equal(merchants_named(f, "filler"), 16);
}

/* A lone command's refusal is final after one run (its transaction held
 * nothing else) and leaves nothing. */
static void test_single_refusal(void **state)
{
    struct fx *f = *state;
    struct test_cmd c = {.name = "alone", .result = KASSA_ENOTFOUND};
    run_as_one_batch(f, &c, 1);
    assert_int_equal(c.done_err, KASSA_ENOTFOUND);
    assert_int_equal(c.runs, 1);
    assert_int_equal(merchants_named(f, "alone"), 0);
}

/* KASSA_ERETRY: a lone command runs again until it succeeds (its retried
 * runs' writes undone); in a batch it runs again alone after the batch. */
static void test_retry(void **state)
{
    struct fx *f = *state;
    struct test_cmd c = {.name = "retried", .retry_first = 2};
    run_as_one_batch(f, &c, 1);
    assert_int_equal(c.done_err, KASSA_OK);
    assert_int_equal(merchants_named(f, "retried"), 1);

    struct test_cmd b[3] = {{.name = "x"}, {.name = "y", .retry_first = 1}, {.name = "z"}};
    run_as_one_batch(f, b, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(b[i].done_err, KASSA_OK);
        assert_int_equal(merchants_named(f, b[i].name), 1);
    }
}

static kassa_err key_known(struct fx *f, const char *key)
{
    struct store_conn *c = store_reader(f->store);
    struct idem out;
    kassa_err err = STORE_CALL(c, idem_get, 1, key, &out);
    store_release(c);
    return err;
}

/* SQLite's idempotency index is in memory: it must follow the rollbacks.
 * The keys of a batch rolled back after its optimistic run are put again
 * by the careful run (no "already exists" from the first run's entries);
 * the refused command's key is gone from the table and the index; a key
 * retried after KASSA_ERETRY is there once. */
static void test_idempotency_follows_rollbacks(void **state)
{
    struct fx *f = *state;
    struct test_cmd c[4] = {{.name = "i1", .idem_key = "key-1"},
                            {.name = "i2", .idem_key = "key-2", .result = KASSA_ECONFLICT},
                            {.name = "i3", .idem_key = "key-3", .retry_first = 1},
                            {.name = "i4", .idem_key = "key-4"}};
    run_as_one_batch(f, c, 4);
    assert_int_equal(c[0].done_err, KASSA_OK);
    assert_int_equal(c[1].done_err, KASSA_ECONFLICT);
    assert_int_equal(c[2].done_err, KASSA_OK);
    assert_int_equal(c[3].done_err, KASSA_OK);
    assert_int_equal(key_known(f, "key-1"), KASSA_OK);
    assert_int_equal(key_known(f, "key-2"), KASSA_ENOTFOUND);
    assert_int_equal(key_known(f, "key-3"), KASSA_OK);
    assert_int_equal(key_known(f, "key-4"), KASSA_OK);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM idempotency"), 3);
    /* No entry of a rolled-back run stays behind in the index. */
    assert_int_equal(sqlite_idem_entries(f->store), 3);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM idempotency WHERE key = 'key-2'"), 0);

    /* A lone refused command's key goes with its rolled-back transaction;
     * the key is free for the next command. */
    struct test_cmd lone = {.name = "i5", .idem_key = "key-5", .result = KASSA_EFUNDS};
    run_as_one_batch(f, &lone, 1);
    assert_int_equal(lone.done_err, KASSA_EFUNDS);
    assert_int_equal(key_known(f, "key-5"), KASSA_ENOTFOUND);
    assert_int_equal(sqlite_idem_entries(f->store), 3);
    struct test_cmd again = {.name = "i5", .idem_key = "key-5"};
    run_as_one_batch(f, &again, 1);
    assert_int_equal(again.done_err, KASSA_OK);
    assert_int_equal(key_known(f, "key-5"), KASSA_OK);
    /* And a key already committed is refused (unique per shop). */
    struct test_cmd dup = {.name = "i6", .idem_key = "key-1"};
    run_as_one_batch(f, &dup, 1);
    assert_int_equal(dup.done_err, KASSA_EEXIST);
    assert_int_equal(merchants_named(f, "i6"), 0);
    assert_int_equal(sqlite_idem_entries(f->store), 4);
    assert_int_equal(fx_int(f, "SELECT COUNT(*) FROM idempotency"), 4);
}

/* Consecutive tasks with one run_many run as one call; run is not
 * called for them; a task with run_many alone between others is no
 * group (run). */
static void test_group_in_one_call(void **state)
{
    struct fx *f = *state;
    struct test_cmd c[7] = {{.name = "p1"},
                            {.name = "g1", .many = true},
                            {.name = "g2", .many = true},
                            {.name = "g3", .many = true},
                            {.name = "p2"},
                            {.name = "solo", .many = true},
                            {.name = "p3"}};
    run_as_one_batch(f, c, 7);
    assert_int_equal(many_calls, 1);
    assert_int_equal(many_sizes[0], 3);
    for (int i = 0; i < 7; i++) {
        assert_int_equal(c[i].done_err, KASSA_OK);
        assert_int_equal(c[i].done_calls, 1);
        assert_int_equal(merchants_named(f, c[i].name), 1);
    }
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(c[i].runs, 0);
        assert_int_equal(c[i].many_runs, 1);
    }
    assert_int_equal(c[5].runs, 1);
    assert_int_equal(c[5].many_runs, 0);
}

/* Tasks group by their run_many: consecutive tasks of two kinds make two
 * groups, and a task of the first kind after them is alone (run). */
static void test_groups_by_kind(void **state)
{
    struct fx *f = *state;
    struct test_cmd c[5] = {{.name = "a1", .many = true},
                            {.name = "a2", .many = true},
                            {.name = "b1", .many = true, .other_kind = true},
                            {.name = "b2", .many = true, .other_kind = true},
                            {.name = "a3", .many = true}};
    run_as_one_batch(f, c, 5);
    assert_int_equal(many_calls, 2);
    assert_int_equal(many_sizes[0], 2);
    assert_int_equal(many_sizes[1], 2);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(c[i].done_err, KASSA_OK);
        assert_int_equal(c[i].done_calls, 1);
        assert_int_equal(c[i].runs, i == 4 ? 1 : 0);
        assert_int_equal(c[i].many_runs, i == 4 ? 0 : 1);
        assert_int_equal(merchants_named(f, c[i].name), 1);
    }
}

/* In a group, a task left as KASSA_ERETRY runs alone with run right
 * after; a refusal settled by run_many (nothing written) is that
 * command's result and does not undo its neighbours: one optimistic run. */
static void test_group_leaves_and_refusals(void **state)
{
    struct fx *f = *state;
    struct test_cmd c[4] = {{.name = "a", .many = true},
                            {.name = "b", .many = true, .many_result = KASSA_ERETRY},
                            {.name = "c", .many = true, .many_result = KASSA_ECONFLICT},
                            {.name = "d", .many = true}};
    run_as_one_batch(f, c, 4);
    assert_int_equal(many_calls, 1);
    assert_int_equal(c[0].done_err, KASSA_OK);
    assert_int_equal(c[1].done_err, KASSA_OK);
    assert_int_equal(c[2].done_err, KASSA_ECONFLICT);
    assert_int_equal(c[3].done_err, KASSA_OK);
    assert_int_equal(c[1].runs, 1);
    assert_int_equal(c[0].runs + c[2].runs + c[3].runs, 0);
    assert_int_equal(merchants_named(f, "a"), 1);
    assert_int_equal(merchants_named(f, "b"), 1);
    assert_int_equal(merchants_named(f, "c"), 0);
    assert_int_equal(merchants_named(f, "d"), 1);
}

/* run_many failing after it wrote: nothing of it stays, and every command
 * of the group runs alone (once each) and is kept once. The optimistic run
 * is rolled back, the careful run calls run_many again in a savepoint,
 * rolls that back and runs each command in its own. */
static void test_group_failure_runs_each_alone(void **state)
{
    struct fx *f = *state;
    struct test_cmd c[3] = {
        {.name = "f1", .many = true}, {.name = "f2", .many = true}, {.name = "f3", .many = true}};
    many_fail = KASSA_EIO;
    run_as_one_batch(f, c, 3);
    many_fail = KASSA_OK;
    assert_int_equal(many_calls, 2);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(c[i].done_err, KASSA_OK);
        assert_int_equal(c[i].done_calls, 1);
        assert_int_equal(c[i].runs, 1);
        assert_int_equal(merchants_named(f, c[i].name), 1);
    }
}

/* The careful run (after a plain command refused) runs the group in its
 * own savepoint: its refusal and its ERETRY command settle as in the
 * optimistic run, and the plain refusal leaves nothing. */
static void test_group_in_careful_run(void **state)
{
    struct fx *f = *state;
    struct test_cmd c[4] = {{.name = "plain", .result = KASSA_EFUNDS},
                            {.name = "h1", .many = true},
                            {.name = "h2", .many = true, .many_result = KASSA_ERETRY},
                            {.name = "h3", .many = true, .many_result = KASSA_EMONEY_RANGE}};
    run_as_one_batch(f, c, 4);
    assert_int_equal(many_calls, 1); /* the optimistic run stopped at "plain" */
    assert_int_equal(c[0].done_err, KASSA_EFUNDS);
    assert_int_equal(c[1].done_err, KASSA_OK);
    assert_int_equal(c[2].done_err, KASSA_OK);
    assert_int_equal(c[3].done_err, KASSA_EMONEY_RANGE);
    assert_int_equal(merchants_named(f, "plain"), 0);
    assert_int_equal(merchants_named(f, "h1"), 1);
    assert_int_equal(merchants_named(f, "h2"), 1);
    assert_int_equal(merchants_named(f, "h3"), 0);
    assert_int_equal(c[2].runs, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_all_ok, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_batch_refusal_rolls_back_alone, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_single_refusal, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_retry, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_idempotency_follows_rollbacks, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_group_in_one_call, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_groups_by_kind, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_group_leaves_and_refusals, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_group_failure_runs_each_alone, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_group_in_careful_run, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
