/* admin_backup.c: POST /admin/v1/backup (admin_backup.h).
 *
 * The copy is taken on a thread of its own (seconds for a large database),
 * with the request suspended meanwhile, so no HTTP thread waits for it;
 * then the copy's file is the answer's body, read as it is sent, and the
 * backup counts as running until the last byte went out (or the client
 * left). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "admin_backup.h"
#include "base/clock.h"
#include "base/log.h"
#include "core/query.h"
#include "dialect/reply.h"

static void backup_sent(void *arg)
{
    (void)arg;
    core_backup_release();
}

static void *backup_main(void *arg)
{
    struct http_req *req = arg;
    struct core_backup b;
    char err[512] = "";
    char at[32], v[32];
    clock_format(clock_now(), CLOCK_ISO8601, at, sizeof at);
    kassa_err e = core_backup_take(&b, err, sizeof err);
    if (e == KASSA_OK) {
        char disp[96], stamp[32];
        size_t n = 0;
        for (const char *p = at; *p != '\0' && n + 1 < sizeof stamp; p++)
            if (*p != '-' && *p != ':')
                stamp[n++] = *p; /* 20261122T100000Z: no ':' in a file name */
        stamp[n] = '\0';
        snprintf(disp, sizeof disp, "attachment; filename=\"kassa-%s.db\"", stamp);
        http_add_header(req, "Content-Disposition", disp);
        http_add_header(req, "X-Kassa-Backup-At", at);
        snprintf(v, sizeof v, "%lld", (long long)b.pages);
        http_add_header(req, "X-Kassa-Backup-Pages", v);
        snprintf(v, sizeof v, "%lld", (long long)b.elapsed_ms);
        http_add_header(req, "X-Kassa-Backup-Ms", v);
        http_reply_file(req, 200, "application/vnd.sqlite3", b.fd, (uint64_t)b.bytes, backup_sent,
                        NULL);
    } else if (e == KASSA_ECONFLICT) {
        reply_error(req, 409, "a backup is already running; try again once it has finished");
    } else if (e == KASSA_EUNAVAILABLE) {
        reply_error(req, 503, "kassad is shutting down; no backup was taken");
    } else {
        reply_error(req, 500, "the backup failed: %s", err);
    }
    http_resume(req); /* the request is not ours any more */
    return NULL;
}

enum http_action admin_backup(struct http_req *req)
{
    if (!core_backup_supported()) {
        reply_error(req, 409,
                    "kassad backs up SQLite databases only; this one runs on PostgreSQL: back it "
                    "up with pg_dump (docs/BACKUP.md)");
        return HTTP_DONE;
    }
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    http_suspend(req);
    int rc = pthread_create(&t, &attr, backup_main, req);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        log_error("cannot start the backup's thread", "error=\"%s\"", strerror(rc));
        reply_error(req, 500, "Internal server error");
        return HTTP_DONE;
    }
    return HTTP_SUSPENDED;
}
