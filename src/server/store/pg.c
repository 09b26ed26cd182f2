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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "base/crashpoint.h"
#include "base/clock.h"
#include "base/log.h"
#include "migration.h"
#include "pg_internal.h"
#include "sql/overview.h"

/* The advisory lock key the migrations run under ("kassa" in ASCII). */
#define PG_MIGRATE_LOCK 0x6b61737361LL

/* Most extra writer connections (writer_extra). */
#define PG_MAX_WRITERS 64

/* How long store_reader waits for a free pooled connection. */
#define PG_POOL_WAIT_SECONDS 10

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

kassa_err pg_check(const char *url, char *err, size_t errlen)
{
    PGconn *pg = pg_connect(url);
    kassa_err e = KASSA_OK;
    if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
        char msg[512];
        pg_conn_message(pg, msg, sizeof msg);
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", msg);
        e = KASSA_EUNAVAILABLE;
    }
    PQfinish(pg);
    return e;
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
    bool again = c->pg != NULL;
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
    if (again)
        store_count_reconnect();
    return KASSA_OK;
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
        CRASHPOINT("migration"); /* applied, not recorded nor committed */
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

const struct store_ops store_pg_ops = {
    .name = "postgres",
    .sql_db_bytes = SQL_DB_BYTES_PG,
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
    .shop_get_by_api_key = pg_shop_get_by_api_key,
    .requisite_insert = pg_requisite_insert,
    .requisites_after = pg_requisites_after,
    .requisite_claim = pg_requisite_claim,
    .requisite_unclaim = pg_requisite_unclaim,
    .requisite_pending = pg_requisite_pending,
    .order_insert = pg_order_insert,
    .order_insert_idem = pg_order_insert_idem,
    .order_create_reads_many = pg_order_create_reads_many,
    .order_insert_many = pg_order_insert_many,
    .ledger_lock = pg_ledger_lock,
    .order_get = pg_order_get,
    .orders_by_merchant_order_id = pg_orders_by_merchant_order_id,
    .idem_get = pg_idem_get,
    .idem_put = pg_idem_put,
    .rate_get = pg_rate_get,
    .rate_put = pg_rate_put,
    .setting_get = pg_setting_get,
    .setting_put = pg_setting_put,
    /* money: pg_ledger.c */
    .order_set_status = pg_order_set_status,
    .ledger_post = pg_ledger_post,
    .event_insert = pg_event_insert,
    .orders_due = pg_orders_due,
    .order_confirm = pg_order_confirm,
    .order_set_method = pg_order_set_method,
    .receipt_image_put = pg_receipt_image_put,
    .receipt_image_get = pg_receipt_image_get,
    .evidence_put = pg_evidence_put,
    .evidence_get = pg_evidence_get,
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
    /* records: pg_records.c */
    .nonce_put = pg_nonce_put,
    .nonce_prune = pg_nonce_prune,
    .shops_by_merchant = pg_shops_by_merchant,
    .orders_page = pg_orders_page,
    .withdrawals_list = pg_withdrawals_list,
    .order_events = pg_order_events,
    .query_rows = pg_query_rows,
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
