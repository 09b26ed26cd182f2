/* trader.c: traders, their deposits and withdrawals (spec/p2p.md
 * "Roles", "Money"; see core.h). */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "base/clock.h"
#include "base/random.h"
#include "core.h"
#include "login.h"
#include "kassa/money.h"

kassa_err trader_create_prepare(struct trader_cmd *cmd, char *msg, size_t msglen)
{
    struct trader *t = &cmd->t;
    if (t->name[0] == '\0') {
        snprintf(msg, msglen, "name: required");
        return KASSA_EINVAL;
    }
    if (t->verified_name[0] == '\0') {
        snprintf(msg, msglen, "verified_name: required (the name on the trader's documents)");
        return KASSA_EINVAL;
    }
    if (t->reward_bps < 0 || t->reward_bps > 10000) {
        snprintf(msg, msglen, "reward_bps: expected an integer between 0 and 10000");
        return KASSA_EINVAL;
    }
    if (t->currency[0] == '\0')
        core_copy(t->currency, sizeof t->currency, "USDT");
    if (kassa_currency_find(t->currency) == NULL) {
        snprintf(msg, msglen, "currency: unknown currency '%s'", t->currency);
        return KASSA_EINVAL;
    }
    random_hex(t->api_key, 16, false);
    random_hex(t->secret, 32, false);
    return KASSA_OK;
}

kassa_err trader_create_apply(struct store_conn *c, struct store_task *task)
{
    struct trader_cmd *cmd = container_of(task, struct trader_cmd, task);
    cmd->t.active = 1;
    cmd->t.online = 0;
    cmd->t.created_at = clock_now();
    kassa_err err = store_trader_insert(c, &cmd->t);
    if (err == KASSA_OK && cmd->login[0] != '\0')
        err = login_set(c, LOGIN_TRADER, cmd->t.id, cmd->login, cmd->password_hash);
    return err;
}

kassa_err trader_update_apply(struct store_conn *c, struct store_task *task)
{
    struct trader_cmd *cmd = container_of(task, struct trader_cmd, task);
    struct trader cur;
    kassa_err err = store_trader_get(c, cmd->t.id, &cur);
    if (err != KASSA_OK)
        return err;
    if (cmd->set & TRADER_SET_NAME)
        core_copy(cur.name, sizeof cur.name, cmd->t.name);
    if (cmd->set & TRADER_SET_REWARD)
        cur.reward_bps = cmd->t.reward_bps;
    if (cmd->set & TRADER_SET_ACTIVE)
        cur.active = cmd->t.active ? 1 : 0;
    if (cmd->set & TRADER_SET_ONLINE)
        cur.online = cmd->t.online ? 1 : 0;
    if ((err = store_trader_update(c, &cur)) != KASSA_OK)
        return err;
    if ((cmd->set & TRADER_SET_LOGIN) &&
        (err = login_set(c, LOGIN_TRADER, cur.id, cmd->login, cmd->password_hash)) != KASSA_OK)
        return err;
    if (!cur.active && (err = store_sessions_end(c, LOGIN_TRADER, cur.id)) != KASSA_OK)
        return err;
    cmd->t = cur;
    return KASSA_OK;
}

/* A deposit moves the trader's money into the platform's custody and onto
 * the trader's available account; a withdrawal takes it back out (never
 * below zero: ledger_post's floor). */
kassa_err trader_money_apply(struct store_conn *c, struct store_task *task)
{
    struct trader_money_cmd *cmd = container_of(task, struct trader_money_cmd, task);
    kassa_err err = store_trader_get(c, cmd->trader_id, &cmd->trader);
    if (err != KASSA_OK)
        return err;
    int64_t d = cmd->deposit ? cmd->amount : -cmd->amount;
    struct posting p[2] = {
        {.kind = ACC_PLATFORM_CUSTODY, .amount = -d},
        {.kind = ACC_TRADER_AVAILABLE, .shop_id = cmd->trader_id, .amount = d},
    };
    for (int i = 0; i < 2; i++)
        core_copy(p[i].currency, sizeof p[i].currency, cmd->trader.currency);
    err = ledger_post(c, cmd->deposit ? "trader.deposit" : "trader.withdrawal", "trader",
                      cmd->trader_id, p, 2);
    if (err != KASSA_OK)
        return err;
    return store_trader_balances(c, cmd->trader_id, cmd->trader.currency, &cmd->balances);
}

kassa_err requisite_holder_check(struct store_conn *c, const struct requisite *r,
                                 struct trader *trader)
{
    if (r->trader_id == 0)
        return KASSA_OK;
    kassa_err err = store_trader_get(c, r->trader_id, trader);
    if (err != KASSA_OK)
        return err;
    /* The holder is the trader: lending one's card to others is not
     * modelled (spec/p2p.md "Roles"). */
    return strcmp(r->owner_full_name, trader->verified_name) == 0 ? KASSA_OK : KASSA_ECONFLICT;
}
