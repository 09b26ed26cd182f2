/* reply.c: see reply.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "server.h"
#include "store/store.h"
#include "kassa/json.h"
#include "reply.h"

void reply_jw(struct http_req *req, int status, struct jw *w)
{
    size_t len;
    char *body = jw_finish(w, &len);
    if (body == NULL) {
        static const char err[] = "{\"error\":\"Internal server error\"}";
        http_reply(req, 500, "application/json", err, sizeof err - 1);
        return;
    }
    http_reply_owned(req, status, "application/json", body, len);
}

void reply_error(struct http_req *req, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (status == 500 && store_unavailable_lately()) {
        /* The database is down (a PostgreSQL restart), or was when this
         * request failed: say so, retryable. Reading the flag now alone, a
         * request that failed in the outage answered 500 when another
         * connection had reconnected meanwhile (test_pg_nodes, 1 in ~7). */
        status = 503;
        snprintf(msg, sizeof msg, "database unavailable, try again shortly");
    }
    struct jw w;
    jw_init(&w, 4096);
    jw_obj(&w);
    jw_kstr(&w, "error", msg);
    jw_obj_end(&w);
    reply_jw(req, status, &w);
}

json_t *parse_json_object(struct http_req *req, char *msg, size_t msglen)
{
    return parse_json_object_flags(req, 0, msg, msglen);
}

json_t *parse_json_object_flags(struct http_req *req, size_t flags, char *msg, size_t msglen)
{
    json_error_t jerr;
    json_t *root = json_loadb(req->body ? req->body : "", req->body_len,
                              JSON_REJECT_DUPLICATES | flags, &jerr);
    if (root == NULL) {
        snprintf(msg, msglen, "invalid JSON: %s", jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(msg, msglen, "request body must be a JSON object");
        return NULL;
    }
    return root;
}

bool json_opt_string(json_t *obj, const char *key, char *dst, size_t size, char *msg, size_t msglen)
{
    json_t *v = json_object_get(obj, key);
    dst[0] = '\0';
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_string(v)) {
        snprintf(msg, msglen, "%s: must be a string", key);
        return false;
    }
    size_t n = json_string_length(v);
    if (n >= size || memchr(json_string_value(v), '\0', n) != NULL) {
        snprintf(msg, msglen, "%s: must be at most %zu bytes", key, size - 1);
        return false;
    }
    memcpy(dst, json_string_value(v), n);
    dst[n] = '\0';
    return true;
}

bool json_decimal_text(struct http_req *req, json_t *obj, const char *key, char *dst, size_t size,
                       bool *found, char *msg, size_t msglen)
{
    return json_decimal_text_doc(req->body, req->body_len, obj, key, dst, size, found, msg, msglen);
}

bool json_decimal_text_doc(const char *body, size_t len, json_t *obj, const char *key, char *dst,
                           size_t size, bool *found, char *msg, size_t msglen)
{
    json_t *v = json_object_get(obj, key);
    *found = v != NULL && !json_is_null(v);
    dst[0] = '\0';
    if (!*found)
        return true;
    if (json_is_string(v)) {
        size_t n = json_string_length(v);
        if (n >= size) {
            snprintf(msg, msglen, "%s: too long", key);
            return false;
        }
        memcpy(dst, json_string_value(v), n);
        dst[n] = '\0';
        return true;
    }
    if (json_is_number(v)) {
        const char *raw;
        size_t n;
        if (kassa_json_raw_member(body, len, key, &raw, &n) != KASSA_OK || n >= size) {
            snprintf(msg, msglen, "%s: cannot read the number", key);
            return false;
        }
        memcpy(dst, raw, n);
        dst[n] = '\0';
        return true;
    }
    snprintf(msg, msglen, "%s: must be a decimal number or a string holding one", key);
    return false;
}

/* A command on its way through the writer. The writer thread only records
 * the result and resumes the request; the answer is rendered back on an
 * HTTP thread (http_on_resume), keeping the writer's serial work short. */
struct pending {
    struct writer_cmd base;
    struct writer_cmd *inner;
    struct http_req *req_;
    render_fn render;
    kassa_err err;
};

static kassa_err pending_apply(struct store_conn *c, struct writer_cmd *base)
{
    struct pending *p = (struct pending *)base;
    return p->inner->apply(c, p->inner);
}

/* The inner commands of a group, to their own apply_many, a run of one
 * kind at a time (a command alone in its run goes back to the writer as
 * KASSA_ERETRY: run by itself). */
static kassa_err pending_apply_many(struct store_conn *c, struct writer_cmd **cmds, int n,
                                    kassa_err *results)
{
    struct writer_cmd **inner = malloc((size_t)n * sizeof *inner);
    if (inner == NULL)
        return KASSA_ENOMEM;
    for (int i = 0; i < n; i++)
        inner[i] = ((struct pending *)cmds[i])->inner;
    kassa_err err = KASSA_OK;
    for (int i = 0, j; i < n && err == KASSA_OK; i = j) {
        for (j = i + 1; j < n && inner[j]->apply_many == inner[i]->apply_many;)
            j++;
        if (j - i == 1)
            results[i] = KASSA_ERETRY;
        else
            err = inner[i]->apply_many(c, inner + i, j - i, results + i);
    }
    free(inner);
    return err;
}

static void pending_render(struct http_req *req, void *arg)
{
    struct pending *p = arg;
    p->render(req, p->inner, p->err);
}

static void pending_done(struct writer_cmd *base, kassa_err err)
{
    struct pending *p = (struct pending *)base;
    p->err = err;
    http_resume_later(p->req_);
}

enum http_action submit_and_render(struct http_req *req, struct writer_cmd *cmd, render_fn render)
{
    struct pending *p = arena_calloc(&req->arena, sizeof *p);
    if (p == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    p->base.apply = pending_apply;
    p->base.apply_many = cmd->apply_many ? pending_apply_many : NULL;
    p->base.done = pending_done;
    p->inner = cmd;
    p->req_ = req;
    p->render = render;
    http_on_resume(req, pending_render, p);
    http_suspend(req);
    writer_submit(app.writer, &p->base);
    return HTTP_SUSPENDED;
}

const char *path_after(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0)
        return NULL;
    return path + n;
}
