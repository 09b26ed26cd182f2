/* backup.c: a copy of the whole database for the operator (query.h's
 * core_backup_*): one at a time, stopped when kassad shuts down. */
#include <stdatomic.h>
#include <stdio.h>

#include "base/log.h"
#include "core/query.h"
#include "store/store.h"

/* Claimed from core_backup_take until core_backup_release: the copy is
 * made, then streamed; a second backup meanwhile would only copy the
 * same database again, twice the disk space and I/O. */
static atomic_bool backup_running;
static _Atomic bool backup_cancel;

bool core_backup_supported(void)
{
    struct store *s = core_store();
    return s != NULL && s->ops->backup != NULL;
}

kassa_err core_backup_take(struct core_backup *out, char *err, size_t errlen)
{
    struct store_backup sb = {.cancel = &backup_cancel};
    struct store_backup *b = &sb;
    struct store *s = core_store();
    if (s == NULL || s->ops->backup == NULL) {
        snprintf(err, errlen, "this database has no backup through kassad");
        return KASSA_EINVAL;
    }
    if (atomic_load(&backup_cancel)) {
        snprintf(err, errlen, "kassad is shutting down");
        return KASSA_EUNAVAILABLE;
    }
    bool idle = false;
    if (!atomic_compare_exchange_strong(&backup_running, &idle, true)) {
        snprintf(err, errlen, "a backup is already running");
        return KASSA_ECONFLICT;
    }
    kassa_err e = s->ops->backup(s, b, err, errlen);
    if (e != KASSA_OK) {
        log_error("backup failed", "error=\"%s\"", err);
        atomic_store(&backup_running, false);
        return e;
    }
    *out = (struct core_backup){
        .fd = b->fd, .bytes = b->bytes, .pages = b->pages, .elapsed_ms = b->elapsed_ms};
    log_info("backup taken", "bytes=%lld pages=%lld steps=%lld ms=%lld", (long long)b->bytes,
             (long long)b->pages, (long long)b->steps, (long long)b->elapsed_ms);
    return KASSA_OK;
}

void core_backup_release(void)
{
    atomic_store(&backup_running, false);
}

void core_backup_cancel(void)
{
    atomic_store(&backup_cancel, true);
}
