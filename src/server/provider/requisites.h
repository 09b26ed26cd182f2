/* requisites.h: the requisites pool: one rotation rule.
 *
 * Which requisite an order is given: an active one of the order's type and
 * currency that its country filter admits (country_filter_admits), of its
 * preferred bank when that bank has one, else of any bank; among those the
 * next after the one this pool last gave the same kind of order (type,
 * currency, bank, countries), by id, wrapping around to the first. The
 * rule lives here once; the store only serves rows (store.h
 * requisites_after, and order_create_reads_many's requisite list).
 *
 * The cursors (the last id given, per kind) are kept in this process, per
 * store: a pick writes nothing to the database. So several writer threads
 * (one mutex orders their picks) and several kassad nodes never wait on one
 * another for a requisite, and a create costs no round trip for it; each
 * node rotates on its own, as each had its own counter before. */
#ifndef KASSA_PROVIDER_REQUISITES_H
#define KASSA_PROVIDER_REQUISITES_H

#include "kassa/error.h"
#include "model/model.h"
#include "store/store.h"

/* The requisite for one order, read through the store on c (inside the
 * caller's transaction): KASSA_OK with *out, KASSA_ENOTFOUND when none
 * serves, or the store's error. bank_code NULL or "": any bank; countries
 * NULL or not active: any country. */
kassa_err requisites_pick(struct store_conn *c, const char *type, const char *currency,
                          const char *bank_code, const struct country_filter *countries,
                          struct requisite *out);

/* The same rule for the n creates in rd, from `rows` (what the store's
 * order_create_reads_many read: every active requisite of their types and
 * currencies, in id order), in the order of rd: each rd[i] that asks for a
 * type gets requisite_err KASSA_OK and requisite, or KASSA_ENOTFOUND. */
void requisites_pick_from(const struct store *s, const struct requisite_list *rows,
                          struct order_reads *rd, int n);

#endif
