/* overview.c: the operator's live overview in one read (query.h
 * query_overview): the per-minute rows of migration 027 put into the
 * window's buckets, the volumes per currency and their largest shops,
 * the queues of now. */
#include <string.h>

#include "base/clock.h"
#include "core.h"
#include "query.h"
#include "store/store.h"

/* A chart's bucket for a window of `hours`: at most OVERVIEW_POINTS_MAX. */
static int64_t bucket_for(int hours)
{
    static const int64_t sizes[] = {60, 300, 600, 900, 1800, 3600};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if ((int64_t)hours * 3600 / sizes[i] <= OVERVIEW_POINTS_MAX)
            return sizes[i];
    return 3600;
}

static bool add_minute(void *arg, int64_t minute, int64_t created, int64_t completed)
{
    struct overview *o = arg;
    if (minute < o->from)
        return true;
    int64_t i = (minute - o->from) / o->bucket_seconds;
    if (i >= o->n_points) /* a later minute than now: a clock moved back */
        return true;
    o->points[i].created += created;
    o->points[i].completed += completed;
    return true;
}

static struct overview_currency *currency_of(struct overview *o, const char *currency)
{
    for (int i = 0; i < o->n_currencies; i++)
        if (strcmp(o->currencies[i].currency, currency) == 0)
            return &o->currencies[i];
    if (o->n_currencies == OVERVIEW_CURRENCIES_MAX)
        return NULL;
    struct overview_currency *c = &o->currencies[o->n_currencies++];
    memset(c, 0, sizeof *c);
    core_copy(c->currency, sizeof c->currency, currency);
    return c;
}

/* The rows come by currency, the largest volume first: each currency's
 * first OVERVIEW_TOP_SHOPS are its top shops, and every row adds to the
 * currency's totals. */
static bool add_shop(void *arg, const struct overview_shop *s)
{
    struct overview *o = arg;
    struct overview_currency *c = currency_of(o, s->currency);
    if (c == NULL)
        return true;
    c->created += s->created;
    c->completed += s->completed;
    c->volume += s->volume;
    if (c->n_shops < OVERVIEW_TOP_SHOPS &&
        o->n_shops < (int)(sizeof o->shops / sizeof o->shops[0])) {
        o->shops[o->n_shops++] = *s;
        c->n_shops++;
    }
    return true;
}

static kassa_err overview_read(struct store_conn *c, struct overview *o)
{
    kassa_err err = store_overview_minutes(c, o->from, add_minute, o);
    if (err == KASSA_OK)
        err = store_overview_shops(c, o->from, add_shop, o);
    if (err == KASSA_OK)
        err = store_overview_now(c, o->from, &o->queues);
    struct store_gauges g;
    if (err == KASSA_OK && (err = store_gauges_read(c, &g)) == KASSA_OK) {
        o->callbacks_pending = g.callbacks_pending;
        o->withdrawals_pending = g.withdrawals_pending;
    }
    o->backend = c->ops->name;
    return err;
}

kassa_err query_overview(int hours, struct overview *out)
{
    if (hours < 1 || hours > OVERVIEW_HOURS_MAX)
        return KASSA_EINVAL;
    memset(out, 0, sizeof *out);
    out->now = clock_now();
    out->bucket_seconds = bucket_for(hours);
    out->n_points = (int)((int64_t)hours * 3600 / out->bucket_seconds);
    int64_t last = out->now - out->now % out->bucket_seconds;
    out->from = last - (int64_t)(out->n_points - 1) * out->bucket_seconds;
    for (int i = 0; i < out->n_points; i++)
        out->points[i].at = out->from + (int64_t)i * out->bucket_seconds;
    struct store *s = core_store();
    struct store_conn *c = s != NULL ? store_reader(s) : NULL;
    if (c == NULL)
        return KASSA_EIO;
    kassa_err err = overview_read(c, out);
    store_release(c);
    for (int i = 0; i < out->n_currencies; i++) {
        out->created += out->currencies[i].created;
        out->completed += out->currencies[i].completed;
    }
    return err;
}
