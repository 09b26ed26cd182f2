/* writer.h: group commit.
 *
 * HTTP threads authenticate and validate, then hand a command to the writer.
 * A writer thread takes the queued commands (up to batch_max), runs them
 * in one transaction, commits once (one fsync), and then calls each
 * command's `done`. A refused command must not take the others with it, so
 * it rolls back alone: with one writer thread (SQLite) the batch is first
 * run without savepoints (cheap); when a command refuses, the transaction is
 * rolled back and the batch runs again with a savepoint per command (and so
 * do the next few batches). Several writer threads (PostgreSQL) always use a
 * savepoint per command: their batches may deadlock with each other.
 * Consecutive commands of one kind with an apply_many (PostgreSQL's order
 * creates) run as one group, in one call and one savepoint; a command the
 * group refuses wrote nothing, so the rule holds for it too.
 * The batch grows with the load: no waiting when the queue is short. */
#ifndef KASSA_WRITER_H
#define KASSA_WRITER_H

#include "store/store.h"

struct writer_cmd;

/* writer_cmd.apply_many's type. */
typedef kassa_err (*writer_many_fn)(struct store_conn *c, struct writer_cmd **cmds, int n,
                                    kassa_err *results);

struct writer_cmd {
    /* Run the command on the writer connection, in the batch's
     * transaction. A non-OK return undoes what it wrote (its savepoint, or
     * the whole transaction, after which the batch runs again); KASSA_ERETRY
     * (a race with another node, see store.h backends) then runs apply
     * again, a few times. So apply may run several times for one command:
     * everything it sets outside the database it must set anew each time. */
    kassa_err (*apply)(struct store_conn *c, struct writer_cmd *cmd);
    /* Called on the writer thread once the command's transaction ended,
     * with its result: apply's last return (KASSA_ERETRY too, when every
     * run lost its race), or, when the transaction around it failed
     * (begin, savepoint, commit), KASSA_EUNAVAILABLE if the database could
     * not be reached and KASSA_EIO otherwise. A failed commit rolls the
     * whole batch back and every command of it gets that error. */
    void (*done)(struct writer_cmd *cmd, kassa_err err);
    /* Optional: run a run of consecutive commands of one kind together
     * (cmds[0..n), n >= 2, all with this apply_many), e.g. one multi-row
     * statement for a batch's order creates instead of two statements
     * each. Its return: KASSA_OK when it settled every command, results[i]
     * being apply's result for cmds[i], with three cases: KASSA_OK (applied),
     * a refusal (it wrote nothing for that command), or KASSA_ERETRY (not
     * applied: the writer runs that one alone with apply, right after).
     * Any other return: the writer undoes everything the call wrote and
     * runs each command with apply. Like apply, it may run more than once
     * for the same commands. */
    writer_many_fn apply_many;
    struct writer_cmd *next; /* writer's queue link */
};

struct writer;

/* Start the writer thread on `s`. NULL on failure. */
struct writer *writer_start(struct store *s, int batch_max);

/* Start `threads` writer threads sharing the one queue, each with its own
 * connection (the store's writer, then ops->writer_extra) and its own
 * batches and commits. A backend without writer_extra (SQLite) gets one
 * thread whatever `threads` says; when an extra connection cannot be had
 * the writer runs with fewer (logged). An idle thread takes an even share
 * of the queue, so several batches are in flight at once. Commands of
 * different threads run in concurrent transactions: they must be safe as
 * if on several nodes (see store.h: unique keys, conditional updates and
 * row locks; a deadlock or a unique-key race returns KASSA_ERETRY and the
 * command runs again). NULL on failure. */
struct writer *writer_start_n(struct store *s, int batch_max, int threads);

/* Call fn on the writer thread after every batch that committed (e.g. to
 * wake the callback dispatcher); with several threads, on whichever
 * committed, possibly at once. May be set while the writer runs. */
void writer_on_commit(struct writer *w, void (*fn)(void));

/* How many writer threads run (commands of different threads may run side
 * by side, in concurrent transactions). */
int writer_threads(const struct writer *w);

/* Finish the queue, stop the thread, free. */
void writer_stop(struct writer *w);

/* Queue a command; `done` will be called exactly once. */
void writer_submit(struct writer *w, struct writer_cmd *cmd);

/* Queue and wait for the result (for timers, admin and tests; never on an
 * HTTP thread on the hot path). `cmd->done` is not called. */
kassa_err writer_run(struct writer *w, struct writer_cmd *cmd);

#endif
