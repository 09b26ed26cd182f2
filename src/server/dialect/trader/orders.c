/* orders.c: the orders on a trader's requisites (trader.h):
 *
 *   GET  /trader/v1/orders?status=              pending ones (or in status), a list
 *   GET  /trader/v1/orders/{uuid}               one
 *   POST /trader/v1/orders/{uuid}/received      {"amount_received"?}: completed
 *        (also .../confirm)
 *   POST /trader/v1/orders/{uuid}/not-received  failed (also .../reject)
 *
 * Only orders on the trader's own requisites: another's answers 404
 * exactly as a missing one (query_trader_order here, and the core command
 * again: order_transition_cmd.trader_id). */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "dialect/list.h"
#include "kassa/money.h"
#include "trader.h"

/* The trader's view of an order: what to expect on which requisite and
 * until when; nothing of the merchant. */
void trader_render_order(struct jw *w, const struct order *o)
{
    char t[32];
    int exp = places_of(o->currency);
    jw_obj(w);
    jw_kstr(w, "uuid", o->uuid);
    jw_kstr(w, "status", order_status_name(o->status));
    jw_kmoney(w, "amount", o->amount, o->currency, exp, false);
    jw_kstr(w, "currency", o->currency);
    if (o->amount_received > 0)
        jw_kmoney(w, "amount_received", o->amount_received, o->currency, exp, false);
    else
        jw_knull(w, "amount_received");
    jw_key(w, "requisite");
    jw_obj(w);
    jw_kint(w, "id", o->req.id);
    jw_kstr(w, "type", o->req.type);
    jw_kstr(w, "requisite", o->req.value);
    jw_kstr(w, "bank_code", o->req.bank_code);
    jw_obj_end(w);
    jw_kbool(w, "confirmed_by_customer", o->confirmed_by_customer);
    clock_format(o->created_at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, "created_at", t);
    clock_format(o->expires_at, CLOCK_ISO8601, t, sizeof t);
    jw_kstr(w, "expires_at", t);
    jw_kint(w, "seconds_left", o->status == ORDER_PENDING ? order_ttl_left(o) : 0);
    if (o->paid_at) {
        clock_format(o->paid_at, CLOCK_ISO8601, t, sizeof t);
        jw_kstr(w, "paid_at", t);
    } else {
        jw_knull(w, "paid_at");
    }
    jw_obj_end(w);
}

/* ---- the list ------------------------------------------------------------ */

static bool page_order(void *arg, const struct order *o)
{
    struct row_page *p = arg;
    if (!page_room(p))
        return false;
    trader_render_order(p->w, o);
    p->last_id = o->id;
    return true;
}

static enum http_action list_orders(struct http_req *req, const struct trader *t)
{
    static const char *const args[] = {"limit", "cursor", "order", "status", NULL};
    struct order_filter f = {.status = ORDER_PENDING,
                             .confirmed = -1,
                             .amount_min = -1,
                             .amount_max = -1,
                             .trader_id = t->id};
    if (!list_args(req, args, "orders are listed by status (with limit, cursor, order)", &f.limit,
                   &f.after_id, &f.asc))
        return HTTP_DONE;
    const char *status = http_query(req, "status");
    if (status != NULL) {
        f.status = -1;
        for (int s = ORDER_PENDING; strcmp(order_status_name(s), "unknown") != 0; s++)
            if (strcmp(order_status_name(s), status) == 0)
                f.status = s;
        if (f.status < 0) {
            reply_error(req, 400,
                        "status: expected pending, completed, failed, expired, canceled or "
                        "reversed");
            return HTTP_DONE;
        }
    }
    struct jw w;
    start_page(&w);
    struct row_page page = {.w = &w, .limit = f.limit};
    f.limit++;
    kassa_err err = query_orders_list(&f, page_order, &page);
    finish_page(req, &w, err, &page);
    return HTTP_DONE;
}

/* One order of the trader's (the console's order page): another's is not
 * found, exactly as a missing one. */
static enum http_action get_order(struct http_req *req, const struct trader *t, const char *uuid)
{
    struct order o;
    kassa_err err = query_trader_order(t->id, uuid, &o);
    if (err != KASSA_OK) {
        reply_error(req, err == KASSA_ENOTFOUND ? 404 : 500,
                    err == KASSA_ENOTFOUND ? "Order not found" : "Internal server error");
        return HTTP_DONE;
    }
    struct jw w;
    jw_init(&w, 4096);
    trader_render_order(&w, &o);
    reply_jw(req, 200, &w);
    return HTTP_DONE;
}

/* ---- received, not received ---------------------------------------------- */

static void transition_rendered(struct http_req *req, struct store_task *task, kassa_err err)
{
    struct order_transition_cmd *cmd = container_of(task, struct order_transition_cmd, task);
    switch (err) {
    case KASSA_OK:
        break;
    case KASSA_ENOTFOUND:
        reply_error(req, 404, "Order not found");
        return;
    case KASSA_ESTATE:
        reply_error(req, 409, "order %s is %s: it cannot become %s", cmd->order.uuid,
                    order_status_name(cmd->order.status), order_status_name(cmd->to));
        return;
    case KASSA_EMONEY_RANGE:
        reply_error(req, 422, "order %s: an account balance would exceed the largest amount",
                    cmd->order.uuid);
        return;
    case KASSA_EMONEY_ZERO:
    case KASSA_EAMOUNT_LIMIT:
        reply_error(req, 400, "amount_received: refused (%s)", kassa_strerror(err));
        return;
    default:
        reply_error(req, 500, "Internal server error");
        return;
    }
    log_info("order moved by its trader", "uuid=%s status=%s", cmd->order.uuid,
             order_status_name(cmd->order.status));
    struct jw w;
    jw_init(&w, 4096);
    trader_render_order(&w, &cmd->order);
    reply_jw(req, 200, &w);
}

/* The trader says the money arrived (completed, optionally with the
 * amount actually received) or did not (failed): the same transition as
 * the operator's, with its postings, events and the merchant's callback. */
static enum http_action order_action(struct http_req *req, struct trader_call *call,
                                     const char *uuid, bool received)
{
    struct order_transition_cmd *cmd = arena_calloc(&req->arena, sizeof *cmd);
    if (cmd == NULL) {
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    kassa_err err = query_trader_order(call->t.id, uuid, &cmd->order);
    if (err != KASSA_OK) {
        reply_error(req, err == KASSA_ENOTFOUND ? 404 : 500,
                    err == KASSA_ENOTFOUND ? "Order not found" : "Internal server error");
        return HTTP_DONE;
    }
    char msg[256];
    if (received) {
        if (!json_amount_received(req, cmd->order.currency, &cmd->amount_received, msg,
                                  sizeof msg)) {
            reply_error(req, 400, "%s", msg);
            return HTTP_DONE;
        }
    } else if (req->body_len > 0) {
        reply_error(req, 400, "not-received takes no body");
        return HTTP_DONE;
    }
    cmd->order_id = cmd->order.id;
    cmd->to = received ? ORDER_COMPLETED : ORDER_FAILED;
    cmd->actor = ACTOR_TRADER;
    cmd->trader_id = call->t.id;
    cmd->task.run = order_transition_apply;
    trader_audit_target(call, cmd->order.id);
    return trader_submit(req, call, &cmd->task, transition_rendered);
}

enum http_action trader_orders(struct http_req *req, struct trader_call *call, const char *p)
{
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (p[0] == '\0' && get)
        return list_orders(req, &call->t);
    const char *slash = p[0] == '/' ? strchr(p + 1, '/') : NULL;
    char uuid[UUID_SIZE];
    if (get && p[0] == '/' && slash == NULL)
        return get_order(req, &call->t, strlen(p + 1) < sizeof uuid ? p + 1 : "");
    size_t n = slash != NULL ? (size_t)(slash - p - 1) : 0;
    if (post && slash != NULL && n < sizeof uuid) {
        memcpy(uuid, p + 1, n);
        uuid[n] = '\0';
        if (strcmp(slash, "/received") == 0 || strcmp(slash, "/confirm") == 0)
            return order_action(req, call, uuid, true);
        if (strcmp(slash, "/not-received") == 0 || strcmp(slash, "/reject") == 0)
            return order_action(req, call, uuid, false);
    }
    reply_error(req, 404, "Not found");
    return HTTP_DONE;
}
