/* pg.c: the PostgreSQL backend of the store interface (libpq).
 *
 * --db takes any libpq connection URL (postgresql://user:pw@host:port/db?
 * sslmode=...&connect_timeout=...); parts it leaves out come from the PG*
 * environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
 * PGSSLMODE, ...) as libpq does.
 *
 * Connections: the writer thread's own, plus a pool of store_opts()->read_pool read
 * connections shared by every thread (store_reader takes one, waiting while
 * all are out; store_release gives it back). Connections are opened on
 * first use. A connection that broke (server restart, network) is reset on
 * its next use, except inside a transaction: the batch then fails with
 * KASSA_EUNAVAILABLE, rolls back as a whole (nothing half-written), and the
 * next batch reconnects. store_unavailable() reports the outage so that
 * the dialects answer 503.
 *
 * Several kassad nodes may share one database: migrations run under an
 * advisory lock, ids come from identity sequences, the writer uses READ
 * COMMITTED with row locks (conditional updates, FOR UPDATE SKIP LOCKED),
 * and a unique-key race with another node comes back as KASSA_ERETRY so the
 * writer runs the command again and finds the other node's row. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/log.h"
#include "migration.h"
#include "pg_internal.h"

/* The advisory lock key the migrations run under ("kassa" in ASCII). */
#define PG_MIGRATE_LOCK 0x6b61737361LL

/* Most extra writer connections (writer_extra). */
#define PG_MAX_WRITERS 64

/* How long store_reader waits for a free pooled connection. */
#define PG_POOL_WAIT_SECONDS 10

/* The statements of the transactions, prepared lazily per connection; a
 * statement's slot is its id (PG_SLOTS_CORE is 0). */
#define PG_TX_STMTS(XX)                                                                            \
    XX(BEGIN, "BEGIN ISOLATION LEVEL READ COMMITTED")                                              \
    XX(COMMIT, "COMMIT")                                                                           \
    XX(ROLLBACK, "ROLLBACK")                                                                       \
    XX(SAVEPOINT, "SAVEPOINT cmd")                                                                 \
    XX(RELEASE, "RELEASE SAVEPOINT cmd")                                                           \
    XX(ROLLBACK_TO, "ROLLBACK TO SAVEPOINT cmd")

enum pg_tx_stmt {
#define XX(name, sql) STMT_##name,
    PG_TX_STMTS(XX)
#undef XX
        TX_STMT_COUNT_
};

static const char *const tx_sql[] = {
#define XX(name, sql) sql,
    PG_TX_STMTS(XX)
#undef XX
};

_Static_assert((int)TX_STMT_COUNT_ <= (int)PG_SLOTS_CREATE,
               "transaction statements overflow their slots");

/* Every row statement, prepared lazily per connection (slots
 * PG_SLOTS_ROWS..). */
#define PG_STMTS(XX)                                                                               \
    XX(MERCHANT_INSERT, "INSERT INTO merchants(name, created_at) VALUES ($1, $2) RETURNING id")    \
    XX(MERCHANT_GET, "SELECT id, name, created_at FROM merchants WHERE id = $1")                   \
    XX(SHOP_INSERT,                                                                                \
       "INSERT INTO shops(merchant_id, public_key, name, url, callback_url, fee_percent, "         \
       "panda_api_key, panda_secret, tegro_api_key, tegro_secret, panda_order_ttl, "               \
       "tegro_order_ttl, callback_version, active, created_at, notification_format) VALUES "       \
       "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id")     \
    XX(SHOP_BY_ID, PG_SHOP_SELECT "WHERE id = $1")                                                 \
    XX(SHOP_BY_PUBLIC_KEY, PG_SHOP_SELECT "WHERE public_key = $1")                                 \
    XX(SHOP_BY_PANDA_KEY, PG_SHOP_SELECT "WHERE panda_api_key = $1")                               \
    XX(SHOP_BY_TEGRO_KEY, PG_SHOP_SELECT "WHERE tegro_api_key = $1")                               \
    XX(REQUISITE_INSERT,                                                                           \
       "INSERT INTO requisites(type, value, owner_full_name, bank_code, bank_name_ru, "            \
       "bank_name_en, currency, country_code, active, assigned, created_at) VALUES "               \
       "($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10) RETURNING id")                                \
    XX(ORDER_BY_ID, PG_ORDER_SELECT "WHERE o.id = $1")                                             \
    XX(ORDER_BY_UUID, PG_ORDER_SELECT "WHERE o.uuid = $1")                                         \
    XX(ORDER_BY_UUID_CALLBACK, PG_ORDER_SELECT "WHERE o.uuid_callback = $1")                       \
    XX(ORDERS_BY_MERCHANT_ORDER_ID,                                                                \
       PG_ORDER_SELECT "WHERE o.shop_id = $1 AND o.merchant_order_id = $2 ORDER BY o.id")          \
    XX(IDEM_GET, "SELECT fingerprint, order_id, created_at FROM idempotency "                      \
                 "WHERE shop_id = $1 AND key = $2")                                                \
    XX(IDEM_PUT, "INSERT INTO idempotency(shop_id, key, fingerprint, order_id, created_at) "       \
                 "VALUES ($1, $2, $3, $4, $5)")                                                    \
    XX(RATE_GET, "SELECT rate FROM rates WHERE base = $1 AND quote = $2")                          \
    XX(RATE_PUT, "INSERT INTO rates(base, quote, rate, updated_at) VALUES ($1, $2, $3, $4) "       \
                 "ON CONFLICT (base, quote) DO UPDATE SET rate = excluded.rate, "                  \
                 "updated_at = excluded.updated_at")

enum pg_stmt {
#define XX(name, sql) STMT_##name,
    PG_STMTS(XX)
#undef XX
        STMT_COUNT_
};

static const char *const stmt_sql[] = {
#define XX(name, sql) sql,
    PG_STMTS(XX)
#undef XX
};

_Static_assert((int)STMT_COUNT_ <= (int)PG_SLOTS_TEGRO - (int)PG_SLOTS_ROWS,
               "row statements overflow their slots");

/* The columns ORDER_INSERT and ORDER_INSERT_MANY fill, in order_columns'
 * order. */
#define PG_ORDER_INSERT_COLUMNS                                                                    \
    "uuid, uuid_callback, pay_token, shop_id, origin, status, amount, currency, fee, "             \
    "amount_usdt, exchange_rate, merchant_order_id, requisite_type, payment_system, "              \
    "customer_name, customer_requisite, bank_code, countries, payment_systems, email, phone, "     \
    "success_url, fail_url, notify_url, lang, test, confirmed_by_customer, requisite_id, "         \
    "created_at, expires_at, paid_at, updated_at"

/* The statements of order creates, prepared lazily per connection (slots
 * PG_SLOTS_CREATE..). */
#define PG_CREATE_STMTS(XX)                                                                        \
    XX(ORDER_INSERT,                                                                               \
       "INSERT INTO orders(" PG_ORDER_INSERT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, "      \
       "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, "       \
       "$25, $26, $27, $28, $29, $30, $31, $32) RETURNING id")                                     \
    /* The order and its idempotency record ($33 key, "" = none; $34                               \
     * fingerprint) in one statement. */                                                           \
    XX(ORDER_INSERT_IDEM,                                                                          \
       "WITH o AS (INSERT INTO orders(" PG_ORDER_INSERT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, "   \
       "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, "    \
       "$24, $25, $26, $27, $28, $29, $30, $31, $32) RETURNING id), "                              \
       "i AS (INSERT INTO idempotency(shop_id, key, fingerprint, order_id, created_at) "           \
       "SELECT $4, $33::text, $34::bytea, id, $29 FROM o WHERE $33::text <> '') "                  \
       "SELECT id FROM o")                                                                         \
    /* The reads of order creates but the requisite (order_create_reads_many):                     \
     * arrays of $1 shops, $2 idempotency keys ("" = none), $3 currencies;                         \
     * one row per create, in their order, led by its position. Every lookup                       \
     * is a LATERAL with LIMIT 1 (not flattened into a join), that is an                           \
     * index probe per create: the generic plan of plain joins, made while                         \
     * the tables were small, hashed a sequential scan of the whole                                \
     * idempotency table for every batch. */                                                       \
    XX(ORDER_CREATE_READS_MANY,                                                                    \
       "SELECT x.ord, i.fingerprint, i.order_id, i.created_at, f.fixed, r.rate "                   \
       "FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY "                        \
       "AS x(shop_id, key, currency, ord) "                                                        \
       "LEFT JOIN LATERAL (SELECT fingerprint, order_id, created_at FROM idempotency "             \
       "WHERE x.key <> '' AND shop_id = x.shop_id AND key = x.key LIMIT 1) i ON true "             \
       "LEFT JOIN LATERAL (SELECT fixed FROM shop_fees "                                           \
       "WHERE shop_id = x.shop_id AND currency = x.currency LIMIT 1) f ON true "                   \
       "LEFT JOIN LATERAL (SELECT rate FROM rates WHERE base = 'USDT' AND quote = x.currency "     \
       "LIMIT 1) r ON true "                                                                       \
       "ORDER BY x.ord")                                                                           \
    /* The active requisites of the types ($1) and currencies ($2) asked                           \
     * for, in id order; pick_requisites picks from them (no write: several                        \
     * writers and nodes would queue on the row lock of a counter). */                             \
    XX(REQUISITES_ACTIVE, "SELECT " PG_REQUISITE_COLUMNS "FROM requisites WHERE active = 1 "       \
                          "AND type = ANY($1::text[]) AND currency = ANY($2::text[]) ORDER BY id") \
    /* ORDER_INSERT_IDEM for a batch: one array per column of ORDER_INSERT                         \
     * ($1..$32, numbers as bigint), $33 the keys and $34 the fingerprints                         \
     * (NULL = no record); answers each new order's uuid and id. */                                \
    XX(ORDER_INSERT_MANY,                                                                          \
       "WITH x AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], "        \
       "$5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::bigint[], $10::bigint[], "       \
       "$11::text[], $12::text[], $13::text[], $14::bigint[], $15::text[], $16::text[], "          \
       "$17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], "            \
       "$23::text[], $24::text[], $25::text[], $26::bigint[], $27::bigint[], $28::bigint[], "      \
       "$29::bigint[], $30::bigint[], $31::bigint[], $32::bigint[], $33::text[], "                 \
       "$34::bytea[]) AS x(" PG_ORDER_INSERT_COLUMNS ", key, fp)), "                               \
       "o AS (INSERT INTO orders(" PG_ORDER_INSERT_COLUMNS ") "                                    \
       "SELECT " PG_ORDER_INSERT_COLUMNS " FROM x RETURNING id, uuid), "                           \
       "i AS (INSERT INTO idempotency(shop_id, key, fingerprint, order_id, created_at) "           \
       "SELECT x.shop_id, x.key, x.fp, o.id, x.created_at FROM x JOIN o ON o.uuid = x.uuid "       \
       "WHERE x.key IS NOT NULL) "                                                                 \
       "SELECT uuid, id FROM o")

enum pg_create_stmt {
#define XX(name, sql) STMT_##name,
    PG_CREATE_STMTS(XX)
#undef XX
        CREATE_STMT_COUNT_
};

static const char *const create_sql[] = {
#define XX(name, sql) sql,
    PG_CREATE_STMTS(XX)
#undef XX
};

_Static_assert((int)CREATE_STMT_COUNT_ <= (int)PG_SLOTS_ROWS - (int)PG_SLOTS_CREATE,
               "create statements overflow their slots");

struct pg_store {
    struct store base;
    char *url;
    struct pg_conn *writer;
    struct pg_conn *extra[PG_MAX_WRITERS]; /* writer_extra's connections */
    int nextra;
    struct pg_conn *pool; /* pool_size read connections */
    int pool_size;
    struct pg_conn *free; /* the ones not taken */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* ---- parameters and columns ---------------------------------------------- */

static void pgp_push(struct pg_params *p, const char *v, int len, int fmt)
{
    if (p->n >= PG_MAX_PARAMS)
        abort(); /* a programming error: a statement with too many parameters */
    p->v[p->n] = v;
    p->len[p->n] = len;
    p->fmt[p->n] = fmt;
    p->n++;
}

void pgp_i64(struct pg_params *p, int64_t v)
{
    if (p->n >= PG_MAX_PARAMS)
        abort();
    snprintf(p->num[p->n], sizeof p->num[p->n], "%lld", (long long)v);
    pgp_push(p, p->num[p->n], 0, 0);
}

void pgp_text(struct pg_params *p, const char *s)
{
    pgp_push(p, s ? s : "", 0, 0);
}

void pgp_bytes(struct pg_params *p, const void *data, size_t len)
{
    static const char empty[1];
    pgp_push(p, len ? (const char *)data : empty, (int)len, 1);
}

void pgp_null(struct pg_params *p)
{
    pgp_push(p, NULL, 0, 0);
}

int64_t pg_i64(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    const char *s = PQgetvalue(r, row, col);
    if (*s == 't')
        return 1; /* a boolean */
    if (*s == 'f')
        return 0;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s)
        return 0;
    return v;
}

void pg_text(const PGresult *r, int row, int col, char *dst, size_t size)
{
    const char *s = PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
    size_t n = (size_t)PQgetlength(r, row, col);
    if (PQgetisnull(r, row, col))
        n = 0;
    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(dst, s, n);
    dst[n] = '\0';
}

long pg_bytes(const PGresult *r, int row, int col, void *dst, size_t size)
{
    if (PQgetisnull(r, row, col))
        return 0;
    const char *s = PQgetvalue(r, row, col);
    size_t n = (size_t)PQgetlength(r, row, col);
    if (n < 2 || s[0] != '\\' || s[1] != 'x' || (n - 2) % 2 != 0 || (n - 2) / 2 > size)
        return -1;
    unsigned char *out = dst;
    for (size_t i = 2; i < n; i += 2) {
        int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[(i - 2) / 2] = (unsigned char)(hi << 4 | lo);
    }
    return (long)((n - 2) / 2);
}

/* ---- connections ---------------------------------------------------------- */

static struct pg_store *store_of(struct pg_conn *c)
{
    return container_of(c->base.store, struct pg_store, base);
}

/* Server notices ("relation ... already exists, skipping") go to the debug
 * log, not to stderr. */
static void pg_notice(void *arg, const char *message)
{
    (void)arg;
    log_debug("postgres notice", "message=\"%.*s\"", (int)strcspn(message, "\n"), message);
}

/* Open a libpq connection for the URL. Caller owns it (PQfinish), also on
 * failure (PQstatus tells). Defaults that the URL (or PGCONNECT_TIMEOUT)
 * overrides: a 10 s connect timeout, so an unreachable server fails
 * requests instead of hanging them, and TCP keepalives (30 s idle, 10 s x 3
 * probes), so a dead server or network is noticed within a minute. */
static PGconn *pg_connect(const char *url)
{
    const char *keys[8], *vals[8];
    int n = 0;
    if (getenv("PGCONNECT_TIMEOUT") == NULL) {
        keys[n] = "connect_timeout";
        vals[n++] = "10";
    }
    keys[n] = "keepalives_idle";
    vals[n++] = "30";
    keys[n] = "keepalives_interval";
    vals[n++] = "10";
    keys[n] = "keepalives_count";
    vals[n++] = "3";
    keys[n] = "fallback_application_name";
    vals[n++] = "kassad";
    keys[n] = "dbname"; /* last: what the URL says wins */
    vals[n++] = url;
    keys[n] = vals[n] = NULL;
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (pg != NULL)
        PQsetNoticeProcessor(pg, pg_notice, NULL);
    return pg;
}

/* The first line of libpq's message for a connection (no newline). */
void pg_conn_message(PGconn *pg, char *dst, size_t size)
{
    const char *m = pg ? PQerrorMessage(pg) : "out of memory";
    size_t n = strcspn(m, "\n");
    if (n >= size)
        n = size - 1;
    memcpy(dst, m, n);
    dst[n] = '\0';
}

/* Make sure c has a live session: connect or reset when broken, unless it
 * is inside a transaction (whose work is lost with the session: the caller
 * must fail and roll back). KASSA_EUNAVAILABLE when the server cannot be
 * reached. */
kassa_err pg_ensure(struct pg_conn *c)
{
    if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK)
        return KASSA_OK;
    if (c->in_tx)
        return KASSA_EUNAVAILABLE;
    if (c->pg == NULL)
        c->pg = pg_connect(store_of(c)->url);
    else
        PQreset(c->pg);
    /* The deferred statements stay: outside the server's transaction
     * (in_tx) they are a BEGIN and savepoints not sent yet, as valid on the
     * new session. */
    memset(c->prepared, 0, sizeof c->prepared);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        char msg[256];
        pg_conn_message(c->pg, msg, sizeof msg);
        if (!store_unavailable())
            log_error("database unreachable", "error=\"%s\"", msg);
        store_set_unavailable(true);
        return KASSA_EUNAVAILABLE;
    }
    if (store_unavailable())
        log_info("database reachable again");
    store_set_unavailable(false);
    return KASSA_OK;
}

/* Classify a failed result (logged unless expected). */
static kassa_err pg_result_error(struct pg_conn *c, const PGresult *r, const char *sql)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK ||
        (state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0))) {
        char msg[256];
        pg_conn_message(c->pg, msg, sizeof msg);
        if (!store_unavailable())
            log_error("database connection lost", "error=\"%s\"", msg);
        store_set_unavailable(true);
        return KASSA_EUNAVAILABLE;
    }
    if (state && strcmp(state, "26000") == 0)
        memset(c->prepared, 0, sizeof c->prepared); /* statements gone: prepare again */
    if (state && strcmp(state, "22003") == 0)
        return KASSA_EMONEY_RANGE; /* a BIGINT sum (a balance) would overflow */
    if (state && strcmp(state, "23514") == 0)
        return KASSA_EFUNDS; /* CHECK (balance >= 0): the only check a valid command can hit */
    if (state && strncmp(state, "23", 2) == 0)
        return KASSA_EEXIST;
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
        return KASSA_ERETRY;
    const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg);
    size_t n = strcspn(m, "\n");
    log_error("postgres statement failed", "sqlstate=%s error=\"%.*s\" sql=\"%.80s\"",
              state ? state : "-", (int)n, m, sql);
    return KASSA_EIO;
}

/* Prepare the statement in `slot` on c unless done; false with *err. */
static bool prepare_slot(struct pg_conn *c, int slot, const char *sql, kassa_err *err)
{
    if (c->prepared[slot])
        return true;
    char name[16];
    snprintf(name, sizeof name, "k%d", slot);
    PGresult *r = PQprepare(c->pg, name, sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        *err = pg_result_error(c, r, sql);
        PQclear(r);
        return false;
    }
    PQclear(r);
    c->prepared[slot] = true;
    return true;
}

static const char *tx_sql_of(int slot);

/* Send the deferred statements (a BEGIN, savepoints) and then `calls` in
 * one pipeline (one Sync, one round trip) and read every result: out[i]
 * for calls[i]. A statement not yet prepared on this connection is
 * prepared in the same pipeline, after the deferred ones (a deferred
 * ROLLBACK TO must run before anything can be parsed in an aborted
 * transaction). The first failure is the error (the transaction is aborted
 * then: what follows in the pipeline fails too, and the batch with it).
 *
 * A deferred BEGIN opens the server's transaction here (in_tx). If the
 * connection breaks in the exchange, nothing of the transaction is left on
 * the server: the deferred statements are kept for pg_exec_many's second
 * try on a new session. */
static kassa_err exec_pipelined(struct pg_conn *c, const struct pg_call *calls, int k,
                                PGresult **out)
{
    enum { MAXS = PG_MAX_DEFERRED + PG_MAX_CALLS, MAXR = 2 * MAXS };
    int n = c->ndeferred + k;
    int slots[MAXS];
    const struct pg_params *params[MAXS];
    const char *texts[MAXS];
    int deferred[PG_MAX_DEFERRED], ndeferred = c->ndeferred;
    memcpy(deferred, c->deferred, sizeof deferred);
    bool begins = ndeferred > 0 && deferred[0] == STMT_BEGIN;
    for (int i = 0; i < n; i++) {
        bool d = i < ndeferred;
        slots[i] = d ? deferred[i] : calls[i - ndeferred].slot;
        texts[i] = d ? tx_sql_of(slots[i]) : calls[i - ndeferred].sql;
        params[i] = d ? NULL : calls[i - ndeferred].p;
    }
    c->ndeferred = 0;
    /* What each result answers: a prepare (of want_slot) or an exec (of
     * statement want_stmt). */
    int want_slot[MAXR], want_stmt[MAXR];
    bool want_prepare[MAXR];
    int nwant = 0;
    bool sent = PQenterPipelineMode(c->pg) == 1;
    for (int i = 0; sent && i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "k%d", slots[i]);
        bool prepare = !c->prepared[slots[i]];
        for (int j = 0; j < i; j++)
            prepare = prepare && slots[j] != slots[i]; /* prepared earlier in this pipeline */
        if (prepare) {
            sent = PQsendPrepare(c->pg, name, texts[i], 0, NULL) == 1;
            want_slot[nwant] = slots[i];
            want_stmt[nwant] = i;
            want_prepare[nwant++] = true;
        }
        const struct pg_params *p = params[i];
        sent = sent && (p ? PQsendQueryPrepared(c->pg, name, p->n, p->v, p->len, p->fmt, 0)
                          : PQsendQueryPrepared(c->pg, name, 0, NULL, NULL, NULL, 0)) == 1;
        want_slot[nwant] = slots[i];
        want_stmt[nwant] = i;
        want_prepare[nwant++] = false;
    }
    if (sent)
        sent = PQpipelineSync(c->pg) == 1;
    PGresult *res[MAXR] = {0};
    int got = 0, nulls = 0;
    bool synced = false;
    while (sent) {
        PGresult *r = PQgetResult(c->pg);
        if (r == NULL) {
            /* One NULL ends each request's results; more means trouble. */
            if (PQstatus(c->pg) != CONNECTION_OK || ++nulls > nwant + 1)
                break;
            continue;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            synced = true;
            break;
        }
        if (got < nwant)
            res[got++] = r;
        else
            PQclear(r);
    }
    if (PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF)
        PQexitPipelineMode(c->pg);
    kassa_err err = KASSA_OK;
    for (int i = 0; i < k; i++)
        out[i] = NULL;
    for (int i = 0; i < got; i++) {
        ExecStatusType st = PQresultStatus(res[i]);
        bool ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
        if (ok && want_prepare[i])
            c->prepared[want_slot[i]] = true;
        if (err != KASSA_OK)
            continue;
        if (!ok) {
            err = pg_result_error(c, res[i], texts[want_stmt[i]]);
        } else if (!want_prepare[i] && want_stmt[i] >= ndeferred) {
            out[want_stmt[i] - ndeferred] = res[i];
            res[i] = NULL;
        }
    }
    if (err == KASSA_OK && (!synced || got < nwant))
        err = pg_result_error(c, NULL, calls[k - 1].sql); /* the connection broke mid-way */
    for (int i = 0; i < got; i++)
        PQclear(res[i]);
    if (err != KASSA_OK)
        for (int i = 0; i < k; i++) {
            PQclear(out[i]);
            out[i] = NULL;
        }
    if (begins) {
        if (err == KASSA_EUNAVAILABLE && PQstatus(c->pg) != CONNECTION_OK) {
            memcpy(c->deferred, deferred, sizeof deferred); /* for the next session */
            c->ndeferred = ndeferred;
        } else {
            c->in_tx = true; /* open, or aborted until the ROLLBACK */
        }
    }
    return err;
}

/* One try of pg_exec_many. */
static kassa_err exec_once_prepared(struct pg_conn *c, const struct pg_call *calls, int k,
                                    PGresult **out)
{
    if (c->ndeferred > 0 || k > 1)
        return exec_pipelined(c, calls, k, out);
    kassa_err err;
    char name[16];
    snprintf(name, sizeof name, "k%d", calls[0].slot);
    out[0] = NULL;
    if (!prepare_slot(c, calls[0].slot, calls[0].sql, &err))
        return err;
    const struct pg_params *p = calls[0].p;
    PGresult *r = PQexecPrepared(c->pg, name, p->n, p->v, p->len, p->fmt, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        out[0] = r;
        return KASSA_OK;
    }
    err = pg_result_error(c, r, calls[0].sql);
    PQclear(r);
    return err;
}

kassa_err pg_exec_many(struct pg_conn *c, const struct pg_call *calls, int k, PGresult **out)
{
    kassa_err err = KASSA_EIO;
    if (k < 1 || k > PG_MAX_CALLS)
        return err;
    /* A session that died while idle (the server restarted since its last
     * use) shows only when used: when nothing of a transaction was sent on
     * it (a deferred BEGIN is still kept), reconnect and run once more. */
    for (int attempt = 0; attempt < 2; attempt++) {
        for (int i = 0; i < k; i++)
            out[i] = NULL;
        if ((err = pg_ensure(c)) != KASSA_OK)
            return err;
        err = exec_once_prepared(c, calls, k, out);
        if (err != KASSA_EUNAVAILABLE || c->in_tx || PQstatus(c->pg) == CONNECTION_OK)
            break;
    }
    return err;
}

PGresult *pg_exec(struct pg_conn *c, int slot, const char *sql, const struct pg_params *p,
                  kassa_err *err)
{
    static const struct pg_params none = {.n = 0};
    struct pg_call call = {slot, sql, p ? p : &none};
    PGresult *r = NULL;
    *err = pg_exec_many(c, &call, 1, &r);
    return r;
}

kassa_err pg_run(struct pg_conn *c, int slot, const char *sql, const struct pg_params *p,
                 int64_t *changed)
{
    kassa_err err;
    PGresult *r = pg_exec(c, slot, sql, p, &err);
    if (r == NULL)
        return err;
    if (changed) {
        const char *t = PQcmdTuples(r);
        *changed = *t ? strtoll(t, NULL, 10) : 0;
    }
    PQclear(r);
    return KASSA_OK;
}

static const char *tx_sql_of(int slot)
{
    return tx_sql[slot];
}

/* The transaction statement `id`. */
static PGresult *tx_exec(struct pg_conn *c, enum pg_tx_stmt id, const struct pg_params *p,
                         kassa_err *err)
{
    return pg_exec(c, (int)id, tx_sql[id], p, err);
}

static kassa_err tx_run(struct pg_conn *c, enum pg_tx_stmt id, const struct pg_params *p,
                        int64_t *changed)
{
    return pg_run(c, (int)id, tx_sql[id], p, changed);
}

/* The row statement `id`. */
static PGresult *core_exec(struct pg_conn *c, enum pg_stmt id, const struct pg_params *p,
                           kassa_err *err)
{
    return pg_exec(c, PG_SLOTS_ROWS + (int)id, stmt_sql[id], p, err);
}

static kassa_err core_run(struct pg_conn *c, enum pg_stmt id, const struct pg_params *p,
                          int64_t *changed)
{
    return pg_run(c, PG_SLOTS_ROWS + (int)id, stmt_sql[id], p, changed);
}

/* Run an INSERT ... RETURNING id into *id. */
static kassa_err core_insert_id(struct pg_conn *c, enum pg_stmt id, const struct pg_params *p,
                                int64_t *out)
{
    kassa_err err;
    PGresult *r = core_exec(c, id, p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 1)
        *out = pg_i64(r, 0, 0);
    else
        err = KASSA_EIO;
    PQclear(r);
    return err;
}

/* The create statement `id`. */
static PGresult *create_exec(struct pg_conn *c, enum pg_create_stmt id, const struct pg_params *p,
                             kassa_err *err)
{
    return pg_exec(c, PG_SLOTS_CREATE + (int)id, create_sql[id], p, err);
}

/* Run an INSERT ... RETURNING id into *id. */
static kassa_err create_insert_id(struct pg_conn *c, enum pg_create_stmt id,
                                  const struct pg_params *p, int64_t *out)
{
    kassa_err err;
    PGresult *r = create_exec(c, id, p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 1)
        *out = pg_i64(r, 0, 0);
    else
        err = KASSA_EIO;
    PQclear(r);
    return err;
}

/* ---- lifecycle ------------------------------------------------------------ */

/* Run a one-off statement (start-up only: migrations) with PQexecParams. */
static bool exec_once(PGconn *pg, const char *sql, int n, const char *const *vals, char *err,
                      size_t errlen)
{
    PGresult *r = PQexecParams(pg, sql, n, NULL, vals, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        const char *m = PQresultErrorMessage(r);
        snprintf(err, errlen, "%.*s", (int)strcspn(m, "\n"), m);
    }
    PQclear(r);
    return ok;
}

/* Apply every migration not yet recorded, in one transaction holding an
 * advisory lock: nodes starting together wait for each other, and the
 * second finds everything applied. Migration files run with PQexec (they
 * are scripts of several statements). */
static kassa_err migrate(PGconn *pg, char *err, size_t errlen)
{
    char msg[256] = "";
    char lock[32];
    snprintf(lock, sizeof lock, "%lld", (long long)PG_MIGRATE_LOCK);
    const char *lockv[] = {lock};
    if (!exec_once(pg, "BEGIN", 0, NULL, msg, sizeof msg) ||
        !exec_once(pg, "SELECT pg_advisory_xact_lock($1::bigint)", 1, lockv, msg, sizeof msg) ||
        !exec_once(pg,
                   "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                   "name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                   0, NULL, msg, sizeof msg))
        goto fail;
    for (size_t i = 0; i < migrations_pg_count; i++) {
        const struct migration *m = &migrations_pg[i];
        char ver[16], now[24];
        snprintf(ver, sizeof ver, "%d", m->version);
        snprintf(now, sizeof now, "%lld", (long long)clock_now());
        const char *v1[] = {ver};
        PGresult *r = PQexecParams(pg, "SELECT 1 FROM schema_migrations WHERE version = $1::int", 1,
                                   NULL, v1, NULL, NULL, 0);
        bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        bool have = ok && PQntuples(r) > 0;
        if (!ok)
            snprintf(msg, sizeof msg, "%.*s", (int)strcspn(PQresultErrorMessage(r), "\n"),
                     PQresultErrorMessage(r));
        PQclear(r);
        if (!ok)
            goto fail;
        if (have)
            continue;
        r = PQexec(pg, m->sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        if (!ok)
            snprintf(msg, sizeof msg, "%s: %.*s", m->name,
                     (int)strcspn(PQresultErrorMessage(r), "\n"), PQresultErrorMessage(r));
        PQclear(r);
        if (!ok)
            goto fail;
        const char *v3[] = {ver, m->name, now};
        if (!exec_once(pg,
                       "INSERT INTO schema_migrations(version, name, applied_at) "
                       "VALUES ($1::int, $2, $3::bigint)",
                       3, v3, msg, sizeof msg))
            goto fail;
        log_info("migration applied", "version=%d name=%s", m->version, m->name);
    }
    if (!exec_once(pg, "COMMIT", 0, NULL, msg, sizeof msg))
        goto fail;
    return KASSA_OK;
fail:
    snprintf(err, errlen, "postgres migration failed: %s", msg);
    PGresult *r = PQexec(pg, "ROLLBACK");
    PQclear(r);
    return KASSA_EIO;
}

static void pg_close(struct store *base)
{
    struct pg_store *s = container_of(base, struct pg_store, base);
    if (s == NULL)
        return;
    if (s->writer) {
        if (s->writer->pg)
            PQfinish(s->writer->pg);
        free(s->writer);
    }
    for (int i = 0; i < s->nextra; i++) {
        if (s->extra[i]->pg)
            PQfinish(s->extra[i]->pg);
        free(s->extra[i]);
    }
    for (int i = 0; s->pool && i < s->pool_size; i++)
        if (s->pool[i].pg)
            PQfinish(s->pool[i].pg);
    free(s->pool);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->url);
    free(s);
}

static void conn_init(struct pg_store *s, struct pg_conn *c, bool writer)
{
    memset(c, 0, sizeof *c);
    c->base.ops = &store_pg_ops;
    c->base.store = &s->base;
    c->writer = writer;
}

/* `url` is the whole --db value (postgresql://... or postgres://...). */
static kassa_err pg_open(const char *url, struct store **out, char *err, size_t errlen)
{
    struct pg_store *s = calloc(1, sizeof *s);
    if (s == NULL || (s->url = strdup(url)) == NULL) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return KASSA_ENOMEM;
    }
    s->base.ops = &store_pg_ops;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    kassa_err rc = KASSA_ENOMEM;
    s->pool_size = store_opts()->read_pool;
    s->writer = malloc(sizeof *s->writer);
    s->pool = calloc((size_t)s->pool_size, sizeof *s->pool);
    if (s->writer == NULL || s->pool == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    conn_init(s, s->writer, true);
    for (int i = 0; i < s->pool_size; i++) {
        conn_init(s, &s->pool[i], false);
        s->pool[i].next_free = s->free;
        s->free = &s->pool[i];
    }
    s->writer->pg = pg_connect(url);
    if (s->writer->pg == NULL || PQstatus(s->writer->pg) != CONNECTION_OK) {
        char msg[256];
        pg_conn_message(s->writer->pg, msg, sizeof msg);
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", msg);
        rc = KASSA_EUNAVAILABLE;
        goto fail;
    }
    if ((rc = migrate(s->writer->pg, err, errlen)) != KASSA_OK)
        goto fail;
    log_info("postgres store open", "server_version=%d pool=%d", PQserverVersion(s->writer->pg),
             s->pool_size);
    *out = &s->base;
    return KASSA_OK;
fail:
    pg_close(&s->base);
    return rc;
}

static struct store_conn *pg_writer(struct store *base)
{
    return &container_of(base, struct pg_store, base)->writer->base;
}

/* One more writer connection (connected on first use), owned by the
 * store; NULL past PG_MAX_WRITERS or out of memory. */
static struct store_conn *pg_writer_extra(struct store *base)
{
    struct pg_store *s = container_of(base, struct pg_store, base);
    struct pg_conn *c = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->nextra < PG_MAX_WRITERS && (c = malloc(sizeof *c)) != NULL) {
        conn_init(s, c, true);
        s->extra[s->nextra++] = c;
    }
    pthread_mutex_unlock(&s->mu);
    return c ? &c->base : NULL;
}

/* A pooled read connection; waits while all are taken (NULL after
 * PG_POOL_WAIT_SECONDS, logged). */
static struct store_conn *pg_reader(struct store *base)
{
    struct pg_store *s = container_of(base, struct pg_store, base);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += PG_POOL_WAIT_SECONDS;
    pthread_mutex_lock(&s->mu);
    while (s->free == NULL) {
        if (pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT && s->free == NULL) {
            pthread_mutex_unlock(&s->mu);
            log_error("no free database connection", "pool=%d wait_s=%d", s->pool_size,
                      PG_POOL_WAIT_SECONDS);
            return NULL;
        }
    }
    struct pg_conn *c = s->free;
    s->free = c->next_free;
    c->next_free = NULL;
    pthread_mutex_unlock(&s->mu);
    return &c->base;
}

static void pg_release(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    if (c == NULL || c->writer)
        return;
    struct pg_store *s = store_of(c);
    pthread_mutex_lock(&s->mu);
    c->next_free = s->free;
    s->free = c;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* ---- transactions --------------------------------------------------------- */

/* Savepoints cost a round trip each when sent alone; inside a batch they
 * are deferred and go in one pipeline with the next statement (the
 * command's first, or the COMMIT). A savepoint released or rolled back
 * before any statement ran in it is dropped unsent. */
static kassa_err defer(struct pg_conn *c, enum pg_tx_stmt id)
{
    /* The list holds at most the BEGIN, an end (RELEASE, or ROLLBACK TO +
     * RELEASE) and the next SAVEPOINT: more is a programming error. */
    if (c->ndeferred == PG_MAX_DEFERRED)
        abort();
    c->deferred[c->ndeferred++] = (int)id;
    return KASSA_OK;
}

/* BEGIN costs a round trip when sent alone: it is deferred, and goes in
 * one pipeline with the transaction's first statement (exec_pipelined). */
kassa_err pg_begin(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    c->in_tx = false; /* a new batch may reconnect */
    c->ndeferred = 0;
    return defer(c, STMT_BEGIN);
}

/* True when nothing of the transaction was sent: its BEGIN is deferred. */
static bool tx_unsent(const struct pg_conn *c)
{
    return !c->in_tx && c->ndeferred > 0 && c->deferred[0] == STMT_BEGIN;
}

/* Between begin and commit or rollback: the BEGIN sent, or still deferred. */
static bool in_batch(const struct pg_conn *c)
{
    return c->in_tx || tx_unsent(c);
}

kassa_err pg_commit(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    if (tx_unsent(c)) { /* no statement ran: nothing to commit */
        c->ndeferred = 0;
        return KASSA_OK;
    }
    kassa_err err;
    PGresult *r = tx_exec(c, STMT_COMMIT, NULL, &err); /* with a deferred RELEASE */
    if (r != NULL) {
        /* COMMIT of an aborted transaction "succeeds" as ROLLBACK. */
        if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
            log_error("postgres commit rolled back", "status=%s", PQcmdStatus(r));
            err = KASSA_EIO;
        }
        PQclear(r);
    }
    if (r != NULL || PQstatus(c->pg) != CONNECTION_OK)
        c->in_tx = false;
    return err;
}

kassa_err pg_rollback(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    bool unsent = tx_unsent(c);
    c->ndeferred = 0; /* the whole transaction goes */
    if (unsent || c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        /* Never sent, or the server dropped it with the session. */
        c->in_tx = false;
        return KASSA_OK;
    }
    kassa_err err = tx_run(c, STMT_ROLLBACK, NULL, NULL);
    c->in_tx = false;
    return err;
}

kassa_err pg_savepoint(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    if (!in_batch(c))
        return tx_run(c, STMT_SAVEPOINT, NULL, NULL);
    return defer(c, STMT_SAVEPOINT);
}

/* True when the newest deferred statement is an unsent SAVEPOINT (the
 * savepoint is empty: drop it instead of sending it and its end). */
static bool drop_empty_savepoint(struct pg_conn *c)
{
    if (c->ndeferred > 0 && c->deferred[c->ndeferred - 1] == STMT_SAVEPOINT) {
        c->ndeferred--;
        return true;
    }
    return false;
}

kassa_err pg_savepoint_release(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    if (!in_batch(c))
        return tx_run(c, STMT_RELEASE, NULL, NULL);
    if (drop_empty_savepoint(c))
        return KASSA_OK;
    return defer(c, STMT_RELEASE);
}

kassa_err pg_savepoint_rollback(struct store_conn *base)
{
    struct pg_conn *c = container_of(base, struct pg_conn, base);
    if (!in_batch(c)) {
        kassa_err err = tx_run(c, STMT_ROLLBACK_TO, NULL, NULL);
        if (err == KASSA_OK)
            err = tx_run(c, STMT_RELEASE, NULL, NULL);
        return err;
    }
    if (drop_empty_savepoint(c))
        return KASSA_OK;
    kassa_err err = defer(c, STMT_ROLLBACK_TO);
    if (err == KASSA_OK)
        err = defer(c, STMT_RELEASE);
    return err;
}

/* ---- data ----------------------------------------------------------------- */

#define CONN(conn) struct pg_conn *c = container_of(conn, struct pg_conn, base)

kassa_err pg_merchant_insert(struct store_conn *base, struct merchant *m)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, m->name);
    pgp_i64(&p, m->created_at);
    return core_insert_id(c, STMT_MERCHANT_INSERT, &p, &m->id);
}

kassa_err pg_merchant_get(struct store_conn *base, int64_t id, struct merchant *out)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, id);
    kassa_err err;
    PGresult *r = core_exec(c, STMT_MERCHANT_GET, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0) {
        err = KASSA_ENOTFOUND;
    } else {
        out->id = pg_i64(r, 0, 0);
        pg_text(r, 0, 1, out->name, sizeof out->name);
        out->created_at = pg_i64(r, 0, 2);
    }
    PQclear(r);
    return err;
}

kassa_err pg_shop_insert(struct store_conn *base, struct shop *s)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, s->merchant_id);
    pgp_text(&p, s->public_key);
    pgp_text(&p, s->name);
    pgp_text(&p, s->url);
    pgp_text(&p, s->callback_url);
    pgp_text(&p, s->fee_percent);
    pgp_text(&p, s->panda_api_key);
    pgp_text(&p, s->panda_secret);
    pgp_text(&p, s->tegro_api_key);
    pgp_text(&p, s->tegro_secret);
    pgp_i64(&p, s->panda_order_ttl);
    pgp_i64(&p, s->tegro_order_ttl);
    pgp_i64(&p, s->callback_version);
    pgp_i64(&p, s->active);
    pgp_i64(&p, s->created_at);
    pgp_text(&p, s->notification_format);
    return core_insert_id(c, STMT_SHOP_INSERT, &p, &s->id);
}

void pg_read_shop(const PGresult *r, int row, struct shop *s)
{
    s->id = pg_i64(r, row, 0);
    s->merchant_id = pg_i64(r, row, 1);
    pg_text(r, row, 2, s->public_key, sizeof s->public_key);
    pg_text(r, row, 3, s->name, sizeof s->name);
    pg_text(r, row, 4, s->url, sizeof s->url);
    pg_text(r, row, 5, s->callback_url, sizeof s->callback_url);
    pg_text(r, row, 6, s->fee_percent, sizeof s->fee_percent);
    pg_text(r, row, 7, s->panda_api_key, sizeof s->panda_api_key);
    pg_text(r, row, 8, s->panda_secret, sizeof s->panda_secret);
    pg_text(r, row, 9, s->tegro_api_key, sizeof s->tegro_api_key);
    pg_text(r, row, 10, s->tegro_secret, sizeof s->tegro_secret);
    s->panda_order_ttl = (int)pg_i64(r, row, 11);
    s->tegro_order_ttl = (int)pg_i64(r, row, 12);
    s->callback_version = (int)pg_i64(r, row, 13);
    s->active = (int)pg_i64(r, row, 14);
    s->created_at = pg_i64(r, row, 15);
    pg_text(r, row, 16, s->notification_format, sizeof s->notification_format);
}

kassa_err pg_shop_get(struct store_conn *base, enum shop_key by, const char *key, int64_t id,
                      struct shop *out)
{
    CONN(base);
    static const enum pg_stmt ids[] = {
        [SHOP_BY_ID] = STMT_SHOP_BY_ID,
        [SHOP_BY_PUBLIC_KEY] = STMT_SHOP_BY_PUBLIC_KEY,
        [SHOP_BY_PANDA_KEY] = STMT_SHOP_BY_PANDA_KEY,
        [SHOP_BY_TEGRO_KEY] = STMT_SHOP_BY_TEGRO_KEY,
    };
    struct pg_params p = {0};
    if (by == SHOP_BY_ID)
        pgp_i64(&p, id);
    else
        pgp_text(&p, key);
    kassa_err err;
    PGresult *r = core_exec(c, ids[by], &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0)
        err = KASSA_ENOTFOUND;
    else
        pg_read_shop(r, 0, out);
    PQclear(r);
    return err;
}

kassa_err pg_requisite_insert(struct store_conn *base, struct requisite *rq)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, rq->type);
    pgp_text(&p, rq->value);
    pgp_text(&p, rq->owner_full_name);
    pgp_text(&p, rq->bank_code);
    pgp_text(&p, rq->bank_name_ru);
    pgp_text(&p, rq->bank_name_en);
    pgp_text(&p, rq->currency);
    pgp_text(&p, rq->country_code);
    pgp_i64(&p, rq->active);
    pgp_i64(&p, rq->created_at);
    return core_insert_id(c, STMT_REQUISITE_INSERT, &p, &rq->id);
}

/* Read requisite columns starting at column `i`. */
void pg_read_requisite(const PGresult *r, int row, int i, struct requisite *rq)
{
    rq->id = pg_i64(r, row, i + 0);
    pg_text(r, row, i + 1, rq->type, sizeof rq->type);
    pg_text(r, row, i + 2, rq->value, sizeof rq->value);
    pg_text(r, row, i + 3, rq->owner_full_name, sizeof rq->owner_full_name);
    pg_text(r, row, i + 4, rq->bank_code, sizeof rq->bank_code);
    pg_text(r, row, i + 5, rq->bank_name_ru, sizeof rq->bank_name_ru);
    pg_text(r, row, i + 6, rq->bank_name_en, sizeof rq->bank_name_en);
    pg_text(r, row, i + 7, rq->currency, sizeof rq->currency);
    pg_text(r, row, i + 8, rq->country_code, sizeof rq->country_code);
    rq->active = (int)pg_i64(r, row, i + 9);
    rq->assigned = pg_i64(r, row, i + 10);
    rq->created_at = pg_i64(r, row, i + 11);
}

/* Defined with the *_MANY statements below (one pick rule for both). */
static kassa_err pick_lone(struct pg_conn *c, struct order_reads *rd);

kassa_err pg_requisite_pick(struct store_conn *base, const char *type, const char *currency,
                            const char *bank_code, const struct country_filter *countries,
                            struct requisite *out)
{
    CONN(base);
    struct order_reads rd = {.requisite_type = type,
                             .currency = currency,
                             .bank_code = bank_code ? bank_code : "",
                             .countries = countries,
                             .requisite_err = KASSA_ENOTFOUND};
    kassa_err err = pick_lone(c, &rd);
    if (err == KASSA_OK && (err = rd.requisite_err) == KASSA_OK)
        *out = rd.requisite;
    return err;
}

/* The 32 columns of an order insert, in PG_ORDER_INSERT_COLUMNS' order,
 * to a sink: a text, or a bigint (NULL when !has). One list for the
 * parameters of one order (ORDER_INSERT, ORDER_INSERT_IDEM) and the arrays
 * of many (ORDER_INSERT_MANY). */
struct order_sink {
    void (*text)(struct order_sink *k, const char *s);
    void (*i64)(struct order_sink *k, int64_t v, bool has);
};
static void order_columns(const struct order *o, struct order_sink *k);

/* The 32 parameters of ORDER_INSERT / ORDER_INSERT_IDEM. */
static void order_params(struct pg_params *p, const struct order *o);

kassa_err pg_order_insert(struct store_conn *base, struct order *o)
{
    CONN(base);
    struct pg_params p = {0};
    order_params(&p, o);
    return create_insert_id(c, STMT_ORDER_INSERT, &p, &o->id);
}

kassa_err pg_order_insert_idem(struct store_conn *base, struct order *o, struct idem *idem)
{
    CONN(base);
    struct pg_params p = {0};
    order_params(&p, o);
    pgp_text(&p, idem ? idem->key : "");
    if (idem)
        pgp_bytes(&p, idem->fingerprint, sizeof idem->fingerprint);
    else
        pgp_null(&p);
    kassa_err err = create_insert_id(c, STMT_ORDER_INSERT_IDEM, &p, &o->id);
    if (err == KASSA_OK && idem)
        idem->order_id = o->id;
    /* Another node or writer committed the same key after our lookup: run
     * the command again, it then answers with that order. */
    return err == KASSA_EEXIST ? KASSA_ERETRY : err;
}

/* The reads of a create but the requisite from row `row`, columns from
 * `col` (fingerprint, order id, created, fixed fee, rate). */
static void read_create_reads(const PGresult *r, int row, int col, struct order_reads *rd)
{
    rd->idem_err = rd->fee_err = rd->rate_err = rd->requisite_err = KASSA_ENOTFOUND;
    if (!PQgetisnull(r, row, col + 1)) {
        memset(&rd->idem, 0, sizeof rd->idem);
        rd->idem.shop_id = rd->shop_id;
        snprintf(rd->idem.key, sizeof rd->idem.key, "%s", rd->idem_key);
        unsigned char fp[sizeof rd->idem.fingerprint];
        if (pg_bytes(r, row, col, fp, sizeof fp) == (long)sizeof fp)
            memcpy(rd->idem.fingerprint, fp, sizeof fp);
        rd->idem.order_id = pg_i64(r, row, col + 1);
        rd->idem.created_at = pg_i64(r, row, col + 2);
        rd->idem_err = KASSA_OK;
    }
    if (!PQgetisnull(r, row, col + 3)) {
        rd->fixed_fee = pg_i64(r, row, col + 3);
        rd->fee_err = KASSA_OK;
    }
    if (!PQgetisnull(r, row, col + 4)) {
        pg_text(r, row, col + 4, rd->rate, sizeof rd->rate);
        rd->rate_err = KASSA_OK;
    }
}

/* ---- array parameters (the *_MANY statements) ---------------------------- */

/* Element types of the arrays (PostgreSQL's pg_type OIDs). */
enum { OID_BYTEA = 17, OID_INT8 = 20, OID_TEXT = 25 };

/* A one-dimensional array parameter in PostgreSQL's binary format (what
 * array_recv reads): a header (dimensions, has-nulls flag, element type,
 * length, lower bound), then each element as its length (-1: NULL) and its
 * bytes, a bigint as 8 bytes big-endian. No quoting or number formatting
 * here and no parsing on the server (text literals cost array_in ~6 % of
 * the server's time on creates). The statement's cast ($1::bigint[])
 * gives the parameter's type, which the element type must match. */
struct pg_array {
    struct buf b;  /* the header's room (ARR_HDR), then the elements */
    uint32_t oid;  /* element type; 0: not set yet */
    int n;         /* elements */
    bool nulls;    /* any element NULL */
    kassa_err err; /* the first append that failed (sticky); KASSA_OK */
};

#define ARR_HDR 20 /* header of a one-dimensional array */
/* An array's ceiling: PostgreSQL takes no value larger (its MaxAllocSize). */
#define ARR_MAX ((size_t)0x3fffffff)

static void arr_init(struct pg_array *a, uint32_t oid)
{
    static const char header[ARR_HDR]; /* written by arr_end */
    memset(a, 0, sizeof *a);
    a->oid = oid;
    buf_init(&a->b, ARR_MAX);
    a->err = buf_add(&a->b, header, sizeof header);
}

static void arr_put(struct pg_array *a, const void *v, size_t n)
{
    if (a->err == KASSA_OK)
        a->err = buf_add(&a->b, v, n);
}

static void put_be32(char *d, uint32_t v)
{
    d[0] = (char)(v >> 24);
    d[1] = (char)(v >> 16);
    d[2] = (char)(v >> 8);
    d[3] = (char)v;
}

/* Append one element: v (n bytes), or NULL when v is. An element past the
 * ceiling (so past INT32_MAX too, which its length word would not hold)
 * fails the array. */
static void arr_add(struct pg_array *a, const void *v, size_t n)
{
    char len[4];
    put_be32(len, v == NULL ? UINT32_MAX /* -1 */ : (uint32_t)n);
    arr_put(a, len, sizeof len);
    if (v != NULL && n > 0)
        arr_put(a, v, n);
    if (a->err != KASSA_OK)
        return;
    a->n++;
    if (v == NULL)
        a->nulls = true;
}

/* A text element; NULL as "" (as pgp_text). */
static void arr_text(struct pg_array *a, const char *s)
{
    arr_add(a, s ? s : "", s ? strlen(s) : 0);
}

static void arr_i64(struct pg_array *a, int64_t v)
{
    char b[8];
    put_be32(b, (uint32_t)((uint64_t)v >> 32));
    put_be32(b + 4, (uint32_t)v);
    arr_add(a, b, sizeof b);
}

/* The finished array, its size in *len; NULL when it could not be built
 * (a->err says why). */
static const char *arr_end(struct pg_array *a, size_t *len)
{
    if (a->err != KASSA_OK)
        return NULL;
    char *s = buf_ptr(&a->b);
    if (a->n == 0) { /* no dimensions: header without them */
        put_be32(s, 0);
        put_be32(s + 4, 0);
        put_be32(s + 8, a->oid);
        *len = 12;
        return s;
    }
    put_be32(s, 1);
    put_be32(s + 4, a->nulls);
    put_be32(s + 8, a->oid);
    put_be32(s + 12, (uint32_t)a->n);
    put_be32(s + 16, 1);
    *len = buf_len(&a->b);
    return s;
}

/* The n arrays as binary parameters in *p: KASSA_OK, or the error of the
 * first that could not be built (KASSA_ENOMEM, KASSA_ETOOBIG). */
static kassa_err arrays_params(struct pg_array *arr, int n, struct pg_params *p)
{
    for (int i = 0; i < n; i++) {
        size_t len;
        const char *v = arr_end(&arr[i], &len);
        if (v == NULL)
            return arr[i].err;
        pgp_bytes(p, v, len);
    }
    return KASSA_OK;
}

static void arrays_free(struct pg_array *arr, int n)
{
    for (int i = 0; i < n; i++)
        buf_free(&arr[i].b);
}

/* Run core statement `id` with the n arrays as its parameters, then free
 * them: pg_exec's result, or NULL with *err (arrays_params' error when an
 * array could not be built). */
static PGresult *exec_arrays(struct pg_conn *c, enum pg_create_stmt id, struct pg_array *arr, int n,
                             kassa_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    if ((*err = arrays_params(arr, n, &p)) == KASSA_OK)
        r = create_exec(c, id, &p, err);
    arrays_free(arr, n);
    return r;
}

/* True when q may serve rd: its type and currency, a country rd admits,
 * and its bank when `bank` (rd has a bank with requisites). */
static bool req_serves(const struct requisite *q, const struct order_reads *rd, bool bank)
{
    return strcmp(q->type, rd->requisite_type) == 0 && strcmp(q->currency, rd->currency) == 0 &&
           (rd->countries == NULL || country_filter_admits(rd->countries, q->country_code)) &&
           (!bank || strcmp(q->bank_code, rd->bank_code) == 0);
}

/* The round-robin counters of requisite picks (this process), one per kind
 * of pick: type, currency, preferred bank and countries, as SQLite keeps a
 * cursor per kind. (One counter for every kind made kinds picked in turns
 * take the same requisite each time: two kinds alternating, two requisites
 * each, and each kind saw every other counter value.) A slot is claimed by
 * the 64-bit hash of its kind; when PICK_PROBE slots in a row are taken by
 * other kinds, the kind shares the first one's counter. */
#define PICK_SLOTS 1024
#define PICK_PROBE 16

static struct pick_slot {
    _Atomic uint64_t kind; /* 0: free */
    atomic_uint_fast64_t next;
} pick_slots[PICK_SLOTS];

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL; /* the end of the part */
}

/* The next counter value of rd's kind of pick. */
static uint64_t pick_next(const struct order_reads *rd)
{
    uint64_t h = 1469598103934665603ULL;
    h = fnv1a(h, rd->requisite_type);
    h = fnv1a(h, rd->currency);
    h = fnv1a(h, rd->bank_code);
    if (country_filter_active(rd->countries))
        for (int i = 0; i < rd->countries->n; i++)
            h = fnv1a(h, rd->countries->code[i]); /* sorted: equal filters hash alike */
    h = h != 0 ? h : 1;
    struct pick_slot *slot = &pick_slots[h % PICK_SLOTS];
    for (int i = 0; i < PICK_PROBE; i++) {
        struct pick_slot *s = &pick_slots[(h + (uint64_t)i) % PICK_SLOTS];
        uint64_t free_kind = 0;
        if (atomic_load(&s->kind) == h || atomic_compare_exchange_strong(&s->kind, &free_kind, h) ||
            free_kind == h) {
            slot = s;
            break;
        }
    }
    return atomic_fetch_add(&slot->next, 1);
}

/* rd's requisite from `act` (the active requisites, id order) with counter
 * `ctr` (pick_next): round robin over those of its type and currency that
 * its countries admit, only those of its bank when there are any.
 * KASSA_ENOTFOUND (rd->requisite_err) when none. */
static void pick_from(const struct requisite *act, int nact, uint64_t ctr, struct order_reads *rd)
{
    int all = 0, banked = 0;
    for (int k = 0; k < nact; k++) {
        all += req_serves(&act[k], rd, false);
        banked += rd->bank_code[0] != '\0' && req_serves(&act[k], rd, true);
    }
    bool bank = banked > 0;
    int count = bank ? banked : all;
    uint64_t want = count > 0 ? ctr % (uint64_t)count : 0;
    for (int k = 0; k < nact && count > 0; k++) {
        if (req_serves(&act[k], rd, bank) && want-- == 0) {
            rd->requisite = act[k];
            rd->requisite_err = KASSA_OK;
            return;
        }
    }
}

/* The REQUISITES_ACTIVE arrays (types, currencies) of the creates in rd
 * that ask for a requisite; false when none does. */
static bool requisites_arrays(const struct order_reads *rd, int n, struct pg_array arr[2])
{
    arr_init(&arr[0], OID_TEXT);
    arr_init(&arr[1], OID_TEXT);
    bool asking = false;
    for (int i = 0; i < n; i++) {
        if (rd[i].requisite_type[0] == '\0')
            continue;
        arr_text(&arr[0], rd[i].requisite_type);
        arr_text(&arr[1], rd[i].currency);
        asking = true;
    }
    return asking;
}

/* The picks of the creates in rd that ask for a requisite (each with the
 * next counter value of its kind) from r, the active requisites of their types and
 * currencies. The one rule for a lone pick (requisite_pick) and every
 * create. */
static kassa_err pick_requisites(const PGresult *r, struct order_reads *rd, int n)
{
    int nact = PQntuples(r);
    struct requisite *act = calloc((size_t)(nact > 0 ? nact : 1), sizeof *act);
    if (act == NULL)
        return KASSA_ENOMEM;
    for (int k = 0; k < nact; k++)
        pg_read_requisite(r, k, 0, &act[k]);
    for (int i = 0; i < n; i++)
        if (rd[i].requisite_type[0] != '\0')
            pick_from(act, nact, pick_next(&rd[i]) & INT32_MAX, &rd[i]);
    free(act);
    return KASSA_OK;
}

/* requisite_pick: one pick by the same rule. */
static kassa_err pick_lone(struct pg_conn *c, struct order_reads *rd)
{
    struct pg_array arr[2];
    if (!requisites_arrays(rd, 1, arr)) {
        arrays_free(arr, 2);
        return KASSA_OK; /* no type asked for: none (rd->requisite_err) */
    }
    kassa_err err;
    PGresult *r = exec_arrays(c, STMT_REQUISITES_ACTIVE, arr, 2, &err);
    if (r == NULL)
        return err;
    err = pick_requisites(r, rd, 1);
    PQclear(r);
    return err;
}

/* The reads of the creates (idempotency records, fixed fees, rates) and
 * the active requisites they may take, in one pipeline: one round trip
 * (with the batch's BEGIN and savepoint, deferred). */
kassa_err pg_order_create_reads_many(struct store_conn *base, struct order_reads *rd, int n)
{
    CONN(base);
    enum { NARR = 3, NREQ = 2 };
    struct pg_array arr[NARR], req[NREQ];
    arr_init(&arr[0], OID_INT8);
    arr_init(&arr[1], OID_TEXT);
    arr_init(&arr[2], OID_TEXT);
    for (int i = 0; i < n; i++) {
        arr_i64(&arr[0], rd[i].shop_id);
        arr_text(&arr[1], rd[i].idem_key);
        arr_text(&arr[2], rd[i].currency);
    }
    bool asking = requisites_arrays(rd, n, req);
    struct pg_params p = {0}, q = {0};
    struct pg_call calls[2] = {
        {PG_SLOTS_CREATE + STMT_ORDER_CREATE_READS_MANY, create_sql[STMT_ORDER_CREATE_READS_MANY],
         &p},
        {PG_SLOTS_CREATE + STMT_REQUISITES_ACTIVE, create_sql[STMT_REQUISITES_ACTIVE], &q},
    };
    PGresult *r[2] = {NULL, NULL};
    kassa_err err = arrays_params(arr, NARR, &p);
    if (err == KASSA_OK && asking)
        err = arrays_params(req, NREQ, &q);
    if (err == KASSA_OK)
        err = pg_exec_many(c, calls, asking ? 2 : 1, r);
    arrays_free(arr, NARR);
    arrays_free(req, NREQ);
    if (err != KASSA_OK)
        return err;
    if (PQntuples(r[0]) != n)
        err = KASSA_EIO;
    for (int i = 0; i < n && err == KASSA_OK; i++) {
        if (pg_i64(r[0], i, 0) != i + 1)
            err = KASSA_EIO;
        else
            read_create_reads(r[0], i, 1, &rd[i]);
    }
    if (err == KASSA_OK && asking)
        err = pick_requisites(r[1], rd, n);
    PQclear(r[0]);
    PQclear(r[1]);
    return err;
}

/* order_columns into one element of each of ORDER_INSERT_MANY's column
 * arrays. */
struct columns_sink {
    struct order_sink base;
    struct pg_array *arr;
    int col;
};

static void columns_text(struct order_sink *base, const char *s)
{
    struct columns_sink *k = container_of(base, struct columns_sink, base);
    struct pg_array *a = &k->arr[k->col++];
    if (a->oid == 0)
        a->oid = OID_TEXT;
    arr_text(a, s);
}

static void columns_i64(struct order_sink *base, int64_t v, bool has)
{
    struct columns_sink *k = container_of(base, struct columns_sink, base);
    struct pg_array *a = &k->arr[k->col++];
    if (a->oid == 0)
        a->oid = OID_INT8;
    if (has)
        arr_i64(a, v);
    else
        arr_add(a, NULL, 0);
}

kassa_err pg_order_insert_many(struct store_conn *base, struct order *const *o,
                               struct idem *const *idem, int n)
{
    CONN(base);
    enum { NCOL = 32, NARR = NCOL + 2 };
    struct pg_array arr[NARR];
    struct columns_sink k = {{columns_text, columns_i64}, arr, 0};
    for (int i = 0; i < NCOL; i++)
        arr_init(&arr[i], 0); /* typed by the first order's columns */
    arr_init(&arr[NCOL], OID_TEXT);
    arr_init(&arr[NCOL + 1], OID_BYTEA);
    for (int i = 0; i < n; i++) {
        k.col = 0;
        order_columns(o[i], &k.base);
        if (idem[i] != NULL) {
            arr_text(&arr[NCOL], idem[i]->key);
            arr_add(&arr[NCOL + 1], idem[i]->fingerprint, sizeof idem[i]->fingerprint);
        } else {
            arr_add(&arr[NCOL], NULL, 0);
            arr_add(&arr[NCOL + 1], NULL, 0);
        }
    }
    kassa_err err;
    PGresult *r = exec_arrays(c, STMT_ORDER_INSERT_MANY, arr, NARR, &err);
    if (r == NULL)
        /* Another node or writer committed one of the keys after our
         * lookup: the caller runs the creates again, one by one. */
        return err == KASSA_EEXIST ? KASSA_ERETRY : err;
    err = PQntuples(r) == n ? KASSA_OK : KASSA_EIO;
    for (int row = 0; row < n && err == KASSA_OK; row++) {
        const char *uuid = PQgetvalue(r, row, 0);
        /* The rows come back in insert order: try the row's own first. */
        int i = strcmp(o[row]->uuid, uuid) == 0 ? row : -1;
        for (int j = 0; j < n && i < 0; j++)
            if (strcmp(o[j]->uuid, uuid) == 0)
                i = j;
        if (i < 0) {
            err = KASSA_EIO;
            break;
        }
        o[i]->id = pg_i64(r, row, 1);
        if (idem[i] != NULL)
            idem[i]->order_id = o[i]->id;
    }
    PQclear(r);
    return err;
}

/* order_columns into one statement's parameters. */
struct params_sink {
    struct order_sink base;
    struct pg_params *p;
};

static void params_text(struct order_sink *base, const char *s)
{
    pgp_text(container_of(base, struct params_sink, base)->p, s);
}

static void params_i64(struct order_sink *base, int64_t v, bool has)
{
    struct params_sink *k = container_of(base, struct params_sink, base);
    if (has)
        pgp_i64(k->p, v);
    else
        pgp_null(k->p);
}

static void order_params(struct pg_params *p, const struct order *o)
{
    struct params_sink k = {{params_text, params_i64}, p};
    order_columns(o, &k.base);
}

static void order_columns(const struct order *o, struct order_sink *k)
{
    k->text(k, o->uuid);
    k->text(k, o->uuid_callback);
    k->text(k, o->pay_token);
    k->i64(k, o->shop_id, true);
    k->i64(k, o->origin, true);
    k->i64(k, (int)o->status, true);
    k->i64(k, o->amount, true);
    k->text(k, o->currency);
    k->i64(k, o->fee, true);
    k->i64(k, o->amount_usdt, true);
    k->text(k, o->exchange_rate);
    k->text(k, o->merchant_order_id);
    k->text(k, o->requisite_type);
    k->i64(k, o->payment_system, true);
    k->text(k, o->customer_name);
    k->text(k, o->customer_requisite);
    k->text(k, o->bank_code);
    k->text(k, o->countries);
    k->text(k, o->payment_systems);
    k->text(k, o->email);
    k->text(k, o->phone);
    k->text(k, o->success_url);
    k->text(k, o->fail_url);
    k->text(k, o->notify_url);
    k->text(k, o->lang);
    k->i64(k, o->test, true);
    k->i64(k, o->confirmed_by_customer, true);
    k->i64(k, o->requisite_id, o->requisite_id != 0);
    k->i64(k, o->created_at, true);
    k->i64(k, o->expires_at, true);
    k->i64(k, o->paid_at, true);
    k->i64(k, o->updated_at, true);
}

void pg_read_order(const PGresult *r, int row, struct order *o)
{
    memset(o, 0, sizeof *o);
    o->id = pg_i64(r, row, 0);
    pg_text(r, row, 1, o->uuid, sizeof o->uuid);
    pg_text(r, row, 2, o->uuid_callback, sizeof o->uuid_callback);
    pg_text(r, row, 3, o->pay_token, sizeof o->pay_token);
    o->shop_id = pg_i64(r, row, 4);
    o->origin = (int)pg_i64(r, row, 5);
    o->status = (enum order_status)pg_i64(r, row, 6);
    o->amount = pg_i64(r, row, 7);
    pg_text(r, row, 8, o->currency, sizeof o->currency);
    o->fee = pg_i64(r, row, 9);
    o->amount_usdt = pg_i64(r, row, 10);
    pg_text(r, row, 11, o->exchange_rate, sizeof o->exchange_rate);
    pg_text(r, row, 12, o->merchant_order_id, sizeof o->merchant_order_id);
    pg_text(r, row, 13, o->requisite_type, sizeof o->requisite_type);
    o->payment_system = (int)pg_i64(r, row, 14);
    pg_text(r, row, 15, o->customer_name, sizeof o->customer_name);
    pg_text(r, row, 16, o->customer_requisite, sizeof o->customer_requisite);
    pg_text(r, row, 17, o->bank_code, sizeof o->bank_code);
    pg_text(r, row, 18, o->countries, sizeof o->countries);
    pg_text(r, row, 19, o->payment_systems, sizeof o->payment_systems);
    pg_text(r, row, 20, o->email, sizeof o->email);
    pg_text(r, row, 21, o->phone, sizeof o->phone);
    pg_text(r, row, 22, o->success_url, sizeof o->success_url);
    pg_text(r, row, 23, o->fail_url, sizeof o->fail_url);
    pg_text(r, row, 24, o->notify_url, sizeof o->notify_url);
    pg_text(r, row, 25, o->lang, sizeof o->lang);
    o->test = pg_i64(r, row, 26) != 0;
    o->confirmed_by_customer = pg_i64(r, row, 27) != 0;
    o->requisite_id = pg_i64(r, row, 28);
    o->created_at = pg_i64(r, row, 29);
    o->expires_at = pg_i64(r, row, 30);
    o->paid_at = pg_i64(r, row, 31);
    o->updated_at = pg_i64(r, row, 32);
    if (!PQgetisnull(r, row, 33))
        pg_read_requisite(r, row, 33, &o->req);
}

kassa_err pg_order_get(struct store_conn *base, enum order_key by, const char *key, int64_t id,
                       struct order *out)
{
    CONN(base);
    static const enum pg_stmt ids[] = {
        [ORDER_BY_ID] = STMT_ORDER_BY_ID,
        [ORDER_BY_UUID] = STMT_ORDER_BY_UUID,
        [ORDER_BY_UUID_CALLBACK] = STMT_ORDER_BY_UUID_CALLBACK,
    };
    struct pg_params p = {0};
    if (by == ORDER_BY_ID)
        pgp_i64(&p, id);
    else
        pgp_text(&p, key);
    kassa_err err;
    PGresult *r = core_exec(c, ids[by], &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0)
        err = KASSA_ENOTFOUND;
    else
        pg_read_order(r, 0, out);
    PQclear(r);
    return err;
}

kassa_err pg_orders_by_merchant_order_id(struct store_conn *base, int64_t shop_id, const char *moid,
                                         store_order_fn fn, void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_text(&p, moid);
    kassa_err err;
    struct order *o = malloc(sizeof *o);
    if (o == NULL)
        return KASSA_ENOMEM;
    PGresult *r = core_exec(c, STMT_ORDERS_BY_MERCHANT_ORDER_ID, &p, &err);
    for (int i = 0; r != NULL && i < PQntuples(r); i++) {
        pg_read_order(r, i, o);
        if (!fn(arg, o))
            break;
    }
    PQclear(r);
    free(o);
    return err;
}

kassa_err pg_idem_get(struct store_conn *base, int64_t shop_id, const char *key, struct idem *out)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, shop_id);
    pgp_text(&p, key);
    kassa_err err;
    PGresult *r = core_exec(c, STMT_IDEM_GET, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0) {
        err = KASSA_ENOTFOUND;
    } else {
        memset(out, 0, sizeof *out);
        out->shop_id = shop_id;
        snprintf(out->key, sizeof out->key, "%s", key);
        unsigned char fp[sizeof out->fingerprint];
        if (pg_bytes(r, 0, 0, fp, sizeof fp) == (long)sizeof fp)
            memcpy(out->fingerprint, fp, sizeof fp);
        out->order_id = pg_i64(r, 0, 1);
        out->created_at = pg_i64(r, 0, 2);
    }
    PQclear(r);
    return err;
}

kassa_err pg_idem_put(struct store_conn *base, const struct idem *in)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, in->shop_id);
    pgp_text(&p, in->key);
    pgp_bytes(&p, in->fingerprint, sizeof in->fingerprint);
    pgp_i64(&p, in->order_id);
    pgp_i64(&p, in->created_at);
    kassa_err err = core_run(c, STMT_IDEM_PUT, &p, NULL);
    /* Another node committed the same key after our lookup: run the command
     * again, it then answers with that node's order. */
    return err == KASSA_EEXIST ? KASSA_ERETRY : err;
}

kassa_err pg_rate_get(struct store_conn *base, const char *from, const char *to, char rate[32])
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, from);
    pgp_text(&p, to);
    kassa_err err;
    PGresult *r = core_exec(c, STMT_RATE_GET, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 0)
        err = KASSA_ENOTFOUND;
    else
        pg_text(r, 0, 0, rate, 32);
    PQclear(r);
    return err;
}

kassa_err pg_rate_put(struct store_conn *base, const char *from, const char *to, const char *rate,
                      int64_t now)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_text(&p, from);
    pgp_text(&p, to);
    pgp_text(&p, rate);
    pgp_i64(&p, now);
    return core_run(c, STMT_RATE_PUT, &p, NULL);
}

const struct store_ops store_pg_ops = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .writer = pg_writer,
    .reader = pg_reader,
    .release = pg_release,
    .writer_extra = pg_writer_extra,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .savepoint = pg_savepoint,
    .savepoint_release = pg_savepoint_release,
    .savepoint_rollback = pg_savepoint_rollback,
    .merchant_insert = pg_merchant_insert,
    .merchant_get = pg_merchant_get,
    .shop_insert = pg_shop_insert,
    .shop_get = pg_shop_get,
    .requisite_insert = pg_requisite_insert,
    .requisite_pick = pg_requisite_pick,
    .order_insert = pg_order_insert,
    .order_insert_idem = pg_order_insert_idem,
    .order_create_reads_many = pg_order_create_reads_many,
    .order_insert_many = pg_order_insert_many,
    .order_get = pg_order_get,
    .orders_by_merchant_order_id = pg_orders_by_merchant_order_id,
    .idem_get = pg_idem_get,
    .idem_put = pg_idem_put,
    .rate_get = pg_rate_get,
    .rate_put = pg_rate_put,
    /* money: pg_ledger.c */
    .order_set_status = pg_order_set_status,
    .ledger_post = pg_ledger_post,
    .event_insert = pg_event_insert,
    .orders_due = pg_orders_due,
    .order_confirm = pg_order_confirm,
    .order_set_method = pg_order_set_method,
    .receipt_image_put = pg_receipt_image_put,
    .receipt_image_get = pg_receipt_image_get,
    .order_stats = pg_order_stats,
    .withdrawal_insert = pg_withdrawal_insert,
    .withdrawal_get = pg_withdrawal_get,
    .withdrawal_set_status = pg_withdrawal_set_status,
    .withdrawals_page = pg_withdrawals_page,
    .balances = pg_balances,
    .ledger_verify = pg_ledger_verify,
    .idem_purge = pg_idem_purge,
    .shop_fee_get = pg_shop_fee_get,
    .shop_fee_set = pg_shop_fee_set,
    .shop_fees = pg_shop_fees,
    .shop_set_fee_percent = pg_shop_set_fee_percent,
    .shop_update = pg_shop_update,
    /* tegro: pg_tegro.c */
    .tegro_nonce_put = pg_tegro_nonce_put,
    .tegro_nonce_prune = pg_tegro_nonce_prune,
    .shops_by_merchant = pg_shops_by_merchant,
    .orders_page = pg_orders_page,
    .shop_methods = pg_shop_methods,
    .shop_method_set = pg_shop_method_set,
    .receipt_put = pg_receipt_put,
    .receipt_items = pg_receipt_items,
    /* callbacks: pg_callback.c */
    .events_unplanned = pg_events_unplanned,
    .event_planned = pg_event_planned,
    .callback_insert = pg_callback_insert,
    .callbacks_claim = pg_callbacks_claim,
    .callback_record = pg_callback_record,
    .callback_unlease = pg_callback_unlease,
    .callback_resend = pg_callback_resend,
    .callback_get = pg_callback_get,
    .callbacks_by_order = pg_callbacks_by_order,
    .callback_attempts = pg_callback_attempts,
    .callback_stats = pg_callback_stats,
};
