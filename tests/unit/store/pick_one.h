/* pick_one.h: the requisites pool's pick for one order, in the store
 * tests. */
#ifndef KASSA_TEST_PICK_ONE_H
#define KASSA_TEST_PICK_ONE_H

#include "provider/requisites.h"

/* The pool's pick for one order of a fresh amount: every call asks for
 * another amount, so the unique-amount rule never refuses and what is
 * tested is the rotation (provider/requisites.h). */
static inline kassa_err pick_one(struct store_conn *c, const char *type, const char *currency,
                                 const char *bank, const struct country_filter *countries,
                                 struct requisite *out)
{
    static int64_t amount = 100000;
    struct pick_ask a = {.type = type,
                         .currency = currency,
                         .bank_code = bank,
                         .countries = countries,
                         .amount = ++amount,
                         .rate = "",
                         .now = 1};
    struct pick p;
    kassa_err err = requisites_assign(c, &a, NULL, &p);
    if (err == KASSA_OK)
        *out = p.req;
    return err;
}

#endif
