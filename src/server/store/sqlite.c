/* sqlite.c: the embedded SQLite backend of the store interface.
 *
 * One writer connection (the writer thread's) and one read connection per
 * thread that reads, all on the same file in WAL mode with synchronous=FULL:
 * a commit is on disk before anyone is answered, and readers never wait for
 * the writer. Statements are prepared once per connection and cached. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "migration.h"
#include "sqlite_internal.h"

/* The statements of the connections and transactions, prepared lazily per
 * connection (slots SLOTS_CORE..). */
#define SQLITE_TX_STMTS(XX)                                                                        \
    XX(BEGIN, "BEGIN IMMEDIATE")                                                                   \
    XX(BEGIN_READ, "BEGIN")                                                                        \
    XX(COMMIT, "COMMIT")                                                                           \
    XX(ROLLBACK, "ROLLBACK")                                                                       \
    XX(SAVEPOINT, "SAVEPOINT cmd")                                                                 \
    XX(RELEASE, "RELEASE cmd")                                                                     \
    XX(ROLLBACK_TO, "ROLLBACK TO cmd")

enum sqlite_tx_stmt {
#define XX(name, sql) STMT_##name,
    SQLITE_TX_STMTS(XX)
#undef XX
        TX_STMT_COUNT_
};

static const char *const tx_sql[] = {
#define XX(name, sql) sql,
    SQLITE_TX_STMTS(XX)
#undef XX
};

_Static_assert((int)TX_STMT_COUNT_ <= (int)SLOTS_ROWS - (int)SLOTS_CORE,
               "transaction statements overflow their slots");

/* The statements of the rows, prepared lazily per connection (slots
 * SLOTS_ROWS..). */
#define SQLITE_STMTS(XX)                                                                           \
    XX(MERCHANT_INSERT, "INSERT INTO merchants(name, created_at) VALUES (?1, ?2)")                 \
    XX(MERCHANT_GET, "SELECT id, name, created_at FROM merchants WHERE id = ?1")                   \
    XX(SHOP_INSERT,                                                                                \
       "INSERT INTO shops(merchant_id, public_key, name, url, callback_url, fee_percent, "         \
       "panda_api_key, panda_secret, tegro_api_key, tegro_secret, panda_order_ttl, "               \
       "tegro_order_ttl, callback_version, active, created_at, notification_format) VALUES "       \
       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)")                  \
    XX(SHOP_BY_ID, SHOP_SELECT "WHERE id = ?1")                                                    \
    XX(SHOP_BY_PUBLIC_KEY, SHOP_SELECT "WHERE public_key = ?1")                                    \
    XX(SHOP_BY_PANDA_KEY, SHOP_SELECT "WHERE panda_api_key = ?1")                                  \
    XX(SHOP_BY_TEGRO_KEY, SHOP_SELECT "WHERE tegro_api_key = ?1")                                  \
    XX(REQUISITE_INSERT,                                                                           \
       "INSERT INTO requisites(type, value, owner_full_name, bank_code, bank_name_ru, "            \
       "bank_name_en, currency, country_code, active, assigned, created_at) VALUES "               \
       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10)")                                             \
    /* Round robin: the next matching requisite after the last one picked                          \
     * (requisites_pick is (type, currency, active, id), migration 007). */                        \
    XX(REQUISITE_PICK_BANK,                                                                        \
       REQUISITE_SELECT "WHERE type = ?1 AND currency = ?2 AND active = 1 AND bank_code = ?3 "     \
                        "AND id > ?4 ORDER BY id LIMIT ?5")                                        \
    XX(REQUISITE_PICK,                                                                             \
       REQUISITE_SELECT "WHERE type = ?1 AND currency = ?2 AND active = 1 AND id > ?3 "            \
                        "ORDER BY id LIMIT ?4")                                                    \
    /* The same, of the countries a filter admits (?6 / ?5: the order's                            \
     * struct country_filter, asked through kassa_country_ok). */                                  \
    XX(REQUISITE_PICK_BANK_COUNTRY,                                                                \
       REQUISITE_SELECT "WHERE type = ?1 AND currency = ?2 AND active = 1 AND bank_code = ?3 "     \
                        "AND id > ?4 AND kassa_country_ok(country_code, ?6) ORDER BY id LIMIT ?5") \
    XX(REQUISITE_PICK_COUNTRY,                                                                     \
       REQUISITE_SELECT "WHERE type = ?1 AND currency = ?2 AND active = 1 AND id > ?3 "            \
                        "AND kassa_country_ok(country_code, ?5) ORDER BY id LIMIT ?4")             \
    XX(ORDER_INSERT,                                                                               \
       "INSERT INTO orders(uuid, uuid_callback, pay_token, shop_id, origin, status, "              \
       "amount, currency, fee, amount_usdt, exchange_rate, merchant_order_id, "                    \
       "requisite_type, payment_system, customer_name, customer_requisite, bank_code, "            \
       "countries, payment_systems, email, phone, success_url, fail_url, notify_url, "             \
       "lang, test, confirmed_by_customer, requisite_id, created_at, expires_at, "                 \
       "paid_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "          \
       "?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, "          \
       "?29, ?30, ?31, ?32)")                                                                      \
    XX(ORDER_BY_ID, ORDER_SELECT "WHERE o.id = ?1")                                                \
    XX(ORDER_BY_UUID, ORDER_SELECT "WHERE o.uuid = ?1")                                            \
    XX(ORDER_BY_UUID_CALLBACK, ORDER_SELECT "WHERE o.uuid_callback = ?1")                          \
    XX(ORDERS_BY_MERCHANT_ORDER_ID,                                                                \
       ORDER_SELECT "WHERE o.shop_id = ?1 AND o.merchant_order_id = ?2 ORDER BY o.id")             \
    XX(RATE_GET, "SELECT rate FROM rates WHERE base = ?1 AND quote = ?2")                          \
    XX(RATE_PUT, "INSERT INTO rates(base, quote, rate, updated_at) VALUES (?1, ?2, ?3, ?4) "       \
                 "ON CONFLICT(base, quote) DO UPDATE SET rate = excluded.rate, "                   \
                 "updated_at = excluded.updated_at")

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

_Static_assert((int)STMT_COUNT_ <= (int)SLOTS_TEGRO - (int)SLOTS_ROWS,
               "row statements overflow their slots");

/* The cached row statement `id`. */
static sqlite3_stmt *stmt(struct sqlite_conn *c, enum sqlite_stmt id)
{
    return sqlite_stmt(c, SLOTS_ROWS + (int)id, stmt_sql[id]);
}

struct sqlite_store {
    struct store base;
    char *path;
    int lock_fd; /* the database file, flock()ed: one process per database */
    struct sqlite_conn *writer;
    struct sqlite_idem *idem; /* idempotency keys' index (sqlite_idem.c) */
    pthread_key_t reader_key;
    pthread_mutex_t mu; /* guards readers and the checkpointer's stop flag */
    struct sqlite_conn *readers;
    /* The checkpointer: copies the WAL back into the database file off the
     * writer's path, so no commit ever waits for a checkpoint. */
    sqlite3 *ckpt_db;
    pthread_t ckpt_thread;
    bool ckpt_running;
    bool ckpt_stop;
    /* CLOCK_MONOTONIC ms of the last commit that wrote to the WAL (the
     * writer's wal hook): readers keep their transaction only after a quiet
     * spell (see "read transactions kept"). */
    _Atomic int64_t last_write_ms;
    pthread_cond_t ckpt_cv;
};

/* ---- connections -------------------------------------------------------- */

static void reader_end(struct sqlite_conn *c);
static void readers_sweep(struct sqlite_store *s);

static void conn_close(struct sqlite_conn *c)
{
    if (c == NULL)
        return;
    reader_end(c);
    for (int i = 0; i < SQLITE_STMT_SLOTS; i++)
        sqlite3_finalize(c->stmt[i]);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->use);
    sqlite_pick_free(c->pick);
    free(c->memo);
    free(c);
}

static kassa_err exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_error("sqlite exec failed", "error=\"%s\"", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return KASSA_EIO;
    }
    return KASSA_OK;
}

/* KiB of page cache all reader connections share (see conn_open). */
#define READER_CACHE_KIB (32 * 1024)

/* The writer's checkpoint threshold, in WAL frames (16 MiB): see the
 * checkpointer below. */
#define WRITER_AUTOCHECKPOINT 4096

/* After every commit of the writer that wrote to the WAL: note the time,
 * and do what SQLite's own hook for PRAGMA wal_autocheckpoint does (which
 * this one replaces). */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
    struct sqlite_store *s = arg;
    atomic_store(&s->last_write_ms, clock_mono_ms());
    if (frames >= WRITER_AUTOCHECKPOINT)
        sqlite3_wal_checkpoint(db, name);
    return SQLITE_OK;
}

/* kassa_country_ok(country_code, filter): country_filter_admits, for the
 * requisite picks of an order with countries (REQUISITE_PICK_*_COUNTRY),
 * so the rule the PostgreSQL backend applies in C is the same function
 * here. A filter that is not bound admits nothing. */
static void sql_country_ok(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const struct country_filter *f = sqlite3_value_pointer(argv[1], COUNTRY_FILTER_PTR);
    const unsigned char *code = sqlite3_value_text(argv[0]);
    sqlite3_result_int(ctx, f != NULL && country_filter_admits(f, code ? (const char *)code : ""));
}

/* Open a connection to the store's file. Caller owns the result. */
static struct sqlite_conn *conn_open(struct sqlite_store *s, bool writer, char *err, size_t errlen)
{
    struct sqlite_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->use, NULL);
    c->base.ops = &store_sqlite_ops;
    c->base.store = &s->base;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(s->path, &c->db, flags, sqlite_vfs()) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", s->path,
                 c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(c->db, 5000);
    sqlite3_extended_result_codes(c->db, 1);
    /* No mmap for readers: SQLite maps the file once per connection, and
     * the resident pages of every mapping count (eight readers put a 64 MiB
     * mapping at 480 MB RSS in bench/run's reads phase).
     * temp_store=MEMORY keeps the statement journals of the per-command
     * savepoints in RAM: they only serve rolling a savepoint back inside the
     * open transaction, so durability (WAL, synchronous=FULL) is unchanged. */
    const char *pragmas = writer ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                   "PRAGMA foreign_keys=ON;"
                                   "PRAGMA journal_size_limit=16777216;"
                                   "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384;"
                                 : "PRAGMA query_only=1; PRAGMA synchronous=FULL;"
                                   "PRAGMA temp_store=MEMORY;";
    kassa_err cfg = exec_sql(c->db, pragmas);
    if (cfg == KASSA_OK && !writer) {
        /* The readers' page caches share one budget: each HTTP thread has
         * its reader, so one per CPU gets a big slice. With 2 threads (16
         * MiB each) a GET by uuid read 0.5 pages from the OS instead of 1.8
         * (bench/README). */
        int threads = store_opts()->reader_threads;
        int kib = READER_CACHE_KIB / threads;
        kib = kib < 2048 ? 2048 : kib > 16384 ? 16384 : kib;
        char cache[64];
        snprintf(cache, sizeof cache, "PRAGMA cache_size=-%d;", kib);
        cfg = exec_sql(c->db, cache);
    }
    if (cfg == KASSA_OK &&
        sqlite3_create_function_v2(c->db, "kassa_country_ok", 2,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
                                   sql_country_ok, NULL, NULL, NULL) != SQLITE_OK)
        cfg = KASSA_EIO;
    if (cfg != KASSA_OK) {
        snprintf(err, errlen, "cannot configure %s: %s", s->path, sqlite3_errmsg(c->db));
        goto fail;
    }
    if (writer)
        sqlite3_wal_hook(c->db, on_wal_commit, s);
    return c;
fail:
    conn_close(c);
    return NULL;
}

sqlite3_stmt *sqlite_stmt(struct sqlite_conn *c, int slot, const char *sql)
{
    sqlite3_stmt *st = c->stmt[slot];
    if (st == NULL) {
        if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
            log_error("sqlite prepare failed", "error=\"%s\"", sqlite3_errmsg(c->db));
            return NULL;
        }
        c->stmt[slot] = st;
    }
    return st;
}

/* The cached transaction statement `id`. */
static sqlite3_stmt *tx_stmt(struct sqlite_conn *c, enum sqlite_tx_stmt id)
{
    return sqlite_stmt(c, SLOTS_CORE + (int)id, tx_sql[id]);
}

void sqlite_stmt_done(sqlite3_stmt *st)
{
    if (st != NULL) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

kassa_err sqlite_step_error(struct sqlite_conn *c, int rc)
{
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return KASSA_EEXIST;
    log_error("sqlite step failed", "rc=%d error=\"%s\"", rc, sqlite3_errmsg(c->db));
    return KASSA_EIO;
}

kassa_err sqlite_run(struct sqlite_conn *c, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    kassa_err err = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

void sqlite_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

void sqlite_col_text(sqlite3_stmt *st, int i, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

/* ---- lifecycle ---------------------------------------------------------- */

static kassa_err migrate(struct sqlite_conn *c, char *err, size_t errlen)
{
    if (exec_sql(c->db, "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS schema_migrations ("
                        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                        "applied_at INTEGER NOT NULL)") != KASSA_OK)
        goto fail;
    sqlite3_stmt *st = NULL;
    /* Apply every migration not yet recorded (not just those above the
     * highest): migrations written on parallel branches may land out of
     * order. */
    for (size_t i = 0; i < migrations_sqlite_count; i++) {
        const struct migration *m = &migrations_sqlite[i];
        if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM schema_migrations WHERE version = ?1", -1, &st,
                               NULL) != SQLITE_OK)
            goto fail;
        sqlite3_bind_int(st, 1, m->version);
        int have = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        if (have)
            continue;
        if (exec_sql(c->db, m->sql) != KASSA_OK)
            goto fail;
        if (sqlite3_prepare_v2(c->db,
                               "INSERT INTO schema_migrations(version, name, applied_at) "
                               "VALUES (?1, ?2, ?3)",
                               -1, &st, NULL) != SQLITE_OK)
            goto fail;
        sqlite3_bind_int(st, 1, m->version);
        sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, clock_now());
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            goto fail;
        log_info("migration applied", "version=%d name=%s", m->version, m->name);
    }
    if (exec_sql(c->db, "COMMIT") != KASSA_OK)
        goto fail;
    return KASSA_OK;
fail:
    snprintf(err, errlen, "migration failed: %s", sqlite3_errmsg(c->db));
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return KASSA_EIO;
}

#define CHECKPOINT_EVERY_MS 50

/* Every CHECKPOINT_EVERY_MS: a PASSIVE checkpoint (never blocks the writer or
 * readers; copies what it can), with its own connection, so the copying is
 * done off the writer's path. Under a steady stream of commits a passive
 * checkpoint rarely catches the very last frame, and only a checkpoint that
 * did lets the WAL start over: the writer checkpoints itself after a commit
 * that leaves 4096 frames (16 MiB; on_wal_commit, as SQLite's own
 * wal_autocheckpoint would), which then finds almost
 * everything copied already, and journal_size_limit trims the file back to
 * 16 MiB. (With the writer's autocheckpoint off, the WAL grew without end.)
 * Its cost is a short stall of the writer every 16 MiB of WAL (the last
 * frames and the database file's fsync): the p99 of a create under full
 * load rises from ~10 to ~20-40 ms on the 2-core VM. */
static void *checkpointer_main(void *arg)
{
    pthread_setname_np(pthread_self(), "kassa-ckpt"); /* top -H, perf */
    struct sqlite_store *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->ckpt_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += CHECKPOINT_EVERY_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&s->ckpt_cv, &s->mu, &until);
        if (s->ckpt_stop)
            break;
        readers_sweep(s);
        pthread_mutex_unlock(&s->mu);
        int log_frames = 0, done = 0;
        int rc = sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                           &done);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            log_warn("wal checkpoint failed", "error=\"%s\"", sqlite3_errmsg(s->ckpt_db));
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static bool checkpointer_start(struct sqlite_store *s)
{
    if (sqlite3_open_v2(s->path, &s->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        sqlite_vfs()) != SQLITE_OK)
        return false;
    sqlite3_busy_timeout(s->ckpt_db, 1000);
    /* A connection opens the database (and learns it is in WAL mode) at its
     * first statement; a checkpoint before that silently does nothing. */
    if (exec_sql(s->ckpt_db, "SELECT count(*) FROM sqlite_master") != KASSA_OK)
        return false;
    if (pthread_create(&s->ckpt_thread, NULL, checkpointer_main, s) != 0)
        return false;
    s->ckpt_running = true;
    return true;
}

static void sqlite_close(struct store *base)
{
    struct sqlite_store *s = container_of(base, struct sqlite_store, base);
    if (s == NULL)
        return;
    if (s->ckpt_running) {
        pthread_mutex_lock(&s->mu);
        s->ckpt_stop = true;
        pthread_cond_signal(&s->ckpt_cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->ckpt_thread, NULL);
    }
    sqlite3_close(s->ckpt_db);
    pthread_cond_destroy(&s->ckpt_cv);
    conn_close(s->writer);
    sqlite_idem_close(s->idem);
    struct sqlite_conn *r = s->readers;
    while (r) {
        struct sqlite_conn *next = r->next_reader;
        conn_close(r);
        r = next;
    }
    pthread_key_delete(s->reader_key);
    pthread_mutex_destroy(&s->mu);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    free(s->path);
    free(s);
}

/* One process per SQLite database: the idempotency keys' index and the
 * requisite cursors live in this process's memory, so a second kassad on
 * the same file (started twice by mistake; SO_REUSEPORT even lets it share
 * the port) would not see this one's new keys and could make a second order
 * for one key. An exclusive flock() on the database file, held while the
 * store is open, refuses the second one at start. (flock locks are apart
 * from the POSIX locks SQLite takes; sqlite3 and other readers are not
 * affected.) */
static bool lock_database(struct sqlite_store *s, char *err, size_t errlen)
{
    s->lock_fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", s->path, strerror(errno));
        return false;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            snprintf(err, errlen,
                     "%s is in use by another kassad process (one process per SQLite "
                     "database; several nodes share a PostgreSQL database)",
                     s->path);
        else
            snprintf(err, errlen, "cannot lock %s: %s", s->path, strerror(errno));
        return false;
    }
    return true;
}

/* SQLite's memory statistics take a global mutex on every allocation, which
 * every reader thread then contends for; kassa reads none. Possible only
 * before the library initialises (the first open), hence once, here. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_global_config(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static kassa_err sqlite_open(const char *path, struct store **out, char *err, size_t errlen)
{
    if (path == NULL || *path == '\0') {
        snprintf(err, errlen, "sqlite: empty database path");
        return KASSA_EINVAL;
    }
    pthread_once(&sqlite_once, sqlite_global_config);
    struct sqlite_store *s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return KASSA_ENOMEM;
    }
    s->base.ops = &store_sqlite_ops;
    s->lock_fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->ckpt_cv, NULL);
    pthread_key_create(&s->reader_key, NULL);
    if (!lock_database(s, err, errlen))
        goto fail;
    s->writer = conn_open(s, true, err, errlen);
    if (s->writer == NULL)
        goto fail;
    if (migrate(s->writer, err, errlen) != KASSA_OK)
        goto fail;
    if ((s->idem = sqlite_idem_open(s->writer, err, errlen)) == NULL)
        goto fail;
    s->writer->idem = s->idem;
    s->writer->writer = true;
    if (!checkpointer_start(s)) {
        snprintf(err, errlen, "cannot start the WAL checkpointer on %s", s->path);
        goto fail;
    }
    *out = &s->base;
    return KASSA_OK;
fail:
    sqlite_close(&s->base);
    return KASSA_EIO;
}

size_t sqlite_idem_entries(struct store *base)
{
    return sqlite_idem_count(container_of(base, struct sqlite_store, base)->idem);
}

static struct store_conn *sqlite_writer(struct store *base)
{
    return &container_of(base, struct sqlite_store, base)->writer->base;
}

/* ---- read transactions kept ------------------------------------------------
 * Beginning and ending a read transaction was a seventh of a GET by uuid
 * (two fcntl calls on the WAL read mark, and an fstat of the database while
 * the WAL is empty): 9.5 us per lookup against 6.2 us inside one transaction
 * (bench/README). So a reader keeps its transaction from one request to the
 * next, and uses it again only while the WAL-index header in shared memory
 * is byte for byte what it was before the transaction began: nothing was
 * committed since, on any connection to the file, so its snapshot is the one a
 * new transaction would get (SQLite's own test, walIndexTryHdr, compares the
 * same header). Any commit changes the header, and the next request begins
 * a new transaction: a client that has seen its commit answered always
 * reads it.
 *
 * A kept transaction pins the WAL: the checkpoint cannot copy past its
 * snapshot, and the WAL cannot start over while it holds a read mark. So a
 * reader keeps one only after READER_QUIET_MS without a commit that wrote
 * anything (reads between writes end theirs as before), and the
 * checkpointer ends the kept transaction of every reader not in use once
 * something was committed after it began, before each checkpoint (every
 * 50 ms). */

#define READER_QUIET_MS 200

/* The WAL-index header now into h; false when the shared memory is not
 * known (yet). */
static bool wal_header(struct sqlite_conn *c, unsigned char h[SQLITE_WAL_HDR])
{
    if (c->shm == NULL)
        return false;
    atomic_thread_fence(memory_order_acquire); /* as SQLite's walShmBarrier */
    for (int i = 0; i < SQLITE_WAL_HDR; i++)
        h[i] = c->shm[i];
    return true;
}

/* Learn where the WAL index is mapped, once the connection has read in WAL
 * mode (SQLite has then mapped it itself: this only asks for the pointer). */
static void find_shm(struct sqlite_conn *c)
{
    sqlite3_file *f = NULL;
    if (sqlite3_txn_state(c->db, NULL) == SQLITE_TXN_NONE ||
        sqlite3_file_control(c->db, NULL, SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
        f == NULL || f->pMethods == NULL || f->pMethods->iVersion < 2)
        return;
    void volatile *p = NULL;
    if (f->pMethods->xShmMap(f, 0, 32 * 1024, 0, &p) == SQLITE_OK && p != NULL)
        c->shm = p;
}

static void reader_end(struct sqlite_conn *c)
{
    if (!c->in_tx)
        return;
    c->in_tx = false;
    if (sqlite3_get_autocommit(c->db))
        return;                                 /* SQLite ended it already (after an error) */
    sqlite3_stmt *st = tx_stmt(c, STMT_COMMIT); /* prepared: this runs per request */
    if (st == NULL || sqlite_run(c, st) != KASSA_OK)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Whether c's open transaction sees the newest commit: nothing was
 * committed since it began. h: the header now (*have: it could be read). */
static bool snapshot_newest(struct sqlite_conn *c, unsigned char h[SQLITE_WAL_HDR], bool *have)
{
    *have = wal_header(c, h);
    return c->in_tx && c->hdr_valid && *have && memcmp(h, c->tx_hdr, SQLITE_WAL_HDR) == 0 &&
           !sqlite3_get_autocommit(c->db);
}

/* At store_reader: use the kept transaction when nothing was committed
 * since it began, else begin a new one. */
static void reader_begin(struct sqlite_conn *c)
{
    unsigned char h[SQLITE_WAL_HDR];
    bool have;
    if (snapshot_newest(c, h, &have))
        return;
    reader_end(c);
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL); /* never expected */
    sqlite3_stmt *st = tx_stmt(c, STMT_BEGIN_READ);
    if (st == NULL || sqlite_run(c, st) != KASSA_OK)
        return; /* the request's statements run on their own, as before */
    c->in_tx = true;
    c->begins++;
    c->hdr_valid = have;
    if (have)
        memcpy(c->tx_hdr, h, sizeof h);
}

/* This thread's read connection, opened on first use and kept until close. */
static struct store_conn *sqlite_reader(struct store *base)
{
    struct sqlite_store *s = container_of(base, struct sqlite_store, base);
    struct sqlite_conn *c = pthread_getspecific(s->reader_key);
    if (c == NULL) {
        char err[256];
        c = conn_open(s, false, err, sizeof err);
        if (c == NULL) {
            log_error("sqlite reader open failed", "error=\"%s\"", err);
            return NULL;
        }
        c->idem = s->idem;
        pthread_setspecific(s->reader_key, c);
        pthread_mutex_lock(&s->mu);
        c->next_reader = s->readers;
        s->readers = c;
        pthread_mutex_unlock(&s->mu);
    }
    if (c->depth++ == 0) {
        pthread_mutex_lock(&c->use);
        reader_begin(c);
    }
    return &c->base;
}

/* Whether c's kept transaction may stay open: its snapshot is still the
 * newest, and nothing was written for READER_QUIET_MS. */
static bool reader_keep(struct sqlite_store *s, struct sqlite_conn *c)
{
    unsigned char h[SQLITE_WAL_HDR];
    bool have;
    return snapshot_newest(c, h, &have) &&
           clock_mono_ms() - atomic_load(&s->last_write_ms) >= READER_QUIET_MS;
}

static void sqlite_release(struct store_conn *base)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    if (c == NULL || c->writer || c->depth == 0 || --c->depth > 0)
        return;
    if (c->shm == NULL)
        find_shm(c);
    if (!reader_keep(container_of(c->base.store, struct sqlite_store, base), c))
        reader_end(c);
    pthread_mutex_unlock(&c->use);
}

/* The checkpointer, before each checkpoint: end the kept transaction of
 * every reader not in use whose snapshot is no longer the newest (or after
 * a write), so that none holds the checkpoint back. Caller holds s->mu
 * (the readers list). */
static void readers_sweep(struct sqlite_store *s)
{
    for (struct sqlite_conn *r = s->readers; r != NULL; r = r->next_reader) {
        if (pthread_mutex_trylock(&r->use) != 0)
            continue;
        if (!reader_keep(s, r))
            reader_end(r);
        pthread_mutex_unlock(&r->use);
    }
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

/* Void every entry (and every requisite window, see pick_round). */
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

/* ---- transactions ------------------------------------------------------- */

static kassa_err run_simple(struct store_conn *base, enum sqlite_tx_stmt id)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = tx_stmt(c, id);
    return st ? sqlite_run(c, st) : KASSA_EIO;
}

/* The idempotency index follows the writer's transactions (sqlite_idem.c). */
static void idem_tx(struct store_conn *c, enum sqlite_idem_tx ev)
{
    struct sqlite_conn *sc = container_of(c, struct sqlite_conn, base);
    if (sc->writer)
        sqlite_idem_tx(sc->idem, ev);
}

static kassa_err sqlite_begin(struct store_conn *c)
{
    idem_tx(c, IDEM_TX_BEGIN);
    sqlite_memo_forget(container_of(c, struct sqlite_conn, base));
    return run_simple(c, STMT_BEGIN);
}
static kassa_err sqlite_commit(struct store_conn *c)
{
    kassa_err err = run_simple(c, STMT_COMMIT);
    if (err == KASSA_OK)
        idem_tx(c, IDEM_TX_COMMITTED);
    return err;
}
static kassa_err sqlite_rollback(struct store_conn *c)
{
    struct sqlite_conn *sc = container_of(c, struct sqlite_conn, base);
    idem_tx(c, IDEM_TX_ROLLBACK);
    sqlite_memo_forget(sc);
    if (sqlite3_get_autocommit(sc->db))
        return KASSA_OK; /* SQLite already rolled back (e.g. after an I/O error) */
    return run_simple(c, STMT_ROLLBACK);
}
static kassa_err sqlite_savepoint(struct store_conn *c)
{
    idem_tx(c, IDEM_TX_SAVEPOINT);
    return run_simple(c, STMT_SAVEPOINT);
}
static kassa_err sqlite_savepoint_release(struct store_conn *c)
{
    return run_simple(c, STMT_RELEASE);
}
static kassa_err sqlite_savepoint_rollback(struct store_conn *c)
{
    /* ROLLBACK TO keeps the savepoint open; release it too. */
    idem_tx(c, IDEM_TX_ROLLBACK_TO);
    sqlite_memo_forget(container_of(c, struct sqlite_conn, base));
    kassa_err err = run_simple(c, STMT_ROLLBACK_TO);
    if (err == KASSA_OK)
        err = run_simple(c, STMT_RELEASE);
    return err;
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
    sqlite_bind_text(st, 7, s->panda_api_key);
    sqlite_bind_text(st, 8, s->panda_secret);
    sqlite_bind_text(st, 9, s->tegro_api_key);
    sqlite_bind_text(st, 10, s->tegro_secret);
    sqlite3_bind_int(st, 11, s->panda_order_ttl);
    sqlite3_bind_int(st, 12, s->tegro_order_ttl);
    sqlite3_bind_int(st, 13, s->callback_version);
    sqlite3_bind_int(st, 14, s->active);
    sqlite3_bind_int64(st, 15, s->created_at);
    sqlite_bind_text(st, 16, s->notification_format);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK)
        s->id = sqlite3_last_insert_rowid(c->db);
    return err;
}

void sqlite_read_shop(sqlite3_stmt *st, struct shop *s)
{
    s->id = sqlite3_column_int64(st, 0);
    s->merchant_id = sqlite3_column_int64(st, 1);
    sqlite_col_text(st, 2, s->public_key, sizeof s->public_key);
    sqlite_col_text(st, 3, s->name, sizeof s->name);
    sqlite_col_text(st, 4, s->url, sizeof s->url);
    sqlite_col_text(st, 5, s->callback_url, sizeof s->callback_url);
    sqlite_col_text(st, 6, s->fee_percent, sizeof s->fee_percent);
    sqlite_col_text(st, 7, s->panda_api_key, sizeof s->panda_api_key);
    sqlite_col_text(st, 8, s->panda_secret, sizeof s->panda_secret);
    sqlite_col_text(st, 9, s->tegro_api_key, sizeof s->tegro_api_key);
    sqlite_col_text(st, 10, s->tegro_secret, sizeof s->tegro_secret);
    s->panda_order_ttl = sqlite3_column_int(st, 11);
    s->tegro_order_ttl = sqlite3_column_int(st, 12);
    s->callback_version = sqlite3_column_int(st, 13);
    s->active = sqlite3_column_int(st, 14);
    s->created_at = sqlite3_column_int64(st, 15);
    sqlite_col_text(st, 16, s->notification_format, sizeof s->notification_format);
}

kassa_err sqlite_shop_get(struct store_conn *base, enum shop_key by, const char *key, int64_t id,
                          struct shop *out)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    static const enum sqlite_stmt ids[] = {
        [SHOP_BY_ID] = STMT_SHOP_BY_ID,
        [SHOP_BY_PUBLIC_KEY] = STMT_SHOP_BY_PUBLIC_KEY,
        [SHOP_BY_PANDA_KEY] = STMT_SHOP_BY_PANDA_KEY,
        [SHOP_BY_TEGRO_KEY] = STMT_SHOP_BY_TEGRO_KEY,
    };
    sqlite3_stmt *st = stmt(c, ids[by]);
    if (st == NULL)
        return KASSA_EIO;
    if (by == SHOP_BY_ID)
        sqlite3_bind_int64(st, 1, id);
    else
        sqlite_bind_text(st, 1, key);
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_OK;
    if (rc == SQLITE_ROW)
        sqlite_read_shop(st, out);
    else
        err = rc == SQLITE_DONE ? KASSA_ENOTFOUND : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
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
    sqlite_memo_forget(c);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK)
        r->id = sqlite3_last_insert_rowid(c->db);
    return err;
}

/* Read requisite columns starting at column `i`. */
static void read_requisite(sqlite3_stmt *st, int i, struct requisite *r)
{
    r->id = sqlite3_column_int64(st, i + 0);
    sqlite_col_text(st, i + 1, r->type, sizeof r->type);
    sqlite_col_text(st, i + 2, r->value, sizeof r->value);
    sqlite_col_text(st, i + 3, r->owner_full_name, sizeof r->owner_full_name);
    sqlite_col_text(st, i + 4, r->bank_code, sizeof r->bank_code);
    sqlite_col_text(st, i + 5, r->bank_name_ru, sizeof r->bank_name_ru);
    sqlite_col_text(st, i + 6, r->bank_name_en, sizeof r->bank_name_en);
    sqlite_col_text(st, i + 7, r->currency, sizeof r->currency);
    sqlite_col_text(st, i + 8, r->country_code, sizeof r->country_code);
    r->active = sqlite3_column_int(st, i + 9);
    r->assigned = sqlite3_column_int64(st, i + 10);
    r->created_at = sqlite3_column_int64(st, i + 11);
}

/* The writer's round-robin cursors: the last requisite id picked per
 * (type, currency, preferred bank, country filter). A handful of
 * combinations exist; when more do, the oldest cursor is reused (its
 * combination restarts at the first requisite, which only shifts the
 * rotation). A filter's cursor rotates over the requisites it admits only
 * (its statements ask kassa_country_ok), so its window holds only those.
 *
 * Each cursor also holds a window of the requisites that follow it, read
 * in one statement and handed out one per pick for the rest of the memo
 * generation (see "the writer's memo"): the same requisites in the same
 * order as one statement per pick would give. When the window was read
 * from the first requisite and is not full, it is every matching
 * requisite, and the rotation wraps around inside it. */
#define PICK_CURSORS 32
#define PICK_WINDOW 16

struct pick_cursor {
    char type[TEXT_SIZE], currency[TEXT_SIZE], bank_code[TEXT_SIZE];
    struct country_filter countries; /* not active: any country */
    int64_t last_id;
    uint64_t gen;           /* the memo generation of rows; 0: none */
    int n, next;            /* rows[next..n) follow last_id */
    bool whole;             /* rows are every matching requisite */
    struct requisite *rows; /* PICK_WINDOW of them, allocated on first use */
};

struct pick_cursors {
    struct pick_cursor c[PICK_CURSORS];
    unsigned used; /* slots taken so far (then reused oldest first) */
};

void sqlite_pick_free(struct pick_cursors *pc)
{
    if (pc == NULL)
        return;
    for (unsigned i = 0; i < PICK_CURSORS; i++)
        free(pc->c[i].rows);
    free(pc);
}

/* The connection's cursor for the combination (allocated on first use);
 * NULL when out of memory (the pick then starts at the first requisite). */
static struct pick_cursor *pick_cursor(struct sqlite_conn *conn, const char *type,
                                       const char *currency, const char *bank_code,
                                       const struct country_filter *countries)
{
    if (conn->pick == NULL && (conn->pick = calloc(1, sizeof *conn->pick)) == NULL)
        return NULL;
    struct pick_cursors *pc = conn->pick;
    const char *bank = bank_code ? bank_code : "";
    unsigned n = pc->used < PICK_CURSORS ? pc->used : PICK_CURSORS;
    for (unsigned i = 0; i < n; i++) {
        struct pick_cursor *c = &pc->c[i];
        if (strcmp(c->type, type) == 0 && strcmp(c->currency, currency) == 0 &&
            strcmp(c->bank_code, bank) == 0 && country_filter_equal(&c->countries, countries))
            return c;
    }
    struct pick_cursor *c = &pc->c[pc->used++ % PICK_CURSORS];
    snprintf(c->type, sizeof c->type, "%s", type);
    snprintf(c->currency, sizeof c->currency, "%s", currency);
    snprintf(c->bank_code, sizeof c->bank_code, "%s", bank);
    if (countries != NULL)
        c->countries = *countries;
    else
        memset(&c->countries, 0, sizeof c->countries);
    c->last_id = 0;
    c->gen = 0;
    return c;
}

/* Up to `max` matching requisites with id > after, in id order, into
 * rows; their number in *n. `id` is the statement for a bank (bank_code
 * not NULL) and a country filter (countries not NULL) or not. */
static kassa_err pick_read(struct sqlite_conn *c, enum sqlite_stmt id, const char *type,
                           const char *currency, const char *bank_code,
                           const struct country_filter *countries, int64_t after,
                           struct requisite *rows, int max, int *n)
{
    *n = 0;
    sqlite3_stmt *st = stmt(c, id);
    if (st == NULL)
        return KASSA_EIO;
    sqlite_bind_text(st, 1, type);
    sqlite_bind_text(st, 2, currency);
    int i = 3;
    if (bank_code)
        sqlite_bind_text(st, i++, bank_code);
    sqlite3_bind_int64(st, i++, after);
    sqlite3_bind_int(st, i++, max);
    if (countries)
        sqlite3_bind_pointer(st, i, (void *)countries, COUNTRY_FILTER_PTR, NULL);
    int rc = SQLITE_DONE;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        read_requisite(st, 0, &rows[(*n)++]);
    kassa_err err = *n == max || rc == SQLITE_DONE ? KASSA_OK : sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

/* The next requisite after the cursor, wrapping around to the first. */
static kassa_err pick_round(struct sqlite_conn *c, enum sqlite_stmt id, const char *type,
                            const char *currency, const char *bank_code,
                            const struct country_filter *countries, struct requisite *out)
{
    struct pick_cursor *pc = pick_cursor(c, type, currency, bank_code, countries);
    if (pc != NULL && pc->rows == NULL)
        pc->rows = malloc(PICK_WINDOW * sizeof *pc->rows);
    int n;
    kassa_err err;
    if (pc == NULL || pc->rows == NULL) { /* out of memory: the first one */
        err = pick_read(c, id, type, currency, bank_code, countries, 0, out, 1, &n);
        return err != KASSA_OK ? err : n == 1 ? KASSA_OK : KASSA_ENOTFOUND;
    }
    bool memo = memo_on(c);
    if (!memo || pc->gen != c->memo_gen || (pc->next == pc->n && !pc->whole)) {
        /* Outside the memo, one row: a window would be read for one pick. */
        int max = memo ? PICK_WINDOW : 1;
        int64_t after = pc->last_id;
        pc->gen = 0;
        err = pick_read(c, id, type, currency, bank_code, countries, after, pc->rows, max, &n);
        if (err == KASSA_OK && n == 0 && after != 0) {
            after = 0;
            err = pick_read(c, id, type, currency, bank_code, countries, 0, pc->rows, max, &n);
        }
        if (err != KASSA_OK)
            return err;
        pc->n = n;
        pc->next = 0;
        pc->whole = after == 0 && n < max;
        pc->gen = memo ? c->memo_gen : 0;
    }
    if (pc->n == 0)
        return KASSA_ENOTFOUND;
    if (pc->next == pc->n)
        pc->next = 0; /* every matching requisite is in the window */
    *out = pc->rows[pc->next++];
    pc->last_id = out->id;
    return KASSA_OK;
}

/* Only the writer picks (in an order create), and the cursors are its
 * connection's, so they need no lock:
 * a read, no write (an UPDATE of a counter per order cost a fifth of a
 * create's writer time). */
kassa_err sqlite_requisite_pick(struct store_conn *base, const char *type, const char *currency,
                                const char *bank_code, const struct country_filter *countries,
                                struct requisite *out)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    kassa_err err = KASSA_ENOTFOUND;
    const struct country_filter *f = country_filter_active(countries) ? countries : NULL;
    if (bank_code && *bank_code)
        err = pick_round(c, f ? STMT_REQUISITE_PICK_BANK_COUNTRY : STMT_REQUISITE_PICK_BANK, type,
                         currency, bank_code, f, out);
    if (err == KASSA_ENOTFOUND)
        err = pick_round(c, f ? STMT_REQUISITE_PICK_COUNTRY : STMT_REQUISITE_PICK, type, currency,
                         NULL, f, out);
    return err;
}

kassa_err sqlite_order_insert(struct store_conn *base, struct order *o)
{
    struct sqlite_conn *c = container_of(base, struct sqlite_conn, base);
    sqlite3_stmt *st = stmt(c, STMT_ORDER_INSERT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite_bind_text(st, 1, o->uuid);
    sqlite_bind_text(st, 2, o->uuid_callback);
    sqlite_bind_text(st, 3, o->pay_token);
    sqlite3_bind_int64(st, 4, o->shop_id);
    sqlite3_bind_int(st, 5, o->origin);
    sqlite3_bind_int(st, 6, (int)o->status);
    sqlite3_bind_int64(st, 7, o->amount);
    sqlite_bind_text(st, 8, o->currency);
    sqlite3_bind_int64(st, 9, o->fee);
    sqlite3_bind_int64(st, 10, o->amount_usdt);
    sqlite_bind_text(st, 11, o->exchange_rate);
    sqlite_bind_text(st, 12, o->merchant_order_id);
    sqlite_bind_text(st, 13, o->requisite_type);
    sqlite3_bind_int(st, 14, o->payment_system);
    sqlite_bind_text(st, 15, o->customer_name);
    sqlite_bind_text(st, 16, o->customer_requisite);
    sqlite_bind_text(st, 17, o->bank_code);
    sqlite_bind_text(st, 18, o->countries);
    sqlite_bind_text(st, 19, o->payment_systems);
    sqlite_bind_text(st, 20, o->email);
    sqlite_bind_text(st, 21, o->phone);
    sqlite_bind_text(st, 22, o->success_url);
    sqlite_bind_text(st, 23, o->fail_url);
    sqlite_bind_text(st, 24, o->notify_url);
    sqlite_bind_text(st, 25, o->lang);
    sqlite3_bind_int(st, 26, o->test);
    sqlite3_bind_int(st, 27, o->confirmed_by_customer);
    if (o->requisite_id)
        sqlite3_bind_int64(st, 28, o->requisite_id);
    else
        sqlite3_bind_null(st, 28);
    sqlite3_bind_int64(st, 29, o->created_at);
    sqlite3_bind_int64(st, 30, o->expires_at);
    sqlite3_bind_int64(st, 31, o->paid_at);
    sqlite3_bind_int64(st, 32, o->updated_at);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK)
        o->id = sqlite3_last_insert_rowid(c->db);
    return err;
}

void sqlite_read_order(sqlite3_stmt *st, struct order *o)
{
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(st, 0);
    sqlite_col_text(st, 1, o->uuid, sizeof o->uuid);
    sqlite_col_text(st, 2, o->uuid_callback, sizeof o->uuid_callback);
    sqlite_col_text(st, 3, o->pay_token, sizeof o->pay_token);
    o->shop_id = sqlite3_column_int64(st, 4);
    o->origin = sqlite3_column_int(st, 5);
    o->status = (enum order_status)sqlite3_column_int(st, 6);
    o->amount = sqlite3_column_int64(st, 7);
    sqlite_col_text(st, 8, o->currency, sizeof o->currency);
    o->fee = sqlite3_column_int64(st, 9);
    o->amount_usdt = sqlite3_column_int64(st, 10);
    sqlite_col_text(st, 11, o->exchange_rate, sizeof o->exchange_rate);
    sqlite_col_text(st, 12, o->merchant_order_id, sizeof o->merchant_order_id);
    sqlite_col_text(st, 13, o->requisite_type, sizeof o->requisite_type);
    o->payment_system = sqlite3_column_int(st, 14);
    sqlite_col_text(st, 15, o->customer_name, sizeof o->customer_name);
    sqlite_col_text(st, 16, o->customer_requisite, sizeof o->customer_requisite);
    sqlite_col_text(st, 17, o->bank_code, sizeof o->bank_code);
    sqlite_col_text(st, 18, o->countries, sizeof o->countries);
    sqlite_col_text(st, 19, o->payment_systems, sizeof o->payment_systems);
    sqlite_col_text(st, 20, o->email, sizeof o->email);
    sqlite_col_text(st, 21, o->phone, sizeof o->phone);
    sqlite_col_text(st, 22, o->success_url, sizeof o->success_url);
    sqlite_col_text(st, 23, o->fail_url, sizeof o->fail_url);
    sqlite_col_text(st, 24, o->notify_url, sizeof o->notify_url);
    sqlite_col_text(st, 25, o->lang, sizeof o->lang);
    o->test = sqlite3_column_int(st, 26) != 0;
    o->confirmed_by_customer = sqlite3_column_int(st, 27) != 0;
    o->requisite_id = sqlite3_column_int64(st, 28);
    o->created_at = sqlite3_column_int64(st, 29);
    o->expires_at = sqlite3_column_int64(st, 30);
    o->paid_at = sqlite3_column_int64(st, 31);
    o->updated_at = sqlite3_column_int64(st, 32);
    if (sqlite3_column_type(st, 33) != SQLITE_NULL)
        read_requisite(st, 33, &o->req);
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

/* The fixed fees (sqlite_ledger.c), through the memo. */
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

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .writer = sqlite_writer,
    .reader = sqlite_reader,
    .release = sqlite_release,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .savepoint = sqlite_savepoint,
    .savepoint_release = sqlite_savepoint_release,
    .savepoint_rollback = sqlite_savepoint_rollback,
    .merchant_insert = sqlite_merchant_insert,
    .merchant_get = sqlite_merchant_get,
    .shop_insert = sqlite_shop_insert,
    .shop_get = sqlite_shop_get,
    .requisite_insert = sqlite_requisite_insert,
    .requisite_pick = sqlite_requisite_pick,
    .order_insert = sqlite_order_insert,
    .order_get = sqlite_order_get,
    .orders_by_merchant_order_id = sqlite_orders_by_merchant_order_id,
    .idem_get = sqlite_idem_get,
    .idem_put = sqlite_idem_put,
    .rate_get = sqlite_rate_get,
    .rate_put = sqlite_rate_put,
    /* money: sqlite_ledger.c */
    .order_set_status = sqlite_order_set_status,
    .ledger_post = sqlite_ledger_post,
    .event_insert = sqlite_event_insert,
    .orders_due = sqlite_orders_due,
    .order_confirm = sqlite_order_confirm,
    .order_set_method = sqlite_order_set_method,
    .receipt_image_put = sqlite_receipt_image_put,
    .receipt_image_get = sqlite_receipt_image_get,
    .order_stats = sqlite_order_stats,
    .withdrawal_insert = sqlite_withdrawal_insert,
    .withdrawal_get = sqlite_withdrawal_get,
    .withdrawal_set_status = sqlite_withdrawal_set_status,
    .withdrawals_page = sqlite_withdrawals_page,
    .balances = sqlite_balances,
    .ledger_verify = sqlite_ledger_verify,
    .idem_purge = sqlite_idem_purge,
    .shop_fee_get = sqlite_memo_fee_get,
    .shop_fee_set = sqlite_memo_fee_set,
    .shop_fees = sqlite_shop_fees,
    .shop_set_fee_percent = sqlite_shop_set_fee_percent,
    .shop_update = sqlite_shop_update,
    .tegro_nonce_put = sqlite_tegro_nonce_put,
    .tegro_nonce_prune = sqlite_tegro_nonce_prune,
    .shops_by_merchant = sqlite_shops_by_merchant,
    .orders_page = sqlite_orders_page,
    .shop_methods = sqlite_shop_methods,
    .shop_method_set = sqlite_shop_method_set,
    .receipt_put = sqlite_receipt_put,
    .receipt_items = sqlite_receipt_items,
    /* callbacks: sqlite_callback.c */
    .events_unplanned = sqlite_events_unplanned,
    .event_planned = sqlite_event_planned,
    .callback_insert = sqlite_callback_insert,
    .callbacks_claim = sqlite_callbacks_claim,
    .callback_record = sqlite_callback_record,
    .callback_unlease = sqlite_callback_unlease,
    .callback_resend = sqlite_callback_resend,
    .callback_get = sqlite_callback_get,
    .callbacks_by_order = sqlite_callbacks_by_order,
    .callback_attempts = sqlite_callback_attempts,
    .callback_stats = sqlite_callback_stats,
};
