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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "base/crashpoint.h"
#include "base/clock.h"
#include "base/log.h"
#include "migration.h"
#include "sqlite_internal.h"
#include "sql/overview.h"

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
    for (int i = 0; i < SQLITE_RUNTIME_STMTS; i++) {
        sqlite3_finalize(c->runtime[i].st);
        free(c->runtime[i].sql);
    }
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->use);
    sqlite_reqs_free(c->reqs);
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

/* sql with every PostgreSQL placeholder $N as SQLite's ?N (the same
 * parameter by number), in a malloc'd copy; NULL when out of memory. The
 * statements both backends share (store/sql/) are written with $N; no
 * statement holds a '$' for anything else. */
static char *sql_numbered(const char *sql)
{
    size_t n = strlen(sql);
    char *out = malloc(n + 1);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        out[i] = sql[i] == '$' && sql[i + 1] >= '0' && sql[i + 1] <= '9' ? '?' : sql[i];
    return out;
}

sqlite3_stmt *sqlite_stmt(struct sqlite_conn *c, int slot, const char *sql)
{
    sqlite3_stmt *st = c->stmt[slot];
    if (st == NULL) {
        bool shared = strchr(sql, '$') != NULL;
        char *own = shared ? sql_numbered(sql) : NULL;
        if (shared && own == NULL)
            return NULL;
        int rc =
            sqlite3_prepare_v3(c->db, own ? own : sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        free(own);
        if (rc != SQLITE_OK) {
            log_error("sqlite prepare failed", "error=\"%s\"", sqlite3_errmsg(c->db));
            return NULL;
        }
        c->stmt[slot] = st;
    }
    return st;
}

sqlite3_stmt *sqlite_stmt_once(struct sqlite_conn *c, const char *sql)
{
    char *own = sql_numbered(sql);
    sqlite3_stmt *st = NULL;
    if (own == NULL)
        return NULL;
    if (sqlite3_prepare_v2(c->db, own, -1, &st, NULL) != SQLITE_OK) {
        log_error("sqlite prepare failed", "error=\"%s\"", sqlite3_errmsg(c->db));
        st = NULL;
    }
    free(own);
    return st;
}

static uint64_t text_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h != 0 ? h : 1;
}

sqlite3_stmt *sqlite_stmt_runtime(struct sqlite_conn *c, const char *sql, bool *once)
{
    uint64_t h = text_hash(sql);
    *once = false;
    for (int i = 0; i < SQLITE_RUNTIME_STMTS; i++) {
        struct sqlite_runtime_stmt *r = &c->runtime[i];
        if (r->hash == h && strcmp(r->sql, sql) == 0) {
            if (!sqlite3_stmt_busy(r->st))
                return r->st;
            *once = true;
            return sqlite_stmt_once(c, sql);
        }
    }
    char *own = sql_numbered(sql), *copy = strdup(sql);
    sqlite3_stmt *st = NULL;
    if (own == NULL || copy == NULL ||
        sqlite3_prepare_v3(c->db, own, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        if (own != NULL && copy != NULL)
            log_error("sqlite prepare failed", "error=\"%s\"", sqlite3_errmsg(c->db));
        free(own);
        free(copy);
        return NULL;
    }
    free(own);
    struct sqlite_runtime_stmt *r = &c->runtime[c->runtime_next++ % SQLITE_RUNTIME_STMTS];
    if (r->st != NULL && sqlite3_stmt_busy(r->st)) {
        /* The oldest is running (a nested call): this one is for once. */
        sqlite3_finalize(st);
        free(copy);
        *once = true;
        return sqlite_stmt_once(c, sql);
    }
    sqlite3_finalize(r->st);
    free(r->sql);
    *r = (struct sqlite_runtime_stmt){.hash = h, .sql = copy, .st = st};
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
    if (rc == SQLITE_ERROR && strcmp(sqlite3_errmsg(c->db), "integer overflow") == 0) {
        /* A SUM past int64: a clear range error, not a storage failure. */
        log_warn("sqlite sum overflow");
        return KASSA_EMONEY_RANGE;
    }
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

/* ---- the shared column maps' reader and sink (sql/row.h) ---- */

static sqlite3_stmt *row_stmt(const struct sql_row *r)
{
    return container_of(r, const struct sqlite_row, base)->st;
}

static int64_t row_i64(const struct sql_row *r, int col)
{
    return sqlite3_column_int64(row_stmt(r), col);
}

static void row_text(const struct sql_row *r, int col, char *dst, size_t size)
{
    sqlite_col_text(row_stmt(r), col, dst, size);
}

static bool row_null(const struct sql_row *r, int col)
{
    return sqlite3_column_type(row_stmt(r), col) == SQLITE_NULL;
}

static const struct sql_row_ops row_ops = {row_i64, row_text, row_null};

struct sqlite_row sqlite_row(sqlite3_stmt *st)
{
    return (struct sqlite_row){{&row_ops}, st};
}

static void sink_text(struct sql_sink *base, const char *s)
{
    struct sqlite_sink *k = container_of(base, struct sqlite_sink, base);
    sqlite_bind_text(k->st, k->at++, s);
}

static void sink_i64(struct sql_sink *base, int64_t v, bool has)
{
    struct sqlite_sink *k = container_of(base, struct sqlite_sink, base);
    if (has)
        sqlite3_bind_int64(k->st, k->at++, v);
    else
        sqlite3_bind_null(k->st, k->at++);
}

struct sqlite_sink sqlite_sink(sqlite3_stmt *st, int first)
{
    return (struct sqlite_sink){{sink_text, sink_i64}, st, first};
}

/* ---- lifecycle ---------------------------------------------------------- */

/* Whether every reference in the database holds (PRAGMA foreign_key_check
 * found nothing). */
static bool references_hold(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
        return false;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE;
}

/* Apply the migrations not yet recorded, in one transaction. Foreign keys
 * are off meanwhile and checked before the commit: a migration may rebuild
 * a table others refer to the way SQLite documents it (a new table, copy,
 * drop, rename: lang_altertable.html), which with them on would refuse the
 * drop. The pragma only takes effect outside a transaction. */
static kassa_err migrate(struct sqlite_conn *c, char *err, size_t errlen)
{
    if (exec_sql(c->db, "PRAGMA foreign_keys=OFF") != KASSA_OK)
        goto fail;
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
        CRASHPOINT("migration"); /* applied, not recorded nor committed */
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
    if (!references_hold(c->db)) {
        snprintf(err, errlen,
                 "migration failed: a row refers to one that is gone "
                 "(PRAGMA foreign_key_check)");
        goto undo;
    }
    if (exec_sql(c->db, "COMMIT; PRAGMA foreign_keys=ON") != KASSA_OK)
        goto fail;
    return KASSA_OK;
fail:
    snprintf(err, errlen, "migration failed: %s", sqlite3_errmsg(c->db));
undo:
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(c->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
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
        if (done > 0)
            CRASHPOINT("checkpoint"); /* frames copied, the WAL not started over */
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
/* Create the database's directory (and its parents) when missing, owner
 * only: the database holds every shop's secrets. */
static bool make_parent_dirs(const char *path, char *err, size_t errlen)
{
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return true; /* open will say what is wrong */
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return true;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "cannot create the directory %s: %s", dir, strerror(errno));
                return false;
            }
            if (end)
                return true;
            *p = '/';
        }
    }
}

/* Files an older kassad created readable by all (0644): owner only now. */
static void tighten_modes(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char p[4200];
        struct stat st;
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        if (stat(p, &st) == 0 && (st.st_mode & 077) != 0 && chmod(p, st.st_mode & 0700) == 0)
            log_info("database file made owner-only", "file=%s", p);
    }
}

static bool lock_database(struct sqlite_store *s, char *err, size_t errlen)
{
    if (!make_parent_dirs(s->path, err, errlen))
        return false;
    tighten_modes(s->path);
    s->lock_fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
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
    sqlite_backup_sweep(s->path);
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

static kassa_err sqlite_backup(struct store *base, struct store_backup *b, char *err, size_t errlen)
{
    return sqlite_backup_file(container_of(base, struct sqlite_store, base)->path, b, err, errlen);
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
    /* Acquire loads, as SQLite's walShmBarrier orders its reads (not one
     * fence: ThreadSanitizer does not model fences, and gcc refuses
     * atomic_thread_fence under -fsanitize=thread). */
    for (int i = 0; i < SQLITE_WAL_HDR; i++)
        h[i] = __atomic_load_n(&c->shm[i], __ATOMIC_ACQUIRE);
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

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .sql_db_bytes = SQL_DB_BYTES_SQLITE,
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
    .shop_get_by_api_key = sqlite_shop_get_by_api_key,
    .requisite_insert = sqlite_requisite_insert,
    .requisites_after = sqlite_requisites_after,
    .requisite_claim = sqlite_requisite_claim,
    .requisite_unclaim = sqlite_requisite_unclaim,
    .requisite_pending = sqlite_requisite_pending,
    .order_insert = sqlite_order_insert,
    .order_get = sqlite_order_get,
    .orders_by_merchant_order_id = sqlite_orders_by_merchant_order_id,
    .idem_get = sqlite_idem_get,
    .idem_put = sqlite_idem_put,
    .rate_get = sqlite_rate_get,
    .rate_put = sqlite_rate_put,
    .setting_get = sqlite_setting_get,
    .setting_put = sqlite_setting_put,
    /* money: sqlite_ledger.c */
    .order_set_status = sqlite_order_set_status,
    .ledger_post = sqlite_ledger_post,
    .event_insert = sqlite_event_insert,
    .orders_due = sqlite_orders_due,
    .order_confirm = sqlite_order_confirm,
    .order_set_method = sqlite_order_set_method,
    .receipt_image_put = sqlite_receipt_image_put,
    .receipt_image_get = sqlite_receipt_image_get,
    .evidence_put = sqlite_evidence_put,
    .evidence_get = sqlite_evidence_get,
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
    .nonce_put = sqlite_nonce_put,
    .nonce_prune = sqlite_nonce_prune,
    .shops_by_merchant = sqlite_shops_by_merchant,
    .orders_page = sqlite_orders_page,
    .withdrawals_list = sqlite_withdrawals_list,
    .order_events = sqlite_order_events,
    .query_rows = sqlite_query_rows,
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
    .backup = sqlite_backup,
};
