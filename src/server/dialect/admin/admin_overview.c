/* admin_overview.c: GET /admin/v1/overview?hours=N, everything the
 * console's live overview shows in one answer (core/overview.c reads it:
 * per-minute rows kept with each order's change, never the orders
 * themselves, so it costs the same on 1,000,000 orders as on ten). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_overview.h"
#include "base/clock.h"
#include "core/query.h"
#include "dialect/dialect.h"
#include "dialect/list.h"
#include "dialect/reply.h"

#define OVERVIEW_HOURS_DEFAULT 6

/* part / whole as a JSON number with four places, half up; null for an
 * empty whole. */
static void ratio(struct jw *w, const char *key, int64_t part, int64_t whole)
{
    jw_key(w, key);
    if (whole <= 0) {
        jw_null(w);
        return;
    }
    long long bp = (long long)((part * 20000 + whole) / (2 * whole)); /* ten-thousandths */
    char text[32];
    snprintf(text, sizeof text, "%lld.%04lld", bp / 10000, bp % 10000);
    jw_raw(w, text);
}

static void time_key(struct jw *w, const char *key, int64_t t)
{
    char text[32];
    clock_format(t, CLOCK_ISO8601, text, sizeof text);
    jw_kstr(w, key, text);
}

static void render_series(struct jw *w, const struct overview *o)
{
    jw_key(w, "series");
    jw_arr(w);
    for (int i = 0; i < o->n_points; i++) {
        const struct overview_point *p = &o->points[i];
        jw_obj(w);
        time_key(w, "at", p->at);
        jw_kint(w, "created", p->created);
        jw_kint(w, "completed", p->completed);
        ratio(w, "conversion", p->completed, p->created);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static void render_money(struct jw *w, const char *currency, int64_t created, int64_t completed,
                         int64_t volume)
{
    jw_kstr(w, "currency", currency);
    jw_kmoney(w, "amount", volume, currency, places_of(currency), false);
    jw_kint(w, "created", created);
    jw_kint(w, "completed", completed);
    ratio(w, "conversion", completed, created);
}

static void render_totals(struct jw *w, const struct overview *o)
{
    jw_key(w, "totals");
    jw_obj(w);
    jw_kint(w, "created", o->created);
    jw_kint(w, "completed", o->completed);
    ratio(w, "conversion", o->completed, o->created);
    jw_key(w, "volume");
    jw_arr(w);
    for (int i = 0; i < o->n_currencies; i++) {
        const struct overview_currency *c = &o->currencies[i];
        jw_obj(w);
        render_money(w, c->currency, c->created, c->completed, c->volume);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    /* Each currency's largest shops, in the currencies' order. */
    jw_key(w, "shops");
    jw_arr(w);
    for (int i = 0; i < o->n_shops; i++) {
        const struct overview_shop *s = &o->shops[i];
        jw_obj(w);
        jw_kint(w, "shop_id", s->shop_id);
        jw_kstr(w, "name", s->name);
        render_money(w, s->currency, s->created, s->completed, s->volume);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static void render_now(struct jw *w, const struct overview *o)
{
    const struct dialect_settings *ds = dialect_settings();
    jw_key(w, "orders");
    jw_obj(w);
    jw_kint(w, "pending", o->queues.orders_pending);
    jw_kint(w, "payer_says_paid", o->queues.payer_paid);
    jw_obj_end(w);
    jw_key(w, "disputes");
    jw_obj(w);
    jw_kint(w, "open", o->queues.disputes_open);
    jw_obj_end(w);
    jw_key(w, "callbacks");
    jw_obj(w);
    jw_kint(w, "pending", o->callbacks_pending);
    jw_kint(w, "in_flight", ds->callbacks_in_flight ? ds->callbacks_in_flight() : 0);
    jw_kint(w, "attempts", o->queues.callback_attempts);
    jw_kint(w, "failed", o->queues.callback_failed);
    ratio(w, "failure_rate", o->queues.callback_failed, o->queues.callback_attempts);
    jw_obj_end(w);
    jw_key(w, "withdrawals");
    jw_obj(w);
    jw_kint(w, "pending", o->withdrawals_pending);
    jw_obj_end(w);
    int64_t queued = 0, commit_us = 0;
    if (ds->writer_state != NULL)
        ds->writer_state(&queued, &commit_us);
    jw_key(w, "database");
    jw_obj(w);
    jw_kstr(w, "backend", strcmp(o->backend, "postgres") == 0 ? "postgresql" : o->backend);
    jw_kbool(w, "up", true);
    jw_kint(w, "size_bytes", o->queues.db_bytes);
    jw_kint(w, "writer_queue", queued);
    char text[32];
    snprintf(text, sizeof text, "%lld.%03lld", (long long)(commit_us / 1000),
             (long long)(commit_us % 1000));
    jw_key(w, "last_commit_ms");
    jw_raw(w, text);
    jw_obj_end(w);
}

enum http_action admin_overview(struct http_req *req)
{
    static const char *const args[] = {"hours", NULL};
    char msg[256];
    struct known k = {args, NULL};
    if (!http_query_each(req, known_name, &k)) {
        reply_error(req, 400, "unknown argument '%.40s': the overview takes hours",
                    k.bad != NULL ? k.bad : "");
        return HTTP_DONE;
    }
    int64_t hours = OVERVIEW_HOURS_DEFAULT;
    if (!arg_int(req, "hours", 1, OVERVIEW_HOURS_MAX, &hours, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct overview *o = malloc(sizeof *o);
    kassa_err err = o != NULL ? query_overview((int)hours, o) : KASSA_ENOMEM;
    if (err != KASSA_OK) {
        free(o);
        if (core_db_unavailable_lately())
            reply_error(req, 503, "database unavailable, try again shortly");
        else
            reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_obj(&w);
    time_key(&w, "now", o->now);
    jw_kint(&w, "hours", hours);
    time_key(&w, "from", o->from);
    jw_kint(&w, "bucket_seconds", o->bucket_seconds);
    render_series(&w, o);
    render_totals(&w, o);
    render_now(&w, o);
    jw_obj_end(&w);
    free(o);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}
