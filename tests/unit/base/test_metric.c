/* test_metric.c: counters, gauges, histograms, staged counts and their
 * exposition text (base/metric.c). Every family registered here is in the
 * one process-wide list, so the text tests register theirs first. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/metric.h"

static const char *const colours[] = {"red", "gr\"e\\en"};

static struct metric requests = {
    .name = "t_requests_total",
    .help = "Requests.\nSecond line \\ here.",
    .type = METRIC_COUNTER,
    .n_labels = 2,
    .labels = {{.name = "colour", .names = colours, .n = 2},
               {.name = "code", .first = 200, .n = 300}},
    .sparse = true,
};

static const uint64_t bounds[] = {1000, 5000, 250000};
static struct metric latency = {
    .name = "t_latency_seconds",
    .help = "Latency.",
    .type = METRIC_HISTOGRAM,
    .n_labels = 1,
    .labels = {{.name = "colour", .names = colours, .n = 2}},
    .bounds = bounds,
    .n_bounds = 3,
    .scale = 1e6,
};

static struct metric depth = {.name = "t_depth", .help = "Depth.", .type = METRIC_GAUGE};

static struct metric cpu = {.name = "t_cpu_seconds_total",
                            .help = "CPU.",
                            .type = METRIC_COUNTER,
                            .scraped = true,
                            .scale = 1e6};

static char *render(void)
{
    static struct buf b;
    buf_free(&b);
    buf_init(&b, 1 << 20);
    assert_int_equal(metric_render(&b), KASSA_OK);
    return buf_ptr(&b);
}

static void test_text(void **state)
{
    (void)state;
    assert_int_equal(metric_register(&requests), 0);
    assert_int_equal(metric_register(&latency), 0);
    assert_int_equal(metric_register(&depth), 0);
    assert_int_equal(metric_register(&cpu), 0);
    assert_int_equal(metric_register(&depth), 0); /* again: stays as it is, once in the list */

    int v[2] = {1, 404};
    int s = metric_series(&requests, v);
    assert_int_equal(s, 1 * 300 + 204);
    metric_add(&requests, s, 2);
    v[0] = 0;
    v[1] = 200;
    metric_add(&requests, metric_series(&requests, v), 1);
    v[1] = 500; /* beyond 200..499: no series, nothing counted */
    assert_int_equal(metric_series(&requests, v), -1);
    metric_add(&requests, metric_series(&requests, v), 1);
    v[0] = 2; /* no such colour */
    v[1] = 200;
    assert_int_equal(metric_series(&requests, v), -1);

    metric_observe(&latency, 0, 1000);   /* on a bound: in its bucket */
    metric_observe(&latency, 0, 1001);   /* the next one */
    metric_observe(&latency, 0, 999999); /* +Inf */
    metric_set(&depth, 0, -3);
    metric_set(&cpu, 0, 1500000);

    assert_string_equal(render(),
                        "# HELP t_requests_total Requests.\\nSecond line \\\\ here.\n"
                        "# TYPE t_requests_total counter\n"
                        "t_requests_total{colour=\"red\",code=\"200\"} 1\n"
                        "t_requests_total{colour=\"gr\\\"e\\\\en\",code=\"404\"} 2\n"
                        "# HELP t_latency_seconds Latency.\n"
                        "# TYPE t_latency_seconds histogram\n"
                        "t_latency_seconds_bucket{colour=\"red\",le=\"0.001\"} 1\n"
                        "t_latency_seconds_bucket{colour=\"red\",le=\"0.005\"} 2\n"
                        "t_latency_seconds_bucket{colour=\"red\",le=\"0.25\"} 2\n"
                        "t_latency_seconds_bucket{colour=\"red\",le=\"+Inf\"} 3\n"
                        "t_latency_seconds_sum{colour=\"red\"} 1.002\n"
                        "t_latency_seconds_count{colour=\"red\"} 3\n"
                        "t_latency_seconds_bucket{colour=\"gr\\\"e\\\\en\",le=\"0.001\"} 0\n"
                        "t_latency_seconds_bucket{colour=\"gr\\\"e\\\\en\",le=\"0.005\"} 0\n"
                        "t_latency_seconds_bucket{colour=\"gr\\\"e\\\\en\",le=\"0.25\"} 0\n"
                        "t_latency_seconds_bucket{colour=\"gr\\\"e\\\\en\",le=\"+Inf\"} 0\n"
                        "t_latency_seconds_sum{colour=\"gr\\\"e\\\\en\"} 0\n"
                        "t_latency_seconds_count{colour=\"gr\\\"e\\\\en\"} 0\n"
                        "# HELP t_depth Depth.\n"
                        "# TYPE t_depth gauge\n"
                        "t_depth -3\n"
                        "# HELP t_cpu_seconds_total CPU.\n"
                        "# TYPE t_cpu_seconds_total counter\n"
                        "t_cpu_seconds_total 1.5\n");
    assert_int_equal(metric_value(&latency, 0), 3);
    assert_int_equal(metric_value(&latency, 1), 0);

    /* A family whose source could not be read is left out. */
    atomic_store(&depth.absent, true);
    assert_null(strstr(render(), "t_depth"));
    atomic_store(&depth.absent, false);
    assert_non_null(strstr(render(), "t_depth -3\n"));

    /* The text has a ceiling: over it, an error, not a cut text. */
    struct buf small;
    buf_init(&small, 100);
    assert_int_equal(metric_render(&small), KASSA_ETOOBIG);
    buf_free(&small);
}

/* Counting into a family never registered does nothing (a module a unit
 * test uses without starting it); a malformed family is refused. */
static void test_unregistered_and_malformed(void **state)
{
    (void)state;
    static struct metric idle = {.name = "t_idle_total", .help = "x", .type = METRIC_COUNTER};
    metric_add(&idle, 0, 1);
    metric_observe(&idle, 0, 1);
    metric_set(&idle, 0, 1);
    metric_stage(&idle, 0, 1);
    metric_stage_commit();
    assert_int_equal(metric_value(&idle, 0), 0);

    static const uint64_t down[] = {5, 1};
    static struct metric bad = {
        .name = "t_bad", .help = "x", .type = METRIC_HISTOGRAM, .bounds = down, .n_bounds = 2};
    assert_int_equal(metric_register(&bad), -1);
    static struct metric nameless = {.help = "x", .type = METRIC_COUNTER};
    assert_int_equal(metric_register(&nameless), -1);
    static struct metric empty_label = {
        .name = "t_empty", .help = "x", .type = METRIC_COUNTER, .n_labels = 1};
    assert_int_equal(metric_register(&empty_label), -1);
    /* A counted counter cannot be set; a scraped one can (above). */
    static struct metric counted = {.name = "t_counted_total", .help = "x", .type = METRIC_COUNTER};
    assert_int_equal(metric_register(&counted), 0);
    metric_set(&counted, 0, 7);
    assert_int_equal(metric_value(&counted, 0), 0);
}

/* Staged counts: applied at commit, dropped past a mark when undone. */
static void test_staged(void **state)
{
    (void)state;
    static const char *const kinds[] = {"a", "b"};
    static struct metric st = {.name = "t_staged_total",
                               .help = "x",
                               .type = METRIC_COUNTER,
                               .n_labels = 1,
                               .labels = {{.name = "kind", .names = kinds, .n = 2}}};
    assert_int_equal(metric_register(&st), 0);

    metric_stage_undo(0);
    metric_stage(&st, 0, 1);
    size_t mark = metric_stage_mark(); /* a savepoint */
    metric_stage(&st, 0, 1);           /* not merged into the entry before the mark */
    metric_stage(&st, 1, 5);
    metric_stage_undo(mark); /* rolled back to it */
    assert_int_equal(metric_value(&st, 0), 0);
    mark = metric_stage_mark();
    metric_stage(&st, 1, 2);
    metric_stage(&st, 1, 3); /* merged: one entry */
    metric_stage_commit();
    assert_int_equal(metric_value(&st, 0), 1);
    assert_int_equal(metric_value(&st, 1), 5);

    /* A whole transaction rolled back. */
    metric_stage(&st, 0, 10);
    metric_stage_mark();
    metric_stage(&st, 1, 10);
    metric_stage_undo(0);
    metric_stage_commit();
    assert_int_equal(metric_value(&st, 0), 1);
    assert_int_equal(metric_value(&st, 1), 5);

    /* More entries than the log holds (a mark between each): the rest
     * count at once, none is lost. */
    for (int i = 0; i < 3000; i++) {
        metric_stage_mark();
        metric_stage(&st, i % 2, 1);
    }
    metric_stage_commit();
    assert_int_equal(metric_value(&st, 0), 1 + 1500);
    assert_int_equal(metric_value(&st, 1), 5 + 1500);
}

/* Threads count on their own shards; the text sums them. */
static struct metric hits = {.name = "t_hits_total", .help = "x", .type = METRIC_COUNTER};
static const uint64_t one_bound[] = {10};
static struct metric sizes = {
    .name = "t_sizes", .help = "x", .type = METRIC_HISTOGRAM, .bounds = one_bound, .n_bounds = 1};

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++) {
        metric_add(&hits, 0, 1);
        metric_observe(&sizes, 0, (uint64_t)(i % 20));
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    assert_int_equal(metric_register(&hits), 0);
    assert_int_equal(metric_register(&sizes), 0);
    pthread_t t[12];
    for (int i = 0; i < 12; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < 12; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(metric_value(&hits, 0), 1200000);
    assert_int_equal(metric_value(&sizes, 0), 1200000);
    /* 0..10 of every 20 are in the first bucket; the sum is 12 * 5000 * 190. */
    const char *text = render();
    assert_non_null(strstr(text, "t_sizes_bucket{le=\"10\"} 660000\n"));
    assert_non_null(strstr(text, "t_sizes_sum 11400000\n"));
    assert_non_null(strstr(text, "t_hits_total 1200000\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_unregistered_and_malformed),
        cmocka_unit_test(test_staged),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
