/* disputes.c: disputes, their log and their evidence's descriptions over
 * query_rows (one text per statement, sql/disputes.h). */
#include <stdlib.h>

#include "run.h"
#include "sql/disputes.h"
#include "store.h"

kassa_err store_dispute_insert(struct store_conn *c, struct dispute *d)
{
    struct sql_query *q = store_query_new(SQL_DISPUTE_INSERT);
    if (q != NULL) {
        store_query_text(q, d->uuid);
        store_query_i64(q, d->order_id);
        store_query_i64(q, d->shop_id);
        store_query_i64(q, d->amount);
        store_query_text(q, d->comment);
        store_query_text(q, dispute_status_name(d->status));
        store_query_text(q, dispute_party_name(d->initiator));
        store_query_text(q, dispute_awaiting_name(d->awaiting));
        store_query_text(q, d->reject_reason);
        store_query_i64(q, d->ttl);
        store_query_i64(q, d->deadline);
        store_query_i64(q, d->paused_at);
        store_query_i64(q, d->pause_duration);
        store_query_i64(q, d->reopened_at);
        store_query_i64(q, d->amount_received);
        store_query_i64(q, d->created_at);
        store_query_i64(q, d->modified_at);
    }
    d->id = 0;
    kassa_err err = store_query_run(c, q, store_row_id, &d->id);
    return err == KASSA_OK && d->id == 0 ? KASSA_EIO : err;
}

kassa_err store_dispute_update(struct store_conn *c, const struct dispute *d,
                               enum dispute_status old_status, enum dispute_awaiting old_awaiting)
{
    struct sql_query *q = store_query_new(SQL_DISPUTE_UPDATE);
    if (q != NULL) {
        store_query_i64(q, d->id);
        store_query_i64(q, d->amount);
        store_query_text(q, d->comment);
        store_query_text(q, dispute_status_name(d->status));
        store_query_text(q, dispute_awaiting_name(d->awaiting));
        store_query_text(q, d->reject_reason);
        store_query_i64(q, d->deadline);
        store_query_i64(q, d->paused_at);
        store_query_i64(q, d->pause_duration);
        store_query_i64(q, d->reopened_at);
        store_query_i64(q, d->amount_received);
        store_query_i64(q, d->modified_at);
        store_query_text(q, dispute_status_name(old_status));
        store_query_text(q, dispute_awaiting_name(old_awaiting));
    }
    int64_t id = 0;
    kassa_err err = store_query_run(c, q, store_row_id, &id);
    return err == KASSA_OK && id == 0 ? KASSA_ESTATE : err;
}

struct one_dispute {
    struct dispute *out;
    bool found;
};

static bool dispute_found(void *arg, const struct sql_row *r)
{
    struct one_dispute *o = arg;
    sql_read_dispute(r, o->out);
    o->found = true;
    return false;
}

kassa_err store_dispute_get(struct store_conn *c, enum dispute_key by, int64_t id, const char *uuid,
                            struct dispute *out)
{
    static const char *const sql[] = {
        [DISPUTE_BY_ID] = SQL_DISPUTE_BY_ID,
        [DISPUTE_BY_UUID] = SQL_DISPUTE_BY_UUID,
        [DISPUTE_BY_ORDER] = SQL_DISPUTE_BY_ORDER,
    };
    struct sql_query *q = store_query_new(sql[by]);
    if (q != NULL) {
        if (by == DISPUTE_BY_UUID)
            store_query_text(q, uuid);
        else
            store_query_i64(q, id);
    }
    struct one_dispute o = {out, false};
    kassa_err err = store_query_run(c, q, dispute_found, &o);
    return err == KASSA_OK && !o.found ? KASSA_ENOTFOUND : err;
}

struct dispute_visit {
    store_dispute_fn fn;
    void *arg;
};

static bool dispute_row(void *arg, const struct sql_row *r)
{
    struct dispute_visit *v = arg;
    struct dispute *d = malloc(sizeof *d);
    if (d == NULL)
        return false;
    sql_read_dispute(r, d);
    bool more = v->fn(v->arg, d);
    free(d);
    return more;
}

kassa_err store_disputes_list(struct store_conn *c, const struct dispute_filter *f,
                              store_dispute_fn fn, void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q != NULL)
        sql_disputes_list(f, q);
    struct dispute_visit v = {fn, arg};
    return store_query_run(c, q, dispute_row, &v);
}

struct ids {
    int64_t *ids;
    int n, max;
};

static bool id_row(void *arg, const struct sql_row *r)
{
    struct ids *x = arg;
    if (x->n < x->max)
        x->ids[x->n++] = r->ops->i64(r, 0);
    return x->n < x->max;
}

kassa_err store_disputes_due(struct store_conn *c, int64_t now, int limit, int64_t *ids, int *n)
{
    struct sql_query *q = store_query_new(SQL_DISPUTES_DUE);
    if (q != NULL) {
        store_query_i64(q, now);
        store_query_i64(q, limit);
    }
    struct ids x = {ids, 0, limit};
    kassa_err err = store_query_run(c, q, id_row, &x);
    *n = x.n;
    return err;
}

kassa_err store_dispute_log_insert(struct store_conn *c, struct dispute_log *l)
{
    struct sql_query *q = store_query_new(SQL_DISPUTE_LOG_INSERT);
    if (q != NULL) {
        store_query_text(q, l->uuid);
        store_query_i64(q, l->dispute_id);
        store_query_text(q, dispute_party_name(l->actor));
        store_query_text(q, dispute_status_name(l->status));
        store_query_text(q, l->details);
        store_query_i64(q, l->created_at);
    }
    l->id = 0;
    kassa_err err = store_query_run(c, q, store_row_id, &l->id);
    return err == KASSA_OK && l->id == 0 ? KASSA_EIO : err;
}

struct log_visit {
    store_dispute_log_fn fn;
    void *arg;
};

static bool log_row(void *arg, const struct sql_row *r)
{
    struct log_visit *v = arg;
    struct dispute_log l;
    sql_read_dispute_log(r, &l);
    return v->fn(v->arg, &l);
}

kassa_err store_dispute_logs(struct store_conn *c, int64_t dispute_id, store_dispute_log_fn fn,
                             void *arg)
{
    struct sql_query *q = store_query_new(SQL_DISPUTE_LOGS);
    if (q != NULL)
        store_query_i64(q, dispute_id);
    struct log_visit v = {fn, arg};
    return store_query_run(c, q, log_row, &v);
}

struct evidence_visit {
    store_dispute_evidence_fn fn;
    void *arg;
};

static bool evidence_row(void *arg, const struct sql_row *r)
{
    struct evidence_visit *v = arg;
    struct dispute_evidence e;
    sql_read_dispute_evidence(r, &e);
    return v->fn(v->arg, &e);
}

kassa_err store_dispute_evidence_list(struct store_conn *c, int64_t dispute_id,
                                      store_dispute_evidence_fn fn, void *arg)
{
    struct sql_query *q = store_query_new(SQL_DISPUTE_EVIDENCE_LIST);
    if (q != NULL)
        store_query_i64(q, dispute_id);
    struct evidence_visit v = {fn, arg};
    return store_query_run(c, q, evidence_row, &v);
}
