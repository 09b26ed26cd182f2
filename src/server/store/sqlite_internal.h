/* sqlite_internal.h: what the SQLite backend's files share.
 *
 * The backend is split by concern (sqlite.c: connections, transactions;
 * sqlite_rows.c: merchants, shops, requisites, orders, rates;
 * sqlite_records.c; sqlite_ledger.c; sqlite_orders.c;
 * sqlite_withdrawals.c; sqlite_shop_settings.c; ...). Each file owns a
 * range of statement slots in every connection's cache, prepares its SQL
 * lazily with sqlite_stmt(), and its functions are listed in
 * store_sqlite_ops (sqlite.c). */
#ifndef KASSA_SQLITE_INTERNAL_H
#define KASSA_SQLITE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include <sqlite3.h>

#include "sql/row.h"
#include "store.h"

/* Statement slot ranges, one per file. */
enum {
    SLOTS_CORE = 0,
    SLOTS_ROWS = 16,
    SLOTS_RECORDS = 64,
    SLOTS_LEDGER = 96,
    SLOTS_ORDERS = 112,
    SLOTS_WITHDRAWALS = 128,
    SLOTS_SHOP_SETTINGS = 144,
    SLOTS_CALLBACK = 160,
    SLOTS_IDEM = 224,
    SQLITE_STMT_SLOTS = 232,
};

/* The VFS kassa opens its databases with (sqlite_vfs.c): the default one,
 * with a WAL file's writes gathered into one write per commit. Its name,
 * registered on the first call; NULL when it could not be (then the
 * default VFS serves). */
#define SQLITE_VFS_NAME "kassa"
const char *sqlite_vfs(void);

struct sqlite_idem;
struct sqlite_reqs;
struct sqlite_memo;

/* The WAL-index header (the first copy in the -shm file): SQLite's own test
 * of whether anything was committed since a snapshot was taken. */
#define SQLITE_WAL_HDR 48

/* Statements built at run time (query_rows: the lists, the audit log's
 * snapshots and lines), kept by their text: the same filters, the same
 * statement, prepared once per connection. */
#define SQLITE_RUNTIME_STMTS 32
struct sqlite_runtime_stmt {
    uint64_t hash; /* of sql; 0: the slot is free */
    char *sql;     /* as given ($N placeholders) */
    sqlite3_stmt *st;
};

struct sqlite_conn {
    struct store_conn base;
    sqlite3 *db;
    sqlite3_stmt *stmt[SQLITE_STMT_SLOTS];
    struct sqlite_runtime_stmt runtime[SQLITE_RUNTIME_STMTS];
    unsigned runtime_next;           /* the slot the next new one takes (round robin) */
    struct sqlite_conn *next_reader; /* all readers, for close */
    struct sqlite_idem *idem;        /* the store's idempotency index */
    bool writer;                     /* the one writer connection */
    struct sqlite_reqs *reqs;        /* requisites read in this transaction (sqlite_rows.c) */
    /* The writer's memo (sqlite_rows.c "the writer's memo"): what it read of
     * requisites, rates and fees in the current transaction. */
    struct sqlite_memo *memo;
    uint64_t memo_gen; /* entries of another generation are void (never wraps) */
    /* Readers (sqlite.c, "read transactions kept"): */
    pthread_mutex_t use;                  /* held from store_reader to store_release */
    int depth;                            /* nested store_reader calls of the owner */
    bool in_tx;                           /* a read transaction is open */
    bool hdr_valid;                       /* tx_hdr was read before it began */
    unsigned begins;                      /* read transactions begun (tests) */
    unsigned char tx_hdr[SQLITE_WAL_HDR]; /* the WAL-index header then */
    const volatile unsigned char *shm;    /* the WAL-index's first region */
};

/* The statement in `slot`, prepared from `sql` on first use and cached for
 * the connection's life; NULL on a prepare error (logged). Reset it with
 * sqlite_stmt_done after use. */
sqlite3_stmt *sqlite_stmt(struct sqlite_conn *c, int slot, const char *sql);
/* A statement built at run time (a list's), prepared for one use: the
 * caller finalizes it. NULL on failure (logged). */
sqlite3_stmt *sqlite_stmt_once(struct sqlite_conn *c, const char *sql);

void sqlite_stmt_done(sqlite3_stmt *st);

/* A statement built at run time, from the connection's cache of them
 * (prepared on first use; the oldest gives way): reset it with
 * sqlite_stmt_done after use, never finalize it. When that text's
 * statement is in use already (a nested call), a one-use statement the
 * caller must finalize: *once is set then. NULL on failure (logged). */
sqlite3_stmt *sqlite_stmt_runtime(struct sqlite_conn *c, const char *sql, bool *once);

/* Step a statement that returns no rows (or ignore its row), then reset it.
 * KASSA_EEXIST on a constraint violation, KASSA_EIO otherwise (logged). */
kassa_err sqlite_run(struct sqlite_conn *c, sqlite3_stmt *st);

/* The kassa_err for a failed sqlite3_step result (logged unless a constraint). */
kassa_err sqlite_step_error(struct sqlite_conn *c, int rc);

/* ---- idempotency keys (sqlite_idem.c) ---- */

/* Build the in-memory index over the idempotency table, on the writer
 * connection at open (after the migrations). NULL with err set on failure. */
struct sqlite_idem *sqlite_idem_open(struct sqlite_conn *writer, char *err, size_t errlen);
void sqlite_idem_close(struct sqlite_idem *x);
size_t sqlite_idem_count(const struct sqlite_idem *x);
/* The entries of a SQLite store's index (tests: it must match the table). */
size_t sqlite_idem_entries(struct store *s);

/* What the writer's transaction did, so the index follows: entries added
 * since BEGIN go again on ROLLBACK, those since the command's SAVEPOINT on
 * ROLLBACK TO; a successful COMMIT keeps them. */
enum sqlite_idem_tx {
    IDEM_TX_BEGIN,
    IDEM_TX_SAVEPOINT,
    IDEM_TX_ROLLBACK_TO,
    IDEM_TX_COMMITTED,
    IDEM_TX_ROLLBACK,
};
void sqlite_idem_tx(struct sqlite_idem *x, enum sqlite_idem_tx ev);

kassa_err sqlite_idem_get(struct store_conn *c, int64_t shop_id, const char *key, struct idem *out);
kassa_err sqlite_idem_put(struct store_conn *c, const struct idem *in);
kassa_err sqlite_idem_purge(struct store_conn *c, int64_t before, int limit, int *purged);

/* Bind a C string (NULL as ""), kept by the caller until the step. */
void sqlite_bind_text(sqlite3_stmt *st, int i, const char *s);

/* Copy a text column into dst (truncated to size - 1, always terminated). */
void sqlite_col_text(sqlite3_stmt *st, int i, char *dst, size_t size);

/* The shared column maps (sql/orders.h, sql/requisites.h) over SQLite: a
 * reader of st's current row, and a sink binding columns as parameters
 * from number `first` on (text kept by the caller until the step). */
struct sqlite_row {
    struct sql_row base;
    sqlite3_stmt *st;
};
struct sqlite_row sqlite_row(sqlite3_stmt *st);
struct sqlite_sink {
    struct sql_sink base;
    sqlite3_stmt *st;
    int at;
};
struct sqlite_sink sqlite_sink(sqlite3_stmt *st, int first);

/* Step a statement of sql/rows.h SQL_SHOP_SELECT ... SQL_SHOP_ORDER and
 * pass each shop, its dialect rows
 * gathered, to fn (valid during the call; false stops); the statement is
 * reset. *n (may be NULL) counts the shops passed. */
kassa_err sqlite_read_shops(struct sqlite_conn *c, sqlite3_stmt *st,
                            bool (*fn)(void *arg, const struct shop *s), void *arg, int *n);
/* Write the shop's dialect rows (insert, or change the order TTL and the
 * callback format of a row there is: credentials never change). */
kassa_err sqlite_shop_dialects_put(struct sqlite_conn *c, const struct shop *s);

/* Row reader for sql/orders.h's SQL_ORDER_SELECT (sqlite_rows.c), for
 * other files that select the same columns. */
void sqlite_read_order(sqlite3_stmt *st, struct order *o);

/* ---- sqlite_rows.c: merchants, shops, requisites, orders, rates ---- */
kassa_err sqlite_merchant_insert(struct store_conn *base, struct merchant *m);
kassa_err sqlite_merchant_get(struct store_conn *base, int64_t id, struct merchant *out);
kassa_err sqlite_shop_insert(struct store_conn *base, struct shop *s);
kassa_err sqlite_shop_get(struct store_conn *base, enum shop_key by, const char *key, int64_t id,
                          struct shop *out);
kassa_err sqlite_shop_get_by_api_key(struct store_conn *base, const char *dialect,
                                     const char *api_key, struct shop *out);
kassa_err sqlite_requisite_insert(struct store_conn *base, struct requisite *r);
kassa_err sqlite_requisite_claim(struct store_conn *base, int64_t requisite_id, int64_t amount,
                                 bool *taken);
kassa_err sqlite_requisite_unclaim(struct store_conn *base, int64_t requisite_id, int64_t amount);
kassa_err sqlite_requisite_pending(struct store_conn *base, int64_t requisite_id, int64_t *n);
kassa_err sqlite_requisites_after(struct store_conn *base, const char *type, const char *currency,
                                  int64_t after, int limit, store_requisite_fn fn, void *arg,
                                  int *n);
kassa_err sqlite_order_insert(struct store_conn *base, struct order *o);
kassa_err sqlite_order_get(struct store_conn *base, enum order_key by, const char *key, int64_t id,
                           struct order *out);
kassa_err sqlite_orders_by_merchant_order_id(struct store_conn *base, int64_t shop_id,
                                             const char *moid, store_order_fn fn, void *arg);
kassa_err sqlite_rate_get(struct store_conn *base, const char *from, const char *to, char rate[32]);
kassa_err sqlite_rate_put(struct store_conn *base, const char *from, const char *to,
                          const char *rate, int64_t now);
kassa_err sqlite_setting_get(struct store_conn *base, const char *name, char *value, size_t size);
kassa_err sqlite_setting_put(struct store_conn *base, const char *name, const char *value,
                             int64_t now);
/* The fixed fees (sqlite_shop_settings.c) through the writer's memo:
 * store_sqlite_ops' shop_fee_get/set. */
kassa_err sqlite_memo_fee_get(struct store_conn *base, int64_t shop_id, const char *currency,
                              int64_t *fixed);
kassa_err sqlite_memo_fee_set(struct store_conn *base, int64_t shop_id, const char *currency,
                              int64_t fixed);
/* Void the writer's memo: sqlite.c's BEGIN, ROLLBACK and ROLLBACK TO do. */
void sqlite_memo_forget(struct sqlite_conn *c);
/* Free a connection's memo of requisites (sqlite.c's conn_close). */
void sqlite_reqs_free(struct sqlite_reqs *r);

/* ---- sqlite_records.c: nonces, method switches, receipt items, listings ---- */
kassa_err sqlite_nonce_put(struct store_conn *c, int64_t shop_id, const char *nonce,
                           const unsigned char body_hash[32], int64_t now);
kassa_err sqlite_nonce_prune(struct store_conn *c, int64_t before);
kassa_err sqlite_shops_by_merchant(struct store_conn *c, int64_t merchant_id,
                                   bool (*fn)(void *arg, const struct shop *s), void *arg);
kassa_err sqlite_withdrawals_list(struct store_conn *c, const struct withdrawal_filter *f,
                                  store_withdrawal_fn fn, void *arg);
kassa_err sqlite_order_events(struct store_conn *c, int64_t order_id, int64_t after_id, bool asc,
                              int limit, store_event_fn fn, void *arg);
kassa_err sqlite_query_rows(struct store_conn *c, const struct sql_query *q, store_row_fn fn,
                            void *arg);
kassa_err sqlite_orders_page(struct store_conn *c, int64_t shop_id, int64_t offset, int limit,
                             store_order_fn fn, void *arg);
kassa_err sqlite_shop_methods(struct store_conn *c, int64_t shop_id,
                              bool (*fn)(void *arg, int method_id, bool enabled), void *arg);
kassa_err sqlite_shop_method_set(struct store_conn *c, int64_t shop_id, int method_id, bool enabled,
                                 int64_t now);
kassa_err sqlite_receipt_put(struct store_conn *c, int64_t order_id, int position, const char *name,
                             const char *count, int64_t price);
kassa_err sqlite_receipt_items(struct store_conn *c, int64_t order_id,
                               bool (*fn)(void *arg, const char *name, const char *count,
                                          int64_t price),
                               void *arg);

/* sqlite_ledger.c, sqlite_orders.c, sqlite_withdrawals.c: the money and
 * an order's life after its create. */
kassa_err sqlite_order_set_status(struct store_conn *base, const struct order *o,
                                  enum order_status from);
kassa_err sqlite_ledger_post(struct store_conn *base, const char *kind, const char *ref_type,
                             int64_t ref_id, int64_t now, const struct posting *p, size_t n);
kassa_err sqlite_event_insert(struct store_conn *base, int64_t shop_id, int64_t order_id,
                              const char *kind, int status, int64_t now);
kassa_err sqlite_orders_due(struct store_conn *base, int64_t now, int limit, int64_t *ids, int *n);
kassa_err sqlite_order_confirm(struct store_conn *base, int64_t order_id, int64_t now);
kassa_err sqlite_receipt_image_put(struct store_conn *base, int64_t order_id,
                                   const char *content_type, const void *data, size_t len,
                                   int64_t now);
kassa_err sqlite_evidence_put(struct store_conn *base, const struct dispute_evidence *e,
                              const void *data, size_t len);
kassa_err sqlite_evidence_get(struct store_conn *base, int64_t dispute_id, const char *uuid,
                              struct arena *a, char **content_type, void **data, size_t *len);
kassa_err sqlite_receipt_image_get(struct store_conn *base, int64_t order_id, struct arena *a,
                                   char **content_type, void **data, size_t *len);
kassa_err sqlite_order_stats(struct store_conn *base, int64_t shop_id, int64_t from, int64_t to,
                             const char *requisite_type, const char *country_code,
                             const char *currency, struct order_stats *out);
kassa_err sqlite_withdrawal_insert(struct store_conn *base, struct withdrawal *w);
kassa_err sqlite_withdrawal_get(struct store_conn *base, int64_t shop_id, int64_t id,
                                const char *payment_id, struct withdrawal *out);
kassa_err sqlite_withdrawal_set_status(struct store_conn *base, const struct withdrawal *w,
                                       int from);
kassa_err sqlite_withdrawals_page(struct store_conn *base, int64_t shop_id, int offset, int limit,
                                  store_withdrawal_fn fn, void *arg);
kassa_err sqlite_balances(struct store_conn *base, int64_t shop_id, store_balance_fn fn, void *arg);
kassa_err sqlite_ledger_verify(struct store_conn *base, store_problem_fn problem, void *arg,
                               int64_t *accounts, int64_t *transactions);

/* ---- sqlite_callback.c: callback delivery (store.h "callbacks") ---- */
kassa_err sqlite_events_unplanned(struct store_conn *base, int limit,
                                  bool (*fn)(void *arg, const struct event *e), void *arg);
kassa_err sqlite_event_planned(struct store_conn *base, int64_t event_id, int planned);
kassa_err sqlite_callback_insert(struct store_conn *base, struct callback *cb);
kassa_err sqlite_callbacks_claim(struct store_conn *base, int64_t now, const char *owner,
                                 int64_t lease_until, int limit,
                                 bool (*fn)(void *arg, const struct callback *cb), void *arg);
kassa_err sqlite_callback_record(struct store_conn *base, const struct callback *cb,
                                 struct callback_attempt *a);
kassa_err sqlite_callback_unlease(struct store_conn *base, int64_t id, const char *owner,
                                  int64_t claim_seq);
kassa_err sqlite_callback_resend(struct store_conn *base, int64_t id, int64_t now);
kassa_err sqlite_callback_get(struct store_conn *base, int64_t id, struct callback *out);
kassa_err sqlite_callbacks_by_order(struct store_conn *base, int64_t order_id,
                                    bool (*fn)(void *arg, const struct callback *cb), void *arg);
kassa_err sqlite_callback_attempts(struct store_conn *base, int64_t callback_id,
                                   bool (*fn)(void *arg, const struct callback_attempt *a),
                                   void *arg);
kassa_err sqlite_callback_stats(struct store_conn *base, struct callback_stats *out);

/* sqlite_shop_settings.c */
kassa_err sqlite_shop_fee_get(struct store_conn *c, int64_t shop_id, const char *currency,
                              int64_t *fixed);
kassa_err sqlite_shop_fee_set(struct store_conn *c, int64_t shop_id, const char *currency,
                              int64_t fixed);
kassa_err sqlite_shop_fees(struct store_conn *c, int64_t shop_id,
                           bool (*fn)(void *arg, const char *currency, int64_t fixed), void *arg);
kassa_err sqlite_shop_set_fee_percent(struct store_conn *c, int64_t shop_id, const char *percent);
kassa_err sqlite_shop_update(struct store_conn *c, const struct shop *s);
kassa_err sqlite_order_set_method(struct store_conn *c, int64_t order_id, int payment_system,
                                  const char *requisite_type, int64_t requisite_id, int64_t now);

/* store_ops.backup for the database at db_path (sqlite_backup.c). */
kassa_err sqlite_backup_file(const char *db_path, struct store_backup *b, char *err, size_t errlen);
/* Remove the copies of backups a kassad that died left beside db_path
 * (call with the database locked: no backup of this process runs). */
void sqlite_backup_sweep(const char *db_path);

#endif
