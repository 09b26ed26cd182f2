/* merchant.c: what a merchant user may see and change (the merchant API,
 * query.h "merchants" and the merchant_id of core.h's commands).
 *
 * The one rule: a shop is merchant M's when its merchant_id is M (a
 * shop's merchant never changes: shop_update_cmd); an order, a
 * withdrawal or a callback is M's when its shop is. Another merchant's is
 * KASSA_ENOTFOUND, exactly as a missing one, so ids do not leak. Lists
 * take the merchant as a restriction that a filter cannot widen. */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "query.h"
#include "store/store.h"

bool shop_of_merchant(const struct shop *s, int64_t merchant_id)
{
    return merchant_id > 0 && s != NULL && s->merchant_id == merchant_id;
}

/* Whether shop `shop_id` is merchant_id's, on connection c: KASSA_OK,
 * KASSA_ENOTFOUND (missing or another's), or the store's error. */
static kassa_err shop_check(struct store_conn *c, int64_t shop_id, int64_t merchant_id)
{
    struct shop *s = malloc(sizeof *s);
    if (s == NULL)
        return KASSA_ENOMEM;
    kassa_err err = STORE_CALL(c, shop_get, SHOP_BY_ID, NULL, shop_id, s);
    if (err == KASSA_OK && !shop_of_merchant(s, merchant_id))
        err = KASSA_ENOTFOUND;
    free(s);
    return err;
}

kassa_err merchant_shop_check(struct store_conn *c, int64_t shop_id, int64_t merchant_id)
{
    return merchant_id > 0 ? shop_check(c, shop_id, merchant_id) : KASSA_OK;
}

/* ---- reads -------------------------------------------------------------- */

kassa_err query_merchant_shop(int64_t merchant_id, int64_t shop_id, struct shop *out)
{
    kassa_err err = merchant_id > 0 ? query_shop(shop_id, out) : KASSA_ENOTFOUND;
    if (err == KASSA_OK && !shop_of_merchant(out, merchant_id)) {
        memset(out, 0, sizeof *out);
        err = KASSA_ENOTFOUND;
    }
    return err;
}

kassa_err query_merchant_order(int64_t merchant_id, const char *ref, struct order *out)
{
    kassa_err err = merchant_id > 0 ? query_order_ref(ref, out) : KASSA_ENOTFOUND;
    struct shop *s = err == KASSA_OK ? malloc(sizeof *s) : NULL;
    if (err == KASSA_OK)
        err = s != NULL ? query_merchant_shop(merchant_id, out->shop_id, s) : KASSA_ENOMEM;
    free(s);
    if (err != KASSA_OK)
        memset(out, 0, sizeof *out);
    return err;
}

kassa_err query_merchant_withdrawal(int64_t merchant_id, int64_t id, struct withdrawal *out)
{
    kassa_err err =
        merchant_id > 0 && id > 0 ? query_withdrawal(0, id, NULL, out) : KASSA_ENOTFOUND;
    struct shop *s = err == KASSA_OK ? malloc(sizeof *s) : NULL;
    if (err == KASSA_OK)
        err = s != NULL ? query_merchant_shop(merchant_id, out->shop_id, s) : KASSA_ENOMEM;
    free(s);
    if (err != KASSA_OK)
        memset(out, 0, sizeof *out);
    return err;
}

/* The callback's shop checked before the visitor sees anything of it. */
struct merchant_visit {
    int64_t merchant_id;
    const struct callback_visitor *inner;
    bool refused;
};

static bool visit_checked(void *arg, const struct callback *cb)
{
    struct merchant_visit *m = arg;
    struct shop *s = malloc(sizeof *s);
    kassa_err err = s != NULL ? query_merchant_shop(m->merchant_id, cb->shop_id, s) : KASSA_ENOMEM;
    free(s);
    if (err != KASSA_OK) {
        m->refused = true;
        return false;
    }
    return m->inner->callback(m->inner->arg, cb);
}

static bool visit_attempt(void *arg, const struct callback_attempt *a)
{
    struct merchant_visit *m = arg;
    return m->inner->attempt(m->inner->arg, a);
}

static bool visit_end(void *arg)
{
    struct merchant_visit *m = arg;
    return m->inner->callback_end(m->inner->arg);
}

kassa_err query_merchant_callback(int64_t merchant_id, int64_t id, const struct callback_visitor *v)
{
    if (merchant_id <= 0)
        return KASSA_ENOTFOUND;
    struct merchant_visit m = {merchant_id, v, false};
    const struct callback_visitor checked = {
        .callback = visit_checked, .attempt = visit_attempt, .callback_end = visit_end, .arg = &m};
    kassa_err err = query_callback(id, &checked);
    return m.refused ? KASSA_ENOTFOUND : err;
}

/* ---- lists -------------------------------------------------------------- */

/* Restrict a filter's merchant to merchant_id: false when it named another
 * (the list is then empty, as for a merchant without such rows). */
static bool restrict_to(int64_t *filter_merchant, int64_t merchant_id)
{
    if (merchant_id <= 0 || (*filter_merchant != 0 && *filter_merchant != merchant_id))
        return false;
    *filter_merchant = merchant_id;
    return true;
}

kassa_err query_merchant_orders(int64_t merchant_id, struct order_filter *f,
                                bool (*fn)(void *arg, const struct order *o), void *arg)
{
    return restrict_to(&f->merchant_id, merchant_id) ? query_orders_list(f, fn, arg) : KASSA_OK;
}

kassa_err query_merchant_withdrawals(int64_t merchant_id, struct withdrawal_filter *f,
                                     bool (*fn)(void *arg, const struct withdrawal *w), void *arg)
{
    return restrict_to(&f->merchant_id, merchant_id) ? query_withdrawals_list(f, fn, arg)
                                                     : KASSA_OK;
}

kassa_err query_merchant_callbacks(int64_t merchant_id, struct callback_filter *f,
                                   bool (*fn)(void *arg, const struct callback *cb), void *arg)
{
    return restrict_to(&f->merchant_id, merchant_id) ? query_callbacks_list(f, fn, arg) : KASSA_OK;
}

kassa_err query_merchant_shops_list(int64_t merchant_id, struct shop_filter *f,
                                    bool (*shop_fn)(void *arg, const struct shop *s),
                                    bool (*money_fn)(void *arg, const struct shop_money *m),
                                    void *arg)
{
    return restrict_to(&f->merchant_id, merchant_id) ? query_shops_list(f, shop_fn, money_fn, arg)
                                                     : KASSA_OK;
}

/* ---- a test payment ----------------------------------------------------- */

kassa_err merchant_test_order_prepare(struct order_create_cmd *cmd, const struct shop *shop,
                                      int origin)
{
    cmd->shop = *shop;
    cmd->order.origin = origin;
    /* A test order, whatever the shop's mode: the sandbox serves it, no
     * pool is read and no money moves (order.c, lifecycle.c). */
    cmd->order.test = true;
    /* Without a method the payer would choose one first: a test payment is
     * an SBP transfer unless the caller said otherwise, so the payer's page
     * shows the sandbox's Pay and Fail buttons at once. */
    if (cmd->order.payment_system == 0 && cmd->order.requisite_type[0] == '\0')
        core_copy(cmd->order.requisite_type, sizeof cmd->order.requisite_type, "SBP");
    order_create_init(cmd);
    return order_create_prepare(cmd);
}
