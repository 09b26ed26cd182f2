/* dispatcher.c: the callback dispatcher thread (dispatcher.h).
 *
 * One loop, on one thread, that never waits for the writer:
 *   1. plan: events not yet planned become callbacks rows;
 *   2. claim: due callbacks are leased to this node and started as libcurl
 *      easy handles on one multi handle;
 *   3. perform / poll the multi handle (<= 100 ms, woken by kicks and by
 *      finished writer commands);
 *   4. record: finished transfers' attempts and outcomes.
 * Steps 1, 2 and 4 are tasks submitted to the writer (writer_submit); their
 * `done` (on the writer thread) hands them back through a mutex-protected
 * list and curl_multi_wakeup, so transfers keep moving while a batch
 * commits. At most one plan and one claim are in flight at a time. Plan and
 * claim run at most every 100 ms of real time, or at once when kicked, when
 * a plan brought new callbacks or a claim came back full.
 *
 * At least once: an attempt is recorded only after its transfer finished;
 * a crash before the record commits leaves the lease to expire and the
 * callback is delivered again. Transfers that finish while a claim is in
 * flight are held back and recorded after it returns, so a re-claim of
 * theirs (the clock moved past the lease) is adopted into the record
 * instead of being delivered twice; and no claim is submitted while a
 * record is in flight, which with several writer threads (PostgreSQL)
 * could run before the record commits and re-claim its callbacks. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "base/crashpoint.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/metric.h"
#include "base/random.h"
#include "dialect/dialect.h"
#include "dispatcher.h"
#include "render.h"
#include "ssrf.h"

#define PLAN_BATCH 512
#define MAX_IN_FLIGHT 256
#define POLL_MS 100
#define LEASE_MARGIN_MS 30000

/* One transfer in flight. */
struct job {
    CURL *easy;
    struct callback cb;      /* as claimed (lease_owner, claim_seq) */
    struct shop_dialect row; /* the shop's row of the receiver: what signs an attempt */
    struct curl_slist *headers;
    struct callback_attempt attempt;
    struct buf response; /* the answer's first bytes: as many as attempt.response holds */
    bool ssrf_blocked;
    char ssrf_msg[160];
    char errbuf[CURL_ERROR_SIZE];
    struct job *next;
};

/* A dispatcher command handed to the writer. Owned by the dispatcher
 * thread except between writer_submit and its `done`, which puts it on
 * D.done for the dispatcher thread to handle and free. */
enum dcmd_kind { DCMD_PLAN, DCMD_CLAIM, DCMD_RECORD };

struct dcmd {
    struct store_task task; /* what the writer runs */
    struct writer_cmd wc;   /* task's entry in the writer's queue */
    enum dcmd_kind kind;
    kassa_err err;          /* the writer's result, set by done */
    struct dcmd *next_done; /* D.done link */
};

static struct {
    struct dispatcher_options opts;
    pthread_t thread;
    bool started;
    atomic_bool stopping;
    atomic_bool kicked;
    CURLM *multi;
    struct writer *writer;
    char owner[SHORT_SIZE];
    int64_t sched[CALLBACK_SCHEDULE_MAX];
    int nsched;
    struct job *in_flight; /* transfers on the multi handle (owned) */
    atomic_int n_in_flight;
    struct job *finished;       /* transfers done, attempt not yet submitted (owned) */
    pthread_mutex_t done_lock;  /* guards done */
    struct dcmd *done;          /* commands back from the writer, newest first */
    bool plan_busy, claim_busy; /* one of each in flight at most */
    int records_busy;           /* record commands in flight */
    bool want_plan, want_claim; /* look for events / due callbacks when free */
} D;

/* GET /metrics: every attempt by what it left the callback as, in the
 * order of enum callback_state (pending: it will be tried again). */
static const char *const outcomes[] = {"failed_retry", "delivered", "failed_final", "refused"};
static struct metric attempts = {
    .name = "kassa_callback_attempts_total",
    .help = "Callback delivery attempts by outcome: delivered (2xx), failed_retry (tried again "
            "later), failed_final (the schedule ran out), refused (410, or refused by kassa).",
    .type = METRIC_COUNTER,
    .n_labels = 1,
    .labels = {{.name = "outcome", .names = outcomes, .n = sizeof outcomes / sizeof outcomes[0]}},
};
static const uint64_t attempt_bounds_ms[] = {5,   10,   25,   50,   100,   250,
                                             500, 1000, 2500, 5000, 10000, 30000};
static struct metric attempt_seconds = {
    .name = "kassa_callback_attempt_duration_seconds",
    .help = "Time one callback delivery attempt took, whatever its outcome.",
    .type = METRIC_HISTOGRAM,
    .bounds = attempt_bounds_ms,
    .n_bounds = sizeof attempt_bounds_ms / sizeof attempt_bounds_ms[0],
    .scale = 1e3,
};

/* ---- schedule ----------------------------------------------------------- */

int callback_schedule_parse(const char *text, int64_t *out, int max, char *err, size_t errlen)
{
    int n = 0;
    const char *p = text;
    if (p == NULL || *p == '\0') {
        snprintf(err, errlen, "callback schedule: empty");
        return -1;
    }
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p < '0' || *p > '9') {
            snprintf(err, errlen, "callback schedule: expected seconds at \"%s\"", p);
            return -1;
        }
        char *end = NULL;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < 0 || v > 10LL * 365 * 86400) {
            snprintf(err, errlen, "callback schedule: bad value at \"%s\"", p);
            return -1;
        }
        if (n >= max) {
            snprintf(err, errlen, "callback schedule: more than %d attempts", max);
            return -1;
        }
        if (n > 0 && v < out[n - 1]) {
            snprintf(err, errlen, "callback schedule: %lld comes after %lld (must not decrease)", v,
                     (long long)out[n - 1]);
            return -1;
        }
        out[n++] = v;
        p = end;
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        if (*p != ',') {
            snprintf(err, errlen, "callback schedule: expected ',' at \"%s\"", p);
            return -1;
        }
        p++;
    }
    return n;
}

void callback_apply_result(struct callback *cb, enum attempt_result r, int http_status,
                           const int64_t *sched, int n, int64_t now)
{
    cb->attempts++;
    cb->updated_at = now;
    if (r == ATTEMPT_ANSWERED && http_status >= 200 && http_status <= 299) {
        cb->state = CALLBACK_DELIVERED;
        cb->next_attempt_at = 0;
        return;
    }
    if (r == ATTEMPT_REFUSED || (r == ATTEMPT_ANSWERED && http_status == 410)) {
        cb->state = CALLBACK_REFUSED;
        cb->next_attempt_at = 0;
        return;
    }
    cb->step++;
    while (cb->step < n && cb->base_at + sched[cb->step] * 1000 <= now)
        cb->step++;
    if (cb->step >= n) {
        cb->state = CALLBACK_FAILED;
        cb->next_attempt_at = 0;
        return;
    }
    cb->state = CALLBACK_PENDING;
    cb->next_attempt_at = cb->base_at + sched[cb->step] * 1000;
}

void dispatcher_counters(struct dispatcher_counters *out)
{
    out->delivered = metric_value(&attempts, CALLBACK_DELIVERED);
    out->retried = metric_value(&attempts, CALLBACK_PENDING);
    out->failed = metric_value(&attempts, CALLBACK_FAILED);
    out->refused = metric_value(&attempts, CALLBACK_REFUSED);
    out->attempts = out->delivered + out->retried + out->failed + out->refused;
    out->in_flight = D.n_in_flight;
}

/* ---- writer commands ---------------------------------------------------- */

struct plan_cmd {
    struct dcmd h;
    struct event events[PLAN_BATCH];
    int n;
    int planned; /* out: events looked at */
};

static bool collect_event(void *arg, const struct event *e)
{
    struct plan_cmd *cmd = arg;
    cmd->events[cmd->n++] = *e;
    return cmd->n < PLAN_BATCH;
}

/* Turn unplanned events into callbacks rows. */
static kassa_err plan_apply(struct store_conn *c, struct store_task *task)
{
    struct plan_cmd *cmd = container_of(task, struct plan_cmd, h.task);
    struct order *o = malloc(sizeof *o);
    struct shop *s = malloc(sizeof *s);
    struct callback *cb = malloc(sizeof *cb);
    kassa_err err = KASSA_OK;
    cmd->n = 0;
    cmd->planned = 0;
    if (o == NULL || s == NULL || cb == NULL) {
        err = KASSA_ENOMEM;
        goto out;
    }
    if ((err = STORE_CALL(c, events_unplanned, PLAN_BATCH, collect_event, cmd)) != KASSA_OK)
        goto out;
    int64_t now = clock_now_ms();
    int64_t shop_loaded = 0; /* the shop in *s, 0 when none */
    for (int i = 0; i < cmd->n; i++) {
        const struct event *e = &cmd->events[i];
        int planned = 2;
        kassa_err r = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, e->order_id, o);
        /* Events come in bursts from one shop: read it once per run. */
        if (r == KASSA_OK && o->shop_id != shop_loaded) {
            shop_loaded = 0;
            r = STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, o->shop_id, s);
            if (r == KASSA_OK)
                shop_loaded = o->shop_id;
        }
        if (r == KASSA_EIO) {
            err = r;
            goto out;
        }
        kassa_err rerr = KASSA_OK;
        if (r == KASSA_OK && callback_plan(e, o, s, cb, &rerr)) {
            cb->base_at = now;
            cb->next_attempt_at = now + D.sched[0] * 1000;
            cb->created_at = now;
            r = STORE_CALL(c, callback_insert, cb);
            if (r != KASSA_OK && r != KASSA_EEXIST) {
                err = r;
                goto out;
            }
            planned = 1;
        } else if (rerr != KASSA_OK) {
            log_warn("callback not renderable", "event=%lld order=%lld error=%s", (long long)e->id,
                     (long long)e->order_id, kassa_strerror(rerr));
        }
        if ((err = STORE_CALL(c, event_planned, e->id, planned)) != KASSA_OK)
            goto out;
        cmd->planned++;
    }
out:
    free(o);
    free(s);
    free(cb);
    return err;
}

struct claim_cmd {
    struct dcmd h;
    int limit;
    struct job *jobs; /* out: claimed, not yet started */
    bool nomem;
};

static bool collect_claim(void *arg, const struct callback *cb)
{
    struct claim_cmd *cmd = arg;
    struct job *j = calloc(1, sizeof *j);
    if (j == NULL) {
        cmd->nomem = true;
        return false;
    }
    j->cb = *cb;
    buf_init(&j->response, sizeof j->attempt.response - 1);
    j->next = cmd->jobs;
    cmd->jobs = j;
    return true;
}

static void job_free(struct job *j)
{
    if (j == NULL)
        return;
    if (j->easy != NULL) {
        curl_multi_remove_handle(D.multi, j->easy);
        curl_easy_cleanup(j->easy);
    }
    curl_slist_free_all(j->headers);
    buf_free(&j->response);
    free(j);
}

static void jobs_free(struct job *j)
{
    while (j != NULL) {
        struct job *next = j->next;
        job_free(j);
        j = next;
    }
}

/* Lease due callbacks to this node; load their shops' rows of their
 * receivers (the credentials a dialect signs attempts with). */
static kassa_err claim_apply(struct store_conn *c, struct store_task *task)
{
    struct claim_cmd *cmd = container_of(task, struct claim_cmd, h.task);
    /* apply may run again (store.h): the jobs of a rolled-back run claim
     * nothing any more, and would deliver twice. */
    jobs_free(cmd->jobs);
    cmd->jobs = NULL;
    cmd->nomem = false;
    struct shop *s = malloc(sizeof *s);
    kassa_err err = KASSA_OK;
    if (s == NULL)
        return KASSA_ENOMEM;
    int64_t now = clock_now_ms();
    int64_t lease = now + (int64_t)D.opts.timeout_s * 1000 + LEASE_MARGIN_MS;
    err = STORE_CALL(c, callbacks_claim, now, D.owner, lease, cmd->limit, collect_claim, cmd);
    if (cmd->jobs != NULL)
        CRASHPOINT("callback-claim"); /* claimed inside the transaction, not committed */
    int64_t shop_loaded = 0;          /* the shop in *s, 0 when none: read once per run */
    for (struct job *j = cmd->jobs; err == KASSA_OK && j != NULL; j = j->next) {
        kassa_err r = KASSA_OK;
        if (j->cb.shop_id != shop_loaded) {
            shop_loaded = 0;
            r = STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, j->cb.shop_id, s);
            if (r == KASSA_OK)
                shop_loaded = j->cb.shop_id;
        }
        if (r == KASSA_OK) {
            const struct shop_dialect *row = shop_dialect_find(s, j->cb.receiver);
            if (row != NULL)
                j->row = *row;
        } else if (r != KASSA_ENOTFOUND) {
            err = r;
        }
    }
    free(s);
    if (err != KASSA_OK) {
        jobs_free(cmd->jobs);
        cmd->jobs = NULL;
    }
    return err;
}

struct record_cmd {
    struct dcmd h;
    struct job *jobs;
};

static kassa_err record_apply(struct store_conn *c, struct store_task *task)
{
    struct record_cmd *cmd = container_of(task, struct record_cmd, h.task);
    for (struct job *j = cmd->jobs; j != NULL; j = j->next) {
        kassa_err r = STORE_CALL(c, callback_record, &j->cb, &j->attempt);
        if (r == KASSA_ESTATE || r == KASSA_ENOTFOUND) {
            log_info("callback outcome not stored: claim superseded", "callback=%lld",
                     (long long)j->cb.id);
            continue;
        }
        if (r != KASSA_OK)
            return r;
    }
    return KASSA_OK;
}

struct unlease_cmd {
    struct store_task task;
    struct job *jobs;
};

static kassa_err unlease_apply(struct store_conn *c, struct store_task *task)
{
    struct unlease_cmd *cmd = container_of(task, struct unlease_cmd, task);
    for (struct job *j = cmd->jobs; j != NULL; j = j->next) {
        kassa_err r = STORE_CALL(c, callback_unlease, j->cb.id, j->cb.lease_owner, j->cb.claim_seq);
        if (r != KASSA_OK)
            return r;
    }
    return KASSA_OK;
}

/* ---- transfers ---------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct job *j = arg;
    size_t n = size * nmemb;
    /* Keep what the attempt records (its first KiB), read and drop the
     * rest. Out of memory loses only this text, not the delivery. */
    size_t room = sizeof j->attempt.response - 1 - buf_len(&j->response);
    if (n > 0 && room > 0)
        (void)buf_add(&j->response, data, n < room ? n : room);
    return n;
}

/* The SSRF guard: sees the address libcurl is about to connect to. */
static curl_socket_t on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct job *j = arg;
    if (purpose == CURLSOCKTYPE_IPCXN) {
        enum ssrf_class cls = ssrf_classify_sockaddr(&addr->addr, addr->addrlen);
        if (!ssrf_allowed(cls, D.opts.allow_private)) {
            char ip[64];
            ssrf_addr_text(&addr->addr, ip, sizeof ip);
            j->ssrf_blocked = true;
            snprintf(j->ssrf_msg, sizeof j->ssrf_msg,
                     "refused by the SSRF guard: %s is a %s address "
                     "(see --allow-private-callbacks)",
                     ip, ssrf_class_name(cls));
            return CURL_SOCKET_BAD;
        }
    }
    return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

/* dialect_header_fn: "name: value" onto the job's headers. */
static bool add_signature_header(void *arg, const char *name, const char *value)
{
    struct job *j = arg;
    char line[URL_SIZE + 64];
    snprintf(line, sizeof line, "%s: %s", name, value);
    struct curl_slist *l = curl_slist_append(j->headers, line);
    if (l == NULL)
        return false;
    j->headers = l;
    return true;
}

static bool add_header(struct job *j, const char *fmt, const char *value)
{
    char line[URL_SIZE + 64];
    snprintf(line, sizeof line, fmt, value);
    struct curl_slist *l = curl_slist_append(j->headers, line);
    if (l == NULL)
        return false;
    j->headers = l;
    return true;
}

/* Build and add the job's transfer. false on failure (nothing added). */
static bool job_start(struct job *j)
{
    char event_id[32];
    const struct dialect *d = dialect_find(j->cb.receiver);
    snprintf(event_id, sizeof event_id, "%lld", (long long)j->cb.event_id);
    j->attempt.callback_id = j->cb.id;
    j->attempt.at = clock_now_ms();
    snprintf(j->attempt.url, sizeof j->attempt.url, "%s", j->cb.url);
    if (!add_header(j, "Content-Type: %s", j->cb.content_type))
        return false;
    /* A dialect that signs each attempt adds its headers (a body with its
     * own signature needs none). */
    if (d != NULL && d->merchant != NULL && d->merchant->callback_sign != NULL &&
        !d->merchant->callback_sign(&j->cb, &j->row, clock_now(), add_signature_header, j))
        return false;
    if (!add_header(j, "X-Kassa-Event-Id: %s", event_id) || !add_header(j, "%s", "Expect:"))
        return false;
    CURL *e = curl_easy_init();
    if (e == NULL)
        return false;
    j->easy = e;
    long timeout_ms = (long)D.opts.timeout_s * 1000;
    curl_easy_setopt(e, CURLOPT_URL, j->cb.url);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->cb.body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)j->cb.body_len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "kassa-callbacks/1");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_PROXY, ""); /* never through an environment proxy */
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, j);
    if (curl_multi_add_handle(D.multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        j->easy = NULL;
        return false;
    }
    return true;
}

/* A finished transfer: fill the attempt and the outcome into j. */
static void job_finish(struct job *j, CURLcode rc)
{
    long code = 0;
    curl_off_t total_us = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(j->easy, CURLINFO_TOTAL_TIME_T, &total_us);
    struct callback_attempt *a = &j->attempt;
    a->latency_ms = (int64_t)(total_us / 1000);
    a->response_len = buf_len(&j->response);
    if (a->response_len > 0)
        memcpy(a->response, buf_ptr(&j->response), a->response_len);
    a->response[a->response_len] = '\0';
    enum attempt_result r;
    if (rc == CURLE_OK) {
        r = ATTEMPT_ANSWERED;
        a->http_status = (int)code;
    } else if (j->ssrf_blocked && rc == CURLE_COULDNT_CONNECT) {
        r = ATTEMPT_REFUSED;
        snprintf(a->error, sizeof a->error, "%s", j->ssrf_msg);
    } else if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) {
        r = ATTEMPT_REFUSED;
        snprintf(a->error, sizeof a->error, "refused: %.200s (only http and https URLs)",
                 j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc));
    } else {
        r = ATTEMPT_FAILED;
        a->http_status = (int)code;
        snprintf(a->error, sizeof a->error, "%s",
                 j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc));
    }
    callback_apply_result(&j->cb, r, a->http_status, D.sched, D.nsched, clock_now_ms());
    metric_add(&attempts, (int)j->cb.state, 1);
    metric_observe(&attempt_seconds, 0, (uint64_t)a->latency_ms);
    /* A receiver URL may carry credentials (https://user:pass@host/):
     * the log gets them redacted. */
    char url[URL_SIZE];
    store_url_redacted(j->cb.url, url, sizeof url);
    log_info("callback attempt",
             "callback=%lld event=%lld url=\"%s\" status=%d error=\"%s\" "
             "latency_ms=%lld state=%s",
             (long long)j->cb.id, (long long)j->cb.event_id, url, a->http_status, a->error,
             (long long)a->latency_ms, callback_state_name(j->cb.state));
}

/* The job holding a claim of callback `id` here, in flight or finished and
 * not yet submitted for recording; NULL when none. */
static struct job *held_find(int64_t id)
{
    for (struct job *j = D.in_flight; j != NULL; j = j->next)
        if (j->cb.id == id)
            return j;
    for (struct job *j = D.finished; j != NULL; j = j->next)
        if (j->cb.id == id)
            return j;
    return NULL;
}

/* ---- the writer's hand-back --------------------------------------------- */

/* done of every dispatcher command, on a writer thread: queue it for the
 * dispatcher thread and wake it. */
static void on_writer_done(struct writer_cmd *wc, kassa_err err)
{
    struct dcmd *cmd = container_of(wc, struct dcmd, wc);
    cmd->err = err;
    pthread_mutex_lock(&D.done_lock);
    cmd->next_done = D.done;
    D.done = cmd;
    /* Wake while holding the lock: the dispatcher thread takes it before it
     * may exit, so the multi handle outlives this call. */
    curl_multi_wakeup(D.multi);
    pthread_mutex_unlock(&D.done_lock);
}

/* Hand cmd (owned by the writer until its done) to the writer. */
static void submit(struct dcmd *cmd, enum dcmd_kind kind,
                   kassa_err (*apply)(struct store_conn *, struct store_task *))
{
    cmd->kind = kind;
    cmd->task.run = apply;
    cmd->wc.task = &cmd->task;
    cmd->wc.done = on_writer_done;
    writer_submit(D.writer, &cmd->wc);
}

/* A plan came back: look again at once when it was full, and claim when it
 * planned anything. Frees cmd. */
static void plan_done(struct plan_cmd *cmd)
{
    D.plan_busy = false;
    if (cmd->h.err != KASSA_OK) {
        log_warn("callback planning failed", "error=%s", kassa_strerror(cmd->h.err));
    } else {
        if (cmd->planned >= PLAN_BATCH)
            D.want_plan = true;
        if (cmd->planned > 0)
            D.want_claim = true;
    }
    free(cmd);
}

/* A claim came back: start its transfers (when stopping, keep them unstarted
 * on in_flight to be given back). Frees cmd; the jobs move to in_flight. */
static void claim_done(struct claim_cmd *cmd)
{
    D.claim_busy = false;
    if (cmd->h.err != KASSA_OK) {
        log_warn("callback claim failed", "error=%s", kassa_strerror(cmd->h.err));
        jobs_free(cmd->jobs);
        free(cmd);
        return;
    }
    int claimed = 0;
    struct job *j = cmd->jobs;
    while (j != NULL) {
        struct job *next = j->next;
        struct job *dup = held_find(j->cb.id);
        claimed++;
        if (dup != NULL) {
            /* Re-claimed while held here (the clock moved past the lease):
             * keep the transfer or its result, adopt the new claim. */
            dup->cb.claim_seq = j->cb.claim_seq;
            snprintf(dup->cb.lease_owner, sizeof dup->cb.lease_owner, "%s", j->cb.lease_owner);
            job_free(j);
        } else if (atomic_load(&D.stopping) || job_start(j)) {
            j->next = D.in_flight;
            D.in_flight = j;
            D.n_in_flight++;
        } else {
            log_warn("cannot start a callback transfer", "callback=%lld", (long long)j->cb.id);
            job_free(j); /* the lease expires and it is claimed again */
        }
        j = next;
    }
    if (claimed >= cmd->limit)
        D.want_claim = true; /* more may be due */
    free(cmd);
}

/* Attempts came back recorded (or not: then the leases expire and the
 * callbacks are delivered again). Frees cmd and its jobs. */
static void record_done(struct record_cmd *cmd)
{
    D.records_busy--;
    if (cmd->h.err != KASSA_OK)
        log_warn("recording callback attempts failed; they will be repeated", "error=%s",
                 kassa_strerror(cmd->h.err));
    jobs_free(cmd->jobs);
    free(cmd);
}

/* Handle every command the writer handed back, oldest first. */
static void take_done(void)
{
    pthread_mutex_lock(&D.done_lock);
    struct dcmd *list = D.done;
    D.done = NULL;
    pthread_mutex_unlock(&D.done_lock);
    struct dcmd *oldest = NULL;
    while (list != NULL) {
        struct dcmd *next = list->next_done;
        list->next_done = oldest;
        oldest = list;
        list = next;
    }
    while (oldest != NULL) {
        struct dcmd *next = oldest->next_done;
        switch (oldest->kind) {
        case DCMD_PLAN:
            plan_done(container_of(oldest, struct plan_cmd, h));
            break;
        case DCMD_CLAIM:
            claim_done(container_of(oldest, struct claim_cmd, h));
            break;
        case DCMD_RECORD:
            record_done(container_of(oldest, struct record_cmd, h));
            break;
        }
        oldest = next;
    }
}

/* ---- the loop ------------------------------------------------------------ */

/* Take finished transfers off the multi handle onto D.finished. */
static void reap(void)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(D.multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct job *j = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        CURLcode rc = m->data.result;
        if (j == NULL)
            continue;
        job_finish(j, rc);
        CRASHPOINT("callback-delivered"); /* delivered, the attempt not recorded */
        for (struct job **p = &D.in_flight; *p != NULL; p = &(*p)->next) {
            if (*p == j) {
                *p = j->next;
                D.n_in_flight--;
                break;
            }
        }
        /* The connection goes back to the pool now, not when recorded. */
        curl_multi_remove_handle(D.multi, j->easy);
        curl_easy_cleanup(j->easy);
        j->easy = NULL;
        j->next = D.finished;
        D.finished = j;
    }
}

/* Submit what is wanted and free: the finished attempts (not while a claim
 * is in flight, see the top), a plan, a claim (not while a record is in
 * flight: the writer may run commands side by side). A failed allocation
 * leaves the wish for the next round. */
static void submit_work(void)
{
    if (D.finished != NULL && !D.claim_busy) {
        struct record_cmd *rec = calloc(1, sizeof *rec);
        if (rec != NULL) {
            rec->jobs = D.finished;
            D.finished = NULL;
            D.records_busy++;
            submit(&rec->h, DCMD_RECORD, record_apply);
        }
    }
    if (D.want_plan && !D.plan_busy) {
        struct plan_cmd *plan = calloc(1, sizeof *plan);
        if (plan != NULL) {
            D.want_plan = false;
            D.plan_busy = true;
            submit(&plan->h, DCMD_PLAN, plan_apply);
        }
    }
    int room = MAX_IN_FLIGHT - D.n_in_flight;
    /* With one writer thread a record queued before a claim commits first:
     * only several threads need the wait (it costs a commit per round). */
    bool record_first = D.records_busy > 0 && writer_threads(D.writer) > 1;
    if (D.want_claim && !D.claim_busy && !record_first && room > 0) {
        struct claim_cmd *claim = calloc(1, sizeof *claim);
        if (claim != NULL) {
            claim->limit = room;
            D.want_claim = false;
            D.claim_busy = true;
            submit(&claim->h, DCMD_CLAIM, claim_apply);
        }
    }
}

/* After the loop: wait for the commands in flight, record the finished
 * attempts and give the other claims back so a restart need not wait for
 * the leases to expire. */
static void drain(void)
{
    while (D.plan_busy || D.claim_busy || D.records_busy > 0) {
        take_done();
        curl_multi_poll(D.multi, NULL, 0, POLL_MS, NULL);
    }
    int running = 0;
    curl_multi_perform(D.multi, &running);
    reap();
    if (D.finished != NULL) {
        struct record_cmd rec = {.h.task.run = record_apply, .jobs = D.finished};
        if (writer_run(D.writer, &rec.h.task) != KASSA_OK)
            log_warn("recording callback attempts failed; they will be repeated");
        jobs_free(D.finished);
        D.finished = NULL;
    }
    if (D.in_flight != NULL) {
        struct unlease_cmd un = {.task.run = unlease_apply, .jobs = D.in_flight};
        if (writer_run(D.writer, &un.task) != KASSA_OK)
            log_warn("cannot release callback claims; they expire with their lease");
        jobs_free(D.in_flight);
        D.in_flight = NULL;
        D.n_in_flight = 0;
    }
}

static void *dispatcher_main(void *arg)
{
    pthread_setname_np(pthread_self(), "kassa-callback"); /* top -H, perf */
    (void)arg;
    int64_t last_scan = 0;
    while (!atomic_load(&D.stopping)) {
        take_done();
        int running = 0;
        curl_multi_perform(D.multi, &running);
        reap();
        int64_t now = clock_mono_ms();
        if (atomic_exchange(&D.kicked, false) || now - last_scan >= POLL_MS) {
            D.want_plan = true;
            D.want_claim = true;
            last_scan = now;
        }
        submit_work();
        int64_t wait = POLL_MS - (clock_mono_ms() - last_scan);
        if (wait < 1)
            wait = 1;
        curl_multi_poll(D.multi, NULL, 0, (int)wait, NULL);
    }
    drain();
    return NULL;
}

/* ---- start / stop ------------------------------------------------------- */

kassa_err dispatcher_start(struct writer *w, const struct dispatcher_options *opts)
{
    char err[256];
    D.opts = *opts;
    if (D.opts.timeout_s <= 0)
        D.opts.timeout_s = 15;
    if (D.opts.host_connections <= 0)
        D.opts.host_connections = 16;
    const char *sched = opts->schedule ? opts->schedule
                                       : "0,60,300,900,3600,10800,21600,43200,"
                                         "86400,172800,259200";
    D.nsched = callback_schedule_parse(sched, D.sched, CALLBACK_SCHEDULE_MAX, err, sizeof err);
    if (D.nsched < 0) {
        log_error("bad callback schedule", "error=\"%s\"", err);
        return KASSA_EINVAL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return KASSA_EIO;
    D.multi = curl_multi_init();
    if (D.multi == NULL)
        return KASSA_EIO;
    /* A merchant's server sees at most this many connections from us; the
     * other claimed transfers wait in libcurl's queue. */
    long host_connections = D.opts.host_connections;
    curl_multi_setopt(D.multi, CURLMOPT_MAX_HOST_CONNECTIONS, host_connections);
    curl_multi_setopt(D.multi, CURLMOPT_MAXCONNECTS, (long)MAX_IN_FLIGHT);
    char host[32] = "";
    gethostname(host, sizeof host - 1);
    char rnd[9];
    random_hex(rnd, 4, false);
    snprintf(D.owner, sizeof D.owner, "%s:%ld:%s", host, (long)getpid(), rnd);
    metric_register(&attempts);
    metric_register(&attempt_seconds);
    D.writer = w;
    D.done = NULL;
    D.plan_busy = D.claim_busy = false;
    D.records_busy = 0;
    D.want_plan = D.want_claim = false;
    pthread_mutex_init(&D.done_lock, NULL);
    atomic_store(&D.stopping, false);
    atomic_store(&D.kicked, true);
    if (pthread_create(&D.thread, NULL, dispatcher_main, NULL) != 0) {
        pthread_mutex_destroy(&D.done_lock);
        curl_multi_cleanup(D.multi);
        D.multi = NULL;
        return KASSA_EIO;
    }
    D.started = true;
    log_info("callback dispatcher started",
             "owner=%s attempts=%d timeout_s=%d "
             "host_connections=%ld allow_private=%d",
             D.owner, D.nsched, D.opts.timeout_s, host_connections, (int)D.opts.allow_private);
    return KASSA_OK;
}

void dispatcher_kick(void)
{
    atomic_store(&D.kicked, true);
    if (D.multi != NULL)
        curl_multi_wakeup(D.multi);
}

void dispatcher_stop(void)
{
    if (!D.started)
        return;
    atomic_store(&D.stopping, true);
    curl_multi_wakeup(D.multi);
    pthread_join(D.thread, NULL);
    curl_multi_cleanup(D.multi);
    curl_global_cleanup();
    pthread_mutex_destroy(&D.done_lock);
    D.multi = NULL;
    D.started = false;
}
