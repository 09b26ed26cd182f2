/* devices.c: devices, pairing codes and bank messages over query_rows
 * (one text per statement, sql/devices.h; see store.h). */
#include <stdlib.h>

#include "sql/devices.h"
#include "run.h"
#include "store.h"

struct one_row {
    void *out;
    void (*read)(const struct sql_row *r, void *out);
    bool found;
};

static bool one_found(void *arg, const struct sql_row *r)
{
    struct one_row *o = arg;
    o->read(r, o->out);
    o->found = true;
    return false;
}

static kassa_err run_one(struct store_conn *c, struct sql_query *q, struct one_row *o)
{
    kassa_err err = store_query_run(c, q, one_found, o);
    return err == KASSA_OK && !o->found ? KASSA_ENOTFOUND : err;
}

static void read_device(const struct sql_row *r, void *out)
{
    sql_read_device(r, out);
}

static void read_message(const struct sql_row *r, void *out)
{
    sql_read_bank_message(r, out);
}

static void read_id(const struct sql_row *r, void *out)
{
    *(int64_t *)out = r->ops->i64(r, 0);
}

kassa_err store_device_insert(struct store_conn *c, struct device *d)
{
    struct sql_query *q = store_query_new(SQL_DEVICE_INSERT);
    store_query_i64(q, d->trader_id);
    store_query_text(q, d->name);
    store_query_text(q, d->token_hash);
    store_query_text(q, d->secret);
    store_query_i64(q, d->created_at);
    d->id = 0;
    kassa_err err = store_query_run(c, q, store_row_id, &d->id);
    return err == KASSA_OK && d->id == 0 ? KASSA_EIO : err;
}

kassa_err store_device_get(struct store_conn *c, int64_t id, struct device *out)
{
    struct sql_query *q = store_query_new(SQL_DEVICE_BY_ID);
    store_query_i64(q, id);
    struct one_row o = {out, read_device, false};
    return run_one(c, q, &o);
}

kassa_err store_device_by_token(struct store_conn *c, const char *token_hash, struct device *out)
{
    struct sql_query *q = store_query_new(SQL_DEVICE_BY_TOKEN);
    store_query_text(q, token_hash);
    struct one_row o = {out, read_device, false};
    return run_one(c, q, &o);
}

kassa_err store_device_seen(struct store_conn *c, int64_t id, int64_t now)
{
    struct sql_query *q = store_query_new(SQL_DEVICE_SEEN);
    store_query_i64(q, id);
    store_query_i64(q, now);
    return store_query_run(c, q, store_row_none, NULL);
}

/* Run an UPDATE ... RETURNING id: KASSA_ENOTFOUND (or `none`) when it
 * changed no row. */
static kassa_err run_changed(struct store_conn *c, struct sql_query *q, kassa_err none)
{
    int64_t id = 0;
    struct one_row o = {&id, read_id, false};
    kassa_err err = run_one(c, q, &o);
    return err == KASSA_ENOTFOUND ? none : err;
}

kassa_err store_device_rotate(struct store_conn *c, int64_t id, const char *token_hash,
                              const char *secret)
{
    struct sql_query *q = store_query_new(SQL_DEVICE_ROTATE " RETURNING id");
    store_query_i64(q, id);
    store_query_text(q, token_hash);
    store_query_text(q, secret);
    return run_changed(c, q, KASSA_ENOTFOUND);
}

kassa_err store_device_revoke(struct store_conn *c, int64_t id, int64_t now)
{
    struct sql_query *q = store_query_new(SQL_DEVICE_REVOKE " RETURNING id");
    store_query_i64(q, id);
    store_query_i64(q, now);
    kassa_err err = run_changed(c, q, KASSA_ENOTFOUND);
    if (err != KASSA_OK)
        return err;
    q = store_query_new(SQL_DEVICE_UNBIND_ALL);
    store_query_i64(q, id);
    return store_query_run(c, q, store_row_none, NULL);
}

struct device_visit {
    store_device_fn fn;
    void *arg;
};

static bool device_row(void *arg, const struct sql_row *r)
{
    struct device_visit *v = arg;
    struct device d;
    sql_read_device(r, &d);
    return v->fn(v->arg, &d);
}

kassa_err store_devices_list(struct store_conn *c, int64_t trader_id, int64_t after_id, bool asc,
                             int limit, store_device_fn fn, void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    if (q != NULL)
        sql_devices_list(trader_id, after_id, asc, limit, q);
    struct device_visit v = {fn, arg};
    return store_query_run(c, q, device_row, &v);
}

struct id_list {
    int64_t *ids;
    int max, n;
};

static bool id_row(void *arg, const struct sql_row *r)
{
    struct id_list *l = arg;
    if (l->n >= l->max)
        return false;
    l->ids[l->n++] = r->ops->i64(r, 0);
    return true;
}

kassa_err store_device_requisites(struct store_conn *c, int64_t device_id, int64_t *ids, int max,
                                  int *n)
{
    struct sql_query *q = store_query_new(SQL_DEVICE_REQUISITES);
    store_query_i64(q, device_id);
    struct id_list l = {ids, max, 0};
    kassa_err err = store_query_run(c, q, id_row, &l);
    *n = l.n;
    return err;
}

kassa_err store_pairing_insert(struct store_conn *c, int64_t trader_id, const char *code_hash,
                               int64_t now, int64_t expires_at)
{
    struct sql_query *q = store_query_new(SQL_PAIRING_INSERT);
    store_query_i64(q, trader_id);
    store_query_text(q, code_hash);
    store_query_i64(q, now);
    store_query_i64(q, expires_at);
    int64_t id = 0;
    kassa_err err = store_query_run(c, q, store_row_id, &id);
    return err == KASSA_OK && id == 0 ? KASSA_EIO : err;
}

static void read_pairing(const struct sql_row *r, void *out)
{
    struct device_pairing *p = out;
    p->id = r->ops->i64(r, 0);
    p->trader_id = r->ops->i64(r, 1);
    p->expires_at = r->ops->i64(r, 2);
    p->used_at = r->ops->i64(r, 3);
}

kassa_err store_pairing_find(struct store_conn *c, const char *code_hash,
                             struct device_pairing *out)
{
    struct sql_query *q = store_query_new(SQL_PAIRING_BY_HASH);
    store_query_text(q, code_hash);
    struct one_row o = {out, read_pairing, false};
    return run_one(c, q, &o);
}

kassa_err store_pairing_use(struct store_conn *c, int64_t id, int64_t now, int64_t device_id)
{
    struct sql_query *q = store_query_new(SQL_PAIRING_USE);
    store_query_i64(q, id);
    store_query_i64(q, now);
    store_query_i64(q, device_id);
    return run_changed(c, q, KASSA_ESTATE);
}

struct requisite_device {
    int64_t trader_id, device_id;
};

static void read_requisite_device(const struct sql_row *r, void *out)
{
    struct requisite_device *d = out;
    d->trader_id = r->ops->i64(r, 1);
    d->device_id = r->ops->i64(r, 2);
}

kassa_err store_requisite_device(struct store_conn *c, int64_t requisite_id, int64_t *trader_id,
                                 int64_t *device_id)
{
    struct sql_query *q = store_query_new(SQL_REQUISITE_DEVICE_OF);
    store_query_i64(q, requisite_id);
    struct requisite_device d = {0, 0};
    struct one_row o = {&d, read_requisite_device, false};
    kassa_err err = run_one(c, q, &o);
    *trader_id = d.trader_id;
    *device_id = d.device_id;
    return err;
}

kassa_err store_requisite_bind(struct store_conn *c, int64_t requisite_id, int64_t device_id)
{
    struct sql_query *q = store_query_new(SQL_REQUISITE_BIND);
    store_query_i64(q, requisite_id);
    store_query_i64(q, device_id);
    return store_query_run(c, q, store_row_none, NULL);
}

struct candidates {
    struct bank_candidate *out;
    int n;
};

static bool candidate_row(void *arg, const struct sql_row *r)
{
    struct candidates *cs = arg;
    if (cs->n >= BANK_CANDIDATES_MAX)
        return false;
    struct bank_candidate *b = &cs->out[cs->n++];
    const struct sql_row_ops *o = r->ops;
    b->order_id = o->i64(r, 0);
    b->status = (int)o->i64(r, 1);
    b->created_at = o->i64(r, 2);
    b->expires_at = o->i64(r, 3);
    o->text(r, 4, b->bank_code, sizeof b->bank_code);
    o->text(r, 5, b->bank_name_en, sizeof b->bank_name_en);
    o->text(r, 6, b->requisite, sizeof b->requisite);
    return true;
}

kassa_err store_bank_candidates(struct store_conn *c, bool bound, int64_t key, int64_t amount,
                                const char *currency, int64_t received_at, int64_t grace,
                                struct bank_candidate *out, int *n)
{
    struct sql_query *q = store_query_new(bound ? SQL_CANDIDATES_BOUND : SQL_CANDIDATES_TRADER);
    store_query_i64(q, key);
    store_query_i64(q, amount);
    store_query_text(q, currency);
    store_query_i64(q, received_at);
    store_query_i64(q, received_at - grace);
    struct candidates cs = {out, 0};
    kassa_err err = store_query_run(c, q, candidate_row, &cs);
    *n = cs.n;
    return err;
}

kassa_err store_bank_message_insert(struct store_conn *c, struct bank_message *m)
{
    struct sql_query *q = store_query_new(SQL_BANK_MESSAGE_INSERT);
    store_query_i64(q, m->device_id);
    store_query_i64(q, m->trader_id);
    store_query_text(q, m->event_id);
    store_query_text(q, m->source);
    store_query_text(q, m->sender);
    store_query_text(q, m->package);
    store_query_text(q, m->title);
    store_query_text(q, m->text);
    store_query_i64(q, m->received_at);
    store_query_i64(q, m->created_at);
    store_query_text(q, bank_message_state_name(m->state));
    store_query_text(q, m->reason);
    store_query_text(q, m->template_id);
    store_query_text(q, m->bank);
    store_query_text(q, m->kind);
    store_query_i64(q, m->amount);
    store_query_text(q, m->currency);
    store_query_text(q, m->last4);
    store_query_text(q, m->payer);
    store_query_i64(q, m->order_id);
    store_query_text(q, m->matched_by);
    store_query_i64(q, m->matched_at);
    m->id = 0;
    kassa_err err = store_query_run(c, q, store_row_id, &m->id);
    return err == KASSA_OK && m->id == 0 ? KASSA_EIO : err;
}

kassa_err store_bank_message_by_event(struct store_conn *c, int64_t device_id, const char *event_id,
                                      struct bank_message *out)
{
    struct sql_query *q = store_query_new(SQL_BANK_MESSAGE_BY_EVENT);
    store_query_i64(q, device_id);
    store_query_text(q, event_id);
    struct one_row o = {out, read_message, false};
    return run_one(c, q, &o);
}

kassa_err store_bank_message_get(struct store_conn *c, int64_t id, struct bank_message *out)
{
    struct sql_query *q = store_query_new(SQL_BANK_MESSAGE_BY_ID);
    store_query_i64(q, id);
    struct one_row o = {out, read_message, false};
    return run_one(c, q, &o);
}

kassa_err store_bank_message_attach(struct store_conn *c, int64_t id, int64_t order_id,
                                    const char *by, int64_t now)
{
    struct sql_query *q = store_query_new(SQL_BANK_MESSAGE_ATTACH);
    store_query_i64(q, id);
    store_query_i64(q, order_id);
    store_query_text(q, by);
    store_query_i64(q, now);
    return run_changed(c, q, KASSA_ESTATE);
}

struct message_visit {
    store_bank_message_fn fn;
    void *arg;
    struct bank_message m;
};

static bool message_row(void *arg, const struct sql_row *r)
{
    struct message_visit *v = arg;
    sql_read_bank_message(r, &v->m);
    return v->fn(v->arg, &v->m);
}

kassa_err store_bank_messages_list(struct store_conn *c, const struct bank_message_filter *f,
                                   store_bank_message_fn fn, void *arg)
{
    struct sql_query *q = malloc(sizeof *q);
    struct message_visit *v = malloc(sizeof *v);
    if (q != NULL)
        sql_bank_messages_list(f, q);
    if (v == NULL) {
        free(q);
        return KASSA_ENOMEM;
    }
    v->fn = fn;
    v->arg = arg;
    kassa_err err = store_query_run(c, q, message_row, v);
    free(v);
    return err;
}
