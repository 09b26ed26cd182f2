/* metric.h: counters, gauges and histograms for GET /metrics, and their
 * text in the Prometheus exposition format (version 0.0.4).
 *
 * A module defines its families as static `struct metric`s with every
 * label's values fixed up front (a list of names, or a range of numbers
 * such as HTTP status codes), registers them once (metric_register), and
 * counts with a series number (metric_series). Counting is lock-free and
 * cheap enough for the request path: each series has a cell per shard,
 * threads are dealt out to the shards, a count is one relaxed atomic add
 * on the thread's own shard, and the shards are summed when the text is
 * rendered. Counting into a family not registered (a unit test that never
 * started the module) does nothing.
 *
 * Work that may be undone (a writer task's run, rolled back with its
 * savepoint or its batch) stages its counts instead (metric_stage); the
 * writer applies them once the transaction committed and drops them when
 * it rolled back, so a counter says what the database holds. */
#ifndef KASSA_METRIC_H
#define KASSA_METRIC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

#define METRIC_LABELS_MAX 2
#define METRIC_BOUNDS_MAX 24
/* Threads are dealt out to this many shards (a power of two). */
#define METRIC_SHARDS 8

/* A label and its values: names[0..n), or, when names is NULL, the numbers
 * first .. first + n - 1 (an HTTP status code). */
struct metric_label {
    const char *name;
    const char *const *names;
    int n;
    int first;
};

struct metric {
    /* Set by the module that defines it. */
    const char *name; /* "kassa_http_requests_total" */
    const char *help; /* one line */
    enum metric_type type;
    int n_labels; /* 0 .. METRIC_LABELS_MAX */
    struct metric_label labels[METRIC_LABELS_MAX];
    /* A histogram's bucket upper bounds, ascending, in the unit values are
     * observed in (the +Inf bucket is implicit). */
    const uint64_t *bounds;
    int n_bounds;
    /* What one unit of a value is in the exposed unit: a latency observed in
     * microseconds and exposed in seconds has scale 1e6 (0: integers as
     * they are). */
    double scale;
    /* Series that are zero are left out of the text (a status code no
     * request got). */
    bool sparse;
    /* A counter whose value is read from elsewhere when the text is made
     * (metric_set), not counted here. */
    bool scraped;
    /* Left out of the text for now (a gauge whose source could not be
     * read at this scrape). */
    atomic_bool absent;
    /* Set by metric_register. */
    int n_series;
    int per_series; /* cells of one series: 1, or a histogram's buckets + sum */
    size_t stride;  /* cells of one shard, a whole number of cache lines */
    int shards;     /* METRIC_SHARDS, 1 for a gauge */
    _Atomic uint64_t *cells;
    void *mem; /* cells' allocation */
    struct metric *next;
};

/* Register m (its cells, zeroed; its place in the text after those
 * registered before it). A family registered already stays as it is.
 * -1 when out of memory or m is malformed (logged). Thread-safe. */
int metric_register(struct metric *m);

/* The series of label values (v[0..m->n_labels): each an index into the
 * label's names, or for a numeric label the number itself); -1 when a
 * value is out of the label's range (counting into -1 does nothing). */
int metric_series(const struct metric *m, const int *v);

/* This thread's shard (dealt out at its first count). */
int metric_shard(void);

/* Add n to counter series s. */
static inline void metric_add(struct metric *m, int s, uint64_t n)
{
    if (m->cells == NULL || s < 0)
        return;
    atomic_fetch_add_explicit(&m->cells[(size_t)metric_shard() * m->stride + (size_t)s], n,
                              memory_order_relaxed);
}

/* Count value v (in the family's unit) into histogram series s. */
void metric_observe(struct metric *m, int s, uint64_t v);

/* Set series s of a gauge or a scraped counter. */
void metric_set(struct metric *m, int s, int64_t v);

/* A counter's or gauge's value, a histogram's count: summed over shards. */
int64_t metric_value(const struct metric *m, int s);

/* ---- staged counts (undone with the work they count) ------------------- */

/* Add n to counter series s once this thread's transaction commits
 * (metric_stage_commit), not if it rolls back. Counts staged by a thread
 * that never commits are dropped at its next metric_stage_undo(0). */
void metric_stage(struct metric *m, int s, uint64_t n);

/* Where this thread's staged counts stand now: metric_stage_undo(mark)
 * drops what was staged after it (a savepoint rolled back). */
size_t metric_stage_mark(void);
void metric_stage_undo(size_t mark);

/* Apply this thread's staged counts (its transaction committed). */
void metric_stage_commit(void);

/* ---- the text ----------------------------------------------------------- */

/* Append every registered family to out, in the exposition format.
 * KASSA_OK, or buf's error (KASSA_ETOOBIG, KASSA_ENOMEM). */
kassa_err metric_render(struct buf *out);

#endif
