/* console.c: the console, kassa's web application for operators, traders
 * and merchant users, served under /console/.
 *
 *   GET /console                     redirect to /console/
 *   GET /console/                    the application (index.html)
 *   GET /console/<file>              its scripts and style (src/console/,
 *                                    built in by scripts/embed.py)
 *   GET /console/vendor/chart.min.js Chart.js, Debian's libjs-chart.js,
 *                                    read from its installed file
 *
 * The application is static: what it shows comes from the admin, trader
 * and merchant APIs, which it calls with the session cookie of its
 * sign-in (/console/api/...). Every answer carries a strict
 * Content-Security-Policy (scripts and styles from kassad only, no inline
 * script), X-Frame-Options: DENY and no-referrer. */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/embedded.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"

extern const struct embedded_file console_assets[];
extern const size_t console_assets_count;

#define CHARTJS_DEFAULT "/usr/share/javascript/chart.js/chart.min.js"

static char chartjs_file[512] = CHARTJS_DEFAULT;

void console_configure(const char *chartjs)
{
    if (chartjs != NULL && *chartjs != '\0')
        snprintf(chartjs_file, sizeof chartjs_file, "%s", chartjs);
}

const char *console_chartjs_file(void)
{
    return chartjs_file;
}

void console_security_headers(struct http_req *req)
{
    http_add_header(req, "Content-Security-Policy",
                    "default-src 'none'; script-src 'self'; style-src 'self'; "
                    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; "
                    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    http_add_header(req, "X-Frame-Options", "DENY");
    http_add_header(req, "X-Content-Type-Options", "nosniff");
    http_add_header(req, "Referrer-Policy", "no-referrer");
}

static const char *content_type_of(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".json", "application/json"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot != NULL && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

/* Whether the If-None-Match header `h` names `etag` (or is "*"). */
static bool etag_matches(const char *h, const char *etag)
{
    if (h == NULL)
        return false;
    while (*h == ' ')
        h++;
    return strcmp(h, "*") == 0 || strstr(h, etag) != NULL;
}

static void not_found(struct http_req *req)
{
    static const char body[] = "Not found";
    http_reply(req, 404, "text/plain; charset=utf-8", body, sizeof body - 1);
}

/* Chart.js from its installed file: an ETag of its size and time, so an
 * upgrade of the package is served at once. */
static void serve_chartjs(struct http_req *req)
{
    int fd = open(chartjs_file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        not_found(req);
        return;
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtime);
    http_add_header(req, "ETag", etag);
    http_add_header(req, "Cache-Control", "no-cache");
    if (etag_matches(http_header(req, "If-None-Match"), etag)) {
        close(fd);
        http_reply(req, 304, NULL, NULL, 0);
        return;
    }
    http_reply_file(req, 200, "text/javascript; charset=utf-8", fd, (uint64_t)st.st_size, NULL,
                    NULL);
}

static enum http_action console_handle(struct http_req *req)
{
    console_security_headers(req);
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        http_add_header(req, "Allow", "GET, HEAD");
        static const char body[] = "Method not allowed";
        http_reply(req, 405, "text/plain; charset=utf-8", body, sizeof body - 1);
        return HTTP_DONE;
    }
    if (strcmp(req->path, "/console") == 0) {
        http_add_header(req, "Location", "/console/");
        http_reply(req, 308, NULL, NULL, 0);
        return HTTP_DONE;
    }
    const char *name = path_after(req->path, "/console/");
    if (name == NULL) {
        not_found(req);
        return HTTP_DONE;
    }
    if (strcmp(name, "vendor/chart.min.js") == 0) {
        serve_chartjs(req);
        return HTTP_DONE;
    }
    if (*name == '\0')
        name = "index.html";
    const struct embedded_file *f = NULL;
    for (size_t i = 0; i < console_assets_count; i++)
        if (strcmp(console_assets[i].name, name) == 0)
            f = &console_assets[i];
    if (f == NULL) {
        not_found(req);
        return HTTP_DONE;
    }
    /* Revalidated on each load (a 304 when unchanged): a new kassad's
     * application is never mixed with an old one's cached modules. */
    http_add_header(req, "ETag", f->etag);
    http_add_header(req, "Cache-Control", "no-cache");
    if (etag_matches(http_header(req, "If-None-Match"), f->etag))
        http_reply(req, 304, NULL, NULL, 0);
    else
        http_reply(req, 200, content_type_of(f->name), f->data, f->len);
    return HTTP_DONE;
}

static const struct dialect_route routes[] = {
    {.path = "/console", .handle = console_handle},
    /* Sign-in and sessions (session.c). */
    {.path = "/console/api", .handle = console_api_handle},
};

const struct dialect dialect_console = {
    .name = "console",
    .id = 0, /* it makes no orders */
    .routes = routes,
    .n_routes = sizeof routes / sizeof routes[0],
};
