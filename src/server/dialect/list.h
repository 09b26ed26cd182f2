/* list.h: what every list of the JSON APIs (admin, trader) is made of.
 * Every list answers {"items": [...], "next_cursor": "<opaque>" | null},
 * takes limit (1-500, default 50), cursor (the next_cursor of the page
 * before) and order (desc, the default: newest first; or asc), and refuses
 * an argument it does not know (a typo must not pass silently). */
#ifndef KASSA_DIALECT_LIST_H
#define KASSA_DIALECT_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/jsonw.h"
#include "core/query.h"
#include "http/http.h"
#include "kassa/error.h"
#include "model/model.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 500

/* A page of rows being rendered into w, its cursor ("i<id>") the last id. */
struct row_page {
    struct jw *w;
    int limit, n;
    int64_t last_id;
    bool more;
};

/* The names a list takes, for http_query_each(req, known_name, &k): false
 * at the first other name (k.bad). */
struct known {
    const char *const *names;
    const char *bad; /* the first unknown name */
};
bool known_name(void *arg, const char *name);

/* The arguments every list takes, checked: none but `names` (NULL
 * ended), and a page (limit, cursor "i<id>" into *after, order). False
 * after answering 400 ("unknown argument 'x': <what>", or what is wrong
 * with the page). */
bool list_args(struct http_req *req, const char *const *names, const char *what, int *limit,
               int64_t *after, bool *asc);
/* limit and order (and with `after`, an "i<id>" cursor into it); false
 * with msg set. */
bool arg_page(struct http_req *req, int *limit, int64_t *after, bool *asc, char *msg,
              size_t msglen);
/* "i<id>": where a page in id order ended. */
bool id_cursor(const char *cursor, int64_t *id);
/* An argument, when present: an integer in [min, max], an RFC 3339 time
 * or Unix seconds, a text shorter than size. False with msg set. */
bool arg_int(struct http_req *req, const char *name, int64_t min, int64_t max, int64_t *out,
             char *msg, size_t msglen);
bool arg_time(struct http_req *req, const char *name, int64_t *out, char *msg, size_t msglen);
bool arg_text(struct http_req *req, const char *name, char *dst, size_t size, char *msg,
              size_t msglen);
/* {"items": [ ... then per row: page_room (false: the page is full, a
 * next one noted), render, set last_id ... then finish_page answers
 * (500 when err is not KASSA_OK). */
void start_page(struct jw *w);
bool page_room(struct row_page *p);
void finish_page(struct http_req *req, struct jw *w, kassa_err err, const struct row_page *page);

/* A requisite list's arguments into f (type, currency, active, and the
 * page); false after answering 400. */
bool requisite_list_args(struct http_req *req, struct requisite_filter *f);

/* ---- the ledger ---- */

/* An account's owner: "platform", "shop:<id>" or "trader:<id>". */
void owner_of(const char *kind, int64_t shop_id, char *dst, size_t size);
/* The decimal places of a currency (2 for one kassa does not know). */
int places_of(const char *currency);
/* Row renderers of query_accounts_list and query_postings_list into a
 * struct row_page: items {"id", "owner", "shop_id", "kind", "currency",
 * "balance"} and {"id", "tx", "kind", "ref_type", "ref_id", "account",
 * "account_kind", "owner", "currency", "amount" (signed), "at"}. */
bool page_account(void *arg, const struct ledger_account *a);
bool page_posting(void *arg, const struct ledger_posting *x);

/* GET .../ledger/postings?account=&tx= (limit, cursor, order): the
 * postings, with trader_id > 0 only those of that trader's accounts
 * (never another's: the filter is forced, not an argument). */
enum http_action list_postings(struct http_req *req, int64_t trader_id);

/* ---- records of shops (record_lists.c), shared by the admin and merchant
 * APIs: merchant_id > 0 lists only that merchant's (core/query.h
 * query_merchant_*), 0 everyone's ---- */

/* The orders list's filter from req's arguments (status, shop_id,
 * merchant_id, dialect, from, to, requisite_id, confirmed_by_customer,
 * currency, amount_min, amount_max, merchant_order_id, q) into f (cleared
 * first); with `paged` also limit, cursor and order (else none of them:
 * an export). False with the 400's message in msg. */
bool order_list_filter(struct http_req *req, struct order_filter *f, bool paged, char *msg,
                       size_t msglen);
/* GET .../orders?<the filter>: a page of orders, each rendered by
 * `render`; a time range pages in creation-time order. */
enum http_action list_shop_orders(struct http_req *req, int64_t merchant_id,
                                  void (*render)(struct jw *w, const struct order *o));
/* GET .../withdrawals?status=&shop_id=: without a status the pending ones
 * first, then the decided ones, each part newest first (order=asc: oldest
 * first); each rendered by `render`. */
enum http_action list_shop_withdrawals(struct http_req *req, int64_t merchant_id,
                                       void (*render)(struct jw *w, const struct withdrawal *wd));
/* GET .../orders/{ref}/events of an order the caller found (and may see):
 * items {"id", "kind", "status", "at"}. */
enum http_action list_order_events(struct http_req *req, const struct order *o);
/* GET .../callbacks?state=&shop_id=: callbacks without their attempts,
 * items {"id", "event", "event_id", "order_id", "shop_id", "receiver",
 * "url", "state", "attempt_count", "next_attempt_at", "updated_at"}. A
 * merchant's list also takes order= (the order's uuid or id; 404 "Order
 * not found" for one not the merchant's) and is newest first (the admin
 * API answers order= with the order's callbacks and their attempts). */
enum http_action list_shop_callbacks(struct http_req *req, int64_t merchant_id);

/* A callback visitor (core/query.h) rendering into w one object per
 * callback {"id", "event", "event_id", "order_id", "receiver", "url",
 * "state", "attempt_count", "next_attempt_at", "attempts": [{"at",
 * "at_ms", "url", "http_status", "error", "latency_ms", "response"}]}. */
struct callback_visitor callback_json_visitor(struct jw *w);

#endif
