/* dispatcher.h: the callback dispatcher, the delivery side of the
 * transactional outbox (DESIGN.md "Durability and speed").
 *
 * Event rows commit with each order state change. One dispatcher thread
 * plans new events into callbacks (render.h decides receiver and body),
 * claims due callbacks with a lease, delivers them with libcurl's multi
 * interface (many in flight, connection reuse, bounded per-host
 * connections, config.callback_timeout, no redirects, http/https only,
 * the SSRF guard of ssrf.h on the address actually connected to), records
 * every attempt and schedules the next on the clock module
 * (config.callback_schedule: offsets in seconds from the first attempt).
 * Any 2xx: delivered; 410: refused; otherwise retried until the schedule
 * runs out: failed. At least once: a claim whose node died is claimed
 * again once its lease expires. All writes go through the writer. */
#ifndef KASSA_DISPATCHER_H
#define KASSA_DISPATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "txn/writer.h"
#include "kassa/error.h"

#define CALLBACK_SCHEDULE_MAX 64

/* How the dispatcher delivers (main.c fills it from the configuration). */
struct dispatcher_options {
    const char *schedule; /* attempts, seconds after the first, ascending; NULL: the default */
    int timeout_s;        /* one attempt's timeout (0: 15) */
    int host_connections; /* most connections to one receiver host (0: 16) */
    bool allow_private;   /* deliver to loopback and private addresses too */
};

/* Start the dispatcher thread (after the writer). KASSA_EINVAL when
 * opts->schedule does not parse, KASSA_EIO when libcurl or the thread
 * cannot start. */
kassa_err dispatcher_start(struct writer *w, const struct dispatcher_options *opts);

/* Stop: abort transfers in flight, give their claims back, join. Call
 * before writer_stop. Safe when not started. */
void dispatcher_stop(void);

/* Look for new events and due callbacks now (e.g. after a commit that
 * wrote events, or a resend) instead of at the next poll (<= 100 ms). */
void dispatcher_kick(void);

/* Parse a schedule "0,60,300" (seconds, non-decreasing, each >= 0, at
 * least one, at most `max`) into out. Returns the count, or -1 with a
 * message in err. */
int callback_schedule_parse(const char *text, int64_t *out, int max, char *err, size_t errlen);

/* How an attempt ended, as the schedule sees it. */
enum attempt_result {
    ATTEMPT_ANSWERED, /* an HTTP answer with http_status */
    ATTEMPT_FAILED,   /* transport error / timeout: retry */
    ATTEMPT_REFUSED,  /* refused by kassa (SSRF guard, URL not http/https): stop */
};

/* Apply one attempt's result to cb at `now` (ms) with `sched` (n offsets in
 * seconds from cb->base_at): attempts + 1; 2xx -> delivered; 410 or
 * ATTEMPT_REFUSED -> refused; otherwise the step advances past every slot
 * already due (one attempt stands for all missed slots), and the callback
 * is pending at base_at + sched[step] s, or failed when none is left. */
void callback_apply_result(struct callback *cb, enum attempt_result r, int http_status,
                           const int64_t *sched, int n, int64_t now);

/* Counters of this process (since start). */
struct dispatcher_counters {
    int64_t attempts, delivered, retried, failed, refused, in_flight;
};
void dispatcher_counters(struct dispatcher_counters *out);

#endif
