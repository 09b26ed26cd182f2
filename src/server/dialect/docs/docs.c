/* docs.c: the documents for integrators, GET /openapi/<name>.json: the
 * OpenAPI documents of docs/openapi/, built into kassad (scripts/embed.py),
 * public, cacheable (an ETag of their bytes; 304 to If-None-Match). */
#include <string.h>

#include "base/embedded.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"

extern const struct embedded_file openapi_docs[];
extern const size_t openapi_docs_count;

/* Whether the If-None-Match header `h` names `etag` (or is "*"). */
static bool etag_matches(const char *h, const char *etag)
{
    if (h == NULL)
        return false;
    while (*h == ' ')
        h++;
    return strcmp(h, "*") == 0 || strstr(h, etag) != NULL;
}

static enum http_action docs_handle(struct http_req *req)
{
    const char *name = path_after(req->path, "/openapi/");
    const struct embedded_file *f = NULL;
    for (size_t i = 0; name != NULL && i < openapi_docs_count; i++)
        if (strcmp(openapi_docs[i].name, name) == 0)
            f = &openapi_docs[i];
    if (f == NULL) {
        reply_error(req, 404, "Not found");
        return HTTP_DONE;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        http_add_header(req, "Allow", "GET, HEAD");
        reply_error(req, 405, "method not allowed");
        return HTTP_DONE;
    }
    http_add_header(req, "ETag", f->etag);
    http_add_header(req, "Cache-Control", "public, max-age=300");
    /* A browser tool (an API explorer) on another origin may read them. */
    http_add_header(req, "Access-Control-Allow-Origin", "*");
    if (etag_matches(http_header(req, "If-None-Match"), f->etag))
        http_reply(req, 304, NULL, NULL, 0);
    else
        http_reply(req, 200, "application/json", f->data, f->len);
    return HTTP_DONE;
}

static const struct dialect_route routes[] = {
    {.path = "/openapi", .handle = docs_handle},
};

const struct dialect dialect_docs = {
    .name = "docs",
    .id = 0, /* it makes no orders */
    .routes = routes,
    .n_routes = sizeof routes / sizeof routes[0],
};
