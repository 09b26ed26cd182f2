/* sqlite_backup.c: a copy of a running SQLite database (store_ops.backup),
 * with SQLite's online backup API.
 *
 * The copy is read on a connection of its own inside ONE read transaction,
 * opened before the first page is copied and kept until the last: in WAL
 * mode a reader never blocks the writer (nor the writer the reader), and
 * every page comes from that one snapshot, so the copy is the database as
 * of the moment the transaction began, whatever commits meanwhile. The
 * pages go over in steps of BACKUP_STEP_PAGES, between which a shutdown can
 * stop the copy. (Steps without the kept transaction would each take a new
 * snapshot, and SQLite restarts a backup whose source another connection
 * changed between two steps: under a steady stream of orders it would
 * never end.) No pause between steps: with a 2 ms pause per 4 MiB the
 * creates during a backup ran at 64 % of the rate between backups, without
 * one at 68 % (bench/backup.py, docs/BACKUP.md): the pause only made the
 * copy longer. What the kept snapshot costs: the WAL cannot start over
 * while it is held, so it grows by what is committed during the backup, and
 * is trimmed back (journal_size_limit) at the first checkpoint after.
 *
 * The copy is written to `<database>.backup-XXXXXX` beside the database
 * (the file system the operator sized for it; /tmp may be a small tmpfs),
 * without journal or fsync (a copy cut short is thrown away), then unlinked
 * while open: the caller streams it from the descriptor, and the space goes
 * back when that is closed. A copy left by a kassad that died meanwhile is
 * removed at the next start (sqlite_backup_sweep). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "sqlite_internal.h"

/* Pages per step (4 MiB of 4 KiB pages), and the pause after each step. */
#define BACKUP_STEP_PAGES 1024

#define BACKUP_SUFFIX ".backup-"
#define BACKUP_SUFFIX_LEN (sizeof BACKUP_SUFFIX - 1)

/* Open db_path for the copy's reads and begin the read transaction that
 * pins the snapshot. NULL with err set on failure. */
static sqlite3 *source_open(const char *db_path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, sqlite_vfs()) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", db_path,
                 db != NULL ? sqlite3_errmsg(db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, "PRAGMA query_only=1; BEGIN; SELECT count(*) FROM sqlite_master", NULL,
                     NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot begin reading %s: %s", db_path, sqlite3_errmsg(db));
        goto fail;
    }
    return db;
fail:
    sqlite3_close(db);
    return NULL;
}

/* Copy every page of src into dest, a step at a time. */
static kassa_err copy_pages(sqlite3 *src, sqlite3 *dest, struct store_backup *b, char *err,
                            size_t errlen)
{
    sqlite3_backup *bk = sqlite3_backup_init(dest, "main", src, "main");
    if (bk == NULL) {
        snprintf(err, errlen, "cannot start the copy: %s", sqlite3_errmsg(dest));
        return KASSA_EIO;
    }
    kassa_err res = KASSA_OK;
    int rc;
    for (;;) {
        rc = sqlite3_backup_step(bk, BACKUP_STEP_PAGES);
        b->steps++;
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
            break;
        if (b->cancel != NULL && *b->cancel) {
            snprintf(err, errlen, "the backup was stopped: kassad is shutting down");
            res = KASSA_EUNAVAILABLE;
            break;
        }
        if (rc != SQLITE_OK)
            sqlite3_sleep(1); /* busy: the destination or the source is locked a moment */
    }
    b->pages = sqlite3_backup_pagecount(bk);
    int fin = sqlite3_backup_finish(bk);
    if (res == KASSA_OK && (rc != SQLITE_DONE || fin != SQLITE_OK)) {
        snprintf(err, errlen, "the copy failed: %s", sqlite3_errstr(rc != SQLITE_DONE ? rc : fin));
        res = KASSA_EIO;
    }
    return res;
}

kassa_err sqlite_backup_file(const char *db_path, struct store_backup *b, char *err, size_t errlen)
{
    kassa_err res = KASSA_EIO;
    sqlite3 *src = NULL, *dest = NULL;
    int64_t t0 = clock_mono_ms();
    b->fd = -1;
    b->bytes = b->pages = b->steps = 0;
    size_t n = strlen(db_path) + sizeof BACKUP_SUFFIX + 6;
    char *tmp = malloc(n);
    if (tmp == NULL) {
        snprintf(err, errlen, "out of memory");
        return KASSA_ENOMEM;
    }
    snprintf(tmp, n, "%s" BACKUP_SUFFIX "XXXXXX", db_path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create the copy beside the database (%s): %s", tmp,
                 strerror(errno));
        free(tmp);
        return KASSA_EIO;
    }
    if ((src = source_open(db_path, err, errlen)) == NULL)
        goto out;
    if (sqlite3_open_v2(tmp, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(dest, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL, NULL) !=
            SQLITE_OK) {
        snprintf(err, errlen, "cannot open the copy %s: %s", tmp,
                 dest != NULL ? sqlite3_errmsg(dest) : "out of memory");
        goto out;
    }
    res = copy_pages(src, dest, b, err, errlen);
    if (res != KASSA_OK)
        goto out;
    /* The copy is whole once its connection closed (nothing is cached). */
    if (sqlite3_close(dest) != SQLITE_OK) {
        snprintf(err, errlen, "cannot close the copy %s: %s", tmp, sqlite3_errmsg(dest));
        res = KASSA_EIO;
        goto out;
    }
    dest = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot read the size of %s: %s", tmp, strerror(errno));
        res = KASSA_EIO;
        goto out;
    }
    b->bytes = (int64_t)st.st_size;
    b->fd = fd;
    fd = -1;
out:
    b->elapsed_ms = clock_mono_ms() - t0;
    sqlite3_close(dest); /* NULL: a no-op */
    sqlite3_close(src);  /* ends the read transaction */
    unlink(tmp);         /* b->fd keeps the copy until it is closed */
    if (fd >= 0)
        close(fd);
    free(tmp);
    return res;
}

void sqlite_backup_sweep(const char *db_path)
{
    const char *slash = strrchr(db_path, '/');
    char dir[4096];
    const char *base = slash != NULL ? slash + 1 : db_path;
    int dn = slash == NULL ? 1 : slash == db_path ? 1 : (int)(slash - db_path);
    if (snprintf(dir, sizeof dir, "%.*s", dn, slash == NULL ? "." : db_path) >= (int)sizeof dir)
        return;
    size_t bn = strlen(base);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strncmp(name, base, bn) != 0 ||
            strncmp(name + bn, BACKUP_SUFFIX, BACKUP_SUFFIX_LEN) != 0 ||
            strlen(name + bn + BACKUP_SUFFIX_LEN) != 6)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (unlink(path) == 0)
            log_info("removed the copy of an interrupted backup", "file=%s", path);
    }
    closedir(d);
}
