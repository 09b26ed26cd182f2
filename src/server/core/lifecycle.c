/* lifecycle.c: the order state machine (DESIGN.md "Orders").
 *
 *   pending -> completed  (provider, operator, trader)
 *   pending -> failed     (provider, operator, trader)
 *   pending -> expired    (the system, when expires_at passed)
 *   pending -> canceled   (merchant, operator)
 *   expired -> completed  (operator only: a late payment)
 *   completed -> reversed (operator only: fraud, a bank's recall)
 *   pending | expired -> completed (device: a bank credit matched to it,
 *                         received by the end of the grace period; the
 *                         window is core/device.c's to check)
 *   expired, canceled, failed, pending -> completed (a dispute resolved in
 *                          the payer's favour: core/dispute.c)
 *
 * A completion may name the amount actually received (the ledger, the
 * fee and the callbacks then use it); a reversal undoes the completion's
 * postings, possibly leaving the merchant a debt (core/ledger.c).
 *
 * Every transition is one change of the order row (conditional on the state
 * read, so a racing change is refused, not overwritten), its ledger postings
 * and its event row, all in the caller's transaction. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/log.h"
#include "core.h"
#include "provider/requisites.h"

bool order_transition_allowed(enum order_status from, enum order_status to, enum actor actor)
{
    if (actor == ACTOR_DEVICE) /* core/device.c: a matched bank credit */
        return (from == ORDER_PENDING || from == ORDER_EXPIRED) && to == ORDER_COMPLETED;
    if (actor == ACTOR_DISPUTE)
        return to == ORDER_COMPLETED && (from == ORDER_EXPIRED || from == ORDER_CANCELED ||
                                         from == ORDER_FAILED || from == ORDER_PENDING);
    if (from == ORDER_PENDING) {
        switch (to) {
        case ORDER_COMPLETED:
        case ORDER_FAILED:
            return actor == ACTOR_PROVIDER || actor == ACTOR_OPERATOR ||
                   actor == ACTOR_TRADER; /* the trader: its own orders only (trader_id) */
        case ORDER_EXPIRED:
            return actor == ACTOR_SYSTEM;
        case ORDER_CANCELED:
            return actor == ACTOR_MERCHANT || actor == ACTOR_OPERATOR;
        default:
            return false;
        }
    }
    if ((from == ORDER_EXPIRED && to == ORDER_COMPLETED) ||
        (from == ORDER_COMPLETED && to == ORDER_REVERSED))
        return actor == ACTOR_OPERATOR;
    return false;
}

/* Per writer thread: with several writers (PostgreSQL), a flag set by one
 * thread's open batch must not be taken by another thread's commit (the
 * dispatcher would then be woken before those events were committed, and
 * not again after). Commands run, and the on-commit hook is called, on
 * the writer thread. */
static _Thread_local bool new_events;

bool core_take_new_events(void)
{
    bool had = new_events;
    new_events = false;
    return had;
}

kassa_err order_event_kind(struct store_conn *c, const struct order *o, const char *kind)
{
    new_events = true;
    return STORE_CALL(c, event_insert, o->shop_id, o->id, kind, (int)o->status, clock_now());
}

kassa_err order_event(struct store_conn *c, const struct order *o)
{
    char kind[48];
    snprintf(kind, sizeof kind, "order.%s", order_status_name(o->status));
    return order_event_kind(c, o, kind);
}

kassa_err order_transition(struct store_conn *c, struct order *o, enum order_status to,
                           enum actor actor)
{
    return order_transition_received(c, o, to, actor, 0);
}

bool order_of_trader(const struct order *o, int64_t trader_id)
{
    return trader_id > 0 && o->requisite_id != 0 && o->req.trader_id == trader_id;
}

const char *actor_name(enum actor a)
{
    static const char *const names[] = {
        [ACTOR_MERCHANT] = "merchant", [ACTOR_PAYER] = "payer",   [ACTOR_OPERATOR] = "operator",
        [ACTOR_PROVIDER] = "provider", [ACTOR_SYSTEM] = "system", [ACTOR_DEVICE] = "device",
        [ACTOR_DISPUTE] = "dispute",   [ACTOR_TRADER] = "trader",
    };
    return (unsigned)a < sizeof names / sizeof names[0] && names[a] ? names[a] : "";
}

/* What leaving pending gives back: the amount's claim on the requisite
 * (and its place in the day's limits unless completed), and a trader's
 * reserve unless completed (the completion's postings take it). */
static kassa_err transition_release(struct store_conn *c, const struct order *next,
                                    enum order_status from)
{
    if (from != ORDER_PENDING)
        return KASSA_OK;
    bool released = next->status != ORDER_COMPLETED;
    kassa_err err = requisites_release(c, next, released);
    if (err != KASSA_OK || !released || next->trader_id == 0 || next->reserve <= 0)
        return err;
    struct trader t;
    if ((err = store_trader_get(c, next->trader_id, &t)) != KASSA_OK)
        return err;
    return ledger_trader_reserve(c, next, t.currency, false);
}

/* The ledger postings of a transition (none for a test order: the sandbox
 * serves it, no real money moves). */
static kassa_err transition_postings(struct store_conn *c, const struct order *next,
                                     enum order_status from)
{
    if (next->test)
        return KASSA_OK;
    if (next->status == ORDER_COMPLETED)
        return ledger_order_completed(c, next, from == ORDER_PENDING);
    if (next->status == ORDER_REVERSED)
        return ledger_order_reversed(c, next, core_settings()->reversal_keeps_fee);
    return KASSA_OK;
}

kassa_err order_transition_received(struct store_conn *c, struct order *o, enum order_status to,
                                    enum actor actor, int64_t received)
{
    enum order_status from = o->status;
    if (!order_transition_allowed(from, to, actor))
        return KASSA_ESTATE;
    /* What was received is named only when it differs from the amount
     * (spec/p2p.md): an exact payment, however it was confirmed (a
     * device's exact credit, a dispute won for the amount), is the
     * order's own. */
    if (received == o->amount)
        received = 0;
    if (received != 0 && to != ORDER_COMPLETED)
        return KASSA_EINVAL;
    kassa_err err;
    if (received != 0 && (err = order_received_check(o->currency, received)) != KASSA_OK)
        return err;
    struct order next = *o;
    next.status = to;
    next.updated_at = clock_now();
    if (to == ORDER_COMPLETED) {
        next.paid_at = next.updated_at;
        core_copy(next.confirmed_by, sizeof next.confirmed_by, actor_name(actor));
    }
    if (received != 0)
        order_receive(&next, received);
    if (to == ORDER_REVERSED)
        next.reversed_at = next.updated_at;
    err = STORE_CALL(c, order_set_status, &next, from);
    if (err == KASSA_ESTATE) {
        /* Another node or writer changed it after it was read: read it
         * again, so the refusal names the state that refused it. */
        kassa_err rerr = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, o->id, o);
        return rerr != KASSA_OK ? rerr : KASSA_ESTATE;
    }
    if (err != KASSA_OK)
        return err;
    if ((err = transition_release(c, &next, from)) != KASSA_OK)
        return err;
    if ((err = transition_postings(c, &next, from)) != KASSA_OK)
        return err;
    if ((err = order_event(c, &next)) != KASSA_OK)
        return err;
    core_count_order(&next);
    *o = next;
    return KASSA_OK;
}

kassa_err order_transition_apply(struct store_conn *c, struct store_task *task)
{
    struct order_transition_cmd *cmd = container_of(task, struct order_transition_cmd, task);
    kassa_err err = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, cmd->order_id, &cmd->order);
    if (err != KASSA_OK)
        return err;
    if (cmd->trader_id > 0 && !order_of_trader(&cmd->order, cmd->trader_id)) {
        /* another's order reads as none: the trader learns nothing of it */
        memset(&cmd->order, 0, sizeof cmd->order);
        return KASSA_ENOTFOUND;
    }
    if ((err = nonce_record(c, cmd->order.shop_id, &cmd->nonce)) != KASSA_OK)
        return err;
    return order_transition_received(c, &cmd->order, cmd->to, cmd->actor, cmd->amount_received);
}

kassa_err order_confirm_apply(struct store_conn *c, struct store_task *task)
{
    struct order_transition_cmd *cmd = container_of(task, struct order_transition_cmd, task);
    kassa_err err = STORE_CALL(c, order_confirm, cmd->order_id, clock_now());
    if (err != KASSA_OK)
        return err;
    if ((err = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, cmd->order_id, &cmd->order)) != KASSA_OK)
        return err;
    return nonce_record(c, cmd->order.shop_id, &cmd->nonce);
}

kassa_err order_expire_apply(struct store_conn *c, struct store_task *task)
{
    struct order_expire_cmd *cmd = container_of(task, struct order_expire_cmd, task);
    int64_t ids[ORDER_EXPIRE_BATCH];
    int n = 0;
    cmd->expired = 0;
    kassa_err err = STORE_CALL(c, orders_due, clock_now(), ORDER_EXPIRE_BATCH, ids, &n);
    if (err != KASSA_OK)
        return err;
    struct order o;
    for (int i = 0; i < n; i++) {
        if ((err = STORE_CALL(c, order_get, ORDER_BY_ID, NULL, ids[i], &o)) != KASSA_OK)
            return err;
        err = order_transition(c, &o, ORDER_EXPIRED, ACTOR_SYSTEM);
        if (err == KASSA_ESTATE)
            continue; /* changed meanwhile (paid, canceled, or another node expired it) */
        if (err != KASSA_OK)
            return err;
        cmd->expired++;
    }
    return KASSA_OK;
}
