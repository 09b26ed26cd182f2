/* metric.c: counters, gauges and histograms, and their exposition text
 * (see metric.h). */
#include "metric.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

#define CACHE_LINE_CELLS 8 /* 64 bytes of uint64_t */

static pthread_mutex_t metric_mu = PTHREAD_MUTEX_INITIALIZER;
static struct metric *metric_head, *metric_tail;
static atomic_int metric_next_shard;

int metric_shard(void)
{
    static _Thread_local int shard = -1;
    if (__builtin_expect(shard < 0, 0))
        shard = atomic_fetch_add_explicit(&metric_next_shard, 1, memory_order_relaxed) &
                (METRIC_SHARDS - 1);
    return shard;
}

static bool malformed(const struct metric *m)
{
    if (m->name == NULL || m->help == NULL || m->n_labels < 0 || m->n_labels > METRIC_LABELS_MAX)
        return true;
    for (int i = 0; i < m->n_labels; i++)
        if (m->labels[i].name == NULL || m->labels[i].n < 1)
            return true;
    if (m->type == METRIC_HISTOGRAM) {
        if (m->bounds == NULL || m->n_bounds < 1 || m->n_bounds > METRIC_BOUNDS_MAX)
            return true;
        for (int i = 1; i < m->n_bounds; i++)
            if (m->bounds[i] <= m->bounds[i - 1])
                return true;
    }
    return false;
}

int metric_register(struct metric *m)
{
    int rc = 0;
    pthread_mutex_lock(&metric_mu);
    if (m->cells != NULL)
        goto out;
    rc = -1;
    if (malformed(m)) {
        log_error("malformed metric", "name=%s", m->name != NULL ? m->name : "");
        goto out;
    }
    int n = 1;
    for (int i = 0; i < m->n_labels; i++)
        n *= m->labels[i].n;
    m->n_series = n;
    m->per_series = m->type == METRIC_HISTOGRAM ? m->n_bounds + 2 : 1; /* buckets, +Inf, sum */
    size_t cells = (size_t)n * (size_t)m->per_series;
    m->stride = (cells + CACHE_LINE_CELLS - 1) / CACHE_LINE_CELLS * CACHE_LINE_CELLS;
    m->shards = m->type == METRIC_GAUGE || m->scraped ? 1 : METRIC_SHARDS;
    /* calloc, aligned by hand: a large block comes zeroed from mmap and
     * takes memory only where it is counted. */
    size_t bytes = (size_t)m->shards * m->stride * sizeof(uint64_t) + 64;
    m->mem = calloc(1, bytes);
    if (m->mem == NULL) {
        log_error("no memory for a metric", "name=%s", m->name);
        goto out;
    }
    uintptr_t p = ((uintptr_t)m->mem + 63) & ~(uintptr_t)63;
    m->cells = (_Atomic uint64_t *)p;
    m->next = NULL;
    if (metric_tail != NULL)
        metric_tail->next = m;
    else
        metric_head = m;
    metric_tail = m;
    rc = 0;
out:
    pthread_mutex_unlock(&metric_mu);
    return rc;
}

int metric_series(const struct metric *m, const int *v)
{
    int s = 0;
    for (int i = 0; i < m->n_labels; i++) {
        const struct metric_label *l = &m->labels[i];
        int k = l->names != NULL ? v[i] : v[i] - l->first;
        if (k < 0 || k >= l->n)
            return -1;
        s = s * l->n + k;
    }
    return s;
}

void metric_observe(struct metric *m, int s, uint64_t v)
{
    if (m->cells == NULL || s < 0)
        return;
    int b = 0;
    while (b < m->n_bounds && v > m->bounds[b])
        b++;
    _Atomic uint64_t *c =
        &m->cells[(size_t)metric_shard() * m->stride + (size_t)s * (size_t)m->per_series];
    atomic_fetch_add_explicit(&c[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&c[m->n_bounds + 1], v, memory_order_relaxed);
}

void metric_set(struct metric *m, int s, int64_t v)
{
    if (m->cells == NULL || s < 0 || m->shards != 1)
        return;
    atomic_store_explicit(&m->cells[s], (uint64_t)v, memory_order_relaxed);
}

/* Cell k of series s, summed over the shards. */
static uint64_t cell_sum(const struct metric *m, int s, int k)
{
    uint64_t sum = 0;
    size_t at = (size_t)s * (size_t)m->per_series + (size_t)k;
    for (int sh = 0; sh < m->shards; sh++)
        sum += atomic_load_explicit(&m->cells[(size_t)sh * m->stride + at], memory_order_relaxed);
    return sum;
}

int64_t metric_value(const struct metric *m, int s)
{
    if (m->cells == NULL || s < 0 || s >= m->n_series)
        return 0;
    if (m->type != METRIC_HISTOGRAM)
        return (int64_t)cell_sum(m, s, 0);
    uint64_t n = 0;
    for (int b = 0; b <= m->n_bounds; b++)
        n += cell_sum(m, s, b);
    return (int64_t)n;
}

/* ---- staged counts -------------------------------------------------------- */

/* A thread's staged counts: appended in order, so a mark is a length. An
 * entry past the last mark handed out takes a repeat of its key; a full
 * log counts at once (an over-count only if that work is then undone). */
#define STAGE_MAX 1024

struct staged {
    struct metric *m;
    int s;
    uint64_t n;
};

/* Allocated at a thread's first staged count (only the writer threads
 * stage), freed when it ends. */
static _Thread_local struct staged *stage_log;
static _Thread_local size_t stage_len;
static _Thread_local size_t stage_sealed; /* entries before it are under a mark */
static pthread_key_t stage_key;
static pthread_once_t stage_once = PTHREAD_ONCE_INIT;

static void stage_key_init(void)
{
    pthread_key_create(&stage_key, free);
}

void metric_stage(struct metric *m, int s, uint64_t n)
{
    if (m->cells == NULL || s < 0)
        return;
    for (size_t i = stage_len; i > stage_sealed; i--) {
        struct staged *e = &stage_log[i - 1];
        if (e->m == m && e->s == s) {
            e->n += n;
            return;
        }
    }
    if (stage_log == NULL) {
        pthread_once(&stage_once, stage_key_init);
        stage_log = malloc(STAGE_MAX * sizeof *stage_log);
        if (stage_log != NULL)
            pthread_setspecific(stage_key, stage_log);
    }
    if (stage_log == NULL || stage_len == STAGE_MAX) {
        metric_add(m, s, n);
        return;
    }
    stage_log[stage_len++] = (struct staged){m, s, n};
}

size_t metric_stage_mark(void)
{
    stage_sealed = stage_len;
    return stage_len;
}

void metric_stage_undo(size_t mark)
{
    if (mark < stage_len)
        stage_len = mark;
    stage_sealed = stage_len;
}

void metric_stage_commit(void)
{
    for (size_t i = 0; i < stage_len; i++)
        metric_add(stage_log[i].m, stage_log[i].s, stage_log[i].n);
    stage_len = 0;
    stage_sealed = 0;
}

/* ---- the text --------------------------------------------------------------- */

/* Text with backslash, newline (and in a label value the quote) escaped. */
static kassa_err add_escaped(struct buf *out, const char *s, bool quote)
{
    kassa_err err = KASSA_OK;
    for (; *s != '\0' && err == KASSA_OK; s++) {
        if (*s == '\\')
            err = buf_adds(out, "\\\\");
        else if (*s == '\n')
            err = buf_adds(out, "\\n");
        else if (quote && *s == '"')
            err = buf_adds(out, "\\\"");
        else
            err = buf_add(out, s, 1);
    }
    return err;
}

/* `{a="x",b="y"` of series s (no closing brace: a histogram adds le);
 * nothing when the family has no labels and `open` is false. */
static kassa_err add_labels(struct buf *out, const struct metric *m, int s, bool more)
{
    if (m->n_labels == 0 && !more)
        return KASSA_OK;
    kassa_err err = buf_adds(out, "{");
    int k[METRIC_LABELS_MAX];
    for (int i = m->n_labels - 1; i >= 0; i--) {
        k[i] = s % m->labels[i].n;
        s /= m->labels[i].n;
    }
    for (int i = 0; i < m->n_labels && err == KASSA_OK; i++) {
        const struct metric_label *l = &m->labels[i];
        err = buf_addf(out, "%s%s=\"", i > 0 ? "," : "", l->name);
        if (err == KASSA_OK && l->names != NULL)
            err = add_escaped(out, l->names[k[i]], true);
        else if (err == KASSA_OK)
            err = buf_addf(out, "%d", l->first + k[i]);
        if (err == KASSA_OK)
            err = buf_adds(out, "\"");
    }
    if (err == KASSA_OK && !more)
        err = buf_adds(out, "}");
    return err;
}

static double scale_of(const struct metric *m)
{
    return m->scale > 0 ? m->scale : 1;
}

static kassa_err render_histogram(struct buf *out, const struct metric *m, int s)
{
    uint64_t count = 0, cum[METRIC_BOUNDS_MAX + 1];
    for (int b = 0; b <= m->n_bounds; b++) {
        count += cell_sum(m, s, b);
        cum[b] = count;
    }
    if (m->sparse && count == 0)
        return KASSA_OK;
    kassa_err err = KASSA_OK;
    double scale = scale_of(m);
    for (int b = 0; b <= m->n_bounds && err == KASSA_OK; b++) {
        err = buf_addf(out, "%s_bucket", m->name);
        if (err == KASSA_OK)
            err = add_labels(out, m, s, true);
        if (err == KASSA_OK && b < m->n_bounds)
            err = buf_addf(out, "%sle=\"%.15g\"} %" PRIu64 "\n", m->n_labels > 0 ? "," : "",
                           (double)m->bounds[b] / scale, cum[b]);
        else if (err == KASSA_OK)
            err = buf_addf(out, "%sle=\"+Inf\"} %" PRIu64 "\n", m->n_labels > 0 ? "," : "", cum[b]);
    }
    if (err == KASSA_OK)
        err = buf_addf(out, "%s_sum", m->name);
    if (err == KASSA_OK)
        err = add_labels(out, m, s, false);
    if (err == KASSA_OK)
        err = buf_addf(out, " %.15g\n%s_count", (double)cell_sum(m, s, m->n_bounds + 1) / scale,
                       m->name);
    if (err == KASSA_OK)
        err = add_labels(out, m, s, false);
    if (err == KASSA_OK)
        err = buf_addf(out, " %" PRIu64 "\n", count);
    return err;
}

static kassa_err render_family(struct buf *out, const struct metric *m)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    if (atomic_load_explicit(&m->absent, memory_order_relaxed))
        return KASSA_OK;
    kassa_err err = buf_addf(out, "# HELP %s ", m->name);
    if (err == KASSA_OK)
        err = add_escaped(out, m->help, false);
    if (err == KASSA_OK)
        err = buf_addf(out, "\n# TYPE %s %s\n", m->name, types[m->type]);
    for (int s = 0; s < m->n_series && err == KASSA_OK; s++) {
        if (m->type == METRIC_HISTOGRAM) {
            err = render_histogram(out, m, s);
            continue;
        }
        int64_t v = metric_value(m, s);
        if (m->sparse && v == 0)
            continue;
        err = buf_adds(out, m->name);
        if (err == KASSA_OK)
            err = add_labels(out, m, s, false);
        if (err == KASSA_OK && m->scale > 0)
            err = buf_addf(out, " %.15g\n", (double)v / m->scale);
        else if (err == KASSA_OK && m->type == METRIC_COUNTER)
            err = buf_addf(out, " %" PRIu64 "\n", (uint64_t)v);
        else if (err == KASSA_OK)
            err = buf_addf(out, " %" PRId64 "\n", v);
    }
    return err;
}

kassa_err metric_render(struct buf *out)
{
    kassa_err err = KASSA_OK;
    pthread_mutex_lock(&metric_mu);
    for (const struct metric *m = metric_head; m != NULL && err == KASSA_OK; m = m->next)
        err = render_family(out, m);
    pthread_mutex_unlock(&metric_mu);
    return err;
}
