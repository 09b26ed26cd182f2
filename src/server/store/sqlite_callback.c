/* sqlite_callback.c: the SQLite side of callback delivery (store.h,
 * "callbacks"): planning events into callbacks, claiming due callbacks
 * with a lease, recording attempts, and the operator's views.
 *
 * One node writes an SQLite file, so a claim is a plain SELECT then UPDATE
 * inside the writer's transaction; the lease columns still carry the owner
 * and expiry so the semantics match the PostgreSQL backend's
 * FOR UPDATE SKIP LOCKED claim. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/log.h"
#include "sqlite_internal.h"

enum {
    S_EVENTS_UNPLANNED = SLOTS_CALLBACK,
    S_EVENT_PLANNED,
    S_CB_INSERT,
    S_CB_DUE,
    S_CB_LEASE,
    S_CB_BY_ID,
    S_CB_RECORD_ATTEMPT,
    S_CB_RECORD_OUTCOME,
    S_CB_EXISTS,
    S_CB_UNLEASE,
    S_CB_RESEND,
    S_CB_BY_ORDER,
    S_CB_ATTEMPTS,
    S_CB_STATS,
    S_CB_ATTEMPT_COUNT,
    S_CALLBACK_END_,
};
_Static_assert((int)S_CALLBACK_END_ <= (int)SQLITE_STMT_SLOTS, "callback statements overflow");

#define CB_SELECT                                                                                  \
    "SELECT cb.id, cb.event_id, cb.order_id, cb.shop_id, cb.receiver, COALESCE(e.kind, ''), "      \
    "cb.url, cb.content_type, cb.body, cb.state, cb.attempts, cb.step, cb.base_at, "               \
    "COALESCE(cb.next_attempt_at, 0), COALESCE(cb.lease_owner, ''), "                              \
    "COALESCE(cb.lease_until, 0), cb.claim_seq, cb.created_at, cb.updated_at "                     \
    "FROM callbacks cb LEFT JOIN events e ON e.id = cb.event_id "

static sqlite3_stmt *st_(struct sqlite_conn *c, int slot)
{
    static const char *const sql[] = {
        [S_EVENTS_UNPLANNED - SLOTS_CALLBACK] =
            "SELECT id, shop_id, order_id, kind, status, created_at FROM events "
            "WHERE planned = 0 ORDER BY id LIMIT ?1",
        [S_EVENT_PLANNED - SLOTS_CALLBACK] = "UPDATE events SET planned = ?2 WHERE id = ?1",
        [S_CB_INSERT - SLOTS_CALLBACK] =
            "INSERT INTO callbacks(event_id, order_id, shop_id, receiver, url, content_type, "
            "body, state, attempts, step, base_at, next_attempt_at, claim_seq, created_at, "
            "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, 0, ?8, ?9, 0, ?10, "
            "?10)",
        [S_CB_DUE - SLOTS_CALLBACK] =
            "SELECT id FROM callbacks WHERE state = 'pending' AND next_attempt_at <= ?1 "
            "AND (lease_until IS NULL OR lease_until <= ?1) ORDER BY next_attempt_at, id "
            "LIMIT ?2",
        [S_CB_LEASE - SLOTS_CALLBACK] =
            "UPDATE callbacks SET lease_owner = ?2, lease_until = ?3, claim_seq = claim_seq + 1 "
            "WHERE id = ?1",
        [S_CB_BY_ID - SLOTS_CALLBACK] = CB_SELECT "WHERE cb.id = ?1",
        [S_CB_RECORD_ATTEMPT - SLOTS_CALLBACK] =
            "INSERT INTO callback_attempts(callback_id, at, url, http_status, error, "
            "latency_ms, response) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        [S_CB_RECORD_OUTCOME - SLOTS_CALLBACK] =
            "UPDATE callbacks SET state = ?4, attempts = ?5, step = ?6, "
            "next_attempt_at = NULLIF(?7, 0), updated_at = ?8, lease_owner = NULL, "
            "lease_until = NULL WHERE id = ?1 AND lease_owner = ?2 AND claim_seq = ?3",
        [S_CB_EXISTS - SLOTS_CALLBACK] = "SELECT 1 FROM callbacks WHERE id = ?1",
        [S_CB_UNLEASE - SLOTS_CALLBACK] =
            "UPDATE callbacks SET lease_owner = NULL, lease_until = NULL "
            "WHERE id = ?1 AND lease_owner = ?2 AND claim_seq = ?3",
        [S_CB_RESEND - SLOTS_CALLBACK] =
            "UPDATE callbacks SET state = 'pending', step = 0, base_at = ?2, "
            "next_attempt_at = ?2, lease_owner = NULL, lease_until = NULL, "
            "claim_seq = claim_seq + 1, updated_at = ?2 WHERE id = ?1",
        [S_CB_BY_ORDER - SLOTS_CALLBACK] = CB_SELECT "WHERE cb.order_id = ?1 ORDER BY cb.id",
        [S_CB_ATTEMPTS - SLOTS_CALLBACK] =
            "SELECT id, callback_id, at, url, http_status, error, latency_ms, response "
            "FROM callback_attempts WHERE callback_id = ?1 ORDER BY id",
        [S_CB_STATS - SLOTS_CALLBACK] =
            "SELECT COALESCE(SUM(state = 'pending'), 0), "
            "COALESCE(SUM(state = 'pending' AND attempts > 0), 0), "
            "COALESCE(SUM(state = 'delivered'), 0), COALESCE(SUM(state = 'failed'), 0), "
            "COALESCE(SUM(state = 'refused'), 0) FROM callbacks",
        [S_CB_ATTEMPT_COUNT - SLOTS_CALLBACK] = "SELECT COUNT(*) FROM callback_attempts",
    };
    return sqlite_stmt(c, slot, sql[slot - SLOTS_CALLBACK]);
}

#define CONN(conn) struct sqlite_conn *c = container_of(conn, struct sqlite_conn, base)

/* Fill *cb from a CB_SELECT row. */
static void read_callback(sqlite3_stmt *st, struct callback *cb)
{
    memset(cb, 0, sizeof *cb);
    char state[16];
    cb->id = sqlite3_column_int64(st, 0);
    cb->event_id = sqlite3_column_int64(st, 1);
    cb->order_id = sqlite3_column_int64(st, 2);
    cb->shop_id = sqlite3_column_int64(st, 3);
    sqlite_col_text(st, 4, cb->receiver, sizeof cb->receiver);
    sqlite_col_text(st, 5, cb->event_kind, sizeof cb->event_kind);
    sqlite_col_text(st, 6, cb->url, sizeof cb->url);
    sqlite_col_text(st, 7, cb->content_type, sizeof cb->content_type);
    const void *body = sqlite3_column_blob(st, 8);
    size_t n = (size_t)sqlite3_column_bytes(st, 8);
    if (n >= sizeof cb->body)
        n = sizeof cb->body - 1;
    if (n)
        memcpy(cb->body, body, n);
    cb->body[n] = '\0';
    cb->body_len = n;
    sqlite_col_text(st, 9, state, sizeof state);
    int s = callback_state_parse(state);
    cb->state = s < 0 ? CALLBACK_PENDING : (enum callback_state)s;
    cb->attempts = sqlite3_column_int(st, 10);
    cb->step = sqlite3_column_int(st, 11);
    cb->base_at = sqlite3_column_int64(st, 12);
    cb->next_attempt_at = sqlite3_column_int64(st, 13);
    sqlite_col_text(st, 14, cb->lease_owner, sizeof cb->lease_owner);
    cb->lease_until = sqlite3_column_int64(st, 15);
    cb->claim_seq = sqlite3_column_int64(st, 16);
    cb->created_at = sqlite3_column_int64(st, 17);
    cb->updated_at = sqlite3_column_int64(st, 18);
}

kassa_err sqlite_events_unplanned(struct store_conn *base, int limit,
                                  bool (*fn)(void *arg, const struct event *e), void *arg)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_EVENTS_UNPLANNED);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int(st, 1, limit);
    kassa_err err = KASSA_OK;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct event e = {0};
        e.id = sqlite3_column_int64(st, 0);
        e.shop_id = sqlite3_column_int64(st, 1);
        e.order_id = sqlite3_column_int64(st, 2);
        sqlite_col_text(st, 3, e.kind, sizeof e.kind);
        e.status = sqlite3_column_int(st, 4);
        e.created_at = sqlite3_column_int64(st, 5);
        if (!fn(arg, &e))
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_event_planned(struct store_conn *base, int64_t event_id, int planned)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_EVENT_PLANNED);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, event_id);
    sqlite3_bind_int(st, 2, planned);
    return sqlite_run(c, st);
}

kassa_err sqlite_callback_insert(struct store_conn *base, struct callback *cb)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_CB_INSERT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, cb->event_id);
    sqlite3_bind_int64(st, 2, cb->order_id);
    sqlite3_bind_int64(st, 3, cb->shop_id);
    sqlite_bind_text(st, 4, cb->receiver);
    sqlite_bind_text(st, 5, cb->url);
    sqlite_bind_text(st, 6, cb->content_type);
    sqlite3_bind_blob(st, 7, cb->body, (int)cb->body_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, cb->base_at);
    sqlite3_bind_int64(st, 9, cb->next_attempt_at);
    sqlite3_bind_int64(st, 10, cb->created_at);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK)
        cb->id = sqlite3_last_insert_rowid(c->db);
    return err;
}

/* The callback `id` into *out: KASSA_ENOTFOUND or KASSA_EIO. */
static kassa_err get_callback(struct sqlite_conn *c, int64_t id, struct callback *out)
{
    sqlite3_stmt *st = st_(c, S_CB_BY_ID);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_OK;
    if (rc == SQLITE_ROW)
        read_callback(st, out);
    else if (rc == SQLITE_DONE)
        err = KASSA_ENOTFOUND;
    else
        err = sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}

kassa_err sqlite_callbacks_claim(struct store_conn *base, int64_t now, const char *owner,
                                 int64_t lease_until, int limit,
                                 bool (*fn)(void *arg, const struct callback *cb), void *arg)
{
    CONN(base);
    kassa_err err = KASSA_OK;
    int64_t *ids = NULL;
    struct callback *cb = NULL;
    int n = 0;
    if (limit <= 0)
        return KASSA_OK;
    ids = calloc((size_t)limit, sizeof *ids);
    cb = malloc(sizeof *cb);
    if (ids == NULL || cb == NULL) {
        err = KASSA_ENOMEM;
        goto out;
    }
    /* Collect first, then lease: no row is updated under a running select. */
    sqlite3_stmt *st = st_(c, S_CB_DUE);
    if (st == NULL) {
        err = KASSA_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    int rc = SQLITE_DONE;
    while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(st, 0);
    if (n < limit && rc != SQLITE_DONE)
        err = sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    if (err != KASSA_OK)
        goto out;
    bool more = true;
    for (int i = 0; i < n && more; i++) {
        sqlite3_stmt *up = st_(c, S_CB_LEASE);
        if (up == NULL) {
            err = KASSA_EIO;
            goto out;
        }
        sqlite3_bind_int64(up, 1, ids[i]);
        sqlite_bind_text(up, 2, owner);
        sqlite3_bind_int64(up, 3, lease_until);
        if ((err = sqlite_run(c, up)) != KASSA_OK)
            goto out;
        if ((err = get_callback(c, ids[i], cb)) != KASSA_OK)
            goto out;
        more = fn(arg, cb);
    }
out:
    free(ids);
    free(cb);
    return err;
}

kassa_err sqlite_callback_record(struct store_conn *base, const struct callback *cb,
                                 struct callback_attempt *a)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_CB_EXISTS);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, cb->id);
    int rc = sqlite3_step(st);
    sqlite_stmt_done(st);
    if (rc == SQLITE_DONE)
        return KASSA_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return sqlite_step_error(c, rc);

    st = st_(c, S_CB_RECORD_ATTEMPT);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, cb->id);
    sqlite3_bind_int64(st, 2, a->at);
    sqlite_bind_text(st, 3, a->url);
    sqlite3_bind_int(st, 4, a->http_status);
    sqlite_bind_text(st, 5, a->error);
    sqlite3_bind_int64(st, 6, a->latency_ms);
    sqlite3_bind_blob(st, 7, a->response, (int)a->response_len, SQLITE_STATIC);
    kassa_err err = sqlite_run(c, st);
    if (err != KASSA_OK)
        return err;
    a->id = sqlite3_last_insert_rowid(c->db);

    st = st_(c, S_CB_RECORD_OUTCOME);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, cb->id);
    sqlite_bind_text(st, 2, cb->lease_owner);
    sqlite3_bind_int64(st, 3, cb->claim_seq);
    sqlite_bind_text(st, 4, callback_state_name(cb->state));
    sqlite3_bind_int(st, 5, cb->attempts);
    sqlite3_bind_int(st, 6, cb->step);
    sqlite3_bind_int64(st, 7, cb->next_attempt_at);
    sqlite3_bind_int64(st, 8, cb->updated_at);
    if ((err = sqlite_run(c, st)) != KASSA_OK)
        return err;
    return sqlite3_changes(c->db) == 1 ? KASSA_OK : KASSA_ESTATE;
}

kassa_err sqlite_callback_unlease(struct store_conn *base, int64_t id, const char *owner,
                                  int64_t claim_seq)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_CB_UNLEASE);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, id);
    sqlite_bind_text(st, 2, owner);
    sqlite3_bind_int64(st, 3, claim_seq);
    return sqlite_run(c, st);
}

kassa_err sqlite_callback_resend(struct store_conn *base, int64_t id, int64_t now)
{
    CONN(base);
    sqlite3_stmt *st = st_(c, S_CB_RESEND);
    if (st == NULL)
        return KASSA_EIO;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    kassa_err err = sqlite_run(c, st);
    if (err == KASSA_OK && sqlite3_changes(c->db) != 1)
        err = KASSA_ENOTFOUND;
    return err;
}

kassa_err sqlite_callback_get(struct store_conn *base, int64_t id, struct callback *out)
{
    CONN(base);
    return get_callback(c, id, out);
}

kassa_err sqlite_callbacks_by_order(struct store_conn *base, int64_t order_id,
                                    bool (*fn)(void *arg, const struct callback *cb), void *arg)
{
    CONN(base);
    struct callback *cb = malloc(sizeof *cb);
    if (cb == NULL)
        return KASSA_ENOMEM;
    kassa_err err = KASSA_OK;
    sqlite3_stmt *st = st_(c, S_CB_BY_ORDER);
    if (st == NULL) {
        err = KASSA_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, order_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_callback(st, cb);
        if (!fn(arg, cb))
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
out:
    free(cb);
    return err;
}

kassa_err sqlite_callback_attempts(struct store_conn *base, int64_t callback_id,
                                   bool (*fn)(void *arg, const struct callback_attempt *a),
                                   void *arg)
{
    CONN(base);
    struct callback_attempt *a = malloc(sizeof *a);
    if (a == NULL)
        return KASSA_ENOMEM;
    kassa_err err = KASSA_OK;
    sqlite3_stmt *st = st_(c, S_CB_ATTEMPTS);
    if (st == NULL) {
        err = KASSA_EIO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, callback_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(a, 0, sizeof *a);
        a->id = sqlite3_column_int64(st, 0);
        a->callback_id = sqlite3_column_int64(st, 1);
        a->at = sqlite3_column_int64(st, 2);
        sqlite_col_text(st, 3, a->url, sizeof a->url);
        a->http_status = sqlite3_column_int(st, 4);
        sqlite_col_text(st, 5, a->error, sizeof a->error);
        a->latency_ms = sqlite3_column_int64(st, 6);
        const void *r = sqlite3_column_blob(st, 7);
        size_t n = (size_t)sqlite3_column_bytes(st, 7);
        if (n >= sizeof a->response)
            n = sizeof a->response - 1;
        if (n)
            memcpy(a->response, r, n);
        a->response[n] = '\0';
        a->response_len = n;
        if (!fn(arg, a))
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
out:
    free(a);
    return err;
}

kassa_err sqlite_callback_stats(struct store_conn *base, struct callback_stats *out)
{
    CONN(base);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = st_(c, S_CB_STATS);
    if (st == NULL)
        return KASSA_EIO;
    int rc = sqlite3_step(st);
    kassa_err err = KASSA_OK;
    if (rc == SQLITE_ROW) {
        out->pending = sqlite3_column_int64(st, 0);
        out->retrying = sqlite3_column_int64(st, 1);
        out->delivered = sqlite3_column_int64(st, 2);
        out->failed = sqlite3_column_int64(st, 3);
        out->refused = sqlite3_column_int64(st, 4);
    } else {
        err = sqlite_step_error(c, rc);
    }
    sqlite_stmt_done(st);
    if (err != KASSA_OK)
        return err;
    st = st_(c, S_CB_ATTEMPT_COUNT);
    if (st == NULL)
        return KASSA_EIO;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        out->attempts = sqlite3_column_int64(st, 0);
    else
        err = sqlite_step_error(c, rc);
    sqlite_stmt_done(st);
    return err;
}
