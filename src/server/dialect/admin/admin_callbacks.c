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

static void put_time_ms(struct jw *w, const char *key, int64_t ms)
{
    if (ms <= 0) {
        jw_knull(w, key);
        return;
    }
    char t[32];
    clock_format(ms / 1000, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, key, t);
}

/* The answer's bytes as JSON text: valid UTF-8 kept, other bytes as '?'. */
static void put_response(struct jw *w, const char *s, size_t n)
{
    char *t = malloc(n + 1);
    if (t == NULL) {
        jw_knull(w, "response");
        return;
    }
    size_t i = 0;
    while (i < n) {
        unsigned char ch = (unsigned char)s[i];
        size_t len = ch < 0x80             ? 1
                     : (ch & 0xe0) == 0xc0 ? 2
                     : (ch & 0xf0) == 0xe0 ? 3
                     : (ch & 0xf8) == 0xf0 ? 4
                                           : 0;
        bool ok = len > 0 && i + len <= n && ch != 0;
        for (size_t k = 1; ok && k < len; k++)
            ok = ((unsigned char)s[i + k] & 0xc0) == 0x80;
        if (ok) {
            memcpy(t + i, s + i, len);
            i += len;
        } else {
            t[i++] = '?';
        }
    }
    t[n] = '\0';
    jw_kstr(w, "response", t);
    free(t);
}

/* The callback visitor (query.h): one object per callback, its attempts
 * in an array. */
static bool render_callback(void *arg, const struct callback *cb)
{
    struct jw *w = arg;
    jw_obj(w);
    jw_kint(w, "id", cb->id);
    jw_kstr(w, "event", cb->event_kind);
    jw_kint(w, "event_id", cb->event_id);
    jw_kint(w, "order_id", cb->order_id);
    jw_kstr(w, "receiver", cb->receiver);
    jw_kstr(w, "url", cb->url);
    jw_kstr(w, "state", callback_state_name(cb->state));
    jw_kint(w, "attempt_count", cb->attempts);
    put_time_ms(w, "next_attempt_at", cb->state == CALLBACK_PENDING ? cb->next_attempt_at : 0);
    jw_key(w, "attempts");
    jw_arr(w);
    return !w->failed;
}

static bool render_attempt(void *arg, const struct callback_attempt *a)
{
    struct jw *w = arg;
    jw_obj(w);
    put_time_ms(w, "at", a->at);
    jw_kint(w, "at_ms", a->at);
    jw_kstr(w, "url", a->url);
    if (a->http_status > 0)
        jw_kint(w, "http_status", a->http_status);
    else
        jw_knull(w, "http_status");
    jw_kstr_or_null(w, "error", a->error);
    jw_kint(w, "latency_ms", a->latency_ms);
    put_response(w, a->response, a->response_len);
    jw_obj_end(w);
    return !w->failed;
}

static bool render_callback_end(void *arg)
{
    struct jw *w = arg;
    jw_arr_end(w);
    jw_obj_end(w);
    return !w->failed;
}

static struct callback_visitor renderer(struct jw *w)
{
    return (struct callback_visitor){.callback = render_callback,
                                     .attempt = render_attempt,
                                     .callback_end = render_callback_end,
                                     .arg = w};
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
        struct callback_visitor v = renderer(&w);
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
    struct callback_visitor v = renderer(&w);
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
