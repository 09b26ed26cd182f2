/* record_lists.c: the lists of orders, withdrawals, an order's events and
 * callbacks that the admin and merchant APIs share (list.h): one parse of
 * their filters, one page and cursor each. merchant_id > 0 restricts a
 * list to that merchant's shops through the core (query_merchant_*). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/jsonw.h"
#include "core/core.h"
#include "core/query.h"
#include "dialect/dialect.h"
#include "dialect/list.h"
#include "dialect/reply.h"
#include "kassa/money.h"

/* ---- orders ------------------------------------------------------------- */

static const char *const order_args[] = {"limit",
                                         "cursor",
                                         "order",
                                         "status",
                                         "shop_id",
                                         "merchant_id",
                                         "dialect",
                                         "from",
                                         "to",
                                         "requisite_id",
                                         "confirmed_by_customer",
                                         "currency",
                                         "amount_min",
                                         "amount_max",
                                         "merchant_order_id",
                                         "q",
                                         NULL};

/* An amount argument in the filter's currency (which it needs). */
static bool arg_amount(struct http_req *req, const char *name, const char *currency, int64_t *out,
                       char *msg, size_t msglen)
{
    const char *v = http_query(req, name);
    if (v == NULL)
        return true;
    const kassa_currency *cur = currency[0] != '\0' ? kassa_currency_find(currency) : NULL;
    if (cur == NULL) {
        snprintf(msg, msglen, "%s: give currency too (amounts are in its units)", name);
        return false;
    }
    if (kassa_money_parse(v, strlen(v), cur->exponent, KASSA_MONEY_ALLOW_ZERO, out) != KASSA_OK) {
        snprintf(msg, msglen, "%s: expected an amount in %s, e.g. 100.00", name, cur->code);
        return false;
    }
    return true;
}

/* The order list's cursor: "i<id>" in id order; with a time range the
 * list is in creation-time order and its cursor "t<created_at>.<id>". */
static bool order_cursor(struct http_req *req, struct order_filter *f, char *msg, size_t msglen)
{
    const char *cursor = http_query(req, "cursor");
    if (cursor == NULL)
        return true;
    bool ok;
    if (order_filter_by_time(f)) {
        long long at = 0, id = 0;
        int used = 0;
        ok = sscanf(cursor, "t%lld.%lld%n", &at, &id, &used) == 2 && cursor[used] == '\0' &&
             at > 0 && id > 0;
        f->after_created = at;
        f->after_id = id;
    } else {
        ok = id_cursor(cursor, &f->after_id);
    }
    if (!ok)
        snprintf(msg, msglen, "cursor: not a cursor of this list");
    return ok;
}

bool order_list_filter(struct http_req *req, struct order_filter *f, bool paged, char *msg,
                       size_t msglen)
{
    memset(f, 0, sizeof *f);
    f->status = -1;
    f->confirmed = -1;
    f->amount_min = f->amount_max = -1;
    /* order_args begins with the page's three: an export takes none. */
    struct known k = {paged ? order_args : order_args + 3, NULL};
    if (!http_query_each(req, known_name, &k)) {
        if (k.bad == NULL)
            snprintf(msg, msglen, "query: too large");
        else
            snprintf(msg, msglen,
                     "unknown argument '%.40s': orders are %s by status, shop_id, "
                     "merchant_id, dialect, from, to, requisite_id, confirmed_by_customer, "
                     "currency, amount_min, amount_max, merchant_order_id, q%s",
                     k.bad, paged ? "listed" : "exported",
                     paged ? " (with limit, cursor, order)" : "");
        return false;
    }
    if (paged && !arg_page(req, &f->limit, NULL, &f->asc, msg, msglen))
        return false;
    const char *status = http_query(req, "status");
    if (status != NULL) {
        for (int s = ORDER_PENDING; s <= ORDER_REVERSED; s++)
            if (strcmp(order_status_name(s), status) == 0)
                f->status = s;
        if (f->status < 0) {
            snprintf(msg, msglen,
                     "status: expected pending, completed, failed, expired, canceled, "
                     "no_requisite or reversed");
            return false;
        }
    }
    const char *dialect = http_query(req, "dialect");
    if (dialect != NULL) {
        const struct dialect *d = dialect_find(dialect);
        if (d == NULL || d->merchant == NULL) {
            snprintf(msg, msglen, "dialect: no merchant dialect '%.32s'", dialect);
            return false;
        }
        f->origin = d->id;
    }
    const char *confirmed = http_query(req, "confirmed_by_customer");
    if (confirmed != NULL) {
        if (strcmp(confirmed, "true") != 0 && strcmp(confirmed, "false") != 0) {
            snprintf(msg, msglen, "confirmed_by_customer: expected true or false");
            return false;
        }
        f->confirmed = strcmp(confirmed, "true") == 0;
    }
    if (!arg_int(req, "shop_id", 1, INT64_MAX, &f->shop_id, msg, msglen) ||
        !arg_int(req, "merchant_id", 1, INT64_MAX, &f->merchant_id, msg, msglen) ||
        !arg_int(req, "requisite_id", 1, INT64_MAX, &f->requisite_id, msg, msglen) ||
        !arg_time(req, "from", &f->from, msg, msglen) ||
        !arg_time(req, "to", &f->to, msg, msglen) ||
        !arg_text(req, "currency", f->currency, sizeof f->currency, msg, msglen) ||
        !arg_text(req, "merchant_order_id", f->merchant_order_id, sizeof f->merchant_order_id, msg,
                  msglen) ||
        !arg_text(req, "q", f->q, sizeof f->q, msg, msglen))
        return false;
    if (f->currency[0] != '\0' && kassa_currency_find(f->currency) == NULL) {
        snprintf(msg, msglen, "currency: unknown currency '%.16s'", f->currency);
        return false;
    }
    if (!arg_amount(req, "amount_min", f->currency, &f->amount_min, msg, msglen) ||
        !arg_amount(req, "amount_max", f->currency, &f->amount_max, msg, msglen))
        return false;
    return !paged || order_cursor(req, f, msg, msglen);
}

struct order_page {
    struct jw *w;
    void (*render)(struct jw *w, const struct order *o);
    int limit, n;
    int64_t last_id, last_created;
    bool more;
};

static bool page_order(void *arg, const struct order *o)
{
    struct order_page *p = arg;
    if (p->n == p->limit) {
        p->more = true; /* the row past the page: there is a next one */
        return false;
    }
    p->render(p->w, o);
    p->last_id = o->id;
    p->last_created = o->created_at;
    p->n++;
    return true;
}

enum http_action list_shop_orders(struct http_req *req, int64_t merchant_id,
                                  void (*render)(struct jw *w, const struct order *o))
{
    char msg[512];
    struct order_filter *f = arena_alloc(&req->arena, sizeof *f);
    if (f == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (!order_list_filter(req, f, true, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_obj(&w);
    jw_key(&w, "items");
    jw_arr(&w);
    struct order_page page = {.w = &w, .render = render, .limit = f->limit};
    f->limit++; /* one more: whether a next page exists */
    kassa_err err = merchant_id > 0 ? query_merchant_orders(merchant_id, f, page_order, &page)
                                    : query_orders_list(f, page_order, &page);
    jw_arr_end(&w);
    if (err != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error"); /* 503 in an outage */
        return HTTP_DONE;
    }
    if (page.more) {
        char cursor[48];
        if (order_filter_by_time(f))
            snprintf(cursor, sizeof cursor, "t%lld.%lld", (long long)page.last_created,
                     (long long)page.last_id);
        else
            snprintf(cursor, sizeof cursor, "i%lld", (long long)page.last_id);
        jw_kstr(&w, "next_cursor", cursor);
    } else {
        jw_knull(&w, "next_cursor");
    }
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

/* ---- withdrawals -------------------------------------------------------- */

static const char *const withdrawal_args[] = {"limit",  "cursor",  "order",
                                              "status", "shop_id", NULL};

struct withdrawal_page {
    struct row_page rows;
    void (*render)(struct jw *w, const struct withdrawal *wd);
};

static bool page_withdrawal(void *arg, const struct withdrawal *wd)
{
    struct withdrawal_page *p = arg;
    if (!page_room(&p->rows))
        return false;
    p->render(p->rows.w, wd);
    p->rows.last_id = wd->id;
    return true;
}

/* One part of the list: the merchant's only when merchant_id > 0. */
static kassa_err withdrawals_part(int64_t merchant_id, struct withdrawal_filter *f,
                                  struct withdrawal_page *p)
{
    return merchant_id > 0 ? query_merchant_withdrawals(merchant_id, f, page_withdrawal, p)
                           : query_withdrawals_list(f, page_withdrawal, p);
}

/* Without a status the list is the pending withdrawals (what waits for the
 * operator), then the decided ones, each part in the list's order; the
 * cursor says which part the page ended in: "p<id>" or "d<id>" ("i<id>"
 * with a status). */
enum http_action list_shop_withdrawals(struct http_req *req, int64_t merchant_id,
                                       void (*render)(struct jw *w, const struct withdrawal *wd))
{
    char msg[512];
    struct withdrawal_filter f = {.status = -1};
    struct known k = {withdrawal_args, NULL};
    if (!http_query_each(req, known_name, &k)) {
        reply_error(req, 400,
                    "unknown argument '%.40s': withdrawals are listed by status and "
                    "shop_id (with limit, cursor, order)",
                    k.bad != NULL ? k.bad : "");
        return HTTP_DONE;
    }
    int64_t n = LIST_LIMIT_DEFAULT;
    const char *order = http_query(req, "order");
    const char *status = http_query(req, "status");
    const char *cursor = http_query(req, "cursor");
    if (!arg_int(req, "limit", 1, LIST_LIMIT_MAX, &n, msg, sizeof msg) ||
        !arg_int(req, "shop_id", 1, INT64_MAX, &f.shop_id, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    if (order != NULL && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) {
        reply_error(req, 400, "order: expected asc or desc");
        return HTTP_DONE;
    }
    f.asc = order != NULL && strcmp(order, "asc") == 0;
    static const char *const names[] = {"pending", "completed", "rejected"};
    for (int i = 0; status != NULL && i < 3; i++)
        if (strcmp(status, names[i]) == 0)
            f.status = i;
    if (status != NULL && f.status < 0) {
        reply_error(req, 400, "status: expected pending, completed or rejected");
        return HTTP_DONE;
    }
    /* The part the cursor left off in, and where. */
    char part = status != NULL ? 'i' : 'p';
    if (cursor != NULL) {
        char *end;
        long long id = strtoll(cursor + (cursor[0] != '\0'), &end, 10);
        bool ok =
            cursor[0] != '\0' && cursor[1] >= '0' && cursor[1] <= '9' && *end == '\0' && id >= 0 &&
            (status != NULL ? cursor[0] == 'i' && id > 0 : cursor[0] == 'p' || cursor[0] == 'd');
        if (!ok) {
            reply_error(req, 400, "cursor: not a cursor of this list");
            return HTTP_DONE;
        }
        part = cursor[0];
        f.after_id = id;
    }
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_obj(&w);
    jw_key(&w, "items");
    jw_arr(&w);
    int room = (int)n;
    kassa_err err = KASSA_OK;
    char next[32] = "";
    if (part == 'p') {
        struct withdrawal_page wp = {{.w = &w, .limit = room}, render};
        struct row_page *pending = &wp.rows;
        f.status = WITHDRAWAL_PENDING;
        f.limit = room + 1; /* one more: whether a next page exists */
        err = withdrawals_part(merchant_id, &f, &wp);
        if (pending->more)
            snprintf(next, sizeof next, "p%lld", (long long)pending->last_id);
        room -= pending->n;
        part = pending->more ? 0 : 'd'; /* all pending shown: the decided follow */
        f.after_id = 0;
    }
    if (err == KASSA_OK && part != 0) {
        /* With no room left, one row still tells whether a next page has
         * any: the page's limit of 0 stops at it. */
        struct withdrawal_page wr = {{.w = &w, .limit = room}, render};
        struct row_page *rest = &wr.rows;
        if (part == 'd')
            f.status = WITHDRAWAL_DECIDED;
        f.limit = room + 1;
        err = withdrawals_part(merchant_id, &f, &wr);
        if (rest->more)
            snprintf(next, sizeof next, "%c%lld", part,
                     (long long)(rest->n > 0 ? rest->last_id : f.after_id));
    }
    jw_arr_end(&w);
    if (err != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (next[0] != '\0')
        jw_kstr(&w, "next_cursor", next);
    else
        jw_knull(&w, "next_cursor");
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

/* ---- an order's events -------------------------------------------------- */

static const char *const page_args[] = {"limit", "cursor", "order", NULL};

static bool page_event(void *arg, const struct order_event *e)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    char t[32];
    jw_obj(p->w);
    jw_kint(p->w, "id", e->id);
    jw_kstr(p->w, "kind", e->kind);
    jw_kstr(p->w, "status", order_status_name(e->status));
    clock_format(e->created_at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(p->w, "at", t);
    jw_obj_end(p->w);
    p->last_id = e->id;
    return true;
}

enum http_action list_order_events(struct http_req *req, const struct order *o)
{
    int limit;
    int64_t after;
    bool asc;
    if (!list_args(req, page_args, "events are listed with limit, cursor, order", &limit, &after,
                   &asc))
        return HTTP_DONE;
    struct jw w;
    jw_init(&w, REPLY_JSON_LIMIT);
    jw_obj(&w);
    jw_key(&w, "items");
    jw_arr(&w);
    struct row_page page = {.w = &w, .limit = limit};
    kassa_err err = query_order_events(o->id, after, asc, limit + 1, page_event, &page);
    jw_arr_end(&w);
    if (err != KASSA_OK) {
        jw_free(&w);
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    if (page.more) {
        char cursor[32];
        snprintf(cursor, sizeof cursor, "i%lld", (long long)page.last_id);
        jw_kstr(&w, "next_cursor", cursor);
    } else {
        jw_knull(&w, "next_cursor");
    }
    jw_obj_end(&w);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

/* ---- callbacks ---------------------------------------------------------- */

static const char *const callback_args[] = {"limit", "cursor", "order", "state", "shop_id", NULL};
/* A merchant's: order names the order (its uuid or id), newest first. */
static const char *const merchant_callback_args[] = {"limit", "cursor",  "order",
                                                     "state", "shop_id", NULL};

static bool page_callback(void *arg, const struct callback *cb)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    char t[32];
    jw_obj(p->w);
    jw_kint(p->w, "id", cb->id);
    jw_kstr(p->w, "event", cb->event_kind);
    jw_kint(p->w, "event_id", cb->event_id);
    jw_kint(p->w, "order_id", cb->order_id);
    jw_kint(p->w, "shop_id", cb->shop_id);
    jw_kstr(p->w, "receiver", cb->receiver);
    jw_kstr(p->w, "url", cb->url); /* as stored: the log redacts, the operator sees it */
    jw_kstr(p->w, "state", callback_state_name(cb->state));
    jw_kint(p->w, "attempt_count", cb->attempts);
    if (cb->state == CALLBACK_PENDING && cb->next_attempt_at > 0) {
        clock_format(cb->next_attempt_at / 1000, CLOCK_ISO8601, t, sizeof t);
        jw_kstr(p->w, "next_attempt_at", t);
    } else {
        jw_knull(p->w, "next_attempt_at");
    }
    clock_format(cb->updated_at / 1000, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(p->w, "updated_at", t);
    jw_obj_end(p->w);
    p->last_id = cb->id;
    return true;
}

/* A merchant's list: no sort order (order= names an order), the order's
 * callbacks when it names one of the merchant's. False after answering. */
static bool merchant_callback_args_ok(struct http_req *req, int64_t merchant_id,
                                      struct callback_filter *f)
{
    char msg[256];
    struct known k = {merchant_callback_args, NULL};
    int64_t limit = LIST_LIMIT_DEFAULT;
    const char *cursor = http_query(req, "cursor"), *ref = http_query(req, "order");
    if (!http_query_each(req, known_name, &k)) {
        reply_error(req, 400,
                    "unknown argument '%.40s': callbacks are listed by order, state and "
                    "shop_id (with limit, cursor)",
                    k.bad != NULL ? k.bad : "");
        return false;
    }
    if (!arg_int(req, "limit", 1, LIST_LIMIT_MAX, &limit, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return false;
    }
    f->limit = (int)limit;
    if (cursor != NULL && !id_cursor(cursor, &f->after_id)) {
        reply_error(req, 400, "cursor: not a cursor of this list");
        return false;
    }
    if (ref == NULL)
        return true;
    struct order *o = arena_alloc(&req->arena, sizeof *o);
    kassa_err err = o != NULL ? query_merchant_order(merchant_id, ref, o) : KASSA_ENOMEM;
    if (err == KASSA_ENOTFOUND)
        reply_error(req, 404, "Order not found");
    else if (err != KASSA_OK)
        reply_error(req, 500, "Internal server error");
    else
        f->order_id = o->id;
    return err == KASSA_OK;
}

enum http_action list_shop_callbacks(struct http_req *req, int64_t merchant_id)
{
    char msg[256];
    struct callback_filter f = {.state = -1};
    if (merchant_id > 0 ? !merchant_callback_args_ok(req, merchant_id, &f)
                        : !list_args(req, callback_args,
                                     "callbacks are listed by state and shop_id (with limit, "
                                     "cursor, order), or by order",
                                     &f.limit, &f.after_id, &f.asc))
        return HTTP_DONE;
    if (!arg_int(req, "shop_id", 1, INT64_MAX, &f.shop_id, msg, sizeof msg)) {
        reply_error(req, 400, "%s", msg);
        return HTTP_DONE;
    }
    const char *state = http_query(req, "state");
    if (state != NULL && (f.state = callback_state_parse(state)) < 0) {
        reply_error(req, 400, "state: expected pending, delivered, failed or refused");
        return HTTP_DONE;
    }
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = f.limit};
    f.limit++;
    kassa_err err = merchant_id > 0
                        ? query_merchant_callbacks(merchant_id, &f, page_callback, &page)
                        : query_callbacks_list(&f, page_callback, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

/* ---- one callback with its attempts ------------------------------------ */

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

struct callback_visitor callback_json_visitor(struct jw *w)
{
    return (struct callback_visitor){.callback = render_callback,
                                     .attempt = render_attempt,
                                     .callback_end = render_callback_end,
                                     .arg = w};
}
