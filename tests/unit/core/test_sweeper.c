/* test_sweeper.c: the expiry sweeper (core/sweeper.c) runs its tasks
 * through the function it is given (the core knows no writer; kassad gives
 * it one that runs them on the writer), on a temp SQLite store. */
#include <stdatomic.h>
#include <time.h>

#include "money_fixture.h"

static struct writer *sweep_writer;
static atomic_int sweep_runs;
static atomic_int sweep_refuse; /* when set, every task is refused unrun */

static kassa_err run_counted(struct store_task *task)
{
    atomic_fetch_add(&sweep_runs, 1);
    if (atomic_load(&sweep_refuse))
        return KASSA_EIO;
    return writer_run(sweep_writer, task);
}

/* Wait (up to 5 s of real time) until the order's status is `want`. */
static bool wait_status(struct fx *f, int64_t id, enum order_status want)
{
    for (int i = 0; i < 500; i++) {
        if (fx_get(f, id).status == want)
            return true;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return false;
}

/* An order past its TTL is expired by the sweeper's first round, through
 * the given function; one not yet due stays pending. */
static void test_sweeper_expires_through_its_run_function(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "1", 60);
    struct order due = fx_order(f, &shop, 10000, "", false);
    assert_int_equal(clock_advance(61), KASSA_OK);
    struct order fresh = fx_order(f, &shop, 20000, "", false);

    sweep_writer = f->writer;
    atomic_store(&sweep_runs, 0);
    atomic_store(&sweep_refuse, 0);
    assert_int_equal(sweeper_start(run_counted), KASSA_OK);
    bool expired = wait_status(f, due.id, ORDER_EXPIRED);
    sweeper_stop();
    assert_true(expired);
    assert_int_equal(fx_get(f, fresh.id).status, ORDER_PENDING);
    /* The expiry sweep and the first idempotency purge at least. */
    assert_true(atomic_load(&sweep_runs) >= 2);
}

/* A refused run is logged and the sweeper goes on (and still stops). */
static void test_sweeper_survives_refused_runs(void **state)
{
    struct fx *f = *state;
    struct shop shop = fx_shop(f, "1", 60);
    struct order due = fx_order(f, &shop, 10000, "", false);
    assert_int_equal(clock_advance(61), KASSA_OK);

    sweep_writer = f->writer;
    atomic_store(&sweep_runs, 0);
    atomic_store(&sweep_refuse, 1);
    assert_int_equal(sweeper_start(run_counted), KASSA_OK);
    for (int i = 0; i < 500 && atomic_load(&sweep_runs) < 2; i++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    sweeper_stop();
    assert_true(atomic_load(&sweep_runs) >= 2);
    assert_int_equal(fx_get(f, due.id).status, ORDER_PENDING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sweeper_expires_through_its_run_function, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_sweeper_survives_refused_runs, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
