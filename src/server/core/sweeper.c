/* sweeper.c: the timer thread that expires pending orders past expires_at
 * (within a second of the clock passing it, also after clock/advance) and
 * moves disputes whose trader did not answer in time to the operator,
 * folds the orders created into the overview's per-minute rows (every 10
 * s), forgets idempotency keys past their retention and the overview's
 * per-minute rows past its window (hourly), and writes when operators'
 * tokens were last used. Each step is a task run
 * through the function main.c gives (on the writer), so the core needs no
 * writer of its own. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "core.h"
#include "login.h"
#include "query.h"

/* Keys forgotten per task: a few milliseconds of the writer. */
#define IDEM_PURGE_BATCH 5000

struct idem_purge_cmd {
    struct store_task task;
    int64_t before;
    int purged;
};

static kassa_err idem_purge_apply(struct store_conn *c, struct store_task *task)
{
    struct idem_purge_cmd *cmd = container_of(task, struct idem_purge_cmd, task);
    return STORE_CALL(c, idem_purge, cmd->before, IDEM_PURGE_BATCH, &cmd->purged);
}

/* The overview's per-minute rows past its window: a day of each table a
 * task (store_overview_purge). */
struct minutes_purge_cmd {
    struct store_task task;
    int64_t before;
    int purged;
};

static kassa_err minutes_purge_apply(struct store_conn *c, struct store_task *task)
{
    struct minutes_purge_cmd *cmd = container_of(task, struct minutes_purge_cmd, task);
    return store_overview_purge(c, cmd->before, &cmd->purged);
}

/* The orders created up to OVERVIEW_FOLD_LAG seconds ago, folded into the
 * overview's per-minute rows (store_overview_fold): by then every order
 * created before is committed (a create's transaction lasts milliseconds),
 * so none is skipped, and the overview counts the newer ones from the
 * orders themselves. */
#define OVERVIEW_FOLD_LAG 120

struct minutes_fold_cmd {
    struct store_task task;
    int64_t until;
    int64_t from;
};

static kassa_err minutes_fold_apply(struct store_conn *c, struct store_task *task)
{
    struct minutes_fold_cmd *cmd = container_of(task, struct minutes_fold_cmd, task);
    return store_overview_fold(c, cmd->until, &cmd->from);
}

static pthread_t sweeper_thread;
static atomic_bool sweeper_stopping;
static core_run_fn sweeper_run;
static bool sweeper_shared; /* the store is shared by other nodes: pull their locks */

static void *sweeper_main(void *arg)
{
    pthread_setname_np(pthread_self(), "kassa-sweeper"); /* top -H, perf */
    (void)arg;
    int64_t last_purge = 0, last_fold = 0;
    while (!atomic_load(&sweeper_stopping)) {
        struct order_expire_cmd cmd;
        do {
            cmd = (struct order_expire_cmd){.task.run = order_expire_apply};
            if (sweeper_run(&cmd.task) != KASSA_OK) {
                log_warn("expiry sweep failed");
                break;
            }
            if (cmd.expired > 0)
                log_info("orders expired", "count=%d", cmd.expired);
        } while (cmd.expired == ORDER_EXPIRE_BATCH && !atomic_load(&sweeper_stopping));

        struct dispute_expire_cmd dcmd;
        do {
            dcmd = (struct dispute_expire_cmd){.task.run = dispute_expire_apply};
            if (sweeper_run(&dcmd.task) != KASSA_OK) {
                log_warn("dispute sweep failed");
                break;
            }
            if (dcmd.expired > 0)
                log_info("disputes past their time", "count=%d", dcmd.expired);
        } while (dcmd.expired == DISPUTE_EXPIRE_BATCH && !atomic_load(&sweeper_stopping));

        int64_t now = clock_now();
        if (now - last_fold >= 10) {
            int64_t until = now - OVERVIEW_FOLD_LAG;
            struct minutes_fold_cmd fold = {.task.run = minutes_fold_apply,
                                            .until = until - until % 60};
            if (sweeper_run(&fold.task) == KASSA_OK)
                last_fold = now;
            else
                log_warn("overview fold failed");
        }
        if (now - last_purge >= 3600) {
            int ttl = core_settings()->idempotency_ttl;
            int64_t total = 0;
            kassa_err err;
            struct idem_purge_cmd purge;
            do {
                purge = (struct idem_purge_cmd){.task.run = idem_purge_apply, .before = now - ttl};
                err = sweeper_run(&purge.task);
                total += err == KASSA_OK ? purge.purged : 0;
            } while (err == KASSA_OK && purge.purged == IDEM_PURGE_BATCH &&
                     !atomic_load(&sweeper_stopping));
            if (total > 0)
                log_info("idempotency keys forgotten", "count=%lld", (long long)total);
            struct minutes_purge_cmd mp;
            total = 0;
            kassa_err merr;
            do {
                mp = (struct minutes_purge_cmd){.task.run = minutes_purge_apply,
                                                .before = now - OVERVIEW_KEEP_SECONDS};
                merr = sweeper_run(&mp.task);
                total += merr == KASSA_OK ? mp.purged : 0;
            } while (merr == KASSA_OK && mp.purged > 0 && !atomic_load(&sweeper_stopping));
            if (total > 0)
                log_info("overview minutes forgotten", "rows=%lld", (long long)total);
            if (err == KASSA_OK && merr == KASSA_OK)
                last_purge = now;
        }
        operator_touch_flush(sweeper_run); /* nothing to write: no task */
        session_touch_flush(sweeper_run);
        guard_sync(sweeper_run, sweeper_shared);
        clock_wait_until(clock_now_ms() + 1000, 1000);
    }
    return NULL;
}

kassa_err sweeper_start(core_run_fn run)
{
    sweeper_run = run;
    sweeper_shared = core_store() != NULL && strcmp(core_store()->ops->name, "sqlite") != 0;
    atomic_store(&sweeper_stopping, false);
    return pthread_create(&sweeper_thread, NULL, sweeper_main, NULL) == 0 ? KASSA_OK : KASSA_EIO;
}

void sweeper_stop(void)
{
    atomic_store(&sweeper_stopping, true);
    clock_wake();
    pthread_join(sweeper_thread, NULL);
}
