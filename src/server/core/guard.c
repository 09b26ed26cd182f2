/* guard.c: failed authentications per client address and per key, across
 * kassad nodes, and each shop's request rate (see core.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/ratelimit.h"
#include "core.h"
#include "query.h"

/* ---- failed authentications ---------------------------------------------- */

static struct ratelimit by_addr, by_key;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

/* When the last failure was (clock_mono_ms; 0: never): while none happened
 * within a window no key can be locked, and a request costs no look-up
 * (no lock taken on the hot path). A lock learnt from another node sets it
 * too. */
static _Atomic int64_t last_fail;

static void guard_init(void)
{
    const struct core_settings *s = core_settings();
    ratelimit_init(&by_addr, s->auth_fail_limit, s->auth_fail_window);
    ratelimit_init(&by_key, s->auth_fail_limit, s->auth_fail_window);
}

/* The keys of the two tables: "<scope>@<address>", "<scope>:<key>" (a
 * guesser at one API is not locked out of another: an operator behind the
 * same address as a misconfigured merchant keeps the admin API). */
static void key_of(char *out, size_t size, const char *scope, const char *key)
{
    snprintf(out, size, "%s:%s", scope, key);
}

static void addr_key_of(char *out, size_t size, const char *scope, const char *addr)
{
    snprintf(out, size, "%s@%s", scope, addr);
}

bool guard_active(void)
{
    int64_t last = atomic_load_explicit(&last_fail, memory_order_relaxed);
    return last != 0 && clock_mono_ms() - last < (int64_t)core_settings()->auth_fail_window * 1000;
}

bool guard_locked(const char *scope, const char *addr, const char *key, int *retry_s)
{
    int64_t now = clock_mono_ms();
    int64_t last = atomic_load_explicit(&last_fail, memory_order_relaxed);
    int window_ms = core_settings()->auth_fail_window * 1000;
    if (last == 0 || now - last >= window_ms)
        return false;
    pthread_once(&guard_once, guard_init);
    char k[RATELIMIT_KEY];
    if (addr != NULL && addr[0] != '\0') {
        addr_key_of(k, sizeof k, scope, addr);
        if (ratelimit_locked(&by_addr, k, now, retry_s))
            return true;
    }
    if (key != NULL && key[0] != '\0') {
        key_of(k, sizeof k, scope, key);
        if (ratelimit_locked(&by_key, k, now, retry_s))
            return true;
    }
    return false;
}

/* Failures counted here since the last sync, for the other nodes (a
 * bounded list: beyond it a failure counts here only). */
#define PENDING_MAX 256
static pthread_mutex_t pending_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char key[RATELIMIT_KEY];
    int count;
} pending[PENDING_MAX];
static int n_pending;

static void note_pending(const char *k)
{
    pthread_mutex_lock(&pending_mu);
    int i = 0;
    while (i < n_pending && strcmp(pending[i].key, k) != 0)
        i++;
    if (i == n_pending && n_pending < PENDING_MAX)
        core_copy(pending[n_pending++].key, RATELIMIT_KEY, k);
    if (i < n_pending)
        pending[i].count++;
    pthread_mutex_unlock(&pending_mu);
}

void guard_fail(const char *scope, const char *addr, const char *key)
{
    pthread_once(&guard_once, guard_init);
    int64_t now = clock_mono_ms();
    atomic_store_explicit(&last_fail, now > 0 ? now : 1, memory_order_relaxed);
    char k[RATELIMIT_KEY];
    if (addr != NULL && addr[0] != '\0') {
        addr_key_of(k, sizeof k, scope, addr);
        ratelimit_fail(&by_addr, k, now);
        note_pending(k);
    }
    if (key != NULL && key[0] != '\0') {
        key_of(k, sizeof k, scope, key);
        ratelimit_fail(&by_key, k, now);
        note_pending(k);
    }
}

/* One sync: this node's new failures added to the shared counts of the
 * current window, then the keys any node counted to the limit locked here
 * too. */
struct sync_cmd {
    struct store_task task;
    int64_t window_start;
    int n;
    char keys[PENDING_MAX][RATELIMIT_KEY];
    int counts[PENDING_MAX];
    bool pull;
    int n_locked;
    char locked[PENDING_MAX][RATELIMIT_KEY];
};

static bool locked_key(void *arg, const char *key)
{
    struct sync_cmd *cmd = arg;
    if (cmd->n_locked == PENDING_MAX)
        return false;
    core_copy(cmd->locked[cmd->n_locked++], RATELIMIT_KEY, key);
    return true;
}

static kassa_err sync_apply(struct store_conn *c, struct store_task *task)
{
    struct sync_cmd *cmd = container_of(task, struct sync_cmd, task);
    const struct core_settings *s = core_settings();
    kassa_err err = KASSA_OK;
    cmd->n_locked = 0;
    for (int i = 0; i < cmd->n && err == KASSA_OK; i++)
        err = store_auth_failures_add(c, cmd->keys[i], cmd->window_start, cmd->counts[i]);
    if (err == KASSA_OK && cmd->pull)
        err = store_auth_failures_locked(c, cmd->window_start, s->auth_fail_limit, locked_key, cmd);
    if (err == KASSA_OK && cmd->n > 0) /* the table grows only with failures */
        err = store_auth_failures_prune(c, cmd->window_start - s->auth_fail_window);
    return err;
}

void guard_sync(core_run_fn run, bool pull)
{
    struct sync_cmd *cmd = calloc(1, sizeof *cmd);
    if (cmd == NULL)
        return;
    pthread_mutex_lock(&pending_mu);
    for (int i = 0; i < n_pending; i++) {
        core_copy(cmd->keys[i], RATELIMIT_KEY, pending[i].key);
        cmd->counts[i] = pending[i].count;
    }
    cmd->n = n_pending;
    n_pending = 0;
    pthread_mutex_unlock(&pending_mu);
    int window = core_settings()->auth_fail_window;
    cmd->window_start = clock_now() / window * window;
    cmd->pull = pull;
    cmd->task.run = sync_apply;
    if ((cmd->n > 0 || pull) && run(&cmd->task) == KASSA_OK && cmd->n_locked > 0) {
        pthread_once(&guard_once, guard_init);
        int64_t now = clock_mono_ms();
        for (int i = 0; i < cmd->n_locked; i++) {
            /* "<scope>@<address>" or "<scope>:<key>": the first of the two. */
            bool addr = cmd->locked[i][strcspn(cmd->locked[i], ":@")] == '@';
            int retry;
            struct ratelimit *rl = addr ? &by_addr : &by_key;
            if (!ratelimit_locked(rl, cmd->locked[i], now, &retry)) {
                ratelimit_lock(rl, cmd->locked[i], now);
                log_warn("locked out by the failures of every node", "key=%s", cmd->locked[i]);
            }
        }
        atomic_store_explicit(&last_fail, now > 0 ? now : 1, memory_order_relaxed);
    }
    free(cmd);
}

/* ---- a shop's request rate ----------------------------------------------- */

/* Token buckets by shop id in a fixed table, under striped locks: a shop
 * without a limit costs nothing; one with a limit a short critical
 * section. A slot taken by another shop (a collision) starts full. */
#define BUCKETS 4096
#define STRIPES 64

static pthread_mutex_t stripes[STRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;
static struct {
    int64_t shop_id;
    int64_t at_us;   /* when the bucket was last filled */
    int64_t level_m; /* tokens, in thousandths */
} buckets[BUCKETS];

static void stripes_init(void)
{
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&stripes[i], NULL);
}

bool shop_rate_take(const struct shop *s, int *retry_s)
{
    if (s->rate_limit <= 0)
        return true;
    pthread_once(&stripes_once, stripes_init);
    int64_t now = clock_mono_ms() * 1000;
    int64_t cap = (int64_t)(s->rate_burst > 0 ? s->rate_burst : s->rate_limit) * 1000;
    size_t slot = (size_t)((uint64_t)s->id * 0x9E3779B97F4A7C15ull >> 52) % BUCKETS;
    pthread_mutex_t *mu = &stripes[slot % STRIPES];
    pthread_mutex_lock(mu);
    if (buckets[slot].shop_id != s->id) {
        buckets[slot].shop_id = s->id;
        buckets[slot].at_us = now;
        buckets[slot].level_m = cap;
    }
    int64_t gained = (now - buckets[slot].at_us) * s->rate_limit / 1000;
    int64_t level = buckets[slot].level_m + gained;
    if (level > cap)
        level = cap;
    buckets[slot].at_us = now;
    bool ok = level >= 1000;
    buckets[slot].level_m = ok ? level - 1000 : level;
    pthread_mutex_unlock(mu);
    if (!ok && retry_s != NULL)
        *retry_s = 1;
    return ok;
}
