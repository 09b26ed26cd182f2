/* resume.c: the resumer thread behind http_resume_later (see http.h). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "http.h"
#include "resume.h"

/* ---- the resumer ----------------------------------------------------------
 * MHD_resume_connection writes to the daemon's wake-up eventfd: a system
 * call per request. http_resume_later moves that cost off the caller (the
 * group-commit writer, the one serial thread) onto this thread, which
 * resumes whole lists at a time.
 *
 * The writer must not wait or be preempted here: it pushes onto a lock-free
 * list (one compare-and-swap), and takes the mutex only to wake the resumer
 * when the list was empty. With a mutex around every push, the resumer
 * taking the list held the writer up, and each unlock woke it (a futex
 * call, after which the woken thread preempted the writer): 13 % of the
 * writer's time under load. The resumer is SCHED_BATCH, so that waking it
 * never preempts the writer either. */

struct resume_item {
    struct http_req *req;
    struct resume_item *next;
};

static struct {
    _Atomic(struct resume_item *) head; /* pushed by any thread, taken whole */
    atomic_bool running;
    pthread_mutex_t mu; /* guards stopping and the sleep on cv */
    pthread_cond_t cv;
    bool stopping;
    pthread_t thread;
} R = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* Resume every request of a list taken from R.head, oldest first. */
static void resume_list(struct resume_item *list)
{
    struct resume_item *fifo = NULL;
    while (list != NULL) { /* the list is newest first: reverse it */
        struct resume_item *next = list->next;
        list->next = fifo;
        fifo = list;
        list = next;
    }
    while (fifo != NULL) {
        struct resume_item *next = fifo->next;
        http_resume(fifo->req); /* the item lives in the request: read next first */
        fifo = next;
    }
}

static void *resumer_main(void *arg)
{
    pthread_setname_np(pthread_self(), "kassa-resume"); /* top -H, perf */
    struct sched_param sp = {0};
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp); /* best effort */
    (void)arg;
    for (;;) {
        struct resume_item *list = atomic_exchange(&R.head, NULL);
        if (list != NULL) {
            resume_list(list);
            continue;
        }
        pthread_mutex_lock(&R.mu);
        while (atomic_load(&R.head) == NULL && !R.stopping)
            pthread_cond_wait(&R.cv, &R.mu);
        bool stop = R.stopping && atomic_load(&R.head) == NULL;
        pthread_mutex_unlock(&R.mu);
        if (stop)
            break;
    }
    return NULL;
}

void http_resume_later(struct http_req *req)
{
    struct resume_item *item = arena_alloc(&req->arena, sizeof *item);
    if (item == NULL || !atomic_load(&R.running)) {
        http_resume(req);
        return;
    }
    item->req = req;
    /* Once pushed, the item may be resumed and freed at once: only `old`
     * is read after the exchange. */
    struct resume_item *old = atomic_load(&R.head);
    do
        item->next = old;
    while (!atomic_compare_exchange_weak(&R.head, &old, item));
    if (old == NULL) { /* the resumer may sleep: wake it */
        pthread_mutex_lock(&R.mu);
        pthread_cond_signal(&R.cv);
        pthread_mutex_unlock(&R.mu);
    }
    /* The resumer stopped meanwhile (resumer_stop, then its last take):
     * resume what is left here. */
    if (!atomic_load(&R.running))
        resume_list(atomic_exchange(&R.head, NULL));
}

int resumer_start(void)
{
    atomic_store(&R.head, NULL);
    R.stopping = false;
    int rc = pthread_create(&R.thread, NULL, resumer_main, NULL);
    atomic_store(&R.running, rc == 0);
    return rc == 0 ? 0 : -1;
}

void resumer_stop(void)
{
    if (!atomic_load(&R.running))
        return;
    pthread_mutex_lock(&R.mu);
    R.stopping = true;
    pthread_cond_signal(&R.cv);
    pthread_mutex_unlock(&R.mu);
    pthread_join(R.thread, NULL); /* resumes what is queued first */
    atomic_store(&R.running, false);
    resume_list(atomic_exchange(&R.head, NULL)); /* pushed while it stopped */
}
