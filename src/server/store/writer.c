/* writer.c: the group-commit writer thread (see writer.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../log.h"
#include "writer.h"

struct writer {
    struct store *store;
    struct store_conn *conn;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct writer_cmd *head, *tail;
    bool stopping;
    int batch_max;
    void (*_Atomic on_commit)(void); /* writer_on_commit; set while running */
};

/* How often a command that returned KASSA_ERETRY (a race with another node
 * on a unique key, a deadlock) runs again in its savepoint. */
#define WRITER_RETRIES 4

/* A failed begin/commit/savepoint as every command's result: the database
 * being unreachable stays KASSA_EUNAVAILABLE (HTTP 503), else KASSA_EIO. */
static kassa_err batch_error(kassa_err err)
{
    return err == KASSA_EUNAVAILABLE ? KASSA_EUNAVAILABLE : KASSA_EIO;
}

/* Run one command in its own savepoint; KASSA_ERETRY rolls the savepoint
 * back and runs it again (a few times). */
static kassa_err run_one(struct store_conn *c, struct writer_cmd *cmd)
{
    kassa_err res = KASSA_EIO;
    for (int attempt = 0; attempt <= WRITER_RETRIES; attempt++) {
        kassa_err err = STORE_CALL0(c, savepoint);
        if (err != KASSA_OK)
            return batch_error(err);
        res = cmd->apply(c, cmd);
        kassa_err end = res == KASSA_OK ? STORE_CALL0(c, savepoint_release)
                                        : STORE_CALL0(c, savepoint_rollback);
        if (end != KASSA_OK)
            return batch_error(end);
        if (res != KASSA_ERETRY)
            break;
        log_info("command retried", "attempt=%d", attempt + 1);
    }
    return res;
}

/* Run one batch: every command in its own savepoint, one commit. Returns
 * the list's commands with their results in `results`. */
static void run_batch(struct writer *w, struct writer_cmd *batch, kassa_err *results, int n)
{
    struct store_conn *c = w->conn;
    kassa_err err = STORE_CALL0(c, begin);
    if (err != KASSA_OK) {
        for (int i = 0; i < n; i++)
            results[i] = batch_error(err);
        return;
    }
    int i = 0;
    for (struct writer_cmd *cmd = batch; cmd; cmd = cmd->next, i++)
        results[i] = run_one(c, cmd);
    if ((err = STORE_CALL0(c, commit)) != KASSA_OK) {
        log_error("batch commit failed", "commands=%d", n);
        STORE_CALL0(c, rollback);
        for (i = 0; i < n; i++)
            results[i] = batch_error(err);
        return;
    }
    void (*hook)(void) = atomic_load(&w->on_commit);
    if (hook)
        hook();
}

void writer_on_commit(struct writer *w, void (*fn)(void))
{
    atomic_store(&w->on_commit, fn);
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    kassa_err *results = calloc((size_t)w->batch_max, sizeof *results);
    if (results == NULL)
        abort(); /* at start-up only; nothing can run without it */
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (w->head == NULL && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->head == NULL && w->stopping) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        /* Take up to batch_max commands off the queue. */
        struct writer_cmd *batch = w->head, *last = w->head;
        int n = 1;
        while (last->next && n < w->batch_max) {
            last = last->next;
            n++;
        }
        w->head = last->next;
        if (w->head == NULL)
            w->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&w->mu);

        run_batch(w, batch, results, n);
        int i = 0;
        for (struct writer_cmd *cmd = batch; cmd; i++) {
            struct writer_cmd *next = cmd->next; /* done may free cmd */
            cmd->next = NULL;
            cmd->done(cmd, results[i]);
            cmd = next;
        }
    }
    free(results);
    return NULL;
}

struct writer *writer_start(struct store *s, int batch_max)
{
    struct writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->store = s;
    w->conn = store_writer(s);
    w->batch_max = batch_max > 0 ? batch_max : 256;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return NULL;
    }
    return w;
}

void writer_stop(struct writer *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
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
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* writer_run's rendezvous: a wrapper command whose done wakes the caller;
 * everything lives on the caller's stack. */
struct sync_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool finished;
    kassa_err err;
};

struct sync_cmd {
    struct writer_cmd base;
    struct writer_cmd *inner;
    struct sync_wait *wait;
};

static kassa_err sync_apply(struct store_conn *c, struct writer_cmd *base)
{
    struct sync_cmd *s = (struct sync_cmd *)base;
    return s->inner->apply(c, s->inner);
}

static void sync_done(struct writer_cmd *base, kassa_err err)
{
    struct sync_cmd *s = (struct sync_cmd *)base;
    pthread_mutex_lock(&s->wait->mu);
    s->wait->err = err;
    s->wait->finished = true;
    pthread_cond_signal(&s->wait->cv);
    pthread_mutex_unlock(&s->wait->mu);
}

kassa_err writer_run(struct writer *w, struct writer_cmd *cmd)
{
    struct sync_wait wait = {.finished = false, .err = KASSA_OK};
    pthread_mutex_init(&wait.mu, NULL);
    pthread_cond_init(&wait.cv, NULL);
    struct sync_cmd s = {.base = {.apply = sync_apply, .done = sync_done},
                         .inner = cmd,
                         .wait = &wait};
    writer_submit(w, &s.base);
    pthread_mutex_lock(&wait.mu);
    while (!wait.finished)
        pthread_cond_wait(&wait.cv, &wait.mu);
    pthread_mutex_unlock(&wait.mu);
    pthread_mutex_destroy(&wait.mu);
    pthread_cond_destroy(&wait.cv);
    return wait.err;
}
