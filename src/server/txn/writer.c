/* writer.c: the group-commit writer thread (see writer.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>

#include "base/base.h"
#include "base/crashpoint.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/metric.h"
#include "writer.h"

/* GET /metrics: the batches' sizes and their commits' durations. */
static const uint64_t batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384};
static struct metric batch_size = {
    .name = "kassa_writer_batch_size",
    .help = "Commands the writer ran in one transaction.",
    .type = METRIC_HISTOGRAM,
    .bounds = batch_bounds,
    .n_bounds = sizeof batch_bounds / sizeof batch_bounds[0],
};
static const uint64_t commit_bounds_us[] = {100,    250,    500,     1000,    2500,
                                            5000,   10000,  25000,   50000,   100000,
                                            250000, 500000, 1000000, 2500000, 10000000};
static struct metric commit_seconds = {
    .name = "kassa_writer_commit_duration_seconds",
    .help = "Time one batch's COMMIT took (its fsync), failed ones included.",
    .type = METRIC_HISTOGRAM,
    .bounds = commit_bounds_us,
    .n_bounds = sizeof commit_bounds_us / sizeof commit_bounds_us[0],
    .scale = 1e6,
};

struct writer;

/* One writer thread and its own connection (and group-commit batches). */
struct writer_thread {
    struct writer *w;
    struct store_conn *conn;
    pthread_t thread;
    kassa_err *results;        /* batch_max, one per command of the batch */
    struct store_task **tasks; /* batch_max: the batch's tasks as an array */
    int careful;               /* batches left to run with savepoints (see run_batch) */
};

struct writer {
    struct store *store;
    struct writer_thread *threads;
    int nthreads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct writer_cmd *head, *tail; /* the one queue every thread takes from */
    int queued;                     /* commands in the queue */
    int idle;                       /* threads waiting for work */
    bool stopping;
    int batch_max;
    void (*_Atomic on_commit)(void); /* writer_on_commit; set while running */
    _Atomic int64_t last_commit_us;  /* writer_last_commit_us */
};

/* After a batch whose optimistic run failed, this many batches run with a
 * savepoint per command from the start (a burst of refused commands then
 * costs one run each, not two). */
#define WRITER_CAREFUL_BATCHES 16

/* How often a task that returned KASSA_ERETRY (a race with another node on
 * a unique key, a deadlock) runs again in its savepoint. */
#define WRITER_RETRIES 4

/* A failed begin/commit/savepoint as every command's result: the database
 * being unreachable stays KASSA_EUNAVAILABLE (HTTP 503), else KASSA_EIO. */
static kassa_err batch_error(kassa_err err)
{
    return err == KASSA_EUNAVAILABLE ? KASSA_EUNAVAILABLE : KASSA_EIO;
}

/* Before running a command again after KASSA_ERETRY (a lost deadlock, a
 * unique-key race): a short random pause, growing with the attempt, so that
 * the batch it lost to can commit first; run again at once, it would take
 * its first lock, wait first and so be the victim again. 2–10 ms, then up
 * to 40 ms. */
static void retry_pause(int attempt)
{
    static _Thread_local uint64_t seed;
    if (seed == 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        seed = ((uint64_t)now.tv_nsec << 1 | 1) ^ (uint64_t)(uintptr_t)&seed;
    }
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    long max_ms = 10L << (attempt < 2 ? attempt : 2);
    struct timespec ts = {0, (long)(2 + seed % (uint64_t)(max_ms - 1)) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Run one task in its own savepoint; KASSA_ERETRY rolls the savepoint back
 * and runs it again, up to `retries` times. */
static kassa_err run_one(struct store_conn *c, struct store_task *task, int retries)
{
    kassa_err res = KASSA_EIO;
    for (int attempt = 0; attempt <= retries; attempt++) {
        kassa_err err = STORE_CALL0(c, savepoint);
        if (err != KASSA_OK)
            return batch_error(err);
        size_t mark = metric_stage_mark();
        res = task->run(c, task);
        if (res != KASSA_OK)
            metric_stage_undo(mark);
        kassa_err end = res == KASSA_OK ? STORE_CALL0(c, savepoint_release)
                                        : STORE_CALL0(c, savepoint_rollback);
        if (end != KASSA_OK)
            return batch_error(end);
        if (res != KASSA_ERETRY)
            break;
        if (attempt < retries) {
            log_info("command retried", "attempt=%d", attempt + 1);
            retry_pause(attempt);
        } else if (retries > 0) {
            log_warn("command lost every retry", "attempts=%d", retries + 1);
        }
    }
    return res;
}

/* Commit on c (rolling back when that fails): KASSA_OK or the batch error
 * every command of the transaction gets. Calls the on_commit hook. */
static kassa_err commit_tx(struct writer *w, struct store_conn *c, int n)
{
    int64_t t0 = clock_mono_us();
    kassa_err err = STORE_CALL0(c, commit);
    int64_t took = clock_mono_us() - t0;
    metric_observe(&commit_seconds, 0, (uint64_t)took);
    atomic_store_explicit(&w->last_commit_us, took, memory_order_relaxed);
    if (err != KASSA_OK) {
        log_error("batch commit failed", "commands=%d", n);
        STORE_CALL0(c, rollback);
        metric_stage_undo(0);
        return batch_error(err);
    }
    metric_stage_commit();
    CRASHPOINT("committed"); /* durable, nobody answered yet */
    void (*hook)(void) = atomic_load(&w->on_commit);
    if (hook)
        hook();
    return KASSA_OK;
}

/* How many tasks from v[i] on run_many takes together (1: none). */
static int group_len(struct store_task **v, int i, int n)
{
    int j = i + 1;
    if (v[i]->run_many != NULL)
        while (j < n && v[j]->run_many == v[i]->run_many)
            j++;
    return j - i;
}

/* The optimistic run of a batch: every task run straight in the
 * transaction, no savepoints (SQLite copies every page a savepoint touches
 * first); a run of tasks with run_many goes in one call. True when every
 * task was done or refused without writing (run_many's refusals) and the
 * batch committed or failed to commit (the results are set); false when a
 * task refused: the transaction was rolled back (nothing of the batch is
 * kept) and the batch must run the careful way. A single task's refusal
 * other than KASSA_ERETRY is final here: its transaction held nothing
 * else. */
static bool run_batch_fast(struct writer *w, struct store_conn *c, struct store_task **v,
                           kassa_err *results, int n)
{
    kassa_err err = STORE_CALL0(c, begin);
    if (err != KASSA_OK) {
        for (int i = 0; i < n; i++)
            results[i] = batch_error(err);
        return true;
    }
    metric_stage_undo(0);
    kassa_err res = KASSA_OK;
    for (int i = 0; i < n && res == KASSA_OK;) {
        int g = group_len(v, i, n);
        if (g == 1) {
            res = results[i] = v[i]->run(c, v[i]);
            i++;
            continue;
        }
        res = v[i]->run_many(c, v + i, g, results + i);
        if (res == KASSA_OK)
            log_debug("commands grouped", "commands=%d", g);
        for (int k = i; k < i + g && res == KASSA_OK; k++)
            if (results[k] == KASSA_ERETRY)
                res = results[k] = v[k]->run(c, v[k]);
        i += g;
    }
    if (res != KASSA_OK) {
        metric_stage_undo(0); /* nothing of the batch is kept */
        if ((err = STORE_CALL0(c, rollback)) != KASSA_OK) {
            for (int j = 0; j < n; j++)
                results[j] = batch_error(err);
            return true;
        }
        if (n == 1 && res != KASSA_ERETRY) {
            results[0] = res;
            return true;
        }
        return false;
    }
    if ((err = commit_tx(w, c, n)) != KASSA_OK)
        for (int i = 0; i < n; i++)
            results[i] = err;
    return true;
}

/* A run of g >= 2 tasks with run_many, in a savepoint of its own: the
 * tasks it leaves (KASSA_ERETRY), or all when it fails, then run one by
 * one in their own savepoints (run_one, `retries`). */
static void run_group(struct store_conn *c, struct store_task **v, int g, kassa_err *results,
                      int retries)
{
    kassa_err err = STORE_CALL0(c, savepoint);
    if (err != KASSA_OK) {
        for (int k = 0; k < g; k++)
            results[k] = batch_error(err);
        return;
    }
    size_t mark = metric_stage_mark();
    kassa_err res = v[0]->run_many(c, v, g, results);
    if (res != KASSA_OK)
        metric_stage_undo(mark);
    err = res == KASSA_OK ? STORE_CALL0(c, savepoint_release) : STORE_CALL0(c, savepoint_rollback);
    if (err != KASSA_OK) {
        for (int k = 0; k < g; k++)
            results[k] = batch_error(err);
        return;
    }
    if (res == KASSA_OK)
        log_debug("commands grouped", "commands=%d", g);
    else
        log_info("command group run one by one", "commands=%d err=%s", g, kassa_err_name(res));
    for (int k = 0; k < g; k++)
        if (res != KASSA_OK || results[k] == KASSA_ERETRY)
            results[k] = run_one(c, v[k], retries);
}

/* Run one batch (v[0..n)): every task in its own savepoint (a group of
 * run_many tasks in one), one commit; the results in `results`.
 *
 * A task that returns KASSA_ERETRY in a batch of several is not run again
 * inside it: a deadlock with another writer's batch (or node) may
 * involve the locks of the commands before it in this transaction, which
 * its savepoint rollback does not release, so it would deadlock again. It
 * runs again after the batch committed, in a transaction of its own. */
static void run_batch_careful(struct writer *w, struct store_conn *c, struct store_task **v,
                              kassa_err *results, int n)
{
    kassa_err err = STORE_CALL0(c, begin);
    if (err != KASSA_OK) {
        for (int i = 0; i < n; i++)
            results[i] = batch_error(err);
        return;
    }
    metric_stage_undo(0);
    int retries = n > 1 ? 0 : WRITER_RETRIES;
    for (int i = 0; i < n;) {
        int g = group_len(v, i, n);
        if (g == 1)
            results[i] = run_one(c, v[i], retries);
        else
            run_group(c, v + i, g, results + i, retries);
        i += g;
    }
    if ((err = commit_tx(w, c, n)) != KASSA_OK) {
        for (int i = 0; i < n; i++)
            results[i] = err;
        return;
    }
    int again = 0;
    for (int i = 0; i < n; i++)
        again += results[i] == KASSA_ERETRY && n > 1;
    if (again == 0)
        return;
    log_info("commands run again alone", "commands=%d", again);
    for (int i = 0; i < n; i++) {
        if (results[i] != KASSA_ERETRY || n == 1)
            continue;
        if ((err = STORE_CALL0(c, begin)) != KASSA_OK) {
            results[i] = batch_error(err);
            continue;
        }
        metric_stage_undo(0);
        results[i] = run_one(c, v[i], WRITER_RETRIES);
        if ((err = commit_tx(w, c, 1)) != KASSA_OK)
            results[i] = err;
    }
}

/* Run one batch: optimistically without savepoints while tasks succeed
 * (one writer thread only); after a refusal the batch runs again the
 * careful way, and so do the next WRITER_CAREFUL_BATCHES batches. Every
 * task's run may be called more than once (its effects of a rolled-back
 * run are gone; see store.h). */
static void run_batch(struct writer_thread *t, struct writer_cmd *batch, int n)
{
    int i = 0;
    for (struct writer_cmd *cmd = batch; cmd; cmd = cmd->next)
        t->tasks[i++] = cmd->task;
    metric_observe(&batch_size, 0, (uint64_t)n);
    /* Only with one writer thread: with several (PostgreSQL), batches
     * deadlock with each other now and then, and rolling a whole batch
     * back and running it again made that likelier and dearer (a lone
     * command then lost five deadlocks in a row in test_pg_writers). */
    if (t->careful == 0 && t->w->nthreads == 1) {
        if (run_batch_fast(t->w, t->conn, t->tasks, t->results, n))
            return;
        t->careful = WRITER_CAREFUL_BATCHES + 1;
    }
    t->careful--;
    run_batch_careful(t->w, t->conn, t->tasks, t->results, n);
}

void writer_on_commit(struct writer *w, void (*fn)(void))
{
    atomic_store(&w->on_commit, fn);
}

/* How many of `queued` commands a thread takes when `idle` other threads
 * wait for work: an even share, so that the batches of several connections
 * run side by side instead of one thread taking everything while the
 * others sleep; at most batch_max. */
static int batch_share(int queued, int idle, int batch_max)
{
    int n = (queued + idle) / (idle + 1);
    if (n < 1)
        n = 1;
    return n < batch_max ? n : batch_max;
}

static void *writer_main(void *arg)
{
    pthread_setname_np(pthread_self(), "kassa-writer"); /* top -H, perf */
    struct writer_thread *t = arg;
    struct writer *w = t->w;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (w->head == NULL && !w->stopping) {
            w->idle++;
            pthread_cond_wait(&w->cv, &w->mu);
            w->idle--;
        }
        if (w->head == NULL && w->stopping) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        /* Take this thread's share of the queue. */
        int want = batch_share(w->queued, w->idle, w->batch_max);
        struct writer_cmd *batch = w->head, *last = w->head;
        int n = 1;
        while (last->next && n < want) {
            last = last->next;
            n++;
        }
        w->head = last->next;
        if (w->head == NULL)
            w->tail = NULL;
        w->queued -= n;
        last->next = NULL;
        /* More left: wake another thread for it. */
        if (w->head != NULL && w->idle > 0)
            pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);

        run_batch(t, batch, n);
        int i = 0;
        for (struct writer_cmd *cmd = batch; cmd; i++) {
            struct writer_cmd *next = cmd->next; /* done may free cmd */
            cmd->next = NULL;
            cmd->done(cmd, t->results[i]);
            cmd = next;
        }
    }
    return NULL;
}

/* Stop and join the first `started` threads, free everything. */
static void writer_free(struct writer *w, int started)
{
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < started; i++)
        pthread_join(w->threads[i].thread, NULL);
    for (int i = 0; i < w->nthreads; i++) {
        free(w->threads[i].results);
        free(w->threads[i].tasks);
    }
    free(w->threads);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

struct writer *writer_start_n(struct store *s, int batch_max, int threads)
{
    struct writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    if (threads < 1 || s->ops->writer_extra == NULL)
        threads = 1; /* SQLite: one writer */
    w->store = s;
    w->batch_max = batch_max > 0 ? batch_max : 256;
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&w->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    pthread_cond_init(&w->cv, NULL);
    w->threads = calloc((size_t)threads, sizeof *w->threads);
    if (w->threads == NULL) {
        writer_free(w, 0);
        return NULL;
    }
    for (int i = 0; i < threads; i++) {
        struct writer_thread *t = &w->threads[i];
        t->w = w;
        t->conn = i == 0 ? store_writer(s) : s->ops->writer_extra(s);
        t->results = calloc((size_t)w->batch_max, sizeof *t->results);
        t->tasks = calloc((size_t)w->batch_max, sizeof *t->tasks);
        if (t->conn == NULL || t->results == NULL || t->tasks == NULL) {
            free(t->results);
            free(t->tasks);
            t->results = NULL;
            t->tasks = NULL;
            if (i == 0) {
                writer_free(w, 0);
                return NULL;
            }
            log_warn("fewer writer connections than asked", "asked=%d got=%d", threads, i);
            break;
        }
        w->nthreads = i + 1;
    }
    metric_register(&batch_size);
    metric_register(&commit_seconds);
    log_info("writer started", "threads=%d batch_max=%d", w->nthreads, w->batch_max);
    for (int i = 0; i < w->nthreads; i++) {
        if (pthread_create(&w->threads[i].thread, NULL, writer_main, &w->threads[i]) != 0) {
            writer_free(w, i);
            return NULL;
        }
    }
    return w;
}

struct writer *writer_start(struct store *s, int batch_max)
{
    return writer_start_n(s, batch_max, 1);
}

void writer_stop(struct writer *w)
{
    if (w == NULL)
        return;
    writer_free(w, w->nthreads);
}

void writer_submit(struct writer *w, struct writer_cmd *cmd)
{
    cmd->next = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->tail)
        w->tail->next = cmd;
    else
        w->head = cmd;
    w->tail = cmd;
    w->queued++;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* writer_run's rendezvous: a command whose done wakes the caller;
 * everything lives on the caller's stack. */
struct sync_cmd {
    struct writer_cmd base;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool finished;
    kassa_err err;
};

static void sync_done(struct writer_cmd *base, kassa_err err)
{
    struct sync_cmd *s = container_of(base, struct sync_cmd, base);
    pthread_mutex_lock(&s->mu);
    s->err = err;
    s->finished = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

kassa_err writer_run(struct writer *w, struct store_task *task)
{
    struct sync_cmd s = {.base = {.task = task, .done = sync_done}, .finished = false};
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    writer_submit(w, &s.base);
    pthread_mutex_lock(&s.mu);
    while (!s.finished)
        pthread_cond_wait(&s.cv, &s.mu);
    pthread_mutex_unlock(&s.mu);
    pthread_mutex_destroy(&s.mu);
    pthread_cond_destroy(&s.cv);
    return s.err;
}

int writer_threads(const struct writer *w)
{
    return w->nthreads;
}

int64_t writer_last_commit_us(struct writer *w)
{
    return atomic_load_explicit(&w->last_commit_us, memory_order_relaxed);
}

int writer_queued(struct writer *w)
{
    pthread_mutex_lock(&w->mu);
    int n = w->queued;
    pthread_mutex_unlock(&w->mu);
    return n;
}
