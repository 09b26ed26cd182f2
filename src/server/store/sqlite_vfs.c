/* sqlite_vfs.c: the "kassa" VFS, SQLite's own with one change: writes to a
 * WAL file are gathered and reach the kernel as one write per commit.
 *
 * SQLite writes each WAL frame as two pwrite calls (the 24-byte frame header,
 * then the page), so a commit of a batch of order creates (16 pages) made
 * 32 system calls before its fdatasync, a sixth of the group-commit
 * writer's time. Here a run of writes that follow each other in the file is
 * kept in a buffer and written in one call when the run ends: at the end of
 * a commit frame (the frame header's "database size" field is non-zero only
 * there), before a sync, a read, a truncate, a size query or a file control,
 * when a write does not continue the run, when the buffer is full, and at
 * close. So the file holds exactly what SQLite wrote, in the same order,
 * before anything can read it or sync it, whatever the synchronous setting:
 * a commit frame is in the kernel before SQLite publishes the commit in the
 * WAL index. Durability is SQLite's: synchronous=FULL syncs every commit.
 *
 * Every other file (the database, its -shm) is the default VFS's own file,
 * untouched: xOpen hands them to it directly. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/base.h"
#include "sqlite_internal.h"

/* The default VFS writes at most 128 KiB - 1 in one call (its
 * seekAndWriteFd masks the length with 0x1ffff): one write must stay under. */
#define WAL_BUFFER (120 * 1024)
#define WAL_FRAME_HEADER 24

struct wal_file {
    sqlite3_file base;   /* pMethods = &wal_methods */
    sqlite3_file *real;  /* the default VFS's file, right after this struct */
    unsigned char *buf;  /* WAL_BUFFER bytes, allocated at the first write */
    size_t len;          /* bytes gathered */
    sqlite3_int64 off;   /* where buf[0] goes in the file */
    bool commit_pending; /* the last write was a commit frame's header */
};

/* Where the real file starts: after the wrapper, 8-aligned. */
#define WAL_FILE_SIZE ((sizeof(struct wal_file) + 7) & ~(size_t)7)

static sqlite3_vfs kassa_vfs;

static sqlite3_vfs *real_vfs(sqlite3_vfs *v)
{
    return (sqlite3_vfs *)v->pAppData;
}

/* Write what is gathered; the buffer is empty afterwards, also when the
 * write failed (SQLite then rolls the transaction back: the frames were
 * never committed). */
static int wal_flush(struct wal_file *w)
{
    if (w->len == 0)
        return SQLITE_OK;
    int rc = w->real->pMethods->xWrite(w->real, w->buf, (int)w->len, w->off);
    w->len = 0;
    return rc;
}

static int wal_close(sqlite3_file *f)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    int rc = wal_flush(w);
    int rc2 = w->real->pMethods->xClose(w->real);
    free(w->buf);
    w->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int wal_read(sqlite3_file *f, void *data, int amt, sqlite3_int64 off)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    if (w->len > 0 && off < w->off + (sqlite3_int64)w->len && off + amt > w->off) {
        int rc = wal_flush(w);
        if (rc != SQLITE_OK)
            return rc;
    }
    return w->real->pMethods->xRead(w->real, data, amt, off);
}

/* A WAL frame header's bytes 4..7 (big-endian): the database size in pages
 * after a commit, 0 in every other frame. */
static bool commit_header(const void *data, int amt)
{
    const unsigned char *p = data;
    return amt == WAL_FRAME_HEADER && (p[4] | p[5] | p[6] | p[7]) != 0;
}

static int wal_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    size_t n = (size_t)amt;
    bool commit_page = w->commit_pending;
    w->commit_pending = commit_header(data, amt);
    bool follows = w->len > 0 && off == w->off + (sqlite3_int64)w->len;
    if (!follows || w->len + n > WAL_BUFFER) {
        int rc = wal_flush(w);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (w->buf == NULL)
        w->buf = malloc(WAL_BUFFER);
    if (w->buf == NULL || n > WAL_BUFFER) /* no buffer: as SQLite would */
        return w->real->pMethods->xWrite(w->real, data, amt, off);
    if (w->len == 0)
        w->off = off;
    memcpy(w->buf + w->len, data, n);
    w->len += n;
    /* The commit frame is whole: into the kernel before SQLite publishes it. */
    return commit_page ? wal_flush(w) : SQLITE_OK;
}

static int wal_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    int rc = wal_flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

static int wal_sync(sqlite3_file *f, int flags)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    int rc = wal_flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xSync(w->real, flags);
}

static int wal_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    int rc = wal_flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xFileSize(w->real, size);
}

static int wal_lock(sqlite3_file *f, int level)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    return w->real->pMethods->xLock(w->real, level);
}

static int wal_unlock(sqlite3_file *f, int level)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    return w->real->pMethods->xUnlock(w->real, level);
}

static int wal_check_reserved(sqlite3_file *f, int *out)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    return w->real->pMethods->xCheckReservedLock(w->real, out);
}

static int wal_file_control(sqlite3_file *f, int op, void *arg)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    int rc = wal_flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xFileControl(w->real, op, arg);
}

static int wal_sector_size(sqlite3_file *f)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    return w->real->pMethods->xSectorSize(w->real);
}

static int wal_device(sqlite3_file *f)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    return w->real->pMethods->xDeviceCharacteristics(w->real);
}

static int wal_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **p)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    return w->real->pMethods->xShmMap(w->real, pg, pgsz, extend, p);
}

static int wal_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    return w->real->pMethods->xShmLock(w->real, offset, n, flags);
}

static void wal_shm_barrier(sqlite3_file *f)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    w->real->pMethods->xShmBarrier(w->real);
}

static int wal_shm_unmap(sqlite3_file *f, int del)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    return w->real->pMethods->xShmUnmap(w->real, del);
}

static int wal_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **p)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    int rc = wal_flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xFetch(w->real, off, amt, p);
}

static int wal_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    struct wal_file *w = container_of(f, struct wal_file, base);
    return w->real->pMethods->xUnfetch(w->real, off, p);
}

static const sqlite3_io_methods wal_methods = {
    .iVersion = 3,
    .xClose = wal_close,
    .xRead = wal_read,
    .xWrite = wal_write,
    .xTruncate = wal_truncate,
    .xSync = wal_sync,
    .xFileSize = wal_file_size,
    .xLock = wal_lock,
    .xUnlock = wal_unlock,
    .xCheckReservedLock = wal_check_reserved,
    .xFileControl = wal_file_control,
    .xSectorSize = wal_sector_size,
    .xDeviceCharacteristics = wal_device,
    .xShmMap = wal_shm_map,
    .xShmLock = wal_shm_lock,
    .xShmBarrier = wal_shm_barrier,
    .xShmUnmap = wal_shm_unmap,
    .xFetch = wal_fetch,
    .xUnfetch = wal_unfetch,
};

static int vfs_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out)
{
    sqlite3_vfs *real = real_vfs(v);
    if (!(flags & SQLITE_OPEN_WAL))
        return real->xOpen(real, name, f, flags, out);
    struct wal_file *w = container_of(f, struct wal_file, base);
    memset(w, 0, sizeof *w);
    w->real = (sqlite3_file *)((char *)f + WAL_FILE_SIZE);
    int rc = real->xOpen(real, name, w->real, flags, out);
    if (rc != SQLITE_OK || w->real->pMethods == NULL || w->real->pMethods->iVersion < 3) {
        if (w->real->pMethods != NULL)
            w->real->pMethods->xClose(w->real);
        w->base.pMethods = NULL;
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    w->base.pMethods = &wal_methods;
    return SQLITE_OK;
}

/* The rest is the default VFS's, called with its own handle. */
static int vfs_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
    return real_vfs(v)->xDelete(real_vfs(v), name, sync_dir);
}

static int vfs_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    return real_vfs(v)->xAccess(real_vfs(v), name, flags, out);
}

static int vfs_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out)
{
    return real_vfs(v)->xFullPathname(real_vfs(v), name, n, out);
}

static void *vfs_dl_open(sqlite3_vfs *v, const char *name)
{
    return real_vfs(v)->xDlOpen(real_vfs(v), name);
}

static void vfs_dl_error(sqlite3_vfs *v, int n, char *msg)
{
    real_vfs(v)->xDlError(real_vfs(v), n, msg);
}

static void (*vfs_dl_sym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
    return real_vfs(v)->xDlSym(real_vfs(v), h, sym);
}

static void vfs_dl_close(sqlite3_vfs *v, void *h)
{
    real_vfs(v)->xDlClose(real_vfs(v), h);
}

static int vfs_randomness(sqlite3_vfs *v, int n, char *out)
{
    return real_vfs(v)->xRandomness(real_vfs(v), n, out);
}

static int vfs_sleep(sqlite3_vfs *v, int us)
{
    return real_vfs(v)->xSleep(real_vfs(v), us);
}

static int vfs_current_time(sqlite3_vfs *v, double *out)
{
    return real_vfs(v)->xCurrentTime(real_vfs(v), out);
}

static int vfs_last_error(sqlite3_vfs *v, int n, char *out)
{
    return real_vfs(v)->xGetLastError(real_vfs(v), n, out);
}

static int vfs_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    return real_vfs(v)->xCurrentTimeInt64(real_vfs(v), out);
}

static pthread_once_t vfs_once = PTHREAD_ONCE_INIT;
static bool vfs_ok;

static void vfs_register(void)
{
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    if (real == NULL || real->iVersion < 2)
        return;
    kassa_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)WAL_FILE_SIZE + real->szOsFile,
        .mxPathname = real->mxPathname,
        .zName = SQLITE_VFS_NAME,
        .pAppData = real,
        .xOpen = vfs_open,
        .xDelete = vfs_delete,
        .xAccess = vfs_access,
        .xFullPathname = vfs_full_pathname,
        .xDlOpen = vfs_dl_open,
        .xDlError = vfs_dl_error,
        .xDlSym = vfs_dl_sym,
        .xDlClose = vfs_dl_close,
        .xRandomness = vfs_randomness,
        .xSleep = vfs_sleep,
        .xCurrentTime = vfs_current_time,
        .xGetLastError = vfs_last_error,
        .xCurrentTimeInt64 = vfs_current_time64,
    };
    vfs_ok = sqlite3_vfs_register(&kassa_vfs, 0) == SQLITE_OK;
}

const char *sqlite_vfs(void)
{
    pthread_once(&vfs_once, vfs_register);
    return vfs_ok ? SQLITE_VFS_NAME : NULL;
}
