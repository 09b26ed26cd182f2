/* requisites.h: the requisites pool: the one selection rule (spec/p2p.md
 * "Requisite selection").
 *
 * Which requisite an order is given: an active, unpaused one of the
 * order's type and currency that its country filter admits
 * (country_filter_admits) and whose min/max admit its amount, of its
 * preferred bank when that bank has one to give, else of any bank; among
 * those, in rotation: the next after the one this pool last gave the same
 * kind of order (type, currency, bank, countries), by id, wrapping around
 * to the first. A candidate with a trader or with limits (a "limited"
 * requisite) must also pass what the database says now: its trader active
 * and online, its device (when bound to one) online, fewer open orders on it than max_pending, its
 * day's amount and count within daily_amount and daily_count, and its trader's available deposit
 * covering the order (E, in the trader's currency). Every requisite takes at most one pending order
 * of one amount (a claim the database keys); when every candidate has the amount pending, a shop
 * that allows it raises the amount by the fewest whole units that make it
 * unique. The rule lives here once; the store only serves rows and claims.
 *
 * The cursors (the last id given, per kind) are kept in this process, per
 * store: the rotation writes nothing to the database. The checks of a
 * limited candidate and its claims run under the ledger's lock (store.h
 * ledger_lock), which every posting also takes, so two orders never spend
 * one deposit nor pass one limit, on one node or several. */
#ifndef KASSA_PROVIDER_REQUISITES_H
#define KASSA_PROVIDER_REQUISITES_H

#include "kassa/error.h"
#include "model/model.h"
#include "store/store.h"

/* Why an order found no requisite: the furthest any candidate got. None of
 * its type and currency at all; none its countries admit; none whose
 * min/max admit the amount; every one paused or its trader suspended or
 * offline; every one at a limit (open orders, the day's amount or count);
 * every trader's deposit short; every one already pending with the
 * amount (and no raise allowed or none left). */
enum pick_reason {
    PICK_NONE,
    PICK_COUNTRY,
    PICK_AMOUNT,
    PICK_OFFLINE,
    PICK_LIMIT,
    PICK_DEPOSIT,
    PICK_DUPLICATE,
};
/* "none", "country", "amount", "offline", "limit", "deposit",
 * "duplicate_amount". */
const char *pick_reason_name(enum pick_reason r);

/* What one order asks of the pool. */
struct pick_ask {
    const char *type, *currency;
    const char *bank_code;                  /* NULL or "": any bank */
    const struct country_filter *countries; /* NULL or not active: any */
    int64_t amount;                         /* minor units of currency */
    int64_t raise_max;                      /* the most the amount may be raised (minor units) */
    int64_t unit;                           /* one whole unit of the currency, in minor units */
    const char *rate;                       /* the order's exchange rate (money_convert), "" none */
    int64_t now;                            /* Unix seconds: the day of the daily limits */
};

/* What the pool gave. */
struct pick {
    struct requisite req;
    int64_t amount;  /* to pay: the ask's, or raised to a unique one */
    int64_t reserve; /* E: what it holds of the trader's deposit; 0 no trader */
    char trader_currency[16];
    enum pick_reason reason; /* when none was given */
};

/* The requisite for one order, read and claimed through the store on c
 * (inside the caller's transaction): KASSA_OK with *out (its amount
 * claimed on the requisite; a limited one's day counted), KASSA_ENOTFOUND
 * with out->reason, or the store's error. rows: the candidates when the
 * caller has read them already (order_create_reads_many), else NULL. The
 * reserve itself is the core's posting, made with the order. */
kassa_err requisites_assign(struct store_conn *c, const struct pick_ask *a,
                            const struct requisite_list *rows, struct pick *out);

/* Whether r needs the database's word beyond the claim (a trader, or
 * limits), which the pick of a group cannot give. */
bool requisite_limited(const struct requisite *r);

/* The rotation alone for the n creates in rd, from `rows` (what the
 * store's order_create_reads_many read: every active requisite of their
 * types and currencies, in id order), in the order of rd: each rd[i] that
 * asks for a type gets requisite_err KASSA_OK and requisite (whose amount
 * the group's insert claims, store.h order_insert_many), or
 * KASSA_ENOTFOUND. A pick
 * that is limited, or whose claim fails, is made again alone with
 * requisites_assign. */
void requisites_pick_from(const struct store *s, const struct requisite_list *rows,
                          struct order_reads *rd, int n);

/* An order leaving pending gives its amount back to its requisite, and,
 * when it is `released` (failed, expired, canceled: not completed), its
 * place in its day's limits. */
kassa_err requisites_release(struct store_conn *c, const struct order *o, bool released);

#endif
