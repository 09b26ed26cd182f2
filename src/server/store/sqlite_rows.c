/* sqlite_rows.c: the rows of the SQLite backend: merchants, shops,
 * requisites, orders and exchange rates, with the writer's memo of what an
 * order create reads. Statements in slots
 * SLOTS_ROWS.. (sqlite_internal.h); the connections and transactions are
 * sqlite.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "sql/orders.h"
#include "sql/requisites.h"
#include "sql/rows.h"
#include "sqlite_internal.h"

/* The statements of the rows, prepared lazily per connection (slots
 * SLOTS_ROWS..). */
#define SQLITE_STMTS(XX)                                                                           \
    XX(MERCHANT_INSERT, SQL_MERCHANT_INSERT)                                                       \
    XX(MERCHANT_GET, SQL_MERCHANT_GET)                                                             \
    XX(SHOP_INSERT, SQL_SHOP_INSERT)                                                               \
    XX(SHOP_DIALECT_PUT, SQL_SHOP_DIALECT_PUT)                                                     \
    XX(SHOP_BY_ID, SQL_SHOP_BY_ID)                                                                 \
    XX(SHOP_BY_PUBLIC_KEY, SQL_SHOP_BY_PUBLIC_KEY)                                                 \
    XX(SHOP_BY_API_KEY, SQL_SHOP_BY_API_KEY)                                                       \
    XX(REQUISITE_INSERT, SQL_REQUISITE_INSERT)                                                     \
    XX(REQUISITES_AFTER, SQL_REQUISITES_AFTER)                                                     \
    XX(REQUISITE_AMOUNT_PENDING, SQL_REQUISITE_AMOUNT_PENDING)                                     \
    XX(REQUISITE_PENDING_ORDERS, SQL_REQUISITE_PENDING_ORDERS)                                     \
    XX(ORDER_INSERT, SQL_ORDER_INSERT)                                                             \
    XX(ORDER_BY_ID, SQL_ORDER_BY_ID)                                                               \
    XX(ORDER_BY_UUID, SQL_ORDER_BY_UUID)                                                           \
    XX(ORDER_BY_UUID_CALLBACK, SQL_ORDER_BY_UUID_CALLBACK)                                         \
    XX(ORDERS_BY_MERCHANT_ORDER_ID, SQL_ORDERS_BY_MERCHANT_ORDER_ID)                               \
    XX(RATE_GET, SQL_RATE_GET)                                                                     \
    XX(RATE_PUT, SQL_RATE_PUT)                                                                     \
    XX(SETTING_GET, SQL_SETTING_GET)                                                               \
    XX(SETTING_PUT, SQL_SETTING_PUT)

enum sqlite_stmt {
#define XX(name, sql) STMT_##name,
    SQLITE_STMTS(XX)
#undef XX
        STMT_COUNT_
};

static const char *const stmt_sql[] = {
#define XX(name, sql) sql,
    SQLITE_STMTS(XX)
#undef XX
};

_Static_assert((int)STMT_COUNT_ <= (int)SLOTS_RECORDS - (int)SLOTS_ROWS,
               "row statements overflow their slots");

/* The cached row statement `id`. */
static sqlite3_stmt *stmt(struct sqlite_conn *c, enum sqlite_stmt id)
{
    return sqlite_stmt(c, SLOTS_ROWS + (int)id, stmt_sql[id]);
}

/* ---- the writer's memo ------------------------------------------------- */

/* An order create reads the shop's fixed fee, the rate and the next
 * requisite, and a batch of creates reads the same rows again and again
 * (a fifth of the writer's time on creates). The writer keeps what it read
 * for the rest of its transaction: every entry carries the generation it
 * was read in, and the generation moves on at every BEGIN (another process
 * may have written since), at every ROLLBACK and ROLLBACK TO (what was read
 * after a write being undone), and at every write to the tables read here
 * (requisite insert, rate put, fee set: the only statements that change
 * them). Within one transaction nothing else can change them: SQLite has
 * one writer, and this transaction's snapshot is fixed once it reads.
 * Only the writer connection, and only inside a transaction, memoises. */
#define MEMO_ENTRIES 16

enum memo_kind { MEMO_FEE = 1, MEMO_RATE };

struct memo_entry {
    uint64_t gen;
    enum memo_kind kind;
    int64_t shop_id;   /* MEMO_FEE */
    char a[16], b[16]; /* MEMO_FEE: the currency; MEMO_RATE: from, to */
    kassa_err err;     /* KASSA_OK or KASSA_ENOTFOUND */
    int64_t fixed;     /* MEMO_FEE */
    char rate[32];     /* MEMO_RATE */
};

struct sqlite_memo {
    struct memo_entry e[MEMO_ENTRIES];
    unsigned used; /* entries written so far (then reused oldest first) */
};

static bool memo_on(struct sqlite_conn *c)
{
    /* memo_gen is 0 until the first BEGIN through sqlite_begin */
    return c->writer && c->memo_gen != 0 && !sqlite3_get_autocommit(c->db);
}

/* Void every entry (and every list of requisites, see "requisites"). */
void sqlite_memo_forget(struct sqlite_conn *c)
{
    c->memo_gen++; /* from 1: 0 marks an entry never filled */
}

static bool memo_fits(const char *s, size_t size)
{
    return strnlen(s, size) < size;
}

static struct memo_entry *memo_find(struct sqlite_conn *c, enum memo_kind kind, int64_t shop_id,
                                    const char *a, const char *b)
{
    if (c->memo == NULL)
        return NULL;
    for (unsigned i = 0; i < MEMO_ENTRIES; i++) {
        struct memo_entry *e = &c->memo->e[i];
        if (e->gen == c->memo_gen && e->kind == kind && e->shop_id == shop_id &&
            strcmp(e->a, a) == 0 && strcmp(e->b, b) == 0)
            return e;
    }
    return NULL;
}

/* A new entry for the key (NULL when the key does not fit or memory is
 * short: then nothing is memoised). */
static struct memo_entry *memo_new(struct sqlite_conn *c, enum memo_kind kind, int64_t shop_id,
                                   const char *a, const char *b)
{
    if (!memo_fits(a, sizeof c->memo->e[0].a) || !memo_fits(b, sizeof c->memo->e[0].b))
        return NULL;
    if (c->memo == NULL && (c->memo = calloc(1, sizeof *c->memo)) == NULL)
        return NULL;
    struct memo_entry *e = &c->memo->e[c->memo->used++ % MEMO_ENTRIES];
    e->gen = c->memo_gen;
    e->kind = kind;
    e->shop_id = shop_id;
    memcpy(e->a, a, strlen(a) + 1); /* memo_fits: both fit */
    memcpy(e->b, b, strlen(b) + 1);
    return e;
}

/* ---- data --------------------------------------------------------------- */

kassa_err sqlite_merchant_insert(struct store_conn *base, struct merchant *m)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_MERCHANT_INSERT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite_bind_text(st, 1, m->name);
    sqlite3_bind_int64(st, 2, m->created_at);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK)
        m->id = sqlite3_last_insert_rowid(c->db);
    return err;
}

kassa_err sqlite_merchant_get(struct store_conn *base, int64_t id, struct merchant *out)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_MERCHANT_GET);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_OK;
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        sqlite_col_text(st, 1, out->name, sizeof out->name);
        out->created_at = sqlite3_column_int64(st, 2);
    } else {
        err = rc == SQLITE_DONE ? KASSA_ENOTFOUND : sqlite_step_error(c, rc);
    }
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_shop_dialects_put(struct sqlite_conn *c, const struct shop *s)
{
    kassa_err err = KASSA_OK;
    for (int i = 0; i < s->n_dialects && err == KASSA_OK; i++) {
        const struct shop_dialect *d = &s->dialects[i];
        sqlite3_stmt *st = stmt(c, STMT_SHOP_DIALECT_PUT);
        if (st == NULL)
            return KASSA_EIO;
        sqlite3_bind_int64(st, 1, s->id);
        sqlite_bind_text(st, 2, d->dialect);
        sqlite_bind_text(st, 3, d->api_key);
        sqlite_bind_text(st, 4, d->secret);
        sqlite3_bind_int(st, 5, d->order_ttl);
        sqlite_bind_text(st, 6, d->callback_format);
        sqlite3_bind_int(st, 7, d->strict_signing ? 1 : 0);
        err = sqlite_run(c, st);
    }
    return err;
}

kassa_err sqlite_shop_insert(struct store_conn *base, struct shop *s)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_SHOP_INSERT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, s->merchant_id);
    sqlite_bind_text(st, 2, s->public_key);
    sqlite_bind_text(st, 3, s->name);
    sqlite_bind_text(st, 4, s->url);
    sqlite_bind_text(st, 5, s->callback_url);
    sqlite_bind_text(st, 6, s->fee_percent);
    sqlite3_bind_int(st, 7, s->active);
    sqlite3_bind_int64(st, 8, s->created_at);
    sqlite_bind_text(st, 9, s->form_hosts);
    sqlite3_bind_int(st, 10, s->test_mode ? 1 : 0);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK) {
        s->id = sqlite3_last_insert_rowid(c->db);
        err = sqlite_shop_dialects_put(c, s);
    }
    return err;
}

/* The shop columns of an SQL_SHOP_SELECT row into s (its dialect rows emptied). */
static void read_shop_columns(sqlite3_stmt *st, struct shop *s)
{
    memset(s, 0, sizeof *s);
    s->id = sqlite3_column_int64(st, 0);
    s->merchant_id = sqlite3_column_int64(st, 1);
    sqlite_col_text(st, 2, s->public_key, sizeof s->public_key);
    sqlite_col_text(st, 3, s->name, sizeof s->name);
    sqlite_col_text(st, 4, s->url, sizeof s->url);
    sqlite_col_text(st, 5, s->callback_url, sizeof s->callback_url);
    sqlite_col_text(st, 6, s->fee_percent, sizeof s->fee_percent);
    s->active = sqlite3_column_int(st, 7);
    s->created_at = sqlite3_column_int64(st, 8);
    sqlite_col_text(st, 14, s->form_hosts, sizeof s->form_hosts);
    s->rate_limit = sqlite3_column_int(st, 19);
    s->rate_burst = sqlite3_column_int(st, 20);
    s->amount_adjust_max = sqlite3_column_int(st, 21);
    s->dispute_ttl = sqlite3_column_int(st, 22);
    s->dispute_callbacks = sqlite3_column_int(st, 23) != 0;
    s->dispute_auto_success = sqlite3_column_int(st, 24) != 0;
    s->test_mode = sqlite3_column_int(st, 25) != 0;
    sqlite_col_text(st, 26, s->logo_url, sizeof s->logo_url);
    sqlite_col_text(st, 27, s->brand_color, sizeof s->brand_color);
}

/* The dialect columns of an SQL_SHOP_SELECT row, as one more row of s (none
 * when the shop has no row: the LEFT JOIN's NULLs). */
static void read_shop_dialect(sqlite3_stmt *st, struct shop *s)
{
    const char *name = (const char *)sqlite3_column_text(st, 9);
    struct shop_dialect *d = name != NULL ? shop_dialect_add(s, name) : NULL;
    if (d == NULL)
        return;
    sqlite_col_text(st, 10, d->api_key, sizeof d->api_key);
    sqlite_col_text(st, 11, d->secret, sizeof d->secret);
    d->order_ttl = sqlite3_column_int(st, 12);
    sqlite_col_text(st, 13, d->callback_format, sizeof d->callback_format);
    d->strict_signing = sqlite3_column_int(st, 15) != 0;
    sqlite_col_text(st, 16, d->old_api_key, sizeof d->old_api_key);
    sqlite_col_text(st, 17, d->old_secret, sizeof d->old_secret);
    d->old_valid_until = sqlite3_column_int64(st, 18);
}

kassa_err sqlite_read_shops(struct sqlite_conn *c, sqlite3_stmt *st,
                            bool (*fn)(void *arg, const struct shop *s), void *arg, int *n)
{
    struct shop *s = malloc(sizeof *s);
    kassa_err err = KASSA_OK;
    bool have = false, more = true;
    int count = 0;
    if (s == NULL) {
        sqlite_stmt_done(st);
        return KASSA_ENOMEM;
    }
    int rc;
    while (more && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (have && sqlite3_column_int64(st, 0) != s->id) {
            count++;
            more = fn(arg, s);
            have = false;
        }
        if (more && !have) {
            read_shop_columns(st, s);
            have = true;
        }
        if (more)
            read_shop_dialect(st, s);
    }
    if (more && rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = sqlite_step_error(c, rc);
    else if (more && have) {
        count++;
        fn(arg, s);
    }
    sqlite_stmt_done(st);
    free(s);
    if (n != NULL)
        *n = count;
    return err;
}

/* A visitor keeping the first shop. */
static bool first_shop(void *arg, const struct shop *s)
{
    *(struct shop *)arg = *s;
    return false;
}

/* The one shop `st` (bound) selects into out. */
static kassa_err one_shop(struct sqlite_conn *c, sqlite3_stmt *st, struct shop *out)
{
    int n = 0;
    kassa_err err = sqlite_read_shops(c, st, first_shop, out, &n);
    return err == KASSA_OK && n == 0 ? KASSA_ENOTFOUND : err;
}

kassa_err sqlite_shop_get(struct store_conn *base, enum shop_key by, const char *key, int64_t id,
                          struct shop *out)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, by == SHOP_BY_ID ? STMT_SHOP_BY_ID : STMT_SHOP_BY_PUBLIC_KEY);
    if (st == NULL)
        return KASSA_EIO;
    if (by == SHOP_BY_ID)
        sqlite3_bind_int64(st, 1, id);
    else
        sqlite_bind_text(st, 1, key);
    return one_shop(c, st, out);
}

kassa_err sqlite_shop_get_by_api_key(struct store_conn *base, const char *dialect,
                                     const char *api_key, struct shop *out)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_SHOP_BY_API_KEY);
    if (st == NULL)
        return KASSA_EIO;
    sqlite_bind_text(st, 1, dialect);
    sqlite_bind_text(st, 2, api_key);
    return one_shop(c, st, out);
}

kassa_err sqlite_requisite_insert(struct store_conn *base, struct requisite *r)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_REQUISITE_INSERT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite_bind_text(st, 1, r->type);
    sqlite_bind_text(st, 2, r->value);
    sqlite_bind_text(st, 3, r->owner_full_name);
    sqlite_bind_text(st, 4, r->bank_code);
    sqlite_bind_text(st, 5, r->bank_name_ru);
    sqlite_bind_text(st, 6, r->bank_name_en);
    sqlite_bind_text(st, 7, r->currency);
    sqlite_bind_text(st, 8, r->country_code);
    sqlite3_bind_int(st, 9, r->active);
    sqlite3_bind_int64(st, 10, r->created_at);
    sqlite3_bind_int64(st, 11, r->trader_id);
    const int64_t limits[] = {r->min_amount,  r->max_amount,  r->daily_amount,
                              r->daily_count, r->max_pending, r->paused};
    for (int i = 0; i < 6; i++)
        sqlite3_bind_int64(st, 12 + i, limits[i]);
    sqlite_bind_text(st, 18, r->bic);
    sqlite_bind_text(st, 19, r->corr_account);
    sqlite_memo_forget(c);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK)
        r->id = sqlite3_last_insert_rowid(c->db);
    return err;
}

/* The requisites an order create reads, through the memo: the writer reads
 * every active requisite of a type and currency once per memo generation
 * (when they are at most REQS_ROWS; more are read from the table each
 * time) and serves requisites_after from that list, so a batch of creates
 * costs one statement for its requisites, not one per order. The same rows
 * in the same order as the statement would give. */
#define REQS_LISTS 8
#define REQS_ROWS 64

struct reqs_list {
    uint64_t gen; /* the memo generation it was read in; 0: none */
    char type[SHORT_SIZE], currency[16];
    int n;
    struct requisite *rows; /* REQS_ROWS, allocated on first use */
};

struct sqlite_reqs {
    struct reqs_list l[REQS_LISTS];
    unsigned used; /* lists filled so far (then reused oldest first) */
};

void sqlite_reqs_free(struct sqlite_reqs *r)
{
    if (r == NULL)
        return;
    for (unsigned i = 0; i < REQS_LISTS; i++)
        free(r->l[i].rows);
    free(r);
}

/* Read up to `limit` rows of REQUISITES_AFTER into fn. */
static kassa_err reqs_read(struct sqlite_conn *c, const char *type, const char *currency,
                           int64_t after, int limit, store_requisite_fn fn, void *arg, int *n)
{
    *n = 0;
    sqlite3_stmt *st = stmt(c, STMT_REQUISITES_AFTER);
    if (st == NULL)
        return KASSA_EIO;
    sqlite_bind_text(st, 1, type);
    sqlite_bind_text(st, 2, currency);
    sqlite3_bind_int64(st, 3, after);
    sqlite3_bind_int(st, 4, limit);
    struct requisite r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct sqlite_row row = sqlite_row(st);
        sql_read_requisite(&row.base, 0, &r);
        (*n)++;
        if (!fn(arg, &r))
            break;
    }
    kassa_err err = rc == SQLITE_ROW || rc == SQLITE_DONE ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

static bool reqs_keep(void *arg, const struct requisite *r)
{
    struct reqs_list *l = arg;
    l->rows[l->n++] = *r;
    return l->n < REQS_ROWS + 1; /* one more than fits: the list is not whole */
}

/* The memo's whole list of type and currency: NULL when the memo is off,
 * they do not fit, or memory is short (then the table serves). */
static struct reqs_list *reqs_list(struct sqlite_conn *c, const char *type, const char *currency,
                                   kassa_err *err)
{
    *err = KASSA_OK;
    if (!memo_on(c) || !memo_fits(type, SHORT_SIZE) || !memo_fits(currency, 16))
        return NULL;
    if (c->reqs == NULL && (c->reqs = calloc(1, sizeof *c->reqs)) == NULL)
        return NULL;
    /* The list of this type and currency, current or stale (read again in
     * its own slot); else the next slot in turn. */
    struct reqs_list *l = NULL;
    for (unsigned i = 0; i < REQS_LISTS && l == NULL; i++) {
        struct reqs_list *x = &c->reqs->l[i];
        if (x->rows != NULL && strcmp(x->type, type) == 0 && strcmp(x->currency, currency) == 0)
            l = x;
    }
    if (l != NULL && l->gen == c->memo_gen)
        return l->n <= REQS_ROWS ? l : NULL;
    if (l == NULL)
        l = &c->reqs->l[c->reqs->used++ % REQS_LISTS];
    l->gen = 0;
    if (l->rows == NULL && (l->rows = malloc((REQS_ROWS + 1) * sizeof *l->rows)) == NULL)
        return NULL;
    l->n = 0;
    int n;
    if ((*err = reqs_read(c, type, currency, 0, REQS_ROWS + 1, reqs_keep, l, &n)) != KASSA_OK)
        return NULL;
    memcpy(l->type, type, strlen(type) + 1); /* memo_fits: both fit */
    memcpy(l->currency, currency, strlen(currency) + 1);
    l->gen = c->memo_gen; /* a list too long is remembered as such */
    return l->n <= REQS_ROWS ? l : NULL;
}

kassa_err sqlite_requisites_after(struct store_conn *base, const char *type, const char *currency,
                                  int64_t after, int limit, store_requisite_fn fn, void *arg,
                                  int *n)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    int got = 0;
    kassa_err err;
    struct reqs_list *l = reqs_list(c, type, currency, &err);
    if (err != KASSA_OK)
        return err;
    if (l != NULL) {
        for (int i = 0; i < l->n && got < limit; i++) {
            if (l->rows[i].id <= after)
                continue;
            got++;
            if (!fn(arg, &l->rows[i]))
                break;
        }
    } else {
        err = reqs_read(c, type, currency, after, limit, fn, arg, &got);
    }
    if (n != NULL)
        *n = got;
    return err;
}

/* A claim on SQLite: whether no pending order of the requisite has the
 * amount (sql/requisites.h: the one writer's transaction is the lock, the
 * order's insert the claim). */
kassa_err sqlite_requisite_claim(struct store_conn *base, int64_t requisite_id, int64_t amount,
                                 bool *taken)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_REQUISITE_AMOUNT_PENDING);
    *taken = false;
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, requisite_id);
    sqlite3_bind_int64(st, 2, amount);
    int rc = sqlite3_step(st);
    *taken = rc == SQLITE_DONE; /* no such pending order */
    kassa_err err = rc == SQLITE_DONE || rc == SQLITE_ROW ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_requisite_unclaim(struct store_conn *base, int64_t requisite_id, int64_t amount)
{
    (void)base, (void)requisite_id, (void)amount;
    return KASSA_OK; /* the order's status change took it off the index */
}

kassa_err sqlite_requisite_pending(struct store_conn *base, int64_t requisite_id, int64_t *n)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_REQUISITE_PENDING_ORDERS);
    *n = 0;
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, requisite_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    kassa_err err = rc == SQLITE_ROW ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_order_insert(struct store_conn *base, struct order *o)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_ORDER_INSERT);
    if (st == NULL)
        return KASSA_EIO;
    struct sqlite_sink k = sqlite_sink(st, 1);
    sql_order_columns(o, &k.base);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK)
        o->id = sqlite3_last_insert_rowid(c->db);
    return err;
}

void sqlite_read_order(sqlite3_stmt *st, struct order *o)
{
    struct sqlite_row r = sqlite_row(st);
    sql_read_order(&r.base, o);
}

kassa_err sqlite_order_get(struct store_conn *base, enum order_key by, const char *key, int64_t id,
                           struct order *out)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    static const enum sqlite_stmt ids[] = {
        [ORDER_BY_ID] = STMT_ORDER_BY_ID,
        [ORDER_BY_UUID] = STMT_ORDER_BY_UUID,
        [ORDER_BY_UUID_CALLBACK] = STMT_ORDER_BY_UUID_CALLBACK,
    };
    sqlite3_stmt *st = stmt(c, ids[by]);
    if (st == NULL)
        return KASSA_EIO;
    if (by == ORDER_BY_ID)
        sqlite3_bind_int64(st, 1, id);
    else
        sqlite_bind_text(st, 1, key);
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_OK;
    if (rc == SQLITE_ROW)
        sqlite_read_order(st, out);
    else
        err = rc == SQLITE_DONE ? KASSA_ENOTFOUND : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_orders_by_merchant_order_id(struct store_conn *base, int64_t shop_id,
                                             const char *moid, store_order_fn fn, void *arg)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_ORDERS_BY_MERCHANT_ORDER_ID);
    struct order *o = malloc(sizeof *o);
    kassa_err err = KASSA_OK;
    if (st == NULL || o == NULL) {
        free(o);
        return st ? KASSA_ENOMEM : KASSA_EIO;
    }
    sqlite3_bind_int64(st, 1, shop_id);
    sqlite_bind_text(st, 2, moid);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite_read_order(st, o);
        if (!fn(arg, o))
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    free(o);
    return err;
}

kassa_err sqlite_rate_get(struct store_conn *base, const char *from, const char *to, char rate[32])
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    bool memo = memo_on(c);
    struct memo_entry *e = memo ? memo_find(c, MEMO_RATE, 0, from, to) : NULL;
    if (e != NULL) {
        if (e->err == KASSA_OK)
            memcpy(rate, e->rate, sizeof e->rate);
        return e->err;
    }
    sqlite3_stmt *st = stmt(c, STMT_RATE_GET);
    if (st == NULL)
        return KASSA_EIO;
    sqlite_bind_text(st, 1, from);
    sqlite_bind_text(st, 2, to);
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_OK;
    if (rc == SQLITE_ROW)
        sqlite_col_text(st, 0, rate, 32);
    else
        err = rc == SQLITE_DONE ? KASSA_ENOTFOUND : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    if ((err == KASSA_OK || err == KASSA_ENOTFOUND) && memo &&
        (e = memo_new(c, MEMO_RATE, 0, from, to)) != NULL) {
        e->err = err;
        if (err == KASSA_OK)
            memcpy(e->rate, rate, sizeof e->rate);
    }
    return err;
}

kassa_err sqlite_rate_put(struct store_conn *base, const char *from, const char *to,
                          const char *rate, int64_t now)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_RATE_PUT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite_bind_text(st, 1, from);
    sqlite_bind_text(st, 2, to);
    sqlite_bind_text(st, 3, rate);
    sqlite3_bind_int64(st, 4, now);
    sqlite_memo_forget(c);
    return sqlite_run(c, st);
}

/* The fixed fees (sqlite_shop_settings.c), through the memo. */
kassa_err sqlite_memo_fee_get(struct store_conn *base, int64_t shop_id, const char *currency,
                              int64_t *fixed)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    bool memo = memo_on(c);
    struct memo_entry *e = memo ? memo_find(c, MEMO_FEE, shop_id, currency, "") : NULL;
    if (e != NULL) {
        if (e->err == KASSA_OK)
            *fixed = e->fixed;
        return e->err;
    }
    kassa_err err = sqlite_shop_fee_get(base, shop_id, currency, fixed);
    if ((err == KASSA_OK || err == KASSA_ENOTFOUND) && memo &&
        (e = memo_new(c, MEMO_FEE, shop_id, currency, "")) != NULL) {
        e->err = err;
        e->fixed = err == KASSA_OK ? *fixed : 0;
    }
    return err;
}

kassa_err sqlite_memo_fee_set(struct store_conn *base, int64_t shop_id, const char *currency,
                              int64_t fixed)
{
    sqlite_memo_forget(container_of(base, struct sqlite_conn, base));
    return sqlite_shop_fee_set(base, shop_id, currency, fixed);
}

kassa_err sqlite_setting_get(struct store_conn *base, const char *name, char *value, size_t size)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_SETTING_GET);
    if (st == NULL)
        return KASSA_EIO;
    sqlite_bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_OK;
    if (rc == SQLITE_ROW)
        sqlite_col_text(st, 0, value, size);
    else
        err = rc == SQLITE_DONE ? KASSA_ENOTFOUND : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_setting_put(struct store_conn *base, const char *name, const char *value,
                             int64_t now)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_SETTING_PUT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite_bind_text(st, 1, name);
    sqlite_bind_text(st, 2, value);
    sqlite3_bind_int64(st, 3, now);
    return sqlite_run(c, st);
}
