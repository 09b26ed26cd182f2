/* test_sqlite_vfs.c: the "kassa" VFS (store/sqlite_vfs.c) gathers a WAL
 * file's writes into one write per commit, and loses, reorders or hides
 * nothing: every commit is readable by another connection at once, a
 * transaction larger than the buffer and one that spills pages before its
 * commit come back whole, and the database passes its integrity check.
 *
 * A counting VFS registered as the default before the kassa VFS wraps it
 * sees the writes that reach the operating system. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/sqlite_internal.h"

/* ---- a default VFS that counts writes to WAL files --------------------- */

static sqlite3_vfs counting;
static sqlite3_vfs *os_vfs;
static int wal_writes, wal_fds;

struct counted {
    sqlite3_file base;
    sqlite3_file *real;
};

static int c_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off)
{
    struct counted *c = (struct counted *)f;
    wal_writes++;
    return c->real->pMethods->xWrite(c->real, data, amt, off);
}

#define FWD(name, ...)                                                                             \
    ((struct counted *)f)->real->pMethods->name(((struct counted *)f)->real, __VA_ARGS__)
static int c_close(sqlite3_file *f)
{
    return ((struct counted *)f)->real->pMethods->xClose(((struct counted *)f)->real);
}
static int c_read(sqlite3_file *f, void *d, int n, sqlite3_int64 o)
{
    return FWD(xRead, d, n, o);
}
static int c_truncate(sqlite3_file *f, sqlite3_int64 n)
{
    return FWD(xTruncate, n);
}
static int c_sync(sqlite3_file *f, int fl)
{
    return FWD(xSync, fl);
}
static int c_size(sqlite3_file *f, sqlite3_int64 *n)
{
    return FWD(xFileSize, n);
}
static int c_lock(sqlite3_file *f, int l)
{
    return FWD(xLock, l);
}
static int c_unlock(sqlite3_file *f, int l)
{
    return FWD(xUnlock, l);
}
static int c_reserved(sqlite3_file *f, int *o)
{
    return FWD(xCheckReservedLock, o);
}
static int c_fcntl(sqlite3_file *f, int op, void *a)
{
    return FWD(xFileControl, op, a);
}
static int c_sector(sqlite3_file *f)
{
    return ((struct counted *)f)->real->pMethods->xSectorSize(((struct counted *)f)->real);
}
static int c_device(sqlite3_file *f)
{
    struct counted *c = (struct counted *)f;
    return c->real->pMethods->xDeviceCharacteristics(c->real);
}
static int c_shm_map(sqlite3_file *f, int p, int s, int e, void volatile **o)
{
    return FWD(xShmMap, p, s, e, o);
}
static int c_shm_lock(sqlite3_file *f, int o, int n, int fl)
{
    return FWD(xShmLock, o, n, fl);
}
static void c_shm_barrier(sqlite3_file *f)
{
    ((struct counted *)f)->real->pMethods->xShmBarrier(((struct counted *)f)->real);
}
static int c_shm_unmap(sqlite3_file *f, int d)
{
    return FWD(xShmUnmap, d);
}
static int c_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **p)
{
    return FWD(xFetch, o, n, p);
}
static int c_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
    return FWD(xUnfetch, o, p);
}

static const sqlite3_io_methods counting_methods = {
    .iVersion = 3,
    .xClose = c_close,
    .xRead = c_read,
    .xWrite = c_write,
    .xTruncate = c_truncate,
    .xSync = c_sync,
    .xFileSize = c_size,
    .xLock = c_lock,
    .xUnlock = c_unlock,
    .xCheckReservedLock = c_reserved,
    .xFileControl = c_fcntl,
    .xSectorSize = c_sector,
    .xDeviceCharacteristics = c_device,
    .xShmMap = c_shm_map,
    .xShmLock = c_shm_lock,
    .xShmBarrier = c_shm_barrier,
    .xShmUnmap = c_shm_unmap,
    .xFetch = c_fetch,
    .xUnfetch = c_unfetch,
};

static int c_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)v;
    if (!(flags & SQLITE_OPEN_WAL))
        return os_vfs->xOpen(os_vfs, name, f, flags, out);
    struct counted *c = (struct counted *)f;
    c->real = (sqlite3_file *)((char *)f + 64);
    int rc = os_vfs->xOpen(os_vfs, name, c->real, flags, out);
    if (rc != SQLITE_OK) {
        c->base.pMethods = NULL;
        return rc;
    }
    wal_fds++;
    c->base.pMethods = &counting_methods;
    return SQLITE_OK;
}

static void install_counting_vfs(void)
{
    os_vfs = sqlite3_vfs_find(NULL);
    counting = *os_vfs;
    counting.zName = "counting";
    counting.szOsFile = 64 + os_vfs->szOsFile;
    counting.xOpen = c_open;
    assert_int_equal(sqlite3_vfs_register(&counting, 1), SQLITE_OK);
}

/* ---- the tests ---------------------------------------------------------- */

static char path[64];

static sqlite3 *open_db(const char *vfs)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                                  "PRAGMA wal_autocheckpoint=0",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return db;
}

static long long one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : "?");
}

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/kassa-vfs-%d.db", (int)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[80];
    const char *sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", path, sfx[i]);
        unlink(p);
    }
    return 0;
}

/* One write per commit of a few pages, and another connection (the default
 * VFS, its own file handle) reads each commit at once. */
static void test_one_write_per_commit(void **state)
{
    (void)state;
    const char *vfs = sqlite_vfs();
    assert_non_null(vfs);
    assert_string_equal(vfs, "kassa");
    sqlite3 *w = open_db(vfs);
    sqlite3 *r = open_db(NULL);
    exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v BLOB)");
    for (int i = 0; i < 50; i++) {
        int before = wal_writes;
        char sql[256];
        snprintf(sql, sizeof sql,
                 "BEGIN; INSERT INTO t(k, v) VALUES ('a%d', randomblob(3000)); "
                 "INSERT INTO t(k, v) VALUES ('b%d', randomblob(3000)); COMMIT",
                 i, i);
        exec(w, sql);
        /* Two table pages, the index page and more: one write still. */
        assert_int_equal(wal_writes - before, 1);
        assert_int_equal(one_int(r, "SELECT COUNT(*) FROM t"), 2 * (i + 1));
    }
    assert_true(wal_fds >= 1);
    sqlite3_close(r);
    sqlite3_close(w);
}

/* A transaction of ~2 MB (more than the buffer holds, and more than the
 * page cache: pages spill into the WAL before the commit) and a rollback
 * after a spill: what is read back is exactly what was committed. */
static void test_large_and_spilled(void **state)
{
    (void)state;
    sqlite3 *w = open_db(sqlite_vfs());
    exec(w, "PRAGMA cache_size=20");
    exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB, h INTEGER)");
    exec(w, "BEGIN");
    for (int i = 0; i < 500; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "INSERT INTO t(v, h) VALUES (zeroblob(4000), %d)", i * 7);
        exec(w, sql);
    }
    exec(w, "COMMIT");
    exec(w, "BEGIN; UPDATE t SET h = -1; DELETE FROM t WHERE id > 250");
    exec(w, "ROLLBACK");
    sqlite3 *r = open_db(NULL);
    assert_int_equal(one_int(r, "SELECT COUNT(*) FROM t"), 500);
    assert_int_equal(one_int(r, "SELECT SUM(h) FROM t"), 7LL * 499 * 500 / 2);
    assert_int_equal(one_int(r, "SELECT SUM(length(v)) FROM t"), 500LL * 4000);
    sqlite3_close(r);
    /* Checkpointed into the database, reopened: the same, and sound. */
    exec(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(w);
    r = open_db(NULL);
    assert_int_equal(one_int(r, "SELECT COUNT(*) FROM t"), 500);
    assert_int_equal(one_int(r, "SELECT SUM(h) FROM t"), 7LL * 499 * 500 / 2);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(r, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(r);
}

int main(void)
{
    install_counting_vfs();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_write_per_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_and_spilled, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
