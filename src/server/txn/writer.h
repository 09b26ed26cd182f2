/* writer.h: group commit.
 *
 * HTTP threads authenticate and validate, then hand a task (store.h's
 * struct store_task: a core command) to the writer. A writer thread takes
 * the queued commands (up to batch_max), runs their tasks in one
 * transaction, commits once (one fsync), and then calls each command's
 * `done`. A refused task must not take the others with it, so it rolls
 * back alone: with one writer thread (SQLite) the batch is first run
 * without savepoints (cheap); when a task refuses, the transaction is
 * rolled back and the batch runs again with a savepoint per task (and so
 * do the next few batches). Several writer threads (PostgreSQL) always use
 * a savepoint per task: their batches may deadlock with each other.
 * Consecutive tasks of one kind with a run_many (PostgreSQL's order
 * creates) run as one group, in one call and one savepoint; a task the
 * group refuses wrote nothing, so the rule holds for it too. A task's run
 * may therefore be called several times (store.h, struct store_task).
 * The batch grows with the load: no waiting when the queue is short. */
#ifndef KASSA_WRITER_H
#define KASSA_WRITER_H

#include "store/store.h"

/* A task on its way through the writer: the queue's entry, owned by
 * whoever submits it (txn/submit.c keeps one in the request's memory, the
 * callback dispatcher in its own command). The task stays the core's: the
 * writer only calls task->run (or run_many) and never looks inside. */
struct writer_cmd {
    struct store_task *task; /* in: what to run */
    /* Called on the writer thread once the task's transaction ended, with
     * its result: run's last return (KASSA_ERETRY too, when every run lost
     * its race), or, when the transaction around it failed (begin,
     * savepoint, commit), KASSA_EUNAVAILABLE if the database could not be
     * reached and KASSA_EIO otherwise. A failed commit rolls the whole batch
     * back and every command of it gets that error. May free the command. */
    void (*done)(struct writer_cmd *cmd, kassa_err err);
    struct writer_cmd *next; /* the writer's queue link */
};

struct writer;

/* Start the writer thread on `s`. NULL on failure. */
struct writer *writer_start(struct store *s, int batch_max);

/* Start `threads` writer threads sharing the one queue, each with its own
 * connection (the store's writer, then ops->writer_extra) and its own
 * batches and commits. A backend without writer_extra (SQLite) gets one
 * thread whatever `threads` says; when an extra connection cannot be had
 * the writer runs with fewer (logged). An idle thread takes an even share
 * of the queue, so several batches are in flight at once. Tasks of
 * different threads run in concurrent transactions: they must be safe as
 * if on several nodes (see store.h: unique keys, conditional updates and
 * row locks; a deadlock or a unique-key race returns KASSA_ERETRY and the
 * task runs again). NULL on failure. */
struct writer *writer_start_n(struct store *s, int batch_max, int threads);

/* Call fn on the writer thread after every batch that committed (e.g. to
 * wake the callback dispatcher); with several threads, on whichever
 * committed, possibly at once. May be set while the writer runs. */
void writer_on_commit(struct writer *w, void (*fn)(void));

/* How many writer threads run (tasks of different threads may run side by
 * side, in concurrent transactions). */
int writer_threads(const struct writer *w);

/* How many commands wait in the queue now (not those being run). */
int writer_queued(struct writer *w);

/* How long the last batch's COMMIT took (any thread's), in microseconds;
 * 0 before the first. */
int64_t writer_last_commit_us(struct writer *w);

/* Finish the queue, stop the thread, free. */
void writer_stop(struct writer *w);

/* Queue a command (cmd->task and cmd->done set; both must live until done
 * is called); `done` will be called exactly once. */
void writer_submit(struct writer *w, struct writer_cmd *cmd);

/* Queue a task and wait for its result, as `done` would get it (for
 * timers and tests; never on an HTTP thread). */
kassa_err writer_run(struct writer *w, struct store_task *task);

#endif
