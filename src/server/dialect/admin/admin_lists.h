/* admin_lists.h: the operator's lists (admin API). Every list answers
 * {"items": [...], "next_cursor": "<opaque>" | null}, takes limit (1-500,
 * default 50), cursor (the next_cursor of the page before) and order
 * (desc, the default: newest first; or asc), refuses an argument it does
 * not know (a typo must not pass silently), and is one indexed query on
 * either backend. */
#ifndef KASSA_ADMIN_LISTS_H
#define KASSA_ADMIN_LISTS_H

#include "base/jsonw.h"
#include "dialect/list.h"
#include "http/http.h"
#include "kassa/error.h"
#include "model/model.h"

/* GET /admin/v1/orders?status=&shop_id=&merchant_id=&dialect=&from=&to=
 * &requisite_id=&confirmed_by_customer=&currency=&amount_min=&amount_max=
 * &merchant_order_id=&q= : items as GET /admin/v1/orders/{ref} renders
 * them. from and to (RFC 3339 or Unix seconds) bound created_at as
 * [from, to); amount_min and amount_max need currency; q matches an
 * order's uuid, id or merchant order id. */
enum http_action admin_list_orders(struct http_req *req);

/* GET /admin/v1/withdrawals?status=&shop_id= : without a status, the
 * pending ones (what waits for the operator) first, then the decided
 * ones, each part newest first (order=asc: oldest first); items as
 * GET /admin/v1/withdrawals/{id} renders them. */
enum http_action admin_list_withdrawals(struct http_req *req);

/* GET /admin/v1/orders/{ref}/events: the order's timeline, each item
 * {"id", "kind", "status", "at"}; 404 for an unknown order. */
enum http_action admin_list_order_events(struct http_req *req, const char *ref);

/* GET /admin/v1/ledger/accounts?shop_id=&kind=&currency= : every account
 * with its balance, the platform's (shop_id=0) included: items {"id",
 * "owner" ("platform" or "shop:<id>"), "shop_id", "kind", "currency",
 * "balance"}. */
enum http_action admin_list_accounts(struct http_req *req);

/* GET /admin/v1/ledger/postings?account=&tx= : postings with their
 * transaction and account: items {"id", "tx", "kind", "ref_type",
 * "ref_id", "account", "account_kind", "owner", "currency", "amount"
 * (signed), "at"}. */
enum http_action admin_list_postings(struct http_req *req);

/* GET /admin/v1/callbacks?state=&shop_id= (without order=): callbacks
 * without their attempts: items {"id", "event", "event_id", "order_id",
 * "shop_id", "receiver", "url", "state", "attempt_count",
 * "next_attempt_at", "updated_at"}. */
enum http_action admin_list_callbacks(struct http_req *req);

/* GET /admin/v1/requisites?type=&currency=&active= : the pool, each with
 * the count of pending orders on it ("pending_orders"). */
enum http_action admin_list_requisites(struct http_req *req);

/* GET /admin/v1/shops?merchant_id=&active=&q= : items as GET
 * /admin/v1/shops/{id} renders them, with "balances" as GET
 * /admin/v1/shops/{id}/balances does; q matches part of the name (ASCII
 * letters in either case), the id or the public key (shop_id). */
enum http_action admin_list_shops(struct http_req *req);

/* A shop's money as a list read it (its rows of struct shop_money). */
struct shop_money_rows {
    const struct shop_money *rows;
    size_t n;
};

/* A shop's JSON (admin_shops.c): its settings, and with `credentials` (only
 * the answer to its creation) every merchant dialect's keys and secrets.
 * money NULL: its fixed fees read now; else its fixed fees and
 * "balances" from money. */
void render_admin_shop(struct jw *w, const struct shop *s, bool credentials,
                       const struct shop_money_rows *money);

/* The operator's view of a requisite (admin.c), with "pending_orders"
 * when pending >= 0. */
void render_admin_requisite(struct jw *w, const struct requisite *r, int64_t pending);

/* The operator's view of a withdrawal (admin.c). */
void render_admin_withdrawal(struct jw *w, const struct withdrawal *wd);

/* The operator's view of an order (admin.c). */
void render_admin_order(struct jw *w, const struct order *o);

#endif
