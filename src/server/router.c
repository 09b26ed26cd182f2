/* router.c: send each request to the dialect whose route takes its path
 * (the registry, dialect/dialect.h), after kassad's own /healthz and
 * /metrics. The route classes GET /metrics counts requests by are the
 * registry's dialects, then kassad's own paths and "other". */
#include <string.h>

#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "metrics.h"
#include "router.h"
#include "store/store.h"

#define ROUTER_CLASSES_MAX 32

static const char *router_classes[ROUTER_CLASSES_MAX];
static int class_health, class_metrics, class_other;

/* The request's class; the route found is kept in req->route for
 * router_handle. */
static int router_classify(struct http_req *req)
{
    if (strcmp(req->path, "/healthz") == 0)
        return class_health;
    if (strcmp(req->path, "/metrics") == 0)
        return class_metrics;
    int d = -1;
    req->route = dialect_route_lookup(req->path, &d);
    return d >= 0 && d < class_health ? d : class_other;
}

void router_setup(void)
{
    int n = 0;
    for (size_t i = 0; dialect_registry[i] != NULL && n < ROUTER_CLASSES_MAX - 3; i++)
        router_classes[n++] = dialect_registry[i]->name;
    class_health = n;
    router_classes[n++] = "health";
    class_metrics = n;
    router_classes[n++] = "metrics";
    class_other = n;
    router_classes[n++] = "other";
    http_set_route_classes(router_classes, n, router_classify);
}

enum http_action router_handle(struct http_req *req)
{
    const char *p = req->path;
    if (strcmp(p, "/healthz") == 0) {
        /* 503 while the database is unreachable, so a load balancer takes
         * this node out until it reconnects. */
        static const char ok[] = "{\"status\":\"ok\"}";
        static const char down[] = "{\"status\":\"database unavailable\"}";
        if (store_unavailable())
            http_reply(req, 503, "application/json", down, sizeof down - 1);
        else
            http_reply(req, 200, "application/json", ok, sizeof ok - 1);
        return HTTP_DONE;
    }
    if (strcmp(p, "/metrics") == 0)
        return metrics_handle(req);
    const struct dialect_route *r = req->route != NULL ? req->route : dialect_route_find(p);
    if (r != NULL)
        return r->handle(req);
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
