/* requests.c: requests by route class and status, and their durations
 * (see requests.h). */
#include "requests.h"

#include "base/metric.h"

static const char *const default_classes[] = {"all"};
static const char *const *route_classes = default_classes;
static int n_route_classes = 1;
static int (*route_classify)(struct http_req *req);

/* Status codes as numbers 100..599, only those answered shown. */
static struct metric requests = {
    .name = "kassa_http_requests_total",
    .help = "HTTP requests answered, by route class and status code.",
    .type = METRIC_COUNTER,
    .n_labels = 2,
    .labels = {{.name = "class"}, {.name = "code", .first = 100, .n = 500}},
    .sparse = true,
};

/* 0.5 ms .. 10 s, in microseconds. */
static const uint64_t duration_bounds_us[] = {500,     1000,    2500,    5000,    10000,
                                              25000,   50000,   100000,  250000,  500000,
                                              1000000, 2500000, 5000000, 10000000};
static struct metric duration = {
    .name = "kassa_http_request_duration_seconds",
    .help = "Time from a request's first byte to its answer, by route class.",
    .type = METRIC_HISTOGRAM,
    .n_labels = 1,
    .labels = {{.name = "class"}},
    .bounds = duration_bounds_us,
    .n_bounds = sizeof duration_bounds_us / sizeof duration_bounds_us[0],
    .scale = 1e6,
};

void http_set_route_classes(const char *const *names, int n, int (*classify)(struct http_req *req))
{
    if (names == NULL || n < 1 || requests.cells != NULL)
        return; /* the series are registered with the classes they had */
    route_classes = names;
    n_route_classes = n;
    route_classify = classify;
}

void http_metrics_register(void)
{
    requests.labels[0].names = route_classes;
    requests.labels[0].n = n_route_classes;
    duration.labels[0].names = route_classes;
    duration.labels[0].n = n_route_classes;
    metric_register(&requests);
    metric_register(&duration);
}

int http_metrics_unclassified(void)
{
    return n_route_classes - 1;
}

int http_metrics_classify(struct http_req *req)
{
    if (route_classify == NULL)
        return http_metrics_unclassified();
    int k = route_classify(req);
    return k >= 0 && k < n_route_classes ? k : http_metrics_unclassified();
}

void http_metrics_count(int route_class, int status, int64_t us)
{
    if (status < 100 || status > 599)
        return; /* no answer was sent */
    int v[2] = {route_class, status};
    metric_add(&requests, metric_series(&requests, v), 1);
    metric_observe(&duration, route_class, us > 0 ? (uint64_t)us : 0);
}
