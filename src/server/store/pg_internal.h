/* pg_internal.h: what the PostgreSQL backend's files share.
 *
 * The backend is split by concern like the SQLite one (pg.c: connections,
 * pool, migrations; pg_exec.c: statements, the pipeline, transactions;
 * pg_rows.c: merchants, shops, requisites, orders, idempotency records,
 * rates; pg_create.c: order creates; pg_ledger.c: postings, balances, the
 * self-check; pg_orders.c: an order's life after its create;
 * pg_withdrawals.c; pg_shop_settings.c: fees and shop settings;
 * pg_records.c: nonces, method switches, receipt items, listings;
 * pg_callback.c: the outbox; sql/: the column maps and statement text
 * both backends share). Each file owns
 * a range of statement slots; a statement is prepared (PQprepare, named
 * "k<slot>") the first time a connection runs it and executed with
 * PQexecPrepared from then on. Parameters go as text, bytea as binary;
 * results come back as text. */
#ifndef KASSA_PG_INTERNAL_H
#define KASSA_PG_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "sql/row.h"
#include "store.h"

/* Statement slot ranges, one per file. */
enum {
    PG_SLOTS_CORE = 0,
    PG_SLOTS_CREATE = 16,
    PG_SLOTS_ROWS = 32,
    PG_SLOTS_RECORDS = 64,
    PG_SLOTS_LEDGER = 96,
    PG_SLOTS_ORDERS = 112,
    PG_SLOTS_WITHDRAWALS = 128,
    PG_SLOTS_SHOP_SETTINGS = 144,
    PG_SLOTS_CALLBACK = 160,
    PG_STMT_SLOTS = 224,
};

/* The slot of a statement built at run time (a list's): sent unnamed and
 * unprepared each time. */
#define PG_SLOT_ONCE (-1)

#define PG_MAX_PARAMS 40
#define PG_MAX_DEFERRED 8
#define PG_MAX_CALLS 4 /* statements of one pg_exec_many */

struct pg_conn {
    struct store_conn base;
    PGconn *pg; /* NULL until first use */
    bool writer;
    bool in_tx;                   /* BEGIN sent: the server's transaction is open; never
                                   * reconnect then */
    bool prepared[PG_STMT_SLOTS]; /* per server session; cleared on reconnect */
    /* A BEGIN and savepoint statements not sent yet (writer only): they go
     * in one pipeline with the connection's next statement (pg_exec.c). */
    int deferred[PG_MAX_DEFERRED];
    int ndeferred;
    struct pg_conn *next_free; /* the reader pool's free list */
};

/* Parameters of one statement, built with the pgp_* helpers. Text values
 * point into the caller's memory (kept until the exec) or into num[]. */
struct pg_params {
    int n;
    const char *v[PG_MAX_PARAMS];
    int len[PG_MAX_PARAMS];
    int fmt[PG_MAX_PARAMS];
    char num[PG_MAX_PARAMS][24];
};

void pgp_i64(struct pg_params *p, int64_t v);
void pgp_text(struct pg_params *p, const char *s); /* NULL as "" */
void pgp_bytes(struct pg_params *p, const void *data, size_t len);
void pgp_null(struct pg_params *p);

/* A sql_sink appending to p (row.h: one column map for both backends). */
struct pg_params_sink {
    struct sql_sink base;
    struct pg_params *p;
};
struct pg_params_sink pg_params_sink(struct pg_params *p);

/* Run the statement in `slot` (prepared from `sql` on first use on this
 * connection). Returns the result (PGRES_TUPLES_OK or PGRES_COMMAND_OK; the
 * caller PQclears it) or NULL with *err: KASSA_EEXIST (a unique or foreign
 * key violation), KASSA_EFUNDS (a CHECK: balances never go negative),
 * KASSA_EMONEY_RANGE (a BIGINT overflow: a balance past int64),
 * KASSA_ERETRY (serialization failure or deadlock: run the command again),
 * KASSA_EUNAVAILABLE (the server is unreachable or went away), KASSA_EIO
 * (anything else; logged). */
PGresult *pg_exec(struct pg_conn *c, int slot, const char *sql, const struct pg_params *p,
                  kassa_err *err);

/* Several statements in one pipeline (one round trip), after the deferred
 * ones: out[i] the result of calls[i], all NULL on failure (pg_exec's
 * errors, the first one's). At most PG_MAX_CALLS. */
struct pg_call {
    int slot;
    const char *sql;
    const struct pg_params *p;
};
kassa_err pg_exec_many(struct pg_conn *c, const struct pg_call *calls, int k, PGresult **out);

/* Run a statement whose rows are not needed: KASSA_OK or pg_exec's error.
 * `changed` (may be NULL) receives the number of rows affected. */
kassa_err pg_run(struct pg_conn *c, int slot, const char *sql, const struct pg_params *p,
                 int64_t *changed);

/* Column readers on a text result; NULL reads as 0 / "". */
int64_t pg_i64(const PGresult *r, int row, int col);
/* The integer in a cell (NULL: 0); false when it does not fit int64 (a
 * SUM of BIGINTs is a numeric and may not), instead of reading 0. */
bool pg_i64_checked(const PGresult *r, int row, int col, int64_t *out);
void pg_text(const PGresult *r, int row, int col, char *dst, size_t size);
/* A bytea column (hex text) into dst: its byte length, or -1 when it does
 * not fit / is malformed. */
long pg_bytes(const PGresult *r, int row, int col, void *dst, size_t size);

/* The shared column maps (sql/orders.h, sql/requisites.h) over a text
 * result: a reader of one of its rows. */
struct pg_row {
    struct sql_row base;
    const PGresult *r;
    int row;
};
struct pg_row pg_row(const PGresult *r, int row);

/* Each shop of a result of sql/rows.h SQL_SHOP_SELECT, its dialect rows gathered, to fn
 * (valid during the call; false stops); the count passed. */
int pg_read_shops(const PGresult *r, bool (*fn)(void *arg, const struct shop *s), void *arg);
/* Write the shop's dialect rows (insert, or change the order TTL and the
 * callback format of a row there is: credentials never change). */
kassa_err pg_shop_dialects_put(struct pg_conn *c, const struct shop *s);

/* Row reader for sql/orders.h's SQL_ORDER_SELECT. */
void pg_read_order(const PGresult *r, int row, struct order *o);
/* Requisite columns (SQL_REQUISITE_COLUMNS) from column `i` on. */
void pg_read_requisite(const PGresult *r, int row, int i, struct requisite *rq);

/* ---- pg.c: connections ---- */
/* Connect c, or reset its broken session (not inside a transaction): pg_exec_many's first step. */
kassa_err pg_ensure(struct pg_conn *c);
/* The first line of libpq's message for a connection (no newline). */
void pg_conn_message(PGconn *pg, char *dst, size_t size);

/* ---- pg_exec.c: the writer's transactions, their BEGIN and savepoints deferred ---- */
kassa_err pg_begin(struct store_conn *base);
kassa_err pg_commit(struct store_conn *base);
kassa_err pg_rollback(struct store_conn *base);
kassa_err pg_savepoint(struct store_conn *base);
kassa_err pg_savepoint_release(struct store_conn *base);
kassa_err pg_savepoint_rollback(struct store_conn *base);

/* ---- pg_rows.c: merchants, shops, requisites, orders, idempotency records, rates ---- */
kassa_err pg_merchant_insert(struct store_conn *base, struct merchant *m);
kassa_err pg_merchant_get(struct store_conn *base, int64_t id, struct merchant *out);
kassa_err pg_shop_insert(struct store_conn *base, struct shop *s);
kassa_err pg_shop_get(struct store_conn *base, enum shop_key by, const char *key, int64_t id,
                      struct shop *out);
kassa_err pg_shop_get_by_api_key(struct store_conn *base, const char *dialect, const char *api_key,
                                 struct shop *out);
kassa_err pg_requisite_insert(struct store_conn *base, struct requisite *rq);
kassa_err pg_requisite_claim(struct store_conn *base, int64_t requisite_id, int64_t amount,
                             bool *taken);
kassa_err pg_requisite_unclaim(struct store_conn *base, int64_t requisite_id, int64_t amount);
kassa_err pg_requisite_pending(struct store_conn *base, int64_t requisite_id, int64_t *n);
kassa_err pg_requisites_after(struct store_conn *base, const char *type, const char *currency,
                              int64_t after, int limit, store_requisite_fn fn, void *arg, int *n);
kassa_err pg_order_get(struct store_conn *base, enum order_key by, const char *key, int64_t id,
                       struct order *out);
kassa_err pg_orders_by_merchant_order_id(struct store_conn *base, int64_t shop_id, const char *moid,
                                         store_order_fn fn, void *arg);
kassa_err pg_idem_get(struct store_conn *base, int64_t shop_id, const char *key, struct idem *out);
kassa_err pg_idem_put(struct store_conn *base, const struct idem *in);
kassa_err pg_rate_get(struct store_conn *base, const char *from, const char *to, char rate[32]);
kassa_err pg_rate_put(struct store_conn *base, const char *from, const char *to, const char *rate,
                      int64_t now);
kassa_err pg_setting_get(struct store_conn *base, const char *name, char *value, size_t size);
kassa_err pg_setting_put(struct store_conn *base, const char *name, const char *value, int64_t now);

/* ---- pg_create.c: order creates (one, the reads of many, many) ---- */
kassa_err pg_order_insert(struct store_conn *base, struct order *o);
kassa_err pg_order_insert_idem(struct store_conn *base, struct order *o, struct idem *idem);
kassa_err pg_order_create_reads_many(struct store_conn *base, struct order_reads *rd, int n,
                                     struct requisite_list *requisites);
kassa_err pg_ledger_lock(struct store_conn *base);
kassa_err pg_order_insert_many(struct store_conn *base, struct order *const *o,
                               struct idem *const *idem, int n);

/* ---- pg_records.c ---- */
kassa_err pg_nonce_put(struct store_conn *c, int64_t shop_id, const char *nonce,
                       const unsigned char body_hash[32], int64_t now);
kassa_err pg_nonce_prune(struct store_conn *c, int64_t before);
kassa_err pg_shops_by_merchant(struct store_conn *c, int64_t merchant_id,
                               bool (*fn)(void *arg, const struct shop *s), void *arg);
kassa_err pg_withdrawals_list(struct store_conn *c, const struct withdrawal_filter *f,
                              store_withdrawal_fn fn, void *arg);
kassa_err pg_order_events(struct store_conn *c, int64_t order_id, int64_t after_id, bool asc,
                          int limit, store_event_fn fn, void *arg);
kassa_err pg_query_rows(struct store_conn *c, const struct sql_query *q, store_row_fn fn,
                        void *arg);
kassa_err pg_orders_page(struct store_conn *c, int64_t shop_id, int64_t offset, int limit,
                         store_order_fn fn, void *arg);
kassa_err pg_shop_methods(struct store_conn *c, int64_t shop_id,
                          bool (*fn)(void *arg, int method_id, bool enabled), void *arg);
kassa_err pg_shop_method_set(struct store_conn *c, int64_t shop_id, int method_id, bool enabled,
                             int64_t now);
kassa_err pg_receipt_put(struct store_conn *c, int64_t order_id, int position, const char *name,
                         const char *count, int64_t price);
kassa_err pg_receipt_items(struct store_conn *c, int64_t order_id,
                           bool (*fn)(void *arg, const char *name, const char *count,
                                      int64_t price),
                           void *arg);

/* ---- pg_ledger.c, pg_orders.c, pg_withdrawals.c ---- */
kassa_err pg_order_set_status(struct store_conn *c, const struct order *o, enum order_status from);
kassa_err pg_ledger_post(struct store_conn *c, const char *kind, const char *ref_type,
                         int64_t ref_id, int64_t now, const struct posting *p, size_t n);
kassa_err pg_event_insert(struct store_conn *c, int64_t shop_id, int64_t order_id, const char *kind,
                          int status, int64_t now);
kassa_err pg_orders_due(struct store_conn *c, int64_t now, int limit, int64_t *ids, int *n);
kassa_err pg_order_confirm(struct store_conn *c, int64_t order_id, int64_t now);
kassa_err pg_receipt_image_put(struct store_conn *c, int64_t order_id, const char *content_type,
                               const void *data, size_t len, int64_t now);
kassa_err pg_evidence_put(struct store_conn *c, const struct dispute_evidence *e, const void *data,
                          size_t len);
kassa_err pg_evidence_get(struct store_conn *c, int64_t dispute_id, const char *uuid,
                          struct arena *a, char **content_type, void **data, size_t *len);
kassa_err pg_receipt_image_get(struct store_conn *c, int64_t order_id, struct arena *a,
                               char **content_type, void **data, size_t *len);
kassa_err pg_order_stats(struct store_conn *c, int64_t shop_id, int64_t from, int64_t to,
                         const char *requisite_type, const char *country_code, const char *currency,
                         struct order_stats *out);
kassa_err pg_withdrawal_insert(struct store_conn *c, struct withdrawal *w);
kassa_err pg_withdrawal_get(struct store_conn *c, int64_t shop_id, int64_t id,
                            const char *payment_id, struct withdrawal *out);
kassa_err pg_withdrawal_set_status(struct store_conn *c, const struct withdrawal *w, int from);
kassa_err pg_withdrawals_page(struct store_conn *c, int64_t shop_id, int offset, int limit,
                              store_withdrawal_fn fn, void *arg);
kassa_err pg_balances(struct store_conn *c, int64_t shop_id, store_balance_fn fn, void *arg);
kassa_err pg_ledger_verify(struct store_conn *c, store_problem_fn problem, void *arg,
                           int64_t *accounts, int64_t *transactions);
kassa_err pg_idem_purge(struct store_conn *c, int64_t before, int limit, int *purged);

/* ---- pg_callback.c ---- */
kassa_err pg_events_unplanned(struct store_conn *c, int limit,
                              bool (*fn)(void *arg, const struct event *e), void *arg);
kassa_err pg_event_planned(struct store_conn *c, int64_t event_id, int planned);
kassa_err pg_callback_insert(struct store_conn *c, struct callback *cb);
kassa_err pg_callbacks_claim(struct store_conn *c, int64_t now, const char *owner,
                             int64_t lease_until, int limit,
                             bool (*fn)(void *arg, const struct callback *cb), void *arg);
kassa_err pg_callback_record(struct store_conn *c, const struct callback *cb,
                             struct callback_attempt *a);
kassa_err pg_callback_unlease(struct store_conn *c, int64_t id, const char *owner,
                              int64_t claim_seq);
kassa_err pg_callback_resend(struct store_conn *c, int64_t id, int64_t now);
kassa_err pg_callback_get(struct store_conn *c, int64_t id, struct callback *out);
kassa_err pg_callbacks_by_order(struct store_conn *c, int64_t order_id,
                                bool (*fn)(void *arg, const struct callback *cb), void *arg);
kassa_err pg_callback_attempts(struct store_conn *c, int64_t callback_id,
                               bool (*fn)(void *arg, const struct callback_attempt *a), void *arg);
kassa_err pg_callback_stats(struct store_conn *c, struct callback_stats *out);

/* ---- pg_shop_settings.c ---- */
kassa_err pg_shop_fee_get(struct store_conn *c, int64_t shop_id, const char *currency,
                          int64_t *fixed);
kassa_err pg_shop_fee_set(struct store_conn *c, int64_t shop_id, const char *currency,
                          int64_t fixed);
kassa_err pg_shop_fees(struct store_conn *c, int64_t shop_id,
                       bool (*fn)(void *arg, const char *currency, int64_t fixed), void *arg);
kassa_err pg_shop_set_fee_percent(struct store_conn *c, int64_t shop_id, const char *percent);
kassa_err pg_shop_update(struct store_conn *c, const struct shop *s);
kassa_err pg_order_set_method(struct store_conn *c, int64_t order_id, int payment_system,
                              const char *requisite_type, int64_t requisite_id, int64_t now);

/* store_check for a PostgreSQL URL: connect once, as the store would. */
kassa_err pg_check(const char *url, char *err, size_t errlen);

#endif
