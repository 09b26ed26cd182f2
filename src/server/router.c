/* router.c: send each request to its dialect by path prefix. */
#include <string.h>

#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "router.h"
#include "store/store.h"

static bool prefix(const char *path, const char *p)
{
    size_t n = strlen(p);
    return strncmp(path, p, n) == 0 && (path[n] == '\0' || path[n] == '/');
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
    if (prefix(p, "/orders") || prefix(p, "/v1/orders"))
        return panda_handle(req);
    if (prefix(p, "/admin/v1"))
        return admin_handle(req);
    if (prefix(p, "/api"))
        return tegro_handle(req);
    if (strcmp(p, "/pay") == 0 || strcmp(p, "/pay/") == 0 || strcmp(p, "/pay/form") == 0 ||
        strcmp(p, "/pay/form/") == 0)
        return tegro_form_handle(req);
    if (prefix(p, "/pay"))
        return pages_handle(req);
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
