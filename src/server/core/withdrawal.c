/* withdrawal.c: payouts to shops. Creation moves the amount from the shop's
 * available balance to held in the same transaction as the withdrawal row
 * (refused, nothing stored, when the balance is short); the operator then
 * completes (held -> payouts) or rejects (held -> available) it, once. */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "core.h"
#include "kassa/money.h"

static void withdrawal_fingerprint(const struct withdrawal *w, unsigned char out[32])
{
    char buf[TEXT_SIZE * 2 + 128];
    int n = snprintf(buf, sizeof buf, "%s|%lld|%d|%zu:%s", w->currency, (long long)w->amount,
                     w->payment_system, strlen(w->account), w->account);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    core_sha256(buf, len, out);
}

kassa_err withdrawal_create_prepare(struct withdrawal_create_cmd *cmd)
{
    struct withdrawal *w = &cmd->w;
    if (kassa_currency_find(w->currency) == NULL)
        return KASSA_ECURRENCY;
    if (w->amount <= 0)
        return KASSA_EMONEY_ZERO;
    if (w->amount > core_amount_limit(w->currency, true))
        return KASSA_EAMOUNT_LIMIT;
    if (w->account[0] == '\0' || w->payment_id[0] == '\0')
        return KASSA_EINVAL;
    w->shop_id = cmd->shop_id;
    w->status = WITHDRAWAL_PENDING;
    w->fee = 0;
    w->created_at = clock_now();
    w->completed_at = 0;
    withdrawal_fingerprint(w, w->fingerprint);
    cmd->replayed = false;
    return KASSA_OK;
}

kassa_err withdrawal_create_apply(struct store_conn *c, struct store_task *task)
{
    struct withdrawal_create_cmd *cmd = container_of(task, struct withdrawal_create_cmd, task);
    struct withdrawal *w = &cmd->w;
    struct withdrawal old;
    cmd->replayed = false; /* apply may run again */
    kassa_err err = merchant_shop_check(c, cmd->shop_id, cmd->merchant_id);
    if (err == KASSA_OK)
        err = nonce_record(c, cmd->shop_id, &cmd->nonce);
    if (err != KASSA_OK)
        return err;
    err = STORE_CALL(c, withdrawal_get, cmd->shop_id, 0, w->payment_id, &old);
    if (err == KASSA_OK) {
        if (memcmp(old.fingerprint, w->fingerprint, sizeof old.fingerprint) != 0)
            return KASSA_ECONFLICT;
        *w = old;
        cmd->replayed = true;
        return KASSA_OK;
    }
    if (err != KASSA_ENOTFOUND)
        return err;
    if ((err = STORE_CALL(c, withdrawal_insert, w)) != KASSA_OK)
        return err;
    if ((err = ledger_withdrawal(c, w, WITHDRAWAL_HOLD)) == KASSA_OK)
        core_count_withdrawal(w);
    return err;
}

kassa_err withdrawal_decide_apply(struct store_conn *c, struct store_task *task)
{
    struct withdrawal_decide_cmd *cmd = container_of(task, struct withdrawal_decide_cmd, task);
    struct withdrawal *w = &cmd->w;
    kassa_err err = STORE_CALL(c, withdrawal_get, 0, cmd->id, NULL, w);
    if (err != KASSA_OK)
        return err;
    if (w->status != WITHDRAWAL_PENDING)
        return KASSA_ESTATE;
    w->status = cmd->complete ? WITHDRAWAL_COMPLETED : WITHDRAWAL_REJECTED;
    w->completed_at = clock_now();
    if ((err = STORE_CALL(c, withdrawal_set_status, w, WITHDRAWAL_PENDING)) != KASSA_OK)
        return err;
    err = ledger_withdrawal(c, w, cmd->complete ? WITHDRAWAL_PAY_OUT : WITHDRAWAL_RELEASE);
    if (err == KASSA_OK)
        core_count_withdrawal(w);
    return err;
}
