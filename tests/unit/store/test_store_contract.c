/* test_store_contract.c: one contract for every store backend.
 *
 * The store is an interface (store.h, struct store_ops) with an SQLite and a
 * PostgreSQL implementation. This suite says, op by op, what every backend
 * must do, and runs the same test functions twice: on a fresh SQLite file
 * per test (its own temp dir), then on a fresh database per test of one
 * throwaway PostgreSQL server this program starts itself (initdb + pg_ctl
 * in a temp dir, Unix socket only, no TCP; as root the server runs as the
 * `postgres` user, as tests/e2e/pg.py does). A PostgreSQL test's database
 * is a copy of one migrated once; the migration tests start from an empty
 * database on both backends. A reaper process stops that server and
 * removes its directory when this program ends, however it ends (a failed
 * assertion, a crash, a kill). Without PostgreSQL binaries
 * ($KASSA_PG_BIN, default /usr/lib/postgresql/15/bin) every test of the
 * PostgreSQL half reports skipped; binaries that are there but fail to
 * start a server fail that half.
 *
 * The tests drive the ops as their callers do: writes on the writer
 * connection inside a transaction with a savepoint per command (txn/writer.c;
 * a refused command is rolled back to its savepoint, its neighbours stay),
 * reads on a reader connection. Raw SQL on a connection of the test's own
 * (sqlite3 / libpq) only counts rows and plants rows behind the store's
 * back, in SQL both dialects accept.
 *
 * Where the two backends differ by design the difference is named where
 * it is tested: struct backend's raced_key (the answer to a unique key
 * taken) and the idempotency table's columns (`schema`). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "provider/requisites.h"
#include "store/migration.h"
#include "store/sql/gauges.h"
#include "store/sql/ledger.h"
#include "store/sql/shops.h"
#include "store/sql/operators.h"
#include "store/sql/orders.h"
#include "store/sql/withdrawals.h"
#include "store/store.h"

#include "pick_one.h"

/* ---- the backends ----------------------------------------------------- */

enum backend_kind { BACKEND_SQLITE, BACKEND_PG };

struct backend {
    const char *name;
    enum backend_kind kind;
    /* The answer of an insert meeting a unique key that another writer
     * may have taken since the caller looked (an idempotency key, a
     * withdrawal's payment_id). SQLite has one writer, so the key was taken
     * before the command looked: KASSA_EEXIST. PostgreSQL has several
     * writers and nodes: KASSA_ERETRY, so that the writer runs the command
     * again and it finds the other's row (store.h order_insert_idem; the
     * core treats both alike for idem_put). */
    kassa_err raced_key;
    bool ready;    /* a test can run */
    bool broken;   /* !ready, and that is a failure (not a skip) */
    char why[512]; /* !ready: why */
};

static struct backend backends[2] = {
    {.name = "sqlite", .kind = BACKEND_SQLITE, .raced_key = KASSA_EEXIST, .ready = true},
    {.name = "postgres", .kind = BACKEND_PG, .raced_key = KASSA_ERETRY},
};

static struct backend *current; /* the half running now */

/* ---- the throwaway PostgreSQL server ---------------------------------- */

#define PG_BIN_DEFAULT "/usr/lib/postgresql/15/bin"

static struct pg_server {
    char bin[256];
    char dir[64];  /* the temp dir: data/, logs, the socket */
    char data[96]; /* dir/data */
    char user[64]; /* the server's superuser */
    int port;      /* names the socket file only: no TCP */
    bool as_owner; /* running as root: PostgreSQL's tools run as uid/gid */
    uid_t uid;
    gid_t gid;
    int reaper_fd; /* write end of the reaper's pipe: closing it ends the server */
    pid_t reaper;
    PGconn *admin; /* on database "postgres": creates and drops the test databases */
    int databases; /* made so far (their names) */
} srv = {.reaper_fd = -1};

/* Run a PostgreSQL tool (argv[0] a path) as the server's owner, its output
 * appended to `log` (NULL: discarded); its exit status, -1 when it could
 * not run. */
static int run_tool(char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (srv.as_owner &&
            (setgroups(0, NULL) != 0 || setgid(srv.gid) != 0 || setuid(srv.uid) != 0))
            _exit(126);
        int out = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
        int in = open("/dev/null", O_RDONLY);
        if (out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 ||
            chdir("/") != 0)
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Stop the server (immediate: nothing of it is kept) and remove its dir. */
static void server_destroy(void)
{
    char pg_ctl[300], pid_file[128];
    snprintf(pg_ctl, sizeof pg_ctl, "%s/pg_ctl", srv.bin);
    snprintf(pid_file, sizeof pid_file, "%s/postmaster.pid", srv.data);
    if (access(pid_file, F_OK) == 0) {
        char *const argv[] = {pg_ctl, "-D", srv.data, "-m", "immediate", "-w", "-s", "stop", NULL};
        run_tool(argv, NULL);
    }
    nftw(srv.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The reaper: a process of its own session (a signal to this program's
 * process group does not reach it) that waits for the end of its pipe,
 * which comes when this program closes it or dies, then destroys the
 * server. */
static void reaper_main(int fd)
{
    setsid();
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    for (int other = 3; other < 1024; other++)
        if (other != fd)
            close(other);
    char b;
    for (;;) {
        ssize_t n = read(fd, &b, 1);
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    server_destroy();
    _exit(0);
}

/* This program's end of the server: the reaper destroys it, and we wait
 * for that (so the next run finds nothing left). Idempotent. */
static void server_stop(void)
{
    if (srv.admin != NULL) {
        PQfinish(srv.admin);
        srv.admin = NULL;
    }
    if (srv.reaper_fd >= 0) {
        close(srv.reaper_fd);
        srv.reaper_fd = -1;
        while (waitpid(srv.reaper, NULL, 0) < 0 && errno == EINTR)
            ;
    }
}

static void print_file(const char *path)
{
    FILE *in = fopen(path, "r");
    char line[512];
    while (in && fgets(line, sizeof line, in))
        fprintf(stderr, "  | %s", line);
    if (in)
        fclose(in);
}

/* Start the server for the PostgreSQL half; be->ready when it runs,
 * be->why when it does not (be->broken: a failure, not a skip). */
static void server_start(struct backend *be)
{
    const char *bin = getenv("KASSA_PG_BIN");
    snprintf(srv.bin, sizeof srv.bin, "%s", bin && *bin ? bin : PG_BIN_DEFAULT);
    char initdb[300], pg_ctl[300], log[128], conf[128];
    snprintf(initdb, sizeof initdb, "%s/initdb", srv.bin);
    snprintf(pg_ctl, sizeof pg_ctl, "%s/pg_ctl", srv.bin);
    if (access(initdb, X_OK) != 0 || access(pg_ctl, X_OK) != 0) {
        snprintf(be->why, sizeof be->why,
                 "no PostgreSQL binaries in %s (KASSA_PG_BIN): PostgreSQL half skipped", srv.bin);
        return;
    }
    be->broken = true; /* from here on, a server that does not start is a failure */
    struct passwd *pw = geteuid() == 0 ? getpwnam("postgres") : getpwuid(geteuid());
    if (pw == NULL) {
        snprintf(be->why, sizeof be->why, "%s",
                 geteuid() == 0 ? "running as root and there is no postgres user to run "
                                  "PostgreSQL as"
                                : "who am I? (getpwuid)");
        return;
    }
    srv.as_owner = geteuid() == 0;
    srv.uid = pw->pw_uid;
    srv.gid = pw->pw_gid;
    snprintf(srv.user, sizeof srv.user, "%s", pw->pw_name);
    snprintf(srv.dir, sizeof srv.dir, "/tmp/kassa-contract-pg-XXXXXX");
    if (mkdtemp(srv.dir) == NULL || chmod(srv.dir, 0700) != 0 ||
        (srv.as_owner && chown(srv.dir, srv.uid, srv.gid) != 0)) {
        snprintf(be->why, sizeof be->why, "cannot make %s: %s", srv.dir, strerror(errno));
        return;
    }
    snprintf(srv.data, sizeof srv.data, "%s/data", srv.dir);
    srv.port = 20000 + (int)(getpid() % 20000);

    /* The reaper first: from here on the directory goes whatever happens. */
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(be->why, sizeof be->why, "pipe: %s", strerror(errno));
        nftw(srv.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        return;
    }
    fflush(NULL);
    srv.reaper = fork();
    if (srv.reaper == 0) {
        close(p[1]);
        reaper_main(p[0]);
    }
    close(p[0]);
    if (srv.reaper < 0) {
        close(p[1]);
        snprintf(be->why, sizeof be->why, "fork: %s", strerror(errno));
        nftw(srv.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        return;
    }
    srv.reaper_fd = p[1];
    atexit(server_stop);

    snprintf(log, sizeof log, "%s/initdb.log", srv.dir);
    char *const init_argv[] = {initdb,  "-D", srv.data, "-U",         srv.user,    "-A",
                               "trust", "-E", "UTF8",   "--locale=C", "--no-sync", NULL};
    if (run_tool(init_argv, log) != 0) {
        fprintf(stderr, "initdb failed:\n");
        print_file(log);
        snprintf(be->why, sizeof be->why, "initdb failed (its output is above)");
        return;
    }
    /* A throwaway server: no fsync (the tests check behaviour, not the
     * disk), a Unix socket in its own dir and no TCP at all. */
    snprintf(conf, sizeof conf, "%s/postgresql.conf", srv.data);
    FILE *c = fopen(conf, "a");
    if (c == NULL) {
        snprintf(be->why, sizeof be->why, "cannot append to %s: %s", conf, strerror(errno));
        return;
    }
    fprintf(c,
            "port = %d\nlisten_addresses = ''\nunix_socket_directories = '%s'\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            "max_connections = 100\nshared_buffers = 32MB\n",
            srv.port, srv.dir);
    fclose(c);
    snprintf(log, sizeof log, "%s/postgres.log", srv.dir);
    char *const start_argv[] = {pg_ctl, "-D", srv.data, "-l",    log, "-w",
                                "-t",   "60", "-s",     "start", NULL};
    if (run_tool(start_argv, NULL) != 0) {
        fprintf(stderr, "pg_ctl start failed:\n");
        print_file(log);
        snprintf(be->why, sizeof be->why, "the PostgreSQL server did not start (log above)");
        return;
    }
    char conninfo[256];
    snprintf(conninfo, sizeof conninfo, "host=%s port=%d user=%s dbname=postgres", srv.dir,
             srv.port, srv.user);
    srv.admin = PQconnectdb(conninfo);
    if (PQstatus(srv.admin) != CONNECTION_OK) {
        snprintf(be->why, sizeof be->why, "cannot connect to the test server: %s",
                 PQerrorMessage(srv.admin));
        return;
    }
    be->ready = true;
    be->broken = false;
}

static void admin_exec(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void admin_exec(const char *fmt, ...)
{
    char sql[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    PGresult *r = PQexec(srv.admin, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
        PQclear(r);
        fail_msg("%s: %s", sql, msg);
    }
    PQclear(r);
}

/* ---- the fixture: a fresh database per test --------------------------- */

struct fx {
    const struct backend *be;
    char dir[64];  /* SQLite: the temp dir */
    char path[96]; /* SQLite: the file */
    char db[32];   /* PostgreSQL: the database */
    char url[256];
    struct store *store;
    struct store_conn *rd; /* the reader R() holds */
    sqlite3 *lite;         /* raw connections: counting and planting */
    PGconn *pg;
};

/* The test's own connection to the database. */
static void fx_raw_open(struct fx *f)
{
    if (f->be->kind == BACKEND_SQLITE) {
        assert_int_equal(sqlite3_open(f->path, &f->lite), SQLITE_OK);
        sqlite3_busy_timeout(f->lite, 5000);
    } else {
        char conninfo[256];
        snprintf(conninfo, sizeof conninfo, "host=%s port=%d user=%s dbname=%s", srv.dir, srv.port,
                 srv.user, f->db);
        f->pg = PQconnectdb(conninfo);
        if (PQstatus(f->pg) != CONNECTION_OK)
            fail_msg("raw connection: %s", PQerrorMessage(f->pg));
    }
}

static void fx_raw_close(struct fx *f)
{
    if (f->lite != NULL)
        sqlite3_close(f->lite);
    f->lite = NULL;
    if (f->pg != NULL)
        PQfinish(f->pg);
    f->pg = NULL;
}

/* Open the store on the test's database (migrating it), and the raw
 * connection. */
static void fx_open(struct fx *f)
{
    char err[256] = "";
    if (store_open(f->url, &f->store, err, sizeof err) != KASSA_OK)
        fail_msg("store_open(%s): %s", f->url, err);
    fx_raw_open(f);
}

static void fx_close(struct fx *f)
{
    if (f->rd != NULL) {
        store_release(f->rd);
        f->rd = NULL;
    }
    store_close(f->store);
    f->store = NULL;
    fx_raw_close(f);
}

/* The test's database gone and made again, empty (store and raw
 * connection closed). */
static void fx_wipe(struct fx *f)
{
    if (f->be->kind == BACKEND_SQLITE) {
        static const char *const suffix[] = {"", "-wal", "-shm"};
        char p[128];
        for (size_t i = 0; i < 3; i++) {
            snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
            unlink(p);
        }
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
        sqlite3_close(db);
    } else {
        admin_exec("DROP DATABASE %s WITH (FORCE)", f->db);
        admin_exec("CREATE DATABASE %s", f->db);
    }
}

static int fx_setup(void **state)
{
    *state = NULL;
    if (!current->ready)
        return 0;
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->be = current;
    if (f->be->kind == BACKEND_SQLITE) {
        snprintf(f->dir, sizeof f->dir, "/tmp/kassa-contract-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof f->path, "%s/kassa.db", f->dir);
        snprintf(f->url, sizeof f->url, "sqlite:%s", f->path);
    } else {
        snprintf(f->db, sizeof f->db, "contract_%d", ++srv.databases);
        admin_exec("CREATE DATABASE %s TEMPLATE contract_template", f->db);
        snprintf(f->url, sizeof f->url, "postgresql://%s@/%s?host=%s&port=%d", srv.user, f->db,
                 srv.dir, srv.port);
    }
    *state = f;
    fx_open(f);
    return 0;
}

/* The migrated database every PostgreSQL test's database is a copy of
 * (test_migrations starts from an empty one). */
static void make_template(struct backend *be)
{
    char url[256], err[256] = "";
    struct store *s = NULL;
    admin_exec("CREATE DATABASE contract_template");
    snprintf(url, sizeof url, "postgresql://%s@/contract_template?host=%s&port=%d", srv.user,
             srv.dir, srv.port);
    if (store_open(url, &s, err, sizeof err) != KASSA_OK) {
        be->ready = false;
        be->broken = true;
        snprintf(be->why, sizeof be->why, "store_open(%.200s): %.250s", url, err);
        return;
    }
    store_close(s);
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    if (f == NULL)
        return 0;
    fx_close(f);
    if (f->be->kind == BACKEND_SQLITE) {
        static const char *const suffix[] = {"", "-wal", "-shm"};
        char p[128];
        for (size_t i = 0; i < 3; i++) {
            snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
            unlink(p);
        }
        rmdir(f->dir);
    }
    /* A PostgreSQL test's database stays until the server goes (a DROP
     * DATABASE per test cost as much as its CREATE). */
    free(f);
    return 0;
}

/* The test's fixture; skips (or fails) the test when its half cannot run. */
static struct fx *fx_of(void **state)
{
    if (*state == NULL) {
        if (current->broken)
            fail_msg("%s", current->why);
        skip();
    }
    return *state;
}

/* ---- raw SQL behind the store's back ---------------------------------- */

static void raw_vsql(struct fx *f, char *sql, size_t size, const char *fmt, va_list ap)
{
    (void)f;
    if ((size_t)vsnprintf(sql, size, fmt, ap) >= size)
        fail_msg("raw SQL too long: %s", fmt);
}

/* One value of a raw query as text ("" when NULL or no row). */
static void raw_text(struct fx *f, char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void raw_text(struct fx *f, char *out, size_t size, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    raw_vsql(f, sql, sizeof sql, fmt, ap);
    va_end(ap);
    out[0] = '\0';
    if (f->lite != NULL) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(f->lite, sql, -1, &st, NULL) != SQLITE_OK)
            fail_msg("prepare %s: %s", sql, sqlite3_errmsg(f->lite));
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
            snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
        else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            fail_msg("step %s: %s", sql, sqlite3_errmsg(f->lite));
        sqlite3_finalize(st);
        return;
    }
    PGresult *r = PQexec(f->pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
        PQclear(r);
        fail_msg("%s: %s", sql, msg);
    }
    if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        snprintf(out, size, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

/* One integer of a raw query (-1 when NULL or no row). */
static int64_t raw_int(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int64_t raw_int(struct fx *f, const char *fmt, ...)
{
    char sql[1024], v[64];
    va_list ap;
    va_start(ap, fmt);
    raw_vsql(f, sql, sizeof sql, fmt, ap);
    va_end(ap);
    raw_text(f, v, sizeof v, "%s", sql);
    return v[0] ? strtoll(v, NULL, 10) : -1;
}

/* A raw statement. */
static void raw_exec(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void raw_exec(struct fx *f, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    raw_vsql(f, sql, sizeof sql, fmt, ap);
    va_end(ap);
    if (f->lite != NULL) {
        char *msg = NULL;
        if (sqlite3_exec(f->lite, sql, NULL, NULL, &msg) != SQLITE_OK)
            fail_msg("exec %s: %s", sql, msg ? msg : "?");
        return;
    }
    PGresult *r = PQexec(f->pg, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
        PQclear(r);
        fail_msg("%s: %s", sql, msg);
    }
    PQclear(r);
}

/* A raw script of several statements, as given (a migration file). */
static void raw_script(struct fx *f, const char *sql)
{
    if (f->lite != NULL) {
        char *msg = NULL;
        if (sqlite3_exec(f->lite, sql, NULL, NULL, &msg) != SQLITE_OK)
            fail_msg("script: %s", msg ? msg : "?");
        return;
    }
    PGresult *r = PQexec(f->pg, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
        PQclear(r);
        fail_msg("script: %s", msg);
    }
    PQclear(r);
}

/* ---- driving the ops as their callers do ------------------------------ */

#define assert_err(got, want)                                                                      \
    do {                                                                                           \
        kassa_err got_ = (got), want_ = (want);                                                    \
        if (got_ != want_)                                                                         \
            fail_msg("%s: %s, want %s", #got, kassa_err_name(got_), kassa_err_name(want_));        \
    } while (0)
#define assert_ok(x) assert_err((x), KASSA_OK)

static struct store_conn *fx_w(struct fx *f)
{
    return store_writer(f->store);
}

static void tx_begin(struct fx *f)
{
    assert_ok(STORE_CALL0(fx_w(f), begin));
}

static void tx_commit(struct fx *f)
{
    assert_ok(STORE_CALL0(fx_w(f), commit));
}

/* A command's start: a transaction and the command's savepoint. */
static void cmd_begin(struct fx *f)
{
    tx_begin(f);
    assert_ok(STORE_CALL0(fx_w(f), savepoint));
}

/* A command's end with its result: kept (released) when KASSA_OK, rolled
 * back to its savepoint otherwise; then committed. Returns err. */
static kassa_err cmd_end(struct fx *f, kassa_err err)
{
    if (err == KASSA_OK)
        assert_ok(STORE_CALL0(fx_w(f), savepoint_release));
    else
        assert_ok(STORE_CALL0(fx_w(f), savepoint_rollback));
    tx_commit(f);
    return err;
}

/* One op as one writer command in its own transaction: its result. */
#define W(f, op, ...) cmd_end((f), (cmd_begin(f), STORE_CALL(fx_w(f), op, __VA_ARGS__)))

/* One op on a reader connection: its result. */
static void rd_take(struct fx *f)
{
    f->rd = store_reader(f->store);
    assert_non_null(f->rd);
}

static kassa_err rd_give(struct fx *f, kassa_err err)
{
    store_release(f->rd);
    f->rd = NULL;
    return err;
}

#define R(f, op, ...) (rd_take(f), rd_give((f), STORE_CALL((f)->rd, op, __VA_ARGS__)))

/* ---- rows to store ---------------------------------------------------- */

/* Set a shop's row of `dialect` (added when it has none). */
static void row_set(struct shop *s, const char *dialect, const char *api_key, const char *secret,
                    int order_ttl, const char *callback_format)
{
    struct shop_dialect *d = shop_dialect_add(s, dialect);
    assert_non_null(d);
    snprintf(d->api_key, sizeof d->api_key, "%s", api_key);
    snprintf(d->secret, sizeof d->secret, "%s", secret);
    d->order_ttl = order_ttl;
    snprintf(d->callback_format, sizeof d->callback_format, "%s", callback_format);
}

/* The shop's row of `dialect`, which it must have. */
static const struct shop_dialect *row_of(const struct shop *s, const char *dialect)
{
    const struct shop_dialect *d = shop_dialect_find(s, dialect);
    if (d == NULL)
        fail_msg("shop %lld has no row of %s", (long long)s->id, dialect);
    return d;
}

static void shop_fill(struct shop *s, int n, int64_t merchant_id)
{
    char key[64], secret[64];
    memset(s, 0, sizeof *s);
    s->merchant_id = merchant_id;
    snprintf(s->public_key, sizeof s->public_key, "%032X", (unsigned)n);
    snprintf(s->name, sizeof s->name, "Магазин \"%d\" & co", n);
    snprintf(s->url, sizeof s->url, "https://shop%d.example/", n);
    snprintf(s->callback_url, sizeof s->callback_url, "https://shop%d.example/cb?x=1&y='2'", n);
    snprintf(s->fee_percent, sizeof s->fee_percent, "2.5");
    /* Rows in another order than the store's (by name): it sorts them. */
    snprintf(key, sizeof key, "tegro-key-%d", n);
    snprintf(secret, sizeof secret, "tegro-secret-%d", n);
    row_set(s, "tegro", key, secret, 86400 + n, n % 2 ? "json" : "form");
    snprintf(key, sizeof key, "panda-key-%d", n);
    snprintf(secret, sizeof secret, "panda-secret-'%d'", n);
    row_set(s, "panda", key, secret, 900 + n, n % 2 ? "2" : "3");
    shop_dialect_mut(s, "panda")->strict_signing = n % 2 == 1;
    s->active = 1;
    s->created_at = 1700000000 + n;
}

static void check_shop(const struct shop *got, const struct shop *want)
{
    assert_int_equal(got->id, want->id);
    assert_int_equal(got->merchant_id, want->merchant_id);
    assert_string_equal(got->public_key, want->public_key);
    assert_string_equal(got->name, want->name);
    assert_string_equal(got->url, want->url);
    assert_string_equal(got->callback_url, want->callback_url);
    assert_string_equal(got->fee_percent, want->fee_percent);
    assert_int_equal(got->n_dialects, want->n_dialects);
    for (int i = 0; i < want->n_dialects; i++) {
        const struct shop_dialect *w = &want->dialects[i];
        const struct shop_dialect *g = row_of(got, w->dialect);
        assert_string_equal(g->api_key, w->api_key);
        assert_string_equal(g->secret, w->secret);
        assert_int_equal(g->order_ttl, w->order_ttl);
        assert_string_equal(g->callback_format, w->callback_format);
        assert_int_equal(g->strict_signing, w->strict_signing);
    }
    /* read back in the store's order: by the dialect's name */
    for (int i = 1; i < got->n_dialects; i++)
        assert_true(strcmp(got->dialects[i - 1].dialect, got->dialects[i].dialect) < 0);
    assert_int_equal(got->active, want->active);
    assert_int_equal(got->created_at, want->created_at);
}

/* A merchant and its shop number n. */
static struct shop add_shop(struct fx *f, int n)
{
    struct merchant m = {.created_at = 1700000000};
    snprintf(m.name, sizeof m.name, "Merchant %d", n);
    assert_ok(W(f, merchant_insert, &m));
    struct shop s;
    shop_fill(&s, n, m.id);
    assert_ok(W(f, shop_insert, &s));
    assert_true(s.id > 0);
    return s;
}

/* A requisite; its id. */
static int64_t add_req(struct fx *f, const char *type, const char *currency, const char *bank,
                       const char *country, int active)
{
    static int n;
    struct requisite r = {.active = active, .created_at = 1700000100};
    snprintf(r.type, sizeof r.type, "%s", type);
    snprintf(r.value, sizeof r.value, "+7900%07d", ++n);
    snprintf(r.owner_full_name, sizeof r.owner_full_name, "Owner %d", n);
    snprintf(r.bank_code, sizeof r.bank_code, "%s", bank);
    snprintf(r.currency, sizeof r.currency, "%s", currency);
    snprintf(r.country_code, sizeof r.country_code, "%s", country);
    assert_ok(W(f, requisite_insert, &r));
    assert_true(r.id > 0);
    return r.id;
}

/* An order of shop_id, number n (unique keys), pending, no requisite. */
static void order_fill(struct order *o, int64_t shop_id, int n)
{
    memset(o, 0, sizeof *o);
    snprintf(o->uuid, sizeof o->uuid, "%08d-2222-4333-8444-555555555555", n);
    snprintf(o->uuid_callback, sizeof o->uuid_callback, "%08d-7777-4888-9999-aaaaaaaaaaaa", n);
    snprintf(o->pay_token, sizeof o->pay_token, "%032d", n);
    o->shop_id = shop_id;
    o->origin = 1 /* panda */;
    o->status = ORDER_PENDING;
    o->amount = 100000 + n;
    snprintf(o->currency, sizeof o->currency, "RUB");
    o->fee = 2500;
    snprintf(o->merchant_order_id, sizeof o->merchant_order_id, "moid-%d", n);
    o->created_at = 1700000000 + n;
    o->expires_at = o->created_at + 900;
    o->updated_at = o->created_at;
}

static int64_t add_order(struct fx *f, struct order *o)
{
    assert_ok(W(f, order_insert, o));
    assert_true(o->id > 0);
    return o->id;
}

static struct order get_order(struct fx *f, int64_t id)
{
    struct order o;
    assert_ok(R(f, order_get, ORDER_BY_ID, NULL, id, &o));
    return o;
}

/* Ids a visitor saw; it stops after `stop` (0: never). */
struct seen {
    int n, stop;
    int64_t id[64];
};

static bool seen_add(struct seen *s, int64_t id)
{
    if (s->n < 64)
        s->id[s->n] = id;
    s->n++;
    return s->stop == 0 || s->n < s->stop;
}

static bool seen_order(void *arg, const struct order *o)
{
    return seen_add(arg, o->id);
}

static bool copy_order(void *arg, const struct order *o)
{
    *(struct order *)arg = *o;
    return false;
}

static bool seen_shop(void *arg, const struct shop *s)
{
    return seen_add(arg, s->id);
}

/* shops_by_merchant's visitor keeping up to 4 shops (ctx: out, n). */
static bool collect_shop(void *arg, const struct shop *s)
{
    struct {
        struct shop *out;
        int *n;
    } *ctx = arg;
    if (*ctx->n < 4)
        ctx->out[(*ctx->n)++] = *s;
    return true;
}

static bool seen_withdrawal(void *arg, const struct withdrawal *w)
{
    return seen_add(arg, w->id);
}

static bool seen_callback(void *arg, const struct callback *cb)
{
    return seen_add(arg, cb->id);
}

static void assert_seen(const struct seen *s, int n, const int64_t *want)
{
    assert_int_equal(s->n, n);
    for (int i = 0; i < n; i++)
        if (s->id[i] != want[i])
            fail_msg("row %d: id %lld, want %lld", i, (long long)s->id[i], (long long)want[i]);
}

#define ASSERT_SEEN(s, ...)                                                                        \
    do {                                                                                           \
        const int64_t want_[] = {__VA_ARGS__};                                                     \
        assert_seen((s), (int)(sizeof want_ / sizeof want_[0]), want_);                            \
    } while (0)

/* ---- migrations --------------------------------------------------------- */

static bool table_exists(struct fx *f, const char *table)
{
    return raw_int(f,
                   f->be->kind == BACKEND_SQLITE
                       ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'"
                       : "SELECT COUNT(*) FROM information_schema.tables WHERE "
                         "table_schema = 'public' AND table_name = '%s'",
                   table) == 1;
}

/* A table's columns in their order, comma-separated. */
static void columns(struct fx *f, const char *table, char *out, size_t size)
{
    if (f->be->kind == BACKEND_SQLITE)
        raw_text(f, out, size,
                 "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('%s') "
                 "ORDER BY cid)",
                 table);
    else
        raw_text(f, out, size,
                 "SELECT string_agg(column_name::text, ',' ORDER BY ordinal_position) FROM "
                 "information_schema.columns WHERE table_schema = 'public' AND "
                 "table_name = '%s'",
                 table);
}

/* Every table the migrations make, with the columns both backends give it. */
static const struct {
    const char *table, *columns;
} schema[] = {
    {"merchants", "id,name,created_at"},
    {"shops", "id,merchant_id,public_key,name,url,callback_url,fee_percent,active,created_at,"
              "form_hosts,rate_limit,rate_burst,amount_adjust_max,dispute_ttl,dispute_callbacks,"
              "dispute_auto_success,test_mode,logo_url,brand_color"},
    {"disputes", "id,uuid,order_id,shop_id,amount,comment,status,initiator,awaiting,"
                 "reject_reason,ttl,deadline,paused_at,pause_duration,reopened_at,"
                 "amount_received,created_at,modified_at"},
    {"dispute_evidence", "id,uuid,dispute_id,key,uploader,content_type,data,created_at"},
    {"dispute_logs", "id,uuid,dispute_id,actor_role,status,details,created_at"},
    {"shop_dialects", "shop_id,dialect,api_key,secret,order_ttl,callback_format,strict_signing,"
                      "old_api_key,old_secret,old_valid_until"},
    {"requisites", "id,type,value,owner_full_name,bank_code,bank_name_ru,bank_name_en,currency,"
                   "country_code,active,assigned,created_at,trader_id,min_amount,max_amount,"
                   "daily_amount,daily_count,max_pending,paused,device_id,bic,corr_account"},
    {"requisite_claims", "requisite_id,amount"},
    {"requisite_days", "requisite_id,day,amount,count"},
    {"devices", "id,trader_id,name,token_hash,secret,created_at,last_seen,revoked_at"},
    {"device_pairings", "id,trader_id,code_hash,created_at,expires_at,used_at,device_id"},
    {"bank_messages", "id,device_id,trader_id,event_id,source,sender,package,title,text,"
                      "received_at,created_at,state,reason,template_id,bank,kind,amount,currency,"
                      "last4,payer,order_id,matched_by,matched_at"},
    {"orders", "id,uuid,uuid_callback,pay_token,shop_id,origin,status,amount,currency,fee,"
               "amount_usdt,exchange_rate,merchant_order_id,requisite_type,payment_system,"
               "customer_name,customer_requisite,bank_code,countries,payment_systems,email,"
               "phone,success_url,fail_url,notify_url,lang,test,confirmed_by_customer,"
               "requisite_id,created_at,expires_at,paid_at,updated_at,amount_received,"
               "reversed_at,trader_id,reserve,amount_requested,no_requisite_reason,confirmed_by"},
    /* SQLite's rows carry an id besides (migration 006: an append-only
     * table under an index in kassad's memory); checked apart. */
    {"idempotency", NULL},
    {"rates", "base,quote,rate,updated_at"},
    {"request_nonces", "shop_id,nonce,body_hash,created_at"},
    {"shop_methods", "shop_id,method_id,enabled,updated_at"},
    {"receipt_items", "order_id,position,name,count,price"},
    {"accounts", "id,kind,shop_id,currency,balance"},
    {"ledger_tx", "id,kind,ref_type,ref_id,created_at"},
    {"postings", "id,tx_id,account_id,amount"},
    {"events", "id,shop_id,order_id,kind,status,created_at,planned"},
    {"withdrawals", "id,shop_id,payment_id,currency,amount,fee,account,payment_system,status,"
                    "fingerprint,created_at,completed_at"},
    {"receipts", "order_id,content_type,data,created_at"},
    {"callbacks", "id,event_id,order_id,shop_id,receiver,url,content_type,body,state,attempts,"
                  "step,base_at,next_attempt_at,lease_owner,lease_until,claim_seq,created_at,"
                  "updated_at"},
    {"callback_attempts", "id,callback_id,at,url,http_status,error,latency_ms,response"},
    {"shop_fees", "shop_id,currency,fixed"},
    {"schema_migrations", "version,name,applied_at"},
};

/* A fresh database is migrated to the latest version, every migration
 * recorded once; opening it again applies nothing (applied_at unchanged)
 * and keeps the data. */
static void test_migrations(void **state)
{
    struct fx *f = fx_of(state);
    fx_close(f);
    fx_wipe(f);
    fx_open(f);
    bool lite = f->be->kind == BACKEND_SQLITE;
    const struct migration *m = lite ? migrations_sqlite : migrations_pg;
    int64_t n = (int64_t)(lite ? migrations_sqlite_count : migrations_pg_count);
    assert_true(n >= 7);
    assert_int_equal(m[0].version, 1);
    for (int64_t i = 1; i < n; i++)
        assert_true(m[i].version > m[i - 1].version);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM schema_migrations"), n);
    assert_int_equal(raw_int(f, "SELECT MAX(version) FROM schema_migrations"), m[n - 1].version);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(raw_int(f,
                                 "SELECT COUNT(*) FROM schema_migrations WHERE version = %d "
                                 "AND name = '%s'",
                                 m[i].version, m[i].name),
                         1);
    char cols[1024];
    for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++) {
        if (lite && strcmp(schema[i].table, "requisite_claims") == 0) {
            /* SQLite's one writer claims by the pending orders' index */
            assert_false(table_exists(f, schema[i].table));
            continue;
        }
        if (!table_exists(f, schema[i].table))
            fail_msg("no table %s", schema[i].table);
        columns(f, schema[i].table, cols, sizeof cols);
        const char *want = schema[i].columns;
        if (want == NULL)
            want = lite ? "id,shop_id,key,fingerprint,order_id,created_at"
                        : "shop_id,key,fingerprint,order_id,created_at";
        assert_string_equal(cols, want);
    }

    struct merchant mr = {.created_at = 1700000000};
    snprintf(mr.name, sizeof mr.name, "kept");
    assert_ok(W(f, merchant_insert, &mr));
    int64_t first = raw_int(f, "SELECT applied_at FROM schema_migrations WHERE version = 1");
    int64_t last =
        raw_int(f, "SELECT applied_at FROM schema_migrations WHERE version = %d", m[n - 1].version);
    assert_true(first > 0 && last >= first);
    for (int round = 0; round < 2; round++) {
        fx_close(f);
        assert_ok(clock_advance(100));
        fx_open(f);
        assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM schema_migrations"), n);
        assert_int_equal(raw_int(f, "SELECT applied_at FROM schema_migrations WHERE version = 1"),
                         first);
        assert_int_equal(raw_int(f, "SELECT applied_at FROM schema_migrations WHERE version = %d",
                                 m[n - 1].version),
                         last);
        struct merchant got;
        assert_ok(R(f, merchant_get, mr.id, &got));
        assert_string_equal(got.name, "kept");
    }
}

/* A database an older kassad left at the version before the latest (made
 * here by hand, a shop in it) is brought to the latest when opened: only
 * the missing migration runs, and the old rows read back with the new
 * columns' defaults. */
static void test_migrations_from_older(void **state)
{
    struct fx *f = fx_of(state);
    bool lite = f->be->kind == BACKEND_SQLITE;
    const struct migration *m = lite ? migrations_sqlite : migrations_pg;
    int n = (int)(lite ? migrations_sqlite_count : migrations_pg_count);
    fx_close(f);
    fx_wipe(f);
    fx_raw_open(f);
    raw_script(f, lite ? "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
                         "NOT NULL, applied_at INTEGER NOT NULL)"
                       : "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
                         "NOT NULL, applied_at BIGINT NOT NULL)");
    /* Every migration before 010 (the shops' dialect rows). */
    int old = 0;
    while (old < n && m[old].version < 10) {
        raw_script(f, m[old].sql);
        raw_exec(f, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (%d, '%s', 7)",
                 m[old].version, m[old].name);
        old++;
    }
    assert_true(old > 0 && old < n);
    raw_exec(f, "INSERT INTO merchants(name, created_at) VALUES ('old', 1)");
    raw_exec(f, "INSERT INTO shops(merchant_id, public_key, name, url, callback_url, fee_percent, "
                "panda_api_key, panda_secret, tegro_api_key, tegro_secret, panda_order_ttl, "
                "tegro_order_ttl, callback_version, active, created_at) VALUES (1, 'PK', 'Old "
                "shop', 'https://old/', 'https://old/cb', '1.5', 'pk', 'ps', 'tk', 'ts', 900, "
                "86400, 3, 1, 1600000000)");
    /* One with every setting off its default, and rows that refer to it. */
    raw_exec(f, "INSERT INTO shops(merchant_id, public_key, name, url, callback_url, fee_percent, "
                "panda_api_key, panda_secret, tegro_api_key, tegro_secret, panda_order_ttl, "
                "tegro_order_ttl, callback_version, active, created_at, notification_format) "
                "VALUES (1, 'PK2', 'Odd shop', '', '', '0', 'pk2', 'ps2', 'tk2', 'ts2', 1234, "
                "4321, 2, 0, 1600000001, 'json')");
    raw_exec(f, "INSERT INTO shop_fees(shop_id, currency, fixed) VALUES (2, 'RUB', 1000)");
    fx_raw_close(f);
    int64_t before = clock_now();
    fx_open(f);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM schema_migrations"), n);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM schema_migrations WHERE applied_at = 7"),
                     old);
    for (int i = old; i < n; i++)
        assert_true(raw_int(f,
                            "SELECT applied_at FROM schema_migrations WHERE version = %d AND "
                            "name = '%s'",
                            m[i].version, m[i].name) >= before);
    struct shop got;
    assert_ok(R(f, shop_get, SHOP_BY_PUBLIC_KEY, "PK", 0, &got));
    assert_string_equal(got.name, "Old shop");
    assert_string_equal(got.fee_percent, "1.5");
    assert_int_equal(got.created_at, 1600000000);
    assert_int_equal(got.n_dialects, 2);
    assert_string_equal(row_of(&got, "panda")->api_key, "pk");
    assert_string_equal(row_of(&got, "panda")->secret, "ps");
    assert_int_equal(row_of(&got, "panda")->order_ttl, 900);
    assert_string_equal(row_of(&got, "panda")->callback_format, "3");
    assert_string_equal(row_of(&got, "tegro")->api_key, "tk");
    assert_string_equal(row_of(&got, "tegro")->secret, "ts");
    assert_int_equal(row_of(&got, "tegro")->order_ttl, 86400);
    assert_string_equal(row_of(&got, "tegro")->callback_format, "form");
    /* Every setting carried over, found by each dialect's key. */
    struct shop odd;
    assert_ok(R(f, shop_get_by_api_key, "tegro", "tk2", &odd));
    assert_string_equal(odd.public_key, "PK2");
    assert_int_equal(odd.active, 0);
    assert_string_equal(row_of(&odd, "panda")->api_key, "pk2");
    assert_string_equal(row_of(&odd, "panda")->secret, "ps2");
    assert_int_equal(row_of(&odd, "panda")->order_ttl, 1234);
    assert_string_equal(row_of(&odd, "panda")->callback_format, "2");
    assert_string_equal(row_of(&odd, "tegro")->secret, "ts2");
    assert_int_equal(row_of(&odd, "tegro")->order_ttl, 4321);
    assert_string_equal(row_of(&odd, "tegro")->callback_format, "json");
    assert_ok(R(f, shop_get_by_api_key, "panda", "pk2", &got));
    assert_int_equal(got.id, odd.id);
    int64_t fixed = 0;
    assert_ok(R(f, shop_fee_get, odd.id, "RUB", &fixed));
    assert_int_equal(fixed, 1000);
    /* The old columns are gone (SQLite rebuilt the table, PostgreSQL
     * dropped them), and the references to shops still hold. */
    char cols[512];
    columns(f, "shops", cols, sizeof cols);
    assert_string_equal(schema[1].table, "shops");
    assert_string_equal(cols, schema[1].columns);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM shop_dialects"), 4);
    if (lite)
        assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
    /* And the store works on it: keys stay unique in their dialect. */
    struct shop s = add_shop(f, 5);
    assert_true(s.id > odd.id);
    struct shop dup;
    shop_fill(&dup, 6, s.merchant_id);
    snprintf(shop_dialect_mut(&dup, "panda")->api_key, KEY_SIZE, "pk2");
    assert_err(W(f, shop_insert, &dup), KASSA_EEXIST);
}

/* ---- merchants and shops ------------------------------------------------ */

static void test_shops(void **state)
{
    struct fx *f = fx_of(state);
    struct merchant m = {.created_at = 1700000000}, m2;
    snprintf(m.name, sizeof m.name, "Merchant «один» 'quoted'");
    assert_ok(W(f, merchant_insert, &m));
    m2 = m;
    assert_ok(W(f, merchant_insert, &m2));
    assert_true(m.id > 0 && m2.id > m.id);
    struct merchant mg;
    memset(&mg, 0, sizeof mg);
    assert_ok(R(f, merchant_get, m.id, &mg));
    assert_int_equal(mg.id, m.id);
    assert_string_equal(mg.name, "Merchant «один» 'quoted'");
    assert_int_equal(mg.created_at, 1700000000);
    assert_err(R(f, merchant_get, m2.id + 100, &mg), KASSA_ENOTFOUND);

    struct shop a, b, c, got;
    shop_fill(&a, 1, m.id);
    shop_fill(&b, 2, m.id);
    shop_fill(&c, 3, m2.id);
    assert_ok(W(f, shop_insert, &a));
    assert_ok(W(f, shop_insert, &b));
    assert_ok(W(f, shop_insert, &c));
    assert_true(a.id > 0 && b.id > a.id && c.id > b.id);

    /* By each key, every field and every dialect row. */
    const struct shop *all[] = {&a, &b, &c};
    for (int i = 0; i < 3; i++) {
        const struct shop *s = all[i];
        memset(&got, 0, sizeof got);
        assert_ok(R(f, shop_get, SHOP_BY_ID, NULL, s->id, &got));
        check_shop(&got, s);
        memset(&got, 0, sizeof got);
        assert_ok(R(f, shop_get, SHOP_BY_PUBLIC_KEY, s->public_key, 0, &got));
        check_shop(&got, s);
        for (int j = 0; j < s->n_dialects; j++) {
            memset(&got, 0, sizeof got);
            assert_ok(
                R(f, shop_get_by_api_key, s->dialects[j].dialect, s->dialects[j].api_key, &got));
            check_shop(&got, s);
        }
    }
    assert_err(R(f, shop_get, SHOP_BY_ID, NULL, c.id + 1, &got), KASSA_ENOTFOUND);
    assert_err(R(f, shop_get, SHOP_BY_PUBLIC_KEY, "FFFF", 0, &got), KASSA_ENOTFOUND);
    /* A key belongs to its dialect only. */
    assert_err(R(f, shop_get_by_api_key, "panda", row_of(&a, "tegro")->api_key, &got),
               KASSA_ENOTFOUND);
    assert_err(R(f, shop_get_by_api_key, "tegro", row_of(&a, "panda")->api_key, &got),
               KASSA_ENOTFOUND);
    assert_err(R(f, shop_get_by_api_key, "nosuch", row_of(&a, "panda")->api_key, &got),
               KASSA_ENOTFOUND);

    /* The public key and a dialect's API key are unique; a refused insert
     * writes nothing, neither the shop nor any of its rows. */
    struct shop dup = a;
    snprintf(shop_dialect_mut(&dup, "tegro")->api_key, KEY_SIZE, "another-tegro-key");
    assert_err(W(f, shop_insert, &dup), KASSA_EEXIST);
    dup = a;
    snprintf(dup.public_key, sizeof dup.public_key, "%032X", 99u);
    snprintf(shop_dialect_mut(&dup, "tegro")->api_key, KEY_SIZE, "another-tegro-key");
    assert_err(W(f, shop_insert, &dup), KASSA_EEXIST);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM shops"), 3);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM shop_dialects"), 6);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM shop_dialects WHERE api_key = "
                                "'another-tegro-key'"),
                     0);

    /* A merchant's shops, oldest first; the visitor may stop. */
    struct seen s = {0};
    assert_ok(R(f, shops_by_merchant, m.id, seen_shop, &s));
    ASSERT_SEEN(&s, a.id, b.id);
    s = (struct seen){.stop = 1};
    assert_ok(R(f, shops_by_merchant, m.id, seen_shop, &s));
    ASSERT_SEEN(&s, a.id);
    s = (struct seen){0};
    assert_ok(R(f, shops_by_merchant, m2.id, seen_shop, &s));
    ASSERT_SEEN(&s, c.id);
    s = (struct seen){0};
    assert_ok(R(f, shops_by_merchant, m2.id + 1, seen_shop, &s));
    assert_int_equal(s.n, 0);
}

static bool fee_seen(void *arg, const char *currency, int64_t fixed)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s=%lld;", currency, (long long)fixed);
    return strstr(out, "STOP") == NULL && strlen(out) < 200;
}

/* shop_update writes the settings it names and nothing else: its name,
 * URLs and each dialect row's TTL and callback format, never a row's
 * credentials; a row the shop has not got is added. The fee percent and
 * the fixed fees have their own ops. */
static void test_shop_update(void **state)
{
    struct fx *f = fx_of(state);
    struct shop s = add_shop(f, 1), other = add_shop(f, 2), got;
    struct shop u = s;
    snprintf(u.name, sizeof u.name, "Renamed «shop»");
    snprintf(u.url, sizeof u.url, "https://renamed.example/");
    snprintf(u.callback_url, sizeof u.callback_url, "https://renamed.example/cb?q='1'");
    struct shop_dialect *up = shop_dialect_mut(&u, "panda"), *ut = shop_dialect_mut(&u, "tegro");
    up->order_ttl = 60;
    snprintf(up->callback_format, sizeof up->callback_format, "3");
    ut->order_ttl = 120;
    snprintf(ut->callback_format, sizeof ut->callback_format, "form");
    u.active = 0; /* switched off */
    /* not shop_update's to write: */
    snprintf(u.public_key, sizeof u.public_key, "%032X", 77u);
    snprintf(up->api_key, sizeof up->api_key, "changed");
    snprintf(ut->secret, sizeof ut->secret, "changed");
    snprintf(u.fee_percent, sizeof u.fee_percent, "9");
    u.created_at = 5;
    u.merchant_id = other.merchant_id;
    assert_ok(W(f, shop_update, &u));
    assert_ok(R(f, shop_get, SHOP_BY_ID, NULL, s.id, &got));
    struct shop want = s;
    memcpy(want.name, u.name, sizeof want.name);
    memcpy(want.url, u.url, sizeof want.url);
    memcpy(want.callback_url, u.callback_url, sizeof want.callback_url);
    shop_dialect_mut(&want, "panda")->order_ttl = 60;
    memcpy(shop_dialect_mut(&want, "panda")->callback_format, "3", 2);
    shop_dialect_mut(&want, "tegro")->order_ttl = 120;
    memcpy(shop_dialect_mut(&want, "tegro")->callback_format, "form", 5);
    want.active = 0;
    check_shop(&got, &want);
    assert_ok(R(f, shop_get, SHOP_BY_ID, NULL, other.id, &got));
    check_shop(&got, &other);
    /* the credentials still find it, the ones it was not given do not */
    assert_ok(R(f, shop_get_by_api_key, "panda", row_of(&s, "panda")->api_key, &got));
    assert_int_equal(got.id, s.id);
    assert_err(R(f, shop_get_by_api_key, "panda", "changed", &got), KASSA_ENOTFOUND);
    u.id = other.id + 100;
    assert_err(W(f, shop_update, &u), KASSA_ENOTFOUND);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM shop_dialects"), 4);

    assert_ok(W(f, shop_set_fee_percent, s.id, "3.1415"));
    assert_ok(R(f, shop_get, SHOP_BY_ID, NULL, s.id, &got));
    assert_string_equal(got.fee_percent, "3.1415");
    assert_ok(R(f, shop_get, SHOP_BY_ID, NULL, other.id, &got));
    assert_string_equal(got.fee_percent, "2.5");
    assert_err(W(f, shop_set_fee_percent, other.id + 100, "1"), KASSA_ENOTFOUND);

    /* Fixed fees per currency: set, replaced, listed by currency. */
    int64_t fixed = -1;
    assert_err(R(f, shop_fee_get, s.id, "RUB", &fixed), KASSA_ENOTFOUND);
    assert_ok(W(f, shop_fee_set, s.id, "RUB", 1500));
    assert_ok(W(f, shop_fee_set, s.id, "USD", 25));
    assert_ok(W(f, shop_fee_set, s.id, "EUR", 0));
    assert_ok(W(f, shop_fee_set, other.id, "RUB", 7));
    assert_ok(R(f, shop_fee_get, s.id, "RUB", &fixed));
    assert_int_equal(fixed, 1500);
    assert_ok(W(f, shop_fee_set, s.id, "RUB", 1700));
    assert_ok(R(f, shop_fee_get, s.id, "RUB", &fixed));
    assert_int_equal(fixed, 1700);
    assert_ok(R(f, shop_fee_get, s.id, "EUR", &fixed));
    assert_int_equal(fixed, 0);
    assert_err(R(f, shop_fee_get, s.id, "KZT", &fixed), KASSA_ENOTFOUND);
    char list[256] = "";
    assert_ok(R(f, shop_fees, s.id, fee_seen, list));
    assert_string_equal(list, "EUR=0;RUB=1700;USD=25;");
    snprintf(list, sizeof list, "STOP:");
    assert_ok(R(f, shop_fees, s.id, fee_seen, list));
    assert_string_equal(list, "STOP:EUR=0;");
    list[0] = '\0';
    assert_ok(R(f, shop_fees, other.id, fee_seen, list));
    assert_string_equal(list, "RUB=7;");
    list[0] = '\0';
    assert_ok(R(f, shop_fees, other.id + 100, fee_seen, list));
    assert_string_equal(list, "");
}

/* A shop's dialect rows: a shop may have none (its reads say so), any
 * registered name is a row's key, shop_update adds a row the shop lacks
 * (with its credentials), an API key may repeat across dialects but not
 * within one, and a merchant's shops each come with their own rows. */
static void test_shop_dialect_rows(void **state)
{
    struct fx *f = fx_of(state);
    struct merchant m = {.created_at = 1};
    snprintf(m.name, sizeof m.name, "M");
    assert_ok(W(f, merchant_insert, &m));
    struct shop bare, got;
    shop_fill(&bare, 1, m.id);
    bare.n_dialects = 0;
    assert_ok(W(f, shop_insert, &bare));
    assert_ok(R(f, shop_get, SHOP_BY_ID, NULL, bare.id, &got));
    check_shop(&got, &bare);
    assert_int_equal(got.n_dialects, 0);
    assert_null(shop_dialect_find(&got, "panda"));

    /* A row of a dialect the shop had none of, added by an update. */
    struct shop u = got;
    row_set(&u, "third", "k3", "s3", 300, "v1");
    assert_ok(W(f, shop_update, &u));
    assert_ok(R(f, shop_get_by_api_key, "third", "k3", &got));
    check_shop(&got, &u);

    /* The same key in two dialects is two shops' business; twice in one
     * dialect is refused. */
    struct shop two;
    shop_fill(&two, 2, m.id);
    snprintf(shop_dialect_mut(&two, "panda")->api_key, KEY_SIZE, "k3");
    assert_ok(W(f, shop_insert, &two));
    assert_ok(R(f, shop_get_by_api_key, "panda", "k3", &got));
    assert_int_equal(got.id, two.id);
    assert_ok(R(f, shop_get_by_api_key, "third", "k3", &got));
    assert_int_equal(got.id, bare.id);
    struct shop three;
    shop_fill(&three, 3, m.id);
    row_set(&three, "third", "k3", "s", 1, "v2");
    assert_err(W(f, shop_insert, &three), KASSA_EEXIST);
    shop_dialect_mut(&three, "third")->api_key[1] = '4';
    assert_ok(W(f, shop_insert, &three));

    /* A merchant's shops, oldest first, each with its own rows. */
    struct shop seen[4];
    int n = 0;
    struct {
        struct shop *out;
        int *n;
    } ctx = {seen, &n};
    assert_ok(R(f, shops_by_merchant, m.id, collect_shop, &ctx));
    assert_int_equal(n, 3);
    check_shop(&seen[0], &u);
    check_shop(&seen[1], &two);
    check_shop(&seen[2], &three);
}

/* ---- requisites: insert, pick ----------------------------------------- */

/* One pick on the writer connection, inside the caller's transaction. */
static int64_t pick(struct fx *f, const char *type, const char *currency, const char *bank,
                    const struct country_filter *countries)
{
    struct requisite r;
    memset(&r, 0, sizeof r);
    kassa_err err = pick_one(fx_w(f), type, currency, bank, countries, &r);
    if (err == KASSA_ENOTFOUND)
        return 0;
    assert_ok(err);
    assert_true(r.id > 0);
    return r.id;
}

/* k picks in one transaction into out. */
static void picks(struct fx *f, int k, int64_t *out, const char *type, const char *currency,
                  const char *bank, const struct country_filter *countries)
{
    tx_begin(f);
    for (int i = 0; i < k; i++)
        out[i] = pick(f, type, currency, bank, countries);
    tx_commit(f);
}

/* got[0..k) go round `ids` (n of them, ascending) in id order, each in
 * turn, wrapping: a rotation, from wherever it stood. */
static void assert_rotation(const int64_t *got, int k, const int64_t *ids, int n)
{
    int at = -1;
    for (int i = 0; i < n; i++)
        if (ids[i] == got[0])
            at = i;
    if (at < 0)
        fail_msg("pick 0: requisite %lld is not one of those that match", (long long)got[0]);
    for (int i = 0; i < k; i++)
        if (got[i] != ids[(at + i) % n])
            fail_msg("pick %d: requisite %lld, want %lld (the next in id order)", i,
                     (long long)got[i], (long long)ids[(at + i) % n]);
}

#define ASSERT_ROTATION(got, k, ...)                                                               \
    do {                                                                                           \
        const int64_t ids_[] = {__VA_ARGS__};                                                      \
        assert_rotation((got), (k), ids_, (int)(sizeof ids_ / sizeof ids_[0]));                    \
    } while (0)

/* A pick returns the requisite's whole row. */
static void test_requisite_row(void **state)
{
    struct fx *f = fx_of(state);
    struct requisite r = {.active = 1, .created_at = 1700000002};
    snprintf(r.type, sizeof r.type, "card");
    snprintf(r.value, sizeof r.value, "2200 1234 5678 9012");
    snprintf(r.owner_full_name, sizeof r.owner_full_name, "Иван 'Petrov'");
    snprintf(r.bank_code, sizeof r.bank_code, "tinkoff");
    snprintf(r.bank_name_ru, sizeof r.bank_name_ru, "Т-Банк");
    snprintf(r.bank_name_en, sizeof r.bank_name_en, "T-Bank");
    snprintf(r.currency, sizeof r.currency, "RUB");
    snprintf(r.country_code, sizeof r.country_code, "RUS");
    r.assigned = 42; /* not the caller's: stored as 0 */
    assert_ok(W(f, requisite_insert, &r));
    assert_true(r.id > 0);
    struct requisite got;
    memset(&got, 0, sizeof got);
    tx_begin(f);
    assert_ok(pick_one(fx_w(f), "card", "RUB", "", NULL, &got));
    tx_commit(f);
    assert_int_equal(got.id, r.id);
    assert_string_equal(got.type, "card");
    assert_string_equal(got.value, "2200 1234 5678 9012");
    assert_string_equal(got.owner_full_name, "Иван 'Petrov'");
    assert_string_equal(got.bank_code, "tinkoff");
    assert_string_equal(got.bank_name_ru, "Т-Банк");
    assert_string_equal(got.bank_name_en, "T-Bank");
    assert_string_equal(got.currency, "RUB");
    assert_string_equal(got.country_code, "RUS");
    assert_int_equal(got.active, 1);
    assert_int_equal(got.assigned, 0);
    assert_int_equal(got.created_at, 1700000002);
    int64_t other = add_req(f, "card", "RUB", "", "", 1);
    assert_true(other > r.id);
}

/* Collects the ids requisites_after visits, stopping after `stop` of them
 * (0: never). */
struct seen_reqs {
    int64_t id[16];
    int n, stop;
};

static bool seen_req(void *arg, const struct requisite *r)
{
    struct seen_reqs *s = arg;
    s->id[s->n++] = r->id;
    return s->stop == 0 || s->n < s->stop;
}

/* requisites_after: the active requisites of a type and currency after an
 * id, in id order, at most `limit`; a visitor may stop early; read inside
 * a transaction (where SQLite's writer serves them from its memo) and
 * outside, the same rows. */
static void test_requisites_after(void **state)
{
    struct fx *f = fx_of(state);
    int64_t r[5];
    for (int i = 0; i < 5; i++)
        r[i] = add_req(f, "card", "RUB", i % 2 ? "sber" : "", i == 3 ? "KAZ" : "RUS", 1);
    add_req(f, "card", "RUB", "", "RUS", 0); /* inactive */
    add_req(f, "card", "USD", "", "RUS", 1); /* another currency */
    add_req(f, "sbp", "RUB", "", "RUS", 1);  /* another type */
    for (int in_tx = 0; in_tx < 2; in_tx++) {
        struct seen_reqs s = {0};
        int n = -1;
        if (in_tx)
            tx_begin(f);
        assert_ok(STORE_CALL(fx_w(f), requisites_after, "card", "RUB", 0, 16, seen_req, &s, &n));
        assert_int_equal(n, 5);
        for (int i = 0; i < 5; i++)
            assert_int_equal(s.id[i], r[i]);
        s = (struct seen_reqs){0};
        assert_ok(STORE_CALL(fx_w(f), requisites_after, "card", "RUB", r[1], 2, seen_req, &s, &n));
        assert_int_equal(n, 2);
        assert_int_equal(s.id[0], r[2]);
        assert_int_equal(s.id[1], r[3]);
        s = (struct seen_reqs){.stop = 1};
        assert_ok(STORE_CALL(fx_w(f), requisites_after, "card", "RUB", r[2], 16, seen_req, &s, &n));
        assert_int_equal(n, 1);
        assert_int_equal(s.id[0], r[3]);
        s = (struct seen_reqs){0};
        assert_ok(STORE_CALL(fx_w(f), requisites_after, "card", "RUB", r[4], 16, seen_req, &s, &n));
        assert_int_equal(n, 0);
        assert_ok(STORE_CALL(fx_w(f), requisites_after, "card", "EUR", 0, 16, seen_req, &s, &n));
        assert_int_equal(n, 0);
        if (in_tx)
            tx_commit(f);
    }
}

/* Consecutive picks of one kind go round the active requisites of its type
 * and currency in id order, each once per round, within a transaction and
 * across transactions; a requisite retired or added between transactions
 * leaves or joins the round; none matching: KASSA_ENOTFOUND. */
static void test_pick_rotation(void **state)
{
    struct fx *f = fx_of(state);
    int64_t r[6], got[16];
    for (int i = 0; i < 5; i++)
        r[i] = add_req(f, "card", "RUB", i % 2 ? "sber" : "", "RUS", 1);
    add_req(f, "card", "RUB", "", "RUS", 0); /* inactive */
    add_req(f, "card", "USD", "", "RUS", 1); /* another currency */
    add_req(f, "SBP", "RUB", "", "RUS", 1);  /* another type */

    picks(f, 12, got, "card", "RUB", "", NULL);
    ASSERT_ROTATION(got, 12, r[0], r[1], r[2], r[3], r[4]);
    int64_t last = got[11];
    /* Three transactions of one pick each: the round goes on. */
    for (int i = 0; i < 3; i++)
        picks(f, 1, &got[1 + i], "card", "RUB", NULL, NULL);
    got[0] = last;
    ASSERT_ROTATION(got, 4, r[0], r[1], r[2], r[3], r[4]);

    raw_exec(f, "UPDATE requisites SET active = 0 WHERE id = %lld", (long long)r[2]);
    picks(f, 9, got, "card", "RUB", "", NULL);
    ASSERT_ROTATION(got, 9, r[0], r[1], r[3], r[4]);
    r[5] = add_req(f, "card", "RUB", "", "KAZ", 1);
    picks(f, 11, got, "card", "RUB", "", NULL);
    ASSERT_ROTATION(got, 11, r[0], r[1], r[3], r[4], r[5]);

    picks(f, 1, got, "card", "KZT", "", NULL);
    assert_int_equal(got[0], 0);
    picks(f, 1, got, "wallet", "RUB", "", NULL);
    assert_int_equal(got[0], 0);
    picks(f, 2, got, "card", "USD", "", NULL);
    assert_int_equal(got[0], got[1]);
    assert_true(got[0] > 0);
}

/* A preferred bank with active requisites of the kind: only those, in
 * rotation; a bank without any: the rotation over all. */
static void test_pick_bank(void **state)
{
    struct fx *f = fx_of(state);
    static const char *const bank[] = {"sber", "tinkoff", "sber", "alfa", "tinkoff"};
    int64_t r[5], got[12];
    for (int i = 0; i < 5; i++)
        r[i] = add_req(f, "card", "RUB", bank[i], "RUS", 1);
    add_req(f, "card", "RUB", "vtb", "RUS", 0); /* vtb's only requisite: inactive */
    add_req(f, "card", "USD", "alfa", "RUS", 1);

    picks(f, 8, got, "card", "RUB", "sber", NULL);
    ASSERT_ROTATION(got, 8, r[0], r[2]);
    picks(f, 7, got, "card", "RUB", "tinkoff", NULL);
    ASSERT_ROTATION(got, 7, r[1], r[4]);
    picks(f, 3, got, "card", "RUB", "alfa", NULL);
    ASSERT_ROTATION(got, 3, r[3]);
    picks(f, 12, got, "card", "RUB", "vtb", NULL);
    ASSERT_ROTATION(got, 12, r[0], r[1], r[2], r[3], r[4]);
    picks(f, 11, got, "card", "RUB", "no-such-bank", NULL);
    ASSERT_ROTATION(got, 11, r[0], r[1], r[2], r[3], r[4]);
}

/* A country filter admits only requisites of its countries (in rotation
 * over those); "ANY", an empty filter and NULL admit every country; a
 * filter none matches: KASSA_ENOTFOUND; with a bank, the bank's requisites
 * the filter admits, else the filter's. */
static void test_pick_countries(void **state)
{
    struct fx *f = fx_of(state);
    static const char *const country[] = {"KAZ", "UZB", "RUS", "KAZ", "RUS", "UZB", "KAZ", "RUS"};
    int64_t r[8], got[12];
    for (int i = 0; i < 8; i++)
        r[i] = add_req(f, "card", "RUB", i == 2 || i == 3 ? "sber" : "", country[i], 1);
    struct country_filter kaz = {0}, kaz_uzb = {0}, any = {0}, none = {0}, tjk = {0}, uzb = {0};
    assert_true(country_filter_add(&kaz, "KAZ"));
    assert_true(country_filter_add(&kaz_uzb, "UZB"));
    assert_true(country_filter_add(&kaz_uzb, "KAZ"));
    assert_true(country_filter_add(&any, "KAZ"));
    assert_true(country_filter_add(&any, "ANY"));
    assert_true(country_filter_add(&tjk, "TJK"));
    assert_true(country_filter_add(&uzb, "UZB"));

    picks(f, 7, got, "card", "RUB", "", &kaz);
    ASSERT_ROTATION(got, 7, r[0], r[3], r[6]);
    picks(f, 12, got, "card", "RUB", "", &kaz_uzb);
    ASSERT_ROTATION(got, 12, r[0], r[1], r[3], r[5], r[6]);
    picks(f, 10, got, "card", "RUB", "", &any);
    ASSERT_ROTATION(got, 10, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
    picks(f, 10, got, "card", "RUB", "", &none);
    ASSERT_ROTATION(got, 10, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
    picks(f, 2, got, "card", "RUB", "", &tjk);
    assert_int_equal(got[0], 0);
    assert_int_equal(got[1], 0);
    picks(f, 3, got, "card", "RUB", "sber", &kaz);
    ASSERT_ROTATION(got, 3, r[3]);
    picks(f, 4, got, "card", "RUB", "sber", &uzb);
    ASSERT_ROTATION(got, 4, r[1], r[5]);
    picks(f, 1, got, "card", "RUB", "sber", &tjk);
    assert_int_equal(got[0], 0);
}

/* Picks of two kinds taken in turns (the orders of a shop asking for cards
 * and SBP alternately): each kind still spreads over its own requisites,
 * not always the same one. */
static void test_pick_kinds_interleaved(void **state)
{
    struct fx *f = fx_of(state);
    int64_t card[2], sbp[2], kaz[2], got_card[8], got_sbp[8], got_kaz[8];
    for (int i = 0; i < 2; i++) {
        card[i] = add_req(f, "card", "RUB", "", "RUS", 1);
        sbp[i] = add_req(f, "SBP", "RUB", "", "RUS", 1);
        kaz[i] = add_req(f, "card", "RUB", "", "KAZ", 1);
    }
    struct country_filter only_kaz = {0};
    assert_true(country_filter_add(&only_kaz, "KAZ"));
    tx_begin(f);
    for (int i = 0; i < 8; i++) {
        got_card[i] = pick(f, "card", "RUB", "", &only_kaz);
        got_sbp[i] = pick(f, "SBP", "RUB", "", NULL);
    }
    tx_commit(f);
    ASSERT_ROTATION(got_card, 8, kaz[0], kaz[1]);
    ASSERT_ROTATION(got_sbp, 8, sbp[0], sbp[1]);
    for (int i = 0; i < 4; i++) {
        picks(f, 1, &got_card[i], "card", "RUB", "", NULL);
        picks(f, 1, &got_sbp[i], "SBP", "RUB", "", NULL);
        picks(f, 1, &got_kaz[i], "card", "RUB", "", &only_kaz);
    }
    ASSERT_ROTATION(got_card, 4, card[0], kaz[0], card[1], kaz[1]);
    ASSERT_ROTATION(got_sbp, 4, sbp[0], sbp[1]);
    ASSERT_ROTATION(got_kaz, 4, kaz[0], kaz[1]);
}

/* ---- orders ------------------------------------------------------------- */

static void full_order(struct order *o, int64_t shop_id, int64_t requisite_id)
{
    order_fill(o, shop_id, 1);
    o->origin = 2 /* tegro */;
    o->amount = 100047;
    o->fee = 2501;
    o->amount_usdt = 10531263;
    snprintf(o->exchange_rate, sizeof o->exchange_rate, "95.00");
    snprintf(o->merchant_order_id, sizeof o->merchant_order_id, "order #42/ü 'q'");
    snprintf(o->requisite_type, sizeof o->requisite_type, "card");
    o->payment_system = 5;
    snprintf(o->customer_name, sizeof o->customer_name, "Пётр");
    snprintf(o->customer_requisite, sizeof o->customer_requisite, "4111");
    snprintf(o->bank_code, sizeof o->bank_code, "tinkoff");
    snprintf(o->countries, sizeof o->countries, "[\"RUS\"]");
    snprintf(o->payment_systems, sizeof o->payment_systems, "[\"MIR\"]");
    snprintf(o->email, sizeof o->email, "a@b.c");
    snprintf(o->phone, sizeof o->phone, "+70000000000");
    snprintf(o->success_url, sizeof o->success_url, "https://s/ok?a=1&b=2");
    snprintf(o->fail_url, sizeof o->fail_url, "https://s/fail");
    snprintf(o->notify_url, sizeof o->notify_url, "https://s/notify");
    snprintf(o->lang, sizeof o->lang, "ru");
    o->test = true;
    o->confirmed_by_customer = true;
    o->requisite_id = requisite_id;
    o->created_at = 1700000003;
    o->expires_at = 1700000903;
    o->paid_at = 1700000500;
    o->updated_at = 1700000600;
}

static void check_full_order(const struct order *got, const struct order *want)
{
    assert_int_equal(got->id, want->id);
    assert_string_equal(got->uuid, want->uuid);
    assert_string_equal(got->uuid_callback, want->uuid_callback);
    assert_string_equal(got->pay_token, want->pay_token);
    assert_int_equal(got->shop_id, want->shop_id);
    assert_int_equal(got->origin, 2 /* tegro */);
    assert_int_equal(got->status, ORDER_PENDING);
    assert_int_equal(got->amount, 100047);
    assert_string_equal(got->currency, "RUB");
    assert_int_equal(got->fee, 2501);
    assert_int_equal(got->amount_usdt, 10531263);
    assert_string_equal(got->exchange_rate, "95.00");
    assert_string_equal(got->merchant_order_id, "order #42/ü 'q'");
    assert_string_equal(got->requisite_type, "card");
    assert_int_equal(got->payment_system, 5);
    assert_string_equal(got->customer_name, "Пётр");
    assert_string_equal(got->customer_requisite, "4111");
    assert_string_equal(got->bank_code, "tinkoff");
    assert_string_equal(got->countries, "[\"RUS\"]");
    assert_string_equal(got->payment_systems, "[\"MIR\"]");
    assert_string_equal(got->email, "a@b.c");
    assert_string_equal(got->phone, "+70000000000");
    assert_string_equal(got->success_url, "https://s/ok?a=1&b=2");
    assert_string_equal(got->fail_url, "https://s/fail");
    assert_string_equal(got->notify_url, "https://s/notify");
    assert_string_equal(got->lang, "ru");
    assert_true(got->test);
    assert_true(got->confirmed_by_customer);
    assert_int_equal(got->requisite_id, want->requisite_id);
    assert_int_equal(got->created_at, 1700000003);
    assert_int_equal(got->expires_at, 1700000903);
    assert_int_equal(got->paid_at, 1700000500);
    assert_int_equal(got->updated_at, 1700000600);
    /* The requisite, joined. */
    assert_int_equal(got->req.id, want->requisite_id);
    assert_string_equal(got->req.type, "card");
    assert_string_equal(got->req.bank_code, "tinkoff");
    assert_string_equal(got->req.currency, "RUB");
    assert_string_equal(got->req.country_code, "KAZ");
    assert_memory_equal(got->req.value, "+7900", 5);
    assert_memory_equal(got->req.owner_full_name, "Owner ", 6);
    assert_int_equal(got->req.active, 1);
    assert_int_equal(got->req.assigned, 0);
    assert_int_equal(got->req.created_at, 1700000100);
}

/* An order reads back field for field by each of its keys, its requisite
 * joined; without a requisite, requisite_id and req are zero; uuid and
 * uuid_callback are unique. */
static void test_orders(void **state)
{
    struct fx *f = fx_of(state);
    struct shop s = add_shop(f, 1);
    int64_t req = add_req(f, "card", "RUB", "tinkoff", "KAZ", 1);
    struct order o, got;
    full_order(&o, s.id, req);
    add_order(f, &o);
    memset(&got, 0, sizeof got);
    assert_ok(R(f, order_get, ORDER_BY_ID, NULL, o.id, &got));
    check_full_order(&got, &o);
    memset(&got, 0, sizeof got);
    assert_ok(R(f, order_get, ORDER_BY_UUID, o.uuid, 0, &got));
    check_full_order(&got, &o);
    memset(&got, 0, sizeof got);
    assert_ok(R(f, order_get, ORDER_BY_UUID_CALLBACK, o.uuid_callback, 0, &got));
    check_full_order(&got, &o);
    assert_err(R(f, order_get, ORDER_BY_ID, NULL, o.id + 1, &got), KASSA_ENOTFOUND);
    assert_err(R(f, order_get, ORDER_BY_UUID, o.uuid_callback, 0, &got), KASSA_ENOTFOUND);
    assert_err(R(f, order_get, ORDER_BY_UUID_CALLBACK, o.uuid, 0, &got), KASSA_ENOTFOUND);

    struct order bare;
    order_fill(&bare, s.id, 2);
    add_order(f, &bare);
    assert_true(bare.id > o.id);
    memset(&got, 0xAB, sizeof got);
    assert_ok(R(f, order_get, ORDER_BY_UUID, bare.uuid, 0, &got));
    assert_int_equal(got.id, bare.id);
    assert_int_equal(got.requisite_id, 0);
    assert_int_equal(got.req.id, 0);
    assert_string_equal(got.req.type, "");
    assert_int_equal(got.paid_at, 0);
    assert_false(got.test);
    assert_false(got.confirmed_by_customer);
    assert_string_equal(got.exchange_rate, "");
    assert_int_equal(got.amount, 100002);

    struct order dup = o;
    snprintf(dup.uuid_callback, sizeof dup.uuid_callback, "99999999-7777-4888-9999-aaaaaaaaaaaa");
    assert_err(W(f, order_insert, &dup), KASSA_EEXIST);
    dup = o;
    snprintf(dup.uuid, sizeof dup.uuid, "99999999-2222-4333-8444-555555555555");
    assert_err(W(f, order_insert, &dup), KASSA_EEXIST);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM orders"), 2);
}

/* A shop's orders by merchant order id (oldest first) and by page (newest
 * first, `limit` from `offset`), never another shop's. */
static void test_order_lists(void **state)
{
    struct fx *f = fx_of(state);
    struct shop a = add_shop(f, 1), b = add_shop(f, 2);
    struct order o[6];
    static const int shop_b[6] = {0, 0, 1, 0, 0, 0};
    static const char *const moid[6] = {"m-1", "m-2", "m-1", "m-1", "m-1", "m-3"};
    for (int i = 0; i < 6; i++) {
        order_fill(&o[i], shop_b[i] ? b.id : a.id, i + 1);
        snprintf(o[i].merchant_order_id, sizeof o[i].merchant_order_id, "%s", moid[i]);
        add_order(f, &o[i]);
    }
    struct seen s = {0};
    assert_ok(R(f, orders_by_merchant_order_id, a.id, "m-1", seen_order, &s));
    ASSERT_SEEN(&s, o[0].id, o[3].id, o[4].id);
    s = (struct seen){.stop = 2};
    assert_ok(R(f, orders_by_merchant_order_id, a.id, "m-1", seen_order, &s));
    ASSERT_SEEN(&s, o[0].id, o[3].id);
    s = (struct seen){0};
    assert_ok(R(f, orders_by_merchant_order_id, b.id, "m-1", seen_order, &s));
    ASSERT_SEEN(&s, o[2].id);
    s = (struct seen){0};
    assert_ok(R(f, orders_by_merchant_order_id, a.id, "m-9", seen_order, &s));
    assert_int_equal(s.n, 0);

    s = (struct seen){0};
    assert_ok(R(f, orders_page, a.id, 0, 2, seen_order, &s));
    ASSERT_SEEN(&s, o[5].id, o[4].id);
    s = (struct seen){0};
    assert_ok(R(f, orders_page, a.id, 2, 2, seen_order, &s));
    ASSERT_SEEN(&s, o[3].id, o[1].id);
    s = (struct seen){0};
    assert_ok(R(f, orders_page, a.id, 4, 2, seen_order, &s));
    ASSERT_SEEN(&s, o[0].id);
    s = (struct seen){0};
    assert_ok(R(f, orders_page, a.id, 5, 2, seen_order, &s));
    assert_int_equal(s.n, 0);
    s = (struct seen){0};
    assert_ok(R(f, orders_page, a.id, 1, 100, seen_order, &s));
    ASSERT_SEEN(&s, o[4].id, o[3].id, o[1].id, o[0].id);
    s = (struct seen){.stop = 1};
    assert_ok(R(f, orders_page, a.id, 0, 100, seen_order, &s));
    ASSERT_SEEN(&s, o[5].id);
    s = (struct seen){0};
    assert_ok(R(f, orders_page, b.id, 0, 100, seen_order, &s));
    ASSERT_SEEN(&s, o[2].id);

    /* A page's rows are whole. */
    int64_t req = add_req(f, "card", "RUB", "tinkoff", "KAZ", 1);
    struct order full;
    full_order(&full, b.id, req);
    snprintf(full.uuid, sizeof full.uuid, "77777777-2222-4333-8444-555555555555");
    snprintf(full.uuid_callback, sizeof full.uuid_callback, "77777777-7777-4888-9999-aaaaaaaaaaaa");
    add_order(f, &full);
    struct order got;
    memset(&got, 0, sizeof got);
    assert_ok(R(f, orders_page, b.id, 0, 1, copy_order, &got));
    check_full_order(&got, &full);
    memset(&got, 0, sizeof got);
    assert_ok(R(f, orders_by_merchant_order_id, b.id, full.merchant_order_id, copy_order, &got));
    check_full_order(&got, &full);
}

/* order_set_status moves an order only from the state the caller saw
 * (KASSA_ESTATE otherwise, the row unchanged) and writes status, paid_at,
 * confirmed_by_customer, updated_at and what a completion with an amount
 * received or a reversal sets (amount_received, fee, amount_usdt,
 * reversed_at), never the amount; order_confirm only a pending one;
 * orders_due the pending ones due, soonest first. */
static void test_order_transitions(void **state)
{
    struct fx *f = fx_of(state);
    struct shop s = add_shop(f, 1);
    struct order o;
    order_fill(&o, s.id, 1);
    add_order(f, &o);

    struct order next = o;
    next.status = ORDER_COMPLETED;
    next.paid_at = 1700000500;
    next.confirmed_by_customer = true;
    next.updated_at = 1700000600;
    next.amount = 1; /* not order_set_status's to write */
    next.fee = 2;
    next.amount_received = 3;
    next.amount_usdt = 4;
    next.reversed_at = 1700000650;
    assert_int_equal(o.amount_received, 0);
    assert_int_equal(get_order(f, o.id).reversed_at, 0);
    assert_ok(W(f, order_set_status, &next, ORDER_PENDING));
    struct order got = get_order(f, o.id);
    assert_int_equal(got.status, ORDER_COMPLETED);
    assert_int_equal(got.paid_at, 1700000500);
    assert_true(got.confirmed_by_customer);
    assert_int_equal(got.updated_at, 1700000600);
    assert_int_equal(got.amount, o.amount);
    assert_int_equal(got.fee, 2);
    assert_int_equal(got.amount_received, 3);
    assert_int_equal(got.amount_usdt, 4);
    assert_int_equal(got.reversed_at, 1700000650);
    assert_string_equal(got.uuid, o.uuid);

    /* From a state it is not in: refused, unchanged. */
    struct order again = next;
    again.status = ORDER_FAILED;
    again.updated_at = 1700000700;
    assert_err(W(f, order_set_status, &again, ORDER_PENDING), KASSA_ESTATE);
    got = get_order(f, o.id);
    assert_int_equal(got.status, ORDER_COMPLETED);
    assert_int_equal(got.updated_at, 1700000600);
    again.id = o.id + 100;
    assert_err(W(f, order_set_status, &again, ORDER_PENDING), KASSA_ESTATE);

    /* pending -> expired -> completed (a late payment). */
    struct order late;
    order_fill(&late, s.id, 2);
    add_order(f, &late);
    next = late;
    next.status = ORDER_EXPIRED;
    next.updated_at = 1700001000;
    assert_ok(W(f, order_set_status, &next, ORDER_PENDING));
    next.status = ORDER_COMPLETED;
    next.paid_at = 1700002000;
    next.updated_at = 1700002000;
    assert_err(W(f, order_set_status, &next, ORDER_PENDING), KASSA_ESTATE);
    assert_ok(W(f, order_set_status, &next, ORDER_EXPIRED));
    got = get_order(f, late.id);
    assert_int_equal(got.status, ORDER_COMPLETED);
    assert_int_equal(got.paid_at, 1700002000);
    assert_false(got.confirmed_by_customer);

    /* order_confirm: a pending order only. */
    struct order p;
    order_fill(&p, s.id, 3);
    add_order(f, &p);
    assert_ok(W(f, order_confirm, p.id, 1700000777));
    got = get_order(f, p.id);
    assert_true(got.confirmed_by_customer);
    assert_int_equal(got.updated_at, 1700000777);
    assert_int_equal(got.status, ORDER_PENDING);
    assert_err(W(f, order_confirm, o.id, 1700000888), KASSA_ESTATE);
    assert_err(W(f, order_confirm, p.id + 100, 1700000888), KASSA_ESTATE);
    assert_int_equal(get_order(f, o.id).updated_at, 1700000600);

    /* orders_due: pending, expires_at <= now, soonest first, at most
     * `limit`. */
    static const int64_t expires[] = {300, 100, 500, 200, 50};
    struct order d[5];
    for (int i = 0; i < 5; i++) {
        order_fill(&d[i], s.id, 10 + i);
        d[i].expires_at = 1600000000 + expires[i];
        add_order(f, &d[i]);
    }
    next = d[4];
    next.status = ORDER_CANCELED;
    assert_ok(W(f, order_set_status, &next, ORDER_PENDING));
    int64_t ids[8];
    int n = -1;
    assert_ok(W(f, orders_due, 1600000300, 8, ids, &n));
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], d[1].id);
    assert_int_equal(ids[1], d[3].id);
    assert_int_equal(ids[2], d[0].id);
    assert_ok(W(f, orders_due, 1600000300, 2, ids, &n));
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], d[1].id);
    assert_int_equal(ids[1], d[3].id);
    assert_ok(W(f, orders_due, 1600000049, 8, ids, &n));
    assert_int_equal(n, 0);
}

/* order_set_method gives an order awaiting its method (pending,
 * payment_system 0, no requisite type) the method, type and requisite;
 * KASSA_ESTATE once it has one, or when it is not pending. */
static void test_order_set_method(void **state)
{
    struct fx *f = fx_of(state);
    struct shop s = add_shop(f, 1);
    int64_t req = add_req(f, "card", "RUB", "tinkoff", "KAZ", 1);
    struct order o, typed, chosen, done, none;
    order_fill(&o, s.id, 1);
    order_fill(&typed, s.id, 2);
    snprintf(typed.requisite_type, sizeof typed.requisite_type, "SBP");
    order_fill(&chosen, s.id, 5);
    chosen.payment_system = 7; /* a method without a requisite type */
    order_fill(&done, s.id, 3);
    done.status = ORDER_FAILED;
    order_fill(&none, s.id, 4);
    add_order(f, &o);
    add_order(f, &typed);
    add_order(f, &chosen);
    add_order(f, &done);
    add_order(f, &none);

    assert_ok(W(f, order_set_method, o.id, 5, "card", req, 1700009999));
    struct order got = get_order(f, o.id);
    assert_int_equal(got.payment_system, 5);
    assert_string_equal(got.requisite_type, "card");
    assert_int_equal(got.requisite_id, req);
    assert_int_equal(got.req.id, req);
    assert_string_equal(got.req.country_code, "KAZ");
    assert_int_equal(got.updated_at, 1700009999);
    assert_int_equal(got.status, ORDER_PENDING);
    assert_err(W(f, order_set_method, o.id, 6, "SBP", 0, 1700010000), KASSA_ESTATE);
    got = get_order(f, o.id);
    assert_int_equal(got.payment_system, 5);
    assert_int_equal(got.requisite_id, req);

    assert_err(W(f, order_set_method, typed.id, 5, "card", req, 1), KASSA_ESTATE);
    assert_err(W(f, order_set_method, chosen.id, 5, "card", req, 1), KASSA_ESTATE);
    got = get_order(f, chosen.id);
    assert_int_equal(got.payment_system, 7);
    assert_int_equal(got.requisite_id, 0);
    assert_err(W(f, order_set_method, done.id, 5, "card", req, 1), KASSA_ESTATE);
    assert_err(W(f, order_set_method, none.id + 100, 5, "card", req, 1), KASSA_ESTATE);

    /* A method without a requisite. */
    assert_ok(W(f, order_set_method, none.id, 12, "crypto", 0, 1700000123));
    got = get_order(f, none.id);
    assert_int_equal(got.payment_system, 12);
    assert_string_equal(got.requisite_type, "crypto");
    assert_int_equal(got.requisite_id, 0);
    assert_int_equal(got.req.id, 0);
}

/* order_stats counts and sums a shop's orders of one currency created in
 * [from, to), optionally of one requisite type and requisite country. */
static void test_order_stats(void **state)
{
    struct fx *f = fx_of(state);
    struct shop a = add_shop(f, 1), b = add_shop(f, 2);
    int64_t card_rus = add_req(f, "card", "RUB", "", "RUS", 1);
    int64_t card_kaz = add_req(f, "card", "RUB", "", "KAZ", 1);
    int64_t sbp_rus = add_req(f, "SBP", "RUB", "", "RUS", 1);
    static const struct {
        int shop; /* 0: a, 1: b */
        const char *type;
        int req; /* 0 none, 1 card_rus, 2 card_kaz, 3 sbp_rus */
        enum order_status status;
        int64_t amount, fee, created;
        const char *currency;
    } rows[] = {
        {0, "card", 1, ORDER_PENDING, 1000, 10, 1000, "RUB"},
        {0, "card", 1, ORDER_COMPLETED, 2000, 20, 1500, "RUB"},
        {0, "card", 2, ORDER_COMPLETED, 3000, 30, 1999, "RUB"},
        {0, "SBP", 3, ORDER_FAILED, 4000, 40, 1200, "RUB"},
        {0, "SBP", 3, ORDER_EXPIRED, 5000, 50, 1300, "RUB"},
        {0, "card", 0, ORDER_NO_REQUISITE, 6000, 60, 1400, "RUB"},
        {0, "card", 1, ORDER_CANCELED, 7000, 70, 1600, "RUB"},
        {0, "card", 1, ORDER_COMPLETED, 8000, 80, 2000, "RUB"}, /* to is exclusive */
        {0, "card", 1, ORDER_COMPLETED, 9000, 90, 999, "RUB"},  /* before from */
        {0, "card", 1, ORDER_COMPLETED, 10000, 100, 1500, "USD"},
        {1, "card", 1, ORDER_COMPLETED, 11000, 110, 1500, "RUB"},
    };
    const int64_t reqs[] = {0, card_rus, card_kaz, sbp_rus};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct order o;
        order_fill(&o, rows[i].shop ? b.id : a.id, (int)i + 1);
        snprintf(o.requisite_type, sizeof o.requisite_type, "%s", rows[i].type);
        o.requisite_id = reqs[rows[i].req];
        o.status = rows[i].status;
        o.amount = rows[i].amount;
        o.fee = rows[i].fee;
        o.created_at = rows[i].created;
        snprintf(o.currency, sizeof o.currency, "%s", rows[i].currency);
        add_order(f, &o);
    }
    struct order_stats st;
#define STATS(shop, from, to, type, country, currency)                                             \
    do {                                                                                           \
        memset(&st, 0xAB, sizeof st);                                                              \
        assert_ok(R(f, order_stats, (shop), (from), (to), (type), (country), (currency), &st));    \
    } while (0)
#define ASSERT_STATS(total, completed, pending, total_amt, completed_amt, pending_amt, failed_amt, \
                     commission)                                                                   \
    do {                                                                                           \
        assert_int_equal(st.total_orders, (total));                                                \
        assert_int_equal(st.completed_orders, (completed));                                        \
        assert_int_equal(st.pending_orders, (pending));                                            \
        assert_int_equal(st.total_amount, (total_amt));                                            \
        assert_int_equal(st.completed_amount, (completed_amt));                                    \
        assert_int_equal(st.pending_amount, (pending_amt));                                        \
        assert_int_equal(st.failed_amount, (failed_amt));                                          \
        assert_int_equal(st.total_commission, (commission));                                       \
    } while (0)
    STATS(a.id, 1000, 2000, "", "", "RUB");
    ASSERT_STATS(7, 2, 1, 28000, 5000, 1000, 22000, 50);
    STATS(a.id, 1000, 2000, "card", "", "RUB");
    ASSERT_STATS(5, 2, 1, 19000, 5000, 1000, 13000, 50);
    STATS(a.id, 1000, 2000, "", "RUS", "RUB");
    ASSERT_STATS(5, 1, 1, 19000, 2000, 1000, 16000, 20);
    STATS(a.id, 1000, 2000, "card", "KAZ", "RUB");
    ASSERT_STATS(1, 1, 0, 3000, 3000, 0, 0, 30);
    STATS(a.id, 0, INT64_MAX, "", "", "RUB");
    ASSERT_STATS(9, 4, 1, 45000, 22000, 1000, 22000, 220);
    STATS(a.id, 1000, 2000, "", "", "USD");
    ASSERT_STATS(1, 1, 0, 10000, 10000, 0, 0, 100);
    STATS(b.id, 0, INT64_MAX, "", "", "RUB");
    ASSERT_STATS(1, 1, 0, 11000, 11000, 0, 0, 110);
    STATS(a.id, 2001, 3000, "", "", "RUB");
    ASSERT_STATS(0, 0, 0, 0, 0, 0, 0, 0);
#undef STATS
#undef ASSERT_STATS
}

/* ---- idempotency records ------------------------------------------------ */

static void idem_fill(struct idem *in, int64_t shop_id, const char *key, int64_t order_id,
                      int64_t created_at)
{
    memset(in, 0, sizeof *in);
    in->shop_id = shop_id;
    snprintf(in->key, sizeof in->key, "%s", key);
    for (int i = 0; i < 32; i++)
        in->fingerprint[i] = (unsigned char)(i * 37 + order_id); /* 0x00 and 0xff among them */
    in->fingerprint[3] = 0;
    in->order_id = order_id;
    in->created_at = created_at;
}

/* A record reads back whole, scoped to its shop; a key taken is refused
 * (struct backend: raced_key) and the record kept; a record put by a
 * command that was rolled back (to its savepoint, or the whole transaction)
 * is not there and its key is free. */
static void test_idempotency(void **state)
{
    struct fx *f = fx_of(state);
    static const char *const keys[] = {"key-1", "quote\"d 'single'", "{brace,comma}", "ключ",
                                       "NULL"};
    struct idem in, out;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        idem_fill(&in, 7, keys[i], 42 + (int64_t)i, 1700000000 + (int64_t)i);
        assert_ok(W(f, idem_put, &in));
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        idem_fill(&in, 7, keys[i], 42 + (int64_t)i, 1700000000 + (int64_t)i);
        memset(&out, 0x5A, sizeof out);
        assert_ok(R(f, idem_get, 7, keys[i], &out));
        assert_int_equal(out.shop_id, 7);
        assert_string_equal(out.key, keys[i]);
        assert_memory_equal(out.fingerprint, in.fingerprint, 32);
        assert_int_equal(out.order_id, 42 + (int64_t)i);
        assert_int_equal(out.created_at, 1700000000 + (int64_t)i);
    }
    assert_err(R(f, idem_get, 8, "key-1", &out), KASSA_ENOTFOUND);
    assert_err(R(f, idem_get, 7, "key-2", &out), KASSA_ENOTFOUND);
    assert_err(R(f, idem_get, 7, "KEY-1", &out), KASSA_ENOTFOUND);

    idem_fill(&in, 7, "key-1", 99, 1700000100);
    assert_err(W(f, idem_put, &in), f->be->raced_key);
    assert_ok(R(f, idem_get, 7, "key-1", &out));
    assert_int_equal(out.order_id, 42);
    in.shop_id = 8;
    assert_ok(W(f, idem_put, &in));
    assert_ok(R(f, idem_get, 8, "key-1", &out));
    assert_int_equal(out.order_id, 99);

    /* Rolled back to the command's savepoint, its neighbour kept. */
    tx_begin(f);
    struct store_conn *w = fx_w(f);
    assert_ok(STORE_CALL0(w, savepoint));
    idem_fill(&in, 7, "kept", 1, 1700000200);
    assert_ok(STORE_CALL(w, idem_put, &in));
    assert_ok(STORE_CALL0(w, savepoint_release));
    assert_ok(STORE_CALL0(w, savepoint));
    idem_fill(&in, 7, "undone", 2, 1700000200);
    assert_ok(STORE_CALL(w, idem_put, &in));
    assert_ok(STORE_CALL0(w, savepoint_rollback));
    tx_commit(f);
    assert_ok(R(f, idem_get, 7, "kept", &out));
    assert_err(R(f, idem_get, 7, "undone", &out), KASSA_ENOTFOUND);
    /* The whole transaction rolled back. */
    tx_begin(f);
    idem_fill(&in, 7, "gone", 3, 1700000200);
    assert_ok(STORE_CALL(w, idem_put, &in));
    assert_ok(STORE_CALL0(w, rollback));
    assert_err(R(f, idem_get, 7, "gone", &out), KASSA_ENOTFOUND);
    /* Both keys are free. */
    idem_fill(&in, 7, "undone", 4, 1700000300);
    assert_ok(W(f, idem_put, &in));
    idem_fill(&in, 7, "gone", 5, 1700000300);
    assert_ok(W(f, idem_put, &in));
    assert_ok(R(f, idem_get, 7, "gone", &out));
    assert_int_equal(out.order_id, 5);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM idempotency"), 9);
}

/* One idem_purge command: how many records it forgot. */
static int purge(struct fx *f, int64_t before, int limit)
{
    int purged = -1;
    assert_ok(W(f, idem_purge, before, limit, &purged));
    return purged;
}

/* idem_purge forgets at most `limit` records created before the cut-off,
 * the oldest first (records stored in the order of their times, as the
 * writer stores them), says how many; the others stay; a forgotten key can
 * be used again. */
static void test_idempotency_purge(void **state)
{
    struct fx *f = fx_of(state);
    struct idem in, out;
    char key[32];
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "k-%d", i);
        idem_fill(&in, 1 + i % 2, key, 100 + i, 1000 + i);
        assert_ok(W(f, idem_put, &in));
    }
    assert_int_equal(purge(f, 1005, 3), 3);
    assert_int_equal(raw_int(f, "SELECT MIN(created_at) FROM idempotency"), 1003);
    assert_int_equal(purge(f, 1005, 3), 2);
    assert_int_equal(purge(f, 1005, 3), 0);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM idempotency"), 5);
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "k-%d", i);
        assert_err(R(f, idem_get, 1 + i % 2, key, &out), i < 5 ? KASSA_ENOTFOUND : KASSA_OK);
    }
    idem_fill(&in, 1, "k-0", 200, 2000);
    assert_ok(W(f, idem_put, &in));
    assert_ok(R(f, idem_get, 1, "k-0", &out));
    assert_int_equal(out.order_id, 200);
    assert_int_equal(purge(f, 1010, 100), 5);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM idempotency"), 1);
}

/* ---- request nonces ----------------------------------------------------- */

/* A (shop, nonce, body hash) triple is recorded once (a replay:
 * KASSA_EEXIST); prune forgets the triples recorded before the cut-off. */
static void test_request_nonces(void **state)
{
    struct fx *f = fx_of(state);
    unsigned char h1[32], h2[32];
    memset(h1, 0xab, sizeof h1);
    memset(h2, 0xab, sizeof h2);
    h2[31] = 0;
    assert_ok(W(f, nonce_put, 1, "n-1", h1, 1000));
    assert_err(W(f, nonce_put, 1, "n-1", h1, 1001), KASSA_EEXIST);
    assert_ok(W(f, nonce_put, 1, "n-1", h2, 1000));
    assert_ok(W(f, nonce_put, 2, "n-1", h1, 1000));
    assert_ok(W(f, nonce_put, 1, "n-2", h1, 2000));
    assert_ok(W(f, nonce_put, 1, "n-3 'quoted'", h1, 1499));
    assert_err(W(f, nonce_put, 1, "n-3 'quoted'", h1, 1700), KASSA_EEXIST);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM request_nonces"), 5);
    assert_ok(W(f, nonce_prune, 1500));
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM request_nonces"), 1);
    assert_err(W(f, nonce_put, 1, "n-2", h1, 3000), KASSA_EEXIST);
    assert_ok(W(f, nonce_put, 1, "n-1", h1, 3000));
    assert_ok(W(f, nonce_prune, 2000));
    assert_ok(W(f, nonce_put, 1, "n-3 'quoted'", h1, 3000));
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM request_nonces"), 3);
}

/* ---- the ledger --------------------------------------------------------- */

struct bal {
    char text[256]; /* "RUB:avail/held;" per currency, in the order given */
    int stop;
};

static bool bal_seen(void *arg, const char *currency, int64_t available, int64_t held)
{
    struct bal *b = arg;
    size_t n = strlen(b->text);
    snprintf(b->text + n, sizeof b->text - n, "%s:%lld/%lld;", currency, (long long)available,
             (long long)held);
    return b->stop == 0 || --b->stop > 0;
}

static const char *balances(struct fx *f, int64_t shop_id, struct bal *b)
{
    memset(b, 0, sizeof *b);
    assert_ok(R(f, balances, shop_id, bal_seen, b));
    return b->text;
}

/* A leg as the core makes it: a shop's accounts have the zero floor. */
#define LEG(k, shop, cur, amt)                                                                     \
    {                                                                                              \
        .kind = (k), .shop_id = (shop), .currency = cur, .amount = (amt),                          \
        .floor_zero = (k) == ACC_SHOP_AVAILABLE || (k) == ACC_SHOP_HELD                            \
    }

static kassa_err post(struct fx *f, const char *kind, int64_t ref, const struct posting *p,
                      size_t n)
{
    return W(f, ledger_post, kind, "order", ref, 1700000000 + ref, p, n);
}

/* ledger_verify's findings, sorted, joined by "\n". */
struct findings {
    char *line[16];
    int n;
    int64_t accounts, transactions;
};

static void finding(void *arg, const char *problem)
{
    struct findings *v = arg;
    if (v->n < 16)
        v->line[v->n] = strdup(problem);
    v->n++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void verify(struct fx *f, struct findings *v, char *out, size_t size)
{
    memset(v, 0, sizeof *v);
    v->accounts = v->transactions = -1;
    assert_ok(R(f, ledger_verify, finding, v, &v->accounts, &v->transactions));
    int n = v->n < 16 ? v->n : 16;
    qsort(v->line, (size_t)n, sizeof v->line[0], cmp_str);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s", i ? "\n" : "", v->line[i]);
        free(v->line[i]);
    }
}

static int64_t account_id(struct fx *f, const char *kind, int64_t shop_id, const char *currency)
{
    return raw_int(f,
                   "SELECT id FROM accounts WHERE kind = '%s' AND shop_id = %lld AND "
                   "currency = '%s'",
                   kind, (long long)shop_id, currency);
}

/* The floor is the posting's (the core chooses which accounts have it:
 * core/ledger.c), not the account kind's: an account under it refuses to
 * go below zero (KASSA_EFUNDS, nothing of the transaction stays), exactly
 * zero is fine, and without it the same account goes below zero. */
static void test_ledger_floor(void **state)
{
    struct fx *f = fx_of(state);
    const struct posting fees_in[] = {
        LEG(ACC_PROVIDER_CLEARING, 0, "RUB", -250),
        LEG(ACC_PLATFORM_FEES, 0, "RUB", 250),
    };
    assert_ok(post(f, "order.completed", 1, fees_in, 2));
    struct posting out[] = {
        LEG(ACC_PLATFORM_FEES, 0, "RUB", -251),
        LEG(ACC_PAYOUTS, 0, "RUB", 251),
    };
    out[0].floor_zero = true;
    assert_err(post(f, "fees.paid", 2, out, 2), KASSA_EFUNDS);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM ledger_tx"), 1);
    assert_int_equal(raw_int(f, "SELECT balance FROM accounts WHERE kind = 'platform_fees'"), 250);
    out[0].amount = -250;
    out[1].amount = 250;
    assert_ok(post(f, "fees.paid", 3, out, 2));
    out[0].amount = -1;
    out[1].amount = 1;
    out[0].floor_zero = false;
    assert_ok(post(f, "fees.paid", 4, out, 2));
    assert_int_equal(raw_int(f, "SELECT balance FROM accounts WHERE kind = 'platform_fees'"), -1);
}

/* Balanced postings make their accounts on first use and move them; a shop
 * account never goes below zero (KASSA_EFUNDS) nor a balance past int64
 * (KASSA_EMONEY_RANGE), the refused posting leaving nothing; balances
 * shows a shop's available and held per currency; verify recomputes every
 * account and transaction and names each finding. */
static void test_ledger(void **state)
{
    struct fx *f = fx_of(state);
    struct shop s1 = add_shop(f, 1), s2 = add_shop(f, 2);
    int64_t a = s1.id, b = s2.id;
    struct bal bl;
    const struct posting paid[] = {
        LEG(ACC_PROVIDER_CLEARING, 0, "RUB", -10000),
        LEG(ACC_SHOP_AVAILABLE, a, "RUB", 9750),
        LEG(ACC_PLATFORM_FEES, 0, "RUB", 250),
    };
    assert_ok(post(f, "order.completed", 11, paid, 3));
    assert_string_equal(balances(f, a, &bl), "RUB:9750/0;");
    assert_string_equal(balances(f, b, &bl), "");
    const struct posting hold[] = {
        LEG(ACC_SHOP_AVAILABLE, a, "RUB", -3000),
        LEG(ACC_SHOP_HELD, a, "RUB", 3000),
    };
    assert_ok(post(f, "withdrawal.created", 12, hold, 2));
    const struct posting usd[] = {
        LEG(ACC_SHOP_AVAILABLE, a, "USD", 500),
        LEG(ACC_PROVIDER_CLEARING, 0, "USD", -500),
    };
    assert_ok(post(f, "order.completed", 13, usd, 2));
    assert_string_equal(balances(f, a, &bl), "RUB:6750/3000;USD:500/0;");
    bl = (struct bal){.stop = 1};
    assert_ok(R(f, balances, a, bal_seen, &bl));
    assert_string_equal(bl.text, "RUB:6750/3000;");

    /* Refused: nothing of it stays (no transaction, no account, no move). */
    const struct posting overdraw[] = {
        LEG(ACC_PAYOUTS, 0, "RUB", 7000),
        LEG(ACC_SHOP_AVAILABLE, a, "RUB", -7000),
    };
    assert_err(post(f, "withdrawal.paid", 14, overdraw, 2), KASSA_EFUNDS);
    const struct posting overdraw_held[] = {
        LEG(ACC_SHOP_HELD, a, "RUB", -3001),
        LEG(ACC_PAYOUTS, 0, "RUB", 3001),
    };
    assert_err(post(f, "withdrawal.paid", 15, overdraw_held, 2), KASSA_EFUNDS);
    assert_string_equal(balances(f, a, &bl), "RUB:6750/3000;USD:500/0;");
    /* Exactly down to zero is fine. */
    const struct posting all_held[] = {
        LEG(ACC_SHOP_HELD, a, "RUB", -3000),
        LEG(ACC_PAYOUTS, 0, "RUB", 3000),
    };
    assert_ok(post(f, "withdrawal.paid", 16, all_held, 2));
    assert_string_equal(balances(f, a, &bl), "RUB:6750/0;USD:500/0;");

    const struct posting big[] = {
        LEG(ACC_SHOP_AVAILABLE, b, "EUR", INT64_MAX - 5),
        LEG(ACC_PROVIDER_CLEARING, 0, "EUR", -(INT64_MAX - 5)),
    };
    assert_ok(post(f, "order.completed", 17, big, 2));
    const struct posting past[] = {
        LEG(ACC_SHOP_AVAILABLE, b, "EUR", 10),
        LEG(ACC_PROVIDER_CLEARING, 0, "EUR", -10),
    };
    assert_err(post(f, "order.completed", 18, past, 2), KASSA_EMONEY_RANGE);
    char want[128];
    snprintf(want, sizeof want, "EUR:%lld/0;", (long long)(INT64_MAX - 5));
    assert_string_equal(balances(f, b, &bl), want);

    /* What is stored: 5 transactions, each summing to zero; 9 accounts. */
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM ledger_tx"), 5);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM postings"), 11);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM accounts"), 9);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM (SELECT tx_id FROM postings GROUP BY tx_id "
                                "HAVING SUM(amount) <> 0) x"),
                     0);
    assert_int_equal(raw_int(f,
                             "SELECT COUNT(*) FROM ledger_tx WHERE kind = 'order.completed' "
                             "AND ref_type = 'order' AND ref_id = 11 AND created_at = %d",
                             1700000011),
                     1);
    assert_int_equal(raw_int(f, "SELECT balance FROM accounts WHERE kind = 'platform_fees'"), 250);
    assert_int_equal(raw_int(f, "SELECT balance FROM accounts WHERE kind = 'provider_clearing' "
                                "AND currency = 'RUB'"),
                     -10000);

    struct findings v;
    char text[2048];
    verify(f, &v, text, sizeof text);
    assert_string_equal(text, "");
    assert_int_equal(v.accounts, 9);
    assert_int_equal(v.transactions, 5);

    /* Planted behind the store's back: each finding named. */
    int64_t avail = account_id(f, "shop_available", a, "RUB");
    int64_t held = account_id(f, "shop_held", a, "RUB");
    int64_t fees = account_id(f, "platform_fees", 0, "RUB");
    raw_exec(f, "UPDATE accounts SET balance = balance + 1 WHERE id = %lld", (long long)avail);
    verify(f, &v, text, sizeof text);
    snprintf(want, sizeof want,
             "account %lld (shop_available, shop %lld, RUB): balance 6751 but its postings sum "
             "to 6750",
             (long long)avail, (long long)a);
    assert_string_equal(text, want);
    raw_exec(f, "UPDATE accounts SET balance = balance - 1 WHERE id = %lld", (long long)avail);

    raw_exec(f, "INSERT INTO ledger_tx(kind, ref_type, ref_id, created_at) "
                "VALUES ('planted', 'test', 0, 1)");
    int64_t tx = raw_int(f, "SELECT MAX(id) FROM ledger_tx");
    verify(f, &v, text, sizeof text);
    snprintf(want, sizeof want, "transaction %lld (planted): has no postings", (long long)tx);
    assert_string_equal(text, want);
    assert_int_equal(v.transactions, 6);

    raw_exec(f, "INSERT INTO postings(tx_id, account_id, amount) VALUES (%lld, %lld, 5)",
             (long long)tx, (long long)fees);
    raw_exec(f, "INSERT INTO postings(tx_id, account_id, amount) VALUES (%lld, %lld, -6)",
             (long long)tx, (long long)held);
    verify(f, &v, text, sizeof text);
    char expect[4][256];
    snprintf(expect[0], sizeof expect[0],
             "account %lld (platform_fees, shop 0, RUB): balance 250 but its postings sum to 255",
             (long long)fees);
    snprintf(expect[1], sizeof expect[1],
             "account %lld (shop_held, shop %lld, RUB) is negative: -6", (long long)held,
             (long long)a);
    snprintf(expect[2], sizeof expect[2],
             "account %lld (shop_held, shop %lld, RUB): balance 0 but its postings sum to -6",
             (long long)held, (long long)a);
    snprintf(expect[3], sizeof expect[3],
             "transaction %lld (planted): postings in RUB sum to -1, not 0", (long long)tx);
    char *sorted[4] = {expect[0], expect[1], expect[2], expect[3]};
    qsort(sorted, 4, sizeof sorted[0], cmp_str);
    char all[1024];
    snprintf(all, sizeof all, "%s\n%s\n%s\n%s", sorted[0], sorted[1], sorted[2], sorted[3]);
    assert_string_equal(text, all);
    assert_int_equal(v.n, 4);
    assert_int_equal(v.accounts, 9);
}

/* ---- withdrawals -------------------------------------------------------- */

static void wd_fill(struct withdrawal *w, int64_t shop_id, const char *payment_id, int n)
{
    memset(w, 0, sizeof *w);
    w->shop_id = shop_id;
    snprintf(w->payment_id, sizeof w->payment_id, "%s", payment_id);
    snprintf(w->currency, sizeof w->currency, "RUB");
    w->amount = 1000 + n;
    w->fee = n;
    snprintf(w->account, sizeof w->account, "2200 1111 2222 333%d", n % 10);
    w->payment_system = 3 + n;
    w->status = WITHDRAWAL_PENDING;
    for (int i = 0; i < 32; i++)
        w->fingerprint[i] = (unsigned char)(255 - i - n);
    w->created_at = 1700000000 + n;
}

static void check_wd(const struct withdrawal *got, const struct withdrawal *want)
{
    assert_int_equal(got->id, want->id);
    assert_int_equal(got->shop_id, want->shop_id);
    assert_string_equal(got->payment_id, want->payment_id);
    assert_string_equal(got->currency, want->currency);
    assert_int_equal(got->amount, want->amount);
    assert_int_equal(got->fee, want->fee);
    assert_string_equal(got->account, want->account);
    assert_int_equal(got->payment_system, want->payment_system);
    assert_int_equal(got->status, want->status);
    assert_memory_equal(got->fingerprint, want->fingerprint, 32);
    assert_int_equal(got->created_at, want->created_at);
    assert_int_equal(got->completed_at, want->completed_at);
}

/* A withdrawal reads back whole by id (any shop, or its own) and by the
 * shop's payment_id; a payment_id is the shop's once (struct backend:
 * raced_key); the status moves only from the one the caller saw; a page is
 * the shop's newest first. */
static void test_withdrawals(void **state)
{
    struct fx *f = fx_of(state);
    struct shop s = add_shop(f, 1), t = add_shop(f, 2);
    struct withdrawal w1, w2, w3, wt, got;
    wd_fill(&w1, s.id, "pay-1 'q'", 1);
    wd_fill(&w2, s.id, "pay-2", 2);
    wd_fill(&w3, s.id, "pay-3", 3);
    wd_fill(&wt, t.id, "pay-1 'q'", 4);
    assert_ok(W(f, withdrawal_insert, &w1));
    assert_ok(W(f, withdrawal_insert, &w2));
    assert_ok(W(f, withdrawal_insert, &w3));
    assert_ok(W(f, withdrawal_insert, &wt));
    assert_true(w1.id > 0 && w2.id > w1.id && w3.id > w2.id && wt.id > w3.id);

    memset(&got, 0, sizeof got);
    assert_ok(R(f, withdrawal_get, 0, w1.id, NULL, &got));
    check_wd(&got, &w1);
    assert_ok(R(f, withdrawal_get, s.id, w1.id, NULL, &got));
    check_wd(&got, &w1);
    assert_err(R(f, withdrawal_get, t.id, w1.id, NULL, &got), KASSA_ENOTFOUND);
    assert_err(R(f, withdrawal_get, 0, wt.id + 100, NULL, &got), KASSA_ENOTFOUND);
    assert_ok(R(f, withdrawal_get, s.id, 0, "pay-1 'q'", &got));
    check_wd(&got, &w1);
    assert_ok(R(f, withdrawal_get, t.id, 0, "pay-1 'q'", &got));
    check_wd(&got, &wt);
    assert_err(R(f, withdrawal_get, s.id, 0, "pay-9", &got), KASSA_ENOTFOUND);

    struct withdrawal dup;
    wd_fill(&dup, s.id, "pay-2", 9);
    assert_err(W(f, withdrawal_insert, &dup), f->be->raced_key);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM withdrawals"), 4);
    assert_ok(R(f, withdrawal_get, s.id, 0, "pay-2", &got));
    check_wd(&got, &w2);

    /* Status: from pending only. */
    struct withdrawal done = w1;
    done.status = WITHDRAWAL_COMPLETED;
    done.completed_at = 1700000500;
    done.amount = 1; /* not withdrawal_set_status's to write */
    assert_ok(W(f, withdrawal_set_status, &done, WITHDRAWAL_PENDING));
    assert_ok(R(f, withdrawal_get, 0, w1.id, NULL, &got));
    struct withdrawal want = w1;
    want.status = WITHDRAWAL_COMPLETED;
    want.completed_at = 1700000500;
    check_wd(&got, &want);
    done.status = WITHDRAWAL_REJECTED;
    done.completed_at = 1700000600;
    assert_err(W(f, withdrawal_set_status, &done, WITHDRAWAL_PENDING), KASSA_ESTATE);
    assert_ok(R(f, withdrawal_get, 0, w1.id, NULL, &got));
    check_wd(&got, &want);
    struct withdrawal rej = w2;
    rej.status = WITHDRAWAL_REJECTED;
    rej.completed_at = 1700000700;
    assert_ok(W(f, withdrawal_set_status, &rej, WITHDRAWAL_PENDING));
    assert_ok(R(f, withdrawal_get, 0, w2.id, NULL, &got));
    assert_int_equal(got.status, WITHDRAWAL_REJECTED);
    assert_int_equal(got.completed_at, 1700000700);
    rej.id = wt.id + 100;
    assert_err(W(f, withdrawal_set_status, &rej, WITHDRAWAL_PENDING), KASSA_ESTATE);

    struct seen sn = {0};
    assert_ok(R(f, withdrawals_page, s.id, 0, 2, seen_withdrawal, &sn));
    ASSERT_SEEN(&sn, w3.id, w2.id);
    sn = (struct seen){0};
    assert_ok(R(f, withdrawals_page, s.id, 2, 2, seen_withdrawal, &sn));
    ASSERT_SEEN(&sn, w1.id);
    sn = (struct seen){0};
    assert_ok(R(f, withdrawals_page, s.id, 3, 2, seen_withdrawal, &sn));
    assert_int_equal(sn.n, 0);
    sn = (struct seen){.stop = 1};
    assert_ok(R(f, withdrawals_page, s.id, 0, 10, seen_withdrawal, &sn));
    ASSERT_SEEN(&sn, w3.id);
    sn = (struct seen){0};
    assert_ok(R(f, withdrawals_page, t.id, 0, 10, seen_withdrawal, &sn));
    ASSERT_SEEN(&sn, wt.id);
}

/* ---- the outbox: events, callbacks -------------------------------------- */

struct events_seen {
    struct event e[16];
    int n, stop;
};

static bool event_seen(void *arg, const struct event *e)
{
    struct events_seen *s = arg;
    if (s->n < 16)
        s->e[s->n] = *e;
    s->n++;
    return s->stop == 0 || s->n < s->stop;
}

static void unplanned(struct fx *f, int limit, struct events_seen *s, int stop)
{
    memset(s, 0, sizeof *s);
    s->stop = stop;
    assert_ok(W(f, events_unplanned, limit, event_seen, s));
}

/* Events: the unplanned ones, oldest first, at most `limit`; planned 1 or
 * 2, an event is no longer unplanned. */
static void test_events(void **state)
{
    struct fx *f = fx_of(state);
    static const char *const kinds[] = {"order.completed", "order.failed", "order.expired",
                                        "order.no_requisite"};
    static const int status[] = {ORDER_COMPLETED, ORDER_FAILED, ORDER_EXPIRED, ORDER_NO_REQUISITE};
    for (int i = 0; i < 4; i++)
        assert_ok(W(f, event_insert, 7 + i % 2, 100 + i, kinds[i], status[i], 1700000000 + i));
    struct events_seen s;
    unplanned(f, 10, &s, 0);
    assert_int_equal(s.n, 4);
    for (int i = 0; i < 4; i++) {
        assert_true(s.e[i].id > (i ? s.e[i - 1].id : 0));
        assert_int_equal(s.e[i].shop_id, 7 + i % 2);
        assert_int_equal(s.e[i].order_id, 100 + i);
        assert_string_equal(s.e[i].kind, kinds[i]);
        assert_int_equal(s.e[i].status, status[i]);
        assert_int_equal(s.e[i].created_at, 1700000000 + i);
    }
    int64_t id[4];
    for (int i = 0; i < 4; i++)
        id[i] = s.e[i].id;
    unplanned(f, 2, &s, 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.e[1].id, id[1]);
    unplanned(f, 10, &s, 1);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.e[0].id, id[0]);

    assert_ok(W(f, event_planned, id[0], 1));
    assert_ok(W(f, event_planned, id[2], 2));
    unplanned(f, 10, &s, 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.e[0].id, id[1]);
    assert_int_equal(s.e[1].id, id[3]);
    assert_int_equal(raw_int(f, "SELECT planned FROM events WHERE id = %lld", (long long)id[0]), 1);
    assert_int_equal(raw_int(f, "SELECT planned FROM events WHERE id = %lld", (long long)id[2]), 2);
}

/* An event (its id) to hang callbacks on. */
static int64_t add_event(struct fx *f, int64_t shop_id, int64_t order_id, const char *kind)
{
    assert_ok(W(f, event_insert, shop_id, order_id, kind, ORDER_COMPLETED, 1700000000));
    return raw_int(f, "SELECT MAX(id) FROM events");
}

static const char body_bytes[] = "{\"status\":\"completed\"}\0tail";

static void cb_fill(struct callback *cb, int64_t event_id, int64_t order_id, const char *receiver,
                    int64_t due)
{
    memset(cb, 0, sizeof *cb);
    cb->event_id = event_id;
    cb->order_id = order_id;
    cb->shop_id = 7;
    snprintf(cb->receiver, sizeof cb->receiver, "%s", receiver);
    snprintf(cb->url, sizeof cb->url, "https://merchant.example/cb?o=%lld&r=%s",
             (long long)order_id, receiver);
    snprintf(cb->content_type, sizeof cb->content_type, "application/json");
    memcpy(cb->body, body_bytes, sizeof body_bytes);
    cb->body_len = sizeof body_bytes; /* a NUL inside, and one at the end */
    cb->base_at = due - 100;
    cb->next_attempt_at = due;
    cb->created_at = due - 100;
}

static struct callback cb_get(struct fx *f, int64_t id)
{
    struct callback cb;
    memset(&cb, 0x5A, sizeof cb);
    assert_ok(R(f, callback_get, id, &cb));
    return cb;
}

struct claimed {
    struct callback cb[8];
    int n;
};

static bool claim_seen(void *arg, const struct callback *cb)
{
    struct claimed *c = arg;
    if (c->n < 8)
        c->cb[c->n] = *cb;
    c->n++;
    return true;
}

static void claim(struct fx *f, int64_t now, const char *owner, int64_t lease, int limit,
                  struct claimed *c)
{
    memset(c, 0, sizeof *c);
    assert_ok(W(f, callbacks_claim, now, owner, lease, limit, claim_seen, c));
}

/* A callback reads back whole (its event's kind joined, pending, no lease);
 * (event, receiver) is unique; an order's callbacks come oldest first. */
static void test_callbacks(void **state)
{
    struct fx *f = fx_of(state);
    int64_t e1 = add_event(f, 7, 100, "order.completed");
    int64_t e2 = add_event(f, 7, 101, "order.failed");
    struct callback a, b, c, got;
    cb_fill(&a, e1, 100, "panda", 5000);
    cb_fill(&b, e1, 100, "tegro", 6000);
    cb_fill(&c, e2, 101, "panda", 7000);
    assert_ok(W(f, callback_insert, &a));
    assert_ok(W(f, callback_insert, &b));
    assert_ok(W(f, callback_insert, &c));
    assert_true(a.id > 0 && b.id > a.id && c.id > b.id);

    got = cb_get(f, b.id);
    assert_int_equal(got.id, b.id);
    assert_int_equal(got.event_id, e1);
    assert_int_equal(got.order_id, 100);
    assert_int_equal(got.shop_id, 7);
    assert_string_equal(got.receiver, "tegro");
    assert_string_equal(got.event_kind, "order.completed");
    assert_string_equal(got.url, b.url);
    assert_string_equal(got.content_type, "application/json");
    assert_int_equal(got.body_len, sizeof body_bytes);
    assert_memory_equal(got.body, body_bytes, sizeof body_bytes);
    assert_int_equal(got.state, CALLBACK_PENDING);
    assert_int_equal(got.attempts, 0);
    assert_int_equal(got.step, 0);
    assert_int_equal(got.base_at, 5900);
    assert_int_equal(got.next_attempt_at, 6000);
    assert_string_equal(got.lease_owner, "");
    assert_int_equal(got.lease_until, 0);
    assert_int_equal(got.claim_seq, 0);
    assert_int_equal(got.created_at, 5900);
    assert_int_equal(got.updated_at, 5900);
    assert_string_equal(cb_get(f, c.id).event_kind, "order.failed");
    assert_err(R(f, callback_get, c.id + 100, &got), KASSA_ENOTFOUND);

    struct callback dup;
    cb_fill(&dup, e1, 100, "panda", 9000);
    assert_err(W(f, callback_insert, &dup), KASSA_EEXIST);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM callbacks"), 3);
    assert_int_equal(raw_int(f,
                             "SELECT COUNT(*) FROM callbacks WHERE event_id = %lld AND "
                             "next_attempt_at = 5000",
                             (long long)e1),
                     1);

    /* The largest body a callback holds (all bytes values) reads back
     * whole. */
    struct callback big;
    cb_fill(&big, e2, 101, "tegro", 8000);
    for (size_t i = 0; i < sizeof big.body - 1; i++)
        big.body[i] = (char)(i * 13 + 1);
    big.body[100] = '\0';
    big.body_len = sizeof big.body - 1;
    assert_ok(W(f, callback_insert, &big));
    got = cb_get(f, big.id);
    assert_int_equal(got.body_len, sizeof big.body - 1);
    assert_memory_equal(got.body, big.body, sizeof big.body - 1);
    assert_int_equal(got.body[sizeof got.body - 1], '\0');

    struct seen s = {0};
    assert_ok(R(f, callbacks_by_order, 100, seen_callback, &s));
    ASSERT_SEEN(&s, a.id, b.id);
    s = (struct seen){.stop = 1};
    assert_ok(R(f, callbacks_by_order, 100, seen_callback, &s));
    ASSERT_SEEN(&s, a.id);
    s = (struct seen){0};
    assert_ok(R(f, callbacks_by_order, 101, seen_callback, &s));
    ASSERT_SEEN(&s, c.id, big.id);
    s = (struct seen){0};
    assert_ok(R(f, callbacks_by_order, 102, seen_callback, &s));
    assert_int_equal(s.n, 0);
}

struct attempts_seen {
    struct callback_attempt a[4];
    int n;
};

static bool attempt_seen(void *arg, const struct callback_attempt *a)
{
    struct attempts_seen *s = arg;
    if (s->n < 4)
        s->a[s->n] = *a;
    s->n++;
    return true;
}

static void attempt_fill(struct callback_attempt *a, int64_t at, int status, const char *error,
                         const char *response, size_t len)
{
    memset(a, 0, sizeof *a);
    a->at = at;
    snprintf(a->url, sizeof a->url, "https://merchant.example/cb");
    a->http_status = status;
    snprintf(a->error, sizeof a->error, "%s", error);
    a->latency_ms = at % 1000;
    memcpy(a->response, response, len);
    a->response_len = len;
}

/* callback_record as the dispatcher runs it: in a command that keeps the
 * attempt also when the outcome is not stored (KASSA_ESTATE: the claim was
 * superseded; KASSA_ENOTFOUND). Its result. */
static kassa_err record(struct fx *f, const struct callback *cb, struct callback_attempt *a)
{
    cmd_begin(f);
    kassa_err err = STORE_CALL(fx_w(f), callback_record, cb, a);
    cmd_end(f, err == KASSA_ESTATE || err == KASSA_ENOTFOUND ? KASSA_OK : err);
    return err;
}

/* Claiming takes the due callbacks (pending, next attempt due, no lease or
 * an expired one), most overdue first, at most `limit`, and leases them
 * (owner, lease_until, claim_seq + 1); recording an attempt always keeps
 * the attempt, and the outcome only under the lease the caller holds
 * (KASSA_ESTATE otherwise); unlease gives back only its own claim. */
static void test_callback_claims(void **state)
{
    struct fx *f = fx_of(state);
    struct callback c1, c2, c3;
    cb_fill(&c1, add_event(f, 7, 100, "order.completed"), 100, "panda", 1000);
    cb_fill(&c2, add_event(f, 7, 101, "order.completed"), 101, "panda", 500);
    cb_fill(&c3, add_event(f, 7, 102, "order.failed"), 102, "tegro", 3000);
    assert_ok(W(f, callback_insert, &c1));
    assert_ok(W(f, callback_insert, &c2));
    assert_ok(W(f, callback_insert, &c3));

    struct claimed got;
    claim(f, 2000, "node-a", 62000, 10, &got);
    assert_int_equal(got.n, 2);
    assert_int_equal(got.cb[0].id, c2.id);
    assert_int_equal(got.cb[1].id, c1.id);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(got.cb[i].lease_owner, "node-a");
        assert_int_equal(got.cb[i].lease_until, 62000);
        assert_int_equal(got.cb[i].claim_seq, 1);
        assert_int_equal(got.cb[i].state, CALLBACK_PENDING);
        assert_string_equal(got.cb[i].event_kind, "order.completed");
        assert_int_equal(got.cb[i].body_len, sizeof body_bytes);
        assert_memory_equal(got.cb[i].body, body_bytes, sizeof body_bytes);
    }
    assert_int_equal(got.cb[1].next_attempt_at, 1000);
    assert_string_equal(got.cb[1].url, c1.url);
    struct callback a_c1 = got.cb[1], a_c2 = got.cb[0];
    struct callback now = cb_get(f, c1.id);
    assert_string_equal(now.lease_owner, "node-a");
    assert_int_equal(now.lease_until, 62000);
    assert_int_equal(now.claim_seq, 1);

    claim(f, 2000, "node-b", 62000, 10, &got);
    assert_int_equal(got.n, 0);
    claim(f, 3000, "node-b", 63000, 10, &got);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.cb[0].id, c3.id);
    assert_string_equal(got.cb[0].event_kind, "order.failed");
    /* node-a's lease ran out: the most overdue goes to node-b. */
    claim(f, 62000, "node-b", 122000, 1, &got);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.cb[0].id, c2.id);
    assert_int_equal(got.cb[0].claim_seq, 2);
    struct callback b_c2 = got.cb[0];

    /* node-a's attempt on c2 comes late: kept, its outcome not. */
    struct callback_attempt at;
    a_c2.state = CALLBACK_DELIVERED;
    a_c2.attempts = 1;
    a_c2.step = 1;
    a_c2.next_attempt_at = 0;
    a_c2.updated_at = 62010;
    attempt_fill(&at, 62005, 200, "", "late", 4);
    assert_err(record(f, &a_c2, &at), KASSA_ESTATE);
    assert_true(at.id > 0);
    now = cb_get(f, c2.id);
    assert_int_equal(now.state, CALLBACK_PENDING);
    assert_string_equal(now.lease_owner, "node-b");
    assert_int_equal(now.claim_seq, 2);
    assert_int_equal(now.attempts, 0);

    /* node-b's: kept, and its outcome. */
    b_c2.state = CALLBACK_DELIVERED;
    b_c2.attempts = 1;
    b_c2.step = 1;
    b_c2.next_attempt_at = 0;
    b_c2.updated_at = 62100;
    struct callback_attempt at2;
    static const char resp[] = "ok\0\xff!";
    attempt_fill(&at2, 62050, 200, "", resp, 5);
    assert_ok(record(f, &b_c2, &at2));
    assert_true(at2.id > at.id);
    now = cb_get(f, c2.id);
    assert_int_equal(now.state, CALLBACK_DELIVERED);
    assert_int_equal(now.attempts, 1);
    assert_int_equal(now.step, 1);
    assert_int_equal(now.next_attempt_at, 0);
    assert_int_equal(now.updated_at, 62100);
    assert_string_equal(now.lease_owner, "");
    assert_int_equal(now.lease_until, 0);
    assert_int_equal(now.claim_seq, 2);

    struct attempts_seen as = {0};
    assert_ok(R(f, callback_attempts, c2.id, attempt_seen, &as));
    assert_int_equal(as.n, 2);
    assert_int_equal(as.a[0].id, at.id);
    assert_int_equal(as.a[0].callback_id, c2.id);
    assert_int_equal(as.a[0].at, 62005);
    assert_int_equal(as.a[0].response_len, 4);
    assert_string_equal(as.a[0].response, "late");
    assert_int_equal(as.a[1].id, at2.id);
    assert_int_equal(as.a[1].at, 62050);
    assert_string_equal(as.a[1].url, "https://merchant.example/cb");
    assert_int_equal(as.a[1].http_status, 200);
    assert_string_equal(as.a[1].error, "");
    assert_int_equal(as.a[1].latency_ms, 50);
    assert_int_equal(as.a[1].response_len, 5);
    assert_memory_equal(as.a[1].response, resp, 5);
    as = (struct attempts_seen){0};
    assert_ok(R(f, callback_attempts, c1.id, attempt_seen, &as));
    assert_int_equal(as.n, 0);

    /* A transport error, no answer. */
    struct callback_attempt err_at;
    attempt_fill(&err_at, 2500, 0, "connection refused", "", 0);
    a_c1.state = CALLBACK_PENDING;
    a_c1.attempts = 1;
    a_c1.step = 1;
    a_c1.next_attempt_at = 60000;
    a_c1.updated_at = 2500;
    assert_ok(record(f, &a_c1, &err_at));
    now = cb_get(f, c1.id);
    assert_int_equal(now.next_attempt_at, 60000);
    assert_int_equal(now.attempts, 1);
    assert_string_equal(now.lease_owner, "");
    as = (struct attempts_seen){0};
    assert_ok(R(f, callback_attempts, c1.id, attempt_seen, &as));
    assert_int_equal(as.n, 1);
    assert_int_equal(as.a[0].http_status, 0);
    assert_string_equal(as.a[0].error, "connection refused");
    assert_int_equal(as.a[0].response_len, 0);

    /* Unknown callback: nothing recorded. */
    struct callback ghost = b_c2;
    ghost.id = c3.id + 100;
    int64_t attempts = raw_int(f, "SELECT COUNT(*) FROM callback_attempts");
    assert_err(record(f, &ghost, &at), KASSA_ENOTFOUND);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM callback_attempts"), attempts);

    /* Unlease: only the claim's owner and claim_seq. */
    claim(f, 60000, "node-a", 120000, 10, &got);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.cb[0].id, c1.id);
    assert_int_equal(got.cb[0].claim_seq, 2);
    assert_ok(W(f, callback_unlease, c1.id, "node-b", 2));
    assert_string_equal(cb_get(f, c1.id).lease_owner, "node-a");
    assert_ok(W(f, callback_unlease, c1.id, "node-a", 1));
    assert_string_equal(cb_get(f, c1.id).lease_owner, "node-a");
    assert_ok(W(f, callback_unlease, c1.id, "node-a", 2));
    now = cb_get(f, c1.id);
    assert_string_equal(now.lease_owner, "");
    assert_int_equal(now.lease_until, 0);
    assert_int_equal(now.claim_seq, 2);
    assert_int_equal(now.state, CALLBACK_PENDING);
    claim(f, 60000, "node-b", 120000, 10, &got);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.cb[0].claim_seq, 3);
    /* Every lease run out: c1 and c3 again, never the delivered c2. */
    claim(f, 999999, "node-c", 1999999, 10, &got);
    assert_int_equal(got.n, 2);
    assert_int_equal(got.cb[0].id, c3.id); /* due at 3000 */
    assert_int_equal(got.cb[1].id, c1.id); /* due at 60000 */
}

static struct callback_stats stats(struct fx *f)
{
    struct callback_stats st;
    memset(&st, 0xAB, sizeof st);
    assert_ok(R(f, callback_stats, &st));
    return st;
}

/* Resend: pending now, the schedule from the start, the lease gone and the
 * claim_seq moved (an attempt in flight records itself but not its
 * outcome); stats counts callbacks by state and every attempt. */
static void test_callback_resend_stats(void **state)
{
    struct fx *f = fx_of(state);
    struct callback_stats st = stats(f);
    assert_int_equal(st.pending + st.retrying + st.delivered + st.failed + st.refused, 0);
    assert_int_equal(st.attempts, 0);

    struct callback cb[5];
    for (int i = 0; i < 5; i++) {
        cb_fill(&cb[i], add_event(f, 7, 100 + i, "order.completed"), 100 + i, "panda", 1000 + i);
        assert_ok(W(f, callback_insert, &cb[i]));
    }
    struct claimed got;
    claim(f, 5000, "node-a", 65000, 10, &got);
    assert_int_equal(got.n, 5);
    /* got.cb[i] is cb[i] (most overdue first). Outcomes: 0 stays pending
     * untried, 1 retrying, 2 delivered, 3 failed, 4 refused. */
    static const enum callback_state outcome[] = {
        CALLBACK_PENDING, CALLBACK_PENDING, CALLBACK_DELIVERED, CALLBACK_FAILED, CALLBACK_REFUSED};
    struct callback_attempt at;
    for (int i = 1; i < 5; i++) {
        struct callback c = got.cb[i];
        assert_int_equal(c.id, cb[i].id);
        c.state = outcome[i];
        c.attempts = i;
        c.step = i;
        c.next_attempt_at = outcome[i] == CALLBACK_PENDING ? 70000 : 0;
        c.updated_at = 5100;
        attempt_fill(&at, 5050, outcome[i] == CALLBACK_DELIVERED ? 200 : 500, "", "x", 1);
        assert_ok(record(f, &c, &at));
    }
    assert_ok(W(f, callback_unlease, cb[0].id, "node-a", got.cb[0].claim_seq));
    st = stats(f);
    assert_int_equal(st.pending, 2);
    assert_int_equal(st.retrying, 1);
    assert_int_equal(st.delivered, 1);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.attempts, 4);

    /* Resend of the delivered one, while nobody holds it. */
    assert_ok(W(f, callback_resend, cb[2].id, 8000));
    struct callback now = cb_get(f, cb[2].id);
    assert_int_equal(now.state, CALLBACK_PENDING);
    assert_int_equal(now.step, 0);
    assert_int_equal(now.attempts, 2); /* as recorded: a resend is not an attempt */
    assert_int_equal(now.base_at, 8000);
    assert_int_equal(now.next_attempt_at, 8000);
    assert_int_equal(now.updated_at, 8000);
    assert_string_equal(now.lease_owner, "");
    assert_int_equal(now.claim_seq, 2);

    /* Resend of one in flight: its attempt is recorded, its outcome lost. */
    claim(f, 70000, "node-a", 130000, 10, &got);
    int k = -1;
    for (int i = 0; i < got.n; i++)
        if (got.cb[i].id == cb[1].id)
            k = i;
    assert_true(k >= 0);
    struct callback flying = got.cb[k];
    assert_ok(W(f, callback_resend, cb[1].id, 70500));
    now = cb_get(f, cb[1].id);
    assert_string_equal(now.lease_owner, "");
    assert_int_equal(now.lease_until, 0);
    assert_int_equal(now.claim_seq, flying.claim_seq + 1);
    assert_int_equal(now.next_attempt_at, 70500);
    flying.state = CALLBACK_FAILED;
    flying.attempts = 9;
    flying.next_attempt_at = 0;
    attempt_fill(&at, 70600, 500, "", "y", 1);
    assert_err(record(f, &flying, &at), KASSA_ESTATE);
    now = cb_get(f, cb[1].id);
    assert_int_equal(now.state, CALLBACK_PENDING);
    assert_int_equal(now.attempts, 1);
    assert_int_equal(now.next_attempt_at, 70500);
    assert_err(W(f, callback_resend, cb[4].id + 100, 1), KASSA_ENOTFOUND);

    st = stats(f);
    assert_int_equal(st.pending, 3);
    assert_int_equal(st.retrying, 2);
    assert_int_equal(st.delivered, 0);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.attempts, 5);
}

/* ---- receipts, rates, method switches ----------------------------------- */

struct items {
    char text[512];
    int stop;
};

static bool item_seen(void *arg, const char *name, const char *count, int64_t price)
{
    struct items *it = arg;
    size_t n = strlen(it->text);
    snprintf(it->text + n, sizeof it->text - n, "%s|%s|%lld;", name, count, (long long)price);
    return it->stop == 0 || --it->stop > 0;
}

/* The payer's receipt image (bytes as given, replaced by a new one) and an
 * order's receipt items (by position). */
static void test_receipts(void **state)
{
    struct fx *f = fx_of(state);
    struct shop s = add_shop(f, 1);
    struct order o1, o2;
    order_fill(&o1, s.id, 1);
    order_fill(&o2, s.id, 2);
    add_order(f, &o1);
    add_order(f, &o2);

    struct arena a;
    arena_init(&a, 1 << 20);
    char *ctype = NULL;
    void *data = NULL;
    size_t len = 0;
    assert_err(R(f, receipt_image_get, o1.id, &a, &ctype, &data, &len), KASSA_ENOTFOUND);
    unsigned char img[600];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (unsigned char)(i * 7);
    assert_ok(W(f, receipt_image_put, o1.id, "image/png", img, sizeof img, 1700000000));
    assert_ok(R(f, receipt_image_get, o1.id, &a, &ctype, &data, &len));
    assert_string_equal(ctype, "image/png");
    assert_int_equal(len, sizeof img);
    assert_memory_equal(data, img, sizeof img);
    assert_ok(W(f, receipt_image_put, o1.id, "image/jpeg", img + 100, 10, 1700000001));
    assert_ok(R(f, receipt_image_get, o1.id, &a, &ctype, &data, &len));
    assert_string_equal(ctype, "image/jpeg");
    assert_int_equal(len, 10);
    assert_memory_equal(data, img + 100, 10);
    assert_err(R(f, receipt_image_get, o2.id, &a, &ctype, &data, &len), KASSA_ENOTFOUND);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM receipts"), 1);
    arena_free(&a);

    assert_ok(W(f, receipt_put, o1.id, 2, "Третий \"q\"", "1.5", 1050));
    assert_ok(W(f, receipt_put, o1.id, 0, "First 'one'", "1", 100));
    assert_ok(W(f, receipt_put, o1.id, 1, "x", "0.001", 1));
    assert_ok(W(f, receipt_put, o2.id, 0, "other", "2", 5));
    assert_err(W(f, receipt_put, o1.id, 1, "again", "1", 1), KASSA_EEXIST);
    struct items it = {0};
    assert_ok(R(f, receipt_items, o1.id, item_seen, &it));
    assert_string_equal(it.text, "First 'one'|1|100;x|0.001|1;Третий \"q\"|1.5|1050;");
    it = (struct items){.stop = 1};
    assert_ok(R(f, receipt_items, o1.id, item_seen, &it));
    assert_string_equal(it.text, "First 'one'|1|100;");
    it = (struct items){0};
    assert_ok(R(f, receipt_items, o2.id, item_seen, &it));
    assert_string_equal(it.text, "other|2|5;");
    it = (struct items){0};
    assert_ok(R(f, receipt_items, o2.id + 100, item_seen, &it));
    assert_string_equal(it.text, "");
}

/* Rates by (from, to) as decimal text; a write is read at once in its own
 * transaction, and a savepoint rolled back undoes it for the reads after. */
static void test_rates(void **state)
{
    struct fx *f = fx_of(state);
    struct shop s = add_shop(f, 1);
    char rate[32] = "";
    assert_err(R(f, rate_get, "USDT", "RUB", rate), KASSA_ENOTFOUND);
    assert_ok(W(f, rate_put, "USDT", "RUB", "95.00", 1700000000));
    assert_ok(W(f, rate_put, "USDT", "KZT", "470.123456", 1700000000));
    assert_ok(R(f, rate_get, "USDT", "RUB", rate));
    assert_string_equal(rate, "95.00");
    assert_err(R(f, rate_get, "RUB", "USDT", rate), KASSA_ENOTFOUND);
    assert_ok(W(f, rate_put, "USDT", "RUB", "96.5", 1700000100));
    assert_ok(R(f, rate_get, "USDT", "RUB", rate));
    assert_string_equal(rate, "96.5");
    assert_ok(R(f, rate_get, "USDT", "KZT", rate));
    assert_string_equal(rate, "470.123456");
    assert_int_equal(raw_int(f, "SELECT updated_at FROM rates WHERE base = 'USDT' AND "
                                "quote = 'RUB'"),
                     1700000100);

    /* Inside the writer's transaction (what an order create reads). */
    struct store_conn *w = fx_w(f);
    int64_t fixed = 0;
    tx_begin(f);
    assert_ok(STORE_CALL(w, rate_get, "USDT", "RUB", rate));
    assert_string_equal(rate, "96.5");
    assert_err(STORE_CALL(w, shop_fee_get, s.id, "RUB", &fixed), KASSA_ENOTFOUND);
    assert_ok(STORE_CALL0(w, savepoint));
    assert_ok(STORE_CALL(w, rate_put, "USDT", "RUB", "97", 1700000200));
    assert_ok(STORE_CALL(w, shop_fee_set, s.id, "RUB", 300));
    assert_ok(STORE_CALL(w, rate_get, "USDT", "RUB", rate));
    assert_string_equal(rate, "97");
    assert_ok(STORE_CALL(w, shop_fee_get, s.id, "RUB", &fixed));
    assert_int_equal(fixed, 300);
    assert_ok(STORE_CALL0(w, savepoint_rollback));
    assert_ok(STORE_CALL(w, rate_get, "USDT", "RUB", rate));
    assert_string_equal(rate, "96.5");
    assert_err(STORE_CALL(w, shop_fee_get, s.id, "RUB", &fixed), KASSA_ENOTFOUND);
    assert_ok(STORE_CALL0(w, savepoint));
    assert_ok(STORE_CALL(w, rate_put, "USDT", "RUB", "98", 1700000300));
    assert_ok(STORE_CALL0(w, savepoint_release));
    tx_commit(f);
    assert_ok(R(f, rate_get, "USDT", "RUB", rate));
    assert_string_equal(rate, "98");

    /* Another process's change between transactions is read. */
    raw_exec(f, "UPDATE rates SET rate = '99.25' WHERE base = 'USDT' AND quote = 'RUB'");
    tx_begin(f);
    assert_ok(STORE_CALL(w, rate_get, "USDT", "RUB", rate));
    tx_commit(f);
    assert_string_equal(rate, "99.25");
}

static bool method_seen(void *arg, int method_id, bool enabled)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 128 - n, "%d:%s;", method_id, enabled ? "on" : "off");
    return strncmp(out, "STOP", 4) != 0;
}

/* A shop's method switches: only those set, by method id, the last write
 * winning; another shop's are its own. */
static void test_method_switches(void **state)
{
    struct fx *f = fx_of(state);
    struct shop s = add_shop(f, 1), t = add_shop(f, 2);
    char list[128] = "";
    assert_ok(R(f, shop_methods, s.id, method_seen, list));
    assert_string_equal(list, "");
    assert_ok(W(f, shop_method_set, s.id, 5, false, 1700000000));
    assert_ok(W(f, shop_method_set, s.id, 2, true, 1700000000));
    assert_ok(W(f, shop_method_set, s.id, 9, false, 1700000000));
    assert_ok(W(f, shop_method_set, t.id, 5, true, 1700000000));
    assert_ok(R(f, shop_methods, s.id, method_seen, list));
    assert_string_equal(list, "2:on;5:off;9:off;");
    assert_ok(W(f, shop_method_set, s.id, 5, true, 1700000100));
    assert_ok(W(f, shop_method_set, s.id, 2, false, 1700000100));
    list[0] = '\0';
    assert_ok(R(f, shop_methods, s.id, method_seen, list));
    assert_string_equal(list, "2:off;5:on;9:off;");
    snprintf(list, sizeof list, "STOP:");
    assert_ok(R(f, shop_methods, s.id, method_seen, list));
    assert_string_equal(list, "STOP:2:off;");
    list[0] = '\0';
    assert_ok(R(f, shop_methods, t.id, method_seen, list));
    assert_string_equal(list, "5:on;");
    assert_int_equal(raw_int(f,
                             "SELECT updated_at FROM shop_methods WHERE shop_id = %lld "
                             "AND method_id = 5",
                             (long long)s.id),
                     1700000100);
}

/* ---- transactions --------------------------------------------------------- */

/* The writer's transaction: a command rolled back to its savepoint leaves
 * nothing and its neighbours stay, also after a statement that failed
 * inside it; a rolled-back transaction leaves nothing; reads on a reader
 * see what was committed. */
static void test_transactions(void **state)
{
    struct fx *f = fx_of(state);
    struct shop s = add_shop(f, 1);
    struct store_conn *w = fx_w(f);
    struct merchant m[3];
    for (int i = 0; i < 3; i++) {
        m[i] = (struct merchant){.created_at = 1700000000 + i};
        snprintf(m[i].name, sizeof m[i].name, "m%d", i);
    }
    int64_t merchants = raw_int(f, "SELECT COUNT(*) FROM merchants");
    tx_begin(f);
    assert_ok(STORE_CALL0(w, savepoint));
    assert_ok(STORE_CALL(w, merchant_insert, &m[0]));
    assert_ok(STORE_CALL0(w, savepoint_release));
    assert_ok(STORE_CALL0(w, savepoint));
    assert_ok(STORE_CALL(w, merchant_insert, &m[1]));
    struct shop dup = s; /* a failed statement in the command */
    assert_err(STORE_CALL(w, shop_insert, &dup), KASSA_EEXIST);
    assert_ok(STORE_CALL0(w, savepoint_rollback));
    assert_ok(STORE_CALL0(w, savepoint));
    assert_ok(STORE_CALL(w, merchant_insert, &m[2]));
    assert_ok(STORE_CALL0(w, savepoint_release));
    struct merchant got;
    assert_ok(STORE_CALL(w, merchant_get, m[2].id, &got)); /* its own writes, uncommitted */
    assert_string_equal(got.name, "m2");
    assert_err(R(f, merchant_get, m[2].id, &got), KASSA_ENOTFOUND); /* nobody else's yet */
    tx_commit(f);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM merchants"), merchants + 2);
    assert_ok(R(f, merchant_get, m[0].id, &got));
    assert_string_equal(got.name, "m0");
    assert_ok(R(f, merchant_get, m[2].id, &got));
    assert_string_equal(got.name, "m2");
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM merchants WHERE name = 'm1'"), 0);

    tx_begin(f);
    struct merchant lost = {.created_at = 1};
    snprintf(lost.name, sizeof lost.name, "lost");
    assert_ok(STORE_CALL(w, merchant_insert, &lost));
    assert_ok(STORE_CALL0(w, rollback));
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM merchants WHERE name = 'lost'"), 0);
    assert_err(R(f, merchant_get, lost.id, &got), KASSA_ENOTFOUND);
}

/* A grouped create's pick (the rows order_create_reads_many read, picked
 * by the pool) and a lone pick through requisites_after continue one
 * rotation: the pool keeps one cursor per kind whichever path asks. */
static void test_pool_paths_share_the_rotation(void **state)
{
    struct fx *f = fx_of(state);
    if (f->store->ops->order_create_reads_many == NULL)
        skip(); /* SQLite: every pick goes through requisites_after */
    struct shop s = add_shop(f, 1);
    int64_t r1 = add_req(f, "SBP", "RUB", "", "RUS", 1);
    int64_t r2 = add_req(f, "SBP", "RUB", "", "RUS", 1);
    int64_t r3 = add_req(f, "SBP", "RUB", "", "RUS", 1);
    struct order_reads rd[2];
    for (int i = 0; i < 2; i++)
        rd[i] = (struct order_reads){.shop_id = s.id,
                                     .idem_key = "",
                                     .currency = "RUB",
                                     .requisite_type = "SBP",
                                     .bank_code = ""};
    struct requisite_list rows = {NULL, 0};
    assert_ok(W(f, order_create_reads_many, rd, 2, &rows));
    assert_int_equal(rows.n, 3);
    requisites_pick_from(f->store, &rows, rd, 2);
    free(rows.rows);
    int64_t got[5] = {rd[0].requisite.id, rd[1].requisite.id};
    picks(f, 3, got + 2, "SBP", "RUB", "", NULL);
    ASSERT_ROTATION(got, 5, r1, r2, r3);
}

/* ---- the optional create ops -------------------------------------------- */

/* A backend that offers them (store.h: order_insert_idem,
 * order_create_reads_many, order_insert_many) gives what the one-by-one
 * ops give. */
static void test_optional_create_ops(void **state)
{
    struct fx *f = fx_of(state);
    const struct store_ops *ops = f->store->ops;
    assert_true((ops->order_create_reads_many == NULL) == (ops->order_insert_many == NULL));
    if (ops->order_insert_idem == NULL && ops->order_create_reads_many == NULL)
        skip(); /* SQLite: the core reads and inserts one by one */
    struct shop s = add_shop(f, 1);
    int64_t r1 = add_req(f, "SBP", "RUB", "", "RUS", 1);
    int64_t r2 = add_req(f, "SBP", "RUB", "sber", "KAZ", 1);
    assert_ok(W(f, rate_put, "USDT", "RUB", "95.00", 1));
    assert_ok(W(f, shop_fee_set, s.id, "RUB", 500));
    struct idem rec;
    idem_fill(&rec, s.id, "known", 0, 1700000000);

    struct order o;
    order_fill(&o, s.id, 1);
    if (ops->order_insert_idem != NULL) {
        assert_ok(W(f, order_insert_idem, &o, &rec));
        assert_int_equal(rec.order_id, o.id);
        struct idem got;
        assert_ok(R(f, idem_get, s.id, "known", &got));
        assert_int_equal(got.order_id, o.id);
        assert_memory_equal(got.fingerprint, rec.fingerprint, 32);
        struct order again;
        order_fill(&again, s.id, 2);
        assert_err(W(f, order_insert_idem, &again, &rec), KASSA_ERETRY);
        order_fill(&again, s.id, 3);
        assert_ok(W(f, order_insert_idem, &again, NULL));
        assert_int_equal(get_order(f, again.id).amount, again.amount);
        assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM idempotency"), 1);
    } else {
        add_order(f, &o);
        rec.order_id = o.id;
        assert_ok(W(f, idem_put, &rec));
    }
    if (ops->order_create_reads_many == NULL)
        return;

    struct country_filter kaz = {0};
    assert_true(country_filter_add(&kaz, "KAZ"));
    struct order_reads rd[4] = {
        {.shop_id = s.id,
         .idem_key = "known",
         .currency = "RUB",
         .requisite_type = "SBP",
         .bank_code = ""},
        {.shop_id = s.id,
         .idem_key = "",
         .currency = "RUB",
         .requisite_type = "SBP",
         .bank_code = "sber"},
        {.shop_id = s.id,
         .idem_key = "new",
         .currency = "KZT",
         .requisite_type = "",
         .bank_code = ""},
        {.shop_id = s.id,
         .idem_key = "",
         .currency = "RUB",
         .requisite_type = "SBP",
         .bank_code = "",
         .countries = &kaz},
    };
    struct requisite_list rows = {NULL, 0};
    assert_ok(W(f, order_create_reads_many, rd, 4, &rows));
    /* The store reads the rows; the pool (provider/requisites.c) picks. */
    assert_int_equal(rows.n, 2);
    assert_int_equal(rows.rows[0].id, r1);
    assert_int_equal(rows.rows[1].id, r2);
    requisites_pick_from(f->store, &rows, rd, 4);
    free(rows.rows);
    assert_err(rd[0].idem_err, KASSA_OK);
    assert_int_equal(rd[0].idem.order_id, o.id);
    assert_memory_equal(rd[0].idem.fingerprint, rec.fingerprint, 32);
    assert_err(rd[0].fee_err, KASSA_OK);
    assert_int_equal(rd[0].fixed_fee, 500);
    assert_err(rd[0].rate_err, KASSA_OK);
    assert_string_equal(rd[0].rate, "95.00");
    assert_err(rd[0].requisite_err, KASSA_OK);
    assert_true(rd[0].requisite.id == r1 || rd[0].requisite.id == r2);
    assert_err(rd[1].idem_err, KASSA_ENOTFOUND);
    assert_err(rd[1].requisite_err, KASSA_OK);
    assert_int_equal(rd[1].requisite.id, r2);
    assert_err(rd[2].idem_err, KASSA_ENOTFOUND);
    assert_err(rd[2].fee_err, KASSA_ENOTFOUND);
    assert_err(rd[2].rate_err, KASSA_ENOTFOUND);
    assert_err(rd[2].requisite_err, KASSA_ENOTFOUND);
    assert_err(rd[3].requisite_err, KASSA_OK);
    assert_int_equal(rd[3].requisite.id, r2);
    assert_string_equal(rd[3].requisite.country_code, "KAZ");

    struct order m1, m2;
    order_fill(&m1, s.id, 11);
    order_fill(&m2, s.id, 12);
    m2.requisite_id = r1;
    struct idem k2;
    idem_fill(&k2, s.id, "many-2", 0, 1700000001);
    struct order *const many[] = {&m1, &m2};
    struct idem *const keys[] = {NULL, &k2};
    assert_ok(W(f, order_insert_many, many, keys, 2));
    assert_true(m1.id > 0 && m2.id > 0 && m1.id != m2.id);
    assert_int_equal(k2.order_id, m2.id);
    struct order got = get_order(f, m2.id);
    assert_string_equal(got.uuid, m2.uuid);
    assert_int_equal(got.requisite_id, r1);
    assert_int_equal(get_order(f, m1.id).requisite_id, 0);
    struct idem ig;
    assert_ok(R(f, idem_get, s.id, "many-2", &ig));
    assert_int_equal(ig.order_id, m2.id);
    /* A key taken: all or nothing. */
    struct order m3, m4;
    order_fill(&m3, s.id, 13);
    order_fill(&m4, s.id, 14);
    struct idem k3, k4;
    idem_fill(&k3, s.id, "many-3", 0, 1700000002);
    idem_fill(&k4, s.id, "many-2", 0, 1700000002);
    struct order *const more[] = {&m3, &m4};
    struct idem *const more_keys[] = {&k3, &k4};
    assert_err(W(f, order_insert_many, more, more_keys, 2), KASSA_ERETRY);
    assert_err(R(f, order_get, ORDER_BY_UUID, m3.uuid, 0, &got), KASSA_ENOTFOUND);
    assert_err(R(f, idem_get, s.id, "many-3", &ig), KASSA_ENOTFOUND);
}

/* ---- the operator's order lists: one indexed query each ------------------ */

/* The plan of q on the fixture's backend, its lines joined by "\n". On
 * PostgreSQL with sequential scans off: an empty table makes any plan
 * cheapest, so what is checked is that an index can serve the query. */
static void plan_of(struct fx *f, const struct sql_query *q, char *out, size_t size)
{
    out[0] = '\0';
    size_t at = 0;
    if (f->lite != NULL) {
        char sql[sizeof q->sql + 32];
        snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", q->sql);
        for (char *c = sql; *c; c++)
            if (*c == '$')
                *c = '?';
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(f->lite, sql, -1, &st, NULL) != SQLITE_OK)
            fail_msg("prepare %s: %s", sql, sqlite3_errmsg(f->lite));
        for (int i = 0; i < q->n; i++) {
            if (q->p[i].text != NULL)
                sqlite3_bind_text(st, i + 1, q->p[i].text, -1, SQLITE_STATIC);
            else
                sqlite3_bind_int64(st, i + 1, q->p[i].i64);
        }
        while (sqlite3_step(st) == SQLITE_ROW && at < size)
            at += (size_t)snprintf(out + at, size - at, "%s\n", sqlite3_column_text(st, 3));
        sqlite3_finalize(st);
        return;
    }
    PQclear(PQexec(f->pg, "SET enable_seqscan = off"));
    char sql[sizeof q->sql + 32], nums[SQL_QUERY_PARAMS][24];
    const char *vals[SQL_QUERY_PARAMS];
    snprintf(sql, sizeof sql, "EXPLAIN %s", q->sql);
    for (int i = 0; i < q->n; i++) {
        snprintf(nums[i], sizeof nums[i], "%lld", (long long)q->p[i].i64);
        vals[i] = q->p[i].text != NULL ? q->p[i].text : nums[i];
    }
    PGresult *r = PQexecParams(f->pg, sql, q->n, NULL, vals, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    for (int i = 0; i < PQntuples(r) && at < size; i++)
        at += (size_t)snprintf(out + at, size - at, "%s\n", PQgetvalue(r, i, 0));
    PQclear(r);
    PQclear(PQexec(f->pg, "SET enable_seqscan = on"));
}

/* Each filter the admin API's order list takes alone, and the daily queue,
 * is served by an index on both backends (migration 015): never a scan of
 * the whole table in another order than the list's. */
static void test_order_list_plans(void **state)
{
    struct fx *f = fx_of(state);
    struct order_filter any = {.status = -1, .confirmed = -1, .amount_min = -1, .amount_max = -1};
    struct {
        const char *what;
        struct order_filter f;
        const char *sqlite_index; /* the index SQLite must name */
        bool sorts;               /* SQLite may sort the rows that index found */
    } cases[] = {
        {"newest first", any, NULL, false},
        {"the daily queue", any, "orders_queue", false},
        {"a status", any, NULL, false},
        {"a shop", any, "orders_shop_id", false},
        {"a merchant", any, NULL, false},
        {"a requisite", any, NULL, false},
        {"a time range", any, "orders_created", false},
        {"a merchant order id", any, "orders_shop_merchant_order", true},
        {"a search", any, "orders_shop_merchant_order", true},
        {"a page after a cursor", any, NULL, false},
        {"a requisite's pending orders", any, "orders_pending_requisite", true},
        {"a time range after a cursor", any, "orders_created", false},
    };
    cases[1].f.status = 0;
    cases[1].f.confirmed = 1;
    cases[1].f.asc = true;
    cases[2].f.status = 1;
    cases[3].f.shop_id = 7;
    cases[4].f.merchant_id = 3;
    cases[5].f.requisite_id = 5;
    cases[6].f.from = 1700000000;
    cases[6].f.to = 1700086400;
    snprintf(cases[7].f.merchant_order_id, sizeof cases[7].f.merchant_order_id, "m-1");
    snprintf(cases[8].f.q, sizeof cases[8].f.q, "42");
    cases[9].f.after_id = 1000;
    cases[10].f.status = 0;
    cases[10].f.requisite_id = 5;
    cases[11].f.from = 1700000000;
    cases[11].f.after_id = 1000;
    cases[11].f.after_created = 1700000500;
    struct sql_query *q = malloc(sizeof *q);
    char plan[4096];
    assert_non_null(q);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cases[i].f.limit = 51;
        sql_orders_list(&cases[i].f, q);
        plan_of(f, q, plan, sizeof plan);
        bool ok;
        if (f->lite != NULL) {
            /* SQLite: the named index, or the rowid order itself (a "SCAN o":
             * LIMIT stops it); a sort only of the few rows an index found
             * (a merchant order id's, a search's, a requisite's pending
             * orders), never of a status's or a merchant's orders. */
            ok = (cases[i].sqlite_index == NULL || strstr(plan, cases[i].sqlite_index) != NULL) &&
                 (cases[i].sorts || strstr(plan, "TEMP B-TREE") == NULL);
        } else {
            ok = strstr(plan, "Index") != NULL && strstr(plan, "Seq Scan on orders") == NULL;
        }
        if (!ok)
            fail_msg("%s (%s): %s\nplan:\n%s", cases[i].what, f->be->name, q->sql, plan);
    }
    /* The ledger's postings of one account and of one transaction. */
    struct posting_filter pf[2] = {{.account_id = 3, .limit = 51}, {.tx_id = 9, .limit = 51}};
    const char *pindex[2] = {"postings_account", "postings_tx"};
    for (int i = 0; i < 2; i++) {
        sql_postings_list(&pf[i], q);
        plan_of(f, q, plan, sizeof plan);
        bool ok = f->lite != NULL ? strstr(plan, pindex[i]) != NULL &&
                                        (i == 1 || strstr(plan, "TEMP B-TREE") == NULL)
                                  : strstr(plan, "Index") != NULL;
        if (!ok)
            fail_msg("postings by %s (%s): %s\nplan:\n%s", pindex[i], f->be->name, q->sql, plan);
    }
    /* The postings of a time range (the export): read in the key's order
     * from the cursor on, never sorted (PostgreSQL, whose plan for empty
     * tables proves little: on an index). */
    struct posting_filter range = {
        .from = 1700000000, .to = 1700086400, .after_id = 1000, .asc = true, .limit = 1000};
    sql_postings_list(&range, q);
    plan_of(f, q, plan, sizeof plan);
    if (f->lite != NULL
            ? strstr(plan, "TEMP B-TREE") != NULL
            : strstr(plan, "Index") == NULL || strstr(plan, "Seq Scan on postings") != NULL)
        fail_msg("postings of a time range (%s): %s\nplan:\n%s", f->be->name, q->sql, plan);
    /* The shop list (by id; a merchant's on shops_merchant) and its money
     * (the accounts' unique key, shop_fees' primary key). */
    struct shop_filter sf[3] = {{.active = -1, .limit = 51},
                                {.active = -1, .merchant_id = 3, .after_id = 90, .limit = 51},
                                {.active = 1, .limit = 51, .asc = true}};
    snprintf(sf[2].q, sizeof sf[2].q, "shop");
    for (int i = 0; i < 3; i++) {
        sql_shops_list(&sf[i], q);
        plan_of(f, q, plan, sizeof plan);
        bool ok = f->lite != NULL
                      ? strstr(plan, "TEMP B-TREE") == NULL &&
                            (i != 1 || strstr(plan, "shops_merchant") != NULL)
                      : strstr(plan, "Index") != NULL && strstr(plan, "Seq Scan on shops") == NULL;
        if (!ok)
            fail_msg("shops %d (%s): %s\nplan:\n%s", i, f->be->name, q->sql, plan);
        sql_shops_money(&sf[i], 10, 60, q);
        plan_of(f, q, plan, sizeof plan);
        ok = f->lite != NULL
                 ? strstr(plan, "SCAN accounts") == NULL && strstr(plan, "SCAN shop_fees") == NULL
                 : strstr(plan, "Seq Scan") == NULL;
        if (!ok)
            fail_msg("shops' money %d (%s): %s\nplan:\n%s", i, f->be->name, q->sql, plan);
    }
    /* The withdrawal list's parts: pending ones, then the decided. */
    for (int status = WITHDRAWAL_PENDING; status >= WITHDRAWAL_DECIDED; status -= 2) {
        struct withdrawal_filter wf = {.status = status, .limit = 51};
        sql_withdrawals_list(&wf, q);
        plan_of(f, q, plan, sizeof plan);
        /* SQLite reads the decided ones (most of them) in the primary
         * key's order, LIMIT stopping it; never a sort. */
        bool ok = f->lite != NULL ? (status != WITHDRAWAL_PENDING ||
                                     strstr(plan, "withdrawals_status") != NULL) &&
                                        strstr(plan, "TEMP B-TREE") == NULL
                                  : strstr(plan, "Index") != NULL;
        if (!ok)
            fail_msg("withdrawals, status %d (%s): %s\nplan:\n%s", status, f->be->name, q->sql,
                     plan);
    }
    /* The audit log: newest first by id, an operator's (audit_log_actor)
     * without a sort; a kind of actions ("shop.": a range of
     * audit_log_action) sorts only the lines that range found. */
    struct audit_filter af[3] = {{.actor_id = -1, .limit = 51},
                                 {.actor_id = 4, .after_id = 900, .limit = 51},
                                 {.actor_id = -1, .limit = 51}};
    snprintf(af[2].action, sizeof af[2].action, "shop.");
    snprintf(af[2].action_end, sizeof af[2].action_end, "shop/");
    const char *aindex[3] = {NULL, "audit_log_actor", "audit_log_action"};
    for (int i = 0; i < 3; i++) {
        sql_audit_list(&af[i], q);
        plan_of(f, q, plan, sizeof plan);
        bool ok = f->lite != NULL ? (aindex[i] == NULL || strstr(plan, aindex[i]) != NULL) &&
                                        (i == 2 || strstr(plan, "TEMP B-TREE") == NULL)
                                  : strstr(plan, "Index") != NULL;
        if (!ok)
            fail_msg("audit %d (%s): %s\nplan:\n%s", i, f->be->name, q->sql, plan);
    }
    free(q);
}

static kassa_err gauges_read(struct fx *f, struct store_gauges *g)
{
    rd_take(f);
    return rd_give(f, store_gauges_read(f->rd, g));
}

/* What GET /metrics reads at each scrape (sql/gauges.h): the pending
 * callbacks and the oldest of them by id, the events not planned yet, the
 * pending withdrawals; each on an index, read only where its rows are. */
static void test_gauges(void **state)
{
    struct fx *f = fx_of(state);
    struct store_gauges g;
    memset(&g, 0x5A, sizeof g);
    assert_ok(gauges_read(f, &g));
    assert_int_equal(g.callbacks_pending, 0);
    assert_int_equal(g.oldest_pending_ms, 0);
    assert_int_equal(g.events_unplanned, 0);
    assert_int_equal(g.withdrawals_pending, 0);

    int64_t e1 = add_event(f, 7, 100, "order.completed");
    int64_t e2 = add_event(f, 7, 101, "order.failed");
    add_event(f, 7, 102, "order.expired");
    raw_exec(f, "UPDATE events SET planned = 1 WHERE id = %lld", (long long)e1);
    struct callback a, b, c;
    cb_fill(&a, e1, 100, "panda", 5000); /* created at 4900 */
    cb_fill(&b, e1, 100, "tegro", 3000); /* created at 2900, but after a */
    cb_fill(&c, e2, 101, "panda", 7000);
    assert_ok(W(f, callback_insert, &a));
    assert_ok(W(f, callback_insert, &b));
    assert_ok(W(f, callback_insert, &c));
    raw_exec(f, "UPDATE callbacks SET state = 'delivered', next_attempt_at = NULL WHERE id = %lld",
             (long long)a.id);
    struct shop s = add_shop(f, 1);
    struct withdrawal w1, w2, w3;
    wd_fill(&w1, s.id, "g-1", 1);
    wd_fill(&w2, s.id, "g-2", 2);
    wd_fill(&w3, s.id, "g-3", 3);
    assert_ok(W(f, withdrawal_insert, &w1));
    assert_ok(W(f, withdrawal_insert, &w2));
    assert_ok(W(f, withdrawal_insert, &w3));
    raw_exec(f, "UPDATE withdrawals SET status = 1 WHERE id = %lld", (long long)w2.id);

    assert_ok(gauges_read(f, &g));
    assert_int_equal(g.callbacks_pending, 2);
    assert_int_equal(g.oldest_pending_ms, 2900); /* b: the first pending by id */
    assert_int_equal(g.events_unplanned, 2);
    assert_int_equal(g.withdrawals_pending, 2);

    /* The plan: every part on its index, no table read whole. */
    struct sql_query *q = malloc(sizeof *q);
    assert_non_null(q);
    memset(q, 0, sizeof *q);
    snprintf(q->sql, sizeof q->sql, "%s", SQL_GAUGES);
    char plan[4096];
    plan_of(f, q, plan, sizeof plan);
    free(q);
    static const char *const lite[] = {"COVERING INDEX callbacks_state",
                                       "USING INDEX callbacks_state", "events_unplanned",
                                       "withdrawals_status"};
    static const char *const pg[] = {"Index Only Scan using callbacks_due",
                                     "Index Scan using callbacks_state", "events_unplanned",
                                     "withdrawals_status"};
    for (size_t i = 0; i < 4; i++) {
        const char *want = f->lite != NULL ? lite[i] : pg[i];
        if (strstr(plan, want) == NULL)
            fail_msg("gauges (%s): no %s in the plan:\n%s", f->be->name, want, plan);
    }
    if (f->lite != NULL ? strstr(plan, "TEMP B-TREE") != NULL
                        : strstr(plan, "Seq Scan") != NULL || strstr(plan, "Sort") != NULL)
        fail_msg("gauges (%s): a scan or a sort in the plan:\n%s", f->be->name, plan);
}

/* ---- main --------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

static const struct CMUnitTest tests[] = {
    T(test_migrations),
    T(test_migrations_from_older),
    T(test_shops),
    T(test_shop_update),
    T(test_shop_dialect_rows),
    T(test_requisite_row),
    T(test_requisites_after),
    T(test_pick_rotation),
    T(test_pick_bank),
    T(test_pick_countries),
    T(test_pick_kinds_interleaved),
    T(test_orders),
    T(test_order_lists),
    T(test_order_list_plans),
    T(test_gauges),
    T(test_order_transitions),
    T(test_order_set_method),
    T(test_order_stats),
    T(test_idempotency),
    T(test_idempotency_purge),
    T(test_request_nonces),
    T(test_ledger),
    T(test_ledger_floor),
    T(test_withdrawals),
    T(test_events),
    T(test_callbacks),
    T(test_callback_claims),
    T(test_callback_resend_stats),
    T(test_receipts),
    T(test_rates),
    T(test_method_switches),
    T(test_transactions),
    T(test_optional_create_ops),
    T(test_pool_paths_share_the_rotation),
};

static int half_sqlite(void **state)
{
    (void)state;
    current = &backends[0];
    return 0;
}

static int half_pg(void **state)
{
    (void)state;
    current = &backends[1];
    server_start(current);
    if (current->ready)
        make_template(current);
    if (!current->ready)
        fprintf(stderr, "[ postgres ] %s\n", current->why);
    return 0;
}

static int half_pg_end(void **state)
{
    (void)state;
    server_stop();
    return 0;
}

int main(void)
{
    clock_init(true);
    log_set_level(LOG_ERROR);
    struct store_options opts = {.read_pool = 2, .reader_threads = 2};
    store_configure(&opts);
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int failed = cmocka_run_group_tests_name("sqlite", tests, half_sqlite, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    failed += cmocka_run_group_tests_name("postgres", tests, half_pg, half_pg_end);
    clock_gettime(CLOCK_MONOTONIC, &t2);
    server_stop();
    fprintf(stderr, "store contract: sqlite %.2f s, postgres %.2f s\n",
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
            (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9);
    return failed;
}
