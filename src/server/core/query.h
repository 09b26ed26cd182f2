/* query.h: every read a dialect needs, on a reader connection of the
 * core's store, with the ownership rules in one place.
 *
 * A dialect never touches the store: it calls these (and submits core
 * commands for writes). Each function takes a reader, runs the store's
 * read and releases it; KASSA_EIO when no reader can be had. Lists call
 * `fn` for each row (the row is valid only during the call; fn returning
 * false stops the list). */
#ifndef KASSA_CORE_QUERY_H
#define KASSA_CORE_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "core/method.h"
#include "model/model.h"
#include "kassa/error.h"
#include "store/store.h" /* struct overview_shop, struct overview_now */

struct store;

/* The store every query and cache reads from (main.c, once, before any
 * request; tests may set another). */
void core_use_store(struct store *s);
struct store *core_store(void);

/* True while the database is unreachable, or was a moment ago: an
 * internal error then reads as "try again shortly". */
bool core_db_unavailable_lately(void);

/* ---- shops ---- */

/* The shop a merchant request names by `key`, from the 5 s cache
 * (shop_cache_get). KASSA_ENOTFOUND. */
kassa_err query_shop_by_key(enum shop_key by, const char *key, struct shop *out);
/* The shop whose row of `dialect` (a registered name) has `api_key`, from
 * the same cache. KASSA_ENOTFOUND. */
kassa_err query_shop_by_api_key(const char *dialect, const char *api_key, struct shop *out);
/* A shop by id, read now. KASSA_ENOTFOUND. */
kassa_err query_shop(int64_t shop_id, struct shop *out);
/* Every shop of a merchant, oldest first. */
kassa_err query_merchant_shops(int64_t merchant_id, bool (*fn)(void *arg, const struct shop *s),
                               void *arg);
/* A shop's fixed fees, one per currency. */
kassa_err query_shop_fees(int64_t shop_id,
                          bool (*fn)(void *arg, const char *currency, int64_t fixed), void *arg);
/* A shop's balances, one per currency. */
kassa_err query_balances(int64_t shop_id,
                         bool (*fn)(void *arg, const char *currency, int64_t available,
                                    int64_t held),
                         void *arg);
/* A page of the shops f wants (shop_fn for each, in f's order; false
 * stops), then the balances and fixed fees of the shops shop_fn took
 * (money_fn for each, by shop id, currency and kind): two statements on
 * one reader. */
kassa_err query_shops_list(const struct shop_filter *f,
                           bool (*shop_fn)(void *arg, const struct shop *s),
                           bool (*money_fn)(void *arg, const struct shop_money *m), void *arg);
/* The shop's payment-method switches, read now. */
kassa_err query_method_switches(int64_t shop_id, struct method_switches *out);

/* ---- orders ---- */

/* An order by uuid, callback uuid or id, whoever owns it (the operator, and
 * the payer's pages, who hold a secret token of the order). KASSA_ENOTFOUND. */
kassa_err query_order(enum order_key by, const char *key, int64_t id, struct order *out);
/* The same, but only an order of `shop_id`: another shop's order is
 * KASSA_ENOTFOUND, exactly as a missing one. */
kassa_err query_shop_order(int64_t shop_id, enum order_key by, const char *key, int64_t id,
                           struct order *out);
/* The operator's reference: an order's uuid or its numeric id. */
kassa_err query_order_ref(const char *ref, struct order *out);
/* A shop's orders with this merchant order id, oldest first. */
kassa_err query_orders_by_merchant_id(int64_t shop_id, const char *merchant_order_id,
                                      bool (*fn)(void *arg, const struct order *o), void *arg);
/* A shop's orders, newest first, `limit` from `offset`. */
kassa_err query_orders_page(int64_t shop_id, int64_t offset, int limit,
                            bool (*fn)(void *arg, const struct order *o), void *arg);
/* A page of the orders f wants (model.h struct order_filter). */
kassa_err query_orders_list(const struct order_filter *f,
                            bool (*fn)(void *arg, const struct order *o), void *arg);
/* A page of the withdrawals f wants (model.h struct withdrawal_filter). */
kassa_err query_withdrawals_list(const struct withdrawal_filter *f,
                                 bool (*fn)(void *arg, const struct withdrawal *w), void *arg);
/* A page of an order's events (store.h order_events). */
kassa_err query_order_events(int64_t order_id, int64_t after_id, bool asc, int limit,
                             bool (*fn)(void *arg, const struct order_event *e), void *arg);
/* A page of the ledger's accounts or postings (store.h). */
kassa_err query_accounts_list(const struct account_filter *f,
                              bool (*fn)(void *arg, const struct ledger_account *a), void *arg);
kassa_err query_postings_list(const struct posting_filter *f,
                              bool (*fn)(void *arg, const struct ledger_posting *p), void *arg);
/* A page of the requisites f wants, each with its pending orders' count. */
kassa_err query_requisites_list(const struct requisite_filter *f,
                                bool (*fn)(void *arg, const struct requisite *r, int64_t pending),
                                void *arg);
/* A page of the callbacks f wants, without bodies or attempts. */
kassa_err query_callbacks_list(const struct callback_filter *f,
                               bool (*fn)(void *arg, const struct callback *cb), void *arg);
/* Statistics of a shop's orders (see store.h's order_stats). */
kassa_err query_order_stats(int64_t shop_id, int64_t from, int64_t to, const char *requisite_type,
                            const char *country_code, const char *currency,
                            struct order_stats *out);
/* An order's receipt items. */
kassa_err query_receipt_items(int64_t order_id,
                              bool (*fn)(void *arg, const char *name, const char *count,
                                         int64_t price),
                              void *arg);
/* An order's uploaded receipt image, copied into `a`. KASSA_ENOTFOUND. */
kassa_err query_receipt_image(int64_t order_id, struct arena *a, char **content_type, void **data,
                              size_t *len);

/* ---- withdrawals, rates, ledger ---- */

/* A withdrawal by id or by the merchant's payment id; shop_id 0: any
 * shop's (the operator). KASSA_ENOTFOUND. */
kassa_err query_withdrawal(int64_t shop_id, int64_t id, const char *payment_id,
                           struct withdrawal *out);
/* A shop's withdrawals, newest first. */
kassa_err query_withdrawals_page(int64_t shop_id, int offset, int limit,
                                 bool (*fn)(void *arg, const struct withdrawal *w), void *arg);
/* The operator's rate FROM-TO as decimal text. KASSA_ENOTFOUND. */
kassa_err query_rate(const char *from, const char *to, char rate[32]);
/* Recompute every balance from the postings (see store.h's ledger_verify). */
kassa_err query_ledger_verify(void (*problem)(void *arg, const char *problem), void *arg,
                              int64_t *accounts, int64_t *transactions);

/* ---- callbacks ---- */

/* What a callback listing is told: each callback, then each of its
 * attempts, oldest first, then its end. Returning false stops. */
struct callback_visitor {
    bool (*callback)(void *arg, const struct callback *cb);
    bool (*attempt)(void *arg, const struct callback_attempt *a);
    bool (*callback_end)(void *arg);
    void *arg;
};

/* Every callback of an order, with its attempts, on one reader. */
kassa_err query_callbacks_of_order(int64_t order_id, const struct callback_visitor *v);
/* One callback by id, with its attempts. KASSA_ENOTFOUND. */
kassa_err query_callback(int64_t id, const struct callback_visitor *v);
kassa_err query_callback_stats(struct callback_stats *out);

/* ---- merchants (core/merchant.c) ---- */

/* The shop, order (by ref: uuid or id), withdrawal or callback (with its
 * attempts) only when it is merchant_id's (shop_of_merchant): another's
 * is KASSA_ENOTFOUND, exactly as a missing one. */
kassa_err query_merchant_shop(int64_t merchant_id, int64_t shop_id, struct shop *out);
kassa_err query_merchant_order(int64_t merchant_id, const char *ref, struct order *out);
kassa_err query_merchant_withdrawal(int64_t merchant_id, int64_t id, struct withdrawal *out);
kassa_err query_merchant_callback(int64_t merchant_id, int64_t id,
                                  const struct callback_visitor *v);
/* The lists f wants, restricted to merchant_id's shops (f->merchant_id is
 * set to it; a filter naming another merchant lists nothing). */
kassa_err query_merchant_orders(int64_t merchant_id, struct order_filter *f,
                                bool (*fn)(void *arg, const struct order *o), void *arg);
kassa_err query_merchant_withdrawals(int64_t merchant_id, struct withdrawal_filter *f,
                                     bool (*fn)(void *arg, const struct withdrawal *w), void *arg);
kassa_err query_merchant_callbacks(int64_t merchant_id, struct callback_filter *f,
                                   bool (*fn)(void *arg, const struct callback *cb), void *arg);
kassa_err query_merchant_shops_list(int64_t merchant_id, struct shop_filter *f,
                                    bool (*shop_fn)(void *arg, const struct shop *s),
                                    bool (*money_fn)(void *arg, const struct shop_money *m),
                                    void *arg);

/* ---- devices and bank messages (core/device.c, core/bank_message.c) ---- */

kassa_err query_device(int64_t id, struct device *out);
kassa_err query_device_by_token(const char *token_hash, struct device *out);
/* trader_id 0: every trader's devices. */
kassa_err query_devices_list(int64_t trader_id, int64_t after_id, bool asc, int limit,
                             bool (*fn)(void *arg, const struct device *d), void *arg);
kassa_err query_device_requisites(int64_t device_id, int64_t *ids, int max, int *n);
kassa_err query_bank_message(int64_t id, struct bank_message *out);
kassa_err query_bank_messages_list(const struct bank_message_filter *f,
                                   bool (*fn)(void *arg, const struct bank_message *m), void *arg);

/* ---- traders ---- */

kassa_err query_trader(int64_t id, struct trader *out);
/* The trader whose trader API key is `api_key` (read now, suspended ones
 * too). KASSA_ENOTFOUND. */
kassa_err query_trader_by_api_key(const char *api_key, struct trader *out);
/* An order by uuid, but only one on a requisite of `trader_id`: another's
 * is KASSA_ENOTFOUND, exactly as a missing one. */
kassa_err query_trader_order(int64_t trader_id, const char *uuid, struct order *out);
kassa_err query_traders_list(int64_t after_id, bool asc, int limit,
                             bool (*fn)(void *arg, const struct trader *t), void *arg);
kassa_err query_trader_balances(int64_t id, const char *currency, struct trader_balances *out);

/* ---- operators and the audit log ---- */

/* A token by its hash with its operator. KASSA_ENOTFOUND. */
kassa_err query_token_by_hash(const char *hash, struct op_token *t, struct operator* op);
kassa_err query_operator(int64_t id, struct operator* out);
kassa_err query_operators_list(int64_t after_id, bool asc, int limit,
                               bool (*fn)(void *arg, const struct operator* op), void *arg);
kassa_err query_tokens_list(int64_t operator_id, int64_t after_id, bool asc, int limit,
                            bool (*fn)(void *arg, const struct op_token *t), void *arg);
kassa_err query_audit_list(const struct audit_filter *f,
                           bool (*fn)(void *arg, const struct audit_entry *e), void *arg);

/* ---- backup ---- */

/* A copy of the database (core_backup_take). */
struct core_backup {
    int fd;             /* an open descriptor of an unlinked file: the copy */
    int64_t bytes;      /* its size */
    int64_t pages;      /* database pages copied */
    int64_t elapsed_ms; /* how long the copy took */
};

/* Whether the store can copy itself (SQLite; PostgreSQL's is pg_dump). */
bool core_backup_supported(void);
/* Take a consistent copy of the whole database as of now (out->fd: the
 * caller closes it), without holding up the writer, one at a time: on KASSA_OK the
 * backup counts as running until core_backup_release (call it once the
 * copy was streamed). KASSA_ECONFLICT when one is running, KASSA_EINVAL
 * when the store has no backup, KASSA_EUNAVAILABLE when kassad is
 * shutting down, KASSA_EIO; err says why. */
kassa_err core_backup_take(struct core_backup *out, char *err, size_t errlen);
void core_backup_release(void);
/* Stop a backup being taken, and refuse new ones: kassad shuts down. */
void core_backup_cancel(void);

/* ---- disputes (core/dispute.c) ---- */

/* A dispute by id, uuid or order (store.h enum dispute_key), only of shop
 * shop_id (0: any): another shop's is KASSA_ENOTFOUND. */
kassa_err query_dispute(int64_t shop_id, enum dispute_key by, int64_t id, const char *uuid,
                        struct dispute *out);
/* The disputes f wants (a merchant's page, the operator's queue, those
 * awaiting a trader: f->trader_id with f->awaiting AWAIT_TRADER). */
kassa_err query_disputes(const struct dispute_filter *f,
                         bool (*fn)(void *arg, const struct dispute *d), void *arg);
/* A dispute's log lines and evidence, oldest first. */
kassa_err query_dispute_logs(int64_t dispute_id, bool (*fn)(void *arg, const struct dispute_log *l),
                             void *arg);
kassa_err query_dispute_evidence(int64_t dispute_id,
                                 bool (*fn)(void *arg, const struct dispute_evidence *e),
                                 void *arg);
/* An evidence file's bytes, copied into `a`. KASSA_ENOTFOUND. */
kassa_err query_dispute_evidence_data(int64_t dispute_id, const char *uuid, struct arena *a,
                                      char **content_type, void **data, size_t *len);

/* ---- GET /metrics ---- */

/* The outbox's and the withdrawals' backlog now (store.h struct
 * store_gauges: one indexed statement, cheap at every scrape). */
struct store_gauges;
kassa_err query_store_gauges(struct store_gauges *out);

/* ---- the operator's overview (core/overview.c) ---- */

#define OVERVIEW_HOURS_MAX 48
#define OVERVIEW_POINTS_MAX 360 /* a chart's points at most */
#define OVERVIEW_CURRENCIES_MAX 32
#define OVERVIEW_TOP_SHOPS 10 /* shops per currency, the largest volume first */

struct overview_point {
    int64_t at; /* the bucket's start, Unix seconds */
    int64_t created, completed;
};

struct overview_currency {
    char currency[16];
    int64_t created, completed, volume;
    int n_shops; /* its first n_shops entries of shops[] below, volume first */
};

/* One read of everything the live overview shows (GET /admin/v1/overview).
 * The window is `points` buckets of bucket_seconds (60 up to 6 hours, 300
 * up to 30, then 600: never more than OVERVIEW_POINTS_MAX), the last one
 * holding now, so it starts at `from` (a whole bucket) and ends now. A
 * bucket counts the orders created in it and, of them, those completed by
 * now; test orders are left out. */
struct overview {
    int64_t now, from, bucket_seconds;
    int n_points;
    struct overview_point points[OVERVIEW_POINTS_MAX];
    int64_t created, completed;
    int n_currencies; /* by currency name */
    struct overview_currency currencies[OVERVIEW_CURRENCIES_MAX];
    int n_shops;
    struct overview_shop shops[OVERVIEW_CURRENCIES_MAX * OVERVIEW_TOP_SHOPS];
    struct overview_now queues;
    int64_t callbacks_pending, withdrawals_pending;
    const char *backend; /* "sqlite", "postgres" */
};

/* Fill *out (large: the caller allocates it) for the last `hours` (1 ..
 * OVERVIEW_HOURS_MAX) on one reader. KASSA_EINVAL for hours out of range. */
kassa_err query_overview(int hours, struct overview *out);

#endif
