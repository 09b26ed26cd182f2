/* check.c: store_check (store.h), what kassad --check-config asks of the
 * database: can kassad use it, without opening it as a store (no
 * migration, no lock: a running kassad may hold it). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pg_internal.h"
#include "store.h"

/* The directory part of path ("." when none) into dir. */
static void dir_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, size, ".");
    else if (slash == path)
        snprintf(dir, size, "/");
    else
        snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

static kassa_err sqlite_check(const char *path, char *err, size_t errlen)
{
    char dir[4096];
    struct stat st;
    dir_of(path, dir, sizeof dir);
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "'%s' is not a regular file", path);
            return KASSA_EINVAL;
        }
        if (access(path, R_OK | W_OK) != 0) {
            snprintf(err, errlen, "cannot read and write '%s': %s", path, strerror(errno));
            return KASSA_EIO;
        }
        static const char magic[16] = "SQLite format 3";
        char head[16];
        FILE *f = fopen(path, "rb");
        size_t n = f != NULL ? fread(head, 1, sizeof head, f) : 0;
        if (f != NULL)
            fclose(f);
        if (st.st_size > 0 && (n != sizeof head || memcmp(head, magic, sizeof magic) != 0)) {
            snprintf(err, errlen, "'%s' is not an SQLite database", path);
            return KASSA_EINVAL;
        }
        if (access(dir, W_OK | X_OK) != 0) {
            snprintf(err, errlen,
                     "the directory '%s' is not writable (kassad keeps the database's -wal and "
                     "-shm files beside it): %s",
                     dir, strerror(errno));
            return KASSA_EIO;
        }
        return KASSA_OK;
    }
    if (errno != ENOENT) {
        snprintf(err, errlen, "cannot reach '%s': %s", path, strerror(errno));
        return KASSA_EIO;
    }
    /* Not there yet: kassad creates it and any missing directories, in the
     * nearest one that exists. */
    for (;;) {
        if (stat(dir, &st) == 0) {
            if (!S_ISDIR(st.st_mode)) {
                snprintf(err, errlen, "cannot create '%s': '%s' is not a directory", path, dir);
                return KASSA_EINVAL;
            }
            if (access(dir, W_OK | X_OK) != 0) {
                snprintf(err, errlen, "cannot create '%s': the directory '%s' is not writable: %s",
                         path, dir, strerror(errno));
                return KASSA_EIO;
            }
            return KASSA_OK;
        }
        if (errno != ENOENT || strcmp(dir, ".") == 0 || strcmp(dir, "/") == 0) {
            snprintf(err, errlen, "cannot create '%s': '%s': %s", path, dir, strerror(errno));
            return KASSA_EIO;
        }
        char up[4096];
        dir_of(dir, up, sizeof up);
        snprintf(dir, sizeof dir, "%s", up);
    }
}

kassa_err store_check(const char *url, char *err, size_t errlen)
{
    if (strncmp(url, "sqlite:", 7) == 0)
        return sqlite_check(url + 7, err, errlen);
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
        return pg_check(url, err, errlen);
    snprintf(err, errlen, "expected sqlite:PATH or postgresql://..., got '%s'", url);
    return KASSA_EINVAL;
}
