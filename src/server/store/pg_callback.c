/* pg_callback.c: the PostgreSQL side of callback delivery (store.h,
 * "callbacks"; twin of sqlite_callback.c).
 *
 * Several nodes run a dispatcher on one database. Planning selects events
 * FOR UPDATE SKIP LOCKED (one node plans an event, the others skip it until
 * that transaction ends), and a callback insert that meets an existing
 * (event_id, receiver) does nothing (KASSA_EEXIST without aborting the
 * transaction). Claiming is one statement: the due rows are picked FOR
 * UPDATE SKIP LOCKED and leased (owner, lease_until, claim_seq + 1) in the
 * same UPDATE, so two nodes never claim one row; a node that dies while
 * delivering leaves a lease that expires, and then another node claims the
 * row. Statement slots PG_SLOTS_CALLBACK.. (pg_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "pg_internal.h"

enum {
    S_EVENTS_UNPLANNED = PG_SLOTS_CALLBACK,
    S_EVENT_PLANNED,
    S_CB_INSERT,
    S_CB_CLAIM,
    S_CB_BY_ID,
    S_CB_RECORD_ATTEMPT,
    S_CB_RECORD_OUTCOME,
    S_CB_EXISTS,
    S_CB_UNLEASE,
    S_CB_RESEND,
    S_CB_BY_ORDER,
    S_CB_ATTEMPTS,
    S_CB_STATS,
    S_CALLBACK_END_,
};
_Static_assert((int)S_CALLBACK_END_ <= (int)PG_STMT_SLOTS, "callback statements overflow");

#define CB_COLUMNS                                                                                 \
    "cb.id, cb.event_id, cb.order_id, cb.shop_id, cb.receiver, COALESCE(e.kind, ''), "             \
    "cb.url, cb.content_type, cb.body, cb.state, cb.attempts, cb.step, cb.base_at, "               \
    "COALESCE(cb.next_attempt_at, 0), COALESCE(cb.lease_owner, ''), "                              \
    "COALESCE(cb.lease_until, 0), cb.claim_seq, cb.created_at, cb.updated_at "
#define CB_SELECT "SELECT " CB_COLUMNS "FROM callbacks cb LEFT JOIN events e ON e.id = cb.event_id "

static const char *const sql[] = {
    [S_EVENTS_UNPLANNED - PG_SLOTS_CALLBACK] =
        "SELECT id, shop_id, order_id, kind, status, created_at FROM events "
        "WHERE planned = 0 ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
    [S_EVENT_PLANNED - PG_SLOTS_CALLBACK] = "UPDATE events SET planned = $2 WHERE id = $1",
    [S_CB_INSERT - PG_SLOTS_CALLBACK] =
        "INSERT INTO callbacks(event_id, order_id, shop_id, receiver, url, content_type, "
        "body, state, attempts, step, base_at, next_attempt_at, claim_seq, created_at, "
        "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, 0, $8, $9, 0, $10, "
        "$10) ON CONFLICT (event_id, receiver) DO NOTHING RETURNING id",
    [S_CB_CLAIM - PG_SLOTS_CALLBACK] =
        "WITH cb AS (UPDATE callbacks SET lease_owner = $2, lease_until = $3, "
        "claim_seq = claim_seq + 1 WHERE id = ANY(ARRAY(SELECT id FROM callbacks "
        "WHERE state = 'pending' AND next_attempt_at <= $1 "
        "AND (lease_until IS NULL OR lease_until <= $1) ORDER BY next_attempt_at, id "
        "LIMIT $4 FOR UPDATE SKIP LOCKED)) RETURNING *) "
        "SELECT " CB_COLUMNS "FROM cb LEFT JOIN events e ON e.id = cb.event_id "
        "ORDER BY cb.next_attempt_at, cb.id",
    [S_CB_BY_ID - PG_SLOTS_CALLBACK] = CB_SELECT "WHERE cb.id = $1",
    [S_CB_RECORD_ATTEMPT - PG_SLOTS_CALLBACK] =
        "INSERT INTO callback_attempts(callback_id, at, url, http_status, error, "
        "latency_ms, response) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    [S_CB_RECORD_OUTCOME - PG_SLOTS_CALLBACK] =
        "UPDATE callbacks SET state = $4, attempts = $5, step = $6, "
        "next_attempt_at = NULLIF($7::bigint, 0), updated_at = $8, lease_owner = NULL, "
        "lease_until = NULL WHERE id = $1 AND lease_owner = $2 AND claim_seq = $3",
    [S_CB_EXISTS - PG_SLOTS_CALLBACK] = "SELECT 1 FROM callbacks WHERE id = $1",
    [S_CB_UNLEASE - PG_SLOTS_CALLBACK] =
        "UPDATE callbacks SET lease_owner = NULL, lease_until = NULL "
        "WHERE id = $1 AND lease_owner = $2 AND claim_seq = $3",
    [S_CB_RESEND - PG_SLOTS_CALLBACK] =
        "UPDATE callbacks SET state = 'pending', step = 0, base_at = $2, "
        "next_attempt_at = $2, lease_owner = NULL, lease_until = NULL, "
        "claim_seq = claim_seq + 1, updated_at = $2 WHERE id = $1",
    [S_CB_BY_ORDER - PG_SLOTS_CALLBACK] = CB_SELECT "WHERE cb.order_id = $1 ORDER BY cb.id",
    [S_CB_ATTEMPTS - PG_SLOTS_CALLBACK] =
        "SELECT id, callback_id, at, url, http_status, error, latency_ms, response "
        "FROM callback_attempts WHERE callback_id = $1 ORDER BY id",
    [S_CB_STATS - PG_SLOTS_CALLBACK] =
        "SELECT COUNT(*) FILTER (WHERE state = 'pending'), "
        "COUNT(*) FILTER (WHERE state = 'pending' AND attempts > 0), "
        "COUNT(*) FILTER (WHERE state = 'delivered'), COUNT(*) FILTER (WHERE state = 'failed'), "
        "COUNT(*) FILTER (WHERE state = 'refused'), "
        "(SELECT COUNT(*) FROM callback_attempts) FROM callbacks",
};

#define CONN(conn) struct pg_conn *c = container_of(conn, struct pg_conn, base)

static PGresult *exec_(struct pg_conn *c, int slot, const struct pg_params *p, kassa_err *err)
{
    return pg_exec(c, slot, sql[slot - PG_SLOTS_CALLBACK], p, err);
}

static kassa_err run_(struct pg_conn *c, int slot, const struct pg_params *p, int64_t *changed)
{
    return pg_run(c, slot, sql[slot - PG_SLOTS_CALLBACK], p, changed);
}

/* Fill *cb from a CB_COLUMNS row. */
static void read_callback(const PGresult *r, int row, struct callback *cb)
{
    memset(cb, 0, sizeof *cb);
    char state[16];
    cb->id = pg_i64(r, row, 0);
    cb->event_id = pg_i64(r, row, 1);
    cb->order_id = pg_i64(r, row, 2);
    cb->shop_id = pg_i64(r, row, 3);
    pg_text(r, row, 4, cb->receiver, sizeof cb->receiver);
    pg_text(r, row, 5, cb->event_kind, sizeof cb->event_kind);
    pg_text(r, row, 6, cb->url, sizeof cb->url);
    pg_text(r, row, 7, cb->content_type, sizeof cb->content_type);
    long n = pg_bytes(r, row, 8, cb->body, sizeof cb->body - 1);
    cb->body_len = n > 0 ? (size_t)n : 0;
    cb->body[cb->body_len] = '\0';
    pg_text(r, row, 9, state, sizeof state);
    int s = callback_state_parse(state);
    cb->state = s < 0 ? CALLBACK_PENDING : (enum callback_state)s;
    cb->attempts = (int)pg_i64(r, row, 10);
    cb->step = (int)pg_i64(r, row, 11);
    cb->base_at = pg_i64(r, row, 12);
    cb->next_attempt_at = pg_i64(r, row, 13);
    pg_text(r, row, 14, cb->lease_owner, sizeof cb->lease_owner);
    cb->lease_until = pg_i64(r, row, 15);
    cb->claim_seq = pg_i64(r, row, 16);
    cb->created_at = pg_i64(r, row, 17);
    cb->updated_at = pg_i64(r, row, 18);
}

/* Run a CB_COLUMNS query and pass every row to fn. */
static kassa_err each_callback(struct pg_conn *c, int slot, const struct pg_params *p,
                               bool (*fn)(void *arg, const struct callback *cb), void *arg)
{
    struct callback *cb = malloc(sizeof *cb);
    if (cb == NULL)
        return KASSA_ENOMEM;
    kassa_err err;
    PGresult *r = exec_(c, slot, p, &err);
    for (int i = 0; r != NULL && i < PQntuples(r); i++) {
        read_callback(r, i, cb);
        if (!fn(arg, cb))
            break;
    }
    PQclear(r);
    free(cb);
    return err;
}

kassa_err pg_events_unplanned(struct store_conn *base, int limit,
                              bool (*fn)(void *arg, const struct event *e), void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, limit);
    kassa_err err;
    PGresult *r = exec_(c, S_EVENTS_UNPLANNED, &p, &err);
    for (int i = 0; r != NULL && i < PQntuples(r); i++) {
        struct event e = {0};
        e.id = pg_i64(r, i, 0);
        e.shop_id = pg_i64(r, i, 1);
        e.order_id = pg_i64(r, i, 2);
        pg_text(r, i, 3, e.kind, sizeof e.kind);
        e.status = (int)pg_i64(r, i, 4);
        e.created_at = pg_i64(r, i, 5);
        if (!fn(arg, &e))
            break;
    }
    PQclear(r);
    return err;
}

kassa_err pg_event_planned(struct store_conn *base, int64_t event_id, int planned)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, event_id);
    pgp_i64(&p, planned);
    return run_(c, S_EVENT_PLANNED, &p, NULL);
}

kassa_err pg_callback_insert(struct store_conn *base, struct callback *cb)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, cb->event_id);
    pgp_i64(&p, cb->order_id);
    pgp_i64(&p, cb->shop_id);
    pgp_text(&p, cb->receiver);
    pgp_text(&p, cb->url);
    pgp_text(&p, cb->content_type);
    pgp_bytes(&p, cb->body, cb->body_len);
    pgp_i64(&p, cb->base_at);
    pgp_i64(&p, cb->next_attempt_at);
    pgp_i64(&p, cb->created_at);
    kassa_err err;
    PGresult *r = exec_(c, S_CB_INSERT, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 1)
        cb->id = pg_i64(r, 0, 0);
    else
        err = KASSA_EEXIST;
    PQclear(r);
    return err;
}

kassa_err pg_callbacks_claim(struct store_conn *base, int64_t now, const char *owner,
                             int64_t lease_until, int limit,
                             bool (*fn)(void *arg, const struct callback *cb), void *arg)
{
    CONN(base);
    if (limit <= 0)
        return KASSA_OK;
    struct pg_params p = {0};
    pgp_i64(&p, now);
    pgp_text(&p, owner);
    pgp_i64(&p, lease_until);
    pgp_i64(&p, limit);
    return each_callback(c, S_CB_CLAIM, &p, fn, arg);
}

kassa_err pg_callback_record(struct store_conn *base, const struct callback *cb,
                             struct callback_attempt *a)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, cb->id);
    kassa_err err;
    PGresult *r = exec_(c, S_CB_EXISTS, &p, &err);
    if (r == NULL)
        return err;
    bool exists = PQntuples(r) == 1;
    PQclear(r);
    if (!exists)
        return KASSA_ENOTFOUND;

    struct pg_params q = {0};
    pgp_i64(&q, cb->id);
    pgp_i64(&q, a->at);
    pgp_text(&q, a->url);
    pgp_i64(&q, a->http_status);
    pgp_text(&q, a->error);
    pgp_i64(&q, a->latency_ms);
    pgp_bytes(&q, a->response, a->response_len);
    if ((r = exec_(c, S_CB_RECORD_ATTEMPT, &q, &err)) == NULL)
        return err;
    a->id = PQntuples(r) == 1 ? pg_i64(r, 0, 0) : 0;
    PQclear(r);

    struct pg_params o = {0};
    pgp_i64(&o, cb->id);
    pgp_text(&o, cb->lease_owner);
    pgp_i64(&o, cb->claim_seq);
    pgp_text(&o, callback_state_name(cb->state));
    pgp_i64(&o, cb->attempts);
    pgp_i64(&o, cb->step);
    pgp_i64(&o, cb->next_attempt_at);
    pgp_i64(&o, cb->updated_at);
    int64_t n = 0;
    if ((err = run_(c, S_CB_RECORD_OUTCOME, &o, &n)) != KASSA_OK)
        return err;
    return n == 1 ? KASSA_OK : KASSA_ESTATE;
}

kassa_err pg_callback_unlease(struct store_conn *base, int64_t id, const char *owner,
                              int64_t claim_seq)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, id);
    pgp_text(&p, owner);
    pgp_i64(&p, claim_seq);
    return run_(c, S_CB_UNLEASE, &p, NULL);
}

kassa_err pg_callback_resend(struct store_conn *base, int64_t id, int64_t now)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, id);
    pgp_i64(&p, now);
    int64_t n = 0;
    kassa_err err = run_(c, S_CB_RESEND, &p, &n);
    if (err == KASSA_OK && n != 1)
        err = KASSA_ENOTFOUND;
    return err;
}

static bool copy_one(void *arg, const struct callback *cb)
{
    *(struct callback *)arg = *cb;
    return false;
}

kassa_err pg_callback_get(struct store_conn *base, int64_t id, struct callback *out)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, id);
    out->id = 0;
    kassa_err err = each_callback(c, S_CB_BY_ID, &p, copy_one, out);
    if (err == KASSA_OK && out->id != id)
        err = KASSA_ENOTFOUND;
    return err;
}

kassa_err pg_callbacks_by_order(struct store_conn *base, int64_t order_id,
                                bool (*fn)(void *arg, const struct callback *cb), void *arg)
{
    CONN(base);
    struct pg_params p = {0};
    pgp_i64(&p, order_id);
    return each_callback(c, S_CB_BY_ORDER, &p, fn, arg);
}

kassa_err pg_callback_attempts(struct store_conn *base, int64_t callback_id,
                               bool (*fn)(void *arg, const struct callback_attempt *a), void *arg)
{
    CONN(base);
    struct callback_attempt *a = malloc(sizeof *a);
    if (a == NULL)
        return KASSA_ENOMEM;
    struct pg_params p = {0};
    pgp_i64(&p, callback_id);
    kassa_err err;
    PGresult *r = exec_(c, S_CB_ATTEMPTS, &p, &err);
    for (int i = 0; r != NULL && i < PQntuples(r); i++) {
        memset(a, 0, sizeof *a);
        a->id = pg_i64(r, i, 0);
        a->callback_id = pg_i64(r, i, 1);
        a->at = pg_i64(r, i, 2);
        pg_text(r, i, 3, a->url, sizeof a->url);
        a->http_status = (int)pg_i64(r, i, 4);
        pg_text(r, i, 5, a->error, sizeof a->error);
        a->latency_ms = pg_i64(r, i, 6);
        long n = pg_bytes(r, i, 7, a->response, sizeof a->response - 1);
        a->response_len = n > 0 ? (size_t)n : 0;
        a->response[a->response_len] = '\0';
        if (!fn(arg, a))
            break;
    }
    PQclear(r);
    free(a);
    return err;
}

kassa_err pg_callback_stats(struct store_conn *base, struct callback_stats *out)
{
    CONN(base);
    memset(out, 0, sizeof *out);
    kassa_err err;
    PGresult *r = exec_(c, S_CB_STATS, NULL, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) == 1) {
        out->pending = pg_i64(r, 0, 0);
        out->retrying = pg_i64(r, 0, 1);
        out->delivered = pg_i64(r, 0, 2);
        out->failed = pg_i64(r, 0, 3);
        out->refused = pg_i64(r, 0, 4);
        out->attempts = pg_i64(r, 0, 5);
    } else {
        err = KASSA_EIO;
    }
    PQclear(r);
    return err;
}
