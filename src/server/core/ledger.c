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
    if (n > sizeof legs / sizeof legs[0])
        return KASSA_EINVAL;
    /* Each currency's legs sum to zero (a trader's order meets the
     * merchant's currency in the platform's exchange accounts). */
    for (size_t i = 0; i < n; i++) {
        __int128 sum = 0;
        for (size_t j = 0; j < n; j++)
            if (strcmp(p[j].currency, p[i].currency) == 0)
                sum += p[j].amount;
        if (sum != 0)
            return KASSA_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i].amount == 0)
            continue; /* a zero fee moves nothing */
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

kassa_err ledger_trader_reserve(struct store_conn *c, const struct order *o, const char *currency,
                                bool reserve)
{
    int64_t e = reserve ? o->reserve : -o->reserve;
    struct posting p[2] = {
        leg(ACC_TRADER_AVAILABLE, o->trader_id, currency, -e),
        leg(ACC_TRADER_RESERVED, o->trader_id, currency, e),
    };
    return ledger_post(c, reserve ? "order.reserved" : "order.released", "order", o->id, p, 2);
}

/* What a trader's order moves in the trader's currency S (spec/p2p.md
 * "Money"): E' (the amount paid at the order's rate) and the reward on
 * it. KASSA_EINVAL when the amount cannot be converted. */
struct trader_part {
    struct trader t;
    int64_t e2, reward;
};

static kassa_err trader_part(struct store_conn *c, const struct order *o, struct trader_part *tp)
{
    kassa_err err = store_trader_get(c, o->trader_id, &tp->t);
    if (err != KASSA_OK)
        return err;
    tp->e2 = money_convert(order_amount_paid(o), o->currency, o->exchange_rate, tp->t.currency);
    if (tp->e2 <= 0)
        return KASSA_EINVAL;
    __int128 r = (__int128)tp->e2 * tp->t.reward_bps;
    tp->reward = (int64_t)((r + 5000) / 10000);
    return KASSA_OK;
}

/* The trader's reward on E' (sign +1: credited; -1: taken back), its own
 * transaction so that what a trader earned is the sum of these. */
static kassa_err post_reward(struct store_conn *c, const struct order *o,
                             const struct trader_part *tp, int sign)
{
    struct posting p[2] = {
        leg(ACC_PLATFORM_EXCHANGE, 0, tp->t.currency, -sign * tp->reward),
        leg(ACC_TRADER_AVAILABLE, o->trader_id, tp->t.currency, sign * tp->reward),
    };
    return ledger_post(c, LEDGER_KIND_ORDER_REWARD, "order", o->id, p, 2);
}

kassa_err ledger_order_completed(struct store_conn *c, const struct order *o, bool reserve_held)
{
    int64_t a = order_amount_paid(o);
    if (o->trader_id == 0) {
        struct posting p[3] = {
            leg(ACC_PROVIDER_CLEARING, 0, o->currency, -a),
            leg(ACC_SHOP_AVAILABLE, o->shop_id, o->currency, a - o->fee),
            leg(ACC_PLATFORM_FEES, 0, o->currency, o->fee),
        };
        return ledger_post(c, "order.completed", "order", o->id, p, 3);
    }
    /* The trader received A' of the payer's money for the merchant: E'
     * of the deposit goes to the platform (the reserve E, and the
     * difference from the trader's available money), and the platform
     * pays the merchant A' in the order's currency. */
    struct trader_part tp;
    kassa_err err = trader_part(c, o, &tp);
    if (err != KASSA_OK)
        return err;
    const char *s = tp.t.currency;
    int64_t e = reserve_held ? o->reserve : 0;
    struct posting p[6] = {
        leg(ACC_TRADER_RESERVED, o->trader_id, s, -e),
        leg(ACC_TRADER_AVAILABLE, o->trader_id, s, e - tp.e2),
        leg(ACC_PLATFORM_EXCHANGE, 0, s, tp.e2),
        leg(ACC_PLATFORM_EXCHANGE, 0, o->currency, -a),
        leg(ACC_SHOP_AVAILABLE, o->shop_id, o->currency, a - o->fee),
        leg(ACC_PLATFORM_FEES, 0, o->currency, o->fee),
    };
    if ((err = ledger_post(c, "order.completed", "order", o->id, p, 6)) != KASSA_OK)
        return err;
    return post_reward(c, o, &tp, 1);
}

kassa_err ledger_order_reversed(struct store_conn *c, const struct order *o, bool keeps_fee)
{
    int64_t a = order_amount_paid(o);
    int64_t fee_back = keeps_fee ? 0 : o->fee;
    if (o->trader_id == 0) {
        struct posting p[3] = {
            leg(ACC_PROVIDER_CLEARING, 0, o->currency, a),
            leg(ACC_SHOP_AVAILABLE, o->shop_id, o->currency, -(a - fee_back)),
            leg(ACC_PLATFORM_FEES, 0, o->currency, -fee_back),
        };
        return ledger_post(c, LEDGER_KIND_ORDER_REVERSED, "order", o->id, p, 3);
    }
    /* The trader's spent deposit comes back, the reward goes. */
    struct trader_part tp;
    kassa_err err = trader_part(c, o, &tp);
    if (err != KASSA_OK)
        return err;
    const char *s = tp.t.currency;
    struct posting p[5] = {
        leg(ACC_TRADER_AVAILABLE, o->trader_id, s, tp.e2),
        leg(ACC_PLATFORM_EXCHANGE, 0, s, -tp.e2),
        leg(ACC_PLATFORM_EXCHANGE, 0, o->currency, a),
        leg(ACC_SHOP_AVAILABLE, o->shop_id, o->currency, -(a - fee_back)),
        leg(ACC_PLATFORM_FEES, 0, o->currency, -fee_back),
    };
    if ((err = ledger_post(c, LEDGER_KIND_ORDER_REVERSED, "order", o->id, p, 5)) != KASSA_OK)
        return err;
    return post_reward(c, o, &tp, -1);
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
