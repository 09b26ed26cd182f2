/* admin_callbacks.c: /admin/v1/callbacks (admin_callbacks.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "core/core.h"
#include "base/log.h"
#include "admin_callbacks.h"
#include "admin_lists.h"
#include "dialect/dialect.h"
#include "dialect/reply.h"
#include "admin_auth.h"

/* A positive decimal id of at most 18 digits from [s, s + n); 0 when not. */
static int64_t parse_id(const char *s, size_t n)
{
    if (n == 0 || n > 18 || *s < '1' || *s > '9')
        return 0;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static enum http_action list_by_order(struct http_req *req)
{
    const char *ref = http_query(req, "order");
    if (ref == NULL || *ref == '\0') {
        reply_error(req, 400, "order: required (the order's uuid or id)");
        return HTTP_DONE;
    }
    struct order *o = malloc(sizeof *o);
    kassa_err err = o ? query_order_ref(ref, o) : KASSA_ENOMEM;
    if (err == KASSA_ENOTFOUND) {
        free(o);
        reply_error(req, 404, "Order not found");
        return HTTP_DONE;
    }
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_arr(&w);
    if (err == KASSA_OK) {
        struct callback_visitor v = callback_json_visitor(&w);
        err = query_callbacks_of_order(o->id, &v);
    }
    jw_arr_end(&w);
    free(o);
    if (err != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

static enum http_action get_one(struct http_req *req, int64_t id)
{
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    struct callback_visitor v = callback_json_visitor(&w);
    kassa_err err = query_callback(id, &v);
    if (err == KASSA_ENOTFOUND) {
        jw_free(&w);
        reply_error(req, 404, "Callback not found");
    } else if (err != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
    } else {
        reply_jw(req, 200, &w);
    }
    return HTTP_DONE;
}

static void resend_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct callback_resend_cmd *cmd = container_of(task, struct callback_resend_cmd, task);
    if (err == KASSA_ENOTFOUND) {
        reply_error(req, 404, "Callback not found");
        return;
    }
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("callback resend", "callback=%lld", (long long)cmd->id);
    if (dialect_settings()->callbacks_kick != NULL)
        dialect_settings()->callbacks_kick();
    get_one(req, cmd->id);
}

static enum http_action resend(struct http_req *req, int64_t id)
{
    struct callback_resend_cmd *cmd = arena_alloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    memset(cmd, 0, sizeof *cmd);
    cmd->id = id;
    cmd->task.run = callback_resend_apply;
    return admin_submit(req, &cmd->task, resend_rendered);
}

static enum http_action stats(struct http_req *req)
{
    struct callback_stats st;
    kassa_err err = query_callback_stats(&st);
    if (err != KASSA_OK) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    int64_t (*in_flight)(void) = dialect_settings()->callbacks_in_flight;
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_obj(&w);
    jw_kint(&w, "pending", st.pending);
    jw_kint(&w, "retrying", st.retrying);
    jw_kint(&w, "delivered", st.delivered);
    jw_kint(&w, "failed", st.failed);
    jw_kint(&w, "refused", st.refused);
    jw_kint(&w, "attempts", st.attempts);
    jw_kint(&w, "in_flight", in_flight != NULL ? in_flight() : 0);
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

enum http_action admin_callbacks(struct http_req *req, const char *rest)
{
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (*rest == '\0' && get)
        return http_query(req, "order") != NULL ? list_by_order(req) : admin_list_callbacks(req);
    if (strcmp(rest, "/stats") == 0 && get)
        return stats(req);
    if (*rest == '/') {
        const char *id_s = rest + 1;
        const char *slash = strchr(id_s, '/');
        size_t n = slash ? (size_t)(slash - id_s) : strlen(id_s);
        int64_t id = parse_id(id_s, n);
        if (id > 0 && slash == NULL && get)
            return get_one(req, id);
        if (id > 0 && slash != NULL && strcmp(slash, "/resend") == 0 && post)
            return resend(req, id);
        if (id == 0) {
            reply_error(req, 404, "Callback not found");
            return HTTP_DONE;
        }
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
