/* router.c: send each request to the dialect whose route takes its path
 * (the registry, dialect/dialect.h), after kassad's own /healthz. */
#include <string.h>

#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "router.h"
#include "store/store.h"

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
    const struct dialect_route *r = dialect_route_find(p);
    if (r != NULL)
        return r->handle(req);
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
