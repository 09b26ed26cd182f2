/* ledger.c: double-entry postings for the core's money movements. Every
 * movement is one ledger transaction whose postings sum to zero, written in
 * the same database transaction as the state change that causes it. */
#include <string.h>

#include "base/clock.h"
#include "core.h"

kassa_err ledger_post(struct store_conn *c, const char *kind, const char *ref_type, int64_t ref_id,
                      const struct posting *p, size_t n)
{
    struct posting legs[8];
    size_t k = 0;
    __int128 sum = 0;
    if (n > sizeof legs / sizeof legs[0])
        return KASSA_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (p[i].amount == 0)
            continue; /* a zero fee moves nothing */
        if (k > 0 && strcmp(p[i].currency, legs[0].currency) != 0)
            return KASSA_EINVAL; /* one currency per transaction */
        sum += p[i].amount;
        legs[k] = p[i];
        /* A shop's money (available or held) never goes below zero by a
         * debit, however many withdrawals race; the platform's accounts
         * may. A reversal may leave a shop a debt: later debits
         * (withdrawals) are then refused until credits cover it, and
         * credits always pass. A trader's money never goes below zero
         * (two orders never spend one deposit). */
        bool debit = p[i].amount < 0;
        legs[k++].floor_zero =
            debit && (account_kind_trader(p[i].kind) ||
                      ((p[i].kind == ACC_SHOP_AVAILABLE || p[i].kind == ACC_SHOP_HELD) &&
                       strcmp(kind, LEDGER_KIND_ORDER_REVERSED) != 0));
    }
    if (sum != 0)
        return KASSA_EINVAL;
    if (k == 0)
        return KASSA_OK;
    return STORE_CALL(c, ledger_post, kind, ref_type, ref_id, clock_now(), legs, k);
}

static struct posting leg(enum account_kind kind, int64_t shop_id, const char *currency,
                          int64_t amount)
{
    struct posting p = {.kind = kind, .shop_id = shop_id, .amount = amount};
    core_copy(p.currency, sizeof p.currency, currency);
    return p;
}

kassa_err ledger_order_completed(struct store_conn *c, const struct order *o)
{
    int64_t a = order_amount_paid(o);
    struct posting p[3] = {
        leg(ACC_PROVIDER_CLEARING, 0, o->currency, -a),
        leg(ACC_SHOP_AVAILABLE, o->shop_id, o->currency, a - o->fee),
        leg(ACC_PLATFORM_FEES, 0, o->currency, o->fee),
    };
    return ledger_post(c, "order.completed", "order", o->id, p, 3);
}

kassa_err ledger_order_reversed(struct store_conn *c, const struct order *o, bool keeps_fee)
{
    int64_t a = order_amount_paid(o);
    int64_t fee_back = keeps_fee ? 0 : o->fee;
    struct posting p[3] = {
        leg(ACC_PROVIDER_CLEARING, 0, o->currency, a),
        leg(ACC_SHOP_AVAILABLE, o->shop_id, o->currency, -(a - fee_back)),
        leg(ACC_PLATFORM_FEES, 0, o->currency, -fee_back),
    };
    return ledger_post(c, LEDGER_KIND_ORDER_REVERSED, "order", o->id, p, 3);
}

kassa_err ledger_withdrawal(struct store_conn *c, const struct withdrawal *w,
                            enum withdrawal_step step)
{
    struct posting p[2];
    const char *kind;
    switch (step) {
    case WITHDRAWAL_HOLD:
        kind = "withdrawal.created";
        p[0] = leg(ACC_SHOP_AVAILABLE, w->shop_id, w->currency, -w->amount);
        p[1] = leg(ACC_SHOP_HELD, w->shop_id, w->currency, w->amount);
        break;
    case WITHDRAWAL_PAY_OUT:
        kind = "withdrawal.completed";
        p[0] = leg(ACC_SHOP_HELD, w->shop_id, w->currency, -w->amount);
        p[1] = leg(ACC_PAYOUTS, 0, w->currency, w->amount);
        break;
    case WITHDRAWAL_RELEASE:
        kind = "withdrawal.rejected";
        p[0] = leg(ACC_SHOP_HELD, w->shop_id, w->currency, -w->amount);
        p[1] = leg(ACC_SHOP_AVAILABLE, w->shop_id, w->currency, w->amount);
        break;
    default:
        return KASSA_EINVAL;
    }
    return ledger_post(c, kind, "withdrawal", w->id, p, 2);
}
