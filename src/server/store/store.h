/* store.h: the store interface (Redis ConnectionType style).
 *
 * A backend (sqlite.c, pg.c) fills a struct store_ops. A store has one
 * writer connection, used only by the writer thread (writer.c), which runs
 * batches of commands in one transaction (PostgreSQL: plus writer_extra's
 * connections, one per further writer thread); and read connections any thread
 * takes with store_reader and gives back with store_release. Functions take
 * a connection, so the core's command code runs unchanged on either backend.
 * Every function returns KASSA_OK or an error: KASSA_ENOTFOUND (a lookup
 * found nothing), KASSA_EEXIST (a unique key taken, or another constraint
 * broken, such as a missing foreign key), KASSA_ENOMEM, KASSA_EIO (anything
 * else, logged by the backend), and where a function below says so
 * KASSA_ESTATE (a conditional update found the row no longer as expected),
 * KASSA_EFUNDS, KASSA_EMONEY_RANGE or KASSA_EINVAL. On PostgreSQL any
 * function may also return KASSA_EUNAVAILABLE (the server cannot be
 * reached; see store_unavailable) or KASSA_ERETRY (a deadlock, a
 * serialization failure, or a unique key another writer took first: run
 * the command again). */
#ifndef KASSA_STORE_H
#define KASSA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kassa/error.h"
#include "base/arena.h"
#include "model/model.h"

struct store;
struct store_conn;

/* How shop_get finds a shop (by a dialect's API key: shop_get_by_api_key). */
enum shop_key { SHOP_BY_ID, SHOP_BY_PUBLIC_KEY };
enum order_key { ORDER_BY_ID, ORDER_BY_UUID, ORDER_BY_UUID_CALLBACK };

/* The reads of an order create (store_ops.order_create_reads_many): every
 * lookup's result with its own error (KASSA_OK or KASSA_ENOTFOUND). The
 * requisite is not the store's to choose: requisite_err and requisite are
 * filled by the requisites pool (provider/requisites.h) from the rows the
 * store read. */
struct order_reads {
    /* in */
    int64_t shop_id;
    const char *idem_key;       /* "" = no idempotency lookup */
    const char *currency;       /* fee and rate (USDT per `currency`) */
    const char *requisite_type; /* "" = no requisite */
    const char *bank_code;      /* preferred bank, "" = any */
    int64_t amount;             /* the order's: a requisite's min/max admit it */
    /* only requisites this admits (country_filter_admits); NULL = any
     * country (the core passes NULL for a filter that is not active) */
    const struct country_filter *countries;
    /* out */
    kassa_err idem_err;
    struct idem idem;
    kassa_err fee_err;
    int64_t fixed_fee;
    kassa_err rate_err;
    char rate[32];
    kassa_err requisite_err;
    struct requisite requisite;
};

/* Requisites read for the pool's rotation (provider/requisites.h), in id
 * order; rows is malloc'd, the caller frees it. */
struct requisite_list {
    struct requisite *rows;
    int n;
};

/* A visitor over requisites: return false to stop. */
typedef bool (*store_requisite_fn)(void *arg, const struct requisite *r);

/* A visitor over orders: return false to stop. */
typedef bool (*store_order_fn)(void *arg, const struct order *o);

/* A visitor over withdrawals. */
typedef bool (*store_withdrawal_fn)(void *arg, const struct withdrawal *w);
typedef bool (*store_event_fn)(void *arg, const struct order_event *e);
typedef bool (*store_account_fn)(void *arg, const struct ledger_account *a);
typedef bool (*store_posting_fn)(void *arg, const struct ledger_posting *p);
typedef bool (*store_callback_summary_fn)(void *arg, const struct callback *cb);
typedef bool (*store_requisite_count_fn)(void *arg, const struct requisite *r, int64_t pending);
typedef bool (*store_operator_fn)(void *arg, const struct operator* op);
typedef bool (*store_token_fn)(void *arg, const struct op_token *t);
typedef bool (*store_audit_fn)(void *arg, const struct audit_entry *e);
typedef bool (*store_trader_fn)(void *arg, const struct trader *t);
struct sql_query;
struct sql_row;
typedef bool (*store_row_fn)(void *arg, const struct sql_row *r);

/* Receives one finding of ledger_verify, a sentence. */
typedef void (*store_problem_fn)(void *arg, const char *problem);

/* A visitor over a shop's balances (minor units of `currency`). */
typedef bool (*store_balance_fn)(void *arg, const char *currency, int64_t available, int64_t held);

/* A copy of the whole database (store_ops.backup). */
struct store_backup {
    /* in: set (by another thread) to stop early: the op then gives
     * KASSA_EUNAVAILABLE (kassad is shutting down) */
    const _Atomic bool *cancel;
    /* out */
    int fd;             /* the copy: an open descriptor of an unlinked file */
    int64_t bytes;      /* its size */
    int64_t pages;      /* database pages copied */
    int64_t steps;      /* chunks they were copied in */
    int64_t elapsed_ms; /* from the snapshot to the copy's last byte */
};

struct store_ops {
    const char *name;
    /* The statement that reads the database's size in bytes, one row
     * (sql/overview.h; NULL: the backend cannot tell). */
    const char *sql_db_bytes;

    /* Lifecycle. open parses the URL after its scheme, creates/migrates the
     * schema, and returns the store; err gets a message on failure. */
    kassa_err (*open)(const char *url, struct store **out, char *err, size_t errlen);
    void (*close)(struct store *s);
    struct store_conn *(*writer)(struct store *s);
    struct store_conn *(*reader)(struct store *s);
    void (*release)(struct store_conn *c);
    /* Another writer connection for one more writer thread (writer.h
     * writer_start_n), owned by the store and closed with it; it may be
     * used only by the thread it was made for. NULL (the op itself) when
     * the backend has exactly one writer (SQLite); returns NULL when out
     * of memory. */
    struct store_conn *(*writer_extra)(struct store *s);

    /* Transactions on the writer connection. */
    kassa_err (*begin)(struct store_conn *c);
    kassa_err (*commit)(struct store_conn *c);
    kassa_err (*rollback)(struct store_conn *c);
    kassa_err (*savepoint)(struct store_conn *c);
    kassa_err (*savepoint_release)(struct store_conn *c);
    kassa_err (*savepoint_rollback)(struct store_conn *c);

    /* Data. */
    kassa_err (*merchant_insert)(struct store_conn *c, struct merchant *m);
    kassa_err (*merchant_get)(struct store_conn *c, int64_t id, struct merchant *out);
    /* Insert the shop (s->id set) and its dialect rows. KASSA_EEXIST when
     * its public key, or a row's API key in its dialect, is taken. */
    kassa_err (*shop_insert)(struct store_conn *c, struct shop *s);
    /* A shop with its dialect rows, by id or public key. */
    kassa_err (*shop_get)(struct store_conn *c, enum shop_key by, const char *key, int64_t id,
                          struct shop *out);
    /* The shop whose row of `dialect` (a registered name) has `api_key`,
     * with all its dialect rows. KASSA_ENOTFOUND. */
    kassa_err (*shop_get_by_api_key)(struct store_conn *c, const char *dialect, const char *api_key,
                                     struct shop *out);
    kassa_err (*requisite_insert)(struct store_conn *c, struct requisite *r);
    /* Up to `limit` (1..64) active requisites of `type` and `currency`
     * with id > after, in id order, each passed to fn (valid during the
     * call; fn returning false stops). The rows the requisites pool
     * (provider/requisites.c) rotates over; which one an order takes is
     * its rule, not the store's. A read only: the pool keeps its cursors
     * in the process (a counter row updated per order queued parallel
     * PostgreSQL batches on its lock and cost SQLite's single writer a
     * fifth of a create). *n (may be NULL) gets how many rows were read. */
    kassa_err (*requisites_after)(struct store_conn *c, const char *type, const char *currency,
                                  int64_t after, int limit, store_requisite_fn fn, void *arg,
                                  int *n);
    kassa_err (*order_insert)(struct store_conn *c, struct order *o);
    /* Optional (NULL: order_insert, then idem_put when `idem` is not NULL).
     * Insert the order (o->id set) and, when `idem` is not NULL, its
     * idempotency record (idem->order_id taken from the new order) in one
     * round trip. KASSA_ERETRY when the key was taken meanwhile. */
    kassa_err (*order_insert_idem)(struct store_conn *c, struct order *o, struct idem *idem);
    /* Optional, both or neither (NULL: the core reads with idem_get,
     * shop_fee_get, rate_get with base "USDT" and the pool's pick one by
     * one, and creates orders one at a time). Every read of n order creates
     * at once (a lone create is n = 1): for each r[i] the idempotency
     * record, the fixed fee and the exchange rate, in the order of r (each
     * with its own KASSA_OK / KASSA_ENOTFOUND); and into *requisites every
     * active requisite of the types and currencies the r[i] ask for, in id
     * order (the pool picks from them; rows NULL when none asks). One
     * round trip, so a backend with a network in between offers it.
     * KASSA_EIO etc. for the whole (then *requisites holds nothing). */
    kassa_err (*order_create_reads_many)(struct store_conn *c, struct order_reads *r, int n,
                                         struct requisite_list *requisites);
    /* order_insert_idem for n orders in one statement: every o[i]->id set
     * and, where idem[i] is not NULL, its record inserted with order_id,
     * and each order's amount claimed on its requisite (store_requisite_
     * claim) in the same round trip. All or nothing: KASSA_ERETRY when a
     * key or an amount was taken meanwhile (the caller's savepoint then
     * undoes it all). */
    kassa_err (*order_insert_many)(struct store_conn *c, struct order *const *o,
                                   struct idem *const *idem, int n);
    /* Claim `amount` on a requisite: *taken false when it has the amount
     * pending already (the key refuses it, on every node); and give it
     * back (provider/requisites.c). */
    kassa_err (*requisite_claim)(struct store_conn *c, int64_t requisite_id, int64_t amount,
                                 bool *taken);
    kassa_err (*requisite_unclaim)(struct store_conn *c, int64_t requisite_id, int64_t amount);
    /* How many orders are pending on a requisite (its open orders). */
    kassa_err (*requisite_pending)(struct store_conn *c, int64_t requisite_id, int64_t *n);
    /* Take the ledger's lock for the rest of the transaction (every
     * ledger_post takes it too). NULL where one writer is all there is
     * (SQLite): its transactions are the lock. */
    kassa_err (*ledger_lock)(struct store_conn *c);
    kassa_err (*order_get)(struct store_conn *c, enum order_key by, const char *key, int64_t id,
                           struct order *out);
    /* Call fn for every order of a shop with this merchant_order_id, oldest
     * first; fn returning false stops. `o` is valid only during the call. */
    kassa_err (*orders_by_merchant_order_id)(struct store_conn *c, int64_t shop_id,
                                             const char *merchant_order_id, store_order_fn fn,
                                             void *arg);
    kassa_err (*idem_get)(struct store_conn *c, int64_t shop_id, const char *key, struct idem *out);
    kassa_err (*idem_put)(struct store_conn *c, const struct idem *in);
    /* Operator exchange rates: rate is decimal text ("95.00"). */
    kassa_err (*rate_get)(struct store_conn *c, const char *from, const char *to, char rate[32]);
    /* A named setting kept across restarts (KASSA_ENOTFOUND when never
     * set); value is cut to size - 1 bytes. */
    kassa_err (*setting_get)(struct store_conn *c, const char *name, char *value, size_t size);
    kassa_err (*setting_put)(struct store_conn *c, const char *name, const char *value,
                             int64_t now);
    kassa_err (*rate_put)(struct store_conn *c, const char *from, const char *to, const char *rate,
                          int64_t now);

    /* ---- money and an order's life (*_ledger.c, *_orders.c, *_withdrawals.c) ---- */
    /* Every currency the shop has an account in, with its available and
     * held balances from the ledger. */
    kassa_err (*balances)(struct store_conn *c, int64_t shop_id, store_balance_fn fn, void *arg);
    /* Change an order's status (and paid_at / confirmed flags) as given in
     * `o` (id, status, paid_at, confirmed_by_customer, updated_at), but only
     * when its current status is `from`: KASSA_ESTATE when it is not. */
    kassa_err (*order_set_status)(struct store_conn *c, const struct order *o,
                                  enum order_status from);
    /* One balanced ledger transaction (the caller checked the sum is 0):
     * accounts are created on first use; KASSA_EFUNDS when a posting with
     * floor_zero would take its account below zero (which accounts may not
     * is the core's rule; the check and the move are one statement, race-safe
     * across writers and nodes: sql/ledger.h), KASSA_EMONEY_RANGE when a
     * balance would pass int64; on PostgreSQL KASSA_EINVAL for more than 16
     * postings. */
    kassa_err (*ledger_post)(struct store_conn *c, const char *kind, const char *ref_type,
                             int64_t ref_id, int64_t now, const struct posting *p, size_t n);
    /* The outbox row of an order state change. */
    kassa_err (*event_insert)(struct store_conn *c, int64_t shop_id, int64_t order_id,
                              const char *kind, int status, int64_t now);
    /* Up to `limit` ids of pending orders whose expires_at <= now. */
    kassa_err (*orders_due)(struct store_conn *c, int64_t now, int limit, int64_t *ids, int *n);
    /* Set confirmed_by_customer on a pending order; KASSA_ESTATE otherwise. */
    kassa_err (*order_confirm)(struct store_conn *c, int64_t order_id, int64_t now);
    /* Give a pending order that awaits its method (payment_system 0, no
     * requisite type) the method the payer chose, its requisite type and
     * requisite (0: none); KASSA_ESTATE when it no longer awaits one. */
    kassa_err (*order_set_method)(struct store_conn *c, int64_t order_id, int payment_system,
                                  const char *requisite_type, int64_t requisite_id, int64_t now);
    /* Store (or replace) the payer's receipt image of an order. */
    kassa_err (*receipt_image_put)(struct store_conn *c, int64_t order_id, const char *content_type,
                                   const void *data, size_t len, int64_t now);
    /* The receipt, copied into `a`. */
    kassa_err (*receipt_image_get)(struct store_conn *c, int64_t order_id, struct arena *a,
                                   char **content_type, void **data, size_t *len);
    /* A dispute's evidence (e: uuid, dispute_id, key, uploader,
     * content_type, created_at; e->id not set) with its bytes, kept as a
     * receipt is; and its bytes by dispute and uuid, copied into `a`
     * (KASSA_ENOTFOUND). */
    kassa_err (*evidence_put)(struct store_conn *c, const struct dispute_evidence *e,
                              const void *data, size_t len);
    kassa_err (*evidence_get)(struct store_conn *c, int64_t dispute_id, const char *uuid,
                              struct arena *a, char **content_type, void **data, size_t *len);
    /* Statistics of a shop's orders in `currency` created in [from, to)
     * (Unix seconds), optionally of one requisite type / requisite country
     * ("" = any). */
    kassa_err (*order_stats)(struct store_conn *c, int64_t shop_id, int64_t from, int64_t to,
                             const char *requisite_type, const char *country_code,
                             const char *currency, struct order_stats *out);
    kassa_err (*withdrawal_insert)(struct store_conn *c, struct withdrawal *w);
    /* By id (payment_id NULL) or by the shop's payment_id; shop_id 0 = any. */
    kassa_err (*withdrawal_get)(struct store_conn *c, int64_t shop_id, int64_t id,
                                const char *payment_id, struct withdrawal *out);
    /* Set status/completed_at when the current status is `from`, else
     * KASSA_ESTATE. */
    kassa_err (*withdrawal_set_status)(struct store_conn *c, const struct withdrawal *w, int from);
    /* A page of a shop's withdrawals, newest first. */
    kassa_err (*withdrawals_page)(struct store_conn *c, int64_t shop_id, int offset, int limit,
                                  store_withdrawal_fn fn, void *arg);
    /* Recompute every account from its postings, check every transaction
     * sums to zero and no shop account is negative; each finding goes to
     * `problem`. Counts what was checked. */
    kassa_err (*ledger_verify)(struct store_conn *c, store_problem_fn problem, void *arg,
                               int64_t *accounts, int64_t *transactions);
    /* Forget at most `limit` idempotency keys created before `before`
     * (the oldest first); *purged says how many went. The sweeper calls it
     * again, each time in its own writer command, until fewer than `limit`
     * go, so a day's keys never hold the writer in one long statement. */
    kassa_err (*idem_purge)(struct store_conn *c, int64_t before, int limit, int *purged);
    /* The fixed fee of a shop in a currency (minor units); KASSA_ENOTFOUND
     * when none is set. */
    kassa_err (*shop_fee_get)(struct store_conn *c, int64_t shop_id, const char *currency,
                              int64_t *fixed);
    /* Set (insert or replace) a shop's fixed fee in a currency. */
    kassa_err (*shop_fee_set)(struct store_conn *c, int64_t shop_id, const char *currency,
                              int64_t fixed);
    /* Every fixed fee of a shop, by currency. */
    kassa_err (*shop_fees)(struct store_conn *c, int64_t shop_id,
                           bool (*fn)(void *arg, const char *currency, int64_t fixed), void *arg);
    /* Set a shop's fee percent (decimal text, validated by the caller). */
    kassa_err (*shop_set_fee_percent)(struct store_conn *c, int64_t shop_id, const char *percent);
    /* Write the settings of shop s->id from s (validated by the caller):
     * name, url, callback_url, form_hosts, active, and each dialect row's
     * order_ttl, callback_format and strict_signing (a row the shop has not got yet is inserted,
     * with its credentials; those of a row it has never change). KASSA_ENOTFOUND when no such shop.
     */
    kassa_err (*shop_update)(struct store_conn *c, const struct shop *s);

    /* ---- records (sqlite_records.c, pg_records.c) ---- */
    /* Record a request that must not be replayed (shop, nonce text, and
     * the 32-byte hash the caller made of the request: core.h's struct
     * request_nonce): KASSA_EEXIST when that triple is already recorded
     * (a replay). */
    kassa_err (*nonce_put)(struct store_conn *c, int64_t shop_id, const char *nonce,
                           const unsigned char body_hash[32], int64_t now);
    /* Forget nonce records created before `before` (Unix seconds). */
    kassa_err (*nonce_prune)(struct store_conn *c, int64_t before);
    /* Every shop of a merchant, oldest first. */
    kassa_err (*shops_by_merchant)(struct store_conn *c, int64_t merchant_id,
                                   bool (*fn)(void *arg, const struct shop *s), void *arg);
    /* A shop's orders, newest first, `limit` from `offset`. */
    kassa_err (*orders_page)(struct store_conn *c, int64_t shop_id, int64_t offset, int limit,
                             store_order_fn fn, void *arg);
    /* Run a statement built at run time (store/sql/: a list's) and hand
     * each row to fn (false stops): what the backend-neutral lists of
     * lists.c run on. */
    kassa_err (*query_rows)(struct store_conn *c, const struct sql_query *q, store_row_fn fn,
                            void *arg);
    /* A page of an order's events by id: newest first before after_id
     * (0: from the newest), or with asc oldest first after it. */
    kassa_err (*order_events)(struct store_conn *c, int64_t order_id, int64_t after_id, bool asc,
                              int limit, store_event_fn fn, void *arg);
    /* A page of the withdrawals f wants (model.h), in its order. */
    kassa_err (*withdrawals_list)(struct store_conn *c, const struct withdrawal_filter *f,
                                  store_withdrawal_fn fn, void *arg);
    /* The shop's payment-method switches (only the methods set explicitly). */
    kassa_err (*shop_methods)(struct store_conn *c, int64_t shop_id,
                              bool (*fn)(void *arg, int method_id, bool enabled), void *arg);
    kassa_err (*shop_method_set)(struct store_conn *c, int64_t shop_id, int method_id, bool enabled,
                                 int64_t now);
    /* An order's receipt items: price in minor units, count as decimal text. */
    kassa_err (*receipt_put)(struct store_conn *c, int64_t order_id, int position, const char *name,
                             const char *count, int64_t price);
    kassa_err (*receipt_items)(struct store_conn *c, int64_t order_id,
                               bool (*fn)(void *arg, const char *name, const char *count,
                                          int64_t price),
                               void *arg);

    /* ---- callbacks (sqlite_callback.c) ----
     * The outbox's delivery side (callback/dispatcher.c). Times are clock
     * milliseconds. Every op that writes runs on the writer connection
     * inside the writer's transaction. A callback is one event delivered to
     * one receiver; its state is pending | delivered | failed | refused.
     * Claiming is by lease: a claimed row belongs to lease_owner until
     * lease_until; on PostgreSQL with several nodes the claim must select
     * with `FOR UPDATE SKIP LOCKED` so two nodes never claim one row. */

    /* Up to `limit` events not yet planned (events.planned = 0), oldest id
     * first, each passed to fn (valid during the call; fn returning false
     * stops). PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so a concurrent
     * planner skips them until this transaction ends. */
    kassa_err (*events_unplanned)(struct store_conn *c, int limit,
                                  bool (*fn)(void *arg, const struct event *e), void *arg);
    /* Mark an event planned: `planned` 1 (its callbacks were inserted) or
     * 2 (nothing to deliver: no receiver URL, or a status no dialect sends). */
    kassa_err (*event_planned)(struct store_conn *c, int64_t event_id, int planned);
    /* Insert a callback (in: event_id, order_id, shop_id, receiver, url,
     * content_type, body/body_len, base_at, next_attempt_at, created_at;
     * state pending, attempts/step/claim_seq 0, no lease). cb->id is set.
     * KASSA_EEXIST when (event_id, receiver) exists. */
    kassa_err (*callback_insert)(struct store_conn *c, struct callback *cb);
    /* Claim up to `limit` due callbacks: state pending, next_attempt_at <=
     * now, and no lease or lease_until <= now; most overdue first. Each
     * claimed row gets lease_owner = owner, lease_until, claim_seq + 1 and
     * is passed to fn (its new lease and claim_seq filled in, event_kind
     * joined). PostgreSQL: UPDATE ... WHERE id IN (SELECT id ... FOR UPDATE
     * SKIP LOCKED LIMIT n) RETURNING ... */
    kassa_err (*callbacks_claim)(struct store_conn *c, int64_t now, const char *owner,
                                 int64_t lease_until, int limit,
                                 bool (*fn)(void *arg, const struct callback *cb), void *arg);
    /* Record an attempt (always inserted; a->id set) and, when the callback
     * is still leased by `cb->lease_owner` with claim_seq == cb->claim_seq,
     * store the outcome from cb: state, attempts, step, next_attempt_at
     * (0 = none), updated_at, clearing the lease. KASSA_ESTATE when the
     * lease was lost (a resend or another claim since; the attempt row is
     * still written), KASSA_ENOTFOUND when no such callback. */
    kassa_err (*callback_record)(struct store_conn *c, const struct callback *cb,
                                 struct callback_attempt *a);
    /* Give a claim back without an attempt (shutdown): clear the lease when
     * owner and claim_seq still match; no error when they do not. */
    kassa_err (*callback_unlease)(struct store_conn *c, int64_t id, const char *owner,
                                  int64_t claim_seq);
    /* Deliver again now: state pending, step 0, base_at = next_attempt_at =
     * now, lease cleared, claim_seq + 1 (an attempt in flight then records
     * its attempt but not its outcome). KASSA_ENOTFOUND. */
    kassa_err (*callback_resend)(struct store_conn *c, int64_t id, int64_t now);
    /* One callback by id (event_kind joined). KASSA_ENOTFOUND. */
    kassa_err (*callback_get)(struct store_conn *c, int64_t id, struct callback *out);
    /* Every callback of an order, oldest first. */
    kassa_err (*callbacks_by_order)(struct store_conn *c, int64_t order_id,
                                    bool (*fn)(void *arg, const struct callback *cb), void *arg);
    /* Every attempt of a callback, oldest first. */
    kassa_err (*callback_attempts)(struct store_conn *c, int64_t callback_id,
                                   bool (*fn)(void *arg, const struct callback_attempt *a),
                                   void *arg);
    /* Counters over all callbacks (struct callback_stats). */
    kassa_err (*callback_stats)(struct store_conn *c, struct callback_stats *out);

    /* ---- backup (sqlite_backup.c) ----
     * Optional (NULL: the backend has none; PostgreSQL's is pg_dump). A
     * consistent copy of the whole database, as of one moment, taken
     * beside the running writer without holding it up: b->fd an open
     * descriptor of an unlinked file holding the copy (the caller closes
     * it). KASSA_EIO (err says why: the disk full, ...), KASSA_EUNAVAILABLE
     * when b->cancel was set. */
    kassa_err (*backup)(struct store *s, struct store_backup *b, char *err, size_t errlen);
};

/* Every connection struct of a backend starts with this. */
struct store_conn {
    const struct store_ops *ops;
    struct store *store;
};

/* Every store struct of a backend starts with this. */
struct store {
    const struct store_ops *ops;
    /* Unique among the stores store_open opened in this process (from 1):
     * what state kept per store outside it (the pool's cursors) is keyed by. */
    uint64_t serial;
};

/* ---- a unit of work inside a write transaction ----
 *
 * A change (a core command: core/core.h) embeds a store_task and finds
 * itself from it with container_of. Whoever runs it (the group-commit
 * writer, txn/writer.h) calls `run` on a writer connection inside a
 * transaction it begins and ends: the task neither begins, commits nor
 * rolls back. */
struct store_task;

/* store_task.run_many's type. */
typedef kassa_err (*store_task_many_fn)(struct store_conn *c, struct store_task **tasks, int n,
                                        kassa_err *results);

struct store_task {
    /* Do the work on `c`, in the transaction around it. A non-OK return
     * undoes what it wrote (its savepoint, or the whole transaction, after
     * which it runs again); KASSA_ERETRY (a race with another writer or
     * node, see above) runs it again, a few times. So run may be called
     * several times for one task: everything it sets outside the database
     * it must set anew each time. */
    kassa_err (*run)(struct store_conn *c, struct store_task *t);
    /* Optional: run a run of consecutive tasks of one kind together
     * (tasks[0..n), n >= 2, all with this run_many), e.g. one multi-row
     * statement for a batch's order creates instead of two statements each.
     * Its return: KASSA_OK when it settled every task, results[i] being
     * run's result for tasks[i], with three cases: KASSA_OK (done), a
     * refusal (it wrote nothing for that task), or KASSA_ERETRY (not done:
     * that task then runs alone with run, right after). Any other return:
     * everything the call wrote is undone and each task runs with run. Like
     * run, it may be called more than once for the same tasks. */
    store_task_many_fn run_many;
};

/* What the deployment tells the backends (main.c sets it from the
 * configuration before store_open; the defaults serve tests). */
struct store_options {
    int read_pool;      /* PostgreSQL read connections (--db-pool) */
    int reader_threads; /* threads with an SQLite reader each (--threads) */
};

/* Set the options for the stores opened from now on. */
void store_configure(const struct store_options *opts);
/* The options in force. */
const struct store_options *store_opts(void);

/* Open "sqlite:PATH" or "postgresql://..." / "postgres://...". */
kassa_err store_open(const char *url, struct store **out, char *err, size_t errlen);
void store_close(struct store *s);
/* Whether the database a --db URL names can be used, without opening it as
 * a store (kassad --check-config): SQLite: the file, if there, is an SQLite
 * database kassad may read and write, and its directory (or the nearest one
 * there is, where kassad would create it) is writable; PostgreSQL: a
 * connection succeeds. KASSA_OK, or an error with err saying why. */
kassa_err store_check(const char *url, char *err, size_t errlen);

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* The --db URL fit for a log line: a password in it (user:PASSWORD@ or
 * ?password=...) becomes "***". Writes at most `size` bytes into out. */
void store_url_redacted(const char *url, char *out, size_t size);

/* Whether the database is unreachable right now (a network store lost its
 * server; set and cleared by the backend). The dialects answer 503 then. */
bool store_unavailable(void);
void store_set_unavailable(bool down);
/* A backend re-established a broken session (GET /metrics counts them). */
void store_count_reconnect(void);

/* store_unavailable, or it was less than STORE_RECOVERY_GRACE_MS ago: for
 * classifying a failure that happened a moment before (a request failed
 * with the database down, and another connection reconnected before its
 * answer went out). */
#define STORE_RECOVERY_GRACE_MS 2000
bool store_unavailable_lately(void);

static inline struct store_conn *store_writer(struct store *s)
{
    return s->ops->writer(s);
}
static inline struct store_conn *store_reader(struct store *s)
{
    return s->ops->reader(s);
}
static inline void store_release(struct store_conn *c)
{
    c->ops->release(c);
}

/* The operator's lists (lists.c, over query_rows): a page of the orders
 * (model.h struct order_filter: one statement, on an index for the
 * filters sql/orders.h names), the accounts or the postings f wants, in
 * its order. */
kassa_err store_orders_list(struct store_conn *c, const struct order_filter *f, store_order_fn fn,
                            void *arg);
kassa_err store_accounts_list(struct store_conn *c, const struct account_filter *f,
                              store_account_fn fn, void *arg);
kassa_err store_postings_list(struct store_conn *c, const struct posting_filter *f,
                              store_posting_fn fn, void *arg);
/* One requisite by id (KASSA_ENOTFOUND), and writing its settings back
 * (owner, bank fields, country, active; never its type, number or
 * currency), over query_rows. */
kassa_err store_requisite_get(struct store_conn *c, int64_t id, struct requisite *out);
kassa_err store_requisite_update(struct store_conn *c, const struct requisite *r);
/* Rotate a shop's credentials of a dialect: the current pair becomes the
 * previous one (valid until old_valid_until, the core's rule), the new
 * pair the current. Over query_rows (lists.c). */
kassa_err store_shop_rotate(struct store_conn *c, int64_t shop_id, const char *dialect,
                            int64_t old_valid_until, const char *api_key, const char *secret);
/* A page of the requisites f wants, each with its pending orders' count. */
kassa_err store_requisites_list(struct store_conn *c, const struct requisite_filter *f,
                                store_requisite_count_fn fn, void *arg);
/* A page of the shops f wants (model.h struct shop_filter), each with its
 * dialect rows, in f's order; then the balances and fixed fees of those
 * with an id in [lo, hi] (one page's), by shop, currency and kind. */
typedef bool (*store_shop_fn)(void *arg, const struct shop *s);
typedef bool (*store_shop_money_fn)(void *arg, const struct shop_money *m);
kassa_err store_shops_list(struct store_conn *c, const struct shop_filter *f, store_shop_fn fn,
                           void *arg);
kassa_err store_shops_money(struct store_conn *c, const struct shop_filter *f, int64_t lo,
                            int64_t hi, store_shop_money_fn fn, void *arg);
/* A page of the callbacks f wants, without their bodies or attempts. */
kassa_err store_callbacks_list(struct store_conn *c, const struct callback_filter *f,
                               store_callback_summary_fn fn, void *arg);

/* Operators, their tokens and the audit log (operators.c, over
 * query_rows). insert sets the new row's id; get and by_* give
 * KASSA_ENOTFOUND. store_token_by_hash also reads the token's operator.
 * store_token_set: revoke (once: a revoked token keeps its time) or touch
 * (last_used_at) token id at `at`. */
kassa_err store_operator_insert(struct store_conn *c, struct operator* op);
kassa_err store_operator_get(struct store_conn *c, int64_t id, struct operator* out);
kassa_err store_operator_by_login(struct store_conn *c, const char *login, struct operator* out);
kassa_err store_operator_update(struct store_conn *c, const struct operator* op);
kassa_err store_operators_list(struct store_conn *c, int64_t after_id, bool asc, int limit,
                               store_operator_fn fn, void *arg);
kassa_err store_token_insert(struct store_conn *c, struct op_token *t);
kassa_err store_token_get(struct store_conn *c, int64_t id, struct op_token *out);
kassa_err store_token_by_hash(struct store_conn *c, const char *hash, struct op_token *t,
                              struct operator* op);
kassa_err store_token_set(struct store_conn *c, int64_t id, bool revoke, int64_t at);
kassa_err store_tokens_list(struct store_conn *c, int64_t operator_id, int64_t after_id, bool asc,
                            int limit, store_token_fn fn, void *arg);
/* Traders (traders.c, over query_rows): insert sets the id; get gives
 * KASSA_ENOTFOUND; update writes name, reward_bps, active and online; a
 * trader's balances in `currency` (0 for accounts not made yet). */
kassa_err store_trader_insert(struct store_conn *c, struct trader *t);
kassa_err store_trader_get(struct store_conn *c, int64_t id, struct trader *out);
/* The trader whose trader API key is `api_key`. KASSA_ENOTFOUND. */
kassa_err store_trader_by_api_key(struct store_conn *c, const char *api_key, struct trader *out);
kassa_err store_trader_update(struct store_conn *c, const struct trader *t);
kassa_err store_traders_list(struct store_conn *c, int64_t after_id, bool asc, int limit,
                             store_trader_fn fn, void *arg);
kassa_err store_trader_balances(struct store_conn *c, int64_t trader_id, const char *currency,
                                struct trader_balances *out);
/* The requisites' days (claims.c, over query_rows; provider/requisites.h;
 * the claims are the ops requisite_claim, _unclaim, _pending). day:
 * what it took on `day` (0 and 0 when nothing); day_add adds to it (the
 * row made on first use; a negative change of a day never counted does
 * nothing). order_set_pick writes an order's trader_id, reserve,
 * amount_requested and no_requisite_reason. trader_available: the
 * trader's available balance in currency (0 without an account).
 * ledger_lock: store_ops.ledger_lock where there is one. */
kassa_err store_requisite_day(struct store_conn *c, int64_t requisite_id, int64_t day,
                              int64_t *amount, int64_t *count);
kassa_err store_requisite_day_add(struct store_conn *c, int64_t requisite_id, int64_t day,
                                  int64_t amount, int64_t count);
kassa_err store_order_set_pick(struct store_conn *c, const struct order *o);
kassa_err store_trader_available(struct store_conn *c, int64_t trader_id, const char *currency,
                                 int64_t *balance);
kassa_err store_ledger_lock(struct store_conn *c);
/* Devices, pairing codes, bank messages (devices.c, over query_rows;
 * sql/devices.h). get, by_token, pairing_find, requisite_device and
 * bank_message_get/_by_event give KASSA_ENOTFOUND; rotate and revoke
 * KASSA_ENOTFOUND for no device in use; pairing_use and
 * bank_message_attach KASSA_ESTATE when the code was used or the message
 * is no longer unmatched or ambiguous. */
struct device_pairing {
    int64_t id, trader_id, expires_at, used_at;
};
/* An order a credit may confirm, with its requisite's bank and number. */
struct bank_candidate {
    int64_t order_id;
    int status; /* enum order_status */
    int64_t created_at, expires_at;
    char bank_code[SHORT_SIZE];
    char bank_name_en[TEXT_SIZE];
    char requisite[TEXT_SIZE];
};
#define BANK_CANDIDATES_MAX 16
typedef bool (*store_device_fn)(void *arg, const struct device *d);
typedef bool (*store_bank_message_fn)(void *arg, const struct bank_message *m);
kassa_err store_device_insert(struct store_conn *c, struct device *d);
kassa_err store_device_get(struct store_conn *c, int64_t id, struct device *out);
kassa_err store_device_by_token(struct store_conn *c, const char *token_hash, struct device *out);
kassa_err store_device_seen(struct store_conn *c, int64_t id, int64_t now);
kassa_err store_device_rotate(struct store_conn *c, int64_t id, const char *token_hash,
                              const char *secret);
kassa_err store_device_revoke(struct store_conn *c, int64_t id, int64_t now);
kassa_err store_devices_list(struct store_conn *c, int64_t trader_id, int64_t after_id, bool asc,
                             int limit, store_device_fn fn, void *arg);
/* The ids of the requisites bound to a device (at most max, by id). */
kassa_err store_device_requisites(struct store_conn *c, int64_t device_id, int64_t *ids, int max,
                                  int *n);
kassa_err store_pairing_insert(struct store_conn *c, int64_t trader_id, const char *code_hash,
                               int64_t now, int64_t expires_at);
kassa_err store_pairing_find(struct store_conn *c, const char *code_hash,
                             struct device_pairing *out);
kassa_err store_pairing_use(struct store_conn *c, int64_t id, int64_t now, int64_t device_id);
kassa_err store_requisite_device(struct store_conn *c, int64_t requisite_id, int64_t *trader_id,
                                 int64_t *device_id);
kassa_err store_requisite_bind(struct store_conn *c, int64_t requisite_id, int64_t device_id);
/* The candidates of a credit (SQL_CANDIDATES_BOUND with bound, keyed by
 * the device, else SQL_CANDIDATES_TRADER keyed by the trader). */
kassa_err store_bank_candidates(struct store_conn *c, bool bound, int64_t key, int64_t amount,
                                const char *currency, int64_t received_at, int64_t grace,
                                struct bank_candidate *out, int *n);
kassa_err store_bank_message_insert(struct store_conn *c, struct bank_message *m);
kassa_err store_bank_message_by_event(struct store_conn *c, int64_t device_id, const char *event_id,
                                      struct bank_message *out);
kassa_err store_bank_message_get(struct store_conn *c, int64_t id, struct bank_message *out);
kassa_err store_bank_message_attach(struct store_conn *c, int64_t id, int64_t order_id,
                                    const char *by, int64_t now);
kassa_err store_bank_messages_list(struct store_conn *c, const struct bank_message_filter *f,
                                   store_bank_message_fn fn, void *arg);
/* Failed authentications counted by every node (core/guard.c): add `count`
 * to key's count of the window starting at window_start; the keys whose
 * count of that window reached `limit`; forget windows before `before`. */
kassa_err store_auth_failures_add(struct store_conn *c, const char *key, int64_t window_start,
                                  int count);
kassa_err store_auth_failures_locked(struct store_conn *c, int64_t window_start, int limit,
                                     bool (*fn)(void *arg, const char *key), void *arg);
kassa_err store_auth_failures_prune(struct store_conn *c, int64_t before);
/* Append a line to the audit log (there is no statement that changes or
 * removes one; the tables' triggers refuse both). */
kassa_err store_audit_insert(struct store_conn *c, const struct audit_entry *e);
kassa_err store_audit_list(struct store_conn *c, const struct audit_filter *f, store_audit_fn fn,
                           void *arg);
/* A record as the audit log shows it, as a JSON object in out (size
 * bytes): kind "shop", "requisite", "order", "withdrawal", "callback",
 * "rate" (id "RUB-USDT"), "operator", "token", "setting" (id its name).
 * Secrets are never in it. KASSA_ENOTFOUND when there is no such record
 * (out ""), KASSA_ENOMEM when it does not fit. */
kassa_err store_record_json(struct store_conn *c, const char *kind, const char *id, char *out,
                            size_t size);
/* Disputes (disputes.c, over query_rows; core/dispute.c has the rules):
 * insert sets the id; update writes the changing columns only while the
 * stored status and awaiting are old_* (KASSA_ESTATE otherwise); get
 * gives KASSA_ENOTFOUND; due: the ids of in_progress disputes awaiting
 * the trader whose deadline <= now. Each read joins its order's uuid,
 * merchant order id and currency, its shop's merchant and its trader. */
typedef bool (*store_dispute_fn)(void *arg, const struct dispute *d);
typedef bool (*store_dispute_log_fn)(void *arg, const struct dispute_log *l);
typedef bool (*store_dispute_evidence_fn)(void *arg, const struct dispute_evidence *e);
kassa_err store_dispute_insert(struct store_conn *c, struct dispute *d);
kassa_err store_dispute_update(struct store_conn *c, const struct dispute *d,
                               enum dispute_status old_status, enum dispute_awaiting old_awaiting);
kassa_err store_dispute_get(struct store_conn *c, enum dispute_key by, int64_t id, const char *uuid,
                            struct dispute *out);
kassa_err store_disputes_list(struct store_conn *c, const struct dispute_filter *f,
                              store_dispute_fn fn, void *arg);
kassa_err store_disputes_due(struct store_conn *c, int64_t now, int limit, int64_t *ids, int *n);
kassa_err store_dispute_log_insert(struct store_conn *c, struct dispute_log *l);
kassa_err store_dispute_logs(struct store_conn *c, int64_t dispute_id, store_dispute_log_fn fn,
                             void *arg);
kassa_err store_dispute_evidence_list(struct store_conn *c, int64_t dispute_id,
                                      store_dispute_evidence_fn fn, void *arg);
/* What GET /metrics reads of the database at each scrape (lists.c, over
 * query_rows; one indexed statement, sql/gauges.h). */
struct store_gauges {
    int64_t callbacks_pending;   /* callbacks waiting to be delivered */
    int64_t oldest_pending_ms;   /* created_at (Unix ms) of the first of them by id; 0: none */
    int64_t events_unplanned;    /* events the dispatcher has not planned into callbacks */
    int64_t withdrawals_pending; /* withdrawals waiting for the operator */
};
kassa_err store_gauges_read(struct store_conn *c, struct store_gauges *out);
/* What the operator's overview reads (overview.c, over query_rows;
 * sql/overview.h): the orders created and completed per minute from
 * `from` (Unix seconds, a whole minute) on, in time order; the same per
 * shop and currency, by currency and the largest completed volume first;
 * the queues of now and the callback attempts from `from` on. Test orders
 * are not in the minutes (migration 027). */
struct overview_shop {
    int64_t shop_id;
    char name[256];
    char currency[16];
    int64_t created, completed;
    int64_t volume; /* minor units: what the completed ones brought */
};
struct overview_now {
    int64_t orders_pending;                     /* pending orders, test ones included */
    int64_t payer_paid;                         /* of those, the ones the payer says were paid */
    int64_t disputes_open;                      /* in progress or paused */
    int64_t callback_attempts, callback_failed; /* failed: no 2xx answer */
    int64_t db_bytes;                           /* 0: the backend cannot tell */
};
typedef bool (*store_overview_minute_fn)(void *arg, int64_t minute, int64_t created,
                                         int64_t completed);
typedef bool (*store_overview_shop_fn)(void *arg, const struct overview_shop *s);
kassa_err store_overview_minutes(struct store_conn *c, int64_t from, store_overview_minute_fn fn,
                                 void *arg);
kassa_err store_overview_shops(struct store_conn *c, int64_t from, store_overview_shop_fn fn,
                               void *arg);
kassa_err store_overview_now(struct store_conn *c, int64_t from, struct overview_now *out);
/* Forget the per-minute rows (orders' and callback attempts') of minutes
 * before `before`, at most a day of each table a call; *purged: the rows
 * gone (0: none left before `before`). */
kassa_err store_overview_purge(struct store_conn *c, int64_t before, int *purged);
/* Fold the orders created from overview_fold.folded_until to `until`
 * (Unix seconds) into order_minutes and move folded_until there, in the
 * caller's transaction; *from: where the fold began, or -1 when there was
 * nothing to fold (until not past it, or another node folded it first). */
kassa_err store_overview_fold(struct store_conn *c, int64_t until, int64_t *from);

/* ---- console sign-in (logins.c) ---- */

typedef bool (*store_merchant_user_fn)(void *arg, const struct merchant_user *u);

/* A login by its text or by whom it belongs to (KASSA_ENOTFOUND); put
 * one (its login and password hash: a principal's row made or renamed;
 * KASSA_EEXIST when another has the login); remove a principal's; write
 * its second factor (totp_secret, totp_pending, totp_last_step). */
kassa_err store_login_get(struct store_conn *c, const char *login, struct login *out);
kassa_err store_login_of(struct store_conn *c, enum login_kind kind, int64_t id, struct login *out);
kassa_err store_login_put(struct store_conn *c, const struct login *l);
kassa_err store_login_remove(struct store_conn *c, enum login_kind kind, int64_t id);
kassa_err store_login_totp(struct store_conn *c, const struct login *l);
/* Console sessions by the SHA-256 of their token: insert, get
 * (KASSA_ENOTFOUND), delete one, end every one of a principal, move
 * last_seen forward to `at`, forget those past expires_at (<= now) or
 * idle since idle_before. */
kassa_err store_session_insert(struct store_conn *c, const struct console_session *s);
kassa_err store_session_get(struct store_conn *c, const char *hash, struct console_session *out);
kassa_err store_session_delete(struct store_conn *c, const char *hash);
kassa_err store_sessions_end(struct store_conn *c, enum login_kind kind, int64_t id);
kassa_err store_session_touch(struct store_conn *c, const char *hash, int64_t at);
kassa_err store_sessions_prune(struct store_conn *c, int64_t now, int64_t idle_before);
/* Merchant users: whether merchant id exists (KASSA_ENOTFOUND), insert
 * (id out), get with its login (KASSA_ENOTFOUND), update name and
 * disabled, list a merchant's (by id, at most 1000). */
kassa_err store_merchant_exists(struct store_conn *c, int64_t id);
kassa_err store_merchant_user_insert(struct store_conn *c, struct merchant_user *u);
kassa_err store_merchant_user_get(struct store_conn *c, int64_t id, struct merchant_user *out);
kassa_err store_merchant_user_update(struct store_conn *c, const struct merchant_user *u);
kassa_err store_merchant_users_list(struct store_conn *c, int64_t merchant_id,
                                    store_merchant_user_fn fn, void *arg);
/* Failed sign-ins of `key` in the window starting at window_start: count
 * one, read the count (0 when none), forget windows before `before`. */
kassa_err store_signin_failure_add(struct store_conn *c, const char *key, int64_t window_start);
kassa_err store_signin_failures(struct store_conn *c, const char *key, int64_t window_start,
                                int64_t *count);
kassa_err store_signin_failures_prune(struct store_conn *c, int64_t before);

#define STORE_CALL(c, fn, ...) ((c)->ops->fn((c), __VA_ARGS__))
#define STORE_CALL0(c, fn) ((c)->ops->fn((c)))

#endif
