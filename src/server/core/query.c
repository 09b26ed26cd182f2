/* query.c: the reads a dialect needs (see query.h). */
#include "query.h"

#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "store/store.h"

static struct store *query_store;

void core_use_store(struct store *s)
{
    query_store = s;
}

struct store *core_store(void)
{
    return query_store;
}

bool core_db_unavailable_lately(void)
{
    return store_unavailable_lately();
}

/* Run `expr` (a STORE_CALL on `c`) on a reader; KASSA_EIO without one. */
#define ON_READER(c, expr)                                                                         \
    do {                                                                                           \
        struct store_conn *c = query_store ? store_reader(query_store) : NULL;                     \
        if (c == NULL)                                                                             \
            return KASSA_EIO;                                                                      \
        kassa_err err_ = (expr);                                                                   \
        store_release(c);                                                                          \
        return err_;                                                                               \
    } while (0)

/* ---- shops ---- */

kassa_err query_shop_by_key(enum shop_key by, const char *key, struct shop *out)
{
    return query_store ? shop_cache_get(query_store, by, key, out) : KASSA_EIO;
}

kassa_err query_shop_by_api_key(const char *dialect, const char *api_key, struct shop *out)
{
    return query_store ? shop_cache_get_api_key(query_store, dialect, api_key, out) : KASSA_EIO;
}

kassa_err query_shop(int64_t shop_id, struct shop *out)
{
    ON_READER(c, STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, shop_id, out));
}

kassa_err query_merchant_shops(int64_t merchant_id, bool (*fn)(void *arg, const struct shop *s),
                               void *arg)
{
    ON_READER(c, STORE_CALL(c, shops_by_merchant, merchant_id, fn, arg));
}

kassa_err query_shop_fees(int64_t shop_id,
                          bool (*fn)(void *arg, const char *currency, int64_t fixed), void *arg)
{
    ON_READER(c, STORE_CALL(c, shop_fees, shop_id, fn, arg));
}

kassa_err query_balances(int64_t shop_id,
                         bool (*fn)(void *arg, const char *currency, int64_t available,
                                    int64_t held),
                         void *arg)
{
    ON_READER(c, STORE_CALL(c, balances, shop_id, fn, arg));
}

struct shops_page {
    bool (*fn)(void *arg, const struct shop *s);
    void *arg;
    int64_t lo, hi; /* the ids of the shops fn took; lo 0: none */
};

static bool shop_taken(void *arg, const struct shop *s)
{
    struct shops_page *p = arg;
    if (!p->fn(p->arg, s))
        return false;
    if (p->lo == 0 || s->id < p->lo)
        p->lo = s->id;
    if (s->id > p->hi)
        p->hi = s->id;
    return true;
}

static kassa_err shops_and_money(struct store_conn *c, const struct shop_filter *f,
                                 struct shops_page *p,
                                 bool (*money_fn)(void *arg, const struct shop_money *m))
{
    kassa_err err = store_shops_list(c, f, shop_taken, p);
    if (err == KASSA_OK && p->lo > 0)
        err = store_shops_money(c, f, p->lo, p->hi, money_fn, p->arg);
    return err;
}

kassa_err query_shops_list(const struct shop_filter *f,
                           bool (*shop_fn)(void *arg, const struct shop *s),
                           bool (*money_fn)(void *arg, const struct shop_money *m), void *arg)
{
    struct shops_page p = {shop_fn, arg, 0, 0};
    ON_READER(c, shops_and_money(c, f, &p, money_fn));
}

kassa_err query_method_switches(int64_t shop_id, struct method_switches *out)
{
    ON_READER(c, method_switches_load(c, shop_id, out));
}

/* ---- orders ---- */

kassa_err query_order(enum order_key by, const char *key, int64_t id, struct order *out)
{
    if ((by == ORDER_BY_UUID || by == ORDER_BY_UUID_CALLBACK) &&
        (key == NULL || !core_is_uuid(key)))
        return KASSA_ENOTFOUND;
    ON_READER(c, STORE_CALL(c, order_get, by, key, id, out));
}

kassa_err query_shop_order(int64_t shop_id, enum order_key by, const char *key, int64_t id,
                           struct order *out)
{
    kassa_err err = query_order(by, key, id, out);
    if (err == KASSA_OK && out->shop_id != shop_id)
        err = KASSA_ENOTFOUND;
    return err;
}

kassa_err query_order_ref(const char *ref, struct order *out)
{
    return query_store ? order_find_ref(query_store, ref, out) : KASSA_EIO;
}

kassa_err query_orders_by_merchant_id(int64_t shop_id, const char *merchant_order_id,
                                      bool (*fn)(void *arg, const struct order *o), void *arg)
{
    ON_READER(c, STORE_CALL(c, orders_by_merchant_order_id, shop_id, merchant_order_id, fn, arg));
}

kassa_err query_orders_list(const struct order_filter *f,
                            bool (*fn)(void *arg, const struct order *o), void *arg)
{
    ON_READER(c, store_orders_list(c, f, fn, arg));
}

kassa_err query_withdrawals_list(const struct withdrawal_filter *f,
                                 bool (*fn)(void *arg, const struct withdrawal *w), void *arg)
{
    ON_READER(c, STORE_CALL(c, withdrawals_list, f, fn, arg));
}

kassa_err query_order_events(int64_t order_id, int64_t after_id, bool asc, int limit,
                             bool (*fn)(void *arg, const struct order_event *e), void *arg)
{
    ON_READER(c, STORE_CALL(c, order_events, order_id, after_id, asc, limit, fn, arg));
}

kassa_err query_accounts_list(const struct account_filter *f,
                              bool (*fn)(void *arg, const struct ledger_account *a), void *arg)
{
    ON_READER(c, store_accounts_list(c, f, fn, arg));
}

kassa_err query_postings_list(const struct posting_filter *f,
                              bool (*fn)(void *arg, const struct ledger_posting *p), void *arg)
{
    ON_READER(c, store_postings_list(c, f, fn, arg));
}

kassa_err query_requisites_list(const struct requisite_filter *f,
                                bool (*fn)(void *arg, const struct requisite *r, int64_t pending),
                                void *arg)
{
    ON_READER(c, store_requisites_list(c, f, fn, arg));
}

kassa_err query_callbacks_list(const struct callback_filter *f,
                               bool (*fn)(void *arg, const struct callback *cb), void *arg)
{
    ON_READER(c, store_callbacks_list(c, f, fn, arg));
}

kassa_err query_orders_page(int64_t shop_id, int64_t offset, int limit,
                            bool (*fn)(void *arg, const struct order *o), void *arg)
{
    ON_READER(c, STORE_CALL(c, orders_page, shop_id, offset, limit, fn, arg));
}

kassa_err query_order_stats(int64_t shop_id, int64_t from, int64_t to, const char *requisite_type,
                            const char *country_code, const char *currency, struct order_stats *out)
{
    ON_READER(c, STORE_CALL(c, order_stats, shop_id, from, to, requisite_type, country_code,
                            currency, out));
}

kassa_err query_receipt_items(int64_t order_id,
                              bool (*fn)(void *arg, const char *name, const char *count,
                                         int64_t price),
                              void *arg)
{
    ON_READER(c, STORE_CALL(c, receipt_items, order_id, fn, arg));
}

kassa_err query_receipt_image(int64_t order_id, struct arena *a, char **content_type, void **data,
                              size_t *len)
{
    ON_READER(c, STORE_CALL(c, receipt_image_get, order_id, a, content_type, data, len));
}

/* ---- withdrawals, rates, ledger ---- */

kassa_err query_withdrawal(int64_t shop_id, int64_t id, const char *payment_id,
                           struct withdrawal *out)
{
    ON_READER(c, STORE_CALL(c, withdrawal_get, shop_id, id, payment_id, out));
}

kassa_err query_withdrawals_page(int64_t shop_id, int offset, int limit,
                                 bool (*fn)(void *arg, const struct withdrawal *w), void *arg)
{
    ON_READER(c, STORE_CALL(c, withdrawals_page, shop_id, offset, limit, fn, arg));
}

kassa_err query_rate(const char *from, const char *to, char rate[32])
{
    ON_READER(c, STORE_CALL(c, rate_get, from, to, rate));
}

kassa_err query_ledger_verify(void (*problem)(void *arg, const char *problem), void *arg,
                              int64_t *accounts, int64_t *transactions)
{
    ON_READER(c, STORE_CALL(c, ledger_verify, problem, arg, accounts, transactions));
}

/* ---- callbacks ---- */

struct visit {
    struct store_conn *c;
    const struct callback_visitor *v;
    kassa_err err;
};

/* One callback and its attempts, read on the listing's connection. */
static bool visit_callback(void *arg, const struct callback *cb)
{
    struct visit *vi = arg;
    const struct callback_visitor *v = vi->v;
    if (!v->callback(v->arg, cb))
        return false;
    vi->err = STORE_CALL(vi->c, callback_attempts, cb->id, v->attempt, v->arg);
    return vi->err == KASSA_OK && v->callback_end(v->arg);
}

kassa_err query_callbacks_of_order(int64_t order_id, const struct callback_visitor *v)
{
    struct store_conn *c = query_store ? store_reader(query_store) : NULL;
    if (c == NULL)
        return KASSA_EIO;
    struct visit vi = {c, v, KASSA_OK};
    kassa_err err = STORE_CALL(c, callbacks_by_order, order_id, visit_callback, &vi);
    store_release(c);
    return err != KASSA_OK ? err : vi.err;
}

kassa_err query_callback(int64_t id, const struct callback_visitor *v)
{
    struct store_conn *c = query_store ? store_reader(query_store) : NULL;
    struct callback *cb = malloc(sizeof *cb);
    kassa_err err = (c && cb) ? STORE_CALL(c, callback_get, id, cb) : KASSA_EIO;
    struct visit vi = {c, v, KASSA_OK};
    if (err == KASSA_OK && !visit_callback(&vi, cb))
        err = vi.err;
    if (c)
        store_release(c);
    free(cb);
    return err;
}

kassa_err query_callback_stats(struct callback_stats *out)
{
    ON_READER(c, STORE_CALL(c, callback_stats, out));
}

/* ---- devices and bank messages ---- */

kassa_err query_device(int64_t id, struct device *out)
{
    ON_READER(c, store_device_get(c, id, out));
}

kassa_err query_device_by_token(const char *token_hash, struct device *out)
{
    ON_READER(c, store_device_by_token(c, token_hash, out));
}

kassa_err query_devices_list(int64_t trader_id, int64_t after_id, bool asc, int limit,
                             bool (*fn)(void *arg, const struct device *d), void *arg)
{
    ON_READER(c, store_devices_list(c, trader_id, after_id, asc, limit, fn, arg));
}

kassa_err query_device_requisites(int64_t device_id, int64_t *ids, int max, int *n)
{
    ON_READER(c, store_device_requisites(c, device_id, ids, max, n));
}

kassa_err query_bank_message(int64_t id, struct bank_message *out)
{
    ON_READER(c, store_bank_message_get(c, id, out));
}

kassa_err query_bank_messages_list(const struct bank_message_filter *f,
                                   bool (*fn)(void *arg, const struct bank_message *m), void *arg)
{
    ON_READER(c, store_bank_messages_list(c, f, fn, arg));
}

/* ---- traders ---- */

kassa_err query_trader(int64_t id, struct trader *out)
{
    ON_READER(c, store_trader_get(c, id, out));
}

kassa_err query_trader_by_api_key(const char *api_key, struct trader *out)
{
    ON_READER(c, store_trader_by_api_key(c, api_key, out));
}

kassa_err query_trader_order(int64_t trader_id, const char *uuid, struct order *out)
{
    kassa_err err = query_order(ORDER_BY_UUID, uuid, 0, out);
    if (err == KASSA_OK && !order_of_trader(out, trader_id)) {
        memset(out, 0, sizeof *out);
        return KASSA_ENOTFOUND;
    }
    return err;
}

kassa_err query_traders_list(int64_t after_id, bool asc, int limit,
                             bool (*fn)(void *arg, const struct trader *t), void *arg)
{
    ON_READER(c, store_traders_list(c, after_id, asc, limit, fn, arg));
}

kassa_err query_trader_balances(int64_t id, const char *currency, struct trader_balances *out)
{
    ON_READER(c, store_trader_balances(c, id, currency, out));
}

/* ---- operators and the audit log ---- */

kassa_err query_token_by_hash(const char *hash, struct op_token *t, struct operator* op)
{
    ON_READER(c, store_token_by_hash(c, hash, t, op));
}

kassa_err query_operator(int64_t id, struct operator* out)
{
    ON_READER(c, store_operator_get(c, id, out));
}

kassa_err query_operators_list(int64_t after_id, bool asc, int limit,
                               bool (*fn)(void *arg, const struct operator* op), void *arg)
{
    ON_READER(c, store_operators_list(c, after_id, asc, limit, fn, arg));
}

kassa_err query_tokens_list(int64_t operator_id, int64_t after_id, bool asc, int limit,
                            bool (*fn)(void *arg, const struct op_token *t), void *arg)
{
    ON_READER(c, store_tokens_list(c, operator_id, after_id, asc, limit, fn, arg));
}

kassa_err query_audit_list(const struct audit_filter *f,
                           bool (*fn)(void *arg, const struct audit_entry *e), void *arg)
{
    ON_READER(c, store_audit_list(c, f, fn, arg));
}

kassa_err query_store_gauges(struct store_gauges *out)
{
    ON_READER(c, store_gauges_read(c, out));
}

/* ---- disputes ---- */

static kassa_err dispute_of_shop(struct store_conn *c, int64_t shop_id, enum dispute_key by,
                                 int64_t id, const char *uuid, struct dispute *out)
{
    kassa_err err = store_dispute_get(c, by, id, uuid, out);
    return err == KASSA_OK && shop_id != 0 && out->shop_id != shop_id ? KASSA_ENOTFOUND : err;
}

kassa_err query_dispute(int64_t shop_id, enum dispute_key by, int64_t id, const char *uuid,
                        struct dispute *out)
{
    ON_READER(c, dispute_of_shop(c, shop_id, by, id, uuid, out));
}

kassa_err query_disputes(const struct dispute_filter *f,
                         bool (*fn)(void *arg, const struct dispute *d), void *arg)
{
    ON_READER(c, store_disputes_list(c, f, fn, arg));
}

kassa_err query_dispute_logs(int64_t dispute_id, bool (*fn)(void *arg, const struct dispute_log *l),
                             void *arg)
{
    ON_READER(c, store_dispute_logs(c, dispute_id, fn, arg));
}

kassa_err query_dispute_evidence(int64_t dispute_id,
                                 bool (*fn)(void *arg, const struct dispute_evidence *e), void *arg)
{
    ON_READER(c, store_dispute_evidence_list(c, dispute_id, fn, arg));
}

kassa_err query_dispute_evidence_data(int64_t dispute_id, const char *uuid, struct arena *a,
                                      char **content_type, void **data, size_t *len)
{
    ON_READER(c, STORE_CALL(c, evidence_get, dispute_id, uuid, a, content_type, data, len));
}
