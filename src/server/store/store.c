/* store.c: pick the backend from the --db URL. */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metric.h"
#include "store.h"

/* GET /metrics: sessions a network store made again after they broke. */
static struct metric reconnects = {
    .name = "kassa_db_reconnects_total",
    .help = "Database sessions re-established after they broke (PostgreSQL; SQLite never "
            "reconnects).",
    .type = METRIC_COUNTER,
};

void store_count_reconnect(void)
{
    metric_add(&reconnects, 0, 1);
}

typedef void (*store_fn_)(void);

/* Every member after `name` is a function pointer. */
_Static_assert((sizeof(struct store_ops) - offsetof(struct store_ops, open)) % sizeof(store_fn_) ==
                   0,
               "struct store_ops holds only function pointers after its name");

/* True when the backend fills every op (but the optional ones: writer_extra,
 * order_insert_idem, order_create_reads_many, order_insert_many,
 * ledger_lock, backup); names the first missing
 * one's position in the log otherwise (a backend that misses a new op must not start and crash
 * later on a NULL call). */
static bool ops_complete(const struct store_ops *ops)
{
    const unsigned char *base = (const unsigned char *)ops;
    for (size_t off = offsetof(struct store_ops, open); off < sizeof *ops;
         off += sizeof(store_fn_)) {
        store_fn_ fn;
        memcpy(&fn, base + off, sizeof fn);
        bool optional = off == offsetof(struct store_ops, writer_extra) ||
                        off == offsetof(struct store_ops, order_insert_idem) ||
                        off == offsetof(struct store_ops, order_create_reads_many) ||
                        off == offsetof(struct store_ops, order_insert_many) ||
                        off == offsetof(struct store_ops, ledger_lock) ||
                        off == offsetof(struct store_ops, backup);
        if (fn == NULL && !optional) {
            log_error("store backend incomplete", "backend=%s op_index=%zu", ops->name,
                      (off - offsetof(struct store_ops, open)) / sizeof(store_fn_));
            return false;
        }
    }
    return true;
}

static struct store_options store_options = {.read_pool = 8, .reader_threads = 8};

void store_configure(const struct store_options *opts)
{
    if (opts->read_pool > 0)
        store_options.read_pool = opts->read_pool;
    if (opts->reader_threads > 0)
        store_options.reader_threads = opts->reader_threads;
}

const struct store_options *store_opts(void)
{
    return &store_options;
}

kassa_err store_open(const char *url, struct store **out, char *err, size_t errlen)
{
    if (url == NULL)
        url = "";
    const struct store_ops *ops = NULL;
    const char *arg = url;
    if (strncmp(url, "sqlite:", 7) == 0) {
        ops = &store_sqlite_ops;
        arg = url + 7;
    } else if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        ops = &store_pg_ops; /* libpq parses the whole URL */
    } else {
        snprintf(err, errlen, "--db '%s': expected sqlite:PATH or postgresql://...", url);
        return KASSA_EINVAL;
    }
    if (!ops_complete(ops)) {
        snprintf(err, errlen, "the %s store backend does not implement every operation", ops->name);
        return KASSA_EINVAL;
    }
    metric_register(&reconnects);
    kassa_err e = ops->open(arg, out, err, errlen);
    if (e == KASSA_OK) {
        static atomic_uint_fast64_t serials;
        (*out)->serial = (uint64_t)atomic_fetch_add(&serials, 1) + 1;
    }
    return e;
}

void store_close(struct store *s)
{
    if (s != NULL)
        s->ops->close(s);
}

static atomic_bool store_down;
static _Atomic int64_t store_back_ms; /* CLOCK_MONOTONIC ms of the last recovery */

bool store_unavailable(void)
{
    return atomic_load(&store_down);
}

bool store_unavailable_lately(void)
{
    if (atomic_load(&store_down))
        return true;
    int64_t back = atomic_load(&store_back_ms);
    return back != 0 && clock_mono_ms() - back < STORE_RECOVERY_GRACE_MS;
}

void store_set_unavailable(bool down)
{
    if (!down && atomic_load(&store_down))
        atomic_store(&store_back_ms, clock_mono_ms());
    atomic_store(&store_down, down);
}

void store_url_redacted(const char *url, char *out, size_t size)
{
    char buf[1024];
    size_t n = 0;
    if (size == 0)
        return;
    if (url == NULL)
        url = "";
    const char *scheme = strstr(url, "://");
    const char *auth = scheme ? scheme + 3 : NULL;
    const char *auth_end = auth ? auth + strcspn(auth, "/?") : NULL;
    const char *at = NULL;
    for (const char *q = auth; q && q < auth_end; q++)
        if (*q == '@')
            at = q; /* the last '@' before the host */
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    for (const char *q = url; *q && n + 4 < sizeof buf;) {
        if (colon && q == colon + 1) {
            memcpy(buf + n, "***", 3);
            n += 3;
            q = at;
            continue;
        }
        if ((q == url || q[-1] == '?' || q[-1] == '&') && strncmp(q, "password=", 9) == 0) {
            if (n + 12 >= sizeof buf)
                break;
            memcpy(buf + n, "password=***", 12);
            n += 12;
            q += 9 + strcspn(q + 9, "&");
            continue;
        }
        buf[n++] = *q++;
    }
    buf[n] = '\0';
    snprintf(out, size, "%s", buf);
}
